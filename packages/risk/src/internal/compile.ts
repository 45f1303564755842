import type { ASTNode } from "@marcbachmann/cel-js"
import { RE2JS } from "re2js"
import type { AttributeType, Catalog } from "../Attributes.ts"

/** The values of the attributes a rule set reads, by slot. */
export type Frame = ReadonlyArray<unknown>

/**
 * A compiled expression: returns its value, or an `Err` when it cannot be evaluated. Errors are
 * values, not exceptions: no try/catch on the hot path, and `&&` / `||` absorb them as CEL does.
 */
export type Fn = (v: Frame) => unknown

/** An evaluation error: a missing or mistyped attribute (`slot ≥ 0`) or a run-time failure. */
export class Err {
  constructor(
    readonly reason: string,
    readonly slot: number = -1
  ) {}
}

/** A construct the compiler does not support; carries the source offset. */
export class Unsupported {
  constructor(
    readonly construct: string,
    readonly position: number
  ) {}
}

type T = "int" | "double" | "string" | "bool" | "list" | "null"

/**
 * A `matches()` pattern compiled with RE2 semantics, as CEL specifies: matching takes time
 * linear in the input whatever the pattern (JavaScript's backtracking `RegExp` took a second for
 * a 26-character e-mail against a plausible rule, four times more per two more characters), and
 * what RE2 refuses (back-references, look-around) is refused when the rule is defined. Returns
 * why the pattern is refused, as RE2 words it.
 */
const re2 = (pattern: string): RE2JS | string => {
  try {
    return RE2JS.compile(pattern)
  } catch (e) {
    return e instanceof Error ? e.message : String(e)
  }
}

interface C {
  readonly t: T
  readonly f: Fn
  /** Present when the expression is a constant. */
  readonly k?: { readonly value: unknown }
  /** The frame slot and its missing-value error when the node reads one attribute. */
  readonly slot?: number
  readonly miss?: Err
  /** The same expression as a leaf descriptor, when it is one (see {@link evalLeaf}). */
  readonly leaf?: Leaf
  /** The same expression as a junction of leaves, when it is one. */
  readonly junction?: { readonly stop: boolean; readonly leaves: ReadonlyArray<Leaf> }
}

/**
 * A simple test on one or two attributes, as data. Junctions (`&&`, `||`) of leaves evaluate
 * them with {@link evalLeaf}, one top-level function the JIT inlines, instead of calling one
 * closure per operand.
 *
 * kinds: 0 `<` k, 1 `<=` k, 2 `>` k, 3 `>=` k, 4 `==` k, 5 `!=` k, 6 in a constant set,
 * 7 `==` attribute, 8 `!=` attribute, 9 in a list attribute, 10 has(), 11 a bool attribute,
 * 12 any other expression (`fn`).
 */
export interface Leaf {
  readonly kind: number
  readonly slot: number
  readonly slot2: number
  readonly k: unknown
  readonly miss: unknown
  readonly miss2: unknown
  readonly fn: Fn | undefined
}

const leafOf = (
  kind: number,
  slot: number,
  k: unknown,
  miss: unknown,
  slot2 = -1,
  miss2: unknown = undefined
): Leaf => ({
  kind,
  slot,
  slot2,
  k,
  miss,
  miss2,
  fn: undefined
})

const callLeaf = (fn: Fn): Leaf => ({
  kind: 12,
  slot: -1,
  slot2: -1,
  k: undefined,
  miss: undefined,
  miss2: undefined,
  fn
})

export const evalLeaf = (v: Frame, l: Leaf): unknown => {
  const kind = l.kind
  if (kind === 12) return l.fn!(v)
  const x = v[l.slot]
  if (kind === 10) return x !== undefined
  if (x === undefined) return l.miss
  switch (kind) {
    case 0:
      return (x as number) < (l.k as number)
    case 1:
      return (x as number) <= (l.k as number)
    case 2:
      return (x as number) > (l.k as number)
    case 3:
      return (x as number) >= (l.k as number)
    case 4:
      return x === l.k
    case 5:
      return x !== l.k
    case 6:
      return (l.k as ReadonlySet<unknown>).has(x)
    case 11:
      return x
  }
  const y = v[l.slot2]
  if (y === undefined) return l.miss2
  switch (kind) {
    case 7:
      return x === y
    case 8:
      return x !== y
    default:
      return (y as ReadonlySet<unknown>).has(x)
  }
}

