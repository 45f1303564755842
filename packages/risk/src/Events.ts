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
export const TYPES = {
  alert: "risk.alert.raised",
  freeze: "risk.freeze.recommended",
  listValuesAdded: "risk.list.values_added",
  listValuesRemoved: "risk.list.values_removed",
  ruleSnoozed: "risk.rule.snoozed"
} as const

/**
 * Who changes a list or a snooze at run time, as the audit events name them: platform staff
 * (`operator`, such as a fraud analyst, by login id), a member of a merchant's team (`member`, by
 * login id), or an automated process (`service`, by name, such as a chargeback consumer that
 * blocks a card). Ids are 1–100 characters. The caller names the actor from its own
 * authentication, never from the request body; `Risk.addToList`, `Risk.removeFromList` and
 * `Risk.snooze` take it as their first argument and decode it like any other input.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/risk"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Events.Actor)({ kind: "operator", id: "analyst-7" })
 * ```
 * @category models
 * @since 0.4.0
 */
export const Actor = Schema.Struct({
  kind: Schema.Literals(["operator", "member", "service"]),
  id: Schema.String.check(Schema.isNonEmpty(), Schema.isMaxLength(100))
})

/**
 * A decoded actor.
 *
 * @category models
 * @since 0.4.0
 */
export type Actor = typeof Actor.Type

/**
 * The data of a `risk.list.values_added` or `risk.list.values_removed` event: the list, exactly
 * the values that change added to it or removed from it (values it already held, or did not hold,
 * are not listed), and who made the change. It never carries the list's other entries (other
 * customers' e-mails, IPs, cards) nor its size.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/risk"
 * import { Schema } from "effect"
 * declare const data: unknown
 * const change = Schema.decodeUnknownSync(Events.ListValuesChanged)(data)
 * ```
 * @category models
 * @since 0.4.0
 */
export const ListValuesChanged = Schema.Struct({
  list: Schema.String,
  values: Schema.Array(Schema.String).check(Schema.isMinLength(1)),
  actor: Actor
})

/**
 * The data of a `risk.rule.snoozed` event: the rule, the pivot value it is snoozed for, until
 * when (epoch milliseconds, exclusive) and who snoozed it.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/risk"
 * import { Schema } from "effect"
 * declare const data: unknown
 * const snooze = Schema.decodeUnknownSync(Events.RuleSnoozed)(data)
 * ```
 * @category models
 * @since 0.4.0
 */
export const RuleSnoozed = Schema.Struct({
  ruleId: Schema.String,
  value: Schema.String,
  until: Schema.Number,
  actor: Actor
})

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
 * The `risk.list.values_added` or `risk.list.values_removed` envelope of one run-time list change
 * (subject: the list's name, so changes of one list are delivered in order).
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/risk"
 * const e = Events.listChanged("added", "01J0000000000000000000000A", 0, "blocked_emails", ["fraud@example.com"], {
 *   kind: "operator",
 *   id: "analyst-7"
 * })
 * ```
 * @category constructors
 * @since 0.4.0
 */
export const listChanged = (
  change: "added" | "removed",
  eventId: string,
  at: number,
  list: string,
  values: ReadonlyArray<string>,
  actor: Actor
): DomainEvent.DomainEvent =>
  DomainEvent.make({
    id: eventId,
    type: change === "added" ? TYPES.listValuesAdded : TYPES.listValuesRemoved,
    at,
    subject: list,
    data: {
      list,
      values: [...values],
      actor: { kind: actor.kind, id: actor.id }
    } satisfies typeof ListValuesChanged.Encoded
  })

/**
 * The `risk.rule.snoozed` envelope of one run-time snooze (subject: the rule's id).
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/risk"
 * const e = Events.snoozed("01J0000000000000000000000B", 0, { ruleId: "large_payment", value: "cus_42", until: 60_000 }, {
 *   kind: "operator",
 *   id: "analyst-7"
 * })
 * ```
 * @category constructors
 * @since 0.4.0
 */
export const snoozed = (
  eventId: string,
  at: number,
  snooze: { readonly ruleId: string; readonly value: string; readonly until: number },
  actor: Actor
): DomainEvent.DomainEvent =>
  DomainEvent.make({
    id: eventId,
    type: TYPES.ruleSnoozed,
    at,
    subject: snooze.ruleId,
    data: {
      ruleId: snooze.ruleId,
      value: snooze.value,
      until: snooze.until,
      actor: { kind: actor.kind, id: actor.id }
    } satisfies typeof RuleSnoozed.Encoded
  })

/**
 * Every event this package emits, as one Schema: the envelope whose `type` selects the data's
 * schema (`risk.alert.raised` → {@link AlertRaised}, `risk.freeze.recommended` →
 * {@link FreezeRecommended}, `risk.list.values_added` and `risk.list.values_removed` →
 * {@link ListValuesChanged}, `risk.rule.snoozed` → {@link RuleSnoozed}). The subject of an alert or a freeze is the customer id, or the payment id
 * when the payment names no customer; of a list change the list's name; of a snooze the rule's
 * id. Decoding refuses an unknown type and wrong data, naming the field.
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
  DomainEvent.typed(TYPES.freeze, FreezeRecommended),
  DomainEvent.typed(TYPES.listValuesAdded, ListValuesChanged),
  DomainEvent.typed(TYPES.listValuesRemoved, ListValuesChanged),
  DomainEvent.typed(TYPES.ruleSnoozed, RuleSnoozed)
])

/**
 * A decoded event of this package.
 *
 * @category models
 * @since 0.1.0
 */
export type Event = typeof Event.Type
