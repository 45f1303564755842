import { type Money, StateMachine } from "@paykit/core"
import { Schema } from "effect"

/**
 * A refund's status, after Stripe's Refund: `pending` until the provider confirms, sometimes
 * `requires_action` (the customer must give bank details), then `succeeded`, `failed` (the money
 * comes back to the merchant's balance) or `canceled`.
 *
 * @example
 * ```ts
 * import { Refund } from "@paykit/payments"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Refund.Status)("pending")
 * ```
 * @category models
 * @since 0.1.0
 */
export const Status = Schema.Literals(["pending", "requires_action", "succeeded", "failed", "canceled"])

/**
 * A refund's status.
 *
 * @example
 * ```ts
 * import type { Refund } from "@paykit/payments"
 * const open = (s: Refund.Status) => s === "pending" || s === "requires_action"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Status = typeof Status.Type

/**
 * Why a refund was made (Stripe's reasons).
 *
 * @example
 * ```ts
 * import { Refund } from "@paykit/payments"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Refund.Reason)("requested_by_customer")
 * ```
 * @category models
 * @since 0.1.0
 */
export const Reason = Schema.Literals([
  "requested_by_customer",
  "duplicate",
  "fraudulent",
  "other",
  "reversal"
])

/**
 * A refund's reason.
 *
 * @example
 * ```ts
 * import type { Refund } from "@paykit/payments"
 * const r: Refund.Reason = "duplicate"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Reason = typeof Reason.Type

/**
 * The provider's answer about a refund: it needs the customer's action, it succeeded (with the
 * acquirer reference number a customer can give their bank), it failed (with the reason), or it
 * was canceled.
 *
 * @example
 * ```ts
 * import { Refund } from "@paykit/payments"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Refund.Outcome)({ _tag: "succeeded", reference: "74537604221431003881865" })
 * ```
 * @category models
 * @since 0.1.0
 */
export const Outcome = Schema.Union([
  Schema.TaggedStruct("requires_action", {}),
  Schema.TaggedStruct("succeeded", {
    reference: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_-]{1,64}$/)))
  }),
  Schema.TaggedStruct("failed", {
    reason: Schema.Literals(["expired_or_canceled_card", "lost_or_stolen_card", "declined", "unknown"])
  }),
  Schema.TaggedStruct("canceled", {})
])

/**
 * A provider's answer about a refund.
 *
 * @example
 * ```ts
 * import type { Refund } from "@paykit/payments"
 * const failed: Refund.Outcome = { _tag: "failed", reason: "lost_or_stolen_card" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type Outcome = typeof Outcome.Type

/**
 * A refund of (part of) a payment's captured amount. Its id is derived from the payment's
 * (`<payment id>:refund:<n>`, the n-th refund of that payment), so a ledger entry can be keyed on
 * it; replaying a caller's retry is the service's job (idempotency keys), not this record's.
 *
 * @example
 * ```ts
 * import type { Refund } from "@paykit/payments"
 * const settled = (r: Refund.Refund) => r.status === "succeeded"
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Refund {
  readonly id: string
  readonly amount: Money.Money
  readonly reason: Reason
  readonly status: Status
  readonly failureReason?: Extract<Outcome, { _tag: "failed" }>["reason"]
  readonly reference?: string
  readonly createdAt: number
  readonly updatedAt: number
}

/**
 * The refund state machine (a `@paykit/core` `StateMachine`): the provider's answers move a
 * pending refund; `failed` and `canceled` are final, and a `succeeded` refund can still fail
 * (the customer's bank returned it: Stripe's and Adyen's `REFUND_FAILED` after success).
 *
 * @example
 * ```ts
 * import { Refund } from "@paykit/payments"
 * Refund.machine.transition("pending", "succeeded") // Success("succeeded")
 * ```
 * @category models
 * @since 0.1.0
 */
export const machine = StateMachine.makeUnsafe({
  name: "refund",
  states: Status.literals,
  commands: ["requires_action", "succeeded", "failed", "canceled"] satisfies ReadonlyArray<Outcome["_tag"]>,
  initial: ["pending"],
  final: ["failed", "canceled"],
  rows: [
    { command: "requires_action", from: ["pending"], to: "requires_action" },
    { command: "succeeded", from: ["pending", "requires_action"], to: "succeeded" },
    { command: "failed", from: ["pending", "requires_action", "succeeded"], to: "failed" },
    { command: "canceled", from: ["pending", "requires_action"], to: "canceled" }
  ]
})

/**
 * Whether a refund still holds its amount (pending or waiting for an action): it counts against
 * what can be refunded, and comes back if it fails or is canceled.
 *
 * @example
 * ```ts
 * import { Refund } from "@paykit/payments"
 * declare const refund: Refund.Refund
 * Refund.isOpen(refund)
 * ```
 * @category guards
 * @since 0.1.0
 */
export const isOpen = (r: Refund): boolean => r.status === "pending" || r.status === "requires_action"
