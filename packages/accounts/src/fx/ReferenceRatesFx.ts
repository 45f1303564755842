import { Money } from "@paykit/core"
import { RateProvider } from "@paykit/fx"
import { Effect, Layer, Result } from "effect"
import { RateUnavailable } from "../errors.ts"
import { ReferenceRates } from "../ReferenceRates.ts"

/**
 * `ReferenceRates` over `@paykit/fx`'s `ReferenceRateProvider` (the European Central Bank's
 * reference rates with `Ecb.referenceLayerFromString` / `Ecb.layerFromFile`, or any adapter of the
 * port): the volume is converted at the provider's reference rate for the pair, rounded toward
 * positive infinity (a threshold is never reached later than the exact figure says). A pair the
 * provider has no rate for is `RateUnavailable`, and the volume is not recorded.
 *
 * @example
 * ```ts
 * import { Accounts } from "@paykit/accounts"
 * import { ReferenceRatesFx } from "@paykit/accounts/fx"
 * import { RateProvider } from "@paykit/fx"
 * import { Layer } from "effect"
 * const rates = ReferenceRatesFx.layer.pipe(
 *   Layer.provide(RateProvider.layerReferenceMemory([{ base: "CHF", quote: "EUR", rate: "1.05", asOf: 0 }]))
 * )
 * const live = Accounts.layer() // provide `rates` beside the other ports
 * ```
 * @category layers
 * @since 0.5.0
 */
export const layer: Layer.Layer<ReferenceRates, never, RateProvider.ReferenceRateProvider> = Layer.effect(
  ReferenceRates,
  Effect.map(RateProvider.ReferenceRateProvider, (provider) =>
    ReferenceRates.of({
      convert: (amount, to) => {
        const from = amount.currency.code
        if (from === to.code) return Effect.succeed(amount)
        return provider.rate(from, to.code).pipe(
          Effect.mapError(
            (e) => new RateUnavailable({ from, to: to.code, reason: `${provider.name}: ${e.message}` })
          ),
          Effect.flatMap((r) =>
            Result.match(Money.convert(amount, r.rate, to, "ceiling"), {
              onFailure: (e) => Effect.fail(new RateUnavailable({ from, to: to.code, reason: e.message })),
              onSuccess: Effect.succeed
            })
          )
        )
      }
    })
  )
)
