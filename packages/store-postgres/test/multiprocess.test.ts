import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { type Command, LedgerStore } from "@paykit/ledger"
import { Model } from "@paykit/ledger/testing"
import { Effect, type Layer, ManagedRuntime, Result } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { afterAll, describe, expect, it } from "vitest"
import * as StorePostgres from "../src/StorePostgres.ts"
import { freshSchema, serverUrl } from "./support/env.ts"
import { crashBatch, HOT, setup } from "./support/crash.ts"
import { referentialProblems } from "./support/integrity.ts"

const workerScript = fileURLToPath(new URL("./support/worker.ts", import.meta.url))
const packageDir = fileURLToPath(new URL("..", import.meta.url))

const spawnWorker = (task: Record<string, unknown>): ChildProcess =>
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
const watch = (child: ChildProcess, onLine: (line: Record<string, unknown>) => void = () => {}) =>
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

const runtimes: Array<ManagedRuntime.ManagedRuntime<LedgerStore.LedgerStore | SqlClient.SqlClient, unknown>> =
  []
const openStore = (schema: string) => {
  const runtime = ManagedRuntime.make(
    StorePostgres.layer({ url: serverUrl!, schema, maxConnections: 4 }) as Layer.Layer<
      LedgerStore.LedgerStore | SqlClient.SqlClient,
      unknown
    >
  )
  runtimes.push(runtime)
  return runtime
}
const write = (commands: ReadonlyArray<Command.Command>, now = Date.now()) =>
  Effect.flatMap(LedgerStore.LedgerStore, (s) =>
    s.write({ commands, mode: "independent", now, eventIdSeed: "01J00000000000000000000000" })
  )
const dump = Effect.flatMap(LedgerStore.LedgerStore, (s) => s.dump)

afterAll(async () => {
  for (const r of runtimes) {
    await r
      .runPromise(
        Effect.flatMap(SqlClient.SqlClient, (sql) =>
          Effect.flatMap(sql<{ s: string }>`SELECT current_schema() AS s`, ([row]) =>
            sql.unsafe(`DROP SCHEMA IF EXISTS "${row!.s}" CASCADE`)
          )
        )
      )
      .catch(() => undefined)
    await r.dispose()
  }
})

