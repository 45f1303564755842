import { jetstream } from "@nats-io/jetstream"
import type { NatsConnection } from "@nats-io/transport-node"
import { type DomainEvent, Notifier } from "@paykit/core"
import { Duration, Effect, Layer, Metric, type Scope } from "effect"
import * as Connection from "./Connection.ts"
import { InvalidJetStreamConfig, type JetStreamUnavailable } from "./errors.ts"

/**
 * How the JetStream notifier connects and publishes.
 *
 * @category models
 * @since 0.1.0
 */
export interface JetStreamNotifierConfig {
  /**
   * A connection to share (from `Connection.connect` or your own `@nats-io/transport-node`
   * `connect`); the notifier neither drains nor closes it. Without one, the notifier opens its
   * own to `servers` and drains it when its scope (or layer) closes.
   */
  readonly connection?: NatsConnection | undefined
  /** The server(s) for the notifier's own connection. Default `127.0.0.1:4222`. */
  readonly servers?: string | ReadonlyArray<string> | undefined
  /** The rest of the own connection's options (timeouts, credentials, TLS). */
  readonly connect?: Omit<Connection.ConnectOptions, "servers"> | undefined
  /**
   * Each event is published to `<subjectPrefix>.<event.type>`: with the default `paykit`, a
   * `ledger.entry.posted` event goes to `paykit.ledger.entry.posted`. The stream's subjects
   * must capture them (`paykit.>`).
   */
  readonly subjectPrefix?: string | undefined
  /**
   * The stream that must store the events. When set, every publish carries the expectation
   * (`Nats-Expected-Stream`): a message captured by another stream is refused as `NotifyFailed`
   * instead of landing in the wrong place.
   */
  readonly stream?: string | undefined
  /** Bound on waiting for one message's PubAck. Default 5 s. */
  readonly ackTimeout?: Duration.Input | undefined
  /**
   * Most publishes awaiting their PubAck at once within one `notify` call (one per event
   * subject at a time, see {@link make}). Default 256; 1 publishes strictly one after another.
   */
  readonly maxInFlight?: number | undefined
}

/**
 * Messages JetStream stored (a PubAck that is not a duplicate), counted by every JetStream
 * notifier of the process.
 *
 * @category models
 * @since 0.1.0
 */
export const publishedMetric = Metric.counter("paykit.jetstream.published", {
  description: "events a JetStream notifier published and the stream stored",
  incremental: true
})

/**
 * Re-sends JetStream dropped as duplicates (a PubAck with `duplicate: true`: the event id was
 * stored within the stream's duplicate window), counted by every JetStream notifier of the
 * process. Each one is a re-delivery the relay made and no consumer sees.
 *
 * @category models
 * @since 0.1.0
 */
export const duplicatesMetric = Metric.counter("paykit.jetstream.duplicates", {
  description: "re-sent events JetStream dropped as duplicates within its window",
  incremental: true
})

const EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/
const PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/

/**
 * The subject an event is published to: `<prefix>.<event.type>`.
 *
 * @example
 * ```ts
 * import { JetStreamNotifier } from "@paykit/notify-webhook/jetstream"
 * JetStreamNotifier.subjectOf("paykit", "ledger.entry.posted") // "paykit.ledger.entry.posted"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const subjectOf = (prefix: string, type: string): string => `${prefix}.${type}`

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** Why a publish failed, in words a person can act on. */
const reasonOf = (event: DomainEvent.DomainEvent, subject: string, error: unknown): string => {
  const m = messageOf(error)
  const hint =
    /no responders|not enabled/i.test(m) || (error instanceof Error && error.name === "JetStreamNotEnabled")
      ? `; no stream captures ${subject} (create one with ensureStream, subjects ["<prefix>.>"])`
      : /timeout/i.test(m)
        ? "; no PubAck within ackTimeout (the message may be stored: the re-send is deduplicated by its id)"
        : ""
  return `publishing event ${event.id} (${event.type}) to ${subject} failed: ${m}${hint}`
}

const encoder = new TextEncoder()

/**
 * The messages of one `notify` call grouped by their event's `subject` (the aggregate it is
 * about), each group in call order, the groups in the order of their first event.
 */
