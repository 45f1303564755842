import type { DomainEvent } from "@paykit/core"
import { type Features, type Velocity, VelocityStore, VelocityStoreUnavailable } from "@paykit/risk"
import { Effect, type Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import type * as Database from "../Database.ts"
import type { StartupError } from "../errors.ts"
import { InvalidStoreConfig } from "../errors.ts"
import { clientLayer, configLayer, messageOf, num, openLayer, retryTransient } from "../internal/adapter.ts"
import { timedWrite } from "../internal/metrics.ts"
import { insertEvents } from "../internal/outboxInsert.ts"
import * as Migrations from "../Migrations.ts"
import { riskMigrations } from "./internal/schema.ts"

/**
 * Configuration of the PostgreSQL velocity store: where the data lives
 * ({@link Database.DatabaseConfig}), how many events each key keeps (`cap`, default
 * `VelocityStore.DEFAULT_CAP`, 1,000) and the bound on transparent re-runs after a deadlock,
 * serialization failure or lock timeout (default 5 attempts).
 *
 * @category models
 * @since 0.2.0
 */
export interface StoreConfig extends Database.DatabaseConfig {
  readonly cap?: number | undefined
  readonly maxAttempts?: number | undefined
}

type Row = Record<string, unknown>

const KINDS = ["customer", "card", "ip", "device", "email"] as const satisfies ReadonlyArray<Velocity.KeyKind>

const COLUMNS =
  "id, at::text AS at, amount_ref::text AS amount_ref, declined, blocked, customer, card, ip, device, email, ip_country"

const optional = (name: string, v: unknown): Record<string, string> =>
  v === null || v === undefined ? {} : { [name]: String(v) }

const eventFromRow = (r: Row): Velocity.Event => ({
  id: String(r["id"]),
  at: num(r["at"]),
  amountRef: BigInt(String(r["amount_ref"])),
  declined: r["declined"] === true || r["declined"] === "t",
  // as the port's events carry it: present only when this service blocked the payment
  ...(r["blocked"] === true || r["blocked"] === "t" ? { blocked: true } : {}),
  ...optional("customer", r["customer"]),
  ...optional("card", r["card"]),
  ...optional("ip", r["ip"]),
  ...optional("device", r["device"]),
  ...optional("email", r["email"]),
  ...optional("ipCountry", r["ip_country"])
})

/**
 * This adapter's migration namespace: `risk`, recorded in `paykit_risk_migrations`; its tables
 * are `paykit_risk_*`. Every layer of this module applies it after the shared outbox's.
 *
 * @example
 * ```ts
 * import { Migrations } from "@paykit/store-postgres"
 * import { VelocityStorePostgres } from "@paykit/store-postgres/risk"
 * const apply = Migrations.run(Migrations.outbox, VelocityStorePostgres.migrations)
 * ```
 * @category models
 * @since 0.3.0
 */
export const migrations: Migrations.Namespace = Migrations.namespace("risk", riskMigrations)

/**
 * Builds the `VelocityStore` of `@paykit/risk` on the `SqlClient` in context (already migrated;
 * use {@link layer} to open, migrate and build in one go).
 *
 * `record` is one transaction: it takes a transaction-scoped advisory lock per key of the event
 * (in one global order, so recorders cannot deadlock), inserts one row per key sharing a new
 * `seq`, then deletes whatever lies beyond the `cap` latest rows of those keys by (`at`, `seq`).
 * Recorders of one key on any connection or process are thus serialised and a key never keeps
 * more than `cap` events. `history` is one index range scan; `prune` one `DELETE`. Amounts are
 * `numeric(39,0)`, read back as text into `bigint`. Database failures are the port's
 * `VelocityStoreUnavailable`.
 *
 * `record(event, events)` inserts the assessment's events into the shared outbox
 * (`paykit_outbox`, one row, in order) as the transaction's last statement, so a failed record
 * leaves none; an event with no key keeps no history but still stores its events. Inside a
 * caller's `SqlClient.withTransaction` the record joins the caller's transaction.
 *
 * @example
 * ```ts
 * import { Database, Migrations } from "@paykit/store-postgres"
 * import { VelocityStorePostgres } from "@paykit/store-postgres/risk"
 * import { Effect } from "effect"
 * const store = Effect.gen(function* () {
 *   yield* Migrations.run(Migrations.outbox, VelocityStorePostgres.migrations)
 *   return yield* VelocityStorePostgres.make({ cap: 500 })
 * }).pipe(Effect.provide(Database.layer({})))
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const make = (
  config: Pick<StoreConfig, "cap" | "maxAttempts"> = {}
): Effect.Effect<VelocityStore.VelocityStore["Service"], InvalidStoreConfig, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const cap = config.cap ?? VelocityStore.DEFAULT_CAP
    if (!Number.isSafeInteger(cap) || cap < 1) {
      return yield* new InvalidStoreConfig({
        field: "cap",
        reason: `expected a positive integer, got ${cap}`
      })
    }
    const maxAttempts = Math.max(1, config.maxAttempts ?? 5)
    const unavailable =
      (operation: string) =>
      (e: SqlError): VelocityStoreUnavailable =>
        new VelocityStoreUnavailable({ reason: `${operation}: ${messageOf(e)}` })

    /** The keys of an event, as the JSON the statements read. */
    const keysOf = (k: Velocity.Keys): Array<{ kind: string; key: string }> => {
      const keys: Array<{ kind: string; key: string }> = []
      for (const kind of KINDS) {
        const key = k[kind]
        if (key !== undefined) keys.push({ kind, key })
      }
      return keys
    }

    /** One recorder or assessor per key at a time, locks taken in one global order. */
    const lockKeys = (keysJson: string) =>
      sql`SELECT pg_advisory_xact_lock(h) FROM (
          SELECT DISTINCT hashtextextended('paykit:velocity:' || current_schema() || ':' || kind || ':' || key, 0) AS h
          FROM jsonb_to_recordset(${keysJson}::jsonb) AS k(kind text, key text)
        ) l ORDER BY h`

    /**
     * The record itself, inside the caller's transaction with the event's keys locked: one row per
     * key, a payment id a key already holds updating that row's facts (`declined`, `blocked`: once
     * true they stay), then each key trimmed to its `cap` latest rows, then the domain events.
     */
    const recordLocked = (
      event: Velocity.Event,
      keysJson: string,
      events: ReadonlyArray<DomainEvent.DomainEvent> | undefined
    ) =>
      Effect.gen(function* () {
        yield* sql`INSERT INTO paykit_risk_velocity
            (kind, key, at, seq, id, amount_ref, declined, blocked, customer, card, ip, device, email, ip_country)
          SELECT k.kind, k.key, ${event.at}, s.seq, ${event.id}, ${event.amountRef.toString()}::numeric,
            ${event.declined}, ${event.blocked === true}, ${event.customer ?? null}, ${event.card ?? null},
            ${event.ip ?? null}, ${event.device ?? null}, ${event.email ?? null}, ${event.ipCountry ?? null}
          FROM jsonb_to_recordset(${keysJson}::jsonb) AS k(kind text, key text),
            (SELECT nextval('paykit_risk_velocity_seq') AS seq) s
          ON CONFLICT (kind, key, id) DO UPDATE
            SET declined = paykit_risk_velocity.declined OR excluded.declined,
              blocked = paykit_risk_velocity.blocked OR excluded.blocked`
        yield* sql`DELETE FROM paykit_risk_velocity v USING (
            SELECT k.kind, k.key, x.at, x.seq
            FROM jsonb_to_recordset(${keysJson}::jsonb) AS k(kind text, key text)
            CROSS JOIN LATERAL (
              SELECT p.at, p.seq FROM paykit_risk_velocity p
              WHERE p.kind = k.kind AND p.key = k.key
              ORDER BY p.at DESC, p.seq DESC OFFSET ${cap}
            ) x
          ) d
          WHERE v.kind = d.kind AND v.key = d.key AND v.at = d.at AND v.seq = d.seq`
        // the assessment's events, last: after the key locks, in the record's transaction
        yield* insertEvents(sql, events, "VelocityStorePostgres.record")
      })

    const record = (
      event: Velocity.Event,
      events?: ReadonlyArray<DomainEvent.DomainEvent>
    ): Effect.Effect<void, VelocityStoreUnavailable> => {
      const keys = keysOf(event)
      const hasEvents = events !== undefined && events.length > 0
      if (keys.length === 0 && !hasEvents) return Effect.void
      const keysJson = JSON.stringify(keys)
      return retryTransient(
        sql.withTransaction(
          // an event without keys has no history to keep, only its events
          keys.length === 0
            ? insertEvents(sql, events, "VelocityStorePostgres.record")
            : Effect.andThen(lockKeys(keysJson), recordLocked(event, keysJson, events))
        ),
        maxAttempts,
        "risk"
      ).pipe(Effect.asVoid, Effect.mapError(unavailable("record")))
    }

    /**
     * Read, decide and record in one transaction holding the advisory lock of every key of the
     * payment, so a concurrent assessment of any of its keys (in any process) waits and then sees
     * this one's record. `decide` runs inside (again on a retried transaction).
     */
    const assess = <A, E>(
      keys: Velocity.Keys,
      read: ReadonlyArray<Velocity.KeyKind>,
      decide: (histories: Features.Histories) => Effect.Effect<VelocityStore.Assessed<A>, E>
    ): Effect.Effect<A, E | VelocityStoreUnavailable> => {
      const all = keysOf(keys)
      const keysJson = JSON.stringify(all)
      const wanted = JSON.stringify(all.filter((k) => read.includes(k.kind as Velocity.KeyKind)))
      return retryTransient(
        sql.withTransaction(
          Effect.gen(function* () {
            if (all.length > 0) yield* lockKeys(keysJson)
            const rows =
              wanted === "[]"
                ? []
                : yield* sql<Row>`SELECT k.kind AS k_kind, ${sql.literal(COLUMNS)}
                    FROM jsonb_to_recordset(${wanted}::jsonb) AS k(kind text, key text)
                    JOIN paykit_risk_velocity v ON v.kind = k.kind AND v.key = k.key
                    ORDER BY v.kind, v.at, v.seq`
            const histories: { [K in Velocity.KeyKind]?: Array<Velocity.Event> } = {}
            for (const k of read) if (keys[k] !== undefined) histories[k] = []
            for (const r of rows) histories[r["k_kind"] as Velocity.KeyKind]?.push(eventFromRow(r))
            const out = yield* decide(histories)
            const eventKeys = keysOf(out.event)
            const hasEvents = out.events.length > 0
            if (eventKeys.length > 0 || hasEvents) {
              const eventKeysJson = JSON.stringify(eventKeys)
              // the event's keys are the payment's, already locked; any other is locked now
              if (eventKeysJson !== keysJson && eventKeys.length > 0) yield* lockKeys(eventKeysJson)
              yield* recordLocked(out.event, eventKeysJson, out.events)
            }
            return out.value
          })
        ),
        maxAttempts,
        "risk"
      ).pipe(
        Effect.mapError((e): E | VelocityStoreUnavailable =>
          typeof e === "object" && e !== null && "_tag" in e && e._tag === "SqlError"
            ? unavailable("assess")(e as SqlError)
            : (e as E)
        )
      )
    }

    const history = (
      kind: Velocity.KeyKind,
      key: string
    ): Effect.Effect<ReadonlyArray<Velocity.Event>, VelocityStoreUnavailable> =>
      // v.at, not at: the output column `at` is text
      sql<Row>`SELECT ${sql.literal(COLUMNS)} FROM paykit_risk_velocity v
        WHERE v.kind = ${kind} AND v.key = ${key} ORDER BY v.at, v.seq`.pipe(
        Effect.map((rows) => rows.map(eventFromRow)),
        Effect.mapError(unavailable("history"))
      )

    const prune = (before: number): Effect.Effect<number, VelocityStoreUnavailable> =>
      retryTransient(
        sql<{ n: number }>`WITH d AS (DELETE FROM paykit_risk_velocity WHERE at < ${before} RETURNING 1)
          SELECT count(*)::int AS n FROM d`,
        maxAttempts,
        "risk"
      ).pipe(
        Effect.map((rows) => num(rows[0]?.n ?? 0)),
        Effect.mapError(unavailable("prune"))
      )

    return VelocityStore.VelocityStore.of({
      cap,
      record: (event, events) => timedWrite("risk", record(event, events)),
      assess: (keys, read, decide) => timedWrite("risk", assess(keys, read, decide)),
      history,
      prune
    })
  })

