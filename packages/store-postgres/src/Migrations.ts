import { Effect } from "effect"
import * as Migrator from "effect/sql/Migrator"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { MigrationFailed, SchemaTooNew } from "./errors.ts"
import { migrations } from "./internal/schema.ts"

/**
 * The table recording which paykit migrations a schema has applied.
 *
 * @category models
 * @since 0.1.0
 */
export const table = "paykit_migrations"

/**
 * The newest migration this version of the package knows. A database recording a higher one
 * was migrated by a newer version and is refused with `SchemaTooNew`.
 *
 * @category models
 * @since 0.1.0
 */
export const latest: number = Math.max(...Object.keys(migrations).map((k) => Number(k.split("_")[0])))

const migrate = Migrator.make({})

const messageOf = (e: unknown): string => {
  if (typeof e === "object" && e !== null) {
    const m = "message" in e && typeof e.message === "string" ? e.message : String(e)
    const c = "cause" in e ? e.cause : undefined
    return c === undefined ? m : `${m}: ${messageOf(c)}`
  }
  return String(e)
}

/**
 * Applies every pending migration in one transaction, holding a PostgreSQL advisory lock keyed
 * by the schema, so running it twice, or from many processes at once, applies each migration
 * exactly once. Fails with `SchemaTooNew` (before touching anything) when the database was
 * migrated by a newer version, and `MigrationFailed` when a migration fails (nothing is kept).
 * Returns the migrations applied now.
 *
 * @example
 * ```ts
 * import { Database, Migrations } from "@paykit/store-postgres"
 * import { Effect } from "effect"
 * const applied = Migrations.run.pipe(Effect.provide(Database.layer({})))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const run: Effect.Effect<
  ReadonlyArray<readonly [id: number, name: string]>,
  SchemaTooNew | MigrationFailed,
  SqlClient.SqlClient
> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return yield* sql.withTransaction(
    Effect.gen(function* () {
      yield* sql`SELECT pg_advisory_xact_lock(hashtext('paykit:migrations:' || current_schema()))`
      const found = yield* currentVersion
      if (found > latest) return yield* new SchemaTooNew({ found, supported: latest })
      return yield* migrate({ loader: Migrator.fromRecord(migrations), table })
    })
  )
}).pipe(
  Effect.mapError((e): SchemaTooNew | MigrationFailed =>
    e._tag === "SchemaTooNew" ? e : new MigrationFailed({ reason: messageOf(e) })
  )
)

/**
 * The highest migration recorded in the current schema, 0 when none.
 *
 * @category constructors
 * @since 0.1.0
 */
export const currentVersion: Effect.Effect<number, SqlError, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const exists = yield* sql<{ found: boolean }>`SELECT to_regclass(${table}) IS NOT NULL AS found`
  if (exists[0]?.found !== true) return 0
  const rows = yield* sql<{ v: number | null }>`SELECT max(migration_id)::int AS v FROM ${sql(table)}`
  return rows[0]?.v ?? 0
})
