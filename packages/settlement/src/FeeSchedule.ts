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
import { Currency, Decimal, Input, InvalidInput, Rounding } from "@paykit/core"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import * as SchemaIssue from "effect/SchemaIssue"
import { type FeeDetail, type FeeKind, feeKinds } from "./BalanceTransaction.ts"

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
// the codec
// ---------------------------------------------------------------------------------------------

const CODE = /^[A-Z][A-Z0-9_]{1,11}$/
const MAX_AMOUNT = 2n ** 127n - 1n
const PER_CURRENCY_KEYS = new Set(["fixed", "minimum", "cap"])

const RoundingModeJson = Schema.String.check(
  Schema.makeFilter(
    (s: string) =>
      Rounding.isRoundingMode(s) || Rounding.invalidMode("FeeSchedule.decode", "rounding", s).reason,
    { title: "RoundingMode" }
  )
).pipe(
  Schema.decodeTo(
    Schema.Literals(Rounding.modes as readonly [Rounding.RoundingMode, ...Rounding.RoundingMode[]])
  )
)

const RateJson = Decimal.FromString.check(
  Schema.makeFilter((d: Decimal.Decimal) => !Decimal.isNegative(d) || `a rate cannot be negative (got ${d})`),
  Schema.makeFilter(
    (d: Decimal.Decimal) =>
      Decimal.compare(d, Decimal.HUNDRED) <= 0 ||
      `a rate is a percentage ("2.9" is 2.9 %) and cannot exceed 100 (got ${d})`
  )
)

const AmountJson = Schema.String.check(
  Schema.isPattern(/^-?(0|[1-9]\d{0,38})$/, {
    message: 'expected minor units as an integer string such as "30" (no decimals, exponent or spaces)'
  })
).pipe(
  Schema.decodeTo(
    Schema.BigInt.check(
      Schema.makeFilter((n: bigint) => n >= 0n || `an amount cannot be negative (got ${n})`),
      Schema.makeFilter((n: bigint) => n <= MAX_AMOUNT || "an amount must be below 2^127")
    ),
    {
      decode: SchemaGetter.transform((s: string) => BigInt(s)),
      encode: SchemaGetter.transform((n: bigint) => n.toString())
    }
  )
)

const PerCurrencyJson = Schema.Record(
  Schema.String.check(Schema.isPattern(CODE, { message: "expected a currency code such as USD" })),
  AmountJson
).check(Schema.isMaxProperties(500))

const NameJson = Schema.String.check(
  Schema.makeFilter(
    (s: string) => (s.length > 0 && s.length <= 64) || "expected a name of 1 to 64 characters, such as visa"
  )
)

const ComponentFields = {
  rate: RateJson,
  fixed: Schema.optionalKey(PerCurrencyJson),
  rounding: RoundingModeJson
}

const ComponentJson = Schema.Struct(ComponentFields)

const MatchFields = {
  method: Schema.optionalKey(NameJson),
  brand: Schema.optionalKey(NameJson),
  region: Schema.optionalKey(NameJson)
}

const PassThroughJson = Schema.Struct({
  rounding: RoundingModeJson,
  rates: Schema.Array(
    Schema.Struct({ ...MatchFields, rate: RateJson, fixed: Schema.optionalKey(PerCurrencyJson) })
  ).check(Schema.isMinLength(1), Schema.isMaxLength(10_000))
})

const ShapeJson = Schema.Union([
  Schema.Struct({ type: Schema.Literal("blended"), ...ComponentFields }),
  Schema.Struct({
    type: Schema.Literal("interchange_plus_plus"),
    interchange: PassThroughJson,
    scheme: PassThroughJson,
    markup: ComponentJson
  })
]).annotate({
  message: 'expected a pricing shape: an object with "type": "blended" or "type": "interchange_plus_plus"'
})

const PricingFields = {
  crossBorder: Schema.optionalKey(ComponentJson),
  fx: Schema.optionalKey(ComponentJson),
  minimum: Schema.optionalKey(PerCurrencyJson),
  cap: Schema.optionalKey(PerCurrencyJson)
}

