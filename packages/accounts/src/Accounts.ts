import { Clock, Context, Effect, Layer, Option, Result, Schema } from "effect"
import { Currency, DomainEvent, Ids, Input, InvalidInput, Money } from "@paykit/core"
import type { Account, BankSummary, CardSummary, PersonRef } from "./Account.ts"
import { subjects as subjectsOf } from "./Account.ts"
import {
  AccountStore,
  type AuditEntry,
  guardOf,
  type Erasure,
  type LegalHold,
  type SubjectKey,
  type Transaction
} from "./AccountStore.ts"
import * as Cipher from "./Cipher.ts"
import { ClosureCheck, reasons as closureReasons } from "./ClosureCheck.ts"
import {
  CannotClose,
  type Conflict,
  type DecryptionFailed,
  DuplicateApplicant,
  IllegalTransition,
  type IllegalVerificationStep,
  KeyStoreFailure,
  KeyVersionInUse,
  NotFound,
  PermissionDenied,
  ProcessingRestricted,
  type ProviderFailure,
  StoreFailure,
  SubjectErased
} from "./errors.ts"
import * as Events from "./Events.ts"
import { KeyStore } from "./KeyStore.ts"
import * as Lifecycle from "./Lifecycle.ts"
import * as Permissions from "./Permissions.ts"
import * as Redact from "./Redact.ts"
import * as Registration from "./Registration.ts"
import * as Requirements from "./Requirements.ts"
import * as Security from "./Security.ts"
import type * as SubjectExport from "./SubjectExport.ts"
import * as Verification from "./Verification.ts"
import { VerificationProvider } from "./VerificationProvider.ts"

/**
 * Who acts: platform staff (`operator`) or a member of the merchant's team (`member`, by login
 * id; the owner is the member who owns the team). The platform's own moves (`system`) are not
 * an input: they happen inside the service.
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
    id: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(100))
  }),
  Schema.Struct({
    kind: Schema.Literal("member"),
    id: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(100))
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
 * The service's configuration: the requirements policy, the anti-money-laundering retention
 * placed as a legal hold on every subject of an account when it closes (default 5 years), and
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
  | StoreFailure
  | KeyStoreFailure
  | KeyVersionInUse
  | DecryptionFailed
  | SubjectErased
  | ProcessingRestricted

type Op<A> = Effect.Effect<A, AccountsError>

/**
 * The accounts service: registration, profile updates, verification, the lifecycle, the team,
 * security settings, and the PII vault (profile reads, subject export, erasure, legal holds, key
 * rotation). Every input is decoded; a failed operation writes nothing and emits no event.
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
    readonly register: (input: unknown) => Op<Account>
    readonly get: (accountId: string) => Op<Account>
    readonly evaluate: (accountId: string) => Op<Requirements.Evaluation>
    readonly updateProfile: (accountId: string, actor: unknown, patch: unknown) => Op<Account>
    readonly submitVerification: (accountId: string, actor: unknown) => Op<Account>
    readonly verificationResult: (accountId: string, caseId: string, outcome: unknown) => Op<Account>
    readonly review: (accountId: string, actor: unknown, caseId: string, decision: unknown) => Op<Account>
    readonly recordVolume: (accountId: string, amount: unknown) => Op<Account>
    readonly refresh: (accountId: string) => Op<Account>
    readonly transition: (accountId: string, actor: unknown, command: unknown) => Op<Account>
    readonly invite: (accountId: string, actor: unknown, member: unknown) => Op<Account>
    readonly changeRoles: (accountId: string, actor: unknown, member: unknown) => Op<Account>
    readonly removeMember: (accountId: string, actor: unknown, memberId: unknown) => Op<Account>
    readonly transferOwnership: (accountId: string, actor: unknown, to: unknown) => Op<Account>
    readonly createApiKey: (accountId: string, actor: unknown, access: unknown) => Op<Permissions.ApiKey>
    readonly decide: (
      accountId: string,
      memberId: string,
      permission: Permissions.Permission
    ) => Op<Permissions.Decision>
    readonly updateSecurity: (accountId: string, actor: unknown, settings: unknown) => Op<Account>
    readonly audit: (accountId: string) => Op<ReadonlyArray<AuditEntry>>
    readonly profile: (accountId: string, purpose?: Purpose) => Op<ReadonlyArray<SubjectView>>
    readonly exportSubject: (subject: string) => Op<SubjectExport.SubjectExport>
    readonly erase: (subject: string, actor: unknown) => Op<ErasureResult>
    readonly placeLegalHold: (input: unknown) => Op<LegalHold>
    readonly sweep: Op<ReadonlyArray<string>>
    readonly rotateKeys: Op<{ readonly kekVersion: number; readonly rewrapped: number }>
    readonly retireKeyVersion: (version: unknown) => Op<{ readonly kekVersion: number }>
  }
>()("@paykit/accounts/Accounts") {}

const text = (max: number) => Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(max))

const decodeApplicant = Input.decode("register", Registration.Applicant)
const decodeActor = (operation: string) => Input.decode(operation, Actor)
const decodePatch = Input.decode("updateProfile", Registration.ProfilePatch)
const decodeOutcome = Input.decode("verificationResult", Verification.Outcome)
const decodeReview = Input.decode(
  "review",
  Schema.Struct({ approve: Schema.Boolean, reason: Schema.optionalKey(text(500)) })
)
const decodeVolume = Input.decode(
  "recordVolume",
  Schema.Struct({
    amount: Schema.String.check(
      Schema.isPattern(/^\d{1,30}$/, { message: "expected minor units as a digit string" })
    ),
    currency: Currency.Code
  })
)
const decodeCommand = Input.decode("transition", Lifecycle.Command)
const decodeInvite = Input.decode(
  "invite",
  Schema.Struct({ id: text(100), roles: Schema.Array(Permissions.Role).check(Schema.isMaxLength(8)) })
)
const decodeChangeRoles = Input.decode(
  "changeRoles",
  Schema.Struct({ id: text(100), roles: Schema.Array(Permissions.Role).check(Schema.isMaxLength(8)) })
)
const decodeMemberId = (operation: string) => Input.decode(operation, text(100))
const decodeAccess = Input.decode("createApiKey", Permissions.KeyAccess)
const decodeSettings = Input.decode("updateSecurity", Security.SettingsInput)
const decodeHold = Input.decode(
  "placeLegalHold",
  Schema.Struct({
    subject: text(100),
    basis: Schema.String.check(
      Schema.isPattern(/^[a-z][a-z0-9_]{1,39}$/, { message: "expected a snake_case basis" })
    ),
    until: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
  })
)

const decodeKekVersion = Input.decode("retireKeyVersion", Schema.Int.check(Schema.isGreaterThanOrEqualTo(1)))

/** How often an operation decides again after losing a race (each retry re-reads what it decides on). */
const RACE_ATTEMPTS = 20

/**
 * Re-runs `op` (which re-reads everything it decides on) when the store refused its commit
 * because a concurrent writer changed what it read (`conflict` one of `tags`), at most
 * `RACE_ATTEMPTS` times in all; the last refusal is returned as it is.
 */
