import { AccountStore } from "@paykit/accounts"
import { AccountStoreContract } from "@paykit/accounts/testing"
import { DomainEvent } from "@paykit/core"
import { QuoteStore } from "@paykit/fx"
import { QuoteStoreContract } from "@paykit/fx/testing"
import { VelocityStore } from "@paykit/risk"
import { Cause, Effect, Exit, type Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import {
  type Backend,
  failNextOutboxInsertOnce,
  outboxInsertAttempts,
  outboxRows,
  relayAll
} from "./events-stores.ts"

/** A test event: id `…<n>` (a valid ULID shape), about `subject`. */
export const testEvent = (
  n: number,
  subject: string,
  type = "test.thing.happened"
): DomainEvent.DomainEvent =>
  DomainEvent.make({
    id: `01J0000000000000000000${String(n).padStart(4, "0")}`,
    type,
    at: 1_000 + n,
    subject,
    data: { n, amount: String(n * 100) }
  })

/** An account's first version, as a commit's `accounts`. */
export const opening = (id: string): NonNullable<AccountStore.Transaction["accounts"]> => [
  { account: AccountStoreContract.account(id, 1), expectedVersion: 0 }
]

const ids = (events: ReadonlyArray<DomainEvent.DomainEvent>) => events.map((e) => e.id)

const run = <A, E, S>(
  layer: Layer.Layer<S | SqlClient.SqlClient, unknown>,
  effect: Effect.Effect<A, E, S | SqlClient.SqlClient>
) => Effect.runPromise(Effect.provide(effect, layer) as Effect.Effect<A, unknown>)

/** A defect whose message names a bigint, or a failure: the exit of a write with a bigint in an event. */
const expectBigintDefect = (exit: Exit.Exit<unknown, unknown>) => {
  expect(Exit.isFailure(exit)).toBe(true)
  if (Exit.isFailure(exit)) {
    expect(Cause.hasDies(exit.cause)).toBe(true)
    expect(String(Cause.squash(exit.cause))).toMatch(/bigint under "amount".*JSON-safe/)
  }
}

const bigintEvent = (n: number, subject: string): DomainEvent.DomainEvent => ({
  ...testEvent(n, subject),
  data: { amount: 5n }
})

/**
 * For each of the accounts, FX and risk adapters on `backend`: a committed change's events are in
 * the outbox once, in order, and the relay delivers them; a refused or failed change leaves no
 * outbox row; a transparent re-run of the transaction leaves one row.
 */
export const adapterSuite = (backend: Backend): void => {
  describe(`AccountStorePostgres events on ${backend.name}`, () => {
    it("a committed change's events are in the outbox once, in order (one row per commit, none without events), and the relay delivers them", () =>
      run(
        backend.accounts(),
        Effect.gen(function* () {
          const store = yield* AccountStore.AccountStore
          yield* store.commit({
            accounts: opening("a1"),
            events: [testEvent(1, "a1"), testEvent(2, "a1")]
          })
          yield* store.commit({
            accounts: opening("a2")
          })
          yield* store.commit({
            accounts: [{ account: AccountStoreContract.account("a1", 2), expectedVersion: 1 }],
            events: [testEvent(3, "a1")]
          })
          yield* store.commit({ events: [testEvent(4, "a2")] }) // events only
          yield* store.commit({ events: [] })
          const rows = yield* outboxRows
          expect(rows.map((r) => [r.count, ids(r.events)])).toEqual([
            [2, ids([testEvent(1, "a1"), testEvent(2, "a1")])],
            [1, ids([testEvent(3, "a1")])],
            [1, ids([testEvent(4, "a2")])]
          ])
          expect(rows[0]!.events[0]).toEqual(testEvent(1, "a1"))
          const delivered = yield* relayAll(2)
          expect(ids(delivered)).toEqual(ids([1, 2, 3, 4].map((n) => testEvent(n, n === 4 ? "a2" : "a1"))))
          expect((yield* outboxRows).every((r) => r.sent)).toBe(true)
          expect(yield* relayAll()).toEqual([])
        })
      ))

    it("a refused or failed commit leaves no outbox row: stale version, index key taken, a failing statement, a bigint in an event", () =>
      run(
        backend.accounts(),
        Effect.gen(function* () {
          const store = yield* AccountStore.AccountStore
          yield* store.commit({
            accounts: opening("a1"),
            index: [{ kind: "email", key: "h-1", accountId: "a1" }],
            events: [testEvent(1, "a1")]
          })
          const stale = yield* Effect.flip(
            store.commit({
              accounts: opening("a1"),
              events: [testEvent(2, "a1")]
            })
          )
          expect(stale._tag).toBe("StoreFailure")
          const taken = yield* Effect.flip(
            store.commit({
              accounts: opening("a2"),
              index: [{ kind: "email", key: "h-1", accountId: "a2" }],
              events: [testEvent(3, "a2")]
            })
          )
          expect(taken._tag).toBe("StoreFailure")
          // an audit version that is not a bigint fails the last data statement
          const failing = yield* Effect.flip(
            store.commit({
              accounts: opening("a3"),
              audit: [
                { id: "au", at: 0, accountId: "a3", actor: "system", action: "x", version: 1.5, changes: [] }
              ],
              events: [testEvent(4, "a3")]
            })
          )
          expect(failing._tag).toBe("StoreFailure")
          expectBigintDefect(
            yield* Effect.exit(
              store.commit({
                accounts: opening("a4"),
                events: [testEvent(5, "a4"), bigintEvent(6, "a4")]
              })
            )
          )
          expect((yield* store.dump).accounts.map((a) => a.id)).toEqual(["a1"])
          const rows = yield* outboxRows
          expect(rows.map((r) => ids(r.events))).toEqual([[testEvent(1, "a1").id]])
          expect(ids(yield* relayAll())).toEqual([testEvent(1, "a1").id])
        })
      ))

    it("a commit re-run after a serialization failure stores its events once", () =>
      run(
        backend.accounts(),
        Effect.gen(function* () {
          const store = yield* AccountStore.AccountStore
          yield* failNextOutboxInsertOnce
          yield* store.commit({
            accounts: opening("a1"),
            events: [testEvent(1, "a1"), testEvent(2, "a1")]
          })
          expect(yield* outboxInsertAttempts).toBe(2)
          expect((yield* outboxRows).map((r) => ids(r.events))).toEqual([
            ids([testEvent(1, "a1"), testEvent(2, "a1")])
          ])
          expect((yield* store.dump).accounts.map((a) => a.version)).toEqual([1])
        })
      ))
  })

  describe(`QuoteStorePostgres events on ${backend.name}`, () => {
    const q1 = QuoteStoreContract.sampleQuote("01J000000000000000000000Q1", 0, 60_000)
    const q2 = QuoteStoreContract.sampleQuote("01J000000000000000000000Q2", 0, 60_000)
    const q3 = QuoteStoreContract.sampleQuote("01J000000000000000000000Q3", 0, 1_000)

    it("save and a successful consume store their events once, in order; without events nothing; the relay delivers them", () =>
      run(
        backend.quotes(),
        Effect.gen(function* () {
          const store = yield* QuoteStore.QuoteStore
          yield* store.save(q1, [testEvent(1, q1.id, "test.quote.locked")])
          yield* store.save(q2)
          yield* store.save(q3, [])
          const consumed = yield* store.consume(q1.id, 10, (q) => [
            testEvent(2, q.id, "test.quote.executed"),
            testEvent(3, q.id, "test.quote.settled")
          ])
          expect(consumed.id).toBe(q1.id)
          yield* store.consume(q2.id, 10)
          const rows = yield* outboxRows
          expect(rows.map((r) => [r.count, ids(r.events)])).toEqual([
            [1, [testEvent(1, q1.id).id]],
            [2, [testEvent(2, q1.id).id, testEvent(3, q1.id).id]]
          ])
          const delivered = yield* relayAll()
          expect(delivered.map((e) => [e.subject, e.type])).toEqual([
            [q1.id, "test.quote.locked"],
            [q1.id, "test.quote.executed"],
            [q1.id, "test.quote.settled"]
          ])
        })
      ))

    it("a duplicate quote, an unknown, used or expired quote and a bigint in an event leave no outbox row", () =>
      run(
        backend.quotes(),
        Effect.gen(function* () {
          const store = yield* QuoteStore.QuoteStore
          yield* store.save(q1, [testEvent(1, q1.id)])
          yield* store.save(q3)
          const events = (q: { readonly id: string }) => [testEvent(9, q.id)]
          expect((yield* Effect.flip(store.save(q1, [testEvent(2, q1.id)])))._tag).toBe("DuplicateQuote")
          expect((yield* Effect.flip(store.consume(q2.id, 10, events)))._tag).toBe("QuoteNotFound")
          expect((yield* Effect.flip(store.consume(q3.id, 5_000, events)))._tag).toBe("QuoteExpired")
          yield* store.consume(q1.id, 10)
          expect((yield* Effect.flip(store.consume(q1.id, 11, events)))._tag).toBe("QuoteAlreadyUsed")
          expectBigintDefect(yield* Effect.exit(store.save(q2, [bigintEvent(3, q2.id)])))
          expect((yield* Effect.flip(store.get(q2.id)))._tag).toBe("QuoteNotFound")
          expectBigintDefect(yield* Effect.exit(store.consume(q3.id, 10, (q) => [bigintEvent(4, q.id)])))
          expect((yield* store.get(q3.id)).usedAt).toBe(null)
          expect((yield* outboxRows).map((r) => ids(r.events))).toEqual([[testEvent(1, q1.id).id]])
        })
      ))

    it("a save and a consume re-run after a serialization failure store their events once", () =>
      run(
        backend.quotes(),
        Effect.gen(function* () {
          const store = yield* QuoteStore.QuoteStore
          yield* failNextOutboxInsertOnce
          yield* store.save(q1, [testEvent(1, q1.id)])
          expect(yield* outboxInsertAttempts).toBe(2)
          yield* store.consume(q1.id, 10, (q) => [testEvent(2, q.id)])
          expect((yield* outboxRows).map((r) => ids(r.events))).toEqual([
            [testEvent(1, q1.id).id],
            [testEvent(2, q1.id).id]
          ])
        })
      ))
  })

  describe(`VelocityStorePostgres events on ${backend.name}`, () => {
    const velocityEvent = (id: string, at: number, extra: Record<string, string> = {}) => ({
      id,
      at,
      amountRef: 100n,
      declined: false,
      customer: "cus_1",
      card: "fp_1",
      ...extra
    })

    it("a record's events are in the outbox once, in order; a record without events adds none; a keyless event keeps only its events", () =>
      run(
        backend.velocity(),
        Effect.gen(function* () {
          const store = yield* VelocityStore.VelocityStore
          const sql = yield* SqlClient.SqlClient
          yield* store.record(velocityEvent("p1", 1), [testEvent(1, "cus_1"), testEvent(2, "cus_1")])
          yield* store.record(velocityEvent("p2", 2))
          yield* store.record(velocityEvent("p3", 3), [])
          yield* store.record({ id: "p4", at: 4, amountRef: 1n, declined: false }, [testEvent(3, "p4")])
          expect((yield* store.history("customer", "cus_1")).map((e) => e.id)).toEqual(["p1", "p2", "p3"])
          const [n] = yield* sql<{
            n: number
          }>`SELECT count(*)::int AS n FROM paykit_risk_velocity WHERE id = 'p4'`
          expect(n?.n).toBe(0)
          expect((yield* outboxRows).map((r) => [r.count, ids(r.events)])).toEqual([
            [2, ids([testEvent(1, "cus_1"), testEvent(2, "cus_1")])],
            [1, [testEvent(3, "p4").id]]
          ])
          expect(ids(yield* relayAll())).toEqual(
            ids([testEvent(1, "x"), testEvent(2, "x"), testEvent(3, "x")])
          )
        })
      ))

    it("a failed record (a database error, a bigint in an event) leaves no outbox row and no history", () =>
      run(
        backend.velocity(),
        Effect.gen(function* () {
          const store = yield* VelocityStore.VelocityStore
          const sql = yield* SqlClient.SqlClient
          expectBigintDefect(
            yield* Effect.exit(store.record(velocityEvent("p1", 1), [bigintEvent(1, "cus_1")]))
          )
          expect(yield* store.history("customer", "cus_1")).toEqual([])
          yield* sql`DROP SEQUENCE paykit_risk_velocity_seq CASCADE`
          const failed = yield* Effect.flip(store.record(velocityEvent("p2", 2), [testEvent(2, "cus_1")]))
          expect(failed._tag).toBe("VelocityStoreUnavailable")
          expect(yield* outboxRows).toEqual([])
        })
      ))

    it("a record re-run after a serialization failure stores its events once (and its history once)", () =>
      run(
        backend.velocity(),
        Effect.gen(function* () {
          const store = yield* VelocityStore.VelocityStore
          yield* failNextOutboxInsertOnce
          yield* store.record(velocityEvent("p1", 1), [testEvent(1, "cus_1")])
          expect(yield* outboxInsertAttempts).toBe(2)
          expect((yield* store.history("card", "fp_1")).map((e) => e.id)).toEqual(["p1"])
          expect((yield* outboxRows).map((r) => ids(r.events))).toEqual([[testEvent(1, "cus_1").id]])
        })
      ))
  })
}
