import { Ids, Notifier } from "@paykit/core"
import { Ledger, type LedgerStore } from "@paykit/ledger"
import { PaymentProvider, Payments, type PaymentStore } from "@paykit/payments"
import { Fixtures, TestProvider } from "@paykit/payments/testing"
import { type Context, Effect, Exit, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import type * as Database from "../src/Database.ts"
import * as LedgerStorePostgres from "../src/ledger/LedgerStorePostgres.ts"
import * as PaymentStorePostgres from "../src/payments/PaymentStorePostgres.ts"
import { TestStores } from "../src/testing/index.ts"
import { serverUrl } from "./support/env.ts"

const WALLET = "customer:cus_1:wallet:EUR"
const PENDING = "merchant:m_1:pending:EUR"

/** The payments service with its store and the ledger's on one database, and a given provider. */
const service = (
  stores: Layer.Layer<PaymentStore.PaymentStore | LedgerStore.LedgerStore | SqlClient.SqlClient, unknown>,
  provider: PaymentProvider.PaymentProvider["Service"]
) =>
  Payments.layer({ books: { _tag: "wallet" } }).pipe(
    Layer.provideMerge(Layer.succeed(PaymentProvider.PaymentProvider, provider)),
    Layer.provideMerge(Ledger.layer()),
    Layer.provideMerge(stores),
    Layer.provideMerge(Layer.mergeAll(Ids.layer, Notifier.layerMemory))
  )

const setup = Fixtures.openWalletBooks(1_000_000n)

const payment = (id: string, captureMethod: "automatic" | "manual") =>
  Effect.flatMap(Payments.Payments, (s) =>
    Effect.andThen(
      s.create({
        id,
        merchant: "m_1",
        customer: "cus_1",
        paymentMethod: "pm_approve",
        amount: { amount: "10000", currency: "EUR" },
        captureMethod
      }),
      s.confirm(id)
    )
  )

const balances = Effect.gen(function* () {
  const ledger = yield* Ledger.Ledger
  const w = yield* ledger.balances(WALLET)
  const m = yield* ledger.balances(PENDING)
  return { wallet: w.posted.amount, held: w.posted.amount - w.available.amount, merchant: m.posted.amount }
})

const outboxRows = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.map(sql<{ n: number }>`SELECT count(*)::int AS n FROM paykit_outbox`, (r) => Number(r[0]?.n ?? 0))
)

const rollbackTests = (
  name: string,
  stores: () => Layer.Layer<
    PaymentStore.PaymentStore | LedgerStore.LedgerStore | SqlClient.SqlClient,
    unknown
  >
) =>
  describe(`Payments on ${name}: a step joins the caller's transaction`, () => {
    it(
      "a capture inside the caller's transaction that rolls back leaves the payment, the ledger and the outbox as they were; a committed one changes all three",
      () =>
        Effect.runPromise(
          Effect.gen(function* () {
            const { provider } = yield* TestProvider.make()
            return yield* Effect.gen(function* () {
              const sql = yield* SqlClient.SqlClient
              const s = yield* Payments.Payments
              yield* setup
              yield* payment("pay_rb", "manual")
              const before = {
                payment: yield* s.get("pay_rb"),
                books: yield* balances,
                outbox: yield* outboxRows
              }
              expect(before.books).toEqual({ wallet: 1_000_000n, held: 10_000n, merchant: 0n })
              const aborted = yield* Effect.exit(
                sql.withTransaction(
                  Effect.andThen(s.capture("pay_rb", { amount: "4000" }), Effect.fail("the caller aborts"))
                )
              )
              expect(Exit.isFailure(aborted)).toBe(true)
              expect({
                payment: yield* s.get("pay_rb"),
                books: yield* balances,
                outbox: yield* outboxRows
              }).toEqual(before)
              yield* sql.withTransaction(s.capture("pay_rb", { amount: "4000" }))
              expect((yield* s.get("pay_rb")).status).toBe("succeeded")
              expect(yield* balances).toEqual({ wallet: 996_000n, held: 0n, merchant: 4_000n })
              expect(yield* outboxRows).toBeGreaterThan(before.outbox)
            }).pipe(Effect.provide(service(stores(), provider)))
          }) as Effect.Effect<void, unknown>
        ),
      60_000
    )
    it(
      "a refusal the provider decided is committed with its idempotency record: the same key replays it, even after the capture would now succeed",
      () =>
        Effect.runPromise(
          Effect.gen(function* () {
            const { provider } = yield* TestProvider.make()
            return yield* Effect.gen(function* () {
              const s = yield* Payments.Payments
              yield* setup
              yield* s.create({
                id: "pay_k",
                merchant: "m_1",
                customer: "cus_1",
                paymentMethod: "pm_capture_fails_once",
                amount: { amount: "3000", currency: "EUR" },
                captureMethod: "manual"
              })
              yield* s.confirm("pay_k")
              const first = yield* Effect.flip(s.capture("pay_k", {}, { idempotencyKey: "cap-1" }))
              expect(first._tag).toBe("ProviderRefused")
              const replay = yield* Effect.flip(s.capture("pay_k", {}, { idempotencyKey: "cap-1" }))
              expect(replay).toEqual(first)
              expect((yield* s.timeline("pay_k")).map((e) => e.stage)).toContain("capture_failed")
              expect((yield* s.capture("pay_k", {}, { idempotencyKey: "cap-2" })).status).toBe("succeeded")
            }).pipe(Effect.provide(service(stores(), provider)))
          }) as Effect.Effect<void, unknown>
        ),
      60_000
    )
  })

