import { AccountStore, Cipher } from "@paykit/accounts"
import { AccountStoreContract } from "@paykit/accounts/testing"
import { Currency, Money } from "@paykit/core"
import { Effect, Option } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import * as AccountStorePostgres from "../src/accounts/AccountStorePostgres.ts"
import { TestStores } from "../src/testing/index.ts"

// One PGlite for the whole file; every test gets a fresh schema on it (milliseconds, not seconds).
const layer = () =>
  TestStores.pgliteSharedWith("acct", (schema) => AccountStorePostgres.layerClient({ schema }))

AccountStoreContract.suite("PGlite", layer())

const run = <A, E>(effect: Effect.Effect<A, E, AccountStore.AccountStore | SqlClient.SqlClient>) =>
  Effect.runPromise(Effect.provide(effect, layer()) as Effect.Effect<A, E>)

describe("AccountStorePostgres on PGlite", () => {
  it("an account reads back exactly: bigint money, optional fields, nested records", () =>
    run(
      Effect.gen(function* () {
        const store = yield* AccountStore.AccountStore
        const account = {
          ...AccountStoreContract.account("a1", 1),
          type: "business" as const,
          legalName: "Acme GmbH",
          volume: Money.fromMinorUnsafe(2n ** 120n + 7n, Currency.EUR),
          thresholdsCrossed: { "kyc.volume": 1_700_000_000_123 },
          emailIndex: "h-a1",
          closedAt: 42
        }
        yield* store.commit({ accounts: [{ account, expectedVersion: 0 }] })
        const back = Option.getOrThrow(yield* store.getAccount("a1"))
        expect(back).toEqual(account)
        expect(back.volume.amount).toBe(2n ** 120n + 7n)
        expect(back.volume.currency).toBe(Currency.EUR)
        expect("website" in back).toBe(false)
      })
    ))

  it("sealed PII is stored exactly as sealed and no plaintext reaches any table", () =>
    run(
      Effect.gen(function* () {
        const store = yield* AccountStore.AccountStore
        const sql = yield* SqlClient.SqlClient
        const key = Cipher.generateKey()
        const plaintext = "jane.doe@example.com"
        const sealed = Cipher.seal(key, 1, "a1", "email", plaintext)
        yield* store.commit({
          accounts: [{ account: AccountStoreContract.account("a1", 1), expectedVersion: 0 }],
          fields: [{ subject: "a1", field: "email", sealed }]
        })
        const rows = yield* sql<{
          key_version: number
          nonce: string
          ciphertext: string
          tag: string
        }>`SELECT key_version, nonce, ciphertext, tag FROM paykit_accounts_fields`
        expect(rows).toEqual([
          { key_version: 1, nonce: sealed.nonce, ciphertext: sealed.ciphertext, tag: sealed.tag }
        ])
        const [everything] = yield* sql<{ text: string }>`SELECT concat_ws('|',
            (SELECT string_agg(f::text, '|') FROM paykit_accounts_fields f),
            (SELECT string_agg(a::text, '|') FROM paykit_accounts_accounts a)) AS text`
        expect(everything?.text).not.toContain(plaintext)
        const [back] = yield* store.getFields("a1")
        expect(back?.sealed).toEqual(sealed)
        expect(Cipher.open(key, back!.sealed, "a1", "email")).toMatchObject({ success: plaintext })
      })
    ))

  it("a failure in the middle of a commit keeps nothing (accounts, keys, fields written before it)", () =>
    run(
      Effect.gen(function* () {
        const store = yield* AccountStore.AccountStore
        const sql = yield* SqlClient.SqlClient
        const before = yield* store.dump
        // an audit version that is not a bigint fails the last statement of the transaction
        const error = yield* Effect.flip(
          store.commit({
            accounts: [{ account: AccountStoreContract.account("a1", 1), expectedVersion: 0 }],
            keys: [
              { subject: "a1", key: { subject: "a1", version: 1, wrapped: { kekVersion: 1, wrapped: "w" } } }
            ],
            fields: [
              {
                subject: "a1",
                field: "email",
                sealed: { keyVersion: 1, nonce: "n", ciphertext: "c", tag: "t" }
              }
            ],
            audit: [
              {
                id: "au1",
                at: 0,
                accountId: "a1",
                actor: "system",
                action: "register",
                version: 1.5,
                changes: []
              }
            ]
          })
        )
        expect(error._tag).toBe("StoreFailure")
        expect(yield* store.dump).toEqual(before)
        const [count] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM paykit_accounts_accounts`
        expect(count?.n).toBe(0)
      })
    ))

  it("audit records, holds and erasures read back exactly, in order", () =>
    run(
      Effect.gen(function* () {
        const store = yield* AccountStore.AccountStore
        const audit: Array<AccountStore.AuditEntry> = [
          {
            id: "au2",
            at: 1_700_000_000_001,
            accountId: "a1",
            actor: "user:o",
            action: "update_profile",
            version: 2,
            changes: [
              { field: "website", from: null, to: "https://acme.example" },
              { field: "email", from: "j***@e***.com", to: null }
            ]
          },
          { id: "au1", at: 5, accountId: "a1", actor: "system", action: "register", version: 1, changes: [] }
        ]
        const holds = [
          { subject: "s2", basis: "aml_retention", until: 9_000, placedAt: 1 },
          { subject: "s1", basis: "litigation", until: 8_000, placedAt: 2 },
          { subject: "s2", basis: "tax", until: 7_000, placedAt: 3 }
        ]
        const erasures: Array<AccountStore.Erasure> = [
          { subject: "s1", requestedAt: 3, status: "erased", erasedAt: 4 },
          { subject: "s2", requestedAt: 3, status: "retained", until: 9_000, basis: "aml_retention" }
        ]
        yield* store.commit({ audit, holds, erasures })
        expect(yield* store.audit("a1")).toEqual(audit)
        expect(yield* store.getHolds("s2")).toEqual([holds[0], holds[2]])
        expect(Option.getOrThrow(yield* store.getErasure("s1"))).toEqual(erasures[0])
        expect(Option.getOrThrow(yield* store.getErasure("s2"))).toEqual(erasures[1])
        const dump = yield* store.dump
        expect(dump.holds).toEqual([holds[0], holds[2], holds[1]])
        expect(dump.erasures).toEqual(erasures)
      })
    ))

  it("a database failure is StoreFailure, not a defect", () =>
    run(
      Effect.gen(function* () {
        const store = yield* AccountStore.AccountStore
        const sql = yield* SqlClient.SqlClient
        yield* sql`DROP TABLE paykit_accounts_index`
        const error = yield* Effect.flip(store.findIndex("email", "h"))
        expect(error._tag).toBe("StoreFailure")
        expect(error.reason).toContain("findIndex")
      })
    ))
})
