import { Currency, Decimal, Money, Rounding } from "@paykit/core"
import { fc, test } from "@fast-check/vitest"
import { Result } from "effect"
import { describe, expect } from "vitest"
import { Quote, Schedule } from "../src/index.ts"
import { amount, CURRENCIES, context, pair } from "./arbitraries.ts"

const currency = (code: string) => Result.getOrThrow(Currency.fromCode(code))
const send = (ctx: Quote.Context, a: bigint) =>
  Quote.fromSendAmount(ctx, Money.fromMinorUnsafe(a, ctx.corridor.source))
const receive = (ctx: Quote.Context, t: bigint) =>
  Quote.fromReceiveAmount(ctx, Money.fromMinorUnsafe(t, ctx.corridor.target))
const line = (q: Quote.Quote, kind: Quote.FeeKind) => q.fees.find((f) => f.kind === kind)?.amount.amount ?? 0n

/** Only "too small" failures are allowed: the fees or the intermediary estimate eat the amount. */
const expectSmallAmountFailure = (r: Result.Result<Quote.Quote, Quote.CalculationError>) => {
  if (Result.isFailure(r)) expect(["NothingToConvert", "NothingArrives"]).toContain(r.failure._tag)
}

describe("quote properties", () => {
  test.prop([context(), amount, fc.bigInt({ min: 0n, max: 10n ** 9n })])(
    "fees are never negative and never decrease as the amount grows",
    (ctx, a, d) => {
      const qa = send(ctx, a)
      const qb = send(ctx, a + d)
      expectSmallAmountFailure(qa)
      expectSmallAmountFailure(qb)
      if (Result.isSuccess(qa)) {
        expect(Result.isSuccess(qb)).toBe(true) // a larger amount never fails where a smaller one worked
        const x = qa.success
        const y = Result.getOrThrow(qb)
        for (const f of x.fees) expect(f.amount.amount >= 0n).toBe(true)
        expect(x.ourFees.amount >= 0n && x.totalCost.amount >= 0n).toBe(true)
        expect(x.ourFees.amount <= y.ourFees.amount).toBe(true)
        expect(line(x, "fixed") <= line(y, "fixed")).toBe(true)
        expect(line(x, "percentage") <= line(y, "percentage")).toBe(true)
        expect(line(x, "intermediary-estimate") <= line(y, "intermediary-estimate")).toBe(true)
      }
    }
  )

  test.prop([context(), amount, fc.bigInt({ min: 0n, max: 10n ** 9n })])(
    "send and receive amounts never decrease as the send amount grows",
    (ctx, a, d) => {
      const qa = send(ctx, a)
      const qb = send(ctx, a + d)
      if (Result.isSuccess(qa)) {
        const y = Result.getOrThrow(qb)
        expect(qa.success.paid.amount <= y.paid.amount).toBe(true)
        expect(qa.success.converted.amount <= y.converted.amount).toBe(true)
        expect(qa.success.received.amount <= y.received.amount).toBe(true)
      }
    }
  )

  test.prop([context(), fc.bigInt({ min: 1n, max: 10n ** 9n }), fc.bigInt({ min: 0n, max: 10n ** 8n })])(
    "send amounts never decrease as the receive amount grows",
    (ctx, t, d) => {
      const x = Result.getOrThrow(receive(ctx, t))
      const y = Result.getOrThrow(receive(ctx, t + d))
      expect(x.principal.amount <= y.principal.amount).toBe(true)
      expect(x.paid.amount <= y.paid.amount).toBe(true)
      expect(x.received.amount <= y.received.amount).toBe(true)
    }
  )

  test.prop([
    context(),
    fc.oneof(fc.bigInt({ min: 1n, max: 100_000n }), fc.bigInt({ min: 1n, max: 10n ** 12n }))
  ])(
    "a receive-amount quote: the recipient is never short, and one minor unit less sent would be short",
    (ctx, t) => {
      const q = Result.getOrThrow(receive(ctx, t))
      expect(q.direction).toBe("receive")
      expect(q.requested.amount).toBe(t)
      expect(q.received.amount >= t).toBe(true)
      // the quote is exactly the forward quote of its principal
      const forward = Result.getOrThrow(send(ctx, q.principal.amount))
      expect(forward.received.amount).toBe(q.received.amount)
      expect(forward.paid.amount).toBe(q.paid.amount)
      // minimal
      if (q.principal.amount > 1n) {
        const less = send(ctx, q.principal.amount - 1n)
        expectSmallAmountFailure(less)
        if (Result.isSuccess(less)) expect(less.success.received.amount < t).toBe(true)
      }
    }
  )

  test.prop([
    fc.constantFrom("USD", "EUR", "JPY", "KWD", "CLF"),
    amount,
    fc.constantFrom("OUR", "SHA", "BEN" as const)
  ])("a quote in the same currency with no fees returns the amount unchanged", (code, a, charges) => {
    const schedule = Schedule.makeUnsafe({
      corridors: [{ source: code, target: code, spreadBps: 0, feeMode: "on-top", charges }]
    })
    const same = { base: code, quote: code, rate: Decimal.ONE, source: "identity", asOf: 0 }
    const ctx: Quote.Context = {
      corridor: Result.getOrThrow(Schedule.match(schedule, code, code)),
      mid: same,
      reference: same,
      id: "01JSAME00000000000000000000",
      now: 0,
      lockMillis: 1
    }
    const q = Result.getOrThrow(send(ctx, a))
    expect(q.received.amount).toBe(a)
    expect(q.paid.amount).toBe(a)
    expect(q.totalCost.amount).toBe(0n)
    expect(q.fees).toEqual([])
    expect(Decimal.isZero(q.markup.allIn) && Decimal.isZero(q.markup.rate)).toBe(true)
    expect(Result.getOrThrow(receive(ctx, a)).principal.amount).toBe(a)
  })

  test.prop([context().filter((c) => c.corridor.charges === "OUR"), amount])(
    "under OUR the recipient gets exactly the converted amount, and the sender pays the intermediary fee",
    (ctx, a) => {
      const r = send(ctx, a)
      expectSmallAmountFailure(r)
      if (Result.isFailure(r)) return
      const q = r.success
      expect(q.received.amount).toBe(q.convertedTarget.amount)
      expect(q.receivedIsEstimate).toBe(false)
      const onTop = q.feeMode === "on-top" ? q.ourFees.amount : 0n
      const charged = q.fees.find((f) => f.kind === "intermediary-estimate")?.inSource?.amount ?? 0n
      expect(q.paid.amount).toBe(q.principal.amount + onTop + charged)
      // the charge covers the estimate at the customer rate (rounded up, never under)
      const covers = Result.getOrThrow(
        Money.convert(
          Money.fromMinorUnsafe(charged, ctx.corridor.source),
          q.customerRate,
          ctx.corridor.target,
          "floor"
        )
      )
      expect(covers.amount >= ctx.corridor.intermediaryFee).toBe(true)
    }
  )

  test.prop([
    context(["USD", "GBP", "CHF", "KWD", "CLF", "JPY"]).filter((c) => c.corridor.charges === "OUR"),
    fc.bigInt({ min: 1n, max: 10n ** 10n })
  ])(
    "under OUR a receive-amount quote delivers exactly the target when a source minor unit buys at most one target minor unit",
    (ctx, t) => {
      const q = Result.getOrThrow(receive(ctx, t))
      const rate = q.customerRate
      const s = ctx.corridor.source.exponent
      const g = ctx.corridor.target.exponent
      // one source minor unit = rate × 10^(g − s) target minor units
      const perUnitNumerator = rate.coefficient * Rounding.pow10(Math.max(0, g - s))
      const perUnitDenominator = Rounding.pow10(rate.scale + Math.max(0, s - g))
      if (perUnitNumerator <= perUnitDenominator) expect(q.received.amount).toBe(t)
      else expect(q.received.amount >= t).toBe(true)
    }
  )

  test.prop([context(CURRENCIES, { referenceIsMid: true }), amount])(
    "the disclosed rate mark-up reproduces the applied rate from the reference rate exactly (reference = mid)",
    (ctx, a) => {
      const r = send(ctx, a)
      if (Result.isFailure(r)) return
      const q = r.success
      const capped = q.cappedSpreadBps
      if (capped === undefined) {
        expect(Decimal.equals(Quote.impliedRate(q), q.customerRate)).toBe(true)
        expect(q.markup.rate.toString()).toBe(Decimal.fromParts(BigInt(q.spreadBps), 2).toString())
      } else {
        // under the boundary cap the applied spread is a decimal: the mark-up is it, at 10 places
        const percent = Decimal.fromParts(capped.coefficient, capped.scale + 2)
        expect(q.markup.rate.toString()).toBe(Decimal.round(percent, 10, "half-even").toString())
        if (percent.scale <= 10) expect(Decimal.equals(Quote.impliedRate(q), q.customerRate)).toBe(true)
      }
    }
  )

  test.prop([context(), amount])(
    "the disclosed mark-ups reproduce the applied rate and the all-in ratio from any reference rate",
    (ctx, a) => {
      const r = send(ctx, a)
      if (Result.isFailure(r)) return
      const q = r.success
      const ref = q.referenceRate.rate
      // rate mark-up (10 places): reference × (1 − m/100) is within 10^-12 × reference of the customer rate
      const diff = Decimal.subtract(Quote.impliedRate(q), q.customerRate)
      const bound = Decimal.multiply(ref, Decimal.fromParts(1n, 12))
      expect(Decimal.compare(diff.coefficient < 0n ? Decimal.negate(diff) : diff, bound) <= 0).toBe(true)
      // all-in mark-up (half-up, 4 places): reference × (1 − allIn/100) ≈ received / paid in major units
      const s = ctx.corridor.source.exponent
      const g = ctx.corridor.target.exponent
      const ratio = Result.getOrThrow(
        Decimal.divide(
          Decimal.fromParts(q.received.amount * Rounding.pow10(s), 0),
          Decimal.fromParts(q.paid.amount * Rounding.pow10(g), 0),
          30,
          "half-even"
        )
      )
      const implied = Decimal.multiply(
        ref,
        Decimal.subtract(
          Decimal.ONE,
          Result.getOrThrow(Decimal.divide(q.markup.allIn, Decimal.HUNDRED, 6, "half-even"))
        )
      )
      const gap = Decimal.subtract(implied, ratio)
      const allowed = Decimal.multiply(ref, Decimal.fromParts(51n, 8)) // half of 0.0001 % plus slack
      expect(Decimal.compare(gap.coefficient < 0n ? Decimal.negate(gap) : gap, allowed) <= 0).toBe(true)
    }
  )

  test.prop([context(), amount])(
    "the conversion and third-party mark-ups add up to the all-in figure; no intermediary estimate, no third-party figure",
    (ctx, a) => {
      const r = send(ctx, a)
      if (Result.isFailure(r)) return
      const m = r.success.markup
      const conversion = m.conversion!
      const thirdParty = m.thirdParty!
      expect(Decimal.equals(Decimal.add(conversion, thirdParty), m.allIn)).toBe(true)
      expect(Decimal.compare(thirdParty, Decimal.ZERO) >= 0).toBe(true)
      if (ctx.corridor.intermediaryFee === 0n) expect(Decimal.isZero(thirdParty)).toBe(true)
      // JSON carries the split figures
      const json = JSON.parse(JSON.stringify(r.success)).markup
      expect([json.conversion, json.thirdParty]).toEqual([conversion.toString(), thirdParty.toString()])
    }
  )

  test.prop([context(["USD", "JPY", "KWD", "CLF"]), amount])(
    "amounts in JPY, KWD and CLF respect their exponents: converted amounts round down at the minor unit",
    (ctx, a) => {
      const r = send(ctx, a)
      if (Result.isFailure(r)) return
      const q = r.success
      const src = ctx.corridor.source
      const tgt = ctx.corridor.target
      for (const m of [q.principal, q.paid, q.converted, q.ourFees, q.totalCost])
        expect(m.currency.code).toBe(src.code)
      for (const m of [q.convertedTarget, q.received]) expect(m.currency.code).toBe(tgt.code)
      const decimals = (m: Money.Money) => Money.toDecimalString(m).split(".")[1]?.length ?? 0
      expect(decimals(q.received)).toBe(tgt.exponent)
      expect(decimals(q.paid)).toBe(src.exponent)
      // independent oracle: floor(converted × rate × 10^(g − s)) by integer arithmetic
      const rate = q.customerRate
      const num = q.converted.amount * rate.coefficient * Rounding.pow10(tgt.exponent)
      const den = Rounding.pow10(rate.scale + src.exponent)
      expect(q.convertedTarget.amount).toBe(num / den)
    }
  )
})

