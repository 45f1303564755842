import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath } from "node:url"
import { type DomainEvent, Ids } from "@paykit/core"
import {
  type Delivery,
  HttpTransport,
  SecretBox,
  Signing,
  WebhookStore,
  Webhooks
} from "@paykit/notify-webhook"
import { Effect, Layer, ManagedRuntime, Result } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import * as WebhookStorePostgres from "../src/webhooks/WebhookStorePostgres.ts"
import { freshSchema, serverUrl } from "./support/env.ts"

/**
 * Two delivering OS processes on one PostgreSQL schema. Each runs the `Webhooks` service's
 * delivery loop (test/support/webhooks-worker.ts) against a receiver in this process on
 * 127.0.0.1, which answers 500 to the first attempt of every message on half of the endpoints.
 * Every delivery succeeds; each (delivery, attempt number) is POSTed once across both processes,
 * attempt numbers are contiguous, and per (endpoint, subject) the receiver sees a delivery's
 * attempts only after every attempt of the deliveries queued before it. Then one process is
 * killed (SIGKILL) mid-run: the other finishes everything once the dead one's leases ran out, and
 * deliveries stay at least once (an attempt in flight at the kill may come again with the same
 * `webhook-id`).
 */

const workerScript = fileURLToPath(new URL("./support/webhooks-worker.ts", import.meta.url))
const packageDir = fileURLToPath(new URL("..", import.meta.url))
const masterKey = randomBytes(32)

interface Worker {
  readonly child: ChildProcess
  readonly ready: Promise<void>
  readonly exit: Promise<{
    readonly code: number | null
    readonly signal: NodeJS.Signals | null
    readonly stderr: string
  }>
}

/** Starts a worker process (node itself with tsx as a loader, so a SIGKILL reaches it). */
const startWorker = (
  schema: string,
  worker: string,
  timeoutMs: number,
  leaseMs?: number | undefined
): Worker => {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--conditions=@paykit/source",
      workerScript,
      JSON.stringify({
        url: serverUrl,
        schema,
        worker,
        key: masterKey.toString("base64"),
        timeoutMs,
        ...(leaseMs === undefined ? {} : { leaseMs })
      })
    ],
    { cwd: packageDir, stdio: ["ignore", "pipe", "pipe"] }
  )
  let stderr = ""
  let markReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => {
    markReady = resolve
  })
  let buffer = ""
  child.stdout!.on("data", (d: Buffer) => {
    buffer += d.toString()
    for (let i = buffer.indexOf("\n"); i >= 0; i = buffer.indexOf("\n")) {
      const line = buffer.slice(0, i)
      buffer = buffer.slice(i + 1)
      if (line.includes('"ready":true')) markReady()
    }
  })
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString()
  })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>(
    (resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stderr }))
  )
  return {
    child,
    exit,
    ready: Promise.race([
      ready,
      exit.then((e) => Promise.reject(new Error(`worker ${worker} exited before it was ready: ${e.stderr}`)))
    ])
  }
}

/** One POST as the receiver saw it, in arrival order. */
interface Post {
  readonly path: string
  readonly id: string
  readonly agent: string
  readonly subject: string
  readonly status: number
  readonly verified: boolean
}

/**
 * The receiver: records every POST, answers 500 to the first POST of a message on the paths in
 * `failFirst` and 204 otherwise, after `delayMs`; checks each signature with its endpoint's secret.
 */
