import { QuoteStore, QuoteStoreUnavailable } from "@paykit/fx"
import { QuoteStoreContract } from "@paykit/fx/testing"
import { Cause, Effect, Exit } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import * as QuoteStorePostgres from "../src/fx/QuoteStorePostgres.ts"
import { TestStores } from "../src/testing/index.ts"

// One PGlite for the whole file; every test gets a fresh schema on it.
const layer = () =>
  TestStores.pgliteSharedWith("quote", (schema) => QuoteStorePostgres.layerClient({ schema }))

QuoteStoreContract.suite("PGlite", layer())

const run = <A, E>(effect: Effect.Effect<A, E, QuoteStore.QuoteStore | SqlClient.SqlClient>) =>
  Effect.runPromise(Effect.provide(effect, layer()) as Effect.Effect<A, E>)

describe("QuoteStorePostgres on PGlite", () => {
  it("amounts are stored as exact numeric minor units and strings, never floats", () =>
    run(
      Effect.gen(function* () {
        const store = yield* QuoteStore.QuoteStore
        const sql = yield* SqlClient.SqlClient
        const amount = 9_007_199_254_740_993n // 2^53 + 1: a float would round it
        const q = QuoteStoreContract.sampleQuote("01J0000000000000000000000A", 0, 60_000, amount)
        yield* store.save(q)
        const [row] = yield* sql<{
          principal: string
          received: string
          kind: string
          requested: string
        }>`SELECT principal::text AS principal, received::text AS received,
            jsonb_typeof(quote -> 'requested' -> 'amount') AS kind,
            quote -> 'requested' ->> 'amount' AS requested
          FROM paykit_fx_quotes`
        expect(row).toEqual({
          principal: q.principal.amount.toString(),
          received: q.received.amount.toString(),
          kind: "string",
          requested: amount.toString()
        })
        expect((yield* store.get(q.id)).quote.requested.amount).toBe(amount)
      })
    ))

  it("a database failure is QuoteStoreUnavailable, not a wrong answer", async () => {
    const exit = await Effect.runPromiseExit(
      Effect.gen(function* () {
        const store = yield* QuoteStore.QuoteStore
        const sql = yield* SqlClient.SqlClient
        yield* sql`DROP TABLE paykit_fx_quotes`
        return yield* store.consume("01J0000000000000000000000A", 0)
      }).pipe(Effect.provide(layer()))
    )
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit)) {
      const error = Cause.squash(exit.cause)
      expect(error).toBeInstanceOf(QuoteStoreUnavailable)
      expect(error).toMatchObject({ _tag: "QuoteStoreUnavailable", operation: "consume" })
    }
  })
})
