import { DomainEvent, Ids, Notifier } from "@paykit/core"
import { Effect, Layer, Logger, Option, Result } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import {
  Accounts,
  AccountStore,
  ClosureCheck,
  Events,
  KeyStore,
  type StoreFailure,
  VerificationProvider
} from "../src/index.ts"
import { AccountStoreContract, Fixtures } from "../src/testing/index.ts"

const T0 = Date.UTC(2026, 0, 1)
const DAY = 86_400_000
const JANE = { kind: "member", id: "user-jane" } as const
const ADA = { kind: "member", id: "user-ada" } as const
const OPERATOR = { kind: "operator", id: "ops-1" } as const

type Commit = AccountStore.AccountStore["Service"]["commit"]
type Hook = (tx: AccountStore.Transaction, inner: Commit) => Effect.Effect<void, StoreFailure>

/**
 * The service over the memory store, with two things a test can watch or steer: `committed`
 * lists the events of every successful commit (in order), and `interleave` runs a competing
 * change on the real store just before the service's next commit (a concurrent writer winning).
 */
const harness = (notifier: Layer.Layer<Notifier.Notifier>, seed = 1) =>
  Effect.gen(function* () {
    const inner = yield* AccountStore.makeMemory
    const committed: Array<ReadonlyArray<DomainEvent.DomainEvent>> = []
    let hook: Hook | undefined
    const store = AccountStore.AccountStore.of({
      ...inner,
      commit: (tx) =>
        Effect.suspend(() => {
          const before = hook
          hook = undefined
          return Effect.andThen(
            before === undefined ? Effect.void : before(tx, inner.commit),
            inner.commit(tx)
          )
        }).pipe(Effect.tap(() => Effect.sync(() => committed.push(tx.events ?? []))))
    })
    const accounts = yield* Accounts.make().pipe(Effect.provideService(AccountStore.AccountStore, store))
    return {
      accounts,
      store: inner,
      committed,
      interleave: (f: Hook) => {
        hook = f
      }
    }
  }).pipe(
    Effect.provide(
      Layer.mergeAll(
        notifier,
        KeyStore.layerMemory,
        VerificationProvider.layerMemory,
        ClosureCheck.layerMemory,
        Ids.layerSeeded(seed)
      )
    )
  )

/** A notifier that records each delivery as one batch. */
const batches = () => {
  const delivered: Array<ReadonlyArray<DomainEvent.DomainEvent>> = []
  const layer = Layer.succeed(
    Notifier.Notifier,
    Notifier.Notifier.of({ notify: (events) => Effect.sync(() => void delivered.push(events)) })
  )
  return { delivered, layer }
}

const run = <A, E>(effect: Effect.Effect<A, E, TestClock.TestClock>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      return yield* effect
    }).pipe(Effect.provide(TestClock.layer())) as Effect.Effect<A, E>
  )

/**
 * Registration through erasure and key rotation: every event type of the package, on several
 * accounts (five, in all). Returns their ids.
 */
