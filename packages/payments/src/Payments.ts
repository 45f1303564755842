import { Currency, DomainEvent, Ids, Input, InvalidInput, Money, StateMachine } from "@paykit/core"
import { Ledger, type StoreFailure } from "@paykit/ledger"
import { Clock, Context, Effect, Exit, Layer, Option, Result, Schema } from "effect"
import * as Books from "./Books.ts"
import * as Decline from "./Decline.ts"
import * as FxConversion from "./FxConversion.ts"
import {
  type AmountExceeded,
  IdempotencyKeyReused,
  LedgerRefused,
  type LimitReached,
  PaymentNotFound,
  ProviderRefused,
  type RefundNotFound
} from "./errors.ts"
import { changesOf, eventsOf } from "./internal/changes.ts"
import * as Payment from "./Payment.ts"
import * as PaymentProvider from "./PaymentProvider.ts"
import * as PaymentStore from "./PaymentStore.ts"
import * as RiskCheck from "./RiskCheck.ts"
import * as Status from "./Status.ts"
import * as Steps from "./Steps.ts"
import type * as Tracking from "./Tracking.ts"

/**
 * How the service runs: where the money lives on the ledger (`books`), the fees of a capture
 * (acquiring books; none by default), how long an authorisation lasts before it expires
 * (`authorisationWindowMillis`, 7 days by default) and the per-payment limits.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly books: Books.Books
  readonly fees?: ((p: Payment.Payment, capture: Payment.Capture) => ReadonlyArray<Books.Fee>) | undefined
  readonly authorisationWindowMillis?: number | undefined
  /**
   * How long after its first capture a payment can still be reversed rather than refunded (it
   * has not settled yet): 1 day by default, the usual same-day cut-off of a settlement batch.
   */
  readonly reversalWindowMillis?: number | undefined
  readonly limits?: Steps.Limits | undefined
}

/**
 * Every error a payments operation can fail with.
 *
 * @category errors
 * @since 0.1.0
 */
export type PaymentsError =
  | InvalidInput
  | PaymentNotFound
  | StateMachine.IllegalTransition
  | AmountExceeded
  | LimitReached
  | RefundNotFound
  | IdempotencyKeyReused
  | ProviderRefused
  | PaymentProvider.ProviderUnavailable
  | PaymentProvider.WebhookRejected
  | RiskCheck.RiskUnavailable
  | FxConversion.ConversionUnavailable
  | LedgerRefused
  | StoreFailure
  | PaymentStore.VersionConflict

/**
 * Per-call options: an idempotency key (1–255 printable characters) with Stripe's semantics.
 *
 * @category models
 * @since 0.1.0
 */
export interface CallOptions {
  readonly idempotencyKey?: string | undefined
}

/**
 * The payments service: each operation decodes its input, takes the payment exclusively, asks
 * the provider, posts the step's one ledger entry (a linked batch, or none) and commits the
 * payment with its timeline entries, its idempotency record and its events.
 *
 * @category services
 * @since 0.1.0
 */
export class Payments extends Context.Service<
  Payments,
  {
    readonly create: (
      input: typeof Payment.CreateInput.Encoded,
      options?: CallOptions
    ) => Effect.Effect<Payment.Payment, PaymentsError>
    readonly confirm: (
      id: string,
      input?: { readonly paymentMethod?: string; readonly signals?: typeof RiskCheck.Signals.Encoded },
      options?: CallOptions
    ) => Effect.Effect<Payment.Payment, PaymentsError>
    /** An operator approves a payment the risk check held: it goes on to the provider. */
    readonly approveReview: (
      id: string,
      input: typeof Payment.ReviewInput.Encoded,
      options?: CallOptions
    ) => Effect.Effect<Payment.Payment, PaymentsError>
    /** An operator cancels a payment the risk check held (`fraudulent`). */
    readonly cancelReview: (
      id: string,
      input: typeof Payment.ReviewInput.Encoded,
      options?: CallOptions
    ) => Effect.Effect<Payment.Payment, PaymentsError>
    /**
     * Reverses a payment before settlement: voids an uncaptured authorisation, or releases the
     * rest and refunds everything captured with its fees returned (`Steps.reverse`).
     */
    readonly reverse: (id: string, options?: CallOptions) => Effect.Effect<Payment.Payment, PaymentsError>
    readonly capture: (
      id: string,
      input?: typeof Payment.CaptureInput.Encoded,
      options?: CallOptions
    ) => Effect.Effect<Payment.Payment, PaymentsError>
    readonly increment: (
      id: string,
      input: typeof Payment.IncrementInput.Encoded,
      options?: CallOptions
    ) => Effect.Effect<Payment.Payment, PaymentsError>
    readonly cancel: (
      id: string,
      input: { readonly reason: Exclude<Payment.CancellationReason, "expired"> },
      options?: CallOptions
    ) => Effect.Effect<Payment.Payment, PaymentsError>
    readonly releaseRemaining: (
      id: string,
      options?: CallOptions
    ) => Effect.Effect<Payment.Payment, PaymentsError>
    readonly refund: (
      id: string,
      input: typeof Payment.RefundInput.Encoded,
      options?: CallOptions
    ) => Effect.Effect<Payment.Payment, PaymentsError>
    readonly applyWebhook: (request: {
      readonly body: string
      readonly headers: Readonly<Record<string, string>>
    }) => Effect.Effect<Payment.Payment, PaymentsError>
    readonly sync: (id: string) => Effect.Effect<Payment.Payment, PaymentsError>
    readonly expireDue: Effect.Effect<number, PaymentsError>
    readonly get: (id: string) => Effect.Effect<Payment.Payment, PaymentsError>
    readonly timeline: (id: string) => Effect.Effect<ReadonlyArray<Tracking.Entry>, PaymentsError>
    readonly list: (query: PaymentStore.Query) => Effect.Effect<PaymentStore.Page, PaymentsError>
    readonly counts: (merchant: string) => Effect.Effect<Readonly<Record<string, number>>, PaymentsError>
  }
