/**
 * The ids of the events a consumer has handled, so a redelivered event is acknowledged without
 * being handled again.
 *
 * JetStream delivers at least once: a message is delivered again when its ack is lost, when the
 * consumer stops between handling and acknowledging, or when the relay re-sent the event after
 * the stream's duplicate window. `Consumer.consume` checks `has(id)` before handling and calls
 * `add(id)` after, both inside `transaction`; only then does it acknowledge.
 *
 * **Memory** (`makeMemory`, `layerMemory`): the last `capacity` ids of this process. It catches
 * redeliveries while the process lives (an ack lost, a handler retried) but forgets at restart,
 * so a handler with effects outside the process can run twice for one event when the process
 * stops between its effect and the ack. Size `capacity` to cover the redelivery horizon: the
 * events handled within the longest `ackWait` × redeliveries, and within the stream's duplicate
 * window plus the relay's lease.
 *
 * **Exactly-once effects in your own database** (`makeSql`, or your own implementation): keep
 * the ids in a table of the database the handler writes to, and run check, handler and record
 * in one transaction. Either the effect and the id commit together, or neither does and the
 * message is delivered again; a redelivery of a committed event finds its id and is skipped.
 * With `effect/sql` the handler's statements join the transaction when they use the same
 * `SqlClient` (the fiber's transaction connection), so with `makeSql` on that client:
 *
 * ```ts
 * import { Consumer, SeenEvents } from "@paykit/notify-webhook/jetstream"
 * import { Effect } from "effect"
 * import * as SqlClient from "effect/sql/SqlClient"
 *
 * const billing = Effect.gen(function* () {
 *   const sql = yield* SqlClient.SqlClient
 *   const dedup = yield* SeenEvents.makeSql({ table: "billing_seen_events" })
 *   return yield* Consumer.consume({
 *     servers: "127.0.0.1:4222",
 *     stream: "PAYKIT",
 *     durable: "billing",
 *     dedup,
 *     // runs inside dedup.transaction: this insert commits with the event's id, or not at all
 *     handle: (event) => sql`INSERT INTO invoices_lines (event_id) VALUES (${event.id})`
 *   })
 * })
 * ```
 *
 * A second delivery running concurrently (two instances of the consumer) blocks on the id's
 * primary key until the first commits, then fails on it: its transaction rolls back, the
 * message is delivered again and skipped. Without `effect/sql`, implement the port over your
 * driver: `transaction` opens the transaction, `has` selects the id, `add` inserts it.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { isSqlError } from "effect/sql/SqlError"
import { InvalidJetStreamConfig, SeenEventsFailed } from "./errors.ts"

/**
 * The port: which event ids were handled, and the unit of work the check, the handler and the
 * record run in.
 *
 * @category services
 * @since 0.1.0
 */
export class SeenEvents extends Context.Service<
  SeenEvents,
  {
    /** Whether the event with this id was handled (recorded by `add`). */
    readonly has: (id: string) => Effect.Effect<boolean, SeenEventsFailed>
    /** Records the event as handled. */
    readonly add: (id: string) => Effect.Effect<void, SeenEventsFailed>
    /**
     * Runs `has`, the handler and `add` as one unit: a database store runs them in one
     * transaction (committed when it succeeds, rolled back when it fails); memory runs it as is.
     */
    readonly transaction: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | SeenEventsFailed, R>
  }
>()("@paykit/notify-webhook/jetstream/SeenEvents") {}

/**
 * Options of the memory store.
 *
 * @category models
 * @since 0.1.0
 */
export interface MemoryOptions {
  /** How many ids it keeps, the oldest forgotten first. Default 100,000 (a few MB). */
  readonly capacity?: number | undefined
}

