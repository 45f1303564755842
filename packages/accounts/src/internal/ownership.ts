/**
 * A business's persons after registration (a representative replaced, owners and directors
 * added, removed and re-weighted), its attestation that every beneficial owner is listed, and
 * capabilities requested after registration. Each change is one commit with its audit record, its
 * events and the platform's automatic step; a change that changes nothing writes nothing.
 *
 * @internal
 */
import { Input, InvalidInput, Service } from "@paykit/core"
import { Effect, Result, Schema } from "effect"
import { type Account, currentPersons, type PersonRef } from "../Account.ts"
import type { Accounts } from "../Accounts.ts"
import type { IllegalTransition, NotFound, PermissionDenied } from "../errors.ts"
import * as Events from "../Events.ts"
import type { Capability } from "../Registration.ts"
import * as Verification from "../Verification.ts"
import { personValues, provideIfComplete } from "./fields.ts"
import {
  type Actor,
  Actor as ActorSchema,
  CapabilityRequest,
  OwnershipInput,
  PersonInput,
  PersonRemoval
} from "./inputs.ts"
import { actorLabel, type ChangeSpec, type Kit, notFinal, notFound, require } from "./kit.ts"
import type { Sealed, Sealing } from "./sealing.ts"

/** At most this many current persons of one role, and entries (current and removed) in all. */
export const MAX_PER_ROLE = 25
export const MAX_PERSONS = 100

type Refusal = IllegalTransition | PermissionDenied | NotFound | InvalidInput
type Planned = { readonly next: Account; readonly spec: ChangeSpec<Account> }
type ManagedRole = "representative" | "owner" | "director"

const invalid = (operation: string, path: string, reason: string) =>
  new InvalidInput({ operation, path, reason })

/** The guards of every change to a business's persons (pure): not final, `settings:manage`, a business. */
export const mayManagePersons = (a: Account, actor: Actor, operation: string): Result.Result<void, Refusal> =>
  Result.gen(function* () {
    yield* notFinal(a, actor, `${operation} on`)
    yield* require(a, actor, "settings:manage", operation)
    if (a.type !== "business")
      return yield* Result.fail(
        invalid(operation, "accountId", "only a business account has a representative, owners and directors")
      )
  })

/** Refuses owner shares adding up to more than 100 % (pure). */
const sharesFit = (
  a: Account,
  operation: string,
  except: string | undefined,
  bps: number
): Result.Result<void, InvalidInput> => {
  const others = currentPersons(a, "owner")
    .filter((p) => p.id !== except)
    .reduce((s, p) => s + (p.ownershipBps ?? 0), 0)
  return others + bps <= 10_000
    ? Result.void
    : Result.fail(
        invalid(
          operation,
          "ownershipPercent",
          `the owners' shares would add up to ${(others + bps) / 100} %, more than 100`
        )
      )
}

/**
 * The attestation after a change: given again (`ownersProvided: true`), kept when the change does
 * not touch the owners, cleared otherwise (a change to the owners needs a new attestation).
 */
const attestationAfter = (
  a: Account,
  actor: Actor,
  ownersChanged: boolean,
  attest: boolean | undefined,
  now: number
): Pick<Account, "ownersAttestation"> => {
  if (attest === true) return { ownersAttestation: { by: actorLabel(actor), at: now } }
  if (!ownersChanged || attest === false) {
    if (attest === false || a.ownersAttestation === undefined) return {}
    return { ownersAttestation: a.ownersAttestation }
  }
  return {}
}

/** The account without `ownersAttestation`, then with the one given. */
const withAttestation = (a: Account, attestation: Pick<Account, "ownersAttestation">): Account => {
  const { ownersAttestation: _was, ...rest } = a
  return { ...rest, ...attestation }
}

/** The events and audit changes of an attestation that changed. */
const attestationChanges = (a: Account, next: Account, actor: Actor) => {
  const was = a.ownersAttestation?.by ?? null
  const is = next.ownersAttestation?.by ?? null
  const changed = was !== is || a.ownersAttestation?.at !== next.ownersAttestation?.at
  return {
    audit: changed ? [{ field: "ownersAttestation", from: was, to: is }] : [],
    events:
      changed && next.ownersAttestation !== undefined
        ? [{ type: Events.TYPES.ownersAttested, data: { accountId: a.id, by: actorLabel(actor) } }]
        : []
  }
}

