import { StateMachine } from "@paykit/core"
import { Schema } from "effect"

/**
 * An applicant with the same email (or, for a business, the same registration number) is
 * already registered. `field` names which one matched; the value itself is never echoed.
 *
 * @example
 * ```ts
 * import { DuplicateApplicant } from "@paykit/accounts"
 * new DuplicateApplicant({ field: "email", existing: "01J0000000000000000000000A" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class DuplicateApplicant extends Schema.TaggedError<DuplicateApplicant>()("DuplicateApplicant", {
  field: Schema.String,
  existing: Schema.String
}) {
  override get message(): string {
    return `an applicant with the same ${this.field} is already registered (account ${this.existing}); update that account instead of registering again`
  }
}

/**
 * No account (or no verification case, member, subject) with that id.
 *
 * @example
 * ```ts
 * import { NotFound } from "@paykit/accounts"
 * new NotFound({ kind: "account", id: "01J0000000000000000000000A" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  kind: Schema.String,
  id: Schema.String
}) {
  override get message(): string {
    return `no ${this.kind} with id ${this.id}`
  }
}

/**
 * A lifecycle command that the transition table does not allow from the account's state, or
 * not for this actor; also `erase` while the relationship is ongoing. `reason` says which. This
 * is `@paykit/core`'s `StateMachine.IllegalTransition` (same class, same `_tag`), re-exported:
 * errors from the lifecycle machine carry `machine: "account"`.
 *
 * @example
 * ```ts
 * import { IllegalTransition } from "@paykit/accounts"
 * new IllegalTransition({ from: "closed", command: "suspend", actor: "operator", reason: "closed is final" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export const IllegalTransition: typeof StateMachine.IllegalTransition = StateMachine.IllegalTransition

/**
 * The type of {@link IllegalTransition}.
 *
 * @example
 * ```ts
 * import type { IllegalTransition } from "@paykit/accounts"
 * const reasonOf = (e: IllegalTransition) => e.reason
 * ```
 * @category errors
 * @since 0.1.0
 */
export type IllegalTransition = StateMachine.IllegalTransition

/**
 * Ending the relationship (closing, rejecting, withdrawing: `command`) was refused by the
 * balance/dispute check: the account still holds money or has open disputes. Every reason is listed.
 *
 * @example
 * ```ts
 * import { CannotClose } from "@paykit/accounts"
 * new CannotClose({ accountId: "a", reasons: ["balance 10.00 USD is not zero"] }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class CannotClose extends Schema.TaggedError<CannotClose>()("CannotClose", {
  accountId: Schema.String,
  reasons: Schema.Array(Schema.String),
  /** The ending refused (`close`, `reject`, `withdraw`; since 0.5.0); absent means `close`. */
  command: Schema.optionalKey(Schema.Literals(["close", "reject", "withdraw"]))
}) {
  override get message(): string {
    const what = this.command === "reject" ? "rejected" : this.command === "withdraw" ? "withdrawn" : "closed"
    return `account ${this.accountId} cannot be ${what}: ${this.reasons.join("; ")}; settle the balances and disputes first`
  }
}

/**
 * A team or API-key operation the acting member is not allowed to perform (missing permission,
 * escalation beyond their own permissions, touching the owner). `reason` explains.
 *
 * @example
 * ```ts
 * import { PermissionDenied } from "@paykit/accounts"
 * new PermissionDenied({ actor: "m1", action: "invite", reason: "team:manage is not granted" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class PermissionDenied extends Schema.TaggedError<PermissionDenied>()("PermissionDenied", {
  actor: Schema.String,
  action: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.actor} may not ${this.action}: ${this.reason}`
  }
}

/**
 * A verification step that the case's state machine does not allow (e.g. a provider result for
 * a case that was never submitted).
 *
 * @example
 * ```ts
 * import { IllegalVerificationStep } from "@paykit/accounts"
 * new IllegalVerificationStep({ caseId: "c", from: "verified", step: "submit" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class IllegalVerificationStep extends Schema.TaggedError<IllegalVerificationStep>()(
  "IllegalVerificationStep",
  { caseId: Schema.String, from: Schema.String, step: Schema.String }
) {
  override get message(): string {
    return `verification case ${this.caseId} is ${this.from}: "${this.step}" is not allowed from there`
  }
}

/**
 * The verification provider could not be reached or answered garbage. Nothing was changed.
 *
 * @example
 * ```ts
 * import { ProviderFailure } from "@paykit/accounts"
 * new ProviderFailure({ reason: "timeout" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class ProviderFailure extends Schema.TaggedError<ProviderFailure>()("ProviderFailure", {
  reason: Schema.String
}) {
  override get message(): string {
    return `verification provider failed: ${this.reason}; nothing was changed, retry later`
  }
}

/**
 * The `ReferenceRates` port could not convert the account's volume into the currency a volume
 * threshold is stated in (no rate, or no port configured). The volume was not recorded; retry
 * once rates are available.
 *
 * @example
 * ```ts
 * import { RateUnavailable } from "@paykit/accounts"
 * new RateUnavailable({ from: "CHF", to: "EUR", reason: "no rate in the table" }).message
 * ```
 * @category errors
 * @since 0.5.0
 */
