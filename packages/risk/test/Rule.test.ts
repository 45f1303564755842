import { fc, test } from "@fast-check/vitest"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { Attributes, Decision, Rule, RuleSet, Velocity } from "../src/index.ts"
import { rules } from "./arbitraries.ts"

const catalog = Attributes.standard
const define = (condition: string) =>
  Rule.define(catalog, { id: "r1", description: "a rule", action: "review", condition })
const failure = (condition: string) => {
  const r = define(condition)
  if (Result.isSuccess(r)) throw new Error(`expected ${condition} to be rejected`)
  return r.failure
}

describe("a rule is rejected at definition time with the position and the reason", () => {
  it("syntax error: RuleSyntaxError at the offending token", () => {
    const e = failure("payment.amount_ref > ")
    expect(e._tag).toBe("RuleSyntaxError")
    expect(e).toMatchObject({ ruleId: "r1", position: 21, line: 1, column: 22 })
    expect(e._tag === "RuleSyntaxError" && e.reason).toMatch(/Unexpected token/)
    const multi = failure("payment.amount_ref > 1 &&\n  payment.ip_country == 'FR' )")
    expect(multi).toMatchObject({ _tag: "RuleSyntaxError", line: 2 })
  })

  it("unknown attribute: UnknownAttribute naming it, with its position", () => {
    const e = failure("payment.amount_ref > 100 && payment.amout > 1")
    expect(e).toMatchObject({
      _tag: "UnknownAttribute",
      attribute: "payment.amout",
      position: 36,
      column: 37
    })
    expect(e.message).toContain("payment.amout")
    expect(failure("velocity.customer.count_2h > 1")).toMatchObject({
      _tag: "UnknownAttribute",
      attribute: "velocity.customer.count_2h"
    })
    expect(failure("account.age > 1")).toMatchObject({ _tag: "UnknownAttribute", position: 0 })
  })

  it('type mismatch: payment.amount > "x" is RuleTypeError with the reason', () => {
    const e = failure('payment.amount > "x"')
    expect(e).toMatchObject({ _tag: "RuleTypeError", position: 0, line: 1, column: 1 })
    expect(e._tag === "RuleTypeError" && e.reason).toBe("no such overload: int > string")
    expect(failure("payment.card_country + 1 == 2")).toMatchObject({ _tag: "RuleTypeError", position: 0 })
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
      limit: 2000,
      position: 2000
    })
    const wide = Array.from({ length: 120 }, (_, i) => `payment.amount_ref > ${i}`).join(" || ")
    expect(wide.length).toBeLessThan(2_000 * 2)
    const nodes = failure(wide.slice(0, 1_990).replace(/ \|\| [^|]*$/, ""))
    expect(nodes).toMatchObject({ _tag: "ExpressionTooLarge", unit: "nodes", limit: 200 })
    const deep = `${"(".repeat(40)}payment.amount_ref > 1${")".repeat(40)}`
    expect(failure(deep)).toMatchObject({ _tag: "ExpressionTooLarge", unit: "depth", limit: 24 })
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
