import { type DomainEvent, Notifier } from "@paykit/core"
import type { StoreFailure } from "@paykit/ledger"
import { Context, Effect, Layer, Option, Schema, Semaphore } from "effect"
import type * as BalanceTransaction from "./BalanceTransaction.ts"
import type * as Payout from "./Payout.ts"
import type * as ReservePlan from "./ReservePlan.ts"
import type * as Run from "./Run.ts"

/**
 * A merchant's settings for one currency, as stored: its payout schedule (JSON, decoded by the
 * service) and its reserve plan.
 *
 * @example
 * ```ts
 * import type { SettlementStore } from "@paykit/settlement"
 * const hasReserve = (b: SettlementStore.Book) => b.reservePlan !== undefined
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Book {
  readonly merchant: string
  readonly currency: string
  readonly schedule: unknown
  readonly reservePlan?: ReservePlan.ReservePlan
}

/**
 * Which balance transactions to read: one merchant and currency, optionally only those with a
 * status, due by a time (`availableOn <= dueBy`), that no payout owns (`unpaid`), of one payout or
 * of one payment.
 *
 * @example
 * ```ts
 * import type { SettlementStore } from "@paykit/settlement"
 * const due: SettlementStore.Query = { merchant: "m_1", currency: "EUR", status: "pending", dueBy: 0 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Query {
  readonly merchant: string
  readonly currency: string
  readonly status?: "pending" | "available" | undefined
  readonly dueBy?: number | undefined
  readonly unpaid?: boolean | undefined
  readonly payout?: string | undefined
}

/**
 * A page of balance transactions across merchants, in `(availableOn, id)` order: those available
 * on or after `availableFrom` and before `availableTo`, of one merchant and/or currency when given,
 * after the cursor `after` (the last transaction of the previous page), at most `limit` (1 to
 * 10,000). What reports and exports stream through.
 *
 * @example
 * ```ts
 * import type { SettlementStore } from "@paykit/settlement"
 * const first: SettlementStore.ScanQuery = { availableFrom: 0, availableTo: Date.UTC(2026, 1, 1), limit: 1000 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface ScanQuery {
  readonly availableFrom?: number | undefined
  readonly availableTo?: number | undefined
  readonly merchant?: string | undefined
  readonly currency?: string | undefined
  readonly after?: { readonly availableOn: number; readonly id: string } | undefined
  readonly limit: number
}

/**
 * One merchant's book in one currency: what `keys` pages through.
 *
 * @example
 * ```ts
 * import type { SettlementStore } from "@paykit/settlement"
 * const k: SettlementStore.Key = { merchant: "m_1", currency: "EUR" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Key {
  readonly merchant: string
  readonly currency: string
}

/**
 * A payout's version changed since it was read: decide again.
 *
 * @example
 * ```ts
 * import { SettlementStore } from "@paykit/settlement"
 * new SettlementStore.PayoutConflict({ payoutId: "po_1", expected: 0 }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class PayoutConflict extends Schema.TaggedError<PayoutConflict>()("PayoutConflict", {
  payoutId: Schema.String,
  expected: Schema.Number
}) {
  override get message(): string {
    return `payout ${this.payoutId} changed since version ${this.expected} was read; decide again`
  }
}

/**
 * One atomic write: a book's settings, balance transactions created (never twice: an id that
 * exists is skipped) and updated (status, payout), reserve tranches, a run, a payout (with the
 * version it was read at, `undefined` for a new one), and the events the change causes.
 *
 * @example
 * ```ts
 * import type { SettlementStore } from "@paykit/settlement"
 * const empty: SettlementStore.Change = { created: [], updated: [], tranches: [], events: [] }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Change {
  readonly book?: Book | undefined
  readonly created: ReadonlyArray<BalanceTransaction.BalanceTransaction>
  readonly updated: ReadonlyArray<BalanceTransaction.BalanceTransaction>
  readonly tranches: ReadonlyArray<Run.Tranche>
  readonly run?: Run.Run | undefined
  readonly payout?:
    | { readonly payout: Payout.Payout; readonly expectedVersion: number | undefined }
    | undefined
  readonly events: ReadonlyArray<DomainEvent.DomainEvent>
}

/**
 * The settlement storage port. `exclusive(key, f)` runs `f` alone for one merchant and currency
 * (`<merchant>/<currency>`): on PostgreSQL inside one transaction under a lock, so the ledger
 * entries `f` writes commit with what it records. Every write is one `commit`.
 *
 * @example
 * ```ts
 * import { SettlementStore } from "@paykit/settlement"
 * import { Effect } from "effect"
 * const pendingOf = Effect.flatMap(SettlementStore.SettlementStore, (s) =>
 *   s.transactions({ merchant: "m_1", currency: "EUR", status: "pending" })
 * )
 * ```
 * @category services
 * @since 0.1.0
 */
