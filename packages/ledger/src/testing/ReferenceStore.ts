import type { DomainEvent } from "@paykit/core"
import type * as Account from "../Account.ts"
import type * as Entry from "../Entry.ts"
import type * as Hold from "../Hold.ts"
import * as LedgerCore from "../LedgerCore.ts"
import type { Dump } from "../LedgerStore.ts"

/**
 * The plainest possible store: maps of records, each write decided by `LedgerCore.applyBatch`
 * at the ledger's time (the request's, never earlier than the previous write's) and its outcome
 * copied in. Slow and obviously right; the contract suite compares stores
 * against it (the memory store keeps its books in columns and decides plain transfers itself).
 *
 * @example
 * ```ts
 * import { ReferenceStore } from "@paykit/ledger/testing"
 * const ref = ReferenceStore.make()
 * ref.write({ commands: [], mode: "independent", now: 0, eventIdSeed: "01J00000000000000000000000" })
 * ref.dump().entries.length // 0
 * ```
 * @category models
 * @since 0.1.0
 */
export interface ReferenceStore {
  readonly write: (request: LedgerCore.Request) => LedgerCore.Outcome
  readonly dump: () => Dump
}

const byId = <T extends { readonly id: string }>(a: T, b: T): number =>
  a.id < b.id ? -1 : a.id > b.id ? 1 : 0

/**
 * A fresh, empty reference store.
 *
 * @example
 * ```ts
 * import { ReferenceStore } from "@paykit/ledger/testing"
 * const ref = ReferenceStore.make()
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (): ReferenceStore => {
  const accounts = new Map<string, Account.Account>()
  const entries = new Map<string, Entry.Entry>()
  const holds = new Map<string, Hold.Hold>()
  const lines = new Map<string, Array<Account.Line>>()
  const events: Array<DomainEvent.DomainEvent> = []
  const failedIds = new Map<string, LedgerCore.FailedId>()
  let lastNow = Number.NEGATIVE_INFINITY
  const snapshot: LedgerCore.Snapshot = {
    failedId: (id) => failedIds.get(id),
    account: (id) => accounts.get(id),
    entry: (id) => entries.get(id),
    hold: (id) => holds.get(id),
    dueHolds: (now) =>
      [...holds.values()].filter((h) => h.status === "pending" && (h.expiresAt ?? Infinity) <= now)
  }
  return {
    write: (request) => {
      lastNow = Math.max(lastNow, request.now)
      const o = LedgerCore.applyBatch(snapshot, { ...request, now: lastNow })
      for (const f of o.failedIds) failedIds.set(f.id, f)
      for (const a of [...o.accountsCreated, ...o.accountsUpdated]) accounts.set(a.id, { ...a })
      for (const e of o.entriesCreated) entries.set(e.id, e)
      for (const r of o.entriesReversed)
        entries.set(r.id, { ...entries.get(r.id)!, reversedBy: r.reversedBy })
      for (const h of [...o.holdsCreated, ...o.holdsUpdated]) holds.set(h.id, h)
      for (const l of o.lines) {
        const own = lines.get(l.accountId)
        if (own === undefined) lines.set(l.accountId, [l])
        else own.push(l)
      }
      events.push(...o.events)
      return o
    },
    dump: () => ({
      accounts: [...accounts.values()].sort(byId),
      entries: [...entries.values()].sort(byId),
      holds: [...holds.values()].sort(byId),
      lines: [...lines.keys()].sort().flatMap((k) => lines.get(k)!),
      events: [...events],
      failedIds: [...failedIds.values()].sort(byId)
    })
  }
}
