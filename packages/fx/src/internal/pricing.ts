import { AmountOutOfRange, type Currency, Decimal, Rounding } from "@paykit/core"
import { Money } from "@paykit/core/schema"
import { Result } from "effect"
import { NothingArrives, NothingToConvert } from "../errors.ts"
import type * as Rate from "../Rate.ts"
import * as Schedule from "../Schedule.ts"
import { ceilDiv } from "./math.ts"

/**
 * The hot path of a quote: prices per tier cached per (corridor, mid value, reference value),
 * the forward price of one principal with the boundary cap, the all-in mark-up, and the search
 * for the smallest principal that delivers a receive amount. `Quote.ts` checks the context and
 * builds the quote from a `Priced`.
 *
 * Every rate here is an exact fraction `coefficient / 10^scale` in bigint arithmetic; a rate's
 * `Decimal` (big.js) and its rate mark-up are built only when somebody reads them, and then
 * remembered. The values are the ones the `Decimal` chain gave (big.js normalises trailing
 * zeros away, and so does `Decimal.fromParts`).
 */

/** Why a principal cannot be priced. */
export type PricingError = NothingToConvert | NothingArrives | AmountOutOfRange

/**
 * The price of one tier (or of one capped amount): the customer rate
 * `coefficient / 10^scale`, exact, with its `Decimal` and its rate mark-up against the reference
 * computed on first read.
 */
