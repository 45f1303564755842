/**
 * Test helpers for @paykit/core: fast-check arbitraries for currencies and money.
 *
 * @since 0.1.0
 */
export * as Arbitraries from "./Arbitraries.ts"
export * as StateMachineChecks from "./StateMachineChecks.ts"
