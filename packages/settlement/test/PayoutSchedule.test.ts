import fc from "fast-check"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import * as Calendar from "../src/Calendar.ts"
import * as PayoutSchedule from "../src/PayoutSchedule.ts"

const d = Calendar.dateUnsafe

const schedule = (interval: unknown, extra: Record<string, unknown> = {}) =>
  PayoutSchedule.decodeUnsafe({ delayDays: 2, interval, ...extra })

const dateBetween = (from: string, to: string) =>
  fc
    .integer({ min: 0, max: (Date.parse(to) - Date.parse(from)) / 86_400_000 })
    .map((n) => Calendar.addDays(d(from), n))

const calendarArb = fc
  .record({
    timeZone: fc.constantFrom("UTC", "Europe/London", "America/New_York", "Australia/Lord_Howe"),
    weekend: fc.subarray([...Calendar.weekdays], { maxLength: 6 }),
    holidays: fc.array(dateBetween("2025-12-01", "2027-02-28"), { maxLength: 60 })
  })
  .map((json) => Calendar.decodeUnsafe(json))

const intervalArb = fc.oneof(
  fc.constant({ _tag: "manual" as const }),
  fc.constant({ _tag: "daily" as const }),
  fc.constantFrom(...Calendar.weekdays).map((weeklyAnchor) => ({ _tag: "weekly" as const, weeklyAnchor })),
  fc.integer({ min: 1, max: 31 }).map((monthlyAnchor) => ({ _tag: "monthly" as const, monthlyAnchor })),
  fc.integer({ min: 28, max: 31 }).map((monthlyAnchor) => ({ _tag: "monthly" as const, monthlyAnchor }))
)

/** The anchor dates of an interval in [from, to], from their definition (a brute-force model). */
const anchorDates = (
  interval: PayoutSchedule.Interval,
  from: Calendar.IsoDate,
  to: Calendar.IsoDate
): ReadonlyArray<Calendar.IsoDate> => {
  const out: Array<Calendar.IsoDate> = []
  for (let x = from; x <= to; x = Calendar.addDays(x, 1)) {
    const day = Number(x.slice(8, 10))
    const last = Calendar.daysInMonth(Number(x.slice(0, 4)), Number(x.slice(5, 7)))
    if (interval._tag === "weekly" && Calendar.weekdayOf(x) === interval.weeklyAnchor) out.push(x)
    if (interval._tag === "monthly" && day === Math.min(interval.monthlyAnchor, last)) out.push(x)
  }
  return out
}

/** The payout days in [from, to] by the model: business days for daily, anchors moved to the next business day. */
const modelPayoutDays = (
  interval: PayoutSchedule.Interval,
  cal: Calendar.Calendar,
  from: Calendar.IsoDate,
  to: Calendar.IsoDate
): ReadonlySet<string> => {
  const out = new Set<string>()
  if (interval._tag === "manual") return out
  if (interval._tag === "daily") {
    for (let x = from; x <= to; x = Calendar.addDays(x, 1)) if (Calendar.isBusinessDay(cal, x)) out.add(x)
    return out
  }
  // anchors up to 120 days earlier can roll into the window across a run of holidays (none
  // before 1900-01-01 counts)
  const earliest = from < "1900-05-01" ? Calendar.dateUnsafe("1900-01-01") : Calendar.addDays(from, -120)
  for (const a of anchorDates(interval, earliest, to)) {
    const p = Calendar.nextBusinessDay(cal, a)
    if (p >= from && p <= to) out.add(p)
  }
  return out
}