const scenario = (s: Accounts.Accounts["Service"]) =>
  Effect.gen(function* () {
    // an individual: verified, volume, a deadline passing, restricted and lifted by the platform,
    // settings, a key, suspended and reinstated, closed, held, erased, keys rotated
    const jane = yield* s.register(Fixtures.individual())
    yield* s.submitVerification(jane.id, JANE)
    yield* s.recordVolume(jane.id, { amount: "1000000", currency: "EUR" })
    yield* TestClock.adjust(14 * DAY)
    yield* s.refresh(jane.id)
    yield* s.updateProfile(jane.id, JANE, { idDocument: "file_identity_document_success" })
    yield* s.submitVerification(jane.id, JANE)
    yield* s.updateSecurity(jane.id, JANE, { twoFactorRequired: true })
    const key = yield* s.createApiKey(jane.id, JANE, { payments: "read" })
    // keys: rolled (revoked at once), the replacement revoked
    const rolled = yield* s.rollApiKey(jane.id, JANE, { keyId: key.id })
    yield* s.revokeApiKey(jane.id, JANE, rolled.id)
    yield* s.transition(jane.id, OPERATOR, "suspend")
    yield* s.transition(jane.id, OPERATOR, "reinstate")
    yield* s.transition(jane.id, JANE, "close")
    const now = yield* Effect.clockWith((c) => c.currentTimeMillis)
    const until = now + 10 * 365 * DAY
    yield* s.placeLegalHold({ subject: jane.id, basis: "litigation", until })
    yield* s.erase(jane.id, JANE)
    yield* TestClock.setTime(until)
    yield* s.sweep
    yield* s.rotateKeys
    yield* s.retireKeyVersion(1)
    // a business: its team
    const acme = yield* s.register(Fixtures.business())
    yield* s.invite(acme.id, ADA, { id: "user-admin", roles: ["administrator"] })
    yield* s.invite(acme.id, ADA, { id: "user-sup", roles: ["support"] })
    yield* s.changeRoles(acme.id, ADA, { id: "user-sup", roles: ["support", "refunds"] })
    yield* s.removeMember(acme.id, ADA, "user-sup")
    // its persons after registration: a share lowered (the attestation cleared), an owner added
    // with a new attestation, a director added and removed, and a capability requested
    const minority = acme.persons.find((p) => p.role === "owner" && p.ownershipBps === 4000)!
    yield* s.setOwnership(acme.id, ADA, { personId: minority.id, ownershipPercent: 20 })
    yield* s.addPerson(acme.id, ADA, {
      role: "owner",
      ownershipPercent: 20,
      person: { firstName: "Grace", lastName: "Hopper", dateOfBirth: "1906-12-09" }
    })
    yield* s.attestOwners(acme.id, ADA)
    const board = yield* s.addPerson(acme.id, ADA, {
      role: "director",
      person: { firstName: "Alan", lastName: "Turing", dateOfBirth: "1912-06-23" }
    })
    yield* s.removePerson(acme.id, ADA, { personId: board.persons.at(-1)!.id })
    yield* s.requestCapabilities(acme.id, ADA, { capabilities: ["stored_value"] })
    yield* s.transferOwnership(acme.id, ADA, "user-admin")
    // an individual registered by its owner `user-<name>` with the given id number
    const other = (name: string, idNumber: string) =>
      Effect.map(
        s.register(
          Fixtures.individual({
            email: `${name}@example.com`,
            owner: { userId: `user-${name}` },
            person: { ...Fixtures.individual().person, idNumber }
          })
        ),
        (a) => ({ a, owner: { kind: "member", id: `user-${name}` } as const })
      )
    // manual review, then rejected by an operator
    const rev = yield* other("rev", VerificationProvider.MAGIC.manualReview)
    const reviewing = yield* s.submitVerification(rev.a.id, rev.owner)
    const held = reviewing.cases.find((c) => c.status === "manual_review")!
    yield* s.review(rev.a.id, OPERATOR, held.id, { approve: true })
    yield* s.transition(rev.a.id, OPERATOR, { command: "reject", reason: "other" })
    // answered later by the provider
    const later = yield* other("later", VerificationProvider.MAGIC.pending)
    const waiting = yield* s.submitVerification(later.a.id, later.owner)
    const open = waiting.cases.find((c) => c.status === "pending")!
    yield* s.verificationResult(later.a.id, open.submissionId!, { _tag: "verified" })
    // withdrawn by its owner while pending
    const gone = yield* other("gone", VerificationProvider.MAGIC.verified)
    yield* s.transition(gone.a.id, gone.owner, "withdraw")
    return { accounts: [jane.id, acme.id, rev.a.id, later.a.id, gone.a.id] }
  })