export class SettlementStore extends Context.Service<
  SettlementStore,
  {
    readonly exclusive: <A, E, R>(
      key: string,
      f: Effect.Effect<A, E, R>
    ) => Effect.Effect<A, E | StoreFailure, R>
    readonly book: (merchant: string, currency: string) => Effect.Effect<Option.Option<Book>, StoreFailure>
    readonly transactions: (
      query: Query
    ) => Effect.Effect<ReadonlyArray<BalanceTransaction.BalanceTransaction>, StoreFailure>
    readonly existing: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlySet<string>, StoreFailure>
    /** Every (merchant, currency) with balance transactions, ordered by merchant then currency, after `after`. */
    readonly keys: (after: Key | undefined, limit: number) => Effect.Effect<ReadonlyArray<Key>, StoreFailure>
    readonly scan: (
      query: ScanQuery
    ) => Effect.Effect<ReadonlyArray<BalanceTransaction.BalanceTransaction>, StoreFailure>
    readonly tranches: (
      merchant: string,
      currency: string
    ) => Effect.Effect<ReadonlyArray<Run.Tranche>, StoreFailure>
    readonly run: (id: string) => Effect.Effect<Option.Option<Run.Run>, StoreFailure>
    readonly payout: (id: string) => Effect.Effect<Option.Option<Payout.Payout>, StoreFailure>
    readonly commit: (change: Change) => Effect.Effect<void, StoreFailure | PayoutConflict>
  }
>()("@paykit/settlement/SettlementStore") {}

/**
 * Whether a transaction matches a query (the memory store's filter; other stores must agree).
 *
 * @example
 * ```ts
 * import { SettlementStore } from "@paykit/settlement"
 * declare const t: import("@paykit/settlement").BalanceTransaction.BalanceTransaction
 * SettlementStore.matches(t, { merchant: "m_1", currency: "EUR" })
 * ```
 * @category guards
 * @since 0.1.0
 */
export const matches = (t: BalanceTransaction.BalanceTransaction, q: Query): boolean =>
  t.merchant === q.merchant &&
  t.currency === q.currency &&
  (q.status === undefined || t.status === q.status) &&
  (q.dueBy === undefined || t.availableOn <= q.dueBy) &&
  (q.unpaid !== true || t.payout === undefined) &&
  (q.payout === undefined || t.payout === q.payout)

/**
 * Whether a transaction is in a scan (before its cursor and limit): other stores must agree.
 *
 * @example
 * ```ts
 * import { SettlementStore } from "@paykit/settlement"
 * declare const t: import("@paykit/settlement").BalanceTransaction.BalanceTransaction
 * SettlementStore.inScan(t, { limit: 10 })
 * ```
 * @category guards
 * @since 0.1.0
 */
export const inScan = (t: BalanceTransaction.BalanceTransaction, q: ScanQuery): boolean =>
  (q.availableFrom === undefined || t.availableOn >= q.availableFrom) &&
  (q.availableTo === undefined || t.availableOn < q.availableTo) &&
  (q.merchant === undefined || t.merchant === q.merchant) &&
  (q.currency === undefined || t.currency === q.currency) &&
  (q.after === undefined ||
    t.availableOn > q.after.availableOn ||
    (t.availableOn === q.after.availableOn && t.id > q.after.id))

/**
 * The scan order: `availableOn`, then `id` (code-unit order, as PostgreSQL's `COLLATE "C"`).
 *
 * @example
 * ```ts
 * import { SettlementStore } from "@paykit/settlement"
 * declare const ts: Array<import("@paykit/settlement").BalanceTransaction.BalanceTransaction>
 * ts.sort(SettlementStore.scanOrder)
 * ```
 * @category math
 * @since 0.1.0
 */
export const scanOrder = (
  a: BalanceTransaction.BalanceTransaction,
  b: BalanceTransaction.BalanceTransaction
): number => a.availableOn - b.availableOn || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/**
 * The order of `keys`: merchant, then currency (code-unit order).
 *
 * @example
 * ```ts
 * import { SettlementStore } from "@paykit/settlement"
 * SettlementStore.keyOrder({ merchant: "a", currency: "EUR" }, { merchant: "b", currency: "EUR" }) // -1
 * ```
 * @category math
 * @since 0.1.0
 */
export const keyOrder = (a: Key, b: Key): number =>
  a.merchant < b.merchant
    ? -1
    : a.merchant > b.merchant
      ? 1
      : a.currency < b.currency
        ? -1
        : a.currency > b.currency
          ? 1
          : 0

