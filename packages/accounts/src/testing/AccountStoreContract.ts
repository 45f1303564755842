import { Currency, DomainEvent, Money } from "@paykit/core"
import { Effect, type Layer, Option } from "effect"
import { describe, expect, it } from "vitest"
import type { Account } from "../Account.ts"
import { AccountStore, guardOf, type Transaction } from "../AccountStore.ts"
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
 * deletes, due erasures, serialised concurrent writers, the conflicts a refusal names, vault
 * guards (and nothing written for an erased subject), paged compare-and-set re-wrapping, KEK
 * retirement, and what can be seen through the port of
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

    it("an ended relationship reads back exactly: the rejection's reason and time, the AML retention holds on every subject (issue 16)", () =>
      run(
        Effect.gen(function* () {
          const store = yield* AccountStore
          yield* store.commit(full("a1"))
          const rejected: Account = {
            ...account("a1", 2),
            status: "rejected",
            persons: [{ id: "p1", role: "owner", ownershipBps: 10_000, fields: ["firstName"] }],
            rejection: { reason: "terms_of_service", at: 1_700_000_000_123 }
          }
          const holds = ["a1", "p1"].map((subject) => ({
            subject,
            basis: "aml_retention",
            until: 1_857_766_400_123,
            placedAt: 1_700_000_000_123
          }))
          yield* store.commit({ accounts: [{ account: rejected, expectedVersion: 1 }], holds })
          expect(Option.getOrThrow(yield* store.getAccount("a1"))).toEqual(rejected)
          expect((yield* store.getHolds("p1")).filter((h) => h.basis === "aml_retention")).toEqual([holds[1]])
          expect((yield* store.getHolds("a1")).filter((h) => h.basis === "aml_retention")).toContainEqual(
            holds[0]
          )
        })
      ))

    it("API keys read back exactly: an expiry, a revocation (when, why, by whom) and a removed member's keys revoked for good (issue 16)", () =>
      run(
        Effect.gen(function* () {
          const store = yield* AccountStore
          yield* store.commit(full("a1"))
          const withKeys: Account = {
            ...account("a1", 2),
            apiKeys: [
              {
                id: "k1",
                createdBy: "user-dev",
                access: { payments: "read" },
                createdAt: 1,
                expiresAt: 1_900_000_000_123
              },
              {
                id: "k2",
                createdBy: "user-gone",
                access: { webhooks: "write", payments: "read" },
                createdAt: 2,
                revoked: { at: 1_700_000_000_123, reason: "member_removed", by: "user-ada" }
              },
              {
                id: "k3",
                createdBy: "user-dev",
                access: {},
                createdAt: 3,
                revoked: { at: 4, reason: "rolled", by: "ops-1" }
              }
            ]
          }
          yield* store.commit({ accounts: [{ account: withKeys, expectedVersion: 1 }] })
          expect(Option.getOrThrow(yield* store.getAccount("a1"))).toEqual(withKeys)
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

    it("a refusal decided against a concurrent writer names its conflict: StaleVersion, IndexTaken", () =>
      run(
        Effect.gen(function* () {
          const store = yield* AccountStore
          yield* store.commit(full("a1"))
          const stale = yield* Effect.flip(
            store.commit({ accounts: [{ account: account("a1", 1), expectedVersion: 0 }] })
          )
          expect(stale.conflict).toEqual({ _tag: "StaleVersion", accountId: "a1" })
          const staleUpdate = yield* Effect.flip(
            store.commit({ accounts: [{ account: account("a1", 3), expectedVersion: 2 }] })
          )
          expect(staleUpdate.conflict).toEqual({ _tag: "StaleVersion", accountId: "a1" })
          const taken = yield* Effect.flip(
            store.commit({ ...full("a2"), index: [{ kind: "email", key: "h-a1", accountId: "a2" }] })
          )
          expect(taken.conflict).toEqual({ _tag: "IndexTaken", index: "email", owner: "a1" })
        })
      ))

    it("guards: a commit whose view of a subject's holds or erasure is outdated is refused with VaultChanged and writes nothing; nothing is written for an erased subject", () =>
      run(
        Effect.gen(function* () {
          const store = yield* AccountStore
          yield* store.commit(full("a1"))
          const seen = guardOf(
            "a1",
            yield* store.getHolds("a1"),
            Option.getOrUndefined(yield* store.getErasure("a1"))
          )
          expect(seen).toEqual({ subject: "a1", holds: 1, erasure: { status: "retained", until: 5_000 } })
          // a hold placed meanwhile: the guard no longer holds
          yield* store.commit({ holds: [{ subject: "a1", basis: "litigation", until: 9_000, placedAt: 1 }] })
          const before = yield* store.dump
          const shred = {
            keys: [{ subject: "a1", key: null }],
            purgeFields: ["a1"],
            erasures: [{ subject: "a1", requestedAt: 1, status: "erased" as const, erasedAt: 1 }]
          }
          const refused = yield* Effect.flip(store.commit({ ...shred, guards: [seen] }))
          expect(refused.conflict).toEqual({ _tag: "VaultChanged", subject: "a1" })
          expect(yield* store.dump).toEqual(before)
          // with what is there now, it goes through
          const now = guardOf(
            "a1",
            yield* store.getHolds("a1"),
            Option.getOrUndefined(yield* store.getErasure("a1"))
          )
          yield* store.commit({ ...shred, guards: [now] })
          expect(Option.isNone(yield* store.getKey("a1"))).toBe(true)
          // an erased subject gets no data key and no field back
          for (const tx of [
            { keys: [{ subject: "a1", key: key("a1") }] },
            { fields: [{ subject: "a1", field: "email", sealed: sealed(3) }] }
          ]) {
            const e = yield* Effect.flip(store.commit(tx))
            expect(e.conflict).toEqual({ _tag: "VaultChanged", subject: "a1" })
          }
          expect(Option.isNone(yield* store.getKey("a1"))).toBe(true)
          expect(yield* store.getFields("a1")).toEqual([])
          // a guard on a subject with nothing yet
          yield* store.commit({ guards: [{ subject: "s9", holds: 0, erasure: null }] })
        })
      ))

    it("keysPage pages through the data keys below a KEK version in subject order; rewrapKeys is a compare-and-set that never inserts", () =>
      run(
        Effect.gen(function* () {
          const store = yield* AccountStore
          const subjects = ["s1", "s2", "s3", "s4", "s5"]
          yield* store.commit({ keys: subjects.map((s) => ({ subject: s, key: key(s) })) })
          const pages: Array<Array<string>> = []
          let after: string | null = null
          while (true) {
            const page: ReadonlyArray<{ readonly subject: string }> = yield* store.keysPage(after, 2, 2)
            if (page.length === 0) break
            pages.push(page.map((k) => k.subject))
            after = page[page.length - 1]!.subject
          }
          expect(pages).toEqual([["s1", "s2"], ["s3", "s4"], ["s5"]])
          expect(yield* store.keysPage(null, 10, 1)).toEqual([])
          const to = (s: string) => ({ kekVersion: 2, wrapped: `v2-${s}` })
          // s2 was erased meanwhile, s3 re-wrapped by someone else, s9 never existed
          yield* store.commit({ keys: [{ subject: "s2", key: null }] })
          expect(
            yield* store.rewrapKeys([
              { subject: "s3", from: key("s3").wrapped, to: { kekVersion: 2, wrapped: "other" } }
            ])
          ).toBe(1)
          const n = yield* store.rewrapKeys(
            ["s1", "s2", "s3", "s9"].map((s) => ({ subject: s, from: key(s).wrapped, to: to(s) }))
          )
          expect(n).toBe(1)
          const keys = yield* store.listKeys
          expect(keys.map((k) => [k.subject, k.wrapped.wrapped])).toEqual([
            ["s1", "v2-s1"],
            ["s3", "other"],
            ["s4", "w-s4"],
            ["s5", "w-s5"]
          ])
          expect((yield* store.keysPage(null, 10, 2)).map((k) => k.subject)).toEqual(["s4", "s5"])
        })
      ))

    it("retiring a KEK version is refused with KeyVersionInUse while a data key is wrapped under it; afterwards no key is written under it", () =>
      run(
        Effect.gen(function* () {
          const store = yield* AccountStore
          yield* store.commit(full("a1"))
          const inUse = yield* Effect.flip(store.commit({ retireKeks: [1] }))
          expect(inUse.conflict).toEqual({ _tag: "KeyVersionInUse", kekVersion: 1, keys: 1 })
          expect((yield* store.dump).retiredKeks).toEqual([])
          yield* store.rewrapKeys([
            { subject: "a1", from: key("a1").wrapped, to: { kekVersion: 2, wrapped: "w2" } }
          ])
          yield* store.commit({ retireKeks: [1] })
          yield* store.commit({ retireKeks: [1] })
          expect((yield* store.dump).retiredKeks).toEqual([1])
          const write = yield* Effect.flip(store.commit({ keys: [{ subject: "b1", key: key("b1") }] }))
          expect(write.conflict).toEqual({ _tag: "KeyVersionRetired", kekVersion: 1 })
          const rewrap = yield* Effect.flip(
            store.rewrapKeys([
              { subject: "a1", from: { kekVersion: 2, wrapped: "w2" }, to: key("a1").wrapped }
            ])
          )
          expect(rewrap.conflict).toEqual({ _tag: "KeyVersionRetired", kekVersion: 1 })
          expect(Option.getOrThrow(yield* store.getKey("a1")).wrapped).toEqual({
            kekVersion: 2,
            wrapped: "w2"
          })
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
