import { Effect, Result } from "effect"
import { expect, it } from "vitest"
import { Attributes, Decision, Risk, Rule, RuleSet } from "../src/index.ts"
import { RiskLive } from "./fixtures/risk-live.ts"
import { markedRegion, readmeBlock, withoutImports } from "./readmeBlocks.ts"

const here = new URL(import.meta.url)

it("the README's Effect example is this test's, verbatim", () => {
  expect(markedRegion(here, "effect example")).toBe(withoutImports(readmeBlock("## With Effect")))
})

it("the README's Effect example decides what it says", async () => {
  // --- README effect example starts
  const program = Effect.gen(function* () {
    const risk = yield* Risk.Risk
    return yield* risk.assess({
      payment: {
        id: "pay_1",
        amount: { amount: "64900", currency: "USD" },
        customerId: "cus_1",
        cardFingerprint: "fp_1",
        cardCountry: "US",
        ipCountry: "BR"
      },
      customer: { accountAgeDays: 2, usualCountries: ["US"] }
    })
  })
  const { decision } = await Effect.runPromise(program.pipe(Effect.provide(RiskLive)))
  // decision.outcome → "review" (score 10 + 25 + 30 = 65 ≥ 50), decision.requestThreeDS → true
  // decision.hits → geo_mismatch_3ds, big_first_payment, geo_unusual_country, each with its reason
  // --- README effect example ends
  expect(decision.outcome).toBe("review")
  expect(decision.score).toBe(65)
  expect(decision.requestThreeDS).toBe(true)
  expect(decision.hits.map((h) => h.ruleId)).toEqual([
    "geo_mismatch_3ds",
    "big_first_payment",
    "geo_unusual_country"
  ])
  expect(decision.hits[1]!.reason).toBe(
    "Large first payment of a new account (customer.account_age_days = 2, payment.amount_ref = 64900)"
  )
})

it("the README's rule language examples define", () => {
  const examples = [
    "payment.amount_ref >= 100000",
    'payment.method == "card" && payment.card_country != payment.ip_country',
    "payment.ip in lists.blocked_ips || payment.email in lists.blocked_emails",
    'payment.card_country in ["KP", "IR", "SY"]',
    "velocity.card.count_1h >= 5 && payment.amount_ref < 500",
    "velocity.customer.sum_24h + payment.amount_ref >= 1000000",
    "has(customer.avg_ticket_ref) && payment.amount_ref >= 5 * customer.avg_ticket_ref",
    "!(payment.ip_country in customer.usual_countries)",
    'payment.email_domain.endsWith(".ru") || payment.email.matches("^[0-9]+@")',
    "size(customer.usual_countries) == 0 ? payment.amount_ref > 20000 : payment.amount_ref > 100000",
    "double(payment.amount_ref) / 100.0 > 999.5"
  ]
  for (const condition of examples) {
    const r = Rule.define(Attributes.standard, { id: "x", description: "x", action: "review", condition })
    expect(Result.isSuccess(r), condition).toBe(true)
  }
  const set = RuleSet.makeUnsafe(Attributes.standard, {
    rules: [{ id: "x", description: "x", action: "review", condition: examples[9]! }]
  })
  expect(
    Decision.decide(set, { payment: { amount_ref: 30000n }, customer: { usual_countries: new Set() } }, 0)
      .outcome
  ).toBe("review")
})
