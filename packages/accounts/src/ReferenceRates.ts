import { type Currency, Decimal, Money } from "@paykit/core"
import { Context, Effect, Layer, Result } from "effect"
import { RateUnavailable } from "./errors.ts"

/**
 * The reference-rate port: converts an account's processed volume into the currency a
 * requirements policy states a volume threshold in, so a threshold applies whatever the account's
 * currency (a CHF, JPY or SEK account crosses the EUR threshold when its volume is worth it).
 * Implement it over `@paykit/fx` (its `ReferenceRateProvider` and `Money.convert`) or the host's
 * own rates; an answer it cannot give is `RateUnavailable`, and the volume is then not recorded
 * (retry once rates are back).
 *
 * Optional: without it, `register` refuses a currency for which the policy states a threshold in
 * other currencies only (`InvalidInput` naming `currency`), so no account silently escapes a
 * threshold.
 *
 * @example
 * ```ts
 * import { ReferenceRates } from "@paykit/accounts"
 * import { Currency, Money } from "@paykit/core"
 * import { Effect } from "effect"
 * const inEur = Effect.flatMap(ReferenceRates.ReferenceRates, (r) =>
 *   r.convert(Money.fromMinorUnsafe(1_000_000n, Currency.isoUnsafe("CHF")), Currency.EUR)
 * ).pipe(Effect.provide(ReferenceRates.layerFixed({ "CHF/EUR": "1.0650" })))
 * ```
 * @category services
 * @since 0.5.0
 */
export class ReferenceRates extends Context.Service<
  ReferenceRates,
  {
    readonly convert: (
      amount: Money.Money,
      to: Currency.Currency
    ) => Effect.Effect<Money.Money, RateUnavailable>
  }
>()("@paykit/accounts/ReferenceRates") {}

/**
 * Converts at a fixed rate table (`"BASE/QUOTE": "decimal"`, units of QUOTE per unit of BASE; the
 * inverse pair is derived when only one direction is given), rounding toward positive infinity so
 * that a threshold is never reached later than the exact figure says. For tests, demos and hosts
 * with contractual rates; a rate that is not a positive decimal fails when the layer is built.
 *
 * @example
 * ```ts
 * import { ReferenceRates } from "@paykit/accounts"
 * const rates = ReferenceRates.layerFixed({ "CHF/EUR": "1.0650", "JPY/EUR": "0.0061" })
 * ```
 * @category layers
 * @since 0.5.0
 */
export const layerFixed = (
  table: Readonly<Record<string, string>>
): Layer.Layer<ReferenceRates, RateUnavailable> =>
  Layer.effect(
    ReferenceRates,
    Effect.gen(function* () {
      const rates = new Map<string, Decimal.Decimal>()
      for (const [pair, text] of Object.entries(table)) {
        const [base, quote] = pair.split("/")
        const rate = Decimal.make(text)
        if (
          base === undefined ||
          quote === undefined ||
          Result.isFailure(rate) ||
          !Decimal.isPositive(rate.success)
        )
          return yield* Effect.fail(
            new RateUnavailable({
              from: pair,
              to: pair,
              reason: `"${text}" is not a positive rate for ${pair}`
            })
          )
        rates.set(`${base}/${quote}`, rate.success)
      }
      const rateOf = (from: string, to: string): Decimal.Decimal | undefined => {
        if (from === to) return Decimal.ONE
        const direct = rates.get(`${from}/${to}`)
        if (direct !== undefined) return direct
        const inverse = rates.get(`${to}/${from}`)
        return inverse === undefined ? undefined : Decimal.divideUnsafe(Decimal.ONE, inverse, 12, "ceiling")
      }
      return ReferenceRates.of({
        convert: (amount, to) => {
          const from = amount.currency.code
          const rate = rateOf(from, to.code)
          if (rate === undefined)
            return Effect.fail(new RateUnavailable({ from, to: to.code, reason: "no rate in the table" }))
          return Result.match(Money.convert(amount, rate, to, "ceiling"), {
            onFailure: (e) => Effect.fail(new RateUnavailable({ from, to: to.code, reason: e.message })),
            onSuccess: Effect.succeed
          })
        }
      })
    })
  )
