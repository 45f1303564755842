import { Schema } from "effect"

/**
 * No rate for a currency pair: the provider has neither the direct pair, its inverse, nor both
 * legs through the pivot currency.
 *
 * @example
 * ```ts
 * import { RateNotFound } from "@paykit/fx"
 * new RateNotFound({ base: "USD", quote: "XAU", source: "ECB", reason: "no EUR→XAU rate" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class RateNotFound extends Schema.TaggedError<RateNotFound>()("RateNotFound", {
  base: Schema.String,
  quote: Schema.String,
  source: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `no ${this.base}→${this.quote} rate from ${this.source}: ${this.reason}; load a rate for the pair or for both legs through the pivot currency`
  }
}

/**
 * A rate is older than the configured maximum age. paykit never quotes on a stale rate: refresh
 * the provider (or raise the maximum age deliberately).
 *
 * @example
 * ```ts
 * import { StaleRate } from "@paykit/fx"
 * new StaleRate({ base: "USD", quote: "EUR", source: "ECB", asOf: 0, now: 90_000_000, maxAgeMillis: 86_400_000 }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class StaleRate extends Schema.TaggedError<StaleRate>()("StaleRate", {
  base: Schema.String,
  quote: Schema.String,
  source: Schema.String,
  asOf: Schema.Number,
  now: Schema.Number,
  maxAgeMillis: Schema.Number
}) {
  override get message(): string {
    const age = Math.round((this.now - this.asOf) / 60_000)
    return `the ${this.base}→${this.quote} rate from ${this.source} (as of ${new Date(this.asOf).toISOString()}) is ${age} minutes old, older than the allowed ${Math.round(this.maxAgeMillis / 60_000)} minutes; refresh the rate provider before quoting`
  }
}

/**
 * A rate's `asOf` (or the newest as-of of its legs) lies in the future beyond the clock-skew
 * tolerance (`Rate.FUTURE_TOLERANCE_MILLIS`, one minute). A rate dated after "now" is a broken
 * feed or a broken clock, never a fresh rate: paykit does not price on it. Fix the provider's
 * dates or the clock.
 *
 * @example
 * ```ts
 * import { RateFromTheFuture } from "@paykit/fx"
 * new RateFromTheFuture({ base: "USD", quote: "EUR", source: "ECB", asOf: 86_400_000, now: 0, toleranceMillis: 60_000 }).message
 * ```
 * @category errors
 * @since 0.2.0
 */
export class RateFromTheFuture extends Schema.TaggedError<RateFromTheFuture>()("RateFromTheFuture", {
  base: Schema.String,
  quote: Schema.String,
  source: Schema.String,
  asOf: Schema.Number,
  now: Schema.Number,
  toleranceMillis: Schema.Number
}) {
  override get message(): string {
    const ahead = Math.round((this.asOf - this.now) / 1_000)
    return `the ${this.base}→${this.quote} rate from ${this.source} is dated ${new Date(this.asOf).toISOString()}, ${ahead} seconds after now (${new Date(this.now).toISOString()}), beyond the allowed clock skew of ${Math.round(this.toleranceMillis / 1_000)} seconds; check the provider's dates and this machine's clock before quoting`
  }
}

/**
 * A rate handed to a freshness check or a quote is malformed: its `asOf` is not an integer of
 * epoch milliseconds (NaN, ±Infinity, a fraction, not a number), or `now` / the maximum age is
 * not a finite number. A rate with no usable date is never treated as fresh.
 *
 * @example
 * ```ts
 * import { MalformedRate } from "@paykit/fx"
 * new MalformedRate({ base: "USD", quote: "EUR", source: "feed", field: "asOf", input: "NaN", reason: "must be an integer of epoch milliseconds" }).message
 * ```
 * @category errors
 * @since 0.2.0
 */
export class MalformedRate extends Schema.TaggedError<MalformedRate>()("MalformedRate", {
  base: Schema.String,
  quote: Schema.String,
  source: Schema.String,
  field: Schema.String,
  input: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `the ${this.base}→${this.quote} rate from ${this.source} is malformed: ${this.field} ${this.input} ${this.reason}; fix the rate provider, paykit never prices on a rate it cannot date`
  }
}

