import fc from "fast-check"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import * as Calendar from "../src/Calendar.ts"

const HOUR = 3_600_000
const d = Calendar.dateUnsafe

/** Zones with DST both ways, none, odd offsets (+5:30, +5:45, +12:45 and Lord Howe's 30-minute DST), midnight changes. */
const zones = [
  "UTC",
  "Europe/London",
  "America/New_York",
  "Asia/Shanghai",
  "Australia/Lord_Howe",
  "Asia/Kolkata",
  "Asia/Kathmandu",
  "Pacific/Chatham",
  "America/Havana",
  "America/Santiago",
  "Pacific/Apia"
] as const

const calendars = new Map(zones.map((z) => [z, Calendar.decodeUnsafe({ timeZone: z })]))
const calOf = (z: (typeof zones)[number]) => calendars.get(z)!

/** An independent wall clock (another formatter, parsed differently) to find offset changes. */
const offsetFormats = new Map<string, Intl.DateTimeFormat>()
const offsetMinutes = (zone: string, t: number): number => {
  let f = offsetFormats.get(zone)
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-GB", { timeZone: zone, timeZoneName: "longOffset" })
    offsetFormats.set(zone, f)
  }
  const parts = f.formatToParts(t)
  const name = parts.find((p) => p.type === "timeZoneName")!.value // "GMT", "GMT+05:45", "GMT-03:00"
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name)
  return m === null ? 0 : (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]))
}

/** The instants (to the minute) the zone's offset changed from 2010 to 2035. */
const transitions = (zone: string): ReadonlyArray<number> => {
  const out: Array<number> = []
  for (let t = Date.UTC(2010, 0, 1); t < Date.UTC(2035, 0, 1); t += 12 * HOUR) {
    if (offsetMinutes(zone, t) === offsetMinutes(zone, t + 12 * HOUR)) continue
    let lo = t
    let hi = t + 12 * HOUR
    while (hi - lo > 60_000) {
      const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000
      if (offsetMinutes(zone, mid) === offsetMinutes(zone, t)) lo = mid
      else hi = mid
    }
    out.push(hi)
  }
  return out
}
const transitionsOf = new Map(zones.map((z) => [z, transitions(z)]))

/** An instant from 1990 to 2040, half of them within 30 hours of one of the zone's offset changes. */
const instantIn = (zone: (typeof zones)[number]) => {
  const near = transitionsOf.get(zone)!
  const uniform = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) })
  return near.length === 0
    ? uniform
    : fc.oneof(
        uniform,
        fc
          .tuple(fc.constantFrom(...near), fc.integer({ min: -30 * HOUR, max: 30 * HOUR }))
          .map(([t, dt]) => t + dt)
      )
}
const zoned = fc.constantFrom(...zones).chain((z) => fc.tuple(fc.constant(z), instantIn(z)))

const dateBetween = (from: string, to: string) =>
  fc
    .integer({ min: 0, max: (Date.parse(to) - Date.parse(from)) / 86_400_000 })
    .map((n) => Calendar.addDays(d(from), n))

/** A calendar: any zone, any weekend of at most six days, up to 80 holidays in 2024–2027. */
const calendarArb = fc
  .record({
    timeZone: fc.constantFrom(...zones),
    weekend: fc.subarray([...Calendar.weekdays], { maxLength: 6 }),
    holidays: fc.array(dateBetween("2024-01-01", "2027-12-31"), { maxLength: 80 })
  })
  .map((json) => Calendar.decodeUnsafe(json))

const captureAt = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2026, 11, 31) })

/** Business days in (from, to]. */
const businessDaysBetween = (
  cal: Calendar.Calendar,
  from: Calendar.IsoDate,
  to: Calendar.IsoDate
): number => {
  let n = 0
  for (let x = Calendar.addDays(from, 1); x <= to; x = Calendar.addDays(x, 1))
    if (Calendar.isBusinessDay(cal, x)) n++
  return n
}

