/**
 * `pnpm bench` (webhooks): deliveries per second from the outbox to a local receiver with 100
 * endpoints, against the loop a team would hand-write instead, in the same run.
 *
 * paykit: events committed to the outbox (`paykit_outbox`), the outbox relay handing them to the
 * webhook service's notifier (one delivery row per subscribed endpoint, idempotent), and the
 * service's worker claiming, signing (`v1`, the `standardwebhooks` package), POSTing over
 * keep-alive HTTP and recording each attempt — every step durable and retried.
 * The peer: a loop over the same events × endpoints that signs with the `standardwebhooks`
 * package's `Webhook.sign` and POSTs with `fetch`, 32 at a time, keeping nothing (no queue, no
 * retry, no record): the floor a durable sender is measured against.
 *
 * Both send to the same receiver on 127.0.0.1 (100 endpoint paths, 204 at once). Printed:
 * deliveries per second, attempt latency p50 / p99 (paykit: from its attempt records; the peer:
 * per request), and the paykit / peer throughput ratio with its spread over the rounds.
 * PostgreSQL when it answers, else PGlite. Sizes: BENCH_WEBHOOK_EVENTS (default 100 events, so
 * 10,000 deliveries per round), BENCH_ROUNDS (3).
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { DomainEvent, Ids, Notifier } from "@paykit/core"
import { HttpTransport, SecretBox, WebhookStore, Webhooks } from "@paykit/notify-webhook"
import { Duration, Effect, Exit, Fiber, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { Webhook } from "standardwebhooks"
import { insertEvents } from "../src/internal/outboxInsert.ts"
import * as Outbox from "../src/Outbox.ts"
import * as WebhookStorePostgres from "../src/webhooks/WebhookStorePostgres.ts"
import { fmt, percentile, printTable, url } from "./harness.ts"

const ENDPOINTS = 100
const EVENTS = Number(process.env["BENCH_WEBHOOK_EVENTS"] ?? 100)
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 3)
const CONCURRENCY = 32

const startReceiver = async () => {
  let count = 0
  const server = createServer((req, res) => {
    req.resume()
    req.on("end", () => {
      count++
      res.writeHead(204).end()
    })
  })
  server.keepAliveTimeout = 10_000
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: (i: number) => `http://127.0.0.1:${port}/ep/${i}`,
    count: () => count,
    reset: () => {
      count = 0
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>

const box = SecretBox.makeUnsafe([{ id: "k1", key: Buffer.alloc(32, 5) }])

const stack = (store: Layer.Layer<WebhookStore.WebhookStore | SqlClient.SqlClient, unknown>) =>
  Webhooks.layer({
    secretBox: box,
    allowHttp: true,
    allowPrivate: true,
    concurrency: CONCURRENCY,
    perEndpoint: 4
  }).pipe(
    Layer.provideMerge(store),
    Layer.provideMerge(Layer.mergeAll(HttpTransport.layerNode, Ids.layer, Notifier.layerNoop))
  )

const eventsOf = (round: number) =>
  DomainEvent.envelopes(
    Array.from({ length: EVENTS }, (_, i) => ({
      type: "payments.payment.succeeded",
      subject: `pay_${round}_${i}`,
      data: { paymentId: `pay_${round}_${i}`, merchant: "m_1", amount: { amount: "1999", currency: "EUR" } }
    }))
  )

/** One paykit round: events into the outbox (one row per event, as separate commits would), relay, worker until every delivery arrived. */
const paykitRound = (receiver: Receiver, round: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const webhooks = yield* Webhooks.Webhooks
    const store = yield* WebhookStore.WebhookStore
    const events = yield* eventsOf(round).pipe(Effect.provide(Ids.layer))
    for (const e of events) yield* sql.withTransaction(insertEvents(sql, [e], "bench"))
    receiver.reset()
    const target = EVENTS * ENDPOINTS
    const started = performance.now()
    const relay = yield* Outbox.makeRelay({ batchSize: 500 }).pipe(
      Effect.provideService(Notifier.Notifier, webhooks.notifier)
    )
    const relayFiber = yield* Effect.forkChild(relay.drain)
    const worker = yield* Effect.forkChild(webhooks.run)
    while (receiver.count() < target) yield* Effect.sleep(Duration.millis(2))
    const seconds = (performance.now() - started) / 1000
    yield* Effect.ignore(Fiber.join(relayFiber))
    // give up the outbox lease now, so the next round's relay does not wait for it to lapse
    yield* Effect.ignore(relay.release)
    yield* Fiber.interrupt(worker)
    const latencies: Array<number> = []
    // this round's deliveries (seq numbers continue across rounds in the bench's schema)
    const sample = yield* store.deliveries({ limit: 1000, after: round * target })
    for (const d of sample.slice(0, 500))
      for (const a of yield* store.attempts(d.id)) latencies.push(a.latencyMs)
    return { perSec: target / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) }
  })

