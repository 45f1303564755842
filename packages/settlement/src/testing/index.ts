/**
 * @paykit/settlement/testing: test doubles and contract suites for code built on settlement.
 *
 * @since 0.1.0
 */
export * as TestPayoutProvider from "./TestPayoutProvider.ts"
export * as SettlementStoreContract from "./SettlementStoreContract.ts"