/**
 * Opens the database (a server when `url` is given, embedded PGlite otherwise), applies the
 * outbox's migrations and this adapter's, and provides the `VelocityStore`, plus the `SqlClient` and `DatabaseInfo` it runs
 * on. Start-up failures are typed (`InvalidStoreConfig`, also for a bad `cap`;
 * `DatabaseUnavailable`, `SchemaTooNew`, `MigrationFailed`).
 *
 * @example
 * ```ts
 * import { VelocityStorePostgres } from "@paykit/store-postgres/risk"
 * const embedded = VelocityStorePostgres.layer({ cap: 500 })
 * const server = VelocityStorePostgres.layer({ url: "postgres://postgres@127.0.0.1:5432/app" })
 * ```
 * @category layers
 * @since 0.2.0
 */
export const layer = (
  config: StoreConfig = {}
): Layer.Layer<VelocityStore.VelocityStore | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  openLayer(VelocityStore.VelocityStore, migrations, make(config), config)

/**
 * Builds the `VelocityStore` on a `SqlClient` you already have (the ledger's, your own pool, a
 * shared PGlite): creates and selects `schema`, applies the outbox's migrations and this adapter's, and provides the port.
 *
 * @example
 * ```ts
 * import { VelocityStorePostgres } from "@paykit/store-postgres/risk"
 * import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
 * import { Layer } from "effect"
 * const stores = VelocityStorePostgres.layerClient({ cap: 500 }).pipe(Layer.provideMerge(LedgerStorePostgres.layer({})))
 * ```
 * @category layers
 * @since 0.2.0
 */
