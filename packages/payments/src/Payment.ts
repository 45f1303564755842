import { Money } from "@paykit/core/schema"
import { Schema } from "effect"
import type * as Decline from "./Decline.ts"
import type * as Refund from "./Refund.ts"
import type * as Status from "./Status.ts"

/**
 * How a payment is captured: at authorisation (`automatic`), once later by the merchant
 * (`manual`: capturing less releases the rest), or several times (`manual_multiple`: until a
 * capture marked final, or `release_remaining`).
 *
 * @example
 * ```ts
 * import { Payment } from "@paykit/payments"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Payment.CaptureMethod)("manual_multiple")
 * ```
 * @category models
 * @since 0.1.0
 */
export const CaptureMethod = Schema.Literals(["automatic", "manual", "manual_multiple"])

/**
 * A capture method.
 *
 * @example
 * ```ts
 * import type { Payment } from "@paykit/payments"
 * const m: Payment.CaptureMethod = "manual"
 * ```
 * @category models
 * @since 0.1.0
 */
export type CaptureMethod = typeof CaptureMethod.Type

/**
 * Why a payment was canceled (Stripe's `cancellation_reason`): by the merchant or an operator
 * (`requested_by_customer`, `duplicate`, `fraudulent`, `abandoned`), or by the platform when the
 * authorisation window ran out (`expired`).
 *
 * @example
 * ```ts
 * import { Payment } from "@paykit/payments"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Payment.CancellationReason)("duplicate")
 * ```
 * @category models
 * @since 0.1.0
 */
export const CancellationReason = Schema.Literals([
  "requested_by_customer",
  "duplicate",
  "fraudulent",
  "abandoned",
  "expired",
  "reversed"
])

/**
 * A cancellation reason.
 *
 * @example
 * ```ts
 * import type { Payment } from "@paykit/payments"
 * const r: Payment.CancellationReason = "abandoned"
 * ```
 * @category models
 * @since 0.1.0
 */
export type CancellationReason = typeof CancellationReason.Type

/** An id: 1 to 100 letters, digits and `_.:-`, starting with a letter or digit. */
const Id = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/, {
    message: "expected 1 to 100 letters, digits, '_', '.', ':' or '-', starting with a letter or digit"
  })
)

/** Text every store keeps alike: no NUL character, no lone surrogate (PostgreSQL refuses both). */
const Storable = Schema.makeFilter(
  (s: string) =>
    (!s.includes(String.fromCharCode(0)) &&
      !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s)) ||
    "expected text without a NUL character or a lone surrogate",
  { title: "Storable" }
)

/** A positive amount with its currency: `{ amount: "1999", currency: "EUR" }`. */
const PositiveMoney = Money.Json.check(
  Schema.makeFilter((m: Money.Money) => m.amount > 0n || "expected an amount greater than zero", {
    title: "PositiveMoney"
  })
)

/** Positive minor units as a digit string. */
const PositiveMinor = Money.MinorUnits.check(
  Schema.makeFilter((n: bigint) => n > 0n || "expected an amount greater than zero", { title: "Positive" })
)

/**
 * The input that creates a payment: its id (the caller's, so a retried create replays), the
 * merchant, optionally the customer and a payment method reference (a token, never card data),
 * the amount, the capture method and up to 20 metadata entries.
 *
 * @example
 * ```ts
 * import type { Payment } from "@paykit/payments"
 * const input: typeof Payment.CreateInput.Encoded = {
 *   id: "pay_1", merchant: "acct_1", amount: { amount: "1999", currency: "EUR" }, captureMethod: "manual"
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export const CreateInput = Schema.Struct({
  id: Id,
  merchant: Id,
  customer: Schema.optionalKey(Id),
  paymentMethod: Schema.optionalKey(Id),
  amount: PositiveMoney,
  captureMethod: CaptureMethod,
  settlementCurrency: Schema.optionalKey(
    Schema.String.check(Schema.isPattern(/^[A-Z]{3}$/, { message: "expected an ISO 4217 code" }))
  ),
  metadata: Schema.optionalKey(
    Schema.Record(
      Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_.-]{1,40}$/)),
      Schema.String.check(Schema.isMaxLength(500), Storable)
    ).check(
      Schema.makeFilter((r: object) => Object.keys(r).length <= 20 || "at most 20 metadata entries", {
        title: "MetadataSize"
      })
    )
  )
})

/**
 * A capture: how much (minor units; omitted, all that is capturable) and whether it is the last
 * one (`final`, for `manual_multiple`; a `manual` payment's capture is always final).
 *
 * @example
 * ```ts
 * import type { Payment } from "@paykit/payments"
 * const partial: typeof Payment.CaptureInput.Encoded = { amount: "500", final: false }
 * ```
 * @category models
 * @since 0.1.0
 */
