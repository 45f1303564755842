/**
 * Transaction matching between paykit's records (the internal side, usually made from balance
 * transactions with {@link fromBalanceTransaction}) and an acquirer's or a bank's file (the
 * external side, made by the importers of `Importers`). Pure: it reads two sides and returns
 * results; it never adjusts, creates or deletes anything.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import * as Result from "effect/Result"
import type { BalanceTransaction } from "./BalanceTransaction.ts"

/**
 * One record of paykit's side: `amount` is signed minor units from the merchant's side (a charge
 * positive, a refund or a payout negative), `at` milliseconds since the epoch. `batch` groups
 * records that the other side may report as one row (a payout id, a settlement batch): see
 * {@link match}. `type` and `source` are carried for the reader and never used to match.
 *
 * @example
 * ```ts
 * import type { Reconciliation } from "@paykit/settlement"
 * const r: Reconciliation.InternalRecord = { id: "txn_1", reference: "pay_1", amount: 970n, currency: "EUR", at: 0 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface InternalRecord {
  readonly id: string
  readonly reference: string
  readonly amount: bigint
  readonly currency: string
  readonly at: number
  readonly batch?: string
  readonly type?: string
  readonly source?: string
}

/**
 * One row of an external file: the same fields as {@link InternalRecord}, plus where it came
 * from (`row`, counted from 1 with the header as row 1), the file's own type of the row
 * (`type`, e.g. Stripe's reporting category or Adyen's journal type), its batch and, when the
 * file itemises them, the gross amount and the fee (minor units).
 *
 * @example
 * ```ts
 * import type { Reconciliation } from "@paykit/settlement"
 * const r: Reconciliation.ExternalRecord = { id: "row:2", reference: "pay_1", amount: 970n, currency: "EUR", at: 0, row: 2 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface ExternalRecord {
  readonly id: string
  readonly reference: string
  readonly amount: bigint
  readonly currency: string
  readonly at: number
  readonly row?: number
  readonly type?: string
  readonly batch?: string
  readonly gross?: bigint
  readonly fee?: bigint
}

/**
 * How records match:
 *
 * - `amountTolerance`: the largest difference, in minor units, between the two sides' sums that
 *   still counts as matched (0n: exact);
 * - `dateWindowMillis`: the largest distance in time between a record and its counterpart;
 * - `expectedWithinMillis`: a record without counterpart that is younger than this at `asOf` is
 *   `expected` (its counterpart may still arrive, in the next file) rather than `unmatched`.
 *
 * @example
 * ```ts
 * import type { Reconciliation } from "@paykit/settlement"
 * const rules: Reconciliation.Rules = { amountTolerance: 0n, dateWindowMillis: 5 * 86_400_000, expectedWithinMillis: 3 * 86_400_000 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Rules {
  readonly amountTolerance: bigint
  readonly dateWindowMillis: number
  readonly expectedWithinMillis: number
}

/**
 * Exact amounts, a 7-day date window, and 3 days for a counterpart to arrive.
 *
 * @example
 * ```ts
 * import { Reconciliation } from "@paykit/settlement"
 * const rules = { ...Reconciliation.defaultRules, amountTolerance: 1n }
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const defaultRules: Rules = {
  amountTolerance: 0n,
  dateWindowMillis: 7 * 86_400_000,
  expectedWithinMillis: 3 * 86_400_000
}

/**
 * What a result says: `matched` (both sides agree within the rules), `mismatched` (both sides
 * are there and disagree: see the reason), `expected` (one side only, young enough that the
 * other may still arrive) or `unmatched` (one side only, too old, or a duplicate).
 *
 * @example
 * ```ts
 * import type { Reconciliation } from "@paykit/settlement"
 * const s: Reconciliation.Status = "expected"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Status = "matched" | "mismatched" | "expected" | "unmatched"

/**
 * The shape of a result: one record against one (`one_to_one`, also used for a record alone),
 * one internal record settled as several external rows (`one_to_many`, a split settlement), or
 * several internal records reported as one external row (`many_to_one`, a batch).
 *
 * @example
 * ```ts
 * import type { Reconciliation } from "@paykit/settlement"
 * const k: Reconciliation.Kind = "one_to_many"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Kind = "one_to_one" | "one_to_many" | "many_to_one"

/**
 * Why a result is not `matched`, in this order of precedence when several apply:
 * `currency_differs`, `amount_differs` (beyond the tolerance), `outside_date_window`;
 * `duplicate` (a second row with the reference, amount and currency of a row already paired),
 * `no_counterpart` (nothing on the other side), `ambiguous` (several records on both sides of
 * one reference that no rule pairs: a person decides).
 *
 * @example
 * ```ts
 * import type { Reconciliation } from "@paykit/settlement"
 * const r: Reconciliation.Reason = "amount_differs"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Reason =
  | "currency_differs"
  | "amount_differs"
  | "outside_date_window"
  | "duplicate"
  | "no_counterpart"
  | "ambiguous"

/**
 * One result of {@link match}: the ids of the records of each side it covers (in time order),
 * the reference they share, and when both sides are present and in one currency, `difference`
 * = external sum − internal sum (minor units; non-zero on a match within the tolerance).
 *
 * @example
 * ```ts
 * import type { Reconciliation } from "@paykit/settlement"
 * const isBreak = (r: Reconciliation.MatchResult) => r.status === "mismatched" || r.status === "unmatched"
 * ```
 * @category models
 * @since 0.1.0
 */
