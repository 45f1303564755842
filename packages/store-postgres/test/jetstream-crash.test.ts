import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { jetstreamManager } from "@nats-io/jetstream"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { type DomainEvent, DomainEvent as Events, Ids } from "@paykit/core"
import { Consumer, SeenEvents, SeenEventsFailed, Stream } from "@paykit/notify-webhook/jetstream"
import { Deferred, Duration, Effect, Fiber, Layer, ManagedRuntime, References } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import * as Database from "../src/Database.ts"
import { insertEvents } from "../src/internal/outboxInsert.ts"
import * as Migrations from "../src/Migrations.ts"
import { watch } from "./support/crash.ts"
import { freshSchema, serverUrl } from "./support/env.ts"
import type { RelayTask } from "./support/jetstream-relay-worker.ts"

/**
 * The outbox relayed to NATS JetStream survives SIGKILL: 5,000 events wait in the outbox of a
 * fresh schema; a relay worker process (`Outbox.makeRelay` with the JetStream notifier, 20
 * events a pass, a 1.5 s lease) is killed with SIGKILL mid-stream between publishing a batch
 * and marking it sent, a second one at whatever point it has reached after 1,500 events, and a
 * third, started after the lease lapsed, finishes. Meanwhile a durable consumer in this process handles every event into a table, with
 * its handled ids in the same PostgreSQL transaction (`SeenEvents.makeSql`); the first 25
 * commits "lose their answer" (fail after committing), so those events are delivered again.
 *
 * Afterwards the stream holds each event once (JetStream dropped the killed relays' re-sends by
 * msgID), the consumer handled each event exactly once and in outbox order per aggregate, its
 * effect table holds exactly the outbox's event ids, and the redeliveries were caught by the
 * consumer's dedup. Runs when PostgreSQL (PAYKIT_TEST_DATABASE_URL) and NATS with JetStream
 * (127.0.0.1:4222) both answer.
 */

const N = 5_000
const BATCH = 20
const LEASE_MS = 1_500
const LOST_ANSWERS = 25
/**
 * The relays killed: the first hangs between a notifier call and the mark once it handed over
 * 1,000 events (killed there), the second is killed as soon as it reports 1,500 events marked.
 */
const KILLS: ReadonlyArray<{ readonly stallAfter?: number; readonly killAfter?: number }> = [
  { stallAfter: 1_000 },
  { killAfter: 1_500 }
]
const SERVERS = process.env["PAYKIT_TEST_NATS_URL"] || "127.0.0.1:4222"

const natsAnswers = async (): Promise<boolean> => {
  try {
    const nc = await connect({ servers: SERVERS, timeout: 1_000, reconnect: false })
    try {
      await jetstreamManager(nc, { timeout: 1_000 })
      return true
    } finally {
      await nc.close()
    }
  } catch {
    return false
  }
}

const natsUp = serverUrl !== undefined && (await natsAnswers())
if (serverUrl !== undefined && !natsUp)
  console.warn(`jetstream-crash.test.ts: no NATS server with JetStream at ${SERVERS}; skipped`)

const workerScript = fileURLToPath(new URL("./support/jetstream-relay-worker.ts", import.meta.url))
const packageDir = fileURLToPath(new URL("..", import.meta.url))

const spawnRelay = (task: RelayTask) =>
  spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@paykit/source", workerScript, JSON.stringify(task)],
    {
      cwd: packageDir,
      stdio: ["ignore", "pipe", "pipe"]
    }
  )

const TYPES = ["ledger.entry.posted", "payments.payment.captured", "fx.quote.locked"]

/**
 * The outbox's content: writes of 1 to 7 events each about 1 to 3 of 100 aggregates, until `N`
 * events; answers them in outbox order.
 */
const seed = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const drafts: Array<Array<DomainEvent.Draft>> = []
  let n = 0
  for (let w = 0; n < N; w++) {
    const size = Math.min(1 + (w % 7), N - n)
    drafts.push(
      Array.from({ length: size }, (_, k) => ({
        type: TYPES[(n + k) % TYPES.length]!,
        subject: `agg_${(w * 3 + (k % 3)) % 100}`,
        data: { n: n + k, amount: String(100 + n + k) }
      }))
    )
    n += size
  }
  const written: Array<DomainEvent.DomainEvent> = []
  yield* sql.withTransaction(
    Effect.forEach(
      drafts,
      (d) =>
        Effect.flatMap(Events.envelopes(d), (events) => {
          written.push(...events)
          return insertEvents(sql, events, "jetstream crash test")
        }),
      { discard: true }
    )
  )
  return written
}).pipe(Effect.provide(Ids.layer))

