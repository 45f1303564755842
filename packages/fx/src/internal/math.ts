/**
 * `⌈n / d⌉` for `n ≥ 0` and `d > 0`: the same as `Rounding.divide(n, d, "ceiling")` for those
 * operands, with one bigint division and no mode check (the pricing's inner loops).
 */
export const ceilDiv = (n: bigint, d: bigint): bigint => {
  const q = n / d
  return q * d === n ? q : q + 1n
}
