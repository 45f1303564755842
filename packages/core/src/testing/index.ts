/**
 * Test helpers for @paykit/core: fast-check arbitraries for currencies and money, the
 * state-machine checks, a recording tracer for span tests, and the README-example helpers.
 *
 * @since 0.1.0
 */
export * as Arbitraries from "./Arbitraries.ts"
export * as Readme from "./Readme.ts"
export * as StateMachineChecks from "./StateMachineChecks.ts"
export * as Tracing from "./Tracing.ts"
