import { Notifier } from "@paykit/core"
import { type Payment, PaymentStore, Steps } from "@paykit/payments"
import { PaymentStoreContract } from "@paykit/payments/testing"
import { Context, Effect, Layer, Option, Result } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import * as Database from "../src/Database.ts"
import * as Outbox from "../src/Outbox.ts"
import * as PaymentStorePostgres from "../src/payments/PaymentStorePostgres.ts"
import { TestStores } from "../src/testing/index.ts"
import { serverUrl } from "./support/env.ts"

/** What the outbox delivered so far: the relay drained into the suite's memory Notifier. */
const delivered = Effect.gen(function* () {
  const relay = yield* Outbox.makeRelay()
  yield* relay.drain
  // give the lease back: the next drain of this test is another relay
  yield* relay.release
  return yield* (yield* Notifier.RecordedEvents).all
})

const newPayment = (
  p: Payment.Payment,
  events = [PaymentStoreContract.sampleEvent(1, p.id)]
): PaymentStore.Change => ({
  paymentId: p.id,
  payment: p,
  expectedVersion: undefined,
  timeline: [{ subject: p.id, stage: "created", at: p.createdAt, source: "api" }],
  events
})

const rows = (table: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql(table)}`, (r) => Number(r[0]?.n ?? 0))
  )

// PGlite: one database for the file, a fresh schema per test; transactions take turns on its one connection
const pglite = () =>
  TestStores.pgliteSharedWith("pay", (schema) => PaymentStorePostgres.layerClient({ schema }))

PaymentStoreContract.suite<SqlClient.SqlClient>("PGlite", pglite(), {
  numRuns: 15,
  concurrentTransactions: false,
  deliveredEvents: delivered
})

const joinTests = (
  name: string,
  layer: () => Layer.Layer<PaymentStore.PaymentStore | SqlClient.SqlClient, unknown>
) =>
  describe(`PaymentStorePostgres on ${name}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, PaymentStore.PaymentStore | SqlClient.SqlClient>) =>
      Effect.runPromise(Effect.provide(effect, layer()) as Effect.Effect<A, unknown>)

    it("exclusive inside the caller's transaction joins it: a rollback keeps no payment and no outbox row, a commit keeps both", () =>
      run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const store = yield* PaymentStore.PaymentStore
          const p = PaymentStoreContract.samplePayment("pay_rb", "created")
          const failed = yield* Effect.flip(
            sql.withTransaction(
              Effect.andThen(
                store.exclusive(
                  p.id,
                  Effect.gen(function* () {
                    yield* store.commit(newPayment(p))
                    // inside, the transaction sees its own write
                    expect(Option.isSome(yield* store.get(p.id))).toBe(true)
                  })
                ),
                Effect.fail("boom" as const)
              )
            )
          )
          expect(failed).toBe("boom")
          expect(Option.isNone(yield* store.get(p.id))).toBe(true)
          expect(yield* rows("paykit_payments_payments")).toBe(0)
          expect(yield* rows("paykit_payments_timeline")).toBe(0)
          expect(yield* rows("paykit_outbox")).toBe(0)

          // exclusive's own body failing after a commit rolls the commit back too
          const own = yield* Effect.flip(
            store.exclusive(p.id, Effect.andThen(store.commit(newPayment(p)), Effect.fail("own" as const)))
          )
          expect(own).toBe("own")
          expect(yield* rows("paykit_payments_payments")).toBe(0)
          expect(yield* rows("paykit_outbox")).toBe(0)

          yield* sql.withTransaction(store.exclusive(p.id, store.commit(newPayment(p))))
          expect(Option.getOrThrow(yield* store.get(p.id)).payment).toEqual(p)
          expect(yield* rows("paykit_payments_payments")).toBe(1)
          expect(yield* rows("paykit_payments_timeline")).toBe(1)
          expect(yield* rows("paykit_outbox")).toBe(1)
        })
      ))

    it("a refused commit inside exclusive writes nothing and the transaction goes on (its checks come first, no database error)", () =>
      run(
        Effect.gen(function* () {
          const store = yield* PaymentStore.PaymentStore
          const p = PaymentStoreContract.samplePayment("pay_sp", "authorised")
          const kept = yield* store.exclusive(
            p.id,
            Effect.gen(function* () {
              yield* store.commit(newPayment(p))
              const conflict = yield* Effect.flip(store.commit(newPayment(p)))
              expect(conflict._tag).toBe("VersionConflict")
              return Option.getOrThrow(yield* store.get(p.id)).timeline.length
            })
          )
          expect(kept).toBe(1)
          expect(yield* rows("paykit_outbox")).toBe(1)
        })
      ))

    it("amounts are exact numeric columns and strings in the document", () =>
      run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const store = yield* PaymentStore.PaymentStore
          const amount = 2n ** 100n + 1n
          const p = PaymentStoreContract.samplePayment("pay_big", "captured", { amount })
          yield* store.commit(newPayment(p))
          const [row] = yield* sql<{
            amount: string
            kind: string
            captured: string
            waiting: boolean
          }>`SELECT
              amount::text AS amount, jsonb_typeof(payment -> 'amount' -> 'amount') AS kind,
              payment -> 'captured' ->> 'amount' AS captured, waiting FROM paykit_payments_payments`
          expect(row).toEqual({
            amount: amount.toString(),
            kind: "string",
            captured: amount.toString(),
            waiting: false
          })
          const page = yield* store.list({ merchant: "acct_1", minAmount: amount, limit: 10 })
          expect(page.payments.map((x) => x.captured.amount)).toEqual([amount])
        })
      ))

    it("a stored error of a tag this version does not know reads as StoreFailure naming the key", () =>
      run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const store = yield* PaymentStore.PaymentStore
          const record = JSON.stringify({
            merchant: "acct_1",
            key: "k_future",
            operation: "capture",
            paymentId: "pay_1",
            request: {},
            outcome: { _tag: "Failure", error: { _tag: "FromTheFuture", x: 1 } },
            at: 1
          })
          yield* sql`INSERT INTO paykit_payments_idempotency (merchant, key, payment_id, at, record)
            VALUES ('acct_1', 'k_future', 'pay_1', 1, ${record}::jsonb)`
          const error = yield* Effect.flip(store.idempotency("acct_1", "k_future"))
          expect(error._tag).toBe("StoreFailure")
          expect(error.message).toContain("k_future")
          expect(error.message).toContain("FromTheFuture")
        })
      ))

    it("a database failure is StoreFailure naming the operation", () =>
      run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const store = yield* PaymentStore.PaymentStore
          yield* sql`DROP TABLE paykit_payments_idempotency`
          const read = yield* Effect.flip(store.idempotency("acct_1", "k"))
          expect(read).toMatchObject({ _tag: "StoreFailure", operation: "idempotency" })
          const p = PaymentStoreContract.samplePayment("pay_1", "created")
          const write = yield* Effect.flip(
            store.commit({
              ...newPayment(p),
              idempotency: {
                merchant: "acct_1",
                key: "k",
                operation: "create",
                paymentId: p.id,
                request: {},
                outcome: { _tag: "Success", payment: p },
                at: 1
              }
            })
          )
          expect(write).toMatchObject({ _tag: "StoreFailure", operation: "commit" })
          // nothing of the change was kept
          expect(Option.isNone(yield* store.get(p.id))).toBe(true)
        })
      ))
  })

