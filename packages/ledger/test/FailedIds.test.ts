import { Notifier } from "@paykit/core"
import { type Command, LedgerCore, LedgerStore } from "@paykit/ledger"
import { ReferenceStore } from "@paykit/ledger/testing"
import { Effect, Result } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { cashAndWallet, transfer } from "./support/commands.ts"

const seedOf = (i: number) => `01J${String(i).padStart(23, "0")}`

const books = () => {
  const store = ReferenceStore.make()
  let n = 0
  const write = (
    commands: ReadonlyArray<Command.Command>,
    options: {
      readonly mode?: Command.Mode
      readonly failedIds?: LedgerCore.FailedIds
      readonly now?: number
    } = {}
  ) =>
    store.write({
      commands,
      mode: options.mode ?? "independent",
      now: options.now ?? 0,
      eventIdSeed: seedOf(n++),
      failedIds: options.failedIds ?? "consumed"
    })
  write([
    ...cashAndWallet,
    { _tag: "CreateAccount", id: "shop", currency: "USD", code: "l", normal: "credit" }
  ])
  return { store, write }
}

const tags = (o: LedgerCore.Outcome) => o.results.map((r) => (Result.isFailure(r) ? r.failure._tag : "ok"))

describe("failed ids: consumed (TigerBeetle's id_already_failed) or reusable", () => {
  it("consumed: a state-dependent failure consumes its id; the retry gets IdAlreadyFailed with the first reason, even after a top-up", () => {
    const { store, write } = books()
    const first = write([transfer("pay-1", "wallet", "shop", 500n)])
    expect(tags(first)).toEqual(["ExceedsCredits"])
    expect(first.failedIds.map((f) => [f.id, f.error._tag])).toEqual([["pay-1", "ExceedsCredits"]])
    write([transfer("topup", "cash", "wallet", 1_000n)])
    const before = store.dump()
    const retry = write([transfer("pay-1", "wallet", "shop", 500n)])
    const error = Result.isFailure(retry.results[0]!) ? retry.results[0].failure : undefined
    expect(error?._tag).toBe("IdAlreadyFailed")
    expect(error?._tag === "IdAlreadyFailed" && error.first._tag).toBe("ExceedsCredits")
    expect(error?.message).toContain("send a new id")
    // the retry changed nothing, and a different content under the same id is refused the same way
    expect(store.dump()).toEqual(before)
    expect(tags(write([transfer("pay-1", "wallet", "shop", 1n)]))).toEqual(["IdAlreadyFailed"])
    expect(store.dump().failedIds.map((f) => f.id)).toEqual(["pay-1"])
  })

  it("reusable: nothing is recorded and the retry is decided again on today's books", () => {
    const { store, write } = books()
    expect(tags(write([transfer("pay-1", "wallet", "shop", 500n)], { failedIds: "reusable" }))).toEqual([
      "ExceedsCredits"
    ])
    write([transfer("topup", "cash", "wallet", 1_000n)], { failedIds: "reusable" })
    expect(tags(write([transfer("pay-1", "wallet", "shop", 500n)], { failedIds: "reusable" }))).toEqual([
      "ok"
    ])
    expect(store.dump().failedIds).toEqual([])
  })

  it("an id consumed once stays consumed for writes in reusable mode (an id is an entry or a failure, never both)", () => {
    const { write } = books()
    write([transfer("pay-1", "wallet", "shop", 500n)])
    write([transfer("topup", "cash", "wallet", 1_000n)])
    expect(tags(write([transfer("pay-1", "wallet", "shop", 500n)], { failedIds: "reusable" }))).toEqual([
      "IdAlreadyFailed"
    ])
  })

  it("refusals that depend on the command alone or on a taken id consume nothing", () => {
    const { store, write } = books()
    write([transfer("done", "cash", "wallet", 5n)])
    const o = write([
      transfer("same", "wallet", "wallet", 5n),
      { _tag: "Transfer", id: "bad", postings: [null] } as unknown as Command.Command,
      transfer("done", "cash", "wallet", 6n),
      transfer("ok", "cash", "wallet", 5n)
    ])
    expect(tags(o)).toEqual(["AccountsMustDiffer", "InvalidInput", "ExistsWithDifferent", "ok"])
    expect(store.dump().failedIds).toEqual([])
  })

  it("every state-dependent refusal of every entry command consumes: holds, captures, voids, reversals", () => {
    const { store, write } = books()
    write([transfer("fund", "cash", "wallet", 100n)])
    const o = write([
      transfer("t-ghost", "ghost", "wallet", 5n),
      { _tag: "CreateHold", id: "h-big", debit: "wallet", credit: "shop", amount: 500n, currency: "USD" },
      { _tag: "PostHold", id: "cap-none", holdId: "nope" },
      { _tag: "VoidHold", id: "void-none", holdId: "nope" },
      { _tag: "Reverse", id: "rev-none", entryId: "nope" },
      { _tag: "CloseAccount", accountId: "ghost" }
    ])
    expect(tags(o)).toEqual([
      "AccountNotFound",
      "ExceedsCredits",
      "HoldNotFound",
      "HoldNotFound",
      "EntryNotFound",
      "AccountNotFound"
    ])
    expect(store.dump().failedIds.map((f) => [f.id, f.error._tag])).toEqual([
      ["cap-none", "HoldNotFound"],
      ["h-big", "ExceedsCredits"],
      ["rev-none", "EntryNotFound"],
      ["t-ghost", "AccountNotFound"],
      ["void-none", "HoldNotFound"]
    ])
  })

  it("a failed linked batch consumes every new id in it when its culprit failed on the books' state, none when it failed on its own", () => {
    const { store, write } = books()
    write([transfer("fund", "cash", "wallet", 100n)])
    const state = write(
      [
        transfer("a", "cash", "wallet", 5n),
        transfer("b", "wallet", "shop", 500n),
        transfer("fund", "cash", "wallet", 100n)
      ],
      { mode: "linked" }
    )
    expect(tags(state)).toEqual(["LinkedCommandFailed", "ExceedsCredits", "LinkedCommandFailed"])
    // "fund" is an entry: a replay is not a new id and consumes nothing
    expect(store.dump().failedIds.map((f) => [f.id, f.error._tag])).toEqual([
      ["a", "LinkedCommandFailed"],
      ["b", "ExceedsCredits"]
    ])
    const own = write([transfer("c", "cash", "wallet", 5n), transfer("d", "wallet", "wallet", 5n)], {
      mode: "linked"
    })
    expect(tags(own)).toEqual(["LinkedCommandFailed", "AccountsMustDiffer"])
    expect(store.dump().failedIds.map((f) => f.id)).toEqual(["a", "b"])
  })

  it("a failed linked batch consumes no malformed id (no store can read it back), and sending it again is refused the same way", () => {
    const { store, write } = books()
    const batch = [transfer("a", "wallet", "shop", 500n), transfer("bad two", "cash", "wallet", 5n)]
    expect(tags(write(batch, { mode: "linked" }))).toEqual(["ExceedsCredits", "LinkedCommandFailed"])
    expect(store.dump().failedIds.map((f) => f.id)).toEqual(["a"])
    // a SQL store loads only the records its read set names, and that drops malformed ids: on
    // what it loads, sending the batch again must consume nothing new (or it inserts a row twice)
    const named = new Set(LedgerCore.readSet(batch).entryIds)
    const { accounts, failedIds } = store.dump()
    const again = LedgerCore.applyBatch(
      LedgerCore.snapshotOf({
        accounts,
        entries: [],
        holds: [],
        failedIds: failedIds.filter((f) => named.has(f.id))
      }),
      { commands: batch, mode: "linked", now: 0, eventIdSeed: seedOf(99), failedIds: "consumed" }
    )
    expect(tags(again)).toEqual(["IdAlreadyFailed", "LinkedCommandFailed"])
    expect(again.failedIds).toEqual([])
    expect(tags(write(batch, { mode: "linked" }))).toEqual(["IdAlreadyFailed", "LinkedCommandFailed"])
    expect(store.dump().failedIds.map((f) => f.id)).toEqual(["a"])
  })

  it("the same new id twice in one batch: the second gets IdAlreadyFailed", () => {
    const { write } = books()
    expect(tags(write([transfer("x", "wallet", "shop", 5n), transfer("x", "cash", "wallet", 5n)]))).toEqual([
      "ExceedsCredits",
      "IdAlreadyFailed"
    ])
  })

  it("a consumed id's record survives its JSON form (for stores with document columns)", () => {
    const { store, write } = books()
    write([transfer("pay-1", "wallet", "shop", 500n)], { now: 42 })
    const [f] = store.dump().failedIds
    expect(f).toBeDefined()
    const back: unknown = JSON.parse(JSON.stringify(LedgerCore.failedIdToJson(f!)))
    expect(LedgerCore.failedIdFromJson(back)).toEqual(f)
  })

  it("the memory store keeps consumed ids through write and writeSummary alike", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* LedgerStore.LedgerStore
        const request = (commands: ReadonlyArray<Command.Command>, i: number) => ({
          commands,
          mode: "independent" as const,
          now: i,
          eventIdSeed: seedOf(i),
          failedIds: "consumed" as const,
          returnEvents: false
        })
        yield* store.write(request(cashAndWallet, 0))
        const s = yield* store.writeSummary(request([transfer("p", "wallet", "cash", 5n)], 1))
        expect(s.failures.map((f) => f.error._tag)).toEqual(["ExceedsCredits"])
        yield* store.writeSummary(request([transfer("top", "cash", "wallet", 50n)], 2))
        const again = yield* store.writeSummary(request([transfer("p", "wallet", "cash", 5n)], 3))
        expect(again.failures.map((f) => f.error._tag)).toEqual(["IdAlreadyFailed"])
        const w = yield* store.write(request([transfer("p", "wallet", "cash", 5n)], 4))
        expect(tags(w)).toEqual(["IdAlreadyFailed"])
        expect((yield* store.dump).failedIds.map((f) => [f.id, f.error._tag, f.at])).toEqual([
          ["p", "ExceedsCredits", 1]
        ])
      }).pipe(Effect.provide(LedgerStore.layerMemory), Effect.provide(Notifier.layerNoop))
    ))
})