const INT_MAX = 2n ** 63n - 1n
const INT_MIN = -(2n ** 63n)
const OVERFLOW = new Err("integer overflow")
const DIV_ZERO = new Err("division by zero")
const MOD_ZERO = new Err("modulus by zero")

/**
 * CEL ints in a frame: a `number` when within ±(2^53 − 1), where it is exact and fast, else a
 * `bigint`. Every int goes through this one normalisation, so equal ints are `===`, and
 * JavaScript's mixed number/bigint ordering is exact.
 */
export const norm = (n: bigint): number | bigint => {
  const d = Number(n)
  return Number.isSafeInteger(d) ? d : n
}

type Int = number | bigint

const big = (x: Int): bigint => (typeof x === "bigint" ? x : BigInt(x))

const checkInt = (n: bigint): Int | Err => (n > INT_MAX || n < INT_MIN ? OVERFLOW : norm(n))

const typeOf = (t: AttributeType): T => (t === "list<string>" ? "list" : t)

/** The slot table shared by the rules of one rule set. */
export interface Slots {
  readonly slotOf: (path: string) => number
}

/**
 * The internalized copy of a string: literals come out of the parser as slices of the source;
 * comparing against an internalized string is a pointer comparison when the other side is one
 * too (property values from object literals and JSON usually are).
 */
const intern = (s: string): string => Object.keys({ [s]: 0 })[0]!

const constant = (t: T, value: unknown): C => ({ t, f: () => value, k: { value } })

/** Compiles a type-checked condition into a closure over a frame. */
export const compile = (catalog: Catalog, slots: Slots, ast: ASTNode): Fn => node(catalog, slots, ast).f

/**
 * A compiled rule condition for the decision loop: a single leaf or a junction of leaves is run
 * by the loop itself ({@link evalLeaf}, {@link evalJunction}: no closure call), anything else
 * through its closure.
 */
export interface Compiled {
  readonly fn: Fn
  readonly leaf: Leaf | undefined
  readonly junction: { readonly stop: boolean; readonly leaves: ReadonlyArray<Leaf> } | undefined
}

export const compileRule = (catalog: Catalog, slots: Slots, ast: ASTNode): Compiled => {
  const c = node(catalog, slots, ast)
  return { fn: c.f, leaf: c.leaf, junction: c.junction }
}

/** `&&` (stop on false) or `||` (stop on true) over leaves, absorbing errors as CEL does. */
export const evalJunction = (v: Frame, leaves: ReadonlyArray<Leaf>, stop: boolean): unknown => {
  let err: unknown
  for (let i = 0; i < leaves.length; i++) {
    const x = evalLeaf(v, leaves[i]!)
    if (x === stop) return stop
    if (x !== !stop && err === undefined) err = x
  }
  return err === undefined ? !stop : err
}

const pathOf = (n: ASTNode): string | undefined => {
  if (n.op === "id") return n.args
  if (n.op === ".") {
    const base = pathOf(n.args[0])
    return base === undefined ? undefined : `${base}.${n.args[1]}`
  }
  return undefined
}

/** Lifts a unary operation over a value that may be an `Err`. */
const lift1 = (t: T, af: Fn, op: (x: never) => unknown): C => ({
  t,
  f: (v) => {
    const x = af(v)
    return x instanceof Err ? x : op(x as never)
  }
})

/** Lifts a binary operation over values that may be `Err`s (left error first). */
const lift2 = (t: T, af: Fn, bf: Fn, op: (x: never, y: never) => unknown): C => ({
  t,
  f: (v) => {
    const x = af(v)
    if (x instanceof Err) return x
    const y = bf(v)
    return y instanceof Err ? y : op(x as never, y as never)
  }
})