describe("payout days", () => {
  it("isPayoutDay agrees with the model of every interval, on any calendar", () => {
    fc.assert(
      fc.property(
        intervalArb,
        calendarArb,
        dateBetween("2026-01-01", "2026-11-30"),
        (interval, cal, from) => {
          const s = schedule(interval)
          const to = Calendar.addDays(from, 62)
          const expected = modelPayoutDays(interval, cal, from, to)
          const actual = new Set<string>()
          for (let x = from; x <= to; x = Calendar.addDays(x, 1))
            if (PayoutSchedule.isPayoutDay(s, cal, x)) actual.add(x)
          expect([...actual]).toEqual([...expected].sort())
        }
      ),
      { numRuns: 150 }
    )
  })

  it("nextPayoutDate is the first payout day strictly after the date", () => {
    fc.assert(
      fc.property(
        intervalArb,
        calendarArb,
        dateBetween("2026-01-01", "2026-10-31"),
        (interval, cal, after) => {
          const s = schedule(interval)
          const next = PayoutSchedule.nextPayoutDate(s, cal, after)
          if (interval._tag === "manual") {
            expect(next).toBeUndefined()
            return
          }
          expect(next).toBeDefined()
          expect(next! > after).toBe(true)
          expect(PayoutSchedule.isPayoutDay(s, cal, next!)).toBe(true)
          for (let x = Calendar.addDays(after, 1); x < next!; x = Calendar.addDays(x, 1))
            expect(PayoutSchedule.isPayoutDay(s, cal, x)).toBe(false)
        }
      ),
      { numRuns: 150 }
    )
  })

  it("weekly lands on the anchor, or on the next business day when the anchor is not one", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Calendar.weekdays),
        calendarArb,
        dateBetween("2026-01-01", "2026-12-31"),
        (anchor, cal, after) => {
          const s = schedule({ _tag: "weekly", weeklyAnchor: anchor })
          const p = PayoutSchedule.nextPayoutDate(s, cal, after)!
          // the latest anchor day on or before p
          let a = p
          while (Calendar.weekdayOf(a) !== anchor) a = Calendar.addDays(a, -1)
          expect(Calendar.isBusinessDay(cal, p)).toBe(true)
          expect(Calendar.nextBusinessDay(cal, a)).toBe(p)
          if (Calendar.isBusinessDay(cal, a)) expect(p).toBe(a)
        }
      ),
      { numRuns: 200 }
    )
  })

  it("monthly anchors 29–31 pay on the last day of shorter months (February in leap and other years)", () => {
    const everyDay = Calendar.decodeUnsafe({ timeZone: "UTC", weekend: [] })
    fc.assert(
      fc.property(fc.integer({ min: 1901, max: 2399 }), fc.integer({ min: 29, max: 31 }), (year, anchor) => {
        const s = schedule({ _tag: "monthly", monthlyAnchor: anchor })
        const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
        const last = leap ? 29 : 28
        const payout = PayoutSchedule.nextPayoutDate(s, everyDay, d(`${year}-01-31`))
        expect(payout).toBe(`${year}-02-${last}`)
        expect(PayoutSchedule.isPayoutDay(s, everyDay, d(`${year}-02-${last}`))).toBe(true)
        for (let day = 1; day < last; day++)
          expect(
            PayoutSchedule.isPayoutDay(s, everyDay, d(`${year}-02-${String(day).padStart(2, "0")}`))
          ).toBe(false)
        // and in a 30-day month, 31 pays on the 30th, 29 and 30 on their own day
        expect(PayoutSchedule.nextPayoutDate(s, everyDay, d(`${year}-03-31`))).toBe(
          `${year}-04-${Math.min(anchor, 30)}`
        )
      }),
      { numRuns: 200 }
    )
  })

  it("month-end examples: leap years, weekends, crossing into the next month, holidays", () => {
    const cal = Calendar.decodeUnsafe({ timeZone: "Europe/Berlin", holidays: ["2026-06-01"] })
    const s31 = schedule({ _tag: "monthly", monthlyAnchor: 31 })
    const s30 = schedule({ _tag: "monthly", monthlyAnchor: 30 })
    expect(PayoutSchedule.nextPayoutDate(s31, cal, d("2028-02-01"))).toBe("2028-02-29") // Tuesday, leap year
    expect(PayoutSchedule.nextPayoutDate(s30, cal, d("2026-02-01"))).toBe("2026-03-02") // Sat 28th → Mon 2 March
    expect(PayoutSchedule.nextPayoutDate(s31, cal, d("2027-02-01"))).toBe("2027-03-01") // Sun 28th → Mon 1 March
    expect(PayoutSchedule.isPayoutDay(s31, cal, d("2027-02-26"))).toBe(false) // never back into the month
    expect(PayoutSchedule.nextPayoutDate(s31, cal, d("2026-01-01"))).toBe("2026-02-02") // Sat 31 Jan → Mon 2 Feb
    // 31 May 2026 is a Sunday and 1 June a holiday: Tuesday 2 June
    expect(PayoutSchedule.nextPayoutDate(s31, cal, d("2026-05-15"))).toBe("2026-06-02")
    // then June's own anchor (30th, a Tuesday)
    expect(PayoutSchedule.nextPayoutDate(s31, cal, d("2026-06-02"))).toBe("2026-06-30")
    const s1 = schedule({ _tag: "monthly", monthlyAnchor: 1 })
    expect(PayoutSchedule.nextPayoutDate(s1, cal, d("2026-05-01"))).toBe("2026-06-02")
  })

  it("daily is every business day; manual never", () => {
    const cal = Calendar.decodeUnsafe({ timeZone: "America/New_York", holidays: ["2026-07-03"] })
    const daily = schedule({ _tag: "daily" })
    expect(PayoutSchedule.nextPayoutDate(daily, cal, d("2026-07-02"))).toBe("2026-07-06")
    expect(PayoutSchedule.isPayoutDay(daily, cal, d("2026-07-03"))).toBe(false)
    const manual = schedule({ _tag: "manual" })
    expect(PayoutSchedule.nextPayoutDate(manual, cal, d("2026-07-02"))).toBeUndefined()
    expect(PayoutSchedule.isPayoutDay(manual, cal, d("2026-07-06"))).toBe(false)
  })

  it("works from the first supported date on", () => {
    const cal = Calendar.decodeUnsafe({ timeZone: "UTC" })
    for (const interval of [
      { _tag: "weekly", weeklyAnchor: "friday" },
      { _tag: "weekly", weeklyAnchor: "monday" },
      { _tag: "monthly", monthlyAnchor: 15 }
    ]) {
      const s = schedule(interval)
      const days: Array<string> = []
      for (let x = d("1900-01-01"); x <= "1900-02-28"; x = Calendar.addDays(x, 1))
        if (PayoutSchedule.isPayoutDay(s, cal, x)) days.push(x)
      expect(days).toEqual([...modelPayoutDays(s.interval, cal, d("1900-01-01"), d("1900-02-28"))].sort())
      expect(PayoutSchedule.nextPayoutDate(s, cal, d("1900-01-01"))).toBe(days.find((x) => x > "1900-01-01"))
    }
  })

  it("availableOn uses the schedule's delay", () => {
    const cal = Calendar.decodeUnsafe({ timeZone: "Asia/Shanghai" })
    const s = PayoutSchedule.decodeUnsafe({ delayDays: 1, interval: { _tag: "daily" } })
    // Monday 2026-01-05 11:00 Shanghai, T+1 → Tuesday 00:00 Shanghai (Monday 16:00Z)
    expect(PayoutSchedule.availableOn(s, cal, Date.UTC(2026, 0, 5, 3))).toBe(Date.UTC(2026, 0, 5, 16))
    expect(PayoutSchedule.availableOn(s, cal, Date.UTC(2026, 0, 5, 3))).toBe(
      Calendar.availableOn(cal, Date.UTC(2026, 0, 5, 3), 1)
    )
  })
})

