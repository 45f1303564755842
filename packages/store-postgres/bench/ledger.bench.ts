/**
 * `pnpm bench`: the ledger on PostgreSQL and on PGlite, against a hand-written SQL baseline.
 *
 * For each database: 8 concurrent clients post transfers for a fixed time, on 50 accounts and
 * on 2 hot accounts, as single entries and as batches of 100 and 1,000 (one `write` per batch).
 * The baseline is what a team would write without paykit: one transaction per transfer that
 * locks both accounts (SELECT … FOR UPDATE, in id order), checks the limit, updates both and
 * inserts the transfer. Throughput is entries per second; latency is per call (a batch is one
 * call). Each row's baseline is measured in slices interleaved with paykit's. PostgreSQL is skipped when it does not answer (DATABASE_URL, else
 * PAYKIT_TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test).
 *
 * Then, against a pgledger-style peer (`bench/pgledger.ts`: one plpgsql function per transfer,
 * one round trip, auto-committed), 8 clients on 50 accounts, single transfers: the peer, paykit's
 * group commit, and one ledger write inside the caller's own `withTransaction` per call, in
 * ROUNDS interleaved slices each; the ratio to the peer is given per slice (mean, min–max).
 */
import { Ids } from "@paykit/core"
import { type Command, LedgerStore } from "@paykit/ledger"
import { Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as LedgerStorePostgres from "../src/ledger/LedgerStorePostgres.ts"
import * as Baseline from "./baseline.ts"
import * as Harness from "./harness.ts"
import * as Pgledger from "./pgledger.ts"

const CLIENTS = 8
const SECONDS = Number(process.env["BENCH_SECONDS"] ?? 3)
const url = Harness.url

interface Row {
  db: string
  accounts: string
  mode: string
  entriesPerSec: number
  p50: number
  p99: number
  baseline?: { entriesPerSec: number; p50: number; p99: number }
}

const drive = <E, R>(seconds: number, call: (client: number, n: number) => Effect.Effect<number, E, R>) =>
  Harness.drive(CLIENTS, seconds, call)

/**
 * The baseline and paykit take turns (ROUNDS slices each, SECONDS in all per side), so a load
 * change on a shared machine hits both sides of a ratio alike.
 */
const ROUNDS = 3
const interleaved = <E1, R1, E2, R2>(
  counters: { baseline: number; paykit: number },
  baseline: (client: number, n: number) => Effect.Effect<number, E1, R1>,
  paykit: (client: number, n: number) => Effect.Effect<number, E2, R2>
) =>
  Effect.gen(function* () {
    const b: Array<Harness.Sample> = []
    const p: Array<Harness.Sample> = []
    for (let round = 0; round < ROUNDS; round++) {
      // each slice continues the numbering of the last, so no id repeats
      const offsetB = counters.baseline
      const sb = yield* drive(SECONDS / ROUNDS, (c, n) => baseline(c, offsetB + n))
      counters.baseline += sb.latencies.length + CLIENTS
      b.push(sb)
      const offsetP = counters.paykit
      const sp = yield* drive(SECONDS / ROUNDS, (c, n) => paykit(c, offsetP + n))
      counters.paykit += sp.latencies.length + CLIENTS
      p.push(sp)
    }
    return { paykit: Harness.summary(p), baseline: Harness.summary(b) }
  })

/** Every account of `names` (no overdraft) funded from `<tag>:funding`, in one write. */
const openingBooks = (tag: string, names: ReadonlyArray<string>): Array<Command.Command> => [
  ...names.map(
    (id): Command.Command => ({
      _tag: "CreateAccount",
      id,
      currency: "USD",
      code: "liability.wallet",
      normal: "credit",
      debitsMustNotExceedCredits: true
    })
  ),
  { _tag: "CreateAccount", id: `${tag}:funding`, currency: "USD", code: "asset", normal: "debit" },
  ...names.map(
    (id, i): Command.Command => ({
      _tag: "Transfer",
      id: `${tag}:open:${i}`,
      postings: [{ debit: `${tag}:funding`, credit: id, amount: 10n ** 12n, currency: "USD" }]
    })
  )
]

let runId = 0

const scenario = (db: string, accountSet: "50 accounts" | "2 hot accounts") =>
  Effect.gen(function* () {
    const store = yield* LedgerStore.LedgerStore
    const ids = yield* Ids.Ids
    const sql = yield* SqlClient.SqlClient
    const tag = `r${runId++}`
    const names =
      accountSet === "50 accounts"
        ? Array.from({ length: 50 }, (_, i) => `${tag}:acct:${i}`)
        : [`${tag}:hot:0`, `${tag}:hot:1`]
    const open = openingBooks(tag, names)
    yield* store.write({ commands: open, mode: "independent", now: Date.now(), eventIdSeed: yield* ids.next })
    yield* Baseline.setup(names, 10n ** 12n)

    const transfer = (mode: string, client: number, n: number, k: number): Command.Command => {
      const i = (client * 7919 + n * 31 + k) % names.length
      const j = (i + 1 + ((n + k) % (names.length - 1))) % names.length
      return {
        _tag: "Transfer",
        id: `${tag}:${mode}:${client}:${n}:${k}`,
        postings: [{ debit: names[i]!, credit: names[j]!, amount: 1n, currency: "USD" }]
      }
    }

    const rows: Array<Row> = []
    const counters = { baseline: 0, paykit: 0 }
    const baseline = (client: number, n: number) => {
      const i = (client * 7919 + n * 31) % names.length
      const j = (i + 1 + (n % (names.length - 1))) % names.length
      return Effect.as(
        Baseline.transfer(`${tag}:b:${client}:${n}`, names[i]!, names[j]!, 1n).pipe(
          Effect.provideService(SqlClient.SqlClient, sql)
        ),
        1
      )
    }
    for (const [mode, size] of [
      ["single", 1],
      ["batch 100", 100],
      ["batch 1000", 1000]
    ] as const) {
      const r = yield* interleaved(counters, baseline, (client, n) =>
        Effect.gen(function* () {
          const commands = Array.from({ length: size }, (_, k) => transfer(`m${size}`, client, n, k))
          const out = yield* store.write({
            commands,
            mode: "independent",
            now: Date.now(),
            eventIdSeed: yield* ids.next
          })
          // every transfer is new and within limits: all of them must be created
          if (out.entriesCreated.length !== size)
            return yield* Effect.die(new Error(`expected ${size} entries, got ${out.entriesCreated.length}`))
          return size
        })
      )
      rows.push({ db, accounts: accountSet, mode, ...r.paykit, baseline: r.baseline })
    }
    return rows
  })

interface PeerRow {
  db: string
  mode: string
  roundTrips: string
  entriesPerSec: number
  p50: number
  p99: number
  nodeCpuUs: number
  serverCpuUs: number
  ratios: ReadonlyArray<number>
}

/** The peer and paykit's two single-entry paths, slices interleaved; ratios per slice. */
const peerScenario = (db: string) =>
  Effect.gen(function* () {
    const store = yield* LedgerStore.LedgerStore
    const ids = yield* Ids.Ids
    const sql = yield* SqlClient.SqlClient
    const tag = `p${runId++}`
    const names = Array.from({ length: 50 }, (_, i) => `${tag}:acct:${i}`)
    const open = openingBooks(tag, names)
    yield* store.write({ commands: open, mode: "independent", now: Date.now(), eventIdSeed: yield* ids.next })
    yield* Pgledger.setup(names, 10n ** 12n)
    const pair = (client: number, n: number) => {
      const i = (client * 7919 + n * 31) % names.length
      const j = (i + 1 + (n % (names.length - 1))) % names.length
      return [names[i]!, names[j]!] as const
    }
    const paykitWrite = (mode: string, client: number, n: number) =>
      Effect.gen(function* () {
        const [debit, credit] = pair(client, n)
        const out = yield* store.write({
          commands: [
            {
              _tag: "Transfer",
              id: `${tag}:${mode}:${client}:${n}`,
              postings: [{ debit, credit, amount: 1n, currency: "USD" }]
            }
          ],
          mode: "independent",
          now: Date.now(),
          eventIdSeed: yield* ids.next
        })
        if (out.entriesCreated.length !== 1) return yield* Effect.die(new Error("expected 1 entry"))
        return 1
      })
    const sides: ReadonlyArray<{
      mode: string
      roundTrips: string
      call: (client: number, n: number) => Effect.Effect<number, unknown>
    }> = [
      {
        mode: "pgledger-style peer: 1 function call",
        roundTrips: "1",
        call: (client, n) => {
          const [from, to] = pair(client, n)
          return Effect.as(
            Pgledger.transfer(`${tag}:pgl:${client}:${n}`, from, to, 1n).pipe(
              Effect.provideService(SqlClient.SqlClient, sql)
            ),
            1
          )
        }
      },
      {
        mode: "paykit single, group commit",
        roundTrips: "4 per group",
        call: (c, n) => paykitWrite("g", c, n)
      },
      {
        mode: "paykit single, in the caller's transaction",
        roundTrips: "2 + BEGIN/COMMIT",
        call: (c, n) => sql.withTransaction(paykitWrite("t", c, n))
      }
    ]
    const counters = sides.map(() => 0)
    const samples: Array<Array<Harness.Sample>> = sides.map(() => [])
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < sides.length; k++) {
        const offset = counters[k]!
        const sample = yield* drive(SECONDS / ROUNDS, (c, n) => sides[k]!.call(c, offset + n))
        counters[k]! += sample.latencies.length + CLIENTS
        samples[k]!.push(sample)
      }
    }
    const rate = (s: Harness.Sample) => s.entries / s.seconds
    return sides.map(
      (side, k): PeerRow => ({
        db,
        mode: side.mode,
        roundTrips: side.roundTrips,
        ...Harness.summary(samples[k]!),
        ratios: samples[k]!.map((s, r) => rate(s) / rate(samples[0]![r]!))
      })
    )
  })

