import { InvalidInput, Input } from "@paykit/core"
import { Currency, Money } from "@paykit/core/schema"
import { Result, Schema } from "effect"
import * as Decline from "./Decline.ts"
import { CATALOGUE as MESSAGES, DECLINE_MESSAGES_ZH as DECLINE_ZH } from "./internal/catalogue.ts"
import * as codes from "./ReasonCodes.ts"

/**
 * Where a payment, a capture or a refund stands, as its timeline records it (one entry per
 * stage reached). Payment stages follow the payment machine's commands (`Status.COMMANDS`);
 * capture stages add an asynchronous capture (`capture_requested`) and its outcome; refund stages
 * follow the refund machine, with `refund_returned` for a refund that succeeded and later failed
 * (the customer's bank sent it back).
 *
 * @example
 * ```ts
 * import { Tracking } from "@paykit/payments"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Tracking.Stage)("refund_succeeded")
 * ```
 * @category models
 * @since 0.1.0
 */
export const Stage = Schema.Literals([
  "created",
  "method_attached",
  "confirmed",
  "action_required",
  "action_completed",
  "under_review",
  "review_approved",
  "authorised",
  "declined",
  "failed",
  "incremented",
  "canceled",
  "expired",
  "capture_requested",
  "captured",
  "capture_failed",
  "remaining_released",
  "refund_requested",
  "refund_pending",
  "refund_action_required",
  "refund_succeeded",
  "refund_failed",
  "refund_canceled",
  "refund_returned"
])

/**
 * A stage of a timeline.
 *
 * @example
 * ```ts
 * import type { Tracking } from "@paykit/payments"
 * const s: Tracking.Stage = "captured"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Stage = typeof Stage.Type

/**
 * How an entry was learnt: the platform's own API call (`api`), the provider's `webhook`, a
 * `poll` of the provider, or `reconciliation` against a settlement or bank file.
 *
 * @example
 * ```ts
 * import { Tracking } from "@paykit/payments"
 * Tracking.Source.literals // ["api", "webhook", "poll", "reconciliation"]
 * ```
 * @category models
 * @since 0.1.0
 */
export const Source = Schema.Literals(["api", "webhook", "poll", "reconciliation"])

/**
 * A source of an entry.
 *
 * @example
 * ```ts
 * import type { Tracking } from "@paykit/payments"
 * const s: Tracking.Source = "webhook"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Source = typeof Source.Type

/**
 * One entry of a timeline: the subject (the payment, capture or refund id), the stage reached,
 * when (epoch milliseconds), how it was learnt, and optionally the provider's reason code (a
 * `Decline.Code`, a refund failure reason, a payout failure code, a SEPA R-code, a gpi status
 * such as `"ACSP/G002"`), a reference a customer can give their bank (an acquirer reference
 * number, a UETR) and the amount concerned (positive minor units as a string, an ISO 4217 code;
 * for `incremented`, the new authorised total).
 * The decoded form is the encoded form: entries are plain JSON.
 *
 * @example
 * ```ts
 * import { Tracking } from "@paykit/payments"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Tracking.Entry)({
 *   subject: "pay_1:refund:1", stage: "refund_succeeded", at: 1767225600000, source: "webhook",
 *   reference: "74537604221431003881865", amount: { amount: "2500", currency: "EUR" }
 * })
 * ```
 * @category models
 * @since 0.1.0
 */
export const Entry = Schema.Struct({
  subject: Schema.String.check(
    Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/, {
      message: "expected 1 to 200 letters, digits, '_', '.', ':' or '-', starting with a letter or digit"
    })
  ),
  stage: Stage,
  at: Schema.Number.check(
    Schema.isInt(),
    Schema.isBetween({ minimum: 0, maximum: 8.64e15 }, { message: "expected epoch milliseconds" })
  ),
  source: Source,
  reasonCode: Schema.optionalKey(
    Schema.String.check(
      Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9_./-]{0,63}$/, { message: "expected a reason code" })
    )
  ),
  reference: Schema.optionalKey(
    Schema.String.check(
      Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9_./:-]{0,99}$/, {
        message: "expected 1 to 100 letters, digits, '_', '.', '/', ':' or '-'"
      })
    )
  ),
  amount: Schema.optionalKey(
    Schema.Struct({
      amount: Schema.String.check(
        Schema.isPattern(/^[1-9]\d{0,38}$/, { message: 'expected positive minor units such as "1999"' })
      ),
      currency: Currency.Code
    })
  )
})

