import { Currency, type DomainEvent, InvalidInput, Money, Notifier, StateMachine } from "@paykit/core"
import { Deferred, Effect, Layer, Option, Result } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import type * as Decline from "../Decline.ts"
import {
  AmountExceeded,
  IdempotencyKeyReused,
  LedgerRefused,
  LimitReached,
  PaymentNotFound,
  ProviderRefused,
  RefundNotFound
} from "../errors.ts"
import type * as Payment from "../Payment.ts"
import { type Change, type IdempotencyRecord, matches, PaymentStore, type Query } from "../PaymentStore.ts"
import type * as Refund from "../Refund.ts"
import * as Status from "../Status.ts"
import * as Steps from "../Steps.ts"
import type * as Tracking from "../Tracking.ts"

/**
 * Options of the contract suite. `numRuns`: random worlds of the query properties (default 25;
 * use fewer on slow stores); `timeout` per test in ms (default 60,000);
 * `concurrentTransactions`: whether two payments' `exclusive` bodies can run at the same time
 * (default `true`; `false` for a store on one connection, as embedded PGlite, where transactions
 * take turns); `deliveredEvents`: every event the store has delivered so far, in delivery order
 * (default: what the memory `Notifier` in context recorded; a store with an outbox drains its
 * relay into that `Notifier` first, see `Outbox.makeRelay` of `@paykit/store-postgres`).
 *
 * @example
 * ```ts
 * import { PaymentStoreContract } from "@paykit/payments/testing"
 * const slow: PaymentStoreContract.Options = { numRuns: 10, timeout: 120_000 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Options<R = never> {
  readonly numRuns?: number | undefined
  readonly timeout?: number | undefined
  readonly concurrentTransactions?: boolean | undefined
  readonly deliveredEvents?:
    | Effect.Effect<
        ReadonlyArray<DomainEvent.DomainEvent>,
        unknown,
        R | PaymentStore | Notifier.Notifier | Notifier.RecordedEvents
      >
    | undefined
}

/** A step's result, or a test failure naming the step. */
const ok = <A, E>(r: Result.Result<A, E>, what: string): A => {
  if (Result.isFailure(r)) throw new Error(`${what}: ${String(r.failure)}`)
  return r.success
}

