import { Ids, Notifier } from "@paykit/core"
import { Cause, Effect, Fiber, Layer, Result } from "effect"
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

describe("the memory velocity store bounds its memory", () => {
  const event = (i: number, at: number, customer: string) => ({
    id: `p${i}`,
    at,
    amountRef: 1n,
    declined: false,
    customer
  })

  it("a key cap: the least recently recorded keys go first; 200,000 distinct keys under a cap of 1,000 keep 1,000", () => {
    const h = new VelocityStore.Histories(10, { maxKeys: 3 })
    for (const [i, c] of ["a", "b", "c", "a", "d"].entries()) h.record(event(i, i, c))
    // b was recorded least recently when d arrived
    expect(h.history("customer", "b")).toEqual([])
    expect(["a", "c", "d"].map((c) => h.history("customer", c).length)).toEqual([2, 1, 1])
    const big = new VelocityStore.Histories(10, { maxKeys: 1_000 })
    for (let i = 0; i < 200_000; i++) big.record(event(i, i, `c${i}`))
    expect(big.size).toBe(1_000)
    expect(big.history("customer", "c199999").length).toBe(1)
    expect(big.history("customer", "c0")).toEqual([])
  })

  it("events older than maxAgeMillis before a key's newest are dropped when the key is recorded", () => {
    const h = new VelocityStore.Histories(10, { maxAgeMillis: 1_000 })
    for (const at of [0, 500, 900, 1_200, 2_100]) h.record(event(at, at, "a"))
    // at 2,100 only events from 1,100 on are kept
    expect(h.history("customer", "a").map((e) => e.at)).toEqual([1_200, 2_100])
  })

  it("prune works in slices and lets other fibers run between them; it removes exactly what a single pass would", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        const store = yield* VelocityStore.makeMemory({ cap: 5, maxKeys: 50_000 })
        for (let i = 0; i < 30_000; i++) yield* store.record(event(i, i % 7, `c${i}`))
        let ticks = 0
        let done = false
        const ticker = yield* Effect.forkChild(
          Effect.whileLoop({
            while: () => !done,
            body: () =>
              Effect.andThen(
                Effect.sync(() => ticks++),
                Effect.yieldNow
              ),
            step: () => undefined
          })
        )
        const removed = yield* store.prune(3)
        done = true
        yield* Fiber.join(ticker)
        // 3 of every 7 events are before 3
        expect(removed).toBe(Array.from({ length: 30_000 }, (_, i) => i % 7).filter((at) => at < 3).length)
        expect(ticks).toBeGreaterThan(0)
      }).pipe(Effect.provide(Notifier.layerNoop))
    ))

  it("Risk refuses a store that keeps events for less than the rule set's longest velocity window", async () => {
    const exit = await Effect.runPromiseExit(
      Effect.provide(
        Effect.gen(function* () {
          yield* Risk.Risk
        }),
        Risk.layer({ ruleSet: RuleSet.makeUnsafe(catalog, { rules: [] }) }).pipe(
          Layer.provide(VelocityStore.layerMemoryWith({ maxAgeMillis: 3_600_000 })),
          Layer.provide(Notifier.layerNoop),
          Layer.provide(Ids.layerSeeded(1))
        )
      )
    )
    expect(exit._tag).toBe("Failure")
    if (exit._tag === "Failure") expect(String(Cause.squash(exit.cause))).toContain("longest velocity window")
  })
})
