import { Cause, Effect, Exit } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Accounts, AccountStore } from "../src/index.ts"
import { Fixtures } from "../src/testing/index.ts"

const OPERATOR = { kind: "operator", id: "ops-1" } as const
const PERSON = { firstName: "Grace", lastName: "Hopper", dateOfBirth: "1906-12-09" }
const hostile: ReadonlyArray<unknown> = [
  42,
  null,
  undefined,
  { id: "acc" },
  ["acc"],
  Symbol("acc"),
  {
    toString() {
      throw new Error("no")
    }
  }
]

describe("Accounts: ids that are not strings", () => {
  it("every operation that takes an account or subject id answers a typed error for a non-string id, never a defect, and the next call works", async () => {
    const problems = await Effect.runPromise(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.individual())
        const calls: ReadonlyArray<readonly [string, (id: never) => Effect.Effect<unknown, unknown>]> = [
          ["get", (id) => s.get(id)],
          ["evaluate", (id) => s.evaluate(id)],
          ["updateProfile", (id) => s.updateProfile(id, OPERATOR, {})],
          ["submitVerification", (id) => s.submitVerification(id, OPERATOR)],
          ["recordVolume", (id) => s.recordVolume(id, { amount: "1", currency: "USD" })],
          ["refresh", (id) => s.refresh(id)],
          ["transition", (id) => s.transition(id, OPERATOR, "suspend")],
          ["audit", (id) => s.audit(id, { kind: "operator", id: "ops-reader" })],
          ["profile", (id) => s.profile(id, { kind: "operator", id: "ops-reader" })],
          ["exportSubject", (id) => s.exportSubject(id, { kind: "operator", id: "ops-reader" })],
          ["erase", (id) => s.erase(id, OPERATOR)],
          ["addPerson", (id) => s.addPerson(id, OPERATOR, { role: "director", person: PERSON })],
          ["removePerson", (id) => s.removePerson(id, OPERATOR, { personId: "p" })],
          ["setOwnership", (id) => s.setOwnership(id, OPERATOR, { personId: "p", ownershipPercent: 1 })],
          ["attestOwners", (id) => s.attestOwners(id, OPERATOR)],
          ["requestCapabilities", (id) => s.requestCapabilities(id, OPERATOR, { capabilities: ["payouts"] })]
        ]
        const problems: Array<string> = []
        for (const [name, call] of calls) {
          for (const id of hostile) {
            const exit = yield* Effect.exit(call(id as never))
            if (Exit.isSuccess(exit)) problems.push(`${name}(${String(typeof id)}): succeeded`)
            else if (Cause.hasDies(exit.cause)) problems.push(`${name}(${typeof id}): defect`)
          }
        }
        // the service still answers
        expect((yield* s.get(a.id)).id).toBe(a.id)
        return problems
      }).pipe(Effect.provide(Fixtures.layer()))
    )
    expect(problems).toEqual([])
  })

  it("random JSON as the new inputs (the reader of profile, exportSubject and audit; a key id, a roll, a key request with an expiry, a member id or a permission to decide) is a typed error, never a defect, and changes nothing (issue 16)", async () => {
    const problems = await Effect.runPromise(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.individual())
        const jane = { kind: "member", id: "user-jane" } as const
        const key = yield* s.createApiKey(a.id, jane, { payments: "read" })
        const before = yield* s.get(a.id)
        const values: ReadonlyArray<unknown> = [
          ...hostile,
          "",
          "x".repeat(1_000),
          { kind: "member" },
          { keyId: 42 },
          { access: null },
          { access: {}, expiresAt: -1 },
          { access: {}, expiresAt: 1e300 },
          { keyId: key.id, oldKeyUntil: "later" }
        ]
        const calls: ReadonlyArray<readonly [string, (v: never) => Effect.Effect<unknown, unknown>]> = [
          ["profile actor", (v) => s.profile(a.id, v)],
          ["profile purpose", (v) => s.profile(a.id, OPERATOR, v)],
          ["exportSubject actor", (v) => s.exportSubject(a.id, v)],
          ["audit actor", (v) => s.audit(a.id, v)],
          ["revokeApiKey", (v) => s.revokeApiKey(a.id, jane, v)],
          ["rollApiKey", (v) => s.rollApiKey(a.id, jane, v)],
          ["createApiKey", (v) => s.createApiKey(a.id, jane, v)],
          ["decide member", (v) => s.decide(a.id, v, "payments:view")],
          ["decide permission", (v) => s.decide(a.id, "user-jane", v)],
          ["decideKey key", (v) => s.decideKey(a.id, v, "payments:view")],
          ["decideKey permission", (v) => s.decideKey(a.id, key.id, v)]
        ]
        const problems: Array<string> = []
        for (const [name, call] of calls) {
          for (const v of values) {
            const exit = yield* Effect.exit(call(v as never))
            if (Exit.isFailure(exit) && Cause.hasDies(exit.cause))
              problems.push(`${name}(${typeof v}): defect`)
            if (
              Exit.isSuccess(exit) &&
              name !== "createApiKey" &&
              !(name === "profile purpose" && v === undefined) && // the default purpose
              !name.startsWith("decide ") &&
              !name.startsWith("decideKey key")
            )
              problems.push(`${name}(${typeof v}): succeeded`)
          }
        }
        // nothing changed but keys created from values that are valid key requests; the next call works
        const after = yield* s.get(a.id)
        expect(after.status).toBe(before.status)
        expect(after.apiKeys.filter((k) => k.revoked !== undefined)).toEqual([])
        expect((yield* s.decideKey(a.id, key.id, "payments:view")).allowed).toBe(true)
        return problems
      }).pipe(Effect.provide(Fixtures.layer()))
    )
    expect(problems).toEqual([])
  })

  it("random JSON as the inputs and actors of the persons, attestation and capability operations is a typed error, never a defect, and changes nothing; the next valid call works (issue 16)", async () => {
    const problems = await Effect.runPromise(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const store = yield* AccountStore.AccountStore
        const b = yield* s.register(Fixtures.business())
        const ada = { kind: "member", id: "user-ada" } as const
        const owner = b.persons.find((p) => p.role === "owner")!.id
        const values: ReadonlyArray<unknown> = [
          ...hostile,
          ...fc.sample(fc.jsonValue({ maxDepth: 3 }), { numRuns: 60, seed: 16 }),
          "",
          { role: "owner", person: PERSON, ownershipPercent: 1e300 },
          { role: "owner", person: PERSON, ownershipPercent: Number.NaN },
          { role: "director", person: { ...PERSON, dateOfBirth: "yesterday" } },
          { personId: owner, ownershipPercent: -1 },
          { personId: owner, ownershipPercent: "60" },
          { capabilities: [] },
          { capabilities: ["payouts", "payouts"] },
          { capabilities: "payouts" }
        ]
        const calls: ReadonlyArray<readonly [string, (v: never) => Effect.Effect<unknown, unknown>]> = [
          ["addPerson input", (v) => s.addPerson(b.id, ada, v)],
          ["addPerson actor", (v) => s.addPerson(b.id, v, { role: "director", person: PERSON })],
          ["removePerson input", (v) => s.removePerson(b.id, ada, v)],
          ["setOwnership input", (v) => s.setOwnership(b.id, ada, v)],
          ["attestOwners actor", (v) => s.attestOwners(b.id, v)],
          ["requestCapabilities input", (v) => s.requestCapabilities(b.id, ada, v)],
          ["requestCapabilities actor", (v) => s.requestCapabilities(b.id, v, { capabilities: ["payouts"] })]
        ]
        const before = yield* store.dump
        const problems: Array<string> = []
        for (const [name, call] of calls) {
          for (const v of values) {
            const exit = yield* Effect.exit(call(v as never))
            if (Exit.isFailure(exit) && Cause.hasDies(exit.cause))
              problems.push(`${name}(${typeof v}): defect`)
            if (Exit.isSuccess(exit)) problems.push(`${name}(${JSON.stringify(v)}): succeeded`)
          }
        }
        expect(yield* store.dump).toEqual(before)
        // the next valid calls work
        const added = yield* s.addPerson(b.id, ada, { role: "director", person: PERSON })
        expect(added.persons.at(-1)?.role).toBe("director")
        expect(
          (yield* s.requestCapabilities(b.id, ada, { capabilities: ["stored_value"] })).capabilities
        ).toContain("stored_value")
        return problems
      }).pipe(Effect.provide(Fixtures.layer()))
    )
    expect(problems).toEqual([])
  })
})
