import { Context, Effect, Layer, Result } from "effect"
import type { InvalidRateEntry, RateNotFound } from "./errors.ts"
import * as Rate from "./Rate.ts"

/**
 * What a rate provider offers: its name and `rate(base, quote)`, the rate `1 base = x quote`
 * with its source and as-of time.
 *
 * @example
 * ```ts
 * import { RateProvider } from "@paykit/fx"
 * import { Layer } from "effect"
 * declare const custom: RateProvider.Shape
 * const layer = Layer.succeed(RateProvider.RateProvider, RateProvider.RateProvider.of(custom))
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Shape {
  readonly name: string
  readonly rate: (base: string, quote: string) => Effect.Effect<Rate.Rate, RateNotFound>
}

/**
 * The port for the rates quotes are priced on (the mid-market rate the spread applies to).
 * Adapters: {@link layerMemory}, `Ecb.layerFromString` / `Ecb.layerFromFile`.
 *
 * @example
 * ```ts
 * import { RateProvider } from "@paykit/fx"
 * import { Effect } from "effect"
 * const program = Effect.gen(function* () {
 *   const rates = yield* RateProvider.RateProvider
 *   return yield* rates.rate("USD", "EUR")
 * }).pipe(Effect.provide(RateProvider.layerMemory([{ base: "USD", quote: "EUR", rate: "0.92", asOf: 0 }])))
 * ```
 * @category services
 * @since 0.1.0
 */
export class RateProvider extends Context.Service<RateProvider, Shape>()("@paykit/fx/RateProvider") {}

/**
 * The port for the reference rate the mark-up is disclosed against (for CBPR2, the European
 * Central Bank's euro foreign exchange reference rates). Same shape as {@link RateProvider}.
 *
 * @example
 * ```ts
 * import { Ecb, RateProvider } from "@paykit/fx"
 * declare const xml: string
 * const reference = Ecb.referenceLayerFromString(xml)
 * const sameAsPricing = RateProvider.layerReferenceFromRateProvider
 * ```
 * @category services
 * @since 0.1.0
 */
export class ReferenceRateProvider extends Context.Service<ReferenceRateProvider, Shape>()(
  "@paykit/fx/ReferenceRateProvider"
) {}

/**
 * Replaces the rates of a memory provider (to simulate the market moving in tests and demos).
 *
 * @example
 * ```ts
 * import { RateProvider } from "@paykit/fx"
 * import { Effect } from "effect"
 * const move = Effect.flatMap(RateProvider.MemoryRates, (m) => m.set([{ base: "USD", quote: "EUR", rate: "0.85", asOf: 0 }]))
 * ```
 * @category services
 * @since 0.1.0
 */
export class MemoryRates extends Context.Service<
  MemoryRates,
  { readonly set: (entries: ReadonlyArray<Rate.Entry>) => Effect.Effect<void, InvalidRateEntry> }
>()("@paykit/fx/MemoryRates") {}

/**
 * A provider reading a fixed {@link Rate.Table} with the lookup rules of {@link Rate.lookup}
 * (direct, inverse, through the pivot).
 *
 * @example
 * ```ts
 * import { Rate, RateProvider } from "@paykit/fx"
 * const provider = RateProvider.fromTable(Rate.makeTableUnsafe([{ base: "EUR", quote: "USD", rate: "1.08", asOf: 0 }]))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const fromTable = (table: Rate.Table, name: string = table.source): Shape => ({
  name,
  rate: (base, quote) => Effect.fromResult(Rate.lookup(table, base, quote))
})

/**
 * A memory rate provider holding `entries`; also provides {@link MemoryRates} to replace them.
 * Fails with `InvalidRateEntry` on a zero, negative or malformed rate or an unknown currency.
 *
 * @example
 * ```ts
 * import { RateProvider } from "@paykit/fx"
 * const rates = RateProvider.layerMemory([
 *   { base: "EUR", quote: "USD", rate: "1.0870", asOf: Date.UTC(2026, 10, 20) },
 *   { base: "EUR", quote: "JPY", rate: "163.52", asOf: Date.UTC(2026, 10, 20) }
 * ])
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerMemory = (
  entries: ReadonlyArray<Rate.Entry>,
  options: { readonly pivot?: string; readonly source?: string } = {}
): Layer.Layer<RateProvider | MemoryRates, InvalidRateEntry> =>
  Layer.effectContext(
    Effect.gen(function* () {
      let table = yield* Effect.fromResult(Rate.makeTable(entries, options))
      const provider = RateProvider.of({
        name: options.source ?? "memory",
        rate: (base, quote) => Effect.suspend(() => Effect.fromResult(Rate.lookup(table, base, quote)))
      })
      const memory = MemoryRates.of({
        set: (next) =>
          Effect.suspend(() => {
            const r = Rate.makeTable(next, options)
            if (Result.isFailure(r)) return Effect.fail(r.failure)
            table = r.success
            return Effect.void
          })
      })
      return Context.make(RateProvider, provider).pipe(Context.add(MemoryRates, memory))
    })
  )

/**
 * A memory reference-rate provider holding `entries`.
 *
 * @example
 * ```ts
 * import { RateProvider } from "@paykit/fx"
 * const reference = RateProvider.layerReferenceMemory([{ base: "EUR", quote: "USD", rate: "1.0875", asOf: 0 }], { source: "ECB" })
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerReferenceMemory = (
  entries: ReadonlyArray<Rate.Entry>,
  options: { readonly pivot?: string; readonly source?: string } = {}
): Layer.Layer<ReferenceRateProvider, InvalidRateEntry> =>
  Layer.effect(
    ReferenceRateProvider,
    Effect.map(Effect.fromResult(Rate.makeTable(entries, options)), (table) =>
      ReferenceRateProvider.of(fromTable(table, options.source ?? "memory"))
    )
  )

/**
 * Uses the pricing {@link RateProvider} as the reference too (when your mid-market source is the
 * ECB itself, or when no separate reference is needed). The rate mark-up then equals the spread.
 *
 * @example
 * ```ts
 * import { RateProvider } from "@paykit/fx"
 * import { Layer } from "effect"
 * const rates = RateProvider.layerMemory([{ base: "USD", quote: "EUR", rate: "0.92", asOf: 0 }])
 * const both = RateProvider.layerReferenceFromRateProvider.pipe(Layer.provideMerge(rates))
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerReferenceFromRateProvider: Layer.Layer<ReferenceRateProvider, never, RateProvider> =
  Layer.effect(
    ReferenceRateProvider,
    Effect.map(RateProvider, (p) => ReferenceRateProvider.of(p))
  )
