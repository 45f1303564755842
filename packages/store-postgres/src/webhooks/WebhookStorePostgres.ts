import type { DomainEvent } from "@paykit/core"
import {
  type Delivery,
  type Endpoint,
  EndpointConflict,
  EndpointNotFound,
  WebhookStore,
  WebhookStoreFailure
} from "@paykit/notify-webhook"
import { Cause, Deferred, Effect, Exit, Fiber, type Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import type { Fragment } from "effect/sql/Statement"
import type * as Database from "../Database.ts"
import type { StartupError } from "../errors.ts"
import {
  AcquireTimeout,
  backoff,
  clientLayer,
  configLayer,
  DEFAULT_ACQUIRE_TIMEOUT,
  inTransaction,
  isTransient,
  messageOf,
  millisOf,
  openLayer,
  withAcquireTimeout
} from "../internal/adapter.ts"
import { insertEvents } from "../internal/outboxInsert.ts"
import * as Migrations from "../Migrations.ts"
import {
  ATTEMPT_COLUMNS,
  type AttemptRow,
  argumentProblem,
  attemptOf,
  claimProblem,
  completionProblem,
  type DeliveryRow,
  deliveryColumns,
  deliveryJson,
  deliveryOf,
  deliveryProblem,
  type EndpointRow,
  endpointColumns,
  endpointOf,
  endpointProblem,
  eventsProblem,
  integerProblem,
  prefixedEndpointRow
} from "./internal/rows.ts"
import { webhooksMigrations } from "./internal/schema.ts"

/**
 * Configuration of the PostgreSQL webhook store: where the data lives
 * ({@link Database.DatabaseConfig}, `acquireTimeout` included) and the bound on transparent
 * re-runs of a write made outside any transaction after a deadlock, serialization failure or
 * lock timeout (default 5 attempts).
 *
 * @example
 * ```ts
 * import type { WebhookStorePostgres } from "@paykit/store-postgres/webhooks"
 * const config: WebhookStorePostgres.StoreConfig = {
 *   url: "postgres://postgres@127.0.0.1:5432/app",
 *   maxAttempts: 3
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface StoreConfig extends Database.DatabaseConfig {
  readonly maxAttempts?: number | undefined
}

/**
 * The store options besides where the database is (for `make` and `layerClient`).
 *
 * @example
 * ```ts
 * import type { WebhookStorePostgres } from "@paykit/store-postgres/webhooks"
 * const options: WebhookStorePostgres.StoreOptions = { maxAttempts: 3, acquireTimeout: "5 seconds" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type StoreOptions = Pick<StoreConfig, "maxAttempts" | "acquireTimeout">

/**
 * This adapter's migration namespace: `webhooks`, recorded in `paykit_webhooks_migrations`; its
 * tables are `paykit_webhook_endpoints`, `paykit_webhook_deliveries` and
 * `paykit_webhook_attempts`. Every layer of this module applies it after the shared outbox's.
 *
 * @example
 * ```ts
 * import { Migrations } from "@paykit/store-postgres"
 * import { WebhookStorePostgres } from "@paykit/store-postgres/webhooks"
 * const apply = Migrations.run(Migrations.outbox, WebhookStorePostgres.migrations)
 * ```
 * @category models
 * @since 0.1.0
 */
export const migrations: Migrations.Namespace = Migrations.namespace("webhooks", webhooksMigrations)

const isSqlError = (e: unknown): e is SqlError =>
  typeof e === "object" && e !== null && "_tag" in e && e._tag === "SqlError"

/** A stored row that does not read back; the operation fails with `WebhookStoreFailure` saying so. */
class Unreadable {
  readonly _tag = "Unreadable"
  constructor(readonly reason: string) {}
}

type Infra = SqlError | AcquireTimeout | Unreadable

const isInfra = (e: unknown): e is Infra =>
  isSqlError(e) || e instanceof AcquireTimeout || e instanceof Unreadable

/** The delivery as its endpoint's disabling at `at` leaves a pending one (what `applyHealth`'s callers write). */
const failedByDisable = (d: Delivery.Delivery, at: number): Delivery.Delivery => {
  const { nextAttemptAt: _, ...rest } = d
  return { ...rest, status: "failed", failureReason: "endpoint_disabled", updatedAt: at }
}

/** A real-time pause (a TestClock must not hold up a timeout); interruptible. */
const sleepReal = (millis: number): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    const t = setTimeout(() => resume(Effect.void), millis)
    return Effect.sync(() => clearTimeout(t))
  })

/** How many of the oldest pending deliveries a claim reads first (see `claim`): 8 × limit, within these bounds. */
const PREFIX_MIN = 512
const PREFIX_MAX = 4_096

/** ±2^62: a bound beyond every stored time, as SQL takes it. */
const FAR = 2 ** 62

/** A limit as SQL takes it: whole, at least 0, at most 2^31. */
const countOf = (n: number): number => (Number.isNaN(n) ? 0 : Math.max(0, Math.min(2 ** 31, Math.floor(n))))