/**
 * A rate from a provider is unusable (zero, negative, not a decimal).
 *
 * @example
 * ```ts
 * import { InvalidRateEntry } from "@paykit/fx"
 * new InvalidRateEntry({ base: "EUR", quote: "USD", input: "0", reason: "a rate must be greater than zero" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class InvalidRateEntry extends Schema.TaggedError<InvalidRateEntry>()("InvalidRateEntry", {
  base: Schema.String,
  quote: Schema.String,
  input: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `rate ${this.base}→${this.quote} ${JSON.stringify(this.input)} is unusable: ${this.reason}`
  }
}

/**
 * The ECB reference-rate document is not in the `eurofxref-daily.xml` format (no
 * `<Cube time=…>`, a rate that is not a positive decimal, an unknown currency, a duplicate).
 *
 * @example
 * ```ts
 * import { MalformedEcbXml } from "@paykit/fx"
 * new MalformedEcbXml({ reason: "no <Cube time=…> element" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class MalformedEcbXml extends Schema.TaggedError<MalformedEcbXml>()("MalformedEcbXml", {
  reason: Schema.String
}) {
  override get message(): string {
    return `malformed ECB reference-rate XML: ${this.reason}; expected the eurofxref-daily.xml format (<Cube time="YYYY-MM-DD"><Cube currency="USD" rate="1.0870"/>…)`
  }
}

/**
 * The ECB reference-rate file could not be read.
 *
 * @example
 * ```ts
 * import { RateFileUnreadable } from "@paykit/fx"
 * new RateFileUnreadable({ path: "/tmp/eurofxref-daily.xml", reason: "ENOENT" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class RateFileUnreadable extends Schema.TaggedError<RateFileUnreadable>()("RateFileUnreadable", {
  path: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot read the rate file ${this.path}: ${this.reason}`
  }
}

/**
 * No pricing corridor matches the source currency, target currency and payment method: the pair
 * is not offered.
 *
 * @example
 * ```ts
 * import { NoCorridor } from "@paykit/fx"
 * new NoCorridor({ source: "USD", target: "ARS", method: null }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class NoCorridor extends Schema.TaggedError<NoCorridor>()("NoCorridor", {
  source: Schema.String,
  target: Schema.String,
  method: Schema.NullOr(Schema.String)
}) {
  override get message(): string {
    return `no pricing corridor for ${this.source}→${this.target}${this.method === null ? "" : ` paid by ${this.method}`}: the pair is not offered; add a corridor to the pricing schedule`
  }
}

/**
 * A corridor's spread is 10000 basis points (100 %) or more, or negative: the customer would
 * receive nothing, or more than the mid-market rate.
 *
 * @example
 * ```ts
 * import { AbsurdSpread } from "@paykit/fx"
 * new AbsurdSpread({ corridor: "USD→EUR", spreadBps: 10000 }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class AbsurdSpread extends Schema.TaggedError<AbsurdSpread>()("AbsurdSpread", {
  corridor: Schema.String,
  spreadBps: Schema.Number
}) {
  override get message(): string {
    return `corridor ${this.corridor}: a spread of ${this.spreadBps} bps is absurd; it must be an integer from 0 to 9999 basis points (below 100 %)`
  }
}

/**
 * Two amount tiers of one corridor overlap (`[min, max)` bounds share amounts).
 *
 * @example
 * ```ts
 * import { OverlappingTiers } from "@paykit/fx"
 * new OverlappingTiers({ corridor: "USD→EUR", index: 1, min: "50000", previousMax: "100000" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class OverlappingTiers extends Schema.TaggedError<OverlappingTiers>()("OverlappingTiers", {
  corridor: Schema.String,
  index: Schema.Number,
  min: Schema.String,
  previousMax: Schema.String
}) {
  override get message(): string {
    return `corridor ${this.corridor}: tier ${this.index} starts at ${this.min} minor units, inside the previous tier which ends at ${this.previousMax}; tiers must not overlap (bounds are [min, max))`
  }
}

/**
 * The amount tiers of one corridor leave a gap (or the first tier does not start at 0), so some
 * amounts would have no price.
 *
 * @example
 * ```ts
 * import { TierGap } from "@paykit/fx"
 * new TierGap({ corridor: "USD→EUR", index: 1, min: "200000", previousMax: "100000" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class TierGap extends Schema.TaggedError<TierGap>()("TierGap", {
  corridor: Schema.String,
  index: Schema.Number,
  min: Schema.String,
  previousMax: Schema.String
}) {
  override get message(): string {
    return `corridor ${this.corridor}: tier ${this.index} starts at ${this.min} minor units but the previous tier ends at ${this.previousMax} (the first tier must start at 0); tiers must be contiguous`
  }
}

/**
 * The last amount tier of a corridor has an upper bound, so larger amounts would have no price.
 *
 * @example
 * ```ts
 * import { BoundedLastTier } from "@paykit/fx"
 * new BoundedLastTier({ corridor: "USD→EUR", max: "1000000" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class BoundedLastTier extends Schema.TaggedError<BoundedLastTier>()("BoundedLastTier", {
  corridor: Schema.String,
  max: Schema.String
}) {
  override get message(): string {
    return `corridor ${this.corridor}: the last tier ends at ${this.max} minor units; leave its max out so every amount has a price`
  }
}

/**
 * A tier's `max` is not above its `min`.
 *
 * @example
 * ```ts
 * import { EmptyTier } from "@paykit/fx"
 * new EmptyTier({ corridor: "USD→EUR", index: 0, min: "100", max: "100" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class EmptyTier extends Schema.TaggedError<EmptyTier>()("EmptyTier", {
  corridor: Schema.String,
  index: Schema.Number,
  min: Schema.String,
  max: Schema.String
}) {
  override get message(): string {
    return `corridor ${this.corridor}: tier ${this.index} is empty ([${this.min}, ${this.max})); max must be greater than min`
  }
}

/**
 * A higher amount tier has a larger spread than a lower one: a larger send would get a worse
 * rate and could receive less. Spreads must not increase with the amount.
 *
 * @example
 * ```ts
 * import { IncreasingSpread } from "@paykit/fx"
 * new IncreasingSpread({ corridor: "USD→EUR", index: 1, spreadBps: 80, previousSpreadBps: 50 }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class IncreasingSpread extends Schema.TaggedError<IncreasingSpread>()("IncreasingSpread", {
  corridor: Schema.String,
  index: Schema.Number,
  spreadBps: Schema.Number,
  previousSpreadBps: Schema.Number
}) {
  override get message(): string {
    return `corridor ${this.corridor}: tier ${this.index} has a spread of ${this.spreadBps} bps, above the ${this.previousSpreadBps} bps of the tier before it; spreads must not increase with the amount, or a larger send could receive less`
  }
}

/**
 * A corridor's minimum percentage fee is above its maximum.
 *
 * @example
 * ```ts
 * import { InvalidFeeBounds } from "@paykit/fx"
 * new InvalidFeeBounds({ corridor: "USD→EUR", min: "500", max: "100" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class InvalidFeeBounds extends Schema.TaggedError<InvalidFeeBounds>()("InvalidFeeBounds", {
  corridor: Schema.String,
  min: Schema.String,
  max: Schema.String
}) {
  override get message(): string {
    return `corridor ${this.corridor}: the percentage fee minimum ${this.min} is above its maximum ${this.max} (minor units)`
  }
}

/**
 * Two corridors have the same source, target and payment method, so the match would be ambiguous.
 *
 * @example
 * ```ts
 * import { DuplicateCorridor } from "@paykit/fx"
 * new DuplicateCorridor({ corridor: "USD→EUR (card)" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class DuplicateCorridor extends Schema.TaggedError<DuplicateCorridor>()("DuplicateCorridor", {
  corridor: Schema.String
}) {
  override get message(): string {
    return `corridor ${this.corridor} is defined twice; keep one so the match is unambiguous`
  }
}

/**
 * With fees deducted from the amount (mode `deducted`, or charges `BEN`), the fees take the
 * whole amount: nothing is left to convert.
 *
 * @example
 * ```ts
 * import { NothingToConvert } from "@paykit/fx"
 * new NothingToConvert({ amount: "5.00 USD", fees: "7.99 USD" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class NothingToConvert extends Schema.TaggedError<NothingToConvert>()("NothingToConvert", {
  amount: Schema.String,
  fees: Schema.String
}) {
  override get message(): string {
    return `the fees (${this.fees}) take the whole amount (${this.amount}), so nothing is left to convert; send a larger amount`
  }
}

/**
 * Nothing would arrive: the amount converts to less than one minor unit of the target
 * currency (rounded down), or the estimated intermediary-bank fee borne by the recipient (SHA or
 * BEN) is at least the converted amount.
 *
 * @example
 * ```ts
 * import { NothingArrives } from "@paykit/fx"
 * new NothingArrives({ converted: "10.00 EUR", intermediary: "15.00 EUR" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class NothingArrives extends Schema.TaggedError<NothingArrives>()("NothingArrives", {
  converted: Schema.String,
  intermediary: Schema.String
}) {
  override get message(): string {
    return `nothing would arrive: the amount converts to ${this.converted} (rounded down) and the recipient bears an estimated intermediary fee of ${this.intermediary}; send a larger amount`
  }
}

/**
 * A quote id that the quote store does not hold.
 *
 * @example
 * ```ts
 * import { QuoteNotFound } from "@paykit/fx"
 * new QuoteNotFound({ id: "01J00000000000000000000000" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class QuoteNotFound extends Schema.TaggedError<QuoteNotFound>()("QuoteNotFound", {
  id: Schema.String
}) {
  override get message(): string {
    return `no quote ${this.id}: request a new quote`
  }
}

/**
 * The quote's rate lock has ended; its rates and amounts can no longer be used.
 *
 * @example
 * ```ts
 * import { QuoteExpired } from "@paykit/fx"
 * new QuoteExpired({ id: "01J00000000000000000000000", expiresAt: 0, now: 1 }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class QuoteExpired extends Schema.TaggedError<QuoteExpired>()("QuoteExpired", {
  id: Schema.String,
  expiresAt: Schema.Number,
  now: Schema.Number
}) {
  override get message(): string {
    return `quote ${this.id} expired at ${new Date(this.expiresAt).toISOString()}; request a new quote at the current rate`
  }
}

/**
 * The quote was already executed once; a locked quote is used at most once.
 *
 * @example
 * ```ts
 * import { QuoteAlreadyUsed } from "@paykit/fx"
 * new QuoteAlreadyUsed({ id: "01J00000000000000000000000", usedAt: 0 }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class QuoteAlreadyUsed extends Schema.TaggedError<QuoteAlreadyUsed>()("QuoteAlreadyUsed", {
  id: Schema.String,
  usedAt: Schema.Number
}) {
  override get message(): string {
    return `quote ${this.id} was already used at ${new Date(this.usedAt).toISOString()}; a locked quote can be executed once — request a new quote`
  }
}

/**
 * A quote with this id is already stored (ids must be unique).
 *
 * @example
 * ```ts
 * import { DuplicateQuote } from "@paykit/fx"
 * new DuplicateQuote({ id: "01J00000000000000000000000" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class DuplicateQuote extends Schema.TaggedError<DuplicateQuote>()("DuplicateQuote", {
  id: Schema.String
}) {
  override get message(): string {
    return `a quote with id ${this.id} is already stored; quote ids must be unique`
  }
}

/**
 * Every error a pricing schedule can fail to build with (besides `InvalidInput`).
 *
 * @example
 * ```ts
 * import type { ScheduleError } from "@paykit/fx"
 * const fix = (e: ScheduleError): string => e.message
 * ```
 * @category errors
 * @since 0.1.0
 */