/**
 * The in-memory store: maps behind one lock per merchant and currency; events go to the
 * `Notifier` after each commit. For tests, demos and single-process tools.
 *
 * @example
 * ```ts
 * import { Notifier } from "@paykit/core"
 * import { SettlementStore } from "@paykit/settlement"
 * import { Layer } from "effect"
 * const layer = SettlementStore.layerMemory.pipe(Layer.provide(Notifier.layerMemory))
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<SettlementStore, never, Notifier.Notifier> = Layer.effect(
  SettlementStore,
  Effect.gen(function* () {
    const notifier = yield* Notifier.Notifier
    const books = new Map<string, Book>()
    const byBook = new Map<string, Map<string, BalanceTransaction.BalanceTransaction>>()
    const all = new Map<string, string>() // transaction id → book key
    const tranches = new Map<string, Map<string, Run.Tranche>>()
    const runs = new Map<string, Run.Run>()
    const payouts = new Map<string, Payout.Payout>()
    const locks = new Map<string, Semaphore.Semaphore>()
    const keyOf = (merchant: string, currency: string) => `${merchant}/${currency}`
    const bookOf = (key: string) => {
      let m = byBook.get(key)
      if (m === undefined) {
        m = new Map()
        byBook.set(key, m)
      }
      return m
    }

    const exclusive = <A, E, R>(
      key: string,
      f: Effect.Effect<A, E, R>
    ): Effect.Effect<A, E | StoreFailure, R> =>
      Effect.suspend(() => {
        let sem = locks.get(key)
        if (sem === undefined) {
          sem = Semaphore.makeUnsafe(1)
          locks.set(key, sem)
        }
        return sem.withPermits(1)(f)
      })

    const commit = (change: Change): Effect.Effect<void, StoreFailure | PayoutConflict> =>
      Effect.suspend((): Effect.Effect<void, StoreFailure | PayoutConflict> => {
        if (change.payout !== undefined) {
          const current = payouts.get(change.payout.payout.id)
          if (current?.version !== change.payout.expectedVersion)
            return Effect.fail(
              new PayoutConflict({
                payoutId: change.payout.payout.id,
                expected: change.payout.expectedVersion ?? -1
              })
            )
        }
        if (change.book !== undefined)
          books.set(keyOf(change.book.merchant, change.book.currency), change.book)
        for (const t of change.created) {
          if (all.has(t.id)) continue
          const key = keyOf(t.merchant, t.currency)
          all.set(t.id, key)
          bookOf(key).set(t.id, t)
        }
        for (const t of change.updated) {
          const key = all.get(t.id)
          if (key !== undefined) bookOf(key).set(t.id, t)
        }
        for (const t of change.tranches) {
          const key = keyOf(t.merchant, t.currency)
          let m = tranches.get(key)
          if (m === undefined) {
            m = new Map()
            tranches.set(key, m)
          }
          m.set(t.id, t)
        }
        if (change.run !== undefined) runs.set(change.run.id, change.run)
        if (change.payout !== undefined) payouts.set(change.payout.payout.id, change.payout.payout)
        return Notifier.afterCommit(notifier, change.events, "settlement")
      })

    return SettlementStore.of({
      exclusive,
      book: (merchant, currency) =>
        Effect.sync(() => Option.fromNullishOr(books.get(keyOf(merchant, currency)))),
      transactions: (q) =>
        Effect.sync(() =>
          [...(byBook.get(keyOf(q.merchant, q.currency))?.values() ?? [])].filter((t) => matches(t, q))
        ),
      existing: (ids) => Effect.sync(() => new Set(ids.filter((id) => all.has(id)))),
      keys: (after, limit) =>
        Effect.sync(() =>
          [...byBook.entries()]
            .filter(([, m]) => m.size > 0)
            .map(([k]): Key => {
              const slash = k.lastIndexOf("/")
              return { merchant: k.slice(0, slash), currency: k.slice(slash + 1) }
            })
            .filter((k) => after === undefined || keyOrder(k, after) > 0)
            .sort(keyOrder)
            .slice(0, limit)
        ),
      scan: (q) =>
        Effect.sync(() => {
          const out: Array<BalanceTransaction.BalanceTransaction> = []
          for (const m of byBook.values()) for (const t of m.values()) if (inScan(t, q)) out.push(t)
          return out.sort(scanOrder).slice(0, q.limit)
        }),
      tranches: (merchant, currency) =>
        Effect.sync(() =>
          [...(tranches.get(keyOf(merchant, currency))?.values() ?? [])].filter((t) => t.remaining > 0n)
        ),
      run: (id) => Effect.sync(() => Option.fromNullishOr(runs.get(id))),
      payout: (id) => Effect.sync(() => Option.fromNullishOr(payouts.get(id))),
      commit
    })
  })
)
