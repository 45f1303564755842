import { Ids, Notifier } from "@paykit/core"
import { Effect, Layer, Result } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { EndpointUrl, HttpTransport, SecretBox, WebhookStore, Webhooks } from "../src/index.ts"

/**
 * Bad input (issue 20): malformed URLs, forbidden addresses, unknown event types, oversized
 * payloads and random JSON into every entry point: a typed error naming the field or rule,
 * nothing stored, and the next valid call still works.
 */

const T0 = Date.UTC(2026, 0, 1)
const box = SecretBox.makeUnsafe([{ id: "k1", key: Buffer.alloc(32, 3) }])

const layer = (options: Partial<Webhooks.Options> = {}) =>
  Webhooks.layer({ secretBox: box, maxPayloadBytes: 2048, ...options }).pipe(
    Layer.provideMerge(WebhookStore.layerMemory),
    Layer.provideMerge(Notifier.layerMemory),
    Layer.provideMerge(HttpTransport.layerNode),
    Layer.provideMerge(Ids.layerSeeded(3)),
    Layer.provideMerge(TestClock.layer())
  )

const run = <A, E>(
  effect: Effect.Effect<A, E, Layer.Success<ReturnType<typeof layer>>>,
  options: Partial<Webhooks.Options> = {}
) =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      return yield* effect
    }).pipe(Effect.provide(layer(options))) as Effect.Effect<A, E>
  )

const refusedUrls: ReadonlyArray<readonly [string, string]> = [
  ["not a url", "malformed"],
  ["/relative/path", "malformed"],
  ["", "malformed"],
  [" https://merchant.example/hook", "malformed"],
  ["https://merchant.example/ho\nok", "malformed"],
  ["http://merchant.example/hook", "scheme"],
  ["ftp://merchant.example/hook", "scheme"],
  ["javascript:alert(1)", "scheme"],
  ["https://user:pw@merchant.example/hook", "credentials"],
  ["https://user@merchant.example/hook", "credentials"],
  ["https://merchant.example/hook#frag", "fragment"],
  [`https://merchant.example/${"a".repeat(2100)}`, "too_long"],
  ["https://127.0.0.1/hook", "loopback"],
  ["https://2130706433/hook", "loopback"],
  ["https://0x7f.1/hook", "loopback"],
  ["https://[::1]/hook", "loopback"],
  ["https://10.1.2.3/hook", "private_address"],
  ["https://172.16.0.1/hook", "private_address"],
  ["https://192.168.1.1/hook", "private_address"],
  ["https://169.254.169.254/latest/meta-data", "private_address"],
  ["https://100.64.0.1/hook", "private_address"],
  ["https://[fd00::1]/hook", "private_address"],
  ["https://[fe80::1]/hook", "private_address"],
  ["https://[::ffff:10.0.0.1]/hook", "private_address"],
  ["https://[::ffff:7f00:1]/hook", "loopback"],
  ["https://0.0.0.0/hook", "reserved_address"],
  ["https://224.0.0.1/hook", "reserved_address"],
  ["https://[::]/hook", "reserved_address"],
  ["https://localhost/hook", "local_hostname"],
  ["https://api.localhost/hook", "local_hostname"],
  ["https://printer.local/hook", "local_hostname"],
  ["https://metadata.google.internal/hook", "local_hostname"],
  ["https://intranet/hook", "local_hostname"]
]

describe("EndpointUrl.validate", () => {
  it.each(refusedUrls)("refuses %s (%s)", (url, reason) => {
    const r = EndpointUrl.validate(url)
    expect(Result.isFailure(r) && r.failure.reason).toBe(reason)
  })

  it.each([
    "https://merchant.example/hooks",
    "https://merchant.example:8443/hooks?x=1",
    "https://93.184.216.34/hook",
    "https://[2606:4700::1111]/hook",
    "https://xn--bcher-kva.example/hook"
  ])("accepts %s", (url) => {
    expect(Result.isSuccess(EndpointUrl.validate(url))).toBe(true)
  })

  it("development switches: http and private addresses only when allowed", () => {
    expect(
      Result.isSuccess(
        EndpointUrl.validate("http://127.0.0.1:3000/h", { allowHttp: true, allowPrivate: true })
      )
    ).toBe(true)
    expect(Result.isFailure(EndpointUrl.validate("http://127.0.0.1:3000/h", { allowHttp: true }))).toBe(true)
    expect(Result.isFailure(EndpointUrl.validate("https://127.0.0.1:3000/h", { allowHttp: true }))).toBe(true)
  })

  it("never throws, whatever it is given", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl(), fc.anything()), (u) => {
        const r = EndpointUrl.validate(u)
        expect(Result.isSuccess(r) || r.failure._tag === "InvalidEndpointUrl").toBe(true)
      })
    )
  })
})

describe("the transport refuses what a host name resolves to (DNS rebinding)", () => {
  it("a name resolving to loopback is not connected to unless private addresses are allowed", async () => {
    const r = await Effect.runPromise(
      Effect.gen(function* () {
        const t = yield* HttpTransport.HttpTransport
        return yield* t.post({ url: "http://localhost:9/hook", headers: {}, body: "{}", allowPrivate: false })
      }).pipe(Effect.provide(HttpTransport.layerNode))
    )
    expect(r).toMatchObject({ _tag: "NoResponse", kind: "forbidden_address" })
  })
})