export const CaptureInput = Schema.Struct({
  amount: Schema.optionalKey(PositiveMinor),
  final: Schema.optionalKey(Schema.Boolean)
})

/**
 * An increase of the authorised amount (minor units), while the payment waits for capture.
 *
 * @example
 * ```ts
 * import type { Payment } from "@paykit/payments"
 * const tip: typeof Payment.IncrementInput.Encoded = { amount: "300" }
 * ```
 * @category models
 * @since 0.1.0
 */
export const IncrementInput = Schema.Struct({ amount: PositiveMinor })

/**
 * A refund: how much (minor units; omitted, all that is refundable) and why.
 *
 * @example
 * ```ts
 * import type { Payment } from "@paykit/payments"
 * const r: typeof Payment.RefundInput.Encoded = { amount: "250", reason: "requested_by_customer" }
 * ```
 * @category models
 * @since 0.1.0
 */
export const RefundInput = Schema.Struct({
  amount: Schema.optionalKey(PositiveMinor),
  reason: Schema.Literals(["requested_by_customer", "duplicate", "fraudulent", "other"])
})

/**
 * A capture made: its id (`<payment id>:capture:<n>`), amount, whether it closed the payment,
 * and when.
 *
 * @example
 * ```ts
 * import type { Payment } from "@paykit/payments"
 * const last = (p: Payment.Payment) => p.captures.at(-1)
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Capture {
  readonly id: string
  readonly amount: Money.Money
  readonly final: boolean
  readonly at: number
  /** The fee lines the capture paid (acquiring books), as posted: a reversal returns them. */
  readonly fees?: ReadonlyArray<CaptureFee>
  /** The conversion into the settlement currency (a cross-border payment): quote, rate, amount. */
  readonly conversion?: Conversion
}

/**
 * A capture's conversion into the merchant's settlement currency: the FX quote it consumed, the
 * exact rate (a decimal string) and the settled amount before fees.
 *
 * @example
 * ```ts
 * import type { Payment } from "@paykit/payments"
 * const settled = (c: Payment.Capture) => c.conversion?.settled ?? c.amount
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Conversion {
  readonly quoteId: string
  readonly rate: string
  readonly settled: Money.Money
}

/**
 * One fee line a capture paid: amount, the ledger account it went to, and its label.
 *
 * @example
 * ```ts
 * import type { Payment } from "@paykit/payments"
 * const total = (c: Payment.Capture) => (c.fees ?? []).reduce((s, f) => s + f.amount.amount, 0n)
 * ```
 * @category models
 * @since 0.1.0
 */
export interface CaptureFee {
  readonly amount: Money.Money
  readonly account: string
  readonly label: string
}

/**
 * The risk check's verdict as the payment keeps it: the outcome, its reason and rules, whether
 * it asked for 3-D Secure, and when.
 *
 * @example
 * ```ts
 * import type { Payment } from "@paykit/payments"
 * const reviewed = (p: Payment.Payment) => p.risk?.outcome === "review"
 * ```
 * @category models
 * @since 0.1.0
 */
export interface RiskAssessment {
  readonly outcome: "allow" | "review" | "block"
  readonly reason?: string
  readonly rules: ReadonlyArray<string>
  readonly threeDS?: boolean
  readonly at: number
}

/**
 * An operator's review of a payment the risk check held: approved (it went on to the provider)
 * or canceled, by whom, with an optional note, and when.
 *
 * @example
 * ```ts
 * import type { Payment } from "@paykit/payments"
 * const who = (p: Payment.Payment) => p.review?.operator
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Review {
  readonly decision: "approved" | "canceled"
  readonly operator: string
  readonly note?: string
  readonly at: number
}

/**
 * An operator's decision on a payment under review (`Payments.approveReview`,
 * `Payments.cancelReview`): who (an operator id from your own authentication) and an optional
 * note for the audit trail.
 *
 * @example
 * ```ts
 * import { Payment } from "@paykit/payments"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Payment.ReviewInput)({ operator: "analyst-7", note: "customer called" })
 * ```
 * @category models
 * @since 0.1.0
 */
