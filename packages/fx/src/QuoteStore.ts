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
 * - `save`: stores a new quote (its `expiresAt` is the end of the lock); an id already stored is
 *   `DuplicateQuote` and changes nothing.
 * - `get`: the stored quote and its use, or `QuoteNotFound`.
 * - `consume(id, now)`: atomically checks and marks the quote used at `now`, returning it exactly
 *   as saved. In this order: unknown id → `QuoteNotFound`; already used → `QuoteAlreadyUsed`;
 *   `now ≥ expiresAt` → `QuoteExpired` (and the quote stays unused). Of concurrent consumes of
 *   one quote, exactly one succeeds.
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
    readonly save: (quote: Quote) => Effect.Effect<void, DuplicateQuote | QuoteStoreUnavailable>
    readonly get: (id: string) => Effect.Effect<Stored, QuoteNotFound | QuoteStoreUnavailable>
    readonly consume: (
      id: string,
      now: number
    ) => Effect.Effect<Quote, QuoteNotFound | QuoteExpired | QuoteAlreadyUsed | QuoteStoreUnavailable>
  }
>()("@paykit/fx/QuoteStore") {}

/**
 * Builds an in-memory quote store. Each operation runs synchronously in one step, so `consume`
 * is atomic.
 *
 * @example
 * ```ts
 * import { QuoteStore } from "@paykit/fx"
 * import { Effect } from "effect"
 * const store = Effect.runSync(QuoteStore.makeMemory)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const makeMemory: Effect.Effect<QuoteStore["Service"]> = Effect.sync(() => {
  const quotes = new Map<string, Stored>()
  return QuoteStore.of({
    save: (quote) =>
      Effect.suspend(() => {
        if (quotes.has(quote.id)) return Effect.fail(new DuplicateQuote({ id: quote.id }))
        quotes.set(quote.id, { quote, usedAt: null })
        return Effect.void
      }),
    get: (id) =>
      Effect.suspend(() => {
        const s = quotes.get(id)
        return s === undefined ? Effect.fail(new QuoteNotFound({ id })) : Effect.succeed(s)
      }),
    consume: (id, now) =>
      Effect.suspend((): Effect.Effect<Quote, QuoteNotFound | QuoteExpired | QuoteAlreadyUsed> => {
        const s = quotes.get(id)
        if (s === undefined) return Effect.fail(new QuoteNotFound({ id }))
        if (s.usedAt !== null) return Effect.fail(new QuoteAlreadyUsed({ id, usedAt: s.usedAt }))
        if (now >= s.quote.expiresAt) {
          return Effect.fail(new QuoteExpired({ id, expiresAt: s.quote.expiresAt, now }))
        }
        quotes.set(id, { quote: s.quote, usedAt: now })
        return Effect.succeed(s.quote)
      })
  })
})

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
export const layerMemory: Layer.Layer<QuoteStore> = Layer.effect(QuoteStore, makeMemory)
