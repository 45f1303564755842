/**
 * The memory store's books, kept in columns. Balances, lines, postings, the outbox of plain
 * transfers and the writes live in typed arrays; entry ids in an open-addressing index over
 * their bytes; pending holds with a timeout in an index by expiry time; records are built only
 * when somebody reads them. Every decision but one is the core's: `applyBatch` / `applyCommand`
 * decide on a snapshot read from the columns and `persist` writes the outcome back. The
 * exception is the plain transfer of `writeSummary` (one posting, no description or metadata),
 * decided here on the columns with exactly the checks, order and errors the core's general path
 * gives such a transfer (the contract suite compares the two write for write); its limit
 * refusals, its entry and its event come from the core's own constructors.
 */
import type { DomainEvent } from "@paykit/core"
import type { Command } from "../Command.ts"
import { MAX_BATCH } from "../Command.ts"
import { AccountClosed, type CommandError, type ExceedsCredits, type ExceedsDebits } from "../errors.ts"
import type * as LedgerCore from "../LedgerCore.ts"
import { ID_PATTERN } from "./canonical.ts"
import { applyBatch, applyCommand, summarize, tally } from "./core/batch.ts"
import { exceedsCredits, exceedsDebits } from "./core/work.ts"
import {
  BookColumns,
  CLOSED,
  CREDITS_LIMITED,
  DEBITS_LIMITED,
  GENERAL,
  LARGE,
  SMALL
} from "./memoryColumns.ts"

export class MemoryBook extends BookColumns {
  // -------------------------------------------------------------------------------------------
  // writes

  /** `request` at the book's time: its own `now`, or the last write's when that is later. */
  private onClock<R extends LedgerCore.Request>(request: R): R {
    if (request.now >= this.lastNow) {
      this.lastNow = request.now
      return request
    }
    return { ...request, now: this.lastNow }
  }

  /** Records a write (at `request.now`, already on the book's clock); returns its number. */
  private beginWrite(request: LedgerCore.Request): number {
    const w = this.writes++
    this.writeSeed.push(request.eventIdSeed)
    this.writeAt.set(w, request.now)
    this.writeFirstEvent.set(w, this.events)
    this.writeFirstEntry.set(w, this.index.size)
    return w
  }

  /** Decides a write with the core, at the book's time, and persists it. */
  write(request: LedgerCore.Request): LedgerCore.Outcome {
    const r = this.onClock(request)
    this.beginWrite(r)
    const outcome = applyBatch(this.snapshot, r)
    this.persist(outcome)
    return outcome
  }

  /**
   * Decides a write, at the book's time, and replies with its summary. Linked writes go to the
   * core whole; in an independent write, due holds expire first (as the core does), then each
   * plain transfer is decided on the columns and every other command (and any transfer that
   * needs more than the plain checks: an id already used or consumed, totals near the range
   * limit) by the core's `applyCommand`.
   */
  writeSummary(request: LedgerCore.SummaryRequest): LedgerCore.Summary {
    const commands = request.commands
    if (commands.length > MAX_BATCH) throw new Error(`a write carries at most ${MAX_BATCH} commands`)
    if (request.mode === "linked") return summarize(this.write(request), request.returnEvents)
    const r = this.onClock(request)
    const now = r.now
    const seed = r.eventIdSeed
    const w = this.beginWrite(r)
    const firstEvent = this.events
    const consuming = r.failedIds === "consumed"
    if (this.expiry.anyDue(now))
      this.persist(applyBatch(this.snapshot, { commands: [], mode: "independent", now, eventIdSeed: seed }))
    const summary = { applied: 0, replayed: 0, failures: [] as Array<{ index: number; error: CommandError }> }
    for (let i = 0; i < commands.length; i++) {
      const c = commands[i]!
      if (this.readPlain(c)) {
        const e = this.plainTransfer()
        if (e === undefined) {
          summary.applied++
          continue
        }
        if (e !== GENERAL) {
          // the core's `consume`: these failures depend on the books, and the id is new
          if (consuming) this.failed.set(this.tId, { id: this.tId, error: e, at: now })
          summary.failures.push({ index: i, error: e })
          continue
        }
      }
      const o = applyCommand(this.snapshot, c, {
        index: i,
        now,
        eventIdSeed: seed,
        firstEvent: this.events - firstEvent,
        failedIds: r.failedIds
      })
      this.persist(o)
      tally(summary, o.results[0]!, i)
    }
    const events: Array<DomainEvent.DomainEvent> = []
    if (request.returnEvents) for (let k = firstEvent; k < this.events; k++) events.push(this.eventAt(k, w))
    return { ...summary, events }
  }

