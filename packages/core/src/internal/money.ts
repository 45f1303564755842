// The Money module without its schemas: what `Money` (../Money.ts), `@paykit/core/money` and the
// `Money` of `@paykit/core/schema` share. The schemas (`MoneySchema`, `MinorUnits`, `jsonSchema`,
// `Json`) are added in ../schema/Money.ts only, so that a program that only does money arithmetic
// does not bundle effect's Schema module (about 70 KB minified at the least: esbuild keeps every
// member of a namespace such as `Money`). Nothing here may import effect/Schema.
import * as Result from "effect/Result"
import type { Decimal } from "../Decimal.ts"
import {
  AmountOutOfRange,
  CurrencyMismatch,
  InvalidAllocation,
  InvalidAmount,
  InvalidInput,
  InvalidRate,
  PrecisionLoss,
  type UnknownCurrency
} from "../errors.ts"
import type { RoundingMode } from "../Rounding.ts"
import { describeValue, divide, invalidMode, isRoundingMode, pow10 } from "./rounding.ts"
import { unreadable } from "./unreadable.ts"
import type * as Currency from "../Currency.ts"

/**
 * The largest magnitude paykit represents: 2^127 − 1 minor units (a signed 128-bit integer,
 * TigerBeetle's range, and within PostgreSQL `numeric(39,0)`). Results beyond it are
 * `AmountOutOfRange`, never wrapped or truncated.
 *
 * @category models
 * @since 0.1.0
 */
export const MAX_AMOUNT: bigint = 2n ** 127n - 1n

/**
 * An exact amount of money: an integer number of minor units (cents, yen, fils) and its
 * currency. Immutable: every operation returns a new value. JSON form: `{ "amount": "1234", "currency": "USD" }`.
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * const price = Money.fromMinorUnsafe(1999n, Currency.USD) // 19.99 USD
 * ```
 * @category models
 * @since 0.1.0
 */
export class Money {
  readonly amount: bigint
  readonly currency: Currency.Currency
  /** @internal use {@link fromMinor} */
  constructor(amount: bigint, currency: Currency.Currency) {
    this.amount = amount
    this.currency = currency
  }
  toString(): string {
    return `${toDecimalString(this)} ${this.currency.code}`
  }
  toJSON(): { readonly amount: string; readonly currency: string } {
    return { amount: this.amount.toString(), currency: this.currency.code }
  }
}

const inRange = (n: bigint): boolean => n <= MAX_AMOUNT && n >= -MAX_AMOUNT

const outOfRange = (operation: string, amount: bigint) =>
  new AmountOutOfRange({ operation, amount: amount.toString() })

const mismatch = (operation: string, a: Money, b: Money) =>
  new CurrencyMismatch({ operation, left: a.currency.code, right: b.currency.code })

const sameCurrency = (a: Money, b: Money): boolean =>
  a.currency === b.currency || a.currency.code === b.currency.code

// `InvalidInput` when `u` is not a Currency object (a code string is the usual mistake).
const currencyProblem = (operation: string, path: string, u: unknown): InvalidInput | undefined => {
  if (
    typeof u === "object" &&
    u !== null &&
    typeof (u as Currency.Currency).code === "string" &&
    Number.isSafeInteger((u as Currency.Currency).exponent) &&
    (u as Currency.Currency).exponent >= 0
  ) {
    return undefined
  }
  const hint =
    typeof u === "string" ? `; look a code up with Currency.fromCode(${JSON.stringify(u.slice(0, 12))})` : ""
  return new InvalidInput({
    operation,
    path,
    reason: `expected a Currency, such as Currency.USD; got ${describeValue(u)}${hint}`
  })
}

