import { Ids, Notifier } from "@paykit/core"
import { type Command, Ledger, LedgerStore } from "@paykit/ledger"
import { Effect, Layer, Result } from "effect"
import { describe, expect, it } from "vitest"

const layer = () =>
  Ledger.layer()
    .pipe(Layer.provideMerge(LedgerStore.layerMemory))
    .pipe(Layer.provideMerge(Notifier.layerMemory), Layer.provide(Ids.layerSeeded(3)))

const posting = { debit: "wallet", credit: "merchant", amount: "100", currency: "USD" }
const garbage: ReadonlyArray<unknown> = [null, undefined, 42, "x", [], {}, { id: 1 }, new Date(0), () => 1]

const cases: ReadonlyArray<{
  op: keyof Ledger.Ledger["Service"]
  input: unknown
  mode?: unknown
  tags: ReadonlyArray<string>
}> = [
  ...garbage.flatMap((g) =>
    (
      [
        "createAccount",
        "closeAccount",
        "post",
        "hold",
        "postHold",
        "voidHold",
        "reverse",
        "executeResults",
        "executeSummary",
        "getAccount",
        "balances",
        "getEntry",
        "getHold",
        "balanceAsOf",
        "history"
      ] as const
    ).map((op) => ({
      op,
      input: g,
      // "x" is a well-formed id: reads answer that nothing has that id
      tags: [
        "InvalidInput",
        ...(g === "x" ? ["AccountNotFound", "EntryNotFound", "HoldNotFound"] : []),
        // an empty list is an empty batch
        ...(op.startsWith("execute") && Array.isArray(g) ? ["BatchTooLarge"] : [])
      ]
    }))
  ),
  // amounts
  { op: "post", input: { id: "e1", postings: [{ ...posting, amount: "0" }] }, tags: ["InvalidInput"] },
  { op: "post", input: { id: "e1", postings: [{ ...posting, amount: "-5" }] }, tags: ["InvalidInput"] },
  { op: "post", input: { id: "e1", postings: [{ ...posting, amount: "1.5" }] }, tags: ["InvalidInput"] },
  { op: "post", input: { id: "e1", postings: [{ ...posting, amount: 100 }] }, tags: ["InvalidInput"] },
  { op: "post", input: { id: "e1", postings: [{ ...posting, amount: -1n }] }, tags: ["InvalidInput"] },
  { op: "post", input: { id: "e1", postings: [{ ...posting, amount: 2n ** 127n }] }, tags: ["InvalidInput"] },
  { op: "post", input: { id: "e1", postings: [{ ...posting, amount: "1e3" }] }, tags: ["InvalidInput"] },
  { op: "hold", input: { id: "h1", ...posting, amount: "0" }, tags: ["InvalidInput"] },
  { op: "hold", input: { id: "h1", ...posting, timeoutMs: 0 }, tags: ["InvalidInput"] },
  { op: "hold", input: { id: "h1", ...posting, timeoutMs: 1.5 }, tags: ["InvalidInput"] },
  { op: "postHold", input: { id: "c1", holdId: "h0", amount: "-1" }, tags: ["InvalidInput"] },
  // shapes and ids
  { op: "post", input: { id: "e1", postings: [] }, tags: ["InvalidInput"] },
  { op: "post", input: { id: "", postings: [posting] }, tags: ["InvalidInput"] },
  { op: "post", input: { id: "has space", postings: [posting] }, tags: ["InvalidInput"] },
  { op: "post", input: { id: "e~1", postings: [posting] }, tags: ["InvalidInput"] },
  { op: "post", input: { id: "e1", postings: [posting], extra: true }, tags: ["InvalidInput"] },
  { op: "post", input: { id: "e1", postings: [{ ...posting, currency: "usd" }] }, tags: ["InvalidInput"] },
  { op: "post", input: { id: "e1", postings: [posting], metadata: { k: 1 } }, tags: ["InvalidInput"] },
  {
    op: "createAccount",
    input: { id: "a", currency: "XXX1", code: "c", normal: "debit" },
    tags: ["InvalidInput"]
  },
  {
    op: "createAccount",
    input: { id: "a", currency: "ZZZ", code: "c", normal: "debit" },
    tags: ["InvalidInput"]
  },
  {
    op: "createAccount",
    input: { id: "a", currency: "USD", code: "c", normal: "up" },
    tags: ["InvalidInput"]
  },
  { op: "balanceAsOf", input: { accountId: "wallet", at: -1 }, tags: ["InvalidInput"] },
  { op: "balanceAsOf", input: { accountId: "wallet", at: "yesterday" }, tags: ["InvalidInput"] },
  { op: "history", input: { accountId: "wallet", limit: 0 }, tags: ["InvalidInput"] },
  { op: "history", input: { accountId: "wallet", limit: 100_000 }, tags: ["InvalidInput"] },
  // state-level rejections are typed too, and change nothing
  { op: "post", input: { id: "e1", postings: [{ ...posting, credit: "ghost" }] }, tags: ["AccountNotFound"] },
  {
    op: "post",
    input: { id: "e1", postings: [{ ...posting, credit: "wallet" }] },
    tags: ["AccountsMustDiffer"]
  },
  {
    op: "post",
    input: { id: "e1", postings: [{ ...posting, currency: "EUR" }] },
    tags: ["PostingCurrencyMismatch"]
  },
  {
    op: "post",
    input: { id: "e1", postings: [posting, { ...posting, credit: "eur", currency: "USD" }] },
    tags: ["PostingCurrencyMismatch"]
  },
  { op: "post", input: { id: "e1", postings: [{ ...posting, amount: "100000" }] }, tags: ["ExceedsCredits"] },
  { op: "hold", input: { id: "h1", ...posting, debit: "ghost" }, tags: ["AccountNotFound"] },
  { op: "hold", input: { id: "h1", ...posting, credit: "wallet" }, tags: ["AccountsMustDiffer"] },
  { op: "postHold", input: { id: "c1", holdId: "nope" }, tags: ["HoldNotFound"] },
  { op: "postHold", input: { id: "c1", holdId: "h0", amount: "1001" }, tags: ["AmountExceedsHold"] },
  { op: "voidHold", input: { id: "v1", holdId: "nope" }, tags: ["HoldNotFound"] },
  { op: "reverse", input: { id: "r1", entryId: "nope" }, tags: ["EntryNotFound"] },
  { op: "reverse", input: { id: "r1", entryId: "h0" }, tags: ["NotReversible"] },
  { op: "closeAccount", input: { accountId: "nope" }, tags: ["AccountNotFound"] },
  {
    op: "createAccount",
    input: {
      id: "b",
      currency: "USD",
      code: "c",
      normal: "debit",
      debitsMustNotExceedCredits: true,
      creditsMustNotExceedDebits: true
    },
    tags: ["ConflictingLimitFlags"]
  },
  {
    op: "createAccount",
    input: { id: "wallet", currency: "EUR", code: "c", normal: "credit" },
    tags: ["ExistsWithDifferent"]
  },
  {
    op: "post",
    input: { id: "fund", postings: [{ ...posting, amount: "5" }] },
    tags: ["ExistsWithDifferent"]
  },
  // batches: refused as a whole only for the list itself or the mode
  ...(["executeResults", "executeSummary"] as const).flatMap((op) => [
    { op, input: [], tags: ["BatchTooLarge"] },
    {
      op,
      input: Array.from({ length: 10_001 }, (_, i) => ({
        _tag: "Transfer",
        id: `b${i}`,
        postings: [posting]
      })),
      tags: ["BatchTooLarge"]
    },
    {
      op,
      input: [{ _tag: "Transfer", id: "b1", postings: [posting] }],
      mode: "sometimes",
      tags: ["InvalidInput"]
    }
  ]),
  { op: "getAccount", input: "nope", tags: ["AccountNotFound"] },
  { op: "getEntry", input: "nope", tags: ["EntryNotFound"] },
  { op: "getHold", input: "nope", tags: ["HoldNotFound"] }
]

