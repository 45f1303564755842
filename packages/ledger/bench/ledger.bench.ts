/**
 * In-memory ledger throughput: entries per second for single posts and for batches of 1,000,
 * on 10,000 accounts with uniform picks and on 2 hot accounts, through every public batch path
 * (`post`, `executeResults` with JSON and with typed commands, `executeSummary`). The peer is a naive hand-written
 * double-entry implementation (plain objects, per-entry validation, no idempotency hash, no
 * history, no events). Every row runs in a fresh child process, three times (interleaved with
 * three runs of the peer), and prints the median and the spread of the ratio. Run with
 * `pnpm bench`.
 *
 * `pnpm --filter @paykit/ledger bench scale [transfers] [runs]` runs the long-haul mode instead:
 * ten million (or `transfers`) plain transfers through `executeSummary` in batches of 1,000
 * with events in the outbox, in one process per run (three runs by default, one to two minutes
 * in all; up to 8 GB of heap), and prints the rate of every successive million and the last million's rate over the
 * first's (a store whose cost grows with its size shows there).
 */
import { execFileSync } from "node:child_process"
import { PerformanceObserver } from "node:perf_hooks"
import { Ids, Notifier } from "@paykit/core"
import { type Command, Ledger, LedgerStore } from "@paykit/ledger"
import { Effect, Layer, ManagedRuntime } from "effect"

const ACCOUNTS = 10_000
const BATCH = 1_000
const SEED = "01J00000000000000000000000"

// ---------------------------------------------------------------------------------------------
// the peer: naive double entry

interface NaiveAccount {
  readonly currency: string
  debits: bigint
  credits: bigint
}
class NaiveLedger {
  readonly accounts = new Map<string, NaiveAccount>()
  readonly entries = new Map<string, { postings: ReadonlyArray<Posting> }>()
  open(id: string, currency: string) {
    this.accounts.set(id, { currency, debits: 0n, credits: 0n })
  }
  post(id: string, postings: ReadonlyArray<Posting>): boolean {
    if (this.entries.has(id)) return false
    for (const p of postings) {
      if (typeof p.amount !== "bigint" || p.amount <= 0n || p.debit === p.credit) return false
      const d = this.accounts.get(p.debit)
      const c = this.accounts.get(p.credit)
      if (!d || !c || d.currency !== p.currency || c.currency !== p.currency) return false
    }
    for (const p of postings) {
      this.accounts.get(p.debit)!.debits += p.amount
      this.accounts.get(p.credit)!.credits += p.amount
    }
    this.entries.set(id, { postings })
    return true
  }
}

interface Posting {
  readonly debit: string
  readonly credit: string
  readonly amount: bigint
  readonly currency: string
}

// ---------------------------------------------------------------------------------------------
// workloads

let seed = 42
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
  return seed / 2_147_483_648
}
const accountId = (i: number) => `acc${i}`

const makePostings = (n: number, hot: boolean): Array<Posting> => {
  const out = new Array<Posting>(n)
  for (let i = 0; i < n; i++) {
    if (hot) {
      out[i] =
        i % 2 === 0
          ? { debit: accountId(0), credit: accountId(1), amount: 1n + BigInt(i % 100), currency: "USD" }
          : { debit: accountId(1), credit: accountId(0), amount: 1n + BigInt(i % 100), currency: "USD" }
    } else {
      const a = Math.floor(random() * ACCOUNTS)
      let b = Math.floor(random() * ACCOUNTS)
      if (b === a) b = (a + 1) % ACCOUNTS
      out[i] = { debit: accountId(a), credit: accountId(b), amount: 1n + BigInt(i % 1000), currency: "USD" }
    }
  }
  return out
}

const freshLedger = async (events: "notify" | "outbox" = "notify") => {
  const runtime = ManagedRuntime.make(
    Ledger.layer().pipe(
      Layer.provideMerge(LedgerStore.layerMemoryWith({ events: events === "notify" ? "deliver" : "keep" })),
      Layer.provide([Notifier.layerNoop, Ids.layer])
    )
  )
  const ledger = await runtime.runPromise(Effect.service(Ledger.Ledger))
  const open: Array<Command.Command> = []
  for (let i = 0; i < ACCOUNTS; i++)
    open.push({ _tag: "CreateAccount", id: accountId(i), currency: "USD", code: "bench", normal: "debit" })
  await runtime.runPromise(ledger.executeResults(open))
  return { runtime, ledger }
}