const node = (catalog: Catalog, slots: Slots, n: ASTNode): C => {
  const unsupported = (construct: string): never => {
    throw new Unsupported(construct, n.start)
  }
  const sub = (m: ASTNode) => node(catalog, slots, m)
  switch (n.op) {
    case "value": {
      const v = n.args
      if (typeof v === "bigint") {
        // CEL ints are 64-bit: a literal beyond them is refused, not read as another number
        // (2^63 only as the operand of a minus: -9223372036854775808 is the least int)
        if (v > INT_MAX || v < INT_MIN) return unsupported(`the int literal ${v} (ints are 64-bit)`)
        return constant("int", norm(v))
      }
      if (typeof v === "number") return constant("double", v)
      if (typeof v === "string") return constant("string", intern(v))
      if (typeof v === "boolean") return constant("bool", v)
      if (v === null) return constant("null", null)
      if (typeof v === "object" && v !== null && "value" in v && typeof v.value === "bigint")
        return constant("int", norm(v.value))
      return unsupported("a bytes literal")
    }
    case "id":
      return unsupported(`the whole namespace "${n.args}"`)
    case ".": {
      const path = pathOf(n)
      const attribute = path === undefined ? undefined : catalog.attributes.get(path)
      if (path === undefined || attribute === undefined) return unsupported(`the namespace "${path ?? "?"}"`)
      const slot = slots.slotOf(path)
      const miss = new Err("missing", slot)
      const f: Fn = (v) => {
        const x = v[slot]
        return x === undefined ? miss : x
      }
      const t = typeOf(attribute.type)
      return t === "bool"
        ? { t, f, slot, miss, leaf: leafOf(11, slot, undefined, miss) }
        : { t, f, slot, miss }
    }
    case "call": {
      const [name, args] = n.args
      if (name === "has" && args.length === 1) {
        const path = pathOf(args[0]!)
        if (path === undefined || !catalog.attributes.has(path))
          return unsupported("has() on this expression")
        const slot = slots.slotOf(path)
        return { t: "bool", f: (v) => v[slot] !== undefined, leaf: leafOf(10, slot, undefined, undefined) }
      }
      if (name === "size" && args.length === 1) return size(sub(args[0]!), unsupported)
      if (name === "int" && args.length === 1) return toInt(sub(args[0]!), unsupported)
      if (name === "double" && args.length === 1) return toDouble(sub(args[0]!), unsupported)
      return unsupported(`the function ${name}()`)
    }
    case "rcall": {
      const [name, target, args] = n.args
      const x = sub(target)
      if (name === "size" && args.length === 0) return size(x, unsupported)
      if (x.t === "string" && args.length === 1) {
        const a = sub(args[0]!)
        if (a.t !== "string") return unsupported(`${name}() with a ${a.t} argument`)
        switch (name) {
          case "startsWith":
            return lift2("bool", x.f, a.f, (s: string, p: string) => s.startsWith(p))
          case "endsWith":
            return lift2("bool", x.f, a.f, (s: string, p: string) => s.endsWith(p))
          case "contains":
            return lift2("bool", x.f, a.f, (s: string, p: string) => s.includes(p))
          case "matches": {
            if (a.k === undefined) return unsupported("matches() with a pattern that is not a literal")
            const re = re2(a.k.value as string)
            if (typeof re === "string")
              return unsupported(`the regular expression ${JSON.stringify(a.k.value)} (${re})`)
            return lift1("bool", x.f, (s: string) => re.test(s))
          }
        }
      }
      return unsupported(`the method ${name}()`)
    }
    case "list": {
      const items = n.args.map(sub)
      if (items.every((i) => i.k !== undefined)) {
        const values = items.map((i) => i.k!.value)
        return { t: "list", f: () => values, k: { value: values } }
      }
      const fs = items.map((i) => i.f)
      return {
        t: "list",
        f: (v) => {
          const out = new Array<unknown>(fs.length)
          for (let i = 0; i < fs.length; i++) {
            const x = fs[i]!(v)
            if (x instanceof Err) return x
            out[i] = x
          }
          return out
        }
      }
    }
    case "map":
      return unsupported("a map literal")
    case "[]":
    case "[?]":
    case ".?":
      return unsupported("indexing")
    case "?:": {
      const [c, a, b] = n.args.map(sub) as [C, C, C]
      const cf = c.f
      const af = a.f
      const bf = b.f
      return {
        t: a.t === "null" ? b.t : a.t,
        f: (v) => {
          const x = cf(v)
          return x === true ? af(v) : x === false ? bf(v) : x
        }
      }
    }
    case "&&":
    case "||":
      return junction(n.op, operands(n, n.op).map(sub))
    case "!_": {
      const a = sub(n.args).f
      return {
        t: "bool",
        f: (v) => {
          const x = a(v)
          return x === true ? false : x === false ? true : x
        }
      }
    }
    case "-_": {
      const operand = n.args as ASTNode
      if (operand.op === "value" && operand.args === -INT_MIN) return constant("int", norm(INT_MIN))
      const a = sub(operand)
      if (a.k !== undefined && a.t === "int") {
        const r = checkInt(-big(a.k.value as Int))
        return r instanceof Err ? lift1("int", a.f, (x: Int) => checkInt(-big(x))) : constant("int", r)
      }
      if (a.k !== undefined && a.t === "double") return constant("double", -(a.k.value as number))
      if (a.t === "int") return lift1("int", a.f, (x: Int) => checkInt(-big(x)))
      if (a.t === "double") return lift1("double", a.f, (x: number) => -x)
      return unsupported(`negation of a ${a.t}`)
    }
    case "in":
      return membership(sub(n.args[0]), sub(n.args[1]), unsupported)
    case "==":
    case "!=":
      return equality(sub(n.args[0]), sub(n.args[1]), n.op === "!=", unsupported)
    case "<":
    case "<=":
    case ">":
    case ">=":
      return comparison(n.op, sub(n.args[0]), sub(n.args[1]), unsupported)
    case "+":
    case "-":
    case "*":
    case "/":
    case "%":
      return arithmetic(n.op, sub(n.args[0]), sub(n.args[1]), unsupported)
  }
  return unsupported(`the operator ${(n as { op: string }).op}`)
}

