import { Schema } from "effect"

/**
 * No payout with this id. Nothing changed.
 *
 * @example
 * ```ts
 * import { PayoutNotFound } from "@paykit/settlement"
 * new PayoutNotFound({ payoutId: "po:m_1:EUR:0" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class PayoutNotFound extends Schema.TaggedError<PayoutNotFound>()("PayoutNotFound", {
  payoutId: Schema.String
}) {
  override get message(): string {
    return `no payout ${this.payoutId}; check the id (a run returns the payout it created)`
  }
}

/**
 * The ledger refused the entry a settlement step needs (a merchant, reserve or payout bank
 * account that was never opened, a currency mismatch). Nothing changed: the step's ledger
 * entry and its records are all or nothing.
 *
 * @example
 * ```ts
 * import { SettlementRefused } from "@paykit/settlement"
 * new SettlementRefused({ operation: "run", reason: "AccountNotFound: merchant:m_1:reserve:EUR" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class SettlementRefused extends Schema.TaggedError<SettlementRefused>()("SettlementRefused", {
  operation: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.operation}: the ledger refused the entry (${this.reason}); open the accounts it names (ChartOfAccounts.merchantAccounts, settlementBank) and retry; nothing was changed`
  }
}

/**
 * The payout provider did not answer (a timeout, a network error, an outage). The payout stays
 * as it was; send it again later.
 *
 * @example
 * ```ts
 * import { PayoutProviderUnavailable } from "@paykit/settlement"
 * new PayoutProviderUnavailable({ payoutId: "po_1", reason: "timeout" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class PayoutProviderUnavailable extends Schema.TaggedError<PayoutProviderUnavailable>()(
  "PayoutProviderUnavailable",
  { payoutId: Schema.String, reason: Schema.String }
) {
  override get message(): string {
    return `the payout provider did not answer for ${this.payoutId} (${this.reason}); the payout is unchanged: send it again later`
  }
}

/**
 * The step is not allowed in the payout's status (a paid payout canceled, a failed one sent).
 * Nothing changed.
 *
 * @example
 * ```ts
 * import { PayoutStatusConflict } from "@paykit/settlement"
 * new PayoutStatusConflict({ payoutId: "po_1", status: "paid", step: "canceled" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class PayoutStatusConflict extends Schema.TaggedError<PayoutStatusConflict>()("PayoutStatusConflict", {
  payoutId: Schema.String,
  status: Schema.String,
  step: Schema.String
}) {
  override get message(): string {
    return `payout ${this.payoutId} is ${this.status}: ${this.step} is not allowed from there; nothing was changed`
  }
}
