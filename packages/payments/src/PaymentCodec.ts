import { Input, InvalidInput, StateMachine } from "@paykit/core"
import { Currency, Money } from "@paykit/core/schema"
import { StoreFailure } from "@paykit/ledger"
import { Result, Schema } from "effect"
import * as Decline from "./Decline.ts"
import {
  AmountExceeded,
  IdempotencyKeyReused,
  LedgerRefused,
  LimitReached,
  PaymentNotFound,
  ProviderRefused,
  RefundNotFound
} from "./errors.ts"
import * as Payment from "./Payment.ts"
import type * as PaymentStore from "./PaymentStore.ts"
import * as Refund from "./Refund.ts"
import * as Status from "./Status.ts"

/**
 * A payment as JSON: every `Money` is `{ amount: "<minor units>", currency: "<code>" }` (minor
 * units as a digit string, never a float), the rest as the payment has it (numbers are epoch
 * milliseconds, counts and the version).
 *
 * @example
 * ```ts
 * import type { PaymentCodec } from "@paykit/payments"
 * const amountOf = (j: PaymentCodec.PaymentJson) => BigInt(j.amount.amount)
 * ```
 * @category models
 * @since 0.1.0
 */
export type PaymentJson = ReturnType<typeof paymentSchema>["Encoded"]

/** Why a refund failed, as `Refund.Outcome` names it. */
const FailureReason = Schema.Literals([
  "expired_or_canceled_card",
  "lost_or_stolen_card",
  "declined",
  "unknown"
])

/**
 * The JSON codec of a payment (`PaymentJson` ⇄ `Payment.Payment`), reading currency codes
 * through `registry`: the registry decides which codes are accepted and the exponent of each
 * (ISO 4217 by default; pass `Currency.registry([...])` for custom units). Properties a newer
 * version added are ignored when decoding.
 *
 * @example
 * ```ts
 * import { PaymentCodec } from "@paykit/payments"
 * import { Currency } from "@paykit/core"
 * const withPoints = PaymentCodec.paymentSchema(Currency.registry([Currency.POINTS]))
 * ```
 * @category models
 * @since 0.1.0
 */
export const paymentSchema = (registry: Currency.Registry = Currency.isoRegistry) => {
  const money = Money.jsonSchema(registry)
  const capture = Schema.Struct({
    id: Schema.String,
    amount: money,
    final: Schema.Boolean,
    at: Schema.Number,
    fees: Schema.optionalKey(
      Schema.Array(Schema.Struct({ amount: money, account: Schema.String, label: Schema.String }))
    ),
    conversion: Schema.optionalKey(
      Schema.Struct({ quoteId: Schema.String, rate: Schema.String, settled: money })
    )
  })
  const refund = Schema.Struct({
    id: Schema.String,
    amount: money,
    reason: Refund.Reason,
    status: Refund.Status,
    failureReason: Schema.optionalKey(FailureReason),
    reference: Schema.optionalKey(Schema.String),
    createdAt: Schema.Number,
    updatedAt: Schema.Number
  })
  return Schema.Struct({
    id: Schema.String,
    merchant: Schema.String,
    customer: Schema.optionalKey(Schema.String),
    paymentMethod: Schema.optionalKey(Schema.String),
    amount: money,
    captureMethod: Payment.CaptureMethod,
    settlementCurrency: Schema.optionalKey(Schema.String),
    status: Status.Status,
    authorised: money,
    captured: money,
    refunded: money,
    increments: Schema.Number,
    captures: Schema.Array(capture),
    refunds: Schema.Array(refund),
    cancellationReason: Schema.optionalKey(Payment.CancellationReason),
    lastDecline: Schema.optionalKey(
      Schema.Struct({
        code: Decline.Code,
        action: Decline.Action,
        hard: Schema.Boolean,
        paymentMethod: Schema.optionalKey(Schema.String)
      })
    ),
    metadata: Schema.Record(Schema.String, Schema.String),
    providerReference: Schema.optionalKey(Schema.String),
    expiresAt: Schema.optionalKey(Schema.Number),
    holdId: Schema.optionalKey(Schema.String),
    holds: Schema.optionalKey(Schema.Number),
    risk: Schema.optionalKey(
      Schema.Struct({
        outcome: Schema.Literals(["allow", "review", "block"]),
        reason: Schema.optionalKey(Schema.String),
        rules: Schema.Array(Schema.String),
        threeDS: Schema.optionalKey(Schema.Boolean),
        at: Schema.Number
      })
    ),
    review: Schema.optionalKey(
      Schema.Struct({
        decision: Schema.Literals(["approved", "canceled"]),
        operator: Schema.String,
        note: Schema.optionalKey(Schema.String),
        at: Schema.Number
      })
    ),
    createdAt: Schema.Number,
    updatedAt: Schema.Number,
    version: Schema.Number
  })
}

