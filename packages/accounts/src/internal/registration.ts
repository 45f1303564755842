/**
 * Registration: an applicant decoded, checked against the blind indexes for duplicates, its
 * personal data sealed, and the new account (its persons, verification cases, team and
 * settings) committed with its index keys, audit record and events.
 *
 * @internal
 */
import { Currency, InvalidInput, Money, Service } from "@paykit/core"
import { Effect, Option, Result } from "effect"
import { type Account, type CardSummary, type PersonRef, subjects } from "../Account.ts"
import type { Accounts } from "../Accounts.ts"
import type { Transaction } from "../AccountStore.ts"
import { DuplicateApplicant } from "../errors.ts"
import * as Events from "../Events.ts"
import * as Redact from "../Redact.ts"
import * as Requirements from "../Requirements.ts"
import type * as Registration from "../Registration.ts"
import * as Security from "../Security.ts"
import * as Verification from "../Verification.ts"
import { cardSummary, bankSummary, personValues, provideIfComplete } from "./fields.ts"
import { RegisterInput } from "./inputs.ts"
import { conflictOf, type Kit, type Op, type Plan, races, settle } from "./kit.ts"
import type { Sealed, Sealing } from "./sealing.ts"
import { decodeDiscriminated } from "./text.ts"

/** The applicant, decoded; a missing or unknown `type` is refused naming `type`. */
const decodeApplicant = decodeDiscriminated("register", "type", ["individual", "business"], RegisterInput)

/** A person of a business applicant, before it has an id. */
interface PersonDraft {
  readonly role: PersonRef["role"]
  readonly ownershipBps?: number
  readonly values: Record<string, string>
}

/** The holder's personal values and the persons an applicant names (pure). */
export const applicantValues = (
  app: Registration.Applicant
): { readonly holder: Record<string, string>; readonly persons: ReadonlyArray<PersonDraft> } => {
  const holder: Record<string, string> = { email: app.email, phone: app.phone }
  const persons: Array<PersonDraft> = []
  if (app.type === "individual") {
    Object.assign(holder, personValues({ ...app.person, email: app.email, phone: app.phone }))
  } else {
    holder["address"] = JSON.stringify(app.address)
    holder["taxId"] = app.taxId
    holder["registrationNumber"] = app.registrationNumber
    persons.push({ role: "representative", values: personValues(app.representative) })
    for (const o of app.owners)
      persons.push({
        role: "owner",
        ownershipBps: Math.round(o.ownershipPercent * 100),
        values: personValues(o)
      })
    for (const d of app.directors ?? []) persons.push({ role: "director", values: personValues(d) })
  }
  if (app.bankAccount !== undefined) holder["bankAccountNumber"] = app.bankAccount.accountNumber
  return { holder, persons }
}

/** What the planner needs besides the applicant: ids, index keys, the card fingerprint, the sealed data. */
interface Registered {
  readonly id: string
  readonly now: number
  readonly holder: Record<string, string>
  readonly persons: ReadonlyArray<PersonDraft & { readonly id: string }>
  readonly emailKey: string
  readonly regKey: string | undefined
  readonly card: CardSummary | undefined
  readonly sealed: ReadonlyArray<Sealed>
}

/** The new account, pending, with its cases opened (and marked provided where the data is complete). */
export const draftAccount = (app: Registration.Applicant, r: Registered): Account => {
  const { id, now } = r
  const cases: Array<Verification.Case> =
    app.type === "individual"
      ? [Verification.make(id, "identity", now), Verification.make(id, "document", now)]
      : [
          Verification.make(id, "company", now),
          ...r.persons.flatMap((p) => [
            Verification.make(p.id, "identity", now),
            Verification.make(p.id, "document", now)
          ])
        ]
  const fieldsOf = (subject: string) =>
    Object.keys(subject === id ? r.holder : (r.persons.find((p) => p.id === subject)?.values ?? {}))
  return {
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
    ...(app.type === "business" && app.ownersProvided === true
      ? { ownersAttestation: { by: `member:${app.owner.userId}`, at: now } }
      : {}),
    ...(app.website === undefined ? {} : { website: app.website }),
    ...(app.industry === undefined ? {} : { industry: app.industry }),
    holderFields: Object.keys(r.holder).sort(),
    emailIndex: r.emailKey,
    ...(r.regKey === undefined ? {} : { registrationIndex: r.regKey }),
    persons: r.persons.map((p) => ({
      id: p.id,
      role: p.role,
      ...(p.ownershipBps === undefined ? {} : { ownershipBps: p.ownershipBps }),
      fields: Object.keys(p.values).sort()
    })),
    cases: cases.map((c) => provideIfComplete(c, fieldsOf(c.subject), now)),
    volume: Money.zero(Currency.isoUnsafe(app.currency)),
    thresholdsCrossed: {},
    ...(r.card === undefined ? {} : { card: r.card }),
    ...(app.bankAccount === undefined ? {} : { bank: bankSummary(app.bankAccount) }),
    team: { owner: app.owner.userId, members: [{ id: app.owner.userId, roles: [] }] },
    apiKeys: [],
    security: Security.defaults,
    profileVersion: 1
  }
}

