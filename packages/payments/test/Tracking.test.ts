import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Decline from "../src/Decline.ts"
import * as Tracking from "../src/Tracking.ts"

/**
 * The "where is my money?" timeline: the catalogue covers every stage and decline code in both
 * languages, `append` only grows forward and never edits, business days skip weekends, the
 * customer view reads a refund timeline in English and Chinese, and every reason code a support
 * agent sees is explained.
 */

const LOCALES = Tracking.Locale.literals
const PLACEHOLDERS = ["amount", "reference", "reason", "days"]
const CJK = /[\u4e00-\u9fff]/
const DAY = 86_400_000
const weekday = (t: number) => new Date(t).getUTCDay()

const VOCABULARIES: ReadonlyArray<readonly [string, Tracking.Vocabulary, ReadonlyArray<string>]> = [
  [
    "PAYOUT_FAILURES",
    Tracking.PAYOUT_FAILURES,
    [
      "account_closed",
      "account_frozen",
      "bank_account_restricted",
      "bank_ownership_changed",
      "could_not_process",
      "debit_not_authorized",
      "declined",
      "incorrect_account_holder_name",
      "insufficient_funds",
      "invalid_account_number",
      "invalid_currency",
      "no_account",
      "unsupported_card"
    ]
  ],
  [
    "SEPA_R_CODES",
    Tracking.SEPA_R_CODES,
    [
      "AC01",
      "AC04",
      "AC06",
      "AC13",
      "AG01",
      "AG02",
      "AM04",
      "AM05",
      "BE05",
      "CNOR",
      "DNOR",
      "FF01",
      "MD01",
      "MD02",
      "MD06",
      "MD07",
      "MS02",
      "MS03",
      "RC01",
      "RR01",
      "RR02",
      "RR03",
      "RR04",
      "SL01",
      "FOCR",
      "DUPL",
      "TECH",
      "FRAD",
      "CUST",
      "AC03"
    ]
  ],
  [
    "SWIFT_GPI_STATUSES",
    Tracking.SWIFT_GPI_STATUSES,
    ["ACSP/G000", "ACSP/G001", "ACSP/G002", "ACSP/G003", "ACSP/G004", "ACCC", "RJCT", "ACSC"]
  ],
  [
    "REFUND_FAILURES",
    Tracking.REFUND_FAILURES,
    ["expired_or_canceled_card", "lost_or_stolen_card", "declined", "unknown"]
  ]
]

/** A timeline from entries, failing the test on a refusal. */
const build = (entries: ReadonlyArray<Tracking.Entry>): Tracking.Timeline =>
  entries.reduce<Tracking.Timeline>((t, e) => Result.getOrThrow(Tracking.append(t, e)), [])

const refused = (r: Result.Result<unknown, { readonly _tag: string; readonly path: string }>) => {
  expect(Result.isFailure(r)).toBe(true)
  if (Result.isSuccess(r)) throw new Error("expected a refusal")
  expect(r.failure._tag).toBe("InvalidInput")
  return r.failure.path
}

