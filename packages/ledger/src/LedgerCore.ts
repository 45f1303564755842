import { type DomainEvent, Input, InvalidInput, Money } from "@paykit/core"
import { Result, Schema } from "effect"
import * as Account from "./Account.ts"
import type { Command, Mode } from "./Command.ts"
import { MAX_BATCH, MAX_POSTINGS, MAX_TIMEOUT_MS } from "./Command.ts"
import * as Entry from "./Entry.ts"
import {
  AccountClosed,
  AccountNotFound,
  AccountsMustDiffer,
  AlreadyReversed,
  AmountExceedsHold,
  BalanceOverflow,
  type CommandError as CoreCommandError,
  ConflictingLimitFlags,
  ConsumingError,
  EntryNotFound,
  ExceedsCredits,
  ExceedsDebits,
  ExistsWithDifferent,
  HoldAlreadyResolved,
  HoldExpired,
  HoldNotFound,
  IdAlreadyFailed,
  LinkedCommandFailed,
  NotReversible,
  PostingCurrencyMismatch
} from "./errors.ts"
import * as Hold from "./Hold.ts"
import { canonicalRecord, eventNumber, ID_PATTERN, sha256 } from "./internal/canonical.ts"

/**
 * What the core reads while deciding a batch: the current records by id, and the pending holds
 * whose timeout has passed. A store adapter builds it from the rows it loaded and locked
 * (see {@link readSet}, {@link lockSet} and {@link snapshotOf}); the memory store answers from
 * its maps. The core never mutates what it reads.
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * const empty = LedgerCore.snapshotOf({ accounts: [], entries: [], holds: [] })
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Snapshot {
  readonly account: (id: string) => Account.Account | undefined
  readonly entry: (id: string) => Entry.Entry | undefined
  readonly hold: (id: string) => Hold.Hold | undefined
  /** Pending holds with `expiresAt ≤ now`. */
  readonly dueHolds: (now: number) => Iterable<Hold.Hold>
  /**
   * The recorded first failure of an entry id that a `failedIds: "consumed"` write consumed.
   * A store that never records failures may leave it out.
   */
  readonly failedId?: ((id: string) => FailedId | undefined) | undefined
}

/**
 * What happens to the id of an entry command that fails because of the books' state:
 *
 * - `"reusable"` (the default): nothing is recorded; a retry with the same id is decided afresh
 *   on the books as they are then (it may succeed once a top-up has arrived);
 * - `"consumed"`: the id is consumed with its first failure (TigerBeetle's `id_already_failed`);
 *   a retry gets `IdAlreadyFailed` carrying that failure, so a client that replays everything it
 *   sent after a crash gets exactly the outcome of a run without the crash.
 *
 * An id consumed once stays consumed whatever the mode of later writes.
 *
 * @example
 * ```ts
 * import type { LedgerCore } from "@paykit/ledger"
 * const mode: LedgerCore.FailedIds = "consumed"
 * ```
 * @category models
 * @since 0.1.0
 */
export type FailedIds = "reusable" | "consumed"

/**
 * A consumed entry id: the first state-dependent failure of an entry command written in
 * `failedIds: "consumed"` mode, with the time of its write. Stores persist it in the same
 * transaction as the write's other changes, in the same id space as entries (an id is an entry
 * or a failure, never both).
 *
 * @example
 * ```ts
 * import { AccountNotFound, type LedgerCore } from "@paykit/ledger"
 * const f: LedgerCore.FailedId = { id: "t1", error: new AccountNotFound({ accountId: "x" }), at: 0 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface FailedId {
  readonly id: string
  readonly error: typeof ConsumingError.Type
  readonly at: number
}

const FailedIdJson = Schema.Struct({ id: Schema.String, at: Schema.Number, error: ConsumingError })
const encodeFailedId = Schema.encodeSync(FailedIdJson)
const decodeFailedId = Schema.decodeUnknownSync(FailedIdJson)

/**
 * A {@link FailedId} as JSON (the error as its tag and fields), for stores that keep it in a
 * document column.
 *
 * @example
 * ```ts
 * import { AccountNotFound, LedgerCore } from "@paykit/ledger"
 * LedgerCore.failedIdToJson({ id: "t1", error: new AccountNotFound({ accountId: "x" }), at: 5 })
 * // { id: "t1", at: 5, error: { _tag: "AccountNotFound", accountId: "x" } }
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const failedIdToJson = (f: FailedId): unknown => encodeFailedId(f)

/**
 * The inverse of {@link failedIdToJson}; throws on a document it did not write (a corrupted
 * store is a defect).
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * LedgerCore.failedIdFromJson({ id: "t1", at: 5, error: { _tag: "AccountNotFound", accountId: "x" } }).error._tag
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const failedIdFromJson = (json: unknown): FailedId => decodeFailedId(json)

/**
 * One write: the commands, the batch mode, the time of the write (epoch ms, from `Clock`) and a
 * fresh ULID from which the write's event ids are derived.
 *
 * @example
 * ```ts
 * import type { LedgerCore } from "@paykit/ledger"
 * const r: LedgerCore.Request = { commands: [], mode: "independent", now: Date.now(), eventIdSeed: "01J00000000000000000000000" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Request {
  readonly commands: ReadonlyArray<Command>
  readonly mode: Mode
  readonly now: number
  readonly eventIdSeed: string
  /** What a state-dependent failure does to its entry id (default `"reusable"`); see {@link FailedIds}. */
  readonly failedIds?: FailedIds | undefined
}

/**
 * The result of one successful command. `replayed` is true when the id existed with the same
 * content (an idempotent retry: nothing was written, the original record is returned).
 *
 * @example
 * ```ts
 * import type { LedgerCore } from "@paykit/ledger"
 * const replayed = (s: LedgerCore.Success) => s._tag !== "AccountClosed" && s.replayed
 * ```
 * @category models
 * @since 0.1.0
 */
export type Success =
  | { readonly _tag: "AccountCreated"; readonly account: Account.Account; readonly replayed: boolean }
  | { readonly _tag: "AccountClosed"; readonly account: Account.Account; readonly changed: boolean }
  | {
      readonly _tag: "EntryCreated"
      readonly entry: Entry.Entry
      readonly hold?: Hold.Hold
      readonly replayed: boolean
    }

/**
 * Every error a command can get from the core: a shape error (`InvalidInput`, typed path only)
 * or one of the ledger's state errors.
 *
 * @example
 * ```ts
 * import type { LedgerCore } from "@paykit/ledger"
 * const tag = (e: LedgerCore.CommandError) => e._tag
 * ```
 * @category errors
 * @since 0.1.0
 */
export type CommandError = CoreCommandError | InvalidInput

/**
 * Everything a store must persist atomically for one write, plus the per-command results.
 * Records are final states: insert the `*Created` ones, update the `*Updated` ones (an account
 * or hold created and changed in the same batch appears only in `*Created`, in its final
 * state), set `reversedBy` for `entriesReversed`, insert `lines`, and write `events` to the
 * outbox. An empty change set (only failures and replays) means nothing to write.
 *
 * @example
 * ```ts
 * import type { LedgerCore } from "@paykit/ledger"
 * const writes = (o: LedgerCore.Outcome) => o.entriesCreated.length + o.lines.length
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Outcome {
  readonly results: ReadonlyArray<Result.Result<Success, CommandError>>
  readonly accountsCreated: ReadonlyArray<Account.Account>
  readonly accountsUpdated: ReadonlyArray<Account.Account>
  readonly entriesCreated: ReadonlyArray<Entry.Entry>
  readonly entriesReversed: ReadonlyArray<{ readonly id: string; readonly reversedBy: string }>
  readonly holdsCreated: ReadonlyArray<Hold.Hold>
  readonly holdsUpdated: ReadonlyArray<Hold.Hold>
  readonly lines: ReadonlyArray<Account.Line>
  readonly events: ReadonlyArray<DomainEvent.DomainEvent>
  /** Entry ids this write consumed (`failedIds: "consumed"`): insert them. */
  readonly failedIds: ReadonlyArray<FailedId>
}

// ---------------------------------------------------------------------------------------------
// content and idempotency hash

const EMPTY: Readonly<Record<string, string>> = Object.freeze({})

/** Metadata as stored: a private copy, so a caller mutating its object later changes nothing. */
const ownMetadata = (m: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> =>
  m === undefined ? EMPTY : { ...m }

const postingsKey = (ps: ReadonlyArray<Entry.Posting>): string => {
  let s = ""
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]!
    s += p.debit + "|" + p.credit + "|" + p.amount.toString() + "|" + p.currency + ";"
  }
  return s
}

/** Field names of an entry's idempotency content, in comparison order. */
const FIELDS = [
  "kind",
  "postings",
  "holdId",
  "amount",
  "reverses",
  "timeoutMs",
  "description",
  "metadata"
] as const

interface Content {
  readonly kind: string
  readonly postings: string
  readonly holdId: string
  readonly amount: string
  readonly reverses: string
  readonly timeoutMs: string
  readonly description: string
  readonly metadata: string
}

