// `Money` as text: parsing a decimal string in major units and localised display. Nothing here
// may import effect/Schema (see ./money.ts).
import * as Result from "effect/Result"
import { InvalidAmount, InvalidInput, PrecisionLoss, type AmountOutOfRange } from "../errors.ts"
import type { RoundingMode } from "../Rounding.ts"
import type * as Currency from "../Currency.ts"
import { currencyProblem, inRange, outOfRange } from "./moneyChecks.ts"
import { Money, toDecimalString } from "./moneyValue.ts"
import { describeValue, divide, invalidMode, isRoundingMode, pow10 } from "./rounding.ts"
import { unreadable } from "./unreadable.ts"

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
