/**
 * `pnpm --filter @paykit/store-postgres bench:velocity`: the assessment rate of `@paykit/risk` on
 * the PostgreSQL velocity store (`VelocityStorePostgres`), through the atomic path a production
 * service takes: `Risk.assess` decodes the payment, then `VelocityStore.assess` runs one
 * transaction that takes the advisory lock of each of the payment's keys, reads their histories,
 * decides (every built-in rule set, `RuleSets.all`) and records the attempt (and its alerts, into
 * the outbox) before the locks are released.
 *
 * Rows: 1 client; 8 concurrent clients over 1,000 customers (their cards, IPs, devices and
 * e-mails), so assessments rarely share a key; and 8 clients on one card (every assessment waits
 * for that card's lock: the card-testing burst case). Each row runs `BENCH_SECONDS` (default 3)
 * per run, `BENCH_RUNS` runs (default 3) taken in turns (row 1, 2, 3, then again), so a load that
 * comes and goes touches every row alike; the table gives assessments per second per run, their
 * median and spread, the latency of one assessment (p50 and p99 over all runs), and the CPU time
 * one assessment costs (this process, and the pool's server processes when the server is local:
 * `/proc/<pid>/stat`). On a loaded machine the rate is mostly the share of the cores the bench
 * gets; the CPU per assessment is not, so it is the figure to compare across runs.
 *
 * The database: `DATABASE_URL`, else `PAYKIT_TEST_DATABASE_URL`, else
 * postgres://postgres@127.0.0.1:5432/test; embedded PGlite when none answers. A fresh schema,
 * dropped at the end.
 */
import { Ids } from "@paykit/core"
import { Attributes, Risk, RuleSet, RuleSets } from "@paykit/risk"
import { Duration, Effect, Exit, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as VelocityStorePostgres from "../src/risk/VelocityStorePostgres.ts"
import { cpuOf, nodeCpu } from "./cpu.ts"

const CLIENTS = 8
const SECONDS = Number(process.env["BENCH_SECONDS"] ?? 3)
const RUNS = Math.max(1, Number(process.env["BENCH_RUNS"] ?? 3))
const CUSTOMERS = 1_000
const url =
  process.env["DATABASE_URL"] ||
  process.env["PAYKIT_TEST_DATABASE_URL"] ||
  "postgres://postgres@127.0.0.1:5432/test"

const ruleSet = RuleSet.makeUnsafe(Attributes.standard, { rules: RuleSets.all })
const COUNTRIES = ["US", "FR", "DE", "BR", "GB"] as const

/** The n-th assessment of a client: a customer of the population (or the one hot card). */
const request = (tag: string, client: number, n: number, hotCard: boolean): Risk.AssessInput => {
  const c = (client * 7_919 + n * 104_729) % CUSTOMERS
  return {
    payment: {
      id: `${tag}:${client}:${n}`,
      amount: { amount: String(500 + ((n * 7_877) % 200_000)), currency: "USD" },
      method: "card",
      customerId: `cus_${c}`,
      cardFingerprint: hotCard ? "fp_hot" : `fp_${c}`,
      ip: `198.51.${c % 250}.${(c * 7) % 250}`,
      deviceId: `dev_${c}`,
      email: `user${c}@example.com`,
      cardCountry: COUNTRIES[c % COUNTRIES.length]!,
      ipCountry: COUNTRIES[(c + (n % 7 === 0 ? 1 : 0)) % COUNTRIES.length]!
    },
    customer: { accountAgeDays: 30 + (c % 900), avgTicketRef: "40000", usualCountries: ["US", "FR"] }
  }
}

interface Sample {
  readonly assessments: number
  readonly seconds: number
  readonly latencies: ReadonlyArray<number>
  /** CPU milliseconds this process and the pool's server processes spent (NaN when unknown). */
  readonly nodeCpuMs: number
  readonly dbCpuMs: number
}

/** `clients` fibers assess for `seconds`; the count and each call's latency. */
const drive = (
  risk: Risk.Risk["Service"],
  tag: string,
  clients: number,
  seconds: number,
  hotCard: boolean,
  backends: ReadonlyArray<number>
) =>
  Effect.gen(function* () {
    const latencies: Array<number> = []
    let assessments = 0
    const node0 = nodeCpu()
    const db0 = cpuOf(backends)
    const start = performance.now()
    const deadline = start + seconds * 1000
    yield* Effect.forEach(
      Array.from({ length: clients }, (_, c) => c),
      (c) =>
        Effect.gen(function* () {
          let n = 0
          while (performance.now() < deadline) {
            const t = performance.now()
            yield* risk.assess(request(tag, c, n++, hotCard))
            assessments++
            latencies.push(performance.now() - t)
          }
        }),
      { concurrency: "unbounded", discard: true }
    )
    return {
      assessments,
      seconds: (performance.now() - start) / 1000,
      latencies,
      nodeCpuMs: nodeCpu() - node0,
      dbCpuMs: cpuOf(backends) - db0
    } satisfies Sample
  })

const rows = [
  { name: "1 client, 1,000 customers", clients: 1, hotCard: false },
  { name: "8 clients, 1,000 customers", clients: CLIENTS, hotCard: false },
  { name: "8 clients, one card (its lock)", clients: CLIENTS, hotCard: true }
] as const

const percentile = (xs: ReadonlyArray<number>, p: number): number => {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}
const median = (xs: ReadonlyArray<number>) => percentile(xs, 50)
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "-")

