/**
 * @paykit/core/schema: `Money`, `Currency` and `Rounding` with their effect/Schema codecs
 * (`Money.Json`, `Money.jsonSchema`, `Money.MinorUnits`, `Money.MoneySchema`, `Currency.Code`,
 * `Currency.codeSchema`, `Currency.CurrencySchema`, `Currency.fromCodeSchema`,
 * `Rounding.RoundingModeSchema`). Each namespace holds every function of its namesake in
 * `@paykit/core` as well (the same `Money` class, the same errors), so a module that decodes
 * money imports `Money` from here and nothing else. The main entry point leaves the codecs out
 * so that money arithmetic bundles small: a bundler keeps every member of a namespace it keeps.
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core/schema"
 * import { Schema } from "effect"
 * const price = Money.fromMinorUnsafe(1999n, Currency.USD)
 * Schema.encodeSync(Money.Json)(price) // { amount: "1999", currency: "USD" }
 * ```
 * @since 0.2.0
 */
export * as Currency from "./Currency.ts"
export * as Money from "./Money.ts"
export * as Rounding from "./Rounding.ts"