/**
 * Builds the `WebhookStore` of `@paykit/notify-webhook` on the `SqlClient` in context (already
 * migrated; use {@link layer} to open, migrate and build in one go).
 *
 * An endpoint is one row of `paykit_webhook_endpoints` (its signing keys, the sealed secrets, its
 * filter and metadata as `jsonb`; absent optional fields as `NULL`), a delivery one row of
 * `paykit_webhook_deliveries` (numbered by `seq` as queued, with its lease), an attempt one row
 * of `paykit_webhook_attempts` (primary key: delivery and number, so an attempt number is
 * recorded once). Times are `bigint` epoch milliseconds; every lease compares with the caller's
 * `now` (the service's `Clock`), never the database's, so a `TestClock` drives them.
 *
 * **Claims.** `claim` is one statement: the due candidates (pending, `nextAttemptAt <= now`,
 * lease absent or run out, endpoint neither disabled nor in `exclude`) that are the oldest pending
 * delivery of their (endpoint, subject) are numbered per endpoint in `seq` order, at most
 * `perEndpoint` of each and `limit` in all are picked, and those are locked
 * `FOR UPDATE SKIP LOCKED` (rechecked on the row's latest version) and leased. The candidates are
 * looked for first among the oldest pending deliveries only (8 × `limit`, 512 to 4,096 of them,
 * read in `seq` order from a pending-only index): every older delivery of a subject, and every
 * earlier candidate of an endpoint, is among them too, so the picks found there are the first
 * picks of the whole queue; only when they fall short of `limit` while more is pending are all
 * due deliveries looked at (a `NOT EXISTS` probe each for an older pending one of its subject).
 * A busy queue is thus a few hundred rows per claim, not its whole backlog. Only the oldest
 * pending delivery of an (endpoint, subject) is ever a candidate, so two concurrent claimers can
 * meet on it only: one locks and leases it, the other skips it and takes nothing of that subject
 * (never the delivery behind it); once leased it is no candidate until the lease runs out. A
 * delivery behind it becomes the oldest only when a completion makes it succeeded or failed (a
 * retry stays pending and keeps its place). Older pending deliveries cannot appear behind a
 * claimer's back: `enqueue` takes a transaction-scoped advisory lock per subject before its
 * insert, so for one subject `seq` order is commit order. A claim holds at most `perEndpoint` per
 * endpoint and `limit` in all whatever runs beside it (a skipped row is left out, never replaced).
 * The claim reads only pending rows, through partial indexes: millions of finished deliveries
 * cost it nothing.
 *
 * **Writes.** A success with nothing to announce (health `ok` or `none`, no events) — the common
 * `complete` — is one auto-committed statement that writes the delivery and the attempt, only
 * while the lease is the caller's token, the delivery pending and the attempt number unused, and
 * clears the endpoint's `failingSince` when set (a conditional update, no new version; the
 * endpoint row is locked only then, before the delivery's). Every other completion (`failing`,
 * `gone`, or events) locks the endpoint row first (`FOR NO KEY UPDATE`), applies
 * `WebhookStore.applyHealth` to it, then in one statement writes the same, the endpoint's health
 * and, when this disabled it, its other pending deliveries as failed (`endpoint_disabled`); then
 * the events (with `disabledEvent` when it disabled) into the shared outbox. `updateEndpoint`
 * locks the endpoint, checks its version and replaces it — keeping the stored `failingSince`
 * unless the status changes — failing its pending deliveries when it becomes disabled;
 * `insertEndpoint` inserts unless the id exists; both write their events into the outbox in the
 * same transaction. `enqueue` skips ids queued already, numbers the rest in the order given, and
 * takes a share lock on their endpoints: a disabling waits for it and then fails what it queued,
 * or it waits for the disabling and stores its deliveries to that endpoint failed
 * (`endpoint_disabled`, not counted), as for an endpoint that does not exist. `replay` leaves
 * deliveries leased at `now` alone. Every writer that touches several of an endpoint's deliveries
 * locks the endpoint first, so they take turns without deadlocks.
 *
 * Called inside the caller's `sql.withTransaction`, every write is a savepoint of it and commits
 * or rolls back with it (its outbox row too). Alone, a write is a transaction of its own, or one
 * auto-committed statement (`claim`, `release`, a one-delivery `replay`, the common `complete`),
 * that waits at most `acquireTimeout` for a connection, re-run after a deadlock, serialization
 * failure or lock timeout (at most `maxAttempts` times).
 *
 * Text PostgreSQL cannot hold exactly (a NUL, a lone surrogate) and a time or count that is not a
 * safe integer are refused before any SQL is sent: `WebhookStoreFailure` naming the operation and
 * the field, nothing written. Database failures are `WebhookStoreFailure` naming the operation.
 *
 * @example
 * ```ts
 * import { Database, Migrations } from "@paykit/store-postgres"
 * import { WebhookStorePostgres } from "@paykit/store-postgres/webhooks"
 * import { Effect } from "effect"
 * const store = Effect.gen(function* () {
 *   yield* Migrations.run(Migrations.outbox, WebhookStorePostgres.migrations)
 *   return yield* WebhookStorePostgres.make()
 * }).pipe(Effect.provide(Database.layer({})))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  config: StoreOptions = {}
): Effect.Effect<WebhookStore.WebhookStore["Service"], never, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const maxAttempts = Math.max(1, config.maxAttempts ?? 5)
    const acquireMillis = millisOf(config.acquireTimeout, DEFAULT_ACQUIRE_TIMEOUT)

    const failure = (operation: string) => (e: Infra) =>
      new WebhookStoreFailure({
        operation,
        reason:
          e instanceof AcquireTimeout
            ? e.message
            : e instanceof Unreadable
              ? `a stored row does not read: ${e.reason}`
              : messageOf(e)
      })

    const refuse = (operation: string, problem: string) =>
      Effect.fail(
        new WebhookStoreFailure({ operation, reason: `${problem}; nothing was sent to the database` })
      )

    /** Rows mapped by `f`; a row that does not read fails with `Unreadable`. */
    const mapRows = <R, A>(
      rows: ReadonlyArray<R>,
      f: (r: R) => A
    ): Effect.Effect<ReadonlyArray<A>, Unreadable> =>
      Effect.suspend(() => {
        try {
          return Effect.succeed(rows.map(f))
        } catch (e) {
          return Effect.fail(new Unreadable(e instanceof Error ? e.message : String(e)))
        }
      })

    /** A read: its text arguments checked first, database failures and unreadable rows as `WebhookStoreFailure`. */
    const read = <A>(
      operation: string,
      args: Readonly<Record<string, string | undefined>>,
      effect: Effect.Effect<A, SqlError | Unreadable>
    ): Effect.Effect<A, WebhookStoreFailure> => {
      const problem = argumentProblem(args)
      if (problem !== undefined) return refuse(operation, problem)
      return Effect.mapError(effect, failure(operation))
    }

    /** Re-runs a whole write after a deadlock, serialization failure or lock timeout. */
    const retrying = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> => {
      const loop = (n: number): Effect.Effect<A, E> =>
        Effect.catchIf(
          effect,
          (e) => isSqlError(e) && isTransient(e) && n + 1 < maxAttempts,
          () => Effect.flatMap(backoff(n), () => loop(n + 1))
        )
      return loop(0)
    }

    /**
     * A write: a savepoint of the caller's transaction when the fiber is in one; alone, a
     * transaction of its own with a bounded wait for a connection, re-run after a transient
     * failure. Database failures become `WebhookStoreFailure`; the body's own failures come out as
     * they are.
     */
    const write = <A, E>(
      operation: string,
      body: Effect.Effect<A, E | SqlError | Unreadable>
    ): Effect.Effect<A, Exclude<E, Infra> | WebhookStoreFailure> =>
      Effect.flatMap(
        inTransaction(sql),
        (joined): Effect.Effect<A, E | Infra> =>
          joined ? sql.withTransaction(body) : retrying(withAcquireTimeout(sql, acquireMillis)(body))
      ).pipe(Effect.catchIf(isInfra, (e) => Effect.fail(failure(operation)(e)))) as Effect.Effect<
        A,
        Exclude<E, Infra> | WebhookStoreFailure
      >

    /**
     * `body` on a connection reserved for it, outside any transaction: its statements run
     * auto-committed. The wait for the connection is bounded by `acquireTimeout` (real time): when
     * the body has not started by then it is interrupted (nothing of it ran) and the result is
     * `AcquireTimeout`, as `withAcquireTimeout` does for a transaction.
     */
    const onConnection = <A, E>(body: Effect.Effect<A, E>): Effect.Effect<A, E | SqlError | AcquireTimeout> =>
      Effect.gen(function* () {
        const started = yield* Deferred.make<void>()
        const fiber = yield* Effect.forkChild(
          Effect.scoped(
            Effect.flatMap(sql.reserve, (conn) =>
              Effect.andThen(
                Deferred.succeed(started, undefined),
                Effect.provideService(body, sql.transactionService, [conn, 0])
              )
            )
          ).pipe(Effect.onExit(() => Deferred.succeed(started, undefined)))
        )
        const first = yield* Effect.raceFirst(
          Effect.as(Deferred.await(started), true),
          Effect.as(sleepReal(acquireMillis), false)
        )
        if (first) return yield* Fiber.join(fiber)
        yield* Fiber.interrupt(fiber)
        // the body may have started, and even finished, as the timer fired: its own outcome then
        const exit = yield* Fiber.await(fiber)
        if (Exit.isSuccess(exit)) return exit.value
        return yield* Cause.hasInterruptsOnly(exit.cause)
          ? Effect.fail(new AcquireTimeout(acquireMillis))
          : Effect.failCause(exit.cause)
      })

    /**
     * One statement on its own: outside a transaction it runs auto-committed (no `BEGIN` /
     * `COMMIT` round trips) on a connection of its own ({@link onConnection}), re-run after a
     * transient failure; inside the caller's transaction, a savepoint of it as every write.
     */
    const statement = <A>(
      operation: string,
      body: Effect.Effect<A, SqlError | Unreadable>
    ): Effect.Effect<A, WebhookStoreFailure> =>
      Effect.flatMap(
        inTransaction(sql),
        (joined): Effect.Effect<A, Infra> =>
          joined ? sql.withTransaction(body) : retrying(onConnection(body))
      ).pipe(Effect.mapError(failure(operation)))

    const ENDPOINT = sql.literal(endpointColumns("e"))
    const DELIVERY = sql.literal(deliveryColumns("d"))

    const insertEndpoint = (
      endpoint: Endpoint.Endpoint,
      events: ReadonlyArray<DomainEvent.DomainEvent>
    ): Effect.Effect<void, EndpointConflict | WebhookStoreFailure> => {
      const problem = endpointProblem(endpoint) ?? eventsProblem(events)
      if (problem !== undefined) return refuse("insertEndpoint", problem)
      const e = endpoint
      return write(
        "insertEndpoint",
        Effect.gen(function* () {
          const inserted = yield* sql<{ id: string }>`INSERT INTO paykit_webhook_endpoints (id, owner, url,
              description, event_types, payload, keys, status, disabled_reason, rate_limit, failing_since,
              metadata, created_at, updated_at, version)
            VALUES (${e.id}, ${e.owner}, ${e.url}, ${e.description ?? null}::text,
              ${JSON.stringify(e.eventTypes)}::jsonb, ${e.payload}, ${JSON.stringify(e.keys)}::jsonb, ${e.status},
              ${e.disabledReason ?? null}::text, ${e.rateLimit ?? null}::bigint, ${e.failingSince ?? null}::bigint,
              ${JSON.stringify(e.metadata)}::jsonb, ${e.createdAt}::bigint, ${e.updatedAt}::bigint, ${e.version}::bigint)
            ON CONFLICT (id) DO NOTHING
            RETURNING id`
          if (inserted.length === 0) {
            const [current] = yield* sql<{ version: string }>`SELECT version::text AS version
              FROM paykit_webhook_endpoints WHERE id = ${e.id}`
            return yield* Effect.fail(
              new EndpointConflict({ endpointId: e.id, expected: 0, actual: Number(current?.version ?? 0) })
            )
          }
          yield* insertEvents(sql, events, "WebhookStorePostgres.insertEndpoint")
        })
      )
    }

    const updateEndpoint = (
      endpoint: Endpoint.Endpoint,
      expectedVersion: number,
      events: ReadonlyArray<DomainEvent.DomainEvent>
    ): Effect.Effect<void, EndpointConflict | EndpointNotFound | WebhookStoreFailure> => {
      const problem = endpointProblem(endpoint) ?? eventsProblem(events)
      if (problem !== undefined) return refuse("updateEndpoint", problem)
      const e = endpoint
      return write(
        "updateEndpoint",
        Effect.gen(function* () {
          // the endpoint's lock first, as every writer of several of its deliveries takes it
          const [current] = yield* sql<{
            version: string
            status: string
          }>`SELECT version::text AS version, status
            FROM paykit_webhook_endpoints WHERE id = ${e.id} FOR NO KEY UPDATE`
          if (current === undefined) return yield* Effect.fail(new EndpointNotFound({ endpointId: e.id }))
          const actual = Number(current.version)
          if (actual !== expectedVersion)
            return yield* Effect.fail(
              new EndpointConflict({ endpointId: e.id, expected: expectedVersion, actual })
            )
          const failPending = e.status === "disabled" && current.status !== "disabled"
          yield* sql`WITH u AS (
              UPDATE paykit_webhook_endpoints SET owner = ${e.owner}, url = ${e.url},
                description = ${e.description ?? null}::text, event_types = ${JSON.stringify(e.eventTypes)}::jsonb,
                payload = ${e.payload}, keys = ${JSON.stringify(e.keys)}::jsonb, status = ${e.status},
                disabled_reason = ${e.disabledReason ?? null}::text, rate_limit = ${e.rateLimit ?? null}::bigint,
                failing_since = CASE WHEN status = ${e.status} THEN failing_since
                  ELSE ${e.failingSince ?? null}::bigint END,
                metadata = ${JSON.stringify(e.metadata)}::jsonb,
                created_at = ${e.createdAt}::bigint, updated_at = ${e.updatedAt}::bigint, version = ${e.version}::bigint
              WHERE id = ${e.id}
              RETURNING 1 AS ok
            ), f AS (
              UPDATE paykit_webhook_deliveries SET status = 'failed', failure_reason = 'endpoint_disabled',
                next_attempt_at = NULL, updated_at = ${e.updatedAt}::bigint, lease_token = NULL, lease_until = NULL
              WHERE ${failPending}::boolean AND endpoint_id = ${e.id} AND status = 'pending'
              RETURNING 1 AS ok
            )
            SELECT (SELECT count(*) FROM u) + (SELECT count(*) FROM f) AS n`
          yield* insertEvents(sql, events, "WebhookStorePostgres.updateEndpoint")
        })
      )
    }

    const endpoint = (id: string): Effect.Effect<Endpoint.Endpoint | undefined, WebhookStoreFailure> =>
      read(
        "endpoint",
        { id },
        Effect.flatMap(
          sql<EndpointRow>`SELECT ${ENDPOINT} FROM paykit_webhook_endpoints e WHERE e.id = ${id}`,
          (rows) => Effect.map(mapRows(rows, endpointOf), (es) => es[0])
        )
      )

    const endpoints = (query: {
      readonly owner?: string | undefined
      readonly receiving?: boolean | undefined
    }): Effect.Effect<ReadonlyArray<Endpoint.Endpoint>, WebhookStoreFailure> =>
      read(
        "endpoints",
        { owner: query.owner },
        Effect.flatMap(
          sql<EndpointRow>`SELECT ${ENDPOINT} FROM paykit_webhook_endpoints e
            WHERE ${sql.and([
              sql`TRUE`,
              ...(query.owner === undefined ? [] : [sql`e.owner = ${query.owner}`]),
              ...(query.receiving === true ? [sql`e.status <> 'disabled'`] : [])
            ])}
            ORDER BY e.id`,
          (rows) => mapRows(rows, endpointOf)
        )
      )

    const enqueue = (
      news: ReadonlyArray<Delivery.NewDelivery>
    ): Effect.Effect<number, WebhookStoreFailure> => {
      if (!Array.isArray(news)) return refuse("enqueue", "deliveries is not an array")
      for (const [i, d] of news.entries()) {
        const problem = deliveryProblem(d, `deliveries[${i}]`)
        if (problem !== undefined) return refuse("enqueue", problem)
      }
      if (news.length === 0) return Effect.succeed(0)
      const subjects = JSON.stringify([...new Set(news.map((d) => d.subject))])
      const rows = JSON.stringify(news.map(deliveryJson))
      const endpointIds = JSON.stringify([...new Set(news.map((d) => d.endpointId))].sort())
      return write(
        "enqueue",
        Effect.gen(function* () {
          // one subject's deliveries are numbered in commit order: a claim that sees one sees
          // every older one (the advisory lock of the subject, held until commit)
          yield* sql`SELECT pg_advisory_xact_lock(l.h) FROM (
              SELECT DISTINCT hashtextextended('paykit:webhooks:' || current_schema() || ':' || s, 0) AS h
              FROM json_array_elements_text(${subjects}::json) AS s
            ) l ORDER BY l.h`
          // the endpoints' share locks (a disabling waits for this commit, then fails what it
          // queued; this waits for a disabling, then reads the endpoint as it committed it): a
          // delivery for an endpoint disabled or missing is stored failed, and not counted
          const [row] = yield* sql<{ n: number }>`WITH ep AS MATERIALIZED (
              SELECT e.id, e.status <> 'disabled' AS receiving FROM paykit_webhook_endpoints e
              WHERE e.id IN (SELECT json_array_elements_text(${endpointIds}::json))
              ORDER BY e.id
              FOR SHARE
            ), ins AS (
              INSERT INTO paykit_webhook_deliveries (id, message_id, endpoint_id, owner, event_id, event_type,
                subject, payload, status, attempts, next_attempt_at, next_kind, failure_reason, last_status_code,
                last_error, created_at, updated_at)
              SELECT x.v->>'id', x.v->>'messageId', x.v->>'endpointId', x.v->>'owner', x.v->>'eventId',
                x.v->>'eventType', x.v->>'subject', x.v->>'payload',
                CASE WHEN ep.receiving THEN x.v->>'status' ELSE 'failed' END, (x.v->>'attempts')::bigint,
                CASE WHEN ep.receiving THEN (x.v->>'nextAttemptAt')::bigint END, x.v->>'nextKind',
                CASE WHEN ep.receiving THEN x.v->>'failureReason' ELSE 'endpoint_disabled' END,
                (x.v->>'lastStatusCode')::bigint, x.v->>'lastError', (x.v->>'createdAt')::bigint,
                (x.v->>'updatedAt')::bigint
              FROM (
                SELECT DISTINCT ON (e.v->>'id') e.v, e.ord
                FROM json_array_elements(${rows}::json) WITH ORDINALITY AS e(v, ord)
                ORDER BY e.v->>'id', e.ord
              ) x
              LEFT JOIN ep ON ep.id = x.v->>'endpointId'
              ORDER BY x.ord
              ON CONFLICT (id) DO NOTHING
              RETURNING endpoint_id
            )
            SELECT count(*)::int AS n FROM ins JOIN ep ON ep.id = ins.endpoint_id WHERE ep.receiving`
          return Number(row?.n ?? 0)
        })
      )
    }

    const claim = (
      request: WebhookStore.ClaimRequest
    ): Effect.Effect<ReadonlyArray<WebhookStore.Claimed>, WebhookStoreFailure> => {
      const problem = claimProblem(request)
      if (problem !== undefined) return refuse("claim", problem)
      const limit = countOf(request.limit)
      const perEndpoint = countOf(request.perEndpoint)
      if (limit === 0 || perEndpoint === 0) return Effect.succeed([])
      const { now, leaseMs, token } = request
      const exclude = request.exclude ?? []
      const excluded = (column: string) =>
        exclude.length === 0
          ? sql`TRUE`
          : sql`${sql.literal(column)} NOT IN (SELECT json_array_elements_text(${JSON.stringify(exclude)}::json))`
      // the prefix: the oldest pending deliveries, as many as a claim of this size needs when the
      // queue's head is busy (in flight, not due, or one endpoint's beyond its share)
      const prefix = Math.min(PREFIX_MAX, Math.max(PREFIX_MIN, 8 * limit))
      return statement(
        "claim",
        Effect.flatMap(
          // candidates: due, unleased heads (the oldest pending of their endpoint and subject) of
          // endpoints not disabled nor excluded; at most perEndpoint of each and limit in all,
          // oldest first; then locked (skipping rows another transaction holds, rechecked on their
          // latest version) and leased.
          // First among the oldest `prefix` pending deliveries only (`pre`, the `_queue` index in
          // seq order): an older pending delivery of a subject is in the prefix whenever the
          // delivery is, and so is every earlier candidate of its endpoint, so the picks there are
          // exactly the first picks of all. When they are `limit`, or the prefix holds every
          // pending delivery, they are the answer; otherwise every due delivery is looked at
          // (`_due` and `_head`), as if there were no prefix. In the prefix the heads are found by
          // numbering (no join), so a generic plan that misjudges its size cannot go quadratic. The picked rows are then locked and
          // leased by primary key (`= ANY (ARRAY(...))`, and `+ 0` keeps `_due` out of it), a plan
          // that does not depend on the table's statistics: a fresh queue has none.
          sql<Record<string, string | null>>`WITH pre AS MATERIALIZED (
              SELECT d.id, d.endpoint_id, d.subject, d.seq, d.next_attempt_at, d.lease_until
              FROM paykit_webhook_deliveries d WHERE d.status = 'pending'
              ORDER BY d.seq
              LIMIT ${prefix}::bigint
            ), pre_heads AS (
              SELECT p.*, row_number() OVER (PARTITION BY p.endpoint_id, p.subject ORDER BY p.seq) AS k
              FROM pre p
            ), pre_picked AS MATERIALIZED (
              SELECT r.id, r.seq FROM (
                SELECT h.id, h.seq, row_number() OVER (PARTITION BY h.endpoint_id ORDER BY h.seq) AS n
                FROM pre_heads h
                WHERE h.k = 1
                  AND coalesce(h.next_attempt_at, 0) <= ${now}::bigint
                  AND (h.lease_until IS NULL OR h.lease_until <= ${now}::bigint)
                  AND EXISTS (
                    SELECT 1 FROM paykit_webhook_endpoints e WHERE e.id = h.endpoint_id AND e.status <> 'disabled')
                  AND ${excluded("h.endpoint_id")}
              ) r
              WHERE r.n <= ${perEndpoint}::bigint
              ORDER BY r.seq
              LIMIT ${limit}::bigint
            ), enough AS MATERIALIZED (
              SELECT (SELECT count(*) FROM pre_picked) >= ${limit}::bigint
                OR (SELECT count(*) FROM pre) < ${prefix}::bigint AS yes
            ), cand AS (
              SELECT d.id, d.endpoint_id, d.seq FROM paykit_webhook_deliveries d
              WHERE d.status = 'pending'
                AND coalesce(d.next_attempt_at, 0) <= ${now}::bigint
                AND (d.lease_until IS NULL OR d.lease_until <= ${now}::bigint)
                AND NOT EXISTS (
                  SELECT 1 FROM paykit_webhook_deliveries o
                  WHERE o.status = 'pending' AND o.endpoint_id = d.endpoint_id AND o.subject = d.subject
                    AND o.seq < d.seq)
                AND EXISTS (
                  SELECT 1 FROM paykit_webhook_endpoints e WHERE e.id = d.endpoint_id AND e.status <> 'disabled')
                AND ${excluded("d.endpoint_id")}
            ), all_picked AS (
              SELECT r.id FROM (
                SELECT c.id, c.seq, row_number() OVER (PARTITION BY c.endpoint_id ORDER BY c.seq) AS n
                FROM cand c
              ) r
              WHERE r.n <= ${perEndpoint}::bigint
              ORDER BY r.seq
              LIMIT ${limit}::bigint
            ), picked AS (
              SELECT id FROM pre_picked WHERE (SELECT yes FROM enough)
              UNION ALL
              SELECT id FROM all_picked WHERE NOT (SELECT yes FROM enough)
            ), locked AS (
              SELECT d.id FROM paykit_webhook_deliveries d
              WHERE d.id = ANY (ARRAY(SELECT id FROM picked))
                AND d.status = 'pending'
                AND coalesce(d.next_attempt_at, 0) + 0 <= ${now}::bigint
                AND (d.lease_until IS NULL OR d.lease_until <= ${now}::bigint)
              FOR UPDATE OF d SKIP LOCKED
            ), leased AS (
              UPDATE paykit_webhook_deliveries d
              SET lease_token = ${token}, lease_until = ${now}::bigint + ${leaseMs}::bigint
              WHERE d.id = ANY (ARRAY(SELECT id FROM locked))
              RETURNING d.*
            )
            SELECT ${DELIVERY}, ${sql.literal(endpointColumns("e", "ep__"))}
            FROM leased d JOIN paykit_webhook_endpoints e ON e.id = d.endpoint_id
            ORDER BY d.seq`,
          (rows) =>
            mapRows(
              rows,
              (r): WebhookStore.Claimed => ({
                delivery: deliveryOf(r as unknown as DeliveryRow),
                endpoint: endpointOf(prefixedEndpointRow(r, "ep__"))
              })
            )
        )
      )
    }

    /**
     * The CTEs `d` (the delivery's new state, written only while the claimer's lease holds:
     * its token, pending, the attempt number unused; `gate` must hold too) and `a` (its attempt,
     * when `d` wrote).
     */
    const recordAttempt = (c: WebhookStore.Completion, d: Delivery.Delivery, gate: Fragment) => {
      const id = c.delivery.id
      const a = c.attempt
      return sql`d AS (
              UPDATE paykit_webhook_deliveries SET status = ${d.status}, attempts = ${d.attempts}::bigint,
                next_attempt_at = ${d.nextAttemptAt ?? null}::bigint, next_kind = ${d.nextKind},
                failure_reason = ${d.failureReason ?? null}::text,
                last_status_code = ${d.lastStatusCode ?? null}::bigint, last_error = ${d.lastError ?? null}::text,
                updated_at = ${d.updatedAt}::bigint, lease_token = NULL, lease_until = NULL
              WHERE id = ${id} AND lease_token = ${c.token} AND status = 'pending'
                AND NOT EXISTS (SELECT 1 FROM paykit_webhook_attempts x
                  WHERE x.delivery_id = ${id} AND x.number = ${a.number}::bigint)
                AND ${gate}
              RETURNING 1 AS ok
            ), a AS (
              INSERT INTO paykit_webhook_attempts (delivery_id, number, kind, started_at, latency_ms,
                status_code, error, response_body, outcome, next_attempt_at)
              SELECT ${id}, ${a.number}::bigint, ${a.kind}, ${a.startedAt}::bigint, ${a.latencyMs}::bigint,
                ${a.statusCode ?? null}::bigint, ${a.error ?? null}::text, ${a.responseBody ?? null}::text,
                ${a.outcome}, ${a.nextAttemptAt ?? null}::bigint
              FROM d
              RETURNING 1 AS ok
            )`
    }

    /**
     * A completion that cannot disable its endpoint and has no events (health `ok` or `none`):
     * one statement, auto-committed alone. No endpoint lock unless `ok` finds `failingSince` set
     * (then it is cleared, in the same statement, without a new version): `el` locks the row
     * before the delivery's, the order of every other writer of both, and `e` clears it only
     * when the attempt was recorded.
     */
    const completeAlone = (c: WebhookStore.Completion) => {
      const clear = c.health._tag === "ok"
      const endpointId = c.delivery.endpointId
      return statement(
        "complete",
        Effect.map(
          sql<{ held: boolean }>`WITH el AS MATERIALIZED (
              SELECT id FROM paykit_webhook_endpoints
              WHERE ${clear}::boolean AND id = ${endpointId} AND failing_since IS NOT NULL
              FOR NO KEY UPDATE
            ), ${recordAttempt(c, c.delivery, sql`(SELECT count(*) FROM el) >= 0`)}, e AS (
              UPDATE paykit_webhook_endpoints SET failing_since = NULL
              FROM d
              WHERE ${clear}::boolean AND id = ${endpointId} AND failing_since IS NOT NULL
              RETURNING 1 AS ok
            )
            SELECT EXISTS (SELECT 1 FROM d) AS held, (SELECT count(*) FROM a) + (SELECT count(*) FROM e) >= 0 AS done`,
          ([row]) => ({ held: row?.held === true, disabled: false })
        )
      )
    }

    /**
     * Any other completion (`failing` or `gone`, or events to write): a transaction that locks
     * the endpoint first (every writer of several of its deliveries takes it), applies its health
     * by the one rule every store applies, then writes the delivery, the attempt, the endpoint
     * and, when this disabled it, its other pending deliveries in one statement, then the events.
     */
    const completeLocked = (c: WebhookStore.Completion) => {
      const id = c.delivery.id
      const endpointId = c.delivery.endpointId
      return write(
        "complete",
        Effect.gen(function* () {
          let before: Endpoint.Endpoint | undefined
          if (c.health._tag !== "none") {
            const rows = yield* sql<EndpointRow>`SELECT ${ENDPOINT} FROM paykit_webhook_endpoints e
              WHERE e.id = ${endpointId} FOR NO KEY UPDATE`
            before = (yield* mapRows(rows, endpointOf))[0]
          }
          const next = before === undefined ? undefined : WebhookStore.applyHealth(before, c.health)
          const after = next !== undefined && next.endpoint !== before ? next.endpoint : undefined
          const disabledNow = next?.disabledNow === true
          const at = c.attempt.startedAt
          const d =
            disabledNow && c.delivery.status === "pending" ? failedByDisable(c.delivery, at) : c.delivery
          const [row] = yield* sql<{ held: boolean }>`WITH ${recordAttempt(c, d, sql`TRUE`)}, e AS (
              UPDATE paykit_webhook_endpoints SET failing_since = ${after?.failingSince ?? null}::bigint,
                status = ${after?.status ?? null}::text, disabled_reason = ${after?.disabledReason ?? null}::text,
                updated_at = ${after?.updatedAt ?? null}::bigint, version = ${after?.version ?? null}::bigint
              FROM d
              WHERE ${after !== undefined}::boolean AND id = ${endpointId}
              RETURNING 1 AS ok
            ), f AS (
              UPDATE paykit_webhook_deliveries x SET status = 'failed', failure_reason = 'endpoint_disabled',
                next_attempt_at = NULL, updated_at = ${at}::bigint, lease_token = NULL, lease_until = NULL
              FROM d
              WHERE ${disabledNow}::boolean AND x.endpoint_id = ${endpointId} AND x.status = 'pending'
                AND x.id <> ${id}
              RETURNING 1 AS ok
            )
            SELECT EXISTS (SELECT 1 FROM d) AS held,
              (SELECT count(*) FROM a) + (SELECT count(*) FROM e) + (SELECT count(*) FROM f) >= 0 AS done`
          const held = row?.held === true
          if (held)
            yield* insertEvents(
              sql,
              disabledNow ? [...c.events, c.disabledEvent] : c.events,
              "WebhookStorePostgres.complete"
            )
          return { held, disabled: held && disabledNow }
        })
      )
    }

    const complete = (
      c: WebhookStore.Completion
    ): Effect.Effect<{ readonly held: boolean; readonly disabled: boolean }, WebhookStoreFailure> => {
      const problem = completionProblem(c)
      if (problem !== undefined) return refuse("complete", problem)
      // the common case (a success, nothing to announce) is one statement without the endpoint's lock
      return c.events.length === 0 && (c.health._tag === "ok" || c.health._tag === "none")
        ? completeAlone(c)
        : completeLocked(c)
    }

    const release = (
      token: string,
      deliveryId: string,
      nextAttemptAt: number
    ): Effect.Effect<void, WebhookStoreFailure> => {
      const problem = argumentProblem({ token, deliveryId }) ?? integerProblem({ nextAttemptAt })
      if (problem !== undefined) return refuse("release", problem)
      return statement(
        "release",
        Effect.asVoid(sql`UPDATE paykit_webhook_deliveries
          SET next_attempt_at = ${nextAttemptAt}::bigint, lease_token = NULL, lease_until = NULL
          WHERE id = ${deliveryId} AND lease_token = ${token} AND status = 'pending'`)
      )
    }

    const MANUAL = sql`status = 'pending', next_kind = 'manual', failure_reason = NULL, lease_token = NULL,
      lease_until = NULL`
    /** Not leased at `now` (a lease whose `until` is past `now`, taken over or not, no longer counts). */
    const notInFlight = (now: number) => sql`(lease_until IS NULL OR lease_until <= ${now}::bigint)`

    const replay = (
      request:
        | { readonly deliveryId: string; readonly now: number }
        | { readonly endpointId: string; readonly from: number; readonly to: number; readonly now: number }
    ): Effect.Effect<number, WebhookStoreFailure> => {
      const now = request.now
      if ("deliveryId" in request) {
        const problem = argumentProblem({ deliveryId: request.deliveryId }) ?? integerProblem({ now })
        if (problem !== undefined) return refuse("replay", problem)
        return statement(
          "replay",
          Effect.map(
            sql<{ ok: number }>`UPDATE paykit_webhook_deliveries
              SET ${MANUAL}, next_attempt_at = ${now}::bigint, updated_at = ${now}::bigint
              WHERE id = ${request.deliveryId} AND NOT (status = 'pending' AND next_kind = 'manual')
                AND ${notInFlight(now)}
              RETURNING 1 AS ok`,
            (rows) => rows.length
          )
        )
      }
      const { endpointId, from, to } = request
      const problem = argumentProblem({ endpointId }) ?? integerProblem({ now })
      if (problem !== undefined) return refuse("replay", problem)
      if (typeof from !== "number" || typeof to !== "number" || Number.isNaN(from) || Number.isNaN(to))
        return refuse("replay", "from and to must be numbers")
      // createdAt >= from and createdAt < to over whole times, as bounds beyond every stored time
      const lower = Math.ceil(Math.max(-FAR, Math.min(FAR, from)))
      const upper = Math.ceil(Math.max(-FAR, Math.min(FAR, to)))
      if (lower >= upper) return Effect.succeed(0)
      return write(
        "replay",
        Effect.gen(function* () {
          // the endpoint's lock first, as every writer of several of its deliveries takes it
          yield* sql`SELECT 1 FROM paykit_webhook_endpoints WHERE id = ${endpointId} FOR NO KEY UPDATE`
          const rows = yield* sql<{ ok: number }>`UPDATE paykit_webhook_deliveries
            SET ${MANUAL}, next_attempt_at = ${now}::bigint, updated_at = ${now}::bigint
            WHERE endpoint_id = ${endpointId} AND created_at >= ${lower}::bigint AND created_at < ${upper}::bigint
              AND NOT (status = 'pending' AND next_kind = 'manual') AND ${notInFlight(now)}
            RETURNING 1 AS ok`
          return rows.length
        })
      )
    }

    const delivery = (id: string): Effect.Effect<Delivery.Delivery | undefined, WebhookStoreFailure> =>
      read(
        "delivery",
        { id },
        Effect.flatMap(
          sql<DeliveryRow>`SELECT ${DELIVERY} FROM paykit_webhook_deliveries d WHERE d.id = ${id}`,
          (rows) => Effect.map(mapRows(rows, deliveryOf), (ds) => ds[0])
        )
      )

    const deliveries = (
      query: WebhookStore.DeliveryQuery
    ): Effect.Effect<ReadonlyArray<Delivery.Delivery>, WebhookStoreFailure> => {
      const after = query.after
      if (after !== undefined && (typeof after !== "number" || Number.isNaN(after) || after >= FAR))
        return Effect.succeed([])
      const limit = countOf(query.limit)
      if (limit === 0) return Effect.succeed([])
      return read(
        "deliveries",
        { endpointId: query.endpointId, status: query.status },
        Effect.flatMap(
          // only the conditions given, so each list is a range read of one index in seq order
          sql<DeliveryRow>`SELECT ${DELIVERY} FROM paykit_webhook_deliveries d
            WHERE ${sql.and([
              sql`TRUE`,
              ...(query.endpointId === undefined ? [] : [sql`d.endpoint_id = ${query.endpointId}`]),
              ...(query.status === undefined ? [] : [sql`d.status = ${query.status}`]),
              ...(after === undefined || after < -FAR ? [] : [sql`d.seq > ${Math.floor(after)}::bigint`])
            ])}
            ORDER BY d.seq
            LIMIT ${limit}::bigint`,
          (rows) => mapRows(rows, deliveryOf)
        )
      )
    }

    const attempts = (
      deliveryId: string
    ): Effect.Effect<ReadonlyArray<Delivery.Attempt>, WebhookStoreFailure> =>
      read(
        "attempts",
        { deliveryId },
        Effect.flatMap(
          sql<AttemptRow>`SELECT ${sql.literal(ATTEMPT_COLUMNS)} FROM paykit_webhook_attempts
            WHERE delivery_id = ${deliveryId} ORDER BY number`,
          (rows) => mapRows(rows, attemptOf)
        )
      )

    return WebhookStore.WebhookStore.of({
      insertEndpoint,
      updateEndpoint,
      endpoint,
      endpoints,
      enqueue,
      claim,
      complete,
      release,
      replay,
      delivery,
      deliveries,
      attempts
    })
  })

