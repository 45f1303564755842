import { AccountStore, type StoreFailure } from "@paykit/accounts"
import { Effect, type Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type * as Database from "../Database.ts"
import type { StartupError } from "../errors.ts"
import { clientLayer, configLayer, openLayer, retryTransient } from "../internal/adapter.ts"
import { timedWrite } from "../internal/metrics.ts"
import * as Migrations from "../Migrations.ts"
import { makeTransactions } from "./internal/commit.ts"
import { Conflict, fail, refusal } from "./internal/conflict.ts"
import { makeReads } from "./internal/reads.ts"
import { accountsMigrations } from "./internal/schema.ts"

/**
 * Configuration of the PostgreSQL account store: where the data lives
 * ({@link Database.DatabaseConfig}) and the bound on transparent re-runs of a commit after a
 * deadlock, serialization failure or lock timeout (default 5 attempts).
 *
 * @category models
 * @since 0.2.0
 */
export interface StoreConfig extends Database.DatabaseConfig {
  readonly maxAttempts?: number | undefined
}

/**
 * This adapter's migration namespace: `accounts`, recorded in `paykit_accounts_migrations`; its tables
 * are `paykit_accounts_*`. Every layer of this module applies it after the shared outbox's.
 *
 * @example
 * ```ts
 * import { Migrations } from "@paykit/store-postgres"
 * import { AccountStorePostgres } from "@paykit/store-postgres/accounts"
 * const apply = Migrations.run(Migrations.outbox, AccountStorePostgres.migrations)
 * ```
 * @category models
 * @since 0.3.0
 */
export const migrations: Migrations.Namespace = Migrations.namespace("accounts", accountsMigrations)

/**
 * Builds the `AccountStore` of `@paykit/accounts` on the `SqlClient` in context (already
 * migrated; use {@link layer} to open, migrate and build in one go).
 *
 * `commit` is one database transaction: each account is written with a conditional statement
 * (`INSERT … ON CONFLICT DO NOTHING` for `expectedVersion` 0, `UPDATE … WHERE version =
 * expectedVersion` otherwise), each index key with `INSERT … ON CONFLICT DO UPDATE … WHERE the
 * owner is the same`, so of concurrent writers at one version exactly one wins, even across
 * processes; any refusal rolls the whole transaction back and fails with `StoreFailure`. Sealed
 * fields are stored as they come (base64 nonce, ciphertext and tag), never opened. Database
 * failures are `StoreFailure` too (deadlocks and serialization failures are re-run first).
 *
 * Races over the vault are decided under advisory transaction locks: a commit that writes or
 * guards a subject's holds, erasure, data key or fields first takes that subject's lock (keyed by
 * the schema and the subject, in one order), then checks `guards` and refuses a data key or field
 * for an erased subject (`conflict: VaultChanged`); a data key written under a KEK version shares
 * the version's lock and is refused once the version is retired (`KeyVersionRetired`), and
 * `retireKeks` takes it alone and refuses while a key is wrapped under it (`KeyVersionInUse`).
 * `rewrapKeys` is one transaction of compare-and-set `UPDATE`s (never an insert); `keysPage` reads
 * in subject order.
 *
 * The transaction's `events` are inserted into the shared outbox (`paykit_outbox`, one row, in
 * order) as its last statement, in the same database transaction: a refused or failed commit
 * leaves no outbox row, a re-run leaves one, and an events-only transaction is just that row.
 * Inside a caller's `SqlClient.withTransaction` the commit is a savepoint of the caller's
 * transaction and commits or rolls back with it. `Outbox.layerRelay` delivers the events.
 *
 * @example
 * ```ts
 * import { Database, Migrations } from "@paykit/store-postgres"
 * import { AccountStorePostgres } from "@paykit/store-postgres/accounts"
 * import { Effect } from "effect"
 * const store = Effect.gen(function* () {
 *   yield* Migrations.run(Migrations.outbox, AccountStorePostgres.migrations)
 *   return yield* AccountStorePostgres.make()
 * }).pipe(Effect.provide(Database.layer({})))
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const make = (
  config: Pick<StoreConfig, "maxAttempts"> = {}
): Effect.Effect<AccountStore.AccountStore["Service"], never, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const maxAttempts = Math.max(1, config.maxAttempts ?? 5)
    const { attempt, rewrapAttempt } = makeTransactions(sql)
    const reads = makeReads(sql)

    const commit = (tx: AccountStore.Transaction): Effect.Effect<void, StoreFailure> =>
      retryTransient(attempt(tx), maxAttempts, "accounts").pipe(
        Effect.mapError((e) => (e instanceof Conflict ? refusal(e) : fail("commit")(e)))
      )

    const rewrapKeys = (rewraps: ReadonlyArray<AccountStore.Rewrap>): Effect.Effect<number, StoreFailure> =>
      retryTransient(rewrapAttempt(rewraps), maxAttempts, "accounts").pipe(
        Effect.mapError((e) => (e instanceof Conflict ? refusal(e) : fail("rewrapKeys")(e)))
      )

    return AccountStore.AccountStore.of({
      getAccount: reads.getAccount,
      findIndex: reads.findIndex,
      getKey: reads.getKey,
      listKeys: reads.listKeys,
      keysPage: reads.keysPage,
      rewrapKeys: (rewraps) => timedWrite("accounts", rewrapKeys(rewraps)),
      getFields: reads.getFields,
      getHolds: reads.getHolds,
      getErasure: reads.getErasure,
      dueErasures: reads.dueErasures,
      audit: reads.audit,
      commit: (tx) => timedWrite("accounts", commit(tx)),
      dump: reads.dump
    })
  })

/**
 * Opens the database (a server when `url` is given, embedded PGlite otherwise), applies the
 * outbox's migrations and this adapter's, and provides the `AccountStore`, plus the `SqlClient` and `DatabaseInfo` it runs
 * on. Start-up failures are typed (`InvalidStoreConfig`, `DatabaseUnavailable`, `SchemaTooNew`,
 * `MigrationFailed`).
 *
 * @example
 * ```ts
 * import { AccountStorePostgres } from "@paykit/store-postgres/accounts"
 * const embedded = AccountStorePostgres.layer({})
 * const server = AccountStorePostgres.layer({ url: "postgres://postgres@127.0.0.1:5432/app" })
 * ```
 * @category layers
 * @since 0.2.0
 */
export const layer = (
  config: StoreConfig = {}
): Layer.Layer<AccountStore.AccountStore | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  openLayer(AccountStore.AccountStore, migrations, make(config), config)

/**
 * Builds the `AccountStore` on a `SqlClient` you already have (the one `LedgerStorePostgres.layer`
 * opened for the ledger, your own pool, a shared PGlite): creates and selects `schema`, applies
 * the migrations, and provides the port.
 *
 * @example
 * ```ts
 * import { AccountStorePostgres } from "@paykit/store-postgres/accounts"
 * import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
 * import { Layer } from "effect"
 * // the ledger and the accounts in one database
 * const stores = AccountStorePostgres.layerClient().pipe(Layer.provideMerge(LedgerStorePostgres.layer({})))
 * ```
 * @category layers
 * @since 0.2.0
 */
export const layerClient = (
  config: Pick<StoreConfig, "maxAttempts" | "schema"> = {}
): Layer.Layer<AccountStore.AccountStore, StartupError, SqlClient.SqlClient> =>
  clientLayer(AccountStore.AccountStore, migrations, make(config), config.schema)

/**
 * Like {@link layer} with the database read from the environment: `DATABASE_URL` for a server,
 * or embedded PGlite only when asked with `PAYKIT_DATABASE=pglite:memory` or
 * `PAYKIT_DATABASE=pglite:<directory>` (neither set: `DatabaseNotConfigured`; both:
 * `InvalidStoreConfig`); `PAYKIT_DB_SCHEMA` and `PAYKIT_DB_MAX_CONNECTIONS` are optional. The
 * chosen backend is logged once at start-up.
 *
 * @example
 * ```ts
 * import { AccountStorePostgres } from "@paykit/store-postgres/accounts"
 * const live = AccountStorePostgres.layerConfig()
 * ```
 * @category layers
 * @since 0.2.0
 */
export const layerConfig = (
  options: Pick<StoreConfig, "maxAttempts" | "connectTimeout"> = {}
): Layer.Layer<AccountStore.AccountStore | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  configLayer((config) => layer({ ...options, ...config }), options.connectTimeout)
