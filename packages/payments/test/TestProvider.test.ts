import { createHmac } from "node:crypto"
import { Currency, Money } from "@paykit/core"
import { Effect, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Decline, Refund } from "../src/index.ts"
import * as PaymentProvider from "../src/PaymentProvider.ts"
import { TestProvider } from "../src/testing/index.ts"

/**
 * The test provider: every magic value, idempotent repeats by paykit id, the timeout whose
 * outcome only the provider knows, injected failures, signed webhooks, and a property that a
 * repeated request answers what the first one did.
 */

type Provider = PaymentProvider.PaymentProvider["Service"]
type Control = TestProvider.Control["Service"]

const amount = Money.fromMinorUnsafe(1999n, Currency.EUR)

/** Runs a program against a fresh test provider. */
const run = <A, E>(
  program: (provider: Provider, control: Control) => Effect.Effect<A, E>,
  options?: TestProvider.Options
): Promise<A> =>
  Effect.runPromise(
    Effect.flatMap(TestProvider.make(options), ({ provider, control }) => program(provider, control))
  )

const authorise = (provider: Provider, paymentId: string, paymentMethod: string) =>
  provider.authorise({ paymentId, paymentMethod, amount, captureMethod: "manual" })

const capture = (provider: Provider, paymentId: string, captureId: string) =>
  provider.capture({ paymentId, captureId, amount, final: true })

const refund = (provider: Provider, paymentId: string, refundId: string) =>
  provider.refund({ paymentId, refundId, amount })

/** Authorises and captures a payment (`:capture:1`). */
const captured = (provider: Provider, paymentId: string, paymentMethod: string) =>
  Effect.gen(function* () {
    yield* authorise(provider, paymentId, paymentMethod)
    return yield* capture(provider, paymentId, `${paymentId}:capture:1`)
  })

/** Takes the queued webhooks and parses each through the provider. */
const delivered = (provider: Provider, control: Control) =>
  Effect.flatMap(control.takeWebhooks(), (hooks) => Effect.forEach(hooks, (w) => provider.parseWebhook(w)))

