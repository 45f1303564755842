import { Context, type Effect } from "effect"
import type { PayoutProviderUnavailable } from "./errors.ts"
import type * as Payout from "./Payout.ts"

/**
 * What a payout provider answers when a payout is sent, or says later (a webhook, a poll):
 * `accepted` (in transit, with its reference and expected arrival), `paid`, or `failed` with a
 * code from the stable vocabulary.
 *
 * @example
 * ```ts
 * import type { PayoutProvider } from "@paykit/settlement"
 * const answer: PayoutProvider.Answer = { _tag: "accepted", reference: "tr_1" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type Answer =
  | { readonly _tag: "accepted"; readonly reference: string; readonly arrivalDate?: number | undefined }
  | { readonly _tag: "paid"; readonly reference?: string | undefined }
  | { readonly _tag: "failed"; readonly code: Payout.FailureCode }

/**
 * The payout provider port: sends one payout to the merchant's bank (a credit for a positive
 * amount, a debit for a negative one). It must be idempotent on the payout's id: sending the
 * same payout twice pays once.
 *
 * @example
 * ```ts
 * import { PayoutProvider } from "@paykit/settlement"
 * import { Effect, Layer } from "effect"
 * const instant = Layer.succeed(PayoutProvider.PayoutProvider, {
 *   send: (p) => Effect.succeed({ _tag: "paid", reference: p.id })
 * })
 * ```
 * @category services
 * @since 0.1.0
 */
export class PayoutProvider extends Context.Service<
  PayoutProvider,
  { readonly send: (payout: Payout.Payout) => Effect.Effect<Answer, PayoutProviderUnavailable> }
>()("@paykit/settlement/PayoutProvider") {}
