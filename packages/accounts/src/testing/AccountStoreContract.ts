import { Currency, DomainEvent, Money } from "@paykit/core"
import { Effect, type Layer, Option } from "effect"
import { describe, expect, it } from "vitest"
import type { Account } from "../Account.ts"
import { AccountStore, type Transaction } from "../AccountStore.ts"
import * as Security from "../Security.ts"

/**
 * A minimal stored account for store tests.
 *
 * @example
 * ```ts
 * import { AccountStoreContract } from "@paykit/accounts/testing"
 * const a = AccountStoreContract.account("a1", 1)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const account = (id: string, version: number): Account => ({
  id,
  version,
  type: "individual",
  country: "DE",
  currency: "EUR",
  status: "pending",
  createdAt: 0,
  updatedAt: 0,
  capabilities: ["card_payments"],
  holderFields: ["email"],
  persons: [],
  cases: [],
  volume: Money.zero(Currency.EUR),
  thresholdsCrossed: {},
  team: { owner: "o", members: [{ id: "o", roles: [] }] },
  apiKeys: [],
  security: Security.defaults,
  profileVersion: 1
})

const sealed = (n: number) => ({ keyVersion: 1, nonce: `nonce${n}`, ciphertext: `ct${n}`, tag: `tag${n}` })
const key = (subject: string) => ({
  subject,
  version: 1,
  wrapped: { kekVersion: 1, wrapped: `w-${subject}` }
})

const full = (id: string): Transaction => ({
  accounts: [{ account: account(id, 1), expectedVersion: 0 }],
  index: [
    { kind: "email", key: `h-${id}`, accountId: id },
    { kind: "subject", key: id, accountId: id }
  ],
  keys: [{ subject: id, key: key(id) }],
  fields: [
    { subject: id, field: "email", sealed: sealed(1) },
    { subject: id, field: "phone", sealed: sealed(2) }
  ],
  holds: [{ subject: id, basis: "aml_retention", until: 5_000, placedAt: 0 }],
  erasures: [{ subject: id, requestedAt: 0, status: "retained", until: 5_000, basis: "aml_retention" }],
  audit: [
    { id: `au-${id}`, at: 0, accountId: id, actor: "system", action: "register", version: 1, changes: [] }
  ]
})

const event = (n: number, subject: string): DomainEvent.DomainEvent =>
  DomainEvent.make({
    id: `01J00000000000000000000${String(n).padStart(3, "0")}`,
    type: "accounts.security.updated",
    at: n,
    subject,
    data: { accountId: subject, fields: ["twoFactorRequired"] }
  })

/**
 * The `AccountStore` contract: every adapter runs it with a layer giving a fresh, empty store
 * per test. It pins atomic commits (all or nothing), optimistic versions, unique index keys,
 * deletes, due erasures, serialised concurrent writers, and what can be seen through the port of
 * events riding on a commit (a commit with events applies its change like any other; an
 * events-only commit is accepted; a failed commit keeps nothing, so the same events can ride on
 * the retry). Delivery itself (memory: the `Notifier`; PostgreSQL: the outbox) is tested per
 * adapter.
 *
 * @example
 * ```ts
 * import { AccountStore } from "@paykit/accounts"
 * import { AccountStoreContract } from "@paykit/accounts/testing"
 * AccountStoreContract.suite("memory", AccountStore.layerMemory)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const suite = (name: string, layer: Layer.Layer<AccountStore, unknown>): void => {
  const run = <A, E>(effect: Effect.Effect<A, E, AccountStore>): Promise<A> =>
    Effect.runPromise(Effect.provide(effect, layer) as Effect.Effect<A, E>)

  describe(`AccountStore contract: ${name}`, () => {
    it("commits a transaction and reads every part back", () =>
      run(
        Effect.gen(function* () {
          const store = yield* AccountStore
          yield* store.commit(full("a1"))
          expect(Option.getOrThrow(yield* store.getAccount("a1")).version).toBe(1)
          expect(Option.getOrThrow(yield* store.findIndex("email", "h-a1"))).toBe("a1")
          expect(Option.getOrThrow(yield* store.findIndex("subject", "a1"))).toBe("a1")
          expect(Option.isNone(yield* store.findIndex("registration", "h-a1"))).toBe(true)
          expect(Option.getOrThrow(yield* store.getKey("a1"))).toEqual(key("a1"))
          expect((yield* store.getFields("a1")).map((f) => f.field)).toEqual(["email", "phone"])
          expect(yield* store.getHolds("a1")).toHaveLength(1)
          expect(Option.getOrThrow(yield* store.getErasure("a1")).status).toBe("retained")
          expect(yield* store.audit("a1")).toHaveLength(1)
          expect(yield* store.listKeys).toEqual([key("a1")])
        })
      ))

    it("a stale expected version fails with StoreFailure and writes nothing of the transaction", () =>
      run(
        Effect.gen(function* () {
          const store = yield* AccountStore
          yield* store.commit(full("a1"))
          const before = yield* store.dump
          const error = yield* Effect.flip(
            store.commit({
              ...full("a2"),
              accounts: [
                { account: account("a2", 1), expectedVersion: 0 },
                { account: account("a1", 2), expectedVersion: 0 }
              ]
            })
          )
          expect(error._tag).toBe("StoreFailure")
          expect(yield* store.dump).toEqual(before)
          yield* store.commit({ accounts: [{ account: account("a1", 2), expectedVersion: 1 }] })
          expect(Option.getOrThrow(yield* store.getAccount("a1")).version).toBe(2)
        })
      ))

    it("an index key owned by another account fails the whole transaction", () =>
      run(
        Effect.gen(function* () {
          const store = yield* AccountStore
          yield* store.commit(full("a1"))
          const before = yield* store.dump
          const tx = full("a2")
          const error = yield* Effect.flip(
            store.commit({
              ...tx,
              index: [...(tx.index ?? []), { kind: "email", key: "h-a1", accountId: "a2" }]
            })
          )
          expect(error._tag).toBe("StoreFailure")
          expect(yield* store.dump).toEqual(before)
        })
      ))

    it("null deletes keys, fields and index entries; purgeFields drops every field of a subject", () =>
      run(
        Effect.gen(function* () {
          const store = yield* AccountStore
          yield* store.commit(full("a1"))
          yield* store.commit({
            keys: [{ subject: "a1", key: null }],
            fields: [{ subject: "a1", field: "phone", sealed: null }],
            index: [{ kind: "email", key: "h-a1", accountId: null }]
          })
          expect(Option.isNone(yield* store.getKey("a1"))).toBe(true)
          expect((yield* store.getFields("a1")).map((f) => f.field)).toEqual(["email"])
          expect(Option.isNone(yield* store.findIndex("email", "h-a1"))).toBe(true)
          yield* store.commit({ purgeFields: ["a1"] })
          expect(yield* store.getFields("a1")).toEqual([])
        })
      ))

    it("dueErasures lists retained erasures whose hold ended, not erased or still-held ones", () =>
      run(
        Effect.gen(function* () {
          const store = yield* AccountStore
          yield* store.commit(full("a1"))
          yield* store.commit({
            erasures: [
              { subject: "s2", requestedAt: 0, status: "retained", until: 9_000, basis: "aml_retention" },
              { subject: "s3", requestedAt: 0, status: "erased", erasedAt: 1 }
            ]
          })
          expect(yield* store.dueErasures(4_999)).toEqual([])
          expect((yield* store.dueErasures(5_000)).map((e) => e.subject)).toEqual(["a1"])
          expect((yield* store.dueErasures(10_000)).map((e) => e.subject)).toEqual(["a1", "s2"])
        })
      ))

    it("concurrent writers at the same version: exactly one wins", () =>
      run(
        Effect.gen(function* () {
          const store = yield* AccountStore
          yield* store.commit(full("a1"))
          const results = yield* Effect.forEach(
            Array.from({ length: 20 }, (_, i) => i),
            (i) =>
              Effect.result(
                store.commit({
                  accounts: [{ account: { ...account("a1", 2), updatedAt: i }, expectedVersion: 1 }]
                })
              ),
            { concurrency: "unbounded" }
          )
          expect(results.filter((r) => r._tag === "Success")).toHaveLength(1)
          expect(Option.getOrThrow(yield* store.getAccount("a1")).version).toBe(2)
        })
      ))

    it("a transaction with events applies its change like any other; an events-only transaction is accepted and changes no data", () =>
      run(
        Effect.gen(function* () {
          const store = yield* AccountStore
          yield* store.commit({ ...full("a1"), events: [event(1, "a1"), event(2, "a1")] })
          expect(Option.getOrThrow(yield* store.getAccount("a1")).version).toBe(1)
          const before = yield* store.dump
          yield* store.commit({ events: [event(3, "a1")] })
          yield* store.commit({ events: [] })
          expect(yield* store.dump).toEqual(before)
        })
      ))

    it("a failed commit carrying events keeps nothing: the same events ride on the retry at the right version", () =>
      run(
        Effect.gen(function* () {
          const store = yield* AccountStore
          yield* store.commit(full("a1"))
          const before = yield* store.dump
          const events = [event(10, "a1"), event(11, "a1")]
          const stale = yield* Effect.flip(
            store.commit({ accounts: [{ account: account("a1", 2), expectedVersion: 0 }], events })
          )
          expect(stale._tag).toBe("StoreFailure")
          const taken = yield* Effect.flip(
            store.commit({
              ...full("a2"),
              index: [{ kind: "email", key: "h-a1", accountId: "a2" }],
              events: [event(12, "a2")]
            })
          )
          expect(taken._tag).toBe("StoreFailure")
          expect(yield* store.dump).toEqual(before)
          yield* store.commit({ accounts: [{ account: account("a1", 2), expectedVersion: 1 }], events })
          yield* store.commit({ ...full("a2"), events: [event(12, "a2")] })
          expect(Option.getOrThrow(yield* store.getAccount("a1")).version).toBe(2)
          expect(Option.getOrThrow(yield* store.getAccount("a2")).version).toBe(1)
        })
      ))
  })
}
