/**
 * A deterministic in-memory `PaymentProvider` for tests, driven by magic payment-method tokens
 * (after Stripe's test cards): no network, no randomness, no wall clock. References, event ids and
 * refund ARNs come from counters, so the same calls in the same order give the same answers.
 *
 * Decisions the port leaves open, as this provider takes them:
 *
 * - The payment method named by the first `authorise` of a payment id drives every later answer
 *   about that payment (captures, refunds). Any token not in `MAGIC` authorises.
 * - `pm_decline_<code>` declines with `<code>`; an unknown `<code>` declines with
 *   `generic_decline` (it is in the vocabulary).
 * - Idempotency by paykit id: a repeated `authorise` (same payment id), `capture` (same payment
 *   and capture id) or `refund` (same payment and refund id) answers what the first request
 *   answered, whatever else the repeat says, even after a webhook has moved the provider's state
 *   on (`syncPayment` / `syncRefund` tell the current state). Two exceptions: the second request
 *   for a capture id of `pm_capture_fails_once` answers `captured`; and `pm_timeout`'s first
 *   `authorise` fails with `ProviderUnavailable` while the provider records the payment as
 *   authorised, so a retry answers `authorised` (as a provider that finished the request answers
 *   a retry with the same idempotency key).
 * - A 3-D Secure authentication the customer fails (`completeAction(id, false)`) declines with
 *   `authentication_required`.
 * - A capture of a payment that is not authorised (unknown, declined, waiting for an action,
 *   pending, voided) answers `{ _tag: "failed", code: "transaction_not_allowed" }`. Amounts and
 *   `final` are not checked: the payment's own steps keep the amounts.
 * - `pm_capture_fails_once` fails each capture id's first request with `processing_error` (a
 *   `retry_later` code). `pm_capture_async` answers `pending` and the capture is done at the
 *   provider at once: `syncPayment` shows it `captured` and a `captured` webhook is queued.
 * - `void` answers `done` for an authorised payment with no capture captured or pending (and
 *   again `done` for a payment it already voided); else `refused` with `transaction_not_allowed`.
 *   `increment` answers `done` while the authorisation stands (authorised, not voided), else
 *   `refused` with `transaction_not_allowed`.
 * - A refund of a payment with no capture captured (or of an unknown payment) answers
 *   `{ _tag: "failed", reason: "unknown" }`. `pm_refund_fails` and `pm_refund_async` answer
 *   `pending`, decide at once (`syncRefund` tells the outcome) and queue the refund webhook.
 * - `syncPayment` of a payment id the provider never saw answers an authorisation declined with
 *   `processing_error` (nothing was processed; `retry_later`), never `ProviderUnavailable`, which
 *   would leave the caller waiting for ever. `syncRefund` of an unknown refund answers
 *   `{ _tag: "failed", reason: "unknown" }` (the provider never refunded anything).
 * - Webhooks carry the `PaymentProvider.Notification` as their JSON body, an event id `evt_<n>`,
 *   and an HMAC-SHA256 of the body (hex) in the `paykit-test-signature` header.
 *
 * @since 0.1.0
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import { Context, Effect, HashMap, Layer, Option, Ref, Result, Schema } from "effect"
import * as Decline from "../Decline.ts"
import * as PaymentProvider from "../PaymentProvider.ts"
import * as Refund from "../Refund.ts"

/**
 * The magic payment-method tokens. `declinePrefix` is followed by a `Decline.Code`
 * (`pm_decline_insufficient_funds`); any other token authorises.
 *
 * | token | authorise | later |
 * | --- | --- | --- |
 * | `pm_approve` (and any other) | authorised | captures captured, refunds succeeded |
 * | `pm_decline_<code>` | declined with `<code>` (`generic_decline` for an unknown code) | |
 * | `pm_3ds` (or any approving token when the risk check asks for 3-D Secure) | requires_action (a redirect URL) | `completeAction` queues the answer's webhook |
 * | `pm_async` | pending | `resolve` queues an `authorised` webhook |
 * | `pm_timeout` | `ProviderUnavailable`, recorded as authorised | `syncPayment` and retries say authorised |
 * | `pm_capture_fails_once` | authorised | each capture id fails once (`processing_error`), then captures |
 * | `pm_capture_async` | authorised | captures pending, a `captured` webhook |
 * | `pm_refund_fails` | authorised | refunds pending, a `failed` (`declined`) webhook |
 * | `pm_refund_async` | authorised | refunds pending, a `succeeded` webhook |
 *
 * @example
 * ```ts
 * import { TestProvider } from "@paykit/payments/testing"
 * const token = `${TestProvider.MAGIC.declinePrefix}insufficient_funds` // "pm_decline_insufficient_funds"
 * ```
 * @category models
 * @since 0.1.0
 */
