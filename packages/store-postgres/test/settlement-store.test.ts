import { Notifier } from "@paykit/core"
import { Tracing } from "@paykit/core/testing"
import { SettlementStore } from "@paykit/settlement"
import { SettlementStoreContract } from "@paykit/settlement/testing"
import { Effect, type Layer, Option } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import * as Outbox from "../src/Outbox.ts"
import * as SettlementStorePostgres from "../src/settlement/SettlementStorePostgres.ts"
import { TestStores } from "../src/testing/index.ts"
import { serverUrl } from "./support/env.ts"

const { sampleTransaction, sampleEvent, samplePayout, sampleRun } = SettlementStoreContract

/** What the outbox delivered so far: the relay drained into the suite's memory Notifier. */
const delivered = Effect.gen(function* () {
  const relay = yield* Outbox.makeRelay()
  yield* relay.drain
  yield* relay.release
  return yield* (yield* Notifier.RecordedEvents).all
})

const EMPTY: SettlementStore.Change = { created: [], updated: [], tranches: [], events: [] }

const TABLES = [
  "paykit_settlement_books",
  "paykit_settlement_transactions",
  "paykit_settlement_tranches",
  "paykit_settlement_runs",
  "paykit_settlement_payouts",
  "paykit_outbox"
] as const

/** The row count of every settlement table and of the outbox. */
const counts = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const out: Record<string, number> = {}
  for (const t of TABLES) {
    const [r] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql(t)}`
    out[t] = Number(r?.n ?? 0)
  }
  return out
})

/** A change writing to every table, with one event. */
const everything = (n: number): SettlementStore.Change => ({
  book: { merchant: "m_1", currency: "EUR", schedule: { delayDays: n } },
  created: [sampleTransaction(`bt_${n}`)],
  updated: [],
  tranches: [{ id: `tr_${n}`, merchant: "m_1", currency: "EUR", amount: 5n, remaining: 5n, releaseOn: 1 }],
  run: sampleRun(`run_${n}`),
  payout: { payout: samplePayout(`po_${n}`), expectedVersion: undefined },
  events: [sampleEvent(n, `po_${n}`)]
})

// PGlite: one database for the file, a fresh schema per test; transactions take turns on its one connection
const pglite = () =>
  TestStores.pgliteSharedWith("stl", (schema) => SettlementStorePostgres.layerClient({ schema }))

SettlementStoreContract.suite<SqlClient.SqlClient>("PGlite", pglite(), {
  numRuns: 15,
  concurrentTransactions: false,
  deliveredEvents: delivered
})

const adapterTests = (
  name: string,
  layer: () => Layer.Layer<SettlementStore.SettlementStore | SqlClient.SqlClient, unknown>
) =>
  describe(`SettlementStorePostgres on ${name}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, SettlementStore.SettlementStore | SqlClient.SqlClient>) =>
      Effect.runPromise(Effect.provide(effect, layer()) as Effect.Effect<A, unknown>)

    it("inside exclusive, the lock and the book read ahead are one statement and a commit is one more; the read ahead never goes stale", () =>
      run(
        Effect.gen(function* () {
          const store = yield* SettlementStore.SettlementStore
          yield* store.commit({
            ...EMPTY,
            book: { merchant: "m_1", currency: "EUR", schedule: { delayDays: 1 } }
          })
          const { spans, tracer } = Tracing.recording()
          const seen = yield* Effect.withTracer(
            store.exclusive(
              "m_1/EUR",
              Effect.gen(function* () {
                const first = yield* store.book("m_1", "EUR")
                yield* store.commit(everything(1))
                return first
              })
            ),
            tracer
          )
          expect(Option.getOrThrow(seen).schedule).toEqual({ delayDays: 1 })
          const statements = spans
            .map((s) => s.attributes.get("db.query.text"))
            .filter((q): q is string => typeof q === "string")
            .filter((q) => !/^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)/i.test(q.trim()))
          expect(statements).toHaveLength(2)
          expect(statements[0]).toContain("paykit_settlement_enter")
          expect(statements[1]).toContain("INSERT INTO paykit_settlement_payouts")
          expect(yield* counts).toMatchObject({
            paykit_settlement_transactions: 1,
            paykit_settlement_tranches: 1,
            paykit_settlement_runs: 1,
            paykit_settlement_payouts: 1,
            paykit_outbox: 1
          })
          // a commit that writes the book makes the next read go to the database: it sees the new book
          const books = yield* store.exclusive(
            "m_1/EUR",
            Effect.gen(function* () {
              const before = yield* store.book("m_1", "EUR")
              yield* store.commit({
                ...EMPTY,
                book: { merchant: "m_1", currency: "EUR", schedule: { delayDays: 7 } }
              })
              return [before, yield* store.book("m_1", "EUR")] as const
            })
          )
          expect(books.map((b) => Option.getOrThrow(b).schedule)).toEqual([
            { delayDays: 1 },
            { delayDays: 7 }
          ])
          // a key that is no book, and a book that does not exist, read nothing ahead and work
          expect(yield* store.exclusive("no-slash", Effect.succeed(1))).toBe(1)
          expect(Option.isNone(yield* store.exclusive("m_9/EUR", store.book("m_9", "EUR")))).toBe(true)
        })
      ))

    it("exclusive inside the caller's transaction joins it: a rollback keeps no record and no outbox row, a commit keeps both", () =>
      run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const store = yield* SettlementStore.SettlementStore
          const empty = yield* counts
          const failed = yield* Effect.flip(
            sql.withTransaction(
              Effect.andThen(
                store.exclusive("m_1/EUR", store.commit(everything(1))),
                Effect.fail("boom" as const)
              )
            )
          )
          expect(failed).toBe("boom")
          expect(yield* counts).toEqual(empty)
          yield* sql.withTransaction(store.exclusive("m_1/EUR", store.commit(everything(1))))
          expect(yield* counts).toEqual({
            paykit_settlement_books: 1,
            paykit_settlement_transactions: 1,
            paykit_settlement_tranches: 1,
            paykit_settlement_runs: 1,
            paykit_settlement_payouts: 1,
            paykit_outbox: 1
          })
          // a commit outside exclusive inside the caller's transaction rolls back with it too
          yield* Effect.flip(
            sql.withTransaction(Effect.andThen(store.commit(everything(2)), Effect.fail("no")))
          )
          expect(Option.isNone(yield* store.payout("po_2"))).toBe(true)
        })
      ))

    it("a statement failing inside exclusive, its failure swallowed by the body, fails exclusive with StoreFailure and keeps nothing", () =>
      run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const store = yield* SettlementStore.SettlementStore
          // a constraint of the database's own, so the statement is refused by PostgreSQL
          yield* sql`ALTER TABLE paykit_settlement_transactions ADD CONSTRAINT no_boom CHECK (description <> 'boom')`
          const empty = yield* counts
          const error = yield* Effect.flip(
            store.exclusive(
              "m_1/EUR",
              Effect.gen(function* () {
                yield* store.commit(everything(1))
                const refused = yield* Effect.flip(
                  store.commit({ ...EMPTY, created: [sampleTransaction("bt_boom", { description: "boom" })] })
                )
                expect(refused).toMatchObject({ _tag: "StoreFailure", operation: "commit" })
                return "went on" as const
              })
            )
          )
          expect(error).toMatchObject({ _tag: "StoreFailure", operation: "exclusive" })
          expect(yield* counts).toEqual(empty)
          // in a savepoint of the body's own, the body may recover
          yield* store.exclusive(
            "m_1/EUR",
            Effect.gen(function* () {
              yield* store.commit(everything(1))
              yield* Effect.flip(
                sql.withTransaction(
                  store.commit({ ...EMPTY, created: [sampleTransaction("bt_boom", { description: "boom" })] })
                )
              )
            })
          )
          expect((yield* counts).paykit_settlement_payouts).toBe(1)
          expect((yield* store.existing(["bt_boom", "bt_1"])).size).toBe(1)
        })
      ))

    it("hostile text (NUL, lone surrogates), out-of-range amounts and broken times are StoreFailure naming the field, before any SQL and with nothing written; odd but valid text reads back exactly; the next call works", () =>
      run(
        Effect.gen(function* () {
          const store = yield* SettlementStore.SettlementStore
          const empty = yield* counts
          const bad: ReadonlyArray<readonly [string, SettlementStore.Change]> = [
            ["created[0].id", { ...EMPTY, created: [sampleTransaction("bt\u0000")] }],
            [
              "created[0].merchant",
              { ...EMPTY, created: [sampleTransaction("bt_1", { merchant: "m\ud800" })] }
            ],
            [
              "created[0].description",
              { ...EMPTY, created: [sampleTransaction("bt_1", { description: "x\udc00" })] }
            ],
            [
              "created[0].feeDetails[0].label",
              {
                ...EMPTY,
                created: [
                  sampleTransaction("bt_1", { feeDetails: [{ kind: "fx", label: "\u0000", amount: 1n }] })
                ]
              }
            ],
            [
              "created[0].dimensions.brand",
              { ...EMPTY, created: [sampleTransaction("bt_1", { dimensions: { brand: "vi\u0000sa" } })] }
            ],
            [
              "created[0].ledgerEntries[1]",
              { ...EMPTY, created: [sampleTransaction("bt_1", { ledgerEntries: ["a", "\udbff"] })] }
            ],
            ["created[0].gross", { ...EMPTY, created: [sampleTransaction("bt_1", { gross: 2n ** 127n })] }],
            [
              "created[0].availableOn",
              { ...EMPTY, created: [sampleTransaction("bt_1", { availableOn: 1.5 })] }
            ],
            ["updated[0].payout", { ...EMPTY, updated: [sampleTransaction("bt_1", { payout: "po\u0000" })] }],
            [
              "book.schedule.note",
              { ...EMPTY, book: { merchant: "m_1", currency: "EUR", schedule: { note: "\ud800" } } }
            ],
            ["book.schedule", { ...EMPTY, book: { merchant: "m_1", currency: "EUR", schedule: { n: 1n } } }],
            [
              "tranches[0].remaining",
              {
                ...EMPTY,
                tranches: [
                  {
                    id: "tr",
                    merchant: "m_1",
                    currency: "EUR",
                    amount: 1n,
                    remaining: -(2n ** 128n),
                    releaseOn: 1
                  }
                ]
              }
            ],
            ["run.id", { ...EMPTY, run: sampleRun("run\u0000") }],
            [
              "payout.reference",
              {
                ...EMPTY,
                payout: { payout: samplePayout("po_1", { reference: "r\udfff" }), expectedVersion: undefined }
              }
            ],
            [
              "payout.version",
              {
                ...EMPTY,
                payout: { payout: samplePayout("po_1", { version: Number.NaN }), expectedVersion: undefined }
              }
            ],
            [
              "events[0].data.note",
              { ...EMPTY, events: [{ ...sampleEvent(1, "s"), data: { note: "\u0000" } }] }
            ],
            ["events[0].subject", { ...EMPTY, events: [sampleEvent(1, "s\ud800")] }]
          ]
          for (const [field, change] of bad) {
            const error = yield* Effect.flip(store.commit(change))
            expect(error).toMatchObject({ _tag: "StoreFailure", operation: "commit" })
            expect(error.message).toContain(field)
            expect(error.message).toContain("nothing was sent")
          }
          expect(yield* counts).toEqual(empty)
          for (const [operation, read] of [
            ["book", store.book("m\u0000", "EUR")],
            ["transactions", store.transactions({ merchant: "m_1", currency: "\ud800" })],
            ["existing", store.existing(["ok", "x\u0000"])],
            ["keys", store.keys({ merchant: "\udc00", currency: "EUR" }, 10)],
            ["scan", store.scan({ limit: 10, after: { availableOn: 0, id: "\u0000" } })],
            ["tranches", store.tranches("m_1", "E\u0000")],
            ["run", store.run("\ud800")],
            ["payout", store.payout("\u0000")],
            ["exclusive", store.exclusive("m\u0000/EUR", Effect.void)]
          ] as const) {
            const error = yield* Effect.flip(
              read as Effect.Effect<unknown, { _tag: string; operation?: string }>
            )
            expect(error).toMatchObject({ _tag: "StoreFailure", operation })
          }
          // odd text that PostgreSQL holds is stored and read back exactly
          const odd = sampleTransaction("bt_'\";--\\ \ufffd 😀", {
            merchant: "m '\"\\",
            description: "x".repeat(5_000),
            dimensions: { method: "😀", brand: "\ufffd", region: "" },
            feeDetails: [{ kind: "other", label: "a\u0001\u007f\u200b", amount: -1n }]
          })
          yield* store.commit({ ...EMPTY, created: [odd] })
          expect(yield* store.transactions({ merchant: odd.merchant, currency: "EUR" })).toEqual([odd])
          yield* store.commit(everything(3))
          expect(Option.isSome(yield* store.payout("po_3"))).toBe(true)
        })
      ))

    it("amounts are exact numeric columns; JSON keeps them as strings", () =>
      run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const store = yield* SettlementStore.SettlementStore
          const big = 2n ** 126n + 3n
          yield* store.commit({
            ...EMPTY,
            created: [
              sampleTransaction("bt_big", {
                gross: big,
                fee: -big,
                net: 2n * big - (2n ** 127n - 1n) - 1n,
                feeDetails: [{ kind: "fx", label: "fx", amount: -big }]
              })
            ]
          })
          const [row] = yield* sql<{
            gross: string
            fee: string
            kind: string
          }>`SELECT gross::text AS gross, fee::text AS fee, jsonb_typeof(fee_details -> 0 -> 'amount') AS kind
            FROM paykit_settlement_transactions`
          expect(row).toEqual({ gross: big.toString(), fee: (-big).toString(), kind: "string" })
          const [t] = yield* store.transactions({ merchant: "m_1", currency: "EUR" })
          expect([t!.gross, t!.fee, t!.feeDetails[0]!.amount]).toEqual([big, -big, -big])
        })
      ))

    it("a database failure is StoreFailure naming the operation, and a failed commit keeps nothing", () =>
      run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          const store = yield* SettlementStore.SettlementStore
          yield* sql`DROP TABLE paykit_settlement_runs`
          expect(yield* Effect.flip(store.run("run_1"))).toMatchObject({
            _tag: "StoreFailure",
            operation: "run"
          })
          expect(yield* Effect.flip(store.commit(everything(1)))).toMatchObject({
            _tag: "StoreFailure",
            operation: "commit"
          })
          expect(Option.isNone(yield* store.payout("po_1"))).toBe(true)
          expect((yield* store.existing(["bt_1"])).size).toBe(0)
          expect(yield* store.tranches("m_1", "EUR")).toEqual([])
          expect(Option.isNone(yield* store.book("m_1", "EUR"))).toBe(true)
        })
      ))
  })

adapterTests("PGlite", pglite)

// PostgreSQL: a fresh schema per store on the server named by PAYKIT_TEST_DATABASE_URL.
describe.skipIf(serverUrl === undefined)("SettlementStorePostgres on a PostgreSQL server", () => {
  const layer = () =>
    TestStores.serverWith(serverUrl!, "stl", SettlementStorePostgres.layer, { maxConnections: 4 })

  SettlementStoreContract.suite<SqlClient.SqlClient>("PostgreSQL", layer(), {
    numRuns: 10,
    deliveredEvents: delivered
  })
  adapterTests("a PostgreSQL server", layer)
})