/**
 * Money from an integer number of minor units. Rejects anything but a `bigint` in range
 * (a float, NaN or Infinity passed from untyped code gives `InvalidAmount`).
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * Money.fromMinor(1234n, Currency.USD) // Success(12.34 USD)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const fromMinor = (
  amount: bigint,
  currency: Currency.Currency
): Result.Result<Money, InvalidAmount | AmountOutOfRange> => {
  if (typeof amount !== "bigint") {
    return Result.fail(
      new InvalidAmount({
        input: String(amount),
        reason: "minor units must be a bigint (e.g. 1234n), never a number"
      })
    )
  }
  if (!inRange(amount)) return Result.fail(outOfRange("fromMinor", amount))
  return Result.succeed(new Money(amount, currency))
}

/**
 * Like {@link fromMinor} but throws its error. For constants and tests.
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromMinorUnsafe = (amount: bigint, currency: Currency.Currency): Money =>
  Result.getOrThrow(fromMinor(amount, currency))

/**
 * Zero in `currency`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const zero = (currency: Currency.Currency): Money => new Money(0n, currency)

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

const allocateUnits = (total: bigint, weights: ReadonlyArray<bigint>, weightSum: bigint): Array<bigint> => {
  const negative = total < 0n
  const t = negative ? -total : total
  const n = weights.length
  const parts = new Array<bigint>(n)
  const remainders = new Array<bigint>(n)
  let assigned = 0n
  for (let i = 0; i < n; i++) {
    const exact = t * weights[i]!
    const base = exact / weightSum
    parts[i] = base
    remainders[i] = exact - base * weightSum
    assigned += base
  }
  let leftover = t - assigned
  if (leftover > 0n) {
    // The leftover (< n units) goes one unit each to the largest remainders; ties go to the
    // lower index. Few parts: repeated selection (no allocation); many parts: one sort.
    if (n <= 32) {
      let taken = 0
      while (leftover > 0n) {
        let best = -1
        let bestRemainder = -1n
        for (let i = 0; i < n; i++) {
          if ((taken & (1 << i)) !== 0) continue
          const r = remainders[i]!
          if (r > bestRemainder) {
            best = i
            bestRemainder = r
          }
        }
        taken |= 1 << best
        parts[best] = parts[best]! + 1n
        leftover -= 1n
      }
    } else {
      const order = Array.from({ length: n }, (_, i) => i)
      order.sort((x, y) => {
        const rx = remainders[x]!
        const ry = remainders[y]!
        return rx === ry ? x - y : rx > ry ? -1 : 1
      })
      for (let k = 0; leftover > 0n; k++) {
        const i = order[k]!
        parts[i] = parts[i]! + 1n
        leftover -= 1n
      }
    }
  }
  if (negative) for (let i = 0; i < n; i++) parts[i] = -parts[i]!
  return parts
}

/**
 * Splits `a` by `ratios` with the largest-remainder method: each part first gets the floor of
 * its exact share (of |a|), then the leftover minor units go one each to the parts with the
 * largest remainders, ties broken by position (earlier first). Guarantees: the parts sum to
 * `a` exactly; each part is within one minor unit of its exact share; a zero ratio gets zero;
 * a larger ratio never gets less than a smaller one. Negative amounts are split as |a| and
 * negated. Ratios are non-negative integers or decimals, not all zero.
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * Money.allocate(Money.fromMinorUnsafe(100n, Currency.USD), [1n, 1n, 1n]) // Success([0.34, 0.33, 0.33] USD)
 * ```
 * @category math
 * @since 0.1.0
 */
export const allocate = (
  a: Money,
  ratios: ReadonlyArray<bigint | Decimal>
): Result.Result<Array<Money>, InvalidAllocation> => {
  if (!Array.isArray(ratios) || ratios.length === 0) {
    return Result.fail(new InvalidAllocation({ reason: "at least one ratio is required" }))
  }
  let scale = 0
  for (const r of ratios) {
    if (typeof r === "bigint") continue
    if (typeof r !== "object" || r === null || typeof (r as Decimal).coefficient !== "bigint") {
      return Result.fail(new InvalidAllocation({ reason: `ratio ${String(r)} is not a bigint or Decimal` }))
    }
    if ((r as Decimal).scale > scale) scale = (r as Decimal).scale
  }
  const weights = new Array<bigint>(ratios.length)
  let weightSum = 0n
  for (let i = 0; i < ratios.length; i++) {
    const r = ratios[i]!
    const w =
      typeof r === "bigint" ? (scale === 0 ? r : r * pow10(scale)) : r.coefficient * pow10(scale - r.scale)
    if (w < 0n) return Result.fail(new InvalidAllocation({ reason: `ratio at position ${i} is negative` }))
    weights[i] = w
    weightSum += w
  }
  if (weightSum === 0n) return Result.fail(new InvalidAllocation({ reason: "ratios sum to zero" }))
  const parts = allocateUnits(a.amount, weights, weightSum)
  const out = new Array<Money>(parts.length)
  for (let i = 0; i < parts.length; i++) out[i] = new Money(parts[i]!, a.currency)
  return Result.succeed(out)
}