const size = (x: C, unsupported: (c: string) => never): C => {
  if (x.t === "string") return lift1("int", x.f, (s: string) => [...s].length)
  if (x.t === "list")
    return lift1("int", x.f, (l: ReadonlySet<unknown> | ReadonlyArray<unknown>) =>
      l instanceof Set ? l.size : (l as ReadonlyArray<unknown>).length
    )
  return unsupported(`size() of a ${x.t}`)
}

const toInt = (x: C, unsupported: (c: string) => never): C => {
  if (x.t === "int") return x
  if (x.t === "double")
    return lift1("int", x.f, (d: number) =>
      !Number.isFinite(d) || d >= 9.223372036854776e18 || d <= -9.223372036854776e18
        ? new Err(`int(${d}) is out of range`)
        : checkInt(BigInt(Math.trunc(d)))
    )
  if (x.t === "string")
    return lift1("int", x.f, (s: string) =>
      /^-?\d+$/.test(s) ? checkInt(BigInt(s)) : new Err(`int(${JSON.stringify(s)}): not an integer`)
    )
  return unsupported(`int() of a ${x.t}`)
}

const toDouble = (x: C, unsupported: (c: string) => never): C => {
  if (x.t === "double") return x
  if (x.t === "int") return lift1("double", x.f, (i: Int) => Number(i))
  if (x.t === "string")
    return lift1("double", x.f, (s: string) => {
      const d = Number(s)
      return Number.isNaN(d) && s.trim() !== "NaN" ? new Err(`double(${JSON.stringify(s)}): not a number`) : d
    })
  return unsupported(`double() of a ${x.t}`)
}

