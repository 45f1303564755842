/**
 * `pnpm bench` (settlement, runs and reports): settlement runs and a balance summary over
 * `MERCHANTS × PER` captured payments (1,000,000 for 10,000 merchants by default) on the local
 * PostgreSQL, beside the same totals computed by one plain SQL query, in the same run.
 *
 * Seeding (not timed): every merchant's accounts opened on the ledger, its charges recorded as
 * pending balance transactions (available on one of three past days, round robin) and their net
 * credited to its pending account, so the books agree. Then three rounds, one per day: the plain
 * query sums what is due per merchant (`GROUP BY merchant, currency` over the pending
 * transactions available by the cut-off), and `Settlement.runAll` does the whole job for every
 * merchant — the due transactions made available, the ledger transfer, a payout that owns them
 * (a ledger hold), the run's and payout's records and events — checked to move the same total.
 * Last, a balance summary of the three days streamed out of the store (`Settlement.scan` pages of
 * 10,000 into `Reports.balanceSummary`) against one `GROUP BY merchant, currency,
 * reporting_category` query; the closing balances must agree. The peak resident set is reported.
 */
import { Ids, Notifier } from "@paykit/core"
import { ChartOfAccounts, type Command, Ledger } from "@paykit/ledger"
import { PaymentStore } from "@paykit/payments"
import { type BalanceTransaction, Calendar, Reports, Settlement, SettlementStore } from "@paykit/settlement"
import { Duration, Effect, Layer, Result } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as LedgerStorePostgres from "../src/ledger/LedgerStorePostgres.ts"
import * as SettlementStorePostgres from "../src/settlement/SettlementStorePostgres.ts"
import * as Harness from "./harness.ts"

const MERCHANTS = Number(process.env["BENCH_SETTLEMENT_MERCHANTS"] ?? 10_000)
const PER = Number(process.env["BENCH_SETTLEMENT_PER"] ?? 100)
const DAY = 86_400_000
const today = Math.floor(Date.now() / DAY) * DAY
const days = [today - 3 * DAY, today - 2 * DAY, today - DAY]
const isoDate = (t: number) => new Date(t).toISOString().slice(0, 10)

const schema = `bench_settle_${Date.now().toString(36)}`
const ledgerStore = LedgerStorePostgres.layer({
  url: Harness.url,
  schema,
  maxConnections: 4,
  connectTimeout: Duration.seconds(3)
})
const stack = Settlement.layer({
  calendar: Calendar.decodeUnsafe({ timeZone: "UTC" }),
  payoutBank: "operating"
}).pipe(
  Layer.provideMerge(Ledger.layer()),
  Layer.provideMerge(SettlementStorePostgres.layerClient()),
  Layer.provideMerge(PaymentStore.layerMemory),
  Layer.provideMerge(ledgerStore),
  Layer.provideMerge(Layer.mergeAll(Ids.layer, Notifier.layerNoop))
)

const merchantOf = (m: number) => `m${String(m).padStart(5, "0")}`

const seed = Effect.gen(function* () {
  const ledger = yield* Ledger.Ledger
  const store = yield* SettlementStore.SettlementStore
  const t0 = performance.now()
  const open = (refs: ReadonlyArray<Result.Result<ChartOfAccounts.AccountRef, unknown>>) =>
    refs.map((r) => ChartOfAccounts.open(Result.getOrThrow(r)))
  yield* ledger.executeSummary(
    open([
      ChartOfAccounts.settlementBank("acq", "EUR"),
      ChartOfAccounts.settlementBank("operating", "EUR"),
      ChartOfAccounts.feeRevenue("EUR")
    ])
  )
  const CHUNK = 500
  for (let from = 0; from < MERCHANTS; from += CHUNK) {
    const commands: Array<Command.Command> = []
    const created: Array<BalanceTransaction.BalanceTransaction> = []
    for (let m = from; m < Math.min(MERCHANTS, from + CHUNK); m++) {
      const merchant = merchantOf(m)
      commands.push(
        ...open(
          Object.values(Result.getOrThrow(ChartOfAccounts.merchantAccounts(merchant, "EUR"))).map(
            Result.succeed
          )
        )
      )
      let total = 0n
      for (let i = 0; i < PER; i++) {
        const gross = 1_000n + BigInt(((m * PER + i) * 7919) % 99_000)
        const fee = (gross * 29n) / 1000n + 30n
        const day = days[i % 3]!
        total += gross - fee
        created.push({
          id: `bt:${merchant}:${i}`,
          merchant,
          currency: "EUR",
          type: "charge",
          reportingCategory: "charge",
          gross,
          fee,
          feeDetails: [{ kind: "processing", label: "2.9% + 30", amount: fee }],
          net: gross - fee,
          source: `${merchant}:pay_${i}:capture:1`,
          payment: `${merchant}:pay_${i}`,
          createdAt: day - DAY,
          availableOn: day,
          status: "pending",
          dimensions: { method: "card", brand: i % 2 === 0 ? "visa" : "mastercard" },
          ledgerEntries: [`${merchant}:pay_${i}:capture:1`]
        })
      }
      commands.push({
        _tag: "Transfer",
        id: `seed:${merchant}`,
        postings: [
          {
            debit: "bank:acq:clearing:EUR",
            credit: `merchant:${merchant}:pending:EUR`,
            amount: total,
            currency: "EUR"
          }
        ]
      })
    }
    const s = yield* ledger.executeSummary(commands)
    if (s.failures.length > 0) throw new Error(`seeding the ledger failed: ${JSON.stringify(s.failures[0])}`)
    for (let i = 0; i < created.length; i += 5_000)
      yield* store.commit({ created: created.slice(i, i + 5_000), updated: [], tranches: [], events: [] })
  }
  console.log(
    `  seeded ${(MERCHANTS * PER).toLocaleString("en")} transactions for ${MERCHANTS.toLocaleString("en")} merchants in ${((performance.now() - t0) / 1000).toFixed(0)} s`
  )
})

