/**
 * @paykit/payments/testing: arbitraries for payments' inputs, for property tests of code built
 * on this package.
 *
 * @since 0.1.0
 */
export * as Arbitraries from "./Arbitraries.ts"
export * as TestProvider from "./TestProvider.ts"
export * as TestRisk from "./TestRisk.ts"
export * as PaymentStoreContract from "./PaymentStoreContract.ts"
export * as PaymentsModel from "./PaymentsModel.ts"
export * as Fixtures from "./Fixtures.ts"
