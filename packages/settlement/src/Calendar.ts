/**
 * A business-day calendar as data (an IANA time zone, the weekend days, the holidays) and the
 * pure date arithmetic settlement needs: the wall-clock date of an instant, the instant a date
 * starts, business days, and when captured funds become available (T+N).
 *
 * Dates are ISO strings `YYYY-MM-DD` from 1900-01-01 to 9999-12-31; instants are milliseconds
 * since the epoch. No date library: `Intl.DateTimeFormat` gives the wall clock in the zone, and
 * the start of a day is searched for, so days of 23, 24.5 or 25 hours, a midnight that does not
 * exist (a zone that springs forward at 00:00) and a day a zone skipped are all handled.
 *
 * @since 0.1.0
 */
import { Input } from "@paykit/core"
import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

/**
 * The days of the week, Monday first (ISO 8601 order).
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * Calendar.weekdays[0] // "monday"
 * ```
 * @category models
 * @since 0.1.0
 */
export const weekdays = [
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday"
] as const

/**
 * One of {@link weekdays}.
 *
 * @example
 * ```ts
 * import type { Calendar } from "@paykit/settlement"
 * const day: Calendar.Weekday = "friday"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Weekday = (typeof weekdays)[number]

/** The first and last dates every function accepts and returns. */
const MIN_YEAR = 1900
const MAX_YEAR = 9999
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/**
 * The schema of a calendar date `YYYY-MM-DD` (a real date from 1900-01-01 to 9999-12-31),
 * decoding to the branded {@link IsoDate}.
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Calendar.IsoDate)("2028-02-29")
 * ```
 * @category models
 * @since 0.1.0
 */
export const IsoDate = Schema.String.check(
  Schema.makeFilter((s: string) => dateProblem(s) ?? true, { title: "IsoDate" })
).pipe(Schema.brand("IsoDate"))

/**
 * A calendar date `YYYY-MM-DD`, checked to be real (no `2026-02-30`) and between 1900-01-01 and
 * 9999-12-31. Get one from {@link localDate}, {@link date}, {@link dateUnsafe} or the
 * {@link IsoDate} schema. Two dates compare correctly as strings (`a < b`).
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * const d: Calendar.IsoDate = Calendar.dateUnsafe("2026-12-25")
 * ```
 * @category models
 * @since 0.1.0
 */
export type IsoDate = typeof IsoDate.Type

/**
 * A business-day calendar: the IANA time zone whose wall clock decides what "today" is, the
 * weekend days (Saturday and Sunday by default; Friday and Saturday, or none, are allowed, at
 * most six), and the holidays. A business day is a date that is neither a weekend day nor a
 * holiday (and that the zone did not skip, as Samoa skipped 2011-12-30). Build it with
 * {@link decode}, which checks the zone: the functions throw a `RangeError` on a hand-made
 * calendar whose zone `Intl` does not know. Treat it as immutable.
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * const london: Calendar.Calendar = Calendar.decodeUnsafe({
 *   timeZone: "Europe/London",
 *   holidays: ["2026-12-25", "2026-12-28"]
 * })
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Calendar {
  readonly timeZone: string
  readonly weekend: ReadonlyArray<Weekday>
  readonly holidays: ReadonlyArray<IsoDate>
}

/**
 * The JSON form of a {@link Calendar}: `weekend` and `holidays` may be left out (Saturday and
 * Sunday; no holidays).
 *
 * @example
 * ```ts
 * import type { Calendar } from "@paykit/settlement"
 * const json: Calendar.CalendarJson = { timeZone: "Asia/Dubai", weekend: ["saturday", "sunday"] }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface CalendarJson {
  readonly timeZone: string
  readonly weekend?: ReadonlyArray<Weekday>
  readonly holidays?: ReadonlyArray<string>
}

/** At most this many holidays: a bound on every loop over non-business days. */
const MAX_HOLIDAYS = 10_000

const isTimeZone = (s: string): boolean => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: s })
    return true
  } catch {
    return false
  }
}