const membership = (x: C, list: C, unsupported: (c: string) => never): C => {
  if (list.t !== "list") return unsupported(`"in" over a ${list.t}`)
  const xs = x.slot
  const xmiss = x.miss
  if (list.k !== undefined) {
    const values = list.k.value as ReadonlyArray<unknown>
    if (
      numeric(x.t) &&
      values.some((v) => typeof v === "number") &&
      (x.t === "double" || values.some((v) => typeof v !== "number" || !Number.isInteger(v)))
    ) {
      // int and double literals in one list: compare numerically
      const nums = new Set(values.map((v) => Number(v)))
      return lift1("bool", x.f, (n: number | bigint) => nums.has(Number(n)))
    }
    const set = new Set(values)
    if (xs !== undefined && xmiss !== undefined) {
      return {
        t: "bool",
        f: (v) => {
          const needle = v[xs]
          return needle === undefined ? xmiss : set.has(needle)
        },
        leaf: leafOf(6, xs, set, xmiss)
      }
    }
    return lift1("bool", x.f, (needle: unknown) => set.has(needle))
  }
  const ls = list.slot
  const lmiss = list.miss
  if (xs !== undefined && xmiss !== undefined && ls !== undefined && lmiss !== undefined) {
    // list attributes are always sets in a frame
    return {
      t: "bool",
      f: (v) => {
        const needle = v[xs]
        if (needle === undefined) return xmiss
        const l = v[ls]
        return l === undefined ? lmiss : (l as ReadonlySet<unknown>).has(needle)
      },
      leaf: leafOf(9, xs, undefined, xmiss, ls, lmiss)
    }
  }
  return lift2("bool", x.f, list.f, (needle: unknown, l: ReadonlySet<unknown> | ReadonlyArray<unknown>) =>
    l instanceof Set ? l.has(needle) : (l as ReadonlyArray<unknown>).includes(needle)
  )
}

const numeric = (t: T): boolean => t === "int" || t === "double"

const equality = (a: C, b: C, negate: boolean, unsupported: (c: string) => never): C => {
  if (a.t === "list" || b.t === "list") return unsupported("comparing lists with ==")
  if (a.t !== b.t && numeric(a.t) && numeric(b.t)) {
    return lift2(
      "bool",
      a.f,
      b.f,
      (x: number | bigint, y: number | bigint) => (Number(x) === Number(y)) !== negate
    )
  }
  if (negate) return notEqual(a, b)
  const as = a.slot
  const amiss = a.miss
  const bs = b.slot
  const bmiss = b.miss
  if (b.k !== undefined) {
    const k = b.k.value
    if (as !== undefined && amiss !== undefined)
      return {
        t: "bool",
        f: (v) => {
          const x = v[as]
          return x === undefined ? amiss : x === k
        },
        leaf: leafOf(4, as, k, amiss)
      }
    return lift1("bool", a.f, (x: unknown) => x === k)
  }
  if (as !== undefined && amiss !== undefined && bs !== undefined && bmiss !== undefined)
    return {
      t: "bool",
      f: (v) => {
        const x = v[as]
        if (x === undefined) return amiss
        const y = v[bs]
        return y === undefined ? bmiss : x === y
      },
      leaf: leafOf(7, as, undefined, amiss, bs, bmiss)
    }
  return lift2("bool", a.f, b.f, (x: unknown, y: unknown) => x === y)
}

const notEqual = (a: C, b: C): C => {
  const as = a.slot
  const amiss = a.miss
  const bs = b.slot
  const bmiss = b.miss
  if (b.k !== undefined) {
    const k = b.k.value
    if (as !== undefined && amiss !== undefined)
      return {
        t: "bool",
        f: (v) => {
          const x = v[as]
          return x === undefined ? amiss : x !== k
        },
        leaf: leafOf(5, as, k, amiss)
      }
    return lift1("bool", a.f, (x: unknown) => x !== k)
  }
  if (as !== undefined && amiss !== undefined && bs !== undefined && bmiss !== undefined)
    return {
      t: "bool",
      f: (v) => {
        const x = v[as]
        if (x === undefined) return amiss
        const y = v[bs]
        return y === undefined ? bmiss : x !== y
      },
      leaf: leafOf(8, as, undefined, amiss, bs, bmiss)
    }
  return lift2("bool", a.f, b.f, (x: unknown, y: unknown) => x !== y)
}