const contentOfEntry = (e: Entry.Entry): Content => ({
  kind: e.kind,
  postings: e.kind === "transfer" || e.kind === "hold" ? postingsKey(e.postings) : "",
  holdId: e.kind === "hold" ? "" : (e.holdId ?? ""),
  amount: e.kind === "hold_post" ? e.postings[0]!.amount.toString() : "",
  reverses: e.reverses ?? "",
  timeoutMs: e.timeoutMs === undefined ? "" : String(e.timeoutMs),
  description: e.description === undefined ? "" : JSON.stringify(e.description),
  metadata: canonicalRecord(e.metadata)
})

const hashContent = (c: Content): string =>
  sha256(
    `${c.kind}\n${c.postings}\n${c.holdId}\n${c.amount}\n${c.reverses}\n${c.timeoutMs}\n${c.description}\n${c.metadata}`
  )

/**
 * The idempotency hash of an entry: sha256 (hex) of its canonical content (kind, postings,
 * hold id, captured amount, reversed entry, timeout, description, metadata with sorted keys;
 * never ids of other records, times or balances). Two requests with the same id are the same
 * request exactly when their hashes are equal. Adapters store it; they never compute it.
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * LedgerCore.entryHash({ id: "e1", kind: "transfer", postings: [{ debit: "a", credit: "b", amount: 5n, currency: "USD" }], metadata: {}, createdAt: 0, hash: "" }).length // 64
 * ```
 * @category math
 * @since 0.1.0
 */
export const entryHash = (e: Entry.Entry): string =>
  e.kind === "transfer"
    ? sha256(
        `transfer\n${postingsKey(e.postings)}\n\n\n\n${e.timeoutMs === undefined ? "" : String(e.timeoutMs)}\n${e.description === undefined ? "" : JSON.stringify(e.description)}\n${canonicalRecord(e.metadata)}`
      )
    : hashContent(contentOfEntry(e))

const firstDifference = (a: Content, b: Content): string | undefined => {
  for (const f of FIELDS) if (a[f] !== b[f]) return f
  return undefined
}

// ---------------------------------------------------------------------------------------------
// cheap shape checks for commands that did not come through a schema

const ID = ID_PATTERN
const CURRENCY = /^[A-Z][A-Z0-9_]{1,11}$/

const invalid = (path: string, reason: string) => new InvalidInput({ operation: "execute", path, reason })

const checkId = (v: unknown, path: string): InvalidInput | undefined =>
  typeof v === "string" && ID.test(v)
    ? undefined
    : invalid(path, "expected an id of 1-64 characters [A-Za-z0-9_.:-]")

const checkAmount = (v: unknown, path: string): InvalidInput | undefined =>
  typeof v === "bigint" && v > 0n && v <= Money.MAX_AMOUNT
    ? undefined
    : invalid(path, "expected a bigint amount from 1 to 2^127 − 1 minor units")

const checkCurrency = (v: unknown, path: string): InvalidInput | undefined =>
  typeof v === "string" && CURRENCY.test(v)
    ? undefined
    : invalid(path, 'expected a currency code such as "USD"')

/** The schema path's limits (`Command.ts`), enforced on the typed path too. */
const MAX_TEXT = 1024
const MAX_METADATA_KEYS = 64

const checkText = (v: unknown, path: string, min: number, max: number): InvalidInput | undefined =>
  typeof v !== "string" || v.length < min || v.length > max
    ? invalid(path, `expected a string of ${min} to ${max} characters`)
    : Input.isStorableText(v)
      ? undefined
      : invalid(path, "expected text without NUL characters or lone surrogates")

const checkOptionals = (c: Record<string, unknown>, p: string): InvalidInput | undefined => {
  if (c["description"] !== undefined) {
    const e = checkText(c["description"], `${p}.description`, 0, MAX_TEXT)
    if (e) return e
  }
  const m = c["metadata"]
  if (m !== undefined) {
    if (typeof m !== "object" || m === null || Array.isArray(m))
      return invalid(`${p}.metadata`, "expected a record of strings")
    let keys = 0
    for (const k in m) {
      if (++keys > MAX_METADATA_KEYS)
        return invalid(`${p}.metadata`, `at most ${MAX_METADATA_KEYS} metadata keys`)
      if (!Input.isStorableText(k))
        return invalid(`${p}.metadata`, "expected metadata keys without NUL characters or lone surrogates")
      const e = checkText((m as Record<string, unknown>)[k], `${p}.metadata.${k}`, 0, MAX_TEXT)
      if (e) return e
    }
  }
  return undefined
}

const checkFlag = (v: unknown, path: string): InvalidInput | undefined =>
  v === undefined || typeof v === "boolean" ? undefined : invalid(path, "expected a boolean")

const shapeOf = (c: Command, p: string): InvalidInput | undefined => {
  if (typeof c !== "object" || c === null) return invalid(p, "expected a command object")
  switch (c._tag) {
    case "CreateAccount":
      return (
        checkId(c.id, `${p}.id`) ??
        checkCurrency(c.currency, `${p}.currency`) ??
        checkText(c.code, `${p}.code`, 1, 128) ??
        (c.normal === "debit" || c.normal === "credit"
          ? undefined
          : invalid(`${p}.normal`, 'expected "debit" or "credit"')) ??
        (c.ownerRef === undefined ? undefined : checkText(c.ownerRef, `${p}.ownerRef`, 1, 256)) ??
        checkFlag(c.debitsMustNotExceedCredits, `${p}.debitsMustNotExceedCredits`) ??
        checkFlag(c.creditsMustNotExceedDebits, `${p}.creditsMustNotExceedDebits`) ??
        checkOptionals(c as never, p)
      )
    case "CloseAccount":
      return checkId(c.accountId, `${p}.accountId`)
    case "Transfer": {
      const e = checkId(c.id, `${p}.id`)
      if (e) return e
      const ps: unknown = c.postings
      if (!Array.isArray(ps) || ps.length === 0 || ps.length > MAX_POSTINGS)
        return invalid(`${p}.postings`, `expected 1 to ${MAX_POSTINGS} postings`)
      for (let i = 0; i < ps.length; i++) {
        const q: unknown = ps[i]
        const pp = `${p}.postings[${i}]`
        if (typeof q !== "object" || q === null) return invalid(pp, "expected a posting object")
        const posting = q as Record<string, unknown>
        const err =
          checkId(posting["debit"], `${pp}.debit`) ??
          checkId(posting["credit"], `${pp}.credit`) ??
          checkAmount(posting["amount"], `${pp}.amount`) ??
          checkCurrency(posting["currency"], `${pp}.currency`)
        if (err) return err
      }
      return checkOptionals(c as never, p)
    }
    case "CreateHold":
      return (
        checkId(c.id, `${p}.id`) ??
        checkId(c.debit, `${p}.debit`) ??
        checkId(c.credit, `${p}.credit`) ??
        checkAmount(c.amount, `${p}.amount`) ??
        checkCurrency(c.currency, `${p}.currency`) ??
        (c.timeoutMs === undefined ||
        (Number.isInteger(c.timeoutMs) && c.timeoutMs >= 1 && c.timeoutMs <= MAX_TIMEOUT_MS)
          ? undefined
          : invalid(`${p}.timeoutMs`, "expected an integer from 1 to 315360000000")) ??
        checkOptionals(c as never, p)
      )
    case "PostHold":
      return (
        checkId(c.id, `${p}.id`) ??
        checkId(c.holdId, `${p}.holdId`) ??
        (c.amount === undefined ? undefined : checkAmount(c.amount, `${p}.amount`)) ??
        checkOptionals(c as never, p)
      )
    case "VoidHold":
      return checkId(c.id, `${p}.id`) ?? checkId(c.holdId, `${p}.holdId`) ?? checkOptionals(c as never, p)
    case "Reverse":
      return checkId(c.id, `${p}.id`) ?? checkId(c.entryId, `${p}.entryId`) ?? checkOptionals(c as never, p)
    default:
      return invalid(`${p}._tag`, "unknown command")
  }
}

/**
 * Checks the shape of a command that did not come through a schema (the typed fast path): ids,
 * positive bigint amounts, currency codes, posting count, timeout range, and the schema path's
 * size limits (descriptions and metadata values up to 1,024 characters, at most 64 metadata
 * keys, codes up to 128, owner references up to 256). Total: whatever it is given (null, wrong
 * types, a getter or Proxy trap that throws), it answers `undefined` or an `InvalidInput` naming
 * the field, and never throws. The `Ledger` service's schema-decoded paths never fail here.
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * LedgerCore.checkShape({ _tag: "Transfer", id: "e1", postings: [] }, "commands[0]")?._tag // "InvalidInput"
 * ```
 * @category guards
 * @since 0.1.0
 */
export const checkShape = (c: Command, p: string): InvalidInput | undefined => {
  try {
    return shapeOf(c, p)
  } catch (e) {
    return Input.unreadable("execute", e, p)
  }
}

