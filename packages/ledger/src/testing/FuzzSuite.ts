import { Money } from "@paykit/core"
import { Cause, Effect, Exit, type Layer, ManagedRuntime, Result } from "effect"
import * as fc from "fast-check"
import { isDeepStrictEqual } from "node:util"
import { describe, it } from "vitest"
import { MAX_BATCH, MAX_POSTINGS, MAX_TIMEOUT_MS } from "../Command.ts"
import * as Errors from "../errors.ts"
import { Ledger } from "../Ledger.ts"
import { type Dump, LedgerStore } from "../LedgerStore.ts"
import * as Model from "./Model.ts"

/**
 * Options of the fuzz suite.
 *
 * - `numRuns`: random cases per operation (default 100; use fewer on slow stores).
 * - `callTimeout`: how long one call may take before it counts as "never answered" (default
 *   30 s). After a property saw one call never answer, its later cases (the shrinking) wait
 *   at most 10 s, so a store that hangs does not make the run take hours.
 * - `timeout`: the test timeout of each property (default 30 min: shrinking a hang is slow).
 *
 * @example
 * ```ts
 * import { FuzzSuite } from "@paykit/ledger/testing"
 * const slow: FuzzSuite.Options = { numRuns: 30, callTimeout: 30_000 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly numRuns?: number
  readonly callTimeout?: number
  readonly timeout?: number
}

/**
 * A hostile value: a label for reports and a factory, so every case gets fresh objects (cyclic
 * objects, Proxies, 100,000-element arrays are built when the case runs).
 *
 * @example
 * ```ts
 * import type { FuzzSuite } from "@paykit/ledger/testing"
 * const nul: FuzzSuite.Hostile = { label: "null", make: () => null }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Hostile {
  readonly label: string
  readonly make: () => unknown
}

const printable = <A extends object>(a: A, label: string): A =>
  Object.defineProperty(a, fc.toStringMethod, { value: () => label, enumerable: false })

const hostileValue = (label: string, make: () => unknown): Hostile => printable({ label, make }, label)

const TRAPS = [
  "apply",
  "construct",
  "defineProperty",
  "deleteProperty",
  "get",
  "getOwnPropertyDescriptor",
  "getPrototypeOf",
  "has",
  "isExtensible",
  "ownKeys",
  "preventExtensions",
  "set",
  "setPrototypeOf"
] as const

/** A Proxy whose every trap throws. */
const throwingProxy = (target: object): unknown => {
  const handler: Record<string, () => never> = {}
  for (const trap of TRAPS) {
    handler[trap] = () => {
      throw new Error(`hostile Proxy: the ${trap} trap throws`)
    }
  }
  return new Proxy(target, handler as ProxyHandler<object>)
}

/** Every field name the ledger's inputs use. */
const FIELD_NAMES = [
  "_tag",
  "id",
  "accountId",
  "holdId",
  "entryId",
  "debit",
  "credit",
  "amount",
  "currency",
  "code",
  "normal",
  "ownerRef",
  "postings",
  "entries",
  "commands",
  "mode",
  "metadata",
  "description",
  "timeoutMs",
  "at",
  "afterSeq",
  "limit",
  "debitsMustNotExceedCredits",
  "creditsMustNotExceedDebits"
]

/** An object whose enumerable getters (for `keys`) throw when read. */
const throwingGetters = (keys: ReadonlyArray<string>): unknown => {
  const o = {}
  for (const key of keys) {
    Object.defineProperty(o, key, {
      get() {
        throw new Error("boom")
      },
      enumerable: true
    })
  }
  return o
}

/** An object that throws when anything turns it into a primitive or JSON. */
const throwingPrimitive = (): unknown => {
  const boom = () => {
    throw new Error("boom: converted to a primitive")
  }
  return { toString: boom, valueOf: boom, toJSON: boom, [Symbol.toPrimitive]: boom }
}

/** A thenable whose `then` throws (code that awaits it, or resolves a promise with it, runs it). */
const throwingThenable = (): unknown =>
  // biome-ignore lint/suspicious/noThenProperty: a hostile thenable is the point
  Object.defineProperty({}, "then", {
    value: () => {
      throw new Error("boom: then")
    },
    enumerable: true
  })

const deeplyNested = (depth: number): unknown => {
  let o: Record<string, unknown> = { leaf: null }
  for (let i = 0; i < depth; i++) o = { o }
  return o
}

const cyclicObject = (): unknown => {
  const o: Record<string, unknown> = { id: "cyclic" }
  o["self"] = o
  return o
}

const cyclicArray = (): unknown => {
  const a: Array<unknown> = []
  a.push(a)
  return a
}

