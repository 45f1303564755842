import { Ids } from "@paykit/core"
import { type Command, Ledger, LedgerStore, type StoreFailure } from "@paykit/ledger"
import { Cause, Context, Effect, Exit, Layer, Option, Result } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import * as LedgerStorePostgres from "../src/ledger/LedgerStorePostgres.ts"
import { TestStores } from "../src/testing/index.ts"
import { serverUrl } from "./support/env.ts"

// A ledger write made inside the caller's `sql.withTransaction` runs in it (on the caller's
// connection, no savepoint), with group commit on (the default): it commits and rolls back with the
// caller's own rows, on PGlite (one connection) and on a PostgreSQL pool.

type Store = LedgerStore.LedgerStore["Service"]
type Services = LedgerStore.LedgerStore | SqlClient.SqlClient | Ledger.Ledger

const books: ReadonlyArray<Command.Command> = [
  { _tag: "CreateAccount", id: "cash", currency: "USD", code: "asset.cash", normal: "debit" },
  { _tag: "CreateAccount", id: "merchant", currency: "USD", code: "liability.merchant", normal: "credit" },
  {
    _tag: "CreateAccount",
    id: "wallet",
    currency: "USD",
    code: "liability.wallet",
    normal: "credit",
    debitsMustNotExceedCredits: true
  },
  {
    _tag: "Transfer",
    id: "fund",
    postings: [{ debit: "cash", credit: "wallet", amount: 1_000n, currency: "USD" }]
  }
]

const transfer = (id: string, amount = 10n): Command.Command => ({
  _tag: "Transfer",
  id,
  postings: [{ debit: "wallet", credit: "merchant", amount, currency: "USD" }]
})

const write = (store: Store, commands: ReadonlyArray<Command.Command>) =>
  store.write({ commands, mode: "independent", now: Date.now(), eventIdSeed: "01J00000000000000000000000" })