const TimeZone = Schema.String.check(
  Schema.makeFilter(
    (s: string) =>
      (s.length > 0 && s.length <= 64 && isTimeZone(s)) ||
      `expected an IANA time zone such as "Europe/London" or "America/New_York", got ${JSON.stringify(s.slice(0, 64))}`,
    { title: "TimeZone" }
  )
).pipe(
  Schema.decodeTo(Schema.String, {
    // the zone's canonical spelling ("europe/london" → "Europe/London")
    decode: SchemaGetter.transform(
      (s: string) => new Intl.DateTimeFormat("en-US", { timeZone: s }).resolvedOptions().timeZone
    ),
    encode: SchemaGetter.passthrough()
  })
)

/**
 * The JSON codec of a {@link Calendar}. Prefer {@link decode}, which returns a typed error
 * naming the field; this is the schema to embed in a larger one.
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Calendar.Json)({ timeZone: "UTC" }).weekend // ["saturday", "sunday"]
 * ```
 * @category models
 * @since 0.1.0
 */
export const Json: Schema.Codec<Calendar, CalendarJson> = Schema.Struct({
  timeZone: TimeZone,
  weekend: Schema.Array(Schema.Literals(weekdays))
    .check(
      Schema.isMaxLength(6, { message: "at most six weekend days: a calendar needs a business day" }),
      Schema.isUnique({ message: "expected each weekend day once" })
    )
    .pipe(Schema.withDecodingDefaultKey(Effect.succeed(["saturday", "sunday"] as const))),
  holidays: Schema.Array(IsoDate)
    .check(Schema.isMaxLength(MAX_HOLIDAYS, { message: `at most ${MAX_HOLIDAYS} holidays` }))
    .pipe(Schema.withDecodingDefaultKey(Effect.succeed([])))
})

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * A calendar could not be decoded: `path` names the field (`timeZone`, `weekend`,
 * `holidays[3]`) and `reason` says what is wrong. Nothing was changed; fix the field and
 * decode again.
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * new Calendar.InvalidCalendar({ path: "holidays[0]", reason: "2026-02-30 is not a date" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class InvalidCalendar extends Schema.TaggedError<InvalidCalendar>()("InvalidCalendar", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `invalid calendar${this.path === "" ? "" : ` at ${this.path}`}: ${this.reason}; nothing was changed: fix the field and decode again`
  }
}

/**
 * A value is not a calendar date `YYYY-MM-DD` between 1900-01-01 and 9999-12-31. `input` is the
 * value as text (cut to 40 characters).
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * new Calendar.InvalidDate({ input: "2026-02-30", reason: "February 2026 has 28 days" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class InvalidDate extends Schema.TaggedError<InvalidDate>()("InvalidDate", {
  input: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.input} is not a date: ${this.reason}; write a real date as YYYY-MM-DD between 1900-01-01 and 9999-12-31`
  }
}

// ---------------------------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------------------------

/**
 * Decodes a calendar from JSON (or any unknown value): the time zone must be one `Intl` knows
 * (decoded to its canonical spelling), weekend days distinct and at most six, holidays real
 * dates. Unknown keys are refused. Never throws, even on hostile input (a throwing getter, a
 * Proxy): the failure is an {@link InvalidCalendar} naming the first bad field.
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * Calendar.decode({ timeZone: "Asia/Riyadh", weekend: ["friday", "saturday"] })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const decode = (input: unknown): Result.Result<Calendar, InvalidCalendar> =>
  Result.mapError(
    Input.decodeResult("Calendar.decode", Json)(input),
    (e) => new InvalidCalendar({ path: e.path, reason: e.reason })
  )

/**
 * {@link decode} for configuration known to be good (tests, constants): throws the
 * {@link InvalidCalendar} when it is not.
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * const ny = Calendar.decodeUnsafe({ timeZone: "America/New_York", holidays: ["2026-07-03"] })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const decodeUnsafe = (input: unknown): Calendar => {
  const r = decode(input)
  if (Result.isFailure(r)) throw r.failure
  return r.success
}

/**
 * Checks a date string: an {@link IsoDate}, or an {@link InvalidDate} saying why not. Never
 * throws.
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * Calendar.date("2026-02-30") // a failure: February 2026 has 28 days
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const date = (input: unknown): Result.Result<IsoDate, InvalidDate> => {
  if (typeof input !== "string") {
    let shown: string
    try {
      shown = String(input).slice(0, 40)
    } catch {
      shown = typeof input
    }
    return Result.fail(new InvalidDate({ input: shown, reason: `expected a string, got ${typeof input}` }))
  }
  const problem = dateProblem(input)
  return problem === undefined
    ? Result.succeed(input as IsoDate)
    : Result.fail(new InvalidDate({ input: input.slice(0, 40), reason: problem }))
}

/**
 * {@link date} for literals known to be good: throws the {@link InvalidDate} otherwise.
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * const christmas = Calendar.dateUnsafe("2026-12-25")
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const dateUnsafe = (input: string): IsoDate => {
  const r = date(input)
  if (Result.isFailure(r)) throw r.failure
  return r.success
}

/**
 * Whether a value is an {@link IsoDate}: a string `YYYY-MM-DD` naming a real date from
 * 1900-01-01 to 9999-12-31.
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * Calendar.isIsoDate("2028-02-29") // true
 * Calendar.isIsoDate("2027-02-29") // false
 * ```
 * @category guards
 * @since 0.1.0
 */
export const isIsoDate = (u: unknown): u is IsoDate => typeof u === "string" && dateProblem(u) === undefined

/**
 * Whether a number is an instant the calendar functions accept: an integer number of
 * milliseconds since the epoch from 1900-01-02T00:00Z to 9999-12-30T23:59:59.999Z (so its date
 * is in range in every zone). The functions taking an instant throw a `RangeError` for any other
 * number: passing one is a bug in the caller, not bad input.
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * Calendar.isInstant(Date.UTC(2026, 0, 1)) // true
 * Calendar.isInstant(Number.NaN) // false
 * ```
 * @category guards
 * @since 0.1.0
 */
export const isInstant = (u: unknown): u is number =>
  typeof u === "number" && Number.isSafeInteger(u) && u >= MIN_INSTANT && u <= MAX_INSTANT

// ---------------------------------------------------------------------------------------------
// Civil date arithmetic on day numbers (days since 1970-01-01), proleptic Gregorian
// ---------------------------------------------------------------------------------------------

const DAY_MS = 86_400_000

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`). */
const dayOf = (y: number, m: number, d: number): number => {
  const yy = m <= 2 ? y - 1 : y
  const era = Math.floor(yy / 400)
  const yoe = yy - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146_097 + doe - 719_468
}

/** The date of a day number (`civil_from_days`). */
const civilOf = (day: number): readonly [number, number, number] => {
  const z = day + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  return [m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d]
}

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0

const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December"
] as const

/**
 * The number of days in a month (`month` 1–12) of the Gregorian calendar: 28 to 31.
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * Calendar.daysInMonth(2028, 2) // 29
 * Calendar.daysInMonth(2027, 2) // 28
 * ```
 * @category math
 * @since 0.1.0
 */
export const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (isLeap(year) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31

/** Why `s` is not an IsoDate, or `undefined` when it is one. */
function dateProblem(s: string): string | undefined {
  const m = ISO_DATE.exec(s)
  if (m === null) return `expected a date as YYYY-MM-DD, got ${JSON.stringify(s.slice(0, 40))}`
  const y = Number(m[1])
  const mo = Number(m[2])
  const d = Number(m[3])
  if (y < MIN_YEAR || y > MAX_YEAR) return `${s}: the year must be from ${MIN_YEAR} to ${MAX_YEAR}`
  if (mo < 1 || mo > 12) return `${s}: the month must be from 01 to 12`
  const last = daysInMonth(y, mo)
  if (d < 1 || d > last) return `${s}: ${MONTH_NAMES[mo - 1]} ${y} has ${last} days`
  return undefined
}

const MIN_DAY = dayOf(MIN_YEAR, 1, 1)
const MAX_DAY = dayOf(MAX_YEAR, 12, 31)
const MIN_INSTANT = (MIN_DAY + 1) * DAY_MS
const MAX_INSTANT = (MAX_DAY - 1) * DAY_MS - 1

const pad = (n: number, width: number): string => String(n).padStart(width, "0")

/** The IsoDate of a day number; a RangeError past the supported dates. */
const toDate = (day: number): IsoDate => {
  if (!(day >= MIN_DAY && day <= MAX_DAY))
    throw new RangeError(`the date is outside the supported range 1900-01-01 to 9999-12-31 (day ${day})`)
  const [y, m, d] = civilOf(day)
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}` as IsoDate
}

/** The day number of an IsoDate; a RangeError when it is not one (a caller bypassed the brand). */
const toDay = (date: IsoDate): number => {
  const problem = typeof date === "string" ? dateProblem(date) : "expected a string"
  if (problem !== undefined) throw new RangeError(`not a calendar date: ${problem}`)
  return dayOf(Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10)))
}

/** 0 for Monday … 6 for Sunday (1970-01-01, day 0, was a Thursday). */
const weekdayIndex = (day: number): number => (((day + 3) % 7) + 7) % 7

/**
 * The day of the week of a date.
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * Calendar.weekdayOf(Calendar.dateUnsafe("2026-01-01")) // "thursday"
 * ```
 * @category math
 * @since 0.1.0
 */
export const weekdayOf = (date: IsoDate): Weekday => weekdays[weekdayIndex(toDay(date))]!

/**
 * The date `n` calendar days after `date` (before it when `n` is negative). Throws a
 * `RangeError` when `n` is not an integer or the result leaves 1900-01-01 to 9999-12-31.
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * Calendar.addDays(Calendar.dateUnsafe("2028-02-28"), 1) // "2028-02-29"
 * ```
 * @category math
 * @since 0.1.0
 */
export const addDays = (date: IsoDate, n: number): IsoDate => {
  if (!Number.isSafeInteger(n)) throw new RangeError(`addDays: expected an integer number of days, got ${n}`)
  return toDate(toDay(date) + n)
}

// ---------------------------------------------------------------------------------------------
// Wall clock in a zone (Intl)
// ---------------------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>()

const formatter = (timeZone: string): Intl.DateTimeFormat => {
  let f = formatters.get(timeZone)
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      calendar: "gregory",
      numberingSystem: "latn",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23"
    })
    formatters.set(timeZone, f)
  }
  return f
}

