import { ListStore, ListStoreUnavailable } from "@paykit/risk"
import { Effect, type Layer } from "effect"
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
  openLayer,
  retryTransient
} from "../internal/adapter.ts"
import { timedWrite } from "../internal/metrics.ts"
import { insertEvents } from "../internal/outboxInsert.ts"
import { migrations } from "./VelocityStorePostgres.ts"

/**
 * Configuration of the PostgreSQL list store: where the data lives and the bound on transparent
 * retries of serialization failures and deadlocks (default 5 attempts).
 *
 * @category models
 * @since 0.3.0
 */
export interface StoreConfig extends Database.DatabaseConfig {
  readonly maxAttempts?: number | undefined
}

/**
 * Builds the `ListStore` on the `SqlClient` in context (already migrated with the `risk`
 * namespace). Every change is one transaction (joining the caller's `SqlClient.withTransaction`):
 * the values inserted (`ON CONFLICT DO NOTHING`) or deleted, or the snooze upserted; the version
 * raised when a row changed; then the change's audit events (built by its `audit` from exactly the
 * values changed, or the snooze's events) inserted into the shared outbox (`paykit_outbox`), so
 * they commit and roll back with the change. A change that changes nothing raises no version and
 * stores no event. `snapshot` is one statement, so the lists, snoozes and version it returns are
 * one consistent picture.
 *
 * @example
 * ```ts
 * import { Database, Migrations } from "@paykit/store-postgres"
 * import { ListStorePostgres, VelocityStorePostgres } from "@paykit/store-postgres/risk"
 * import { Effect } from "effect"
 * const store = Effect.gen(function* () {
 *   yield* Migrations.run(Migrations.outbox, VelocityStorePostgres.migrations)
 *   return yield* ListStorePostgres.make({})
 * }).pipe(Effect.provide(Database.layer({})))
 * ```
 * @category constructors
 * @since 0.3.0
 */
export const make = (
  config: Pick<StoreConfig, "maxAttempts"> = {}
): Effect.Effect<ListStore.ListStore["Service"], never, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const maxAttempts = Math.max(1, config.maxAttempts ?? 5)
    const unavailable =
      (operation: string) =>
      (e: SqlError): ListStoreUnavailable =>
        new ListStoreUnavailable({ reason: `${operation}: ${messageOf(e)}` })
    const change = <A>(operation: string, statement: Effect.Effect<A, SqlError>) =>
      timedWrite(
        "risk",
        retryTransient(statement, maxAttempts, "risk").pipe(
          Effect.asVoid,
          Effect.mapError(unavailable(operation))
        )
      )
    /** The given values that `rows` name, in the order given, once each. */
    const changedOf = (values: ReadonlyArray<string>, rows: ReadonlyArray<{ value: string }>) => {
      const hit = new Set(rows.map((r) => r.value))
      return [...new Set(values)].filter((v) => hit.has(v))
    }
    /**
     * A list change and its audit events in one transaction (joining the caller's): the rows
     * changed, the version raised when any did, then the events built from exactly those values
     * inserted into the outbox. Nothing changed: no version, no audit, no event.
     */
    const listChange = (
      operation: string,
      values: ReadonlyArray<string>,
      statement: Effect.Effect<ReadonlyArray<{ value: string }>, SqlError>,
      audit: ListStore.Audit | undefined
    ) =>
      change(
        operation,
        sql.withTransaction(
          Effect.gen(function* () {
            const changed = changedOf(values, yield* statement)
            if (changed.length === 0) return
            yield* sql`UPDATE paykit_risk_lists_version SET version = version + 1 WHERE id = 1`
            if (audit !== undefined)
              yield* insertEvents(sql, yield* audit(changed), `ListStorePostgres.${operation}`)
          })
        )
      )

    return ListStore.ListStore.of({
      add: (list, values, audit) =>
        listChange(
          "add",
          values,
          sql<{ value: string }>`INSERT INTO paykit_risk_list_values (list, value)
            SELECT ${list}, v FROM unnest(${[...values]}::text[]) AS v
            ON CONFLICT DO NOTHING RETURNING value`,
          audit
        ),
      remove: (list, values, audit) =>
        listChange(
          "remove",
          values,
          sql<{ value: string }>`DELETE FROM paykit_risk_list_values
            WHERE list = ${list} AND value = ANY(${[...values]}::text[])
            RETURNING value`,
          audit
        ),
      snooze: (s, events) =>
        change(
          "snooze",
          sql.withTransaction(
            Effect.gen(function* () {
              yield* sql`WITH up AS (
                  INSERT INTO paykit_risk_snoozes (rule_id, value, until) VALUES (${s.ruleId}, ${s.value}, ${s.until})
                  ON CONFLICT (rule_id, value) DO UPDATE SET until = excluded.until
                  RETURNING 1
                )
                UPDATE paykit_risk_lists_version SET version = version + 1
                WHERE id = 1 AND EXISTS (SELECT 1 FROM up)`
              yield* insertEvents(sql, events, "ListStorePostgres.snooze")
            })
          )
        ),
      version: sql<{ v: string }>`SELECT version::text AS v FROM paykit_risk_lists_version WHERE id = 1`.pipe(
        Effect.map((rows) => num(rows[0]?.v ?? 0)),
        Effect.mapError(unavailable("version"))
      ),
      snapshot: sql<{ v: string; lists: unknown; snoozes: unknown }>`SELECT
          (SELECT version::text FROM paykit_risk_lists_version WHERE id = 1) AS v,
          (SELECT coalesce(json_object_agg(list, vs), '{}') FROM (
            SELECT list, json_agg(value ORDER BY value) AS vs FROM paykit_risk_list_values GROUP BY list
          ) l) AS lists,
          (SELECT coalesce(json_agg(json_build_object('ruleId', rule_id, 'value', value, 'until', until)
            ORDER BY rule_id, value), '[]') FROM paykit_risk_snoozes) AS snoozes`.pipe(
        Effect.map((rows) => {
          const r = rows[0]
          return {
            version: num(r?.v ?? 0),
            lists: (json(r?.lists) ?? {}) as Record<string, ReadonlyArray<string>>,
            snoozes: (
              (json(r?.snoozes) ?? []) as ReadonlyArray<{ ruleId: string; value: string; until: unknown }>
            ).map((z) => ({ ruleId: z.ruleId, value: z.value, until: num(z.until) }))
          }
        }),
        Effect.mapError(unavailable("snapshot"))
      )
    })
  })

