// The JSON of a fee schedule: the `effect/Schema` codec (rates, amounts, rounding modes, unknown
// fields refused), the checks across fields (versions in order, cap not below minimum, declared
// dimensions, a default row per table, no duplicates), and the paths and reasons of its failures.
import { Decimal, Rounding } from "@paykit/core"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import * as SchemaIssue from "effect/SchemaIssue"
import type {
  Dimensions,
  FeeSchedule,
  Match,
  PassThrough,
  PerCurrency,
  Shape,
  Version
} from "../FeeSchedule.ts"
import { firstOfMatch, matchKey, specificity } from "./feeMatch.ts"

export const CODE = /^[A-Z][A-Z0-9_]{1,11}$/
export const MAX_AMOUNT = 2n ** 127n - 1n
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

/** The codec of `FeeSchedule.Json`: the structure, then the checks across fields. */
export const ScheduleJson = Schema.Struct({
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

/** The amount of a per-currency map for `code`; undefined when the map does not list it. */
export const in_ = (map: PerCurrency | undefined, code: string): bigint | undefined =>
  map !== undefined && Object.hasOwn(map, code) ? map[code] : undefined

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
// failures
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

/** The first problem of a schema issue as the `path` and `reason` of an `InvalidFeeSchedule`. */
export const issueProblem = (
  issue: SchemaIssue.Issue
): { readonly path: string; readonly reason: string } => {
  const first = formatter(issue).issues[0]
  const path = first?.path ?? []
  return {
    path: renderPath(path),
    reason: explain(path, first?.message ?? "invalid")
  }
}
