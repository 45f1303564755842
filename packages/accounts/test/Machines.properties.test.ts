import { StateMachine } from "@paykit/core"
import { StateMachineChecks } from "@paykit/core/testing"
import { Result } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { IllegalTransition, Lifecycle, Verification } from "../src/index.ts"

/**
 * The account lifecycle and the verification case are `@paykit/core` state machines: they keep
 * the kit's laws (no way out of a final state, every row reachable, `transition` agrees with the
 * table for every state × command × actor), and random walks agree with the tables they were
 * written as.
 */

const STEPS: ReadonlyArray<Verification.Step> = [
  { _tag: "provide" },
  { _tag: "submit" },
  { _tag: "result", outcome: { _tag: "verified" } },
  { _tag: "result", outcome: { _tag: "pending" } },
  { _tag: "result", outcome: { _tag: "manual_review" } },
  { _tag: "result", outcome: { _tag: "action_required", code: "c", reason: "r" } },
  { _tag: "result", outcome: { _tag: "rejected", code: "c", reason: "r" } },
  { _tag: "review", approve: true },
  { _tag: "review", approve: false, reason: "mismatch" }
]

/** The lifecycle as it was written before the kit: the row for (state, command), if the actor is listed. */
const lifecycleByHand = (from: Lifecycle.Status, command: Lifecycle.Command, actor: Lifecycle.ActorKind) => {
  if (Lifecycle.FINAL.has(from)) return undefined
  const row = Lifecycle.TABLE.find((r) => r.command === command && r.from.includes(from))
  return row?.by.includes(actor) ? row.to : undefined
}

/** The verification case as it was written before the kit: a switch over the step. */
const verificationByHand = (
  from: Verification.Status,
  step: Verification.Step
): Verification.Status | undefined => {
  switch (step._tag) {
    case "provide":
      return "data_provided"
    case "submit":
      return from === "data_provided" ? "pending" : undefined
    case "result":
      return from === "pending" ? step.outcome._tag : undefined
    case "review":
      return from === "manual_review" ? (step.approve ? "verified" : "rejected") : undefined
  }
}

describe("the accounts machines keep the state-machine laws", () => {
  it("Lifecycle.machine: no way out of a final state, every row reachable from pending, transition = table", () => {
    expect(StateMachineChecks.laws(Lifecycle.machine)).toEqual([])
  })

  it("Verification.machine: every row reachable from unverified, transition = table, for every step", () => {
    expect(StateMachineChecks.laws(Verification.machine, { contexts: STEPS })).toEqual([])
  })

  it("accounts' IllegalTransition is the kit's (same class, same _tag), and lifecycle errors name the machine", () => {
    expect(IllegalTransition).toBe(StateMachine.IllegalTransition)
    const r = Lifecycle.transition("closed", "suspend", "operator")
    expect(Result.isFailure(r) && r.failure).toBeInstanceOf(IllegalTransition)
    expect(Result.isFailure(r) && r.failure).toMatchObject({
      _tag: "IllegalTransition",
      machine: "account",
      from: "closed",
      command: "suspend",
      actor: "operator"
    })
    expect(Result.isFailure(r) && r.failure.message).toBe(
      "cannot suspend an account that is closed (as operator): closed is a final state: no command leaves it"
    )
  })

  it("a random walk of lifecycle commands agrees with the table at every step and never leaves a final state", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom(...Lifecycle.Command.literals), fc.constantFrom(...Lifecycle.ACTORS)),
          { maxLength: 30 }
        ),
        (walk) => {
          let state: Lifecycle.Status = "pending"
          for (const [command, actor] of walk) {
            const r = Lifecycle.transition(state, command, actor)
            const want = lifecycleByHand(state, command, actor)
            expect(Result.isSuccess(r) ? r.success : undefined).toBe(want)
            expect(Lifecycle.machine.canTransition(state, command, actor)).toBe(want !== undefined)
            if (Lifecycle.FINAL.has(state)) expect(Result.isFailure(r)).toBe(true)
            if (Result.isSuccess(r)) state = r.success
            else expect(r.failure).toMatchObject({ _tag: "IllegalTransition", from: state, command, actor })
          }
        }
      )
    )
  })

  it("a random walk of verification steps agrees with the hand-written switch at every step", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...STEPS), { maxLength: 30 }), (walk) => {
        let c = Verification.make("subject", "identity", 0)
        walk.forEach((step, i) => {
          const r = Verification.next(c, step, i + 1)
          const want = verificationByHand(c.status, step)
          expect(Result.isSuccess(r) ? r.success.status : undefined).toBe(want)
          if (Result.isSuccess(r)) c = r.success
          else
            expect(r.failure).toMatchObject({
              _tag: "IllegalVerificationStep",
              from: c.status,
              step: step._tag
            })
        })
      })
    )
  })

  it("Verification.FROM is the machine's: each step from exactly the states it applies from", () => {
    expect(Verification.FROM).toEqual({
      provide: Verification.Status.literals,
      submit: ["data_provided"],
      result: ["pending"],
      review: ["manual_review"]
    })
  })
})