const EventPolicyJson = Schema.Union([
  Schema.Struct({ policy: Schema.Literal("returned") }),
  Schema.Struct({ policy: Schema.Literal("kept") }),
  Schema.Struct({ policy: Schema.Literal("charged"), fixed: PerCurrencyJson })
]).annotate({
  message:
    'expected a fee policy: { "policy": "returned" }, { "policy": "kept" } or { "policy": "charged", "fixed": { "USD": "1500" } }'
})

const VersionJson = Schema.Struct({
  effectiveFrom: Schema.Number.check(
    Schema.makeFilter(
      (n: number) =>
        (Number.isSafeInteger(n) && n >= 0) ||
        "expected a time in milliseconds since the epoch (an integer ≥ 0)"
    )
  ),
  pricing: Schema.Struct({ shape: ShapeJson, ...PricingFields }),
  overrides: Schema.optionalKey(
    Schema.Array(
      Schema.Struct({
        match: Schema.Struct(MatchFields),
        shape: Schema.optionalKey(ShapeJson),
        ...PricingFields
      })
    ).check(Schema.isMaxLength(1_000))
  ),
  events: Schema.Struct({
    refund: EventPolicyJson,
    void: EventPolicyJson,
    reversal: EventPolicyJson,
    dispute: EventPolicyJson
  })
})

const NamesJson = Schema.Array(NameJson).check(Schema.isMaxLength(1_000))

/** A semantic problem: where, and why. */
interface Problem {
  readonly path: ReadonlyArray<string | number>
  readonly reason: string
}

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
export const Json: Schema.Codec<FeeSchedule, unknown> = Schema.Struct({
  dimensions: Schema.optionalKey(
    Schema.Struct({
      methods: Schema.optionalKey(NamesJson),
      brands: Schema.optionalKey(NamesJson),
      regions: Schema.optionalKey(NamesJson)
    })
  ),
  versions: Schema.Array(VersionJson).check(Schema.isMinLength(1), Schema.isMaxLength(1_000))
}).check(
  Schema.makeFilter((s: FeeSchedule) => {
    const p = checkSchedule(s)
    return p === undefined || { path: p.path, issue: p.reason }
  })
)

// ---------------------------------------------------------------------------------------------
// checks across fields
// ---------------------------------------------------------------------------------------------

const DIMENSIONS = [
  ["method", "methods"],
  ["brand", "brands"],
  ["region", "regions"]
] as const

const firstOf = <A>(items: ReadonlyArray<A>, f: (a: A, i: number) => Problem | undefined) => {
  for (let i = 0; i < items.length; i++) {
    const p = f(items[i]!, i)
    if (p !== undefined) return p
  }
  return undefined
}

const checkSchedule = (s: FeeSchedule): Problem | undefined =>
  checkDeclared(s.dimensions) ??
  firstOf(s.versions, (v, i) => {
    const prev = s.versions[i - 1]
    if (prev !== undefined && v.effectiveFrom <= prev.effectiveFrom)
      return {
        path: ["versions", i, "effectiveFrom"],
        reason:
          v.effectiveFrom === prev.effectiveFrom
            ? `two versions take effect at ${v.effectiveFrom}: each version needs its own effectiveFrom`
            : `${v.effectiveFrom} is before versions[${i - 1}].effectiveFrom (${prev.effectiveFrom}): list versions oldest first`
      }
    return checkVersion(v, s.dimensions ?? {}, ["versions", i])
  })

const checkDeclared = (d: Dimensions | undefined): Problem | undefined =>
  firstOf(DIMENSIONS, ([, plural]) =>
    firstOf(d?.[plural] ?? [], (name, i) =>
      (d?.[plural] ?? []).indexOf(name) === i
        ? undefined
        : { path: ["dimensions", plural, i], reason: `"${name}" is listed twice` }
    )
  )

