import type { InvalidInput } from "@paykit/core"
import { Context, Effect, Layer, Schema } from "effect"
import type * as Payment from "./Payment.ts"

/**
 * What the merchant knows about the buyer at confirmation, for the risk check: the buyer's IP
 * address and its country, the device, the e-mail, the card's fingerprint and issuing country,
 * and how old the customer's account is. All optional; decoded at `confirm`
 * (`Payments.confirm(id, { signals })`), passed to the `RiskCheck` and never stored.
 *
 * @example
 * ```ts
 * import { RiskCheck } from "@paykit/payments"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(RiskCheck.Signals)({ ipCountry: "BR", cardCountry: "US", accountAgeDays: 2 })
 * ```
 * @category models
 * @since 0.1.0
 */
export const Signals = Schema.Struct({
  ip: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^[0-9A-Fa-f.:]{2,45}$/))),
  ipCountry: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^[A-Z]{2}$/))),
  cardCountry: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^[A-Z]{2}$/))),
  cardFingerprint: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_.:-]{1,100}$/))),
  deviceId: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_.:-]{1,100}$/))),
  email: Schema.optionalKey(
    Schema.String.check(Schema.isPattern(/^[\x21-\x3f\x41-\x7e]{1,64}@[\x21-\x3f\x41-\x7e]{1,190}$/))
  ),
  accountAgeDays: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 100_000 })))
})

/**
 * Decoded signals.
 *
 * @example
 * ```ts
 * import type { RiskCheck } from "@paykit/payments"
 * const s: RiskCheck.Signals = { ipCountry: "BR" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type Signals = typeof Signals.Type

/**
 * The risk check's verdict before authorising: `allow` (optionally asking the provider for 3-D
 * Secure), `review` (the payment waits in `under_review` for an operator) or `block` (the payment
 * fails with `blocked_by_risk`), with the reason and the rules that decided it.
 *
 * @example
 * ```ts
 * import type { RiskCheck } from "@paykit/payments"
 * const v: RiskCheck.Verdict = { _tag: "review", reason: "Large first payment", rules: ["big_first_payment"] }
 * ```
 * @category models
 * @since 0.1.0
 */
export type Verdict =
  | { readonly _tag: "allow"; readonly threeDS?: boolean | undefined }
  | { readonly _tag: "review"; readonly reason: string; readonly rules: ReadonlyArray<string> }
  | { readonly _tag: "block"; readonly reason: string; readonly rules: ReadonlyArray<string> }

/**
 * The risk check could not decide (its store or service is down). The confirmation fails with
 * this error and nothing changes: the payment stays where it was, and a retry asks again.
 *
 * @example
 * ```ts
 * import { RiskCheck } from "@paykit/payments"
 * new RiskCheck.RiskUnavailable({ reason: "velocity store timed out" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class RiskUnavailable extends Schema.TaggedError<RiskUnavailable>()("RiskUnavailable", {
  reason: Schema.String
}) {
  override get message(): string {
    return `the risk check could not decide: ${this.reason}; nothing was changed, retry the confirmation`
  }
}

/**
 * The risk port: asked once per confirmation, before the provider sees the payment. Optional:
 * without a `RiskCheck` in the context, `Payments` authorises without one. `@paykit/payments/risk`
 * adapts `@paykit/risk`'s rules engine to it; any other engine (an external fraud API) fits the
 * same one method.
 *
 * @example
 * ```ts
 * import { RiskCheck } from "@paykit/payments"
 * import { Effect, Layer } from "effect"
 * const bigIsReviewed = Layer.succeed(
 *   RiskCheck.RiskCheck,
 *   RiskCheck.RiskCheck.of({
 *     assess: ({ payment }) =>
 *       Effect.succeed(
 *         payment.amount.amount > 100_000n
 *           ? { _tag: "review", reason: "over 1,000.00", rules: ["big"] }
 *           : { _tag: "allow" }
 *       )
 *   })
 * )
 * ```
 * @category services
 * @since 0.1.0
 */
export class RiskCheck extends Context.Service<
  RiskCheck,
  {
    readonly assess: (request: {
      readonly payment: Payment.Payment
      readonly signals: Signals
    }) => Effect.Effect<Verdict, RiskUnavailable | InvalidInput>
    /**
     * Told after a payment step that the issuer declined (a soft or hard decline, or a final
     * failure with a decline code; not a block by this check itself), once the step has
     * committed, so that declines count in the engine's velocity history (card testing shows as
     * many declines). Optional; its failure is logged and changes nothing (the decline stands).
     */
    readonly recordDecline?: (request: {
      readonly payment: Payment.Payment
      /** The signals the declined confirmation carried (absent for a decline a webhook brought). */
      readonly signals?: Signals | undefined
    }) => Effect.Effect<void, RiskUnavailable | InvalidInput>
  }
>()("@paykit/payments/RiskCheck") {}

/**
 * A risk check that allows everything (the same as having none).
 *
 * @example
 * ```ts
 * import { RiskCheck } from "@paykit/payments"
 * const layer = RiskCheck.layerAllowAll
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerAllowAll: Layer.Layer<RiskCheck> = Layer.succeed(
  RiskCheck,
  RiskCheck.of({ assess: () => Effect.succeed({ _tag: "allow" }) })
)
