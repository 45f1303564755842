import { type Command, LedgerStore, type StoreFailure } from "@paykit/ledger"
import { Cause, Deferred, Effect, Exit, Fiber, type Layer, Option, Result } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import * as Database from "../src/Database.ts"
import * as LedgerStorePostgres from "../src/ledger/LedgerStorePostgres.ts"
import { TestStores } from "../src/testing/index.ts"
import { serverUrl } from "./support/env.ts"

// A starved pool or a stuck statement is a typed failure, never a hang. No assertion here is
// about elapsed time: each only says which error came back.

const books: ReadonlyArray<Command.Command> = [
  { _tag: "CreateAccount", id: "cash", currency: "USD", code: "asset.cash", normal: "debit" },
  { _tag: "CreateAccount", id: "wallet", currency: "USD", code: "liability.wallet", normal: "credit" }
]
const transfer = (id: string): Command.Command => ({
  _tag: "Transfer",
  id,
  postings: [{ debit: "cash", credit: "wallet", amount: 1n, currency: "USD" }]
})

const write = (store: LedgerStore.LedgerStore["Service"], commands: ReadonlyArray<Command.Command>) =>
  store.write({ commands, mode: "independent", now: Date.now(), eventIdSeed: "01J00000000000000000000000" })

/** The `StoreFailure` an exit failed with, if it did. */
const failureOf = <A>(exit: Exit.Exit<A, StoreFailure>): StoreFailure | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const e = Cause.findError(exit.cause)
  return Result.isSuccess(e) ? e.success : undefined
}

/**
 * Holds `n` connections of the store's client in open transactions (each waiting for `release`),
 * returning once every one of them has begun.
 */
const holdConnections = (sql: SqlClient.SqlClient, n: number, release: Deferred.Deferred<void>) =>
  Effect.gen(function* () {
    const holders: Array<Fiber.Fiber<void, unknown>> = []
    for (let i = 0; i < n; i++) {
      const begun = yield* Deferred.make<void>()
      holders.push(
        yield* Effect.forkChild(
          sql.withTransaction(Effect.andThen(Deferred.succeed(begun, undefined), Deferred.await(release)))
        )
      )
      yield* Deferred.await(begun)
    }
    return holders
  })

/** Lets the holders go; then the failed write `failed` left nothing and a new write succeeds. */
const releaseThenWrite = (
  store: LedgerStore.LedgerStore["Service"],
  release: Deferred.Deferred<void>,
  holders: ReadonlyArray<Fiber.Fiber<void, unknown>>,
  failed: string
) =>
  Effect.gen(function* () {
    yield* Deferred.succeed(release, undefined)
    yield* Fiber.joinAll(holders)
    expect(Option.isNone(yield* store.getEntry(failed))).toBe(true)
    const out = yield* write(store, [transfer("after")])
    expect(out.entriesCreated.map((e) => e.id)).toEqual(["after"])
  })

const starvation = (
  name: string,
  layer: Layer.Layer<LedgerStore.LedgerStore | SqlClient.SqlClient, unknown>,
  connections: number
) =>
  it(`${name}: with every connection held by other work, a write fails with the acquireTimeout StoreFailure, writes nothing, and succeeds once the pool is free`, () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const store = yield* LedgerStore.LedgerStore
          const sql = yield* SqlClient.SqlClient
          yield* write(store, books)
          const release = yield* Deferred.make<void>()
          const holders = yield* holdConnections(sql, connections, release)
          const exit = yield* Effect.exit(write(store, [transfer("starved")]))
          const failure = failureOf(exit)
          expect(failure?._tag).toBe("StoreFailure")
          expect(failure?.reason).toMatch(/acquireTimeout/)
          yield* releaseThenWrite(store, release, holders, "starved")
        }).pipe(Effect.provide(layer))
      )
    ))

describe("the ledger store's timeouts", () => {
  starvation("PGlite (one connection)", LedgerStorePostgres.layer({ acquireTimeout: 500 }), 1)

  it("PGlite: the Database layer sets the session's statement and lock timeouts", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const [row] = yield* sql<{
          s: string
          l: string
        }>`SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l`
        expect(row).toEqual({ s: "2s", l: "3s" })
      }).pipe(Effect.provide(Database.layer({ statementTimeout: "2 seconds", lockTimeout: "3 seconds" })))
    ))
})

if (serverUrl !== undefined) {
  const url = serverUrl
  describe("the ledger store's timeouts on PostgreSQL", () => {
    starvation(
      "a pool of 5",
      TestStores.serverWith(
        url,
        "pool",
        (config) => LedgerStorePostgres.layer({ ...config, acquireTimeout: 500 }),
        {
          maxConnections: 5
        }
      ),
      5
    )

    it("the pool's connections get the statement timeout: a statement past it fails with StatementTimeoutError", () =>
      Effect.runPromise(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const [row] = yield* sql<{ s: string }>`SELECT current_setting('statement_timeout') AS s`
          expect(row?.s).toBe("200ms")
          const exit = yield* Effect.exit(sql`SELECT pg_sleep(5)`)
          expect(Exit.isFailure(exit)).toBe(true)
          const error = Exit.isFailure(exit) ? Cause.findError(exit.cause) : undefined
          expect(error !== undefined && Result.isSuccess(error) ? error.success.reason._tag : undefined).toBe(
            "StatementTimeoutError"
          )
        }).pipe(Effect.provide(Database.layer({ url, statementTimeout: 200 })))
      ))

    it("a write stuck behind a row lock past statementTimeout fails with a StoreFailure naming it, writes nothing, and succeeds once the lock is gone", () =>
      Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const store = yield* LedgerStore.LedgerStore
            const sql = yield* SqlClient.SqlClient
            yield* write(store, books)
            const release = yield* Deferred.make<void>()
            const locked = yield* Deferred.make<void>()
            const holder = yield* Effect.forkChild(
              sql.withTransaction(
                Effect.gen(function* () {
                  yield* sql`SELECT 1 FROM paykit_ledger_accounts WHERE id = 'wallet' FOR UPDATE`
                  yield* Deferred.succeed(locked, undefined)
                  yield* Deferred.await(release)
                })
              )
            )
            yield* Deferred.await(locked)
            const failure = failureOf(yield* Effect.exit(write(store, [transfer("stuck")])))
            expect(failure?._tag).toBe("StoreFailure")
            expect(failure?.reason).toMatch(/StatementTimeoutError.*statementTimeout/)
            yield* releaseThenWrite(store, release, [holder], "stuck")
          }).pipe(
            Effect.provide(
              TestStores.serverWith(url, "stmt", (config) =>
                LedgerStorePostgres.layer({ ...config, statementTimeout: 300, lockTimeout: "1 minute" })
              )
            )
          )
        )
      ))
  })
}
