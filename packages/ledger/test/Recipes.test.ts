import { Currency, Ids, Money, Notifier } from "@paykit/core"
import { ChartOfAccounts, Ledger, LedgerStore, Templates } from "@paykit/ledger"
import { Effect, Layer, Result } from "effect"
import { TestClock } from "effect/testing"
import { expect, it } from "vitest"

// RECIPES.md, section by section, with its figures: the postings tables and balances it states.

const usd = (n: bigint) => Money.fromMinorUnsafe(n, Currency.USD)
const eur = (n: bigint) => Money.fromMinorUnsafe(n, Currency.EUR)
const ok = Result.getOrThrow
const wallet = ok(ChartOfAccounts.customerWallet("c_1", "USD"))
const m = ok(ChartOfAccounts.merchantAccounts("m_1", "USD"))
const fees = ok(ChartOfAccounts.feeRevenue("USD"))
const bank = ok(ChartOfAccounts.settlementBank("jpm", "USD"))
const eurPending = ok(ChartOfAccounts.merchantPending("m_1", "EUR"))
const usdPosition = ok(ChartOfAccounts.fxPosition("USD"))
const eurPosition = ok(ChartOfAccounts.fxPosition("EUR"))
const visa = {
  interchange: ok(ChartOfAccounts.interchangePayable("visa", "USD")),
  scheme: ok(ChartOfAccounts.schemeFeesPayable("visa", "USD"))
}

const book = Layer.mergeAll(
  Ledger.layer().pipe(Layer.provideMerge(LedgerStore.layerMemory)),
  TestClock.layer()
).pipe(Layer.provide([Notifier.layerMemory, Ids.layerSeeded(5)]))

const post = (posted: Templates.Posted) =>
  Effect.gen(function* () {
    const ledger = yield* Ledger.Ledger
    return yield* ledger.executeSummary(ok(posted), "linked")
  })

const posted = (id: string) =>
  Effect.gen(function* () {
    const ledger = yield* Ledger.Ledger
    return (yield* ledger.balances(id)).posted.amount
  })

