import { Currency, Money, Notifier } from "@paykit/core"
import { Effect, type Layer, Schema } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { Accounts, AccountStore, ClosureCheck, Requirements, SubjectExport } from "../src/index.ts"
import { Fixtures } from "../src/testing/index.ts"

const T0 = Date.UTC(2026, 0, 1)
const DAY = 86_400_000
const JANE = { kind: "member", id: "user-jane" } as const
const ADA = { kind: "member", id: "user-ada" } as const
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

const types = Effect.map(
  Effect.flatMap(Notifier.RecordedEvents, (e) => e.all),
  (all) => all.map((e) => e.type)
)

describe("registration", () => {
  it("an individual who provides everything and verifies is activated by the platform", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.individual())
        expect(a.status).toBe("pending")
        const e = yield* s.evaluate(a.id)
        expect(e.requirements.pastDue).toEqual(["individual.verification"])
        expect(e.capabilities.card_payments.status).toBe("pending")
        const b = yield* s.submitVerification(a.id, JANE)
        expect(b.status).toBe("active")
        expect(yield* types).toEqual([
          "accounts.account.registered",
          "accounts.requirements.updated",
          "accounts.verification.updated",
          "accounts.account.activated",
          "accounts.requirements.updated"
        ])
      })
    ))

  it("duplicate detection: the same email (any case) or the same registration number is refused, writing nothing", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.business())
        const before = yield* snapshot
        const byEmail = yield* Effect.flip(
          s.register(Fixtures.individual({ email: "FINANCE@acme.example", owner: { userId: "x" } }))
        )
        expect(byEmail).toMatchObject({ _tag: "DuplicateApplicant", field: "email", existing: a.id })
        const byNumber = yield* Effect.flip(
          s.register(Fixtures.business({ email: "other@acme.example", registrationNumber: "hrb-123456" }))
        )
        expect(byNumber).toMatchObject({ _tag: "DuplicateApplicant", field: "registrationNumber" })
        expect(yield* snapshot).toEqual(before)
        // the same number in another country is another company
        yield* s.register(Fixtures.business({ email: "fr@acme.example", country: "FR" }))
      })
    ))
})

describe("duplicates over time", () => {
  it("an email change moves the duplicate index; taking another account's email is refused", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.individual())
        const b = yield* s.register(
          Fixtures.individual({ email: "bob@example.com", owner: { userId: "user-bob" } })
        )
        const before = yield* snapshot
        const e = yield* Effect.flip(
          s.updateProfile(b.id, { kind: "member", id: "user-bob" }, { email: "Jane.Doe@example.com" })
        )
        expect(e).toMatchObject({ _tag: "DuplicateApplicant", field: "email", existing: a.id })
        expect(yield* snapshot).toEqual(before)
        yield* s.updateProfile(a.id, JANE, { email: "jane@new.example" })
        yield* s.register(Fixtures.individual({ owner: { userId: "user-jane-2" } })) // the old email is free again
        const again = yield* Effect.flip(s.register(Fixtures.individual({ email: "jane@new.example" })))
        expect(again).toMatchObject({ _tag: "DuplicateApplicant", existing: a.id })
      })
    ))

  it("erasing the holder drops the blind indexes, the card and the bank summary", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const store = yield* AccountStore.AccountStore
        const a = yield* s.register(
          Fixtures.business({ card: { number: "4242424242424242", expMonth: 1, expYear: 2030 } })
        )
        yield* s.transition(a.id, OPERATOR, "withdraw")
        expect((yield* s.erase(a.id, OPERATOR))._tag).toBe("Erased")
        const erased = yield* s.get(a.id)
        expect(erased.card).toBeUndefined()
        expect(erased.bank).toBeUndefined()
        expect(erased.emailIndex).toBeUndefined()
        expect((yield* store.dump).index.filter(([k]) => !k.startsWith("subject:"))).toEqual([])
        // the company may apply again
        yield* s.register(Fixtures.business())
      })
    ))
})

