// Arithmetic and comparison on `Money`: add, subtract, compare, sum, and multiply, percentage
// and convert with a named rounding mode. Nothing here may import effect/Schema (see ./money.ts).
import * as Result from "effect/Result"
import type { Decimal } from "../Decimal.ts"
import { CurrencyMismatch, InvalidRate, type AmountOutOfRange, type InvalidInput } from "../errors.ts"
import type { RoundingMode } from "../Rounding.ts"
import type * as Currency from "../Currency.ts"
import { currencyProblem, inRange, mismatch, outOfRange, sameCurrency } from "./moneyChecks.ts"
import { Money } from "./moneyValue.ts"
import { divide, invalidMode, isRoundingMode, pow10 } from "./rounding.ts"

/**
 * `a + b`. Fails on different currencies or when the sum leaves the supported range.
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * Money.add(Money.fromMinorUnsafe(100n, Currency.USD), Money.fromMinorUnsafe(250n, Currency.USD)) // Success(3.50 USD)
 * ```
 * @category math
 * @since 0.1.0
 */
export const add = (a: Money, b: Money): Result.Result<Money, CurrencyMismatch | AmountOutOfRange> => {
  if (!sameCurrency(a, b)) return Result.fail(mismatch("add", a, b))
  const s = a.amount + b.amount
  return inRange(s) ? Result.succeed(new Money(s, a.currency)) : Result.fail(outOfRange("add", s))
}

/**
 * `a + b`, throwing `CurrencyMismatch` or `AmountOutOfRange`. The hot-path form.
 *
 * @category math
 * @since 0.1.0
 */
export const addUnsafe = (a: Money, b: Money): Money => {
  if (!sameCurrency(a, b)) throw mismatch("add", a, b)
  const s = a.amount + b.amount
  if (!inRange(s)) throw outOfRange("add", s)
  return new Money(s, a.currency)
}

/**
 * `a − b`. Fails on different currencies or out of range.
 *
 * @category math
 * @since 0.1.0
 */
export const subtract = (a: Money, b: Money): Result.Result<Money, CurrencyMismatch | AmountOutOfRange> => {
  if (!sameCurrency(a, b)) return Result.fail(mismatch("subtract", a, b))
  const s = a.amount - b.amount
  return inRange(s) ? Result.succeed(new Money(s, a.currency)) : Result.fail(outOfRange("subtract", s))
}

/**
 * `a − b`, throwing on different currencies or out of range.
 *
 * @category math
 * @since 0.1.0
 */
export const subtractUnsafe = (a: Money, b: Money): Money => {
  if (!sameCurrency(a, b)) throw mismatch("subtract", a, b)
  const s = a.amount - b.amount
  if (!inRange(s)) throw outOfRange("subtract", s)
  return new Money(s, a.currency)
}

/**
 * `−a`. Always in range (the range is symmetric).
 *
 * @category math
 * @since 0.1.0
 */
export const negate = (a: Money): Money => new Money(-a.amount, a.currency)

/**
 * `|a|`.
 *
 * @category math
 * @since 0.1.0
 */
export const abs = (a: Money): Money => (a.amount < 0n ? new Money(-a.amount, a.currency) : a)

/**
 * Orders two amounts of the same currency: −1, 0 or 1.
 *
 * @category math
 * @since 0.1.0
 */
export const compare = (a: Money, b: Money): Result.Result<-1 | 0 | 1, CurrencyMismatch> => {
  if (!sameCurrency(a, b)) return Result.fail(mismatch("compare", a, b))
  return Result.succeed(a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0)
}

/**
 * Like {@link compare} but throws `CurrencyMismatch`.
 *
 * @category math
 * @since 0.2.0
 */
export const compareUnsafe = (a: Money, b: Money): -1 | 0 | 1 => Result.getOrThrow(compare(a, b))

/**
 * True when both have the same currency and amount. Different currencies are simply not equal.
 *
 * @category guards
 * @since 0.1.0
 */
