import type { Money } from "@paykit/core"
import { Context, Schema } from "effect"
import type * as Effect from "effect/Effect"
import type * as Decline from "./Decline.ts"
import type * as Refund from "./Refund.ts"

/**
 * The provider could not be reached or did not answer in time (a timeout, a 5xx, a dropped
 * connection). The outcome at the provider is unknown: the payment stays where it was (or in
 * `processing` after a confirm) and a later `sync` or webhook settles it; the same request may
 * be sent again, since every request carries an idempotency key of the provider's.
 *
 * @example
 * ```ts
 * import { PaymentProvider } from "@paykit/payments"
 * new PaymentProvider.ProviderUnavailable({ operation: "authorise", reason: "timed out after 30 s" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class ProviderUnavailable extends Schema.TaggedError<ProviderUnavailable>()("ProviderUnavailable", {
  operation: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `the payment provider did not answer ${this.operation}: ${this.reason}; the outcome is unknown until a sync or a webhook tells it`
  }
}

/**
 * A provider's answer to an authorisation: authorised (with the provider's reference), declined
 * (a code of the provider-neutral `Decline` vocabulary), the customer must act first (3-D Secure,
 * a redirect), or pending (the answer comes later, by webhook or sync).
 *
 * @example
 * ```ts
 * import type { PaymentProvider } from "@paykit/payments"
 * const ok: PaymentProvider.AuthoriseAnswer = { _tag: "authorised", reference: "ch_1" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type AuthoriseAnswer =
  | { readonly _tag: "authorised"; readonly reference: string }
  | { readonly _tag: "declined"; readonly code: Decline.Code; readonly reference?: string }
  | { readonly _tag: "requires_action"; readonly reference: string; readonly redirectUrl?: string }
  | { readonly _tag: "pending"; readonly reference: string }

/**
 * A provider's answer to a capture: captured, failed (the capture can be tried again: Adyen's
 * re-capture after a failed capture), or pending (answered later).
 *
 * @example
 * ```ts
 * import type { PaymentProvider } from "@paykit/payments"
 * const failed: PaymentProvider.CaptureAnswer = { _tag: "failed", code: "processing_error" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type CaptureAnswer =
  | { readonly _tag: "captured" }
  | { readonly _tag: "failed"; readonly code: Decline.Code }
  | { readonly _tag: "pending" }

/**
 * A provider's answer to a void or an increment: done, or refused with a code.
 *
 * @example
 * ```ts
 * import type { PaymentProvider } from "@paykit/payments"
 * const done: PaymentProvider.Answer = { _tag: "done" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type Answer = { readonly _tag: "done" } | { readonly _tag: "refused"; readonly code: Decline.Code }

/**
 * A provider's answer to a refund: its outcome (`Refund.Outcome`), or pending.
 *
 * @example
 * ```ts
 * import type { PaymentProvider } from "@paykit/payments"
 * const later: PaymentProvider.RefundAnswer = { _tag: "pending" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type RefundAnswer = Refund.Outcome | { readonly _tag: "pending" }

/**
 * What the provider says about a payment when asked (`syncPayment`) or in a webhook: where the
 * authorisation stands, and the captures it has answered (by capture id).
 *
 * @example
 * ```ts
 * import type { PaymentProvider } from "@paykit/payments"
 * const seen: PaymentProvider.PaymentState = { authorisation: { _tag: "authorised", reference: "ch_1" }, captures: {} }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface PaymentState {
  readonly authorisation: AuthoriseAnswer | { readonly _tag: "voided" }
  readonly captures: Readonly<Record<string, CaptureAnswer>>
}

/**
 * A provider's notification, parsed: news about a payment (by the provider's reference and the
 * payment id it was given) or about a refund. `id` is the provider's event id, for deduplication.
 *
 * @example
 * ```ts
 * import type { PaymentProvider } from "@paykit/payments"
 * const n: PaymentProvider.Notification = { _tag: "refund", id: "evt_1", paymentId: "pay_1", refundId: "pay_1:refund:1", outcome: { _tag: "succeeded" } }
 * ```
 * @category models
 * @since 0.1.0
 */
export type Notification =
  | {
      readonly _tag: "authorisation"
      readonly id: string
      readonly paymentId: string
      readonly answer: AuthoriseAnswer
    }
  | {
      readonly _tag: "capture"
      readonly id: string
      readonly paymentId: string
      readonly captureId: string
      readonly answer: CaptureAnswer
    }
  | {
      readonly _tag: "refund"
      readonly id: string
      readonly paymentId: string
      readonly refundId: string
      readonly outcome: Refund.Outcome
    }

/**
 * A webhook the provider's signature check refused, or whose body it could not read.
 *
 * @example
 * ```ts
 * import { PaymentProvider } from "@paykit/payments"
 * new PaymentProvider.WebhookRejected({ reason: "bad signature" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class WebhookRejected extends Schema.TaggedError<WebhookRejected>()("WebhookRejected", {
  reason: Schema.String
}) {
  override get message(): string {
    return `the webhook was rejected: ${this.reason}; nothing changed`
  }
}

/**
 * The payment provider port (a processor, an acquirer, a wallet's own authoriser): one method
 * per flow. Every request names the payment (and the capture or refund) by paykit's ids, which
 * the provider uses as its idempotency key, so a request sent again after a timeout is the same
 * request. Answers speak the provider-neutral `Decline` vocabulary; an adapter maps its
 * provider's codes onto it.
 *
 * @category services
 * @since 0.1.0
 */
export class PaymentProvider extends Context.Service<
  PaymentProvider,
  {
    readonly authorise: (request: {
      readonly paymentId: string
      readonly paymentMethod: string
      readonly amount: Money.Money
      readonly captureMethod: "automatic" | "manual" | "manual_multiple"
      /** The risk check asks for 3-D Secure: the provider should challenge the customer. */
      readonly threeDS?: boolean | undefined
    }) => Effect.Effect<AuthoriseAnswer, ProviderUnavailable>
    readonly capture: (request: {
      readonly paymentId: string
      readonly captureId: string
      readonly amount: Money.Money
      readonly final: boolean
    }) => Effect.Effect<CaptureAnswer, ProviderUnavailable>
    readonly void: (request: { readonly paymentId: string }) => Effect.Effect<Answer, ProviderUnavailable>
    readonly increment: (request: {
      readonly paymentId: string
      readonly amount: Money.Money
    }) => Effect.Effect<Answer, ProviderUnavailable>
    readonly refund: (request: {
      readonly paymentId: string
      readonly refundId: string
      readonly amount: Money.Money
    }) => Effect.Effect<RefundAnswer, ProviderUnavailable>
    readonly syncPayment: (request: {
      readonly paymentId: string
    }) => Effect.Effect<PaymentState, ProviderUnavailable>
    readonly syncRefund: (request: {
      readonly paymentId: string
      readonly refundId: string
    }) => Effect.Effect<RefundAnswer, ProviderUnavailable>
    readonly parseWebhook: (request: {
      readonly body: string
      readonly headers: Readonly<Record<string, string>>
    }) => Effect.Effect<Notification, WebhookRejected>
  }
>()("@paykit/payments/PaymentProvider") {}
