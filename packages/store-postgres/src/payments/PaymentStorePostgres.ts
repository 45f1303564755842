import type { Currency } from "@paykit/core"
import { StoreFailure } from "@paykit/ledger"
import { type Payment, PaymentCodec, PaymentStore, type Tracking } from "@paykit/payments"
import { Effect, type Layer, Option, Result } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import type * as Database from "../Database.ts"
import type { StartupError } from "../errors.ts"
import {
  AcquireTimeout,
  clientLayer,
  configLayer,
  DEFAULT_ACQUIRE_TIMEOUT,
  inTransaction,
  json,
  messageOf,
  millisOf,
  openLayer,
  retryTransient,
  withAcquireTimeout
} from "../internal/adapter.ts"
import { timedWrite } from "../internal/metrics.ts"
import { insertEvents } from "../internal/outboxInsert.ts"
import * as Migrations from "../Migrations.ts"
import { paymentsMigrations } from "./internal/schema.ts"

/**
 * Configuration of the PostgreSQL payment store: where the data lives
 * ({@link Database.DatabaseConfig}, `acquireTimeout` included), the bound on transparent re-runs
 * of a `commit` made outside `exclusive` after a deadlock, serialization failure or lock timeout
 * (default 5 attempts), and the currency registry stored amounts are read with (default ISO
 * 4217; add your custom units).
 *
 * @example
 * ```ts
 * import type { PaymentStorePostgres } from "@paykit/store-postgres/payments"
 * import { Currency } from "@paykit/core"
 * const config: PaymentStorePostgres.StoreConfig = {
 *   url: "postgres://postgres@127.0.0.1:5432/app",
 *   currencies: Currency.registry([Currency.POINTS])
 * }
 * ```
 * @category models
 * @since 0.3.0
 */
export interface StoreConfig extends Database.DatabaseConfig {
  readonly maxAttempts?: number | undefined
  readonly currencies?: Currency.Registry | undefined
}

/**
 * The store options besides where the database is (for `make` and `layerClient`).
 *
 * @example
 * ```ts
 * import type { PaymentStorePostgres } from "@paykit/store-postgres/payments"
 * const options: PaymentStorePostgres.StoreOptions = { maxAttempts: 3, acquireTimeout: "5 seconds" }
 * ```
 * @category models
 * @since 0.3.0
 */
export type StoreOptions = Pick<StoreConfig, "maxAttempts" | "currencies" | "acquireTimeout">

/**
 * This adapter's migration namespace: `payments`, recorded in `paykit_payments_migrations`; its
 * tables are `paykit_payments_payments`, `paykit_payments_timeline` and
 * `paykit_payments_idempotency`. Every layer of this module applies it after the shared outbox's.
 *
 * @example
 * ```ts
 * import { Migrations } from "@paykit/store-postgres"
 * import { PaymentStorePostgres } from "@paykit/store-postgres/payments"
 * const apply = Migrations.run(Migrations.outbox, PaymentStorePostgres.migrations)
 * ```
 * @category models
 * @since 0.3.0
 */
export const migrations: Migrations.Namespace = Migrations.namespace("payments", paymentsMigrations)

const isSqlError = (e: unknown): e is SqlError =>
  typeof e === "object" && e !== null && "_tag" in e && e._tag === "SqlError"

/** A failure of the body given to `exclusive`, carried through the transaction untouched. */
class BodyFailure<E> {
  readonly _tag = "BodyFailure"
  constructor(readonly error: E) {}
}

/** Whether the provider still owes an answer: processing, requires action, or an open refund. */
const waitingForProvider = (p: Payment.Payment): boolean =>
  p.status === "processing" ||
  p.status === "requires_action" ||
  p.refunds.some((r) => r.status === "pending" || r.status === "requires_action")

