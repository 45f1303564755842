import { Ids, Notifier } from "@paykit/core"
import { Ledger, LedgerStore } from "@paykit/ledger"
import { Effect, Layer, Result } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"

const layer = (options: Ledger.Options = {}) =>
  Layer.mergeAll(
    Ledger.layer(options).pipe(Layer.provideMerge(LedgerStore.layerMemory)),
    TestClock.layer()
  ).pipe(Layer.provideMerge(Notifier.layerMemory), Layer.provide(Ids.layerSeeded(1)))

const run = <A, E>(
  effect: Effect.Effect<A, E, Ledger.Ledger | LedgerStore.LedgerStore | TestClock.TestClock>,
  options: Ledger.Options = {}
): Promise<A> => Effect.runPromise(Effect.provide(effect, layer(options)) as Effect.Effect<A, E>)

const open = Effect.gen(function* () {
  const ledger = yield* Ledger.Ledger
  yield* ledger.createAccount({ id: "cash", currency: "USD", code: "asset.cash", normal: "debit" })
  yield* ledger.createAccount({
    id: "wallet",
    currency: "USD",
    code: "liability.wallet",
    normal: "credit",
    debitsMustNotExceedCredits: true
  })
  return ledger
})

/** An array that counts every element read (through a Proxy), to show what a refusal did not read. */
const counted = (length: number) => {
  const reads = { n: 0 }
  const list = new Proxy(new Array<unknown>(length).fill(null), {
    get(target, key, receiver) {
      if (typeof key === "string" && /^\d+$/.test(key)) reads.n++
      return Reflect.get(target, key, receiver)
    }
  })
  return { list, reads }
}

describe("cheap refusals are cheap", () => {
  it("an oversized batch is refused before any element is read (executeResults, executeSummary)", () =>
    run(
      Effect.gen(function* () {
        const ledger = yield* Ledger.Ledger
        for (const operation of ["executeResults", "executeSummary"] as const) {
          const { list, reads } = counted(1_000_000)
          const error =
            operation === "executeResults"
              ? yield* Effect.flip(ledger.executeResults(list as never))
              : yield* Effect.flip(ledger.executeSummary(list as never))
          expect([operation, error._tag]).toEqual([operation, "BatchTooLarge"])
          expect([operation, reads.n]).toEqual([operation, 0])
        }
      })
    ))
})

describe("balanceAsOf refuses times that do not exist", () => {
  it("month 13, February 30, hour 24, minute 60 and times past the Date range are InvalidInput naming `at`; real times answer", () =>
    run(
      Effect.gen(function* () {
        const ledger = yield* open
        yield* ledger.post({
          id: "t1",
          postings: [{ debit: "cash", credit: "wallet", amount: "5", currency: "USD" }]
        })
        for (const at of [
          "2026-13-01T00:00:00Z",
          "2026-02-30T00:00:00Z",
          "2026-02-29T00:00:00Z",
          "2026-01-01T24:00:00Z",
          "2026-01-01T23:60:00Z",
          "2026-00-10T00:00:00Z",
          8_640_000_000_000_001,
          -1,
          1.5,
          Number.NaN
        ]) {
          const error = yield* Effect.flip(ledger.balanceAsOf({ accountId: "wallet", at }))
          expect([at, error._tag, error._tag === "InvalidInput" && error.path.startsWith("at")]).toEqual([
            at,
            "InvalidInput",
            true
          ])
        }
        for (const at of ["2024-02-29T00:00:00Z", "2026-12-31T23:59:59.999Z", "1970-01-01T00:00:00.5Z", 0]) {
          const b = yield* ledger.balanceAsOf({ accountId: "wallet", at })
          expect(b.posted.amount).toBe(5n)
        }
        const half = yield* ledger.balanceAsOf({ accountId: "wallet", at: "1970-01-01T00:00:00.5Z" })
        expect(half.at).toBe(500)
      })
    ))
})

