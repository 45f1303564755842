// The Currency module without its schemas: what `Currency` (../Currency.ts), `@paykit/core/money`
// and the `Currency` of `@paykit/core/schema` share. The schemas (`Code`, `codeSchema`,
// `CurrencySchema`, `fromCodeSchema`) are added in ../schema/Currency.ts only, so that a program
// that never decodes a currency code does not bundle effect's Schema module.
import * as Result from "effect/Result"
import type { Currency, Registry } from "../Currency.ts"
import { UnknownCurrency } from "../errors.ts"
import { iso4217 } from "./iso4217.ts"

/** Largest exponent a unit may declare (18 covers wei-style tokens). */
const MAX_EXPONENT = 18
const CODE_PATTERN = /^[A-Z][A-Z0-9_]{1,11}$/

const freeze = (c: Currency): Currency => Object.freeze(c)

const isoTable: ReadonlyMap<string, Currency> = /*#__PURE__*/ new Map(
  iso4217.map((e) => [
    e.code,
    freeze({
      code: e.code,
      numeric: e.numeric,
      exponent: e.exponent,
      name: e.name,
      ...("minorUnitApplicable" in e ? { minorUnitApplicable: false } : {})
    })
  ])
)

/**
 * Every ISO 4217 active currency (list one), keyed by code.
 *
 * @example
 * ```ts
 * import { Currency } from "@paykit/core"
 * Currency.iso.get("KWD")?.exponent // 3
 * ```
 * @category models
 * @since 0.1.0
 */
export const iso: ReadonlyMap<string, Currency> = isoTable

/**
 * Looks up an ISO currency by code, throwing `UnknownCurrency` when absent. Use for constants.
 *
 * @category constructors
 * @since 0.1.0
 */
export const isoUnsafe = (code: string): Currency => {
  const c = isoTable.get(code)
  if (c === undefined) throw new UnknownCurrency({ code })
  return c
}

/** @category models @since 0.1.0 */
export const USD: Currency = /*#__PURE__*/ isoUnsafe("USD")
/** @category models @since 0.1.0 */
export const EUR: Currency = /*#__PURE__*/ isoUnsafe("EUR")
/** @category models @since 0.1.0 */
export const GBP: Currency = /*#__PURE__*/ isoUnsafe("GBP")
/** @category models @since 0.1.0 */
export const JPY: Currency = /*#__PURE__*/ isoUnsafe("JPY")
/** @category models @since 0.1.0 */
export const CNY: Currency = /*#__PURE__*/ isoUnsafe("CNY")
/** @category models @since 0.1.0 */
export const KWD: Currency = /*#__PURE__*/ isoUnsafe("KWD")
/** @category models @since 0.1.0 */
export const CLF: Currency = /*#__PURE__*/ isoUnsafe("CLF")

/**
 * Defines a custom unit of account (loyalty points, a stored-value unit, an 8-decimal token).
 * The code must be 2–12 characters of A–Z, 0–9 or `_`, start with a letter, and must not
 * shadow an ISO code; the exponent is an integer in 0..18.
 *
 * @example
 * ```ts
 * import { Currency } from "@paykit/core"
 * const Points = Currency.customUnsafe({ code: "PTS", exponent: 0, name: "Loyalty points" })
 * const Token = Currency.customUnsafe({ code: "TOKEN8", exponent: 8, name: "8-decimal token" })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const custom = (spec: {
  readonly code: string
  readonly exponent: number
  readonly name: string
}): Result.Result<Currency, UnknownCurrency> => {
  if (!CODE_PATTERN.test(spec.code) || isoTable.has(spec.code))
    return Result.fail(new UnknownCurrency({ code: spec.code }))
  if (!Number.isInteger(spec.exponent) || spec.exponent < 0 || spec.exponent > MAX_EXPONENT) {
    return Result.fail(new UnknownCurrency({ code: spec.code }))
  }
  return Result.succeed(freeze({ code: spec.code, exponent: spec.exponent, name: spec.name, custom: true }))
}

/**
 * Like {@link custom} but throws; for module-level constants.
 *
 * @category constructors
 * @since 0.1.0
 */
export const customUnsafe = (spec: {
  readonly code: string
  readonly exponent: number
  readonly name: string
}): Currency => Result.getOrThrow(custom(spec))

/**
 * Loyalty points: a custom unit with exponent 0.
 *
 * @category models
 * @since 0.1.0
 */
export const POINTS: Currency = /*#__PURE__*/ customUnsafe({
  code: "POINTS",
  exponent: 0,
  name: "Loyalty points"
})

/**
 * Builds a registry of ISO 4217 plus the given custom units.
 *
 * @example
 * ```ts
 * import { Currency } from "@paykit/core"
 * const currencies = Currency.registry([Currency.POINTS])
 * currencies.get("POINTS") // Success
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const registry = (customs: ReadonlyArray<Currency> = []): Registry => {
  const table = new Map(isoTable)
  for (const c of customs) table.set(c.code, c)
  return {
    get: (code) => {
      const c = table.get(code)
      return c === undefined ? Result.fail(new UnknownCurrency({ code })) : Result.succeed(c)
    },
    codes: [...table.keys()]
  }
}

/**
 * The registry of ISO 4217 currencies only.
 *
 * @category models
 * @since 0.1.0
 */
export const isoRegistry: Registry = /*#__PURE__*/ registry()

/**
 * Looks up an ISO 4217 currency by code.
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromCode = (code: string): Result.Result<Currency, UnknownCurrency> => isoRegistry.get(code)

/**
 * True when both values name the same unit.
 *
 * @category guards
 * @since 0.1.0
 */
export const equals = (a: Currency, b: Currency): boolean => a === b || a.code === b.code
