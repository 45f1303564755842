import { UnknownEventType } from "./errors.ts"

/**
 * The event types paykit's packages emit, the default catalogue an endpoint's filter is checked
 * against. Add your own with `[...EventTypes.paykit, "orders.order.shipped"]`.
 *
 * @example
 * ```ts
 * import { EventTypes } from "@paykit/notify-webhook"
 * EventTypes.paykit.includes("payments.refund.succeeded") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const paykit: ReadonlyArray<string> = [
  "accounts.account.activated",
  "accounts.account.closed",
  "accounts.account.registered",
  "accounts.account.reinstated",
  "accounts.account.rejected",
  "accounts.account.restricted",
  "accounts.account.restriction_lifted",
  "accounts.account.suspended",
  "accounts.account.withdrawn",
  "accounts.api_key.created",
  "accounts.api_key.revoked",
  "accounts.api_key.rolled",
  "accounts.capabilities.requested",
  "accounts.member.invited",
  "accounts.member.removed",
  "accounts.member.roles_changed",
  "accounts.owner.transferred",
  "accounts.person.added",
  "accounts.person.removed",
  "accounts.profile.updated",
  "accounts.requirements.updated",
  "accounts.verification.updated",
  "fx.quote.executed",
  "fx.quote.locked",
  "ledger.account.closed",
  "ledger.account.created",
  "ledger.entry.posted",
  "ledger.hold.created",
  "ledger.hold.expired",
  "ledger.hold.posted",
  "ledger.hold.voided",
  "payments.payment.created",
  "payments.payment.declined",
  "payments.payment.method_attached",
  "payments.payment.action_completed",
  "payments.payment.review_approved",
  "payments.payment.confirmed",
  "payments.payment.action_required",
  "payments.payment.under_review",
  "payments.payment.authorised",
  "payments.payment.expired",
  "payments.payment.canceled",
  "payments.payment.failed",
  "payments.payment.incremented",
  "payments.payment.remaining_released",
  "payments.capture.succeeded",
  "payments.capture.failed",
  "payments.refund.requested",
  "payments.refund.returned",
  "payments.refund.action_required",
  "payments.refund.pending",
  "payments.refund.succeeded",
  "payments.refund.failed",
  "payments.refund.canceled",
  "risk.alert.raised",
  "risk.freeze.recommended",
  "settlement.payout.created",
  "settlement.payout.in_transit",
  "settlement.payout.paid",
  "settlement.payout.failed",
  "settlement.payout.canceled",
  "settlement.reserve.released",
  "settlement.run.completed",
  "webhooks.endpoint.created",
  "webhooks.endpoint.updated",
  "webhooks.endpoint.deprecated",
  "webhooks.endpoint.disabled",
  "webhooks.endpoint.enabled",
  "webhooks.endpoint.secret_rotated",
  "webhooks.delivery.failed"
]

/**
 * Checks an endpoint filter against the catalogue: each entry is `"*"`, a type in the catalogue,
 * or `"<prefix>.*"` matching at least one. Answers the first unknown entry.
 *
 * @example
 * ```ts
 * import { EventTypes } from "@paykit/notify-webhook"
 * EventTypes.checkFilter(["payments.refund.*"], EventTypes.paykit) // undefined
 * ```
 * @category guards
 * @since 0.1.0
 */
export const checkFilter = (
  filter: ReadonlyArray<string>,
  catalogue: ReadonlyArray<string>
): UnknownEventType | undefined => {
  for (const f of filter) {
    if (f === "*") continue
    if (f.endsWith(".*") ? catalogue.some((t) => t.startsWith(f.slice(0, -1))) : catalogue.includes(f))
      continue
    const stem = f.replace(/\.\*$/, "")
    const suggestion = catalogue.find(
      (t) => t.startsWith(stem.slice(0, Math.max(1, stem.lastIndexOf(".") + 1))) && near(t, stem)
    )
    return new UnknownEventType(suggestion === undefined ? { eventType: f } : { eventType: f, suggestion })
  }
  return undefined
}

/** At most two edits apart (a typo). */
const near = (a: string, b: string): boolean => {
  if (Math.abs(a.length - b.length) > 2) return false
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (cur[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      )
    prev = cur
  }
  return (prev[b.length] ?? 99) <= 2
}