const startReceiver = async (options: {
  readonly failFirst: ReadonlySet<string>
  readonly delayMs: number
}) => {
  const posts: Array<Post> = []
  const secrets = new Map<string, string>()
  const seen = new Set<string>()
  const server = http.createServer((req, res) => {
    let body = ""
    req.on("data", (c: Buffer) => {
      body += c.toString()
    })
    req.on("end", () => {
      const path = req.url ?? ""
      const id = String(req.headers["webhook-id"])
      const first = !seen.has(`${path} ${id}`)
      seen.add(`${path} ${id}`)
      const status = first && options.failFirst.has(path) ? 500 : 204
      const secret = secrets.get(path)
      posts.push({
        path,
        id,
        agent: String(req.headers["user-agent"]),
        subject: String((JSON.parse(body) as { data: { subject: string } }).data.subject),
        status,
        verified:
          secret !== undefined &&
          Result.isSuccess(Signing.verify({ payload: body, headers: req.headers, keys: [secret] }))
      })
      setTimeout(() => {
        res.writeHead(status)
        res.end()
      }, options.delayMs)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    posts,
    secrets,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

/** This process's side: the store and the service, to register endpoints, queue events and read back. */
const openHere = (schema: string) =>
  ManagedRuntime.make(
    Webhooks.layer({
      secretBox: SecretBox.makeUnsafe([{ id: "k1", key: masterKey }]),
      allowHttp: true,
      allowPrivate: true
    }).pipe(
      Layer.provideMerge(
        Layer.mergeAll(
          WebhookStorePostgres.layer({ url: serverUrl!, schema, maxConnections: 2 }),
          HttpTransport.layerNode,
          Ids.layer
        )
      )
    )
  )

type Here = ReturnType<typeof openHere>

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const event = (n: number, subject: string): DomainEvent.DomainEvent => ({
  id: `01J${String(n).padStart(23, "0")}`,
  type: "test.thing.happened",
  occurredAt: new Date(1_767_225_600_000 + n).toISOString(),
  subject,
  data: { n }
})

/** Registers one platform endpoint per path (every event type), remembering its secret for the receiver. */
const register = async (
  here: Here,
  receiver: Awaited<ReturnType<typeof startReceiver>>,
  paths: ReadonlyArray<string>
) => {
  const byEndpoint = new Map<string, string>()
  for (const path of paths) {
    const created = await here.runPromise(
      Effect.flatMap(Webhooks.Webhooks, (w) =>
        w.createEndpoint({ owner: "platform", url: receiver.url(path), eventTypes: ["*"] })
      )
    )
    receiver.secrets.set(path, created.secret)
    byEndpoint.set(created.endpoint.id, path)
  }
  return byEndpoint
}

/** Queues `count` events over `subjects` subjects, in batches of 5 with a pause between (the workers deliver meanwhile). */
const queue = async (here: Here, count: number, subjects: number) => {
  for (let n = 0; n < count; n += 5) {
    const batch = Array.from({ length: Math.min(5, count - n) }, (_, k) =>
      event(n + k + 1, `sub_${(n + k) % subjects}`)
    )
    await here.runPromise(Effect.flatMap(Webhooks.Webhooks, (w) => w.enqueue(batch)))
    await sleep(10)
  }
}

const pendingCount = (here: Here) =>
  here.runPromise(
    Effect.map(
      Effect.flatMap(WebhookStore.WebhookStore, (s) => s.deliveries({ status: "pending", limit: 10_000 })),
      (list) => list.length
    )
  )

/** Waits until no delivery is pending (real time, bounded: a hang detector, not a speed check). */
const settled = async (here: Here, deadlineMs: number) => {
  const until = Date.now() + deadlineMs
  while ((await pendingCount(here)) > 0) {
    if (Date.now() > until) throw new Error(`deliveries still pending after ${deadlineMs} ms`)
    await sleep(100)
  }
}

/** Every delivery with its attempts. */
const everything = (here: Here) =>
  here.runPromise(
    Effect.gen(function* () {
      const store = yield* WebhookStore.WebhookStore
      const list = yield* store.deliveries({ limit: 10_000 })
      const out: Array<{
        readonly delivery: Delivery.Delivery
        readonly attempts: ReadonlyArray<Delivery.Attempt>
      }> = []
      for (const delivery of list) out.push({ delivery, attempts: yield* store.attempts(delivery.id) })
      return out
    })
  )

const dropSchema = (here: Here, schema: string) =>
  here.runPromise(
    Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))
  )

/**
 * Per (endpoint, subject): the POSTs in arrival order never go back to an earlier delivery, and
 * the deliveries appear in `seq` order, each once its predecessor was done.
 */
const expectSubjectOrder = (
  posts: ReadonlyArray<Post>,
  deliveries: ReadonlyArray<Delivery.Delivery>,
  pathOf: ReadonlyMap<string, string>
) => {
  const seqOf = new Map(deliveries.map((d) => [`${pathOf.get(d.endpointId)} ${d.messageId}`, d.seq]))
  const streams = new Map<string, Array<number>>()
  for (const p of posts) {
    const key = `${p.path} ${p.subject}`
    streams.set(key, [...(streams.get(key) ?? []), seqOf.get(`${p.path} ${p.id}`)!])
  }
  for (const d of deliveries) expect(seqOf.has(`${pathOf.get(d.endpointId)} ${d.messageId}`)).toBe(true)
  for (const [key, seqs] of streams) {
    expect(
      seqs.every((s) => s !== undefined),
      key
    ).toBe(true)
    expect(seqs, key).toEqual([...seqs].sort((a, b) => a - b))
    const expected = deliveries
      .filter((d) => `${pathOf.get(d.endpointId)} ${d.subject}` === key)
      .map((d) => d.seq)
      .sort((a, b) => a - b)
    expect([...new Set(seqs)], key).toEqual(expected)
  }
}

describe.skipIf(serverUrl === undefined)("webhook delivery by two processes on PostgreSQL", () => {
  it("every delivery succeeds; each (delivery, attempt) is POSTed exactly once across both processes, attempt numbers are contiguous, and per (endpoint, subject) deliveries go in seq order", {
    timeout: 180_000
  }, async () => {
    const schema = freshSchema("webhooks_mp")
    const here = openHere(schema)
    const paths = ["/e0", "/e1", "/e2", "/e3"]
    const failFirst = new Set(["/e0", "/e1"])
    const receiver = await startReceiver({ failFirst, delayMs: 5 })
    const workers: Array<Worker> = []
    try {
      const pathOf = await register(here, receiver, paths)
      workers.push(startWorker(schema, "a", 5_000), startWorker(schema, "b", 5_000))
      await Promise.all(workers.map((w) => w.ready))
      const events = 60
      await queue(here, events, 6)
      await settled(here, 120_000)
      const all = await everything(here)
      expect(all).toHaveLength(events * paths.length)
      const posts = receiver.posts
      expect(posts.every((p) => p.verified)).toBe(true)
      for (const { delivery: d, attempts } of all) {
        const path = pathOf.get(d.endpointId)!
        const mine = posts.filter((p) => p.path === path && p.id === d.messageId)
        expect(d.status).toBe("succeeded")
        // the first attempt fails where the receiver says so, the retry succeeds
        expect(d.attempts).toBe(failFirst.has(path) ? 2 : 1)
        expect(attempts.map((a) => a.number)).toEqual(Array.from({ length: d.attempts }, (_, i) => i + 1))
        expect(attempts.map((a) => a.outcome)).toEqual(
          failFirst.has(path) ? ["retry", "succeeded"] : ["succeeded"]
        )
        // each attempt POSTed once: as many POSTs as attempts, with the codes the attempts recorded
        expect(mine.map((p) => p.status)).toEqual(attempts.map((a) => a.statusCode))
      }
      expect(posts).toHaveLength(all.reduce((n, x) => n + x.delivery.attempts, 0))
      expectSubjectOrder(
        posts,
        all.map((x) => x.delivery),
        pathOf
      )
      // both processes delivered
      expect(new Set(posts.map((p) => p.agent))).toEqual(new Set(["paykit-test/a", "paykit-test/b"]))
    } finally {
      for (const w of workers) w.child.kill("SIGKILL")
      await Promise.all(workers.map((w) => w.exit))
      await receiver.close()
      await dropSchema(here, schema).catch(() => undefined)
      await here.dispose()
    }
  })

  it("a process SIGKILLed mid-run: the other finishes every delivery once the dead one's leases run out; at least once, attempt numbers contiguous, seq order per (endpoint, subject)", {
    timeout: 240_000
  }, async () => {
    const schema = freshSchema("webhooks_kill")
    const here = openHere(schema)
    const paths = ["/k0", "/k1", "/k2", "/k3"]
    const failFirst = new Set(["/k0", "/k1"])
    // slow answers, so the killed process has attempts in flight
    const receiver = await startReceiver({ failFirst, delayMs: 40 })
    const workers: Array<Worker> = []
    try {
      const pathOf = await register(here, receiver, paths)
      // leases of 3 s (above the 1 s attempt timeout): the dead one's run out 3 s after its claims
      const a = startWorker(schema, "a", 1_000, 3_000)
      const b = startWorker(schema, "b", 1_000, 3_000)
      workers.push(a, b)
      await Promise.all(workers.map((w) => w.ready))
      const events = 60
      await queue(here, events, 6)
      const until = Date.now() + 120_000
      while (receiver.posts.filter((p) => p.agent === "paykit-test/a").length < 15) {
        if (Date.now() > until) throw new Error("worker a never delivered")
        await sleep(5)
      }
      a.child.kill("SIGKILL")
      const killed = await a.exit
      expect(killed.signal).toBe("SIGKILL")
      const pendingAtKill = await pendingCount(here)
      expect(pendingAtKill).toBeGreaterThan(0)
      const postsAtKill = receiver.posts.length
      await settled(here, 180_000)
      const all = await everything(here)
      expect(all).toHaveLength(events * paths.length)
      const posts = receiver.posts
      expect(posts.every((p) => p.verified)).toBe(true)
      // b went on after the kill
      expect(posts.slice(postsAtKill).some((p) => p.agent === "paykit-test/b")).toBe(true)
      const succeeded = new Set(posts.filter((p) => p.status === 204).map((p) => `${p.path} ${p.id}`))
      for (const { delivery: d, attempts } of all) {
        const path = pathOf.get(d.endpointId)!
        expect(d.status).toBe("succeeded")
        // at least once: the receiver answered 2xx to it (a killed attempt may have come twice)
        expect(succeeded.has(`${path} ${d.messageId}`)).toBe(true)
        expect(attempts.map((x) => x.number)).toEqual(Array.from({ length: d.attempts }, (_, i) => i + 1))
        expect(attempts.at(-1)?.outcome).toBe("succeeded")
        const mine = posts.filter((p) => p.path === path && p.id === d.messageId)
        expect(mine.length).toBeGreaterThanOrEqual(d.attempts)
      }
      // the deduplicated set is exactly the deliveries
      expect(succeeded.size).toBe(all.length)
      expectSubjectOrder(
        posts,
        all.map((x) => x.delivery),
        pathOf
      )
    } finally {
      for (const w of workers) w.child.kill("SIGKILL")
      await Promise.all(workers.map((w) => w.exit))
      await receiver.close()
      await dropSchema(here, schema).catch(() => undefined)
      await here.dispose()
    }
  })
})