// ---------------------------------------------------------------------------------------------
// working state with an undo journal

const ABSENT: unique symbol = Symbol("absent")

type MutableAccount = { -readonly [K in keyof Account.Account]: Account.Account[K] }

/** A private, mutable copy of an account (explicit literal: one hidden class per shape). */
const copyAccount = (a: Account.Account): MutableAccount =>
  a.ownerRef === undefined
    ? {
        id: a.id,
        currency: a.currency,
        code: a.code,
        normal: a.normal,
        metadata: a.metadata,
        debitsMustNotExceedCredits: a.debitsMustNotExceedCredits,
        creditsMustNotExceedDebits: a.creditsMustNotExceedDebits,
        closed: a.closed,
        createdAt: a.createdAt,
        debitsPosted: a.debitsPosted,
        creditsPosted: a.creditsPosted,
        debitsPending: a.debitsPending,
        creditsPending: a.creditsPending,
        version: a.version
      }
    : {
        id: a.id,
        currency: a.currency,
        code: a.code,
        normal: a.normal,
        ownerRef: a.ownerRef,
        metadata: a.metadata,
        debitsMustNotExceedCredits: a.debitsMustNotExceedCredits,
        creditsMustNotExceedDebits: a.creditsMustNotExceedDebits,
        closed: a.closed,
        createdAt: a.createdAt,
        debitsPosted: a.debitsPosted,
        creditsPosted: a.creditsPosted,
        debitsPending: a.debitsPending,
        creditsPending: a.creditsPending,
        version: a.version
      }

class Work {
  readonly accounts = new Map<string, Account.Account>()
  readonly accountCreated = new Map<string, true>()
  readonly entries = new Map<string, Entry.Entry>()
  readonly reversed = new Map<string, string>()
  readonly holds = new Map<string, Hold.Hold>()
  readonly holdCreated = new Map<string, true>()
  readonly lines: Array<Account.Line> = []
  readonly events: Array<DomainEvent.DomainEvent> = []
  /** Entry ids this write consumed (recorded after a command's failure is final, never undone). */
  readonly failed = new Map<string, FailedId>()
  readonly journal: Array<unknown> = []
  /** In-place changes of working account copies: [account, dP, cP, dQ, cQ, version] per change. */
  readonly undo: Array<unknown> = []
  /** Accounts the current command changed (cleared per command, reused). */
  readonly touched: Array<string> = []
  readonly occurredAt: string
  /** The event id's fixed parts: the seed around characters 10..15 (see `eventId`). */
  readonly eventIdHead: string
  readonly eventIdTail: string

  constructor(
    readonly snap: Snapshot,
    readonly now: number,
    readonly seed: string,
    /** Linked mode: every change is journalled so the whole batch can be undone. */
    readonly linked: boolean,
    /** The number of the write's first event from this decision (events decided earlier in the same write come before). */
    readonly eventBase = 0
  ) {
    this.occurredAt = new Date(now).toISOString()
    this.eventIdHead = seed.slice(0, 10)
    this.eventIdTail = seed.slice(16)
  }

  /** `eventId(seed, k)` without re-slicing the seed. */
  eventId(n: number): string {
    return this.eventIdHead + eventNumber(n + this.eventBase) + this.eventIdTail
  }

  set<V>(map: Map<string, V>, key: string, value: V): void {
    const prev = map.get(key)
    this.journal.push(map, key, prev === undefined && !map.has(key) ? ABSENT : prev)
    map.set(key, value)
  }

  account(id: string): Account.Account | undefined {
    return this.accounts.get(id) ?? this.snap.account(id)
  }
  entry(id: string): Entry.Entry | undefined {
    return this.entries.get(id) ?? this.snap.entry(id)
  }
  reversedBy(e: Entry.Entry): string | undefined {
    return this.reversed.get(e.id) ?? e.reversedBy
  }
  hold(id: string): Hold.Hold | undefined {
    return this.holds.get(id) ?? this.snap.hold(id)
  }
  failedId(id: string): FailedId | undefined {
    return this.failed.get(id) ?? this.snap.failedId?.(id)
  }

  /** Undoes everything after the given journal, undo, lines and events lengths. */
  restore(journal: number, undo: number, lines: number, events: number): void {
    const u = this.undo
    for (let i = u.length - 6; i >= undo; i -= 6) {
      const m = u[i] as MutableAccount
      m.debitsPosted = u[i + 1] as bigint
      m.creditsPosted = u[i + 2] as bigint
      m.debitsPending = u[i + 3] as bigint
      m.creditsPending = u[i + 4] as bigint
      m.version = u[i + 5] as number
    }
    u.length = undo
    const j = this.journal
    for (let i = j.length - 3; i >= journal; i -= 3) {
      const map = j[i] as Map<string, unknown>
      const key = j[i + 1] as string
      const prev = j[i + 2]
      if (prev === ABSENT) map.delete(key)
      else map.set(key, prev)
    }
    j.length = journal
    this.lines.length = lines
    this.events.length = events
  }

  emit(type: string, subject: string, data: unknown): void {
    this.events.push({
      id: this.eventId(this.events.length),
      type,
      occurredAt: this.occurredAt,
      subject,
      data
    })
  }

  /** Applies deltas to an account, checking overflow and limit flags. */
  change(
    a: Account.Account,
    ddP: bigint,
    dcP: bigint,
    ddQ: bigint,
    dcQ: bigint,
    entryId: string
  ): CoreCommandError | undefined {
    const dP = a.debitsPosted + ddP
    const cP = a.creditsPosted + dcP
    const dQ = a.debitsPending + ddQ
    const cQ = a.creditsPending + dcQ
    if (dP + dQ > Money.MAX_AMOUNT || cP + cQ > Money.MAX_AMOUNT)
      return new BalanceOverflow({ accountId: a.id })
    const dUp = ddP + ddQ
    if (a.debitsMustNotExceedCredits && dUp > 0n && dP + dQ > cP) {
      return new ExceedsCredits({
        entryId,
        accountId: a.id,
        available: (a.creditsPosted - a.debitsPosted - a.debitsPending).toString(),
        requested: dUp.toString()
      })
    }
    const cUp = dcP + dcQ
    if (a.creditsMustNotExceedDebits && cUp > 0n && cP + cQ > dP) {
      return new ExceedsDebits({
        entryId,
        accountId: a.id,
        available: (a.debitsPosted - a.creditsPosted - a.creditsPending).toString(),
        requested: cUp.toString()
      })
    }
    let m = this.accounts.get(a.id) as MutableAccount | undefined
    if (m === undefined) {
      m = copyAccount(a)
      this.set(this.accounts, a.id, m)
    }
    this.undo.push(m, m.debitsPosted, m.creditsPosted, m.debitsPending, m.creditsPending, m.version)
    m.debitsPosted = dP
    m.creditsPosted = cP
    m.debitsPending = dQ
    m.creditsPending = cQ
    if (!this.touched.includes(a.id)) {
      this.touched.push(a.id)
      m.version++
    }
    return undefined
  }

  /** Writes one line per account the current command touched, then clears the list. */
  flushLines(entryId: string): void {
    const t = this.touched
    for (let i = 0; i < t.length; i++) {
      const a = this.accounts.get(t[i]!)!
      this.lines.push({
        accountId: a.id,
        seq: a.version,
        entryId,
        at: this.now,
        debitsPosted: a.debitsPosted,
        creditsPosted: a.creditsPosted,
        debitsPending: a.debitsPending,
        creditsPending: a.creditsPending
      })
    }
    t.length = 0
  }

  addEntry(e: Entry.Entry): void {
    this.set(this.entries, e.id, e)
  }

  putHold(h: Hold.Hold, created: boolean): void {
    this.set(this.holds, h.id, h)
    if (created) this.set(this.holdCreated, h.id, true)
  }
}

const optionalFields = (c: {
  readonly description?: string
  readonly metadata?: Readonly<Record<string, string>>
}) =>
  c.description === undefined
    ? { metadata: ownMetadata(c.metadata) }
    : { description: c.description, metadata: ownMetadata(c.metadata) }

type EntryCommand = Exclude<Command, { readonly _tag: "CreateAccount" | "CloseAccount" }>

const contentOfCommand = (w: Work, c: EntryCommand): Content => {
  const description = c.description === undefined ? "" : JSON.stringify(c.description)
  const metadata = canonicalRecord(c.metadata ?? EMPTY)
  switch (c._tag) {
    case "Transfer":
      return {
        kind: "transfer",
        postings: postingsKey(c.postings),
        holdId: "",
        amount: "",
        reverses: "",
        timeoutMs: "",
        description,
        metadata
      }
    case "CreateHold":
      return {
        kind: "hold",
        postings: postingsKey([c]),
        holdId: "",
        amount: "",
        reverses: "",
        timeoutMs: c.timeoutMs === undefined ? "" : String(c.timeoutMs),
        description,
        metadata
      }
    case "PostHold":
      return {
        kind: "hold_post",
        postings: "",
        holdId: c.holdId,
        amount: (c.amount ?? w.hold(c.holdId)?.amount ?? "full").toString(),
        reverses: "",
        timeoutMs: "",
        description,
        metadata
      }
    case "VoidHold":
      return {
        kind: "hold_void",
        postings: "",
        holdId: c.holdId,
        amount: "",
        reverses: "",
        timeoutMs: "",
        description,
        metadata
      }
    case "Reverse":
      return {
        kind: "reversal",
        postings: "",
        holdId: "",
        amount: "",
        reverses: c.entryId,
        timeoutMs: "",
        description,
        metadata
      }
  }
}