const bySubject = <M extends { readonly event: DomainEvent.DomainEvent }>(
  messages: ReadonlyArray<M>
): Array<Array<M>> => {
  const groups = new Map<string, Array<M>>()
  for (const m of messages) {
    const g = groups.get(m.event.subject)
    if (g === undefined) groups.set(m.event.subject, [m])
    else g.push(m)
  }
  return [...groups.values()]
}

/**
 * Builds a `Notifier` that publishes every event to NATS JetStream, for the outbox relay
 * (`Outbox.layerRelay` of `@paykit/store-postgres`) or a memory store's `afterCommit`.
 *
 * Each event goes as its JSON envelope (`DomainEvent`) to `<subjectPrefix>.<event.type>` with
 * the event id as `msgID` (`Nats-Msg-Id`), so JetStream drops a re-send of it within the
 * stream's duplicate window. `notify` succeeds once JetStream has acknowledged every event of
 * the call (a PubAck, stored or duplicate); a refused publish, a missing stream or a PubAck
 * that does not come within `ackTimeout` fails the call with `NotifyFailed`, so the relay keeps
 * the rows unsent and delivers them again (at least once; the stream drops what it already has).
 *
 * **Order and pipelining.** Events of one `subject` (one aggregate) are published one after
 * another, each after the previous one's PubAck, so the stream holds them in call order even
 * when a publish fails halfway (a later event of that aggregate is never stored before an
 * earlier one is). Events of different subjects are published concurrently, up to
 * `maxInFlight` awaiting their PubAck at once: a batch of events about many aggregates costs
 * about one round trip, not one per event. Across aggregates the stream's order is therefore
 * only roughly the call's; that is the outbox's promise too (ordered per aggregate).
 * `maxInFlight: 1` publishes the whole call strictly in order, one round trip per event.
 *
 * **Duplicate window.** The stream's `duplicate_window` must exceed the relay's worst
 * redelivery delay (at least its lease, 30 s by default, plus a restart); see
 * `Stream.ensureStream`. Consumers deduplicate anyway (`Consumer.consume` with `SeenEvents`).
 *
 * Event data must be JSON-safe (amounts as strings), as the outbox requires: a `bigint` or an
 * event type that is not a dotted lower-case name is a bug in the emitting service and a
 * defect here.
 *
 * @example
 * ```ts
 * import { JetStreamNotifier } from "@paykit/notify-webhook/jetstream"
 * import { Notifier } from "@paykit/core"
 * import { Effect } from "effect"
 * const program = Effect.scoped(
 *   Effect.gen(function* () {
 *     const notifier = yield* JetStreamNotifier.make({ servers: "127.0.0.1:4222", stream: "PAYKIT" })
 *     yield* notifier.notify([])
 *   })
 * )
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  config: JetStreamNotifierConfig = {}
): Effect.Effect<Notifier.Notifier["Service"], JetStreamUnavailable | InvalidJetStreamConfig, Scope.Scope> =>
  Effect.gen(function* () {
    const prefix = config.subjectPrefix ?? "paykit"
    if (!PREFIX.test(prefix)) {
      return yield* new InvalidJetStreamConfig({
        field: "subjectPrefix",
        reason: `${JSON.stringify(prefix)} is not a subject prefix: dot-separated tokens of letters, digits, - and _ (no wildcards, spaces or empty tokens)`
      })
    }
    const maxInFlight = config.maxInFlight ?? 256
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
      return yield* new InvalidJetStreamConfig({
        field: "maxInFlight",
        reason: `expected a positive integer, got ${maxInFlight}`
      })
    }
    const ackTimeout = Duration.fromInputUnsafe(config.ackTimeout ?? Duration.seconds(5))
    const ackTimeoutMs = Math.max(1, Math.round(Duration.toMillis(ackTimeout)))
    const nc =
      config.connection ?? (yield* Connection.connect({ ...config.connect, servers: config.servers }))
    const js = jetstream(nc)
    const expect = config.stream === undefined ? undefined : { streamName: config.stream }

    /** The subject and JSON of each event, or the defect of the first that cannot be sent. */
    const encode = (
      events: ReadonlyArray<DomainEvent.DomainEvent>
    ): Effect.Effect<ReadonlyArray<{ readonly subject: string; readonly payload: Uint8Array }>> =>
      Effect.suspend(() => {
        const out: Array<{ readonly subject: string; readonly payload: Uint8Array }> = []
        for (const event of events) {
          if (typeof event.type !== "string" || !EVENT_TYPE.test(event.type)) {
            return Effect.die(
              new Error(
                `event ${event.id} has the type ${JSON.stringify(event.type)}, which is not a dotted lower-case name such as "ledger.entry.posted"; it cannot name a subject`
              )
            )
          }
          try {
            out.push({
              subject: subjectOf(prefix, event.type),
              payload: encoder.encode(JSON.stringify(event))
            })
          } catch (error) {
            return Effect.die(
              new Error(
                `event ${event.id} (${event.type}) cannot be sent as JSON: ${messageOf(error)}; event data must be JSON-safe (amounts as strings)`
              )
            )
          }
        }
        return Effect.succeed(out)
      })

    /**
     * Publishes the groups (each an aggregate's events, in order): up to `maxInFlight` groups at
     * a time, each one event after another, the next after its PubAck. Plain promises: one
     * Effect per call, not per message. After the first failure (or an interruption) no further
     * publish starts; those in flight are awaited.
     */
    const publishGroups = async (
      groups: ReadonlyArray<
        ReadonlyArray<{
          readonly event: DomainEvent.DomainEvent
          readonly subject: string
          readonly payload: Uint8Array
        }>
      >,
      signal: AbortSignal
    ) => {
      let next = 0
      let stored = 0
      let duplicates = 0
      let failure: string | undefined
      const lane = async () => {
        while (failure === undefined && !signal.aborted && next < groups.length) {
          const group = groups[next++]!
          for (const m of group) {
            if (failure !== undefined || signal.aborted) return
            try {
              const ack = await js.publish(m.subject, m.payload, {
                msgID: m.event.id,
                timeout: ackTimeoutMs,
                ...(expect === undefined ? {} : { expect })
              })
              if (ack.duplicate) duplicates++
              else stored++
            } catch (error) {
              failure ??= reasonOf(m.event, m.subject, error)
              return
            }
          }
        }
      }
      await Promise.all(Array.from({ length: Math.min(maxInFlight, groups.length) }, lane))
      return { stored, duplicates, failure }
    }

    const notify = (
      events: ReadonlyArray<DomainEvent.DomainEvent>
    ): Effect.Effect<void, Notifier.NotifyFailed> =>
      events.length === 0
        ? Effect.void
        : Effect.gen(function* () {
            const encoded = yield* encode(events)
            const groups = bySubject(events.map((event, i) => ({ event, ...encoded[i]! })))
            const result = yield* Effect.tryPromise({
              try: (signal) => publishGroups(groups, signal),
              catch: (error) =>
                new Notifier.NotifyFailed({ reason: `publishing to JetStream failed: ${messageOf(error)}` })
            })
            if (result.stored > 0) yield* Metric.update(publishedMetric, result.stored)
            if (result.duplicates > 0) yield* Metric.update(duplicatesMetric, result.duplicates)
            if (result.failure !== undefined)
              return yield* new Notifier.NotifyFailed({ reason: result.failure })
          })

    return Notifier.Notifier.of({ notify })
  })

/**
 * A layer providing the JetStream `Notifier` (see {@link make}); its own connection, when it
 * opens one, is drained when the layer closes.
 *
 * @example
 * ```ts
 * import { JetStreamNotifier } from "@paykit/notify-webhook/jetstream"
 * const notifier = JetStreamNotifier.layer({ servers: "127.0.0.1:4222", stream: "PAYKIT" })
 * // Outbox.layerRelay().pipe(Layer.provide(notifier)) relays the outbox to JetStream
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layer = (
  config: JetStreamNotifierConfig = {}
): Layer.Layer<Notifier.Notifier, JetStreamUnavailable | InvalidJetStreamConfig> =>
  Layer.effect(Notifier.Notifier, make(config))