export const MAGIC = {
  approve: "pm_approve",
  declinePrefix: "pm_decline_",
  threeDS: "pm_3ds",
  async: "pm_async",
  timeout: "pm_timeout",
  captureFailsOnce: "pm_capture_fails_once",
  captureAsync: "pm_capture_async",
  refundFails: "pm_refund_fails",
  refundAsync: "pm_refund_async"
} as const

/**
 * The header that carries a webhook's signature: the HMAC-SHA256 of the body, in hex.
 *
 * @example
 * ```ts
 * import { TestProvider } from "@paykit/payments/testing"
 * const headers = { [TestProvider.SIGNATURE_HEADER]: TestProvider.sign("{}") }
 * ```
 * @category models
 * @since 0.1.0
 */
export const SIGNATURE_HEADER = "paykit-test-signature"

/**
 * The webhook signing secret when none is given.
 *
 * @example
 * ```ts
 * import { TestProvider } from "@paykit/payments/testing"
 * TestProvider.DEFAULT_SECRET // "whsec_test"
 * ```
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_SECRET = "whsec_test"

/**
 * The test provider's options: the webhook signing secret (default `DEFAULT_SECRET`).
 *
 * @example
 * ```ts
 * import type { TestProvider } from "@paykit/payments/testing"
 * const options: TestProvider.Options = { secret: "whsec_other" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly secret?: string
}

/**
 * A provider operation `failNext` can make fail (every one but `parseWebhook`, which does not
 * call the provider).
 *
 * @example
 * ```ts
 * import type { TestProvider } from "@paykit/payments/testing"
 * const op: TestProvider.Operation = "capture"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Operation =
  | "authorise"
  | "capture"
  | "void"
  | "increment"
  | "refund"
  | "syncPayment"
  | "syncRefund"

/**
 * A queued webhook, as it would reach an HTTP endpoint: the raw JSON body and the headers
 * (`content-type` and the signature).
 *
 * @example
 * ```ts
 * import type { TestProvider } from "@paykit/payments/testing"
 * const deliver = (w: TestProvider.Webhook) => ({ body: w.body, headers: w.headers })
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Webhook {
  readonly body: string
  readonly headers: Readonly<Record<string, string>>
}

/**
 * A control method was asked for something the payment is not waiting for (`completeAction` on
 * a payment not requiring an action, `resolve` on a payment not pending). Nothing changed.
 *
 * @example
 * ```ts
 * import { TestProvider } from "@paykit/payments/testing"
 * new TestProvider.ControlRefused({ operation: "resolve", paymentId: "pay_1", reason: "not pending" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class ControlRefused extends Schema.TaggedError<ControlRefused>()("ControlRefused", {
  operation: Schema.String,
  paymentId: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `the test provider refused ${this.operation} for ${this.paymentId}: ${this.reason}; nothing changed`
  }
}

/**
 * The test controls of a test provider: the queued webhooks, the customer's answer to a 3-D
 * Secure challenge, the late answer of a pending authorisation, and a failure injected into the
 * next call of an operation (it fails with `ProviderUnavailable` and changes nothing).
 *
 * @example
 * ```ts
 * import { TestProvider } from "@paykit/payments/testing"
 * import { Effect } from "effect"
 * const drain = Effect.flatMap(TestProvider.Control, (c) => c.takeWebhooks())
 * ```
 * @category services
 * @since 0.1.0
 */
