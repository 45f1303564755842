import { Currency, Decimal } from "@paykit/core"
import { Result, Schema } from "effect"
import { isDecimal, show } from "./internal/guards.ts"
import { InvalidRateEntry, MalformedRate, RateFromTheFuture, RateNotFound, StaleRate } from "./errors.ts"

/**
 * An exchange rate: `1 base = rate quote`, where it came from (`source`, e.g. `"ECB"`) and when it
 * was observed (`asOf`, epoch milliseconds). JSON form: the rate is a decimal string. A rate
 * derived from legs of different ages (a cross rate through the pivot) carries `asOf` = the
 * older leg (for staleness) and `newestAsOf` = the newer leg (so a leg dated in the future is
 * never hidden behind an older one).
 *
 * @example
 * ```ts
 * import { Rate } from "@paykit/fx"
 * import { Currency, Decimal } from "@paykit/core"
 * const r: Rate.Rate = { base: "USD", quote: "EUR", rate: Decimal.unsafe("0.92"), source: "memory", asOf: 0 }
 * ```
 * @category models
 * @since 0.1.0
 */
export const Rate = Schema.Struct({
  base: Schema.String,
  quote: Schema.String,
  rate: Decimal.FromString,
  source: Schema.String,
  asOf: Schema.Number,
  newestAsOf: Schema.optionalKey(Schema.Number)
})

/**
 * An exchange rate (see the {@link Rate} schema).
 *
 * @example
 * ```ts
 * import type { Rate } from "@paykit/fx"
 * const describe = (r: Rate.Rate) => `1 ${r.base} = ${r.rate} ${r.quote} (${r.source})`
 * ```
 * @category models
 * @since 0.1.0
 */
export type Rate = typeof Rate.Type

/**
 * The number of decimal places of a derived rate (an inverse or a cross rate), rounded half-even.
 *
 * @example
 * ```ts
 * import { Rate } from "@paykit/fx"
 * Rate.DERIVED_RATE_PLACES // 10
 * ```
 * @category models
 * @since 0.1.0
 */
export const DERIVED_RATE_PLACES = 10

/**
 * The pivot currency cross rates go through unless a table says otherwise.
 *
 * @example
 * ```ts
 * import { Rate } from "@paykit/fx"
 * Rate.DEFAULT_PIVOT // "EUR"
 * ```
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_PIVOT = "EUR"

/**
 * A set of quoted rates and the pivot currency used for cross rates. Build it with {@link makeTable}.
 *
 * @example
 * ```ts
 * import { Rate } from "@paykit/fx"
 * const table: Rate.Table = Rate.makeTableUnsafe([{ base: "EUR", quote: "USD", rate: "1.087", asOf: 0 }])
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Table {
  readonly pivot: string
  readonly source: string
  readonly rates: ReadonlyMap<string, Rate>
  /** The newest `asOf` in the table (0 when empty); the as-of of an identity rate. */
  readonly asOf: number
}

