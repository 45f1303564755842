import { Ids, Notifier } from "@paykit/core"
import { ChartOfAccounts, Ledger, type LedgerStore } from "@paykit/ledger"
import { Books, type Payment, type PaymentProvider, Payments, type PaymentStore } from "@paykit/payments"
import { TestProvider } from "@paykit/payments/testing"
import { Calendar, type PayoutProvider, type Run, Settlement, type SettlementStore } from "@paykit/settlement"
import { TestPayoutProvider } from "@paykit/settlement/testing"
import { Effect, Layer, Result } from "effect"
import { expect } from "vitest"
import type * as Database from "../../src/Database.ts"
import * as LedgerStorePostgres from "../../src/ledger/LedgerStorePostgres.ts"
import * as PaymentStorePostgres from "../../src/payments/PaymentStorePostgres.ts"
import * as SettlementStorePostgres from "../../src/settlement/SettlementStorePostgres.ts"
import { settableClock } from "./settableClock.ts"

// The settlement service with payments and the ledger on given stores, for the settlement tests.

export const DAY = 86_400_000
// Monday 2 March 2026, 10:00 UTC
export const MON = Date.UTC(2026, 2, 2, 10)
export const cal = Calendar.decodeUnsafe({ timeZone: "UTC" })
// the time the services see, set by the tests (TestClock's scheduler slows a real server's statements)
export const clock = settableClock(MON)

export type Stores = SettlementStore.SettlementStore | PaymentStore.PaymentStore | LedgerStore.LedgerStore

/** The three services on `stores` (ids from `ids`, seeded by default); the payout provider pays m_1's payouts at once and accepts the rest. */
export const env = <R>(
  stores: Layer.Layer<Stores | R, unknown, Notifier.Notifier>,
  ids: Layer.Layer<Ids.Ids> = Ids.layerSeeded(7)
): Layer.Layer<
  | Settlement.Settlement
  | Payments.Payments
  | PaymentProvider.PaymentProvider
  | TestProvider.Control
  | PayoutProvider.PayoutProvider
  | Ledger.Ledger
  | Stores
  | R
  | Notifier.Notifier
  | Notifier.RecordedEvents
  | Ids.Ids,
  unknown
> =>
  Settlement.layer({ calendar: cal, payoutBank: "operating" }).pipe(
    Layer.provideMerge(
      Payments.layer({
        books: { _tag: "acquiring", bank: "acq", refundsFrom: "available" },
        fees: Books.percentPlusFixed({ bps: 290, fixed: { EUR: 30n } })
      })
    ),
    Layer.provideMerge(
      Layer.mergeAll(
        TestProvider.layer(),
        TestPayoutProvider.layer((p) => (p.merchant === "m_1" ? { _tag: "paid" } : { _tag: "accepted" })),
        Ledger.layer()
      )
    ),
    Layer.provideMerge(stores),
    Layer.provideMerge(Layer.mergeAll(Notifier.layerMemory, ids, clock.layer))
  )

export const onServer = (config: Database.DatabaseConfig) =>
  Layer.mergeAll(
    SettlementStorePostgres.layerClient({ schema: config.schema }),
    PaymentStorePostgres.layerClient({ schema: config.schema })
  ).pipe(Layer.provideMerge(LedgerStorePostgres.layer(config)))

/** Opens the banks, the fee revenue and the merchants' accounts (all but the reserve of those in `noReserve`). */
export const openBooks = (merchants: ReadonlyArray<string>, noReserve: ReadonlyArray<string> = []) =>
  Effect.gen(function* () {
    const ledger = yield* Ledger.Ledger
    const refs = [
      Result.getOrThrow(ChartOfAccounts.settlementBank("acq", "EUR")),
      Result.getOrThrow(ChartOfAccounts.settlementBank("operating", "EUR")),
      Result.getOrThrow(ChartOfAccounts.feeRevenue("EUR")),
      ...merchants.flatMap((m) => {
        const a = Result.getOrThrow(ChartOfAccounts.merchantAccounts(m, "EUR"))
        return noReserve.includes(m) ? [a.pending, a.available] : [a.pending, a.available, a.reserve]
      })
    ]
    const s = yield* ledger.executeSummary(refs.map(ChartOfAccounts.open))
    expect(s.failures).toEqual([])
  })

export const charge = (
  id: string,
  merchant: string,
  amount: string
): Effect.Effect<Payment.Payment, Payments.PaymentsError, Payments.Payments> =>
  Effect.gen(function* () {
    const p = yield* Payments.Payments
    yield* p.create({
      id,
      merchant,
      customer: "cus_1",
      paymentMethod: "pm_approve",
      amount: { amount, currency: "EUR" },
      captureMethod: "automatic",
      metadata: { method: "card", card_brand: "visa", card_region: "domestic" }
    })
    return yield* p.confirm(id)
  })

export const runAt = (
  merchant: string,
  cutoff: number
): Effect.Effect<Run.Run, Settlement.SettlementError, Settlement.Settlement> =>
  Effect.gen(function* () {
    const s = yield* Settlement.Settlement
    yield* clock.set(cutoff)
    return yield* s.run({ merchant, currency: "EUR", cutoff })
  })

/** The ledger's view of a merchant's three balances (the available one with payouts on their way taken out). */
export const ledgerBalances = (merchant: string) =>
  Effect.gen(function* () {
    const ledger = yield* Ledger.Ledger
    const b = (k: string) => ledger.balances(`merchant:${merchant}:${k}:EUR`)
    return {
      pending: (yield* b("pending")).posted.amount,
      available: (yield* b("available")).pending.amount,
      reserve: (yield* b("reserve")).posted.amount
    }
  })

export const balancesAgree = (merchant: string) =>
  Effect.gen(function* () {
    const s = yield* Settlement.Settlement
    const mine = yield* s.balances(merchant, "EUR")
    expect(mine).toEqual(yield* ledgerBalances(merchant))
    return mine
  })

/** All three stores on one `SqlClient` (a schema given, the ledger's client reused by the others). */
export const onClient = (schema: string) =>
  Layer.mergeAll(
    SettlementStorePostgres.layerClient({ schema }),
    PaymentStorePostgres.layerClient({ schema })
  ).pipe(Layer.provideMerge(LedgerStorePostgres.layerClient({ schema })))
