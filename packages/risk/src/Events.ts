import { DomainEvent } from "@paykit/core"
import { Schema } from "effect"
import type { Decision, Hit } from "./Decision.ts"

/**
 * The data of a `risk.alert.raised` event: a rule with `alert` hit a payment.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/risk"
 * import { Schema } from "effect"
 * declare const data: unknown
 * const alert = Schema.decodeUnknownSync(Events.AlertRaised)(data)
 * ```
 * @category models
 * @since 0.1.0
 */
export const AlertRaised = Schema.Struct({
  paymentId: Schema.String,
  customerId: Schema.NullOr(Schema.String),
  ruleId: Schema.String,
  reason: Schema.String,
  outcome: Schema.Literals(["approve", "challenge", "review", "block"]),
  score: Schema.Number
})

/**
 * The data of a `risk.freeze.recommended` event: rules with `freeze` hit; the customer's account
 * should be frozen (the account owner decides; `@paykit/accounts` applies it).
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/risk"
 * import { Schema } from "effect"
 * declare const data: unknown
 * const freeze = Schema.decodeUnknownSync(Events.FreezeRecommended)(data)
 * ```
 * @category models
 * @since 0.1.0
 */
export const FreezeRecommended = Schema.Struct({
  paymentId: Schema.String,
  customerId: Schema.NullOr(Schema.String),
  ruleIds: Schema.Array(Schema.String),
  reasons: Schema.Array(Schema.String)
})

/**
 * The event types this package emits through the core `Notifier`.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/risk"
 * Events.TYPES.alert // "risk.alert.raised"
 * ```
 * @category models
 * @since 0.1.0
 */
export const TYPES = { alert: "risk.alert.raised", freeze: "risk.freeze.recommended" } as const

/**
 * The `risk.alert.raised` envelope for one alerting hit (subject: the customer, else the payment).
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/risk"
 * declare const decision: import("@paykit/risk").Decision.Decision
 * const e = Events.alert("01J0000000000000000000000E", 0, "pay_1", "cus_1", decision, decision.alerts[0]!)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const alert = (
  eventId: string,
  at: number,
  paymentId: string,
  customerId: string | undefined,
  decision: Decision,
  hit: Hit
): DomainEvent.DomainEvent =>
  DomainEvent.make({
    id: eventId,
    type: TYPES.alert,
    at,
    subject: customerId ?? paymentId,
    data: {
      paymentId,
      customerId: customerId ?? null,
      ruleId: hit.ruleId,
      reason: hit.reason,
      outcome: decision.outcome,
      score: decision.score
    } satisfies typeof AlertRaised.Encoded
  })

/**
 * The `risk.freeze.recommended` envelope (subject: the customer, else the payment).
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/risk"
 * declare const decision: import("@paykit/risk").Decision.Decision
 * const e = Events.freeze("01J0000000000000000000000F", 0, "pay_1", "cus_1", decision)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const freeze = (
  eventId: string,
  at: number,
  paymentId: string,
  customerId: string | undefined,
  decision: Decision
): DomainEvent.DomainEvent => {
  const hits = decision.hits.filter((h) => h.freeze)
  return DomainEvent.make({
    id: eventId,
    type: TYPES.freeze,
    at,
    subject: customerId ?? paymentId,
    data: {
      paymentId,
      customerId: customerId ?? null,
      ruleIds: hits.map((h) => h.ruleId),
      reasons: hits.map((h) => h.reason)
    } satisfies typeof FreezeRecommended.Encoded
  })
}

/**
 * Every event this package emits, as one Schema: the envelope whose `type` selects the data's
 * schema (`risk.alert.raised` → {@link AlertRaised}, `risk.freeze.recommended` →
 * {@link FreezeRecommended}). The subject is the customer id, or the payment id when the payment
 * names no customer. Decoding refuses an unknown type and wrong data, naming the field.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/risk"
 * import { Schema } from "effect"
 * declare const received: unknown
 * const event = Schema.decodeUnknownSync(Events.Event)(received)
 * if (event.type === "risk.alert.raised") console.log(event.data.ruleId)
 * ```
 * @category models
 * @since 0.1.0
 */
export const Event = Schema.Union([
  DomainEvent.typed(TYPES.alert, AlertRaised),
  DomainEvent.typed(TYPES.freeze, FreezeRecommended)
])

/**
 * A decoded event of this package.
 *
 * @category models
 * @since 0.1.0
 */
export type Event = typeof Event.Type
