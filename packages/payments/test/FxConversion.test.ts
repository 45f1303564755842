import { Currency, Money } from "@paykit/core"
import { Cause, Effect, Exit } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { FxConversion } from "../src/index.ts"

const convert = (layer: ReturnType<typeof FxConversion.layerFixedRates>, minor: bigint) =>
  Effect.runPromise(
    Effect.exit(
      Effect.flatMap(FxConversion.FxConversion, (fx) =>
        fx.convert({
          paymentId: "pay_1",
          captureId: "pay_1:capture:1",
          amount: Money.fromMinorUnsafe(minor, Currency.EUR),
          to: Currency.USD
        })
      ).pipe(Effect.provide(layer))
    )
  )

describe("FxConversion.layerFixedRates", () => {
  it("converts exactly with the named rounding mode and names the quote", async () => {
    const exit = await convert(FxConversion.layerFixedRates({ "EUR/USD": "1.0845" }), 1_000n)
    // 10.00 EUR × 1.0845 = 10.845 USD: half-even → 10.84
    expect(Exit.isSuccess(exit) && exit.value.settled.amount).toBe(1_084n)
    const up = await convert(FxConversion.layerFixedRates({ "EUR/USD": "1.0845" }, "half-up"), 1_000n)
    expect(Exit.isSuccess(up) && up.value.settled.amount).toBe(1_085n)
    expect(Exit.isSuccess(up) && up.value.quoteId).toBe("fixed:EUR/USD:1.0845")
    const none = await convert(FxConversion.layerFixedRates({ "GBP/USD": "1.27" }), 1_000n)
    expect(Exit.isFailure(none) && JSON.stringify(none.cause)).toContain("ConversionUnavailable")
  })

  it("a malformed pair, rate or rounding mode fails the layer with InvalidInput naming it, never a defect", async () => {
    const hostile = [
      ...fc.sample(fc.jsonValue({ maxDepth: 2 }), { numRuns: 60, seed: 7 }),
      null,
      undefined,
      -1n,
      "0",
      "-1.2",
      "1e400",
      "x".repeat(10_000)
    ]
    for (const value of hostile) {
      for (const [rates, mode] of [
        [{ "EUR/USD": value }, "half-even"],
        [{ [String(value).slice(0, 50)]: "1.08" }, "half-even"],
        [{ "EUR/USD": "1.08" }, value]
      ] as const) {
        const exit = await convert(FxConversion.layerFixedRates(rates as never, mode as never), 1_000n)
        if (Exit.isSuccess(exit)) continue // a value that happens to be valid
        expect(JSON.stringify(exit.cause, (_k, v) => (typeof v === "bigint" ? `${v}` : v))).toMatch(
          /InvalidInput|ConversionUnavailable/
        )
        expect(Cause.hasDies(exit.cause)).toBe(false)
      }
    }
    // the next valid layer still works
    const ok = await convert(FxConversion.layerFixedRates({ "EUR/USD": "1.1" }), 1_000n)
    expect(Exit.isSuccess(ok) && ok.value.settled.amount).toBe(1_100n)
  })
})
