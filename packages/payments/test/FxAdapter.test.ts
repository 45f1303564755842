import { Ids, Notifier } from "@paykit/core"
import { Fx, QuoteStore, RateProvider, Schedule } from "@paykit/fx"
import { ChartOfAccounts, Ledger } from "@paykit/ledger"
import { Effect, Layer, Result } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { Books, Payments, PaymentStore } from "../src/index.ts"
import { FxAdapter } from "../src/fx/index.ts"
import { TestProvider } from "../src/testing/index.ts"

const T0 = Date.UTC(2026, 0, 5)

const fxLayer = (asOf: number) =>
  Fx.layer({
    schedule: Schedule.makeUnsafe({
      corridors: [{ source: "EUR", target: "USD", spreadBps: 50, feeMode: "on-top", charges: "OUR" }]
    }),
    maxRateAge: "1 hour",
    maxReferenceAge: "4 days",
    lockFor: "1 minute"
  }).pipe(
    Layer.provide(RateProvider.layerReferenceFromRateProvider),
    Layer.provide(RateProvider.layerMemory([{ base: "EUR", quote: "USD", rate: "1.0842", asOf }])),
    Layer.provide(QuoteStore.layerMemory)
  )

const env = (asOf: number) =>
  Payments.layer({
    books: { _tag: "acquiring", bank: "acq_1" },
    fees: Books.percentPlusFixed({ bps: 100 })
  }).pipe(
    Layer.provideMerge(FxAdapter.layer),
    Layer.provideMerge(fxLayer(asOf)),
    Layer.provideMerge(Layer.mergeAll(PaymentStore.layerMemory, TestProvider.layer(), Ledger.layerMemory())),
    Layer.provideMerge(Layer.mergeAll(Notifier.layerMemory, Ids.layerSeeded(5), TestClock.layer()))
  )

const openBooks = Effect.gen(function* () {
  const ledger = yield* Ledger.Ledger
  const s = yield* ledger.executeSummary(
    [
      ChartOfAccounts.settlementBank("acq_1", "EUR"),
      ChartOfAccounts.merchantPending("m_1", "USD"),
      ChartOfAccounts.feeRevenue("USD"),
      ChartOfAccounts.fxPosition("EUR"),
      ChartOfAccounts.fxPosition("USD")
    ].map((r) => ChartOfAccounts.open(Result.getOrThrow(r))),
    "linked"
  )
  expect(s.failures).toEqual([])
})

const crossBorderPayment = (id: string) =>
  Effect.flatMap(Payments.Payments, (s) =>
    Effect.andThen(
      s.create({
        id,
        merchant: "m_1",
        paymentMethod: "pm_approve",
        amount: { amount: "10000", currency: "EUR" },
        captureMethod: "manual",
        settlementCurrency: "USD"
      }),
      s.confirm(id)
    )
  )

describe("@paykit/payments/fx: @paykit/fx's quotes convert each cross-border capture", () => {
  it("the capture consumes a locked quote and records its id, customer rate and converted amount", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        yield* openBooks
        const s = yield* Payments.Payments
        yield* crossBorderPayment("pay_fx")
        const captured = yield* s.capture("pay_fx")
        const c = captured.captures[0]!
        // mid 1.0842 less 50 bps: 1.078779; 100.00 EUR → 107.8779 → 107.87 USD (rounded down)
        expect(c.conversion?.rate).toBe("1.078779")
        expect(c.conversion?.settled.amount).toBe(10_787n)
        expect(c.conversion?.settled.currency.code).toBe("USD")
        const executed = yield* Effect.flip(Effect.flatMap(Fx.Fx, (fx) => fx.execute(c.conversion!.quoteId)))
        expect(executed._tag).toBe("QuoteAlreadyUsed")
        const ledger = yield* Ledger.Ledger
        // 1 % of 107.87 = 1.0787 → 1.08 (half-even)
        expect((yield* ledger.balances("merchant:m_1:pending:USD")).posted.amount).toBe(10_787n - 108n)
        expect((yield* ledger.balances("fx:position:EUR")).posted.amount).toBe(10_000n)
      }).pipe(Effect.provide(env(T0)))
    ))

  it("a stale rate: ConversionUnavailable with @paykit/fx's reason, and the payment is still capturable", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        yield* openBooks
        const s = yield* Payments.Payments
        const authorised = yield* crossBorderPayment("pay_stale")
        const e = yield* Effect.flip(s.capture("pay_stale"))
        expect(e._tag).toBe("ConversionUnavailable")
        expect(e.message).toMatch(/EUR to USD/)
        expect(yield* s.get("pay_stale")).toEqual(authorised)
      }).pipe(Effect.provide(env(T0 - 2 * 3_600_000)))
    ))
})