// The decoded type is the payment's, exactly: a field added to `Payment` and not here fails
// to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const sameType: Same<ReturnType<typeof paymentSchema>["Type"], Payment.Payment> = true
void sameType

const isoPayment = paymentSchema()
/**
 * Encoding writes each currency's code as it is: the payment's `Money` already carries its
 * currency, so no registry is asked (a custom unit encodes without being registered).
 */
const anyCode: Currency.Registry = {
  get: (code) => Result.succeed({ code, exponent: 0, name: code }),
  codes: []
}
const encodeAny = Schema.encodeSync(paymentSchema(anyCode))

/** A schema failure, or an exception while reading, as `InvalidInput` of `operation`. */
const decodeWith =
  <S extends Schema.Codec<unknown, unknown, never, never>>(operation: string, schema: S) =>
  (input: unknown): Result.Result<S["Type"], InvalidInput> => {
    try {
      const r = Schema.decodeUnknownResult(schema)(input, { errors: "all" })
      return Result.isSuccess(r)
        ? Result.succeed(r.success)
        : Result.fail(Input.toInvalidInput(operation, r.failure))
    } catch (e) {
      return Result.fail(
        new InvalidInput({ operation, path: "", reason: e instanceof Error ? e.message : String(e) })
      )
    }
  }

/**
 * A payment as JSON ({@link PaymentJson}): amounts as minor-unit strings with their currency
 * code (any currency, custom units included: decoding decides which it accepts); absent
 * optional fields stay absent.
 *
 * @example
 * ```ts
 * import { PaymentCodec, Steps } from "@paykit/payments"
 * import { Currency, Money } from "@paykit/core"
 * import { Result } from "effect"
 * const p = Result.getOrThrow(
 *   Steps.create({ id: "pay_1", merchant: "acct_1", amount: Money.fromMinorUnsafe(1999n, Currency.EUR), captureMethod: "manual" }, 0)
 * )
 * PaymentCodec.encodePayment(p).amount // { amount: "1999", currency: "EUR" }
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const encodePayment = (payment: Payment.Payment): PaymentJson => encodeAny(payment)

/**
 * A payment from its JSON ({@link encodePayment}'s output, or a stored copy): each amount's
 * currency is looked up in `registry` (ISO 4217 by default), which decides its exponent. What
 * does not read as a payment is `InvalidInput` naming the path.
 *
 * @example
 * ```ts
 * import { PaymentCodec } from "@paykit/payments"
 * declare const stored: unknown
 * const payment = PaymentCodec.decodePayment(stored) // Result<Payment, InvalidInput>
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const decodePayment = (
  json: unknown,
  registry?: Currency.Registry
): Result.Result<Payment.Payment, InvalidInput> =>
  decodeWith(
    "PaymentCodec.decodePayment",
    registry === undefined ? isoPayment : paymentSchema(registry)
  )(json)

/**
 * A typed error as JSON: its `_tag` and its fields (strings, numbers, booleans or `null`).
 *
 * @example
 * ```ts
 * import type { PaymentCodec } from "@paykit/payments"
 * const j: PaymentCodec.ErrorJson = { _tag: "PaymentNotFound", paymentId: "pay_9" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface ErrorJson {
  readonly _tag: string
  readonly [field: string]: string | number | boolean | null
}

/** The errors an idempotency record can hold, by tag: each decodes back to its class. */
const ERRORS = {
  AmountExceeded: AmountExceeded,
  LimitReached: LimitReached,
  RefundNotFound: RefundNotFound,
  PaymentNotFound: PaymentNotFound,
  IdempotencyKeyReused: IdempotencyKeyReused,
  ProviderRefused: ProviderRefused,
  LedgerRefused: LedgerRefused,
  IllegalTransition: StateMachine.IllegalTransition,
  StoreFailure: StoreFailure
} as const

