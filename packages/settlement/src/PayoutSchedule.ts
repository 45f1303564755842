/**
 * Payout schedules as data, and the pure decisions a settlement run makes with them: when funds
 * become available (T+N), whether a date is a payout day, the next payout day, and what to do
 * with an available balance (pay it, carry it forward, or debit the merchant's bank account).
 *
 * @since 0.1.0
 */
import { Input } from "@paykit/core"
import { Currency, Money } from "@paykit/core/schema"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as Calendar from "./Calendar.ts"

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

/**
 * How often payouts happen:
 *
 * - `manual`: never on a schedule; the merchant or the platform asks for each payout.
 * - `daily`: every business day.
 * - `weekly`: on `weeklyAnchor` each week, or the next business day when that day is not one.
 * - `monthly`: on day `monthlyAnchor` (1–31) of each month. In a month without that day (the
 *   29th–31st rule) the anchor is the month's last day: anchor 31 pays on 30 April and on 28 or
 *   29 February. When the anchor day is not a business day the payout is on the next business
 *   day, which may fall in the next month (anchor 31, Saturday 31 January → Monday 2 February);
 *   it never moves back into the month.
 *
 * @example
 * ```ts
 * import type { PayoutSchedule } from "@paykit/settlement"
 * const endOfMonth: PayoutSchedule.Interval = { _tag: "monthly", monthlyAnchor: 31 }
 * ```
 * @category models
 * @since 0.1.0
 */
export type Interval =
  | { readonly _tag: "manual" }
  | { readonly _tag: "daily" }
  | { readonly _tag: "weekly"; readonly weeklyAnchor: Calendar.Weekday }
  | { readonly _tag: "monthly"; readonly monthlyAnchor: number }

/**
 * What happens to a negative available balance on a payout day: `carry` keeps it on the balance
 * until later activity covers it; `debit` collects it from the merchant's bank account with a
 * debit payout.
 *
 * @example
 * ```ts
 * import type { PayoutSchedule } from "@paykit/settlement"
 * const policy: PayoutSchedule.NegativeBalance = "debit"
 * ```
 * @category models
 * @since 0.1.0
 */
export type NegativeBalance = "carry" | "debit"

/**
 * The payout policy of a merchant's balance in a currency (a service may share one schedule
 * between a merchant's currencies, hence minimums per currency):
 *
 * - `delayDays` (0–30): funds captured on business day T are available on business day T+N of
 *   the calendar (see `Calendar.availableOn`);
 * - `interval`: the payout days (see {@link Interval});
 * - `minimumPayout`: per currency code, in that currency's minor units (at least 0); an available
 *   balance below it is carried forward to the next payout day; a currency not listed has no
 *   minimum;
 * - `negativeBalance`: see {@link NegativeBalance}.
 *
 * @example
 * ```ts
 * import type { PayoutSchedule } from "@paykit/settlement"
 * const weekly: PayoutSchedule.PayoutSchedule = {
 *   delayDays: 2,
 *   interval: { _tag: "weekly", weeklyAnchor: "friday" },
 *   minimumPayout: { EUR: 1000n },
 *   negativeBalance: "carry"
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface PayoutSchedule {
  readonly delayDays: number
  readonly interval: Interval
  readonly minimumPayout: Readonly<Record<string, bigint>>
  readonly negativeBalance: NegativeBalance
}

/**
 * The JSON form of a {@link PayoutSchedule}: minimums are minor units as strings
 * (`{ "EUR": "1000" }`); `minimumPayout` may be left out (no minimums), and `negativeBalance`
 * too (`carry`: nothing is ever debited from a bank account without saying so).
 *
 * @example
 * ```ts
 * import type { PayoutSchedule } from "@paykit/settlement"
 * const json: PayoutSchedule.PayoutScheduleJson = { delayDays: 2, interval: { _tag: "daily" } }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface PayoutScheduleJson {
  readonly delayDays: number
  readonly interval: Interval
  readonly minimumPayout?: Readonly<Record<string, string>>
  readonly negativeBalance?: NegativeBalance
}

/** The longest delay a schedule accepts, in business days. */
const MAX_DELAY_DAYS = 30

const isCurrencyCode = Schema.is(Currency.Code)

const MinimumAmount = Money.MinorUnits.check(
  Schema.makeFilter((n: bigint) => n >= 0n || "a minimum payout cannot be negative", {
    title: "MinimumPayout"
  })
)