/**
 * A memory store of the last `capacity` handled ids (see the module notes for what it does
 * not survive).
 *
 * @example
 * ```ts
 * import { SeenEvents } from "@paykit/notify-webhook/jetstream"
 * import { Effect } from "effect"
 * const program = Effect.gen(function* () {
 *   const seen = yield* SeenEvents.makeMemory({ capacity: 10_000 })
 *   yield* seen.add("01J0000000000000000000000A")
 *   return yield* seen.has("01J0000000000000000000000A") // true
 * })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const makeMemory = (options: MemoryOptions = {}): Effect.Effect<SeenEvents["Service"]> =>
  Effect.sync(() => {
    const capacity = Math.max(1, Math.floor(options.capacity ?? 100_000))
    // a Set iterates in insertion order: its first element is the oldest id
    const ids = new Set<string>()
    return SeenEvents.of({
      has: (id) => Effect.sync(() => ids.has(id)),
      add: (id) =>
        Effect.sync(() => {
          if (ids.has(id)) return
          ids.add(id)
          if (ids.size > capacity) {
            const oldest = ids.values().next()
            if (oldest.done !== true) ids.delete(oldest.value)
          }
        }),
      transaction: (self) => self
    })
  })

/**
 * A layer providing the memory store ({@link makeMemory}).
 *
 * @example
 * ```ts
 * import { SeenEvents } from "@paykit/notify-webhook/jetstream"
 * const seen = SeenEvents.layerMemory({ capacity: 50_000 })
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerMemory = (options: MemoryOptions = {}): Layer.Layer<SeenEvents> =>
  Layer.effect(SeenEvents, makeMemory(options))

/**
 * Options of the SQL store.
 *
 * @category models
 * @since 0.1.0
 */
export interface SqlOptions {
  /** The table of handled ids, created when missing: a plain lower-case identifier. */
  readonly table: string
}

const TABLE = /^[a-z_][a-z0-9_]{0,62}$/

const failed = (error: { readonly message: string }) => new SeenEventsFailed({ reason: error.message })

/**
 * A store in the database of the `SqlClient` in context (PostgreSQL, PGlite, or another
 * `effect/sql` driver that supports `ON CONFLICT`): `table (id text PRIMARY KEY, seen_at)`,
 * created when missing. `transaction` is the client's `withTransaction`, so a handler writing
 * through the same client commits its effect with the id: exactly-once effects (see the module
 * notes). `prune` deletes ids older than a given age; keep them at least as long as a message
 * can be redelivered (the stream's `max_age`).
 *
 * @example
 * ```ts
 * import { SeenEvents } from "@paykit/notify-webhook/jetstream"
 * import { Effect } from "effect"
 * const store = Effect.flatMap(SeenEvents.makeSql({ table: "billing_seen_events" }), (s) => s.has("01J0000000000000000000000A"))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const makeSql = (
  options: SqlOptions
): Effect.Effect<
  SeenEvents["Service"] & {
    /** Deletes the ids recorded more than `olderThanSeconds` ago; answers how many. */
    readonly prune: (olderThanSeconds: number) => Effect.Effect<number, SeenEventsFailed>
  },
  InvalidJetStreamConfig | SeenEventsFailed,
  SqlClient.SqlClient
> =>
  Effect.gen(function* () {
    if (!TABLE.test(options.table)) {
      return yield* new InvalidJetStreamConfig({
        field: "table",
        reason: `${JSON.stringify(options.table)} is not a plain lower-case identifier (a-z, 0-9, _; at most 63 characters)`
      })
    }
    const sql = yield* SqlClient.SqlClient
    const table = sql(options.table)
    yield* sql`CREATE TABLE IF NOT EXISTS ${table} (
        id text PRIMARY KEY,
        seen_at timestamptz NOT NULL DEFAULT now()
      )`.pipe(
      // two processes creating it at once: the loser's unique violation means it exists
      Effect.catchIf(
        (e) => e.reason._tag === "UniqueViolation",
        () => Effect.void
      ),
      Effect.mapError(failed)
    )
    return {
      ...SeenEvents.of({
        has: (id) =>
          Effect.map(sql`SELECT 1 AS found FROM ${table} WHERE id = ${id}`, (rows) => rows.length > 0).pipe(
            Effect.mapError(failed)
          ),
        // a plain INSERT: a concurrent handler of the same event fails on the key and rolls back
        add: (id) =>
          Effect.asVoid(sql`INSERT INTO ${table} (id) VALUES (${id})`).pipe(Effect.mapError(failed)),
        transaction: <A, E, R>(self: Effect.Effect<A, E, R>) =>
          sql
            .withTransaction(self)
            .pipe(Effect.mapError((e) => (isSqlError(e) ? failed(e) : e))) as Effect.Effect<
            A,
            E | SeenEventsFailed,
            R
          >
      }),
      prune: (olderThanSeconds: number) =>
        Effect.map(
          sql<{ id: string }>`DELETE FROM ${table}
            WHERE seen_at < now() - ${`${Math.max(0, olderThanSeconds)} seconds`}::interval RETURNING id`,
          (rows) => rows.length
        ).pipe(Effect.mapError(failed))
    }
  })
