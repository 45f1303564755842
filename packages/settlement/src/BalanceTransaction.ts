import { Money } from "@paykit/core/schema"
import { Schema } from "effect"

/**
 * What moved a merchant's balance: a charge (a capture), a refund and a refund that failed after
 * succeeding, a dispute and its reversal, a fee charged on its own, an adjustment, a reserve hold
 * and release, a payout and a payout that failed after it was sent.
 *
 * @example
 * ```ts
 * import { BalanceTransaction } from "@paykit/settlement"
 * BalanceTransaction.types.includes("charge") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const types = [
  "charge",
  "refund",
  "refund_failure",
  "dispute",
  "dispute_reversal",
  "fee",
  "adjustment",
  "reserve_hold",
  "reserve_release",
  "payout",
  "payout_failure"
] as const

/**
 * One of {@link types}.
 *
 * @example
 * ```ts
 * import type { BalanceTransaction } from "@paykit/settlement"
 * const t: BalanceTransaction.Type = "refund"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Type = (typeof types)[number]

/**
 * The reporting category of each type (Stripe's vocabulary, so a finance team's existing
 * reports map one to one): what a report groups by.
 *
 * @example
 * ```ts
 * import { BalanceTransaction } from "@paykit/settlement"
 * BalanceTransaction.reportingCategoryOf.reserve_hold // "risk_reserved_funds"
 * ```
 * @category models
 * @since 0.1.0
 */
export const reportingCategoryOf = {
  charge: "charge",
  refund: "refund",
  refund_failure: "refund_failure",
  dispute: "dispute",
  dispute_reversal: "dispute_reversal",
  fee: "fee",
  adjustment: "other_adjustment",
  reserve_hold: "risk_reserved_funds",
  reserve_release: "risk_reserved_funds",
  payout: "payout",
  payout_failure: "payout_reversal"
} as const satisfies Record<Type, string>

/**
 * A reporting category: `charge`, `refund`, `refund_failure`, `dispute`, `dispute_reversal`,
 * `fee`, `other_adjustment`, `risk_reserved_funds`, `payout` or `payout_reversal`.
 *
 * @example
 * ```ts
 * import type { BalanceTransaction } from "@paykit/settlement"
 * const c: BalanceTransaction.ReportingCategory = "payout"
 * ```
 * @category models
 * @since 0.1.0
 */
export type ReportingCategory = (typeof reportingCategoryOf)[Type]

/**
 * The kind of one fee line: what a fee report itemises.
 *
 * - `interchange` and `scheme`: pass-through costs of interchange++ pricing;
 * - `markup`: the platform's margin on interchange++;
 * - `processing`: a blended rate (percent + fixed);
 * - `cross_border` and `fx`: surcharges on a foreign card or a converted payment;
 * - `dispute`: the fee charged for a chargeback;
 * - `other`: anything else a schedule names.
 *
 * @example
 * ```ts
 * import { BalanceTransaction } from "@paykit/settlement"
 * BalanceTransaction.feeKinds.length // 8
 * ```
 * @category models
 * @since 0.1.0
 */
export const feeKinds = [
  "interchange",
  "scheme",
  "markup",
  "processing",
  "cross_border",
  "fx",
  "dispute",
  "other"
] as const

/**
 * One of {@link feeKinds}.
 *
 * @example
 * ```ts
 * import type { BalanceTransaction } from "@paykit/settlement"
 * const k: BalanceTransaction.FeeKind = "markup"
 * ```
 * @category models
 * @since 0.1.0
 */
export type FeeKind = (typeof feeKinds)[number]

