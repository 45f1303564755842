import { Ids, Notifier } from "@paykit/core"
import { Effect, Layer, Result, Schema } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import {
  Attributes,
  Events,
  Risk,
  RuleSet,
  RuleSets,
  VelocityStore,
  VelocityStoreUnavailable
} from "../src/index.ts"

const T0 = Date.UTC(2026, 5, 1, 12)

const riskLayer = (config: Partial<Risk.Config> = {}) => {
  const ruleSet = RuleSet.makeUnsafe(Attributes.standard, { rules: RuleSets.all })
  return Layer.mergeAll(
    Risk.layer({ ruleSet, lists: { blocked_countries: ["KP"] }, ...config }).pipe(
      Layer.provideMerge(VelocityStore.layerMemory),
      Layer.provideMerge(Notifier.layerMemory),
      Layer.provide(Ids.layerSeeded(11))
    ),
    TestClock.layer()
  )
}
const run = <A, E>(
  effect: Effect.Effect<A, E, Risk.Risk | VelocityStore.VelocityStore | Notifier.RecordedEvents>,
  config: Partial<Risk.Config> = {}
) => Effect.runPromise(Effect.provide(effect, riskLayer(config)) as Effect.Effect<A, E>)

const payment = (id: string, amount: string, extra: Record<string, unknown> = {}) => ({
  payment: {
    id,
    amount: { amount, currency: "USD" },
    customerId: "cus_1",
    cardFingerprint: "fp_1",
    ip: "192.0.2.1",
    cardCountry: "US",
    ipCountry: "US",
    ...extra
  }
})