export type ScheduleError =
  | AbsurdSpread
  | OverlappingTiers
  | TierGap
  | BoundedLastTier
  | EmptyTier
  | IncreasingSpread
  | InvalidFeeBounds
  | DuplicateCorridor

/**
 * Every error a quote calculation can fail with.
 *
 * @example
 * ```ts
 * import type { QuoteError } from "@paykit/fx"
 * const tag = (e: QuoteError) => e._tag // "NoCorridor" | "NothingToConvert" | "NothingArrives"
 * ```
 * @category errors
 * @since 0.1.0
 */
export type QuoteError = NoCorridor | NothingToConvert | NothingArrives

/**
 * The quote store could not be reached or failed (a database error after its retries); nothing
 * was written. Retrying the same operation is safe.
 *
 * @example
 * ```ts
 * import { QuoteStoreUnavailable } from "@paykit/fx"
 * new QuoteStoreUnavailable({ operation: "consume", reason: "connection refused" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class QuoteStoreUnavailable extends Schema.TaggedError<QuoteStoreUnavailable>()(
  "QuoteStoreUnavailable",
  {
    operation: Schema.String,
    reason: Schema.String
  }
) {
  override get message(): string {
    return `the quote store failed during ${this.operation}: ${this.reason}; nothing was written, retrying is safe`
  }
}