describe("the message catalogue", () => {
  it("every stage has a label and a detail in English and in Chinese", () => {
    expect(Object.keys(Tracking.CATALOGUE).sort()).toEqual([...Tracking.Stage.literals].sort())
    for (const stage of Tracking.Stage.literals)
      for (const locale of LOCALES) {
        const m = Tracking.CATALOGUE[stage][locale]
        expect(m.label.length, `${stage} ${locale}`).toBeGreaterThan(1)
        expect(m.detail.length, `${stage} ${locale}`).toBeGreaterThan(5)
        expect(CJK.test(m.label + m.detail), `${stage} ${locale}`).toBe(locale === "zh")
      }
  })

  it("templates use only known placeholders, brackets never nest, and {days} is there exactly for the stages with an expectation", () => {
    for (const stage of Tracking.Stage.literals)
      for (const locale of LOCALES) {
        const { detail } = Tracking.CATALOGUE[stage][locale]
        for (const m of detail.matchAll(/\{(\w*)\}/g))
          expect(PLACEHOLDERS, `${stage} ${locale}`).toContain(m[1])
        expect(detail.replace(/\[[^[\]]*\]/g, ""), `${stage} ${locale}`).not.toMatch(/[[\]]/)
        expect(detail.includes("{days}"), `${stage} ${locale}`).toBe(
          Tracking.EXPECTATIONS[stage] !== undefined
        )
        expect(/\[[^\]]*\{days\}/.test(detail), `${stage} ${locale}`).toBe(false)
      }
  })

  it("every placeholder used is filled, with all values given and with none", () => {
    for (const stage of Tracking.Stage.literals) {
      const full: Tracking.Entry = {
        subject: "pay_1",
        stage,
        at: Date.UTC(2026, 0, 5),
        source: "webhook",
        reasonCode: stage.startsWith("refund_") ? "AC04" : "insufficient_funds",
        reference: "REF123",
        amount: { amount: "123456", currency: "EUR" }
      }
      const bare: Tracking.Entry = { subject: "pay_1", stage, at: Date.UTC(2026, 0, 5), source: "api" }
      for (const locale of LOCALES) {
        const template = Tracking.CATALOGUE[stage][locale].detail
        const [withAll] = Tracking.customerView([full], { locale })
        const [withNone] = Tracking.customerView([bare], { locale })
        for (const v of [withAll!, withNone!]) expect(v.detail, `${stage} ${locale}`).not.toMatch(/[[\]{}]/)
        if (template.includes("{amount}")) expect(withAll!.detail).toMatch(/1,234\.56/)
        if (template.includes("{reference}")) expect(withAll!.detail).toContain("REF123")
        if (template.includes("{reason}"))
          expect(withAll!.detail.length, `${stage} ${locale}`).toBeGreaterThan(withNone!.detail.length + 5)
        expect(withNone!.detail).not.toContain("REF123")
      }
    }
  })

  it("every decline code has a Chinese customer message, generic exactly where the English one is", () => {
    expect(Object.keys(Tracking.DECLINE_MESSAGES_ZH).sort()).toEqual([...Decline.Code.literals].sort())
    const genericEn = Decline.VOCABULARY.generic_decline.customerMessage
    const genericZh = Tracking.DECLINE_MESSAGES_ZH.generic_decline
    for (const code of Decline.Code.literals) {
      const zh = Tracking.DECLINE_MESSAGES_ZH[code]
      expect(CJK.test(zh), code).toBe(true)
      expect(zh === genericZh, code).toBe(Decline.VOCABULARY[code].customerMessage === genericEn)
    }
  })

  it("every vocabulary has exactly its codes, each with English, Chinese and an agent action", () => {
    for (const [name, vocabulary, codes] of VOCABULARIES) {
      expect(Object.keys(vocabulary).sort(), name).toEqual([...codes].sort())
      for (const [code, e] of Object.entries(vocabulary)) {
        expect(e.en.length, `${name} ${code}`).toBeGreaterThan(5)
        expect(CJK.test(e.en), `${name} ${code}`).toBe(false)
        expect(CJK.test(e.zh), `${name} ${code}`).toBe(true)
        expect(Tracking.AgentAction.literals, `${name} ${code}`).toContain(e.action)
      }
    }
  })
})

describe("append", () => {
  const created: Tracking.Entry = { subject: "pay_1", stage: "created", at: 1_000, source: "api" }

  it("returns a new timeline with the entry at the end, leaving the one given unchanged", () => {
    const before = Object.freeze([created])
    const next: Tracking.Entry = { subject: "pay_1", stage: "confirmed", at: 1_000, source: "webhook" }
    const after = Result.getOrThrow(Tracking.append(before, next))
    expect(after).toEqual([created, next])
    expect(after).not.toBe(before)
    expect(before).toEqual([created])
  })

  it("refuses an entry before the last one of the same subject, naming at; another subject may be earlier", () => {
    const t = build([created, { subject: "pay_1", stage: "confirmed", at: 5_000, source: "webhook" }])
    const snapshot = structuredClone(t)
    expect(
      refused(Tracking.append(t, { subject: "pay_1", stage: "authorised", at: 4_999, source: "poll" }))
    ).toBe("at")
    expect(t).toEqual(snapshot)
    const other = Tracking.append(t, { subject: "pay_2", stage: "created", at: 1, source: "api" })
    expect(Result.isSuccess(other)).toBe(true)
  })

  it("refuses an entry that does not decode, naming the field, and changes nothing", () => {
    const t = build([created])
    const bad: ReadonlyArray<readonly [unknown, string]> = [
      [{ ...created, stage: "refunded" }, "stage"],
      [{ ...created, source: "email" }, "source"],
      [{ ...created, at: 1.5 }, "at"],
      [{ ...created, at: -1 }, "at"],
      [{ ...created, subject: "" }, "subject"],
      [{ ...created, reference: "has space" }, "reference"],
      [{ ...created, amount: { amount: "12.50", currency: "EUR" } }, "amount.amount"],
      [{ ...created, amount: { amount: "0", currency: "EUR" } }, "amount.amount"],
      [{ ...created, amount: { amount: "100", currency: "XXX1" } }, "amount.currency"],
      [{ ...created, note: "extra" }, "note"],
      [{ stage: "created", at: 1, source: "api" }, "subject"]
    ]
    for (const [entry, path] of bad) {
      expect(refused(Tracking.append(t, entry as Tracking.Entry)), JSON.stringify(entry)).toBe(path)
      expect(t).toEqual([created])
    }
  })

  it("any run of appends keeps each subject's entries in time order and never edits an earlier timeline", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ subject: fc.constantFrom("a", "b", "c"), at: fc.integer({ min: 0, max: 50 }) }),
          { maxLength: 40 }
        ),
        (steps) => {
          let t: Tracking.Timeline = []
          for (const s of steps) {
            const before = t
            const copy = [...t]
            const r = Tracking.append(t, { ...s, stage: "created", source: "poll" })
            expect(before).toEqual(copy)
            const last = t.findLast((e) => e.subject === s.subject)
            expect(Result.isSuccess(r)).toBe(last === undefined || s.at >= last.at)
            if (Result.isSuccess(r)) t = r.success
          }
          for (const subject of ["a", "b", "c"]) {
            const times = t.filter((e) => e.subject === subject).map((e) => e.at)
            expect(times).toEqual([...times].sort((x, y) => x - y))
          }
        }
      )
    )
  })
})

