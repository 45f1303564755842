// How each report renders: its fixed, documented columns and the record of a row (amounts as
// strings, in minor and in major units), the same for CSV and for JSON.
import type { Period } from "../Reports.ts"
import type { BalanceSummaryRow } from "./reportBalanceSummary.ts"
import type { DimensionGroup, FeeDetailsRow, RefundsRow, SalesRow } from "./reportDimensions.ts"
import type { ItemisedRow } from "./reportItemised.ts"
import type { PayoutItemRow, PayoutTotals } from "./reportPayouts.ts"

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
