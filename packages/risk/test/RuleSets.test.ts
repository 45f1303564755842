import { Currency, Money } from "@paykit/core"
import { describe, expect, it } from "vitest"
import {
  Attributes,
  Decision,
  Features,
  type Rule,
  RuleSet,
  RuleSets,
  Velocity,
  VelocityStore
} from "../src/index.ts"

const catalog = Attributes.standard
const NOW = Date.UTC(2026, 5, 1, 12)
const MIN = 60_000
const HOUR = 3_600_000
const DAY = 86_400_000

interface Scenario {
  readonly amount: bigint
  readonly history?: ReadonlyArray<
    Partial<Velocity.Event> & { readonly ago: number; readonly amountRef?: bigint }
  >
  readonly payment?: Partial<Features.Payment>
  readonly profile?: Features.Profile
}

/** Decides one payment of `amount` (USD cents) by customer cus_1 with card fp_1 from 192.0.2.1, after a history. */
const decide = (rules: ReadonlyArray<Rule.Input>, s: Scenario): Decision.Decision => {
  const set = RuleSet.makeUnsafe(catalog, { rules })
  const store = new VelocityStore.Histories()
  const payment: Features.Payment = {
    id: "pay_now",
    amount: Money.fromMinorUnsafe(s.amount, Currency.USD),
    method: "card",
    customerId: "cus_1",
    cardFingerprint: "fp_1",
    ip: "192.0.2.1",
    deviceId: "dev_1",
    cardCountry: "US",
    ipCountry: "US",
    ...s.payment
  }
  ;(s.history ?? []).forEach((h, i) => {
    const { ago, ...rest } = h
    store.record({
      id: `old${i}`,
      at: NOW - ago,
      amountRef: 1_000n,
      declined: false,
      customer: "cus_1",
      card: "fp_1",
      ip: "192.0.2.1",
      device: "dev_1",
      ...rest
    })
  })
  const keys = Features.keys(payment)
  const histories: Features.Histories = {}
  for (const kind of Velocity.KEY_KINDS) {
    const key = keys[kind]
    if (key !== undefined) histories[kind] = store.history(kind, key)
  }
  const values = Features.compute({
    catalog,
    reference: Currency.USD,
    payment,
    profile: s.profile,
    histories,
    now: NOW
  })
  return Decision.decide(set, values, NOW)
}
const hits = (d: Decision.Decision) => d.hits.map((h) => h.ruleId)
const times = <A>(n: number, f: (i: number) => A): Array<A> => Array.from({ length: n }, (_, i) => f(i))

