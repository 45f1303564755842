import { DomainEvent, Input, type InvalidInput } from "@paykit/core"
import { type Result, Schema } from "effect"
import * as Lifecycle from "./Lifecycle.ts"
import * as Permissions from "./Permissions.ts"
import * as Registration from "./Registration.ts"
import * as Verification from "./Verification.ts"

/**
 * The event types this package emits. Each travels with the change that causes it (see
 * `AccountStore.Transaction.events`). Event data carries ids, states, requirement ids and field
 * names, never personal values.
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
  apiKeyRevoked: "accounts.api_key.revoked",
  apiKeyRolled: "accounts.api_key.rolled",
  securityUpdated: "accounts.security.updated",
  legalHoldPlaced: "accounts.legal_hold.placed",
  erasureRetained: "accounts.subject.erasure_retained",
  erased: "accounts.subject.erased",
  keysRotated: "accounts.keys.rotated",
  keyVersionRetired: "accounts.keys.version_retired",
  personAdded: "accounts.person.added",
  personRemoved: "accounts.person.removed",
  ownershipChanged: "accounts.person.ownership_changed",
  ownersAttested: "accounts.owners.attested",
  capabilitiesRequested: "accounts.capabilities.requested"
} as const

const LIFECYCLE_TYPES = {
  activate: "accounts.account.activated",
  restrict: "accounts.account.restricted",
  lift_restriction: "accounts.account.restriction_lifted",
  suspend: "accounts.account.suspended",
  reinstate: "accounts.account.reinstated",
  reject: "accounts.account.rejected",
  withdraw: "accounts.account.withdrawn",
  close: "accounts.account.closed"
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
export const LIFECYCLE: { readonly [C in Lifecycle.Command]: string } = LIFECYCLE_TYPES

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

// ---- the data of each event type ----

const Id = Schema.String
const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const Millis = Schema.Int
const Names = Schema.Array(Schema.String)

/**
 * The data of `accounts.account.registered`: the new account's id, type, country and requested
 * capabilities.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Events.Registered)({ accountId: "a1", type: "individual", country: "DE", capabilities: ["payouts"] })
 * ```
 * @category models
 * @since 0.1.0
 */
export const Registered = Schema.Struct({
  accountId: Id,
  type: Schema.Literals(["individual", "business"]),
  country: Schema.String,
  capabilities: Schema.Array(Registration.Capability)
})

/**
 * The data of every lifecycle event (`accounts.account.activated`, `.restricted`, … see
 * {@link LIFECYCLE}): the move, the new state's stable code and who made it; a rejection also
 * carries its `reason` (`Lifecycle.RejectionReason`).
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Events.StatusChanged)({ accountId: "a1", from: "pending", to: "active", code: 300, by: "system" })
 * ```
 * @category models
 * @since 0.1.0
 */
export const StatusChanged = Schema.Struct({
  accountId: Id,
  from: Lifecycle.Status,
  to: Lifecycle.Status,
  code: Schema.Int,
  by: Schema.Literals(["system", "operator", "owner"]),
  /** On `accounts.account.rejected`: why the operator rejected the account (since 0.5.0). */
  reason: Schema.optionalKey(Lifecycle.RejectionReason)
})

/**
 * The data of `accounts.requirements.updated`: the account's Stripe-style requirement sets
 * (requirement ids, error codes and reasons, the current deadline in epoch milliseconds).
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const pastDue = (d: typeof Events.RequirementsUpdated.Type) => d.pastDue
 * ```
 * @category models
 * @since 0.1.0
 */
export const RequirementsUpdated = Schema.Struct({
  accountId: Id,
  eventuallyDue: Names,
  currentlyDue: Names,
  pastDue: Names,
  pendingVerification: Names,
  errors: Schema.Array(
    Schema.Struct({ requirement: Schema.String, code: Schema.String, reason: Schema.String })
  ),
  currentDeadline: Schema.NullOr(Millis),
  disabledReason: Schema.NullOr(Schema.String)
})

/**
 * The data of `accounts.profile.updated`: whose data changed (`subject`: the account or one of
 * its persons), the names of the changed fields and the new profile version — never the values.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const fields = (d: typeof Events.ProfileUpdated.Type) => d.fields
 * ```
 * @category models
 * @since 0.1.0
 */
