import { DomainEvent, Ids, Notifier } from "@paykit/core"
import { Clock, Effect, Fiber, Layer, Result } from "effect"
import { TestClock } from "effect/testing"
import { afterEach, describe, expect, it } from "vitest"
import { Delivery, HttpTransport, SecretBox, Signing, WebhookStore, Webhooks } from "../src/index.ts"
import { type Answer, startReceiver, until } from "./support/receiver.ts"

/**
 * The delivery fault test (issue 20): a local receiver on 127.0.0.1 that times out, answers 500,
 * 503 with Retry-After, 3xx, 410 and the abort header, goes down and comes back. The schedule is
 * checked on a TestClock (attempt times are read from the attempt records), never by sleeping;
 * real waits only wait for local I/O to finish.
 */

const T0 = Date.UTC(2026, 0, 1)
const box = SecretBox.makeUnsafe([{ id: "k1", key: Buffer.alloc(32, 7) }])

const layerWith = (options: Partial<Webhooks.Options> = {}) =>
  Webhooks.layer({ secretBox: box, allowHttp: true, allowPrivate: true, ...options }).pipe(
    Layer.provideMerge(WebhookStore.layerMemory),
    Layer.provideMerge(Notifier.layerMemory),
    Layer.provideMerge(HttpTransport.layerNode),
    Layer.provideMerge(Ids.layerSeeded(20)),
    Layer.provideMerge(TestClock.layer())
  )

type Env = Layer.Success<ReturnType<typeof layerWith>>

const run = <A, E>(effect: Effect.Effect<A, E, Env>, options: Partial<Webhooks.Options> = {}) =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      return yield* effect
    }).pipe(Effect.scoped, Effect.provide(layerWith(options))) as Effect.Effect<A, E>
  )

const receivers: Array<{ close: () => Promise<void> }> = []
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close()
})
const receiver = async (scripts: Record<string, (n: number, body: string) => Answer>) => {
  const r = await startReceiver(scripts)
  receivers.push(r)
  return r
}

/** Payment events of merchant m_1: one per subject, and `sameSubject` more on pay_same. */
const paymentEvents = (n: number, sameSubject = 0) =>
  DomainEvent.envelopes([
    ...Array.from({ length: n }, (_, i) => ({
      type: "payments.payment.authorised",
      subject: `pay_${i}`,
      data: { paymentId: `pay_${i}`, merchant: "m_1", amount: { amount: "1999", currency: "EUR" } }
    })),
    ...Array.from({ length: sameSubject }, (_, i) => ({
      type: i === 0 ? "payments.payment.authorised" : "payments.capture.succeeded",
      subject: "pay_same",
      data: { paymentId: "pay_same", merchant: "m_1", step: i }
    }))
  ])

/** Passes until nothing is pending, moving the TestClock to each next due time. */
const driveToEnd = Effect.gen(function* () {
  const w = yield* Webhooks.Webhooks
  const store = yield* WebhookStore.WebhookStore
  for (let i = 0; i < 200; i++) {
    yield* w.drain
    const pending = yield* store.deliveries({ status: "pending", limit: 10_000 })
    if (pending.length === 0) return i
    // the next due time; deliveries due now but waiting behind an older one of their subject wait
    const now = yield* Clock.currentTimeMillis
    const later = pending.map((d) => d.nextAttemptAt ?? 0).filter((t) => t > now)
    if (later.length === 0) break
    yield* TestClock.setTime(Math.min(...later))
  }
  const left = yield* (yield* WebhookStore.WebhookStore).deliveries({ status: "pending", limit: 5 })
  throw new Error(
    `deliveries did not settle in 200 steps: ${JSON.stringify(left.map(({ payload: _, ...d }) => d))} at ${yield* Clock.currentTimeMillis}`
  )
})

const attemptsOf = (deliveryId: string) =>
  Effect.gen(function* () {
    return yield* (yield* WebhookStore.WebhookStore).attempts(deliveryId)
  })

