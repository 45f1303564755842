import type { Decimal, Money } from "@paykit/core"

/** Structural guards for values handed to the pure functions from plain TypeScript or JSON. */

export const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

/** The largest `Decimal` scale the pure functions accept (a rate's, a derived rate's have 10). */
const MAX_SCALE = 1000

/**
 * A `Decimal` by shape (not `instanceof`, so a copy of core loaded twice still passes): a bigint
 * coefficient and a whole scale from 0 to 1000, since the pricing reads those, not big.js.
 */
export const isDecimal = (u: unknown): u is Decimal.Decimal =>
  isRecord(u) &&
  typeof u.coefficient === "bigint" &&
  Number.isSafeInteger(u.scale) &&
  (u.scale as number) >= 0 &&
  (u.scale as number) <= MAX_SCALE &&
  isRecord(u.big)

/** A `Money` by shape: a bigint amount and a currency with a string code and an integer exponent. */
export const isMoney = (u: unknown): u is Money.Money =>
  isRecord(u) &&
  typeof u.amount === "bigint" &&
  isRecord(u.currency) &&
  typeof u.currency.code === "string" &&
  Number.isSafeInteger(u.currency.exponent)

/** `String(u)` for messages, never throwing (an object whose `toString` is not a function). */
export const show = (u: unknown): string => {
  try {
    return String(u)
  } catch {
    return "?"
  }
}
