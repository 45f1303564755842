import {
  big,
  type C,
  callLeaf,
  checkInt,
  constant,
  DIV_ZERO,
  Err,
  evalLeaf,
  type Int,
  leafOf,
  lift1,
  lift2,
  MOD_ZERO,
  norm,
  type T
} from "./compiled.ts"

/**
 * The operators of the rule language over compiled operands: `size`, `int`, `double`, `in`,
 * `==` / `!=`, `&&` / `||`, comparisons and checked int arithmetic. Each picks the fastest form
 * its operands allow (a leaf over a slot and a constant, two slots, else a lifted closure).
 */

export const size = (x: C, unsupported: (c: string) => never): C => {
  if (x.t === "string") return lift1("int", x.f, (s: string) => [...s].length)
  if (x.t === "list")
    return lift1("int", x.f, (l: ReadonlySet<unknown> | ReadonlyArray<unknown>) =>
      l instanceof Set ? l.size : (l as ReadonlyArray<unknown>).length
    )
  return unsupported(`size() of a ${x.t}`)
}

export const toInt = (x: C, unsupported: (c: string) => never): C => {
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

export const toDouble = (x: C, unsupported: (c: string) => never): C => {
  if (x.t === "double") return x
  if (x.t === "int") return lift1("double", x.f, (i: Int) => Number(i))
  if (x.t === "string")
    return lift1("double", x.f, (s: string) => {
      const d = Number(s)
      return Number.isNaN(d) && s.trim() !== "NaN" ? new Err(`double(${JSON.stringify(s)}): not a number`) : d
    })
  return unsupported(`double() of a ${x.t}`)
}

export const membership = (x: C, list: C, unsupported: (c: string) => never): C => {
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

export const equality = (a: C, b: C, negate: boolean, unsupported: (c: string) => never): C => {
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

/**
 * An n-ary `&&` / `||` with CEL's commutative error absorption: for `&&`, any false operand
 * makes it false even if another errors; otherwise the first error; otherwise true (`||` dually).
 */
export const junction = (op: "&&" | "||", cs: ReadonlyArray<C>): C => {
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

export const comparison = (op: Cmp, a: C, b: C, unsupported: (c: string) => never): C => {
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

export const arithmetic = (
  op: "+" | "-" | "*" | "/" | "%",
  a: C,
  b: C,
  unsupported: (c: string) => never
): C => {
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