interface Row {
  readonly scenario: string
  readonly entries: number
  readonly seconds: number
  readonly peer?: number
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US")

const time = async (f: () => Promise<void> | void): Promise<number> => {
  const t0 = performance.now()
  await f()
  return (performance.now() - t0) / 1000
}

const benchSingle = async (hot: boolean, n: number): Promise<Row> => {
  const { runtime, ledger } = await freshLedger()
  const postings = makePostings(n, hot)
  const inputs = postings.map((p, i) => ({
    id: `s${i}`,
    postings: [{ debit: p.debit, credit: p.credit, amount: p.amount.toString(), currency: p.currency }]
  }))
  // warm up on other ids
  for (let i = 0; i < 200; i++) await runtime.runPromise(ledger.post({ ...inputs[i]!, id: `w${i}` }))
  const seconds = await time(async () => {
    for (let i = 0; i < n; i++) await runtime.runPromise(ledger.post(inputs[i]!))
  })
  await runtime.dispose()
  return {
    scenario: `single post (schema-decoded, one write each), ${hot ? "2 hot accounts" : "10k accounts uniform"}`,
    entries: n,
    seconds
  }
}

const benchBatches = async (hot: boolean, batches: number, typed: boolean): Promise<Row> => {
  const { runtime, ledger } = await freshLedger()
  const postings = makePostings(batches * BATCH, hot)
  const prepared: Array<ReadonlyArray<Command.Input>> = []
  for (let b = 0; b < batches; b++) {
    const slice = postings.slice(b * BATCH, (b + 1) * BATCH)
    prepared.push(
      typed
        ? slice.map((p, i): Command.Command => ({ _tag: "Transfer", id: `b${b}_${i}`, postings: [p] }))
        : slice.map(
            (p, i): Command.Input => ({
              _tag: "Transfer",
              id: `b${b}_${i}`,
              postings: [
                { debit: p.debit, credit: p.credit, amount: p.amount.toString(), currency: p.currency }
              ]
            })
          )
    )
  }
  const runOne = (x: ReadonlyArray<Command.Input>) => runtime.runPromise(ledger.executeResults(x))
  // warm up
  await runOne(prepared[0]!.map((c) => ({ ...c, id: `w${(c as { id: string }).id}` }) as Command.Input))
  const seconds = await time(async () => {
    for (const x of prepared) {
      const results = await runOne(x)
      if (results.length !== BATCH) throw new Error("unexpected result count")
    }
  })
  await runtime.dispose()
  return {
    scenario: `batches of 1,000 (executeResults, ${typed ? "typed commands" : "JSON commands, each decoded"}), ${hot ? "2 hot accounts" : "10k accounts uniform"}`,
    entries: batches * BATCH,
    seconds
  }
}

/** `batches` batches of 1,000 single-posting transfers as typed commands, ids `b<batch>_<i>`. */
const typedBatches = (batches: number, hot: boolean): Array<Array<Command.Command>> => {
  const postings = makePostings(batches * BATCH, hot)
  const prepared: Array<Array<Command.Command>> = []
  for (let b = 0; b < batches; b++)
    prepared.push(
      postings
        .slice(b * BATCH, (b + 1) * BATCH)
        .map((p, i): Command.Command => ({ _tag: "Transfer", id: `b${b}_${i}`, postings: [p] }))
    )
  return prepared
}

/**
 * `Ledger.executeSummary`: the same batches, replying with counts and failures only; plain
 * transfers are decided on the memory store's columns. `notify`: the memory store hands every
 * write's events to the Notifier (built for it, the default); `outbox`: the store keeps them
 * (`LedgerStore.layerMemoryWith({ events: "keep" })`), built only when read.
 */
const benchSummary = async (hot: boolean, batches: number, events: "notify" | "outbox"): Promise<Row> => {
  const { runtime, ledger } = await freshLedger(events)
  const prepared = typedBatches(batches, hot)
  await runtime.runPromise(
    ledger.executeSummary(prepared[0]!.map((c) => ({ ...c, id: `w${(c as { id: string }).id}` })))
  )
  const seconds = await time(async () => {
    for (const x of prepared) {
      const summary = await runtime.runPromise(ledger.executeSummary(x))
      if (summary.applied !== BATCH)
        throw new Error(`unexpected summary ${JSON.stringify(summary.failures[0])}`)
    }
  })
  // the books took every posting: the two sides of the ledger agree
  const a = await runtime.runPromise(ledger.getAccount(accountId(0)))
  if (a.version === 0) throw new Error("nothing was posted")
  await runtime.dispose()
  return {
    scenario: `batches of 1,000 (executeSummary, events ${events === "notify" ? "to the Notifier" : "in the outbox"}), ${hot ? "2 hot accounts" : "10k accounts uniform"}`,
    entries: batches * BATCH,
    seconds
  }
}

/** One million of the long-haul run: its seconds, the time its garbage collections took, the heap after it. */
interface Million {
  readonly seconds: number
  readonly gcSeconds: number
  /** Processor time of the whole process (every thread: the collector's helpers too). */
  readonly cpuSeconds: number
  readonly heapMB: number
  readonly externalMB: number
}

interface Scale {
  readonly millions: ReadonlyArray<Million>
  /** The heap in use after the run and a full collection (the books are still alive). */
  readonly retainedMB: number
}

/**
 * The long-haul run: `transfers` plain transfers (10k accounts, uniform) through
 * `executeSummary` in batches of 1,000, events in the outbox, timed per million. Each batch's
 * commands are built just before its write from a pool of 100,000 postings, with fresh ids
 * (`b<batch>_<i>`), as a client would send them: nothing but the store keeps them.
 */
const benchScale = async (transfers: number): Promise<Scale> => {
  const { runtime, ledger } = await freshLedger("outbox")
  const pool = makePostings(100 * BATCH, false)
  const batches = Math.ceil(transfers / BATCH)
  const out: Array<Million> = []
  // the pauses of the collector (on the main thread), summed per million
  let gc = 0
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gc += e.duration
  })
  observer.observe({ entryTypes: ["gc"] })
  let t0 = performance.now()
  let cpu0 = process.cpuUsage()
  for (let b = 0; b < batches; b++) {
    const commands = new Array<Command.Command>(BATCH)
    const from = (b % 100) * BATCH
    for (let i = 0; i < BATCH; i++)
      commands[i] = { _tag: "Transfer", id: `b${b}_${i}`, postings: [pool[from + i]!] }
    const summary = await runtime.runPromise(ledger.executeSummary(commands))
    if (summary.applied !== BATCH)
      throw new Error(`unexpected summary ${JSON.stringify(summary.failures[0])}`)
    if (((b + 1) * BATCH) % 1_000_000 === 0 || b === batches - 1) {
      const seconds = (performance.now() - t0) / 1000
      const cpu = process.cpuUsage(cpu0)
      const m = process.memoryUsage()
      await new Promise((resolve) => setImmediate(resolve)) // the observer's entries arrive in a later task
      out.push({
        seconds,
        gcSeconds: gc / 1000,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        heapMB: m.heapUsed / 2 ** 20,
        externalMB: m.external / 2 ** 20
      })
      process.stderr.write(
        `  ${fmt((b + 1) * BATCH)} transfers (${seconds.toFixed(2)} s for the last million)\n`
      )
      gc = 0
      t0 = performance.now()
      cpu0 = process.cpuUsage()
    }
  }
  observer.disconnect()
  // the books kept what they took: the first and the last entry read back
  for (const id of ["b0_0", `b${batches - 1}_${BATCH - 1}`]) {
    const entry = await runtime.runPromise(ledger.getEntry(id))
    if (entry.id !== id || entry.postings.length !== 1) throw new Error(`entry ${id} did not read back`)
  }
  // what the books keep on the heap, once the garbage is gone (the child runs with --expose-gc)
  ;(globalThis as { gc?: () => void }).gc?.()
  const retainedMB = process.memoryUsage().heapUsed / 2 ** 20
  await runtime.dispose()
  return { millions: out, retainedMB }
}