describe("requirements and deadlines", () => {
  it("a volume threshold makes the document due with a deadline; past it payouts stop with the past-due reason; providing it turns payouts back on without an operator", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const policy = Requirements.defaultPolicy
        const a = yield* s.register(Fixtures.individual())
        yield* s.submitVerification(a.id, JANE)
        yield* s.recordVolume(a.id, { amount: "1000000", currency: "EUR" })
        const e1 = yield* s.evaluate(a.id)
        expect(e1.capabilities.payouts.requirements.currentlyDue).toEqual([
          "individual.verification.document"
        ])
        expect(e1.capabilities.payouts.requirements.pastDue).toEqual([])
        expect(e1.requirements.currentDeadline).toBe(T0 + 14 * DAY)
        expect(e1.capabilities.payouts.status).toBe("active")

        yield* TestClock.adjust(14 * DAY)
        // a pure function of the stored account and the clock: no command needed
        const stored = yield* s.get(a.id)
        const now = T0 + 14 * DAY
        expect(Requirements.canPayout(policy, stored, now)).toBe(false)
        expect(Requirements.canCharge(policy, stored, now)).toBe(true)
        const e2 = Requirements.evaluate(policy, stored, now)
        expect(e2.capabilities.payouts.disabledReason).toBe("requirements.past_due")
        expect(e2.capabilities.payouts.requirements.pastDue).toEqual(["individual.verification.document"])

        const restricted = yield* s.refresh(a.id)
        expect(restricted.status).toBe("restricted")
        yield* s.updateProfile(a.id, JANE, { idDocument: "file_identity_document_success" })
        const back = yield* s.submitVerification(a.id, JANE)
        expect(back.status).toBe("active")
        expect(Requirements.canPayout(policy, back, now)).toBe(true)
        const t = yield* types
        expect(t).toContain("accounts.account.restricted")
        expect(t.at(-2)).toBe("accounts.account.restriction_lifted")
      })
    ))

  it("verification errors carry codes and reasons and keep the item currently due", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(
          Fixtures.individual({ person: { ...Fixtures.individual().person, idNumber: "111111111" } })
        )
        yield* s.submitVerification(a.id, JANE)
        const e = yield* s.evaluate(a.id)
        expect(e.requirements.errors).toEqual([
          {
            requirement: "individual.verification",
            code: "verification_failed_id_number_match",
            reason: "the id number does not match the name given"
          }
        ])
        expect(e.requirements.currentlyDue).toContain("individual.verification")
      })
    ))
})

describe("data maintenance", () => {
  it("updates are versioned and audited with PII redacted; changing verified data reopens its requirement", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.individual())
        yield* s.submitVerification(a.id, JANE)
        yield* TestClock.adjust(DAY)
        const b = yield* s.updateProfile(a.id, JANE, {
          email: "jane.new@example.org",
          idNumber: "123123123",
          website: "https://jane.example"
        })
        expect(b.profileVersion).toBe(2)
        const e = yield* s.evaluate(a.id)
        expect(e.requirements.currentlyDue).toContain("individual.verification")
        expect(b.cases.find((c) => c.kind === "identity")?.status).toBe("data_provided")
        const entry = (yield* s.audit(a.id, { kind: "operator", id: "ops-reader" })).at(-1)!
        expect(entry).toMatchObject({
          actor: "member:user-jane",
          at: T0 + DAY,
          action: "update_profile",
          version: 2
        })
        expect(entry.changes).toEqual([
          { field: "email", from: "•••", to: "•••" },
          { field: "idNumber", from: "•••", to: "•••" },
          { field: "website", from: null, to: "https://jane.example" }
        ])
        expect(JSON.stringify(yield* s.audit(a.id, { kind: "operator", id: "ops-reader" }))).not.toContain(
          "jane.new@example.org"
        )
        // onboarding items are due at once: changed identity data restricts payouts until re-verified
        expect(b.status).toBe("restricted")
        expect(e.capabilities.payouts.disabledReason).toBe("requirements.past_due")
        expect(e.capabilities.card_payments.status).toBe("active")
        expect((yield* s.submitVerification(a.id, JANE)).status).toBe("active")
      })
    ))

  it("a member without settings:manage cannot update the profile; nothing is written", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.individual())
        yield* s.invite(a.id, JANE, { id: "user-bob", roles: ["analyst"] })
        const before = yield* snapshot
        const e = yield* Effect.flip(
          s.updateProfile(a.id, { kind: "member", id: "user-bob" }, { phone: "+4915199999999" })
        )
        expect(e._tag).toBe("PermissionDenied")
        expect(yield* snapshot).toEqual(before)
      })
    ))
})