describe("addBusinessDays", () => {
  const friday = Date.UTC(2026, 0, 2, 15, 30)
  const saturday = friday + DAY
  const sunday = friday + 2 * DAY
  const monday = friday + 3 * DAY

  it("Friday + 1 is Monday; a weekend start counts from Monday; 0 leaves it; time of day is kept", () => {
    expect(Tracking.addBusinessDays(friday, 1)).toBe(monday)
    expect(Tracking.addBusinessDays(saturday, 1)).toBe(monday)
    expect(Tracking.addBusinessDays(sunday, 1)).toBe(monday)
    expect(Tracking.addBusinessDays(sunday, 5)).toBe(friday + 7 * DAY)
    expect(Tracking.addBusinessDays(monday, 5)).toBe(monday + 7 * DAY)
    expect(Tracking.addBusinessDays(friday, 10)).toBe(friday + 14 * DAY)
    expect(Tracking.addBusinessDays(saturday, 0)).toBe(saturday)
    expect(Tracking.addBusinessDays(monday, -1)).toBe(friday)
    expect(Tracking.addBusinessDays(saturday, -1)).toBe(friday)
  })

  it("large counts: 100 years of 52 five-day weeks are 36,400 calendar days", () => {
    expect(Tracking.addBusinessDays(monday, 26_000)).toBe(monday + 36_400 * DAY)
    expect(Tracking.addBusinessDays(friday, 26_001)).toBe(friday + 36_403 * DAY)
    expect(() => Tracking.addBusinessDays(monday, 1.5)).toThrow(RangeError)
  })

  const instant = fc.integer({ min: 0, max: Date.UTC(2200, 0, 1) })

  it("never lands on a weekend for days ≥ 1, and is strictly monotone in days", () => {
    fc.assert(
      fc.property(
        instant,
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 1_000 }),
        (t, d, more) => {
          const r = Tracking.addBusinessDays(t, d)
          expect([0, 6]).not.toContain(weekday(r))
          expect(Tracking.addBusinessDays(t, d + more)).toBeGreaterThan(r)
          expect(Tracking.addBusinessDays(t, -d)).toBeLessThan(t)
          expect([0, 6]).not.toContain(weekday(Tracking.addBusinessDays(t, -d)))
          expect((r - t) % DAY).toBe(0)
        }
      )
    )
  })

  it("agrees with counting weekdays one day at a time", () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 60 }), (t, d) => {
        let r = t
        for (let left = d; left > 0; ) {
          r += DAY
          if (weekday(r) !== 0 && weekday(r) !== 6) left--
        }
        expect(Tracking.addBusinessDays(t, d)).toBe(r)
      })
    )
  })
})