// ---------------------------------------------------------------------------------------------
// the commands

type Step = Result.Result<Success, CommandError>

const fail = (e: CommandError): Step => Result.fail(e)

/** Existence, currency and closed checks for postings, rule by rule across all postings. */
const checkAccounts = (
  w: Work,
  entryId: string,
  postings: ReadonlyArray<Entry.Posting>,
  checkClosed: boolean
): CoreCommandError | undefined => {
  if (postings.length === 1) {
    const p = postings[0]!
    const d = w.account(p.debit)
    if (d === undefined) return new AccountNotFound({ accountId: p.debit })
    const c = w.account(p.credit)
    if (c === undefined) return new AccountNotFound({ accountId: p.credit })
    if (d.currency !== p.currency || c.currency !== p.currency) {
      const bad = d.currency !== p.currency ? d : c
      return new PostingCurrencyMismatch({
        entryId,
        posting: 0,
        accountId: bad.id,
        accountCurrency: bad.currency,
        postingCurrency: p.currency
      })
    }
    if (checkClosed) {
      if (d.closed) return new AccountClosed({ accountId: d.id })
      if (c.closed) return new AccountClosed({ accountId: c.id })
    }
    return undefined
  }
  for (let i = 0; i < postings.length; i++) {
    const p = postings[i]!
    if (w.account(p.debit) === undefined) return new AccountNotFound({ accountId: p.debit })
    if (w.account(p.credit) === undefined) return new AccountNotFound({ accountId: p.credit })
  }
  for (let i = 0; i < postings.length; i++) {
    const p = postings[i]!
    const d = w.account(p.debit)!
    if (d.currency !== p.currency)
      return new PostingCurrencyMismatch({
        entryId,
        posting: i,
        accountId: d.id,
        accountCurrency: d.currency,
        postingCurrency: p.currency
      })
    const c = w.account(p.credit)!
    if (c.currency !== p.currency)
      return new PostingCurrencyMismatch({
        entryId,
        posting: i,
        accountId: c.id,
        accountCurrency: c.currency,
        postingCurrency: p.currency
      })
  }
  if (checkClosed) {
    for (let i = 0; i < postings.length; i++) {
      const p = postings[i]!
      if (w.account(p.debit)!.closed) return new AccountClosed({ accountId: p.debit })
      if (w.account(p.credit)!.closed) return new AccountClosed({ accountId: p.credit })
    }
  }
  return undefined
}

/** Applies posted (or pending) amounts of each posting in order. */
const applyPostings = (
  w: Work,
  entryId: string,
  postings: ReadonlyArray<Entry.Posting>,
  pending: boolean
): CoreCommandError | undefined => {
  for (let i = 0; i < postings.length; i++) {
    const p = postings[i]!
    const amt = p.amount
    const d = w.account(p.debit)!
    const e1 = pending ? w.change(d, 0n, 0n, amt, 0n, entryId) : w.change(d, amt, 0n, 0n, 0n, entryId)
    if (e1) return e1
    const c = w.account(p.credit)!
    const e2 = pending ? w.change(c, 0n, 0n, 0n, amt, entryId) : w.change(c, 0n, amt, 0n, 0n, entryId)
    if (e2) return e2
  }
  return undefined
}

const createAccount = (w: Work, c: Extract<Command, { _tag: "CreateAccount" }>): Step => {
  if (c.debitsMustNotExceedCredits === true && c.creditsMustNotExceedDebits === true)
    return fail(new ConflictingLimitFlags({ accountId: c.id }))
  const existing = w.account(c.id)
  const metadata = ownMetadata(c.metadata)
  if (existing !== undefined) {
    const field =
      existing.currency !== c.currency
        ? "currency"
        : existing.code !== c.code
          ? "code"
          : existing.normal !== c.normal
            ? "normal"
            : existing.ownerRef !== c.ownerRef
              ? "ownerRef"
              : canonicalRecord(existing.metadata) !== canonicalRecord(metadata)
                ? "metadata"
                : existing.debitsMustNotExceedCredits !== (c.debitsMustNotExceedCredits ?? false)
                  ? "debitsMustNotExceedCredits"
                  : existing.creditsMustNotExceedDebits !== (c.creditsMustNotExceedDebits ?? false)
                    ? "creditsMustNotExceedDebits"
                    : undefined
    return field === undefined
      ? Result.succeed({ _tag: "AccountCreated", account: copyAccount(existing), replayed: true })
      : fail(new ExistsWithDifferent({ kind: "account", id: c.id, field }))
  }
  const account = Account.make({
    id: c.id,
    currency: c.currency,
    code: c.code,
    normal: c.normal,
    createdAt: w.now,
    ownerRef: c.ownerRef,
    metadata,
    debitsMustNotExceedCredits: c.debitsMustNotExceedCredits,
    creditsMustNotExceedDebits: c.creditsMustNotExceedDebits
  })
  w.set(w.accounts, c.id, copyAccount(account))
  w.set(w.accountCreated, c.id, true)
  w.emit("ledger.account.created", c.id, Account.toJson(account))
  return Result.succeed({ _tag: "AccountCreated", account, replayed: false })
}

const closeAccount = (w: Work, c: Extract<Command, { _tag: "CloseAccount" }>): Step => {
  const a = w.account(c.accountId)
  if (a === undefined) return fail(new AccountNotFound({ accountId: c.accountId }))
  if (a.closed) return Result.succeed({ _tag: "AccountClosed", account: copyAccount(a), changed: false })
  const closed: Account.Account = { ...copyAccount(a), closed: true }
  w.set(w.accounts, a.id, copyAccount(closed))
  w.emit("ledger.account.closed", a.id, Account.toJson(closed))
  return Result.succeed({ _tag: "AccountClosed", account: closed, changed: true })
}

const holdEventData = (h: Hold.Hold, e: Entry.Entry, iso: string) => ({
  hold: Hold.toJson(h),
  entry: Entry.toJson(e, iso)
})