/**
 * An entry of a timeline.
 *
 * @example
 * ```ts
 * import type { Tracking } from "@paykit/payments"
 * const e: Tracking.Entry = { subject: "pay_1", stage: "created", at: 0, source: "api" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type Entry = typeof Entry.Type

/**
 * A timeline: entries in the order they were appended, for one subject or many. Entries of one
 * subject never go back in time.
 *
 * @example
 * ```ts
 * import type { Tracking } from "@paykit/payments"
 * const empty: Tracking.Timeline = []
 * ```
 * @category models
 * @since 0.1.0
 */
export type Timeline = ReadonlyArray<Entry>

const decodeEntry = Input.decodeResult("append", Entry)

/**
 * The timeline with one more entry, as a new array: the timeline given is never changed. The
 * entry is decoded (a caller without types is checked too; unknown keys are refused); one that
 * does not decode, or whose `at` is before the last entry of the same subject, is refused with
 * `InvalidInput` naming the field (entries at the same time are kept in the order appended).
 *
 * @example
 * ```ts
 * import { Tracking } from "@paykit/payments"
 * const t = Tracking.append([], { subject: "pay_1", stage: "created", at: 1000, source: "api" })
 * // Success([{ subject: "pay_1", stage: "created", at: 1000, source: "api" }])
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const append = (timeline: Timeline, entry: Entry): Result.Result<Timeline, InvalidInput> => {
  const decoded = decodeEntry(entry)
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure)
  const e = decoded.success
  const last = timeline.findLast((x) => x.subject === e.subject)
  if (last !== undefined && e.at < last.at)
    return Result.fail(
      new InvalidInput({
        operation: "append",
        path: "at",
        reason: `${e.at} is before the last entry of ${e.subject} (${last.at}): a timeline only grows forward`
      })
    )
  return Result.succeed([...timeline, e])
}

/**
 * A language of the customer view: English or Simplified Chinese.
 *
 * @example
 * ```ts
 * import { Tracking } from "@paykit/payments"
 * Tracking.Locale.literals // ["en", "zh"]
 * ```
 * @category models
 * @since 0.1.0
 */
export const Locale = Schema.Literals(["en", "zh"])

/**
 * A locale.
 *
 * @example
 * ```ts
 * import type { Tracking } from "@paykit/payments"
 * const l: Tracking.Locale = "zh"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Locale = typeof Locale.Type

/**
 * The customer message catalogue: every stage's plain label and detail template, in every
 * locale. Templates fill `{amount}`, `{reference}`, `{reason}` and `{days}`; a part in square
 * brackets is kept only when all its placeholders have a value (`"Your refund[ of {amount}] was
 * sent"`).
 *
 * @example
 * ```ts
 * import { Tracking } from "@paykit/payments"
 * Tracking.CATALOGUE.refund_succeeded.zh.label // "退款已发送至您的银行"
 * ```
 * @category models
 * @since 0.1.0
 */
export const CATALOGUE: {
  readonly [S in Stage]: { readonly [L in Locale]: { readonly label: string; readonly detail: string } }
} = MESSAGES

/**
 * The Chinese customer message of every decline code (the English one is
 * `Decline.VOCABULARY[code].customerMessage`); lost, stolen and fraud read as a generic decline.
 *
 * @example
 * ```ts
 * import { Tracking } from "@paykit/payments"
 * Tracking.DECLINE_MESSAGES_ZH.expired_card // "您的银行卡已过期，请使用其他银行卡。"
 * ```
 * @category models
 * @since 0.1.0
 */
export const DECLINE_MESSAGES_ZH: { readonly [C in Decline.Code]: string } = DECLINE_ZH

/**
 * How long a stage usually takes to show its effect, in business days: a capture appears on the
 * statement in 1–3, a pending refund is decided in 1–3, a refund sent reaches the customer's
 * account in 5–10, a released authorisation is freed by the bank in 3–7. The customer view's
 * `expectedBy` is the entry's time plus `max` business days.
 *
 * @example
 * ```ts
 * import { Tracking } from "@paykit/payments"
 * Tracking.EXPECTATIONS.refund_succeeded // { min: 5, max: 10 }
 * ```
 * @category models
 * @since 0.1.0
 */