export const ProfileUpdated = Schema.Struct({
  accountId: Id,
  subject: Id,
  fields: Names,
  profileVersion: Schema.Int
})

/**
 * The data of `accounts.verification.updated`: a verification case's new state, with its errors
 * when a provider or reviewer answered.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const status = (d: typeof Events.VerificationUpdated.Type) => d.status
 * ```
 * @category models
 * @since 0.1.0
 */
export const VerificationUpdated = Schema.Struct({
  accountId: Id,
  caseId: Id,
  kind: Schema.Literals(["identity", "document", "company"]),
  status: Verification.Status,
  errors: Schema.optionalKey(Schema.Array(Schema.Struct({ code: Schema.String, reason: Schema.String })))
})

/**
 * The data of `accounts.volume.recorded`: the account's processed volume (minor units as a
 * string, and the currency code) and the requirement ids whose threshold it just crossed.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const amount = (d: typeof Events.VolumeRecorded.Type) => BigInt(d.volume.amount)
 * ```
 * @category models
 * @since 0.1.0
 */
export const VolumeRecorded = Schema.Struct({
  accountId: Id,
  volume: Schema.Struct({
    amount: Schema.String.check(Schema.isPattern(/^-?\d+$/, { message: "expected minor units as digits" })),
    currency: Schema.String
  }),
  thresholdsCrossed: Names
})

/**
 * The data of `accounts.member.invited`: the member's id, their roles and who invited them.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const roles = (d: typeof Events.MemberInvited.Type) => d.roles
 * ```
 * @category models
 * @since 0.1.0
 */
export const MemberInvited = Schema.Struct({
  accountId: Id,
  member: Id,
  roles: Schema.Array(Permissions.Role),
  by: Id
})

/**
 * The data of `accounts.member.roles_changed`: the member's roles before and after, and who
 * changed them.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const added = (d: typeof Events.RolesChanged.Type) => d.to.filter((r) => !d.from.includes(r))
 * ```
 * @category models
 * @since 0.1.0
 */
export const RolesChanged = Schema.Struct({
  accountId: Id,
  member: Id,
  from: Schema.Array(Permissions.Role),
  to: Schema.Array(Permissions.Role),
  by: Id
})

/**
 * The data of `accounts.member.removed`: the member's id and who removed them.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const who = (d: typeof Events.MemberRemoved.Type) => d.member
 * ```
 * @category models
 * @since 0.1.0
 */
export const MemberRemoved = Schema.Struct({ accountId: Id, member: Id, by: Id })

/**
 * The data of `accounts.owner.transferred`: the previous and the new owner's member ids.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const owner = (d: typeof Events.OwnershipTransferred.Type) => d.to
 * ```
 * @category models
 * @since 0.1.0
 */
export const OwnershipTransferred = Schema.Struct({ accountId: Id, from: Id, to: Id })

/**
 * The data of `accounts.api_key.created`: the key's id, its per-resource access and its creator
 * (never the key's secret).
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const key = (d: typeof Events.ApiKeyCreated.Type) => d.keyId
 * ```
 * @category models
 * @since 0.1.0
 */
export const ApiKeyCreated = Schema.Struct({
  accountId: Id,
  keyId: Id,
  access: Permissions.KeyAccess,
  by: Id
})

/**
 * The data of `accounts.api_key.revoked`: the key, why (`Permissions.RevocationReason`: revoked,
 * rolled, or its creator was removed from the team) and who did it.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const why = (d: typeof Events.ApiKeyRevoked.Type) => d.reason
 * ```
 * @category models
 * @since 0.6.0
 */
export const ApiKeyRevoked = Schema.Struct({
  accountId: Id,
  keyId: Id,
  reason: Permissions.RevocationReason,
  by: Id
})

/**
 * The data of `accounts.api_key.rolled`: the old key, the new key that replaces it, when the old
 * key stops working (epoch ms; the roll's time when it was revoked at once) and who rolled it.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const replacement = (d: typeof Events.ApiKeyRolled.Type) => d.newKeyId
 * ```
 * @category models
 * @since 0.6.0
 */