describe("payoutDecision", () => {
  it("pays at or above the minimum, carries below it, at zero, and negative unless debiting", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
        fc.bigInt({ min: 0n, max: 10n ** 6n }),
        fc.constantFrom("carry" as const, "debit" as const),
        fc.constantFrom("EUR", "USD", "JPY"),
        (available, minimum, negativeBalance, currency) => {
          const s = PayoutSchedule.decodeUnsafe({
            delayDays: 0,
            interval: { _tag: "daily" },
            minimumPayout: { EUR: minimum.toString() },
            negativeBalance
          })
          const decision = PayoutSchedule.payoutDecision(s, { available, currency })
          const min = currency === "EUR" ? minimum : 0n
          if (available === 0n) expect(decision).toEqual({ _tag: "carry", reason: "zero" })
          else if (available < 0n)
            expect(decision).toEqual(
              negativeBalance === "debit"
                ? { _tag: "debit", amount: -available }
                : { _tag: "carry", reason: "negative" }
            )
          else if (available < min) expect(decision).toEqual({ _tag: "carry", reason: "below_minimum" })
          else expect(decision).toEqual({ _tag: "pay", amount: available })
          // every amount moved is positive
          if (decision._tag !== "carry") expect(decision.amount > 0n).toBe(true)
        }
      ),
      { numRuns: 300 }
    )
  })

  it("examples; a currency without a minimum pays any positive balance", () => {
    const s = PayoutSchedule.decodeUnsafe({
      delayDays: 2,
      interval: { _tag: "weekly", weeklyAnchor: "friday" },
      minimumPayout: { EUR: "1000", JPY: "500" }
    })
    expect(s.negativeBalance).toBe("carry")
    expect(PayoutSchedule.payoutDecision(s, { available: 999n, currency: "EUR" })).toEqual({
      _tag: "carry",
      reason: "below_minimum"
    })
    expect(PayoutSchedule.payoutDecision(s, { available: 1000n, currency: "EUR" })).toEqual({
      _tag: "pay",
      amount: 1000n
    })
    expect(PayoutSchedule.payoutDecision(s, { available: 1n, currency: "USD" })).toEqual({
      _tag: "pay",
      amount: 1n
    })
    expect(PayoutSchedule.payoutDecision(s, { available: -5n, currency: "EUR" })).toEqual({
      _tag: "carry",
      reason: "negative"
    })
    // "toString" is not a currency with a minimum
    expect(PayoutSchedule.payoutDecision(s, { available: 1n, currency: "toString" })).toEqual({
      _tag: "pay",
      amount: 1n
    })
  })
})