export class TierPrice {
  readonly spreadBps: number
  /** the customer rate's coefficient and scale (not normalised) */
  readonly coefficient: bigint
  readonly scale: number
  /** `converted × factor / divisor`, rounded down, is the converted target amount */
  readonly factor: bigint
  readonly divisor: bigint
  readonly #reference: Decimal.Decimal
  #customerRate: Decimal.Decimal | undefined
  #rateMarkup: Decimal.Decimal | undefined
  constructor(p: PreparedBase, spreadBps: number, coefficient: bigint, scale: number) {
    this.spreadBps = spreadBps
    this.coefficient = coefficient
    this.scale = scale
    this.factor = coefficient * p.shiftUp
    this.divisor = Rounding.pow10(scale) * p.shiftDown
    this.#reference = p.reference
  }
  get customerRate(): Decimal.Decimal {
    if (this.#customerRate === undefined) this.#customerRate = Decimal.fromParts(this.coefficient, this.scale)
    return this.#customerRate
  }
  /** `(reference − customerRate) × 100 / reference` at 10 places, half-even. */
  get rateMarkup(): Decimal.Decimal {
    if (this.#rateMarkup === undefined) {
      const ref = this.#reference
      // 100 (R·10^s − C·10^rs) / (R·10^s), scaled by 10^10
      const den = ref.coefficient * Rounding.pow10(this.scale)
      const num = den - this.coefficient * Rounding.pow10(ref.scale)
      this.#rateMarkup = Decimal.fromParts(Rounding.divide(num * 1_000_000_000_000n, den, "half-even"), 10)
    }
    return this.#rateMarkup
  }
}

interface PreparedBase {
  readonly reference: Decimal.Decimal
  /** 10^(target exponent − source exponent) when positive, else 1 */
  readonly shiftUp: bigint
  /** 10^(source exponent − target exponent) when positive, else 1 */
  readonly shiftDown: bigint
}

export interface Prepared extends PreparedBase {
  readonly corridor: Schedule.Corridor
  readonly tiers: ReadonlyArray<TierPrice>
  /** each tier's spread in bps, as a bigint */
  readonly spreads: ReadonlyArray<bigint>
  readonly midCoefficient: bigint
  readonly midScale: number
  readonly feesDeducted: boolean
  /**
   * The boundary cap of each tier: the smallest margin (converted source minor units × bps) of
   * any later tier's first amount, `null` for the last tier. An amount's margin is never above
   * it, so no amount costs more than a larger one.
   */
  readonly caps: ReadonlyArray<bigint | null>
  /** the OUR intermediary charge in source minor units (at the first tier's rate, rounded up), else 0 */
  readonly intermediaryInSource: bigint
}

/** The source amount converted when `principal` is sent: minus our fees when they are deducted. */
const convertedOf = (c: Schedule.Corridor, feesDeducted: boolean, principal: bigint): bigint =>
  feesDeducted ? principal - c.fixedFee - Schedule.percentFee(c, principal) : principal

const boundaryCaps = (c: Schedule.Corridor, feesDeducted: boolean): ReadonlyArray<bigint | null> => {
  const caps: Array<bigint | null> = c.tiers.map(() => null)
  let best: bigint | null = null
  for (let j = c.tiers.length - 1; j > 0; j--) {
    const t = c.tiers[j]!
    const converted = convertedOf(c, feesDeducted, t.min)
    const margin = (converted > 0n ? converted : 0n) * BigInt(t.spreadBps)
    if (best === null || margin < best) best = margin
    caps[j - 1] = best
  }
  return caps
}

const source = (p: Prepared): Currency.Currency => p.corridor.source
const target = (p: Prepared): Currency.Currency => p.corridor.target

/**
 * `amount` (target minor units, > 0) in source minor units at `coefficient / 10^scale` (> 0),
 * rounded up.
 */
const toSourceCeiling = (c: Schedule.Corridor, amount: bigint, coefficient: bigint, scale: number): bigint =>
  ceilDiv(amount * Rounding.pow10(c.source.exponent + scale), Rounding.pow10(c.target.exponent) * coefficient)

const build = (corridor: Schedule.Corridor, mid: Decimal.Decimal, reference: Decimal.Decimal): Prepared => {
  const feesDeducted = corridor.charges === "BEN" || corridor.feeMode === "deducted"
  const shift = corridor.target.exponent - corridor.source.exponent
  const base: PreparedBase = {
    reference,
    shiftUp: shift > 0 ? Rounding.pow10(shift) : 1n,
    shiftDown: shift < 0 ? Rounding.pow10(-shift) : 1n
  }
  // mid × (1 − bps / 10^4), exactly: mid.coefficient × (10^4 − bps) / 10^(mid.scale + 4)
  const tiers: Array<TierPrice> = []
  const spreads: Array<bigint> = []
  for (const t of corridor.tiers) {
    const spread = BigInt(t.spreadBps)
    spreads.push(spread)
    tiers.push(new TierPrice(base, t.spreadBps, mid.coefficient * (10_000n - spread), mid.scale + 4))
  }
  const first = tiers[0]!
  const e = corridor.intermediaryFee
  return {
    reference,
    shiftUp: base.shiftUp,
    shiftDown: base.shiftDown,
    corridor,
    tiers,
    spreads,
    midCoefficient: mid.coefficient,
    midScale: mid.scale,
    feesDeducted,
    caps: boundaryCaps(corridor, feesDeducted),
    intermediaryInSource:
      corridor.charges === "OUR" && e > 0n ? toSourceCeiling(corridor, e, first.coefficient, first.scale) : 0n
  }
}

/**
 * Prepared prices by corridor, keyed by the rates' values (not their objects): a rate derived
 * per request (an inverse, a cross rate) or a refreshed feed with the same rate hits the same
 * entry. A few recent (mid, reference) pairs per corridor, the most recent first.
 */
const cache = new WeakMap<Schedule.Corridor, Array<Prepared>>()
const CACHED_PAIRS = 8

export const prepare = (corridor: Schedule.Corridor, mid: Rate.Rate, reference: Rate.Rate): Prepared => {
  const m = mid.rate
  const r = reference.rate
  let entries = cache.get(corridor)
  if (entries === undefined) {
    entries = []
    cache.set(corridor, entries)
  }
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!
    if (
      e.midCoefficient === m.coefficient &&
      e.midScale === m.scale &&
      e.reference.coefficient === r.coefficient &&
      e.reference.scale === r.scale
    ) {
      if (i > 0) {
        entries.splice(i, 1)
        entries.unshift(e)
      }
      return e
    }
  }
  const prepared = build(corridor, m, r)
  entries.unshift(prepared)
  if (entries.length > CACHED_PAIRS) entries.pop()
  return prepared
}