/**
 * The JSON codec of a {@link PayoutSchedule}. Prefer {@link decode}, which returns a typed error
 * naming the field; this is the schema to embed in a larger one.
 *
 * @example
 * ```ts
 * import { PayoutSchedule } from "@paykit/settlement"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(PayoutSchedule.Json)({ delayDays: 0, interval: { _tag: "manual" } })
 * ```
 * @category models
 * @since 0.1.0
 */
export const Json: Schema.Codec<PayoutSchedule, PayoutScheduleJson> = Schema.Struct({
  delayDays: Schema.Int.check(
    Schema.isBetween(
      { minimum: 0, maximum: MAX_DELAY_DAYS },
      { message: `expected a whole number of business days from 0 to ${MAX_DELAY_DAYS}` }
    )
  ),
  interval: Schema.Union([
    Schema.TaggedStruct("manual", {}),
    Schema.TaggedStruct("daily", {}),
    Schema.TaggedStruct("weekly", { weeklyAnchor: Schema.Literals(Calendar.weekdays) }),
    Schema.TaggedStruct("monthly", {
      monthlyAnchor: Schema.Int.check(
        Schema.isBetween(
          { minimum: 1, maximum: 31 },
          {
            message: "expected a day of the month from 1 to 31 (29–31 pay on the last day of shorter months)"
          }
        )
      )
    })
  ]).annotate({
    message:
      'expected { "_tag": "manual" }, { "_tag": "daily" }, { "_tag": "weekly", "weeklyAnchor": "monday" … "sunday" } or { "_tag": "monthly", "monthlyAnchor": 1 … 31 }'
  }),
  minimumPayout: Schema.Record(Schema.String, MinimumAmount)
    .check(
      Schema.makeFilter((minimums: Readonly<Record<string, bigint>>) => {
        const unknown = Object.keys(minimums).find((code): boolean => !isCurrencyCode(code))
        return unknown === undefined
          ? true
          : {
              path: [unknown],
              issue: `unknown currency ${JSON.stringify(unknown.slice(0, 16))}: key minimums by ISO 4217 code, such as "EUR"`
            }
      })
    )
    .pipe(Schema.withDecodingDefaultKey(Effect.succeed({}))),
  negativeBalance: Schema.Literals(["carry", "debit"]).pipe(
    Schema.withDecodingDefaultKey(Effect.succeed("carry" as const))
  )
})

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * A payout schedule could not be decoded: `path` names the field (`delayDays`,
 * `interval.monthlyAnchor`, `minimumPayout.EUR`) and `reason` says what is wrong. Nothing was
 * changed; fix the field and decode again.
 *
 * @example
 * ```ts
 * import { PayoutSchedule } from "@paykit/settlement"
 * new PayoutSchedule.InvalidPayoutSchedule({ path: "interval.monthlyAnchor", reason: "expected 1 to 31" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class InvalidPayoutSchedule extends Schema.TaggedError<InvalidPayoutSchedule>()(
  "InvalidPayoutSchedule",
  {
    path: Schema.String,
    reason: Schema.String
  }
) {
  override get message(): string {
    return `invalid payout schedule${this.path === "" ? "" : ` at ${this.path}`}: ${this.reason}; nothing was changed: fix the field and decode again`
  }
}

// ---------------------------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------------------------

/**
 * Decodes a payout schedule from JSON (or any unknown value). Unknown keys are refused. Never
 * throws, even on hostile input: the failure is an {@link InvalidPayoutSchedule} naming the
 * first bad field.
 *
 * @example
 * ```ts
 * import { PayoutSchedule } from "@paykit/settlement"
 * PayoutSchedule.decode({ delayDays: 2, interval: { _tag: "monthly", monthlyAnchor: 31 }, minimumPayout: { EUR: "1000" } })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const decode = (input: unknown): Result.Result<PayoutSchedule, InvalidPayoutSchedule> =>
  Result.mapError(
    Input.decodeResult("PayoutSchedule.decode", Json)(input),
    (e) => new InvalidPayoutSchedule({ path: e.path, reason: e.reason })
  )

/**
 * {@link decode} for configuration known to be good (tests, constants): throws the
 * {@link InvalidPayoutSchedule} when it is not.
 *
 * @example
 * ```ts
 * import { PayoutSchedule } from "@paykit/settlement"
 * const daily = PayoutSchedule.decodeUnsafe({ delayDays: 2, interval: { _tag: "daily" } })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const decodeUnsafe = (input: unknown): PayoutSchedule => {
  const r = decode(input)
  if (Result.isFailure(r)) throw r.failure
  return r.success
}

// ---------------------------------------------------------------------------------------------
// Payout days
// ---------------------------------------------------------------------------------------------

/**
 * Anchor dates from 1900-01-01 on: the first, the last one on or before a date (none before the
 * first), and the one after an anchor date.
 */