describe("delivery against a faulty receiver", () => {
  it("every event reaches every subscribed endpoint once per webhook-id, on Svix's schedule, in order per subject", async () => {
    const scripts: Record<string, (n: number) => Answer> = {
      "/ok": () => ({ status: 200 }),
      "/flaky": (n) => (n <= 2 ? { status: 500 } : { status: 204 }),
      "/retry-after": (n) => (n === 1 ? { status: 503, headers: { "retry-after": "120" } } : { status: 200 }),
      "/redirect": (n) =>
        n === 1 ? { status: 302, headers: { location: "https://elsewhere.example/" } } : { status: 200 },
      "/down": (n) => (n <= 2 ? "drop" : { status: 200 }),
      "/gone": () => ({ status: 410 }),
      "/abort": () => ({ status: 500, headers: { "webhook-delivery": "abort-message" } })
    }
    const r = await receiver(scripts)
    const out = await run(
      Effect.gen(function* () {
        const w = yield* Webhooks.Webhooks
        const store = yield* WebhookStore.WebhookStore
        const secrets = new Map<string, string>()
        const ids = new Map<string, string>()
        for (const path of Object.keys(scripts)) {
          const { endpoint, secret } = yield* w.createEndpoint({
            owner: "m_1",
            url: r.url(path),
            eventTypes: ["payments.payment.*", "payments.capture.*"]
          })
          secrets.set(path, secret)
          ids.set(path, endpoint.id)
        }
        // another merchant's endpoint receives nothing of m_1's
        yield* w.createEndpoint({ owner: "m_2", url: r.url("/ok"), eventTypes: ["*"] })
        const events = yield* paymentEvents(3, 2)
        yield* w.notifier.notify(events)
        yield* w.notifier.notify(events) // the relay is at least once: handing them over again queues nothing
        yield* driveToEnd
        const deliveries = yield* store.deliveries({ limit: 10_000 })
        const attempts = new Map<string, ReadonlyArray<Delivery.Attempt>>()
        for (const d of deliveries) attempts.set(d.id, yield* attemptsOf(d.id))
        const recorded = yield* (yield* Notifier.RecordedEvents).all
        const gone = yield* w.endpoint(ids.get("/gone"))
        const abort = yield* w.endpoint(ids.get("/abort"))
        return { secrets, ids, events, deliveries, attempts, recorded, gone, abort }
      })
    )
    const msgIds = new Set(out.events.map((e) => Delivery.messageIdOf(e.id)))
    // every accepting endpoint acted on every event exactly once
    for (const path of ["/ok", "/flaky", "/retry-after", "/redirect", "/down"]) {
      expect(r.processed.get(path)).toEqual(msgIds)
      const oks = r.received.filter((x) => x.path === path && x.answer.startsWith("2"))
      expect(oks.length, `${path}: one 2xx per message`).toBe(msgIds.size)
    }
    expect(out.deliveries).toHaveLength(7 * 5)
    // every request carried a valid signature (verified as a merchant would, at its timestamp)
    for (const x of r.received) {
      const v = Signing.verify({
        payload: x.body,
        headers: { "webhook-id": x.id, "webhook-timestamp": x.timestamp, "webhook-signature": x.signature },
        keys: [out.secrets.get(x.path) as string],
        now: Number(x.timestamp)
      })
      expect(Result.isSuccess(v), `${x.path} ${x.id}`).toBe(true)
    }
    const byPath = (path: string) => out.deliveries.filter((d) => d.endpointId === out.ids.get(path))
    const starts = (d: Delivery.Delivery) => (out.attempts.get(d.id) ?? []).map((a) => a.startedAt - T0)
    const first = (path: string) => byPath(path).find((d) => d.subject === "pay_0") as Delivery.Delivery
    // Svix's schedule: immediately, 5 s, 5 min...; Retry-After honoured; kinds recorded
    expect(starts(first("/ok"))).toEqual([0])
    expect(starts(first("/flaky"))).toEqual([0, 5_000, 5_000 + 300_000])
    expect(starts(first("/retry-after"))).toEqual([0, 120_000])
    expect(starts(first("/redirect"))).toEqual([0, 5_000])
    expect((out.attempts.get(first("/redirect").id) ?? [])[0]?.statusCode).toBe(302)
    // /down drops the connection twice per message, then is back
    expect(starts(first("/down"))).toEqual([0, 5_000, 305_000])
    expect((out.attempts.get(first("/down").id) ?? [])[0]?.error).toMatch(/^network/)
    expect((out.attempts.get(first("/flaky").id) ?? []).map((a) => a.kind)).toEqual([
      "initial",
      "retry",
      "retry"
    ])
    // 410: the endpoint is disabled (an operational event), its delivery failed "gone", the rest endpoint_disabled
    expect(out.gone.status).toBe("disabled")
    expect(out.gone.disabledReason).toBe("gone")
    const goneReasons = byPath("/gone").map((d) => d.failureReason)
    expect(goneReasons.filter((x) => x === "gone")).toHaveLength(1)
    expect(goneReasons.filter((x) => x === "endpoint_disabled")).toHaveLength(4)
    // nothing is sent after the 410 (the attempts already in flight beside it, at most perEndpoint, were)
    const goneRequests = r.received.filter((x) => x.path === "/gone")
    expect(goneRequests.length).toBeLessThanOrEqual(4)
    expect(goneRequests.every((x) => Number(x.timestamp) === T0 / 1000)).toBe(true)
    expect(out.recorded.filter((e) => e.type === "webhooks.endpoint.disabled")).toHaveLength(1)
    // the abort header: that message is not retried; the endpoint stays active
    expect(
      byPath("/abort").every(
        (d) => d.status === "failed" && d.failureReason === "aborted" && d.attempts === 1
      )
    ).toBe(true)
    expect(out.abort.status).toBe("active")
    // order per subject: pay_same's second event was first sent only after its first succeeded, to every endpoint
    for (const path of ["/ok", "/flaky", "/retry-after", "/redirect", "/down"]) {
      const same = r.received.filter(
        (x) => x.path === path && out.deliveries.some((d) => d.messageId === x.id && d.subject === "pay_same")
      )
      const firstSameId = Delivery.messageIdOf((out.events[3] as DomainEvent.DomainEvent).id)
      const lastOfFirst = same.map((x) => x.id).lastIndexOf(firstSameId)
      const firstOfSecond = same.findIndex((x) => x.id !== firstSameId)
      expect(firstOfSecond, path).toBeGreaterThan(lastOfFirst)
    }
  })

  it("a receiver that goes down (connection refused) and comes back on the same port gets the message on the next scheduled attempt", async () => {
    const first = await startReceiver({ "/hook": () => ({ status: 200 }) })
    const port = first.port
    const out = await run(
      Effect.gen(function* () {
        const w = yield* Webhooks.Webhooks
        yield* w.createEndpoint({ owner: "m_1", url: first.url("/hook"), eventTypes: ["*"] })
        yield* Effect.promise(() => first.close()) // down: nothing listens on the port
        yield* w.notifier.notify(yield* paymentEvents(1))
        const down = yield* w.drain
        const back = yield* Effect.promise(() =>
          startReceiver({ "/hook": () => ({ status: 200 }) }, 100, port)
        )
        receivers.push(back)
        yield* TestClock.adjust(4_999)
        const early = yield* w.drain
        yield* TestClock.adjust(1)
        const up = yield* w.drain
        const [d] = yield* w.deliveries({ limit: 10 })
        return { down, early, up, back, attempts: yield* attemptsOf((d as Delivery.Delivery).id) }
      })
    )
    expect(out.down.retried).toBe(1)
    expect(out.attempts[0]?.error).toMatch(/^network/)
    expect(out.early.attempted).toBe(0) // not before the schedule says
    expect(out.up.succeeded).toBe(1)
    expect(out.attempts.map((a) => a.startedAt - T0)).toEqual([0, 5_000])
    expect(out.back.processed.get("/hook")?.size).toBe(1)
  })

  it("an attempt that does not answer times out on the clock, and the retry follows the schedule", async () => {
    const r = await receiver({ "/slow": (n) => (n === 1 ? "hang" : { status: 200 }) })
    const out = await run(
      Effect.gen(function* () {
        const w = yield* Webhooks.Webhooks
        yield* w.createEndpoint({ owner: "m_1", url: r.url("/slow"), eventTypes: ["*"] })
        const [event] = yield* paymentEvents(1)
        yield* w.notifier.notify([event as DomainEvent.DomainEvent])
        const pass = yield* Effect.forkChild(w.deliverDue)
        yield* Effect.promise(() => until(() => r.hangingCount() === 1, 10_000, "the request to hang"))
        yield* TestClock.adjust(14_999)
        yield* Effect.yieldNow
        const early = pass.pollUnsafe()
        yield* TestClock.adjust(1)
        const first = yield* Fiber.join(pass)
        yield* driveToEnd
        const [d] = yield* (yield* Webhooks.Webhooks).deliveries({ limit: 10 })
        return {
          early,
          first,
          d: d as Delivery.Delivery,
          attempts: yield* attemptsOf((d as Delivery.Delivery).id)
        }
      })
    )
    expect(out.early).toBeUndefined()
    expect(out.first).toEqual({ attempted: 1, succeeded: 0, retried: 1, failed: 0, deferred: 0, lost: 0 })
    expect(out.attempts[0]?.error).toMatch(/^timeout/)
    expect(out.attempts[0]?.latencyMs).toBe(15_000)
    expect(out.attempts[0]?.nextAttemptAt).toBe(T0 + 15_000 + 5_000)
    expect(out.attempts.map((a) => a.startedAt - T0)).toEqual([0, 20_000])
    expect(out.d.status).toBe("succeeded")
  })

  it("a dead endpoint does not slow a healthy one: the worker delivers every healthy event before the dead one's first timeout", async () => {
    const r = await receiver({ "/dead": () => "hang", "/healthy": () => ({ status: 200 }) })
    const out = await run(
      Effect.gen(function* () {
        const w = yield* Webhooks.Webhooks
        yield* w.createEndpoint({ owner: "m_1", url: r.url("/dead"), eventTypes: ["*"] })
        yield* w.createEndpoint({ owner: "m_1", url: r.url("/healthy"), eventTypes: ["*"] })
        const worker = yield* Effect.forkChild(w.run)
        yield* w.notifier.notify(yield* paymentEvents(40))
        yield* Effect.promise(() =>
          until(() => (r.processed.get("/healthy")?.size ?? 0) === 40, 20_000, "healthy deliveries")
        )
        const at = yield* Clock.currentTimeMillis
        const hanging = r.hangingCount()
        yield* Fiber.interrupt(worker)
        return { at, hanging }
      }),
      { concurrency: 8, perEndpoint: 4 }
    )
    // no virtual time passed: no dead attempt has even timed out, yet all 40 healthy ones are in
    expect(out.at).toBe(T0)
    // the dead endpoint holds at most its own share of the slots
    expect(out.hanging).toBeLessThanOrEqual(4)
    expect(out.hanging).toBeGreaterThan(0)
  })

  it("an endpoint failing for longer than disableAfter is disabled, with an event, and its pending deliveries fail", async () => {
    const r = await receiver({ "/failing": () => ({ status: 500 }) })
    const out = await run(
      Effect.gen(function* () {
        const w = yield* Webhooks.Webhooks
        const { endpoint } = yield* w.createEndpoint({
          owner: "m_1",
          url: r.url("/failing"),
          eventTypes: ["*"]
        })
        yield* w.notifier.notify(yield* paymentEvents(3))
        yield* driveToEnd
        return {
          endpoint: yield* w.endpoint(endpoint.id),
          deliveries: yield* w.deliveries({ limit: 10 }),
          recorded: yield* (yield* Notifier.RecordedEvents).all,
          now: yield* Clock.currentTimeMillis
        }
      }),
      { disableAfterMs: 3_600_000 }
    )
    expect(out.endpoint.status).toBe("disabled")
    expect(out.endpoint.disabledReason).toBe("failing")
    // attempts at 0, 5 s, 5 min 5 s, 35 min 5 s, 2 h 35 min 5 s: the fifth is past the hour
    expect(out.now - T0).toBe(5_000 + 300_000 + 1_800_000 + 7_200_000)
    expect(out.deliveries.every((d) => d.status === "failed")).toBe(true)
    const disabled = out.recorded.filter((e) => e.type === "webhooks.endpoint.disabled")
    expect(disabled).toHaveLength(1)
    expect(disabled[0]?.data).toMatchObject({ reason: "failing" })
  })

  it("exhausting the schedule fails the delivery with a delivery.failed event", async () => {
    const r = await receiver({ "/no": () => ({ status: 500 }) })
    const out = await run(
      Effect.gen(function* () {
        const w = yield* Webhooks.Webhooks
        yield* w.createEndpoint({ owner: "m_1", url: r.url("/no"), eventTypes: ["*"] })
        yield* w.notifier.notify(yield* paymentEvents(1))
        yield* driveToEnd
        const [d] = yield* w.deliveries({ limit: 10 })
        return {
          d: d as Delivery.Delivery,
          recorded: yield* (yield* Notifier.RecordedEvents).all,
          attempts: yield* attemptsOf((d as Delivery.Delivery).id)
        }
      }),
      { schedule: [0, 1_000, 2_000] }
    )
    expect(out.d.status).toBe("failed")
    expect(out.d.failureReason).toBe("exhausted")
    expect(out.attempts.map((a) => a.startedAt - T0)).toEqual([0, 1_000, 3_000])
    expect(out.recorded.filter((e) => e.type === "webhooks.delivery.failed")).toHaveLength(1)
  })
})

