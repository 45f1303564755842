/**
 * A worker process for the multi-process and crash tests. Run with
 * `node --import tsx --conditions=@paykit/source test/support/worker.ts '<json task>'`. It opens its own store
 * (its own pool; it also runs the migrations, racing the other workers) and writes through the
 * `LedgerStore` port, printing one JSON line per finished write and a final summary.
 */
import { Ids } from "@paykit/core"
import { type Command, LedgerStore } from "@paykit/ledger"
import { Effect, Layer, Result } from "effect"
import * as StorePostgres from "../../src/StorePostgres.ts"
import { crashBatch, setup } from "./crash.ts"

interface Task {
  readonly url: string
  readonly schema: string
  readonly worker: number
  readonly kind: "random" | "batches"
  readonly seed: number
  readonly writes: number
  readonly fibers: number
  readonly hot: ReadonlyArray<string>
  readonly batchSize: number
}

const task = JSON.parse(process.argv[2] ?? "{}") as Task

/** mulberry32: a deterministic stream per worker. */
const rng = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const print = (o: unknown) =>
  Effect.sync(() =>
    process.stdout.write(`${JSON.stringify(o, (_, v) => (typeof v === "bigint" ? v.toString() : v))}\n`)
  )

const program = Effect.gen(function* () {
  const store = yield* LedgerStore.LedgerStore
  const ids = yield* Ids.Ids
  const random = rng(task.seed)
  const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(random() * xs.length)]!
  const myHolds: Array<string> = []
  let seq = 0

  const next = (): { commands: Array<Command.Command>; label: string } => {
    const r = random()
    const n = seq++
    const id = `w${task.worker}-${n}`
    if (r < 0.15) {
      // a duplicate: every worker submits the same content under the same shared id
      const k = Math.floor(random() * 40)
      const wallet = task.hot[k % task.hot.length]!
      return {
        label: "dup",
        commands: [
          {
            _tag: "Transfer",
            id: `dup-${k}`,
            postings: [{ debit: wallet, credit: "merchant", amount: BigInt(5 + k), currency: "USD" }]
          }
        ]
      }
    }
    if (r < 0.3) {
      return {
        label: "fund",
        commands: [
          {
            _tag: "Transfer",
            id,
            postings: [
              {
                debit: "cash",
                credit: pick(task.hot),
                amount: BigInt(1 + Math.floor(random() * 40)),
                currency: "USD"
              }
            ]
          }
        ]
      }
    }
    if (r < 0.6) {
      const from = pick(task.hot)
      const to = pick(task.hot.filter((h) => h !== from).concat(["merchant"]))
      return {
        label: "spend",
        commands: [
          {
            _tag: "Transfer",
            id,
            postings: [
              { debit: from, credit: to, amount: BigInt(1 + Math.floor(random() * 60)), currency: "USD" }
            ]
          }
        ]
      }
    }
    if (r < 0.75) {
      myHolds.push(id)
      return {
        label: "hold",
        commands: [
          {
            _tag: "CreateHold",
            id,
            debit: pick(task.hot),
            credit: "merchant",
            amount: BigInt(1 + Math.floor(random() * 50)),
            currency: "USD",
            ...(random() < 0.3 ? { timeoutMs: 1 + Math.floor(random() * 50) } : {})
          }
        ]
      }
    }
    if (r < 0.9 && myHolds.length > 0) {
      const holdId = myHolds.splice(Math.floor(random() * myHolds.length), 1)[0]!
      return random() < 0.6
        ? {
            label: "capture",
            commands: [{ _tag: "PostHold", id, holdId, ...(random() < 0.5 ? { amount: 1n } : {}) }]
          }
        : { label: "void", commands: [{ _tag: "VoidHold", id, holdId }] }
    }
    // a small batch mixing funding and spending on the hot accounts
    return {
      label: "batch",
      commands: Array.from({ length: 5 }, (_, k) => ({
        _tag: "Transfer" as const,
        id: `${id}-b${k}`,
        postings: [
          {
            debit: k % 2 === 0 ? "cash" : pick(task.hot),
            credit: k % 2 === 0 ? pick(task.hot) : "merchant",
            amount: BigInt(1 + Math.floor(random() * 30)),
            currency: "USD"
          }
        ]
      }))
    }
  }

  // every worker opens the books itself (same ids, same content: exactly one takes effect)
  const opened = yield* store.write({
    commands: setup,
    mode: "independent",
    now: Date.now(),
    eventIdSeed: yield* ids.next
  })
  yield* print({
    setup: opened.results.map((r) =>
      Result.isSuccess(r)
        ? "replayed" in r.success && r.success.replayed
          ? "replayed"
          : "created"
        : r.failure._tag
    )
  })

  if (task.kind === "batches") {
    for (let b = 0; b < task.writes; b++) {
      const out = yield* store.write({
        commands: crashBatch(task.hot, b, task.batchSize),
        mode: "independent",
        now: Date.now(),
        eventIdSeed: yield* ids.next
      })
      yield* print({ committed: b, ok: out.results.filter(Result.isSuccess).length })
    }
    return
  }

  const results: Array<{ label: string; id: string; tag: string; replayed: boolean }> = []
  yield* Effect.forEach(
    Array.from({ length: task.fibers }, (_, f) => f),
    () =>
      Effect.gen(function* () {
        while (seq < task.writes) {
          const { commands, label } = next()
          const out = yield* store.write({
            commands,
            mode: "independent",
            now: Date.now(),
            eventIdSeed: yield* ids.next
          })
          out.results.forEach((r, i) => {
            const c = commands[i] as { id: string }
            results.push(
              Result.isSuccess(r)
                ? {
                    label,
                    id: c.id,
                    tag: r.success._tag,
                    replayed: "replayed" in r.success && r.success.replayed
                  }
                : { label, id: c.id, tag: r.failure._tag, replayed: false }
            )
          })
        }
      }),
    { concurrency: "unbounded", discard: true }
  )
  yield* print({ done: true, results })
})

const layer = Layer.mergeAll(
  StorePostgres.layer({ url: task.url, schema: task.schema, maxConnections: Math.max(2, task.fibers) }),
  Ids.layer
)

Effect.runPromise(Effect.provide(program, layer)).then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`worker ${task.worker} failed: ${String(e)}\n`)
    process.exit(1)
  }
)