describe("lifecycle", () => {
  it("closing needs a zero balance and no open disputes (the ClosureCheck port), then places the AML hold", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const standing = yield* ClosureCheck.MemoryStanding
        const a = yield* s.register(Fixtures.individual())
        yield* s.submitVerification(a.id, JANE)
        yield* standing.set(a.id, { balances: [Money.fromMinorUnsafe(1000n, Currency.EUR)], openDisputes: 2 })
        const before = yield* snapshot
        const e = yield* Effect.flip(s.transition(a.id, JANE, "close"))
        expect(e).toMatchObject({
          _tag: "CannotClose",
          reasons: ["balance 10.00 EUR is not zero", "2 dispute(s) still open"]
        })
        expect(yield* snapshot).toEqual(before)
        yield* standing.set(a.id, { balances: [Money.zero(Currency.EUR)], openDisputes: 0 })
        const closed = yield* s.transition(a.id, JANE, "close")
        expect(closed.status).toBe("closed")
        const t = yield* types
        expect(t.slice(t.indexOf("accounts.account.closed"))).toEqual([
          "accounts.account.closed",
          "accounts.legal_hold.placed",
          "accounts.requirements.updated"
        ])
      })
    ))

  it("who may trigger a move follows the table: a member who is not the owner may not, the owner may not suspend", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.business())
        yield* s.submitVerification(a.id, ADA)
        yield* s.invite(a.id, ADA, { id: "user-admin", roles: ["administrator"] })
        expect(
          (yield* Effect.flip(s.transition(a.id, { kind: "member", id: "user-admin" }, "close")))._tag
        ).toBe("IllegalTransition")
        expect((yield* Effect.flip(s.transition(a.id, ADA, "suspend")))._tag).toBe("IllegalTransition")
        expect((yield* s.transition(a.id, OPERATOR, "suspend")).status).toBe("suspended")
        expect((yield* s.transition(a.id, OPERATOR, "reinstate")).status).toBe("active")
      })
    ))
})

