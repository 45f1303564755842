/**
 * @paykit/payments/risk: `@paykit/risk`'s rules engine as the payments' risk check. An optional
 * entry point: `@paykit/payments` itself does not depend on `@paykit/risk`.
 *
 * @since 0.1.0
 */
export * as RiskAdapter from "./RiskAdapter.ts"
