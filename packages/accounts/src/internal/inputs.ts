/**
 * The schemas of the `Accounts` service's inputs. The service's methods take each input typed as
 * its schema's *encoded* type (what a caller writes, JSON-shaped) and decode it at run time, so
 * hostile input still gets a typed error. Re-exported by `Accounts`.
 *
 * @internal
 */
import { Schema } from "effect"
import * as Permissions from "../Permissions.ts"
import * as Registration from "../Registration.ts"
import { LoginId, text } from "./text.ts"

/**
 * Who acts: platform staff (`operator`) or a member of the merchant's team (`member`, by login
 * id; the owner is the member who owns the team). The platform's own moves (`system`) are not
 * an input: they happen inside the service. A login id is opaque (1 to 100 characters, not blank,
 * no NUL or lone surrogate) and never personal data: one shaped like an email address or a phone
 * number is `InvalidInput` at `id` (it would be kept in plaintext in the team and the audit trail).
 *
 * @example
 * ```ts
 * import { Accounts } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Accounts.Actor)({ kind: "member", id: "user-jane" })
 * ```
 * @category models
 * @since 0.1.0
 */
export const Actor = Schema.Union([
  Schema.Struct({
    kind: Schema.Literal("operator"),
    id: LoginId
  }),
  Schema.Struct({
    kind: Schema.Literal("member"),
    id: LoginId
  })
])

/**
 * An actor.
 *
 * @example
 * ```ts
 * import { Accounts } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Accounts.Actor)({ kind: "member", id: "user-jane" })
 * ```
 * @category models
 * @since 0.1.0
 */
export type Actor = typeof Actor.Type

/**
 * The input of `register`: an individual or a business applicant (`Registration.Applicant`).
 *
 * @example
 * ```ts
 * import type { Accounts } from "@paykit/accounts"
 * type Input = typeof Accounts.RegisterInput.Encoded
 * ```
 * @category models
 * @since 0.1.0
 */
export const RegisterInput = Registration.Applicant

/**
 * The input of `updateProfile`: the fields to change (`Registration.ProfilePatch`).
 *
 * @example
 * ```ts
 * import type { Accounts } from "@paykit/accounts"
 * const patch: typeof Accounts.ProfileInput.Encoded = { phone: "+4915112345679" }
 * ```
 * @category models
 * @since 0.1.0
 */
export const ProfileInput = Registration.ProfilePatch

/**
 * The input of `review`: an operator's decision on a case in manual review.
 *
 * @example
 * ```ts
 * import type { Accounts } from "@paykit/accounts"
 * const decision: typeof Accounts.ReviewInput.Encoded = { approve: false, reason: "document expired" }
 * ```
 * @category models
 * @since 0.1.0
 */
export const ReviewInput = Schema.Struct({ approve: Schema.Boolean, reason: Schema.optionalKey(text(500)) })

/**
 * The input of `recordVolume`: processed volume in minor units (a digit string) and its currency.
 *
 * @example
 * ```ts
 * import type { Accounts } from "@paykit/accounts"
 * const volume: typeof Accounts.VolumeInput.Encoded = { amount: "1250000", currency: "EUR" }
 * ```
 * @category models
 * @since 0.1.0
 */
export const VolumeInput = Schema.Struct({
  amount: Schema.String.check(
    Schema.isPattern(/^\d{1,30}$/, { message: "expected minor units as a digit string" })
  ),
  currency: Registration.BankAccountInput.fields.currency
})

/**
 * The input of `invite` and `changeRoles`: a member's id and the roles they hold.
 *
 * @example
 * ```ts
 * import type { Accounts } from "@paykit/accounts"
 * const member: typeof Accounts.MemberInput.Encoded = { id: "user-dev", roles: ["developer"] }
 * ```
 * @category models
 * @since 0.1.0
 */
export const MemberInput = Schema.Struct({
  id: LoginId,
  roles: Schema.Array(Permissions.Role).check(Schema.isMaxLength(8))
})

/**
 * A member's id: the input of `removeMember` and `transferOwnership`.
 *
 * @example
 * ```ts
 * import type { Accounts } from "@paykit/accounts"
 * const member: typeof Accounts.MemberId.Encoded = "user-dev"
 * ```
 * @category models
 * @since 0.1.0
 */