describe("TestProvider: authorisation by magic value", () => {
  it("pm_approve, and any token it does not know, authorise with a reference", async () => {
    const out = await run((provider) =>
      Effect.all([authorise(provider, "pay_1", "pm_approve"), authorise(provider, "pay_2", "pm_card_visa")])
    )
    expect(out).toEqual([
      { _tag: "authorised", reference: "ch_test_1" },
      { _tag: "authorised", reference: "ch_test_2" }
    ])
  })

  it.each(Decline.Code.literals)("pm_decline_%s declines with that code", async (code) => {
    const out = await run((provider) => authorise(provider, "pay_1", `pm_decline_${code}`))
    expect(out).toEqual({ _tag: "declined", code })
  })

  it("an unknown code after pm_decline_ declines with generic_decline", async () => {
    expect(Decline.Code.literals).toContain("generic_decline")
    const out = await run((provider) =>
      Effect.all([
        authorise(provider, "pay_1", "pm_decline_no_such_code"),
        authorise(provider, "pay_2", "pm_decline_")
      ])
    )
    expect(out).toEqual([
      { _tag: "declined", code: "generic_decline" },
      { _tag: "declined", code: "generic_decline" }
    ])
  })

  it("pm_3ds requires an action; a passed challenge queues an authorised webhook", async () => {
    const out = await run((provider, control) =>
      Effect.gen(function* () {
        const first = yield* authorise(provider, "pay_1", "pm_3ds")
        const before = yield* provider.syncPayment({ paymentId: "pay_1" })
        yield* control.completeAction("pay_1", true)
        const after = yield* provider.syncPayment({ paymentId: "pay_1" })
        return { first, before, after, hooks: yield* delivered(provider, control) }
      })
    )
    expect(out.first).toEqual({
      _tag: "requires_action",
      reference: "ch_test_1",
      redirectUrl: "https://test-provider.paykit.invalid/3ds/ch_test_1"
    })
    expect(out.before.authorisation).toEqual(out.first)
    expect(out.after).toEqual({ authorisation: { _tag: "authorised", reference: "ch_test_1" }, captures: {} })
    expect(out.hooks).toEqual([
      {
        _tag: "authorisation",
        id: "evt_1",
        paymentId: "pay_1",
        answer: { _tag: "authorised", reference: "ch_test_1" }
      }
    ])
  })

  it("pm_3ds: a failed challenge declines with authentication_required", async () => {
    expect(Decline.Code.literals).toContain("authentication_required")
    const out = await run((provider, control) =>
      Effect.gen(function* () {
        yield* authorise(provider, "pay_1", "pm_3ds")
        yield* control.completeAction("pay_1", false)
        return {
          sync: yield* provider.syncPayment({ paymentId: "pay_1" }),
          hooks: yield* delivered(provider, control)
        }
      })
    )
    const declined = { _tag: "declined", code: "authentication_required" }
    expect(out.sync.authorisation).toEqual(declined)
    expect(out.hooks).toEqual([{ _tag: "authorisation", id: "evt_1", paymentId: "pay_1", answer: declined }])
  })

  it("completeAction and resolve refuse a payment that is not waiting for them, and change nothing", async () => {
    const out = await run((provider, control) =>
      Effect.gen(function* () {
        yield* authorise(provider, "pay_1", "pm_approve")
        yield* authorise(provider, "pay_2", "pm_3ds")
        const errors = [
          yield* Effect.flip(control.completeAction("pay_1", true)),
          yield* Effect.flip(control.completeAction("pay_unknown", true)),
          yield* Effect.flip(control.resolve("pay_2")),
          yield* Effect.flip(control.resolve("pay_1"))
        ]
        yield* control.completeAction("pay_2", true)
        const again = yield* Effect.flip(control.completeAction("pay_2", true))
        return { errors, again, hooks: yield* control.webhooks() }
      })
    )
    for (const e of [...out.errors, out.again]) expect(e).toBeInstanceOf(TestProvider.ControlRefused)
    expect(out.errors[1]?.reason).toBe("the payment is unknown, not requires_action")
    expect(out.again.reason).toBe("the payment is authorised, not requires_action")
    expect(out.hooks).toHaveLength(1)
  })

  it("pm_async is pending until resolve queues an authorised webhook", async () => {
    const out = await run((provider, control) =>
      Effect.gen(function* () {
        const first = yield* authorise(provider, "pay_1", "pm_async")
        const hooksBefore = yield* control.webhooks()
        yield* control.resolve("pay_1")
        return {
          first,
          hooksBefore,
          sync: yield* provider.syncPayment({ paymentId: "pay_1" }),
          hooks: yield* delivered(provider, control)
        }
      })
    )
    expect(out.first).toEqual({ _tag: "pending", reference: "ch_test_1" })
    expect(out.hooksBefore).toEqual([])
    expect(out.sync.authorisation).toEqual({ _tag: "authorised", reference: "ch_test_1" })
    expect(out.hooks).toEqual([
      {
        _tag: "authorisation",
        id: "evt_1",
        paymentId: "pay_1",
        answer: { _tag: "authorised", reference: "ch_test_1" }
      }
    ])
  })

  it("pm_timeout fails with ProviderUnavailable, yet the provider authorised: sync and a retry say so", async () => {
    const out = await run((provider) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(authorise(provider, "pay_1", "pm_timeout"))
        const sync = yield* provider.syncPayment({ paymentId: "pay_1" })
        const retry = yield* authorise(provider, "pay_1", "pm_timeout")
        const capture1 = yield* capture(provider, "pay_1", "cap_1")
        return { error, sync, retry, capture1 }
      })
    )
    expect(out.error).toBeInstanceOf(PaymentProvider.ProviderUnavailable)
    expect(out.error.operation).toBe("authorise")
    expect(out.sync).toEqual({ authorisation: { _tag: "authorised", reference: "ch_test_1" }, captures: {} })
    expect(out.retry).toEqual({ _tag: "authorised", reference: "ch_test_1" })
    expect(out.capture1).toEqual({ _tag: "captured" })
  })
})

