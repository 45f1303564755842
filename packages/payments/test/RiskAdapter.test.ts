import { Currency, Ids, Money, Notifier } from "@paykit/core"
import { Ledger } from "@paykit/ledger"
import { Attributes, Risk, RuleSet, VelocityStore, VelocityStoreUnavailable } from "@paykit/risk"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { Payments, PaymentStore } from "../src/index.ts"
import { RiskAdapter } from "../src/risk/index.ts"
import { RiskCheck } from "../src/index.ts"
import { Fixtures, TestProvider } from "../src/testing/index.ts"

const T0 = Date.UTC(2026, 0, 5)

const ruleSet = RuleSet.makeUnsafe(Attributes.standard, {
  rules: [
    {
      id: "blocked_country",
      description: "Card issued in a blocked country",
      action: "block",
      condition: "payment.card_country in lists.blocked_countries"
    },
    {
      id: "big_new_account",
      description: "Large payment of a new account",
      action: "review",
      condition: "customer.account_age_days < 7 && payment.amount_ref >= 50000"
    },
    {
      id: "geo_mismatch_3ds",
      description: "Card and IP countries differ",
      action: "request_3ds",
      condition:
        "has(payment.ip_country) && has(payment.card_country) && payment.ip_country != payment.card_country"
    }
  ],
  thresholds: { review: 50, block: 100 }
})

const down = Layer.succeed(
  VelocityStore.VelocityStore,
  VelocityStore.VelocityStore.of({
    cap: 10,
    record: () => Effect.fail(new VelocityStoreUnavailable({ reason: "connection refused" })),
    assess: () => Effect.fail(new VelocityStoreUnavailable({ reason: "connection refused" })),
    history: () => Effect.succeed([]),
    prune: () => Effect.succeed(0)
  })
)

/** EUR to USD at 1.10 (half-even is not needed: exact for these amounts), or no rate. */
const eurToUsd = (rate: boolean) => (p: { readonly amount: Money.Money }) =>
  rate
    ? Effect.succeed(Money.fromMinorUnsafe((p.amount.amount * 11n) / 10n, Currency.USD))
    : Effect.fail(new RiskCheck.RiskUnavailable({ reason: "no EUR/USD rate" }))

const env = (velocity: Layer.Layer<VelocityStore.VelocityStore, never, Notifier.Notifier>, rate = true) =>
  Payments.layer({ books: { _tag: "wallet" } }).pipe(
    Layer.provideMerge(
      RiskAdapter.layerWith({ referenceAmount: eurToUsd(rate) }).pipe(
        Layer.provide(Risk.layer({ ruleSet, lists: { blocked_countries: ["KP"] } })),
        Layer.provide(velocity)
      )
    ),
    Layer.provideMerge(Layer.mergeAll(PaymentStore.layerMemory, TestProvider.layer(), Ledger.layerMemory())),
    Layer.provideMerge(Layer.mergeAll(Notifier.layerMemory, Ids.layerSeeded(3), TestClock.layer()))
  )

/** A card-testing rule on issuer declines only (this service's own blocks are counted apart). */
const declineRules = RuleSet.makeUnsafe(Attributes.standard, {
  rules: [
    {
      id: "card_declines",
      description: "Three or more issuer declines on the card in an hour",
      action: "block",
      condition: "velocity.card.declined_1h >= 3"
    }
  ],
  thresholds: { review: 50, block: 100 }
})

/** Assessing works; recording an outcome learnt later fails. */
const downOnRecord = Layer.effect(
  VelocityStore.VelocityStore,
  Effect.map(VelocityStore.VelocityStore, (v) =>
    VelocityStore.VelocityStore.of({
      ...v,
      record: () => Effect.fail(new VelocityStoreUnavailable({ reason: "connection refused" }))
    })
  )
).pipe(Layer.provide(VelocityStore.layerMemory))

const envWith = (
  rules: typeof ruleSet,
  velocity: Layer.Layer<VelocityStore.VelocityStore, never, Notifier.Notifier>
) =>
  Payments.layer({ books: { _tag: "wallet" } }).pipe(
    Layer.provideMerge(
      RiskAdapter.layerWith({ referenceAmount: eurToUsd(true) }).pipe(
        Layer.provide(Risk.layer({ ruleSet: rules })),
        Layer.provide(velocity)
      )
    ),
    Layer.provideMerge(Layer.mergeAll(PaymentStore.layerMemory, TestProvider.layer(), Ledger.layerMemory())),
    Layer.provideMerge(Layer.mergeAll(Notifier.layerMemory, Ids.layerSeeded(3), TestClock.layer()))
  )

const pay = (id: string, amount: string, paymentMethod = "pm_approve") =>
  Effect.flatMap(Payments.Payments, (s) =>
    s.create({
      id,
      merchant: "m_1",
      customer: "cus_1",
      paymentMethod,
      amount: { amount, currency: "EUR" },
      captureMethod: "manual"
    })
  )

