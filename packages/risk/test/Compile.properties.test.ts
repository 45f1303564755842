import { Environment } from "@marcbachmann/cel-js"
import { test } from "@fast-check/vitest"
import { Result } from "effect"
import { expect } from "vitest"
import { Attributes, Decision, Rule, RuleSet } from "../src/index.ts"
import { condition, leaf, values } from "./arbitraries.ts"

const catalog = Attributes.standard

// the CEL library's own interpreter over the same declarations
const env = new Environment()
const schema: Record<string, Record<string, unknown>> = {}
for (const a of catalog.attributes.values()) {
  const parts = a.path.split(".")
  const root = parts[0]!
  schema[root] = schema[root] ?? {}
  let node = schema[root] as Record<string, unknown>
  for (const p of parts.slice(1, -1)) {
    node[p] = node[p] ?? {}
    node = node[p] as Record<string, unknown>
  }
  node[parts[parts.length - 1]!] = a.type
}
for (const [name, s] of Object.entries(schema)) env.registerVariable({ name, schema: s as never })

const toContext = (v: unknown): unknown =>
  v instanceof Set
    ? [...v]
    : typeof v === "object" && v !== null
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toContext(x)]))
      : v

const agree = (cond: string, vals: Attributes.Values) => {
  const rule = Rule.define(catalog, { id: "r", description: "d", action: "review", condition: cond })
  expect(Result.isSuccess(rule)).toBe(true)
  const set = RuleSet.makeUnsafe(catalog, { rules: [Result.getOrThrow(rule)] })
  const d = Decision.decide(set, vals, 0)
  let expected: unknown
  try {
    expected = env.evaluate(cond, toContext(vals) as Record<string, unknown>)
  } catch {
    expected = "error"
  }
  const got = d.errors.length > 0 ? "error" : d.hits.length > 0
  expect(got).toBe(expected)
}

test.prop([condition, values], { numRuns: 400 })(
  "compiled closures agree with the CEL interpreter: same value, and an error exactly when it errors",
  agree
)

test.prop([leaf, values], { numRuns: 1500 })("every kind of leaf agrees with the CEL interpreter", agree)