describe("TestProvider: captures", () => {
  it("captures an authorised payment; sync lists the capture by id", async () => {
    const out = await run((provider) =>
      Effect.gen(function* () {
        const answer = yield* captured(provider, "pay_1", "pm_approve")
        return { answer, sync: yield* provider.syncPayment({ paymentId: "pay_1" }) }
      })
    )
    expect(out.answer).toEqual({ _tag: "captured" })
    expect(out.sync.captures).toEqual({ "pay_1:capture:1": { _tag: "captured" } })
  })

  it("pm_capture_fails_once: the first request of each capture id fails with processing_error, the next captures", async () => {
    expect(Decline.Code.literals).toContain("processing_error")
    const out = await run((provider) =>
      Effect.gen(function* () {
        yield* authorise(provider, "pay_1", "pm_capture_fails_once")
        const first = yield* capture(provider, "pay_1", "cap_1")
        const syncFailed = yield* provider.syncPayment({ paymentId: "pay_1" })
        const second = yield* capture(provider, "pay_1", "cap_1")
        const third = yield* capture(provider, "pay_1", "cap_1")
        const other = yield* capture(provider, "pay_1", "cap_2")
        return {
          first,
          syncFailed,
          second,
          third,
          other,
          sync: yield* provider.syncPayment({ paymentId: "pay_1" })
        }
      })
    )
    expect(out.first).toEqual({ _tag: "failed", code: "processing_error" })
    expect(out.syncFailed.captures).toEqual({ cap_1: { _tag: "failed", code: "processing_error" } })
    expect(out.second).toEqual({ _tag: "captured" })
    expect(out.third).toEqual({ _tag: "captured" })
    expect(out.other).toEqual({ _tag: "failed", code: "processing_error" })
    expect(out.sync.captures).toEqual({
      cap_1: { _tag: "captured" },
      cap_2: { _tag: "failed", code: "processing_error" }
    })
  })

  it("pm_capture_async: captures answer pending and a captured webhook is queued (once per capture id)", async () => {
    const out = await run((provider, control) =>
      Effect.gen(function* () {
        const first = yield* captured(provider, "pay_1", "pm_capture_async")
        const repeat = yield* capture(provider, "pay_1", "pay_1:capture:1")
        return {
          first,
          repeat,
          sync: yield* provider.syncPayment({ paymentId: "pay_1" }),
          hooks: yield* delivered(provider, control)
        }
      })
    )
    expect(out.first).toEqual({ _tag: "pending" })
    expect(out.repeat).toEqual({ _tag: "pending" })
    expect(out.sync.captures).toEqual({ "pay_1:capture:1": { _tag: "captured" } })
    expect(out.hooks).toEqual([
      {
        _tag: "capture",
        id: "evt_1",
        paymentId: "pay_1",
        captureId: "pay_1:capture:1",
        answer: { _tag: "captured" }
      }
    ])
  })

  it("a capture of a payment that is not authorised fails with transaction_not_allowed", async () => {
    const out = await run((provider, control) =>
      Effect.gen(function* () {
        yield* authorise(provider, "pay_declined", "pm_decline_do_not_honor")
        yield* authorise(provider, "pay_3ds", "pm_3ds")
        yield* authorise(provider, "pay_async", "pm_async")
        yield* authorise(provider, "pay_voided", "pm_approve")
        yield* provider.void({ paymentId: "pay_voided" })
        const answers = yield* Effect.forEach(
          ["pay_unknown", "pay_declined", "pay_3ds", "pay_async", "pay_voided"],
          (id) => capture(provider, id, "cap_1")
        )
        // once resolved, a new capture id captures; the refused one stays refused
        yield* control.resolve("pay_async")
        return {
          answers,
          again: yield* capture(provider, "pay_async", "cap_1"),
          fresh: yield* capture(provider, "pay_async", "cap_2")
        }
      })
    )
    for (const a of out.answers) expect(a).toEqual({ _tag: "failed", code: "transaction_not_allowed" })
    expect(out.again).toEqual({ _tag: "failed", code: "transaction_not_allowed" })
    expect(out.fresh).toEqual({ _tag: "captured" })
  })
})

