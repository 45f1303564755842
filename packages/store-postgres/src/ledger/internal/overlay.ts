import type { DomainEvent } from "@paykit/core"
import { type Account, type Entry, Hold, type LedgerCore } from "@paykit/ledger"

/**
 * The state a group of requests sees as it is decided: the locked rows (and the consumed ids
 * among the entry ids it loaded), overwritten by every decided request's outcome, and the union
 * of their change sets.
 */
export class Overlay {
  readonly accounts: Map<string, Account.Account>
  readonly entries: Map<string, Entry.Entry>
  readonly holds: Map<string, Hold.Hold>
  readonly failed: Map<string, LedgerCore.FailedId>
  readonly accountsCreated = new Set<string>()
  readonly accountsUpdated = new Set<string>()
  readonly entriesCreated = new Set<string>()
  readonly entriesReversed = new Map<string, string>()
  readonly holdsCreated = new Set<string>()
  readonly holdsUpdated = new Set<string>()
  readonly failedCreated: Array<LedgerCore.FailedId> = []
  readonly lines: Array<Account.Line> = []
  readonly events: Array<DomainEvent.DomainEvent> = []
  readonly snapshot: LedgerCore.Snapshot

  constructor(
    accounts: ReadonlyArray<Account.Account>,
    entries: ReadonlyArray<Entry.Entry>,
    holds: ReadonlyArray<Hold.Hold>,
    failed: ReadonlyArray<LedgerCore.FailedId>
  ) {
    this.accounts = new Map(accounts.map((a) => [a.id, a]))
    this.entries = new Map(entries.map((e) => [e.id, e]))
    this.holds = new Map(holds.map((h) => [h.id, h]))
    this.failed = new Map(failed.map((f) => [f.id, f]))
    this.snapshot = {
      account: (id) => this.accounts.get(id),
      entry: (id) => this.entries.get(id),
      hold: (id) => this.holds.get(id),
      dueHolds: (now) => [...this.holds.values()].filter((h) => Hold.isDue(h, now)),
      failedId: (id) => this.failed.get(id)
    }
  }

  apply(o: LedgerCore.Outcome): LedgerCore.Outcome {
    for (const a of o.accountsCreated) {
      this.accounts.set(a.id, a)
      this.accountsCreated.add(a.id)
    }
    for (const a of o.accountsUpdated) {
      this.accounts.set(a.id, a)
      if (!this.accountsCreated.has(a.id)) this.accountsUpdated.add(a.id)
    }
    for (const e of o.entriesCreated) {
      this.entries.set(e.id, e)
      this.entriesCreated.add(e.id)
    }
    for (const r of o.entriesReversed) {
      const e = this.entries.get(r.id)
      if (e !== undefined) this.entries.set(r.id, { ...e, reversedBy: r.reversedBy })
      if (!this.entriesCreated.has(r.id)) this.entriesReversed.set(r.id, r.reversedBy)
    }
    for (const h of o.holdsCreated) {
      this.holds.set(h.id, h)
      this.holdsCreated.add(h.id)
    }
    for (const h of o.holdsUpdated) {
      this.holds.set(h.id, h)
      if (!this.holdsCreated.has(h.id)) this.holdsUpdated.add(h.id)
    }
    for (const f of o.failedIds) {
      this.failed.set(f.id, f)
      this.failedCreated.push(f)
    }
    for (const l of o.lines) this.lines.push(l)
    for (const e of o.events) this.events.push(e)
    return o
  }

  merged(): LedgerCore.Outcome {
    return {
      results: [],
      accountsCreated: [...this.accountsCreated].map((id) => this.accounts.get(id)!),
      accountsUpdated: [...this.accountsUpdated].map((id) => this.accounts.get(id)!),
      entriesCreated: [...this.entriesCreated].map((id) => this.entries.get(id)!),
      entriesReversed: [...this.entriesReversed].map(([id, reversedBy]) => ({ id, reversedBy })),
      holdsCreated: [...this.holdsCreated].map((id) => this.holds.get(id)!),
      holdsUpdated: [...this.holdsUpdated].map((id) => this.holds.get(id)!),
      lines: this.lines,
      events: this.events,
      failedIds: this.failedCreated
    }
  }
}
