import type * as Rule from "./Rule.ts"

/**
 * Built-in rule sets: plain lists of rules in the rule language, ready to adopt as they are or
 * to copy and tune. They read the default velocity windows (1m, 1h, 24h, 7d) and amounts in
 * reference-currency minor units (a two-decimal currency: `50000` is 500.00).
 *
 * Large payment against the customer's own baseline: review a payment of at least 5× the
 * customer's average ticket (and at least 200.00); block score for 20×.
 *
 * @example
 * ```ts
 * import { Attributes, RuleSet, RuleSets } from "@paykit/risk"
 * const set = RuleSet.makeUnsafe(Attributes.standard, { rules: [...RuleSets.largePayment, ...RuleSets.burst] })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const largePayment: ReadonlyArray<Rule.Input> = [
  {
    id: "large_vs_baseline",
    description: "Payment at least 5× the customer's average ticket",
    action: "review",
    score: 40,
    alert: true,
    condition:
      "has(customer.avg_ticket_ref) && customer.avg_ticket_ref > 0 && payment.amount_ref >= 20000 && payment.amount_ref >= 5 * customer.avg_ticket_ref"
  },
  {
    id: "huge_vs_baseline",
    description: "Payment at least 20× the customer's average ticket",
    action: "review",
    score: 100,
    alert: true,
    condition:
      "has(customer.avg_ticket_ref) && customer.avg_ticket_ref > 0 && payment.amount_ref >= 20000 && payment.amount_ref >= 20 * customer.avg_ticket_ref"
  }
]

/**
 * Burst of payments: review the 6th payment of a customer within a minute; block from the 21st
 * within an hour.
 *
 * @example
 * ```ts
 * import { RuleSets } from "@paykit/risk"
 * RuleSets.burst.map((r) => r.id) // ["burst_minute", "burst_hour"]
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const burst: ReadonlyArray<Rule.Input> = [
  {
    id: "burst_minute",
    description: "Burst: 5 or more payments by this customer in the last minute",
    action: "review",
    score: 30,
    alert: true,
    condition: "velocity.customer.count_1m >= 5"
  },
  {
    id: "burst_hour",
    description: "Burst: 20 or more payments by this customer in the last hour",
    action: "block",
    score: 60,
    alert: true,
    condition: "velocity.customer.count_1h >= 20"
  }
]

/**
 * Structuring (smurfing) under a reporting threshold of 10,000.00 (the velocity
 * configuration's `threshold`; its `band` is 1,000.00): review and alert when a payment just
 * under the threshold follows two or more such payments within 24 hours, or when payments that
 * each stay under the threshold add up to it within 24 hours.
 *
 * @example
 * ```ts
 * import { RuleSets } from "@paykit/risk"
 * RuleSets.structuring.map((r) => r.id) // ["structuring_near_threshold", "structuring_split_sum"]
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const structuring: ReadonlyArray<Rule.Input> = [
  {
    id: "structuring_near_threshold",
    description: "Structuring: a third payment just under the 10,000.00 threshold within 24 hours",
    action: "review",
    score: 40,
    alert: true,
    condition:
      "payment.amount_ref >= 900000 && payment.amount_ref < 1000000 && velocity.customer.near_threshold_24h >= 2"
  },
  {
    id: "structuring_split_sum",
    description: "Structuring: payments each under 10,000.00 add up to 10,000.00 or more within 24 hours",
    action: "review",
    score: 40,
    alert: true,
    condition:
      "payment.amount_ref < 1000000 && velocity.customer.count_24h >= 1 && velocity.customer.max_24h < 1000000 && velocity.customer.sum_24h + payment.amount_ref >= 1000000"
  }
]

/**
 * Card testing: block and recommend a freeze when a card has 3 or more declines in an hour;
 * block small authorisations (under 5.00) on a card that already made 4 in an hour; review an
 * IP that used 5 or more cards in an hour.
 *
 * @example
 * ```ts
 * import { RuleSets } from "@paykit/risk"
 * RuleSets.cardTesting.map((r) => r.id)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const cardTesting: ReadonlyArray<Rule.Input> = [
  {
    id: "card_testing_declines",
    description: "Card testing: 3 or more declined authorisations on this card in the last hour",
    action: "block",
    score: 80,
    alert: true,
    freeze: true,
    condition: "velocity.card.declined_1h >= 3"
  },
  {
    id: "card_testing_small_auths",
    description:
      "Card testing: a small authorisation after 4 or more small ones on this card in the last hour",
    action: "block",
    score: 60,
    alert: true,
    condition: "payment.amount_ref < 500 && velocity.card.small_1h >= 4"
  },
  {
    id: "card_testing_many_cards_ip",
    description: "Card testing: 5 or more cards used from this IP in the last hour",
    action: "review",
    score: 40,
    alert: true,
    condition: "velocity.ip.distinct_cards_1h >= 5"
  }
]

/**
 * Geo mismatch: request 3-D Secure when the card's country differs from the IP's; add 25 to
 * the score when the IP country is also outside the customer's usual countries.
 *
 * @example
 * ```ts
 * import { RuleSets } from "@paykit/risk"
 * RuleSets.geoMismatch.map((r) => r.id) // ["geo_mismatch_3ds", "geo_unusual_country"]
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const geoMismatch: ReadonlyArray<Rule.Input> = [
  {
    id: "geo_mismatch_3ds",
    description: "Card country differs from IP country",
    action: "request_3ds",
    score: 10,
    condition: "payment.card_country != payment.ip_country"
  },
  {
    id: "geo_unusual_country",
    description: "Card and IP countries differ and the IP country is not one the customer usually pays from",
    action: "review",
    score: 25,
    condition:
      "payment.card_country != payment.ip_country && has(customer.usual_countries) && !(payment.ip_country in customer.usual_countries)"
  }
]

/**
 * New device with a high amount: request 3-D Secure from 100.00 on a device never seen for the
 * customer; review from 500.00.
 *
 * @example
 * ```ts
 * import { RuleSets } from "@paykit/risk"
 * RuleSets.newDeviceHighAmount.map((r) => r.id) // ["new_device_3ds", "new_device_high_amount"]
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const newDeviceHighAmount: ReadonlyArray<Rule.Input> = [
  {
    id: "new_device_3ds",
    description: "New device for this customer, 100.00 or more",
    action: "request_3ds",
    score: 10,
    condition: "customer.device_is_new && payment.amount_ref >= 10000"
  },
  {
    id: "new_device_high_amount",
    description: "New device for this customer, 500.00 or more",
    action: "review",
    score: 30,
    condition: "customer.device_is_new && payment.amount_ref >= 50000"
  }
]

/**
 * Dormant account suddenly active: review and alert a payment of 500.00 or more after 90 days
 * or more without a payment.
 *
 * @example
 * ```ts
 * import { RuleSets } from "@paykit/risk"
 * RuleSets.dormantAccount[0]!.id // "dormant_account_active"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const dormantAccount: ReadonlyArray<Rule.Input> = [
  {
    id: "dormant_account_active",
    description: "Dormant account active again: 90 days or more since the previous payment",
    action: "review",
    score: 40,
    alert: true,
    condition:
      "has(customer.days_since_last_payment) && customer.days_since_last_payment >= 90 && payment.amount_ref >= 50000"
  }
]

/**
 * Every built-in rule set together (ids are distinct).
 *
 * @example
 * ```ts
 * import { Attributes, RuleSet, RuleSets } from "@paykit/risk"
 * const set = RuleSet.makeUnsafe(Attributes.standard, { rules: RuleSets.all })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const all: ReadonlyArray<Rule.Input> = [
  ...largePayment,
  ...burst,
  ...structuring,
  ...cardTesting,
  ...geoMismatch,
  ...newDeviceHighAmount,
  ...dormantAccount
]
