/**
 * `Currency`: ISO 4217 currencies and custom units as plain data, with lookups and registries.
 * No schemas here; the codecs (`Currency.Code`, `Currency.codeSchema`, `Currency.CurrencySchema`,
 * `Currency.fromCodeSchema`) are on the `Currency` of `@paykit/core/schema`.
 *
 * @since 0.1.0
 */
import type * as Result from "effect/Result"
import type { UnknownCurrency } from "./errors.ts"

export * from "./internal/currency.ts"

// The types are declared here, not in ./internal/currency.ts: reached only through `export *`
// from a module the .d.ts bundler puts in a shared chunk, `Currency.Registry` came out as a value.

/**
 * A unit of account: an ISO 4217 currency or a custom unit (loyalty points, a token).
 * `exponent` is the number of decimal places of the minor unit (USD 2, JPY 0, KWD 3, CLF 4).
 * Currencies are plain frozen data; two currencies are the same when their codes are equal.
 *
 * @category models
 * @since 0.1.0
 */
export interface Currency {
  readonly code: string
  readonly exponent: number
  readonly name: string
  /** ISO 4217 numeric code, absent for custom units. */
  readonly numeric?: string
  /** `false` when ISO lists the minor unit as "N.A." (XAU, XDR, XTS...); such codes use exponent 0. */
  readonly minorUnitApplicable?: boolean
  /** `true` for units that are not ISO 4217 currencies. */
  readonly custom?: boolean
}

/**
 * The currencies an application accepts: ISO 4217 plus its custom units. Decoders that read a
 * currency code (`Money.jsonSchema`) take a registry so custom units decode too.
 *
 * @category models
 * @since 0.1.0
 */
export interface Registry {
  readonly get: (code: string) => Result.Result<Currency, UnknownCurrency>
  readonly codes: ReadonlyArray<string>
}