export class Control extends Context.Service<
  Control,
  {
    /** The queued webhooks, oldest first; they stay queued. */
    readonly webhooks: () => Effect.Effect<ReadonlyArray<Webhook>>
    /** The queued webhooks, oldest first; the queue is emptied. */
    readonly takeWebhooks: () => Effect.Effect<ReadonlyArray<Webhook>>
    /** The customer passes (`true`) or fails the 3-D Secure challenge of a `pm_3ds` payment. */
    readonly completeAction: (paymentId: string, succeeded: boolean) => Effect.Effect<void, ControlRefused>
    /** The provider authorises a `pm_async` payment. */
    readonly resolve: (paymentId: string) => Effect.Effect<void, ControlRefused>
    /** The next call of `operation` fails with `ProviderUnavailable` (calls add up). */
    readonly failNext: (operation: Operation) => Effect.Effect<void>
  }
>()("@paykit/payments/testing/TestProviderControl") {}

/**
 * The signature of a webhook body: the HMAC-SHA256 of the body with the secret (default
 * `DEFAULT_SECRET`), in lower-case hex. For tests that forge or tamper with webhooks.
 *
 * @example
 * ```ts
 * import { TestProvider } from "@paykit/payments/testing"
 * TestProvider.sign('{"_tag":"refund"}', "whsec_test").length // 64
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const sign = (body: string, secret: string = DEFAULT_SECRET): string =>
  createHmac("sha256", secret).update(body, "utf8").digest("hex")

const GENERIC_DECLINE = "generic_decline" satisfies Decline.Code
const AUTHENTICATION_FAILED = "authentication_required" satisfies Decline.Code
const CAPTURE_FAILED = "processing_error" satisfies Decline.Code
const NOT_ALLOWED = "transaction_not_allowed" satisfies Decline.Code
const NEVER_SEEN = "processing_error" satisfies Decline.Code

const AuthoriseAnswer = Schema.Union([
  Schema.TaggedStruct("authorised", { reference: Schema.String }),
  Schema.TaggedStruct("declined", { code: Decline.Code, reference: Schema.optionalKey(Schema.String) }),
  Schema.TaggedStruct("requires_action", {
    reference: Schema.String,
    redirectUrl: Schema.optionalKey(Schema.String)
  }),
  Schema.TaggedStruct("pending", { reference: Schema.String })
])

const CaptureAnswer = Schema.Union([
  Schema.TaggedStruct("captured", {}),
  Schema.TaggedStruct("failed", { code: Decline.Code }),
  Schema.TaggedStruct("pending", {})
])

const Notification = Schema.Union([
  Schema.TaggedStruct("authorisation", {
    id: Schema.String,
    paymentId: Schema.String,
    answer: AuthoriseAnswer
  }),
  Schema.TaggedStruct("capture", {
    id: Schema.String,
    paymentId: Schema.String,
    captureId: Schema.String,
    answer: CaptureAnswer
  }),
  Schema.TaggedStruct("refund", {
    id: Schema.String,
    paymentId: Schema.String,
    refundId: Schema.String,
    outcome: Refund.Outcome
  })
])

const decodeNotification: (
  input: unknown
) => Result.Result<PaymentProvider.Notification, Schema.SchemaError> =
  Schema.decodeUnknownResult(Notification)

type Authorisation = PaymentProvider.PaymentState["authorisation"]

/** Distributes `Omit` over a union, so each member keeps its own fields. */
type WithoutId<N> = N extends unknown ? Omit<N, "id"> : never

interface PaymentRecord {
  readonly paymentMethod: string
  /** The answer to the first `authorise`, replayed to repeats. */
  readonly answer: PaymentProvider.AuthoriseAnswer
  /** Where the authorisation stands now. */
  readonly authorisation: Authorisation
  /** Captured at authorisation (`captureMethod: "automatic"`): the capture `<id>:capture:1`. */
  readonly automatic: boolean
}

interface CaptureRecord {
  readonly paymentId: string
  readonly captureId: string
  /** The answer replayed to a repeat. */
  readonly answer: PaymentProvider.CaptureAnswer
  /** Where the capture stands now. */
  readonly current: PaymentProvider.CaptureAnswer
  /** `pm_capture_fails_once`: the next request for this capture id captures. */
  readonly retryable: boolean
}

