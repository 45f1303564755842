// Splitting `Money` into parts that sum to it exactly: by ratios (largest remainder) and into n
// equal parts. Nothing here may import effect/Schema (see ./money.ts).
import * as Result from "effect/Result"
import type { Decimal } from "../Decimal.ts"
import { InvalidAllocation } from "../errors.ts"
import { Money } from "./moneyValue.ts"
import { pow10 } from "./rounding.ts"

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