export const ReviewInput = Schema.Struct({
  operator: Id,
  note: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(500), Storable))
})

/**
 * A payment: what was asked (amount, capture method, merchant, customer, method), where it
 * stands (status, cancellation reason, the last decline with its recommended action), and its
 * money: authorised (the amount plus increments once authorised), captured (the sum of its
 * captures), refunded (the sum of its succeeded refunds), with its captures and refunds.
 * Capturable and refundable amounts are derived ({@link capturable}, {@link refundable}).
 *
 * @example
 * ```ts
 * import type { Payment } from "@paykit/payments"
 * const settledAmount = (p: Payment.Payment) => p.captured.amount - p.refunded.amount
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Payment {
  readonly id: string
  readonly merchant: string
  readonly customer?: string
  readonly paymentMethod?: string
  readonly amount: Money.Money
  readonly captureMethod: CaptureMethod
  /**
   * The currency the merchant settles in, when it differs from the payment's (a cross-border
   * payment): each capture converts through an FX quote (`FxConversion`).
   */
  readonly settlementCurrency?: string
  readonly status: Status.Status
  readonly authorised: Money.Money
  readonly captured: Money.Money
  readonly refunded: Money.Money
  readonly increments: number
  readonly captures: ReadonlyArray<Capture>
  readonly refunds: ReadonlyArray<Refund.Refund>
  readonly cancellationReason?: CancellationReason
  readonly lastDecline?: ReturnType<typeof Decline.of> & { readonly paymentMethod?: string }
  readonly metadata: Readonly<Record<string, string>>
  /** The provider's reference for the authorisation (its charge or PSP reference). */
  readonly providerReference?: string
  /** When the authorisation lapses (set at authorisation: its time plus the service's window). */
  readonly expiresAt?: number
  /** The ledger hold that reserves what is capturable (wallet books), while there is one. */
  readonly holdId?: string
  /** How many ledger holds the payment has opened (wallet books; the n of `<id>:hold:<n>`). */
  readonly holds?: number
  /** The risk check's verdict at confirmation, when a `RiskCheck` is configured. */
  readonly risk?: RiskAssessment
  /** The operator's decision, when the payment was held for review. */
  readonly review?: Review
  readonly createdAt: number
  readonly updatedAt: number
  readonly version: number
}

/**
 * What can still be captured: the authorised amount less the captures, while the payment waits
 * for capture (`requires_capture`, `partially_captured`); zero otherwise (after the final
 * capture, a release or an expiry the rest of the authorisation is released).
 *
 * @example
 * ```ts
 * import { Payment } from "@paykit/payments"
 * declare const p: Payment.Payment
 * Payment.capturable(p).amount
 * ```
 * @category math
 * @since 0.1.0
 */
export const capturable = (p: Payment): Money.Money =>
  p.status === "requires_capture" || p.status === "partially_captured"
    ? Money.fromMinorUnsafe(p.authorised.amount - p.captured.amount, p.amount.currency)
    : Money.zero(p.amount.currency)

/**
 * The sum of the refunds still open (pending or waiting for an action).
 *
 * @example
 * ```ts
 * import { Payment } from "@paykit/payments"
 * declare const p: Payment.Payment
 * Payment.refunding(p).amount
 * ```
 * @category math
 * @since 0.1.0
 */
export const refunding = (p: Payment): Money.Money =>
  Money.fromMinorUnsafe(
    p.refunds.reduce(
      (s, r) => (r.status === "pending" || r.status === "requires_action" ? s + r.amount.amount : s),
      0n
    ),
    p.amount.currency
  )

/**
 * What can still be refunded: captured less refunded less the refunds still open. (Open disputes
 * will count here too once the disputes package reports them.)
 *
 * @example
 * ```ts
 * import { Payment } from "@paykit/payments"
 * declare const p: Payment.Payment
 * Payment.refundable(p).amount
 * ```
 * @category math
 * @since 0.1.0
 */
export const refundable = (p: Payment): Money.Money =>
  Money.fromMinorUnsafe(p.captured.amount - p.refunded.amount - refunding(p).amount, p.amount.currency)