interface RefundRecord {
  readonly answer: PaymentProvider.RefundAnswer
  readonly current: PaymentProvider.RefundAnswer
}

/**
 * A persistent map (effect's `HashMap`): setting an entry shares the rest, so a provider that has
 * seen thousands of payments answers as fast as a new one (a copied `Map` made every call cost
 * the whole history).
 */
class Persistent<K, V> {
  constructor(private readonly entries: HashMap.HashMap<K, V> = HashMap.empty()) {}
  get(k: K): V | undefined {
    return Option.getOrUndefined(HashMap.get(this.entries, k))
  }
  set(k: K, v: V): Persistent<K, V> {
    return new Persistent(HashMap.set(this.entries, k, v))
  }
  values(): Iterable<V> {
    return HashMap.values(this.entries)
  }
}

interface State {
  readonly payments: Persistent<string, PaymentRecord>
  readonly captures: Persistent<string, CaptureRecord>
  readonly refunds: Persistent<string, RefundRecord>
  readonly webhooks: ReadonlyArray<Webhook>
  readonly failing: Persistent<Operation, number>
  readonly authorisations: number
  readonly arns: number
  readonly events: number
}

const EMPTY: State = {
  payments: new Persistent(),
  captures: new Persistent(),
  refunds: new Persistent(),
  webhooks: [],
  failing: new Persistent(),
  authorisations: 0,
  arns: 0,
  events: 0
}

const key = (paymentId: string, id: string): string => `${paymentId}\u0000${id}`

const withEntry = <K, V>(map: Persistent<K, V>, k: K, v: V): Persistent<K, V> => map.set(k, v)

const setPayment = (s: State, paymentId: string, record: PaymentRecord): State => ({
  ...s,
  payments: withEntry(s.payments, paymentId, record)
})

/** `pm_decline_<code>`'s code (an unknown code: `generic_decline`), else `undefined`. */
const declineCode = (token: string): Decline.Code | undefined => {
  if (!token.startsWith(MAGIC.declinePrefix)) return undefined
  const code = token.slice(MAGIC.declinePrefix.length)
  return Object.hasOwn(Decline.VOCABULARY, code) ? (code as Decline.Code) : GENERIC_DECLINE
}

/** A 23-digit acquirer reference number (ARN) from the n-th refund the provider made. */
const arn = (n: number): string => "7" + String(n).padStart(22, "0")

const capturesOf = (s: State, paymentId: string): Record<string, PaymentProvider.CaptureAnswer> => {
  const out: Record<string, PaymentProvider.CaptureAnswer> = {}
  // an automatic payment is captured with its authorisation, as the payment's own step says
  const p = s.payments.get(paymentId)
  if (p?.automatic === true && p.authorisation._tag === "authorised")
    out[`${paymentId}:capture:1`] = { _tag: "captured" }
  for (const c of s.captures.values()) if (c.paymentId === paymentId) out[c.captureId] = c.current
  return out
}

/** A step of the provider: its answer (or failure) and the state after it. */
type Step<A> = readonly [Result.Result<A, PaymentProvider.ProviderUnavailable>, State]

const answer = <A>(a: A, s: State): Step<A> => [Result.succeed(a), s]

