import { Tracing } from "@paykit/core/testing"
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { Accounts } from "../src/index.ts"
import { Fixtures } from "../src/testing/index.ts"

/** Runs `program` inside a `caller` span; returns its exit, the caller's span and the service's spans. */
const traced = async <A, E>(program: Effect.Effect<A, E, Accounts.Accounts>) => {
  const { spans, tracer } = Tracing.recording()
  const exit = await Effect.runPromiseExit(
    program.pipe(Effect.withSpan("caller"), Effect.provide(Fixtures.layer()), Effect.withTracer(tracer))
  )
  const caller = spans.find((s) => s.name === "caller")!
  return { exit, caller, ours: spans.filter((s) => s.name.startsWith("paykit.accounts.")) }
}

const JANE = { kind: "member", id: "user-jane" } as const
const OPERATOR = { kind: "operator", id: "ops-1" } as const

describe("Accounts spans", () => {
  it("register runs in paykit.accounts.register under the caller's span, with the new account's id only", async () => {
    const { exit, caller, ours } = await traced(
      Effect.flatMap(Accounts.Accounts, (s) => s.register(Fixtures.individual()))
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    const id = Exit.isSuccess(exit) ? exit.value.id : ""
    expect(ours.map((s) => s.name)).toEqual(["paykit.accounts.register"])
    expect(Tracing.parentId(ours[0]!)).toBe(caller.spanId)
    expect(Object.fromEntries(ours[0]!.attributes)).toEqual({ "paykit.accounts.account_id": id })
  })

  it("every method of the service has its span under the caller's, with ids and counts only (no personal data)", async () => {
    let methods: ReadonlyArray<string> = []
    let accountId = ""
    const { exit, caller, ours } = await traced(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        methods = Object.keys(s)
        const a = yield* s.register(Fixtures.individual())
        accountId = a.id
        // successes and typed failures alike: each call has its span
        const calls: ReadonlyArray<Effect.Effect<unknown, unknown>> = [
          s.get(a.id),
          s.evaluate(a.id),
          s.updateProfile(a.id, JANE, { phone: "+4915199999999" }),
          s.submitVerification(a.id, JANE),
          s.verificationResult(a.id, "no-case#1", { status: "verified" } as never),
          s.review(a.id, OPERATOR, "no-case", { approve: true }),
          s.recordVolume(a.id, { amount: "100", currency: "EUR" }),
          s.addPerson(a.id, JANE, {
            role: "director",
            person: { firstName: "Grace", lastName: "Hopper", dateOfBirth: "1906-12-09" }
          }),
          s.removePerson(a.id, JANE, { personId: "no-person" }),
          s.setOwnership(a.id, JANE, { personId: "no-person", ownershipPercent: 10 }),
          s.attestOwners(a.id, JANE),
          s.requestCapabilities(a.id, JANE, { capabilities: ["stored_value"] }),
          s.refresh(a.id),
          s.transition(a.id, OPERATOR, { type: "restrict", reason: "test" } as never),
          s.invite(a.id, JANE, { id: "user-bob", roles: ["viewer"] } as never),
          s.changeRoles(a.id, JANE, { id: "user-bob", roles: ["developer"] }),
          s.createApiKey(a.id, JANE, { payments: "read" }),
          s.revokeApiKey(a.id, JANE, "no-key"),
          s.rollApiKey(a.id, JANE, { keyId: "no-key" }),
          s.decide(a.id, "user-bob", "payments:view"),
          s.decideKey(a.id, "no-key", "payments:view"),
          s.updateSecurity(a.id, JANE, {}),
          s.removeMember(a.id, JANE, "user-bob"),
          s.transferOwnership(a.id, JANE, "user-nobody"),
          s.audit(a.id, { kind: "operator", id: "ops-reader" }),
          s.profile(a.id, { kind: "operator", id: "ops-reader" }),
          s.exportSubject(a.id, { kind: "operator", id: "ops-reader" }),
          s.placeLegalHold({ subject: a.id, basis: "litigation", until: 1 }),
          s.erase(a.id, OPERATOR),
          s.sweep,
          s.rotateKeys,
          s.retireKeyVersion(1)
        ]
        for (const call of calls) yield* Effect.exit(call)
      })
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    expect(methods.length).toBeGreaterThan(20)
    expect(new Set(ours.map((s) => s.name))).toEqual(new Set(methods.map((m) => `paykit.accounts.${m}`)))
    for (const s of ours) {
      expect(Tracing.parentId(s), s.name).toBe(caller.spanId)
      expect(s.status._tag, s.name).toBe("Ended")
      for (const [key, value] of s.attributes) {
        expect(key, s.name).toMatch(/^paykit\.accounts\.[a-z_]+$/)
        expect(typeof value === "string" || Number.isInteger(value), `${s.name} ${key}`).toBe(true)
      }
    }
    const attributes = (name: string) =>
      Object.fromEntries(ours.find((s) => s.name === `paykit.accounts.${name}`)!.attributes)
    expect(attributes("get")).toEqual({ "paykit.accounts.account_id": accountId })
    expect(attributes("erase")).toEqual({ "paykit.accounts.subject_id": accountId })
    expect(attributes("audit")["paykit.accounts.audit_entries"]).toBeGreaterThan(0)
    expect(attributes("rotateKeys")).toMatchObject({ "paykit.accounts.kek_version": expect.any(Number) })
    const everything = JSON.stringify(ours.map((s) => Object.fromEntries(s.attributes)))
    for (const pii of [
      "jane.doe@example.com",
      "Jane",
      "Doe",
      "+49",
      "Invalidenstr",
      "1990-04-01",
      "Grace",
      "Hopper"
    ])
      expect(everything).not.toContain(pii)
  })

  it("a failed call ends its span with the typed failure", async () => {
    const { exit, ours } = await traced(Effect.flatMap(Accounts.Accounts, (s) => s.get("acct-missing")))
    expect(Exit.isFailure(exit)).toBe(true)
    expect(ours[0]!.name).toBe("paykit.accounts.get")
    expect(ours[0]!.attributes.get("paykit.accounts.account_id")).toBe("acct-missing")
    expect(Tracing.failed(ours[0]!)).toBe(true)
    expect(Tracing.failureTag(ours[0]!)).toBe("NotFound")
  })

  it("hostile input (a throwing getter; an e-mail where an account id goes) gives ended spans without ids, without throwing", async () => {
    const hostile = {
      get email(): string {
        throw new Error("boom")
      }
    }
    const { exit, ours } = await traced(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const register = yield* Effect.flip(s.register(hostile as never))
        const byEmail = yield* Effect.flip(s.get("jane.doe@example.com"))
        return [register._tag, byEmail._tag]
      })
    )
    expect(exit).toEqual(Exit.succeed(["InvalidInput", "NotFound"]))
    expect(ours).toHaveLength(2)
    for (const s of ours) {
      expect(s.attributes.size, s.name).toBe(0)
      expect(Tracing.failed(s), s.name).toBe(true)
    }
  })
})