export class RateUnavailable extends Schema.TaggedError<RateUnavailable>()("RateUnavailable", {
  from: Schema.String,
  to: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `no reference rate from ${this.from} to ${this.to}: ${this.reason}; nothing was changed, retry later`
  }
}

/**
 * Why a store refused a commit that raced another writer, decided inside the commit's own
 * transaction (under the locks it took), so every store (memory, PGlite, PostgreSQL) answers the
 * same way:
 *
 * - `StaleVersion`: the account is no longer at the version the change was computed from;
 * - `IndexTaken`: an index key (`email`, `registration`, `subject`) already belongs to `owner`;
 * - `VaultChanged`: a subject's legal holds or erasure changed since the change read them (a
 *   `Transaction.guards` entry no longer holds), or a data key was to be written for an erased
 *   subject;
 * - `KeyVersionRetired`: a data key was to be wrapped under a retired key-encryption-key version;
 * - `KeyVersionInUse`: a key-encryption-key version was to be retired while `keys` data keys are
 *   still wrapped under it.
 *
 * The service re-reads and decides again on the first three (so a racing erasure answers
 * `Retained`, a racing registration `DuplicateApplicant`) and maps the last to
 * {@link KeyVersionInUse}.
 *
 * @example
 * ```ts
 * import { StoreFailure } from "@paykit/accounts"
 * const isRace = (e: StoreFailure) => e.conflict?._tag === "VaultChanged"
 * ```
 * @category errors
 * @since 0.3.0
 */
export const Conflict = Schema.Union([
  Schema.TaggedStruct("StaleVersion", { accountId: Schema.String }),
  Schema.TaggedStruct("IndexTaken", {
    index: Schema.Literals(["email", "registration", "subject"]),
    owner: Schema.String
  }),
  Schema.TaggedStruct("VaultChanged", { subject: Schema.String }),
  Schema.TaggedStruct("KeyVersionRetired", { kekVersion: Schema.Number }),
  Schema.TaggedStruct("KeyVersionInUse", { kekVersion: Schema.Number, keys: Schema.Number })
])

/**
 * A {@link Conflict}.
 *
 * @example
 * ```ts
 * import type { Conflict } from "@paykit/accounts"
 * const c: Conflict = { _tag: "VaultChanged", subject: "s1" }
 * ```
 * @category errors
 * @since 0.3.0
 */
export type Conflict = typeof Conflict.Type

