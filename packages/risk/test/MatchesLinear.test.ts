import { fc, test } from "@fast-check/vitest"
import { expect } from "vitest"
import { Attributes, Decision, RuleSet } from "../src/index.ts"

/**
 * Issue 17: "for any pattern accepted at definition and any input up to the schema's bound,
 * `matches()` finishes within a linear bound". The reference here is a Thompson NFA written from
 * the textbook, which visits at most (states × (input length + 1)) states and counts them; for
 * random patterns of the shapes that make backtracking engines explode ((a+)+, (a|aa)*, nested
 * optionals) and inputs up to 320 characters (the schema's bound), `matches()` agrees with it,
 * and the reference's step count stays within its linear bound. No clock is read.
 */

type Node =
  | { readonly k: "char"; readonly test: (c: string) => boolean; readonly src: string }
  | { readonly k: "cat"; readonly parts: ReadonlyArray<Node> }
  | { readonly k: "alt"; readonly a: Node; readonly b: Node }
  | { readonly k: "rep"; readonly x: Node; readonly op: "*" | "+" | "?" }

const source = (n: Node): string => {
  switch (n.k) {
    case "char":
      return n.src
    case "cat":
      return n.parts.map(source).join("")
    case "alt":
      return `(${source(n.a)}|${source(n.b)})`
    case "rep":
      return `(${source(n.x)})${n.op}`
  }
}

const atom: fc.Arbitrary<Node> = fc.constantFrom<Node>(
  { k: "char", test: (c) => c === "a", src: "a" },
  { k: "char", test: (c) => c === "b", src: "b" },
  { k: "char", test: () => true, src: "." },
  { k: "char", test: (c) => c === "a" || c === "b", src: "[ab]" },
  { k: "char", test: (c) => c !== "a", src: "[^a]" }
)

const { node } = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    atom,
    fc.array(tie("node"), { minLength: 1, maxLength: 3 }).map((parts): Node => ({ k: "cat", parts })),
    fc.tuple(tie("node"), tie("node")).map(([a, b]): Node => ({ k: "alt", a, b })),
    fc
      .tuple(tie("node"), fc.constantFrom("*" as const, "+" as const, "?" as const))
      .map(([x, op]): Node => ({ k: "rep", x, op }))
  )
}))

/** An NFA: states with a character test (one successor) or up to two epsilon successors. */
interface State {
  test?: (c: string) => boolean
  out: Array<number>
  accept?: boolean
}

const compile = (root: Node): { states: Array<State>; start: number } => {
  const states: Array<State> = []
  const add = (s: State) => states.push(s) - 1
  // returns [entry, exit] where exit is an epsilon state to patch
  const build = (n: Node): [number, number] => {
    switch (n.k) {
      case "char": {
        const exit = add({ out: [] })
        const entry = add({ test: n.test, out: [exit] })
        return [entry, exit]
      }
      case "cat": {
        let [entry, exit] = build(n.parts[0]!)
        for (const p of n.parts.slice(1)) {
          const [e2, x2] = build(p)
          states[exit]!.out.push(e2)
          exit = x2
        }
        return [entry, exit]
      }
      case "alt": {
        const [ea, xa] = build(n.a)
        const [eb, xb] = build(n.b)
        const exit = add({ out: [] })
        states[xa]!.out.push(exit)
        states[xb]!.out.push(exit)
        return [add({ out: [ea, eb] }), exit]
      }
      case "rep": {
        const [e, x] = build(n.x)
        const exit = add({ out: [] })
        const entry = add({ out: n.op === "+" ? [e] : [e, exit] })
        states[x]!.out.push(exit)
        if (n.op !== "?") states[x]!.out.push(e)
        return [entry, exit]
      }
    }
  }
  const [entry, exit] = build(root)
  states[exit]!.accept = true
  return { states, start: entry }
}

/** Unanchored search by state-set simulation; counts every state visit. */
const search = (nfa: { states: Array<State>; start: number }, input: string) => {
  let steps = 0
  const closure = (seeds: Iterable<number>): Set<number> => {
    const seen = new Set<number>()
    const stack = [...seeds]
    while (stack.length > 0) {
      const s = stack.pop()!
      if (seen.has(s)) continue
      seen.add(s)
      steps++
      const st = nfa.states[s]!
      if (st.test === undefined) stack.push(...st.out)
    }
    return seen
  }
  let current = closure([nfa.start])
  const accepts = (set: Set<number>) => [...set].some((s) => nfa.states[s]!.accept === true)
  if (accepts(current)) return { found: true, steps }
  for (const c of input) {
    const next: Array<number> = [nfa.start]
    for (const s of current) {
      const st = nfa.states[s]!
      if (st.test?.(c) === true) next.push(...st.out)
    }
    current = closure(next)
    if (accepts(current)) return { found: true, steps }
  }
  return { found: false, steps }
}

const catalog = Attributes.standard
const input = fc.oneof(
  fc.string({ unit: fc.constantFrom("a", "b", "c"), maxLength: 320 }),
  // the adversarial shape: a long run of one letter and a mismatch at the end
  fc.tuple(fc.integer({ min: 0, max: 319 }), fc.constantFrom("a", "b")).map(([n, c]) => `${c.repeat(n)}!`)
)

test.prop([node, input], { numRuns: 200 })(
  "matches() agrees with a linear-time Thompson NFA on patterns that make backtracking explode, for inputs up to 320 characters, and the reference stays within its linear bound",
  (pattern, s) => {
    const src = source(pattern)
    const set = RuleSet.makeUnsafe(catalog, {
      rules: [
        {
          id: "m",
          description: "m",
          action: "review",
          condition: `payment.email.matches(${JSON.stringify(src)})`
        }
      ]
    })
    const nfa = compile(pattern)
    const reference = search(nfa, s)
    expect(reference.steps).toBeLessThanOrEqual(nfa.states.length * (s.length + 1))
    const d = Decision.decide(set, { payment: { email: s } }, 0)
    expect(d.hits.length === 1).toBe(reference.found)
  }
)
