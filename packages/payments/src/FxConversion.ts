import { type Currency, Decimal, InvalidInput, Money, Rounding } from "@paykit/core"
import { Context, Effect, Layer, Result, Schema } from "effect"

/**
 * A capture converted into the merchant's settlement currency: the FX quote it consumed, the
 * rate (an exact decimal string: units of the settlement currency per unit of the payment's) and
 * the amount the merchant is credited before fees.
 *
 * @example
 * ```ts
 * import type { FxConversion } from "@paykit/payments"
 * const rateOf = (c: FxConversion.Converted) => c.rate // "1.0842"
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Converted {
  readonly quoteId: string
  readonly rate: string
  readonly settled: Money.Money
}

/**
 * The conversion could not be made (no rate, a quote that expired or was used, the FX service
 * down). The capture fails with this error before the provider is asked, and nothing changes.
 *
 * @example
 * ```ts
 * import { FxConversion } from "@paykit/payments"
 * new FxConversion.ConversionUnavailable({ from: "EUR", to: "USD", reason: "no rate" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class ConversionUnavailable extends Schema.TaggedError<ConversionUnavailable>()(
  "ConversionUnavailable",
  { from: Schema.String, to: Schema.String, reason: Schema.String }
) {
  override get message(): string {
    return `no ${this.from} to ${this.to} conversion: ${this.reason}; nothing was changed, retry the capture`
  }
}

/**
 * The FX port a cross-border payment settles through: asked once per capture of a payment whose
 * `settlementCurrency` differs from its currency, it locks and consumes a quote for the captured
 * amount and answers the conversion, which the capture records. `@paykit/payments/fx` adapts
 * `@paykit/fx`'s quotes to it; {@link layerFixedRates} serves fixed rates (tests, a treasury's
 * daily rate sheet).
 *
 * @example
 * ```ts
 * import { FxConversion } from "@paykit/payments"
 * const layer = FxConversion.layerFixedRates({ "EUR/USD": "1.0842" })
 * ```
 * @category services
 * @since 0.1.0
 */
export class FxConversion extends Context.Service<
  FxConversion,
  {
    readonly convert: (request: {
      readonly paymentId: string
      readonly captureId: string
      readonly amount: Money.Money
      readonly to: Currency.Currency
    }) => Effect.Effect<Converted, ConversionUnavailable>
  }
>()("@paykit/payments/FxConversion") {}

/**
 * Fixed rates per pair (`"EUR/USD": "1.0842"`: 1 EUR = 1.0842 USD), each an exact positive
 * decimal, converted with the named rounding mode (half-even by default); the quote id names the
 * pair and the rate. A pair not listed is `ConversionUnavailable`. A malformed rate or pair fails
 * the layer with `InvalidInput` naming it.
 *
 * @example
 * ```ts
 * import { FxConversion } from "@paykit/payments"
 * const layer = FxConversion.layerFixedRates({ "EUR/USD": "1.0842", "GBP/USD": "1.27" }, "down")
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerFixedRates = (
  rates: Readonly<Record<string, string>>,
  mode: Rounding.RoundingMode = "half-even"
): Layer.Layer<FxConversion, InvalidInput> =>
  Layer.effect(
    FxConversion,
    Effect.gen(function* () {
      if (!Rounding.isRoundingMode(mode))
        return yield* Effect.fail(
          new InvalidInput({
            operation: "FxConversion.layerFixedRates",
            path: "mode",
            reason: "expected a rounding mode of Rounding.RoundingMode"
          })
        )
      const table = new Map<string, Decimal.Decimal>()
      for (const [pair, rate] of Object.entries(rates)) {
        const problem = (reason: string) =>
          new InvalidInput({ operation: "FxConversion.layerFixedRates", path: pair, reason })
        if (!/^[A-Z]{3}\/[A-Z]{3}$/.test(pair))
          return yield* Effect.fail(problem("expected a pair like EUR/USD"))
        const d = Decimal.make(rate)
        if (Result.isFailure(d) || !Decimal.isPositive(d.success))
          return yield* Effect.fail(problem("expected a positive decimal rate"))
        table.set(pair, d.success)
      }
      return FxConversion.of({
        convert: ({ amount, to }) => {
          const from = amount.currency.code
          const rate = table.get(`${from}/${to.code}`)
          if (rate === undefined)
            return Effect.fail(
              new ConversionUnavailable({ from, to: to.code, reason: "no rate for this pair" })
            )
          return Result.match(Money.convert(amount, rate, to, mode), {
            onFailure: (e) =>
              Effect.fail(new ConversionUnavailable({ from, to: to.code, reason: e.message })),
            onSuccess: (settled) =>
              Effect.succeed({
                quoteId: `fixed:${from}/${to.code}:${rate.toString()}`,
                rate: rate.toString(),
                settled
              })
          })
        }
      })
    })
  )
