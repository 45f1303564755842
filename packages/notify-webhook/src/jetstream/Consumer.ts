import {
  AckPolicy,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  type JsMsg,
  jetstream,
  jetstreamManager
} from "@nats-io/jetstream"
import { type NatsConnection, nanos } from "@nats-io/transport-node"
import { DomainEvent } from "@paykit/core"
import { Cause, Duration, Effect, Exit, Fiber, Metric, Schema, type Scope } from "effect"
import * as Connection from "./Connection.ts"
import {
  ConsumerSetupFailed,
  InvalidJetStreamConfig,
  type JetStreamUnavailable,
  type SeenEventsFailed
} from "./errors.ts"
import * as SeenEvents from "./SeenEvents.ts"

/**
 * A durable pull consumer over a stream of relayed events.
 *
 * @category models
 * @since 0.1.0
 */
export interface ConsumeOptions<E, R> {
  /** A connection to share (not closed by the consumer). Without one it opens its own to `servers`. */
  readonly connection?: NatsConnection | undefined
  /** The server(s) for its own connection. Default `127.0.0.1:4222`. */
  readonly servers?: string | ReadonlyArray<string> | undefined
  /** The rest of its own connection's options. */
  readonly connect?: Omit<Connection.ConnectOptions, "servers"> | undefined
  /** The stream to read (`Stream.ensureStream`). */
  readonly stream: string
  /**
   * The durable consumer's name: created when missing (explicit acks, from the stream's first
   * message), used as it is when it exists. Instances with the same name share the work.
   */
  readonly durable: string
  /** Only messages on this subject (wildcards allowed), such as `paykit.ledger.>`. Default all. */
  readonly filterSubject?: string | undefined
  /**
   * Handles one event. Succeeding acknowledges it (after `dedup` recorded its id); failing
   * (or dying) naks it for redelivery after `retryDelay`.
   */
  readonly handle: (event: DomainEvent.DomainEvent) => Effect.Effect<void, E, R>
  /** The store of handled ids. Default a memory window of 100,000 ids (`SeenEvents.makeMemory`). */
  readonly dedup?: SeenEvents.SeenEvents["Service"] | undefined
  /**
   * How long JetStream waits for an ack before delivering a message again (a new consumer's
   * `ack_wait`). Default 30 s; keep it above the slowest handler.
   */
  readonly ackWait?: Duration.Input | undefined
  /**
   * Deliveries of one message before JetStream gives up on it (a new consumer's `max_deliver`).
   * Default unlimited: a failing event is retried, with `retryDelay`, until it succeeds.
   */
  readonly maxDeliver?: number | undefined
  /**
   * Messages delivered and not yet acknowledged, at most (a new consumer's `max_ack_pending`).
   * Default 1,000.
   */
  readonly maxAckPending?: number | undefined
  /** The wait before redelivering a failed message, by its delivery count (1, 2, …). Default 1 s doubling to 1 min. */
  readonly retryDelay?: ((deliveryCount: number) => Duration.Input) | undefined
  /** Messages pulled ahead of the handler. Default 100. */
  readonly batch?: number | undefined
  /**
   * Called after each message was settled (acknowledged, nak'd or terminated), with what became
   * of it: for your own metrics, logs or tests. Its failures and defects are ignored.
   */
  readonly onOutcome?: ((outcome: Outcome, message: Settled) => Effect.Effect<void>) | undefined
}

/**
 * A settled message, as {@link ConsumeOptions.onOutcome} sees it.
 *
 * @category models
 * @since 0.1.0
 */
export interface Settled {
  /** The message's stream sequence. */
  readonly seq: number
  readonly subject: string
  /** 1 on the first delivery. */
  readonly deliveryCount: number
  /** The decoded event; absent for a malformed message. */
  readonly event?: DomainEvent.DomainEvent | undefined
}

/**
 * What became of one message: `handled` (the handler ran, the id was recorded, the message
 * acknowledged), `duplicate` (its id was seen: acknowledged without handling), `malformed`
 * (not an event envelope: terminated, never redelivered), `failed` (the handler or the id store
 * failed: nak'd for redelivery).
 *
 * @category models
 * @since 0.1.0
 */
export type Outcome = "handled" | "duplicate" | "malformed" | "failed"

/**
 * Messages consumers processed, by `outcome` (see {@link Outcome}) and `consumer` (the durable
 * name).
 *
 * @category models
 * @since 0.1.0
 */
export const messagesMetric = Metric.counter("paykit.jetstream.consumer.messages", {
  description: "messages a JetStream consumer processed, by outcome",
  incremental: true
})

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

