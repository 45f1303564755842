// The `Money` class and its constructors (and its decimal text, which `toString` uses). Nothing
// here may import effect/Schema (see ./money.ts).
import * as Result from "effect/Result"
import { InvalidAmount, type AmountOutOfRange } from "../errors.ts"
import type * as Currency from "../Currency.ts"
import { inRange, outOfRange } from "./moneyChecks.ts"

/**
 * An exact amount of money: an integer number of minor units (cents, yen, fils) and its
 * currency. Immutable: every operation returns a new value. JSON form: `{ "amount": "1234", "currency": "USD" }`.
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * const price = Money.fromMinorUnsafe(1999n, Currency.USD) // 19.99 USD
 * ```
 * @category models
 * @since 0.1.0
 */
export class Money {
  readonly amount: bigint
  readonly currency: Currency.Currency
  /** @internal use {@link fromMinor} */
  constructor(amount: bigint, currency: Currency.Currency) {
    this.amount = amount
    this.currency = currency
  }
  toString(): string {
    return `${toDecimalString(this)} ${this.currency.code}`
  }
  toJSON(): { readonly amount: string; readonly currency: string } {
    return { amount: this.amount.toString(), currency: this.currency.code }
  }
}

/**
 * Money from an integer number of minor units. Rejects anything but a `bigint` in range
 * (a float, NaN or Infinity passed from untyped code gives `InvalidAmount`).
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * Money.fromMinor(1234n, Currency.USD) // Success(12.34 USD)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const fromMinor = (
  amount: bigint,
  currency: Currency.Currency
): Result.Result<Money, InvalidAmount | AmountOutOfRange> => {
  if (typeof amount !== "bigint") {
    return Result.fail(
      new InvalidAmount({
        input: String(amount),
        reason: "minor units must be a bigint (e.g. 1234n), never a number"
      })
    )
  }
  if (!inRange(amount)) return Result.fail(outOfRange("fromMinor", amount))
  return Result.succeed(new Money(amount, currency))
}

/**
 * Like {@link fromMinor} but throws its error. For constants and tests.
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromMinorUnsafe = (amount: bigint, currency: Currency.Currency): Money =>
  Result.getOrThrow(fromMinor(amount, currency))

/**
 * Zero in `currency`.
 *
 * @category constructors
 * @since 0.1.0
 */
export const zero = (currency: Currency.Currency): Money => new Money(0n, currency)

/**
 * The amount in major units as a plain decimal string with exactly the currency's decimals
 * (`"12.30"` for 1230 USD cents, `"1500"` for 1500 JPY). `parse(toDecimalString(m))` gives `m` back.
 *
 * @category constructors
 * @since 0.1.0
 */
export const toDecimalString = (a: Money): string => {
  const exponent = a.currency.exponent
  const negative = a.amount < 0n
  const digits = (negative ? -a.amount : a.amount).toString()
  if (exponent === 0) return negative ? `-${digits}` : digits
  const padded = digits.padStart(exponent + 1, "0")
  const text = `${padded.slice(0, padded.length - exponent)}.${padded.slice(padded.length - exponent)}`
  return negative ? `-${text}` : text
}
