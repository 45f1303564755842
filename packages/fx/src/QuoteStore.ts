import { type DomainEvent, Notifier } from "@paykit/core"
import { Context, Effect, Layer } from "effect"
import {
  DuplicateQuote,
  QuoteAlreadyUsed,
  QuoteExpired,
  QuoteNotFound,
  type QuoteStoreUnavailable
} from "./errors.ts"
import type { Quote } from "./Quote.ts"

/**
 * A stored quote and when it was used (`null` while unused).
 *
 * @example
 * ```ts
 * import type { QuoteStore } from "@paykit/fx"
 * const isUsed = (s: QuoteStore.Stored) => s.usedAt !== null
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Stored {
  readonly quote: Quote
  readonly usedAt: number | null
}

/**
 * The rate-lock storage port.
 *
 * - `save(quote, events)`: stores a new quote (its `expiresAt` is the end of the lock) and the
 *   events the change causes; an id already stored is `DuplicateQuote` and changes nothing.
 * - `get`: the stored quote and its use, or `QuoteNotFound`.
 * - `consume(id, now)`: atomically checks and marks the quote used at `now`, returning it exactly
 *   as saved. In this order: unknown id → `QuoteNotFound`; already used → `QuoteAlreadyUsed`;
 *   `now ≥ expiresAt` → `QuoteExpired` (and the quote stays unused). Of concurrent consumes of
 *   one quote, exactly one succeeds. `events(quote)` gives the events of a successful consume
 *   (a pure function of the stored quote).
 * - **Events travel with the change.** A store keeps a change's events atomically with it: the
 *   PostgreSQL adapter inserts them into its transactional outbox in the change's transaction
 *   (its relay delivers them); the memory store hands them to the `Notifier` right after the
 *   change. A refused or failed operation stores and delivers none.
 * - Any operation of a store that can fail (a database) fails with `QuoteStoreUnavailable`
 *   after writing nothing; the memory store never does.
 *
 * The contract suite in `@paykit/fx/testing` (`QuoteStoreContract.suite`) checks these rules.
 *
 * @example
 * ```ts
 * import { QuoteStore } from "@paykit/fx"
 * import { Effect } from "effect"
 * const program = Effect.gen(function* () {
 *   const store = yield* QuoteStore.QuoteStore
 *   return yield* store.consume("01J00000000000000000000000", Date.now())
 * }).pipe(Effect.provide(QuoteStore.layerMemory))
 * ```
 * @category services
 * @since 0.1.0
 */
export class QuoteStore extends Context.Service<
  QuoteStore,
  {
    readonly save: (
      quote: Quote,
      events?: ReadonlyArray<DomainEvent.DomainEvent>
    ) => Effect.Effect<void, DuplicateQuote | QuoteStoreUnavailable>
    readonly get: (id: string) => Effect.Effect<Stored, QuoteNotFound | QuoteStoreUnavailable>
    readonly consume: (
      id: string,
      now: number,
      events?: (quote: Quote) => ReadonlyArray<DomainEvent.DomainEvent>
    ) => Effect.Effect<Quote, QuoteNotFound | QuoteExpired | QuoteAlreadyUsed | QuoteStoreUnavailable>
  }
>()("@paykit/fx/QuoteStore") {}

/**
 * Builds an in-memory quote store. Each operation runs synchronously in one step, so `consume`
 * is atomic; the events of a change go to the `Notifier` in context right after it
 * (`Notifier.afterCommit`).
 *
 * @example
 * ```ts
 * import { QuoteStore } from "@paykit/fx"
 * import { Effect } from "effect"
 * import { Notifier } from "@paykit/core"
 * const store = Effect.runSync(QuoteStore.makeMemory.pipe(Effect.provide(Notifier.layerNoop)))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const makeMemory: Effect.Effect<QuoteStore["Service"], never, Notifier.Notifier> = Effect.gen(
  function* () {
    const notifier = yield* Notifier.Notifier
    const quotes = new Map<string, Stored>()
    const deliver = (events: ReadonlyArray<DomainEvent.DomainEvent> | undefined) =>
      events === undefined ? Effect.void : Notifier.afterCommit(notifier, events, "fx")
    return QuoteStore.of({
      save: (quote, events) =>
        Effect.suspend(() => {
          if (quotes.has(quote.id)) return Effect.fail(new DuplicateQuote({ id: quote.id }))
          quotes.set(quote.id, { quote, usedAt: null })
          return deliver(events)
        }),
      get: (id) =>
        Effect.suspend(() => {
          const s = quotes.get(id)
          return s === undefined ? Effect.fail(new QuoteNotFound({ id })) : Effect.succeed(s)
        }),
      consume: (id, now, events) =>
        Effect.suspend((): Effect.Effect<Quote, QuoteNotFound | QuoteExpired | QuoteAlreadyUsed> => {
          const s = quotes.get(id)
          if (s === undefined) return Effect.fail(new QuoteNotFound({ id }))
          if (s.usedAt !== null) return Effect.fail(new QuoteAlreadyUsed({ id, usedAt: s.usedAt }))
          if (now >= s.quote.expiresAt) {
            return Effect.fail(new QuoteExpired({ id, expiresAt: s.quote.expiresAt, now }))
          }
          quotes.set(id, { quote: s.quote, usedAt: now })
          return Effect.as(deliver(events?.(s.quote)), s.quote)
        })
    })
  }
)

/**
 * An in-memory quote store (a fresh one per layer build).
 *
 * @example
 * ```ts
 * import { QuoteStore } from "@paykit/fx"
 * import { QuoteStoreContract } from "@paykit/fx/testing"
 * QuoteStoreContract.suite("memory", QuoteStore.layerMemory)
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<QuoteStore, never, Notifier.Notifier> = Layer.effect(
  QuoteStore,
  makeMemory
)
