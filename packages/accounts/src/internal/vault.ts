/**
 * The PII vault in the service: profile reads, the subject access export, erasure by
 * crypto-shredding (or retention under a legal hold), legal holds, the retention sweep, and the
 * audit trail. Erasure, holds and the sweep commit with a guard on the subject's holds and
 * erasure, so racing writers see each other (a refused guard: read again, decide again).
 *
 * @internal
 */
import { Input, InvalidInput, Service } from "@paykit/core"
import { Effect, Option, Result } from "effect"
import { type Account, subjects } from "../Account.ts"
import type { Accounts, ErasureResult, Purpose, SubjectView } from "../Accounts.ts"
import type { AuditEntry, Erasure, LegalHold, Transaction, VaultGuard } from "../AccountStore.ts"
import { guardOf } from "../AccountStore.ts"
import { IllegalTransition, PermissionDenied, SubjectErased } from "../errors.ts"
import * as Events from "../Events.ts"
import * as Lifecycle from "../Lifecycle.ts"
import * as Redact from "../Redact.ts"
import type * as SubjectExport from "../SubjectExport.ts"
import { type Actor, Actor as ActorSchema, LegalHoldInput } from "./inputs.ts"
import { type Draft, type Kit, type Op, type Plan, races, require } from "./kit.ts"
import type { Sealing } from "./sealing.ts"

const decodeActor = Input.decode("erase", ActorSchema)
const decodeReader = (operation: string) => Input.decode(operation, ActorSchema)

/**
 * Who may read personal data (pure): an operator, or a member holding `pii:view` (the owner
 * holds it; of the roles, administrator and support). Reads for a legal hold's purpose, the only
 * reads allowed while processing is restricted, are the platform's: operators only.
 */
export const mayRead = (
  a: Account,
  actor: Actor,
  purpose: Purpose,
  action: string
): Result.Result<void, PermissionDenied> =>
  purpose === "legal_hold" && actor.kind !== "operator"
    ? Result.fail(
        new PermissionDenied({
          actor: actor.id,
          action,
          reason: "reads for a legal hold's purpose are made by an operator"
        })
      )
    : require(a, actor, "pii:view", action)

const decodePurpose = (purpose: unknown): Op<Purpose> =>
  purpose === "operations" || purpose === "legal_hold"
    ? Effect.succeed(purpose)
    : Effect.fail(
        new InvalidInput({
          operation: "profile",
          path: "purpose",
          reason: 'expected "operations" or "legal_hold"'
        })
      )
const decodeHold = Input.decode("placeLegalHold", LegalHoldInput)

/** A subject's vault state: its holds, its erasure, and the guard that pins both for a commit. */
export interface Vault {
  readonly holds: ReadonlyArray<LegalHold>
  readonly erasure: Erasure | undefined
  readonly guard: VaultGuard
}

/** The subject access export of `subject` (pure). */
export const exportOf = (
  a: Account,
  subject: string,
  now: number,
  personalData: Readonly<Record<string, string>>,
  erasure: Option.Option<Erasure>,
  audit: ReadonlyArray<AuditEntry>
): SubjectExport.SubjectExport => {
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
    personalData,
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
}

/** Destroys the subject's data key and ciphertexts; for the holder also the blind indexes, card and bank summaries. */
export const shredTx = (a: Account, subject: string, now: number, requestedAt: number): Transaction => {
  const base: Transaction = {
    keys: [{ subject, key: null }],
    purgeFields: [subject],
    erasures: [{ subject, requestedAt, status: "erased", erasedAt: now }]
  }
  if (subject !== a.id) return base
  const { card: _card, bank: _bank, emailIndex, registrationIndex, ...rest } = a
  return {
    ...base,
    accounts: [{ account: { ...rest, version: a.version + 1, updatedAt: now }, expectedVersion: a.version }],
    index: [
      ...(emailIndex === undefined ? [] : [{ kind: "email" as const, key: emailIndex, accountId: null }]),
      ...(registrationIndex === undefined
        ? []
        : [{ kind: "registration" as const, key: registrationIndex, accountId: null }])
    ]
  }
}

/** The shred of `subject` now, guarded by its vault state, with its event (pure). */
const shred = (a: Account, subject: string, vault: Vault, now: number, requestedAt: number) => ({
  write: { ...shredTx(a, subject, now, requestedAt), guards: [vault.guard] },
  events: [{ type: Events.TYPES.erased, at: now, subject: a.id, data: { subject, accountId: a.id } }]
})