export interface Priced {
  /** the tier's price, or under the boundary cap the capped one (nominal `spreadBps` kept) */
  readonly tier: TierPrice
  /**
   * Under the boundary cap, the spread applied in bps is `cappedCoefficient / 10^cappedPlaces`;
   * `null` when the cap does not apply (see {@link cappedSpread})
   */
  readonly cappedCoefficient: bigint | null
  readonly cappedPlaces: number
  /** the margin: converted source minor units × bps applied (exact) */
  readonly margin: bigint
  readonly principal: bigint
  readonly fixed: bigint
  readonly percent: bigint
  readonly converted: bigint
  readonly convertedTarget: bigint
  readonly intermediaryInSource: bigint
  readonly received: bigint
  readonly paid: bigint
}

/** The spread applied under the boundary cap, in bps, as a `Decimal`; `null` when it does not apply. */
export const cappedSpread = (r: Priced): Decimal.Decimal | null =>
  r.cappedCoefficient === null ? null : Decimal.fromParts(r.cappedCoefficient, r.cappedPlaces)

/**
 * The places of the spread under the boundary cap: `cap / converted` bps, rounded down (in the
 * customer's favour) at enough places that one more converted minor unit always delivers at
 * least as much.
 */
const cappedPlacesOf = (converted: bigint): number => Math.max(8, converted.toString().length + 4)

/** The customer rate's coefficient under the boundary cap: mid × (1 − capped / 10^(places + 4)). */
const cappedRateCoefficient = (p: Prepared, cappedCoefficient: bigint, places: number): bigint =>
  p.midCoefficient * (Rounding.pow10(places + 4) - cappedCoefficient)

export const price = (p: Prepared, principal: bigint): Result.Result<Priced, PricingError> => {
  const c = p.corridor
  const index = Schedule.tierIndex(c, principal)
  let tier = p.tiers[index]!
  const fixed = c.fixedFee
  const percent = Schedule.percentFee(c, principal)
  const fees = fixed + percent
  const converted = p.feesDeducted ? principal - fees : principal
  if (converted <= 0n) {
    return Result.fail(
      new NothingToConvert({
        amount: Money.fromMinorUnsafe(principal, c.source).toString(),
        fees: Money.fromMinorUnsafe(fees, c.source).toString()
      })
    )
  }
  // a receive quote's search may try a principal past the range (as Money.fromMinor names it)
  if (converted > Money.MAX_AMOUNT) {
    return Result.fail(new AmountOutOfRange({ operation: "fromMinor", amount: converted.toString() }))
  }
  // the boundary cap: never a larger margin than at a later tier's first amount
  let margin = converted * p.spreads[index]!
  let cappedCoefficient: bigint | null = null
  let cappedPlaces = 0
  const cap = p.caps[index]
  if (cap !== null && cap !== undefined && cap < margin) {
    margin = cap
    cappedPlaces = cappedPlacesOf(converted)
    cappedCoefficient = (cap * Rounding.pow10(cappedPlaces)) / converted // floor: both positive
    // mid × (1 − capped / 10^4), exactly, as a fraction; its Decimal only if somebody reads it
    tier = new TierPrice(
      p,
      tier.spreadBps,
      cappedRateCoefficient(p, cappedCoefficient, cappedPlaces),
      p.midScale + cappedPlaces + 4
    )
  }
  // converted × customerRate, rounded down (both positive: the quotient is the floor)
  const convertedTarget = (converted * tier.factor) / tier.divisor
  if (convertedTarget > Money.MAX_AMOUNT) {
    return Result.fail(new AmountOutOfRange({ operation: "convert", amount: convertedTarget.toString() }))
  }
  const e = c.intermediaryFee
  const our = c.charges === "OUR"
  const received = our ? convertedTarget : convertedTarget - e
  if (received <= 0n) {
    return Result.fail(
      new NothingArrives({
        converted: Money.fromMinorUnsafe(convertedTarget, c.target).toString(),
        intermediary: Money.fromMinorUnsafe(our ? 0n : e, c.target).toString()
      })
    )
  }
  // the OUR charge at the corridor's base rate (the first tier's): the same for every amount
  const intermediaryInSource = p.intermediaryInSource
  const paid = (p.feesDeducted ? principal : principal + fees) + intermediaryInSource
  if (paid > Money.MAX_AMOUNT)
    return Result.fail(new AmountOutOfRange({ operation: "quote", amount: paid.toString() }))
  return Result.succeed({
    tier,
    cappedCoefficient,
    cappedPlaces,
    margin,
    principal,
    fixed,
    percent,
    converted,
    convertedTarget,
    intermediaryInSource,
    received,
    paid
  })
}

