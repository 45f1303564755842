// The payout reconciliation report: which transactions each payout paid, and whether they add
// up to it.
import { Result } from "effect"
import type { BalanceTransaction, ReportingCategory } from "../BalanceTransaction.ts"
import type { RowReport, rows, Unreportable } from "../Reports.ts"
import { compareText, nullable, Sum } from "./reportFold.ts"
import { Intake } from "./reportIntake.ts"
import { decodeScopeOptions, type InvalidReportOptions, type ScopeOptions } from "./reportOptions.ts"

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
