import { Currency, Ids, Notifier } from "@paykit/core"
import { ChartOfAccounts, Ledger } from "@paykit/ledger"
import { Effect, Layer, Result } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { Books, FxConversion, Payments, PaymentStore } from "../src/index.ts"
import { TestProvider, TestRisk } from "../src/testing/index.ts"

const T0 = Date.UTC(2026, 0, 5)
const DAY = 86_400_000
const EUR = Currency.EUR
const USD = Currency.USD

const env = (options: Payments.Options) =>
  Payments.layer(options).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        PaymentStore.layerMemory,
        TestProvider.layer(),
        TestRisk.layer,
        FxConversion.layerFixedRates({ "EUR/USD": "1.0842" }),
        Ledger.layerMemory()
      )
    ),
    Layer.provideMerge(Layer.mergeAll(Notifier.layerMemory, Ids.layerSeeded(7), TestClock.layer()))
  )
type Env = Layer.Success<ReturnType<typeof env>>

const WALLET = "customer:cus_1:wallet:EUR"
const PENDING = "merchant:m_1:pending:EUR"
const CLEARING = "bank:acq_1:clearing:EUR"
const FEES = "platform:fees:EUR"

/** Opens the chart's accounts and funds the customer's wallet with 500.00 from the clearing account. */
const openBooks = Effect.gen(function* () {
  const ledger = yield* Ledger.Ledger
  const refs = [
    ChartOfAccounts.customerWallet("cus_1", EUR),
    ChartOfAccounts.merchantPending("m_1", EUR),
    ChartOfAccounts.settlementBank("acq_1", EUR),
    ChartOfAccounts.feeRevenue(EUR),
    ChartOfAccounts.merchantPending("m_1", USD),
    ChartOfAccounts.feeRevenue(USD),
    ChartOfAccounts.fxPosition(EUR),
    ChartOfAccounts.fxPosition(USD)
  ].map((r) => Result.getOrThrow(r))
  const s = yield* ledger.executeSummary(
    [
      ...refs.map(ChartOfAccounts.open),
      {
        _tag: "Transfer",
        id: "fund:1",
        postings: [{ debit: CLEARING, credit: WALLET, amount: 50_000n, currency: "EUR" }]
      }
    ],
    "linked"
  )
  expect(s.failures).toEqual([])
})

const run = <A, E>(options: Payments.Options, effect: Effect.Effect<A, E, Env>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      yield* openBooks
      return yield* effect
    }).pipe(Effect.provide(env(options))) as Effect.Effect<A, E>
  )

const wallet = { books: { _tag: "wallet" } } as const satisfies Payments.Options
const acquiring = {
  books: { _tag: "acquiring", bank: "acq_1" },
  fees: Books.percentPlusFixed({ bps: 290, fixed: { EUR: 30n } })
} as const satisfies Payments.Options

const balance = (id: string) =>
  Effect.flatMap(Ledger.Ledger, (l) =>
    Effect.map(l.balances(id), (b) => ({
      posted: b.posted.amount,
      // what holds reserve: posted less available
      held: b.posted.amount - b.available.amount,
      available: b.available.amount
    }))
  )
const eur = (amount: string) => ({ amount, currency: "EUR" })
const newPayment = (
  id: string,
  captureMethod: "automatic" | "manual" | "manual_multiple",
  method = "pm_approve",
  risk?: keyof typeof TestRisk.VERDICTS
) =>
  Effect.flatMap(Payments.Payments, (s) =>
    s.create({
      id,
      merchant: "m_1",
      customer: "cus_1",
      paymentMethod: method,
      amount: eur("10000"),
      captureMethod,
      ...(risk === undefined ? {} : { metadata: { [TestRisk.KEY]: risk } })
    })
  )
const types = Effect.map(
  Effect.flatMap(Notifier.RecordedEvents, (e) => e.all),
  (all) => all.map((e) => e.type)
)

