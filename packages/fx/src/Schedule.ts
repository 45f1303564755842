import { Decimal, Input, InvalidInput, Rounding } from "@paykit/core"
import { Currency, Money } from "@paykit/core/schema"
import { Result, Schema } from "effect"
import { ceilDiv } from "./internal/math.ts"
import {
  AbsurdSpread,
  BoundedLastTier,
  DuplicateCorridor,
  EmptyTier,
  IncreasingSpread,
  InvalidFeeBounds,
  NoCorridor,
  OverlappingTiers,
  type ScheduleError,
  TierGap
} from "./errors.ts"

const NonNegativeMinor = Money.MinorUnits.check(
  Schema.makeFilter((n: bigint) => n >= 0n || "must not be negative", { title: "NonNegativeMinorUnits" })
)

const FeePercent = Decimal.Percent.check(
  Schema.makeFilter(
    (d: Decimal.Decimal) =>
      Decimal.compare(d, Decimal.HUNDRED) < 0 ||
      "a percentage fee must be below 100 (it is a share of the amount)",
    { title: "FeePercent" }
  )
)

const Bps = Schema.Number.check(
  Schema.isInt({ message: "basis points must be a whole number (50 = 0.50 %)" })
)

/**
 * Who bears intermediary-bank charges (SWIFT field 71A): `OUR` the sender, `SHA` shared (each
 * side its own bank's), `BEN` the beneficiary.
 *
 * @example
 * ```ts
 * import type { Schedule } from "@paykit/fx"
 * const charges: Schedule.Charges = "SHA"
 * ```
 * @category models
 * @since 0.1.0
 */
export const Charges = Schema.Literals(["OUR", "SHA", "BEN"])

/**
 * Who bears intermediary-bank charges.
 *
 * @example
 * ```ts
 * import type { Schedule } from "@paykit/fx"
 * const charges: Schedule.Charges = "SHA"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Charges = typeof Charges.Type

/**
 * How our fees are charged: `on-top` (the customer pays amount + fees; the whole amount is
 * converted) or `deducted` (the fees come out of the amount; the rest is converted).
 *
 * @example
 * ```ts
 * import type { Schedule } from "@paykit/fx"
 * const mode: Schedule.FeeMode = "deducted"
 * ```
 * @category models
 * @since 0.1.0
 */
export const FeeMode = Schema.Literals(["on-top", "deducted"])

/**
 * How our fees are charged.
 *
 * @example
 * ```ts
 * import type { Schedule } from "@paykit/fx"
 * const mode: Schedule.FeeMode = "deducted"
 * ```
 * @category models
 * @since 0.1.0
 */
export type FeeMode = typeof FeeMode.Type

/**
 * One amount tier as written in a schedule: `[min, max)` in source minor units (leave `max` out
 * on the last tier), the percentage fee on the part of the amount inside the tier and,
 * optionally, the spread for amounts that fall in this tier.
 *
 * @example
 * ```ts
 * import { Schedule } from "@paykit/fx"
 * const tier: typeof Schedule.TierInput.Encoded = { min: "100000", percentFee: "0.4", spreadBps: 40 }
 * ```
 * @category models
 * @since 0.1.0
 */
export const TierInput = Schema.Struct({
  min: NonNegativeMinor,
  max: Schema.optionalKey(NonNegativeMinor),
  percentFee: Schema.optionalKey(FeePercent),
  spreadBps: Schema.optionalKey(Bps)
})

/**
 * A pricing corridor as written in a schedule (JSON: amounts in minor units as strings,
 * percentages as decimal strings, spreads as whole basis points). Tier values default to the
 * corridor's (`percentFee` default 0, `spreadBps` the corridor's); no `tiers` means one tier
 * `[0, ∞)`.
 *
 * @example
 * ```ts
 * import { Schedule } from "@paykit/fx"
 * const corridor: typeof Schedule.CorridorInput.Encoded = { source: "USD", target: "EUR", spreadBps: 50, feeMode: "on-top", charges: "SHA", intermediaryFee: "1500" }
 * ```
 * @category models
 * @since 0.1.0
 */
export const CorridorInput = Schema.Struct({
  source: Currency.Code,
  target: Currency.Code,
  method: Schema.optionalKey(Schema.String.check(Schema.isNonEmpty())),
  spreadBps: Bps,
  fixedFee: Schema.optionalKey(NonNegativeMinor),
  percentFee: Schema.optionalKey(FeePercent),
  percentFeeMin: Schema.optionalKey(NonNegativeMinor),
  percentFeeMax: Schema.optionalKey(NonNegativeMinor),
  tiers: Schema.optionalKey(Schema.Array(TierInput).check(Schema.isMinLength(1))),
  feeMode: FeeMode,
  charges: Charges,
  intermediaryFee: Schema.optionalKey(NonNegativeMinor)
})

