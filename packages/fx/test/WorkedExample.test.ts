import { Currency, Money } from "@paykit/core"
import { Result, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { Explain, Quote } from "../src/index.ts"
import { corridorOf, rate, workedSchedule } from "./helpers.ts"

const ctx: Quote.Context = {
  corridor: corridorOf(workedSchedule, "USD", "EUR"),
  mid: rate("USD", "EUR", "0.92", Date.UTC(2026, 10, 20, 9)),
  reference: rate("USD", "EUR", "0.92", Date.UTC(2026, 10, 20), "ECB"),
  id: "01JWORKEDEXAMPLE0000000000",
  now: Date.UTC(2026, 10, 20, 10),
  lockMillis: 30 * 60_000
}

const quote = Result.getOrThrow(Quote.fromSendAmount(ctx, Money.parseUnsafe("1000.00", Currency.USD)))

describe("the worked example: 1,000 USD at 0.92, 10 USD fee on top, about 15 EUR intermediary under SHA", () => {
  it("the recipient gets about 905 EUR and the sender pays 1,010 USD", () => {
    expect(quote.principal.toString()).toBe("1000.00 USD")
    expect(quote.converted.toString()).toBe("1000.00 USD")
    expect(quote.paid.toString()).toBe("1010.00 USD")
    expect(quote.convertedTarget.toString()).toBe("920.00 EUR")
    expect(quote.received.toString()).toBe("905.00 EUR")
    expect(quote.receivedIsEstimate).toBe(true)
  })

  it("the quote shows each line in its own currency", () => {
    expect(
      quote.fees.map((f) => [f.kind, f.amount.toString(), f.paidBy, f.estimate, f.informational])
    ).toEqual([
      ["fixed", "10.00 USD", "sender", false, false],
      ["intermediary-estimate", "15.00 EUR", "recipient", true, false]
    ])
    expect(quote.ourFees.toString()).toBe("10.00 USD")
    expect(quote.totalCost.toString()).toBe("10.00 USD")
    expect(quote.midRate.rate.toString()).toBe("0.92")
    expect(quote.customerRate.toString()).toBe("0.92")
    expect(quote.referenceRate.source).toBe("ECB")
    expect(quote.referenceRate.asOf).toBe(Date.UTC(2026, 10, 20))
    expect(quote.charges).toBe("SHA")
    expect(quote.feeMode).toBe("on-top")
    expect(quote.createdAt).toBe(ctx.now)
    expect(quote.expiresAt).toBe(ctx.now + 30 * 60_000)
    expect(quote.rounding.customerPays).toBe("ceiling")
    expect(quote.rounding.recipientGets).toBe("floor")
  })

  it("discloses the mark-up over the reference rate: 0 % on the rate, 2.6044 % all-in", () => {
    expect(quote.markup.rate.toString()).toBe("0")
    // 1 − (905 / 1010) / 0.92 = 1 − 905 / 929.2 = 0.0260439… → 2.6044 %
    const exact = 1 - 905 / 1010 / 0.92
    expect(Number(quote.markup.allIn.toString())).toBeCloseTo(exact * 100, 4)
    expect(quote.markup.allIn.toString()).toBe("2.6044")
  })

  it("CBPR2 disclosure splits the figures: 0.9901 % for the conversion, 1.6143 % estimated third-party fees, 2.6044 % in total", () => {
    // conversion alone: 1 − (920 / 1010) / 0.92 = 1 − 920 / 929.2 = 0.0099009… → 0.9901 %
    expect(quote.markup.conversion?.toString()).toBe("0.9901")
    expect(Number(quote.markup.conversion?.toString())).toBeCloseTo((1 - 920 / 1010 / 0.92) * 100, 4)
    // the intermediary's 15 EUR estimate: the rest of the all-in figure
    expect(quote.markup.thirdParty?.toString()).toBe("1.6143")
    expect(quote.markup.allIn.toString()).toBe("2.6044")
  })

  it("a stored quote without the split figures still decodes and is read out with the all-in figure", () => {
    const json = Schema.encodeSync(Quote.Quote)(quote)
    const { conversion: _c, thirdParty: _t, ...older } = json.markup
    const back = Schema.decodeUnknownSync(Quote.Quote)({ ...json, markup: older })
    expect(back.markup.conversion).toBeUndefined()
    expect(Explain.explain(back, "en")[5]).toBe(
      "Total cost: 10.00 USD. Mark-up over the ECB reference rate (1 USD = 0.92 EUR, 2026-11-20): 2.6044 % all-in, 0 % on the rate."
    )
  })

  it("the receive-amount quote for 905 EUR asks exactly 1,000 USD (+10 USD fee)", () => {
    const inverse = Result.getOrThrow(Quote.fromReceiveAmount(ctx, Money.parseUnsafe("905.00", Currency.EUR)))
    expect(inverse.direction).toBe("receive")
    expect(inverse.requested.toString()).toBe("905.00 EUR")
    expect(inverse.principal.toString()).toBe("1000.00 USD")
    expect(inverse.paid.toString()).toBe("1010.00 USD")
    expect(inverse.received.toString()).toBe("905.00 EUR")
  })

  it("a support agent reads it out in English", () => {
    expect(Explain.explain(quote, "en")).toEqual([
      "You send 1,010.00 USD.",
      "Our fixed fee: 10.00 USD, charged on top of the amount.",
      "We convert 1,000.00 USD at the rate 1 USD = 0.92 EUR, which gives 920.00 EUR.",
      "An intermediary bank takes about 15.00 EUR on the way.",
      "The recipient gets about 905.00 EUR.",
      "Total cost: 10.00 USD. Mark-up over the ECB reference rate (1 USD = 0.92 EUR, 2026-11-20): 0.9901 % for the conversion (0 % on the rate), 1.6143 % estimated third-party fees, 2.6044 % all-in.",
      "This rate is locked until 2026-11-20 10:30 UTC."
    ])
  })

  it("and in Simplified Chinese", () => {
    expect(Explain.explain(quote, "zh-CN")).toEqual([
      "您支付 1,010.00 USD。",
      "固定手续费 10.00 USD，在转账金额之外另行收取。",
      "我们按汇率 1 USD = 0.92 EUR 兑换 1,000.00 USD，得到 920.00 EUR。",
      "中间行约收取 15.00 EUR，从汇款途中扣除。",
      "收款人约收到 905.00 EUR。",
      "总费用 10.00 USD。相对 ECB 参考汇率（1 USD = 0.92 EUR，2026-11-20）的加价：货币兑换 0.9901%（汇率 0%），第三方费用估计 1.6143%，综合 2.6044%。",
      "汇率锁定至 2026-11-20 10:30 UTC。"
    ])
  })

  it("encodes to JSON with amounts as strings and decodes back", () => {
    const json = Schema.encodeSync(Quote.Quote)(quote)
    expect(json.received).toEqual({ amount: "90500", currency: "EUR" })
    expect(json.customerRate).toBe("0.92")
    expect(JSON.parse(JSON.stringify(quote)).markup).toEqual({
      rate: "0",
      allIn: "2.6044",
      conversion: "0.9901",
      thirdParty: "1.6143"
    })
    expect(json.markup.conversion).toBe("0.9901")
    expect(json.markup.thirdParty).toBe("1.6143")
    const back = Schema.decodeUnknownSync(Quote.Quote)(JSON.parse(JSON.stringify(json)))
    expect(Schema.encodeSync(Quote.Quote)(back)).toEqual(json)
  })
})
