import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { type DomainEvent, Notifier } from "@paykit/core"
import { Effect, Layer, ManagedRuntime } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { afterAll, describe, expect, it } from "vitest"
import * as Database from "../src/Database.ts"
import * as Outbox from "../src/Outbox.ts"
import { rng, watch } from "./support/crash.ts"
import { freshSchema, serverUrl } from "./support/env.ts"
import { perSubject } from "./support/events-stores.ts"
import type { EventsTask } from "./support/events-worker.ts"

/**
 * For each port that publishes events (ledger, accounts, fx, risk): worker OS processes write
 * through the service on a fresh schema and are killed with SIGKILL at random points; then a
 * relay delivers the outbox to a recording Notifier, twice for some rows. The delivered events
 * are exactly those of the changes the domain tables show committed: none lost, none of a
 * rolled-back change, and a consumer deduplicating by event id sees each once.
 */

const KILLS = 3
const workerScript = fileURLToPath(new URL("./support/events-worker.ts", import.meta.url))
const packageDir = fileURLToPath(new URL("..", import.meta.url))

const spawnEventsWorker = (task: EventsTask) =>
  spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@paykit/source", workerScript, JSON.stringify(task)],
    {
      cwd: packageDir,
      stdio: ["ignore", "pipe", "pipe"]
    }
  )

type Runtime = ManagedRuntime.ManagedRuntime<
  SqlClient.SqlClient | Notifier.RecordedEvents | Notifier.Notifier,
  unknown
>
const runtimes: Array<Runtime> = []
afterAll(async () => {
  for (const r of runtimes) await r.dispose()
})

/** `KILLS` workers one after another on `schema`, each killed with SIGKILL a random 300–1500 ms after it is open. */
const killWorkers = async (port: EventsTask["port"], schema: string, seed: number) => {
  const random = rng(seed)
  const reported: Array<number> = []
  for (let k = 0; k < KILLS; k++) {
    const child = spawnEventsWorker({ url: serverUrl!, schema, port, worker: k, fibers: 2 })
    const delay = 300 + Math.floor(random() * 1_200)
    let timer: NodeJS.Timeout | undefined
    const guard = setTimeout(() => child.kill("SIGKILL"), 90_000)
    let committed = 0
    const result = await watch(child, (line) => {
      if (line["ready"] === true && timer === undefined)
        timer = setTimeout(() => child.kill("SIGKILL"), delay)
      if (typeof line["committed"] === "number") committed = line["committed"]
    })
    clearTimeout(guard)
    expect(timer, result.stderr).toBeDefined()
    expect(result.signal, result.stderr).toBe("SIGKILL")
    // killed while writing: it had finished some operations and was in the middle of others
    expect(committed, result.stderr).toBeGreaterThan(0)
    reported.push(committed)
  }
  return reported
}

/** A dedup consumer's view: each event id once, at its first delivery. */
const dedup = (events: ReadonlyArray<DomainEvent.DomainEvent>) => {
  const seen = new Set<string>()
  return events.filter((e) => {
    if (seen.has(e.id)) return false
    seen.add(e.id)
    return true
  })
}

/**
 * After the kills: waits until the killed clients' last transactions have ended (the counts hold
 * still), then relays everything to a recording Notifier, marks every third outbox row unsent
 * and relays again (a redelivery, as after a relay crash between notify and mark). Returns what
 * the Notifier received and the number of redelivered events.
 */
const deliver = (runtime: Runtime, counts: Effect.Effect<string, unknown, SqlClient.SqlClient>) =>
  runtime.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const snapshot = Effect.zipWith(
        counts,
        sql<{
          n: string
        }>`SELECT count(*)::text || '/' || coalesce(sum(count), 0)::text AS n FROM paykit_outbox`,
        (a, b) => `${a}|${b[0]?.n}`
      )
      let last = yield* snapshot
      for (let i = 0; i < 50; i++) {
        yield* Effect.sleep("300 millis")
        const now = yield* snapshot
        if (now === last) break
        last = now
      }
      const relay = yield* Outbox.makeRelay({ batchSize: 50 })
      const first = yield* relay.drain
      const [again] = yield* sql<{ n: string }>`WITH u AS (UPDATE paykit_outbox SET sent_at = NULL
          WHERE seq % 3 = 0 RETURNING count) SELECT coalesce(sum(count), 0)::text AS n FROM u`
      const second = yield* relay.drain
      expect(second).toBe(Number(again?.n ?? 0))
      expect(yield* relay.pending).toBe(0)
      yield* relay.release
      const recorded = yield* Effect.flatMap(Notifier.RecordedEvents, (r) => r.all)
      expect(recorded.length).toBe(first + second)
      return { recorded, redelivered: second }
    })
  )

