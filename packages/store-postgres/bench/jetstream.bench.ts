/**
 * `pnpm exec tsx --conditions=@paykit/source bench/jetstream.bench.ts` (from the package): events
 * per second relayed from the transactional outbox to NATS JetStream, beside what a user would
 * write instead, in the same process, against the same server and stream.
 *
 * Rows, each moving `BENCH_JETSTREAM_EVENTS` (default 10,000) ~400-byte events per round:
 *
 * - **outbox relay → JetStream**: the events wait in `paykit_outbox` (rows of 5, as writes leave
 *   them; written before the clock starts), `Outbox.makeRelay({ batchSize: 500 }).drain` of
 *   `@paykit/store-postgres` hands them to `JetStreamNotifier` and marks them sent. PostgreSQL
 *   when `PAYKIT_TEST_DATABASE_URL` is set (a fresh schema, dropped at the end), else embedded
 *   PGlite in memory.
 * - **JetStreamNotifier.notify** alone, batches of 500, no outbox: the publishing strategy's
 *   share (pipelined across aggregates, each PubAck awaited).
 * - **peer: plain `await js.publish` loop** with `msgID`, no outbox: one publish at a time, as
 *   the `@nats-io/jetstream` examples do.
 * - **reference: `Promise.all` of 500 `js.publish`**: the client's own ceiling, every publish of
 *   a batch in flight at once (no order kept within an aggregate when one fails).
 *
 * Latency is per batch of 500 events (a relay pass's notifier call; 500 iterations of the loop),
 * p50 and p99 over all rounds. The multiple is a row's time per event over the peer's, per
 * round (above 1 is slower), as the median of the rounds and their spread (min–max). Rows run
 * in alternating order over `BENCH_ROUNDS` (default 5) rounds. Skipped, with a message, when no
 * NATS server with JetStream answers at `NATS_URL` (default 127.0.0.1:4222). Never run inside
 * the tests.
 *
 * (The outbox comes from `@paykit/store-postgres`, which depends on this package the other way
 * round; the bench reaches its sources by path instead of declaring a dependency.)
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { DomainEvent, Ids, Notifier } from "@paykit/core"
import { Effect, Layer, ManagedRuntime } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as Database from "../src/Database.ts"
import { insertEvents } from "../src/internal/outboxInsert.ts"
import * as Migrations from "../src/Migrations.ts"
import * as Outbox from "../src/Outbox.ts"
import { JetStreamNotifier, Stream } from "@paykit/notify-webhook/jetstream"

const ROUNDS = Math.max(1, Number(process.env["BENCH_ROUNDS"] ?? 5))
const EVENTS = Math.max(500, Number(process.env["BENCH_JETSTREAM_EVENTS"] ?? 10_000))
const BATCH = 500
const PER_WRITE = 5
const SERVERS = process.env["NATS_URL"] || "127.0.0.1:4222"
const DB_URL = process.env["PAYKIT_TEST_DATABASE_URL"] || undefined

const run = Date.now().toString(36)
const prefix = `bench${run}`
const streamName = `BENCH_JS_${run.toUpperCase()}`
const schema = `bench_js_${run}`

const percentile = (xs: ReadonlyArray<number>, p: number): number => {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}
const median = (xs: ReadonlyArray<number>) => percentile(xs, 50)

const printTable = (header: ReadonlyArray<string>, lines: ReadonlyArray<ReadonlyArray<string>>) => {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)))
  const row = (cells: ReadonlyArray<string>) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`
  console.log(row(header))
  console.log(`| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`)
  for (const l of lines) console.log(row(l))
}

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

/** `n` envelopes of ~400 bytes about 1,000 aggregates, with fresh ULIDs. */
const makeEvents = (n: number) =>
  Effect.runPromise(
    DomainEvent.envelopes(
      Array.from({ length: n }, (_, i) => ({
        type:
          i % 3 === 0 ? "ledger.entry.posted" : i % 3 === 1 ? "payments.payment.captured" : "fx.quote.locked",
        subject: `acc_${(i * 7919) % 1_000}`,
        data: {
          entryId: `e_${run}_${i}`,
          postings: [
            {
              debit: "cash",
              credit: `wallet:${i % 1_000}`,
              amount: String(100 + (i % 9_000)),
              currency: "EUR"
            },
            { debit: `wallet:${i % 1_000}`, credit: "fees", amount: "29", currency: "EUR" }
          ],
          metadata: { orderId: `o_${i}`, channel: "web" }
        }
      }))
    ).pipe(Effect.provide(Ids.layer))
  )

