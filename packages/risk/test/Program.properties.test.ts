import { fc, test } from "@fast-check/vitest"
import { describe, expect } from "vitest"
import { Attributes, Decision, RuleSet } from "../src/index.ts"
import { interpreted, noteFor } from "../src/internal/program.ts"
import { BOOL_ATTRS, INT_ATTRS, LIST_ATTRS, STRING_ATTRS, values, withSnoozes } from "./arbitraries.ts"

const catalog = Attributes.standard

/** The decision with every lazy reason read, as plain data. */
const plain = (d: Decision.Decision) =>
  JSON.parse(JSON.stringify(d, (_, v) => (typeof v === "bigint" ? `${v}n` : v)))

/** The same rule set on the interpreted hot path (what runs where code generation is not allowed). */
const interpretedSet = (set: RuleSet.RuleSet): RuleSet.RuleSet => ({
  ...set,
  program: interpreted(set.compiled, set.groups, set.paths.length, noteFor(set.paths, set.types)),
  scratch: new Array<unknown>(set.scratch.length).fill(0)
})

/** The same rule set forced onto the guarded path (each rule's closure in a try). */
const guardedSet = (set: RuleSet.RuleSet): RuleSet.RuleSet => ({
  ...set,
  program: {
    ...set.program,
    run: () => {
      throw new Error("force the guarded path")
    }
  }
})

/** Every kind of leaf, with constants at the edges of the values above (ints 0 to 3). */
const smallLeaf = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(...INT_ATTRS),
      fc.constantFrom("<", "<=", ">", ">=", "==", "!="),
      fc.integer({ min: 0, max: 3 })
    )
    .map(([a, op, k]) => `${a} ${op} ${k}`),
  fc
    .tuple(
      fc.constantFrom(...STRING_ATTRS),
      fc.constantFrom("==", "!="),
      fc.constantFrom("US", "FR", "card", "cus_1")
    )
    .map(([a, op, k]) => `${a} ${op} "${k}"`),
  fc
    .tuple(fc.constantFrom(...STRING_ATTRS), fc.constantFrom("==", "!="), fc.constantFrom(...STRING_ATTRS))
    .map(([a, op, b]) => `${a} ${op} ${b}`),
  fc.tuple(fc.constantFrom(...STRING_ATTRS), fc.constantFrom(...LIST_ATTRS)).map(([a, l]) => `${a} in ${l}`),
  fc.constantFrom(...STRING_ATTRS).map((a) => `${a} in ["US", "cus_1", "card"]`),
  fc.constantFrom(...INT_ATTRS, ...STRING_ATTRS, ...BOOL_ATTRS).map((a) => `has(${a})`),
  fc.constantFrom(...BOOL_ATTRS),
  fc.tuple(fc.constantFrom(...INT_ATTRS), fc.constantFrom(...INT_ATTRS)).map(([a, b]) => `${a} + ${b} > 2`)
)
const leafRules = fc
  .array(
    fc.record({
      action: fc.constantFrom("allow", "request_3ds", "review", "block") as fc.Arbitrary<"review">,
      score: fc.integer({ min: -50, max: 100 }),
      condition: fc.oneof(
        smallLeaf,
        fc
          .tuple(fc.array(smallLeaf, { minLength: 2, maxLength: 4 }), fc.constantFrom(" && ", " || "))
          .map(([ls, op]) => ls.join(op))
      ),
      mode: fc.constantFrom("active", "active", "shadow") as fc.Arbitrary<"active">
    }),
    { maxLength: 12 }
  )
  .map((rs) => rs.map((r, i) => ({ id: `r${i}`, description: `rule ${i}`, ...r })))

const junk = fc.anything({ withBigInt: true, withSet: true, withMap: true, withNullPrototype: true })
/** Values of any shape and type where the rules look, and well-typed ones. */
const anyValues = fc.oneof(
  values,
  fc
    .record({
      payment: fc.dictionary(
        fc.constantFrom("amount_ref", "amount", "method", "card_country", "customer_id"),
        junk
      ),
      customer: fc.oneof(junk, fc.dictionary(fc.constantFrom("usual_countries", "verified"), junk)),
      lists: fc.dictionary(
        fc.constantFrom("blocked_countries", "allowed_customers"),
        fc.oneof(junk, fc.array(fc.string()), fc.array(fc.oneof(fc.string(), fc.integer())))
      ),
      velocity: fc.oneof(junk, fc.record({ customer: junk, card: junk }))
    })
    .map((v) => v as never)
)

describe("generated hot path", () => {
  test("a reason never throws, even for a set holding an object without a string form", () => {
    const set = RuleSet.makeUnsafe(catalog, {
      rules: [{ id: "a", description: "any", action: "review", condition: "has(customer.usual_countries)" }]
    })
    const d = Decision.decide(set, { customer: { usual_countries: new Set([Object.create(null), "US"]) } }, 0)
    expect(d.hits[0]!.reason).toBe("any (customer.usual_countries = a list of 2 values)")
  })

  test.prop([withSnoozes, fc.integer({ min: 0, max: 25 })])(
    "rule sets are generated code under Node",
    (rs) => {
      expect(RuleSet.makeUnsafe(catalog, { rules: rs }).program.generated).toBe(true)
    }
  )

  test.prop([withSnoozes, anyValues, fc.integer({ min: 0, max: 25 }), fc.constantFrom("skip", "review")], {
    numRuns: 300
  })(
    "generated, interpreted and guarded evaluation give the same decision (hits, reasons, errors, snoozes)",
    (rs, vals, now, onError) => {
      const set = RuleSet.makeUnsafe(catalog, { rules: rs, onError: onError as RuleSet.OnError })
      const a = plain(Decision.decide(set, vals, now))
      expect(plain(Decision.decide(interpretedSet(set), vals, now))).toEqual(a)
      expect(plain(Decision.decide(guardedSet(set), vals, now))).toEqual(a)
      // the scratch space is reused: the same decision again
      expect(plain(Decision.decide(set, vals, now))).toEqual(a)
    }
  )

  test.prop([leafRules, values, fc.constantFrom("skip", "review")], { numRuns: 500 })(
    "every kind of leaf and junction, at the edges: generated and interpreted evaluation agree",
    (rs, vals, onError) => {
      const set = RuleSet.makeUnsafe(catalog, { rules: rs, onError: onError as RuleSet.OnError })
      const a = plain(Decision.decide(set, vals, 0))
      expect(plain(Decision.decide(interpretedSet(set), vals, 0))).toEqual(a)
      expect(plain(Decision.decide(guardedSet(set), vals, 0))).toEqual(a)
    }
  )

  test.prop([withSnoozes, anyValues], { numRuns: 300 })(
    "the generated frame lookup equals the interpreted one: values, sets and the problems noted",
    (rs, vals) => {
      const set = RuleSet.makeUnsafe(catalog, { rules: rs })
      const a = Decision.frame(set, vals)
      const b = Decision.frame(interpretedSet(set), vals)
      expect(a.values).toEqual(b.values)
      expect([...a.problems]).toEqual([...b.problems])
    }
  )
})
