// The reports by dimension (merchant, currency, payment method, card brand) over a period:
// sales, refunds and fee details.
import { Result } from "effect"
import { type BalanceTransaction, type FeeKind, feeKinds } from "../BalanceTransaction.ts"
import type { Period, Report, Totals, Unreportable } from "../Reports.ts"
import { compareText, inPeriod, nullable, SEP, Sum } from "./reportFold.ts"
import { Intake } from "./reportIntake.ts"
import { decodePeriodOptions, type InvalidReportOptions, type PeriodOptions } from "./reportOptions.ts"

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