/** The wall clock at `t` in the zone, as milliseconds of a UTC-like timeline (whole seconds). */
const wallMs = (timeZone: string, t: number): number => {
  let y = 0
  let mo = 0
  let d = 0
  let h = 0
  let mi = 0
  let s = 0
  for (const p of formatter(timeZone).formatToParts(t)) {
    switch (p.type) {
      case "year":
        y = Number(p.value)
        break
      case "month":
        mo = Number(p.value)
        break
      case "day":
        d = Number(p.value)
        break
      case "hour":
        h = Number(p.value) % 24 // some ICU versions print midnight as "24"
        break
      case "minute":
        mi = Number(p.value)
        break
      case "second":
        s = Number(p.value)
        break
    }
  }
  return dayOf(y, mo, d) * DAY_MS + h * 3_600_000 + mi * 60_000 + s * 1000
}

/** The local day number of instant `t` in the zone. */
const localDay = (timeZone: string, t: number): number => Math.floor(wallMs(timeZone, t) / DAY_MS)

/** The zone's offset from UTC at `t`, in milliseconds (wall clock minus UTC). */
const offsetAt = (timeZone: string, t: number): number =>
  wallMs(timeZone, t) - (t - (((t % 1000) + 1000) % 1000))

/**
 * The first instant whose local date is `day` or later: the start of `day`, or of the next day
 * the zone did not skip. Offsets stay within ±26 hours, so it lies in [L − 30h, L + 30h].
 */
