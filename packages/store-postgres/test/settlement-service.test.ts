import { Notifier } from "@paykit/core"
import { Tracing } from "@paykit/core/testing"
import { ChartOfAccounts, Ledger, LedgerStore } from "@paykit/ledger"
import { Payments, PaymentStore } from "@paykit/payments"
import { Run, Settlement, SettlementStore } from "@paykit/settlement"
import { Effect, Layer, Option, Result } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import * as Outbox from "../src/Outbox.ts"
import { TestStores } from "../src/testing/index.ts"
import { serverUrl } from "./support/env.ts"
import {
  balancesAgree,
  charge,
  clock,
  DAY,
  env,
  MON,
  onClient,
  onServer,
  openBooks,
  runAt
} from "./support/settlement.ts"

// The settlement service with payments and the ledger, all three stores on one database: a run's
// ledger entries join the transaction of its records, and what it does equals what it does on the
// memory stores.

const memory = env(
  Layer.mergeAll(SettlementStore.layerMemory, PaymentStore.layerMemory, LedgerStore.layerMemory)
)

const pglite = () => env(TestStores.pgliteSharedWith("stlsvc", onClient))

/**
 * A day of card captures (one refunded), recorded; the run two business days later (held back
 * by a rolling reserve, the rest paid out); the same run again; the payout paid, then returned
 * by the bank; the next day's run paying the returned money again. Balances are checked against
 * the ledger after every step. Returns what the service reports, for the two backends to agree on.
 */
const day = <R>(drain: Effect.Effect<unknown, unknown, R>) =>
  Effect.gen(function* () {
    yield* clock.set(MON)
    yield* openBooks(["m_1"])
    const s = yield* Settlement.Settlement
    const p = yield* Payments.Payments
    yield* s.configure("m_1", "EUR", {
      schedule: { delayDays: 2, interval: { _tag: "daily" }, minimumPayout: { EUR: "100" } },
      reservePlan: { bps: 1000, releaseAfterDays: 7, rounding: "half-up" }
    })
    const amounts = ["10000", "5000", "123456789012", "1", "250", "9999"]
    for (const [i, amount] of amounts.entries()) {
      yield* clock.set(MON + i * 60_000)
      yield* charge(`pay_${i}`, "m_1", amount)
      yield* s.record(`pay_${i}`)
    }
    yield* p.refund("pay_4", { reason: "requested_by_customer" })
    const refunds = yield* s.record("pay_4")
    expect(refunds.map((t) => t.type)).toEqual(["refund"])
    expect(yield* s.record("pay_0")).toEqual([])
    yield* balancesAgree("m_1")

    const wed = yield* runAt("m_1", MON + 2 * DAY)
    expect(wed.madeAvailable).toBe(amounts.length)
    expect(wed.reserveHeld).toBeGreaterThan(0n)
    expect(yield* runAt("m_1", MON + 2 * DAY)).toEqual(wed)
    const afterRun = yield* balancesAgree("m_1")
    expect(afterRun.pending).toBe(0n)

    const payout = yield* s.payout(wed.payout!)
    const owned = yield* s.transactions({ merchant: "m_1", currency: "EUR", payout: payout.id })
    expect(owned.filter((t) => t.type !== "payout").reduce((a, t) => a + t.net, 0n)).toBe(payout.amount)
    expect((yield* s.sendPayout(payout.id)).status).toBe("paid")
    yield* balancesAgree("m_1")
    const returned = yield* s.updatePayout(payout.id, { _tag: "failed", code: "account_closed" })
    expect(returned).toMatchObject({ status: "failed", failedAfterPaid: true })
    expect((yield* balancesAgree("m_1")).available).toBe(payout.amount)

    const thu = yield* runAt("m_1", MON + 3 * DAY)
    const again = yield* s.payout(thu.payout!)
    expect(again.amount).toBe(payout.amount)
    yield* balancesAgree("m_1")

    yield* drain
    const events = (yield* (yield* Notifier.RecordedEvents).all)
      .filter((e) => e.type.startsWith("settlement."))
      .map((e) => ({ type: e.type, subject: e.subject, data: e.data, occurredAt: e.occurredAt }))
    expect(events.map((e) => e.type)).toEqual([
      "settlement.run.completed",
      "settlement.payout.created",
      "settlement.payout.paid",
      "settlement.payout.failed",
      "settlement.run.completed",
      "settlement.payout.created"
    ])
    return {
      runs: [wed, thu],
      payouts: [yield* s.payout(payout.id), again],
      transactions: yield* s.transactions({ merchant: "m_1", currency: "EUR" }),
      balances: yield* s.balances("m_1", "EUR"),
      events
    }
  })

const relayDrain = Effect.gen(function* () {
  const relay = yield* Outbox.makeRelay()
  yield* relay.drain
  yield* relay.release
})

type Env =
  | Settlement.Settlement
  | SettlementStore.SettlementStore
  | Payments.Payments
  | Ledger.Ledger
  | SqlClient.SqlClient
  | Notifier.Notifier
  | Notifier.RecordedEvents