/**
 * Builds the `PaymentStore` of `@paykit/payments` on the `SqlClient` in context (already
 * migrated; use {@link layer} to open, migrate and build in one go).
 *
 * A payment is one row of `paykit_payments_payments`: its `PaymentCodec` JSON document (amounts
 * as minor-unit strings, read back through `currencies`) beside the columns the queries use
 * (merchant, status, customer, method, amount as `numeric`, currency, creation and expiry time,
 * whether it waits for the provider, version). Its timeline is `paykit_payments_timeline`
 * (`seq` 1, 2, … per payment), the idempotency records `paykit_payments_idempotency` (one per
 * merchant and key; a failure outcome keeps the error as `{ _tag, ...fields }` and reads back
 * as its class, `PaymentCodec.decodeError`; a tag this version does not know reads as
 * `StoreFailure`).
 *
 * `exclusive(id, f)` runs `f` in a transaction that first takes a transaction-scoped advisory
 * lock keyed by the schema and the payment id (so it works for a payment not created yet, and
 * across processes); everything `f` does on the same `SqlClient` (the `Ledger` on
 * `LedgerStorePostgres`, `get`, `idempotency`, `commit`) runs in that transaction and commits
 * or rolls back with it, and a failure of `f` comes out as it was. Called inside a caller's
 * `sql.withTransaction` (or another `exclusive`), it is a savepoint of the caller's
 * transaction. Its own transaction waits at most `acquireTimeout` for a connection; the lock
 * wait is bounded by the session's `lock_timeout`. `exclusive` is never re-run (`f` may have
 * called a provider): a deadlock or timeout is `StoreFailure`.
 *
 * `commit` is one transaction (a savepoint inside `exclusive`): the version check
 * (`INSERT … ON CONFLICT DO NOTHING` for a new payment, `UPDATE … WHERE version = expected`
 * otherwise; no row is `VersionConflict`), the idempotency record (`INSERT … ON CONFLICT DO
 * NOTHING`; a key already recorded is `StoreFailure` naming it), the timeline rows under the
 * payment's row lock, and the events into the shared outbox (`paykit_outbox`, one row, in
 * order). Any refusal or failure rolls the whole change back: nothing of it is kept, no outbox
 * row. Outside a transaction a deadlock, serialization failure or lock timeout re-runs it (at
 * most `maxAttempts` times). Database failures are `StoreFailure` naming the operation.
 *
 * @example
 * ```ts
 * import { Database, Migrations } from "@paykit/store-postgres"
 * import { PaymentStorePostgres } from "@paykit/store-postgres/payments"
 * import { Effect } from "effect"
 * const store = Effect.gen(function* () {
 *   yield* Migrations.run(Migrations.outbox, PaymentStorePostgres.migrations)
 *   return yield* PaymentStorePostgres.make()
 * }).pipe(Effect.provide(Database.layer({})))
 * ```
 * @category constructors
 * @since 0.3.0
 */
