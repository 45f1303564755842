import { AmountOutOfRange, Decimal, type InvalidInput } from "@paykit/core"
import { Money } from "@paykit/core/schema"
import { Result, Schema } from "effect"
import type { NothingArrives, NothingToConvert } from "./errors.ts"
import { checkContext } from "./internal/context.ts"
import { ceilDiv } from "./internal/math.ts"
import {
  allInMarkup,
  cappedSpread,
  minimalPrincipal,
  type Prepared,
  type Priced,
  prepare,
  price
} from "./internal/pricing.ts"
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
    margin = ceilDiv(r.margin, 10_000n)
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
  const id = ctx.id
  const createdAt = ctx.now
  const expiresAt = ctx.now + ctx.lockMillis
  const feeMode = p.feesDeducted ? "deducted" : "on-top"
  const principal = Money.fromMinorUnsafe(r.principal, src)
  const converted = Money.fromMinorUnsafe(r.converted, src)
  const paid = Money.fromMinorUnsafe(r.paid, src)
  const convertedTarget = Money.fromMinorUnsafe(r.convertedTarget, tgt)
  const received = Money.fromMinorUnsafe(r.received, tgt)
  const receivedIsEstimate = c.charges !== "OUR"
  const tier = r.tier
  const ourFeesMoney = Money.fromMinorUnsafe(ourFees, src)
  const totalCost = Money.fromMinorUnsafe(ourFees + margin + r.intermediaryInSource, src)
  const markup = new Markup(p, r)
  // Two literals of the same fields in the same order (no object spread on the hot path). Under
  // the boundary cap the customer rate and the capped spread are exact fractions whose Decimals
  // (built through big.js) are made on first read and remembered.
  if (r.cappedCoefficient === null) {
    return {
      id,
      direction,
      createdAt,
      expiresAt,
      source: src.code,
      target: tgt.code,
      method: c.method,
      charges: c.charges,
      feeMode,
      requested,
      principal,
      converted,
      paid,
      convertedTarget,
      received,
      receivedIsEstimate,
      midRate: ctx.mid,
      referenceRate: ctx.reference,
      customerRate: tier.customerRate,
      spreadBps: tier.spreadBps,
      fees,
      ourFees: ourFeesMoney,
      totalCost,
      markup,
      rounding: ROUNDING
    }
  }
  let capped: Decimal.Decimal | undefined
  return {
    id,
    direction,
    createdAt,
    expiresAt,
    source: src.code,
    target: tgt.code,
    method: c.method,
    charges: c.charges,
    feeMode,
    requested,
    principal,
    converted,
    paid,
    convertedTarget,
    received,
    receivedIsEstimate,
    midRate: ctx.mid,
    referenceRate: ctx.reference,
    get customerRate(): Decimal.Decimal {
      return tier.customerRate
    },
    spreadBps: tier.spreadBps,
    get cappedSpreadBps(): Decimal.Decimal {
      if (capped === undefined) capped = cappedSpread(r)!
      return capped
    },
    fees,
    ourFees: ourFeesMoney,
    totalCost,
    markup,
    rounding: ROUNDING
  }
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
      Result.getOrThrow(
        Decimal.divide(quote.markup.rate, Decimal.HUNDRED, quote.markup.rate.scale + 2, "half-even")
      )
    )
  )
