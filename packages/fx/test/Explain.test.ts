import { Currency, Decimal, Money } from "@paykit/core"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { Explain, Quote, Schedule } from "../src/index.ts"

const schedule = Schedule.makeUnsafe({
  corridors: [
    {
      source: "USD",
      target: "JPY",
      spreadBps: 50,
      fixedFee: "299",
      percentFee: "0.5",
      feeMode: "deducted",
      charges: "OUR",
      intermediaryFee: "2500"
    }
  ]
})
const mid = {
  base: "USD",
  quote: "JPY",
  rate: Decimal.unsafe("150.4323827047"),
  source: "ECB",
  asOf: Date.UTC(2026, 10, 20)
}
const quote = Result.getOrThrow(
  Quote.fromSendAmount(
    {
      corridor: Result.getOrThrow(Schedule.match(schedule, "USD", "JPY")),
      mid,
      reference: mid,
      id: "01JEXPLAIN0000000000000000",
      now: Date.UTC(2026, 10, 20, 16, 5),
      lockMillis: 15 * 60_000
    },
    Money.parseUnsafe("2000.00", Currency.USD)
  )
)

describe("explain", () => {
  it("formats amounts with the core's formatting and the currency exponent", () => {
    expect(Explain.amount(Money.parseUnsafe("1234567.5", Currency.USD), "en")).toBe("1,234,567.50 USD")
    expect(Explain.amount(Money.parseUnsafe("150432", Currency.JPY), "en")).toBe("150,432 JPY")
    expect(Explain.amount(Money.parseUnsafe("307.199", Currency.KWD), "zh-CN")).toBe("307.199 KWD")
    expect(Explain.amount(Money.parseUnsafe("31.3306", Currency.CLF), "en")).toBe("31.3306 CLF")
  })

  it("explains fees deducted, the margin and an intermediary fee the sender pays (OUR), in English", () => {
    // fees: 2.99 + 0.5 % of 2000 = 12.99; converted 1987.01 at 150.4323827047 × 0.995
    expect(quote.converted.toString()).toBe("1987.01 USD")
    expect(Explain.explain(quote, "en")).toEqual([
      `You send ${Explain.amount(quote.paid, "en")}.`,
      "Our fixed fee: 2.99 USD, deducted from the amount.",
      "Our percentage fee: 10.00 USD, deducted from the amount.",
      `We convert 1,987.01 USD at the rate 1 USD = ${Decimal.round(quote.customerRate, 6, "half-even")} JPY, which gives ${Explain.amount(quote.convertedTarget, "en")}.`,
      `Exchange-rate margin: ${Explain.amount(line("exchange-rate-margin"), "en")}, already included in the rate (0.5 % below the mid-market rate 150.432383).`,
      `An intermediary bank may charge about 2,500 JPY; you pay it here (${Explain.amount(quote.fees.find((f) => f.kind === "intermediary-estimate")!.inSource!, "en")}), so nothing is deducted on the way.`,
      `The recipient gets ${Explain.amount(quote.received, "en")}.`,
      `Total cost: ${Explain.amount(quote.totalCost, "en")}. Mark-up over the ECB reference rate (1 USD = 150.432383 JPY, 2026-11-20): ${Decimal.round(quote.markup.conversion!, 4, "half-even")} % for the conversion (0.5 % on the rate), ${Decimal.round(quote.markup.thirdParty!, 4, "half-even")} % estimated third-party fees, ${Decimal.round(quote.markup.allIn, 4, "half-even")} % all-in.`,
      "This rate is locked until 2026-11-20 16:20 UTC."
    ])
  })

  it("and in Simplified Chinese: the recipient gets the full amount under OUR (no “about”)", () => {
    const lines = Explain.explain(quote, "zh-CN")
    expect(lines[0]).toBe(`您支付 ${Explain.amount(quote.paid, "zh-CN")}。`)
    expect(lines[1]).toBe("固定手续费 2.99 USD，从转账金额中扣除。")
    expect(lines[3]).toContain("我们按汇率 1 USD = ")
    expect(lines[5]).toContain("中间行约收取 2,500 JPY，由您支付")
    expect(lines[6]).toBe(`收款人收到 ${Explain.amount(quote.received, "zh-CN")}。`)
    expect(lines[8]).toBe("汇率锁定至 2026-11-20 16:20 UTC。")
  })
})

const line = (kind: Quote.FeeKind) => quote.fees.find((f) => f.kind === kind)!.amount