describe("TestProvider: refunds", () => {
  it("a refund succeeds with a deterministic 23-digit reference that Refund.Outcome accepts", async () => {
    const program = (provider: Provider) =>
      Effect.gen(function* () {
        yield* captured(provider, "pay_1", "pm_approve")
        const first = yield* refund(provider, "pay_1", "pay_1:refund:1")
        const second = yield* refund(provider, "pay_1", "pay_1:refund:2")
        const sync = yield* provider.syncRefund({ paymentId: "pay_1", refundId: "pay_1:refund:1" })
        return { first, second, sync }
      })
    const a = await run(program)
    const b = await run(program)
    expect(a).toEqual(b)
    expect(a.first).toEqual({ _tag: "succeeded", reference: "70000000000000000000001" })
    expect(a.second).toEqual({ _tag: "succeeded", reference: "70000000000000000000002" })
    for (const r of [a.first, a.second]) {
      expect(r._tag === "succeeded" && r.reference).toMatch(/^\d{23}$/)
      expect(Schema.decodeUnknownSync(Refund.Outcome)(r)).toEqual(r)
    }
    expect(a.sync).toEqual(a.first)
  })

  it("pm_refund_fails: the refund is pending, then a failed (declined) webhook", async () => {
    const out = await run((provider, control) =>
      Effect.gen(function* () {
        yield* captured(provider, "pay_1", "pm_refund_fails")
        const answer = yield* refund(provider, "pay_1", "ref_1")
        return {
          answer,
          sync: yield* provider.syncRefund({ paymentId: "pay_1", refundId: "ref_1" }),
          hooks: yield* delivered(provider, control)
        }
      })
    )
    expect(out.answer).toEqual({ _tag: "pending" })
    expect(out.sync).toEqual({ _tag: "failed", reason: "declined" })
    expect(out.hooks).toEqual([
      {
        _tag: "refund",
        id: "evt_1",
        paymentId: "pay_1",
        refundId: "ref_1",
        outcome: { _tag: "failed", reason: "declined" }
      }
    ])
  })

  it("pm_refund_async: the refund is pending, then a succeeded webhook with a reference", async () => {
    const out = await run((provider, control) =>
      Effect.gen(function* () {
        yield* captured(provider, "pay_1", "pm_refund_async")
        const answer = yield* refund(provider, "pay_1", "ref_1")
        const repeat = yield* refund(provider, "pay_1", "ref_1")
        return {
          answer,
          repeat,
          sync: yield* provider.syncRefund({ paymentId: "pay_1", refundId: "ref_1" }),
          hooks: yield* delivered(provider, control)
        }
      })
    )
    const succeeded = { _tag: "succeeded", reference: "70000000000000000000001" }
    expect(out.answer).toEqual({ _tag: "pending" })
    expect(out.repeat).toEqual({ _tag: "pending" })
    expect(out.sync).toEqual(succeeded)
    expect(out.hooks).toEqual([
      { _tag: "refund", id: "evt_1", paymentId: "pay_1", refundId: "ref_1", outcome: succeeded }
    ])
  })

  it("a refund of a payment with nothing captured, or unknown, fails (reason unknown)", async () => {
    const out = await run((provider) =>
      Effect.gen(function* () {
        yield* authorise(provider, "pay_1", "pm_approve")
        return yield* Effect.all([
          refund(provider, "pay_1", "ref_1"),
          refund(provider, "pay_unknown", "ref_1")
        ])
      })
    )
    expect(out).toEqual([
      { _tag: "failed", reason: "unknown" },
      { _tag: "failed", reason: "unknown" }
    ])
  })
})

describe("TestProvider: void and increment", () => {
  it("void is done for an authorised, uncaptured payment (and again when repeated); sync says voided", async () => {
    const out = await run((provider) =>
      Effect.gen(function* () {
        yield* authorise(provider, "pay_1", "pm_approve")
        const first = yield* provider.void({ paymentId: "pay_1" })
        const repeat = yield* provider.void({ paymentId: "pay_1" })
        const sync = yield* provider.syncPayment({ paymentId: "pay_1" })
        const increment = yield* provider.increment({ paymentId: "pay_1", amount })
        return { first, repeat, sync, increment }
      })
    )
    expect(out.first).toEqual({ _tag: "done" })
    expect(out.repeat).toEqual({ _tag: "done" })
    expect(out.sync).toEqual({ authorisation: { _tag: "voided" }, captures: {} })
    expect(out.increment).toEqual({ _tag: "refused", code: "transaction_not_allowed" })
  })

  it("void is refused after a capture, for an unknown payment and for one not authorised; a failed capture does not block it", async () => {
    const out = await run((provider) =>
      Effect.gen(function* () {
        yield* captured(provider, "pay_captured", "pm_approve")
        yield* captured(provider, "pay_pending_capture", "pm_capture_async")
        yield* authorise(provider, "pay_declined", "pm_decline_expired_card")
        yield* authorise(provider, "pay_3ds", "pm_3ds")
        yield* captured(provider, "pay_failed_capture", "pm_capture_fails_once")
        const refused = yield* Effect.forEach(
          ["pay_captured", "pay_pending_capture", "pay_declined", "pay_3ds", "pay_unknown"],
          (paymentId) => provider.void({ paymentId })
        )
        return { refused, voided: yield* provider.void({ paymentId: "pay_failed_capture" }) }
      })
    )
    for (const a of out.refused) expect(a).toEqual({ _tag: "refused", code: "transaction_not_allowed" })
    expect(out.voided).toEqual({ _tag: "done" })
  })

  it("increment is done while the payment is authorised, captured or not, and refused for one never authorised", async () => {
    const out = await run((provider) =>
      Effect.gen(function* () {
        yield* authorise(provider, "pay_1", "pm_approve")
        const before = yield* provider.increment({ paymentId: "pay_1", amount })
        yield* capture(provider, "pay_1", "cap_1")
        const after = yield* provider.increment({ paymentId: "pay_1", amount })
        yield* authorise(provider, "pay_declined", "pm_decline_insufficient_funds")
        yield* authorise(provider, "pay_async", "pm_async")
        const refused = yield* Effect.forEach(["pay_declined", "pay_async", "pay_unknown"], (paymentId) =>
          provider.increment({ paymentId, amount })
        )
        return { before, after, refused }
      })
    )
    expect(out.before).toEqual({ _tag: "done" })
    expect(out.after).toEqual({ _tag: "done" })
    for (const a of out.refused) expect(a).toEqual({ _tag: "refused", code: "transaction_not_allowed" })
  })
})

