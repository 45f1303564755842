import { Money } from "@paykit/core"
import type { Command } from "@paykit/ledger"
import * as Payment from "./Payment.ts"
import type * as Refund from "./Refund.ts"

/**
 * Where a payment's money lives on the ledger.
 *
 * - `wallet`: stored value, money already on the ledger. Authorising holds the amount on the
 *   customer's wallet (`customer:<id>:wallet:<cur>`) towards the merchant's pending account; a
 *   capture posts the hold (a partial, non-final capture posts part and holds the rest again);
 *   a void, an expiry or a release voids it; a refund transfers back to the wallet.
 * - `acquiring`: card money that arrives at settlement. An authorisation posts nothing (the
 *   money is at the issuer); a capture transfers the gross from the settlement bank's clearing
 *   account (`bank:<bank>:clearing:<cur>`) to the merchant's pending account and splits the fees
 *   off to the platform's fee revenue; a refund transfers back to the clearing account. With
 *   `authorisationHolds`, the authorisation is a pending hold from the clearing account, which
 *   the captures post as the wallet's do, each with its fee lines as a second transfer
 *   (`<capture id>:fees`) in the same batch. A
 *   cross-border payment (a `settlementCurrency`) goes through the FX desk's positions: the gross
 *   into `fx:position:<payment cur>`, the converted amount out of `fx:position:<settlement cur>`
 *   to the merchant's pending account in the settlement currency, fees in the settlement
 *   currency; a refund goes back the same way at the captures' rate, rounded down (the merchant
 *   is never debited more than the conversion credited it).
 *
 * Every account must exist (opened with `ChartOfAccounts.open` when the customer, merchant or
 * bank is set up): a missing account refuses the step, and nothing changes.
 *
 * @example
 * ```ts
 * import type { Books } from "@paykit/payments"
 * const card: Books.Books = { _tag: "acquiring", bank: "acquirer_1" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type Books =
  | { readonly _tag: "wallet"; readonly refundsFrom?: RefundsFrom | undefined }
  | {
      readonly _tag: "acquiring"
      readonly bank: string
      /** Which merchant balance a refund debits (default `pending`); see {@link RefundsFrom}. */
      readonly refundsFrom?: RefundsFrom | undefined
      /**
       * Post the authorisation as a pending hold from the clearing account to the merchant's
       * pending account (the merchant sees the money coming; captures post the hold, a void or an
       * expiry releases it). Off by default; a cross-border payment posts no hold (it would be in
       * the payment's currency, the merchant's account in the settlement currency).
       */
      readonly authorisationHolds?: boolean | undefined
    }

/**
 * Which of the merchant's balances a refund (and a returned refund, and the fees a reversal gives
 * back) is booked on. `pending` (the default): the merchant's pending account, where captures
 * land — right while nothing moves money on from there. `available`
 * (`merchant:<id>:available:<cur>`): the merchant's available balance, as Stripe books refunds;
 * choose it when `@paykit/settlement` moves captured funds from pending to available on a
 * schedule, since a refund after that move would find the pending account short (it may not go
 * below zero) while the available balance may (the merchant then owes the difference).
 *
 * @example
 * ```ts
 * import type { Books } from "@paykit/payments"
 * const card: Books.Books = { _tag: "acquiring", bank: "acquirer_1", refundsFrom: "available" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type RefundsFrom = "pending" | "available"

/**
 * One fee of a capture: how much and to which ledger account (by default the platform's fee
 * revenue, `platform:fees:<cur>`).
 *
 * @example
 * ```ts
 * import type { Books } from "@paykit/payments"
 * const fee = (f: Books.Fee) => f.amount.amount
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Fee {
  readonly amount: Money.Money
  readonly account?: string
  readonly label: string
}

const walletOf = (p: Payment.Payment) => `customer:${p.customer}:wallet:${p.amount.currency.code}`
const pendingOf = (p: Payment.Payment, currency = p.amount.currency.code) =>
  `merchant:${p.merchant}:pending:${currency}`
const availableOf = (p: Payment.Payment, currency = p.amount.currency.code) =>
  `merchant:${p.merchant}:available:${currency}`
/** The merchant account a refund debits (in the settlement currency): see {@link RefundsFrom}. */
const refundedFrom = (books: Books, p: Payment.Payment, currency?: string) =>
  books.refundsFrom === "available" ? availableOf(p, currency) : pendingOf(p, currency)