export const EXPECTATIONS: { readonly [S in Stage]?: { readonly min: number; readonly max: number } } = {
  captured: { min: 1, max: 3 },
  remaining_released: { min: 3, max: 7 },
  refund_pending: { min: 1, max: 3 },
  refund_succeeded: { min: 5, max: 10 }
}

const DAY = 86_400_000

/**
 * `at` moved by `days` business days (Monday to Friday, in UTC), keeping the time of day. There is
 * no holiday calendar: a bank holiday counts as a business day. From a Saturday or Sunday the
 * first business day forward is Monday (and backward, Friday). `days` 0 gives `at` unchanged;
 * a negative count goes back. Constant time for any count. `days` must be an integer (a
 * `RangeError` otherwise: a programming error, not input).
 *
 * @example
 * ```ts
 * import { Tracking } from "@paykit/payments"
 * const friday = Date.UTC(2026, 0, 2, 15)
 * new Date(Tracking.addBusinessDays(friday, 1)).toISOString() // "2026-01-05T15:00:00.000Z" (Monday)
 * ```
 * @category math
 * @since 0.1.0
 */
export const addBusinessDays = (at: number, days: number): number => {
  if (!Number.isSafeInteger(days))
    throw new RangeError(`addBusinessDays: days must be an integer, got ${days}`)
  if (days === 0) return at
  // 1970-01-01 was a Thursday: weekday 0 is Sunday, 6 Saturday
  const weekday = (((Math.floor(at / DAY) + 4) % 7) + 7) % 7
  const n = Math.abs(days)
  const weeks = Math.floor(n / 5)
  const rest = n % 5
  if (days > 0) {
    // a weekend start counts from the Friday before: Saturday + 1 and Sunday + 1 are Monday
    const back = weekday === 6 ? 1 : weekday === 0 ? 2 : 0
    const index = weekday === 6 || weekday === 0 ? 4 : weekday - 1
    return at - back * DAY + (weeks * 7 + rest + (index + rest >= 5 ? 2 : 0)) * DAY
  }
  // a weekend start counts from the Monday after: Saturday − 1 and Sunday − 1 are Friday
  const forward = weekday === 6 ? 2 : weekday === 0 ? 1 : 0
  const index = weekday === 6 || weekday === 0 ? 0 : weekday - 1
  return at + forward * DAY - (weeks * 7 + rest + (index - rest < 0 ? 2 : 0)) * DAY
}

/**
 * What a support agent does next about a reason code: ask the customer (or payee) for new
 * account or card details, `retry` the same operation later, ask the customer to `contact_bank`
 * (their bank holds the answer), `wait` (still moving, nothing to do yet), `investigate` on the
 * platform's side (its data, its bank, the provider), or `none` (final and explained).
 *
 * @example
 * ```ts
 * import { Tracking } from "@paykit/payments"
 * Tracking.AgentAction.literals.includes("contact_bank") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const AgentAction = Schema.Literals([
  "ask_customer_for_new_details",
  "retry",
  "contact_bank",
  "wait",
  "investigate",
  "none"
])

/**
 * An agent action.
 *
 * @example
 * ```ts
 * import type { Tracking } from "@paykit/payments"
 * const a: Tracking.AgentAction = "retry"
 * ```
 * @category models
 * @since 0.1.0
 */
export type AgentAction = typeof AgentAction.Type

/**
 * One reason code of a vocabulary: its meaning in English and Simplified Chinese, and what to
 * do next.
 *
 * @example
 * ```ts
 * import type { Tracking } from "@paykit/payments"
 * const retryable = (e: Tracking.ReasonEntry) => e.action === "retry"
 * ```
 * @category models
 * @since 0.1.0
 */
export interface ReasonEntry {
  readonly en: string
  readonly zh: string
  readonly action: AgentAction
}

/**
 * A reason-code vocabulary: code → meaning and action.
 *
 * @example
 * ```ts
 * import type { Tracking } from "@paykit/payments"
 * const codes = (v: Tracking.Vocabulary) => Object.keys(v)
 * ```
 * @category models
 * @since 0.1.0
 */
