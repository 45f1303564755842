import { StateMachine } from "@paykit/core"

/**
 * A payout's statuses: `pending` (created by a run, not yet accepted by the payout provider),
 * `in_transit` (accepted, on its way to the merchant's bank), `paid`, `failed` and `canceled`.
 *
 * @example
 * ```ts
 * import { Payout } from "@paykit/settlement"
 * Payout.statuses.includes("in_transit") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const statuses = ["pending", "in_transit", "paid", "failed", "canceled"] as const

/**
 * One of {@link statuses}.
 *
 * @example
 * ```ts
 * import type { Payout } from "@paykit/settlement"
 * const s: Payout.Status = "paid"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Status = (typeof statuses)[number]

/**
 * Why a payout failed: a stable vocabulary (Stripe's payout failure codes), whatever the payout
 * provider says. A provider adapter maps its own codes onto these; anything it cannot map is
 * `could_not_process`.
 *
 * @example
 * ```ts
 * import { Payout } from "@paykit/settlement"
 * Payout.failureCodes.includes("account_closed") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const failureCodes = [
  "account_closed",
  "account_frozen",
  "bank_account_restricted",
  "bank_ownership_changed",
  "could_not_process",
  "debit_not_authorized",
  "declined",
  "insufficient_funds",
  "invalid_account_number",
  "incorrect_account_holder_name",
  "invalid_currency",
  "no_account"
] as const

/**
 * One of {@link failureCodes}.
 *
 * @example
 * ```ts
 * import type { Payout } from "@paykit/settlement"
 * const code: Payout.FailureCode = "no_account"
 * ```
 * @category models
 * @since 0.1.0
 */
export type FailureCode = (typeof failureCodes)[number]

/**
 * What the merchant is told for each failure code, and what to do next.
 *
 * @example
 * ```ts
 * import { Payout } from "@paykit/settlement"
 * Payout.failureMessages.account_closed
 * ```
 * @category models
 * @since 0.1.0
 */
export const failureMessages: { readonly [K in FailureCode]: string } = {
  account_closed: "The bank account has been closed. Add a new bank account.",
  account_frozen: "The bank account has been frozen. Contact your bank.",
  bank_account_restricted: "The bank account has restrictions on payouts. Contact your bank.",
  bank_ownership_changed: "The bank account's owner changed. Confirm the account details.",
  could_not_process: "The bank could not process this payout. It will be retried with the next payout.",
  debit_not_authorized: "The bank refused the debit. Authorise debits from this account.",
  declined: "The bank declined this payout. Contact your bank.",
  insufficient_funds: "The account has too little money for this debit.",
  invalid_account_number: "The account number is not valid. Check the bank details.",
  incorrect_account_holder_name: "The account holder's name does not match. Check the bank details.",
  invalid_currency: "The bank account cannot receive this currency.",
  no_account: "No bank account was found with these details. Check the bank details."
}

/**
 * A payout: the money a settlement run pays to (a positive `amount`) or collects from (a
 * negative one, when the merchant's balance is negative and its schedule debits) the merchant's
 * bank, in minor units of `currency`. It owns exactly the balance transactions whose `payout`
 * is its id; `controlTotal` is the sum of their net and always equals `amount`.
 *
 * @example
 * ```ts
 * import type { Payout } from "@paykit/settlement"
 * const settled = (p: Payout.Payout) => p.status === "paid"
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Payout {
  readonly id: string
  readonly merchant: string
  readonly currency: string
  readonly amount: bigint
  readonly controlTotal: bigint
  readonly transactionCount: number
  readonly run: string
  readonly status: Status
  readonly createdAt: number
  readonly updatedAt: number
  /** The provider's reference once it accepted the payout. */
  readonly reference?: string
  /** When the provider expects the money to arrive (epoch ms). */
  readonly arrivalDate?: number
  readonly failureCode?: FailureCode
  /** True when the payout failed after it was reported paid (returned by the bank). */
  readonly failedAfterPaid?: boolean
  readonly version: number
}

/**
 * The commands that move a payout: the provider `accepted` it, it was `paid`, it `failed`
 * (before or after being paid), or the platform `canceled` it before the provider accepted it.
 *
 * @example
 * ```ts
 * import type { Payout } from "@paykit/settlement"
 * const c: Payout.Command = "accepted"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Command = "accepted" | "paid" | "failed" | "canceled"

/**
 * The payout state machine (a `@paykit/core` `StateMachine`): `pending → in_transit → paid`,
 * `failed` from pending, in transit or paid (a bank returning a paid payout), `canceled` only
 * before the provider accepted it.
 *
 * ```mermaid
 * stateDiagram-v2
 *   [*] --> pending
 *   pending --> in_transit: accepted
 *   pending --> paid: paid
 *   pending --> failed: failed
 *   pending --> canceled: canceled
 *   in_transit --> paid: paid
 *   in_transit --> failed: failed
 *   paid --> failed: failed
 * ```
 *
 * @example
 * ```ts
 * import { Payout } from "@paykit/settlement"
 * Payout.machine.canTransition("paid", "failed") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const machine = StateMachine.makeUnsafe({
  name: "payout",
  states: statuses,
  commands: ["accepted", "paid", "failed", "canceled"] satisfies ReadonlyArray<Command>,
  initial: ["pending"],
  final: ["failed", "canceled"],
  rows: [
    { command: "accepted", from: ["pending"], to: "in_transit" },
    { command: "paid", from: ["pending", "in_transit"], to: "paid" },
    { command: "failed", from: ["pending", "in_transit", "paid"], to: "failed" },
    { command: "canceled", from: ["pending"], to: "canceled" }
  ]
})

/**
 * The ledger entry ids of a payout's steps, derived from its id so every retry replays: the
 * hold that sets the money aside when it is created, its posting when paid, its void when it
 * fails or is canceled before being paid, and the transfer that brings it back when a paid
 * payout is returned.
 *
 * @example
 * ```ts
 * import { Payout } from "@paykit/settlement"
 * Payout.entryIds("po_1").returned // "po_1:returned"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const entryIds = (id: string) => ({
  hold: id,
  paid: `${id}:paid`,
  voided: `${id}:void`,
  returned: `${id}:returned`
})