/**
 * A pricing schedule as written (see {@link CorridorInput}).
 *
 * @example
 * ```ts
 * import type { Schedule } from "@paykit/fx"
 * const input: Schedule.ScheduleInput = { corridors: [] }
 * ```
 * @category models
 * @since 0.1.0
 */
export const ScheduleInput = Schema.Struct({ corridors: Schema.Array(CorridorInput) })

/**
 * The encoded (JSON) form of a schedule, what {@link make} accepts.
 *
 * @example
 * ```ts
 * import type { Schedule } from "@paykit/fx"
 * const input: Schedule.ScheduleInput = { corridors: [] }
 * ```
 * @category models
 * @since 0.1.0
 */
export type ScheduleInput = typeof ScheduleInput.Encoded

/**
 * A validated amount tier.
 *
 * @example
 * ```ts
 * import type { Schedule } from "@paykit/fx"
 * declare const corridor: Schedule.Corridor
 * const spreads = corridor.tiers.map((t: Schedule.Tier) => t.spreadBps)
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Tier {
  readonly min: bigint
  /** Exclusive upper bound; `null` on the last tier. */
  readonly max: bigint | null
  readonly percentFee: Decimal.Decimal
  readonly spreadBps: number
}

/**
 * A validated pricing corridor. Amounts are source minor units except `intermediaryFee`
 * (target minor units).
 *
 * @example
 * ```ts
 * import { Schedule } from "@paykit/fx"
 * import { Result } from "effect"
 * declare const schedule: Schedule.Schedule
 * const corridor: Schedule.Corridor = Result.getOrThrow(Schedule.match(schedule, "USD", "EUR"))
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Corridor {
  /** `"USD→EUR"` or `"USD→EUR (card)"`, for messages. */
  readonly label: string
  readonly source: Currency.Currency
  readonly target: Currency.Currency
  readonly method: string | null
  readonly fixedFee: bigint
  readonly tiers: ReadonlyArray<Tier>
  readonly percentFeeMin: bigint
  readonly percentFeeMax: bigint | null
  readonly feeMode: FeeMode
  readonly charges: Charges
  readonly intermediaryFee: bigint
  /** @internal percentages of the tiers as integers at one common scale, for the hot path */
  readonly percentScale: number
  /** @internal */
  readonly percentCoefficients: ReadonlyArray<bigint>
}

/**
 * A validated pricing schedule: corridors indexed by source, target and method.
 *
 * @example
 * ```ts
 * import { Schedule } from "@paykit/fx"
 * const schedule: Schedule.Schedule = Schedule.makeUnsafe({ corridors: [] })
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Schedule {
  readonly corridors: ReadonlyArray<Corridor>
  /** @internal */
  readonly index: ReadonlyMap<string, Corridor>
}

/** Every corridor and schedule built by {@link make}: the pure functions accept only these. */
const builtCorridors = new WeakSet<object>()
const builtSchedules = new WeakSet<object>()

/**
 * True for a corridor built by {@link make} (and found with {@link match}); false for anything
 * else, including a hand-written or JSON-decoded look-alike.
 *
 * @example
 * ```ts
 * import { Schedule } from "@paykit/fx"
 * Schedule.isCorridor({ label: "USD→EUR" }) // false
 * ```
 * @category guards
 * @since 0.2.0
 */
export const isCorridor = (u: unknown): u is Corridor =>
  typeof u === "object" && u !== null && builtCorridors.has(u)

/**
 * True for a schedule built by {@link make}.
 *
 * @example
 * ```ts
 * import { Schedule } from "@paykit/fx"
 * Schedule.isSchedule(Schedule.makeUnsafe({ corridors: [] })) // true
 * ```
 * @category guards
 * @since 0.2.0
 */
export const isSchedule = (u: unknown): u is Schedule =>
  typeof u === "object" && u !== null && builtSchedules.has(u)

const indexKey = (source: string, target: string, method: string | null): string =>
  method === null ? `${source}>${target}` : `${source}>${target}>${method}`

const label = (source: string, target: string, method: string | null): string =>
  method === null ? `${source}→${target}` : `${source}→${target} (${method})`

const checkSpread = (corridor: string, bps: number): AbsurdSpread | undefined =>
  bps < 0 || bps >= 10_000 ? new AbsurdSpread({ corridor, spreadBps: bps }) : undefined