/** Runs `body` on a fresh store (books opened, a table `orders` of the caller's own). */
const withStore = (
  layer: Layer.Layer<LedgerStore.LedgerStore | SqlClient.SqlClient, unknown>,
  body: (store: Store, sql: SqlClient.SqlClient) => Effect.Effect<void, unknown, Services>
) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const store = yield* LedgerStore.LedgerStore
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE orders (id text PRIMARY KEY)`
        yield* write(store, books)
        yield* body(store, sql)
      }).pipe(Effect.provide(Layer.provideMerge(Ledger.layer(), Layer.merge(layer, Ids.layer))))
    )
  )

const outboxRows = (sql: SqlClient.SqlClient) =>
  Effect.map(sql<{ n: number }>`SELECT count(*)::int AS n FROM paykit_outbox`, (r) => Number(r[0]!.n))
const orderExists = (sql: SqlClient.SqlClient, id: string) =>
  Effect.map(sql`SELECT 1 FROM orders WHERE id = ${id}`, (r) => r.length === 1)

/** Through the `Ledger` service: a hold `h<n>`, a post `p<n>`, then the caller's order `o<n>`. */
const holdPostAndOrder = (sql: SqlClient.SqlClient, n: number) =>
  Effect.gen(function* () {
    const ledger = yield* Ledger.Ledger
    yield* ledger.hold({
      id: `h${n}`,
      debit: "wallet",
      credit: "merchant",
      amount: "30",
      currency: "USD",
      timeoutMs: 600_000
    })
    yield* ledger.post({
      id: `p${n}`,
      postings: [{ debit: "wallet", credit: "merchant", amount: "20", currency: "USD" }]
    })
    yield* sql`INSERT INTO orders (id) VALUES (${`o${n}`})`
  })

const suite = (
  name: string,
  layer: (pool?: number) => Layer.Layer<LedgerStore.LedgerStore | SqlClient.SqlClient, unknown>
) =>
  describe(`a ledger write joins the caller's transaction (${name}, group commit on)`, () => {
    it("the caller commits: the entry, the caller's row and the write's outbox row are all there", () =>
      withStore(layer(), (store, sql) =>
        Effect.gen(function* () {
          const before = yield* outboxRows(sql)
          yield* sql.withTransaction(
            Effect.gen(function* () {
              yield* write(store, [transfer("t1")])
              yield* sql`INSERT INTO orders (id) VALUES ('o1')`
            })
          )
          expect(Option.isSome(yield* store.getEntry("t1"))).toBe(true)
          expect(yield* orderExists(sql, "o1")).toBe(true)
          expect(yield* outboxRows(sql)).toBe(before + 1)
        })
      ))

    it("the caller fails after the write: no entry, line, hold, outbox event or balance change, and the next write outside works", () =>
      withStore(layer(), (store, sql) =>
        Effect.gen(function* () {
          const before = yield* store.dump
          const exit = yield* Effect.exit(
            sql.withTransaction(
              Effect.gen(function* () {
                yield* write(store, [
                  transfer("t1"),
                  {
                    _tag: "CreateHold",
                    id: "h1",
                    debit: "wallet",
                    credit: "merchant",
                    amount: 5n,
                    currency: "USD",
                    timeoutMs: 60_000
                  }
                ])
                yield* sql`INSERT INTO orders (id) VALUES ('o1')`
                return yield* Effect.fail("the caller's own check failed" as const)
              })
            )
          )
          expect(Exit.isFailure(exit)).toBe(true)
          expect(yield* store.dump).toEqual(before)
          expect(yield* orderExists(sql, "o1")).toBe(false)
          const out = yield* write(store, [transfer("t2")])
          expect(out.entriesCreated.map((e) => e.id)).toEqual(["t2"])
        })
      ))

    it("Ledger.hold and Ledger.post inside the caller's transaction commit with it, and leave nothing when it fails", () =>
      withStore(layer(), (store, sql) =>
        Effect.gen(function* () {
          const ledger = yield* Ledger.Ledger
          const outbox = yield* outboxRows(sql)
          yield* sql.withTransaction(
            Effect.gen(function* () {
              yield* holdPostAndOrder(sql, 1)
            })
          )
          expect(Option.isSome(yield* store.getHold("h1"))).toBe(true)
          expect(Option.isSome(yield* store.getEntry("p1"))).toBe(true)
          expect(yield* orderExists(sql, "o1")).toBe(true)
          expect(yield* outboxRows(sql)).toBe(outbox + 2)
          const balances = yield* ledger.balances("wallet")
          const dump = yield* store.dump

          const exit = yield* Effect.exit(
            sql.withTransaction(
              Effect.gen(function* () {
                yield* holdPostAndOrder(sql, 2)
                return yield* Effect.fail("rolled back" as const)
              })
            )
          )
          expect(Exit.isFailure(exit)).toBe(true)
          expect(Option.isNone(yield* store.getHold("h2"))).toBe(true)
          expect(Option.isNone(yield* store.getEntry("p2"))).toBe(true)
          expect(yield* orderExists(sql, "o2")).toBe(false)
          expect(yield* ledger.balances("wallet")).toEqual(balances)
          expect(yield* store.dump).toEqual(dump)
        })
      ))

    it("a write inside the caller's transaction leaves the caller's settings as they were", () =>
      withStore(layer(), (store, sql) =>
        sql.withTransaction(
          Effect.gen(function* () {
            yield* sql`SELECT set_config('lock_timeout', '1234ms', true)`
            const settings = sql<{
              l: string
              p: string
              j: string
              t: string
            }>`SELECT current_setting('lock_timeout') AS l, current_setting('plan_cache_mode') AS p,
              current_setting('enable_seqscan') AS j, current_setting('statement_timeout') AS t`
            const before = yield* settings
            yield* write(store, [transfer("t1")])
            expect(yield* settings).toEqual(before)
            expect(before[0]!.l).toBe("1234ms")
          })
        )
      ))

    it("12 concurrent requests, each its own transaction with a ledger write and its own row, on a pool of 5: all complete", () =>
      withStore(layer(5), (store, sql) =>
        Effect.gen(function* () {
          const ledger = yield* Ledger.Ledger
          yield* Effect.forEach(
            Array.from({ length: 12 }, (_, i) => i),
            (i) =>
              sql.withTransaction(
                Effect.gen(function* () {
                  yield* sql`INSERT INTO orders (id) VALUES (${`o${i}`})`
                  yield* ledger.post({
                    id: `p${i}`,
                    postings: [{ debit: "wallet", credit: "merchant", amount: "1", currency: "USD" }]
                  })
                })
              ),
            { concurrency: "unbounded", discard: true }
          )
          const rows = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM orders`
          expect(Number(rows[0]!.n)).toBe(12)
          const dump = yield* store.dump
          expect(dump.entries.filter((e) => e.id.startsWith("p"))).toHaveLength(12)
        })
      ))
  })

suite("PGlite", () => LedgerStorePostgres.layer({}))

if (serverUrl !== undefined) {
  const url = serverUrl
  const server = (pool = 8) =>
    TestStores.serverWith(url, "join", (config) => LedgerStorePostgres.layer(config), {
      maxConnections: pool
    })
  suite("PostgreSQL", server)

  describe("a ledger write inside the caller's transaction on PostgreSQL, conflicts", () => {
    it("8 caller transactions on a pool of 8 writing the same new entry id and opening the same new account at once: all commit, each command takes effect once (the id locks, no savepoint)", () =>
      withStore(server(8), (store, sql) =>
        Effect.gen(function* () {
          const exits = yield* Effect.forEach(
            Array.from({ length: 8 }, (_, i) => i),
            (i) =>
              Effect.exit(
                sql.withTransaction(
                  Effect.gen(function* () {
                    yield* sql`INSERT INTO orders (id) VALUES (${`race${i}`})`
                    const out = yield* write(store, [
                      {
                        _tag: "CreateAccount",
                        id: "tips",
                        currency: "USD",
                        code: "liability.tips",
                        normal: "credit"
                      },
                      {
                        _tag: "Transfer",
                        id: "same",
                        postings: [{ debit: "wallet", credit: "tips", amount: 7n, currency: "USD" }]
                      }
                    ])
                    // the caller keeps its transaction open a while: the others reach the write
                    // before it commits
                    yield* sql`SELECT pg_sleep(0.2)`
                    return out
                  })
                )
              ),
            { concurrency: "unbounded" }
          )
          expect(exits.filter(Exit.isFailure).map((e) => String(e.cause))).toEqual([])
          const rows = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM orders WHERE id LIKE 'race%'`
          expect(Number(rows[0]!.n)).toBe(8)
          const dump = yield* store.dump
          expect(dump.entries.filter((e) => e.id === "same")).toHaveLength(1)
          expect(dump.accounts.find((a) => a.id === "tips")?.creditsPosted).toBe(7n)
        })
      ))

    it("a serialization failure is not retried inside the caller's transaction: StoreFailure telling the caller to retry its transaction", () =>
      withStore(server(), (store, sql) =>
        Effect.gen(function* () {
          const exit = yield* Effect.exit(
            sql.withTransaction(
              Effect.gen(function* () {
                yield* sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`
                // the caller's snapshot is taken here…
                yield* sql`SELECT 1 FROM paykit_ledger_accounts WHERE id = 'wallet'`
                // …then another transaction (outside, group commit) changes the wallet
                yield* write(store, [transfer("outside")]).pipe(
                  Effect.updateContext((ctx: Context.Context<never>) =>
                    Context.omit(sql.transactionService)(ctx)
                  )
                )
                yield* write(store, [transfer("inside")])
              })
            )
          )
          expect(Exit.isFailure(exit)).toBe(true)
          const error = Exit.isFailure(exit) ? Cause.findError(exit.cause) : undefined
          const failure =
            error !== undefined && Result.isSuccess(error) ? (error.success as StoreFailure) : undefined
          expect(failure?._tag).toBe("StoreFailure")
          expect(failure?.reason).toMatch(/retry the caller's whole transaction/)
          expect(Option.isSome(yield* store.getEntry("outside"))).toBe(true)
          expect(Option.isNone(yield* store.getEntry("inside"))).toBe(true)
        })
      ))
  })
}
