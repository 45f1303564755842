// The balance summary report: per merchant and currency, the opening balance, the activity by
// reporting category, the payouts and the closing balance of a period.
import { Result } from "effect"
import type { BalanceTransaction, ReportingCategory } from "../BalanceTransaction.ts"
import type { Period, Report, Totals, Unreportable } from "../Reports.ts"
import { compareText, SEP, Sum } from "./reportFold.ts"
import { Intake } from "./reportIntake.ts"
import { decodePeriodOptions, type InvalidReportOptions, type PeriodOptions } from "./reportOptions.ts"

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