/** A person removed at `now`: marked, and their verification cases dropped (pure). */
const removeFrom = (persons: ReadonlyArray<PersonRef>, id: string, now: number) =>
  persons.map((p) => (p.id === id ? { ...p, removedAt: now } : p))

type AuditChange = NonNullable<ChangeSpec<Account>["audit"]>["changes"][number]
type EventDraft = ChangeSpec<Account>["events"][number]

/**
 * A change to a business's persons (pure): `persons` and `cases` as they become, a new profile
 * version, the attestation after it (given again, kept, or cleared when the owners changed), and
 * the audit record and events with the attestation's own.
 */
const personsChange = (
  a: Account,
  actor: Actor,
  now: number,
  change: {
    readonly persons: ReadonlyArray<PersonRef>
    readonly cases?: Account["cases"]
    readonly ownersChanged: boolean
    readonly attest: boolean | undefined
    readonly action: string
    readonly audit: ReadonlyArray<AuditChange>
    readonly events: (by: string) => ReadonlyArray<EventDraft>
  }
): Planned => {
  const base: Account = {
    ...a,
    persons: change.persons,
    cases: change.cases ?? a.cases,
    version: a.version + 1,
    updatedAt: now,
    profileVersion: a.profileVersion + 1
  }
  const next = withAttestation(base, attestationAfter(a, actor, change.ownersChanged, change.attest, now))
  const att = attestationChanges(a, next, actor)
  const by = actorLabel(actor)
  return {
    next,
    spec: {
      settle: true,
      audit: {
        actor: by,
        action: change.action,
        version: next.profileVersion,
        changes: [...change.audit, ...att.audit]
      },
      events: [...change.events(by), ...att.events]
    }
  }
}

/**
 * The change that adds a person (pure): `id` is the new person's subject id, `fields` the names of
 * the personal fields sealed for them. A new representative replaces the current one.
 */
export const planAddPerson = (
  a: Account,
  actor: Actor,
  input: typeof PersonInput.Type,
  id: string,
  fields: ReadonlyArray<string>,
  now: number
): Result.Result<Planned, Refusal> =>
  Result.gen(function* () {
    const op = "addPerson"
    yield* mayManagePersons(a, actor, op)
    const owner = input.role === "owner"
    if (owner && input.ownershipPercent === undefined)
      return yield* Result.fail(invalid(op, "ownershipPercent", "an owner's share is required"))
    if (!owner && input.ownershipPercent !== undefined)
      return yield* Result.fail(
        invalid(op, "ownershipPercent", `a ${input.role} holds no share; add them as an owner`)
      )
    const bps = owner ? Math.round(input.ownershipPercent! * 100) : undefined
    if (bps !== undefined) yield* sharesFit(a, op, undefined, bps)
    if (input.role !== "representative" && currentPersons(a, input.role).length >= MAX_PER_ROLE)
      return yield* Result.fail(invalid(op, "role", `at most ${MAX_PER_ROLE} current ${input.role}s`))
    if (a.persons.length >= MAX_PERSONS)
      return yield* Result.fail(invalid(op, "role", `at most ${MAX_PERSONS} persons, current and removed`))
    const replaced = input.role === "representative" ? currentPersons(a, "representative") : []
    let persons: ReadonlyArray<PersonRef> = a.persons
    for (const r of replaced) persons = removeFrom(persons, r.id, now)
    const person: PersonRef = {
      id,
      role: input.role,
      ...(bps === undefined ? {} : { ownershipBps: bps }),
      fields: [...fields].sort()
    }
    const gone = new Set(replaced.map((r) => r.id))
    const cases = [
      ...a.cases.filter((c) => !gone.has(c.subject)),
      ...(["identity", "document"] as const).map((kind) =>
        provideIfComplete(Verification.make(id, kind, now), fields, now)
      )
    ]
    return personsChange(a, actor, now, {
      persons: [...persons, person],
      cases,
      ownersChanged: owner,
      attest: input.ownersProvided,
      action: "add_person",
      audit: [
        { field: `person:${id}`, from: null, to: input.role },
        ...replaced.map((r) => ({ field: `person:${r.id}`, from: r.role, to: "removed" })),
        ...(bps === undefined ? [] : [{ field: `ownership:${id}`, from: null, to: String(bps) }])
      ],
      events: (by) => [
        {
          type: Events.TYPES.personAdded,
          data: {
            accountId: a.id,
            personId: id,
            role: input.role,
            ...(bps === undefined ? {} : { ownershipBps: bps }),
            by
          }
        },
        ...replaced.map((r) => ({
          type: Events.TYPES.personRemoved,
          data: { accountId: a.id, personId: r.id, role: "representative" as const, by }
        }))
      ]
    })
  })