/** `received` for a principal that is not priceable for a reason other than range. */
const NOT_PRICEABLE = -1n
/** `received` for a principal whose price leaves the amount range: {@link price} names it. */
const OUT_OF_RANGE = -2n

/**
 * What arrives when `principal` is sent, as {@link price} computes it, without building a
 * `Priced` or an error: the receive search's inner loop. `NOT_PRICEABLE` where `price` fails
 * with `NothingToConvert` or `NothingArrives`, `OUT_OF_RANGE` where it fails with
 * `AmountOutOfRange`.
 */
const receivedAt = (p: Prepared, principal: bigint): bigint => {
  const c = p.corridor
  const index = Schedule.tierIndex(c, principal)
  const fees = c.fixedFee + Schedule.percentFee(c, principal)
  const converted = p.feesDeducted ? principal - fees : principal
  if (converted <= 0n) return NOT_PRICEABLE
  if (converted > Money.MAX_AMOUNT) return OUT_OF_RANGE
  let convertedTarget: bigint
  const cap = p.caps[index]
  if (cap !== null && cap !== undefined && cap < converted * p.spreads[index]!) {
    const places = cappedPlacesOf(converted)
    const coefficient = cappedRateCoefficient(p, (cap * Rounding.pow10(places)) / converted, places)
    convertedTarget =
      (converted * coefficient * p.shiftUp) / (Rounding.pow10(p.midScale + places + 4) * p.shiftDown)
  } else {
    const tier = p.tiers[index]!
    convertedTarget = (converted * tier.factor) / tier.divisor
  }
  if (convertedTarget > Money.MAX_AMOUNT) return OUT_OF_RANGE
  const received = c.charges === "OUR" ? convertedTarget : convertedTarget - c.intermediaryFee
  if (received <= 0n) return NOT_PRICEABLE
  const paid = (p.feesDeducted ? principal : principal + fees) + p.intermediaryInSource
  return paid > Money.MAX_AMOUNT ? OUT_OF_RANGE : received
}

export const allInMarkup = (p: Prepared, paid: bigint, received: bigint): Decimal.Decimal => {
  // (1 − (R / 10^et) / (P / 10^es) / (c / 10^s)) × 100 = 100 (P·c·10^et − R·10^es·10^s) / (P·c·10^et)
  const ref = p.reference
  const den = paid * ref.coefficient * Rounding.pow10(target(p).exponent)
  const num = den - received * Rounding.pow10(source(p).exponent + ref.scale)
  return Decimal.fromParts(Rounding.divide(num * 1_000_000n, den, "half-up"), 4)
}

/**
 * Whether sending `a` delivers at least `needed`. Requires the forward received amount to be
 * non-decreasing in the principal, which a valid schedule guarantees. A principal whose price
 * leaves the amount range throws that `AmountOutOfRange` (as {@link price} names it).
 */
