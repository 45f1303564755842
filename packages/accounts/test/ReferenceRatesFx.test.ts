import { Currency, Money } from "@paykit/core"
import { RateProvider } from "@paykit/fx"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { Accounts, ReferenceRates } from "../src/index.ts"
import { ReferenceRatesFx } from "../src/fx/index.ts"
import { Fixtures } from "../src/testing/index.ts"

/**
 * `@paykit/accounts/fx`: the `ReferenceRates` port over `@paykit/fx`'s reference rates (issue 16,
 * "volume thresholds apply whatever the account's currency: convert through the FX port").
 */

const T0 = Date.UTC(2026, 0, 1)
const reference = RateProvider.layerReferenceMemory(
  [
    { base: "EUR", quote: "CHF", rate: "0.9400", asOf: T0 },
    { base: "EUR", quote: "JPY", rate: "162.50", asOf: T0 }
  ],
  { source: "ECB" }
)
const rates = ReferenceRatesFx.layer.pipe(Layer.provide(reference))

type Env = Layer.Success<ReturnType<typeof Fixtures.layer>>

const swiss = Fixtures.business({
  country: "CH",
  currency: "CHF",
  bankAccount: { country: "CH", currency: "CHF", accountNumber: "CH9300762011623852957" }
})

describe("ReferenceRatesFx: ReferenceRates over @paykit/fx's reference rates", () => {
  it("converts at the provider's reference rate (the inverse of EUR/CHF here), rounding up to the cent", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const r = yield* ReferenceRates.ReferenceRates
        const eur = yield* r.convert(Money.fromMinorUnsafe(470_000n, Currency.isoUnsafe("CHF")), Currency.EUR)
        // 4,700.00 CHF / 0.94 = 5,000.00 EUR (the provider derives CHF/EUR to 10 places)
        expect(eur.currency.code).toBe("EUR")
        expect(eur.amount).toBeGreaterThanOrEqual(500_000n)
        expect(eur.amount).toBeLessThanOrEqual(500_001n)
        const same = yield* r.convert(Money.fromMinorUnsafe(5n, Currency.EUR), Currency.EUR)
        expect(same.amount).toBe(5n)
        const missing = yield* Effect.flip(
          r.convert(Money.fromMinorUnsafe(5n, Currency.isoUnsafe("SEK")), Currency.EUR)
        )
        expect(missing._tag).toBe("RateUnavailable")
        expect(missing.reason).toContain("ECB")
      }).pipe(Effect.provide(rates))
    ))

  it("a CHF business crosses the EUR thresholds through it; a currency without a rate is RateUnavailable and records nothing", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        const s = yield* Accounts.Accounts
        const a = yield* s.register(swiss)
        const under = yield* s.recordVolume(a.id, { amount: "460000", currency: "CHF" })
        expect(under.thresholdsCrossed).toEqual({})
        const over = yield* s.recordVolume(a.id, { amount: "20000", currency: "CHF" })
        expect(Object.keys(over.thresholdsCrossed)).toEqual(["business.card_payments.volume_500000"])
        const sek = yield* s.register(
          Fixtures.business({ email: "sek@acme.example", registrationNumber: "HRB 999", currency: "SEK" })
        )
        const e = yield* Effect.flip(s.recordVolume(sek.id, { amount: "100", currency: "SEK" }))
        expect(e._tag).toBe("RateUnavailable")
        expect((yield* s.get(sek.id)).volume.amount).toBe(0n)
      }).pipe(Effect.provide(Fixtures.layer().pipe(Layer.provide(rates)) as Layer.Layer<Env>))
    ))
})
