import { Effect } from "effect"
import * as Migrator from "effect/sql/Migrator"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { MigrationFailed, SchemaTooNew } from "./errors.ts"
import { outboxMigrations } from "./internal/outboxSchema.ts"

/**
 * The migrations of one domain (`ledger`, `accounts`, `fx`, `risk`, or the shared `outbox`):
 * its own ids from 1 (keyed `<id>_<name>`), recorded in its own table `paykit_<name>_migrations`
 * and applied under its own advisory lock. Two domains developed in parallel can never collide on
 * a migration id, and an adapter migrates only the namespaces it uses.
 *
 * @category models
 * @since 0.3.0
 */
export interface Namespace {
  readonly name: string
  readonly migrations: Readonly<Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>>>
}

const NAMESPACE_NAME = /^[a-z][a-z0-9]{0,30}$/

/**
 * A migration namespace. `name` is a short lower-case word (the domain: a-z then a-z or 0-9, at
 * most 31 characters; `run` refuses another with `MigrationFailed`); `migrations` are keyed
 * `<id>_<name>` with ids from 1 that only ever grow.
 *
 * @example
 * ```ts
 * import { Migrations } from "@paykit/store-postgres"
 * import { Effect } from "effect"
 * import { SqlClient } from "effect/sql/SqlClient"
 * const loyalty = Migrations.namespace("loyalty", {
 *   "1_lots": Effect.flatMap(SqlClient, (sql) => sql`CREATE TABLE paykit_loyalty_lots (id text PRIMARY KEY)`)
 * })
 * ```
 * @category constructors
 * @since 0.3.0
 */
export const namespace = (
  name: string,
  migrations: Readonly<Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>>>
): Namespace => ({ name, migrations })

/**
 * The shared outbox's migrations (`paykit_outbox`, `paykit_outbox_relay`), applied by every
 * adapter's layer before its own namespace.
 *
 * @category models
 * @since 0.3.0
 */
export const outbox: Namespace = namespace("outbox", outboxMigrations)

/**
 * The table recording which migrations of `ns` a schema has applied: `paykit_<name>_migrations`.
 *
 * @example
 * ```ts
 * import { Migrations } from "@paykit/store-postgres"
 * Migrations.table(Migrations.outbox) // "paykit_outbox_migrations"
 * ```
 * @category models
 * @since 0.3.0
 */
export const table = (ns: Namespace): string => `paykit_${ns.name}_migrations`

/**
 * The newest migration of `ns` this version of the package knows. A database recording a
 * higher one was migrated by a newer version and is refused with `SchemaTooNew`.
 *
 * @example
 * ```ts
 * import { Migrations } from "@paykit/store-postgres"
 * Migrations.latest(Migrations.outbox) // 1
 * ```
 * @category models
 * @since 0.3.0
 */
export const latest = (ns: Namespace): number =>
  Math.max(0, ...Object.keys(ns.migrations).map((k) => Number(k.split("_")[0])))

const migrate = Migrator.make({})

const messageOf = (e: unknown): string => {
  if (typeof e === "object" && e !== null) {
    const m = "message" in e && typeof e.message === "string" ? e.message : String(e)
    const c = "cause" in e ? e.cause : undefined
    return c === undefined ? m : `${m}: ${messageOf(c)}`
  }
  return String(e)
}

const runOne = (
  ns: Namespace
): Effect.Effect<
  ReadonlyArray<readonly [namespace: string, id: number, name: string]>,
  SchemaTooNew | MigrationFailed,
  SqlClient.SqlClient
> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    if (!NAMESPACE_NAME.test(ns.name)) {
      return yield* new MigrationFailed({
        namespace: ns.name,
        reason: "a namespace name is a short lower-case word (a-z, then a-z or 0-9; at most 31 characters)"
      })
    }
    const supported = latest(ns)
    return yield* sql.withTransaction(
      Effect.gen(function* () {
        yield* sql`SELECT pg_advisory_xact_lock(hashtext(${`paykit:migrations:${ns.name}:`} || current_schema()))`
        const found = yield* currentVersion(ns)
        if (found > supported) return yield* new SchemaTooNew({ namespace: ns.name, found, supported })
        const applied = yield* migrate({ loader: Migrator.fromRecord(ns.migrations), table: table(ns) })
        return applied.map(([id, name]) => [ns.name, id, name] as const)
      })
    )
  }).pipe(
    Effect.mapError((e): SchemaTooNew | MigrationFailed =>
      e._tag === "SchemaTooNew" || e._tag === "MigrationFailed"
        ? e
        : new MigrationFailed({ namespace: ns.name, reason: messageOf(e) })
    )
  )

/**
 * Applies every pending migration of each namespace, in the order given, one transaction per
 * namespace holding a PostgreSQL advisory lock keyed by (namespace, schema): running it twice,
 * or from many processes at once, applies each migration exactly once. Fails with
 * `SchemaTooNew` naming the namespace (before touching it) when the database was migrated by a
 * newer version, and `MigrationFailed` when a migration fails (nothing of that namespace's run
 * is kept). Returns the migrations applied now as `[namespace, id, name]`.
 *
 * @example
 * ```ts
 * import { Database, Migrations } from "@paykit/store-postgres"
 * import { Effect } from "effect"
 * const applied = Migrations.run(Migrations.outbox).pipe(Effect.provide(Database.layer({})))
 * ```
 * @category constructors
 * @since 0.3.0
 */
export const run = (
  ...namespaces: ReadonlyArray<Namespace>
): Effect.Effect<
  ReadonlyArray<readonly [namespace: string, id: number, name: string]>,
  SchemaTooNew | MigrationFailed,
  SqlClient.SqlClient
> => Effect.map(Effect.forEach(namespaces, runOne), (all) => all.flat())

/**
 * The highest migration of `ns` recorded in the current schema, 0 when none.
 *
 * @example
 * ```ts
 * import { Migrations } from "@paykit/store-postgres"
 * const version = Migrations.currentVersion(Migrations.outbox)
 * ```
 * @category constructors
 * @since 0.3.0
 */
export const currentVersion = (ns: Namespace): Effect.Effect<number, SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const name = table(ns)
    const exists = yield* sql<{ found: boolean }>`SELECT to_regclass(${name}) IS NOT NULL AS found`
    if (exists[0]?.found !== true) return 0
    const rows = yield* sql<{ v: number | null }>`SELECT max(migration_id)::int AS v FROM ${sql(name)}`
    return rows[0]?.v ?? 0
  })
