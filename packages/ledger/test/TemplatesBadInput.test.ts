import { fc, test } from "@fast-check/vitest"
import { Currency, Money } from "@paykit/core"
import { ChartOfAccounts, Templates } from "@paykit/ledger"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { checkShape } from "../src/internal/core/shape.ts"

// Hostile input into every template: a typed error naming the problem, never a throw, and the
// next valid call gives the same commands as before.

const ok = <A, E>(r: Result.Result<A, E>): A => {
  if (Result.isFailure(r))
    throw new Error(`expected a success, got ${String((r.failure as { _tag?: string })._tag)}`)
  return r.success
}
const tagOf = (r: Result.Result<unknown, { readonly _tag: string }>): string =>
  Result.isFailure(r) ? r.failure._tag : "ok"

const usd = (n: bigint) => Money.fromMinorUnsafe(n, Currency.USD)
const eur = (n: bigint) => Money.fromMinorUnsafe(n, Currency.EUR)
const wallet = ok(ChartOfAccounts.customerWallet("c1", "USD"))
const walletEur = ok(ChartOfAccounts.customerWallet("c1", "EUR"))
const m = ok(ChartOfAccounts.merchantAccounts("m1", "USD"))
const other = ok(ChartOfAccounts.merchantAccounts("m2", "USD"))
const pendingEur = ok(ChartOfAccounts.merchantPending("m1", "EUR"))
const fees = ok(ChartOfAccounts.feeRevenue("USD"))
const bank = ok(ChartOfAccounts.settlementBank("b1", "USD"))

/** Each template with a valid step, and the step's optional fields. */
const valid: ReadonlyArray<{
  readonly name: string
  readonly template: (step: never) => Templates.Posted
  readonly step: Record<string, unknown>
  readonly optional: ReadonlyArray<string>
}> = [
  {
    name: "topUp",
    template: Templates.topUp,
    step: { topUpId: "t1", bank, wallet, amount: usd(500n) },
    optional: []
  },
  {
    name: "fxPayment",
    template: Templates.fxPayment,
    step: {
      paymentId: "p1",
      customer: wallet,
      merchant: pendingEur,
      paid: usd(1000n),
      received: eur(920n),
      fee: { to: fees, amount: usd(10n) }
    },
    optional: ["fee"]
  },
  {
    name: "captureWithFees",
    template: Templates.captureWithFees,
    step: {
      paymentId: "p1",
      payer: wallet,
      merchant: m.pending,
      gross: usd(1000n),
      fees: [{ to: fees, amount: usd(30n) }]
    },
    optional: ["fees"]
  },
  {
    name: "authorize",
    template: Templates.authorize,
    step: { paymentId: "p1", customer: wallet, merchant: m.pending, amount: usd(300n), timeoutMs: 60_000 },
    optional: ["timeoutMs"]
  },
  {
    name: "captureAuthorization",
    template: Templates.captureAuthorization,
    step: { paymentId: "p1", merchant: m.pending, authorized: usd(300n), captured: usd(250n), fees: [] },
    optional: ["fees"]
  },
  {
    name: "voidAuthorization",
    template: Templates.voidAuthorization,
    step: { paymentId: "p1" },
    optional: []
  },
  {
    name: "settle",
    template: Templates.settle,
    step: { settlementId: "s1", pending: m.pending, available: m.available, amount: usd(100n) },
    optional: []
  },
  {
    name: "refundAfterSettlement",
    template: Templates.refundAfterSettlement,
    step: { refundId: "r1", merchant: m.available, to: wallet, amount: usd(100n) },
    optional: []
  },
  {
    name: "holdReserve",
    template: Templates.holdReserve,
    step: { reserveId: "rr1", from: m.pending, reserve: m.reserve, amount: usd(50n) },
    optional: []
  },
  {
    name: "releaseReserve",
    template: Templates.releaseReserve,
    step: { reserveId: "rr1", reserve: m.reserve, to: m.available, amount: usd(50n) },
    optional: []
  },
  {
    name: "correctEntry",
    template: Templates.correctEntry,
    step: {
      correctionId: "k1",
      entryId: "p1:capture",
      corrected: [{ debit: wallet, credit: m.pending, amount: usd(25n) }]
    },
    optional: []
  }
]

