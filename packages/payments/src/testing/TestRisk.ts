import { Effect, Layer } from "effect"
import * as RiskCheck from "../RiskCheck.ts"

/**
 * The metadata key whose value scripts {@link layer}'s verdict, and its values: `review` (held
 * for an operator), `block` (fails with `blocked_by_risk`), `challenge` (allowed, 3-D Secure
 * asked of the provider) and `unavailable` (`RiskUnavailable`: the confirmation fails, nothing
 * changes). Any other value, or none, allows.
 *
 * @example
 * ```ts
 * import { TestRisk } from "@paykit/payments/testing"
 * const metadata = { [TestRisk.KEY]: TestRisk.VERDICTS.review } // { test_risk: "review" }
 * ```
 * @category models
 * @since 0.1.0
 */
export const KEY = "test_risk"

/**
 * The scripted verdicts.
 *
 * @example
 * ```ts
 * import { TestRisk } from "@paykit/payments/testing"
 * TestRisk.VERDICTS.block // "block"
 * ```
 * @category models
 * @since 0.1.0
 */
export const VERDICTS = {
  review: "review",
  block: "block",
  challenge: "challenge",
  unavailable: "unavailable"
} as const

/**
 * A deterministic `RiskCheck` for tests, scripted by the payment's metadata (`test_risk`).
 *
 * @example
 * ```ts
 * import { Payments } from "@paykit/payments"
 * import { TestProvider, TestRisk } from "@paykit/payments/testing"
 * import { Layer } from "effect"
 * const layer = Payments.layer({ books: { _tag: "wallet" } }).pipe(
 *   Layer.provide(Layer.mergeAll(TestProvider.layer(), TestRisk.layer))
 * )
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<RiskCheck.RiskCheck> = Layer.succeed(
  RiskCheck.RiskCheck,
  RiskCheck.RiskCheck.of({
    assess: ({ payment }) => {
      switch (payment.metadata[KEY]) {
        case VERDICTS.review:
          return Effect.succeed({
            _tag: "review",
            reason: "scripted review (test_risk: review)",
            rules: ["test_review"]
          })
        case VERDICTS.block:
          return Effect.succeed({
            _tag: "block",
            reason: "scripted block (test_risk: block)",
            rules: ["test_block"]
          })
        case VERDICTS.challenge:
          return Effect.succeed({ _tag: "allow", threeDS: true })
        case VERDICTS.unavailable:
          return Effect.fail(new RiskCheck.RiskUnavailable({ reason: "scripted (test_risk: unavailable)" }))
        default:
          return Effect.succeed({ _tag: "allow" })
      }
    }
  })
)
