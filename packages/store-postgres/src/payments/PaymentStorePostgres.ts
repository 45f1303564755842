import type { Currency } from "@paykit/core"
import { StoreFailure } from "@paykit/ledger"
import { type Payment, PaymentCodec, PaymentStore, type Tracking } from "@paykit/payments"
import { Context, Effect, type Layer, Option, Result } from "effect"
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
import { encodeEvents } from "../internal/outboxInsert.ts"
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

/** `exclusive` failed because a statement at its own level failed and aborted the transaction. */
class Poisoned {
  readonly _tag = "Poisoned"
}

/**
 * What `exclusive` knows about the transaction level its body runs at: the payment whose
 * advisory lock it holds, whether a statement failed at that level (the transaction is then
 * aborted), whether the body read the payment, and a read of it made ahead.
 */
interface Held {
  readonly client: SqlClient.SqlClient
  readonly id: string
  readonly conn: unknown
  readonly depth: number
  poisoned: boolean
  loaded: boolean
  prefetched: { readonly row: { payment: string; timeline: string } | undefined } | undefined
}

const HeldLock = Context.Reference<Held | undefined>("@paykit/store-postgres/payments/HeldLock", {
  defaultValue: () => undefined
})

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
 * `commit` writes the whole change in one statement, after the payment's advisory lock (held
 * already inside `exclusive` for that payment; taken first otherwise, so every writer of a
 * payment takes turns and its timeline is numbered 1, 2, … without a gap). Its checks come
 * first and every write is conditional on them: the version check (no row for a new payment;
 * the version read otherwise; a mismatch is `VersionConflict`), the idempotency record
 * (`INSERT … ON CONFLICT DO NOTHING`; a key already recorded is `StoreFailure` naming it), then
 * the payment row, the timeline rows and the events into the shared outbox (`paykit_outbox`,
 * one row, in order, after the advisory locks of their subjects). A refusal writes nothing, so
 * inside `exclusive` it needs no savepoint and the body may go on. At `exclusive`'s own level
 * (no savepoint of the caller's in between) the statement runs without a savepoint: when it
 * fails (a database failure, not a refusal) the transaction is aborted, and `exclusive` then
 * fails with `StoreFailure` even if the body went on, with nothing of it kept; a read that fails
 * there does the same. Inside another transaction `commit` is a savepoint of it; alone it is a
 * transaction of its own, re-run after a deadlock, serialization failure or lock timeout (at
 * most `maxAttempts` times). Database failures are `StoreFailure` naming the operation.
 *
 * Inside `exclusive`, an `idempotency` lookup made before the body first reads its payment (a
 * create checking its key) reads the payment in the same statement, for the `get` that follows.
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

    /** The exclusive level the fiber runs at, when its transaction is that level (no savepoint of the caller's since). */
    const heldHere = (id: string | undefined): Effect.Effect<Held | undefined> =>
      Effect.gen(function* () {
        const held = yield* HeldLock
        if (held === undefined || held.client !== sql || (id !== undefined && held.id !== id))
          return undefined
        const tx = yield* Effect.serviceOption(sql.transactionService)
        return Option.isSome(tx) && tx.value[0] === held.conn && tx.value[1] === held.depth ? held : undefined
      })

    /**
     * A statement that fails at `exclusive`'s own level aborts its transaction (there is no
     * savepoint around it): `exclusive` then fails even if the body went on, never reporting a
     * COMMIT that PostgreSQL turns into a rollback.
     */
    const poisoning = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.tapError(effect, (e) =>
        isSqlError(e)
          ? Effect.flatMap(heldHere(undefined), (held) =>
              Effect.sync(() => {
                if (held !== undefined) held.poisoned = true
              })
            )
          : Effect.void
      )

    const readStored = (row: { payment: string; timeline: string } | undefined) =>
      row === undefined
        ? Effect.succeed(Option.none<PaymentStore.Stored>())
        : Effect.map(decodePayment("get", row.payment), (payment) =>
            Option.some({ payment, timeline: json(row.timeline) as ReadonlyArray<Tracking.Entry> })
          )

    const get = (id: string): Effect.Effect<Option.Option<PaymentStore.Stored>, StoreFailure> =>
      Effect.gen(function* () {
        const held = yield* heldHere(id)
        if (held !== undefined) {
          held.loaded = true
          const ahead = held.prefetched
          held.prefetched = undefined
          // read with the idempotency record just before, at this level, nothing committed since
          if (ahead !== undefined) return yield* readStored(ahead.row)
        }
        // one statement, one snapshot: the payment and the timeline it had
        const [row] = yield* poisoning(sql<{
          payment: string
          timeline: string
        }>`SELECT p.payment::text AS payment,
            coalesce((SELECT jsonb_agg(t.entry ORDER BY t.seq) FROM paykit_payments_timeline t
              WHERE t.payment_id = p.id), '[]'::jsonb)::text AS timeline
          FROM paykit_payments_payments p WHERE p.id = ${id}`)
        return yield* readStored(row)
      }).pipe(reading("get"))

    const idempotency = (
      merchant: string,
      key: string
    ): Effect.Effect<Option.Option<PaymentStore.IdempotencyRecord>, StoreFailure> =>
      Effect.gen(function* () {
        const held = yield* heldHere(undefined)
        let record: string | null | undefined
        if (held !== undefined && !held.loaded) {
          // the first read of a step that checks its key before loading its payment (create):
          // the payment comes along in the same statement, kept for the `get` that follows
          held.prefetched = undefined
          const [both] = yield* poisoning(sql<{
            record: string | null
            payment: string | null
            timeline: string | null
          }>`SELECT (SELECT record::text FROM paykit_payments_idempotency
                WHERE merchant = ${merchant} AND key = ${key}) AS record,
              p.payment::text AS payment,
              CASE WHEN p.id IS NOT NULL THEN coalesce((SELECT jsonb_agg(t.entry ORDER BY t.seq)
                FROM paykit_payments_timeline t WHERE t.payment_id = p.id), '[]'::jsonb)::text END AS timeline
            FROM (SELECT 1) one LEFT JOIN paykit_payments_payments p ON p.id = ${held.id}`)
          record = both?.record
          held.prefetched = {
            row:
              both?.payment === null || both?.payment === undefined
                ? undefined
                : { payment: both.payment, timeline: both.timeline ?? "[]" }
          }
        } else {
          const [row] = yield* poisoning(sql<{ record: string }>`SELECT record::text AS record
            FROM paykit_payments_idempotency WHERE merchant = ${merchant} AND key = ${key}`)
          record = row?.record
        }
        if (record === undefined || record === null) return Option.none()
        const r = PaymentCodec.decodeIdempotency(json(record), registry)
        if (Result.isFailure(r))
          return yield* new StoreFailure({
            operation: "idempotency",
            reason: `the record of idempotency key ${key} does not read: ${r.failure.message}`
          })
        return Option.some(r.success)
      }).pipe(reading("idempotency"))

    const lockPayment = (id: string) =>
      sql`SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '/paykit.payments.payment/' || ${id}, 0))`

    const exclusive = <A, E, R>(
      id: string,
      f: Effect.Effect<A, E, R>
    ): Effect.Effect<A, E | StoreFailure, R> => {
      const body: Effect.Effect<A, BodyFailure<E> | Poisoned | SqlError, R> = Effect.andThen(
        lockPayment(id),
        Effect.flatMap(Effect.serviceOption(sql.transactionService), (tx) => {
          const held: Held | undefined = Option.isSome(tx)
            ? {
                client: sql,
                id,
                conn: tx.value[0],
                depth: tx.value[1],
                poisoned: false,
                loaded: false,
                prefetched: undefined
              }
            : undefined
          return Effect.flatMap(
            Effect.mapError(Effect.provideService(f, HeldLock, held), (e) => new BodyFailure(e)),
            (a) => (held?.poisoned === true ? Effect.fail(new Poisoned()) : Effect.succeed(a))
          )
        })
      )
      // a transaction of its own, or a savepoint of the caller's when the fiber is in one
      const run: Effect.Effect<A, BodyFailure<E> | Poisoned | SqlError | AcquireTimeout, R> = Effect.flatMap(
        inTransaction(sql),
        (joined): Effect.Effect<A, BodyFailure<E> | Poisoned | SqlError | AcquireTimeout, R> =>
          joined ? sql.withTransaction(body) : withAcquireTimeout(sql, acquireMillis)(body)
      )
      return Effect.catch(
        run,
        (e): Effect.Effect<never, E | StoreFailure> =>
          e instanceof BodyFailure
            ? Effect.fail(e.error as E)
            : e instanceof Poisoned
              ? Effect.fail(
                  new StoreFailure({
                    operation: "exclusive",
                    reason:
                      "a statement of this transaction failed (its failure was returned to the body), so nothing of it was kept"
                  })
                )
              : Effect.fail(failure("exclusive")(e))
      )
    }

    /**
     * The whole change in one statement, its checks first and every write conditional on them:
     * the version check and the idempotency key decide, then the payment row, the timeline rows
     * (numbered after the ones the statement's snapshot holds: every writer of a payment holds
     * its advisory lock, taken before this statement) and the outbox row (after the advisory
     * locks of its subjects, in one global order). A refusal writes nothing and fails nothing.
     */
    const write = (change: PaymentStore.Change) =>
      Effect.gen(function* () {
        const p = change.payment
        const r = change.idempotency
        const events = change.events
        const eventsJson =
          events.length === 0 ? null : yield* encodeEvents(events, "PaymentStorePostgres.commit")
        const subjects = JSON.stringify([...new Set(events.map((e) => String(e.subject)))])
        const hasPayment = p !== undefined
        const expected = change.expectedVersion ?? null
        const [result] = yield* sql<{
          checked: boolean
          kept: boolean
          written: boolean
        }>`WITH cur AS (
            SELECT version FROM paykit_payments_payments WHERE id = ${change.paymentId}
          ), checked AS (
            SELECT CASE
                WHEN NOT ${hasPayment}::boolean THEN true
                WHEN ${expected}::bigint IS NULL THEN NOT EXISTS (SELECT 1 FROM cur)
                ELSE EXISTS (SELECT 1 FROM cur WHERE version = ${expected}::bigint)
              END AS ok,
              EXISTS (SELECT 1 FROM cur) AS present
          ), kept AS (
            INSERT INTO paykit_payments_idempotency (merchant, key, payment_id, at, record)
            SELECT ${r?.merchant ?? null}::text, ${r?.key ?? null}::text, ${r?.paymentId ?? null}::text,
              ${r?.at ?? null}::bigint, ${r === undefined ? null : JSON.stringify(PaymentCodec.encodeIdempotency(r))}::jsonb
            FROM checked WHERE checked.ok AND ${r !== undefined}::boolean
            ON CONFLICT (merchant, key) DO NOTHING
            RETURNING 1 AS ok
          ), go AS (
            SELECT checked.ok AND (NOT ${r !== undefined}::boolean OR EXISTS (SELECT 1 FROM kept)) AS ok,
              checked.present
            FROM checked
          ), n AS (
            SELECT ${change.paymentId}::text AS id, ${p?.merchant ?? null}::text AS merchant,
              ${p?.status ?? null}::text AS status, ${p?.customer ?? null}::text AS customer,
              ${p?.paymentMethod ?? null}::text AS payment_method,
              ${p?.amount.amount.toString() ?? null}::numeric AS amount,
              ${p?.amount.currency.code ?? null}::text AS currency, ${p?.createdAt ?? null}::bigint AS created_at,
              ${p?.expiresAt ?? null}::bigint AS expires_at,
              ${p === undefined ? null : waitingForProvider(p)}::boolean AS waiting,
              ${p?.version ?? null}::bigint AS version,
              ${p === undefined ? null : JSON.stringify(PaymentCodec.encodePayment(p))}::jsonb AS payment
          ), created AS (
            INSERT INTO paykit_payments_payments (id, merchant, status, customer, payment_method,
              amount, currency, created_at, expires_at, waiting, version, payment)
            SELECT n.id, n.merchant, n.status, n.customer, n.payment_method, n.amount, n.currency,
              n.created_at, n.expires_at, n.waiting, n.version, n.payment
            FROM n, go WHERE go.ok AND ${hasPayment}::boolean AND ${expected}::bigint IS NULL
            ON CONFLICT (id) DO NOTHING
            RETURNING 1 AS ok
          ), updated AS (
            UPDATE paykit_payments_payments u SET merchant = n.merchant, status = n.status,
                customer = n.customer, payment_method = n.payment_method, amount = n.amount,
                currency = n.currency, created_at = n.created_at, expires_at = n.expires_at,
                waiting = n.waiting, version = n.version, payment = n.payment
              FROM n, go
              WHERE go.ok AND ${hasPayment}::boolean AND u.id = n.id AND u.version = ${expected}::bigint
            RETURNING 1 AS ok
          ), written AS (
            SELECT CASE WHEN ${hasPayment}::boolean
                  THEN EXISTS (SELECT 1 FROM created) OR EXISTS (SELECT 1 FROM updated)
                  ELSE go.ok END AS ok,
              go.present OR EXISTS (SELECT 1 FROM created) AS present
            FROM go
          ), timeline AS (
            INSERT INTO paykit_payments_timeline (payment_id, seq, entry)
            SELECT ${change.paymentId}::text, coalesce((SELECT max(seq) FROM paykit_payments_timeline
                WHERE payment_id = ${change.paymentId}), 0) + e.ord, e.entry
            FROM written, jsonb_array_elements(${JSON.stringify(change.timeline)}::jsonb) WITH ORDINALITY AS e(entry, ord)
            WHERE written.ok AND written.present
            RETURNING 1 AS ok
          ), locked AS (
            SELECT pg_advisory_xact_lock(l.h) AS l FROM (
              SELECT DISTINCT hashtextextended('paykit:outbox:' || current_schema() || ':' || s, 0) AS h
              FROM written, json_array_elements_text(${subjects}::json) AS s
              WHERE written.ok
            ) l ORDER BY l.h
          ), outbox AS (
            INSERT INTO paykit_outbox (events, count)
            SELECT ${eventsJson}::json, ${events.length}::int FROM written
            WHERE written.ok AND ${events.length}::int > 0 AND (SELECT count(*) FROM locked) >= 0
            RETURNING 1 AS ok
          )
          SELECT checked.ok AS checked, EXISTS (SELECT 1 FROM kept) AS kept, written.ok AS written,
            (SELECT count(*) FROM timeline) + (SELECT count(*) FROM outbox) >= 0 AS done
          FROM checked, written`
        const conflict = new PaymentStore.VersionConflict({
          paymentId: change.paymentId,
          expected: change.expectedVersion ?? -1
        })
        if (result === undefined || !result.checked) return yield* conflict
        if (r !== undefined && !result.kept)
          return yield* new StoreFailure({
            operation: "commit",
            reason: `idempotency key ${r.key} was recorded by another request meanwhile; nothing of this change was kept`
          })
        if (!result.written) {
          // the version moved under the row lock after the check (a writer without the payment's
          // advisory lock): take back the record this statement kept, nothing else was written
          if (r !== undefined)
            yield* sql`DELETE FROM paykit_payments_idempotency WHERE merchant = ${r.merchant} AND key = ${r.key}`
          return yield* conflict
        }
      })

    // at `exclusive`'s own level for this payment: the statement alone (the lock is held, and a
    // refusal writes nothing, so no savepoint); inside another transaction a savepoint, never
    // re-run (the caller's transaction decides); alone, re-run after a deadlock, serialization
    // failure or lock timeout. Both take the payment's advisory lock first.
    const commit = (
      change: PaymentStore.Change
    ): Effect.Effect<void, StoreFailure | PaymentStore.VersionConflict> =>
      Effect.gen(function* () {
        const held = yield* heldHere(change.paymentId)
        if (held !== undefined) {
          held.prefetched = undefined
          return yield* poisoning(write(change))
        }
        const locked = Effect.andThen(lockPayment(change.paymentId), write(change))
        return yield* (yield* inTransaction(sql))
          ? sql.withTransaction(locked)
          : retryTransient(withAcquireTimeout(sql, acquireMillis)(locked), maxAttempts, "payments")
      }).pipe(
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
