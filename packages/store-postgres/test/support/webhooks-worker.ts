/**
 * A delivering process for the webhook multi-process test (`test/webhooks-concurrency.test.ts`).
 * Run with `node --import tsx --conditions=@paykit/source test/support/webhooks-worker.ts '<json task>'`.
 * On `schema` (its own pool) it runs the `Webhooks` service's delivery loop (`run`) until it is
 * killed: the Node transport, `http:` and loopback endpoints allowed, the `SecretBox` with the
 * task's master key, retries after 0, 50 and 100 ms, the task's `timeoutMs` and `leaseMs` (when
 * given; the service's default otherwise), on the real clock. It prints
 * `{"ready":true}` once the store is open, and sends `user-agent: paykit-test/<worker>` so the
 * receiver knows who sent what.
 */
import { Ids } from "@paykit/core"
import { HttpTransport, SecretBox, Webhooks } from "@paykit/notify-webhook"
import { Effect, Layer } from "effect"
import * as WebhookStorePostgres from "../../src/webhooks/WebhookStorePostgres.ts"

interface Task {
  readonly url: string
  readonly schema: string
  readonly worker: string
  /** The SecretBox master key, base64 (32 bytes). */
  readonly key: string
  readonly timeoutMs: number
  /** How long a claim holds a delivery (ms); the service's default (2 × timeoutMs + 30 s) when absent. */
  readonly leaseMs?: number | undefined
}

const task = JSON.parse(process.argv[2] ?? "{}") as Task
const print = (o: unknown) => Effect.sync(() => process.stdout.write(`${JSON.stringify(o)}\n`))

const program = Effect.gen(function* () {
  const webhooks = yield* Webhooks.make({
    secretBox: SecretBox.makeUnsafe([{ id: "k1", key: Buffer.from(task.key, "base64") }]),
    schedule: [0, 50, 100],
    timeoutMs: task.timeoutMs,
    ...(task.leaseMs === undefined ? {} : { leaseMs: task.leaseMs }),
    allowHttp: true,
    allowPrivate: true,
    concurrency: 8,
    perEndpoint: 2,
    pollIntervalMs: 20,
    userAgent: `paykit-test/${task.worker}`
  })
  yield* print({ ready: true })
  return yield* webhooks.run
}).pipe(
  Effect.provide(
    Layer.mergeAll(
      WebhookStorePostgres.layer({ url: task.url, schema: task.schema, maxConnections: 4 }),
      HttpTransport.layerNode,
      Ids.layer
    )
  )
)

Effect.runPromise(program).catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`)
  process.exit(1)
})
