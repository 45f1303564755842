/**
 * Where a payment's time goes on PostgreSQL (not part of `pnpm bench`; run it by hand with
 * `tsx --conditions=@paykit/source bench/payments-profile.ts`): the workload of
 * `payments.bench.ts` (8 clients, create + confirm + capture with fee lines) with
 *
 * - every statement's span recorded (client-side time from sending it to its last row: the round
 *   trip, the server's work and any lock wait), grouped by statement text, per payment;
 * - the server's backends sampled every few milliseconds from another connection
 *   (`pg_stat_activity`: active, waiting for a lock, idle in transaction = waiting for the
 *   client), so the share of time a backend spends waiting on a row lock shows;
 * - the schema's transactions and the server's WAL flushes counted.
 *
 * `BENCH_SECONDS` (default 4) is the measured run.
 */
import { Currency, Ids, Notifier } from "@paykit/core"
import { ChartOfAccounts, Ledger } from "@paykit/ledger"
import { Books, Payments } from "@paykit/payments"
import { TestProvider } from "@paykit/payments/testing"
import { Effect, Fiber, Layer, Result, Tracer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Database from "../src/Database.ts"
import * as PaymentStorePostgres from "../src/payments/PaymentStorePostgres.ts"
import * as Harness from "./harness.ts"

const CLIENTS = 8
const SECONDS = Number(process.env["BENCH_SECONDS"] ?? 4)
const fees = Books.percentPlusFixed({ bps: 290, fixed: { EUR: 30n } })

interface Stat {
  n: number
  total: number
}
const statements = new Map<string, Stat>()
let recording = false
const tracer = Tracer.make({
  span(options) {
    const span = new Tracer.NativeSpan(options)
    const end = span.end.bind(span)
    span.end = (endTime, exit) => {
      end(endTime, exit)
      if (!recording) return
      const text = span.attributes.get("db.query.text")
      const key =
        typeof text === "string"
          ? text.replace(/\s+/g, " ").slice(0, 90)
          : span.name.startsWith("paykit") || span.name.startsWith("Payments")
            ? `span ${span.name}`
            : undefined
      if (key === undefined) return
      const ms = Number(endTime - span.status.startTime) / 1e6
      const s = statements.get(key) ?? { n: 0, total: 0 }
      s.n++
      s.total += ms
      statements.set(key, s)
    }
    return span
  }
})

const main = Effect.gen(function* () {
  const pg = Harness.onServer("bench_prof", CLIENTS)
  if (!(yield* pg.reachable)) return console.log(`PostgreSQL not reachable at ${Harness.url}`)
  const stack = Payments.layer({ books: { _tag: "acquiring", bank: "acq" }, fees }).pipe(
    Layer.provideMerge(TestProvider.layer()),
    Layer.provideMerge(Ledger.layer()),
    Layer.provideMerge(PaymentStorePostgres.layerClient()),
    Layer.provideMerge(pg.layer),
    Layer.provideMerge(Layer.mergeAll(Ids.layer, Notifier.layerNoop))
  )
  const sampler = yield* Layer.build(Database.layer({ url: Harness.url, maxConnections: 1 }))
  const run = Effect.gen(function* () {
    const payments = yield* Payments.Payments
    const ledger = yield* Ledger.Ledger
    const merchant = `m${Date.now().toString(36)}`
    const refs = [
      ChartOfAccounts.merchantPending(merchant, Currency.EUR),
      ChartOfAccounts.settlementBank("acq", Currency.EUR),
      ChartOfAccounts.feeRevenue(Currency.EUR)
    ].map((r) => Result.getOrThrow(r))
    yield* ledger.executeSummary(refs.map(ChartOfAccounts.open), "independent")
    const payment = (c: number, n: number) =>
      Effect.gen(function* () {
        const id = `p_${c}_${n}`
        yield* payments.create({
          id,
          merchant,
          customer: `c${c}`,
          paymentMethod: "pm_approve",
          amount: { amount: "10000", currency: "EUR" },
          captureMethod: "manual"
        })
        yield* payments.confirm(id)
        const p = yield* payments.capture(id)
        if (p.status !== "succeeded") return yield* Effect.die(new Error(`got ${p.status}`))
        return 1
      })
    yield* Harness.drive(CLIENTS, 1, (c, n) => payment(c, 1_000_000 + n))

    const probe = yield* Effect.provide(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const counters = sql<{ xact: string; wal: string }>`SELECT
            (SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database())::text AS xact,
            (SELECT wal_sync FROM pg_stat_wal)::text AS wal`
        const sample = sql<{ state: string; n: number }>`SELECT
            coalesce(state, '?') || coalesce(' / ' || wait_event_type || ':' || wait_event, '') AS state,
            count(*)::int AS n
          FROM pg_stat_activity
          WHERE application_name = '@paykit/store-postgres' AND pid <> pg_backend_pid()
            AND datname = current_database() AND query NOT LIKE '%pg_stat_activity%'
          GROUP BY 1`
        return { counters, sample }
      }),
      sampler
    )
    const states = new Map<string, number>()
    let samples = 0
    const before = (yield* Effect.provide(probe.counters, sampler))[0]!
    recording = true
    const sampling = yield* Effect.forkChild(
      Effect.forever(
        Effect.andThen(
          Effect.map(Effect.provide(probe.sample, sampler), (rows) => {
            samples++
            for (const r of rows) states.set(r.state, (states.get(r.state) ?? 0) + Number(r.n))
          }),
          Effect.sleep("3 millis")
        )
      )
    )
    const sample = yield* Harness.drive(CLIENTS, SECONDS, (c, n) => payment(c, n)).pipe(
      Effect.withTracer(tracer)
    )
    recording = false
    yield* Fiber.interrupt(sampling)
    const after = (yield* Effect.provide(probe.counters, sampler))[0]!
    const count = sample.latencies.length
    console.log(
      `${count} payments in ${sample.seconds.toFixed(1)}s = ${(count / sample.seconds).toFixed(0)}/s, 8 clients; ` +
        `p50 ${Harness.fmt(Harness.percentile(sample.latencies, 50), 1)} ms`
    )
    console.log(
      `transactions per payment (whole database): ${((Number(after.xact) - Number(before.xact)) / count).toFixed(2)}; ` +
        `WAL syncs per payment: ${((Number(after.wal) - Number(before.wal)) / count).toFixed(2)}`
    )
    console.log("")
    Harness.printTable(
      ["statement (client-side span)", "per payment", "mean ms", "ms per payment"],
      [...statements.entries()]
        .sort((a, b) => b[1].total - a[1].total)
        .map(([k, s]) => [
          k,
          (s.n / count).toFixed(2),
          (s.total / s.n).toFixed(2),
          (s.total / count).toFixed(2)
        ])
    )
    console.log("")
    const busy = [...states.values()].reduce((a, b) => a + b, 0)
    Harness.printTable(
      ["backend state (pg_stat_activity samples)", "share", "backends on average"],
      [...states.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => [k, `${((100 * n) / busy).toFixed(1)} %`, (n / samples).toFixed(2)])
    )
  })
  yield* Effect.provide(run, stack)
  yield* pg.drop
})

Effect.runPromise(Effect.scoped(main)).catch((e) => {
  console.error(e)
  process.exit(1)
})
