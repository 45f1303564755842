import { Ids, Notifier } from "@paykit/core"
import { Ledger } from "@paykit/ledger"
import { Cause, Effect, Exit, Layer } from "effect"
import fc from "fast-check"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { Payments, PaymentStore } from "../src/index.ts"
import { Fixtures, TestProvider } from "../src/testing/index.ts"

const env = Payments.layer({ books: { _tag: "wallet" } }).pipe(
  Layer.provideMerge(Layer.mergeAll(PaymentStore.layerMemory, TestProvider.layer(), Ledger.layerMemory())),
  Layer.provideMerge(Layer.mergeAll(Notifier.layerMemory, Ids.layerSeeded(3), TestClock.layer()))
)

const hostile: ReadonlyArray<unknown> = [
  42,
  null,
  undefined,
  true,
  -1n,
  "",
  "x".repeat(10_000),
  { id: "pay_h" },
  ["pay_h"],
  Symbol("pay_h"),
  { amount: -5 },
  { amount: "1e30" },
  { amount: "999999999999999999999999999999999999999" },
  {
    get amount() {
      throw new Error("no")
    }
  },
  new Proxy(
    {},
    {
      get() {
        throw new Error("trap")
      },
      ownKeys() {
        throw new Error("trap")
      }
    }
  ),
  ...fc.sample(fc.jsonValue({ maxDepth: 3 }), { numRuns: 40, seed: 18 })
]

/** What a call could change: the payment with its timeline, the ledger's balances, the events. */
const snapshot = Effect.gen(function* () {
  const store = yield* PaymentStore.PaymentStore
  const ledger = yield* Ledger.Ledger
  const events = yield* Notifier.RecordedEvents
  const stored = yield* store.get("pay_h")
  const wallet = yield* ledger.balances("customer:cus_1:wallet:EUR")
  const pending = yield* ledger.balances("merchant:m_1:pending:EUR")
  return JSON.stringify({ stored, wallet, pending, events: (yield* events.all).length }, (_k, v) =>
    typeof v === "bigint" ? v.toString() : v
  )
})

describe("Payments: hostile input to every operation", () => {
  it("random JSON, wrong types, huge values and throwing objects as ids, inputs and options are typed errors, never a defect; nothing changes; the next valid call works", async () => {
    const problems = await Effect.runPromise(
      Effect.gen(function* () {
        const s = yield* Payments.Payments
        yield* Fixtures.openWalletBooks(100_000n)
        yield* s.create({
          id: "pay_h",
          merchant: "m_1",
          customer: "cus_1",
          paymentMethod: "pm_approve",
          amount: { amount: "10000", currency: "EUR" },
          captureMethod: "manual_multiple"
        })
        yield* s.confirm("pay_h")
        yield* s.capture("pay_h", { amount: "1000", final: false })
        const calls: ReadonlyArray<readonly [string, (x: never) => Effect.Effect<unknown, unknown>]> = [
          ["create input", (x) => s.create(x)],
          [
            "create options",
            (x) =>
              s.create(
                {
                  id: "pay_new",
                  merchant: "m_1",
                  amount: { amount: "1", currency: "EUR" },
                  captureMethod: "manual"
                },
                x
              )
          ],
          ["confirm id", (x) => s.confirm(x)],
          ["confirm input", (x) => s.confirm("pay_h", x)],
          ["capture id", (x) => s.capture(x, {})],
          ["capture input", (x) => s.capture("pay_h", x)],
          ["capture options", (x) => s.capture("pay_h", { amount: "1" }, x)],
          ["increment input", (x) => s.increment("pay_h", x)],
          ["cancel input", (x) => s.cancel("pay_h", x)],
          ["releaseRemaining id", (x) => s.releaseRemaining(x)],
          ["releaseRemaining options", (x) => s.releaseRemaining("pay_h", x)],
          ["refund input", (x) => s.refund("pay_h", x)],
          ["refund options", (x) => s.refund("pay_h", { reason: "other" }, x)],
          ["applyWebhook", (x) => s.applyWebhook(x)],
          ["applyWebhook body", (x) => s.applyWebhook({ body: x, headers: {} })],
          ["sync id", (x) => s.sync(x)],
          ["get id", (x) => s.get(x)],
          ["timeline id", (x) => s.timeline(x)],
          ["list query", (x) => s.list(x)],
          ["counts merchant", (x) => s.counts(x)],
          ["confirm signals", (x) => s.confirm("pay_h", { signals: x })],
          ["approveReview id", (x) => s.approveReview(x, { operator: "analyst_1" })],
          ["approveReview input", (x) => s.approveReview("pay_h", x)],
          ["cancelReview input", (x) => s.cancelReview("pay_h", x)],
          ["cancelReview options", (x) => s.cancelReview("pay_h", { operator: "analyst_1" }, x)],
          ["reverse id", (x) => s.reverse(x)],
          // last: a value that is valid options reverses the payment
          ["reverse options", (x) => s.reverse("pay_h", x)]
        ]
        const problems: Array<string> = []
        for (const [name, call] of calls) {
          for (const value of hostile) {
            const before = yield* snapshot
            const exit = yield* Effect.exit(Effect.suspend(() => call(value as never)))
            const after = yield* snapshot
            let shown: string
            try {
              shown =
                typeof value === "symbol" || typeof value === "bigint"
                  ? String(value.toString())
                  : String(JSON.stringify(value)).slice(0, 40)
            } catch {
              shown = "(an object that throws)"
            }
            // a random value that happens to be valid input (`{}` as options, `{}` as confirm's
            // input) may succeed and do what it asks; every failure must be typed and change nothing
            if (Exit.isSuccess(exit)) continue
            if (Cause.hasDies(exit.cause))
              problems.push(`${name} ${shown}: defect ${Cause.pretty(exit.cause).slice(0, 120)}`)
            else if (after !== before) problems.push(`${name} ${shown}: failed but changed state`)
          }
        }
        // the next valid call still works
        // (a random `{}` as capture input captures all that is left, so a new payment is used)
        yield* s.create({
          id: "pay_next",
          merchant: "m_1",
          customer: "cus_1",
          paymentMethod: "pm_approve",
          amount: { amount: "500", currency: "EUR" },
          captureMethod: "manual"
        })
        yield* s.confirm("pay_next")
        expect((yield* s.capture("pay_next", { amount: "200" })).status).toBe("succeeded")
        return problems
      }).pipe(Effect.provide(env))
    )
    expect(problems).toEqual([])
  }, 60_000)
})