describe("localDate and startOfDay", () => {
  it("the tests know each zone's offset changes (two a year with DST, none without)", () => {
    expect(transitionsOf.get("Europe/London")!.length).toBe(50)
    expect(transitionsOf.get("Australia/Lord_Howe")!.length).toBe(50)
    expect(transitionsOf.get("Asia/Shanghai")!.length).toBe(0)
    expect(transitionsOf.get("Europe/London")).toContain(Date.UTC(2026, 2, 29, 1))
  })

  it("startOfDay(localDate(x)) <= x < the start of the next day, in every zone, across offset changes", () => {
    fc.assert(
      fc.property(zoned, ([zone, x]) => {
        const cal = calOf(zone)
        const date = Calendar.localDate(cal, x)
        const start = Calendar.startOfDay(cal, date)
        const next = Calendar.startOfDay(cal, Calendar.addDays(date, 1))
        expect(start).toBeLessThanOrEqual(x)
        expect(x).toBeLessThan(next)
        // the start is the first instant of the date: the instant before it is on an earlier date
        expect(Calendar.localDate(cal, start)).toBe(date)
        expect(Calendar.localDate(cal, start - 1) < date).toBe(true)
      }),
      { numRuns: 600 }
    )
  })

  it("a day lasts 23 to 25 hours in the tested zones (24 in Shanghai), and dates never go back", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones.filter((z) => z !== "Pacific/Apia")),
        dateBetween("1995-01-01", "2039-12-31"),
        (zone, date) => {
          const cal = calOf(zone)
          const hours =
            (Calendar.startOfDay(cal, Calendar.addDays(date, 1)) - Calendar.startOfDay(cal, date)) / HOUR
          expect(hours).toBeGreaterThanOrEqual(23)
          expect(hours).toBeLessThanOrEqual(25)
          if (zone === "Asia/Shanghai" || zone === "UTC" || zone === "Asia/Kolkata") expect(hours).toBe(24)
        }
      ),
      { numRuns: 400 }
    )
  })

  it("knows the short and long days", () => {
    const length = (zone: (typeof zones)[number], date: string) =>
      (Calendar.startOfDay(calOf(zone), Calendar.addDays(d(date), 1)) -
        Calendar.startOfDay(calOf(zone), d(date))) /
      HOUR
    expect(length("Europe/London", "2026-03-29")).toBe(23)
    expect(length("Europe/London", "2026-10-25")).toBe(25)
    expect(length("America/New_York", "2026-03-08")).toBe(23)
    expect(length("America/New_York", "2026-11-01")).toBe(25)
    expect(length("Australia/Lord_Howe", "2026-04-05")).toBe(24.5)
    expect(length("Australia/Lord_Howe", "2026-10-04")).toBe(23.5)
    expect(length("Asia/Shanghai", "2026-03-08")).toBe(24)
    // London: midnight is 00:00Z in winter, 23:00Z the day before in summer
    expect(Calendar.startOfDay(calOf("Europe/London"), d("2026-01-15"))).toBe(Date.UTC(2026, 0, 15))
    expect(Calendar.startOfDay(calOf("Europe/London"), d("2026-07-01"))).toBe(Date.UTC(2026, 5, 30, 23))
    expect(Calendar.startOfDay(calOf("Asia/Kathmandu"), d("2026-07-01"))).toBe(Date.UTC(2026, 5, 30, 18, 15))
    expect(Calendar.startOfDay(calOf("Australia/Lord_Howe"), d("2026-01-01"))).toBe(
      Date.UTC(2025, 11, 31, 13)
    )
    expect(Calendar.startOfDay(calOf("Australia/Lord_Howe"), d("2026-07-01"))).toBe(
      Date.UTC(2026, 5, 30, 13, 30)
    )
  })

  it("a midnight that does not exist: the day starts at the change (Havana springs forward at 00:00)", () => {
    const havana = calOf("America/Havana")
    // 2026-03-08 00:00 CST (05:00Z) became 01:00 CDT
    expect(Calendar.startOfDay(havana, d("2026-03-08"))).toBe(Date.UTC(2026, 2, 8, 5))
    expect(Calendar.localDate(havana, Date.UTC(2026, 2, 8, 5) - 1)).toBe("2026-03-07")
  })

  it("a change that jumps over midnight (Toronto, 1919: 23:30 EST → 00:30 EDT) starts the day at the change", () => {
    const toronto = Calendar.decodeUnsafe({ timeZone: "America/Toronto" })
    const start = Calendar.startOfDay(toronto, d("1919-03-31"))
    expect(start).toBe(Date.UTC(1919, 2, 31, 4, 30))
    expect(Calendar.localDate(toronto, start - 1)).toBe("1919-03-30")
    expect(Calendar.startOfDay(toronto, d("1919-04-01")) - start).toBe(23.5 * HOUR)
  })

  it("a skipped date (Samoa, 2011-12-30) starts when the next date does and is no business day", () => {
    const apia = calOf("Pacific/Apia")
    expect(Calendar.startOfDay(apia, d("2011-12-30"))).toBe(Calendar.startOfDay(apia, d("2011-12-31")))
    expect(Calendar.weekdayOf(d("2011-12-30"))).toBe("friday")
    expect(Calendar.isBusinessDay(apia, d("2011-12-30"))).toBe(false)
    // captured Thursday 29th at noon, T+1: Friday never happened, the weekend follows → Monday
    const at = Calendar.startOfDay(apia, d("2011-12-29")) + 12 * HOUR
    expect(Calendar.localDate(apia, Calendar.availableOn(apia, at, 1))).toBe("2012-01-02")
  })

  it("refuses instants that are not integers in range with a RangeError (a caller's bug)", () => {
    const cal = calOf("UTC")
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1.5, -1e15, 1e15, Date.UTC(1899, 11, 31)]) {
      expect(Calendar.isInstant(bad)).toBe(false)
      expect(() => Calendar.localDate(cal, bad)).toThrow(RangeError)
      expect(() => Calendar.availableOn(cal, bad, 1)).toThrow(RangeError)
    }
    expect(() => Calendar.availableOn(cal, Date.UTC(2026, 0, 1), -1)).toThrow(RangeError)
    expect(() => Calendar.availableOn(cal, Date.UTC(2026, 0, 1), 0.5)).toThrow(RangeError)
    expect(() => Calendar.addBusinessDays(cal, d("2026-01-01"), Number.NaN)).toThrow(RangeError)
    expect(() => Calendar.startOfDay(cal, "2026-02-30" as Calendar.IsoDate)).toThrow(RangeError)
  })
})

