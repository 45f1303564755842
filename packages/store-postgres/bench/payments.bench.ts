/**
 * `pnpm bench` (second part): payments end to end against the raw ledger writes they make.
 *
 * On PostgreSQL and on PGlite, 8 clients in a closed loop: each payment is created, confirmed
 * (authorised by the in-memory test provider, manual capture) and captured with fee lines
 * (acquiring books: one ledger transfer per payment, gross in from the acquirer's clearing
 * account and 2.9 % + 0.30 off to fee revenue). Beside it, in interleaved slices of the same run,
 * the raw ledger writes those payments produce: the same capture transfer, written straight to
 * the ledger (auto-committed, group commit). The ratio is the cost of a payment over the cost of
 * its ledger write (their rates' inverse ratio), per slice; the goal is at most 1.5×.
 *
 * Round trips per payment: three `exclusive` transactions (create, confirm, capture), each
 * `BEGIN`, the advisory lock, the reads, the commit statements and `COMMIT`; the capture's ledger
 * write joins the capture's transaction (the lock function and the write statement in a
 * savepoint). PostgreSQL is skipped when it does not answer.
 */
import { Currency, Ids, Notifier } from "@paykit/core"
import { ChartOfAccounts, type Command, Ledger } from "@paykit/ledger"
import { Books, Payments } from "@paykit/payments"
import { TestProvider } from "@paykit/payments/testing"
import { Effect, Layer, Result } from "effect"
import * as LedgerStorePostgres from "../src/ledger/LedgerStorePostgres.ts"
import * as PaymentStorePostgres from "../src/payments/PaymentStorePostgres.ts"
import * as Harness from "./harness.ts"

const CLIENTS = 8
const SECONDS = Number(process.env["BENCH_SECONDS"] ?? 3)
const ROUNDS = 3

const fees = Books.percentPlusFixed({ bps: 290, fixed: { EUR: 30n } })

/** Payments and the ledger on one database, the provider in memory. */
const stack = (ledgerStore: ReturnType<typeof LedgerStorePostgres.layer>) =>
  Payments.layer({ books: { _tag: "acquiring", bank: "acq" }, fees }).pipe(
    Layer.provideMerge(TestProvider.layer()),
    Layer.provideMerge(Ledger.layer()),
    Layer.provideMerge(PaymentStorePostgres.layerClient()),
    Layer.provideMerge(ledgerStore),
    Layer.provideMerge(Layer.mergeAll(Ids.layer, Notifier.layerNoop))
  )

interface Row {
  readonly db: string
  readonly mode: string
  readonly perSec: number
  readonly p50: number
  readonly p99: number
  readonly nodeCpuUs: number
  readonly serverCpuUs: number
  readonly ratios: ReadonlyArray<number>
}