const decodeEvent = Schema.decodeUnknownExit(DomainEvent.DomainEvent)

const defaultRetryDelay = (deliveryCount: number): Duration.Input =>
  Duration.millis(Math.min(60_000, 1_000 * 2 ** Math.max(0, Math.min(16, deliveryCount - 1))))

const DURABLE = /^[A-Za-z0-9_-]+$/

const isConsumerNotFound = (error: unknown): boolean =>
  typeof error === "object" &&
  error !== null &&
  "code" in error &&
  (error as { code: unknown }).code === 10014

/**
 * The envelope a message carries (JSON decoded with the `DomainEvent` schema), or why it is not
 * one; what the consumer does before handling.
 *
 * @example
 * ```ts
 * import { Consumer } from "@paykit/notify-webhook/jetstream"
 * Consumer.decode(new TextEncoder().encode("{}")) // { ok: false, reason: "not an event envelope: …" }
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const decode = (
  data: Uint8Array
): { ok: true; event: DomainEvent.DomainEvent } | { ok: false; reason: string } => {
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder().decode(data))
  } catch (error) {
    return { ok: false, reason: `not JSON (${messageOf(error)})` }
  }
  const decoded = decodeEvent(json)
  return Exit.isSuccess(decoded)
    ? { ok: true, event: decoded.value }
    : { ok: false, reason: `not an event envelope: ${Cause.pretty(decoded.cause)}` }
}

/**
 * Creates the durable consumer when it does not exist, and answers nothing when it does (its
 * configuration is then the operator's). Fails with `ConsumerSetupFailed` when the stream is
 * missing or the server refuses, and when an existing consumer filters another subject.
 *
 * @example
 * ```ts
 * import { Consumer } from "@paykit/notify-webhook/jetstream"
 * import type { NatsConnection } from "@nats-io/transport-node"
 * declare const nc: NatsConnection
 * const ready = Consumer.ensureConsumer(nc, { stream: "PAYKIT", durable: "billing" })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const ensureConsumer = (
  connection: NatsConnection,
  options: Pick<
    ConsumeOptions<never, never>,
    "stream" | "durable" | "filterSubject" | "ackWait" | "maxDeliver" | "maxAckPending"
  >
): Effect.Effect<void, ConsumerSetupFailed> =>
  Effect.tryPromise({
    try: async () => {
      const jsm = await jetstreamManager(connection)
      try {
        const info = await jsm.consumers.info(options.stream, options.durable)
        const filter = info.config.filter_subject ?? ""
        if (filter !== (options.filterSubject ?? "")) {
          throw new Error(
            `it exists with filter subject ${JSON.stringify(filter)}, not ${JSON.stringify(options.filterSubject ?? "")}; delete it or use another durable name`
          )
        }
        return
      } catch (error) {
        // only "consumer not found" (10014) leads to creating it; a missing stream is an error
        if (!isConsumerNotFound(error)) throw error
      }
      const config: Partial<ConsumerConfig> = {
        durable_name: options.durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(Duration.toMillis(Duration.fromInputUnsafe(options.ackWait ?? Duration.seconds(30)))),
        max_deliver: options.maxDeliver ?? -1,
        max_ack_pending: options.maxAckPending ?? 1_000,
        ...(options.filterSubject === undefined ? {} : { filter_subject: options.filterSubject })
      }
      await jsm.consumers.add(options.stream, config)
    },
    catch: (error) =>
      new ConsumerSetupFailed({ stream: options.stream, durable: options.durable, reason: messageOf(error) })
  })

/**
 * Consumes events from a durable pull consumer (explicit acks) until interrupted; see
 * {@link consume}. Needs a scope: the pull subscription (and the connection it opened, if any)
 * end with it. Use it to fork the consumer into a scope you already manage (a layer's).
 *
 * @example
 * ```ts
 * import { Consumer } from "@paykit/notify-webhook/jetstream"
 * import { Effect, Layer } from "effect"
 * // runs for as long as the layer lives
 * const emails = Layer.effectDiscard(
 *   Effect.forkScoped(
 *     Consumer.consumeScoped({ stream: "PAYKIT", durable: "emails", handle: (e) => Effect.log(e.type) })
 *   )
 * )
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const consumeScoped = <E, R>(
  options: ConsumeOptions<E, R>
): Effect.Effect<
  never,
  JetStreamUnavailable | ConsumerSetupFailed | InvalidJetStreamConfig,
  R | Scope.Scope
> =>
  Effect.gen(function* () {
    if (!DURABLE.test(options.durable)) {
      return yield* new InvalidJetStreamConfig({
        field: "durable",
        reason: `${JSON.stringify(options.durable)} is not a consumer name: letters, digits, - and _`
      })
    }
    const batch = options.batch ?? 100
    if (!Number.isInteger(batch) || batch < 1) {
      return yield* new InvalidJetStreamConfig({
        field: "batch",
        reason: `expected a positive integer, got ${batch}`
      })
    }
    const nc =
      options.connection ?? (yield* Connection.connect({ ...options.connect, servers: options.servers }))
    const dedup = options.dedup ?? (yield* SeenEvents.makeMemory())
    const retryDelay = options.retryDelay ?? defaultRetryDelay
    const who = `paykit jetstream consumer ${options.durable} on ${options.stream}`
    const settled = (outcome: Outcome, msg: JsMsg, event?: DomainEvent.DomainEvent) =>
      Effect.andThen(
        Metric.update(Metric.withAttributes(messagesMetric, { outcome, consumer: options.durable }), 1),
        options.onOutcome === undefined
          ? Effect.void
          : Effect.suspend(() =>
              options.onOutcome!(outcome, {
                seq: msg.seq,
                subject: msg.subject,
                deliveryCount: msg.info.deliveryCount,
                event
              })
            ).pipe(Effect.catchCause((cause) => Effect.logWarning(`${who}: onOutcome failed`, cause)))
      )

    yield* ensureConsumer(nc, options)
    const setupFailed = (error: unknown) =>
      new ConsumerSetupFailed({ stream: options.stream, durable: options.durable, reason: messageOf(error) })
    const { messages, iterator } = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const consumer = await jetstream(nc).consumers.get(options.stream, options.durable)
          const messages: ConsumerMessages = await consumer.consume({ max_messages: batch })
          return { messages, iterator: messages[Symbol.asyncIterator]() }
        },
        catch: setupFailed
      }),
      // `close()` settles only once the iterator has yielded what it buffered: take those
      // messages and hand them back at once (a nak), rather than leaving them to `ack_wait`
      ({ messages, iterator }) =>
        Effect.tryPromise(async () => {
          const closed = messages.close()
          for (let next = await iterator.next(); next.done !== true; next = await iterator.next())
            next.value.nak()
          await closed
        }).pipe(Effect.timeout(Duration.seconds(5)), Effect.ignore)
    )

    // the client's notifications worth a person's attention (a deleted consumer or stream)
    yield* Effect.forkScoped(
      Effect.gen(function* () {
        const status = messages.status()[Symbol.asyncIterator]()
        while (true) {
          const next = yield* Effect.tryPromise(() => status.next())
          if (next.done === true) return
          const s = next.value
          if (
            s.type === "consumer_deleted" ||
            s.type === "consumer_not_found" ||
            s.type === "stream_not_found"
          )
            yield* Effect.logWarning(`${who}: ${JSON.stringify(s)}`)
        }
      }).pipe(Effect.ignore)
    )

    /** Handles one message; never fails (a failure is a nak), so one bad message cannot stop the loop. */
    const processOne = (msg: JsMsg): Effect.Effect<Outcome, never, R> =>
      Effect.uninterruptibleMask((restore) =>
        Effect.gen(function* () {
          const decoded = decode(msg.data)
          if (!decoded.ok) {
            // without a reason: servers before 2.11 ignore a `+TERM` that carries one
            msg.term()
            yield* Effect.logWarning(
              `${who}: terminated message ${msg.seq} on ${msg.subject}, it is ${decoded.reason}`
            )
            yield* settled("malformed", msg)
            return "malformed"
          }
          const event = decoded.event
          const exit = yield* Effect.exit(
            restore(
              dedup.transaction(
                Effect.gen(function* () {
                  if (yield* dedup.has(event.id)) return "duplicate" as const
                  yield* options.handle(event)
                  yield* dedup.add(event.id)
                  return "handled" as const
                })
              )
            )
          )
          if (Exit.isSuccess(exit)) {
            msg.ack()
            yield* settled(exit.value, msg, event)
            return exit.value
          }
          if (Cause.hasInterruptsOnly(exit.cause)) {
            // stopping: hand the message back at once (another instance may take it)
            msg.nak()
            return yield* Effect.interrupt
          }
          const delay = Duration.fromInputUnsafe(retryDelay(msg.info.deliveryCount))
          msg.nak(Math.max(0, Math.round(Duration.toMillis(delay))))
          yield* Effect.logWarning(
            `${who}: event ${event.id} (${event.type}, delivery ${msg.info.deliveryCount}) failed; redelivered in ${Duration.format(delay)}`,
            exit.cause as Cause.Cause<E | SeenEventsFailed>
          )
          yield* settled("failed", msg, event)
          return "failed"
        })
      )

    while (true) {
      const next = yield* Effect.tryPromise({ try: () => iterator.next(), catch: setupFailed })
      if (next.done === true) {
        return yield* new ConsumerSetupFailed({
          stream: options.stream,
          durable: options.durable,
          reason: "the message subscription ended (the connection closed or the consumer was deleted)"
        })
      }
      yield* processOne(next.value)
    }
  })

