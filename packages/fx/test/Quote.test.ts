import { Currency, Money } from "@paykit/core"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { Quote, Schedule } from "../src/index.ts"
import { rate } from "./helpers.ts"

const schedule = Schedule.makeUnsafe({
  corridors: [
    {
      source: "USD",
      target: "EUR",
      spreadBps: 50,
      fixedFee: "500",
      feeMode: "deducted",
      charges: "SHA",
      intermediaryFee: "1500"
    },
    {
      source: "USD",
      target: "JPY",
      spreadBps: 0,
      feeMode: "on-top",
      charges: "OUR",
      intermediaryFee: "2000"
    },
    {
      source: "JPY",
      target: "USD",
      spreadBps: 0,
      fixedFee: "300",
      percentFee: "1",
      feeMode: "on-top",
      charges: "BEN",
      intermediaryFee: "1000"
    }
  ]
})
const ctx = (source: string, target: string, value: string): Quote.Context => {
  const r = rate(source, target, value)
  return {
    corridor: Result.getOrThrow(Schedule.match(schedule, source, target)),
    mid: r,
    reference: r,
    id: "01JQUOTE000000000000000000",
    now: 0,
    lockMillis: 60_000
  }
}
const failure = <A, E>(r: Result.Result<A, E>): E => {
  if (Result.isSuccess(r)) throw new Error("expected a failure")
  return r.failure
}

describe("quote calculation: charge options and edge cases", () => {
  it("deducted fees come out of the amount; the margin line shows what the spread costs", () => {
    const q = Result.getOrThrow(
      Quote.fromSendAmount(ctx("USD", "EUR", "0.92"), Money.parseUnsafe("1000.00", Currency.USD))
    )
    expect(q.paid.toString()).toBe("1000.00 USD")
    expect(q.converted.toString()).toBe("995.00 USD")
    expect(q.customerRate.toString()).toBe("0.9154")
    expect(q.convertedTarget.toString()).toBe("910.82 EUR") // 995 × 0.9154 = 910.823 → down
    expect(q.received.toString()).toBe("895.82 EUR")
    const margin = q.fees.find((f) => f.kind === "exchange-rate-margin")!
    expect(margin.amount.toString()).toBe("4.98 USD") // 995 × 0.5 % = 4.975 → up
    expect(margin.informational).toBe(true)
    expect(q.totalCost.toString()).toBe("9.98 USD")
  })

  it("OUR: the sender pays the intermediary estimate converted at the customer rate, rounded up", () => {
    const q = Result.getOrThrow(
      Quote.fromSendAmount(ctx("USD", "JPY", "150.4323827047"), Money.parseUnsafe("1000.00", Currency.USD))
    )
    const line = q.fees.find((f) => f.kind === "intermediary-estimate")!
    expect(line.amount.toString()).toBe("2000 JPY")
    expect(line.paidBy).toBe("sender")
    expect(line.inSource!.toString()).toBe("13.30 USD") // 2000 / 150.4323827047 = 13.2950… → up
    expect(q.paid.toString()).toBe("1013.30 USD")
    expect(q.received.toString()).toBe("150432 JPY")
    expect(q.receivedIsEstimate).toBe(false)
  })

  it("BEN: our fees are deducted even when the corridor says on-top, and the recipient bears the estimate", () => {
    const q = Result.getOrThrow(
      Quote.fromSendAmount(ctx("JPY", "USD", "0.0066475"), Money.parseUnsafe("150000", Currency.JPY))
    )
    expect(q.feeMode).toBe("deducted")
    expect(q.ourFees.toString()).toBe("1800 JPY") // 300 + 1 % of 150000
    expect(q.paid.toString()).toBe("150000 JPY")
    expect(q.converted.toString()).toBe("148200 JPY")
    expect(q.convertedTarget.toString()).toBe("985.15 USD") // 148200 × 0.0066475 = 985.1595 → down
    expect(q.received.toString()).toBe("975.15 USD")
    expect(q.fees.find((f) => f.kind === "intermediary-estimate")!.paidBy).toBe("recipient")
  })

  it("fees that take the whole amount are NothingToConvert", () => {
    const e = failure(
      Quote.fromSendAmount(ctx("USD", "EUR", "0.92"), Money.parseUnsafe("5.00", Currency.USD))
    )
    expect(e._tag).toBe("NothingToConvert")
    expect(e.message).toContain("the fees (5.00 USD) take the whole amount (5.00 USD)")
  })

  it("an amount that converts to nothing, or is eaten by the intermediary estimate, is NothingArrives", () => {
    expect(
      failure(Quote.fromSendAmount(ctx("USD", "EUR", "0.92"), Money.parseUnsafe("20.00", Currency.USD)))._tag
    ).toBe("NothingArrives")
    expect(
      failure(Quote.fromSendAmount(ctx("USD", "JPY", "0.001"), Money.parseUnsafe("0.01", Currency.USD)))._tag
    ).toBe("NothingArrives")
  })

  it("a receive amount beyond the supported range is AmountOutOfRange, not a hang", () => {
    const e = failure(
      Quote.fromReceiveAmount(
        ctx("USD", "EUR", "0.92"),
        Money.fromMinorUnsafe(Money.MAX_AMOUNT, Currency.EUR)
      )
    )
    expect(e._tag).toBe("AmountOutOfRange")
  })
  it("the pure functions check what they are given: InvalidInput naming the field", () => {
    const c = ctx("USD", "EUR", "0.92")
    const path = (r: Result.Result<Quote.Quote, Quote.CalculationError>) => {
      const e = failure(r)
      return e._tag === "InvalidInput" ? `${e.path}: ${e.reason}` : e._tag
    }
    expect(path(Quote.fromSendAmount(c, Money.fromMinorUnsafe(0n, Currency.USD)))).toBe(
      "amount: must be greater than zero"
    )
    expect(path(Quote.fromSendAmount(c, Money.fromMinorUnsafe(-5n, Currency.USD)))).toBe(
      "amount: must be greater than zero"
    )
    expect(path(Quote.fromReceiveAmount(c, Money.fromMinorUnsafe(0n, Currency.EUR)))).toBe(
      "amount: must be greater than zero"
    )
    expect(path(Quote.fromSendAmount(c, Money.fromMinorUnsafe(100n, Currency.EUR)))).toBe(
      "amount.currency: expected an amount in USD, got EUR"
    )
    expect(
      path(
        Quote.fromSendAmount(
          { ...c, mid: rate("USD", "GBP", "0.8") },
          Money.fromMinorUnsafe(100n, Currency.USD)
        )
      )
    ).toBe("mid: expected a USD→EUR rate, got USD→GBP")
  })
})
