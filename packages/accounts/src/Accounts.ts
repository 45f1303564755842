import type { Client as CoreClient, Ids, InvalidInput } from "@paykit/core"
import { Client, Service } from "@paykit/core"
import { Context, Effect, Layer } from "effect"
import type { Account } from "./Account.ts"
import type { AccountStore, AuditEntry, LegalHold } from "./AccountStore.ts"
import type { ClosureCheck } from "./ClosureCheck.ts"
import type {
  CannotClose,
  DecryptionFailed,
  DuplicateApplicant,
  IllegalTransition,
  IllegalVerificationStep,
  KeyStoreFailure,
  KeyVersionInUse,
  NotFound,
  PermissionDenied,
  ProcessingRestricted,
  ProviderFailure,
  RateUnavailable,
  StoreFailure,
  SubjectErased,
  SupersededAnswer
} from "./errors.ts"
import type { KeyStore } from "./KeyStore.ts"
import type * as Lifecycle from "./Lifecycle.ts"
import type * as Permissions from "./Permissions.ts"
import type * as Requirements from "./Requirements.ts"
import type * as Security from "./Security.ts"
import type * as SubjectExport from "./SubjectExport.ts"
import type * as Verification from "./Verification.ts"
import type { VerificationProvider } from "./VerificationProvider.ts"
import type * as Inputs from "./internal/inputs.ts"
import * as Kit from "./internal/kit.ts"
import * as KeysPart from "./internal/keys.ts"
import * as OwnershipPart from "./internal/ownership.ts"
import * as LifecyclePart from "./internal/lifecycle.ts"
import * as ProfilePart from "./internal/profile.ts"
import * as RegistrationPart from "./internal/registration.ts"
import * as Sealing from "./internal/sealing.ts"
import * as SecurityPart from "./internal/security.ts"
import * as TeamPart from "./internal/team.ts"
import * as VerificationPart from "./internal/verification.ts"
import * as VaultPart from "./internal/vault.ts"

export {
  Actor,
  CapabilityRequest,
  KekVersion,
  LegalHoldInput,
  MemberId,
  MemberInput,
  OwnershipInput,
  PersonInput,
  PersonRemoval,
  ProfileInput,
  RegisterInput,
  ReviewInput,
  VolumeInput
} from "./internal/inputs.ts"

/**
 * The service's configuration: the requirements policy, the anti-money-laundering retention
 * placed as a legal hold on every subject of an account when its relationship ends after activity
 * (closed, rejected or withdrawn: `Lifecycle.hadActivity`; default 5 years), and
 * how many data keys key rotation re-wraps per transaction (`rotationPageSize`, default 500).
 *
 * @example
 * ```ts
 * import { Accounts, Requirements } from "@paykit/accounts"
 * const config: Accounts.Config = { policy: Requirements.defaultPolicy, amlRetentionYears: 5 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Config {
  readonly policy?: Requirements.Policy
  readonly amlRetentionYears?: number
  readonly rotationPageSize?: number
}

/**
 * The answer to an erasure request: erased now (or already), or retained under a legal hold
 * until `until` (processing is restricted meanwhile and the shred happens when the hold ends).
 *
 * @example
 * ```ts
 * import type { Accounts } from "@paykit/accounts"
 * const when = (r: Accounts.ErasureResult) => (r._tag === "Retained" ? r.until : r.erasedAt)
 * ```
 * @category models
 * @since 0.1.0
 */
export type ErasureResult =
  | { readonly _tag: "Erased"; readonly subject: string; readonly erasedAt: number }
  | { readonly _tag: "Retained"; readonly subject: string; readonly until: number; readonly basis: string }

/**
 * What `profile` shows for one subject: the decrypted fields, or why not.
 *
 * @example
 * ```ts
 * import type { Accounts } from "@paykit/accounts"
 * const email = (v: Accounts.SubjectView) => (v._tag === "available" ? v.fields["email"] : undefined)
 * ```
 * @category models
 * @since 0.1.0
 */
export type SubjectView =
  | {
      readonly _tag: "available"
      readonly subject: string
      readonly fields: Readonly<Record<string, string>>
    }
  | { readonly _tag: "erased"; readonly subject: string; readonly erasedAt: number }
  | { readonly _tag: "restricted"; readonly subject: string; readonly until: number; readonly basis: string }

/**
 * Why a read of personal data happens: ordinary `operations`, or `legal_hold` (the only reads
 * allowed while processing is restricted).
 *
 * @example
 * ```ts
 * import type { Accounts } from "@paykit/accounts"
 * const purpose: Accounts.Purpose = "legal_hold"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Purpose = "operations" | "legal_hold"

/**
 * Every error an `Accounts` operation can return.
 *
 * @example
 * ```ts
 * import type { Accounts } from "@paykit/accounts"
 * const retryable = (e: Accounts.AccountsError) => e._tag === "StoreFailure" || e._tag === "ProviderFailure"
 * ```
 * @category errors
 * @since 0.1.0
 */