export const ApiKeyRolled = Schema.Struct({
  accountId: Id,
  keyId: Id,
  newKeyId: Id,
  oldKeyUntil: Schema.Number,
  by: Id
})

/**
 * The data of `accounts.security.updated`: the names of the settings that were given.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const fields = (d: typeof Events.SecurityUpdated.Type) => d.fields
 * ```
 * @category models
 * @since 0.1.0
 */
export const SecurityUpdated = Schema.Struct({ accountId: Id, fields: Names })

/**
 * The data of `accounts.legal_hold.placed`: the held subject, the hold's basis (snake_case) and
 * when it ends (epoch milliseconds).
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const ends = (d: typeof Events.LegalHoldPlaced.Type) => new Date(d.until)
 * ```
 * @category models
 * @since 0.1.0
 */
export const LegalHoldPlaced = Schema.Struct({ subject: Id, basis: Schema.String, until: Millis })

/**
 * The data of `accounts.subject.erasure_retained`: erasure was asked while a legal hold applies;
 * the subject is shredded at `until`.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const due = (d: typeof Events.ErasureRetained.Type) => d.until
 * ```
 * @category models
 * @since 0.1.0
 */
export const ErasureRetained = Schema.Struct({ subject: Id, until: Millis, basis: Schema.String })

/**
 * The data of `accounts.subject.erased`: the subject whose data key and ciphertexts were
 * destroyed, and its account.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const gone = (d: typeof Events.Erased.Type) => d.subject
 * ```
 * @category models
 * @since 0.1.0
 */
export const Erased = Schema.Struct({ subject: Id, accountId: Id })

/**
 * The data of `accounts.keys.rotated` (subject `"kek"`): the new key-encryption key version and
 * how many data keys were re-wrapped under it.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const v = (d: typeof Events.KeysRotated.Type) => d.kekVersion
 * ```
 * @category models
 * @since 0.1.0
 */
export const KeysRotated = Schema.Struct({ kekVersion: Schema.Int, rewrapped: Count })

/**
 * The data of `accounts.keys.version_retired` (subject `"kek"`): the key-encryption-key version
 * retired (no data key was wrapped under it any more; the key store forgot it).
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const v = (d: typeof Events.KeyVersionRetired.Type) => d.kekVersion
 * ```
 * @category models
 * @since 0.3.0
 */
export const KeyVersionRetired = Schema.Struct({ kekVersion: Schema.Int })

/**
 * The data of `accounts.person.added`: a business's new representative, owner (with their share
 * in basis points) or director, and who added them.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const role = (d: typeof Events.PersonAdded.Type) => d.role
 * ```
 * @category models
 * @since 0.5.0
 */
export const PersonAdded = Schema.Struct({
  accountId: Id,
  personId: Id,
  role: Schema.Literals(["representative", "owner", "director"]),
  ownershipBps: Schema.optionalKey(Schema.Int),
  by: Id
})

/**
 * The data of `accounts.person.removed`: the person removed (or the representative replaced) and
 * who did it.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const who = (d: typeof Events.PersonRemoved.Type) => d.personId
 * ```
 * @category models
 * @since 0.5.0
 */
export const PersonRemoved = Schema.Struct({
  accountId: Id,
  personId: Id,
  role: Schema.Literals(["representative", "owner", "director"]),
  by: Id
})

/**
 * The data of `accounts.person.ownership_changed`: an owner's share before and after, in basis
 * points.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const delta = (d: typeof Events.OwnershipChanged.Type) => d.toBps - d.fromBps
 * ```
 * @category models
 * @since 0.5.0
 */
export const OwnershipChanged = Schema.Struct({
  accountId: Id,
  personId: Id,
  fromBps: Schema.Int,
  toBps: Schema.Int,
  by: Id
})

/**
 * The data of `accounts.owners.attested`: who attested that every beneficial owner is listed.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const who = (d: typeof Events.OwnersAttested.Type) => d.by
 * ```
 * @category models
 * @since 0.5.0
 */
export const OwnersAttested = Schema.Struct({ accountId: Id, by: Id })

