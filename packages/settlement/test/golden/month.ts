// The scripted month of the golden report files: March 2025 in Asia/Shanghai (UTC+8, no DST).
// The period [2025-03-01, 2025-04-01) local starts at 2025-02-28T16:00:00Z and ends at
// 2025-03-31T16:00:00Z, so transactions near midnight UTC land on the other side of a boundary
// than their UTC date says. Expected figures are worked out by hand in ReportsGolden.test.ts.
import type { BalanceTransaction } from "../../src/BalanceTransaction.ts"
import { reportingCategoryOf } from "../../src/BalanceTransaction.ts"

type Spec = Omit<
  BalanceTransaction,
  | "reportingCategory"
  | "net"
  | "createdAt"
  | "availableOn"
  | "status"
  | "feeDetails"
  | "fee"
  | "ledgerEntries"
  | "dimensions"
> & {
  readonly created: string
  readonly available: string
  readonly fees?: ReadonlyArray<readonly [BalanceTransaction["feeDetails"][number]["kind"], string, bigint]>
  /** The fee when it is not the sum of the fee lines. */
  readonly fee?: bigint
  readonly dimensions?: BalanceTransaction["dimensions"]
}

const bt = (s: Spec): BalanceTransaction => {
  const { created, available, fees = [], fee, dimensions = {}, ...rest } = s
  const feeDetails = fees.map(([kind, label, amount]) => ({ kind, label, amount }))
  const total = fee ?? feeDetails.reduce((n, f) => n + f.amount, 0n)
  return {
    ...rest,
    reportingCategory: reportingCategoryOf[s.type],
    fee: total,
    feeDetails,
    net: s.gross - total,
    createdAt: Date.parse(created),
    availableOn: Date.parse(available),
    status: "available",
    dimensions,
    ledgerEntries: [`le_${s.id}`]
  }
}

const visa = { method: "card", brand: "visa", region: "domestic" } as const
const mastercard = { method: "card", brand: "mastercard", region: "intra_regional" } as const
const jcb = { method: "card", brand: "jcb", region: "inter_regional" } as const
const wallet = { method: "wallet" } as const

