import Big from "big.js"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Rounding } from "../src/index.ts"
import type { RoundingMode } from "../src/Rounding.ts"

/** Rounding by definition, over the two integer neighbours of the exact quotient. */
const reference = (n: bigint, d: bigint, mode: RoundingMode): bigint => {
  // floor division that is correct for negatives, written independently of Rounding.divide
  const floor = (a: bigint, b: bigint) => {
    const q = a / b
    return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q
  }
  const lo = floor(n, d)
  if (lo * d === n) return lo
  const hi = lo + 1n
  const positive = n < 0n === d < 0n
  // compare distance to lo and hi: exact - lo vs hi - exact, scaled by |d|
  const absD = d < 0n ? -d : d
  const distLo = n * (d < 0n ? -1n : 1n) - lo * absD // = (exact - lo) * |d|
  const distHi = hi * absD - n * (d < 0n ? -1n : 1n)
  const awayFromZero = positive ? hi : lo
  const towardZero = positive ? lo : hi
  switch (mode) {
    case "floor":
      return lo
    case "ceiling":
      return hi
    case "down":
      return towardZero
    case "up":
      return awayFromZero
    default:
      if (distLo < distHi) return lo
      if (distHi < distLo) return hi
      if (mode === "half-up") return awayFromZero
      if (mode === "half-down") return towardZero
      return lo % 2n === 0n ? lo : hi
  }
}

const bigJsMode: Partial<Record<RoundingMode, Big.RoundingMode>> = {
  down: Big.roundDown,
  "half-up": Big.roundHalfUp,
  "half-even": Big.roundHalfEven,
  up: Big.roundUp
}

const mode = fc.constantFrom(...Rounding.modes)
const numerator = fc.oneof(
  fc.bigInt({ min: -10_000n, max: 10_000n }),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n })
)
const denominator = fc
  .oneof(fc.bigInt({ min: -1000n, max: 1000n }), fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }))
  .filter((d) => d !== 0n)

describe("Rounding.divide", () => {
  it("matches the documented table for ties and non-ties, positive and negative", () => {
    const table: Record<RoundingMode, [bigint, bigint, bigint, bigint]> = {
      "half-even": [2n, -2n, 2n, -3n],
      "half-up": [3n, -3n, 2n, -3n],
      "half-down": [2n, -2n, 2n, -3n],
      up: [3n, -3n, 3n, -3n],
      down: [2n, -2n, 2n, -2n],
      ceiling: [3n, -2n, 3n, -2n],
      floor: [2n, -3n, 2n, -3n]
    }
    for (const m of Rounding.modes) {
      expect([
        Rounding.divide(25n, 10n, m),
        Rounding.divide(-25n, 10n, m),
        Rounding.divide(24n, 10n, m),
        Rounding.divide(-26n, 10n, m)
      ]).toEqual(table[m])
    }
    expect(Rounding.divide(35n, 10n, "half-even")).toBe(4n)
    expect(Rounding.divide(-35n, 10n, "half-even")).toBe(-4n)
  })

  it("property: agrees with rounding by definition for every mode, sign and magnitude", () => {
    fc.assert(
      fc.property(numerator, denominator, mode, (n, d, m) => {
        expect(Rounding.divide(n, d, m)).toBe(reference(n, d, m))
      }),
      { numRuns: 5000 }
    )
  })

  it("property: agrees with big.js on decimal rounding where big.js has the mode", () => {
    fc.assert(
      fc.property(
        numerator,
        fc.integer({ min: 0, max: 12 }),
        fc.constantFrom("down", "half-up", "half-even", "up" as const),
        (n, places, m) => {
          const expected = new Big(n.toString())
            .div(new Big(10).pow(places))
            .round(0, bigJsMode[m]!)
            .toFixed(0)
          expect(Rounding.divide(n, Rounding.pow10(places), m).toString()).toBe(
            expected === "-0" ? "0" : expected
          )
        }
      ),
      { numRuns: 3000 }
    )
  })

  it("property: rounding is idempotent (an integer rounds to itself) and lies within one unit of the exact quotient", () => {
    fc.assert(
      fc.property(numerator, denominator, mode, (n, d, m) => {
        const r = Rounding.divide(n, d, m)
        expect(Rounding.divide(r, 1n, m)).toBe(r)
        expect(Rounding.divide(r * d, d, m)).toBe(r)
        const diff = r * d - n
        expect(diff < 0n ? -diff : diff).toBeLessThan(d < 0n ? -d : d)
      }),
      { numRuns: 3000 }
    )
  })

  it("rejects division by zero", () => {
    expect(() => Rounding.divide(1n, 0n, "floor")).toThrow(RangeError)
  })
})

describe("Rounding.isRoundingMode and Rounding.validate", () => {
  it("accept exactly the seven modes", () => {
    for (const m of Rounding.modes) expect(Rounding.isRoundingMode(m)).toBe(true)
    for (const u of ["HALF_UP", "halfUp", "Half-Even", "", undefined, null, 0, {}, Symbol("up")])
      expect(Rounding.isRoundingMode(u)).toBe(false)
  })

  it("Rounding.divide throws InvalidInput on a mode that is not one of the seven, even for an exact quotient", () => {
    expect(() => Rounding.divide(5n, 2n, "HALF_UP" as RoundingMode)).toThrow(/did you mean "half-up"/)
    expect(() => Rounding.divide(4n, 2n, undefined as unknown as RoundingMode)).toThrow(/got undefined/)
  })
})