/**
 * A payment built with the pure `Steps` (for feeding store tests): `created` (a payment method
 * attached, `requires_confirmation`), `authorised` (`requires_capture`, manual capture), or
 * `captured` (`succeeded`, all of it captured). Amount 10,000 minor units of EUR unless given.
 *
 * @example
 * ```ts
 * import { PaymentStoreContract } from "@paykit/payments/testing"
 * const p = PaymentStoreContract.samplePayment("pay_1", "captured", { amount: 10_000n })
 * p.status // "succeeded"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const samplePayment = (
  id: string,
  stage: "created" | "authorised" | "captured",
  options: {
    readonly merchant?: string
    readonly amount?: bigint
    readonly currency?: Currency.Currency
    readonly createdAt?: number
  } = {}
): Payment.Payment => {
  const at = options.createdAt ?? 1_000
  const created = ok(
    Steps.create(
      {
        id,
        merchant: options.merchant ?? "acct_1",
        paymentMethod: "pm_card_visa",
        amount: Money.fromMinorUnsafe(options.amount ?? 10_000n, options.currency ?? Currency.EUR),
        captureMethod: "manual"
      },
      at
    ),
    "create"
  )
  if (stage === "created") return created
  const authorised = ok(
    Result.flatMap(Steps.confirm(created, at + 1), (p) => Steps.authorise(p, at + 2)),
    "authorise"
  )
  if (stage === "authorised") return authorised
  return ok(Steps.capture(authorised, {}, at + 3), "capture")
}

/**
 * A domain event about `subject` with a ULID built from `n` (for store tests).
 *
 * @example
 * ```ts
 * import { PaymentStoreContract } from "@paykit/payments/testing"
 * PaymentStoreContract.sampleEvent(1, "pay_1").id // "01J00000000000000000000001"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const sampleEvent = (n: number, subject: string): DomainEvent.DomainEvent => ({
  id: `01J${String(n).padStart(23, "0")}`,
  type: "payment.test.changed",
  occurredAt: new Date(1_767_225_600_000 + n).toISOString(),
  subject,
  data: { n, subject }
})

const entry = (subject: string, stage: Tracking.Stage, at: number, extra: Partial<Tracking.Entry> = {}) =>
  ({ subject, stage, at, source: "api", ...extra }) as Tracking.Entry

/** A payment that went through most of what a payment records: a rich document to read back. */
const richPayment = (id: string): Payment.Payment => {
  const created = ok(
    Steps.create(
      {
        id,
        merchant: "acct_rich",
        customer: "cus_1",
        paymentMethod: "pm_card_visa",
        amount: Money.fromMinorUnsafe(2n ** 100n + 7n, Currency.EUR),
        captureMethod: "manual_multiple",
        metadata: { order: "A-1", note: "ünïcode ✓ 付款" }
      },
      1_000
    ),
    "create"
  )
  let p = ok(Steps.confirm(created, 1_001), "confirm")
  p = ok(Steps.authorise(p, 1_002), "authorise")
  p = ok(Steps.increment(p, { amount: 5n }, 1_003), "increment")
  p = ok(Steps.capture(p, { amount: 1_000n, final: false }, 1_004), "capture 1")
  p = ok(Steps.capture(p, { amount: 2n ** 99n, final: false }, 1_005), "capture 2")
  p = ok(Steps.refund(p, { amount: 500n, reason: "requested_by_customer" }, 1_006), "refund 1")
  p = ok(
    Steps.refundOutcome(p, `${id}:refund:1`, { _tag: "succeeded", reference: "ARN123" }, 1_007),
    "refund 1 outcome"
  )
  p = ok(Steps.refund(p, { amount: 200n, reason: "duplicate" }, 1_008), "refund 2")
  p = ok(
    Steps.refundOutcome(p, `${id}:refund:2`, { _tag: "failed", reason: "lost_or_stolen_card" }, 1_009),
    "refund 2 outcome"
  )
  p = ok(Steps.refund(p, { amount: 100n, reason: "other" }, 1_010), "refund 3")
  return {
    ...p,
    providerReference: "ch_123",
    expiresAt: 9_000_000,
    holdId: `${id}:hold:2`,
    holds: 2
  }
}

/** A declined payment in JPY (exponent 0), carrying `lastDecline` with the method it declined. */
const declinedPayment = (id: string): Payment.Payment => {
  const created = ok(
    Steps.create(
      {
        id,
        merchant: "acct_rich",
        paymentMethod: "pm_card_declined",
        amount: Money.fromMinorUnsafe(1_500n, Currency.JPY),
        captureMethod: "automatic"
      },
      2_000
    ),
    "create"
  )
  const confirmed = ok(Steps.confirm(created, 2_001), "confirm")
  return ok(Steps.decline(confirmed, "insufficient_funds" as Decline.Code, 2_002), "decline")
}

const newPayment = (p: Payment.Payment, timeline: ReadonlyArray<Tracking.Entry> = []): Change => ({
  paymentId: p.id,
  payment: p,
  expectedVersion: undefined,
  timeline,
  events: []
})

const record = (
  merchant: string,
  key: string,
  paymentId: string,
  outcome: IdempotencyRecord["outcome"]
): IdempotencyRecord => ({
  merchant,
  key,
  operation: "capture",
  paymentId,
  request: { amount: '"500"', final: "true" },
  outcome,
  at: 5_000
})

/** The errors an idempotency record replays, one of each class. */
const remembered: ReadonlyArray<unknown> = [
  new AmountExceeded({
    operation: "refund",
    field: "amount",
    requested: "1200",
    available: "1000",
    currency: "EUR"
  }),
  new LimitReached({ operation: "increment", what: "authorisation increments", limit: 10 }),
  new RefundNotFound({ paymentId: "pay_1", refundId: "pay_1:refund:9" }),
  new PaymentNotFound({ paymentId: "pay_9" }),
  new IdempotencyKeyReused({ key: "k_1", operation: "capture", field: "amount" }),
  new ProviderRefused({
    paymentId: "pay_1",
    operation: "capture",
    code: "processing_error",
    action: "retry_later"
  }),
  new LedgerRefused({ paymentId: "pay_1", operation: "capture", reason: "ExceedsCredits: no funds" }),
  new StateMachine.IllegalTransition({
    machine: "payment",
    from: "succeeded",
    command: "cancel",
    actor: "merchant",
    reason: "no row"
  }),
  new StateMachine.IllegalTransition({ from: "pending", command: "x", reason: "no machine, no actor" }),
  new InvalidInput({ operation: "capture", path: "final", reason: "a manual payment captures once" })
]

