import { Notifier } from "@paykit/core"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Accounts, AccountStore, Permissions } from "../src/index.ts"
import { Fixtures } from "../src/testing/index.ts"

const NUM_RUNS = 40
const OWNER = { kind: "member", id: "user-ada" } as const

/** Registers a business, then runs `bad` and asserts: InvalidInput at `path`, no write, no event. */
const rejects = (
  bad: (s: Accounts.Accounts["Service"], accountId: string) => Effect.Effect<unknown, Accounts.AccountsError>,
  path: string | RegExp
) =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.UTC(2026, 0, 1))
      const s = yield* Accounts.Accounts
      const store = yield* AccountStore.AccountStore
      const events = yield* Notifier.RecordedEvents
      const a = yield* s.register(Fixtures.business())
      const before = { dump: yield* store.dump, events: (yield* events.all).length }
      const error = yield* Effect.flip(bad(s, a.id))
      expect(error._tag).toBe("InvalidInput")
      if (error._tag === "InvalidInput") {
        if (typeof path === "string") expect(error.path).toBe(path)
        else expect(error.path).toMatch(path)
        expect(error.reason.length).toBeGreaterThan(0)
        expect(error.message).toContain(error.path)
      }
      expect(yield* store.dump).toEqual(before.dump)
      expect((yield* events.all).length).toBe(before.events)
    }).pipe(Effect.provide(Fixtures.layer())) as Effect.Effect<void, unknown, never>
  )

const register = (input: unknown) => (s: Accounts.Accounts["Service"]) => s.register(input as never)

const badEmail = fc.oneof(
  fc.constantFrom(
    "",
    "jane",
    "jane@",
    "@example.com",
    "jane@example",
    "jane@@example.com",
    "jane doe@example.com",
    "jane@exa mple.com"
  ),
  fc.string({ maxLength: 20 }).filter((s) => !s.includes("@")),
  fc
    .string({ minLength: 250, maxLength: 300 })
    .map((s) => `${"a".repeat(250)}${s.replace(/@/g, "")}@example.com`)
)
const badPhone = fc.oneof(
  fc.constantFrom(
    "",
    "12345678",
    "+0123456789",
    "+1234",
    "+1234567890123456",
    "+49 151 1234567",
    "0049151123456"
  ),
  fc.string({ maxLength: 20 }).filter((s) => !/^\+[1-9]\d{7,14}$/.test(s))
)
const badCountry = fc.oneof(
  fc.constantFrom("", "de", "DEU", "XX", "EU", "UK", "ZZ", "D"),
  fc
    .stringMatching(/^[A-Z]{2}$/)
    .filter((c) => !new Intl.DisplayNames(["en"], { type: "region" }).of(c)?.match(/[a-z]/))
)
const oversized = (max: number) => fc.integer({ min: max + 1, max: max + 500 }).map((n) => "x".repeat(n))

