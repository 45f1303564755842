import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { Attributes, Backtest, RuleSet, RuleSets } from "../src/index.ts"

const T0 = Date.UTC(2026, 0, 1)
const MIN = 60_000
const p = (i: number, amount: string, label?: "fraud" | "legit", extra: Record<string, unknown> = {}) => ({
  at: T0 + i * 10_000,
  payment: {
    id: `p${i}`,
    amount: { amount, currency: "USD" },
    customerId: "cus_1",
    cardFingerprint: "fp_1",
    ...extra
  },
  ...(label === undefined ? {} : { label })
})

describe("Backtest", () => {
  const ruleSet = RuleSet.makeUnsafe(Attributes.standard, {
    rules: [...RuleSets.burst, ...RuleSets.cardTesting]
  })
  // a card-testing run of 8 small payments in 80 s, then a normal payment an hour later
  const history = [
    ...Array.from({ length: 8 }, (_, i) => p(i, "100", i >= 4 ? "fraud" : "legit")),
    { ...p(100, "5000", "legit"), at: T0 + 90 * MIN }
  ]

  it("replays payments in time order with the velocity they would have seen; hits per rule, overlap, decisions", () => {
    const r = Result.getOrThrow(Backtest.run({ ruleSet, payments: [...history].reverse() }))
    expect(r.payments).toBe(9)
    expect(r.decisions.map((d) => d.paymentId)).toEqual([...history].map((h) => h.payment.id))
    expect(r.decisions.map((d) => d.outcome)).toEqual([
      "approve",
      "approve",
      "approve",
      "approve",
      "block",
      "block",
      "block",
      "block",
      "approve"
    ])
    expect(r.rules["card_testing_small_auths"]).toMatchObject({ hits: 4, fraudHits: 4, legitHits: 0 })
    // the earlier blocks are the rule set's own, not issuer declines: card testing by declines
    // does not fire on them (Radar keeps blocked_* and declined_* apart)
    expect(r.rules["card_testing_declines"]).toMatchObject({ hits: 0 })
    expect(r.overlap["card_testing_declines"]?.["card_testing_small_auths"] ?? 0).toBe(0)
    expect(r.outcomes).toEqual({ approve: 5, challenge: 0, review: 0, block: 4 })
  })

  it("a single candidate rule: its hits and the decisions it would change", () => {
    const r = Result.getOrThrow(
      Backtest.run({
        ruleSet,
        payments: history,
        candidate: {
          id: "candidate_burst",
          description: "3 payments on a card in 10 minutes",
          action: "review",
          condition: "velocity.card.count_1h >= 3 && payment.amount_ref < 500",
          mode: "shadow"
        }
      })
    )
    expect(r.candidate).toMatchObject({ ruleId: "candidate_burst", hits: 5, changed: 1 })
    expect(r.decisions.map((d) => d.candidateOutcome)).toEqual([
      "approve",
      "approve",
      "approve",
      "review",
      "block",
      "block",
      "block",
      "block",
      "approve"
    ])
  })

  it("invalid historical payments are reported and skipped; a bad candidate is refused", () => {
    const r = Result.getOrThrow(Backtest.run({ ruleSet, payments: [p(0, "100"), { at: -1, payment: {} }] }))
    expect(r.payments).toBe(1)
    expect(r.invalid.map((x) => x.index)).toEqual([1])
    expect(r.invalid[0]!.error._tag).toBe("InvalidInput")
    const bad = Backtest.run({
      ruleSet,
      payments: [],
      candidate: { id: "c", description: "d", action: "block", condition: "payment.amount_ref > 'x'" }
    })
    expect(Result.isFailure(bad) && bad.failure._tag).toBe("RuleTypeError")
  })
})
