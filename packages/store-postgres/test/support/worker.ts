/**
 * A worker process for the multi-process and crash tests. Run with
 * `node --import tsx --conditions=@paykit/source test/support/worker.ts '<json task>'`. It opens its own store
 * (its own pool; it also runs the migrations, racing the other workers) and writes through the
 * `LedgerStore` port (`random`, `batches`) or the `Ledger` service (`skewed`, `replay`), printing
 * one JSON line per finished write or batch and a final summary.
 */
import { Ids, Notifier } from "@paykit/core"
import { type Command, Ledger, type LedgerCore, LedgerStore } from "@paykit/ledger"
import { Clock, Duration, Effect, Layer, Result } from "effect"
import * as LedgerStorePostgres from "../../src/ledger/LedgerStorePostgres.ts"
import { crashBatch, replayBatch, replayTime, rng, setup } from "./crash.ts"

interface Task {
  readonly url: string
  readonly schema: string
  readonly worker: number
  /**
   * `random`: concurrent random writes through the store; `batches`: `writes` fixed batches of
   * transfers (`crashBatch`); `skewed`: concurrent transfers, holds with short timeouts, captures
   * and voids through the `Ledger` on a clock `skew`ed from this machine's; `replay`: the
   * crash-replay batches (`replayBatch` 0 to `writes` − 1) through the `Ledger` with `failedIds`
   * on a clock that reads `replayTime(b)` during batch `b` (the store in `clock: "caller"` mode).
   */
  readonly kind: "random" | "batches" | "skewed" | "replay"
  readonly seed: number
  readonly writes: number
  readonly fibers: number
  readonly hot: ReadonlyArray<string>
  readonly batchSize: number
  readonly skew?: "ahead" | "behind" | "jumpy"
  readonly failedIds?: LedgerCore.FailedIds
}

const task = JSON.parse(process.argv[2] ?? "{}") as Task

/** A `Clock` reading `millis()` (sleeping on real time). */
const clockOf = (millis: () => number): Clock.Clock => ({
  currentTimeMillisUnsafe: millis,
  currentTimeMillis: Effect.sync(millis),
  currentTimeNanosUnsafe: () => BigInt(millis()) * 1_000_000n,
  currentTimeNanos: Effect.sync(() => BigInt(millis()) * 1_000_000n),
  monotonicTimeNanosUnsafe: () => process.hrtime.bigint(),
  monotonicTimeNanos: Effect.sync(() => process.hrtime.bigint()),
  sleep: (d) =>
    Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, Duration.toMillis(d))))
})

const TEN_MINUTES = 600_000

/** This machine's clock 10 minutes ahead, 10 minutes behind, or jumping back up to 10 s at each read. */
const skewedClock = (skew: NonNullable<Task["skew"]>, random: () => number): Clock.Clock =>
  clockOf(
    skew === "ahead"
      ? () => Date.now() + TEN_MINUTES
      : skew === "behind"
        ? () => Date.now() - TEN_MINUTES
        : () => Date.now() - Math.floor(random() * 10_000)
  )

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

/** Transfers, holds with 50–500 ms timeouts, captures and voids on the hot wallets, through the `Ledger`. */
const skewed = Effect.gen(function* () {
  const ledger = yield* Ledger.Ledger
  const random = rng(task.seed)
  const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(random() * xs.length)]!
  const amount = (max: number) => BigInt(1 + Math.floor(random() * max))
  const holds: Array<string> = []
  const tags: Record<string, number> = {}
  let seq = 0
  yield* ledger.executeResults(setup)
  const next = (id: string): Command.Command => {
    const r = random()
    if (r < 0.25) {
      return {
        _tag: "Transfer",
        id,
        postings: [{ debit: "cash", credit: pick(task.hot), amount: amount(40), currency: "USD" }]
      }
    }
    if (r < 0.5) {
      return {
        _tag: "Transfer",
        id,
        postings: [{ debit: pick(task.hot), credit: "merchant", amount: amount(30), currency: "USD" }]
      }
    }
    if (r < 0.8 || holds.length === 0) {
      holds.push(id)
      return {
        _tag: "CreateHold",
        id,
        debit: pick(task.hot),
        credit: "merchant",
        amount: amount(20),
        currency: "USD",
        timeoutMs: 50 + Math.floor(random() * 451)
      }
    }
    const holdId = holds.splice(Math.floor(random() * holds.length), 1)[0]!
    return random() < 0.7
      ? { _tag: "PostHold", id, holdId, ...(random() < 0.5 ? { amount: 1n } : {}) }
      : { _tag: "VoidHold", id, holdId }
  }
  yield* Effect.forEach(
    Array.from({ length: task.fibers }, (_, f) => f),
    () =>
      Effect.gen(function* () {
        while (seq < task.writes) {
          const command = next(`${task.skew}-${seq++}`)
          const [r] = yield* ledger.executeResults([command])
          const tag = Result.isSuccess(r!) ? `${command._tag}:ok` : `${command._tag}:${r!.failure._tag}`
          tags[tag] = (tags[tag] ?? 0) + 1
        }
      }),
    { concurrency: "unbounded", discard: true }
  )
  yield* print({ done: true, tags })
}).pipe(Effect.provideService(Clock.Clock, skewedClock(task.skew ?? "ahead", rng(task.seed + 1))))

/** Every replay batch in order, each at `replayTime(b)`, alternately through executeResults and executeSummary. */
const replay = Effect.gen(function* () {
  const ledger = yield* Ledger.Ledger
  let now = replayTime(0)
  const failures: Array<string> = []
  const run = Effect.gen(function* () {
    for (let b = 0; b < task.writes; b++) {
      now = replayTime(b)
      const commands = replayBatch(b)
      if (b % 2 === 0) {
        const results = yield* ledger.executeResults(commands)
        results.forEach((r, i) => {
          if (Result.isFailure(r)) failures.push(`${(commands[i] as { id: string }).id}:${r.failure._tag}`)
        })
      } else {
        const summary = yield* ledger.executeSummary(commands)
        for (const f of summary.failures)
          failures.push(`${(commands[f.index] as { id: string }).id}:${f.error._tag}`)
      }
      yield* print({ committed: b })
    }
    yield* print({ done: true, failures })
  })
  yield* run.pipe(
    Effect.provideService(
      Clock.Clock,
      clockOf(() => now)
    )
  )
})

const storeLayer = LedgerStorePostgres.layer({
  url: task.url,
  schema: task.schema,
  maxConnections: Math.max(2, task.fibers),
  ...(task.kind === "replay" ? { clock: "caller" as const } : {})
})
const ledgerLayer = (options: Ledger.Options) =>
  Ledger.layer(options).pipe(Layer.provideMerge(storeLayer), Layer.provide([Notifier.layerNoop, Ids.layer]))

const main =
  task.kind === "skewed"
    ? Effect.provide(skewed, ledgerLayer({}))
    : task.kind === "replay"
      ? Effect.provide(replay, ledgerLayer({ failedIds: task.failedIds ?? "reusable" }))
      : Effect.provide(program, Layer.mergeAll(storeLayer, Ids.layer))

Effect.runPromise(main).then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`worker ${task.worker} failed: ${String(e)}\n`)
    process.exit(1)
  }
)
