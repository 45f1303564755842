import { AmountOutOfRange, type Currency, Input, InvalidInput, Money, Rounding } from "@paykit/core"
import { Result } from "effect"
import * as ChartOfAccounts from "./ChartOfAccounts.ts"
import { type Command, MAX_POSTINGS, MAX_TIMEOUT_MS, type Transfer } from "./Command.ts"
import { ID_PATTERN } from "./internal/canonical.ts"
import {
  AccountCurrencyMismatch,
  AmountNotPositive,
  CaptureExceedsAuthorization,
  FeesExceedGross,
  InvalidStepId,
  SameCurrencyConversion,
  type TemplateError,
  WrongAccount
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

// ---------------------------------------------------------------------------------------------
// reading a step: every field is read once, every problem is a typed error

type Kind = ChartOfAccounts.Kind
type Posting = Transfer["postings"][number]
interface Amount {
  readonly amount: bigint
  readonly currency: Currency.Currency
  readonly code: string
}
interface Account {
  readonly id: string
  readonly owner: string | undefined
  readonly code: string
}

/** A refusal, thrown inside a template and returned as its `Result` by {@link run}. */
class Refused {
  constructor(readonly error: TemplateError) {}
}
const refuse = (error: TemplateError): never => {
  throw new Refused(error)
}
const show = Rounding.describeValue
const CURRENCY_CODE = /^[A-Z][A-Z0-9_]{1,11}$/
const codeOf = (c: unknown): string | undefined => {
  const code = typeof c === "object" && c !== null ? (c as { code?: unknown }).code : undefined
  return typeof code === "string" && CURRENCY_CODE.test(code) ? code : undefined
}

/** The reader of one step of one template. */
class Step {
  constructor(
    readonly template: string,
    readonly fields: Record<string, unknown>
  ) {}

  bad(path: string, reason: string): never {
    return refuse(new InvalidInput({ operation: this.template, path, reason }))
  }

  /** `<domainId>:<step>` from the string in `field`. */
  id(field: string, step: string): string {
    const domainId = this.fields[field]
    if (typeof domainId !== "string") return this.bad(field, `expected a string id; got ${show(domainId)}`)
    const id = `${domainId}:${step}`
    if (id.length <= 64 && ID_PATTERN.test(id)) return id
    const reason =
      id.length > 64
        ? `"<id>:${step}" would have ${id.length} characters, more than 64`
        : "it starts with a character other than a letter or digit, or holds one other than '_ . : -'"
    return refuse(new InvalidStepId({ template: this.template, domainId: show(domainId), step, reason }))
  }

  money(path: string, v: unknown = this.fields[path], zero: "refused" | "allowed" = "refused"): Amount {
    if (typeof v !== "object" || v === null) return this.bad(path, `expected Money; got ${show(v)}`)
    const { amount, currency } = v as { amount: unknown; currency: unknown }
    if (typeof amount !== "bigint")
      return this.bad(`${path}.amount`, `expected bigint minor units, never a number; got ${show(amount)}`)
    const code = codeOf(currency)
    if (code === undefined) return this.bad(`${path}.currency`, "expected a Currency such as Currency.USD")
    if (amount < 0n || (amount === 0n && zero === "refused"))
      return refuse(new AmountNotPositive({ template: this.template, field: path, amount: String(amount) }))
    if (amount > Money.MAX_AMOUNT)
      return refuse(new AmountOutOfRange({ operation: this.template, amount: String(amount) }))
    return { amount, currency: currency as Currency.Currency, code }
  }

  /** An account of one of `kinds`, in the currency of `amount`. */
  account(path: string, kinds: ReadonlyArray<Kind>, amount: Amount, v: unknown = this.fields[path]): Account {
    if (typeof v !== "object" || v === null) return this.bad(path, `expected an account; got ${show(v)}`)
    const { id, kind, owner, currency } = v as Record<string, unknown>
    if (typeof id !== "string" || !ID_PATTERN.test(id)) return this.bad(`${path}.id`, "expected a ledger id")
    if (!(ChartOfAccounts.KINDS as ReadonlyArray<unknown>).includes(kind))
      return this.bad(`${path}.kind`, `expected one of ${ChartOfAccounts.KINDS.join(", ")}`)
    if (owner !== undefined && typeof owner !== "string")
      return this.bad(`${path}.owner`, "expected a string")
    const code = codeOf(currency)
    if (code === undefined) return this.bad(`${path}.currency`, "expected a Currency such as Currency.USD")
    if (!kinds.includes(kind as Kind)) return this.wrong(path, id, `a ${kinds.join(" or ")} account`)
    if (code !== amount.code) this.mismatch(path, id, code, amount.code)
    return { id, owner, code }
  }

  mismatch(field: string, accountId: string, accountCurrency: string, amountCurrency: string): never {
    const template = this.template
    return refuse(
      new AccountCurrencyMismatch({ template, field, accountId, accountCurrency, amountCurrency })
    )
  }

  wrong(field: string, accountId: string, expected: string): never {
    return refuse(new WrongAccount({ template: this.template, field, accountId, expected }))
  }

  /** `from → fee account` for each non-zero fee line of `field` (an array, or one line), and the total. */
  fees(field: string, from: Account, of: Amount, room: number) {
    const v = this.fields[field]
    // `fee` (fxPayment) is one line, `fees` an array of them
    const lines = v === undefined ? [] : Array.isArray(v) || field !== "fee" ? v : [v]
    if (!Array.isArray(lines)) this.bad(field, "expected an array")
    if (lines.length > room) this.bad(field, `expected at most ${room} fee lines`)
    const postings: Array<Posting> = []
    let total = 0n
    lines.forEach((line: unknown, i) => {
      const path = Array.isArray(v) ? `${field}[${i}]` : field
      if (typeof line !== "object" || line === null) this.bad(path, "expected { to, amount }")
      const { to, amount } = line as Record<string, unknown>
      const m = this.money(`${path}.amount`, amount, "allowed")
      if (m.code !== of.code) this.mismatch(`${path}.amount`, from.id, of.code, m.code)
      const account = this.account(`${path}.to`, FEE, m, to)
      if (m.amount > 0n) postings.push(posting(from, account, m))
      total += m.amount
    })
    return { postings, total }
  }
}

/** Runs a template on a step: its commands, or the first refusal (a throw of the input is `InvalidInput`). */
const run = (template: string, step: unknown, build: (s: Step) => Array<Command>): Posted => {
  try {
    if (typeof step !== "object" || step === null || Array.isArray(step))
      return Result.fail(
        new InvalidInput({ operation: template, path: "", reason: `expected an object; got ${show(step)}` })
      )
    // one read of every field: a getter cannot answer a check one thing and the entry another
    return Result.succeed(build(new Step(template, { ...(step as Record<string, unknown>) })))
  } catch (e) {
    return Result.fail(e instanceof Refused ? e.error : Input.unreadable(template, e))
  }
}

const posting = (debit: Account | string, credit: Account | string, m: Amount): Posting => ({
  debit: typeof debit === "string" ? debit : debit.id,
  credit: typeof credit === "string" ? credit : credit.id,
  amount: m.amount,
  currency: m.code
})

const transfer = (template: string, id: string, postings: ReadonlyArray<Posting>): Command => ({
  _tag: "Transfer",
  id,
  postings,
  metadata: { template }
})

const WALLET: ReadonlyArray<Kind> = ["customerWallet"]
const PAYER: ReadonlyArray<Kind> = ["customerWallet", "settlementBank"]
const MERCHANT: ReadonlyArray<Kind> = ["merchantPending", "merchantAvailable"]
const FEE: ReadonlyArray<Kind> = ["feeRevenue", "schemeFeesPayable", "interchangePayable"]
const AVAILABLE: ReadonlyArray<Kind> = ["merchantAvailable"]

/**
 * One transfer `<domainId>:<step>` of `amount` from the account in field `from` to the one in `to`
 * (each of the given kinds; `owner: "same"` when both must belong to one merchant).
 */
const move =
  <D extends string, F extends string, T extends string>(
    template: string,
    [domain, step]: readonly [D, string],
    [debit, debits]: readonly [F, ReadonlyArray<Kind>],
    [credit, credits]: readonly [T, ReadonlyArray<Kind>],
    owner: "same" | "any"
  ) =>
  (input: Move<D, F, T>): Posted =>
    run(template, input, (s) => {
      const id = s.id(domain, step)
      const amount = s.money("amount")
      const from = s.account(debit, debits, amount)
      const to = s.account(credit, credits, amount)
      if (owner === "same" && to.owner !== from.owner)
        s.wrong(credit, to.id, `an account of the owner of "${from.id}"`)
      if (to.id === from.id) s.wrong(credit, to.id, `an account other than "${from.id}"`)
      return [transfer(template, id, [posting(from, to, amount)])]
    })

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