/**
 * The curated hostile values: null and undefined; numbers (NaN, ±Infinity, -0, 1e308, 2^63);
 * huge, NUL-carrying, lone-surrogate and SQL-looking strings; ids that are `Object.prototype`
 * member names; impossible ISO dates; bigints (negative, 0, 2^127, 2^200); arrays (empty, of
 * null / undefined, sparse, 100,000 nulls, cyclic); nested and 5,000-deep objects; objects with
 * throwing getters, throwing `toString` / `then`, Proxies that throw on every trap, cyclic
 * objects, `__proto__` / `constructor` keys, null-prototype objects; Symbols, functions, Dates
 * (and an invalid one), Maps, Sets, typed arrays, boxed primitives, RegExps, Errors; metadata
 * with NUL in a key, too many keys or too long a value.
 *
 * @example
 * ```ts
 * import { FuzzSuite } from "@paykit/ledger/testing"
 * FuzzSuite.hostiles.map((h) => h.label)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const hostiles: ReadonlyArray<Hostile> = [
  hostileValue("null", () => null),
  hostileValue("undefined", () => undefined),
  hostileValue("NaN", () => Number.NaN),
  hostileValue("Infinity", () => Number.POSITIVE_INFINITY),
  hostileValue("-Infinity", () => Number.NEGATIVE_INFINITY),
  hostileValue("-0", () => -0),
  hostileValue("0", () => 0),
  hostileValue("-1", () => -1),
  hostileValue("1.5", () => 1.5),
  hostileValue("1e308", () => 1e308),
  hostileValue("2^53 + 2", () => 2 ** 53 + 2),
  hostileValue("2^63", () => 2 ** 63),
  hostileValue("true", () => true),
  hostileValue("false", () => false),
  hostileValue('""', () => ""),
  hostileValue('" "', () => " "),
  hostileValue("a string of 10,240 'a'", () => "a".repeat(10_240)),
  hostileValue("a string of 100,000 '€'", () => "€".repeat(100_000)),
  hostileValue('"nul\\u0000byte"', () => "nul\u0000byte"),
  hostileValue('"lone surrogate \\ud800"', () => "lone\ud800surrogate"),
  hostileValue('"constructor"', () => "constructor"),
  hostileValue('"toString"', () => "toString"),
  hostileValue('"hasOwnProperty"', () => "hasOwnProperty"),
  hostileValue('"__proto__"', () => "__proto__"),
  hostileValue('"2026-13-01T00:00:00Z"', () => "2026-13-01T00:00:00Z"),
  hostileValue('"2026-02-30T00:00:00Z"', () => "2026-02-30T00:00:00Z"),
  hostileValue('"2026-01-01T24:00:00Z"', () => "2026-01-01T24:00:00Z"),
  hostileValue('"2026-01-01T23:59:60Z"', () => "2026-01-01T23:59:60Z"),
  hostileValue('"0000-01-01T00:00:00Z"', () => "0000-01-01T00:00:00Z"),
  hostileValue('"usd"', () => "usd"),
  hostileValue('"USD"', () => "USD"),
  hostileValue('"1e3"', () => "1e3"),
  hostileValue('"0x10"', () => "0x10"),
  hostileValue('"-0"', () => "-0"),
  hostileValue('"+5"', () => "+5"),
  hostileValue('" 5"', () => " 5"),
  hostileValue(`"x'); DROP TABLE entries; --"`, () => "x'); DROP TABLE entries; --"),
  hostileValue("-1n", () => -1n),
  hostileValue("0n", () => 0n),
  hostileValue("2n ** 64n", () => 2n ** 64n),
  hostileValue("2n ** 127n - 1n", () => 2n ** 127n - 1n),
  hostileValue("2n ** 127n", () => 2n ** 127n),
  hostileValue("2n ** 200n", () => 2n ** 200n),
  hostileValue("-(2n ** 200n)", () => -(2n ** 200n)),
  hostileValue("[]", () => []),
  hostileValue("[null]", () => [null]),
  hostileValue("[undefined]", () => [undefined]),
  hostileValue("[null, undefined, null]", () => [null, undefined, null]),
  hostileValue("a sparse array of length 3", () => new Array(3)),
  hostileValue("[[[[]]]]", () => [[[[]]]]),
  hostileValue('["cash"]', () => ["cash"]),
  hostileValue("an array of 100,000 nulls", () => new Array(100_000).fill(null)),
  hostileValue("a cyclic array (a[0] = a)", cyclicArray),
  hostileValue("{}", () => ({})),
  hostileValue("{ a: { b: { c: { d: [1, { e: null }] } } } }", () => ({
    a: { b: { c: { d: [1, { e: null }] } } }
  })),
  hostileValue("an object nested 5,000 deep", () => deeplyNested(5_000)),
  hostileValue("an object whose `amount` getter throws", () => throwingGetters(["amount"])),
  hostileValue("an object whose getters for every field name throw", () => throwingGetters(FIELD_NAMES)),
  hostileValue("an object whose toString / valueOf / toPrimitive / toJSON throw", throwingPrimitive),
  hostileValue("a thenable whose `then` throws", throwingThenable),
  hostileValue("a Proxy of {} that throws on every trap", () => throwingProxy({})),
  hostileValue("a Proxy of [] that throws on every trap", () => throwingProxy([])),
  hostileValue("a cyclic object (o.self = o)", cyclicObject),
  hostileValue('JSON {"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}', () =>
    JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}')
  ),
  hostileValue('JSON {"__proto__":"x","constructor":"y","toString":"z"}', () =>
    JSON.parse('{"__proto__":"x","constructor":"y","toString":"z"}')
  ),
  hostileValue('a null-prototype object { k: "v" }', () => Object.assign(Object.create(null), { k: "v" })),
  hostileValue('Symbol("hostile")', () => Symbol("hostile")),
  hostileValue('{ [Symbol("key")]: "v" }', () => ({ [Symbol("key")]: "v" })),
  hostileValue("() => 1", () => () => 1),
  hostileValue('a function with properties { id: "fz.fn", amount: 5n }', () =>
    Object.assign(() => 1, { id: "fz.fn", amount: 5n })
  ),
  hostileValue("class {}", () => class {}),
  hostileValue("new Date(0)", () => new Date(0)),
  hostileValue("new Date(NaN)", () => new Date(Number.NaN)),
  hostileValue("new Date(8.64e15)", () => new Date(8.64e15)),
  hostileValue('new Map([["k", "v"]])', () => new Map([["k", "v"]])),
  hostileValue("new Set([1])", () => new Set([1])),
  hostileValue("new Uint8Array(4)", () => new Uint8Array(4)),
  hostileValue('Object("USD") (a boxed string)', () => Object("USD")),
  hostileValue("Object(5n) (a boxed bigint)", () => Object(5n)),
  hostileValue("/re/g", () => /re/g),
  hostileValue('new Error("hostile")', () => new Error("hostile")),
  hostileValue('{ "a\\u0000b": "v" } (NUL in a key)', () => ({ "a\u0000b": "v" })),
  hostileValue("65 metadata keys", () =>
    Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, "v"]))
  ),
  hostileValue("{ k: a 1,025-character value }", () => ({ k: "v".repeat(1_025) }))
]

const show = (u: unknown, max = 160): string => {
  let text: string
  try {
    text =
      typeof u === "string"
        ? JSON.stringify(u.length > max ? `${u.slice(0, max)}…` : u)
        : typeof u === "bigint"
          ? `${u}n`
          : (JSON.stringify(u, (_, v) => (typeof v === "bigint" ? `${v}n` : v)) ?? String(u))
  } catch {
    try {
      text = String(u)
    } catch {
      text = Object.prototype.toString.call(u)
    }
  }
  return text.length > max ? `${text.slice(0, max)}…` : text
}

/**
 * Hostile values for every position: mostly the curated {@link hostiles}, and random JSON
 * values and random JavaScript values (`fc.anything`: bigints, Dates, sparse arrays,
 * null-prototype and boxed values, Maps, Sets, typed arrays).
 *
 * @example
 * ```ts
 * import { FuzzSuite } from "@paykit/ledger/testing"
 * import * as fc from "fast-check"
 * fc.sample(FuzzSuite.hostile, 3).map((h) => h.label)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...hostiles) },
  {
    weight: 1,
    arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => hostileValue(`JSON ${show(v)}`, () => v))
  },
  {
    weight: 1,
    arbitrary: fc
      .anything({
        maxDepth: 3,
        withBigInt: true,
        withDate: true,
        withNullPrototype: true,
        withBoxedValues: true,
        withSparseArray: true,
        withTypedArray: true,
        withMap: true,
        withSet: true
      })
      .map((v) => hostileValue(`anything ${fc.stringify(v).slice(0, 160)}`, () => v))
  }
)

// ---------------------------------------------------------------------------------------------
// what a value may be in each position

/** The kinds of position a hostile value is put in, each with what a valid value looks like. */
type Kind =
  | "id"
  | "ccy"
  | "amount"
  | "typedAmount"
  | "text"
  | "code"
  | "ownerRef"
  | "timeoutMs"
  | "at"
  | "seq"
  | "limit"
  | "bool"
  | "normal"
  | "mode"
  | "tag"
  | "metadata"
  | "postings"
  | "typedPostings"
  | "posting"
  | "typedPosting"
  | "entry"
  | "command"
  | "entries"
  | "commands"
  | "typedCommands"
  | "input"
  | "extra"
  | "typedExtra"

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/
const CCY = /^[A-Z][A-Z0-9_]{1,11}$/
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/
const TAGS = ["CreateAccount", "CloseAccount", "Transfer", "CreateHold", "PostHold", "VoidHold", "Reverse"]

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null
const isText = (v: unknown, min: number, max: number) =>
  typeof v === "string" && v.length >= min && v.length <= max
const isId = (v: unknown) => typeof v === "string" && ID.test(v)
const isCcy = (v: unknown) => typeof v === "string" && CCY.test(v)
/** A positive amount: a bigint, or an integer string (the batch operations take both forms, typed or not). */
const isAmount = (v: unknown, _typed: boolean): boolean =>
  typeof v === "bigint"
    ? v > 0n && v <= Money.MAX_AMOUNT
    : typeof v === "string" && /^[0-9]+$/.test(v) && BigInt(v) > 0n && BigInt(v) <= Money.MAX_AMOUNT
const isInt = (v: unknown, min: number, max: number) =>
  typeof v === "number" && Number.isInteger(v) && v >= min && v <= max
/** An ISO-8601 UTC time naming a real instant at or after the epoch (not 2026-02-30, not hour 24). */
const isRealTime = (v: unknown): boolean => {
  if (typeof v !== "string" || !ISO.test(v)) return false
  const t = Date.parse(v)
  return Number.isFinite(t) && t >= 0 && new Date(t).toISOString().slice(0, 19) === v.slice(0, 19)
}
const isMetadata = (v: unknown): boolean =>
  isRecord(v) && Object.keys(v).length <= 64 && Object.keys(v).every((k) => isText(v[k], 0, 1024))
const isPosting = (v: unknown, typed: boolean): boolean =>
  isRecord(v) && isId(v["debit"]) && isId(v["credit"]) && isAmount(v["amount"], typed) && isCcy(v["currency"])
const isPostings = (v: unknown, typed: boolean): boolean =>
  Array.isArray(v) && v.length >= 1 && v.length <= MAX_POSTINGS && v.every((p) => isPosting(p, typed))
const isCommand = (v: unknown): boolean => isRecord(v) && TAGS.includes(v["_tag"] as string)
const isEntry = (v: unknown): boolean => isRecord(v) && isId(v["id"]) && isPostings(v["postings"], false)
const isBatch = (v: unknown, element: (u: unknown) => boolean, some: boolean): boolean =>
  Array.isArray(v) && v.length >= 1 && v.length <= MAX_BATCH && (some ? v.some(element) : v.every(element))

const VALID: Record<Kind, (v: unknown) => boolean> = {
  id: isId,
  ccy: isCcy,
  amount: (v) => isAmount(v, false),
  typedAmount: (v) => isAmount(v, true),
  text: (v) => isText(v, 0, 1024),
  code: (v) => isText(v, 1, 128),
  ownerRef: (v) => isText(v, 1, 256),
  timeoutMs: (v) => isInt(v, 1, MAX_TIMEOUT_MS),
  at: (v) => isInt(v, 0, Number.POSITIVE_INFINITY) || isRealTime(v),
  seq: (v) => isInt(v, 0, Number.POSITIVE_INFINITY),
  limit: (v) => isInt(v, 1, 1000),
  bool: (v) => typeof v === "boolean",
  normal: (v) => v === "debit" || v === "credit",
  mode: (v) => v === "independent" || v === "linked",
  tag: (v) => TAGS.includes(v as string),
  metadata: isMetadata,
  postings: (v) => isPostings(v, false),
  typedPostings: (v) => isPostings(v, true),
  posting: (v) => isPosting(v, false),
  typedPosting: (v) => isPosting(v, true),
  entry: isEntry,
  command: isCommand,
  entries: (v) => isBatch(v, isEntry, false),
  commands: (v) => isBatch(v, isCommand, false),
  typedCommands: (v) => isBatch(v, isCommand, true),
  input: () => false,
  extra: () => false,
  typedExtra: () => true
}

/**
 * Whether `value` could be valid in a position of this kind. `false` means the ledger must
 * refuse it (`InvalidInput`); `true` means any typed answer will do (a well-formed id may name
 * nothing, an integer may be huge). A value that throws when inspected is never valid.
 */
const couldBeValid = (kind: Kind, optional: boolean, value: unknown): boolean => {
  try {
    return (optional && value === undefined) || VALID[kind](value)
  } catch {
    return false
  }
}

