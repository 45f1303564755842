import { Currency, InvalidInput, Money, StateMachine } from "@paykit/core"
import { StoreFailure } from "@paykit/ledger"
import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  AmountExceeded,
  IdempotencyKeyReused,
  LedgerRefused,
  LimitReached,
  PaymentCodec,
  PaymentNotFound,
  type PaymentStore,
  ProviderRefused,
  RefundNotFound,
  Steps
} from "../src/index.ts"
import { PaymentStoreContract } from "../src/testing/index.ts"

const viaText = (j: unknown): unknown => JSON.parse(JSON.stringify(j))

/** A random payment with the optional fields the service adds besides the steps. */
const payment = fc
  .record({
    p: PaymentStoreContract.arbitraryPayment,
    providerReference: fc.option(fc.constantFrom("ch_1", "psp:ref/2"), { nil: undefined }),
    holdId: fc.option(fc.constantFrom("pay_1:hold:1"), { nil: undefined }),
    holds: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
    metadata: fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.string({ maxLength: 20 }), {
      maxKeys: 4
    })
  })
  .map(({ p, metadata, ...extra }) => ({
    ...p,
    metadata,
    ...Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined))
  }))

const errors: ReadonlyArray<unknown> = [
  new AmountExceeded({
    operation: "refund",
    field: "amount",
    requested: "12",
    available: "10",
    currency: "EUR"
  }),
  new LimitReached({ operation: "capture", what: "captures", limit: 50 }),
  new RefundNotFound({ paymentId: "pay_1", refundId: "pay_1:refund:3" }),
  new PaymentNotFound({ paymentId: "pay_9" }),
  new IdempotencyKeyReused({ key: "k", operation: "refund", field: "amount" }),
  new ProviderRefused({
    paymentId: "pay_1",
    operation: "void",
    code: "do_not_honor",
    action: "do_not_retry"
  }),
  new LedgerRefused({ paymentId: "pay_1", operation: "capture", reason: "AccountClosed: closed" }),
  new StateMachine.IllegalTransition({
    machine: "payment",
    from: "succeeded",
    command: "cancel",
    actor: "merchant",
    reason: "r"
  }),
  new StateMachine.IllegalTransition({ from: "pending", command: "x", reason: "r" }),
  new InvalidInput({ operation: "capture", path: "final", reason: "once" }),
  new StoreFailure({ operation: "commit", reason: "down" })
]

