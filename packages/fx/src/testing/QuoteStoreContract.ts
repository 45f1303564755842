import { Currency, Decimal, Money } from "@paykit/core"
import { Effect, type Layer, Result, Schema } from "effect"
import { describe, expect, it } from "vitest"
import * as Quote from "../Quote.ts"
import { QuoteStore } from "../QuoteStore.ts"
import * as Schedule from "../Schedule.ts"

/**
 * Options of the contract suite: `timeout` per test in ms, `fibers` concurrent consumers in the
 * at-most-once test (default 25).
 *
 * @example
 * ```ts
 * import { QuoteStore } from "@paykit/fx"
 * import { QuoteStoreContract } from "@paykit/fx/testing"
 * QuoteStoreContract.suite("memory", QuoteStore.layerMemory, { fibers: 50, timeout: 10_000 })
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly timeout?: number
  readonly fibers?: number
}

const schedule = Schedule.makeUnsafe({
  corridors: [
    {
      source: "USD",
      target: "EUR",
      spreadBps: 35,
      fixedFee: "299",
      tiers: [
        { min: "0", max: "100000", percentFee: "0.75" },
        { min: "100000", percentFee: "0.4", spreadBps: 25 }
      ],
      percentFeeMin: "100",
      percentFeeMax: "5000",
      feeMode: "on-top",
      charges: "SHA",
      intermediaryFee: "1500"
    }
  ]
})

/**
 * A realistic USD→EUR quote (SHA, fees on top, two tiers) for `amountMinor` US cents, created at
 * `createdAt` and locked for `lockMillis`. For feeding store contract tests.
 *
 * @example
 * ```ts
 * import { QuoteStoreContract } from "@paykit/fx/testing"
 * const quote = QuoteStoreContract.sampleQuote("01J00000000000000000000001", 0, 60_000)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const sampleQuote = (
  id: string,
  createdAt: number,
  lockMillis: number,
  amountMinor: bigint = 123_456n
): Quote.Quote => {
  const corridor = Result.getOrThrow(Schedule.match(schedule, "USD", "EUR"))
  const mid = { base: "USD", quote: "EUR", rate: Decimal.unsafe("0.9213"), source: "memory", asOf: createdAt }
  const reference = {
    base: "USD",
    quote: "EUR",
    rate: Decimal.unsafe("0.9209"),
    source: "ECB",
    asOf: createdAt
  }
  return Result.getOrThrow(
    Quote.fromSendAmount(
      { corridor, mid, reference, id, now: createdAt, lockMillis },
      Money.fromMinorUnsafe(amountMinor, Currency.USD)
    )
  )
}

const encode = Schema.encodeSync(Quote.Quote)

/**
 * The `QuoteStore` contract: every adapter runs this suite with a layer that provides a fresh,
 * empty store per test. It pins: a saved quote reads back exactly (same JSON encoding: amounts,
 * rates, fee lines); a duplicate id is `DuplicateQuote`; unknown ids are `QuoteNotFound`;
 * `consume` returns the quote as saved and marks it used; a second consume is
 * `QuoteAlreadyUsed`; consuming at or after `expiresAt` is `QuoteExpired` and leaves it unused;
 * of many concurrent consumes exactly one succeeds.
 *
 * @example
 * ```ts
 * import { QuoteStore } from "@paykit/fx"
 * import { QuoteStoreContract } from "@paykit/fx/testing"
 * QuoteStoreContract.suite("memory", QuoteStore.layerMemory)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const suite = (name: string, layer: Layer.Layer<QuoteStore, unknown>, options: Options = {}): void => {
  const run = <A, E>(effect: Effect.Effect<A, E, QuoteStore>): Promise<A> =>
    Effect.runPromise(Effect.provide(effect, layer) as Effect.Effect<A, E>)
  const timeout = options.timeout ?? 30_000
  const fibers = options.fibers ?? 25
  const flip = <A, E>(e: Effect.Effect<A, E, QuoteStore>) => Effect.flip(e)

  describe(`QuoteStore contract: ${name}`, () => {
    it("a saved quote reads back exactly, unused", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* QuoteStore
          const q = sampleQuote("01J00000000000000000000001", 1_000, 60_000)
          yield* store.save(q)
          const stored = yield* store.get(q.id)
          expect(stored.usedAt).toBeNull()
          expect(encode(stored.quote)).toEqual(encode(q))
          expect(stored.quote.received.amount).toBe(q.received.amount)
          expect(Decimal.equals(stored.quote.customerRate, q.customerRate)).toBe(true)
        })
      )
    )

    it("saving the same id twice is DuplicateQuote and keeps the first", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* QuoteStore
          const a = sampleQuote("01J00000000000000000000002", 1_000, 60_000, 10_000n)
          const b = sampleQuote("01J00000000000000000000002", 1_000, 60_000, 20_000n)
          yield* store.save(a)
          const e = yield* flip(store.save(b))
          expect(e._tag).toBe("DuplicateQuote")
          expect((yield* store.get(a.id)).quote.principal.amount).toBe(10_000n)
        })
      )
    )

    it("unknown ids are QuoteNotFound for get and consume", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* QuoteStore
          expect((yield* flip(store.get("01J0000000000000000000NONE")))._tag).toBe("QuoteNotFound")
          expect((yield* flip(store.consume("01J0000000000000000000NONE", 0)))._tag).toBe("QuoteNotFound")
        })
      )
    )

    it("consume returns the quote as saved once; a second use is QuoteAlreadyUsed", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* QuoteStore
          const q = sampleQuote("01J00000000000000000000003", 1_000, 60_000)
          yield* store.save(q)
          const used = yield* store.consume(q.id, 30_000)
          expect(encode(used)).toEqual(encode(q))
          expect((yield* store.get(q.id)).usedAt).toBe(30_000)
          const again = yield* flip(store.consume(q.id, 30_001))
          expect(again._tag).toBe("QuoteAlreadyUsed")
          expect(again._tag === "QuoteAlreadyUsed" && again.usedAt).toBe(30_000)
        })
      )
    )

    it("consume at or after expiresAt is QuoteExpired and leaves the quote unused", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* QuoteStore
          const q = sampleQuote("01J00000000000000000000004", 1_000, 60_000)
          yield* store.save(q)
          const atExpiry = yield* flip(store.consume(q.id, 61_000))
          expect(atExpiry._tag).toBe("QuoteExpired")
          const later = yield* flip(store.consume(q.id, 99_000))
          expect(later._tag).toBe("QuoteExpired")
          expect((yield* store.get(q.id)).usedAt).toBeNull()
          const lastMoment = sampleQuote("01J00000000000000000000005", 1_000, 60_000)
          yield* store.save(lastMoment)
          expect((yield* store.consume(lastMoment.id, 60_999)).id).toBe(lastMoment.id)
        })
      )
    )

    it("of many concurrent consumes of one quote exactly one succeeds", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* QuoteStore
          const q = sampleQuote("01J00000000000000000000006", 1_000, 60_000)
          yield* store.save(q)
          const results = yield* Effect.all(
            Array.from({ length: fibers }, () => Effect.result(store.consume(q.id, 2_000))),
            { concurrency: "unbounded" }
          )
          const ok = results.filter(Result.isSuccess)
          expect(ok.length).toBe(1)
          const failures = results.filter(Result.isFailure).map((r) => r.failure._tag)
          expect(new Set(failures)).toEqual(new Set(["QuoteAlreadyUsed"]))
        })
      )
    )

    it("quotes are independent: using one leaves the others unused", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* QuoteStore
          const ids = [
            "01J00000000000000000000007",
            "01J00000000000000000000008",
            "01J00000000000000000000009"
          ]
          for (const id of ids) yield* store.save(sampleQuote(id, 1_000, 60_000))
          yield* store.consume(ids[1]!, 2_000)
          expect((yield* store.get(ids[0]!)).usedAt).toBeNull()
          expect((yield* store.get(ids[1]!)).usedAt).toBe(2_000)
          expect((yield* store.get(ids[2]!)).usedAt).toBeNull()
        })
      )
    )
  })
}
