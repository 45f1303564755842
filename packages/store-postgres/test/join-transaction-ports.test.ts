import { AccountStore } from "@paykit/accounts"
import { QuoteStore } from "@paykit/fx"
import { QuoteStoreContract } from "@paykit/fx/testing"
import { VelocityStore } from "@paykit/risk"
import { Effect, type Layer, Option } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import { serverUrl } from "./support/env.ts"
import { type Backend, outboxRows, pgliteBackend, relayAll, serverBackend } from "./support/events-stores.ts"
import { opening, testEvent } from "./support/events-suite.ts"

/**
 * Writes join the caller's transaction: a write made inside the caller's
 * `SqlClient.withTransaction` (the client the layer provides) that the caller then rolls back
 * leaves no row and no outbox event; one the caller commits is visible with its events; a refused
 * write inside the caller's transaction rolls back only itself (a savepoint).
 */

class Rollback {
  readonly _tag = "Rollback"
}

const run = <A, E, S>(
  layer: Layer.Layer<S | SqlClient.SqlClient, unknown>,
  effect: Effect.Effect<A, E, S | SqlClient.SqlClient>
) => Effect.runPromise(Effect.provide(effect, layer) as Effect.Effect<A, unknown>)

/** Runs `write` in the caller's transaction, then fails it: the transaction rolls back. */
const rolledBack = <A, E, R>(write: Effect.Effect<A, E, R>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.withTransaction(Effect.andThen(write, Effect.fail(new Rollback()))).pipe(Effect.flip)
  )

const committed = <A, E, R>(write: Effect.Effect<A, E, R>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.withTransaction(write))

const ids = (events: ReadonlyArray<{ readonly id: string }>) => events.map((e) => e.id)

const suite = (backend: Backend) =>
  describe(`writes join the caller's transaction on ${backend.name}`, () => {
    it("AccountStore.commit: rolled back with the caller, nothing is kept; committed with the caller, the account and its events are; a refused commit inside rolls back only itself", () =>
      run(
        backend.accounts(),
        Effect.gen(function* () {
          const store = yield* AccountStore.AccountStore
          const write = (id: string, n: number) =>
            store.commit({
              accounts: opening(id),
              index: [{ kind: "email", key: `h-${id}`, accountId: id }],
              events: [testEvent(n, id)]
            })
          expect((yield* rolledBack(write("a1", 1)))._tag).toBe("Rollback")
          expect(Option.isNone(yield* store.getAccount("a1"))).toBe(true)
          expect(Option.isNone(yield* store.findIndex("email", "h-a1"))).toBe(true)
          expect(yield* outboxRows).toEqual([])

          yield* committed(
            Effect.gen(function* () {
              yield* write("a1", 2)
              // seen inside the caller's transaction
              expect(Option.isSome(yield* store.getAccount("a1"))).toBe(true)
              // refused (version 0 again): its savepoint rolls back, the caller goes on
              const refused = yield* Effect.flip(write("a1", 3))
              expect(refused._tag).toBe("StoreFailure")
              yield* write("a2", 4)
            })
          )
          expect((yield* store.dump).accounts.map((a) => a.id)).toEqual(["a1", "a2"])
          expect((yield* outboxRows).map((r) => ids(r.events))).toEqual([
            [testEvent(2, "a1").id],
            [testEvent(4, "a2").id]
          ])
          expect(ids(yield* relayAll())).toEqual([testEvent(2, "a1").id, testEvent(4, "a2").id])
        })
      ))

    it("QuoteStore.save and consume: rolled back with the caller, the quote stays unsaved or unused and no event is kept; committed, both are kept with their events", () =>
      run(
        backend.quotes(),
        Effect.gen(function* () {
          const store = yield* QuoteStore.QuoteStore
          const q1 = QuoteStoreContract.sampleQuote("01J000000000000000000000Q1", 0, 60_000)
          const q2 = QuoteStoreContract.sampleQuote("01J000000000000000000000Q2", 0, 60_000)
          expect((yield* rolledBack(store.save(q1, [testEvent(1, q1.id)])))._tag).toBe("Rollback")
          expect((yield* Effect.flip(store.get(q1.id)))._tag).toBe("QuoteNotFound")
          // without events the save is one statement: it joins all the same
          expect((yield* rolledBack(store.save(q1)))._tag).toBe("Rollback")
          expect((yield* Effect.flip(store.get(q1.id)))._tag).toBe("QuoteNotFound")
          expect(yield* outboxRows).toEqual([])

          yield* committed(
            Effect.gen(function* () {
              yield* store.save(q1, [testEvent(2, q1.id)])
              // a duplicate inside the caller's transaction rolls back only itself
              expect((yield* Effect.flip(store.save(q1, [testEvent(3, q1.id)])))._tag).toBe("DuplicateQuote")
              yield* store.save(q2, [testEvent(4, q2.id)])
            })
          )
          expect((yield* rolledBack(store.consume(q1.id, 10, (q) => [testEvent(5, q.id)])))._tag).toBe(
            "Rollback"
          )
          expect((yield* store.get(q1.id)).usedAt).toBe(null)
          yield* committed(store.consume(q1.id, 11, (q) => [testEvent(6, q.id)]))
          expect((yield* store.get(q1.id)).usedAt).toBe(11)
          expect((yield* outboxRows).map((r) => ids(r.events))).toEqual([
            [testEvent(2, q1.id).id],
            [testEvent(4, q2.id).id],
            [testEvent(6, q1.id).id]
          ])
        })
      ))

    it("VelocityStore.record: rolled back with the caller, no history and no event is kept; committed, both are", () =>
      run(
        backend.velocity(),
        Effect.gen(function* () {
          const store = yield* VelocityStore.VelocityStore
          const event = (id: string, at: number) => ({
            id,
            at,
            amountRef: 5n,
            declined: false,
            customer: "cus_1"
          })
          expect((yield* rolledBack(store.record(event("p1", 1), [testEvent(1, "cus_1")])))._tag).toBe(
            "Rollback"
          )
          expect(yield* store.history("customer", "cus_1")).toEqual([])
          expect(yield* outboxRows).toEqual([])
          yield* committed(
            Effect.gen(function* () {
              yield* store.record(event("p2", 2), [testEvent(2, "cus_1")])
              yield* store.record(event("p3", 3), [testEvent(3, "cus_1")])
              expect((yield* store.history("customer", "cus_1")).map((e) => e.id)).toEqual(["p2", "p3"])
            })
          )
          expect((yield* store.history("customer", "cus_1")).map((e) => e.id)).toEqual(["p2", "p3"])
          expect((yield* outboxRows).map((r) => ids(r.events))).toEqual([
            [testEvent(2, "cus_1").id],
            [testEvent(3, "cus_1").id]
          ])
        })
      ))
  })

suite(pgliteBackend)
describe.skipIf(serverUrl === undefined)("on a PostgreSQL server", () => {
  suite(serverBackend(serverUrl ?? ""))
})