/**
 * Opens the database, applies the outbox's and the risk namespace's migrations, and provides the
 * `ListStore` (plus the `SqlClient` and `DatabaseInfo`).
 *
 * @example
 * ```ts
 * import { ListStorePostgres } from "@paykit/store-postgres/risk"
 * const server = ListStorePostgres.layer({ url: "postgres://postgres@127.0.0.1:5432/app" })
 * ```
 * @category layers
 * @since 0.3.0
 */
export const layer = (
  config: StoreConfig = {}
): Layer.Layer<ListStore.ListStore | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  openLayer(ListStore.ListStore, migrations, make(config), config)

/**
 * Builds the `ListStore` on a `SqlClient` you already have (for example the velocity store's):
 * creates and selects `schema`, applies the migrations, and provides the port.
 *
 * @example
 * ```ts
 * import { ListStorePostgres, VelocityStorePostgres } from "@paykit/store-postgres/risk"
 * import { Layer } from "effect"
 * const stores = ListStorePostgres.layerClient({}).pipe(Layer.provideMerge(VelocityStorePostgres.layer({})))
 * ```
 * @category layers
 * @since 0.3.0
 */
export const layerClient = (
  config: Pick<StoreConfig, "maxAttempts" | "schema"> = {}
): Layer.Layer<ListStore.ListStore, StartupError, SqlClient.SqlClient> =>
  clientLayer(ListStore.ListStore, migrations, make(config), config.schema)

/**
 * Like {@link layer} with the database read from the environment (`DATABASE_URL`, or PGlite when
 * `PAYKIT_DATABASE` asks for it), as every adapter's `layerConfig`.
 *
 * @example
 * ```ts
 * import { ListStorePostgres } from "@paykit/store-postgres/risk"
 * const live = ListStorePostgres.layerConfig()
 * ```
 * @category layers
 * @since 0.3.0
 */
export const layerConfig = (
  options: Pick<StoreConfig, "maxAttempts" | "connectTimeout"> = {}
): Layer.Layer<ListStore.ListStore | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  configLayer((config) => layer({ ...options, ...config }), options.connectTimeout)