// ---------------------------------------------------------------------------------------------
// replay after a crash: the reliable-submission pattern resends everything not known answered

const ACCOUNTS = ["cash", "wallet", "shop"] as const
const submissionArb = fc.array(
  fc.array(
    fc.record({
      id: fc.constantFrom(...Array.from({ length: 10 }, (_, i) => `t${i}`)),
      debit: fc.constantFrom(...ACCOUNTS),
      credit: fc.constantFrom(...ACCOUNTS),
      amount: fc.bigInt({ min: 1n, max: 300n })
    }),
    { minLength: 1, maxLength: 4 }
  ),
  { minLength: 1, maxLength: 12 }
)

const run = (
  batches: ReadonlyArray<ReadonlyArray<Command.Command>>,
  failedIds: LedgerCore.FailedIds,
  crashAfter?: number
) => {
  const { store, write } = books()
  if (crashAfter !== undefined) {
    // the batches up to the crash were applied, their answers lost; the client resends them all
    for (const [i, b] of batches.slice(0, crashAfter).entries()) write(b, { failedIds, now: i + 1 })
  }
  for (const [i, b] of batches.entries()) write(b, { failedIds, now: i + 1 })
  const d = store.dump()
  return { accounts: d.accounts, entries: d.entries, holds: d.holds, lines: d.lines, failedIds: d.failedIds }
}

describe("replay after a crash", () => {
  it("consumed: replaying every submission from the start gives exactly the books of a crash-free run (property)", () =>
    fc.assert(
      fc.property(submissionArb, fc.nat(), (spec, k) => {
        const batches = spec.map((b) => b.map((t) => transfer(t.id, t.debit, t.credit, t.amount)))
        const crashAfter = k % (batches.length + 1)
        expect(run(batches, "consumed", crashAfter)).toEqual(run(batches, "consumed"))
      }),
      { numRuns: 300 }
    ))

  it("reusable: the same replay can differ from the crash-free run (why the consuming mode exists)", () => {
    // t1 fails for want of funds, the top-up arrives, the client crashes and replays both
    const batches = [[transfer("t1", "wallet", "shop", 100n)], [transfer("top", "cash", "wallet", 100n)]]
    expect(run(batches, "reusable", 2).entries.map((e) => e.id)).toEqual(["t1", "top"])
    expect(run(batches, "reusable").entries.map((e) => e.id)).toEqual(["top"])
    expect(run(batches, "consumed", 2)).toEqual(run(batches, "consumed"))
  })
})
