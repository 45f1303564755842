/**
 * @paykit/payments/fx: `@paykit/fx`'s locked quotes as the payments' FX conversion, for
 * cross-border payments settled in another currency. An optional entry point: `@paykit/payments`
 * itself does not depend on `@paykit/fx`.
 *
 * @since 0.1.0
 */
export * as FxAdapter from "./FxAdapter.ts"