describe("replay, rotation, rate limits, payloads", () => {
  it("replays one delivery and a time range with the same webhook-id, as manual attempts", async () => {
    const r = await receiver({ "/ok": () => ({ status: 200 }) })
    const out = await run(
      Effect.gen(function* () {
        const w = yield* Webhooks.Webhooks
        const { endpoint } = yield* w.createEndpoint({ owner: "m_1", url: r.url("/ok"), eventTypes: ["*"] })
        yield* w.notifier.notify(yield* paymentEvents(3))
        yield* w.drain
        const [first] = yield* w.deliveries({ limit: 10 })
        yield* TestClock.adjust(60_000)
        const one = yield* w.replay((first as Delivery.Delivery).id)
        yield* w.drain
        const range = yield* w.replayRange({ endpointId: endpoint.id, from: T0, to: T0 + 1 })
        yield* w.drain
        return { one, range, attempts: yield* attemptsOf((first as Delivery.Delivery).id) }
      })
    )
    expect(out.one).toBe(1)
    expect(out.range).toBe(3)
    expect(out.attempts.map((a) => a.kind)).toEqual(["initial", "manual", "manual"])
    expect(r.received.length).toBe(3 + 1 + 3)
    expect(r.processed.get("/ok")?.size).toBe(3) // a deduplicating receiver acted once per message
  })

  it("a rotated secret signs beside the new one until the overlap ends; an asymmetric endpoint signs v1a", async () => {
    const r = await receiver({ "/sym": () => ({ status: 200 }), "/asym": () => ({ status: 200 }) })
    const out = await run(
      Effect.gen(function* () {
        const w = yield* Webhooks.Webhooks
        const sym = yield* w.createEndpoint({ owner: "m_1", url: r.url("/sym"), eventTypes: ["*"] })
        const asym = yield* w.createEndpoint({
          owner: "m_1",
          url: r.url("/asym"),
          eventTypes: ["*"],
          keyKind: "asymmetric"
        })
        const rotated = yield* w.rotateSecret(sym.endpoint.id, { overlapMs: 3_600_000 })
        yield* w.notifier.notify(yield* paymentEvents(1))
        yield* w.drain
        yield* TestClock.adjust(3_600_000)
        yield* w.notifier.notify(
          yield* paymentEvents(1).pipe(Effect.map((es) => es.map((e) => ({ ...e, subject: "later" }))))
        )
        yield* w.drain
        return {
          old: sym.secret,
          next: rotated.secret,
          publicKey: asym.endpoint.keys[0]?.publicKey,
          asymSecret: asym.secret
        }
      })
    )
    const sym = r.received.filter((x) => x.path === "/sym")
    expect(sym.map((x) => x.signature.split(" ").length)).toEqual([2, 1])
    const verifies = (x: (typeof sym)[number], key: string) =>
      Result.isSuccess(
        Signing.verify({
          payload: x.body,
          headers: { "webhook-id": x.id, "webhook-timestamp": x.timestamp, "webhook-signature": x.signature },
          keys: [key],
          now: Number(x.timestamp)
        })
      )
    expect(verifies(sym[0] as (typeof sym)[number], out.old)).toBe(true)
    expect(verifies(sym[0] as (typeof sym)[number], out.next)).toBe(true)
    expect(verifies(sym[1] as (typeof sym)[number], out.old)).toBe(false)
    expect(verifies(sym[1] as (typeof sym)[number], out.next)).toBe(true)
    const asym = r.received.filter((x) => x.path === "/asym")
    expect(out.asymSecret.startsWith("whsk_")).toBe(true)
    expect(asym[0]?.signature.startsWith("v1a,")).toBe(true)
    expect(verifies(asym[0] as (typeof asym)[number], out.publicKey as string)).toBe(true)
  })

  it("a rate-limited endpoint gets at most its rate per second; the rest wait without using attempts", async () => {
    const r = await receiver({ "/limited": () => ({ status: 200 }) })
    const out = await run(
      Effect.gen(function* () {
        const w = yield* Webhooks.Webhooks
        yield* w.createEndpoint({ owner: "m_1", url: r.url("/limited"), eventTypes: ["*"], rateLimit: 2 })
        yield* w.notifier.notify(yield* paymentEvents(5))
        const passes = []
        for (let i = 0; i < 6; i++) {
          passes.push(yield* w.drain)
          yield* TestClock.adjust(500)
        }
        return { passes, deliveries: yield* w.deliveries({ limit: 10 }) }
      })
    )
    expect(out.passes.map((p) => p.succeeded)).toEqual([2, 1, 1, 1, 0, 0])
    expect(out.deliveries.every((d) => d.status === "succeeded" && d.attempts === 1)).toBe(true)
  })

  it("thin payloads by default, full per endpoint; an oversized event from the relay goes thin", async () => {
    const r = await receiver({ "/thin": () => ({ status: 200 }), "/full": () => ({ status: 200 }) })
    await run(
      Effect.gen(function* () {
        const w = yield* Webhooks.Webhooks
        yield* w.createEndpoint({ owner: "m_1", url: r.url("/thin"), eventTypes: ["*"] })
        yield* w.createEndpoint({ owner: "m_1", url: r.url("/full"), eventTypes: ["*"], payload: "full" })
        const [small] = yield* paymentEvents(1)
        const big = {
          ...(small as DomainEvent.DomainEvent),
          id: "01JZZZZZZZZZZZZZZZZZZZZZZZ",
          subject: "big",
          data: { merchant: "m_1", blob: "x".repeat(5000) }
        }
        yield* w.notifier.notify([small as DomainEvent.DomainEvent, big])
        yield* w.drain
      }),
      { maxPayloadBytes: 4096, link: (e) => `https://api.example/v1/events/${e.id}` }
    )
    const thin = JSON.parse(r.received.find((x) => x.path === "/thin")?.body ?? "{}")
    expect(thin.type).toBe("payments.payment.authorised")
    expect(Object.keys(thin.data).sort()).toEqual(["id", "subject", "url"])
    const fulls = r.received.filter((x) => x.path === "/full").map((x) => JSON.parse(x.body))
    expect(fulls[0].data.amount).toEqual({ amount: "1999", currency: "EUR" })
    expect(Object.keys(fulls[1].data).sort()).toEqual(["id", "subject", "url"])
  })
})

