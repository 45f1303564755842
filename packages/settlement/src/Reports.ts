/**
 * `Reports`: settlement reports as pure, streaming folds over balance transactions, rendered as
 * CSV (RFC 4180, fixed documented columns) and as JSON (amounts as strings).
 *
 * The balance is the merchant's *available* balance per (merchant, currency), as in Stripe's
 * balance summary: a transaction counts in the period in which it became available
 * (`availableOn` in `[from, to)`, where `from` and `to` are local dates in the chosen IANA time
 * zone, `to` exclusive). For a period:
 *
 * - `opening` is the sum of `net` of the transactions available before `from`;
 * - `activity` is, by reporting category, every transaction available in the period that is not
 *   a payout (`payout`) or a failed payout (`payout_reversal`);
 * - `payouts` are the `payout` and `payout_reversal` transactions available in the period, as a
 *   positive figure paid out (the negation of their `net`);
 * - `closing = opening + activity - payouts`, always (by construction, and shown by a property).
 *
 * Fees are inside `net` (`net = gross - fee`); {@link feeDetails} itemises them by kind. Every
 * report only ever holds one accumulator per group (merchant, currency, method, brand, payout,
 * ...), never the transactions, so a report over a million transactions runs in memory that
 * grows with the number of groups only. Status (`pending`/`available`) is not read: the period
 * is decided by `availableOn` alone.
 *
 * @since 0.1.0
 */
import { Currency, Input } from "@paykit/core"
import { Result, Schema } from "effect"
import {
  type BalanceTransaction,
  type FeeKind,
  feeKinds,
  type ReportingCategory,
  reportingCategoryOf,
  types
} from "./BalanceTransaction.ts"
import { type CellValue, line, recordLine } from "./internal/csvWrite.ts"

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * The options of a report are not usable: `field` names the option (`timeZone`, `from`, `to`,
 * `currency`, `currencies[0].exponent`, ...) and `reason` says why. Nothing was computed.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * new Reports.InvalidReportOptions({ report: "balanceSummary", field: "timeZone", reason: "unknown time zone" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class InvalidReportOptions extends Schema.TaggedError<InvalidReportOptions>()("InvalidReportOptions", {
  report: Schema.String,
  field: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.report}: option ${this.field} is invalid: ${this.reason}; nothing was computed`
  }
}

/**
 * A report met transactions it cannot report: one that is not a well-formed balance transaction
 * (a missing field, an amount that is not a `bigint`, `net` other than `gross - fee`, a reporting
 * category that does not match its type) or one in a currency the report does not know (give
 * custom units in the `currencies` option). `transaction`, `field` and `reason` describe the
 * first one, `count` is how many there were. They were left out of every total.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * new Reports.UnreportableTransaction({ report: "sales", transaction: "bt_1", field: "currency", reason: "unknown currency", count: 1 }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class UnreportableTransaction extends Schema.TaggedError<UnreportableTransaction>()(
  "UnreportableTransaction",
  {
    report: Schema.String,
    transaction: Schema.String,
    field: Schema.String,
    reason: Schema.String,
    count: Schema.Number
  }
) {
  override get message(): string {
    return `${this.report}: balance transaction ${this.transaction}: ${this.field} ${this.reason}; ${this.count} transaction(s) were left out of the report: fix them, or register their currency in the currencies option`
  }
}

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

const parseDate = (s: string): readonly [number, number, number] | undefined => {
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

const canonicalZone = (zone: string): string | undefined => {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone
  } catch {
    return undefined
  }
}

const LocalDate = Schema.String.check(
  Schema.makeFilter(
    (s: string) =>
      parseDate(s) !== undefined || "expected a local date YYYY-MM-DD (a real calendar day, 1970 or later)",
    { title: "LocalDate" }
  )
)

const TimeZone = Schema.String.check(
  Schema.isMaxLength(64),
  Schema.makeFilter(
    (s: string) =>
      canonicalZone(s) !== undefined || "expected an IANA time zone such as Asia/Shanghai or Europe/Paris",
    { title: "TimeZone" }
  )
)

const Code = Schema.String.check(
  Schema.isPattern(/^[A-Z][A-Z0-9_]{1,11}$/, {
    message: "expected a currency code: 2 to 12 of A-Z, 0-9 or _, starting with a letter (USD, KWD, POINTS)"
  })
)

/**
 * A custom unit the reports should know besides ISO 4217 (loyalty points, a token): its code
 * and its exponent (decimal places of the minor unit, 0 to 18).
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * const points: Reports.CustomUnit = { code: "POINTS", exponent: 0 }
 * ```
 * @category models
 * @since 0.1.0
 */
export const CustomUnit = Schema.Struct({
  code: Code,
  exponent: Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: 0, maximum: 18 })),
  name: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(200)))
})

/**
 * One of {@link CustomUnit}.
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const token: Reports.CustomUnit = { code: "TOKEN8", exponent: 8 }
 * ```
 * @category models
 * @since 0.1.0
 */
export type CustomUnit = typeof CustomUnit.Type

const scopeFields = {
  timeZone: TimeZone,
  currencies: Schema.optionalKey(Schema.Array(CustomUnit).check(Schema.isMaxLength(1000))),
  merchant: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty(), Schema.isMaxLength(255))),
  currency: Schema.optionalKey(Code)
}

/**
 * The options of a report that is not bound to a period ({@link payoutReconciliation}): the IANA
 * `timeZone` dates and timestamps are shown in, custom `currencies` (ISO 4217 is always known),
 * and optional `merchant` and `currency` filters. The `currency` filter must be a known currency:
 * ISO 4217 or one listed in `currencies` with its exponent.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * const options: Reports.ScopeOptions = { timeZone: "Asia/Shanghai", currency: "KWD" }
 * ```
 * @category models
 * @since 0.1.0
 */
export const ScopeOptions = Schema.Struct(scopeFields)

/**
 * One of {@link ScopeOptions}.
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const options: Reports.ScopeOptions = { timeZone: "UTC" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type ScopeOptions = typeof ScopeOptions.Type

/**
 * The options of a report over a period: the local dates `from` (inclusive) and `to`
 * (exclusive), `YYYY-MM-DD` in `timeZone`, with `from` before `to`, and the fields of
 * {@link ScopeOptions}.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * const march: Reports.PeriodOptions = { from: "2025-03-01", to: "2025-04-01", timeZone: "Asia/Shanghai" }
 * ```
 * @category models
 * @since 0.1.0
 */
export const PeriodOptions = Schema.Struct({ from: LocalDate, to: LocalDate, ...scopeFields })

