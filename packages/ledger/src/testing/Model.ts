import { Ids, Notifier } from "@paykit/core"
import { Effect, Layer, ManagedRuntime, Option, Result } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import type * as Account from "../Account.ts"
import type * as Command from "../Command.ts"
import type * as Entry from "../Entry.ts"
import type * as Hold from "../Hold.ts"
import * as Ledger from "../Ledger.ts"
import { type Dump, LedgerStore } from "../LedgerStore.ts"

// ---------------------------------------------------------------------------------------------
// the reference model: a deliberately simple, sequential re-statement of the rules

/** An account in the reference model. */
export interface MAccount {
  id: string
  currency: string
  normal: "debit" | "credit"
  code: string
  limD: boolean
  limC: boolean
  closed: boolean
  dP: bigint
  cP: bigint
  dQ: bigint
  cQ: bigint
}
/** A posting in the reference model. */
export interface MPosting {
  debit: string
  credit: string
  amount: bigint
  currency: string
}
/** An entry in the reference model. */
export interface MEntry {
  id: string
  kind: Entry.Kind
  postings: Array<MPosting>
  holdId: string
  amount: string
  reverses: string
  timeoutMs: string
  reversedBy?: string
}
/** A hold in the reference model. */
export interface MHold {
  id: string
  debit: string
  credit: string
  amount: bigint
  currency: string
  expiresAt?: number
  status: Hold.Status
}

/**
 * The reference model's state: accounts with their four totals, entries, holds and the time.
 *
 * @example
 * ```ts
 * import { Model } from "@paykit/ledger/testing"
 * const empty = new Model.ModelState()
 * ```
 * @category models
 * @since 0.1.0
 */
export class ModelState {
  now = 0
  accounts = new Map<string, MAccount>()
  entries = new Map<string, MEntry>()
  holds = new Map<string, MHold>()
  /** Consumed entry ids and the tag of their first failure (`failedIds: "consumed"`). */
  failed = new Map<string, string>()
  /** Whether the ledger under test consumes failed ids. */
  consuming = false

  clone(): ModelState {
    const m = new ModelState()
    m.now = this.now
    m.consuming = this.consuming
    m.failed = new Map(this.failed)
    for (const [k, v] of this.accounts) m.accounts.set(k, { ...v })
    for (const [k, v] of this.entries) m.entries.set(k, { ...v, postings: v.postings.map((p) => ({ ...p })) })
    for (const [k, v] of this.holds) m.holds.set(k, { ...v })
    return m
  }
}

/** What the model predicts for one command: an error tag, or success with a summary. */
type Reply = { readonly ok: false; readonly tag: string } | { readonly ok: true; readonly summary: string }

const err = (tag: string): Reply => ({ ok: false, tag })

const postingsKey = (ps: ReadonlyArray<MPosting>) =>
  ps.map((p) => `${p.debit}>${p.credit}:${p.amount}:${p.currency}`).join(",")

const entrySummary = (e: { id: string; kind: string; postings: ReadonlyArray<MPosting> }) =>
  `${e.id}/${e.kind}/${postingsKey(e.postings)}`

