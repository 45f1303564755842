/**
 * Fee schedules as data: blended and interchange++ pricing, surcharges, overrides, rounding per
 * component, refund / void / reversal / dispute policies, versions with effective dates.
 *
 * ## The JSON
 *
 * Amounts are integer strings in minor units, keyed by currency code (`{ "USD": "30" }`); a
 * currency a map does not list is zero (no fixed fee) or no bound (no minimum, no cap). Rates are
 * **percentages** as decimal strings (`"2.9"` is 2.9 %, `"0.2"` is 20 bps), between 0 and 100.
 * Every rounded component names one of the seven rounding modes; there is no default. Unknown
 * fields are refused, so a typo never passes silently.
 *
 * ## Pricing (see {@link price})
 *
 * 1. The version in force at `at`: the last one whose `effectiveFrom` is at or before it.
 * 2. Its pricing with the most specific matching override applied (see {@link Override}).
 * 3. One line per component, each `round(amount × rate / 100, its mode) + fixed`, on its own:
 *    `processing` (blended) or `interchange`, `scheme` and `markup` (interchange++), then
 *    `cross_border` (the card's `region` is known and is not `"domestic"`) and `fx` (the capture
 *    was converted).
 * 4. The minimum applies to the total: when the lines sum to less, a top-up line of the margin's
 *    kind (`processing` or `markup`) makes up the difference.
 * 5. The ceiling, the lower of the cap and the amount, applies to the total: lines are cut from
 *    the last to the first (`fx`, `cross_border`, `markup`, `scheme`, `interchange`), so
 *    pass-through costs are the last to be cut. Lines of zero are left out.
 *
 * @since 0.1.0
 */
import { type Decimal, Input, type InvalidInput, type Rounding } from "@paykit/core"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as SchemaIssue from "effect/SchemaIssue"
import type { FeeDetail } from "./BalanceTransaction.ts"
import { issueProblem, ScheduleJson } from "./internal/feeScheduleCodec.ts"
import { mostSpecific, withoutMatch } from "./internal/feeMatch.ts"
import {
  AdjustmentInputSchema,
  adjustWith,
  type Ctx,
  exponentOf,
  guarded,
  linesOf,
  PriceInputSchema
} from "./internal/feePricing.ts"

// ---------------------------------------------------------------------------------------------
// errors
// ---------------------------------------------------------------------------------------------

/**
 * A fee schedule that cannot be used: `path` names the field (`versions[1].overrides[0].cap.USD`,
 * `(root)` for the whole input) and `reason` says what is wrong with it. Nothing was decoded or
 * encoded.
 *
 * @example
 * ```ts
 * import { FeeSchedule } from "@paykit/settlement"
 * new FeeSchedule.InvalidFeeSchedule({ path: "versions[0].pricing.cap.USD", reason: "below the minimum" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class InvalidFeeSchedule extends Schema.TaggedError<InvalidFeeSchedule>()("InvalidFeeSchedule", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `invalid fee schedule at ${this.path}: ${this.reason}; fix that field and try again (nothing was changed)`
  }
}

/**
 * No version of the schedule is in force at `at`: it is before the first version's
 * `effectiveFrom` (`firstEffectiveFrom`). Add a version that starts earlier, or price later.
 *
 * @example
 * ```ts
 * import { FeeSchedule } from "@paykit/settlement"
 * new FeeSchedule.NoScheduleInForce({ at: 0, firstEffectiveFrom: 1_700_000_000_000 }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class NoScheduleInForce extends Schema.TaggedError<NoScheduleInForce>()("NoScheduleInForce", {
  at: Schema.Number,
  firstEffectiveFrom: Schema.Number
}) {
  override get message(): string {
    return `no fee schedule version is in force at ${instant(this.at)}: the first takes effect at ${instant(this.firstEffectiveFrom)}; add a version with an earlier effectiveFrom`
  }
}

const instant = (ms: number): string =>
  Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? `${new Date(ms).toISOString()} (${ms})` : String(ms)

// ---------------------------------------------------------------------------------------------
// the model
// ---------------------------------------------------------------------------------------------

/**
 * Minor units per currency code (`{ USD: 30n }`); a code not listed means zero or no bound.
 *
 * @example
 * ```ts
 * import type { FeeSchedule } from "@paykit/settlement"
 * const fixed: FeeSchedule.PerCurrency = { USD: 30n, EUR: 25n }
 * ```
 * @category models
 * @since 0.1.0
 */