const clearingOf = (bank: string, p: Payment.Payment) => `bank:${bank}:clearing:${p.amount.currency.code}`
const feesOf = (currency: string) => `platform:fees:${currency}`
const fxOf = (currency: string) => `fx:position:${currency}`

/** One posting line of a transfer. */
interface Line {
  readonly debit: string
  readonly credit: string
  readonly amount: bigint
  readonly currency: string
}

/** The ledger entry of one step: its commands (one linked batch) and the hold left open. */
export interface Posting {
  readonly commands: ReadonlyArray<Command.Command>
  readonly holdId: string | undefined
  readonly holds: number
}

const transfer = (
  id: string,
  debit: string,
  credit: string,
  amount: bigint,
  p: Payment.Payment,
  step: string
): Command.Transfer => ({
  _tag: "Transfer",
  id,
  postings: [{ debit, credit, amount, currency: p.amount.currency.code }],
  metadata: { payment: p.id, step }
})

/**
 * The ledger commands one step causes, from the payment before and after it (pure): the
 * differences in what is capturable (the wallet's hold), captured (new captures) and refunded
 * (refunds that succeeded, or that failed after succeeding, as a second, reversing transfer —
 * never an edit). One step is one linked batch (all or nothing) or nothing; every id is derived
 * from the payment and the step (`<payment>:hold:<n>`, `<capture id>`, `<refund id>`,
 * `<refund id>:returned`), so a retried step replays the same entry. `fees` prices a new
 * capture (acquiring books only).
 *
 * @example
 * ```ts
 * import { Books } from "@paykit/payments"
 * declare const before: import("@paykit/payments").Payment.Payment, after: import("@paykit/payments").Payment.Payment
 * Books.postings(before, after, { _tag: "wallet" }, () => []).commands.length
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const postings = (
  before: Payment.Payment | undefined,
  after: Payment.Payment,
  books: Books,
  fees: (p: Payment.Payment, capture: Payment.Capture) => ReadonlyArray<Fee>
): Posting => {
  const out: Array<Command.Command> = []
  let holdId = before?.holdId
  let holds = holdCount(before)
  const prevCaptures = before?.captures.length ?? 0
  const newCaptures = after.captures.slice(prevCaptures)
  const holding =
    books._tag === "wallet" || (books.authorisationHolds === true && after.settlementCurrency === undefined)
  if (holding) {
    // the payer: the customer's wallet, or the acquirer's clearing account (an authorisation hold)
    const wallet = books._tag === "wallet" ? walletOf(after) : clearingOf(books.bank, after)
    const pending = pendingOf(after)
    const feeTransfer = (c: Payment.Capture) => {
      const lines = books._tag === "wallet" ? [] : (c.fees ?? priceOne(after, c, fees))
      if (lines.length > 0)
        out.push({
          _tag: "Transfer",
          id: `${c.id}:fees`,
          postings: lines.map((f) => ({
            debit: pending,
            credit: f.account,
            amount: f.amount.amount,
            currency: f.amount.currency.code
          })),
          metadata: { payment: after.id, step: "capture_fees" }
        })
    }
    // the captures: each posts (part of) the open hold, or moves the money directly when the
    // payment was captured at authorisation (automatic: no hold was ever open)
    for (const c of newCaptures) {
      if (holdId === undefined) {
        out.push(transfer(c.id, wallet, pending, c.amount.amount, after, "capture"))
      } else {
        out.push({
          _tag: "PostHold",
          id: c.id,
          holdId,
          amount: c.amount.amount,
          metadata: { payment: after.id, step: "capture" }
        })
        holdId = undefined
      }
      feeTransfer(c)
    }
    const want = Payment.capturable(after).amount
    const held = holdAmount(before, holdId)
    if (holdId !== undefined && want !== held) {
      // an increment (more), a release, a cancel or an expiry (none): the hold is voided…
      out.push({
        _tag: "VoidHold",
        id: `${holdId}:void`,
        holdId,
        metadata: { payment: after.id, step: "release" }
      })
      holdId = undefined
    }
    if (holdId === undefined && want > 0n) {
      // …and what is capturable is held again under the next hold id
      holds += 1
      holdId = `${after.id}:hold:${holds}`
      out.push({
        _tag: "CreateHold",
        id: holdId,
        debit: wallet,
        credit: pending,
        amount: want,
        currency: after.amount.currency.code,
        metadata: { payment: after.id, step: "hold" }
      })
    }
    const refunder = refundedFrom(books, after)
    refundMoves(before, after, out, books._tag === "wallet" ? undefined : refunder, (r) => [
      { debit: refunder, credit: wallet, amount: r.amount.amount, currency: after.amount.currency.code }
    ])
  } else {
    const clearing = clearingOf(books.bank, after)
    const currency = after.amount.currency.code
    const settleIn = after.settlementCurrency ?? currency
    const pending = pendingOf(after, settleIn)
    for (const c of newCaptures) {
      const lines = c.fees ?? priceOne(after, c, fees)
      const inbound: Array<Line> =
        c.conversion === undefined
          ? [{ debit: clearing, credit: pending, amount: c.amount.amount, currency }]
          : [
              { debit: clearing, credit: fxOf(currency), amount: c.amount.amount, currency },
              {
                debit: fxOf(settleIn),
                credit: pending,
                amount: c.conversion.settled.amount,
                currency: settleIn
              }
            ]
      out.push({
        _tag: "Transfer",
        id: c.id,
        postings: [
          ...inbound,
          ...lines.map((f) => ({
            debit: pending,
            credit: f.account,
            amount: f.amount.amount,
            currency: f.amount.currency.code
          }))
        ],
        metadata: { payment: after.id, step: "capture" }
      })
    }
    const settledOf = settledShare(after)
    const refunder = refundedFrom(books, after, settleIn)
    refundMoves(before, after, out, refunder, (r) =>
      settleIn === currency
        ? [{ debit: refunder, credit: clearing, amount: r.amount.amount, currency }]
        : [
            {
              debit: refunder,
              credit: fxOf(settleIn),
              amount: settledOf(r.amount.amount),
              currency: settleIn
            },
            { debit: fxOf(currency), credit: clearing, amount: r.amount.amount, currency }
          ]
    )
    holdId = undefined
  }
  return { commands: out, holdId, holds }
}

/** The amount the hold `holdId` reserves: what was capturable before the step. */
const holdAmount = (before: Payment.Payment | undefined, holdId: string | undefined): bigint =>
  before === undefined || holdId === undefined || before.holdId !== holdId
    ? 0n
    : Payment.capturable(before).amount

