import type { Money } from "@paykit/core"
import { Result } from "effect"
import * as ChartOfAccounts from "./ChartOfAccounts.ts"
import { type Command, MAX_POSTINGS, MAX_TIMEOUT_MS } from "./Command.ts"
import { ID_PATTERN } from "./internal/canonical.ts"
import {
  type Posting,
  refuse,
  run,
  posting,
  transfer,
  WALLET,
  PAYER,
  MERCHANT,
  AVAILABLE,
  move
} from "./internal/templateStep.ts"
import {
  CaptureExceedsAuthorization,
  FeesExceedGross,
  SameCurrencyConversion,
  type TemplateError
} from "./TemplateErrors.ts"

export {
  AccountCurrencyMismatch,
  AmountNotPositive,
  CaptureExceedsAuthorization,
  FeesExceedGross,
  InvalidStepId,
  SameCurrencyConversion,
  type TemplateError,
  WrongAccount
} from "./TemplateErrors.ts"

/**
 * A template's answer: the step's ledger commands, to send as one linked batch
 * (`ledger.executeSummary(commands, "linked")`, all or nothing), or why the step is refused.
 *
 * @example
 * ```ts
 * import type { Templates } from "@paykit/ledger"
 * const count = (r: Templates.Posted) => (r._tag === "Success" ? r.success.length : 0)
 * ```
 * @category models
 * @since 0.2.0
 */
export type Posted = Result.Result<ReadonlyArray<Command>, TemplateError>

/**
 * One fee of a step and the account it goes to (fee revenue, scheme fees or interchange payable).
 * A zero fee is left out of the entry.
 *
 * @example
 * ```ts
 * import type { Templates } from "@paykit/ledger"
 * const amountOf = (fee: Templates.FeeLine) => fee.amount.amount // bigint minor units
 * ```
 * @category models
 * @since 0.2.0
 */
export interface FeeLine {
  readonly to: ChartOfAccounts.AccountRef
  readonly amount: Money.Money
}

/**
 * One posting of a corrected entry: `amount` from `debit` to `credit`.
 *
 * @example
 * ```ts
 * import type { Templates } from "@paykit/ledger"
 * const currencyOf = (leg: Templates.Leg) => leg.amount.currency.code
 * ```
 * @category models
 * @since 0.2.0
 */
export interface Leg {
  readonly debit: ChartOfAccounts.AccountRef
  readonly credit: ChartOfAccounts.AccountRef
  readonly amount: Money.Money
}

/**
 * The step of a template that moves one amount between two accounts: its domain id (field `D`),
 * the account debited (`F`), the account credited (`T`) and the `amount`.
 *
 * @example
 * ```ts
 * import type { Templates } from "@paykit/ledger"
 * type TopUp = Templates.Move<"topUpId", "bank", "wallet"> // { topUpId, bank, wallet, amount }
 * ```
 * @category models
 * @since 0.2.0
 */
export type Move<D extends string, F extends string, T extends string> = { readonly [K in D]: string } & {
  readonly [K in F | T]: ChartOfAccounts.AccountRef
} & { readonly amount: Money.Money }

type Ref = ChartOfAccounts.AccountRef

// ---------------------------------------------------------------------------------------------
// ids and templates