export const make = (
  config: StoreOptions = {}
): Effect.Effect<PaymentStore.PaymentStore["Service"], never, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const maxAttempts = Math.max(1, config.maxAttempts ?? 5)
    const acquireMillis = millisOf(config.acquireTimeout, DEFAULT_ACQUIRE_TIMEOUT)
    const registry = config.currencies

    const failure = (operation: string) => (e: SqlError | AcquireTimeout) =>
      new StoreFailure({ operation, reason: e instanceof AcquireTimeout ? e.message : messageOf(e) })

    const reading =
      (operation: string) =>
      <A, E>(effect: Effect.Effect<A, E | SqlError>): Effect.Effect<A, Exclude<E, SqlError> | StoreFailure> =>
        effect.pipe(Effect.catchIf(isSqlError, (e) => Effect.fail(failure(operation)(e)))) as Effect.Effect<
          A,
          Exclude<E, SqlError> | StoreFailure
        >

    const decodePayment = (operation: string, v: unknown): Effect.Effect<Payment.Payment, StoreFailure> => {
      const r = PaymentCodec.decodePayment(json(v), registry)
      return Result.isSuccess(r)
        ? Effect.succeed(r.success)
        : Effect.fail(
            new StoreFailure({ operation, reason: `a stored payment does not read: ${r.failure.message}` })
          )
    }

    const get = (id: string): Effect.Effect<Option.Option<PaymentStore.Stored>, StoreFailure> =>
      Effect.gen(function* () {
        // one statement, one snapshot: the payment and the timeline it had
        const [row] = yield* sql<{ payment: string; timeline: string }>`SELECT p.payment::text AS payment,
            coalesce((SELECT jsonb_agg(t.entry ORDER BY t.seq) FROM paykit_payments_timeline t
              WHERE t.payment_id = p.id), '[]'::jsonb)::text AS timeline
          FROM paykit_payments_payments p WHERE p.id = ${id}`
        if (row === undefined) return Option.none()
        const payment = yield* decodePayment("get", row.payment)
        return Option.some({ payment, timeline: json(row.timeline) as ReadonlyArray<Tracking.Entry> })
      }).pipe(reading("get"))

    const idempotency = (
      merchant: string,
      key: string
    ): Effect.Effect<Option.Option<PaymentStore.IdempotencyRecord>, StoreFailure> =>
      Effect.gen(function* () {
        const [row] = yield* sql<{ record: string }>`SELECT record::text AS record
          FROM paykit_payments_idempotency WHERE merchant = ${merchant} AND key = ${key}`
        if (row === undefined) return Option.none()
        const r = PaymentCodec.decodeIdempotency(json(row.record), registry)
        if (Result.isFailure(r))
          return yield* new StoreFailure({
            operation: "idempotency",
            reason: `the record of idempotency key ${key} does not read: ${r.failure.message}`
          })
        return Option.some(r.success)
      }).pipe(reading("idempotency"))

    const exclusive = <A, E, R>(
      id: string,
      f: Effect.Effect<A, E, R>
    ): Effect.Effect<A, E | StoreFailure, R> => {
      const body: Effect.Effect<A, BodyFailure<E> | SqlError, R> = Effect.andThen(
        sql`SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '/paykit.payments.payment/' || ${id}, 0))`,
        Effect.mapError(f, (e) => new BodyFailure(e))
      )
      // a transaction of its own, or a savepoint of the caller's when the fiber is in one
      const run: Effect.Effect<A, BodyFailure<E> | SqlError | AcquireTimeout, R> = Effect.flatMap(
        inTransaction(sql),
        (joined): Effect.Effect<A, BodyFailure<E> | SqlError | AcquireTimeout, R> =>
          joined ? sql.withTransaction(body) : withAcquireTimeout(sql, acquireMillis)(body)
      )
      return Effect.catch(
        run,
        (e): Effect.Effect<never, E | StoreFailure> =>
          e instanceof BodyFailure ? Effect.fail(e.error as E) : Effect.fail(failure("exclusive")(e))
      )
    }

    const write = (change: PaymentStore.Change) =>
      Effect.gen(function* () {
        const p = change.payment
        if (p !== undefined) {
          const doc = JSON.stringify(PaymentCodec.encodePayment(p))
          const waiting = waitingForProvider(p)
          const written =
            change.expectedVersion === undefined
              ? yield* sql`INSERT INTO paykit_payments_payments (id, merchant, status, customer, payment_method,
                    amount, currency, created_at, expires_at, waiting, version, payment)
                  VALUES (${change.paymentId}, ${p.merchant}, ${p.status}, ${p.customer ?? null},
                    ${p.paymentMethod ?? null}, ${p.amount.amount.toString()}::numeric, ${p.amount.currency.code},
                    ${p.createdAt}, ${p.expiresAt ?? null}, ${waiting}, ${p.version}, ${doc}::jsonb)
                  ON CONFLICT (id) DO NOTHING RETURNING 1 AS ok`
              : yield* sql`UPDATE paykit_payments_payments SET merchant = ${p.merchant}, status = ${p.status},
                    customer = ${p.customer ?? null}, payment_method = ${p.paymentMethod ?? null},
                    amount = ${p.amount.amount.toString()}::numeric, currency = ${p.amount.currency.code},
                    created_at = ${p.createdAt}, expires_at = ${p.expiresAt ?? null}, waiting = ${waiting},
                    version = ${p.version}, payment = ${doc}::jsonb
                  WHERE id = ${change.paymentId} AND version = ${change.expectedVersion} RETURNING 1 AS ok`
          if (written.length === 0)
            return yield* new PaymentStore.VersionConflict({
              paymentId: change.paymentId,
              expected: change.expectedVersion ?? -1
            })
        }
        const r = change.idempotency
        if (r !== undefined) {
          const record = JSON.stringify(PaymentCodec.encodeIdempotency(r))
          const kept =
            yield* sql`INSERT INTO paykit_payments_idempotency (merchant, key, payment_id, at, record)
            VALUES (${r.merchant}, ${r.key}, ${r.paymentId}, ${r.at}, ${record}::jsonb)
            ON CONFLICT (merchant, key) DO NOTHING RETURNING 1 AS ok`
          if (kept.length === 0)
            return yield* new StoreFailure({
              operation: "commit",
              reason: `idempotency key ${r.key} was recorded by another request meanwhile; nothing of this change was kept`
            })
        }
        if (change.timeline.length > 0) {
          // the payment's row lock first (held already when the payment was written above), then,
          // in a statement of its own (a snapshot taken after the lock), the next seqs. A payment
          // that does not exist gets no timeline, as in the memory store.
          const [owner] =
            yield* sql`SELECT id FROM paykit_payments_payments WHERE id = ${change.paymentId} FOR UPDATE`
          if (owner !== undefined)
            yield* sql`INSERT INTO paykit_payments_timeline (payment_id, seq, entry)
              SELECT ${change.paymentId}, coalesce((SELECT max(seq) FROM paykit_payments_timeline
                WHERE payment_id = ${change.paymentId}), 0) + e.ord, e.entry
              FROM jsonb_array_elements(${JSON.stringify(change.timeline)}::jsonb) WITH ORDINALITY AS e(entry, ord)`
        }
        // the change's events, last: in its transaction, after its row locks
        yield* insertEvents(sql, change.events, "PaymentStorePostgres.commit")
      })

    // inside a transaction a savepoint, never re-run (the caller's transaction decides); alone,
    // re-run after a deadlock, serialization failure or lock timeout
    const commit = (
      change: PaymentStore.Change
    ): Effect.Effect<void, StoreFailure | PaymentStore.VersionConflict> =>
      Effect.flatMap(inTransaction(sql), (joined) =>
        joined
          ? sql.withTransaction(write(change))
          : retryTransient(withAcquireTimeout(sql, acquireMillis)(write(change)), maxAttempts, "payments")
      ).pipe(
        Effect.catchIf(
          (e): e is SqlError | AcquireTimeout => isSqlError(e) || e instanceof AcquireTimeout,
          (e) => Effect.fail(failure("commit")(e))
        )
      )

    const expiring = (now: number, limit: number): Effect.Effect<ReadonlyArray<string>, StoreFailure> =>
      Effect.map(
        sql<{ id: string }>`SELECT id FROM paykit_payments_payments
          WHERE status IN ('requires_capture', 'partially_captured') AND expires_at IS NOT NULL
            AND expires_at <= ${now}
          ORDER BY expires_at, id LIMIT ${limit}`,
        (rows) => rows.map((r) => r.id)
      ).pipe(reading("expiring"))

    const awaitingProvider = (limit: number): Effect.Effect<ReadonlyArray<string>, StoreFailure> =>
      Effect.map(
        sql<{ id: string }>`SELECT id FROM paykit_payments_payments WHERE waiting
          ORDER BY created_at, id LIMIT ${limit}`,
        (rows) => rows.map((r) => r.id)
      ).pipe(reading("awaitingProvider"))

    const list = (q: PaymentStore.Query): Effect.Effect<PaymentStore.Page, StoreFailure> =>
      Effect.gen(function* () {
        // the cursor of the memory store: `<createdAt>.<id>` of the last payment of a page
        let at: number | null = null
        let after: string | null = null
        if (q.cursor !== undefined) {
          const dot = q.cursor.indexOf(".")
          at = Number(q.cursor.slice(0, dot))
          after = q.cursor.slice(dot + 1)
          if (dot < 0 || !Number.isSafeInteger(at)) return { payments: [] }
        }
        const rows = yield* sql<{
          payment: string
        }>`SELECT payment::text AS payment FROM paykit_payments_payments
          WHERE merchant = ${q.merchant}
            AND (${q.status === undefined ? null : [...q.status]}::text[] IS NULL
              OR status = ANY(${q.status === undefined ? null : [...q.status]}::text[]))
            AND (${q.paymentMethod ?? null}::text IS NULL OR payment_method = ${q.paymentMethod ?? null})
            AND (${q.customer ?? null}::text IS NULL OR customer = ${q.customer ?? null})
            AND (${q.from ?? null}::bigint IS NULL OR created_at >= ${q.from ?? null})
            AND (${q.to ?? null}::bigint IS NULL OR created_at < ${q.to ?? null})
            AND (${q.minAmount?.toString() ?? null}::numeric IS NULL OR amount >= ${q.minAmount?.toString() ?? null}::numeric)
            AND (${q.maxAmount?.toString() ?? null}::numeric IS NULL OR amount <= ${q.maxAmount?.toString() ?? null}::numeric)
            AND (${at}::bigint IS NULL OR created_at < ${at} OR (created_at = ${at} AND id < ${after}))
          ORDER BY created_at DESC, id DESC LIMIT ${q.limit + 1}`
        const payments = yield* Effect.forEach(rows.slice(0, q.limit), (r) =>
          decodePayment("list", r.payment)
        )
        const last = payments.at(-1)
        return rows.length > q.limit && last !== undefined
          ? { payments, next: `${last.createdAt}.${last.id}` }
          : { payments }
      }).pipe(reading("list"))

    const counts = (merchant: string): Effect.Effect<Readonly<Record<string, number>>, StoreFailure> =>
      Effect.map(
        sql<{ status: string; n: number }>`SELECT status, count(*)::int AS n FROM paykit_payments_payments
          WHERE merchant = ${merchant} GROUP BY status`,
        (rows) => Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]))
      ).pipe(reading("counts"))

    return PaymentStore.PaymentStore.of({
      get,
      idempotency,
      exclusive,
      commit: (change) => timedWrite("payments", commit(change)),
      expiring,
      awaitingProvider,
      list,
      counts
    })
  })