/** How many holds the payment has opened so far (the n of `<payment>:hold:<n>`). */
const holdCount = (before: Payment.Payment | undefined): number => before?.holds ?? 0

/**
 * Refunds that succeeded move the money back (`legs`); a refund that failed after succeeding
 * returns it (the same lines, reversed). A reversal (a refund with reason `reversal`, before
 * settlement) also gives the merchant (`feesBackTo`, acquiring books) every fee its captures
 * paid, in the same transfer, and a returned reversal takes them again.
 */
const refundMoves = (
  before: Payment.Payment | undefined,
  after: Payment.Payment,
  out: Array<Command.Command>,
  feesBackTo: string | undefined,
  legs: (r: Refund.Refund) => ReadonlyArray<Line>
) => {
  const was = new Map<string, Refund.Status>((before?.refunds ?? []).map((r) => [r.id, r.status]))
  const feeLines = (r: Refund.Refund): ReadonlyArray<Line> =>
    feesBackTo !== undefined && r.reason === "reversal"
      ? after.captures.flatMap((c) =>
          (c.fees ?? []).map((f) => ({
            debit: f.account,
            credit: feesBackTo,
            amount: f.amount.amount,
            currency: f.amount.currency.code
          }))
        )
      : []
  const flip = (l: Line): Line => ({ ...l, debit: l.credit, credit: l.debit })
  for (const r of after.refunds) {
    const from = was.get(r.id)
    if (r.status === "succeeded" && from !== "succeeded")
      out.push({
        _tag: "Transfer",
        id: r.id,
        // the fees come back first, so the merchant's account is never short between the lines
        postings: [...feeLines(r), ...legs(r)],
        metadata: { payment: after.id, step: "refund" }
      })
    if (from === "succeeded" && r.status === "failed")
      out.push({
        _tag: "Transfer",
        id: `${r.id}:returned`,
        postings: [...legs(r), ...feeLines(r)].map(flip),
        metadata: { payment: after.id, step: "refund_returned" }
      })
  }
}

