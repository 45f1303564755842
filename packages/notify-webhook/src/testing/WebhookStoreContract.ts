import { type DomainEvent, Notifier } from "@paykit/core"
import { Effect, Layer } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Delivery from "../Delivery.ts"
import type * as Endpoint from "../Endpoint.ts"
import { applyHealth, type Claimed, type Completion, type Health, WebhookStore } from "../WebhookStore.ts"

/**
 * Options of the contract suite. `numRuns`: random operation sequences of the model-based
 * property (default 40; fewer on slow stores); `timeout` per test in ms (default 60,000);
 * `deliveredEvents`: every event the store has delivered so far, in order (default: what the
 * memory `Notifier` in context recorded; a store with an outbox drains its relay into that
 * `Notifier` first).
 *
 * @example
 * ```ts
 * import type { WebhookStoreContract } from "@paykit/notify-webhook/testing"
 * const slow: WebhookStoreContract.Options = { numRuns: 10 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Options<R = never> {
  readonly numRuns?: number | undefined
  readonly timeout?: number | undefined
  readonly deliveredEvents?:
    | Effect.Effect<
        ReadonlyArray<DomainEvent.DomainEvent>,
        unknown,
        R | WebhookStore | Notifier.Notifier | Notifier.RecordedEvents
      >
    | undefined
}

const T0 = 1_000

const eventIdOf = (n: number): string => `01J${String(n).padStart(23, "0")}`

/**
 * A domain event about `subject` with a ULID built from `n` (for store tests).
 *
 * @example
 * ```ts
 * import { WebhookStoreContract } from "@paykit/notify-webhook/testing"
 * WebhookStoreContract.sampleEvent(1, "ep_1").id // "01J00000000000000000000001"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const sampleEvent = (n: number, subject: string): DomainEvent.DomainEvent => ({
  id: eventIdOf(n),
  type: "webhooks.test.changed",
  occurredAt: new Date(1_767_225_600_000 + n).toISOString(),
  subject,
  data: { n, subject }
})

/**
 * An endpoint for store tests: active, of owner `m_1`, every event type, thin payloads, one
 * symmetric key, version 1, no optional field, with `overrides`.
 *
 * @example
 * ```ts
 * import { WebhookStoreContract } from "@paykit/notify-webhook/testing"
 * WebhookStoreContract.sampleEndpoint("ep_1").status // "active"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const sampleEndpoint = (
  id: string,
  overrides: Partial<Endpoint.Endpoint> = {}
): Endpoint.Endpoint => ({
  id,
  owner: "m_1",
  url: `https://hooks.example.com/${id}`,
  eventTypes: ["*"],
  payload: "thin",
  keys: [{ id: `key_${id}`, kind: "symmetric", sealed: `v1.k1.bm9uY2U.${id}`, createdAt: T0 }],
  status: "active",
  metadata: {},
  createdAt: T0,
  updatedAt: T0,
  version: 1,
  ...overrides
})

/**
 * A new delivery for store tests: event `n` (its ULID from `n`) to `endpointId`, subject `pay_1`,
 * pending and due at 1,000, with `overrides`.
 *
 * @example
 * ```ts
 * import { WebhookStoreContract } from "@paykit/notify-webhook/testing"
 * WebhookStoreContract.sampleDelivery("ep_1", 1).id // "dlv_ep_1_01J00000000000000000000001"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const sampleDelivery = (
  endpointId: string,
  n: number,
  overrides: Partial<Delivery.NewDelivery> = {}
): Delivery.NewDelivery => {
  const eventId = eventIdOf(n)
  return {
    id: Delivery.idOf(endpointId, eventId),
    messageId: Delivery.messageIdOf(eventId),
    endpointId,
    owner: "m_1",
    eventId,
    eventType: "payments.payment.succeeded",
    subject: "pay_1",
    payload: JSON.stringify({
      type: "payments.payment.succeeded",
      timestamp: "2026-01-01T00:00:00.000Z",
      data: { id: eventId, subject: "pay_1" }
    }),
    status: "pending",
    attempts: 0,
    nextAttemptAt: T0,
    nextKind: "initial",
    createdAt: T0,
    updatedAt: T0,
    ...overrides
  }
}

/**
 * What an attempt of `delivery` records, built the way the `Webhooks` service builds it:
 * `outcome` `succeeded` (204), `retry` (500, pending again, due at `nextAttemptAt`, default
 * `at + 100`) or `failed` (500, given up: `exhausted`), ended at `at` after 7 ms. The attempt is
 * number `delivery.attempts + 1` unless `number` says otherwise; `health` defaults to `ok` on a
 * success and `none` otherwise.
 *
 * @example
 * ```ts
 * import { WebhookStoreContract } from "@paykit/notify-webhook/testing"
 * const d = { ...WebhookStoreContract.sampleDelivery("ep_1", 1), seq: 1 }
 * WebhookStoreContract.completion("t1", d, { outcome: "succeeded", at: 2_000 }).attempt.number // 1
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const completion = (
  token: string,
  delivery: Delivery.Delivery,
  o: {
    readonly outcome: "succeeded" | "retry" | "failed"
    readonly at: number
    readonly number?: number
    readonly nextAttemptAt?: number
    readonly health?: Health
    readonly events?: ReadonlyArray<DomainEvent.DomainEvent>
    readonly disabledEvent?: DomainEvent.DomainEvent
    readonly responseBody?: string
  }
): Completion => {
  const number = o.number ?? delivery.attempts + 1
  const { nextAttemptAt: _n, failureReason: _f, lastStatusCode: _c, lastError: _e, ...base } = delivery
  const status: Delivery.Status =
    o.outcome === "succeeded" ? "succeeded" : o.outcome === "retry" ? "pending" : "failed"
  const code = o.outcome === "succeeded" ? 204 : 500
  const nextAt = status === "pending" ? (o.nextAttemptAt ?? o.at + 100) : undefined
  const next: Delivery.Delivery = {
    ...base,
    status,
    attempts: number,
    nextKind: "retry",
    ...(nextAt === undefined ? {} : { nextAttemptAt: nextAt }),
    ...(status === "failed" ? { failureReason: "exhausted" as const } : {}),
    lastStatusCode: code,
    ...(status === "succeeded" ? {} : { lastError: `HTTP ${code}` }),
    updatedAt: o.at
  }
  const attempt: Delivery.Attempt = {
    deliveryId: delivery.id,
    number,
    kind: delivery.nextKind,
    startedAt: o.at - 7,
    latencyMs: 7,
    statusCode: code,
    ...(status === "succeeded" ? {} : { error: `HTTP ${code}` }),
    ...(o.responseBody === undefined ? {} : { responseBody: o.responseBody }),
    outcome: o.outcome,
    ...(nextAt === undefined ? {} : { nextAttemptAt: nextAt })
  }
  return {
    token,
    delivery: next,
    attempt,
    health: o.health ?? (o.outcome === "succeeded" ? { _tag: "ok" } : { _tag: "none" }),
    disabledEvent: o.disabledEvent ?? sampleEvent(999_999, delivery.endpointId),
    events: o.events ?? []
  }
}

const byId = <T extends { readonly id: string }>(xs: ReadonlyArray<T>): Array<T> =>
  [...xs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))

const ids = (xs: ReadonlyArray<{ readonly id: string }>): Array<string> => xs.map((x) => x.id)

const claimedIds = (xs: ReadonlyArray<Claimed>): Array<string> => xs.map((c) => c.delivery.id)

/** A new delivery as `enqueue` stores it for an endpoint disabled or missing: failed, no next attempt. */
const failedAtEnqueue = (d: Delivery.NewDelivery): Delivery.NewDelivery => {
  const { nextAttemptAt: _, ...rest } = d
  return { ...rest, status: "failed", failureReason: "endpoint_disabled" }
}

/** The delivery as a pending one failed by its endpoint's disabling at `at`. */
const failedByDisable = (d: Delivery.Delivery, at: number): Delivery.Delivery => {
  const { nextAttemptAt: _, ...rest } = d
  return { ...rest, status: "failed", failureReason: "endpoint_disabled", updatedAt: at }
}

const withoutSeq = (d: Delivery.Delivery): Delivery.NewDelivery => {
  const { seq: _, ...rest } = d
  return rest
}

// ---------------------------------------------------------------------------------------------
// The model of the model-based property: the port's promises, as plainly as they can be said

interface Model {
  readonly endpoints: Map<string, Endpoint.Endpoint>
  /** In seq order. */
  readonly deliveries: Array<Delivery.Delivery>
  readonly leases: Map<string, { readonly token: string; readonly until: number }>
  readonly attempts: Map<string, Array<Delivery.Attempt>>
  readonly events: Array<string>
  seq: number
}

const modelFailPending = (m: Model, endpointId: string, at: number, except?: string) => {
  m.deliveries.forEach((d, i) => {
    if (d.endpointId === endpointId && d.status === "pending" && d.id !== except) {
      m.deliveries[i] = failedByDisable(d, at)
      m.leases.delete(d.id)
    }
  })
}

const modelPut = (m: Model, d: Delivery.Delivery) => {
  const i = m.deliveries.findIndex((x) => x.id === d.id)
  if (i >= 0) m.deliveries[i] = d
}