export type AccountsError =
  | InvalidInput
  | DuplicateApplicant
  | NotFound
  | IllegalTransition
  | CannotClose
  | PermissionDenied
  | IllegalVerificationStep
  | ProviderFailure
  | RateUnavailable
  | StoreFailure
  | KeyStoreFailure
  | KeyVersionInUse
  | DecryptionFailed
  | SubjectErased
  | ProcessingRestricted
  | SupersededAnswer

/**
 * What every `Accounts` method returns: an effect that succeeds with `A` or fails with one of the
 * package's typed errors.
 *
 * @category models
 * @since 0.4.0
 */
export type Op<A> = Effect.Effect<A, AccountsError>

/**
 * A method an actor runs on one account with its input, typed as the input schema's encoded
 * type (and decoded at run time).
 *
 * @category models
 * @since 0.4.0
 */
export type ByActor<I, A = Account> = (
  accountId: string,
  actor: typeof Inputs.Actor.Encoded,
  input: I
) => Op<A>

/**
 * The accounts service: registration, profile updates, verification, the lifecycle, the team,
 * security settings, and the PII vault (profile reads, subject export, erasure, legal holds, key
 * rotation). Every input is typed as its schema's encoded type (`RegisterInput`, `Actor`, …) and
 * decoded at run time; a failed operation writes nothing and emits no event.
 * Each change's events (`Events.Event`) go into the same `AccountStore.commit` as the change, so
 * the store keeps or delivers them with it; the service itself never calls a `Notifier`.
 *
 * @example
 * ```ts
 * import { Accounts } from "@paykit/accounts"
 * import { Effect } from "effect"
 * const program = Effect.gen(function* () {
 *   const accounts = yield* Accounts.Accounts
 *   const a = yield* accounts.register({ type: "individual" })
 *   return a.status
 * })
 * ```
 * @category services
 * @since 0.1.0
 */
export class Accounts extends Context.Service<
  Accounts,
  {
    readonly register: (input: typeof Inputs.RegisterInput.Encoded) => Op<Account>
    readonly get: (accountId: string) => Op<Account>
    readonly evaluate: (accountId: string) => Op<Requirements.Evaluation>
    readonly updateProfile: ByActor<typeof Inputs.ProfileInput.Encoded>
    readonly submitVerification: (accountId: string, actor: typeof Inputs.Actor.Encoded) => Op<Account>
    /** A provider's late answer, naming the submission it answers (`VerificationProvider.Request.submissionId`). */
    readonly verificationResult: (
      accountId: string,
      submissionId: string,
      outcome: typeof Verification.Outcome.Encoded
    ) => Op<Account>
    readonly review: (
      accountId: string,
      actor: typeof Inputs.Actor.Encoded,
      caseId: string,
      decision: typeof Inputs.ReviewInput.Encoded
    ) => Op<Account>
    readonly recordVolume: (accountId: string, amount: typeof Inputs.VolumeInput.Encoded) => Op<Account>
    readonly addPerson: ByActor<typeof Inputs.PersonInput.Encoded>
    readonly removePerson: ByActor<typeof Inputs.PersonRemoval.Encoded>
    readonly setOwnership: ByActor<typeof Inputs.OwnershipInput.Encoded>
    readonly attestOwners: (accountId: string, actor: typeof Inputs.Actor.Encoded) => Op<Account>
    readonly requestCapabilities: ByActor<typeof Inputs.CapabilityRequest.Encoded>
    readonly refresh: (accountId: string) => Op<Account>
    readonly transition: ByActor<typeof Lifecycle.TransitionInput.Encoded>
    readonly invite: ByActor<typeof Inputs.MemberInput.Encoded>
    readonly changeRoles: ByActor<typeof Inputs.MemberInput.Encoded>
    readonly removeMember: ByActor<typeof Inputs.MemberId.Encoded>
    readonly transferOwnership: ByActor<typeof Inputs.MemberId.Encoded>
    readonly createApiKey: ByActor<
      typeof Permissions.KeyAccess.Encoded | typeof Permissions.KeyRequest.Encoded,
      Permissions.ApiKey
    >
    readonly revokeApiKey: ByActor<typeof Permissions.KeyId.Encoded, Permissions.ApiKey>
    readonly rollApiKey: ByActor<typeof Permissions.RollInput.Encoded, Permissions.ApiKey>
    readonly decide: (
      accountId: string,
      memberId: string,
      permission: Permissions.Permission
    ) => Op<Permissions.Decision>
    readonly decideKey: (
      accountId: string,
      keyId: string,
      permission: Permissions.Permission
    ) => Op<Permissions.Decision>
    readonly updateSecurity: ByActor<typeof Security.SettingsInput.Encoded>
    readonly audit: (accountId: string, actor: typeof Inputs.Actor.Encoded) => Op<ReadonlyArray<AuditEntry>>
    readonly profile: (
      accountId: string,
      actor: typeof Inputs.Actor.Encoded,
      purpose?: Purpose
    ) => Op<ReadonlyArray<SubjectView>>
    readonly exportSubject: (
      subject: string,
      actor: typeof Inputs.Actor.Encoded
    ) => Op<SubjectExport.SubjectExport>
    readonly erase: (subject: string, actor: typeof Inputs.Actor.Encoded) => Op<ErasureResult>
    readonly placeLegalHold: (input: typeof Inputs.LegalHoldInput.Encoded) => Op<LegalHold>
    readonly sweep: Op<ReadonlyArray<string>>
    readonly rotateKeys: Op<{ readonly kekVersion: number; readonly rewrapped: number }>
    readonly retireKeyVersion: (
      version: typeof Inputs.KekVersion.Encoded
    ) => Op<{ readonly kekVersion: number }>
  }
