/**
 * Test helpers for @paykit/risk: the `VelocityStore` contract suite every adapter runs, with its
 * reference model and event arbitrary.
 *
 * @since 0.1.0
 */
export * as VelocityStoreContract from "./VelocityStoreContract.ts"