export const layerClient = (
  config: Pick<StoreConfig, "cap" | "maxAttempts" | "schema"> = {}
): Layer.Layer<VelocityStore.VelocityStore, StartupError, SqlClient.SqlClient> =>
  clientLayer(VelocityStore.VelocityStore, migrations, make(config), config.schema)

/**
 * Like {@link layer} with the database read from the environment: `DATABASE_URL` for a server,
 * or embedded PGlite only when asked with `PAYKIT_DATABASE=pglite:memory` or
 * `PAYKIT_DATABASE=pglite:<directory>` (neither set: `DatabaseNotConfigured`; both:
 * `InvalidStoreConfig`); `PAYKIT_DB_SCHEMA` and `PAYKIT_DB_MAX_CONNECTIONS` are optional. The
 * chosen backend is logged once at start-up.
 *
 * @example
 * ```ts
 * import { VelocityStorePostgres } from "@paykit/store-postgres/risk"
 * const live = VelocityStorePostgres.layerConfig({ cap: 500 })
 * ```
 * @category layers
 * @since 0.2.0
 */
export const layerConfig = (
  options: Pick<StoreConfig, "cap" | "maxAttempts" | "connectTimeout"> = {}
): Layer.Layer<VelocityStore.VelocityStore | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  configLayer((config) => layer({ ...options, ...config }), options.connectTimeout)
