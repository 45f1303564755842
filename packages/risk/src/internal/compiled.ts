/**
 * The compiled form of a rule condition: frames of attribute values, errors as values, leaves
 * (simple tests as data, run by the decision loop without a closure call), CEL's 64-bit ints, and
 * the lifts the operators are built from. `compile.ts` turns a checked AST into these.
 */

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

/** The static type of a compiled expression. */
export type T = "int" | "double" | "string" | "bool" | "list" | "null"

/** A compiled expression with what the compiler knows of it. */
export interface C {
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

export const leafOf = (
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

export const callLeaf = (fn: Fn): Leaf => ({
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

export const INT_MAX = 2n ** 63n - 1n
export const INT_MIN = -(2n ** 63n)
export const OVERFLOW = new Err("integer overflow")
export const DIV_ZERO = new Err("division by zero")
export const MOD_ZERO = new Err("modulus by zero")

/**
 * CEL ints in a frame: a `number` when within ±(2^53 − 1), where it is exact and fast, else a
 * `bigint`. Every int goes through this one normalisation, so equal ints are `===`, and
 * JavaScript's mixed number/bigint ordering is exact.
 */
export const norm = (n: bigint): number | bigint => {
  const d = Number(n)
  return Number.isSafeInteger(d) ? d : n
}

export type Int = number | bigint

export const big = (x: Int): bigint => (typeof x === "bigint" ? x : BigInt(x))

export const checkInt = (n: bigint): Int | Err => (n > INT_MAX || n < INT_MIN ? OVERFLOW : norm(n))

/** A constant expression. */
export const constant = (t: T, value: unknown): C => ({ t, f: () => value, k: { value } })

/** Lifts a unary operation over a value that may be an `Err`. */
export const lift1 = (t: T, af: Fn, op: (x: never) => unknown): C => ({
  t,
  f: (v) => {
    const x = af(v)
    return x instanceof Err ? x : op(x as never)
  }
})

/** Lifts a binary operation over values that may be `Err`s (left error first). */
export const lift2 = (t: T, af: Fn, bf: Fn, op: (x: never, y: never) => unknown): C => ({
  t,
  f: (v) => {
    const x = af(v)
    if (x instanceof Err) return x
    const y = bf(v)
    return y instanceof Err ? y : op(x as never, y as never)
  }
})
