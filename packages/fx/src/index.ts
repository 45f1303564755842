/**
 * @paykit/fx: transparent cross-border quotes. Rate providers (memory, ECB), corridor pricing
 * (spread, fixed and tiered percentage fees, OUR/SHA/BEN intermediary charges), quotes from a
 * send or a receive amount with CBPR2 mark-up disclosure, rate locks and plain explanations.
 *
 * @since 0.1.0
 */
export * as Ecb from "./Ecb.ts"
export * as Events from "./Events.ts"
export * as Explain from "./Explain.ts"
export * as Fx from "./Fx.ts"
export * as Quote from "./Quote.ts"
export * as QuoteStore from "./QuoteStore.ts"
export * as Rate from "./Rate.ts"
export * as RateProvider from "./RateProvider.ts"
export * as Schedule from "./Schedule.ts"
export * from "./errors.ts"
