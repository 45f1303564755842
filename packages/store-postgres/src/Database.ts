import { PgClient } from "@effect/sql-pg"
import { Config, Context, Duration, Effect, Layer, Option, Redacted } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { DatabaseNotConfigured, DatabaseUnavailable, InvalidStoreConfig } from "./errors.ts"
import { DEFAULT_LOCK_TIMEOUT, DEFAULT_STATEMENT_TIMEOUT, settingOf } from "./internal/adapter.ts"
import { checkSchemaName } from "./internal/schemaName.ts"
import * as PgliteClient from "./PgliteClient.ts"

/**
 * Where the store keeps its data. With a `url` it connects to a PostgreSQL server (a pool of
 * `maxConnections`, default 10); without one it opens embedded PGlite, in memory or in `dataDir`
 * (passing a config is explicit; only `layerConfig()` insists on `PAYKIT_DATABASE` for PGlite).
 * `schema` puts every paykit table in that PostgreSQL schema (created when missing; default
 * `public`), so several stores or test runs can share one database.
 *
 * @category models
 * @since 0.1.0
 */
export interface DatabaseConfig {
  readonly url?: string | Redacted.Redacted<string> | undefined
  readonly dataDir?: string | undefined
  readonly schema?: string | undefined
  /** Bound on connecting to the server at start-up and on each new pool connection. Default 10 s. */
  readonly connectTimeout?: Duration.Input | undefined
  readonly maxConnections?: number | undefined
  /**
   * Bound on one statement (default 30 s): PostgreSQL's `statement_timeout`, set as the session
   * default of every connection of the pool this layer opens (your own queries and transactions
   * on it included; `SET LOCAL statement_timeout` in a transaction overrides it). A statement
   * past it fails with a `SqlError` whose reason is `StatementTimeoutError`; store writes
   * report it as their port's failure. `Duration.infinity` turns it off.
   */
  readonly statementTimeout?: Duration.Input | undefined
  /**
   * Bound on waiting for a lock another transaction holds (default 30 s): PostgreSQL's
   * `lock_timeout`, set as the session default like `statementTimeout`. A wait past it fails
   * with a `SqlError` whose reason is `LockTimeoutError`. `Duration.infinity` turns it off.
   */
  readonly lockTimeout?: Duration.Input | undefined
  /**
   * Bound on a store transaction's wait for a connection of the pool (default 10 s), for the
   * adapters that apply it (the ledger store): every connection busy for that long is a typed
   * failure naming `acquireTimeout` instead of a wait without end. The pool itself has no such
   * bound: your own `sql.withTransaction` waits as long as it takes.
   */
  readonly acquireTimeout?: Duration.Input | undefined
}

/**
 * Facts about the open database the store needs: which schema it lives in and whether it is
 * embedded (one connection) or a server (a pool).
 *
 * @category services
 * @since 0.1.0
 */
export class DatabaseInfo extends Context.Service<
  DatabaseInfo,
  {
    readonly schema: string
    readonly embedded: boolean
    readonly target: string
    readonly maxConnections: number
  }
>()("@paykit/store-postgres/DatabaseInfo") {}

/** The URL without its password, for messages. */
const describeUrl = (url: URL): string => {
  const copy = new URL(url.href)
  if (copy.password !== "") copy.password = "***"
  return copy.href
}

const reasonOf = (error: SqlError): string => {
  const cause: unknown = error.reason.cause
  const inner =
    typeof cause === "object" && cause !== null && "cause" in cause && cause.cause instanceof Error
      ? cause.cause.message
      : cause instanceof Error
        ? cause.message
        : ""
  const base = error.reason.message ?? error.message
  return inner !== "" && !base.includes(inner) ? `${base} (${inner})` : base
}

/** The session defaults of a pool's connections (PGlite's one connection: set once). */
const sessionDefaults = (config: DatabaseConfig): Record<string, string> => ({
  statement_timeout: settingOf(config.statementTimeout, DEFAULT_STATEMENT_TIMEOUT),
  lock_timeout: settingOf(config.lockTimeout, DEFAULT_LOCK_TIMEOUT)
})

