import { Currency, Money } from "@paykit/core"
import { Books, type Payment, Steps } from "@paykit/payments"
import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as FeePolicy from "../src/FeePolicy.ts"
import * as FeeSchedule from "../src/FeeSchedule.ts"

const T0 = 1_000_000
const kept = {
  refund: { policy: "kept" },
  void: { policy: "returned" },
  reversal: { policy: "returned" },
  dispute: { policy: "charged", fixed: { EUR: "1500", USD: "1500" } }
}

/** Blended 1.4 % + 0.25 until T0 + 1000, then interchange++; Amex dearer; surcharges; a cap. */
const schedule = Result.getOrThrow(
  FeeSchedule.decode({
    dimensions: { methods: ["card"], brands: ["visa", "amex"], regions: ["domestic", "inter_regional"] },
    versions: [
      {
        effectiveFrom: T0,
        pricing: {
          shape: { type: "blended", rate: "1.4", fixed: { EUR: "25", USD: "30" }, rounding: "half-even" },
          crossBorder: { rate: "1.5", rounding: "half-up" },
          fx: { rate: "2", rounding: "half-up" },
          cap: { EUR: "5000" }
        },
        overrides: [{ match: { brand: "amex" }, shape: { type: "blended", rate: "2.9", rounding: "up" } }],
        events: kept
      },
      {
        effectiveFrom: T0 + 1_000,
        pricing: {
          shape: {
            type: "interchange_plus_plus",
            interchange: {
              rounding: "half-up",
              rates: [{ rate: "1.5" }, { brand: "visa", region: "domestic", rate: "0.2" }]
            },
            scheme: { rounding: "ceiling", rates: [{ rate: "0.1" }] },
            markup: { rate: "0.5", fixed: { EUR: "10" }, rounding: "floor" }
          }
        },
        events: kept
      }
    ]
  })
)

const eur = (n: bigint) => Money.fromMinorUnsafe(n, Currency.EUR)

/** A card payment captured at `at` (automatic capture), with the given metadata. */
const captured = (amount: bigint, at: number, metadata: Record<string, string> = {}) => {
  const p0 = Result.getOrThrow(
    Steps.create(
      {
        id: "pay_1",
        merchant: "m_1",
        customer: "c_1",
        paymentMethod: "pm_1",
        amount: eur(amount),
        captureMethod: "automatic",
        metadata
      },
      at
    )
  )
  const before = Result.getOrThrow(Steps.confirm(p0, at))
  const after = Result.getOrThrow(Steps.authorise(before, at))
  return { before, after, capture: after.captures[0]! }
}

const amounts = (fees: ReadonlyArray<Books.Fee>) => fees.map((f) => f.amount.amount)

describe("FeePolicy.fromSchedule", () => {
  it("is the payments package's fee policy port, and Books.postings books its lines", () => {
    const port: Parameters<typeof Books.postings>[3] = FeePolicy.fromSchedule(schedule)
    const { before, after, capture } = captured(10_000n, T0 + 5, {
      card_brand: "visa",
      card_region: "domestic"
    })
    const fees = port(after, capture)
    expect(fees.map((f) => [f.label, f.amount.amount, f.amount.currency.code])).toEqual([
      ["processing: 1.4% + 0.25 EUR", 165n, "EUR"]
    ])
    const posting = Books.postings(before, after, { _tag: "acquiring", bank: "acq_1" }, port)
    const transfer = posting.commands.find((c) => c._tag === "Transfer" && c.id === capture.id)
    expect(transfer?._tag === "Transfer" && transfer.postings).toContainEqual({
      debit: "merchant:m_1:pending:EUR",
      credit: "platform:fees:EUR",
      amount: 165n,
      currency: "EUR"
    })
  })

  it("prices exactly what FeeSchedule.price gives, at the capture's time, from the metadata's dimensions", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 10n }),
        fc.integer({ min: T0 - 10, max: T0 + 2_000 }),
        fc.record(
          {
            method: fc.constantFrom("card", "wallet"),
            card_brand: fc.constantFrom("visa", "amex", "discover"),
            card_region: fc.constantFrom("domestic", "inter_regional")
          },
          { requiredKeys: [] }
        ),
        (amount, at, metadata) => {
          const { after, capture } = captured(amount, at, metadata)
          const expected = Result.getOrThrow(
            FeeSchedule.price(schedule, {
              amount,
              currency: "EUR",
              // before the first version, the first version prices
              at: Math.max(at, T0),
              method: metadata.method,
              brand: metadata.card_brand,
              region: metadata.card_region
            })
          )
          const fees = FeePolicy.fromSchedule(schedule)(after, capture)
          expect(amounts(fees)).toEqual(expected.map((l) => l.amount))
          expect(fees.map((f) => f.label)).toEqual(expected.map((l) => `${l.kind}: ${l.label}`))
          expect(fees.reduce((s, f) => s + f.amount.amount, 0n) <= amount).toBe(true)
        }
      ),
      { numRuns: 200 }
    )
  })

  it("prices a converted capture on the settled amount, in the settlement currency, with the FX surcharge", () => {
    const { after, capture } = captured(10_000n, T0 + 5, { card_brand: "visa", card_region: "domestic" })
    const converted: Payment.Capture = {
      ...capture,
      conversion: { quoteId: "q_1", rate: "1.1", settled: Money.fromMinorUnsafe(11_000n, Currency.USD) }
    }
    const fees = FeePolicy.fromSchedule(schedule)(after, converted)
    expect(fees.map((f) => [f.label, f.amount.amount, f.amount.currency.code])).toEqual([
      ["processing: 1.4% + 0.30 USD", 184n, "USD"],
      ["fx: currency conversion 2%", 220n, "USD"]
    ])
  })

  it("before the first version, uses the first version; a capture of zero pays nothing", () => {
    const { after, capture } = captured(10_000n, 0, { card_brand: "amex" })
    expect(amounts(FeePolicy.fromSchedule(schedule)(after, capture))).toEqual([290n])
    expect(FeePolicy.fromSchedule(schedule)(after, { ...capture, amount: eur(0n) })).toEqual([])
  })

  it("describe replaces the metadata; account routes a kind to its own ledger account", () => {
    const { after, capture } = captured(10_000n, T0 + 2_000)
    const port = FeePolicy.fromSchedule(schedule, {
      describe: () => ({ brand: "visa", region: "domestic" }),
      account: (kind, cur) => (kind === "markup" ? undefined : `platform:passthrough:${cur}`)
    })
    expect(port(after, capture).map((f) => [f.label, f.amount.amount, f.account])).toEqual([
      ["interchange: interchange 0.2% (visa, domestic)", 20n, "platform:passthrough:EUR"],
      ["scheme: scheme fees 0.1% (default)", 10n, "platform:passthrough:EUR"],
      ["markup: markup 0.5% + 0.10 EUR", 60n, undefined]
    ])
    expect(FeePolicy.fromMetadata({ ...after, metadata: { card_brand: "visa", other: "x" } })).toEqual({
      method: undefined,
      brand: "visa",
      region: undefined
    })
  })
})
