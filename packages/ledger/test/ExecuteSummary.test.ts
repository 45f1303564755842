import { Ids, Notifier } from "@paykit/core"
import { type Command, Ledger, LedgerStore } from "@paykit/ledger"
import { Effect, Layer, Result } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { cashAndWallet, transfer } from "./support/commands.ts"

/** A ledger on the memory store with recorded events, a test clock and seeded ids. */
const book = (events: "deliver" | "keep" = "deliver") =>
  Layer.mergeAll(
    Ledger.layer().pipe(Layer.provideMerge(LedgerStore.layerMemoryWith({ events }))),
    TestClock.layer()
  ).pipe(Layer.provideMerge(Notifier.layerMemory), Layer.provide(Ids.layerSeeded(11)))

type Env = Ledger.Ledger | LedgerStore.LedgerStore | Notifier.RecordedEvents | TestClock.TestClock

const inBook = <A, E>(effect: Effect.Effect<A, E, Env>, events?: "deliver" | "keep"): Promise<A> =>
  Effect.runPromise(Effect.provide(effect, book(events)) as Effect.Effect<A, E>)

const opening: ReadonlyArray<Command.Command> = [
  ...cashAndWallet,
  { _tag: "CreateAccount", id: "shop", currency: "USD", code: "liability", normal: "credit" },
  { _tag: "CreateAccount", id: "eur", currency: "EUR", code: "asset", normal: "debit" }
]

/** The ledger and store with the opening accounts, and the store as it is then. */
const opened = Effect.gen(function* () {
  const ledger = yield* Ledger.Ledger
  const store = yield* LedgerStore.LedgerStore
  yield* ledger.executeResults(opening)
  return { ledger, store, before: yield* store.dump }
})

/** Plain transfers, failures of every kind the column path meets, and commands it leaves to the core. */
const batch: ReadonlyArray<Command.Command> = [
  transfer("t1", "cash", "wallet", 500n),
  transfer("t2", "wallet", "shop", 200n),
  transfer("t3", "wallet", "shop", 400n), // ExceedsCredits: 300 left
  transfer("t1", "cash", "wallet", 500n), // replay
  transfer("t1", "cash", "wallet", 501n), // ExistsWithDifferent
  transfer("t4", "cash", "nobody", 1n), // AccountNotFound
  transfer("t5", "cash", "eur", 1n), // PostingCurrencyMismatch
  transfer("t6", "cash", "cash", 1n), // AccountsMustDiffer
  transfer("t 7", "cash", "shop", 1n), // InvalidInput (id)
  {
    _tag: "CreateHold",
    id: "h1",
    debit: "wallet",
    credit: "shop",
    amount: 100n,
    currency: "USD",
    timeoutMs: 60_000
  },
  { ...transfer("t8", "cash", "shop", 7n), metadata: { order: "o-1" } } as Command.Command,
  transfer("t9", "wallet", "shop", 1n)
]