/** The current person `id` of the account, of a role this package manages. */
const currentPerson = (
  a: Account,
  id: string,
  operation: string
): Result.Result<PersonRef & { readonly role: ManagedRole }, NotFound | InvalidInput> => {
  const p = currentPersons(a).find((x) => x.id === id)
  if (p === undefined) return Result.fail(notFound("person", id))
  return p.role === "individual"
    ? Result.fail(invalid(operation, "personId", "the account holder is not a person of the business"))
    : Result.succeed(p as PersonRef & { readonly role: ManagedRole })
}

/** The change that removes an owner or a director (pure); a representative is replaced, not removed. */
export const planRemovePerson = (
  a: Account,
  actor: Actor,
  input: typeof PersonRemoval.Type,
  now: number
): Result.Result<Planned, Refusal> =>
  Result.gen(function* () {
    const op = "removePerson"
    yield* mayManagePersons(a, actor, op)
    const p = yield* currentPerson(a, input.personId, op)
    if (p.role === "representative")
      return yield* Result.fail(
        invalid(op, "personId", "a business keeps its representative; add the new one to replace them")
      )
    return personsChange(a, actor, now, {
      persons: removeFrom(a.persons, p.id, now),
      cases: a.cases.filter((c) => c.subject !== p.id),
      ownersChanged: p.role === "owner",
      attest: input.ownersProvided,
      action: "remove_person",
      audit: [{ field: `person:${p.id}`, from: p.role, to: "removed" }],
      events: (by) => [
        { type: Events.TYPES.personRemoved, data: { accountId: a.id, personId: p.id, role: p.role, by } }
      ]
    })
  })

/** The change of an owner's share (pure); the same share and no new attestation changes nothing. */
export const planOwnership = (
  a: Account,
  actor: Actor,
  input: typeof OwnershipInput.Type,
  now: number
): Result.Result<Planned | undefined, Refusal> =>
  Result.gen(function* () {
    const op = "setOwnership"
    yield* mayManagePersons(a, actor, op)
    const p = yield* currentPerson(a, input.personId, op)
    if (p.role !== "owner")
      return yield* Result.fail(invalid(op, "personId", `a ${p.role} holds no share; add them as an owner`))
    const from = p.ownershipBps ?? 0
    const to = Math.round(input.ownershipPercent * 100)
    yield* sharesFit(a, op, p.id, to)
    if (from === to && input.ownersProvided === undefined) return undefined
    const changed = from !== to
    const planned = personsChange(a, actor, now, {
      persons: a.persons.map((x) => (x.id === p.id ? { ...x, ownershipBps: to } : x)),
      ownersChanged: changed,
      attest: input.ownersProvided,
      action: "set_ownership",
      audit: changed ? [{ field: `ownership:${p.id}`, from: String(from), to: String(to) }] : [],
      events: (by) =>
        changed
          ? [
              {
                type: Events.TYPES.ownershipChanged,
                data: { accountId: a.id, personId: p.id, fromBps: from, toBps: to, by }
              }
            ]
          : []
    })
    // the same share, and the attestation as it was: nothing to write
    return planned.spec.audit?.changes.length === 0 ? undefined : planned
  })

/** The attestation that every beneficial owner is listed (pure); already attested changes nothing. */
export const planAttestation = (
  a: Account,
  actor: Actor,
  now: number
): Result.Result<Planned | undefined, Refusal> =>
  Result.gen(function* () {
    yield* mayManagePersons(a, actor, "attestOwners")
    if (a.ownersAttestation !== undefined) return undefined
    const next: Account = {
      ...a,
      ownersAttestation: { by: actorLabel(actor), at: now },
      version: a.version + 1,
      updatedAt: now
    }
    const att = attestationChanges(a, next, actor)
    return {
      next,
      spec: {
        settle: true,
        audit: {
          actor: actorLabel(actor),
          action: "attest_owners",
          version: a.profileVersion,
          changes: att.audit
        },
        events: att.events
      }
    }
  })