describe("operator restrictions (issue 7)", () => {
  it("an operator restriction on an active, compliant account sticks until an operator lifts it", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.individual())
        expect((yield* s.submitVerification(a.id, JANE)).status).toBe("active")
        const restricted = yield* s.transition(a.id, OPERATOR, "restrict")
        expect(restricted.status).toBe("restricted")
        expect(restricted.restriction).toEqual({ by: "operator", at: T0 })
        // it pauses payouts; charges go on
        const paused = Requirements.evaluate(Requirements.defaultPolicy, restricted, T0)
        expect(paused.capabilities.payouts.disabledReason).toBe("account.restricted")
        expect(Requirements.canPayout(Requirements.defaultPolicy, restricted, T0)).toBe(false)
        expect(Requirements.canCharge(Requirements.defaultPolicy, restricted, T0)).toBe(true)
        // nothing the platform does on its own lifts it: refresh, time, profile changes, verification
        yield* TestClock.adjust(30 * DAY)
        expect((yield* s.refresh(a.id)).status).toBe("restricted")
        yield* s.updateProfile(a.id, JANE, { idNumber: "123123123" })
        expect((yield* s.submitVerification(a.id, JANE)).status).toBe("restricted")
        expect(
          Requirements.evaluate(Requirements.defaultPolicy, yield* s.get(a.id), T0 + 30 * DAY).requirements
            .pastDue
        ).toEqual([])
        expect(yield* types).not.toContain("accounts.account.restriction_lifted")
        // the owner may not lift it; an operator may
        expect((yield* Effect.flip(s.transition(a.id, JANE, "lift_restriction")))._tag).toBe(
          "IllegalTransition"
        )
        const lifted = yield* s.transition(a.id, OPERATOR, "lift_restriction")
        expect(lifted.status).toBe("active")
        expect(lifted.restriction).toBeUndefined()
        expect(Requirements.canPayout(Requirements.defaultPolicy, lifted, T0 + 30 * DAY)).toBe(true)
        expect((yield* types).filter((t) => t.startsWith("accounts.account.restrict"))).toEqual([
          "accounts.account.restricted",
          "accounts.account.restriction_lifted"
        ])
      })
    ))

  it("an operator may take over a restriction the platform imposed; from then on it sticks", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.individual())
        yield* s.submitVerification(a.id, JANE)
        const bySystem = yield* s.updateProfile(a.id, JANE, { idNumber: "123123123" })
        expect(bySystem.restriction).toEqual({ by: "system", at: T0 })
        // the owner may not; an operator may
        expect((yield* Effect.flip(s.transition(a.id, JANE, "restrict")))._tag).toBe("IllegalTransition")
        yield* TestClock.adjust(DAY)
        const taken = yield* s.transition(a.id, OPERATOR, "restrict")
        expect(taken.status).toBe("restricted")
        expect(taken.restriction).toEqual({ by: "operator", at: T0 + DAY })
        // the requirements are met again: the restriction stays, payouts stay paused
        const met = yield* s.submitVerification(a.id, JANE)
        expect(met.status).toBe("restricted")
        expect(met.restriction?.by).toBe("operator")
        expect(Requirements.evaluate(Requirements.defaultPolicy, met, T0 + DAY).requirements.pastDue).toEqual(
          []
        )
        expect(
          Requirements.evaluate(Requirements.defaultPolicy, met, T0 + DAY).capabilities.payouts.disabledReason
        ).toBe("account.restricted")
        expect((yield* s.transition(a.id, OPERATOR, "lift_restriction")).status).toBe("active")
      })
    ))

  it("a restriction the platform imposed for past-due items is lifted automatically once they are satisfied", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.individual())
        yield* s.submitVerification(a.id, JANE)
        const b = yield* s.updateProfile(a.id, JANE, { idNumber: "123123123" })
        expect(b.status).toBe("restricted")
        expect(b.restriction).toEqual({ by: "system", at: T0 })
        const back = yield* s.submitVerification(a.id, JANE)
        expect(back.status).toBe("active")
        expect(back.restriction).toBeUndefined()
      })
    ))

  it("an operator lifting a restriction does not override past-due requirements: the platform restricts again", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.individual())
        yield* s.submitVerification(a.id, JANE)
        yield* s.transition(a.id, OPERATOR, "restrict")
        yield* s.updateProfile(a.id, JANE, { idNumber: "123123123" })
        const again = yield* s.transition(a.id, OPERATOR, "lift_restriction")
        expect(again.status).toBe("restricted")
        expect(again.restriction).toEqual({ by: "system", at: T0 })
        expect((yield* s.submitVerification(a.id, JANE)).status).toBe("active")
      })
    ))
})

