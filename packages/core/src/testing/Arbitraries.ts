import * as fc from "fast-check"
import * as Currency from "../Currency.ts"
import * as Money from "../Money.ts"

/**
 * Any ISO 4217 currency from the table.
 *
 * @category constructors
 * @since 0.1.0
 */
export const currency: fc.Arbitrary<Currency.Currency> = fc.constantFrom(...Currency.iso.values())

/**
 * Minor units in the full supported range, biased toward small and boundary values.
 *
 * @category constructors
 * @since 0.1.0
 */
export const minorUnits: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: -1_000_000n, max: 1_000_000n }),
  fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
  fc.bigInt({ min: -Money.MAX_AMOUNT, max: Money.MAX_AMOUNT })
)

/**
 * Money in a given currency, with amounts up to `limit` in magnitude.
 *
 * @category constructors
 * @since 0.1.0
 */
export const money = (currency: Currency.Currency, limit: bigint = 10n ** 30n): fc.Arbitrary<Money.Money> =>
  fc.bigInt({ min: -limit, max: limit }).map((n) => Money.fromMinorUnsafe(n, currency))
