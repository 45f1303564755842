import cc from "currency-codes"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { Currency } from "../src/index.ts"

describe("Currency table", () => {
  it("holds exactly the ISO 4217 list of the currency-codes package, with the same exponents and numeric codes, plus XCG", () => {
    // XCG (amendment 176, in circulation from 2025-03-31) is not in currency-codes 2.2.0
    const expected = new Map(cc.data.map((c) => [c.code, c]))
    expected.set("XCG", {
      code: "XCG",
      number: "532",
      digits: 2,
      currency: "Caribbean Guilder",
      countries: []
    })
    expect([...Currency.iso.keys()].sort()).toEqual([...expected.keys()].sort())
    for (const [code, c] of Currency.iso) {
      const e = expected.get(code)!
      expect({ code, exponent: c.exponent, numeric: c.numeric }).toEqual({
        code,
        exponent: e.digits,
        numeric: e.number
      })
    }
  })

  it("knows the exponents payments get wrong most often", () => {
    const exp = (code: string) => Currency.isoUnsafe(code).exponent
    expect(exp("JPY")).toBe(0)
    expect(exp("KRW")).toBe(0)
    for (const code of ["KWD", "BHD", "JOD", "OMR", "TND", "IQD", "LYD"]) expect(exp(code)).toBe(3)
    expect(exp("CLF")).toBe(4)
    expect(exp("UYW")).toBe(4)
    expect(exp("USD")).toBe(2)
    expect(exp("XCG")).toBe(2)
    expect(Currency.isoUnsafe("XAU").minorUnitApplicable).toBe(false)
  })

  it("defines custom units: loyalty points (exponent 0) and an 8-decimal token", () => {
    expect(Currency.POINTS.exponent).toBe(0)
    const token = Currency.customUnsafe({ code: "TOKEN8", exponent: 8, name: "Token" })
    expect(token).toMatchObject({ code: "TOKEN8", exponent: 8, custom: true })
    const reg = Currency.registry([token])
    expect(Result.getOrThrow(reg.get("TOKEN8"))).toBe(token)
    expect(Result.isSuccess(reg.get("USD"))).toBe(true)
    expect(Result.isFailure(Currency.isoRegistry.get("TOKEN8"))).toBe(true)
  })

  it("rejects custom units that shadow ISO codes or are malformed", () => {
    const bad = [
      { code: "USD", exponent: 2, name: "fake dollar" },
      { code: "pts", exponent: 0, name: "lower case" },
      { code: "P", exponent: 0, name: "too short" },
      { code: "PTS", exponent: -1, name: "negative exponent" },
      { code: "PTS", exponent: 1.5, name: "fractional exponent" },
      { code: "PTS", exponent: 19, name: "too many decimals" }
    ]
    for (const spec of bad) {
      const r = Currency.custom(spec)
      expect(Result.isFailure(r) && r.failure._tag).toBe("UnknownCurrency")
    }
  })

  it("fromCode fails with UnknownCurrency for codes not in the table", () => {
    const r = Currency.fromCode("ABC")
    expect(Result.isFailure(r) && r.failure._tag).toBe("UnknownCurrency")
    expect(Result.isFailure(r) && r.failure.message).toContain("ABC")
    expect(() => Currency.isoUnsafe("ABC")).toThrow(/unknown currency "ABC"/)
  })
})
