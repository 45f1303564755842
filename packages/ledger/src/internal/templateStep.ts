/**
 * The machinery of the posting templates (`Templates.ts`): reading a step (every field read
 * once, every problem a typed error), running a template, and the postings it builds.
 */
import { AmountOutOfRange, type Currency, Input, InvalidInput, Money, Rounding } from "@paykit/core"
import { Result } from "effect"
import * as ChartOfAccounts from "../ChartOfAccounts.ts"
import type { Command, Transfer } from "../Command.ts"
import { ID_PATTERN } from "./canonical.ts"
import {
  AccountCurrencyMismatch,
  AmountNotPositive,
  InvalidStepId,
  type TemplateError,
  WrongAccount
} from "../TemplateErrors.ts"
import type { Move, Posted } from "../Templates.ts"

// ---------------------------------------------------------------------------------------------
// reading a step: every field is read once, every problem is a typed error

export type Kind = ChartOfAccounts.Kind
export type Posting = Transfer["postings"][number]
export interface Amount {
  readonly amount: bigint
  readonly currency: Currency.Currency
  readonly code: string
}
export interface Account {
  readonly id: string
  readonly owner: string | undefined
  readonly code: string
}

/** A refusal, thrown inside a template and returned as its `Result` by {@link run}. */
export class Refused {
  constructor(readonly error: TemplateError) {}
}
export const refuse = (error: TemplateError): never => {
  throw new Refused(error)
}
export const show = Rounding.describeValue
export const CURRENCY_CODE = /^[A-Z][A-Z0-9_]{1,11}$/
export const codeOf = (c: unknown): string | undefined => {
  const code = typeof c === "object" && c !== null ? (c as { code?: unknown }).code : undefined
  return typeof code === "string" && CURRENCY_CODE.test(code) ? code : undefined
}

/** The reader of one step of one template. */
export class Step {
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
export const run = (template: string, step: unknown, build: (s: Step) => Array<Command>): Posted => {
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

export const posting = (debit: Account | string, credit: Account | string, m: Amount): Posting => ({
  debit: typeof debit === "string" ? debit : debit.id,
  credit: typeof credit === "string" ? credit : credit.id,
  amount: m.amount,
  currency: m.code
})

export const transfer = (template: string, id: string, postings: ReadonlyArray<Posting>): Command => ({
  _tag: "Transfer",
  id,
  postings,
  metadata: { template }
})

export const WALLET: ReadonlyArray<Kind> = ["customerWallet"]
export const PAYER: ReadonlyArray<Kind> = ["customerWallet", "settlementBank"]
export const MERCHANT: ReadonlyArray<Kind> = ["merchantPending", "merchantAvailable"]
export const FEE: ReadonlyArray<Kind> = ["feeRevenue", "schemeFeesPayable", "interchangePayable"]
export const AVAILABLE: ReadonlyArray<Kind> = ["merchantAvailable"]

/**
 * One transfer `<domainId>:<step>` of `amount` from the account in field `from` to the one in `to`
 * (each of the given kinds; `owner: "same"` when both must belong to one merchant).
 */
export const move =
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
