import { type DomainEvent, Notifier } from "@paykit/core"
import { Context, Effect, Layer, Option, Semaphore } from "effect"
import type * as Account from "./Account.ts"
import type * as Entry from "./Entry.ts"
import { StoreFailure } from "./errors.ts"
import type * as Hold from "./Hold.ts"
import { MemoryBook } from "./internal/memoryBook.ts"
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
  /** Consumed entry ids (`failedIds: "consumed"`), by id. */
  readonly failedIds: ReadonlyArray<LedgerCore.FailedId>
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
 *   return the outcome. **Events travel with the change:** a database adapter inserts the
 *   outcome's events into its transactional outbox in the write's transaction (its relay is the
 *   only deliverer); the memory store hands them to the `Notifier` right after its commit.
 * - `writeSummary`: the same write, replying with a {@link LedgerCore.Summary} (counts and the
 *   failures only, events on request) instead of every record. Its effect on the store must be
 *   exactly `write`'s; an adapter with nothing faster maps `write` through
 *   {@link LedgerCore.summarize} ({@link summaryFromWrite}).
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
 * }).pipe(Effect.provide(LedgerStore.layerMemory), Effect.provide(Notifier.layerNoop))
 * ```
 * @category services
 * @since 0.1.0
 */
export class LedgerStore extends Context.Service<
  LedgerStore,
  {
    readonly write: (request: LedgerCore.Request) => Effect.Effect<LedgerCore.Outcome, StoreFailure>
    readonly writeSummary: (
      request: LedgerCore.SummaryRequest
    ) => Effect.Effect<LedgerCore.Summary, StoreFailure>
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

/**
 * Options of the in-memory store.
 *
 * - `events`: `"deliver"` (default) hands each write's events to the `Notifier` in context right
 *   after the write, in write order (a `NotifyFailed` is logged, the write stands); `"keep"` only
 *   keeps them in the store's outbox (`dump` shows them; events are built when read), for
 *   measuring the books alone or when nothing listens.
 *
 * @category models
 * @since 0.1.0
 */
export interface MemoryOptions {
  readonly events?: "deliver" | "keep" | undefined
}

/**
 * Builds an in-memory store: the books in columns (typed arrays for totals, lines, postings and
 * the outbox; records built when read), guarded by a one-permit `Semaphore`, so concurrent
 * fibers' writes are serialised exactly like transactions on locked rows. Reads see the last
 * committed write. `writeSummary` decides plain transfers on the columns themselves (see the
 * README's "Throughput"). Each write's events go to the `Notifier` right after it (see
 * {@link MemoryOptions}).
 *
 * @example
 * ```ts
 * import { Notifier } from "@paykit/core"
 * import { LedgerStore } from "@paykit/ledger"
 * import { Effect } from "effect"
 * const store = Effect.runSync(LedgerStore.makeMemoryWith({}).pipe(Effect.provide(Notifier.layerNoop)))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const makeMemoryWith = (
  options: MemoryOptions
): Effect.Effect<LedgerStore["Service"], never, Notifier.Notifier> =>
  Effect.gen(function* () {
    const notifier = yield* Notifier.Notifier
    const deliver = options.events !== "keep"
    const semaphore = yield* Semaphore.make(1)
    const book = new MemoryBook()
    /**
     * A write that throws (a bug, or a command object whose getters change their answers between
     * the core's checks and its use) fails with `StoreFailure` for its caller alone; the next
     * write runs as usual. The write's events go to the `Notifier` after it, under the same
     * permit, so they arrive in write order.
     */
    const guarded = <A>(
      operation: string,
      f: () => A,
      eventsOf: (a: A) => ReadonlyArray<DomainEvent.DomainEvent>
    ): Effect.Effect<A, StoreFailure> =>
      semaphore.withPermits(1)(
        Effect.tap(
          Effect.try({
            try: f,
            catch: (e) =>
              new StoreFailure({
                operation,
                reason: `the write stopped with a defect: ${e instanceof Error ? e.message : String(e)}`
              })
          }),
          (a) => (deliver ? Notifier.afterCommit(notifier, eventsOf(a), "ledger") : Effect.void)
        )
      )
    return LedgerStore.of({
      write: (request) =>
        guarded(
          "write",
          () => book.write(request),
          (o) => o.events
        ),
      writeSummary: (request) =>
        Effect.map(
          guarded(
            "writeSummary",
            () => {
              const returnEvents = request.returnEvents === true
              const summary = book.writeSummary({ ...request, returnEvents: deliver || returnEvents })
              return { summary, returnEvents }
            },
            (r) => r.summary.events
          ),
          ({ summary, returnEvents }) => (returnEvents ? summary : { ...summary, events: [] })
        ),
      getAccount: (id) => Effect.sync(() => Option.fromUndefinedOr(book.getAccount(id))),
      getEntry: (id) => Effect.sync(() => Option.fromUndefinedOr(book.getEntry(id))),
      getHold: (id) => Effect.sync(() => Option.fromUndefinedOr(book.getHold(id))),
      history: (accountId, page) => Effect.sync(() => book.history(accountId, page.afterSeq, page.limit)),
      lineAsOf: (accountId, at) => Effect.sync(() => Option.fromUndefinedOr(book.lineAsOf(accountId, at))),
      dump: Effect.sync(() => book.dump())
    })
  })

/**
 * {@link makeMemoryWith} with the defaults: events delivered to the `Notifier` after each write.
 *
 * @example
 * ```ts
 * import { Notifier } from "@paykit/core"
 * import { LedgerStore } from "@paykit/ledger"
 * import { Effect } from "effect"
 * const store = Effect.runSync(LedgerStore.makeMemory.pipe(Effect.provide(Notifier.layerNoop)))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const makeMemory: Effect.Effect<LedgerStore["Service"], never, Notifier.Notifier> = makeMemoryWith({})

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
export const layerMemory: Layer.Layer<LedgerStore, never, Notifier.Notifier> = Layer.effect(
  LedgerStore,
  makeMemory
)

/**
 * A fresh in-memory `LedgerStore` with options (see {@link MemoryOptions}).
 *
 * @example
 * ```ts
 * import { LedgerStore } from "@paykit/ledger"
 * const keepOnly = LedgerStore.layerMemoryWith({ events: "keep" })
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerMemoryWith = (options: MemoryOptions): Layer.Layer<LedgerStore, never, Notifier.Notifier> =>
  Layer.effect(LedgerStore, makeMemoryWith(options))

/**
 * `writeSummary` for an adapter that decides every write through `write` (as the PostgreSQL
 * adapter does): the write, then {@link LedgerCore.summarize} of its outcome.
 *
 * @example
 * ```ts
 * import { LedgerStore } from "@paykit/ledger"
 * import { Effect } from "effect"
 * const store = Effect.runSync(LedgerStore.makeMemory)
 * const writeSummary = LedgerStore.summaryFromWrite(store.write)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const summaryFromWrite =
  (write: LedgerStore["Service"]["write"]) =>
  (request: LedgerCore.SummaryRequest): Effect.Effect<LedgerCore.Summary, StoreFailure> =>
    Effect.map(write(request), (o) => LedgerCore.summarize(o, request.returnEvents))
