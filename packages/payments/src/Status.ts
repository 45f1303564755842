import { StateMachine } from "@paykit/core"
import { Schema } from "effect"

/**
 * A payment's status, after Stripe's PaymentIntent: waiting for a method, for confirmation, for
 * the customer's action (3-D Secure), for an operator's review, in flight at the provider,
 * authorised and waiting for capture, partially captured (multiple capture), and the three
 * final states. A payment never becomes "refunded": it carries its refunded amount, and
 * {@link label} derives the display label.
 *
 * @example
 * ```ts
 * import { Status } from "@paykit/payments"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Status.Status)("requires_capture")
 * ```
 * @category models
 * @since 0.1.0
 */
export const Status = Schema.Literals([
  "requires_payment_method",
  "requires_confirmation",
  "requires_action",
  "under_review",
  "processing",
  "requires_capture",
  "partially_captured",
  "succeeded",
  "canceled",
  "failed"
])

/**
 * A payment's status.
 *
 * @example
 * ```ts
 * import type { Status } from "@paykit/payments"
 * const open = (s: Status.Status) => s !== "succeeded" && s !== "canceled" && s !== "failed"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Status = typeof Status.Type

/**
 * What moves a payment: the merchant's calls, the provider's answers (an API reply, a webhook or
 * a sync), an operator's review and the platform's scheduler.
 *
 * @example
 * ```ts
 * import { Status } from "@paykit/payments"
 * Status.COMMANDS.includes("capture") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const COMMANDS = [
  "attach_method",
  "confirm",
  "hold_for_review",
  "approve_review",
  "require_action",
  "complete_action",
  "authorise",
  "decline",
  "fail",
  "capture",
  "release_remaining",
  "cancel",
  "expire"
] as const

/**
 * A command of the payment machine.
 *
 * @example
 * ```ts
 * import type { Status } from "@paykit/payments"
 * const c: Status.Command = "capture"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Command = (typeof COMMANDS)[number]

/**
 * Who moves a payment: the `merchant` (the API), the `provider` (its reply, webhook or sync),
 * an `operator` (a review) or the platform's own `system` (risk, the expiry scheduler).
 *
 * @example
 * ```ts
 * import { Status } from "@paykit/payments"
 * Status.ACTORS // ["merchant", "provider", "operator", "system"]
 * ```
 * @category models
 * @since 0.1.0
 */
export const ACTORS = ["merchant", "provider", "operator", "system"] as const

/**
 * An actor.
 *
 * @example
 * ```ts
 * import type { Status } from "@paykit/payments"
 * const a: Status.Actor = "provider"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Actor = (typeof ACTORS)[number]

/**
 * What the guarded rows look at: whether the payment captures automatically (an authorisation
 * is then its capture), and whether a capture closes the payment (the final capture, or one that
 * takes all that is capturable).
 *
 * @example
 * ```ts
 * import type { Status } from "@paykit/payments"
 * const ctx: Status.Context = { automatic: false, closes: true }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Context {
  readonly automatic: boolean
  readonly closes: boolean
}

/**
 * The payment state machine (a `@paykit/core` `StateMachine`), one row per move. Validated when
 * the module loads. `succeeded`, `canceled` and `failed` are final; refunds and disputes do not
 * move the payment (they change its amounts).
 *
 * @example
 * ```ts
 * import { Status } from "@paykit/payments"
 * Status.machine.transition("requires_capture", "capture", "merchant", { automatic: false, closes: true }) // Success("succeeded")
 * ```
 * @category models
 * @since 0.1.0
 */
export const machine = StateMachine.makeUnsafe({
  name: "payment",
  states: Status.literals,
  commands: COMMANDS,
  actors: ACTORS,
  initial: ["requires_payment_method", "requires_confirmation"],
  final: ["succeeded", "canceled", "failed"],
  guards: {
    automatic: (c: Context) => c.automatic,
    manual: (c: Context) => !c.automatic,
    closes: (c: Context) => c.closes,
    leavesMore: (c: Context) => !c.closes
  },
  rows: [
    {
      command: "attach_method",
      from: ["requires_payment_method"],
      to: "requires_confirmation",
      by: ["merchant"]
    },
    { command: "confirm", from: ["requires_confirmation"], to: "processing", by: ["merchant"] },
    { command: "hold_for_review", from: ["processing"], to: "under_review", by: ["system"] },
    { command: "approve_review", from: ["under_review"], to: "processing", by: ["operator"] },
    { command: "require_action", from: ["processing"], to: "requires_action", by: ["provider"] },
    { command: "complete_action", from: ["requires_action"], to: "processing", by: ["provider"] },
    { command: "authorise", from: ["processing"], to: "succeeded", by: ["provider"], guard: "automatic" },
    { command: "authorise", from: ["processing"], to: "requires_capture", by: ["provider"], guard: "manual" },
    {
      command: "decline",
      from: ["processing", "requires_action"],
      to: "requires_payment_method",
      by: ["provider"]
    },
    {
      command: "fail",
      from: ["processing", "requires_action", "under_review"],
      to: "failed",
      by: ["provider", "system"]
    },
    {
      command: "capture",
      from: ["requires_capture", "partially_captured"],
      to: "succeeded",
      by: ["merchant"],
      guard: "closes"
    },
    {
      command: "capture",
      from: ["requires_capture", "partially_captured"],
      to: "partially_captured",
      by: ["merchant"],
      guard: "leavesMore"
    },
    {
      command: "release_remaining",
      from: ["partially_captured"],
      to: "succeeded",
      by: ["merchant", "system"]
    },
    {
      command: "cancel",
      from: [
        "requires_payment_method",
        "requires_confirmation",
        "requires_action",
        "under_review",
        "requires_capture"
      ],
      to: "canceled",
      by: ["merchant", "operator"]
    },
    { command: "expire", from: ["requires_capture"], to: "canceled", by: ["system"] },
    { command: "expire", from: ["partially_captured"], to: "succeeded", by: ["system"] }
  ]
})

/**
 * The final statuses: no command leaves them.
 *
 * @example
 * ```ts
 * import { Status } from "@paykit/payments"
 * Status.FINAL.has("canceled") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const FINAL: ReadonlySet<Status> = new Set(machine.final)

/**
 * The label a merchant's dashboard or a customer shows: the status, except that a succeeded
 * payment whose captured amount is all refunded reads `refunded`, and one partly refunded reads
 * `partially_refunded` (the status itself never changes for a refund).
 *
 * @example
 * ```ts
 * import { Status } from "@paykit/payments"
 * Status.label("succeeded", 1000n, 250n) // "partially_refunded"
 * ```
 * @category math
 * @since 0.1.0
 */
export const label = (
  status: Status,
  captured: bigint,
  refunded: bigint
): Status | "partially_refunded" | "refunded" =>
  status !== "succeeded" || refunded <= 0n ? status : refunded >= captured ? "refunded" : "partially_refunded"