const program = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const settlement = yield* Settlement.Settlement
  console.log(
    `\nsettlement runs and report: ${(MERCHANTS * PER).toLocaleString("en")} captured payments, ${MERCHANTS.toLocaleString("en")} merchants, PostgreSQL`
  )
  yield* seed
  const rows: Array<Array<string>> = []
  const ratios: Array<number> = []
  let runTotalMs = 0
  for (const [k, cutoff] of (process.env["BENCH_SETTLEMENT_REPORT_ONLY"] ? [] : days).entries()) {
    const t0 = performance.now()
    const due = yield* sql<{ n: string; total: string }>`
      SELECT count(*)::text AS n, coalesce(sum(s.total), 0)::text AS total FROM (
        SELECT merchant, currency, sum(net) AS total FROM paykit_settlement_transactions
        WHERE status = 'pending' AND available_on <= ${cutoff} GROUP BY merchant, currency) s`
    const sqlMs = performance.now() - t0
    const t1 = performance.now()
    const done = yield* settlement.runAll({ cutoff })
    const runMs = performance.now() - t1
    runTotalMs += runMs
    const [moved] = yield* sql<{ total: string }>`
      SELECT coalesce(sum(made_available_net), 0)::text AS total FROM paykit_settlement_runs WHERE cutoff = ${cutoff}`
    if (moved!.total !== due[0]!.total)
      throw new Error(`round ${k + 1}: runs moved ${moved!.total}, SQL sums ${due[0]!.total}`)
    ratios.push(runMs / sqlMs)
    rows.push([
      `run, day ${k + 1}`,
      String(done.runs),
      String(done.payouts),
      Harness.fmt(runMs),
      Harness.fmt(sqlMs),
      `${(runMs / sqlMs).toFixed(1)}×`
    ])
  }
  // the balance summary of the three days, streamed out of the store
  const t2 = performance.now()
  const report = Result.getOrThrow(
    Reports.balanceSummary({ from: isoDate(days[0]!), to: isoDate(today), timeZone: "UTC" })
  )
  let after: { availableOn: number; id: string } | undefined
  let read = 0
  for (;;) {
    const page = yield* settlement.scan({ limit: 10_000, ...(after === undefined ? {} : { after }) })
    for (const t of page) report.add(t)
    read += page.length
    if (page.length < 10_000) break
    const last = page[page.length - 1]!
    after = { availableOn: last.availableOn, id: last.id }
  }
  const summary = report.result()
  const reportMs = performance.now() - t2
  const t3 = performance.now()
  const [plain] = yield* sql<{ closing: string }>`
    SELECT coalesce(sum(net), 0)::text AS closing FROM paykit_settlement_transactions
    WHERE available_on >= ${days[0]!} AND available_on < ${today}`
  const plainMs = performance.now() - t3
  const closing = summary.balances.reduce((a, b) => a + b.closing, 0n)
  if (closing.toString() !== plain!.closing)
    throw new Error(`report closing ${closing}, SQL ${plain!.closing}`)
  rows.push([
    "balance summary",
    String(read),
    "-",
    Harness.fmt(reportMs),
    Harness.fmt(plainMs),
    `${(reportMs / plainMs).toFixed(1)}×`
  ])
  Harness.printTable(["step", "books / rows", "payouts", "paykit ms", "plain SQL ms", "ratio"], rows)
  const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length
  console.log(
    `  runs / plain SQL: ${mean.toFixed(1)}× (${Math.min(...ratios).toFixed(1)}–${Math.max(...ratios).toFixed(1)}×), ${(
      runTotalMs / (days.length * MERCHANTS)
    ).toFixed(2)} ms per merchant run; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`
  )
  if (!process.env["BENCH_KEEP"]) yield* sql.unsafe(`DROP SCHEMA ${schema} CASCADE`)
  else console.log(`  kept schema ${schema}`)
})

Effect.runPromise(
  Effect.flatMap(Effect.exit(Effect.scoped(Layer.build(ledgerStore))), (exit) =>
    exit._tag === "Success"
      ? Effect.provide(program, stack)
      : Effect.sync(() => console.log("settlement runs and report: PostgreSQL does not answer; skipped"))
  )
).catch((e) => {
  console.error(e)
  process.exit(1)
})
