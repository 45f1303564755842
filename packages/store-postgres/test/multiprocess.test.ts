import { type Command, LedgerStore } from "@paykit/ledger"
import { Model } from "@paykit/ledger/testing"
import { Effect, type Layer, ManagedRuntime, Result } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { afterAll, describe, expect, it } from "vitest"
import * as LedgerStorePostgres from "../src/ledger/LedgerStorePostgres.ts"
import { freshSchema, serverUrl } from "./support/env.ts"
import { crashBatch, HOT, setup, spawnWorker, watch } from "./support/crash.ts"
import { asOfProblems, referentialProblems, timeOrder } from "./support/integrity.ts"

const runtimes: Array<ManagedRuntime.ManagedRuntime<LedgerStore.LedgerStore | SqlClient.SqlClient, unknown>> =
  []
const openStore = (schema: string) => {
  const runtime = ManagedRuntime.make(
    LedgerStorePostgres.layer({ url: serverUrl!, schema, maxConnections: 4 }) as Layer.Layer<
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

  it("three worker processes whose clocks run 10 minutes ahead, 10 minutes behind and jump back write on shared accounts, holds with 50–500 ms timeouts included: the books keep the database's clock (lines in time order, as-of balances are folds of entries, no hold expires before its timeout)", {
    timeout: 240_000
  }, async () => {
    const schema = freshSchema("clocks")
    const store = openStore(schema)
    await store.runPromise(write(setup))
    const dbNow = () =>
      store.runPromise(
        Effect.flatMap(SqlClient.SqlClient, (sql) =>
          Effect.map(
            sql<{ t: string }>`SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint::text AS t`,
            ([row]) => Number(row!.t)
          )
        )
      )
    const start = await dbNow()
    const finished = await Promise.all(
      (["ahead", "behind", "jumpy"] as const).map((skew, w) =>
        watch(
          spawnWorker({
            url: serverUrl,
            schema,
            worker: w,
            kind: "skewed",
            skew,
            seed: 500 + w,
            writes: 200,
            fibers: 3,
            hot: HOT,
            batchSize: 1
          })
        )
      )
    )
    for (const f of finished) expect(f.code, f.stderr).toBe(0)
    const end = await dbNow()
    const tags = finished.map(
      (f) => f.lines.find((l) => l["done"] === true)!["tags"] as Record<string, number>
    )
    const d = await store.runPromise(dump)
    Model.checkInvariants(d)
    expect(await store.runPromise(referentialProblems)).toEqual({
      orphanPostings: 0,
      postingAccounts: 0,
      orphanLines: 0,
      brokenRuns: 0
    })
    // every time in the books is the database's, read during the run (the workers' clocks were
    // 10 minutes off, or jumping back)
    const times = [
      ...d.entries.filter((e) => !e.id.startsWith("open-")).map((e) => e.createdAt),
      ...d.holds.flatMap((h) => [h.createdAt, ...(h.resolvedAt === undefined ? [] : [h.resolvedAt])]),
      ...d.lines.filter((l) => !l.entryId.startsWith("open-")).map((l) => l.at)
    ]
    expect(Math.min(...times)).toBeGreaterThanOrEqual(start)
    expect(Math.max(...times)).toBeLessThanOrEqual(end)
    // every account's lines are in time order
    const order = await store.runPromise(timeOrder)
    expect(order.backwards).toBe(0)
    expect(order.lines).toBeGreaterThan(1_000)
    // the balance as of any time is the fold of the entries created up to it: at 200 random
    // times in the run, and just before and at 100 times at which lines were written
    const random = Array.from(
      { length: 200 },
      () => start - 1 + Math.floor(Math.random() * (end - start + 3))
    )
    const lineTimes = [...new Set(d.lines.map((l) => l.at))]
    const sampled = Array.from(
      { length: 100 },
      () => lineTimes[Math.floor(Math.random() * lineTimes.length)]!
    )
    const asOf = await store.runPromise(asOfProblems(d, [...random, ...sampled.flatMap((t) => [t - 1, t])]))
    expect(asOf.problems).toEqual([])
    expect(asOf.probes).toBe(d.accounts.length * 400)
    // holds expire on the ledger's clock, never before their timeout; none is captured after it
    const timeouts = new Map(d.entries.filter((e) => e.kind === "hold").map((e) => [e.id, e.timeoutMs]))
    const expired = d.holds.filter((h) => h.status === "expired")
    const resolvedInTime = d.holds.filter((h) => h.status === "posted" || h.status === "voided")
    for (const h of d.holds) expect(h.expiresAt, h.id).toBe(h.createdAt + timeouts.get(h.id)!)
    for (const h of expired) expect(h.resolvedAt!, h.id).toBeGreaterThanOrEqual(h.expiresAt!)
    for (const h of resolvedInTime) expect(h.resolvedAt!, h.id).toBeLessThan(h.expiresAt!)
    expect(expired.length).toBeGreaterThan(10)
    expect(resolvedInTime.length).toBeGreaterThan(10)
    // the run contended: some captures came too late, some spends found no funds
    expect(tags.some((t) => (t["PostHold:HoldExpired"] ?? 0) + (t["VoidHold:HoldExpired"] ?? 0) > 0)).toBe(
      true
    )
    console.log(
      `clocks: ${order.lines} lines, ${asOf.probes} as-of probes, ${d.holds.length} holds (${expired.length} expired, ${resolvedInTime.length} captured or voided), run ${end - start} ms`
    )
  })

  describe("a client that replays every batch after a crash", () => {
    const BATCHES = 50
    type Books = Omit<LedgerStore.Dump, "events">
    const books = (d: LedgerStore.Dump): Books => ({
      accounts: d.accounts,
      entries: d.entries,
      holds: d.holds,
      lines: d.lines,
      failedIds: d.failedIds
    })

    /**
     * The crash-replay batches written by a worker through `Ledger.layer({ failedIds })` on a
     * store with `clock: "caller"` (batch b at replayTime(b)) in a fresh schema; with `killAfter`,
     * the worker is killed with SIGKILL once it has reported that batch committed, and a new
     * worker replays every batch from the first. Returns the books (without the outbox, whose
     * event ids come from each process's own `Ids`) and the last batch reported before the kill.
     */
    const replayRun = async (failedIds: "consumed" | "reusable", killAfter?: number) => {
      const schema = freshSchema(`replay_${failedIds}`)
      const task = {
        url: serverUrl,
        schema,
        worker: 0,
        kind: "replay",
        failedIds,
        seed: 0,
        writes: BATCHES,
        fibers: 1,
        hot: HOT,
        batchSize: 0
      }
      let reported = -1
      if (killAfter !== undefined) {
        const child = spawnWorker(task)
        const killed = await watch(child, (line) => {
          if (typeof line["committed"] === "number") {
            reported = line["committed"]
            if (reported >= killAfter) child.kill("SIGKILL")
          }
        })
        expect(killed.signal, killed.stderr).toBe("SIGKILL")
      }
      const finished = await watch(spawnWorker(task))
      expect(finished.code, finished.stderr).toBe(0)
      const d = await openStore(schema).runPromise(dump)
      Model.checkInvariants(d)
      return { books: books(d), reported }
    }

    it('with failedIds: "consumed", a worker killed mid-run and replaced by one that replays every batch from the start leaves exactly the books of a run without the crash', {
      timeout: 240_000
    }, async () => {
      const killAfter = 15 + Math.floor(Math.random() * 20)
      const [clean, crashed] = await Promise.all([replayRun("consumed"), replayRun("consumed", killAfter)])
      // killed mid-run: the replacement replayed committed batches and wrote the rest
      expect(crashed.reported).toBeGreaterThanOrEqual(killAfter)
      expect(crashed.reported).toBeLessThan(BATCHES - 1)
      expect(clean.books.failedIds.length).toBeGreaterThan(5)
      expect(clean.books.failedIds.map((f) => f.error._tag)).toContain("ExceedsCredits")
      expect(clean.books.holds.some((h) => h.status === "expired")).toBe(true)
      expect(clean.books.entries.some((e) => e.id === "overdraft")).toBe(false)
      expect(crashed.books).toEqual(clean.books)
      console.log(
        `consumed: killed after batch ${crashed.reported}; ${clean.books.entries.length} entries, ${clean.books.lines.length} lines, ${clean.books.holds.length} holds, ${clean.books.failedIds.length} consumed ids identical`
      )
    })

    it('with failedIds: "reusable", the same replay after the same crash changes the books: a transfer refused before a top-up succeeds when sent again after it', {
      timeout: 240_000
    }, async () => {
      const killAfter = 15 + Math.floor(Math.random() * 20)
      const [clean, crashed] = await Promise.all([replayRun("reusable"), replayRun("reusable", killAfter)])
      expect(clean.books.failedIds).toEqual([])
      expect(clean.books.entries.some((e) => e.id === "overdraft")).toBe(false)
      expect(crashed.books.entries.some((e) => e.id === "overdraft")).toBe(true)
      expect(crashed.books).not.toEqual(clean.books)
    })
  })
})
