import { Schema } from "effect"

/**
 * An amount asks for more than there is: a capture above what is capturable, a refund above what
 * is refundable (captured minus refunded minus open refunds). `field` names the input, `requested` and `available` are minor units as strings. Nothing
 * changed.
 *
 * @example
 * ```ts
 * import { AmountExceeded } from "@paykit/payments"
 * new AmountExceeded({ operation: "refund", field: "amount", requested: "1200", available: "1000", currency: "EUR" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class AmountExceeded extends Schema.TaggedError<AmountExceeded>()("AmountExceeded", {
  operation: Schema.String,
  field: Schema.String,
  requested: Schema.String,
  available: Schema.String,
  currency: Schema.String
}) {
  override get message(): string {
    return `${this.operation}: ${this.field} ${this.requested} exceeds the ${this.available} ${this.currency} available; nothing was changed`
  }
}

/**
 * A limit of the payment is reached: the number of authorisation increments, of captures or of
 * refunds. Nothing changed.
 *
 * @example
 * ```ts
 * import { LimitReached } from "@paykit/payments"
 * new LimitReached({ operation: "increment", limit: 10, what: "authorisation increments" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class LimitReached extends Schema.TaggedError<LimitReached>()("LimitReached", {
  operation: Schema.String,
  what: Schema.String,
  limit: Schema.Number
}) {
  override get message(): string {
    return `${this.operation}: at most ${this.limit} ${this.what} per payment; nothing was changed`
  }
}

/**
 * No refund with this id on the payment. Nothing changed.
 *
 * @example
 * ```ts
 * import { RefundNotFound } from "@paykit/payments"
 * new RefundNotFound({ paymentId: "pay_1", refundId: "pay_1:refund:9" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class RefundNotFound extends Schema.TaggedError<RefundNotFound>()("RefundNotFound", {
  paymentId: Schema.String,
  refundId: Schema.String
}) {
  override get message(): string {
    return `payment ${this.paymentId} has no refund ${this.refundId}`
  }
}

/**
 * No payment with this id. Nothing changed.
 *
 * @example
 * ```ts
 * import { PaymentNotFound } from "@paykit/payments"
 * new PaymentNotFound({ paymentId: "pay_9" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class PaymentNotFound extends Schema.TaggedError<PaymentNotFound>()("PaymentNotFound", {
  paymentId: Schema.String
}) {
  override get message(): string {
    return `no payment ${this.paymentId}; check the id, or create the payment first`
  }
}

/**
 * An idempotency key used again with other parameters (Stripe's semantics): `field` names the
 * first parameter that differs. Nothing changed; use a new key for a new request.
 *
 * @example
 * ```ts
 * import { IdempotencyKeyReused } from "@paykit/payments"
 * new IdempotencyKeyReused({ key: "k_1", operation: "capture", field: "amount" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class IdempotencyKeyReused extends Schema.TaggedError<IdempotencyKeyReused>()("IdempotencyKeyReused", {
  key: Schema.String,
  operation: Schema.String,
  field: Schema.String
}) {
  override get message(): string {
    return `idempotency key ${this.key} was first used for a request whose ${this.field} differs from this ${this.operation}; nothing was changed: use a new key for a new request`
  }
}

/**
 * The provider refused a step (a capture that failed, a void or an increment it declined), with
 * the decline code and its recommended action. The payment is as it was; a failed capture can
 * be sent again (the same capture id: a re-capture).
 *
 * @example
 * ```ts
 * import { ProviderRefused } from "@paykit/payments"
 * new ProviderRefused({ paymentId: "pay_1", operation: "capture", code: "processing_error", action: "retry_later" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class ProviderRefused extends Schema.TaggedError<ProviderRefused>()("ProviderRefused", {
  paymentId: Schema.String,
  operation: Schema.String,
  code: Schema.String,
  action: Schema.String
}) {
  override get message(): string {
    return `${this.operation} of payment ${this.paymentId} was refused by the provider (${this.code}); recommended: ${this.action}`
  }
}

/**
 * The ledger refused the step's entry (an account missing or closed, a wallet without the funds,
 * a merchant's pending balance below a refund): the payment is as it was.
 *
 * @example
 * ```ts
 * import { LedgerRefused } from "@paykit/payments"
 * new LedgerRefused({ paymentId: "pay_1", operation: "capture", reason: "ExceedsCredits" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class LedgerRefused extends Schema.TaggedError<LedgerRefused>()("LedgerRefused", {
  paymentId: Schema.String,
  operation: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `the ledger refused the ${this.operation} of payment ${this.paymentId}: ${this.reason}; nothing was changed`
  }
}
