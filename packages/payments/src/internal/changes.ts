import type { DomainEvent } from "@paykit/core"
import type * as Payment from "../Payment.ts"

/** One thing a step did, named by its timeline stage (see `Tracking.Stage`). */
export interface Happened {
  readonly stage: string
  readonly subject: string
  readonly reasonCode?: string | undefined
  readonly reference?: string | undefined
  readonly amount?: { readonly amount: string; readonly currency: string } | undefined
}

const money = (m: { readonly amount: bigint; readonly currency: { readonly code: string } }) => ({
  amount: m.amount.toString(),
  currency: m.currency.code
})

/** The stage a payment's new status is, given how it got there. */
const statusStage = (before: Payment.Payment | undefined, after: Payment.Payment): string | undefined => {
  switch (after.status) {
    case "requires_payment_method":
      return before === undefined ? "created" : after.lastDecline !== undefined ? "declined" : undefined
    case "requires_confirmation":
      return before === undefined ? "created" : "method_attached"
    case "processing":
      return before?.status === "requires_action"
        ? "action_completed"
        : before?.status === "under_review"
          ? "review_approved"
          : "confirmed"
    case "requires_action":
      return "action_required"
    case "under_review":
      return "under_review"
    case "requires_capture":
      return "authorised"
    case "partially_captured":
      return undefined
    case "succeeded":
      return before?.status === "processing" ? "authorised" : undefined
    case "canceled":
      return after.cancellationReason === "expired" ? "expired" : "canceled"
    case "failed":
      return "failed"
  }
}

/**
 * What changed from `before` to `after` (pure): the payment's new status, new captures, a
 * release of the rest, an increment, and every refund that is new or moved. Timeline entries and
 * events are both made from this one list, so they never disagree.
 */
export const changesOf = (before: Payment.Payment | undefined, after: Payment.Payment): Array<Happened> => {
  const out: Array<Happened> = []
  if (before === undefined || before.status !== after.status) {
    const stage = statusStage(before, after)
    if (stage === "created" && after.status === "requires_confirmation") {
      out.push({ stage: "created", subject: after.id, amount: money(after.amount) })
    } else if (stage !== undefined) {
      out.push({
        stage,
        subject: after.id,
        reasonCode:
          stage === "declined" || stage === "failed"
            ? after.lastDecline?.code
            : stage === "under_review"
              ? after.risk?.rules[0]
              : stage === "canceled"
                ? after.cancellationReason
                : undefined,
        reference: stage === "authorised" ? after.providerReference : undefined,
        amount:
          stage === "created" || stage === "authorised"
            ? money(after.authorised.amount > 0n ? after.authorised : after.amount)
            : undefined
      })
    }
  }
  if (before !== undefined && after.increments > before.increments)
    out.push({ stage: "incremented", subject: after.id, amount: money(after.authorised) })
  for (const c of after.captures.slice(before?.captures.length ?? 0))
    out.push({ stage: "captured", subject: c.id, amount: money(c.amount) })
  if (
    before?.status === "partially_captured" &&
    after.status === "succeeded" &&
    after.captures.length === before.captures.length
  )
    out.push({ stage: "remaining_released", subject: after.id })
  const was = new Map((before?.refunds ?? []).map((r) => [r.id, r.status]))
  for (const r of after.refunds) {
    const from = was.get(r.id)
    if (from === r.status) continue
    const stage =
      from === undefined && r.status === "pending"
        ? "refund_requested"
        : from === "succeeded" && r.status === "failed"
          ? "refund_returned"
          : r.status === "requires_action"
            ? "refund_action_required"
            : `refund_${r.status}`
    if (from === undefined && r.status !== "pending")
      out.push({ stage: "refund_requested", subject: r.id, amount: money(r.amount) })
    out.push({
      stage,
      subject: r.id,
      reasonCode: r.status === "failed" ? r.failureReason : undefined,
      reference: r.status === "succeeded" ? r.reference : undefined,
      amount: money(r.amount)
    })
  }
  return out
}

/** The event type of a stage (`payments.payment.<stage>`, `payments.refund.<…>`, `payments.capture.<…>`). */
const eventType = (stage: string): string =>
  stage.startsWith("refund_")
    ? `payments.refund.${stage.slice("refund_".length)}`
    : stage === "captured" || stage === "capture_failed"
      ? `payments.capture.${stage === "captured" ? "succeeded" : "failed"}`
      : `payments.payment.${stage}`

/** The events of a step's changes: one per change, subject the payment (events are ordered per payment). */
export const eventsOf = (
  after: Payment.Payment,
  changes: ReadonlyArray<Happened>,
  at: number
): Array<DomainEvent.Draft> =>
  changes.map((c) => ({
    type: eventType(c.stage),
    subject: after.id,
    at,
    data: {
      paymentId: after.id,
      merchant: after.merchant,
      ...(after.customer === undefined ? {} : { customer: after.customer }),
      status: after.status,
      ...(c.subject === after.id ? {} : { objectId: c.subject }),
      ...(c.amount === undefined ? {} : { amount: c.amount }),
      ...(c.reasonCode === undefined ? {} : { reasonCode: c.reasonCode }),
      ...(c.reference === undefined ? {} : { reference: c.reference }),
      authorised: money(after.authorised),
      captured: money(after.captured),
      refunded: money(after.refunded)
    }
  }))
