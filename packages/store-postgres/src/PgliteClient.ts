import { PGlite } from "@electric-sql/pglite"
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, type Scope, Semaphore, Stream } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import * as SqlClient from "effect/sql/SqlClient"
import type { Connection } from "effect/sql/SqlConnection"
import {
  ConnectionError,
  ConstraintError,
  DeadlockError,
  LockTimeoutError,
  SerializationError,
  SqlError,
  type SqlErrorReason,
  SqlSyntaxError,
  StatementTimeoutError,
  UniqueViolation,
  UnknownError
} from "effect/sql/SqlError"

/**
 * Options for the embedded PGlite database.
 *
 * @category models
 * @since 0.1.0
 */
export interface PgliteConfig {
  /**
   * Where PGlite keeps its files. Omit (or `"memory://"`) for an in-memory database that is
   * gone when the layer closes; give a directory path to keep the data between runs.
   */
  readonly dataDir?: string | undefined
}

/**
 * What paykit's declarations say of the PGlite instance behind a `SqlClient`: the methods a tool
 * needs (a query outside the client, a dump, closing). The value is the `PGlite` object of
 * `@electric-sql/pglite` itself; cast it (`db as PGlite`) for the rest. It is typed this narrowly
 * because PGlite's own declarations need Emscripten's global types (`@types/emscripten`, not a
 * dependency of PGlite), so naming `PGlite` here would fail every consumer that compiles with
 * `skipLibCheck: false`.
 *
 * @category models
 * @since 0.2.0
 */
export interface PgliteInstance {
  /** One statement with `$1`-style parameters (`PGlite.query`). */
  query<T = Record<string, unknown>>(
    query: string,
    params?: Array<unknown>
  ): Promise<{ readonly rows: Array<T>; readonly affectedRows?: number | undefined }>
  /** Several statements, no parameters (`PGlite.exec`). */
  exec(query: string): Promise<ReadonlyArray<{ readonly rows: Array<Record<string, unknown>> }>>
  /** A tarball of the data directory (`PGlite.dumpDataDir`). */
  dumpDataDir(compression?: "auto" | "gzip" | "none"): Promise<Blob>
  /** Closes the database (the layer does it when its scope closes). */
  close(): Promise<void>
  readonly closed: boolean
}

/**
 * The PGlite instance behind a `SqlClient` made by {@link make}; for tools that need it directly
 * (dumps, a query outside the client; cast to `PGlite` for `describeQuery`). Statements should
 * go through `SqlClient` so they are serialised.
 *
 * @category services
 * @since 0.1.0
 */
export class PgliteDatabase extends Context.Service<PgliteDatabase, PgliteInstance>()(
  "@paykit/store-postgres/PgliteDatabase"
) {}

const classify = (cause: unknown, operation: string): SqlError => {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : undefined
  const message = cause instanceof Error ? cause.message : String(cause)
  const props = { cause, message, operation }
  let reason: SqlErrorReason
  if (code === undefined) reason = new UnknownError(props)
  else if (code.startsWith("08")) reason = new ConnectionError(props)
  else if (code.startsWith("42")) reason = new SqlSyntaxError(props)
  else if (code === "23505") {
    const constraint =
      typeof cause === "object" &&
      cause !== null &&
      "constraint" in cause &&
      typeof cause.constraint === "string"
        ? cause.constraint
        : "unknown"
    reason = new UniqueViolation({ ...props, constraint })
  } else if (code.startsWith("23")) reason = new ConstraintError(props)
  else if (code === "40P01") reason = new DeadlockError(props)
  else if (code === "40001") reason = new SerializationError(props)
  else if (code === "55P03") reason = new LockTimeoutError(props)
  else if (code === "57014") reason = new StatementTimeoutError(props)
  else reason = new UnknownError(props)
  return new SqlError({ reason })
}

const INT8_OID = 20
const parsers = { [INT8_OID]: (value: string) => BigInt(value) }

/**
 * In-memory databases start from a fresh cluster. `initdb` costs seconds; loading a dump of a
 * fresh cluster costs a fraction of that. The second in-memory open in a process keeps such a
 * dump (about 40 MB) and later ones load it, so suites opening many stores stay fast, while a
 * process that opens one database pays nothing extra.
 */
let inMemoryOpens = 0
let freshCluster: Promise<Blob | File> | undefined

const open = async (config: PgliteConfig): Promise<PGlite> => {
  if (config.dataDir !== undefined && config.dataDir !== "memory://") {
    return PGlite.create({ dataDir: config.dataDir, parsers })
  }
  inMemoryOpens++
  if (freshCluster !== undefined) {
    const dump = await freshCluster.catch(() => undefined)
    if (dump !== undefined) return PGlite.create({ loadDataDir: dump, parsers })
  }
  const db = await PGlite.create({ parsers })
  if (inMemoryOpens >= 2 && freshCluster === undefined) {
    freshCluster = db.dumpDataDir("none")
    await freshCluster.catch(() => undefined)
  }
  return db
}

class PgliteConnection implements Connection {
  constructor(readonly db: PGlite) {}