/**
 * One of {@link PeriodOptions}.
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const options: Reports.PeriodOptions = { from: "2025-03-01", to: "2025-04-01", timeZone: "UTC" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type PeriodOptions = typeof PeriodOptions.Type

/**
 * The period of a report as decoded: the local dates, the canonical time zone, and the instants
 * (ms since the epoch) the local days `from` and `to` start at.
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const days = (p: Reports.Period) => (p.toMs - p.fromMs) / 86_400_000
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Period {
  readonly from: string
  readonly to: string
  readonly timeZone: string
  readonly fromMs: number
  readonly toMs: number
}

interface Scope {
  readonly report: string
  readonly zone: Zone
  readonly registry: Currency.Registry
  readonly merchant: string | undefined
  readonly currency: string | undefined
}

const decodeScope = (report: string, input: ScopeOptions): Result.Result<Scope, InvalidReportOptions> => {
  const fail = (field: string, reason: string) =>
    Result.fail(new InvalidReportOptions({ report, field, reason }))
  const units: Array<Currency.Currency> = []
  const seen = new Set<string>()
  const listed = input.currencies ?? []
  for (let i = 0; i < listed.length; i++) {
    const u = listed[i]!
    if (seen.has(u.code)) return fail(`currencies[${i}].code`, `${u.code} is listed twice`)
    seen.add(u.code)
    const made = Currency.custom({ code: u.code, exponent: u.exponent, name: u.name ?? u.code })
    if (Result.isFailure(made)) {
      return fail(
        `currencies[${i}].code`,
        `${u.code} is an ISO 4217 code: its exponent is known, leave it out`
      )
    }
    units.push(made.success)
  }
  const registry = Currency.registry(units)
  if (input.currency !== undefined && Result.isFailure(registry.get(input.currency))) {
    return fail(
      "currency",
      `unknown currency ${input.currency}: not ISO 4217; list it in currencies with its exponent`
    )
  }
  const zoneName = canonicalZone(input.timeZone)
  if (zoneName === undefined) return fail("timeZone", "unknown time zone")
  return Result.succeed({
    report,
    zone: new Zone(zoneName),
    registry,
    merchant: input.merchant,
    currency: input.currency
  })
}

const decodeInput = <S extends Schema.Codec<unknown, unknown, never, never>>(
  report: string,
  schema: S,
  input: unknown
): Result.Result<S["Type"], InvalidReportOptions> => {
  const r = Input.decodeResult(report, schema)(input)
  return Result.isSuccess(r)
    ? Result.succeed(r.success)
    : Result.fail(
        new InvalidReportOptions({
          report,
          field: r.failure.path === "" ? "(root)" : r.failure.path,
          reason: r.failure.reason
        })
      )
}

const decodeScopeOptions = (report: string, input: unknown): Result.Result<Scope, InvalidReportOptions> => {
  const r = decodeInput(report, ScopeOptions, input)
  return Result.isFailure(r) ? Result.fail(r.failure) : decodeScope(report, r.success)
}

const decodePeriodOptions = (
  report: string,
  input: unknown
): Result.Result<readonly [Scope, Period], InvalidReportOptions> => {
  const r = decodeInput(report, PeriodOptions, input)
  if (Result.isFailure(r)) return Result.fail(r.failure)
  const o = r.success
  if (o.from >= o.to) {
    return Result.fail(
      new InvalidReportOptions({ report, field: "to", reason: `${o.to} is not after from (${o.from})` })
    )
  }
  const scope = decodeScope(report, o)
  if (Result.isFailure(scope)) return Result.fail(scope.failure)
  const zone = scope.success.zone
  return Result.succeed([
    scope.success,
    { from: o.from, to: o.to, timeZone: zone.name, fromMs: zone.startOf(o.from), toMs: zone.startOf(o.to) }
  ])
}

// ---------------------------------------------------------------------------------------------
// Time zones
// ---------------------------------------------------------------------------------------------

const HOUR = 3_600_000
/** Largest instant a report renders: the end of year 9999 UTC. */
const MAX_INSTANT = 253_402_300_799_999

const pad = (n: number, width: number): string => String(n).padStart(width, "0")

/**
 * A time zone's clock: the offset at an instant (from `Intl`, cached per UTC hour when the offset
 * is the same at both ends of the hour; at most 8,192 hours cached), local dates and ISO-8601
 * timestamps with the offset, and the instant a local day starts.
 */
class Zone {
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

// ---------------------------------------------------------------------------------------------
// Amounts
// ---------------------------------------------------------------------------------------------

/**
 * Minor units as an exact major-unit decimal string with exactly `exponent` decimals: `1234n`
 * with exponent 2 is `"12.34"`, `-5n` is `"-0.05"`, `1500n` with exponent 0 is `"1500"`. Pure
 * `bigint` arithmetic on digits, never a floating point number.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * Reports.toMajor(1234567n, 3) // "1234.567"
 * ```
 * @category math
 * @since 0.1.0
 */
export const toMajor = (minor: bigint, exponent: number): string => {
  const negative = minor < 0n
  const digits = (negative ? -minor : minor).toString()
  if (exponent === 0) return negative ? `-${digits}` : digits
  const padded = digits.padStart(exponent + 1, "0")
  const text = `${padded.slice(0, padded.length - exponent)}.${padded.slice(padded.length - exponent)}`
  return negative ? `-${text}` : text
}

// ---------------------------------------------------------------------------------------------
// Intake: checks each transaction, resolves its currency, applies the filters
// ---------------------------------------------------------------------------------------------

/**
 * What a report left out: how many transactions it could not report and the first of them as
 * an error value (`undefined` when none).
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const clean = (u: Reports.Unreportable) => u.count === 0
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Unreportable {
  readonly count: number
  readonly first: UnreportableTransaction | undefined
}

const typeSet: ReadonlySet<string> = new Set(types)
const feeKindSet: ReadonlySet<string> = new Set(feeKinds)

const isInstant = (n: unknown): n is number =>
  Number.isSafeInteger(n) && (n as number) >= 0 && (n as number) <= MAX_INSTANT
const isOptionalString = (v: unknown) => v === undefined || typeof v === "string"

/** The first problem of `t` as [field, reason], or undefined when it is a well-formed transaction. */
const problemOf = (t: BalanceTransaction, withFeeDetails: boolean): readonly [string, string] | undefined => {
  if (typeof t !== "object" || t === null) return ["(root)", "is not a balance transaction object"]
  if (typeof t.id !== "string") return ["id", "is not a string"]
  if (typeof t.merchant !== "string") return ["merchant", "is not a string"]
  if (typeof t.currency !== "string") return ["currency", "is not a string"]
  if (!typeSet.has(t.type)) return ["type", "is not a balance transaction type"]
  if (t.reportingCategory !== reportingCategoryOf[t.type])
    return ["reportingCategory", `is not ${reportingCategoryOf[t.type]}, the category of ${t.type}`]
  if (typeof t.gross !== "bigint") return ["gross", "is not a bigint"]
  if (typeof t.fee !== "bigint") return ["fee", "is not a bigint"]
  if (typeof t.net !== "bigint") return ["net", "is not a bigint"]
  if (t.net !== t.gross - t.fee) return ["net", "is not gross - fee"]
  if (!isInstant(t.availableOn)) return ["availableOn", "is not an instant in ms between 1970 and 9999"]
  if (!isInstant(t.createdAt)) return ["createdAt", "is not an instant in ms between 1970 and 9999"]
  if (typeof t.source !== "string") return ["source", "is not a string"]
  if (!isOptionalString(t.payout)) return ["payout", "is not a string"]
  if (!isOptionalString(t.payment)) return ["payment", "is not a string"]
  if (t.status !== "pending" && t.status !== "available") return ["status", "is not pending or available"]
  if (!isOptionalString(t.exchangeRate)) return ["exchangeRate", "is not a string"]
  if (!isOptionalString(t.description)) return ["description", "is not a string"]
  const d = t.dimensions
  if (typeof d !== "object" || d === null) return ["dimensions", "is not an object"]
  if (!isOptionalString(d.method)) return ["dimensions.method", "is not a string"]
  if (!isOptionalString(d.brand)) return ["dimensions.brand", "is not a string"]
  if (!isOptionalString(d.region)) return ["dimensions.region", "is not a string"]
  if (!Array.isArray(t.feeDetails)) return ["feeDetails", "is not an array"]
  if (withFeeDetails) {
    for (let i = 0; i < t.feeDetails.length; i++) {
      const f = t.feeDetails[i]
      if (typeof f !== "object" || f === null || !feeKindSet.has(f.kind))
        return [`feeDetails[${i}].kind`, "is not a fee kind"]
      if (typeof f.amount !== "bigint") return [`feeDetails[${i}].amount`, "is not a bigint"]
    }
  }
  return undefined
}

const idOf = (t: unknown): string => {
  try {
    const id = (t as { id?: unknown }).id
    return typeof id === "string" ? id : "(no id)"
  } catch {
    return "(no id)"
  }
}

class Intake {
  private readonly exponents = new Map<string, number>()
  private count = 0
  private first: { transaction: string; field: string; reason: string } | undefined
  readonly scope: Scope
  private readonly withFeeDetails: boolean
  constructor(scope: Scope, withFeeDetails = false) {
    this.scope = scope
    this.withFeeDetails = withFeeDetails
  }

  /** The exponent of `t`'s currency when `t` is reportable and passes the filters; -1 otherwise. */
  admit(t: BalanceTransaction): number {
    let problem: readonly [string, string] | undefined
    try {
      problem = problemOf(t, this.withFeeDetails)
    } catch {
      problem = ["(root)", "could not be read (a getter threw)"]
    }
    if (problem === undefined) {
      const s = this.scope
      if (s.merchant !== undefined && t.merchant !== s.merchant) return -1
      if (s.currency !== undefined && t.currency !== s.currency) return -1
      const known = this.exponents.get(t.currency)
      if (known !== undefined) return known
      const c = s.registry.get(t.currency)
      if (Result.isSuccess(c)) {
        this.exponents.set(t.currency, c.success.exponent)
        return c.success.exponent
      }
      problem = ["currency", `${t.currency} is not a known currency`]
    }
    this.count++
    if (this.first === undefined) this.first = { transaction: idOf(t), field: problem[0], reason: problem[1] }
    return -1
  }