describe("PaymentCodec", () => {
  it("a payment round-trips through JSON text: bigint amounts, currencies, optional fields", () =>
    fc.assert(
      fc.property(payment, (p) => {
        const json = PaymentCodec.encodePayment(p)
        expect(typeof json.amount.amount).toBe("string")
        const back = Result.getOrThrow(PaymentCodec.decodePayment(viaText(json)))
        expect(back).toEqual(p)
        expect(back.amount.amount).toBe(p.amount.amount)
        expect(back.amount.currency).toBe(Currency.fromCode(p.amount.currency.code).pipe(Result.getOrThrow))
        for (const k of ["customer", "paymentMethod", "expiresAt", "lastDecline", "cancellationReason"])
          expect(k in back).toBe(k in p)
      }),
      { numRuns: 300 }
    ))

  it("amounts beyond 2^53 stay exact; the registry decides which currencies read and their exponents", () => {
    const big = PaymentStoreContract.samplePayment("pay_big", "captured", { amount: 2n ** 120n + 1n })
    const json = PaymentCodec.encodePayment(big)
    expect(json.captured).toEqual({ amount: (2n ** 120n + 1n).toString(), currency: "EUR" })
    expect(Result.getOrThrow(PaymentCodec.decodePayment(viaText(json))).captured.amount).toBe(2n ** 120n + 1n)

    const points = PaymentStoreContract.samplePayment("pay_pts", "authorised", { currency: Currency.POINTS })
    const pj = viaText(PaymentCodec.encodePayment(points))
    const refused = PaymentCodec.decodePayment(pj)
    expect(Result.isFailure(refused)).toBe(true)
    if (Result.isFailure(refused)) expect(refused.failure).toBeInstanceOf(InvalidInput)
    const read = Result.getOrThrow(PaymentCodec.decodePayment(pj, Currency.registry([Currency.POINTS])))
    expect(read).toEqual(points)
    expect(read.amount.currency.exponent).toBe(Currency.POINTS.exponent)
  })

  it("what is not a payment is InvalidInput naming the path", () => {
    const json = viaText(
      PaymentCodec.encodePayment(PaymentStoreContract.samplePayment("pay_1", "created"))
    ) as Record<string, unknown>
    for (const bad of [
      { ...json, amount: { amount: 19.99, currency: "EUR" } },
      { ...json, amount: { amount: "1999", currency: "XXZ" } },
      { ...json, status: "lost" },
      { ...json, captures: "none" },
      null,
      "pay_1"
    ]) {
      const r = PaymentCodec.decodePayment(bad)
      expect(Result.isFailure(r)).toBe(true)
      if (Result.isFailure(r)) expect(r.failure._tag).toBe("InvalidInput")
    }
  })

  it("every known error tag round-trips to an instance of its class with equal fields", () => {
    expect([...PaymentCodec.ERROR_TAGS].sort()).toEqual(
      [...new Set(errors.map((e) => (e as { _tag: string })._tag))].sort()
    )
    for (const e of errors) {
      const json = PaymentCodec.encodeError(e)
      expect(json).toEqual({ ...(e as object) })
      const back = Result.getOrThrow(PaymentCodec.decodeError(viaText(json)))
      expect(back).toBeInstanceOf((e as object).constructor)
      expect(back).toEqual(e)
      expect({ ...(back as object) }).toEqual({ ...(e as object) })
      expect((back as Error).message).toBe((e as Error).message)
    }
  })

  it("an unknown tag, or fields that do not fit the class, is InvalidInput naming the tag", () => {
    const unknown = PaymentCodec.decodeError({ _tag: "FraudSuspected", score: 99 })
    expect(Result.isFailure(unknown)).toBe(true)
    if (Result.isFailure(unknown)) {
      expect(unknown.failure).toBeInstanceOf(InvalidInput)
      expect(unknown.failure.message).toContain("FraudSuspected")
    }
    for (const bad of [
      { _tag: "PaymentNotFound" },
      { _tag: "LimitReached", operation: "x", what: "y", limit: "10" },
      42,
      {}
    ])
      expect(Result.isFailure(PaymentCodec.decodeError(bad))).toBe(true)
    // what is not a tagged error is kept as an UnknownError (which does not decode)
    expect(PaymentCodec.encodeError(new Error("boom"))).toEqual({ _tag: "UnknownError", message: "boom" })
    expect(PaymentCodec.encodeError({ _tag: "Custom", n: 5n, when: undefined })).toEqual({
      _tag: "Custom",
      n: "5"
    })
  })

  it("an idempotency record round-trips with its payment or its error", () => {
    const p = Result.getOrThrow(
      Steps.create(
        {
          id: "pay_1",
          merchant: "acct_1",
          amount: Money.fromMinorUnsafe(1999n, Currency.EUR),
          captureMethod: "manual"
        },
        0
      )
    )
    const base = {
      merchant: "acct_1",
      key: "k_1",
      operation: "capture",
      paymentId: "pay_1",
      request: { amount: '"5"' },
      at: 7
    }
    const records: ReadonlyArray<PaymentStore.IdempotencyRecord> = [
      { ...base, outcome: { _tag: "Success", payment: p } },
      ...errors.map(
        (error): PaymentStore.IdempotencyRecord => ({ ...base, outcome: { _tag: "Failure", error } })
      )
    ]
    for (const r of records) {
      const back = Result.getOrThrow(
        PaymentCodec.decodeIdempotency(viaText(PaymentCodec.encodeIdempotency(r)))
      )
      expect(back).toEqual(r)
    }
    const unknown = PaymentCodec.decodeIdempotency({
      ...base,
      outcome: { _tag: "Failure", error: { _tag: "Nope" } }
    })
    expect(Result.isFailure(unknown)).toBe(true)
  })
})