/**
 * A test provider and its controls, sharing one fresh in-memory state. Use `layer` to provide
 * them as services.
 *
 * @example
 * ```ts
 * import { Currency, Money } from "@paykit/core"
 * import { TestProvider } from "@paykit/payments/testing"
 * import { Effect } from "effect"
 * const program = Effect.gen(function* () {
 *   const { provider } = yield* TestProvider.make()
 *   const amount = Money.fromMinorUnsafe(1999n, Currency.EUR)
 *   return yield* provider.authorise({ paymentId: "pay_1", paymentMethod: "pm_approve", amount, captureMethod: "manual" })
 * }) // { _tag: "authorised", reference: "ch_test_1" }
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  options: Options = {}
): Effect.Effect<{
  readonly provider: PaymentProvider.PaymentProvider["Service"]
  readonly control: Control["Service"]
}> =>
  Effect.map(Ref.make(EMPTY), (ref) => {
    const secret = options.secret ?? DEFAULT_SECRET

    /** Queues a webhook with the next event id. */
    const enqueue = (s: State, notification: WithoutId<PaymentProvider.Notification>): State => {
      const events = s.events + 1
      const body = JSON.stringify({ id: `evt_${events}`, ...notification })
      const webhook: Webhook = {
        body,
        headers: { "content-type": "application/json", [SIGNATURE_HEADER]: sign(body, secret) }
      }
      return { ...s, events, webhooks: [...s.webhooks, webhook] }
    }

    /**
     * Runs a provider step: a failure injected by `failNext` first (consumed, nothing else
     * changes), else the step.
     */
    const run = <A>(
      operation: Operation,
      step: (s: State) => Step<A>
    ): Effect.Effect<A, PaymentProvider.ProviderUnavailable> =>
      Effect.flatMap(
        Ref.modify(ref, (s): Step<A> => {
          const failing = s.failing.get(operation) ?? 0
          if (failing > 0)
            return [
              Result.fail(
                new PaymentProvider.ProviderUnavailable({
                  operation,
                  reason: "the test provider was told to fail this call (failNext)"
                })
              ),
              { ...s, failing: withEntry(s.failing, operation, failing - 1) }
            ]
          return step(s)
        }),
        Effect.fromResult
      )

    const authorise: PaymentProvider.PaymentProvider["Service"]["authorise"] = (request) =>
      run("authorise", (s) => {
        const known = s.payments.get(request.paymentId)
        if (known !== undefined) return answer(known.answer, s)
        const authorisations = s.authorisations + 1
        const reference = `ch_test_${authorisations}`
        const next = { ...s, authorisations }
        const record = (a: PaymentProvider.AuthoriseAnswer): State =>
          setPayment(next, request.paymentId, {
            paymentMethod: request.paymentMethod,
            answer: a,
            authorisation: a,
            automatic: request.captureMethod === "automatic"
          })
        const pm = request.paymentMethod
        const code = declineCode(pm)
        let a: PaymentProvider.AuthoriseAnswer
        if (code !== undefined) a = { _tag: "declined", code }
        else if (
          pm === MAGIC.threeDS ||
          (request.threeDS === true && pm !== MAGIC.async && pm !== MAGIC.timeout)
        )
          a = {
            _tag: "requires_action",
            reference,
            redirectUrl: `https://test-provider.paykit.invalid/3ds/${reference}`
          }
        else if (pm === MAGIC.async) a = { _tag: "pending", reference }
        else if (pm === MAGIC.timeout)
          return [
            Result.fail(
              new PaymentProvider.ProviderUnavailable({
                operation: "authorise",
                reason: "timed out (pm_timeout); the provider authorised the payment"
              })
            ),
            record({ _tag: "authorised", reference })
          ]
        else a = { _tag: "authorised", reference }
        return answer(a, record(a))
      })

    const capture: PaymentProvider.PaymentProvider["Service"]["capture"] = (request) =>
      run("capture", (s) => {
        const k = key(request.paymentId, request.captureId)
        const known = s.captures.get(k)
        const save = (c: Omit<CaptureRecord, "paymentId" | "captureId">, from: State = s): State => ({
          ...from,
          captures: withEntry(from.captures, k, {
            paymentId: request.paymentId,
            captureId: request.captureId,
            ...c
          })
        })
        if (known !== undefined) {
          if (!known.retryable) return answer(known.answer, s)
          const captured: PaymentProvider.CaptureAnswer = { _tag: "captured" }
          return answer(captured, save({ answer: captured, current: captured, retryable: false }))
        }
        const payment = s.payments.get(request.paymentId)
        if (payment === undefined || payment.authorisation._tag !== "authorised") {
          const refused: PaymentProvider.CaptureAnswer = { _tag: "failed", code: NOT_ALLOWED }
          return answer(refused, save({ answer: refused, current: refused, retryable: false }))
        }
        switch (payment.paymentMethod) {
          case MAGIC.captureFailsOnce: {
            const failed: PaymentProvider.CaptureAnswer = { _tag: "failed", code: CAPTURE_FAILED }
            return answer(failed, save({ answer: failed, current: failed, retryable: true }))
          }
          case MAGIC.captureAsync: {
            const pending: PaymentProvider.CaptureAnswer = { _tag: "pending" }
            const captured: PaymentProvider.CaptureAnswer = { _tag: "captured" }
            const saved = save({ answer: pending, current: captured, retryable: false })
            return answer(
              pending,
              enqueue(saved, {
                _tag: "capture",
                paymentId: request.paymentId,
                captureId: request.captureId,
                answer: captured
              })
            )
          }
          default: {
            const captured: PaymentProvider.CaptureAnswer = { _tag: "captured" }
            return answer(captured, save({ answer: captured, current: captured, retryable: false }))
          }
        }
      })

    const refused: PaymentProvider.Answer = { _tag: "refused", code: NOT_ALLOWED }
    const done: PaymentProvider.Answer = { _tag: "done" }

    const voidPayment: PaymentProvider.PaymentProvider["Service"]["void"] = (request) =>
      run<PaymentProvider.Answer>("void", (s) => {
        const payment = s.payments.get(request.paymentId)
        if (payment === undefined) return answer(refused, s)
        if (payment.authorisation._tag === "voided") return answer(done, s)
        if (payment.authorisation._tag !== "authorised") return answer(refused, s)
        const moved = Object.values(capturesOf(s, request.paymentId)).some((c) => c._tag !== "failed")
        if (moved) return answer(refused, s)
        return answer(
          done,
          setPayment(s, request.paymentId, { ...payment, authorisation: { _tag: "voided" } })
        )
      })

    const increment: PaymentProvider.PaymentProvider["Service"]["increment"] = (request) =>
      run<PaymentProvider.Answer>("increment", (s) =>
        answer(s.payments.get(request.paymentId)?.authorisation._tag === "authorised" ? done : refused, s)
      )

    const refund: PaymentProvider.PaymentProvider["Service"]["refund"] = (request) =>
      run("refund", (s) => {
        const k = key(request.paymentId, request.refundId)
        const known = s.refunds.get(k)
        if (known !== undefined) return answer(known.answer, s)
        const save = (r: RefundRecord, from: State): State => ({
          ...from,
          refunds: withEntry(from.refunds, k, r)
        })
        const payment = s.payments.get(request.paymentId)
        const captured = Object.values(capturesOf(s, request.paymentId)).some((c) => c._tag === "captured")
        if (payment === undefined || !captured) {
          const failed: PaymentProvider.RefundAnswer = { _tag: "failed", reason: "unknown" }
          return answer(failed, save({ answer: failed, current: failed }, s))
        }
        const arns = s.arns + 1
        const succeeded: Refund.Outcome = { _tag: "succeeded", reference: arn(arns) }
        const pending: PaymentProvider.RefundAnswer = { _tag: "pending" }
        const later = (outcome: Refund.Outcome, from: State) =>
          answer(
            pending,
            enqueue(save({ answer: pending, current: outcome }, from), {
              _tag: "refund",
              paymentId: request.paymentId,
              refundId: request.refundId,
              outcome
            })
          )
        switch (payment.paymentMethod) {
          case MAGIC.refundFails:
            return later({ _tag: "failed", reason: "declined" }, s)
          case MAGIC.refundAsync:
            return later(succeeded, { ...s, arns })
          default:
            return answer(succeeded, save({ answer: succeeded, current: succeeded }, { ...s, arns }))
        }
      })

    const syncPayment: PaymentProvider.PaymentProvider["Service"]["syncPayment"] = (request) =>
      run("syncPayment", (s) =>
        answer(
          {
            authorisation: s.payments.get(request.paymentId)?.authorisation ?? {
              _tag: "declined",
              code: NEVER_SEEN
            },
            captures: capturesOf(s, request.paymentId)
          },
          s
        )
      )

    const syncRefund: PaymentProvider.PaymentProvider["Service"]["syncRefund"] = (request) =>
      run("syncRefund", (s) =>
        answer(
          s.refunds.get(key(request.paymentId, request.refundId))?.current ?? {
            _tag: "failed",
            reason: "unknown"
          },
          s
        )
      )

    const parseWebhook: PaymentProvider.PaymentProvider["Service"]["parseWebhook"] = (request) => {
      const reject = (reason: string) => Effect.fail(new PaymentProvider.WebhookRejected({ reason }))
      const signature = Object.entries(request.headers).find(
        ([name]) => name.toLowerCase() === SIGNATURE_HEADER
      )?.[1]
      if (signature === undefined) return reject(`the ${SIGNATURE_HEADER} header is missing`)
      const expected = Buffer.from(sign(request.body, secret), "utf8")
      const given = Buffer.from(signature, "utf8")
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return reject(`the ${SIGNATURE_HEADER} header does not sign this body`)
      let json: unknown
      try {
        json = JSON.parse(request.body)
      } catch {
        return reject("the body is not JSON")
      }
      const decoded = decodeNotification(json)
      return Result.isSuccess(decoded)
        ? Effect.succeed(decoded.success)
        : reject(`the body is not a notification: ${decoded.failure.message}`)
    }

    /** Moves a payment waiting in `from` to `to`, and queues the authorisation webhook. */
    const settle = (
      operation: string,
      paymentId: string,
      from: PaymentProvider.AuthoriseAnswer["_tag"],
      to: (reference: string) => PaymentProvider.AuthoriseAnswer
    ): Effect.Effect<void, ControlRefused> =>
      Effect.flatMap(
        Ref.modify(ref, (s): readonly [Result.Result<void, ControlRefused>, State] => {
          const payment = s.payments.get(paymentId)
          const at = payment?.authorisation
          if (payment === undefined || at === undefined || at._tag !== from || !("reference" in at))
            return [
              Result.fail(
                new ControlRefused({
                  operation,
                  paymentId,
                  reason: `the payment is ${at === undefined ? "unknown" : at._tag}, not ${from}`
                })
              ),
              s
            ]
          const next = to(at.reference)
          return [
            Result.void,
            enqueue(setPayment(s, paymentId, { ...payment, authorisation: next }), {
              _tag: "authorisation",
              paymentId,
              answer: next
            })
          ]
        }),
        Effect.fromResult
      )

    const provider = PaymentProvider.PaymentProvider.of({
      authorise,
      capture,
      void: voidPayment,
      increment,
      refund,
      syncPayment,
      syncRefund,
      parseWebhook
    })

    const control = Control.of({
      webhooks: () => Effect.map(Ref.get(ref), (s) => s.webhooks),
      takeWebhooks: () => Ref.modify(ref, (s) => [s.webhooks, { ...s, webhooks: [] }]),
      completeAction: (paymentId, succeeded) =>
        settle("completeAction", paymentId, "requires_action", (reference) =>
          succeeded ? { _tag: "authorised", reference } : { _tag: "declined", code: AUTHENTICATION_FAILED }
        ),
      resolve: (paymentId) =>
        settle("resolve", paymentId, "pending", (reference) => ({ _tag: "authorised", reference })),
      failNext: (operation) =>
        Ref.update(ref, (s) => ({
          ...s,
          failing: withEntry(s.failing, operation, (s.failing.get(operation) ?? 0) + 1)
        }))
    })

    return { provider, control }
  })

/**
 * A fresh test provider as a layer: provides `PaymentProvider.PaymentProvider` and its
 * `Control`, sharing one in-memory state.
 *
 * @example
 * ```ts
 * import { PaymentProvider } from "@paykit/payments"
 * import { TestProvider } from "@paykit/payments/testing"
 * import { Effect } from "effect"
 * const program = Effect.gen(function* () {
 *   const provider = yield* PaymentProvider.PaymentProvider
 *   const control = yield* TestProvider.Control
 *   yield* control.failNext("syncPayment")
 *   return yield* Effect.flip(provider.syncPayment({ paymentId: "pay_1" }))
 * }).pipe(Effect.provide(TestProvider.layer({ secret: "whsec_test" })))
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<PaymentProvider.PaymentProvider | Control> =>
  Layer.effectContext(
    Effect.map(make(options), ({ control, provider }) =>
      Context.make(PaymentProvider.PaymentProvider, provider).pipe(Context.add(Control, control))
    )
  )