/** The operands of a chain of the same junction: a && (b && c) → [a, b, c]. */
const operands = (n: ASTNode, op: "&&" | "||"): Array<ASTNode> =>
  n.op === op ? [...operands(n.args[0], op), ...operands(n.args[1], op)] : [n]

/**
 * An n-ary `&&` / `||` with CEL's commutative error absorption: for `&&`, any false operand
 * makes it false even if another errors; otherwise the first error; otherwise true (`||` dually).
 */
const junction = (op: "&&" | "||", cs: ReadonlyArray<C>): C => {
  const stop = op === "||"
  if (cs.some((c) => c.leaf !== undefined)) {
    const leaves = cs.map((c) => c.leaf ?? callLeaf(c.f))
    const n = leaves.length
    const junction = { stop, leaves }
    if (n === 2) {
      const a = leaves[0]!
      const b = leaves[1]!
      return {
        t: "bool",
        junction,
        f: (v) => {
          const l = evalLeaf(v, a)
          if (l === stop) return stop
          const r = evalLeaf(v, b)
          if (r === stop) return stop
          return l === !stop ? r : l
        }
      }
    }
    return {
      t: "bool",
      junction,
      f: (v) => {
        let err: unknown
        for (let i = 0; i < n; i++) {
          const x = evalLeaf(v, leaves[i]!)
          if (x === stop) return stop
          if (x !== !stop && err === undefined) err = x
        }
        return err === undefined ? !stop : err
      }
    }
  }
  const fs = cs.map((c) => c.f)
  if (fs.length === 2) {
    const a = fs[0]!
    const b = fs[1]!
    return {
      t: "bool",
      f: (v) => {
        const l = a(v)
        if (l === stop) return stop
        const r = b(v)
        if (r === stop) return stop
        return l === !stop ? r : l
      }
    }
  }
  return {
    t: "bool",
    f: (v) => {
      let err: unknown
      for (let i = 0; i < fs.length; i++) {
        const x = fs[i]!(v)
        if (x === stop) return stop
        if (x !== !stop && err === undefined) err = x
      }
      return err === undefined ? !stop : err
    }
  }
}

type Cmp = "<" | "<=" | ">" | ">="

/** int `op` double literal, exactly: x > 1.5 ⇔ x > 1; x >= 1.5 ⇔ x >= 2. */
const intAgainstDouble = (op: Cmp, d: number): { op: Cmp; bound: Int } | "always" | "never" => {
  if (Number.isNaN(d)) return "never"
  if (!Number.isFinite(d)) return d > 0 === (op === "<" || op === "<=") ? "always" : "never"
  switch (op) {
    case ">":
      return { op: ">", bound: norm(BigInt(Math.floor(d))) }
    case ">=":
      return { op: ">=", bound: norm(BigInt(Math.ceil(d))) }
    case "<":
      return { op: "<", bound: norm(BigInt(Math.ceil(d))) }
    case "<=":
      return { op: "<=", bound: norm(BigInt(Math.floor(d))) }
  }
}