/**
 * Opens the database (a server when `url` is given, embedded PGlite otherwise), applies the
 * outbox's migrations and this adapter's, and provides the `WebhookStore`, plus the `SqlClient`
 * and `DatabaseInfo` it runs on. Start-up failures are typed (`InvalidStoreConfig`,
 * `DatabaseUnavailable`, `SchemaTooNew`, `MigrationFailed`).
 *
 * @example
 * ```ts
 * import { WebhookStorePostgres } from "@paykit/store-postgres/webhooks"
 * const embedded = WebhookStorePostgres.layer({})
 * const server = WebhookStorePostgres.layer({ url: "postgres://postgres@127.0.0.1:5432/app" })
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layer = (
  config: StoreConfig = {}
): Layer.Layer<WebhookStore.WebhookStore | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  openLayer(WebhookStore.WebhookStore, migrations, make(config), config)

/**
 * Builds the `WebhookStore` on a `SqlClient` you already have (the one your other stores use, so
 * the outbox relay that feeds the webhooks reads the same database): creates and selects
 * `schema`, applies the outbox's migrations and this adapter's, and provides the port.
 *
 * @example
 * ```ts
 * import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
 * import { WebhookStorePostgres } from "@paykit/store-postgres/webhooks"
 * import { Layer } from "effect"
 * const stores = WebhookStorePostgres.layerClient().pipe(Layer.provideMerge(LedgerStorePostgres.layer({})))
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerClient = (
  config: StoreOptions & Pick<StoreConfig, "schema"> = {}
): Layer.Layer<WebhookStore.WebhookStore, StartupError, SqlClient.SqlClient> =>
  clientLayer(WebhookStore.WebhookStore, migrations, make(config), config.schema)

/**
 * Like {@link layer} with the database read from the environment: `DATABASE_URL` for a server,
 * or embedded PGlite only when asked with `PAYKIT_DATABASE=pglite:memory` or
 * `PAYKIT_DATABASE=pglite:<directory>` (neither set: `DatabaseNotConfigured`; both:
 * `InvalidStoreConfig`); `PAYKIT_DB_SCHEMA` and `PAYKIT_DB_MAX_CONNECTIONS` are optional.
 *
 * @example
 * ```ts
 * import { WebhookStorePostgres } from "@paykit/store-postgres/webhooks"
 * const live = WebhookStorePostgres.layerConfig()
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerConfig = (
  options: StoreOptions & Pick<StoreConfig, "connectTimeout"> = {}
): Layer.Layer<WebhookStore.WebhookStore | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  configLayer((config) => layer({ ...options, ...config }), options.connectTimeout)