describe("team", () => {
  it("invites, role changes, removal and ownership transfer emit events; the owner cannot be removed or demoted", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.business())
        yield* s.invite(a.id, ADA, { id: "user-admin", roles: ["administrator"] })
        yield* s.invite(a.id, { kind: "member", id: "user-admin" }, { id: "user-sup", roles: ["support"] })
        yield* s.changeRoles(a.id, ADA, { id: "user-sup", roles: ["support", "refunds"] })
        const d = yield* s.decide(a.id, "user-sup", "refunds:manage")
        expect(d).toEqual({ allowed: true, permission: "refunds:manage", grantedBy: ["support", "refunds"] })
        const before = yield* snapshot
        for (const e of [
          yield* Effect.flip(s.removeMember(a.id, { kind: "member", id: "user-admin" }, "user-ada")),
          yield* Effect.flip(
            s.changeRoles(
              a.id,
              { kind: "member", id: "user-admin" },
              { id: "user-ada", roles: ["view_only"] }
            )
          ),
          yield* Effect.flip(
            s.invite(a.id, { kind: "member", id: "user-sup" }, { id: "user-x", roles: ["finance"] })
          ),
          yield* Effect.flip(s.transferOwnership(a.id, { kind: "member", id: "user-admin" }, "user-admin"))
        ]) {
          expect(e._tag).toBe("PermissionDenied")
        }
        expect(yield* snapshot).toEqual(before)
        yield* s.transferOwnership(a.id, ADA, "user-admin")
        yield* s.removeMember(a.id, { kind: "member", id: "user-admin" }, "user-sup")
        const team = (yield* s.get(a.id)).team
        expect(team.owner).toBe("user-admin")
        expect(team.members).toEqual([
          { id: "user-ada", roles: ["administrator"] },
          { id: "user-admin", roles: [] }
        ])
        expect((yield* types).filter((t) => t.includes("member") || t.includes("owner"))).toEqual([
          "accounts.member.invited",
          "accounts.member.invited",
          "accounts.member.roles_changed",
          "accounts.owner.transferred",
          "accounts.member.removed"
        ])
      })
    ))

  it("an API key cannot exceed its creator", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.business())
        yield* s.invite(a.id, ADA, { id: "user-dev", roles: ["developer"] })
        const dev = { kind: "member", id: "user-dev" } as const
        const key = yield* s.createApiKey(a.id, dev, { payments: "read", webhooks: "write" })
        expect(key.access).toEqual({ payments: "read", webhooks: "write" })
        const e = yield* Effect.flip(s.createApiKey(a.id, dev, { payments: "write" }))
        expect(e).toMatchObject({
          _tag: "PermissionDenied",
          reason: "the key would exceed its creator: payments:manage"
        })
      })
    ))
})

describe("security settings", () => {
  it("settings are decoded into exact money and stored", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.business())
        const b = yield* s.updateSecurity(a.id, ADA, {
          approvalThresholds: { payouts: { amount: "500000", currency: "EUR" } },
          limits: { payouts: { perTransaction: { amount: "1000000", currency: "EUR" } } }
        })
        expect(b.security.approvalThresholds.payouts?.toString()).toBe("5000.00 EUR")
        expect(b.security.limits.payouts?.perTransaction?.amount).toBe(1_000_000n)
      })
    ))
})

describe("subject access export", () => {
  it("is JSON that decodes with the published schema and holds the subject's data", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(
          Fixtures.individual({ card: { number: "4242424242424242", expMonth: 1, expYear: 2030 } })
        )
        const doc = yield* s.exportSubject(a.id, { kind: "operator", id: "ops-reader" })
        const json = JSON.parse(JSON.stringify(doc))
        expect(Schema.decodeUnknownSync(SubjectExport.SubjectExport)(json)).toEqual(doc)
        expect(doc.personalData["email"]).toBe("jane.doe@example.com")
        expect(doc.accounts[0]?.card).toEqual({ brand: "visa", last4: "4242" })
        expect(JSON.stringify(doc)).not.toContain("4242424242424242")
        const schema = SubjectExport.jsonSchema()
        expect(JSON.stringify(schema)).toContain("personalData")
      })
    ))
})