const entryCommand = (w: Work, c: EntryCommand): Step => {
  // 1. stateless checks
  if (c._tag === "Transfer") {
    for (let i = 0; i < c.postings.length; i++) {
      const p = c.postings[i]!
      if (p.debit === p.credit)
        return fail(new AccountsMustDiffer({ entryId: c.id, posting: i, accountId: p.debit }))
    }
  } else if (c._tag === "CreateHold" && c.debit === c.credit) {
    return fail(new AccountsMustDiffer({ entryId: c.id, posting: 0, accountId: c.debit }))
  }
  // 2. idempotency
  const existing = w.entry(c.id)
  if (existing !== undefined) {
    const field = firstDifference(contentOfEntry(existing), contentOfCommand(w, c))
    if (field !== undefined) return fail(new ExistsWithDifferent({ kind: "entry", id: c.id, field }))
    const rb = w.reversedBy(existing)
    const entry = rb === undefined || existing.reversedBy === rb ? existing : { ...existing, reversedBy: rb }
    const hold = existing.holdId === undefined ? undefined : w.hold(existing.holdId)
    return Result.succeed(
      hold === undefined
        ? { _tag: "EntryCreated", entry, replayed: true }
        : { _tag: "EntryCreated", entry, hold, replayed: true }
    )
  }
  // 3. a consumed id answers with its first failure
  const failed = w.failedId(c.id)
  if (failed !== undefined) return fail(new IdAlreadyFailed({ entryId: c.id, first: failed.error }))
  switch (c._tag) {
    case "Transfer": {
      const err = checkAccounts(w, c.id, c.postings, true) ?? applyPostings(w, c.id, c.postings, false)
      if (err) return fail(err)
      const postings = c.postings.length === 1 ? [copyPosting(c.postings[0]!)] : c.postings.map(copyPosting)
      const entry = finish(
        w,
        c.description === undefined
          ? {
              id: c.id,
              kind: "transfer",
              postings,
              metadata: ownMetadata(c.metadata),
              createdAt: w.now,
              hash: ""
            }
          : {
              id: c.id,
              kind: "transfer",
              postings,
              description: c.description,
              metadata: ownMetadata(c.metadata),
              createdAt: w.now,
              hash: ""
            }
      )
      w.emit("ledger.entry.posted", entry.id, Entry.toJson(entry, w.occurredAt))
      return Result.succeed({ _tag: "EntryCreated", entry, replayed: false })
    }
    case "CreateHold": {
      const postings = [{ debit: c.debit, credit: c.credit, amount: c.amount, currency: c.currency }]
      const err = checkAccounts(w, c.id, postings, true) ?? applyPostings(w, c.id, postings, true)
      if (err) return fail(err)
      const entry = finish(w, {
        id: c.id,
        kind: "hold",
        postings,
        holdId: c.id,
        ...(c.timeoutMs === undefined ? {} : { timeoutMs: c.timeoutMs }),
        ...optionalFields(c),
        createdAt: w.now,
        hash: ""
      })
      const hold: Hold.Hold = {
        id: c.id,
        debit: c.debit,
        credit: c.credit,
        amount: c.amount,
        currency: c.currency,
        createdAt: w.now,
        ...(c.timeoutMs === undefined ? {} : { expiresAt: w.now + c.timeoutMs }),
        status: "pending",
        postedAmount: 0n
      }
      w.putHold(hold, true)
      w.emit("ledger.hold.created", hold.id, holdEventData(hold, entry, w.occurredAt))
      return Result.succeed({ _tag: "EntryCreated", entry, hold, replayed: false })
    }
    case "PostHold":
    case "VoidHold": {
      const h = w.hold(c.holdId)
      if (h === undefined) return fail(new HoldNotFound({ holdId: c.holdId }))
      if (h.status === "posted" || h.status === "voided")
        return fail(
          new HoldAlreadyResolved({ holdId: h.id, status: h.status, resolvedBy: h.resolvedBy ?? "" })
        )
      if (h.status === "expired")
        return fail(
          new HoldExpired({
            holdId: h.id,
            expiredAt: new Date(h.expiresAt ?? h.resolvedAt ?? 0).toISOString()
          })
        )
      const posting = { debit: h.debit, credit: h.credit, amount: h.amount, currency: h.currency }
      if (c._tag === "PostHold") {
        const amount = c.amount ?? h.amount
        if (amount > h.amount)
          return fail(
            new AmountExceedsHold({ holdId: h.id, held: h.amount.toString(), requested: amount.toString() })
          )
        const err =
          checkAccounts(w, c.id, [posting], true) ??
          w.change(w.account(h.debit)!, amount, 0n, -h.amount, 0n, c.id) ??
          w.change(w.account(h.credit)!, 0n, amount, 0n, -h.amount, c.id)
        if (err) return fail(err)
        const entry = finish(w, {
          id: c.id,
          kind: "hold_post",
          postings: [{ ...posting, amount }],
          holdId: h.id,
          ...optionalFields(c),
          createdAt: w.now,
          hash: ""
        })
        const hold: Hold.Hold = {
          ...h,
          status: "posted",
          postedAmount: amount,
          resolvedBy: c.id,
          resolvedAt: w.now
        }
        w.putHold(hold, false)
        w.emit("ledger.hold.posted", hold.id, holdEventData(hold, entry, w.occurredAt))
        return Result.succeed({ _tag: "EntryCreated", entry, hold, replayed: false })
      }
      const err =
        checkAccounts(w, c.id, [posting], false) ??
        w.change(w.account(h.debit)!, 0n, 0n, -h.amount, 0n, c.id) ??
        w.change(w.account(h.credit)!, 0n, 0n, 0n, -h.amount, c.id)
      if (err) return fail(err)
      const entry = finish(w, {
        id: c.id,
        kind: "hold_void",
        postings: [posting],
        holdId: h.id,
        ...optionalFields(c),
        createdAt: w.now,
        hash: ""
      })
      const hold: Hold.Hold = { ...h, status: "voided", resolvedBy: c.id, resolvedAt: w.now }
      w.putHold(hold, false)
      w.emit("ledger.hold.voided", hold.id, holdEventData(hold, entry, w.occurredAt))
      return Result.succeed({ _tag: "EntryCreated", entry, hold, replayed: false })
    }
    case "Reverse": {
      const original = w.entry(c.entryId)
      if (original === undefined) return fail(new EntryNotFound({ entryId: c.entryId }))
      if (original.kind !== "transfer" && original.kind !== "hold_post")
        return fail(new NotReversible({ entryId: original.id, kind: original.kind }))
      const rb = w.reversedBy(original)
      if (rb !== undefined) return fail(new AlreadyReversed({ entryId: original.id, reversedBy: rb }))
      const postings = original.postings.map((p) => ({
        debit: p.credit,
        credit: p.debit,
        amount: p.amount,
        currency: p.currency
      }))
      const err = checkAccounts(w, c.id, postings, true) ?? applyPostings(w, c.id, postings, false)
      if (err) return fail(err)
      const entry = finish(w, {
        id: c.id,
        kind: "reversal",
        postings,
        reverses: original.id,
        ...optionalFields(c),
        createdAt: w.now,
        hash: ""
      })
      if (w.entries.has(original.id)) w.addEntry({ ...original, reversedBy: c.id })
      else w.set(w.reversed, original.id, c.id)
      w.emit("ledger.entry.posted", entry.id, Entry.toJson(entry, w.occurredAt))
      return Result.succeed({ _tag: "EntryCreated", entry, replayed: false })
    }
  }
}

const copyPosting = (p: Entry.Posting): Entry.Posting => ({
  debit: p.debit,
  credit: p.credit,
  amount: p.amount,
  currency: p.currency
})

/** Hashes, records and writes the lines of a new entry. */
const finish = (w: Work, draft: Entry.Entry): Entry.Entry => {
  // the draft is a fresh object built by the caller: fill in its hash instead of copying it
  ;(draft as { hash: string }).hash = entryHash(draft)
  const entry = draft
  w.addEntry(entry)
  w.flushLines(entry.id)
  return entry
}

const expire = (w: Work, h: Hold.Hold): void => {
  const id = Hold.expiryEntryId(h.id)
  const d = w.account(h.debit)
  const c = w.account(h.credit)
  if (d === undefined || c === undefined) throw new Error(`hold ${h.id} refers to a missing account`)
  const err =
    w.change(d, 0n, 0n, -h.amount, 0n, id) ?? w.change(w.account(h.credit)!, 0n, 0n, 0n, -h.amount, id)
  if (err) throw new Error(`expiring hold ${h.id} failed: ${err.message}`)
  const entry = finish(w, {
    id,
    kind: "hold_expire",
    postings: [{ debit: h.debit, credit: h.credit, amount: h.amount, currency: h.currency }],
    holdId: h.id,
    metadata: EMPTY,
    createdAt: w.now,
    hash: ""
  })
  const hold: Hold.Hold = { ...h, status: "expired", resolvedBy: id, resolvedAt: w.now }
  w.putHold(hold, false)
  w.emit("ledger.hold.expired", hold.id, holdEventData(hold, entry, w.occurredAt))
}

/**
 * A plain transfer: one posting, no description, no metadata, and a shape that needs no further
 * checking (ids, a positive `bigint` amount in range, a currency code). The core decides these
 * without intermediate objects, and the memory store decides them on its columns
 * (`LedgerStore.writeSummary`); every other command takes the general path.
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * LedgerCore.isPlainTransfer({ _tag: "Transfer", id: "t1", postings: [{ debit: "a", credit: "b", amount: 5n, currency: "USD" }] }) // true
 * ```
 * @category math
 * @since 0.1.0
 */
export const isPlainTransfer = (c: Command): boolean => {
  try {
    return plainTransfer(c)
  } catch {
    // unreadable: the general path refuses it as bad input
    return false
  }
}

const plainTransfer = (c: Command): boolean => {
  if (typeof c !== "object" || c === null || c._tag !== "Transfer") return false
  if (typeof c.id !== "string" || !ID.test(c.id) || !Array.isArray(c.postings) || c.postings.length !== 1)
    return false
  const q = c.postings[0]!
  return (
    typeof q === "object" &&
    q !== null &&
    typeof q.debit === "string" &&
    ID.test(q.debit) &&
    typeof q.credit === "string" &&
    ID.test(q.credit) &&
    typeof q.amount === "bigint" &&
    q.amount > 0n &&
    q.amount <= Money.MAX_AMOUNT &&
    typeof q.currency === "string" &&
    CURRENCY.test(q.currency) &&
    c.description === undefined &&
    c.metadata === undefined
  )
}

/** 2^126: two amounts below it sum to at most `Money.MAX_AMOUNT` (2^127 − 1). */
const HALF_MAX = 1n << 126n

/**
 * `entryCommand` for a command that passed `isPlainTransfer` (one posting, no description, no
 * metadata): the same checks in the same order with the same outcomes, without intermediate
 * objects. Every check runs before anything changes, so a failure leaves nothing to undo; in
 * independent mode a success is never undone either, so only linked mode journals its changes.
 */
