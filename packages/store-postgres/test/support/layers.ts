import type { LedgerStore } from "@paykit/ledger"
import { Effect, Layer, ManagedRuntime } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as PgliteClient from "../../src/PgliteClient.ts"
import * as StorePostgres from "../../src/StorePostgres.ts"
import { freshSchema, serverUrl } from "./env.ts"

/** Drops `schema` when the layer closes. */
const dropOnClose = (schema: string) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* Effect.addFinalizer(() =>
        sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).pipe(Effect.ignore)
      )
    })
  )

/** A fresh, empty store on its own PGlite database (in memory), closed with the layer. */
export const pglite: Layer.Layer<LedgerStore.LedgerStore | SqlClient.SqlClient, unknown> =
  StorePostgres.layer({})

let shared: ManagedRuntime.ManagedRuntime<SqlClient.SqlClient, unknown> | undefined

/**
 * A fresh, empty store on one PGlite database shared by the whole test file: each build gets a
 * new schema (dropped on close). Opening PGlite costs seconds; a schema costs milliseconds, which
 * is what lets the model-based property run many fresh stores. Builds must not overlap (PGlite's
 * one connection has one search path), which holds for the contract suite's sequential tests.
 */
export const pgliteShared = (
  prefix: string
): Layer.Layer<LedgerStore.LedgerStore | SqlClient.SqlClient, unknown> =>
  Layer.unwrap(
    Effect.gen(function* () {
      shared ??= ManagedRuntime.make(PgliteClient.layer({}))
      const context = yield* Effect.promise(() => shared!.context())
      const schema = freshSchema(prefix)
      const client = Layer.succeedContext(context)
      return dropOnClose(schema).pipe(
        Layer.provideMerge(
          Layer.merge(StorePostgres.layerClient({ schema }), client).pipe(Layer.provide(client))
        )
      )
    })
  )

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
      return dropOnClose(schema).pipe(Layer.provideMerge(base))
    })
  )