export interface MatchResult {
  readonly status: Status
  readonly kind: Kind
  readonly reference: string
  readonly internal: ReadonlyArray<string>
  readonly external: ReadonlyArray<string>
  readonly reason?: Reason
  readonly difference?: bigint
}

/**
 * An input of {@link match} is not what it must be: `path` names it (`rules.amountTolerance`,
 * `internal[12].amount`), `reason` says what was expected. Nothing was matched.
 *
 * @example
 * ```ts
 * import { Reconciliation } from "@paykit/settlement"
 * new Reconciliation.InvalidMatchInput({ path: "rules.amountTolerance", reason: "expected a bigint ≥ 0n" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class InvalidMatchInput extends Schema.TaggedError<InvalidMatchInput>()("InvalidMatchInput", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `reconciliation input ${this.path}: ${this.reason}; nothing was matched, fix the input and run again`
  }
}

/**
 * How {@link fromBalanceTransaction} maps a balance transaction: which amount (`net`, the
 * default: what moved the balance and what acquirers settle; or `gross`), and how to derive the
 * reference and the batch when the defaults do not fit.
 *
 * @example
 * ```ts
 * import type { Reconciliation } from "@paykit/settlement"
 * const options: Reconciliation.FromBalanceTransactionOptions = { amount: "gross", reference: (t) => t.source }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface FromBalanceTransactionOptions {
  readonly amount?: "net" | "gross"
  readonly reference?: (t: BalanceTransaction) => string
  readonly batch?: (t: BalanceTransaction) => string | undefined
}

/**
 * The internal record of a balance transaction:
 *
 * | record | from the balance transaction |
 * | --- | --- |
 * | `id` | `id` |
 * | `reference` | `payment` when set, else `source` (the payout, dispute or adjustment id) |
 * | `amount` | `net` (or `gross` with `{ amount: "gross" }`), signed from the merchant's side |
 * | `currency` | `currency` |
 * | `at` | `createdAt` |
 * | `batch` | `payout` (the payout that paid it out), when set |
 * | `type`, `source` | `type`, `source` |
 *
 * Use the options when your acquirer knows the payment by another reference (e.g. the
 * provider's charge id kept on the source).
 *
 * @example
 * ```ts
 * import { Reconciliation } from "@paykit/settlement"
 * import type { BalanceTransaction } from "@paykit/settlement"
 * declare const txns: ReadonlyArray<BalanceTransaction.BalanceTransaction>
 * const internal = txns.map((t) => Reconciliation.fromBalanceTransaction(t))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const fromBalanceTransaction = (
  t: BalanceTransaction,
  options: FromBalanceTransactionOptions = {}
): InternalRecord => {
  const batch = options.batch !== undefined ? options.batch(t) : t.payout
  return {
    id: t.id,
    reference: options.reference !== undefined ? options.reference(t) : (t.payment ?? t.source),
    amount: options.amount === "gross" ? t.gross : t.net,
    currency: t.currency,
    at: t.createdAt,
    ...(batch !== undefined ? { batch } : {}),
    type: t.type,
    source: t.source
  }
}

/**
 * Counts of results by status, and the number of breaks (`mismatched` + `unmatched`).
 *
 * @example
 * ```ts
 * import type { Reconciliation } from "@paykit/settlement"
 * const s: Reconciliation.Summary = { matched: 10, mismatched: 1, expected: 0, unmatched: 2, breaks: 3 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Summary {
  readonly matched: number
  readonly mismatched: number
  readonly expected: number
  readonly unmatched: number
  readonly breaks: number
}

/**
 * Counts results by status.
 *
 * @example
 * ```ts
 * import { Reconciliation } from "@paykit/settlement"
 * Reconciliation.summarize([]).breaks // 0
 * ```
 * @category math
 * @since 0.1.0
 */