interface Anchors {
  readonly first: Calendar.IsoDate
  readonly onOrBefore: (date: Calendar.IsoDate) => Calendar.IsoDate | undefined
  readonly next: (anchor: Calendar.IsoDate) => Calendar.IsoDate
}

const monthAnchor = (year: number, month: number, anchor: number): Calendar.IsoDate =>
  Calendar.dateUnsafe(
    `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(
      Math.min(anchor, Calendar.daysInMonth(year, month))
    ).padStart(2, "0")}`
  )

const anchorsOf = (interval: Interval): Anchors | undefined => {
  switch (interval._tag) {
    case "weekly": {
      const target = Calendar.weekdays.indexOf(interval.weeklyAnchor)
      const onOrBefore = (date: Calendar.IsoDate): Calendar.IsoDate | undefined => {
        const back = (Calendar.weekdays.indexOf(Calendar.weekdayOf(date)) - target + 7) % 7
        // 1900-01-01 was a Monday: no anchor before it counts
        return date < "1900-01-08" && Number(date.slice(8, 10)) <= back
          ? undefined
          : Calendar.addDays(date, -back)
      }
      return {
        first: onOrBefore(Calendar.dateUnsafe("1900-01-07"))!,
        onOrBefore,
        next: (anchor) => Calendar.addDays(anchor, 7)
      }
    }
    case "monthly": {
      const k = interval.monthlyAnchor
      return {
        first: monthAnchor(1900, 1, k),
        onOrBefore: (date) => {
          const y = Number(date.slice(0, 4))
          const m = Number(date.slice(5, 7))
          const here = monthAnchor(y, m, k)
          if (here <= date) return here
          if (y === 1900 && m === 1) return undefined
          return m === 1 ? monthAnchor(y - 1, 12, k) : monthAnchor(y, m - 1, k)
        },
        next: (anchor) => {
          const y = Number(anchor.slice(0, 4))
          const m = Number(anchor.slice(5, 7))
          return m === 12 ? monthAnchor(y + 1, 1, k) : monthAnchor(y, m + 1, k)
        }
      }
    }
    default:
      return undefined
  }
}

/**
 * Whether `date` is a payout day of the schedule on the calendar: never for `manual`; every
 * business day for `daily`; for `weekly` and `monthly`, the business day an anchor date lands on
 * (the anchor itself, or the next business day when it is not one; see {@link Interval}). Two
 * anchors that land on the same business day (a holiday spanning a week) make one payout day.
 *
 * @example
 * ```ts
 * import { Calendar, PayoutSchedule } from "@paykit/settlement"
 * const cal = Calendar.decodeUnsafe({ timeZone: "Europe/Berlin" })
 * const s = PayoutSchedule.decodeUnsafe({ delayDays: 2, interval: { _tag: "monthly", monthlyAnchor: 31 } })
 * // 28 February 2027, the last day of the month, is a Sunday: the payout moves to Monday 1 March
 * PayoutSchedule.isPayoutDay(s, cal, Calendar.dateUnsafe("2027-03-01")) // true
 * ```
 * @category math
 * @since 0.1.0
 */
export const isPayoutDay = (
  schedule: PayoutSchedule,
  cal: Calendar.Calendar,
  date: Calendar.IsoDate
): boolean => {
  switch (schedule.interval._tag) {
    case "manual":
      return false
    case "daily":
      return Calendar.isBusinessDay(cal, date)
    default: {
      // the payout day of the last anchor on or before `date` is at most `date` (when `date` is a
      // business day), and every earlier anchor lands no later: so it is a payout day iff that one
      // lands exactly on it
      const anchor = anchorsOf(schedule.interval)!.onOrBefore(date)
      return anchor !== undefined && Calendar.nextBusinessDay(cal, anchor) === date
    }
  }
}

/**
 * The first payout day strictly after `after`, or `undefined` for a `manual` schedule. Throws a
 * `RangeError` only past 9999-12-31.
 *
 * @example
 * ```ts
 * import { Calendar, PayoutSchedule } from "@paykit/settlement"
 * const cal = Calendar.decodeUnsafe({ timeZone: "America/New_York" })
 * const s = PayoutSchedule.decodeUnsafe({ delayDays: 2, interval: { _tag: "weekly", weeklyAnchor: "monday" } })
 * PayoutSchedule.nextPayoutDate(s, cal, Calendar.dateUnsafe("2026-01-05")) // "2026-01-12"
 * ```
 * @category math
 * @since 0.1.0
 */
