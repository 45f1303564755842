import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import type { Command } from "@paykit/ledger"

/** The i-th write of a crash-test worker: a batch of transfers whose ids are fixed by (batch, k). */
export const crashBatch = (hot: ReadonlyArray<string>, batch: number, size: number): Array<Command.Command> =>
  Array.from({ length: size }, (_, k) => ({
    _tag: "Transfer" as const,
    id: `crash-${batch}-${k}`,
    postings: [
      {
        debit: "cash",
        credit: hot[(batch + k) % hot.length]!,
        amount: BigInt(1 + ((batch * 7 + k) % 13)),
        currency: "USD"
      },
      { debit: hot[(batch + k) % hot.length]!, credit: "merchant", amount: 1n, currency: "USD" }
    ]
  }))

/** The hot wallets of the multi-process tests. */
export const HOT = ["hot:a", "hot:b", "hot:c"]

/**
 * Books opened in one write: cash, a merchant and three hot wallets with debit limits, each
 * funded with 100, every id behind `prefix`. Several writers sending it at once race on
 * opening the same accounts: the ids make it exactly-once.
 */
export const openingBooks = (prefix: string): ReadonlyArray<Command.Command> => [
  { _tag: "CreateAccount", id: `${prefix}cash`, currency: "USD", code: "asset.cash", normal: "debit" },
  {
    _tag: "CreateAccount",
    id: `${prefix}merchant`,
    currency: "USD",
    code: "liability.merchant",
    normal: "credit"
  },
  ...HOT.map(
    (id): Command.Command => ({
      _tag: "CreateAccount",
      id: `${prefix}${id}`,
      currency: "USD",
      code: "liability.wallet",
      normal: "credit",
      debitsMustNotExceedCredits: true
    })
  ),
  ...HOT.map(
    (id, i): Command.Command => ({
      _tag: "Transfer",
      id: `${prefix}open-${i}`,
      postings: [{ debit: `${prefix}cash`, credit: `${prefix}${id}`, amount: 100n, currency: "USD" }]
    })
  )
]

/** The books every multi-process test starts from; every worker sends it first. */
export const setup: ReadonlyArray<Command.Command> = openingBooks("")

/** mulberry32: a deterministic stream of numbers in [0, 1) from a seed. */
export const rng = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The time of batch `b` of the crash-replay test on its workers' clock: 10 ms apart from 2026-01-01. */
export const replayTime = (b: number): number => 1_767_225_600_000 + 10 * b

const WALLETS = ["w0", "w1", "w2", "w3"]

const move = (id: string, debit: string, credit: string, amount: number): Command.Command => ({
  _tag: "Transfer",
  id,
  postings: [{ debit, credit, amount: BigInt(amount), currency: "USD" }]
})

/**
 * Batch `b` of the crash-replay test, the same on every run. Batch 0 opens the books (cash, a
 * merchant, four wallets with debit limits, 100 each). Each later batch spends from the wallets
 * (some beyond their balance: `ExceedsCredits` until a later top-up), places a hold with a 15, 25
 * or 45 ms timeout (1.5 to 4.5 batches) or none, captures or voids a hold of one of the five
 * batches before (some expired, some already resolved or never created), and every 4th batch
 * tops a wallet up by 80. Batch 2 overdraws w0 by far and batch 12 tops w0 up enough for it: sent again
 * after batch 12, batch 2's overdraft succeeds unless its first failure consumed the id.
 */
export const replayBatch = (b: number): Array<Command.Command> => {
  if (b === 0) {
    return [
      { _tag: "CreateAccount", id: "cash", currency: "USD", code: "asset.cash", normal: "debit" },
      {
        _tag: "CreateAccount",
        id: "merchant",
        currency: "USD",
        code: "liability.merchant",
        normal: "credit"
      },
      ...WALLETS.map(
        (id): Command.Command => ({
          _tag: "CreateAccount",
          id,
          currency: "USD",
          code: "liability.wallet",
          normal: "credit",
          debitsMustNotExceedCredits: true
        })
      ),
      ...WALLETS.map((id) => move(`open-${id}`, "cash", id, 100))
    ]
  }
  const random = rng(7_919 * b)
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1))
  const wallet = () => WALLETS[int(0, WALLETS.length - 1)]!
  const out: Array<Command.Command> = []
  const spends = int(1, 2)
  for (let k = 0; k < spends; k++) out.push(move(`s${b}-${k}`, wallet(), "merchant", int(1, 40)))
  const timeout = [15, 25, 45, undefined][int(0, 3)]
  out.push({
    _tag: "CreateHold",
    id: `h${b}`,
    debit: wallet(),
    credit: "merchant",
    amount: BigInt(int(1, 30)),
    currency: "USD",
    ...(timeout === undefined ? {} : { timeoutMs: timeout })
  })
  if (b >= 2) {
    const holdId = `h${b - int(1, Math.min(5, b - 1))}`
    out.push(
      random() < 0.75
        ? { _tag: "PostHold", id: `c${b}`, holdId, ...(random() < 0.5 ? { amount: 1n } : {}) }
        : { _tag: "VoidHold", id: `v${b}`, holdId }
    )
  }
  if (b % 4 === 0) out.push(move(`t${b}`, "cash", WALLETS[(b / 4) % WALLETS.length]!, 80))
  if (b === 2) out.push(move("overdraft", "w0", "merchant", 500))
  if (b === 12) out.push(move("topup-w0", "cash", "w0", 1_000))
  return out
}

const workerScript = fileURLToPath(new URL("./worker.ts", import.meta.url))
const packageDir = fileURLToPath(new URL("../..", import.meta.url))

/** Starts a worker process (test/support/worker.ts) on `task`. */
export const spawnWorker = (task: Record<string, unknown>): ChildProcess =>
  // node itself with tsx as a loader (not the tsx CLI, which would run node as a grandchild that
  // a SIGKILL of the child would not reach)
  spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@paykit/source", workerScript, JSON.stringify(task)],
    {
      cwd: packageDir,
      stdio: ["ignore", "pipe", "pipe"]
    }
  )

/** Collects a worker's stdout lines (JSON) and its exit. */
export const watch = (child: ChildProcess, onLine: (line: Record<string, unknown>) => void = () => {}) =>
  new Promise<{
    code: number | null
    signal: NodeJS.Signals | null
    lines: Array<Record<string, unknown>>
    stderr: string
  }>((resolve) => {
    const lines: Array<Record<string, unknown>> = []
    let buffer = ""
    let stderr = ""
    child.stdout!.on("data", (d: Buffer) => {
      buffer += d.toString()
      let i = buffer.indexOf("\n")
      while (i >= 0) {
        const line = buffer.slice(0, i)
        buffer = buffer.slice(i + 1)
        if (line.trim() !== "") {
          const parsed = JSON.parse(line) as Record<string, unknown>
          lines.push(parsed)
          onLine(parsed)
        }
        i = buffer.indexOf("\n")
      }
    })
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString()
    })
    child.on("exit", (code, signal) => resolve({ code, signal, lines, stderr }))
  })
