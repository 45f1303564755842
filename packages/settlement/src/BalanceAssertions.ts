/**
 * Balance assertions over a snapshot of the ledger: an integer-weighted sum of balances is zero
 * (within a tolerance), balances stay within bounds, no hold outlives its deadline. Pure: run
 * them per period (a day, a month) on a snapshot taken at its end; each finding carries the
 * assertion's severity. Definitions are data, decodable from JSON with {@link decode}.
 *
 * @since 0.1.0
 */
import { Input } from "@paykit/core"
import { Money } from "@paykit/core/schema"
import { Schema } from "effect"
import * as Result from "effect/Result"

/**
 * How much a finding matters: `info`, `warning` or `critical`.
 *
 * @example
 * ```ts
 * import type { BalanceAssertions } from "@paykit/settlement"
 * const s: BalanceAssertions.Severity = "critical"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Severity = "info" | "warning" | "critical"

/**
 * The integer-weighted sum of the named accounts' balances is within `tolerance` of zero
 * (e.g. weights `{ "cash": 1n, "merchant_payable": -1n, "fees_income": -1n }`: what the bank
 * holds equals what is owed plus what was earned). An account absent from the snapshot counts
 * as zero and is reported (`account_missing`).
 *
 * @example
 * ```ts
 * import type { BalanceAssertions } from "@paykit/settlement"
 * const a: BalanceAssertions.WeightedSumZero = { kind: "weighted_sum_zero", name: "cash covers payables", weights: { cash: 1n, payable: -1n }, tolerance: 0n, severity: "critical" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface WeightedSumZero {
  readonly kind: "weighted_sum_zero"
  readonly name: string
  readonly weights: Readonly<Record<string, bigint>>
  readonly tolerance: bigint
  readonly severity: Severity
}

/**
 * Every account named in `accounts`, or every account of the snapshot whose id matches
 * `pattern` (a glob where `*` is any run of characters, e.g. `"merchant:*:available"`), has a
 * balance within `[min, max]` (either bound may be absent, not both). One of `accounts` and
 * `pattern`, not both. A pattern that matches no account is reported (`no_account_matched`).
 *
 * @example
 * ```ts
 * import type { BalanceAssertions } from "@paykit/settlement"
 * const a: BalanceAssertions.Bounds = { kind: "bounds", name: "no negative merchant balance", pattern: "merchant:*", min: 0n, severity: "warning" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Bounds {
  readonly kind: "bounds"
  readonly name: string
  readonly accounts?: ReadonlyArray<string>
  readonly pattern?: string
  readonly min?: bigint
  readonly max?: bigint
  readonly severity: Severity
}

/**
 * No `pending` hold is still open more than `graceMillis` after its `expiresAt`, at `asOf`
 * (the period's end when absent). Holds without a deadline are never reported.
 *
 * @example
 * ```ts
 * import type { BalanceAssertions } from "@paykit/settlement"
 * const a: BalanceAssertions.HoldsPastDeadline = { kind: "holds_past_deadline", name: "holds expire", graceMillis: 3_600_000, severity: "warning" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface HoldsPastDeadline {
  readonly kind: "holds_past_deadline"
  readonly name: string
  readonly asOf?: number
  readonly graceMillis: number
  readonly severity: Severity
}

/**
 * One of {@link WeightedSumZero}, {@link Bounds} and {@link HoldsPastDeadline}.
 *
 * @example
 * ```ts
 * import { BalanceAssertions } from "@paykit/settlement"
 * const all: ReadonlyArray<BalanceAssertions.Assertion> = [BalanceAssertions.bounds({ name: "x", accounts: ["a"], min: 0n, severity: "info" })]
 * ```
 * @category models
 * @since 0.1.0
 */
export type Assertion = WeightedSumZero | Bounds | HoldsPastDeadline

