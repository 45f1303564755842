import { QuoteStore } from "@paykit/fx"
import { QuoteStoreContract } from "@paykit/fx/testing"
import { Context, Effect, Layer, Result } from "effect"
import { describe, expect, it } from "vitest"
import * as Database from "../src/Database.ts"
import * as QuoteStorePostgres from "../src/fx/QuoteStorePostgres.ts"
import { TestStores } from "../src/testing/index.ts"
import { serverUrl } from "./support/env.ts"

// PostgreSQL: a fresh schema per store on the server named by PAYKIT_TEST_DATABASE_URL.
describe.skipIf(serverUrl === undefined)("QuoteStorePostgres on a PostgreSQL server", () => {
  const layer = (maxConnections = 8) =>
    TestStores.serverWith(serverUrl!, "quote", QuoteStorePostgres.layer, { maxConnections })

  QuoteStoreContract.suite("PostgreSQL", layer(), { fibers: 40 })

  /** Three stores (three pools) on one schema: consumers on different connections race for real. */
  const threeStores = <A, E>(
    f: (stores: ReadonlyArray<QuoteStore.QuoteStore["Service"]>) => Effect.Effect<A, E>
  ) =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const first = yield* Layer.build(layer(10))
          const schema = Context.get(first, Database.DatabaseInfo).schema
          const others = yield* Effect.forEach([0, 1], () =>
            Layer.build(QuoteStorePostgres.layer({ url: serverUrl!, schema, maxConnections: 10 }))
          )
          return yield* f([first, ...others].map((c) => Context.get(c, QuoteStore.QuoteStore)))
        })
      ) as Effect.Effect<A, unknown>
    )

  it("60 fibers on three pools consume one quote: exactly one gets it, the rest QuoteAlreadyUsed", () =>
    threeStores((stores) =>
      Effect.gen(function* () {
        const q = QuoteStoreContract.sampleQuote("01J000000000000000000000AA", 1_000, 60_000)
        yield* stores[0]!.save(q)
        const results = yield* Effect.forEach(
          Array.from({ length: 60 }, (_, i) => i),
          (i) => Effect.result(stores[i % 3]!.consume(q.id, 2_000 + i)),
          { concurrency: "unbounded" }
        )
        const winners = results.flatMap((r, i) => (Result.isSuccess(r) ? [i] : []))
        expect(winners).toHaveLength(1)
        const usedAt = 2_000 + winners[0]!
        for (const r of results) {
          if (Result.isFailure(r)) expect(r.failure).toMatchObject({ _tag: "QuoteAlreadyUsed", usedAt })
        }
        expect((yield* stores[2]!.get(q.id)).usedAt).toBe(usedAt)
      })
    ))

  it("many quotes consumed concurrently from three pools: each exactly once", () =>
    threeStores((stores) =>
      Effect.gen(function* () {
        const ids = Array.from(
          { length: 20 },
          (_, i) => `01J0000000000000000000Q${String(i).padStart(3, "0")}`
        )
        for (const id of ids) yield* stores[0]!.save(QuoteStoreContract.sampleQuote(id, 1_000, 60_000))
        const attempts = ids.flatMap((id) => [0, 1, 2, 3, 4, 5].map((k) => ({ id, k })))
        const results = yield* Effect.forEach(
          attempts,
          ({ id, k }) => Effect.result(stores[k % 3]!.consume(id, 5_000)),
          { concurrency: 40 }
        )
        for (const id of ids) {
          const mine = results.filter((_, i) => attempts[i]!.id === id)
          expect(mine.filter(Result.isSuccess)).toHaveLength(1)
        }
      })
    ))

  it("consumers before and after expiry racing on three pools: one success, never an expired one", () =>
    threeStores((stores) =>
      Effect.gen(function* () {
        const q = QuoteStoreContract.sampleQuote("01J000000000000000000000EX", 1_000, 60_000)
        yield* stores[0]!.save(q)
        // half the consumers are already past expiry: they must see QuoteExpired or QuoteAlreadyUsed
        const results = yield* Effect.forEach(
          Array.from({ length: 30 }, (_, i) => i),
          (i) => Effect.result(stores[i % 3]!.consume(q.id, i % 2 === 0 ? 30_000 : 61_000)),
          { concurrency: "unbounded" }
        )
        const ok = results.flatMap((r, i) => (Result.isSuccess(r) ? [i] : []))
        expect(ok).toHaveLength(1)
        expect(ok[0]! % 2).toBe(0)
        for (const [i, r] of results.entries()) {
          if (Result.isFailure(r) && i % 2 === 0) expect(r.failure._tag).toBe("QuoteAlreadyUsed")
          if (Result.isFailure(r) && i % 2 === 1)
            expect(["QuoteAlreadyUsed", "QuoteExpired"]).toContain(r.failure._tag)
        }
      })
    ))
})