describe("decode", () => {
  const failure = (input: unknown): PayoutSchedule.InvalidPayoutSchedule => {
    const r = PayoutSchedule.decode(input)
    if (Result.isSuccess(r)) throw new Error(`decoded ${JSON.stringify(input)}`)
    return r.failure
  }
  const daily = { _tag: "daily" }

  it("decodes JSON: minimums as strings to bigint, defaults for the optional keys", () => {
    expect(
      PayoutSchedule.decodeUnsafe({ delayDays: 7, interval: { _tag: "monthly", monthlyAnchor: 31 } })
    ).toEqual({
      delayDays: 7,
      interval: { _tag: "monthly", monthlyAnchor: 31 },
      minimumPayout: {},
      negativeBalance: "carry"
    })
    const s = PayoutSchedule.decodeUnsafe({
      delayDays: 0,
      interval: daily,
      minimumPayout: { EUR: "1000", JPY: "0" },
      negativeBalance: "debit"
    })
    expect(s.minimumPayout).toEqual({ EUR: 1000n, JPY: 0n })
  })

  it("names the field and the reason", () => {
    const cases: ReadonlyArray<readonly [unknown, string, RegExp]> = [
      [{ delayDays: -1, interval: daily }, "delayDays", /0 to 30/],
      [{ delayDays: 31, interval: daily }, "delayDays", /0 to 30/],
      [{ delayDays: 1.5, interval: daily }, "delayDays", /integer/],
      [{ delayDays: "2", interval: daily }, "delayDays", /number/],
      [
        { delayDays: 2, interval: { _tag: "monthly", monthlyAnchor: 0 } },
        "interval.monthlyAnchor",
        /1 to 31/
      ],
      [
        { delayDays: 2, interval: { _tag: "monthly", monthlyAnchor: 32 } },
        "interval.monthlyAnchor",
        /1 to 31/
      ],
      [{ delayDays: 2, interval: { _tag: "monthly" } }, "interval.monthlyAnchor", /Missing/],
      [
        { delayDays: 2, interval: { _tag: "weekly", weeklyAnchor: "fri" } },
        "interval.weeklyAnchor",
        /friday/
      ],
      [{ delayDays: 2, interval: { _tag: "yearly" } }, "interval", /"_tag": "daily"/],
      [{ delayDays: 2, interval: "daily" }, "interval", /"_tag": "daily"/],
      [{ delayDays: 2, interval: daily, minimumPayout: { EUR: "-1" } }, "minimumPayout.EUR", /negative/],
      [{ delayDays: 2, interval: daily, minimumPayout: { EUR: "10.5" } }, "minimumPayout.EUR", /minor units/],
      [{ delayDays: 2, interval: daily, minimumPayout: { EUR: 100 } }, "minimumPayout.EUR", /string/],
      [
        { delayDays: 2, interval: daily, minimumPayout: { XQQ: "1" } },
        "minimumPayout.XQQ",
        /unknown currency/
      ],
      [{ delayDays: 2, interval: daily, negativeBalance: "pay" }, "negativeBalance", /carry/],
      [{ delayDays: 2, interval: daily, merchant: "m_1" }, "merchant", /excess/]
    ]
    for (const [input, path, reason] of cases) {
      const e = failure(input)
      expect(e._tag).toBe("InvalidPayoutSchedule")
      expect(e.path).toBe(path)
      expect(e.reason).toMatch(reason)
      expect(e.message).toContain(path)
    }
  })

  it("hostile input gives a typed error and never throws; the next valid call still works", () => {
    const hostile: ReadonlyArray<unknown> = [
      null,
      undefined,
      0,
      "daily",
      [],
      10n,
      { delayDays: Number.NaN, interval: daily },
      { delayDays: Number.POSITIVE_INFINITY, interval: daily },
      { delayDays: 2, interval: daily, minimumPayout: JSON.parse('{"__proto__": "1"}') },
      { delayDays: 2, interval: daily, minimumPayout: { EUR: "9".repeat(60) } },
      {
        delayDays: 2,
        get interval() {
          throw new Error("boom")
        }
      },
      new Proxy(
        {},
        {
          get() {
            throw new Error("trap")
          },
          ownKeys() {
            throw new Error("trap")
          }
        }
      )
    ]
    for (const input of hostile) expect(failure(input)._tag).toBe("InvalidPayoutSchedule")
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const r = PayoutSchedule.decode(input)
        if (Result.isFailure(r)) expect(r.failure).toBeInstanceOf(PayoutSchedule.InvalidPayoutSchedule)
      }),
      { numRuns: 500 }
    )
    fc.assert(
      fc.property(
        fc.record(
          {
            delayDays: fc.oneof(fc.integer(), fc.double(), fc.string()),
            interval: fc.record(
              { _tag: fc.string(), weeklyAnchor: fc.string(), monthlyAnchor: fc.integer() },
              { requiredKeys: ["_tag"] }
            ),
            minimumPayout: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())),
            negativeBalance: fc.string()
          },
          { requiredKeys: [] }
        ),
        (input) => {
          const r = PayoutSchedule.decode(input)
          if (Result.isFailure(r)) expect(r.failure._tag).toBe("InvalidPayoutSchedule")
        }
      ),
      { numRuns: 300 }
    )
    expect(Result.isSuccess(PayoutSchedule.decode({ delayDays: 2, interval: daily }))).toBe(true)
  })
})
