import { AccountStore } from "@paykit/accounts"
import { AccountStoreContract } from "@paykit/accounts/testing"
import { Context, Effect, Layer, Option, Result } from "effect"
import { describe, expect, it } from "vitest"
import * as AccountStorePostgres from "../src/accounts/AccountStorePostgres.ts"
import * as Database from "../src/Database.ts"
import { TestStores } from "../src/testing/index.ts"
import { serverUrl } from "./support/env.ts"

// PostgreSQL: a fresh schema per store on the server named by PAYKIT_TEST_DATABASE_URL.
describe.skipIf(serverUrl === undefined)("AccountStorePostgres on a PostgreSQL server", () => {
  const layer = (maxConnections = 8) =>
    TestStores.serverWith(serverUrl!, "acct", AccountStorePostgres.layer, { maxConnections })

  AccountStoreContract.suite("PostgreSQL", layer())

  /** Two stores (two pools) on one schema: writers on different connections race for real. */
  const twoStores = <A, E>(
    f: (
      a: AccountStore.AccountStore["Service"],
      b: AccountStore.AccountStore["Service"]
    ) => Effect.Effect<A, E>
  ) =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const first = yield* Layer.build(layer(10))
          const schema = Context.get(first, Database.DatabaseInfo).schema
          const second = yield* Layer.build(
            AccountStorePostgres.layer({ url: serverUrl!, schema, maxConnections: 10 })
          )
          const a = Context.get(first, AccountStore.AccountStore)
          const b = Context.get(second, AccountStore.AccountStore)
          return yield* f(a, b)
        })
      ) as Effect.Effect<A, unknown>
    )

  it("40 writers on two pools at one version: exactly one wins, and only its whole transaction is kept", () =>
    twoStores((a, b) =>
      Effect.gen(function* () {
        yield* a.commit({
          accounts: [{ account: AccountStoreContract.account("acc", 1), expectedVersion: 0 }]
        })
        const results = yield* Effect.forEach(
          Array.from({ length: 40 }, (_, i) => i),
          (i) =>
            Effect.result(
              (i % 2 === 0 ? a : b).commit({
                accounts: [
                  { account: { ...AccountStoreContract.account("acc", 2), updatedAt: i }, expectedVersion: 1 }
                ],
                index: [{ kind: "email", key: `h-${i}`, accountId: "acc" }],
                keys: [
                  {
                    subject: `s-${i}`,
                    key: { subject: `s-${i}`, version: 1, wrapped: { kekVersion: 1, wrapped: "w" } }
                  }
                ],
                audit: [
                  {
                    id: `au-${i}`,
                    at: i,
                    accountId: "acc",
                    actor: "t",
                    action: "update",
                    version: 2,
                    changes: []
                  }
                ]
              })
            ),
          { concurrency: "unbounded" }
        )
        const winners = results.flatMap((r, i) => (Result.isSuccess(r) ? [i] : []))
        expect(winners).toHaveLength(1)
        const w = winners[0]!
        expect(results.filter(Result.isFailure).every((r) => r.failure._tag === "StoreFailure")).toBe(true)
        const stored = Option.getOrThrow(yield* b.getAccount("acc"))
        expect(stored.version).toBe(2)
        expect(stored.updatedAt).toBe(w)
        const dump = yield* a.dump
        expect(dump.index).toEqual([[`email:h-${w}`, "acc"]])
        expect(dump.keys.map((k) => k.subject)).toEqual([`s-${w}`])
        expect(dump.audit.map((e) => e.id)).toEqual([`au-${w}`])
      })
    ))

  it("registrations racing for one email on two pools: one account exists, the others left nothing", () =>
    twoStores((a, b) =>
      Effect.gen(function* () {
        const results = yield* Effect.forEach(
          Array.from({ length: 30 }, (_, i) => i),
          (i) =>
            Effect.result(
              (i % 2 === 0 ? a : b).commit({
                accounts: [{ account: AccountStoreContract.account(`r${i}`, 1), expectedVersion: 0 }],
                index: [
                  { kind: "subject", key: `r${i}`, accountId: `r${i}` },
                  { kind: "email", key: "h-shared", accountId: `r${i}` }
                ],
                fields: [
                  {
                    subject: `r${i}`,
                    field: "email",
                    sealed: { keyVersion: 1, nonce: "n", ciphertext: `c${i}`, tag: "t" }
                  }
                ]
              })
            ),
          { concurrency: "unbounded" }
        )
        const winners = results.flatMap((r, i) => (Result.isSuccess(r) ? [i] : []))
        expect(winners).toHaveLength(1)
        const dump = yield* b.dump
        expect(dump.accounts.map((x) => x.id)).toEqual([`r${winners[0]}`])
        expect(dump.fields.map((f) => f.subject)).toEqual([`r${winners[0]}`])
        expect(dump.index).toEqual([
          ["email:h-shared", `r${winners[0]}`],
          [`subject:r${winners[0]}`, `r${winners[0]}`]
        ])
      })
    ))
})
