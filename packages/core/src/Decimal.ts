import Big from "big.js"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import { type InvalidInput, InvalidRate } from "./errors.ts"
import { divide as divideInt, invalidMode, isRoundingMode, pow10 } from "./internal/rounding.ts"
import type { RoundingMode } from "./Rounding.ts"

// A private big.js constructor so no application setting of Big.DP / Big.RM leaks in or out.
const B = Big()
B.DP = 40
B.RM = 0 // only used by big.js internals we never call for rounding; paykit rounds itself
B.NE = -1_000_000
B.PE = 1_000_000

const DECIMAL_PATTERN = /^-?\d+(\.\d+)?$/
const MAX_DECIMAL_LENGTH = 80

/**
 * An exact decimal number: an FX rate, a percentage, a ratio, a fee factor. Backed by big.js,
 * with its integer coefficient and scale cached for fast money arithmetic
 * (`value = coefficient / 10^scale`). Never a binary float.
 *
 * @category models
 * @since 0.1.0
 */
export class Decimal {
  /** @internal */
  readonly big: Big
  /** The value times 10^scale, an integer. */
  readonly coefficient: bigint
  /** Number of digits after the decimal point. */
  readonly scale: number
  /** @internal */
  constructor(big: Big) {
    this.big = big
    const s = big.toFixed()
    const dot = s.indexOf(".")
    this.scale = dot === -1 ? 0 : s.length - dot - 1
    this.coefficient = BigInt(dot === -1 ? s : s.slice(0, dot) + s.slice(dot + 1))
  }
  /** The plain decimal string, e.g. `"0.92"`; never exponent notation. */
  toString(): string {
    return this.big.toFixed()
  }
  toJSON(): string {
    return this.toString()
  }
}

/**
 * Parses a plain decimal string (`"0.92"`, `"-1.5"`, `"100"`). Exponent notation, hex,
 * whitespace, a trailing dot, `""`, `NaN` and `Infinity` are rejected.
 *
 * @example
 * ```ts
 * import { Decimal } from "@paykit/core"
 * Decimal.make("0.92") // Success(0.92)
 * Decimal.make("1e3") // Failure(InvalidRate)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (input: string): Result.Result<Decimal, InvalidRate> => {
  if (typeof input !== "string") {
    return Result.fail(
      new InvalidRate({ input: String(input), reason: 'expected a decimal string such as "0.92"' })
    )
  }
  if (input.length > MAX_DECIMAL_LENGTH) {
    return Result.fail(
      new InvalidRate({
        input: input.slice(0, 20) + "…",
        reason: `longer than ${MAX_DECIMAL_LENGTH} characters`
      })
    )
  }
  if (!DECIMAL_PATTERN.test(input)) {
    return Result.fail(
      new InvalidRate({
        input,
        reason:
          "expected a plain decimal: digits, optionally a sign and a fractional part (no exponent, spaces or trailing dot)"
      })
    )
  }
  return Result.succeed(new Decimal(new B(input)))
}

/**
 * Like {@link make} but throws `InvalidRate`. For literals in code.
 *
 * @category constructors
 * @since 0.1.0
 */
export const unsafe = (input: string): Decimal => Result.getOrThrow(make(input))

/**
 * A decimal from an integer coefficient and a scale: `fromParts(92n, 2)` is 0.92.
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromParts = (coefficient: bigint, scale: number): Decimal => {
  const digits = (coefficient < 0n ? -coefficient : coefficient).toString().padStart(scale + 1, "0")
  const text =
    scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`
  return new Decimal(new B(coefficient < 0n ? `-${text}` : text))
}

/**
 * A decimal from basis points: `fromBasisPoints(25n)` is 0.0025.
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromBasisPoints = (bps: bigint): Decimal => fromParts(bps, 4)

/** @category models @since 0.1.0 */
export const ZERO: Decimal = unsafe("0")
/** @category models @since 0.1.0 */
export const ONE: Decimal = unsafe("1")
/** @category models @since 0.1.0 */
export const HUNDRED: Decimal = unsafe("100")

/** Exact sum. @category math @since 0.1.0 */
export const add = (a: Decimal, b: Decimal): Decimal => new Decimal(a.big.plus(b.big))
/** Exact difference. @category math @since 0.1.0 */
export const subtract = (a: Decimal, b: Decimal): Decimal => new Decimal(a.big.minus(b.big))
/** Exact product. @category math @since 0.1.0 */
export const multiply = (a: Decimal, b: Decimal): Decimal => new Decimal(a.big.times(b.big))
/** Negation. @category math @since 0.1.0 */
export const negate = (a: Decimal): Decimal => new Decimal(a.big.neg())
/** -1, 0 or 1. @category math @since 0.1.0 */
export const compare = (a: Decimal, b: Decimal): -1 | 0 | 1 => a.big.cmp(b.big) as -1 | 0 | 1
/** Value equality (`"1.50"` equals `"1.5"`). @category guards @since 0.1.0 */
export const equals = (a: Decimal, b: Decimal): boolean => a.big.eq(b.big)
/** @category guards @since 0.1.0 */
export const isPositive = (a: Decimal): boolean => a.coefficient > 0n
/** @category guards @since 0.1.0 */
export const isNegative = (a: Decimal): boolean => a.coefficient < 0n
/** @category guards @since 0.1.0 */
export const isZero = (a: Decimal): boolean => a.coefficient === 0n

