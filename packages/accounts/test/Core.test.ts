import { Currency, Money } from "@paykit/core"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { Lifecycle, Security, Verification } from "../src/index.ts"

describe("lifecycle transition table", () => {
  const actors: ReadonlyArray<Lifecycle.ActorKind> = ["system", "operator", "owner"]

  it("every (state, command, actor) is legal exactly when a row allows it, and lands on a declared state", () => {
    for (const from of Lifecycle.STATUSES) {
      for (const command of Lifecycle.Command.literals) {
        for (const actor of actors) {
          const rows = Lifecycle.TABLE.filter((r) => r.command === command && r.from.includes(from))
          expect(rows.length).toBeLessThanOrEqual(1) // each (command, state) in one row at most
          const row = rows[0]
          const r = Lifecycle.transition(from, command, actor)
          expect(Result.isSuccess(r)).toBe(row?.by.includes(actor) === true)
          if (row !== undefined && Result.isSuccess(r)) expect(r.success).toBe(row.to)
          if (Result.isSuccess(r)) expect(Lifecycle.STATUSES).toContain(r.success)
          else expect(r.failure).toMatchObject({ _tag: "IllegalTransition", from, command, actor })
        }
      }
    }
  })

  it("final states have no way out; codes are distinct and stable", () => {
    for (const s of Lifecycle.FINAL) expect(Lifecycle.TABLE.some((r) => r.from.includes(s))).toBe(false)
    expect(Lifecycle.CODES).toEqual({
      pending: 100,
      active: 300,
      restricted: 310,
      suspended: 320,
      withdrawn: 400,
      rejected: 500,
      closed: 600
    })
  })
})

describe("verification state machine", () => {
  const base: Verification.Case = {
    id: "c",
    subject: "s",
    kind: "identity",
    status: "unverified",
    errors: [],
    updatedAt: 0
  }
  const steps: ReadonlyArray<Verification.Step> = [
    { _tag: "provide" },
    { _tag: "submit" },
    { _tag: "result", outcome: { _tag: "verified" } },
    { _tag: "result", outcome: { _tag: "rejected", code: "x", reason: "y" } },
    { _tag: "review", approve: true }
  ]

  it("allows each step only from its listed states", () => {
    for (const status of Verification.Status.literals) {
      for (const step of steps) {
        const r = Verification.next({ ...base, status }, step, 1)
        expect(Result.isSuccess(r)).toBe(Verification.FROM[step._tag].includes(status))
      }
    }
  })

  it("walks unverified → data_provided → pending → manual_review → verified, and keeps error codes", () => {
    const go = (c: Verification.Case, step: Verification.Step) =>
      Result.getOrThrow(Verification.next(c, step, 1))
    let c = go(base, { _tag: "provide" })
    c = go(c, { _tag: "submit" })
    expect(
      go(c, { _tag: "result", outcome: { _tag: "action_required", code: "doc", reason: "upload" } })
    ).toMatchObject({
      status: "action_required",
      errors: [{ code: "doc", reason: "upload" }]
    })
    c = go(c, { _tag: "result", outcome: { _tag: "manual_review" } })
    expect(go(c, { _tag: "review", approve: false, reason: "mismatch" }).status).toBe("rejected")
    expect(go(c, { _tag: "review", approve: true })).toMatchObject({ status: "verified", errors: [] })
  })
})

describe("security checks", () => {
  const eur = (n: bigint) => Money.fromMinorUnsafe(n, Currency.EUR)
  const settings: Security.Settings = {
    ...Security.defaults,
    approvalThresholds: { refunds: eur(10_000n), payouts: eur(100_000n) },
    limits: { payouts: { perTransaction: eur(500_000n), daily: eur(1_000_000n) } }
  }

  it("two-factor and step-up, with reasons", () => {
    expect(Security.checkSession(settings, { twoFactor: false }, "payments:view", 0)).toEqual(
      Result.fail({ code: "two_factor_required", reason: "this merchant requires two-factor sign-in" })
    )
    expect(Result.isSuccess(Security.checkSession(settings, { twoFactor: true }, "payments:view", 0))).toBe(
      true
    )
    const stepUp = Security.checkSession(
      settings,
      { twoFactor: true, steppedUpAt: 0 },
      "payouts:manage",
      16 * 60_000
    )
    expect(Result.isFailure(stepUp) && stepUp.failure.code).toBe("step_up_required")
    expect(
      Result.isSuccess(
        Security.checkSession(settings, { twoFactor: true, steppedUpAt: 0 }, "payouts:manage", 60_000)
      )
    ).toBe(true)
  })

  it("maker-checker above the threshold needs a second member", () => {
    const team = {
      owner: "o",
      members: [
        { id: "o", roles: [] },
        { id: "m1", roles: ["finance"] },
        { id: "m2", roles: ["finance"] }
      ]
    } as const
    expect(Result.isSuccess(Security.checkApproval(settings, team, "refunds", eur(10_000n), "m1", []))).toBe(
      true
    )
    const none = Security.checkApproval(settings, team, "refunds", eur(10_001n), "m1", [])
    expect(Result.isFailure(none) && none.failure.code).toBe("second_approver_required")
    const self = Security.checkApproval(settings, team, "refunds", eur(10_001n), "m1", ["m1"])
    expect(Result.isFailure(self) && self.failure.code).toBe("approver_not_allowed")
    expect(
      Result.isSuccess(Security.checkApproval(settings, team, "refunds", eur(10_001n), "m1", ["m2"]))
    ).toBe(true)
    const usd = Security.checkApproval(
      settings,
      team,
      "payouts",
      Money.fromMinorUnsafe(1n, Currency.USD),
      "m1",
      []
    )
    expect(Result.isFailure(usd) && usd.failure.code).toBe("currency_mismatch")
  })

  it("per-transaction and daily limits per capability", () => {
    expect(Result.isSuccess(Security.checkLimit(settings, "payouts", eur(500_000n), eur(500_000n)))).toBe(
      true
    )
    const per = Security.checkLimit(settings, "payouts", eur(500_001n), eur(0n))
    expect(Result.isFailure(per) && per.failure.reason).toBe(
      "payouts per-transaction limit 5000.00 EUR would be exceeded"
    )
    const daily = Security.checkLimit(settings, "payouts", eur(400_000n), eur(600_001n))
    expect(Result.isFailure(daily) && daily.failure.reason).toBe(
      "payouts daily limit 10000.00 EUR would be exceeded"
    )
    expect(Result.isSuccess(Security.checkLimit(settings, "card_payments", eur(10n ** 12n), eur(0n)))).toBe(
      true
    )
  })
})