describe("exponents: pinned examples", () => {
  const schedule = Schedule.makeUnsafe({
    corridors: ["JPY", "KWD", "CLF"].flatMap((t) => [
      { source: "USD", target: t, spreadBps: 0, feeMode: "on-top" as const, charges: "OUR" as const },
      { source: t, target: "USD", spreadBps: 0, feeMode: "on-top" as const, charges: "OUR" as const }
    ])
  })
  const ctx = (source: string, target: string, value: string): Quote.Context => {
    const r = { base: source, quote: target, rate: Decimal.unsafe(value), source: "memory", asOf: 0 }
    return {
      corridor: Result.getOrThrow(Schedule.match(schedule, source, target)),
      mid: r,
      reference: r,
      id: "01JEXPONENTS00000000000000",
      now: 0,
      lockMillis: 1
    }
  }
  const cases: ReadonlyArray<readonly [string, string, string, string, string]> = [
    ["USD", "JPY", "150.4323827047", "1000.00", "150432 JPY"],
    ["JPY", "USD", "0.0066475", "150432", "999.99 USD"],
    ["USD", "KWD", "0.30719999", "1000.00", "307.199 KWD"],
    ["KWD", "USD", "3.2552", "307.199", "999.99 USD"],
    ["USD", "CLF", "0.02537777", "1234.57", "31.3306 CLF"],
    ["CLF", "USD", "39.4046", "31.3306", "1234.56 USD"]
  ]
  for (const [s, t, value, amountText, expected] of cases) {
    test(`${amountText} ${s} at ${value} gives ${expected}`, () => {
      const q = Result.getOrThrow(
        Quote.fromSendAmount(ctx(s, t, value), Money.parseUnsafe(amountText, currency(s)))
      )
      expect(q.received.toString()).toBe(expected)
    })
  }
})