export const summarize = (results: Iterable<MatchResult>): Summary => {
  const c = { matched: 0, mismatched: 0, expected: 0, unmatched: 0 }
  for (const r of results) c[r.status]++
  return { ...c, breaks: c.mismatched + c.unmatched }
}

// ---------------------------------------------------------------------------------------------
// matching

type Rec = InternalRecord | ExternalRecord
type Bucket<T> = T | Array<T>

const push = <T extends object>(index: Map<string, Bucket<T>>, key: string, value: T): void => {
  const b = index.get(key)
  if (b === undefined) index.set(key, value)
  else if (Array.isArray(b)) b.push(value)
  else index.set(key, [b, value])
}

const asArray = <T>(b: Bucket<T>): Array<T> => (Array.isArray(b) ? b : [b])

const byTimeThenId = (a: Rec, b: Rec): number => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

const abs = (n: bigint): bigint => (n < 0n ? -n : n)

const describe = (u: unknown): string =>
  u === null ? "null" : Array.isArray(u) ? "an array" : typeof u === "bigint" ? `${u}n` : typeof u

const checkRecord = (r: unknown, path: string): InvalidMatchInput | undefined => {
  if (typeof r !== "object" || r === null) {
    return new InvalidMatchInput({ path, reason: `expected a record object, got ${describe(r)}` })
  }
  const o = r as Record<string, unknown>
  if (typeof o["id"] !== "string") {
    return new InvalidMatchInput({
      path: `${path}.id`,
      reason: `expected a string, got ${describe(o["id"])}`
    })
  }
  if (typeof o["reference"] !== "string") {
    return new InvalidMatchInput({
      path: `${path}.reference`,
      reason: `expected a string, got ${describe(o["reference"])}`
    })
  }
  if (typeof o["amount"] !== "bigint") {
    return new InvalidMatchInput({
      path: `${path}.amount`,
      reason: `expected signed minor units as a bigint, got ${describe(o["amount"])}`
    })
  }
  if (typeof o["currency"] !== "string") {
    return new InvalidMatchInput({
      path: `${path}.currency`,
      reason: `expected a currency code, got ${describe(o["currency"])}`
    })
  }
  const at = o["at"]
  if (typeof at !== "number" || !Number.isFinite(at)) {
    return new InvalidMatchInput({
      path: `${path}.at`,
      reason: `expected milliseconds since the epoch, got ${describe(at)}`
    })
  }
  if (o["batch"] !== undefined && typeof o["batch"] !== "string") {
    return new InvalidMatchInput({ path: `${path}.batch`, reason: `expected a string or nothing` })
  }
  return undefined
}