describe("text the stores cannot keep is refused on every path", () => {
  it("a NUL or a lone surrogate in a description, a metadata key or value, a code or an ownerRef is InvalidInput naming the field (schema and typed paths) and writes nothing; a surrogate pair is kept", () =>
    run(
      Effect.gen(function* () {
        const ledger = yield* open
        const store = yield* LedgerStore.LedgerStore
        const before = yield* store.dump
        const posting = { debit: "cash", credit: "wallet", amount: "5", currency: "USD" }
        const typedPosting = { debit: "cash", credit: "wallet", amount: 5n, currency: "USD" }
        for (const bad of ["a\u0000b", "lone \ud800", "lone \udc00 low", "\udc00\ud800"]) {
          const cases = [
            [{ description: bad }, "description"],
            [{ metadata: { [bad]: "v" } }, "metadata"],
            [{ metadata: { k: bad } }, "metadata.k"]
          ] as const
          for (const [extra, field] of cases) {
            const schema = yield* Effect.flip(ledger.post({ id: "p", postings: [posting], ...extra }))
            expect([
              bad,
              field,
              schema._tag,
              schema._tag === "InvalidInput" && schema.path.includes(field)
            ]).toEqual([bad, field, "InvalidInput", true])
            const [typed] = yield* ledger.executeResults([
              { _tag: "Transfer", id: "p", postings: [typedPosting], ...extra } as never
            ])
            expect(
              Result.isFailure(typed!) &&
                typed.failure._tag === "InvalidInput" &&
                typed.failure.path.includes(field)
            ).toBe(true)
          }
          for (const [extra, field] of [
            [{ code: bad }, "code"],
            [{ ownerRef: bad }, "ownerRef"]
          ] as const) {
            const account = {
              id: "acct",
              currency: "USD",
              normal: "debit" as const,
              ...("code" in extra ? extra : { code: "asset.x", ...extra })
            }
            const schema = yield* Effect.flip(ledger.createAccount(account))
            expect([field, schema._tag === "InvalidInput" && schema.path.includes(field)]).toEqual([
              field,
              true
            ])
            const [typed] = yield* ledger.executeResults([{ _tag: "CreateAccount", ...account } as never])
            expect([field, Result.isFailure(typed!) && typed.failure._tag]).toEqual([field, "InvalidInput"])
          }
        }
        expect(yield* store.dump).toEqual(before)
        const kept = yield* ledger.post({
          id: "p",
          postings: [posting],
          description: "coffee ☕ 😀",
          metadata: { "😀": "ok" }
        })
        expect([kept.description, kept.metadata]).toEqual(["coffee ☕ 😀", { "😀": "ok" }])
      })
    ))
})

describe("getEntry reads every entry the ledger writes", () => {
  it("accepts a hold's expiry id `<holdId>~expire` and refuses other `~` ids", () =>
    run(
      Effect.gen(function* () {
        const ledger = yield* open
        yield* ledger.post({
          id: "t1",
          postings: [{ debit: "cash", credit: "wallet", amount: "50", currency: "USD" }]
        })
        yield* ledger.hold({
          id: "h1",
          debit: "wallet",
          credit: "cash",
          amount: "20",
          currency: "USD",
          timeoutMs: 1_000
        })
        yield* TestClock.adjust(1_000)
        const expired = yield* ledger.expireHolds
        expect(expired.map((h) => h.resolvedBy)).toEqual(["h1~expire"])
        const entry = yield* ledger.getEntry("h1~expire")
        expect([entry.kind, entry.holdId]).toEqual(["hold_expire", "h1"])
        for (const id of ["h1~other", "~expire", "h1~expire~expire"]) {
          const error = yield* Effect.flip(ledger.getEntry(id))
          expect([id, error._tag]).toEqual([id, "InvalidInput"])
        }
      })
    ))
})

describe("Ledger option failedIds", () => {
  it('"consumed": a payment refused for want of funds stays refused with its first reason after a top-up; "reusable" decides it again', async () => {
    for (const failedIds of ["consumed", "reusable"] as const) {
      const tags = await run(
        Effect.gen(function* () {
          const ledger = yield* open
          const pay = {
            id: "pay-1",
            postings: [{ debit: "wallet", credit: "cash", amount: "30", currency: "USD" }]
          }
          const first = yield* Effect.flip(ledger.post(pay))
          yield* ledger.post({
            id: "top",
            postings: [{ debit: "cash", credit: "wallet", amount: "100", currency: "USD" }]
          })
          const again = yield* Effect.result(ledger.post(pay))
          const summary = yield* ledger.executeSummary([
            {
              _tag: "Transfer",
              id: "pay-1",
              postings: [{ debit: "wallet", credit: "cash", amount: 30n, currency: "USD" }]
            }
          ])
          return [
            first._tag,
            Result.isFailure(again)
              ? `${again.failure._tag}:${again.failure._tag === "IdAlreadyFailed" ? again.failure.first._tag : ""}`
              : "ok",
            summary.failures.map((f) => f.error._tag).join(",") || `replayed:${summary.replayed}`
          ]
        }),
        { failedIds }
      )
      expect([failedIds, ...tags]).toEqual(
        failedIds === "consumed"
          ? [failedIds, "ExceedsCredits", "IdAlreadyFailed:ExceedsCredits", "IdAlreadyFailed"]
          : [failedIds, "ExceedsCredits", "ok", "replayed:1"]
      )
    }
  })
})