/** The registration's write: the account settled, its index keys, sealed data, audit record and events (pure). */
export const planRegistration = (
  policy: Parameters<typeof settle>[0],
  app: Registration.Applicant,
  r: Registered
): Plan<Account> => {
  const { id, now } = r
  const settled = settle(policy, undefined, draftAccount(app, r), now)
  const account = settled.account
  const index: Transaction["index"] = [
    { kind: "email", key: r.emailKey, accountId: id },
    ...(r.regKey === undefined ? [] : [{ kind: "registration" as const, key: r.regKey, accountId: id }]),
    ...subjects(account).map((s) => ({ kind: "subject" as const, key: s, accountId: id }))
  ]
  return Service.commit({
    write: {
      accounts: [{ account, expectedVersion: 0 }],
      index,
      keys: r.sealed.flatMap((s) => s.keys),
      fields: r.sealed.flatMap((s) => s.fields)
    },
    audit: {
      accountId: id,
      actor: `member:${app.owner.userId}`,
      action: "register",
      version: 1,
      changes: Object.entries(r.holder).map(([field, v]) => ({
        field,
        from: null,
        to: Redact.forAudit(field, v)
      }))
    },
    events: [
      {
        type: Events.TYPES.registered,
        at: now,
        subject: id,
        data: { accountId: id, type: app.type, country: app.country, capabilities: app.capabilities }
      },
      ...settled.events
    ],
    result: account
  })
}

/**
 * Refuses an account currency the policy cannot hold to its volume thresholds: one it states
 * thresholds for in other currencies only, when no `ReferenceRates` port is there to convert
 * (`InvalidInput` naming `currency`), so no account silently escapes a threshold.
 */
export const covered = (
  kit: Pick<Kit, "policy" | "rates">,
  app: Registration.Applicant
): Result.Result<Registration.Applicant, InvalidInput> => {
  if (Option.isSome(kit.rates)) return Result.succeed(app)
  const missing = Requirements.conversionsNeeded(kit.policy, app)
  return missing.length === 0
    ? Result.succeed(app)
    : Result.fail(
        new InvalidInput({
          operation: "register",
          path: "currency",
          reason: `the requirements policy states volume thresholds in ${missing.map((c) => c.code).join(", ")} but not in ${app.currency}, and no ReferenceRates port is configured to convert`
        })
      )
}

export const make = (kit: Kit, sealing: Sealing) => {
  const { keys, store, ids } = kit

  /**
   * The blind index of `value` under the current blind-index key, after checking it and the index
   * under every other configured blind-index key version (entries written before a blind-index
   * key rotation): `DuplicateApplicant` when one already names an account.
   */
  const unique = (kind: "email" | "registration", value: string) =>
    Effect.flatMap(keys.blindIndexes(kind, value), (candidates) =>
      Effect.as(
        Effect.forEach(candidates, (key) =>
          Effect.flatMap(store.findIndex(kind, key), (o) =>
            Option.isSome(o)
              ? Effect.fail(
                  new DuplicateApplicant({
                    field: kind === "email" ? "email" : "registrationNumber",
                    existing: o.value
                  })
                )
              : Effect.void
          )
        ),
        candidates[0]!
      )
    )

  const gather = (app: Registration.Applicant, now: number): Op<Registered> =>
    Effect.gen(function* () {
      const emailKey = yield* unique("email", app.email.toLowerCase())
      let regKey: string | undefined
      if (app.type === "business") {
        regKey = yield* unique(
          "registration",
          `${app.country}:${app.registrationNumber.toUpperCase().replace(/[^A-Z0-9]/g, "")}`
        )
      }
      const id = yield* ids.next
      const values = applicantValues(app)
      const persons: Array<PersonDraft & { readonly id: string }> = []
      for (const p of values.persons) persons.push({ ...p, id: yield* ids.next })
      const card =
        app.card === undefined
          ? undefined
          : cardSummary(app.card.number, yield* keys.blindIndex("card", app.card.number))
      const sealed = [yield* sealing.sealFor(id, values.holder)]
      for (const p of persons) sealed.push(yield* sealing.sealFor(p.id, p.values))
      return { id, now, holder: values.holder, persons, emailKey, regKey, card, sealed }
    })

  /**
   * A registration whose commit lost a race: to an applicant with the same email or
   * registration number (the index key taken at commit: `DuplicateApplicant`, as if it had been
   * seen before), or to a KEK retirement (wrapped under a version retired meanwhile: registered
   * again under the current one).
   */
  const decodeCovered = (input: unknown): Effect.Effect<Registration.Applicant, InvalidInput> =>
    Effect.flatMap(decodeApplicant(input), (app) => Effect.fromResult(covered(kit, app)))

  const register: Accounts["Service"]["register"] = (input) =>
    kit.skeleton
      .run({
        input: decodeCovered(input),
        load: Service.noState,
        plan: (_, app, now) => Effect.map(gather(app, now), (r) => planRegistration(kit.policy, app, r)),
        retryOn: races("KeyVersionRetired")
      })
      .pipe(
        Effect.catchIf(
          (e) => {
            const c = conflictOf(e, "IndexTaken")
            return c !== undefined && (c.index === "email" || c.index === "registration")
          },
          (e) => {
            const c = conflictOf(e, "IndexTaken")!
            return Effect.fail(
              new DuplicateApplicant({
                field: c.index === "email" ? "email" : "registrationNumber",
                existing: c.owner
              })
            )
          }
        )
      )

  return { register }
}