const printPeer = (rows: ReadonlyArray<PeerRow>) => {
  const header = [
    "db",
    "mode (50 accounts, single)",
    "round trips/write",
    "entries/s",
    "p50 ms",
    "p99 ms",
    "CPU µs/write: node",
    "server",
    "÷ peer (mean)",
    "÷ peer (min–max of slices)"
  ]
  const lines = rows.map((r) => [
    r.db,
    r.mode,
    r.roundTrips,
    Harness.fmt(r.entriesPerSec),
    Harness.fmt(r.p50, 1),
    Harness.fmt(r.p99, 1),
    ...Harness.costCells(r)
  ])
  Harness.printTable(header, lines)
}

const print = (rows: ReadonlyArray<Row>) => {
  const header = [
    "db",
    "accounts",
    "mode",
    "paykit entries/s",
    "p50 ms",
    "p99 ms",
    "baseline entries/s",
    "baseline p50",
    "baseline p99",
    "ratio"
  ]
  const lines = rows.map((r) => [
    r.db,
    r.accounts,
    r.mode,
    Harness.fmt(r.entriesPerSec),
    Harness.fmt(r.p50, 1),
    Harness.fmt(r.p99, 1),
    Harness.fmt(r.baseline?.entriesPerSec ?? Number.NaN),
    Harness.fmt(r.baseline?.p50 ?? Number.NaN, 1),
    Harness.fmt(r.baseline?.p99 ?? Number.NaN, 1),
    r.baseline ? `${(r.entriesPerSec / r.baseline.entriesPerSec).toFixed(1)}×` : "-"
  ])
  Harness.printTable(header, lines)
}