describe("wallet books: the hold follows what is capturable", () => {
  it("manual capture of part releases the rest; a refund transfers back; each step one entry", () =>
    run(
      wallet,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* newPayment("pay_1", "manual")
        const authorised = yield* s.confirm("pay_1")
        expect(authorised.status).toBe("requires_capture")
        expect(authorised.expiresAt).toBe(T0 + 7 * DAY)
        expect(yield* balance(WALLET)).toEqual({ posted: 50_000n, held: 10_000n, available: 40_000n })
        const captured = yield* s.capture("pay_1", { amount: "6000" })
        expect(captured.status).toBe("succeeded")
        expect(yield* balance(WALLET)).toEqual({ posted: 44_000n, held: 0n, available: 44_000n })
        expect((yield* balance(PENDING)).posted).toBe(6_000n)
        const refunded = yield* s.refund("pay_1", { amount: "2500", reason: "requested_by_customer" })
        expect(refunded.refunded.amount).toBe(2_500n)
        expect(refunded.refunds[0]!.status).toBe("succeeded")
        expect((yield* balance(WALLET)).posted).toBe(46_500n)
        expect((yield* balance(PENDING)).posted).toBe(3_500n)
        expect(yield* types).toEqual(
          expect.arrayContaining([
            "payments.payment.created",
            "payments.payment.authorised",
            "payments.capture.succeeded",
            "payments.refund.requested",
            "payments.refund.succeeded"
          ])
        )
        const timeline = yield* s.timeline("pay_1")
        expect(timeline.map((e) => e.stage)).toEqual([
          "created",
          "confirmed",
          "authorised",
          "captured",
          "refund_requested",
          "refund_succeeded"
        ])
      })
    ))

  it("multiple capture with an increment: the hold is re-made for what is left, the final capture releases it", () =>
    run(
      wallet,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* newPayment("pay_2", "manual_multiple")
        yield* s.confirm("pay_2")
        const first = yield* s.capture("pay_2", { amount: "3000", final: false })
        expect(first.status).toBe("partially_captured")
        expect(yield* balance(WALLET)).toEqual({ posted: 47_000n, held: 7_000n, available: 40_000n })
        const more = yield* s.increment("pay_2", { amount: "1000" })
        expect(more.authorised.amount).toBe(11_000n)
        expect((yield* balance(WALLET)).held).toBe(8_000n)
        const last = yield* s.capture("pay_2", { amount: "5000", final: true })
        expect(last.status).toBe("succeeded")
        expect(yield* balance(WALLET)).toEqual({ posted: 42_000n, held: 0n, available: 42_000n })
        expect((yield* balance(PENDING)).posted).toBe(8_000n)
      })
    ))

  it("automatic capture moves the money at authorisation; cancel before capture and expiry release the hold", () =>
    run(
      wallet,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* newPayment("pay_a", "automatic")
        expect((yield* s.confirm("pay_a")).status).toBe("succeeded")
        expect((yield* balance(WALLET)).posted).toBe(40_000n)
        yield* newPayment("pay_c", "manual")
        yield* s.confirm("pay_c")
        const canceled = yield* s.cancel("pay_c", { reason: "requested_by_customer" })
        expect(canceled.status).toBe("canceled")
        expect((yield* balance(WALLET)).available).toBe(40_000n)
        yield* newPayment("pay_e", "manual")
        yield* s.confirm("pay_e")
        expect((yield* balance(WALLET)).available).toBe(30_000n)
        yield* TestClock.adjust(7 * DAY - 1)
        expect(yield* s.expireDue).toBe(0)
        yield* TestClock.adjust(1)
        expect(yield* s.expireDue).toBe(1)
        const expired = yield* s.get("pay_e")
        expect(expired.status).toBe("canceled")
        expect(expired.cancellationReason).toBe("expired")
        expect((yield* balance(WALLET)).available).toBe(40_000n)
        expect(yield* types).toContain("payments.payment.expired")
      })
    ))

  it("a wallet without the funds: the ledger refuses the hold and the payment is as it was", () =>
    run(
      wallet,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* s.create({
          id: "pay_big",
          merchant: "m_1",
          customer: "cus_1",
          paymentMethod: "pm_approve",
          amount: eur("60000"),
          captureMethod: "manual"
        })
        const e = yield* Effect.flip(s.confirm("pay_big"))
        expect(e._tag).toBe("LedgerRefused")
        expect((yield* s.get("pay_big")).status).toBe("requires_confirmation")
        expect((yield* balance(WALLET)).available).toBe(50_000n)
      })
    ))
})