it("the recipes post as written, with the balances they state", () =>
  Effect.runPromise(
    Effect.gen(function* () {
      const ledger = yield* Ledger.Ledger
      const accounts = [wallet, m.pending, m.available, m.reserve, fees, bank, eurPending]
      yield* ledger.executeSummary(
        [...accounts, usdPosition, eurPosition, visa.interchange, visa.scheme].map(ChartOfAccounts.open)
      )
      yield* post(Templates.topUp({ topUpId: "tu_1", bank, wallet, amount: usd(100_000n) }))

      // two-leg FX in one entry
      const fx = Templates.fxPayment({
        paymentId: "pay_1",
        customer: wallet,
        merchant: eurPending,
        paid: usd(10_000n),
        received: eur(9_200n),
        fee: { to: fees, amount: usd(150n) }
      })
      expect(yield* post(fx)).toEqual({ applied: 1, replayed: 0, failures: [] })
      expect((yield* ledger.getEntry("pay_1:fx")).postings.map((p) => [p.debit, p.credit, p.amount])).toEqual(
        [
          ["customer:c_1:wallet:USD", "fx:position:USD", 10_000n],
          ["fx:position:EUR", "merchant:m_1:pending:EUR", 9_200n],
          ["customer:c_1:wallet:USD", "platform:fees:USD", 150n]
        ]
      )
      expect([yield* posted(usdPosition.id), yield* posted(eurPosition.id)]).toEqual([10_000n, -9_200n])
      expect(yield* post(fx)).toEqual({ applied: 0, replayed: 1, failures: [] })

      // fee split on capture: the merchant is owed 97.10
      yield* post(
        Templates.captureWithFees({
          paymentId: "pay_2",
          payer: wallet,
          merchant: m.pending,
          gross: usd(10_000n),
          fees: [
            { to: visa.interchange, amount: usd(120n) },
            { to: visa.scheme, amount: usd(13n) },
            { to: fees, amount: usd(157n) }
          ]
        })
      )
      expect(yield* posted(m.pending.id)).toBe(9_710n)
      expect(yield* posted(fees.id)).toBe(150n + 157n)

      // partial capture of a hold; a second authorization voided
      yield* post(
        Templates.authorize({
          paymentId: "pay_3",
          customer: wallet,
          merchant: m.pending,
          amount: usd(3000n),
          timeoutMs: 7 * 86_400_000
        })
      )
      const walletBefore = (yield* ledger.balances(wallet.id)).available.amount
      yield* post(
        Templates.captureAuthorization({
          paymentId: "pay_3",
          merchant: m.pending,
          authorized: usd(3000n),
          captured: usd(2500n)
        })
      )
      // 5.00 of the 30.00 came back to the wallet's available balance
      expect((yield* ledger.balances(wallet.id)).available.amount).toBe(walletBefore + 500n)
      yield* post(
        Templates.authorize({ paymentId: "pay_4", customer: wallet, merchant: m.pending, amount: usd(1000n) })
      )
      yield* post(Templates.voidAuthorization({ paymentId: "pay_4" }))
      expect((yield* ledger.getHold("pay_4:authorize")).status).toBe("voided")
      // a void after a capture: the hold is already resolved
      const late = yield* post(Templates.voidAuthorization({ paymentId: "pay_3" }))
      expect(late.failures.map((f) => f.error._tag)).toEqual(["HoldAlreadyResolved"])

      // refund after settlement
      yield* post(
        Templates.settle({
          settlementId: "st_1",
          pending: m.pending,
          available: m.available,
          amount: usd(9710n)
        })
      )
      yield* post(
        Templates.refundAfterSettlement({
          refundId: "re_1",
          merchant: m.available,
          to: wallet,
          amount: usd(4000n)
        })
      )
      expect(yield* posted(m.available.id)).toBe(5_710n)

      // reserve hold and release
      yield* post(
        Templates.holdReserve({ reserveId: "rr_1", from: m.pending, reserve: m.reserve, amount: usd(500n) })
      )
      expect(yield* posted(m.reserve.id)).toBe(500n)
      const tooMuch = yield* post(
        Templates.releaseReserve({
          reserveId: "rr_2",
          reserve: m.reserve,
          to: m.available,
          amount: usd(501n)
        })
      )
      expect(tooMuch.failures.map((f) => f.error._tag)).toEqual(["ExceedsCredits"])
      yield* post(
        Templates.releaseReserve({
          reserveId: "rr_1",
          reserve: m.reserve,
          to: m.available,
          amount: usd(500n)
        })
      )
      expect([yield* posted(m.reserve.id), yield* posted(m.available.id)]).toEqual([0n, 6_210n])

      // correcting entries: the merchant should have received 91.50 EUR
      const correction = Templates.correctEntry({
        correctionId: "adj_1",
        entryId: "pay_1:fx",
        corrected: [
          { debit: wallet, credit: usdPosition, amount: usd(10_000n) },
          { debit: eurPosition, credit: eurPending, amount: eur(9_150n) },
          { debit: wallet, credit: fees, amount: usd(150n) }
        ]
      })
      expect(yield* post(correction)).toEqual({ applied: 2, replayed: 0, failures: [] })
      expect(yield* posted(eurPending.id)).toBe(9_150n)
      expect((yield* ledger.getEntry("pay_1:fx")).reversedBy).toBe("adj_1:reverse")
      expect(yield* post(correction)).toEqual({ applied: 0, replayed: 2, failures: [] })
      // a second correction of the same entry, under another id, is refused
      const again = yield* post(
        Templates.correctEntry({
          correctionId: "adj_2",
          entryId: "pay_1:fx",
          corrected: [{ debit: wallet, credit: fees, amount: usd(1n) }]
        })
      )
      expect(again.failures[0]?.error._tag).toBe("AlreadyReversed")
    }).pipe(Effect.provide(book))
  ))
