import type { AttributeType } from "../Attributes.ts"
import { Err, evalJunction, evalLeaf, type Fn, type Frame, type Leaf, norm } from "./compiled.ts"

/**
 * The decision loop's view of one compiled rule (a subset of `RuleSet.CompiledRule`): a single
 * leaf, a junction of leaves, or a closure; and whether it can be snoozed.
 */
export interface RuleCode {
  readonly fn: Fn
  readonly leaf: Leaf | undefined
  readonly leaves: ReadonlyArray<Leaf> | undefined
  readonly stop: boolean
  readonly snoozable: boolean
}

/**
 * Runs every rule of a rule set on a frame and writes what the decision needs into `out`, in
 * evaluation order, as pairs `(rule index, result)`: every rule whose result is not `false`
 * (a hit is `true`, anything else an error), and every snoozable rule whatever its result.
 * Returns the number of entries written (twice the number of pairs).
 */
export type Run = (v: Frame, out: Array<unknown>) => number

/** The slots read from one object (see `RuleSet.SlotGroup`). */
export interface Group {
  readonly parent: ReadonlyArray<string>
  readonly slots: ReadonlyArray<number>
  readonly keys: ReadonlyArray<string>
  /** 0 int, 1 double, 2 string, 3 bool, 4 list<string> */
  readonly codes: ReadonlyArray<number>
}

/** Notes a value of the wrong type in a frame's problems (created on the first one). */
export type Note = (
  problems: Map<number, string> | undefined,
  slot: number,
  x: unknown
) => Map<number, string>

const describe = (x: unknown): string =>
  typeof x === "bigint" ? `the int ${x}` : typeof x === "number" ? `the number ${x}` : typeof x

/** The {@link Note} of a rule set: `attribute payment.amount should be an int, got the number 1`. */
export const noteFor =
  (paths: ReadonlyArray<string>, types: ReadonlyArray<AttributeType>): Note =>
  (problems, slot, x) => {
    const p = problems ?? new Map<number, string>()
    const type = types[slot]!
    p.set(
      slot,
      `attribute ${paths[slot]} should be ${type === "list<string>" ? "a set of strings" : type === "int" ? "an int" : `a ${type}`}, got ${describe(x)}`
    )
    return p
  }

/** The problems of a frame without any (shared, never changed). */
export const NO_PROBLEMS: ReadonlyMap<number, string> = new Map()

/** Looks up the slots in nested values: the frame and the values of the wrong type. */
export type Prepare = (values: unknown) => {
  readonly values: Frame
  readonly problems: ReadonlyMap<number, string>
}

/** A rule set's hot path: its rules as one {@link Run}, its frame lookup as one {@link Prepare}. */
export interface Program {
  readonly run: Run
  readonly prepare: Prepare
  /** `true` when generated, `false` for the interpreted fallback. */
  readonly generated: boolean
}

/**
 * The reference {@link Run}: each rule through {@link evalLeaf}, {@link evalJunction} or its
 * closure. Used where code generation is not allowed and, in the tests, as the model the
 * generated code must agree with.
 */
export const interpretRun =
  (rules: ReadonlyArray<RuleCode>): Run =>
  (v, out) => {
    let n = 0
    for (let i = 0; i < rules.length; i++) {
      const c = rules[i]!
      const leaf = c.leaf
      const leaves = c.leaves
      const r =
        leaf !== undefined
          ? evalLeaf(v, leaf)
          : leaves !== undefined
            ? evalJunction(v, leaves, c.stop)
            : c.fn(v)
      if (r !== false || c.snoozable) {
        out[n] = i
        out[n + 1] = r
        n += 2
      }
    }
    return n
  }

const isObject = (o: unknown): o is Record<string, unknown> => typeof o === "object" && o !== null

/** The reference {@link Prepare}: a loop over the groups and their slots. */
export const interpretPrepare =
  (groups: ReadonlyArray<Group>, size: number, note: Note): Prepare =>
  (values) => {
    const out = new Array<unknown>(size).fill(undefined)
    let problems: Map<number, string> | undefined
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!
      let o: unknown = values
      const parent = group.parent
      for (let j = 0; j < parent.length && o !== undefined; j++) o = isObject(o) ? o[parent[j]!] : undefined
      if (!isObject(o)) continue
      const slots = group.slots
      const keys = group.keys
      const codes = group.codes
      for (let k = 0; k < slots.length; k++) {
        const x = o[keys[k]!]
        if (x === undefined || x === null) continue
        let ok: boolean
        switch (codes[k]) {
          case 0:
            ok = typeof x === "bigint"
            break
          case 1:
            ok = typeof x === "number"
            break
          case 2:
            ok = typeof x === "string"
            break
          case 3:
            ok = typeof x === "boolean"
            break
          default:
            ok = x instanceof Set || (Array.isArray(x) && x.every((e) => typeof e === "string"))
        }
        const slot = slots[k]!
        if (!ok) {
          problems = note(problems, slot, x)
          continue
        }
        out[slot] = typeof x === "bigint" ? norm(x) : Array.isArray(x) ? new Set(x) : x
      }
    }
    return { values: out, problems: problems ?? NO_PROBLEMS }
  }

