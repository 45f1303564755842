import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { Schedule } from "../src/index.ts"

const base = {
  source: "USD",
  target: "EUR",
  spreadBps: 50,
  feeMode: "on-top",
  charges: "SHA"
} as const

const make = (corridor: Record<string, unknown>) => Schedule.make({ corridors: [{ ...base, ...corridor }] })
const error = (corridor: Record<string, unknown>) => {
  const r = make(corridor)
  if (Result.isSuccess(r)) throw new Error("expected a schedule error")
  return r.failure
}

describe("pricing schedules: bad schedules are typed errors naming the problem", () => {
  it("overlapping tiers are OverlappingTiers", () => {
    const e = error({
      tiers: [
        { min: "0", max: "100000", percentFee: "1" },
        { min: "50000", percentFee: "0.5" }
      ]
    })
    expect(e._tag).toBe("OverlappingTiers")
    expect(e.message).toContain("tier 1 starts at 50000")
  })

  it("a tier after an unbounded one overlaps it", () => {
    expect(error({ tiers: [{ min: "0" }, { min: "100" }] })._tag).toBe("OverlappingTiers")
  })

  it("a gap between tiers, or a first tier above 0, is TierGap", () => {
    expect(error({ tiers: [{ min: "0", max: "100" }, { min: "200" }] })._tag).toBe("TierGap")
    const first = error({ tiers: [{ min: "100" }] })
    expect(first._tag).toBe("TierGap")
    expect(first.message).toContain("first tier must start at 0")
  })

  it("a bounded last tier is BoundedLastTier", () => {
    const e = error({
      tiers: [
        { min: "0", max: "100" },
        { min: "100", max: "1000" }
      ]
    })
    expect(e._tag).toBe("BoundedLastTier")
    expect(e.message).toContain("1000")
  })

  it("an empty tier is EmptyTier", () => {
    expect(error({ tiers: [{ min: "0", max: "0" }, { min: "0" }] })._tag).toBe("EmptyTier")
  })

  it("a spread of 100 % or more, or a negative spread, is AbsurdSpread", () => {
    for (const spreadBps of [10_000, 12_000, -1]) {
      const e = error({ spreadBps })
      expect(e._tag).toBe("AbsurdSpread")
      expect(e.message).toContain(`${spreadBps} bps is absurd`)
    }
    expect(
      error({
        tiers: [
          { min: "0", max: "10" },
          { min: "10", spreadBps: 10_000 }
        ]
      })._tag
    ).toBe("AbsurdSpread")
    expect(Result.isSuccess(make({ spreadBps: 9_999 }))).toBe(true)
  })

  it("a spread that increases with the amount is IncreasingSpread", () => {
    const e = error({
      tiers: [
        { min: "0", max: "100000", spreadBps: 50 },
        { min: "100000", spreadBps: 80 }
      ]
    })
    expect(e._tag).toBe("IncreasingSpread")
    expect(e.message).toContain("larger send could receive less")
  })

  it("a percentage-fee minimum above its maximum is InvalidFeeBounds", () => {
    expect(error({ percentFeeMin: "500", percentFeeMax: "100" })._tag).toBe("InvalidFeeBounds")
  })

  it("the same corridor twice is DuplicateCorridor", () => {
    const r = Schedule.make({ corridors: [base, base] })
    expect(Result.isFailure(r) && r.failure._tag).toBe("DuplicateCorridor")
  })

  it("bad fields are InvalidInput naming the field", () => {
    const at = (corridor: Record<string, unknown>) => {
      const e = error(corridor)
      expect(e._tag).toBe("InvalidInput")
      return e._tag === "InvalidInput" ? `${e.path}: ${e.reason}` : ""
    }
    expect(at({ source: "XXQ" })).toMatch(/^corridors\[0\]\.source: unknown currency "XXQ"/)
    expect(at({ spreadBps: 12.5 })).toMatch(/^corridors\[0\]\.spreadBps: basis points must be a whole number/)
    expect(at({ percentFee: "100" })).toMatch(
      /^corridors\[0\]\.percentFee: a percentage fee must be below 100/
    )
    expect(at({ fixedFee: "-5" })).toMatch(/^corridors\[0\]\.fixedFee: must not be negative/)
    expect(at({ fixedFee: "1.50" })).toMatch(/^corridors\[0\]\.fixedFee: expected minor units/)
    expect(at({ charges: "ALL" })).toMatch(/^corridors\[0\]\.charges/)
    expect(at({ tiers: [] })).toMatch(/^corridors\[0\]\.tiers/)
  })
})

