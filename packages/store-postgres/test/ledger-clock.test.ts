import type { Command, LedgerCore } from "@paykit/ledger"
import { LedgerStore } from "@paykit/ledger"
import { Model } from "@paykit/ledger/testing"
import { Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import * as LedgerStorePostgres from "../src/ledger/LedgerStorePostgres.ts"
import { TestStores } from "../src/testing/index.ts"
import { asOfProblems, timeOrder } from "./support/integrity.ts"

// One clock per ledger, taken after the locks: a write's time is its base (the database's
// clock, or the caller's in "caller" mode) raised to the latest line of every account it locks.

const books: ReadonlyArray<Command.Command> = ["cash", "wallet", "other", "x", "y"].map(
  (id): Command.Command => ({
    _tag: "CreateAccount",
    id,
    currency: "USD",
    code: `test.${id}`,
    normal: "debit"
  })
)
const transfer = (id: string, debit: string, credit: string): Command.Command => ({
  _tag: "Transfer",
  id,
  postings: [{ debit, credit, amount: 10n, currency: "USD" }]
})
const write = (commands: ReadonlyArray<Command.Command>, now: number) =>
  Effect.flatMap(LedgerStore.LedgerStore, (s) =>
    s.write({
      commands,
      mode: "independent",
      now,
      eventIdSeed: "01J00000000000000000000000"
    } satisfies LedgerCore.Request)
  )

describe("the ledger's clock on PGlite", () => {
  it(
    'clock: "caller": a write whose clock went back is stamped with the latest time of the accounts it locks; accounts it does not touch keep their own times',
    {
      timeout: 120_000
    },
    () =>
      Effect.runPromise(
        Effect.gen(function* () {
          const store = yield* LedgerStore.LedgerStore
          yield* write(books, 0)
          yield* write([transfer("t1", "cash", "wallet")], 1_000)
          // the clock goes back: cash last moved at 1,000, so this write happens at 1,000
          yield* write([transfer("t2", "cash", "other")], 500)
          yield* write(
            [
              {
                _tag: "CreateHold",
                id: "h",
                debit: "wallet",
                credit: "cash",
                amount: 1n,
                currency: "USD",
                timeoutMs: 100
              }
            ],
            400
          )
          // x and y have no line yet: their write keeps its own time
          yield* write([transfer("t3", "x", "y")], 200)
          yield* write([], 1_099)
          const pending = Option.getOrThrow(yield* store.getHold("h"))
          yield* write([], 1_100)
          const d = yield* store.dump
          const at = (id: string) => d.entries.find((e) => e.id === id)?.createdAt
          expect([at("t1"), at("t2"), at("h"), at("t3"), at("h~expire")]).toEqual([
            1_000, 1_000, 1_000, 200, 1_100
          ])
          // the hold was created at 1,000 and expires 100 ms later on the ledger's clock, not before
          expect([pending.status, pending.createdAt, pending.expiresAt]).toEqual(["pending", 1_000, 1_100])
          const h = d.holds.find((x) => x.id === "h")!
          expect([h.status, h.resolvedAt]).toEqual(["expired", 1_100])
          const lines = (id: string) =>
            d.lines.filter((l) => l.accountId === id).map((l) => [l.entryId, l.at])
          expect(lines("cash")).toEqual([
            ["t1", 1_000],
            ["t2", 1_000],
            ["h", 1_000],
            ["h~expire", 1_100]
          ])
          expect(lines("other")).toEqual([["t2", 1_000]])
          expect(yield* timeOrder).toEqual({ lines: 10, backwards: 0 })
          Model.checkInvariants(d)
          const times = [-1, 0, 199, 200, 201, 399, 400, 499, 500, 999, 1_000, 1_001, 1_099, 1_100, 1_101]
          expect((yield* asOfProblems(d, times)).problems).toEqual([])
        }).pipe(
          Effect.provide(
            TestStores.pgliteSharedWith("clock", (schema) =>
              LedgerStorePostgres.layerClient({ schema, clock: "caller" })
            )
          )
        )
      )
  )

  it(
    "by default the database's clock stamps every write, whatever the request's now: a caller a year ahead expires no hold early",
    {
      timeout: 120_000
    },
    () =>
      Effect.runPromise(
        Effect.gen(function* () {
          const store = yield* LedgerStore.LedgerStore
          const before = Date.now()
          yield* write(books, 0)
          yield* write([transfer("t1", "cash", "wallet")], 5)
          yield* write(
            [
              {
                _tag: "CreateHold",
                id: "h",
                debit: "wallet",
                credit: "cash",
                amount: 1n,
                currency: "USD",
                timeoutMs: 60_000
              }
            ],
            0
          )
          const yearAhead = Date.now() + 365 * 24 * 3_600_000
          yield* write([transfer("t2", "cash", "other")], yearAhead)
          yield* write([], yearAhead)
          const after = Date.now()
          const d = yield* store.dump
          // PGlite's clock is this process's clock
          for (const e of d.entries) {
            expect(e.createdAt, e.id).toBeGreaterThanOrEqual(before)
            expect(e.createdAt, e.id).toBeLessThanOrEqual(after)
          }
          const h = d.holds.find((x) => x.id === "h")!
          expect(h.status).toBe("pending")
          expect(h.expiresAt).toBe(h.createdAt + 60_000)
          expect((yield* timeOrder).backwards).toBe(0)
        }).pipe(
          Effect.provide(
            TestStores.pgliteSharedWith("clock", (schema) => LedgerStorePostgres.layerClient({ schema }))
          )
        )
      )
  )
})
