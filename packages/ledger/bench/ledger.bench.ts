/**
 * In-memory ledger throughput: entries per second for single posts and for batches of 1,000,
 * on 10,000 accounts with uniform picks and on 2 hot accounts. The peer is a naive hand-written
 * double-entry implementation (plain objects, per-entry validation, no idempotency hash, no
 * history, no events). Run with `pnpm bench`.
 */
import { Ids, Notifier } from "@paykit/core"
import { type Command, Ledger, LedgerStore } from "@paykit/ledger"
import { Effect, Layer, ManagedRuntime } from "effect"

const ACCOUNTS = 10_000
const BATCH = 1_000

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

const freshLedger = async () => {
  const runtime = ManagedRuntime.make(
    Ledger.layer().pipe(
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

const benchNaive = (hot: boolean, n: number): number => {
  const naive = new NaiveLedger()
  for (let i = 0; i < ACCOUNTS; i++) naive.open(accountId(i), "USD")
  const postings = makePostings(n, hot)
  const t0 = performance.now()
  for (let i = 0; i < n; i++) naive.post(`n${i}`, [postings[i]!])
  return n / ((performance.now() - t0) / 1000)
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US")

const main = async () => {
  const rows: Array<Row> = []
  const naiveUniform = benchNaive(false, 1_000_000)
  const naiveHot = benchNaive(true, 1_000_000)
  for (const hot of [false, true]) {
    const peer = hot ? naiveHot : naiveUniform
    rows.push({ ...(await benchSingle(hot, 20_000)), peer })
    rows.push({ ...(await benchBatches(hot, 300, false)), peer })
    rows.push({ ...(await benchBatches(hot, 300, true)), peer })
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
  console.log(
    "\nThe peer validates and applies plain objects with no idempotency hash, no history lines, no events, no holds and no atomic multi-entry batches."
  )
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