/**
 * Opens the database (a server when `url` is given, embedded PGlite otherwise), applies the
 * outbox's migrations and this adapter's, and provides the `PaymentStore`, plus the `SqlClient`
 * and `DatabaseInfo` it runs on (give the same `SqlClient` to `LedgerStorePostgres.layerClient`
 * so a step's ledger entry joins `exclusive`'s transaction). Start-up failures are typed
 * (`InvalidStoreConfig`, `DatabaseUnavailable`, `SchemaTooNew`, `MigrationFailed`).
 *
 * @example
 * ```ts
 * import { PaymentStorePostgres } from "@paykit/store-postgres/payments"
 * const embedded = PaymentStorePostgres.layer({})
 * const server = PaymentStorePostgres.layer({ url: "postgres://postgres@127.0.0.1:5432/app" })
 * ```
 * @category layers
 * @since 0.3.0
 */
export const layer = (
  config: StoreConfig = {}
): Layer.Layer<PaymentStore.PaymentStore | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  openLayer(PaymentStore.PaymentStore, migrations, make(config), config)

/**
 * Builds the `PaymentStore` on a `SqlClient` you already have (the one `LedgerStorePostgres.layer`
 * opened for the ledger, your own pool, a shared PGlite): creates and selects `schema`, applies
 * the outbox's migrations and this adapter's, and provides the port.
 *
 * @example
 * ```ts
 * import { PaymentStorePostgres } from "@paykit/store-postgres/payments"
 * import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
 * import { Layer } from "effect"
 * // payments and the ledger in one database: a step's ledger entry joins exclusive's transaction
 * const stores = PaymentStorePostgres.layerClient().pipe(Layer.provideMerge(LedgerStorePostgres.layer({})))
 * ```
 * @category layers
 * @since 0.3.0
 */