// ---------------------------------------------------------------------------------------------
// the books every case opens, and the valid inputs hostile values are put into

const INDEPENDENT_SLOTS = 10
const SINGLE = 9

const amountOf = (typed: boolean, n: number): bigint | string => (typed ? BigInt(n) : String(n))

/** Valid commands (schema form: string amounts; typed form: bigints) that each use their own resources `i`. */
const shapes = (typed: boolean, i: number): Record<string, Record<string, unknown>> => ({
  CreateAccount: {
    id: `ba.${i}`,
    currency: "USD",
    code: "liability.fuzz",
    normal: "credit",
    ownerRef: "owner",
    metadata: { k: "v" },
    debitsMustNotExceedCredits: true
  },
  CloseAccount: { accountId: `spare.${i}` },
  Transfer: {
    id: `bt.${i}`,
    postings: [
      { debit: "cash", credit: "wallet", amount: amountOf(typed, i + 1), currency: "USD" },
      { debit: "wallet", credit: "merchant", amount: amountOf(typed, 1), currency: "USD" }
    ],
    description: "fuzz",
    metadata: { k: "v" }
  },
  CreateHold: {
    id: `bh.${i}`,
    debit: "wallet",
    credit: "merchant",
    amount: amountOf(typed, 7),
    currency: "USD",
    timeoutMs: 86_400_000,
    description: "fuzz",
    metadata: { k: "v" }
  },
  PostHold: {
    id: `bp.${i}`,
    holdId: `hb.${i}`,
    amount: amountOf(typed, 3),
    description: "fuzz",
    metadata: { k: "v" }
  },
  VoidHold: { id: `bv.${i}`, holdId: `hb.${i}`, description: "fuzz", metadata: { k: "v" } },
  Reverse: { id: `br.${i}`, entryId: `eb.${i}`, description: "fuzz", metadata: { k: "v" } }
})

const command = (tag: string, i: number, typed: boolean, withTag: boolean): Record<string, unknown> => {
  const shape = shapes(typed, i)[tag]!
  return withTag ? { _tag: tag, ...shape } : shape
}

const transfer = (id: string, debit: string, credit: string, amount: bigint) => ({
  _tag: "Transfer" as const,
  id,
  postings: [{ debit, credit, amount, currency: "USD" }]
})

/** cash, wallet (debits limited by credits), merchant, eur, spare.0-9; the wallet funded; entries eb.0-9 and holds hb.0-9 to reverse, capture and void. */
const openingCommands = (): ReadonlyArray<unknown> => {
  const commands: Array<unknown> = [
    { _tag: "CreateAccount", id: "cash", currency: "USD", code: "asset.cash", normal: "debit" },
    {
      _tag: "CreateAccount",
      id: "wallet",
      currency: "USD",
      code: "liability.wallet",
      normal: "credit",
      debitsMustNotExceedCredits: true
    },
    { _tag: "CreateAccount", id: "merchant", currency: "USD", code: "liability.merchant", normal: "credit" },
    { _tag: "CreateAccount", id: "eur", currency: "EUR", code: "asset.cash", normal: "debit" }
  ]
  for (let i = 0; i < INDEPENDENT_SLOTS; i++)
    commands.push({
      _tag: "CreateAccount",
      id: `spare.${i}`,
      currency: "USD",
      code: "asset.spare",
      normal: "debit"
    })
  commands.push(transfer("fund", "cash", "wallet", 1_000_000n))
  for (let i = 0; i < INDEPENDENT_SLOTS; i++) commands.push(transfer(`eb.${i}`, "wallet", "merchant", 10n))
  for (let i = 0; i < INDEPENDENT_SLOTS; i++)
    commands.push({
      _tag: "CreateHold",
      id: `hb.${i}`,
      debit: "wallet",
      credit: "merchant",
      amount: 100n,
      currency: "USD"
    })
  return commands
}

// ---------------------------------------------------------------------------------------------
// positions

interface Slot {
  readonly path: ReadonlyArray<string | number>
  readonly kind: Kind
  readonly optional: boolean
  /** Put `[value]` at `path` instead of `value` (a posting list holding only the hostile value). */
  readonly wrap: boolean
}

const renderPath = (path: ReadonlyArray<string | number>, leadingDot = false): string =>
  path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 && !leadingDot ? p : `.${p}`)).join("")

const slotLabel = (s: Slot): string => (s.wrap ? `${renderPath(s.path)} := [value]` : renderPath(s.path))

const slot = (path: ReadonlyArray<string | number>, kind: Kind, optional = false, wrap = false): Slot =>
  printable(
    { path, kind, optional, wrap },
    `${renderPath(path) || "(whole input)"}${wrap ? " := [value]" : ""}`
  )

const OPTIONAL = new Set([
  "ownerRef",
  "metadata",
  "description",
  "debitsMustNotExceedCredits",
  "creditsMustNotExceedDebits",
  "timeoutMs"
])

const fieldKind = (key: string, typed: boolean): Kind => {
  switch (key) {
    case "id":
    case "accountId":
    case "holdId":
    case "entryId":
    case "debit":
    case "credit":
      return "id"
    case "currency":
      return "ccy"
    case "code":
      return "code"
    case "normal":
      return "normal"
    case "ownerRef":
      return "ownerRef"
    case "metadata":
      return "metadata"
    case "description":
      return "text"
    case "debitsMustNotExceedCredits":
    case "creditsMustNotExceedDebits":
      return "bool"
    case "amount":
      return typed ? "typedAmount" : "amount"
    case "timeoutMs":
      return "timeoutMs"
    case "postings":
      return typed ? "typedPostings" : "postings"
    case "_tag":
      return "tag"
    default:
      return typed ? "typedExtra" : "extra"
  }
}

/** Every field position of a valid input: each field, each posting and posting field, metadata values and keys, an unknown key. */
const fieldSlots = (template: Record<string, unknown>, typed: boolean, tag: string): ReadonlyArray<Slot> => {
  const slots: Array<Slot> = []
  for (const key of Object.keys(template)) {
    slots.push(
      slot([key], fieldKind(key, typed), OPTIONAL.has(key) || (key === "amount" && tag === "PostHold"))
    )
    if (key === "postings") {
      slots.push(slot(["postings"], typed ? "typedPosting" : "posting", false, true))
      for (const i of [0, 1]) {
        slots.push(slot(["postings", i], typed ? "typedPosting" : "posting"))
        for (const f of ["debit", "credit", "amount", "currency"])
          slots.push(slot(["postings", i, f], fieldKind(f, typed)))
      }
    }
    if (key === "metadata") {
      slots.push(slot(["metadata", "k"], "text"))
      slots.push(slot(["metadata", "k2"], "text"))
      slots.push(slot(["metadata", "__proto__"], "text"))
    }
  }
  slots.push(slot(["extra"], typed ? "typedExtra" : "extra"))
  return slots
}

/** Puts `value` at `path` in `root` (as an own property, even for `__proto__`), or a getter that answers the original value once and `value` after (`toctou`). */
const putAt = (root: unknown, s: Slot, value: unknown, toctou: boolean): unknown => {
  const v = s.wrap ? [value] : value
  if (s.path.length === 0) return v
  let parent = root as Record<string | number, unknown>
  for (let i = 0; i < s.path.length - 1; i++) parent = parent[s.path[i]!] as Record<string | number, unknown>
  const key = s.path[s.path.length - 1]!
  if (toctou) {
    const original = parent[key]
    let reads = 0
    Object.defineProperty(parent, key, {
      get: () => (reads++ === 0 ? original : v),
      enumerable: true,
      configurable: true
    })
  } else {
    Object.defineProperty(parent, key, { value: v, enumerable: true, writable: true, configurable: true })
  }
  return root
}

// ---------------------------------------------------------------------------------------------
// operations and cases

type Service = Ledger["Service"]
type Call = (ledger: Service) => Effect.Effect<unknown, unknown>

const SINGLE_WRITES = [
  "createAccount",
  "closeAccount",
  "post",
  "hold",
  "postHold",
  "voidHold",
  "reverse"
] as const
const READS = ["getAccount", "balances", "getEntry", "getHold", "balanceAsOf", "history"] as const
/**
 * The batch operations, each fed commands in both forms: typed (amounts as bigints, which skip the
 * schema) and JSON (`/json`: amounts as strings, decoded by the schema command by command).
 */
const BATCHES = ["executeResults", "executeSummary", "executeResults/json", "executeSummary/json"] as const
type SingleWrite = (typeof SINGLE_WRITES)[number]
type Read = (typeof READS)[number]
type Batch = (typeof BATCHES)[number]
const methodOf = (b: Batch): "executeResults" | "executeSummary" =>
  b.startsWith("executeResults") ? "executeResults" : "executeSummary"
const isJson = (b: Batch): boolean => b.endsWith("/json")

const TAG_OF: Record<SingleWrite, string> = {
  createAccount: "CreateAccount",
  closeAccount: "CloseAccount",
  post: "Transfer",
  hold: "CreateHold",
  postHold: "PostHold",
  voidHold: "VoidHold",
  reverse: "Reverse"
}