const reaches = (p: Prepared, needed: bigint, a: bigint): boolean => {
  if (a <= 0n) return false
  const received = receivedAt(p, a)
  if (received === OUT_OF_RANGE) {
    const r = price(p, a)
    if (Result.isFailure(r) && r.failure._tag === "AmountOutOfRange") throw r.failure
    return Result.isSuccess(r) && r.success.received >= needed
  }
  return received >= needed
}

/**
 * The smallest send amount (principal, source minor units) whose forward quote delivers at
 * least `needed` (target minor units), found by an analytic estimate and then a bracketed
 * search (exponential, then binary) with the forward function; the answer is priced once.
 */
export const minimalPrincipal = (p: Prepared, needed: bigint): Result.Result<Priced, PricingError> => {
  const c = p.corridor
  // estimate: the converted amount needed at the rate of the first guess's tier, plus fees
  const gross = c.charges === "OUR" ? needed : needed + c.intermediaryFee
  let rate = p.tiers[0]!
  let converted = toSourceCeiling(c, gross, rate.coefficient, rate.scale)
  rate = p.tiers[Schedule.tierIndex(c, converted)]!
  converted = toSourceCeiling(c, gross, rate.coefficient, rate.scale)
  let estimate = converted
  if (p.feesDeducted) {
    estimate = converted + c.fixedFee + Schedule.percentFee(c, converted)
    estimate = converted + c.fixedFee + Schedule.percentFee(c, estimate)
  }
  if (estimate < 1n) estimate = 1n
  // Under the boundary cap the margin is below the tier's, so the estimate at the tier's rate
  // overshoots; one correction with the forward price puts the searches next to the answer.
  const index = Schedule.tierIndex(c, estimate)
  const cap = p.caps[index]
  const firstConverted = convertedOf(c, p.feesDeducted, estimate)
  if (cap !== null && cap !== undefined && firstConverted > 0n && cap < firstConverted * p.spreads[index]!) {
    const received = receivedAt(p, estimate)
    const over = received - needed
    if (received >= 0n && over !== 0n) {
      // the capped rate at the estimate, as price computes it
      const places = cappedPlacesOf(firstConverted)
      const coefficient = cappedRateCoefficient(p, (cap * Rounding.pow10(places)) / firstConverted, places)
      const step = toSourceCeiling(c, over > 0n ? over : -over, coefficient, p.midScale + places + 4)
      estimate = over > 0n ? estimate - step : estimate + step
      if (estimate < 1n) estimate = 1n
    }
  }
  let lo: bigint
  let hi: bigint
  // the estimate is priced in full: it is usually the answer (then only the unit below is tried)
  const atEstimate = price(p, estimate)
  if (Result.isFailure(atEstimate) && atEstimate.failure._tag === "AmountOutOfRange") throw atEstimate.failure
  if (Result.isSuccess(atEstimate) && atEstimate.success.received >= needed) {
    hi = estimate
    let step = 1n
    lo = hi - step
    for (;;) {
      if (lo <= 0n) {
        lo = 0n
        break
      }
      if (!reaches(p, needed, lo)) break
      hi = lo
      step *= 2n
      lo = hi - step
    }
  } else {
    lo = estimate
    let step = 1n
    hi = lo + step
    for (;;) {
      if (hi > Money.MAX_AMOUNT) {
        return Result.fail(new AmountOutOfRange({ operation: "fromReceiveAmount", amount: hi.toString() }))
      }
      if (reaches(p, needed, hi)) break
      lo = hi
      step *= 2n
      hi = lo + step
    }
  }
  // invariant: lo is short (or 0), hi reaches
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n
    if (reaches(p, needed, mid)) hi = mid
    else lo = mid
  }
  return hi === estimate ? atEstimate : price(p, hi)
}
