/**
 * Test helpers for @paykit/ledger: the `LedgerStore` contract suite every adapter runs, and the
 * reference model used by the model-based property.
 *
 * @since 0.1.0
 */
export * as LedgerStoreContract from "./LedgerStoreContract.ts"
export * as Model from "./Model.ts"
export * as ReferenceStore from "./ReferenceStore.ts"
export * as FuzzSuite from "./FuzzSuite.ts"
