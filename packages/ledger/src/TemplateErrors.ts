/** The errors of the posting templates (`Templates`), re-exported there. */
import type { AmountOutOfRange, InvalidInput } from "@paykit/core"
import { Schema } from "effect"

/**
 * A domain id that cannot name a ledger entry once its step is appended (`<paymentId>:capture`
 * must be 1 to 64 letters, digits, `_ . : -`, starting with a letter or digit).
 * @category errors
 * @since 0.2.0
 */
export class InvalidStepId extends Schema.TaggedError<InvalidStepId>()("InvalidStepId", {
  template: Schema.String,
  domainId: Schema.String,
  step: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.template}: ${this.domainId} cannot name the ledger entry "<id>:${this.step}" (${this.reason}); use a domain id of letters, digits and '_ . : -', short enough that "<id>:${this.step}" has at most 64 characters (a ULID fits)`
  }
}

/**
 * An amount of zero or less, or a negative fee. To move money back, use the opposite step (a
 * refund, a release, a correcting entry).
 * @category errors
 * @since 0.2.0
 */
export class AmountNotPositive extends Schema.TaggedError<AmountNotPositive>()("AmountNotPositive", {
  template: Schema.String,
  field: Schema.String,
  amount: Schema.String
}) {
  override get message(): string {
    return `${this.template}: ${this.field} is ${this.amount} minor units; it must be greater than zero (leave a zero fee out; move money back with the opposite step)`
  }
}

/**
 * The fees of a capture add up to more than the amount captured.
 * @category errors
 * @since 0.2.0
 */
export class FeesExceedGross extends Schema.TaggedError<FeesExceedGross>()("FeesExceedGross", {
  template: Schema.String,
  paymentId: Schema.String,
  gross: Schema.String,
  fees: Schema.String
}) {
  override get message(): string {
    return `${this.template}: payment ${this.paymentId}'s fees (${this.fees} minor units) exceed the amount captured (${this.gross}); check the fee schedule, or charge the rest to the merchant in a separate step`
  }
}

/**
 * A capture larger than its authorization.
 * @category errors
 * @since 0.2.0
 */
export class CaptureExceedsAuthorization extends Schema.TaggedError<CaptureExceedsAuthorization>()(
  "CaptureExceedsAuthorization",
  { paymentId: Schema.String, authorized: Schema.String, captured: Schema.String }
) {
  override get message(): string {
    return `captureAuthorization: payment ${this.paymentId} captures ${this.captured} minor units but only ${this.authorized} were authorized; capture at most the authorized amount, or authorize again`
  }
}

/**
 * An amount in one currency meets an account in another. Templates never convert.
 * @category errors
 * @since 0.2.0
 */
export class AccountCurrencyMismatch extends Schema.TaggedError<AccountCurrencyMismatch>()(
  "AccountCurrencyMismatch",
  {
    template: Schema.String,
    field: Schema.String,
    accountId: Schema.String,
    accountCurrency: Schema.String,
    amountCurrency: Schema.String
  }
) {
  override get message(): string {
    return `${this.template}: ${this.field} is account "${this.accountId}" in ${this.accountCurrency} but the amount is in ${this.amountCurrency}; pass the account of the amount's currency, or convert with fxPayment`
  }
}

/**
 * An account that does not fit its role in the step: the wrong kind, another owner's account, or
 * the same account on both sides.
 * @category errors
 * @since 0.2.0
 */
export class WrongAccount extends Schema.TaggedError<WrongAccount>()("WrongAccount", {
  template: Schema.String,
  field: Schema.String,
  accountId: Schema.String,
  expected: Schema.String
}) {
  override get message(): string {
    return `${this.template}: ${this.field} is account "${this.accountId}", but this step needs ${this.expected}; build it with ChartOfAccounts`
  }
}

/**
 * An FX payment that pays and receives the same currency: nothing to convert.
 * @category errors
 * @since 0.2.0
 */
export class SameCurrencyConversion extends Schema.TaggedError<SameCurrencyConversion>()(
  "SameCurrencyConversion",
  { paymentId: Schema.String, currency: Schema.String }
) {
  override get message(): string {
    return `fxPayment: payment ${this.paymentId} pays and receives ${this.currency}; there is nothing to convert (use captureWithFees for a payment in one currency)`
  }
}

/**
 * Every error a template returns. `InvalidInput` is input of the wrong shape (a `number` amount,
 * a missing account, a getter that throws); `AmountOutOfRange` an amount past 2^127 − 1.
 * @category errors
 * @since 0.2.0
 */
export type TemplateError =
  | InvalidStepId
  | AmountNotPositive
  | FeesExceedGross
  | CaptureExceedsAuthorization
  | AccountCurrencyMismatch
  | WrongAccount
  | SameCurrencyConversion
  | AmountOutOfRange
  | InvalidInput
