import { Input, type InvalidInput, Rounding } from "@paykit/core"
import { Rounding as RoundingSchema } from "@paykit/core/schema"
import { type Result, Schema } from "effect"

/**
 * A rolling reserve plan for one merchant and currency: `bps` (basis points, 1–10,000) of each
 * charge's gross is held back when the charge becomes available, rounded to the minor unit with
 * `rounding`, and released either `releaseAfterDays` calendar days after it was held (rolling)
 * or on `releaseOn` (a fixed date, epoch ms) — exactly one of the two. The plan holds nothing
 * for charges made available at or after `expiresAt`; what it held still releases on schedule.
 * The risk package's merchant scorecard can set a plan through `Settlement.setReservePlan`:
 * data, not a dependency.
 *
 * @example
 * ```ts
 * import type { ReservePlan } from "@paykit/settlement"
 * const plan: ReservePlan.ReservePlan = { bps: 1000, releaseAfterDays: 90, rounding: "half-up" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface ReservePlan {
  readonly bps: number
  readonly releaseAfterDays?: number
  readonly releaseOn?: number
  readonly expiresAt?: number
  readonly rounding: Rounding.RoundingMode
}

const Millis = Schema.Number.check(
  Schema.makeFilter((n: number) => (Number.isSafeInteger(n) && n >= 0) || "expected epoch milliseconds", {
    title: "EpochMillis"
  })
)

/**
 * The plan's codec: checks the rate, that exactly one release rule is given, and the rounding
 * mode's name.
 *
 * @example
 * ```ts
 * import { ReservePlan } from "@paykit/settlement"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(ReservePlan.Json)({ bps: 500, releaseAfterDays: 30, rounding: "down" })
 * ```
 * @category models
 * @since 0.1.0
 */
export const Json = Schema.Struct({
  bps: Schema.Number.check(
    Schema.makeFilter(
      (n: number) =>
        (Number.isInteger(n) && n >= 1 && n <= 10_000) || "expected whole basis points from 1 to 10000",
      { title: "Bps" }
    )
  ),
  releaseAfterDays: Schema.optionalKey(
    Schema.Number.check(
      Schema.makeFilter(
        (n: number) => (Number.isInteger(n) && n >= 1 && n <= 3_650) || "expected whole days from 1 to 3650",
        { title: "Days" }
      )
    )
  ),
  releaseOn: Schema.optionalKey(Millis),
  expiresAt: Schema.optionalKey(Millis),
  rounding: RoundingSchema.RoundingModeSchema
}).check(
  Schema.makeFilter(
    (p: { readonly releaseAfterDays?: number; readonly releaseOn?: number }) =>
      (p.releaseAfterDays === undefined) !== (p.releaseOn === undefined) ||
      "expected exactly one of releaseAfterDays (rolling) and releaseOn (a fixed date)",
    { title: "ReleaseRule" }
  )
)

/**
 * Decodes a plan from JSON: `InvalidInput` naming the field and why, or the plan.
 *
 * @example
 * ```ts
 * import { ReservePlan } from "@paykit/settlement"
 * ReservePlan.decode({ bps: 20000, releaseAfterDays: 30, rounding: "down" }) // Failure: bps
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const decode = (input: unknown): Result.Result<ReservePlan, InvalidInput> =>
  Input.decodeResult("setReservePlan", Json)(input) as Result.Result<ReservePlan, InvalidInput>

const DAY = 86_400_000

/**
 * What the plan holds back from a charge of `gross` made available at `at`: the amount (zero
 * when the plan has expired or the charge is not positive) and when it releases.
 *
 * @example
 * ```ts
 * import { ReservePlan } from "@paykit/settlement"
 * ReservePlan.holdFor({ bps: 1000, releaseAfterDays: 1, rounding: "half-up" }, 12_345n, 0).amount // 1235n
 * ```
 * @category math
 * @since 0.1.0
 */
export const holdFor = (
  plan: ReservePlan,
  gross: bigint,
  at: number
): { readonly amount: bigint; readonly releaseOn: number } => {
  const releaseOn = plan.releaseOn ?? at + (plan.releaseAfterDays ?? 0) * DAY
  if (gross <= 0n || (plan.expiresAt !== undefined && at >= plan.expiresAt)) return { amount: 0n, releaseOn }
  return { amount: Rounding.divide(gross * BigInt(plan.bps), 10_000n, plan.rounding), releaseOn }
}