const computeStart = (timeZone: string, day: number): number => {
  const L = day * DAY_MS
  const starts = (t: number) => localDay(timeZone, t) >= day && localDay(timeZone, t - 1) < day
  // the common case: the offsets either side of the day give the instant local midnight happens
  const before = L - offsetAt(timeZone, L - DAY_MS)
  const after = L - offsetAt(timeZone, L + DAY_MS)
  for (const c of before <= after ? [before, after] : [after, before]) if (starts(c)) return c
  // midnight fell in a gap (or two changes were close): search for the first second of the day
  let lo = L - 30 * 3_600_000 // local date before `day`
  let hi = L + 30 * 3_600_000 // local date `day` or later
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000
    if (localDay(timeZone, mid) >= day) hi = mid
    else lo = mid
  }
  return hi
}

const DAYS_LIMIT = 20_000
const days = new Map<string, { readonly start: number; readonly exists: boolean }>()

/**
 * {@link computeStart} of `day`, and whether the zone's clock shows `day` at all (Samoa skipped
 * 2011-12-30), remembered: a settlement run asks about the same few days again and again.
 */
const dayInfo = (timeZone: string, day: number): { readonly start: number; readonly exists: boolean } => {
  const key = `${timeZone}\u0000${day}`
  let info = days.get(key)
  if (info === undefined) {
    const start = computeStart(timeZone, day)
    info = { start, exists: localDay(timeZone, start) === day }
    if (days.size >= DAYS_LIMIT) days.clear()
    days.set(key, info)
  }
  return info
}