const fastTransfer = (w: Work, c: Extract<Command, { _tag: "Transfer" }>): Step => {
  const id = c.id
  const p = c.postings[0]!
  const debit = p.debit
  const credit = p.credit
  const amount = p.amount
  const currency = p.currency
  // 1. stateless checks
  if (debit === credit) return fail(new AccountsMustDiffer({ entryId: id, posting: 0, accountId: debit }))
  // 2. idempotency: replays, conflicts and consumed ids take the general path (it reads, never writes)
  if (w.entry(id) !== undefined || w.failedId(id) !== undefined) return entryCommand(w, c)
  // 3. accounts exist, currencies, closed
  const own = w.accounts
  let d = own.get(debit)
  const dOwn = d !== undefined
  if (!dOwn) d = w.snap.account(debit)
  if (d === undefined) return fail(new AccountNotFound({ accountId: debit }))
  let k = own.get(credit)
  const kOwn = k !== undefined
  if (!kOwn) k = w.snap.account(credit)
  if (k === undefined) return fail(new AccountNotFound({ accountId: credit }))
  if (d.currency !== currency || k.currency !== currency) {
    const bad = d.currency !== currency ? d : k
    return fail(
      new PostingCurrencyMismatch({
        entryId: id,
        posting: 0,
        accountId: bad.id,
        accountCurrency: bad.currency,
        postingCurrency: currency
      })
    )
  }
  if (d.closed) return fail(new AccountClosed({ accountId: d.id }))
  if (k.closed) return fail(new AccountClosed({ accountId: k.id }))
  // 4. the debit side, then the credit side (as `change` checks them: overflow, then limits)
  // (sums of two values below 2^126 cannot exceed 2^127 − 1: skip the bigint temporaries then)
  const dDebits = d.debitsPosted + amount
  if (
    (dDebits >= HALF_MAX ||
      d.debitsPending >= HALF_MAX ||
      d.creditsPosted >= HALF_MAX ||
      d.creditsPending >= HALF_MAX) &&
    (dDebits + d.debitsPending > Money.MAX_AMOUNT || d.creditsPosted + d.creditsPending > Money.MAX_AMOUNT)
  )
    return fail(new BalanceOverflow({ accountId: d.id }))
  if (d.debitsMustNotExceedCredits && dDebits + d.debitsPending > d.creditsPosted)
    return fail(
      new ExceedsCredits({
        entryId: id,
        accountId: d.id,
        available: (d.creditsPosted - d.debitsPosted - d.debitsPending).toString(),
        requested: amount.toString()
      })
    )
  const kCredits = k.creditsPosted + amount
  if (
    (k.debitsPosted >= HALF_MAX ||
      k.debitsPending >= HALF_MAX ||
      kCredits >= HALF_MAX ||
      k.creditsPending >= HALF_MAX) &&
    (k.debitsPosted + k.debitsPending > Money.MAX_AMOUNT || kCredits + k.creditsPending > Money.MAX_AMOUNT)
  )
    return fail(new BalanceOverflow({ accountId: k.id }))
  if (k.creditsMustNotExceedDebits && kCredits + k.creditsPending > k.debitsPosted)
    return fail(
      new ExceedsDebits({
        entryId: id,
        accountId: k.id,
        available: (k.debitsPosted - k.creditsPosted - k.creditsPending).toString(),
        requested: amount.toString()
      })
    )
  // 5. apply
  const linked = w.linked
  let md = d as MutableAccount
  if (!dOwn) {
    md = copyAccount(d)
    if (linked) w.set(own, debit, md)
    else own.set(debit, md)
  }
  let mk = k as MutableAccount
  if (!kOwn) {
    mk = copyAccount(k)
    if (linked) w.set(own, credit, mk)
    else own.set(credit, mk)
  }
  if (linked)
    w.undo.push(
      md,
      md.debitsPosted,
      md.creditsPosted,
      md.debitsPending,
      md.creditsPending,
      md.version,
      mk,
      mk.debitsPosted,
      mk.creditsPosted,
      mk.debitsPending,
      mk.creditsPending,
      mk.version
    )
  md.debitsPosted = dDebits
  md.version++
  mk.creditsPosted = kCredits
  mk.version++
  const now = w.now
  w.lines.push(
    {
      accountId: md.id,
      seq: md.version,
      entryId: id,
      at: now,
      debitsPosted: md.debitsPosted,
      creditsPosted: md.creditsPosted,
      debitsPending: md.debitsPending,
      creditsPending: md.creditsPending
    },
    {
      accountId: mk.id,
      seq: mk.version,
      entryId: id,
      at: now,
      debitsPosted: mk.debitsPosted,
      creditsPosted: mk.creditsPosted,
      debitsPending: mk.debitsPending,
      creditsPending: mk.creditsPending
    }
  )
  // 6. the entry (its hash is `entryHash` of it, spelled out) and its event
  const amountText = amount.toString()
  const entry: Entry.Entry = {
    id,
    kind: "transfer",
    postings: [{ debit, credit, amount, currency }],
    metadata: EMPTY,
    createdAt: now,
    hash: sha256("transfer\n" + debit + "|" + credit + "|" + amountText + "|" + currency + ";\n\n\n\n\n\n{}")
  }
  if (linked) w.set(w.entries, id, entry)
  else w.entries.set(id, entry)
  const events = w.events
  events.push({
    id: w.eventId(events.length),
    type: "ledger.entry.posted",
    occurredAt: w.occurredAt,
    subject: id,
    data: {
      id,
      kind: "transfer",
      postings: [{ debit, credit, amount: amountText, currency }],
      metadata: EMPTY,
      createdAt: w.occurredAt
    }
  })
  return Result.succeed({ _tag: "EntryCreated", entry, replayed: false })
}

const runCommand = (w: Work, c: Command, index: number): Step => {
  const shape = checkShape(c, `commands[${index}]`)
  if (shape) return fail(shape)
  w.touched.length = 0
  switch (c._tag) {
    case "CreateAccount":
      return createAccount(w, c)
    case "CloseAccount":
      return closeAccount(w, c)
    default:
      return entryCommand(w, c)
  }
}

/** The fields a command may carry (every variant's), copied by {@link ownCommand}. */
const COMMAND_FIELDS = [
  "_tag",
  "id",
  "accountId",
  "currency",
  "code",
  "normal",
  "ownerRef",
  "debitsMustNotExceedCredits",
  "creditsMustNotExceedDebits",
  "postings",
  "debit",
  "credit",
  "amount",
  "timeoutMs",
  "holdId",
  "entryId",
  "description",
  "metadata"
] as const

/** A posting or a metadata record: a plain copy of its own enumerable fields, each read once. */
const plainRecord = (v: unknown): unknown => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return v
  const keys = Object.keys(v)
  if (keys.length > MAX_METADATA_KEYS) return v // refused by the shape check on its key count
  const out: Record<string, unknown> = {}
  for (const k of keys) {
    const value = (v as Record<string, unknown>)[k]
    // an own `__proto__` key stays an own key (assigning it would set the copy's prototype)
    if (k === "__proto__")
      Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true })
    else out[k] = value
  }
  return out
}

/**
 * The command as a plain object of its own, every field read exactly once (postings and metadata
 * copied too): a getter or Proxy that answers one thing to the shape check and another to the
 * decision cannot slip a malformed value into the books, and the caller changing its object
 * later changes nothing stored. Not an object: returned as is, for the shape check to refuse.
 * Throws when the command cannot be read; `decide` refuses it then.
 */
const ownCommand = (command: Command): Command => {
  if (typeof command !== "object" || command === null) return command
  const src = command as unknown as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const k of COMMAND_FIELDS) {
    const v = src[k]
    if (v === undefined) continue
    out[k] =
      k === "postings" && Array.isArray(v) && v.length <= MAX_POSTINGS
        ? Array.from(v as ReadonlyArray<unknown>, plainRecord)
        : k === "metadata"
          ? plainRecord(v)
          : v
  }
  return out as unknown as Command
}

/** A command that threw while {@link ownCommand} read it, with what it threw. */
class Unreadable {
  constructor(readonly thrown: unknown) {}
}

/** {@link ownCommand}, or the command as {@link Unreadable} when reading it throws. */
const readCommand = (c: Command): Command | Unreadable => {
  try {
    return ownCommand(c)
  } catch (e) {
    return new Unreadable(e)
  }
}

/**
 * Decides one command (its own copy, see {@link readCommand}). Total: a command that throws while it is read (a getter or Proxy trap
 * that passed the shape check and throws later) is refused as unreadable input instead of
 * stopping the write.
 */
const decide = (w: Work, c: Command | Unreadable, index: number): Step => {
  if (c instanceof Unreadable) return fail(Input.unreadable("execute", c.thrown, `commands[${index}]`))
  try {
    return isPlainTransfer(c) ? fastTransfer(w, c as never) : runCommand(w, c, index)
  } catch (e) {
    return fail(Input.unreadable("execute", e, `commands[${index}]`))
  }
}

