import { NonNegativeMoney } from "./Features.ts"
import { type AmountOutOfRange, Decimal, Input, type InvalidInput, Money } from "@paykit/core"
import { Result, Schema } from "effect"

/**
 * A ratio between 0 and 1 as a decimal string (`"0.008"` is 0.8 %).
 *
 * @category schemas
 * @since 0.1.0
 */
export const Ratio = Decimal.FromString.check(
  Schema.makeFilter(
    (d: Decimal.Decimal) => (d.coefficient >= 0n && d.big.lte(1)) || "a ratio must be between 0 and 1",
    { title: "Ratio" }
  )
)

/**
 * A merchant's verification status as the scorecard weighs it.
 *
 * @category schemas
 * @since 0.1.0
 */
export const Verification = Schema.Literals(["verified", "pending", "unverified"])

/**
 * A merchant to assess (JSON): chargeback and refund ratios over the last 90 days as decimal
 * strings (`"0.008"` is 0.8 %), volume growth over the previous period (`"0.35"` is +35 %,
 * `"-0.2"` is −20 %), account age in days, KYB verification state, and average monthly volume.
 *
 * @example
 * ```ts
 * import type { Scorecard } from "@paykit/risk"
 * const m: Scorecard.MerchantInput = { chargebackRatio: "0.008", refundRatio: "0.04", volumeGrowth: "0.3", accountAgeDays: 400, verification: "verified", monthlyVolume: { amount: "5000000", currency: "EUR" } }
 * ```
 * @category models
 * @since 0.1.0
 */
export const Merchant: Schema.Struct<{
  readonly chargebackRatio: typeof Ratio
  readonly refundRatio: typeof Ratio
  readonly volumeGrowth: typeof Decimal.FromString
  readonly accountAgeDays: Schema.Number
  readonly verification: typeof Verification
  readonly monthlyVolume: typeof NonNegativeMoney
}> = Schema.Struct({
  chargebackRatio: Ratio,
  refundRatio: Ratio,
  volumeGrowth: Decimal.FromString,
  accountAgeDays: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0)),
  verification: Verification,
  monthlyVolume: NonNegativeMoney
})

/**
 * The JSON shape of a merchant to assess.
 *
 * @example
 * ```ts
 * import type { Scorecard } from "@paykit/risk"
 * declare const m: Scorecard.MerchantInput
 * ```
 * @category models
 * @since 0.1.0
 */
export type MerchantInput = typeof Merchant.Encoded

/**
 * A merchant risk tier, from the total points: `low` below 20, `medium` below 45, `high` below
 * 80, `prohibited` from 80.
 *
 * @example
 * ```ts
 * import type { Scorecard } from "@paykit/risk"
 * const t: Scorecard.Tier = "medium"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Tier = "low" | "medium" | "high" | "prohibited"

/**
 * One factor's contribution: its name, the value read, the band it fell in and its points.
 *
 * @example
 * ```ts
 * import type { Scorecard } from "@paykit/risk"
 * const f: Scorecard.Factor = { factor: "chargebackRatio", value: "0.008", band: "0.75% ≤ x < 1%", points: 25 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Factor {
  readonly factor: "chargebackRatio" | "refundRatio" | "volumeGrowth" | "accountAgeDays" | "verification"
  readonly value: string
  readonly band: string
  readonly points: number
}

/**
 * A scorecard: every factor's contribution, the total, the tier, the suggested rolling reserve
 * (percentage, days held, and the amount on the monthly volume rounded up), and limits (monthly
 * volume and single payment, rounded down).
 *
 * @example
 * ```ts
 * import type { Scorecard } from "@paykit/risk"
 * const reserve = (s: Scorecard.Scorecard) => s.reserve.amount.toString()
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Scorecard {
  readonly factors: ReadonlyArray<Factor>
  readonly total: number
  readonly tier: Tier
  readonly reserve: { readonly percent: string; readonly days: number; readonly amount: Money.Money }
  readonly limits: { readonly monthly: Money.Money; readonly singlePayment: Money.Money }
}

type Band = readonly [upTo: string | null, points: number, label: string]

/** Upper bounds are exclusive; `null` is the last band. */
const CHARGEBACK: ReadonlyArray<Band> = [
  ["0.005", 0, "x < 0.5%"],
  ["0.0075", 10, "0.5% ≤ x < 0.75%"],
  ["0.01", 25, "0.75% ≤ x < 1%"],
  ["0.015", 40, "1% ≤ x < 1.5%"],
  ["0.03", 60, "1.5% ≤ x < 3%"],
  // card networks call about 1% excessive and Mastercard about 3% highly excessive: from there
  // the chargebacks alone put the merchant in the prohibited tier
  [null, 80, "x ≥ 3%"]
]
const REFUND: ReadonlyArray<Band> = [
  ["0.05", 0, "x < 5%"],
  ["0.1", 5, "5% ≤ x < 10%"],
  ["0.2", 15, "10% ≤ x < 20%"],
  [null, 25, "x ≥ 20%"]
]
const GROWTH: ReadonlyArray<Band> = [
  ["0.5", 0, "x < +50%"],
  ["1", 5, "+50% ≤ x < +100%"],
  ["3", 15, "+100% ≤ x < +300%"],
  [null, 25, "x ≥ +300%"]
]
const AGE: ReadonlyArray<readonly [atLeast: number, points: number, label: string]> = [
  [365, 0, "≥ 365 days"],
  [180, 5, "180–364 days"],
  [90, 10, "90–179 days"],
  [30, 20, "30–89 days"],
  [0, 30, "< 30 days"]
]
const VERIFICATION: Record<typeof Verification.Type, number> = { verified: 0, pending: 15, unverified: 40 }