describe("built-in rule sets", () => {
  it("every built-in rule defines against the standard catalog, ids distinct", () => {
    const set = RuleSet.makeUnsafe(catalog, { rules: RuleSets.all })
    expect(set.rules.length).toBe(RuleSets.all.length)
  })

  describe("large payment against the customer's baseline", () => {
    const profile = { avgTicketRef: 5_000n }
    it("triggers at 5× the average ticket (and 20× adds the block score)", () => {
      expect(hits(decide(RuleSets.largePayment, { amount: 25_000n, profile }))).toEqual(["large_vs_baseline"])
      const huge = decide(RuleSets.largePayment, { amount: 100_000n, profile })
      expect(hits(huge)).toEqual(["huge_vs_baseline", "large_vs_baseline"])
      expect(huge.outcome).toBe("block")
      expect(huge.alerts.length).toBe(2)
    })
    it("does not trigger below 5×, for small amounts, or without a baseline", () => {
      expect(hits(decide(RuleSets.largePayment, { amount: 24_999n, profile }))).toEqual([])
      expect(
        hits(decide(RuleSets.largePayment, { amount: 15_000n, profile: { avgTicketRef: 100n } }))
      ).toEqual([])
      const none = decide(RuleSets.largePayment, { amount: 900_000n })
      expect(hits(none)).toEqual([])
      expect(none.errors).toEqual([])
    })
  })

  describe("burst of payments", () => {
    it("triggers on the 6th payment in a minute and blocks from the 21st in an hour", () => {
      expect(
        hits(decide(RuleSets.burst, { amount: 1_000n, history: times(5, (i) => ({ ago: i * 5_000 })) }))
      ).toEqual(["burst_minute"])
      const d = decide(RuleSets.burst, {
        amount: 1_000n,
        history: times(20, (i) => ({ ago: MIN + i * 2 * MIN }))
      })
      expect(hits(d)).toEqual(["burst_hour"])
      expect(d.outcome).toBe("block")
    })
    it("does not trigger on 4 in a minute or 19 in an hour, or on payments spread out", () => {
      expect(
        hits(decide(RuleSets.burst, { amount: 1_000n, history: times(4, (i) => ({ ago: i * 5_000 })) }))
      ).toEqual([])
      expect(
        hits(decide(RuleSets.burst, { amount: 1_000n, history: times(19, (i) => ({ ago: i * 3 * MIN })) }))
      ).toEqual([])
      expect(
        hits(decide(RuleSets.burst, { amount: 1_000n, history: times(30, (i) => ({ ago: (i + 1) * HOUR })) }))
      ).toEqual([])
    })
  })

  describe("structuring", () => {
    it("triggers on a third payment just under the threshold within 24 hours", () => {
      const history = [
        { ago: 3 * HOUR, amountRef: 950_000n },
        { ago: 9 * HOUR, amountRef: 990_000n }
      ]
      const d = decide(RuleSets.structuring, { amount: 970_000n, history })
      expect(hits(d)).toEqual(["structuring_near_threshold", "structuring_split_sum"])
      expect(d.score).toBe(80)
      expect(d.outcome).toBe("review")
      expect(d.alerts.length).toBe(2)
    })
    it("triggers when payments each under the threshold add up to it within 24 hours", () => {
      const history = [
        { ago: 2 * HOUR, amountRef: 400_000n },
        { ago: 5 * HOUR, amountRef: 350_000n }
      ]
      expect(hits(decide(RuleSets.structuring, { amount: 300_000n, history }))).toEqual([
        "structuring_split_sum"
      ])
    })
    it("does not trigger when the payments are spread over more than 24 hours, one is over, or the sum stays under", () => {
      const spread = [
        { ago: 25 * HOUR, amountRef: 950_000n },
        { ago: 30 * HOUR, amountRef: 990_000n }
      ]
      expect(hits(decide(RuleSets.structuring, { amount: 970_000n, history: spread }))).toEqual([])
      const over = [{ ago: HOUR, amountRef: 1_200_000n }]
      expect(hits(decide(RuleSets.structuring, { amount: 300_000n, history: over }))).toEqual([])
      const under = [{ ago: HOUR, amountRef: 200_000n }]
      expect(hits(decide(RuleSets.structuring, { amount: 300_000n, history: under }))).toEqual([])
      expect(hits(decide(RuleSets.structuring, { amount: 1_500_000n, history: under }))).toEqual([])
    })
  })

  describe("card testing", () => {
    it("blocks and recommends a freeze after 3 declines on the card in an hour", () => {
      const d = decide(RuleSets.cardTesting, {
        amount: 100n,
        history: times(3, (i) => ({ ago: i * MIN, declined: true }))
      })
      expect(hits(d)).toContain("card_testing_declines")
      expect(d.outcome).toBe("block")
      expect(d.freeze).toBe(true)
    })
    it("blocks a small authorisation after 4 small ones on the card in an hour", () => {
      const d = decide(RuleSets.cardTesting, {
        amount: 100n,
        history: times(4, (i) => ({ ago: i * MIN, amountRef: 99n }))
      })
      expect(hits(d)).toEqual(["card_testing_small_auths"])
      expect(d.freeze).toBe(false)
    })
    it("reviews an IP that used 5 cards in an hour", () => {
      const history = times(5, (i) => ({ ago: i * MIN, card: `fp_other_${i}`, customer: `cus_${i + 10}` }))
      expect(hits(decide(RuleSets.cardTesting, { amount: 2_000n, history }))).toEqual([
        "card_testing_many_cards_ip"
      ])
    })
    it("does not trigger on 2 declines, on small payments of normal size, or on declines over an hour ago", () => {
      expect(
        hits(
          decide(RuleSets.cardTesting, {
            amount: 100n,
            history: times(2, () => ({ ago: MIN, declined: true }))
          })
        )
      ).toEqual([])
      expect(
        hits(
          decide(RuleSets.cardTesting, {
            amount: 2_000n,
            history: times(4, () => ({ ago: MIN, amountRef: 99n }))
          })
        )
      ).toEqual([])
      expect(
        hits(
          decide(RuleSets.cardTesting, {
            amount: 100n,
            history: times(5, (i) => ({ ago: HOUR + i, declined: true }))
          })
        )
      ).toEqual([])
    })
  })

  describe("geo mismatch", () => {
    it("requests 3DS when the card and IP countries differ, and reviews outside the usual countries", () => {
      const d = decide(RuleSets.geoMismatch, {
        amount: 5_000n,
        payment: { cardCountry: "US", ipCountry: "NG" }
      })
      expect(hits(d)).toEqual(["geo_mismatch_3ds"])
      expect(d.outcome).toBe("challenge")
      const unusual = decide(RuleSets.geoMismatch, {
        amount: 5_000n,
        payment: { cardCountry: "US", ipCountry: "NG" },
        profile: { usualCountries: ["US", "CA"] }
      })
      expect(hits(unusual)).toEqual(["geo_mismatch_3ds", "geo_unusual_country"])
      expect(unusual.outcome).toBe("review")
      expect(unusual.requestThreeDS).toBe(true)
    })
    it("does not trigger when the countries match, or only requests 3DS when the IP country is usual", () => {
      expect(hits(decide(RuleSets.geoMismatch, { amount: 5_000n }))).toEqual([])
      const usual = decide(RuleSets.geoMismatch, {
        amount: 5_000n,
        payment: { cardCountry: "US", ipCountry: "CA" },
        profile: { usualCountries: ["US", "CA"] }
      })
      expect(hits(usual)).toEqual(["geo_mismatch_3ds"])
    })
  })

  describe("new device with a high amount", () => {
    const seen = [{ ago: 10 * DAY }]
    it("requests 3DS from 100.00 and reviews from 500.00 on a device never seen for the customer", () => {
      const history = [{ ago: 10 * DAY, device: "dev_old" }]
      expect(hits(decide(RuleSets.newDeviceHighAmount, { amount: 20_000n, history }))).toEqual([
        "new_device_3ds"
      ])
      const d = decide(RuleSets.newDeviceHighAmount, { amount: 60_000n, history })
      expect(hits(d)).toEqual(["new_device_3ds", "new_device_high_amount"])
      expect(d.outcome).toBe("review")
    })
    it("does not trigger on a known device or a small amount", () => {
      expect(hits(decide(RuleSets.newDeviceHighAmount, { amount: 60_000n, history: seen }))).toEqual([])
      expect(hits(decide(RuleSets.newDeviceHighAmount, { amount: 5_000n }))).toEqual([])
    })
  })

  describe("dormant account suddenly active", () => {
    it("triggers on 500.00 or more after 90 days without a payment", () => {
      const d = decide(RuleSets.dormantAccount, { amount: 80_000n, history: [{ ago: 120 * DAY }] })
      expect(hits(d)).toEqual(["dormant_account_active"])
      expect(d.alerts.map((a) => a.ruleId)).toEqual(["dormant_account_active"])
    })
    it("does not trigger after 89 days, for small amounts, or for a first payment", () => {
      expect(
        hits(decide(RuleSets.dormantAccount, { amount: 80_000n, history: [{ ago: 89 * DAY }] }))
      ).toEqual([])
      expect(
        hits(decide(RuleSets.dormantAccount, { amount: 1_000n, history: [{ ago: 120 * DAY }] }))
      ).toEqual([])
      const first = decide(RuleSets.dormantAccount, { amount: 80_000n })
      expect(hits(first)).toEqual([])
      expect(first.errors).toEqual([])
    })
  })
})
