import { Schema } from "effect"

/**
 * How a result that falls between two minor units is rounded. Every conversion from an exact
 * decimal back to minor units names one; paykit has no default.
 *
 * | mode        | rule                                   | 2.5 → | −2.5 → | 2.4 → | −2.6 → |
 * | ----------- | -------------------------------------- | ----- | ------ | ----- | ------ |
 * | `half-even` | nearest; ties to the even neighbour    | 2     | −2     | 2     | −3     |
 * | `half-up`   | nearest; ties away from zero           | 3     | −3     | 2     | −3     |
 * | `half-down` | nearest; ties toward zero              | 2     | −2     | 2     | −3     |
 * | `up`        | away from zero                         | 3     | −3     | 3     | −3     |
 * | `down`      | toward zero (truncate)                 | 2     | −2     | 2     | −2     |
 * | `ceiling`   | toward +∞                              | 3     | −2     | 3     | −2     |
 * | `floor`     | toward −∞                              | 2     | −3     | 2     | −3     |
 *
 * @category models
 * @since 0.1.0
 */
export const RoundingModeSchema = Schema.Literals([
  "half-even",
  "half-up",
  "half-down",
  "up",
  "down",
  "ceiling",
  "floor"
])

/**
 * A rounding mode name (see the table above).
 *
 * @category models
 * @since 0.1.0
 */
export type RoundingMode = typeof RoundingModeSchema.Type

/**
 * All rounding modes, in the order of the table above.
 *
 * @category models
 * @since 0.1.0
 */
export const modes: ReadonlyArray<RoundingMode> = RoundingModeSchema.literals

/**
 * Divides two integers exactly and rounds the quotient with `mode`. The single rounding
 * primitive behind every money calculation. `denominator` must not be zero (it may be negative).
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
      // half-even: keep q when it is even
      return q % 2n === 0n ? q : negative ? q - 1n : q + 1n
    }
  }
}

const POW10: Array<bigint> = Array.from({ length: 80 }, (_, i) => 10n ** BigInt(i))

/**
 * 10^n as a bigint (cached for small n).
 *
 * @category math
 * @since 0.1.0
 */
export const pow10 = (n: number): bigint => POW10[n] ?? 10n ** BigInt(n)