>()("@paykit/payments/Payments") {}

const DAY = 86_400_000
const Key = Schema.String.check(Schema.isPattern(/^[\x21-\x7e]{1,255}$/))
const Id = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/))
const ConfirmInput = Schema.Struct({
  paymentMethod: Schema.optionalKey(Id),
  signals: Schema.optionalKey(RiskCheck.Signals)
})
const CancelInput = Schema.Struct({
  reason: Schema.Literals(["requested_by_customer", "duplicate", "fraudulent", "abandoned"])
})

const CallOptionsInput = Schema.Struct({ idempotencyKey: Schema.optionalKey(Key) })
const WebhookInput = Schema.Struct({
  body: Schema.String.check(Schema.isMaxLength(1_000_000)),
  headers: Schema.Record(Schema.String, Schema.String)
})
const QueryInput = Schema.Struct({
  merchant: Id,
  status: Schema.optionalKey(Schema.Array(Status.Status)),
  paymentMethod: Schema.optionalKey(Id),
  customer: Schema.optionalKey(Id),
  from: Schema.optionalKey(Schema.Int),
  to: Schema.optionalKey(Schema.Int),
  minAmount: Schema.optionalKey(Schema.BigInt),
  maxAmount: Schema.optionalKey(Schema.BigInt),
  limit: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 100 })),
  cursor: Schema.optionalKey(
    Schema.String.check(Schema.isPattern(/^-?\d{1,16}\.[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/))
  )
})

/** The idempotency key of a call's options, decoded (absent options or key: none). */
const keyOf = (operation: string, options: unknown): Effect.Effect<string | undefined, InvalidInput> =>
  options === undefined
    ? Effect.succeed(undefined)
    : Effect.map(Input.decode(operation, CallOptionsInput)(options), (o) => o.idempotencyKey)