export type PerCurrency = { readonly [currency: string]: bigint }

/**
 * One priced component: a percentage `rate` of the amount, rounded to minor units with
 * `rounding`, plus a `fixed` amount in the payment's currency.
 *
 * @example
 * ```ts
 * import { Decimal } from "@paykit/core"
 * import type { FeeSchedule } from "@paykit/settlement"
 * const c: FeeSchedule.Component = { rate: Decimal.unsafe("2.9"), fixed: { USD: 30n }, rounding: "half-even" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Component {
  readonly rate: Decimal.Decimal
  readonly fixed?: PerCurrency
  readonly rounding: Rounding.RoundingMode
}

/**
 * The dimensions a fee can depend on: payment method (`card`, `wallet`, …), card brand
 * (`visa`, …) and region (`domestic`, `intra_regional`, `inter_regional`). A field left out
 * matches anything.
 *
 * @example
 * ```ts
 * import type { FeeSchedule } from "@paykit/settlement"
 * const m: FeeSchedule.Match = { brand: "amex" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Match {
  readonly method?: string
  readonly brand?: string
  readonly region?: string
}

/**
 * One row of a pass-through table (interchange or scheme fees): the rate and fixed amount for
 * the cards it matches. The most specific matching row wins (see {@link Override}).
 *
 * @example
 * ```ts
 * import { Decimal } from "@paykit/core"
 * import type { FeeSchedule } from "@paykit/settlement"
 * const row: FeeSchedule.RateRow = { brand: "visa", region: "domestic", rate: Decimal.unsafe("0.2") }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface RateRow extends Match {
  readonly rate: Decimal.Decimal
  readonly fixed?: PerCurrency
}

/**
 * A pass-through cost as a table of rows by brand × region (× method), with one rounding mode.
 * The table always has a default row (no brand, region or method), so every card is priced.
 *
 * @example
 * ```ts
 * import { Decimal } from "@paykit/core"
 * import type { FeeSchedule } from "@paykit/settlement"
 * const t: FeeSchedule.PassThrough = { rounding: "half-up", rates: [{ rate: Decimal.unsafe("1.5") }] }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface PassThrough {
  readonly rounding: Rounding.RoundingMode
  readonly rates: ReadonlyArray<RateRow>
}

/**
 * Blended pricing: one `processing` line, a percentage plus a fixed amount.
 *
 * @example
 * ```ts
 * import { Decimal } from "@paykit/core"
 * import type { FeeSchedule } from "@paykit/settlement"
 * const b: FeeSchedule.Blended = { type: "blended", rate: Decimal.unsafe("2.9"), fixed: { USD: 30n }, rounding: "half-even" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Blended extends Component {
  readonly type: "blended"
}

/**
 * Interchange++ pricing: interchange and scheme fees passed through from their tables, plus the
 * platform's `markup`; three lines, each rounded with its own mode.
 *
 * @example
 * ```ts
 * import type { FeeSchedule } from "@paykit/settlement"
 * const isIcpp = (s: FeeSchedule.Shape): s is FeeSchedule.InterchangePlusPlus => s.type === "interchange_plus_plus"
 * ```
 * @category models
 * @since 0.1.0
 */
export interface InterchangePlusPlus {
  readonly type: "interchange_plus_plus"
  readonly interchange: PassThrough
  readonly scheme: PassThrough
  readonly markup: Component
}