// ---------------------------------------------------------------------------------------------
// Random worlds for the query properties

const STATUSES = Status.Status.literals
const CURRENCIES = [Currency.EUR, Currency.USD, Currency.JPY]

type Step =
  | "confirm"
  | "authorise"
  | "capture_part"
  | "capture_all"
  | "refund"
  | "refund_ok"
  | "refund_action"
  | "require_action"
  | "decline"
  | "cancel"
  | "expire"
  | "review"
  | "fail"

const applyStep = (p: Payment.Payment, step: Step, now: number): Payment.Payment => {
  const r: Result.Result<Payment.Payment, unknown> = (() => {
    switch (step) {
      case "confirm":
        return p.status === "requires_payment_method"
          ? Result.flatMap(Steps.attachMethod(p, "pm_b", now), (x) => Steps.confirm(x, now))
          : Steps.confirm(p, now)
      case "authorise":
        return Steps.authorise(p, now)
      case "capture_part":
        return Steps.capture(p, { amount: 1n, final: false }, now)
      case "capture_all":
        return Steps.capture(p, {}, now)
      case "refund":
        return Steps.refund(p, { amount: 1n, reason: "other" }, now)
      case "refund_ok": {
        const open = p.refunds.find((x) => x.status === "pending" || x.status === "requires_action")
        return open === undefined
          ? Result.fail("none")
          : Steps.refundOutcome(p, open.id, { _tag: "succeeded" }, now)
      }
      case "refund_action": {
        const open = p.refunds.find((x) => x.status === "pending")
        return open === undefined
          ? Result.fail("none")
          : Steps.refundOutcome(p, open.id, { _tag: "requires_action" }, now)
      }
      case "require_action":
        return Steps.requireAction(p, now)
      case "decline":
        return Steps.decline(p, "insufficient_funds", now)
      case "cancel":
        return Steps.cancel(p, "abandoned", "merchant", now)
      case "expire":
        return Steps.expire(p, now)
      case "review":
        return Steps.holdForReview(p, now)
      case "fail":
        return Steps.fail(p, "blocked_by_risk", "system", now)
    }
  })()
  return Result.isSuccess(r) ? r.success : p
}

const stepArb: fc.Arbitrary<Step> = fc.constantFrom(
  "confirm",
  "authorise",
  "capture_part",
  "capture_all",
  "refund",
  "refund_ok",
  "refund_action",
  "require_action",
  "decline",
  "cancel",
  "expire",
  "review",
  "fail"
)

/** Paths to each stage a payment can stand at, so random payments reach all of them. */
const PATHS: ReadonlyArray<ReadonlyArray<Step>> = [
  [],
  ["confirm"],
  ["confirm", "require_action"],
  ["confirm", "review"],
  ["confirm", "review", "fail"],
  ["confirm", "decline"],
  ["confirm", "authorise"],
  ["confirm", "authorise", "capture_part"],
  ["confirm", "authorise", "capture_all"],
  ["confirm", "authorise", "capture_all", "refund"],
  ["confirm", "authorise", "capture_all", "refund", "refund_action"],
  ["confirm", "authorise", "capture_all", "refund", "refund_ok"],
  ["confirm", "authorise", "capture_part", "refund", "expire"],
  ["confirm", "authorise", "cancel"]
]

