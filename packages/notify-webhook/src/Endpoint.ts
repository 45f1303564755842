import { StateMachine } from "@paykit/core"

/**
 * An endpoint's statuses: `active` (receives deliveries), `deprecated` (still receives them,
 * marked for replacement: its owner is moving to a new URL; its filter and URL no longer change)
 * and `disabled` (receives nothing: by its owner, by an operator, after a 410 Gone, or after
 * failing for longer than the service's `disableAfter`).
 *
 * @example
 * ```ts
 * import { Endpoint } from "@paykit/notify-webhook"
 * Endpoint.statuses.includes("deprecated") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const statuses = ["active", "deprecated", "disabled"] as const

/**
 * One of {@link statuses}.
 *
 * @category models
 * @since 0.1.0
 */
export type Status = (typeof statuses)[number]

/**
 * Why an endpoint was disabled.
 *
 * @category models
 * @since 0.1.0
 */
export type DisabledReason = "by_owner" | "gone" | "failing"

/**
 * The endpoint state machine (a `@paykit/core` `StateMachine`).
 *
 * ```mermaid
 * stateDiagram-v2
 *   [*] --> active
 *   active --> deprecated: deprecate
 *   active --> disabled: disable
 *   deprecated --> disabled: disable
 *   deprecated --> active: enable
 *   disabled --> active: enable
 * ```
 *
 * @example
 * ```ts
 * import { Endpoint } from "@paykit/notify-webhook"
 * Endpoint.machine.canTransition("disabled", "enable") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const machine = StateMachine.makeUnsafe({
  name: "webhook endpoint",
  states: statuses,
  commands: ["deprecate", "disable", "enable"],
  initial: ["active"],
  final: [],
  rows: [
    { command: "deprecate", from: ["active"], to: "deprecated" },
    { command: "disable", from: ["active", "deprecated"], to: "disabled" },
    { command: "enable", from: ["deprecated", "disabled"], to: "active" }
  ]
})

/**
 * A signing key of an endpoint: a symmetric `whsec_` secret (signs `v1`) or an asymmetric
 * `whsk_` key (signs `v1a`; its `whpk_` public key is what the receiver verifies with). The
 * secret is kept sealed (AES-256-GCM, see `SecretBox`); `expiresAt` is set when the key was
 * rotated out: it keeps signing beside its successor until then, so receivers can switch.
 *
 * @category models
 * @since 0.1.0
 */
export interface SigningKey {
  readonly id: string
  readonly kind: "symmetric" | "asymmetric"
  /** The secret, sealed by the `SecretBox` (never stored in the clear). */
  readonly sealed: string
  /** For an asymmetric key: the `whpk_` public key. */
  readonly publicKey?: string
  readonly createdAt: number
  readonly expiresAt?: number
}

/**
 * What an endpoint receives: `thin` (the default: the event's type, ids and a link to fetch the
 * object) or `full` (the event's data).
 *
 * @category models
 * @since 0.1.0
 */
export type PayloadStyle = "thin" | "full"

/**
 * A webhook endpoint: where one owner (a merchant id, or `"platform"` for the platform's own
 * endpoints, which receive every owner's events) wants events of the types its filter names.
 * `eventTypes` lists exact types or `"<prefix>.*"` patterns; `["*"]` is every type.
 * `rateLimit` caps deliveries per second per delivering process. `failingSince` is the time of
 * the first failed attempt since its last success.
 *
 * @category models
 * @since 0.1.0
 */
export interface Endpoint {
  readonly id: string
  readonly owner: string
  readonly url: string
  readonly description?: string
  readonly eventTypes: ReadonlyArray<string>
  readonly payload: PayloadStyle
  readonly keys: ReadonlyArray<SigningKey>
  readonly status: Status
  readonly disabledReason?: DisabledReason
  readonly rateLimit?: number
  readonly failingSince?: number
  readonly metadata: Readonly<Record<string, string>>
  readonly createdAt: number
  readonly updatedAt: number
  readonly version: number
}

/** The owner whose endpoints receive every owner's events. */
export const platform = "platform"

/**
 * True when a filter entry (an exact type, `"<prefix>.*"` or `"*"`) matches an event type.
 * `"*"` is every type but the webhook service's own (`webhooks.*`), which an endpoint receives
 * only when it names them.
 *
 * @example
 * ```ts
 * import { Endpoint } from "@paykit/notify-webhook"
 * Endpoint.filterMatches("payments.refund.*", "payments.refund.succeeded") // true
 * ```
 * @category guards
 * @since 0.1.0
 */
export const filterMatches = (filter: string, eventType: string): boolean =>
  (filter === "*" && !eventType.startsWith("webhooks.")) ||
  filter === eventType ||
  (filter.endsWith(".*") && eventType.startsWith(filter.slice(0, -1)))

/**
 * True when the endpoint should receive an event of this type owned by `owner` (undefined when
 * the event has no owner: only platform endpoints receive it). Disabled endpoints receive nothing.
 *
 * @example
 * ```ts
 * import { Endpoint } from "@paykit/notify-webhook"
 * const subscribed = (e: Endpoint.Endpoint) => Endpoint.receives(e, "payments.payment.succeeded", "m_1")
 * ```
 * @category guards
 * @since 0.1.0
 */
export const receives = (endpoint: Endpoint, eventType: string, owner: string | undefined): boolean =>
  endpoint.status !== "disabled" &&
  (endpoint.owner === platform || endpoint.owner === owner) &&
  endpoint.eventTypes.some((f) => filterMatches(f, eventType))

/**
 * The keys that sign at `now`: those not rotated out, or rotated out but not yet expired.
 *
 * @category guards
 * @since 0.1.0
 */
export const signingKeys = (endpoint: Endpoint, now: number): ReadonlyArray<SigningKey> =>
  endpoint.keys.filter((k) => k.expiresAt === undefined || k.expiresAt > now)