const sweep = (m: ModelState): void => {
  for (const h of [...m.holds.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (h.status === "pending" && h.expiresAt !== undefined && h.expiresAt <= m.now) {
      m.accounts.get(h.debit)!.dQ -= h.amount
      m.accounts.get(h.credit)!.cQ -= h.amount
      h.status = "expired"
      const id = `${h.id}~expire`
      m.entries.set(id, {
        id,
        kind: "hold_expire",
        postings: [{ debit: h.debit, credit: h.credit, amount: h.amount, currency: h.currency }],
        holdId: h.id,
        amount: "",
        reverses: "",
        timeoutMs: ""
      })
    }
  }
}

/** Applies postings in order on the model, checking limits; undefined on success. */
const applyPosted = (m: ModelState, ps: ReadonlyArray<MPosting>, pending: boolean): string | undefined => {
  for (const p of ps) {
    const d = m.accounts.get(p.debit)!
    if (d.limD && d.dP + d.dQ + p.amount > d.cP) return "ExceedsCredits"
    if (pending) d.dQ += p.amount
    else d.dP += p.amount
    const c = m.accounts.get(p.credit)!
    if (c.limC && c.cP + c.cQ + p.amount > c.dP) return "ExceedsDebits"
    if (pending) c.cQ += p.amount
    else c.cP += p.amount
  }
  return undefined
}

const checkPostingAccounts = (m: ModelState, ps: ReadonlyArray<MPosting>): string | undefined => {
  for (const p of ps) if (!m.accounts.has(p.debit) || !m.accounts.has(p.credit)) return "AccountNotFound"
  for (const p of ps)
    if (m.accounts.get(p.debit)!.currency !== p.currency || m.accounts.get(p.credit)!.currency !== p.currency)
      return "PostingCurrencyMismatch"
  for (const p of ps)
    if (m.accounts.get(p.debit)!.closed || m.accounts.get(p.credit)!.closed) return "AccountClosed"
  return undefined
}

const FIELDS = ["kind", "postings", "holdId", "amount", "reverses", "timeoutMs"] as const

const compareEntry = (
  existing: MEntry,
  wanted: Omit<MEntry, "id" | "postings"> & { postingsKey: string }
): Reply => {
  const have = {
    kind: existing.kind,
    postings: existing.kind === "transfer" || existing.kind === "hold" ? postingsKey(existing.postings) : "",
    holdId: existing.kind === "hold" ? "" : existing.holdId,
    amount: existing.amount,
    reverses: existing.reverses,
    timeoutMs: existing.timeoutMs
  }
  const want = { ...wanted, postings: wanted.postingsKey }
  for (const f of FIELDS) if (have[f] !== want[f]) return err(`ExistsWithDifferent:${f}`)
  return { ok: true, summary: entrySummary(existing) }
}

/** A command in model form (inputs as the public API receives them). */
export type Op =
  | {
      readonly _tag: "CreateAccount"
      readonly id: string
      readonly currency: string
      readonly normal: "debit" | "credit"
      readonly limit: "none" | "debits" | "credits"
    }
  | { readonly _tag: "CloseAccount"; readonly id: string }
  | { readonly _tag: "Transfer"; readonly id: string; readonly postings: ReadonlyArray<MPosting> }
  | {
      readonly _tag: "CreateHold"
      readonly id: string
      readonly posting: MPosting
      readonly timeoutMs: number | undefined
    }
  | {
      readonly _tag: "PostHold"
      readonly id: string
      readonly holdId: string
      readonly amount: bigint | undefined
    }
  | { readonly _tag: "VoidHold"; readonly id: string; readonly holdId: string }
  | { readonly _tag: "Reverse"; readonly id: string; readonly entryId: string }

/** The model's decision for one operation (after the sweep). Mutates `m` on success. */
const decide = (m: ModelState, op: Op): Reply => {
  switch (op._tag) {
    case "CreateAccount": {
      const existing = m.accounts.get(op.id)
      const limD = op.limit === "debits"
      const limC = op.limit === "credits"
      if (existing) {
        if (existing.currency !== op.currency) return err("ExistsWithDifferent:currency")
        if (existing.normal !== op.normal) return err("ExistsWithDifferent:normal")
        if (existing.limD !== limD) return err("ExistsWithDifferent:debitsMustNotExceedCredits")
        if (existing.limC !== limC) return err("ExistsWithDifferent:creditsMustNotExceedDebits")
        return { ok: true, summary: `account:${op.id}` }
      }
      m.accounts.set(op.id, {
        id: op.id,
        currency: op.currency,
        normal: op.normal,
        code: "test",
        limD,
        limC,
        closed: false,
        dP: 0n,
        cP: 0n,
        dQ: 0n,
        cQ: 0n
      })
      return { ok: true, summary: `account:${op.id}` }
    }
    case "CloseAccount": {
      const a = m.accounts.get(op.id)
      if (!a) return err("AccountNotFound")
      a.closed = true
      return { ok: true, summary: `account:${op.id}` }
    }
    case "Transfer": {
      if (op.postings.some((p) => p.debit === p.credit)) return err("AccountsMustDiffer")
      const existing = m.entries.get(op.id)
      if (existing)
        return compareEntry(existing, {
          kind: "transfer",
          postingsKey: postingsKey(op.postings),
          holdId: "",
          amount: "",
          reverses: "",
          timeoutMs: ""
        })
      if (m.failed.has(op.id)) return err("IdAlreadyFailed")
      const bad = checkPostingAccounts(m, op.postings)
      if (bad) return err(bad)
      const trial = m.clone()
      const limit = applyPosted(trial, op.postings, false)
      if (limit) return err(limit)
      m.accounts = trial.accounts
      const e: MEntry = {
        id: op.id,
        kind: "transfer",
        postings: op.postings.map((p) => ({ ...p })),
        holdId: "",
        amount: "",
        reverses: "",
        timeoutMs: ""
      }
      m.entries.set(op.id, e)
      return { ok: true, summary: entrySummary(e) }
    }
    case "CreateHold": {
      const p = op.posting
      if (p.debit === p.credit) return err("AccountsMustDiffer")
      const timeoutMs = op.timeoutMs === undefined ? "" : String(op.timeoutMs)
      const existing = m.entries.get(op.id)
      if (existing)
        return compareEntry(existing, {
          kind: "hold",
          postingsKey: postingsKey([p]),
          holdId: "",
          amount: "",
          reverses: "",
          timeoutMs
        })
      if (m.failed.has(op.id)) return err("IdAlreadyFailed")
      const bad = checkPostingAccounts(m, [p])
      if (bad) return err(bad)
      const trial = m.clone()
      const limit = applyPosted(trial, [p], true)
      if (limit) return err(limit)
      m.accounts = trial.accounts
      const e: MEntry = {
        id: op.id,
        kind: "hold",
        postings: [{ ...p }],
        holdId: op.id,
        amount: "",
        reverses: "",
        timeoutMs
      }
      m.entries.set(op.id, e)
      m.holds.set(op.id, {
        id: op.id,
        ...p,
        ...(op.timeoutMs === undefined ? {} : { expiresAt: m.now + op.timeoutMs }),
        status: "pending"
      })
      return { ok: true, summary: entrySummary(e) }
    }
    case "PostHold":
    case "VoidHold": {
      const h = m.holds.get(op.holdId)
      const existing = m.entries.get(op.id)
      if (existing) {
        const amount = op._tag === "PostHold" ? (op.amount ?? h?.amount ?? "full").toString() : ""
        return compareEntry(existing, {
          kind: op._tag === "PostHold" ? "hold_post" : "hold_void",
          postingsKey: "",
          holdId: op.holdId,
          amount,
          reverses: "",
          timeoutMs: ""
        })
      }
      if (m.failed.has(op.id)) return err("IdAlreadyFailed")
      if (!h) return err("HoldNotFound")
      if (h.status === "posted" || h.status === "voided") return err("HoldAlreadyResolved")
      if (h.status === "expired") return err("HoldExpired")
      const d = m.accounts.get(h.debit)!
      const c = m.accounts.get(h.credit)!
      if (op._tag === "PostHold") {
        const amount = op.amount ?? h.amount
        if (amount > h.amount) return err("AmountExceedsHold")
        if (d.closed || c.closed) return err("AccountClosed")
        d.dQ -= h.amount
        d.dP += amount
        c.cQ -= h.amount
        c.cP += amount
        h.status = "posted"
        const e: MEntry = {
          id: op.id,
          kind: "hold_post",
          postings: [{ debit: h.debit, credit: h.credit, amount, currency: h.currency }],
          holdId: h.id,
          amount: amount.toString(),
          reverses: "",
          timeoutMs: ""
        }
        m.entries.set(op.id, e)
        return { ok: true, summary: entrySummary(e) }
      }
      d.dQ -= h.amount
      c.cQ -= h.amount
      h.status = "voided"
      const e: MEntry = {
        id: op.id,
        kind: "hold_void",
        postings: [{ debit: h.debit, credit: h.credit, amount: h.amount, currency: h.currency }],
        holdId: h.id,
        amount: "",
        reverses: "",
        timeoutMs: ""
      }
      m.entries.set(op.id, e)
      return { ok: true, summary: entrySummary(e) }
    }
    case "Reverse": {
      const existing = m.entries.get(op.id)
      if (existing)
        return compareEntry(existing, {
          kind: "reversal",
          postingsKey: "",
          holdId: "",
          amount: "",
          reverses: op.entryId,
          timeoutMs: ""
        })
      if (m.failed.has(op.id)) return err("IdAlreadyFailed")
      const original = m.entries.get(op.entryId)
      if (!original) return err("EntryNotFound")
      if (original.kind !== "transfer" && original.kind !== "hold_post") return err("NotReversible")
      if (original.reversedBy !== undefined) return err("AlreadyReversed")
      const postings = original.postings.map((p) => ({ ...p, debit: p.credit, credit: p.debit }))
      const bad = checkPostingAccounts(m, postings)
      if (bad) return err(bad)
      const trial = m.clone()
      const limit = applyPosted(trial, postings, false)
      if (limit) return err(limit)
      m.accounts = trial.accounts
      original.reversedBy = op.id
      const e: MEntry = {
        id: op.id,
        kind: "reversal",
        postings,
        holdId: "",
        amount: "",
        reverses: op.entryId,
        timeoutMs: ""
      }
      m.entries.set(op.id, e)
      return { ok: true, summary: entrySummary(e) }
    }
  }
}

/** Refusals that consume nothing: they depend on the command alone, or the id is taken. */
const consumes = (tag: string): boolean =>
  tag !== "AccountsMustDiffer" &&
  tag !== "ConflictingLimitFlags" &&
  tag !== "IdAlreadyFailed" &&
  tag !== "InvalidInput" &&
  !tag.startsWith("ExistsWithDifferent")

/** Consumes an entry op's id with its first failure, when the ledger consumes and the id is new. */
const consumeId = (m: ModelState, op: Op, tag: string): void => {
  if (op._tag === "CreateAccount" || op._tag === "CloseAccount") return
  if (!m.entries.has(op.id) && !m.failed.has(op.id)) m.failed.set(op.id, tag)
}

/** {@link decide}, then, on a ledger that consumes failed ids, the consumption of a state-dependent failure. */
const decideOp = (m: ModelState, op: Op): Reply => {
  const r = decide(m, op)
  if (!r.ok && m.consuming && consumes(r.tag)) consumeId(m, op, r.tag)
  return r
}

// ---------------------------------------------------------------------------------------------
// the system under test

/** The services the model test runs the store with. */
export type Services = Ledger.Ledger | LedgerStore | TestClock.TestClock

/** The system under test beside the model: the store's runtime and what it answered. */
export interface Real {
  readonly runtime: ManagedRuntime.ManagedRuntime<Services, unknown>
  /** The last operation sent, for retries. */
  last: Op | undefined
}

const toInput = (op: Op): unknown => {
  const json = (p: MPosting) => ({
    debit: p.debit,
    credit: p.credit,
    amount: p.amount.toString(),
    currency: p.currency
  })
  switch (op._tag) {
    case "CreateAccount":
      return {
        id: op.id,
        currency: op.currency,
        code: "test",
        normal: op.normal,
        ...(op.limit === "debits" ? { debitsMustNotExceedCredits: true } : {}),
        ...(op.limit === "credits" ? { creditsMustNotExceedDebits: true } : {})
      }
    case "CloseAccount":
      return { accountId: op.id }
    case "Transfer":
      return { id: op.id, postings: op.postings.map(json) }
    case "CreateHold":
      return {
        id: op.id,
        ...json(op.posting),
        ...(op.timeoutMs === undefined ? {} : { timeoutMs: op.timeoutMs })
      }
    case "PostHold":
      return {
        id: op.id,
        holdId: op.holdId,
        ...(op.amount === undefined ? {} : { amount: op.amount.toString() })
      }
    case "VoidHold":
      return { id: op.id, holdId: op.holdId }
    case "Reverse":
      return { id: op.id, entryId: op.entryId }
  }
}

const send = (op: Op) =>
  Effect.gen(function* () {
    const ledger = yield* Ledger.Ledger
    // the JSON form (string amounts), as a caller outside TypeScript sends it
    const input = toInput(op) as never
    const summarizeEntry = (e: Entry.Entry) => entrySummary(e)
    const r: Result.Result<string, { readonly _tag: string; readonly field?: string }> =
      op._tag === "CreateAccount"
        ? yield* Effect.result(Effect.map(ledger.createAccount(input), (a) => `account:${a.id}`))
        : op._tag === "CloseAccount"
          ? yield* Effect.result(Effect.map(ledger.closeAccount(input), (a) => `account:${a.id}`))
          : op._tag === "Transfer"
            ? yield* Effect.result(Effect.map(ledger.post(input), summarizeEntry))
            : op._tag === "CreateHold"
              ? yield* Effect.result(
                  Effect.flatMap(ledger.hold(input), (h) => Effect.map(ledger.getEntry(h.id), summarizeEntry))
                )
              : op._tag === "PostHold"
                ? yield* Effect.result(Effect.map(ledger.postHold(input), summarizeEntry))
                : op._tag === "VoidHold"
                  ? yield* Effect.result(Effect.map(ledger.voidHold(input), summarizeEntry))
                  : yield* Effect.result(Effect.map(ledger.reverse(input), summarizeEntry))
    return r
  })

const replyOf = (r: Result.Result<string, { readonly _tag: string; readonly field?: string }>): Reply =>
  Result.isSuccess(r)
    ? { ok: true, summary: r.success }
    : err(
        r.failure._tag === "ExistsWithDifferent" ? `ExistsWithDifferent:${r.failure.field}` : r.failure._tag
      )

// ---------------------------------------------------------------------------------------------
// invariants, checked on the real store after every step

const fail = (message: string): never => {
  throw new Error(`invariant violated: ${message}`)
}

type Totals = [bigint, bigint, bigint, bigint]

/** Effect of one entry on one account: [dP, cP, dQ, cQ] deltas. */
const effectOf = (e: Entry.Entry, holds: ReadonlyMap<string, Hold.Hold>, accountId: string): Totals => {
  const t: Totals = [0n, 0n, 0n, 0n]
  for (const p of e.postings) {
    const d = p.debit === accountId
    const c = p.credit === accountId
    if (!d && !c) continue
    switch (e.kind) {
      case "transfer":
      case "reversal":
        if (d) t[0] += p.amount
        if (c) t[1] += p.amount
        break
      case "hold":
        if (d) t[2] += p.amount
        if (c) t[3] += p.amount
        break
      case "hold_post": {
        const held = holds.get(e.holdId!)!.amount
        if (d) {
          t[0] += p.amount
          t[2] -= held
        }
        if (c) {
          t[1] += p.amount
          t[3] -= held
        }
        break
      }
      case "hold_void":
      case "hold_expire":
        if (d) t[2] -= p.amount
        if (c) t[3] -= p.amount
        break
    }
  }
  return t
}

const add = (a: Totals, b: Totals): Totals => [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]]
const totalsOf = (a: {
  debitsPosted: bigint
  creditsPosted: bigint
  debitsPending: bigint
  creditsPending: bigint
}): Totals => [a.debitsPosted, a.creditsPosted, a.debitsPending, a.creditsPending]
const show = (t: Totals) => t.join("/")