describe("the customer view", () => {
  const friday = Date.UTC(2026, 0, 2, 15) // Friday 2 January 2026
  const refund = "pay_1:refund:1"
  const eur = { amount: "2500", currency: "EUR" }
  const timeline = build([
    { subject: "pay_1", stage: "created", at: friday - 60_000, source: "api", amount: eur },
    { subject: "pay_1", stage: "captured", at: friday - 30_000, source: "webhook", amount: eur },
    { subject: refund, stage: "refund_requested", at: friday, source: "api", amount: eur },
    { subject: refund, stage: "refund_pending", at: friday + 1_000, source: "webhook", amount: eur },
    {
      subject: refund,
      stage: "refund_succeeded",
      at: friday + DAY, // Saturday
      source: "webhook",
      reference: "74537604221431003881865",
      amount: eur
    }
  ])

  it("reads a refund timeline in English, with the expected-by dates in business days", () => {
    expect(Tracking.customerView(timeline, { locale: "en", subject: refund })).toEqual([
      {
        subject: refund,
        stage: "refund_requested",
        at: friday,
        label: "Refund requested",
        detail: "A refund of €25.00 has been requested."
      },
      {
        subject: refund,
        stage: "refund_pending",
        at: friday + 1_000,
        label: "Refund in progress",
        detail:
          "Your refund of €25.00 is being processed. A decision usually comes within 1–3 business days.",
        expectedBy: Date.UTC(2026, 0, 7, 15, 0, 1) // Wednesday
      },
      {
        subject: refund,
        stage: "refund_succeeded",
        at: friday + DAY,
        label: "Refund sent to your bank",
        detail:
          "Your refund of €25.00 was sent to your bank, reference 74537604221431003881865. It usually arrives within 5–10 business days.",
        expectedBy: Date.UTC(2026, 0, 16, 15) // Friday two weeks later
      }
    ])
  })

  it("reads the same timeline in Chinese", () => {
    const zh = Tracking.customerView(timeline, { locale: "zh", subject: refund })
    expect(zh.map((v) => [v.label, v.detail, v.expectedBy])).toEqual([
      ["已申请退款", "已为您申请 €25.00 退款。", undefined],
      [
        "退款处理中",
        "您的 €25.00 退款正在处理中，通常在 1–3 个工作日内有结果。",
        Date.UTC(2026, 0, 7, 15, 0, 1)
      ],
      [
        "退款已发送至您的银行",
        "您的 €25.00 退款已发送至您的银行（参考号：74537604221431003881865），通常在 5–10 个工作日内到账。",
        Date.UTC(2026, 0, 16, 15)
      ]
    ])
  })

  it("without a subject shows every entry oldest first; the capture expects its statement in 3 business days", () => {
    const all = Tracking.customerView(timeline, { locale: "en" })
    expect(all.map((v) => v.stage)).toEqual([
      "created",
      "captured",
      "refund_requested",
      "refund_pending",
      "refund_succeeded"
    ])
    expect(all[1]!.expectedBy).toBe(Date.UTC(2026, 0, 7, 14, 59, 30))
    expect(Tracking.customerView(timeline, { locale: "en", subject: "pay_9" })).toEqual([])
  })

  it("shows a reason in plain words from its vocabulary, lost cards as a generic decline, and an unknown code not at all", () => {
    const at = Date.UTC(2026, 0, 5)
    const view = (stage: Tracking.Stage, reasonCode: string, locale: Tracking.Locale) =>
      Tracking.customerView([{ subject: "pay_1", stage, at, source: "webhook", reasonCode }], { locale })[0]!
        .detail
    expect(view("declined", "insufficient_funds", "en")).toBe(
      "Your payment did not go through. Your card has insufficient funds. Please use another payment method."
    )
    expect(view("declined", "insufficient_funds", "zh")).toBe(
      "您的付款未成功。您的银行卡余额不足，请使用其他付款方式。"
    )
    expect(view("declined", "stolen_card", "en")).toContain(
      Decline.VOCABULARY.generic_decline.customerMessage
    )
    expect(view("refund_returned", "AC04", "en")).toContain(Tracking.SEPA_R_CODES.AC04.en)
    expect(view("refund_failed", "declined", "zh")).toContain(Tracking.REFUND_FAILURES.declined.zh)
    expect(view("declined", "zz_unknown", "en")).toBe("Your payment did not go through.")
    expect(view("declined", "zz_unknown", "zh")).toBe("您的付款未成功。")
  })
})

describe("explain", () => {
  it("gives a code's meaning in either language", () => {
    expect(Tracking.explain(Tracking.SEPA_R_CODES, "AC04", "en")).toEqual(
      Result.succeed("The account is closed.")
    )
    expect(Tracking.explain(Tracking.SWIFT_GPI_STATUSES, "ACCC", "zh")).toEqual(
      Result.succeed(Tracking.SWIFT_GPI_STATUSES.ACCC.zh)
    )
  })

  it("refuses a code the vocabulary does not have, naming code", () => {
    for (const code of ["ZZ99", "", "toString", "__proto__", "ac04", "ACSP"])
      expect(refused(Tracking.explain(Tracking.SEPA_R_CODES, code, "en")), code).toBe("code")
    expect(refused(Tracking.explain(Tracking.PAYOUT_FAILURES, "AC04", "zh"))).toBe("code")
  })
})
