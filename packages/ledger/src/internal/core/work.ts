/**
 * The working state of one decision: the records a write changed so far over the snapshot it
 * read, the lines and events it wrote, and an undo journal so a failed command (or a failed
 * linked batch) leaves no trace.
 */
import type { DomainEvent } from "@paykit/core"
import { Money } from "@paykit/core"
import type * as Account from "../../Account.ts"
import type * as Entry from "../../Entry.ts"
import { BalanceOverflow, type CommandError, ExceedsCredits, ExceedsDebits } from "../../errors.ts"
import type * as Hold from "../../Hold.ts"
import type { FailedId, Snapshot } from "../../LedgerCore.ts"
import { eventNumber } from "../canonical.ts"
import { copyAccount, type MutableAccount } from "./records.ts"

const ABSENT: unique symbol = Symbol("absent")

/** 2^126: two totals below it sum to at most `Money.MAX_AMOUNT` (2^127 − 1). */
const HALF_MAX = 1n << 126n

/**
 * The refusal of a debit that would take an account with `debitsMustNotExceedCredits` past its
 * credits: `available` from its totals before the command, `requested` the debit asked for. The
 * core's `change` and the memory store's column path both answer with it.
 */
export const exceedsCredits = (
  entryId: string,
  accountId: string,
  debitsPosted: bigint,
  creditsPosted: bigint,
  debitsPending: bigint,
  requested: bigint
): ExceedsCredits =>
  new ExceedsCredits({
    entryId,
    accountId,
    available: (creditsPosted - debitsPosted - debitsPending).toString(),
    requested: requested.toString()
  })

/** The mirror of {@link exceedsCredits} for `creditsMustNotExceedDebits`. */
export const exceedsDebits = (
  entryId: string,
  accountId: string,
  debitsPosted: bigint,
  creditsPosted: bigint,
  creditsPending: bigint,
  requested: bigint
): ExceedsDebits =>
  new ExceedsDebits({
    entryId,
    accountId,
    available: (debitsPosted - creditsPosted - creditsPending).toString(),
    requested: requested.toString()
  })

/** The working state of one decision over a snapshot (see the module's summary). */
export class Work {
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

  /** The id of the next event of this decision. */
  nextEventId(): string {
    return this.eventId(this.events.length)
  }

  /** Records an event (built by `events.ts` with {@link nextEventId}). */
  emit(e: DomainEvent.DomainEvent): void {
    this.events.push(e)
  }

  /** Applies deltas to an account, checking overflow and limit flags. */
  change(
    a: Account.Account,
    ddP: bigint,
    dcP: bigint,
    ddQ: bigint,
    dcQ: bigint,
    entryId: string
  ): CommandError | undefined {
    // (a zero delta keeps the total itself, and two totals below 2^126 cannot sum past
    // 2^127 − 1: each bigint sum is a heap allocation, and most changes need few of them)
    const dP = ddP === 0n ? a.debitsPosted : a.debitsPosted + ddP
    const cP = dcP === 0n ? a.creditsPosted : a.creditsPosted + dcP
    const dQ = ddQ === 0n ? a.debitsPending : a.debitsPending + ddQ
    const cQ = dcQ === 0n ? a.creditsPending : a.creditsPending + dcQ
    if (
      (dP >= HALF_MAX || dQ >= HALF_MAX || cP >= HALF_MAX || cQ >= HALF_MAX) &&
      (dP + dQ > Money.MAX_AMOUNT || cP + cQ > Money.MAX_AMOUNT)
    )
      return new BalanceOverflow({ accountId: a.id })
    if (a.debitsMustNotExceedCredits) {
      const dUp = ddP + ddQ
      if (dUp > 0n && dP + dQ > cP)
        return exceedsCredits(entryId, a.id, a.debitsPosted, a.creditsPosted, a.debitsPending, dUp)
    }
    if (a.creditsMustNotExceedDebits) {
      const cUp = dcP + dcQ
      if (cUp > 0n && cP + cQ > dP)
        return exceedsDebits(entryId, a.id, a.debitsPosted, a.creditsPosted, a.creditsPending, cUp)
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