/**
 * A hold as the assertions see it: its id, its deadline (absent: none), its status
 * (`pending`, `posted`, `voided`, `expired`, as in `@paykit/ledger`'s `Hold`) and the account
 * it reserves on, when known.
 *
 * @example
 * ```ts
 * import type { BalanceAssertions } from "@paykit/settlement"
 * const h: BalanceAssertions.HoldView = { id: "h1", expiresAt: 1_000, status: "pending" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface HoldView {
  readonly id: string
  readonly expiresAt?: number
  readonly status: string
  readonly account?: string
}

/**
 * The ledger at the end of a period: each account's signed balance (minor units) and the
 * holds.
 *
 * @example
 * ```ts
 * import type { BalanceAssertions } from "@paykit/settlement"
 * const s: BalanceAssertions.Snapshot = { balances: new Map([["cash", 100n]]), holds: [] }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Snapshot {
  readonly balances: ReadonlyMap<string, bigint>
  readonly holds?: ReadonlyArray<HoldView>
}

/**
 * The period a check covers, `[start, end)` in milliseconds since the epoch, with an optional
 * label (`"2025-03"`).
 *
 * @example
 * ```ts
 * import type { BalanceAssertions } from "@paykit/settlement"
 * const p: BalanceAssertions.Period = { start: Date.UTC(2025, 2, 1), end: Date.UTC(2025, 3, 1), label: "2025-03" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Period {
  readonly start: number
  readonly end: number
  readonly label?: string
}

/**
 * What a finding reports: `sum_not_zero`, `below_min`, `above_max`, `hold_past_deadline`,
 * `account_missing` (an account an assertion names is not in the snapshot) or
 * `no_account_matched` (a bounds pattern matched nothing).
 *
 * @example
 * ```ts
 * import type { BalanceAssertions } from "@paykit/settlement"
 * const k: BalanceAssertions.FindingKind = "below_min"
 * ```
 * @category models
 * @since 0.1.0
 */
export type FindingKind =
  | "sum_not_zero"
  | "below_min"
  | "above_max"
  | "hold_past_deadline"
  | "account_missing"
  | "no_account_matched"

/**
 * One failed assertion: which, how badly (the assertion's severity), for which period, what
 * (the kind, the account or the hold, the value found and the limit it broke) and a message a
 * person can act on.
 *
 * @example
 * ```ts
 * import type { BalanceAssertions } from "@paykit/settlement"
 * const critical = (fs: ReadonlyArray<BalanceAssertions.Finding>) => fs.filter((f) => f.severity === "critical")
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Finding {
  readonly assertion: string
  readonly kind: FindingKind
  readonly severity: Severity
  readonly period: Period
  readonly message: string
  readonly account?: string
  readonly hold?: string
  readonly value?: bigint
  readonly limit?: bigint
}

/**
 * An assertion definition or a check's input is not valid: `path` names the field
 * (`assertions[2].weights`, `snapshot.balances["cash"]`), `reason` what was expected. Nothing
 * was checked.
 *
 * @example
 * ```ts
 * import { BalanceAssertions } from "@paykit/settlement"
 * new BalanceAssertions.InvalidAssertion({ path: "[0].tolerance", reason: "expected minor units" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class InvalidAssertion extends Schema.TaggedError<InvalidAssertion>()("InvalidAssertion", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `balance assertion input ${this.path || "(root)"}: ${this.reason}; nothing was checked, fix the definition and run again`
  }
}

// ---------------------------------------------------------------------------------------------
// schemas

const SeveritySchema = Schema.Literals(["info", "warning", "critical"])
const Name = Schema.NonEmptyString.check(Input.storableText)
const Millis = Schema.Finite
const NonNegativeMillis = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

const makeSchema = <A extends Schema.Codec<bigint, unknown, never, never>>(Amount: A) =>
  Schema.Array(
    Schema.Union([
      Schema.Struct({
        kind: Schema.Literal("weighted_sum_zero"),
        name: Name,
        weights: Schema.Record(Name, Amount),
        tolerance: Amount,
        severity: SeveritySchema
      }),
      Schema.Struct({
        kind: Schema.Literal("bounds"),
        name: Name,
        accounts: Schema.optionalKey(Schema.Array(Name)),
        pattern: Schema.optionalKey(Name),
        min: Schema.optionalKey(Amount),
        max: Schema.optionalKey(Amount),
        severity: SeveritySchema
      }),
      Schema.Struct({
        kind: Schema.Literal("holds_past_deadline"),
        name: Name,
        asOf: Schema.optionalKey(Millis),
        graceMillis: NonNegativeMillis,
        severity: SeveritySchema
      })
    ])
  )

/** What a schema cannot say: the rules between fields, naming the field at fault. */
const crossFieldProblem = (
  defs: ReadonlyArray<Assertion>
): { readonly path: string; readonly reason: string } | undefined => {
  for (let i = 0; i < defs.length; i++) {
    const a = defs[i]!
    const at = (field: string, reason: string) => ({ path: `[${i}].${field}`, reason })
    if (a.kind === "weighted_sum_zero") {
      if (Object.keys(a.weights).length === 0) return at("weights", "expected at least one account")
      if (a.tolerance < 0n) return at("tolerance", "expected a tolerance ≥ 0")
    } else if (a.kind === "bounds") {
      if ((a.accounts === undefined) === (a.pattern === undefined)) {
        return at("accounts", "expected exactly one of accounts (a list) and pattern (a glob)")
      }
      if (a.accounts !== undefined && a.accounts.length === 0)
        return at("accounts", "expected at least one account")
      if (a.min === undefined && a.max === undefined) return at("min", "expected min, max or both")
      if (a.min !== undefined && a.max !== undefined && a.min > a.max) {
        return at("max", `expected max ≥ min (${a.min})`)
      }
    }
  }
  return undefined
}