/**
 * The shape of a schedule's pricing: {@link Blended} or {@link InterchangePlusPlus}.
 *
 * @example
 * ```ts
 * import type { FeeSchedule } from "@paykit/settlement"
 * const name = (s: FeeSchedule.Shape) => s.type
 * ```
 * @category models
 * @since 0.1.0
 */
export type Shape = Blended | InterchangePlusPlus

/**
 * What a payment pays: the shape, the optional cross-border and FX surcharges, and a minimum and
 * a cap on the total (per currency). `crossBorder` applies when the payment's region is known
 * and is not `"domestic"` (an unknown region pays none); `fx` when the capture was converted.
 *
 * @example
 * ```ts
 * import type { FeeSchedule } from "@paykit/settlement"
 * const capped = (p: FeeSchedule.Pricing) => p.cap !== undefined
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Pricing {
  readonly shape: Shape
  readonly crossBorder?: Component
  readonly fx?: Component
  readonly minimum?: PerCurrency
  readonly cap?: PerCurrency
}

/**
 * An override: for the payments it `match`es, the fields it sets replace the version's pricing
 * field by field (the whole field: an override's `cap` replaces the cap map, it does not merge
 * currencies). Only one override applies, the most specific: the one matching the most
 * dimensions; between as many, method outranks brand, which outranks region
 * (`method+brand` > `method+region` > `brand+region` > `method` > `brand` > `region`).
 * Two overrides with the same match are refused.
 *
 * @example
 * ```ts
 * import type { FeeSchedule } from "@paykit/settlement"
 * const amex = (o: FeeSchedule.Override) => o.match.brand === "amex"
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Override extends Partial<Pricing> {
  readonly match: Match
}

/**
 * The events that adjust a payment's fees.
 *
 * @example
 * ```ts
 * import { FeeSchedule } from "@paykit/settlement"
 * FeeSchedule.events.includes("dispute") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const events = ["refund", "void", "reversal", "dispute"] as const

/**
 * One of {@link events}.
 *
 * @example
 * ```ts
 * import type { FeeSchedule } from "@paykit/settlement"
 * const e: FeeSchedule.Event = "refund"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Event = (typeof events)[number]

/**
 * What an event does to the fees (see {@link adjustment}):
 * - `returned`: the fees are given back, in proportion to the share of the amount the event
 *   concerns (rounded toward zero, so the returns of partial refunds never add up to more than
 *   was charged; a full refund returns every line exactly);
 * - `kept`: the platform keeps the fees;
 * - `charged`: the fees are kept and a fixed fee per currency is charged (a dispute fee).
 *
 * @example
 * ```ts
 * import type { FeeSchedule } from "@paykit/settlement"
 * const p: FeeSchedule.EventPolicy = { policy: "charged", fixed: { USD: 1500n } }
 * ```
 * @category models
 * @since 0.1.0
 */
export type EventPolicy =
  | { readonly policy: "returned" }
  | { readonly policy: "kept" }
  | { readonly policy: "charged"; readonly fixed: PerCurrency }

/**
 * One version of a schedule: in force from `effectiveFrom` (epoch ms) until the next version's.
 *
 * @example
 * ```ts
 * import type { FeeSchedule } from "@paykit/settlement"
 * const since = (v: FeeSchedule.Version) => new Date(v.effectiveFrom)
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Version {
  readonly effectiveFrom: number
  readonly pricing: Pricing
  readonly overrides?: ReadonlyArray<Override>
  readonly events: { readonly [E in Event]: EventPolicy }
}

/**
 * The values overrides and table rows may name, per dimension. An override or a row naming a
 * value not declared here is refused (it would match nothing, most likely a typo).
 *
 * @example
 * ```ts
 * import type { FeeSchedule } from "@paykit/settlement"
 * const d: FeeSchedule.Dimensions = { brands: ["visa", "mastercard"], regions: ["domestic", "inter_regional"] }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Dimensions {
  readonly methods?: ReadonlyArray<string>
  readonly brands?: ReadonlyArray<string>
  readonly regions?: ReadonlyArray<string>
}

/**
 * A fee schedule: its declared dimensions and its versions, oldest first, with strictly
 * increasing `effectiveFrom`. Build one with {@link decode}.
 *
 * @example
 * ```ts
 * import type { FeeSchedule } from "@paykit/settlement"
 * const latest = (s: FeeSchedule.FeeSchedule) => s.versions.at(-1)
 * ```
 * @category models
 * @since 0.1.0
 */
