import type { ASTNode } from "@marcbachmann/cel-js"
import { RE2JS } from "re2js"
import type { AttributeType, Catalog } from "../Attributes.ts"
import {
  big,
  type C,
  checkInt,
  constant,
  Err,
  type Fn,
  INT_MAX,
  INT_MIN,
  type Int,
  type Leaf,
  leafOf,
  lift1,
  lift2,
  norm,
  type T,
  Unsupported
} from "./compiled.ts"
import { arithmetic, comparison, equality, junction, membership, size, toDouble, toInt } from "./operators.ts"

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

const pathOf = (n: ASTNode): string | undefined => {
  if (n.op === "id") return n.args
  if (n.op === ".") {
    const base = pathOf(n.args[0])
    return base === undefined ? undefined : `${base}.${n.args[1]}`
  }
  return undefined
}

/** The operands of a chain of the same junction: a && (b && c) → [a, b, c]. */
const operands = (n: ASTNode, op: "&&" | "||"): Array<ASTNode> =>
  n.op === op ? [...operands(n.args[0], op), ...operands(n.args[1], op)] : [n]

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