/** The pure decision function plus the memory store's persist, without the `Ledger` service. */
const benchStoreWrite = (hot: boolean, batches: number): Row => {
  const store = Effect.runSync(LedgerStore.makeMemory.pipe(Effect.provide(Notifier.layerNoop)))
  const write = (commands: ReadonlyArray<Command.Command>) =>
    Effect.runSync(store.write({ commands, mode: "independent", now: Date.now(), eventIdSeed: SEED }))
  const open: Array<Command.Command> = []
  for (let i = 0; i < ACCOUNTS; i++)
    open.push({ _tag: "CreateAccount", id: accountId(i), currency: "USD", code: "bench", normal: "debit" })
  write(open)
  const prepared = typedBatches(batches, hot)
  write(prepared[0]!.map((c) => ({ ...c, id: `w${(c as { id: string }).id}` })))
  const t0 = performance.now()
  for (const x of prepared) {
    if (write(x).results.length !== BATCH) throw new Error("unexpected result count")
  }
  return {
    scenario: `batches of 1,000, core only (LedgerStore.write, no service/runtime), ${hot ? "2 hot accounts" : "10k accounts uniform"}`,
    entries: batches * BATCH,
    seconds: (performance.now() - t0) / 1000
  }
}

const benchNaive = (hot: boolean, n: number): number => {
  const naive = new NaiveLedger()
  for (let i = 0; i < ACCOUNTS; i++) naive.open(accountId(i), "USD")
  const postings = makePostings(n, hot)
  const t0 = performance.now()
  for (let i = 0; i < n; i++) naive.post(`n${i}`, [postings[i]!])
  return n / ((performance.now() - t0) / 1000)
}

