import { AmountOutOfRange, type Currency, Decimal, InvalidInput, Rounding } from "@paykit/core"
import { Money } from "@paykit/core/schema"
import { Result, Schema } from "effect"
import { NothingArrives, NothingToConvert } from "./errors.ts"
import { isDecimal, isMoney, isRecord } from "./internal/guards.ts"
import * as Rate from "./Rate.ts"
import * as Schedule from "./Schedule.ts"

/**
 * Whether the customer gave the amount to send (`send`: how much arrives?) or the amount the
 * recipient must get (`receive`: how much to send?).
 *
 * @example
 * ```ts
 * import type { Quote } from "@paykit/fx"
 * const direction: Quote.Direction = "receive"
 * ```
 * @category models
 * @since 0.1.0
 */
export const Direction = Schema.Literals(["send", "receive"])

/**
 * Whether the customer gave the send amount or the receive amount.
 *
 * @example
 * ```ts
 * import type { Quote } from "@paykit/fx"
 * const direction: Quote.Direction = "receive"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Direction = typeof Direction.Type

/**
 * The kind of a fee line: our `fixed` fee, our `percentage` fee, the `intermediary-estimate`
 * (an intermediary bank's charge, estimated, in the target currency) and the informational
 * `exchange-rate-margin` (what the spread costs, in the source currency).
 *
 * @example
 * ```ts
 * import type { Quote } from "@paykit/fx"
 * const kind: Quote.FeeKind = "intermediary-estimate"
 * ```
 * @category models
 * @since 0.1.0
 */
export const FeeKind = Schema.Literals([
  "fixed",
  "percentage",
  "intermediary-estimate",
  "exchange-rate-margin"
])

/**
 * The kind of a fee line.
 *
 * @example
 * ```ts
 * import type { Quote } from "@paykit/fx"
 * const kind: Quote.FeeKind = "intermediary-estimate"
 * ```
 * @category models
 * @since 0.1.0
 */
export type FeeKind = typeof FeeKind.Type

/**
 * One line of a quote's cost breakdown, in its own currency. `estimate` marks amounts a third
 * party decides (the intermediary bank); `informational` marks a cost already inside the rate
 * (the margin) that is shown, not charged separately. `inSource` is what the sender is charged
 * for an intermediary fee under OUR (converted at the customer rate, rounded up).
 *
 * @example
 * ```ts
 * import type { Quote } from "@paykit/fx"
 * declare const quote: Quote.Quote
 * const charged: ReadonlyArray<Quote.FeeLine> = quote.fees.filter((f) => !f.informational)
 * ```
 * @category models
 * @since 0.1.0
 */
export const FeeLine = Schema.Struct({
  kind: FeeKind,
  amount: Money.Json,
  paidBy: Schema.Literals(["sender", "recipient"]),
  estimate: Schema.Boolean,
  informational: Schema.Boolean,
  inSource: Schema.NullOr(Money.Json)
})

/**
 * One fee line of a quote.
 *
 * @example
 * ```ts
 * import type { Quote } from "@paykit/fx"
 * declare const quote: Quote.Quote
 * const charged: ReadonlyArray<Quote.FeeLine> = quote.fees.filter((f) => !f.informational)
 * ```
 * @category models
 * @since 0.1.0
 */
export type FeeLine = typeof FeeLine.Type

/**
 * The rounding every quote applies, recorded in the quote itself.
 *
 * @example
 * ```ts
 * import { Quote } from "@paykit/fx"
 * Quote.ROUNDING.customerPays // "ceiling"
 * ```
 * @category models
 * @since 0.1.0
 */
export const RoundingPolicy = Schema.Struct({
  /** what the customer pays (fees, the OUR intermediary charge, a receive quote's send amount): up */
  customerPays: Schema.Literal("ceiling"),
  /** what the recipient gets (the converted amount): down */
  recipientGets: Schema.Literal("floor"),
  /** inverse and cross rates: 10 places, half-even */
  derivedRates: Schema.Literal("half-even"),
  derivedRatePlaces: Schema.Literal(10),
  /** the all-in (CBPR2) mark-up: 4 places, half-up */
  allInMarkup: Schema.Literal("half-up"),
  allInMarkupPlaces: Schema.Literal(4),
  /** the rate mark-up: 10 places, half-even (exact when the reference is the mid rate) */
  rateMarkup: Schema.Literal("half-even"),
  rateMarkupPlaces: Schema.Literal(10)
})

/**
 * The rounding policy of every quote.
 *
 * @example
 * ```ts
 * import { Quote } from "@paykit/fx"
 * Quote.ROUNDING.recipientGets // "floor"
 * ```
 * @category models
 * @since 0.1.0
 */