describe("acquiring books: captures with fee lines", () => {
  it("a capture moves the gross from the clearing account and splits the fees off", () =>
    run(
      acquiring,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* newPayment("pay_3", "manual")
        yield* s.confirm("pay_3")
        // nothing posts at authorisation: the money is at the issuer
        expect((yield* balance(PENDING)).posted).toBe(0n)
        yield* s.capture("pay_3")
        // 10,000 × 2.90 % = 290, plus 30 fixed
        expect((yield* balance(PENDING)).posted).toBe(10_000n - 320n)
        expect((yield* balance(FEES)).posted).toBe(320n)
        yield* s.refund("pay_3", { amount: "1000", reason: "requested_by_customer" })
        expect((yield* balance(PENDING)).posted).toBe(10_000n - 320n - 1_000n)
      })
    ))
})

describe("idempotency keys (Stripe's semantics)", () => {
  it("the same key and parameters replay the outcome; other parameters name the difference; failures replay too", () =>
    run(
      wallet,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* newPayment("pay_k", "manual_multiple")
        yield* s.confirm("pay_k", {}, { idempotencyKey: "k-confirm" })
        const once = yield* s.capture("pay_k", { amount: "1000", final: false }, { idempotencyKey: "k1" })
        const again = yield* s.capture("pay_k", { amount: "1000", final: false }, { idempotencyKey: "k1" })
        expect(again).toEqual(once)
        expect((yield* s.get("pay_k")).captured.amount).toBe(1_000n)
        expect((yield* balance(PENDING)).posted).toBe(1_000n)
        const other = yield* Effect.flip(
          s.capture("pay_k", { amount: "2000", final: false }, { idempotencyKey: "k1" })
        )
        expect(other).toMatchObject({ _tag: "IdempotencyKeyReused", field: "amount" })
        const tooMuch = yield* Effect.flip(s.capture("pay_k", { amount: "99999" }, { idempotencyKey: "k2" }))
        expect(tooMuch._tag).toBe("AmountExceeded")
        const replayed = yield* Effect.flip(s.capture("pay_k", { amount: "99999" }, { idempotencyKey: "k2" }))
        expect(replayed).toEqual(tooMuch)
        const confirmedAgain = yield* s.confirm("pay_k", {}, { idempotencyKey: "k-confirm" })
        expect(confirmedAgain.status).toBe("requires_capture")
      })
    ))
})

describe("the provider's answers", () => {
  it("a decline keeps the method in lastDecline with its recommended action; nothing posts", () =>
    run(
      wallet,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* newPayment("pay_d", "manual", "pm_decline_insufficient_funds")
        const p = yield* s.confirm("pay_d")
        expect(p.status).toBe("requires_payment_method")
        expect(p.lastDecline).toMatchObject({
          code: "insufficient_funds",
          paymentMethod: "pm_decline_insufficient_funds"
        })
        expect((yield* balance(WALLET)).available).toBe(50_000n)
      })
    ))

  it("3-D Secure: requires action, then the webhook authorises; a duplicated webhook changes nothing", () =>
    run(
      wallet,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        const control = yield* TestProvider.Control
        yield* newPayment("pay_3ds", "manual", "pm_3ds")
        expect((yield* s.confirm("pay_3ds")).status).toBe("requires_action")
        yield* control.completeAction("pay_3ds", true)
        const [hook] = yield* control.takeWebhooks()
        const p = yield* s.applyWebhook(hook!)
        expect(p.status).toBe("requires_capture")
        const version = p.version
        const twice = yield* s.applyWebhook(hook!)
        expect(twice.version).toBe(version)
        expect((yield* balance(WALLET)).held).toBe(10_000n)
      })
    ))

  it("a timeout leaves the payment processing; a sync finds it authorised", () =>
    run(
      wallet,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* newPayment("pay_t", "manual", "pm_timeout")
        expect((yield* s.confirm("pay_t")).status).toBe("processing")
        const p = yield* s.sync("pay_t")
        expect(p.status).toBe("requires_capture")
        expect((yield* s.timeline("pay_t")).at(-1)).toMatchObject({ stage: "authorised", source: "poll" })
      })
    ))

  it("a capture that fails is refused with its action and can be sent again; one capture on the books", () =>
    run(
      wallet,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* newPayment("pay_f", "manual", "pm_capture_fails_once")
        yield* s.confirm("pay_f")
        const e = yield* Effect.flip(s.capture("pay_f"))
        expect(e).toMatchObject({ _tag: "ProviderRefused", operation: "capture" })
        expect((yield* s.get("pay_f")).status).toBe("requires_capture")
        const p = yield* s.capture("pay_f")
        expect(p.status).toBe("succeeded")
        expect((yield* balance(PENDING)).posted).toBe(10_000n)
        expect((yield* s.timeline("pay_f")).map((t) => t.stage)).toContain("capture_failed")
      })
    ))

  it("a refund the provider fails later moves no money, and its amount is refundable again", () =>
    run(
      wallet,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        const control = yield* TestProvider.Control
        yield* newPayment("pay_r", "automatic", "pm_refund_fails")
        yield* s.confirm("pay_r")
        const pending = yield* s.refund("pay_r", { reason: "requested_by_customer" })
        expect(pending.refunds[0]!.status).toBe("pending")
        expect((yield* balance(PENDING)).posted).toBe(10_000n)
        const [hook] = yield* control.takeWebhooks()
        const failed = yield* s.applyWebhook(hook!)
        expect(failed.refunds[0]!.status).toBe("failed")
        expect(failed.refunded.amount).toBe(0n)
        expect((yield* balance(PENDING)).posted).toBe(10_000n)
        const again = yield* s.refund("pay_r", { amount: "10000", reason: "requested_by_customer" })
        expect(again.refunds).toHaveLength(2)
      })
    ))
})

