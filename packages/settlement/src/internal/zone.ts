// A time zone's clock, from `Intl` alone: the canonical name of an IANA zone, the offset at an
// instant (cached per UTC hour), local dates `YYYY-MM-DD`, ISO-8601 timestamps with the offset,
// and the instant a local day starts. Used by the reports.

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** `[year, month, day]` of a real calendar date `YYYY-MM-DD` from 1970 on; undefined otherwise. */
export const parseDate = (s: string): readonly [number, number, number] | undefined => {
  const m = DATE.exec(s)
  if (m === null) return undefined
  const y = Number(m[1])
  const mo = Number(m[2])
  const d = Number(m[3])
  const u = new Date(Date.UTC(2000, mo - 1, d))
  u.setUTCFullYear(y)
  if (u.getUTCFullYear() !== y || u.getUTCMonth() !== mo - 1 || u.getUTCDate() !== d) return undefined
  if (y < 1970) return undefined
  return [y, mo, d]
}

/** The canonical spelling of an IANA time zone `Intl` knows; undefined when it knows none. */
export const canonicalZone = (zone: string): string | undefined => {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone
  } catch {
    return undefined
  }
}

const HOUR = 3_600_000

const pad = (n: number, width: number): string => String(n).padStart(width, "0")

/**
 * A time zone's clock: the offset at an instant (from `Intl`, cached per UTC hour when the offset
 * is the same at both ends of the hour; at most 8,192 hours cached), local dates and ISO-8601
 * timestamps with the offset, and the instant a local day starts.
 */
export class Zone {
  readonly name: string
  private readonly format: Intl.DateTimeFormat
  private readonly cache = new Map<number, number>()
  constructor(name: string) {
    this.name = name
    this.format = new Intl.DateTimeFormat("en-US", {
      timeZone: name,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric"
    })
  }

  private exact(t: number): number {
    const s = t - (((t % 1000) + 1000) % 1000)
    let y = 0
    let mo = 0
    let d = 0
    let h = 0
    let mi = 0
    let se = 0
    for (const p of this.format.formatToParts(s)) {
      if (p.type === "year") y = Number(p.value)
      else if (p.type === "month") mo = Number(p.value)
      else if (p.type === "day") d = Number(p.value)
      else if (p.type === "hour") h = Number(p.value)
      else if (p.type === "minute") mi = Number(p.value)
      else if (p.type === "second") se = Number(p.value)
    }
    const u = new Date(Date.UTC(2000, mo - 1, d, h, mi, se))
    u.setUTCFullYear(y)
    return u.getTime() - s
  }

  offset(t: number): number {
    const bucket = Math.floor(t / HOUR)
    const hit = this.cache.get(bucket)
    if (hit !== undefined) return hit
    const start = this.exact(bucket * HOUR)
    if (start !== this.exact(bucket * HOUR + HOUR - 1000)) return this.exact(t)
    if (this.cache.size >= 8192) this.cache.clear()
    this.cache.set(bucket, start)
    return start
  }

  /** The local date `YYYY-MM-DD` of `t`. */
  date(t: number): string {
    const l = new Date(t + this.offset(t))
    return `${pad(l.getUTCFullYear(), 4)}-${pad(l.getUTCMonth() + 1, 2)}-${pad(l.getUTCDate(), 2)}`
  }

  /** `t` as ISO-8601 local time with the zone's offset: `2025-03-01T07:59:59+08:00` (`.sss` when the ms are not 0). */
  timestamp(t: number): string {
    const o = this.offset(t)
    const l = new Date(t + o)
    const ms = l.getUTCMilliseconds()
    const abs = Math.abs(o) / 1000
    const os = abs % 60
    const offset = `${o < 0 ? "-" : "+"}${pad(Math.floor(abs / 3600), 2)}:${pad(Math.floor(abs / 60) % 60, 2)}${os === 0 ? "" : `:${pad(os, 2)}`}`
    return (
      `${pad(l.getUTCFullYear(), 4)}-${pad(l.getUTCMonth() + 1, 2)}-${pad(l.getUTCDate(), 2)}` +
      `T${pad(l.getUTCHours(), 2)}:${pad(l.getUTCMinutes(), 2)}:${pad(l.getUTCSeconds(), 2)}` +
      `${ms === 0 ? "" : `.${pad(ms, 3)}`}${offset}`
    )
  }

  /** The first instant whose local date is `date` or later (a binary search over ±26 hours). */
  startOf(date: string): number {
    const [y, m, d] = parseDate(date)!
    const key = y * 10_000 + m * 100 + d
    const localKey = (t: number) => {
      const l = new Date(t + this.exact(t))
      return l.getUTCFullYear() * 10_000 + (l.getUTCMonth() + 1) * 100 + l.getUTCDate()
    }
    const u = new Date(Date.UTC(2000, m - 1, d))
    u.setUTCFullYear(y)
    let lo = u.getTime() - 26 * HOUR
    let hi = u.getTime() + 26 * HOUR
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2)
      if (localKey(mid) >= key) hi = mid
      else lo = mid
    }
    return hi
  }
}
