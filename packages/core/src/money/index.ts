/**
 * @paykit/core/money: `Money` and `Currency` without their schemas, for programs that only do
 * money arithmetic and care about bundle size (a browser checkout, an edge function). The same
 * functions, the same `Money` class and the same errors as the main entry point; what is left out
 * are the codecs (`Money.Json`, `Money.MinorUnits`, `Money.jsonSchema`, `Money.MoneySchema`,
 * `Currency.Code`, `Currency.codeSchema`, `Currency.CurrencySchema`, `Currency.fromCodeSchema`),
 * which bring effect's Schema module with them. esbuild keeps every member of a namespace it
 * bundles, so `import { Money } from "@paykit/core"` carries the codecs; this entry point does not.
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core/money"
 * Money.format(Money.fromMinorUnsafe(1999n, Currency.USD), "en-US") // "$19.99"
 * ```
 * @since 0.2.0
 */
export * as Currency from "../internal/currency.ts"
export * as Money from "../internal/money.ts"
export * from "../errors.ts"
export type { RoundingMode } from "../internal/rounding.ts"