export type Vocabulary = { readonly [code: string]: ReasonEntry }

/**
 * Why a payout, or a refund sent as a bank transfer, failed (after Stripe's payout failure
 * codes; the wording is paykit's).
 *
 * @example
 * ```ts
 * import { Tracking } from "@paykit/payments"
 * Tracking.PAYOUT_FAILURES.account_closed.action // "ask_customer_for_new_details"
 * ```
 * @category models
 * @since 0.1.0
 */
export const PAYOUT_FAILURES: { readonly [C in keyof typeof codes.PAYOUT_FAILURES]: ReasonEntry } =
  codes.PAYOUT_FAILURES

/**
 * The ISO 20022 reason codes of SEPA R-transactions (rejects, returns, refunds, recalls, for
 * credit transfers and direct debits), with their meaning. A SWIFT `RJCT` carries a reason from
 * the same ISO 20022 code set.
 *
 * @example
 * ```ts
 * import { Tracking } from "@paykit/payments"
 * Tracking.SEPA_R_CODES.AC04.en // "The account is closed."
 * ```
 * @category models
 * @since 0.1.0
 */
export const SEPA_R_CODES: { readonly [C in keyof typeof codes.SEPA_R_CODES]: ReasonEntry } =
  codes.SEPA_R_CODES

/**
 * SWIFT gpi tracker statuses: `ACSP` (in progress) with its `G000`–`G004` reason, keyed
 * `"ACSP/G000"`; `ACCC` (credited to the beneficiary), `ACSC` (settlement completed) and `RJCT`
 * (rejected; its ISO 20022 reason is in {@link SEPA_R_CODES}).
 *
 * @example
 * ```ts
 * import { Tracking } from "@paykit/payments"
 * Tracking.SWIFT_GPI_STATUSES["ACSP/G004"].action // "wait"
 * ```
 * @category models
 * @since 0.1.0
 */
export const SWIFT_GPI_STATUSES: { readonly [C in keyof typeof codes.SWIFT_GPI_STATUSES]: ReasonEntry } =
  codes.SWIFT_GPI_STATUSES

/**
 * Why a refund failed or came back, keyed by `Refund.Outcome`'s failure reasons (a lost or
 * stolen card reads neutrally, as for declines).
 *
 * @example
 * ```ts
 * import { Tracking } from "@paykit/payments"
 * Tracking.REFUND_FAILURES.expired_or_canceled_card.action // "ask_customer_for_new_details"
 * ```
 * @category models
 * @since 0.1.0
 */
export const REFUND_FAILURES: { readonly [C in keyof typeof codes.REFUND_FAILURES]: ReasonEntry } =
  codes.REFUND_FAILURES

/**
 * The meaning of `code` in `vocabulary`, in `locale`; a code the vocabulary does not have is
 * `InvalidInput` naming `code`.
 *
 * @example
 * ```ts
 * import { Tracking } from "@paykit/payments"
 * Tracking.explain(Tracking.SEPA_R_CODES, "AM04", "zh") // Success("账户余额不足。")
 * ```
 * @category math
 * @since 0.1.0
 */
export const explain = (
  vocabulary: Vocabulary,
  code: string,
  locale: Locale
): Result.Result<string, InvalidInput> => {
  const entry = typeof code === "string" && Object.hasOwn(vocabulary, code) ? vocabulary[code] : undefined
  return entry === undefined
    ? Result.fail(
        new InvalidInput({ operation: "explain", path: "code", reason: "not a code of this vocabulary" })
      )
    : Result.succeed(entry[locale])
}

/**
 * One line of the customer view: the subject and stage, when, a plain label and detail in the
 * customer's language, and for a stage with an expectation the date (epoch milliseconds) by
 * which the customer should see its effect.
 *
 * @example
 * ```ts
 * import type { Tracking } from "@paykit/payments"
 * const late = (v: Tracking.View, now: number) => v.expectedBy !== undefined && now > v.expectedBy
 * ```
 * @category models
 * @since 0.1.0
 */
export interface View {
  readonly subject: string
  readonly stage: Stage
  readonly at: number
  readonly label: string
  readonly detail: string
  readonly expectedBy?: number
}

const LOCALE_TAG: { readonly [L in Locale]: string } = { en: "en-US", zh: "zh-CN" }