const checkRules = (rules: unknown, asOf: unknown): InvalidMatchInput | undefined => {
  if (typeof rules !== "object" || rules === null) {
    return new InvalidMatchInput({ path: "rules", reason: `expected an object, got ${describe(rules)}` })
  }
  const o = rules as Record<string, unknown>
  const tol = o["amountTolerance"]
  if (typeof tol !== "bigint" || tol < 0n) {
    return new InvalidMatchInput({
      path: "rules.amountTolerance",
      reason: `expected minor units as a bigint ≥ 0n, got ${describe(tol)}`
    })
  }
  for (const key of ["dateWindowMillis", "expectedWithinMillis"] as const) {
    const v = o[key]
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      return new InvalidMatchInput({
        path: `rules.${key}`,
        reason: `expected a finite number of milliseconds ≥ 0, got ${describe(v)}`
      })
    }
  }
  if (typeof asOf !== "number" || !Number.isFinite(asOf)) {
    return new InvalidMatchInput({
      path: "asOf",
      reason: `expected milliseconds since the epoch, got ${describe(asOf)}`
    })
  }
  return undefined
}

const iterate = <T>(
  side: "internal" | "external",
  input: Iterable<T>,
  index: Map<string, Bucket<T & Rec>>
): InvalidMatchInput | undefined => {
  if (typeof input !== "object" || input === null || typeof input[Symbol.iterator] !== "function") {
    return new InvalidMatchInput({
      path: side,
      reason: `expected an iterable of records, got ${describe(input)}`
    })
  }
  let i = 0
  try {
    for (const r of input) {
      const bad = checkRecord(r, `${side}[${i}]`)
      if (bad !== undefined) return bad
      push(index, (r as T & Rec).reference, r as T & Rec)
      i++
    }
  } catch (e) {
    return new InvalidMatchInput({
      path: `${side}[${i}]`,
      reason: `reading the input threw: ${e instanceof Error ? e.message : String(e)}`
    })
  }
  return undefined
}

/** The matcher for one run: rules, asOf and where results go. */
class Matcher {
  readonly results: Array<MatchResult> = []
  constructor(
    readonly tolerance: bigint,
    readonly window: number,
    readonly expectedWithin: number,
    readonly asOf: number
  ) {}

  /** A record with nothing on the other side. */
  alone(r: Rec, side: "internal" | "external", reason: Reason): void {
    const status: Status =
      reason === "no_counterpart" && this.asOf - r.at < this.expectedWithin ? "expected" : "unmatched"
    this.results.push({
      status,
      kind: "one_to_one",
      reference: r.reference,
      internal: side === "internal" ? [r.id] : [],
      external: side === "external" ? [r.id] : [],
      reason
    })
  }

  /** Both sides present, one of them a single record: compare sums, currencies and times. */
  compare(reference: string, ins: ReadonlyArray<InternalRecord>, exs: ReadonlyArray<ExternalRecord>): void {
    const kind: Kind =
      ins.length === 1 && exs.length === 1 ? "one_to_one" : ins.length === 1 ? "one_to_many" : "many_to_one"
    const internal = ins.map((r) => r.id)
    const external = exs.map((r) => r.id)
    const currency = ins[0]!.currency
    if (ins.some((r) => r.currency !== currency) || exs.some((r) => r.currency !== currency)) {
      this.results.push({
        status: "mismatched",
        kind,
        reference,
        internal,
        external,
        reason: "currency_differs"
      })
      return
    }
    let sumI = 0n
    for (const r of ins) sumI += r.amount
    let sumE = 0n
    for (const r of exs) sumE += r.amount
    const difference = sumE - sumI
    if (abs(difference) > this.tolerance) {
      this.results.push({
        status: "mismatched",
        kind,
        reference,
        internal,
        external,
        reason: "amount_differs",
        difference
      })
      return
    }
    let inWindow = true
    for (const i of ins) {
      for (const e of exs) {
        if (Math.abs(e.at - i.at) > this.window) {
          inWindow = false
          break
        }
      }
      if (!inWindow) break
    }
    if (!inWindow) {
      this.results.push({
        status: "mismatched",
        kind,
        reference,
        internal,
        external,
        reason: "outside_date_window",
        difference
      })
      return
    }
    this.results.push({ status: "matched", kind, reference, internal, external, difference })
  }

