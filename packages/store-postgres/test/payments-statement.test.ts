import { type Payment, PaymentStore } from "@paykit/payments"
import { PaymentStoreContract } from "@paykit/payments/testing"
import { Context, Effect, Layer, Option } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import * as Database from "../src/Database.ts"
import * as PaymentStorePostgres from "../src/payments/PaymentStorePostgres.ts"
import { TestStores } from "../src/testing/index.ts"
import { serverUrl } from "./support/env.ts"

// A commit at `exclusive`'s own level is one statement without a savepoint: what that must not
// change (a failed statement cannot be swallowed into a COMMIT, a read made ahead never goes
// stale, timeline numbers stay gapless with writers inside and outside `exclusive`).

const newPayment = (p: Payment.Payment, n = 1): PaymentStore.Change => ({
  paymentId: p.id,
  payment: p,
  expectedVersion: undefined,
  timeline: [{ subject: p.id, stage: "created", at: p.createdAt, source: "api" }],
  events: [PaymentStoreContract.sampleEvent(n, p.id)]
})

const rows = (table: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql(table)}`, (r) => Number(r[0]?.n ?? 0))
  )

const tests = (
  name: string,
  layer: () => Layer.Layer<PaymentStore.PaymentStore | SqlClient.SqlClient, unknown>
) =>
  describe(`PaymentStorePostgres's one-statement commit on ${name}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, PaymentStore.PaymentStore | SqlClient.SqlClient>) =>
      Effect.runPromise(Effect.provide(effect, layer()) as Effect.Effect<A, unknown>)

    it("a commit failing inside exclusive, its failure swallowed by the body, fails exclusive with StoreFailure and keeps nothing", () =>
      run(
        Effect.gen(function* () {
          const store = yield* PaymentStore.PaymentStore
          const p = PaymentStoreContract.samplePayment("pay_poison", "created")
          // a NUL character, which jsonb refuses: the database refuses the statement
          const huge = { ...p, version: p.version + 1, metadata: { note: "a\u0000b" } }
          const error = yield* Effect.flip(
            store.exclusive(
              p.id,
              Effect.gen(function* () {
                yield* store.commit(newPayment(p))
                const refused = yield* Effect.flip(
                  store.commit({
                    paymentId: p.id,
                    payment: huge,
                    expectedVersion: p.version,
                    timeline: [],
                    events: []
                  })
                )
                expect(refused).toMatchObject({ _tag: "StoreFailure", operation: "commit" })
                return "went on" as const
              })
            )
          )
          expect(error).toMatchObject({ _tag: "StoreFailure", operation: "exclusive" })
          expect(yield* rows("paykit_payments_payments")).toBe(0)
          expect(yield* rows("paykit_payments_timeline")).toBe(0)
          expect(yield* rows("paykit_outbox")).toBe(0)
          // a read failing inside exclusive (the body goes on) fails it the same way
          const sql = yield* SqlClient.SqlClient
          const read = yield* Effect.flip(
            store.exclusive(
              p.id,
              Effect.gen(function* () {
                yield* store.commit(newPayment(p))
                yield* Effect.ignore(sql`SELECT 1 / 0`)
                yield* Effect.ignore(store.get(p.id))
              })
            )
          )
          expect(read).toMatchObject({ _tag: "StoreFailure" })
          expect(yield* rows("paykit_payments_payments")).toBe(0)
          // the same commit in a savepoint of the body's own is the body's to recover from
          yield* store.exclusive(
            p.id,
            Effect.gen(function* () {
              yield* store.commit(newPayment(p))
              const refused = yield* Effect.flip(
                sql.withTransaction(
                  store.commit({
                    paymentId: p.id,
                    payment: huge,
                    expectedVersion: p.version,
                    timeline: [],
                    events: []
                  })
                )
              )
              expect(refused._tag).toBe("StoreFailure")
            })
          )
          expect(Option.getOrThrow(yield* store.get(p.id)).payment).toEqual(p)
          expect(yield* rows("paykit_outbox")).toBe(1)
        })
      ))

    it("an idempotency lookup before the payment's read inside exclusive reads the payment as it is, also after a commit", () =>
      run(
        Effect.gen(function* () {
          const store = yield* PaymentStore.PaymentStore
          const p = PaymentStoreContract.samplePayment("pay_ahead", "authorised")
          const seen = yield* store.exclusive(
            p.id,
            Effect.gen(function* () {
              const none = yield* store.idempotency(p.merchant, "k1")
              const absent = yield* store.get(p.id)
              yield* store.commit(newPayment(p))
              const record = yield* store.idempotency(p.merchant, "k1")
              const present = yield* store.get(p.id)
              return { none, absent, record, present }
            })
          )
          expect(Option.isNone(seen.none)).toBe(true)
          expect(Option.isNone(seen.absent)).toBe(true)
          expect(Option.isNone(seen.record)).toBe(true)
          expect(Option.getOrThrow(seen.present).payment).toEqual(p)

          const next = { ...p, version: p.version + 1, metadata: { note: "x" } }
          const again = yield* store.exclusive(
            p.id,
            Effect.gen(function* () {
              const before = yield* store.idempotency(p.merchant, "k2")
              // the payment changes between the lookup and the read: the read sees the change
              yield* store.commit({
                paymentId: p.id,
                payment: next,
                expectedVersion: p.version,
                timeline: [{ subject: p.id, stage: "authorised", at: 2, source: "api" }],
                idempotency: {
                  merchant: p.merchant,
                  key: "k2",
                  operation: "confirm",
                  paymentId: p.id,
                  request: {},
                  outcome: { _tag: "Success", payment: next },
                  at: 2
                },
                events: []
              })
              const read = Option.getOrThrow(yield* store.get(p.id))
              const record = yield* store.idempotency(p.merchant, "k2")
              return { before, read, record }
            })
          )
          expect(Option.isNone(again.before)).toBe(true)
          expect(again.read.payment).toEqual(next)
          expect(again.read.timeline).toHaveLength(2)
          expect(Option.isSome(again.record)).toBe(true)
          // and a lookup ahead of the read of a payment that exists reads it with its timeline
          const third = yield* store.exclusive(
            p.id,
            Effect.andThen(store.idempotency(p.merchant, "k2"), store.get(p.id))
          )
          expect(Option.getOrThrow(third)).toEqual(again.read)
        })
      ))
  })

