/**
 * @paykit/payments: the payment lifecycle's pure core — payments with automatic, manual and
 * multiple capture, refunds, the status machine as data, the amounts every step keeps, and a
 * provider-neutral decline vocabulary with recommended actions.
 *
 * @since 0.1.0
 */
export * as Decline from "./Decline.ts"
export * from "./errors.ts"
export * as Payment from "./Payment.ts"
export * as Refund from "./Refund.ts"
export * as Status from "./Status.ts"
export * as Steps from "./Steps.ts"
export * as Books from "./Books.ts"
export * as PaymentProvider from "./PaymentProvider.ts"
export * as RiskCheck from "./RiskCheck.ts"
export * as FxConversion from "./FxConversion.ts"
export * as Payments from "./Payments.ts"
export * as PaymentStore from "./PaymentStore.ts"
export * as PaymentCodec from "./PaymentCodec.ts"
export * as Tracking from "./Tracking.ts"
export * as ReasonCodes from "./ReasonCodes.ts"
