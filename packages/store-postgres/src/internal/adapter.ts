import { Cause, Deferred, Duration, Effect, Exit, Fiber, Layer, Option, type Scope } from "effect"
import type * as Context from "effect/Context"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import * as Database from "../Database.ts"
import type { StartupError } from "../errors.ts"
import { DatabaseUnavailable } from "../errors.ts"
import * as Migrations from "../Migrations.ts"
import { poolTimedOut, retried, type StoreName, waitedForPool } from "./metrics.ts"
import { checkSchemaName } from "./schemaName.ts"

/** 2^127 − 1, the largest amount or running total (Money.MAX_AMOUNT), for `CHECK` ranges. */
export const MAX = "170141183460469231731687303715884105727"

/** A database failure as one line: its kind, message and driver detail. */
export const messageOf = (e: SqlError): string => {
  const cause: unknown = e.reason.cause
  const detail = cause instanceof Error ? cause.message : ""
  const base = e.reason.message ?? e.message
  return `${e.reason._tag}: ${detail !== "" && !base.includes(detail) ? `${base}: ${detail}` : base}`
}

/** Failures after which re-running the whole transaction can succeed: the database saw a conflict. */
export const isTransient = (e: SqlError): boolean => {
  switch (e.reason._tag) {
    case "SerializationError":
    case "DeadlockError":
    case "LockTimeoutError":
      return true
    default:
      return false
  }
}

const isSqlError = (e: unknown): e is SqlError =>
  typeof e === "object" && e !== null && "_tag" in e && e._tag === "SqlError"

/**
 * The pause before attempt `n + 1`: jittered exponential, 1–200 ms. Real time, not the Clock in
 * context: a retry must not wait on a TestClock.
 */
export const backoff = (n: number): Effect.Effect<void> =>
  Effect.promise(
    () => new Promise<void>((resolve) => setTimeout(resolve, Math.min(200, 2 ** n) * Math.random() + 1))
  )

/**
 * Re-runs `effect` (a whole transaction) after a serialization failure, deadlock or lock
 * timeout, at most `maxAttempts` times in all, with jittered backoff. Other failures pass through.
 */
export const retryTransient = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  maxAttempts: number,
  store: StoreName
): Effect.Effect<A, E, R> => {
  const loop = (n: number): Effect.Effect<A, E, R> =>
    effect.pipe(
      Effect.catchIf(
        (e) => isSqlError(e) && isTransient(e) && n + 1 < maxAttempts,
        () =>
          Effect.andThen(
            retried(store),
            Effect.flatMap(backoff(n), () => loop(n + 1))
          )
      )
    )
  return loop(0)
}

/** A duration option as whole milliseconds (at least 1), or `fallback` when not given. */
export const millisOf = (input: Duration.Input | undefined, fallback: Duration.Input): number =>
  Math.max(1, Math.ceil(Duration.toMillis(Duration.fromInputUnsafe(input ?? fallback))))

/**
 * The session-level timeouts as PostgreSQL settings (`'30000ms'`); an infinite duration is `'0'`
 * (PostgreSQL's "no limit").
 */
export const settingOf = (input: Duration.Input | undefined, fallback: Duration.Input): string => {
  const d = Duration.fromInputUnsafe(input ?? fallback)
  return Duration.isFinite(d) ? `${Math.max(1, Math.ceil(Duration.toMillis(d)))}ms` : "0"
}

/** The default bound on waiting for a pooled connection. */
export const DEFAULT_ACQUIRE_TIMEOUT: Duration.Input = Duration.seconds(10)
/** The default bound on one statement (`statement_timeout`). */
export const DEFAULT_STATEMENT_TIMEOUT: Duration.Input = Duration.seconds(30)
/** The default bound on waiting for a lock (`lock_timeout`). */
export const DEFAULT_LOCK_TIMEOUT: Duration.Input = Duration.seconds(30)

/**
 * The failure of a transaction that did not get a connection within `acquireTimeout`; nothing of
 * it ran.
 */
export class AcquireTimeout {
  readonly _tag = "AcquireTimeout"
  constructor(readonly millis: number) {}
  get message(): string {
    return `no database connection within acquireTimeout (${this.millis} ms): every connection of the pool is busy (a starved pool, or transactions left open); nothing was written, retrying later is safe`
  }
}

/** Whether a store-level reason is an acquire timeout's (see {@link AcquireTimeout}). */
export const isAcquireTimeoutReason = (reason: string): boolean =>
  reason.startsWith("no database connection within acquireTimeout")

/** A real-time pause, not the Clock in context (a TestClock must not stop a timeout); interruptible. */
const sleepReal = (millis: number): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    const t = setTimeout(() => resume(Effect.void), millis)
    return Effect.sync(() => clearTimeout(t))
  })

/**
 * Whether the calling fiber is inside a `withTransaction` of `sql` (its `TransactionConnection`
 * is in the fiber's context): then statements of `sql` run on that transaction's connection, and
 * a nested `sql.withTransaction` is a savepoint in it.
 */