/** The transactions of the month, in the order a store would stream them. */
export const month: ReadonlyArray<BalanceTransaction> = [
  // m_alpha, USD (exponent 2)
  bt({
    id: "bt_a01",
    merchant: "m_alpha",
    currency: "USD",
    type: "charge",
    gross: 10000n,
    fees: [["processing", "2.9% + 30", 320n]],
    source: "cap_a01",
    payment: "pay_a01",
    created: "2025-02-27T03:00:00Z",
    available: "2025-02-28T15:30:00Z",
    payout: "po_a1",
    dimensions: visa
  }),
  bt({
    id: "bt_a02",
    merchant: "m_alpha",
    currency: "USD",
    type: "charge",
    gross: 25000n,
    fees: [
      ["interchange", "IC 0.6%", 150n],
      ["scheme", "Scheme 0.1%", 25n],
      ["markup", "Markup 0.4%", 100n]
    ],
    source: "cap_a02",
    payment: "pay_a02",
    created: "2025-02-28T10:00:00Z",
    available: "2025-02-28T17:00:00Z",
    payout: "po_a1",
    dimensions: mastercard
  }),
  bt({
    id: "bt_a03",
    merchant: "m_alpha",
    currency: "USD",
    type: "refund",
    gross: -5000n,
    source: "ref_a03",
    payment: "pay_a02",
    created: "2025-03-05T02:00:00Z",
    available: "2025-03-06T16:00:00Z",
    payout: "po_a1",
    dimensions: mastercard
  }),
  bt({
    id: "bt_a04",
    merchant: "m_alpha",
    currency: "USD",
    type: "refund",
    gross: -2000n,
    source: "ref_a04",
    payment: "pay_a01",
    created: "2025-03-08T12:00:00Z",
    available: "2025-03-09T16:00:00Z",
    payout: "po_a1",
    dimensions: visa
  }),
  bt({
    id: "bt_a07",
    merchant: "m_alpha",
    currency: "USD",
    type: "reserve_hold",
    gross: -1000n,
    source: "rsv_a07",
    created: "2025-03-02T01:00:00Z",
    available: "2025-03-02T16:00:00Z",
    payout: "po_a1"
  }),
  bt({
    id: "bt_a09",
    merchant: "m_alpha",
    currency: "USD",
    type: "payout",
    gross: -26405n,
    source: "po_a1",
    created: "2025-03-10T08:00:00Z",
    available: "2025-03-10T16:00:00Z",
    payout: "po_a1"
  }),
  bt({
    id: "bt_a05",
    merchant: "m_alpha",
    currency: "USD",
    type: "refund_failure",
    gross: 2000n,
    source: "ref_a04",
    payment: "pay_a01",
    created: "2025-03-11T09:00:00Z",
    available: "2025-03-12T16:00:00Z",
    payout: "po_a2",
    dimensions: visa
  }),
  bt({
    id: "bt_a10",
    merchant: "m_alpha",
    currency: "USD",
    type: "payout_failure",
    gross: 26405n,
    source: "po_a1",
    created: "2025-03-12T03:00:00Z",
    available: "2025-03-12T16:00:00Z",
    payout: "po_a2",
    description: "bank account closed"
  }),
  bt({
    id: "bt_a06",
    merchant: "m_alpha",
    currency: "USD",
    type: "dispute",
    gross: -3000n,
    fees: [["dispute", "Chargeback fee", 1500n]],
    source: "dp_a06",
    payment: "pay_a01",
    created: "2025-03-13T22:00:00Z",
    available: "2025-03-14T16:00:00Z",
    payout: "po_a2",
    dimensions: visa
  }),
  bt({
    id: "bt_a11",
    merchant: "m_alpha",
    currency: "USD",
    type: "charge",
    gross: 8000n,
    fees: [
      ["processing", "2.9%", 232n],
      ["fx", "FX 1%", 80n]
    ],
    source: "cap_a11",
    payment: "pay_a11",
    created: "2025-03-17T05:00:00Z",
    available: "2025-03-18T16:00:00Z",
    payout: "po_a2",
    exchangeRate: "0.9213",
    dimensions: wallet
  }),
  bt({
    id: "bt_a08",
    merchant: "m_alpha",
    currency: "USD",
    type: "reserve_release",
    gross: 1000n,
    source: "rsv_a07",
    created: "2025-03-20T01:00:00Z",
    available: "2025-03-20T16:00:00Z",
    payout: "po_a2"
  }),
  bt({
    id: "bt_a12",
    merchant: "m_alpha",
    currency: "USD",
    type: "payout",
    gross: -32593n,
    source: "po_a2",
    created: "2025-03-25T08:00:00Z",
    available: "2025-03-25T16:00:00Z",
    payout: "po_a2"
  }),
  bt({
    id: "bt_a14",
    merchant: "m_alpha",
    currency: "USD",
    type: "charge",
    gross: 1234n,
    fees: [["processing", "Blended", 66n]],
    source: "cap_a14",
    payment: "pay_a14",
    created: "2025-03-30T11:00:00Z",
    available: "2025-03-31T15:59:59.500Z",
    dimensions: visa
  }),
  bt({
    id: "bt_a13",
    merchant: "m_alpha",
    currency: "USD",
    type: "charge",
    gross: 5000n,
    fees: [["processing", "Blended", 175n]],
    source: "cap_a13",
    payment: "pay_a13",
    created: "2025-03-31T02:00:00Z",
    available: "2025-03-31T20:00:00Z",
    dimensions: visa
  }),
  // m_alpha, JPY (exponent 0)
  bt({
    id: "bt_j03",
    merchant: "m_alpha",
    currency: "JPY",
    type: "adjustment",
    gross: 300n,
    source: "adj_j03",
    created: "2025-02-28T16:00:00Z",
    available: "2025-02-28T16:00:00Z",
    description: '=HYPERLINK("http://x"), goodwill credit'
  }),
  bt({
    id: "bt_j01",
    merchant: "m_alpha",
    currency: "JPY",
    type: "charge",
    gross: 12000n,
    fees: [
      ["processing", "3%", 360n],
      ["cross_border", "Cross-border 1%", 120n]
    ],
    source: "cap_j01",
    payment: "pay_j01",
    created: "2025-03-03T23:59:59Z",
    available: "2025-03-04T16:00:00Z",
    exchangeRate: "149.52",
    dimensions: jcb
  }),
  bt({
    id: "bt_j02",
    merchant: "m_alpha",
    currency: "JPY",
    type: "fee",
    gross: 0n,
    fees: [["other", "Monthly fee", 500n]],
    source: "fee_j02",
    created: "2025-03-31T10:00:00Z",
    available: "2025-03-31T16:00:00Z"
  }),
  // m_beta, KWD (exponent 3)
  bt({
    id: "bt_k02",
    merchant: "m_beta",
    currency: "KWD",
    type: "charge",
    gross: 2005n,
    fees: [
      ["interchange", "IC", 10n],
      ["scheme", "Scheme", 3n],
      ["markup", "Markup", 20n]
    ],
    source: "cap_k02",
    payment: "pay_k02",
    created: "2025-02-19T08:00:00Z",
    available: "2025-02-20T16:00:00Z",
    dimensions: visa
  }),
  bt({
    id: "bt_k01",
    merchant: "m_beta",
    currency: "KWD",
    type: "charge",
    gross: 15750n,
    fee: 473n,
    fees: [["processing", "3%", 450n]],
    source: "cap_k01",
    payment: "pay_k01",
    created: "2025-03-02T19:00:00Z",
    available: "2025-03-03T16:00:00Z",
    dimensions: visa
  }),
  bt({
    id: "bt_k03",
    merchant: "m_beta",
    currency: "KWD",
    type: "dispute",
    gross: -15750n,
    fees: [["dispute", "Chargeback fee", 2000n]],
    source: "dp_k03",
    payment: "pay_k01",
    created: "2025-03-15T04:00:00Z",
    available: "2025-03-15T16:00:00Z",
    dimensions: visa
  }),
  bt({
    id: "bt_k05",
    merchant: "m_beta",
    currency: "KWD",
    type: "refund",
    gross: -1000n,
    source: "ref_k05",
    payment: "pay_k01",
    created: "2025-03-20T18:00:00Z",
    available: "2025-03-21T16:00:00Z",
    dimensions: visa
  }),
  bt({
    id: "bt_k04",
    merchant: "m_beta",
    currency: "KWD",
    type: "dispute_reversal",
    gross: 15750n,
    fees: [["dispute", "Chargeback fee returned", -2000n]],
    source: "dp_k03",
    payment: "pay_k01",
    created: "2025-03-27T07:00:00Z",
    available: "2025-03-28T16:00:00Z",
    dimensions: visa
  }),
  // m_gamma, USD: a negative opening balance and nothing in the period
  bt({
    id: "bt_g02",
    merchant: "m_gamma",
    currency: "USD",
    type: "adjustment",
    gross: -250n,
    source: "adj_g02",
    created: "2025-01-15T00:00:00Z",
    available: "2025-01-15T00:00:00Z",
    description: "-chargeback loss"
  }),
  bt({
    id: "bt_g01",
    merchant: "m_gamma",
    currency: "USD",
    type: "charge",
    gross: 999n,
    fees: [["processing", "Blended", 59n]],
    source: "cap_g01",
    payment: "pay_g01",
    created: "2025-03-31T16:10:00Z",
    available: "2025-03-31T16:30:00Z",
    dimensions: visa
  })
]
