/**
 * The columns of the memory store's books (see `memoryBook.ts`, which decides writes on them):
 * balances, lines, postings, the outbox of plain transfers and the writes in typed arrays; entry
 * ids in an open-addressing index; pending holds with an index by expiry time. Here: the columns,
 * the snapshot the core decides on, storing an outcome of the core, and building records only
 * when somebody reads them.
 */
import type { DomainEvent } from "@paykit/core"
import type * as Account from "../Account.ts"
import type * as Entry from "../Entry.ts"
import type * as Hold from "../Hold.ts"
import type * as LedgerCore from "../LedgerCore.ts"
import { eventNumber } from "./canonical.ts"
import { BigColumn, Float64Column, IdIndex, Int32Column, TextColumn } from "./columns.ts"
import * as Events from "./core/events.ts"
import { sealed } from "./core/hash.ts"
import { EMPTY, transferDraft } from "./core/records.ts"
import { ExpiryIndex } from "./memExpiry.ts"

/** Account flag bits. */
export const DEBITS_LIMITED = 1
export const CREDITS_LIMITED = 2
export const CLOSED = 4
/** Some total of the account is at least `SMALL`: its transfers take the core's path. */
export const LARGE = 8

/** Below 2^62 two values sum to less than 2^63: no overflow check, no spilled column value. */
export const SMALL = 1n << 62n

/** Returned by the column path when a transfer needs the core's general path. */
export const GENERAL: unique symbol = Symbol("general")

/** One line in 64 of each account is indexed, so a history page starts after at most 63 steps. */
export const STRIDE = 64

/** The four totals an account and a line carry. */
export type Totals = Pick<Account.Line, "debitsPosted" | "creditsPosted" | "debitsPending" | "creditsPending">

/** The columns of the books and their reads; `MemoryBook` adds the writes. */
export class BookColumns {
  // accounts: the record as created (its static fields) and columns for what changes
  protected readonly slots = new Map<string, number>()
  protected readonly heads: Array<Account.Account> = []
  /** `heads[s].id` and `.currency` again, side by side: the column path reads them per transfer without touching the records. */
  protected readonly idOf: Array<string> = []
  protected readonly currencyOf: Array<string> = []
  protected readonly flags = new Int32Column()
  protected readonly version = new Int32Column()
  /** Four per account: debits posted, credits posted, debits pending, credits pending. */
  protected readonly totals = new BigColumn()
  /** The account's last line + 1 (0: none). */
  protected readonly lastLine = new Int32Column()
  /** Per account: the line with seq 1, 1 + STRIDE, 1 + 2·STRIDE, … */
  protected readonly checkpoints: Array<Array<number>> = []

  // writes: every entry and event belongs to one; its time and seed are kept once (in columns:
  // with one write per post, per-write strings and arrays would grow the heap per transfer)
  protected writes = 0
  protected readonly writeSeed = new TextColumn()
  protected readonly writeAt = new Float64Column()
  /** The outbox position of the write's first event (its event numbers count from there). */
  protected readonly writeFirstEvent = new Int32Column()
  /** The row of the write's first entry: a write's entries are one run of rows. */
  protected readonly writeFirstEntry = new Int32Column()
  /**
   * The time of the last write: the book's one clock. A write whose request is earlier is
   * decided and stamped at this time instead, so the ledger's time never goes back.
   */
  protected lastNow = Number.NEGATIVE_INFINITY

  // entries: the id index, the write, and either columns (plain transfers) or the record
  protected readonly index = new IdIndex()
  /** A plain transfer's debit account (its one posting), −1 for an entry kept as a record. */
  protected readonly debitOf = new Int32Column()
  protected readonly creditOf = new Int32Column()
  protected readonly amounts = new BigColumn()
  protected readonly records = new Map<number, Entry.Entry>()
  protected readonly reversedBy = new Map<number, string>()

  // lines
  protected lines = 0
  protected readonly lineEntry = new Int32Column()
  /** The account's line before this one + 1 (0: none). */
  protected readonly linePrev = new Int32Column()
  /**
   * Where a line's totals are kept + 1 (four per row of `storedTotals`), or 0 for a plain
   * transfer's line that is not an account's checkpoint: its totals are the previous line's
   * plus its posting, so they are not kept (32 bytes a line saved; see `totalsOfLine`).
   */
  protected readonly lineStored = new Int32Column()
  protected stored = 0
  protected readonly storedTotals = new BigColumn()

  /** Entry ids consumed by a failure (`failedIds: "consumed"`), with that failure. */
  protected readonly failed = new Map<string, LedgerCore.FailedId>()

