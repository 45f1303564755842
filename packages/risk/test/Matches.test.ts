import { fc, test } from "@fast-check/vitest"
import { Ids, Notifier } from "@paykit/core"
import { Effect, Layer, Result } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { Attributes, Decision, Risk, Rule, RuleSet, VelocityStore } from "../src/index.ts"

/**
 * Issue 17, "no payment can stall the service": `matches()` has RE2 semantics (linear time, no
 * back-references), and every string a request carries is bounded by the schema.
 */

const catalog = Attributes.standard
const define = (condition: string) =>
  Rule.define(catalog, { id: "r1", description: "a rule", action: "review", condition })

/** A disposable-mailbox rule of the shape that backtracks exponentially in JavaScript's RegExp. */
const DISPOSABLE = 'payment.email.matches("^([a-z0-9]+)+@(mailinator|guerrillamail)\\\\.com$")'

describe("matches(): RE2 semantics", () => {
  it("a crafted e-mail of the longest length the schema accepts is decided, not stalled (JavaScript's RegExp needs ~2^300 steps for it)", () => {
    const set = RuleSet.makeUnsafe(catalog, {
      rules: [{ id: "disposable", description: "disposable mailbox", action: "block", condition: DISPOSABLE }]
    })
    // 24 characters took 0.3 s with the backtracking engine, and each two more four times that
    for (const n of [24, 26, 30, 64, 318]) {
      const email = `${"a".repeat(n)}!@x.com`
      const d = Decision.decide(set, { payment: { email } }, 0)
      expect(d.hits).toEqual([])
      expect(d.errors).toEqual([])
    }
    const hit = Decision.decide(set, { payment: { email: "abc123@mailinator.com" } }, 0)
    expect(hit.hits.map((h) => h.ruleId)).toEqual(["disposable"])
  })

  it("back-references and look-around, which RE2 refuses, are refused at definition with the construct", () => {
    for (const pattern of ["(a)\\\\1", "(?=a)b", "(?<!a)b", "a(?!b)"]) {
      const r = define(`payment.email.matches("${pattern}")`)
      expect(Result.isFailure(r)).toBe(true)
      if (Result.isFailure(r)) {
        expect(r.failure).toMatchObject({ _tag: "UnsupportedExpression" })
        expect((r.failure as { construct: string }).construct).toMatch(/^the regular expression /)
      }
    }
  })

  it("a pattern that does not parse is refused at definition, never at evaluation", () => {
    const r = define('payment.email.matches("a(b")')
    expect(Result.isFailure(r) && r.failure._tag).toBe("UnsupportedExpression")
  })

  /** Patterns both engines read the same way (no back-references, look-around or JS-only syntax). */
  const pattern = fc
    .array(
      fc.constantFrom(
        "a",
        "b",
        "[ab]",
        "[^a]",
        ".",
        "a*",
        "b+",
        "(a|b)",
        "(ab)?",
        "\\d",
        "x{1,3}",
        "^",
        "$",
        "[0-9]+"
      ),
      { minLength: 1, maxLength: 6 }
    )
    .map((parts) => parts.join(""))
  const subject = fc.string({ unit: fc.constantFrom("a", "b", "x", "1", "-"), maxLength: 12 })

  test.prop([pattern, subject], { numRuns: 300 })(
    "for patterns both engines read the same way, matches() answers as a search, like CEL's RE2 (partial match)",
    (p, s) => {
      const set = RuleSet.makeUnsafe(catalog, {
        rules: [
          {
            id: "m",
            description: "m",
            action: "review",
            condition: `payment.email.matches(${JSON.stringify(p)})`
          }
        ]
      })
      const d = Decision.decide(set, { payment: { email: s } }, 0)
      expect(d.hits.length === 1).toBe(new RegExp(p, "u").test(s))
    }
  )
})

