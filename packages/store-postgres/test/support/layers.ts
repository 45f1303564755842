import type { LedgerStore } from "@paykit/ledger"
import type { Layer } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import { TestStores } from "../../src/testing/index.ts"
import { serverUrl } from "./env.ts"

export const pglite = TestStores.pglite
export const pgliteShared = TestStores.pgliteShared

/** A fresh store on the test server (only called when `PAYKIT_TEST_DATABASE_URL` is set). */
export const server = (
  prefix: string,
  options: { readonly maxConnections?: number } = {}
): Layer.Layer<LedgerStore.LedgerStore | SqlClient.SqlClient, unknown> =>
  TestStores.server(serverUrl!, prefix, options)