/**
 * Checks the ledger's invariants on a whole store dump, independently of how it was produced:
 * per currency total debits = total credits (posted and pending separately); every account's
 * totals equal the fold of its entries and its last line; no limit flag is exceeded; each hold
 * resolves at most once and its status matches its resolving entry; every reversal nets to
 * zero with its original. Throws a descriptive error on the first violation.
 *
 * @example
 * ```ts
 * import { Model } from "@paykit/ledger/testing"
 * Model.checkInvariants({ accounts: [], entries: [], holds: [], lines: [], events: [] })
 * ```
 * @category guards
 * @since 0.1.0
 */
export const checkInvariants = (dump: Dump): void => {
  const holds = new Map(dump.holds.map((h) => [h.id, h]))
  // conservation per currency
  const sums = new Map<string, Totals>()
  for (const a of dump.accounts)
    sums.set(a.currency, add(sums.get(a.currency) ?? [0n, 0n, 0n, 0n], totalsOf(a)))
  for (const [cur, s] of sums) {
    if (s[0] !== s[1]) fail(`${cur}: posted debits ${s[0]} != posted credits ${s[1]}`)
    if (s[2] !== s[3]) fail(`${cur}: pending debits ${s[2]} != pending credits ${s[3]}`)
  }
  const linesBy = new Map<string, Array<Account.Line>>()
  for (const l of dump.lines) {
    const list = linesBy.get(l.accountId) ?? []
    list.push(l)
    linesBy.set(l.accountId, list)
  }
  const entries = new Map(dump.entries.map((e) => [e.id, e]))
  for (const a of dump.accounts) {
    // fold of entries
    let fold: Totals = [0n, 0n, 0n, 0n]
    for (const e of dump.entries) fold = add(fold, effectOf(e, holds, a.id))
    if (show(fold) !== show(totalsOf(a)))
      fail(`account ${a.id}: totals ${show(totalsOf(a))} != fold ${show(fold)}`)
    // lines
    const lines = linesBy.get(a.id) ?? []
    if (lines.length !== a.version) fail(`account ${a.id}: version ${a.version} but ${lines.length} lines`)
    let running: Totals = [0n, 0n, 0n, 0n]
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!
      if (l.seq !== i + 1) fail(`account ${a.id}: line ${i} has seq ${l.seq}`)
      const e = entries.get(l.entryId) ?? fail(`line refers to missing entry ${l.entryId}`)
      running = add(running, effectOf(e, holds, a.id))
      if (show(running) !== show(totalsOf(l)))
        fail(`account ${a.id}: line ${l.seq} ${show(totalsOf(l))} != ${show(running)}`)
    }
    // limits
    if (a.debitsMustNotExceedCredits && a.debitsPosted + a.debitsPending > a.creditsPosted)
      fail(`account ${a.id}: debits exceed credits`)
    if (a.creditsMustNotExceedDebits && a.creditsPosted + a.creditsPending > a.debitsPosted)
      fail(`account ${a.id}: credits exceed debits`)
    if (a.debitsPending < 0n || a.creditsPending < 0n) fail(`account ${a.id}: negative pending`)
  }
  // holds resolve at most once
  const resolutions = new Map<string, Array<Entry.Entry>>()
  for (const e of dump.entries) {
    if (e.kind === "hold_post" || e.kind === "hold_void" || e.kind === "hold_expire") {
      const list = resolutions.get(e.holdId!) ?? []
      list.push(e)
      resolutions.set(e.holdId!, list)
    }
  }
  for (const h of dump.holds) {
    const rs = resolutions.get(h.id) ?? []
    if (rs.length > 1) fail(`hold ${h.id} resolved ${rs.length} times`)
    if ((h.status === "pending") !== (rs.length === 0))
      fail(`hold ${h.id} status ${h.status} with ${rs.length} resolutions`)
    const r = rs[0]
    if (r !== undefined) {
      const expected = r.kind === "hold_post" ? "posted" : r.kind === "hold_void" ? "voided" : "expired"
      if (h.status !== expected || h.resolvedBy !== r.id)
        fail(`hold ${h.id} status ${h.status} but resolved by ${r.kind}`)
      if (
        r.kind === "hold_post" &&
        (r.postings[0]!.amount > h.amount || h.postedAmount !== r.postings[0]!.amount)
      )
        fail(`hold ${h.id} captured more than held`)
    }
  }
  // reversals net to zero
  for (const e of dump.entries) {
    if (e.kind !== "reversal") continue
    const o = entries.get(e.reverses!) ?? fail(`reversal ${e.id} of missing entry`)
    if (o.reversedBy !== e.id) fail(`entry ${o.id} reversed by ${e.id} but reversedBy=${o.reversedBy}`)
    const ids = new Set(o.postings.flatMap((p) => [p.debit, p.credit]))
    for (const id of ids) {
      const net = add(effectOf(o, holds, id), effectOf(e, holds, id))
      if (net[0] - net[1] !== 0n) fail(`reversal ${e.id} does not net to zero on ${id}`)
    }
  }
}