/**
 * One entry of a rate table as a user writes it: the rate as a decimal string or `Decimal`.
 *
 * @example
 * ```ts
 * import type { Rate } from "@paykit/fx"
 * const entry: Rate.Entry = { base: "EUR", quote: "JPY", rate: "163.52", asOf: Date.UTC(2026, 10, 20), source: "ECB" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Entry {
  readonly base: string
  readonly quote: string
  readonly rate: string | Decimal.Decimal
  readonly asOf: number
  readonly source?: string
}

const key = (base: string, quote: string): string => `${base}/${quote}`

/**
 * Builds a rate table. Each rate must be a positive decimal; a later entry for the same pair
 * replaces an earlier one.
 *
 * @example
 * ```ts
 * import { Rate } from "@paykit/fx"
 * const table = Rate.makeTable([{ base: "EUR", quote: "USD", rate: "1.0870", asOf: 0 }], { source: "memory" })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const makeTable = (
  entries: ReadonlyArray<Entry>,
  options: { readonly pivot?: string; readonly source?: string } = {}
): Result.Result<Table, InvalidRateEntry> => {
  const source = typeof options?.source === "string" ? options.source : "memory"
  if (!Array.isArray(entries)) {
    return Result.fail(
      new InvalidRateEntry({
        base: "?",
        quote: "?",
        input: show(entries),
        reason: "expected an array of rate entries"
      })
    )
  }
  const rates = new Map<string, Rate>()
  let asOf = 0
  for (const e of entries as ReadonlyArray<Entry>) {
    if (typeof e !== "object" || e === null) {
      return Result.fail(
        new InvalidRateEntry({
          base: "?",
          quote: "?",
          input: show(e),
          reason: "expected an entry { base, quote, rate, asOf }"
        })
      )
    }
    for (const code of [e.base, e.quote]) {
      if (typeof code !== "string" || Result.isFailure(Currency.fromCode(code))) {
        return Result.fail(
          new InvalidRateEntry({
            base: show(e.base),
            quote: show(e.quote),
            input: show(e.rate),
            reason: `unknown currency "${show(code)}"`
          })
        )
      }
    }
    let rate: Decimal.Decimal
    if (typeof e.rate === "string") {
      const parsed = Decimal.make(e.rate)
      if (Result.isFailure(parsed)) {
        return Result.fail(
          new InvalidRateEntry({ base: e.base, quote: e.quote, input: e.rate, reason: parsed.failure.reason })
        )
      }
      rate = parsed.success
    } else if (isDecimal(e.rate)) rate = e.rate
    else {
      return Result.fail(
        new InvalidRateEntry({
          base: e.base,
          quote: e.quote,
          input: show(e.rate),
          reason: "a rate must be a decimal string or a Decimal"
        })
      )
    }
    if (!Decimal.isPositive(rate)) {
      return Result.fail(
        new InvalidRateEntry({
          base: e.base,
          quote: e.quote,
          input: rate.toString(),
          reason: "a rate must be greater than zero"
        })
      )
    }
    if (e.base === e.quote) {
      return Result.fail(
        new InvalidRateEntry({
          base: e.base,
          quote: e.quote,
          input: rate.toString(),
          reason: "a currency's rate to itself is always 1; leave it out"
        })
      )
    }
    if (!Number.isSafeInteger(e.asOf)) {
      return Result.fail(
        new InvalidRateEntry({
          base: e.base,
          quote: e.quote,
          input: show(e.asOf),
          reason: "asOf must be an integer of epoch milliseconds"
        })
      )
    }
    rates.set(key(e.base, e.quote), {
      base: e.base,
      quote: e.quote,
      rate,
      source: typeof e.source === "string" ? e.source : source,
      asOf: e.asOf
    })
    if (e.asOf > asOf) asOf = e.asOf
  }
  const pivot = typeof options?.pivot === "string" ? options.pivot : DEFAULT_PIVOT
  return Result.succeed({ pivot, source, rates, asOf })
}

/**
 * Like {@link makeTable} but throws `InvalidRateEntry`. For constants and tests.
 *
 * @example
 * ```ts
 * import { Rate } from "@paykit/fx"
 * const table = Rate.makeTableUnsafe([{ base: "USD", quote: "EUR", rate: "0.92", asOf: 0 }])
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const makeTableUnsafe = (
  entries: ReadonlyArray<Entry>,
  options: { readonly pivot?: string; readonly source?: string } = {}
): Table => Result.getOrThrow(makeTable(entries, options))

/**
 * The rate of a currency to itself: exactly 1.
 *
 * @example
 * ```ts
 * import { Rate } from "@paykit/fx"
 * Rate.identity("USD", 0).rate.toString() // "1"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const identity = (code: string, asOf: number): Rate => ({
  base: code,
  quote: code,
  rate: Decimal.ONE,
  source: "identity",
  asOf
})

/**
 * Derived rates by the `Decimal`s they come from: `a / b` at {@link DERIVED_RATE_PLACES} places,
 * half-even, computed once per pair of (immutable) decimals, so an inverse or a cross rate looked
 * up for every quote does not divide through big.js every time. Keyed weakly: a refreshed table
 * brings new decimals and the old entries go with the old ones.
 */
const derivedRates = new WeakMap<Decimal.Decimal, WeakMap<Decimal.Decimal, Decimal.Decimal>>()

const derived = (a: Decimal.Decimal, b: Decimal.Decimal): Decimal.Decimal => {
  let byB = derivedRates.get(a)
  if (byB === undefined) {
    byB = new WeakMap()
    derivedRates.set(a, byB)
  }
  let d = byB.get(b)
  if (d === undefined) {
    d = Result.getOrThrow(Decimal.divide(a, b, DERIVED_RATE_PLACES, "half-even"))
    byB.set(b, d)
  }
  return d
}

