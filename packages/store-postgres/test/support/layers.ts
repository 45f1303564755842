import type { LedgerStore } from "@paykit/ledger"
import { Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as StorePostgres from "../../src/StorePostgres.ts"
import { freshSchema, serverUrl } from "./env.ts"

/** A fresh, empty store on its own PGlite database (in memory), closed with the layer. */
export const pglite: Layer.Layer<LedgerStore.LedgerStore | SqlClient.SqlClient, unknown> =
  StorePostgres.layer({})

/**
 * A fresh, empty store on the test server: a uniquely named schema created for the layer and
 * dropped when it closes, so runs never see each other's rows.
 */
export const server = (
  prefix: string,
  options: { readonly maxConnections?: number } = {}
): Layer.Layer<LedgerStore.LedgerStore | SqlClient.SqlClient, unknown> =>
  Layer.unwrap(
    Effect.sync(() => {
      const schema = freshSchema(prefix)
      const base = StorePostgres.layer({
        url: serverUrl!,
        schema,
        maxConnections: options.maxConnections ?? 8
      })
      const dropOnClose = Layer.effectDiscard(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* Effect.addFinalizer(() =>
            sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).pipe(Effect.ignore)
          )
        })
      )
      return dropOnClose.pipe(Layer.provideMerge(base))
    })
  )