const buildCorridor = (c: typeof CorridorInput.Type): Result.Result<Corridor, ScheduleError> => {
  const method = c.method ?? null
  const name = label(c.source, c.target, method)
  const absurd = checkSpread(name, c.spreadBps)
  if (absurd !== undefined) return Result.fail(absurd)
  const defaultPercent = c.percentFee ?? Decimal.ZERO
  const written = c.tiers ?? [{ min: 0n }]
  const tiers: Array<Tier> = []
  for (let i = 0; i < written.length; i++) {
    const t = written[i]!
    const spreadBps = t.spreadBps ?? c.spreadBps
    const bad = checkSpread(`${name} tier ${i}`, spreadBps)
    if (bad !== undefined) return Result.fail(bad)
    const max = t.max ?? null
    if (max !== null && max <= t.min) {
      return Result.fail(
        new EmptyTier({ corridor: name, index: i, min: t.min.toString(), max: max.toString() })
      )
    }
    const previous = tiers[i - 1]
    if (previous === undefined) {
      if (t.min !== 0n) {
        return Result.fail(new TierGap({ corridor: name, index: i, min: t.min.toString(), previousMax: "0" }))
      }
    } else {
      if (previous.max === null || t.min < previous.max) {
        return Result.fail(
          new OverlappingTiers({
            corridor: name,
            index: i,
            min: t.min.toString(),
            previousMax: previous.max === null ? "∞" : previous.max.toString()
          })
        )
      }
      if (t.min > previous.max) {
        return Result.fail(
          new TierGap({
            corridor: name,
            index: i,
            min: t.min.toString(),
            previousMax: previous.max.toString()
          })
        )
      }
      if (spreadBps > previous.spreadBps) {
        return Result.fail(
          new IncreasingSpread({ corridor: name, index: i, spreadBps, previousSpreadBps: previous.spreadBps })
        )
      }
    }
    tiers.push({ min: t.min, max, percentFee: t.percentFee ?? defaultPercent, spreadBps })
  }
  const last = tiers[tiers.length - 1]!
  if (last.max !== null) return Result.fail(new BoundedLastTier({ corridor: name, max: last.max.toString() }))
  const percentFeeMin = c.percentFeeMin ?? 0n
  const percentFeeMax = c.percentFeeMax ?? null
  if (percentFeeMax !== null && percentFeeMin > percentFeeMax) {
    return Result.fail(
      new InvalidFeeBounds({ corridor: name, min: percentFeeMin.toString(), max: percentFeeMax.toString() })
    )
  }
  const percentScale = Math.max(...tiers.map((t) => t.percentFee.scale))
  return Result.succeed({
    label: name,
    source: Result.getOrThrow(Currency.fromCode(c.source)),
    target: Result.getOrThrow(Currency.fromCode(c.target)),
    method,
    fixedFee: c.fixedFee ?? 0n,
    tiers,
    percentFeeMin,
    percentFeeMax,
    feeMode: c.feeMode,
    charges: c.charges,
    intermediaryFee: c.intermediaryFee ?? 0n,
    percentScale,
    percentCoefficients: tiers.map(
      (t) => t.percentFee.coefficient * Rounding.pow10(percentScale - t.percentFee.scale)
    )
  })
}

const decodeSchedule = Input.decodeResult("Schedule.make", ScheduleInput)

