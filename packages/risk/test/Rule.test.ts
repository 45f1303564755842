import { fc, test } from "@fast-check/vitest"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { Attributes, Decision, Rule, RuleSet, Velocity } from "../src/index.ts"
import { rules, values } from "./arbitraries.ts"

const catalog = Attributes.standard
const thresholds = fc
  .tuple(fc.integer({ min: -50, max: 300 }), fc.integer({ min: 0, max: 300 }))
  .map(([review, d]) => ({ review, block: review + d }))

/** The decision with every lazy reason read, as plain data. */
const plain = (d: Decision.Decision) =>
  JSON.parse(JSON.stringify(d, (_, v) => (typeof v === "bigint" ? `${v}n` : v)))
const define = (condition: string) =>
  Rule.define(catalog, { id: "r1", description: "a rule", action: "review", condition })
const failure = (condition: string) => {
  const r = define(condition)
  if (Result.isSuccess(r)) throw new Error(`expected ${condition} to be rejected`)
  return r.failure
}
/** The position of a definition error (every one has one; `InvalidInput` has none). */
const positionOf = (e: ReturnType<typeof failure>): number => ("position" in e ? e.position : Number.NaN)

describe("a rule is rejected at definition time with the position and the reason", () => {
  it("syntax error: RuleSyntaxError at the offending token", () => {
    const e = failure("payment.amount_ref > ")
    expect(e._tag).toBe("RuleSyntaxError")
    expect(e).toMatchObject({ ruleId: "r1", position: 21, line: 1, column: 22 })
    expect(e._tag === "RuleSyntaxError" && e.reason).toMatch(/Unexpected token/)
    const multi = failure("payment.amount_ref > 1 &&\n  payment.ip_country == 'FR' )")
    expect(multi).toMatchObject({ _tag: "RuleSyntaxError", line: 2 })
  })

  it("unknown attribute: UnknownAttribute naming it, with its position and the reason", () => {
    const source = "payment.amount_ref > 100 && payment.amout > 1"
    const e = failure(source)
    expect(e).toMatchObject({
      _tag: "UnknownAttribute",
      attribute: "payment.amout",
      position: 36,
      line: 1,
      column: 37,
      reason: "No such key: amout"
    })
    // the position is the unknown key itself
    expect(source.slice(positionOf(e))).toMatch(/^amout > 1$/)
    expect(e.message).toContain("payment.amout")
    expect(e.message).toContain("No such key: amout")
    expect(failure("velocity.customer.count_2h > 1")).toMatchObject({
      _tag: "UnknownAttribute",
      attribute: "velocity.customer.count_2h",
      position: 18,
      column: 19,
      reason: "No such key: count_2h"
    })
    expect(failure("payment.amount_ref > 1 ||\n    payment.amout > 1")).toMatchObject({
      _tag: "UnknownAttribute",
      attribute: "payment.amout",
      position: 38,
      line: 2,
      column: 13,
      reason: "No such key: amout"
    })
    expect(failure("account.age > 1")).toMatchObject({
      _tag: "UnknownAttribute",
      attribute: "account",
      position: 0,
      line: 1,
      column: 1,
      reason: "Unknown variable: account"
    })
  })

  it('type mismatch: payment.amount > "x" is RuleTypeError with the reason', () => {
    const e = failure('payment.amount > "x"')
    expect(e).toMatchObject({ _tag: "RuleTypeError", position: 0, line: 1, column: 1 })
    expect(e._tag === "RuleTypeError" && e.reason).toBe("no such overload: int > string")
    expect(failure("payment.card_country + 1 == 2")).toMatchObject({ _tag: "RuleTypeError", position: 0 })
    // further in: the position is where the ill-typed subexpression starts, not 0
    const source = 'payment.amount_ref > 1 && payment.amount > "x"'
    const inner = failure(source)
    expect(inner).toMatchObject({
      _tag: "RuleTypeError",
      position: 26,
      line: 1,
      column: 27,
      reason: "no such overload: int > string"
    })
    expect(source.slice(positionOf(inner))).toBe('payment.amount > "x"')
    expect(inner.message).toContain("line 1, column 27")
    expect(failure('payment.amount_ref > 1 &&\n  payment.amount > "x"')).toMatchObject({
      _tag: "RuleTypeError",
      position: 28,
      line: 2,
      column: 3,
      reason: "no such overload: int > string"
    })
    expect(failure("payment.amount_ref > 1 && payment.card_country + 1 == 2")).toMatchObject({
      _tag: "RuleTypeError",
      position: 26,
      column: 27,
      reason: "no such overload: string + int"
    })
    expect(failure("payment.amount_ref + 1")).toMatchObject({
      _tag: "RuleTypeError",
      reason: "a condition must be a bool, this one is int"
    })
  })

  it("over the size limit: ExpressionTooLarge in characters, nodes or depth", () => {
    const long = `payment.card_country == "${"x".repeat(2_100)}"`
    expect(failure(long)).toMatchObject({
      _tag: "ExpressionTooLarge",
      unit: "characters",
      size: long.length,
      limit: 2000,
      position: 2000,
      line: 1,
      column: 2001
    })
    const wide = Array.from({ length: 120 }, (_, i) => `payment.amount_ref > ${i}`).join(" || ")
    expect(wide.length).toBeLessThan(2_000 * 2)
    const nodesSource = wide.slice(0, 1_990).replace(/ \|\| [^|]*$/, "")
    const nodes = failure(nodesSource)
    // each `payment.amount_ref > i` is 4 nodes and each `||` one more: the 201st node is made
    // in the 41st comparison (`payment.amount_ref > 40`, at offset 1070), at its `amount_ref`
    expect(nodes).toMatchObject({
      _tag: "ExpressionTooLarge",
      unit: "nodes",
      size: 201,
      limit: 200,
      position: 1078,
      line: 1,
      column: 1079
    })
    expect(nodesSource.slice(1070, 1078)).toBe("payment.")
    expect(nodesSource.slice(positionOf(nodes))).toMatch(/^amount_ref > 40 \|\| /)
    const deep = `${"(".repeat(40)}payment.amount_ref > 1${")".repeat(40)}`
    // the 25th nested parenthesis (offset 24) is one level too deep
    expect(failure(deep)).toMatchObject({
      _tag: "ExpressionTooLarge",
      unit: "depth",
      size: 25,
      limit: 24,
      position: 24,
      line: 1,
      column: 25
    })
    const deepLater = `payment.amount_ref > 0 ||\n ${"(".repeat(30)}payment.amount_ref > 1${")".repeat(30)}`
    expect(failure(deepLater)).toMatchObject({
      _tag: "ExpressionTooLarge",
      unit: "depth",
      position: 27 + 24,
      line: 2,
      column: 2 + 24
    })
    expect(deepLater[27 + 24]).toBe("(")
  })

  it("valid CEL the compiler does not support: UnsupportedExpression with the construct", () => {
    expect(failure("lists.blocked_ips.exists(x, x == payment.ip)")).toMatchObject({
      _tag: "UnsupportedExpression",
      construct: "the method exists()"
    })
    expect(failure('{"a": 1}["a"] == 1')).toMatchObject({ _tag: "UnsupportedExpression" })
  })

  it("bad fields are InvalidInput naming the field", () => {
    const r = Rule.define(catalog, { id: "Bad Id", description: "", action: "deny", condition: "true" })
    expect(Result.isFailure(r) && r.failure._tag).toBe("InvalidInput")
    const msg = Result.isFailure(r) ? r.failure.message : ""
    expect(msg).toContain("id")
    expect(msg).toContain("action")
    const pivot = Rule.define(catalog, {
      id: "r",
      description: "d",
      action: "block",
      condition: "true",
      pivot: "payment.amount"
    })
    expect(Result.isFailure(pivot) && pivot.failure).toMatchObject({ _tag: "InvalidInput", path: "pivot" })
    const noPivot = Rule.define(catalog, {
      id: "r",
      description: "d",
      action: "block",
      condition: "true",
      snoozes: [{ value: "cus_1", until: 1 }]
    })
    expect(Result.isFailure(noPivot) && noPivot.failure).toMatchObject({
      _tag: "InvalidInput",
      path: "snoozes"
    })
  })

  it("a rule set refuses duplicate ids and thresholds out of order, naming the rule", () => {
    const rule = { id: "dup", description: "d", action: "review" as const, condition: "true" }
    const dup = RuleSet.make(catalog, { rules: [rule, rule] })
    expect(Result.isFailure(dup) && dup.failure).toMatchObject({
      _tag: "InvalidRuleSet",
      field: "rules[1].id"
    })
    const t = RuleSet.make(catalog, { rules: [], thresholds: { review: 90, block: 50 } })
    expect(Result.isFailure(t) && t.failure).toMatchObject({ _tag: "InvalidRuleSet", field: "thresholds" })
    const bad = RuleSet.make(catalog, { rules: [rule, { ...rule, id: "bad", condition: "payment.nope" }] })
    expect(Result.isFailure(bad) && bad.failure).toMatchObject({ _tag: "UnknownAttribute", ruleId: "bad" })
  })

  it("custom attributes and lists are declared, then usable", () => {
    const custom = Attributes.makeUnsafe({ custom: { ip_risk: "double" }, lists: ["vip_customers"] })
    const r = Rule.define(custom, {
      id: "r",
      description: "d",
      action: "allow",
      condition: "payment.customer_id in lists.vip_customers || custom.ip_risk < 0.1"
    })
    expect(Result.isSuccess(r)).toBe(true)
    expect(Result.isFailure(define("custom.ip_risk < 0.1"))).toBe(true)
  })

  it("a bad catalog is InvalidInput naming the field", () => {
    const bad = Attributes.make({ custom: { "IP Risk": "double" } })
    expect(Result.isFailure(bad) && bad.failure).toMatchObject({
      _tag: "InvalidInput",
      path: "custom.IP Risk"
    })
    const windows = Attributes.make({
      velocity: {
        ...Velocity.defaultConfig,
        windows: [
          { name: "1h", millis: 3_600_000 },
          { name: "1m", millis: 60_000 }
        ]
      }
    })
    expect(Result.isFailure(windows) && windows.failure).toMatchObject({ path: "velocity.windows[1]" })
  })
})

