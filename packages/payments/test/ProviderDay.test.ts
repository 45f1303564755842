import { Ids, Notifier } from "@paykit/core"
import { Ledger } from "@paykit/ledger"
import { Deferred, Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { type Payment, PaymentProvider, Payments, PaymentStore } from "../src/index.ts"
import { Fixtures, TestProvider } from "../src/testing/index.ts"

const FUND = 1_000_000n
const WALLET = "customer:cus_1:wallet:EUR"
const PENDING = "merchant:m_1:pending:EUR"

/**
 * The test provider with one slow reply: `authorise` of `pay_slow` waits for the test to open
 * the gate, so a webhook can arrive before the API reply.
 */
const gate = Effect.runSync(Deferred.make<void>())
const slowProvider = Layer.effect(
  PaymentProvider.PaymentProvider,
  Effect.map(PaymentProvider.PaymentProvider, (p) => ({
    ...p,
    authorise: (request: Parameters<typeof p.authorise>[0]) =>
      request.paymentId === "pay_slow"
        ? Effect.andThen(Deferred.await(gate), p.authorise(request))
        : p.authorise(request)
  }))
)

const env = Payments.layer({ books: { _tag: "wallet" } }).pipe(
  Layer.provideMerge(slowProvider),
  Layer.provideMerge(Layer.mergeAll(PaymentStore.layerMemory, TestProvider.layer(), Ledger.layerMemory())),
  Layer.provideMerge(Layer.mergeAll(Notifier.layerMemory, Ids.layerSeeded(5), TestClock.layer()))
)

const create = (id: string, method: string, captureMethod: Payment.CaptureMethod, amount: string) =>
  Effect.flatMap(Payments.Payments, (s) =>
    s.create({
      id,
      merchant: "m_1",
      customer: "cus_1",
      paymentMethod: method,
      amount: { amount, currency: "EUR" },
      captureMethod
    })
  )

describe("a scripted provider day", () => {
  it("asynchronous successes, a capture that fails then succeeds, a webhook before the API reply, duplicated and missing webhooks: the right statuses and balanced books", () =>
    Effect.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(Date.UTC(2026, 2, 2, 9))
        const s = yield* Payments.Payments
        const control = yield* TestProvider.Control
        const ledger = yield* Ledger.Ledger
        yield* Fixtures.openWalletBooks(FUND)

        // 09:00 an asynchronous authorisation: processing, then the webhook (delivered twice)
        yield* create("pay_async", "pm_async", "manual", "4000")
        expect((yield* s.confirm("pay_async")).status).toBe("processing")
        yield* control.resolve("pay_async")
        for (const hook of yield* control.takeWebhooks()) {
          yield* s.applyWebhook(hook)
          yield* s.applyWebhook(hook)
        }
        expect((yield* s.get("pay_async")).status).toBe("requires_capture")
        yield* TestClock.adjust(3_600_000)

        // 10:00 a capture that fails at the provider, then succeeds when sent again
        yield* create("pay_recapture", "pm_capture_fails_once", "manual", "2500")
        yield* s.confirm("pay_recapture")
        const failed = yield* Effect.flip(s.capture("pay_recapture"))
        expect(failed._tag).toBe("ProviderRefused")
        expect((yield* s.capture("pay_recapture")).status).toBe("succeeded")
        yield* TestClock.adjust(3_600_000)

        // 11:00 the webhook arrives while the confirm still waits for the provider's reply
        yield* create("pay_slow", "pm_async", "automatic", "1500")
        const confirming = yield* Effect.forkChild(s.confirm("pay_slow"))
        yield* Effect.yieldNow
        const early = JSON.stringify({
          _tag: "authorisation",
          id: "evt_early",
          paymentId: "pay_slow",
          answer: { _tag: "authorised", reference: "ch_early" }
        })
        const hookFiber = yield* Effect.forkChild(
          s.applyWebhook({
            body: early,
            headers: { [TestProvider.SIGNATURE_HEADER]: TestProvider.sign(early) }
          })
        )
        yield* Effect.yieldNow
        yield* Deferred.succeed(gate, undefined)
        const reply = yield* Fiber.join(confirming)
        expect(reply.status).toBe("processing") // the API reply said pending
        const afterHook = yield* Fiber.join(hookFiber)
        expect(afterHook.status).toBe("succeeded") // the webhook, applied after the reply, authorised it
        yield* control.takeWebhooks()
        yield* TestClock.adjust(3_600_000)

        // 12:00 a refund whose webhook never comes, recovered by a sync
        yield* create("pay_refund", "pm_refund_async", "automatic", "3000")
        yield* s.confirm("pay_refund")
        const pending = yield* s.refund("pay_refund", { amount: "1200", reason: "requested_by_customer" })
        expect(pending.refunds[0]!.status).toBe("pending")
        yield* control.takeWebhooks() // lost
        const synced = yield* s.sync("pay_refund")
        expect(synced.refunds[0]).toMatchObject({ status: "succeeded" })
        expect(synced.refunds[0]!.reference).toMatch(/^\d{23}$/)

        // 13:00 3-D Secure, multiple capture, the rest released
        yield* create("pay_3ds", "pm_3ds", "manual_multiple", "5000")
        expect((yield* s.confirm("pay_3ds")).status).toBe("requires_action")
        yield* control.completeAction("pay_3ds", true)
        for (const hook of yield* control.takeWebhooks()) yield* s.applyWebhook(hook)
        yield* s.capture("pay_3ds", { amount: "2000", final: false })
        expect((yield* s.releaseRemaining("pay_3ds")).status).toBe("succeeded")

        // the day's end: statuses and books
        const statuses = Object.fromEntries(
          yield* Effect.forEach(["pay_async", "pay_recapture", "pay_slow", "pay_refund", "pay_3ds"], (id) =>
            Effect.map(s.get(id), (p) => [id, p.status] as const)
          )
        )
        expect(statuses).toEqual({
          pay_async: "requires_capture",
          pay_recapture: "succeeded",
          pay_slow: "succeeded",
          pay_refund: "succeeded",
          pay_3ds: "succeeded"
        })
        const counts = yield* s.counts("m_1")
        expect(counts).toEqual({ requires_capture: 1, succeeded: 4 })
        // captured: 2,500 + 1,500 + 3,000 + 2,000 = 9,000; refunded 1,200; held: 4,000
        const wallet = yield* ledger.balances(WALLET)
        const merchant = yield* ledger.balances(PENDING)
        const source = yield* ledger.balances("src")
        expect(wallet.posted.amount).toBe(FUND - 9_000n + 1_200n)
        expect(wallet.posted.amount - wallet.available.amount).toBe(4_000n)
        expect(merchant.posted.amount).toBe(9_000n - 1_200n)
        // balanced: what left the source is on the wallet and the merchant's account
        expect(source.posted.amount).toBe(wallet.posted.amount + merchant.posted.amount)
      }).pipe(Effect.provide(env))
    ))
})
