import { Currency, Money } from "@paykit/core"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { Books, Steps } from "../src/index.ts"

const eur = (n: bigint) => Money.fromMinorUnsafe(n, Currency.EUR)
const T = 1_000

/** A captured payment of 100.00 with one refund of 40.00 that succeeded. */
const refundedPayment = () => {
  const p0 = Result.getOrThrow(
    Steps.create(
      {
        id: "pay_1",
        merchant: "m_1",
        customer: "c_1",
        paymentMethod: "pm_approve",
        amount: eur(10_000n),
        captureMethod: "automatic"
      },
      T
    )
  )
  const p1 = Result.getOrThrow(Steps.authorise(Result.getOrThrow(Steps.confirm(p0, T)), T))
  const p2 = Result.getOrThrow(Steps.refund(p1, { amount: 4_000n, reason: "requested_by_customer" }, T))
  const p3 = Result.getOrThrow(Steps.refundOutcome(p2, "pay_1:refund:1", { _tag: "succeeded" }, T))
  return { p1, p2, p3 }
}

describe("Books.postings", () => {
  it("a refund that succeeded and then failed (returned by the bank) is a second, reversing transfer, never an edit", () => {
    const { p2, p3 } = refundedPayment()
    const refunded = Books.postings(p2, p3, { _tag: "wallet" }, () => [])
    expect(refunded.commands).toEqual([
      expect.objectContaining({
        _tag: "Transfer",
        id: "pay_1:refund:1",
        postings: [
          {
            debit: "merchant:m_1:pending:EUR",
            credit: "customer:c_1:wallet:EUR",
            amount: 4_000n,
            currency: "EUR"
          }
        ]
      })
    ])
    const p4 = Result.getOrThrow(
      Steps.refundOutcome(p3, "pay_1:refund:1", { _tag: "failed", reason: "declined" }, T)
    )
    const returned = Books.postings(p3, p4, { _tag: "wallet" }, () => [])
    expect(returned.commands).toEqual([
      expect.objectContaining({
        _tag: "Transfer",
        id: "pay_1:refund:1:returned",
        postings: [
          {
            debit: "customer:c_1:wallet:EUR",
            credit: "merchant:m_1:pending:EUR",
            amount: 4_000n,
            currency: "EUR"
          }
        ]
      })
    ])
  })

  it("with refundsFrom available, a refund and its return are booked on the merchant's available balance, on both books", () => {
    const { p2, p3 } = refundedPayment()
    const p4 = Result.getOrThrow(
      Steps.refundOutcome(p3, "pay_1:refund:1", { _tag: "failed", reason: "declined" }, T)
    )
    const accounts = (books: Books.Books) =>
      [
        ...Books.postings(p2, p3, books, () => []).commands,
        ...Books.postings(p3, p4, books, () => []).commands
      ].flatMap((c) => (c._tag === "Transfer" ? c.postings.flatMap((l) => [l.debit, l.credit]) : []))
    for (const books of [
      { _tag: "wallet", refundsFrom: "available" },
      { _tag: "acquiring", bank: "b_1", refundsFrom: "available" }
    ] satisfies ReadonlyArray<Books.Books>) {
      const touched = accounts(books)
      expect(touched).toContain("merchant:m_1:available:EUR")
      expect(touched).not.toContain("merchant:m_1:pending:EUR")
    }
    expect(accounts({ _tag: "acquiring", bank: "b_1" })).toContain("merchant:m_1:pending:EUR")
  })

  it("a step that moves no money posts nothing, and the same step gives the same ids (a retry replays)", () => {
    const { p1, p2 } = refundedPayment()
    expect(Books.postings(p1, p2, { _tag: "wallet" }, () => []).commands).toEqual([])
    const a = Books.postings(
      undefined,
      p1,
      { _tag: "acquiring", bank: "acq" },
      Books.percentPlusFixed({ bps: 290 })
    )
    const b = Books.postings(
      undefined,
      p1,
      { _tag: "acquiring", bank: "acq" },
      Books.percentPlusFixed({ bps: 290 })
    )
    expect(a).toEqual(b)
    expect(a.commands.map((c) => ("id" in c ? c.id : ""))).toEqual(["pay_1:capture:1"])
  })

  it("percent plus fixed rounds half to even and never exceeds the capture", () => {
    const fee = (gross: bigint, bps: number, fixed = 0n) =>
      Books.percentPlusFixed({ bps, fixed: { EUR: fixed } })({ amount: eur(gross) } as never, {
        id: "c",
        amount: eur(gross),
        final: true,
        at: 0
      })[0]?.amount.amount ?? 0n
    expect(fee(50n, 100)).toBe(0n) // 0.5 → 0 (even)
    expect(fee(150n, 100)).toBe(2n) // 1.5 → 2 (even)
    expect(fee(10_000n, 290, 30n)).toBe(320n)
    expect(fee(10n, 290, 30n)).toBe(10n)
  })
})