describe("payments missing attributes never crash evaluation", () => {
  it("a missing attribute makes the rule error with a reason; the decision still comes", () => {
    const set = RuleSet.makeUnsafe(catalog, {
      rules: [
        {
          id: "geo",
          description: "geo",
          action: "review",
          condition: "payment.card_country != payment.ip_country"
        },
        { id: "big", description: "big", action: "review", condition: "payment.amount_ref > 100" }
      ]
    })
    const d = Decision.decide(set, { payment: { card_country: "FR", amount_ref: 500n } }, 0)
    expect(d.errors).toEqual([{ ruleId: "geo", reason: "attribute payment.ip_country is missing" }])
    expect(d.hits.map((h) => h.ruleId)).toEqual(["big"])
    expect(d.outcome).toBe("review")
  })

  it("a value of the wrong type is reported, not thrown", () => {
    const set = RuleSet.makeUnsafe(catalog, {
      rules: [{ id: "big", description: "big", action: "block", condition: "payment.amount_ref > 100" }]
    })
    const d = Decision.decide(set, { payment: { amount_ref: 500 } }, 0)
    expect(d.errors).toEqual([
      { ruleId: "big", reason: "attribute payment.amount_ref should be an int, got the number 500" }
    ])
    expect(d.outcome).toBe("approve")
  })

  it("run-time failures (overflow, division by zero) are rule errors", () => {
    const set = RuleSet.makeUnsafe(catalog, {
      rules: [
        {
          id: "div",
          description: "d",
          action: "block",
          condition: "payment.amount_ref / velocity.customer.count_1h > 1"
        },
        {
          id: "ovf",
          description: "o",
          action: "block",
          condition: "payment.amount_ref * 9223372036854775807 > 1"
        }
      ]
    })
    const d = Decision.decide(
      set,
      { payment: { amount_ref: 5n }, velocity: { customer: { count_1h: 0n } } },
      0
    )
    expect(d.errors).toEqual([
      { ruleId: "div", reason: "division by zero" },
      { ruleId: "ovf", reason: "integer overflow" }
    ])
  })

  it("false && error is false, true || error is true (CEL's commutative absorption)", () => {
    const set = RuleSet.makeUnsafe(catalog, {
      rules: [
        {
          id: "a",
          description: "a",
          action: "block",
          condition: "payment.ip_country == 'FR' && payment.amount_ref > 1"
        },
        {
          id: "b",
          description: "b",
          action: "review",
          condition: "payment.ip_country == 'FR' || payment.amount_ref > 1"
        }
      ]
    })
    const d = Decision.decide(set, { payment: { amount_ref: 0n } }, 0)
    expect(d.errors).toEqual([{ ruleId: "b", reason: "attribute payment.ip_country is missing" }])
    expect(d.hits).toEqual([])
  })

  test.prop(
    [rules, fc.anything({ withBigInt: true, withSet: true, withMap: true, withNullPrototype: true })],
    {
      numRuns: 300
    }
  )(
    "for any values at all, evaluation never throws and every rule is hit, missed, snoozed or errored",
    (rs, junk) => {
      const set = RuleSet.makeUnsafe(catalog, { rules: rs, onError: "review" })
      const vals = { payment: junk, customer: junk, lists: junk, velocity: { customer: junk, card: junk } }
      const d = Decision.decide(set, vals as never, 0)
      const seen = new Set(
        [...d.hits, ...d.shadowHits].map((h) => h.ruleId).concat(d.errors.map((e) => e.ruleId))
      )
      for (const id of seen) expect(rs.some((r) => r.id === id)).toBe(true)
      expect(["approve", "challenge", "review", "block"]).toContain(d.outcome)
    }
  )
})