/** `InvalidInput` of `@paykit/core` is a plain tagged error (no schema): its fields, read by hand. */
const InvalidInputFields = Schema.Struct({
  _tag: Schema.Literal("InvalidInput"),
  operation: Schema.String,
  path: Schema.String,
  reason: Schema.String
})

/**
 * The tags {@link decodeError} turns back into their error classes: this package's
 * `AmountExceeded`, `LimitReached`, `RefundNotFound`, `PaymentNotFound`,
 * `IdempotencyKeyReused`, `ProviderRefused`, `LedgerRefused`, `@paykit/core`'s
 * `IllegalTransition` (`StateMachine`) and `InvalidInput`, and `@paykit/ledger`'s
 * `StoreFailure`.
 *
 * @example
 * ```ts
 * import { PaymentCodec } from "@paykit/payments"
 * PaymentCodec.ERROR_TAGS.includes("AmountExceeded") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const ERROR_TAGS: ReadonlyArray<string> = [...Object.keys(ERRORS), "InvalidInput"]

/** A field value as JSON: primitives kept, a bigint as its digits, anything else as text. */
const jsonValue = (v: unknown): string | number | boolean | null =>
  v === null || typeof v === "string" || typeof v === "boolean"
    ? v
    : typeof v === "number"
      ? Number.isFinite(v)
        ? v
        : String(v)
      : typeof v === "bigint"
        ? v.toString()
        : String(v)

/**
 * A typed error as JSON, `{ _tag, ...fields }`: its own enumerable fields (the ones its
 * constructor took; `stack` is left out). A value that is not a tagged object is kept as
 * `{ _tag: "UnknownError", message }`.
 *
 * @example
 * ```ts
 * import { PaymentCodec, PaymentNotFound } from "@paykit/payments"
 * PaymentCodec.encodeError(new PaymentNotFound({ paymentId: "pay_9" }))
 * // { _tag: "PaymentNotFound", paymentId: "pay_9" }
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const encodeError = (error: unknown): ErrorJson => {
  if (typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string") {
    const out: Record<string, string | number | boolean | null> = { _tag: error._tag }
    for (const [k, v] of Object.entries(error)) if (k !== "stack" && v !== undefined) out[k] = jsonValue(v)
    return out as ErrorJson
  }
  return {
    _tag: "UnknownError",
    message: error instanceof Error ? error.message : String(error)
  }
}

/**
 * The error back from its JSON ({@link encodeError}): for a tag of {@link ERROR_TAGS}, an
 * instance of its class with the same fields (so `instanceof`, `_tag`, `message` and
 * `Effect.catchTag` work on a replayed error as on the first). Any other tag, or fields that do
 * not fit the class, is `InvalidInput` naming the tag: an error this version cannot rebuild is
 * reported, never replayed as something else (a payment store reads it as `StoreFailure`).
 *
 * @example
 * ```ts
 * import { PaymentCodec, PaymentNotFound } from "@paykit/payments"
 * import { Result } from "effect"
 * const e = Result.getOrThrow(PaymentCodec.decodeError({ _tag: "PaymentNotFound", paymentId: "pay_9" }))
 * e instanceof PaymentNotFound // true
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const decodeError = (json: unknown): Result.Result<unknown, InvalidInput> => {
  const operation = "PaymentCodec.decodeError"
  const tag =
    typeof json === "object" && json !== null && "_tag" in json && typeof json._tag === "string"
      ? json._tag
      : undefined
  if (tag === "InvalidInput")
    return Result.map(
      decodeWith(operation, InvalidInputFields)(json),
      ({ _tag: _, ...fields }) => new InvalidInput(fields)
    )
  if (tag !== undefined && Object.hasOwn(ERRORS, tag))
    return decodeWith(operation, ERRORS[tag as keyof typeof ERRORS] as Schema.Codec<unknown, unknown>)(json)
  return Result.fail(
    new InvalidInput({
      operation,
      path: "_tag",
      reason:
        tag === undefined
          ? "expected a tagged error ({ _tag, ...fields })"
          : `unknown error tag ${JSON.stringify(tag)}: this version cannot rebuild it (written by a newer version?)`
    })
  )
}

/**
 * An idempotency record as JSON: the outcome's payment as {@link PaymentJson}, its error as
 * {@link ErrorJson}.
 *
 * @example
 * ```ts
 * import type { PaymentCodec } from "@paykit/payments"
 * const replaysError = (j: PaymentCodec.IdempotencyJson) => j.outcome._tag === "Failure"
 * ```
 * @category models
 * @since 0.1.0
 */
