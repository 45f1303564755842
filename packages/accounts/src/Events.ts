import { DomainEvent } from "@paykit/core"
import type * as Lifecycle from "./Lifecycle.ts"

/**
 * The event types this package emits through the core `Notifier`. Event data carries ids,
 * states, requirement ids and field names, never personal values.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * Events.TYPES.erased // "accounts.subject.erased"
 * ```
 * @category models
 * @since 0.1.0
 */
export const TYPES = {
  registered: "accounts.account.registered",
  profileUpdated: "accounts.profile.updated",
  verificationUpdated: "accounts.verification.updated",
  requirementsUpdated: "accounts.requirements.updated",
  volumeRecorded: "accounts.volume.recorded",
  memberInvited: "accounts.member.invited",
  rolesChanged: "accounts.member.roles_changed",
  memberRemoved: "accounts.member.removed",
  ownershipTransferred: "accounts.owner.transferred",
  apiKeyCreated: "accounts.api_key.created",
  securityUpdated: "accounts.security.updated",
  legalHoldPlaced: "accounts.legal_hold.placed",
  erasureRetained: "accounts.subject.erasure_retained",
  erased: "accounts.subject.erased",
  keysRotated: "accounts.keys.rotated"
} as const

/**
 * The event type of each lifecycle command (`accounts.account.activated`, `…restricted`, …).
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * Events.LIFECYCLE.restrict // "accounts.account.restricted"
 * ```
 * @category models
 * @since 0.1.0
 */
export const LIFECYCLE: { readonly [C in Lifecycle.Command]: string } = {
  activate: "accounts.account.activated",
  restrict: "accounts.account.restricted",
  lift_restriction: "accounts.account.restriction_lifted",
  suspend: "accounts.account.suspended",
  reinstate: "accounts.account.reinstated",
  reject: "accounts.account.rejected",
  withdraw: "accounts.account.withdrawn",
  close: "accounts.account.closed"
}

/**
 * An event envelope.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * Events.make("01J0000000000000000000000E", Events.TYPES.erased, 0, "acc", { subject: "s1" })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  id: string,
  type: string,
  at: number,
  subject: string,
  data: unknown
): DomainEvent.DomainEvent => DomainEvent.make({ id, type, at, subject, data })