/** As-of balances agree with the fold of entries up to each time at which something happened. */
const checkAsOf = (dump: Dump) =>
  Effect.gen(function* () {
    const store = yield* LedgerStore
    const holds = new Map(dump.holds.map((h) => [h.id, h]))
    const times = [...new Set(dump.lines.map((l) => l.at))].sort((a, b) => a - b)
    const probes = [...new Set(times.flatMap((t) => [t - 1, t]))]
    for (const a of dump.accounts) {
      for (const t of probes) {
        const line = yield* store.lineAsOf(a.id, t)
        const got: Totals = Option.isSome(line) ? totalsOf(line.value) : [0n, 0n, 0n, 0n]
        let fold: Totals = [0n, 0n, 0n, 0n]
        for (const e of dump.entries) if (e.createdAt <= t) fold = add(fold, effectOf(e, holds, a.id))
        if (show(got) !== show(fold)) fail(`account ${a.id} as of ${t}: ${show(got)} != fold ${show(fold)}`)
      }
    }
  })

const compareWithModel = (m: ModelState, dump: Dump): void => {
  if (dump.accounts.length !== m.accounts.size)
    fail(`store has ${dump.accounts.length} accounts, model ${m.accounts.size}`)
  for (const a of dump.accounts) {
    const x = m.accounts.get(a.id) ?? fail(`unexpected account ${a.id}`)
    const want: Totals = [x.dP, x.cP, x.dQ, x.cQ]
    if (show(want) !== show(totalsOf(a)))
      fail(`account ${a.id}: store ${show(totalsOf(a))} model ${show(want)}`)
    if (a.closed !== x.closed) fail(`account ${a.id}: closed ${a.closed} model ${x.closed}`)
  }
  if (dump.holds.length !== m.holds.size) fail(`store has ${dump.holds.length} holds, model ${m.holds.size}`)
  for (const h of dump.holds) {
    const x = m.holds.get(h.id) ?? fail(`unexpected hold ${h.id}`)
    if (x.status !== h.status) fail(`hold ${h.id}: store ${h.status} model ${x.status}`)
  }
  if (dump.entries.length !== m.entries.size)
    fail(`store has ${dump.entries.length} entries, model ${m.entries.size}`)
  const failed = dump.failedIds.map((f) => `${f.id}:${f.error._tag}`).join(",")
  const want = [...m.failed]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, tag]) => `${id}:${tag}`)
    .join(",")
  if (failed !== want) fail(`consumed ids: store [${failed}] model [${want}]`)
}