>()("@paykit/accounts/Accounts") {}

/** Span attributes: ids and counts only, never a person's data. */
const ACCOUNT_ID = "paykit.accounts.account_id"
const SUBJECT_ID = "paykit.accounts.subject_id"

/** Whether an argument reads as an id; anything else (a name, an e-mail, a hostile value) stays off the span. */
const isId = (value: unknown): value is string =>
  typeof value === "string" && /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/.test(value)

/**
 * Runs an operation inside its span, `paykit.accounts.<operation>`, a child of the caller's span.
 * The span is defined once per operation; `key` names the id the first argument carries (the
 * account or the subject, set only when it reads as an id; `null` when the first argument is an
 * input still to decode), and `after` adds ids and counts of the result once it succeeds. A
 * failure ends the span with the failure, as Effect does.
 */
const traced = <Args extends ReadonlyArray<unknown>, A>(
  operation: string,
  f: (...args: Args) => Op<A>,
  key: string | null = ACCOUNT_ID,
  after?: (a: A) => Record<string, unknown>
): ((...args: Args) => Op<A>) => {
  const span = Effect.withSpan(`paykit.accounts.${operation}`)
  return (...args) => {
    const id = args[0]
    const run =
      key !== null && isId(id) ? Effect.andThen(Effect.annotateCurrentSpan(key, id), f(...args)) : f(...args)
    return span(after === undefined ? run : Effect.tap(run, (a) => Effect.annotateCurrentSpan(after(a))))
  }
}