/** Who may ask for an erasure (pure): an operator or the owner, checked before anything else is read. */
export const mayErase = (a: Account, actor: Actor): Result.Result<void, PermissionDenied> =>
  actor.kind === "operator" || actor.id === a.team.owner
    ? Result.void
    : Result.fail(
        new PermissionDenied({
          actor: actor.id,
          action: "erase personal data",
          reason: "only an operator or the owner can ask"
        })
      )

/**
 * An erasure request decided (pure): the earlier answer again (idempotent), refused while the
 * relationship is ongoing, retained under the longest live hold, or the shred now.
 */
export const planErasure = (
  a: Account,
  subject: string,
  actor: Actor,
  vault: Vault,
  now: number
): Result.Result<Plan<ErasureResult>, IllegalTransition> => {
  const e = vault.erasure
  if (e !== undefined && e.status === "erased")
    return Result.succeed(Service.unchanged({ _tag: "Erased", subject, erasedAt: e.erasedAt ?? 0 }))
  if (e !== undefined && (e.until ?? 0) > now) {
    return Result.succeed(
      Service.unchanged({ _tag: "Retained", subject, until: e.until ?? 0, basis: e.basis ?? "legal_hold" })
    )
  }
  if (!Lifecycle.FINAL.has(a.status)) {
    return Result.fail(
      new IllegalTransition({
        machine: "account",
        from: a.status,
        command: "erase",
        actor: actor.kind,
        reason: "the relationship is ongoing; close, withdraw or reject the account first"
      })
    )
  }
  const longest = vault.holds
    .filter((h) => h.until > now)
    .reduce<LegalHold | undefined>((m, h) => (m === undefined || h.until > m.until ? h : m), undefined)
  if (longest === undefined)
    return Result.succeed(
      Service.commit({
        ...shred(a, subject, vault, now, now),
        result: { _tag: "Erased", subject, erasedAt: now }
      })
    )
  const { until, basis } = longest
  return Result.succeed(
    Service.commit({
      write: {
        erasures: [{ subject, requestedAt: now, status: "retained", until, basis }],
        guards: [vault.guard]
      },
      events: [
        { type: Events.TYPES.erasureRetained, at: now, subject: a.id, data: { subject, until, basis } }
      ],
      result: { _tag: "Retained", subject, until, basis }
    })
  )
}

/** A legal hold placed (pure): refused on an erased subject; a retained erasure is extended to the hold's end. */
export const planHold = (
  a: Account,
  h: typeof LegalHoldInput.Type,
  vault: Vault,
  now: number
): Result.Result<Plan<LegalHold>, SubjectErased> => {
  const erasure = vault.erasure
  if (erasure !== undefined && erasure.status === "erased") {
    return Result.fail(new SubjectErased({ subject: h.subject, erasedAt: erasure.erasedAt ?? 0 }))
  }
  const hold: LegalHold = { subject: h.subject, basis: h.basis, until: h.until, placedAt: now }
  const retained: ReadonlyArray<Erasure> =
    erasure !== undefined && (erasure.until ?? 0) < h.until
      ? [{ ...erasure, until: h.until, basis: h.basis }]
      : []
  const event: Draft = {
    type: Events.TYPES.legalHoldPlaced,
    at: now,
    subject: a.id,
    data: { subject: h.subject, basis: h.basis, until: h.until }
  }
  return Result.succeed(
    Service.commit({
      write: { holds: [hold], erasures: retained, guards: [vault.guard] },
      events: [event],
      result: hold
    })
  )
}