/**
 * `1 / rate`, rounded half-even to {@link DERIVED_RATE_PLACES} places: the quote→base rate.
 *
 * @example
 * ```ts
 * import { Rate } from "@paykit/fx"
 * import { Decimal } from "@paykit/core"
 * Rate.invert({ base: "EUR", quote: "USD", rate: Decimal.unsafe("1.087"), source: "ECB", asOf: 0 }).rate.toString() // "0.9199632015"
 * ```
 * @category math
 * @since 0.1.0
 */
export const invert = (r: Rate): Rate => ({
  base: r.quote,
  quote: r.base,
  rate: derived(Decimal.ONE, r.rate),
  source: r.source,
  asOf: r.asOf,
  ...(r.newestAsOf === undefined ? {} : { newestAsOf: r.newestAsOf })
})

const newest = (r: Rate): number => (r.newestAsOf === undefined ? r.asOf : Math.max(r.asOf, r.newestAsOf))

const direct = (table: Table, base: string, quote: string): Rate | undefined => {
  const d = table.rates.get(key(base, quote))
  if (d !== undefined) return d
  const i = table.rates.get(key(quote, base))
  return i === undefined ? undefined : invert(i)
}

/**
 * Looks up `1 base = x quote` in a table. The rules, in order:
 *
 * 1. same currency: exactly 1 (source `"identity"`, as of the table's newest rate);
 * 2. the pair as quoted;
 * 3. the inverse pair as quoted: `1 / rate` at 10 places, half-even;
 * 4. through the pivot (EUR by default): `(pivot→quote) / (pivot→base)` at 10 places,
 *    half-even, where each leg is itself direct or inverted; its as-of is the older leg's and
 *    its source names both legs' sources when they differ.
 *
 * @example
 * ```ts
 * import { Rate } from "@paykit/fx"
 * const table = Rate.makeTableUnsafe([
 *   { base: "EUR", quote: "USD", rate: "1.25", asOf: 0 },
 *   { base: "EUR", quote: "GBP", rate: "0.85", asOf: 0 }
 * ])
 * Rate.lookup(table, "USD", "GBP") // Success(0.68 = 0.85 / 1.25)
 * ```
 * @category math
 * @since 0.1.0
 */
export const lookup = (table: Table, base: string, quote: string): Result.Result<Rate, RateNotFound> => {
  if (
    typeof table !== "object" ||
    table === null ||
    !(table.rates instanceof Map) ||
    typeof base !== "string" ||
    typeof quote !== "string"
  ) {
    return Result.fail(
      new RateNotFound({
        base: show(base),
        quote: show(quote),
        source: typeof table?.source === "string" ? table.source : "?",
        reason: "expected a rate table built by Rate.makeTable and two currency codes"
      })
    )
  }
  if (base === quote) return Result.succeed(identity(base, table.asOf))
  const d = direct(table, base, quote)
  if (d !== undefined) return Result.succeed(d)
  const pivot = table.pivot
  if (base === pivot || quote === pivot) {
    return Result.fail(
      new RateNotFound({
        base,
        quote,
        source: table.source,
        reason: `no ${pivot}→${base === pivot ? quote : base} rate`
      })
    )
  }
  const legBase = direct(table, pivot, base)
  const legQuote = direct(table, pivot, quote)
  if (legBase === undefined || legQuote === undefined) {
    const missing = [legBase === undefined ? base : undefined, legQuote === undefined ? quote : undefined]
      .filter((c) => c !== undefined)
      .map((c) => `${pivot}→${c}`)
      .join(" and ")
    return Result.fail(
      new RateNotFound({ base, quote, source: table.source, reason: `no direct rate and no ${missing} rate` })
    )
  }
  const asOf = Math.min(legBase.asOf, legQuote.asOf)
  const newestAsOf = Math.max(newest(legBase), newest(legQuote))
  return Result.succeed({
    base,
    quote,
    rate: derived(legQuote.rate, legBase.rate),
    source: legBase.source === legQuote.source ? legBase.source : `${legBase.source}+${legQuote.source}`,
    asOf,
    ...(newestAsOf === asOf ? {} : { newestAsOf })
  })
}

