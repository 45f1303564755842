/**
 * A worker process for the settlement crash test (`test/settlement-crash.test.ts`). Run with
 * `node --import tsx --conditions=@paykit/source test/support/settlement-worker.ts '<json task>'`.
 * On `schema` (its own pool) it opens the books, then, until it is killed, takes card payments
 * for three merchants (captured at once), records them in settlement, runs settlement for the
 * merchant at the current time and sends its payout, printing `{"ready":true}` once open and
 * `{"acked":n}` after each round.
 */
import { Ids, Notifier } from "@paykit/core"
import { ChartOfAccounts, Ledger } from "@paykit/ledger"
import { Books, Payments } from "@paykit/payments"
import { TestProvider } from "@paykit/payments/testing"
import { Calendar, Settlement } from "@paykit/settlement"
import { TestPayoutProvider } from "@paykit/settlement/testing"
import { Effect, Layer, Result } from "effect"
import * as LedgerStorePostgres from "../../src/ledger/LedgerStorePostgres.ts"
import * as PaymentStorePostgres from "../../src/payments/PaymentStorePostgres.ts"
import * as SettlementStorePostgres from "../../src/settlement/SettlementStorePostgres.ts"

interface Task {
  readonly url: string
  readonly schema: string
  readonly worker: number
}

export const MERCHANTS = ["m_a", "m_b", "m_c"] as const

const task = JSON.parse(process.argv[2] ?? "{}") as Task
const print = (o: unknown) => Effect.sync(() => process.stdout.write(`${JSON.stringify(o)}\n`))

const stack = Settlement.layer({
  // every day a business day, T+0: what is captured is due at once
  calendar: Calendar.decodeUnsafe({ timeZone: "UTC", weekend: [] }),
  payoutBank: "operating"
}).pipe(
  Layer.provideMerge(
    Payments.layer({
      books: { _tag: "acquiring", bank: "acq", refundsFrom: "available" },
      fees: Books.percentPlusFixed({ bps: 290, fixed: { EUR: 30n } })
    })
  ),
  Layer.provideMerge(Layer.mergeAll(TestProvider.layer(), TestPayoutProvider.layer(), Ledger.layer())),
  Layer.provideMerge(
    Layer.mergeAll(
      SettlementStorePostgres.layerClient({ schema: task.schema }),
      PaymentStorePostgres.layerClient({ schema: task.schema })
    )
  ),
  Layer.provideMerge(LedgerStorePostgres.layer({ url: task.url, schema: task.schema, maxConnections: 2 })),
  Layer.provideMerge(Layer.mergeAll(Notifier.layerNoop, Ids.layer))
)

const program = Effect.gen(function* () {
  const ledger = yield* Ledger.Ledger
  const payments = yield* Payments.Payments
  const settlement = yield* Settlement.Settlement
  const refs = [
    ChartOfAccounts.settlementBank("acq", "EUR"),
    ChartOfAccounts.settlementBank("operating", "EUR"),
    ChartOfAccounts.feeRevenue("EUR"),
    ...MERCHANTS.flatMap((m) =>
      Object.values(Result.getOrThrow(ChartOfAccounts.merchantAccounts(m, "EUR"))).map(Result.succeed)
    )
  ]
  yield* ledger.executeSummary(refs.map((r) => ChartOfAccounts.open(Result.getOrThrow(r))))
  for (const m of MERCHANTS)
    yield* settlement.configure(m, "EUR", {
      schedule: { delayDays: 0, interval: { _tag: "daily" } },
      reservePlan: { bps: 1000, releaseAfterDays: 1, rounding: "half-up" }
    })
  yield* print({ ready: true })
  for (let n = 0; ; n++) {
    const merchant = MERCHANTS[n % MERCHANTS.length]!
    const id = `pay_w${task.worker}_${n}`
    yield* payments.create({
      id,
      merchant,
      paymentMethod: "pm_approve",
      amount: { amount: String(1_000 + ((n * 7919) % 50_000)), currency: "EUR" },
      captureMethod: "automatic"
    })
    yield* payments.confirm(id)
    yield* settlement.record(id)
    const run = yield* settlement.run({ merchant, currency: "EUR", cutoff: Date.now() })
    if (run.payout !== undefined) yield* settlement.sendPayout(run.payout)
    yield* print({ acked: n + 1 })
  }
}).pipe(Effect.provide(stack))

Effect.runPromise(program).catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`)
  process.exit(1)
})