const modelClaim = (
  m: Model,
  r: {
    now: number
    limit: number
    perEndpoint: number
    leaseMs: number
    token: string
    exclude: ReadonlyArray<string>
  }
) => {
  const out: Array<string> = []
  const heads = new Set<string>()
  const per = new Map<string, number>()
  for (const d of m.deliveries) {
    if (out.length >= r.limit) break
    if (d.status !== "pending") continue
    const key = `${d.endpointId}\u0000${d.subject}`
    if (heads.has(key)) continue
    heads.add(key)
    const e = m.endpoints.get(d.endpointId)
    if (e === undefined || e.status === "disabled") continue
    if (r.exclude.includes(d.endpointId)) continue
    if ((d.nextAttemptAt ?? 0) > r.now) continue
    const lease = m.leases.get(d.id)
    if (lease !== undefined && lease.until > r.now) continue
    const n = per.get(d.endpointId) ?? 0
    if (n >= r.perEndpoint) continue
    per.set(d.endpointId, n + 1)
    m.leases.set(d.id, { token: r.token, until: r.now + r.leaseMs })
    out.push(d.id)
  }
  return out
}

const modelComplete = (m: Model, c: Completion) => {
  const lease = m.leases.get(c.delivery.id)
  const current = m.deliveries.find((d) => d.id === c.delivery.id)
  const list = m.attempts.get(c.delivery.id) ?? []
  if (
    lease?.token !== c.token ||
    current === undefined ||
    current.status !== "pending" ||
    list.some((a) => a.number === c.attempt.number)
  )
    return { held: false, disabled: false }
  m.attempts.set(c.delivery.id, [...list, c.attempt])
  m.leases.delete(c.delivery.id)
  let final: Delivery.Delivery = { ...c.delivery, seq: current.seq }
  const e = m.endpoints.get(c.delivery.endpointId)
  let disabled = false
  if (e !== undefined) {
    const next = applyHealth(e, c.health)
    m.endpoints.set(e.id, next.endpoint)
    disabled = next.disabledNow
    if (disabled) {
      if (final.status === "pending") final = failedByDisable(final, c.attempt.startedAt)
      modelFailPending(m, e.id, c.attempt.startedAt, final.id)
    }
  }
  modelPut(m, final)
  m.events.push(...ids(c.events), ...(disabled ? [c.disabledEvent.id] : []))
  return { held: true, disabled }
}

const modelReplay = (m: Model, targets: ReadonlyArray<Delivery.Delivery>, now: number) => {
  let n = 0
  for (const d of targets) {
    if (d.status === "pending" && d.nextKind === "manual") continue
    // in flight (leased at now): left alone
    const lease = m.leases.get(d.id)
    if (lease !== undefined && lease.until > now) continue
    const { failureReason: _, ...rest } = d
    modelPut(m, { ...rest, status: "pending", nextAttemptAt: now, nextKind: "manual", updatedAt: now })
    m.leases.delete(d.id)
    n++
  }
  return n
}

type Op =
  | {
      readonly _tag: "enqueue"
      readonly items: ReadonlyArray<{
        readonly ep: number
        readonly ev: number
        readonly subject: number
        readonly due: number
        readonly done: boolean
      }>
    }
  | {
      readonly _tag: "claim"
      readonly token: number
      readonly limit: number
      readonly perEndpoint: number
      readonly leaseMs: number
      readonly exclude: ReadonlyArray<string>
    }
  | {
      readonly _tag: "complete"
      readonly pick: number
      readonly own: boolean
      readonly token: number
      readonly outcome: "succeeded" | "retry" | "failed"
      readonly health: Health["_tag"]
      readonly reuse: boolean
      readonly delay: number
    }
  | {
      readonly _tag: "release"
      readonly pick: number
      readonly own: boolean
      readonly token: number
      readonly delay: number
    }
  | { readonly _tag: "replayOne"; readonly pick: number }
  | { readonly _tag: "replayRange"; readonly ep: number; readonly from: number; readonly span: number }
  | { readonly _tag: "toggle"; readonly ep: number }
  | { readonly _tag: "touch"; readonly ep: number; readonly stale: "none" | "absent" | "other" }
  | { readonly _tag: "advance"; readonly ms: number }

const MODEL_ENDPOINTS = ["ep_0", "ep_1", "ep_2"] as const
const TOKENS = ["tok_a", "tok_b", "tok_c"] as const

/** Deliveries to queue: to one of the endpoints (3: one that does not exist), mostly due at once. */
const itemsArb = (minLength: number, maxLength: number) =>
  fc.array(
    fc.record({
      ep: fc.integer({ min: 0, max: 9 }).map((n) => (n === 9 ? 3 : n % 3)),
      ev: fc.integer({ min: 1, max: 16 }),
      subject: fc.integer({ min: 0, max: 2 }),
      due: fc.integer({ min: 0, max: 5 }).map((n) => Math.max(0, n - 2)),
      done: fc.integer({ min: 0, max: 7 }).map((n) => n === 0)
    }),
    { minLength, maxLength }
  )

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: itemsArb(1, 5).map((items) => ({ _tag: "enqueue" as const, items })) },
  {
    weight: 4,
    arbitrary: fc.record({
      _tag: fc.constant("claim" as const),
      token: fc.integer({ min: 0, max: 2 }),
      limit: fc.integer({ min: 1, max: 5 }),
      perEndpoint: fc.integer({ min: 1, max: 3 }),
      leaseMs: fc.constantFrom(50, 400),
      exclude: fc.oneof(
        { weight: 3, arbitrary: fc.constant([]) },
        { weight: 1, arbitrary: fc.subarray([...MODEL_ENDPOINTS, "ep_none"], { minLength: 1 }) }
      )
    })
  },
  {
    weight: 6,
    arbitrary: fc.record({
      _tag: fc.constant("complete" as const),
      pick: fc.nat(),
      own: fc.integer({ min: 0, max: 5 }).map((n) => n > 0),
      token: fc.integer({ min: 0, max: 2 }),
      outcome: fc.constantFrom("succeeded" as const, "retry" as const, "failed" as const),
      health: fc.constantFrom(
        "none" as const,
        "ok" as const,
        "failing" as const,
        "failing" as const,
        "gone" as const
      ),
      reuse: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
      delay: fc.integer({ min: 0, max: 4 })
    })
  },
  {
    weight: 1,
    arbitrary: fc.record({
      _tag: fc.constant("release" as const),
      pick: fc.nat(),
      own: fc.boolean(),
      token: fc.integer({ min: 0, max: 2 }),
      delay: fc.integer({ min: 0, max: 4 })
    })
  },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("replayOne" as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      _tag: fc.constant("replayRange" as const),
      ep: fc.integer({ min: 0, max: 2 }),
      from: fc.integer({ min: 0, max: 8 }),
      span: fc.integer({ min: 1, max: 8 })
    })
  },
  {
    weight: 1,
    arbitrary: fc.record({ _tag: fc.constant("toggle" as const), ep: fc.integer({ min: 0, max: 2 }) })
  },
  {
    weight: 1,
    arbitrary: fc.record({
      _tag: fc.constant("touch" as const),
      ep: fc.integer({ min: 0, max: 2 }),
      stale: fc.constantFrom("none" as const, "absent" as const, "other" as const)
    })
  },
  {
    weight: 2,
    arbitrary: fc.record({ _tag: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 300 }) })
  }
)

