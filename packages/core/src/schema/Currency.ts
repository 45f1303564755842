/**
 * `Currency` with its codecs: every lookup of the main entry point's `Currency`, plus the
 * effect/Schema codecs `Code`, `codeSchema`, `CurrencySchema` and `fromCodeSchema`.
 *
 * @since 0.2.0
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import type * as Plain from "../Currency.ts"
import { isoRegistry } from "../internal/currency.ts"

export * from "../Currency.ts"

// The types once more, declared here: reached only through `export *` from a module the .d.ts
// bundler puts in a shared chunk, `Currency.Registry` came out of it as a value.
/** A unit of account (see the `Currency` interface of `@paykit/core`). @category models @since 0.1.0 */
export type Currency = Plain.Currency
/** The currencies an application accepts. @category models @since 0.1.0 */
export type Registry = Plain.Registry

/**
 * Schema for a currency code accepted by `reg` (ISO 4217 by default), decoding to the code string.
 *
 * @category models
 * @since 0.1.0
 */
export const codeSchema = (reg: Registry = isoRegistry) =>
  Schema.String.check(
    Schema.makeFilter((s: string) => Result.isSuccess(reg.get(s)) || `unknown currency "${s}"`, {
      title: "CurrencyCode"
    })
  )

/**
 * Schema for an ISO 4217 currency code, e.g. `"USD"`.
 *
 * @category models
 * @since 0.1.0
 */
export const Code = /*#__PURE__*/ codeSchema()

const isCurrency = (u: unknown): u is Currency =>
  typeof u === "object" &&
  u !== null &&
  typeof (u as Currency).code === "string" &&
  typeof (u as Currency).exponent === "number"

/**
 * Schema for a `Currency` value in memory (not its JSON form).
 *
 * @category models
 * @since 0.1.0
 */
export const CurrencySchema: Schema.declare<Currency> = /*#__PURE__*/ Schema.declare(isCurrency, {
  title: "Currency"
})

/**
 * Schema decoding a currency code (string) into the `Currency` of `reg`, encoding back to the code.
 *
 * @example
 * ```ts
 * import { Currency } from "@paykit/core/schema"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Currency.fromCodeSchema())("JPY").exponent // 0
 * ```
 * @category models
 * @since 0.1.0
 */
export const fromCodeSchema = (reg: Registry = isoRegistry) =>
  codeSchema(reg).pipe(
    Schema.decodeTo(CurrencySchema, {
      decode: SchemaGetter.transform((code: string) => Result.getOrThrow(reg.get(code))),
      encode: SchemaGetter.transform((c: Currency) => c.code)
    })
  )