const afterStep = (m: ModelState, r: Real) =>
  r.runtime.runPromise(
    Effect.gen(function* () {
      const store = yield* LedgerStore
      const dump = yield* store.dump
      checkInvariants(dump)
      compareWithModel(m, dump)
      yield* checkAsOf(dump)
    })
  )

// ---------------------------------------------------------------------------------------------
// commands

const showOp = (op: unknown) => JSON.stringify(op, (_, v) => (typeof v === "bigint" ? `${v}n` : v))

/** Postings generated with currency "*" take the debit account's currency at run time. */
const resolvePosting = (m: ModelState, p: MPosting): MPosting =>
  p.currency === "*" ? { ...p, currency: m.accounts.get(p.debit)?.currency ?? "USD" } : p

const resolveOp = (m: ModelState, op: Op): Op =>
  op._tag === "Transfer"
    ? { ...op, postings: op.postings.map((p) => resolvePosting(m, p)) }
    : op._tag === "CreateHold"
      ? { ...op, posting: resolvePosting(m, op.posting) }
      : op

/** One model step: sends a command to the store and to the model and compares the answers. */
export class SendCommand implements fc.AsyncCommand<ModelState, Real> {
  constructor(readonly op: Op) {}
  check(): boolean {
    return true
  }
  async run(m: ModelState, r: Real): Promise<void> {
    sweep(m)
    const op = resolveOp(m, this.op)
    const expected = decideOp(m, op)
    const got = replyOf(await r.runtime.runPromise(send(op)))
    r.last = op
    count(`${op._tag}:${got.ok ? "ok" : got.tag}`)
    if (JSON.stringify(got) !== JSON.stringify(expected))
      throw new Error(
        `reply mismatch for ${showOp(op)}: store ${JSON.stringify(got)} model ${JSON.stringify(expected)}`
      )
    await afterStep(m, r)
  }
  toString(): string {
    return showOp(this.op)
  }
}