export interface FeeSchedule {
  readonly dimensions?: Dimensions
  readonly versions: ReadonlyArray<Version>
}

// ---------------------------------------------------------------------------------------------
// the codec (internal/feeScheduleCodec.ts)
// ---------------------------------------------------------------------------------------------

/**
 * The `effect/Schema` codec between a schedule's JSON and a {@link FeeSchedule}: structure,
 * rates, amounts and rounding modes, then the checks across fields (sorted versions, cap not
 * below minimum, overrides and rows naming declared values, a default row per table, no
 * duplicates). Prefer {@link decode}, which turns a failure into {@link InvalidFeeSchedule}.
 *
 * @example
 * ```ts
 * import { FeeSchedule } from "@paykit/settlement"
 * import { Schema } from "effect"
 * declare const schedule: FeeSchedule.FeeSchedule
 * const json = Schema.encodeSync(FeeSchedule.Json)(schedule)
 * ```
 * @category models
 * @since 0.1.0
 */
export const Json: Schema.Codec<FeeSchedule, unknown> = ScheduleJson

// ---------------------------------------------------------------------------------------------
// decoding
// ---------------------------------------------------------------------------------------------

const fromIssue = (issue: SchemaIssue.Issue): InvalidFeeSchedule =>
  new InvalidFeeSchedule(issueProblem(issue))

const unreadable = () =>
  Result.fail(
    new InvalidFeeSchedule({
      path: "(root)",
      reason: "the input could not be read (a getter or a proxy threw, or it is cyclic): pass plain data"
    })
  )

