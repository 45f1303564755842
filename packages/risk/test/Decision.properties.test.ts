import { fc, test } from "@fast-check/vitest"
import { Result } from "effect"
import { describe, expect } from "vitest"
import { Attributes, Decision, Rule, RuleSet } from "../src/index.ts"
import { rules, values, withSnoozes } from "./arbitraries.ts"

const catalog = Attributes.standard
const RANK: Record<Decision.Outcome, number> = { approve: 0, challenge: 1, review: 2, block: 3 }
const thresholds = fc
  .tuple(fc.integer({ min: -50, max: 300 }), fc.integer({ min: 0, max: 300 }))
  .map(([review, d]) => ({ review, block: review + d }))
const time = fc.integer({ min: 0, max: 2_000_000_000_000 })
/** Times around the snoozes of `withSnoozes` (until 0 to 20), and far beyond them. */
const snoozeTime = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 25 }), weight: 4 }, time)

/** The decision with every lazy reason read, as plain data. */
const plain = (d: Decision.Decision) =>
  JSON.parse(JSON.stringify(d, (_, v) => (typeof v === "bigint" ? `${v}n` : v)))

const cloneValues = (v: Attributes.Values): Attributes.Values =>
  Object.fromEntries(
    Object.entries(v).map(([k, x]) => [
      k,
      x instanceof Set
        ? new Set(x)
        : typeof x === "object" && x !== null
          ? cloneValues(x as Attributes.Values)
          : x
    ])
  )

describe("Decision properties", () => {
  test.prop(
    [
      withSnoozes,
      thresholds,
      values,
      fc.constantFrom<RuleSet.OnError>("skip", "review"),
      fc.array(snoozeTime, { minLength: 2, maxLength: 6 })
    ],
    { numRuns: 200 }
  )(
    "the decision is a pure function of (values, rule set, time): same inputs, same decision, whatever was decided before and at whatever time; the inputs are not changed",
    (rs, t, vals, onError, times) => {
      const rulesBefore = structuredClone(rs)
      const valuesBefore = plain(vals as never)
      const set = RuleSet.makeUnsafe(catalog, { rules: rs, thresholds: t, onError })
      const first = times.map((now) => plain(Decision.decide(set, vals, now)))
      // the same times again in the reverse order: on the same rule set (its scratch space is
      // reused), and on a rule set built afresh from the same rules with a copy of the values
      const fresh = RuleSet.makeUnsafe(catalog, { rules: rs, thresholds: t, onError })
      for (let i = times.length - 1; i >= 0; i--) {
        expect(plain(Decision.decide(set, vals, times[i]!))).toEqual(first[i])
        expect(plain(Decision.decide(fresh, cloneValues(vals), times[i]!))).toEqual(first[i])
      }
      // time only matters through snoozes: without them every time gives the same decision
      const unsnoozed = RuleSet.makeUnsafe(catalog, {
        rules: rs.map(({ snoozes: _, ...r }) => r),
        thresholds: t,
        onError
      })
      const never = plain(Decision.decide(unsnoozed, vals, times[0]!))
      for (const now of times) expect(plain(Decision.decide(unsnoozed, vals, now))).toEqual(never)
      expect(plain(vals as never)).toEqual(valuesBefore)
      expect(rs).toEqual(rulesBefore)
    }
  )

  test.prop([rules, values, fc.integer()])(
    "permuting rules within an action class (or across) changes nothing",
    (rs, vals, seed) => {
      const shuffled = fc.sample(fc.shuffledSubarray(rs, { minLength: rs.length, maxLength: rs.length }), {
        seed,
        numRuns: 1
      })[0]!
      const a = plain(Decision.decide(RuleSet.makeUnsafe(catalog, { rules: rs }), vals, 0))
      const b = plain(Decision.decide(RuleSet.makeUnsafe(catalog, { rules: shuffled }), vals, 0))
      expect(b).toEqual(a)
    }
  )

  test.prop([rules, thresholds, values])(
    "if any active allow rule hits, the outcome is never block or review",
    (rs, t, vals) => {
      const d = Decision.decide(RuleSet.makeUnsafe(catalog, { rules: rs, thresholds: t }), vals, 0)
      if (d.hits.some((h) => h.action === "allow")) expect(["approve", "challenge"]).toContain(d.outcome)
      else
        expect(RANK[d.outcome]).toBeGreaterThanOrEqual(
          RANK[d.scoreOutcome === "approve" ? "approve" : d.scoreOutcome]
        )
    }
  )

  test.prop([rules, values, thresholds])(
    "an allow rule that hits wins even over a block rule that hits and a score above the block threshold",
    (rs, vals, t) => {
      const forced = [
        ...rs,
        { id: "zz_allow", description: "always", action: "allow" as const, condition: "true" },
        { id: "zz_block", description: "always", action: "block" as const, score: 1000, condition: "true" }
      ]
      const d = Decision.decide(RuleSet.makeUnsafe(catalog, { rules: forced, thresholds: t }), vals, 0)
      expect(["approve", "challenge"]).toContain(d.outcome)
    }
  )

  test.prop([fc.integer({ min: -2000, max: 2000 }), fc.integer({ min: 0, max: 500 }), thresholds])(
    "thresholds are monotone: a higher score never gives a lower score outcome",
    (score, more, t) => {
      const rank = { approve: 0, review: 1, block: 2 }
      expect(rank[Decision.scoreOutcome(score + more, t)]).toBeGreaterThanOrEqual(
        rank[Decision.scoreOutcome(score, t)]
      )
    }
  )

  test.prop([rules, values, thresholds, fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })])(
    "lowering the thresholds never lowers the outcome",
    (rs, vals, t, dr, db) => {
      const lower = { review: t.review - dr, block: Math.max(t.review - dr, t.block - db) }
      const high = Decision.decide(RuleSet.makeUnsafe(catalog, { rules: rs, thresholds: t }), vals, 0)
      const low = Decision.decide(RuleSet.makeUnsafe(catalog, { rules: rs, thresholds: lower }), vals, 0)
      expect(RANK[low.outcome]).toBeGreaterThanOrEqual(RANK[high.outcome])
    }
  )

  test.prop([rules, values, fc.nat(), fc.integer({ min: 1, max: 200 })])(
    "raising one rule's score modifier never lowers the outcome",
    (rs, vals, i, raise) => {
      fc.pre(rs.length > 0)
      const k = i % rs.length
      const raised = rs.map((r, j) => (j === k ? { ...r, score: Math.min(1000, (r.score ?? 0) + raise) } : r))
      const a = Decision.decide(RuleSet.makeUnsafe(catalog, { rules: rs }), vals, 0)
      const b = Decision.decide(RuleSet.makeUnsafe(catalog, { rules: raised }), vals, 0)
      expect(RANK[b.outcome]).toBeGreaterThanOrEqual(RANK[a.outcome])
    }
  )

  test.prop([
    fc.record({
      classes: fc.record({
        allow: fc.boolean(),
        requestThreeDS: fc.boolean(),
        review: fc.boolean(),
        block: fc.boolean()
      }),
      fromScore: fc.constantFrom<Decision.ScoreOutcome>("approve", "review", "block")
    })
  ])(
    "combine: allow wins; else block > review > approve and a rule hit only raises; 3DS turns approve into challenge",
    ({ classes, fromScore }) => {
      const o = Decision.combine(classes, fromScore)
      if (classes.allow) expect(o).toBe(classes.requestThreeDS ? "challenge" : "approve")
      else if (classes.block || fromScore === "block") expect(o).toBe("block")
      else if (classes.review || fromScore === "review") expect(o).toBe("review")
      else expect(o).toBe(classes.requestThreeDS ? "challenge" : "approve")
    }
  )
})

