/**
 * @paykit/core/money: `Money` and `Currency` alone, for programs that only do money arithmetic
 * and care about bundle size (a browser checkout, an edge function). The same namespaces, the
 * same `Money` class and the same errors as `import { Currency, Money } from "@paykit/core"`,
 * which is as small since the codecs moved to `@paykit/core/schema`; this entry point stays for
 * the programs that already import it.
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core/money"
 * Money.format(Money.fromMinorUnsafe(1999n, Currency.USD), "en-US") // "$19.99"
 * ```
 * @since 0.2.0
 */
export * as Currency from "../Currency.ts"
export * as Money from "../Money.ts"
export * from "../errors.ts"
export type { RoundingMode } from "../Rounding.ts"