/** What a case does and what its answer must be. */
interface Plan {
  readonly label: string
  readonly call: Call
  /** The value can never be valid there: the answer must be a refusal (`InvalidInput`, or `BatchTooLarge` for a batch's size). */
  readonly refuse: boolean
  readonly refusals: ReadonlyArray<string>
  /** The field an `InvalidInput` must name (its path equals this or starts with it). */
  readonly path: string | undefined
  /** A read: a success must be for a record that exists. */
  readonly read?: { readonly collection: "accounts" | "entries" | "holds"; readonly id: unknown }
  readonly typed?: TypedBatch
  /** Further problems with a successful answer. */
  readonly verify?: (value: unknown) => ReadonlyArray<string>
}

interface TypedBatch {
  readonly summary: boolean
  readonly mode: "independent" | "linked"
  /** The number of commands, when known. */
  readonly size: number | undefined
  /** The index of the hostile command; undefined when the whole list (or the mode) is hostile. */
  readonly bad: number | undefined
  readonly valid: ReadonlyArray<{ readonly index: number; readonly command: Record<string, unknown> }>
  readonly hostileMode: boolean
}

const singleTemplate = (op: SingleWrite): Record<string, unknown> => {
  const t = command(TAG_OF[op], SINGLE, false, false)
  return t
}

interface SingleParams {
  readonly slot: Slot
  readonly hostile: Hostile
  readonly toctou: boolean
}

const singleArbitrary = (slots: ReadonlyArray<Slot>): fc.Arbitrary<SingleParams> =>
  fc
    .record({
      slot: fc.constantFrom(...slots),
      hostile,
      toctou: fc.oneof(
        { weight: 6, arbitrary: fc.constant(false) },
        { weight: 1, arbitrary: fc.constant(true) }
      )
    })
    .map((p) =>
      printable(
        p,
        `${slotLabel(p.slot) || "(whole input)"} := ${p.hostile.label}${p.toctou && p.slot.path.length > 0 ? " (read once valid, then hostile)" : ""}`
      )
    )

const singleWritePlan = (op: SingleWrite, p: SingleParams): Plan => {
  const toctou = p.toctou && p.slot.path.length > 0
  const input = putAt(singleTemplate(op), p.slot, p.hostile.make(), toctou)
  const refuse = !toctou && !couldBeValid(p.slot.kind, p.slot.optional, p.hostile.make())
  return {
    label: `${op}: ${slotLabel(p.slot) || "(whole input)"} := ${p.hostile.label}${toctou ? " (read once valid, then hostile)" : ""}`,
    call: (ledger) => ledger[op](input as never),
    refuse,
    refusals: ["InvalidInput"],
    path:
      p.slot.path.length === 0 || toctou
        ? undefined
        : renderPath(p.slot.wrap ? [...p.slot.path, 0] : p.slot.path)
  }
}

const READ_TEMPLATES: Record<Read, () => unknown> = {
  getAccount: () => "wallet",
  balances: () => "wallet",
  getEntry: () => "eb.0",
  getHold: () => "hb.0",
  balanceAsOf: () => ({ accountId: "wallet", at: Date.now() }),
  history: () => ({ accountId: "wallet", afterSeq: 0, limit: 10 })
}

const READ_SLOTS: Record<Read, ReadonlyArray<Slot>> = {
  getAccount: [slot([], "id")],
  balances: [slot([], "id")],
  getEntry: [slot([], "id")],
  getHold: [slot([], "id")],
  balanceAsOf: [slot([], "input"), slot(["accountId"], "id"), slot(["at"], "at"), slot(["extra"], "extra")],
  history: [
    slot([], "input"),
    slot(["accountId"], "id"),
    slot(["afterSeq"], "seq", true),
    slot(["limit"], "limit", true),
    slot(["extra"], "extra")
  ]
}

const READ_COLLECTION: Record<Read, "accounts" | "entries" | "holds"> = {
  getAccount: "accounts",
  balances: "accounts",
  getEntry: "entries",
  getHold: "holds",
  balanceAsOf: "accounts",
  history: "accounts"
}

const readPlan = (op: Read, p: SingleParams): Plan => {
  const toctou = p.toctou && p.slot.path.length > 0
  const input = putAt(READ_TEMPLATES[op](), p.slot, p.hostile.make(), toctou)
  const refuse = !toctou && !couldBeValid(p.slot.kind, p.slot.optional, p.hostile.make())
  return {
    label: `${op}: ${slotLabel(p.slot) || "(whole input)"} := ${p.hostile.label}${toctou ? " (read once valid, then hostile)" : ""}`,
    call: (ledger) => (ledger[op] as (i: unknown) => Effect.Effect<unknown, unknown>)(input),
    refuse,
    refusals: ["InvalidInput"],
    path: p.slot.path.length === 0 || toctou ? undefined : renderPath(p.slot.path),
    // a success must be for a record that exists (unknown when the id is read once valid, then hostile)
    ...(toctou
      ? {}
      : {
          read: {
            collection: READ_COLLECTION[op],
            id:
              p.slot.path.length === 0 || p.slot.path[0] === "accountId"
                ? p.hostile.make()
                : (READ_TEMPLATES[op]() as Record<string, unknown>)["accountId"]
          }
        })
  }
}

type Position = "array" | "mode" | "element" | "field"

interface BatchParams {
  readonly before: ReadonlyArray<string>
  readonly after: ReadonlyArray<string>
  readonly badTag: string
  readonly field: number
  readonly mode: "independent" | "linked" | undefined
  readonly position: Position
  readonly hostile: Hostile
  readonly toctou: boolean
}

const batchArbitrary = (op: Batch, positions: ReadonlyArray<Position>): fc.Arbitrary<BatchParams> => {
  const tag = fc.constantFrom(...TAGS)
  return fc
    .record({
      position: fc.constantFrom(...positions),
      hostile,
      before: fc.array(tag, { maxLength: 2 }),
      after: fc.array(tag, { maxLength: 2 }),
      badTag: tag,
      field: fc.nat({ max: 40 }),
      mode: fc.constantFrom<"independent" | "linked" | undefined>(
        undefined,
        "independent",
        "independent",
        "linked"
      ),
      toctou: fc.oneof(
        { weight: 6, arbitrary: fc.constant(false) },
        { weight: 1, arbitrary: fc.constant(true) }
      )
    })
    .map((p) => printable(p, batchPlan(op, p).label))
}

const batchPlan = (op: Batch, p: BatchParams): Plan => {
  const typed = !isJson(op)
  const key = "commands"
  const tags = [...p.before, p.badTag, ...p.after]
  const bad = p.before.length
  const commands: Array<unknown> = tags.map((t, i) => command(t, i, typed, true))
  const describeBatch = (middle: string) =>
    `[${tags.map((t, i) => (i === bad ? middle : `${t} ${i}`)).join(", ")}]`
  const modeText = p.mode === undefined ? "" : `, mode ${p.mode}`
  const value = p.hostile.make()
  const check = p.hostile.make()
  let input: unknown = commands
  let mode: unknown = p.mode
  let hasMode = p.mode !== undefined
  let kind: Kind
  let optional = false
  let path: string | undefined
  let toctou = false
  let label: string
  let badIndex: number | undefined
  switch (p.position) {
    case "array":
      kind = "typedCommands"
      label = `${key} := ${p.hostile.label}${modeText}`
      path = undefined
      input = value
      break
    case "mode":
      kind = "mode"
      optional = true
      path = "mode"
      mode = value
      hasMode = true
      label = `${describeBatch(`${p.badTag} ${bad}`)}, mode := ${p.hostile.label}`
      break
    case "element":
      kind = "command"
      commands[bad] = value
      path = `${key}[${bad}]`
      badIndex = bad
      label = `${describeBatch(`★ ${p.hostile.label}`)}${modeText}`
      break
    case "field": {
      const template = commands[bad] as Record<string, unknown>
      const slots = fieldSlots(template, typed, p.badTag)
      const s = slots[p.field % slots.length]!
      toctou = p.toctou
      commands[bad] = putAt(template, s, value, toctou)
      kind = s.kind
      optional = s.optional
      // a wrong `_tag` leaves no command to name a field of, and a field that changes between
      // reads may be caught anywhere in the command: naming the command will do
      path =
        s.kind === "tag" || toctou
          ? `${key}[${bad}]`
          : `${key}[${bad}]${renderPath(s.wrap ? [...s.path, 0] : s.path, true)}`
      badIndex = bad
      label = `${describeBatch(`★ ${p.badTag} ${bad} with ${slotLabel(s)} := ${p.hostile.label}${toctou ? " (read once valid, then hostile)" : ""}`)}${modeText}`
      break
    }
  }
  const refuse = !toctou && !couldBeValid(kind, optional, check)
  const size = (() => {
    try {
      return Array.isArray(input) ? input.length : undefined
    } catch {
      return undefined
    }
  })()
  const effectiveMode = (mode === "linked" ? "linked" : "independent") as "independent" | "linked"
  const method = methodOf(op)
  const call: Call = (ledger) =>
    hasMode ? ledger[method](input as never, mode as never) : ledger[method](input as never)
  return {
    label: `${op}: ${label}`,
    call,
    refuse,
    refusals: p.position === "array" ? ["InvalidInput", "BatchTooLarge"] : ["InvalidInput"],
    path,
    typed: {
      summary: method === "executeSummary",
      mode: effectiveMode,
      size,
      bad: badIndex,
      valid:
        badIndex === undefined
          ? []
          : tags.flatMap((_, index) =>
              index === badIndex ? [] : [{ index, command: commands[index] as Record<string, unknown> }]
            ),
      hostileMode: p.position === "mode"
    }
  }
}