/**
 * A random payment built by the pure `Steps` from a random create input, a path to one of the
 * stages a payment can stand at and up to 3 more random steps (refused steps are skipped), in one of the merchants `acct_a`/`acct_b`, created at one
 * of a few times (so creation times tie), sometimes with an authorisation expiry. For store
 * properties; ids are `pay_<n>`.
 *
 * @example
 * ```ts
 * import { PaymentStoreContract } from "@paykit/payments/testing"
 * import fc from "fast-check"
 * fc.sample(PaymentStoreContract.arbitraryPayment, 1)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const arbitraryPayment: fc.Arbitrary<Payment.Payment> = fc
  .record({
    n: fc.integer({ min: 0, max: 999 }),
    merchant: fc.constantFrom("acct_a", "acct_b"),
    customer: fc.option(fc.constantFrom("cus_1", "cus_2"), { nil: undefined }),
    paymentMethod: fc.option(fc.constantFrom("pm_a", "pm_b"), { nil: undefined }),
    amount: fc.bigInt({ min: 1n, max: 20_000n }),
    currency: fc.constantFrom(...CURRENCIES),
    captureMethod: fc.constantFrom(
      "automatic",
      "manual",
      "manual_multiple"
    ) as fc.Arbitrary<Payment.CaptureMethod>,
    createdAt: fc.constantFrom(1_000, 2_000, 3_000, 4_000),
    steps: fc
      .tuple(fc.constantFrom(...PATHS), fc.array(stepArb, { maxLength: 3 }))
      .map(([path, more]) => [...path, ...more]),
    expiresIn: fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: undefined })
  })
  .map((r) => {
    let p = ok(
      Steps.create(
        {
          id: `pay_${r.n}`,
          merchant: r.merchant,
          ...(r.customer === undefined ? {} : { customer: r.customer }),
          ...(r.paymentMethod === undefined ? {} : { paymentMethod: r.paymentMethod }),
          amount: Money.fromMinorUnsafe(r.amount, r.currency),
          captureMethod: r.captureMethod
        },
        r.createdAt
      ),
      "create"
    )
    for (const [i, step] of r.steps.entries()) p = applyStep(p, step, r.createdAt + i + 1)
    return r.expiresIn === undefined ? p : { ...p, expiresAt: r.createdAt + r.expiresIn }
  })

const queryArb: fc.Arbitrary<Query> = fc
  .record({
    merchant: fc.constantFrom("acct_a", "acct_b"),
    status: fc.option(fc.subarray([...STATUSES]), { nil: undefined }),
    paymentMethod: fc.option(fc.constantFrom("pm_a", "pm_b"), { nil: undefined }),
    customer: fc.option(fc.constantFrom("cus_1", "cus_2"), { nil: undefined }),
    from: fc.option(fc.constantFrom(0, 1_000, 2_000, 3_000, 4_000), { nil: undefined }),
    to: fc.option(fc.constantFrom(1_000, 2_000, 3_000, 4_000, 5_000), { nil: undefined }),
    minAmount: fc.option(fc.bigInt({ min: 1n, max: 20_000n }), { nil: undefined }),
    maxAmount: fc.option(fc.bigInt({ min: 1n, max: 20_000n }), { nil: undefined }),
    limit: fc.integer({ min: 1, max: 7 })
  })
  .map((q) => Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as unknown as Query)

const newestFirst = (a: Payment.Payment, b: Payment.Payment) =>
  b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

const waiting = (p: Payment.Payment) =>
  p.status === "processing" ||
  p.status === "requires_action" ||
  p.refunds.some((r: Refund.Refund) => r.status === "pending" || r.status === "requires_action")

const lapsed = (p: Payment.Payment, now: number) =>
  (p.status === "requires_capture" || p.status === "partially_captured") &&
  p.expiresAt !== undefined &&
  p.expiresAt <= now

const sorted = (ids: ReadonlyArray<string>) => [...ids].sort()

/**
 * The contract every `PaymentStore` must pass, as a Vitest suite: a payment reads back as it was
 * committed (bigint amounts and their currencies, captures, refunds, optional fields, metadata,
 * the last decline) with its timeline; a commit at a stale version fails `VersionConflict` and
 * changes nothing; a commit without a payment appends timeline entries and stores an idempotency
 * record only; idempotency records read back with their payment or their typed error (the same
 * class, equal fields), and a second record for a merchant's key fails and changes nothing;
 * `exclusive` runs two writers of one payment in turn and two payments at once; `expiring`,
 * `awaitingProvider`, `list` (filters, newest first, cursor paging through equal creation times)
 * and `counts` agree with `PaymentStore.matches` over random payments; a commit's events are
 * delivered, in order, and a refused commit's are not.
 *
 * Each test builds `layer` afresh, with a memory `Notifier` (and its `RecordedEvents`) provided.
 *
 * @example
 * ```ts
 * import { PaymentStore } from "@paykit/payments"
 * import { PaymentStoreContract } from "@paykit/payments/testing"
 * PaymentStoreContract.suite("memory", PaymentStore.layerMemory)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const suite = <R = never>(
  name: string,
  layer: Layer.Layer<PaymentStore | R, unknown, Notifier.Notifier>,
  options: Options<R> = {}
): void => {
  const full = Layer.provideMerge(layer, Notifier.layerMemory)
  type Env = PaymentStore | R | Notifier.Notifier | Notifier.RecordedEvents
  const run = <A, E>(effect: Effect.Effect<A, E, Env>): Promise<A> =>
    Effect.runPromise(Effect.provide(effect, full) as Effect.Effect<A, E>)
  const timeout = options.timeout ?? 60_000
  const numRuns = options.numRuns ?? 25
  const delivered: Effect.Effect<
    ReadonlyArray<DomainEvent.DomainEvent>,
    unknown,
    Env
  > = options.deliveredEvents ?? Effect.flatMap(Notifier.RecordedEvents, (r) => r.all)
  const deliveredIds = Effect.map(delivered, (events) => events.map((e) => e.id))

  const stored = (id: string) =>
    Effect.flatMap(PaymentStore, (s) => s.get(id)).pipe(Effect.map(Option.getOrUndefined))

  describe(`PaymentStore contract: ${name}`, () => {
    it("a new payment reads back equal, with its timeline; later commits append to it", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* PaymentStore
          const rich = richPayment("pay_rich")
          const declined = declinedPayment("pay_declined")
          const timeline = [
            entry("pay_rich", "created", 1_000),
            entry("pay_rich:capture:1", "captured", 1_004, {
              amount: { amount: "1000", currency: "EUR" },
              reference: "psp/ref:1"
            }),
            entry("pay_rich:refund:2", "refund_failed", 1_009, { source: "webhook", reasonCode: "AC04" })
          ]
          yield* store.commit(newPayment(rich, timeline))
          yield* store.commit(newPayment(declined))
          expect(Option.isNone(yield* store.get("pay_none"))).toBe(true)

          const back = (yield* stored("pay_rich"))!
          expect(back).toEqual({ payment: rich, timeline })
          expect(back.payment.amount.amount).toBe(2n ** 100n + 7n)
          expect(back.payment.amount.currency).toEqual(Currency.EUR)
          expect(typeof back.payment.captured.amount).toBe("bigint")
          expect(back.payment.captures.map((c) => [c.id, c.amount.amount, c.final])).toEqual([
            ["pay_rich:capture:1", 1_000n, false],
            ["pay_rich:capture:2", 2n ** 99n, false]
          ])
          expect(
            back.payment.refunds.map((r) => [r.status, r.amount.amount, r.reference, r.failureReason])
          ).toEqual([
            ["succeeded", 500n, "ARN123", undefined],
            ["failed", 200n, undefined, "lost_or_stolen_card"],
            ["pending", 100n, undefined, undefined]
          ])
          expect(back.payment.metadata).toEqual({ order: "A-1", note: "ünïcode ✓ 付款" })

          const d = (yield* stored("pay_declined"))!
          expect(d).toEqual({ payment: declined, timeline: [] })
          expect(d.payment.amount.currency).toEqual(Currency.JPY)
          expect(d.payment.lastDecline).toEqual({
            code: "insufficient_funds",
            action: declined.lastDecline!.action,
            hard: declined.lastDecline!.hard,
            paymentMethod: "pm_card_declined"
          })
          expect("customer" in d.payment).toBe(false)
          expect("paymentMethod" in d.payment).toBe(false)
          expect("expiresAt" in d.payment).toBe(false)

          // the next state, decided on the version read: replaces the payment, appends the timeline
          const next = ok(
            Steps.refundOutcome(rich, "pay_rich:refund:3", { _tag: "canceled" }, 1_011),
            "cancel"
          )
          const more = [entry("pay_rich:refund:3", "refund_canceled", 1_011)]
          yield* store.commit({
            paymentId: rich.id,
            payment: next,
            expectedVersion: rich.version,
            timeline: more,
            events: []
          })
          expect(yield* stored("pay_rich")).toEqual({ payment: next, timeline: [...timeline, ...more] })
        })
      )
    )

    it("a commit at a stale version fails VersionConflict and changes nothing", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* PaymentStore
          const p = samplePayment("pay_1", "authorised")
          yield* store.commit(newPayment(p, [entry("pay_1", "created", 1_000)]))
          const before = yield* stored("pay_1")
          const eventsBefore = yield* deliveredIds
          const next = ok(Steps.capture(p, {}, 5_000), "capture")
          const stale = (expectedVersion: number | undefined): Change => ({
            paymentId: p.id,
            payment: next,
            expectedVersion,
            timeline: [entry("pay_1", "captured", 5_000)],
            idempotency: record("acct_1", "k_stale", p.id, { _tag: "Success", payment: next }),
            events: [sampleEvent(1, "pay_1")]
          })
          for (const v of [undefined, p.version - 1, p.version + 1]) {
            const error = yield* Effect.flip(store.commit(stale(v)))
            expect(error._tag).toBe("VersionConflict")
            expect(error).toMatchObject({ paymentId: "pay_1" })
          }
          expect(yield* stored("pay_1")).toEqual(before)
          expect(Option.isNone(yield* store.idempotency("acct_1", "k_stale"))).toBe(true)
          expect(yield* deliveredIds).toEqual(eventsBefore)
          // the same change at the version read goes through
          yield* store.commit(stale(p.version))
          expect((yield* stored("pay_1"))?.payment).toEqual(next)
          expect(yield* deliveredIds).toEqual([...eventsBefore, sampleEvent(1, "pay_1").id])
        })
      )
    )

    it(
      "a commit without a payment appends timeline entries and stores an idempotency record only",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* PaymentStore
            const p = samplePayment("pay_1", "captured")
            const first = [entry("pay_1", "created", 1_000)]
            yield* store.commit(newPayment(p, first))
            const e2 = entry("pay_1", "refund_requested", 6_000, { reasonCode: "provider_unavailable" })
            yield* store.commit({ paymentId: p.id, expectedVersion: p.version, timeline: [e2], events: [] })
            expect(yield* stored("pay_1")).toEqual({ payment: p, timeline: [...first, e2] })

            const refused = record("acct_1", "k_refused", p.id, {
              _tag: "Failure",
              error: new AmountExceeded({
                operation: "refund",
                field: "amount",
                requested: "20000",
                available: "10000",
                currency: "EUR"
              })
            })
            yield* store.commit({
              paymentId: p.id,
              expectedVersion: p.version,
              timeline: [],
              idempotency: refused,
              events: []
            })
            expect(yield* stored("pay_1")).toEqual({ payment: p, timeline: [...first, e2] })
            const back = Option.getOrThrow(yield* store.idempotency("acct_1", "k_refused"))
            expect(back).toEqual(refused)

            // for a payment that does not exist the record is kept and no payment appears
            const ghost = record("acct_1", "k_ghost", "pay_ghost", {
              _tag: "Failure",
              error: new PaymentNotFound({ paymentId: "pay_ghost" })
            })
            yield* store.commit({
              paymentId: "pay_ghost",
              expectedVersion: undefined,
              timeline: [],
              idempotency: ghost,
              events: []
            })
            expect(Option.isNone(yield* store.get("pay_ghost"))).toBe(true)
            expect(Option.getOrThrow(yield* store.idempotency("acct_1", "k_ghost"))).toEqual(ghost)
          })
        )
    )

    it(
      "idempotency records read back with their payment or their typed error; a second record for a key fails and changes nothing",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* PaymentStore
            const p = richPayment("pay_1")
            yield* store.commit(newPayment(p))
            const success = record("acct_rich", "k_ok", p.id, { _tag: "Success", payment: p })
            yield* store.commit({
              paymentId: p.id,
              expectedVersion: p.version,
              timeline: [],
              idempotency: success,
              events: []
            })
            const ok1 = Option.getOrThrow(yield* store.idempotency("acct_rich", "k_ok"))
            expect(ok1).toEqual(success)
            if (ok1.outcome._tag === "Success")
              expect(ok1.outcome.payment.amount.amount).toBe(2n ** 100n + 7n)

            for (const [i, error] of remembered.entries()) {
              const r = record("acct_rich", `k_err_${i}`, p.id, { _tag: "Failure", error })
              yield* store.commit({
                paymentId: p.id,
                expectedVersion: p.version,
                timeline: [],
                idempotency: r,
                events: []
              })
              const back = Option.getOrThrow(yield* store.idempotency("acct_rich", `k_err_${i}`))
              expect(back).toEqual(r)
              const got = back.outcome._tag === "Failure" ? back.outcome.error : undefined
              expect(got).toBeInstanceOf((error as object).constructor)
              expect({ ...(got as object) }).toEqual({ ...(error as object) })
              expect((got as Error).message).toBe((error as Error).message)
            }

            // the key again (another request meanwhile): refused, with nothing of the change kept
            const before = yield* stored(p.id)
            const eventsBefore = yield* deliveredIds
            const next = ok(Steps.capture(p, { amount: 1n, final: false }, 7_000), "capture")
            const again = yield* Effect.flip(
              store.commit({
                paymentId: p.id,
                payment: next,
                expectedVersion: p.version,
                timeline: [entry(p.id, "captured", 7_000)],
                idempotency: record("acct_rich", "k_ok", p.id, { _tag: "Success", payment: next }),
                events: [sampleEvent(7, p.id)]
              })
            )
            expect(again._tag).toBe("StoreFailure")
            expect(again.message).toContain("k_ok")
            expect(yield* stored(p.id)).toEqual(before)
            expect(Option.getOrThrow(yield* store.idempotency("acct_rich", "k_ok"))).toEqual(success)
            expect(yield* deliveredIds).toEqual(eventsBefore)
            // the same key of another merchant is another key
            const other = record("acct_other", "k_ok", p.id, { _tag: "Success", payment: p })
            yield* store.commit({
              paymentId: p.id,
              expectedVersion: p.version,
              timeline: [],
              idempotency: other,
              events: []
            })
            expect(Option.getOrThrow(yield* store.idempotency("acct_other", "k_ok"))).toEqual(other)
            expect(Option.isNone(yield* store.idempotency("acct_rich", "k_none"))).toBe(true)
          })
        )
    )

    it("exclusive runs two writers of one payment in turn: each reads the other's commit", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* PaymentStore
          const p = samplePayment("pay_1", "created")
          yield* store.commit(newPayment(p))
          const trace: Array<string> = []
          const writer = (w: string) =>
            store.exclusive(
              "pay_1",
              Effect.gen(function* () {
                trace.push(`enter ${w}`)
                const s = Option.getOrThrow(yield* store.get("pay_1"))
                yield* Effect.sleep("30 millis")
                const next = {
                  ...s.payment,
                  metadata: { ...s.payment.metadata, [w]: "yes" },
                  version: s.payment.version + 1
                }
                yield* store.commit({
                  paymentId: "pay_1",
                  payment: next,
                  expectedVersion: s.payment.version,
                  timeline: [entry("pay_1", "created", 2_000, { reference: w })],
                  events: []
                })
                trace.push(`exit ${w}`)
              })
            )
          yield* Effect.all([writer("a"), writer("b")], { concurrency: "unbounded" })
          expect([
            trace[0]!.slice(0, 5),
            trace[1]!.slice(0, 4),
            trace[2]!.slice(0, 5),
            trace[3]!.slice(0, 4)
          ]).toEqual(["enter", "exit", "enter", "exit"])
          const s = Option.getOrThrow(yield* store.get("pay_1"))
          expect(s.payment.version).toBe(p.version + 2)
          expect(s.payment.metadata).toEqual({ a: "yes", b: "yes" })
          expect(s.timeline).toHaveLength(2)
          // an error of the body comes out as it is
          const error = yield* Effect.flip(store.exclusive("pay_1", Effect.fail("refused" as const)))
          expect(error).toBe("refused")
          // a payment that does not exist yet can be taken, and created inside
          const created = yield* store.exclusive(
            "pay_new",
            Effect.gen(function* () {
              expect(Option.isNone(yield* store.get("pay_new"))).toBe(true)
              yield* store.commit(newPayment(samplePayment("pay_new", "created")))
              return Option.isSome(yield* store.get("pay_new"))
            })
          )
          expect(created).toBe(true)
        })
      )
    )

    if (options.concurrentTransactions !== false)
      it("exclusive lets two payments run at once", { timeout }, () =>
        run(
          Effect.gen(function* () {
            const store = yield* PaymentStore
            const a = yield* Deferred.make<void>()
            const b = yield* Deferred.make<void>()
            // each body waits for the other to have started: only possible when both run at once
            const both = Effect.all(
              [
                store.exclusive("pay_a", Effect.andThen(Deferred.succeed(a, undefined), Deferred.await(b))),
                store.exclusive("pay_b", Effect.andThen(Deferred.succeed(b, undefined), Deferred.await(a)))
              ],
              { concurrency: "unbounded" }
            )
            const done = yield* Effect.timeoutOption(both, "10 seconds")
            expect(Option.isSome(done)).toBe(true)
          })
        )
      )

    it("a commit's events are delivered in order; a refused commit's are not", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* PaymentStore
          const p = samplePayment("pay_1", "authorised")
          yield* store.commit({
            ...newPayment(p),
            events: [sampleEvent(1, "pay_1"), sampleEvent(2, "pay_1")]
          })
          const next = ok(Steps.capture(p, {}, 5_000), "capture")
          yield* Effect.flip(
            store.commit({
              paymentId: p.id,
              payment: next,
              expectedVersion: p.version + 5,
              timeline: [],
              events: [sampleEvent(3, "pay_1")]
            })
          )
          yield* store.commit({
            paymentId: p.id,
            payment: next,
            expectedVersion: p.version,
            timeline: [],
            events: [sampleEvent(4, "pay_1")]
          })
          // an events-only commit
          yield* store.commit({
            paymentId: p.id,
            expectedVersion: next.version,
            timeline: [],
            events: [sampleEvent(5, "pay_1")]
          })
          const events = yield* delivered
          expect(events.map((e) => e.id)).toEqual([1, 2, 4, 5].map((n) => sampleEvent(n, "pay_1").id))
          expect(events[0]).toEqual(sampleEvent(1, "pay_1"))
        })
      )
    )

    it(
      "expiring, awaitingProvider, list and counts agree with matches over random payments",
      { timeout },
      () =>
        fc.assert(
          fc.asyncProperty(
            fc.uniqueArray(arbitraryPayment, { selector: (p) => p.id, maxLength: 24 }),
            fc.array(queryArb, { minLength: 1, maxLength: 4 }),
            fc.integer({ min: 0, max: 10_000 }),
            fc.integer({ min: 1, max: 5 }),
            (payments, queries, now, smallLimit) =>
              run(
                Effect.gen(function* () {
                  const store = yield* PaymentStore
                  for (const p of payments) yield* store.commit(newPayment(p))

                  const due = payments.filter((p) => lapsed(p, now)).map((p) => p.id)
                  expect(sorted(yield* store.expiring(now, 1_000))).toEqual(sorted(due))
                  const someDue = yield* store.expiring(now, smallLimit)
                  expect(someDue).toHaveLength(Math.min(smallLimit, due.length))
                  for (const id of someDue) expect(due).toContain(id)

                  const wait = payments.filter(waiting).map((p) => p.id)
                  expect(sorted(yield* store.awaitingProvider(1_000))).toEqual(sorted(wait))
                  const someWait = yield* store.awaitingProvider(smallLimit)
                  expect(someWait).toHaveLength(Math.min(smallLimit, wait.length))
                  for (const id of someWait) expect(wait).toContain(id)

                  for (const merchant of ["acct_a", "acct_b", "acct_none"]) {
                    const expected: Record<string, number> = {}
                    for (const p of payments)
                      if (p.merchant === merchant) expected[p.status] = (expected[p.status] ?? 0) + 1
                    expect(yield* store.counts(merchant)).toEqual(expected)
                  }

                  for (const q of queries) {
                    const expected = payments.filter((p) => matches(p, q)).sort(newestFirst)
                    const seen: Array<Payment.Payment> = []
                    let cursor: string | undefined
                    for (let page = 0; page <= payments.length + 1; page++) {
                      const got = yield* store.list(cursor === undefined ? q : { ...q, cursor })
                      expect(got.payments.length).toBeLessThanOrEqual(q.limit)
                      seen.push(...got.payments)
                      if (got.next === undefined) break
                      expect(got.payments).toHaveLength(q.limit)
                      cursor = got.next
                    }
                    expect(seen.map((p) => p.id)).toEqual(expected.map((p) => p.id))
                    expect(seen).toEqual(expected)
                  }
                })
              )
          ),
          { numRuns }
        )
    )
  })
}
