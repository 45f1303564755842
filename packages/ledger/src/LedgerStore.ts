import type { DomainEvent } from "@paykit/core"
import { Context, Effect, Layer, Option, Semaphore } from "effect"
import type * as Account from "./Account.ts"
import type * as Entry from "./Entry.ts"
import type { StoreFailure } from "./errors.ts"
import type * as Hold from "./Hold.ts"
import * as LedgerCore from "./LedgerCore.ts"

/**
 * One line of an account's statement with the entry that caused it.
 *
 * @example
 * ```ts
 * import type { LedgerStore } from "@paykit/ledger"
 * const after = (h: LedgerStore.HistoryItem) => h.line.creditsPosted
 * ```
 * @category models
 * @since 0.1.0
 */
export interface HistoryItem {
  readonly line: Account.Line
  readonly entry: Entry.Entry
}

/**
 * Everything a store holds, in a canonical order (accounts, entries and holds by id; lines by
 * account id then seq; events in write order). Used by tests to compare whole stores.
 *
 * @example
 * ```ts
 * import type { LedgerStore } from "@paykit/ledger"
 * const count = (d: LedgerStore.Dump) => d.entries.length
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Dump {
  readonly accounts: ReadonlyArray<Account.Account>
  readonly entries: ReadonlyArray<Entry.Entry>
  readonly holds: ReadonlyArray<Hold.Hold>
  readonly lines: ReadonlyArray<Account.Line>
  readonly events: ReadonlyArray<DomainEvent.DomainEvent>
}

/**
 * The ledger's storage port. One write operation decides and persists a batch atomically; the
 * rest are reads. See `PORT.md` in this package for the exact semantics adapters must keep
 * (locking order, the decision function, idempotency, expiry, outbox); the contract suite in
 * `@paykit/ledger/testing` checks them.
 *
 * - `write`: in one transaction, load and lock what {@link LedgerCore.readSet} /
 *   {@link LedgerCore.lockSet} name plus every due pending hold, run
 *   {@link LedgerCore.applyBatch}, persist its `Outcome` (records, lines, outbox events), commit,
 *   return the outcome.
 * - `history`: an account's lines with `seq > afterSeq`, ascending, at most `limit`.
 * - `lineAsOf`: the account's line with the highest `seq` among those with `at ≤ at`.
 *
 * @example
 * ```ts
 * import { LedgerStore } from "@paykit/ledger"
 * import { Effect } from "effect"
 * const program = Effect.gen(function* () {
 *   const store = yield* LedgerStore.LedgerStore
 *   return yield* store.getAccount("cash")
 * }).pipe(Effect.provide(LedgerStore.layerMemory))
 * ```
 * @category services
 * @since 0.1.0
 */
export class LedgerStore extends Context.Service<
  LedgerStore,
  {
    readonly write: (request: LedgerCore.Request) => Effect.Effect<LedgerCore.Outcome, StoreFailure>
    readonly getAccount: (id: string) => Effect.Effect<Option.Option<Account.Account>, StoreFailure>
    readonly getEntry: (id: string) => Effect.Effect<Option.Option<Entry.Entry>, StoreFailure>
    readonly getHold: (id: string) => Effect.Effect<Option.Option<Hold.Hold>, StoreFailure>
    readonly history: (
      accountId: string,
      page: { readonly afterSeq: number; readonly limit: number }
    ) => Effect.Effect<ReadonlyArray<HistoryItem>, StoreFailure>
    readonly lineAsOf: (
      accountId: string,
      at: number
    ) => Effect.Effect<Option.Option<Account.Line>, StoreFailure>
    readonly dump: Effect.Effect<Dump, StoreFailure>
  }
>()("@paykit/ledger/LedgerStore") {}

const byId = <T extends { readonly id: string }>(a: T, b: T): number =>
  a.id < b.id ? -1 : a.id > b.id ? 1 : 0

