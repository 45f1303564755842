/**
 * A relay worker process for the JetStream crash test (`test/jetstream-crash.test.ts`). Run with
 * `node --import tsx --conditions=@paykit/source test/support/jetstream-relay-worker.ts '<json task>'`.
 * On `schema` it relays the outbox to JetStream (`Outbox.makeRelay` with the JetStream
 * notifier of `@paykit/notify-webhook/jetstream`) in passes of `batchSize` events, waiting while
 * another relay's lease holds. It prints `{"ready":true}` once connected, then after each pass
 * `{"delivered":n,"published":p,"duplicates":d}` (events it marked sent, messages JetStream
 * stored for it, re-sends JetStream dropped as duplicates), and `{"done":true}` when the outbox
 * is empty, then exits. The test kills it with SIGKILL before that.
 *
 * With `stallAfter`, once a notifier call has brought the events it handed to JetStream to that
 * many, it prints `{"stalled":true,"batch":n}` (n: that call's events) and hangs before the
 * relay marks the rows sent: killed there, its last batch is in the stream and still unsent in
 * the outbox, so the next relay re-sends it.
 */
import { Notifier } from "@paykit/core"
import { JetStreamNotifier } from "@paykit/notify-webhook/jetstream"
import { Duration, Effect, Layer, Metric } from "effect"
import * as Database from "../../src/Database.ts"
import * as Outbox from "../../src/Outbox.ts"

export interface RelayTask {
  readonly url: string
  readonly schema: string
  readonly servers: string
  readonly subjectPrefix: string
  readonly stream: string
  readonly batchSize: number
  /** The relay's lease in milliseconds: how long a killed relay keeps the next one waiting. */
  readonly leaseMs: number
  /** Hang between a notifier call and the relay's mark once this many events were handed over. */
  readonly stallAfter?: number | undefined
}

const task = JSON.parse(process.argv[2] ?? "{}") as RelayTask
const print = (o: unknown) => Effect.sync(() => process.stdout.write(`${JSON.stringify(o)}\n`))
const count = (metric: typeof JetStreamNotifier.publishedMetric) =>
  Effect.map(Metric.value(metric), (s) => s.count)

const program = Effect.gen(function* () {
  const relay = yield* Outbox.makeRelay({ batchSize: task.batchSize, lease: Duration.millis(task.leaseMs) })
  yield* print({ ready: true })
  let delivered = 0
  while (true) {
    const pass = yield* relay.once.pipe(
      Effect.catchTag("NotifyFailed", (e) =>
        Effect.as(
          Effect.andThen(
            Effect.logWarning(`relay worker: ${e.message}; retrying`),
            Effect.sleep("200 millis")
          ),
          { delivered: 0, leased: false, failed: true }
        )
      )
    )
    if (pass.leased) {
      // the killed relay's lease has not lapsed yet
      yield* Effect.sleep("50 millis")
      continue
    }
    delivered += pass.delivered
    yield* print({
      delivered,
      published: yield* count(JetStreamNotifier.publishedMetric),
      duplicates: yield* count(JetStreamNotifier.duplicatesMetric)
    })
    if (pass.delivered === 0 && !("failed" in pass) && (yield* relay.pending) === 0) {
      yield* relay.release
      yield* print({ done: true })
      return
    }
  }
})

/** The JetStream notifier, hanging after the call that reaches `stallAfter` events when asked. */
const notifier = Layer.effect(
  Notifier.Notifier,
  Effect.gen(function* () {
    const inner = yield* JetStreamNotifier.make({
      servers: task.servers,
      subjectPrefix: task.subjectPrefix,
      stream: task.stream
    })
    let handed = 0
    return Notifier.Notifier.of({
      notify: (events) =>
        Effect.andThen(inner.notify(events), () => {
          handed += events.length
          return task.stallAfter !== undefined && handed >= task.stallAfter
            ? Effect.andThen(print({ stalled: true, batch: events.length }), Effect.never)
            : Effect.void
        })
    })
  })
)

const main = program.pipe(
  Effect.provide(
    Layer.mergeAll(Database.layer({ url: task.url, schema: task.schema, maxConnections: 2 }), notifier)
  )
)

Effect.runPromise(main).then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${String(e)}\n`)
    process.exit(1)
  }
)
