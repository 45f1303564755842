import { type DomainEvent, Notifier } from "@paykit/core"
import { Duration, Effect, Layer, Semaphore } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { delivered, lagging } from "./internal/metrics.ts"
import type { SqlError } from "effect/sql/SqlError"
import { randomUUID } from "node:crypto"

/**
 * Options for the outbox relay.
 *
 * @category models
 * @since 0.1.0
 */
export interface RelayOptions {
  /**
   * Events handed to the notifier per call, and roughly per pass: a pass takes whole outbox
   * rows (one per write transaction) until it has this many. Default 500.
   */
  readonly batchSize?: number | undefined
  /** Pause between polls when the outbox is empty. Default 200 ms. */
  readonly pollInterval?: Duration.Input | undefined
  /**
   * How long one relay keeps the outbox to itself after its last notifier call or mark (it
   * renews the lease before each). Another process's relay takes over only once the lease has
   * lapsed, so at most one relay delivers at a time and events leave in commit order; a relay
   * that finds it lost the lease marks nothing, and the new holder delivers those rows again
   * (at least once). Keep it well above one notifier call. Default 30 s.
   */
  readonly lease?: Duration.Input | undefined
}

/**
 * What one relay pass did: how many events it delivered, or that another relay holds the lease.
 *
 * @category models
 * @since 0.1.0
 */
export interface RelayResult {
  readonly delivered: number
  readonly leased: boolean
}

/**
 * Builds a relay over the transactional outbox (`paykit_outbox`, migration namespace `outbox`,
 * applied by every adapter's layer). Every entry's domain events
 * are written there in the entry's own transaction (one row per transaction, its events in
 * order); the relay reads unsent rows in `seq` order, hands their events to the `Notifier`,
 * then marks the rows sent. Delivery is at least once (a crash
 * between the notifier and the mark re-delivers; receivers deduplicate by event id) and in order
 * per account (entries touching an account are serialised by its row lock, so their events get
 * increasing `seq` in commit order). A lease row lets one relay at a time deliver, across
 * processes.
 *
 * @example
 * ```ts
 * import { Outbox } from "@paykit/store-postgres"
 * import { Effect } from "effect"
 * const program = Effect.gen(function* () {
 *   const relay = yield* Outbox.makeRelay({ batchSize: 100 })
 *   yield* relay.drain // deliver everything pending now
 * })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const makeRelay = (
  options: RelayOptions = {}
): Effect.Effect<
  {
    /**
     * One pass: deliver the oldest unsent outbox rows, whole, until `batchSize` events (one
     * write's row may hold more), at most `batchSize` per notifier call.
     */
    readonly once: Effect.Effect<RelayResult, SqlError | Notifier.NotifyFailed>
    /** Passes until nothing is pending (or another relay holds the lease). */
    readonly drain: Effect.Effect<number, SqlError | Notifier.NotifyFailed>
    /** Runs forever: drain, then wait `pollInterval`; notifier failures are retried with backoff. */
    readonly run: Effect.Effect<never, SqlError>
    /** Events not yet marked sent. */
    readonly pending: Effect.Effect<number, SqlError>
    /** Gives up the lease now (on shutdown), so another relay can take over at once. */
    readonly release: Effect.Effect<void, SqlError>
  },
  never,
  SqlClient.SqlClient | Notifier.Notifier
> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const notifier = yield* Notifier.Notifier
    const batchSize = options.batchSize ?? 500
    const pollInterval = options.pollInterval ?? Duration.millis(200)
    const leaseMs = Duration.toMillis(Duration.fromInputUnsafe(options.lease ?? Duration.seconds(30)))
    const holder = randomUUID()
    const local = yield* Semaphore.make(1)

    const takeLease = Effect.map(
      sql<{ holder: string }>`UPDATE paykit_outbox_relay
        SET holder = ${holder}, lease_until = now() + ${`${leaseMs} milliseconds`}::interval
        WHERE id = 1 AND (holder = ${holder} OR lease_until < now())
        RETURNING holder`,
      (rows) => rows.length > 0
    )

    const once = local.withPermits(1)(
      Effect.gen(function* () {
        if (!(yield* takeLease)) return { delivered: 0, leased: true }
        // Whole rows (one per write transaction) in commit order until batchSize events: at most
        // batchSize rows are needed (each holds at least one event), so those are read first.
        // (Ordered by the qualified bigint `p.seq`: a bare `seq` would name the text column.)
        const rows = yield* sql<{ seq: string; events: unknown }>`SELECT p.seq::text AS seq, p.events FROM (
            SELECT w.seq, w.events, sum(w.count) OVER (ORDER BY w.seq) - w.count AS before
            FROM (SELECT seq, events, count FROM paykit_outbox WHERE sent_at IS NULL
              ORDER BY seq LIMIT ${batchSize}) w
          ) p WHERE p.before < ${batchSize} ORDER BY p.seq`
        if (rows.length === 0) return { delivered: 0, leased: false }
        const events = rows.flatMap(
          (r) =>
            (typeof r.events === "string" ? JSON.parse(r.events) : r.events) as Array<DomainEvent.DomainEvent>
        )
        for (let i = 0; i < events.length; i += batchSize) {
          // one write's row can hold thousands of events: renew the lease before each further
          // call, and stop (marking nothing) if another relay has taken over meanwhile
          if (i > 0 && !(yield* takeLease)) return { delivered: 0, leased: true }
          yield* notifier.notify(events.slice(i, i + batchSize))
        }
        if (!(yield* takeLease)) return { delivered: 0, leased: true }
        const seqs = rows.map((r) => r.seq)
        yield* sql`UPDATE paykit_outbox SET sent_at = now() WHERE seq = ANY(${seqs}::bigint[])`
        yield* delivered(events.length)
        return { delivered: events.length, leased: false }
      })
    )

    const pending = Effect.map(
      sql<{ n: number }>`SELECT coalesce(sum(count), 0)::int AS n FROM paykit_outbox WHERE sent_at IS NULL`,
      (rows) => rows[0]?.n ?? 0
    )

    const drain = Effect.gen(function* () {
      let total = 0
      while (true) {
        const r = yield* once
        total += r.delivered
        if (r.delivered < batchSize) {
          // the outbox lag metric: what is still undelivered after this drain
          yield* Effect.flatMap(pending, lagging)
          return total
        }
      }
    })

    const run = drain.pipe(
      Effect.catchTag("NotifyFailed", (e) =>
        Effect.logWarning(`paykit outbox: ${e.message}; retrying`).pipe(
          Effect.andThen(Effect.sleep(Duration.seconds(1)))
        )
      ),
      Effect.andThen(Effect.sleep(pollInterval)),
      Effect.forever
    )

    const release = Effect.asVoid(
      sql`UPDATE paykit_outbox_relay SET lease_until = '-infinity' WHERE id = 1 AND holder = ${holder}`
    )

    return { once, drain, run, pending, release }
  })

/**
 * A layer that runs the relay in the background for as long as the layer is alive, handing
 * outbox events to the `Notifier` in context.
 *
 * @example
 * ```ts
 * import { Outbox } from "@paykit/store-postgres"
 * import { Notifier } from "@paykit/core"
 * import { Layer } from "effect"
 * const app = Outbox.layerRelay().pipe(Layer.provide(Notifier.layerNoop))
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerRelay = (
  options: RelayOptions = {}
): Layer.Layer<never, never, SqlClient.SqlClient | Notifier.Notifier> =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const relay = yield* makeRelay(options)
      yield* Effect.addFinalizer(() => Effect.ignore(relay.release))
      yield* Effect.forkScoped(
        relay.run.pipe(
          Effect.catchCause((cause) => Effect.logWarning("paykit outbox relay stopped; restarting", cause)),
          Effect.forever
        )
      )
    })
  )