const checkVersion = (v: Version, d: Dimensions, at: ReadonlyArray<string | number>): Problem | undefined => {
  const base = [...at, "pricing"]
  const p = v.pricing
  const firsts = firstOfMatch(v.overrides ?? [], (x) => x.match)
  return (
    checkTables(p.shape, d, base) ??
    checkBounds(p.minimum, p.cap, base, base, true) ??
    firstOf(v.overrides ?? [], (o, k) => {
      const here = [...at, "overrides", k]
      if (o.match.method === undefined && o.match.brand === undefined && o.match.region === undefined)
        return {
          path: [...here, "match"],
          reason:
            "an override must match at least one of method, brand or region (the version's pricing is the default)"
        }
      const twin = firsts.get(matchKey(o.match)) ?? k
      if (twin < k)
        return {
          path: [...here, "match"],
          reason: `the same match as overrides[${twin}]: merge the two overrides`
        }
      const bounds =
        o.cap === undefined && o.minimum === undefined
          ? undefined
          : checkBounds(
              o.minimum ?? p.minimum,
              o.cap ?? p.cap,
              o.cap === undefined ? base : here,
              o.minimum === undefined ? base : here,
              o.cap !== undefined
            )
      return checkMatch(o.match, d, [...here, "match"]) ?? checkTables(o.shape, d, here) ?? bounds
    })
  )
}

const withoutMatch = ({ match: _, ...rest }: Override): Partial<Pricing> => rest

const matchKey = (m: Match): string => JSON.stringify([m.method ?? null, m.brand ?? null, m.region ?? null])

/** The index of the first item with each match (linear: tables may have thousands of rows). */
const firstOfMatch = <A>(items: ReadonlyArray<A>, matchOf: (a: A) => Match): ReadonlyMap<string, number> => {
  const out = new Map<string, number>()
  items.forEach((a, i) => {
    const key = matchKey(matchOf(a))
    if (!out.has(key)) out.set(key, i)
  })
  return out
}

const checkMatch = (m: Match, d: Dimensions, at: ReadonlyArray<string | number>): Problem | undefined =>
  firstOf(DIMENSIONS, ([one, plural]) => {
    const value = m[one]
    const declared = d[plural] ?? []
    return value === undefined || declared.includes(value)
      ? undefined
      : {
          path: [...at, one],
          reason: `"${value}" is not a declared ${one} (declared: ${declared.length === 0 ? "none" : declared.join(", ")}); add it to dimensions.${plural} or fix the spelling`
        }
  })

const checkTables = (
  shape: Shape | undefined,
  d: Dimensions,
  at: ReadonlyArray<string | number>
): Problem | undefined =>
  shape === undefined || shape.type === "blended"
    ? undefined
    : (checkTable(shape.interchange, d, [...at, "shape", "interchange"]) ??
      checkTable(shape.scheme, d, [...at, "shape", "scheme"]))

/** The cap is never below the minimum, per currency; blames the cap (or the minimum) at its path. */
const checkBounds = (
  minimum: PerCurrency | undefined,
  cap: PerCurrency | undefined,
  capAt: ReadonlyArray<string | number>,
  minAt: ReadonlyArray<string | number>,
  blameCap: boolean
): Problem | undefined => {
  for (const [code, ceiling] of Object.entries(cap ?? {})) {
    const floor = in_(minimum, code)
    if (floor === undefined || ceiling >= floor) continue
    return blameCap
      ? {
          path: [...capAt, "cap", code],
          reason: `the cap ${ceiling} is below the minimum ${floor} (${renderPath([...minAt, "minimum", code])}); raise the cap or lower the minimum`
        }
      : {
          path: [...minAt, "minimum", code],
          reason: `the minimum ${floor} is above the cap ${ceiling} (${renderPath([...capAt, "cap", code])}); lower the minimum or raise the cap`
        }
  }
  return undefined
}

