import { InvalidInput, Money, StateMachine } from "@paykit/core"
import { Result } from "effect"
import * as Decline from "./Decline.ts"
import { AmountExceeded, LimitReached, RefundNotFound } from "./errors.ts"
import type * as Payment from "./Payment.ts"
import * as Refund from "./Refund.ts"
import * as Status from "./Status.ts"

/**
 * The limits a payment keeps: authorisation increments (default 10, as card schemes allow
 * several incremental authorisations), captures (default 50) and refunds (default 100).
 *
 * @example
 * ```ts
 * import type { Steps } from "@paykit/payments"
 * const strict: Steps.Limits = { increments: 3, captures: 10, refunds: 20 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Limits {
  readonly increments: number
  readonly captures: number
  readonly refunds: number
}

/**
 * The default limits.
 *
 * @example
 * ```ts
 * import { Steps } from "@paykit/payments"
 * Steps.DEFAULT_LIMITS.increments // 10
 * ```
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_LIMITS: Limits = { increments: 10, captures: 50, refunds: 100 }

/**
 * What a step can refuse: an illegal move of the payment or a refund, an amount above what is
 * available, a limit reached, an unknown refund, or input that does not fit the payment (another
 * currency, a `final: false` capture on a single-capture payment).
 *
 * @category errors
 * @since 0.1.0
 */
export type StepError =
  | StateMachine.IllegalTransition
  | AmountExceeded
  | LimitReached
  | RefundNotFound
  | InvalidInput

const NO_MOVE = { automatic: false, closes: false } satisfies Status.Context

/** The payment after a move by the machine, or the machine's refusal (pure). */
const move = (
  p: Payment.Payment,
  command: Status.Command,
  actor: Status.Actor,
  now: number,
  patch: Partial<Payment.Payment> = {},
  context: Status.Context = NO_MOVE
): Result.Result<Payment.Payment, StepError> =>
  Result.map(Status.machine.transition(p.status, command, actor, context), (status) => ({
    ...p,
    ...patch,
    status,
    version: p.version + 1,
    updatedAt: now
  }))

/**
 * An amount given on the typed path (plain TypeScript, no schema): a positive bigint, else
 * `InvalidInput` naming it, so a negative or zero amount never reaches the payment.
 */
const positive = (operation: string, amount: unknown): Result.Result<bigint, InvalidInput> =>
  typeof amount === "bigint" && amount > 0n
    ? Result.succeed(amount)
    : Result.fail(
        new InvalidInput({
          operation,
          path: "amount",
          reason: "expected an amount greater than zero (minor units, a bigint)"
        })
      )

/** An optional amount (omitted: all that is available), positive when given. */
const optionalPositive = (operation: string, amount: unknown): Result.Result<unknown, InvalidInput> =>
  amount === undefined ? Result.succeed(undefined) : positive(operation, amount)

/** A decline code from the vocabulary, else `InvalidInput` naming `code`. */
const known = (operation: string, code: unknown): Result.Result<Decline.Code, InvalidInput> =>
  typeof code === "string" && Object.hasOwn(Decline.VOCABULARY, code)
    ? Result.succeed(code as Decline.Code)
    : Result.fail(
        new InvalidInput({ operation, path: "code", reason: "expected a decline code of Decline.Code" })
      )

/** A step the machine has no row for, refused with the reason (pure). */
const illegal = (p: Payment.Payment, command: string, reason: string) =>
  new StateMachine.IllegalTransition({
    machine: "payment",
    from: p.status,
    command,
    actor: "merchant",
    reason
  })

