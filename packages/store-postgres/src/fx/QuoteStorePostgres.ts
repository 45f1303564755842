import {
  DuplicateQuote,
  Quote,
  QuoteAlreadyUsed,
  QuoteExpired,
  QuoteNotFound,
  QuoteStore,
  QuoteStoreUnavailable
} from "@paykit/fx"
import type { DomainEvent } from "@paykit/core"
import { Effect, type Layer, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import type * as Database from "../Database.ts"
import type { StartupError } from "../errors.ts"
import {
  clientLayer,
  configLayer,
  json,
  messageOf,
  num,
  numOrNull,
  openLayer,
  retryTransient
} from "../internal/adapter.ts"
import { timedWrite } from "../internal/metrics.ts"
import { insertEvents } from "../internal/outboxInsert.ts"
import * as Migrations from "../Migrations.ts"
import { fxMigrations } from "./internal/schema.ts"

/**
 * Configuration of the PostgreSQL quote store: where the data lives
 * ({@link Database.DatabaseConfig}) and the bound on transparent re-runs after a deadlock,
 * serialization failure or lock timeout (default 5 attempts).
 *
 * @category models
 * @since 0.2.0
 */
export interface StoreConfig extends Database.DatabaseConfig {
  readonly maxAttempts?: number | undefined
}

const encodeQuote = Schema.encodeSync(Quote.Quote)
const decodeQuote = Schema.decodeUnknownSync(Quote.Quote)

/**
 * This adapter's migration namespace: `fx`, recorded in `paykit_fx_migrations`; its tables
 * are `paykit_fx_*`. Every layer of this module applies it after the shared outbox's.
 *
 * @example
 * ```ts
 * import { Migrations } from "@paykit/store-postgres"
 * import { QuoteStorePostgres } from "@paykit/store-postgres/fx"
 * const apply = Migrations.run(Migrations.outbox, QuoteStorePostgres.migrations)
 * ```
 * @category models
 * @since 0.3.0
 */
export const migrations: Migrations.Namespace = Migrations.namespace("fx", fxMigrations)

/**
 * Builds the `QuoteStore` of `@paykit/fx` on the `SqlClient` in context (already migrated; use
 * {@link layer} to open, migrate and build in one go).
 *
 * A quote is stored as its Schema JSON encoding (amounts as minor-unit strings, rates as decimal
 * strings, never floats) beside `principal`/`received` `numeric(39,0)` columns. `consume` is one
 * conditional statement, `UPDATE … SET used_at = now WHERE id = … AND used_at IS NULL AND
 * expires_at > now RETURNING quote`: PostgreSQL lets exactly one of any number of concurrent
 * consumers (fibers, connections or processes) match the row; only when it matches nothing does a
 * second read tell `QuoteNotFound`, `QuoteAlreadyUsed` or `QuoteExpired` apart. Database failures
 * (after bounded retries of transient ones) are `QuoteStoreUnavailable`; nothing is half-written.
 *
 * Events travel with the change: `save(quote, events)` and a successful `consume(id, now,
 * events)` insert the events into the shared outbox (`paykit_outbox`, one row, in order) in the
 * same transaction as the quote's insert or update (a transaction only when there are events), so
 * a duplicate, an expired, used or unknown quote or a database failure leaves no outbox row.
 * Inside a caller's `SqlClient.withTransaction` both join the caller's transaction.
 *
 * @example
 * ```ts
 * import { Database, Migrations } from "@paykit/store-postgres"
 * import { QuoteStorePostgres } from "@paykit/store-postgres/fx"
 * import { Effect } from "effect"
 * const store = Effect.gen(function* () {
 *   yield* Migrations.run(Migrations.outbox, QuoteStorePostgres.migrations)
 *   return yield* QuoteStorePostgres.make()
 * }).pipe(Effect.provide(Database.layer({})))
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const make = (
  config: Pick<StoreConfig, "maxAttempts"> = {}
): Effect.Effect<QuoteStore.QuoteStore["Service"], never, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const maxAttempts = Math.max(1, config.maxAttempts ?? 5)
    const unavailable =
      (operation: string) =>
      <A, E>(
        effect: Effect.Effect<A, E | SqlError>
      ): Effect.Effect<A, Exclude<E, SqlError> | QuoteStoreUnavailable> =>
        retryTransient(effect, maxAttempts, "fx").pipe(
          Effect.catchIf(
            (e): e is SqlError => typeof e === "object" && e !== null && "_tag" in e && e._tag === "SqlError",
            (e) => Effect.fail(new QuoteStoreUnavailable({ operation, reason: messageOf(e) }))
          )
        ) as Effect.Effect<A, Exclude<E, SqlError> | QuoteStoreUnavailable>

    const fromJson = (v: unknown): Quote.Quote => decodeQuote(json(v))

    const save = (
      quote: Quote.Quote,
      events?: ReadonlyArray<DomainEvent.DomainEvent>
    ): Effect.Effect<void, DuplicateQuote | QuoteStoreUnavailable> => {
      const insert = Effect.gen(function* () {
        const encoded = JSON.stringify(encodeQuote(quote))
        const rows = yield* sql`INSERT INTO paykit_fx_quotes
            (id, source, target, created_at, expires_at, principal, received, quote)
          VALUES (${quote.id}, ${quote.source}, ${quote.target}, ${quote.createdAt}, ${quote.expiresAt},
            ${quote.principal.amount.toString()}::numeric, ${quote.received.amount.toString()}::numeric, ${encoded}::jsonb)
          ON CONFLICT (id) DO NOTHING RETURNING 1 AS ok`
        if (rows.length === 0) return yield* new DuplicateQuote({ id: quote.id })
        yield* insertEvents(sql, events, "QuoteStorePostgres.save")
      })
      // one statement needs no transaction; with events, the quote and its outbox row commit together
      return (events === undefined || events.length === 0 ? insert : sql.withTransaction(insert)).pipe(
        unavailable("save")
      )
    }

    const get = (id: string): Effect.Effect<QuoteStore.Stored, QuoteNotFound | QuoteStoreUnavailable> =>
      Effect.gen(function* () {
        const [row] = yield* sql<{ quote: unknown; used_at: string | null }>`SELECT quote::text AS quote,
            used_at::text AS used_at FROM paykit_fx_quotes WHERE id = ${id}`
        if (row === undefined) return yield* new QuoteNotFound({ id })
        return { quote: fromJson(row.quote), usedAt: numOrNull(row.used_at) }
      }).pipe(unavailable("get"))

    const consume = (
      id: string,
      now: number,
      events?: (quote: Quote.Quote) => ReadonlyArray<DomainEvent.DomainEvent>
    ): Effect.Effect<
      Quote.Quote,
      QuoteNotFound | QuoteExpired | QuoteAlreadyUsed | QuoteStoreUnavailable
    > => {
      const attempt = Effect.gen(function* () {
        const [won] = yield* sql<{ quote: unknown }>`UPDATE paykit_fx_quotes SET used_at = ${now}
          WHERE id = ${id} AND used_at IS NULL AND expires_at > ${now}
          RETURNING quote::text AS quote`
        if (won !== undefined) {
          const quote = fromJson(won.quote)
          if (events !== undefined) yield* insertEvents(sql, events(quote), "QuoteStorePostgres.consume")
          return quote
        }
        // Not ours: say why, in the port's order (unknown, already used, expired). A row's
        // used_at never goes back to null, so this later read cannot contradict the update.
        const [row] = yield* sql<{ used_at: string | null; expires_at: string }>`SELECT
            used_at::text AS used_at, expires_at::text AS expires_at FROM paykit_fx_quotes WHERE id = ${id}`
        if (row === undefined) return yield* new QuoteNotFound({ id })
        if (row.used_at !== null) return yield* new QuoteAlreadyUsed({ id, usedAt: num(row.used_at) })
        return yield* new QuoteExpired({ id, expiresAt: num(row.expires_at), now })
      })
      // with events, the update and its outbox row are one transaction (the row lock is held
      // until both commit, so a concurrent consumer still sees the quote used)
      return (events === undefined ? attempt : sql.withTransaction(attempt)).pipe(unavailable("consume"))
    }

    return QuoteStore.QuoteStore.of({
      save: (quote, events) => timedWrite("fx", save(quote, events)),
      get,
      consume: (id, now, events) => timedWrite("fx", consume(id, now, events))
    })
  })

/**
 * Opens the database (a server when `url` is given, embedded PGlite otherwise), applies the
 * outbox's migrations and this adapter's, and provides the `QuoteStore`, plus the `SqlClient` and `DatabaseInfo` it runs on.
 * Start-up failures are typed (`InvalidStoreConfig`, `DatabaseUnavailable`, `SchemaTooNew`,
 * `MigrationFailed`).
 *
 * @example
 * ```ts
 * import { QuoteStorePostgres } from "@paykit/store-postgres/fx"
 * const embedded = QuoteStorePostgres.layer({})
 * const server = QuoteStorePostgres.layer({ url: "postgres://postgres@127.0.0.1:5432/app" })
 * ```
 * @category layers
 * @since 0.2.0
 */
export const layer = (
  config: StoreConfig = {}
): Layer.Layer<QuoteStore.QuoteStore | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  openLayer(QuoteStore.QuoteStore, migrations, make(config), config)

/**
 * Builds the `QuoteStore` on a `SqlClient` you already have (the ledger's, your own pool, a
 * shared PGlite): creates and selects `schema`, applies the outbox's migrations and this adapter's, and provides the port.
 *
 * @example
 * ```ts
 * import { QuoteStorePostgres } from "@paykit/store-postgres/fx"
 * import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
 * import { Layer } from "effect"
 * const stores = QuoteStorePostgres.layerClient().pipe(Layer.provideMerge(LedgerStorePostgres.layer({})))
 * ```
 * @category layers
 * @since 0.2.0
 */
export const layerClient = (
  config: Pick<StoreConfig, "maxAttempts" | "schema"> = {}
): Layer.Layer<QuoteStore.QuoteStore, StartupError, SqlClient.SqlClient> =>
  clientLayer(QuoteStore.QuoteStore, migrations, make(config), config.schema)

/**
 * Like {@link layer} with the database read from the environment: `DATABASE_URL` for a server,
 * or embedded PGlite only when asked with `PAYKIT_DATABASE=pglite:memory` or
 * `PAYKIT_DATABASE=pglite:<directory>` (neither set: `DatabaseNotConfigured`; both:
 * `InvalidStoreConfig`); `PAYKIT_DB_SCHEMA` and `PAYKIT_DB_MAX_CONNECTIONS` are optional. The
 * chosen backend is logged once at start-up.
 *
 * @example
 * ```ts
 * import { QuoteStorePostgres } from "@paykit/store-postgres/fx"
 * const live = QuoteStorePostgres.layerConfig()
 * ```
 * @category layers
 * @since 0.2.0
 */
export const layerConfig = (
  options: Pick<StoreConfig, "maxAttempts" | "connectTimeout"> = {}
): Layer.Layer<QuoteStore.QuoteStore | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  configLayer((config) => layer({ ...options, ...config }), options.connectTimeout)
