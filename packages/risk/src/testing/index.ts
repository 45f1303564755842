/**
 * Test helpers for @paykit/risk: the `VelocityStore` contract suite every adapter runs, with its
 * reference model and event arbitrary, and the `ListStore` contract suite.
 *
 * @since 0.1.0
 */
export * as VelocityStoreContract from "./VelocityStoreContract.ts"
export * as ListStoreContract from "./ListStoreContract.ts"