/**
 * How far in the future (milliseconds) a rate's as-of may lie before it is `RateFromTheFuture`:
 * one minute, for clock skew between a live feed's server and this machine. The ECB rates are
 * dated 00:00 UTC of their publication day (published around 16:00 CET), so a correct ECB file is
 * never ahead of a correct clock; a file dated tomorrow is refused.
 *
 * @example
 * ```ts
 * import { Rate } from "@paykit/fx"
 * Rate.FUTURE_TOLERANCE_MILLIS // 60_000
 * ```
 * @category models
 * @since 0.2.0
 */
export const FUTURE_TOLERANCE_MILLIS = 60_000

const describeNumber = (n: unknown): string => (typeof n === "number" ? show(n) : `${typeof n} ${show(n)}`)

/**
 * Checks that a rate may be priced on at `now`. The rules, in order:
 *
 * 1. the rate is an object with string `base`, `quote`, `source`, and `asOf` (and `newestAsOf`,
 *    when present) is an integer of epoch milliseconds; `now` and `maxAgeMillis` are finite
 *    (`maxAgeMillis` ≥ 0): else `MalformedRate` (a NaN as-of is never fresh);
 * 2. its as-of (the newest leg's for a cross rate) is at most `now + futureToleranceMillis`
 *    (default {@link FUTURE_TOLERANCE_MILLIS}, one minute): else `RateFromTheFuture`;
 * 3. its as-of (the oldest leg's) is at least `now − maxAgeMillis`: else `StaleRate`.
 *
 * @example
 * ```ts
 * import { Rate } from "@paykit/fx"
 * import { Currency, Decimal } from "@paykit/core"
 * const r = { base: "USD", quote: "EUR", rate: Decimal.unsafe("0.92"), source: "memory", asOf: 0 }
 * Rate.ensureFresh(r, 3_600_001, 3_600_000) // Failure(StaleRate)
 * Rate.ensureFresh({ ...r, asOf: Number.NaN }, 0, 3_600_000) // Failure(MalformedRate)
 * Rate.ensureFresh({ ...r, asOf: 120_000 }, 0, 3_600_000) // Failure(RateFromTheFuture)
 * ```
 * @category guards
 * @since 0.1.0
 */
export const ensureFresh = (
  rate: Rate,
  now: number,
  maxAgeMillis: number,
  options: { readonly futureToleranceMillis?: number } = {}
): Result.Result<Rate, StaleRate | RateFromTheFuture | MalformedRate> => {
  const isObject = typeof rate === "object" && rate !== null
  const str = (v: unknown) => (typeof v === "string" ? v : "?")
  const base = isObject ? str(rate.base) : "?"
  const quote = isObject ? str(rate.quote) : "?"
  const source = isObject ? str(rate.source) : "?"
  const malformed = (field: string, input: unknown, reason: string) =>
    Result.fail(new MalformedRate({ base, quote, source, field, input: describeNumber(input), reason }))
  if (!isObject) return malformed("rate", rate, "is not a rate object")
  if (base === "?" || quote === "?" || source === "?") {
    return malformed("base/quote/source", `${show(rate.base)}/${show(rate.quote)}`, "must be strings")
  }
  if (!Number.isSafeInteger(rate.asOf)) {
    return malformed("asOf", rate.asOf, "must be an integer of epoch milliseconds")
  }
  if (rate.newestAsOf !== undefined && !Number.isSafeInteger(rate.newestAsOf)) {
    return malformed("newestAsOf", rate.newestAsOf, "must be an integer of epoch milliseconds")
  }
  if (typeof now !== "number" || !Number.isFinite(now))
    return malformed("now", now, "must be a finite number")
  if (typeof maxAgeMillis !== "number" || !Number.isFinite(maxAgeMillis) || maxAgeMillis < 0) {
    return malformed("maxAgeMillis", maxAgeMillis, "must be a finite number ≥ 0")
  }
  const tolerance = options?.futureToleranceMillis ?? FUTURE_TOLERANCE_MILLIS
  if (typeof tolerance !== "number" || !Number.isFinite(tolerance) || tolerance < 0) {
    return malformed("futureToleranceMillis", tolerance, "must be a finite number ≥ 0")
  }
  const newestAsOf = newest(rate)
  if (newestAsOf - now > tolerance) {
    return Result.fail(
      new RateFromTheFuture({ base, quote, source, asOf: newestAsOf, now, toleranceMillis: tolerance })
    )
  }
  return now - rate.asOf > maxAgeMillis
    ? Result.fail(new StaleRate({ base, quote, source, asOf: rate.asOf, now, maxAgeMillis }))
    : Result.succeed(rate)
}