describe("every string a request carries is bounded", () => {
  const layer = Layer.mergeAll(
    Risk.layer({ ruleSet: RuleSet.makeUnsafe(catalog, { rules: [] }) }).pipe(
      Layer.provideMerge(VelocityStore.layerMemory),
      Layer.provideMerge(Notifier.layerMemory),
      Layer.provide(Ids.layerSeeded(3))
    ),
    TestClock.layer()
  )
  const assess = (request: unknown) =>
    Effect.runPromise(
      Effect.provide(
        Effect.gen(function* () {
          const risk = yield* Risk.Risk
          const out = yield* Effect.result(risk.assess(request as Risk.AssessInput))
          const history = yield* (yield* VelocityStore.VelocityStore).history("customer", "cus_1")
          return { out, history }
        }),
        layer
      ) as Effect.Effect<{ out: Result.Result<unknown, unknown>; history: ReadonlyArray<unknown> }>
    )
  const base = { id: "pay_1", amount: { amount: "100", currency: "USD" }, customerId: "cus_1" }

  it("an e-mail or id over 320 characters is InvalidInput naming the field, and nothing is recorded", async () => {
    const email = await assess({ payment: { ...base, email: `${"a".repeat(320)}@x.com` } })
    expect(Result.isFailure(email.out) && email.out.failure).toMatchObject({
      _tag: "InvalidInput",
      path: "payment.email"
    })
    expect(email.history).toEqual([])
    const id = await assess({ payment: { ...base, id: "p".repeat(321) } })
    expect(Result.isFailure(id.out) && id.out.failure).toMatchObject({
      _tag: "InvalidInput",
      path: "payment.id"
    })
  })

  it("custom attributes: a string over 1,024 characters, a list over 64 items, a name over 128 characters or more than 64 attributes are InvalidInput naming custom", async () => {
    const cases: ReadonlyArray<Record<string, unknown>> = [
      { note: "n".repeat(1025) },
      { tags: Array.from({ length: 65 }, () => "t") },
      { tags: ["ok", "t".repeat(1025)] },
      { ["k".repeat(129)]: 1 },
      Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i]))
    ]
    for (const custom of cases) {
      const r = await assess({ payment: base, custom })
      expect(Result.isFailure(r.out) && r.out.failure).toMatchObject({ _tag: "InvalidInput" })
      expect(Result.isFailure(r.out) && (r.out.failure as { path: string }).path).toMatch(/^custom/)
      expect(r.history).toEqual([])
    }
    // at the bounds it is accepted
    const ok = await assess({
      payment: base,
      custom: { note: "n".repeat(1024), tags: Array.from({ length: 64 }, () => "t") }
    })
    expect(Result.isSuccess(ok.out)).toBe(true)
  })
})

describe("alerts do not leak other people's data", () => {
  it("a block-list hit's reason and its alert name the list and show the tested value, never the list's entries", async () => {
    const others = ["victim1@example.com", "victim2@example.com", "victim3@example.com"]
    const ruleSet = RuleSet.makeUnsafe(catalog, {
      rules: [
        {
          id: "blocked_email",
          description: "e-mail on the block list",
          action: "block",
          condition: "payment.email in lists.blocked_emails",
          alert: true
        }
      ]
    })
    const layer = Risk.layer({ ruleSet, lists: { blocked_emails: [...others, "fraud@example.com"] } }).pipe(
      Layer.provideMerge(VelocityStore.layerMemory),
      Layer.provideMerge(Notifier.layerMemory),
      Layer.provide(Ids.layerSeeded(5)),
      Layer.merge(TestClock.layer())
    )
    const [assessment, events] = await Effect.runPromise(
      Effect.provide(
        Effect.gen(function* () {
          const risk = yield* Risk.Risk
          const a = yield* risk.assess({
            payment: { id: "pay_1", amount: { amount: "100", currency: "USD" }, email: "fraud@example.com" }
          })
          return [a, yield* (yield* Notifier.RecordedEvents).all] as const
        }),
        layer
      )
    )
    const reason = assessment.decision.hits[0]!.reason
    expect(reason).toContain('payment.email = "fraud@example.com"')
    expect(reason).toContain("lists.blocked_emails = a list of 4 values")
    const published = JSON.stringify(events)
    expect(published).toContain("fraud@example.com")
    for (const other of others) {
      expect(reason).not.toContain(other)
      expect(published).not.toContain(other)
    }
  })
})
