// What the money modules share and do not export to users: the supported range and the checks
// and errors every operation uses. Nothing here may import effect/Schema (see ./money.ts).
import { AmountOutOfRange, CurrencyMismatch, InvalidInput } from "../errors.ts"
import { describeValue } from "./rounding.ts"
import type * as Currency from "../Currency.ts"
import type { Money } from "./moneyValue.ts"

/**
 * The largest magnitude paykit represents: 2^127 − 1 minor units (a signed 128-bit integer,
 * TigerBeetle's range, and within PostgreSQL `numeric(39,0)`). Results beyond it are
 * `AmountOutOfRange`, never wrapped or truncated.
 *
 * @category models
 * @since 0.1.0
 */
export const MAX_AMOUNT: bigint = 2n ** 127n - 1n

export const inRange = (n: bigint): boolean => n <= MAX_AMOUNT && n >= -MAX_AMOUNT

export const outOfRange = (operation: string, amount: bigint) =>
  new AmountOutOfRange({ operation, amount: amount.toString() })

export const mismatch = (operation: string, a: Money, b: Money) =>
  new CurrencyMismatch({ operation, left: a.currency.code, right: b.currency.code })

export const sameCurrency = (a: Money, b: Money): boolean =>
  a.currency === b.currency || a.currency.code === b.currency.code

// `InvalidInput` when `u` is not a Currency object (a code string is the usual mistake).
export const currencyProblem = (operation: string, path: string, u: unknown): InvalidInput | undefined => {
  if (
    typeof u === "object" &&
    u !== null &&
    typeof (u as Currency.Currency).code === "string" &&
    Number.isSafeInteger((u as Currency.Currency).exponent) &&
    (u as Currency.Currency).exponent >= 0
  ) {
    return undefined
  }
  const hint =
    typeof u === "string" ? `; look a code up with Currency.fromCode(${JSON.stringify(u.slice(0, 12))})` : ""
  return new InvalidInput({
    operation,
    path,
    reason: `expected a Currency, such as Currency.USD; got ${describeValue(u)}${hint}`
  })
}