const describeInput = (u: unknown) =>
  JSON.stringify(u, (_, v) => (typeof v === "bigint" ? `${v}n` : v))?.slice(0, 80) ?? String(u)

/** cash, wallet (debits must not exceed credits), merchant and eur, and the wallet funded with `funds`. */
const openBooks = (funds: bigint) =>
  Effect.gen(function* () {
    const ledger = yield* Ledger.Ledger
    yield* ledger.createAccount({ id: "cash", currency: "USD", code: "asset", normal: "debit" })
    yield* ledger.createAccount({
      id: "wallet",
      currency: "USD",
      code: "liability",
      normal: "credit",
      debitsMustNotExceedCredits: true
    })
    yield* ledger.createAccount({ id: "merchant", currency: "USD", code: "liability", normal: "credit" })
    yield* ledger.createAccount({ id: "eur", currency: "EUR", code: "liability", normal: "credit" })
    yield* ledger.post({
      id: "fund",
      postings: [{ ...posting, debit: "cash", credit: "wallet", amount: funds.toString() }]
    })
  })

describe("bad input: every public operation returns a typed error and changes nothing", () => {
  it(`${cases.length} malformed or refused inputs leave the whole store (and the event log) unchanged`, () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const ledger = yield* Ledger.Ledger
        const store = yield* LedgerStore.LedgerStore
        const recorded = yield* Notifier.RecordedEvents
        yield* openBooks(5000n)
        yield* ledger.hold({ id: "h0", ...posting, amount: "1000" })
        const before = yield* store.dump
        const eventsBefore = yield* recorded.all
        for (const c of cases) {
          const fn = ledger[c.op] as (
            input: unknown,
            mode?: unknown
          ) => Effect.Effect<unknown, { readonly _tag: string }>
          const r = yield* Effect.result(c.mode === undefined ? fn(c.input) : fn(c.input, c.mode))
          const label = `${c.op}(${describeInput(c.input)})`
          expect(Result.isFailure(r), label).toBe(true)
          if (Result.isFailure(r)) {
            expect(c.tags, label).toContain(r.failure._tag)
            expect((r.failure as unknown as Error).message.length, label).toBeGreaterThan(10)
          }
          expect(yield* store.dump, label).toEqual(before)
        }
        expect(yield* recorded.all).toEqual(eventsBefore)
      }).pipe(Effect.provide(layer()))
    ))

  it("InvalidInput names the offending field", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const ledger = yield* Ledger.Ledger
        const r = yield* Effect.result(
          ledger.post({ id: "e1", postings: [posting, { ...posting, amount: "-5" }] })
        )
        expect(Result.isFailure(r) && r.failure._tag === "InvalidInput" && r.failure.path).toBe(
          "postings[1].amount"
        )
      }).pipe(Effect.provide(layer()))
    ))

  it("batches (executeResults, executeSummary) of malformed or refused commands, typed or JSON: each fails with its typed error, nothing changes", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const ledger = yield* Ledger.Ledger
        const store = yield* LedgerStore.LedgerStore
        const recorded = yield* Notifier.RecordedEvents
        yield* openBooks(500n)
        yield* ledger.closeAccount({ accountId: "cash" })
        const before = yield* store.dump
        const eventsBefore = yield* recorded.all
        const t = (id: unknown, p: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
          ({
            _tag: "Transfer",
            id,
            postings: [{ debit: "wallet", credit: "merchant", amount: 1n, currency: "USD", ...p }],
            ...extra
          }) as unknown as Command.Command
        const bad: ReadonlyArray<[Command.Command, string]> = [
          [t("a", { amount: 0n }), "InvalidInput"],
          [t("a", { amount: -5n }), "InvalidInput"],
          [t("a", { amount: 5 }), "InvalidInput"],
          [t("a", { amount: "5.0" }), "InvalidInput"],
          [t("a", { amount: "0" }), "InvalidInput"],
          [t("a", { amount: 2n ** 127n }), "InvalidInput"],
          [t("a", { debit: "ghost" }), "AccountNotFound"],
          [t("a", { debit: "bad id" }), "InvalidInput"],
          [t("a", { currency: "EUR" }), "PostingCurrencyMismatch"],
          [t("a", { currency: "usd" }), "InvalidInput"],
          [t("a", { credit: "eur" }), "PostingCurrencyMismatch"],
          [t("a", { credit: "wallet" }), "AccountsMustDiffer"],
          [t("a", { amount: 501n }), "ExceedsCredits"],
          [t("a", { debit: "merchant", credit: "cash" }), "AccountClosed"],
          [t("fund", {}), "ExistsWithDifferent"],
          [t("a b", {}), "InvalidInput"],
          [t(7, {}), "InvalidInput"],
          [t("a", {}, { metadata: { k: 1 } }), "InvalidInput"],
          [t("a", {}, { postings: [] }), "InvalidInput"],
          [{ _tag: "Explode" } as never, "InvalidInput"],
          // the JSON form (string amounts) is decoded in full: unknown keys are refused, not ignored
          [t("a", { amount: "5" }, { extra: true }), "InvalidInput"],
          [
            {
              _tag: "CreateAccount",
              id: "n",
              currency: "USD",
              code: "c",
              normal: "credit",
              debitsMustNotExceedCredit: true
            } as never,
            "InvalidInput"
          ],
          [
            { _tag: "CreateAccount", id: "n", currency: "QQQ", code: "c", normal: "credit" } as never,
            "InvalidInput"
          ],
          [t("a", { amount: "501" }), "ExceedsCredits"],
          ...garbage.map((g): [Command.Command, string] => [g as Command.Command, "InvalidInput"])
        ]
        const commands = bad.map(([c]) => c)
        const results = yield* ledger.executeResults(commands)
        expect(results.map((r) => (Result.isFailure(r) ? r.failure._tag : "ok"))).toEqual(
          bad.map(([, tag]) => tag)
        )
        const summary = yield* ledger.executeSummary(commands)
        expect([summary.applied, summary.replayed]).toEqual([0, 0])
        expect(summary.failures.map((f) => [f.index, f.error._tag])).toEqual(
          bad.map(([, tag], i) => [i, tag])
        )
        for (const f of summary.failures) expect(f.error.message.length).toBeGreaterThan(10)
        const tooMany = Array.from({ length: 10_001 }, (_, i) => t(`x${i}`, {}))
        for (const input of [tooMany, []]) {
          expect((yield* Effect.flip(ledger.executeResults(input)))._tag).toBe("BatchTooLarge")
          expect((yield* Effect.flip(ledger.executeSummary(input)))._tag).toBe("BatchTooLarge")
        }
        for (const input of [
          "x",
          null,
          undefined,
          { length: 3 },
          7
        ] as ReadonlyArray<unknown> as ReadonlyArray<never>) {
          const typed = yield* Effect.flip(ledger.executeResults(input))
          expect([typed._tag, typed._tag === "InvalidInput" && typed.path]).toEqual([
            "InvalidInput",
            "commands"
          ])
          expect((yield* Effect.flip(ledger.executeSummary(input)))._tag).toBe("InvalidInput")
        }
        expect(yield* store.dump).toEqual(before)
        expect(yield* recorded.all).toEqual(eventsBefore)
      }).pipe(Effect.provide(layer()))
    ))
})