/**
 * A new payment from a decoded `Payment.CreateInput`: `requires_confirmation` when a payment
 * method is given, else `requires_payment_method`; nothing authorised, captured or refunded. On
 * the typed path an amount that is not positive `Money` is `InvalidInput` naming `amount`.
 *
 * @example
 * ```ts
 * import { Steps } from "@paykit/payments"
 * import { Money, Currency } from "@paykit/core"
 * const p = Steps.create({ id: "pay_1", merchant: "acct_1", amount: Money.fromMinorUnsafe(1999n, Currency.EUR), captureMethod: "manual" }, 0)
 * // Success({ status: "requires_payment_method", … })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const create = (
  input: typeof Payment.CreateInput.Type,
  now: number
): Result.Result<Payment.Payment, InvalidInput> => {
  if (!(input.amount instanceof Money.Money) || input.amount.amount <= 0n)
    return Result.fail(
      new InvalidInput({ operation: "create", path: "amount", reason: "expected Money greater than zero" })
    )
  if (!["automatic", "manual", "manual_multiple"].includes(input.captureMethod))
    return Result.fail(
      new InvalidInput({
        operation: "create",
        path: "captureMethod",
        reason: "expected automatic, manual or manual_multiple"
      })
    )
  const none = Money.zero(input.amount.currency)
  return Result.succeed({
    id: input.id,
    merchant: input.merchant,
    ...(input.customer === undefined ? {} : { customer: input.customer }),
    ...(input.paymentMethod === undefined ? {} : { paymentMethod: input.paymentMethod }),
    amount: input.amount,
    captureMethod: input.captureMethod,
    ...(input.settlementCurrency === undefined || input.settlementCurrency === input.amount.currency.code
      ? {}
      : { settlementCurrency: input.settlementCurrency }),
    status: input.paymentMethod === undefined ? "requires_payment_method" : "requires_confirmation",
    authorised: none,
    captured: none,
    refunded: none,
    increments: 0,
    captures: [],
    refunds: [],
    metadata: input.metadata ?? {},
    createdAt: now,
    updatedAt: now,
    version: 1
  })
}

/**
 * The customer chose a payment method (a token reference): ready to confirm. A method the
 * provider declined for good (a hard decline: lost, stolen, fraud, expired) is refused
 * (`InvalidInput` at `paymentMethod`): card schemes fine retries of those.
 *
 * @example
 * ```ts
 * import { Steps } from "@paykit/payments"
 * declare const p: import("@paykit/payments").Payment.Payment
 * Steps.attachMethod(p, "pm_card_visa", Date.now())
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const attachMethod = (
  p: Payment.Payment,
  paymentMethod: string,
  now: number
): Result.Result<Payment.Payment, StepError> =>
  p.status === "requires_payment_method" &&
  p.lastDecline?.hard === true &&
  p.lastDecline.paymentMethod === paymentMethod
    ? Result.fail(
        new InvalidInput({
          operation: "attachMethod",
          path: "paymentMethod",
          reason: `this method was declined for good (${p.lastDecline.code}): ask the customer for another one`
        })
      )
    : move(p, "attach_method", "merchant", now, { paymentMethod })

/**
 * The merchant confirms: the payment goes to the provider (`processing`).
 *
 * @example
 * ```ts
 * import { Steps } from "@paykit/payments"
 * declare const p: import("@paykit/payments").Payment.Payment
 * Steps.confirm(p, Date.now())
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const confirm = (p: Payment.Payment, now: number) => move(p, "confirm", "merchant", now)

/**
 * The platform's risk check asks for a review before authorising (`under_review`).
 *
 * @example
 * ```ts
 * import { Steps } from "@paykit/payments"
 * declare const p: import("@paykit/payments").Payment.Payment
 * Steps.holdForReview(p, Date.now())
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const holdForReview = (p: Payment.Payment, now: number) => move(p, "hold_for_review", "system", now)

/**
 * An operator approves a payment under review: it goes on to the provider.
 *
 * @example
 * ```ts
 * import { Steps } from "@paykit/payments"
 * declare const p: import("@paykit/payments").Payment.Payment
 * Steps.approveReview(p, Date.now())
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const approveReview = (p: Payment.Payment, now: number) => move(p, "approve_review", "operator", now)

/**
 * The provider asks for the customer's action (3-D Secure), or reports it done.
 *
 * @example
 * ```ts
 * import { Steps } from "@paykit/payments"
 * declare const p: import("@paykit/payments").Payment.Payment
 * Steps.requireAction(p, Date.now())
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const requireAction = (p: Payment.Payment, now: number) => move(p, "require_action", "provider", now)

/**
 * The customer completed the action the provider asked for: back to `processing`.
 *
 * @example
 * ```ts
 * import { Steps } from "@paykit/payments"
 * declare const p: import("@paykit/payments").Payment.Payment
 * Steps.completeAction(p, Date.now())
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const completeAction = (p: Payment.Payment, now: number) => move(p, "complete_action", "provider", now)

/**
 * The provider authorised the amount: `requires_capture` (manual capture), or `succeeded` with
 * the whole amount captured at once (automatic capture, one final capture
 * `<payment id>:capture:1`).
 *
 * @example
 * ```ts
 * import { Steps } from "@paykit/payments"
 * declare const p: import("@paykit/payments").Payment.Payment
 * Steps.authorise(p, Date.now())
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const authorise = (p: Payment.Payment, now: number) => {
  const automatic = p.captureMethod === "automatic"
  const { lastDecline: _cleared, ...rest } = p
  return move(
    rest,
    "authorise",
    "provider",
    now,
    automatic
      ? {
          authorised: p.amount,
          captured: p.amount,
          captures: [{ id: `${p.id}:capture:1`, amount: p.amount, final: true, at: now }]
        }
      : { authorised: p.amount },
    { automatic, closes: automatic }
  )
}

/**
 * The provider declined: back to `requires_payment_method` with the decline, its recommended
 * action (`Decline.of`) and the method it declined, so the customer can try again — with the same
 * method after a soft decline, with another after a hard one.
 *
 * @example
 * ```ts
 * import { Steps } from "@paykit/payments"
 * declare const p: import("@paykit/payments").Payment.Payment
 * Steps.decline(p, "insufficient_funds", Date.now())
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const decline = (p: Payment.Payment, code: Decline.Code, now: number) =>
  Result.flatMap(known("decline", code), (c) => {
    const { paymentMethod, ...rest } = p
    return move(rest, "decline", "provider", now, {
      lastDecline: { ...Decline.of(c), ...(paymentMethod === undefined ? {} : { paymentMethod }) }
    })
  })

/**
 * The payment failed for good: the provider's final answer, or the platform's risk check blocked
 * it (`blocked_by_risk`, by `system`).
 *
 * @example
 * ```ts
 * import { Steps } from "@paykit/payments"
 * declare const p: import("@paykit/payments").Payment.Payment
 * Steps.fail(p, "blocked_by_risk", "system", Date.now())
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const fail = (p: Payment.Payment, code: Decline.Code, actor: "provider" | "system", now: number) =>
  Result.flatMap(known("fail", code), (c) => move(p, "fail", actor, now, { lastDecline: Decline.of(c) }))

const exceeded = (operation: string, field: string, requested: bigint, available: Money.Money) =>
  new AmountExceeded({
    operation,
    field,
    requested: requested.toString(),
    available: available.amount.toString(),
    currency: available.currency.code
  })

/**
 * Raises the authorised amount while it is capturable (`requires_capture`, or
 * `partially_captured`: an incremental authorisation for a tip, a longer stay, a split shipment),
 * at most `limits.increments` times.
 *
 * @example
 * ```ts
 * import { Steps } from "@paykit/payments"
 * declare const p: import("@paykit/payments").Payment.Payment
 * Steps.increment(p, { amount: 300n }, Date.now())
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const increment = (
  p: Payment.Payment,
  input: typeof Payment.IncrementInput.Type,
  now: number,
  limits: Limits = DEFAULT_LIMITS
): Result.Result<Payment.Payment, StepError> => {
  const by = positive("increment", input.amount)
  if (Result.isFailure(by)) return Result.fail(by.failure)
  if (p.status !== "requires_capture" && p.status !== "partially_captured")
    return Result.fail(illegal(p, "increment", "an authorisation is incremented only while it is capturable"))
  if (p.increments >= limits.increments)
    return Result.fail(
      new LimitReached({ operation: "increment", what: "authorisation increments", limit: limits.increments })
    )
  const authorised = Money.fromMinor(p.authorised.amount + by.success, p.amount.currency)
  if (Result.isFailure(authorised))
    return Result.fail(
      new InvalidInput({ operation: "increment", path: "amount", reason: authorised.failure.message })
    )
  return Result.succeed({
    ...p,
    authorised: authorised.success,
    increments: p.increments + 1,
    version: p.version + 1,
    updatedAt: now
  })
}

/**
 * Captures `amount` (default: all that is capturable) from the authorisation. A `manual`
 * payment captures once, and that capture is final (capturing less releases the rest); a
 * `manual_multiple` payment captures until a capture marked `final` or one that takes all that
 * is left. The capture's id is `<payment id>:capture:<n>`.
 *
 * @example
 * ```ts
 * import { Steps } from "@paykit/payments"
 * declare const p: import("@paykit/payments").Payment.Payment
 * Steps.capture(p, { amount: 500n, final: false }, Date.now())
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const capture = (
  p: Payment.Payment,
  input: typeof Payment.CaptureInput.Type,
  now: number,
  limits: Limits = DEFAULT_LIMITS
): Result.Result<Payment.Payment, StepError> => {
  const given = optionalPositive("capture", input.amount)
  if (Result.isFailure(given)) return Result.fail(given.failure)
  const available = p.authorised.amount - p.captured.amount
  const waiting = p.status === "requires_capture" || p.status === "partially_captured"
  // nothing to capture from: the machine's refusal, before any amount is computed
  if (!waiting) return move(p, "capture", "merchant", now, {}, { automatic: false, closes: true })
  const amount = input.amount ?? available
  if (waiting && p.captureMethod === "manual" && input.final === false)
    return Result.fail(
      new InvalidInput({
        operation: "capture",
        path: "final",
        reason: "a manual payment captures once; use captureMethod manual_multiple for several captures"
      })
    )
  if (waiting && amount > available)
    return Result.fail(
      exceeded("capture", "amount", amount, Money.fromMinorUnsafe(available, p.amount.currency))
    )
  if (waiting && p.captures.length >= limits.captures)
    return Result.fail(new LimitReached({ operation: "capture", what: "captures", limit: limits.captures }))
  const closes = p.captureMethod !== "manual_multiple" || input.final !== false || amount === available
  const money = Money.fromMinorUnsafe(amount, p.amount.currency)
  const n = p.captures.length + 1
  return move(
    p,
    "capture",
    "merchant",
    now,
    {
      captured: Money.fromMinorUnsafe(p.captured.amount + amount, p.amount.currency),
      captures: [...p.captures, { id: `${p.id}:capture:${n}`, amount: money, final: closes, at: now }]
    },
    { automatic: false, closes }
  )
}

/**
 * Ends a multiple capture without another capture: the rest of the authorisation is released
 * and the payment is `succeeded` with what was captured.
 *
 * @example
 * ```ts
 * import { Steps } from "@paykit/payments"
 * declare const p: import("@paykit/payments").Payment.Payment
 * Steps.releaseRemaining(p, "merchant", Date.now())
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const releaseRemaining = (p: Payment.Payment, actor: "merchant" | "system", now: number) =>
  move(p, "release_remaining", actor, now)

/**
 * Cancels (voids) a payment before any capture: the whole authorisation, if any, is released,
 * no fee. After a capture, refund instead.
 *
 * @example
 * ```ts
 * import { Steps } from "@paykit/payments"
 * declare const p: import("@paykit/payments").Payment.Payment
 * Steps.cancel(p, "requested_by_customer", "merchant", Date.now())
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const cancel = (
  p: Payment.Payment,
  reason: Exclude<Payment.CancellationReason, "expired">,
  actor: "merchant" | "operator",
  now: number
) => move(p, "cancel", actor, now, { cancellationReason: reason })

/**
 * The authorisation window ran out (the platform's scheduler): an uncaptured payment is canceled
 * (`expired`); a partially captured one keeps what it captured and is `succeeded`.
 *
 * @example
 * ```ts
 * import { Steps } from "@paykit/payments"
 * declare const p: import("@paykit/payments").Payment.Payment
 * Steps.expire(p, Date.now())
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const expire = (p: Payment.Payment, now: number) =>
  move(p, "expire", "system", now, p.status === "requires_capture" ? { cancellationReason: "expired" } : {})

/**
 * Opens a refund of `amount` (default: all that is refundable) on a payment that captured money
 * (`succeeded`, or `partially_captured`): at most the captured amount less what is refunded and
 * what open refunds hold. The refund is `pending` until the provider answers; its id is
 * `<payment id>:refund:<n>`.
 *
 * @example
 * ```ts
 * import { Steps } from "@paykit/payments"
 * declare const p: import("@paykit/payments").Payment.Payment
 * Steps.refund(p, { amount: 250n, reason: "requested_by_customer" }, Date.now())
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const refund = (
  p: Payment.Payment,
  input: { readonly amount?: bigint | undefined; readonly reason: Refund.Reason },
  now: number,
  limits: Limits = DEFAULT_LIMITS
): Result.Result<Payment.Payment, StepError> => {
  const given = optionalPositive("refund", input.amount)
  if (Result.isFailure(given)) return Result.fail(given.failure)
  if (p.status !== "succeeded" && p.status !== "partially_captured")
    return Result.fail(illegal(p, "refund", "only a payment that captured money can be refunded"))
  const open = p.refunds.reduce((s, r) => (Refund.isOpen(r) ? s + r.amount.amount : s), 0n)
  const available = p.captured.amount - p.refunded.amount - open
  const amount = input.amount ?? available
  if (amount <= 0n || amount > available)
    return Result.fail(
      exceeded("refund", "amount", amount, Money.fromMinorUnsafe(available, p.amount.currency))
    )
  if (p.refunds.length >= limits.refunds)
    return Result.fail(new LimitReached({ operation: "refund", what: "refunds", limit: limits.refunds }))
  const r: Refund.Refund = {
    id: `${p.id}:refund:${p.refunds.length + 1}`,
    amount: Money.fromMinorUnsafe(amount, p.amount.currency),
    reason: input.reason,
    status: "pending",
    createdAt: now,
    updatedAt: now
  }
  return Result.succeed({ ...p, refunds: [...p.refunds, r], version: p.version + 1, updatedAt: now })
}

/**
 * The provider's answer about a refund: its new status (by `Refund.machine`), the acquirer
 * reference number on success, the reason on failure; a succeeded refund adds to the payment's
 * refunded amount, a failed or canceled one gives its amount back to what is refundable (a refund
 * that fails after it succeeded — the bank returned it — takes it back out of `refunded`).
 *
 * @example
 * ```ts
 * import { Steps } from "@paykit/payments"
 * declare const p: import("@paykit/payments").Payment.Payment
 * Steps.refundOutcome(p, `${p.id}:refund:1`, { _tag: "succeeded", reference: "74537604221431003881865" }, Date.now())
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const refundOutcome = (
  p: Payment.Payment,
  refundId: string,
  outcome: Refund.Outcome,
  now: number
): Result.Result<Payment.Payment, StepError> => {
  const r = p.refunds.find((x) => x.id === refundId)
  if (r === undefined) return Result.fail(new RefundNotFound({ paymentId: p.id, refundId }))
  return Result.map(Refund.machine.transition(r.status, outcome._tag), (status) => {
    const next: Refund.Refund = {
      ...r,
      status,
      ...(outcome._tag === "succeeded" && outcome.reference !== undefined
        ? { reference: outcome.reference }
        : {}),
      ...(outcome._tag === "failed" ? { failureReason: outcome.reason } : {}),
      updatedAt: now
    }
    return {
      ...p,
      refunds: p.refunds.map((x) => (x.id === refundId ? next : x)),
      refunded:
        status === "succeeded"
          ? Money.fromMinorUnsafe(p.refunded.amount + r.amount.amount, p.amount.currency)
          : r.status === "succeeded"
            ? Money.fromMinorUnsafe(p.refunded.amount - r.amount.amount, p.amount.currency)
            : p.refunded,
      version: p.version + 1,
      updatedAt: now
    }
  })
}

/**
 * Reverses a payment before it settles (Adyen's cancel-or-refund, 冲正): an authorisation not
 * yet captured is canceled (`reversed`, the hold released, no fee); a payment that captured
 * money releases what is left of the authorisation and refunds everything still refundable
 * (a refund with reason `reversal`, whose fees the books return). A payment settles
 * `windowMillis` after its first capture; after that it is refunded, not reversed
 * (`IllegalTransition`). Nothing left to refund is `IllegalTransition` too.
 *
 * @example
 * ```ts
 * import { Steps } from "@paykit/payments"
 * declare const p: import("@paykit/payments").Payment.Payment
 * Steps.reverse(p, Date.now(), 86_400_000)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const reverse = (
  p: Payment.Payment,
  now: number,
  windowMillis: number,
  limits: Limits = DEFAULT_LIMITS
): Result.Result<Payment.Payment, StepError> => {
  const first = p.captures[0]
  if (first === undefined) return cancel(p, "reversed", "merchant", now)
  if (now >= first.at + windowMillis)
    return Result.fail(
      illegal(
        p,
        "reverse",
        "the payment has settled (its first capture is past the reversal window): refund it"
      )
    )
  const released =
    p.status === "partially_captured" ? releaseRemaining(p, "merchant", now) : Result.succeed(p)
  return Result.flatMap(released, (q) => {
    const open = q.refunds.reduce((s, r) => (Refund.isOpen(r) ? s + r.amount.amount : s), 0n)
    return q.captured.amount - q.refunded.amount - open <= 0n
      ? Result.fail(illegal(p, "reverse", "everything captured is refunded or being refunded already"))
      : refund(q, { reason: "reversal" }, now, limits)
  })
}