export const equals = (a: Money, b: Money): boolean => sameCurrency(a, b) && a.amount === b.amount

/**
 * The smaller of two amounts of one currency.
 *
 * @category math
 * @since 0.1.0
 */
export const min = (a: Money, b: Money): Result.Result<Money, CurrencyMismatch> =>
  sameCurrency(a, b) ? Result.succeed(a.amount <= b.amount ? a : b) : Result.fail(mismatch("min", a, b))

/**
 * The larger of two amounts of one currency.
 *
 * @category math
 * @since 0.1.0
 */
export const max = (a: Money, b: Money): Result.Result<Money, CurrencyMismatch> =>
  sameCurrency(a, b) ? Result.succeed(a.amount >= b.amount ? a : b) : Result.fail(mismatch("max", a, b))

/**
 * Like {@link min} but throws `CurrencyMismatch`.
 *
 * @category math
 * @since 0.2.0
 */
export const minUnsafe = (a: Money, b: Money): Money => Result.getOrThrow(min(a, b))

/**
 * Like {@link max} but throws `CurrencyMismatch`.
 *
 * @category math
 * @since 0.2.0
 */
export const maxUnsafe = (a: Money, b: Money): Money => Result.getOrThrow(max(a, b))

/**
 * The sum of many amounts, all in `currency` (zero for an empty list).
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * Money.sum(Currency.USD, [Money.fromMinorUnsafe(1n, Currency.USD), Money.fromMinorUnsafe(2n, Currency.USD)]) // Success(0.03 USD)
 * ```
 * @category math
 * @since 0.1.0
 */
export const sum = (
  currency: Currency.Currency,
  amounts: Iterable<Money>
): Result.Result<Money, CurrencyMismatch | AmountOutOfRange> => {
  let total = 0n
  const code = currency.code
  for (const m of amounts) {
    if (m.currency !== currency && m.currency.code !== code) {
      return Result.fail(new CurrencyMismatch({ operation: "sum", left: code, right: m.currency.code }))
    }
    total += m.amount
  }
  return inRange(total) ? Result.succeed(new Money(total, currency)) : Result.fail(outOfRange("sum", total))
}

/**
 * Like {@link sum} but throws `CurrencyMismatch` or `AmountOutOfRange`.
 *
 * @category math
 * @since 0.2.0
 */
export const sumUnsafe = (currency: Currency.Currency, amounts: Iterable<Money>): Money =>
  Result.getOrThrow(sum(currency, amounts))

/** @category guards @since 0.1.0 */
export const isZero = (a: Money): boolean => a.amount === 0n
/** @category guards @since 0.1.0 */
export const isPositive = (a: Money): boolean => a.amount > 0n
/** @category guards @since 0.1.0 */
export const isNegative = (a: Money): boolean => a.amount < 0n
/** −1, 0 or 1. @category guards @since 0.1.0 */
export const sign = (a: Money): -1 | 0 | 1 => (a.amount < 0n ? -1 : a.amount > 0n ? 1 : 0)

/**
 * `a × factor`, rounded to the currency's minor unit with `mode`. A `mode` that is not one of
 * the seven (from untyped code) is `InvalidInput` naming `mode`: there is no default.
 *
 * @example
 * ```ts
 * import { Currency, Decimal, Money } from "@paykit/core"
 * Money.multiply(Money.fromMinorUnsafe(1001n, Currency.USD), Decimal.unsafe("0.5"), "half-even") // Success(5.00 USD)
 * ```
 * @category math
 * @since 0.1.0
 */
export const multiply = (
  a: Money,
  factor: Decimal,
  mode: RoundingMode
): Result.Result<Money, AmountOutOfRange | InvalidInput> => {
  if (!isRoundingMode(mode)) return Result.fail(invalidMode("multiply", "mode", mode))
  const r = divide(a.amount * factor.coefficient, pow10(factor.scale), mode)
  return inRange(r) ? Result.succeed(new Money(r, a.currency)) : Result.fail(outOfRange("multiply", r))
}

