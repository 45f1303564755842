// The Money module without its schemas: what `Money` (../Money.ts), `@paykit/core/money` and the
// `Money` of `@paykit/core/schema` share. The schemas (`MoneySchema`, `MinorUnits`, `jsonSchema`,
// `Json`) are added in ../schema/Money.ts only, so that a program that only does money arithmetic
// does not bundle effect's Schema module (about 70 KB minified at the least: esbuild keeps every
// member of a namespace such as `Money`). Nothing here, nor in the modules below, may import
// effect/Schema.
//
// This file only gathers the public surface; the code lives in sibling modules:
//   - moneyValue.ts    the `Money` class, its constructors and its decimal text
//   - moneyMath.ts     arithmetic and comparison (add, compare, sum, multiply, convert…)
//   - moneyAllocate.ts allocation by ratios and splitting into equal parts
//   - moneyText.ts     parsing decimal strings and localised formatting
//   - moneyChecks.ts   `MAX_AMOUNT` and the range, currency and input checks the others share
//                      (only `MAX_AMOUNT` is public)
import type {
  AmountOutOfRange,
  CurrencyMismatch,
  InvalidAllocation,
  InvalidAmount,
  InvalidInput,
  InvalidRate,
  PrecisionLoss,
  UnknownCurrency
} from "../errors.ts"

export { MAX_AMOUNT } from "./moneyChecks.ts"
export * from "./moneyValue.ts"
export * from "./moneyMath.ts"
export * from "./moneyAllocate.ts"
export * from "./moneyText.ts"

/**
 * Errors `Money` functions return, re-exported for convenience.
 *
 * @category errors
 * @since 0.1.0
 */
export type {
  CurrencyMismatch,
  AmountOutOfRange,
  InvalidAmount,
  PrecisionLoss,
  InvalidAllocation,
  InvalidRate,
  InvalidInput,
  UnknownCurrency
}