/** One scenario, run in this process (a child of `main`). */
const scenario = async (name: string, hot: boolean): Promise<Row> => {
  switch (name) {
    case "single":
      return benchSingle(hot, 20_000)
    case "schema":
      return benchBatches(hot, 300, false)
    case "typed":
      return benchBatches(hot, 300, true)
    case "core":
      return benchStoreWrite(hot, 300)
    case "summary":
      return benchSummary(hot, 1_000, "notify")
    case "summary-outbox":
      return benchSummary(hot, 1_000, "outbox")
    default:
      return { scenario: "naive", entries: 1_000_000, seconds: 1_000_000 / benchNaive(hot, 1_000_000) }
  }
}

/** Runs this file in a fresh process with `args` (and `node` flags `flags`), returning its JSON. */
const inChild = <A>(args: ReadonlyArray<string>, flags: ReadonlyArray<string> = []): A =>
  JSON.parse(
    execFileSync(process.execPath, [...flags, ...process.execArgv, process.argv[1]!, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"]
    })
  )

/** Prints a Markdown table with columns padded to their widest cell. */
const printTable = (header: ReadonlyArray<string>, lines: ReadonlyArray<ReadonlyArray<string>>): void => {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const row = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
  console.log(row(header))
  console.log(row(widths.map((w) => "-".repeat(w))))
  for (const l of lines) console.log(row(l))
}

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

const SCENARIOS = ["single", "schema", "typed", "core", "summary", "summary-outbox"]
/** Runs per cell: each run measures the peer and then every scenario, each in its own process. */
const RUNS = 3

/** One cell of the table: a scenario's rate in each run and the peer's rate in the same run. */
interface Cell {
  readonly scenario: string
  readonly entries: number
  readonly rates: Array<number>
  readonly peers: Array<number>
}

const main = async () => {
  const cells: Array<Cell> = []
  for (const hot of [false, true]) {
    const own: Array<Cell> = []
    for (let run = 0; run < RUNS; run++) {
      const naive = inChild<Row>(["naive", hot ? "hot" : "uniform"])
      const peer = naive.entries / naive.seconds
      SCENARIOS.forEach((name, i) => {
        const r = inChild<Row>([name, hot ? "hot" : "uniform"])
        own[i] ??= { scenario: r.scenario, entries: r.entries, rates: [], peers: [] }
        own[i].rates.push(r.entries / r.seconds)
        own[i].peers.push(peer)
      })
    }
    cells.push(...own)
  }
  console.log(
    `@paykit/ledger in-memory benchmark (Node ${process.version}, ${ACCOUNTS.toLocaleString("en-US")} accounts, 1 posting per entry, ${RUNS} runs per cell: medians, ratio spread min-max)\n`
  )
  printTable(
    [
      "scenario",
      "entries",
      "entries/s (= postings/s)",
      "naive peer entries/s",
      "ratio (paykit / peer)",
      "ratio min-max"
    ],
    cells.map((c) => {
      const ratios = c.rates.map((r, i) => r / c.peers[i]!)
      return [
        c.scenario,
        fmt(c.entries),
        fmt(median(c.rates)),
        fmt(median(c.peers)),
        median(ratios).toFixed(2),
        `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`
      ]
    })
  )
  const GOAL = 1_000_000
  for (const c of cells.filter((x) => x.scenario.includes("executeSummary"))) {
    const rate = median(c.rates)
    console.log(
      `${rate >= GOAL ? "goal met" : "goal NOT met"}: ${fmt(rate)} postings/s (median; ${fmt(Math.min(...c.rates))}-${fmt(Math.max(...c.rates))}; goal ${fmt(GOAL)}) - ${c.scenario}`
    )
  }
  console.log(
    "\nEach ratio divides a run's rate by the peer's rate in the same run (the peer runs first in each run); the spread is over the runs.\nThe peer validates and applies plain objects with no idempotency hash, no history lines, no events, no holds and no atomic multi-entry batches.\nThe core-only rows call LedgerStore.write directly, bypassing the Ledger service and the Effect runtime: not the public path, shown to separate the two costs.\nThe executeSummary rows are the public throughput path: the reply is counts and failures (no record per success) and the memory store decides plain transfers on its columns; with events to the Notifier (the memory store's default) every event object is built for it, with events kept in the store's outbox (LedgerStore.layerMemoryWith with events keep) they are built when read."
  )
}