describe("TestProvider: idempotency, sync and injected failures", () => {
  it("a repeated request answers what the first answered, whatever the repeat says", async () => {
    const out = await run((provider, control) =>
      Effect.gen(function* () {
        const a1 = yield* authorise(provider, "pay_1", "pm_3ds")
        yield* control.completeAction("pay_1", true)
        const a2 = yield* authorise(provider, "pay_1", "pm_approve")
        const d1 = yield* authorise(provider, "pay_2", "pm_decline_lost_card")
        const d2 = yield* authorise(provider, "pay_2", "pm_approve")
        const c1 = yield* capture(provider, "pay_1", "cap_1")
        const c2 = yield* provider.capture({ paymentId: "pay_1", captureId: "cap_1", amount, final: false })
        const r1 = yield* refund(provider, "pay_1", "ref_1")
        const r2 = yield* refund(provider, "pay_1", "ref_1")
        const r3 = yield* refund(provider, "pay_1", "ref_2")
        return { a1, a2, d1, d2, c1, c2, r1, r2, r3 }
      })
    )
    expect(out.a2).toEqual(out.a1)
    expect(out.d2).toEqual({ _tag: "declined", code: "lost_card" })
    expect(out.c2).toEqual(out.c1)
    expect(out.r2).toEqual(out.r1)
    expect(out.r3).not.toEqual(out.r1)
  })

  it("the same id on another payment is another request", async () => {
    const out = await run((provider) =>
      Effect.gen(function* () {
        yield* captured(provider, "pay_1", "pm_approve")
        yield* captured(provider, "pay_2", "pm_approve")
        return yield* Effect.all([refund(provider, "pay_1", "ref_1"), refund(provider, "pay_2", "ref_1")])
      })
    )
    expect(out[0]).not.toEqual(out[1])
  })

  it("sync of a payment or a refund it never saw: declined with processing_error, refund failed (unknown)", async () => {
    const out = await run((provider) =>
      Effect.all([
        provider.syncPayment({ paymentId: "pay_unknown" }),
        provider.syncRefund({ paymentId: "pay_unknown", refundId: "ref_1" })
      ])
    )
    expect(out).toEqual([
      { authorisation: { _tag: "declined", code: "processing_error" }, captures: {} },
      { _tag: "failed", reason: "unknown" }
    ])
  })

  it("failNext makes the next call of an operation fail with ProviderUnavailable and changes nothing", async () => {
    const out = await run((provider, control) =>
      Effect.gen(function* () {
        const fail = <A>(
          operation: TestProvider.Operation,
          call: Effect.Effect<A, PaymentProvider.ProviderUnavailable>
        ) =>
          Effect.gen(function* () {
            yield* control.failNext(operation)
            const error = yield* Effect.flip(call)
            expect(error).toBeInstanceOf(PaymentProvider.ProviderUnavailable)
            expect(error.operation).toBe(operation)
            return yield* call
          })
        const a = yield* fail("authorise", authorise(provider, "pay_1", "pm_approve"))
        const c = yield* fail("capture", capture(provider, "pay_1", "cap_1"))
        const i = yield* fail("increment", provider.increment({ paymentId: "pay_1", amount }))
        const r = yield* fail("refund", refund(provider, "pay_1", "ref_1"))
        const sp = yield* fail("syncPayment", provider.syncPayment({ paymentId: "pay_1" }))
        const sr = yield* fail("syncRefund", provider.syncRefund({ paymentId: "pay_1", refundId: "ref_1" }))
        yield* authorise(provider, "pay_2", "pm_approve")
        const v = yield* fail("void", provider.void({ paymentId: "pay_2" }))
        // failures add up
        yield* control.failNext("syncRefund")
        yield* control.failNext("syncRefund")
        const twice = yield* Effect.all([
          Effect.flip(provider.syncRefund({ paymentId: "pay_1", refundId: "ref_1" })),
          Effect.flip(provider.syncRefund({ paymentId: "pay_1", refundId: "ref_1" }))
        ])
        return {
          a,
          c,
          i,
          r,
          sp,
          sr,
          v,
          twice,
          after: yield* provider.syncRefund({ paymentId: "pay_1", refundId: "ref_1" })
        }
      })
    )
    expect(out.a).toEqual({ _tag: "authorised", reference: "ch_test_1" })
    expect(out.c).toEqual({ _tag: "captured" })
    expect(out.i).toEqual({ _tag: "done" })
    expect(out.r).toEqual({ _tag: "succeeded", reference: "70000000000000000000001" })
    expect(out.sp).toEqual({ authorisation: out.a, captures: { cap_1: { _tag: "captured" } } })
    expect(out.sr).toEqual(out.r)
    expect(out.v).toEqual({ _tag: "done" })
    expect(out.twice).toHaveLength(2)
    expect(out.after).toEqual(out.r)
  })

  it("layer provides the provider and its controls, sharing one state", async () => {
    const out = await Effect.runPromise(
      Effect.gen(function* () {
        const provider = yield* PaymentProvider.PaymentProvider
        const control = yield* TestProvider.Control
        yield* authorise(provider, "pay_1", "pm_async")
        yield* control.resolve("pay_1")
        return yield* provider.syncPayment({ paymentId: "pay_1" })
      }).pipe(Effect.provide(TestProvider.layer()))
    )
    expect(out.authorisation).toEqual({ _tag: "authorised", reference: "ch_test_1" })
  })
})