export const ROUNDING: typeof RoundingPolicy.Type = {
  customerPays: "ceiling",
  recipientGets: "floor",
  derivedRates: "half-even",
  derivedRatePlaces: 10,
  allInMarkup: "half-up",
  allInMarkupPlaces: 4,
  rateMarkup: "half-even",
  rateMarkupPlaces: 10
}

/**
 * A quote: everything the customer is told, and what executing it delivers. JSON form: amounts
 * as `{ amount: "<minor units>", currency }`, rates and percentages as decimal strings.
 *
 * | field | meaning |
 * | --- | --- |
 * | `requested` | the amount the customer typed: the send amount (source) or the receive amount (target) |
 * | `principal` | the send amount our fees are priced on (source) |
 * | `converted` | the source amount converted (principal, minus fees when they are deducted) |
 * | `paid` | everything the sender pays (principal + on-top fees + OUR intermediary charge) |
 * | `convertedTarget` | `converted × customerRate`, rounded down |
 * | `received` | what the recipient gets: `convertedTarget`, minus the intermediary estimate under SHA/BEN |
 * | `customerRate` | `mid × (1 − spreadBps / 10000)`, exact; under the boundary cap `mid × (1 − cappedSpreadBps / 10000)` |
 * | `markup.rate` | `(1 − customerRate / reference) × 100` |
 * | `markup.allIn` | `(1 − (received / paid in major units) / reference) × 100`, half-up to 4 places (CBPR2) |
 * | `markup.conversion` | the same over our charges only: `(1 − (convertedTarget / (paid − OUR charge)) / reference) × 100` |
 * | `markup.thirdParty` | `allIn − conversion`: the estimated intermediary fees' share |
 *
 * @example
 * ```ts
 * import { Quote } from "@paykit/fx"
 * import { Schema } from "effect"
 * declare const quote: Quote.Quote
 * const json = Schema.encodeSync(Quote.Quote)(quote)
 * ```
 * @category models
 * @since 0.1.0
 */
export const Quote = Schema.Struct({
  id: Schema.String,
  direction: Direction,
  createdAt: Schema.Number,
  expiresAt: Schema.Number,
  source: Schema.String,
  target: Schema.String,
  method: Schema.NullOr(Schema.String),
  charges: Schedule.Charges,
  feeMode: Schedule.FeeMode,
  requested: Money.Json,
  principal: Money.Json,
  converted: Money.Json,
  paid: Money.Json,
  convertedTarget: Money.Json,
  received: Money.Json,
  receivedIsEstimate: Schema.Boolean,
  midRate: Rate.Rate,
  referenceRate: Rate.Rate,
  customerRate: Decimal.FromString,
  spreadBps: Schema.Number,
  /** present only when the boundary cap applies: the spread applied, in basis points (a decimal) */
  cappedSpreadBps: Schema.optionalKey(Decimal.FromString),
  fees: Schema.Array(FeeLine),
  ourFees: Money.Json,
  totalCost: Money.Json,
  markup: Schema.Struct({
    rate: Decimal.FromString,
    allIn: Decimal.FromString,
    /** CBPR2: our currency conversion charges (fees + margin) as a mark-up over the reference rate */
    conversion: Schema.optionalKey(Decimal.FromString),
    /** the estimated third-party (intermediary) fees' share of the all-in mark-up: allIn − conversion */
    thirdParty: Schema.optionalKey(Decimal.FromString)
  }),
  rounding: RoundingPolicy
})

/**
 * A quote (see the {@link Quote} schema).
 *
 * @example
 * ```ts
 * import type { Quote } from "@paykit/fx"
 * const arrives = (q: Quote.Quote) => q.received.toString()
 * ```
 * @category models
 * @since 0.1.0
 */
export type Quote = typeof Quote.Type

/**
 * What a quote calculation needs besides the amount: the corridor, the mid-market rate and the
 * reference rate for the pair (`source → target`), the quote id and the time.
 *
 * @example
 * ```ts
 * import type { Quote, Schedule } from "@paykit/fx"
 * import { Decimal } from "@paykit/core"
 * declare const corridor: Schedule.Corridor
 * const mid = { base: "USD", quote: "EUR", rate: Decimal.unsafe("0.92"), source: "memory", asOf: 0 }
 * const ctx: Quote.Context = { corridor, mid, reference: mid, id: "01J00000000000000000000000", now: 0, lockMillis: 60_000 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Context {
  readonly corridor: Schedule.Corridor
  readonly mid: Rate.Rate
  readonly reference: Rate.Rate
  readonly id: string
  readonly now: number
  /** How long the rates and amounts stay locked, in milliseconds. */
  readonly lockMillis: number
}

