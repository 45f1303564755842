import { Ids, Money, Notifier } from "@paykit/core"
import { Ledger } from "@paykit/ledger"
import { Effect, Layer } from "effect"
import { expect, it } from "vitest"

// the README example, verbatim
const program = Effect.gen(function* () {
  const ledger = yield* Ledger.Ledger
  yield* ledger.createAccount({ id: "cash", currency: "USD", code: "asset.cash", normal: "debit" })
  yield* ledger.createAccount({
    id: "wallet:alice",
    currency: "USD",
    code: "liability.wallet",
    normal: "credit",
    debitsMustNotExceedCredits: true
  })
  yield* ledger.createAccount({
    id: "merchant:42",
    currency: "USD",
    code: "liability.merchant",
    normal: "credit"
  })
  yield* ledger.post({
    id: "topup-1",
    postings: [{ debit: "cash", credit: "wallet:alice", amount: "5000", currency: "USD" }]
  })
  const hold = yield* ledger.hold({
    id: "auth-1",
    debit: "wallet:alice",
    credit: "merchant:42",
    amount: "3000",
    currency: "USD",
    timeoutMs: 600_000
  })
  yield* ledger.postHold({ id: "capture-1", holdId: hold.id, amount: "2500" })
  const alice = yield* ledger.balances("wallet:alice")
  return Money.format(alice.available)
})

const live = Ledger.layerMemory().pipe(Layer.provide([Notifier.layerMemory, Ids.layer]))

it("the README example runs and prints $25.00", async () => {
  expect(await Effect.runPromise(program.pipe(Effect.provide(live)))).toBe("$25.00")
})