describe("snoozes", () => {
  const base = {
    id: "big",
    description: "big payment",
    action: "block" as const,
    score: 10,
    condition: "payment.amount_ref >= 100",
    pivot: "payment.customer_id"
  }
  const plainSet = RuleSet.makeUnsafe(catalog, { rules: [base] })
  const customer = fc.constantFrom("cus_1", "cus_2", "cus_3")

  test.prop([customer, customer, time, time, fc.bigInt({ min: 0n, max: 300n })])(
    "a snooze for one pivot value never affects another, and ends exactly at its time",
    (snoozedFor, payer, until, now, amount) => {
      const snoozed = Result.getOrThrow(RuleSet.snooze(plainSet, "big", { value: snoozedFor, until }))
      const vals = { payment: { amount_ref: amount, customer_id: payer } }
      const d = Decision.decide(snoozed, vals, now)
      const unsnoozed = Decision.decide(plainSet, vals, now)
      if (payer !== snoozedFor || now >= until) {
        expect(plain(d)).toEqual(plain(unsnoozed))
      } else {
        expect(d.snoozed).toEqual(["big"])
        expect(d.hits).toEqual([])
        expect(d.outcome).toBe("approve")
      }
    }
  )

  test.prop([time])("at until − 1 ms the rule is still snoozed, at until it applies again", (until) => {
    fc.pre(until > 0)
    const snoozed = Result.getOrThrow(RuleSet.snooze(plainSet, "big", { value: "cus_1", until }))
    const vals = { payment: { amount_ref: 500n, customer_id: "cus_1" } }
    expect(Decision.decide(snoozed, vals, until - 1).outcome).toBe("approve")
    expect(Decision.decide(snoozed, vals, until).outcome).toBe("block")
  })

  test.prop([customer])("a rule without a pivot cannot be snoozed", (c) => {
    const set = RuleSet.makeUnsafe(catalog, {
      rules: [{ ...base, pivot: undefined as never }].map(({ pivot: _, ...r }) => r)
    })
    const r = RuleSet.snooze(set, "big", { value: c, until: 1 })
    expect(Result.isFailure(r) && r.failure._tag).toBe("InvalidRuleSet")
    expect(Rule.defineUnsafe(catalog, base).pivot).toBe("payment.customer_id")
  })
})