/**
 * Decodes a schedule from JSON (`unknown`, e.g. `JSON.parse` output). Never throws: a malformed
 * schedule is `Failure(InvalidFeeSchedule)` naming the first bad field and why (a negative rate,
 * a cap below the minimum, an unknown rounding mode, versions out of order, an override or row
 * naming an undeclared value, an unknown field, a value that cannot be read).
 *
 * @example
 * ```ts
 * import { FeeSchedule } from "@paykit/settlement"
 * const r = FeeSchedule.decode({
 *   versions: [{
 *     effectiveFrom: 0,
 *     pricing: { shape: { type: "blended", rate: "2.9", fixed: { USD: "30" }, rounding: "half-even" } },
 *     events: { refund: { policy: "kept" }, void: { policy: "returned" }, reversal: { policy: "returned" },
 *       dispute: { policy: "charged", fixed: { USD: "1500" } } }
 *   }]
 * })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const decode = (input: unknown): Result.Result<FeeSchedule, InvalidFeeSchedule> => {
  try {
    const r = Schema.decodeUnknownResult(Json)(input, { errors: "first", onExcessProperty: "error" })
    return Result.isSuccess(r) ? Result.succeed(r.success) : Result.fail(fromIssue(r.failure.issue))
  } catch {
    return unreadable()
  }
}

/**
 * The JSON of a schedule (amounts as strings, rates as decimal strings): what {@link decode}
 * reads back to an equal schedule. A schedule from {@link decode} always encodes; one built by
 * hand is checked as {@link decode} checks JSON, and fails the same way.
 *
 * @example
 * ```ts
 * import { FeeSchedule } from "@paykit/settlement"
 * import { Result } from "effect"
 * declare const schedule: FeeSchedule.FeeSchedule
 * JSON.stringify(Result.getOrThrow(FeeSchedule.encode(schedule)))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const encode = (schedule: FeeSchedule): Result.Result<unknown, InvalidFeeSchedule> => {
  try {
    const r = Schema.encodeUnknownResult(Json)(schedule, { errors: "first", onExcessProperty: "error" })
    return Result.isSuccess(r) ? Result.succeed(r.success) : Result.fail(fromIssue(r.failure.issue))
  } catch {
    return unreadable()
  }
}

// ---------------------------------------------------------------------------------------------
// versions and matching (internal/feeMatch.ts)
// ---------------------------------------------------------------------------------------------

/**
 * The version in force at `at` (epoch ms): the last whose `effectiveFrom` is at or before it;
 * `Failure(NoScheduleInForce)` before the first.
 *
 * @example
 * ```ts
 * import { FeeSchedule } from "@paykit/settlement"
 * declare const schedule: FeeSchedule.FeeSchedule
 * FeeSchedule.versionAt(schedule, Date.now())
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const versionAt = (schedule: FeeSchedule, at: number): Result.Result<Version, NoScheduleInForce> => {
  const vs = schedule.versions
  for (let i = vs.length - 1; i >= 0; i--) if (vs[i]!.effectiveFrom <= at) return Result.succeed(vs[i]!)
  return Result.fail(new NoScheduleInForce({ at, firstEffectiveFrom: vs[0]?.effectiveFrom ?? 0 }))
}

/**
 * The pricing a payment with dimensions `d` gets under `version`: the version's pricing with the
 * most specific matching override's fields in place of its own (see {@link Override}).
 *
 * @example
 * ```ts
 * import { FeeSchedule } from "@paykit/settlement"
 * declare const version: FeeSchedule.Version
 * FeeSchedule.pricingFor(version, { brand: "amex", region: "domestic" }).shape.type
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const pricingFor = (version: Version, d: Match): Pricing => {
  const o = mostSpecific(version.overrides ?? [], (x) => x.match, d)
  return o === undefined ? version.pricing : { ...version.pricing, ...withoutMatch(o) }
}

// ---------------------------------------------------------------------------------------------
// pricing (internal/feePricing.ts)
// ---------------------------------------------------------------------------------------------

/**
 * What {@link price} prices: an amount (minor units, > 0) in a currency, when it was captured
 * (epoch ms), the payment's method, card brand and region when known, and whether the capture
 * was converted (an FX surcharge applies). `exponent` only formats labels (major units); it is
 * taken from the ISO 4217 table when left out.
 *
 * @example
 * ```ts
 * import type { FeeSchedule } from "@paykit/settlement"
 * const input: FeeSchedule.PriceInput = { amount: 10_000n, currency: "USD", at: Date.now(), brand: "visa", region: "domestic" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface PriceInput {
  readonly amount: bigint
  readonly currency: string
  readonly exponent?: number | undefined
  readonly at: number
  readonly method?: string | undefined
  readonly brand?: string | undefined
  readonly region?: string | undefined
  readonly converted?: boolean | undefined
}

/**
 * Prices one capture with the version in force at `input.at` (pure, exact): the itemised fee
 * lines, each rounded to minor units with its own mode, the minimum applied to their total, and
 * the total never above the cap nor the amount (the module's introduction gives the order).
 * Bad input is `Failure(InvalidInput)` naming the field; before the first version,
 * `Failure(NoScheduleInForce)`. Never throws.
 *
 * @example
 * ```ts
 * import { FeeSchedule } from "@paykit/settlement"
 * declare const schedule: FeeSchedule.FeeSchedule
 * FeeSchedule.price(schedule, { amount: 10_000n, currency: "USD", at: Date.now(), brand: "visa" })
 * // Success([{ kind: "processing", label: "2.9% + 0.30 USD", amount: 320n }])
 * ```
 * @category math
 * @since 0.1.0
 */
export const price = (
  schedule: FeeSchedule,
  input: PriceInput
): Result.Result<ReadonlyArray<FeeDetail>, InvalidInput | NoScheduleInForce> =>
  guarded("FeeSchedule.price", schedule, () =>
    Result.flatMap(Input.decodeResult("FeeSchedule.price", PriceInputSchema)(input), (i) =>
      Result.map(versionAt(schedule, i.at), (v) => priceWith(v, i))
    )
  )

