import fc from "fast-check"
import type * as Payment from "../Payment.ts"

/**
 * A valid `Payment.CreateInput` (encoded, as JSON gives it): an amount of 1 to 10,000,000 minor
 * units in EUR, USD or JPY, any capture method, with or without a payment method.
 *
 * @example
 * ```ts
 * import { Arbitraries } from "@paykit/payments/testing"
 * import fc from "fast-check"
 * fc.sample(Arbitraries.createInput, 1)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const createInput: fc.Arbitrary<typeof Payment.CreateInput.Encoded> = fc.record(
  {
    id: fc.stringMatching(/^pay_[a-z0-9]{8}$/),
    merchant: fc.constantFrom("acct_1", "acct_2"),
    paymentMethod: fc.constantFrom("pm_card_visa", "pm_card_mastercard"),
    amount: fc.record({
      amount: fc.bigInt({ min: 1n, max: 10_000_000n }).map(String),
      currency: fc.constantFrom("EUR", "USD", "JPY")
    }),
    captureMethod: fc.constantFrom("automatic" as const, "manual" as const, "manual_multiple" as const)
  },
  { requiredKeys: ["id", "merchant", "amount", "captureMethod"] }
)