/**
 * Like {@link multiply} but throws its typed error (`AmountOutOfRange`, `InvalidInput`).
 *
 * @category math
 * @since 0.2.0
 */
export const multiplyUnsafe = (a: Money, factor: Decimal, mode: RoundingMode): Money =>
  Result.getOrThrow(multiply(a, factor, mode))

/**
 * `percent` % of `a` (`percent` 2.9 means 2.9 %), rounded with `mode` (one of the seven, or
 * `InvalidInput` naming `mode`).
 *
 * @example
 * ```ts
 * import { Currency, Decimal, Money } from "@paykit/core"
 * Money.percentage(Money.fromMinorUnsafe(10000n, Currency.USD), Decimal.unsafe("2.9"), "half-up") // Success(2.90 USD)
 * ```
 * @category math
 * @since 0.1.0
 */
export const percentage = (
  a: Money,
  percent: Decimal,
  mode: RoundingMode
): Result.Result<Money, AmountOutOfRange | InvalidInput> => {
  if (!isRoundingMode(mode)) return Result.fail(invalidMode("percentage", "mode", mode))
  const r = divide(a.amount * percent.coefficient, pow10(percent.scale + 2), mode)
  return inRange(r) ? Result.succeed(new Money(r, a.currency)) : Result.fail(outOfRange("percentage", r))
}

/**
 * Like {@link percentage} but throws its typed error (`AmountOutOfRange`, `InvalidInput`).
 *
 * @category math
 * @since 0.2.0
 */
export const percentageUnsafe = (a: Money, percent: Decimal, mode: RoundingMode): Money =>
  Result.getOrThrow(percentage(a, percent, mode))

/**
 * Converts `a` into `to` at `rate` (units of `to` per unit of `a`'s currency), minding both
 * exponents, rounded with `mode`. The rate must be positive (`InvalidRate`); `to` must be a
 * `Currency` and `mode` one of the seven (`InvalidInput` naming `to` or `mode`).
 *
 * @example
 * ```ts
 * import { Currency, Decimal, Money } from "@paykit/core"
 * Money.convert(Money.fromMinorUnsafe(100000n, Currency.USD), Decimal.unsafe("0.92"), Currency.EUR, "down") // Success(920.00 EUR)
 * Money.convert(Money.fromMinorUnsafe(1000n, Currency.USD), Decimal.unsafe("151.237"), Currency.JPY, "half-even") // Success(1512 JPY)
 * ```
 * @category math
 * @since 0.1.0
 */
export const convert = (
  a: Money,
  rate: Decimal,
  to: Currency.Currency,
  mode: RoundingMode
): Result.Result<Money, InvalidRate | AmountOutOfRange | InvalidInput> => {
  if (!isRoundingMode(mode)) return Result.fail(invalidMode("convert", "mode", mode))
  const badCurrency = currencyProblem("convert", "to", to)
  if (badCurrency !== undefined) return Result.fail(badCurrency)
  if (rate.coefficient <= 0n) {
    return Result.fail(
      new InvalidRate({ input: rate.toString(), reason: "a conversion rate must be greater than zero" })
    )
  }
  const shift = to.exponent - a.currency.exponent
  const numerator = a.amount * rate.coefficient * (shift > 0 ? pow10(shift) : 1n)
  const denominator = pow10(rate.scale + (shift < 0 ? -shift : 0))
  const r = divide(numerator, denominator, mode)
  return inRange(r) ? Result.succeed(new Money(r, to)) : Result.fail(outOfRange("convert", r))
}

/**
 * Like {@link convert} but throws its typed error (`InvalidRate`, `AmountOutOfRange`, `InvalidInput`).
 *
 * @category math
 * @since 0.2.0
 */
export const convertUnsafe = (a: Money, rate: Decimal, to: Currency.Currency, mode: RoundingMode): Money =>
  Result.getOrThrow(convert(a, rate, to, mode))