describe("bad input changes nothing", () => {
  it("negative, zero and malformed amounts, unknown ids and garbage are typed errors naming the field", () =>
    run(
      wallet,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* newPayment("pay_b", "manual")
        yield* s.confirm("pay_b")
        const before = yield* s.get("pay_b")
        const errors = [
          yield* Effect.flip(s.capture("pay_b", { amount: "-5" })),
          yield* Effect.flip(s.capture("pay_b", { amount: "0" })),
          yield* Effect.flip(s.capture("pay_b", { amount: 5 } as never)),
          yield* Effect.flip(s.increment("pay_b", { amount: "abc" })),
          yield* Effect.flip(s.refund("pay_b", { amount: "100", reason: "because" } as never)),
          yield* Effect.flip(s.capture("pay_b", { amount: "10001" })),
          yield* Effect.flip(s.refund("pay_b", { amount: "100", reason: "other" })),
          yield* Effect.flip(s.capture("nope", {})),
          yield* Effect.flip(s.capture("../etc", {})),
          yield* Effect.flip(s.create({ garbage: true } as never)),
          yield* Effect.flip(s.capture("pay_b", {}, { idempotencyKey: "" }))
        ]
        expect(errors.map((e) => e._tag)).toEqual([
          "InvalidInput",
          "InvalidInput",
          "InvalidInput",
          "InvalidInput",
          "InvalidInput",
          "AmountExceeded",
          "IllegalTransition",
          "PaymentNotFound",
          "InvalidInput",
          "InvalidInput",
          "InvalidInput"
        ])
        expect(errors[0]).toMatchObject({ path: "amount" })
        expect(yield* s.get("pay_b")).toEqual(before)
        expect(yield* balance(WALLET)).toEqual({ posted: 50_000n, held: 10_000n, available: 40_000n })
        expect((yield* s.capture("pay_b")).status).toBe("succeeded")
      })
    ))
})

describe("search", () => {
  it("lists a merchant's payments newest first with cursor paging and counts by status", () =>
    run(
      wallet,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        for (let i = 0; i < 5; i++) {
          yield* newPayment(`pay_l${i}`, "manual")
          yield* TestClock.adjust(1000)
        }
        yield* s.confirm("pay_l0")
        const first = yield* s.list({ merchant: "m_1", limit: 2 })
        expect(first.payments.map((p) => p.id)).toEqual(["pay_l4", "pay_l3"])
        const second = yield* s.list({ merchant: "m_1", limit: 2, cursor: first.next })
        expect(second.payments.map((p) => p.id)).toEqual(["pay_l2", "pay_l1"])
        const third = yield* s.list({ merchant: "m_1", limit: 2, cursor: second.next })
        expect(third.payments.map((p) => p.id)).toEqual(["pay_l0"])
        expect(third.next).toBeUndefined()
        expect(yield* s.counts("m_1")).toEqual({ requires_confirmation: 4, requires_capture: 1 })
        const byStatus = yield* s.list({ merchant: "m_1", limit: 10, status: ["requires_capture"] })
        expect(byStatus.payments.map((p) => p.id)).toEqual(["pay_l0"])
      })
    ))
})