/**
 * Prices with a given version (pure, exact; `input` already valid): what {@link price} does once
 * it found the version. For callers that chose the version themselves.
 *
 * @example
 * ```ts
 * import { FeeSchedule } from "@paykit/settlement"
 * declare const schedule: FeeSchedule.FeeSchedule
 * FeeSchedule.priceWith(schedule.versions[0]!, { amount: 10_000n, currency: "USD", at: 0 })
 * ```
 * @category math
 * @since 0.1.0
 */
export const priceWith = (version: Version, input: PriceInput): ReadonlyArray<FeeDetail> => {
  const d: Match = {
    ...(input.method === undefined ? {} : { method: input.method }),
    ...(input.brand === undefined ? {} : { brand: input.brand }),
    ...(input.region === undefined ? {} : { region: input.region })
  }
  const ctx: Ctx = {
    amount: input.amount,
    currency: input.currency,
    exponent: exponentOf(input.currency, input.exponent)
  }
  return linesOf(pricingFor(version, d), ctx, d, input.converted === true)
}

// ---------------------------------------------------------------------------------------------
// adjustments
// ---------------------------------------------------------------------------------------------

/**
 * What {@link adjustment} needs: the fee lines the capture paid (`originalFees`), its amount,
 * the amount the event concerns (at most the original), its currency and when it happened.
 *
 * @example
 * ```ts
 * import type { FeeSchedule } from "@paykit/settlement"
 * const input: FeeSchedule.AdjustmentInput = {
 *   originalFees: [{ kind: "processing", label: "2.9% + 0.30 USD", amount: 320n }],
 *   originalAmount: 10_000n, amount: 2_500n, currency: "USD", at: Date.now()
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface AdjustmentInput {
  readonly originalFees: ReadonlyArray<FeeDetail>
  readonly originalAmount: bigint
  readonly amount: bigint
  readonly currency: string
  readonly exponent?: number | undefined
  readonly at: number
}

const EventSchema = Schema.Struct({ event: Schema.Literals(events) })

/**
 * The fee lines of a refund, void, reversal or dispute under the version in force at `input.at`
 * (pure, exact): `returned` gives back each original line in proportion
 * (`line × amount / originalAmount`, rounded toward zero) as negative lines labelled
 * `returned: …`; `kept` gives none; `charged` gives one positive line of the fixed fee for the
 * currency (kind `dispute` for a dispute, `other` otherwise; none when the currency has no fee).
 *
 * @example
 * ```ts
 * import { FeeSchedule } from "@paykit/settlement"
 * declare const schedule: FeeSchedule.FeeSchedule
 * FeeSchedule.adjustment(schedule, "refund", {
 *   originalFees: [{ kind: "processing", label: "2.9% + 0.30 USD", amount: 320n }],
 *   originalAmount: 10_000n, amount: 5_000n, currency: "USD", at: Date.now()
 * }) // Success([{ kind: "processing", label: "returned: 2.9% + 0.30 USD", amount: -160n }]) when returned
 * ```
 * @category math
 * @since 0.1.0
 */
export const adjustment = (
  schedule: FeeSchedule,
  event: Event,
  input: AdjustmentInput
): Result.Result<ReadonlyArray<FeeDetail>, InvalidInput | NoScheduleInForce> =>
  guarded("FeeSchedule.adjustment", schedule, () =>
    Result.flatMap(Input.decodeResult("FeeSchedule.adjustment", EventSchema)({ event }), ({ event: e }) =>
      Result.flatMap(Input.decodeResult("FeeSchedule.adjustment", AdjustmentInputSchema)(input), (i) =>
        Result.map(versionAt(schedule, i.at), (v) => adjustWith(v.events[e], e, i))
      )
    )
  )
