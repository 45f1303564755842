import { Effect, Layer } from "effect"
import { PayoutProviderUnavailable } from "../errors.ts"
import type * as Payout from "../Payout.ts"
import * as PayoutProvider from "../PayoutProvider.ts"

/**
 * What the fake payout provider answers for one payout: accept it (in transit), pay it at once,
 * fail it with a code, or not answer (`unavailable`).
 *
 * @example
 * ```ts
 * import type { TestPayoutProvider } from "@paykit/settlement/testing"
 * const script: TestPayoutProvider.Script = (p) => (p.amount > 1_000_000n ? { _tag: "failed", code: "declined" } : { _tag: "accepted" })
 * ```
 * @category models
 * @since 0.1.0
 */
export type Script = (
  payout: Payout.Payout
) =>
  | { readonly _tag: "accepted" }
  | { readonly _tag: "paid" }
  | { readonly _tag: "failed"; readonly code: Payout.FailureCode }
  | { readonly _tag: "unavailable" }

/**
 * An in-memory payout provider with scripted outcomes (default: every payout accepted, in
 * transit, reference `tr_<payout id>`, arriving a day later). Idempotent on the payout id, as
 * the port requires: a payout sent twice gets its first answer again.
 *
 * @example
 * ```ts
 * import { TestPayoutProvider } from "@paykit/settlement/testing"
 * const provider = TestPayoutProvider.layer((p) => (p.merchant === "m_closed" ? { _tag: "failed", code: "account_closed" } : { _tag: "accepted" }))
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layer = (
  script: Script = () => ({ _tag: "accepted" })
): Layer.Layer<PayoutProvider.PayoutProvider> =>
  Layer.sync(PayoutProvider.PayoutProvider, () => {
    const answered = new Map<string, PayoutProvider.Answer>()
    return PayoutProvider.PayoutProvider.of({
      send: (p) =>
        Effect.suspend(() => {
          const before = answered.get(p.id)
          if (before !== undefined) return Effect.succeed(before)
          const s = script(p)
          if (s._tag === "unavailable")
            return Effect.fail(new PayoutProviderUnavailable({ payoutId: p.id, reason: "scripted outage" }))
          const answer: PayoutProvider.Answer =
            s._tag === "accepted"
              ? { _tag: "accepted", reference: `tr_${p.id}`, arrivalDate: p.createdAt + 86_400_000 }
              : s._tag === "paid"
                ? { _tag: "paid", reference: `tr_${p.id}` }
                : { _tag: "failed", code: s.code }
          answered.set(p.id, answer)
          return Effect.succeed(answer)
        })
    })
  })