rollbackTests("PGlite", () =>
  TestStores.pgliteSharedWith("paysvc", (schema) =>
    PaymentStorePostgres.layerClient({ schema }).pipe(
      Layer.provideMerge(LedgerStorePostgres.layerClient({ schema }))
    )
  )
)

describe.skipIf(serverUrl === undefined)(
  "Payments on a PostgreSQL server, three services on three pools",
  () => {
    const onServer = (config: Database.DatabaseConfig) =>
      PaymentStorePostgres.layerClient({ schema: config.schema }).pipe(
        Layer.provideMerge(LedgerStorePostgres.layer(config))
      )

    rollbackTests("a PostgreSQL server", () => TestStores.serverWith(serverUrl!, "paysvc", onServer))

    /** Three services on one schema, each with its own pool, sharing one provider. */
    const threeServices = <A, E>(
      f: (services: ReadonlyArray<Context.Context<Payments.Payments | Ledger.Ledger>>) => Effect.Effect<A, E>
    ) =>
      Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const { provider } = yield* TestProvider.make()
            const first = yield* Layer.build(
              service(TestStores.serverWith(serverUrl!, "paysvc", onServer, { maxConnections: 10 }), provider)
            )
            const [row] = yield* Effect.provide(
              Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ s: string }>`SELECT current_schema() AS s`),
              first
            )
            const schema = row!.s
            const others = yield* Effect.forEach([0, 1], () =>
              Layer.build(service(onServer({ url: serverUrl!, schema, maxConnections: 10 }), provider))
            )
            return yield* f([first, ...others])
          })
        ) as Effect.Effect<A, unknown>
      )

    it(
      "20 concurrent partial refunds through three services refund at most the captured amount, and the books agree",
      () =>
        threeServices((ctx) =>
          Effect.gen(function* () {
            yield* Effect.provide(Effect.andThen(setup, payment("pay_race", "automatic")), ctx[0]!)
            const exits = yield* Effect.forEach(
              Array.from({ length: 20 }, (_, i) => i),
              (i) =>
                Effect.exit(
                  Effect.provide(
                    Effect.flatMap(Payments.Payments, (s) =>
                      s.refund("pay_race", { amount: "1500", reason: "requested_by_customer" })
                    ),
                    ctx[i % 3]!
                  )
                ),
              { concurrency: "unbounded" }
            )
            const won = exits.filter(Exit.isSuccess).length
            // 10,000 captured: six refunds of 1,500 fit (9,000), the seventh would not
            expect(won).toBe(6)
            for (const e of exits.filter(Exit.isFailure))
              expect(JSON.stringify(e.cause)).toContain("AmountExceeded")
            const p = yield* Effect.provide(
              Effect.flatMap(Payments.Payments, (s) => s.get("pay_race")),
              ctx[1]!
            )
            expect(p.refunded.amount).toBe(9_000n)
            expect(yield* Effect.provide(balances, ctx[2]!)).toEqual({
              wallet: 999_000n,
              held: 0n,
              merchant: 1_000n
            })
          })
        ),
      120_000
    )

    it(
      "a capture and a cancel of one authorisation racing through three services: exactly one wins",
      () =>
        threeServices((ctx) =>
          Effect.gen(function* () {
            yield* Effect.provide(Effect.andThen(setup, payment("pay_cv", "manual")), ctx[0]!)
            const exits = yield* Effect.forEach(
              Array.from({ length: 6 }, (_, i) => i),
              (i) =>
                Effect.exit(
                  Effect.provide(
                    Effect.flatMap(Payments.Payments, (s) =>
                      i % 2 === 0 ? s.capture("pay_cv") : s.cancel("pay_cv", { reason: "abandoned" })
                    ),
                    ctx[i % 3]!
                  )
                ),
              { concurrency: "unbounded" }
            )
            expect(exits.filter(Exit.isSuccess)).toHaveLength(1)
            const p = yield* Effect.provide(
              Effect.flatMap(Payments.Payments, (s) => s.get("pay_cv")),
              ctx[1]!
            )
            const books = yield* Effect.provide(balances, ctx[2]!)
            if (p.status === "succeeded")
              expect(books).toEqual({ wallet: 990_000n, held: 0n, merchant: 10_000n })
            else {
              expect(p.status).toBe("canceled")
              expect(books).toEqual({ wallet: 1_000_000n, held: 0n, merchant: 0n })
            }
          })
        ),
      120_000
    )
  }
)
