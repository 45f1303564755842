/**
 * `Money`: an exact amount, a `bigint` number of minor units with its currency, and the
 * arithmetic on it (add, compare, multiply and convert with a named rounding mode, allocate,
 * split, parse, format). No schemas here, so a program that only does money arithmetic stays
 * small; the JSON codecs (`Money.Json`, `Money.MinorUnits`, `Money.jsonSchema`,
 * `Money.MoneySchema`) are on the `Money` of `@paykit/core/schema`.
 *
 * @since 0.1.0
 */
export * from "./internal/money.ts"