const MAX = 2n ** 127n - 1n

const MinorBigInt = Schema.BigInt.check(
  Schema.makeFilter((n: bigint) => MAX >= (n < 0n ? -n : n) || "outside the supported range ±(2^127 − 1)")
)

/** Definitions as data in memory (bigints). */
const Typed = makeSchema(MinorBigInt)
/** Definitions as JSON: amounts and weights as integer strings. */
const JsonDefinitions = makeSchema(Money.MinorUnits)

/**
 * The JSON codec of a list of assertion definitions (amounts, weights and tolerances as integer
 * strings, like every paykit amount in JSON), for definitions kept in a file or a database.
 *
 * @example
 * ```ts
 * import { BalanceAssertions } from "@paykit/settlement"
 * import { Schema } from "effect"
 * Schema.encodeSync(BalanceAssertions.Json)([BalanceAssertions.bounds({ name: "x", accounts: ["a"], min: 0n, severity: "info" })])
 * ```
 * @category models
 * @since 0.1.0
 */
export const Json: Schema.Codec<ReadonlyArray<Assertion>, unknown> = JsonDefinitions as never

const toInvalid = (e: { readonly path: string; readonly reason: string }, prefix = ""): InvalidAssertion =>
  new InvalidAssertion({ path: prefix + e.path, reason: e.reason })

/**
 * Decodes assertion definitions from JSON (see {@link Json}); a bad one is `InvalidAssertion`
 * naming its index and field (`[1].min`).
 *
 * @example
 * ```ts
 * import { BalanceAssertions } from "@paykit/settlement"
 * BalanceAssertions.decode([{ kind: "bounds", name: "cash", accounts: ["cash"], min: "0", severity: "critical" }])
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const decode = (input: unknown): Result.Result<ReadonlyArray<Assertion>, InvalidAssertion> => {
  const r = Input.decodeResult("BalanceAssertions.decode", JsonDefinitions)(input)
  if (Result.isFailure(r)) return Result.fail(toInvalid(r.failure))
  const defs = r.success as ReadonlyArray<Assertion>
  const problem = crossFieldProblem(defs)
  return problem === undefined ? Result.succeed(defs) : Result.fail(toInvalid(problem))
}

/**
 * A {@link WeightedSumZero} assertion (checked when {@link check} runs it).
 *
 * @example
 * ```ts
 * import { BalanceAssertions } from "@paykit/settlement"
 * BalanceAssertions.weightedSumZero({ name: "books balance", weights: { cash: 1n, payable: -1n }, tolerance: 0n, severity: "critical" })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const weightedSumZero = (definition: Omit<WeightedSumZero, "kind">): WeightedSumZero => ({
  kind: "weighted_sum_zero",
  ...definition
})

/**
 * A {@link Bounds} assertion (checked when {@link check} runs it).
 *
 * @example
 * ```ts
 * import { BalanceAssertions } from "@paykit/settlement"
 * BalanceAssertions.bounds({ name: "reserve cap", pattern: "reserve:*", max: 1_000_000n, severity: "warning" })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const bounds = (definition: Omit<Bounds, "kind">): Bounds => ({ kind: "bounds", ...definition })

/**
 * A {@link HoldsPastDeadline} assertion (checked when {@link check} runs it).
 *
 * @example
 * ```ts
 * import { BalanceAssertions } from "@paykit/settlement"
 * BalanceAssertions.holdsPastDeadline({ name: "stale holds", graceMillis: 86_400_000, severity: "warning" })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const holdsPastDeadline = (definition: Omit<HoldsPastDeadline, "kind">): HoldsPastDeadline => ({
  kind: "holds_past_deadline",
  ...definition
})

// ---------------------------------------------------------------------------------------------
// checking

/** Whether `s` matches the glob `p` (`*`: any run of characters); linear-time, no regex. */
const globMatch = (p: string, s: string): boolean => {
  let pi = 0
  let si = 0
  let star = -1
  let mark = 0
  while (si < s.length) {
    if (pi < p.length && p[pi] !== "*" && p[pi] === s[si]) {
      pi++
      si++
    } else if (pi < p.length && p[pi] === "*") {
      star = pi++
      mark = si
    } else if (star !== -1) {
      pi = star + 1
      si = ++mark
    } else return false
  }
  while (pi < p.length && p[pi] === "*") pi++
  return pi === p.length
}

