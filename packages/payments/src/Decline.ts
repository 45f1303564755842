import { Schema } from "effect"

/**
 * What to do after a decline, the same for every provider: never retry the same card
 * (`do_not_retry`: lost, stolen, fraud, a closed account; the card schemes fine retries of these),
 * retry the same card later (`retry_later`: the issuer or the network was unavailable, a limit
 * resets), ask the customer for another payment method (`try_another_method`), or ask them to
 * authenticate (`authenticate`: 3-D Secure / SCA).
 *
 * @example
 * ```ts
 * import { Decline } from "@paykit/payments"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Decline.Action)("retry_later")
 * ```
 * @category models
 * @since 0.1.0
 */
export const Action = Schema.Literals(["do_not_retry", "retry_later", "try_another_method", "authenticate"])

/**
 * A recommended action.
 *
 * @example
 * ```ts
 * import type { Decline } from "@paykit/payments"
 * const a: Decline.Action = "try_another_method"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Action = typeof Action.Type

/**
 * The provider-neutral decline codes (after Stripe's decline codes and Hyperswitch's unified
 * codes): a provider adapter maps its own answers onto them.
 *
 * @example
 * ```ts
 * import { Decline } from "@paykit/payments"
 * Decline.Code.literals.includes("insufficient_funds") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const Code = Schema.Literals([
  "insufficient_funds",
  "generic_decline",
  "do_not_honor",
  "expired_card",
  "incorrect_cvc",
  "incorrect_number",
  "incorrect_expiry",
  "lost_card",
  "stolen_card",
  "pickup_card",
  "fraudulent",
  "restricted_card",
  "card_not_supported",
  "currency_not_supported",
  "transaction_not_allowed",
  "invalid_account",
  "card_velocity_exceeded",
  "withdrawal_count_limit_exceeded",
  "authentication_required",
  "issuer_unavailable",
  "processing_error",
  "try_again_later",
  "blocked_by_risk"
])

/**
 * A decline code.
 *
 * @example
 * ```ts
 * import type { Decline } from "@paykit/payments"
 * const c: Decline.Code = "expired_card"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Code = typeof Code.Type

/**
 * One entry of the vocabulary: the recommended action, whether the decline is hard (the card
 * must never be retried for this payment), and a message a customer can act on (no internal
 * detail: "lost" and "stolen" read as a generic decline, as card schemes require).
 *
 * @example
 * ```ts
 * import type { Decline } from "@paykit/payments"
 * const hard = (e: Decline.Entry) => e.hard
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Entry {
  readonly action: Action
  readonly hard: boolean
  readonly customerMessage: string
}

const GENERIC = "Your card was declined. Please use another payment method or contact your bank."

/**
 * The vocabulary: every code's recommended action, hard flag and customer message.
 *
 * @example
 * ```ts
 * import { Decline } from "@paykit/payments"
 * Decline.VOCABULARY.stolen_card.action // "do_not_retry"
 * ```
 * @category models
 * @since 0.1.0
 */
export const VOCABULARY: { readonly [C in Code]: Entry } = {
  insufficient_funds: {
    action: "try_another_method",
    hard: false,
    customerMessage: "Your card has insufficient funds. Please use another payment method."
  },
  generic_decline: { action: "try_another_method", hard: false, customerMessage: GENERIC },
  do_not_honor: { action: "try_another_method", hard: false, customerMessage: GENERIC },
  expired_card: {
    action: "try_another_method",
    hard: true,
    customerMessage: "Your card has expired. Please use another card."
  },
  incorrect_cvc: {
    action: "try_another_method",
    hard: false,
    customerMessage: "The security code is incorrect. Please check it and try again."
  },
  incorrect_number: {
    action: "try_another_method",
    hard: true,
    customerMessage: "The card number is incorrect. Please check it and try again."
  },
  incorrect_expiry: {
    action: "try_another_method",
    hard: false,
    customerMessage: "The expiry date is incorrect. Please check it and try again."
  },
  lost_card: { action: "do_not_retry", hard: true, customerMessage: GENERIC },
  stolen_card: { action: "do_not_retry", hard: true, customerMessage: GENERIC },
  pickup_card: { action: "do_not_retry", hard: true, customerMessage: GENERIC },
  fraudulent: { action: "do_not_retry", hard: true, customerMessage: GENERIC },
  restricted_card: { action: "do_not_retry", hard: true, customerMessage: GENERIC },
  card_not_supported: {
    action: "try_another_method",
    hard: true,
    customerMessage: "This card does not support this kind of purchase. Please use another card."
  },
  currency_not_supported: {
    action: "try_another_method",
    hard: true,
    customerMessage: "This card does not support this currency. Please use another card."
  },
  transaction_not_allowed: { action: "try_another_method", hard: true, customerMessage: GENERIC },
  invalid_account: { action: "do_not_retry", hard: true, customerMessage: GENERIC },
  card_velocity_exceeded: {
    action: "retry_later",
    hard: false,
    customerMessage: "You have exceeded your card's limit. Please try again later or use another card."
  },
  withdrawal_count_limit_exceeded: {
    action: "retry_later",
    hard: false,
    customerMessage: "You have exceeded your card's limit. Please try again later or use another card."
  },
  authentication_required: {
    action: "authenticate",
    hard: false,
    customerMessage: "Your bank asks you to confirm this payment."
  },
  issuer_unavailable: {
    action: "retry_later",
    hard: false,
    customerMessage: "Your bank could not be reached. Please try again in a few minutes."
  },
  processing_error: {
    action: "retry_later",
    hard: false,
    customerMessage: "The payment could not be processed. Please try again in a few minutes."
  },
  try_again_later: {
    action: "retry_later",
    hard: false,
    customerMessage: "The payment could not be processed. Please try again in a few minutes."
  },
  blocked_by_risk: { action: "do_not_retry", hard: true, customerMessage: GENERIC }
}

/**
 * A decline as the payment records it: its code and the recommended action.
 *
 * @example
 * ```ts
 * import { Decline } from "@paykit/payments"
 * Decline.of("issuer_unavailable") // { code: "issuer_unavailable", action: "retry_later", hard: false }
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const of = (code: Code): { readonly code: Code; readonly action: Action; readonly hard: boolean } => ({
  code,
  action: VOCABULARY[code].action,
  hard: VOCABULARY[code].hard
})
