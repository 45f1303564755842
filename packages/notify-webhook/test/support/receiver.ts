import * as http from "node:http"
import type { AddressInfo } from "node:net"

/** What a scripted route answers to the n-th request (1-based) of one message (webhook-id). */
export type Answer =
  | { readonly status: number; readonly headers?: Record<string, string> }
  | "hang" // never answer (the sender's timeout fires)
  | "drop" // destroy the connection (the endpoint is down)

export interface Received {
  readonly path: string
  readonly id: string
  readonly timestamp: string
  readonly signature: string
  readonly body: string
  readonly answer: string
}

/**
 * A local webhook receiver on 127.0.0.1 for tests: each path answers by its script; every request
 * is recorded; `processed` is what a receiver that deduplicates by `webhook-id` acted on (first
 * 2xx per path and id). Bounded: at most `maxRequests` are served, then every request is dropped.
 */
export const startReceiver = async (
  scripts: Record<string, (n: number, body: string) => Answer>,
  maxRequests = 10_000,
  listenOn = 0
) => {
  const received: Array<Received> = []
  const counts = new Map<string, number>()
  const processed = new Map<string, Set<string>>()
  const hanging = new Set<http.ServerResponse>()
  const server = http.createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const path = req.url ?? "/"
      const body = Buffer.concat(chunks).toString("utf8")
      const key = `${path} ${String(req.headers["webhook-id"] ?? "")}`
      const n = (counts.get(key) ?? 0) + 1
      counts.set(key, n)
      const script = scripts[path]
      const answer: Answer = received.length >= maxRequests || script === undefined ? "drop" : script(n, body)
      const id = String(req.headers["webhook-id"] ?? "")
      received.push({
        path,
        id,
        timestamp: String(req.headers["webhook-timestamp"] ?? ""),
        signature: String(req.headers["webhook-signature"] ?? ""),
        body,
        answer: typeof answer === "string" ? answer : String(answer.status)
      })
      if (answer === "drop") return req.socket.destroy()
      if (answer === "hang") {
        hanging.add(res)
        return
      }
      if (answer.status >= 200 && answer.status < 300) {
        const set = processed.get(path) ?? new Set<string>()
        set.add(id)
        processed.set(path, set)
      }
      res.writeHead(answer.status, answer.headers ?? {})
      res.end("ok")
    })
  })
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve) => server.listen(listenOn, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    port,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    processed,
    hangingCount: () => hanging.size,
    close: async () => {
      for (const r of hanging) r.socket?.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

/** Waits (real time, polling every 5 ms, at most `ms`) until `done()`; throws on time out. */
export const until = async (done: () => boolean, ms = 10_000, what = "condition"): Promise<void> => {
  const start = Date.now()
  while (!done()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}
