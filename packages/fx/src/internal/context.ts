import { Decimal, InvalidInput } from "@paykit/core"
import { Money } from "@paykit/core/schema"
import * as Schedule from "../Schedule.ts"
import { isDecimal, isMoney, isRecord } from "./guards.ts"

/** Cheap checks of what the pure quote functions are given: the amount and the rates fit the corridor. */

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
export const checkContext = (
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
