import { Ids, Notifier } from "@paykit/core"
import { Effect, Layer, Result } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { Attributes, Decision, Risk, Rule, RuleSet, Scorecard, VelocityStore } from "../src/index.ts"

/** Issue 17, "more fixes": negative amounts, allow overriding alerts, the chargeback band, int64. */

const catalog = Attributes.standard

const withRisk = <A, E>(
  ruleSet: RuleSet.RuleSet,
  body: Effect.Effect<A, E, Risk.Risk | VelocityStore.VelocityStore | Notifier.RecordedEvents>
) =>
  Effect.runPromise(
    Effect.provide(
      body,
      Layer.mergeAll(
        Risk.layer({ ruleSet }).pipe(
          Layer.provideMerge(VelocityStore.layerMemory),
          Layer.provideMerge(Notifier.layerMemory),
          Layer.provide(Ids.layerSeeded(9))
        ),
        TestClock.layer()
      )
    ) as Effect.Effect<A, E>
  )

describe("negative amounts are refused; zero stays legal", () => {
  it("assess and record answer InvalidInput naming the amount and record nothing", () =>
    withRisk(
      RuleSet.makeUnsafe(catalog, { rules: [] }),
      Effect.gen(function* () {
        const risk = yield* Risk.Risk
        const store = yield* VelocityStore.VelocityStore
        const payment = { id: "p1", amount: { amount: "-100", currency: "USD" }, customerId: "cus_1" }
        const bad = yield* Effect.flip(risk.assess({ payment }))
        expect(bad).toMatchObject({ _tag: "InvalidInput", path: "payment.amount" })
        const badRef = yield* Effect.flip(
          risk.assess({
            payment: {
              ...payment,
              amount: { amount: "100", currency: "EUR" },
              amountRef: { amount: "-1", currency: "USD" }
            }
          })
        )
        expect(badRef).toMatchObject({ _tag: "InvalidInput", path: "payment.amountRef" })
        const badRecord = yield* Effect.flip(
          risk.record({ id: "p1", at: 0, amountRef: "-5", declined: true, customer: "cus_1" })
        )
        expect(badRecord).toMatchObject({ _tag: "InvalidInput", path: "amountRef" })
        expect(yield* store.history("customer", "cus_1")).toEqual([])
        // zero is a legal amount (a card verification)
        const zero = yield* risk.assess({ payment: { ...payment, amount: { amount: "0", currency: "USD" } } })
        expect(zero.decision.outcome).toBe("approve")
        yield* risk.record({ id: "p2", at: 0, amountRef: "0", declined: true, customer: "cus_1" })
        expect((yield* store.history("customer", "cus_1")).length).toBe(2)
      })
    ))

  it("the scorecard refuses a negative monthly volume", () => {
    const merchant = {
      chargebackRatio: "0.001",
      refundRatio: "0.01",
      volumeGrowth: "0.1",
      accountAgeDays: 400,
      verification: "verified",
      monthlyVolume: { amount: "-5000000", currency: "EUR" }
    }
    const r = Scorecard.assess(merchant)
    expect(Result.isFailure(r) && r.failure).toMatchObject({ _tag: "InvalidInput", path: "monthlyVolume" })
    expect(
      Result.isSuccess(Scorecard.assess({ ...merchant, monthlyVolume: { amount: "0", currency: "EUR" } }))
    ).toBe(true)
  })
})

describe("the scorecard's chargeback band reaches prohibited", () => {
  const merchant = (chargebackRatio: string) => ({
    chargebackRatio,
    refundRatio: "0.01",
    volumeGrowth: "0.1",
    accountAgeDays: 400,
    verification: "verified",
    monthlyVolume: { amount: "5000000", currency: "EUR" }
  })
  it("a merchant at 10 % chargebacks (card networks call about 1 % excessive) is prohibited on that alone; 2 % is high", () => {
    const at10 = Result.getOrThrow(Scorecard.assess(merchant("0.10")))
    expect(at10.tier).toBe("prohibited")
    expect(at10.factors[0]).toMatchObject({ factor: "chargebackRatio", band: "x ≥ 3%", points: 80 })
    expect(Result.getOrThrow(Scorecard.assess(merchant("0.03"))).tier).toBe("prohibited")
    expect(Result.getOrThrow(Scorecard.assess(merchant("0.02"))).tier).toBe("high")
  })
})

describe("an allow hit overrides the alerts and freeze recommendations of the rules it overrides", () => {
  const ruleSet = RuleSet.makeUnsafe(catalog, {
    rules: [
      {
        id: "vip",
        description: "VIP customer",
        action: "allow",
        condition: 'payment.customer_id == "cus_vip"',
        alert: true
      },
      {
        id: "big",
        description: "big payment",
        action: "block",
        condition: "payment.amount_ref > 1000",
        alert: true,
        freeze: true
      },
      { id: "odd", description: "odd", action: "review", condition: "payment.amount_ref > 500", alert: true }
    ]
  })
  it("allowed: only the allow rule's own alert, no freeze; not allowed: the block's alert and freeze", () => {
    const allowed = Decision.decide(ruleSet, { payment: { customer_id: "cus_vip", amount_ref: 5000n } }, 0)
    expect(allowed.outcome).toBe("approve")
    expect(allowed.hits.map((h) => h.ruleId).sort()).toEqual(["big", "odd", "vip"])
    expect(allowed.alerts.map((h) => h.ruleId)).toEqual(["vip"])
    expect(allowed.freeze).toBe(false)
    const blocked = Decision.decide(ruleSet, { payment: { customer_id: "cus_2", amount_ref: 5000n } }, 0)
    expect(blocked.outcome).toBe("block")
    expect(blocked.alerts.map((h) => h.ruleId).sort()).toEqual(["big", "odd"])
    expect(blocked.freeze).toBe(true)
  })

  it("through the service: an allowed payment publishes no block alert and no freeze recommendation", () =>
    withRisk(
      ruleSet,
      Effect.gen(function* () {
        const risk = yield* Risk.Risk
        yield* risk.assess({
          payment: { id: "p1", amount: { amount: "5000", currency: "USD" }, customerId: "cus_vip" }
        })
        const events = yield* (yield* Notifier.RecordedEvents).all
        expect(events.map((e) => e.type)).toEqual(["risk.alert.raised"])
        expect(JSON.stringify(events[0]!.data)).toContain('"vip"')
      })
    ))
})

describe("CEL int literals beyond int64 are refused at definition", () => {
  it("9223372036854775807 is an int; one more is a definition error, not a silently different number", () => {
    const define = (condition: string) =>
      Rule.define(catalog, { id: "r1", description: "r", action: "review", condition })
    expect(Result.isSuccess(define("payment.amount_ref > 9223372036854775807"))).toBe(true)
    expect(Result.isSuccess(define("payment.amount_ref > -9223372036854775808"))).toBe(true)
    for (const literal of ["9223372036854775808", "99999999999999999999", "-9223372036854775809"]) {
      const r = define(`payment.amount_ref > ${literal}`)
      expect(Result.isFailure(r) && r.failure).toMatchObject({ _tag: "UnsupportedExpression" })
    }
  })
})