const ENTRY_COMMANDS: ReadonlySet<string> = new Set([
  "Transfer",
  "CreateHold",
  "PostHold",
  "VoidHold",
  "Reverse"
])
/** Refusals that depend on the command alone, or on an id already taken: they consume nothing. */
const NOT_CONSUMING: ReadonlySet<string> = new Set([
  "InvalidInput",
  "AccountsMustDiffer",
  "ConflictingLimitFlags",
  "ExistsWithDifferent",
  "IdAlreadyFailed"
])

/** The entry id a failed command would consume: an entry command's id that is neither an entry nor consumed yet. */
const consumableId = (w: Work, c: Command): string | undefined => {
  try {
    if (typeof c !== "object" || c === null || !ENTRY_COMMANDS.has(c._tag)) return undefined
    const id = (c as { readonly id: unknown }).id
    return typeof id === "string" && w.entry(id) === undefined && w.failedId(id) === undefined
      ? id
      : undefined
  } catch {
    return undefined
  }
}

/** Records a final failure that consumes its command's id (`failedIds: "consumed"`). */
const consume = (w: Work, c: Command | Unreadable, error: CommandError): void => {
  if (NOT_CONSUMING.has(error._tag) || c instanceof Unreadable) return
  const id = consumableId(w, c)
  if (id !== undefined) w.failed.set(id, { id, error: error as FailedId["error"], at: w.now })
}

/**
 * The ledger's decision function: given what the store loaded (and locked) and one write
 * request, decides every command and returns the complete change set. Pure: no I/O, no clock,
 * no randomness, never mutates the snapshot. Steps:
 *
 * 1. expire every pending hold that is due at `now` (from `snapshot.dueHolds` and any due hold a
 *    command names): release its pending amounts and write a `hold_expire` entry;
 * 2. apply the commands in order. `independent`: each command is atomic on its own (a failed
 *    command leaves no trace). `linked`: if any command fails, none is applied (the others get
 *    `LinkedCommandFailed`); expiries from step 1 still apply.
 * 3. with `failedIds: "consumed"`, record the id of every entry command that failed because of
 *    the books' state (in a failed linked batch whose culprit did, every new entry id of the
 *    batch) as consumed, with its failure (`Outcome.failedIds`).
 *
 * Each command checks, in order: shape (typed path), accounts differ / limit flags, idempotency
 * (same id + same content → the original record, `replayed: true`; different content →
 * `ExistsWithDifferent`), a consumed id (`IdAlreadyFailed`), hold state, reversal target,
 * accounts exist, currencies, closed accounts, then applies postings in order checking overflow
 * and limit flags. Whatever a command holds, deciding it never throws: an unreadable command is
 * refused with `InvalidInput` in its place.
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * const out = LedgerCore.applyBatch(LedgerCore.snapshotOf({ accounts: [], entries: [], holds: [] }), {
 *   commands: [{ _tag: "CreateAccount", id: "cash", currency: "USD", code: "asset", normal: "debit" }],
 *   mode: "independent", now: 0, eventIdSeed: "01J00000000000000000000000"
 * })
 * out.accountsCreated.length // 1
 * ```
 * @category math
 * @since 0.1.0
 */
export const applyBatch = (snapshot: Snapshot, request: Request): Outcome => {
  const w = new Work(snapshot, request.now, request.eventIdSeed, request.mode === "linked")
  const commands = request.commands
  const consuming = request.failedIds === "consumed"
  // 1. expiries
  const due = new Map<string, Hold.Hold>()
  for (const h of snapshot.dueHolds(request.now)) if (Hold.isDue(h, request.now)) due.set(h.id, h)
  for (let i = 0; i < commands.length; i++) {
    const h = namedDueHold(snapshot, commands[i]!, request.now)
    if (h !== undefined) due.set(h.id, h)
  }
  if (due.size > 0) {
    const ids = [...due.keys()].sort()
    for (const id of ids) expire(w, due.get(id)!)
  }
  // 2. commands
  const results = new Array<Step>(commands.length)
  if (commands.length > MAX_BATCH) {
    throw new Error(`a write carries at most ${MAX_BATCH} commands`)
  }
  const own = new Array<Command | Unreadable>(commands.length)
  for (let i = 0; i < commands.length; i++) own[i] = readCommand(commands[i]!)
  if (w.linked) {
    const journal = w.journal.length
    const undo = w.undo.length
    const lines = w.lines.length
    const events = w.events.length
    let failed = -1
    for (let i = 0; i < commands.length; i++) {
      const r = decide(w, own[i]!, i)
      results[i] = r
      if (Result.isFailure(r)) {
        failed = i
        break
      }
    }
    if (failed >= 0) {
      w.restore(journal, undo, lines, events)
      for (let i = 0; i < commands.length; i++) {
        if (i !== failed) results[i] = fail(new LinkedCommandFailed({ index: i, failedIndex: failed }))
      }
      const culprit = (results[failed] as Result.Failure<Success, CommandError>).failure
      if (consuming && (culprit._tag === "IdAlreadyFailed" || !NOT_CONSUMING.has(culprit._tag)))
        for (let i = 0; i < commands.length; i++)
          consume(w, own[i]!, (results[i] as Result.Failure<Success, CommandError>).failure)
    }
  } else {
    for (let i = 0; i < commands.length; i++) {
      const c = own[i]!
      if (!(c instanceof Unreadable) && isPlainTransfer(c)) {
        const r = decide(w, c, i)
        if (consuming && Result.isFailure(r)) consume(w, c, r.failure)
        results[i] = r
        continue
      }
      const journal = w.journal.length
      const undo = w.undo.length
      const lines = w.lines.length
      const events = w.events.length
      const r = decide(w, c, i)
      if (Result.isFailure(r)) {
        w.restore(journal, undo, lines, events)
        if (consuming) consume(w, c, r.failure)
      }
      results[i] = r
    }
  }
  return changeSet(w, results)
}

/** The hold a post or void names, when it is due at `now` (the core expires it even if a store's sweep missed it). */
const namedDueHold = (snapshot: Snapshot, c: Command, now: number): Hold.Hold | undefined => {
  try {
    if (c === null || typeof c !== "object" || (c._tag !== "PostHold" && c._tag !== "VoidHold"))
      return undefined
    const holdId: unknown = c.holdId
    if (typeof holdId !== "string") return undefined
    const h = snapshot.hold(holdId)
    return h !== undefined && Hold.isDue(h, now) ? h : undefined
  } catch {
    return undefined
  }
}

/** Step 3 of a decision: the change set of everything `w` holds, with the per-command results. */
const changeSet = (w: Work, results: ReadonlyArray<Step>): Outcome => {
  const accountsCreated: Array<Account.Account> = []
  const accountsUpdated: Array<Account.Account> = []
  w.accounts.forEach((a, id) => {
    ;(w.accountCreated.has(id) ? accountsCreated : accountsUpdated).push(a)
  })
  const holdsCreated: Array<Hold.Hold> = []
  const holdsUpdated: Array<Hold.Hold> = []
  for (const [id, h] of w.holds) (w.holdCreated.has(id) ? holdsCreated : holdsUpdated).push(h)
  const entriesReversed: Array<{ id: string; reversedBy: string }> = []
  for (const [id, reversedBy] of w.reversed) entriesReversed.push({ id, reversedBy })
  return {
    results,
    accountsCreated,
    accountsUpdated,
    entriesCreated: [...w.entries.values()],
    entriesReversed,
    holdsCreated,
    holdsUpdated,
    lines: w.lines,
    events: w.events,
    failedIds: w.failed.size === 0 ? NO_FAILED_IDS : [...w.failed.values()]
  }
}

const NO_FAILED_IDS: ReadonlyArray<FailedId> = Object.freeze([])

/**
 * Decides one command of an `independent` write on its own, as {@link applyBatch} decides it at
 * position `index` of the write after `firstEvent` events (so event ids and error paths are the
 * ones the whole write would give). It does not expire holds: a store calls it after deciding
 * the write's expiries. The memory store uses it for the commands its column path does not
 * take; the outcome is persisted like any other.
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * const out = LedgerCore.applyCommand(LedgerCore.snapshotOf({ accounts: [], entries: [], holds: [] }),
 *   { _tag: "CreateAccount", id: "cash", currency: "USD", code: "asset", normal: "debit" },
 *   { index: 3, now: 0, eventIdSeed: "01J00000000000000000000000", firstEvent: 5 })
 * out.events[0]!.id // the 6th event id of the write
 * ```
 * @category math
 * @since 0.1.0
 */
export const applyCommand = (
  snapshot: Snapshot,
  command: Command,
  at: {
    readonly index: number
    readonly now: number
    readonly eventIdSeed: string
    readonly firstEvent: number
    readonly failedIds?: FailedIds | undefined
  }
): Outcome => {
  const w = new Work(snapshot, at.now, at.eventIdSeed, false, at.firstEvent)
  const c = readCommand(command)
  const r = decide(w, c, at.index)
  if (Result.isFailure(r)) {
    w.restore(0, 0, 0, 0)
    if (at.failedIds === "consumed") consume(w, c, r.failure)
  }
  return changeSet(w, [r])
}