/**
 * What a refund of `amount` (the payment's currency) is in the settlement currency: at the
 * captures' blended rate (settled ÷ captured), rounded down, so the refunds together never take
 * more than the captures credited. The amount the refund's ledger entry takes from the merchant
 * (the amount itself when the payment is not converted).
 *
 * @example
 * ```ts
 * import { Books } from "@paykit/payments"
 * declare const p: import("@paykit/payments").Payment.Payment
 * Books.settledShare(p)(1_000n)
 * ```
 * @category math
 * @since 0.1.0
 */
export const settledShare = (p: Payment.Payment) => {
  let captured = 0n
  let settled = 0n
  for (const c of p.captures) {
    captured += c.amount.amount
    settled += c.conversion?.settled.amount ?? c.amount.amount
  }
  return (amount: bigint): bigint => (captured === 0n ? 0n : (amount * settled) / captured)
}

/** One capture's fee lines from the fee policy: the positive ones, each with its account. */
const priceOne = (
  p: Payment.Payment,
  c: Payment.Capture,
  fees: (p: Payment.Payment, capture: Payment.Capture) => ReadonlyArray<Fee>
): ReadonlyArray<Payment.CaptureFee> =>
  // a converted capture is priced on what the merchant settles, in the settlement currency
  fees(p, c.conversion === undefined ? c : { ...c, amount: c.conversion.settled })
    .filter((f) => f.amount.amount > 0n)
    .map((f) => ({ amount: f.amount, account: f.account ?? feesOf(f.amount.currency.code), label: f.label }))

/**
 * The payment with its new captures priced (pure): each capture `after` has and `before` had not
 * gets the fee lines `fees` gives it (acquiring books; wallet books take none), so the payment
 * records the fees its ledger entry posts, and a reversal can return exactly those.
 *
 * @example
 * ```ts
 * import { Books } from "@paykit/payments"
 * declare const before: import("@paykit/payments").Payment.Payment, after: import("@paykit/payments").Payment.Payment
 * Books.priceCaptures(before, after, { _tag: "acquiring", bank: "acq_1" }, Books.percentPlusFixed({ bps: 290 }))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const priceCaptures = (
  before: Payment.Payment | undefined,
  after: Payment.Payment,
  books: Books,
  fees: (p: Payment.Payment, capture: Payment.Capture) => ReadonlyArray<Fee>
): Payment.Payment => {
  const n = before?.captures.length ?? 0
  if (books._tag !== "acquiring" || after.captures.length <= n) return after
  return {
    ...after,
    captures: after.captures.map((c, i) =>
      i < n || c.fees !== undefined ? c : { ...c, fees: priceOne(after, c, fees) }
    )
  }
}

/**
 * A fee policy: a percentage of each capture (basis points, rounded half-even to the minor
 * unit) plus a fixed amount per capture in the capture's currency (the settlement currency for a
 * converted capture; zero when the currency has no fixed fee), never more than the capture.
 *
 * @example
 * ```ts
 * import { Books } from "@paykit/payments"
 * const fees = Books.percentPlusFixed({ bps: 290, fixed: { USD: 30n } })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const percentPlusFixed =
  (policy: { readonly bps: number; readonly fixed?: Readonly<Record<string, bigint>> }) =>
  (_p: Payment.Payment, capture: Payment.Capture): ReadonlyArray<Fee> => {
    const gross = capture.amount.amount
    const bps = BigInt(policy.bps)
    // half-even: the quotient, plus one when the remainder is over half, or half and the quotient odd
    const q = (gross * bps) / 10_000n
    const r = (gross * bps) % 10_000n
    const pct = r * 2n > 10_000n || (r * 2n === 10_000n && q % 2n === 1n) ? q + 1n : q
    const currency = capture.amount.currency
    const fixed = policy.fixed?.[currency.code] ?? 0n
    const total = pct + fixed > gross ? gross : pct + fixed
    return total === 0n
      ? []
      : [{ amount: Money.fromMinorUnsafe(total, currency), label: `${policy.bps} bps + fixed` }]
  }