/**
 * Capabilities requested after registration (pure): added with the time of the request, so their
 * onboarding requirements get the policy's grace period; already requested ones change nothing.
 */
export const planCapabilities = (
  a: Account,
  actor: Actor,
  input: typeof CapabilityRequest.Type,
  now: number
): Result.Result<Planned | undefined, Refusal> =>
  Result.gen(function* () {
    yield* notFinal(a, actor, "request capabilities on")
    yield* require(a, actor, "settings:manage", "request capabilities")
    const added: ReadonlyArray<Capability> = input.capabilities.filter((c) => !a.capabilities.includes(c))
    if (added.length === 0) return undefined
    const next: Account = {
      ...a,
      capabilities: [...a.capabilities, ...added],
      capabilityRequestedAt: {
        ...a.capabilityRequestedAt,
        ...Object.fromEntries(added.map((c) => [c, now]))
      },
      version: a.version + 1,
      updatedAt: now
    }
    const by = actorLabel(actor)
    return {
      next,
      spec: {
        settle: true,
        audit: {
          actor: by,
          action: "request_capabilities",
          version: a.profileVersion,
          changes: added.map((c) => ({ field: `capability:${c}`, from: null, to: "requested" }))
        },
        events: [
          { type: Events.TYPES.capabilitiesRequested, data: { accountId: a.id, capabilities: added, by } }
        ]
      }
    }
  })

export const make = (kit: Kit, sealing: Sealing) => {
  const decodeActor = (operation: string) => Input.decode(operation, ActorSchema)

  /** Commits a planned change, or nothing when the plan is `undefined`. */
  const commit = (a: Account, now: number, planned: Planned | undefined) =>
    planned === undefined ? Service.unchanged(a) : kit.change(a, planned.next, now, planned.spec)

  const addPerson: Accounts["Service"]["addPerson"] = (accountId, actor, input) =>
    kit.onAccount(
      accountId,
      Effect.all({
        actor: decodeActor("addPerson")(actor),
        input: Input.decode("addPerson", PersonInput)(input)
      }),
      (a, i, now) =>
        Effect.gen(function* () {
          // the guards first, so a refused change seals nothing
          yield* Effect.fromResult(planAddPerson(a, i.actor, i.input, "-", [], now))
          const id = yield* kit.ids.next
          const values = personValues(i.input.person)
          const sealed: Sealed = yield* sealing.sealFor(id, values)
          const planned = yield* Effect.fromResult(
            planAddPerson(a, i.actor, i.input, id, Object.keys(values), now)
          )
          return kit.change(a, planned.next, now, {
            ...planned.spec,
            write: {
              index: [{ kind: "subject", key: id, accountId: a.id }],
              keys: sealed.keys,
              fields: sealed.fields
            }
          })
        })
    )

  /** An operation by an actor with an input: decode both, plan (pure), commit unless nothing changes. */
  const byActor =
    <S extends Schema.Codec<unknown, unknown, never, never>>(
      operation: string,
      schema: S,
      plan: (
        a: Account,
        actor: Actor,
        input: S["Type"],
        now: number
      ) => Result.Result<Planned | undefined, Refusal>
    ) =>
    (accountId: string, actor: unknown, input: unknown) =>
      kit.onAccount(
        accountId,
        Effect.all({ actor: decodeActor(operation)(actor), input: Input.decode(operation, schema)(input) }),
        (a, i, now) => Effect.map(Effect.fromResult(plan(a, i.actor, i.input, now)), (p) => commit(a, now, p))
      )

  const removePerson: Accounts["Service"]["removePerson"] = byActor(
    "removePerson",
    PersonRemoval,
    planRemovePerson
  )
  const setOwnership: Accounts["Service"]["setOwnership"] = byActor(
    "setOwnership",
    OwnershipInput,
    planOwnership
  )
  const requestCapabilities: Accounts["Service"]["requestCapabilities"] = byActor(
    "requestCapabilities",
    CapabilityRequest,
    planCapabilities
  )
  const attestOwners: Accounts["Service"]["attestOwners"] = (accountId, actor) =>
    byActor("attestOwners", Schema.Unknown, (a, actor, _, now) => planAttestation(a, actor, now))(
      accountId,
      actor,
      undefined
    )

  return { addPerson, removePerson, setOwnership, attestOwners, requestCapabilities }
}