describe("risk before authorising: review, block, 3-D Secure, unavailable", () => {
  it("review parks the payment in under_review (no provider call, no entry) until an operator approves it", () =>
    run(
      wallet,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* newPayment("pay_r", "manual", "pm_approve", "review")
        const held = yield* s.confirm("pay_r", { signals: { ipCountry: "BR", cardCountry: "US" } })
        expect(held.status).toBe("under_review")
        expect(held.risk).toMatchObject({ outcome: "review", rules: ["test_review"], at: T0 })
        expect(held.providerReference).toBeUndefined()
        expect((yield* balance(WALLET)).held).toBe(0n)
        expect(yield* types).toContain("payments.payment.under_review")
        // a merchant cannot approve; an operator's decision is recorded with who made it
        const approved = yield* s.approveReview("pay_r", { operator: "analyst_7", note: "known customer" })
        expect(approved.status).toBe("requires_capture")
        expect(approved.review).toEqual({
          decision: "approved",
          operator: "analyst_7",
          note: "known customer",
          at: T0
        })
        expect((yield* balance(WALLET)).held).toBe(10_000n)
        const again = yield* Effect.flip(s.approveReview("pay_r", { operator: "analyst_7" }))
        expect(again._tag).toBe("IllegalTransition")
        const timeline = yield* s.timeline("pay_r")
        expect(timeline.map((e) => [e.stage, e.reasonCode])).toEqual([
          ["created", undefined],
          ["confirmed", undefined],
          ["under_review", "test_review"],
          ["review_approved", undefined],
          ["authorised", undefined]
        ])
      })
    ))

  it("an operator cancels a held payment: canceled as fraudulent, the review recorded, no entry", () =>
    run(
      wallet,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* newPayment("pay_rc", "manual", "pm_approve", "review")
        yield* s.confirm("pay_rc")
        const bad = yield* Effect.flip(s.cancelReview("pay_rc", { operator: "" }))
        expect(bad).toMatchObject({ _tag: "InvalidInput", path: "operator" })
        const canceled = yield* s.cancelReview("pay_rc", { operator: "analyst_7", note: "stolen card" })
        expect(canceled).toMatchObject({ status: "canceled", cancellationReason: "fraudulent" })
        expect(canceled.review?.decision).toBe("canceled")
        expect(yield* balance(WALLET)).toEqual({ posted: 50_000n, held: 0n, available: 50_000n })
        yield* newPayment("pay_ok", "manual")
        yield* s.confirm("pay_ok")
        const notHeld = yield* Effect.flip(s.cancelReview("pay_ok", { operator: "analyst_7" }))
        expect(notHeld._tag).toBe("IllegalTransition")
        expect((yield* s.get("pay_ok")).status).toBe("requires_capture")
      })
    ))

  it("block fails the payment with blocked_by_risk and the rule's reason; the provider never sees it", () =>
    run(
      wallet,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* newPayment("pay_b", "automatic", "pm_approve", "block")
        const failed = yield* s.confirm("pay_b")
        expect(failed.status).toBe("failed")
        expect(failed.lastDecline).toMatchObject({
          code: "blocked_by_risk",
          action: "do_not_retry",
          hard: true
        })
        expect(failed.risk).toMatchObject({ outcome: "block", reason: "scripted block (test_risk: block)" })
        expect(failed.providerReference).toBeUndefined()
        expect((yield* balance(WALLET)).posted).toBe(50_000n)
        expect(yield* types).toContain("payments.payment.failed")
      })
    ))

  it("challenge asks the provider for 3-D Secure; unavailable fails the confirmation and changes nothing", () =>
    run(
      wallet,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* newPayment("pay_3", "manual", "pm_approve", "challenge")
        const action = yield* s.confirm("pay_3")
        expect(action.status).toBe("requires_action")
        expect(action.risk).toMatchObject({ outcome: "allow", threeDS: true })
        yield* newPayment("pay_u", "manual", "pm_approve", "unavailable")
        const before = yield* s.get("pay_u")
        const e = yield* Effect.flip(s.confirm("pay_u", {}, { idempotencyKey: "k_u" }))
        expect(e._tag).toBe("RiskUnavailable")
        expect(yield* s.get("pay_u")).toEqual(before)
        expect((yield* s.timeline("pay_u")).map((t) => t.stage)).toEqual(["created"])
      })
    ))

  it("signals are decoded: a malformed one is InvalidInput naming it, and nothing changes", () =>
    run(
      wallet,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* newPayment("pay_s", "manual")
        const e = yield* Effect.flip(s.confirm("pay_s", { signals: { ipCountry: "brazil" } }))
        expect(e).toMatchObject({ _tag: "InvalidInput", path: "signals.ipCountry" })
        expect((yield* s.get("pay_s")).status).toBe("requires_confirmation")
        expect((yield* s.confirm("pay_s", { signals: { ipCountry: "BR" } })).status).toBe("requires_capture")
      })
    ))
})