const isStringList = (x: unknown): boolean => Array.isArray(x) && x.every((e) => typeof e === "string")

/**
 * Source-text builder. The generated source holds only our own templates, slot numbers and rule
 * indices (integers, checked) and finite numbers: every other constant (strings, sets, errors,
 * closures, property names) is passed in by reference as `$[i]`, never spliced in as text.
 */
class Source {
  readonly constants: Array<unknown> = []
  readonly #index = new Map<unknown, number>()
  /**
   * A variable holding `x`, declared once at the top. Equal errors (the same reason and slot:
   * nothing reads more of an `Err`) and sets of the same strings share one variable, so equal
   * leaves have the same source text.
   */
  ref(x: unknown): string {
    const key =
      x instanceof Err
        ? `err ${x.slot} ${x.reason}`
        : x instanceof Set && [...x].every((e) => typeof e === "string")
          ? `set ${JSON.stringify([...x])}`
          : x
    let i = this.#index.get(key)
    if (i === undefined) {
      i = this.constants.length
      this.constants.push(x)
      this.#index.set(key, i)
    }
    return `c${i}`
  }
  /** A literal for a finite number, a variable for anything else. */
  lit(x: unknown): string {
    return typeof x === "number" && Number.isFinite(x) && !Object.is(x, -0) ? `(${String(x)})` : this.ref(x)
  }
  header(): string {
    return this.constants.map((_, i) => `const c${i} = $[${i}];\n`).join("")
  }
}

const int = (n: number): string => {
  if (!Number.isSafeInteger(n) || n < -1) throw new Error(`not a slot or index: ${n}`)
  return String(n)
}

/**
 * A leaf as an expression. The frame slots the leaves read are loaded once, into locals `s<slot>`
 * (the frame does not change while the rules run).
 */
const leafSource = (s: Source, l: Leaf, slots: Set<number>): string => {
  const kind = l.kind
  if (kind === 12) return `${s.ref(l.fn)}(v)`
  const x = `s${int(l.slot)}`
  slots.add(l.slot)
  if (kind === 10) return `(${x} !== undefined)`
  const head = `(${x} === undefined ? ${s.ref(l.miss)} : `
  switch (kind) {
    case 0:
      return `${head}${x} < ${s.lit(l.k)})`
    case 1:
      return `${head}${x} <= ${s.lit(l.k)})`
    case 2:
      return `${head}${x} > ${s.lit(l.k)})`
    case 3:
      return `${head}${x} >= ${s.lit(l.k)})`
    case 4:
      return `${head}${x} === ${s.lit(l.k)})`
    case 5:
      return `${head}${x} !== ${s.lit(l.k)})`
    case 6:
      return `${head}${s.ref(l.k)}.has(${x}))`
    case 11:
      return `${head}${x})`
  }
  const y = `s${int(l.slot2)}`
  slots.add(l.slot2)
  const head2 = `${head}${y} === undefined ? ${s.ref(l.miss2)} : `
  switch (kind) {
    case 7:
      return `${head2}${x} === ${y})`
    case 8:
      return `${head2}${x} !== ${y})`
    case 9:
      return `${head2}${y}.has(${x}))`
  }
  throw new Error(`unknown leaf kind ${kind}`)
}

/**
 * The rules as one function. A leaf that occurs more than once (the same test in several rules,
 * such as `payment.method == "card"` or a list membership) is computed at most once per run and
 * remembered in a local `m<i>` (leaves are pure and never `undefined`). Closures are not shared.
 */
