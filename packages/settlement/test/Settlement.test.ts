import { Ids, Notifier } from "@paykit/core"
import { ChartOfAccounts, Ledger } from "@paykit/ledger"
import { Books, Payments, PaymentStore } from "@paykit/payments"
import { TestProvider } from "@paykit/payments/testing"
import { Effect, Layer, Result } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { Calendar, FeePolicy, FeeSchedule, Settlement, SettlementStore } from "../src/index.ts"
import { TestPayoutProvider } from "../src/testing/index.ts"

const DAY = 86_400_000
// Monday 2 March 2026, 10:00 UTC
const MON = Date.UTC(2026, 2, 2, 10)
const cal = Calendar.decodeUnsafe({ timeZone: "UTC" })

const envWith = (script?: TestPayoutProvider.Script) =>
  Settlement.layer({ calendar: cal, payoutBank: "operating" }).pipe(
    Layer.provideMerge(
      Payments.layer({
        books: { _tag: "acquiring", bank: "acq", refundsFrom: "available" },
        fees: Books.percentPlusFixed({ bps: 290, fixed: { EUR: 30n } })
      })
    ),
    Layer.provideMerge(
      Layer.mergeAll(
        SettlementStore.layerMemory,
        PaymentStore.layerMemory,
        TestProvider.layer(),
        TestPayoutProvider.layer(script),
        Ledger.layerMemory()
      )
    ),
    Layer.provideMerge(Layer.mergeAll(Notifier.layerMemory, Ids.layerSeeded(7), TestClock.layer()))
  )

const openBooks = (merchants: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const ledger = yield* Ledger.Ledger
    const refs = [
      Result.getOrThrow(ChartOfAccounts.settlementBank("acq", "EUR")),
      Result.getOrThrow(ChartOfAccounts.settlementBank("operating", "EUR")),
      Result.getOrThrow(ChartOfAccounts.feeRevenue("EUR")),
      ...merchants.flatMap((m) =>
        Object.values(Result.getOrThrow(ChartOfAccounts.merchantAccounts(m, "EUR")))
      )
    ]
    const s = yield* ledger.executeSummary(refs.map(ChartOfAccounts.open))
    expect(s.failures).toEqual([])
  })

const charge = (id: string, merchant: string, amount: string) =>
  Effect.gen(function* () {
    const p = yield* Payments.Payments
    yield* p.create({
      id,
      merchant,
      customer: "cus_1",
      paymentMethod: "pm_approve",
      amount: { amount, currency: "EUR" },
      captureMethod: "automatic",
      metadata: { method: "card", card_brand: "visa", card_region: "domestic" }
    })
    return yield* p.confirm(id)
  })

/** Runs settlement at its cut-off (the clock moved there first: a cut-off may not be in the future). */
const runAt = (s: Settlement.Settlement["Service"], merchant: string, cutoff: number) =>
  Effect.andThen(TestClock.setTime(cutoff), s.run({ merchant, currency: "EUR", cutoff }))

/** The ledger's view of a merchant's three balances (the available one with payouts on their way taken out). */
const ledgerBalances = (merchant: string) =>
  Effect.gen(function* () {
    const ledger = yield* Ledger.Ledger
    const b = (k: string) => ledger.balances(`merchant:${merchant}:${k}:EUR`)
    return {
      pending: (yield* b("pending")).posted.amount,
      available: (yield* b("available")).pending.amount,
      reserve: (yield* b("reserve")).posted.amount
    }
  })

/** 2.9% + 0.30, half-even; refunds give the fees back in proportion. */
const returning = Result.getOrThrow(
  FeeSchedule.decode({
    versions: [
      {
        effectiveFrom: 0,
        pricing: { shape: { type: "blended", rate: "2.9", fixed: { EUR: "30" }, rounding: "half-even" } },
        events: {
          refund: { policy: "returned" },
          void: { policy: "returned" },
          reversal: { policy: "returned" },
          dispute: { policy: "charged", fixed: { EUR: "1500" } }
        }
      }
    ]
  })
)