describe("reverse before settlement (cancel-or-refund)", () => {
  it("an uncaptured authorisation is voided: canceled as reversed, the hold released", () =>
    run(
      wallet,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* newPayment("pay_v", "manual")
        yield* s.confirm("pay_v")
        const reversed = yield* s.reverse("pay_v")
        expect(reversed).toMatchObject({ status: "canceled", cancellationReason: "reversed" })
        expect(yield* balance(WALLET)).toEqual({ posted: 50_000n, held: 0n, available: 50_000n })
      })
    ))

  it("a captured payment is refunded whole with its fees returned; past the window it must be refunded", () =>
    run(
      acquiring,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* newPayment("pay_f", "manual_multiple")
        yield* s.confirm("pay_f")
        const part = yield* s.capture("pay_f", { amount: "6000", final: false })
        // 2.9 % of 60.00 is 1.74, plus 0.30
        expect(part.captures[0]!.fees).toEqual([
          { amount: expect.objectContaining({ amount: 204n }), account: FEES, label: "290 bps + fixed" }
        ])
        expect((yield* balance(FEES)).posted).toBe(204n)
        yield* s.refund("pay_f", { amount: "1000", reason: "requested_by_customer" })
        const reversed = yield* s.reverse("pay_f", { idempotencyKey: "rev_1" })
        expect(reversed.status).toBe("succeeded")
        expect(reversed.refunds.map((r) => [r.reason, r.amount.amount, r.status])).toEqual([
          ["requested_by_customer", 1_000n, "succeeded"],
          ["reversal", 5_000n, "succeeded"]
        ])
        // the merchant ends with nothing, the fee is back, the clearing account is square
        expect((yield* balance(PENDING)).posted).toBe(0n)
        expect((yield* balance(FEES)).posted).toBe(0n)
        expect(yield* s.reverse("pay_f", { idempotencyKey: "rev_1" })).toEqual(reversed)
        const twice = yield* Effect.flip(s.reverse("pay_f"))
        expect(twice._tag).toBe("IllegalTransition")

        yield* newPayment("pay_late", "automatic")
        yield* s.confirm("pay_late")
        yield* TestClock.adjust(DAY)
        const late = yield* Effect.flip(s.reverse("pay_late"))
        expect(late).toMatchObject({ _tag: "IllegalTransition" })
        expect(late.message).toContain("refund it")
        expect((yield* s.get("pay_late")).refunds).toEqual([])
      })
    ))
})

