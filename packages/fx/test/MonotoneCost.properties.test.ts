import { Decimal, Money } from "@paykit/core"
import { fc, test } from "@fast-check/vitest"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { Quote, Schedule } from "../src/index.ts"
import { pair, rateValue } from "./arbitraries.ts"
import { corridorOf, rate } from "./helpers.ts"

const send = (ctx: Quote.Context, a: bigint) =>
  Quote.fromSendAmount(ctx, Money.fromMinorUnsafe(a, ctx.corridor.source))
const receive = (ctx: Quote.Context, t: bigint) =>
  Quote.fromReceiveAmount(ctx, Money.fromMinorUnsafe(t, ctx.corridor.target))
const marginOf = (q: Quote.Quote) =>
  q.fees.find((f) => f.kind === "exchange-rate-margin")?.amount.amount ?? 0n

// ---------------------------------------------------------------------------------------------
// every fee schedule shape Schedule.ts supports

const SHAPES = [
  "flat fee",
  "percentage fee",
  "tiered spreads",
  "tiered percentage fees",
  "percentage fee with minimum and maximum",
  "everything at once"
] as const

const percentText = fc
  .tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 99 }))
  .map(([i, f]) => `${i}.${String(f).padStart(2, "0")}`)

/** A corridor of one shape with a fee mode and OUR / SHA / BEN, and its tier boundaries. */
const shapedContext = fc
  .record({
    shape: fc.constantFrom(...SHAPES),
    codes: pair(["USD", "EUR", "GBP", "JPY", "KWD"]),
    mid: rateValue,
    bounds: fc.uniqueArray(fc.bigInt({ min: 1n, max: 10n ** 7n }), { minLength: 1, maxLength: 3 }),
    firstSpread: fc.integer({ min: 1, max: 400 }),
    drops: fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 3, maxLength: 3 }),
    percents: fc.array(percentText, { minLength: 4, maxLength: 4 }),
    fixedFee: fc.bigInt({ min: 0n, max: 3_000n }),
    min: fc.bigInt({ min: 0n, max: 2_000n }),
    maxExtra: fc.bigInt({ min: 0n, max: 20_000n }),
    feeMode: fc.constantFrom("on-top" as const, "deducted" as const),
    charges: fc.constantFrom("OUR" as const, "SHA" as const, "BEN" as const),
    intermediaryFee: fc.bigInt({ min: 0n, max: 3_000n })
  })
  .map((r) => {
    const { source, target } = r.codes
    const mins = [0n, ...[...r.bounds].sort((a, b) => (a < b ? -1 : 1))]
    const tieredSpreads = r.shape === "tiered spreads" || r.shape === "everything at once"
    const tieredPercents = r.shape === "tiered percentage fees" || r.shape === "everything at once"
    const clamped = r.shape === "percentage fee with minimum and maximum" || r.shape === "everything at once"
    const percent = r.shape !== "flat fee" && r.shape !== "tiered spreads"
    let spread = r.firstSpread
    const tiers = mins.map((min, i) => {
      if (i > 0 && tieredSpreads) spread = Math.max(0, spread - r.drops[i - 1]!)
      const max = mins[i + 1]
      return {
        min: min.toString(),
        ...(max === undefined ? {} : { max: max.toString() }),
        ...(percent ? { percentFee: tieredPercents ? r.percents[i]! : r.percents[0]! } : {}),
        spreadBps: spread
      }
    })
    const schedule = Schedule.makeUnsafe({
      corridors: [
        {
          source,
          target,
          spreadBps: r.firstSpread,
          fixedFee: (r.shape === "flat fee" || r.shape === "everything at once"
            ? r.fixedFee + 1n
            : 0n
          ).toString(),
          ...(clamped
            ? { percentFeeMin: r.min.toString(), percentFeeMax: (r.min + r.maxExtra).toString() }
            : {}),
          tiers,
          feeMode: r.feeMode,
          charges: r.charges,
          intermediaryFee: r.intermediaryFee.toString()
        }
      ]
    })
    const mid = { base: source, quote: target, rate: r.mid, source: "memory", asOf: 0 }
    const ctx: Quote.Context = {
      corridor: corridorOf(schedule, source, target),
      mid,
      reference: mid,
      id: "01JMONOTONE000000000000000",
      now: 0,
      lockMillis: 1
    }
    return { shape: r.shape, ctx, boundaries: mins.slice(1) }
  })