/**
 * The storage adapter failed (connection lost, a concurrent writer changed the account first).
 * The operation wrote nothing. A refusal decided against a concurrent writer carries its
 * `conflict` ({@link Conflict}); other failures (the database is down) carry none.
 *
 * @example
 * ```ts
 * import { StoreFailure } from "@paykit/accounts"
 * new StoreFailure({ reason: "version conflict on account a" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class StoreFailure extends Schema.TaggedError<StoreFailure>()("StoreFailure", {
  reason: Schema.String,
  conflict: Schema.optionalKey(Conflict)
}) {
  override get message(): string {
    return `account store failed: ${this.reason}; nothing was written`
  }
}

/**
 * A sealed field failed authentication: wrong key, wrong subject/field/version binding, or the
 * ciphertext, tag or nonce was altered. Never returns partial plaintext.
 *
 * @example
 * ```ts
 * import { DecryptionFailed } from "@paykit/accounts"
 * new DecryptionFailed({ subject: "s", field: "email" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class DecryptionFailed extends Schema.TaggedError<DecryptionFailed>()("DecryptionFailed", {
  subject: Schema.String,
  field: Schema.String
}) {
  override get message(): string {
    return `the sealed ${this.field} of subject ${this.subject} does not authenticate (tampered, or bound to another subject, field or key version)`
  }
}

/**
 * The subject's data key has been destroyed (crypto-shredding): its personal data can never be
 * read again, through any path.
 *
 * @example
 * ```ts
 * import { SubjectErased } from "@paykit/accounts"
 * new SubjectErased({ subject: "s", erasedAt: 0 }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class SubjectErased extends Schema.TaggedError<SubjectErased>()("SubjectErased", {
  subject: Schema.String,
  erasedAt: Schema.Number
}) {
  override get message(): string {
    return `the personal data of subject ${this.subject} was erased at ${new Date(this.erasedAt).toISOString()} and cannot be read`
  }
}

/**
 * The subject asked for erasure while a legal hold applies: processing is restricted until the
 * hold ends (reads are refused except for the hold's own basis).
 *
 * @example
 * ```ts
 * import { ProcessingRestricted } from "@paykit/accounts"
 * new ProcessingRestricted({ subject: "s", until: 0, basis: "aml_retention" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class ProcessingRestricted extends Schema.TaggedError<ProcessingRestricted>()("ProcessingRestricted", {
  subject: Schema.String,
  until: Schema.Number,
  basis: Schema.String
}) {
  override get message(): string {
    return `processing of subject ${this.subject} is restricted (erasure requested, retained for ${this.basis} until ${new Date(this.until).toISOString()}); only reads for ${this.basis} are allowed`
  }
}

/**
 * The key store failed or does not hold the key-encryption key version a data key was wrapped with.
 *
 * @example
 * ```ts
 * import { KeyStoreFailure } from "@paykit/accounts"
 * new KeyStoreFailure({ reason: "KEK version 3 is unknown" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class KeyStoreFailure extends Schema.TaggedError<KeyStoreFailure>()("KeyStoreFailure", {
  reason: Schema.String
}) {
  override get message(): string {
    return `key store failed: ${this.reason}`
  }
}

/**
 * A key-encryption-key version cannot be retired: `keys` data keys are still wrapped under it
 * (rotate first, or wait for the running rotation to finish), or it is the current version.
 * Nothing was retired.
 *
 * @example
 * ```ts
 * import { KeyVersionInUse } from "@paykit/accounts"
 * new KeyVersionInUse({ kekVersion: 1, keys: 3 }).message
 * ```
 * @category errors
 * @since 0.3.0
 */
export class KeyVersionInUse extends Schema.TaggedError<KeyVersionInUse>()("KeyVersionInUse", {
  kekVersion: Schema.Number,
  keys: Schema.Number
}) {
  override get message(): string {
    return this.keys === 0
      ? `key-encryption-key version ${this.kekVersion} is the current one; rotate first, then retire it`
      : `key-encryption-key version ${this.kekVersion} still wraps ${this.keys} data key(s); run rotateKeys and retire it when none is left`
  }
}

/**
 * The key store's configuration is unusable: `setting` names the setting (an environment
 * variable such as `PAYKIT_ACCOUNTS_KEK_2` for `KeyStore.layerConfig`, a field such as `keks.2`
 * for `KeyStore.make`) and `reason` says what is wrong (missing, not base64, not 32 bytes, the
 * current version not in the ring, a key used twice). Never carries a key's value. The key
 * store was not built.
 *
 * @example
 * ```ts
 * import { InvalidKeyConfiguration } from "@paykit/accounts"
 * new InvalidKeyConfiguration({ setting: "PAYKIT_ACCOUNTS_KEK_2", reason: "is not base64" }).message
 * ```
 * @category errors
 * @since 0.5.0
 */
export class InvalidKeyConfiguration extends Schema.TaggedError<InvalidKeyConfiguration>()(
  "InvalidKeyConfiguration",
  { setting: Schema.String, reason: Schema.String }
) {
  override get message(): string {
    return `invalid key configuration: ${this.setting} ${this.reason}`
  }
}

/**
 * A provider's late answer names a submission that is not the case's current one: an earlier
 * submission (the data were submitted again since), or one made before the data changed (the case
 * was provided again and not yet re-submitted), or the case was never submitted. `current` is the
 * submission the case awaits an answer for (`null`: none). The answer checked data no longer on
 * file, so it is not applied: nothing was written and no event was emitted. Drop it; the answer
 * to `current` will come with its own id.
 *
 * @example
 * ```ts
 * import { SupersededAnswer } from "@paykit/accounts"
 * new SupersededAnswer({ caseId: "identity:s1", submissionId: "identity:s1#1", current: "identity:s1#2" }).message
 * ```
 * @category errors
 * @since 0.5.0
 */
export class SupersededAnswer extends Schema.TaggedError<SupersededAnswer>()("SupersededAnswer", {
  caseId: Schema.String,
  submissionId: Schema.String,
  current: Schema.NullOr(Schema.String)
}) {
  override get message(): string {
    const now =
      this.current === null ? "its current data were never submitted" : `it now awaits ${this.current}`
    return `the answer for submission ${this.submissionId} of verification case ${this.caseId} is superseded (${now}); it was not applied, drop it`
  }
}
