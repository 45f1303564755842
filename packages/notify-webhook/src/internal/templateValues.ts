// Variables of message templates: checking a caller's value against its declared kind and
// formatting it for a locale and a time zone. Pure functions, no Effect. Money is formatted by
// `@paykit/core`'s `Money.format` from exact minor units, never through a float.
import { Currency, Money, Rounding } from "@paykit/core"
import * as Result from "effect/Result"
import { textProblem } from "./templateText.ts"

/** The kinds of variable a template declares. */
export const KINDS = ["string", "integer", "money", "date"] as const

/** A kind of variable. */
export type Kind = (typeof KINDS)[number]

/** How a `date` variable shows: the calendar date, or the date and time with the time zone. */
export const DATE_SHOWS = ["date", "dateTime"] as const

/** A variable's declaration, as the catalogue keeps it. */
export interface Spec {
  readonly kind: Kind
  readonly optional?: boolean
  readonly show?: (typeof DATE_SHOWS)[number]
}

/** Where a value is formatted. */
export interface Context {
  readonly locale: string
  readonly timeZone: string
  readonly currencies: Currency.Registry
}

/** A formatted value, or why the value cannot be used. */
export type Formatted =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: string }

const ok = (text: string): Formatted => ({ ok: true, text })
const bad = (reason: string): Formatted => ({ ok: false, reason })

/** The longest `string` variable, in UTF-16 units. */
export const MAX_STRING = 1_000

const MINOR_UNITS = /^-?(0|[1-9]\d{0,38})$/
const DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-](\d{2}):(\d{2}))?)?$/
const TIME_ZONE = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/

const CACHE_LIMIT = 500
const cached = <A>(cache: Map<string, A>, key: string, make: () => A): A => {
  let a = cache.get(key)
  if (a === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear()
    a = make()
    cache.set(key, a)
  }
  return a
}
const integerFormats = new Map<string, Intl.NumberFormat>()
const dateFormats = new Map<string, Intl.DateTimeFormat>()

/**
 * Whether `tz` is a time zone the runtime knows (`"UTC"`, `"Asia/Shanghai"`, `"+08:00"`).
 */
export const isTimeZone = (tz: unknown): tz is string => {
  if (typeof tz !== "string" || !TIME_ZONE.test(tz)) return false
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz })
    return true
  } catch {
    return false
  }
}

const formatString = (value: unknown): Formatted => {
  if (typeof value !== "string") return bad(`expected a string; got ${Rounding.describeValue(value)}`)
  if (value.trim() === "")
    return bad("is empty; leave an optional variable out instead of passing an empty string")
  if (value.length > MAX_STRING)
    return bad(`is ${value.length} characters long; at most ${MAX_STRING} are allowed`)
  const problem = textProblem(value, false)
  return problem === undefined ? ok(value) : bad(problem)
}

const formatInteger = (value: unknown, ctx: Context): Formatted => {
  let n: bigint
  if (typeof value === "bigint") n = value
  else if (typeof value === "number" && Number.isSafeInteger(value)) n = BigInt(value)
  else if (typeof value === "number")
    return bad(
      `expected an integer (a safe integer number or a bigint); got ${Rounding.describeValue(value)}`
    )
  else return bad(`expected an integer (a number or a bigint); got ${Rounding.describeValue(value)}`)
  if (n > 10n ** 30n || n < -(10n ** 30n)) return bad("is beyond ±10^30")
  const f = cached(
    integerFormats,
    ctx.locale,
    () => new Intl.NumberFormat(ctx.locale, { maximumFractionDigits: 0 })
  )
  return ok(f.format(n))
}

const formatMoney = (value: unknown, ctx: Context): Formatted => {
  let money: Money.Money
  if (value instanceof Money.Money) {
    money = value
  } else {
    if (typeof value !== "object" || value === null || Array.isArray(value))
      return bad(
        `expected money as { amount: "<minor units>", currency: "<ISO 4217 code>" } or a Money; got ${Rounding.describeValue(value)}`
      )
    const keys = Object.keys(value)
    const extra = keys.find((k) => k !== "amount" && k !== "currency")
    if (extra !== undefined) return bad(`has an unexpected field ${JSON.stringify(extra.slice(0, 40))}`)
    const { amount, currency } = value as { readonly amount?: unknown; readonly currency?: unknown }
    if (typeof amount === "number")
      return bad(
        `amount is the number ${String(amount)}; a number cannot carry money exactly, pass the minor units as a string such as "1234"`
      )
    if (typeof amount !== "string")
      return bad(
        `amount must be the minor units as a string such as "1234"; got ${Rounding.describeValue(amount)}`
      )
    if (!MINOR_UNITS.test(amount))
      return bad(
        `amount ${JSON.stringify(amount.slice(0, 45))} is not minor units: expected an integer string such as "1234" (no decimal point, exponent, spaces or leading zeros; at most 39 digits)`
      )
    if (typeof currency !== "string")
      return bad(`currency must be an ISO 4217 code such as "EUR"; got ${Rounding.describeValue(currency)}`)
    const c = ctx.currencies.get(currency.slice(0, 16))
    if (Result.isFailure(c))
      return bad(`currency ${JSON.stringify(currency.slice(0, 16))} is not a known currency`)
    const m = Money.fromMinor(BigInt(amount), c.success)
    if (Result.isFailure(m)) return bad(`amount ${amount} is outside the supported range ±(2^127 − 1)`)
    money = m.success
  }
  return ok(Money.format(money, ctx.locale))
}

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate()

