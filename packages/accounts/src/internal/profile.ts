/**
 * Profile updates: a patch checked against the subject it changes (the holder or a person) and
 * the actor's permissions, the changed values sealed, verification cases whose data changed
 * reopened, and the new profile version committed with a redacted audit record and its events.
 *
 * @internal
 */
import { InvalidInput, Input, Service } from "@paykit/core"
import { Effect, Option, Result } from "effect"
import { type Account, type CardSummary, currentPersons, type PersonRef } from "../Account.ts"
import type { Accounts } from "../Accounts.ts"
import type { Transaction } from "../AccountStore.ts"
import {
  DuplicateApplicant,
  type IllegalTransition,
  type NotFound,
  type PermissionDenied
} from "../errors.ts"
import * as Events from "../Events.ts"
import * as Redact from "../Redact.ts"
import type * as Registration from "../Registration.ts"
import {
  BUSINESS_HOLDER_FIELDS,
  bankSummary,
  cardSummary,
  INDIVIDUAL_HOLDER_FIELDS,
  PERSON_FIELDS,
  reopenChanged
} from "./fields.ts"
import { type Actor, Actor as ActorSchema, ProfileInput } from "./inputs.ts"
import { actorLabel, type ChangeSpec, conflictOf, type Kit, notFinal, notFound, require } from "./kit.ts"
import type { Sealed, Sealing } from "./sealing.ts"

const decodeActor = Input.decode("updateProfile", ActorSchema)
const decodePatch = Input.decode("updateProfile", ProfileInput)

/** What a patch changes: the subject, its personal values (to seal) and plain account fields. */
export interface Scope {
  readonly subject: string
  readonly person: PersonRef | undefined
  readonly values: Readonly<Record<string, string>>
  readonly plain: Readonly<Record<string, string>>
}

const notOfPerson = (path: string) =>
  new InvalidInput({ operation: "updateProfile", path, reason: "a field of the account, not of a person" })

/**
 * Checks a patch (pure): the account is not final, the actor may change the profile (and the
 * bank account), the subject exists, and every field belongs to it.
 */
export const scopeOf = (
  a: Account,
  actor: Actor,
  patch: Registration.ProfilePatch
): Result.Result<Scope, IllegalTransition | PermissionDenied | NotFound | InvalidInput> =>
  Result.gen(function* () {
    yield* notFinal(a, actor, "update the profile of")
    yield* require(a, actor, "settings:manage", "update the profile")
    if (patch.bankAccount !== undefined)
      yield* require(a, actor, "bank_accounts:manage", "change the bank account")
    const subject = patch.subject ?? a.id
    // a person removed from the account keeps their sealed data, but it no longer changes
    const person = currentPersons(a).find((p) => p.id === subject)
    if (subject !== a.id && person === undefined) return yield* Result.fail(notFound("person", subject))
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
      if (k === "website" || k === "industry" || k === "card" || k === "bankAccount") {
        if (subject !== a.id) return yield* Result.fail(notOfPerson(k))
        if (k === "website" || k === "industry") plain[k] = v as string
        if (k === "bankAccount") values["bankAccountNumber"] = (v as { accountNumber: string }).accountNumber
        continue
      }
      if (!allowed.includes(k)) {
        return yield* Result.fail(
          new InvalidInput({
            operation: "updateProfile",
            path: k,
            reason: `not a field of ${subject === a.id ? `an ${a.type} account holder` : "a person"}`
          })
        )
      }
      values[k] = k === "address" ? JSON.stringify(v) : (v as string)
    }
    return { subject, person, values, plain }
  })

/** What the shell read and sealed for a patch. */
export interface Gathered {
  readonly old: Readonly<Record<string, string>>
  readonly changed: ReadonlyArray<string>
  readonly emailIndex: string | undefined
  readonly sealed: Sealed
  readonly card: CardSummary | undefined
}

/** The patched account and what its change writes (pure). */
export const planProfile = (
  a: Account,
  actor: Actor,
  patch: Registration.ProfilePatch,
  scope: Scope,
  g: Gathered,
  now: number
): { readonly next: Account; readonly spec: ChangeSpec<Account> } => {
  const { subject, plain } = scope
  const changedValues = Object.fromEntries(g.changed.map((k) => [k, scope.values[k]!]))
  const index: NonNullable<Transaction["index"]> =
    g.emailIndex === a.emailIndex
      ? []
      : [
          ...(a.emailIndex === undefined
            ? []
            : [{ kind: "email" as const, key: a.emailIndex, accountId: null }]),
          ...(g.emailIndex === undefined
            ? []
            : [{ kind: "email" as const, key: g.emailIndex, accountId: a.id }])
        ]
  const present = [
    ...new Set([...(subject === a.id ? a.holderFields : (scope.person?.fields ?? [])), ...g.changed])
  ].sort()
  const cases = reopenChanged(a.cases, subject, g.changed, present, now)
  const card = patch.card === undefined ? a.card : g.card
  const bank = patch.bankAccount === undefined ? a.bank : bankSummary(patch.bankAccount)
  const next: Account = {
    ...a,
    ...plain,
    ...(card === undefined ? {} : { card }),
    ...(bank === undefined ? {} : { bank }),
    holderFields: subject === a.id ? present : a.holderFields,
    persons: a.persons.map((p) => (p.id === subject ? { ...p, fields: present } : p)),
    cases,
    ...(g.emailIndex === undefined ? {} : { emailIndex: g.emailIndex }),
    profileVersion: a.profileVersion + 1,
    version: a.version + 1,
    updatedAt: now
  }
  const was = a as unknown as Record<string, unknown>
  const changes = [
    ...g.changed.map((field) => ({
      field,
      from: Redact.forAudit(field, g.old[field]),
      to: Redact.forAudit(field, changedValues[field])
    })),
    ...Object.entries(plain)
      .filter(([k, v]) => was[k] !== v)
      .map(([field, v]) => ({ field, from: (was[field] as string | undefined) ?? null, to: v })),
    ...(patch.card === undefined
      ? []
      : [
          // no brand or last four in the audit trail: nothing of the card outlives an erasure
          Redact.change({
            field: "card",
            from: a.card ? `${a.card.brand} ${a.card.last4}` : null,
            to: `${card!.brand} ${card!.last4}`
          })
        ])
  ]
  const reopened = cases.filter((c, i) => c !== a.cases[i])
  return {
    next,
    spec: {
      settle: true,
      audit: {
        actor: actorLabel(actor),
        action: subject === a.id ? "update_profile" : `update_person:${subject}`,
        version: next.profileVersion,
        changes
      },
      events: [
        {
          type: Events.TYPES.profileUpdated,
          data: {
            accountId: a.id,
            subject,
            fields: changes.map((c) => c.field),
            profileVersion: next.profileVersion
          }
        },
        ...reopened.map((c) => ({
          type: Events.TYPES.verificationUpdated,
          data: { accountId: a.id, caseId: c.id, kind: c.kind, status: c.status }
        }))
      ],
      write: { index, keys: g.sealed.keys, fields: g.sealed.fields }
    }
  }
}

