// The options of a report: the schemas of `ScopeOptions` and `PeriodOptions`, their error, and
// their decoding into a `Scope` (the zone, the currency registry, the filters) and a `Period`.
import { Currency, Input } from "@paykit/core"
import { Result, Schema } from "effect"
import type { Period } from "../Reports.ts"
import type { payoutReconciliation } from "./reportPayouts.ts"
import { canonicalZone, parseDate, Zone } from "./zone.ts"

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

/** What every report reads its transactions with: the decoded options, bar the period. */
export interface Scope {
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

export const decodeScopeOptions = (
  report: string,
  input: unknown
): Result.Result<Scope, InvalidReportOptions> => {
  const r = decodeInput(report, ScopeOptions, input)
  return Result.isFailure(r) ? Result.fail(r.failure) : decodeScope(report, r.success)
}

export const decodePeriodOptions = (
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
