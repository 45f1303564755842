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
import { encodeEvents } from "../internal/outboxInsert.ts"
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

/**
 * Text PostgreSQL cannot hold exactly: a NUL, or a lone UTF-16 surrogate (the driver would send
 * U+FFFD in its place, so two different keys would become one).
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
const notText = (v: string): boolean => v.includes("\u0000") || LONE_SURROGATE.test(v)

/** The first field of an event (its id and keys) that PostgreSQL cannot store exactly, if any. */
const unstorable = (fields: Velocity.Keys & { readonly id?: string }): string | undefined => {
  for (const name of ["id", ...KINDS] as const) {
    const v = fields[name]
    if (v !== undefined && notText(v)) return name
  }
  return undefined
}

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
 * Two server-side functions (migration `risk/4_velocity_functions`) do the work, so an
 * assessment is four round trips: BEGIN, `paykit_risk_velocity_lock_read` (a transaction-scoped
 * advisory lock per key of the payment, in one global order so assessors and recorders cannot
 * deadlock, then the histories of the keys it reads, one index range scan each), the caller's
 * `decide`, `paykit_risk_velocity_record` (one row per key sharing a new `seq`, a payment id the
 * key holds updating that row's `declined`/`blocked`, then whatever lies beyond the `cap` latest
 * rows of those keys by (`at`, `seq`) deleted, then the outbox row), COMMIT. `record` is BEGIN,
 * `paykit_risk_velocity_record`, COMMIT. Recorders and assessors of one key on any connection or
 * process are thus serialised and a key never keeps more than `cap` events. `history` is one index
 * range scan; `prune` one `DELETE`. Amounts are `numeric(39,0)`, read back as text into `bigint`.
 * Database failures are the port's `VelocityStoreUnavailable`.
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

    /** A key of the event (or payment), `null` when absent: one parameter of the functions. */
    const keyOf = (k: Velocity.Keys, kind: Velocity.KeyKind): string | null => k[kind] ?? null

    const hasKeys = (k: Velocity.Keys): boolean => KINDS.some((kind) => k[kind] !== undefined)

    /**
     * The record, one statement (`paykit_risk_velocity_record`, migration `risk/4_velocity_functions`)
     * inside the caller's transaction: it takes the event's key locks (in one global order; in an
     * assessment they are held already), writes one row per key (a payment id a key already holds
     * updates that row's facts, `declined` and `blocked`: once true they stay), trims each key to
     * its `cap` latest rows, then the domain events: the outbox's subject locks and its row.
     */
    const recordLocked = (
      event: Velocity.Event,
      events: ReadonlyArray<DomainEvent.DomainEvent> | undefined
    ) =>
      Effect.gen(function* () {
        const count = events?.length ?? 0
        const json = count === 0 ? null : yield* encodeEvents(events!, "VelocityStorePostgres.record")
        const subjects =
          count === 0 ? null : JSON.stringify([...new Set(events!.map((e) => String(e.subject)))])
        yield* sql`SELECT paykit_risk_velocity_record(
            ${keyOf(event, "customer")}::text, ${keyOf(event, "card")}::text, ${keyOf(event, "ip")}::text,
            ${keyOf(event, "device")}::text, ${keyOf(event, "email")}::text,
            ${event.id}::text, ${event.at}::bigint, ${event.amountRef.toString()}::numeric,
            ${event.declined}::boolean, ${event.blocked === true}::boolean, ${event.ipCountry ?? null}::text,
            ${cap}::integer, ${json}::json, ${count}::integer, ${subjects}::json)`
      })

    /** The refusal of an id or key PostgreSQL would not store exactly (before any write). */
    const refuse = (operation: string, field: string) =>
      Effect.fail(
        new VelocityStoreUnavailable({
          reason: `${operation}: the ${field} contains a NUL or a lone surrogate, which PostgreSQL text cannot hold; nothing was written`
        })
      )

    const record = (
      event: Velocity.Event,
      events?: ReadonlyArray<DomainEvent.DomainEvent>
    ): Effect.Effect<void, VelocityStoreUnavailable> => {
      const hasEvents = events !== undefined && events.length > 0
      const bad = unstorable(event)
      if (bad !== undefined) return refuse("record", bad)
      if (!hasKeys(event) && !hasEvents) return Effect.void
      return retryTransient(sql.withTransaction(recordLocked(event, events)), maxAttempts, "risk").pipe(
        Effect.asVoid,
        Effect.mapError(unavailable("record"))
      )
    }

    /**
     * Read, decide and record in one transaction holding the advisory lock of every key of the
     * payment, so a concurrent assessment of any of its keys (in any process) waits and then sees
     * this one's record. Four round trips: BEGIN, lock and read (`paykit_risk_velocity_lock_read`),
     * record (`paykit_risk_velocity_record`, with the events), COMMIT. `decide` runs inside (again on
     * a retried transaction).
     */
    const assess = <A, E>(
      keys: Velocity.Keys,
      read: ReadonlyArray<Velocity.KeyKind>,
      decide: (histories: Features.Histories) => Effect.Effect<VelocityStore.Assessed<A>, E>
    ): Effect.Effect<A, E | VelocityStoreUnavailable> => {
      const wanted = KINDS.filter((k) => keys[k] !== undefined && read.includes(k)).join(",")
      const bad = unstorable(keys)
      if (bad !== undefined) return refuse("assess", bad)
      return retryTransient(
        sql.withTransaction(
          Effect.gen(function* () {
            const rows = !hasKeys(keys)
              ? []
              : yield* sql<Row>`SELECT * FROM paykit_risk_velocity_lock_read(
                    ${keyOf(keys, "customer")}::text, ${keyOf(keys, "card")}::text, ${keyOf(keys, "ip")}::text,
                    ${keyOf(keys, "device")}::text, ${keyOf(keys, "email")}::text, ${wanted}::text)`
            const histories: { [K in Velocity.KeyKind]?: Array<Velocity.Event> } = {}
            for (const k of read) if (keys[k] !== undefined) histories[k] = []
            for (const r of rows) histories[r["k_kind"] as Velocity.KeyKind]?.push(eventFromRow(r))
            const out = yield* decide(histories)
            const badEvent = unstorable(out.event)
            if (badEvent !== undefined) return yield* refuse("assess", badEvent)
            if (hasKeys(out.event) || out.events.length > 0) yield* recordLocked(out.event, out.events)
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
      // a key no write accepts has no history (sent, it would read the key with U+FFFD in its place)
      notText(key)
        ? Effect.succeed([])
        : // v.at, not at: the output column `at` is text
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