describe("TestProvider: webhooks", () => {
  /** Queues two webhooks: a capture (pm_capture_async) and a refund (pm_refund_async). */
  const queue = (provider: Provider) =>
    Effect.gen(function* () {
      yield* captured(provider, "pay_1", "pm_capture_async")
      yield* authorise(provider, "pay_2", "pm_refund_async")
      yield* capture(provider, "pay_2", "cap_1")
      yield* refund(provider, "pay_2", "ref_1")
    })

  it("webhooks are signed with HMAC-SHA256 of the body (hex), numbered evt_1, evt_2, …", async () => {
    const hooks = await run((provider, control) => Effect.andThen(queue(provider), control.webhooks()))
    expect(hooks).toHaveLength(2)
    hooks.forEach((w, i) => {
      const expected = createHmac("sha256", "whsec_test").update(w.body).digest("hex")
      expect(w.headers["paykit-test-signature"]).toBe(expected)
      expect(TestProvider.sign(w.body)).toBe(expected)
      expect(w.headers["content-type"]).toBe("application/json")
      expect(JSON.parse(w.body).id).toBe(`evt_${i + 1}`)
    })
  })

  it("webhooks() keeps the queue, takeWebhooks() empties it", async () => {
    const out = await run((provider, control) =>
      Effect.gen(function* () {
        yield* queue(provider)
        const peek = yield* control.webhooks()
        const taken = yield* control.takeWebhooks()
        return { peek, taken, left: yield* control.webhooks() }
      })
    )
    expect(out.taken).toEqual(out.peek)
    expect(out.left).toEqual([])
  })

  it("a webhook delivered twice parses to the same notification (same event id, for deduplication)", async () => {
    const out = await run((provider, control) =>
      Effect.gen(function* () {
        yield* queue(provider)
        const [hook] = yield* control.takeWebhooks()
        return yield* Effect.all([provider.parseWebhook(hook!), provider.parseWebhook(hook!)])
      })
    )
    expect(out[0]).toEqual(out[1])
    expect(out[0].id).toBe("evt_1")
  })

  it("header names are case-insensitive", async () => {
    const out = await run((provider, control) =>
      Effect.gen(function* () {
        yield* queue(provider)
        const [hook] = yield* control.takeWebhooks()
        const signature = hook!.headers["paykit-test-signature"]!
        return yield* provider.parseWebhook({
          body: hook!.body,
          headers: { "Paykit-Test-Signature": signature }
        })
      })
    )
    expect(out._tag).toBe("capture")
  })

  it("a tampered body, a bad or missing signature, another secret, bad JSON and a body that is not a notification are rejected", async () => {
    const out = await run((provider, control) =>
      Effect.gen(function* () {
        yield* queue(provider)
        const [hook] = yield* control.takeWebhooks()
        const { body, headers } = hook!
        const signed = (b: string) => ({
          body: b,
          headers: { "paykit-test-signature": TestProvider.sign(b) }
        })
        const reject = (request: { body: string; headers: Readonly<Record<string, string>> }) =>
          Effect.flip(provider.parseWebhook(request))
        return [
          yield* reject({ body: body.replace("pay_1", "pay_9"), headers }),
          yield* reject({ body, headers: { "paykit-test-signature": "00".repeat(32) } }),
          yield* reject({ body, headers: { "paykit-test-signature": "abc" } }),
          yield* reject({ body, headers: {} }),
          yield* reject({
            body,
            headers: { "paykit-test-signature": TestProvider.sign(body, "whsec_other") }
          }),
          yield* reject(signed("{not json")),
          yield* reject(signed(JSON.stringify({ _tag: "capture", id: "evt_1", paymentId: "pay_1" }))),
          yield* reject(
            signed(
              JSON.stringify({
                _tag: "authorisation",
                id: "evt_1",
                paymentId: "pay_1",
                answer: { _tag: "declined", code: "not_a_code" }
              })
            )
          )
        ]
      })
    )
    for (const e of out) expect(e).toBeInstanceOf(PaymentProvider.WebhookRejected)
    const reasons = out.map((e) => e.reason)
    expect(reasons.slice(0, 3)).toEqual(
      Array(3).fill("the paykit-test-signature header does not sign this body")
    )
    expect(reasons[3]).toBe("the paykit-test-signature header is missing")
    expect(reasons[4]).toBe("the paykit-test-signature header does not sign this body")
    expect(reasons[5]).toBe("the body is not JSON")
    expect(reasons[6]).toMatch(/^the body is not a notification: /)
    expect(reasons[7]).toMatch(/^the body is not a notification: /)
  })

  it("a provider made with another secret signs and verifies with it", async () => {
    const out = await run(
      (provider, control) =>
        Effect.gen(function* () {
          yield* queue(provider)
          const [hook] = yield* control.takeWebhooks()
          const signature = hook!.headers["paykit-test-signature"]
          const forged = yield* Effect.flip(
            provider.parseWebhook({
              body: hook!.body,
              headers: { "paykit-test-signature": TestProvider.sign(hook!.body) }
            })
          )
          return { signature, body: hook!.body, parsed: yield* provider.parseWebhook(hook!), forged }
        }),
      { secret: "whsec_other" }
    )
    expect(out.signature).toBe(TestProvider.sign(out.body, "whsec_other"))
    expect(out.parsed._tag).toBe("capture")
    expect(out.forged).toBeInstanceOf(PaymentProvider.WebhookRejected)
  })
})

