import { Currency, Money, Notifier } from "@paykit/core"
import { Effect, type Layer, Schema } from "effect"
import fc from "fast-check"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import {
  Accounts,
  AccountStore,
  ClosureCheck,
  Events,
  Lifecycle,
  Redact,
  VerificationProvider
} from "../src/index.ts"
import { Fixtures } from "../src/testing/index.ts"

/**
 * Retention and erasure at the ends of a relationship (issue 16): one test per rule, each named
 * after it, on the memory store. (On PGlite and PostgreSQL: `ConcurrencyContract` "an end after
 * activity keeps the identity …" and `AccountStoreContract` "an ended relationship reads back
 * exactly …".)
 */

const T0 = Date.UTC(2026, 0, 1)
const YEAR5 = Date.UTC(2031, 0, 1)
const ADA = { kind: "member", id: "user-ada" } as const
const JANE = { kind: "member", id: "user-jane" } as const
const OPERATOR = { kind: "operator", id: "ops-1" } as const

type Env = Layer.Success<ReturnType<typeof Fixtures.layer>>

const run = <A, E>(effect: Effect.Effect<A, E, Env>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      return yield* effect
    }).pipe(Effect.provide(Fixtures.layer())) as Effect.Effect<A, E>
  )

const snapshot = Effect.gen(function* () {
  const store = yield* AccountStore.AccountStore
  const events = yield* Notifier.RecordedEvents
  return { dump: yield* store.dump, events: (yield* events.all).length }
})

/** Every subject's answer to its erasure asked by `actor`. */
const eraseAll = (
  a: { readonly id: string; readonly persons: ReadonlyArray<{ readonly id: string }> },
  actor: typeof ADA
) =>
  Effect.flatMap(Accounts.Accounts, (s) =>
    Effect.forEach([a.id, ...a.persons.map((p) => p.id).filter((p) => p !== a.id)], (subject) =>
      s.erase(subject, actor)
    )
  )

/** A business still pending (its representative's identity check is answered later). */
const pendingBusiness = Fixtures.business({
  representative: { ...Fixtures.business().representative, idNumber: VerificationProvider.MAGIC.pending }
})