const checkTable = (
  t: PassThrough,
  d: Dimensions,
  at: ReadonlyArray<string | number>
): Problem | undefined => {
  const firsts = firstOfMatch(t.rates, (r) => r)
  return (
    firstOf(t.rates, (row, i) => {
      const twin = firsts.get(matchKey(row)) ?? i
      if (twin < i)
        return { path: [...at, "rates", i], reason: `the same brand, region and method as rates[${twin}]` }
      return checkMatch(row, d, [...at, "rates", i])
    }) ??
    (t.rates.some((r) => specificity(r) === 0)
      ? undefined
      : {
          path: [...at, "rates"],
          reason: "no default row: add a row without brand, region or method so every card is priced"
        })
  )
}

// ---------------------------------------------------------------------------------------------
// decoding
// ---------------------------------------------------------------------------------------------

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

/** `versions[1].overrides[0].cap.USD`; a key that is not a plain name is quoted: `[""]`. */
const renderPath = (path: ReadonlyArray<unknown>): string =>
  path.length === 0
    ? "(root)"
    : path
        .map(keyOf)
        .map((p, i) =>
          typeof p === "number"
            ? `[${p}]`
            : !IDENTIFIER.test(String(p))
              ? `[${JSON.stringify(String(p))}]`
              : i === 0
                ? String(p)
                : `.${String(p)}`
        )
        .join("")

const keyOf = (s: unknown): unknown => (typeof s === "object" && s !== null && "key" in s ? s.key : s)

/** A friendlier reason for a schema message: unknown fields and bad currency codes. */
const explain = (path: ReadonlyArray<unknown>, message: string): string => {
  if (message !== "Expected no excess property") return message
  const key = String(keyOf(path.at(-1)))
  return PER_CURRENCY_KEYS.has(String(keyOf(path.at(-2))))
    ? `"${key}" is not a currency code: expected 2 to 12 characters A-Z, 0-9 or _, starting with a letter (e.g. "USD")`
    : `unknown field "${key}": remove it or check its spelling`
}

const fromIssue = (issue: SchemaIssue.Issue): InvalidFeeSchedule => {
  const first = formatter(issue).issues[0]
  const path = first?.path ?? []
  return new InvalidFeeSchedule({
    path: renderPath(path),
    reason: explain(path, first?.message ?? "invalid")
  })
}

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
// versions and matching
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

/** How specific a match is: more dimensions first, then method > brand > region; 0 is the default. */
const specificity = (m: Match): number => {
  const method = m.method === undefined ? 0 : 1
  const brand = m.brand === undefined ? 0 : 1
  const region = m.region === undefined ? 0 : 1
  return (method + brand + region) * 8 + method * 4 + brand * 2 + region
}

const matches = (m: Match, d: Match): boolean =>
  (m.method === undefined || m.method === d.method) &&
  (m.brand === undefined || m.brand === d.brand) &&
  (m.region === undefined || m.region === d.region)

