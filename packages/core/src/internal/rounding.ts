// The Rounding module without `RoundingModeSchema`: the money functions import from here, so a
// program that only does money arithmetic does not bundle effect's Schema module.
import * as Result from "effect/Result"
import { InvalidInput } from "../errors.ts"
import type { RoundingMode } from "../Rounding.ts"

/**
 * All rounding modes, in the order of the table of {@link RoundingMode}.
 *
 * @category models
 * @since 0.1.0
 */
export const modes: ReadonlyArray<RoundingMode> = [
  "half-even",
  "half-up",
  "half-down",
  "up",
  "down",
  "ceiling",
  "floor"
]

const MODE_SET: ReadonlySet<unknown> = /*#__PURE__*/ new Set<unknown>(modes)

/**
 * True for exactly the seven mode names above (case and spelling as listed).
 *
 * @example
 * ```ts
 * import { Rounding } from "@paykit/core"
 * Rounding.isRoundingMode("half-up") // true
 * Rounding.isRoundingMode("HALF_UP") // false
 * ```
 * @category guards
 * @since 0.2.0
 */
export const isRoundingMode = (u: unknown): u is RoundingMode => typeof u === "string" && MODE_SET.has(u)

/**
 * A short, safe description of any value for an error message: never runs the value's own
 * code (no `toString`, getters or Proxy traps).
 *
 * @example
 * ```ts
 * import { Rounding } from "@paykit/core"
 * Rounding.describeValue("USD") // 'the string "USD"'
 * ```
 * @category errors
 * @since 0.2.0
 */
export const describeValue = (u: unknown): string => {
  switch (typeof u) {
    case "string":
      return `the string ${JSON.stringify(u.length > 40 ? `${u.slice(0, 40)}…` : u)}`
    case "number":
    case "boolean":
      return `the ${typeof u} ${String(u)}`
    case "bigint":
      return `the bigint ${String(u)}n`
    case "symbol":
      return "a symbol"
    case "undefined":
      return "undefined"
    case "function":
      return "a function"
    default:
      return u === null ? "null" : Array.isArray(u) ? "an array" : "an object"
  }
}

const squash = (s: string): string => s.toLowerCase().replace(/[^a-z]/g, "")

/**
 * `InvalidInput` for a value that is not one of the seven modes, naming the argument (`path`)
 * and listing the valid modes (with a "did you mean" for `"HALF_UP"` or `"halfUp"`).
 *
 * @example
 * ```ts
 * import { Rounding } from "@paykit/core"
 * Rounding.invalidMode("multiply", "mode", "HALF_UP").message
 * // 'multiply: invalid input at mode: expected one of the seven rounding modes … (did you mean "half-up"?) …'
 * ```
 * @category errors
 * @since 0.2.0
 */
export const invalidMode = (operation: string, path: string, got: unknown): InvalidInput => {
  const near = typeof got === "string" ? modes.find((m) => squash(m) === squash(got)) : undefined
  return new InvalidInput({
    operation,
    path,
    reason:
      `expected one of the seven rounding modes ${modes.map((m) => `"${m}"`).join(", ")}; got ${describeValue(got)}` +
      (near === undefined ? "" : ` (did you mean "${near}"?)`) +
      "; paykit has no default rounding mode"
  })
}

/**
 * Checks an untrusted rounding mode: `Success(mode)` for one of the seven, otherwise
 * `Failure(InvalidInput)` naming `path` (see {@link invalidMode}). Never throws.
 *
 * @example
 * ```ts
 * import { Rounding } from "@paykit/core"
 * Rounding.validate("fee", "rounding", "half-up") // Success("half-up")
 * Rounding.validate("fee", "rounding", "halfUp") // Failure(InvalidInput)
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const validate = (
  operation: string,
  path: string,
  mode: unknown
): Result.Result<RoundingMode, InvalidInput> =>
  isRoundingMode(mode) ? Result.succeed(mode) : Result.fail(invalidMode(operation, path, mode))

/**
 * Divides two integers exactly and rounds the quotient with `mode`. The single rounding
 * primitive behind every money calculation. `denominator` must not be zero (it may be negative).
 * It returns a plain `bigint`, so it throws: a `RangeError` on a zero denominator and
 * `InvalidInput` (path `mode`) on a mode that is not one of the seven (there is no silent default).
 *
 * @example
 * ```ts
 * import { Rounding } from "@paykit/core"
 * Rounding.divide(5n, 2n, "half-even") // 2n
 * Rounding.divide(-5n, 2n, "floor") // -3n
 * ```
 * @category math
 * @since 0.1.0
 */
export const divide = (numerator: bigint, denominator: bigint, mode: RoundingMode): bigint => {
  if (!MODE_SET.has(mode)) throw invalidMode("Rounding.divide", "mode", mode)
  if (denominator === 0n) throw new RangeError("Rounding.divide: division by zero")
  let n = numerator
  let d = denominator
  if (d < 0n) {
    n = -n
    d = -d
  }
  const q = n / d
  const r = n % d
  if (r === 0n) return q
  const negative = n < 0n
  switch (mode) {
    case "down":
      return q
    case "up":
      return negative ? q - 1n : q + 1n
    case "ceiling":
      return negative ? q : q + 1n
    case "floor":
      return negative ? q - 1n : q
    default: {
      const twice = (negative ? -r : r) * 2n
      if (twice > d) return negative ? q - 1n : q + 1n
      if (twice < d) return q
      if (mode === "half-up") return negative ? q - 1n : q + 1n
      if (mode === "half-down") return q
      // half-even (checked on entry): keep q when it is even
      return q % 2n === 0n ? q : negative ? q - 1n : q + 1n
    }
  }
}

const POW10: Array<bigint> = /*#__PURE__*/ Array.from({ length: 80 }, (_, i) => 10n ** BigInt(i))

/**
 * 10^n as a bigint (cached for small n).
 *
 * @category math
 * @since 0.1.0
 */
export const pow10 = (n: number): bigint => POW10[n] ?? 10n ** BigInt(n)