const envWithSchedule = Settlement.layer({
  calendar: cal,
  payoutBank: "operating",
  feeSchedule: returning
}).pipe(
  Layer.provideMerge(
    Payments.layer({
      books: { _tag: "acquiring", bank: "acq", refundsFrom: "available" },
      fees: FeePolicy.fromSchedule(returning)
    })
  ),
  Layer.provideMerge(
    Layer.mergeAll(
      SettlementStore.layerMemory,
      PaymentStore.layerMemory,
      TestProvider.layer(),
      TestPayoutProvider.layer(),
      Ledger.layerMemory()
    )
  ),
  Layer.provideMerge(Layer.mergeAll(Notifier.layerMemory, Ids.layerSeeded(9), TestClock.layer()))
)

describe("Settlement", () => {
  it("the fee schedule prices the capture and its refund policy gives the fees back in proportion, booked on the ledger", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(MON)
        yield* openBooks(["m_8"])
        const s = yield* Settlement.Settlement
        const p = yield* Payments.Payments
        yield* charge("pay_fee", "m_8", "10000")
        const [c] = yield* s.record("pay_fee")
        expect([c!.fee, c!.feeDetails.map((f) => f.kind)]).toEqual([320n, ["processing"]])
        yield* p.refund("pay_fee", { amount: "5000", reason: "requested_by_customer" })
        const [r] = yield* s.record("pay_fee")
        // half the payment refunded: half the fees (160) come back to the merchant
        expect([r!.gross, r!.fee, r!.net]).toEqual([-5_000n, -160n, -4_840n])
        const ledger = yield* Ledger.Ledger
        expect((yield* ledger.getEntry("pay_fee:refund:1:fees")).postings[0]).toMatchObject({
          debit: "platform:fees:EUR",
          credit: "merchant:m_8:available:EUR",
          amount: 160n
        })
        expect((yield* ledger.balances("platform:fees:EUR")).posted.amount).toBe(160n)
        expect(yield* s.balances("m_8", "EUR")).toEqual(yield* ledgerBalances("m_8"))
        expect(yield* s.record("pay_fee")).toEqual([])
      }).pipe(Effect.provide(envWithSchedule))
    ))

  it("a week of card payments: charges available T+2, a rolling reserve, a payout that owns exactly its transactions, balances equal to the ledger's", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(MON)
        yield* openBooks(["m_1"])
        const s = yield* Settlement.Settlement
        yield* s.configure("m_1", "EUR", {
          schedule: { delayDays: 2, interval: { _tag: "daily" }, minimumPayout: { EUR: "100" } },
          reservePlan: { bps: 1000, releaseAfterDays: 7, rounding: "half-up" }
        })
        yield* charge("pay_1", "m_1", "10000")
        yield* charge("pay_2", "m_1", "5000")
        const recorded = [...(yield* s.record("pay_1")), ...(yield* s.record("pay_2"))]
        expect(recorded.map((t) => [t.type, t.gross, t.fee, t.net])).toEqual([
          ["charge", 10_000n, 320n, 9_680n],
          ["charge", 5_000n, 175n, 4_825n]
        ])
        expect(recorded[0]!.dimensions).toEqual({ method: "card", brand: "visa", region: "domestic" })
        // recording again finds nothing new
        expect(yield* s.record("pay_1")).toEqual([])
        expect(yield* s.balances("m_1", "EUR")).toEqual(yield* ledgerBalances("m_1"))

        // Tuesday: nothing is due yet (T+2 is Wednesday)
        const tue = yield* runAt(s, "m_1", MON + DAY)
        expect(tue.madeAvailable).toBe(0)
        // Wednesday: both charges become available, 10% is held back, the rest is paid out
        const wed = yield* runAt(s, "m_1", MON + 2 * DAY)
        expect(wed.madeAvailable).toBe(2)
        expect(wed.reserveHeld).toBe(1_500n)
        expect(wed.payout).toBeDefined()
        const payout = yield* s.payout(wed.payout!)
        expect(payout.amount).toBe(9_680n + 4_825n - 1_500n)
        const owned = yield* s.transactions({ merchant: "m_1", currency: "EUR", payout: payout.id })
        const paidThrough = owned.filter((t) => t.type !== "payout")
        expect(paidThrough.reduce((a, t) => a + t.net, 0n)).toBe(payout.amount)
        expect(payout.controlTotal).toBe(payout.amount)
        expect(paidThrough.length).toBe(payout.transactionCount)
        expect(yield* s.balances("m_1", "EUR")).toEqual({ pending: 0n, available: 0n, reserve: 1_500n })
        expect(yield* s.balances("m_1", "EUR")).toEqual(yield* ledgerBalances("m_1"))

        // the same run again changes nothing
        const again = yield* runAt(s, "m_1", MON + 2 * DAY)
        expect(again).toEqual(wed)
        expect(yield* s.balances("m_1", "EUR")).toEqual(yield* ledgerBalances("m_1"))

        // the payout goes out and is paid
        expect((yield* s.sendPayout(payout.id)).status).toBe("in_transit")
        expect((yield* s.updatePayout(payout.id, { _tag: "paid" })).status).toBe("paid")
        expect((yield* s.updatePayout(payout.id, { _tag: "paid" })).status).toBe("paid")
        expect(yield* s.balances("m_1", "EUR")).toEqual(yield* ledgerBalances("m_1"))

        // a week later the reserve is released and paid out
        const later = yield* runAt(s, "m_1", MON + 9 * DAY)
        expect(later.reserveReleased).toBe(1_500n)
        expect((yield* s.payout(later.payout!)).amount).toBe(1_500n)
        expect(yield* s.balances("m_1", "EUR")).toEqual(yield* ledgerBalances("m_1"))
      }).pipe(Effect.provide(envWith()))
    ))

  it("a paid payout returned by the bank: a new entry brings the money back and the next payout pays it", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(MON)
        yield* openBooks(["m_2"])
        const s = yield* Settlement.Settlement
        yield* charge("pay_3", "m_2", "20000")
        yield* s.record("pay_3")
        const run = yield* runAt(s, "m_2", MON + 2 * DAY)
        const id = run.payout!
        expect((yield* s.sendPayout(id)).status).toBe("paid")
        const failed = yield* s.updatePayout(id, { _tag: "failed", code: "account_closed" })
        expect(failed.status).toBe("failed")
        expect(failed.failedAfterPaid).toBe(true)
        const ledger = yield* Ledger.Ledger
        expect((yield* ledger.getEntry(`${id}:returned`)).postings[0]!.amount).toBe(failed.amount)
        expect(yield* s.balances("m_2", "EUR")).toEqual({
          pending: 0n,
          available: failed.amount,
          reserve: 0n
        })
        expect(yield* s.balances("m_2", "EUR")).toEqual(yield* ledgerBalances("m_2"))
        // a failed payout cannot be paid or canceled
        expect((yield* Effect.flip(s.updatePayout(id, { _tag: "paid" })))._tag).toBe("PayoutStatusConflict")
        const next = yield* runAt(s, "m_2", MON + 3 * DAY)
        expect((yield* s.payout(next.payout!)).amount).toBe(failed.amount)
        // no transaction is paid out twice
        const all = yield* s.transactions({ merchant: "m_2", currency: "EUR" })
        const ownedBy = all.filter((t) => t.type !== "payout").map((t) => t.payout)
        expect(ownedBy.filter((p) => p === id).length + ownedBy.filter((p) => p === next.payout).length).toBe(
          ownedBy.length
        )
      }).pipe(
        Effect.provide(envWith((p) => (p.merchant === "m_2" ? { _tag: "paid" } : { _tag: "accepted" })))
      )
    ))

  it("a refund after settlement debits the available balance; a negative balance draws on the reserve", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(MON)
        yield* openBooks(["m_3"])
        const s = yield* Settlement.Settlement
        const p = yield* Payments.Payments
        yield* s.configure("m_3", "EUR", {
          schedule: { delayDays: 1, interval: { _tag: "manual" } },
          reservePlan: { bps: 5000, releaseAfterDays: 30, rounding: "down" }
        })
        yield* charge("pay_4", "m_3", "10000")
        yield* s.record("pay_4")
        yield* runAt(s, "m_3", MON + DAY)
        expect(yield* s.balances("m_3", "EUR")).toEqual({ pending: 0n, available: 4_680n, reserve: 5_000n })
        // a full refund: the available balance cannot cover it; the next run draws on the reserve
        yield* p.refund("pay_4", { reason: "requested_by_customer" })
        const refunds = yield* s.record("pay_4")
        expect(refunds.map((t) => [t.type, t.net, t.status])).toEqual([["refund", -10_000n, "available"]])
        expect((yield* s.balances("m_3", "EUR")).available).toBe(-5_320n)
        const run = yield* runAt(s, "m_3", MON + 2 * DAY)
        expect(run.reserveReleased).toBe(5_000n)
        expect(run.carried).toBe("manual")
        expect(yield* s.balances("m_3", "EUR")).toEqual({ pending: 0n, available: -320n, reserve: 0n })
        expect(yield* s.balances("m_3", "EUR")).toEqual(yield* ledgerBalances("m_3"))
      }).pipe(Effect.provide(envWith()))
    ))

  it("runAll settles every merchant's book once per cut-off; scan pages through every transaction in (availableOn, id) order", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(MON)
        yield* openBooks(["m_5", "m_6", "m_7"])
        const s = yield* Settlement.Settlement
        for (const [i, m] of ["m_5", "m_6", "m_7"].entries()) {
          yield* charge(`pay_all_${i}a`, m, String(1_000 * (i + 1)))
          yield* charge(`pay_all_${i}b`, m, String(2_000 * (i + 1)))
          yield* s.record(`pay_all_${i}a`)
          yield* s.record(`pay_all_${i}b`)
        }
        yield* TestClock.setTime(MON + 2 * DAY)
        expect(yield* s.runAll({ cutoff: MON + 2 * DAY })).toEqual({ runs: 3, payouts: 3 })
        expect(yield* s.runAll({ cutoff: MON + 2 * DAY })).toEqual({ runs: 3, payouts: 3 })
        for (const m of ["m_5", "m_6", "m_7"])
          expect(yield* s.balances(m, "EUR")).toEqual({ pending: 0n, available: 0n, reserve: 0n })
        const seen: Array<string> = []
        let after: { availableOn: number; id: string } | undefined
        for (;;) {
          const page = yield* s.scan({ limit: 2, ...(after === undefined ? {} : { after }) })
          seen.push(...page.map((t) => t.id))
          if (page.length < 2) break
          const last = page[page.length - 1]!
          after = { availableOn: last.availableOn, id: last.id }
        }
        const all = (yield* s.scan({ limit: 10_000 })).map((t) => t.id)
        expect(seen).toEqual(all)
        expect(new Set(seen).size).toBe(9) // 6 charges and the 3 payouts' own transactions
        expect((yield* Effect.flip(s.scan({ limit: 0 })))._tag).toBe("InvalidInput")
      }).pipe(Effect.provide(envWith()))
    ))

  it("a dispute and its reversal through adjust: the chargeback and its fee off the available balance, the reserve drawn on, idempotent, refused whole when an account is missing", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(MON)
        yield* openBooks(["m_9"])
        const s = yield* Settlement.Settlement
        yield* s.configure("m_9", "EUR", {
          schedule: { delayDays: 1, interval: { _tag: "manual" } },
          reservePlan: { bps: 5000, releaseAfterDays: 30, rounding: "down" }
        })
        yield* charge("pay_dp", "m_9", "10000")
        yield* s.record("pay_dp")
        yield* runAt(s, "m_9", MON + DAY)
        const dispute = {
          id: "dp_1",
          merchant: "m_9",
          currency: "EUR",
          type: "dispute",
          amount: "-10000",
          fee: "1500",
          counterparty: "bank:acq:clearing:EUR",
          payment: "pay_dp"
        } as const
        const t = yield* s.adjust(dispute)
        expect([t.type, t.reportingCategory, t.gross, t.fee, t.net]).toEqual([
          "dispute",
          "dispute",
          -10_000n,
          1_500n,
          -11_500n
        ])
        expect(yield* s.adjust(dispute)).toEqual(t)
        expect((yield* s.balances("m_9", "EUR")).available).toBe(4_680n - 11_500n)
        const run = yield* runAt(s, "m_9", MON + 2 * DAY)
        expect(run.reserveReleased).toBe(5_000n)
        expect(yield* s.balances("m_9", "EUR")).toEqual(yield* ledgerBalances("m_9"))
        const won = yield* s.adjust({
          ...dispute,
          id: "dp_1:won",
          type: "dispute_reversal",
          amount: "10000",
          fee: "0"
        })
        expect(won.net).toBe(10_000n)
        expect(yield* s.balances("m_9", "EUR")).toEqual(yield* ledgerBalances("m_9"))
        // a counterparty account never opened: refused, nothing recorded
        const before = yield* s.transactions({ merchant: "m_9", currency: "EUR" })
        const refused = yield* Effect.flip(
          s.adjust({ ...dispute, id: "dp_2", counterparty: "bank:nowhere:clearing:EUR" })
        )
        expect(refused._tag).toBe("SettlementRefused")
        expect(yield* s.transactions({ merchant: "m_9", currency: "EUR" })).toEqual(before)
        // a dispute needs its counterparty
        const { counterparty: _c, ...noCounterparty } = dispute
        expect((yield* Effect.flip(s.adjust({ ...noCounterparty, id: "dp_3" })))._tag).toBe("InvalidInput")
      }).pipe(Effect.provide(envWith()))
    ))

  it("the Promise client: operations as promises on one runtime, typed errors as rejections", async () => {
    const client = Settlement.client(envWith())
    try {
      expect(await client.runAll({ cutoff: 0 })).toEqual({ runs: 0, payouts: 0 })
      await expect(client.run({ merchant: "m_1", currency: "eur", cutoff: 0 })).rejects.toMatchObject({
        _tag: "InvalidInput"
      })
      await expect(client.payout("po_none")).rejects.toMatchObject({ _tag: "PayoutNotFound" })
    } finally {
      await client.dispose()
    }
  })

  it("hostile input to every operation is a typed error naming the field, and changes nothing", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(MON)
        yield* openBooks(["m_4"])
        const s = yield* Settlement.Settlement
        yield* charge("pay_5", "m_4", "10000")
        yield* s.record("pay_5")
        const before = yield* s.transactions({ merchant: "m_4", currency: "EUR" })
        const garbage: ReadonlyArray<unknown> = [
          null,
          undefined,
          42,
          "",
          "x".repeat(500),
          {},
          [],
          -1,
          1e300,
          { _tag: "paid" }
        ]
        for (const g of garbage) {
          const errors = [
            yield* Effect.flip(s.run(g as never)),
            // a cutoff must be a past or present instant: a future one would make funds available early
            yield* Effect.flip(
              s.run({
                merchant: "m_4",
                currency: "EUR",
                cutoff: typeof g === "number" ? g + MON + DAY : g
              } as never)
            ),
            yield* Effect.flip(s.record(g as never)),
            yield* Effect.flip(s.configure("m_4", "EUR", { schedule: g })),
            // (no plan, `undefined`, is a valid plan: none)
            yield* Effect.flip(
              s.configure("m_4", "EUR", {
                schedule: { delayDays: 1, interval: { _tag: "daily" } },
                reservePlan: g === undefined ? "none" : g
              })
            ),
            yield* Effect.flip(s.updatePayout("po_x", g)),
            yield* Effect.flip(s.payout(g as never)),
            yield* Effect.flip(s.balances(g as never, "EUR")),
            yield* Effect.flip(s.transactions(g as never)),
            yield* Effect.flip(s.adjust(g as never)),
            yield* Effect.flip(
              s.adjust({ id: "adj_1", merchant: "m_4", currency: "EUR", type: "fee", amount: g as never })
            )
          ]
          for (const e of errors)
            expect(["InvalidInput", "InvalidPayoutSchedule", "PayoutNotFound"]).toContain(e._tag)
        }
        const bad = yield* Effect.flip(
          s.configure("m_4", "EUR", {
            schedule: { delayDays: 1, interval: { _tag: "daily" } },
            reservePlan: { bps: 20_000, releaseAfterDays: 1, rounding: "down" }
          })
        )
        expect(bad.message).toContain("bps")
        expect(yield* s.transactions({ merchant: "m_4", currency: "EUR" })).toEqual(before)
        // the next valid call still works
        const run = yield* runAt(s, "m_4", MON + 2 * DAY)
        expect(run.madeAvailable).toBe(1)
        expect(yield* s.balances("m_4", "EUR")).toEqual(yield* ledgerBalances("m_4"))
      }).pipe(Effect.provide(envWith()))
    ))
})