describe("cross-border: each capture converts through an FX quote into the settlement currency", () => {
  it("captures convert at the quote's rate, fees are in the settlement currency, a refund goes back at the captures' rate", () =>
    run(
      acquiring,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* s.create({
          id: "pay_x",
          merchant: "m_1",
          customer: "cus_1",
          paymentMethod: "pm_approve",
          amount: eur("10000"),
          captureMethod: "manual_multiple",
          settlementCurrency: "USD"
        })
        yield* s.confirm("pay_x")
        const first = yield* s.capture("pay_x", { amount: "6000", final: false })
        // 60.00 EUR × 1.0842 = 65.052 USD → 65.05 (half-even); 2.9 % of 65.05 = 1.886… → 1.89
        expect(first.captures[0]!.conversion).toEqual({
          quoteId: "fixed:EUR/USD:1.0842",
          rate: "1.0842",
          settled: expect.objectContaining({ amount: 6505n, currency: USD })
        })
        expect(
          first.captures[0]!.fees?.map((f) => [f.amount.amount, f.amount.currency.code, f.account])
        ).toEqual([[189n, "USD", "platform:fees:USD"]])
        // 40.00 EUR → 43.368 → 43.37 USD; fee 1.2577… → 1.26
        yield* s.capture("pay_x", { amount: "4000", final: true })
        const pendingUsd = "merchant:m_1:pending:USD"
        expect((yield* balance(pendingUsd)).posted).toBe(6505n - 189n + 4337n - 126n)
        expect((yield* balance("platform:fees:USD")).posted).toBe(315n)
        expect((yield* balance("fx:position:EUR")).posted).toBe(10_000n)
        expect((yield* balance(PENDING)).posted).toBe(0n)
        // a refund of 50.00 EUR takes 5,000 × 108.42 / 100.00 = 54.21 USD back from the merchant
        yield* s.refund("pay_x", { amount: "5000", reason: "requested_by_customer" })
        expect((yield* balance(pendingUsd)).posted).toBe(10_527n - 5_421n)
        expect((yield* balance("fx:position:EUR")).posted).toBe(5_000n)
      })
    ))

  it("no rate: the capture is ConversionUnavailable before the provider is asked, and nothing changes", () =>
    run(
      acquiring,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* s.create({
          id: "pay_gbp",
          merchant: "m_1",
          paymentMethod: "pm_approve",
          amount: eur("10000"),
          captureMethod: "manual",
          settlementCurrency: "GBP"
        })
        const authorised = yield* s.confirm("pay_gbp")
        const e = yield* Effect.flip(s.capture("pay_gbp", {}, { idempotencyKey: "cap_gbp" }))
        expect(e).toMatchObject({ _tag: "ConversionUnavailable", from: "EUR", to: "GBP" })
        expect(yield* s.get("pay_gbp")).toEqual(authorised)
        expect((yield* balance(CLEARING)).posted).toBe(50_000n)
      })
    ))

  it("settling in another currency needs acquiring books and a known currency: InvalidInput at settlementCurrency", () =>
    run(
      wallet,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        const base = {
          merchant: "m_1",
          customer: "cus_1",
          amount: eur("10000"),
          captureMethod: "manual" as const
        }
        const onWallet = yield* Effect.flip(s.create({ ...base, id: "pay_w", settlementCurrency: "USD" }))
        expect(onWallet).toMatchObject({ _tag: "InvalidInput", path: "settlementCurrency" })
        const lower = yield* Effect.flip(s.create({ ...base, id: "pay_l", settlementCurrency: "usd" }))
        expect(lower).toMatchObject({ _tag: "InvalidInput", path: "settlementCurrency" })
        // the same currency is no conversion
        const same = yield* s.create({ ...base, id: "pay_e", settlementCurrency: "EUR" })
        expect(same.settlementCurrency).toBeUndefined()
        expect((yield* s.list({ merchant: "m_1", limit: 10 })).payments.map((p) => p.id)).toEqual(["pay_e"])
      })
    ))
})

describe("acquiring books with authorisation holds", () => {
  const holding = {
    books: { _tag: "acquiring", bank: "acq_1", authorisationHolds: true },
    fees: Books.percentPlusFixed({ bps: 290, fixed: { EUR: 30n } })
  } as const satisfies Payments.Options
  /** What holds are bringing to the account: its pending balance (posted and held) less what is posted. */
  const pendingOf = (id: string) =>
    Effect.flatMap(Ledger.Ledger, (l) =>
      Effect.map(l.balances(id), (b) => b.pending.amount - b.posted.amount)
    )

  it("the authorisation is a pending hold on the merchant's account; captures post it with their fees; a void releases it", () =>
    run(
      holding,
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* newPayment("pay_h", "manual_multiple")
        yield* s.confirm("pay_h")
        // the merchant sees 100.00 coming, nothing posted yet
        expect(yield* pendingOf(PENDING)).toBe(10_000n)
        expect((yield* balance(PENDING)).posted).toBe(0n)
        yield* s.capture("pay_h", { amount: "6000", final: false })
        // 60.00 posted less 2.9 % + 0.30 = 2.04; the rest (40.00) held again
        expect((yield* balance(PENDING)).posted).toBe(6_000n - 204n)
        expect((yield* balance(FEES)).posted).toBe(204n)
        expect(yield* pendingOf(PENDING)).toBe(4_000n)
        yield* s.releaseRemaining("pay_h")
        expect(yield* pendingOf(PENDING)).toBe(0n)
        // a reversal returns the money and the fee
        yield* s.reverse("pay_h")
        expect((yield* balance(PENDING)).posted).toBe(0n)
        expect((yield* balance(FEES)).posted).toBe(0n)

        yield* newPayment("pay_v", "manual")
        yield* s.confirm("pay_v")
        expect(yield* pendingOf(PENDING)).toBe(10_000n)
        yield* s.cancel("pay_v", { reason: "requested_by_customer" })
        expect(yield* pendingOf(PENDING)).toBe(0n)
        expect((yield* balance(PENDING)).posted).toBe(0n)
      })
    ))
})