/** A Markdown table, columns padded. */
const printTable = (header: ReadonlyArray<string>, lines: ReadonlyArray<ReadonlyArray<string>>) => {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const row = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
  console.log(row(header))
  console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`)
  for (const l of lines) console.log(row(l))
}

const runOn = (db: string, layer: Layer.Layer<Risk.Risk | SqlClient.SqlClient, unknown>) =>
  Effect.gen(function* () {
    const risk = yield* Risk.Risk
    const sql = yield* SqlClient.SqlClient
    // warm-up: connections opened, statements prepared, the first histories written
    yield* drive(risk, "warm", CLIENTS, Math.min(1, SECONDS / 3), false, [])
    // the pool's server processes (every connection busy at once), for their CPU time
    const backends =
      db === "PostgreSQL"
        ? [
            ...new Set(
              yield* Effect.forEach(
                Array.from({ length: CLIENTS }),
                () =>
                  Effect.map(sql<{ pid: number }>`SELECT pg_backend_pid() AS pid, pg_sleep(0.3)`, (rows) =>
                    Number(rows[0]?.pid)
                  ),
                { concurrency: "unbounded" }
              )
            )
          ]
        : []
    const samples: Array<Array<Sample>> = rows.map(() => [])
    for (let run = 0; run < RUNS; run++) {
      for (const [k, r] of rows.entries()) {
        samples[k]!.push(yield* drive(risk, `r${run}:${k}`, r.clients, SECONDS, r.hotCard, backends))
      }
    }
    return rows.map((r, k) => {
      const s = samples[k]!
      const rates = s.map((x) => x.assessments / x.seconds)
      const latencies = s.flatMap((x) => x.latencies)
      const count = s.reduce((n, x) => n + x.assessments, 0)
      const nodeMs = s.reduce((n, x) => n + x.nodeCpuMs, 0) / count
      const dbMs = s.reduce((n, x) => n + x.dbCpuMs, 0) / count
      return [
        db,
        r.name,
        rates.map((x) => fmt(x)).join(", "),
        fmt(median(rates)),
        `${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))}`,
        fmt(percentile(latencies, 50), 1),
        fmt(percentile(latencies, 99), 1),
        fmt(nodeMs, 2),
        fmt(dbMs, 2)
      ]
    })
  }).pipe(Effect.provide(layer))

const stack = (store: ReturnType<typeof VelocityStorePostgres.layer>) =>
  Risk.layer({ ruleSet }).pipe(Layer.provideMerge(store), Layer.provide(Ids.layer))

const main = Effect.gen(function* () {
  const schema = `bench_velocity_${Date.now().toString(36)}`
  const server = VelocityStorePostgres.layer({
    url,
    schema,
    maxConnections: CLIENTS,
    connectTimeout: Duration.seconds(3)
  })
  const probe = yield* Effect.exit(Effect.scoped(Layer.build(server)))
  let lines: ReadonlyArray<ReadonlyArray<string>>
  if (Exit.isSuccess(probe)) {
    console.log(
      `PostgreSQL at ${url.replace(/:[^:@/]*@/, ":***@")} (schema ${schema}), pool of ${CLIENTS}, ${SECONDS}s per row and run, ${RUNS} runs; rules: RuleSets.all (${ruleSet.rules.length})`
    )
    lines = yield* runOn("PostgreSQL", stack(server))
    yield* Effect.scoped(
      Effect.flatMap(Layer.build(server), (ctx) =>
        Effect.provide(
          Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`DROP SCHEMA "${schema}" CASCADE`)),
          ctx
        )
      )
    ).pipe(Effect.ignore)
  } else {
    console.log(
      `PostgreSQL not reachable at ${url.replace(/:[^:@/]*@/, ":***@")}: PGlite (in memory), ${SECONDS}s per row and run, ${RUNS} runs; rules: RuleSets.all (${ruleSet.rules.length})`
    )
    lines = yield* runOn("PGlite", stack(VelocityStorePostgres.layer({})))
  }
  console.log(
    "\n@paykit/risk on VelocityStorePostgres: assessments per second (read → decide → record in one transaction, locked per key)"
  )
  printTable(
    [
      "db",
      "clients",
      "assessments/s per run",
      "median",
      "spread (min–max)",
      "p50 ms",
      "p99 ms",
      "CPU ms/assessment: node",
      "server"
    ],
    lines
  )
})

Effect.runPromise(main).catch((e) => {
  console.error(e)
  process.exit(1)
})