  /** Every record of one reference (or of one batch) on both sides. */
  group(reference: string, insB: Bucket<InternalRecord>, exsB: Bucket<ExternalRecord>): void {
    if (!Array.isArray(insB) && !Array.isArray(exsB)) {
      this.compare(reference, [insB], [exsB])
      return
    }
    const ins = asArray(insB).slice().sort(byTimeThenId)
    const exs = asArray(exsB).slice().sort(byTimeThenId)
    const key = (r: Rec) => `${r.currency}\u0000${r.amount}`
    // 1. exact pairs (same amount and currency), first within the window, then outside it
    const candidates = new Map<string, Array<number>>()
    exs.forEach((e, j) => {
      const k = key(e)
      const list = candidates.get(k)
      if (list === undefined) candidates.set(k, [j])
      else list.push(j)
    })
    const usedE = new Array<boolean>(exs.length).fill(false)
    const usedI = new Array<boolean>(ins.length).fill(false)
    const paired = new Set<string>()
    // one cursor per amount: each list is in time order and only moves forward, so a reference
    // with many records of one amount stays linear
    const pair = (i: InternalRecord, n: number, j: number, withinWindow: boolean) => {
      const e = exs[j]!
      usedE[j] = true
      usedI[n] = true
      paired.add(key(i))
      this.results.push({
        status: withinWindow ? "matched" : "mismatched",
        kind: "one_to_one",
        reference,
        internal: [i.id],
        external: [e.id],
        ...(withinWindow ? {} : { reason: "outside_date_window" as const }),
        difference: 0n
      })
    }
    let cursors = new Map<string, number>()
    ins.forEach((i, n) => {
      const k = key(i)
      const list = candidates.get(k)
      if (list === undefined) return
      let c = cursors.get(k) ?? 0
      // rows too early for this record are too early for every later one
      while (c < list.length && (usedE[list[c]!] || exs[list[c]!]!.at < i.at - this.window)) c++
      if (c < list.length && exs[list[c]!]!.at <= i.at + this.window) pair(i, n, list[c++]!, true)
      cursors.set(k, c)
    })
    cursors = new Map<string, number>()
    ins.forEach((i, n) => {
      if (usedI[n]) return
      const k = key(i)
      const list = candidates.get(k)
      if (list === undefined) return
      let c = cursors.get(k) ?? 0
      while (c < list.length && usedE[list[c]!]) c++
      if (c < list.length) pair(i, n, list[c++]!, false)
      cursors.set(k, c)
    })
    // 2. duplicates: a leftover with the amount and currency of a pair already made
    const restI: Array<InternalRecord> = []
    const restE: Array<ExternalRecord> = []
    ins.forEach((i, n) => {
      if (usedI[n]) return
      if (paired.has(key(i))) this.alone(i, "internal", "duplicate")
      else restI.push(i)
    })
    exs.forEach((e, j) => {
      if (usedE[j]) return
      if (paired.has(key(e))) this.alone(e, "external", "duplicate")
      else restE.push(e)
    })
    // 3. what is left: a split, a batch, a single pair that disagrees, or records alone
    if (restI.length === 0) for (const e of restE) this.alone(e, "external", "no_counterpart")
    else if (restE.length === 0) for (const i of restI) this.alone(i, "internal", "no_counterpart")
    else if (restI.length === 1 || restE.length === 1) this.compare(reference, restI, restE)
    else {
      for (const i of restI) this.alone(i, "internal", "ambiguous")
      for (const e of restE) this.alone(e, "external", "ambiguous")
    }
  }
}