/**
 * Every error a quote calculation can return.
 *
 * @example
 * ```ts
 * import type { Quote } from "@paykit/fx"
 * const tag = (e: Quote.CalculationError) => e._tag // "NothingToConvert" | "NothingArrives" | "AmountOutOfRange"
 * ```
 * @category errors
 * @since 0.1.0
 */
export type CalculationError = InvalidInput | NothingToConvert | NothingArrives | AmountOutOfRange

// ---------------------------------------------------------------------------------------------
// the hot path: prices per tier cached per (corridor, mid, reference)

const HUNDRED = Decimal.HUNDRED

interface TierPrice {
  readonly spreadBps: number
  readonly customerRate: Decimal.Decimal
  readonly rateMarkup: Decimal.Decimal
}

interface Prepared {
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

const prepare = (corridor: Schedule.Corridor, mid: Rate.Rate, reference: Rate.Rate): Prepared => {
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

interface Priced {
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

const price = (p: Prepared, principal: bigint): Result.Result<Priced, CalculationError> => {
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

const allInMarkup = (p: Prepared, paid: bigint, received: bigint): Decimal.Decimal => {
  // (1 − (R / 10^et) / (P / 10^es) / (c / 10^s)) × 100 = 100 (P·c·10^et − R·10^es·10^s) / (P·c·10^et)
  const ref = p.reference
  const den = paid * ref.coefficient * Rounding.pow10(target(p).exponent)
  const num = den - received * Rounding.pow10(source(p).exponent + ref.scale)
  return Decimal.fromParts(Rounding.divide(num * 1_000_000n, den, "half-up"), 4)
}

/**
 * The mark-ups of a quote. The all-in figure is computed on first read and remembered: building
 * its `Decimal` costs more than the rest of the quote, and most quotes shown in a price list are
 * never opened. Reading it, encoding the quote with the `Quote` schema or `JSON.stringify` always
 * gives the same exact value.
 */
class Markup {
  readonly #p: Prepared
  readonly #r: Priced
  #allIn: Decimal.Decimal | undefined
  #conversion: Decimal.Decimal | undefined
  constructor(p: Prepared, r: Priced) {
    this.#p = p
    this.#r = r
  }
  /** The rate mark-up against the reference rate (computed on first read under the boundary cap). */
  get rate(): Decimal.Decimal {
    return this.#r.tier.rateMarkup
  }
  get allIn(): Decimal.Decimal {
    if (this.#allIn === undefined) this.#allIn = allInMarkup(this.#p, this.#r.paid, this.#r.received)
    return this.#allIn
  }
  /** Our charges only (fees + margin): what the sender pays us against what we convert into. */
  get conversion(): Decimal.Decimal {
    if (this.#conversion === undefined) {
      const r = this.#r
      this.#conversion = allInMarkup(this.#p, r.paid - r.intermediaryInSource, r.convertedTarget)
    }
    return this.#conversion
  }
  /** The estimated third-party (intermediary) fees' share of the all-in figure. */
  get thirdParty(): Decimal.Decimal {
    return Decimal.subtract(this.allIn, this.conversion)
  }
  toJSON(): {
    readonly rate: string
    readonly allIn: string
    readonly conversion: string
    readonly thirdParty: string
  } {
    return {
      rate: this.rate.toString(),
      allIn: this.allIn.toString(),
      conversion: this.conversion.toString(),
      thirdParty: this.thirdParty.toString()
    }
  }
}

const build = (p: Prepared, ctx: Context, direction: Direction, requested: Money.Money, r: Priced): Quote => {
  const c = p.corridor
  const src = c.source
  const tgt = c.target
  const fees: Array<FeeLine> = []
  if (r.fixed > 0n) {
    fees.push({
      kind: "fixed",
      amount: Money.fromMinorUnsafe(r.fixed, src),
      paidBy: "sender",
      estimate: false,
      informational: false,
      inSource: null
    })
  }
  if (r.percent > 0n) {
    fees.push({
      kind: "percentage",
      amount: Money.fromMinorUnsafe(r.percent, src),
      paidBy: "sender",
      estimate: false,
      informational: false,
      inSource: null
    })
  }
  if (c.intermediaryFee > 0n) {
    const our = c.charges === "OUR"
    fees.push({
      kind: "intermediary-estimate",
      amount: Money.fromMinorUnsafe(c.intermediaryFee, tgt),
      paidBy: our ? "sender" : "recipient",
      estimate: true,
      informational: false,
      inSource: our ? Money.fromMinorUnsafe(r.intermediaryInSource, src) : null
    })
  }
  let margin = 0n
  if (r.margin > 0n) {
    margin = Rounding.divide(r.margin, 10_000n, "ceiling")
    fees.push({
      kind: "exchange-rate-margin",
      amount: Money.fromMinorUnsafe(margin, src),
      paidBy: "sender",
      estimate: false,
      informational: true,
      inSource: null
    })
  }
  const ourFees = r.fixed + r.percent
  return {
    id: ctx.id,
    direction,
    createdAt: ctx.now,
    expiresAt: ctx.now + ctx.lockMillis,
    source: src.code,
    target: tgt.code,
    method: c.method,
    charges: c.charges,
    feeMode: p.feesDeducted ? "deducted" : "on-top",
    requested,
    principal: Money.fromMinorUnsafe(r.principal, src),
    converted: Money.fromMinorUnsafe(r.converted, src),
    paid: Money.fromMinorUnsafe(r.paid, src),
    convertedTarget: Money.fromMinorUnsafe(r.convertedTarget, tgt),
    received: Money.fromMinorUnsafe(r.received, tgt),
    receivedIsEstimate: c.charges !== "OUR",
    midRate: ctx.mid,
    referenceRate: ctx.reference,
    customerRate: r.tier.customerRate,
    spreadBps: r.tier.spreadBps,
    ...(r.cappedSpread === null ? {} : { cappedSpreadBps: r.cappedSpread }),
    fees,
    ourFees: Money.fromMinorUnsafe(ourFees, src),
    totalCost: Money.fromMinorUnsafe(ourFees + margin + r.intermediaryInSource, src),
    markup: new Markup(p, r),
    rounding: ROUNDING
  }
}

/** Cheap checks of what the pure functions are given: the amount and the rates fit the corridor. */
/** An `InvalidInput` of `operation` at `path`: module level, so the checks create no closure per call. */
const invalidAt = (operation: string, path: string, reason: string): InvalidInput =>
  new InvalidInput({ operation, path, reason })

const checkRate = (
  operation: string,
  path: string,
  r: unknown,
  c: Schedule.Corridor
): InvalidInput | undefined => {
  if (!isRecord(r)) return invalidAt(operation, path, "expected a rate { base, quote, rate, source, asOf }")
  if (r.base !== c.source.code || r.quote !== c.target.code) {
    return invalidAt(
      operation,
      path,
      `expected a ${c.source.code}→${c.target.code} rate, got ${String(r.base)}→${String(r.quote)}`
    )
  }
  if (!isDecimal(r.rate)) return invalidAt(operation, `${path}.rate`, "expected a Decimal")
  if (!Decimal.isPositive(r.rate))
    return invalidAt(operation, `${path}.rate`, "a rate must be greater than zero")
  if (typeof r.source !== "string") return invalidAt(operation, `${path}.source`, "expected a string")
  if (!Number.isSafeInteger(r.asOf))
    return invalidAt(operation, `${path}.asOf`, "must be an integer of epoch milliseconds")
  if (r.newestAsOf !== undefined && !Number.isSafeInteger(r.newestAsOf)) {
    return invalidAt(operation, `${path}.newestAsOf`, "must be an integer of epoch milliseconds")
  }
  return undefined
}

/**
 * Checks of what the pure functions are given, from plain TypeScript or JSON alike: the context
 * and the amount have the right shapes (garbage is `InvalidInput` naming the field, never a
 * `TypeError`), the amount and the rates fit the corridor.
 */
const checkContext = (
  operation: string,
  ctx: unknown,
  amount: unknown,
  side: "source" | "target"
): InvalidInput | undefined => {
  if (!isRecord(ctx))
    return invalidAt(
      operation,
      "ctx",
      "expected a quote context { corridor, mid, reference, id, now, lockMillis }"
    )
  const c = ctx.corridor
  if (!Schedule.isCorridor(c))
    return invalidAt(operation, "corridor", "expected a corridor from Schedule.match")
  const currency = c[side]
  if (!isMoney(amount))
    return invalidAt(operation, "amount", "expected a Money (a bigint amount and a currency)")
  if (amount.currency.code !== currency.code || amount.currency.exponent !== currency.exponent) {
    return invalidAt(
      operation,
      "amount.currency",
      `expected an amount in ${currency.code}, got ${amount.currency.code}`
    )
  }
  if (amount.amount <= 0n) return invalidAt(operation, "amount", "must be greater than zero")
  if (amount.amount > Money.MAX_AMOUNT)
    return invalidAt(operation, "amount", "must be at most 2^127 − 1 minor units")
  const mid = checkRate(operation, "mid", ctx.mid, c)
  if (mid !== undefined) return mid
  const reference = checkRate(operation, "reference", ctx.reference, c)
  if (reference !== undefined) return reference
  if (typeof ctx.id !== "string") return invalidAt(operation, "id", "expected a string")
  if (typeof ctx.now !== "number" || !Number.isFinite(ctx.now))
    return invalidAt(operation, "now", "must be a finite number")
  if (typeof ctx.lockMillis !== "number" || !Number.isFinite(ctx.lockMillis) || ctx.lockMillis < 0) {
    return invalidAt(operation, "lockMillis", "must be a finite number ≥ 0")
  }
  return undefined
}

/**
 * A quote from a send amount (source currency, positive): how much arrives. Pure.
 *
 * The steps: the tier containing the amount gives the spread; `customerRate = mid × (1 − spread)`;
 * our fees are the fixed fee plus the marginal percentage fee (rounded up, clamped); with fees
 * `on-top` the whole amount is converted and the sender pays amount + fees, with `deducted`
 * (and always under `BEN`) the fees come out of the amount; the converted amount rounds down;
 * under `OUR` the intermediary estimate is converted back at the customer rate, rounded up, and
 * added to what the sender pays; under `SHA`/`BEN` it is deducted from what arrives.
 *
 * @example
 * ```ts
 * import { Quote } from "@paykit/fx"
 * import { Currency, Money } from "@paykit/core"
 * declare const ctx: Quote.Context
 * Quote.fromSendAmount(ctx, Money.parseUnsafe("1000.00", Currency.USD))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const fromSendAmount = (ctx: Context, amount: Money.Money): Result.Result<Quote, CalculationError> => {
  const invalid = checkContext("Quote.fromSendAmount", ctx, amount, "source")
  if (invalid !== undefined) return Result.fail(invalid)
  const p = prepare(ctx.corridor, ctx.mid, ctx.reference)
  const r = price(p, amount.amount)
  return Result.isFailure(r)
    ? Result.fail(r.failure)
    : Result.succeed(build(p, ctx, "send", amount, r.success))
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

const minimalPrincipal = (p: Prepared, needed: bigint): Result.Result<Priced, CalculationError> => {
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

/**
 * A quote from a receive amount (target currency, positive): how much to send. Pure.
 *
 * The guarantee: the principal is the **smallest** send amount whose forward quote
 * ({@link fromSendAmount}) delivers at least the requested amount: the recipient is never short
 * (net of the intermediary estimate under SHA/BEN, exactly the converted amount under OUR), and
 * one minor unit less would be short. Found by an analytic estimate, then an exponential and a
 * binary search with the forward function, so it holds by construction; the quote returned is
 * that forward quote with `direction: "receive"`.
 *
 * @example
 * ```ts
 * import { Quote } from "@paykit/fx"
 * import { Currency, Money } from "@paykit/core"
 * declare const ctx: Quote.Context
 * Quote.fromReceiveAmount(ctx, Money.parseUnsafe("905.00", Currency.EUR))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const fromReceiveAmount = (
  ctx: Context,
  amount: Money.Money
): Result.Result<Quote, CalculationError> => {
  const invalid = checkContext("Quote.fromReceiveAmount", ctx, amount, "target")
  if (invalid !== undefined) return Result.fail(invalid)
  const p = prepare(ctx.corridor, ctx.mid, ctx.reference)
  try {
    const r = minimalPrincipal(p, amount.amount)
    return Result.isFailure(r)
      ? Result.fail(r.failure)
      : Result.succeed(build(p, ctx, "receive", amount, r.success))
  } catch (e) {
    if (e instanceof AmountOutOfRange) return Result.fail(e)
    throw e
  }
}

/**
 * The customer rate the disclosed rate mark-up implies: `reference × (1 − markup.rate / 100)`.
 * Equal to `customerRate` exactly when the reference is the mid rate, and within 10^-10 of the
 * reference otherwise.
 *
 * @example
 * ```ts
 * import { Quote } from "@paykit/fx"
 * declare const quote: Quote.Quote
 * Quote.impliedRate(quote) // ≈ quote.customerRate
 * ```
 * @category math
 * @since 0.1.0
 */
export const impliedRate = (quote: Quote): Decimal.Decimal =>
  Decimal.multiply(
    quote.referenceRate.rate,
    Decimal.subtract(
      Decimal.ONE,
      Result.getOrThrow(Decimal.divide(quote.markup.rate, HUNDRED, quote.markup.rate.scale + 2, "half-even"))
    )
  )