describe("TestProvider: property", () => {
  const PAYMENT_METHODS = [
    "pm_approve",
    "pm_card_visa",
    "pm_decline_insufficient_funds",
    "pm_decline_no_such_code",
    "pm_3ds",
    "pm_async",
    "pm_timeout",
    "pm_capture_fails_once",
    "pm_capture_async",
    "pm_refund_fails",
    "pm_refund_async"
  ] as const

  type Step =
    | { readonly op: "authorise"; readonly p: number; readonly pm: string }
    | { readonly op: "capture"; readonly p: number; readonly id: number }
    | { readonly op: "refund"; readonly p: number; readonly id: number }
    | { readonly op: "void"; readonly p: number }
    | { readonly op: "complete"; readonly p: number; readonly ok: boolean }
    | { readonly op: "resolve"; readonly p: number }

  // two payments and few ids, so that ids repeat often; more capture ids than refund ids, since
  // a capture sent before the authorise is refused for good on its id
  const p = fc.nat(1)
  const authoriseStep = fc.record({
    op: fc.constant("authorise" as const),
    p,
    pm: fc.constantFrom(...PAYMENT_METHODS)
  })
  const step: fc.Arbitrary<Step> = fc.oneof(
    { arbitrary: authoriseStep, weight: 2 },
    { arbitrary: fc.record({ op: fc.constant("capture" as const), p, id: fc.nat(3) }), weight: 4 },
    { arbitrary: fc.record({ op: fc.constant("refund" as const), p, id: fc.nat(1) }), weight: 4 },
    { arbitrary: fc.record({ op: fc.constant("void" as const), p }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant("complete" as const), p, ok: fc.boolean() }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant("resolve" as const), p }), weight: 1 }
  )
  const steps = fc
    .tuple(fc.array(authoriseStep, { maxLength: 2 }), fc.array(step, { minLength: 20, maxLength: 60 }))
    .map(([first, rest]) => [...first, ...rest])

  /** repeats compared, by operation and answer (`refund:pending`), and capture retries */
  const stats = new Map<string, number>()
  const count = (k: string) => stats.set(k, (stats.get(k) ?? 0) + 1)
  const tag = (answer: unknown) => (answer as { readonly _tag: string })._tag

  it("any sequence of requests with repeated ids answers the same each time for the same id (but pm_capture_fails_once's first capture)", async () => {
    await fc.assert(
      fc.asyncProperty(steps, async (steps) => {
        await run((provider, control) =>
          Effect.gen(function* () {
            /** the payment method of each payment's first authorise */
            const methods = new Map<number, string>()
            const seen = new Map<string, { readonly answer: unknown; readonly retried: boolean }>()
            const check = (op: string, key: string, answer: unknown, failsOnce: boolean) => {
              const before = seen.get(key)
              if (before === undefined) return void seen.set(key, { answer, retried: false })
              const failed = { _tag: "failed", code: "processing_error" }
              if (failsOnce && !before.retried && JSON.stringify(before.answer) === JSON.stringify(failed)) {
                expect(answer, key).toEqual({ _tag: "captured" })
                count("capture:retried")
                return void seen.set(key, { answer, retried: true })
              }
              expect(answer, key).toEqual(before.answer)
              count(`${op}:${tag(answer)}`)
            }
            for (const s of steps) {
              const paymentId = `pay_${s.p}`
              switch (s.op) {
                case "authorise": {
                  const first = !methods.has(s.p)
                  if (first) methods.set(s.p, s.pm)
                  const out = yield* Effect.result(authorise(provider, paymentId, s.pm))
                  if (out._tag === "Failure") {
                    // only pm_timeout's first authorise fails; the provider authorised it all the same
                    expect(first && s.pm === "pm_timeout").toBe(true)
                    const { authorisation } = yield* provider.syncPayment({ paymentId })
                    expect(authorisation._tag).toBe("authorised")
                    seen.set(`authorise:${paymentId}`, { answer: authorisation, retried: false })
                  } else check("authorise", `authorise:${paymentId}`, out.success, false)
                  break
                }
                case "capture":
                  check(
                    "capture",
                    `capture:${paymentId}:cap_${s.id}`,
                    yield* capture(provider, paymentId, `cap_${s.id}`),
                    methods.get(s.p) === "pm_capture_fails_once"
                  )
                  break
                case "refund":
                  check(
                    "refund",
                    `refund:${paymentId}:ref_${s.id}`,
                    yield* refund(provider, paymentId, `ref_${s.id}`),
                    false
                  )
                  break
                case "void":
                  yield* provider.void({ paymentId })
                  break
                case "complete":
                  yield* Effect.result(control.completeAction(paymentId, s.ok))
                  break
                case "resolve":
                  yield* Effect.result(control.resolve(paymentId))
                  break
              }
            }
            // every queued webhook verifies and parses
            yield* delivered(provider, control)
          })
        )
      }),
      // 100 runs: with 50, a run set without a repeated pending capture came up once in CI
      { numRuns: 100 }
    )
    // the runs did repeat the requests that matter
    for (const k of [
      "authorise:authorised",
      "authorise:declined",
      "capture:captured",
      "capture:pending",
      "capture:failed",
      "capture:retried",
      "refund:succeeded",
      "refund:pending",
      "refund:failed"
    ])
      expect(stats.get(k) ?? 0, k).toBeGreaterThan(0)
  })
})