// ---------------------------------------------------------------------------------------------
// running a case

type Answer =
  | { readonly _tag: "Exit"; readonly exit: Exit.Exit<unknown, unknown> }
  | { readonly _tag: "Threw"; readonly error: unknown }
  | { readonly _tag: "NoAnswer" }

type Runtime = ManagedRuntime.ManagedRuntime<Ledger | LedgerStore, unknown>

/** Runs `f` on the ledger and store, answering its exit, a synchronous throw, or `NoAnswer` after `ms`. */
const ask = (
  runtime: Runtime,
  f: (ledger: Service, store: LedgerStore["Service"]) => Effect.Effect<unknown, unknown>,
  ms: number
): Promise<Answer> => {
  const controller = new AbortController()
  const program = Effect.gen(function* () {
    const ledger = yield* Ledger
    const store = yield* LedgerStore
    let effect: Effect.Effect<unknown, unknown>
    try {
      effect = f(ledger, store)
    } catch (error) {
      return { _tag: "Threw", error } as Answer
    }
    return { _tag: "Exit", exit: yield* Effect.exit(effect) } as Answer
  })
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<Answer>((resolve) => {
    timer = setTimeout(() => {
      controller.abort()
      resolve({ _tag: "NoAnswer" })
    }, ms)
  })
  const answered = runtime.runPromiseExit(program, { signal: controller.signal }).then(
    (exit): Answer => (Exit.isSuccess(exit) ? exit.value : { _tag: "Exit", exit }),
    (error): Answer => ({ _tag: "Threw", error })
  )
  return Promise.race([answered, timedOut]).finally(() => clearTimeout(timer))
}

const errorText = (e: unknown): string => {
  try {
    if (e instanceof Error) return `${e.name}: ${e.message}`.slice(0, 300)
  } catch {
    // fall through
  }
  return show(e, 300)
}

const describeAnswer = (a: Answer): string => {
  switch (a._tag) {
    case "NoAnswer":
      return "no answer"
    case "Threw":
      return `threw ${errorText(a.error)}`
    case "Exit":
      return Exit.isSuccess(a.exit) ? "succeeded" : `failed: ${Cause.pretty(a.exit.cause).slice(0, 400)}`
  }
}

/** The value of a successful answer, or a problem. */
const successOf = (
  a: Answer,
  what: string,
  problems: Array<string>
): { readonly value: unknown } | undefined => {
  if (a._tag === "Exit" && Exit.isSuccess(a.exit)) return { value: a.exit.value }
  problems.push(`${what}: ${describeAnswer(a)}`)
  return undefined
}

const ALLOWED = new Set<string>([...Errors.precedence, "InvalidInput", "BatchTooLarge"])

const tagOf = (e: unknown): string | undefined => {
  try {
    return isRecord(e) && typeof e["_tag"] === "string" ? e["_tag"] : undefined
  } catch {
    return undefined
  }
}

const within = (inner: string, outer: string): boolean =>
  inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`)

/** A path names the field when it is the field, inside it, or (in a batch) the command holding it; never empty. */
const namesPath = (actual: string, expected: string): boolean =>
  actual !== "" && (within(actual, expected) || within(expected, actual))

/** Problems with one typed error: its tag, its message, and for `InvalidInput` the field it names. */
const checkError = (e: unknown, where: string, path: string | undefined, problems: Array<string>): void => {
  const tag = tagOf(e)
  if (tag === "StoreFailure") {
    problems.push(`${where}: StoreFailure for bad input (${errorText(e)})`)
    return
  }
  if (tag === undefined || !ALLOWED.has(tag)) {
    problems.push(`${where}: an error that is not one of the ledger's typed errors: ${errorText(e)}`)
    return
  }
  try {
    const message = (e as Error).message
    if (typeof message !== "string" || message.length === 0) problems.push(`${where}: ${tag} has no message`)
  } catch (thrown) {
    problems.push(`${where}: reading ${tag}'s message threw ${errorText(thrown)}`)
  }
  if (tag === "InvalidInput" && path !== undefined) {
    const actual = (e as { readonly path: unknown }).path
    if (typeof actual !== "string" || actual === "")
      problems.push(`${where}: InvalidInput names no field (path ${show(actual)}, expected "${path}")`)
    else if (!namesPath(actual, path))
      problems.push(`${where}: InvalidInput names "${actual}", expected "${path}" (or a path inside it)`)
  }
}

const ids = (records: ReadonlyArray<{ readonly id: string }>): Set<string> =>
  new Set(records.map((r) => r.id))

const COLLECTIONS = ["accounts", "entries", "holds", "lines", "events"] as const

/** What differs between two dumps, or undefined when they are equal. */
const dumpDiff = (before: Dump, after: Dump): string | undefined => {
  if (isDeepStrictEqual(before, after)) return undefined
  const parts: Array<string> = []
  for (const k of COLLECTIONS) {
    const b = before[k] as ReadonlyArray<unknown>
    const a = after[k] as ReadonlyArray<unknown>
    if (isDeepStrictEqual(b, a)) continue
    const i = a.findIndex((x, j) => !isDeepStrictEqual(x, b[j]))
    parts.push(`${k} ${b.length} → ${a.length} (first difference at ${i}: ${show(a[i] ?? b[i], 200)})`)
  }
  return parts.join("; ")
}

/** Whether the dump's records have the types the ledger promises (a hostile value may not be persisted as is). */
const sanity = (dump: Dump): ReadonlyArray<string> => {
  const out: Array<string> = []
  const bigints = (r: Record<string, unknown>, keys: ReadonlyArray<string>) =>
    keys.every((k) => typeof r[k] === "bigint")
  const strings = (m: unknown) =>
    isRecord(m) &&
    Object.getPrototypeOf(m) === Object.prototype &&
    Object.values(m).every((v) => typeof v === "string")
  for (const a of dump.accounts) {
    const r = a as unknown as Record<string, unknown>
    if (
      !isId(a.id) ||
      !isCcy(a.currency) ||
      typeof a.code !== "string" ||
      (a.normal !== "debit" && a.normal !== "credit") ||
      typeof a.closed !== "boolean" ||
      !bigints(r, ["debitsPosted", "creditsPosted", "debitsPending", "creditsPending"]) ||
      !strings(a.metadata)
    )
      out.push(`a malformed account was stored: ${show(a, 300)}`)
  }
  for (const e of dump.entries) {
    if (
      // the ledger names the entries it makes itself `<hold id>~expire`
      typeof e.id !== "string" ||
      !isId(e.id.replace(/~expire$/, "")) ||
      !Array.isArray(e.postings) ||
      e.postings.length === 0 ||
      !e.postings.every(
        (p) =>
          isId(p.debit) &&
          isId(p.credit) &&
          typeof p.amount === "bigint" &&
          p.amount > 0n &&
          isCcy(p.currency)
      ) ||
      (e.description !== undefined && typeof e.description !== "string") ||
      !strings(e.metadata) ||
      typeof e.createdAt !== "number" ||
      !Number.isFinite(e.createdAt)
    )
      out.push(`a malformed entry was stored: ${show(e, 300)}`)
  }
  for (const h of dump.holds) {
    if (
      !isId(h.id) ||
      typeof h.amount !== "bigint" ||
      h.amount <= 0n ||
      typeof h.postedAmount !== "bigint" ||
      (h.expiresAt !== undefined && !Number.isFinite(h.expiresAt))
    )
      out.push(`a malformed hold was stored: ${show(h, 300)}`)
  }
  return out
}

const prototypes = (): string =>
  [Object.prototype, Array.prototype, Function.prototype, String.prototype]
    .map((p) => Object.getOwnPropertyNames(p).sort().join(","))
    .join("|")