/**
 * The policy of each tier: reserve percentage and days held, monthly limit as a multiple of the
 * monthly volume, single-payment limit as a share of the monthly limit.
 *
 * @example
 * ```ts
 * import { Scorecard } from "@paykit/risk"
 * Scorecard.TIERS.high.reservePercent // "10"
 * ```
 * @category models
 * @since 0.1.0
 */
export const TIERS: Record<
  Tier,
  {
    readonly reservePercent: string
    readonly reserveDays: number
    readonly monthlyMultiple: string
    readonly singleShare: string
  }
> = {
  low: { reservePercent: "0", reserveDays: 0, monthlyMultiple: "3", singleShare: "0.1" },
  medium: { reservePercent: "5", reserveDays: 90, monthlyMultiple: "2", singleShare: "0.05" },
  high: { reservePercent: "10", reserveDays: 120, monthlyMultiple: "1.5", singleShare: "0.02" },
  prohibited: { reservePercent: "25", reserveDays: 180, monthlyMultiple: "0", singleShare: "0" }
}

/**
 * The tier of a total: `low` < 20 ≤ `medium` < 45 ≤ `high` < 80 ≤ `prohibited`.
 *
 * @example
 * ```ts
 * import { Scorecard } from "@paykit/risk"
 * Scorecard.tierOf(44) // "medium"
 * ```
 * @category math
 * @since 0.1.0
 */
export const tierOf = (total: number): Tier =>
  total < 20 ? "low" : total < 45 ? "medium" : total < 80 ? "high" : "prohibited"

const band = (bands: ReadonlyArray<Band>, x: Decimal.Decimal): { points: number; label: string } => {
  for (const [upTo, points, label] of bands) {
    if (upTo === null || Decimal.compare(x, Decimal.unsafe(upTo)) < 0) return { points, label }
  }
  return { points: 0, label: "" }
}

const decode = Input.decodeResult("Scorecard.assess", Merchant)

/**
 * Scores a merchant. Each factor adds points by band (upper bounds exclusive):
 *
 * | factor | bands → points |
 * | --- | --- |
 * | chargeback ratio | < 0.5 % → 0; < 0.75 % → 10; < 1 % → 25; < 1.5 % → 40; < 3 % → 60; else 80 (prohibited on its own) |
 * | refund ratio | < 5 % → 0; < 10 % → 5; < 20 % → 15; else 25 |
 * | volume growth | < +50 % → 0; < +100 % → 5; < +300 % → 15; else 25 |
 * | account age | ≥ 365 d → 0; ≥ 180 → 5; ≥ 90 → 10; ≥ 30 → 20; else 30 |
 * | verification | verified 0; pending 15; unverified 40 |
 *
 * The total gives the tier ({@link tierOf}) and the tier's policy ({@link TIERS}). Amounts are
 * exact: the reserve is rounded up (`ceiling`), limits down (`floor`); a limit beyond the
 * representable range is `AmountOutOfRange`.
 *
 * @example
 * ```ts
 * import { Scorecard } from "@paykit/risk"
 * const card = Scorecard.assess({ chargebackRatio: "0.008", refundRatio: "0.04", volumeGrowth: "0.3", accountAgeDays: 400, verification: "verified", monthlyVolume: { amount: "5000000", currency: "EUR" } })
 * // Success: total 25, tier "medium", reserve 5 % = 2,500.00 EUR
 * ```
 * @category math
 * @since 0.1.0
 */
export const assess = (input: unknown): Result.Result<Scorecard, InvalidInput | AmountOutOfRange> => {
  const d = decode(input)
  if (Result.isFailure(d)) return Result.fail(d.failure)
  const m = d.success
  const cb = band(CHARGEBACK, m.chargebackRatio)
  const rf = band(REFUND, m.refundRatio)
  const gr = band(GROWTH, m.volumeGrowth)
  const age = AGE.find(([atLeast]) => m.accountAgeDays >= atLeast)!
  const factors: Array<Factor> = [
    { factor: "chargebackRatio", value: m.chargebackRatio.toString(), band: cb.label, points: cb.points },
    { factor: "refundRatio", value: m.refundRatio.toString(), band: rf.label, points: rf.points },
    { factor: "volumeGrowth", value: m.volumeGrowth.toString(), band: gr.label, points: gr.points },
    { factor: "accountAgeDays", value: String(m.accountAgeDays), band: age[2], points: age[1] },
    {
      factor: "verification",
      value: m.verification,
      band: m.verification,
      points: VERIFICATION[m.verification]
    }
  ]
  const total = factors.reduce((s, f) => s + f.points, 0)
  const tier = tierOf(total)
  const policy = TIERS[tier]
  const volume = m.monthlyVolume
  const reserve = Money.percentage(volume, Decimal.unsafe(policy.reservePercent), "ceiling")
  if (Result.isFailure(reserve)) return Result.fail(reserve.failure)
  // a monthly limit beyond the representable range (a multiple of a near-maximal volume) fails
  const monthly = Money.multiply(volume, Decimal.unsafe(policy.monthlyMultiple), "floor")
  if (Result.isFailure(monthly)) return Result.fail(monthly.failure)
  const single = Money.multiply(monthly.success, Decimal.unsafe(policy.singleShare), "floor")
  if (Result.isFailure(single)) return Result.fail(single.failure)
  return Result.succeed({
    factors,
    total,
    tier,
    reserve: { percent: policy.reservePercent, days: policy.reserveDays, amount: reserve.success },
    limits: { monthly: monthly.success, singlePayment: single.success }
  })
}