describe("retention and erasure at the ends of a relationship (issue 16)", () => {
  it("a rejection after activity places the AML retention hold: a merchant that processed 50,000 EUR and was rejected cannot have its identity erased nor register again with the same email or registration number", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(pendingBusiness)
        expect(a.status).toBe("pending")
        yield* s.recordVolume(a.id, { amount: "5000000", currency: "EUR" })
        const rejected = yield* s.transition(a.id, OPERATOR, { command: "reject", reason: "fraud" })
        expect(rejected.status).toBe("rejected")
        // every subject (the company, the representative, both owners) is held for five years
        const store = yield* AccountStore.AccountStore
        for (const subject of [a.id, ...a.persons.map((p) => p.id)]) {
          expect(yield* store.getHolds(subject)).toEqual([
            { subject, basis: "aml_retention", until: YEAR5, placedAt: T0 }
          ])
        }
        // a minute later the owner asks to erase everything: retained, nothing shredded
        yield* TestClock.adjust(60_000)
        const answers = yield* eraseAll(a, ADA)
        expect(answers.map((r) => r._tag)).toEqual(a.persons.map(() => "Retained").concat("Retained"))
        for (const r of answers)
          if (r._tag === "Retained") expect(r).toMatchObject({ until: YEAR5, basis: "aml_retention" })
        expect((yield* store.dump).keys.length).toBe(1 + a.persons.length)
        // and cannot register again with the same email or registration number
        const byEmail = yield* Effect.flip(
          s.register({ ...pendingBusiness, registrationNumber: "HRB 999999" })
        )
        expect(byEmail).toMatchObject({ _tag: "DuplicateApplicant", field: "email", existing: a.id })
        const byNumber = yield* Effect.flip(s.register({ ...pendingBusiness, email: "other@acme.example" }))
        expect(byNumber).toMatchObject({ _tag: "DuplicateApplicant", existing: a.id })
        // the sweep shreds exactly when the hold ends
        yield* TestClock.setTime(YEAR5 - 1)
        expect(yield* s.sweep).toEqual([])
        yield* TestClock.setTime(YEAR5)
        expect((yield* s.sweep).length).toBe(1 + a.persons.length)
        expect((yield* s.register(pendingBusiness)).status).toBe("pending")
      })
    ))

  it("a withdrawal after activity places the AML retention hold too; an application withdrawn or rejected before any activity places none and is erased at once", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const store = yield* AccountStore.AccountStore
        const standing = yield* ClosureCheck.MemoryStanding
        const jane = (email: string, userId: string) =>
          s.register(
            Fixtures.individual({
              email,
              owner: { userId },
              person: { ...Fixtures.individual().person, idNumber: VerificationProvider.MAGIC.pending }
            })
          )
        // recorded volume: withdrawn by the owner, held
        const a = yield* jane("a@example.com", "user-a")
        yield* s.recordVolume(a.id, { amount: "1", currency: "EUR" })
        yield* s.transition(a.id, { kind: "member", id: "user-a" }, "withdraw")
        expect((yield* store.getHolds(a.id)).map((h) => h.basis)).toEqual(["aml_retention"])
        expect((yield* s.erase(a.id, { kind: "member", id: "user-a" }))._tag).toBe("Retained")
        // activity the ledger side reports (every balance back to zero): held
        const b = yield* jane("b@example.com", "user-b")
        yield* standing.set(b.id, { balances: [Money.zero(Currency.EUR)], openDisputes: 0, activity: true })
        yield* s.transition(b.id, OPERATOR, "withdraw")
        expect((yield* s.erase(b.id, OPERATOR))._tag).toBe("Retained")
        // an application that operated (activated, then suspended) and is rejected: held
        const c = yield* s.register(
          Fixtures.individual({ email: "c@example.com", owner: { userId: "user-c" } })
        )
        expect((yield* s.submitVerification(c.id, { kind: "member", id: "user-c" })).status).toBe("active")
        yield* s.transition(c.id, OPERATOR, "suspend")
        yield* s.transition(c.id, OPERATOR, { command: "reject", reason: "terms_of_service" })
        expect((yield* s.erase(c.id, OPERATOR))._tag).toBe("Retained")
        // nothing happened: no hold, erased at once, the email free again
        const d = yield* jane("d@example.com", "user-d")
        const e = yield* jane("e@example.com", "user-e")
        yield* s.transition(d.id, { kind: "member", id: "user-d" }, "withdraw")
        yield* s.transition(e.id, OPERATOR, { command: "reject", reason: "other" })
        for (const x of [d, e]) {
          expect(yield* store.getHolds(x.id)).toEqual([])
          expect((yield* s.erase(x.id, OPERATOR))._tag).toBe("Erased")
        }
        expect((yield* jane("d@example.com", "user-d2")).status).toBe("pending")
        // the pure rule the service applies
        expect(Lifecycle.hadActivity({ from: "pending", volume: 0n, reported: false })).toBe(false)
        expect(Lifecycle.hadActivity({ from: "pending", volume: 1n, reported: false })).toBe(true)
        expect(Lifecycle.hadActivity({ from: "pending", volume: 0n, reported: true })).toBe(true)
        expect(Lifecycle.hadActivity({ from: "suspended", volume: 0n, reported: false })).toBe(true)
      })
    ))

  it("reject takes a reason (fraud, terms of service, listed, other): kept on the account, in the audit record and on the rejected event", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const events = yield* Notifier.RecordedEvents
        expect(Lifecycle.RejectionReason.literals).toEqual(["fraud", "terms_of_service", "listed", "other"])
        for (const [i, reason] of Lifecycle.RejectionReason.literals.entries()) {
          const a = yield* s.register(
            Fixtures.individual({ email: `r${i}@example.com`, owner: { userId: `user-r${i}` } })
          )
          yield* TestClock.adjust(1_000)
          const at = T0 + (i + 1) * 1_000
          const rejected = yield* s.transition(a.id, OPERATOR, { command: "reject", reason })
          expect(rejected.rejection).toEqual({ reason, at })
          expect((yield* s.get(a.id)).rejection).toEqual({ reason, at })
          expect((yield* s.audit(a.id, { kind: "operator", id: "ops-reader" })).at(-1)).toMatchObject({
            actor: "operator:ops-1",
            action: "lifecycle:reject",
            changes: [
              { field: "status", from: "pending", to: "rejected" },
              { field: "rejection.reason", from: null, to: reason }
            ]
          })
          const event = (yield* events.all).find(
            (e) => e.type === Events.LIFECYCLE.reject && e.subject === a.id
          )!
          expect(event.data).toEqual({
            accountId: a.id,
            from: "pending",
            to: "rejected",
            code: 500,
            by: "operator",
            reason
          })
          expect(Events.decode(event)._tag).toBe("Success")
        }
      })
    ))

  it("a rejection without a reason, or with an unknown one, is InvalidInput naming reason and changes nothing", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.individual())
        const before = yield* snapshot
        const bad: ReadonlyArray<unknown> = [
          "reject",
          { command: "reject" },
          { command: "reject", reason: "bored" },
          { command: "reject", reason: null },
          { command: "reject", reason: 1 },
          { command: "reject", reason: "FRAUD" },
          { command: "reject", reason: "fraud\u0000" }
        ]
        for (const input of bad) {
          const e = yield* Effect.flip(s.transition(a.id, OPERATOR, input as Lifecycle.TransitionInput))
          expect(e, JSON.stringify(input)).toMatchObject({
            _tag: "InvalidInput",
            operation: "transition",
            path: "reason"
          })
        }
        // other hostile shapes are InvalidInput too, never a defect
        for (const input of [null, 7, [], {}, { command: "close", reason: "fraud" }, "explode"]) {
          expect(
            (yield* Effect.flip(s.transition(a.id, OPERATOR, input as Lifecycle.TransitionInput)))._tag
          ).toBe("InvalidInput")
        }
        expect(yield* snapshot).toEqual(before)
        // the next valid call works
        expect((yield* s.transition(a.id, OPERATOR, { command: "reject", reason: "listed" })).status).toBe(
          "rejected"
        )
      })
    ))

  it("random JSON as a transition (bare, or as a rejection's reason) is InvalidInput, never a defect, and changes nothing; a reason's refusal names reason", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.individual())
        const before = yield* snapshot
        const valid = Schema.is(Lifecycle.TransitionInput)
        const inputs = fc.sample(
          fc.oneof(
            fc.anything(),
            fc.jsonValue(),
            fc.anything().map((reason) => ({ command: "reject", reason }))
          ),
          { numRuns: 200, seed: 16 }
        )
        for (const input of inputs.filter((x) => !valid(x))) {
          const out = yield* Effect.exit(s.transition(a.id, OPERATOR, input as Lifecycle.TransitionInput))
          expect(out._tag === "Failure" && out.cause.reasons.every((r) => r._tag === "Fail")).toBe(true)
          const e = yield* Effect.flip(s.transition(a.id, OPERATOR, input as Lifecycle.TransitionInput))
          expect(e._tag).toBe("InvalidInput")
          if (
            typeof input === "object" &&
            input !== null &&
            (input as { command?: unknown }).command === "reject"
          )
            expect(e).toMatchObject({ path: "reason" })
        }
        expect(yield* snapshot).toEqual(before)
        expect((yield* s.transition(a.id, OPERATOR, { command: "reject", reason: "other" })).status).toBe(
          "rejected"
        )
      })
    ))

  it("reject and withdraw obey the closure check: a balance that is not zero or an open dispute refuses them with CannotClose naming the ending, and nothing changes", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const standing = yield* ClosureCheck.MemoryStanding
        const a = yield* s.register(
          Fixtures.individual({
            person: { ...Fixtures.individual().person, idNumber: VerificationProvider.MAGIC.pending }
          })
        )
        yield* standing.set(a.id, {
          balances: [Money.fromMinorUnsafe(5_000_000n, Currency.EUR)],
          openDisputes: 1
        })
        const before = yield* snapshot
        const reasons = ["balance 50000.00 EUR is not zero", "1 dispute(s) still open"]
        const rejecting = yield* Effect.flip(
          s.transition(a.id, OPERATOR, { command: "reject", reason: "fraud" })
        )
        expect(rejecting).toMatchObject({ _tag: "CannotClose", accountId: a.id, command: "reject", reasons })
        expect(rejecting.message).toContain("cannot be rejected")
        const withdrawing = yield* Effect.flip(s.transition(a.id, JANE, "withdraw"))
        expect(withdrawing).toMatchObject({ _tag: "CannotClose", command: "withdraw", reasons })
        expect(yield* snapshot).toEqual(before)
        yield* standing.set(a.id, { balances: [Money.zero(Currency.EUR)], openDisputes: 0 })
        expect((yield* s.transition(a.id, JANE, "withdraw")).status).toBe("withdrawn")
      })
    ))

  it("an owner cannot close an account an operator suspended or restricted; an operator can; the platform's own restriction does not stop the owner", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const owner = (id: string) => ({ kind: "member", id }) as const
        const active = (n: number) =>
          Effect.gen(function* () {
            const a = yield* s.register(
              Fixtures.individual({ email: `c${n}@example.com`, owner: { userId: `user-c${n}` } })
            )
            return (yield* s.submitVerification(a.id, owner(`user-c${n}`))).id
          })
        // suspended by an operator: only an operator closes it
        const a = yield* active(1)
        yield* s.transition(a, OPERATOR, "suspend")
        const before = yield* snapshot
        expect(yield* Effect.flip(s.transition(a, owner("user-c1"), "close"))).toMatchObject({
          _tag: "IllegalTransition",
          from: "suspended",
          command: "close",
          actor: "owner"
        })
        expect(yield* snapshot).toEqual(before)
        expect((yield* s.transition(a, OPERATOR, "close")).status).toBe("closed")
        // restricted by an operator: only an operator closes it, or lifts the restriction first
        const b = yield* active(2)
        yield* s.transition(b, OPERATOR, "restrict")
        const refused = yield* Effect.flip(s.transition(b, owner("user-c2"), "close"))
        expect(refused).toMatchObject({ _tag: "IllegalTransition", from: "restricted", actor: "owner" })
        expect(refused.message).toContain("an operator restricted the account")
        yield* s.transition(b, OPERATOR, "lift_restriction")
        expect((yield* s.transition(b, owner("user-c2"), "close")).status).toBe("closed")
        // restricted by the platform (past-due requirements): the owner may close it
        const c = yield* active(3)
        const restricted = yield* s.updateProfile(c, owner("user-c3"), { idNumber: "123123123" })
        expect(restricted.restriction?.by).toBe("system")
        expect((yield* s.transition(c, owner("user-c3"), "close")).status).toBe("closed")
        // the table and the pure rule say the same
        expect(Lifecycle.machine.commandsFrom("suspended", "owner")).toEqual([])
        expect(
          Lifecycle.authorize({ status: "restricted", restrictedBy: "operator" }, "close", "owner")._tag
        ).toBe("Failure")
        expect(
          Lifecycle.authorize({ status: "restricted", restrictedBy: "system" }, "close", "owner")._tag
        ).toBe("Success")
      })
    ))

  it("after an erasure the audit trail keeps no masked fragments of the erased values", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const store = yield* AccountStore.AccountStore
        const a = yield* s.register(
          Fixtures.individual({
            email: "jane.doe@example.com",
            phone: "+4915112345678",
            card: { number: "4242424242424242", expMonth: 1, expYear: 2030 },
            person: { ...Fixtures.individual().person, idNumber: VerificationProvider.MAGIC.pending }
          })
        )
        yield* s.updateProfile(a.id, JANE, {
          email: "jane.new@example.org",
          phone: "+4915199999977",
          card: { number: "5555555555554444", expMonth: 2, expYear: 2031 }
        })
        // an audit record an earlier version wrote, with the masked fragments it used to keep
        yield* store.commit({
          audit: [
            {
              id: "legacy-1",
              at: T0,
              accountId: a.id,
              actor: "member:user-jane",
              action: "update_profile",
              version: 1,
              changes: [
                { field: "email", from: "j***@***.com", to: "j***@***.org" },
                { field: "phone", from: "+***********78", to: null },
                { field: "card", from: "visa 4242", to: "mastercard 4444" }
              ]
            }
          ]
        })
        yield* s.transition(a.id, JANE, "withdraw")
        expect((yield* s.erase(a.id, JANE))._tag).toBe("Erased")
        const trail = yield* s.audit(a.id, { kind: "operator", id: "ops-reader" })
        expect(trail.length).toBeGreaterThanOrEqual(4)
        for (const entry of trail) {
          for (const c of entry.changes) {
            if (Redact.AUDIT_REDACTED.has(c.field)) {
              expect([null, Redact.MARKER], `${entry.action} ${c.field}`).toContain(c.from)
              expect([null, Redact.MARKER], `${entry.action} ${c.field}`).toContain(c.to)
            }
          }
        }
        // what the service wrote holds no fragment either (the legacy record aside, which reads masked)
        const values = (entries: ReadonlyArray<AccountStore.AuditEntry>) =>
          entries.flatMap((e) => e.changes.flatMap((c) => [c.from, c.to])).filter((v) => v !== null)
        const written = (yield* store.dump).audit.filter((e) => e.id !== "legacy-1")
        for (const v of [...values(trail), ...values(written)]) {
          expect(v).not.toMatch(/[*@]|\.(com|org)|\d{2}|visa|mastercard/)
        }
        expect(Redact.value("email", "jane@example.com")).toBe(Redact.MARKER)
        expect(Redact.value("phone", "+4915112345678")).toBe(Redact.MARKER)
      })
    ))
})
