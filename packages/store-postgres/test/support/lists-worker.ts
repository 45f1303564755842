/**
 * A worker process for the list-store crash test (`test/lists-crash.test.ts`). Run with
 * `node --import tsx --conditions=@paykit/source test/support/lists-worker.ts '<json task>'`. It
 * opens `ListStorePostgres` on `schema` (its own pool), reads the version, and from there applies
 * the fixed sequence of list changes (`listOp`) one after another until it is killed, printing
 * `{"ready":true,"from":v}` once open and `{"acked":n}` after each change the store acknowledged.
 */
import { ListStore } from "@paykit/risk"
import { Effect } from "effect"
import * as ListStorePostgres from "../../src/risk/ListStorePostgres.ts"
import { listOp } from "./lists-ops.ts"

interface ListsTask {
  readonly url: string
  readonly schema: string
}

const task = JSON.parse(process.argv[2] ?? "{}") as ListsTask
const print = (o: unknown) => Effect.sync(() => process.stdout.write(`${JSON.stringify(o)}\n`))

const program = Effect.gen(function* () {
  const store = yield* ListStore.ListStore
  const from = yield* store.version
  yield* print({ ready: true, from })
  for (let n = from; ; n++) {
    const op = listOp(n)
    if (op.kind === "add") yield* store.add(op.list, [op.value])
    else if (op.kind === "remove") yield* store.remove(op.list, [op.value])
    else yield* store.snooze({ ruleId: op.ruleId, value: op.value, until: op.until })
    yield* print({ acked: n + 1 })
  }
}).pipe(Effect.provide(ListStorePostgres.layer({ url: task.url, schema: task.schema, maxConnections: 2 })))

Effect.runPromise(program).catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`)
  process.exit(1)
})