/**
 * The long-haul mode: `runs` runs, each in its own child process (with room for the books in
 * its heap), one table of medians per million. The machine is shared, so one run's millions
 * can differ by a factor of two from load alone: the spread and the processor time per million
 * (the collector's threads included) show how much of a change is the store's.
 */
const mainScale = (transfers: number, runs: number) => {
  console.log(
    `@paykit/ledger in-memory long haul (Node ${process.version}): ${fmt(transfers)} plain transfers, executeSummary, batches of 1,000, events in the outbox, ${ACCOUNTS.toLocaleString("en-US")} accounts uniform; ${runs} runs, medians and min-max\n`
  )
  const all: Array<Scale> = []
  for (let r = 0; r < runs; r++)
    all.push(inChild<Scale>(["scale-run", String(transfers)], ["--max-old-space-size=8192", "--expose-gc"]))
  const count = (i: number) => Math.min(1e6, transfers - i * 1e6)
  const span = (xs: ReadonlyArray<number>, f: (x: number) => string) =>
    `${f(Math.min(...xs))}-${f(Math.max(...xs))}`
  const per = (i: number, f: (m: Million) => number) => all.map((s) => f(s.millions[i]!))
  printTable(
    ["million", "transfers/s", "min-max", "CPU s", "GC pauses s", "heap used MB", "off-heap MB"],
    all[0]!.millions.map((_, i) => {
      const rates = per(i, (m) => count(i) / m.seconds)
      return [
        String(i + 1),
        fmt(median(rates)),
        span(rates, fmt),
        median(per(i, (m) => m.cpuSeconds)).toFixed(2),
        median(per(i, (m) => m.gcSeconds)).toFixed(2),
        fmt(median(per(i, (m) => m.heapMB))),
        fmt(median(per(i, (m) => m.externalMB)))
      ]
    })
  )
  const n = all[0]!.millions.length
  const ratio = (f: (m: Million, i: number) => number) =>
    all.map((s) => f(s.millions[n - 1]!, n - 1) / f(s.millions[0]!, 0))
  const wall = ratio((m, i) => count(i) / m.seconds)
  const cpu = ratio((m, i) => count(i) / m.cpuSeconds)
  const total = all.map((s) => transfers / s.millions.reduce((t, m) => t + m.seconds, 0))
  console.log(
    `\nlast / first million: ${median(wall).toFixed(2)} (runs ${wall.map((x) => x.toFixed(2)).join(", ")}); per processor second ${median(cpu).toFixed(2)} (${cpu.map((x) => x.toFixed(2)).join(", ")})`
  )
  console.log(
    `overall ${fmt(median(total))} transfers/s (${span(total, fmt)}); heap kept by the books after a full collection ${fmt(median(all.map((s) => s.retainedMB)))} MB`
  )
}

const [name, arg] = process.argv.slice(2)
const done = (value: unknown) => {
  process.stdout.write(JSON.stringify(value))
  process.exit(0)
}
;(name === undefined
  ? main()
  : name === "scale"
    ? Promise.resolve(mainScale(arg === undefined ? 10_000_000 : Number(arg), Number(process.argv[4] ?? 3)))
    : name === "scale-run"
      ? benchScale(Number(arg)).then(done)
      : scenario(name, arg === "hot").then(done)
).catch((e) => {
  console.error(e)
  process.exit(1)
})
