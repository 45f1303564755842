import { Effect, Layer, type Scope } from "effect"
import type * as Context from "effect/Context"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import * as Database from "../Database.ts"
import type { StartupError } from "../errors.ts"
import { DatabaseUnavailable } from "../errors.ts"
import * as Migrations from "../Migrations.ts"
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
  maxAttempts: number
): Effect.Effect<A, E, R> => {
  const loop = (n: number): Effect.Effect<A, E, R> =>
    effect.pipe(
      Effect.catchIf(
        (e) => isSqlError(e) && isTransient(e) && n + 1 < maxAttempts,
        () => Effect.flatMap(backoff(n), () => loop(n + 1))
      )
    )
  return loop(0)
}

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