const runOn = (db: string, layer: Layer.Layer<LedgerStore.LedgerStore | SqlClient.SqlClient, unknown>) =>
  Effect.gen(function* () {
    // BENCH_ONLY=peer: only the comparison with the pgledger-style peer
    const only = process.env["BENCH_ONLY"] === "peer"
    const a = only ? [] : yield* scenario(db, "50 accounts")
    const b = only ? [] : yield* scenario(db, "2 hot accounts")
    const peer = yield* peerScenario(db)
    return { rows: [...a, ...b], peer }
  }).pipe(Effect.provide(Layer.merge(layer, Ids.layer)))

const main = Effect.gen(function* () {
  const rows: Array<Row> = []
  const peer: Array<PeerRow> = []
  const pg = Harness.onServer("bench", CLIENTS)
  const { schema, layer: server } = pg
  if (yield* pg.reachable) {
    console.log(
      `PostgreSQL at ${url.replace(/:[^:@/]*@/, ":***@")} (schema ${schema}), ${CLIENTS} clients, ${SECONDS}s per cell`
    )
    const out = yield* runOn("PostgreSQL", server)
    rows.push(...out.rows)
    peer.push(...out.peer)
    yield* pg.drop
  } else {
    console.log(`PostgreSQL not reachable at ${url}: running PGlite only`)
  }
  console.log(`PGlite (in memory), ${CLIENTS} clients, ${SECONDS}s per cell`)
  const embedded = yield* runOn("PGlite", LedgerStorePostgres.layer({}))
  rows.push(...embedded.rows)
  peer.push(...embedded.peer)
  console.log("")
  print(rows)
  console.log("")
  printPeer(peer)
})

Effect.runPromise(main).catch((e) => {
  console.error(e)
  process.exit(1)
})