describe("the service's own events", () => {
  it("reach only endpoints that name them, never the endpoint they are about", async () => {
    const r = await receiver({
      "/all": () => ({ status: 200 }),
      "/ops": () => ({ status: 200 }),
      "/bad": () => ({ status: 410 })
    })
    await run(
      Effect.gen(function* () {
        const w = yield* Webhooks.Webhooks
        yield* w.createEndpoint({ owner: "platform", url: r.url("/all"), eventTypes: ["*"] })
        yield* w.createEndpoint({ owner: "platform", url: r.url("/ops"), eventTypes: ["webhooks.*"] })
        yield* w.createEndpoint({ owner: "platform", url: r.url("/bad"), eventTypes: ["*", "webhooks.*"] })
        yield* w.notifier.notify(yield* paymentEvents(1))
        yield* w.drain
        // what the outbox relay would hand over next: the service's own events
        yield* w.notifier.notify(yield* (yield* Notifier.RecordedEvents).all)
        yield* w.drain
      })
    )
    const types = (path: string) =>
      r.received.filter((x) => x.path === path).map((x) => JSON.parse(x.body).type)
    expect(types("/all")).toEqual(["payments.payment.authorised"])
    expect(types("/ops").filter((t) => t === "webhooks.endpoint.disabled")).toHaveLength(1)
    expect(types("/bad")).toEqual(["payments.payment.authorised"])
  })
})