describe('onError: a rule that errors counts as not hit ("skip", the default) or, for an active block or review rule, as a review ("review")', () => {
  /** Errors at run time on the values below: the attribute is missing (or zero, for the division). */
  const ERRORING = {
    missing: "payment.ip_country == 'FR'",
    "wrong type": "payment.amount_ref > 100",
    "division by zero": "payment.amount / velocity.customer.count_1h > 1"
  } as const
  const VALUES = {
    payment: { amount_ref: 500, amount: 700n },
    velocity: { customer: { count_1h: 0n } }
  } as const
  const erroring = (action: Rule.Action, mode: Rule.Mode, condition: string): Rule.Input => ({
    id: `err_${action}`,
    description: "errors",
    action,
    score: 1000,
    mode,
    condition,
    alert: true,
    freeze: true
  })
  const always = (action: Rule.Action, score = 0): Rule.Input => ({
    id: `hit_${action}`,
    description: "hits",
    action,
    score,
    condition: "true"
  })
  const decide = (rules: ReadonlyArray<Rule.Input>, onError?: RuleSet.OnError) =>
    Decision.decide(
      RuleSet.makeUnsafe(catalog, {
        rules,
        thresholds: { review: 50, block: 100 },
        ...(onError === undefined ? {} : { onError })
      }),
      VALUES as never,
      0
    )

  for (const [kind, condition] of Object.entries(ERRORING)) {
    for (const action of ["block", "review"] as const) {
      it(`an erroring active ${action} rule (${kind}) gives review under "review" and is ignored under "skip"`, () => {
        const rule = erroring(action, "active", condition)
        const review = decide([rule], "review")
        expect(review.outcome).toBe("review")
        expect(review.errors.map((e) => e.ruleId)).toEqual([rule.id])
        // it is an error, not a hit: no score, no alert, no freeze, and never more than review
        expect(review).toMatchObject({
          score: 0,
          scoreOutcome: "approve",
          requestThreeDS: false,
          freeze: false
        })
        expect(review.hits).toEqual([])
        expect(review.alerts).toEqual([])
        for (const onError of ["skip", undefined] as const) {
          const skip = decide([rule], onError)
          expect(skip.outcome).toBe("approve")
          expect(skip.errors).toEqual(review.errors)
          expect(skip.hits).toEqual([])
        }
      })
    }
  }

  it("an erroring allow, request_3ds or shadow rule never raises the outcome, under either setting", () => {
    const rules = [
      erroring("allow", "active", ERRORING.missing),
      erroring("request_3ds", "active", ERRORING["wrong type"]),
      { ...erroring("block", "shadow", ERRORING.missing), id: "err_shadow_block" },
      { ...erroring("review", "shadow", ERRORING["division by zero"]), id: "err_shadow_review" }
    ]
    for (const onError of ["skip", "review"] as const) {
      for (const rule of rules) {
        const d = decide([rule], onError)
        expect(d.outcome).toBe("approve")
        expect(d.requestThreeDS).toBe(false)
        expect(d.errors.map((e) => e.ruleId)).toEqual([rule.id])
      }
      const all = decide(rules, onError)
      expect(all.outcome).toBe("approve")
      expect(all.errors).toHaveLength(4)
      // and beside a 3-D Secure hit the outcome stays a challenge
      expect(decide([...rules, always("request_3ds")], onError).outcome).toBe("challenge")
    }
  })

  it('an allow hit still wins over an erroring block or review rule under "review"', () => {
    const errors = [
      erroring("block", "active", ERRORING.missing),
      erroring("review", "active", ERRORING["division by zero"])
    ]
    expect(decide(errors, "review").outcome).toBe("review")
    expect(decide([...errors, always("allow")], "review").outcome).toBe("approve")
    expect(decide([...errors, always("allow"), always("request_3ds")], "review").outcome).toBe("challenge")
  })

  it('under "review" an erroring rule only raises: a block stays a block, 3-D Secure is still requested', () => {
    const rule = erroring("block", "active", ERRORING.missing)
    expect(decide([rule, always("block")], "review").outcome).toBe("block")
    expect(decide([rule, always("review", 200)], "review").outcome).toBe("block")
    const threeDS = decide([rule, always("request_3ds")], "review")
    expect(threeDS).toMatchObject({ outcome: "review", requestThreeDS: true })
    expect(decide([rule, always("request_3ds")], "skip").outcome).toBe("challenge")
  })

  test.prop([rules, values, thresholds], { numRuns: 300 })(
    '"review" differs from "skip" only in the outcome: review when an active block or review rule errored (block stays block), unless an allow rule hit',
    (rs, vals, t) => {
      const skip = Decision.decide(RuleSet.makeUnsafe(catalog, { rules: rs, thresholds: t }), vals, 0)
      const review = Decision.decide(
        RuleSet.makeUnsafe(catalog, { rules: rs, thresholds: t, onError: "review" }),
        vals,
        0
      )
      const byId = new Map(rs.map((r) => [r.id, r]))
      const raises = skip.errors.some((e) => {
        const r = byId.get(e.ruleId)!
        return (r.mode ?? "active") === "active" && (r.action === "block" || r.action === "review")
      })
      const allowHit = skip.hits.some((h) => h.action === "allow")
      const expected = raises && !allowHit && skip.outcome !== "block" ? "review" : skip.outcome
      expect(review.outcome).toBe(expected)
      expect(plain({ ...review, outcome: skip.outcome })).toEqual(plain(skip))
    }
  )
})