/**
 * The short reply to a write (`LedgerStore.writeSummary`), in the manner of TigerBeetle's
 * `create_transfers`: how many commands changed the books, how many were idempotent replays or
 * changed nothing (closing a closed account), and the failures only, each with its command's
 * index. `events` holds the write's events when the request asked for them, else nothing.
 *
 * @example
 * ```ts
 * import type { LedgerCore } from "@paykit/ledger"
 * const ok = (s: LedgerCore.Summary) => s.failures.length === 0
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Summary {
  readonly applied: number
  readonly replayed: number
  readonly failures: ReadonlyArray<{ readonly index: number; readonly error: CommandError }>
  readonly events: ReadonlyArray<DomainEvent.DomainEvent>
}

/**
 * A write whose reply is a {@link Summary}: the fields of {@link Request}, plus whether the
 * reply carries the write's events (the `Ledger` asks for them only when it notifies directly).
 *
 * @example
 * ```ts
 * import type { LedgerCore } from "@paykit/ledger"
 * const r: LedgerCore.SummaryRequest = { commands: [], mode: "independent", now: 0, eventIdSeed: "01J00000000000000000000000", returnEvents: false }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface SummaryRequest extends Request {
  readonly returnEvents: boolean
}

/**
 * Adds one command's result to a summary being built: counts a success as applied or replayed,
 * or records the failure with its index. For stores that decide a write command by command (the
 * memory store does).
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * import { Result } from "effect"
 * const acc = { applied: 0, replayed: 0, failures: [] }
 * LedgerCore.tally(acc, Result.succeed({ _tag: "AccountClosed", account: {} as never, changed: false }), 0)
 * acc.replayed // 1
 * ```
 * @category math
 * @since 0.1.0
 */
export const tally = (
  acc: { applied: number; replayed: number; failures: Array<{ index: number; error: CommandError }> },
  r: Result.Result<Success, CommandError>,
  index: number
): void => {
  if (Result.isFailure(r)) acc.failures.push({ index, error: r.failure })
  else {
    const s = r.success
    if (s._tag === "AccountClosed" ? s.changed : !s.replayed) acc.applied++
    else acc.replayed++
  }
}

/**
 * The {@link Summary} of an outcome: what an adapter returns from `writeSummary` when it runs
 * the write through {@link applyBatch} (the PostgreSQL adapter does).
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * const out = LedgerCore.applyBatch(LedgerCore.snapshotOf({ accounts: [], entries: [], holds: [] }), {
 *   commands: [{ _tag: "CreateAccount", id: "cash", currency: "USD", code: "asset", normal: "debit" }],
 *   mode: "independent", now: 0, eventIdSeed: "01J00000000000000000000000"
 * })
 * LedgerCore.summarize(out, false).applied // 1
 * ```
 * @category math
 * @since 0.1.0
 */
export const summarize = (o: Outcome, returnEvents: boolean): Summary => {
  const acc = { applied: 0, replayed: 0, failures: [] as Array<{ index: number; error: CommandError }> }
  for (let i = 0; i < o.results.length; i++) tally(acc, o.results[i]!, i)
  return { ...acc, events: returnEvents ? o.events : [] }
}

/**
 * The records a store must load before calling {@link applyBatch}: entries by id (for
 * idempotency and reversal targets; lock them, a reversal updates its target), holds by id (lock
 * them), and the account ids the commands name directly. Accounts of the loaded holds and
 * reversal targets, and of due holds, come from {@link lockSet}.
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * LedgerCore.readSet([{ _tag: "Reverse", id: "r1", entryId: "e1" }]).entryIds // ["e1", "r1"]
 * ```
 * @category math
 * @since 0.1.0
 */
export const readSet = (
  commands: ReadonlyArray<Command>
): {
  readonly entryIds: ReadonlyArray<string>
  readonly holdIds: ReadonlyArray<string>
  readonly accountIds: ReadonlyArray<string>
} => {
  const entryIds = new Set<unknown>()
  const holdIds = new Set<unknown>()
  const accountIds = new Set<unknown>()
  for (const c of commands) {
    try {
      addReads(c, entryIds, holdIds, accountIds)
    } catch {
      // an unreadable command names nothing: the core refuses it as bad input
    }
  }
  // only well-formed ids: no row can have another, and a store must not send a malformed one
  // (a NUL byte, a megabyte) to its database; the core refuses the command that carries it
  const sorted = (s: Set<unknown>) =>
    [...s].filter((x): x is string => typeof x === "string" && isReadableId(x)).sort()
  return { entryIds: sorted(entryIds), holdIds: sorted(holdIds), accountIds: sorted(accountIds) }
}

/** An id a row can have: an id, or a hold's expiry entry id (`<holdId>~expire`). */
const isReadableId = (x: string): boolean => ID.test(x) || (x.endsWith("~expire") && ID.test(x.slice(0, -7)))

const addReads = (
  c: Command,
  entryIds: Set<unknown>,
  holdIds: Set<unknown>,
  accountIds: Set<unknown>
): void => {
  if (typeof c !== "object" || c === null) return
  switch (c._tag) {
    case "CreateAccount":
      accountIds.add(c.id)
      break
    case "CloseAccount":
      accountIds.add(c.accountId)
      break
    case "Transfer":
      entryIds.add(c.id)
      if (Array.isArray(c.postings) && c.postings.length <= MAX_POSTINGS)
        for (const p of c.postings) {
          if (typeof p !== "object" || p === null) continue
          accountIds.add(p.debit)
          accountIds.add(p.credit)
        }
      break
    case "CreateHold":
      entryIds.add(c.id)
      holdIds.add(c.id)
      accountIds.add(c.debit)
      accountIds.add(c.credit)
      break
    case "PostHold":
    case "VoidHold":
      entryIds.add(c.id)
      holdIds.add(c.holdId)
      break
    case "Reverse":
      entryIds.add(c.id)
      entryIds.add(c.entryId)
      break
  }
}

/**
 * Every account id a write touches, sorted (the order in which to lock them, to avoid
 * deadlocks): the ids the commands name, the accounts of the loaded holds (named and due) and of
 * the loaded entries that reversals target.
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * LedgerCore.lockSet([{ _tag: "CloseAccount", accountId: "b" }], { entries: [], holds: [] }) // ["b"]
 * ```
 * @category math
 * @since 0.1.0
 */
export const lockSet = (
  commands: ReadonlyArray<Command>,
  loaded: { readonly entries: ReadonlyArray<Entry.Entry>; readonly holds: ReadonlyArray<Hold.Hold> }
): ReadonlyArray<string> => {
  const ids = new Set(readSet(commands).accountIds)
  for (const h of loaded.holds) {
    ids.add(h.debit)
    ids.add(h.credit)
  }
  for (const e of loaded.entries) {
    for (const p of e.postings) {
      ids.add(p.debit)
      ids.add(p.credit)
    }
  }
  return [...ids].sort()
}

/**
 * A {@link Snapshot} over loaded rows. `holds` should contain the named holds and every due
 * pending hold (`status = 'pending' and expires_at <= now`).
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * LedgerCore.snapshotOf({ accounts: [], entries: [], holds: [] }).account("x") // undefined
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const snapshotOf = (rows: {
  readonly accounts: ReadonlyArray<Account.Account>
  readonly entries: ReadonlyArray<Entry.Entry>
  readonly holds: ReadonlyArray<Hold.Hold>
  readonly failedIds?: ReadonlyArray<FailedId> | undefined
}): Snapshot => {
  const accounts = new Map(rows.accounts.map((a) => [a.id, a]))
  const entries = new Map(rows.entries.map((e) => [e.id, e]))
  const holds = new Map(rows.holds.map((h) => [h.id, h]))
  const failed = new Map((rows.failedIds ?? []).map((f) => [f.id, f]))
  return {
    account: (id) => accounts.get(id),
    entry: (id) => entries.get(id),
    hold: (id) => holds.get(id),
    dueHolds: (now) => rows.holds.filter((h) => Hold.isDue(h, now)),
    failedId: (id) => failed.get(id)
  }
}

/**
 * True when an outcome changes nothing (only failures and replays, no expiries): a store may
 * skip the write entirely.
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * const out = LedgerCore.applyBatch(LedgerCore.snapshotOf({ accounts: [], entries: [], holds: [] }), { commands: [], mode: "independent", now: 0, eventIdSeed: "01J00000000000000000000000" })
 * LedgerCore.isEmpty(out) // true
 * ```
 * @category guards
 * @since 0.1.0
 */
export const isEmpty = (o: Outcome): boolean =>
  o.accountsCreated.length === 0 &&
  o.accountsUpdated.length === 0 &&
  o.entriesCreated.length === 0 &&
  o.entriesReversed.length === 0 &&
  o.holdsCreated.length === 0 &&
  o.holdsUpdated.length === 0 &&
  o.lines.length === 0 &&
  o.events.length === 0 &&
  o.failedIds.length === 0