export const nextPayoutDate = (
  schedule: PayoutSchedule,
  cal: Calendar.Calendar,
  after: Calendar.IsoDate
): Calendar.IsoDate | undefined => {
  switch (schedule.interval._tag) {
    case "manual":
      return undefined
    case "daily":
      return Calendar.nextBusinessDay(cal, Calendar.addDays(after, 1))
    default: {
      const anchors = anchorsOf(schedule.interval)!
      // an anchor before the last one on or before `after` lands no later than that one, so the
      // search can start there; payout days of successive anchors never decrease
      let anchor = anchors.onOrBefore(after) ?? anchors.first
      for (;;) {
        const payout = Calendar.nextBusinessDay(cal, anchor)
        if (payout > after) return payout
        anchor = anchors.next(anchor)
      }
    }
  }
}

/**
 * When funds captured at instant `at` become available under the schedule:
 * `Calendar.availableOn(cal, at, schedule.delayDays)`, the start of business day T+N.
 *
 * @example
 * ```ts
 * import { Calendar, PayoutSchedule } from "@paykit/settlement"
 * const cal = Calendar.decodeUnsafe({ timeZone: "Asia/Shanghai" })
 * const s = PayoutSchedule.decodeUnsafe({ delayDays: 1, interval: { _tag: "daily" } })
 * PayoutSchedule.availableOn(s, cal, Date.UTC(2026, 0, 5, 3)) === Date.UTC(2026, 0, 5, 16) // true
 * ```
 * @category math
 * @since 0.1.0
 */
export const availableOn = (schedule: PayoutSchedule, cal: Calendar.Calendar, at: number): number =>
  Calendar.availableOn(cal, at, schedule.delayDays)

// ---------------------------------------------------------------------------------------------
// Payout decision
// ---------------------------------------------------------------------------------------------

/**
 * What a payout day does with an available balance:
 *
 * - `pay`: send `amount` (the whole available balance, positive minor units) to the merchant;
 * - `carry`: do nothing and keep the balance for the next payout day: `below_minimum` (positive
 *   but under the currency's minimum), `negative` (the schedule carries negative balances) or
 *   `zero`;
 * - `debit`: collect `amount` (positive minor units, the size of the negative balance) from the
 *   merchant's bank account with a debit payout.
 *
 * @example
 * ```ts
 * import type { PayoutSchedule } from "@paykit/settlement"
 * const d: PayoutSchedule.Decision = { _tag: "carry", reason: "below_minimum" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type Decision =
  | { readonly _tag: "pay"; readonly amount: bigint }
  | { readonly _tag: "carry"; readonly reason: "below_minimum" | "negative" | "zero" }
  | { readonly _tag: "debit"; readonly amount: bigint }

/**
 * Decides what a payout day does with `available` (minor units of `currency`, the merchant's
 * available balance at the cut-off): a positive balance at or above the currency's minimum is
 * paid in full, one below it is carried (`below_minimum`); zero is carried (`zero`); a negative
 * balance is carried (`negative`) or, when the schedule says `debit`, debited in full (the
 * minimum does not apply to debits). Only call it on a payout day (see {@link isPayoutDay}) or
 * for a manual payout; it moves no money.
 *
 * @example
 * ```ts
 * import { PayoutSchedule } from "@paykit/settlement"
 * const s = PayoutSchedule.decodeUnsafe({ delayDays: 2, interval: { _tag: "daily" }, minimumPayout: { EUR: "1000" } })
 * PayoutSchedule.payoutDecision(s, { available: 999n, currency: "EUR" }) // { _tag: "carry", reason: "below_minimum" }
 * PayoutSchedule.payoutDecision(s, { available: 1000n, currency: "EUR" }) // { _tag: "pay", amount: 1000n }
 * ```
 * @category math
 * @since 0.1.0
 */
export const payoutDecision = (
  schedule: PayoutSchedule,
  balance: { readonly available: bigint; readonly currency: string }
): Decision => {
  const { available, currency } = balance
  if (available === 0n) return { _tag: "carry", reason: "zero" }
  if (available < 0n)
    return schedule.negativeBalance === "debit"
      ? { _tag: "debit", amount: -available }
      : { _tag: "carry", reason: "negative" }
  const minimum = Object.hasOwn(schedule.minimumPayout, currency) ? schedule.minimumPayout[currency]! : 0n
  return available < minimum ? { _tag: "carry", reason: "below_minimum" } : { _tag: "pay", amount: available }
}