/**
 * Validates the configuration and opens the database as an `effect/sql` `SqlClient`, checking it
 * answers before returning (bounded by `connectTimeout`). Failures are typed:
 * `InvalidStoreConfig` for a malformed URL or schema name, `DatabaseUnavailable` when the server
 * is down, refuses, or the database does not exist.
 *
 * @example
 * ```ts
 * import { Database } from "@paykit/store-postgres"
 * const server = Database.layer({ url: "postgres://postgres@127.0.0.1:5432/test" })
 * const embedded = Database.layer({})
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layer = (
  config: DatabaseConfig
): Layer.Layer<SqlClient.SqlClient | DatabaseInfo, DatabaseUnavailable | InvalidStoreConfig> =>
  Layer.effectContext(
    Effect.gen(function* () {
      const schema = config.schema ?? "public"
      yield* checkSchemaName(schema)
      const maxConnections = config.maxConnections ?? 10
      if (!Number.isInteger(maxConnections) || maxConnections < 1) {
        return yield* new InvalidStoreConfig({
          field: "maxConnections",
          reason: `expected a positive integer, got ${maxConnections}`
        })
      }
      const connectTimeout = config.connectTimeout ?? Duration.seconds(10)
      const rawUrl =
        config.url === undefined
          ? undefined
          : typeof config.url === "string"
            ? config.url
            : Redacted.value(config.url)
      if (rawUrl === undefined || rawUrl === "") {
        const target = config.dataDir === undefined ? "pglite (in memory)" : `pglite (${config.dataDir})`
        const { client } = yield* PgliteClient.make({ dataDir: config.dataDir }).pipe(
          Effect.mapError((e) => new DatabaseUnavailable({ target, reason: reasonOf(e) }))
        )
        yield* prepareSchema(client, schema).pipe(
          Effect.andThen(
            Effect.forEach(
              Object.entries(sessionDefaults(config)),
              ([name, value]) => client`SELECT set_config(${name}, ${value}, false)`
            )
          ),
          Effect.mapError((e) => new DatabaseUnavailable({ target, reason: reasonOf(e) }))
        )
        return Context.make(SqlClient.SqlClient, client).pipe(
          Context.add(DatabaseInfo, { schema, embedded: true, target, maxConnections: 1 })
        )
      }
      let url: URL
      try {
        url = new URL(rawUrl)
      } catch {
        return yield* new InvalidStoreConfig({
          field: "url",
          reason: "not a URL; expected postgres://user[:password]@host[:port]/database"
        })
      }
      if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
        return yield* new InvalidStoreConfig({
          field: "url",
          reason: `unsupported scheme "${url.protocol}"; expected postgres://user[:password]@host[:port]/database`
        })
      }
      const target = describeUrl(url)
      /** Start-up steps answer within the connect timeout (plus a second) or fail as DatabaseUnavailable. */
      const bounded = <A, R>(step: Effect.Effect<A, SqlError | DatabaseUnavailable, R>) =>
        step.pipe(
          Effect.timeoutOrElse({
            duration: Duration.sum(Duration.fromInputUnsafe(connectTimeout), Duration.seconds(1)),
            orElse: () =>
              Effect.fail(
                new DatabaseUnavailable({
                  target,
                  reason: `no answer within ${Duration.format(Duration.fromInputUnsafe(connectTimeout))}`
                })
              )
          }),
          Effect.mapError((e) =>
            e instanceof DatabaseUnavailable ? e : new DatabaseUnavailable({ target, reason: reasonOf(e) })
          )
        )
      const client = yield* PgClient.make({
        url: Redacted.make(rawUrl),
        connectTimeout,
        maxConnections,
        applicationName: "@paykit/store-postgres",
        startupParameters: {
          ...sessionDefaults(config),
          ...(schema === "public" ? {} : { search_path: schema })
        }
      }).pipe(bounded)
      yield* prepareSchema(client, schema).pipe(bounded)
      return Context.make(SqlClient.SqlClient, client as SqlClient.SqlClient).pipe(
        Context.add(DatabaseInfo, { schema, embedded: false, target, maxConnections })
      )
    })
  ).pipe(Layer.provide(Reactivity.layer))

/**
 * Checks the database answers, creates `schema` when it is missing and makes it the search path
 * (on every connection for a server, through the start-up parameters; here for the one PGlite
 * connection or the current session).
 *
 * @example
 * ```ts
 * import { Database } from "@paykit/store-postgres"
 * import { Effect } from "effect"
 * import { SqlClient } from "effect/sql/SqlClient"
 * const program = Effect.flatMap(SqlClient, (sql) => Database.prepareSchema(sql, "tenant_a"))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const prepareSchema = (sql: SqlClient.SqlClient, schema: string): Effect.Effect<void, SqlError> =>
  Effect.gen(function* () {
    yield* sql`SELECT 1`
    if (schema === "public") return
    const exists = yield* sql`SELECT 1 FROM pg_namespace WHERE nspname = ${schema}`
    if (exists.length === 0) {
      // Two processes may race here; the loser's unique violation means the schema now exists.
      yield* sql`CREATE SCHEMA IF NOT EXISTS ${sql(schema)}`.pipe(
        Effect.catchIf(
          (e) => e.reason._tag === "UniqueViolation",
          () => Effect.void
        )
      )
    }
    // PGlite is one connection: set its search path once. Server connections get it at start-up.
    yield* sql.unsafe(`SET search_path TO "${schema}"`)
  })

/**
 * The database named by the environment, for every adapter's `layerConfig()`:
 *
 * - `DATABASE_URL` (a `postgres://` URL, redacted in logs and errors): that PostgreSQL server;
 * - `PAYKIT_DATABASE=pglite:memory`: embedded PGlite in memory; `PAYKIT_DATABASE=pglite:<dir>`:
 *   embedded PGlite in that data directory. Embedded PGlite is only ever chosen this way,
 *   explicitly, never as a fallback;
 * - neither: `DatabaseNotConfigured`; both: `InvalidStoreConfig` (ambiguous; set one); any
 *   other `PAYKIT_DATABASE`: `InvalidStoreConfig`.
 *
 * `PAYKIT_DB_SCHEMA` and `PAYKIT_DB_MAX_CONNECTIONS` are optional. The choice is logged once
 * (`Effect.logInfo`, the password replaced by `***`).
 *
 * @example
 * ```ts
 * import { Database } from "@paykit/store-postgres"
 * import { Effect } from "effect"
 * // PAYKIT_DATABASE=pglite:.paykit/data node app.js
 * const opened = Effect.map(Database.configFromEnv, (config) => Database.layer(config))
 * ```
 * @category constructors
 * @since 0.3.0
 */