class RetryCommand implements fc.AsyncCommand<ModelState, Real> {
  constructor(readonly different: boolean) {}
  check(): boolean {
    return true
  }
  async run(m: ModelState, r: Real): Promise<void> {
    const last = r.last
    if (last === undefined) return
    const op: Op =
      this.different && last._tag === "Transfer"
        ? { ...last, postings: last.postings.map((p, i) => (i === 0 ? { ...p, amount: p.amount + 1n } : p)) }
        : this.different && last._tag === "CreateHold"
          ? { ...last, posting: { ...last.posting, amount: last.posting.amount + 1n } }
          : last
    await new SendCommand(op).run(m, r)
  }
  toString(): string {
    return this.different ? "RetryWithDifferentContent" : "RetrySame"
  }
}

class AdvanceCommand implements fc.AsyncCommand<ModelState, Real> {
  constructor(readonly ms: number) {}
  check(): boolean {
    return true
  }
  async run(m: ModelState, r: Real): Promise<void> {
    m.now += this.ms
    sweep(m)
    const ms = this.ms
    await r.runtime.runPromise(
      Effect.gen(function* () {
        yield* TestClock.adjust(ms)
        const ledger = yield* Ledger.Ledger
        yield* ledger.expireHolds
      })
    )
    await afterStep(m, r)
  }
  toString(): string {
    return `Advance(${this.ms}ms) + expireHolds`
  }
}

