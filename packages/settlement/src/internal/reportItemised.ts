// The itemised balance change from activity: one row per activity transaction of a period, and
// control totals per merchant and currency.
import { Result } from "effect"
import type { BalanceTransaction, ReportingCategory } from "../BalanceTransaction.ts"
import type { Period, RowReport, rows, Totals, Unreportable } from "../Reports.ts"
import { compareText, inPeriod, isPayoutCategory, nullable, SEP, Sum } from "./reportFold.ts"
import { Intake } from "./reportIntake.ts"
import { decodePeriodOptions, type InvalidReportOptions, type PeriodOptions } from "./reportOptions.ts"

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