const describe = (u: unknown): string =>
  u === null ? "null" : Array.isArray(u) ? "an array" : typeof u === "bigint" ? `${u}n` : typeof u

const checkSnapshot = (snapshot: unknown): InvalidAssertion | undefined => {
  if (typeof snapshot !== "object" || snapshot === null) {
    return new InvalidAssertion({
      path: "snapshot",
      reason: `expected { balances, holds }, got ${describe(snapshot)}`
    })
  }
  const s = snapshot as { balances?: unknown; holds?: unknown }
  if (!(s.balances instanceof Map)) {
    return new InvalidAssertion({
      path: "snapshot.balances",
      reason: `expected a Map from account id to a bigint balance, got ${describe(s.balances)}`
    })
  }
  for (const [k, v] of s.balances as Map<unknown, unknown>) {
    if (typeof k !== "string") {
      return new InvalidAssertion({
        path: "snapshot.balances",
        reason: `expected string account ids, got ${describe(k)}`
      })
    }
    if (typeof v !== "bigint") {
      return new InvalidAssertion({
        path: `snapshot.balances[${JSON.stringify(k)}]`,
        reason: `expected a signed balance in minor units (bigint), got ${describe(v)}`
      })
    }
  }
  if (s.holds !== undefined) {
    if (!Array.isArray(s.holds)) {
      return new InvalidAssertion({
        path: "snapshot.holds",
        reason: `expected an array, got ${describe(s.holds)}`
      })
    }
    for (let i = 0; i < s.holds.length; i++) {
      const h = s.holds[i] as { id?: unknown; status?: unknown; expiresAt?: unknown } | null
      const at = `snapshot.holds[${i}]`
      if (typeof h !== "object" || h === null) {
        return new InvalidAssertion({ path: at, reason: `expected a hold, got ${describe(h)}` })
      }
      if (typeof h.id !== "string")
        return new InvalidAssertion({ path: `${at}.id`, reason: "expected a string" })
      if (typeof h.status !== "string") {
        return new InvalidAssertion({ path: `${at}.status`, reason: "expected a string" })
      }
      if (h.expiresAt !== undefined && (typeof h.expiresAt !== "number" || !Number.isFinite(h.expiresAt))) {
        return new InvalidAssertion({
          path: `${at}.expiresAt`,
          reason: `expected milliseconds since the epoch or nothing, got ${describe(h.expiresAt)}`
        })
      }
    }
  }
  return undefined
}

const checkPeriod = (period: unknown): InvalidAssertion | undefined => {
  if (typeof period !== "object" || period === null) {
    return new InvalidAssertion({
      path: "period",
      reason: `expected { start, end }, got ${describe(period)}`
    })
  }
  const p = period as { start?: unknown; end?: unknown; label?: unknown }
  for (const key of ["start", "end"] as const) {
    const v = p[key]
    if (typeof v !== "number" || !Number.isFinite(v)) {
      return new InvalidAssertion({ path: `period.${key}`, reason: `expected milliseconds since the epoch` })
    }
  }
  if ((p.start as number) > (p.end as number)) {
    return new InvalidAssertion({ path: "period.end", reason: "expected end ≥ start" })
  }
  if (p.label !== undefined && typeof p.label !== "string") {
    return new InvalidAssertion({ path: "period.label", reason: "expected a string or nothing" })
  }
  return undefined
}