/**
 * Builds the service from its configuration and the ports in context.
 *
 * @example
 * ```ts
 * import { Accounts } from "@paykit/accounts"
 * const make = Accounts.make({ amlRetentionYears: 5 })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  config: Config = {}
): Effect.Effect<
  Accounts["Service"],
  never,
  AccountStore | KeyStore | VerificationProvider | ClosureCheck | Ids.Ids
> =>
  Effect.gen(function* () {
    const kit = yield* Kit.make(config)
    const sealing = Sealing.make(kit)
    const parts = {
      ...RegistrationPart.make(kit, sealing),
      ...ProfilePart.make(kit, sealing),
      ...VerificationPart.make(kit, sealing),
      ...LifecyclePart.make(kit),
      ...OwnershipPart.make(kit, sealing),
      ...TeamPart.make(kit),
      ...SecurityPart.make(kit),
      ...VaultPart.make(kit, sealing),
      ...KeysPart.make(kit)
    }
    const get: Accounts["Service"]["get"] = (accountId) =>
      kit.onAccount(accountId, Service.noInput, (a) => Effect.succeed(Service.unchanged(a)))
    const count = (name: string) => (items: ReadonlyArray<unknown>) => ({
      [`paykit.accounts.${name}`]: items.length
    })
    const kek = (r: { readonly kekVersion: number }) => ({ "paykit.accounts.kek_version": r.kekVersion })

    return Accounts.of({
      register: traced("register", parts.register, null, (a) => ({ [ACCOUNT_ID]: a.id })),
      get: traced("get", get),
      evaluate: traced("evaluate", parts.evaluate),
      updateProfile: traced("updateProfile", parts.updateProfile),
      submitVerification: traced("submitVerification", parts.submitVerification),
      verificationResult: traced("verificationResult", parts.verificationResult),
      review: traced("review", parts.review),
      recordVolume: traced("recordVolume", parts.recordVolume),
      addPerson: traced("addPerson", parts.addPerson),
      removePerson: traced("removePerson", parts.removePerson),
      setOwnership: traced("setOwnership", parts.setOwnership),
      attestOwners: traced("attestOwners", parts.attestOwners),
      requestCapabilities: traced("requestCapabilities", parts.requestCapabilities),
      refresh: traced("refresh", parts.refresh),
      transition: traced("transition", parts.transition),
      invite: traced("invite", parts.invite),
      changeRoles: traced("changeRoles", parts.changeRoles),
      removeMember: traced("removeMember", parts.removeMember),
      transferOwnership: traced("transferOwnership", parts.transferOwnership),
      createApiKey: traced("createApiKey", parts.createApiKey, ACCOUNT_ID, (k) => ({
        "paykit.accounts.api_key_id": k.id
      })),
      revokeApiKey: traced("revokeApiKey", parts.revokeApiKey, ACCOUNT_ID, (k) => ({
        "paykit.accounts.api_key_id": k.id
      })),
      rollApiKey: traced("rollApiKey", parts.rollApiKey, ACCOUNT_ID, (k) => ({
        "paykit.accounts.api_key_id": k.id
      })),
      decide: traced("decide", parts.decide),
      decideKey: traced("decideKey", parts.decideKey),
      updateSecurity: traced("updateSecurity", parts.updateSecurity),
      audit: traced("audit", parts.audit, ACCOUNT_ID, count("audit_entries")),
      profile: traced("profile", parts.profile, ACCOUNT_ID, count("subjects")),
      exportSubject: traced("exportSubject", parts.exportSubject, SUBJECT_ID),
      erase: traced("erase", parts.erase, SUBJECT_ID),
      placeLegalHold: traced("placeLegalHold", parts.placeLegalHold, null, (h) => ({
        [SUBJECT_ID]: h.subject
      })),
      sweep: traced("sweep", () => parts.sweep, null, count("erased"))(),
      rotateKeys: traced(
        "rotateKeys",
        () => parts.rotateKeys,
        null,
        (r) => ({ ...kek(r), "paykit.accounts.rewrapped": r.rewrapped })
      )(),
      retireKeyVersion: traced("retireKeyVersion", parts.retireKeyVersion, null, kek)
    })
  })

/**
 * The service as a layer.
 *
 * @example
 * ```ts
 * import { AccountStore, Accounts, ClosureCheck, KeyStore, VerificationProvider } from "@paykit/accounts"
 * import { Ids, Notifier } from "@paykit/core"
 * import { Layer } from "effect"
 * const live = Accounts.layer().pipe(
 *   Layer.provide([AccountStore.layerMemory, KeyStore.layerMemory, VerificationProvider.layerMemory]),
 *   Layer.provide([ClosureCheck.layerMemory, Ids.layer, Notifier.layerMemory])
 * )
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layer = (
  config: Config = {}
): Layer.Layer<Accounts, never, AccountStore | KeyStore | VerificationProvider | ClosureCheck | Ids.Ids> =>
  Layer.effect(Accounts, make(config))

/**
 * The service as a Promise client for code not written with Effect: every method returns a
 * `Promise` and rejects with the typed error itself (`instanceof` and `switch (e._tag)` work).
 * The layer is built once, on the first call, on one long-lived runtime: create the client at
 * module load, share it between requests, and `dispose()` it on shutdown (or `await using`).
 * `client.runtime` runs other effects on the same layer (all it provides, not only `Accounts`).
 *
 * @example
 * ```ts
 * import { Accounts, AccountStore, ClosureCheck, KeyStore, VerificationProvider } from "@paykit/accounts"
 * import { Ids, Notifier } from "@paykit/core"
 * import { Layer } from "effect"
 * const accounts = Accounts.client(
 *   Accounts.layer().pipe(
 *     Layer.provide([AccountStore.layerMemory, KeyStore.layerMemory, VerificationProvider.layerMemory]),
 *     Layer.provide([ClosureCheck.layerMemory, Ids.layer, Notifier.layerMemory])
 *   )
 * )
 * process.on("SIGTERM", () => void accounts.dispose())
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const client = <E = never, R = never>(
  layer: Layer.Layer<Accounts | R, E, never>
): AccountsClient<E, R> =>
  // the tag reads the service from the runtime's context, which holds all the layer provides
  Client.make(Accounts as unknown as Context.Service<Accounts | R, Accounts["Service"]>, layer)

/**
 * The Promise client of the accounts service (`Accounts.client`).
 *
 * @example
 * ```ts
 * import type { Accounts } from "@paykit/accounts"
 * const close = (accounts: Accounts.AccountsClient) => accounts.dispose()
 * ```
 * @category models
 * @since 0.1.0
 */
export type AccountsClient<E = never, R = never> = CoreClient.Client<Accounts["Service"], Accounts | R, E>
