import type { ASTNode } from "@marcbachmann/cel-js"
import type { AttributeType, Catalog } from "../Attributes.ts"

/** The values of the attributes a rule set reads, by slot. */
export type Frame = ReadonlyArray<unknown>

/** A compiled expression. */
export type Fn = (v: Frame) => unknown

/** Thrown by a compiled expression when an attribute it reads is missing or mistyped. */
export class Missing {
  constructor(readonly slot: number) {}
}

/** Thrown by a compiled expression on a run-time error (overflow, division by zero...). */
export class Failure {
  constructor(readonly reason: string) {}
}

/** A construct the compiler does not support; carries the source offset. */
export class Unsupported {
  constructor(
    readonly construct: string,
    readonly position: number
  ) {}
}

type T = "int" | "double" | "string" | "bool" | "list" | "null"

interface C {
  readonly t: T
  readonly f: Fn
  /** Present when the expression is a constant. */
  readonly k?: { readonly value: unknown }
  /** The attribute path when the node reads one attribute. */
  readonly path?: string
}

const INT_MAX = 2n ** 63n - 1n
const INT_MIN = -(2n ** 63n)

const checkInt = (n: bigint): bigint => {
  if (n > INT_MAX || n < INT_MIN) throw new Failure("integer overflow")
  return n
}

const typeOf = (t: AttributeType): T => (t === "list<string>" ? "list" : t)

/** The slot table shared by the rules of one rule set. */
export interface Slots {
  readonly slotOf: (path: string) => number
}

const constant = (t: T, value: unknown): C => ({ t, f: () => value, k: { value } })

/** Compiles a type-checked condition into a closure over a frame. */
export const compile = (catalog: Catalog, slots: Slots, ast: ASTNode): Fn => node(catalog, slots, ast).f

const pathOf = (n: ASTNode): string | undefined => {
  if (n.op === "id") return n.args
  if (n.op === ".") {
    const base = pathOf(n.args[0])
    return base === undefined ? undefined : `${base}.${n.args[1]}`
  }
  return undefined
}