  unreportable(): Unreportable {
    return {
      count: this.count,
      first:
        this.first === undefined
          ? undefined
          : new UnreportableTransaction({ report: this.scope.report, ...this.first, count: this.count })
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Folds
// ---------------------------------------------------------------------------------------------

/**
 * A streaming report: `add` folds one transaction in (constant work, no transaction kept),
 * `result` reads the figures so far (it can be called any time and changes nothing). Every
 * result carries `unreportable`, what was left out.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * import { Result } from "effect"
 * const report = Result.getOrThrow(Reports.balanceSummary({ from: "2025-03-01", to: "2025-04-01", timeZone: "UTC" }))
 * report.result().balances.length // 0
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Report<R extends { readonly unreportable: Unreportable }> {
  readonly add: (t: BalanceTransaction) => void
  readonly result: () => R
}

/**
 * A report with one output row per transaction (itemised reports): `add` folds the transaction
 * into the control totals and returns its row, or `undefined` when it is not part of the report
 * (outside the period or the filters, or unreportable). Stream rows with {@link rows}.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * import { Result } from "effect"
 * const itemised = Result.getOrThrow(Reports.itemised({ from: "2025-03-01", to: "2025-04-01", timeZone: "UTC" }))
 * ```
 * @category models
 * @since 0.1.0
 */
export interface RowReport<Row, R extends { readonly unreportable: Unreportable }> extends Report<R> {
  readonly add: (t: BalanceTransaction) => Row | undefined
}

const isAsync = <A>(source: Iterable<A> | AsyncIterable<A>): source is AsyncIterable<A> =>
  typeof (source as AsyncIterable<A>)[Symbol.asyncIterator] === "function"

/**
 * The result of a report, or its first unreportable transaction (with the count) when it left
 * any out.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * import { Result } from "effect"
 * const report = Result.getOrThrow(Reports.sales({ from: "2025-03-01", to: "2025-04-01", timeZone: "UTC" }))
 * Reports.finish(report) // Success({ rows: [], ... })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const finish = <R extends { readonly unreportable: Unreportable }>(
  report: Report<R>
): Result.Result<R, UnreportableTransaction> => {
  const r = report.result()
  return r.unreportable.first === undefined ? Result.succeed(r) : Result.fail(r.unreportable.first)
}

/**
 * Feeds every transaction of `source` (an iterable, or an async iterable such as a database
 * cursor or a file reader) to `report` as it comes, then {@link finish}es: the result, or an
 * `UnreportableTransaction` when some were left out. Holds one transaction at a time.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * import { Result } from "effect"
 * const report = Result.getOrThrow(Reports.balanceSummary({ from: "2025-03-01", to: "2025-04-01", timeZone: "UTC" }))
 * const summary = Reports.run(report, []) // Success
 * ```
 * @category constructors
 * @since 0.1.0
 */
export function run<R extends { readonly unreportable: Unreportable }>(
  report: Report<R>,
  source: Iterable<BalanceTransaction>
): Result.Result<R, UnreportableTransaction>
export function run<R extends { readonly unreportable: Unreportable }>(
  report: Report<R>,
  source: AsyncIterable<BalanceTransaction>
): Promise<Result.Result<R, UnreportableTransaction>>
export function run<R extends { readonly unreportable: Unreportable }>(
  report: Report<R>,
  source: Iterable<BalanceTransaction> | AsyncIterable<BalanceTransaction>
): Result.Result<R, UnreportableTransaction> | Promise<Result.Result<R, UnreportableTransaction>>
export function run<R extends { readonly unreportable: Unreportable }>(
  report: Report<R>,
  source: Iterable<BalanceTransaction> | AsyncIterable<BalanceTransaction>
): Result.Result<R, UnreportableTransaction> | Promise<Result.Result<R, UnreportableTransaction>> {
  if (isAsync(source)) {
    return (async () => {
      for await (const t of source) report.add(t)
      return finish(report)
    })()
  }
  for (const t of source) report.add(t)
  return finish(report)
}

function* rowsSync<Row>(
  add: (t: BalanceTransaction) => Row | undefined,
  source: Iterable<BalanceTransaction>
) {
  for (const t of source) {
    const row = add(t)
    if (row !== undefined) yield row
  }
}

async function* rowsAsync<Row>(
  add: (t: BalanceTransaction) => Row | undefined,
  source: AsyncIterable<BalanceTransaction>
) {
  for await (const t of source) {
    const row = add(t)
    if (row !== undefined) yield row
  }
}

/**
 * The rows of a row report, mapped one by one as `source` is read (nothing is collected); the
 * report's control totals are folded on the way, so `report.result()` (or {@link finish}) after
 * the last row gives them and what was left out.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * import { Result } from "effect"
 * const itemised = Result.getOrThrow(Reports.itemised({ from: "2025-03-01", to: "2025-04-01", timeZone: "UTC" }))
 * for (const row of Reports.rows(itemised, [])) console.log(row.id)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export function rows<Row, R extends { readonly unreportable: Unreportable }>(
  report: RowReport<Row, R>,
  source: Iterable<BalanceTransaction>
): Generator<Row, void, undefined>
export function rows<Row, R extends { readonly unreportable: Unreportable }>(
  report: RowReport<Row, R>,
  source: AsyncIterable<BalanceTransaction>
): AsyncGenerator<Row, void, undefined>
export function rows<Row, R extends { readonly unreportable: Unreportable }>(
  report: RowReport<Row, R>,
  source: Iterable<BalanceTransaction> | AsyncIterable<BalanceTransaction>
): Generator<Row, void, undefined> | AsyncGenerator<Row, void, undefined> {
  return isAsync(source) ? rowsAsync(report.add, source) : rowsSync(report.add, source)
}

/**
 * Count and figures of a set of transactions, in minor units: `gross`, `fee` and `net` summed.
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const balanced = (t: Reports.Totals) => t.net === t.gross - t.fee
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Totals {
  readonly count: number
  readonly gross: bigint
  readonly fee: bigint
  readonly net: bigint
}

class Sum implements Totals {
  count = 0
  gross = 0n
  fee = 0n
  net = 0n
  add(t: BalanceTransaction): void {
    this.count++
    this.gross += t.gross
    this.fee += t.fee
    this.net += t.net
  }
  merge(o: Totals): void {
    this.count += o.count
    this.gross += o.gross
    this.fee += o.fee
    this.net += o.net
  }
  snapshot(): Totals {
    return { count: this.count, gross: this.gross, fee: this.fee, net: this.net }
  }
  negated(): Totals {
    return { count: this.count, gross: -this.gross, fee: -this.fee, net: -this.net }
  }
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
const SEP = "\u0000"
const inPeriod = (p: Period, t: BalanceTransaction) => t.availableOn >= p.fromMs && t.availableOn < p.toMs
const isPayoutCategory = (c: ReportingCategory) => c === "payout" || c === "payout_reversal"

// ---------------------------------------------------------------------------------------------
// Balance summary
// ---------------------------------------------------------------------------------------------

const activityCategories: ReadonlyArray<ReportingCategory> = [
  "charge",
  "refund",
  "refund_failure",
  "dispute",
  "dispute_reversal",
  "fee",
  "other_adjustment",
  "risk_reserved_funds"
]
const payoutCategories: ReadonlyArray<ReportingCategory> = ["payout", "payout_reversal"]

/**
 * The totals of one reporting category.
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const label = (c: Reports.CategoryTotals) => `${c.category}: ${c.net}`
 * ```
 * @category models
 * @since 0.1.0
 */
export interface CategoryTotals extends Totals {
  readonly category: ReportingCategory
}

/**
 * The available balance of one merchant in one currency over the period: `opening`, `activity`
 * by category (only categories with transactions, in a fixed order) and its total, `payouts`
 * by category (`payout`, `payout_reversal`) and its total as positive figures paid out (the
 * negation of the transactions' figures), and `closing = opening + activityTotal.net -
 * payoutsTotal.net`.
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const holds = (b: Reports.Balance) => b.opening + b.activityTotal.net - b.payoutsTotal.net === b.closing
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Balance {
  readonly merchant: string
  readonly currency: string
  readonly exponent: number
  readonly opening: bigint
  readonly activity: ReadonlyArray<CategoryTotals>
  readonly activityTotal: Totals
  readonly payouts: ReadonlyArray<CategoryTotals>
  readonly payoutsTotal: Totals
  readonly closing: bigint
}

/**
 * One line of the balance summary CSV: `opening_balance`, one `activity` line per category,
 * `activity_total`, one `payouts` line per category, `payouts_total`, `closing_balance`.
 * `count`, `gross` and `fee` are `null` on the opening and closing lines.
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const closing = (rows: ReadonlyArray<Reports.BalanceSummaryRow>) => rows.filter((r) => r.line === "closing_balance")
 * ```
 * @category models
 * @since 0.1.0
 */
export interface BalanceSummaryRow {
  readonly merchant: string
  readonly currency: string
  readonly exponent: number
  readonly period: Period
  readonly line:
    | "opening_balance"
    | "activity"
    | "activity_total"
    | "payouts"
    | "payouts_total"
    | "closing_balance"
  readonly category: ReportingCategory | null
  readonly count: number | null
  readonly gross: bigint | null
  readonly fee: bigint | null
  readonly net: bigint
}

/**
 * The balance summary: the period, one {@link Balance} per merchant and currency (sorted by
 * merchant, then currency), the same as CSV rows, and what was left out.
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const merchants = (s: Reports.BalanceSummary) => new Set(s.balances.map((b) => b.merchant))
 * ```
 * @category models
 * @since 0.1.0
 */
export interface BalanceSummary {
  readonly period: Period
  readonly balances: ReadonlyArray<Balance>
  readonly rows: ReadonlyArray<BalanceSummaryRow>
  readonly unreportable: Unreportable
}

interface BalanceGroup {
  readonly merchant: string
  readonly currency: string
  readonly exponent: number
  opening: bigint
  readonly byCategory: Map<ReportingCategory, Sum>
}

const summaryRows = (period: Period, b: Balance): Array<BalanceSummaryRow> => {
  const base = { merchant: b.merchant, currency: b.currency, exponent: b.exponent, period }
  const noFigures = { category: null, count: null, gross: null, fee: null }
  const of = (line: BalanceSummaryRow["line"], c: Totals, category: ReportingCategory | null) => ({
    ...base,
    line,
    category,
    count: c.count,
    gross: c.gross,
    fee: c.fee,
    net: c.net
  })
  return [
    { ...base, line: "opening_balance", ...noFigures, net: b.opening },
    ...b.activity.map((c) => of("activity", c, c.category)),
    of("activity_total", b.activityTotal, null),
    ...b.payouts.map((c) => of("payouts", c, c.category)),
    of("payouts_total", b.payoutsTotal, null),
    { ...base, line: "closing_balance", ...noFigures, net: b.closing }
  ]
}

/**
 * The balance summary report over a period (see the module's semantics): per merchant and
 * currency, opening, activity by reporting category, payouts, closing. Fails with
 * `InvalidReportOptions` naming the option when the options are not usable.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * import { Result } from "effect"
 * const report = Result.getOrThrow(Reports.balanceSummary({ from: "2025-03-01", to: "2025-04-01", timeZone: "Asia/Shanghai" }))
 * declare const transactions: AsyncIterable<import("@paykit/settlement").BalanceTransaction.BalanceTransaction>
 * const summary = await Reports.run(report, transactions)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const balanceSummary = (
  options: PeriodOptions
): Result.Result<Report<BalanceSummary>, InvalidReportOptions> => {
  const decoded = decodePeriodOptions("balanceSummary", options)
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure)
  const [scope, period] = decoded.success
  const intake = new Intake(scope)
  const groups = new Map<string, BalanceGroup>()
  const add = (t: BalanceTransaction): void => {
    const exponent = intake.admit(t)
    if (exponent < 0 || t.availableOn >= period.toMs) return
    const key = t.merchant + SEP + t.currency
    let g = groups.get(key)
    if (g === undefined) {
      g = { merchant: t.merchant, currency: t.currency, exponent, opening: 0n, byCategory: new Map() }
      groups.set(key, g)
    }
    if (t.availableOn < period.fromMs) {
      g.opening += t.net
      return
    }
    let s = g.byCategory.get(t.reportingCategory)
    if (s === undefined) {
      s = new Sum()
      g.byCategory.set(t.reportingCategory, s)
    }
    s.add(t)
  }
  const result = (): BalanceSummary => {
    const balances = [...groups.values()]
      .sort((a, b) => compareText(a.merchant, b.merchant) || compareText(a.currency, b.currency))
      .map((g): Balance => {
        const activityTotal = new Sum()
        const activity: Array<CategoryTotals> = []
        for (const category of activityCategories) {
          const s = g.byCategory.get(category)
          if (s === undefined) continue
          activityTotal.merge(s)
          activity.push({ category, ...s.snapshot() })
        }
        const paid = new Sum()
        const payouts: Array<CategoryTotals> = []
        for (const category of payoutCategories) {
          const s = g.byCategory.get(category)
          if (s === undefined) continue
          paid.merge(s)
          payouts.push({ category, ...s.negated() })
        }
        const payoutsTotal = paid.negated()
        return {
          merchant: g.merchant,
          currency: g.currency,
          exponent: g.exponent,
          opening: g.opening,
          activity,
          activityTotal: activityTotal.snapshot(),
          payouts,
          payoutsTotal,
          closing: g.opening + activityTotal.net - payoutsTotal.net
        }
      })
    return {
      period,
      balances,
      rows: balances.flatMap((b) => summaryRows(period, b)),
      unreportable: intake.unreportable()
    }
  }
  return Result.succeed({ add, result })
}

// ---------------------------------------------------------------------------------------------
// Itemised balance change from activity
// ---------------------------------------------------------------------------------------------

/**
 * One row of the itemised balance change from activity: a transaction with its amounts, its
 * times as ISO-8601 local timestamps with the zone's offset and as local dates, and its
 * dimensions (`null` when absent).
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const day = (r: Reports.ItemisedRow) => r.availableDate
 * ```
 * @category models
 * @since 0.1.0
 */
export interface ItemisedRow {
  readonly id: string
  readonly merchant: string
  readonly currency: string
  readonly exponent: number
  readonly type: BalanceTransaction["type"]
  readonly reportingCategory: ReportingCategory
  readonly created: string
  readonly createdDate: string
  readonly availableOn: string
  readonly availableDate: string
  readonly gross: bigint
  readonly fee: bigint
  readonly net: bigint
  readonly source: string
  readonly payment: string | null
  readonly payout: string | null
  readonly status: BalanceTransaction["status"]
  readonly method: string | null
  readonly brand: string | null
  readonly region: string | null
  readonly exchangeRate: string | null
  readonly description: string | null
}

/**
 * The control totals of a group (a merchant and currency, or a dimension group).
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const key = (g: Reports.GroupTotals) => `${g.merchant}/${g.currency}`
 * ```
 * @category models
 * @since 0.1.0
 */
export interface GroupTotals extends Totals {
  readonly merchant: string
  readonly currency: string
  readonly exponent: number
}

/**
 * The control totals of an itemised report: per merchant and currency, the count and sums of
 * the rows (equal to the balance summary's activity total for the same period).
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const rowsSeen = (r: Reports.ItemisedTotals) => r.totals.reduce((n, g) => n + g.count, 0)
 * ```
 * @category models
 * @since 0.1.0
 */
export interface ItemisedTotals {
  readonly period: Period
  readonly totals: ReadonlyArray<GroupTotals>
  readonly unreportable: Unreportable
}

interface TotalsGroup {
  readonly merchant: string
  readonly currency: string
  readonly exponent: number
  readonly sum: Sum
}

const groupTotals = (groups: Map<string, TotalsGroup>): Array<GroupTotals> =>
  [...groups.values()]
    .sort((a, b) => compareText(a.merchant, b.merchant) || compareText(a.currency, b.currency))
    .map((g) => ({ merchant: g.merchant, currency: g.currency, exponent: g.exponent, ...g.sum.snapshot() }))

const nullable = (s: string | undefined): string | null => (s === undefined || s === "" ? null : s)

/**
 * The itemised balance change from activity over a period: one row per activity transaction
 * (every transaction available in the period that is not a payout or a payout reversal), in
 * the order they come, mapped as they are read (stream them with {@link rows}); the result
 * gives control totals per merchant and currency.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * import { Result } from "effect"
 * const itemised = Result.getOrThrow(Reports.itemised({ from: "2025-03-01", to: "2025-04-01", timeZone: "Asia/Shanghai" }))
 * declare const transactions: AsyncIterable<import("@paykit/settlement").BalanceTransaction.BalanceTransaction>
 * for await (const line of Reports.csvLines(Reports.itemisedTable, Reports.rows(itemised, transactions))) process.stdout.write(line)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const itemised = (
  options: PeriodOptions
): Result.Result<RowReport<ItemisedRow, ItemisedTotals>, InvalidReportOptions> => {
  const decoded = decodePeriodOptions("itemised", options)
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure)
  const [scope, period] = decoded.success
  const zone = scope.zone
  const intake = new Intake(scope)
  const groups = new Map<string, TotalsGroup>()
  const add = (t: BalanceTransaction): ItemisedRow | undefined => {
    const exponent = intake.admit(t)
    if (exponent < 0 || !inPeriod(period, t) || isPayoutCategory(t.reportingCategory)) return undefined
    const key = t.merchant + SEP + t.currency
    let g = groups.get(key)
    if (g === undefined) {
      g = { merchant: t.merchant, currency: t.currency, exponent, sum: new Sum() }
      groups.set(key, g)
    }
    g.sum.add(t)
    const created = zone.timestamp(t.createdAt)
    const availableOn = zone.timestamp(t.availableOn)
    return {
      id: t.id,
      merchant: t.merchant,
      currency: t.currency,
      exponent,
      type: t.type,
      reportingCategory: t.reportingCategory,
      created,
      createdDate: created.slice(0, 10),
      availableOn,
      availableDate: availableOn.slice(0, 10),
      gross: t.gross,
      fee: t.fee,
      net: t.net,
      source: t.source,
      payment: nullable(t.payment),
      payout: nullable(t.payout),
      status: t.status,
      method: nullable(t.dimensions.method),
      brand: nullable(t.dimensions.brand),
      region: nullable(t.dimensions.region),
      exchangeRate: nullable(t.exchangeRate),
      description: nullable(t.description)
    }
  }
  return Result.succeed({
    add,
    result: () => ({ period, totals: groupTotals(groups), unreportable: intake.unreportable() })
  })
}

// ---------------------------------------------------------------------------------------------
// Payout reconciliation
// ---------------------------------------------------------------------------------------------

/**
 * One transaction a payout paid: the payout, the transaction and its figures.
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const of = (rows: ReadonlyArray<Reports.PayoutItemRow>, payout: string) => rows.filter((r) => r.payout === payout)
 * ```
 * @category models
 * @since 0.1.0
 */
export interface PayoutItemRow {
  readonly payout: string
  readonly merchant: string
  readonly currency: string
  readonly exponent: number
  readonly id: string
  readonly type: BalanceTransaction["type"]
  readonly reportingCategory: ReportingCategory
  readonly created: string
  readonly availableOn: string
  readonly availableDate: string
  readonly gross: bigint
  readonly fee: bigint
  readonly net: bigint
  readonly source: string
  readonly payment: string | null
}

/**
 * How a payout reconciles: `balanced` when its items' net equals its amount (in the same
 * merchant and currency), `mismatch` otherwise, `payout_missing` when items name a payout
 * whose own transaction was not in the input.
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const status: Reports.PayoutStatus = "balanced"
 * ```
 * @category models
 * @since 0.1.0
 */
export type PayoutStatus = "balanced" | "mismatch" | "payout_missing"

/**
 * One payout and what its transactions add up to. `amount` is the payout's amount as a positive
 * figure (minus the `net` of its own `payout` transaction; `null` when that transaction was not
 * seen); `count`, `gross`, `fee` and `net` sum the transactions it paid; `difference =
 * net - amount`, zero when it reconciles. `failed` is true when a `payout_failure` transaction
 * reverses it.
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const broken = (ps: ReadonlyArray<Reports.PayoutTotals>) => ps.filter((p) => p.status !== "balanced")
 * ```
 * @category models
 * @since 0.1.0
 */
export interface PayoutTotals {
  readonly payout: string
  readonly merchant: string
  readonly currency: string
  readonly exponent: number
  readonly payoutTransaction: string | null
  readonly arrivalDate: string | null
  readonly amount: bigint | null
  readonly failed: boolean
  readonly count: number
  readonly gross: bigint
  readonly fee: bigint
  readonly net: bigint
  readonly difference: bigint
  readonly status: PayoutStatus
}

/**
 * The payout reconciliation: one {@link PayoutTotals} per payout (sorted by payout id) and what
 * was left out.
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const ok = (r: Reports.PayoutReconciliation) => r.payouts.every((p) => p.status === "balanced")
 * ```
 * @category models
 * @since 0.1.0
 */
export interface PayoutReconciliation {
  readonly payouts: ReadonlyArray<PayoutTotals>
  readonly unreportable: Unreportable
}

interface PayoutGroup {
  readonly payout: string
  merchant: string
  currency: string
  exponent: number
  payoutTransaction: string | null
  arrivalDate: string | null
  amount: bigint | null
  failed: boolean
  mixed: boolean
  readonly sum: Sum
}

/**
 * The payout reconciliation: which transactions each payout paid, and whether they add up to
 * it. A transaction is an item of payout `P` when its `payout` is `P` and it is not a payout
 * itself. A `payout` transaction is payout `P`'s own record (`P` is its `payout`, or its
 * `source` when `payout` is absent): it gives the amount and the arrival date. A
 * `payout_failure` marks the payout it reverses (its `source`) as failed; it is an item only of
 * a later payout that pays its funds out again (its `payout` names another payout). Not bound
 * to a period: feed it the transactions of the payouts to reconcile (all of them is fine; memory
 * grows with the number of payouts only). Rows stream with {@link rows}.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * import { Result } from "effect"
 * const recon = Result.getOrThrow(Reports.payoutReconciliation({ timeZone: "Asia/Shanghai" }))
 * const result = Reports.run(recon, [])
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const payoutReconciliation = (
  options: ScopeOptions
): Result.Result<RowReport<PayoutItemRow, PayoutReconciliation>, InvalidReportOptions> => {
  const decoded = decodeScopeOptions("payoutReconciliation", options)
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure)
  const scope = decoded.success
  const zone = scope.zone
  const intake = new Intake(scope)
  const groups = new Map<string, PayoutGroup>()
  const group = (payout: string, t: BalanceTransaction, exponent: number): PayoutGroup => {
    let g = groups.get(payout)
    if (g === undefined) {
      g = {
        payout,
        merchant: t.merchant,
        currency: t.currency,
        exponent,
        payoutTransaction: null,
        arrivalDate: null,
        amount: null,
        failed: false,
        mixed: false,
        sum: new Sum()
      }
      groups.set(payout, g)
    } else if (g.merchant !== t.merchant || g.currency !== t.currency) {
      g.mixed = true
    }
    return g
  }
  const add = (t: BalanceTransaction): PayoutItemRow | undefined => {
    const exponent = intake.admit(t)
    if (exponent < 0) return undefined
    if (t.type === "payout") {
      const g = group(t.payout ?? t.source, t, exponent)
      if (g.payoutTransaction === null) {
        // the payout's own record decides whose payout it is
        g.payoutTransaction = t.id
        g.arrivalDate = zone.date(t.availableOn)
        if (g.merchant !== t.merchant || g.currency !== t.currency) g.mixed = true
      }
      g.amount = (g.amount ?? 0n) - t.net
      return undefined
    }
    if (t.type === "payout_failure") {
      group(t.source, t, exponent).failed = true
      if (t.payout === undefined || t.payout === t.source) return undefined
    }
    if (t.payout === undefined) return undefined
    group(t.payout, t, exponent).sum.add(t)
    const availableOn = zone.timestamp(t.availableOn)
    return {
      payout: t.payout,
      merchant: t.merchant,
      currency: t.currency,
      exponent,
      id: t.id,
      type: t.type,
      reportingCategory: t.reportingCategory,
      created: zone.timestamp(t.createdAt),
      availableOn,
      availableDate: availableOn.slice(0, 10),
      gross: t.gross,
      fee: t.fee,
      net: t.net,
      source: t.source,
      payment: nullable(t.payment)
    }
  }
  const result = (): PayoutReconciliation => ({
    payouts: [...groups.values()]
      .sort((a, b) => compareText(a.payout, b.payout))
      .map((g): PayoutTotals => {
        const difference = g.sum.net - (g.amount ?? 0n)
        return {
          payout: g.payout,
          merchant: g.merchant,
          currency: g.currency,
          exponent: g.exponent,
          payoutTransaction: g.payoutTransaction,
          arrivalDate: g.arrivalDate,
          amount: g.amount,
          failed: g.failed,
          ...g.sum.snapshot(),
          difference,
          status:
            g.amount === null ? "payout_missing" : g.mixed || difference !== 0n ? "mismatch" : "balanced"
        }
      }),
    unreportable: intake.unreportable()
  })
  return Result.succeed({ add, result })
}

// ---------------------------------------------------------------------------------------------
// Sales, refunds and fees by dimension
// ---------------------------------------------------------------------------------------------

/**
 * The group of a dimension report: merchant, currency, payment method and card brand (`null`
 * when the transaction does not name it), and the period.
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const isCard = (g: Reports.DimensionGroup) => g.method === "card"
 * ```
 * @category models
 * @since 0.1.0
 */
export interface DimensionGroup {
  readonly merchant: string
  readonly currency: string
  readonly exponent: number
  readonly method: string | null
  readonly brand: string | null
  readonly period: Period
}

/**
 * Charges of one group: how many, and their gross, fee and net.
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const average = (r: Reports.SalesRow) => (r.count === 0 ? 0n : r.gross / BigInt(r.count))
 * ```
 * @category models
 * @since 0.1.0
 */
export interface SalesRow extends DimensionGroup, Totals {}

/**
 * Refunds of one group: refunds (`refund`, negative figures from the merchant's side) and refund
 * failures (`refund_failure`, the money coming back), and their net together.
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const refunded = (r: Reports.RefundsRow) => -r.net
 * ```
 * @category models
 * @since 0.1.0
 */
export interface RefundsRow extends DimensionGroup {
  readonly refunds: Totals
  readonly failures: Totals
  readonly net: bigint
}

/**
 * Fees of one kind in one group: how many fee lines and their amount (positive charged to the
 * merchant).
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const markup = (rows: ReadonlyArray<Reports.FeeDetailsRow>) => rows.filter((r) => r.kind === "markup")
 * ```
 * @category models
 * @since 0.1.0
 */
export interface FeeDetailsRow extends DimensionGroup {
  readonly kind: FeeKind
  readonly lines: number
  readonly amount: bigint
}

/**
 * The rows of a dimension report, sorted by merchant, currency, method, brand (absent first)
 * and, for fees, fee kind in the order of `BalanceTransaction.feeKinds`; and what was left out.
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const count = (r: Reports.DimensionReport<Reports.SalesRow>) => r.rows.length
 * ```
 * @category models
 * @since 0.1.0
 */
export interface DimensionReport<Row> {
  readonly period: Period
  readonly rows: ReadonlyArray<Row>
  readonly unreportable: Unreportable
}

const compareNullable = (a: string | null, b: string | null): number =>
  a === b ? 0 : a === null ? -1 : b === null ? 1 : compareText(a, b)

const compareGroups = (a: DimensionGroup, b: DimensionGroup): number =>
  compareText(a.merchant, b.merchant) ||
  compareText(a.currency, b.currency) ||
  compareNullable(a.method, b.method) ||
  compareNullable(a.brand, b.brand)

/** A fold over the transactions available in the period, grouped by merchant, currency, method, brand. */
const dimensionReport = <G, Row extends DimensionGroup>(
  report: string,
  options: PeriodOptions,
  spec: {
    readonly withFeeDetails: boolean
    readonly wants: (t: BalanceTransaction) => boolean
    readonly make: () => G
    readonly add: (g: G, t: BalanceTransaction) => void
    readonly rows: (group: DimensionGroup, g: G) => ReadonlyArray<Row>
    readonly compare?: (a: Row, b: Row) => number
  }
): Result.Result<Report<DimensionReport<Row>>, InvalidReportOptions> => {
  const decoded = decodePeriodOptions(report, options)
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure)
  const [scope, period] = decoded.success
  const intake = new Intake(scope, spec.withFeeDetails)
  const groups = new Map<string, { readonly group: DimensionGroup; readonly state: G }>()
  const add = (t: BalanceTransaction): void => {
    const exponent = intake.admit(t)
    if (exponent < 0 || !inPeriod(period, t) || !spec.wants(t)) return
    const method = nullable(t.dimensions.method)
    const brand = nullable(t.dimensions.brand)
    const key = t.merchant + SEP + t.currency + SEP + (method ?? "") + SEP + (brand ?? "")
    let g = groups.get(key)
    if (g === undefined) {
      g = {
        group: { merchant: t.merchant, currency: t.currency, exponent, method, brand, period },
        state: spec.make()
      }
      groups.set(key, g)
    }
    spec.add(g.state, t)
  }
  const result = (): DimensionReport<Row> => ({
    period,
    rows: [...groups.values()]
      .sort((a, b) => compareGroups(a.group, b.group))
      .flatMap((g) => spec.rows(g.group, g.state)),
    unreportable: intake.unreportable()
  })
  return Result.succeed({ add, result })
}

/**
 * Sales by dimension over a period: the `charge` transactions available in it, per merchant,
 * currency, payment method and card brand: count, gross, fee, net.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * import { Result } from "effect"
 * const sales = Result.getOrThrow(Reports.sales({ from: "2025-03-01", to: "2025-04-01", timeZone: "UTC" }))
 * Reports.toCsv(Reports.salesTable, Result.getOrThrow(Reports.run(sales, [])).rows)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const sales = (
  options: PeriodOptions
): Result.Result<Report<DimensionReport<SalesRow>>, InvalidReportOptions> =>
  dimensionReport("sales", options, {
    withFeeDetails: false,
    wants: (t) => t.type === "charge",
    make: () => new Sum(),
    add: (s, t) => s.add(t),
    rows: (group, s) => [{ ...group, ...s.snapshot() }]
  })

/**
 * Refunds by dimension over a period: the `refund` and `refund_failure` transactions available
 * in it, per merchant, currency, payment method and card brand.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * import { Result } from "effect"
 * const refunds = Result.getOrThrow(Reports.refunds({ from: "2025-03-01", to: "2025-04-01", timeZone: "UTC" }))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const refunds = (
  options: PeriodOptions
): Result.Result<Report<DimensionReport<RefundsRow>>, InvalidReportOptions> =>
  dimensionReport("refunds", options, {
    withFeeDetails: false,
    wants: (t) => t.type === "refund" || t.type === "refund_failure",
    make: () => ({ refunds: new Sum(), failures: new Sum() }),
    add: (s, t) => (t.type === "refund" ? s.refunds : s.failures).add(t),
    rows: (group, s) => [
      {
        ...group,
        refunds: s.refunds.snapshot(),
        failures: s.failures.snapshot(),
        net: s.refunds.net + s.failures.net
      }
    ]
  })

/**
 * Fee details by dimension over a period: the fees of every transaction available in it (any
 * type), per merchant, currency, payment method, card brand and `FeeDetail.kind`: how many fee
 * lines and their amount. The amounts of a group add up to the sum of its transactions' `fee`:
 * a transaction whose fee details do not add up to its `fee` contributes the difference as one
 * `other` line.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * import { Result } from "effect"
 * const fees = Result.getOrThrow(Reports.feeDetails({ from: "2025-03-01", to: "2025-04-01", timeZone: "UTC" }))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const feeDetails = (
  options: PeriodOptions
): Result.Result<Report<DimensionReport<FeeDetailsRow>>, InvalidReportOptions> =>
  dimensionReport("feeDetails", options, {
    withFeeDetails: true,
    wants: (t) => t.fee !== 0n || t.feeDetails.length > 0,
    make: () => new Map<FeeKind, { lines: number; amount: bigint }>(),
    add: (byKind, t) => {
      const put = (kind: FeeKind, amount: bigint) => {
        const k = byKind.get(kind)
        if (k === undefined) byKind.set(kind, { lines: 1, amount })
        else {
          k.lines++
          k.amount += amount
        }
      }
      let itemised = 0n
      for (const f of t.feeDetails) {
        itemised += f.amount
        put(f.kind, f.amount)
      }
      if (itemised !== t.fee) put("other", t.fee - itemised)
    },
    rows: (group, byKind) =>
      feeKinds.flatMap((kind) => {
        const k = byKind.get(kind)
        return k === undefined ? [] : [{ ...group, kind, lines: k.lines, amount: k.amount }]
      })
  })

// ---------------------------------------------------------------------------------------------
// Tables: CSV and JSON
// ---------------------------------------------------------------------------------------------

/**
 * A cell of a rendered row: text (amounts are text), a count, a flag, or `null` (empty in CSV).
 *
 * @example
 * ```ts
 * import type { Reports } from "@paykit/settlement"
 * const empty: Reports.Cell = null
 * ```
 * @category models
 * @since 0.1.0
 */
export type Cell = string | number | boolean | null

/**
 * How a report renders: a `name` (the file stem), fixed `columns` (the CSV header, in order)
 * and `record`, a row as an object with exactly those keys. The same record is the JSON form:
 * amounts are strings, each amount twice, `x_minor` (minor units, `"1234"`) and `x` (major
 * units with the currency's exponent, `"12.34"`); dates are local `YYYY-MM-DD`, timestamps
 * ISO-8601 with the zone's offset.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * Reports.salesTable.columns[0] // "merchant"
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Table<Row, C extends string = string> {
  readonly name: string
  readonly columns: ReadonlyArray<C>
  readonly record: (row: Row) => { readonly [K in C]: Cell }
}

const table = <Row, const C extends ReadonlyArray<string>>(
  name: string,
  columns: C,
  record: (row: Row) => { readonly [K in C[number]]: Cell }
): Table<Row, C[number]> => ({ name, columns, record })

const amount = <P extends string>(prefix: P, minor: bigint | null, exponent: number) =>
  ({
    [`${prefix}_minor`]: minor === null ? null : minor.toString(),
    [prefix]: minor === null ? null : toMajor(minor, exponent)
  }) as { readonly [K in P | `${P}_minor`]: string | null }

const periodCells = (p: Period) => ({ time_zone: p.timeZone, period_start: p.from, period_end: p.to })

/**
 * The balance summary CSV (`balance_summary`). Columns: `merchant`, `currency`, `time_zone`,
 * `period_start`, `period_end` (local dates, the end exclusive), `line` (`opening_balance`,
 * `activity`, `activity_total`, `payouts`, `payouts_total`, `closing_balance`),
 * `reporting_category` (on `activity` and `payouts` lines), `count`, `gross_minor`, `gross`,
 * `fee_minor`, `fee` (empty on opening and closing lines), `net_minor`, `net`. Payout lines are
 * positive when money was paid out.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * declare const summary: Reports.BalanceSummary
 * const csv = Reports.toCsv(Reports.balanceSummaryTable, summary.rows)
 * ```
 * @category models
 * @since 0.1.0
 */
export const balanceSummaryTable = table(
  "balance_summary",
  [
    "merchant",
    "currency",
    "time_zone",
    "period_start",
    "period_end",
    "line",
    "reporting_category",
    "count",
    "gross_minor",
    "gross",
    "fee_minor",
    "fee",
    "net_minor",
    "net"
  ] as const,
  (r: BalanceSummaryRow) => ({
    merchant: r.merchant,
    currency: r.currency,
    ...periodCells(r.period),
    line: r.line,
    reporting_category: r.category,
    count: r.count,
    ...amount("gross", r.gross, r.exponent),
    ...amount("fee", r.fee, r.exponent),
    net_minor: r.net.toString(),
    net: toMajor(r.net, r.exponent)
  })
)

/**
 * The itemised balance change from activity CSV (`balance_change_from_activity`). Columns:
 * `balance_transaction_id`, `merchant`, `currency`, `type`, `reporting_category`, `created`,
 * `created_date`, `available_on`, `available_date`, `gross_minor`, `gross`, `fee_minor`, `fee`,
 * `net_minor`, `net`, `source`, `payment`, `payout`, `status`, `payment_method`, `card_brand`,
 * `region`, `exchange_rate`, `description`.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * Reports.itemisedTable.columns.includes("available_date") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const itemisedTable = table(
  "balance_change_from_activity",
  [
    "balance_transaction_id",
    "merchant",
    "currency",
    "type",
    "reporting_category",
    "created",
    "created_date",
    "available_on",
    "available_date",
    "gross_minor",
    "gross",
    "fee_minor",
    "fee",
    "net_minor",
    "net",
    "source",
    "payment",
    "payout",
    "status",
    "payment_method",
    "card_brand",
    "region",
    "exchange_rate",
    "description"
  ] as const,
  (r: ItemisedRow) => ({
    balance_transaction_id: r.id,
    merchant: r.merchant,
    currency: r.currency,
    type: r.type,
    reporting_category: r.reportingCategory,
    created: r.created,
    created_date: r.createdDate,
    available_on: r.availableOn,
    available_date: r.availableDate,
    gross_minor: r.gross.toString(),
    gross: toMajor(r.gross, r.exponent),
    fee_minor: r.fee.toString(),
    fee: toMajor(r.fee, r.exponent),
    net_minor: r.net.toString(),
    net: toMajor(r.net, r.exponent),
    source: r.source,
    payment: r.payment,
    payout: r.payout,
    status: r.status,
    payment_method: r.method,
    card_brand: r.brand,
    region: r.region,
    exchange_rate: r.exchangeRate,
    description: r.description
  })
)

/**
 * The payout reconciliation items CSV (`payout_reconciliation_items`): one line per transaction
 * a payout paid. Columns: `payout_id`, `merchant`, `currency`, `balance_transaction_id`, `type`,
 * `reporting_category`, `created`, `available_on`, `available_date`, `gross_minor`, `gross`,
 * `fee_minor`, `fee`, `net_minor`, `net`, `source`, `payment`.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * Reports.payoutItemsTable.columns[0] // "payout_id"
 * ```
 * @category models
 * @since 0.1.0
 */
export const payoutItemsTable = table(
  "payout_reconciliation_items",
  [
    "payout_id",
    "merchant",
    "currency",
    "balance_transaction_id",
    "type",
    "reporting_category",
    "created",
    "available_on",
    "available_date",
    "gross_minor",
    "gross",
    "fee_minor",
    "fee",
    "net_minor",
    "net",
    "source",
    "payment"
  ] as const,
  (r: PayoutItemRow) => ({
    payout_id: r.payout,
    merchant: r.merchant,
    currency: r.currency,
    balance_transaction_id: r.id,
    type: r.type,
    reporting_category: r.reportingCategory,
    created: r.created,
    available_on: r.availableOn,
    available_date: r.availableDate,
    gross_minor: r.gross.toString(),
    gross: toMajor(r.gross, r.exponent),
    fee_minor: r.fee.toString(),
    fee: toMajor(r.fee, r.exponent),
    net_minor: r.net.toString(),
    net: toMajor(r.net, r.exponent),
    source: r.source,
    payment: r.payment
  })
)

/**
 * The payout reconciliation totals CSV (`payout_reconciliation`): one line per payout. Columns:
 * `payout_id`, `merchant`, `currency`, `payout_balance_transaction_id`, `arrival_date`,
 * `payout_amount_minor`, `payout_amount`, `failed` (`true`/`false`), `item_count`,
 * `items_gross_minor`, `items_gross`, `items_fee_minor`, `items_fee`, `items_net_minor`,
 * `items_net`, `difference_minor`, `difference` (`items_net - payout_amount`), `status`
 * (`balanced`, `mismatch`, `payout_missing`).
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * Reports.payoutsTable.columns.at(-1) // "status"
 * ```
 * @category models
 * @since 0.1.0
 */
export const payoutsTable = table(
  "payout_reconciliation",
  [
    "payout_id",
    "merchant",
    "currency",
    "payout_balance_transaction_id",
    "arrival_date",
    "payout_amount_minor",
    "payout_amount",
    "failed",
    "item_count",
    "items_gross_minor",
    "items_gross",
    "items_fee_minor",
    "items_fee",
    "items_net_minor",
    "items_net",
    "difference_minor",
    "difference",
    "status"
  ] as const,
  (r: PayoutTotals) => ({
    payout_id: r.payout,
    merchant: r.merchant,
    currency: r.currency,
    payout_balance_transaction_id: r.payoutTransaction,
    arrival_date: r.arrivalDate,
    ...amount("payout_amount", r.amount, r.exponent),
    failed: r.failed,
    item_count: r.count,
    ...amount("items_gross", r.gross, r.exponent),
    ...amount("items_fee", r.fee, r.exponent),
    ...amount("items_net", r.net, r.exponent),
    ...amount("difference", r.difference, r.exponent),
    status: r.status
  })
)

const groupCells = (g: DimensionGroup) => ({
  merchant: g.merchant,
  currency: g.currency,
  payment_method: g.method,
  card_brand: g.brand,
  ...periodCells(g.period)
})

const dimensionColumns = [
  "merchant",
  "currency",
  "payment_method",
  "card_brand",
  "time_zone",
  "period_start",
  "period_end"
] as const

/**
 * The sales CSV (`sales`). Columns: `merchant`, `currency`, `payment_method`, `card_brand`,
 * `time_zone`, `period_start`, `period_end`, `charge_count`, `gross_minor`, `gross`,
 * `fee_minor`, `fee`, `net_minor`, `net`.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * Reports.salesTable.name // "sales"
 * ```
 * @category models
 * @since 0.1.0
 */
export const salesTable = table(
  "sales",
  [
    ...dimensionColumns,
    "charge_count",
    "gross_minor",
    "gross",
    "fee_minor",
    "fee",
    "net_minor",
    "net"
  ] as const,
  (r: SalesRow) => ({
    ...groupCells(r),
    charge_count: r.count,
    ...amount("gross", r.gross, r.exponent),
    ...amount("fee", r.fee, r.exponent),
    ...amount("net", r.net, r.exponent)
  })
)

/**
 * The refunds CSV (`refunds`). Columns: `merchant`, `currency`, `payment_method`, `card_brand`,
 * `time_zone`, `period_start`, `period_end`, `refund_count`, `refund_gross_minor`,
 * `refund_gross`, `refund_fee_minor`, `refund_fee`, `refund_failure_count`,
 * `refund_failure_gross_minor`, `refund_failure_gross`, `refund_failure_fee_minor`,
 * `refund_failure_fee`, `net_minor`, `net`. Figures are from the merchant's side: refunds are
 * negative, refund failures positive.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * Reports.refundsTable.name // "refunds"
 * ```
 * @category models
 * @since 0.1.0
 */
export const refundsTable = table(
  "refunds",
  [
    ...dimensionColumns,
    "refund_count",
    "refund_gross_minor",
    "refund_gross",
    "refund_fee_minor",
    "refund_fee",
    "refund_failure_count",
    "refund_failure_gross_minor",
    "refund_failure_gross",
    "refund_failure_fee_minor",
    "refund_failure_fee",
    "net_minor",
    "net"
  ] as const,
  (r: RefundsRow) => ({
    ...groupCells(r),
    refund_count: r.refunds.count,
    ...amount("refund_gross", r.refunds.gross, r.exponent),
    ...amount("refund_fee", r.refunds.fee, r.exponent),
    refund_failure_count: r.failures.count,
    ...amount("refund_failure_gross", r.failures.gross, r.exponent),
    ...amount("refund_failure_fee", r.failures.fee, r.exponent),
    ...amount("net", r.net, r.exponent)
  })
)

/**
 * The fee details CSV (`fee_details`). Columns: `merchant`, `currency`, `payment_method`,
 * `card_brand`, `time_zone`, `period_start`, `period_end`, `fee_kind`, `line_count`,
 * `amount_minor`, `amount` (positive is charged to the merchant).
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * Reports.feeDetailsTable.name // "fee_details"
 * ```
 * @category models
 * @since 0.1.0
 */
export const feeDetailsTable = table(
  "fee_details",
  [...dimensionColumns, "fee_kind", "line_count", "amount_minor", "amount"] as const,
  (r: FeeDetailsRow) => ({
    ...groupCells(r),
    fee_kind: r.kind,
    line_count: r.lines,
    ...amount("amount", r.amount, r.exponent)
  })
)

function* linesSync<Row>(t: Table<Row>, source: Iterable<Row>): Generator<string, void, undefined> {
  yield line(t.columns)
  for (const row of source) yield recordLine(t.columns, t.record(row) as Record<string, CellValue>)
}

async function* linesAsync<Row>(
  t: Table<Row>,
  source: AsyncIterable<Row>
): AsyncGenerator<string, void, undefined> {
  yield line(t.columns)
  for await (const row of source) yield recordLine(t.columns, t.record(row) as Record<string, CellValue>)
}

/**
 * The CSV of `rows`, line by line as they are read (a header line first; each line ends with
 * `\r\n`): for streaming to a file or a response. Cells follow RFC 4180 and are safe to open in
 * a spreadsheet: text starting with `=`, `+`, `-`, `@`, a tab or a CR gets a leading `'`, except
 * a pure number such as `-12.34`.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * for (const line of Reports.csvLines(Reports.salesTable, [])) process.stdout.write(line)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export function csvLines<Row>(t: Table<Row>, source: Iterable<Row>): Generator<string, void, undefined>
export function csvLines<Row>(
  t: Table<Row>,
  source: AsyncIterable<Row>
): AsyncGenerator<string, void, undefined>
export function csvLines<Row>(
  t: Table<Row>,
  source: Iterable<Row> | AsyncIterable<Row>
): Generator<string, void, undefined> | AsyncGenerator<string, void, undefined> {
  return isAsync(source) ? linesAsync(t, source) : linesSync(t, source)
}

/**
 * The whole CSV document of `rows` as one string (header line included). For small results;
 * stream large ones with {@link csvLines}.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * Reports.toCsv(Reports.feeDetailsTable, []) // "merchant,currency,...,amount\r\n"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const toCsv = <Row>(t: Table<Row>, source: Iterable<Row>): string => {
  let out = ""
  for (const l of linesSync(t, source)) out += l
  return out
}

/**
 * The JSON form of `rows`: one record per row, keyed by the table's column names, amounts as
 * strings (`JSON.stringify` it as is).
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * JSON.stringify(Reports.toJson(Reports.salesTable, [])) // "[]"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const toJson = <Row, C extends string>(
  t: Table<Row, C>,
  source: Iterable<Row>
): ReadonlyArray<{ readonly [K in C]: Cell }> => Array.from(source, t.record)

async function* jsonAsync<Row>(
  t: Table<Row>,
  source: AsyncIterable<Row>
): AsyncGenerator<string, void, undefined> {
  for await (const row of source) yield `${JSON.stringify(t.record(row))}\n`
}

function* jsonSync<Row>(t: Table<Row>, source: Iterable<Row>): Generator<string, void, undefined> {
  for (const row of source) yield `${JSON.stringify(t.record(row))}\n`
}

/**
 * The JSON form of `rows` as JSON Lines (one record and `\n` per row), streamed as they are
 * read: for itemised reports too large to hold.
 *
 * @example
 * ```ts
 * import { Reports } from "@paykit/settlement"
 * for (const line of Reports.jsonLines(Reports.itemisedTable, [])) process.stdout.write(line)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export function jsonLines<Row>(t: Table<Row>, source: Iterable<Row>): Generator<string, void, undefined>
export function jsonLines<Row>(
  t: Table<Row>,
  source: AsyncIterable<Row>
): AsyncGenerator<string, void, undefined>
export function jsonLines<Row>(
  t: Table<Row>,
  source: Iterable<Row> | AsyncIterable<Row>
): Generator<string, void, undefined> | AsyncGenerator<string, void, undefined> {
  return isAsync(source) ? jsonAsync(t, source) : jsonSync(t, source)
}
