import { fc, test } from "@fast-check/vitest"
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

  it("the report gives totals per label, the outcome × label matrix in counts and amounts, and blocking's precision, recall, catches and wrong blocks", () => {
    const r = Result.getOrThrow(Backtest.run({ ruleSet, payments: history }))
    expect(r.labels).toEqual({ fraud: 4, legit: 5, unlabelled: 0 })
    expect(r.matrix.block).toEqual({ fraud: 4, legit: 0, unlabelled: 0 })
    expect(r.matrix.approve).toEqual({ fraud: 0, legit: 5, unlabelled: 0 })
    expect(r.amounts.block).toEqual({ fraud: 400n, legit: 0n, unlabelled: 0n })
    expect(r.amounts.approve).toEqual({ fraud: 0n, legit: 5400n, unlabelled: 0n })
    expect(r.screen).toEqual({
      caught: { payments: 4, amountRef: 400n },
      wronglyBlocked: { payments: 0, amountRef: 0n },
      precision: 1,
      recall: 1
    })
    // nothing labelled: no precision or recall to give
    const unlabelled = Result.getOrThrow(
      Backtest.run({ ruleSet, payments: history.map(({ label: _, ...h }) => h) })
    )
    expect(unlabelled.screen.precision).toBeNull()
    expect(unlabelled.screen.recall).toBeNull()
    expect(unlabelled.labels.unlabelled).toBe(9)
  })

  test.prop([fc.array(fc.constantFrom("fraud", "legit", undefined), { minLength: 9, maxLength: 9 })], {
    numRuns: 40
  })(
    "for any labelling, the matrix agrees with the decisions and the labels, and precision and recall with the matrix",
    (labels) => {
      const labelled = history.map(({ label: _, ...h }, i) =>
        labels[i] === undefined ? h : { ...h, label: labels[i] }
      )
      const r = Result.getOrThrow(Backtest.run({ ruleSet, payments: labelled }))
      const byId = new Map(labelled.map((h) => [h.payment.id, h]))
      let blockedFraud = 0
      let blockedLegit = 0
      for (const d of r.decisions) {
        const label = (byId.get(d.paymentId) as { label?: string }).label
        if (d.outcome === "block" && label === "fraud") blockedFraud++
        if (d.outcome === "block" && label === "legit") blockedLegit++
      }
      const total = Object.values(r.matrix).reduce((n, row) => n + row.fraud + row.legit + row.unlabelled, 0)
      expect(total).toBe(r.payments)
      expect(r.labels.fraud).toBe(labels.filter((l) => l === "fraud").length)
      expect(r.screen.caught.payments).toBe(blockedFraud)
      expect(r.screen.wronglyBlocked.payments).toBe(blockedLegit)
      expect(r.screen.precision).toBe(
        blockedFraud + blockedLegit === 0 ? null : blockedFraud / (blockedFraud + blockedLegit)
      )
      expect(r.screen.recall).toBe(r.labels.fraud === 0 ? null : blockedFraud / r.labels.fraud)
    }
  )
})
