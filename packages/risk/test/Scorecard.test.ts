import { fc, test } from "@fast-check/vitest"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { Scorecard } from "../src/index.ts"

const base = {
  chargebackRatio: "0.008",
  refundRatio: "0.04",
  volumeGrowth: "0.3",
  accountAgeDays: 400,
  verification: "verified",
  monthlyVolume: { amount: "5000000", currency: "EUR" }
}

describe("Scorecard", () => {
  it("shows every factor's contribution, the tier, reserve and limits", () => {
    const s = Result.getOrThrow(Scorecard.assess(base))
    expect(s.factors.map((f) => [f.factor, f.points])).toEqual([
      ["chargebackRatio", 25],
      ["refundRatio", 0],
      ["volumeGrowth", 0],
      ["accountAgeDays", 0],
      ["verification", 0]
    ])
    expect(s.factors[0]!.band).toBe("0.75% ≤ x < 1%")
    expect(s.total).toBe(25)
    expect(s.tier).toBe("medium")
    expect(s.reserve.percent).toBe("5")
    expect(s.reserve.days).toBe(90)
    expect(s.reserve.amount.toString()).toBe("2500.00 EUR")
    expect(s.limits.monthly.toString()).toBe("100000.00 EUR")
    expect(s.limits.singlePayment.toString()).toBe("5000.00 EUR")
  })

  it("a new, unverified merchant with chargebacks is prohibited: 25 % reserve, no limits", () => {
    const s = Result.getOrThrow(
      Scorecard.assess({ ...base, chargebackRatio: "0.02", accountAgeDays: 10, verification: "unverified" })
    )
    expect(s.total).toBe(60 + 30 + 40)
    expect(s.tier).toBe("prohibited")
    expect(s.reserve.amount.toString()).toBe("12500.00 EUR")
    expect(s.limits.monthly.amount).toBe(0n)
  })

  it("a volume so large its limit is out of range is AmountOutOfRange, not a throw", () => {
    const r = Scorecard.assess({
      ...base,
      monthlyVolume: { amount: "170141183460469231731687303715884105727", currency: "EUR" }
    })
    expect(Result.isFailure(r) && r.failure._tag).toBe("AmountOutOfRange")
  })

  it("bad input names the field", () => {
    const r = Scorecard.assess({ ...base, chargebackRatio: "1.5" })
    expect(Result.isFailure(r) && r.failure).toMatchObject({ _tag: "InvalidInput", path: "chargebackRatio" })
    const v = Scorecard.assess({ ...base, verification: "maybe" })
    expect(Result.isFailure(v) && v.failure).toMatchObject({ _tag: "InvalidInput", path: "verification" })
  })

  const ratio = fc.integer({ min: 0, max: 1000 }).map((n) => (n / 1000).toFixed(3))
  test.prop([
    ratio,
    ratio,
    fc.integer({ min: 0, max: 2000 }),
    fc.constantFrom("verified", "pending", "unverified")
  ])(
    "the total is the sum of the factors, and a worse chargeback ratio never lowers the total",
    (cb, rf, age, verification) => {
      const s = Result.getOrThrow(
        Scorecard.assess({ ...base, chargebackRatio: cb, refundRatio: rf, accountAgeDays: age, verification })
      )
      expect(s.total).toBe(s.factors.reduce((a, f) => a + f.points, 0))
      expect(s.tier).toBe(Scorecard.tierOf(s.total))
      const worse = Result.getOrThrow(
        Scorecard.assess({
          ...base,
          chargebackRatio: "0.999",
          refundRatio: rf,
          accountAgeDays: age,
          verification
        })
      )
      expect(worse.total).toBeGreaterThanOrEqual(s.total)
    }
  )
})