describe("events travel with the change", () => {
  it("a commit that fails (stale version: a concurrent change won) delivers none of its events; the winner's arrive", () => {
    const n = batches()
    return run(
      Effect.gen(function* () {
        const h = yield* harness(n.layer)
        const a = yield* h.accounts.register(Fixtures.individual())
        const delivered = n.delivered.flat().length
        const competitor = DomainEvent.make({
          id: "01J0000000000000000000000Z",
          type: Events.TYPES.securityUpdated,
          at: T0,
          subject: a.id,
          data: { accountId: a.id, fields: [] }
        })
        h.interleave((_tx, commit) =>
          commit({
            accounts: [{ account: { ...a, version: a.version + 1 }, expectedVersion: a.version }],
            events: [competitor]
          })
        )
        const e = yield* Effect.flip(h.accounts.submitVerification(a.id, JANE))
        expect(e._tag).toBe("StoreFailure")
        expect(n.delivered.flat().slice(delivered)).toEqual([competitor])
        expect(Option.getOrThrow(yield* h.store.getAccount(a.id)).status).toBe("pending")
        // the next attempt, on the current version, commits and delivers its own events
        yield* h.accounts.submitVerification(a.id, JANE)
        expect(
          n.delivered
            .flat()
            .slice(delivered + 1)
            .map((x) => x.type)
        ).toEqual([
          "accounts.verification.updated",
          "accounts.account.activated",
          "accounts.requirements.updated"
        ])
      })
    )
  })

  it("a registration that loses its email to a concurrent one (index key taken at commit) is DuplicateApplicant, delivers no event and writes nothing", () => {
    const n = batches()
    return run(
      Effect.gen(function* () {
        const h = yield* harness(n.layer)
        const first = yield* h.accounts.register(Fixtures.individual())
        const before = { dump: yield* h.store.dump, delivered: n.delivered.flat().length }
        h.interleave((tx, commit) =>
          commit({
            index: (tx.index ?? [])
              .filter((i) => i.kind === "email")
              .map((i) => ({ ...i, accountId: first.id }))
          })
        )
        const e = yield* Effect.flip(h.accounts.register(Fixtures.individual({ email: "bob@example.com" })))
        // the race is lost with the typed answer, as if the other registration had been seen first
        expect(e).toMatchObject({ _tag: "DuplicateApplicant", field: "email", existing: first.id })
        const after = yield* h.store.dump
        expect(after.accounts).toEqual(before.dump.accounts)
        expect(after.keys).toEqual(before.dump.keys)
        expect(after.fields).toEqual(before.dump.fields)
        expect(after.audit).toEqual(before.dump.audit)
        expect(n.delivered.flat()).toHaveLength(before.delivered)
        // the duplicate check itself refuses before any commit: nothing is delivered either
        const dup = yield* Effect.flip(h.accounts.register(Fixtures.individual()))
        expect(dup._tag).toBe("DuplicateApplicant")
        expect(n.delivered.flat()).toHaveLength(before.delivered)
      })
    )
  })

  it("the memory store delivers a failed commit's events never, a successful one's right after it", () =>
    run(
      Effect.gen(function* () {
        const store = yield* AccountStore.AccountStore
        const recorded = yield* Notifier.RecordedEvents
        const ev = (id: string, subject: string) =>
          DomainEvent.make({
            id,
            type: Events.TYPES.erased,
            at: 0,
            subject,
            data: { subject, accountId: subject }
          })
        const stale = yield* Effect.flip(
          store.commit({
            accounts: [{ account: AccountStoreContract.account("a1", 2), expectedVersion: 1 }],
            events: [ev("01J0000000000000000000000A", "a1")]
          })
        )
        expect(stale._tag).toBe("StoreFailure")
        expect(yield* recorded.all).toEqual([])
        const e = ev("01J0000000000000000000000B", "a1")
        yield* store.commit({
          accounts: [{ account: AccountStoreContract.account("a1", 1), expectedVersion: 0 }],
          events: [e]
        })
        expect(yield* recorded.all).toEqual([e])
      }).pipe(Effect.provide(AccountStore.layerMemory.pipe(Layer.provideMerge(Notifier.layerMemory))))
    ))

  it("with a Notifier that fails, the change is still committed and a warning is logged; the next operation works and its events arrive", async () => {
    const logs: Array<{ level: string; text: string }> = []
    const capture = Logger.layer([
      Logger.make((o) => {
        logs.push({ level: o.logLevel, text: Logger.formatLogFmt.log(o) })
      })
    ])
    const delivered: Array<DomainEvent.DomainEvent> = []
    let failures = 1
    const flaky = Layer.succeed(
      Notifier.Notifier,
      Notifier.Notifier.of({
        notify: (events) =>
          failures-- > 0
            ? Effect.fail(new Notifier.NotifyFailed({ reason: "the broker is down" }))
            : Effect.sync(() => void delivered.push(...events))
      })
    )
    await run(
      Effect.gen(function* () {
        const h = yield* harness(flaky)
        const a = yield* h.accounts.register(Fixtures.individual())
        expect(Option.getOrThrow(yield* h.store.getAccount(a.id))).toEqual(a)
        expect(delivered).toEqual([])
        const warning = logs.find((l) => l.text.includes("the broker is down"))
        expect(warning?.level).toBe("Warn")
        expect(warning?.text).toContain("accounts: the change is committed but its events were not delivered")
        const active = yield* h.accounts.submitVerification(a.id, JANE)
        expect(active.status).toBe("active")
        expect(delivered.map((e) => e.type)).toEqual([
          "accounts.verification.updated",
          "accounts.account.activated",
          "accounts.requirements.updated"
        ])
      }).pipe(Effect.provide(capture))
    )
  })

  it("from the memory store, events arrive once each, in commit order, one delivery per commit, with the ids they were committed with (stable: same seed and clock, same ids)", async () => {
    const once = async () => {
      const n = batches()
      const h = await run(
        Effect.gen(function* () {
          const h = yield* harness(n.layer)
          yield* scenario(h.accounts)
          return h
        })
      )
      return { committed: h.committed.filter((c) => c.length > 0), delivered: n.delivered }
    }
    const first = await once()
    // each delivery is exactly one commit's events, in the order the commits were made
    expect(first.delivered).toEqual(first.committed)
    const all = first.delivered.flat()
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length)
    // ids are ULIDs, increasing in delivery order; per subject, time never goes back
    expect(all.every((e) => Result.isSuccess(Events.decode(e)))).toBe(true)
    expect([...all.map((e) => e.id)].sort()).toEqual(all.map((e) => e.id))
    const last = new Map<string, string>()
    for (const e of all) {
      expect(e.occurredAt >= (last.get(e.subject) ?? "")).toBe(true)
      last.set(e.subject, e.occurredAt)
    }
    const second = await once()
    expect(second.delivered).toEqual(first.delivered)
  })

  it("concurrent commits on the memory store: delivery order is commit order, even with a notifier that is slow now and then", () =>
    run(
      Effect.gen(function* () {
        const delivered: Array<string> = []
        const slow = Layer.succeed(
          Notifier.Notifier,
          Notifier.Notifier.of({
            // a slow delivery for every other commit: a later commit must still not overtake it
            notify: (events) =>
              Effect.andThen(
                Effect.replicateEffect(
                  Effect.yieldNow,
                  Number(events[0]?.subject.slice(-1)) % 2 === 0 ? 10 : 0
                ),
                Effect.sync(() => void delivered.push(...events.map((e) => e.subject)))
              )
          })
        )
        const store = yield* AccountStore.makeMemory.pipe(Effect.provide(slow))
        yield* Effect.forEach(
          Array.from({ length: 40 }, (_, i) => `acc-${String(i).padStart(2, "0")}`),
          (id, i) =>
            store.commit({
              audit: [
                {
                  id: `au-${id}`,
                  at: 0,
                  accountId: id,
                  actor: "system",
                  action: "t",
                  version: 1,
                  changes: []
                }
              ],
              events: [
                DomainEvent.make({
                  id: `01J00000000000000000000${String(100 + i)}`,
                  type: Events.TYPES.securityUpdated,
                  at: 0,
                  subject: id,
                  data: { accountId: id, fields: [] }
                })
              ]
            }),
          { concurrency: "unbounded" }
        )
        const applied = (yield* store.dump).audit.map((a) => a.accountId)
        expect(applied).toHaveLength(40)
        expect(delivered).toEqual(applied)
      })
    ))
})