/**
 * Runs the assertions over a snapshot for a period: the findings (empty when every assertion
 * holds), in the order of the assertions (accounts of a pattern in id order), each with its
 * assertion's severity. The assertions, the snapshot and the period are checked first; a bad
 * one is `InvalidAssertion` naming the field (`assertions[1].max`, `snapshot.balances["x"]`).
 *
 * @example
 * ```ts
 * import { BalanceAssertions } from "@paykit/settlement"
 * const findings = BalanceAssertions.check(
 *   [BalanceAssertions.bounds({ name: "no overdraft", pattern: "merchant:*", min: 0n, severity: "critical" })],
 *   { balances: new Map([["merchant:1", -5n]]) },
 *   { start: 0, end: 86_400_000 }
 * )
 * ```
 * @category math
 * @since 0.1.0
 */
export const check = (
  assertions: ReadonlyArray<Assertion>,
  snapshot: Snapshot,
  period: Period
): Result.Result<ReadonlyArray<Finding>, InvalidAssertion> => {
  const decoded = Input.decodeResult("BalanceAssertions.check", Typed)(assertions)
  if (Result.isFailure(decoded)) return Result.fail(toInvalid(decoded.failure, "assertions"))
  const problem = crossFieldProblem(decoded.success as ReadonlyArray<Assertion>)
  if (problem !== undefined) return Result.fail(toInvalid(problem, "assertions"))
  const badSnapshot = checkSnapshot(snapshot)
  if (badSnapshot !== undefined) return Result.fail(badSnapshot)
  const badPeriod = checkPeriod(period)
  if (badPeriod !== undefined) return Result.fail(badPeriod)
  const findings: Array<Finding> = []
  const { balances } = snapshot
  const p: Period = {
    start: period.start,
    end: period.end,
    ...(period.label !== undefined ? { label: period.label } : {})
  }
  const where = p.label ?? `[${new Date(p.start).toISOString()}, ${new Date(p.end).toISOString()})`
  for (const a of decoded.success as ReadonlyArray<Assertion>) {
    const base = { assertion: a.name, severity: a.severity, period: p }
    const missing = (account: string) =>
      findings.push({
        ...base,
        kind: "account_missing",
        account,
        message: `${a.name} (${where}): account ${account} is not in the snapshot; check the assertion's account ids`
      })
    switch (a.kind) {
      case "weighted_sum_zero": {
        let sum = 0n
        for (const [account, weight] of Object.entries(a.weights)) {
          const b = balances.get(account)
          if (b === undefined) missing(account)
          else sum += weight * b
        }
        if ((sum < 0n ? -sum : sum) > a.tolerance) {
          findings.push({
            ...base,
            kind: "sum_not_zero",
            value: sum,
            limit: a.tolerance,
            message: `${a.name} (${where}): the weighted sum of balances is ${sum}, beyond the tolerance of ${a.tolerance}; look for an entry posted to one side only`
          })
        }
        break
      }
      case "bounds": {
        let accounts: Array<string>
        if (a.accounts !== undefined) accounts = [...a.accounts]
        else {
          const pattern = a.pattern!
          accounts = []
          for (const id of balances.keys()) if (globMatch(pattern, id)) accounts.push(id)
          accounts.sort()
          if (accounts.length === 0) {
            findings.push({
              ...base,
              kind: "no_account_matched",
              message: `${a.name} (${where}): no account matches ${pattern}; check the pattern`
            })
          }
        }
        for (const account of accounts) {
          const b = balances.get(account)
          if (b === undefined) {
            missing(account)
            continue
          }
          if (a.min !== undefined && b < a.min) {
            findings.push({
              ...base,
              kind: "below_min",
              account,
              value: b,
              limit: a.min,
              message: `${a.name} (${where}): ${account} is at ${b}, below the minimum ${a.min}`
            })
          } else if (a.max !== undefined && b > a.max) {
            findings.push({
              ...base,
              kind: "above_max",
              account,
              value: b,
              limit: a.max,
              message: `${a.name} (${where}): ${account} is at ${b}, above the maximum ${a.max}`
            })
          }
        }
        break
      }
      case "holds_past_deadline": {
        const asOf = a.asOf ?? p.end
        for (const h of snapshot.holds ?? []) {
          if (h.status !== "pending" || h.expiresAt === undefined) continue
          if (asOf > h.expiresAt + a.graceMillis) {
            findings.push({
              ...base,
              kind: "hold_past_deadline",
              hold: h.id,
              ...(h.account !== undefined ? { account: h.account } : {}),
              message: `${a.name} (${where}): hold ${h.id} is still pending ${asOf - h.expiresAt} ms after its deadline; void, post or expire it`
            })
          }
        }
        break
      }
    }
  }
  return Result.succeed(findings)
}