describe("business days", () => {
  it("weekends and holidays; Friday and Saturday weekends; no weekend at all", () => {
    const uk = Calendar.decodeUnsafe({ timeZone: "Europe/London", holidays: ["2026-12-25", "2026-12-28"] })
    expect(Calendar.isBusinessDay(uk, d("2026-12-24"))).toBe(true)
    expect(Calendar.isBusinessDay(uk, d("2026-12-25"))).toBe(false)
    expect(Calendar.isBusinessDay(uk, d("2026-12-26"))).toBe(false)
    expect(Calendar.nextBusinessDay(uk, d("2026-12-25"))).toBe("2026-12-29")
    expect(Calendar.addBusinessDays(uk, d("2026-12-24"), 1)).toBe("2026-12-29")
    expect(Calendar.addBusinessDays(uk, d("2026-12-29"), -1)).toBe("2026-12-24")
    const gulf = Calendar.decodeUnsafe({ timeZone: "Asia/Riyadh", weekend: ["friday", "saturday"] })
    expect(Calendar.isBusinessDay(gulf, d("2026-01-09"))).toBe(false) // Friday
    expect(Calendar.isBusinessDay(gulf, d("2026-01-11"))).toBe(true) // Sunday
    const always = Calendar.decodeUnsafe({ timeZone: "UTC", weekend: [] })
    expect(Calendar.isBusinessDay(always, d("2026-01-10"))).toBe(true)
  })

  it("nextBusinessDay is the first business day on or after the date", () => {
    fc.assert(
      fc.property(calendarArb, dateBetween("2024-01-01", "2027-12-31"), (cal, date) => {
        const next = Calendar.nextBusinessDay(cal, date)
        expect(Calendar.isBusinessDay(cal, next)).toBe(true)
        expect(next >= date).toBe(true)
        for (let x = date; x < next; x = Calendar.addDays(x, 1))
          expect(Calendar.isBusinessDay(cal, x)).toBe(false)
        expect(Calendar.nextBusinessDay(cal, date) === date).toBe(Calendar.isBusinessDay(cal, date))
      }),
      { numRuns: 200 }
    )
  })

  it("addBusinessDays moves n business days and back", () => {
    fc.assert(
      fc.property(
        calendarArb,
        dateBetween("2024-01-01", "2027-12-31"),
        fc.integer({ min: 0, max: 40 }),
        (cal, date, n) => {
          const start = Calendar.nextBusinessDay(cal, date)
          const there = Calendar.addBusinessDays(cal, start, n)
          expect(Calendar.isBusinessDay(cal, there)).toBe(true)
          expect(businessDaysBetween(cal, start, there)).toBe(n)
          expect(Calendar.addBusinessDays(cal, there, -n)).toBe(start)
        }
      ),
      { numRuns: 200 }
    )
  })
})