describe("Ledger.executeSummary", () => {
  it("leaves the books, the events and the failures exactly as executeResults does", async () => {
    const run = (summary: boolean) =>
      inBook(
        Effect.gen(function* () {
          const { ledger, store } = yield* opened
          const recorded = yield* Notifier.RecordedEvents
          let failures: ReadonlyArray<{ index: number; tag: string }>
          if (summary) {
            const s = yield* ledger.executeSummary(batch)
            expect([s.applied, s.replayed]).toEqual([5, 1])
            failures = s.failures.map((f) => ({ index: f.index, tag: f.error._tag }))
          } else {
            const results = yield* ledger.executeResults(batch)
            failures = results.flatMap((r, index) =>
              Result.isFailure(r) ? [{ index, tag: r.failure._tag }] : []
            )
          }
          return { failures, dump: yield* store.dump, events: yield* recorded.all }
        })
      )
    const fromSummary = await run(true)
    const fromResults = await run(false)
    expect(fromSummary.failures).toEqual([
      { index: 2, tag: "ExceedsCredits" },
      { index: 4, tag: "ExistsWithDifferent" },
      { index: 5, tag: "AccountNotFound" },
      { index: 6, tag: "PostingCurrencyMismatch" },
      { index: 7, tag: "AccountsMustDiffer" },
      { index: 8, tag: "InvalidInput" }
    ])
    expect(fromSummary).toEqual(fromResults)
    expect(fromSummary.events.filter((e) => e.type === "ledger.entry.posted").map((e) => e.subject)).toEqual([
      "t1",
      "t2",
      "t8",
      "t9"
    ])
  })

  it("a linked batch is all or nothing, as in executeResults", () =>
    inBook(
      Effect.gen(function* () {
        const { ledger, store, before } = yield* opened
        const s = yield* ledger.executeSummary(
          [transfer("a", "cash", "wallet", 5n), transfer("b", "wallet", "shop", 6n)],
          "linked"
        )
        expect(s.applied).toBe(0)
        expect(s.failures.map((f) => [f.index, f.error._tag])).toEqual([
          [0, "LinkedCommandFailed"],
          [1, "ExceedsCredits"]
        ])
        expect(yield* store.dump).toEqual(before)
      })
    ))

  it("expires due holds before the batch, as every write does", () =>
    inBook(
      Effect.gen(function* () {
        const ledger = yield* Ledger.Ledger
        yield* ledger.executeResults([
          ...opening,
          transfer("fund", "cash", "wallet", 100n),
          {
            _tag: "CreateHold",
            id: "h",
            debit: "wallet",
            credit: "shop",
            amount: 100n,
            currency: "USD",
            timeoutMs: 1_000
          }
        ])
        // the hold reserves all 100: a transfer fails until it expires
        expect((yield* ledger.executeSummary([transfer("x", "wallet", "shop", 1n)])).failures).toHaveLength(1)
        yield* TestClock.adjust(1_000)
        const s = yield* ledger.executeSummary([transfer("y", "wallet", "shop", 1n)])
        expect([s.applied, s.failures]).toEqual([1, []])
        expect((yield* ledger.getHold("h")).status).toBe("expired")
      })
    ))

  it("refuses an unknown currency in its place: the other commands are decided, linked batches write nothing", () =>
    inBook(
      Effect.gen(function* () {
        const { ledger, store, before } = yield* opened
        const batch: ReadonlyArray<Command.Command> = [
          { _tag: "CreateAccount", id: "x", currency: "ZZZ", code: "c", normal: "debit" },
          transfer("ok", "cash", "shop", 1n),
          {
            _tag: "CreateAccount",
            id: "y",
            currency: "USD",
            code: "c",
            normal: "debit",
            metadata: { k: 1 as never }
          },
          transfer("ok2", "cash", "shop", 2n)
        ]
        const linked = yield* ledger.executeSummary(batch, "linked")
        expect(linked.applied).toBe(0)
        expect(linked.failures.map((f) => [f.index, f.error._tag])).toEqual([
          [0, "InvalidInput"],
          [1, "LinkedCommandFailed"],
          [2, "LinkedCommandFailed"],
          [3, "LinkedCommandFailed"]
        ])
        expect(yield* store.dump).toEqual(before)
        const summary = yield* ledger.executeSummary(batch)
        expect(summary.applied).toBe(2)
        // each refusal names the command's place in the caller's batch (the core saw three commands)
        expect(
          summary.failures.map((f) => [
            f.index,
            f.error._tag === "InvalidInput" ? f.error.path : f.error._tag
          ])
        ).toEqual([
          [0, "commands[0].currency"],
          [2, "commands[2].metadata.k"]
        ])
        const typed = yield* ledger.executeResults([batch[0]!, transfer("ok3", "cash", "shop", 3n)])
        expect(typed.map((r) => (Result.isFailure(r) ? r.failure._tag : r.success._tag))).toEqual([
          "InvalidInput",
          "EntryCreated"
        ])
      })
    ))

  it('with a memory store that keeps its events (events: "keep"), the Notifier hears nothing and the store holds every event', () =>
    inBook(
      Effect.gen(function* () {
        const { ledger, store } = yield* opened
        const recorded = yield* Notifier.RecordedEvents
        yield* ledger.executeSummary([
          transfer("t1", "cash", "wallet", 5n),
          transfer("t2", "cash", "shop", 6n)
        ])
        expect(yield* recorded.all).toEqual([])
        const { events } = yield* store.dump
        expect(events.slice(-2).map((e) => [e.type, e.subject])).toEqual([
          ["ledger.entry.posted", "t1"],
          ["ledger.entry.posted", "t2"]
        ])
        expect(new Set(events.map((e) => e.id)).size).toBe(events.length)
      }),
      "keep"
    ))

  it("the memory store delivers each write's events once, right after the write, in write order; the ledger itself delivers nothing", () =>
    inBook(
      Effect.gen(function* () {
        const { ledger, store } = yield* opened
        const recorded = yield* Notifier.RecordedEvents
        yield* recorded.clear
        yield* ledger.executeSummary([
          transfer("t1", "cash", "wallet", 5n),
          transfer("t2", "cash", "shop", 6n)
        ])
        yield* ledger.post({
          id: "t3",
          postings: [{ debit: "cash", credit: "shop", amount: "1", currency: "USD" }]
        })
        const delivered = yield* recorded.all
        expect(delivered.map((e) => [e.type, e.subject])).toEqual([
          ["ledger.entry.posted", "t1"],
          ["ledger.entry.posted", "t2"],
          ["ledger.entry.posted", "t3"]
        ])
        // exactly the events the store keeps for those writes: same ids, none twice
        expect(delivered).toEqual((yield* store.dump).events.slice(-3))
        expect(new Set(delivered.map((e) => e.id)).size).toBe(3)
      })
    ))
})