const formatDate = (value: unknown, spec: Spec, ctx: Context): Formatted => {
  if (typeof value !== "string")
    return bad(
      `expected an ISO 8601 string such as "2025-03-15T23:59:00Z"; got ${Rounding.describeValue(value)}`
    )
  const m = DATE.exec(value.length > 40 ? "" : value)
  if (m === null)
    return bad(
      `${JSON.stringify(value.slice(0, 40))} is not an ISO 8601 date ("2025-03-15") or date-time with its offset ("2025-03-15T23:59:00Z", "2025-03-16T07:59:00+08:00")`
    )
  const [, y, mo, d, h, mi, s, offset, oh, om] = m
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month))
    return bad(`${JSON.stringify(value)} is not a date on the calendar`)
  const hasTime = h !== undefined
  if (hasTime && offset === undefined)
    return bad(
      `${JSON.stringify(value)} has a time but no offset; add "Z" or one such as "+08:00" so the time is unambiguous`
    )
  if (hasTime && (Number(h) > 23 || Number(mi) > 59 || Number(s ?? "0") > 59))
    return bad(`${JSON.stringify(value)} is not a time of day`)
  if (oh !== undefined && (Number(oh) > 14 || Number(om) > 59))
    return bad(`${JSON.stringify(value)} has an offset beyond ±14:00`)
  const show = spec.show ?? "dateTime"
  if (!hasTime && show === "dateTime")
    return bad(`${JSON.stringify(value)} is a date without a time; this variable shows a date and time`)
  const instant = hasTime ? Date.parse(value) : Date.UTC(year, month - 1, day)
  if (!Number.isFinite(instant)) return bad(`${JSON.stringify(value)} is not a representable instant`)
  // a calendar date is the same date everywhere: it is never shifted into the time zone
  const timeZone = hasTime ? ctx.timeZone : "UTC"
  const f = cached(dateFormats, `${ctx.locale}|${timeZone}|${show}`, () =>
    show === "date"
      ? new Intl.DateTimeFormat(ctx.locale, { year: "numeric", month: "long", day: "numeric", timeZone })
      : new Intl.DateTimeFormat(ctx.locale, {
          year: "numeric",
          month: "long",
          day: "numeric",
          hour: "2-digit",
          minute: "2-digit",
          hourCycle: "h23",
          timeZoneName: "short",
          timeZone
        })
  )
  // ICU puts narrow no-break spaces in some patterns; plain spaces keep an SMS in GSM-7
  return ok(f.format(instant).replace(/[\u202f\u00a0]/g, " "))
}

/**
 * Checks `value` against `spec` and formats it for `ctx`:
 *
 * - `string`: a non-empty single line of at most 1,000 characters, without control or
 *   bidirectional characters; inserted as it is.
 * - `integer`: a safe integer `number` or a `bigint`; grouped for the locale ("12,345").
 * - `money`: `{ amount: "<minor units>", currency: "<code>" }` (the JSON form of `Money`) or a
 *   `Money`; formatted with `Money.format` in the currency's exponent (EUR 2 decimals, JPY none).
 * - `date`: an ISO 8601 date (`"2025-03-15"`) or a date-time with its offset; a date-time is
 *   shown in `ctx.timeZone`, a date as it is.
 */
export const formatValue = (spec: Spec, value: unknown, ctx: Context): Formatted => {
  switch (spec.kind) {
    case "string":
      return formatString(value)
    case "integer":
      return formatInteger(value, ctx)
    case "money":
      return formatMoney(value, ctx)
    case "date":
      return formatDate(value, spec, ctx)
  }
}

/** The currencies `money` variables accept unless a render names others. */
export const defaultCurrencies: Currency.Registry = Currency.isoRegistry
