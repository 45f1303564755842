import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { ListStore } from "@paykit/risk"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import * as ListStorePostgres from "../src/risk/ListStorePostgres.ts"
import { rng, watch } from "./support/crash.ts"
import { freshSchema, serverUrl } from "./support/env.ts"
import { listOp, stateAfter } from "./support/lists-ops.ts"

/**
 * Run-time lists and snoozes survive SIGKILL: worker OS processes apply a fixed sequence of list
 * changes through `ListStorePostgres` and are killed at random points. After each kill the store
 * shows exactly the changes up to the last acknowledged one, or one more (the change in flight
 * committed before its acknowledgement was printed): never a lost acknowledged change, never half
 * a change, and the version counts the changes applied. The next worker goes on from there.
 */

const KILLS = 4
const workerScript = fileURLToPath(new URL("./support/lists-worker.ts", import.meta.url))
const packageDir = fileURLToPath(new URL("..", import.meta.url))

const spawnWorker = (schema: string) =>
  spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--conditions=@paykit/source",
      workerScript,
      JSON.stringify({ url: serverUrl, schema })
    ],
    { cwd: packageDir, stdio: ["ignore", "pipe", "pipe"] }
  )

const snapshotOf = (schema: string) =>
  Effect.runPromise(
    Effect.flatMap(ListStore.ListStore, (store) => store.snapshot).pipe(
      Effect.provide(ListStorePostgres.layer({ url: serverUrl!, schema, maxConnections: 1 }))
    )
  )

describe.skipIf(serverUrl === undefined)("ListStorePostgres under SIGKILL", () => {
  it("keeps every acknowledged change, no half change, and a version that counts the changes", {
    timeout: 300_000
  }, async () => {
    const schema = freshSchema("lists_crash")
    const random = rng(23)
    let applied = 0
    for (let k = 0; k < KILLS; k++) {
      const child = spawnWorker(schema)
      const delay = 200 + Math.floor(random() * 1_000)
      let timer: NodeJS.Timeout | undefined
      const guard = setTimeout(() => child.kill("SIGKILL"), 120_000)
      let from = -1
      let acked = -1
      const result = await watch(child, (line) => {
        if (line["ready"] === true && timer === undefined) {
          from = Number(line["from"])
          timer = setTimeout(() => child.kill("SIGKILL"), delay)
        }
        if (typeof line["acked"] === "number") acked = line["acked"]
      })
      clearTimeout(guard)
      expect(result.signal, result.stderr).toBe("SIGKILL")
      // the next worker starts where the store says the last one stopped
      expect(from, result.stderr).toBe(applied)
      expect(acked, result.stderr).toBeGreaterThan(from)
      const snapshot = await snapshotOf(schema)
      expect([acked, acked + 1]).toContain(snapshot.version)
      const expected = stateAfter(snapshot.version)
      expect({ lists: snapshot.lists, snoozes: snapshot.snoozes }).toEqual(expected)
      applied = snapshot.version
    }
    // and the store still takes the next change
    const next = listOp(applied)
    const after = await Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* ListStore.ListStore
        if (next.kind === "add") yield* store.add(next.list, [next.value])
        else if (next.kind === "remove") yield* store.remove(next.list, [next.value])
        else yield* store.snooze({ ruleId: next.ruleId, value: next.value, until: next.until })
        return yield* store.snapshot
      }).pipe(Effect.provide(ListStorePostgres.layer({ url: serverUrl!, schema, maxConnections: 1 })))
    )
    expect(after.version).toBe(applied + 1)
    expect({ lists: after.lists, snoozes: after.snoozes }).toEqual(stateAfter(applied + 1))
  })
})