const TAGS = [
  "InvalidStepId",
  "AmountNotPositive",
  "FeesExceedGross",
  "CaptureExceedsAuthorization",
  "AccountCurrencyMismatch",
  "WrongAccount",
  "SameCurrencyConversion",
  "AmountOutOfRange",
  "InvalidInput"
]

const throwing = new Proxy(
  {},
  {
    get: () => {
      throw new Error("boom")
    },
    ownKeys: () => {
      throw new Error("boom")
    }
  }
)

const hostile = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    0,
    1.5,
    Number.NaN,
    -1n,
    0n,
    2n ** 127n,
    "",
    "USD",
    "x".repeat(80),
    "a b",
    "~x",
    {},
    [],
    [null],
    [{}],
    { amount: 100, currency: Currency.USD },
    { amount: 100n, currency: "USD" },
    { amount: -5n, currency: Currency.USD },
    { amount: 2n ** 127n, currency: Currency.USD },
    eur(100n),
    walletEur,
    fees,
    other.available,
    { ...wallet, id: "bad id" },
    { ...wallet, kind: "nonsense" },
    throwing
  ),
  fc.anything()
)

describe("posting templates: hostile input", () => {
  it("every valid step gives commands the ledger's shape check accepts", () => {
    for (const { template, step } of valid)
      for (const c of ok(template(step as never))) expect(checkShape(c, "c")).toBeUndefined()
  })

  test.prop([fc.constantFrom(...valid), hostile], { numRuns: 100 })(
    "any value as the whole step is a typed error",
    (t, value) => {
      const r = t.template(value as never)
      expect(Result.isFailure(r) && TAGS.includes(r.failure._tag)).toBe(true)
    }
  )

  test.prop(
    [
      fc
        .constantFrom(...valid)
        .chain((t) => fc.tuple(fc.constant(t), fc.constantFrom(...Object.keys(t.step)))),
      hostile
    ],
    {
      numRuns: 100
    }
  )(
    "one field replaced by a hostile value: a typed error, or commands the ledger accepts; the next valid call is unchanged",
    ([t, field], value) => {
      const before = ok(t.template(t.step as never))
      let r: Templates.Posted | undefined
      expect(() => {
        r = t.template({ ...t.step, [field]: value } as never)
      }).not.toThrow()
      if (Result.isFailure(r!)) {
        expect(TAGS).toContain(r.failure._tag)
        expect(r.failure.message.length).toBeGreaterThan(0)
      } else {
        // some values fit (an optional field left out, another valid id or amount): still well formed
        for (const c of r!.success) expect(checkShape(c, "c")).toBeUndefined()
      }
      expect(ok(t.template(t.step as never))).toEqual(before)
    }
  )

  it("each failure mode has its own error", () => {
    const fx = valid[1]!.step
    const capture = valid[2]!.step
    const cases: ReadonlyArray<readonly [Templates.Posted, string]> = [
      [Templates.topUp({ topUpId: "t1", bank, wallet, amount: usd(0n) }), "AmountNotPositive"],
      [Templates.topUp({ topUpId: "t1", bank, wallet, amount: usd(-1n) }), "AmountNotPositive"],
      [
        Templates.topUp({
          topUpId: "t1",
          bank,
          wallet,
          amount: { amount: 5, currency: Currency.USD } as never
        }),
        "InvalidInput"
      ],
      [
        Templates.topUp({
          topUpId: "t1",
          bank,
          wallet,
          amount: { amount: 2n ** 127n, currency: Currency.USD } as never
        }),
        "AmountOutOfRange"
      ],
      [
        Templates.topUp({ topUpId: "t1", bank, wallet: walletEur, amount: usd(5n) }),
        "AccountCurrencyMismatch"
      ],
      [Templates.topUp({ topUpId: "t1", bank: wallet, wallet, amount: usd(5n) }), "WrongAccount"],
      [Templates.topUp({ topUpId: "x".repeat(60), bank, wallet, amount: usd(5n) }), "InvalidStepId"],
      [Templates.topUp({ topUpId: "a b", bank, wallet, amount: usd(5n) }), "InvalidStepId"],
      [Templates.topUp({ topUpId: 7 as never, bank, wallet, amount: usd(5n) }), "InvalidInput"],
      [
        Templates.fxPayment({ ...fx, received: usd(920n), merchant: m.pending } as never),
        "SameCurrencyConversion"
      ],
      [
        Templates.fxPayment({ ...fx, fee: { to: fees, amount: eur(1n) } } as never),
        "AccountCurrencyMismatch"
      ],
      [Templates.fxPayment({ ...fx, fee: { to: m.available, amount: usd(1n) } } as never), "WrongAccount"],
      [
        Templates.captureWithFees({ ...capture, fees: [{ to: fees, amount: usd(1001n) }] } as never),
        "FeesExceedGross"
      ],
      [
        Templates.captureWithFees({ ...capture, fees: [{ to: fees, amount: usd(-1n) }] } as never),
        "AmountNotPositive"
      ],
      [
        Templates.captureAuthorization({
          paymentId: "p1",
          merchant: m.pending,
          authorized: usd(300n),
          captured: usd(301n)
        }),
        "CaptureExceedsAuthorization"
      ],
      [Templates.authorize({ ...valid[3]!.step, timeoutMs: 0 } as never), "InvalidInput"],
      [Templates.authorize({ ...valid[3]!.step, timeoutMs: 1.5 } as never), "InvalidInput"],
      [
        Templates.holdReserve({ reserveId: "r", from: m.pending, reserve: other.reserve, amount: usd(5n) }),
        "WrongAccount"
      ],
      [
        Templates.releaseReserve({
          reserveId: "r",
          reserve: m.reserve,
          to: other.available,
          amount: usd(5n)
        }),
        "WrongAccount"
      ],
      [
        Templates.settle({
          settlementId: "s",
          pending: m.available,
          available: m.available,
          amount: usd(5n)
        }),
        "WrongAccount"
      ],
      [Templates.correctEntry({ correctionId: "k", entryId: "p1:capture", corrected: [] }), "InvalidInput"],
      [
        Templates.correctEntry({
          correctionId: "k",
          entryId: "bad id",
          corrected: (valid[10]!.step as never)["corrected"]
        }),
        "InvalidInput"
      ],
      [
        Templates.correctEntry({
          correctionId: "k",
          entryId: "e",
          corrected: [{ debit: wallet, credit: wallet, amount: usd(1n) }]
        }),
        "WrongAccount"
      ],
      [Templates.voidAuthorization(throwing as never), "InvalidInput"],
      [Templates.voidAuthorization(null as never), "InvalidInput"]
    ]
    expect(cases.map(([r]) => tagOf(r))).toEqual(cases.map(([, tag]) => tag))
    const [mismatch] = cases[4]!
    expect(Result.isFailure(mismatch) && mismatch.failure.message).toContain("convert with fxPayment")
    expect(tagOf(Templates.stepId("p1", "Capture"))).toBe("InvalidInput")
    expect(tagOf(Templates.stepId("p~1", "capture"))).toBe("InvalidStepId")
  })

  it("optional fields may be left out", () => {
    for (const { template, step, optional } of valid)
      for (const field of optional) {
        const { [field]: _, ...rest } = step
        expect([field, tagOf(template(rest as never))]).toEqual([field, "ok"])
      }
  })

  it("zero fees are left out of the entry", () => {
    const [c] = ok(
      Templates.captureWithFees({ ...valid[2]!.step, fees: [{ to: fees, amount: usd(0n) }] } as never)
    )
    expect(c?._tag === "Transfer" && c.postings.length).toBe(1)
  })
})
