import { Ids } from "@paykit/core"
import { type Command, LedgerStore } from "@paykit/ledger"
import { Duration, Effect, Layer } from "effect"
import * as StorePostgres from "../src/StorePostgres.ts"
const SIZE = Number(process.env.SIZE ?? 1000)
const SECS = Number(process.env.SECS ?? 8)
const main = Effect.gen(function* () {
  const store = yield* LedgerStore.LedgerStore
  const ids = yield* Ids.Ids
  const tag = "t" + Date.now().toString(36)
  const names = Array.from({ length: 50 }, (_, i) => `${tag}:acct:${i}`)
  const open: Array<Command.Command> = [
    ...names.map(
      (id): Command.Command => ({
        _tag: "CreateAccount",
        id,
        currency: "USD",
        code: "l",
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
  yield* store.write({ commands: open, mode: "independent", now: Date.now(), eventIdSeed: yield* ids.next })
  let entries = 0
  const start = performance.now()
  const deadline = start + SECS * 1000
  const lat: number[] = []
  yield* Effect.forEach(
    Array.from({ length: 8 }, (_, c) => c),
    (c) =>
      Effect.gen(function* () {
        let n = 0
        while (performance.now() < deadline) {
          const t = performance.now()
          const commands = Array.from({ length: SIZE }, (_, k): Command.Command => {
            const i = (c * 7919 + n * 31 + k) % 50
            const j = (i + 1 + ((n + k) % 49)) % 50
            return {
              _tag: "Transfer",
              id: `${tag}:${c}:${n}:${k}`,
              postings: [{ debit: names[i]!, credit: names[j]!, amount: 1n, currency: "USD" }]
            }
          })
          n++
          const out = yield* store.write({
            commands,
            mode: "independent",
            now: Date.now(),
            eventIdSeed: yield* ids.next
          })
          entries += out.entriesCreated.length
          lat.push(performance.now() - t)
        }
      }),
    { concurrency: "unbounded", discard: true }
  )
  const s = (performance.now() - start) / 1000
  console.log(
    "lockHE lockAcc decide changeSet write commit groups reqs",
    (globalThis as any).__t?.map((x: number) => x.toFixed(0)).join(" ")
  )
  console.log(`${entries} entries in ${s.toFixed(2)}s = ${(entries / s).toFixed(0)}/s, calls ${lat.length}`)
}).pipe(
  Effect.provide(
    Layer.merge(
      process.env.LITE
        ? StorePostgres.layer({})
        : StorePostgres.layer({
            url: "postgres://postgres@127.0.0.1:5432/test",
            schema: "one_" + Date.now().toString(36),
            maxConnections: 8,
            connectTimeout: Duration.seconds(3)
          }),
      Ids.layer
    )
  )
)
Effect.runPromise(main).then(() => process.exit(0))