joinTests("PGlite", pglite)

// PostgreSQL: a fresh schema per store on the server named by PAYKIT_TEST_DATABASE_URL.
describe.skipIf(serverUrl === undefined)("PaymentStorePostgres on a PostgreSQL server", () => {
  const layer = (maxConnections = 8) =>
    TestStores.serverWith(serverUrl!, "pay", PaymentStorePostgres.layer, { maxConnections })

  PaymentStoreContract.suite<SqlClient.SqlClient>("PostgreSQL", layer(), {
    numRuns: 10,
    deliveredEvents: delivered
  })
})

describe.skipIf(serverUrl === undefined)("PaymentStorePostgres on a PostgreSQL server, three pools", () => {
  const layer = (maxConnections = 8) =>
    TestStores.serverWith(serverUrl!, "pay", PaymentStorePostgres.layer, { maxConnections })

  joinTests("a PostgreSQL server", () => layer())

  /** Three stores (three pools) on one schema: writers on different connections race for real. */
  const threeStores = <A, E>(
    f: (
      stores: ReadonlyArray<PaymentStore.PaymentStore["Service"]>,
      sql: SqlClient.SqlClient
    ) => Effect.Effect<A, E>
  ) =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const first = yield* Layer.build(layer(10))
          const schema = Context.get(first, Database.DatabaseInfo).schema
          const others = yield* Effect.forEach([0, 1], () =>
            Layer.build(PaymentStorePostgres.layer({ url: serverUrl!, schema, maxConnections: 10 }))
          )
          return yield* f(
            [first, ...others].map((c) => Context.get(c, PaymentStore.PaymentStore)),
            Context.get(first, SqlClient.SqlClient)
          )
        })
      ) as Effect.Effect<A, unknown>
    )

  /** One step exclusively on `store`: read, decide with the pure step, commit at the version read. */
  const step = (
    store: PaymentStore.PaymentStore["Service"],
    id: string,
    decide: (p: Payment.Payment) => Result.Result<Payment.Payment, unknown>,
    n: number
  ) =>
    store.exclusive(
      id,
      Effect.gen(function* () {
        const s = Option.getOrThrow(yield* store.get(id))
        // widen the window between the read and the commit
        yield* Effect.sleep("5 millis")
        const next = decide(s.payment)
        if (Result.isFailure(next)) return yield* Effect.fail(next.failure)
        yield* store.commit({
          paymentId: id,
          payment: next.success,
          expectedVersion: s.payment.version,
          timeline: [],
          events: [PaymentStoreContract.sampleEvent(n, id)]
        })
        return next.success
      })
    )

  it("20 fibers on three pools refund 1,000 each of a 10,000 capture: exactly 10 succeed, the refunds sum to 10,000", () =>
    threeStores((stores, sql) =>
      Effect.gen(function* () {
        const p = PaymentStoreContract.samplePayment("pay_refunds", "captured", { amount: 10_000n })
        yield* stores[0]!.commit(newPayment(p, []))
        const results = yield* Effect.forEach(
          Array.from({ length: 20 }, (_, i) => i),
          (i) =>
            Effect.result(
              step(
                stores[i % 3]!,
                p.id,
                (x) => Steps.refund(x, { amount: 1_000n, reason: "requested_by_customer" }, 10_000 + i),
                100 + i
              )
            ),
          { concurrency: "unbounded" }
        )
        expect(results.filter(Result.isSuccess)).toHaveLength(10)
        for (const r of results)
          if (Result.isFailure(r)) expect((r.failure as { _tag: string })._tag).toBe("AmountExceeded")
        const stored = Option.getOrThrow(yield* stores[2]!.get(p.id)).payment
        expect(stored.refunds).toHaveLength(10)
        expect(stored.refunds.reduce((s, r) => s + r.amount.amount, 0n)).toBe(10_000n)
        expect(stored.version).toBe(p.version + 10)
        const [outbox] = yield* sql<{
          n: number
        }>`SELECT coalesce(sum(count), 0)::int AS n FROM paykit_outbox`
        expect(Number(outbox?.n)).toBe(10)
      })
    ))

  it("captures and voids racing on one authorised payment across pools: exactly one wins, the others see it moved", () =>
    threeStores((stores) =>
      Effect.gen(function* () {
        const p = PaymentStoreContract.samplePayment("pay_race", "authorised")
        yield* stores[0]!.commit(newPayment(p, []))
        const results = yield* Effect.forEach(
          Array.from({ length: 12 }, (_, i) => i),
          (i) =>
            Effect.result(
              step(
                stores[i % 3]!,
                p.id,
                (x) =>
                  i % 2 === 0
                    ? Steps.capture(x, {}, 20_000 + i)
                    : Steps.cancel(x, "requested_by_customer", "merchant", 20_000 + i),
                200 + i
              )
            ),
          { concurrency: "unbounded" }
        )
        const winners = results.flatMap((r, i) => (Result.isSuccess(r) ? [i] : []))
        expect(winners).toHaveLength(1)
        for (const r of results)
          if (Result.isFailure(r)) expect((r.failure as { _tag: string })._tag).toBe("IllegalTransition")
        const stored = Option.getOrThrow(yield* stores[1]!.get(p.id)).payment
        expect(stored.status).toBe(winners[0]! % 2 === 0 ? "succeeded" : "canceled")
        expect(stored.version).toBe(p.version + 1)
      })
    ))
})
