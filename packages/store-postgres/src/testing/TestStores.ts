import { Effect, Layer, ManagedRuntime } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import { SqlClient as SqlClientService } from "effect/sql/SqlClient"
import { randomBytes } from "node:crypto"
import type * as Database from "../Database.ts"
import * as PgliteClient from "../PgliteClient.ts"

/**
 * A schema name unique to this run (`t_<prefix>_<time>_<random>`), so repeated runs on a
 * long-lived server never collide.
 *
 * @example
 * ```ts
 * import { TestStores } from "@paykit/store-postgres/testing"
 * TestStores.freshSchema("ledger") // "t_ledger_m3x…_a1b2c3"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const freshSchema = (prefix: string): string =>
  `t_${prefix.toLowerCase().replace(/[^a-z0-9_]/g, "_")}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`

/** Drops `schema` when the layer closes. */
const dropOnClose = (schema: string) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const sql = yield* SqlClientService
      yield* Effect.addFinalizer(() =>
        sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).pipe(Effect.ignore)
      )
    })
  )

let shared:
  | ManagedRuntime.ManagedRuntime<SqlClient.SqlClient | PgliteClient.PgliteDatabase, unknown>
  | undefined

/**
 * A fresh, empty store per build on one in-memory PGlite database shared by the whole process:
 * `build` gets a new schema's name (dropped on close) and returns the adapter's
 * `layerClient({ schema })`, for example `LedgerStorePostgres` or `QuoteStorePostgres`; a build
 * costs milliseconds instead of the seconds of opening PGlite. Builds must not overlap in time
 * (PGlite's one connection has one search path); sequential tests and property runs satisfy that.
 *
 * @example
 * ```ts
 * import { QuoteStoreContract } from "@paykit/fx/testing"
 * import { QuoteStorePostgres } from "@paykit/store-postgres/fx"
 * import { TestStores } from "@paykit/store-postgres/testing"
 * QuoteStoreContract.suite(
 *   "PGlite",
 *   TestStores.pgliteSharedWith("quotes", (schema) => QuoteStorePostgres.layerClient({ schema }))
 * )
 * ```
 * @category layers
 * @since 0.2.0
 */
export const pgliteSharedWith = <A, E>(
  prefix: string,
  build: (schema: string) => Layer.Layer<A, E, SqlClient.SqlClient>
): Layer.Layer<A | SqlClient.SqlClient, unknown> =>
  Layer.unwrap(
    Effect.gen(function* () {
      shared ??= ManagedRuntime.make(PgliteClient.layer({}))
      const context = yield* Effect.promise(() => shared!.context())
      const schema = freshSchema(prefix)
      const client = Layer.succeedContext(context)
      return dropOnClose(schema).pipe(
        Layer.provideMerge(Layer.merge(build(schema), client).pipe(Layer.provide(client)))
      )
    })
  )

/**
 * A fresh, empty store per build on a PostgreSQL server: `build` gets the database
 * configuration (the URL, a uniquely named schema, the pool size) and returns the adapter's
 * `layer(config)`, for example `LedgerStorePostgres.layer` or `AccountStorePostgres.layer`. The
 * schema is dropped when the layer closes.
 *
 * @example
 * ```ts
 * import { AccountStorePostgres } from "@paykit/store-postgres/accounts"
 * import { TestStores } from "@paykit/store-postgres/testing"
 * const url = process.env["PAYKIT_TEST_DATABASE_URL"]
 * const layer = url ? TestStores.serverWith(url, "accounts", AccountStorePostgres.layer) : undefined
 * ```
 * @category layers
 * @since 0.2.0
 */
export const serverWith = <A, E>(
  url: string,
  prefix: string,
  build: (config: Database.DatabaseConfig) => Layer.Layer<A | SqlClient.SqlClient, E>,
  options: { readonly maxConnections?: number } = {}
): Layer.Layer<A | SqlClient.SqlClient, unknown> =>
  Layer.unwrap(
    Effect.sync(() => {
      const schema = freshSchema(prefix)
      const base = build({ url, schema, maxConnections: options.maxConnections ?? 8 })
      return dropOnClose(schema).pipe(Layer.provideMerge(base))
    })
  )
