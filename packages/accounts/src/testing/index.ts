/**
 * Test helpers for @paykit/accounts: the contract suites of the `AccountStore`, `KeyStore` and
 * `VerificationProvider` ports, the concurrency contract of the service over a shared store, the input rules of the service on any store, fast-check arbitraries, fixtures and a memory test layer.
 *
 * @since 0.1.0
 */
export * as AccountStoreContract from "./AccountStoreContract.ts"
export * as Arbitraries from "./Arbitraries.ts"
export * as ConcurrencyContract from "./ConcurrencyContract.ts"
export * as Fixtures from "./Fixtures.ts"
export * as InputContract from "./InputContract.ts"
export * as KeyStoreContract from "./KeyStoreContract.ts"
export * as VerificationProviderContract from "./VerificationProviderContract.ts"