export const layerClient = (
  config: StoreOptions & Pick<StoreConfig, "schema"> = {}
): Layer.Layer<PaymentStore.PaymentStore, StartupError, SqlClient.SqlClient> =>
  clientLayer(PaymentStore.PaymentStore, migrations, make(config), config.schema)

/**
 * Like {@link layer} with the database read from the environment: `DATABASE_URL` for a server,
 * or embedded PGlite only when asked with `PAYKIT_DATABASE=pglite:memory` or
 * `PAYKIT_DATABASE=pglite:<directory>` (neither set: `DatabaseNotConfigured`; both:
 * `InvalidStoreConfig`); `PAYKIT_DB_SCHEMA` and `PAYKIT_DB_MAX_CONNECTIONS` are optional. The
 * chosen backend is logged once at start-up.
 *
 * @example
 * ```ts
 * import { PaymentStorePostgres } from "@paykit/store-postgres/payments"
 * const live = PaymentStorePostgres.layerConfig()
 * ```
 * @category layers
 * @since 0.3.0
 */
export const layerConfig = (
  options: StoreOptions & Pick<StoreConfig, "connectTimeout"> = {}
): Layer.Layer<PaymentStore.PaymentStore | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  configLayer((config) => layer({ ...options, ...config }), options.connectTimeout)