/**
 * Builds an in-memory store: maps guarded by a one-permit `Semaphore`, so concurrent fibers'
 * writes are serialised exactly like transactions on locked rows. Reads see the last committed
 * write.
 *
 * @example
 * ```ts
 * import { LedgerStore } from "@paykit/ledger"
 * import { Effect } from "effect"
 * const store = Effect.runSync(LedgerStore.makeMemory)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const makeMemory: Effect.Effect<LedgerStore["Service"]> = Effect.gen(function* () {
  const semaphore = yield* Semaphore.make(1)
  const accounts = new Map<string, Account.Account>()
  const entries = new Map<string, Entry.Entry>()
  const holds = new Map<string, Hold.Hold>()
  const expiring = new Map<string, Hold.Hold>()
  const lines = new Map<string, Array<Account.Line>>()
  const outbox: Array<DomainEvent.DomainEvent> = []

  const snapshot: LedgerCore.Snapshot = {
    account: (id) => accounts.get(id),
    entry: (id) => entries.get(id),
    hold: (id) => holds.get(id),
    dueHolds: (now) => {
      const due: Array<Hold.Hold> = []
      for (const h of expiring.values()) if (h.expiresAt! <= now) due.push(h)
      return due
    }
  }

  const putHold = (h: Hold.Hold) => {
    holds.set(h.id, h)
    if (h.status === "pending" && h.expiresAt !== undefined) expiring.set(h.id, h)
    else expiring.delete(h.id)
  }

  const persist = (o: LedgerCore.Outcome): void => {
    for (const a of o.accountsCreated) accounts.set(a.id, a)
    for (const a of o.accountsUpdated) accounts.set(a.id, a)
    for (const e of o.entriesCreated) entries.set(e.id, e)
    for (const r of o.entriesReversed) {
      const e = entries.get(r.id)
      if (e !== undefined) entries.set(r.id, { ...e, reversedBy: r.reversedBy })
    }
    for (const h of o.holdsCreated) putHold(h)
    for (const h of o.holdsUpdated) putHold(h)
    const ls = o.lines
    for (let i = 0; i < ls.length; i++) {
      const l = ls[i]!
      let list = lines.get(l.accountId)
      if (list === undefined) {
        list = []
        lines.set(l.accountId, list)
      }
      list.push(l)
    }
    const ev = o.events
    for (let i = 0; i < ev.length; i++) outbox.push(ev[i]!)
  }

  return LedgerStore.of({
    write: (request) =>
      semaphore.withPermits(1)(
        Effect.sync(() => {
          const outcome = LedgerCore.applyBatch(snapshot, request)
          persist(outcome)
          return outcome
        })
      ),
    getAccount: (id) => Effect.sync(() => Option.fromUndefinedOr(accounts.get(id))),
    getEntry: (id) => Effect.sync(() => Option.fromUndefinedOr(entries.get(id))),
    getHold: (id) => Effect.sync(() => Option.fromUndefinedOr(holds.get(id))),
    history: (accountId, page) =>
      Effect.sync(() => {
        const list = lines.get(accountId) ?? []
        const start = Math.max(0, page.afterSeq)
        return list.slice(start, start + Math.max(0, page.limit)).map((line) => ({
          line,
          entry: entries.get(line.entryId)!
        }))
      }),
    lineAsOf: (accountId, at) =>
      Effect.sync(() => {
        const list = lines.get(accountId) ?? []
        let best: Account.Line | undefined
        for (let i = list.length - 1; i >= 0; i--) {
          const l = list[i]!
          if (l.at <= at) {
            best = l
            break
          }
        }
        return Option.fromUndefinedOr(best)
      }),
    dump: Effect.sync(() => ({
      accounts: [...accounts.values()].sort(byId),
      entries: [...entries.values()].sort(byId),
      holds: [...holds.values()].sort(byId),
      lines: [...lines.keys()].sort().flatMap((k) => lines.get(k)!),
      events: [...outbox]
    }))
  })
})

/**
 * A fresh in-memory `LedgerStore` (one per layer build).
 *
 * @example
 * ```ts
 * import { Ledger, LedgerStore } from "@paykit/ledger"
 * import { Layer } from "effect"
 * const layer = Ledger.layer().pipe(Layer.provide(LedgerStore.layerMemory))
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<LedgerStore> = Layer.effect(LedgerStore, makeMemory)
