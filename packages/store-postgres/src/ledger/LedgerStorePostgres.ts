import type { Currency } from "@paykit/core"
import { LedgerStore } from "@paykit/ledger"
import { type Duration, Effect, type Layer, type Scope } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type * as Database from "../Database.ts"
import type { StartupError } from "../errors.ts"
import { clientLayer, configLayer, openLayer } from "../internal/adapter.ts"
import * as Migrations from "../Migrations.ts"
import { setupOf } from "./internal/config.ts"
import { makeWrite } from "./internal/groupCommit.ts"
import { makeReads } from "./internal/reads.ts"
import { ledgerMigrations } from "./internal/schema.ts"
import { makeRun } from "./internal/writeTransaction.ts"

/**
 * The ledger's migration namespace: `ledger`, recorded in `paykit_ledger_migrations`; its
 * tables are `paykit_ledger_*`. Every layer of this module applies it after the shared outbox's.
 *
 * @example
 * ```ts
 * import { Migrations } from "@paykit/store-postgres"
 * import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
 * const apply = Migrations.run(Migrations.outbox, LedgerStorePostgres.migrations)
 * ```
 * @category models
 * @since 0.3.0
 */
export const migrations: Migrations.Namespace = Migrations.namespace("ledger", ledgerMigrations)

/**
 * Configuration of the PostgreSQL ledger store: where the data lives ({@link Database.DatabaseConfig}:
 * a server `url`, or embedded PGlite in memory or in `dataDir`), the currency registry that gives
 * each account currency its exponent (by default the ledger's own: ISO 4217 plus
 * `Currency.POINTS`; add your custom units), the bound on transparent retries of serialization
 * failures, deadlocks and id races (default 8 attempts), and whose clock stamps the books
 * (`clock`, default the database's).
 *
 * @category models
 * @since 0.1.0
 */
export interface StoreConfig extends Database.DatabaseConfig {
  readonly currencies?: Currency.Registry | undefined
  readonly maxAttempts?: number | undefined
  /**
   * Whose clock gives a write its time (the `createdAt` of its entries, holds and accounts, the
   * `at` of its lines, when its holds expire and which holds are due):
   * - `"database"` (default): the database server's clock (`clock_timestamp()`), read inside the
   *   write's transaction. Every process writing to the books then stamps them on one clock, and
   *   a process whose clock runs ahead or behind can neither expire other processes' holds early
   *   nor date entries out of order. The request's `now` is ignored.
   * - `"caller"`: the request's `now` (the `Ledger` takes it from Effect's `Clock`). For tests
   *   driven by a `TestClock`, for replaying a run with recorded times, and for the ledger's
   *   contract suite, which checks decisions given a time.
   *
   * Either way the time is then raised, after the write's accounts are locked, to the time of the
   * latest line of each of them (and, in a group commit, to the previous write's time), so an
   * account's lines never go back in time and `balanceAsOf` agrees with its entries' times.
   */
  readonly clock?: "database" | "caller" | undefined
  /**
   * Group commit (default on): writes from concurrent callers that arrive while a transaction
   * runs are decided together in the next one (up to 64 writes and about 4,096 commands), in
   * arrival order, each on the state the previous left. Results are exactly those of running
   * them one after another. `false` turns it off.
   */
  readonly groupCommit?: boolean | undefined
  /** Concurrent group-commit transactions on a server (default 4; PGlite always 1). */
  readonly writers?: number | undefined
  /**
   * How long a write waits for a row lock another transaction holds (default 30 s) before the
   * attempt fails with a lock timeout, which is retried like a deadlock; after `maxAttempts`
   * the write fails with `StoreFailure`. Bounds a write stuck behind a forgotten transaction.
   * (Inside a caller's transaction a lock timeout is not retried: see `write`.)
   */
  readonly lockTimeout?: Duration.Input | undefined
}

/**
 * The store options besides where the database is (for `make` and `layerClient`).
 *
 * @category models
 * @since 0.3.0
 */
export type StoreOptions = Pick<
  StoreConfig,
  | "currencies"
  | "maxAttempts"
  | "groupCommit"
  | "writers"
  | "lockTimeout"
  | "clock"
  | "acquireTimeout"
  | "statementTimeout"
>

