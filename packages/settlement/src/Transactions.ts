import type { Payment } from "@paykit/payments"
import { Books } from "@paykit/payments"
import * as BalanceTransaction from "./BalanceTransaction.ts"

/**
 * How a payment's money movements become balance transactions: when a charge becomes
 * available (`availableOn`, from the merchant's payout schedule and calendar), which balance the
 * payments package books refunds on (`refundsFrom`, the same setting as its `Books`), the report
 * dimensions of a payment, and the time of recording.
 *
 * @example
 * ```ts
 * import type { Transactions } from "@paykit/settlement"
 * const options: Transactions.Options = {
 *   availableOn: (at) => at + 2 * 86_400_000,
 *   refundsFrom: "available",
 *   describe: () => ({}),
 *   now: Date.now()
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly availableOn: (capturedAt: number) => number
  readonly refundsFrom: "pending" | "available"
  readonly describe: (p: Payment.Payment) => BalanceTransaction.Dimensions
  readonly now: number
  /**
   * The fee lines a refund adds under the platform's fee schedule (its refund policy: fees
   * returned as negative lines, a refund fee as a positive one), from the refund, its amount in
   * the settlement currency and the payment's capture fees; none by default. Not asked for a
   * reversal, whose ledger entry gives every capture fee back already.
   */
  readonly refundFees?:
    | ((
        p: Payment.Payment,
        refund: Payment.Payment["refunds"][number],
        settled: bigint,
        captureFees: ReadonlyArray<BalanceTransaction.FeeDetail>
      ) => ReadonlyArray<BalanceTransaction.FeeDetail>)
    | undefined
}