const OTHER_REASONS: ReadonlyArray<Vocabulary> = [
  codes.REFUND_FAILURES,
  codes.SEPA_R_CODES,
  codes.PAYOUT_FAILURES,
  codes.SWIFT_GPI_STATUSES
]

/**
 * A reason code in plain words: a decline code's customer message first for payment and capture
 * stages, the refund vocabularies first for refund stages; an unknown code gives nothing (a code
 * is never shown raw).
 */
const reasonText = (stage: Stage, code: string, locale: Locale): string | undefined => {
  const decline = Object.hasOwn(Decline.VOCABULARY, code)
    ? locale === "en"
      ? Decline.VOCABULARY[code as Decline.Code].customerMessage
      : DECLINE_ZH[code as Decline.Code]
    : undefined
  if (decline !== undefined && !stage.startsWith("refund_")) return decline
  for (const v of OTHER_REASONS) if (Object.hasOwn(v, code)) return v[code]![locale]
  return decline
}

const formatAmount = (a: NonNullable<Entry["amount"]>, locale: Locale): string => {
  const currency = Currency.fromCode(a.currency)
  return Result.isSuccess(currency) && /^\d+$/.test(a.amount)
    ? Money.format(Money.fromMinorUnsafe(BigInt(a.amount), currency.success), LOCALE_TAG[locale])
    : `${a.amount} ${a.currency}`
}

/** A template filled: bracketed parts kept only when all their placeholders have a value. */
const fill = (template: string, values: Readonly<Record<string, string | undefined>>): string => {
  const put = (s: string) => s.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole)
  return put(
    template.replace(/\[([^\]]*)\]/g, (_, part: string) =>
      [...part.matchAll(/\{(\w+)\}/g)].every((m) => values[m[1]!] !== undefined) ? part : ""
    )
  )
}

/**
 * The timeline as a customer reads it, in their language: the entries of `subject` (or all),
 * oldest first (entries at the same time keep their order), each with a plain label and a detail
 * filled with its amount (formatted for the locale with the currency's decimals), reference and
 * reason, and, for a stage with an expectation ({@link EXPECTATIONS}), `expectedBy`: the entry's
 * time plus the most business days it usually takes, counting Monday to Friday in UTC with no
 * holiday calendar (see {@link addBusinessDays}). A reason code is shown in plain words (a
 * decline's customer message, a refund failure, a SEPA R-code, a payout failure, a gpi status)
 * and never raw: an unknown code is left out.
 *
 * @example
 * ```ts
 * import { Tracking } from "@paykit/payments"
 * import { Result } from "effect"
 * const at = Date.UTC(2026, 0, 2, 15) // a Friday
 * const timeline = Result.getOrThrow(Tracking.append([], {
 *   subject: "pay_1:refund:1", stage: "refund_succeeded", at, source: "webhook",
 *   reference: "ARN123", amount: { amount: "2500", currency: "EUR" }
 * }))
 * Tracking.customerView(timeline, { locale: "en" })[0]
 * // { …, label: "Refund sent to your bank", detail: "Your refund of €25.00 was sent to your bank, reference ARN123.
 * //   It usually arrives within 5–10 business days.", expectedBy: Date.UTC(2026, 0, 16, 15) }
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const customerView = (
  timeline: Timeline,
  options: { readonly locale: Locale; readonly subject?: string }
): ReadonlyArray<View> =>
  timeline
    .filter((e) => options.subject === undefined || e.subject === options.subject)
    .toSorted((a, b) => a.at - b.at)
    .map((e) => {
      const message = MESSAGES[e.stage][options.locale]
      const expectation = EXPECTATIONS[e.stage]
      const detail = fill(message.detail, {
        amount: e.amount === undefined ? undefined : formatAmount(e.amount, options.locale),
        reference: e.reference,
        reason: e.reasonCode === undefined ? undefined : reasonText(e.stage, e.reasonCode, options.locale),
        days: expectation === undefined ? undefined : `${expectation.min}–${expectation.max}`
      })
      const view = { subject: e.subject, stage: e.stage, at: e.at, label: message.label, detail }
      return expectation === undefined
        ? view
        : { ...view, expectedBy: addBusinessDays(e.at, expectation.max) }
    })