const startOf = (timeZone: string, day: number): number => dayInfo(timeZone, day).start

const exists = (timeZone: string, day: number): boolean => dayInfo(timeZone, day).exists

const checkInstant = (operation: string, at: number): void => {
  if (!isInstant(at))
    throw new RangeError(
      `${operation}: expected an integer epoch-milliseconds instant from 1900-01-02 to 9999-12-30 UTC, got ${String(at)}`
    )
}

/**
 * The wall-clock date of instant `at` (epoch milliseconds) in the calendar's time zone.
 * Throws a `RangeError` when `at` is not an {@link isInstant} (a bug in the caller).
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * const tokyo = Calendar.decodeUnsafe({ timeZone: "Asia/Tokyo" })
 * Calendar.localDate(tokyo, Date.UTC(2026, 0, 1, 20)) // "2026-01-02"
 * ```
 * @category math
 * @since 0.1.0
 */
export const localDate = (cal: Calendar, at: number): IsoDate => {
  checkInstant("localDate", at)
  return toDate(localDay(cal.timeZone, at))
}

/**
 * The instant (epoch milliseconds) `date` starts in the calendar's time zone: the first instant
 * whose wall-clock date is `date`. Usually local midnight; where midnight does not exist (a zone
 * that springs forward at 00:00, such as America/Havana) it is the instant of the change (01:00
 * local); where the zone skipped the whole date (Pacific/Apia, 2011-12-30) it is the start of the
 * next date. So `startOfDay(cal, localDate(cal, x)) <= x < startOfDay(cal, addDays(localDate(cal, x), 1))`,
 * except in the few zones whose clocks once went back across midnight (America/St_Johns before
 * 2011, America/Moncton before 2007: 00:01 → 23:01), where a date began twice and this is the
 * first time.
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * const london = Calendar.decodeUnsafe({ timeZone: "Europe/London" })
 * Calendar.startOfDay(london, Calendar.dateUnsafe("2026-07-01")) === Date.UTC(2026, 5, 30, 23) // true (BST)
 * ```
 * @category math
 * @since 0.1.0
 */
export const startOfDay = (cal: Calendar, date: IsoDate): number => startOf(cal.timeZone, toDay(date))

// ---------------------------------------------------------------------------------------------
// Business days
// ---------------------------------------------------------------------------------------------

interface Compiled {
  readonly weekend: ReadonlyArray<boolean>
  readonly holidays: ReadonlySet<number>
}

const compiled = new WeakMap<Calendar, Compiled>()

const compile = (cal: Calendar): Compiled => {
  let c = compiled.get(cal)
  if (c === undefined) {
    c = {
      weekend: weekdays.map((d) => cal.weekend.includes(d)),
      holidays: new Set(cal.holidays.map(toDay))
    }
    compiled.set(cal, c)
  }
  return c
}

const isBusiness = (cal: Calendar, c: Compiled, day: number): boolean =>
  !c.weekend[weekdayIndex(day)] && !c.holidays.has(day) && exists(cal.timeZone, day)

/** The first business day on or after `day` (a holiday list is finite and a week has one). */
const nextBusiness = (cal: Calendar, c: Compiled, day: number): number => {
  let d = day
  while (!isBusiness(cal, c, d)) {
    d++
    if (d > MAX_DAY) throw new RangeError("no business day before 9999-12-31")
  }
  return d
}

const previousBusiness = (cal: Calendar, c: Compiled, day: number): number => {
  let d = day
  while (!isBusiness(cal, c, d)) {
    d--
    if (d < MIN_DAY) throw new RangeError("no business day after 1900-01-01")
  }
  return d
}