describe("pricing schedules: matching and the marginal percentage fee", () => {
  const schedule = Schedule.makeUnsafe({
    corridors: [
      {
        ...base,
        percentFee: "1",
        tiers: [
          { min: "0", max: "100000" },
          { min: "100000", max: "1000000", percentFee: "0.5", spreadBps: 40 },
          { min: "1000000", percentFee: "0.25", spreadBps: 30 }
        ]
      },
      { ...base, method: "card", spreadBps: 120, charges: "OUR" }
    ]
  })
  const usdEur = Result.getOrThrow(Schedule.match(schedule, "USD", "EUR"))

  it("the most specific corridor wins; no match is NoCorridor", () => {
    expect(Result.getOrThrow(Schedule.match(schedule, "USD", "EUR", "card")).label).toBe("USD→EUR (card)")
    expect(Result.getOrThrow(Schedule.match(schedule, "USD", "EUR", "wire")).label).toBe("USD→EUR")
    const none = Schedule.match(schedule, "USD", "GBP", "card")
    expect(Result.isFailure(none) && none.failure.message).toContain(
      "no pricing corridor for USD→GBP paid by card"
    )
  })

  it("each tier's percentage applies only to the part of the amount inside it", () => {
    expect(Schedule.percentFee(usdEur, 50_000n)).toBe(500n) // 500.00 × 1 %
    expect(Schedule.percentFee(usdEur, 100_000n)).toBe(1_000n)
    // 1000.00 × 1 % + 500.00 × 0.5 % = 12.50
    expect(Schedule.percentFee(usdEur, 150_000n)).toBe(1_250n)
    // 1000 × 1 % + 9000 × 0.5 % + 5000 × 0.25 % = 10 + 45 + 12.5 = 67.50
    expect(Schedule.percentFee(usdEur, 1_500_000n)).toBe(6_750n)
  })

  it("the percentage fee rounds up", () => {
    expect(Schedule.percentFee(usdEur, 1n)).toBe(1n) // 0.0001 USD → 0.01
    expect(Schedule.percentFee(usdEur, 101n)).toBe(2n) // 1.01 cents → 2
  })

  it("the tier containing the amount gives the spread", () => {
    expect(usdEur.tiers[Schedule.tierIndex(usdEur, 99_999n)]!.spreadBps).toBe(50)
    expect(usdEur.tiers[Schedule.tierIndex(usdEur, 100_000n)]!.spreadBps).toBe(40)
    expect(usdEur.tiers[Schedule.tierIndex(usdEur, 10n ** 12n)]!.spreadBps).toBe(30)
  })

  it("clamps the percentage fee to the corridor minimum and maximum", () => {
    const c = Result.getOrThrow(
      Schedule.match(
        Schedule.makeUnsafe({
          corridors: [{ ...base, percentFee: "1", percentFeeMin: "200", percentFeeMax: "5000" }]
        }),
        "USD",
        "EUR"
      )
    )
    expect(Schedule.percentFee(c, 1_000n)).toBe(200n)
    expect(Schedule.percentFee(c, 100_000n)).toBe(1_000n)
    expect(Schedule.percentFee(c, 10_000_000n)).toBe(5_000n)
  })
})