class BatchCommand implements fc.AsyncCommand<ModelState, Real> {
  constructor(
    readonly entries: ReadonlyArray<{ id: string; postings: ReadonlyArray<MPosting> }>,
    readonly linked: boolean,
    /** Through `executeSummary` (typed commands, counts and failures) instead of `executeResults` (JSON commands, a result each). */
    readonly summary = false
  ) {}
  check(): boolean {
    return true
  }
  async run(m: ModelState, r: Real): Promise<void> {
    sweep(m)
    const entries = this.entries.map((e) => ({
      id: e.id,
      postings: e.postings.map((p) => resolvePosting(m, p))
    }))
    const trial = m.clone()
    const expected: Array<Reply> = entries.map((e) =>
      this.linked ? decide(trial, { _tag: "Transfer", ...e }) : decideOp(trial, { _tag: "Transfer", ...e })
    )
    const failedAt = expected.findIndex((x) => !x.ok)
    if (this.linked && failedAt >= 0) {
      for (let i = 0; i < expected.length; i++) if (i !== failedAt) expected[i] = err("LinkedCommandFailed")
      // a failed linked batch whose culprit failed on the books' state consumes every new id in it
      const culprit = (expected[failedAt] as { readonly tag: string }).tag
      if (m.consuming && (consumes(culprit) || culprit === "IdAlreadyFailed"))
        for (const [i, e] of entries.entries())
          consumeId(m, { _tag: "Transfer", ...e }, (expected[i] as { readonly tag: string }).tag)
    } else {
      m.accounts = trial.accounts
      m.entries = trial.entries
      m.holds = trial.holds
      m.failed = trial.failed
    }
    if (this.summary) {
      const commands = entries.map((e): Command.Command => ({ _tag: "Transfer", ...e }))
      const mode = this.linked ? "linked" : "independent"
      const s = await r.runtime.runPromise(
        Effect.gen(function* () {
          const ledger = yield* Ledger.Ledger
          return yield* ledger.executeSummary(commands, mode)
        })
      )
      const failures = s.failures.map((f) =>
        replyOf(Result.fail(f.error as { readonly _tag: string; readonly field?: string }))
      )
      const want = expected.flatMap((x, index) => (x.ok ? [] : [{ index, reply: x }]))
      const got = {
        ok: s.applied + s.replayed,
        failures: s.failures.map((f, i) => ({ index: f.index, reply: failures[i] }))
      }
      const model = { ok: expected.filter((x) => x.ok).length, failures: want }
      if (JSON.stringify(got) !== JSON.stringify(model))
        throw new Error(`summary mismatch: store ${JSON.stringify(got)} model ${JSON.stringify(model)}`)
      await afterStep(m, r)
      return
    }
    // the JSON form (string amounts): decoded by the schema, command by command
    const commands = entries.map(
      (e) => ({ _tag: "Transfer", ...(toInput({ _tag: "Transfer", ...e }) as object) }) as Command.Input
    )
    const mode = this.linked ? "linked" : "independent"
    const results = await r.runtime.runPromise(
      Effect.gen(function* () {
        const ledger = yield* Ledger.Ledger
        return yield* ledger.executeResults(commands, mode)
      })
    )
    const got = results.map((x) =>
      replyOf(Result.map(x, (s) => (s._tag === "EntryCreated" ? entrySummary(s.entry) : s._tag)))
    )
    if (JSON.stringify(got) !== JSON.stringify(expected))
      throw new Error(`batch reply mismatch: store ${JSON.stringify(got)} model ${JSON.stringify(expected)}`)
    await afterStep(m, r)
  }
  toString(): string {
    return `Batch(${this.linked ? "linked" : "independent"}${this.summary ? ", executeSummary" : ""}, ${showOp(this.entries)})`
  }
}

const ACCOUNTS = ["a0", "a1", "a2", "a3", "a4"]
const accountArb = fc.constantFrom(...ACCOUNTS)
const currencyArb = fc.constantFrom("USD", "USD", "USD", "USD", "USD", "EUR")
const postingCurrencyArb = fc.constantFrom("*", "*", "*", "*", "*", "*", "*", "USD", "EUR")
const entryIdArb = fc.constantFrom(...Array.from({ length: 12 }, (_, i) => `e${i}`))
const holdIdArb = fc.constantFrom("h0", "h1", "h2", "h3")
const amountArb = fc.bigInt({ min: 1n, max: 120n })
const pairArb = fc.oneof(
  { weight: 19, arbitrary: fc.uniqueArray(accountArb, { minLength: 2, maxLength: 2 }) },
  { weight: 1, arbitrary: accountArb.map((a) => [a, a]) }
)
const postingArb = fc
  .record({ pair: pairArb, amount: amountArb, currency: postingCurrencyArb })
  .map(({ pair, amount, currency }) => ({ debit: pair[0]!, credit: pair[1]!, amount, currency }))