describe("@paykit/payments/risk: @paykit/risk's rules decide before the provider", () => {
  it("approve authorises, challenge asks for 3-D Secure, review parks, block fails with the rule's reason", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        yield* Fixtures.openWalletBooks(1_000_000n)
        const s = yield* Payments.Payments
        yield* pay("pay_ok", "1000")
        expect((yield* s.confirm("pay_ok", { signals: { cardCountry: "FR", ipCountry: "FR" } })).status).toBe(
          "requires_capture"
        )
        yield* pay("pay_3ds", "1000")
        const challenged = yield* s.confirm("pay_3ds", { signals: { cardCountry: "FR", ipCountry: "BR" } })
        expect(challenged.status).toBe("requires_action")
        expect(challenged.risk).toMatchObject({ outcome: "allow", threeDS: true })
        yield* pay("pay_big", "90000")
        const held = yield* s.confirm("pay_big", { signals: { accountAgeDays: 2 } })
        expect(held.status).toBe("under_review")
        expect(held.risk).toMatchObject({ outcome: "review", rules: ["big_new_account"] })
        expect(held.risk?.reason).toContain("Large payment of a new account")
        yield* pay("pay_kp", "1000")
        const blocked = yield* s.confirm("pay_kp", { signals: { cardCountry: "KP" } })
        expect(blocked).toMatchObject({ status: "failed", lastDecline: { code: "blocked_by_risk" } })
        expect(blocked.risk).toMatchObject({ outcome: "block", rules: ["blocked_country"] })
        expect(blocked.risk?.reason).toContain("Card issued in a blocked country")
      }).pipe(Effect.provide(env(VelocityStore.layerMemory)))
    ))

  it("the velocity store down: RiskUnavailable naming why, and the payment is as it was", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        yield* Fixtures.openWalletBooks(1_000_000n)
        const s = yield* Payments.Payments
        yield* pay("pay_1", "1000")
        const e = yield* Effect.flip(s.confirm("pay_1"))
        expect(e._tag).toBe("RiskUnavailable")
        expect(e.message).toContain("connection refused")
        expect((yield* s.get("pay_1")).status).toBe("requires_confirmation")
      }).pipe(Effect.provide(env(down)))
    ))

  it("no reference amount: RiskUnavailable with the reason, nothing changes", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        yield* Fixtures.openWalletBooks(1_000_000n)
        const s = yield* Payments.Payments
        yield* pay("pay_2", "1000")
        const e = yield* Effect.flip(s.confirm("pay_2"))
        expect(e).toMatchObject({ _tag: "RiskUnavailable", reason: "no EUR/USD rate" })
        expect((yield* s.get("pay_2")).status).toBe("requires_confirmation")
      }).pipe(Effect.provide(env(VelocityStore.layerMemory, false)))
    ))

  it("issuer declines feed the velocity history: after three declines on one card, a card-testing rule blocks the next payment with it", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        yield* Fixtures.openWalletBooks(1_000_000n)
        const s = yield* Payments.Payments
        const signals = { cardFingerprint: "fp_stolen", ip: "203.0.113.9" }
        for (const id of ["pay_d1", "pay_d2", "pay_d3"]) {
          yield* pay(id, "500", "pm_decline_insufficient_funds")
          const declined = yield* s.confirm(id, { signals })
          expect(declined.lastDecline?.code).toBe("insufficient_funds")
          yield* TestClock.adjust(60_000)
        }
        yield* pay("pay_d4", "500")
        const blocked = yield* s.confirm("pay_d4", { signals })
        expect(blocked.status).toBe("failed")
        expect(blocked.risk?.rules).toContain("card_declines")
        // another card is not touched by those declines
        yield* pay("pay_d5", "500")
        const fine = yield* s.confirm("pay_d5", { signals: { cardFingerprint: "fp_ok" } })
        expect(fine.status).toBe("requires_capture")
      }).pipe(Effect.provide(envWith(declineRules, VelocityStore.layerMemory)))
    ))

  it("the velocity store down when a decline is told: the decline stands, the payment is as the provider left it", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        yield* Fixtures.openWalletBooks(1_000_000n)
        const s = yield* Payments.Payments
        yield* pay("pay_d6", "500", "pm_decline_insufficient_funds")
        yield* s.confirm("pay_d6")
        const p = yield* s.get("pay_d6")
        expect(p.status).toBe("requires_payment_method")
        expect(p.lastDecline?.code).toBe("insufficient_funds")
      }).pipe(Effect.provide(envWith(declineRules, downOnRecord)))
    ))

  it("the request it sends carries the payment and the merchant's signals", () => {
    const input = RiskAdapter.assessInput(
      {
        id: "pay_9",
        merchant: "m_1",
        customer: "cus_1",
        paymentMethod: "pm_card",
        amount: { amount: 1250n, currency: { code: "EUR", exponent: 2 } }
      } as never,
      { ipCountry: "BR", email: "a@b.example", accountAgeDays: 3 }
    )
    expect(input).toEqual({
      payment: {
        id: "pay_9",
        amount: { amount: "1250", currency: "EUR" },
        merchantId: "m_1",
        customerId: "cus_1",
        method: "pm_card",
        ipCountry: "BR",
        email: "a@b.example"
      },
      customer: { accountAgeDays: 3 }
    })
  })
})
