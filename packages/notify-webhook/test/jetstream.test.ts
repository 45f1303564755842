import { jetstream, jetstreamManager } from "@nats-io/jetstream"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { DomainEvent, Ids, Notifier } from "@paykit/core"
import { Deferred, Duration, Effect, Exit, Fiber, Metric } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  Consumer,
  InvalidJetStreamConfig,
  JetStreamNotifier,
  SeenEvents,
  SeenEventsFailed,
  Stream
} from "../src/jetstream/index.ts"

/**
 * The JetStream adapter against the local NATS server (127.0.0.1:4222, nats-server 2.9+ with
 * JetStream). Every run uses its own stream and subject prefix, deleted at the end. The NATS
 * tests skip when no server answers; the memory `SeenEvents` and decoding tests always run.
 */

const SERVER = process.env["PAYKIT_TEST_NATS_URL"] || "127.0.0.1:4222"

/** Whether a NATS server with JetStream answers within a second. */
const natsAnswers = async (): Promise<boolean> => {
  try {
    const nc = await connect({ servers: SERVER, timeout: 1_000, reconnect: false })
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

const up = await natsAnswers()
if (!up)
  console.warn(
    `jetstream.test.ts: no NATS server with JetStream at ${SERVER}; the JetStream tests are skipped`
  )

const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`
const prefix = `t${run}`
const streamName = `T_${run}`

const envelopes = (drafts: ReadonlyArray<DomainEvent.Draft>) =>
  Effect.runPromise(DomainEvent.envelopes(drafts).pipe(Effect.provide(Ids.layer)))

const count = (metric: typeof JetStreamNotifier.publishedMetric) =>
  Effect.runPromise(Effect.map(Metric.value(metric), (s) => s.count))

describe("SeenEvents memory", () => {
  it("remembers the last `capacity` ids, forgetting the oldest first", async () => {
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const seen = yield* SeenEvents.makeMemory({ capacity: 3 })
        for (const id of ["a", "b", "c"]) yield* seen.add(id)
        const before = [yield* seen.has("a"), yield* seen.has("c"), yield* seen.has("d")]
        yield* seen.add("b") // already there: no reordering, nothing forgotten
        yield* seen.add("d")
        const after = [yield* seen.has("a"), yield* seen.has("b"), yield* seen.has("d")]
        return { before, after }
      })
    )
    expect(result.before).toEqual([true, true, false])
    expect(result.after).toEqual([false, true, true])
  })
})

describe("Consumer.decode", () => {
  it("answers the envelope of a valid message and says why another is not one", async () => {
    const [event] = await envelopes([{ type: "ledger.entry.posted", subject: "e1", data: { n: 1 } }])
    const ok = Consumer.decode(new TextEncoder().encode(JSON.stringify(event)))
    expect(ok).toEqual({ ok: true, event })
    const notJson = Consumer.decode(new TextEncoder().encode("{nope"))
    expect(notJson.ok).toBe(false)
    const wrong = Consumer.decode(
      new TextEncoder().encode(JSON.stringify({ ...event, id: "x", type: "Bad" }))
    )
    expect(wrong.ok === false && wrong.reason).toMatch(/not an event envelope/)
  })
})

describe("JetStreamNotifier configuration", () => {
  it("refuses a subject prefix with a wildcard and a maxInFlight below 1, naming the field", async () => {
    const exit = await Effect.runPromiseExit(
      Effect.scoped(JetStreamNotifier.make({ subjectPrefix: "paykit.>", servers: SERVER }))
    )
    expect(Exit.isFailure(exit) && exit.cause.toString()).toMatch(/subjectPrefix/)
    const e = await Effect.runPromise(
      Effect.flip(Effect.scoped(JetStreamNotifier.make({ maxInFlight: 0, servers: SERVER })))
    )
    expect(e).toBeInstanceOf(InvalidJetStreamConfig)
    expect((e as InvalidJetStreamConfig).field).toBe("maxInFlight")
  })
})

describe.skipIf(!up)("JetStream (NATS at 127.0.0.1:4222)", () => {
  let nc: NatsConnection

  beforeAll(async () => {
    nc = await connect({ servers: SERVER, timeout: 2_000 })
    await Effect.runPromise(
      Stream.ensureStream(nc, { name: streamName, subjects: [`${prefix}.>`], duplicateWindow: "1 minute" })
    )
  })

  afterAll(async () => {
    if (nc === undefined) return
    const jsm = await jetstreamManager(nc)
    await jsm.streams.delete(streamName).catch(() => false)
    await nc.drain()
  })

  const streamInfo = async () => (await jetstreamManager(nc)).streams.info(streamName)

  /** A notifier on the shared connection, run with `f`. */
  const withNotifier = <A, E>(
    f: (n: Notifier.Notifier["Service"]) => Effect.Effect<A, E>,
    config: Partial<JetStreamNotifier.JetStreamNotifierConfig> = {}
  ) =>
    Effect.runPromise(
      Effect.scoped(
        Effect.flatMap(
          JetStreamNotifier.make({ connection: nc, subjectPrefix: prefix, stream: streamName, ...config }),
          f
        )
      )
    )

  interface Seen {
    readonly outcome: Consumer.Outcome
    readonly event: DomainEvent.DomainEvent | undefined
    readonly deliveryCount: number
  }

  /**
   * Runs a consumer on the test stream until `until` holds for the settled messages (checked
   * after each one is acknowledged, nak'd or terminated), then stops it. Bounded: dies after 60 s.
   */
  const consumeUntil = <E>(
    options: Omit<Consumer.ConsumeOptions<E, never>, "connection" | "stream" | "onOutcome">,
    until: (log: ReadonlyArray<Seen>) => boolean
  ) =>
    Effect.runPromise(
      Effect.gen(function* () {
        const log: Array<Seen> = []
        const enough = yield* Deferred.make<void>()
        const fiber = yield* Effect.forkChild(
          Consumer.consume({
            retryDelay: () => Duration.millis(50),
            ...options,
            connection: nc,
            stream: streamName,
            onOutcome: (outcome, m) =>
              Effect.suspend(() => {
                log.push({ outcome, event: m.event, deliveryCount: m.deliveryCount })
                return until(log) ? Deferred.succeed(enough, undefined) : Effect.void
              })
          })
        )
        yield* Deferred.await(enough).pipe(
          Effect.timeoutOrElse({
            duration: Duration.seconds(60),
            orElse: () =>
              Effect.die(new Error(`after 60 s the consumer had settled only ${JSON.stringify(log)}`))
          }),
          Effect.raceFirst(Effect.flatMap(Fiber.join(fiber), () => Effect.die(new Error("consumer stopped"))))
        )
        yield* Fiber.interrupt(fiber)
        // the acks and naks sent before the stop have reached the server
        yield* Effect.promise(() => nc.flush())
        return log
      })
    )

  const consumerInfo = async (durable: string) =>
    (await jetstreamManager(nc)).consumers.info(streamName, durable)

  it("publishes each event to <prefix>.<type> with its id as Nats-Msg-Id; a consumer receives the envelopes", async () => {
    const before = (await streamInfo()).state.last_seq
    const events = await envelopes([
      { type: "ledger.entry.posted", subject: "acc_1", data: { amount: "100" } },
      { type: "accounts.account.registered", subject: "acc_2", data: {} },
      { type: "ledger.entry.posted", subject: "acc_1", data: { amount: "7" } }
    ])
    await withNotifier((n) => n.notify(events))
    const jsm = await jetstreamManager(nc)
    const stored = await Promise.all(
      events.map((_, i) => jsm.streams.getMessage(streamName, { seq: before + 1 + i }))
    )
    // acc_1's two events in call order
    const bySeq = stored.map((m) => ({
      subject: m!.subject,
      id: m!.header.get("Nats-Msg-Id"),
      body: m!.json()
    }))
    expect(new Set(bySeq.map((m) => m.id))).toEqual(new Set(events.map((e) => e.id)))
    for (const m of bySeq) {
      const e = events.find((x) => x.id === m.id)!
      expect(m.subject).toBe(`${prefix}.${e.type}`)
      expect(m.body).toEqual(e)
    }
    const acc1 = bySeq.filter((m) => (m.body as DomainEvent.DomainEvent).subject === "acc_1").map((m) => m.id)
    expect(acc1).toEqual([events[0]!.id, events[2]!.id])

    const got = await consumeUntil({ durable: `first_${run}`, handle: () => Effect.void }, (log) =>
      events.every((e) => log.some((x) => x.event?.id === e.id))
    )
    expect(got.map((x) => x.outcome)).toEqual(got.map(() => "handled"))
    expect(got.find((x) => x.event?.id === events[0]!.id)?.event).toEqual(events[0])
  })

  it("a re-sent batch (same msgIDs) is stored once: JetStream answers duplicate PubAcks", async () => {
    const events = await envelopes(
      Array.from({ length: 20 }, (_, i) => ({ type: "fx.quote.locked", subject: `q_${i % 4}`, data: { i } }))
    )
    const before = (await streamInfo()).state.messages
    const dups0 = await count(JetStreamNotifier.duplicatesMetric)
    const stored0 = await count(JetStreamNotifier.publishedMetric)
    await withNotifier((n) => n.notify(events))
    await withNotifier((n) => Effect.andThen(n.notify(events), n.notify(events.slice(5, 9))))
    expect((await streamInfo()).state.messages).toBe(before + 20)
    expect((await count(JetStreamNotifier.publishedMetric)) - stored0).toBe(20)
    expect((await count(JetStreamNotifier.duplicatesMetric)) - dups0).toBe(24)
  })

  it("publishes strictly one after another with maxInFlight 1, in call order", async () => {
    const before = (await streamInfo()).state.last_seq
    const events = await envelopes(
      Array.from({ length: 12 }, (_, i) => ({ type: "risk.alert.raised", subject: `p_${i}`, data: { i } }))
    )
    await withNotifier((n) => n.notify(events), { maxInFlight: 1 })
    const jsm = await jetstreamManager(nc)
    const ids: Array<string | undefined> = []
    for (let i = 0; i < events.length; i++)
      ids.push((await jsm.streams.getMessage(streamName, { seq: before + 1 + i }))?.header.get("Nats-Msg-Id"))
    expect(ids).toEqual(events.map((e) => e.id))
  })

  it("fails with NotifyFailed when no stream captures the subject or another stream does", async () => {
    const [event] = await envelopes([{ type: "ledger.entry.posted", subject: "x", data: {} }])
    const noStream = await withNotifier((n) => Effect.flip(n.notify([event!])), {
      subjectPrefix: `nostream${run}`,
      stream: undefined,
      ackTimeout: "2 seconds"
    })
    expect(noStream).toBeInstanceOf(Notifier.NotifyFailed)
    expect(noStream.reason).toMatch(new RegExp(`${event!.id}.*nostream${run}\\.ledger\\.entry\\.posted`))
    const wrongStream = await withNotifier((n) => Effect.flip(n.notify([event!])), { stream: "SOME_OTHER" })
    expect(wrongStream.reason).toMatch(/expected stream does not match/)
  })

  it("the consumer skips a redelivered event it handled: a re-send after the window, an ack lost after the commit", async () => {
    const [a, b] = await envelopes([
      { type: "payments.payment.captured", subject: "pay_a", data: {} },
      { type: "payments.payment.captured", subject: "pay_b", data: {} }
    ])
    const js = jetstream(nc)
    const subject = `${prefix}.dedup.payment.captured`
    await js.publish(subject, JSON.stringify(a), { msgID: a!.id })
    // the same envelope stored again: a relay re-send after the stream's duplicate window
    await js.publish(subject, JSON.stringify(a), { msgID: `${a!.id}-after-window` })
    await js.publish(subject, JSON.stringify(b), { msgID: b!.id })
    // b's record commits but its answer is lost: not acknowledged, nak'd, delivered again
    const memory = await Effect.runPromise(SeenEvents.makeMemory())
    let lost = false
    const dedup = SeenEvents.SeenEvents.of({
      ...memory,
      add: (id) =>
        Effect.andThen(
          memory.add(id),
          id === b!.id && !lost
            ? Effect.sync(() => {
                lost = true
              }).pipe(
                Effect.andThen(Effect.fail(new SeenEventsFailed({ reason: "connection lost after commit" })))
              )
            : Effect.void
        )
    })
    const calls: Array<string> = []
    const durable = `dedup_${run}`
    const log = await consumeUntil(
      {
        durable,
        filterSubject: `${prefix}.dedup.>`,
        dedup,
        handle: (e) => Effect.sync(() => void calls.push(e.id))
      },
      (log) => log.filter((x) => x.outcome === "duplicate").length === 2
    )
    expect(calls).toEqual([a!.id, b!.id])
    expect(log.map((x) => [x.outcome, x.event?.id, x.deliveryCount])).toEqual([
      ["handled", a!.id, 1],
      ["duplicate", a!.id, 1],
      ["failed", b!.id, 1],
      ["duplicate", b!.id, 2]
    ])
    const info = await consumerInfo(durable)
    expect(info.num_ack_pending).toBe(0)
    expect(info.num_pending).toBe(0)
  })

  it("a failing handler naks: the event is delivered again after the retry delay and handled", async () => {
    const [event] = await envelopes([{ type: "loyalty.points.earned", subject: "m_1", data: {} }])
    await withNotifier((n) => n.notify([event!]), { subjectPrefix: `${prefix}.retry` })
    let attempts = 0
    const durable = `retry_${run}`
    const log = await consumeUntil(
      {
        durable,
        filterSubject: `${prefix}.retry.>`,
        retryDelay: (n) => Duration.millis(20 * n),
        handle: () =>
          Effect.suspend(() =>
            ++attempts < 3 ? Effect.fail(new Error(`down (attempt ${attempts})`)) : Effect.void
          )
      },
      (log) => log.some((x) => x.outcome === "handled")
    )
    expect(log.map((x) => [x.outcome, x.deliveryCount])).toEqual([
      ["failed", 1],
      ["failed", 2],
      ["handled", 3]
    ])
    expect((await consumerInfo(durable)).num_ack_pending).toBe(0)
  })

  it("a handler that dies is treated like one that fails: nak'd and delivered again", async () => {
    const [event] = await envelopes([{ type: "loyalty.points.spent", subject: "m_2", data: {} }])
    await withNotifier((n) => n.notify([event!]), { subjectPrefix: `${prefix}.defect` })
    let attempts = 0
    const log = await consumeUntil(
      {
        durable: `defect_${run}`,
        filterSubject: `${prefix}.defect.>`,
        handle: () => Effect.suspend(() => (++attempts === 1 ? Effect.die(new Error("a bug")) : Effect.void))
      },
      (log) => log.some((x) => x.outcome === "handled")
    )
    expect(log.map((x) => x.outcome)).toEqual(["failed", "handled"])
  })

  it("a malformed message is terminated and logged; the consumer goes on with the next", async () => {
    const js = jetstream(nc)
    const subject = `${prefix}.bad.thing.happened`
    const [good] = await envelopes([{ type: "bad.thing.happened", subject: "s", data: {} }])
    await js.publish(subject, "not json at all")
    await js.publish(subject, JSON.stringify({ id: "nope", type: "bad.thing.happened" }))
    await js.publish(subject, JSON.stringify(good))
    const durable = `malformed_${run}`
    const log = await consumeUntil(
      { durable, filterSubject: `${prefix}.bad.>`, handle: () => Effect.void },
      (log) => log.some((x) => x.outcome === "handled")
    )
    expect(log.map((x) => x.outcome)).toEqual(["malformed", "malformed", "handled"])
    // terminated, not left pending for redelivery
    const info = await consumerInfo(durable)
    expect(info.num_ack_pending).toBe(0)
    expect(info.num_redelivered).toBe(0)
    expect(info.num_pending).toBe(0)
  })

  it("a durable consumer resumes where it stopped: a second run sees only the events after the first's acks", async () => {
    const durable = `resume_${run}`
    const sub = `${prefix}.resume`
    const first = await envelopes(
      Array.from({ length: 5 }, (_, i) => ({ type: "fx.quote.executed", subject: `q${i}`, data: {} }))
    )
    await withNotifier((n) => n.notify(first), { subjectPrefix: sub })
    const one = await consumeUntil(
      { durable, filterSubject: `${sub}.>`, handle: () => Effect.void },
      (log) => log.length === 5
    )
    const second = await envelopes(
      Array.from({ length: 3 }, (_, i) => ({ type: "fx.quote.executed", subject: `r${i}`, data: {} }))
    )
    await withNotifier((n) => n.notify(second), { subjectPrefix: sub })
    const two = await consumeUntil(
      { durable, filterSubject: `${sub}.>`, handle: () => Effect.void },
      (log) => log.length === 3
    )
    expect(new Set(one.map((x) => x.event?.id))).toEqual(new Set(first.map((e) => e.id)))
    expect(new Set(two.map((x) => x.event?.id))).toEqual(new Set(second.map((e) => e.id)))
  })

  it("an existing durable with another filter subject is refused, naming both", async () => {
    const durable = `filter_${run}`
    await Effect.runPromise(
      Consumer.ensureConsumer(nc, { stream: streamName, durable, filterSubject: `${prefix}.a.>` })
    )
    const e = await Effect.runPromise(
      Effect.flip(
        Consumer.ensureConsumer(nc, { stream: streamName, durable, filterSubject: `${prefix}.b.>` })
      )
    )
    expect(e.reason).toContain(`${prefix}.a.>`)
  })

  it("Consumer.start: the Promise variant handles events until stop()", async () => {
    const events = await envelopes([
      { type: "disputes.case.opened", subject: "d1", data: {} },
      { type: "disputes.case.opened", subject: "d2", data: {} }
    ])
    await withNotifier((n) => n.notify(events), { subjectPrefix: `${prefix}.promise` })
    const handled: Array<string> = []
    let resolveAll: () => void = () => {}
    const all = new Promise<void>((r) => {
      resolveAll = r
    })
    const running = Consumer.start({
      connection: nc,
      stream: streamName,
      durable: `promise_${run}`,
      filterSubject: `${prefix}.promise.>`,
      handle: async (event) => {
        handled.push(event.id)
        if (handled.length === 2) resolveAll()
      }
    })
    await all
    await running.stop()
    await running.done
    expect(handled).toEqual(events.map((e) => e.id))
  })

  it("Stream.ensureStream is idempotent and updates the duplicate window of an existing stream", async () => {
    const name = `${streamName}_ENSURE`
    try {
      const a = await Effect.runPromise(
        Stream.ensureStream(nc, { name, subjects: [`${prefix}ensure.>`], duplicateWindow: "30 seconds" })
      )
      const b = await Effect.runPromise(
        Stream.ensureStream(nc, { name, subjects: [`${prefix}ensure.>`], duplicateWindow: "30 seconds" })
      )
      expect(b.created).toBe(a.created)
      const c = await Effect.runPromise(
        Stream.ensureStream(nc, { name, subjects: [`${prefix}ensure.>`], duplicateWindow: "5 minutes" })
      )
      expect(c.config.duplicate_window).toBe(300_000_000_000)
      const overlap = await Effect.runPromise(
        Effect.flip(Stream.ensureStream(nc, { name: `${name}_2`, subjects: [`${prefix}ensure.>`] }))
      )
      expect(overlap.stream).toBe(`${name}_2`)
    } finally {
      await (await jetstreamManager(nc)).streams.delete(name).catch(() => false)
    }
  })
})
