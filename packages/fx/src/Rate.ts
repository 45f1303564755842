import { Currency, Decimal } from "@paykit/core"
import { Result, Schema } from "effect"
import { InvalidRateEntry, RateNotFound, StaleRate } from "./errors.ts"

/**
 * An exchange rate: `1 base = rate quote`, where it came from (`source`, e.g. `"ECB"`) and when it
 * was observed (`asOf`, epoch milliseconds). JSON form: the rate is a decimal string.
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
  asOf: Schema.Number
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
  const source = options.source ?? "memory"
  const rates = new Map<string, Rate>()
  let asOf = 0
  for (const e of entries) {
    for (const code of [e.base, e.quote]) {
      if (Result.isFailure(Currency.fromCode(code))) {
        return Result.fail(
          new InvalidRateEntry({
            base: e.base,
            quote: e.quote,
            input: String(e.rate),
            reason: `unknown currency "${code}"`
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
    } else rate = e.rate
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
    if (!Number.isFinite(e.asOf)) {
      return Result.fail(
        new InvalidRateEntry({
          base: e.base,
          quote: e.quote,
          input: String(e.asOf),
          reason: "asOf must be epoch milliseconds"
        })
      )
    }
    rates.set(key(e.base, e.quote), {
      base: e.base,
      quote: e.quote,
      rate,
      source: e.source ?? source,
      asOf: e.asOf
    })
    if (e.asOf > asOf) asOf = e.asOf
  }
  return Result.succeed({ pivot: options.pivot ?? DEFAULT_PIVOT, source, rates, asOf })
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
  rate: Result.getOrThrow(Decimal.divide(Decimal.ONE, r.rate, DERIVED_RATE_PLACES, "half-even")),
  source: r.source,
  asOf: r.asOf
})

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
  return Result.succeed({
    base,
    quote,
    rate: Result.getOrThrow(Decimal.divide(legQuote.rate, legBase.rate, DERIVED_RATE_PLACES, "half-even")),
    source: legBase.source === legQuote.source ? legBase.source : `${legBase.source}+${legQuote.source}`,
    asOf: Math.min(legBase.asOf, legQuote.asOf)
  })
}

/**
 * Fails with `StaleRate` when `rate` is older than `maxAgeMillis` at `now`.
 *
 * @example
 * ```ts
 * import { Rate } from "@paykit/fx"
 * import { Currency, Decimal } from "@paykit/core"
 * const r = { base: "USD", quote: "EUR", rate: Decimal.unsafe("0.92"), source: "memory", asOf: 0 }
 * Rate.ensureFresh(r, 3_600_001, 3_600_000) // Failure(StaleRate)
 * ```
 * @category guards
 * @since 0.1.0
 */
export const ensureFresh = (rate: Rate, now: number, maxAgeMillis: number): Result.Result<Rate, StaleRate> =>
  now - rate.asOf > maxAgeMillis
    ? Result.fail(
        new StaleRate({
          base: rate.base,
          quote: rate.quote,
          source: rate.source,
          asOf: rate.asOf,
          now,
          maxAgeMillis
        })
      )
    : Result.succeed(rate)