/**
 * The ledger id of a domain step, `<domainId>:<step>`: a retried step derives the same id, so
 * the ledger replays it instead of posting twice.
 *
 * @example
 * ```ts
 * import { Templates } from "@paykit/ledger"
 * Templates.stepId("pay_01J0", "capture") // Success("pay_01J0:capture")
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const stepId = (domainId: string, step: string): Result.Result<string, TemplateError> => {
  let id = ""
  return Result.map(
    run("stepId", { domainId }, (s) => {
      if (typeof step !== "string" || !/^[a-z][a-z:]{0,31}$/.test(step))
        s.bad("step", 'expected a step name of lower-case letters, such as "capture"')
      id = s.id("domainId", step)
      return []
    }),
    () => id
  )
}

/**
 * A top-up: money arrives at the settlement bank for a customer's wallet. Transfer
 * `<topUpId>:topup`, `bank → wallet`.
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * import { type ChartOfAccounts, Templates } from "@paykit/ledger"
 * declare const bank: ChartOfAccounts.AccountRef, wallet: ChartOfAccounts.AccountRef
 * Templates.topUp({ topUpId: "tu_1", bank, wallet, amount: Money.fromMinorUnsafe(5000n, Currency.USD) })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const topUp = move(
  "topUp",
  ["topUpId", "topup"],
  ["bank", ["settlementBank"]],
  ["wallet", WALLET],
  "any"
)

/**
 * Two-leg FX in one entry: the customer pays `paid` in currency A, the merchant receives
 * `received` in currency B. Transfer `<paymentId>:fx` with one posting per currency through the
 * FX desk's positions (`customer → fx:position:A`, `fx:position:B → merchant`) and the conversion
 * fee in A (`customer → fee`) when given: each currency balances on its own, and both legs post
 * or neither does.
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * import { type ChartOfAccounts, Templates } from "@paykit/ledger"
 * declare const wallet: ChartOfAccounts.AccountRef, eurPending: ChartOfAccounts.AccountRef
 * const [paid, received] = [Money.fromMinorUnsafe(1000n, Currency.USD), Money.fromMinorUnsafe(920n, Currency.EUR)]
 * Templates.fxPayment({ paymentId: "pay_1", customer: wallet, merchant: eurPending, paid, received })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const fxPayment = (step: {
  paymentId: string
  customer: Ref
  merchant: Ref
  paid: Money.Money
  received: Money.Money
  fee?: FeeLine
}): Posted =>
  run("fxPayment", step, (s) => {
    const id = s.id("paymentId", "fx")
    const paid = s.money("paid")
    const received = s.money("received")
    const customer = s.account("customer", PAYER, paid)
    const merchant = s.account("merchant", MERCHANT, received)
    if (paid.code === received.code)
      refuse(new SameCurrencyConversion({ paymentId: s.fields["paymentId"] as string, currency: paid.code }))
    const [source, target] = [paid, received].map((m, i) => {
      const ref = ChartOfAccounts.fxPosition(m.currency)
      return Result.isSuccess(ref)
        ? ref.success.id
        : s.bad(`${i === 0 ? "paid" : "received"}.currency`, ref.failure.message)
    })
    const fee = s.fees("fee", customer, paid, 1)
    return [
      transfer("fxPayment", id, [
        posting(customer, source!, paid),
        posting(target!, merchant, received),
        ...fee.postings
      ])
    ]
  })

/**
 * A capture with its fees split off, transfer `<paymentId>:capture`: `payer → merchant` the gross,
 * then `merchant → fee account` for each fee (interchange, scheme fees, the platform's revenue).
 * The merchant's statement shows the gross and each fee, and it is credited the net.
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * import { type ChartOfAccounts, Templates } from "@paykit/ledger"
 * declare const wallet: ChartOfAccounts.AccountRef, pending: ChartOfAccounts.AccountRef, fees: ChartOfAccounts.AccountRef
 * const usd = (n: bigint) => Money.fromMinorUnsafe(n, Currency.USD)
 * Templates.captureWithFees({ paymentId: "pay_1", payer: wallet, merchant: pending, gross: usd(10_000n), fees: [{ to: fees, amount: usd(290n) }] })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const captureWithFees = (step: {
  paymentId: string
  payer: Ref
  merchant: Ref
  gross: Money.Money
  fees?: ReadonlyArray<FeeLine>
}): Posted =>
  run("captureWithFees", step, (s) => {
    const id = s.id("paymentId", "capture")
    const gross = s.money("gross")
    const payer = s.account("payer", PAYER, gross)
    const merchant = s.account("merchant", MERCHANT, gross)
    const fees = s.fees("fees", merchant, gross, MAX_POSTINGS - 1)
    const paymentId = s.fields["paymentId"] as string
    if (fees.total > gross.amount)
      refuse(
        new FeesExceedGross({
          template: s.template,
          paymentId,
          gross: `${gross.amount}`,
          fees: `${fees.total}`
        })
      )
    return [transfer(s.template, id, [posting(payer, merchant, gross), ...fees.postings])]
  })

/**
 * Authorizes a payment as a two-phase hold `<paymentId>:authorize`, customer wallet → merchant
 * pending: the wallet's available balance drops, nothing is posted. Then
 * {@link captureAuthorization}, {@link voidAuthorization}, or `timeoutMs` passes and the ledger
 * expires it.
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * import { type ChartOfAccounts, Templates } from "@paykit/ledger"
 * declare const wallet: ChartOfAccounts.AccountRef, pending: ChartOfAccounts.AccountRef
 * Templates.authorize({ paymentId: "pay_1", customer: wallet, merchant: pending, amount: Money.fromMinorUnsafe(3000n, Currency.USD), timeoutMs: 604_800_000 })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const authorize = (step: {
  paymentId: string
  customer: Ref
  merchant: Ref
  amount: Money.Money
  timeoutMs?: number
}): Posted =>
  run("authorize", step, (s) => {
    const id = s.id("paymentId", "authorize")
    const amount = s.money("amount")
    const customer = s.account("customer", WALLET, amount)
    const merchant = s.account("merchant", ["merchantPending"], amount)
    const timeoutMs = s.fields["timeoutMs"]
    if (
      timeoutMs !== undefined &&
      !(Number.isInteger(timeoutMs) && (timeoutMs as number) >= 1 && (timeoutMs as number) <= MAX_TIMEOUT_MS)
    )
      s.bad("timeoutMs", `expected an integer from 1 to ${MAX_TIMEOUT_MS} milliseconds`)
    return [
      {
        _tag: "CreateHold",
        id,
        ...posting(customer, merchant, amount),
        ...(timeoutMs === undefined ? {} : { timeoutMs: timeoutMs as number }),
        metadata: { template: s.template }
      }
    ]
  })

/**
 * Captures all or part of an authorization: `PostHold <paymentId>:capture` of the hold
 * `<paymentId>:authorize`. The ledger releases the rest of the hold in the same entry: a partial
 * capture is also the void of the remainder. Fees, when given, go in a second transfer
 * `<paymentId>:capture:fees` from the merchant's pending account.
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * import { type ChartOfAccounts, Templates } from "@paykit/ledger"
 * declare const pending: ChartOfAccounts.AccountRef
 * const usd = (n: bigint) => Money.fromMinorUnsafe(n, Currency.USD)
 * Templates.captureAuthorization({ paymentId: "pay_1", merchant: pending, authorized: usd(3000n), captured: usd(2500n) })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const captureAuthorization = (step: {
  paymentId: string
  merchant: Ref
  authorized: Money.Money
  captured: Money.Money
  fees?: ReadonlyArray<FeeLine>
}): Posted =>
  run("captureAuthorization", step, (s) => {
    const [id, holdId, feesId] = ["capture", "authorize", "capture:fees"].map((step) =>
      s.id("paymentId", step)
    )
    const authorized = s.money("authorized")
    const captured = s.money("captured")
    const merchant = s.account("merchant", ["merchantPending"], captured)
    s.account("merchant", ["merchantPending"], authorized)
    const paymentId = s.fields["paymentId"] as string
    if (captured.amount > authorized.amount)
      refuse(
        new CaptureExceedsAuthorization({
          paymentId,
          authorized: `${authorized.amount}`,
          captured: `${captured.amount}`
        })
      )
    const fees = s.fees("fees", merchant, captured, MAX_POSTINGS)
    if (fees.total > captured.amount)
      refuse(
        new FeesExceedGross({
          template: s.template,
          paymentId,
          gross: `${captured.amount}`,
          fees: `${fees.total}`
        })
      )
    const capture: Command = {
      _tag: "PostHold",
      id: id!,
      holdId: holdId!,
      amount: captured.amount,
      metadata: { template: s.template }
    }
    return fees.postings.length === 0 ? [capture] : [capture, transfer(s.template, feesId!, fees.postings)]
  })

/**
 * Releases an authorization in full, before any capture: `VoidHold <paymentId>:void` of the hold
 * `<paymentId>:authorize`.
 *
 * @example
 * ```ts
 * import { Templates } from "@paykit/ledger"
 * Templates.voidAuthorization({ paymentId: "pay_1" })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const voidAuthorization = (step: { paymentId: string }): Posted =>
  run("voidAuthorization", step, (s) => [
    {
      _tag: "VoidHold",
      id: s.id("paymentId", "void"),
      holdId: s.id("paymentId", "authorize"),
      metadata: { template: s.template }
    }
  ])

/**
 * Settles a merchant's captures: transfer `<settlementId>:settle`, merchant pending → merchant
 * available (one merchant, one currency).
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * import { type ChartOfAccounts, Templates } from "@paykit/ledger"
 * declare const pending: ChartOfAccounts.AccountRef, available: ChartOfAccounts.AccountRef
 * Templates.settle({ settlementId: "st_1", pending, available, amount: Money.fromMinorUnsafe(9710n, Currency.USD) })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const settle = move(
  "settle",
  ["settlementId", "settle"],
  ["pending", ["merchantPending"]],
  ["available", AVAILABLE],
  "same"
)

/**
 * A refund after settlement, transfer `<refundId>:refund`: the captured money has left the
 * merchant's pending account, so the refund comes from its available balance (back to the
 * customer's wallet, or to the settlement bank for a card), not from a reversal of the capture.
 * The available balance may go negative: the merchant then owes the platform.
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * import { type ChartOfAccounts, Templates } from "@paykit/ledger"
 * declare const available: ChartOfAccounts.AccountRef, wallet: ChartOfAccounts.AccountRef
 * Templates.refundAfterSettlement({ refundId: "re_1", merchant: available, to: wallet, amount: Money.fromMinorUnsafe(1000n, Currency.USD) })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const refundAfterSettlement = move(
  "refundAfterSettlement",
  ["refundId", "refund"],
  ["merchant", AVAILABLE],
  ["to", PAYER],
  "any"
)

/**
 * Holds back part of a merchant's money in its reserve: transfer `<reserveId>:reserve`, merchant
 * pending or available → merchant reserve. Release it with {@link releaseReserve}.
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * import { type ChartOfAccounts, Templates } from "@paykit/ledger"
 * declare const pending: ChartOfAccounts.AccountRef, reserve: ChartOfAccounts.AccountRef
 * Templates.holdReserve({ reserveId: "rr_1", from: pending, reserve, amount: Money.fromMinorUnsafe(500n, Currency.USD) })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const holdReserve = move(
  "holdReserve",
  ["reserveId", "reserve"],
  ["from", MERCHANT],
  ["reserve", ["merchantReserve"]],
  "same"
)

/**
 * Releases a reserve: transfer `<reserveId>:release`, merchant reserve → merchant available. One
 * release per reserve id; the reserve refuses to release more than it holds (`ExceedsCredits`).
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * import { type ChartOfAccounts, Templates } from "@paykit/ledger"
 * declare const reserve: ChartOfAccounts.AccountRef, available: ChartOfAccounts.AccountRef
 * Templates.releaseReserve({ reserveId: "rr_1", reserve, to: available, amount: Money.fromMinorUnsafe(500n, Currency.USD) })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const releaseReserve = move(
  "releaseReserve",
  ["reserveId", "release"],
  ["reserve", ["merchantReserve"]],
  ["to", AVAILABLE],
  "same"
)

/**
 * A correcting entry: `Reverse <correctionId>:reverse` of the wrong entry `entryId` (its exact
 * negation), then `Transfer <correctionId>:repost` of what it should have been, as one linked
 * batch. The books keep the mistake and its correction; a second reversal of the same entry is
 * refused by the ledger (`AlreadyReversed`).
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * import { type ChartOfAccounts, Templates } from "@paykit/ledger"
 * declare const wallet: ChartOfAccounts.AccountRef, pending: ChartOfAccounts.AccountRef
 * const corrected = [{ debit: wallet, credit: pending, amount: Money.fromMinorUnsafe(250n, Currency.USD) }]
 * Templates.correctEntry({ correctionId: "adj_1", entryId: "pay_1:capture", corrected })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const correctEntry = (step: {
  correctionId: string
  entryId: string
  corrected: ReadonlyArray<Leg>
}): Posted =>
  run("correctEntry", step, (s) => {
    const [reverseId, repostId] = ["reverse", "repost"].map((step) => s.id("correctionId", step))
    const { entryId, corrected: legs } = s.fields
    if (typeof entryId !== "string" || !ID_PATTERN.test(entryId))
      s.bad("entryId", "expected the id of the entry to correct")
    if (!Array.isArray(legs) || legs.length === 0 || legs.length > MAX_POSTINGS)
      s.bad("corrected", `expected 1 to ${MAX_POSTINGS} postings`)
    const postings = (legs as Array<unknown>).map((leg, i): Posting => {
      const path = `corrected[${i}]`
      if (typeof leg !== "object" || leg === null) s.bad(path, "expected { debit, credit, amount }")
      const { debit, credit, amount } = leg as Record<string, unknown>
      const m = s.money(`${path}.amount`, amount)
      const from = s.account(`${path}.debit`, ChartOfAccounts.KINDS, m, debit)
      const to = s.account(`${path}.credit`, ChartOfAccounts.KINDS, m, credit)
      if (to.id === from.id) s.wrong(`${path}.credit`, to.id, `an account other than "${from.id}"`)
      return posting(from, to, m)
    })
    return [
      { _tag: "Reverse", id: reverseId!, entryId: entryId as string, metadata: { template: s.template } },
      transfer(s.template, repostId!, postings)
    ]
  })