/**
 * Decodes and validates a pricing schedule. Bad fields are `InvalidInput` naming the field
 * (unknown currency, a fractional basis point, a percentage fee of 100 or more, a negative
 * fee); inconsistent corridors are one typed error each: `AbsurdSpread` (negative or ≥ 10000
 * bps), `OverlappingTiers`, `TierGap` (including a first tier not starting at 0),
 * `BoundedLastTier`, `EmptyTier`, `IncreasingSpread` (spreads must not increase with the
 * amount), `InvalidFeeBounds` (minimum above maximum), `DuplicateCorridor`.
 *
 * @example
 * ```ts
 * import { Schedule } from "@paykit/fx"
 * const schedule = Schedule.make({
 *   corridors: [{ source: "USD", target: "EUR", spreadBps: 50, fixedFee: "299", percentFee: "0.5",
 *     feeMode: "on-top", charges: "SHA", intermediaryFee: "1500" }]
 * })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (input: unknown): Result.Result<Schedule, InvalidInput | ScheduleError> => {
  const decoded = decodeSchedule(input)
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure)
  const corridors: Array<Corridor> = []
  const index = new Map<string, Corridor>()
  for (const c of decoded.success.corridors) {
    const built = buildCorridor(c)
    if (Result.isFailure(built)) return Result.fail(built.failure)
    const k = indexKey(c.source, c.target, built.success.method)
    if (index.has(k)) return Result.fail(new DuplicateCorridor({ corridor: built.success.label }))
    const corridor = Object.freeze({
      ...built.success,
      tiers: Object.freeze(built.success.tiers.map((t) => Object.freeze({ ...t }))),
      percentCoefficients: Object.freeze([...built.success.percentCoefficients])
    })
    builtCorridors.add(corridor)
    index.set(k, corridor)
    corridors.push(corridor)
  }
  const schedule: Schedule = Object.freeze({ corridors: Object.freeze(corridors), index })
  builtSchedules.add(schedule)
  return Result.succeed(schedule)
}

/**
 * Like {@link make} but throws. For schedules written as constants.
 *
 * @example
 * ```ts
 * import { Schedule } from "@paykit/fx"
 * const schedule = Schedule.makeUnsafe({
 *   corridors: [{ source: "USD", target: "EUR", spreadBps: 50, feeMode: "on-top", charges: "OUR" }]
 * })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const makeUnsafe = (input: ScheduleInput): Schedule => Result.getOrThrow(make(input))

/**
 * Finds the corridor for a source currency, target currency and optional payment method: a
 * corridor naming that method wins over one without a method; without a method only a
 * corridor without one matches. No match is `NoCorridor`; a schedule not built by {@link make},
 * or codes / a method that are not strings, are `InvalidInput`.
 *
 * @example
 * ```ts
 * import { Schedule } from "@paykit/fx"
 * declare const schedule: Schedule.Schedule
 * Schedule.match(schedule, "USD", "EUR", "card") // the USD→EUR (card) corridor, else USD→EUR
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const match = (
  schedule: Schedule,
  source: string,
  target: string,
  method: string | null = null
): Result.Result<Corridor, InvalidInput | NoCorridor> => {
  const bad = (path: string, reason: string) =>
    Result.fail(new InvalidInput({ operation: "Schedule.match", path, reason }))
  if (!isSchedule(schedule)) return bad("schedule", "expected a schedule built by Schedule.make")
  if (typeof source !== "string") return bad("source", "expected a currency code")
  if (typeof target !== "string") return bad("target", "expected a currency code")
  if (method !== null && typeof method !== "string") return bad("method", "expected a string or null")
  if (method !== null) {
    const specific = schedule.index.get(indexKey(source, target, method))
    if (specific !== undefined) return Result.succeed(specific)
  }
  const general = schedule.index.get(indexKey(source, target, null))
  return general === undefined
    ? Result.fail(new NoCorridor({ source, target, method }))
    : Result.succeed(general)
}

/**
 * The index of the tier containing `amount` (source minor units).
 *
 * @example
 * ```ts
 * import { Schedule } from "@paykit/fx"
 * declare const corridor: Schedule.Corridor
 * const spread = corridor.tiers[Schedule.tierIndex(corridor, 250_000n)]!.spreadBps
 * ```
 * @category math
 * @since 0.1.0
 */
export const tierIndex = (corridor: Corridor, amount: bigint): number => {
  const tiers = corridor.tiers
  for (let i = tiers.length - 1; i > 0; i--) if (amount >= tiers[i]!.min) return i
  return 0
}

/**
 * The percentage fee on `amount` (source minor units), computed marginally like tax brackets:
 * each tier's percentage applies to the part of the amount inside the tier; the sum is rounded
 * up (ceiling, the customer pays it) and then clamped to the corridor's minimum and maximum.
 * Non-decreasing in the amount.
 *
 * @example
 * ```ts
 * import { Schedule } from "@paykit/fx"
 * declare const corridor: Schedule.Corridor // tiers [0, 1000.00) at 1 %, [1000.00, ∞) at 0.5 %
 * Schedule.percentFee(corridor, 150_000n) // 1000.00 × 1 % + 500.00 × 0.5 % = 12.50 → 1250n
 * ```
 * @category math
 * @since 0.1.0
 */
export const percentFee = (corridor: Corridor, amount: bigint): bigint => {
  const tiers = corridor.tiers
  const coefficients = corridor.percentCoefficients
  let numerator = 0n
  for (let i = 0; i < tiers.length; i++) {
    const t = tiers[i]!
    if (amount <= t.min) break
    const top = t.max !== null && t.max < amount ? t.max : amount
    numerator += (top - t.min) * coefficients[i]!
  }
  // the numerator is ≥ 0 (an amount ≤ 0 stops at the first tier): ceiling division
  let fee = numerator === 0n ? 0n : ceilDiv(numerator, Rounding.pow10(corridor.percentScale + 2))
  if (fee < corridor.percentFeeMin) fee = corridor.percentFeeMin
  if (corridor.percentFeeMax !== null && fee > corridor.percentFeeMax) fee = corridor.percentFeeMax
  return fee
}