/**
 * The id of the ledger entry that books a refund's fee lines under the fee schedule (and of its
 * reversal when the refund is returned): `<refund id>:fees`, `<refund id>:returned:fees`.
 *
 * @example
 * ```ts
 * import { Transactions } from "@paykit/settlement"
 * Transactions.feeEntryOf("pay_1:refund:1") // "pay_1:refund:1:fees"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const feeEntryOf = (source: string): string => `${source}:fees`

/**
 * The balance transaction id of a source (a capture, a refund, a returned refund, a run's moves,
 * a payout): `bt:<source>`.
 *
 * @example
 * ```ts
 * import { Transactions } from "@paykit/settlement"
 * Transactions.idOf("pay_1:capture:1") // "bt:pay_1:capture:1"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const idOf = (source: string): string => `bt:${source}`

/**
 * One capture fee line as an itemised fee: a label written `<kind>: <text>` (as
 * `FeePolicy.fromSchedule` writes them) gives its kind; any other label is a `processing` fee.
 *
 * @example
 * ```ts
 * import { Transactions } from "@paykit/settlement"
 * Transactions.feeDetailOf("markup: 0.2% + 5", 25n) // { kind: "markup", label: "0.2% + 5", amount: 25n }
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const feeDetailOf = (label: string, amount: bigint): BalanceTransaction.FeeDetail => {
  const colon = label.indexOf(": ")
  const kind = colon > 0 ? label.slice(0, colon) : ""
  return (BalanceTransaction.feeKinds as ReadonlyArray<string>).includes(kind)
    ? { kind: kind as BalanceTransaction.FeeKind, label: label.slice(colon + 2), amount }
    : { kind: "processing", label, amount }
}

const sum = (xs: ReadonlyArray<{ readonly amount: bigint }>) => xs.reduce((s, x) => s + x.amount, 0n)

const make = (
  fields: Omit<BalanceTransaction.BalanceTransaction, "id" | "reportingCategory" | "net" | "fee"> & {
    readonly feeDetails: ReadonlyArray<BalanceTransaction.FeeDetail>
  }
): BalanceTransaction.BalanceTransaction => {
  const fee = sum(fields.feeDetails)
  return {
    id: idOf(fields.source),
    reportingCategory: BalanceTransaction.reportingCategoryOf[fields.type],
    ...fields,
    fee,
    net: fields.gross - fee
  }
}

/**
 * The balance transactions a payment's state calls for that are not recorded yet (pure): a
 * `charge` per capture (gross in the settlement currency, the capture's fee lines itemised,
 * pending until `availableOn`), a `refund` per refund that succeeded (its gross at the captures'
 * blended rate, exactly as the payments package's ledger entry takes it; a reversal gives every
 * capture fee back as negative fees), and a `refund_failure` per refund that failed after
 * succeeding (the refund's figures negated). `recorded` says which ids exist; `succeededOnce`
 * says whether a refund that is now `failed` had succeeded (its ledger entry exists), so a
 * recording that missed the success still books both. Refunds are `available` at once when the
 * payments package books them on the available balance, otherwise pending and due at once.
 *
 * @example
 * ```ts
 * import { Transactions } from "@paykit/settlement"
 * declare const payment: import("@paykit/payments").Payment.Payment
 * Transactions.fromPayment(payment, new Set(), () => false, {
 *   availableOn: (at) => at, refundsFrom: "available", describe: () => ({}), now: 0
 * })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const fromPayment = (
  p: Payment.Payment,
  recorded: ReadonlySet<string>,
  succeededOnce: (refundId: string) => boolean,
  options: Options
): ReadonlyArray<BalanceTransaction.BalanceTransaction> => {
  const out: Array<BalanceTransaction.BalanceTransaction> = []
  const currency = p.settlementCurrency ?? p.amount.currency.code
  const dimensions = options.describe(p)
  for (const c of p.captures) {
    if (recorded.has(idOf(c.id))) continue
    const availableOn = options.availableOn(c.at)
    out.push(
      make({
        merchant: p.merchant,
        currency,
        type: "charge",
        gross: c.conversion?.settled.amount ?? c.amount.amount,
        feeDetails: (c.fees ?? []).map((f) => feeDetailOf(f.label, f.amount.amount)),
        source: c.id,
        payment: p.id,
        createdAt: c.at,
        availableOn,
        status: "pending",
        ...(c.conversion === undefined ? {} : { exchangeRate: c.conversion.rate }),
        dimensions,
        // the capture's entry (with its fee lines, or beside a `<capture>:fees` entry when the
        // capture posted an authorisation hold)
        ledgerEntries: [c.id]
      })
    )
  }
  const settled = Books.settledShare(p)
  const captureFees = p.captures.flatMap((c) =>
    (c.fees ?? []).map((f) => feeDetailOf(f.label, f.amount.amount))
  )
  const availableNow = options.refundsFrom === "available"
  for (const r of p.refunds) {
    const succeeded = r.status === "succeeded" || (r.status === "failed" && succeededOnce(r.id))
    if (!succeeded) continue
    const gross = -settled(r.amount.amount)
    const policy =
      r.reason === "reversal" || options.refundFees === undefined
        ? []
        : options.refundFees(p, r, -gross, captureFees).filter((f) => f.amount !== 0n)
    const feesBack: ReadonlyArray<BalanceTransaction.FeeDetail> =
      r.reason === "reversal" ? captureFees.map((f) => ({ ...f, amount: -f.amount })) : policy
    const refund = make({
      merchant: p.merchant,
      currency,
      type: "refund",
      gross,
      feeDetails: feesBack,
      source: r.id,
      payment: p.id,
      createdAt: r.updatedAt,
      availableOn: r.updatedAt,
      status: availableNow ? "available" : "pending",
      dimensions,
      ledgerEntries: [r.id, ...(policy.length > 0 ? [feeEntryOf(r.id)] : [])]
    })
    if (!recorded.has(refund.id)) out.push(refund)
    if (r.status === "failed" && !recorded.has(idOf(`${r.id}:returned`)))
      out.push(
        make({
          merchant: p.merchant,
          currency,
          type: "refund_failure",
          gross: -refund.gross,
          feeDetails: feesBack.map((f) => ({ ...f, amount: -f.amount })),
          source: `${r.id}:returned`,
          payment: p.id,
          createdAt: Math.max(r.updatedAt, options.now),
          availableOn: Math.max(r.updatedAt, options.now),
          status: availableNow ? "available" : "pending",
          dimensions,
          ledgerEntries: [`${r.id}:returned`, ...(policy.length > 0 ? [feeEntryOf(`${r.id}:returned`)] : [])]
        })
      )
  }
  return out
}