describe("bad input gives a typed error naming the field and changes nothing", () => {
  it("malformed emails", async () => {
    await fc.assert(
      fc.asyncProperty(badEmail, async (email) => {
        await rejects(register(Fixtures.business({ email, registrationNumber: "HRB 9" })), "email")
        await rejects((s, id) => s.updateProfile(id, OWNER, { email }), "email")
      }),
      { numRuns: NUM_RUNS }
    )
  })

  it("malformed phone numbers", async () => {
    await fc.assert(
      fc.asyncProperty(badPhone, async (phone) => {
        await rejects(register(Fixtures.individual({ phone })), "phone")
        await rejects((s, id) => s.updateProfile(id, OWNER, { phone }), "phone")
      }),
      { numRuns: NUM_RUNS }
    )
  })

  it("unknown countries (top level, in an address, of a bank account)", async () => {
    await fc.assert(
      fc.asyncProperty(badCountry, async (country) => {
        await rejects(register(Fixtures.individual({ country })), "country")
        const b = Fixtures.business()
        await rejects(register({ ...b, address: { ...b.address, country } }), "address.country")
        await rejects(
          (s, id) =>
            s.updateProfile(id, OWNER, {
              bankAccount: { country, currency: "EUR", accountNumber: "DE8937040044" }
            }),
          "bankAccount.country"
        )
      }),
      { numRuns: NUM_RUNS }
    )
  })

  it("ownership over 100% (in total, or for one owner)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(fc.integer({ min: 1, max: 100 }), { minLength: 2, maxLength: 6 })
          .filter((ps) => ps.reduce((a, b) => a + b, 0) > 100),
        async (percents) => {
          const person = Fixtures.business().owners[0]!
          const owners = percents.map((p) => ({ ...person, ownershipPercent: p }))
          await rejects(register(Fixtures.business({ owners })), "owners")
        }
      ),
      { numRuns: NUM_RUNS }
    )
    const person = Fixtures.business().owners[0]!
    await rejects(
      register(Fixtures.business({ owners: [{ ...person, ownershipPercent: 100.01 }] })),
      "owners[0].ownershipPercent"
    )
    await rejects(
      register(Fixtures.business({ owners: [{ ...person, ownershipPercent: 33.333 }] })),
      "owners[0].ownershipPercent"
    )
  })

  it("unknown roles (inviting, changing roles) and unknown capabilities", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .string({ maxLength: 20 })
          .filter((r) => !(Permissions.Role.literals as ReadonlyArray<string>).includes(r)),
        async (role) => {
          await rejects(
            (s, id) => s.invite(id, OWNER, { id: "user-bob", roles: ["analyst", role as never] }),
            "roles[1]"
          )
          await rejects(
            (s, id) => s.changeRoles(id, OWNER, { id: "user-ada", roles: [role as never] }),
            "roles[0]"
          )
          await rejects(
            register(Fixtures.individual({ capabilities: ["payouts", role] as never })),
            "capabilities[1]"
          )
        }
      ),
      { numRuns: Math.ceil(NUM_RUNS / 2) }
    )
    await rejects((s, id) => s.invite(id, OWNER, { id: "user-bob", roles: ["owner" as never] }), "roles[0]")
  })

  it("oversized fields", async () => {
    await fc.assert(
      fc.asyncProperty(oversized(100), oversized(200), oversized(40), async (name, line, id) => {
        const ind = Fixtures.individual()
        await rejects(register({ ...ind, person: { ...ind.person, firstName: name } }), "person.firstName")
        const b = Fixtures.business()
        await rejects(register({ ...b, legalName: line }), "legalName")
        await rejects(register({ ...b, address: { ...b.address, line1: line } }), "address.line1")
        await rejects((s, acc) => s.updateProfile(acc, OWNER, { taxId: id }), "taxId")
        await rejects((s, acc) => s.invite(acc, OWNER, { id: line, roles: [] }), "id")
      }),
      { numRuns: Math.ceil(NUM_RUNS / 3) }
    )
  })

  it("other malformed values name their field", async () => {
    const ind = Fixtures.individual()
    await rejects(
      register({ ...ind, person: { ...ind.person, dateOfBirth: "1990-02-30" } }),
      "person.dateOfBirth"
    )
    await rejects(
      register({ ...ind, card: { number: "4242424242424241", expMonth: 1, expYear: 2030 } }),
      "card.number"
    )
    await rejects(register({ ...ind, currency: "EURO" }), "currency")
    await rejects(register({ ...ind, capabilities: [] }), "capabilities")
    await rejects(register({ ...ind, capabilities: ["payouts", "payouts"] }), "capabilities")
    await rejects(register({ ...ind, unexpected: 1 }), "unexpected")
    await rejects(register({ ...ind, person: { ...ind.person, email: "other@example.com" } }), "person.email")
    await rejects(register({ ...ind, website: "http://insecure.example" }), "website")
    await rejects((s, id) => s.updateProfile(id, OWNER, { firstName: "Ada" }), "firstName")
    await rejects((s, id) => s.recordVolume(id, { amount: "-5", currency: "EUR" }), "amount")
    await rejects((s, id) => s.recordVolume(id, { amount: "5", currency: "USD" }), "currency")
    await rejects((s, id) => s.transition(id, OWNER, "explode" as never), "")
    await rejects((s, id) => s.updateSecurity(id, OWNER, { stepUpWindowMillis: 5 }), "stepUpWindowMillis")
    await rejects(
      (s, id) =>
        s.updateSecurity(id, OWNER, { approvalThresholds: { payouts: { amount: "100", currency: "XYZ" } } }),
      "approvalThresholds.payouts"
    )
    await rejects((s, id) => s.createApiKey(id, OWNER, { payments: "admin" as never }), "payments")
  })
})