/** One peer round: sign with standardwebhooks and fetch, 32 at a time, nothing kept. */
const peerRound = async (receiver: Receiver, round: number) => {
  const events = await Effect.runPromise(eventsOf(round).pipe(Effect.provide(Ids.layer)))
  const hook = new Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
  const jobs: Array<() => Promise<number>> = []
  for (const e of events)
    for (let i = 0; i < ENDPOINTS; i++)
      jobs.push(async () => {
        const body = JSON.stringify({
          type: e.type,
          timestamp: e.occurredAt,
          data: { id: e.id, subject: e.subject }
        })
        const id = `msg_${e.id}`
        const t0 = performance.now()
        const res = await fetch(receiver.url(i), {
          method: "POST",
          body,
          headers: {
            "content-type": "application/json",
            "webhook-id": id,
            "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
            "webhook-signature": hook.sign(id, new Date(), body)
          }
        })
        await res.arrayBuffer()
        return performance.now() - t0
      })
  receiver.reset()
  const latencies: Array<number> = []
  const started = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++] as () => Promise<number>
        latencies.push(await job())
      }
    })
  )
  const seconds = (performance.now() - started) / 1000
  return { perSec: jobs.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) }
}

const main = async () => {
  const receiver = await startReceiver()
  const schema = `bench_wh_${Date.now().toString(36)}`
  const server = WebhookStorePostgres.layer({
    url,
    schema,
    maxConnections: 8,
    connectTimeout: Duration.seconds(3)
  })
  const reachable = await Effect.runPromise(
    Effect.map(Effect.exit(Effect.scoped(Layer.build(server))), Exit.isSuccess)
  )
  const db = reachable ? "PostgreSQL" : "PGlite"
  const store = reachable ? server : WebhookStorePostgres.layer({})
  const lines: Array<Array<string>> = []
  const ratios: Array<number> = []
  const rows = {
    paykit: [] as Array<{ perSec: number; p50: number; p99: number }>,
    peer: [] as Array<{ perSec: number; p50: number; p99: number }>
  }
  await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const webhooks = yield* Webhooks.Webhooks
        for (let i = 0; i < ENDPOINTS; i++)
          yield* webhooks.createEndpoint({ owner: "platform", url: receiver.url(i), eventTypes: ["*"] })
        for (let round = 0; round < ROUNDS; round++) {
          const p = yield* paykitRound(receiver, round)
          const q = yield* Effect.promise(() => peerRound(receiver, round))
          rows.paykit.push(p)
          rows.peer.push(q)
          ratios.push(p.perSec / q.perSec)
        }
        if (reachable) {
          const sql = yield* SqlClient.SqlClient
          yield* sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
        }
      }).pipe(Effect.provide(stack(store)))
    )
  )
  await receiver.close()
  const mean = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0) / xs.length
  for (const [name, rs] of [
    ["paykit (outbox → relay → queue → worker)", rows.paykit],
    ["peer: standardwebhooks + fetch, no queue", rows.peer]
  ] as const)
    lines.push([
      name,
      db,
      fmt(mean(rs.map((r) => r.perSec))),
      fmt(mean(rs.map((r) => r.p50)), 2),
      fmt(mean(rs.map((r) => r.p99)), 2)
    ])
  console.log(`\nwebhook deliveries: ${EVENTS} events × ${ENDPOINTS} endpoints per round, ${ROUNDS} rounds`)
  printTable(["sender", "db", "deliveries/s", "attempt p50 ms", "attempt p99 ms"], lines)
  console.log(
    `paykit / peer throughput: ${mean(ratios).toFixed(2)}× (spread ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}× over ${ROUNDS} rounds)`
  )
}

await main()
