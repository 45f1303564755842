/**
 * Test helpers for @paykit/fx: the `QuoteStore` contract suite every adapter runs, and sample
 * quotes to feed it.
 *
 * @since 0.1.0
 */
export * as QuoteStoreContract from "./QuoteStoreContract.ts"