describe("Risk service", () => {
  it("records each attempt so velocity builds up: card testing ends in a block, alerts and a freeze recommendation", () =>
    run(
      Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        const risk = yield* Risk.Risk
        const outcomes: Array<string> = []
        const assessments: Array<Risk.Assessment> = []
        for (let i = 0; i < 6; i++) {
          const a = yield* risk.assess(payment(`p${i}`, "100"))
          outcomes.push(a.decision.outcome)
          assessments.push(a)
          yield* TestClock.adjust("5 seconds")
        }
        // 5 small attempts are history when the 6th comes: it is blocked (small auths) and so are later ones
        expect(outcomes.slice(0, 5)).toEqual(["approve", "approve", "approve", "approve", "block"])
        const store = yield* VelocityStore.VelocityStore
        const history = yield* store.history("card", "fp_1")
        expect(history.map((e) => e.id)).toEqual(["p0", "p1", "p2", "p3", "p4", "p5"])
        // risk's own blocks are blocks, not issuer declines (Radar's blocked_* and declined_*)
        expect(history.filter((e) => e.blocked === true).map((e) => e.id)).toEqual(["p4", "p5"])
        expect(history.filter((e) => e.declined)).toEqual([])
        // the issuer declined three approved ones: recorded afterwards under the same payment ids,
        // they mark the kept events instead of adding attempts; three declines trigger a freeze
        for (const id of ["p1", "p2", "p3"])
          yield* risk.record({ id, at: T0 + 40_000, amountRef: "100", declined: true, card: "fp_1" })
        const marked = yield* store.history("card", "fp_1")
        expect(marked.map((e) => e.id)).toEqual(["p0", "p1", "p2", "p3", "p4", "p5"])
        expect(marked.filter((e) => e.declined).map((e) => e.id)).toEqual(["p1", "p2", "p3"])
        yield* TestClock.adjust("1 minute")
        const last = yield* risk.assess(payment("p9", "100"))
        assessments.push(last)
        expect(last.decision.outcome).toBe("block")
        expect(last.decision.freeze).toBe(true)
        const events = yield* (yield* Notifier.RecordedEvents).all
        const freeze = events.filter((e) => e.type === Events.TYPES.freeze)
        expect(freeze.length).toBe(1)
        const data = Schema.decodeUnknownSync(Events.FreezeRecommended)(freeze[0]!.data)
        expect(data).toMatchObject({ paymentId: "p9", customerId: "cus_1" })
        expect(data.ruleIds).toEqual(["card_testing_declines"])
        expect(freeze[0]!.subject).toBe("cus_1")
        // exactly one alert per alerting hit, in order: p4 and p5 are the 5th and 6th small
        // authorisations on the card; p5 is also the 6th payment of the customer in a minute
        // (burst_minute); p9 comes after three declines on the card
        const alerts = events.filter((e) => e.type === Events.TYPES.alert)
        const raised = alerts.map((a) => Schema.decodeUnknownSync(Events.AlertRaised)(a.data))
        expect(raised.map((a) => [a.paymentId, a.ruleId])).toEqual([
          ["p4", "card_testing_small_auths"],
          ["p5", "card_testing_small_auths"],
          ["p5", "burst_minute"],
          ["p9", "card_testing_declines"],
          ["p9", "card_testing_small_auths"]
        ])
        expect(raised.map((a) => [a.paymentId, a.ruleId])).toEqual(
          assessments.flatMap((x) =>
            x.decision.hits.filter((h) => h.alert).map((h) => [x.paymentId, h.ruleId])
          )
        )
        const alerting = new Set(RuleSets.all.filter((r) => r.alert === true).map((r) => r.id))
        for (const a of raised) expect(alerting.has(a.ruleId)).toBe(true)
        for (const a of alerts) expect(a.subject).toBe("cus_1")
        expect(new Set(alerts.map((a) => a.id)).size).toBe(alerts.length)
      })
    ))

  it("raises exactly one alert per active alerting hit: none for rules without alert, shadow, missed or erroring rules", () => {
    const rule = (id: string, action: "block" | "review" | "request_3ds", condition: string, extra = {}) => ({
      id,
      description: `rule ${id}`,
      action,
      condition,
      ...extra
    })
    const ruleSet = RuleSet.makeUnsafe(Attributes.standard, {
      rules: [
        rule("alert_block", "block", "payment.amount_ref >= 100", { alert: true, score: 7 }),
        rule("alert_review", "review", "true", { alert: true }),
        rule("alert_3ds", "request_3ds", "payment.card_country == 'US'", { alert: true }),
        rule("quiet_review", "review", "true"),
        rule("quiet_block", "block", "payment.amount_ref >= 100", { alert: false }),
        rule("alert_missed", "block", "payment.amount_ref > 1000000", { alert: true }),
        rule("alert_shadow", "block", "true", { alert: true, mode: "shadow" }),
        rule("alert_error", "review", "payment.device_id == 'd1'", { alert: true })
      ]
    })
    return run(
      Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        const risk = yield* Risk.Risk
        const a = yield* risk.assess(payment("pay_7", "500"))
        expect(a.decision.hits.map((h) => h.ruleId)).toEqual([
          "alert_3ds",
          "alert_block",
          "quiet_block",
          "alert_review",
          "quiet_review"
        ])
        expect(a.decision.shadowHits.map((h) => h.ruleId)).toEqual(["alert_shadow"])
        expect(a.decision.errors.map((e) => e.ruleId)).toEqual(["alert_error"])
        const events = yield* (yield* Notifier.RecordedEvents).all
        expect(events.every((e) => e.type === Events.TYPES.alert)).toBe(true)
        const raised = events.map((e) => Schema.decodeUnknownSync(Events.AlertRaised)(e.data))
        expect(raised).toEqual(
          ["alert_3ds", "alert_block", "alert_review"].map((ruleId) => ({
            paymentId: "pay_7",
            customerId: "cus_1",
            ruleId,
            reason: a.decision.hits.find((h) => h.ruleId === ruleId)!.reason,
            outcome: "block",
            score: 7
          }))
        )
        expect(raised[1]!.reason).toBe("rule alert_block (payment.amount_ref = 500)")
        expect(events.map((e) => [e.subject, e.occurredAt])).toEqual(
          Array.from({ length: 3 }, () => ["cus_1", new Date(T0).toISOString()])
        )
        // a payment that no alerting rule hits raises nothing more
        yield* risk.assess({ payment: { id: "pay_8", amount: { amount: "50", currency: "USD" } } })
        const after = yield* (yield* Notifier.RecordedEvents).all
        expect(after.length).toBe(3 + 1)
        expect(Schema.decodeUnknownSync(Events.AlertRaised)(after[3]!.data)).toMatchObject({
          paymentId: "pay_8",
          customerId: null,
          ruleId: "alert_review"
        })
      }),
      { ruleSet }
    )
  })

  it("invalid input is InvalidInput naming the field and changes nothing", () =>
    run(
      Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        const risk = yield* Risk.Risk
        const bad = yield* Effect.flip(risk.assess(payment("p1", "12.50")))
        expect(bad).toMatchObject({
          _tag: "InvalidInput",
          operation: "Risk.assess",
          path: "payment.amount.amount"
        })
        const eur = yield* Effect.flip(
          risk.assess({ payment: { id: "p2", amount: { amount: "100", currency: "EUR" } } })
        )
        expect(eur).toMatchObject({ _tag: "InvalidInput", path: "payment.amountRef" })
        const country = yield* Effect.flip(risk.assess(payment("p3", "100", { ipCountry: "usa" })))
        expect(country).toMatchObject({ _tag: "InvalidInput", path: "payment.ipCountry" })
        const store = yield* VelocityStore.VelocityStore
        expect(yield* store.history("customer", "cus_1")).toEqual([])
        expect(yield* (yield* Notifier.RecordedEvents).all).toEqual([])
      })
    ))

  it("a payment in another currency is compared through its amount in the reference currency", () =>
    run(
      Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        const risk = yield* Risk.Risk
        const a = yield* risk.assess({
          payment: {
            id: "p1",
            amount: { amount: "92000", currency: "EUR" },
            amountRef: { amount: "100000", currency: "USD" }
          },
          customer: { avgTicketRef: "4000" }
        })
        expect(a.decision.hits.map((h) => h.ruleId)).toEqual(["huge_vs_baseline", "large_vs_baseline"])
        expect(a.decision.hits[0]!.reason).toContain("payment.amount_ref = 100000")
        const store = yield* VelocityStore.VelocityStore
        expect(store.cap).toBe(VelocityStore.DEFAULT_CAP)
      })
    ))
})

