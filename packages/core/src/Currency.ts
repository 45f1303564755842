/**
 * `Currency`: ISO 4217 currencies and custom units as plain data, with lookups and registries.
 * No schemas here; the codecs (`Currency.Code`, `Currency.codeSchema`, `Currency.CurrencySchema`,
 * `Currency.fromCodeSchema`) are on the `Currency` of `@paykit/core/schema`.
 *
 * @since 0.1.0
 */
import type * as internal from "./internal/currency.ts"

export * from "./internal/currency.ts"

// The types once more, declared here: reached only through `export *` from a module the .d.ts
// bundler puts in a shared chunk, `Currency.Registry` came out of it as a value.
/** A unit of account (see the `Currency` interface of the models above). @category models @since 0.1.0 */
export type Currency = internal.Currency
/** The currencies an application accepts. @category models @since 0.1.0 */
export type Registry = internal.Registry