export const make = (kit: Kit, sealing: Sealing) => {
  const { store, skeleton } = kit

  const vaultOf = (subject: string): Op<Vault> =>
    Effect.gen(function* () {
      const holds = yield* store.getHolds(subject)
      const erasure = Option.getOrUndefined(yield* store.getErasure(subject))
      return { holds, erasure, guard: guardOf(subject, holds, erasure) }
    })

  const view = (subject: string, now: number, purpose: Purpose): Op<SubjectView> =>
    sealing.readSubject(subject, now, purpose).pipe(
      Effect.map((fields): SubjectView => ({ _tag: "available", subject, fields })),
      Effect.catchTag("SubjectErased", (e) =>
        Effect.succeed<SubjectView>({ _tag: "erased", subject, erasedAt: e.erasedAt })
      ),
      Effect.catchTag("ProcessingRestricted", (e) =>
        Effect.succeed<SubjectView>({ _tag: "restricted", subject, until: e.until, basis: e.basis })
      )
    )

  /** The actor is decoded first, the account loaded (`NotFound`), then `pii:view` checked, before any field is read. */
  const profile: Accounts["Service"]["profile"] = (accountId, actor, purpose = "operations") =>
    kit.onAccount(
      accountId,
      Effect.all({ actor: decodeReader("profile")(actor), purpose: decodePurpose(purpose) }),
      (a, i, now) =>
        Effect.andThen(
          Effect.fromResult(mayRead(a, i.actor, i.purpose, "read personal data")),
          Effect.map(
            Effect.forEach(subjects(a), (s) => view(s, now, i.purpose)),
            Service.unchanged
          )
        )
    )

  /** Every personal value shows as the marker, also in records written before 0.5.0 (masked fragments). */
  const audit: Accounts["Service"]["audit"] = (accountId, actor) =>
    kit.onAccount(accountId, decodeReader("audit")(actor), (a, actor) =>
      Effect.andThen(
        Effect.fromResult(mayRead(a, actor, "operations", "read the audit trail")),
        Effect.map(store.audit(a.id), (entries) =>
          Service.unchanged(entries.map((e) => ({ ...e, changes: e.changes.map(Redact.change) })))
        )
      )
    )

  const exportSubject: Accounts["Service"]["exportSubject"] = (subject, actor) =>
    skeleton.run({
      input: decodeReader("exportSubject")(actor),
      load: () => kit.accountOfSubject(subject),
      plan: (a, actor, now) =>
        Effect.gen(function* () {
          yield* Effect.fromResult(mayRead(a, actor, "operations", "export personal data"))
          const data = yield* sealing.readSubject(subject, now, "legal_hold")
          const erasure = yield* store.getErasure(subject)
          return Service.unchanged(exportOf(a, subject, now, data, erasure, yield* store.audit(a.id)))
        })
    })

  /**
   * Erasure, legal holds and the sweep decide on a subject's holds and erasure and commit with a
   * guard on both: the store checks it under the subject's lock, so of an erasure and a hold (or
   * the sweep and a hold) racing, the second to commit sees the first. A refused guard (or a
   * stale account version) means someone else changed what was read: read again and decide again.
   */
  const erase: Accounts["Service"]["erase"] = (subject, actor) =>
    skeleton.run({
      input: decodeActor(actor),
      load: () => kit.accountOfSubject(subject),
      plan: (a, actor, now) =>
        Effect.gen(function* () {
          // who may ask is checked first: a member who is not the owner learns nothing of the
          // subject's erasure state or the account's
          yield* Effect.fromResult(mayErase(a, actor))
          return yield* Effect.fromResult(planErasure(a, subject, actor, yield* vaultOf(subject), now))
        }),
      retryOn: races("VaultChanged", "StaleVersion")
    })

  /** A hold on an erased subject is refused (`SubjectErased`): there is nothing left to hold. */
  const placeLegalHold: Accounts["Service"]["placeLegalHold"] = (input) =>
    skeleton.run({
      input: decodeHold(input),
      load: (h) => kit.accountOfSubject(h.subject),
      plan: (a, h, now) =>
        Effect.flatMap(vaultOf(h.subject), (vault) => Effect.fromResult(planHold(a, h, vault, now))),
      retryOn: races("VaultChanged")
    })

  /** Shreds one due subject (due at the sweep's `now`) unless a hold (placed meanwhile) keeps it; whether it shredded. */
  const sweepOne = (subject: string, now: number): Op<boolean> =>
    skeleton.run({
      input: Service.noInput,
      load: () => vaultOf(subject),
      plan: (vault) => {
        const e = vault.erasure
        if (e === undefined || e.status !== "retained" || (e.until ?? 0) > now)
          return Effect.succeed(Service.unchanged(false))
        if (vault.holds.some((h) => h.until > now)) return Effect.succeed(Service.unchanged(false))
        return Effect.map(kit.accountOfSubject(subject), (a) =>
          Service.commit({ ...shred(a, subject, vault, now, e.requestedAt), result: true })
        )
      },
      retryOn: races("VaultChanged", "StaleVersion")
    })

  const sweep: Accounts["Service"]["sweep"] = skeleton.run({
    input: Service.noInput,
    load: Service.noState,
    plan: (_, __, now) =>
      Effect.gen(function* () {
        const done: Array<string> = []
        for (const e of yield* store.dueErasures(now))
          if (yield* sweepOne(e.subject, now)) done.push(e.subject)
        return Service.unchanged(done)
      })
  })

  return { profile, audit, exportSubject, erase, placeLegalHold, sweep }
}