  private run(sql: string, params: ReadonlyArray<unknown>) {
    return Effect.tryPromise({
      try: () => this.db.query<Record<string, unknown>>(sql, params as Array<unknown>),
      catch: (cause) => classify(cause, "execute")
    })
  }
  execute(
    sql: string,
    params: ReadonlyArray<unknown>,
    transformRows: (<A extends object>(row: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined
  ) {
    const rows = Effect.map(this.run(sql, params), (r) => r.rows)
    return transformRows ? Effect.map(rows, transformRows) : rows
  }
  executeRaw(sql: string, params: ReadonlyArray<unknown>) {
    return params.length === 0
      ? Effect.tryPromise({
          try: () => this.db.exec(sql),
          catch: (cause) => classify(cause, "executeRaw")
        })
      : this.run(sql, params)
  }
  executeValues(sql: string, params: ReadonlyArray<unknown>) {
    return Effect.tryPromise({
      try: () => this.db.query<Array<unknown>>(sql, params as Array<unknown>, { rowMode: "array" }),
      catch: (cause) => classify(cause, "executeValues")
    }).pipe(Effect.map((r) => r.rows))
  }
  executeValuesUnprepared(sql: string, params: ReadonlyArray<unknown>) {
    return this.executeValues(sql, params)
  }
  executeUnprepared(
    sql: string,
    params: ReadonlyArray<unknown>,
    transformRows: (<A extends object>(row: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined
  ) {
    return this.execute(sql, params, transformRows)
  }
  executeStream(
    sql: string,
    params: ReadonlyArray<unknown>,
    transformRows: (<A extends object>(row: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined
  ) {
    return Stream.fromIterableEffect(this.execute(sql, params, transformRows))
  }
}

/**
 * Opens a PGlite database (in memory or in `dataDir`) and builds an `effect/sql` `SqlClient` on
 * it. PGlite is one connection, so statements from concurrent fibers are serialised with a
 * semaphore and a transaction holds the connection from `BEGIN` to `COMMIT`/`ROLLBACK`. The
 * database is closed when the scope closes. `int8` columns decode to `bigint`, `numeric` to string.
 *
 * @example
 * ```ts
 * import { PgliteClient } from "@paykit/store-postgres"
 * import { Effect } from "effect"
 * import { SqlClient } from "effect/sql/SqlClient"
 * const program = Effect.gen(function* () {
 *   const sql = yield* SqlClient
 *   return yield* sql`select 1 as one`
 * }).pipe(Effect.provide(PgliteClient.layer({})))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  config: PgliteConfig = {}
): Effect.Effect<
  { readonly client: SqlClient.SqlClient; readonly db: PgliteInstance },
  SqlError,
  Scope.Scope | Reactivity.Reactivity
> =>
  Effect.gen(function* () {
    const db = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => open(config),
        catch: (cause) =>
          new SqlError({
            reason: new ConnectionError({
              cause,
              message: `could not open the PGlite database${config.dataDir ? ` in ${config.dataDir}` : ""}: ${cause instanceof Error ? cause.message : String(cause)}`,
              operation: "open"
            })
          })
      }),
      (db) => Effect.promise(() => db.close()).pipe(Effect.ignore)
    )
    const semaphore = yield* Semaphore.make(1)
    const connection = new PgliteConnection(db)
    const lease = Effect.uninterruptibleMask((restore) =>
      Effect.as(restore(semaphore.takeScoped(1)), connection)
    )
    const client = yield* SqlClient.make({
      acquirer: lease,
      borrower: (f) => semaphore.withPermits(1)(f(connection)),
      transactionAcquirer: lease,
      compiler: PgClient.makeCompiler(),
      driver: "pglite",
      spanAttributes: [["db.system.name", "postgresql"]],
      releaseSavepoint: (name) => `RELEASE SAVEPOINT ${name}`,
      commit: (conn) =>
        Effect.flatMap(
          Effect.tryPromise({
            try: () => (conn as PgliteConnection).db.query("COMMIT"),
            catch: (cause) => classify(cause, "commit")
          }),
          (result) =>
            result.command === "ROLLBACK"
              ? Effect.fail(
                  new SqlError({
                    reason: new UnknownError({
                      cause: new Error("COMMIT rolled back an aborted transaction"),
                      message: "PGlite: COMMIT rolled back an aborted transaction",
                      operation: "commit"
                    })
                  })
                )
              : Effect.void
        )
    })
    return { client, db }
  })

/**
 * A layer providing `SqlClient` and {@link PgliteDatabase} on an embedded PGlite database.
 *
 * @example
 * ```ts
 * import { PgliteClient } from "@paykit/store-postgres"
 * const memory = PgliteClient.layer({})
 * const onDisk = PgliteClient.layer({ dataDir: ".paykit/db" })
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layer = (
  config: PgliteConfig = {}
): Layer.Layer<SqlClient.SqlClient | PgliteDatabase, SqlError> =>
  Layer.effectContext(
    Effect.map(make(config), ({ client, db }) =>
      Context.make(SqlClient.SqlClient, client).pipe(Context.add(PgliteDatabase, db))
    )
  ).pipe(Layer.provide(Reactivity.layer))
