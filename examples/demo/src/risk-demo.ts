/**
 * The @paykit/risk part of the demo: analysts' rules in CEL syntax, checked when defined, then
 * a card-testing attack caught by velocity features, and a traveller sent to 3-D Secure.
 */
import { Ids, Notifier } from "@paykit/core"
import { Attributes, Risk, RuleSet, RuleSets, VelocityStore } from "@paykit/risk"
import { Effect, Layer, Result } from "effect"

const line = (label: string, value: string) => console.log(`  ${label.padEnd(38)} ${value}`)

export const runRiskDemo: Effect.Effect<void, unknown> = Effect.gen(function* () {
  console.log("\n== @paykit/risk: rules, velocity and decisions ==")

  // a rule with a type error never reaches production: refused with its position and reason
  const broken = RuleSet.make(Attributes.standard, {
    rules: [
      {
        id: "typo",
        description: "compares money with text",
        action: "block",
        condition: 'payment.amount > "x"'
      }
    ]
  })
  if (Result.isFailure(broken)) line('rule `payment.amount > "x"`', broken.failure.message)

  const ruleSet = RuleSet.makeUnsafe(Attributes.standard, {
    rules: [
      ...RuleSets.cardTesting,
      ...RuleSets.geoMismatch,
      {
        id: "blocked_country",
        description: "Card issued in a blocked country",
        action: "block",
        condition: "payment.card_country in lists.blocked_countries"
      }
    ],
    thresholds: { review: 50, block: 100 }
  })
  line("rule set", `${ruleSet.rules.length} rules compiled to closures`)

  const RiskLive = Risk.layer({ ruleSet, lists: { blocked_countries: ["KP"] } }).pipe(
    Layer.provideMerge(Layer.mergeAll(VelocityStore.layerMemory, Ids.layer)),
    Layer.provideMerge(Notifier.layerMemory)
  )

  yield* Effect.gen(function* () {
    const risk = yield* Risk.Risk
    // a traveller: card from the US, paying from Brazil
    const traveller = yield* risk.assess({
      payment: {
        id: "pay_trip",
        amount: { amount: "12900", currency: "USD" },
        customerId: "cus_ana",
        cardFingerprint: "fp_ana",
        cardCountry: "US",
        ipCountry: "BR"
      },
      customer: { accountAgeDays: 400, usualCountries: ["US"] }
    })
    const d = traveller.decision
    line("traveller, $129.00 from Brazil", `${d.outcome}, score ${d.score}, 3-D Secure ${d.requestThreeDS}`)
    for (const h of d.hits) line(`  hit ${h.ruleId}`, h.reason)

    // card testing: one card, many $1 authorisations from one IP within a minute
    let first = -1
    let last = ""
    for (let i = 1; i <= 8; i++) {
      const a = yield* risk.assess({
        payment: {
          id: `pay_probe_${i}`,
          amount: { amount: "100", currency: "USD" },
          customerId: "cus_mallory",
          cardFingerprint: "fp_stolen",
          cardCountry: "US",
          ipCountry: "US",
          ip: "203.0.113.9"
        },
        customer: { accountAgeDays: 0, usualCountries: ["US"] }
      })
      if (a.decision.outcome === "block" && first < 0) {
        first = i
        last = a.decision.hits.map((h) => h.ruleId).join(", ")
      }
    }
    line(
      "8 probes of $1.00 on one card",
      first < 0 ? "never blocked" : `blocked from probe ${first} (${last})`
    )
    const events = yield* Effect.flatMap(Notifier.RecordedEvents, (r) => r.all)
    line(
      "alerts raised as domain events",
      String(events.filter((e) => e.type === "risk.alert.raised").length)
    )
  }).pipe(Effect.provide(RiskLive))
})
