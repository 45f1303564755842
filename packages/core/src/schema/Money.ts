/**
 * `Money` with its codecs: every function of the main entry point's `Money` (the same `Money`
 * class), plus the effect/Schema codecs `Json`, `jsonSchema`, `MinorUnits` and `MoneySchema`.
 * Import it from `@paykit/core/schema` where you decode or encode money; code that only does
 * arithmetic imports `Money` from `@paykit/core` and stays small.
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core/schema"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Money.Json)({ amount: "1999", currency: "USD" }) // 19.99 USD
 * ```
 * @since 0.2.0
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import { MAX_AMOUNT, Money } from "../internal/money.ts"
import * as Currency from "./Currency.ts"

export * from "../Money.ts"

const inRange = (n: bigint): boolean => n <= MAX_AMOUNT && n >= -MAX_AMOUNT

const isMoney = (u: unknown): u is Money => u instanceof Money

/**
 * Schema for a `Money` value in memory.
 *
 * @category models
 * @since 0.1.0
 */
export const MoneySchema: Schema.declare<Money> = /*#__PURE__*/ Schema.declare(isMoney, { title: "Money" })

/**
 * The JSON codec for minor units: an integer string (`"1234"`, `"-5"`), at most 39 digits.
 *
 * @category models
 * @since 0.1.0
 */
export const MinorUnits = /*#__PURE__*/ Schema.String.check(
  Schema.isPattern(/^-?(0|[1-9]\d{0,38})$/, {
    message: 'expected minor units as an integer string such as "1234" (no decimals, exponent or spaces)'
  })
).pipe(
  Schema.decodeTo(
    Schema.BigInt.check(
      Schema.makeFilter((n: bigint) => inRange(n) || "outside the supported range ±(2^127 − 1)", {
        title: "MinorUnitsInRange"
      })
    ),
    {
      decode: SchemaGetter.transform((s: string) => BigInt(s)),
      encode: SchemaGetter.transform((n: bigint) => n.toString())
    }
  )
)

/**
 * The JSON codec `{ "amount": "1234", "currency": "USD" }` ⇄ `Money`, accepting the currencies
 * of `reg` (ISO 4217 plus the custom units you registered).
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core/schema"
 * import { Schema } from "effect"
 * const Json = Money.jsonSchema(Currency.registry([Currency.POINTS]))
 * Schema.decodeUnknownSync(Json)({ amount: "500", currency: "POINTS" })
 * ```
 * @category models
 * @since 0.1.0
 */
export const jsonSchema = (reg: Currency.Registry = Currency.isoRegistry) =>
  Schema.Struct({ amount: MinorUnits, currency: Currency.codeSchema(reg) }).pipe(
    Schema.decodeTo(MoneySchema, {
      decode: SchemaGetter.transform(
        (j: { readonly amount: bigint; readonly currency: string }) =>
          new Money(j.amount, Result.getOrThrow(reg.get(j.currency)))
      ),
      encode: SchemaGetter.transform((m: Money) => ({ amount: m.amount, currency: m.currency.code }))
    })
  )

/**
 * The JSON codec for money in ISO 4217 currencies.
 *
 * @category models
 * @since 0.1.0
 */
export const Json = /*#__PURE__*/ jsonSchema()