const afterRaces = <A, E, R>(
  tags: ReadonlyArray<Conflict["_tag"]>,
  op: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => {
  const loop = (left: number): Effect.Effect<A, E, R> =>
    Effect.catchIf(
      op,
      (e) =>
        left > 1 && e instanceof StoreFailure && e.conflict !== undefined && tags.includes(e.conflict._tag),
      () => loop(left - 1)
    )
  return loop(RACE_ATTEMPTS)
}

const FINAL_FOR_PROFILE: ReadonlySet<Lifecycle.Status> = Lifecycle.FINAL

const PERSON_FIELDS = [
  "firstName",
  "lastName",
  "dateOfBirth",
  "email",
  "phone",
  "address",
  "idNumber",
  "idDocument"
]
const BUSINESS_HOLDER_FIELDS = [
  "email",
  "phone",
  "address",
  "taxId",
  "registrationNumber",
  "bankAccountNumber"
]
const INDIVIDUAL_HOLDER_FIELDS = [...PERSON_FIELDS, "bankAccountNumber"]
const CASE_FIELDS: { readonly [K in Verification.Kind]: ReadonlyArray<string> } = {
  identity: ["firstName", "lastName", "dateOfBirth", "idNumber"],
  document: ["idDocument"],
  company: ["taxId", "registrationNumber"]
}

const brandOf = (n: string): string =>
  /^4/.test(n)
    ? "visa"
    : /^(5[1-5]|2[2-7])/.test(n)
      ? "mastercard"
      : /^3[47]/.test(n)
        ? "amex"
        : /^6(011|5)/.test(n)
          ? "discover"
          : "unknown"

const personValues = (p: Registration.Person): Record<string, string> => {
  const out: Record<string, string> = {
    firstName: p.firstName,
    lastName: p.lastName,
    dateOfBirth: p.dateOfBirth
  }
  if (p.email !== undefined) out["email"] = p.email
  if (p.phone !== undefined) out["phone"] = p.phone
  if (p.address !== undefined) out["address"] = JSON.stringify(p.address)
  if (p.idNumber !== undefined) out["idNumber"] = p.idNumber
  if (p.idDocument !== undefined) out["idDocument"] = p.idDocument
  return out
}

const addYears = (at: number, years: number): number => {
  const d = new Date(at)
  d.setUTCFullYear(d.getUTCFullYear() + years)
  return d.getTime()
}

const notFound = (kind: string, id: string) => new NotFound({ kind, id })

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

const requirementsKey = (r: Requirements.Requirements) =>
  JSON.stringify([
    r.eventuallyDue,
    r.currentlyDue,
    r.pastDue,
    r.pendingVerification,
    r.errors,
    r.disabledReason
  ])

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
    const store = yield* AccountStore
    const keys = yield* KeyStore
    const provider = yield* VerificationProvider
    const closure = yield* ClosureCheck
    const ids = yield* Ids.Ids
    const policy = config.policy ?? Requirements.defaultPolicy
    const amlYears = config.amlRetentionYears ?? 5
    const pageSize = Math.max(1, Math.floor(config.rotationPageSize ?? 500))

    /**
     * Commits a change together with the events it causes: one `store.commit`, so the store keeps
     * (outbox) or delivers (memory, after the commit) exactly the events of the changes it made.
     * The service never notifies on its own.
     */
    const commit = (tx: Transaction, drafts: ReadonlyArray<Ev>) =>
      Effect.gen(function* () {
        const events = yield* Effect.provideService(DomainEvent.envelopes(drafts), Ids.Ids, ids)
        yield* store.commit(events.length === 0 ? tx : { ...tx, events })
        if (events.length > 0)
          yield* Effect.logDebug(`accounts: ${events.map((e) => `${e.type}(${e.subject})`).join(", ")}`)
      })

    type Ev = { readonly type: string; readonly at: number; readonly subject: string; readonly data: unknown }

    /**
     * Commits one account's change (from `a`, at its version, to `next`) with its audit record,
     * whatever else the change writes (`more`) and its events.
     */
    const commitChange = (
      a: Account,
      next: Account,
      now: number,
      entry: Pick<AuditEntry, "actor" | "action" | "version" | "changes">,
      drafts: ReadonlyArray<Ev>,
      more: Omit<Transaction, "accounts" | "audit"> = {}
    ) =>
      Effect.gen(function* () {
        const audit: AuditEntry = { id: yield* ids.next, at: now, accountId: a.id, ...entry }
        yield* commit(
          { ...more, accounts: [{ account: next, expectedVersion: a.version }], audit: [audit] },
          drafts
        )
      })

    /** An id argument that is not a string (plain JavaScript, hostile input) is InvalidInput, not a defect. */
    const checkId = (value: unknown, what: string): Op<string> =>
      typeof value === "string"
        ? Effect.succeed(value)
        : Effect.fail(
            new InvalidInput({ operation: "Accounts", path: what, reason: `expected a ${what} (a string)` })
          )

    const load = (id: string): Op<Account> =>
      Effect.flatMap(checkId(id, "account id"), (checked) =>
        Effect.flatMap(store.getAccount(checked), (o) =>
          Option.isSome(o) ? Effect.succeed(o.value) : Effect.fail(notFound("account", checked))
        )
      )

    const actorKind = (a: Account, actor: Actor): Lifecycle.ActorKind | "member" =>
      actor.kind === "operator" ? "operator" : actor.id === a.team.owner ? "owner" : "member"

    const actorLabel = (actor: Actor | "system") =>
      actor === "system" ? "system" : `${actor.kind}:${actor.id}`

    const require = (a: Account, actor: Actor, permission: Permissions.Permission, action: string) => {
      if (actor.kind === "operator") return Effect.void
      const d = Permissions.decide(a.team, actor.id, permission)
      return d.allowed
        ? Effect.void
        : Effect.fail(new PermissionDenied({ actor: actor.id, action, reason: d.reason }))
    }

    const notFinal = (a: Account, actor: Actor | "system", command: string) =>
      FINAL_FOR_PROFILE.has(a.status)
        ? Effect.fail(
            new IllegalTransition({
              machine: "account",
              from: a.status,
              command,
              actor: actor === "system" ? "system" : actor.kind,
              reason: `${a.status} is a final state`
            })
          )
        : Effect.void

    /** The platform's automatic move at `now` and the events it and the requirement change produce. */
    const settle = (
      before: Account | undefined,
      after: Account,
      now: number
    ): { account: Account; events: Array<Ev> } => {
      const events: Array<Ev> = []
      let account = after
      const move = Requirements.automaticMove(policy, account, now)
      if (move !== undefined) {
        const r = Lifecycle.transition(account.status, move, "system")
        if (Result.isSuccess(r)) {
          events.push({
            type: Events.LIFECYCLE[move],
            at: now,
            subject: account.id,
            data: {
              accountId: account.id,
              from: account.status,
              to: r.success,
              code: Lifecycle.CODES[r.success],
              by: "system"
            }
          })
          account = withStatus(account, r.success, "system", now)
        }
      }
      const now1 = Requirements.evaluate(policy, account, now).requirements
      const was = before === undefined ? undefined : Requirements.evaluate(policy, before, now).requirements
      if (was === undefined || requirementsKey(was) !== requirementsKey(now1)) {
        events.push({
          type: Events.TYPES.requirementsUpdated,
          at: now,
          subject: account.id,
          data: { accountId: account.id, ...now1 }
        })
      }
      return { account, events }
    }

    const bump = (a: Account, now: number): Account => ({ ...a, version: a.version + 1, updatedAt: now })

    /** Moves to `to`, recording who restricted the account while it is restricted (and only then). */
    const withStatus = (a: Account, to: Lifecycle.Status, by: Lifecycle.ActorKind, now: number): Account => {
      const { restriction: _was, ...rest } = a
      if (to !== "restricted") return { ...rest, status: to }
      return { ...rest, status: to, restriction: { by: by === "system" ? "system" : "operator", at: now } }
    }

    // ---- vault ----

    const erasureState = (subject: string, now: number, purpose: Purpose) =>
      Effect.flatMap(
        store.getErasure(subject),
        (o): Effect.Effect<void, SubjectErased | ProcessingRestricted> => {
          if (Option.isNone(o)) return Effect.void
          const e = o.value
          if (e.status === "erased")
            return Effect.fail(new SubjectErased({ subject, erasedAt: e.erasedAt ?? 0 }))
          const until = e.until ?? 0
          if (until <= now) return Effect.fail(new SubjectErased({ subject, erasedAt: until }))
          return purpose === "legal_hold"
            ? Effect.void
            : Effect.fail(new ProcessingRestricted({ subject, until, basis: e.basis ?? "legal_hold" }))
        }
      )

    const dataKey = (subject: string) =>
      Effect.flatMap(store.getKey(subject), (o) =>
        Option.isNone(o)
          ? Effect.succeed(Option.none<{ key: SubjectKey; dek: Uint8Array }>())
          : Effect.map(keys.unwrap(subject, o.value.wrapped), (dek) => Option.some({ key: o.value, dek }))
      )

    const readSubject = (subject: string, now: number, purpose: Purpose): Op<Record<string, string>> =>
      Effect.gen(function* () {
        yield* erasureState(subject, now, purpose)
        const k = yield* dataKey(subject)
        if (Option.isNone(k)) return {}
        const fields = yield* store.getFields(subject)
        const out: Record<string, string> = {}
        for (const f of fields) {
          out[f.field] = yield* Effect.fromResult(Cipher.open(k.value.dek, f.sealed, subject, f.field))
        }
        return out
      })

    /** Seals values for a subject, creating its data key if it has none. */
    const sealFor = (subject: string, values: Readonly<Record<string, string>>) =>
      Effect.gen(function* () {
        const existing = yield* dataKey(subject)
        let key: SubjectKey
        let dek: Uint8Array
        const tx: { keys: Array<NonNullable<Transaction["keys"]>[number]> } = { keys: [] }
        if (Option.isSome(existing)) {
          key = existing.value.key
          dek = existing.value.dek
        } else {
          dek = Cipher.generateKey()
          key = { subject, version: 1, wrapped: yield* keys.wrap(subject, dek) }
          tx.keys.push({ subject, key })
        }
        const fields = Object.entries(values).map(([field, v]) => ({
          subject,
          field,
          sealed: Cipher.seal(dek, key.version, subject, field, v) as Cipher.Sealed | null
        }))
        return { keys: tx.keys, fields }
      })

    // ---- registration ----

    /**
     * A registration whose commit lost a race: to an applicant with the same email or
     * registration number (the index key taken at commit: `DuplicateApplicant`, as if it had been
     * seen before), or to a KEK retirement (wrapped under a version retired meanwhile: registered
     * again under the current one).
     */
    const register = (input: unknown): Op<Account> =>
      afterRaces(["KeyVersionRetired"], registerOnce(input)).pipe(
        Effect.catchIf(
          (e) =>
            e instanceof StoreFailure &&
            e.conflict?._tag === "IndexTaken" &&
            (e.conflict.index === "email" || e.conflict.index === "registration"),
          (e) => {
            const c = (e as StoreFailure).conflict as Extract<Conflict, { _tag: "IndexTaken" }>
            return Effect.fail(
              new DuplicateApplicant({
                field: c.index === "email" ? "email" : "registrationNumber",
                existing: c.owner
              })
            )
          }
        )
      )

    const registerOnce = (input: unknown): Op<Account> =>
      Effect.gen(function* () {
        const app = yield* decodeApplicant(input)
        const now = yield* Clock.currentTimeMillis
        const emailKey = yield* keys.blindIndex("email", app.email.toLowerCase())
        const dupEmail = yield* store.findIndex("email", emailKey)
        if (Option.isSome(dupEmail))
          return yield* Effect.fail(new DuplicateApplicant({ field: "email", existing: dupEmail.value }))
        let regKey: string | undefined
        if (app.type === "business") {
          regKey = yield* keys.blindIndex(
            "registration",
            `${app.country}:${app.registrationNumber.toUpperCase().replace(/[^A-Z0-9]/g, "")}`
          )
          const dup = yield* store.findIndex("registration", regKey)
          if (Option.isSome(dup)) {
            return yield* Effect.fail(
              new DuplicateApplicant({ field: "registrationNumber", existing: dup.value })
            )
          }
        }
        const id = yield* ids.next
        const holder: Record<string, string> = { email: app.email, phone: app.phone }
        const persons: Array<PersonRef> = []
        const personValuesById = new Map<string, Record<string, string>>()
        const cases: Array<Verification.Case> = []
        if (app.type === "individual") {
          Object.assign(holder, personValues({ ...app.person, email: app.email, phone: app.phone }))
          cases.push(Verification.make(id, "identity", now), Verification.make(id, "document", now))
        } else {
          holder["address"] = JSON.stringify(app.address)
          holder["taxId"] = app.taxId
          holder["registrationNumber"] = app.registrationNumber
          cases.push(Verification.make(id, "company", now))
          const add = (role: PersonRef["role"], p: Registration.Person, bps?: number) =>
            Effect.map(ids.next, (pid) => {
              const values = personValues(p)
              personValuesById.set(pid, values)
              persons.push({
                id: pid,
                role,
                ...(bps === undefined ? {} : { ownershipBps: bps }),
                fields: Object.keys(values).sort()
              })
              cases.push(Verification.make(pid, "identity", now), Verification.make(pid, "document", now))
            })
          yield* add("representative", app.representative)
          for (const o of app.owners) yield* add("owner", o, Math.round(o.ownershipPercent * 100))
        }
        if (app.bankAccount !== undefined) holder["bankAccountNumber"] = app.bankAccount.accountNumber
        let card: CardSummary | undefined
        if (app.card !== undefined) {
          card = {
            brand: brandOf(app.card.number),
            last4: app.card.number.slice(-4),
            fingerprint: yield* keys.blindIndex("card", app.card.number)
          }
        }
        const bank: BankSummary | undefined =
          app.bankAccount === undefined
            ? undefined
            : {
                country: app.bankAccount.country,
                currency: app.bankAccount.currency,
                last4: app.bankAccount.accountNumber.slice(-4)
              }
        const sealedHolder = yield* sealFor(id, holder)
        const sealedPersons = []
        for (const [pid, values] of personValuesById) sealedPersons.push(yield* sealFor(pid, values))
        const draft: Account = {
          id,
          version: 1,
          type: app.type,
          country: app.country,
          currency: app.currency,
          status: "pending",
          createdAt: now,
          updatedAt: now,
          capabilities: [...app.capabilities],
          ...(app.type === "business" ? { legalName: app.legalName } : {}),
          ...(app.website === undefined ? {} : { website: app.website }),
          ...(app.industry === undefined ? {} : { industry: app.industry }),
          holderFields: Object.keys(holder).sort(),
          emailIndex: emailKey,
          ...(regKey === undefined ? {} : { registrationIndex: regKey }),
          persons,
          cases: cases.map((c) => provideIfComplete(c, fieldsFor(c.subject), now)),
          volume: Money.zero(Currency.isoUnsafe(app.currency)),
          thresholdsCrossed: {},
          ...(card === undefined ? {} : { card }),
          ...(bank === undefined ? {} : { bank }),
          team: { owner: app.owner.userId, members: [{ id: app.owner.userId, roles: [] }] },
          apiKeys: [],
          security: Security.defaults,
          profileVersion: 1
        }
        function fieldsFor(subject: string): ReadonlyArray<string> {
          return subject === id ? Object.keys(holder) : Object.keys(personValuesById.get(subject) ?? {})
        }
        const settled = settle(undefined, draft, now)
        const account = settled.account
        const allSealed = [sealedHolder, ...sealedPersons]
        yield* commit(
          {
            accounts: [{ account, expectedVersion: 0 }],
            index: [
              { kind: "email", key: emailKey, accountId: id },
              ...(regKey === undefined
                ? []
                : [{ kind: "registration" as const, key: regKey, accountId: id }]),
              ...subjectsOf(account).map((s) => ({ kind: "subject" as const, key: s, accountId: id }))
            ],
            keys: allSealed.flatMap((s) => s.keys),
            fields: allSealed.flatMap((s) => s.fields),
            audit: [
              {
                id: yield* ids.next,
                at: now,
                accountId: id,
                actor: `member:${app.owner.userId}`,
                action: "register",
                version: 1,
                changes: Object.entries(holder).map(([field, v]) => ({
                  field,
                  from: null,
                  to: Redact.forAudit(field, v)
                }))
              }
            ]
          },
          [
            {
              type: Events.TYPES.registered,
              at: now,
              subject: id,
              data: { accountId: id, type: app.type, country: app.country, capabilities: app.capabilities }
            },
            ...settled.events
          ]
        )
        return account
      })

    const provideIfComplete = (
      c: Verification.Case,
      present: ReadonlyArray<string>,
      now: number
    ): Verification.Case => {
      const complete = CASE_FIELDS[c.kind].every((f) => present.includes(f))
      if (!complete || c.status === "data_provided") return c
      return Result.getOrElse(Verification.next(c, { _tag: "provide" }, now), () => c)
    }

    // ---- profile updates ----

    const updateProfile = (accountId: string, actorInput: unknown, patchInput: unknown): Op<Account> =>
      Effect.gen(function* () {
        const actor = yield* decodeActor("updateProfile")(actorInput)
        const patch = yield* decodePatch(patchInput)
        const a = yield* load(accountId)
        const now = yield* Clock.currentTimeMillis
        yield* notFinal(a, actor, "update the profile of")
        yield* require(a, actor, "settings:manage", "update the profile")
        if (patch.bankAccount !== undefined)
          yield* require(a, actor, "bank_accounts:manage", "change the bank account")
        const subject = patch.subject ?? a.id
        const person = a.persons.find((p) => p.id === subject)
        if (subject !== a.id && person === undefined) return yield* Effect.fail(notFound("person", subject))
        const allowed =
          subject !== a.id
            ? PERSON_FIELDS
            : a.type === "individual"
              ? INDIVIDUAL_HOLDER_FIELDS
              : BUSINESS_HOLDER_FIELDS
        const values: Record<string, string> = {}
        const plain: Record<string, string> = {}
        for (const [k, v] of Object.entries(patch)) {
          if (k === "subject" || v === undefined) continue
          if (k === "website" || k === "industry") {
            if (subject !== a.id) {
              return yield* Effect.fail(
                new InvalidInput({
                  operation: "updateProfile",
                  path: k,
                  reason: "a field of the account, not of a person"
                })
              )
            }
            plain[k] = v as string
            continue
          }
          if (k === "card" || k === "bankAccount") {
            if (subject !== a.id) {
              return yield* Effect.fail(
                new InvalidInput({
                  operation: "updateProfile",
                  path: k,
                  reason: "a field of the account, not of a person"
                })
              )
            }
            if (k === "bankAccount")
              values["bankAccountNumber"] = (v as { accountNumber: string }).accountNumber
            continue
          }
          if (!allowed.includes(k)) {
            return yield* Effect.fail(
              new InvalidInput({
                operation: "updateProfile",
                path: k,
                reason: `not a field of ${subject === a.id ? `an ${a.type} account holder` : "a person"}`
              })
            )
          }
          values[k] = k === "address" ? JSON.stringify(v) : (v as string)
        }
        const old = Object.keys(values).length > 0 ? yield* readSubject(subject, now, "operations") : {}
        const changedFields = Object.keys(values).filter((k) => old[k] !== values[k])
        const changedValues = Object.fromEntries(changedFields.map((k) => [k, values[k]!]))
        let emailIndex = a.emailIndex
        if (subject === a.id && changedValues["email"] !== undefined) {
          emailIndex = yield* keys.blindIndex("email", changedValues["email"].toLowerCase())
          const owner = yield* store.findIndex("email", emailIndex)
          if (Option.isSome(owner) && owner.value !== a.id) {
            return yield* Effect.fail(new DuplicateApplicant({ field: "email", existing: owner.value }))
          }
        }
        const index: NonNullable<Transaction["index"]> =
          emailIndex === a.emailIndex
            ? []
            : [
                ...(a.emailIndex === undefined
                  ? []
                  : [{ kind: "email" as const, key: a.emailIndex, accountId: null }]),
                ...(emailIndex === undefined
                  ? []
                  : [{ kind: "email" as const, key: emailIndex, accountId: a.id }])
              ]
        const sealed =
          changedFields.length > 0 ? yield* sealFor(subject, changedValues) : { keys: [], fields: [] }
        const present = [
          ...new Set([...(subject === a.id ? a.holderFields : (person?.fields ?? [])), ...changedFields])
        ].sort()
        const cases = a.cases.map((c) => {
          if (c.subject !== subject) return c
          const touched = CASE_FIELDS[c.kind].some((f) => changedFields.includes(f))
          if (touched && CASE_FIELDS[c.kind].every((f) => present.includes(f))) {
            return Result.getOrElse(Verification.next(c, { _tag: "provide" }, now), () => c)
          }
          return c
        })
        let card = a.card
        if (patch.card !== undefined) {
          card = {
            brand: brandOf(patch.card.number),
            last4: patch.card.number.slice(-4),
            fingerprint: yield* keys.blindIndex("card", patch.card.number)
          }
        }
        const bank =
          patch.bankAccount === undefined
            ? a.bank
            : {
                country: patch.bankAccount.country,
                currency: patch.bankAccount.currency,
                last4: patch.bankAccount.accountNumber.slice(-4)
              }
        const next: Account = bump(
          {
            ...a,
            ...plain,
            ...(card === undefined ? {} : { card }),
            ...(bank === undefined ? {} : { bank }),
            holderFields: subject === a.id ? present : a.holderFields,
            persons: a.persons.map((p) => (p.id === subject ? { ...p, fields: present } : p)),
            cases,
            ...(emailIndex === undefined ? {} : { emailIndex }),
            profileVersion: a.profileVersion + 1
          },
          now
        )
        const settled = settle(a, next, now)
        const reopened = cases.filter((c, i) => c !== a.cases[i])
        const changes = [
          ...changedFields.map((field) => ({
            field,
            from: Redact.forAudit(field, old[field]),
            to: Redact.forAudit(field, changedValues[field])
          })),
          ...Object.entries(plain)
            .filter(([k, v]) => (a as unknown as Record<string, unknown>)[k] !== v)
            .map(([field, v]) => ({
              field,
              from: ((a as unknown as Record<string, unknown>)[field] as string | undefined) ?? null,
              to: v
            })),
          ...(patch.card === undefined
            ? []
            : [
                {
                  field: "card",
                  from: a.card ? `${a.card.brand} ${a.card.last4}` : null,
                  to: `${card!.brand} ${card!.last4}`
                }
              ])
        ]
        yield* commitChange(
          a,
          settled.account,
          now,
          {
            actor: actorLabel(actor),
            action: subject === a.id ? "update_profile" : `update_person:${subject}`,
            version: next.profileVersion,
            changes
          },
          [
            {
              type: Events.TYPES.profileUpdated,
              at: now,
              subject: a.id,
              data: {
                accountId: a.id,
                subject,
                fields: changes.map((c) => c.field),
                profileVersion: next.profileVersion
              }
            },
            ...reopened.map((c) => ({
              type: Events.TYPES.verificationUpdated,
              at: now,
              subject: a.id,
              data: { accountId: a.id, caseId: c.id, kind: c.kind, status: c.status }
            })),
            ...settled.events
          ],
          { index, keys: sealed.keys, fields: sealed.fields }
        )
        return settled.account
      })

    // ---- verification ----

    const applyCases = (a: Account, cases: ReadonlyArray<Verification.Case>, now: number, actor: string) =>
      Effect.gen(function* () {
        const changed = cases.filter((c, i) => c !== a.cases[i])
        if (changed.length === 0) return a
        const settled = settle(a, bump({ ...a, cases }, now), now)
        yield* commitChange(
          a,
          settled.account,
          now,
          {
            actor,
            action: "verification",
            version: a.profileVersion,
            changes: changed.map((c) => ({
              field: `case:${c.id}`,
              from: a.cases.find((x) => x.id === c.id)?.status ?? null,
              to: c.status
            }))
          },
          [
            ...changed.map((c) => ({
              type: Events.TYPES.verificationUpdated,
              at: now,
              subject: a.id,
              data: { accountId: a.id, caseId: c.id, kind: c.kind, status: c.status, errors: c.errors }
            })),
            ...settled.events
          ]
        )
        return settled.account
      })

    const submitVerification = (accountId: string, actorInput: unknown): Op<Account> =>
      Effect.gen(function* () {
        const actor = yield* decodeActor("submitVerification")(actorInput)
        const a = yield* load(accountId)
        const now = yield* Clock.currentTimeMillis
        yield* notFinal(a, actor, "verify")
        yield* require(a, actor, "settings:manage", "submit verification")
        const cases: Array<Verification.Case> = []
        const cache = new Map<string, Record<string, string>>()
        for (const c of a.cases) {
          if (c.status !== "data_provided") {
            cases.push(c)
            continue
          }
          let data = cache.get(c.subject)
          if (data === undefined) {
            data = yield* readSubject(c.subject, now, "operations")
            cache.set(c.subject, data)
          }
          const sent: Record<string, string> = Object.fromEntries(
            [...CASE_FIELDS[c.kind], "firstName", "lastName", "dateOfBirth"]
              .filter((f) => data[f] !== undefined)
              .map((f) => [f, data[f]!])
          )
          if (c.kind === "company" && a.legalName !== undefined) sent["legalName"] = a.legalName
          const outcome = yield* provider.verify({ caseId: c.id, kind: c.kind, data: sent })
          const submitted = yield* Effect.fromResult(Verification.next(c, { _tag: "submit" }, now))
          cases.push(yield* Effect.fromResult(Verification.next(submitted, { _tag: "result", outcome }, now)))
        }
        return yield* applyCases(a, cases, now, actorLabel(actor))
      })

    const findCase = (a: Account, caseId: string) => {
      const c = a.cases.find((x) => x.id === caseId)
      return c === undefined ? Effect.fail(notFound("verification case", caseId)) : Effect.succeed(c)
    }

    const verificationResult = (accountId: string, caseId: string, outcomeInput: unknown): Op<Account> =>
      Effect.gen(function* () {
        const outcome = yield* decodeOutcome(outcomeInput)
        const a = yield* load(accountId)
        const now = yield* Clock.currentTimeMillis
        const c = yield* findCase(a, caseId)
        const next = yield* Effect.fromResult(Verification.next(c, { _tag: "result", outcome }, now))
        return yield* applyCases(
          a,
          a.cases.map((x) => (x.id === caseId ? next : x)),
          now,
          "provider"
        )
      })

    const review = (
      accountId: string,
      actorInput: unknown,
      caseId: string,
      decisionInput: unknown
    ): Op<Account> =>
      Effect.gen(function* () {
        const actor = yield* decodeActor("review")(actorInput)
        const decision = yield* decodeReview(decisionInput)
        const a = yield* load(accountId)
        const now = yield* Clock.currentTimeMillis
        if (actor.kind !== "operator") {
          return yield* Effect.fail(
            new PermissionDenied({
              actor: actor.id,
              action: "review a verification",
              reason: "only platform operators review"
            })
          )
        }
        const c = yield* findCase(a, caseId)
        const next = yield* Effect.fromResult(
          Verification.next(
            c,
            {
              _tag: "review",
              approve: decision.approve,
              ...(decision.reason === undefined ? {} : { reason: decision.reason })
            },
            now
          )
        )
        return yield* applyCases(
          a,
          a.cases.map((x) => (x.id === caseId ? next : x)),
          now,
          actorLabel(actor)
        )
      })

    const recordVolume = (accountId: string, input: unknown): Op<Account> =>
      Effect.gen(function* () {
        const v = yield* decodeVolume(input)
        const a = yield* load(accountId)
        const now = yield* Clock.currentTimeMillis
        if (v.currency !== a.currency) {
          return yield* Effect.fail(
            new InvalidInput({
              operation: "recordVolume",
              path: "currency",
              reason: `the account's volume is kept in ${a.currency}`
            })
          )
        }
        const volume = yield* Effect.fromResult(
          Money.add(a.volume, Money.fromMinorUnsafe(BigInt(v.amount), a.volume.currency))
        ).pipe(
          Effect.mapError(
            (e) => new InvalidInput({ operation: "recordVolume", path: "amount", reason: e.message })
          )
        )
        const crossed = Requirements.newlyCrossed(policy, a, volume)
        const next = bump(
          {
            ...a,
            volume,
            thresholdsCrossed: { ...a.thresholdsCrossed, ...Object.fromEntries(crossed.map((r) => [r, now])) }
          },
          now
        )
        const settled = settle(a, next, now)
        yield* commit({ accounts: [{ account: settled.account, expectedVersion: a.version }] }, [
          {
            type: Events.TYPES.volumeRecorded,
            at: now,
            subject: a.id,
            data: { accountId: a.id, volume: volume.toJSON(), thresholdsCrossed: crossed }
          },
          ...settled.events
        ])
        return settled.account
      })

    const refresh = (accountId: string): Op<Account> =>
      Effect.gen(function* () {
        const a = yield* load(accountId)
        const now = yield* Clock.currentTimeMillis
        const move = Requirements.automaticMove(policy, a, now)
        if (move === undefined) return a
        const settled = settle(a, bump(a, now), now)
        yield* commit(
          { accounts: [{ account: settled.account, expectedVersion: a.version }] },
          settled.events
        )
        return settled.account
      })

    // ---- lifecycle ----

    const transition = (accountId: string, actorInput: unknown, commandInput: unknown): Op<Account> =>
      Effect.gen(function* () {
        const actor = yield* decodeActor("transition")(actorInput)
        const command = yield* decodeCommand(commandInput)
        const a = yield* load(accountId)
        const now = yield* Clock.currentTimeMillis
        const kind = actorKind(a, actor)
        if (kind === "member") {
          return yield* Effect.fail(
            new IllegalTransition({
              machine: "account",
              from: a.status,
              command,
              actor: "member",
              reason: "only the owner or an operator may change the account's state"
            })
          )
        }
        const to = yield* Effect.fromResult(Lifecycle.transition(a.status, command, kind))
        const holds: Array<LegalHold> = []
        let closedAt: number | undefined
        if (command === "close") {
          const standing = yield* closure.standing(a.id)
          const reasons = closureReasons(standing)
          if (reasons.length > 0) return yield* Effect.fail(new CannotClose({ accountId: a.id, reasons }))
          closedAt = now
          const until = addYears(now, amlYears)
          for (const s of subjectsOf(a))
            holds.push({ subject: s, basis: "aml_retention", until, placedAt: now })
        }
        const moved = bump(
          withStatus({ ...a, ...(closedAt === undefined ? {} : { closedAt }) }, to, kind, now),
          now
        )
        const settled = settle(a, moved, now)
        yield* commitChange(
          a,
          settled.account,
          now,
          {
            actor: actorLabel(actor),
            action: `lifecycle:${command}`,
            version: a.profileVersion,
            changes: [{ field: "status", from: a.status, to }]
          },
          [
            {
              type: Events.LIFECYCLE[command],
              at: now,
              subject: a.id,
              data: { accountId: a.id, from: a.status, to, code: Lifecycle.CODES[to], by: kind }
            },
            ...holds.map((h) => ({
              type: Events.TYPES.legalHoldPlaced,
              at: now,
              subject: a.id,
              data: { subject: h.subject, basis: h.basis, until: h.until }
            })),
            ...settled.events
          ],
          { holds }
        )
        return settled.account
      })

    // ---- team ----

    const teamChange = (
      accountId: string,
      actorInput: unknown,
      operation: string,
      change: (
        a: Account,
        actor: Actor
      ) => Effect.Effect<{ team: Permissions.Team; event: Omit<Ev, "at" | "subject"> }, AccountsError>
    ): Op<Account> =>
      Effect.gen(function* () {
        const actor = yield* decodeActor(operation)(actorInput)
        const a = yield* load(accountId)
        const now = yield* Clock.currentTimeMillis
        yield* notFinal(a, actor, operation)
        if (actor.kind !== "member") {
          return yield* Effect.fail(
            new PermissionDenied({
              actor: actor.id,
              action: operation,
              reason: "team changes are made by the merchant's members"
            })
          )
        }
        const { team, event } = yield* change(a, actor)
        const next = bump({ ...a, team }, now)
        yield* commitChange(
          a,
          next,
          now,
          {
            actor: actorLabel(actor),
            action: `team:${operation}`,
            version: a.profileVersion,
            changes: [{ field: "team", from: JSON.stringify(a.team), to: JSON.stringify(team) }]
          },
          [{ ...event, at: now, subject: a.id }]
        )
        return next
      })

    const invite = (accountId: string, actorInput: unknown, memberInput: unknown) =>
      teamChange(accountId, actorInput, "invite", (a, actor) =>
        Effect.gen(function* () {
          const m = yield* decodeInvite(memberInput)
          const team = yield* Effect.fromResult(Permissions.invite(a.team, actor.id, m.id, m.roles))
          return {
            team,
            event: {
              type: Events.TYPES.memberInvited,
              data: { accountId: a.id, member: m.id, roles: m.roles, by: actor.id }
            }
          }
        })
      )

    const changeRoles = (accountId: string, actorInput: unknown, memberInput: unknown) =>
      teamChange(accountId, actorInput, "changeRoles", (a, actor) =>
        Effect.gen(function* () {
          const m = yield* decodeChangeRoles(memberInput)
          const team = yield* Effect.fromResult(Permissions.changeRoles(a.team, actor.id, m.id, m.roles))
          const from = a.team.members.find((x) => x.id === m.id)?.roles ?? []
          return {
            team,
            event: {
              type: Events.TYPES.rolesChanged,
              data: { accountId: a.id, member: m.id, from, to: m.roles, by: actor.id }
            }
          }
        })
      )

    const removeMember = (accountId: string, actorInput: unknown, memberInput: unknown) =>
      teamChange(accountId, actorInput, "removeMember", (a, actor) =>
        Effect.gen(function* () {
          const id = yield* decodeMemberId("removeMember")(memberInput)
          const team = yield* Effect.fromResult(Permissions.remove(a.team, actor.id, id))
          return {
            team,
            event: { type: Events.TYPES.memberRemoved, data: { accountId: a.id, member: id, by: actor.id } }
          }
        })
      )

    const transferOwnership = (accountId: string, actorInput: unknown, toInput: unknown) =>
      teamChange(accountId, actorInput, "transferOwnership", (a, actor) =>
        Effect.gen(function* () {
          const to = yield* decodeMemberId("transferOwnership")(toInput)
          const team = yield* Effect.fromResult(Permissions.transferOwnership(a.team, actor.id, to))
          return {
            team,
            event: {
              type: Events.TYPES.ownershipTransferred,
              data: { accountId: a.id, from: a.team.owner, to }
            }
          }
        })
      )

    const createApiKey = (
      accountId: string,
      actorInput: unknown,
      accessInput: unknown
    ): Op<Permissions.ApiKey> =>
      Effect.gen(function* () {
        const actor = yield* decodeActor("createApiKey")(actorInput)
        const access = yield* decodeAccess(accessInput)
        const a = yield* load(accountId)
        const now = yield* Clock.currentTimeMillis
        yield* notFinal(a, actor, "create an API key for")
        if (actor.kind !== "member") {
          return yield* Effect.fail(
            new PermissionDenied({
              actor: actor.id,
              action: "create an API key",
              reason: "keys are created by members"
            })
          )
        }
        yield* Effect.fromResult(Permissions.canCreateKey(a.team, actor.id, access))
        const key = { id: yield* ids.next, createdBy: actor.id, access, createdAt: now }
        const next = bump({ ...a, apiKeys: [...a.apiKeys, key] }, now)
        yield* commitChange(
          a,
          next,
          now,
          {
            actor: actorLabel(actor),
            action: "api_key:create",
            version: a.profileVersion,
            changes: [{ field: "apiKeys", from: null, to: JSON.stringify({ id: key.id, access }) }]
          },
          [
            {
              type: Events.TYPES.apiKeyCreated,
              at: now,
              subject: a.id,
              data: { accountId: a.id, keyId: key.id, access, by: actor.id }
            }
          ]
        )
        return key
      })

    const moneyOf = (m: { readonly amount: string; readonly currency: string }, path: string) =>
      Effect.mapError(
        Effect.fromResult(
          Result.flatMap(Currency.fromCode(m.currency), (c) => Money.fromMinor(BigInt(m.amount), c))
        ),
        (e) => new InvalidInput({ operation: "updateSecurity", path, reason: e.message })
      )

    const updateSecurity = (accountId: string, actorInput: unknown, input: unknown): Op<Account> =>
      Effect.gen(function* () {
        const actor = yield* decodeActor("updateSecurity")(actorInput)
        const s = yield* decodeSettings(input)
        const a = yield* load(accountId)
        const now = yield* Clock.currentTimeMillis
        yield* notFinal(a, actor, "change the settings of")
        yield* require(a, actor, "settings:manage", "change security settings")
        const thresholds: { refunds?: Money.Money; payouts?: Money.Money } = {
          ...a.security.approvalThresholds
        }
        for (const k of ["refunds", "payouts"] as const) {
          const m = s.approvalThresholds?.[k]
          if (m !== undefined) thresholds[k] = yield* moneyOf(m, `approvalThresholds.${k}`)
        }
        const limits: Partial<Record<Registration.Capability, Security.Limit>> = { ...a.security.limits }
        for (const c of Registration.CAPABILITIES) {
          const l = s.limits?.[c]
          if (l === undefined) continue
          const limit: { perTransaction?: Money.Money; daily?: Money.Money } = {}
          if (l.perTransaction !== undefined)
            limit.perTransaction = yield* moneyOf(l.perTransaction, `limits.${c}.perTransaction`)
          if (l.daily !== undefined) limit.daily = yield* moneyOf(l.daily, `limits.${c}.daily`)
          limits[c] = limit
        }
        const security: Security.Settings = {
          ...a.security,
          ...(s.twoFactorRequired === undefined ? {} : { twoFactorRequired: s.twoFactorRequired }),
          ...(s.stepUpWindowMillis === undefined ? {} : { stepUpWindowMillis: s.stepUpWindowMillis }),
          approvalThresholds: thresholds,
          limits
        }
        const next = bump({ ...a, security }, now)
        yield* commitChange(
          a,
          next,
          now,
          {
            actor: actorLabel(actor),
            action: "security:update",
            version: a.profileVersion,
            changes: Object.keys(s).map((field) => ({
              field,
              from: null,
              to: JSON.stringify((s as Record<string, unknown>)[field])
            }))
          },
          [
            {
              type: Events.TYPES.securityUpdated,
              at: now,
              subject: a.id,
              data: { accountId: a.id, fields: Object.keys(s) }
            }
          ]
        )
        return next
      })

    // ---- vault reads, export, erasure ----

    const view = (subject: string, now: number, purpose: Purpose): Op<SubjectView> =>
      readSubject(subject, now, purpose).pipe(
        Effect.map((fields): SubjectView => ({ _tag: "available", subject, fields })),
        Effect.catchTag("SubjectErased", (e) =>
          Effect.succeed<SubjectView>({ _tag: "erased", subject, erasedAt: e.erasedAt })
        ),
        Effect.catchTag("ProcessingRestricted", (e) =>
          Effect.succeed<SubjectView>({ _tag: "restricted", subject, until: e.until, basis: e.basis })
        )
      )

    const profile = (accountId: string, purpose: Purpose = "operations"): Op<ReadonlyArray<SubjectView>> =>
      Effect.gen(function* () {
        const a = yield* load(accountId)
        const now = yield* Clock.currentTimeMillis
        const out: Array<SubjectView> = []
        for (const s of subjectsOf(a)) out.push(yield* view(s, now, purpose))
        return out
      })

    const accountOfSubject = (subject: string) =>
      Effect.flatMap(checkId(subject, "subject id"), (checked) =>
        Effect.flatMap(store.findIndex("subject", checked), (o) =>
          Option.isSome(o) ? load(o.value) : Effect.fail(notFound("subject", checked))
        )
      )

    const exportSubject = (subject: string): Op<SubjectExport.SubjectExport> =>
      Effect.gen(function* () {
        const a = yield* accountOfSubject(subject)
        const now = yield* Clock.currentTimeMillis
        const data = yield* readSubject(subject, now, "legal_hold")
        const erasure = yield* store.getErasure(subject)
        const audit = yield* store.audit(a.id)
        const role = subject === a.id ? "holder" : (a.persons.find((p) => p.id === subject)?.role ?? "owner")
        return {
          format: "paykit.subject-export.v1" as const,
          subject,
          exportedAt: new Date(now).toISOString(),
          accounts: [
            {
              accountId: a.id,
              role: role === "individual" ? ("holder" as const) : role,
              type: a.type,
              status: a.status,
              statusCode: Lifecycle.CODES[a.status],
              country: a.country,
              createdAt: new Date(a.createdAt).toISOString(),
              capabilities: [...a.capabilities],
              ...(subject === a.id && a.card !== undefined
                ? { card: { brand: a.card.brand, last4: a.card.last4 } }
                : {}),
              ...(subject === a.id && a.bank !== undefined ? { bank: { ...a.bank } } : {})
            }
          ],
          personalData: data,
          verification: a.cases
            .filter((c) => c.subject === subject)
            .map((c) => ({ kind: c.kind, status: c.status, updatedAt: new Date(c.updatedAt).toISOString() })),
          processing:
            Option.isSome(erasure) && erasure.value.status === "retained"
              ? {
                  restricted: true,
                  until: new Date(erasure.value.until ?? 0).toISOString(),
                  basis: erasure.value.basis ?? "legal_hold"
                }
              : { restricted: false },
          auditTrail: audit
            .filter((e) => subject === a.id || e.action === "register" || e.action.endsWith(subject))
            .map((e) => ({
              at: new Date(e.at).toISOString(),
              action: e.action,
              fields: e.changes.map((c) => c.field)
            }))
        }
      })

    /** Destroys the subject's data key and ciphertexts; for the holder also the blind indexes, card and bank summaries. */
    const shredTx = (a: Account, subject: string, now: number, requestedAt: number): Transaction => {
      const base: Transaction = {
        keys: [{ subject, key: null }],
        purgeFields: [subject],
        erasures: [{ subject, requestedAt, status: "erased", erasedAt: now }]
      }
      if (subject !== a.id) return base
      const { card: _card, bank: _bank, emailIndex, registrationIndex, ...rest } = a
      return {
        ...base,
        accounts: [{ account: bump(rest, now), expectedVersion: a.version }],
        index: [
          ...(emailIndex === undefined ? [] : [{ kind: "email" as const, key: emailIndex, accountId: null }]),
          ...(registrationIndex === undefined
            ? []
            : [{ kind: "registration" as const, key: registrationIndex, accountId: null }])
        ]
      }
    }

    /** The subject's vault state now: its holds, its erasure, and the guard that pins both for a commit. */
    const vaultOf = (subject: string) =>
      Effect.gen(function* () {
        const holds = yield* store.getHolds(subject)
        const erasure = Option.getOrUndefined(yield* store.getErasure(subject))
        return { holds, erasure, guard: guardOf(subject, holds, erasure) }
      })

    /**
     * Erasure, legal holds and the sweep decide on a subject's holds and erasure and commit with a
     * guard on both: the store checks it under the subject's lock, so of an erasure and a hold (or
     * the sweep and a hold) racing, the second to commit sees the first. A refused guard (or a
     * stale account version) means someone else changed what was read: read again and decide again.
     */
    const erase = (subject: string, actorInput: unknown): Op<ErasureResult> =>
      afterRaces(["VaultChanged", "StaleVersion"], eraseOnce(subject, actorInput))

    const eraseOnce = (subject: string, actorInput: unknown): Op<ErasureResult> =>
      Effect.gen(function* () {
        const actor = yield* decodeActor("erase")(actorInput)
        const a = yield* accountOfSubject(subject)
        const now = yield* Clock.currentTimeMillis
        // who may ask is checked first: a member who is not the owner learns nothing of the
        // subject's erasure state or the account's
        if (actor.kind !== "operator" && actor.id !== a.team.owner) {
          return yield* Effect.fail(
            new PermissionDenied({
              actor: actor.id,
              action: "erase personal data",
              reason: "only an operator or the owner can ask"
            })
          )
        }
        const vault = yield* vaultOf(subject)
        if (vault.erasure !== undefined) {
          const e = vault.erasure
          if (e.status === "erased") return { _tag: "Erased" as const, subject, erasedAt: e.erasedAt ?? 0 }
          if ((e.until ?? 0) > now) {
            return { _tag: "Retained" as const, subject, until: e.until ?? 0, basis: e.basis ?? "legal_hold" }
          }
        }
        if (!Lifecycle.FINAL.has(a.status)) {
          return yield* Effect.fail(
            new IllegalTransition({
              machine: "account",
              from: a.status,
              command: "erase",
              actor: actor.kind,
              reason: "the relationship is ongoing; close, withdraw or reject the account first"
            })
          )
        }
        const holds = vault.holds.filter((h) => h.until > now)
        const longest = holds.reduce<LegalHold | undefined>(
          (m, h) => (m === undefined || h.until > m.until ? h : m),
          undefined
        )
        if (longest !== undefined) {
          yield* commit(
            {
              erasures: [
                { subject, requestedAt: now, status: "retained", until: longest.until, basis: longest.basis }
              ],
              guards: [vault.guard]
            },
            [
              {
                type: Events.TYPES.erasureRetained,
                at: now,
                subject: a.id,
                data: { subject, until: longest.until, basis: longest.basis }
              }
            ]
          )
          return { _tag: "Retained" as const, subject, until: longest.until, basis: longest.basis }
        }
        yield* commit({ ...shredTx(a, subject, now, now), guards: [vault.guard] }, [
          { type: Events.TYPES.erased, at: now, subject: a.id, data: { subject, accountId: a.id } }
        ])
        return { _tag: "Erased" as const, subject, erasedAt: now }
      })

    /** A hold on an erased subject is refused (`SubjectErased`): there is nothing left to hold. */
    const placeLegalHold = (input: unknown): Op<LegalHold> =>
      afterRaces(["VaultChanged"], placeLegalHoldOnce(input))

    const placeLegalHoldOnce = (input: unknown): Op<LegalHold> =>
      Effect.gen(function* () {
        const h = yield* decodeHold(input)
        const a = yield* accountOfSubject(h.subject)
        const now = yield* Clock.currentTimeMillis
        const vault = yield* vaultOf(h.subject)
        const erasure = vault.erasure
        if (erasure !== undefined && erasure.status === "erased") {
          return yield* Effect.fail(
            new SubjectErased({ subject: h.subject, erasedAt: erasure.erasedAt ?? 0 })
          )
        }
        const hold: LegalHold = { subject: h.subject, basis: h.basis, until: h.until, placedAt: now }
        const retained: ReadonlyArray<Erasure> =
          erasure !== undefined && (erasure.until ?? 0) < h.until
            ? [{ ...erasure, until: h.until, basis: h.basis }]
            : []
        yield* commit({ holds: [hold], erasures: retained, guards: [vault.guard] }, [
          {
            type: Events.TYPES.legalHoldPlaced,
            at: now,
            subject: a.id,
            data: { subject: h.subject, basis: h.basis, until: h.until }
          }
        ])
        return hold
      })

    /** Shreds one due subject unless a hold (placed meanwhile) keeps it; whether it shredded. */
    const sweepOne = (subject: string, now: number): Op<boolean> =>
      afterRaces(
        ["VaultChanged", "StaleVersion"],
        Effect.gen(function* () {
          const vault = yield* vaultOf(subject)
          const e = vault.erasure
          if (e === undefined || e.status !== "retained" || (e.until ?? 0) > now) return false
          if (vault.holds.some((h) => h.until > now)) return false
          const a = yield* accountOfSubject(subject)
          yield* commit({ ...shredTx(a, subject, now, e.requestedAt), guards: [vault.guard] }, [
            { type: Events.TYPES.erased, at: now, subject: a.id, data: { subject, accountId: a.id } }
          ])
          return true
        })
      )

    const sweep: Op<ReadonlyArray<string>> = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const due = yield* store.dueErasures(now)
      const done: Array<string> = []
      for (const e of due) if (yield* sweepOne(e.subject, now)) done.push(e.subject)
      return done
    })

    /**
     * Re-wraps one page of data keys under the current KEK by compare-and-set: a key erased or
     * re-wrapped since the page was read is left alone (its stale wrapping may no longer unwrap:
     * skipped when the stored key changed). How many were re-wrapped.
     */
    const rewrapPage = (page: ReadonlyArray<SubjectKey>): Op<number> =>
      Effect.gen(function* () {
        const rewraps: Array<{ subject: string; from: SubjectKey["wrapped"]; to: SubjectKey["wrapped"] }> = []
        for (const k of page) {
          const dek = yield* keys.unwrap(k.subject, k.wrapped).pipe(
            Effect.map(Option.some),
            Effect.catchTag("KeyStoreFailure", (e) =>
              Effect.flatMap(store.getKey(k.subject), (now) =>
                Option.isSome(now) &&
                now.value.wrapped.kekVersion === k.wrapped.kekVersion &&
                now.value.wrapped.wrapped === k.wrapped.wrapped
                  ? Effect.fail(e)
                  : Effect.succeed(Option.none<Uint8Array>())
              )
            )
          )
          if (Option.isNone(dek)) continue
          rewraps.push({ subject: k.subject, from: k.wrapped, to: yield* keys.wrap(k.subject, dek.value) })
        }
        return rewraps.length === 0 ? 0 : yield* store.rewrapKeys(rewraps)
      })

    /**
     * Rotation: a new KEK version, then every data key under an older one re-wrapped, a page
     * (`rotationPageSize` subjects) per transaction, continuing after the page's last subject.
     */
    const rotateKeys = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const version = yield* keys.rotate
      let after: string | null = null
      let rewrapped = 0
      while (true) {
        const from: string | null = after
        // wrapped under a version retired meanwhile (a newer rotation ran): read the page again
        const step: { readonly page: ReadonlyArray<SubjectKey>; readonly n: number } = yield* afterRaces(
          ["KeyVersionRetired"],
          Effect.flatMap(store.keysPage(from, pageSize, version), (page) =>
            Effect.map(rewrapPage(page), (n) => ({ page, n }))
          )
        )
        rewrapped += step.n
        if (step.page.length < pageSize) break
        after = step.page[step.page.length - 1]!.subject
      }
      yield* commit({}, [
        { type: Events.TYPES.keysRotated, at: now, subject: "kek", data: { kekVersion: version, rewrapped } }
      ])
      return { kekVersion: version, rewrapped }
    })

    /**
     * Retires an old KEK version: the store marks it retired only if no data key is wrapped under
     * it any more (checked under the version's lock, which every key write under it shares), and
     * only then does the key store forget it. The current version is never retired.
     */
    const retireKeyVersion = (input: unknown): Op<{ readonly kekVersion: number }> =>
      Effect.gen(function* () {
        const version = yield* decodeKekVersion(input)
        const now = yield* Clock.currentTimeMillis
        const current = yield* keys.currentVersion
        if (version >= current) {
          return yield* Effect.fail(
            version === current
              ? new KeyVersionInUse({ kekVersion: version, keys: 0 })
              : new KeyStoreFailure({ reason: `KEK version ${version} does not exist yet` })
          )
        }
        yield* commit({ retireKeks: [version] }, [
          { type: Events.TYPES.keyVersionRetired, at: now, subject: "kek", data: { kekVersion: version } }
        ]).pipe(
          Effect.catchIf(
            (e) => e instanceof StoreFailure && e.conflict?._tag === "KeyVersionInUse",
            (e) => {
              const c = (e as StoreFailure).conflict as Extract<Conflict, { _tag: "KeyVersionInUse" }>
              return Effect.fail(new KeyVersionInUse({ kekVersion: c.kekVersion, keys: c.keys }))
            }
          )
        )
        yield* keys.retire(version)
        return { kekVersion: version }
      })

    const evaluate = (accountId: string) =>
      Effect.gen(function* () {
        const a = yield* load(accountId)
        const now = yield* Clock.currentTimeMillis
        return Requirements.evaluate(policy, a, now)
      })

    const count = (name: string) => (items: ReadonlyArray<unknown>) => ({
      [`paykit.accounts.${name}`]: items.length
    })

    return Accounts.of({
      register: traced("register", register, null, (a) => ({ [ACCOUNT_ID]: a.id })),
      get: traced("get", load),
      evaluate: traced("evaluate", evaluate),
      updateProfile: traced("updateProfile", updateProfile),
      submitVerification: traced("submitVerification", submitVerification),
      verificationResult: traced("verificationResult", verificationResult),
      review: traced("review", review),
      recordVolume: traced("recordVolume", recordVolume),
      refresh: traced("refresh", refresh),
      transition: traced("transition", transition),
      invite: traced("invite", invite),
      changeRoles: traced("changeRoles", changeRoles),
      removeMember: traced("removeMember", removeMember),
      transferOwnership: traced("transferOwnership", transferOwnership),
      createApiKey: traced("createApiKey", createApiKey, ACCOUNT_ID, (k) => ({
        "paykit.accounts.api_key_id": k.id
      })),
      decide: traced("decide", (accountId: string, memberId: string, permission: Permissions.Permission) =>
        Effect.map(load(accountId), (a) => Permissions.decide(a.team, memberId, permission))
      ),
      updateSecurity: traced("updateSecurity", updateSecurity),
      audit: traced(
        "audit",
        (accountId: string) => Effect.flatMap(load(accountId), (a) => store.audit(a.id)),
        ACCOUNT_ID,
        count("audit_entries")
      ),
      profile: traced("profile", profile, ACCOUNT_ID, count("subjects")),
      exportSubject: traced("exportSubject", exportSubject, SUBJECT_ID),
      erase: traced("erase", erase, SUBJECT_ID),
      placeLegalHold: traced("placeLegalHold", placeLegalHold, null, (h) => ({ [SUBJECT_ID]: h.subject })),
      sweep: traced("sweep", () => sweep, null, count("erased"))(),
      rotateKeys: traced(
        "rotateKeys",
        () => rotateKeys,
        null,
        (r) => ({
          "paykit.accounts.kek_version": r.kekVersion,
          "paykit.accounts.rewrapped": r.rewrapped
        })
      )(),
      retireKeyVersion: traced("retireKeyVersion", retireKeyVersion, null, (r) => ({
        "paykit.accounts.kek_version": r.kekVersion
      }))
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