/** Problems of a batch (`executeResults`, `executeSummary`) that answered. */
const checkTypedBatch = (
  plan: Plan,
  t: TypedBatch,
  value: unknown,
  before: Dump,
  after: Dump,
  problems: Array<string>
): void => {
  // one outcome per command: "ok", "replayed" or the error
  let outcomes:
    | Array<{ readonly ok: boolean; readonly replayed: boolean; readonly error?: unknown }>
    | undefined
  if (t.summary) {
    const s = value as {
      applied: number
      replayed: number
      failures: ReadonlyArray<{ index: number; error: unknown }>
    }
    if (!isRecord(s) || !Array.isArray(s.failures)) {
      problems.push(`the summary is malformed: ${show(s)}`)
      return
    }
    for (const f of s.failures)
      if (f.index !== t.bad) checkError(f.error, `failure at index ${f.index}`, undefined, problems)
    if (t.size !== undefined) {
      const failed = new Map(s.failures.map((f) => [f.index, f.error]))
      outcomes = Array.from({ length: t.size }, (_, i) =>
        failed.has(i) ? { ok: false, replayed: false, error: failed.get(i) } : { ok: true, replayed: false }
      )
      if (s.applied + s.replayed + s.failures.length !== t.size)
        problems.push(
          `applied ${s.applied} + replayed ${s.replayed} + failures ${s.failures.length} ≠ ${t.size} commands`
        )
      if (t.bad !== undefined && t.mode === "independent" && plan.refuse && s.replayed !== 0)
        problems.push(`${s.replayed} commands replayed; every valid command of the batch is new`)
    }
  } else {
    const results = value as ReadonlyArray<Result.Result<unknown, unknown>>
    if (!Array.isArray(results) || (t.size !== undefined && results.length !== t.size)) {
      problems.push(`expected ${t.size} results, got ${show(value)}`)
      return
    }
    outcomes = results.map((r) =>
      Result.isSuccess(r)
        ? {
            ok: true,
            replayed:
              isRecord(r.success) && (r.success["replayed"] === true || r.success["changed"] === false)
          }
        : { ok: false, replayed: false, error: r.failure }
    )
    results.forEach((r, i) => {
      if (Result.isFailure(r) && i !== t.bad) checkError(r.failure, `result ${i}`, undefined, problems)
    })
  }
  if (outcomes === undefined) return
  if (t.hostileMode) {
    if (plan.refuse) problems.push("a hostile mode was accepted (expected InvalidInput at mode)")
    return
  }
  if (t.bad === undefined) {
    // the whole list is hostile: every element refused (in a linked batch, the first with
    // InvalidInput and the rest with LinkedCommandFailed), nothing changed
    if (plan.refuse) {
      outcomes.forEach((o, i) => {
        const tag = o.ok ? "success" : tagOf(o.error)
        if (t.mode === "linked" && i > 0 ? tag !== "LinkedCommandFailed" : tag !== "InvalidInput")
          problems.push(
            `element ${i} of a hostile list: expected ${t.mode === "linked" && i > 0 ? "LinkedCommandFailed" : "InvalidInput"}, got ${tag}`
          )
        else if (tag === "InvalidInput") checkError(o.error, `element ${i}`, `commands[${i}]`, problems)
      })
      const diff = dumpDiff(before, after)
      if (diff !== undefined) problems.push(`a hostile list changed the store: ${diff}`)
    }
    return
  }
  const badOutcome = outcomes[t.bad]
  if (badOutcome === undefined) return
  if (!badOutcome.ok)
    checkError(badOutcome.error, `result ${t.bad} (the hostile command)`, plan.path, problems)
  if (!plan.refuse) return
  if (badOutcome.ok || tagOf(badOutcome.error) !== "InvalidInput")
    problems.push(
      `the hostile command ${t.bad}: expected its own InvalidInput, got ${badOutcome.ok ? "success" : tagOf(badOutcome.error)}`
    )
  if (t.mode === "linked") {
    outcomes.forEach((o, i) => {
      if (i !== t.bad && (o.ok || tagOf(o.error) !== "LinkedCommandFailed"))
        problems.push(
          `linked batch, command ${i}: expected LinkedCommandFailed, got ${o.ok ? "success" : tagOf(o.error)}`
        )
    })
    const diff = dumpDiff(before, after)
    if (diff !== undefined) problems.push(`a linked batch with a hostile command changed the store: ${diff}`)
    return
  }
  // independent: every valid neighbour is decided as on its own (each is new and valid here)
  for (const { index } of t.valid) {
    const o = outcomes[index]!
    if (!o.ok || o.replayed)
      problems.push(
        `valid command ${index} next to the hostile one: expected it applied, got ${o.ok ? "a replay" : `${tagOf(o.error)} (${errorText(o.error)})`}`
      )
  }
  problems.push(
    ...onlyValidEffects(
      before,
      after,
      t.valid.map((v) => v.command)
    )
  )
}

/** The store changed by exactly the valid commands' records: their entries, accounts, holds, closures and reversals, nothing else. */
const onlyValidEffects = (
  before: Dump,
  after: Dump,
  valid: ReadonlyArray<Record<string, unknown>>
): ReadonlyArray<string> => {
  const out: Array<string> = []
  const expect = {
    entries: new Set<string>(),
    accounts: new Set<string>(),
    closed: new Set<string>(),
    holds: new Set<string>(),
    resolved: new Set<string>(),
    reversed: new Set<string>()
  }
  for (const c of valid) {
    switch (c["_tag"]) {
      case "CreateAccount":
        expect.accounts.add(c["id"] as string)
        break
      case "CloseAccount":
        expect.closed.add(c["accountId"] as string)
        break
      case "CreateHold":
        expect.holds.add(c["id"] as string)
        expect.entries.add(c["id"] as string)
        break
      case "PostHold":
      case "VoidHold":
        expect.resolved.add(c["holdId"] as string)
        expect.entries.add(c["id"] as string)
        break
      case "Reverse":
        expect.reversed.add(c["entryId"] as string)
        expect.entries.add(c["id"] as string)
        break
      default:
        expect.entries.add(c["id"] as string)
    }
  }
  const compare = (what: string, got: Set<string>, want: Set<string>) => {
    const extra = [...got].filter((x) => !want.has(x))
    const missing = [...want].filter((x) => !got.has(x))
    if (extra.length > 0 || missing.length > 0)
      out.push(
        `${what}: unexpected ${show(extra)}, missing ${show(missing)} (only the valid commands may take effect)`
      )
  }
  const newIds = (a: ReadonlyArray<{ readonly id: string }>, b: ReadonlyArray<{ readonly id: string }>) => {
    const old = ids(b)
    return new Set([...ids(a)].filter((x) => !old.has(x)))
  }
  compare("new entries", newIds(after.entries, before.entries), expect.entries)
  compare("new accounts", newIds(after.accounts, before.accounts), expect.accounts)
  compare("new holds", newIds(after.holds, before.holds), expect.holds)
  const wasClosed = new Set(before.accounts.filter((a) => a.closed).map((a) => a.id))
  compare(
    "closed accounts",
    new Set(after.accounts.filter((a) => a.closed && !wasClosed.has(a.id)).map((a) => a.id)),
    expect.closed
  )
  const holdBefore = new Map(before.holds.map((h) => [h.id, h.status]))
  compare(
    "resolved holds",
    new Set(
      after.holds.filter((h) => holdBefore.has(h.id) && holdBefore.get(h.id) !== h.status).map((h) => h.id)
    ),
    expect.resolved
  )
  const entryBefore = new Map(before.entries.map((e) => [e.id, e]))
  const changedEntries = new Set(
    after.entries
      .filter((e) => entryBefore.has(e.id) && !isDeepStrictEqual(entryBefore.get(e.id), e))
      .map((e) => e.id)
  )
  compare("changed (reversed) entries", changedEntries, expect.reversed)
  const lineEntries = new Set(after.lines.map((l) => l.entryId))
  for (const l of before.lines) lineEntries.delete(l.entryId)
  const strayLines = [...lineEntries].filter((id) => !expect.entries.has(id))
  if (strayLines.length > 0) out.push(`lines for entries no valid command made: ${show(strayLines)}`)
  return out
}

const fail = (message: string): never => {
  throw new Error(message)
}

