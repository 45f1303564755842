import { Notifier } from "@paykit/core"
import { type Delivery, WebhookStore } from "@paykit/notify-webhook"
import { Deferred, Effect, Fiber, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
// the suite through its module until `@paykit/notify-webhook/testing` exports it
import { WebhookStoreContract } from "@paykit/notify-webhook/testing"
import * as Outbox from "../src/Outbox.ts"
import { TestStores } from "../src/testing/index.ts"
import * as WebhookStorePostgres from "../src/webhooks/WebhookStorePostgres.ts"
import { serverUrl } from "./support/env.ts"

const { sampleEndpoint, sampleDelivery, sampleEvent, completion } = WebhookStoreContract

/** What the outbox delivered so far: the relay drained into the suite's memory Notifier. */
const delivered = Effect.gen(function* () {
  const relay = yield* Outbox.makeRelay()
  yield* relay.drain
  yield* relay.release
  return yield* (yield* Notifier.RecordedEvents).all
})

const TABLES = [
  "paykit_webhook_endpoints",
  "paykit_webhook_deliveries",
  "paykit_webhook_attempts",
  "paykit_outbox"
] as const

/** The row count of every webhook table and of the outbox. */
const counts = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const out: Record<string, number> = {}
  for (const t of TABLES) {
    const [r] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql(t)}`
    out[t] = Number(r?.n ?? 0)
  }
  return out
})

// PGlite: one database for the file, a fresh schema per test; transactions take turns on its one connection
const pglite = () =>
  TestStores.pgliteSharedWith("whk", (schema) => WebhookStorePostgres.layerClient({ schema }))

WebhookStoreContract.suite<SqlClient.SqlClient>("PGlite", pglite(), {
  numRuns: 15,
  deliveredEvents: delivered
})

type Env = WebhookStore.WebhookStore | SqlClient.SqlClient

const adapterTests = (name: string, layer: () => Layer.Layer<Env, unknown>) =>
  describe(`WebhookStorePostgres on ${name}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, Env>) =>
      Effect.runPromise(Effect.provide(effect, layer()) as Effect.Effect<A, unknown>)

    /** Every write of a delivery's life: an endpoint, the delivery, its claim and its completion. */
    const life = (n: number) =>
      Effect.gen(function* () {
        const store = yield* WebhookStore.WebhookStore
        const endpointId = `ep_${n}`
        yield* store.insertEndpoint(sampleEndpoint(endpointId), [sampleEvent(n * 10 + 1, endpointId)])
        yield* store.enqueue([sampleDelivery(endpointId, n)])
        const [c] = yield* store.claim({
          now: 1_000,
          limit: 10,
          perEndpoint: 10,
          leaseMs: 1_000,
          token: `t${n}`
        })
        const done = completion(`t${n}`, c!.delivery, {
          outcome: "succeeded",
          at: 1_100,
          events: [sampleEvent(n * 10 + 2, endpointId)]
        })
        expect(yield* store.complete(done)).toEqual({ held: true, disabled: false })
        // seen inside the caller's transaction
        expect((yield* store.delivery(c!.delivery.id))?.status).toBe("succeeded")
        return c!.delivery.id
      })

    it("writes join the caller's transaction: rolled back with it nothing is kept (no row, no outbox row); committed, everything is; a refused write inside rolls back only itself", () =>
      run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const store = yield* WebhookStore.WebhookStore
          const empty = yield* counts
          const failed = yield* Effect.flip(
            sql.withTransaction(Effect.andThen(life(1), Effect.fail("boom" as const)))
          )
          expect(failed).toBe("boom")
          expect(yield* counts).toEqual(empty)
          expect(yield* store.endpoint("ep_1")).toBeUndefined()

          const id = yield* sql.withTransaction(life(1))
          expect(yield* counts).toEqual({
            paykit_webhook_endpoints: 1,
            paykit_webhook_deliveries: 1,
            paykit_webhook_attempts: 1,
            paykit_outbox: 2
          })
          expect(yield* store.attempts(id)).toHaveLength(1)

          yield* sql.withTransaction(
            Effect.gen(function* () {
              const conflict = yield* Effect.flip(
                store.insertEndpoint(sampleEndpoint("ep_1"), [sampleEvent(90, "ep_1")])
              )
              expect(conflict._tag).toBe("EndpointConflict")
              const missing = yield* Effect.flip(
                store.updateEndpoint(sampleEndpoint("ep_none", { version: 2 }), 1, [
                  sampleEvent(91, "ep_none")
                ])
              )
              expect(missing._tag).toBe("EndpointNotFound")
              yield* store.insertEndpoint(sampleEndpoint("ep_2"), [sampleEvent(92, "ep_2")])
            })
          )
          expect(yield* counts).toMatchObject({ paykit_webhook_endpoints: 2, paykit_outbox: 3 })
          const relayed = yield* Effect.provide(delivered, Notifier.layerMemory)
          expect(relayed.map((e) => e.id)).toEqual([11, 12, 92].map((n) => sampleEvent(n, "").id))
        })
      ))

    it("signing keys, filter and metadata are jsonb, times and versions bigint; values beyond 2^32 read back exactly", () =>
      run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const store = yield* WebhookStore.WebhookStore
          const e = sampleEndpoint("ep_1", {
            keys: [
              {
                id: "k1",
                kind: "symmetric",
                sealed: "v1.k1.AAAA.BBBB",
                createdAt: 2 ** 50,
                expiresAt: 2 ** 53 - 1
              },
              { id: "k2", kind: "asymmetric", sealed: "v1.k1.CCCC.DDDD", publicKey: "whpk_x", createdAt: 1 }
            ],
            metadata: { a: "b" },
            version: 2 ** 40,
            failingSince: 2 ** 45
          })
          yield* store.insertEndpoint(e, [])
          const [row] = yield* sql<{
            keys: string
            sealed: string
            filter: string
            meta: string
            version: string
            at: string
          }>`SELECT jsonb_typeof(keys) AS keys, keys->0->>'sealed' AS sealed, jsonb_typeof(event_types) AS filter,
              jsonb_typeof(metadata) AS meta, pg_typeof(version)::text AS version, pg_typeof(failing_since)::text AS at
            FROM paykit_webhook_endpoints`
          expect(row).toEqual({
            keys: "array",
            sealed: "v1.k1.AAAA.BBBB",
            filter: "array",
            meta: "object",
            version: "bigint",
            at: "bigint"
          })
          expect(yield* store.endpoint("ep_1")).toEqual(e)
          const d = sampleDelivery("ep_1", 1, {
            createdAt: 2 ** 52,
            nextAttemptAt: 2 ** 53 - 1,
            attempts: 2 ** 33
          })
          yield* store.enqueue([d])
          const [back] = yield* store.deliveries({ limit: 10 })
          const { seq: _, ...rest } = back!
          expect(rest).toEqual(d)
        })
      ))

    it("hostile text (NUL, lone surrogates), broken times and non-JSON are WebhookStoreFailure naming the field, before any SQL and with nothing written; the next call works", () =>
      run(
        Effect.gen(function* () {
          const store = yield* WebhookStore.WebhookStore
          yield* store.insertEndpoint(sampleEndpoint("ep_ok"), [])
          yield* store.enqueue([sampleDelivery("ep_ok", 1)])
          const [c] = yield* store.claim({
            now: 1_000,
            limit: 1,
            perEndpoint: 1,
            leaseMs: 10_000,
            token: "t1"
          })
          const empty = yield* counts
          const key = sampleEndpoint("x").keys[0]!
          const ok = completion("t1", c!.delivery, { outcome: "succeeded", at: 1_100 })
          const bad: ReadonlyArray<
            readonly [string, string, Effect.Effect<unknown, { readonly _tag: string }>]
          > = [
            ["insertEndpoint", "endpoint.id", store.insertEndpoint(sampleEndpoint("ep\u0000"), [])],
            [
              "insertEndpoint",
              "endpoint.owner",
              store.insertEndpoint(sampleEndpoint("ep_2", { owner: "m\ud800" }), [])
            ],
            [
              "insertEndpoint",
              "endpoint.keys[0].sealed",
              store.insertEndpoint(sampleEndpoint("ep_2", { keys: [{ ...key, sealed: "\udc00" }] }), [])
            ],
            [
              "insertEndpoint",
              "endpoint.metadata.k",
              store.insertEndpoint(sampleEndpoint("ep_2", { metadata: { k: "a\u0000" } }), [])
            ],
            [
              "insertEndpoint",
              "endpoint.version",
              store.insertEndpoint(sampleEndpoint("ep_2", { version: 1.5 }), [])
            ],
            [
              "insertEndpoint",
              "events[0].data.note",
              store.insertEndpoint(sampleEndpoint("ep_2"), [
                { ...sampleEvent(1, "s"), data: { note: "\u0000" } }
              ])
            ],
            [
              "updateEndpoint",
              "endpoint.createdAt",
              store.updateEndpoint(sampleEndpoint("ep_ok", { createdAt: Number.NaN }), 1, [])
            ],
            [
              "enqueue",
              "deliveries[1].payload",
              store.enqueue([
                sampleDelivery("ep_ok", 2),
                sampleDelivery("ep_ok", 3, { payload: '{"a":"\ud800"}' })
              ])
            ],
            [
              "enqueue",
              "deliveries[0].createdAt",
              store.enqueue([sampleDelivery("ep_ok", 2, { createdAt: 2 ** 60 })])
            ],
            [
              "enqueue",
              "deliveries[0].subject",
              store.enqueue([sampleDelivery("ep_ok", 2, { subject: "\u0000" })])
            ],
            ["claim", "now", store.claim({ now: 1.5, limit: 1, perEndpoint: 1, leaseMs: 1, token: "t" })],
            [
              "claim",
              "exclude[1]",
              store.claim({
                now: 1,
                limit: 1,
                perEndpoint: 1,
                leaseMs: 1,
                token: "t",
                exclude: ["ep_ok", "\ud800"]
              })
            ],
            [
              "claim",
              "token",
              store.claim({ now: 1, limit: 1, perEndpoint: 1, leaseMs: 1, token: "t\u0000" })
            ],
            [
              "complete",
              "attempt.responseBody",
              store.complete({ ...ok, attempt: { ...ok.attempt, responseBody: "x\udc00" } })
            ],
            [
              "complete",
              "delivery.nextAttemptAt",
              store.complete({ ...ok, delivery: { ...ok.delivery, nextAttemptAt: Infinity } })
            ],
            [
              "complete",
              "disabledEvent.subject",
              store.complete({ ...ok, disabledEvent: sampleEvent(1, "\ud800") })
            ],
            ["release", "nextAttemptAt", store.release("t1", c!.delivery.id, Number.NaN)],
            ["replay", "now", store.replay({ deliveryId: c!.delivery.id, now: 0.5 })],
            ["replay", "endpointId", store.replay({ endpointId: "\u0000", from: 0, to: 1, now: 1 })]
          ]
          for (const [operation, field, effect] of bad) {
            const error = yield* Effect.flip(effect)
            expect(error).toMatchObject({ _tag: "WebhookStoreFailure", operation })
            expect((error as unknown as Error).message).toContain(field)
            expect((error as unknown as Error).message).toContain("nothing was sent")
          }
          expect(yield* counts).toEqual(empty)
          for (const [operation, effect] of [
            ["endpoint", store.endpoint("\u0000")],
            ["endpoints", store.endpoints({ owner: "\ud800" })],
            ["delivery", store.delivery("x\udfff")],
            ["deliveries", store.deliveries({ limit: 1, endpointId: "\u0000" })],
            ["attempts", store.attempts("\u0000")]
          ] as const) {
            const error = yield* Effect.flip(effect as Effect.Effect<unknown, { readonly _tag: string }>)
            expect(error).toMatchObject({ _tag: "WebhookStoreFailure", operation })
          }
          // odd text that PostgreSQL holds is stored and read back exactly; the lease still holds
          const odd = sampleEndpoint("ep_'\";--\\ \ufffd 😀", {
            description: "x".repeat(5_000),
            metadata: { "😀": "\u0001\u007f\u200b", "": "" }
          })
          yield* store.insertEndpoint(odd, [])
          expect(yield* store.endpoint(odd.id)).toEqual(odd)
          expect(yield* store.complete(ok)).toEqual({ held: true, disabled: false })
        })
      ))

    it("a database failure is WebhookStoreFailure naming the operation, and a failed completion keeps nothing", () =>
      run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const store = yield* WebhookStore.WebhookStore
          yield* store.insertEndpoint(sampleEndpoint("ep_1"), [])
          yield* store.enqueue([sampleDelivery("ep_1", 1)])
          const [c] = yield* store.claim({
            now: 1_000,
            limit: 1,
            perEndpoint: 1,
            leaseMs: 10_000,
            token: "t1"
          })
          const before = yield* store.delivery(c!.delivery.id)
          yield* sql`DROP TABLE paykit_webhook_attempts`
          expect(yield* Effect.flip(store.attempts(c!.delivery.id))).toMatchObject({
            _tag: "WebhookStoreFailure",
            operation: "attempts"
          })
          const done = completion("t1", c!.delivery, {
            outcome: "succeeded",
            at: 1_100,
            events: [sampleEvent(1, "ep_1")]
          })
          expect(yield* Effect.flip(store.complete(done))).toMatchObject({
            _tag: "WebhookStoreFailure",
            operation: "complete"
          })
          expect(yield* store.delivery(c!.delivery.id)).toEqual(before)
          const [outbox] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM paykit_outbox`
          expect(Number(outbox!.n)).toBe(0)
        })
      ))

    it("the claim's candidates come from the partial index of pending deliveries, not from the finished ones", () =>
      run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const store = yield* WebhookStore.WebhookStore
          yield* store.insertEndpoint(sampleEndpoint("ep_1"), [])
          const finished: Array<Delivery.NewDelivery> = []
          for (let n = 1; n <= 3_000; n++)
            finished.push(
              sampleDelivery("ep_1", n, { subject: `s${n % 50}`, status: "succeeded", attempts: 1 })
            )
          yield* store.enqueue(finished)
          yield* store.enqueue([sampleDelivery("ep_1", 5_000, { subject: "s1" })])
          yield* sql`ANALYZE paykit_webhook_deliveries`
          const plan = yield* sql<{
            "QUERY PLAN": string
          }>`EXPLAIN SELECT d.id FROM paykit_webhook_deliveries d
            WHERE d.status = 'pending' AND coalesce(d.next_attempt_at, 0) <= ${10 ** 12}::bigint
              AND NOT EXISTS (SELECT 1 FROM paykit_webhook_deliveries o WHERE o.status = 'pending'
                AND o.endpoint_id = d.endpoint_id AND o.subject = d.subject AND o.seq < d.seq)`
          const text = plan.map((r) => Object.values(r)[0]).join("\n")
          expect(text).not.toMatch(/Seq Scan on paykit_webhook_deliveries/)
          expect(text).toMatch(/paykit_webhook_deliveries_(due|head)/)
          // the oldest pending deliveries, which a claim reads first, come from the pending-only index in seq order
          const prefixPlan = yield* sql<{
            "QUERY PLAN": string
          }>`EXPLAIN SELECT d.id FROM paykit_webhook_deliveries d WHERE d.status = 'pending' ORDER BY d.seq LIMIT 512`
          const prefixText = prefixPlan.map((r) => Object.values(r)[0]).join("\n")
          expect(prefixText).toMatch(/Index Scan using paykit_webhook_deliveries_queue/)
          expect(prefixText).not.toMatch(/Sort|Seq Scan/)
          const claimed = yield* store.claim({
            now: 10 ** 12,
            limit: 10,
            perEndpoint: 10,
            leaseMs: 1,
            token: "t"
          })
          expect(claimed.map((c) => c.delivery.subject)).toEqual(["s1"])
        })
      ))

    it("claims behind a busy head of the queue longer than what a claim reads first (one endpoint's backlog beyond its share, deliveries not due, in flight, excluded) take what the memory store takes", () =>
      run(
        Effect.gen(function* () {
          const store = yield* WebhookStore.WebhookStore
          const memory = yield* Effect.provide(
            Effect.flatMap(WebhookStore.WebhookStore, Effect.succeed),
            WebhookStore.layerMemory.pipe(Layer.provide(Notifier.layerNoop))
          )
          const both = <A>(f: (s: WebhookStore.WebhookStore["Service"]) => Effect.Effect<A, unknown>) =>
            Effect.gen(function* () {
              const expected = yield* f(memory)
              const got = yield* f(store)
              expect(got).toEqual(expected)
              return got
            })
          for (const e of ["ep_a", "ep_b", "ep_c", "ep_d"])
            yield* both((s) => s.insertEndpoint(sampleEndpoint(e), []))
          const news: Array<Delivery.NewDelivery> = []
          // the head: ep_a's backlog (due), then ep_b's (not due before 10^6), 700 each
          for (let n = 1; n <= 700; n++) news.push(sampleDelivery("ep_a", n, { subject: `a${n}` }))
          for (let n = 1; n <= 700; n++)
            news.push(sampleDelivery("ep_b", n, { subject: `b${n}`, nextAttemptAt: 10 ** 6 }))
          // behind it: ep_c and ep_d, some subjects with several deliveries
          for (let n = 1; n <= 30; n++)
            news.push(sampleDelivery(n % 2 === 0 ? "ep_c" : "ep_d", 1_000 + n, { subject: `x${n % 7}` }))
          yield* both((s) => s.enqueue(news))
          const claim = (
            token: string,
            now: number,
            limit: number,
            perEndpoint: number,
            exclude: ReadonlyArray<string> = []
          ) =>
            both((s) =>
              Effect.map(s.claim({ now, limit, perEndpoint, leaseMs: 100, token, exclude }), (cs) =>
                cs.map((c) => c.delivery.id)
              )
            )
          const finish = (token: string, ids: ReadonlyArray<string>, at: number) =>
            Effect.forEach(ids, (id) =>
              both((s) =>
                Effect.flatMap(s.delivery(id), (d) =>
                  s.complete(completion(token, d!, { outcome: "succeeded", at }))
                )
              )
            )
          const first = yield* claim("t1", 1_000, 8, 3)
          expect(first.filter((id) => id.startsWith("dlv_ep_a_"))).toHaveLength(3)
          expect(first).toHaveLength(8)
          yield* claim("t2", 1_000, 5, 5, ["ep_a"])
          yield* claim("t3", 1_000, 10, 2)
          yield* finish("t1", first, 1_010)
          yield* claim("t4", 1_020, 6, 2, ["ep_c"])
          // the first leases ran out: their deliveries come back (and t1's finished ones do not)
          yield* claim("t5", 1_150, 20, 4)
          yield* claim("t6", 1_150, 600, 600)
          // ep_b comes due
          yield* claim("t7", 10 ** 6, 12, 3, ["ep_a"])
          yield* claim("t8", 10 ** 6, 5_000, 1)
          const all = (s: WebhookStore.WebhookStore["Service"]) => s.deliveries({ limit: 10_000 })
          const [m, p] = [yield* all(memory), yield* all(store)]
          expect(p.map((d) => [d.id, d.status])).toEqual(m.map((d) => [d.id, d.status]))
        })
      ))

    it("concurrent enqueues and claims: every delivery is claimed once, and per (endpoint, subject) in seq order", () =>
      run(
        Effect.gen(function* () {
          const store = yield* WebhookStore.WebhookStore
          for (const e of ["ep_0", "ep_1"]) yield* store.insertEndpoint(sampleEndpoint(e), [])
          const producers = 4
          const perProducer = 15
          let produced = 0
          let finishedProducers = 0
          const log: Array<{ readonly key: string; readonly seq: number; readonly id: string }> = []
          const producer = (p: number) =>
            Effect.gen(function* () {
              for (let k = 0; k < perProducer; k++) {
                const n = p * 1_000 + k
                const subject = `s${(p + k) % 3}`
                yield* store.enqueue([
                  sampleDelivery("ep_0", n, { subject }),
                  sampleDelivery("ep_1", n, { subject })
                ])
                produced += 2
              }
              finishedProducers++
            })
          const consumer = (w: number) =>
            Effect.gen(function* () {
              for (let idle = 0; idle < 200; ) {
                const claimed = yield* store.claim({
                  now: 10 ** 12,
                  limit: 3,
                  perEndpoint: 2,
                  leaseMs: 10 ** 9,
                  token: `w${w}`
                })
                if (claimed.length === 0) {
                  if (finishedProducers === producers && log.length === produced) return
                  idle++
                  yield* Effect.sleep("5 millis")
                  continue
                }
                for (const c of claimed)
                  log.push({
                    key: `${c.delivery.endpointId}/${c.delivery.subject}`,
                    seq: c.delivery.seq,
                    id: c.delivery.id
                  })
                for (const c of claimed) {
                  const r = yield* store.complete(
                    completion(`w${w}`, c.delivery, { outcome: "succeeded", at: 10 ** 12 })
                  )
                  expect(r.held).toBe(true)
                }
              }
            })
          yield* Effect.all(
            [
              ...Array.from({ length: producers }, (_, p) => producer(p)),
              ...Array.from({ length: 4 }, (_, w) => consumer(w))
            ],
            { concurrency: "unbounded" }
          )
          expect(log).toHaveLength(producers * perProducer * 2)
          expect(new Set(log.map((l) => l.id)).size).toBe(log.length)
          const byKey = new Map<string, Array<number>>()
          for (const l of log) byKey.set(l.key, [...(byKey.get(l.key) ?? []), l.seq])
          for (const seqs of byKey.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
          expect((yield* store.deliveries({ limit: 1_000, status: "pending" })).length).toBe(0)
        })
      ))
  })

adapterTests("PGlite", pglite)

// PostgreSQL: a fresh schema per store on the server named by PAYKIT_TEST_DATABASE_URL.
describe.skipIf(serverUrl === undefined)("WebhookStorePostgres on a PostgreSQL server", () => {
  const layer = () =>
    TestStores.serverWith(serverUrl!, "whk", WebhookStorePostgres.layer, { maxConnections: 4 })

  WebhookStoreContract.suite<SqlClient.SqlClient>("PostgreSQL", layer(), {
    numRuns: 10,
    deliveredEvents: delivered
  })
  adapterTests("a PostgreSQL server", layer)

  const run = <A, E>(effect: Effect.Effect<A, E, Env>) =>
    Effect.runPromise(Effect.provide(effect, layer()) as Effect.Effect<A, unknown>)

  /** Waits until another transaction waits for the one running `holder` (its transaction id). */
  const someoneWaitsFor = (xid: string) =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      // a hang detector, not a speed check: the waiter shows up in milliseconds
      const until = Date.now() + 20_000
      while (true) {
        const [row] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks
          WHERE locktype = 'transactionid' AND transactionid = ${xid}::xid AND NOT granted`
        if (Number(row?.n ?? 0) > 0) return
        if (Date.now() > until) return yield* Effect.die(new Error("nobody waited for the transaction"))
        yield* Effect.sleep("5 millis")
      }
    })

  /** What `held` is given, or the failure of the fiber that was to give it. */
  const heldBy = <A, E>(held: Deferred.Deferred<string>, fiber: Fiber.Fiber<A, E>) =>
    Effect.raceFirst(
      Deferred.await(held),
      Effect.flatMap(Fiber.join(fiber), () => Effect.die(new Error("the transaction ended before it held")))
    )

  /** The running transaction's id. */
  const currentXid = Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql<{ xid: string }>`SELECT (txid_current() % 4294967296)::text AS xid`
  ).pipe(Effect.map(([row]) => row!.xid))

  const off = {
    ...sampleEndpoint("ep_1"),
    status: "disabled" as const,
    disabledReason: "by_owner" as const,
    version: 2,
    updatedAt: 2_000
  }

  it("an enqueue that meets a disabling in flight waits for it, then stores its delivery failed (endpoint_disabled) and counts it not", () =>
    run(
      // forks scoped: a failure ends them (their transactions rolled back) before the schema goes
      Effect.scoped(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const store = yield* WebhookStore.WebhookStore
          yield* store.insertEndpoint(sampleEndpoint("ep_1"), [])
          const held = yield* Deferred.make<string>()
          const release = yield* Deferred.make<void>()
          const disabling = yield* Effect.forkScoped(
            sql.withTransaction(
              Effect.gen(function* () {
                yield* store.updateEndpoint(off, 1, [])
                yield* Deferred.succeed(held, yield* currentXid)
                yield* Deferred.await(release)
              })
            )
          )
          const xid = yield* heldBy(held, disabling)
          const d = sampleDelivery("ep_1", 1)
          const enqueueing = yield* Effect.forkScoped(store.enqueue([d]))
          // it waits for the disabling (or, were it not to, it is done)
          yield* Effect.raceFirst(someoneWaitsFor(xid), Effect.asVoid(Fiber.await(enqueueing)))
          yield* Deferred.succeed(release, undefined)
          yield* Fiber.join(disabling)
          expect(yield* Fiber.join(enqueueing)).toBe(0)
          const back = yield* store.delivery(d.id)
          expect(back).toMatchObject({ status: "failed", failureReason: "endpoint_disabled" })
          expect(back !== undefined && "nextAttemptAt" in back).toBe(false)
        })
      )
    ))

  it("a disabling that meets an enqueue in flight waits for it, then fails what it queued", () =>
    run(
      Effect.scoped(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const store = yield* WebhookStore.WebhookStore
          yield* store.insertEndpoint(sampleEndpoint("ep_1"), [])
          const held = yield* Deferred.make<string>()
          const release = yield* Deferred.make<void>()
          const d = sampleDelivery("ep_1", 1)
          const enqueueing = yield* Effect.forkScoped(
            sql.withTransaction(
              Effect.gen(function* () {
                const added = yield* store.enqueue([d])
                yield* Deferred.succeed(held, yield* currentXid)
                yield* Deferred.await(release)
                return added
              })
            )
          )
          const xid = yield* heldBy(held, enqueueing)
          const disabling = yield* Effect.forkScoped(store.updateEndpoint(off, 1, []))
          // it waits for the enqueue (or, were it not to, it is done)
          yield* Effect.raceFirst(someoneWaitsFor(xid), Effect.asVoid(Fiber.await(disabling)))
          yield* Deferred.succeed(release, undefined)
          expect(yield* Fiber.join(enqueueing)).toBe(1)
          yield* Fiber.join(disabling)
          expect(yield* store.delivery(d.id)).toMatchObject({
            status: "failed",
            failureReason: "endpoint_disabled",
            updatedAt: 2_000
          })
          expect(
            yield* store.claim({ now: 10 ** 12, limit: 10, perEndpoint: 10, leaseMs: 1_000, token: "t" })
          ).toEqual([])
        })
      )
    ))
})
