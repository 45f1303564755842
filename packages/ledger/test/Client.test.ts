import { Ids, InvalidInput, Notifier } from "@paykit/core"
import { type Command, ExceedsCredits, Ledger } from "@paykit/ledger"
import { Effect, Layer, Result } from "effect"
import { describe, expect, expectTypeOf, it } from "vitest"

const layer = () => Ledger.layerMemory().pipe(Layer.provide([Notifier.layerMemory, Ids.layerSeeded(7)]))

const open = async (ledger: Ledger.LedgerClient) => {
  await ledger.createAccount({ id: "cash", currency: "USD", code: "asset.cash", normal: "debit" })
  await ledger.createAccount({
    id: "wallet",
    currency: "USD",
    code: "liability.wallet",
    normal: "credit",
    debitsMustNotExceedCredits: true
  })
}

describe("Ledger.client", () => {
  it("runs every call on one runtime: the books persist across calls, and dispose ends it", async () => {
    const ledger = Ledger.client(layer())
    await open(ledger)
    await ledger.post({
      id: "t1",
      postings: [{ debit: "cash", credit: "wallet", amount: "700", currency: "USD" }]
    })
    expect((await ledger.balances("wallet")).posted.amount).toBe(700n)
    const summary = await ledger.executeSummary([
      {
        _tag: "Transfer",
        id: "t2",
        postings: [{ debit: "wallet", credit: "cash", amount: 100n, currency: "USD" }]
      },
      {
        _tag: "Transfer",
        id: "t3",
        postings: [{ debit: "wallet", credit: "cash", amount: "5000", currency: "USD" }]
      }
    ])
    expect([summary.applied, summary.failures.map((f) => [f.index, f.error._tag])]).toEqual([
      1,
      [[1, "ExceedsCredits"]]
    ])
    const results = await ledger.executeResults([{ _tag: "CloseAccount", accountId: "cash" }])
    expect(results.map((r) => (Result.isSuccess(r) ? r.success._tag : r.failure._tag))).toEqual([
      "AccountClosed"
    ])
    await ledger.dispose()
    await expect(ledger.getAccount("wallet")).rejects.toBeDefined()
  })

  it("rejects with the typed error itself; hostile input is InvalidInput, and the next call works", async () => {
    await using ledger = Ledger.client(layer())
    await open(ledger)
    const overdraw = await ledger
      .post({ id: "o1", postings: [{ debit: "wallet", credit: "cash", amount: "1", currency: "USD" }] })
      .catch((e: unknown) => e)
    expect(overdraw).toBeInstanceOf(ExceedsCredits)
    const hostile = await ledger.post({ id: "h1", postingz: [] } as never).catch((e: unknown) => e)
    expect(hostile).toBeInstanceOf(InvalidInput)
    expect((hostile as InvalidInput).operation).toBe("post")
    expect((await ledger.getAccount("wallet")).id).toBe("wallet")
  })

  it("types every input: a misspelt or missing field does not compile", async () => {
    await using ledger = Ledger.client(layer())
    expectTypeOf(ledger.post).parameter(0).toEqualTypeOf<typeof Command.TransferInput.Encoded>()
    expectTypeOf(ledger.executeSummary).parameters.toEqualTypeOf<
      [commands: ReadonlyArray<Command.Input>, mode?: Command.Mode]
    >()
    expectTypeOf(ledger.balances).returns.resolves.toEqualTypeOf<Ledger.MoneyBalances>()
    const typo = async () => {
      const posting = { debit: "cash", credit: "wallet", currency: "USD" } as const
      // @ts-expect-error `postingz` is not a field of a transfer (and `postings` is missing)
      await ledger.post({ id: "t", postingz: [{ ...posting, amount: "1" }] })
      // @ts-expect-error an amount is an integer string or a bigint, not a number
      await ledger.post({ id: "t", postings: [{ ...posting, amount: 1 }] })
      // @ts-expect-error `normal` is "debit" or "credit"
      await ledger.createAccount({ id: "x", currency: "USD", code: "c", normal: "left" })
      // @ts-expect-error a batch command needs its `_tag`
      await ledger.executeResults([{ id: "t", postings: [] }])
      // @ts-expect-error the mode is "independent" or "linked"
      await ledger.executeSummary([], "sometimes")
    }
    expect(typo).toBeTypeOf("function")
    // the Effect service's methods are typed the same way
    const program = Effect.gen(function* () {
      const service = yield* Ledger.Ledger
      // @ts-expect-error `accountID` is not `accountId`
      yield* service.closeAccount({ accountID: "cash" })
    })
    expect(Effect.isEffect(program)).toBe(true)
  })
})