describe("Events.Event: the schema union of the package's events", () => {
  it("decodes every event a full scenario emits (registration through erasure and key rotation), and the scenario emits every type", async () => {
    const n = batches()
    await run(
      Effect.gen(function* () {
        const h = yield* harness(n.layer)
        yield* scenario(h.accounts)
      })
    )
    const all = n.delivered.flat()
    for (const e of all) {
      const r = Events.decode(e)
      if (Result.isFailure(r)) expect.fail(`${e.type}: ${r.failure.path}: ${r.failure.reason}`)
      expect(Events.is(e)).toBe(true)
    }
    expect([...new Set(all.map((e) => e.type))].sort()).toEqual([...Events.ALL_TYPES].sort())
    // no personal value of the scenario's applicants rides in any event
    const text = JSON.stringify(all)
    for (const v of [
      "jane.doe@example.com",
      "+4915112345678",
      "Jane",
      "Lovelace",
      "Hopper",
      "Turing",
      "DE89370400440532013000"
    ]) {
      expect(text).not.toContain(v)
    }
  })

  it("an event with wrong data is refused naming the field; so is an unknown type and a field its schema does not name", () => {
    const good = DomainEvent.make({
      id: "01J0000000000000000000000A",
      type: Events.TYPES.registered,
      at: T0,
      subject: "acc",
      data: { accountId: "acc", type: "individual", country: "DE", capabilities: ["payouts"] }
    })
    expect(Result.isSuccess(Events.decode(good))).toBe(true)
    const wrong = Events.decode({ ...good, data: { ...(good.data as object), accountId: 42 } })
    expect(Result.isFailure(wrong) && wrong.failure).toMatchObject({
      _tag: "InvalidInput",
      operation: "Events.decode",
      path: "data.accountId"
    })
    const badCapability = Events.decode({
      ...good,
      data: { ...(good.data as object), capabilities: ["cash"] }
    })
    expect(Result.isFailure(badCapability) && badCapability.failure.path).toBe("data.capabilities[0]")
    const personal = Events.decode({ ...good, data: { ...(good.data as object), email: "jane@example.com" } })
    expect(Result.isFailure(personal) && personal.failure.path).toBe("data.email")
    const unknown = Events.decode({ ...good, type: "accounts.account.teleported" })
    expect(Result.isFailure(unknown)).toBe(true)
    expect(Events.is({ ...good, data: { accountId: "acc" } })).toBe(false)
  })
})