/**
 * One itemised fee: its kind, a label a merchant reads, and the amount in the transaction's
 * currency (minor units; positive is charged to the merchant, negative is a fee returned).
 *
 * @example
 * ```ts
 * import type { BalanceTransaction } from "@paykit/settlement"
 * const line: BalanceTransaction.FeeDetail = { kind: "processing", label: "2.9% + 30", amount: 59n }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface FeeDetail {
  readonly kind: FeeKind
  readonly label: string
  readonly amount: bigint
}

/**
 * The dimensions a report groups by, taken from the payment when the transaction is recorded:
 * the payment method type (`card`, `wallet`, `bank_transfer`, …), the card brand (`visa`,
 * `mastercard`, …) and the region (`domestic`, `intra_regional`, `inter_regional`), each
 * absent when unknown.
 *
 * @example
 * ```ts
 * import type { BalanceTransaction } from "@paykit/settlement"
 * const d: BalanceTransaction.Dimensions = { method: "card", brand: "visa", region: "domestic" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Dimensions {
  readonly method?: string
  readonly brand?: string
  readonly region?: string
}

/**
 * One money movement on a merchant's balance, in one currency. Amounts are minor units, signed
 * from the merchant's side: `gross` (positive for a charge, negative for a refund or a payout),
 * `fee` (positive when charged to the merchant), and `net = gross - fee`, which is what the
 * movement changes the merchant's balance by. `status` is `pending` until `availableOn`, then
 * `available` (made so by a settlement run); `payout` names the payout that paid it out (or
 * that it is, for a payout's own transaction). `exchangeRate`, an exact decimal string, is set
 * when the movement was converted from the payment's currency. `ledgerEntries` are the ids of
 * the ledger entries backing it: its figures equal theirs.
 *
 * Times are milliseconds since the epoch; `availableOn` is the start of the business day (in the
 * schedule's time zone) the funds become available.
 *
 * @example
 * ```ts
 * import type { BalanceTransaction } from "@paykit/settlement"
 * const paidOut = (t: BalanceTransaction.BalanceTransaction) => t.payout !== undefined
 * ```
 * @category models
 * @since 0.1.0
 */
export interface BalanceTransaction {
  readonly id: string
  readonly merchant: string
  readonly currency: string
  readonly type: Type
  readonly reportingCategory: ReportingCategory
  readonly gross: bigint
  readonly fee: bigint
  readonly feeDetails: ReadonlyArray<FeeDetail>
  readonly net: bigint
  /** What caused it: the capture, refund, dispute, payout or adjustment id. */
  readonly source: string
  /** The payment the source belongs to, when there is one. */
  readonly payment?: string
  readonly createdAt: number
  readonly availableOn: number
  readonly status: "pending" | "available"
  readonly exchangeRate?: string
  readonly payout?: string
  readonly description?: string
  readonly dimensions: Dimensions
  readonly ledgerEntries: ReadonlyArray<string>
}

const Minor = Money.MinorUnits

/**
 * The JSON shape of a balance transaction (amounts as strings), for reports, files and stores.
 *
 * @example
 * ```ts
 * import { BalanceTransaction } from "@paykit/settlement"
 * import { Money } from "@paykit/core/schema"
import { Schema } from "effect"
 * declare const t: BalanceTransaction.BalanceTransaction
 * Schema.encodeSync(BalanceTransaction.Json)(t)
 * ```
 * @category models
 * @since 0.1.0
 */
export const Json = Schema.Struct({
  id: Schema.String,
  merchant: Schema.String,
  currency: Schema.String,
  type: Schema.Literals(types),
  reportingCategory: Schema.Literals([...new Set(Object.values(reportingCategoryOf))]),
  gross: Minor,
  fee: Minor,
  feeDetails: Schema.Array(
    Schema.Struct({ kind: Schema.Literals(feeKinds), label: Schema.String, amount: Minor })
  ),
  net: Minor,
  source: Schema.String,
  payment: Schema.optionalKey(Schema.String),
  createdAt: Schema.Number,
  availableOn: Schema.Number,
  status: Schema.Literals(["pending", "available"]),
  exchangeRate: Schema.optionalKey(Schema.String),
  payout: Schema.optionalKey(Schema.String),
  description: Schema.optionalKey(Schema.String),
  dimensions: Schema.Struct({
    method: Schema.optionalKey(Schema.String),
    brand: Schema.optionalKey(Schema.String),
    region: Schema.optionalKey(Schema.String)
  }),
  ledgerEntries: Schema.Array(Schema.String)
})