  // holds
  protected readonly holds = new Map<string, Hold.Hold>()
  protected readonly expiry = new ExpiryIndex((id, expiresAt) => {
    const h = this.holds.get(id)
    return h !== undefined && h.status === "pending" && h.expiresAt === expiresAt ? h : undefined
  })

  // outbox: a plain transfer's event is its entry's row (built when read), others the core's record
  protected events = 0
  /** The entry of a plain transfer's event, −1 for an event kept in `eventRecords`. */
  protected readonly eventEntry = new Int32Column()
  protected readonly eventRecords = new Map<number, DomainEvent.DomainEvent>()

  readonly snapshot: LedgerCore.Snapshot = {
    account: (id) => {
      const s = this.slots.get(id)
      return s === undefined ? undefined : this.accountAt(s)
    },
    entry: (id) => {
      const e = this.index.get(id)
      return e < 0 ? undefined : this.entryAt(e)
    },
    hold: (id) => this.holds.get(id),
    dueHolds: (now) => this.expiry.due(now),
    failedId: (id) => this.failed.get(id)
  }

  /** Entries of the expiry index examined so far: tests count them to show writes do not scan. */
  get expiryVisits(): number {
    return this.expiry.visits
  }

  protected addEntry(id: string): number {
    return this.index.add(id)
  }