/**
 * Like {@link allocate} but throws `InvalidAllocation`.
 *
 * @category math
 * @since 0.2.0
 */
export const allocateUnsafe = (a: Money, ratios: ReadonlyArray<bigint | Decimal>): Array<Money> =>
  Result.getOrThrow(allocate(a, ratios))

/**
 * Splits `a` into `n` parts that differ by at most one minor unit, the larger parts first.
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * Money.split(Money.fromMinorUnsafe(1000n, Currency.USD), 3) // Success([3.34, 3.33, 3.33] USD)
 * ```
 * @category math
 * @since 0.1.0
 */
export const split = (a: Money, n: number): Result.Result<Array<Money>, InvalidAllocation> => {
  if (!Number.isSafeInteger(n) || n < 1 || n > 1_000_000) {
    return Result.fail(
      new InvalidAllocation({ reason: `part count ${String(n)} must be an integer from 1 to 1,000,000` })
    )
  }
  const negative = a.amount < 0n
  const t = negative ? -a.amount : a.amount
  const count = BigInt(n)
  const base = t / count
  const extra = Number(t % count)
  const out = new Array<Money>(n)
  for (let i = 0; i < n; i++) {
    const p = i < extra ? base + 1n : base
    out[i] = new Money(negative ? -p : p, a.currency)
  }
  return Result.succeed(out)
}

/**
 * Like {@link split} but throws `InvalidAllocation`.
 *
 * @category math
 * @since 0.2.0
 */
export const splitUnsafe = (a: Money, n: number): Array<Money> => Result.getOrThrow(split(a, n))

const AMOUNT_PATTERN = /^(-)?(\d+)(?:\.(\d+))?$/
const MAX_INPUT_LENGTH = 64

/**
 * Parses a decimal string in major units for `currency`: `"12.34"` USD is 1234 minor units.
 * Trailing zeros past the currency's decimals lose nothing and are accepted (`"12.340"` USD is
 * 12.34); any other extra decimal is `PrecisionLoss` unless `options.rounding` names a mode.
 * `options.rounding` present but not one of the seven, or a `currency` that is not a `Currency`
 * (a code string such as `"USD"`), is `InvalidInput` naming `options.rounding` or `currency`.
 * Exponents, hex, whitespace, a trailing dot, `""`, `"NaN"` and `"Infinity"` are `InvalidAmount`.
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * Money.parse("12.34", Currency.USD) // Success(12.34 USD)
 * Money.parse("12.345", Currency.USD) // Failure(PrecisionLoss)
 * Money.parse("12.345", Currency.USD, { rounding: "half-even" }) // Success(12.34 USD)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const parse = (
  input: string,
  currency: Currency.Currency,
  options?: { readonly rounding?: RoundingMode }
): Result.Result<Money, InvalidAmount | PrecisionLoss | AmountOutOfRange | InvalidInput> => {
  const badCurrency = currencyProblem("parse", "currency", currency)
  if (badCurrency !== undefined) return Result.fail(badCurrency)
  let rounding: RoundingMode | undefined
  if (options !== undefined) {
    if (typeof options !== "object" || options === null) {
      return Result.fail(
        new InvalidInput({
          operation: "parse",
          path: "options",
          reason: `expected { rounding } or nothing; got ${describeValue(options)}`
        })
      )
    }
    // a `rounding` key that is present must name a mode, even as undefined: no silent default
    let present: boolean
    let mode: unknown
    try {
      present = "rounding" in options
      mode = present ? options.rounding : undefined
    } catch (thrown) {
      return Result.fail(unreadable("parse", thrown, "options.rounding"))
    }
    if (present) {
      if (!isRoundingMode(mode)) return Result.fail(invalidMode("parse", "options.rounding", mode))
      rounding = mode
    }
  }
  if (typeof input !== "string") {
    return Result.fail(
      new InvalidAmount({ input: String(input), reason: 'expected a decimal string such as "12.34"' })
    )
  }
  if (input.length > MAX_INPUT_LENGTH) {
    return Result.fail(
      new InvalidAmount({
        input: input.slice(0, 20) + "…",
        reason: `longer than ${MAX_INPUT_LENGTH} characters`
      })
    )
  }
  const m = AMOUNT_PATTERN.exec(input)
  if (m === null) {
    return Result.fail(
      new InvalidAmount({
        input,
        reason:
          "expected digits with an optional leading '-' and '.' fraction (no exponent, hex, spaces or trailing dot)"
      })
    )
  }
  const exponent = currency.exponent
  let fraction = m[3] ?? ""
  // zeros past the currency's decimals carry no value: "12.340" USD is exactly 12.34
  if (fraction.length > exponent && /^0+$/.test(fraction.slice(exponent)))
    fraction = fraction.slice(0, exponent)
  let units: bigint
  if (fraction.length <= exponent) {
    units = BigInt(m[2]! + fraction.padEnd(exponent, "0"))
    if (m[1] !== undefined) units = -units
  } else {
    if (rounding === undefined) {
      return Result.fail(new PrecisionLoss({ input, currency: currency.code, exponent }))
    }
    let exact = BigInt(m[2]! + fraction)
    if (m[1] !== undefined) exact = -exact
    units = divide(exact, pow10(fraction.length - exponent), rounding)
  }
  if (!inRange(units)) return Result.fail(outOfRange("parse", units))
  return Result.succeed(new Money(units === 0n ? 0n : units, currency))
}

/**
 * Like {@link parse} but throws its typed error (the thrown `Error`'s message is the error's).
 * For literals in code and tests.
 *
 * @category constructors
 * @since 0.1.0
 */
