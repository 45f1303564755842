/**
 * In-memory ledger throughput: entries per second for single posts and for batches of 1,000,
 * on 10,000 accounts with uniform picks and on 2 hot accounts, through every public batch path
 * (`post`, `postBatch`, `executeTyped`, `executeSummary`). The peer is a naive hand-written
 * double-entry implementation (plain objects, per-entry validation, no idempotency hash, no
 * history, no events). Every row runs in a fresh child process. Run with `pnpm bench`.
 */
import { execFileSync } from "node:child_process"
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
    Ledger.layer({ events }).pipe(
      Layer.provideMerge(LedgerStore.layerMemory),
      Layer.provide([Notifier.layerNoop, Ids.layer])
    )
  )
  const ledger = await runtime.runPromise(Effect.service(Ledger.Ledger))
  const open: Array<Command.Command> = []
  for (let i = 0; i < ACCOUNTS; i++)
    open.push({ _tag: "CreateAccount", id: accountId(i), currency: "USD", code: "bench", normal: "debit" })
  await runtime.runPromise(ledger.executeTyped(open))
  return { runtime, ledger }
}

interface Row {
  readonly scenario: string
  readonly entries: number
  readonly seconds: number
  readonly peer?: number
}

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
  const prepared: Array<unknown> = []
  for (let b = 0; b < batches; b++) {
    const slice = postings.slice(b * BATCH, (b + 1) * BATCH)
    prepared.push(
      typed
        ? slice.map((p, i): Command.Command => ({ _tag: "Transfer", id: `b${b}_${i}`, postings: [p] }))
        : {
            entries: slice.map((p, i) => ({
              id: `b${b}_${i}`,
              postings: [
                { debit: p.debit, credit: p.credit, amount: p.amount.toString(), currency: p.currency }
              ]
            }))
          }
    )
  }
  const runOne = (x: unknown) =>
    typed
      ? runtime.runPromise(ledger.executeTyped(x as ReadonlyArray<Command.Command>))
      : runtime.runPromise(ledger.postBatch(x))
  // warm up
  await runOne(
    typed
      ? (prepared[0] as Array<Command.Command>).map((c) => ({ ...c, id: `w${(c as { id: string }).id}` }))
      : {
          entries: (prepared[0] as { entries: Array<{ id: string }> }).entries.map((e) => ({
            ...e,
            id: `w${e.id}`
          }))
        }
  )
  const seconds = await time(async () => {
    for (const x of prepared) {
      const results = await runOne(x)
      if (results.length !== BATCH) throw new Error("unexpected result count")
    }
  })
  await runtime.dispose()
  return {
    scenario: `batches of 1,000 (${typed ? "typed fast path" : "one schema per batch"}), ${hot ? "2 hot accounts" : "10k accounts uniform"}`,
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
 * transfers are decided on the memory store's columns. `notify` hands every event to the
 * Notifier (built for it); `outbox` leaves them in the store's outbox for a relay.
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

/** The pure decision function plus the memory store's persist, without the `Ledger` service. */
const benchStoreWrite = (hot: boolean, batches: number): Row => {
  const store = Effect.runSync(LedgerStore.makeMemory)
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

const fmt = (n: number) => Math.round(n).toLocaleString("en-US")

/** One scenario, run in this process (a child of `main`): prints its row as JSON. */
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

/** Every scenario runs in a fresh process, so none pays for the garbage of the one before. */
const inChild = (name: string, hot: boolean): Row =>
  JSON.parse(
    execFileSync(process.execPath, [...process.execArgv, process.argv[1]!, name, hot ? "hot" : "uniform"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"]
    })
  )

const main = async () => {
  const rows: Array<Row> = []
  for (const hot of [false, true]) {
    const naive = inChild("naive", hot)
    const peer = naive.entries / naive.seconds
    for (const name of ["single", "schema", "typed", "core", "summary", "summary-outbox"])
      rows.push({ ...inChild(name, hot), peer })
  }
  const header = [
    "scenario",
    "entries",
    "entries/s (= postings/s)",
    "naive peer entries/s",
    "ratio (paykit / peer)"
  ]
  const lines = rows.map((r) => {
    const rate = r.entries / r.seconds
    return [
      r.scenario,
      fmt(r.entries),
      fmt(rate),
      r.peer === undefined ? "-" : fmt(r.peer),
      r.peer === undefined ? "-" : (rate / r.peer).toFixed(2)
    ]
  })
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const row = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
  console.log(
    `@paykit/ledger in-memory benchmark (Node ${process.version}, ${ACCOUNTS.toLocaleString("en-US")} accounts, 1 posting per entry)\n`
  )
  console.log(row(header))
  console.log(row(widths.map((w) => "-".repeat(w))))
  for (const l of lines) console.log(row(l))
  const GOAL = 1_000_000
  for (const r of rows.filter((x) => x.scenario.includes("executeSummary"))) {
    const rate = r.entries / r.seconds
    console.log(
      `${rate >= GOAL ? "goal met" : "goal NOT met"}: ${fmt(rate)} postings/s (goal ${fmt(GOAL)}) - ${r.scenario}`
    )
  }
  console.log(
    "\nThe peer validates and applies plain objects with no idempotency hash, no history lines, no events, no holds and no atomic multi-entry batches.\nThe core-only rows call LedgerStore.write directly, bypassing the Ledger service and the Effect runtime: not the public path, shown to separate the two costs.\nThe executeSummary rows are the public throughput path: the reply is counts and failures (no record per success) and the memory store decides plain transfers on its columns; with events to the Notifier every event object is built for it, with events in the outbox they are built when read."
  )
}

const [name, where] = process.argv.slice(2)
;(name === undefined
  ? main()
  : scenario(name, where === "hot").then((row) => {
      process.stdout.write(JSON.stringify(row))
      process.exit(0)
    })
).catch((e) => {
  console.error(e)
  process.exit(1)
})
