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