const comparison = (op: Cmp, a: C, b: C, unsupported: (c: string) => never): C => {
  if (
    !(a.t === b.t && (a.t === "int" || a.t === "double" || a.t === "string")) &&
    !(numeric(a.t) && numeric(b.t))
  )
    return unsupported(`ordering a ${a.t} against a ${b.t}`)
  if (a.t === "int" && b.t === "double" && b.k !== undefined) {
    const r = intAgainstDouble(op, b.k.value as number)
    if (r === "always" || r === "never") {
      const value = r === "always"
      return lift1("bool", a.f, () => value)
    }
    return comparison(r.op, a, constant("int", r.bound), unsupported)
  }
  if (a.t !== b.t) {
    // int against a double expression: compare as doubles
    const fa = a.f
    const fb = b.f
    return comparison(
      op,
      { t: "double", f: (v) => (fa(v) instanceof Err ? fa(v) : Number(fa(v))) },
      { t: "double", f: (v) => (fb(v) instanceof Err ? fb(v) : Number(fb(v))) },
      unsupported
    )
  }
  const as = a.slot
  const amiss = a.miss
  if (b.k !== undefined && as !== undefined && amiss !== undefined) {
    const k = b.k.value as number
    switch (op) {
      case "<":
        return {
          t: "bool",
          f: (v) => {
            const x = v[as]
            return x === undefined ? amiss : (x as number) < k
          },
          leaf: leafOf(0, as, k, amiss)
        }
      case "<=":
        return {
          t: "bool",
          f: (v) => {
            const x = v[as]
            return x === undefined ? amiss : (x as number) <= k
          },
          leaf: leafOf(1, as, k, amiss)
        }
      case ">":
        return {
          t: "bool",
          f: (v) => {
            const x = v[as]
            return x === undefined ? amiss : (x as number) > k
          },
          leaf: leafOf(2, as, k, amiss)
        }
      case ">=":
        return {
          t: "bool",
          f: (v) => {
            const x = v[as]
            return x === undefined ? amiss : (x as number) >= k
          },
          leaf: leafOf(3, as, k, amiss)
        }
    }
  }
  switch (op) {
    case "<":
      return lift2("bool", a.f, b.f, (x: number, y: number) => x < y)
    case "<=":
      return lift2("bool", a.f, b.f, (x: number, y: number) => x <= y)
    case ">":
      return lift2("bool", a.f, b.f, (x: number, y: number) => x > y)
    case ">=":
      return lift2("bool", a.f, b.f, (x: number, y: number) => x >= y)
  }
}

const arithmetic = (op: "+" | "-" | "*" | "/" | "%", a: C, b: C, unsupported: (c: string) => never): C => {
  if (a.t === "int" && b.t === "int") {
    let r: C
    switch (op) {
      case "+":
        r = lift2("int", a.f, b.f, (x: Int, y: Int) => {
          if (typeof x === "number" && typeof y === "number") {
            const n = x + y
            if (Number.isSafeInteger(n)) return n
          }
          return checkInt(big(x) + big(y))
        })
        break
      case "-":
        r = lift2("int", a.f, b.f, (x: Int, y: Int) => {
          if (typeof x === "number" && typeof y === "number") {
            const n = x - y
            if (Number.isSafeInteger(n)) return n
          }
          return checkInt(big(x) - big(y))
        })
        break
      case "*":
        r = lift2("int", a.f, b.f, (x: Int, y: Int) => {
          if (typeof x === "number" && typeof y === "number") {
            const n = x * y
            if (Number.isSafeInteger(n)) return n
          }
          return checkInt(big(x) * big(y))
        })
        break
      case "/":
        r = lift2("int", a.f, b.f, (x: Int, y: Int) =>
          y === 0 || y === 0n ? DIV_ZERO : checkInt(big(x) / big(y))
        )
        break
      case "%":
        r = lift2("int", a.f, b.f, (x: Int, y: Int) =>
          y === 0 || y === 0n
            ? MOD_ZERO
            : typeof x === "number" && typeof y === "number"
              ? x % y
              : norm(big(x) % big(y))
        )
        break
    }
    if (a.k !== undefined && b.k !== undefined) {
      const value = r.f([])
      return value instanceof Err ? r : constant("int", value)
    }
    return r
  }
  if (a.t === "double" && b.t === "double" && op !== "%") {
    switch (op) {
      case "+":
        return lift2("double", a.f, b.f, (x: number, y: number) => x + y)
      case "-":
        return lift2("double", a.f, b.f, (x: number, y: number) => x - y)
      case "*":
        return lift2("double", a.f, b.f, (x: number, y: number) => x * y)
      case "/":
        return lift2("double", a.f, b.f, (x: number, y: number) => x / y)
    }
  }
  if (a.t === "string" && b.t === "string" && op === "+")
    return lift2("string", a.f, b.f, (x: string, y: string) => x + y)
  return unsupported(`${a.t} ${op} ${b.t}`)
}