describe("receive quotes pick the minimal amount even across tiers and fee clamps", () => {
  test.prop([pair(["USD", "EUR", "JPY"]), fc.bigInt({ min: 1n, max: 10n ** 7n })])(
    "with a steep tier change the search still lands on the minimal principal",
    ({ source, target }, t) => {
      const schedule = Schedule.makeUnsafe({
        corridors: [
          {
            source,
            target,
            spreadBps: 300,
            fixedFee: "500",
            percentFeeMin: "250",
            percentFeeMax: "2500",
            tiers: [
              { min: "0", max: "50000", percentFee: "2.5" },
              { min: "50000", max: "200000", percentFee: "1", spreadBps: 100 },
              { min: "200000", percentFee: "0.1", spreadBps: 0 }
            ],
            feeMode: "deducted",
            charges: "BEN",
            intermediaryFee: "700"
          }
        ]
      })
      const r = { base: source, quote: target, rate: Decimal.unsafe("1.2345"), source: "memory", asOf: 0 }
      const c: Quote.Context = {
        corridor: Result.getOrThrow(Schedule.match(schedule, source, target)),
        mid: r,
        reference: r,
        id: "01JSTEEP000000000000000000",
        now: 0,
        lockMillis: 1
      }
      const q = Result.getOrThrow(receive(c, t))
      expect(q.received.amount >= t).toBe(true)
      const less = send(c, q.principal.amount - 1n)
      if (Result.isSuccess(less)) expect(less.success.received.amount < t).toBe(true)
    }
  )
})