const serviceTests = (name: string, stack: () => Layer.Layer<Env, unknown>) =>
  describe(`Settlement on ${name}, with payments and the ledger on the same database`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, Env>) =>
      Effect.runPromise(Effect.provide(effect, stack()) as Effect.Effect<A, unknown>)

    it("a day of captures, a run, a payout paid then returned: balances equal the ledger's after every step, and everything the service reports equals the memory stores'", async () => {
      const expected = await Effect.runPromise(Effect.provide(day(Effect.void), memory))
      const got = await run(day(relayDrain))
      expect(got).toEqual(expected)
      expect(got.transactions.length).toBeGreaterThan(10)
    })

    it("a ledger refusal inside a run (a merchant whose reserve account was never opened) records nothing: no run, no payout, no transaction made available, no ledger entry, no event; after opening it the next run works", () =>
      run(
        Effect.gen(function* () {
          yield* clock.set(MON)
          yield* openBooks(["m_2"], ["m_2"])
          const s = yield* Settlement.Settlement
          const ledger = yield* Ledger.Ledger
          const sql = yield* SqlClient.SqlClient
          yield* s.configure("m_2", "EUR", {
            schedule: { delayDays: 1, interval: { _tag: "daily" } },
            reservePlan: { bps: 500, releaseAfterDays: 30, rounding: "down" }
          })
          yield* charge("pay_r1", "m_2", "20000")
          yield* charge("pay_r2", "m_2", "30000")
          yield* s.record("pay_r1")
          yield* s.record("pay_r2")
          // (no reserve account yet: the ledger's pending and available against settlement's)
          const twoBalances = Effect.gen(function* () {
            const mine = yield* s.balances("m_2", "EUR")
            const pending = (yield* ledger.balances("merchant:m_2:pending:EUR")).posted.amount
            const available = (yield* ledger.balances("merchant:m_2:available:EUR")).pending.amount
            expect({ pending: mine.pending, available: mine.available }).toEqual({ pending, available })
            return mine
          })
          const before = {
            transactions: yield* s.transactions({ merchant: "m_2", currency: "EUR" }),
            balances: yield* twoBalances
          }
          expect(before.balances.pending).toBeGreaterThan(0n)
          const outboxRows = () =>
            Effect.map(sql<{ n: number }>`SELECT count(*)::int AS n FROM paykit_outbox`, (r) =>
              Number(r[0]?.n)
            )
          const rowsBefore = yield* outboxRows()
          const cutoff = MON + DAY
          const refused = yield* Effect.flip(runAt("m_2", cutoff))
          expect(refused._tag).toBe("SettlementRefused")
          expect(refused.message).toContain("linked batch")
          const store = yield* SettlementStore.SettlementStore
          const runId = Run.idOf("m_2", "EUR", cutoff)
          expect(Option.isNone(yield* store.run(runId))).toBe(true)
          expect(Option.isNone(yield* store.payout(`po:m_2:EUR:${cutoff}`))).toBe(true)
          expect(yield* s.transactions({ merchant: "m_2", currency: "EUR" })).toEqual(before.transactions)
          expect(yield* s.balances("m_2", "EUR")).toEqual(before.balances)
          // the transfer to available came first in the batch: not applied either
          expect(Option.isNone(yield* Effect.option(ledger.getEntry(`${runId}:available`)))).toBe(true)
          expect(yield* outboxRows()).toBe(rowsBefore)
          expect(yield* twoBalances).toEqual(before.balances)

          const reserve = Result.getOrThrow(ChartOfAccounts.merchantAccounts("m_2", "EUR")).reserve
          expect((yield* ledger.executeSummary([ChartOfAccounts.open(reserve)])).failures).toEqual([])
          const ok = yield* runAt("m_2", cutoff)
          expect(ok.madeAvailable).toBe(2)
          expect(ok.reserveHeld).toBe(2_500n)
          expect(Option.isSome(yield* Effect.option(ledger.getEntry(`${runId}:available`)))).toBe(true)
          expect(yield* balancesAgree("m_2")).toMatchObject({ pending: 0n, reserve: 2_500n })
        })
      ))

    it("a run is one transaction: the lock with the book read ahead, its reads, the ledger's write and one commit statement", () =>
      run(
        Effect.gen(function* () {
          yield* clock.set(MON)
          yield* openBooks(["m_3"])
          const s = yield* Settlement.Settlement
          yield* charge("pay_t1", "m_3", "7000")
          yield* s.record("pay_t1")
          yield* clock.set(MON + 2 * DAY)
          const { spans, tracer } = Tracing.recording()
          const r = yield* Effect.withTracer(
            s.run({ merchant: "m_3", currency: "EUR", cutoff: MON + 2 * DAY }),
            tracer
          )
          expect(r.payout).toBeDefined()
          expect(spans.filter((x) => x.name === "sql.transaction")).toHaveLength(1)
          const statements = spans
            .map((x) => x.attributes.get("db.query.text"))
            .filter((q): q is string => typeof q === "string")
          const settlement = statements.filter((q) => q.includes("paykit_settlement_"))
          // enter (lock + book), the run's record, due and unpaid transactions, tranches, the commit
          expect(settlement).toHaveLength(6)
          expect(settlement[0]).toContain("paykit_settlement_enter")
          expect(settlement.filter((q) => /INSERT INTO paykit_settlement/.test(q))).toHaveLength(1)
          yield* balancesAgree("m_3")
        })
      ))
  })

serviceTests("PGlite", pglite)

describe.skipIf(serverUrl === undefined)("Settlement on a PostgreSQL server", () => {
  serviceTests("a PostgreSQL server", () => env(TestStores.serverWith(serverUrl!, "stlsvc", onServer)))
})