describe("hostile input to the service: typed errors, nothing stored, the next call works", () => {
  const nothingStored = Effect.gen(function* () {
    const store = yield* WebhookStore.WebhookStore
    return {
      endpoints: (yield* store.endpoints({})).length,
      deliveries: (yield* store.deliveries({ limit: 100 })).length
    }
  })
  const valid = { owner: "m_1", url: "https://merchant.example/hooks", eventTypes: ["payments.refund.*"] }

  it.each([
    [{ ...valid, url: "https://10.0.0.1/h" }, "InvalidEndpointUrl"],
    [{ ...valid, url: "http://merchant.example/h" }, "InvalidEndpointUrl"],
    [{ ...valid, eventTypes: ["payments.payment.sucess"] }, "UnknownEventType"],
    [{ ...valid, eventTypes: ["nope.*"] }, "UnknownEventType"],
    [{ ...valid, eventTypes: [] }, "InvalidInput"],
    [{ ...valid, eventTypes: "payments.refund.*" }, "InvalidInput"],
    [{ ...valid, owner: "" }, "InvalidInput"],
    [{ ...valid, owner: "m\u0000" }, "InvalidInput"],
    [{ ...valid, rateLimit: 0 }, "InvalidInput"],
    [{ ...valid, rateLimit: 1.5 }, "InvalidInput"],
    [{ ...valid, payload: "fat" }, "InvalidInput"],
    [{ ...valid, extra: 1 }, "InvalidInput"],
    [null, "InvalidInput"],
    ["https://merchant.example", "InvalidInput"]
  ])("createEndpoint(%j) → %s", async (input, tag) => {
    const out = await run(
      Effect.gen(function* () {
        const w = yield* Webhooks.Webhooks
        const error = yield* Effect.flip(w.createEndpoint(input))
        const after = yield* nothingStored
        const next = yield* w.createEndpoint(valid)
        return { error, after, next }
      })
    )
    expect(out.error._tag).toBe(tag)
    expect(out.after).toEqual({ endpoints: 0, deliveries: 0 })
    expect(out.next.endpoint.status).toBe("active")
  })

  it("a typo gets a suggestion", async () => {
    const e = await run(
      Effect.gen(function* () {
        const w = yield* Webhooks.Webhooks
        return yield* Effect.flip(w.createEndpoint({ ...valid, eventTypes: ["payments.refund.succeded"] }))
      })
    )
    expect(e).toMatchObject({ _tag: "UnknownEventType", suggestion: "payments.refund.succeeded" })
  })

  it("publish refuses unknown types and oversized payloads and queues nothing of the batch", async () => {
    const out = await run(
      Effect.gen(function* () {
        const w = yield* Webhooks.Webhooks
        yield* w.createEndpoint({ ...valid, eventTypes: ["*"] })
        const ok = {
          id: "01KDVDNA00Z94A39CXXWY96E7Z",
          type: "payments.refund.succeeded",
          occurredAt: "2026-01-01T00:00:00.000Z",
          subject: "re_1",
          data: { merchant: "m_1" }
        }
        const unknown = yield* Effect.flip(
          w.publish([ok, { ...ok, id: "01KDVDNA00Z94A39CXXWY96E80", type: "orders.order.shipped" }])
        )
        const big = yield* Effect.flip(
          w.publish([ok, { ...ok, id: "01KDVDNA00Z94A39CXXWY96E81", data: { blob: "x".repeat(4000) } }])
        )
        const garbage = yield* Effect.flip(w.publish([{ ...ok, id: "not-a-ulid" }]))
        const before = yield* nothingStored
        const queued = yield* w.publish([ok])
        return { unknown, big, garbage, before, queued }
      })
    )
    expect(out.unknown._tag).toBe("UnknownEventType")
    expect(out.big).toMatchObject({ _tag: "PayloadTooLarge", limit: 2048 })
    expect(out.garbage._tag).toBe("InvalidInput")
    expect(out.before.deliveries).toBe(0)
    expect(out.queued).toBe(1)
  })

  it("random JSON into every operation: only typed errors, nothing stored", async () => {
    const tags = new Set([
      "InvalidInput",
      "InvalidEndpointUrl",
      "UnknownEventType",
      "EndpointNotFound",
      "DeliveryNotFound",
      "PayloadTooLarge"
    ])
    await fc.assert(
      fc.asyncProperty(fc.anything(), fc.anything(), async (a, b) => {
        const out = await run(
          Effect.gen(function* () {
            const w = yield* Webhooks.Webhooks
            const results: Array<Result.Result<unknown, unknown>> = [
              yield* Effect.result(w.createEndpoint(a)),
              yield* Effect.result(w.updateEndpoint(a, b)),
              yield* Effect.result(w.rotateSecret(a, b)),
              yield* Effect.result(w.disableEndpoint(a)),
              yield* Effect.result(w.enableEndpoint(a)),
              yield* Effect.result(w.deprecateEndpoint(a)),
              yield* Effect.result(w.replay(a)),
              yield* Effect.result(w.replayRange(a)),
              yield* Effect.result(w.publish(a)),
              yield* Effect.result(w.deliveries(a)),
              yield* Effect.result(w.endpoint(a)),
              yield* Effect.result(w.endpoints(a))
            ]
            return { results, after: yield* nothingStored }
          })
        )
        for (const r of out.results)
          if (Result.isFailure(r))
            expect(tags.has((r.failure as { _tag: string })._tag), String(r.failure)).toBe(true)
        expect(out.after).toEqual({ endpoints: 0, deliveries: 0 })
      }),
      { numRuns: 100 }
    )
  })
})