export const inTransaction = (sql: SqlClient.SqlClient): Effect.Effect<boolean> =>
  Effect.map(Effect.serviceOption(sql.transactionService), Option.isSome)

/**
 * `sql.withTransaction(body)` with a bound on the wait for a connection: when the body has not
 * started (that is, `BEGIN` has not run on an acquired connection) within `acquireTimeout`, the
 * transaction is interrupted (it never began, or rolls back) and the result fails with
 * {@link AcquireTimeout}. The pool of `@effect/sql-pg` (and PGlite's one connection) has no
 * acquire timeout of its own. Real time, so a TestClock cannot hold it up. Only for a top-level
 * transaction: inside one (see {@link inTransaction}) there is nothing to acquire, use
 * `sql.withTransaction` (a savepoint).
 *
 * @example
 * ```ts
 * const tx = withAcquireTimeout(sql, 10_000)(Effect.gen(function* () { ... }))
 * ```
 */
export const withAcquireTimeout =
  (sql: SqlClient.SqlClient, acquireTimeoutMillis: number) =>
  <A, E, R>(body: Effect.Effect<A, E, R>): Effect.Effect<A, E | SqlError | AcquireTimeout, R> =>
    Effect.gen(function* () {
      const started = yield* Deferred.make<void>()
      const asked = performance.now()
      const fiber = yield* Effect.forkChild(
        sql
          .withTransaction(
            Effect.andThen(Effect.andThen(waitedForPool(asked), Deferred.succeed(started, undefined)), body)
          )
          // a transaction that fails before its body (no connection, a failed BEGIN) answers too
          .pipe(Effect.onExit(() => Deferred.succeed(started, undefined)))
      )
      const first = yield* Effect.raceFirst(
        Effect.as(Deferred.await(started), true),
        Effect.as(sleepReal(acquireTimeoutMillis), false)
      )
      if (first) return yield* Fiber.join(fiber)
      yield* Fiber.interrupt(fiber)
      // the body may have started, and even committed, as the timer fired: its own outcome then
      const exit = yield* Fiber.await(fiber)
      if (Exit.isSuccess(exit)) return exit.value
      return yield* Cause.hasInterruptsOnly(exit.cause)
        ? Effect.andThen(poolTimedOut, Effect.fail(new AcquireTimeout(acquireTimeoutMillis)))
        : Effect.failCause(exit.cause)
    })

/** Reads a bigint/integer column selected as text back to a JS number (exact up to 2^53). */
export const num = (v: unknown): number => (typeof v === "number" ? v : Number(String(v)))

/** Like {@link num}, `null` staying `null`. */
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v))

/** A json/jsonb column, whichever way the driver hands it over. */
export const json = (v: unknown): unknown => (typeof v === "string" ? JSON.parse(v) : v)

/**
 * The `layer(config)` of an adapter: opens the database, applies the outbox's migrations and
 * the adapter's own namespace, builds the port with `make`, and provides it with the
 * `SqlClient` and `DatabaseInfo`.
 */
export const openLayer = <I, S>(
  tag: Context.Key<I, S>,
  namespace: Migrations.Namespace,
  make: Effect.Effect<S, StartupError, SqlClient.SqlClient | Scope.Scope>,
  config: Database.DatabaseConfig
): Layer.Layer<I | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  Layer.effect(
    tag,
    Effect.gen(function* () {
      yield* Migrations.run(Migrations.outbox, namespace)
      return yield* make
    })
  ).pipe(Layer.provideMerge(Database.layer(config)))

/**
 * The `layerClient(config)` of an adapter: on a `SqlClient` you already have, creates and
 * selects `schema`, applies the outbox's migrations and the adapter's own, and builds the port.
 */
export const clientLayer = <I, S>(
  tag: Context.Key<I, S>,
  namespace: Migrations.Namespace,
  make: Effect.Effect<S, StartupError, SqlClient.SqlClient | Scope.Scope>,
  schema: string = "public"
): Layer.Layer<I, StartupError, SqlClient.SqlClient> =>
  Layer.effect(
    tag,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* checkSchemaName(schema)
      yield* Database.prepareSchema(sql, schema).pipe(
        Effect.mapError((e) => new DatabaseUnavailable({ target: sql.driver, reason: e.message }))
      )
      yield* Migrations.run(Migrations.outbox, namespace)
      return yield* make
    })
  )

/**
 * The `layerConfig(options)` of an adapter: the database from the environment
 * (`Database.configFromEnv`: `DATABASE_URL`, or PGlite only when `PAYKIT_DATABASE` asks for it),
 * then the adapter's `layer`.
 */
export const configLayer = <A>(
  build: (config: Database.DatabaseConfig) => Layer.Layer<A, StartupError>,
  connectTimeout: Database.DatabaseConfig["connectTimeout"]
): Layer.Layer<A, StartupError> =>
  Layer.unwrap(
    Effect.map(Database.configFromEnv, (config) =>
      build(connectTimeout === undefined ? config : { ...config, connectTimeout })
    )
  )
