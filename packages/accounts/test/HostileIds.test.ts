import { Cause, Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { Accounts } from "../src/index.ts"
import { Fixtures } from "../src/testing/index.ts"

const OPERATOR = { kind: "operator", id: "ops-1" } as const
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
          ["erase", (id) => s.erase(id, OPERATOR)]
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
})