  /** The write entry `e` belongs to (the last write whose first entry is at or before it). */
  protected writeOf(e: number): number {
    const first = this.writeFirstEntry
    let lo = 0
    let hi = this.writes - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (first.get(mid) <= e) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  /**
   * Appends a line for account `s` at entry `e` with `seq`; returns the row of `storedTotals`
   * the caller fills, or −1 when the line's totals are derived (`derived` and not a checkpoint).
   */
  protected addLine(s: number, e: number, seq: number, derived: boolean): number {
    const l = this.lines++
    this.lineEntry.set(l, e)
    this.linePrev.set(l, this.lastLine.get(s))
    this.lastLine.set(s, l + 1)
    const checkpoint = (seq - 1) % STRIDE === 0
    if (checkpoint) this.checkpoints[s]!.push(l)
    if (derived && !checkpoint) return -1
    const row = this.stored++
    this.lineStored.set(l, row + 1)
    return row
  }

  /** A plain transfer's line: its totals are kept only at a checkpoint. */
  protected plainLine(s: number, e: number, seq: number): void {
    const row = this.addLine(s, e, seq, true)
    if (row < 0) return
    for (let i = 0; i < 4; i++) this.storedTotals.set(4 * row + i, this.totals.get(4 * s + i))
  }

  /**
   * A line's totals: kept, or (a plain transfer's line) those of the account's line before it
   * plus its posting, walking back to the nearest kept line (a checkpoint at most STRIDE − 1
   * lines back, or a line the core wrote).
   */
  protected totalsOfLine(s: number, l: number): Totals {
    let debits = 0n
    let credits = 0n
    let x = l
    while (this.lineStored.get(x) === 0) {
      const e = this.lineEntry.get(x)
      if (this.debitOf.get(e) === s) debits += this.amounts.get(e)
      else credits += this.amounts.get(e)
      x = this.linePrev.get(x) - 1
    }
    const t = this.storedTotals
    const row = 4 * (this.lineStored.get(x) - 1)
    return {
      debitsPosted: t.get(row) + debits,
      creditsPosted: t.get(row + 1) + credits,
      debitsPending: t.get(row + 2),
      creditsPending: t.get(row + 3)
    }
  }

  protected setTotals(column: BigColumn, row: number, x: Totals): void {
    column.set(4 * row, x.debitsPosted)
    column.set(4 * row + 1, x.creditsPosted)
    column.set(4 * row + 2, x.debitsPending)
    column.set(4 * row + 3, x.creditsPending)
  }

  protected openAccount(a: Account.Account): number {
    const s = this.heads.length
    this.slots.set(a.id, s)
    this.heads.push(a)
    this.idOf.push(a.id)
    this.currencyOf.push(a.currency)
    this.checkpoints.push([])
    return s
  }

  /** Keeps a hold; one that becomes pending with a timeout goes into the expiry index. */
  protected putHold(h: Hold.Hold): void {
    const before = this.holds.get(h.id)
    this.holds.set(h.id, h)
    if (h.status !== "pending" || h.expiresAt === undefined) return
    if (before?.status === "pending" && before.expiresAt === h.expiresAt) return
    this.expiry.add(h.id, h.expiresAt)
  }

  /** Writes an outcome of the core into the columns (its write was begun). */
  protected persist(o: LedgerCore.Outcome): void {
    for (const a of [...o.accountsCreated, ...o.accountsUpdated]) {
      const s = this.slots.get(a.id) ?? this.openAccount(a)
      this.flags.set(
        s,
        (a.debitsMustNotExceedCredits ? DEBITS_LIMITED : 0) |
          (a.creditsMustNotExceedDebits ? CREDITS_LIMITED : 0) |
          (a.closed ? CLOSED : 0) |
          (a.debitsPosted >= SMALL ||
          a.creditsPosted >= SMALL ||
          a.debitsPending >= SMALL ||
          a.creditsPending >= SMALL
            ? LARGE
            : 0)
      )
      this.version.set(s, a.version)
      this.setTotals(this.totals, s, a)
    }
    for (const f of o.failedIds) this.failed.set(f.id, f)
    for (const entry of o.entriesCreated) {
      const e = this.addEntry(entry.id)
      this.debitOf.set(e, -1)
      this.records.set(e, entry)
    }
    for (const r of o.entriesReversed) this.reversedBy.set(this.index.get(r.id), r.reversedBy)
    for (const h of o.holdsCreated) this.putHold(h)
    for (const h of o.holdsUpdated) this.putHold(h)
    for (const line of o.lines) {
      const row = this.addLine(this.slots.get(line.accountId)!, this.index.get(line.entryId), line.seq, false)
      this.setTotals(this.storedTotals, row, line)
    }
    for (const ev of o.events) {
      const k = this.events++
      this.eventEntry.set(k, -1)
      this.eventRecords.set(k, ev)
    }
  }

  // -------------------------------------------------------------------------------------------
  // reads

  protected accountAt(s: number): Account.Account {
    const h = this.heads[s]!
    const t = this.totals
    const closed = (this.flags.get(s) & CLOSED) !== 0
    const version = this.version.get(s)
    // the core's key order (`ownerRef` after `normal`), so records serialise alike
    return {
      id: h.id,
      currency: h.currency,
      code: h.code,
      normal: h.normal,
      ...(h.ownerRef === undefined ? {} : { ownerRef: h.ownerRef }),
      metadata: h.metadata,
      debitsMustNotExceedCredits: h.debitsMustNotExceedCredits,
      creditsMustNotExceedDebits: h.creditsMustNotExceedDebits,
      closed,
      createdAt: h.createdAt,
      debitsPosted: t.get(4 * s),
      creditsPosted: t.get(4 * s + 1),
      debitsPending: t.get(4 * s + 2),
      creditsPending: t.get(4 * s + 3),
      version
    }
  }

  /** A plain transfer's entry from its columns, before its hash. */
  protected plainDraft(e: number): Entry.Entry {
    const debit = this.debitOf.get(e)
    return transferDraft(
      this.index.id(e),
      [
        {
          debit: this.idOf[debit]!,
          credit: this.idOf[this.creditOf.get(e)]!,
          amount: this.amounts.get(e),
          currency: this.currencyOf[debit]!
        }
      ],
      undefined,
      EMPTY,
      this.writeAt.get(this.writeOf(e))
    )
  }

  protected entryAt(e: number): Entry.Entry {
    const entry = this.records.get(e) ?? sealed(this.plainDraft(e))
    const reversedBy = this.reversedBy.get(e)
    return reversedBy === undefined ? entry : { ...entry, reversedBy }
  }

  /** Line `l` of account `s`, the account's `seq`-th (readers count lines as they walk them). */
  protected lineAt(s: number, l: number, seq: number): Account.Line {
    const t = this.totalsOfLine(s, l)
    const e = this.lineEntry.get(l)
    return {
      accountId: this.idOf[s]!,
      seq,
      entryId: this.index.id(e),
      at: this.writeAt.get(this.writeOf(e)),
      debitsPosted: t.debitsPosted,
      creditsPosted: t.creditsPosted,
      debitsPending: t.debitsPending,
      creditsPending: t.creditsPending
    }
  }

  protected isoAt = Number.NaN
  protected iso = ""
  /** `new Date(at).toISOString()`, remembered for the last time asked (a write's events share it). */
  protected isoOf(at: number): string {
    if (at !== this.isoAt) {
      this.isoAt = at
      this.iso = new Date(at).toISOString()
    }
    return this.iso
  }

  protected idWrite = -1
  protected idHead = ""
  protected idTail = ""
  /** `eventId(seed, n)` of write `w`, with its seed's fixed parts cut once for a run of its events. */
  protected eventIdOf(w: number, n: number): string {
    if (w !== this.idWrite) {
      const seed = this.writeSeed.get(w)
      this.idWrite = w
      this.idHead = seed.slice(0, 10)
      this.idTail = seed.slice(16)
    }
    return this.idHead + eventNumber(n) + this.idTail
  }

  /**
   * Event `k` of the outbox: the core's record, or a plain transfer's `ledger.entry.posted`
   * (`w`: its write, when the caller knows it).
   */
  protected eventAt(k: number, w = -1): DomainEvent.DomainEvent {
    const e = this.eventEntry.get(k)
    if (e < 0) return this.eventRecords.get(k)!
    if (w < 0) w = this.writeOf(e)
    const debit = this.debitOf.get(e)
    return Events.plainTransferPosted(
      this.eventIdOf(w, k - this.writeFirstEvent.get(w)),
      this.isoOf(this.writeAt.get(w)),
      this.index.id(e),
      this.idOf[debit]!,
      this.idOf[this.creditOf.get(e)]!,
      this.amounts.get(e),
      this.currencyOf[debit]!
    )
  }

  getAccount(id: string): Account.Account | undefined {
    return this.snapshot.account(id)
  }

  getEntry(id: string): Entry.Entry | undefined {
    return this.snapshot.entry(id)
  }

  getHold(id: string): Hold.Hold | undefined {
    return this.holds.get(id)
  }

  /**
   * Lines with `seq > afterSeq`, ascending, at most `limit`, each with its entry. Lines link
   * only backwards, so the page is read from the first checkpoint at or after its last line.
   */
  history(
    accountId: string,
    afterSeq: number,
    limit: number
  ): Array<{ line: Account.Line; entry: Entry.Entry }> {
    const s = this.slots.get(accountId)
    const out: Array<{ line: Account.Line; entry: Entry.Entry }> = []
    if (s === undefined || limit <= 0) return out
    const from = Math.max(0, afterSeq)
    const count = this.version.get(s)
    if (from >= count) return out
    const end = Math.min(count, from + limit)
    const c = Math.ceil((end - 1) / STRIDE)
    const points = this.checkpoints[s]!
    let l = c < points.length ? points[c]! : this.lastLine.get(s) - 1
    let seq = c < points.length ? c * STRIDE + 1 : count
    for (; seq > end; seq--) l = this.linePrev.get(l) - 1
    for (; seq > from; seq--) {
      out.push({ line: this.lineAt(s, l, seq), entry: this.entryAt(this.lineEntry.get(l)) })
      l = this.linePrev.get(l) - 1
    }
    return out.reverse()
  }

  /** The account's line with the highest `seq` among those at or before `at`. */
  lineAsOf(accountId: string, at: number): Account.Line | undefined {
    const s = this.slots.get(accountId)
    if (s === undefined) return undefined
    let seq = this.version.get(s)
    for (let l = this.lastLine.get(s) - 1; l >= 0; l = this.linePrev.get(l) - 1, seq--) {
      if (this.writeAt.get(this.writeOf(this.lineEntry.get(l))) <= at) return this.lineAt(s, l, seq)
    }
    return undefined
  }

  dump(): {
    accounts: Array<Account.Account>
    entries: Array<Entry.Entry>
    holds: Array<Hold.Hold>
    lines: Array<Account.Line>
    events: Array<DomainEvent.DomainEvent>
    failedIds: Array<LedgerCore.FailedId>
  } {
    const byId = <T extends { readonly id: string }>(a: T, b: T): number =>
      a.id < b.id ? -1 : a.id > b.id ? 1 : 0
    const accounts = this.heads.map((_, s) => this.accountAt(s)).sort(byId)
    const entries: Array<Entry.Entry> = []
    for (let e = 0; e < this.index.size; e++) entries.push(this.entryAt(e))
    const lines: Array<Account.Line> = []
    for (const a of accounts) {
      const own: Array<Account.Line> = []
      const s = this.slots.get(a.id)!
      let seq = this.version.get(s)
      for (let l = this.lastLine.get(s) - 1; l >= 0; l = this.linePrev.get(l) - 1, seq--)
        own.push(this.lineAt(s, l, seq))
      for (let i = own.length - 1; i >= 0; i--) lines.push(own[i]!)
    }
    const events: Array<DomainEvent.DomainEvent> = []
    for (let k = 0; k < this.events; k++) events.push(this.eventAt(k))
    return {
      accounts,
      entries: entries.sort(byId),
      holds: [...this.holds.values()].sort(byId),
      lines,
      events,
      failedIds: [...this.failed.values()].sort(byId)
    }
  }
}
