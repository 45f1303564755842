import { LedgerStore } from "@paykit/ledger"
import { Model } from "@paykit/ledger/testing"
import { Context, Effect, Layer, Result } from "effect"
import { describe, expect, it } from "vitest"
import * as SqlClient from "effect/sql/SqlClient"
import * as LedgerStorePostgres from "../src/ledger/LedgerStorePostgres.ts"
import { TestStores } from "../src/testing/index.ts"
import { openingBooks } from "./support/crash.ts"
import { serverUrl } from "./support/env.ts"

// Writers on different pools race for real: one store's group commit cannot serialize them.
describe.skipIf(serverUrl === undefined)("the ledger store on a PostgreSQL server, several pools", () => {
  it(
    "four pools opening the same books at once: every write succeeds, each command takes effect once",
    {
      timeout: 120_000
    },
    () =>
      Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const schema = TestStores.freshSchema("opening")
            const stores: Array<LedgerStore.LedgerStore["Service"]> = []
            for (let i = 0; i < 4; i++) {
              const ctx = yield* Layer.build(
                LedgerStorePostgres.layer({ url: serverUrl!, schema, maxConnections: 4 })
              )
              if (i === 0) {
                const sql = Context.get(ctx, SqlClient.SqlClient)
                yield* Effect.addFinalizer(() =>
                  sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).pipe(Effect.ignore)
                )
              }
              stores.push(Context.get(ctx, LedgerStore.LedgerStore))
            }
            for (let round = 0; round < 25; round++) {
              const commands = openingBooks(`r${round}:`)
              const outs = yield* Effect.forEach(
                stores,
                (s, i) =>
                  s.write({
                    commands,
                    mode: "independent",
                    now: 1_000 + round,
                    eventIdSeed: `01J0000000000000000000000${i}`
                  }),
                { concurrency: "unbounded" }
              )
              // every command: created by exactly one writer, replayed by the other three
              for (let c = 0; c < commands.length; c++) {
                const states = outs.map((o) => {
                  const r = o.results[c]!
                  expect(Result.isSuccess(r), JSON.stringify(Result.isFailure(r) ? r.failure : null)).toBe(
                    true
                  )
                  const s = Result.isSuccess(r) ? r.success : undefined
                  return s !== undefined && "replayed" in s && s.replayed ? "replayed" : "created"
                })
                expect(states.filter((s) => s === "created")).toHaveLength(1)
              }
            }
            Model.checkInvariants(yield* stores[0]!.dump)
          })
        )
      )
  )
})