const node = (catalog: Catalog, slots: Slots, n: ASTNode): C => {
  const unsupported = (construct: string): never => {
    throw new Unsupported(construct, n.start)
  }
  const sub = (m: ASTNode) => node(catalog, slots, m)
  switch (n.op) {
    case "value": {
      const v = n.args
      if (typeof v === "bigint") return constant("int", v)
      if (typeof v === "number") return constant("double", v)
      if (typeof v === "string") return constant("string", v)
      if (typeof v === "boolean") return constant("bool", v)
      if (v === null) return constant("null", null)
      if (typeof v === "object" && v !== null && "value" in v && typeof v.value === "bigint")
        return constant("int", v.value)
      return unsupported("a bytes literal")
    }
    case "id":
      return unsupported(`the whole namespace "${n.args}"`)
    case ".": {
      const path = pathOf(n)
      const attribute = path === undefined ? undefined : catalog.attributes.get(path)
      if (path === undefined || attribute === undefined) return unsupported(`the namespace "${path ?? "?"}"`)
      const slot = slots.slotOf(path)
      const f: Fn = (v) => {
        const x = v[slot]
        if (x === undefined) throw new Missing(slot)
        return x
      }
      return { t: typeOf(attribute.type), f, path }
    }
    case "call": {
      const [name, args] = n.args
      if (name === "has" && args.length === 1) {
        const path = pathOf(args[0]!)
        if (path === undefined || !catalog.attributes.has(path)) return unsupported("has() on this expression")
        const slot = slots.slotOf(path)
        return { t: "bool", f: (v) => v[slot] !== undefined }
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
        const xf = x.f
        const af = a.f
        if (a.t !== "string") return unsupported(`${name}() with a ${a.t} argument`)
        switch (name) {
          case "startsWith":
            return { t: "bool", f: (v) => (xf(v) as string).startsWith(af(v) as string) }
          case "endsWith":
            return { t: "bool", f: (v) => (xf(v) as string).endsWith(af(v) as string) }
          case "contains":
            return { t: "bool", f: (v) => (xf(v) as string).includes(af(v) as string) }
          case "matches": {
            if (a.k === undefined) return unsupported("matches() with a pattern that is not a literal")
            let re: RegExp
            try {
              re = new RegExp(a.k.value as string, "u")
            } catch {
              return unsupported(`the regular expression ${JSON.stringify(a.k.value)}`)
            }
            return { t: "bool", f: (v) => re.test(xf(v) as string) }
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
      return { t: "list", f: (v) => fs.map((f) => f(v)) }
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
      return { t: a.t === "null" ? b.t : a.t, f: (v) => (cf(v) === true ? af(v) : bf(v)) }
    }
    case "&&": {
      const a = sub(n.args[0]).f
      const b = sub(n.args[1]).f
      // CEL: false wins over an error on either side (commutative)
      return {
        t: "bool",
        f: (v) => {
          let left: unknown
          try {
            left = a(v)
          } catch (e) {
            if (b(v) === false) return false
            throw e
          }
          return left === true ? b(v) : false
        }
      }
    }
    case "||": {
      const a = sub(n.args[0]).f
      const b = sub(n.args[1]).f
      // CEL: true wins over an error on either side (commutative)
      return {
        t: "bool",
        f: (v) => {
          let left: unknown
          try {
            left = a(v)
          } catch (e) {
            if (b(v) === true) return true
            throw e
          }
          return left === true ? true : b(v)
        }
      }
    }
    case "!_": {
      const a = sub(n.args).f
      return { t: "bool", f: (v) => a(v) !== true }
    }
    case "-_": {
      const a = sub(n.args)
      if (a.k !== undefined && (a.t === "int" || a.t === "double"))
        return constant(a.t, a.t === "int" ? checkInt(-(a.k.value as bigint)) : -(a.k.value as number))
      const af = a.f
      if (a.t === "int") return { t: "int", f: (v) => checkInt(-(af(v) as bigint)) }
      if (a.t === "double") return { t: "double", f: (v) => -(af(v) as number) }
      return unsupported(`negation of a ${a.t}`)
    }
    case "in":
      return membership(sub(n.args[0]), sub(n.args[1]), unsupported)
    case "==":
    case "!=": {
      const eq = equality(sub(n.args[0]), sub(n.args[1]), unsupported)
      if (n.op === "==") return eq
      const f = eq.f
      return { t: "bool", f: (v) => f(v) !== true }
    }
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
  const f = x.f
  if (x.t === "string") return { t: "int", f: (v) => BigInt([...(f(v) as string)].length) }
  if (x.t === "list")
    return {
      t: "int",
      f: (v) => {
        const l = f(v) as ReadonlySet<unknown> | ReadonlyArray<unknown>
        return BigInt(l instanceof Set ? l.size : (l as ReadonlyArray<unknown>).length)
      }
    }
  return unsupported(`size() of a ${x.t}`)
}

const toInt = (x: C, unsupported: (c: string) => never): C => {
  const f = x.f
  if (x.t === "int") return x
  if (x.t === "double")
    return {
      t: "int",
      f: (v) => {
        const d = f(v) as number
        if (!Number.isFinite(d) || d >= 9.223372036854776e18 || d <= -9.223372036854776e18)
          throw new Failure(`int(${d}) is out of range`)
        return BigInt(Math.trunc(d))
      }
    }
  if (x.t === "string")
    return {
      t: "int",
      f: (v) => {
        const s = f(v) as string
        if (!/^-?\d+$/.test(s)) throw new Failure(`int(${JSON.stringify(s)}): not an integer`)
        return checkInt(BigInt(s))
      }
    }
  return unsupported(`int() of a ${x.t}`)
}

const toDouble = (x: C, unsupported: (c: string) => never): C => {
  const f = x.f
  if (x.t === "double") return x
  if (x.t === "int") return { t: "double", f: (v) => Number(f(v) as bigint) }
  if (x.t === "string")
    return {
      t: "double",
      f: (v) => {
        const d = Number(f(v) as string)
        if (Number.isNaN(d)) throw new Failure(`double(${JSON.stringify(f(v))}): not a number`)
        return d
      }
    }
  return unsupported(`double() of a ${x.t}`)
}

const membership = (x: C, list: C, unsupported: (c: string) => never): C => {
  if (list.t !== "list") return unsupported(`"in" over a ${list.t}`)
  const xf = x.f
  if (list.k !== undefined) {
    const values = list.k.value as ReadonlyArray<unknown>
    // int and double literals in one list: compare numerically
    const set = new Set(values.map((v) => (typeof v === "bigint" && x.t === "double" ? Number(v) : v)))
    if (x.t === "int" && values.some((v) => typeof v === "number")) {
      return { t: "bool", f: (v) => set.has(xf(v)) || set.has(Number(xf(v) as bigint)) }
    }
    return { t: "bool", f: (v) => set.has(xf(v)) }
  }
  const lf = list.f
  return {
    t: "bool",
    f: (v) => {
      const needle = xf(v)
      const l = lf(v) as ReadonlySet<unknown> | ReadonlyArray<unknown>
      return l instanceof Set ? l.has(needle) : (l as ReadonlyArray<unknown>).includes(needle)
    }
  }
}

const numeric = (t: T): boolean => t === "int" || t === "double"

const equality = (a: C, b: C, unsupported: (c: string) => never): C => {
  const af = a.f
  const bf = b.f
  if (a.t === "list" || b.t === "list") return unsupported("comparing lists with ==")
  if (a.t !== b.t && numeric(a.t) && numeric(b.t)) {
    return { t: "bool", f: (v) => Number(af(v)) === Number(bf(v)) }
  }
  if (b.k !== undefined) {
    const k = b.k.value
    return { t: "bool", f: (v) => af(v) === k }
  }
  return { t: "bool", f: (v) => af(v) === bf(v) }
}

type Cmp = "<" | "<=" | ">" | ">="

/** int `op` double literal, exactly: x > 1.5 ⇔ x > 1; x >= 1.5 ⇔ x >= 2. */
const intAgainstDouble = (op: Cmp, d: number): { op: Cmp; bound: bigint } | "always" | "never" => {
  if (Number.isNaN(d)) return "never"
  if (!Number.isFinite(d)) return (d > 0) === (op === "<" || op === "<=") ? "always" : "never"
  switch (op) {
    case ">":
      return { op: ">", bound: BigInt(Math.floor(d)) }
    case ">=":
      return { op: ">=", bound: BigInt(Math.ceil(d)) }
    case "<":
      return { op: "<", bound: BigInt(Math.ceil(d)) }
    case "<=":
      return { op: "<=", bound: BigInt(Math.floor(d)) }
  }
}

const comparison = (op: Cmp, a: C, b: C, unsupported: (c: string) => never): C => {
  if (!(a.t === b.t && (a.t === "int" || a.t === "double" || a.t === "string")) && !(numeric(a.t) && numeric(b.t)))
    return unsupported(`ordering a ${a.t} against a ${b.t}`)
  let af = a.f
  let bf = b.f
  if (a.t === "int" && b.t === "double" && b.k !== undefined) {
    const r = intAgainstDouble(op, b.k.value as number)
    if (r === "always" || r === "never") {
      const value = r === "always"
      return { t: "bool", f: (v) => (af(v), value) }
    }
    return comparison(r.op, a, constant("int", r.bound), unsupported)
  }
  if (a.t !== b.t) {
    const fa = af
    const fb = bf
    af = (v) => Number(fa(v))
    bf = (v) => Number(fb(v))
  }
  if (b.k !== undefined && a.t === b.t) {
    const k = b.k.value as number
    switch (op) {
      case "<":
        return { t: "bool", f: (v) => (af(v) as number) < k }
      case "<=":
        return { t: "bool", f: (v) => (af(v) as number) <= k }
      case ">":
        return { t: "bool", f: (v) => (af(v) as number) > k }
      case ">=":
        return { t: "bool", f: (v) => (af(v) as number) >= k }
    }
  }
  switch (op) {
    case "<":
      return { t: "bool", f: (v) => (af(v) as number) < (bf(v) as number) }
    case "<=":
      return { t: "bool", f: (v) => (af(v) as number) <= (bf(v) as number) }
    case ">":
      return { t: "bool", f: (v) => (af(v) as number) > (bf(v) as number) }
    case ">=":
      return { t: "bool", f: (v) => (af(v) as number) >= (bf(v) as number) }
  }
}

const arithmetic = (op: "+" | "-" | "*" | "/" | "%", a: C, b: C, unsupported: (c: string) => never): C => {
  const af = a.f
  const bf = b.f
  if (a.t === "int" && b.t === "int") {
    let r: C
    switch (op) {
      case "+":
        r = { t: "int", f: (v) => checkInt((af(v) as bigint) + (bf(v) as bigint)) }
        break
      case "-":
        r = { t: "int", f: (v) => checkInt((af(v) as bigint) - (bf(v) as bigint)) }
        break
      case "*":
        r = { t: "int", f: (v) => checkInt((af(v) as bigint) * (bf(v) as bigint)) }
        break
      case "/":
        r = {
          t: "int",
          f: (v) => {
            const d = bf(v) as bigint
            if (d === 0n) throw new Failure("division by zero")
            return checkInt((af(v) as bigint) / d)
          }
        }
        break
      case "%":
        r = {
          t: "int",
          f: (v) => {
            const d = bf(v) as bigint
            if (d === 0n) throw new Failure("modulus by zero")
            return (af(v) as bigint) % d
          }
        }
        break
    }
    if (a.k !== undefined && b.k !== undefined) {
      try {
        return constant("int", r.f([]))
      } catch {
        return r
      }
    }
    return r
  }
  if (a.t === "double" && b.t === "double" && op !== "%") {
    switch (op) {
      case "+":
        return { t: "double", f: (v) => (af(v) as number) + (bf(v) as number) }
      case "-":
        return { t: "double", f: (v) => (af(v) as number) - (bf(v) as number) }
      case "*":
        return { t: "double", f: (v) => (af(v) as number) * (bf(v) as number) }
      case "/":
        return { t: "double", f: (v) => (af(v) as number) / (bf(v) as number) }
    }
  }
  if (a.t === "string" && b.t === "string" && op === "+")
    return { t: "string", f: (v) => (af(v) as string) + (bf(v) as string) }
  return unsupported(`${a.t} ${op} ${b.t}`)
}