interface Row {
  readonly name: string
  /** Per round: seconds spent and events moved. */
  readonly rounds: Array<{ seconds: number; events: number }>
  /** Milliseconds per batch of 500, all rounds. */
  readonly batches: Array<number>
}

const main = async () => {
  if (!(await natsAnswers())) {
    console.log(`\njetstream bench: skipped, no NATS server with JetStream answers at ${SERVERS}`)
    return
  }
  const nc: NatsConnection = await connect({ servers: SERVERS, timeout: 2_000 })
  const info = await Effect.runPromise(
    Stream.ensureStream(nc, { name: streamName, subjects: [`${prefix}.>`], duplicateWindow: "2 minutes" })
  )
  const db = DB_URL === undefined ? "PGlite (in memory)" : "PostgreSQL"
  const dropSchema = Layer.effectDiscard(
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      Effect.addFinalizer(() =>
        DB_URL === undefined
          ? Effect.void
          : sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).pipe(Effect.ignore)
      )
    )
  )
  const runtime = ManagedRuntime.make(
    Layer.mergeAll(
      dropSchema.pipe(
        Layer.provideMerge(
          Database.layer(DB_URL === undefined ? {} : { url: DB_URL, schema, maxConnections: 2 })
        )
      ),
      JetStreamNotifier.layer({ connection: nc, subjectPrefix: prefix, stream: streamName })
    )
  )
  try {
    console.log(
      `\njetstream relay: ${EVENTS.toLocaleString("en")} events a round, ${ROUNDS} rounds, batches of ${BATCH}, ${db}, nats-server ${nc.info?.version ?? "?"} (${info.config.storage} storage)`
    )
    await runtime.runPromise(Migrations.run(Migrations.outbox))
    const notifier = await runtime.runPromise(Notifier.Notifier)
    // the relay's notifier calls, timed one by one
    let batchTimes: Array<number> = []
    const timed = Notifier.Notifier.of({
      notify: (events) =>
        Effect.suspend(() => {
          const t = performance.now()
          return Effect.tap(notifier.notify(events), () =>
            Effect.sync(() => {
              batchTimes.push(performance.now() - t)
            })
          )
        })
    })
    const relay = await runtime.runPromise(
      Outbox.makeRelay({ batchSize: BATCH }).pipe(Effect.provideService(Notifier.Notifier, timed))
    )
    const js = jetstream(nc)

    const relayRow: Row = { name: `outbox relay → JetStream (${db})`, rounds: [], batches: [] }
    const notifyRow: Row = { name: "JetStreamNotifier.notify, no outbox", rounds: [], batches: [] }
    const loopRow: Row = { name: "peer: plain `await js.publish` loop", rounds: [], batches: [] }
    const allRow: Row = { name: "reference: Promise.all of 500 js.publish", rounds: [], batches: [] }

    const relayRound = async () => {
      const events = await makeEvents(EVENTS)
      await runtime.runPromise(
        Effect.flatMap(SqlClient.SqlClient, (sql) =>
          sql.withTransaction(
            Effect.forEach(
              Array.from({ length: Math.ceil(EVENTS / PER_WRITE) }, (_, w) => w),
              (w) => insertEvents(sql, events.slice(w * PER_WRITE, (w + 1) * PER_WRITE), "bench"),
              { discard: true }
            )
          )
        )
      )
      batchTimes = []
      const t = performance.now()
      const moved = await runtime.runPromise(relay.drain)
      const seconds = (performance.now() - t) / 1000
      if (moved !== EVENTS) throw new Error(`the relay moved ${moved} events, expected ${EVENTS}`)
      relayRow.rounds.push({ seconds, events: moved })
      relayRow.batches.push(...batchTimes)
    }

    const notifyRound = async () => {
      const events = await makeEvents(EVENTS)
      const t = performance.now()
      for (let i = 0; i < events.length; i += BATCH) {
        const b = performance.now()
        await runtime.runPromise(notifier.notify(events.slice(i, i + BATCH)))
        notifyRow.batches.push(performance.now() - b)
      }
      notifyRow.rounds.push({ seconds: (performance.now() - t) / 1000, events: events.length })
    }

    const loopRound = async () => {
      const events = await makeEvents(EVENTS)
      const t = performance.now()
      for (let i = 0; i < events.length; i += BATCH) {
        const b = performance.now()
        for (const e of events.slice(i, i + BATCH))
          await js.publish(`${prefix}.${e.type}`, JSON.stringify(e), { msgID: e.id })
        loopRow.batches.push(performance.now() - b)
      }
      loopRow.rounds.push({ seconds: (performance.now() - t) / 1000, events: events.length })
    }

    const allRound = async () => {
      const events = await makeEvents(EVENTS)
      const t = performance.now()
      for (let i = 0; i < events.length; i += BATCH) {
        const b = performance.now()
        await Promise.all(
          events
            .slice(i, i + BATCH)
            .map((e) => js.publish(`${prefix}.${e.type}`, JSON.stringify(e), { msgID: e.id }))
        )
        allRow.batches.push(performance.now() - b)
      }
      allRow.rounds.push({ seconds: (performance.now() - t) / 1000, events: events.length })
    }

    // a warm-up of each (JIT, connections, the stream's first blocks), not recorded
    {
      const warm = await makeEvents(BATCH)
      await runtime.runPromise(notifier.notify(warm))
      for (const e of (await makeEvents(100)).values())
        await js.publish(`${prefix}.${e.type}`, JSON.stringify(e), { msgID: e.id })
    }
    const steps = [relayRound, notifyRound, loopRound, allRound]
    for (let r = 0; r < ROUNDS; r++) {
      for (const step of r % 2 === 0 ? steps : [...steps].reverse()) await step()
      process.stdout.write(`  round ${r + 1}/${ROUNDS} done\n`)
    }
    await runtime.runPromise(relay.release)

    const perEvent = (row: Row, r: number) => row.rounds[r]!.seconds / row.rounds[r]!.events
    const lines = [relayRow, notifyRow, loopRow, allRow].map((row) => {
      const total = row.rounds.reduce((n, x) => n + x.events, 0)
      const seconds = row.rounds.reduce((n, x) => n + x.seconds, 0)
      const rates = row.rounds.map((x) => x.events / x.seconds)
      const multiples = row.rounds.map((_, r) => perEvent(row, r) / perEvent(loopRow, r))
      return [
        row.name,
        Math.round(total / seconds).toLocaleString("en"),
        `${Math.round(Math.min(...rates)).toLocaleString("en")}–${Math.round(Math.max(...rates)).toLocaleString("en")}`,
        percentile(row.batches, 50).toFixed(1),
        percentile(row.batches, 99).toFixed(1),
        row === loopRow ? "1 (peer)" : `${median(multiples).toFixed(2)}×`,
        row === loopRow ? "-" : `${Math.min(...multiples).toFixed(2)}–${Math.max(...multiples).toFixed(2)}×`
      ]
    })
    console.log("")
    printTable(
      [
        "path",
        "events/s",
        "rounds' range",
        `p50 ms / ${BATCH}`,
        `p99 ms / ${BATCH}`,
        "time multiple (median)",
        "spread"
      ],
      lines
    )
    const stored = (await (await jetstreamManager(nc)).streams.info(streamName)).state.messages
    console.log(
      `\n  stream ${streamName}: ${stored.toLocaleString("en")} messages stored (${(ROUNDS * 4 * EVENTS + BATCH + 100).toLocaleString("en")} published, each once)`
    )
  } finally {
    await (await jetstreamManager(nc)).streams.delete(streamName).catch(() => false)
    await runtime.dispose()
    await nc.drain()
  }
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
