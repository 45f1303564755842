import { DomainEvent, Ids, Notifier } from "@paykit/core"
import { Clock, Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type Delivery, HttpTransport, SecretBox, WebhookStore, Webhooks } from "../src/index.ts"

/**
 * The delivery invariants as a property (issue 20), on the memory store with a scripted transport
 * (no sockets, so hundreds of runs stay fast; the same paths against a real receiver are in
 * Webhooks.test.ts). For any events and any answers per attempt:
 * - every delivery ends succeeded or failed, with the reason its last answer implies;
 * - attempts are numbered 1..n, nothing is sent after a success, a 410 or the abort header;
 * - attempt k+1 starts exactly schedule[k] (or the Retry-After, when longer) after attempt k;
 * - per (endpoint, subject), first attempts go in queue order, each after the previous delivery ended;
 * - a receiver deduplicating by webhook-id acts exactly on the messages whose delivery succeeded.
 */

const T0 = Date.UTC(2026, 0, 1)
const box = SecretBox.makeUnsafe([{ id: "k1", key: Buffer.alloc(32, 9) }])
const schedule = [0, 1_000, 10_000, 60_000]

type Answer =
  | { readonly kind: "status"; readonly status: number; readonly retryAfter?: number }
  | { readonly kind: "abort" }
  | { readonly kind: "network" }

const answerArb: fc.Arbitrary<Answer> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(200, 201, 204).map((status) => ({ kind: "status" as const, status }))
  },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom(301, 400, 404, 429, 500, 502)
      .map((status) => ({ kind: "status" as const, status }))
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 0, max: 120 })
      .map((s) => ({ kind: "status" as const, status: 503, retryAfter: s }))
  },
  { weight: 1, arbitrary: fc.constant({ kind: "status" as const, status: 410 }) },
  { weight: 1, arbitrary: fc.constant({ kind: "abort" as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: "network" as const }) }
)

const scenarioArb = fc.record({
  endpoints: fc.integer({ min: 1, max: 3 }),
  events: fc.array(
    fc.record({ subject: fc.constantFrom("a", "b", "c", "d"), owner: fc.constantFrom("m_1", "m_2") }),
    {
      minLength: 1,
      maxLength: 12
    }
  ),
  answers: fc.array(answerArb, { minLength: 1, maxLength: 60 })
})

interface Sent {
  readonly url: string
  readonly id: string
  readonly at: number
  readonly answer: Answer
}

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never

const simulate = (scenario: Scenario) => {
  const sent: Array<Sent> = []
  let next = 0
  let now = T0
  const transport = HttpTransport.HttpTransport.of({
    post: (request) =>
      Effect.sync((): Delivery.Response => {
        const answer = scenario.answers[next++ % scenario.answers.length] as Answer
        sent.push({ url: request.url, id: request.headers["webhook-id"] ?? "", at: now, answer })
        if (answer.kind === "network") return { _tag: "NoResponse", kind: "network", detail: "refused" }
        if (answer.kind === "abort")
          return { _tag: "Response", status: 500, headers: { "webhook-delivery": "abort-message" }, body: "" }
        return {
          _tag: "Response",
          status: answer.status,
          headers: answer.retryAfter === undefined ? {} : { "retry-after": String(answer.retryAfter) },
          body: ""
        }
      })
  })
  const layer = Webhooks.layer({ secretBox: box, allowPrivate: true, schedule, concurrency: 1 }).pipe(
    Layer.provideMerge(WebhookStore.layerMemory),
    Layer.provideMerge(Notifier.layerMemory),
    Layer.provideMerge(Layer.succeed(HttpTransport.HttpTransport, transport)),
    Layer.provideMerge(Ids.layerSeeded(7)),
    Layer.provideMerge(TestClock.layer())
  )
  return Effect.runPromise(
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const w = yield* Webhooks.Webhooks
      const store = yield* WebhookStore.WebhookStore
      for (let i = 0; i < scenario.endpoints; i++)
        yield* w.createEndpoint({
          owner: i === 2 ? "platform" : "m_1",
          url: `https://hooks.example/${i}`,
          eventTypes: ["*"]
        })
      const events = yield* DomainEvent.envelopes(
        scenario.events.map((e) => ({
          type: "payments.payment.authorised",
          subject: e.subject,
          data: { merchant: e.owner }
        }))
      )
      yield* w.notifier.notify(events)
      for (let step = 0; step < 500; step++) {
        yield* w.drain
        const pending = yield* store.deliveries({ status: "pending", limit: 10_000 })
        const t = yield* Clock.currentTimeMillis
        const later = pending.map((d) => d.nextAttemptAt ?? 0).filter((x) => x > t)
        if (later.length === 0) break
        now = Math.min(...later)
        yield* TestClock.setTime(now)
      }
      const deliveries = yield* store.deliveries({ limit: 10_000 })
      const attempts = new Map<string, ReadonlyArray<Delivery.Attempt>>()
      for (const d of deliveries) attempts.set(d.id, yield* store.attempts(d.id))
      const endpoints = yield* store.endpoints({})
      return { deliveries, attempts, endpoints, sent }
    }).pipe(Effect.provide(layer))
  )
}