/**
 * Matches paykit's records against an external file's. Pure and total: the answer is the
 * results or `InvalidMatchInput`; nothing is ever adjusted. Every record of both sides appears
 * in exactly one result; the order of the results follows the inputs, their content does not
 * depend on the order of the inputs.
 *
 * The order of the rules, per reference (records of both sides are indexed by `reference`, so
 * the cost is linear in the number of records, plus a sort within each reference):
 *
 * 1. one internal record and one external row: compared directly (`one_to_one`);
 * 2. otherwise, exact pairs (same amount and currency) are made first, in time order, within
 *    the date window (`matched`) and then outside it (`mismatched`, `outside_date_window`);
 * 3. a leftover with the amount and currency of a pair just made is a `duplicate` (`unmatched`);
 * 4. the rest: one internal record against several rows (`one_to_many`, a split settlement),
 *    several internal records against one row (`many_to_one`), compared by sum (within
 *    `amountTolerance`), currency and date window; several against several is `ambiguous`;
 * 5. external rows whose reference no internal record has are matched against the internal
 *    records that found no row of their own reference and whose `batch` is that reference
 *    (`many_to_one`: a payout or a settlement batch reported as one line);
 * 6. anything still alone is `expected` when younger than `expectedWithinMillis` at `asOf`,
 *    else `unmatched`, with the reason `no_counterpart`.
 *
 * Memory: the two indexes hold references to the records (no copies); each reference group is
 * released as soon as it is resolved.
 *
 * @example
 * ```ts
 * import { Reconciliation } from "@paykit/settlement"
 * import { Result } from "effect"
 * const internal = [{ id: "i1", reference: "pay_1", amount: 1000n, currency: "EUR", at: 0 }]
 * const external = [
 *   { id: "e1", reference: "pay_1", amount: 600n, currency: "EUR", at: 1 },
 *   { id: "e2", reference: "pay_1", amount: 400n, currency: "EUR", at: 2 }
 * ]
 * const results = Result.getOrThrow(Reconciliation.match(internal, external, Reconciliation.defaultRules, 10))
 * results[0]?.kind // "one_to_many"
 * ```
 * @category math
 * @since 0.1.0
 */
export const match = (
  internal: Iterable<InternalRecord>,
  external: Iterable<ExternalRecord>,
  rules: Rules,
  asOf: number
): Result.Result<ReadonlyArray<MatchResult>, InvalidMatchInput> => {
  const badRules = checkRules(rules, asOf)
  if (badRules !== undefined) return Result.fail(badRules)
  const ints = new Map<string, Bucket<InternalRecord>>()
  const exts = new Map<string, Bucket<ExternalRecord>>()
  const badI = iterate("internal", internal, ints)
  if (badI !== undefined) return Result.fail(badI)
  const badE = iterate("external", external, exts)
  if (badE !== undefined) return Result.fail(badE)
  const m = new Matcher(rules.amountTolerance, rules.dateWindowMillis, rules.expectedWithinMillis, asOf)
  // references on both sides
  const externalOnly: Array<[string, Bucket<ExternalRecord>]> = []
  for (const [reference, e] of exts) {
    const i = ints.get(reference)
    if (i === undefined) externalOnly.push([reference, e])
    else {
      m.group(reference, i, e)
      ints.delete(reference)
    }
    exts.delete(reference)
  }
  // batches: external rows of no internal reference against internal records of no external row
  if (externalOnly.length > 0 && ints.size > 0) {
    const batches = new Map<string, Bucket<InternalRecord>>()
    for (const b of ints.values()) {
      for (const r of asArray(b)) if (r.batch !== undefined) push(batches, r.batch, r)
    }
    const consumed = new Set<InternalRecord>()
    for (const [reference, e] of externalOnly) {
      const inBatch = batches.get(reference)
      if (inBatch === undefined) {
        for (const r of asArray(e)) m.alone(r, "external", "no_counterpart")
        continue
      }
      batches.delete(reference)
      for (const r of asArray(inBatch)) consumed.add(r)
      m.group(reference, inBatch, e)
    }
    for (const b of ints.values()) {
      for (const r of asArray(b)) if (!consumed.has(r)) m.alone(r, "internal", "no_counterpart")
    }
  } else {
    for (const [, e] of externalOnly) for (const r of asArray(e)) m.alone(r, "external", "no_counterpart")
    for (const b of ints.values()) for (const r of asArray(b)) m.alone(r, "internal", "no_counterpart")
  }
  return Result.succeed(m.results)
}