describe("Risk events travel with the velocity record", () => {
  it("every event decodes with Events.Event; wrong data is refused naming the field", () =>
    run(
      Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        const risk = yield* Risk.Risk
        for (let i = 0; i < 6; i++)
          yield* risk.assess(payment(`pay_${i}`, "100", { cardFingerprint: "fp_t" }))
        const events = yield* (yield* Notifier.RecordedEvents).all
        expect(events.length).toBeGreaterThan(0)
        const decoded = events.map((e) => Schema.decodeUnknownSync(Events.Event)(e))
        expect(new Set(decoded.map((e) => e.type)).size).toBeGreaterThan(0)
        const wrong = Schema.decodeUnknownResult(Events.Event)({
          ...events[0]!,
          data: { ...(events[0]!.data as object), paymentId: 7 }
        })
        expect(Result.isFailure(wrong) && String(wrong.failure)).toContain("paymentId")
      })
    ))

  it("an assessment whose record fails announces nothing: the store keeps the alerts with the record or not at all", async () => {
    const ruleSet = RuleSet.makeUnsafe(Attributes.standard, {
      rules: [{ id: "always", description: "always", action: "review", condition: "true", alert: true }]
    })
    const storeThat = (fails: boolean) =>
      fails
        ? Layer.succeed(
            VelocityStore.VelocityStore,
            VelocityStore.VelocityStore.of({
              cap: 10,
              record: () => Effect.fail(new VelocityStoreUnavailable({ reason: "down" })),
              assess: () => Effect.fail(new VelocityStoreUnavailable({ reason: "down" })),
              history: () => Effect.succeed([]),
              prune: () => Effect.succeed(0)
            })
          )
        : VelocityStore.layerMemory
    const assessKp = (fails: boolean) =>
      Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        const risk = yield* Risk.Risk
        const outcome = yield* Effect.result(risk.assess(payment("pay_kp", "100", { ipCountry: "KP" })))
        return [outcome, yield* (yield* Notifier.RecordedEvents).all] as const
      }).pipe(
        Effect.provide(
          Layer.mergeAll(
            Risk.layer({ ruleSet, lists: { blocked_countries: ["KP"] } }).pipe(
              Layer.provide(storeThat(fails)),
              Layer.provideMerge(Notifier.layerMemory),
              Layer.provide(Ids.layerSeeded(3))
            ),
            TestClock.layer()
          )
        )
      )
    // the same assessment with a working store raises events, so the empty list below means something
    const [ok, raised] = await Effect.runPromise(assessKp(false))
    expect([Result.isSuccess(ok), raised.length > 0]).toEqual([true, true])
    const [failed, none] = await Effect.runPromise(assessKp(true))
    expect(Result.isFailure(failed) && failed.failure._tag).toBe("VelocityStoreUnavailable")
    expect(none).toEqual([])
  })
})