/** A request's parameters as flat strings, for comparing two uses of one idempotency key. */
const fingerprint = (input: unknown): Record<string, string> => {
  const out: Record<string, string> = {}
  if (input !== null && typeof input === "object")
    for (const [k, v] of Object.entries(input))
      out[k] = JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x)) ?? "undefined"
  return out
}
const firstDifference = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) =>
  [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().find((k) => a[k] !== b[k])

/** Failures an idempotency key remembers: the step was decided (not bad input, not an unknown outcome). */
const remembered = (e: unknown): boolean =>
  typeof e === "object" &&
  e !== null &&
  "_tag" in e &&
  [
    "IllegalTransition",
    "AmountExceeded",
    "LimitReached",
    "RefundNotFound",
    "ProviderRefused",
    "LedgerRefused"
  ].includes((e as { _tag: string })._tag)

/** An idempotency key as one call used it: the key, the operation and its parameters. */
interface KeyUse {
  readonly key: string
  readonly operation: string
  readonly request: Record<string, string>
}

/** A step's result: the payment's next state (or none) and the error it ends with, if any. */
interface Decided {
  readonly next: Payment.Payment | undefined
  readonly error?: PaymentsError | undefined
  readonly extra?: ReadonlyArray<{
    readonly stage: string
    readonly subject: string
    readonly reasonCode?: string
  }>
  /** Stages the step passed through before its end state (a confirm that the provider answered at once). */
  readonly lead?: ReadonlyArray<{
    readonly stage: string
    readonly subject: string
    readonly reasonCode?: string
  }>
}

const fromResult = <A, E>(r: Result.Result<A, E>): Effect.Effect<A, E> => Effect.fromResult(r)

/** The provider's refusal of a step, with the decline's recommended action. */
const refused = (p: Payment.Payment, operation: string, code: Decline.Code) =>
  new ProviderRefused({ paymentId: p.id, operation, code, action: Decline.VOCABULARY[code].action })

/**
 * Builds the service over a `PaymentStore`, a `PaymentProvider`, the `Ledger` and `Ids`.
 *
 * @example
 * ```ts
 * import { Payments } from "@paykit/payments"
 * const make = Payments.make({ books: { _tag: "wallet" } })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options) =>
  Effect.gen(function* () {
    const store = yield* PaymentStore.PaymentStore
    const provider = yield* PaymentProvider.PaymentProvider
    const ledger = yield* Ledger.Ledger
    const ids = yield* Ids.Ids
    const limits = options.limits ?? Steps.DEFAULT_LIMITS
    const windowMillis = options.authorisationWindowMillis ?? 7 * DAY
    const reversalMillis = options.reversalWindowMillis ?? DAY
    const riskCheck = yield* Effect.serviceOption(RiskCheck.RiskCheck)
    const fx = yield* Effect.serviceOption(FxConversion.FxConversion)

    /**
     * The new captures of a cross-border payment converted into its settlement currency (one
     * quote consumed per capture); a capture converted already keeps its conversion.
     */
    const convertNew = (before: Payment.Payment | undefined, after: Payment.Payment) =>
      Effect.gen(function* () {
        const to = after.settlementCurrency
        const n = before?.captures.length ?? 0
        if (to === undefined || Option.isNone(fx) || after.captures.length <= n) return after
        const currency = Currency.fromCode(to)
        if (Result.isFailure(currency))
          return yield* Effect.fail(
            new FxConversion.ConversionUnavailable({
              from: after.amount.currency.code,
              to,
              reason: "unknown currency"
            })
          )
        const captures: Array<Payment.Capture> = []
        for (const [i, c] of after.captures.entries()) {
          if (i < n || c.conversion !== undefined) {
            captures.push(c)
            continue
          }
          const conversion = yield* fx.value.convert({
            paymentId: after.id,
            captureId: c.id,
            amount: c.amount,
            to: currency.success
          })
          captures.push({ ...c, conversion })
        }
        return { ...after, captures }
      })
    const fees = options.fees ?? (() => [])

    const load = (id: string) =>
      Effect.flatMap(store.get(id), (o) =>
        Option.isSome(o) ? Effect.succeed(o.value) : Effect.fail(new PaymentNotFound({ paymentId: id }))
      )

    /**
     * Runs a step exclusively and commits it, then answers: the step's body returns its decided
     * refusal as a value (committed with what records it) and fails only for what must roll back.
     */
    const committed = <E, R>(
      id: string,
      body: Effect.Effect<Result.Result<Payment.Payment, PaymentsError>, E, R>
    ): Effect.Effect<Payment.Payment, PaymentsError | E | StoreFailure, R> =>
      Effect.flatMap(
        Effect.onExit(store.exclusive(id, body), (exit) =>
          Exit.isFailure(exit)
            ? Effect.sync(() => {
                declinedIn.delete(id)
                signalsIn.delete(id)
              })
            : Effect.void
        ),
        (r) => Effect.andThen(feedDecline(id), Effect.fromResult(r))
      )

    /**
     * Payments whose step, now committing, was an issuer's decline: told to the risk check once the
     * step has committed (outside its transaction, so the risk engine's store cannot abort it).
     */
    const declinedIn = new Map<string, Payment.Payment>()
    /** The signals of the confirmation running on a payment (its decline is told with them). */
    const signalsIn = new Map<string, RiskCheck.Signals>()
    const feedDecline = (id: string) =>
      Effect.suspend(() => {
        const p = declinedIn.get(id)
        const signals = signalsIn.get(id)
        declinedIn.delete(id)
        signalsIn.delete(id)
        const record = Option.isSome(riskCheck) ? riskCheck.value.recordDecline : undefined
        if (p === undefined || record === undefined) return Effect.void
        return record({ payment: p, ...(signals === undefined ? {} : { signals }) }).pipe(
          Effect.catch((e) =>
            Effect.logWarning(
              `payments: the decline of ${id} was not recorded by the risk check: ${e.message}`
            )
          )
        )
      })

    /** A public id read: decoded first, so a hostile id is `InvalidInput` on every store. */
    const loadById = (operation: string, id: string) =>
      Effect.flatMap(Input.decode(operation, Schema.Struct({ id: Id }))({ id }), () => load(id))

    /** Posts the step's ledger entry (if any), commits the payment; returns the payment. */
    const save = (
      before: Payment.Payment | undefined,
      decided: Decided,
      source: Tracking.Source,
      idempotency: KeyUse | undefined,
      paymentId: string
    ) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        let next =
          decided.next === undefined
            ? undefined
            : Books.priceCaptures(before, yield* convertNew(before, decided.next), options.books, fees)
        if (next !== undefined) {
          const posting = Books.postings(before, next, options.books, fees)
          if (posting.commands.length > 0) {
            const summary = yield* ledger
              .executeSummary(posting.commands, "linked")
              .pipe(
                Effect.mapError((e) => new LedgerRefused({ paymentId, operation: source, reason: e.message }))
              )
            if (summary.failures.length > 0) {
              const f = summary.failures[0]!
              const refused = new LedgerRefused({
                paymentId,
                operation: idempotency?.operation ?? source,
                reason: `${f.error._tag}: ${f.error.message}`
              })
              return yield* finish(
                before,
                { next: undefined, error: refused },
                source,
                idempotency,
                paymentId,
                now
              )
            }
          }
          next = { ...next }
          if (posting.holdId === undefined) {
            const { holdId: _h, ...rest } = next
            next = rest
          } else next = { ...next, holdId: posting.holdId }
          if (posting.holds > 0) next = { ...next, holds: posting.holds }
        }
        return yield* finish(before, { ...decided, next }, source, idempotency, paymentId, now)
      })

    const finish = (
      before: Payment.Payment | undefined,
      decided: Decided,
      source: Tracking.Source,
      idempotency: KeyUse | undefined,
      paymentId: string,
      now: number
    ) =>
      Effect.gen(function* () {
        const after = decided.next
        const happened = [
          ...(after === undefined ? [] : [...(decided.lead ?? []), ...changesOf(before, after)]),
          ...(decided.extra ?? [])
        ]
        const timeline: Array<Tracking.Entry> = happened.map((h) => ({
          subject: h.subject,
          stage: h.stage as Tracking.Stage,
          at: now,
          source,
          ...(h.reasonCode === undefined ? {} : { reasonCode: h.reasonCode }),
          ...("reference" in h && h.reference !== undefined ? { reference: h.reference as string } : {}),
          ...("amount" in h && h.amount !== undefined
            ? { amount: h.amount as { amount: string; currency: string } }
            : {})
        }))
        if (
          after !== undefined &&
          happened.some(
            (h) =>
              (h.stage === "declined" || h.stage === "failed") &&
              h.reasonCode !== undefined &&
              h.reasonCode !== "blocked_by_risk"
          )
        )
          declinedIn.set(paymentId, after)
        const shown = after ?? before
        const events =
          after === undefined
            ? []
            : yield* DomainEvent.envelopes(eventsOf(after, happened, now)).pipe(
                Effect.provideService(Ids.Ids, ids)
              )
        const record =
          idempotency === undefined ||
          shown === undefined ||
          (decided.error !== undefined && !remembered(decided.error))
            ? undefined
            : ({
                merchant: shown.merchant,
                key: idempotency.key,
                operation: idempotency.operation,
                paymentId,
                request: idempotency.request,
                outcome:
                  decided.error === undefined
                    ? { _tag: "Success", payment: shown }
                    : { _tag: "Failure", error: decided.error },
                at: now
              } satisfies PaymentStore.IdempotencyRecord)
        if (after !== undefined || timeline.length > 0 || record !== undefined)
          yield* store.commit({
            paymentId,
            payment: after,
            expectedVersion: before?.version,
            timeline,
            idempotency: record,
            events
          })
        // a decided refusal is an answer, not a failure of the transaction: it is returned as a
        // value so that `exclusive` commits what records it (the idempotency record, the timeline
        // entry); any other failure fails the transaction and rolls the step back, ledger included
        if (decided.error !== undefined) return Result.fail<PaymentsError>(decided.error)
        if (shown === undefined) return yield* Effect.fail(new PaymentNotFound({ paymentId }))
        return Result.succeed(shown)
      })

    /**
     * One step on one payment, exclusively: the idempotency check (replay, or the parameters'
     * difference), the decision (which may ask the provider), the ledger entry and the commit.
     */
    const step = (
      id: string,
      operation: string,
      request: unknown,
      options: CallOptions | undefined,
      decide: (p: Payment.Payment, now: number) => Effect.Effect<Decided, PaymentsError>
    ): Effect.Effect<Payment.Payment, PaymentsError> =>
      Effect.gen(function* () {
        const key = yield* keyOf(operation, options)
        yield* Input.decode(operation, Schema.Struct({ id: Id }))({ id })
        return yield* committed(
          id,
          Effect.gen(function* () {
            const stored = yield* load(id)
            const params = fingerprint(request)
            if (key !== undefined) {
              const replay = yield* replayed(stored.payment.merchant, key, operation, id, params)
              if (replay !== undefined) return yield* Effect.result(replay)
            }
            const now = yield* Clock.currentTimeMillis
            const decided = yield* decide(stored.payment, now).pipe(
              Effect.catch((e) =>
                remembered(e) ? Effect.succeed({ next: undefined, error: e }) : Effect.fail(e)
              )
            )
            return yield* save(
              stored.payment,
              decided,
              "api",
              key === undefined ? undefined : { key, operation, request: params },
              id
            )
          })
        )
      })

    const replayed = (
      merchant: string,
      key: string,
      operation: string,
      id: string,
      params: Record<string, string>
    ) =>
      Effect.map(store.idempotency(merchant, key), (o) => {
        if (Option.isNone(o)) return undefined
        const r = o.value
        const field =
          r.operation !== operation
            ? "operation"
            : r.paymentId !== id
              ? "id"
              : firstDifference(r.request, params)
        if (field !== undefined)
          return Effect.fail(new IdempotencyKeyReused({ key, operation, field })) as Effect.Effect<
            Payment.Payment,
            PaymentsError
          >
        return r.outcome._tag === "Success"
          ? Effect.succeed(r.outcome.payment)
          : (Effect.fail(r.outcome.error as PaymentsError) as Effect.Effect<Payment.Payment, PaymentsError>)
      })

    /** Applies the provider's answer to an authorisation (from the API reply, a webhook or a poll). */
    const authorisation = (
      p: Payment.Payment,
      answer: PaymentProvider.AuthoriseAnswer,
      now: number
    ): Result.Result<Payment.Payment, Steps.StepError> => {
      switch (answer._tag) {
        case "authorised":
          return Result.map(Steps.authorise({ ...p, providerReference: answer.reference }, now), (a) =>
            a.status === "requires_capture" ? { ...a, expiresAt: now + windowMillis } : a
          )
        case "declined":
          return Steps.decline(p, answer.code, now)
        case "requires_action":
          return p.status === "requires_action"
            ? Result.succeed(p)
            : Steps.requireAction({ ...p, providerReference: answer.reference }, now)
        case "pending":
          return Result.succeed(p)
      }
    }
    /** From `requires_action`, the answer first completes the action (the customer came back). */
    const answered = (p: Payment.Payment, answer: PaymentProvider.AuthoriseAnswer, now: number) =>
      p.status === "requires_action" && (answer._tag === "authorised" || answer._tag === "pending")
        ? Result.flatMap(Steps.completeAction(p, now), (q) => authorisation(q, answer, now))
        : authorisation(p, answer, now)

    const create = (input: typeof Payment.CreateInput.Encoded, call?: CallOptions) =>
      Effect.gen(function* () {
        const decoded = yield* Input.decode("create", Payment.CreateInput)(input)
        const key = yield* keyOf("create", call)
        const params = fingerprint(input)
        return yield* committed(
          decoded.id,
          Effect.gen(function* () {
            if (key !== undefined) {
              const replay = yield* replayed(decoded.merchant, key, "create", decoded.id, params)
              if (replay !== undefined) return yield* Effect.result(replay)
            }
            const existing = yield* store.get(decoded.id)
            if (Option.isSome(existing))
              return yield* Effect.fail(
                new InvalidInput({
                  operation: "create",
                  path: "id",
                  reason: `a payment ${decoded.id} exists already`
                })
              )
            const now = yield* Clock.currentTimeMillis
            const p = yield* fromResult(Steps.create(decoded, now))
            if (p.settlementCurrency !== undefined) yield* crossBorder(p.settlementCurrency)
            return yield* save(
              undefined,
              { next: p },
              "api",
              key === undefined ? undefined : { key, operation: "create", request: params },
              decoded.id
            )
          })
        )
      })

    /**
     * Asks the provider to authorise a payment now in `processing` (after a confirmation or an
     * operator's approval); `lead` is the stage it passed on the way when the provider answers at once.
     */
    const authoriseNow = (p: Payment.Payment, processing: Payment.Payment, now: number, lead: string) =>
      Effect.gen(function* () {
        const answer = yield* Effect.result(
          provider.authorise({
            paymentId: p.id,
            paymentMethod: processing.paymentMethod ?? "",
            amount: processing.amount,
            captureMethod: processing.captureMethod,
            ...(processing.risk?.threeDS === true ? { threeDS: true } : {})
          })
        )
        // an unknown outcome: the payment stays processing until a webhook or a sync
        if (Result.isFailure(answer)) return { next: processing } satisfies Decided
        const next = yield* fromResult(authorisation(processing, answer.success, now))
        return (
          next.status === "processing" ? { next } : { next, lead: [{ stage: lead, subject: p.id }] }
        ) satisfies Decided
      })

    /** The risk check's verdict on a confirmed payment, as the payment keeps it (none: allowed). */
    const assess = (p: Payment.Payment, signals: RiskCheck.Signals, now: number) =>
      Option.isNone(riskCheck)
        ? Effect.succeed(undefined)
        : Effect.map(
            riskCheck.value.assess({ payment: p, signals }),
            (v): Payment.RiskAssessment => ({
              outcome: v._tag,
              ...(v._tag === "allow" ? {} : { reason: v.reason }),
              rules: v._tag === "allow" ? [] : [...v.rules],
              ...(v._tag === "allow" && v.threeDS === true ? { threeDS: true } : {}),
              at: now
            })
          )

    /** A payment settled in another currency needs acquiring books, an `FxConversion` and a known code. */
    const crossBorder = (code: string) => {
      const refuse = (reason: string) =>
        Effect.fail(new InvalidInput({ operation: "create", path: "settlementCurrency", reason }))
      if (options.books._tag !== "acquiring")
        return refuse("settling in another currency needs acquiring books (a wallet holds one currency)")
      if (Option.isNone(fx)) return refuse("settling in another currency needs an FxConversion layer")
      if (Result.isFailure(Currency.fromCode(code))) return refuse(`${code} is not a known currency`)
      return Effect.void
    }

    const confirm = (
      id: string,
      input: { readonly paymentMethod?: string; readonly signals?: typeof RiskCheck.Signals.Encoded } = {},
      call?: CallOptions
    ) =>
      Effect.flatMap(Input.decode("confirm", ConfirmInput)(input), (i) =>
        step(id, "confirm", i, call, (p, now) =>
          Effect.gen(function* () {
            const attached =
              i.paymentMethod === undefined
                ? p
                : yield* fromResult(Steps.attachMethod(p, i.paymentMethod, now))
            const confirmed = yield* fromResult(Steps.confirm(attached, now))
            if (i.signals !== undefined) signalsIn.set(id, i.signals)
            const risk = yield* assess(confirmed, i.signals ?? {}, now)
            if (risk === undefined) return yield* authoriseNow(p, confirmed, now, "confirmed")
            const judged = { ...confirmed, risk }
            const lead = [{ stage: "confirmed", subject: p.id }]
            if (risk.outcome === "review")
              return { next: yield* fromResult(Steps.holdForReview(judged, now)), lead } satisfies Decided
            if (risk.outcome === "block")
              return {
                next: yield* fromResult(Steps.fail(judged, "blocked_by_risk", "system", now)),
                lead
              } satisfies Decided
            return yield* authoriseNow(p, judged, now, "confirmed")
          })
        )
      )

    const approveReview = (id: string, input: typeof Payment.ReviewInput.Encoded, call?: CallOptions) =>
      Effect.flatMap(Input.decode("approveReview", Payment.ReviewInput)(input), (i) =>
        step(id, "approve_review", i, call, (p, now) =>
          Effect.gen(function* () {
            const approved = yield* fromResult(Steps.approveReview(p, now))
            const reviewed = { ...approved, review: { decision: "approved" as const, ...i, at: now } }
            return yield* authoriseNow(p, reviewed, now, "review_approved")
          })
        )
      )

    const cancelReview = (id: string, input: typeof Payment.ReviewInput.Encoded, call?: CallOptions) =>
      Effect.flatMap(Input.decode("cancelReview", Payment.ReviewInput)(input), (i) =>
        step(id, "cancel_review", i, call, (p, now) =>
          Effect.gen(function* () {
            if (p.status !== "under_review")
              return yield* Effect.fail(
                new StateMachine.IllegalTransition({
                  machine: "payment",
                  from: p.status,
                  command: "cancel",
                  actor: "operator",
                  reason: "only a payment under review is canceled by its reviewer"
                })
              )
            const canceled = yield* fromResult(Steps.cancel(p, "fraudulent", "operator", now))
            return { next: { ...canceled, review: { decision: "canceled" as const, ...i, at: now } } }
          })
        )
      )

    const capture = (id: string, input: typeof Payment.CaptureInput.Encoded = {}, call?: CallOptions) =>
      Effect.flatMap(Input.decode("capture", Payment.CaptureInput)(input), (i) =>
        step(id, "capture", input, call, (p, now) =>
          Effect.gen(function* () {
            // a cross-border capture is converted first: no quote, no capture at the provider
            const next = yield* convertNew(p, yield* fromResult(Steps.capture(p, i, now, limits)))
            const c = next.captures.at(-1)!
            const answer = yield* provider.capture({
              paymentId: p.id,
              captureId: c.id,
              amount: c.amount,
              final: c.final
            })
            if (answer._tag === "failed")
              return {
                next: undefined,
                error: refused(p, "capture", answer.code),
                extra: [{ stage: "capture_failed", subject: c.id, reasonCode: answer.code }]
              }
            return { next }
          })
        )
      )

    const increment = (id: string, input: typeof Payment.IncrementInput.Encoded, call?: CallOptions) =>
      Effect.flatMap(Input.decode("increment", Payment.IncrementInput)(input), (i) =>
        step(id, "increment", input, call, (p, now) =>
          Effect.gen(function* () {
            const next = yield* fromResult(Steps.increment(p, i, now, limits))
            const answer = yield* provider.increment({
              paymentId: p.id,
              amount: Money.fromMinorUnsafe(i.amount, p.amount.currency)
            })
            if (answer._tag === "refused") return yield* Effect.fail(refused(p, "increment", answer.code))
            return { next }
          })
        )
      )

    const cancel = (
      id: string,
      input: { readonly reason: Exclude<Payment.CancellationReason, "expired"> },
      call?: CallOptions
    ) =>
      Effect.flatMap(Input.decode("cancel", CancelInput)(input), (i) =>
        step(id, "cancel", i, call, (p, now) =>
          Effect.gen(function* () {
            const next = yield* fromResult(Steps.cancel(p, i.reason, "merchant", now))
            if (p.status === "requires_capture" || p.status === "partially_captured") {
              const answer = yield* provider.void({ paymentId: p.id })
              if (answer._tag === "refused") return yield* Effect.fail(refused(p, "cancel", answer.code))
            }
            return { next }
          })
        )
      )

    const releaseRemaining = (id: string, call?: CallOptions) =>
      step(id, "release_remaining", {}, call, (p, now) =>
        Effect.map(fromResult(Steps.releaseRemaining(p, "merchant", now)), (next) => ({ next }))
      )

    /** Asks the provider for the refund `opened` added last, and applies its answer. */
    const refundNow = (p: Payment.Payment, opened: Payment.Payment, now: number) =>
      Effect.gen(function* () {
        const r = opened.refunds.at(-1)!
        const answer = yield* Effect.result(
          provider.refund({ paymentId: p.id, refundId: r.id, amount: r.amount })
        )
        // unknown outcome or pending: the refund stays pending (its amount reserved) until
        // a webhook or a sync
        if (Result.isFailure(answer) || answer.success._tag === "pending") return { next: opened }
        return { next: yield* fromResult(Steps.refundOutcome(opened, r.id, answer.success, now)) }
      })

    const reverse = (id: string, call?: CallOptions) =>
      step(id, "reverse", {}, call, (p, now) =>
        Effect.gen(function* () {
          const next = yield* fromResult(Steps.reverse(p, now, reversalMillis, limits))
          // an authorisation never captured is voided at the provider; after a capture the rest
          // is released as `releaseRemaining` does, and the captured money is refunded
          if (p.status === "requires_capture") {
            const answer = yield* provider.void({ paymentId: p.id })
            if (answer._tag === "refused") return yield* Effect.fail(refused(p, "reverse", answer.code))
          }
          return next.refunds.length > p.refunds.length ? yield* refundNow(p, next, now) : { next }
        })
      )

    const refund = (id: string, input: typeof Payment.RefundInput.Encoded, call?: CallOptions) =>
      Effect.flatMap(Input.decode("refund", Payment.RefundInput)(input), (i) =>
        step(id, "refund", input, call, (p, now) =>
          Effect.gen(function* () {
            const opened = yield* fromResult(Steps.refund(p, i, now, limits))
            return yield* refundNow(p, opened, now)
          })
        )
      )

    /** Applies news from the provider (a webhook or a poll) to one payment, exclusively. */
    const applyNews = (
      paymentId: string,
      source: Tracking.Source,
      dedupe: string | undefined,
      apply: (p: Payment.Payment, now: number) => Result.Result<Payment.Payment, Steps.StepError> | undefined
    ) =>
      committed(
        paymentId,
        Effect.gen(function* () {
          const stored = yield* load(paymentId)
          if (dedupe !== undefined) {
            const seen = yield* store.idempotency(stored.payment.merchant, dedupe)
            if (Option.isSome(seen)) return Result.succeed(stored.payment)
          }
          const now = yield* Clock.currentTimeMillis
          const r = apply(stored.payment, now)
          // news that does not apply any more (a duplicate, an answer already taken from the API
          // reply or a poll, an out-of-order message) changes nothing
          const next =
            r === undefined || Result.isFailure(r) || r.success === stored.payment ? undefined : r.success
          return yield* save(
            stored.payment,
            { next },
            source,
            dedupe === undefined ? undefined : { key: dedupe, operation: "webhook", request: {} },
            paymentId
          )
        })
      )

    const waitingForAuthorisation = (p: Payment.Payment) =>
      p.status === "processing" || p.status === "requires_action"

    const applyWebhook = (request: {
      readonly body: string
      readonly headers: Readonly<Record<string, string>>
    }) =>
      Effect.gen(function* () {
        const n = yield* provider.parseWebhook(yield* Input.decode("applyWebhook", WebhookInput)(request))
        return yield* applyNews(n.paymentId, "webhook", `webhook:${n.id}`, (p, now) => {
          switch (n._tag) {
            case "authorisation":
              return waitingForAuthorisation(p) ? answered(p, n.answer, now) : undefined
            case "capture":
              return undefined
            case "refund": {
              const r = p.refunds.find((x) => x.id === n.refundId)
              return r === undefined || r.status === n.outcome._tag
                ? undefined
                : Steps.refundOutcome(p, r.id, n.outcome, now)
            }
          }
        })
      })

    const sync = (id: string) =>
      Effect.gen(function* () {
        yield* Input.decode("sync", Schema.Struct({ id: Id }))({ id })
        const stored = yield* load(id)
        let p = stored.payment
        if (waitingForAuthorisation(p)) {
          const state = yield* provider.syncPayment({ paymentId: id })
          const a = state.authorisation
          if (a._tag !== "voided")
            p = yield* applyNews(id, "poll", undefined, (q, now) =>
              waitingForAuthorisation(q) ? answered(q, a, now) : undefined
            )
        }
        for (const r of p.refunds.filter((x) => x.status === "pending" || x.status === "requires_action")) {
          const answer = yield* provider.syncRefund({ paymentId: id, refundId: r.id })
          if (answer._tag === "pending") continue
          p = yield* applyNews(id, "poll", undefined, (q, now) => {
            const cur = q.refunds.find((x) => x.id === r.id)
            return cur === undefined || cur.status === answer._tag
              ? undefined
              : Steps.refundOutcome(q, r.id, answer, now)
          })
        }
        return p
      })

    const expireDue = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const due = yield* store.expiring(now, 1000)
      let n = 0
      for (const id of due) {
        const p = yield* applyNews(id, "api", undefined, (q, at) =>
          (q.status === "requires_capture" || q.status === "partially_captured") &&
          q.expiresAt !== undefined &&
          q.expiresAt <= at
            ? Steps.expire(q, at)
            : undefined
        )
        if (p.status === "canceled" || p.status === "succeeded") n++
      }
      return n
    })

    return Payments.of({
      create,
      confirm,
      approveReview,
      cancelReview,
      reverse,
      capture,
      increment,
      cancel,
      releaseRemaining,
      refund,
      applyWebhook,
      sync,
      expireDue,
      get: (id) => Effect.map(loadById("get", id), (s) => s.payment),
      timeline: (id) => Effect.map(loadById("timeline", id), (s) => s.timeline),
      list: (q) => Effect.flatMap(Input.decode("list", QueryInput)(q), store.list),
      counts: (merchant) =>
        Effect.flatMap(Input.decode("counts", Schema.Struct({ merchant: Id }))({ merchant }), (m) =>
          store.counts(m.merchant)
        )
    })
  })

/**
 * The service as a layer.
 *
 * @example
 * ```ts
 * import { Payments } from "@paykit/payments"
 * const layer = Payments.layer({ books: { _tag: "wallet" } })
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: Options) => Layer.effect(Payments, make(options))
