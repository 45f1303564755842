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
import { Result } from "effect"
import type { BalanceTransaction } from "./BalanceTransaction.ts"
import { isAsync } from "./internal/reportFold.ts"
import type { UnreportableTransaction } from "./internal/reportIntake.ts"

// Each report (its rows, its result and its fold), the options, the tables and the rendering live
// in ./internal/report*.ts; this module is their public face and runs them (`run`, `rows`, `finish`).
export {
  type Balance,
  type BalanceSummary,
  type BalanceSummaryRow,
  balanceSummary,
  type CategoryTotals
} from "./internal/reportBalanceSummary.ts"
export {
  type DimensionGroup,
  type DimensionReport,
  type FeeDetailsRow,
  feeDetails,
  type RefundsRow,
  refunds,
  type SalesRow,
  sales
} from "./internal/reportDimensions.ts"
export { UnreportableTransaction } from "./internal/reportIntake.ts"
export {
  type GroupTotals,
  type ItemisedRow,
  type ItemisedTotals,
  itemised
} from "./internal/reportItemised.ts"
export { CustomUnit, InvalidReportOptions, PeriodOptions, ScopeOptions } from "./internal/reportOptions.ts"
export {
  type PayoutItemRow,
  type PayoutReconciliation,
  type PayoutStatus,
  type PayoutTotals,
  payoutReconciliation
} from "./internal/reportPayouts.ts"
export { csvLines, jsonLines, toCsv, toJson } from "./internal/reportRender.ts"
export {
  balanceSummaryTable,
  type Cell,
  feeDetailsTable,
  itemisedTable,
  payoutItemsTable,
  payoutsTable,
  refundsTable,
  salesTable,
  type Table,
  toMajor
} from "./internal/reportTables.ts"

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