/**
 * The data of `accounts.capabilities.requested`: the capabilities requested after registration.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const added = (d: typeof Events.CapabilitiesRequested.Type) => d.capabilities
 * ```
 * @category models
 * @since 0.5.0
 */
export const CapabilitiesRequested = Schema.Struct({
  accountId: Id,
  capabilities: Schema.Array(Registration.Capability),
  by: Id
})

// ---- the envelope union ----

const member = DomainEvent.typed

/**
 * Every event this package emits, in its envelope: a union whose `type` literal selects the
 * schema of `data`. Decode what a consumer receives with {@link decode}; events from the
 * `Notifier`, the outbox relay or a webhook all have this shape.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const accountOf = (e: Events.Event) => (e.type === "accounts.account.registered" ? e.data.accountId : e.subject)
 * ```
 * @category models
 * @since 0.1.0
 */
export const Event = Schema.Union([
  member(TYPES.registered, Registered),
  member(LIFECYCLE_TYPES.activate, StatusChanged),
  member(LIFECYCLE_TYPES.restrict, StatusChanged),
  member(LIFECYCLE_TYPES.lift_restriction, StatusChanged),
  member(LIFECYCLE_TYPES.suspend, StatusChanged),
  member(LIFECYCLE_TYPES.reinstate, StatusChanged),
  member(LIFECYCLE_TYPES.reject, StatusChanged),
  member(LIFECYCLE_TYPES.withdraw, StatusChanged),
  member(LIFECYCLE_TYPES.close, StatusChanged),
  member(TYPES.requirementsUpdated, RequirementsUpdated),
  member(TYPES.profileUpdated, ProfileUpdated),
  member(TYPES.verificationUpdated, VerificationUpdated),
  member(TYPES.volumeRecorded, VolumeRecorded),
  member(TYPES.memberInvited, MemberInvited),
  member(TYPES.rolesChanged, RolesChanged),
  member(TYPES.memberRemoved, MemberRemoved),
  member(TYPES.ownershipTransferred, OwnershipTransferred),
  member(TYPES.apiKeyCreated, ApiKeyCreated),
  member(TYPES.apiKeyRevoked, ApiKeyRevoked),
  member(TYPES.apiKeyRolled, ApiKeyRolled),
  member(TYPES.securityUpdated, SecurityUpdated),
  member(TYPES.legalHoldPlaced, LegalHoldPlaced),
  member(TYPES.erasureRetained, ErasureRetained),
  member(TYPES.erased, Erased),
  member(TYPES.keysRotated, KeysRotated),
  member(TYPES.keyVersionRetired, KeyVersionRetired),
  member(TYPES.personAdded, PersonAdded),
  member(TYPES.personRemoved, PersonRemoved),
  member(TYPES.ownershipChanged, OwnershipChanged),
  member(TYPES.ownersAttested, OwnersAttested),
  member(TYPES.capabilitiesRequested, CapabilitiesRequested)
])

/**
 * An event of this package in its envelope (see {@link Event}).
 *
 * @category models
 * @since 0.1.0
 */
export type Event = typeof Event.Type

/**
 * Every event type of this package.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * Events.ALL_TYPES.includes("accounts.subject.erased") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const ALL_TYPES: ReadonlyArray<Event["type"]> = [
  ...Object.values(TYPES),
  ...Object.values(LIFECYCLE_TYPES)
]

/**
 * Decodes a received event with {@link Event}: a known `type` with data of its schema, and
 * nothing more (a field the schema does not name is refused, so no personal value can ride
 * along). Never throws: a bad event is an `InvalidInput` naming the field (`data.accountId`)
 * and the reason.
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * import { Result } from "effect"
 * const ok = (raw: unknown) => Result.isSuccess(Events.decode(raw))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const decode: (input: unknown) => Result.Result<Event, InvalidInput> = Input.decodeResult(
  "Events.decode",
  Event
)

/**
 * Whether a value is an event of this package (its type is known and its data has that type's
 * shape).
 *
 * @example
 * ```ts
 * import { Events } from "@paykit/accounts"
 * const mine = (e: unknown) => Events.is(e)
 * ```
 * @category guards
 * @since 0.1.0
 */
export const is: (input: unknown) => input is Event = Schema.is(Event)