/**
 * `a / b` rounded to `places` decimal places with `mode`. Fails with `InvalidRate` when `b` is
 * zero and with `InvalidInput` (path `mode`) when `mode` is not one of the seven.
 *
 * @example
 * ```ts
 * import { Decimal } from "@paykit/core"
 * Decimal.divide(Decimal.ONE, Decimal.unsafe("3"), 6, "half-even") // Success(0.333333)
 * ```
 * @category math
 * @since 0.1.0
 */
export const divide = (
  a: Decimal,
  b: Decimal,
  places: number,
  mode: RoundingMode
): Result.Result<Decimal, InvalidRate | InvalidInput> => {
  if (!isRoundingMode(mode)) return Result.fail(invalidMode("Decimal.divide", "mode", mode))
  if (b.coefficient === 0n)
    return Result.fail(new InvalidRate({ input: b.toString(), reason: "division by zero" }))
  // a/b = (ca / 10^sa) / (cb / 10^sb) = ca * 10^sb / (cb * 10^sa); scaled by 10^places
  const numerator = a.coefficient * pow10(b.scale + places)
  const denominator = b.coefficient * pow10(a.scale)
  return Result.succeed(fromParts(divideInt(numerator, denominator, mode), places))
}

/**
 * Like {@link divide} but throws its error (`InvalidRate` or `InvalidInput`). For constants.
 *
 * @category math
 * @since 0.2.0
 */
export const divideUnsafe = (a: Decimal, b: Decimal, places: number, mode: RoundingMode): Decimal =>
  Result.getOrThrow(divide(a, b, places, mode))

/**
 * Rounds to `places` decimal places with `mode`. It returns a plain `Decimal`, so a mode that
 * is not one of the seven (from untyped code) throws `InvalidInput` (path `mode`), even when no
 * rounding is needed; there is no silent default.
 *
 * @category math
 * @since 0.1.0
 */
export const round = (a: Decimal, places: number, mode: RoundingMode): Decimal => {
  if (!isRoundingMode(mode)) throw invalidMode("Decimal.round", "mode", mode)
  return a.scale <= places ? a : fromParts(divideInt(a.coefficient, pow10(a.scale - places), mode), places)
}

const decimalString = Schema.String.check(
  Schema.isPattern(DECIMAL_PATTERN, {
    message: 'expected a plain decimal string such as "0.92" (no exponent, spaces or trailing dot)'
  }),
  Schema.isMaxLength(MAX_DECIMAL_LENGTH)
)

const isDecimal = (u: unknown): u is Decimal => u instanceof Decimal

/**
 * Schema for a `Decimal` value in memory.
 *
 * @category models
 * @since 0.1.0
 */
export const DecimalSchema: Schema.declare<Decimal> = Schema.declare(isDecimal, { title: "Decimal" })

/**
 * Codec between a decimal string (JSON) and a `Decimal`.
 *
 * @example
 * ```ts
 * import { Decimal } from "@paykit/core"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Decimal.FromString)("0.92").toString() // "0.92"
 * ```
 * @category models
 * @since 0.1.0
 */
export const FromString = decimalString.pipe(
  Schema.decodeTo(DecimalSchema, {
    decode: SchemaGetter.transform((s: string) => new Decimal(new B(s))),
    encode: SchemaGetter.transform((d: Decimal) => d.toString())
  })
)

/**
 * Codec for an exchange rate or other strictly positive factor, as a decimal string.
 *
 * @category models
 * @since 0.1.0
 */
export const Rate = FromString.check(
  Schema.makeFilter((d: Decimal) => d.coefficient > 0n || "a rate must be greater than zero", {
    title: "Rate"
  })
)

/**
 * Codec for a percentage in 0..100 as a decimal string (`"2.9"` means 2.9 %).
 *
 * @category models
 * @since 0.1.0
 */
export const Percent = FromString.check(
  Schema.makeFilter(
    (d: Decimal) => (d.coefficient >= 0n && d.big.lte(100)) || "a percentage must be between 0 and 100",
    { title: "Percent" }
  )
)
