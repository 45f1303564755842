// The cells of an imported file, each parsed on its own into a value or a problem (said in
// words, for the importer to put at its row and column): amounts in minor units or as exact
// decimals in a currency, currency codes (looked up once per import), and dates in five formats.
import { type Currency, Money } from "@paykit/core"
import * as Result from "effect/Result"

export type Mutable<T> = { -readonly [K in keyof T]: T[K] }

export type Cell<A> = A | { readonly problem: string }

export const isProblem = <A>(c: Cell<A>): c is { readonly problem: string } =>
  typeof c === "object" && c !== null && "problem" in c

const MAX_AMOUNT = Money.MAX_AMOUNT

const MINOR = /^-?(0|[1-9]\d{0,38})$/

export const minor = (s: string): Cell<bigint> =>
  s === ""
    ? { problem: "empty: expected an amount in minor units" }
    : MINOR.test(s)
      ? BigInt(s)
      : {
          problem: `${JSON.stringify(clip(s))} is not an amount in minor units (digits with an optional leading "-")`
        }

export const clip = (s: string): string => (s.length > 40 ? s.slice(0, 40) + "…" : s)

const MAJOR = /^(-)?(\d+)(?:\.(\d+))?$/

/** A decimal in major units to minor units, exactly (the rules of `Money.parse`, without rounding). */
export const major = (s: string, currency: Currency.Currency): Cell<bigint> => {
  if (s === "") return { problem: `empty: expected an amount in ${currency.code} such as "12.34"` }
  const m = s.length <= 64 ? MAJOR.exec(s) : null
  if (m === null) {
    return {
      problem: `${JSON.stringify(clip(s))} is not a decimal amount (digits, an optional leading "-" and "." fraction; no thousands separators, exponent or spaces)`
    }
  }
  const exponent = currency.exponent
  let fraction = m[3] ?? ""
  if (fraction.length > exponent) {
    // zeros past the currency's decimals carry no value: "12.340" EUR is exactly 12.34
    for (let k = exponent; k < fraction.length; k++) {
      if (fraction.charCodeAt(k) !== 48) {
        return {
          problem: `${JSON.stringify(clip(s))} has more decimals than ${currency.code} allows (${exponent})`
        }
      }
    }
    fraction = fraction.slice(0, exponent)
  }
  const units = BigInt(m[2]! + fraction.padEnd(exponent, "0"))
  if (units > MAX_AMOUNT) return { problem: `${JSON.stringify(clip(s))} is outside the supported range` }
  return m[1] === undefined || units === 0n ? units : -units
}

export const lookupCurrency = (s: string, registry: Currency.Registry): Cell<Currency.Currency> => {
  const exact = registry.get(s)
  if (Result.isSuccess(exact)) return exact.success
  const upper = registry.get(s.toUpperCase())
  if (Result.isSuccess(upper)) return upper.success
  return {
    problem: `unknown currency ${JSON.stringify(clip(s))}: expected an ISO 4217 code or a registered unit`
  }
}

/** Currency lookups of one import, remembered: a file names few currencies, on every row. */
export const currencyCache = (registry: Currency.Registry) => {
  const seen = new Map<string, Cell<Currency.Currency>>()
  return (s: string): Cell<Currency.Currency> => {
    let c = seen.get(s)
    if (c === undefined) {
      c = lookupCurrency(s, registry)
      if (seen.size < 1024) seen.set(s, c)
    }
    return c
  }
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

const utc = (
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number
): number | undefined => {
  // years before 1000 are refused: Date.UTC reads 0–99 as 1900–1999
  if (y < 1000 || mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59 || d < 1) return undefined
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)
  if (d > DAYS[mo - 1]! + (mo === 2 && leap ? 1 : 0)) return undefined
  return Date.UTC(y, mo - 1, d, h, mi, s, ms)
}

/**
 * How a date cell is written: `iso` (ISO 8601 with `Z` or an offset), `date` (`YYYY-MM-DD`, UTC
 * midnight), `datetime` (`YYYY-MM-DD HH:MM:SS`, UTC, as Stripe's `created_utc`), `epoch_ms`,
 * `epoch_s`.
 *
 * @example
 * ```ts
 * import type { Importers } from "@paykit/settlement"
 * const f: Importers.DateFormat = "datetime"
 * ```
 * @category models
 * @since 0.1.0
 */
export type DateFormat = "iso" | "date" | "datetime" | "epoch_ms" | "epoch_s"

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/

const fractionMs = (f: string | undefined): number =>
  f === undefined ? 0 : Number(f.padEnd(3, "0").slice(0, 3))

export const dateCell = (s: string, format: DateFormat, offsetMinutes = 0): Cell<number> => {
  const r = dateValue(s, format, offsetMinutes)
  return r === undefined ? { problem: `${JSON.stringify(clip(s))} is not a date in the ${format} format` } : r
}

const dateValue = (s: string, format: DateFormat, offsetMinutes: number): number | undefined => {
  switch (format) {
    case "epoch_ms":
    case "epoch_s": {
      if (!/^\d{1,15}$/.test(s)) return undefined
      const n = Number(s) * (format === "epoch_s" ? 1000 : 1)
      return Number.isSafeInteger(n) ? n : undefined
    }
    case "date": {
      const m = DATE.exec(s)
      if (m === null) return undefined
      return utc(+m[1]!, +m[2]!, +m[3]!, 0, 0, 0, 0)
    }
    case "datetime": {
      const m = DATETIME.exec(s)
      if (m === null) return undefined
      const t = utc(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!, fractionMs(m[7]))
      return t === undefined ? undefined : t - offsetMinutes * 60_000
    }
    case "iso": {
      const m = ISO.exec(s)
      if (m === null) return undefined
      const t = utc(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0), fractionMs(m[7]))
      if (t === undefined) return undefined
      const z = m[8]!
      if (z === "Z") return t
      const oh = +z.slice(1, 3)
      const om = +z.slice(4, 6)
      if (oh > 23 || om > 59) return undefined
      return t - (z[0] === "-" ? -1 : 1) * (oh * 60 + om) * 60_000
    }
  }
}