describe("availableOn (T+N)", () => {
  it("is the start of a business day, at least N business days after the capture's date", () => {
    fc.assert(
      fc.property(calendarArb, captureAt, fc.integer({ min: 0, max: 30 }), (cal, at, n) => {
        const available = Calendar.availableOn(cal, at, n)
        const day = Calendar.localDate(cal, available)
        const captured = Calendar.localDate(cal, at)
        expect(Calendar.startOfDay(cal, day)).toBe(available)
        expect(Calendar.isBusinessDay(cal, day)).toBe(true)
        // exactly N after a business-day capture, N + 1 (counting the next business day) otherwise
        expect(businessDaysBetween(cal, captured, day)).toBe(
          Calendar.isBusinessDay(cal, captured) ? n : n + 1
        )
        // T+0 on a business day: available from the start of the capture's own day
        if (n === 0 && Calendar.isBusinessDay(cal, captured)) expect(available).toBeLessThanOrEqual(at)
      }),
      { numRuns: 300 }
    )
  })

  it("never decreases when the capture is later or the delay longer", () => {
    fc.assert(
      fc.property(
        calendarArb,
        captureAt,
        fc.integer({ min: 0, max: 10 * 86_400_000 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 30 }),
        (cal, at, later, n1, n2) => {
          const [lo, hi] = n1 <= n2 ? [n1, n2] : [n2, n1]
          expect(Calendar.availableOn(cal, at, lo)).toBeLessThanOrEqual(Calendar.availableOn(cal, at, hi))
          expect(Calendar.availableOn(cal, at, lo)).toBeLessThanOrEqual(
            Calendar.availableOn(cal, at + later, lo)
          )
        }
      ),
      { numRuns: 300 }
    )
  })

  it("across offset changes: every capture near a DST change lands on a start of day", () => {
    fc.assert(
      fc.property(zoned, fc.integer({ min: 0, max: 5 }), ([zone, at], n) => {
        const cal = calOf(zone)
        const available = Calendar.availableOn(cal, at, n)
        expect(Calendar.startOfDay(cal, Calendar.localDate(cal, available))).toBe(available)
        expect(available).toBeGreaterThan(Calendar.startOfDay(cal, Calendar.localDate(cal, at)) - 1)
      }),
      { numRuns: 300 }
    )
  })

  it("worked examples: weekends and holidays", () => {
    const ny = Calendar.decodeUnsafe({ timeZone: "America/New_York", holidays: ["2026-01-19"] })
    // Friday 2026-01-09 15:00 New York, T+2 → Tuesday 13th 00:00 New York (05:00Z)
    expect(Calendar.availableOn(ny, Date.UTC(2026, 0, 9, 20), 2)).toBe(Date.UTC(2026, 0, 13, 5))
    // Friday 23:30 New York is Saturday in UTC: the zone's date counts
    expect(Calendar.localDate(ny, Date.UTC(2026, 0, 10, 4, 30))).toBe("2026-01-09")
    // Saturday capture counts from Monday: T+0 → Monday, T+2 → Wednesday
    const saturday = Date.UTC(2026, 0, 10, 17)
    expect(Calendar.availableOn(ny, saturday, 0)).toBe(Date.UTC(2026, 0, 12, 5))
    expect(Calendar.availableOn(ny, saturday, 2)).toBe(Date.UTC(2026, 0, 14, 5))
    // Friday 16th T+1 skips the weekend and the Monday holiday
    expect(Calendar.localDate(ny, Calendar.availableOn(ny, Date.UTC(2026, 0, 16, 15), 1))).toBe("2026-01-20")
    // T+0 on a business day is the start of that day
    expect(Calendar.availableOn(ny, Date.UTC(2026, 0, 13, 15), 0)).toBe(Date.UTC(2026, 0, 13, 5))
  })
})