/** Runs one case on a fresh store: open the books, make the call, judge its answer, then check the store still serves. */
const runCase = async (
  layer: Layer.Layer<Ledger | LedgerStore, unknown>,
  plan: Plan,
  callTimeout: number
): Promise<ReadonlyArray<string>> => {
  const problems: Array<string> = []
  const runtime: Runtime = ManagedRuntime.make(layer)
  try {
    const opened = successOf(
      await ask(runtime, (ledger) => ledger.executeResults(openingCommands() as never), callTimeout),
      "opening the books",
      problems
    )
    if (opened === undefined) return problems
    const notApplied = (opened.value as ReadonlyArray<Result.Result<unknown, unknown>>).findIndex(
      Result.isFailure
    )
    if (notApplied >= 0) return [`opening the books: command ${notApplied} failed`]
    const beforeAnswer = successOf(
      await ask(runtime, (_, store) => store.dump, callTimeout),
      "dump",
      problems
    )
    if (beforeAnswer === undefined) return problems
    const before = beforeAnswer.value as Dump
    const protoBefore = prototypes()

    const answer = await ask(runtime, plan.call, callTimeout)
    if (answer._tag === "NoAnswer") {
      problems.push(`the call never answered (no result or error within ${callTimeout} ms)`)
      return problems
    }
    if (answer._tag === "Threw") {
      problems.push(`calling the method threw synchronously: ${errorText(answer.error)}`)
    }
    const afterAnswer = successOf(
      await ask(runtime, (_, store) => store.dump, callTimeout),
      "dump after the call",
      problems
    )
    if (afterAnswer === undefined) return problems
    const after = afterAnswer.value as Dump

    if (answer._tag === "Exit") {
      const exit = answer.exit
      if (Exit.isFailure(exit)) {
        const cause = exit.cause
        if (Cause.hasDies(cause))
          problems.push(`defect (the call died): ${Cause.pretty(cause).slice(0, 600)}`)
        else if (!Cause.hasFails(cause))
          problems.push(`the call was interrupted: ${Cause.pretty(cause).slice(0, 300)}`)
        else {
          const found = Cause.findError(cause)
          const e = Result.isSuccess(found) ? found.success : undefined
          const tag = tagOf(e)
          checkError(e, "the refusal", plan.path, problems)
          const diff = dumpDiff(before, after)
          if (diff !== undefined) problems.push(`refused with ${tag} but the store changed: ${diff}`)
          if (plan.typed !== undefined && plan.typed.bad !== undefined && plan.refuse)
            problems.push(
              `the whole batch was refused (${tag}: ${errorText(e)}) instead of only the hostile command ${plan.typed.bad}`
            )
          else if (plan.refuse && tag !== undefined && !plan.refusals.includes(tag))
            problems.push(`refused with ${tag} (${errorText(e)}), expected ${plan.refusals.join(" or ")}`)
        }
      } else {
        if (plan.typed !== undefined) checkTypedBatch(plan, plan.typed, exit.value, before, after, problems)
        else if (plan.refuse)
          problems.push(
            `a hostile value was accepted (expected InvalidInput): answered ${show(exit.value, 200)}`
          )
        else if (Array.isArray(exit.value)) {
          // every result is typed
          ;(exit.value as ReadonlyArray<Result.Result<unknown, unknown>>).forEach((r, i) => {
            if (Result.isFailure(r)) checkError(r.failure, `result ${i}`, undefined, problems)
          })
        }
        if (plan.verify !== undefined) problems.push(...plan.verify(exit.value))
        if (plan.read !== undefined) {
          const id = plan.read.id
          if (
            !(after[plan.read.collection] as ReadonlyArray<{ readonly id: string }>).some((r) => r.id === id)
          )
            problems.push(
              `a read answered for ${show(id)}, which names no ${plan.read.collection.slice(0, -1)}`
            )
        }
      }
    }

    try {
      Model.checkInvariants(after)
    } catch (e) {
      problems.push(`the books' invariants broke: ${errorText(e)}`)
    }
    try {
      problems.push(...sanity(after))
    } catch (e) {
      problems.push(`the stored records could not be read: ${errorText(e)}`)
    }
    if (prototypes() !== protoBefore || ({} as Record<string, unknown>)["polluted"] !== undefined)
      problems.push("a built-in prototype was modified")

    // the store keeps serving: expiry, a valid write, and reads of it
    const health: ReadonlyArray<[string, Call, (v: unknown) => boolean]> = [
      ["expireHolds afterwards", (ledger) => ledger.expireHolds, Array.isArray],
      [
        "a valid post afterwards",
        (ledger) =>
          ledger.post({
            id: "ok.1",
            postings: [{ debit: "cash", credit: "wallet", amount: "1", currency: "USD" }]
          }),
        (v) => isRecord(v) && v["id"] === "ok.1"
      ],
      ["getEntry of it", (ledger) => ledger.getEntry("ok.1"), (v) => isRecord(v) && v["id"] === "ok.1"],
      ["balances of the wallet", (ledger) => ledger.balances("wallet"), isRecord]
    ]
    for (const [what, call, ok] of health) {
      const got = successOf(await ask(runtime, call, callTimeout), what, problems)
      if (got === undefined) break
      if (!ok(got.value)) problems.push(`${what}: unexpected answer ${show(got.value, 200)}`)
    }
    return problems
  } finally {
    let closed = false
    await Promise.race([
      runtime.dispose().then(
        () => {
          closed = true
        },
        () => {
          closed = true
        }
      ),
      new Promise<void>((resolve) => setTimeout(resolve, callTimeout))
    ])
    if (!closed) problems.push(`the store did not close within ${callTimeout} ms`)
  }
}

type SlotGroup = "input" | "fields" | "postings" | "metadata"

const slotGroup = (s: Slot): SlotGroup =>
  s.path.length === 0
    ? "input"
    : s.path[0] === "postings"
      ? "postings"
      : s.path[0] === "metadata"
        ? "metadata"
        : "fields"

const SINGLE_GROUPS: ReadonlyArray<readonly [SlotGroup, string]> = [
  ["input", "as the whole input"],
  ["fields", "in each field of a valid input (and an unknown one)"],
  ["postings", "as a posting, a posting field and the posting list"],
  ["metadata", "as the metadata, a metadata value and a `__proto__` key"]
]

const BATCH_GROUPS: ReadonlyArray<readonly [ReadonlyArray<Position>, string]> = [
  [["array"], "as the batch list are refused and change nothing"],
  [["mode"], "as the mode are refused and change nothing"],
  [["element"], "as one command of a valid batch: only it is refused, its neighbours are decided normally"],
  [
    ["field"],
    "in one field of one command of a valid batch: only it is refused, its neighbours are decided normally"
  ]
]

/**
 * The fuzz suite: every public operation of the `Ledger` service on the store `layer` provides
 * (a fresh `Ledger.Ledger` and its `LedgerStore.LedgerStore` per build), fed hostile values
 * ({@link hostile}) in every position: as the whole input, as each field of an otherwise valid
 * input, as a posting, a posting field, inside metadata, as the batch list, as one command of an
 * otherwise valid batch (valid commands before and after it), and as a field read once valid and
 * then hostile. The batch operations (`executeResults`, `executeSummary`) are fed both forms of
 * command: typed (bigint amounts, which skip the schema) and JSON (`…/json`: string amounts).
 *
 * Each case runs on a fresh store with opened books and checks: the call answers (within
 * `callTimeout`) with a success or one of the ledger's typed errors — never a defect, a
 * synchronous throw or a `StoreFailure`; a value that can never be valid there is refused with
 * `InvalidInput` naming the field; a refused call changes nothing (the whole `dump`); in a
 * batch the hostile command gets its own `InvalidInput` at its index while the valid commands
 * apply (independent mode: exactly their records appear) or fail with `LinkedCommandFailed`
 * (linked mode); the books' invariants hold, no record of a malformed type was stored, no
 * built-in prototype changed; and afterwards `expireHolds`, a valid post, a read of it and a
 * balance read all succeed.
 *
 * @example
 * ```ts
 * import { Ids, Notifier } from "@paykit/core"
 * import { Ledger, LedgerStore } from "@paykit/ledger"
 * import { FuzzSuite } from "@paykit/ledger/testing"
 * import { Layer } from "effect"
 * FuzzSuite.suite(
 *   "memory",
 *   Ledger.layer().pipe(Layer.provideMerge(LedgerStore.layerMemory), Layer.provide([Notifier.layerMemory, Ids.layer])),
 *   { numRuns: 100 }
 * )
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const suite = (
  name: string,
  layer: Layer.Layer<Ledger | LedgerStore, unknown>,
  options: Options = {}
): void => {
  const numRuns = options.numRuns ?? 100
  const callTimeout = options.callTimeout ?? 30_000
  const timeout = options.timeout ?? 1_800_000

  /** A property over `arbitrary`: each case's problems fail it; after one call never answered, later cases wait less. */
  const property = <P>(arbitrary: fc.Arbitrary<P>, plan: (p: P) => Plan) => {
    let wait = callTimeout
    return fc.assert(
      fc.asyncProperty(arbitrary, async (p) => {
        const c = plan(p)
        const problems = await runCase(layer, c, wait)
        if (problems.some((x) => x.includes("never answered") || x.includes("no answer")))
          wait = Math.min(callTimeout, 10_000)
        if (problems.length > 0) fail(`${c.label}\n  - ${problems.join("\n  - ")}`)
      }),
      { numRuns }
    )
  }

  describe(`Ledger fuzz: ${name}`, () => {
    for (const op of SINGLE_WRITES) {
      const slots = [slot([], "input"), ...fieldSlots(singleTemplate(op), false, TAG_OF[op])]
      for (const [group, what] of SINGLE_GROUPS) {
        const inGroup = slots.filter((s) => slotGroup(s) === group)
        if (inGroup.length === 0) continue
        it(
          `${op}: hostile values ${what} answer a typed error and change nothing (${numRuns} runs)`,
          { timeout },
          () => property(singleArbitrary(inGroup), (p) => singleWritePlan(op, p))
        )
      }
    }
    for (const op of BATCHES) {
      for (const [positions, what] of BATCH_GROUPS) {
        it(`${op}: hostile values ${what} (${numRuns} runs)`, { timeout }, () =>
          property(batchArbitrary(op, positions), (p) => batchPlan(op, p))
        )
      }
    }
    for (const op of READS) {
      it(
        `${op}: hostile values as the input and in each field answer a typed error (${numRuns} runs)`,
        { timeout },
        () => property(singleArbitrary(READ_SLOTS[op]), (p) => readPlan(op, p))
      )
    }
    for (const op of ["executeResults", "executeSummary"] as const) {
      it(`${op}: a Transfer whose postings are null-ish ([null], [undefined], null, {}, a Proxy) between valid commands is refused alone, and the store keeps serving`, {
        timeout
      }, async () => {
        const all: Array<string> = []
        for (const label of NULLISH) {
          const h = hostiles.find((x) => x.label === label)!
          const slots = fieldSlots(command("Transfer", 1, true, true), true, "Transfer").map(slotLabel)
          for (const at of ["postings", "postings := [value]", "postings[0]", "postings[1]"]) {
            const field = slots.indexOf(at)
            const plan = batchPlan(op, {
              before: ["CreateHold"],
              after: ["Transfer"],
              badTag: "Transfer",
              field,
              mode: undefined,
              position: "field",
              hostile: h,
              toctou: false
            })
            const problems = await runCase(layer, plan, callTimeout)
            if (problems.length > 0) all.push(`${plan.label}\n  - ${problems.join("\n  - ")}`)
          }
        }
        if (all.length > 0) fail(all.join("\n"))
      })
    }
    it(
      `expireHolds: expires holds whose descriptions and metadata are odd but valid, and the store keeps serving (${Math.max(5, Math.ceil(numRuns / 5))} runs)`,
      { timeout },
      () =>
        fc.assert(
          fc.asyncProperty(
            fc.array(
              fc.record({
                timeoutMs: fc.integer({ min: 1, max: 30 }),
                description: fc.constantFrom(
                  "",
                  "a".repeat(1_024),
                  "emoji 💳 and ünïcödé",
                  "quotes \" ' \\ and a \\u0000 escape",
                  "constructor"
                ),
                metadataKey: fc.constantFrom("k", "__proto__", "constructor", "a.b[0]", "toString")
              }),
              { minLength: 1, maxLength: 4 }
            ),
            async (holds) => {
              const label = `expireHolds after holds ${show(holds, 400)}`
              const plan: Plan = {
                label,
                call: (ledger) =>
                  Effect.gen(function* () {
                    const created: Array<string> = []
                    for (const [i, h] of holds.entries()) {
                      const metadata = Object.defineProperty({}, h.metadataKey, {
                        value: "v",
                        enumerable: true,
                        writable: true,
                        configurable: true
                      })
                      const r = yield* Effect.result(
                        ledger.hold({
                          id: `exp.${i}`,
                          debit: "wallet",
                          credit: "merchant",
                          amount: "5",
                          currency: "USD",
                          timeoutMs: h.timeoutMs,
                          description: h.description,
                          metadata
                        })
                      )
                      if (Result.isSuccess(r)) created.push(r.success.id)
                      else if (tagOf(r.failure) === "StoreFailure" || !ALLOWED.has(tagOf(r.failure) ?? ""))
                        return yield* Effect.fail(r.failure)
                    }
                    yield* Effect.sleep(60)
                    const expired = yield* ledger.expireHolds
                    const statuses = yield* Effect.forEach(created, (id) =>
                      Effect.map(ledger.getHold(id), (h) => h.status)
                    )
                    return { created, statuses, expired: expired.map((h) => h.id) }
                  }),
                refuse: false,
                refusals: [],
                path: undefined,
                verify: (value) => {
                  const v = value as {
                    created: Array<string>
                    statuses: Array<string>
                    expired: Array<string>
                  }
                  const out: Array<string> = []
                  if (v.statuses.some((s) => s !== "expired"))
                    out.push(
                      `holds past their timeout are not expired after expireHolds: ${v.statuses.join(", ")}`
                    )
                  // a hold may already have expired at the write that created the next one
                  if (v.expired.some((id) => !v.created.includes(id)))
                    out.push(
                      `expireHolds answered ${show(v.expired)}, holds it did not expire (${show(v.created)})`
                    )
                  return out
                }
              }
              const problems = await runCase(layer, plan, callTimeout)
              if (problems.length > 0) fail(`${label}\n  - ${problems.join("\n  - ")}`)
            }
          ),
          { numRuns: Math.max(5, Math.ceil(numRuns / 5)) }
        )
    )
  })
}