/**
 * Builds the `LedgerStore` on the `SqlClient` in context (already migrated; use {@link layer}
 * to open, migrate and build in one go).
 *
 * A write is one transaction of two statements whatever the batch size: one call of the
 * `paykit_ledger_lock` function (the write's settings, its base time, then the holds the
 * commands name plus every due pending hold, the entries they name and every account the write
 * touches, each locked `ORDER BY id FOR UPDATE`), then, after deciding the batch with the pure
 * `LedgerCore.applyBatch`, one statement persisting the whole change set (accounts, entries,
 * postings, holds, lines, outbox events). Every writer takes its locks in the same global order
 * (holds, entries, accounts; each by id, as `PORT.md` prescribes), so writers cannot deadlock; a serialization failure,
 * deadlock or id race reported anyway re-runs the transaction, at most `maxAttempts` times with
 * jittered backoff.
 *
 * The write's time is decided inside the transaction (see `clock`): the lock function reads its
 * base time (the database's clock by default), sweeps the holds due at it and reads each locked
 * account's latest line time; the batch is decided at the latest of those. Consumed ids (`failedIds: "consumed"`) live in the entries' id space, so an id is an
 * entry or a failure, never both.
 *
 * A write made inside a transaction of this `SqlClient` (the caller's `sql.withTransaction`) runs
 * in it on the caller's connection, bypassing group commit, as two statements (the lock function
 * and the write; no savepoint: the lock function's id locks keep concurrent writers of the same
 * new id apart): it commits and rolls back with the caller's transaction, outbox row included. A
 * refused write (the ledger's decision) writes nothing and the caller's transaction goes on; a
 * database error (a serialization failure, deadlock or lock timeout) is not retried and fails at
 * once with `StoreFailure` asking the caller to retry its whole transaction, which it aborts. The store's own transactions wait at most `acquireTimeout`
 * for a connection, and its statements at most `statementTimeout` and `lockTimeout`.
 *
 * Whatever a caller sends, the call answers: an unreadable request fails with `StoreFailure`,
 * and a defect while deciding or persisting a write (an exception from a command the core cannot
 * read, a bug) fails that write alone with a `StoreFailure` naming it (a group's other writes are
 * re-run on their own). The group-commit writers outlive every write; one that stops anyway is
 * logged and restarted.
 *
 * @example
 * ```ts
 * import { Database, Migrations } from "@paykit/store-postgres"
 * import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
 * import { Effect } from "effect"
 * const store = Effect.gen(function* () {
 *   yield* Migrations.run(Migrations.outbox, LedgerStorePostgres.migrations)
 *   return yield* LedgerStorePostgres.make({})
 * }).pipe(Effect.provide(Database.layer({})))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  config: StoreOptions = {}
): Effect.Effect<LedgerStore.LedgerStore["Service"], never, SqlClient.SqlClient | Scope.Scope> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const setup = setupOf(sql, config)
    const { write, writeSummary } = yield* makeWrite(setup, makeRun(setup))
    const { getAccount, getEntry, getHold, history, lineAsOf, dump } = makeReads(setup)
    return LedgerStore.LedgerStore.of({
      write,
      writeSummary,
      getAccount,
      getEntry,
      getHold,
      history,
      lineAsOf,
      dump
    })
  })

/**
 * Opens the database (a server when `url` is given, embedded PGlite otherwise), applies the
 * outbox's and the ledger's migrations, and provides the `LedgerStore`, plus the `SqlClient` and
 * {@link Database.DatabaseInfo} it runs on (for the outbox relay and your own queries). Start-up
 * failures are typed (`InvalidStoreConfig`, `DatabaseUnavailable`, `SchemaTooNew`,
 * `MigrationFailed`).
 *
 * @example
 * ```ts
 * import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
 * const embedded = LedgerStorePostgres.layer({})
 * const onDisk = LedgerStorePostgres.layer({ dataDir: ".paykit/ledger" })
 * const server = LedgerStorePostgres.layer({ url: "postgres://postgres@127.0.0.1:5432/app" })
 * ```
 * @category layers
 * @since 0.3.0
 */
export const layer = (
  config: StoreConfig = {}
): Layer.Layer<LedgerStore.LedgerStore | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  openLayer(LedgerStore.LedgerStore, migrations, make(config), config)

/**
 * Builds the store on a `SqlClient` you already have (your own pool, a shared PGlite): creates
 * `schema` when missing and selects it, applies the outbox's and the ledger's migrations, and
 * provides the `LedgerStore`.
 *
 * @example
 * ```ts
 * import { PgliteClient } from "@paykit/store-postgres"
 * import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
 * import { Layer } from "effect"
 * const store = LedgerStorePostgres.layerClient({ schema: "ledger" }).pipe(Layer.provide(PgliteClient.layer({})))
 * ```
 * @category layers
 * @since 0.3.0
 */
export const layerClient = (
  config: StoreOptions & Pick<StoreConfig, "schema"> = {}
): Layer.Layer<LedgerStore.LedgerStore, StartupError, SqlClient.SqlClient> =>
  clientLayer(LedgerStore.LedgerStore, migrations, make(config), config.schema)

/**
 * Like {@link layer} with the database read from the environment: `DATABASE_URL` (a
 * `postgres://` URL; redacted in logs and errors) for a server, or embedded PGlite only when
 * asked with `PAYKIT_DATABASE=pglite:memory` or `PAYKIT_DATABASE=pglite:<directory>`. Neither
 * set is `DatabaseNotConfigured`; both set, or another `PAYKIT_DATABASE`, is
 * `InvalidStoreConfig`. `PAYKIT_DB_SCHEMA` and `PAYKIT_DB_MAX_CONNECTIONS` are optional. The
 * chosen backend is logged once at start-up.
 *
 * @example
 * ```ts
 * import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
 * // DATABASE_URL=postgres://app@db:5432/payments node app.js
 * // PAYKIT_DATABASE=pglite:memory node demo.js
 * const live = LedgerStorePostgres.layerConfig()
 * ```
 * @category layers
 * @since 0.3.0
 */
export const layerConfig = (
  options: StoreOptions & Pick<StoreConfig, "connectTimeout"> = {}
): Layer.Layer<LedgerStore.LedgerStore | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  configLayer((config) => layer({ ...options, ...config }), options.connectTimeout)
