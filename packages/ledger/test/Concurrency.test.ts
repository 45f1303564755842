import { Ids, Notifier } from "@paykit/core"
import { Ledger, LedgerStore } from "@paykit/ledger"
import { Effect, Layer, Result } from "effect"
import { describe, expect, it } from "vitest"

const layer = () =>
  Ledger.layer()
    .pipe(Layer.provideMerge(LedgerStore.layerMemory))
    .pipe(Layer.provide([Notifier.layerNoop, Ids.layer]))

const open = Effect.gen(function* () {
  const ledger = yield* Ledger.Ledger
  yield* ledger.createAccount({ id: "cash", currency: "USD", code: "asset", normal: "debit" })
  yield* ledger.createAccount({
    id: "hot_a",
    currency: "USD",
    code: "liability",
    normal: "credit",
    debitsMustNotExceedCredits: true
  })
  yield* ledger.createAccount({
    id: "hot_b",
    currency: "USD",
    code: "liability",
    normal: "credit",
    debitsMustNotExceedCredits: true
  })
  yield* ledger.post({
    id: "fund",
    postings: [{ debit: "cash", credit: "hot_a", amount: "10000", currency: "USD" }]
  })
  return ledger
})

describe("concurrency on the memory store", () => {
  it("500 fibers posting between two hot accounts never exceed the debit limit", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const ledger = yield* open
        const results = yield* Effect.forEach(
          Array.from({ length: 500 }, (_, i) => i),
          (i) =>
            Effect.result(
              ledger.post({
                id: `t${i}`,
                postings: [
                  i % 3 === 0
                    ? { debit: "hot_b", credit: "hot_a", amount: "50", currency: "USD" }
                    : { debit: "hot_a", credit: "hot_b", amount: "37", currency: "USD" }
                ]
              })
            ),
          { concurrency: "unbounded" }
        )
        const failures = results.filter(Result.isFailure).map((r) => r.failure._tag)
        expect(new Set(failures)).toEqual(new Set(failures.length === 0 ? [] : ["ExceedsCredits"]))
        const store = yield* LedgerStore.LedgerStore
        const dump = yield* store.dump
        for (const a of dump.accounts) {
          if (a.debitsMustNotExceedCredits) expect(a.debitsPosted <= a.creditsPosted, a.id).toBe(true)
        }
        const total = dump.accounts.reduce((s, a) => s + a.debitsPosted - a.creditsPosted, 0n)
        expect(total).toBe(0n)
      }).pipe(Effect.provide(layer()))
    ))

  it("N concurrent debits of `amount` against balance B: exactly floor(B / amount) succeed", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const ledger = yield* open
        const results = yield* Effect.forEach(
          Array.from({ length: 400 }, (_, i) => i),
          (i) =>
            Effect.result(
              ledger.post({
                id: `t${i}`,
                postings: [{ debit: "hot_a", credit: "hot_b", amount: "37", currency: "USD" }]
              })
            ),
          { concurrency: "unbounded" }
        )
        expect(results.filter(Result.isSuccess).length).toBe(Math.floor(10000 / 37))
      }).pipe(Effect.provide(layer()))
    ))

  it("N concurrent holds of `amount` against balance B: at most floor(B / amount) succeed", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const ledger = yield* open
        const results = yield* Effect.forEach(
          Array.from({ length: 300 }, (_, i) => i),
          (i) =>
            Effect.result(
              ledger.hold({ id: `h${i}`, debit: "hot_a", credit: "hot_b", amount: "70", currency: "USD" })
            ),
          { concurrency: "unbounded" }
        )
        const ok = results.filter(Result.isSuccess).length
        expect(ok).toBe(Math.floor(10000 / 70))
        const a = yield* ledger.getAccount("hot_a")
        expect(a.debitsPending).toBe(BigInt(ok) * 70n)
        expect((yield* ledger.balances("hot_a")).available.amount).toBe(10000n - BigInt(ok) * 70n)
        // and concurrent captures of one hold: exactly one wins
        const captures = yield* Effect.forEach(
          Array.from({ length: 50 }, (_, i) => i),
          (i) => Effect.result(ledger.postHold({ id: `cap${i}`, holdId: "h0" })),
          { concurrency: "unbounded" }
        )
        expect(captures.filter(Result.isSuccess).length).toBe(1)
      }).pipe(Effect.provide(layer()))
    ))
})
