import type { Money } from "@paykit/core"
import type { Decision } from "@paykit/risk"
import { Risk } from "@paykit/risk"
import { Clock, Effect, Layer } from "effect"
import type * as Payment from "../Payment.ts"
import * as RiskCheck from "../RiskCheck.ts"

/**
 * The request `@paykit/risk` assesses for a payment being confirmed (pure): its id, amount,
 * method, merchant and customer, the merchant's signals (IP, countries, device, e-mail, card
 * fingerprint), the customer's account age and, when given, the amount in the rule set's
 * reference currency (`@paykit/risk` compares amounts and keeps velocity sums in it).
 *
 * @example
 * ```ts
 * import { RiskAdapter } from "@paykit/payments/risk"
 * declare const p: import("@paykit/payments").Payment.Payment
 * RiskAdapter.assessInput(p, { ipCountry: "BR", cardCountry: "US" }).payment.ipCountry // "BR"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const assessInput = (
  payment: Payment.Payment,
  signals: RiskCheck.Signals,
  amountRef?: Money.Money
): Risk.AssessInput => {
  const { accountAgeDays, ...facts } = signals
  const json = (m: Money.Money) => ({ amount: m.amount.toString(), currency: m.currency.code })
  return {
    payment: {
      id: payment.id,
      amount: json(payment.amount),
      ...(amountRef === undefined ? {} : { amountRef: json(amountRef) }),
      merchantId: payment.merchant,
      ...(payment.customer === undefined ? {} : { customerId: payment.customer }),
      ...(payment.paymentMethod === undefined ? {} : { method: payment.paymentMethod }),
      ...facts
    },
    ...(accountAgeDays === undefined ? {} : { customer: { accountAgeDays } })
  }
}

/**
 * A `@paykit/risk` decision as the payments' verdict (pure): `approve` allows, `challenge`
 * allows with 3-D Secure, `review` and `block` carry the reasons and rule ids of the hits that
 * asked for them (or every hit, when the score alone decided, or the score when nothing hit).
 *
 * @example
 * ```ts
 * import { RiskAdapter } from "@paykit/payments/risk"
 * declare const d: import("@paykit/risk").Decision.Decision
 * RiskAdapter.verdictOf(d)._tag // "allow" | "review" | "block"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const verdictOf = (decision: Decision.Decision): RiskCheck.Verdict => {
  switch (decision.outcome) {
    case "approve":
      return { _tag: "allow" }
    case "challenge":
      return { _tag: "allow", threeDS: true }
    case "review":
    case "block": {
      const own = decision.hits.filter((h) => h.action === decision.outcome)
      const hits = own.length > 0 ? own : decision.hits
      return {
        _tag: decision.outcome,
        reason:
          hits.length > 0
            ? hits.map((h) => h.reason).join("; ")
            : `risk score ${decision.score} reached the ${decision.outcome} threshold`,
        rules: hits.map((h) => h.ruleId)
      }
    }
  }
}

/**
 * How the adapter runs: `referenceAmount` gives a payment's amount in the rule set's reference
 * currency (`Risk.Config.referenceCurrency`, USD by default) when payments come in other
 * currencies — from your rates, `@paykit/fx`'s reference rates for instance; a rate it cannot
 * give is `RiskUnavailable`. Without it, payments must be in the reference currency
 * (`@paykit/risk` refuses others with `InvalidInput` at `payment.amountRef`).
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly referenceAmount?:
    | ((payment: Payment.Payment) => Effect.Effect<Money.Money, RiskCheck.RiskUnavailable>)
    | undefined
}

/**
 * The payments' `RiskCheck` over `@paykit/risk`'s `Risk` service: each confirmation is assessed
 * (and recorded in the velocity history) by your rule set. The velocity store being down is
 * `RiskUnavailable` (the confirmation fails, nothing changes); a signal `@paykit/risk` refuses is
 * its `InvalidInput`.
 *
 * @example
 * ```ts
 * import { Payments } from "@paykit/payments"
 * import { RiskAdapter } from "@paykit/payments/risk"
 * import { Layer } from "effect"
 * declare const RiskLive: Layer.Layer<import("@paykit/risk").Risk.Risk>
 * const withRisk = Payments.layer({ books: { _tag: "wallet" } }).pipe(
 *   Layer.provide(RiskAdapter.layerWith({}).pipe(Layer.provide(RiskLive)))
 * )
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerWith = (options: Options): Layer.Layer<RiskCheck.RiskCheck, never, Risk.Risk> =>
  Layer.effect(
    RiskCheck.RiskCheck,
    Effect.map(Risk.Risk, (risk) =>
      RiskCheck.RiskCheck.of({
        assess: ({ payment, signals }) =>
          Effect.gen(function* () {
            const ref =
              options.referenceAmount === undefined ? undefined : yield* options.referenceAmount(payment)
            const assessment = yield* risk.assess(assessInput(payment, signals, ref))
            return verdictOf(assessment.decision)
          }).pipe(
            Effect.catchTag("VelocityStoreUnavailable", (e) =>
              Effect.fail(new RiskCheck.RiskUnavailable({ reason: e.message }))
            )
          ),
        // the issuer's decline, into the velocity history under the payment's id and the keys of
        // the confirmation's signals: it marks the attempt `assess` recorded under each as declined
        recordDecline: ({ payment, signals }) =>
          Effect.gen(function* () {
            const ref =
              options.referenceAmount === undefined ? undefined : yield* options.referenceAmount(payment)
            const at = yield* Clock.currentTimeMillis
            yield* risk.record({
              id: payment.id,
              at,
              amountRef: (ref ?? payment.amount).amount.toString(),
              declined: true,
              ...(payment.customer === undefined ? {} : { customer: payment.customer }),
              ...(signals?.cardFingerprint === undefined ? {} : { card: signals.cardFingerprint }),
              ...(signals?.ip === undefined ? {} : { ip: signals.ip }),
              ...(signals?.deviceId === undefined ? {} : { device: signals.deviceId }),
              ...(signals?.email === undefined ? {} : { email: signals.email }),
              ...(signals?.ipCountry === undefined ? {} : { ipCountry: signals.ipCountry })
            })
          }).pipe(
            Effect.catchTag("VelocityStoreUnavailable", (e) =>
              Effect.fail(new RiskCheck.RiskUnavailable({ reason: e.message }))
            )
          )
      })
    )
  )

/**
 * The adapter for payments in the rule set's reference currency (`layerWith({})`).
 *
 * @example
 * ```ts
 * import { RiskAdapter } from "@paykit/payments/risk"
 * const layer = RiskAdapter.layer // provide @paykit/risk's Risk.layer(...) to it
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<RiskCheck.RiskCheck, never, Risk.Risk> = layerWith({})
