import { AmountOutOfRange, type Currency, Decimal, Rounding } from "@paykit/core"
import { Money } from "@paykit/core/schema"
import { Result } from "effect"
import { NothingArrives, NothingToConvert } from "../errors.ts"
import type * as Rate from "../Rate.ts"
import * as Schedule from "../Schedule.ts"

/**
 * The hot path of a quote: prices per tier cached per (corridor, mid, reference), the forward
 * price of one principal with the boundary cap, the all-in mark-up, and the search for the
 * smallest principal that delivers a receive amount. `Quote.ts` checks the context and builds
 * the quote from a `Priced`.
 */

/** Why a principal cannot be priced. */
export type PricingError = NothingToConvert | NothingArrives | AmountOutOfRange

const HUNDRED = Decimal.HUNDRED

export interface TierPrice {
  readonly spreadBps: number
  readonly customerRate: Decimal.Decimal
  readonly rateMarkup: Decimal.Decimal
}

export interface Prepared {
  readonly corridor: Schedule.Corridor
  readonly tiers: ReadonlyArray<TierPrice>
  readonly mid: Decimal.Decimal
  readonly reference: Decimal.Decimal
  readonly feesDeducted: boolean
  /**
   * The boundary cap of each tier: the smallest margin (converted source minor units × bps) of
   * any later tier's first amount, `null` for the last tier. An amount's margin is never above
   * it, so no amount costs more than a larger one.
   */
  readonly caps: ReadonlyArray<bigint | null>
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

const rateMarkupOf = (reference: Decimal.Decimal, customerRate: Decimal.Decimal): Decimal.Decimal =>
  Result.getOrThrow(
    Decimal.divide(
      Decimal.multiply(Decimal.subtract(reference, customerRate), HUNDRED),
      reference,
      10,
      "half-even"
    )
  )

const cache = new WeakMap<Schedule.Corridor, WeakMap<Rate.Rate, WeakMap<Rate.Rate, Prepared>>>()

export const prepare = (corridor: Schedule.Corridor, mid: Rate.Rate, reference: Rate.Rate): Prepared => {
  let byMid = cache.get(corridor)
  if (byMid === undefined) {
    byMid = new WeakMap()
    cache.set(corridor, byMid)
  }
  let byRef = byMid.get(mid)
  if (byRef === undefined) {
    byRef = new WeakMap()
    byMid.set(mid, byRef)
  }
  const hit = byRef.get(reference)
  if (hit !== undefined) return hit
  const feesDeducted = corridor.charges === "BEN" || corridor.feeMode === "deducted"
  const prepared: Prepared = {
    corridor,
    mid: mid.rate,
    reference: reference.rate,
    feesDeducted,
    caps: boundaryCaps(corridor, feesDeducted),
    tiers: corridor.tiers.map((t) => {
      const customerRate = Decimal.multiply(
        mid.rate,
        Decimal.subtract(Decimal.ONE, Decimal.fromBasisPoints(BigInt(t.spreadBps)))
      )
      return { spreadBps: t.spreadBps, customerRate, rateMarkup: rateMarkupOf(reference.rate, customerRate) }
    })
  }
  byRef.set(reference, prepared)
  return prepared
}

export interface Priced {
  /** the tier's price, or under the boundary cap the capped one (nominal `spreadBps` kept) */
  readonly tier: TierPrice
  /** the spread applied in bps when the boundary cap applies, else `null` */
  readonly cappedSpread: Decimal.Decimal | null
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

const source = (p: Prepared): Currency.Currency => p.corridor.source
const target = (p: Prepared): Currency.Currency => p.corridor.target

/** `amount` (target minor units) in source minor units at `rate`, rounded up. */
const toSourceCeiling = (p: Prepared, amount: bigint, rate: Decimal.Decimal): bigint =>
  Rounding.divide(
    amount * Rounding.pow10(source(p).exponent + rate.scale),
    Rounding.pow10(target(p).exponent) * rate.coefficient,
    "ceiling"
  )

/**
 * The spread under the boundary cap: `cap / converted` bps, rounded down (in the customer's
 * favour) at enough places that one more converted minor unit always delivers at least as much.
 */
const cappedSpreadOf = (cap: bigint, converted: bigint): Decimal.Decimal => {
  const places = Math.max(8, converted.toString().length + 4)
  return Decimal.fromParts(Rounding.divide(cap * Rounding.pow10(places), converted, "floor"), places)
}

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
  // the boundary cap: never a larger margin than at a later tier's first amount
  let margin = converted * BigInt(tier.spreadBps)
  let cappedSpread: Decimal.Decimal | null = null
  const cap = p.caps[index]
  if (cap !== null && cap !== undefined && cap < margin) {
    margin = cap
    cappedSpread = cappedSpreadOf(cap, converted)
    // mid × (1 − cappedSpread / 10^4), exactly, in one decimal (bigint arithmetic, no big.js chain)
    const unit = Rounding.pow10(cappedSpread.scale + 4)
    const customerRate = Decimal.fromParts(
      p.mid.coefficient * (unit - cappedSpread.coefficient),
      p.mid.scale + cappedSpread.scale + 4
    )
    // the rate mark-up (a 10-place division) only if somebody reads it: a receive quote's search
    // prices many amounts and keeps one
    const reference = p.reference
    let rateMarkup: Decimal.Decimal | undefined
    tier = {
      spreadBps: tier.spreadBps,
      customerRate,
      get rateMarkup() {
        if (rateMarkup === undefined) rateMarkup = rateMarkupOf(reference, customerRate)
        return rateMarkup
      }
    }
  }
  const convertedMoney = Money.convert(
    Money.fromMinorUnsafe(converted, c.source),
    tier.customerRate,
    c.target,
    "floor"
  )
  if (Result.isFailure(convertedMoney)) return Result.fail(convertedMoney.failure as AmountOutOfRange)
  const convertedTarget = convertedMoney.success.amount
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
  const intermediaryInSource = our && e > 0n ? toSourceCeiling(p, e, p.tiers[0]!.customerRate) : 0n
  const paid = (p.feesDeducted ? principal : principal + fees) + intermediaryInSource
  if (paid > Money.MAX_AMOUNT)
    return Result.fail(new AmountOutOfRange({ operation: "quote", amount: paid.toString() }))
  return Result.succeed({
    tier,
    cappedSpread,
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

export const allInMarkup = (p: Prepared, paid: bigint, received: bigint): Decimal.Decimal => {
  // (1 − (R / 10^et) / (P / 10^es) / (c / 10^s)) × 100 = 100 (P·c·10^et − R·10^es·10^s) / (P·c·10^et)
  const ref = p.reference
  const den = paid * ref.coefficient * Rounding.pow10(target(p).exponent)
  const num = den - received * Rounding.pow10(source(p).exponent + ref.scale)
  return Decimal.fromParts(Rounding.divide(num * 1_000_000n, den, "half-up"), 4)
}

/**
 * The smallest send amount (principal, source minor units) whose forward quote delivers at
 * least `needed` (target minor units), found by an analytic estimate and then a bracketed
 * search (exponential, then binary) with the forward function. Requires the forward received
 * amount to be non-decreasing in the principal, which a valid schedule guarantees.
 */
const reachesTarget = (p: Prepared, needed: bigint, a: bigint): Priced | undefined => {
  if (a <= 0n) return undefined
  const r = price(p, a)
  if (Result.isFailure(r)) {
    if (r.failure._tag === "AmountOutOfRange") throw r.failure
    return undefined
  }
  return r.success.received >= needed ? r.success : undefined
}

export const minimalPrincipal = (p: Prepared, needed: bigint): Result.Result<Priced, PricingError> => {
  const c = p.corridor
  // estimate: the converted amount needed at the rate of the first guess's tier, plus fees
  const gross = c.charges === "OUR" ? needed : needed + c.intermediaryFee
  let rate = p.tiers[0]!.customerRate
  let converted = toSourceCeiling(p, gross, rate)
  rate = p.tiers[Schedule.tierIndex(c, converted)]!.customerRate
  converted = toSourceCeiling(p, gross, rate)
  let estimate = converted
  if (p.feesDeducted) {
    estimate = converted + c.fixedFee + Schedule.percentFee(c, converted)
    estimate = converted + c.fixedFee + Schedule.percentFee(c, estimate)
  }
  if (estimate < 1n) estimate = 1n
  // Under the boundary cap the margin is below the tier's, so the estimate at the tier's rate
  // overshoots; one correction with the forward price puts the searches next to the answer.
  const first = price(p, estimate)
  if (Result.isSuccess(first) && first.success.cappedSpread !== null) {
    const over = first.success.received - needed
    if (over !== 0n) {
      const step = toSourceCeiling(p, over > 0n ? over : -over, first.success.tier.customerRate)
      estimate = over > 0n ? estimate - step : estimate + step
      if (estimate < 1n) estimate = 1n
    }
  }
  let lo: bigint
  let hi: bigint
  let best = reachesTarget(p, needed, estimate)
  if (best !== undefined) {
    hi = estimate
    let step = 1n
    lo = hi - step
    for (;;) {
      if (lo <= 0n) {
        lo = 0n
        break
      }
      const r = reachesTarget(p, needed, lo)
      if (r === undefined) break
      hi = lo
      best = r
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
      const r = reachesTarget(p, needed, hi)
      if (r !== undefined) {
        best = r
        break
      }
      lo = hi
      step *= 2n
      hi = lo + step
    }
  }
  // invariant: lo is short (or 0), hi reaches
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n
    const r = reachesTarget(p, needed, mid)
    if (r === undefined) lo = mid
    else {
      hi = mid
      best = r
    }
  }
  return Result.succeed(best)
}