const addBusiness = (cal: Calendar, c: Compiled, day: number, n: number): number => {
  let d = day
  if (n >= 0) for (let i = 0; i < n; i++) d = nextBusiness(cal, c, d + 1)
  else for (let i = 0; i > n; i--) d = previousBusiness(cal, c, d - 1)
  return d
}

/**
 * Whether `date` is a business day of the calendar: not a weekend day, not a holiday, and a date
 * the zone's clock shows (Samoa skipped 2011-12-30).
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * const cal = Calendar.decodeUnsafe({ timeZone: "Europe/London", holidays: ["2026-12-25"] })
 * Calendar.isBusinessDay(cal, Calendar.dateUnsafe("2026-12-25")) // false
 * ```
 * @category math
 * @since 0.1.0
 */
export const isBusinessDay = (cal: Calendar, date: IsoDate): boolean =>
  isBusiness(cal, compile(cal), toDay(date))

/**
 * `date` when it is a business day, else the first business day after it. Throws a `RangeError`
 * only past 9999-12-31.
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * const cal = Calendar.decodeUnsafe({ timeZone: "UTC" })
 * Calendar.nextBusinessDay(cal, Calendar.dateUnsafe("2026-01-03")) // "2026-01-05" (Saturday → Monday)
 * ```
 * @category math
 * @since 0.1.0
 */
export const nextBusinessDay = (cal: Calendar, date: IsoDate): IsoDate =>
  toDate(nextBusiness(cal, compile(cal), toDay(date)))

/**
 * The `n`-th business day after `date` (`date` itself does not count, whether or not it is a
 * business day); `n = 0` gives `date` unchanged, a negative `n` counts back. Throws a
 * `RangeError` when `n` is not an integer or the result leaves 1900–9999.
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * const cal = Calendar.decodeUnsafe({ timeZone: "UTC" })
 * Calendar.addBusinessDays(cal, Calendar.dateUnsafe("2026-01-02"), 1) // "2026-01-05" (Friday → Monday)
 * ```
 * @category math
 * @since 0.1.0
 */
export const addBusinessDays = (cal: Calendar, date: IsoDate, n: number): IsoDate => {
  if (!Number.isSafeInteger(n)) throw new RangeError(`addBusinessDays: expected an integer, got ${n}`)
  return toDate(addBusiness(cal, compile(cal), toDay(date), n))
}

/**
 * When funds captured at instant `at` become available, T+N on the calendar: the start (see
 * {@link startOfDay}) of the business day `delayDays` business days after the capture's
 * business date.
 *
 * - The capture's date T is the wall-clock date of `at` in the calendar's zone.
 * - A capture on a weekend day or a holiday counts as made on the next business day (a Saturday
 *   capture at T+2 is available on Wednesday, as one made on Monday).
 * - T+0 means the start of the capture's business date: on a business day that is the start of
 *   the same day, at or before `at`, so the funds are available to the next settlement run; on a
 *   weekend or holiday it is the start of the next business day.
 *
 * So the result is always the start of a business day, at least `delayDays` business days after
 * T, and it never decreases when `at` or `delayDays` grows. Throws a `RangeError` when `at` is not
 * an {@link isInstant} or `delayDays` is not an integer from 0 (bugs in the caller; a decoded
 * payout schedule's `delayDays` is always fine).
 *
 * @example
 * ```ts
 * import { Calendar } from "@paykit/settlement"
 * const ny = Calendar.decodeUnsafe({ timeZone: "America/New_York" })
 * // captured Friday 2026-01-09 at 15:00 New York time, T+2 → Tuesday 2026-01-13 00:00 New York time
 * Calendar.availableOn(ny, Date.UTC(2026, 0, 9, 20), 2) === Date.UTC(2026, 0, 13, 5) // true
 * ```
 * @category math
 * @since 0.1.0
 */
export const availableOn = (cal: Calendar, at: number, delayDays: number): number => {
  checkInstant("availableOn", at)
  if (!Number.isSafeInteger(delayDays) || delayDays < 0)
    throw new RangeError(`availableOn: expected delayDays to be an integer from 0, got ${delayDays}`)
  const c = compile(cal)
  const t = nextBusiness(cal, c, localDay(cal.timeZone, at))
  return startOf(cal.timeZone, addBusiness(cal, c, t, delayDays))
}