/**
 * Consumes the events of a stream through a durable pull consumer with explicit acks, until
 * interrupted (then the subscription ends, the message in hand is handed back with a nak, and
 * the own connection is drained).
 *
 * For each message, one at a time in delivery order:
 *
 * 1. decode its JSON envelope with the `DomainEvent` schema; a message that is not one is
 *    terminated (`+TERM`: never delivered again) and logged, and the loop goes on;
 * 2. inside `dedup.transaction`: if `dedup.has(id)`, skip it (a redelivery); else run `handle`,
 *    then `dedup.add(id)`;
 * 3. when that succeeded, acknowledge; when it failed (the handler failed or died, or the id
 *    store failed), nak with `retryDelay(deliveryCount)`: JetStream delivers it again then.
 *
 * Effects therefore happen at least once, and exactly once when `dedup` keeps the ids in the
 * database the handler writes to, in its transaction (`SeenEvents.makeSql`). An ack is not
 * confirmed: a lost one means one more delivery, which `dedup` absorbs.
 *
 * **Order.** One instance handles messages one at a time in stream order, so a subject's
 * events arrive in the relay's order — until a failure: a nak'd message is redelivered after
 * the messages behind it. For strict order through failures create the consumer with
 * `maxAckPending: 1` (one message in flight, the next only after its ack).
 *
 * @example
 * ```ts
 * import { Consumer, SeenEvents } from "@paykit/notify-webhook/jetstream"
 * import { Effect } from "effect"
 * const program = Effect.gen(function* () {
 *   const dedup = yield* SeenEvents.makeMemory()
 *   yield* Consumer.consume({
 *     servers: "127.0.0.1:4222",
 *     stream: "PAYKIT",
 *     durable: "emails",
 *     filterSubject: "paykit.accounts.>",
 *     dedup,
 *     handle: (event) => Effect.log(`account event ${event.type} ${event.subject}`)
 *   })
 * })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const consume = <E, R>(
  options: ConsumeOptions<E, R>
): Effect.Effect<
  never,
  JetStreamUnavailable | ConsumerSetupFailed | InvalidJetStreamConfig,
  Exclude<R, Scope.Scope>
> => Effect.scoped(consumeScoped(options))

/**
 * A running consumer started from Promise code.
 *
 * @category models
 * @since 0.1.0
 */
