import { Fx } from "@paykit/fx"
import { Effect, Layer } from "effect"
import * as FxConversion from "../FxConversion.ts"

/**
 * The payments' `FxConversion` over `@paykit/fx`: each capture of a cross-border payment asks
 * for a `send` quote of the captured amount on the corridor (payment currency → settlement
 * currency) and executes it at once, so the quote is locked and consumed exactly once; the
 * capture records the quote's id, its customer rate (mid less the corridor's spread) and its
 * converted amount (`convertedTarget`, rounded down by `@paykit/fx`). Configure the corridors
 * the merchants settle on without fees (the capture's fees are the fee policy's). Any quote or
 * execution failure (no corridor, a stale rate, the quote store down) is `ConversionUnavailable`
 * with its reason: the capture fails before the provider is asked, and nothing changes.
 *
 * @example
 * ```ts
 * import { Payments } from "@paykit/payments"
 * import { FxAdapter } from "@paykit/payments/fx"
 * import { Layer } from "effect"
 * declare const FxLive: Layer.Layer<import("@paykit/fx").Fx.Fx>
 * const crossBorder = Payments.layer({ books: { _tag: "acquiring", bank: "acq_1" } }).pipe(
 *   Layer.provide(FxAdapter.layer.pipe(Layer.provide(FxLive)))
 * )
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<FxConversion.FxConversion, never, Fx.Fx> = Layer.effect(
  FxConversion.FxConversion,
  Effect.map(Fx.Fx, (fx) =>
    FxConversion.FxConversion.of({
      convert: ({ amount, to }) =>
        Effect.gen(function* () {
          const quote = yield* fx.quote({
            direction: "send",
            source: amount.currency.code,
            target: to.code,
            amount: amount.amount.toString()
          })
          const executed = yield* fx.execute(quote.id)
          return {
            quoteId: executed.id,
            rate: executed.customerRate.toString(),
            settled: executed.convertedTarget
          }
        }).pipe(
          Effect.mapError(
            (e) =>
              new FxConversion.ConversionUnavailable({
                from: amount.currency.code,
                to: to.code,
                reason: e.message
              })
          )
        )
    })
  )
)