const mostSpecific = <A>(items: ReadonlyArray<A>, matchOf: (a: A) => Match, d: Match): A | undefined => {
  let best: A | undefined
  let score = -1
  for (const a of items) {
    const m = matchOf(a)
    const s = specificity(m)
    if (s > score && matches(m, d)) {
      best = a
      score = s
    }
  }
  return best
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
// pricing
// ---------------------------------------------------------------------------------------------

const in_ = (map: PerCurrency | undefined, code: string): bigint | undefined =>
  map !== undefined && Object.hasOwn(map, code) ? map[code] : undefined

/** `round(amount × rate / 100)` with `mode`, exact: the rate is `coefficient / 10^scale` percent. */
const percentOf = (amount: bigint, rate: Decimal.Decimal, mode: Rounding.RoundingMode): bigint =>
  Rounding.divide(amount * rate.coefficient, 100n * Rounding.pow10(rate.scale), mode)

const money = (n: bigint, code: string, exponent: number | undefined): string => {
  if (exponent === undefined || exponent === 0)
    return `${n} ${code}${exponent === undefined ? " minor units" : ""}`
  const digits = n.toString().padStart(exponent + 1, "0")
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)} ${code}`
}

const exponentOf = (code: string, given: number | undefined): number | undefined => {
  if (given !== undefined) return given
  const c = Currency.fromCode(code)
  return Result.isSuccess(c) ? c.success.exponent : undefined
}

interface Ctx {
  readonly amount: bigint
  readonly currency: string
  readonly exponent: number | undefined
}

const line = (
  ctx: Ctx,
  kind: FeeKind,
  name: string,
  rate: Decimal.Decimal,
  fixed: PerCurrency | undefined,
  mode: Rounding.RoundingMode,
  note = ""
): FeeDetail => {
  const f = in_(fixed, ctx.currency) ?? 0n
  const rateText = `${rate}%${f === 0n ? "" : ` + ${money(f, ctx.currency, ctx.exponent)}`}`
  return {
    kind,
    label: `${name}${name === "" ? "" : " "}${rateText}${note}`,
    amount: percentOf(ctx.amount, rate, mode) + f
  }
}

const rowNote = (r: Match): string => {
  const parts = [r.brand, r.region, r.method].filter((x) => x !== undefined)
  return ` (${parts.length === 0 ? "default" : parts.join(", ")})`
}

const shapeLines = (s: Shape, ctx: Ctx, d: Match): ReadonlyArray<FeeDetail> => {
  if (s.type === "blended") return [line(ctx, "processing", "", s.rate, s.fixed, s.rounding)]
  const row = (t: PassThrough, kind: FeeKind, name: string): FeeDetail => {
    // a decoded table always has a default row (specificity 0), so a row always matches
    const r = mostSpecific(t.rates, (x) => x, d)!
    return line(ctx, kind, name, r.rate, r.fixed, t.rounding, rowNote(r))
  }
  return [
    row(s.interchange, "interchange", "interchange"),
    row(s.scheme, "scheme", "scheme fees"),
    line(ctx, "markup", "markup", s.markup.rate, s.markup.fixed, s.markup.rounding)
  ]
}

/** Cuts `excess` from the lines, last first. */
const cut = (lines: ReadonlyArray<FeeDetail>, excess: bigint, note: string): ReadonlyArray<FeeDetail> => {
  let left = excess
  const out = [...lines]
  for (let i = out.length - 1; i >= 0 && left > 0n; i--) {
    const l = out[i]!
    const take = l.amount < left ? l.amount : left
    if (take > 0n) out[i] = { ...l, amount: l.amount - take, label: `${l.label}${note}` }
    left -= take
  }
  return out
}

const sum = (lines: ReadonlyArray<FeeDetail>): bigint => lines.reduce((s, l) => s + l.amount, 0n)

/**
 * The fee lines of pricing `p` for one payment, before any version lookup (pure): components,
 * minimum top-up, then the ceiling (the lower of the cap and the amount); lines of zero left out.
 */
const linesOf = (p: Pricing, ctx: Ctx, d: Match, converted: boolean): ReadonlyArray<FeeDetail> => {
  const lines: Array<FeeDetail> = [...shapeLines(p.shape, ctx, d)]
  if (p.crossBorder !== undefined && d.region !== undefined && d.region !== "domestic") {
    const c = p.crossBorder
    lines.push(line(ctx, "cross_border", "cross-border", c.rate, c.fixed, c.rounding, ` (${d.region} card)`))
  }
  if (p.fx !== undefined && converted)
    lines.push(line(ctx, "fx", "currency conversion", p.fx.rate, p.fx.fixed, p.fx.rounding))
  const total = sum(lines)
  const minimum = in_(p.minimum, ctx.currency)
  if (minimum !== undefined && total < minimum)
    lines.push({
      kind: p.shape.type === "blended" ? "processing" : "markup",
      label: `minimum fee top-up to ${money(minimum, ctx.currency, ctx.exponent)}`,
      amount: minimum - total
    })
  const cap = in_(p.cap, ctx.currency)
  const ceiling = cap !== undefined && cap < ctx.amount ? cap : ctx.amount
  const over = sum(lines) - ceiling
  const note =
    ceiling === cap ? ` (capped at ${money(cap, ctx.currency, ctx.exponent)})` : " (capped at the amount)"
  return (over > 0n ? cut(lines, over, note) : lines).filter((l) => l.amount > 0n)
}

const Dimension = Schema.String.check(Schema.isMaxLength(500))
const Code = Schema.String.check(
  Schema.isPattern(CODE, { message: "expected a currency code such as USD (2 to 12 characters A-Z, 0-9, _)" })
)
const PositiveAmount = Schema.BigInt.check(
  Schema.makeFilter((n: bigint) => n > 0n || "must be greater than zero"),
  Schema.makeFilter((n: bigint) => n <= MAX_AMOUNT || "must be below 2^127")
)
const Exponent = Schema.Number.check(
  Schema.makeFilter(
    (n: number) => (Number.isInteger(n) && n >= 0 && n <= 18) || "expected an integer from 0 to 18"
  )
)
const Instant = Schema.Number.check(
  Schema.makeFilter(
    (n: number) => Number.isFinite(n) || "expected a finite time in milliseconds since the epoch"
  )
)

const PriceInputSchema = Schema.Struct({
  amount: PositiveAmount,
  currency: Code,
  exponent: Schema.optional(Exponent),
  at: Instant,
  method: Schema.optional(Dimension),
  brand: Schema.optional(Dimension),
  region: Schema.optional(Dimension),
  converted: Schema.optional(Schema.Boolean)
})

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

const isScheduleLike = (u: unknown): u is FeeSchedule =>
  typeof u === "object" &&
  u !== null &&
  Array.isArray((u as FeeSchedule).versions) &&
  (u as FeeSchedule).versions.length > 0

const notASchedule = (operation: string): Result.Result<never, InvalidInput> =>
  Result.fail(
    new InvalidInput({
      operation,
      path: "schedule",
      reason: "not a decoded fee schedule: build it with FeeSchedule.decode"
    })
  )

/** Runs `f`; a decoded schedule never throws, anything else that does is not a schedule. */
const guarded = <A, E>(operation: string, schedule: unknown, f: () => Result.Result<A, E>) => {
  if (!isScheduleLike(schedule)) return notASchedule(operation)
  try {
    return f()
  } catch {
    return notASchedule(operation)
  }
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

const AdjustmentInputSchema = Schema.Struct({
  originalFees: Schema.Array(
    Schema.Struct({
      kind: Schema.Literals(feeKinds),
      label: Schema.String.check(Schema.isMaxLength(1_000)),
      amount: Schema.BigInt.check(
        Schema.makeFilter((n: bigint) => (n >= -MAX_AMOUNT && n <= MAX_AMOUNT) || "must be within ±2^127")
      )
    })
  ).check(Schema.isMaxLength(1_000)),
  originalAmount: PositiveAmount,
  amount: PositiveAmount,
  currency: Code,
  exponent: Schema.optional(Exponent),
  at: Instant
}).check(
  Schema.makeFilter(
    (i: { readonly amount: bigint; readonly originalAmount: bigint }) =>
      i.amount <= i.originalAmount || {
        path: ["amount"],
        issue: `${i.amount} is more than the original amount ${i.originalAmount}`
      }
  )
)

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

const adjustWith = (policy: EventPolicy, event: Event, i: AdjustmentInput): ReadonlyArray<FeeDetail> => {
  switch (policy.policy) {
    case "kept":
      return []
    case "returned":
      return i.originalFees
        .filter((f) => f.amount > 0n)
        .map((f) => ({
          kind: f.kind,
          label: `returned: ${f.label}`,
          amount: -((f.amount * i.amount) / i.originalAmount)
        }))
        .filter((f) => f.amount < 0n)
    case "charged": {
      const fee = in_(policy.fixed, i.currency) ?? 0n
      const text = money(fee, i.currency, exponentOf(i.currency, i.exponent))
      return fee === 0n
        ? []
        : [{ kind: event === "dispute" ? "dispute" : "other", label: `${event} fee ${text}`, amount: fee }]
    }
  }
}