const generateRun = (rules: ReadonlyArray<RuleCode>): Run => {
  const s = new Source()
  const slots = new Set<number>()
  const count = new Map<string, number>()
  const sources = new Map<Leaf, string>()
  for (const c of rules) {
    for (const l of c.leaf !== undefined ? [c.leaf] : (c.leaves ?? [])) {
      const src = leafSource(s, l, slots)
      sources.set(l, src)
      if (l.kind !== 12) count.set(src, (count.get(src) ?? 0) + 1)
    }
  }
  const memo = new Map<string, string>()
  const expr = (l: Leaf): string => {
    const src = sources.get(l)!
    if ((count.get(src) ?? 0) < 2) return src
    let m = memo.get(src)
    if (m === undefined) {
      m = `m${memo.size}`
      memo.set(src, m)
    }
    return `(${m} !== undefined ? ${m} : (${m} = ${src}))`
  }
  let body = ""
  for (let i = 0; i < rules.length; i++) {
    const c = rules[i]!
    const idx = int(i)
    if (c.leaf !== undefined) body += `r = ${expr(c.leaf)};\n`
    else if (c.leaves !== undefined) {
      const stop = String(c.stop)
      const go = String(!c.stop)
      body += `j${idx}: {\ne = undefined;\n`
      for (const l of c.leaves) {
        body += `x = ${expr(l)};\nif (x === ${stop}) { r = ${stop}; break j${idx} }\nif (x !== ${go} && e === undefined) e = x;\n`
      }
      body += `r = e === undefined ? ${go} : e;\n}\n`
    } else body += `r = ${s.ref(c.fn)}(v);\n`
    body += c.snoozable
      ? `out[n] = ${idx}; out[n + 1] = r; n += 2;\n`
      : `if (r !== false) { out[n] = ${idx}; out[n + 1] = r; n += 2 }\n`
  }
  const loads = [...slots].map((slot) => `const s${int(slot)} = v[${int(slot)}];\n`).join("")
  const memos = [...memo.values()].map((m) => `let ${m};\n`).join("")
  const source = `"use strict";\n${s.header()}return function run(v, out) {\n${loads}${memos}let e, r, x, n = 0;\n${body}return n;\n}`
  return new Function("$", source)(s.constants) as Run
}

const generatePrepare = (groups: ReadonlyArray<Group>, size: number, note: Note): Prepare => {
  const s = new Source()
  const norm$ = s.ref(norm)
  const note$ = s.ref(note)
  const list$ = s.ref(isStringList)
  const none$ = s.ref(NO_PROBLEMS)
  let body = ""
  for (const group of groups) {
    body += `o = values;\n`
    for (const key of group.parent)
      body += `o = typeof o === "object" && o !== null ? o[${s.ref(key)}] : undefined;\n`
    body += `if (typeof o === "object" && o !== null) {\n`
    for (let k = 0; k < group.slots.length; k++) {
      const slot = int(group.slots[k]!)
      const bad = `p = ${note$}(p, ${slot}, x)`
      body += `x = o[${s.ref(group.keys[k]!)}];\nif (x !== undefined && x !== null) `
      switch (group.codes[k]) {
        case 0:
          body += `{ if (typeof x === "bigint") out[${slot}] = ${norm$}(x); else ${bad} }\n`
          break
        case 1:
          body += `{ if (typeof x === "number") out[${slot}] = x; else ${bad} }\n`
          break
        case 2:
          body += `{ if (typeof x === "string") out[${slot}] = x; else ${bad} }\n`
          break
        case 3:
          body += `{ if (typeof x === "boolean") out[${slot}] = x; else ${bad} }\n`
          break
        default:
          body += `{ if (x instanceof Set) out[${slot}] = x; else if (${list$}(x)) out[${slot}] = new Set(x); else ${bad} }\n`
      }
    }
    body += `}\n`
  }
  const init = `[${new Array(size).fill("undefined").join(", ")}]`
  const source = `"use strict";\n${s.header()}return function prepare(values) {\nconst out = ${init};\nlet o, x, p;\n${body}return { values: out, problems: p === undefined ? ${none$} : p };\n}`
  return new Function("$", source)(s.constants) as Prepare
}

/**
 * The hot path of a rule set: generated straight-line code (one function for all the rules, one
 * for the frame lookup: no dispatch per rule or per leaf, monomorphic property loads), or the
 * interpreted loops where code generation is not allowed (a Content-Security-Policy without
 * `unsafe-eval`, some edge runtimes). Both give the same results; the tests check it.
 */
export const program = (
  rules: ReadonlyArray<RuleCode>,
  groups: ReadonlyArray<Group>,
  size: number,
  note: Note
): Program => {
  try {
    return { run: generateRun(rules), prepare: generatePrepare(groups, size, note), generated: true }
  } catch {
    return interpreted(rules, groups, size, note)
  }
}

/** The interpreted hot path (no code generation). */
export const interpreted = (
  rules: ReadonlyArray<RuleCode>,
  groups: ReadonlyArray<Group>,
  size: number,
  note: Note
): Program => ({ run: interpretRun(rules), prepare: interpretPrepare(groups, size, note), generated: false })