export interface IdempotencyJson {
  readonly merchant: string
  readonly key: string
  readonly operation: string
  readonly paymentId: string
  readonly request: Readonly<Record<string, string>>
  readonly outcome:
    | { readonly _tag: "Success"; readonly payment: PaymentJson }
    | { readonly _tag: "Failure"; readonly error: ErrorJson }
  readonly at: number
}

/**
 * An idempotency record as JSON ({@link IdempotencyJson}).
 *
 * @example
 * ```ts
 * import { PaymentCodec, type PaymentStore } from "@paykit/payments"
 * declare const record: PaymentStore.IdempotencyRecord
 * const text = JSON.stringify(PaymentCodec.encodeIdempotency(record))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const encodeIdempotency = (record: PaymentStore.IdempotencyRecord): IdempotencyJson => ({
  merchant: record.merchant,
  key: record.key,
  operation: record.operation,
  paymentId: record.paymentId,
  request: { ...record.request },
  outcome:
    record.outcome._tag === "Success"
      ? { _tag: "Success", payment: encodePayment(record.outcome.payment) }
      : { _tag: "Failure", error: encodeError(record.outcome.error) },
  at: record.at
})

const IdempotencyFields = Schema.Struct({
  merchant: Schema.String,
  key: Schema.String,
  operation: Schema.String,
  paymentId: Schema.String,
  request: Schema.Record(Schema.String, Schema.String),
  outcome: Schema.Union([
    Schema.Struct({ _tag: Schema.Literal("Success"), payment: Schema.Unknown }),
    Schema.Struct({ _tag: Schema.Literal("Failure"), error: Schema.Unknown })
  ]),
  at: Schema.Number
})

/**
 * An idempotency record from its JSON ({@link encodeIdempotency}): the payment decoded with
 * `registry` ({@link decodePayment}), the error rebuilt as its class ({@link decodeError}). What
 * cannot be read, an unknown error tag included, is `InvalidInput`.
 *
 * @example
 * ```ts
 * import { PaymentCodec } from "@paykit/payments"
 * declare const stored: unknown
 * const record = PaymentCodec.decodeIdempotency(stored)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const decodeIdempotency = (
  json: unknown,
  registry?: Currency.Registry
): Result.Result<PaymentStore.IdempotencyRecord, InvalidInput> =>
  Result.flatMap(decodeWith("PaymentCodec.decodeIdempotency", IdempotencyFields)(json), (r) => {
    const outcome: Result.Result<PaymentStore.IdempotencyRecord["outcome"], InvalidInput> =
      r.outcome._tag === "Success"
        ? Result.map(decodePayment(r.outcome.payment, registry), (payment) => ({
            _tag: "Success" as const,
            payment
          }))
        : Result.map(decodeError(r.outcome.error), (error) => ({ _tag: "Failure" as const, error }))
    return Result.map(outcome, (o) => ({ ...r, outcome: o }))
  })
