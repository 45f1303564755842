import { Ids, InvalidInput, Notifier } from "@paykit/core"
import { Attributes, Risk, RuleSet, RuleSets, VelocityStore } from "@paykit/risk"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { fixture, markedRegion, post, readmeBlock, startService, withoutImports } from "./readmeBlocks.ts"

const here = new URL(import.meta.url)
const serviceUrl = new URL("./fixtures/readme-service.ts", import.meta.url)

describe("Risk.client: the README example without Effect", () => {
  it("assesses, blocks after a list change at run time, rejects bad input with InvalidInput itself, then disposes", async () => {
    // --- README client example starts
    const ruleSet = RuleSet.makeUnsafe(Attributes.standard, {
      rules: [
        ...RuleSets.cardTesting,
        ...RuleSets.geoMismatch,
        {
          id: "blocked_country",
          description: "Card issued in a blocked country",
          action: "block",
          condition: "payment.card_country in lists.blocked_countries"
        },
        {
          id: "big_first_payment",
          description: "Large first payment of a new account",
          action: "review",
          score: 30,
          condition: "customer.account_age_days < 7 && payment.amount_ref >= 50000"
        }
      ],
      thresholds: { review: 50, block: 100 }
    })
    const RiskLive = Risk.layer({ ruleSet, lists: { blocked_countries: ["KP"] } }).pipe(
      Layer.provide([VelocityStore.layerMemory, Ids.layer]),
      Layer.provide(Notifier.layerMemory)
    )

    // Once, at module load: one runtime (its velocity history, its pool) shared by every request.
    const risk = Risk.client(RiskLive)

    // In a request: every method is a Promise; a failure rejects with the typed error itself.
    const { decision } = await risk.assess({
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
    // decision.outcome → "review" (score 10 + 25 + 30 = 65 ≥ 50), decision.requestThreeDS → true
    // decision.hits → geo_mismatch_3ds, big_first_payment, geo_unusual_country, each with its reason

    // who changes a list (from your own authentication): named in its audit event, risk.list.values_added
    const analyst = { kind: "operator", id: "analyst-7" } as const
    await risk.addToList(analyst, { list: "blocked_countries", values: ["IR"] }) // applies at once
    const later = await risk.assess({
      payment: { id: "pay_2", amount: { amount: "1000", currency: "USD" }, cardCountry: "IR" }
    })
    // later.decision.outcome → "block" (blocked_country)
    const refused = await risk
      .addToList(analyst, { list: "planets", values: ["Mars"] })
      .catch((e: unknown) => e)
    // refused → InvalidInput at list: no list "planets" is declared in the rule set's catalog

    // On shutdown: release the runtime's resources (a database pool with @paykit/store-postgres).
    await risk.dispose()
    // --- README client example ends
    expect(decision.outcome).toBe("review")
    expect(decision.score).toBe(65)
    expect(decision.requestThreeDS).toBe(true)
    expect(decision.hits.map((h) => h.ruleId)).toEqual([
      "geo_mismatch_3ds",
      "big_first_payment",
      "geo_unusual_country"
    ])
    expect(later.decision.outcome).toBe("block")
    expect(later.decision.hits.map((h) => h.ruleId)).toContain("blocked_country")
    expect(refused).toBeInstanceOf(InvalidInput)
    expect((refused as InvalidInput).path).toBe("list")
    expect((refused as InvalidInput).message).toContain('no list "planets" is declared')
    // after dispose, calls reject instead of building a second runtime
    await expect(
      risk.assess({ payment: { id: "pay_3", amount: { amount: "1", currency: "USD" } } })
    ).rejects.toBeDefined()
  })

  it("is the README's main example, verbatim", () => {
    expect(markedRegion(here, "client example")).toBe(withoutImports(readmeBlock("## Example")))
  })

  it("builds its layer once for many requests: one velocity history, and disposes with await using", async () => {
    let built = 0
    const counting = Layer.effectDiscard(Effect.sync(() => void built++))
    const ruleSet = RuleSet.makeUnsafe(Attributes.standard, {
      rules: [
        {
          id: "card_burst",
          description: "Three payments on one card within an hour",
          action: "block",
          condition: "velocity.card.count_1h >= 3"
        }
      ]
    })
    const live = Risk.layer({ ruleSet }).pipe(
      Layer.provide([VelocityStore.layerMemory, Ids.layer, counting]),
      Layer.provide(Notifier.layerMemory)
    )
    {
      await using risk = Risk.client(live)
      const assess = (id: string) =>
        risk.assess({ payment: { id, amount: { amount: "500", currency: "USD" }, cardFingerprint: "fp_9" } })
      const outcomes: Array<string> = []
      // separate requests, one after another: each sees the attempts the others recorded
      for (const id of ["p1", "p2", "p3", "p4"]) outcomes.push((await assess(id)).decision.outcome)
      expect(outcomes).toEqual(["approve", "approve", "approve", "block"])
      expect(built).toBe(1)
    }
  })
})

describe("the README's long-lived service (an OS process)", () => {
  it("is the README's section, verbatim", () => {
    expect(fixture(serviceUrl)).toBe(readmeBlock("## Without Effect, in a long-lived service").trim())
  })

  it("assesses from one client, answers bad JSON fields with 400, and on SIGTERM disposes and exits 0", async () => {
    const service = startService(serviceUrl)
    try {
      const port = await service.port
      const payment = (id: string, cardCountry: string) => ({
        payment: { id, amount: { amount: "1000", currency: "USD" }, cardCountry, ipCountry: cardCountry }
      })
      const ok = await post(port, payment("pay_1", "US"))
      expect(ok).toEqual({ status: 200, json: { outcome: "approve", reasons: [] } })
      const blocked = await post(port, payment("pay_2", "KP"))
      expect(blocked.json["outcome"]).toBe("block")
      expect(blocked.json["reasons"]).toEqual([
        'Card issued in a blocked country (payment.card_country = "KP", lists.blocked_countries = a list of 1 value)'
      ])
      const bad = await post(port, { payment: { id: "pay_3", amount: { amount: "12.50", currency: "USD" } } })
      expect(bad.status).toBe(400)
      expect(bad.json["error"]).toContain("payment.amount.amount")
      service.child.kill("SIGTERM")
      await service.line((l) => l === "stopped")
      expect(await service.exited).toEqual({ code: 0, signal: null })
    } finally {
      service.stop()
    }
  })
})