/** Two send amounts a ≤ b, mostly on either side of a tier boundary (where the bug was). */
const nearBoundary = (boundaries: ReadonlyArray<bigint>) =>
  fc
    .record({
      at: fc.constantFrom(...boundaries),
      below: fc.oneof(fc.bigInt({ min: 0n, max: 50n }), fc.bigInt({ min: 0n, max: 10n ** 7n })),
      d: fc.oneof(fc.bigInt({ min: 0n, max: 100n }), fc.bigInt({ min: 0n, max: 10n ** 8n }))
    })
    .map(({ at, below, d }) => {
      const a = at - below > 0n ? at - below : 1n
      return [a, a + d] as const
    })

describe("total cost is monotone in the amount (the boundary cap)", () => {
  test.prop([shapedContext.chain((s) => fc.tuple(fc.constant(s), nearBoundary(s.boundaries)))], {
    numRuns: 400
  })(
    "for every schedule shape and OUR / SHA / BEN: for a < b, cost(a) ≤ cost(b), paid(a) ≤ paid(b) and delivered(a) ≤ delivered(b)",
    ([{ ctx }, [a, b]]) => {
      const qa = send(ctx, a)
      const qb = send(ctx, b)
      if (Result.isFailure(qa)) {
        expect(["NothingToConvert", "NothingArrives"]).toContain(qa.failure._tag)
        return
      }
      expect(Result.isSuccess(qb)).toBe(true)
      const x = qa.success
      const y = Result.getOrThrow(qb)
      expect(x.totalCost.amount <= y.totalCost.amount).toBe(true)
      expect(x.paid.amount <= y.paid.amount).toBe(true)
      expect(x.received.amount <= y.received.amount).toBe(true)
      expect(x.convertedTarget.amount <= y.convertedTarget.amount).toBe(true)
      expect(marginOf(x) <= marginOf(y)).toBe(true)
    }
  )

  test.prop([shapedContext.chain((s) => fc.tuple(fc.constant(s), nearBoundary(s.boundaries)))], {
    numRuns: 300
  })(
    "for every schedule shape: the amount a receive quote requires is monotone in the receive amount, and its quote is never dominated",
    ([{ ctx }, [a, b]]) => {
      // receive amounts around what a boundary principal delivers
      const qa = send(ctx, a)
      const qb = send(ctx, b)
      if (Result.isFailure(qa) || Result.isFailure(qb)) return
      const t = qa.success.received.amount
      const u = qb.success.received.amount
      const rt = Result.getOrThrow(receive(ctx, t))
      const ru = Result.getOrThrow(receive(ctx, u))
      expect(rt.principal.amount <= ru.principal.amount).toBe(true)
      expect(rt.paid.amount <= ru.paid.amount).toBe(true)
      expect(rt.totalCost.amount <= ru.totalCost.amount).toBe(true)
      // never dominated: the larger send amount b delivers at least t, and costs at least as much
      expect(rt.paid.amount <= qb.success.paid.amount).toBe(true)
      expect(rt.totalCost.amount <= qb.success.totalCost.amount).toBe(true)
      expect(rt.paid.amount <= qa.success.paid.amount).toBe(true)
    }
  )

  test.prop([shapedContext.chain((s) => fc.tuple(fc.constant(s), nearBoundary(s.boundaries)))])(
    "the boundary cap never charges more than the tier's spread, and only lowers the margin to a later tier's first amount",
    ([{ ctx }, [a]]) => {
      const r = send(ctx, a)
      if (Result.isFailure(r)) return
      const q = r.success
      const nominal = (q.converted.amount * BigInt(q.spreadBps) + 9_999n) / 10_000n
      expect(marginOf(q) <= nominal).toBe(true)
      const tierRate = Decimal.multiply(
        ctx.mid.rate,
        Decimal.subtract(Decimal.ONE, Decimal.fromBasisPoints(BigInt(q.spreadBps)))
      )
      expect(Decimal.compare(q.customerRate, tierRate) >= 0).toBe(true)
      if (q.cappedSpreadBps !== undefined) {
        expect(Decimal.compare(q.cappedSpreadBps, Decimal.fromParts(BigInt(q.spreadBps), 0)) < 0).toBe(true)
        // the margin equals a later tier's first amount's margin
        const c = ctx.corridor
        const later = c.tiers.filter((t) => t.min > q.principal.amount)
        const margins = later.flatMap((t) => {
          const m = send(ctx, t.min)
          return Result.isSuccess(m) ? [marginOf(m.success)] : []
        })
        expect(margins).toContain(marginOf(q))
      }
    }
  )

  test.prop([
    shapedContext.filter((s) => s.ctx.corridor.charges === "OUR"),
    fc.bigInt({ min: 1n, max: 10n ** 9n })
  ])(
    "under OUR the intermediary charge is the same for every amount (converted at the first tier's rate)",
    ({ ctx }, a) => {
      const r = send(ctx, a)
      const one = send(ctx, 10n ** 9n + 1n)
      if (Result.isFailure(r) || Result.isFailure(one)) return
      const charge = (q: Quote.Quote) =>
        q.fees.find((f) => f.kind === "intermediary-estimate")?.inSource?.amount ?? 0n
      expect(charge(r.success)).toBe(charge(one.success))
    }
  )
})