export const configFromEnv: Effect.Effect<DatabaseConfig, InvalidStoreConfig | DatabaseNotConfigured> =
  Effect.gen(function* () {
    const url = yield* Config.option(Config.Redacted("DATABASE_URL"))
    const embedded = yield* Config.option(Config.String("PAYKIT_DATABASE"))
    const schema = yield* Config.option(Config.String("PAYKIT_DB_SCHEMA"))
    const maxConnections = yield* Config.option(Config.Int("PAYKIT_DB_MAX_CONNECTIONS"))
    const rawUrl = Option.isSome(url) ? Redacted.value(url.value) : ""
    const wanted = Option.isSome(embedded) ? embedded.value : ""
    const rest = {
      ...(Option.isSome(schema) ? { schema: schema.value } : {}),
      ...(Option.isSome(maxConnections) ? { maxConnections: maxConnections.value } : {})
    }
    const where = Option.isSome(schema) ? ` (schema ${schema.value})` : ""
    if (rawUrl !== "" && wanted !== "") {
      return yield* new InvalidStoreConfig({
        field: "environment",
        reason:
          "both DATABASE_URL and PAYKIT_DATABASE are set, so the database is ambiguous; set DATABASE_URL for a PostgreSQL server or PAYKIT_DATABASE=pglite:memory / pglite:<directory> for embedded PGlite, not both"
      })
    }
    if (rawUrl !== "") {
      let target: string
      try {
        target = describeUrl(new URL(rawUrl))
      } catch {
        target = "a DATABASE_URL that is not a URL"
      }
      yield* Effect.logInfo(`@paykit/store-postgres: PostgreSQL at ${target}${where} (DATABASE_URL)`)
      return { url: Redacted.make(rawUrl), ...rest }
    }
    if (wanted === "") return yield* new DatabaseNotConfigured()
    if (!wanted.startsWith("pglite:") || wanted.length === "pglite:".length) {
      return yield* new InvalidStoreConfig({
        field: "PAYKIT_DATABASE",
        reason: `${JSON.stringify(wanted)} is not pglite:memory or pglite:<directory>; for a PostgreSQL server set DATABASE_URL instead`
      })
    }
    const dir = wanted.slice("pglite:".length)
    yield* Effect.logInfo(
      dir === "memory"
        ? `@paykit/store-postgres: embedded PGlite in memory${where} (PAYKIT_DATABASE=pglite:memory)`
        : `@paykit/store-postgres: embedded PGlite in ${dir}${where} (PAYKIT_DATABASE)`
    )
    return dir === "memory" ? rest : { dataDir: dir, ...rest }
  }).pipe(
    Effect.catchTag("ConfigError", (e) =>
      Effect.fail(new InvalidStoreConfig({ field: "environment", reason: e.message }))
    )
  )

/** The options that are set (an `undefined` must not replace the environment's value). */
const definedOf = <A extends object>(options: A): Partial<A> =>
  Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<A>

/**
 * {@link layer} on the database {@link configFromEnv} names: `DATABASE_URL`, or embedded PGlite
 * when `PAYKIT_DATABASE` is `pglite:memory` or `pglite:<directory>`; neither is
 * `DatabaseNotConfigured`.
 *
 * @example
 * ```ts
 * import { Database } from "@paykit/store-postgres"
 * // DATABASE_URL=postgres://app@db:5432/payments node app.js
 * const database = Database.layerConfig()
 * ```
 * @category layers
 * @since 0.3.0
 */
export const layerConfig = (
  options: Pick<DatabaseConfig, "connectTimeout" | "statementTimeout" | "lockTimeout" | "acquireTimeout"> = {}
): Layer.Layer<
  SqlClient.SqlClient | DatabaseInfo,
  DatabaseUnavailable | InvalidStoreConfig | DatabaseNotConfigured
> =>
  Layer.unwrap(Effect.map(configFromEnv, (config) => layer({ ...options, ...config, ...definedOf(options) })))
