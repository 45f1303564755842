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
})