describe("decode", () => {
  const failure = (input: unknown): Calendar.InvalidCalendar => {
    const r = Calendar.decode(input)
    if (Result.isSuccess(r)) throw new Error(`decoded ${JSON.stringify(input)}`)
    return r.failure
  }

  it("decodes with defaults and the zone's canonical spelling", () => {
    const cal = Calendar.decodeUnsafe({ timeZone: "europe/london" })
    expect(cal).toEqual({ timeZone: "Europe/London", weekend: ["saturday", "sunday"], holidays: [] })
  })

  it("names the field and the reason", () => {
    const cases: ReadonlyArray<readonly [unknown, string, RegExp]> = [
      [{ timeZone: "Mars/Olympus_Mons" }, "timeZone", /IANA time zone/],
      [{ timeZone: "" }, "timeZone", /IANA/],
      [{ timeZone: "+05:00" }, "timeZone", /IANA/],
      [{ timeZone: 3 }, "timeZone", /string/],
      [{}, "timeZone", /Missing/],
      [
        { timeZone: "UTC", holidays: ["2026-01-01", "2026-01-02", "2026-01-05", "2026-02-30"] },
        "holidays[3]",
        /28 days/
      ],
      [{ timeZone: "UTC", holidays: ["2028-02-30"] }, "holidays[0]", /February 2028 has 29 days/],
      [{ timeZone: "UTC", holidays: ["2026-13-01"] }, "holidays[0]", /month/],
      [{ timeZone: "UTC", holidays: ["26-01-01"] }, "holidays[0]", /YYYY-MM-DD/],
      [{ timeZone: "UTC", holidays: ["1899-12-31"] }, "holidays[0]", /year/],
      [{ timeZone: "UTC", holidays: "2026-01-01" }, "holidays", /array/],
      [{ timeZone: "UTC", weekend: ["sat"] }, "weekend[0]", /saturday/],
      [{ timeZone: "UTC", weekend: ["sunday", "sunday"] }, "weekend", /once/],
      [{ timeZone: "UTC", weekend: [...Calendar.weekdays] }, "weekend", /six/],
      [{ timeZone: "UTC", holiday: [] }, "holiday", /excess/]
    ]
    for (const [input, path, reason] of cases) {
      const e = failure(input)
      expect(e._tag).toBe("InvalidCalendar")
      expect(e.path).toBe(path)
      expect(e.reason).toMatch(reason)
      expect(e.message).toContain("nothing was changed")
    }
  })

  it("hostile input gives a typed error and never throws; the next valid call still works", () => {
    const hostile: ReadonlyArray<unknown> = [
      null,
      undefined,
      42,
      -1n,
      Symbol("x"),
      "Europe/London",
      ["UTC"],
      { timeZone: "x".repeat(100_000) },
      { timeZone: "UTC", holidays: Array.from({ length: 10_001 }, () => "2026-01-01") },
      {
        get timeZone() {
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
    for (const input of hostile) expect(failure(input)._tag).toBe("InvalidCalendar")
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const r = Calendar.decode(input)
        if (Result.isFailure(r)) {
          expect(r.failure).toBeInstanceOf(Calendar.InvalidCalendar)
          expect(typeof r.failure.path).toBe("string")
        }
      }),
      { numRuns: 500 }
    )
    fc.assert(
      fc.property(fc.record({ timeZone: fc.string(), holidays: fc.array(fc.string()) }), (input) => {
        expect(() => Calendar.decode(input)).not.toThrow()
      }),
      { numRuns: 300 }
    )
    expect(Result.isSuccess(Calendar.decode({ timeZone: "Asia/Shanghai" }))).toBe(true)
  })

  it("dates: real dates only, typed errors, never a throw", () => {
    expect(Calendar.isIsoDate("2028-02-29")).toBe(true)
    expect(Calendar.isIsoDate("2027-02-29")).toBe(false)
    expect(Calendar.isIsoDate("2026-04-31")).toBe(false)
    expect(Calendar.isIsoDate("9999-12-31")).toBe(true)
    const r = Calendar.date("2026-02-30")
    expect(Result.isFailure(r) && r.failure._tag === "InvalidDate" && r.failure.reason).toMatch(/28 days/)
    expect(() => Calendar.dateUnsafe("2026-02-30")).toThrow(Calendar.InvalidDate)
    fc.assert(
      fc.property(fc.anything(), (u) => {
        expect(Calendar.isIsoDate(u)).toBe(Result.isSuccess(Calendar.date(u)))
      }),
      { numRuns: 300 }
    )
    // every real date round-trips through the day arithmetic
    fc.assert(
      fc.property(
        fc.date({
          min: new Date(Date.UTC(1900, 0, 1)),
          max: new Date(Date.UTC(9999, 11, 31)),
          noInvalidDate: true
        }),
        (x) => {
          const iso = x.toISOString().slice(0, 10)
          expect(Calendar.isIsoDate(iso)).toBe(true)
          const date = d(iso)
          expect(Calendar.weekdayOf(date)).toBe(Calendar.weekdays[(x.getUTCDay() + 6) % 7])
          if (iso !== "9999-12-31")
            expect(Calendar.addDays(date, 1)).toBe(
              new Date(Date.parse(iso) + 86_400_000).toISOString().slice(0, 10)
            )
        }
      ),
      { numRuns: 300 }
    )
  })
})