/** The null-ish values every suite run puts in a Transfer's postings (the auditor's `postings: [null]`). */
const NULLISH = ["[null]", "[undefined]", "null", "{}", "a Proxy of {} that throws on every trap"]

/** The hostile values the sweep also puts behind a getter that answers the valid value once. */
const TOCTOU_SWEEP = new Set([
  "null",
  "undefined",
  "-1n",
  "a Proxy of {} that throws on every trap",
  "[null]"
])

/** Every case of the sweep for one operation: each curated hostile value in each position, once. */
const sweepPlans = (
  op: (typeof SINGLE_WRITES)[number] | Read | Batch,
  hostiles: ReadonlyArray<Hostile>
): ReadonlyArray<Plan> => {
  const plans: Array<Plan> = []
  const single = (s: Slot, h: Hostile, toctou: boolean): SingleParams => ({ slot: s, hostile: h, toctou })
  if ((SINGLE_WRITES as ReadonlyArray<string>).includes(op)) {
    const w = op as SingleWrite
    for (const s of [slot([], "input"), ...fieldSlots(singleTemplate(w), false, TAG_OF[w])])
      for (const h of hostiles) {
        plans.push(singleWritePlan(w, single(s, h, false)))
        if (s.path.length > 0 && TOCTOU_SWEEP.has(h.label)) plans.push(singleWritePlan(w, single(s, h, true)))
      }
  } else if ((READS as ReadonlyArray<string>).includes(op)) {
    const r = op as Read
    for (const s of READ_SLOTS[r]) for (const h of hostiles) plans.push(readPlan(r, single(s, h, false)))
  } else {
    const b = op as Batch
    const base = { before: ["Transfer"], after: ["CreateHold"], mode: undefined }
    for (const h of hostiles) {
      for (const position of ["array", "mode", "element"] as const)
        plans.push(
          batchPlan(b, { ...base, badTag: "Transfer", field: 0, position, hostile: h, toctou: false })
        )
      for (const badTag of TAGS) {
        const typed = !isJson(b)
        const count = fieldSlots(command(badTag, 1, typed, true), typed, badTag).length
        for (let field = 0; field < count; field++) {
          plans.push(batchPlan(b, { ...base, badTag, field, position: "field", hostile: h, toctou: false }))
          if (TOCTOU_SWEEP.has(h.label))
            plans.push(batchPlan(b, { ...base, badTag, field, position: "field", hostile: h, toctou: true }))
        }
      }
    }
  }
  return plans
}

/** A problem with its case-specific details (quoted values, numbers) blurred, to group cases by problem. */
const problemKind = (problem: string): string =>
  problem
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/[{[].*$/, "…")
    .replace(/\d+/g, "N")
    .slice(0, 160)

/**
 * Options of the sweep: `callTimeout` and `timeout` as for the suite; `operations` to sweep
 * (default all), `hostiles` to put in each position (default all of {@link hostiles}; a few
 * make a sweep a slow store can afford).
 *
 * @example
 * ```ts
 * import { FuzzSuite } from "@paykit/ledger/testing"
 * const few: FuzzSuite.SweepOptions = {
 *   operations: ["executeSummary"],
 *   hostiles: FuzzSuite.hostiles.filter((h) => h.label === "null" || h.label === "[null]")
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface SweepOptions {
  readonly callTimeout?: number
  readonly timeout?: number
  readonly operations?: ReadonlyArray<string>
  readonly hostiles?: ReadonlyArray<Hostile>
}

/**
 * The exhaustive sweep: every curated hostile value ({@link hostiles}) in every position of
 * every operation, once each (batches as `[Transfer, ★, CreateHold]`, independent), with the
 * same checks as {@link suite}. Unlike a property it does not stop at the first failing case:
 * each operation's test fails with every distinct problem, how many cases show it and the
 * first of them. Tens of thousands of cases: meant for the memory store and for runs on demand.
 *
 * @example
 * ```ts
 * import { Ids, Notifier } from "@paykit/core"
 * import { Ledger, LedgerStore } from "@paykit/ledger"
 * import { FuzzSuite } from "@paykit/ledger/testing"
 * import { Layer } from "effect"
 * FuzzSuite.sweep(
 *   "memory",
 *   Ledger.layer().pipe(Layer.provideMerge(LedgerStore.layerMemory), Layer.provide([Notifier.layerMemory, Ids.layer]))
 * )
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const sweep = (
  name: string,
  layer: Layer.Layer<Ledger | LedgerStore, unknown>,
  options: SweepOptions = {}
): void => {
  const callTimeout = options.callTimeout ?? 30_000
  const timeout = options.timeout ?? 3_600_000
  const values = options.hostiles ?? hostiles
  const operations = [...SINGLE_WRITES, ...BATCHES, ...READS].filter(
    (op) => options.operations === undefined || options.operations.includes(op)
  )
  describe(`Ledger fuzz sweep: ${name}`, () => {
    for (const op of operations) {
      it(`${op}: every curated hostile value in every position`, { timeout }, async () => {
        const seen = new Map<string, { count: number; first: string; problem: string }>()
        let wait = callTimeout
        const plans = sweepPlans(op, values)
        for (const plan of plans) {
          const problems = await runCase(layer, plan, wait)
          if (problems.some((x) => x.includes("never answered") || x.includes("no answer")))
            wait = Math.min(callTimeout, 10_000)
          for (const problem of problems) {
            const key = problemKind(problem)
            const known = seen.get(key)
            if (known === undefined) seen.set(key, { count: 1, first: plan.label, problem })
            else known.count++
          }
        }
        if (seen.size > 0)
          fail(
            `${seen.size} distinct problems in ${plans.length} cases:\n` +
              [...seen.values()]
                .map((v) => `- ${v.problem}\n    ${v.count} case(s), first: ${v.first}`)
                .join("\n")
          )
      })
    }
  })
}
