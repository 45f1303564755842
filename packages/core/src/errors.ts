import type { YieldableError } from "effect/Cause"
import * as Data from "effect/Data"

// The money errors are plain tagged errors (`effect/Data`), not Schema classes: `Money` and
// `Currency` create them, and a Schema class would put effect's Schema module (about 300 KB
// minified) in the bundle of every program that only adds two amounts. `_tag` is set first so
// an error's JSON reads `{ "_tag": ..., ...fields }`, as it did when these were Schema classes.
const TaggedError = <const Tag extends string>(
  tag: Tag
): (new <A extends Record<string, unknown>>(
  args: A
) => YieldableError & { readonly _tag: Tag } & Readonly<A>) => {
  const Base = Data.TaggedError(tag)
  return class extends Base<Record<string, unknown>> {
    constructor(args: Record<string, unknown>) {
      super({ _tag: tag, ...args })
    }
  } as never
}

/**
 * Two amounts in different currencies met in one operation (add, compare, allocate a total
 * against parts...). paykit never converts silently: convert explicitly with `Money.convert`.
 *
 * @example
 * ```ts
 * import { Money, Currency } from "@paykit/core"
 * const r = Money.add(Money.ofMinor(100n, Currency.USD), Money.ofMinor(100n, Currency.EUR))
 * // r is a Failure holding CurrencyMismatch { left: "USD", right: "EUR" }
 * ```
 * @category errors
 * @since 0.1.0
 */
export class CurrencyMismatch extends TaggedError("CurrencyMismatch")<{
  readonly operation: string
  readonly left: string
  readonly right: string
}> {
  override get message(): string {
    return `${this.operation}: cannot combine ${this.left} with ${this.right}; convert one side first with Money.convert`
  }
}

/**
 * A currency code that is neither in the ISO 4217 table nor among the custom units given.
 *
 * @category errors
 * @since 0.1.0
 */
export class UnknownCurrency extends TaggedError("UnknownCurrency")<{
  readonly code: string
}> {
  override get message(): string {
    return `unknown currency "${this.code}": use an ISO 4217 code (e.g. "USD") or register a custom unit with Currency.registry`
  }
}

/**
 * A string or value that is not a valid amount (not a plain decimal, a float, NaN, Infinity...).
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidAmount extends TaggedError("InvalidAmount")<{
  readonly input: string
  readonly reason: string
}> {
  override get message(): string {
    return `invalid amount ${JSON.stringify(this.input)}: ${this.reason}`
  }
}

/**
 * A decimal amount has more fractional digits than its currency allows and no rounding mode
 * was given (e.g. "12.345" USD).
 *
 * @category errors
 * @since 0.1.0
 */
export class PrecisionLoss extends TaggedError("PrecisionLoss")<{
  readonly input: string
  readonly currency: string
  readonly exponent: number
}> {
  override get message(): string {
    return `"${this.input}" has more than ${this.exponent} decimal places, the precision of ${this.currency}; pass a rounding mode to round it`
  }
}

/**
 * An amount (given or computed) lies outside the supported range, |amount| ≤ 2^127 − 1 minor units.
 *
 * @category errors
 * @since 0.1.0
 */
export class AmountOutOfRange extends TaggedError("AmountOutOfRange")<{
  readonly operation: string
  readonly amount: string
}> {
  override get message(): string {
    return `${this.operation}: ${this.amount} minor units is outside the supported range ±(2^127 − 1)`
  }
}

/**
 * A decimal rate, percentage or ratio that cannot be used: malformed, negative where it must not
 * be, or ratios that sum to zero.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidRate extends TaggedError("InvalidRate")<{
  readonly input: string
  readonly reason: string
}> {
  override get message(): string {
    return `invalid rate ${JSON.stringify(this.input)}: ${this.reason}`
  }
}

/**
 * Allocation ratios or a part count that cannot split an amount (empty, negative, all zero,
 * not an integer count).
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidAllocation extends TaggedError("InvalidAllocation")<{
  readonly reason: string
}> {
  override get message(): string {
    return `cannot allocate: ${this.reason}`
  }
}

/**
 * Public input that failed its schema. `path` names the field, `reason` says why.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidInput extends TaggedError("InvalidInput")<{
  readonly operation: string
  readonly path: string
  readonly reason: string
}> {
  override get message(): string {
    return `${this.operation}: invalid input${this.path === "" ? "" : ` at ${this.path}`}: ${this.reason}`
  }
}

/**
 * Every error `@paykit/core`'s money functions can return.
 *
 * @category errors
 * @since 0.1.0
 */
export type MoneyError =
  | CurrencyMismatch
  | UnknownCurrency
  | InvalidAmount
  | PrecisionLoss
  | AmountOutOfRange
  | InvalidRate
  | InvalidAllocation
