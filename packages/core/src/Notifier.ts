import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type { DomainEvent } from "./DomainEvent.ts"

/**
 * A notifier could not hand events on (the webhook endpoint is down, the broker refused).
 * Retrying later is safe: events carry ids, so deliveries are idempotent for the receiver.
 *
 * @category errors
 * @since 0.1.0
 */
export class NotifyFailed extends Schema.TaggedError<NotifyFailed>()("NotifyFailed", {
  reason: Schema.String
}) {
  override get message(): string {
    return `could not deliver events: ${this.reason}`
  }
}

/**
 * The port through which every package announces its domain events (to webhooks, a broker, an
 * outbox relay). Delivery is at least once; receivers deduplicate by event id.
 *
 * @category services
 * @since 0.1.0
 */
export class Notifier extends Context.Service<
  Notifier,
  { readonly notify: (events: ReadonlyArray<DomainEvent>) => Effect.Effect<void, NotifyFailed> }
>()("@paykit/core/Notifier") {}

/**
 * How a memory store hands the events of a committed change to the `Notifier`: right after its
 * commit, in commit order. A `NotifyFailed` is logged as a warning and does not undo the change
 * (a memory store has nowhere durable to keep the events; the PostgreSQL adapters keep them in
 * their transactional outbox instead, and the relay retries).
 *
 * @example
 * ```ts
 * import { Notifier } from "@paykit/core"
 * import { Effect } from "effect"
 * const commit = Effect.flatMap(Notifier.Notifier, (n) => Notifier.afterCommit(n, [], "accounts"))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const afterCommit = (
  notifier: Notifier["Service"],
  events: ReadonlyArray<DomainEvent>,
  source: string
): Effect.Effect<void> =>
  events.length === 0
    ? Effect.void
    : notifier
        .notify(events)
        .pipe(
          Effect.catchTag("NotifyFailed", (e) =>
            Effect.logWarning(
              `${source}: the change is committed but its events were not delivered: ${e.reason}`
            )
          )
        )

/**
 * What the memory notifier has recorded, in delivery order.
 *
 * @category services
 * @since 0.1.0
 */
export class RecordedEvents extends Context.Service<
  RecordedEvents,
  { readonly all: Effect.Effect<ReadonlyArray<DomainEvent>>; readonly clear: Effect.Effect<void> }
>()("@paykit/core/RecordedEvents") {}

/**
 * A notifier that keeps every event in memory; provides `Notifier` and `RecordedEvents`.
 *
 * @example
 * ```ts
 * import { Notifier } from "@paykit/core"
 * import { Effect } from "effect"
 * const program = Effect.gen(function* () {
 *   const recorded = yield* Notifier.RecordedEvents
 *   return yield* recorded.all
 * }).pipe(Effect.provide(Notifier.layerMemory))
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<Notifier | RecordedEvents> = Layer.effectContext(
  Effect.sync(() => {
    // appended in place (a delivery costs its own events, not the whole history, so a long-lived
    // process does not slow down as it records); `all` answers a copy, in delivery order
    const recordedSoFar: Array<DomainEvent> = []
    const notifier = Notifier.of({
      notify: (events) =>
        Effect.sync(() => {
          for (const e of events) recordedSoFar.push(e)
        })
    })
    const recorded = RecordedEvents.of({
      all: Effect.sync(() => recordedSoFar.slice()),
      clear: Effect.sync(() => {
        recordedSoFar.length = 0
      })
    })
    return Context.make(Notifier, notifier).pipe(Context.add(RecordedEvents, recorded))
  })
)

/**
 * A notifier that drops every event. For code paths that do not care.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerNoop: Layer.Layer<Notifier> = Layer.succeed(
  Notifier,
  Notifier.of({ notify: () => Effect.void })
)