export const MemberId = LoginId

/**
 * The input of `placeLegalHold`: the subject, the legal basis (snake_case) and when it ends
 * (epoch milliseconds).
 *
 * @example
 * ```ts
 * import type { Accounts } from "@paykit/accounts"
 * const hold: typeof Accounts.LegalHoldInput.Encoded = { subject: "01J…", basis: "litigation", until: 1900000000000 }
 * ```
 * @category models
 * @since 0.1.0
 */
export const LegalHoldInput = Schema.Struct({
  subject: text(100),
  basis: Schema.String.check(
    Schema.isPattern(/^[a-z][a-z0-9_]{1,39}$/, { message: "expected a snake_case basis" })
  ),
  until: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
})

/**
 * A key-encryption-key version (1 and up): the input of `retireKeyVersion`.
 *
 * @example
 * ```ts
 * import type { Accounts } from "@paykit/accounts"
 * const version: typeof Accounts.KekVersion.Encoded = 1
 * ```
 * @category models
 * @since 0.1.0
 */
export const KekVersion = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

/**
 * The input of `addPerson`: a business's new representative (replacing the current one), owner
 * (with `ownershipPercent`; the current owners' shares may not add up to more than 100) or
 * director. `ownersProvided: true` attests again, in the same change, that every beneficial owner
 * is listed; without it a change to the owners clears the attestation.
 *
 * @example
 * ```ts
 * import type { Accounts } from "@paykit/accounts"
 * const owner: typeof Accounts.PersonInput.Encoded = {
 *   role: "owner", ownershipPercent: 30, ownersProvided: true,
 *   person: { firstName: "Ada", lastName: "Lovelace", dateOfBirth: "1985-12-10" }
 * }
 * ```
 * @category models
 * @since 0.5.0
 */
export const PersonInput = Schema.Struct({
  role: Schema.Literals(["representative", "owner", "director"]),
  person: Registration.Person,
  ownershipPercent: Schema.optionalKey(Registration.Owner.fields.ownershipPercent),
  ownersProvided: Schema.optionalKey(Schema.Boolean)
})

/**
 * The input of `removePerson`: the person's id (an owner or a director; a representative is
 * replaced by adding the new one), and optionally `ownersProvided: true` to attest again.
 *
 * @example
 * ```ts
 * import type { Accounts } from "@paykit/accounts"
 * const removal: typeof Accounts.PersonRemoval.Encoded = { personId: "01J0000000000000000000000B", ownersProvided: true }
 * ```
 * @category models
 * @since 0.5.0
 */
export const PersonRemoval = Schema.Struct({
  personId: text(100),
  ownersProvided: Schema.optionalKey(Schema.Boolean)
})

/**
 * The input of `setOwnership`: an owner's id and their new share (0 to 100, at most two decimals;
 * the current owners' shares may not add up to more than 100).
 *
 * @example
 * ```ts
 * import type { Accounts } from "@paykit/accounts"
 * const share: typeof Accounts.OwnershipInput.Encoded = { personId: "01J0000000000000000000000B", ownershipPercent: 12.5 }
 * ```
 * @category models
 * @since 0.5.0
 */
export const OwnershipInput = Schema.Struct({
  personId: text(100),
  ownershipPercent: Registration.Owner.fields.ownershipPercent,
  ownersProvided: Schema.optionalKey(Schema.Boolean)
})

/**
 * The input of `requestCapabilities`: capabilities to add to those the account requested (1 to 4,
 * none twice). Requesting one the account already has changes nothing.
 *
 * @example
 * ```ts
 * import type { Accounts } from "@paykit/accounts"
 * const more: typeof Accounts.CapabilityRequest.Encoded = { capabilities: ["stored_value"] }
 * ```
 * @category models
 * @since 0.5.0
 */
export const CapabilityRequest = Schema.Struct({
  capabilities: Schema.Array(Registration.Capability).check(
    Schema.isMinLength(1),
    Schema.isMaxLength(4),
    Schema.makeFilter(
      (cs: ReadonlyArray<string>) => new Set(cs).size === cs.length || "a capability is listed twice"
    )
  )
})
