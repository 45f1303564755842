import { Ids, Notifier } from "@paykit/core"
import { ChartOfAccounts, Ledger } from "@paykit/ledger"
import { Books, Payments, PaymentStore } from "@paykit/payments"
import { TestProvider } from "@paykit/payments/testing"
import { Effect, Layer, Result } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Calendar, Payout, Settlement, SettlementStore } from "../src/index.ts"
import { TestPayoutProvider } from "../src/testing/index.ts"

const DAY = 86_400_000
const START = Date.UTC(2026, 2, 2, 10)
const MERCHANTS = ["m_a", "m_b"] as const

type Cmd =
  | { readonly _tag: "charge"; readonly merchant: 0 | 1; readonly amount: number }
  | { readonly _tag: "refund"; readonly pick: number; readonly share: number }
  | { readonly _tag: "advance"; readonly days: number }
  | { readonly _tag: "run"; readonly merchant: 0 | 1 }
  | { readonly _tag: "send"; readonly pick: number }
  | { readonly _tag: "dispute"; readonly pick: number; readonly won: boolean }
  | {
      readonly _tag: "news"
      readonly pick: number
      readonly update: "paid" | "failed" | "canceled" | "accepted"
    }

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      _tag: fc.constant("charge" as const),
      merchant: fc.constantFrom(0 as const, 1 as const),
      amount: fc.integer({ min: 1, max: 50_000 })
    })
  },
  {
    weight: 2,
    arbitrary: fc.record({
      _tag: fc.constant("refund" as const),
      pick: fc.nat(),
      share: fc.integer({ min: 1, max: 100 })
    })
  },
  {
    weight: 2,
    arbitrary: fc.record({ _tag: fc.constant("advance" as const), days: fc.integer({ min: 0, max: 4 }) })
  },
  {
    weight: 3,
    arbitrary: fc.record({
      _tag: fc.constant("run" as const),
      merchant: fc.constantFrom(0 as const, 1 as const)
    })
  },
  { weight: 2, arbitrary: fc.record({ _tag: fc.constant("send" as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ _tag: fc.constant("dispute" as const), pick: fc.nat(), won: fc.boolean() })
  },
  {
    weight: 3,
    arbitrary: fc.record({
      _tag: fc.constant("news" as const),
      pick: fc.nat(),
      update: fc.constantFrom("paid" as const, "failed" as const, "canceled" as const, "accepted" as const)
    })
  }
)

const env = (reserve: boolean) =>
  Settlement.layer({
    calendar: Calendar.decodeUnsafe({ timeZone: "Asia/Shanghai" }),
    payoutBank: "operating"
  })
    .pipe(
      Layer.provideMerge(
        Payments.layer({
          books: { _tag: "acquiring", bank: "acq", refundsFrom: "available" },
          fees: Books.percentPlusFixed({ bps: 250, fixed: { EUR: 25n } })
        })
      ),
      Layer.provideMerge(
        Layer.mergeAll(
          SettlementStore.layerMemory,
          PaymentStore.layerMemory,
          TestProvider.layer(),
          // every third payout the bank refuses at once; the rest go in transit
          TestPayoutProvider.layer((p) =>
            p.amount % 3n === 0n ? { _tag: "failed", code: "could_not_process" } : { _tag: "accepted" }
          ),
          Ledger.layerMemory()
        )
      ),
      Layer.provideMerge(Layer.mergeAll(Notifier.layerMemory, Ids.layerSeeded(11), TestClock.layer()))
    )
    .pipe((l) => (reserve ? l : l))

/** What the runs reached, over all of them: the property must have exercised each. */
const seen = { payout: 0, paid: 0, failedAfterPaid: 0, reserveHeld: 0, debit: 0 }