describe.skipIf(serverUrl === undefined)("many OS processes on PostgreSQL", () => {
  it("4 worker processes × 4 connections, starting on an empty schema, posting transfers, holds, captures, voids, batches and duplicate ids on 3 hot accounts keep every invariant", {
    timeout: 240_000
  }, async () => {
    // the workers start on an empty schema: they race the migrations and the opening of the
    // books from four processes at once
    const schema = freshSchema("procs")
    const workers = Array.from({ length: 4 }, (_, w) =>
      watch(
        spawnWorker({
          url: serverUrl,
          schema,
          worker: w,
          kind: "random",
          seed: 1000 + w,
          writes: 150,
          fibers: 4,
          hot: HOT,
          batchSize: 5
        })
      )
    )
    const finished = await Promise.all(workers)
    for (const f of finished) expect(f.code, f.stderr).toBe(0)
    const store = openStore(schema)
    // the opening commands took effect exactly once across the four processes
    const openings = finished.map(
      (f) => f.lines.find((l) => Array.isArray(l["setup"]))!["setup"] as Array<string>
    )
    for (let i = 0; i < setup.length; i++) {
      expect(openings.map((o) => o[i]).filter((x) => x === "created").length).toBe(1)
      expect(openings.map((o) => o[i]).filter((x) => x === "replayed").length).toBe(3)
    }
    const results = finished.flatMap(
      (f) =>
        (f.lines.find((l) => l["done"] === true)?.["results"] ?? []) as Array<{
          label: string
          id: string
          tag: string
          replayed: boolean
        }>
    )
    expect(results.length).toBeGreaterThanOrEqual(4 * 150)
    const d = await store.runPromise(dump)
    // books balance per currency, every balance is the fold of its entries and of its lines,
    // holds resolve once, reversals net to zero
    Model.checkInvariants(d)
    // postings and lines reference entries and accounts of their currency (no foreign keys:
    // the write path guarantees it)
    expect(await store.runPromise(referentialProblems)).toEqual({
      orphanPostings: 0,
      postingAccounts: 0,
      orphanLines: 0,
      brokenRuns: 0
    })
    // no debit limit was exceeded (pending debits count)
    for (const a of d.accounts.filter((x) => x.debitsMustNotExceedCredits)) {
      expect(a.debitsPosted + a.debitsPending <= a.creditsPosted).toBe(true)
    }
    // the hot accounts really were contended: limits refused some spends
    expect(results.some((r) => r.tag === "ExceedsCredits")).toBe(true)
    // duplicate submissions across processes: exactly one effect per id
    const dupIds = new Set(results.filter((r) => r.label === "dup").map((r) => r.id))
    expect(dupIds.size).toBeGreaterThan(5)
    let replays = 0
    for (const id of dupIds) {
      const firsts = results.filter((r) => r.id === id && r.tag === "EntryCreated" && !r.replayed).length
      replays += results.filter((r) => r.id === id && r.replayed).length
      const stored = d.entries.filter((e) => e.id === id)
      expect(firsts).toBe(stored.length)
      expect(stored.length).toBeLessThanOrEqual(1)
    }
    expect(replays).toBeGreaterThan(0)
    // every entry a worker was told was created (not replayed) is stored exactly once
    const created = results.filter((r) => r.tag === "EntryCreated" && !r.replayed).map((r) => r.id)
    expect(new Set(created).size).toBe(created.length)
    const stored = new Set(d.entries.map((e) => e.id))
    for (const id of created) expect(stored.has(id)).toBe(true)
  })

  it("a worker killed with SIGKILL mid-batch leaves no partial entry; re-submitting the same ids completes the work exactly once", {
    timeout: 240_000
  }, async () => {
    const schema = freshSchema("crash")
    const store = openStore(schema)
    await store.runPromise(write(setup))
    const BATCH = 50
    let reported = -1
    const child = spawnWorker({
      url: serverUrl,
      schema,
      worker: 9,
      kind: "batches",
      seed: 9,
      writes: 100_000,
      fibers: 1,
      hot: HOT,
      batchSize: BATCH
    })
    const exited = watch(child, (line) => {
      if (typeof line["committed"] === "number") {
        reported = line["committed"]
        if (reported >= 8) child.kill("SIGKILL")
      }
    })
    const result = await exited
    expect(result.signal, result.stderr).toBe("SIGKILL")
    expect(reported).toBeGreaterThanOrEqual(8)

    // the killed client's last transaction ends (commits or rolls back) on the server shortly
    // after the kill: wait until the picture is stable, then check it
    let d = await store.runPromise(dump)
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 200))
      const again = await store.runPromise(dump)
      const same = again.entries.length === d.entries.length
      d = again
      if (same) break
    }
    Model.checkInvariants(d)
    // whole batches only: every batch present has all of its entries and their postings
    const byBatch = new Map<number, number>()
    for (const e of d.entries.filter((x) => x.id.startsWith("crash-"))) {
      const b = Number(e.id.split("-")[1])
      byBatch.set(b, (byBatch.get(b) ?? 0) + 1)
      expect(e.postings.length).toBe(2)
    }
    const present = [...byBatch.keys()].sort((a, b) => a - b)
    for (const [, n] of byBatch) expect(n).toBe(BATCH)
    expect(present).toEqual(present.map((_, i) => i))
    expect(present.length).toBeGreaterThanOrEqual(reported + 1)

    // re-submit everything the worker may have sent, plus a little more
    const total = present.length + 3
    const replayed: Array<number> = []
    for (let b = 0; b < total; b++) {
      const out = await store.runPromise(write(crashBatch(HOT, b, BATCH)))
      const results = out.results.map((r) => (Result.isSuccess(r) ? r.success : undefined))
      expect(results.every((r) => r?._tag === "EntryCreated")).toBe(true)
      const n = results.filter((r) => r?._tag === "EntryCreated" && r.replayed).length
      replayed.push(n)
    }
    expect(replayed).toEqual(Array.from({ length: total }, (_, b) => (b < present.length ? BATCH : 0)))
    const after = await store.runPromise(dump)
    Model.checkInvariants(after)
    expect(await store.runPromise(referentialProblems)).toEqual({
      orphanPostings: 0,
      postingAccounts: 0,
      orphanLines: 0,
      brokenRuns: 0
    })
    expect(after.entries.filter((e) => e.id.startsWith("crash-")).length).toBe(total * BATCH)
  })
})