tests("PGlite", () =>
  TestStores.pgliteSharedWith("paystmt", (schema) => PaymentStorePostgres.layerClient({ schema }))
)

describe.skipIf(serverUrl === undefined)(
  "PaymentStorePostgres's one-statement commit on a PostgreSQL server",
  () => {
    const layer = (maxConnections = 8) =>
      TestStores.serverWith(serverUrl!, "paystmt", PaymentStorePostgres.layer, { maxConnections })
    tests("a PostgreSQL server", () => layer())

    it("timeline entries from exclusive steps and from commits outside exclusive, racing on three pools, are numbered 1, 2, … without a gap or a failure", () =>
      Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const first = yield* Layer.build(layer(10))
            const schema = Context.get(first, Database.DatabaseInfo).schema
            const others = yield* Effect.forEach([0, 1], () =>
              Layer.build(PaymentStorePostgres.layer({ url: serverUrl!, schema, maxConnections: 10 }))
            )
            const stores = [first, ...others].map((c) => Context.get(c, PaymentStore.PaymentStore))
            const sql = Context.get(first, SqlClient.SqlClient)
            const p = PaymentStoreContract.samplePayment("pay_seq", "captured")
            yield* stores[0]!.commit({ ...newPayment(p), timeline: [] })
            const entry = (i: number) => ({
              subject: p.id,
              stage: "created" as const,
              at: i,
              source: "api" as const
            })
            yield* Effect.forEach(
              Array.from({ length: 30 }, (_, i) => i),
              (i) => {
                const store = stores[i % 3]!
                return i % 2 === 0
                  ? store.exclusive(
                      p.id,
                      Effect.gen(function* () {
                        const s = Option.getOrThrow(yield* store.get(p.id))
                        yield* Effect.sleep("2 millis")
                        yield* store.commit({
                          paymentId: p.id,
                          payment: { ...s.payment, version: s.payment.version + 1 },
                          expectedVersion: s.payment.version,
                          timeline: [entry(i), entry(i)],
                          events: [PaymentStoreContract.sampleEvent(100 + i, p.id)]
                        })
                      })
                    )
                  : store.commit({
                      paymentId: p.id,
                      expectedVersion: undefined,
                      timeline: [entry(i)],
                      events: [PaymentStoreContract.sampleEvent(100 + i, p.id)]
                    })
              },
              { concurrency: "unbounded", discard: true }
            )
            const seqs = yield* sql<{ seq: number }>`SELECT seq FROM paykit_payments_timeline
            WHERE payment_id = ${p.id} ORDER BY seq`
            expect(seqs.map((r) => Number(r.seq))).toEqual(Array.from({ length: 45 }, (_, i) => i + 1))
            const stored = Option.getOrThrow(yield* stores[1]!.get(p.id))
            expect(stored.payment.version).toBe(p.version + 15)
            const [outbox] = yield* sql<{
              n: number
            }>`SELECT coalesce(sum(count), 0)::int AS n FROM paykit_outbox`
            expect(Number(outbox?.n)).toBe(31)
          })
        )
      ))
  }
)