describe("delivery invariants (property)", () => {
  it("for any events and answers, deliveries end, follow the schedule and the per-subject order, and a deduplicating receiver acts on exactly the succeeded ones", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        const { deliveries, attempts, endpoints, sent } = await simulate(scenario)
        const urlOf = new Map(endpoints.map((e) => [e.id, e.url]))
        for (const d of deliveries) {
          const list = attempts.get(d.id) ?? []
          expect(d.status === "succeeded" || d.status === "failed").toBe(true)
          expect(list.map((a) => a.number)).toEqual(list.map((_, i) => i + 1))
          // what the transport saw for this delivery is exactly its attempts
          const mine = sent.filter((s) => s.url === urlOf.get(d.endpointId) && s.id === d.messageId)
          expect(mine.map((s) => s.at)).toEqual(list.map((a) => a.startedAt))
          const last = mine.at(-1)
          if (d.status === "succeeded")
            expect(last?.answer.kind === "status" && last.answer.status < 300).toBe(true)
          if (d.failureReason === "aborted") expect(last?.answer.kind).toBe("abort")
          if (d.failureReason === "gone") expect(last?.answer).toEqual({ kind: "status", status: 410 })
          if (d.failureReason === "exhausted") expect(list).toHaveLength(schedule.length)
          if (d.failureReason === "endpoint_disabled")
            expect(endpoints.find((e) => e.id === d.endpointId)?.status).toBe("disabled")
          for (let k = 1; k < list.length; k++) {
            const prev = mine[k - 1] as Sent
            const ra =
              prev.answer.kind === "status" && prev.answer.retryAfter !== undefined
                ? prev.answer.retryAfter * 1000
                : 0
            expect(
              (list[k] as Delivery.Attempt).startedAt - (list[k - 1] as Delivery.Attempt).startedAt
            ).toBe(Math.max(schedule[k] as number, ra))
          }
        }
        // per (endpoint, subject): a delivery's first attempt comes after the previous one's last
        const groups = new Map<string, Array<Delivery.Delivery>>()
        for (const d of [...deliveries].sort((a, b) => a.seq - b.seq)) {
          const k = `${d.endpointId}/${d.subject}`
          groups.set(k, [...(groups.get(k) ?? []), d])
        }
        for (const group of groups.values()) {
          let lastEnd = Number.NEGATIVE_INFINITY
          let lastIndex = -1
          for (const d of group) {
            const list = attempts.get(d.id) ?? []
            if (list.length === 0) continue
            const firstIndex = sent.findIndex(
              (s) => s.url === urlOf.get(d.endpointId) && s.id === d.messageId
            )
            expect(firstIndex).toBeGreaterThan(lastIndex)
            expect((list[0] as Delivery.Attempt).startedAt).toBeGreaterThanOrEqual(lastEnd)
            lastEnd = (list.at(-1) as Delivery.Attempt).startedAt
            lastIndex = sent.findLastIndex((s) => s.url === urlOf.get(d.endpointId) && s.id === d.messageId)
          }
        }
        // the deduplicating receiver: acted on = first 2xx per (url, id)
        const acted = new Set(
          sent
            .filter((s) => s.answer.kind === "status" && s.answer.status < 300)
            .map((s) => `${s.url} ${s.id}`)
        )
        const succeeded = new Set(
          deliveries
            .filter((d) => d.status === "succeeded")
            .map((d) => `${urlOf.get(d.endpointId)} ${d.messageId}`)
        )
        expect(acted).toEqual(succeeded)
      }),
      { numRuns: 150 }
    )
  })
})