/** A client on `schema` and a recording Notifier; disposing the runtime drops the schema. */
const openRuntime = (schema: string): Runtime => {
  const dropOnClose = Layer.effectDiscard(
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      Effect.addFinalizer(() => sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).pipe(Effect.ignore))
    )
  )
  const runtime = ManagedRuntime.make(
    Layer.merge(
      dropOnClose.pipe(Layer.provideMerge(Database.layer({ url: serverUrl!, schema, maxConnections: 2 }))),
      Notifier.layerMemory
    )
  ) as Runtime
  runtimes.push(runtime)
  return runtime
}

const query = <A extends object>(
  runtime: Runtime,
  q: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>
) => runtime.runPromise(Effect.flatMap(SqlClient.SqlClient, q))

const count = (table: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql.unsafe<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`),
      (rows) => rows[0]?.n ?? "0"
    )
  )

/**
 * One port's run: the kills on a fresh schema, then the deliveries; checks that rows were
 * redelivered and returns the dedup consumer's view (each event once, first delivery order).
 */
const crashRun = async (port: EventsTask["port"], seed: number, counted: string) => {
  const schema = freshSchema(`evcrash_${port}`)
  const reported = await killWorkers(port, schema, seed)
  const runtime = openRuntime(schema)
  const out = await deliver(runtime, count(counted))
  const unique = dedup(out.recorded)
  expect(out.redelivered).toBeGreaterThan(0)
  expect(out.recorded.length).toBe(unique.length + out.redelivered)
  return { runtime, unique, reported }
}

const sorted = (xs: ReadonlyArray<string>) => [...xs].sort()

describe.skipIf(serverUrl === undefined)("events survive SIGKILLed writers on PostgreSQL", () => {
  it("ledger: every committed account and entry has its event delivered, no other; each event once after dedup", {
    timeout: 120_000
  }, async () => {
    const { runtime, unique, reported } = await crashRun("ledger", 11, "paykit_ledger_entries")
    const accounts = await query(runtime, (sql) => sql<{ id: string }>`SELECT id FROM paykit_ledger_accounts`)
    const entries = await query(
      runtime,
      (sql) => sql<{ id: string }>`SELECT id FROM paykit_ledger_entries WHERE kind <> 'failed'`
    )
    expect(entries.length).toBeGreaterThanOrEqual(reported.reduce((a, b) => a + b, 0))
    expect(sorted(unique.map((e) => `${e.type} ${e.subject}`))).toEqual(
      sorted([
        ...accounts.map((a) => `ledger.account.created ${a.id}`),
        ...entries.map((e) => `ledger.entry.posted ${e.id}`)
      ])
    )
  })

  it("accounts: every committed version's events are delivered, in order per account, none of a rolled-back commit; each once after dedup", {
    timeout: 120_000
  }, async () => {
    const { runtime, unique } = await crashRun("accounts", 12, "paykit_accounts_audit")
    // the service's commits per account: register (version 1), update (2), verify (3)
    const byVersion = [
      [],
      ["accounts.account.registered", "accounts.requirements.updated"],
      ["accounts.profile.updated"],
      ["accounts.verification.updated", "accounts.account.activated", "accounts.requirements.updated"]
    ]
    const rows = await query(
      runtime,
      (sql) =>
        sql<{ id: string; version: number }>`SELECT id, version::int AS version FROM paykit_accounts_accounts`
    )
    expect(rows.length).toBeGreaterThan(KILLS)
    const expected: Record<string, Array<string>> = {}
    for (const r of rows) expected[r.id] = byVersion.slice(0, r.version + 1).flat()
    expect(perSubject(unique)).toEqual(expected)
  })

  it("fx: every saved quote's locked event and every consumed quote's executed event are delivered, no other; each once after dedup", {
    timeout: 120_000
  }, async () => {
    const { runtime, unique } = await crashRun("fx", 13, "paykit_fx_quotes WHERE used_at IS NOT NULL")
    const quotes = await query(
      runtime,
      (sql) =>
        sql<{ id: string; used: boolean }>`SELECT id, used_at IS NOT NULL AS used FROM paykit_fx_quotes`
    )
    expect(quotes.some((q) => q.used)).toBe(true)
    const expected: Record<string, Array<string>> = {}
    for (const q of quotes)
      expected[q.id] = q.used ? ["fx.quote.locked", "fx.quote.executed"] : ["fx.quote.locked"]
    expect(perSubject(unique)).toEqual(expected)
  })

  it("risk: every recorded assessment's alert is delivered, no other; each once after dedup", {
    timeout: 120_000
  }, async () => {
    const { runtime, unique } = await crashRun("risk", 14, "paykit_risk_velocity")
    const recorded = await query(
      runtime,
      (sql) => sql<{ id: string }>`SELECT DISTINCT id FROM paykit_risk_velocity`
    )
    expect(recorded.length).toBeGreaterThan(KILLS)
    expect(new Set(unique.map((e) => e.type))).toEqual(new Set(["risk.alert.raised"]))
    expect(sorted(unique.map((e) => (e.data as { paymentId: string }).paymentId))).toEqual(
      sorted(recorded.map((r) => r.id))
    )
  })
})