describe("the treasury engineer's case: OUR, 0.60 % below 1,000.00 USD, 0.40 % from it", () => {
  const schedule = Schedule.makeUnsafe({
    corridors: [
      {
        source: "USD",
        target: "EUR",
        spreadBps: 60,
        tiers: [
          { min: "0", max: "100000" },
          { min: "100000", spreadBps: 40 }
        ],
        feeMode: "on-top",
        charges: "OUR",
        intermediaryFee: "1500"
      }
    ]
  })
  const mid = rate("USD", "EUR", "0.92")
  const ctx: Quote.Context = {
    corridor: corridorOf(schedule, "USD", "EUR"),
    mid,
    reference: mid,
    id: "01JTREASURY000000000000000",
    now: 0,
    lockMillis: 1
  }
  const at = (text: string) =>
    Result.getOrThrow(Quote.fromSendAmount(ctx, Money.parseUnsafe(text, ctx.corridor.source)))

  it("sending 999.99 USD never costs more than sending 1,000.00 USD, and never delivers more", () => {
    const below = at("999.99")
    const boundary = at("1000.00")
    expect(below.totalCost.amount <= boundary.totalCost.amount).toBe(true)
    expect(below.paid.amount <= boundary.paid.amount).toBe(true)
    expect(below.received.amount <= boundary.received.amount).toBe(true)
    // the margin is capped at the boundary's: 1,000.00 × 0.40 % = 4.00 USD (not 999.99 × 0.60 % = 6.00)
    expect(marginOf(below).toString()).toBe("400")
    expect(marginOf(boundary).toString()).toBe("400")
    expect(below.cappedSpreadBps?.toString()).toBe("40.000400004")
    expect(boundary.cappedSpreadBps).toBeUndefined()
    // the OUR charge: 15.00 EUR at the first tier's rate 0.91448, rounded up, whatever the amount
    const charge = (q: Quote.Quote) =>
      q.fees.find((f) => f.kind === "intermediary-estimate")!.inSource!.toString()
    expect(charge(below)).toBe("16.41 USD")
    expect(charge(boundary)).toBe("16.41 USD")
    expect(below.paid.toString()).toBe("1016.40 USD")
    expect(boundary.paid.toString()).toBe("1016.41 USD")
  })

  it("the cap starts where the tier's own margin reaches the boundary's: 666.66 USD pays 0.60 %, 666.67 USD is capped", () => {
    const before = at("666.66")
    const from = at("666.67")
    expect(before.cappedSpreadBps).toBeUndefined()
    expect(before.spreadBps).toBe(60)
    expect(marginOf(before).toString()).toBe("400") // 3.99996 rounded up
    expect(from.cappedSpreadBps).toBeDefined()
    expect(marginOf(from).toString()).toBe("400")
    expect(before.received.amount <= from.received.amount).toBe(true)
  })
})
