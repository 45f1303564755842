// The pricing arithmetic of a fee schedule (pure, exact): the fee lines of a capture (components,
// minimum top-up, the ceiling), the lines of a refund, void, reversal or dispute, and the schemas
// of their inputs.
import { Currency, type Decimal, InvalidInput, Rounding } from "@paykit/core"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { type FeeDetail, type FeeKind, feeKinds } from "../BalanceTransaction.ts"
import type {
  AdjustmentInput,
  Event,
  EventPolicy,
  FeeSchedule,
  Match,
  PassThrough,
  PerCurrency,
  Pricing,
  Shape
} from "../FeeSchedule.ts"
import { CODE, in_, MAX_AMOUNT } from "./feeScheduleCodec.ts"
import { mostSpecific } from "./feeMatch.ts"

/** `round(amount × rate / 100)` with `mode`, exact: the rate is `coefficient / 10^scale` percent. */
const percentOf = (amount: bigint, rate: Decimal.Decimal, mode: Rounding.RoundingMode): bigint =>
  Rounding.divide(amount * rate.coefficient, 100n * Rounding.pow10(rate.scale), mode)

const money = (n: bigint, code: string, exponent: number | undefined): string => {
  if (exponent === undefined || exponent === 0)
    return `${n} ${code}${exponent === undefined ? " minor units" : ""}`
  const digits = n.toString().padStart(exponent + 1, "0")
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)} ${code}`
}

export const exponentOf = (code: string, given: number | undefined): number | undefined => {
  if (given !== undefined) return given
  const c = Currency.fromCode(code)
  return Result.isSuccess(c) ? c.success.exponent : undefined
}

export interface Ctx {
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
export const linesOf = (p: Pricing, ctx: Ctx, d: Match, converted: boolean): ReadonlyArray<FeeDetail> => {
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

export const PriceInputSchema = Schema.Struct({
  amount: PositiveAmount,
  currency: Code,
  exponent: Schema.optional(Exponent),
  at: Instant,
  method: Schema.optional(Dimension),
  brand: Schema.optional(Dimension),
  region: Schema.optional(Dimension),
  converted: Schema.optional(Schema.Boolean)
})

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
export const guarded = <A, E>(operation: string, schedule: unknown, f: () => Result.Result<A, E>) => {
  if (!isScheduleLike(schedule)) return notASchedule(operation)
  try {
    return f()
  } catch {
    return notASchedule(operation)
  }
}

export const AdjustmentInputSchema = Schema.Struct({
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

export const adjustWith = (
  policy: EventPolicy,
  event: Event,
  i: AdjustmentInput
): ReadonlyArray<FeeDetail> => {
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