  // the plain transfer the column path is deciding, each field read from its command once
  private tId = ""
  private tDebit = ""
  private tCredit = ""
  private tAmount = 0n
  private tCurrency = ""

  /**
   * Whether `c` is a candidate for the column path (a transfer with a well-formed id, one
   * posting with a positive `bigint` amount, no description and no metadata; the format checks
   * of the account ids and the currency are replaced by finding both accounts and comparing
   * their currency), with its fields read into `tId` … `tCurrency`. Each
   * field is read once: a getter need not answer the same twice. A command that cannot be read
   * (a getter or a Proxy that throws) goes to the core, which refuses it in its place.
   */
  private readPlain(c: Command): boolean {
    try {
      if (typeof c !== "object" || c === null || c._tag !== "Transfer") return false
      const id = c.id
      const postings = c.postings
      if (typeof id !== "string" || !ID_PATTERN.test(id) || !Array.isArray(postings) || postings.length !== 1)
        return false
      const q = postings[0]
      if (typeof q !== "object" || q === null) return false
      const debit = q.debit
      const credit = q.credit
      const amount = q.amount
      const currency = q.currency
      if (
        typeof debit !== "string" ||
        typeof credit !== "string" ||
        typeof amount !== "bigint" ||
        amount <= 0n ||
        typeof currency !== "string" ||
        c.description !== undefined ||
        c.metadata !== undefined
      )
        return false
      this.tId = id
      this.tDebit = debit
      this.tCredit = credit
      this.tAmount = amount
      this.tCurrency = currency
      return true
    } catch {
      return false
    }
  }

  /**
   * The core's decision of a one-posting transfer (`commands.ts`) on the columns, for the
   * transfer `readPlain` read and what it can check by finding both accounts: `undefined` when
   * applied, the error when an account is closed or a limit would be exceeded, `GENERAL` for
   * everything else (the core decides it).
   */
  private plainTransfer(): AccountClosed | ExceedsCredits | ExceedsDebits | typeof GENERAL | undefined {
    const id = this.tId
    const debit = this.tDebit
    const credit = this.tCredit
    const amount = this.tAmount
    const currency = this.tCurrency
    // the core's checks up to closed accounts: any failure among them (and any replay,
    // conflict or consumed id) is left to the core, which also checks the shape of what this
    // path skips
    if (debit === credit || this.index.get(id) >= 0 || (this.failed.size > 0 && this.failed.has(id)))
      return GENERAL
    const d = this.slots.get(debit)
    const k = this.slots.get(credit)
    if (d === undefined || k === undefined) return GENERAL
    if (this.currencyOf[d] !== currency || this.currencyOf[k] !== currency) return GENERAL
    // an amount from 2^62 up goes to the core before any state check: above 2^127 − 1 it is a
    // shape error there, which comes before AccountClosed
    if (amount >= SMALL) return GENERAL
    const fd = this.flags.get(d)
    const fk = this.flags.get(k)
    if (fd & CLOSED) return new AccountClosed({ accountId: debit })
    if (fk & CLOSED) return new AccountClosed({ accountId: credit })
    if ((fd | fk) & LARGE) return GENERAL
    // every total of both accounts is below 2^62 and so is the amount: no sum overflows
    const t = this.totals
    const d0 = 4 * d
    const dDebits = t.get(d0) + amount
    if (fd & DEBITS_LIMITED) {
      const dCredits = t.get(d0 + 1)
      const dPending = t.get(d0 + 2)
      if (dDebits + dPending > dCredits)
        return exceedsCredits(id, debit, t.get(d0), dCredits, dPending, amount)
    }
    const k0 = 4 * k
    const kCredits = t.get(k0 + 1) + amount
    if (fk & CREDITS_LIMITED) {
      const kDebits = t.get(k0)
      const kPending = t.get(k0 + 3)
      if (kCredits + kPending > kDebits)
        return exceedsDebits(id, credit, kDebits, t.get(k0 + 1), kPending, amount)
    }
    // apply: totals, the entry and its posting, a line per account, the event
    t.setSmall(d0, dDebits)
    if (dDebits >= SMALL) this.flags.set(d, fd | LARGE)
    t.setSmall(k0 + 1, kCredits)
    if (kCredits >= SMALL) this.flags.set(k, fk | LARGE)
    const e = this.addEntry(id)
    this.debitOf.set(e, d)
    this.creditOf.set(e, k)
    this.amounts.setSmall(e, amount)
    const dVersion = this.version.get(d) + 1
    this.version.set(d, dVersion)
    this.plainLine(d, e, dVersion)
    const kVersion = this.version.get(k) + 1
    this.version.set(k, kVersion)
    this.plainLine(k, e, kVersion)
    this.eventEntry.set(this.events++, e)
    return undefined
  }
}