export const parseUnsafe = (
  input: string,
  currency: Currency.Currency,
  options?: { readonly rounding?: RoundingMode }
): Money => Result.getOrThrow(parse(input, currency, options))

/**
 * The amount in major units as a plain decimal string with exactly the currency's decimals
 * (`"12.30"` for 1230 USD cents, `"1500"` for 1500 JPY). `parse(toDecimalString(m))` gives `m` back.
 *
 * @category constructors
 * @since 0.1.0
 */
export const toDecimalString = (a: Money): string => {
  const exponent = a.currency.exponent
  const negative = a.amount < 0n
  const digits = (negative ? -a.amount : a.amount).toString()
  if (exponent === 0) return negative ? `-${digits}` : digits
  const padded = digits.padStart(exponent + 1, "0")
  const text = `${padded.slice(0, padded.length - exponent)}.${padded.slice(padded.length - exponent)}`
  return negative ? `-${text}` : text
}

const formatters = new Map<string, Intl.NumberFormat>()
const ISO_SHAPE = /^[A-Z]{3}$/

/**
 * Localised display through `Intl.NumberFormat`, exact for any amount (the decimal string is
 * formatted, never a float). Custom units that are not 3-letter codes show the code after the number.
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * Money.format(Money.fromMinorUnsafe(123456n, Currency.USD), "en-US") // "$1,234.56"
 * Money.format(Money.fromMinorUnsafe(123456n, Currency.EUR), "de-DE") // "1.234,56 €"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const format = (
  a: Money,
  locale = "en-US",
  options: { readonly display?: "symbol" | "narrowSymbol" | "code" | "name" } = {}
): string => {
  const display = options.display ?? "symbol"
  const code = a.currency.code
  const iso = ISO_SHAPE.test(code) && a.currency.custom !== true
  const key = `${locale}|${code}|${a.currency.exponent}|${display}|${iso}`
  let f = formatters.get(key)
  if (f === undefined) {
    f = iso
      ? new Intl.NumberFormat(locale, {
          style: "currency",
          currency: code,
          currencyDisplay: display,
          minimumFractionDigits: a.currency.exponent,
          maximumFractionDigits: a.currency.exponent
        })
      : new Intl.NumberFormat(locale, {
          minimumFractionDigits: a.currency.exponent,
          maximumFractionDigits: a.currency.exponent
        })
    formatters.set(key, f)
  }
  const text = f.format(toDecimalString(a) as Intl.StringNumericLiteral)
  return iso ? text : `${text} ${code}`
}

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