/**
 * The contract every `WebhookStore` must pass, as a Vitest suite: endpoints read back exactly
 * and move only at the version read (`EndpointConflict`, `EndpointNotFound`, nothing written);
 * `endpoints` filters by owner and `receiving`, in id order; `enqueue` is idempotent by id and
 * numbers new deliveries in the order given; `claim` leases only due, pending, unleased
 * deliveries of endpoints not disabled that are the oldest pending of their (endpoint, subject),
 * in seq order, at most `perEndpoint` per endpoint and `limit` in all, and another claimer gets
 * a leased delivery only once its lease ran out; `complete` writes only with the holding token
 * and an unused attempt number (`held: false` writes nothing), and applies `applyHealth` (a
 * disabling commit emits `disabledEvent` and fails the endpoint's other pending deliveries);
 * disabling through `updateEndpoint` fails its pending deliveries; `release`; `replay` of one
 * delivery and of a time range, succeeded and failed ones alike; the delivery and attempt lists;
 * the events of each write delivered when it commits, a refused write's never; concurrent claims
 * never lease a delivery twice nor two of one (endpoint, subject); and a model-based property
 * over random sequences of enqueue, claim, complete, release, replay and endpoint toggles.
 *
 * Each test builds `layer` afresh, with a memory `Notifier` (and its `RecordedEvents`) provided.
 *
 * @example
 * ```ts
 * import { WebhookStore } from "@paykit/notify-webhook"
 * import { WebhookStoreContract } from "@paykit/notify-webhook/testing"
 * WebhookStoreContract.suite("memory", WebhookStore.layerMemory)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const suite = <R = never>(
  name: string,
  layer: Layer.Layer<WebhookStore | R, unknown, Notifier.Notifier>,
  options: Options<R> = {}
): void => {
  const full = Layer.provideMerge(layer, Notifier.layerMemory)
  type Env = WebhookStore | R | Notifier.Notifier | Notifier.RecordedEvents
  const run = <A, E>(effect: Effect.Effect<A, E, Env>): Promise<A> =>
    Effect.runPromise(Effect.provide(effect, full) as Effect.Effect<A, E>)
  const timeout = options.timeout ?? 60_000
  const numRuns = options.numRuns ?? 40
  const delivered: Effect.Effect<
    ReadonlyArray<DomainEvent.DomainEvent>,
    unknown,
    Env
  > = options.deliveredEvents ?? Effect.flatMap(Notifier.RecordedEvents, (r) => r.all)
  const deliveredIds = Effect.map(delivered, ids)

  const all = Effect.flatMap(WebhookStore, (s) => s.deliveries({ limit: 100_000 }))
  const get = (id: string) =>
    Effect.flatMap(WebhookStore, (s) => s.delivery(id)).pipe(
      Effect.map((d) => {
        if (d === undefined) throw new Error(`no delivery ${id}`)
        return d
      })
    )
  const claim = (token: string, now: number, limit = 100, perEndpoint = 100, leaseMs = 1_000) =>
    Effect.flatMap(WebhookStore, (s) => s.claim({ now, limit, perEndpoint, leaseMs, token }))

  describe(`WebhookStore contract: ${name}`, () => {
    it(
      "an endpoint reads back exactly: keys, metadata and every optional field; an absent field stays absent; inserting an id that exists is EndpointConflict and changes nothing",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const s = yield* WebhookStore
            const rich = sampleEndpoint("ep_rich", {
              owner: "platform",
              url: "https://hooks.example.com/a?b=c&d='e'",
              description: 'ünïcode ✓ 付款 "quoted" \\ back — 😀',
              eventTypes: ["payments.refund.*", "payments.payment.succeeded"],
              payload: "full",
              keys: [
                {
                  id: "key_1",
                  kind: "symmetric",
                  sealed: "v1.k1.AAAA.BBBB",
                  createdAt: 2 ** 44,
                  expiresAt: 2 ** 45
                },
                {
                  id: "key_2",
                  kind: "asymmetric",
                  sealed: "v1.k2.CCCC.DDDD",
                  publicKey: "whpk_MCowBQYDK2VwAyEA",
                  createdAt: 2 ** 45
                }
              ],
              status: "deprecated",
              rateLimit: 10_000,
              failingSince: 2 ** 52,
              metadata: { team: "payments", ключ: "значение 😀", empty: "" },
              createdAt: 1_767_225_600_000,
              updatedAt: 2 ** 53 - 1,
              version: 2 ** 31 + 7
            })
            const disabled = sampleEndpoint("ep_off", {
              status: "disabled",
              disabledReason: "gone",
              version: 3
            })
            const bare = sampleEndpoint("ep_bare")
            yield* s.insertEndpoint(rich, [sampleEvent(1, "ep_rich")])
            yield* s.insertEndpoint(disabled, [])
            yield* s.insertEndpoint(bare, [sampleEvent(2, "ep_bare"), sampleEvent(3, "ep_bare")])
            expect(yield* s.endpoint("ep_rich")).toEqual(rich)
            expect(yield* s.endpoint("ep_off")).toEqual(disabled)
            const b = yield* s.endpoint("ep_bare")
            expect(b).toEqual(bare)
            for (const key of ["description", "disabledReason", "rateLimit", "failingSince"] as const)
              expect(key in b!).toBe(false)
            expect(key0(b!.keys[0]!)).toEqual(["createdAt", "id", "kind", "sealed"])
            expect(yield* s.endpoint("ep_none")).toBeUndefined()
            expect(yield* deliveredIds).toEqual([1, 2, 3].map(eventIdOf))

            const error = yield* Effect.flip(
              s.insertEndpoint({ ...rich, url: "https://other.example.com/" }, [sampleEvent(4, "ep_rich")])
            )
            expect(error).toMatchObject({
              _tag: "EndpointConflict",
              endpointId: "ep_rich",
              expected: 0,
              actual: rich.version
            })
            expect(yield* s.endpoint("ep_rich")).toEqual(rich)
            expect(yield* deliveredIds).toEqual([1, 2, 3].map(eventIdOf))
          })
        )
    )

    it(
      "updateEndpoint replaces the endpoint at the version read; a stale version is EndpointConflict and an unknown id EndpointNotFound, neither writing anything nor delivering its events",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const s = yield* WebhookStore
            const v1 = sampleEndpoint("ep_1", { description: "first", rateLimit: 5, failingSince: 1_500 })
            yield* s.insertEndpoint(v1, [sampleEvent(1, "ep_1")])
            const { description: _d, rateLimit: _r, failingSince: _f, ...rest } = v1
            const v2: Endpoint.Endpoint = {
              ...rest,
              url: "https://hooks.example.com/v2",
              eventTypes: ["payments.*"],
              payload: "full",
              metadata: { a: "b" },
              updatedAt: 2_000,
              version: 2
            }
            yield* s.updateEndpoint(v2, 1, [sampleEvent(2, "ep_1")])
            const back = yield* s.endpoint("ep_1")
            // the status stays: the stored failingSince too (the workers' to manage)
            expect(back).toEqual({ ...v2, failingSince: 1_500 })
            for (const key of ["description", "rateLimit"] as const) expect(key in back!).toBe(false)

            for (const expected of [1, 0, 3, -1]) {
              const stale = yield* Effect.flip(
                s.updateEndpoint({ ...v2, url: "https://x.example.com/", version: 9 }, expected, [
                  sampleEvent(3, "ep_1")
                ])
              )
              expect(stale).toMatchObject({
                _tag: "EndpointConflict",
                endpointId: "ep_1",
                expected,
                actual: 2
              })
            }
            const missing = yield* Effect.flip(
              s.updateEndpoint(sampleEndpoint("ep_none", { version: 2 }), 1, [sampleEvent(4, "ep_none")])
            )
            expect(missing).toMatchObject({ _tag: "EndpointNotFound", endpointId: "ep_none" })
            expect(yield* s.endpoint("ep_1")).toEqual({ ...v2, failingSince: 1_500 })
            expect(yield* s.endpoint("ep_none")).toBeUndefined()
            // an update without events, and one that brings optional fields back
            const v3: Endpoint.Endpoint = {
              ...v2,
              description: "back",
              rateLimit: 1,
              version: 3,
              updatedAt: 3_000
            }
            yield* s.updateEndpoint(v3, 2, [])
            expect(yield* s.endpoint("ep_1")).toEqual({ ...v3, failingSince: 1_500 })
            expect(yield* deliveredIds).toEqual([eventIdOf(1), eventIdOf(2)])
          })
        )
    )

    it(
      "updateEndpoint keeps the stored failingSince while the status stays (a management write racing a health change never undoes it); a status change writes the given record's, absent or not",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const s = yield* WebhookStore
            const E = sampleEndpoint("ep_1")
            yield* s.insertEndpoint(E, [])
            yield* s.enqueue([
              sampleDelivery("ep_1", 1, { subject: "s1" }),
              sampleDelivery("ep_1", 2, { subject: "s2" })
            ])
            const [c1, c2] = yield* claim("t1", T0)
            // the owner reads the endpoint (healthy, version 1) ...
            const read = (yield* s.endpoint("ep_1"))!
            // ... an attempt fails meanwhile: failingSince set, the version unchanged ...
            const failed = completion("t1", c1!.delivery, {
              outcome: "retry",
              at: 1_100,
              health: { _tag: "failing", at: 1_100, disableAfter: 10 ** 9 }
            })
            expect(yield* s.complete(failed)).toEqual({ held: true, disabled: false })
            expect(yield* s.endpoint("ep_1")).toEqual({ ...E, failingSince: 1_100 })
            // ... and the owner's write, made from what it read, keeps the failure's time
            const renamed: Endpoint.Endpoint = {
              ...read,
              description: "renamed",
              updatedAt: 1_200,
              version: 2
            }
            yield* s.updateEndpoint(renamed, 1, [])
            expect(yield* s.endpoint("ep_1")).toEqual({ ...renamed, failingSince: 1_100 })
            // the other way: the owner reads it failing, a success clears it, the owner's write
            // (carrying the old failingSince) leaves it cleared
            const readFailing = (yield* s.endpoint("ep_1"))!
            expect(readFailing.failingSince).toBe(1_100)
            const ok = completion("t1", c2!.delivery, { outcome: "succeeded", at: 1_300 })
            expect(yield* s.complete(ok)).toEqual({ held: true, disabled: false })
            const url: Endpoint.Endpoint = {
              ...readFailing,
              url: "https://hooks.example.com/new",
              updatedAt: 1_400,
              version: 3
            }
            yield* s.updateEndpoint(url, 2, [])
            const { failingSince: _, ...healthy } = url
            const back = yield* s.endpoint("ep_1")
            expect(back).toEqual(healthy)
            expect("failingSince" in back!).toBe(false)
            // a status change writes the given record's failingSince: a value ...
            const off: Endpoint.Endpoint = {
              ...healthy,
              status: "disabled",
              disabledReason: "by_owner",
              failingSince: 1_350,
              updatedAt: 1_500,
              version: 4
            }
            yield* s.updateEndpoint(off, 3, [])
            expect(yield* s.endpoint("ep_1")).toEqual(off)
            // ... or none (the key gone)
            const { failingSince: _f, disabledReason: _r, ...on } = off
            const enabled: Endpoint.Endpoint = { ...on, status: "active", updatedAt: 1_600, version: 5 }
            yield* s.updateEndpoint(enabled, 4, [])
            const again = yield* s.endpoint("ep_1")
            expect(again).toEqual(enabled)
            expect("failingSince" in again!).toBe(false)
            // deprecating is a status change too
            const deprecated: Endpoint.Endpoint = {
              ...enabled,
              status: "deprecated",
              failingSince: 1_650,
              updatedAt: 1_700,
              version: 6
            }
            yield* s.updateEndpoint(deprecated, 5, [])
            expect(yield* s.endpoint("ep_1")).toEqual(deprecated)
          })
        )
    )

    it(
      "endpoints filters by owner and by receiving (not disabled), in id order (code units)",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const s = yield* WebhookStore
            const list = [
              sampleEndpoint("ep_b", { owner: "m_1" }),
              sampleEndpoint("ep_B", { owner: "m_1", status: "disabled", disabledReason: "by_owner" }),
              sampleEndpoint("ep_a", { owner: "m_2", status: "deprecated" }),
              sampleEndpoint("ep-z", { owner: "platform" }),
              sampleEndpoint("ep_c", { owner: "M_1", status: "disabled", disabledReason: "failing" })
            ]
            for (const e of list) yield* s.insertEndpoint(e, [])
            const sorted = (xs: ReadonlyArray<Endpoint.Endpoint>) => ids(byId(xs))
            expect(ids(yield* s.endpoints({}))).toEqual(sorted(list))
            expect(ids(yield* s.endpoints({ owner: "m_1" }))).toEqual(["ep_B", "ep_b"])
            expect(ids(yield* s.endpoints({ owner: "m_1", receiving: true }))).toEqual(["ep_b"])
            expect(ids(yield* s.endpoints({ receiving: true }))).toEqual(["ep-z", "ep_a", "ep_b"])
            expect(ids(yield* s.endpoints({ receiving: false }))).toEqual(sorted(list))
            expect(yield* s.endpoints({ owner: "m_9" })).toEqual([])
            expect(yield* s.endpoints({ owner: "M_1" })).toEqual([list[4]])
          })
        )
    )

    it(
      "enqueue is idempotent by id (answering how many were new) and numbers new deliveries in the order given; a delivery reads back exactly",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const s = yield* WebhookStore
            yield* s.insertEndpoint(sampleEndpoint("ep_1"), [])
            yield* s.insertEndpoint(sampleEndpoint("ep_2", { status: "deprecated" }), [])
            const d1 = sampleDelivery("ep_1", 1)
            const d2 = sampleDelivery("ep_1", 2, {
              subject: "pay_'\"\\ 😀",
              payload: JSON.stringify({
                type: "x.y",
                data: { note: "ünïcode ✓ 付款", big: "123456789012345678901234567890" }
              }),
              owner: "platform",
              createdAt: 2 ** 52,
              updatedAt: 2 ** 53 - 1,
              nextAttemptAt: 2 ** 50
            })
            const d3 = sampleDelivery("ep_2", 1, {
              status: "failed",
              failureReason: "aborted",
              attempts: 3,
              lastStatusCode: 410,
              lastError: "HTTP 410",
              nextKind: "retry"
            })
            expect(yield* s.enqueue([])).toBe(0)
            expect(yield* s.enqueue([d1, d2, d3])).toBe(3)
            const { nextAttemptAt: _, ...noDue } = sampleDelivery("ep_2", 4)
            // an id queued already is skipped (its delivery unchanged), also within one call
            expect(
              yield* s.enqueue([
                { ...d2, payload: "{}" },
                sampleDelivery("ep_1", 3),
                d1,
                noDue,
                { ...noDue, payload: "{}" }
              ])
            ).toBe(2)
            expect(yield* s.enqueue([d1, d2, d3])).toBe(0)
            const list = yield* all
            expect(list.map(withoutSeq)).toEqual([d1, d2, d3, sampleDelivery("ep_1", 3), noDue])
            const seqs = list.map((d) => d.seq)
            for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!)
            for (const d of list) expect(yield* s.delivery(d.id)).toEqual(d)
            const back = yield* get(d1.id)
            for (const key of ["failureReason", "lastStatusCode", "lastError"] as const)
              expect(key in back).toBe(false)
            expect("nextAttemptAt" in (yield* get(noDue.id))).toBe(false)
            expect(yield* s.delivery("dlv_none")).toBeUndefined()
            expect(yield* s.attempts(d1.id)).toEqual([])
            expect(yield* deliveredIds).toEqual([])
          })
        )
    )

    it(
      "enqueue stores a delivery for an endpoint disabled or missing as failed (endpoint_disabled, no next attempt), not counted and never claimed; enabling the endpoint later does not bring it back",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const s = yield* WebhookStore
            yield* s.insertEndpoint(sampleEndpoint("ep_on"), [])
            yield* s.insertEndpoint(sampleEndpoint("ep_dep", { status: "deprecated" }), [])
            const OFF = sampleEndpoint("ep_off", { status: "disabled", disabledReason: "by_owner" })
            yield* s.insertEndpoint(OFF, [])
            const on1 = sampleDelivery("ep_on", 1, { subject: "s1" })
            const off1 = sampleDelivery("ep_off", 1, { subject: "s1" })
            const none1 = sampleDelivery("ep_none", 1, { subject: "s1" })
            const dep1 = sampleDelivery("ep_dep", 1, { subject: "s1" })
            const off2 = sampleDelivery("ep_off", 2, {
              subject: "s2",
              status: "succeeded",
              attempts: 1,
              lastStatusCode: 204
            })
            const on2 = sampleDelivery("ep_on", 2, { subject: "s1" })
            // only the deliveries queued as pending count
            expect(yield* s.enqueue([on1, off1, none1, dep1, off2, on2])).toBe(3)
            const list = yield* all
            expect(list.map(withoutSeq)).toEqual([
              on1,
              failedAtEnqueue(off1),
              failedAtEnqueue(none1),
              dep1,
              failedAtEnqueue(off2),
              on2
            ])
            for (const d of [off1, none1, off2]) {
              const back = yield* get(d.id)
              expect(back).toMatchObject({ status: "failed", failureReason: "endpoint_disabled" })
              expect("nextAttemptAt" in back).toBe(false)
            }
            for (let i = 1; i < list.length; i++) expect(list[i]!.seq).toBeGreaterThan(list[i - 1]!.seq)
            expect(yield* deliveredIds).toEqual([])
            // never claimed: the pending ones of the receiving endpoints only, on1 before on2
            expect(claimedIds(yield* claim("t1", 10 ** 12))).toEqual([on1.id, dep1.id])
            // enabled and created later: the failed ones stay failed, queuing them again changes nothing
            yield* s.updateEndpoint({ ...sampleEndpoint("ep_off"), updatedAt: 2_000, version: 2 }, 1, [])
            yield* s.insertEndpoint(sampleEndpoint("ep_none"), [])
            expect(yield* s.enqueue([off1, none1, off2])).toBe(0)
            for (const d of [off1, none1, off2])
              expect(withoutSeq(yield* get(d.id))).toEqual(failedAtEnqueue(d))
            expect(yield* claim("t2", 10 ** 12)).toEqual([])
            // a new delivery to them now queues as pending
            const off3 = sampleDelivery("ep_off", 3, { subject: "s1" })
            const none2 = sampleDelivery("ep_none", 2, { subject: "s1" })
            expect(yield* s.enqueue([off3, none2])).toBe(2)
            expect(claimedIds(yield* claim("t3", 10 ** 12))).toEqual([off3.id, none2.id])
            // disabled again: a new one fails at once, next to one failed by the disabling
            const off4 = sampleDelivery("ep_off", 4, { subject: "s9" })
            yield* s.updateEndpoint({ ...OFF, updatedAt: 3_000, version: 3 }, 2, [])
            expect(yield* get(off3.id)).toMatchObject({
              status: "failed",
              failureReason: "endpoint_disabled"
            })
            expect(yield* s.enqueue([off4])).toBe(0)
            expect(withoutSeq(yield* get(off4.id))).toEqual(failedAtEnqueue(off4))
          })
        )
    )

    it(
      "claim leases due, pending, unleased deliveries of endpoints not disabled that are the oldest pending of their (endpoint, subject), in seq order, with the endpoint as it is",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const s = yield* WebhookStore
            const A = sampleEndpoint("ep_a", { failingSince: 5 })
            const B = sampleEndpoint("ep_b", { status: "deprecated" })
            const C = sampleEndpoint("ep_c", { status: "disabled", disabledReason: "by_owner" })
            for (const e of [A, B, C]) yield* s.insertEndpoint(e, [])
            const now = 200
            const { nextAttemptAt: _, ...noDue } = sampleDelivery("ep_a", 6, { subject: "s4" })
            const news = [
              sampleDelivery("ep_a", 1, { subject: "s1", nextAttemptAt: 100 }), // head: claimed
              sampleDelivery("ep_a", 2, { subject: "s1", nextAttemptAt: 100 }), // behind a1
              sampleDelivery("ep_a", 3, { subject: "s2", nextAttemptAt: 500 }), // head, not due
              sampleDelivery("ep_a", 4, { subject: "s2", nextAttemptAt: 100 }), // behind a3: never before it
              sampleDelivery("ep_a", 5, { subject: "s3", nextAttemptAt: now }), // due at exactly now
              noDue, // no due time: due
              sampleDelivery("ep_b", 1, { subject: "s1", nextAttemptAt: 100 }), // another endpoint, same subject
              sampleDelivery("ep_c", 1, { subject: "s1", nextAttemptAt: 100 }), // endpoint disabled: failed at once
              sampleDelivery("ep_none", 1, { subject: "s1", nextAttemptAt: 100 }), // no such endpoint: failed at once
              sampleDelivery("ep_a", 7, { subject: "s5", status: "succeeded", attempts: 1 }), // finished
              sampleDelivery("ep_a", 8, { subject: "s5", nextAttemptAt: 100 }), // the oldest pending of s5
              sampleDelivery("ep_a", 9, { subject: "s6", status: "failed", failureReason: "exhausted" }),
              sampleDelivery("ep_a", 10, { subject: "s6", nextAttemptAt: now + 1 }) // not due yet
            ]
            yield* s.enqueue(news)
            const expected = [news[0]!, news[4]!, news[5]!, news[6]!, news[10]!].map((n) => n.id)
            const first = yield* claim("t1", now)
            expect(claimedIds(first)).toEqual(expected)
            for (const c of first) {
              expect(c.delivery).toEqual(yield* get(c.delivery.id))
              expect(c.endpoint).toEqual(c.delivery.endpointId === "ep_a" ? A : B)
            }
            // the lease runs: another claimer gets nothing of them, nor what is behind them
            expect(yield* claim("t2", now)).toEqual([])
            // a10 comes due at now + 1, a3 at 500 (a4 stays behind it)
            expect(claimedIds(yield* claim("t2", now + 1))).toEqual([news[12]!.id])
            expect(yield* claim("t2", 499)).toEqual([])
            expect(claimedIds(yield* claim("t2", 500))).toEqual([news[2]!.id])
            // once t1's lease ran out (now + leaseMs), t2 takes its deliveries over
            expect(claimedIds(yield* claim("t2", now + 1_000))).toEqual(expected)
            // t1's lease is gone: its completion writes nothing
            const lost = yield* s.complete(
              completion("t1", first[0]!.delivery, { outcome: "succeeded", at: 1_300 })
            )
            expect(lost).toEqual({ held: false, disabled: false })
            expect(yield* s.attempts(first[0]!.delivery.id)).toEqual([])
            // t2 holds it
            const won = yield* s.complete(
              completion("t2", first[0]!.delivery, { outcome: "succeeded", at: 1_300 })
            )
            expect(won).toEqual({ held: true, disabled: false })
            // a1 finished: a2 is the oldest pending of (ep_a, s1) now; a10's lease (from 201) ran out
            expect(claimedIds(yield* claim("t3", 1_300))).toEqual([news[1]!.id, news[12]!.id])
            // everything else is leased
            expect(yield* claim("t4", 1_301)).toEqual([])
          })
        )
    )

    it(
      "perEndpoint caps one endpoint's share of a claim and limit the claim, taking the oldest first",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const s = yield* WebhookStore
            yield* s.insertEndpoint(sampleEndpoint("ep_a"), [])
            yield* s.insertEndpoint(sampleEndpoint("ep_b"), [])
            const a = (n: number) => sampleDelivery("ep_a", n, { subject: `s${n}` })
            const b = (n: number) => sampleDelivery("ep_b", n, { subject: `s${n}` })
            const order = [a(1), b(1), a(2), b(2), a(3), b(3), a(4), a(5)]
            yield* s.enqueue(order)
            expect(yield* claim("t0", T0, 0, 5)).toEqual([])
            expect(yield* claim("t0", T0, 5, 0)).toEqual([])
            expect(claimedIds(yield* claim("t1", T0, 10, 2))).toEqual(ids([a(1), b(1), a(2), b(2)]))
            expect(claimedIds(yield* claim("t2", T0, 3, 2))).toEqual(ids([a(3), b(3), a(4)]))
            expect(claimedIds(yield* claim("t3", T0, 1, 1))).toEqual(ids([a(5)]))
            expect(yield* claim("t4", T0, 10, 10)).toEqual([])
          })
        )
    )

    it(
      "claim leaves out the endpoints in exclude (those the claimer has enough of in flight), and claims the others as without it",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const s = yield* WebhookStore
            for (const e of ["ep_a", "ep_b", "ep_c"]) yield* s.insertEndpoint(sampleEndpoint(e), [])
            const a1 = sampleDelivery("ep_a", 1, { subject: "s1" })
            const b1 = sampleDelivery("ep_b", 1, { subject: "s1" })
            const c1 = sampleDelivery("ep_c", 1, { subject: "s1" })
            const a2 = sampleDelivery("ep_a", 2, { subject: "s2" })
            const b2 = sampleDelivery("ep_b", 2, { subject: "s2" })
            yield* s.enqueue([a1, b1, c1, a2, b2])
            const take = (token: string, exclude: ReadonlyArray<string>, limit = 10) =>
              Effect.map(
                s.claim({ now: T0, limit, perEndpoint: 10, leaseMs: 1_000, token, exclude }),
                claimedIds
              )
            expect(yield* take("t1", ["ep_a", "ep_none"], 2)).toEqual(ids([b1, c1]))
            expect(yield* take("t2", ["ep_c"])).toEqual(ids([a1, a2, b2]))
            expect(yield* take("t3", [])).toEqual([])
            expect(yield* take("t4", ["ep_a", "ep_b", "ep_c"])).toEqual([])
          })
        )
    )

    it(
      "complete writes only with the holding token and an attempt number not recorded yet; a refused completion writes nothing and delivers no event",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const s = yield* WebhookStore
            const E = sampleEndpoint("ep_1")
            yield* s.insertEndpoint(E, [])
            const d = sampleDelivery("ep_1", 1)
            yield* s.enqueue([d])
            const [c1] = yield* claim("t1", T0)
            const stored = yield* get(d.id)
            expect(c1!.delivery).toEqual(stored)
            // another token: nothing
            const other = completion("t2", stored, {
              outcome: "succeeded",
              at: 1_100,
              events: [sampleEvent(1, "ep_1")]
            })
            expect(yield* s.complete(other)).toEqual({ held: false, disabled: false })
            expect(yield* get(d.id)).toEqual(stored)
            expect(yield* s.attempts(d.id)).toEqual([])
            // the holder: attempt 1 fails, due again at 5,000
            const first = completion("t1", stored, {
              outcome: "retry",
              at: 1_100,
              nextAttemptAt: 5_000,
              events: [sampleEvent(2, "ep_1"), sampleEvent(3, "x")],
              responseBody: "ünïcode 😀 <html>",
              health: { _tag: "failing", at: 1_100, disableAfter: 10 ** 9 }
            })
            expect(yield* s.complete(first)).toEqual({ held: true, disabled: false })
            expect(yield* get(d.id)).toEqual({ ...first.delivery, seq: stored.seq })
            expect(yield* s.attempts(d.id)).toEqual([first.attempt])
            expect(yield* deliveredIds).toEqual([eventIdOf(2), eventIdOf(3)])
            // the lease ended with the completion
            expect(yield* s.complete({ ...first, attempt: { ...first.attempt, number: 2 } })).toEqual({
              held: false,
              disabled: false
            })
            // not due before 5,000
            expect(yield* claim("t1", 4_999)).toEqual([])
            const [c2] = yield* claim("t1", 5_000)
            expect(c2!.delivery).toEqual({ ...first.delivery, seq: stored.seq })
            // a number recorded already: refused, nothing written
            const again = completion("t1", c2!.delivery, {
              outcome: "succeeded",
              at: 5_100,
              number: 1,
              events: [sampleEvent(4, "ep_1")]
            })
            expect(yield* s.complete(again)).toEqual({ held: false, disabled: false })
            expect(yield* s.attempts(d.id)).toEqual([first.attempt])
            expect(yield* get(d.id)).toEqual(c2!.delivery)
            // the next number
            const second = completion("t1", c2!.delivery, {
              outcome: "succeeded",
              at: 5_100,
              events: [sampleEvent(5, "ep_1")]
            })
            expect(second.attempt.number).toBe(2)
            expect(yield* s.complete(second)).toEqual({ held: true, disabled: false })
            const done = yield* get(d.id)
            expect(done).toEqual({ ...second.delivery, seq: stored.seq })
            for (const key of ["nextAttemptAt", "failureReason", "lastError"] as const)
              expect(key in done).toBe(false)
            expect(yield* s.attempts(d.id)).toEqual([first.attempt, second.attempt])
            expect("statusCode" in (yield* s.attempts(d.id))[1]!).toBe(true)
            // finished: never claimed again, never completed again
            expect(yield* claim("t1", 10 ** 12)).toEqual([])
            expect(yield* s.complete({ ...second, attempt: { ...second.attempt, number: 3 } })).toEqual({
              held: false,
              disabled: false
            })
            expect(yield* deliveredIds).toEqual([2, 3, 5].map(eventIdOf))
            // a lease that ran out but that no one took over still holds
            const d2 = sampleDelivery("ep_1", 2, { subject: "pay_2" })
            yield* s.enqueue([d2])
            const [c3] = yield* claim("t9", T0, 10, 10, 100)
            const late = completion("t9", c3!.delivery, { outcome: "failed", at: 50_000 })
            expect(yield* s.complete(late)).toEqual({ held: true, disabled: false })
            expect(yield* get(d2.id)).toEqual({ ...late.delivery, seq: c3!.delivery.seq })
          })
        )
    )

    it(
      "health: ok clears failingSince, failing sets it once and disables the endpoint after disableAfter (its disabledEvent delivered, its other pending deliveries failed with endpoint_disabled, in the same commit); none changes nothing",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const s = yield* WebhookStore
            const E = sampleEndpoint("ep_e")
            const F = sampleEndpoint("ep_f")
            yield* s.insertEndpoint(E, [])
            yield* s.insertEndpoint(F, [])
            const e1 = sampleDelivery("ep_e", 1, { subject: "s1" })
            const e2 = sampleDelivery("ep_e", 2, { subject: "s1" })
            const e3 = sampleDelivery("ep_e", 3, { subject: "s2" })
            const e4 = sampleDelivery("ep_e", 4, { subject: "s3", status: "succeeded", attempts: 1 })
            const f1 = sampleDelivery("ep_f", 1, { subject: "s1" })
            yield* s.enqueue([e1, e2, e3, e4, f1])
            const failing = (at: number): Health => ({ _tag: "failing", at, disableAfter: 1_000 })
            const take = (token: string, now: number) =>
              Effect.map(claim(token, now), (cs) => new Map(cs.map((c) => [c.delivery.id, c.delivery])))

            let leased = yield* take("t1", T0)
            expect([...leased.keys()]).toEqual(ids([e1, e3, f1]))
            const r1 = yield* s.complete(
              completion("t1", leased.get(e1.id)!, {
                outcome: "retry",
                at: 1_100,
                nextAttemptAt: 1_200,
                health: failing(1_100)
              })
            )
            expect(r1).toEqual({ held: true, disabled: false })
            expect(yield* s.endpoint("ep_e")).toEqual({ ...E, failingSince: 1_100 })
            // a later failure keeps the first failure's time; none changes nothing
            yield* s.complete(
              completion("t1", leased.get(e3.id)!, {
                outcome: "retry",
                at: 1_500,
                nextAttemptAt: 1_600,
                health: failing(1_500)
              })
            )
            expect(yield* s.endpoint("ep_e")).toEqual({ ...E, failingSince: 1_100 })
            yield* s.complete(
              completion("t1", leased.get(f1.id)!, {
                outcome: "retry",
                at: 1_500,
                nextAttemptAt: 1_600,
                health: { _tag: "none" }
              })
            )
            expect(yield* s.endpoint("ep_f")).toEqual(F)
            // a success clears it (the key is gone), without a new version
            leased = yield* take("t1", 1_600)
            expect([...leased.keys()]).toEqual(ids([e1, e3, f1]))
            yield* s.complete(completion("t1", leased.get(e1.id)!, { outcome: "succeeded", at: 1_700 }))
            const cleared = yield* s.endpoint("ep_e")
            expect(cleared).toEqual(E)
            expect("failingSince" in cleared!).toBe(false)
            // failing again from 3,000; at 3,999 not yet disabled
            yield* s.complete(
              completion("t1", leased.get(e3.id)!, {
                outcome: "retry",
                at: 3_000,
                nextAttemptAt: 3_000,
                health: failing(3_000)
              })
            )
            leased = yield* take("t1", 3_000)
            expect([...leased.keys()]).toEqual(ids([e2, e3, f1]))
            const almost = yield* s.complete(
              completion("t1", leased.get(e2.id)!, {
                outcome: "retry",
                at: 3_999,
                nextAttemptAt: 9_000,
                health: failing(3_999)
              })
            )
            expect(almost).toEqual({ held: true, disabled: false })
            expect(yield* s.endpoint("ep_e")).toEqual({ ...E, failingSince: 3_000 })
            // at 4,000 (failing for disableAfter): disabled, in the same commit as the attempt
            const eventsBefore = yield* deliveredIds
            const e3Before = leased.get(e3.id)!
            const last = completion("t1", e3Before, {
              outcome: "retry",
              at: 4_000,
              nextAttemptAt: 4_500,
              health: failing(4_000),
              events: [sampleEvent(10, "ep_e")],
              disabledEvent: sampleEvent(11, "ep_e")
            })
            expect(yield* s.complete(last)).toEqual({ held: true, disabled: true })
            expect(yield* s.endpoint("ep_e")).toEqual({
              ...E,
              failingSince: 3_000,
              status: "disabled",
              disabledReason: "failing",
              updatedAt: 4_000,
              version: E.version + 1
            })
            expect(yield* s.attempts(e3.id)).toHaveLength(3)
            // the attempt's own delivery (pending after it) and the endpoint's other pending one fail
            const at = last.attempt.startedAt
            expect(yield* get(e3.id)).toEqual(failedByDisable({ ...last.delivery, seq: e3Before.seq }, at))
            const e2Now = yield* get(e2.id)
            expect(e2Now).toMatchObject({
              status: "failed",
              failureReason: "endpoint_disabled",
              updatedAt: at,
              attempts: 1
            })
            expect("nextAttemptAt" in e2Now).toBe(false)
            // finished ones and other endpoints' stay as they were
            expect(withoutSeq(yield* get(e4.id))).toEqual(e4)
            expect((yield* get(f1.id)).status).toBe("pending")
            expect(yield* deliveredIds).toEqual([...eventsBefore, eventIdOf(10), eventIdOf(11)])
            // nothing of a disabled endpoint is claimed
            expect(claimedIds(yield* claim("t2", 10 ** 9))).toEqual([f1.id])
          })
        )
    )

    it(
      "health: gone disables the endpoint at once, with its disabledEvent and its other pending deliveries failed; an attempt that does not disable never delivers the disabledEvent",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const s = yield* WebhookStore
            const E = sampleEndpoint("ep_g", { failingSince: 900 })
            yield* s.insertEndpoint(E, [])
            const g1 = sampleDelivery("ep_g", 1, { subject: "s1" })
            const g2 = sampleDelivery("ep_g", 2, { subject: "s2" })
            const g3 = sampleDelivery("ep_g", 3, { subject: "s2" })
            yield* s.enqueue([g1, g2, g3])
            const [c1, c2] = yield* claim("t1", T0)
            const ok = completion("t1", c2!.delivery, {
              outcome: "succeeded",
              at: 1_050,
              events: [sampleEvent(1, "ep_g")],
              disabledEvent: sampleEvent(2, "ep_g")
            })
            expect(yield* s.complete(ok)).toEqual({ held: true, disabled: false })
            expect(yield* deliveredIds).toEqual([eventIdOf(1)])
            const gone = completion("t1", c1!.delivery, {
              outcome: "failed",
              at: 1_100,
              health: { _tag: "gone", at: 1_100 },
              events: [sampleEvent(3, "ep_g")],
              disabledEvent: sampleEvent(4, "ep_g")
            })
            const goneDelivery: Delivery.Delivery = { ...gone.delivery, failureReason: "gone" }
            expect(yield* s.complete({ ...gone, delivery: goneDelivery })).toEqual({
              held: true,
              disabled: true
            })
            const { failingSince: _, ...healthy } = E
            expect(yield* s.endpoint("ep_g")).toEqual({
              ...healthy,
              status: "disabled",
              disabledReason: "gone",
              updatedAt: 1_100,
              version: E.version + 1
            })
            // a finished delivery keeps its own reason; the pending one fails
            expect(yield* get(g1.id)).toEqual({ ...goneDelivery, seq: c1!.delivery.seq })
            expect(yield* get(g3.id)).toMatchObject({
              status: "failed",
              failureReason: "endpoint_disabled",
              updatedAt: gone.attempt.startedAt
            })
            expect(yield* deliveredIds).toEqual([1, 3, 4].map(eventIdOf))
          })
        )
    )

    it(
      "disabling through updateEndpoint fails its pending deliveries (endpoint_disabled, leases ended) in the same commit; finished ones and other endpoints' stay",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const s = yield* WebhookStore
            const E = sampleEndpoint("ep_1")
            yield* s.insertEndpoint(E, [])
            yield* s.insertEndpoint(sampleEndpoint("ep_2"), [])
            const p1 = sampleDelivery("ep_1", 1, { subject: "s1" })
            const p2 = sampleDelivery("ep_1", 2, { subject: "s2", nextAttemptAt: 10 ** 9 })
            const done = sampleDelivery("ep_1", 3, {
              subject: "s3",
              status: "succeeded",
              attempts: 1,
              lastStatusCode: 200
            })
            const other = sampleDelivery("ep_2", 1, { subject: "s1" })
            yield* s.enqueue([p1, p2, done, other])
            const [leased] = yield* claim("t1", T0, 1)
            expect(leased!.delivery.id).toBe(p1.id)
            // deprecating changes nothing of the queue
            const deprecated: Endpoint.Endpoint = { ...E, status: "deprecated", version: 2, updatedAt: 1_500 }
            yield* s.updateEndpoint(deprecated, 1, [])
            expect((yield* all).map((d) => d.status)).toEqual(["pending", "pending", "succeeded", "pending"])
            const off: Endpoint.Endpoint = {
              ...deprecated,
              status: "disabled",
              disabledReason: "by_owner",
              version: 3,
              updatedAt: 2_000
            }
            yield* s.updateEndpoint(off, 2, [sampleEvent(1, "ep_1")])
            const list = yield* all
            expect(list.map(withoutSeq)).toEqual([
              withoutSeq(failedByDisable({ ...p1, seq: 0 }, 2_000)),
              withoutSeq(failedByDisable({ ...p2, seq: 0 }, 2_000)),
              done,
              other
            ])
            // the lease ended: its completion writes nothing
            expect(
              yield* s.complete(completion("t1", leased!.delivery, { outcome: "succeeded", at: 2_100 }))
            ).toEqual({
              held: false,
              disabled: false
            })
            expect(yield* s.attempts(p1.id)).toEqual([])
            expect(yield* deliveredIds).toEqual([eventIdOf(1)])
            // enabling again does not bring failed deliveries back
            yield* s.updateEndpoint({ ...E, version: 4, updatedAt: 3_000 }, 3, [])
            expect(claimedIds(yield* claim("t2", 10 ** 10))).toEqual([other.id])
          })
        )
    )

    it(
      "release gives a claimed delivery back, due again at the time given, only with the holding token",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const s = yield* WebhookStore
            yield* s.insertEndpoint(sampleEndpoint("ep_1"), [])
            const d = sampleDelivery("ep_1", 1)
            yield* s.enqueue([d])
            const [c] = yield* claim("t1", T0, 10, 10, 10_000)
            const before = yield* get(d.id)
            yield* s.release("t2", d.id, 1_500)
            expect(yield* get(d.id)).toEqual(before)
            expect(yield* claim("t3", 2_000)).toEqual([])
            yield* s.release("t1", d.id, 3_000)
            expect(yield* get(d.id)).toEqual({ ...before, nextAttemptAt: 3_000 })
            // released: the old token no longer completes
            expect(
              yield* s.complete(completion("t1", c!.delivery, { outcome: "succeeded", at: 2_500 }))
            ).toEqual({
              held: false,
              disabled: false
            })
            expect(yield* claim("t3", 2_999)).toEqual([])
            const [again] = yield* claim("t3", 3_000)
            expect(again!.delivery).toEqual({ ...before, nextAttemptAt: 3_000 })
            // unknown ids and finished deliveries: nothing happens
            yield* s.release("t3", "dlv_none", 1)
            yield* s.complete(completion("t3", again!.delivery, { outcome: "succeeded", at: 3_100 }))
            const finished = yield* get(d.id)
            yield* s.release("t3", d.id, 1)
            expect(yield* get(d.id)).toEqual(finished)
          })
        )
    )

    it(
      "replay moves one delivery, or an endpoint's created in [from, to), back to pending for a manual attempt due now, succeeded and failed ones alike; one in flight (leased at now) is left alone until its lease lapsed or it completed; a delivery already waiting for a manual attempt is not counted",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const s = yield* WebhookStore
            yield* s.insertEndpoint(sampleEndpoint("ep_1"), [])
            yield* s.insertEndpoint(sampleEndpoint("ep_2"), [])
            const ok = sampleDelivery("ep_1", 1, {
              subject: "s1",
              status: "succeeded",
              attempts: 1,
              lastStatusCode: 200,
              createdAt: 100
            })
            const failed = sampleDelivery("ep_1", 2, {
              subject: "s2",
              status: "failed",
              attempts: 8,
              failureReason: "exhausted",
              lastStatusCode: 500,
              lastError: "HTTP 500",
              createdAt: 200
            })
            const pending = sampleDelivery("ep_1", 3, { subject: "s3", createdAt: 300, nextAttemptAt: 1_500 })
            const edge = sampleDelivery("ep_1", 4, {
              subject: "s4",
              status: "succeeded",
              attempts: 1,
              createdAt: 400
            })
            const elsewhere = sampleDelivery("ep_2", 1, {
              subject: "s1",
              status: "succeeded",
              attempts: 1,
              createdAt: 200
            })
            const newer = sampleDelivery("ep_1", 5, { subject: "s1", createdAt: 500, nextAttemptAt: 500 })
            yield* s.enqueue([ok, failed, pending, edge, elsewhere, newer])
            const manual = (d: Delivery.NewDelivery, now: number): Delivery.NewDelivery => {
              const { failureReason: _, ...rest } = d
              return { ...rest, status: "pending", nextAttemptAt: now, nextKind: "manual", updatedAt: now }
            }
            expect(yield* s.replay({ deliveryId: ok.id, now: 1_000 })).toBe(1)
            expect(withoutSeq(yield* get(ok.id))).toEqual(manual(ok, 1_000))
            expect(yield* s.replay({ deliveryId: ok.id, now: 1_100 })).toBe(0)
            expect(withoutSeq(yield* get(ok.id))).toEqual(manual(ok, 1_000))
            expect(yield* s.replay({ deliveryId: "dlv_none", now: 1_000 })).toBe(0)
            // the replayed delivery is the oldest pending of (ep_1, s1) again: it goes before `newer`
            expect(claimedIds(yield* claim("t1", 1_000, 100, 100, 10 ** 9))).toEqual([ok.id])
            // a range: [200, 400) of ep_1 only; `pending`, in flight (leased at now, until 2,500), is
            // left alone and not counted
            const [leasedPending] = yield* claim("t1", 1_500, 10, 10, 1_000)
            expect(leasedPending!.delivery.id).toBe(pending.id)
            const pendingBefore = yield* get(pending.id)
            expect(yield* s.replay({ endpointId: "ep_1", from: 200, to: 400, now: 2_000 })).toBe(1)
            expect(withoutSeq(yield* get(failed.id))).toEqual(manual(failed, 2_000))
            expect("failureReason" in (yield* get(failed.id))).toBe(false)
            expect(yield* get(pending.id)).toEqual(pendingBefore)
            expect(withoutSeq(yield* get(edge.id))).toEqual(edge)
            expect(withoutSeq(yield* get(elsewhere.id))).toEqual(elsewhere)
            // by id too, up to the lease's last moment
            expect(yield* s.replay({ deliveryId: pending.id, now: 2_499 })).toBe(0)
            expect(yield* get(pending.id)).toEqual(pendingBefore)
            // the lease still holds: no other claimer gets it
            const [leasedFailed] = yield* claim("t2", 2_000)
            expect(leasedFailed!.delivery.id).toBe(failed.id)
            expect(yield* claim("t3", 2_400)).toEqual([])
            // once the lease lapsed (2,500) a replay moves it and ends the lease; `failed`, in flight
            // now (t2's, until 3,000), stays as it is
            expect(yield* s.replay({ endpointId: "ep_1", from: 200, to: 400, now: 2_500 })).toBe(1)
            expect(withoutSeq(yield* get(pending.id))).toEqual(manual(pending, 2_500))
            expect(withoutSeq(yield* get(failed.id))).toEqual(manual(failed, 2_000))
            expect(
              yield* s.complete(
                completion("t1", leasedPending!.delivery, { outcome: "succeeded", at: 2_500 })
              )
            ).toEqual({ held: false, disabled: false })
            expect(yield* s.attempts(pending.id)).toEqual([])
            // a completed delivery replays at once
            const done = completion("t2", leasedFailed!.delivery, { outcome: "succeeded", at: 2_600 })
            expect(yield* s.complete(done)).toEqual({ held: true, disabled: false })
            expect(yield* s.replay({ deliveryId: failed.id, now: 2_600 })).toBe(1)
            expect(withoutSeq(yield* get(failed.id))).toEqual(manual(withoutSeq(done.delivery), 2_600))
            expect(claimedIds(yield* claim("t3", 2_600))).toEqual([failed.id, pending.id])
            // the same range again: both in flight (and waiting for their manual attempt already)
            expect(yield* s.replay({ endpointId: "ep_1", from: 200, to: 400, now: 2_700 })).toBe(0)
            // everything of ep_1: edge and newer (ok is in flight, and waits for its manual attempt)
            expect(yield* s.replay({ endpointId: "ep_1", from: 0, to: 10 ** 12, now: 2_700 })).toBe(2)
            expect(yield* s.replay({ endpointId: "ep_none", from: 0, to: 10 ** 12, now: 2_200 })).toBe(0)
            expect(yield* s.replay({ endpointId: "ep_1", from: 300, to: 300, now: 2_200 })).toBe(0)
          })
        )
    )

    it(
      "deliveries lists by endpoint, status and after a seq, oldest first, at most limit; attempts list in number order",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const s = yield* WebhookStore
            yield* s.insertEndpoint(sampleEndpoint("ep_1"), [])
            yield* s.insertEndpoint(sampleEndpoint("ep_2"), [])
            const news: Array<Delivery.NewDelivery> = []
            for (let n = 1; n <= 12; n++)
              news.push(
                sampleDelivery(n % 3 === 0 ? "ep_2" : "ep_1", n, {
                  subject: `s${n}`,
                  ...(n % 4 === 0 ? { status: "failed" as const, failureReason: "exhausted" as const } : {})
                })
              )
            yield* s.enqueue(news)
            const list = yield* all
            expect(list.map(withoutSeq)).toEqual(news)
            const seqOf = new Map(list.map((d) => [d.id, d.seq]))
            const check = (q: Parameters<WebhookStore["Service"]["deliveries"]>[0]) =>
              Effect.gen(function* () {
                const expected = list
                  .filter(
                    (d) =>
                      (q.endpointId === undefined || d.endpointId === q.endpointId) &&
                      (q.status === undefined || d.status === q.status) &&
                      (q.after === undefined || d.seq > q.after)
                  )
                  .slice(0, q.limit)
                expect(yield* s.deliveries(q)).toEqual(expected)
              })
            yield* check({ limit: 5 })
            yield* check({ limit: 100, endpointId: "ep_2" })
            yield* check({ limit: 100, status: "failed" })
            yield* check({ limit: 2, endpointId: "ep_1", status: "pending" })
            yield* check({ limit: 3, after: seqOf.get(news[4]!.id)! })
            yield* check({ limit: 100, endpointId: "ep_1", status: "failed", after: seqOf.get(news[3]!.id)! })
            yield* check({ limit: 100, endpointId: "ep_none" })
            yield* check({ limit: 100, after: list.at(-1)!.seq })
            // paging with `after` walks every delivery once
            const paged: Array<string> = []
            let after: number | undefined
            for (let i = 0; i < 20; i++) {
              const page = yield* s.deliveries(after === undefined ? { limit: 5 } : { limit: 5, after })
              paged.push(...ids(page))
              if (page.length < 5) break
              after = page.at(-1)!.seq
            }
            expect(paged).toEqual(ids(news))
            // attempts in number order
            let d = (yield* claim("t1", T0, 1))[0]!.delivery
            const recorded: Array<Delivery.Attempt> = []
            for (let k = 0; k < 3; k++) {
              const c = completion("t1", d, {
                outcome: k === 2 ? "succeeded" : "retry",
                at: 2_000 + k * 10,
                nextAttemptAt: 2_000 + k * 10
              })
              expect((yield* s.complete(c)).held).toBe(true)
              recorded.push(c.attempt)
              if (k < 2) d = (yield* claim("t1", 2_000 + k * 10, 1))[0]!.delivery
            }
            expect(yield* s.attempts(d.id)).toEqual(recorded)
            expect(yield* s.attempts("dlv_none")).toEqual([])
          })
        )
    )

    it(
      "concurrent claims never lease one delivery twice nor two of one (endpoint, subject); each subject's deliveries are claimed in seq order",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const s = yield* WebhookStore
            const endpoints = ["ep_0", "ep_1", "ep_2", "ep_3"]
            for (const e of endpoints) yield* s.insertEndpoint(sampleEndpoint(e), [])
            const news: Array<Delivery.NewDelivery> = []
            let n = 0
            for (let round = 0; round < 3; round++)
              for (const e of endpoints)
                for (let k = 0; k < 4; k++) news.push(sampleDelivery(e, ++n, { subject: `s${k}` }))
            yield* s.enqueue(news)
            const order = new Map(news.map((d, i) => [d.id, i]))
            const claimedInRound: Array<Array<string>> = []
            const seen = new Set<string>()
            for (let round = 0; round < 20 && seen.size < news.length; round++) {
              const now = T0 + round
              const results = yield* Effect.all(
                Array.from({ length: 8 }, (_, w) => claim(`w${w}`, now, 5, 2, 60_000)),
                { concurrency: "unbounded" }
              )
              const got: Array<Claimed> = results.flat()
              for (const r of results) {
                expect(r.length).toBeLessThanOrEqual(5)
                const per = new Map<string, number>()
                for (const c of r) per.set(c.endpoint.id, (per.get(c.endpoint.id) ?? 0) + 1)
                for (const v of per.values()) expect(v).toBeLessThanOrEqual(2)
              }
              const keys = got.map((c) => `${c.delivery.endpointId}/${c.delivery.subject}`)
              expect(new Set(keys).size).toBe(keys.length)
              for (const c of got) {
                expect(seen.has(c.delivery.id)).toBe(false)
                seen.add(c.delivery.id)
              }
              claimedInRound.push(claimedIds(got))
              // each finishes: the next of its subject comes up
              yield* Effect.forEach(
                results.flatMap((r, w) =>
                  r.map((c) => completion(`w${w}`, c.delivery, { outcome: "succeeded", at: now }))
                ),
                (c) => Effect.flatMap(s.complete(c), (r) => Effect.sync(() => expect(r.held).toBe(true))),
                { concurrency: "unbounded" }
              )
            }
            expect(seen.size).toBe(news.length)
            // per (endpoint, subject), an earlier round never claimed a later delivery
            const roundOf = new Map(claimedInRound.flatMap((r, i) => r.map((id) => [id, i] as const)))
            for (const a of news)
              for (const b of news)
                if (
                  a.endpointId === b.endpointId &&
                  a.subject === b.subject &&
                  order.get(a.id)! < order.get(b.id)!
                )
                  expect(roundOf.get(a.id)!).toBeLessThan(roundOf.get(b.id)!)
            expect((yield* all).every((d) => d.status === "succeeded")).toBe(true)
          })
        )
    )

    it(
      "model: random sequences of enqueue, claim, complete, release, replay and endpoint toggles agree with the port's model (results, deliveries in seq order, attempts, endpoints, delivered events)",
      { timeout: Math.max(timeout, 120_000) },
      () =>
        fc.assert(
          fc.asyncProperty(
            itemsArb(2, 10),
            fc.array(opArb, { minLength: 8, maxLength: 36 }),
            (initial, ops) =>
              run(
                Effect.gen(function* () {
                  const s = yield* WebhookStore
                  const m: Model = {
                    endpoints: new Map(),
                    deliveries: [],
                    leases: new Map(),
                    attempts: new Map(),
                    events: [],
                    seq: 0
                  }
                  let now = T0
                  let eventN = 0
                  const nextEvent = (subject: string) => sampleEvent(++eventN, subject)
                  for (const [i, id] of MODEL_ENDPOINTS.entries()) {
                    const e = sampleEndpoint(id, i === 2 ? { status: "deprecated" } : {})
                    yield* s.insertEndpoint(e, [])
                    m.endpoints.set(id, e)
                  }
                  const pick = (n: number, own: boolean, token: number) => {
                    const leased = m.deliveries.filter((d) => m.leases.has(d.id))
                    const pool = own && leased.length > 0 ? leased : m.deliveries
                    const d = pool[n % Math.max(1, pool.length)]
                    return d === undefined
                      ? undefined
                      : { d, token: own ? (m.leases.get(d.id)?.token ?? TOKENS[token]!) : TOKENS[token]! }
                  }
                  for (const op of [{ _tag: "enqueue" as const, items: initial }, ...ops]) {
                    switch (op._tag) {
                      case "enqueue": {
                        const news = op.items.map((it) =>
                          sampleDelivery(it.ep === 3 ? "ep_none" : MODEL_ENDPOINTS[it.ep]!, it.ev, {
                            subject: `s${it.subject}`,
                            nextAttemptAt: now + it.due * 50,
                            createdAt: now,
                            updatedAt: now,
                            ...(it.done ? { status: "succeeded" as const, attempts: 1 } : {})
                          })
                        )
                        let added = 0
                        for (const n of news)
                          if (!m.deliveries.some((d) => d.id === n.id)) {
                            // an endpoint disabled or missing now: stored failed, not counted
                            const e = m.endpoints.get(n.endpointId)
                            const receiving = e !== undefined && e.status !== "disabled"
                            m.deliveries.push({ ...(receiving ? n : failedAtEnqueue(n)), seq: ++m.seq })
                            if (receiving) added++
                          }
                        expect(yield* s.enqueue(news)).toBe(added)
                        break
                      }
                      case "claim": {
                        const r = {
                          now,
                          limit: op.limit,
                          perEndpoint: op.perEndpoint,
                          leaseMs: op.leaseMs,
                          token: TOKENS[op.token]!,
                          exclude: op.exclude
                        }
                        const before = new Map(m.deliveries.map((d) => [d.id, d]))
                        const expected = modelClaim(m, r)
                        const got = yield* s.claim(r)
                        expect(claimedIds(got)).toEqual(expected)
                        for (const c of got) {
                          expect(withoutSeq(c.delivery)).toEqual(withoutSeq(before.get(c.delivery.id)!))
                          expect(c.endpoint).toEqual(m.endpoints.get(c.delivery.endpointId))
                        }
                        break
                      }
                      case "complete": {
                        const p = pick(op.pick, op.own, op.token)
                        if (p === undefined) break
                        const recorded = m.attempts.get(p.d.id) ?? []
                        const number = op.reuse && recorded.length > 0 ? recorded[0]!.number : undefined
                        const health: Health =
                          op.health === "failing"
                            ? { _tag: "failing", at: now, disableAfter: 200 }
                            : op.health === "gone"
                              ? { _tag: "gone", at: now + 7 }
                              : { _tag: op.health }
                        const c = completion(p.token, p.d, {
                          outcome: op.outcome,
                          at: now + 7,
                          nextAttemptAt: now + op.delay * 50,
                          health,
                          events: op.outcome === "failed" ? [nextEvent(p.d.endpointId)] : [],
                          disabledEvent: nextEvent(p.d.endpointId),
                          ...(number === undefined ? {} : { number })
                        })
                        expect(yield* s.complete(c)).toEqual(modelComplete(m, c))
                        break
                      }
                      case "release": {
                        const p = pick(op.pick, op.own, op.token)
                        if (p === undefined) break
                        const at = now + op.delay * 50
                        const lease = m.leases.get(p.d.id)
                        if (lease?.token === p.token && p.d.status === "pending") {
                          m.leases.delete(p.d.id)
                          modelPut(m, { ...p.d, nextAttemptAt: at })
                        }
                        yield* s.release(p.token, p.d.id, at)
                        break
                      }
                      case "replayOne": {
                        const d = m.deliveries[op.pick % Math.max(1, m.deliveries.length)]
                        const id = d?.id ?? "dlv_none"
                        expect(yield* s.replay({ deliveryId: id, now })).toBe(
                          modelReplay(m, d === undefined ? [] : [d], now)
                        )
                        break
                      }
                      case "replayRange": {
                        const endpointId = MODEL_ENDPOINTS[op.ep]!
                        const from = T0 + op.from * 100
                        const to = from + op.span * 100
                        const targets = m.deliveries.filter(
                          (d) => d.endpointId === endpointId && d.createdAt >= from && d.createdAt < to
                        )
                        expect(yield* s.replay({ endpointId, from, to, now })).toBe(
                          modelReplay(m, targets, now)
                        )
                        break
                      }
                      case "toggle": {
                        const id = MODEL_ENDPOINTS[op.ep]!
                        const before = m.endpoints.get(id)!
                        const { disabledReason: _r, failingSince: _f, ...rest } = before
                        const after: Endpoint.Endpoint =
                          before.status === "disabled"
                            ? { ...rest, status: "active", updatedAt: now, version: before.version + 1 }
                            : {
                                ...rest,
                                status: "disabled",
                                disabledReason: "by_owner",
                                updatedAt: now,
                                version: before.version + 1
                              }
                        const event = nextEvent(id)
                        yield* s.updateEndpoint(after, before.version, [event])
                        m.endpoints.set(id, after)
                        if (after.status === "disabled") modelFailPending(m, id, now)
                        m.events.push(event.id)
                        break
                      }
                      case "touch": {
                        // a management write at the status it found: the stored failingSince
                        // stays, whatever the given record says
                        const id = MODEL_ENDPOINTS[op.ep]!
                        const before = m.endpoints.get(id)!
                        const { failingSince: _f, ...rest } = before
                        const given: Endpoint.Endpoint = {
                          ...rest,
                          description: `touched at ${now}`,
                          updatedAt: now,
                          version: before.version + 1,
                          ...(op.stale === "none"
                            ? before.failingSince === undefined
                              ? {}
                              : { failingSince: before.failingSince }
                            : op.stale === "other"
                              ? { failingSince: now + 12_345 }
                              : {})
                        }
                        yield* s.updateEndpoint(given, before.version, [])
                        const { failingSince: _g, ...kept } = given
                        m.endpoints.set(
                          id,
                          before.failingSince === undefined
                            ? kept
                            : { ...kept, failingSince: before.failingSince }
                        )
                        break
                      }
                      case "advance":
                        now += op.ms
                        break
                    }
                    const list = yield* all
                    expect(list.map(withoutSeq)).toEqual(m.deliveries.map(withoutSeq))
                    for (let k = 1; k < list.length; k++)
                      expect(list[k]!.seq).toBeGreaterThan(list[k - 1]!.seq)
                  }
                  for (const d of m.deliveries)
                    expect(yield* s.attempts(d.id)).toEqual(m.attempts.get(d.id) ?? [])
                  expect(yield* s.endpoints({})).toEqual(byId([...m.endpoints.values()]))
                  expect(yield* deliveredIds).toEqual(m.events)
                })
              )
          ),
          { numRuns }
        )
    )
  })
}

/** The keys of an object, sorted (to check that absent optional fields stay absent). */
const key0 = (o: object): Array<string> => Object.keys(o).sort()