const pending = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.map(
    sql<{ n: number }>`SELECT coalesce(sum(count), 0)::int AS n FROM paykit_outbox WHERE sent_at IS NULL`,
    (rows) => rows[0]?.n ?? 0
  )
)

interface Settled {
  readonly outcome: Consumer.Outcome
  readonly id: string | undefined
  readonly subject: string | undefined
}

describe.skipIf(!natsUp)("the outbox relayed to JetStream under SIGKILL", () => {
  it("relays killed mid-stream and restarted: the stream holds each event once, the consumer handles each once, none lost", {
    timeout: 240_000
  }, async () => {
    const schema = freshSchema("jscrash")
    const run = schema.slice(schema.indexOf("_", 2) + 1)
    const prefix = `jscrash_${run}`
    const stream = `JSCRASH_${run.toUpperCase()}`
    const runtime = ManagedRuntime.make(
      Layer.effectDiscard(
        Effect.flatMap(SqlClient.SqlClient, (sql) =>
          Effect.addFinalizer(() =>
            sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).pipe(Effect.ignore)
          )
        )
      ).pipe(Layer.provideMerge(Database.layer({ url: serverUrl!, schema, maxConnections: 4 })))
    )
    const nc: NatsConnection = await connect({ servers: SERVERS, timeout: 2_000 })
    let consumer: Fiber.Fiber<never, unknown> | undefined
    try {
      await runtime.runPromise(Migrations.run(Migrations.outbox))
      const events = await runtime.runPromise(seed)
      expect(events).toHaveLength(N)
      await Effect.runPromise(
        Stream.ensureStream(nc, { name: stream, subjects: [`${prefix}.>`], duplicateWindow: "5 minutes" })
      )

      // the consumer: effects and handled ids in one transaction, the first commits' answers lost
      const settled: Array<Settled> = []
      const handled = new Set<string>()
      /** The events whose commit "lost its answer": committed, then reported failed. */
      const lostIds = new Set<string>()
      let lostCaught = 0
      let current = ""
      const allHandled = await runtime.runPromise(Deferred.make<void>())
      consumer = runtime.runFork(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql`CREATE TABLE jscrash_effects (event_id text NOT NULL, subject text NOT NULL)`
          const store = yield* SeenEvents.makeSql({ table: "jscrash_seen" })
          const dedup = SeenEvents.SeenEvents.of({
            has: store.has,
            add: store.add,
            transaction: (self) =>
              Effect.flatMap(store.transaction(self), (a) => {
                if (a !== "handled" || lostIds.size >= LOST_ANSWERS) return Effect.succeed(a)
                lostIds.add(current)
                return Effect.fail(new SeenEventsFailed({ reason: "the commit's answer was lost" }))
              })
          })
          return yield* Consumer.consume({
            connection: nc,
            stream,
            durable: "jscrash",
            dedup,
            retryDelay: () => Duration.millis(100),
            handle: (event) =>
              Effect.andThen(
                Effect.sync(() => {
                  current = event.id
                }),
                sql`INSERT INTO jscrash_effects (event_id, subject) VALUES (${event.id}, ${event.subject})`
              ),
            onOutcome: (outcome, m) =>
              Effect.suspend(() => {
                const id = m.event?.id
                settled.push({ outcome, id, subject: m.event?.subject })
                if (outcome === "handled" && id !== undefined) handled.add(id)
                if (outcome === "duplicate" && id !== undefined && lostIds.has(id)) lostCaught++
                return handled.size + lostIds.size === N && lostCaught === lostIds.size
                  ? Deferred.succeed(allHandled, undefined)
                  : Effect.void
              })
          })
        }).pipe(Effect.provideService(References.MinimumLogLevel, "Error"))
      )

      // the relays: two killed with SIGKILL mid-stream, the third lets finish
      const task: RelayTask = {
        url: serverUrl!,
        schema,
        servers: SERVERS,
        subjectPrefix: prefix,
        stream,
        batchSize: BATCH,
        leaseMs: LEASE_MS
      }
      const jsm = await jetstreamManager(nc)
      const reports: Array<{ killed: boolean; delivered: number; published: number; duplicates: number }> = []
      let stalledBatch = 0
      for (let k = 0; k <= KILLS.length; k++) {
        const kill = KILLS[k]
        const child = spawnRelay({ ...task, stallAfter: kill?.stallAfter })
        const guard = setTimeout(() => child.kill("SIGKILL"), 120_000)
        let last = { delivered: 0, published: 0, duplicates: 0 }
        let done = false
        const result = await watch(child, (line) => {
          if (typeof line["delivered"] === "number") {
            last = line as typeof last
            if (kill?.killAfter !== undefined && last.delivered >= kill.killAfter) child.kill("SIGKILL")
          }
          if (line["stalled"] === true) {
            stalledBatch = line["batch"] as number
            child.kill("SIGKILL")
          }
          if (line["done"] === true) done = true
        })
        clearTimeout(guard)
        if (kill !== undefined) {
          expect(result.signal, result.stderr).toBe("SIGKILL")
          // killed mid-stream: events reached the stream, others still wait in the outbox
          const left = await runtime.runPromise(pending)
          const stored = (await jsm.streams.info(stream)).state.messages
          expect(left, result.stderr).toBeGreaterThan(0)
          expect(stored).toBeGreaterThan(0)
          expect(stored).toBeLessThan(N)
          if (kill.stallAfter !== undefined) {
            // the stalled batch is in the stream and still unsent in the outbox
            expect(stored).toBe(N - left + stalledBatch)
            expect(stalledBatch).toBeGreaterThan(0)
          }
        } else {
          expect(result.code, result.stderr).toBe(0)
          expect(done).toBe(true)
        }
        reports.push({ killed: kill !== undefined, ...last })
      }
      // the second relay began by re-sending the stalled batch: JetStream dropped all of it
      expect(reports[1]!.duplicates).toBe(stalledBatch)
      expect(await runtime.runPromise(pending)).toBe(0)

      // JetStream stored each event once: the killed relays' re-sends were dropped by msgID
      const info = await jsm.streams.info(stream)
      expect(info.state.messages).toBe(N)

      await runtime.runPromise(
        Deferred.await(allHandled).pipe(
          Effect.timeoutOrElse({
            duration: Duration.seconds(120),
            orElse: () =>
              Effect.die(
                new Error(
                  `the consumer handled ${handled.size + lostIds.size} of ${N} events in 120 s (${lostCaught} of ${lostIds.size} lost answers caught)`
                )
              )
          })
        )
      )
      await runtime.runPromise(Fiber.interrupt(consumer))
      consumer = undefined

      // every event handled exactly once (a lost answer's commit did happen), none lost
      const firstHandling = settled.filter(
        (s) => s.outcome === "handled" || (s.outcome === "failed" && lostIds.has(s.id!))
      )
      expect(firstHandling).toHaveLength(N)
      expect(settled.filter((s) => s.outcome === "handled")).toHaveLength(handled.size)
      expect(new Set(firstHandling.map((s) => s.id))).toEqual(new Set(events.map((e) => e.id)))
      expect(settled.filter((s) => s.outcome === "malformed")).toHaveLength(0)
      // and in outbox order per aggregate
      const order = (
        xs: ReadonlyArray<{ readonly id: string | undefined; readonly subject: string | undefined }>
      ) => {
        const per: Record<string, Array<string>> = {}
        for (const x of xs) {
          const list = per[x.subject!] ?? []
          list.push(x.id!)
          per[x.subject!] = list
        }
        return per
      }
      expect(order(firstHandling)).toEqual(order(events))
      // the effects: exactly the outbox's ids, each once
      const effects = await runtime.runPromise(
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql<{ event_id: string }>`SELECT event_id FROM jscrash_effects`
        )
      )
      expect(effects).toHaveLength(N)
      expect(new Set(effects.map((r) => r.event_id))).toEqual(new Set(events.map((e) => e.id)))

      const droppedByJetStream = reports.reduce((n, r) => n + r.duplicates, 0)
      const caughtByConsumer = settled.filter((s) => s.outcome === "duplicate").length
      expect(lostIds.size).toBe(LOST_ANSWERS)
      expect(caughtByConsumer).toBeGreaterThanOrEqual(LOST_ANSWERS)
      console.log(
        `jetstream crash: ${N} events; relays ${reports
          .map((r) => `${r.killed ? "killed" : "finished"} after ${r.delivered} marked sent`)
          .join(
            ", "
          )}; JetStream dropped ${droppedByJetStream} re-sent events as duplicates (stream holds ${info.state.messages}); the consumer's dedup caught ${caughtByConsumer} redeliveries (${LOST_ANSWERS} commits whose answer was lost)`
      )
    } finally {
      if (consumer !== undefined) await runtime.runPromise(Fiber.interrupt(consumer))
      const jsm = await jetstreamManager(nc)
      await jsm.streams.delete(stream).catch(() => false)
      await nc.drain()
      await runtime.dispose()
    }
  })
})
