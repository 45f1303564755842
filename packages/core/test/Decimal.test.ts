import { fc, test } from "@fast-check/vitest"
import Big from "big.js"
import { Result, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { Decimal } from "../src/index.ts"

describe("Decimal", () => {
  test.prop([fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 20 })])(
    "fromParts and toString round-trip through make, and match big.js",
    (c, s) => {
      const d = Decimal.fromParts(c, s)
      expect(Decimal.equals(Result.getOrThrow(Decimal.make(d.toString())), d)).toBe(true)
      expect(new Big(d.toString()).eq(new Big(c.toString()).div(new Big(10).pow(s)))).toBe(true)
    }
  )

  it.each(["1e3", "0x10", " 1", "1.", ".5", "", "NaN", "Infinity", "+1", "1,5"])(
    "rejects %j with InvalidRate",
    (s) => {
      const r = Decimal.make(s)
      expect(Result.isFailure(r) && r.failure._tag).toBe("InvalidRate")
    }
  )

  it("does exact arithmetic and rounded division with a named mode", () => {
    const a = Decimal.unsafe("0.1")
    const b = Decimal.unsafe("0.2")
    expect(Decimal.add(a, b).toString()).toBe("0.3")
    expect(Decimal.multiply(Decimal.unsafe("0.92"), Decimal.unsafe("1.005")).toString()).toBe("0.9246")
    expect(
      Result.getOrThrow(Decimal.divide(Decimal.ONE, Decimal.unsafe("3"), 6, "half-even")).toString()
    ).toBe("0.333333")
    expect(
      Result.getOrThrow(Decimal.divide(Decimal.unsafe("2"), Decimal.unsafe("3"), 4, "down")).toString()
    ).toBe("0.6666")
    expect(Result.isFailure(Decimal.divide(Decimal.ONE, Decimal.ZERO, 2, "down"))).toBe(true)
    expect(Decimal.round(Decimal.unsafe("1.23456"), 2, "half-up").toString()).toBe("1.23")
    expect(Decimal.fromBasisPoints(25n).toString()).toBe("0.0025")
  })

  it("schemas decode decimal strings and name the reason on failure", () => {
    expect(Schema.decodeUnknownSync(Decimal.Rate)("0.92").toString()).toBe("0.92")
    expect(Schema.encodeSync(Decimal.Rate)(Decimal.unsafe("0.92"))).toBe("0.92")
    const bad = Schema.decodeUnknownResult(Decimal.Rate)("0")
    expect(Result.isFailure(bad) && bad.failure.message).toContain("greater than zero")
    const pct = Schema.decodeUnknownResult(Decimal.Percent)("101")
    expect(Result.isFailure(pct) && pct.failure.message).toContain("between 0 and 100")
    const num = Schema.decodeUnknownResult(Decimal.FromString)(0.92)
    expect(Result.isFailure(num)).toBe(true)
  })
})
