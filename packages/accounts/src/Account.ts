import type { Money } from "@paykit/core"
import type * as Lifecycle from "./Lifecycle.ts"
import type * as Permissions from "./Permissions.ts"
import type { Capability } from "./Registration.ts"
import type * as Security from "./Security.ts"
import type * as Verification from "./Verification.ts"

/**
 * A person on an account: the individual (whose subject id is the account id), or a business's
 * representative, owner or director. `fields` names the personal fields held in the vault for them
 * (names only; values are sealed). A person removed after registration keeps their entry with
 * `removedAt` (their sealed data stays under the account's holds, export and erasure); they no
 * longer count for requirements.
 *
 * @example
 * ```ts
 * import type { Account } from "@paykit/accounts"
 * const owner: Account.PersonRef = { id: "01J0000000000000000000000B", role: "owner", ownershipBps: 2500, fields: ["firstName"] }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface PersonRef {
  readonly id: string
  readonly role: "individual" | "representative" | "owner" | "director"
  readonly ownershipBps?: number
  readonly fields: ReadonlyArray<string>
  /** When the person was removed from the account (since 0.5.0); absent while they are on it. */
  readonly removedAt?: number
}

/**
 * Who attested, and when, that a business provided all its owners (every beneficial owner at or
 * above the policy's ownership threshold), as Stripe's `company.owners_provided` and its
 * ownership declaration. Cleared by any change to the owners unless the change attests again.
 *
 * @example
 * ```ts
 * import type { Account } from "@paykit/accounts"
 * const attestation: Account.OwnersAttestation = { by: "member:user-owner", at: 0 }
 * ```
 * @category models
 * @since 0.5.0
 */
export interface OwnersAttestation {
  readonly by: string
  readonly at: number
}

/**
 * The persons currently on the account (not removed), optionally of one role.
 *
 * @example
 * ```ts
 * import { Account } from "@paykit/accounts"
 * declare const account: Account.Account
 * Account.currentPersons(account, "owner").map((p) => p.ownershipBps)
 * ```
 * @category math
 * @since 0.5.0
 */
export const currentPersons = (a: Account, role?: PersonRef["role"]): ReadonlyArray<PersonRef> =>
  a.persons.filter((p) => p.removedAt === undefined && (role === undefined || p.role === role))

/**
 * What is kept of a card: brand, last four digits and a keyed fingerprint. Never the number.
 *
 * @example
 * ```ts
 * import type { Account } from "@paykit/accounts"
 * const card: Account.CardSummary = { brand: "visa", last4: "4242", fingerprint: "9f2c…" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface CardSummary {
  readonly brand: string
  readonly last4: string
  readonly fingerprint: string
}

/**
 * What is kept in clear of a payout bank account; the number is sealed in the vault.
 *
 * @example
 * ```ts
 * import type { Account } from "@paykit/accounts"
 * const bank: Account.BankSummary = { country: "DE", currency: "EUR", last4: "3000" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface BankSummary {
  readonly country: string
  readonly currency: string
  readonly last4: string
}

/**
 * An API key record (the secret itself is the host's business; only its grants live here).
 *
 * @example
 * ```ts
 * import type { Account } from "@paykit/accounts"
 * const key: Account.ApiKeyRecord = { id: "k1", createdBy: "user-dev", access: { payments: "read" }, createdAt: 0 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface ApiKeyRecord extends Permissions.ApiKey {
  readonly createdAt: number
}

/**
 * Who restricted an account and when. A `system` restriction is the platform's own, for
 * past-due requirements, and is lifted automatically once nothing is past due; an `operator`
 * restriction (risk, compliance, support) stays until an operator lifts it.
 *
 * @example
 * ```ts
 * import type { Account } from "@paykit/accounts"
 * const sticky = (a: Account.Account) => a.restriction?.by === "operator"
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Restriction {
  readonly by: "system" | "operator"
  readonly at: number
}

/**
 * The stored account: lifecycle state, non-personal profile data, references to the sealed
 * personal data, verification cases, volume, team, keys and security settings. Holds no
 * plaintext personal data.
 *
 * @example
 * ```ts
 * import type { Account } from "@paykit/accounts"
 * const operating = (a: Account.Account) => a.status === "active" || a.status === "restricted"
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Account {
  readonly id: string
  readonly version: number
  readonly type: "individual" | "business"
  readonly country: string
  readonly currency: string
  readonly status: Lifecycle.Status
  /**
   * Present exactly while `status` is `restricted`: who restricted the account and when. A
   * restricted account stored without it (by an earlier version) counts as restricted by the
   * `system`.
   */
  readonly restriction?: Restriction
  readonly createdAt: number
  readonly updatedAt: number
  readonly capabilities: ReadonlyArray<Capability>
  /**
   * When each capability requested after registration was requested (since 0.5.0): its
   * onboarding requirements are due by then plus the policy's grace period, and until they are
   * met the capability is off (`requirements.currently_due`) while the others go on.
   */
  readonly capabilityRequestedAt?: Readonly<Partial<Record<Capability, number>>>
  readonly legalName?: string
  readonly website?: string
  readonly industry?: string
  /** personal fields of the holder (subject = account id) present in the vault */
  readonly holderFields: ReadonlyArray<string>
  readonly persons: ReadonlyArray<PersonRef>
  /** A business's attestation that it provided its owners (since 0.5.0). */
  readonly ownersAttestation?: OwnersAttestation
  readonly cases: ReadonlyArray<Verification.Case>
  readonly volume: Money.Money
  /** policy rule id → when the account's volume first reached the rule's threshold */
  readonly thresholdsCrossed: Readonly<Record<string, number>>
  /** keyed blind index of the holder's email (duplicate detection); dropped when the holder is erased */
  readonly emailIndex?: string
  /** keyed blind index of the company registration number; dropped when the holder is erased */
  readonly registrationIndex?: string
  readonly card?: CardSummary
  readonly bank?: BankSummary
  readonly team: Permissions.Team
  readonly apiKeys: ReadonlyArray<ApiKeyRecord>
  readonly security: Security.Settings
  readonly profileVersion: number
  readonly closedAt?: number
  /** Present once an operator rejected the account: why (as Stripe's `rejected.*` reasons) and when. */
  readonly rejection?: Rejection
}

/**
 * Why and when an operator rejected an account (`Lifecycle.RejectionReason`).
 *
 * @example
 * ```ts
 * import type { Account } from "@paykit/accounts"
 * const rejection: Account.Rejection = { reason: "fraud", at: 0 }
 * ```
 * @category models
 * @since 0.5.0
 */
export interface Rejection {
  readonly reason: Lifecycle.RejectionReason
  readonly at: number
}

/**
 * The subject ids whose personal data this account holds: the holder and every person.
 *
 * @example
 * ```ts
 * import { Account } from "@paykit/accounts"
 * declare const account: Account.Account
 * Account.subjects(account) // [account.id, ...representative and owner ids]
 * ```
 * @category math
 * @since 0.1.0
 */
export const subjects = (a: Account): ReadonlyArray<string> => [
  a.id,
  ...a.persons.filter((p) => p.id !== a.id).map((p) => p.id)
]

/**
 * The fields present for a subject of the account.
 *
 * @example
 * ```ts
 * import { Account } from "@paykit/accounts"
 * declare const account: Account.Account
 * Account.fieldsOf(account, account.id) // e.g. ["email", "firstName", ...]
 * ```
 * @category math
 * @since 0.1.0
 */
export const fieldsOf = (a: Account, subject: string): ReadonlyArray<string> =>
  subject === a.id ? a.holderFields : (a.persons.find((p) => p.id === subject)?.fields ?? [])
