import { Schema } from "effect"

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
export class CurrencyMismatch extends Schema.TaggedError<CurrencyMismatch>()("CurrencyMismatch", {
  operation: Schema.String,
  left: Schema.String,
  right: Schema.String
}) {
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
export class UnknownCurrency extends Schema.TaggedError<UnknownCurrency>()("UnknownCurrency", {
  code: Schema.String
}) {
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
export class InvalidAmount extends Schema.TaggedError<InvalidAmount>()("InvalidAmount", {
  input: Schema.String,
  reason: Schema.String
}) {
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
export class PrecisionLoss extends Schema.TaggedError<PrecisionLoss>()("PrecisionLoss", {
  input: Schema.String,
  currency: Schema.String,
  exponent: Schema.Number
}) {
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
export class AmountOutOfRange extends Schema.TaggedError<AmountOutOfRange>()("AmountOutOfRange", {
  operation: Schema.String,
  amount: Schema.String
}) {
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
export class InvalidRate extends Schema.TaggedError<InvalidRate>()("InvalidRate", {
  input: Schema.String,
  reason: Schema.String
}) {
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
export class InvalidAllocation extends Schema.TaggedError<InvalidAllocation>()("InvalidAllocation", {
  reason: Schema.String
}) {
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
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  operation: Schema.String,
  path: Schema.String,
  reason: Schema.String
}) {
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
