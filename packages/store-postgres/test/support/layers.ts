import type { LedgerStore } from "@paykit/ledger"
import type { Layer } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import * as LedgerStorePostgres from "../../src/ledger/LedgerStorePostgres.ts"
import { TestStores } from "../../src/testing/index.ts"
import { serverUrl } from "./env.ts"

// Every store here takes its time from the request (`clock: "caller"`): the ledger's contract
// suite and the tests that use these layers check decisions given a time (explicit `now`s, a
// TestClock), which the database's clock would replace.

/** A fresh store on its own in-memory PGlite database per build. */
export const pglite: Layer.Layer<LedgerStore.LedgerStore | SqlClient.SqlClient, unknown> =
  LedgerStorePostgres.layer({
    clock: "caller"
  })

/** A fresh store per build in a new schema of one PGlite database shared by the process. */
export const pgliteShared = (
  prefix: string
): Layer.Layer<LedgerStore.LedgerStore | SqlClient.SqlClient, unknown> =>
  TestStores.pgliteSharedWith(prefix, (schema) =>
    LedgerStorePostgres.layerClient({ schema, clock: "caller" })
  )

/** A fresh store on the test server (only called when `PAYKIT_TEST_DATABASE_URL` is set). */
export const server = (
  prefix: string,
  options: { readonly maxConnections?: number } = {}
): Layer.Layer<LedgerStore.LedgerStore | SqlClient.SqlClient, unknown> =>
  TestStores.serverWith(
    serverUrl!,
    prefix,
    (config) => LedgerStorePostgres.layer({ ...config, clock: "caller" }),
    options
  )