/**
 * The command generators of the model-based test: create / close account, post (1-3 postings),
 * hold (with or without timeout), post hold (full or partial), void, advance the clock and
 * expire, reverse, batches (independent and linked), retry with the same id and retry with
 * different content. Ids come from small pools so collisions and retries are frequent.
 *
 * @example
 * ```ts
 * import { Model } from "@paykit/ledger/testing"
 * import * as fc from "fast-check"
 * fc.sample(Model.commands(10), 1)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const commands = (maxCommands = 40) =>
  fc.commands(
    [
      fc.oneof(
        {
          weight: 1,
          arbitrary: fc
            .record({
              id: accountArb,
              currency: currencyArb,
              normal: fc.constantFrom("debit" as const, "credit" as const),
              limit: fc.constantFrom("none" as const, "debits" as const, "credits" as const)
            })
            .map((x) => new SendCommand({ _tag: "CreateAccount", ...x }))
        },
        {
          weight: 1,
          arbitrary: fc.record({ id: accountArb }).map((x) => new SendCommand({ _tag: "CloseAccount", ...x }))
        },
        {
          weight: 6,
          arbitrary: fc
            .record({ id: entryIdArb, postings: fc.array(postingArb, { minLength: 1, maxLength: 3 }) })
            .map((x) => new SendCommand({ _tag: "Transfer", ...x }))
        },
        {
          weight: 5,
          arbitrary: fc
            .record({
              id: holdIdArb,
              posting: postingArb,
              timeoutMs: fc.option(fc.integer({ min: 1, max: 5_000 }), { nil: undefined })
            })
            .map((x) => new SendCommand({ _tag: "CreateHold", ...x }))
        },
        {
          weight: 4,
          arbitrary: fc
            .record({ id: entryIdArb, holdId: holdIdArb, amount: fc.option(amountArb, { nil: undefined }) })
            .map((x) => new SendCommand({ _tag: "PostHold", ...x }))
        },
        {
          weight: 2,
          arbitrary: fc
            .record({ id: entryIdArb, holdId: holdIdArb })
            .map((x) => new SendCommand({ _tag: "VoidHold", ...x }))
        },
        { weight: 2, arbitrary: fc.integer({ min: 1, max: 4_000 }).map((ms) => new AdvanceCommand(ms)) },
        {
          weight: 3,
          arbitrary: fc
            .record({ id: entryIdArb, entryId: entryIdArb })
            .map((x) => new SendCommand({ _tag: "Reverse", ...x }))
        },
        {
          weight: 3,
          arbitrary: fc
            .tuple(
              fc.array(
                fc.record({ id: entryIdArb, postings: fc.array(postingArb, { minLength: 1, maxLength: 2 }) }),
                {
                  minLength: 1,
                  maxLength: 4
                }
              ),
              fc.boolean(),
              fc.boolean()
            )
            .map(([entries, linked, summary]) => new BatchCommand(entries, linked, summary))
        },
        { weight: 2, arbitrary: fc.constant(new RetryCommand(false)) },
        { weight: 2, arbitrary: fc.constant(new RetryCommand(true)) }
      )
    ],
    { maxCommands, size: "medium" }
  )

/**
 * A prelude that opens every account of the pool (random currency, normal side and limit) and
 * funds some of them, so the random sequences mostly exercise successful paths too.
 *
 * @example
 * ```ts
 * import { Model } from "@paykit/ledger/testing"
 * import * as fc from "fast-check"
 * fc.sample(Model.prelude, 1)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const prelude = fc
  .tuple(
    fc.array(
      fc.record({
        currency: currencyArb,
        normal: fc.constantFrom("debit" as const, "credit" as const),
        limit: fc.constantFrom("none" as const, "none" as const, "debits" as const, "credits" as const)
      }),
      { minLength: ACCOUNTS.length, maxLength: ACCOUNTS.length }
    ),
    fc.array(postingArb, { minLength: 0, maxLength: 4 })
  )
  .map(([specs, funding]) => [
    ...specs.map((x, i) => new SendCommand({ _tag: "CreateAccount", id: ACCOUNTS[i]!, ...x })),
    ...funding.map((p, i) => new SendCommand({ _tag: "Transfer", id: `fund${i}`, postings: [p] }))
  ])

/** Each run's ledger either keeps failed ids reusable or consumes them (`Ledger.Options.failedIds`). */
const failedIdsArb = fc.constantFrom("reusable" as const, "consumed" as const)

/**
 * Counts of replies by outcome, collected while the property runs (for the test report).
 *
 * @example
 * ```ts
 * import { Model } from "@paykit/ledger/testing"
 * Model.stats.get("Transfer:ok")
 * ```
 * @category models
 * @since 0.1.0
 */
export const stats = new Map<string, number>()
const count = (key: string) => stats.set(key, (stats.get(key) ?? 0) + 1)

/**
 * Runs the model-based property against the store `layer` provides (a fresh store per run):
 * random command sequences go through the `Ledger` service (on a `TestClock`) and every reply is
 * compared with the reference model; after every step the invariants are checked on the whole
 * store and as-of balances are compared with the fold of entries.
 *
 * @example
 * ```ts
 * import { LedgerStore } from "@paykit/ledger"
 * import { Model } from "@paykit/ledger/testing"
 * await Model.property(LedgerStore.layerMemory, { numRuns: 50 })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const property = async (
  layer: Layer.Layer<LedgerStore, unknown, Notifier.Notifier>,
  options: { readonly numRuns?: number; readonly seed?: number; readonly maxCommands?: number } = {}
): Promise<void> => {
  await fc.assert(
    fc.asyncProperty(
      prelude,
      commands(options.maxCommands ?? 40),
      failedIdsArb,
      async (setup, cmds, failedIds) => {
        const services = Layer.mergeAll(
          Ledger.layer({ failedIds }).pipe(Layer.provideMerge(layer)),
          TestClock.layer()
        ).pipe(Layer.provide([Notifier.layerMemory, Ids.layerSeeded(7)]))
        const runtime = ManagedRuntime.make(services as Layer.Layer<Services, unknown>)
        try {
          const real: Real = { runtime, last: undefined }
          const model = new ModelState()
          model.consuming = failedIds === "consumed"
          for (const c of setup) await c.run(model, real)
          await fc.asyncModelRun(() => ({ model, real }), cmds)
        } finally {
          await runtime.dispose()
        }
      }
    ),
    { numRuns: options.numRuns ?? 100, ...(options.seed === undefined ? {} : { seed: options.seed }) }
  )
}