describe("Settlement model", () => {
  it("for any sequence of captures, refunds, disputes, runs and payout news: every balance equals the ledger's, each payout's amount is its transactions' net, no transaction is paid out twice, a run again changes nothing, payouts move only along the machine", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 5, maxLength: 40 }), fc.boolean(), (cmds, reserve) =>
        Effect.runPromise(
          Effect.gen(function* () {
            yield* TestClock.setTime(START)
            const ledger = yield* Ledger.Ledger
            const refs = [
              Result.getOrThrow(ChartOfAccounts.settlementBank("acq", "EUR")),
              Result.getOrThrow(ChartOfAccounts.settlementBank("operating", "EUR")),
              Result.getOrThrow(ChartOfAccounts.feeRevenue("EUR")),
              ...MERCHANTS.flatMap((m) =>
                Object.values(Result.getOrThrow(ChartOfAccounts.merchantAccounts(m, "EUR")))
              )
            ]
            yield* ledger.executeSummary(refs.map(ChartOfAccounts.open))
            const s = yield* Settlement.Settlement
            const pay = yield* Payments.Payments
            for (const [i, m] of MERCHANTS.entries())
              yield* s.configure(m, "EUR", {
                schedule: {
                  delayDays: i + 1,
                  interval: i === 0 ? { _tag: "daily" } : { _tag: "weekly", weeklyAnchor: "wednesday" },
                  minimumPayout: { EUR: "500" },
                  negativeBalance: i === 0 ? "carry" : "debit"
                },
                ...(reserve ? { reservePlan: { bps: 1500, releaseAfterDays: 3, rounding: "half-even" } } : {})
              })
            const payments: Array<string> = []
            const payouts: Array<string> = []
            const statusOf = new Map<string, Payout.Status>()
            const owner = new Map<string, string>()
            let n = 0
            let now = START

            const check = Effect.gen(function* () {
              for (const m of MERCHANTS) {
                const mine = yield* s.balances(m, "EUR")
                const b = (k: string) => ledger.balances(`merchant:${m}:${k}:EUR`)
                expect(mine).toEqual({
                  pending: (yield* b("pending")).posted.amount,
                  available: (yield* b("available")).pending.amount,
                  reserve: (yield* b("reserve")).posted.amount
                })
                for (const t of yield* s.transactions({ merchant: m, currency: "EUR" })) {
                  if (t.payout === undefined || t.type === "payout") continue
                  const was = owner.get(t.id)
                  expect(was === undefined || was === t.payout).toBe(true)
                  owner.set(t.id, t.payout)
                }
              }
              for (const id of payouts) {
                const p = yield* s.payout(id)
                expect(p.status).toBe(statusOf.get(id))
                const owned = (yield* s.transactions({
                  merchant: p.merchant,
                  currency: "EUR",
                  payout: id
                })).filter((t) => t.type !== "payout")
                expect(owned.reduce((a, t) => a + t.net, 0n)).toBe(p.amount)
                expect(p.controlTotal).toBe(p.amount)
              }
            })

            // every run starts with one payout paid and then returned by the bank, so the random
            // tail always has a history of each kind to interleave with
            const opening: ReadonlyArray<Cmd> = [
              { _tag: "charge", merchant: 0, amount: 10_000 },
              { _tag: "advance", days: 3 },
              { _tag: "run", merchant: 0 },
              { _tag: "send", pick: 0 },
              { _tag: "news", pick: 0, update: "paid" },
              { _tag: "news", pick: 0, update: "failed" }
            ]
            for (const c of [...opening, ...cmds]) {
              switch (c._tag) {
                case "charge": {
                  const id = `pay_${++n}`
                  yield* pay.create({
                    id,
                    merchant: MERCHANTS[c.merchant],
                    customer: "cus_1",
                    paymentMethod: "pm_approve",
                    amount: { amount: String(c.amount), currency: "EUR" },
                    captureMethod: "automatic"
                  })
                  yield* pay.confirm(id)
                  yield* s.record(id)
                  payments.push(id)
                  break
                }
                case "refund": {
                  if (payments.length === 0) break
                  const id = payments[c.pick % payments.length]!
                  const p = yield* pay.get(id)
                  const left = p.captured.amount - p.refunded.amount
                  const amount = (left * BigInt(c.share)) / 100n
                  if (amount <= 0n) break
                  yield* pay.refund(id, { amount: String(amount), reason: "requested_by_customer" })
                  yield* s.record(id)
                  break
                }
                case "dispute": {
                  if (payments.length === 0) break
                  const id = payments[c.pick % payments.length]!
                  const p = yield* pay.get(id)
                  const base = {
                    id: `dp:${id}`,
                    merchant: p.merchant,
                    currency: "EUR",
                    type: "dispute",
                    amount: String(-p.captured.amount),
                    fee: "1500",
                    counterparty: "bank:acq:clearing:EUR",
                    payment: id
                  } as const
                  yield* s.adjust(base)
                  if (c.won)
                    yield* s.adjust({
                      ...base,
                      id: `dp:${id}:won`,
                      type: "dispute_reversal",
                      amount: String(p.captured.amount),
                      fee: "0"
                    })
                  break
                }
                case "advance":
                  now += c.days * DAY + 3_600_000
                  yield* TestClock.setTime(now)
                  break
                case "run": {
                  const m = MERCHANTS[c.merchant]
                  const run = yield* s.run({ merchant: m, currency: "EUR", cutoff: now })
                  const before = yield* s.balances(m, "EUR")
                  expect(yield* s.run({ merchant: m, currency: "EUR", cutoff: now })).toEqual(run)
                  expect(yield* s.balances(m, "EUR")).toEqual(before)
                  if (run.reserveHeld > 0n) seen.reserveHeld++
                  if (run.payout !== undefined && (yield* s.payout(run.payout)).amount < 0n) seen.debit++
                  if (run.payout !== undefined && !statusOf.has(run.payout)) {
                    seen.payout++
                    payouts.push(run.payout)
                    statusOf.set(run.payout, "pending")
                  }
                  break
                }
                case "send": {
                  if (payouts.length === 0) break
                  const id = payouts[c.pick % payouts.length]!
                  const p = yield* s.sendPayout(id)
                  if (statusOf.get(id) === "pending")
                    statusOf.set(id, p.amount % 3n === 0n ? "failed" : "in_transit")
                  break
                }
                case "news": {
                  if (payouts.length === 0) break
                  const id = payouts[c.pick % payouts.length]!
                  const from = statusOf.get(id)!
                  const update =
                    c.update === "failed"
                      ? { _tag: "failed", code: "account_closed" }
                      : c.update === "accepted"
                        ? { _tag: "accepted", reference: `tr_${id}` }
                        : { _tag: c.update }
                  const r = yield* Effect.result(s.updatePayout(id, update))
                  const same =
                    (c.update === "accepted" && from === "in_transit") ||
                    (c.update !== "accepted" && from === c.update)
                  const to = Payout.machine.transition(from, c.update)
                  if (same) expect(Result.isSuccess(r)).toBe(true)
                  else if (Result.isSuccess(to)) {
                    expect(Result.isSuccess(r)).toBe(true)
                    if (to.success === "paid") seen.paid++
                    if (to.success === "failed" && from === "paid") seen.failedAfterPaid++
                    statusOf.set(id, to.success)
                  } else expect(Result.isFailure(r) && r.failure._tag === "PayoutStatusConflict").toBe(true)
                  break
                }
              }
              yield* check
            }
          }).pipe(Effect.provide(env(reserve)))
        )
      ),
      { numRuns: 60 }
    )
    expect(seen.payout).toBeGreaterThan(0)
    expect(seen.paid).toBeGreaterThan(0)
    expect(seen.failedAfterPaid).toBeGreaterThan(0)
    expect(seen.reserveHeld).toBeGreaterThan(0)
  })
})