export interface Running {
  /** Stops consuming (the message in hand is handed back) and closes the own connection. */
  readonly stop: () => Promise<void>
  /**
   * Settles when the consumer stops: resolves after `stop()`, rejects with the typed error
   * (`JetStreamUnavailable`, `ConsumerSetupFailed`, `InvalidJetStreamConfig`) if it could not
   * start or its subscription ended.
   */
  readonly done: Promise<void>
}

/**
 * {@link consume} for code without Effect: `handle` returns a Promise (a rejection naks the
 * message for redelivery), and the consumer runs until `stop()`.
 *
 * @example
 * ```ts
 * import { Consumer } from "@paykit/notify-webhook/jetstream"
 * const running = Consumer.start({
 *   servers: "127.0.0.1:4222",
 *   stream: "PAYKIT",
 *   durable: "emails",
 *   handle: async (event) => {
 *     console.log(event.type, event.subject)
 *   }
 * })
 * // later, on shutdown
 * await running.stop()
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const start = (
  options: Omit<ConsumeOptions<unknown, never>, "handle"> & {
    readonly handle: (event: DomainEvent.DomainEvent) => Promise<void> | void
  }
): Running => {
  const fiber = Effect.runFork(
    consume({
      ...options,
      handle: (event) =>
        Effect.tryPromise({
          try: async () => {
            await options.handle(event)
          },
          catch: (error) => error
        })
    })
  )
  const done = Effect.runPromise(Fiber.await(fiber)).then((exit) => {
    if (Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause)) return
    throw Cause.squash(exit.cause)
  })
  // a caller that awaits only stop() must not see an unhandled rejection
  done.catch(() => {})
  return {
    stop: () => Effect.runPromise(Fiber.interrupt(fiber)),
    done
  }
}