/**
 * Whether a patch changes nothing (pure): no sealed value differs from the stored one, every plain
 * field is as stored, a card has the stored fingerprint, a bank account the stored summary.
 */
export const changesNothing = (
  a: Account,
  patch: Registration.ProfilePatch,
  scope: Scope,
  g: Gathered
): boolean => {
  const was = a as unknown as Record<string, unknown>
  const bank = patch.bankAccount === undefined ? undefined : bankSummary(patch.bankAccount)
  return (
    g.changed.length === 0 &&
    Object.entries(scope.plain).every(([k, v]) => was[k] === v) &&
    (patch.card === undefined ||
      (a.card !== undefined &&
        g.card !== undefined &&
        a.card.fingerprint === g.card.fingerprint &&
        a.card.brand === g.card.brand &&
        a.card.last4 === g.card.last4)) &&
    (bank === undefined ||
      (a.bank !== undefined &&
        a.bank.country === bank.country &&
        a.bank.currency === bank.currency &&
        a.bank.last4 === bank.last4))
  )
}

export const make = (kit: Kit, sealing: Sealing) => {
  const { keys, store } = kit

  /** Reads the old values, takes the new email's index key, seals the changed values, fingerprints a new card. */
  const gather = (a: Account, patch: Registration.ProfilePatch, scope: Scope, now: number) =>
    Effect.gen(function* () {
      const { subject, values } = scope
      const old = Object.keys(values).length > 0 ? yield* sealing.readSubject(subject, now, "operations") : {}
      const changed = Object.keys(values).filter((k) => old[k] !== values[k])
      let emailIndex = a.emailIndex
      const email = changed.includes("email") && subject === a.id ? values["email"] : undefined
      if (email !== undefined) {
        // the current blind index first, then every other configured blind-index key version's
        const candidates = yield* keys.blindIndexes("email", email.toLowerCase())
        emailIndex = candidates[0]!
        for (const key of candidates) {
          const owner = yield* store.findIndex("email", key)
          if (Option.isSome(owner) && owner.value !== a.id) {
            return yield* Effect.fail(new DuplicateApplicant({ field: "email", existing: owner.value }))
          }
        }
      }
      const sealed: Sealed =
        changed.length > 0
          ? yield* sealing.sealFor(subject, Object.fromEntries(changed.map((k) => [k, values[k]!])))
          : { keys: [], fields: [] }
      const card =
        patch.card === undefined
          ? undefined
          : cardSummary(patch.card.number, yield* keys.blindIndex("card", patch.card.number))
      return { old, changed, emailIndex, sealed, card } satisfies Gathered
    })

  /**
   * A patch that changes nothing (every value as stored, the same card and bank account, no
   * field at all) writes nothing and emits nothing: no profile version, no audit record, no
   * event, no automatic step (run `refresh` for that). An email index key taken at commit by a
   * concurrent change of another account to the same address is `DuplicateApplicant`, as when
   * the address was already taken before (and as registration answers).
   */
  const updateProfile: Accounts["Service"]["updateProfile"] = (accountId, actor, patch) =>
    kit
      .onAccount(
        accountId,
        Effect.all({ actor: decodeActor(actor), patch: decodePatch(patch) }),
        (a, i, now) =>
          Effect.flatMap(Effect.fromResult(scopeOf(a, i.actor, i.patch)), (scope) =>
            Effect.map(gather(a, i.patch, scope, now), (g) => {
              if (changesNothing(a, i.patch, scope, g)) return Service.unchanged(a)
              const { next, spec } = planProfile(a, i.actor, i.patch, scope, g, now)
              return kit.change(a, next, now, spec)
            })
          )
      )
      .pipe(
        Effect.catchIf(
          (e) => conflictOf(e, "IndexTaken")?.index === "email",
          (e) =>
            Effect.fail(
              new DuplicateApplicant({ field: "email", existing: conflictOf(e, "IndexTaken")!.owner })
            )
        )
      )

  return { updateProfile }
}