let runId = 0
const scenario = (db: string) =>
  Effect.gen(function* () {
    const payments = yield* Payments.Payments
    const ledger = yield* Ledger.Ledger
    const tag = `b${Date.now().toString(36)}${runId++}`
    const merchant = `m${tag}`
    const refs = [
      ChartOfAccounts.merchantPending(merchant, Currency.EUR),
      ChartOfAccounts.settlementBank("acq", Currency.EUR),
      ChartOfAccounts.feeRevenue(Currency.EUR)
    ].map((r) => Result.getOrThrow(r))
    yield* ledger.executeSummary(refs.map(ChartOfAccounts.open), "independent")
    const amount = 10_000n
    const fee = (amount * 290n) / 10_000n + 30n
    const payment = (c: number, n: number) =>
      Effect.gen(function* () {
        const id = `${tag}_p_${c}_${n}`
        yield* payments.create({
          id,
          merchant,
          customer: `c${c}`,
          paymentMethod: "pm_approve",
          amount: { amount: `${amount}`, currency: "EUR" },
          captureMethod: "manual"
        })
        yield* payments.confirm(id)
        const p = yield* payments.capture(id)
        if (p.status !== "succeeded")
          return yield* Effect.die(new Error(`expected succeeded, got ${p.status}`))
        return 1
      })
    const raw = (c: number, n: number) =>
      Effect.gen(function* () {
        const transfer: Command.Command = {
          _tag: "Transfer",
          id: `${tag}_l_${c}_${n}`,
          postings: [
            {
              debit: "bank:acq:clearing:EUR",
              credit: `merchant:${merchant}:pending:EUR`,
              amount,
              currency: "EUR"
            },
            {
              debit: `merchant:${merchant}:pending:EUR`,
              credit: "platform:fees:EUR",
              amount: fee,
              currency: "EUR"
            }
          ]
        }
        const s = yield* ledger.executeSummary([transfer], "linked")
        if (s.failures.length > 0) return yield* Effect.die(new Error("the raw ledger write failed"))
        return 1
      })
    const sides: ReadonlyArray<{
      readonly mode: string
      readonly call: (c: number, n: number) => Effect.Effect<number, unknown>
    }> = [
      { mode: "raw ledger writes (the capture transfer, group commit)", call: raw },
      { mode: "payments: create + confirm + capture with fees", call: payment }
    ]
    const samples: Array<Array<Harness.Sample>> = sides.map(() => [])
    const counters = sides.map(() => 0)
    // warm-up: connections, prepared statements
    yield* Harness.drive(CLIENTS, Math.min(1, SECONDS / 3), (c, n) => payment(c, 1_000_000 + n))
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < sides.length; k++) {
        const offset = counters[k]!
        const sample = yield* Harness.drive(CLIENTS, SECONDS / ROUNDS, (c, n) =>
          sides[k]!.call(c, offset + n)
        )
        counters[k]! += sample.latencies.length + CLIENTS
        samples[k]!.push(sample)
      }
    }
    const rate = (s: Harness.Sample) => s.entries / s.seconds
    const rateOf = (xs: ReadonlyArray<Harness.Sample>) => Harness.summary(xs).entriesPerSec
    return sides.map(
      (side, k): Row => ({
        db,
        mode: side.mode,
        ...Harness.summary(samples[k]!),
        perSec: rateOf(samples[k]!),
        // the payment's cost over its ledger write's: the raw rate over the payments rate
        ratios: samples[k]!.map((s, r) => rate(samples[0]![r]!) / rate(s))
      })
    )
  })

const print = (rows: ReadonlyArray<Row>) =>
  Harness.printTable(
    [
      "db",
      "mode (8 clients)",
      "per s",
      "p50 ms",
      "p99 ms",
      "CPU µs: node",
      "server",
      "cost ÷ its ledger write (mean)",
      "(min–max of slices)"
    ],
    rows.map((r) => [
      r.db,
      r.mode,
      Harness.fmt(r.perSec),
      Harness.fmt(r.p50, 1),
      Harness.fmt(r.p99, 1),
      ...Harness.costCells(r)
    ])
  )

const main = Effect.gen(function* () {
  const rows: Array<Row> = []
  const pg = Harness.onServer("bench_pay", CLIENTS)
  if (yield* pg.reachable) {
    console.log(
      `PostgreSQL (schema ${pg.schema}), ${CLIENTS} clients, ${SECONDS}s per side in ${ROUNDS} slices`
    )
    rows.push(...(yield* Effect.provide(scenario("PostgreSQL"), stack(pg.layer))))
    yield* pg.drop
  } else console.log(`PostgreSQL not reachable at ${Harness.url}: PGlite only`)
  console.log(`PGlite (in memory), ${CLIENTS} clients`)
  rows.push(...(yield* Effect.provide(scenario("PGlite"), stack(LedgerStorePostgres.layer({})))))
  console.log("")
  print(rows)
})

Effect.runPromise(main).catch((e) => {
  console.error(e)
  process.exit(1)
})
