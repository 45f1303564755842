import { Currency, Input, Money } from "@paykit/core"
import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Payment, Steps } from "../src/index.ts"
import { Arbitraries } from "../src/testing/index.ts"

/**
 * Every input schema refuses hostile input with `InvalidInput` naming the field (decoded with the
 * core's `Input.decodeResult`, as the service will), and never throws.
 */

const decoders = {
  create: Input.decodeResult("create", Payment.CreateInput),
  capture: Input.decodeResult("capture", Payment.CaptureInput),
  increment: Input.decodeResult("increment", Payment.IncrementInput),
  refund: Input.decodeResult("refund", Payment.RefundInput)
}

/** The decoders as one type, for picking one at random. */
const DECODERS: ReadonlyArray<(u: unknown) => Result.Result<unknown, { readonly _tag: string }>> =
  Object.values(decoders)

const good = {
  id: "pay_1",
  merchant: "acct_1",
  amount: { amount: "1999", currency: "EUR" },
  captureMethod: "manual"
}

const refusedAt = (
  r: Result.Result<unknown, { readonly _tag: string; readonly path?: string }>,
  path: string
) => {
  expect(Result.isFailure(r), path).toBe(true)
  if (Result.isFailure(r)) {
    expect(r.failure._tag).toBe("InvalidInput")
    expect(r.failure.path).toBe(path)
  }
}

describe("payment inputs", () => {
  it("a valid create input decodes to exact money", () => {
    const r = decoders.create(good)
    expect(Result.isSuccess(r) && r.success.amount.amount).toBe(1999n)
    fc.assert(
      fc.property(Arbitraries.createInput, (input) => {
        expect(Result.isSuccess(decoders.create(input))).toBe(true)
      })
    )
  })

  it("zero, negative, fractional or unbounded amounts, unknown currencies, bad ids and methods are InvalidInput naming the field", () => {
    // not positive: the money, as a whole; not minor units at all: its amount
    for (const amount of ["0", "-5"])
      refusedAt(decoders.create({ ...good, amount: { amount, currency: "EUR" } }), "amount")
    for (const amount of ["19.99", "1e3", " 1", "", "9".repeat(40)])
      refusedAt(decoders.create({ ...good, amount: { amount, currency: "EUR" } }), "amount.amount")
    refusedAt(decoders.create({ ...good, amount: { amount: "1", currency: "XXY" } }), "amount.currency")
    refusedAt(decoders.create({ ...good, id: "" }), "id")
    refusedAt(decoders.create({ ...good, id: "pay\u0000" }), "id")
    refusedAt(decoders.create({ ...good, merchant: "a".repeat(101) }), "merchant")
    refusedAt(decoders.create({ ...good, captureMethod: "later" }), "captureMethod")
    refusedAt(
      decoders.create({
        ...good,
        metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"]))
      }),
      "metadata"
    )
    refusedAt(decoders.create({ ...good, extra: 1 }), "extra")
    for (const bad of ["a\u0000b", "\ud800", "x\udc00"])
      refusedAt(decoders.create({ ...good, metadata: { note: bad } }), "metadata.note")
    refusedAt(decoders.capture({ amount: "0" }), "amount")
    refusedAt(decoders.capture({ amount: 5 }), "amount")
    refusedAt(decoders.capture({ final: "yes" }), "final")
    refusedAt(decoders.increment({}), "amount")
    refusedAt(decoders.refund({ amount: "10" }), "reason")
    refusedAt(decoders.refund({ amount: "-10", reason: "duplicate" }), "amount")
  })

  it("random JSON into every input is a typed error or a value, never a throw", () => {
    fc.assert(
      fc.property(fc.constantFrom(...DECODERS), fc.jsonValue(), (decode, value) => {
        const r = decode(value)
        if (Result.isFailure(r)) expect(r.failure._tag).toBe("InvalidInput")
      }),
      { numRuns: 500 }
    )
  })

  it("the typed path refuses a zero, negative or non-bigint amount, an unknown decline code and an increment past the money range, and the payment is unchanged", () => {
    const created = Steps.create(
      {
        id: "pay_1",
        merchant: "acct_1",
        paymentMethod: "pm_1",
        amount: Money.fromMinorUnsafe(1000n, Currency.EUR),
        captureMethod: "manual_multiple"
      },
      0
    )
    const p0 = Result.getOrThrow(created)
    const p = Result.getOrThrow(Result.flatMap(Steps.confirm(p0, 1), (x) => Steps.authorise(x, 2)))
    const refusals: ReadonlyArray<
      readonly [string, Result.Result<unknown, { readonly _tag: string; readonly path?: string }>]
    > = [
      ["amount", Steps.capture(p, { amount: 0n }, 3)],
      ["amount", Steps.capture(p, { amount: -5n }, 3)],
      ["amount", Steps.capture(p, { amount: 5 as never }, 3)],
      ["amount", Steps.increment(p, { amount: -1n }, 3)],
      ["amount", Steps.increment(p, { amount: 10n ** 39n }, 3)],
      ["amount", Steps.refund(p, { amount: -1n, reason: "duplicate" }, 3)],
      ["code", Steps.decline(p, "nope" as never, 3)],
      ["code", Steps.fail(p, "toString" as never, "system", 3)],
      [
        "amount",
        Steps.create(
          {
            id: "x",
            merchant: "m",
            amount: Money.fromMinorUnsafe(-1n, Currency.EUR),
            captureMethod: "manual"
          },
          0
        )
      ],
      [
        "amount",
        Steps.create({ id: "x", merchant: "m", amount: { amount: 5n } as never, captureMethod: "manual" }, 0)
      ],
      [
        "captureMethod",
        Steps.create(
          {
            id: "x",
            merchant: "m",
            amount: Money.fromMinorUnsafe(1n, Currency.EUR),
            captureMethod: "later" as never
          },
          0
        )
      ]
    ]
    for (const [path, r] of refusals) refusedAt(r, path)
  })

  it("the default limits hold: the 11th increment is LimitReached; a huge capture on a finished payment is IllegalTransition, not a throw", () => {
    let p = Result.getOrThrow(
      Result.flatMap(
        Steps.create(
          {
            id: "pay_2",
            merchant: "acct_1",
            paymentMethod: "pm_1",
            amount: Money.fromMinorUnsafe(1000n, Currency.EUR),
            captureMethod: "manual"
          },
          0
        ),
        (x) => Result.flatMap(Steps.confirm(x, 1), (y) => Steps.authorise(y, 2))
      )
    )
    for (let i = 0; i < Steps.DEFAULT_LIMITS.increments; i++)
      p = Result.getOrThrow(Steps.increment(p, { amount: 1n }, 3))
    const over = Steps.increment(p, { amount: 1n }, 4)
    expect(Result.isFailure(over) && over.failure._tag).toBe("LimitReached")
    const done = Result.getOrThrow(Steps.capture(p, {}, 5))
    expect(done.status).toBe("succeeded")
    const huge = Steps.capture(done, { amount: 2n ** 126n }, 6)
    expect(Result.isFailure(huge) && huge.failure._tag).toBe("IllegalTransition")
  })
})
