import { Decimal, Money } from "@paykit/core"
import type { Quote } from "./Quote.ts"

/**
 * The languages {@link explain} speaks: English and Simplified Chinese.
 *
 * @example
 * ```ts
 * import { Explain } from "@paykit/fx"
 * const language: Explain.Language = "zh-CN"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Language = "en" | "zh-CN"

const LOCALE: Record<Language, string> = { en: "en-US", "zh-CN": "zh-CN" }

/**
 * An amount as `1,010.00 USD`: digits grouped and decimals per the currency exponent by the
 * core's `Money.format` in the language's locale, followed by the ISO code.
 *
 * @example
 * ```ts
 * import { Explain } from "@paykit/fx"
 * import { Currency, Money } from "@paykit/core"
 * Explain.amount(Money.parseUnsafe("1010", Currency.USD), "en") // "1,010.00 USD"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const amount = (m: Money.Money, language: Language): string => {
  const code = m.currency.code
  const text = Money.format(m, LOCALE[language], { display: "code" })
  const digits = text.replace(code, "").replace(/\s/g, "")
  return m.currency.custom === true ? text : `${digits} ${code}`
}

const rate = (d: Decimal.Decimal): string => Decimal.round(d, 6, "half-even").toString()
const percent = (d: Decimal.Decimal): string => Decimal.round(d, 4, "half-even").toString()
const day = (at: number): string => new Date(at).toISOString().slice(0, 10)
const time = (at: number): string => `${new Date(at).toISOString().slice(0, 16).replace("T", " ")} UTC`

const line = (quote: Quote, kind: Quote["fees"][number]["kind"]) => quote.fees.find((f) => f.kind === kind)

/**
 * Renders a quote as plain lines a support agent can read to a customer, in English or
 * Simplified Chinese: what the sender pays, each fee, the conversion and its rate, the margin,
 * the intermediary bank's estimated charge, what the recipient gets ("about" when an estimate is
 * deducted), the total cost, the mark-up over the reference rate and how long the rate is locked.
 *
 * @example
 * ```ts
 * import { Explain } from "@paykit/fx"
 * declare const quote: import("@paykit/fx").Quote.Quote
 * Explain.explain(quote, "en")
 * // ["You send 1,010.00 USD.", "Our fixed fee: 10.00 USD, charged on top of the amount.", …,
 * //  "An intermediary bank takes about 15.00 EUR on the way.", "The recipient gets about 905.00 EUR.", …]
 * Explain.explain(quote, "zh-CN") // ["您支付 1,010.00 USD。", …, "中间行约收取 15.00 EUR。", "收款人约收到 905.00 EUR。", …]
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const explain = (quote: Quote, language: Language): ReadonlyArray<string> => {
  const a = (m: Money.Money) => amount(m, language)
  const zh = language === "zh-CN"
  const lines: Array<string> = []
  const onTop = quote.feeMode === "on-top"
  const fixed = line(quote, "fixed")
  const pct = line(quote, "percentage")
  const intermediary = line(quote, "intermediary-estimate")
  const margin = line(quote, "exchange-rate-margin")
  const pair = `1 ${quote.source} = ${rate(quote.customerRate)} ${quote.target}`

  lines.push(zh ? `您支付 ${a(quote.paid)}。` : `You send ${a(quote.paid)}.`)
  const how = zh
    ? onTop
      ? "在转账金额之外另行收取"
      : "从转账金额中扣除"
    : onTop
      ? "charged on top of the amount"
      : "deducted from the amount"
  if (fixed !== undefined) {
    lines.push(zh ? `固定手续费 ${a(fixed.amount)}，${how}。` : `Our fixed fee: ${a(fixed.amount)}, ${how}.`)
  }
  if (pct !== undefined) {
    lines.push(
      zh ? `按比例手续费 ${a(pct.amount)}，${how}。` : `Our percentage fee: ${a(pct.amount)}, ${how}.`
    )
  }
  lines.push(
    zh
      ? `我们按汇率 ${pair} 兑换 ${a(quote.converted)}，得到 ${a(quote.convertedTarget)}。`
      : `We convert ${a(quote.converted)} at the rate ${pair}, which gives ${a(quote.convertedTarget)}.`
  )
  if (margin !== undefined) {
    const mid = rate(quote.midRate.rate)
    const capped = quote.cappedSpreadBps
    const bps =
      capped === undefined
        ? (quote.spreadBps / 100).toString()
        : percent(Decimal.fromParts(capped.coefficient, capped.scale + 2))
    lines.push(
      zh
        ? `汇率差价 ${a(margin.amount)}（已包含在汇率中：比中间价 ${mid} 低 ${bps}%${capped === undefined ? "" : "，不高于下一档起点金额的差价"}）。`
        : `Exchange-rate margin: ${a(margin.amount)}, already included in the rate (${bps} % below the mid-market rate ${mid}${capped === undefined ? "" : ", capped at the margin of the next tier's first amount"}).`
    )
  }
  if (intermediary !== undefined) {
    if (intermediary.inSource !== null) {
      lines.push(
        zh
          ? `中间行约收取 ${a(intermediary.amount)}，由您支付（${a(intermediary.inSource)}），收款金额不会被扣减。`
          : `An intermediary bank may charge about ${a(intermediary.amount)}; you pay it here (${a(intermediary.inSource)}), so nothing is deducted on the way.`
      )
    } else {
      lines.push(
        zh
          ? `中间行约收取 ${a(intermediary.amount)}，从汇款途中扣除。`
          : `An intermediary bank takes about ${a(intermediary.amount)} on the way.`
      )
    }
  }
  lines.push(
    quote.receivedIsEstimate
      ? zh
        ? `收款人约收到 ${a(quote.received)}。`
        : `The recipient gets about ${a(quote.received)}.`
      : zh
        ? `收款人收到 ${a(quote.received)}。`
        : `The recipient gets ${a(quote.received)}.`
  )
  const ref = quote.referenceRate
  const refPair = `1 ${quote.source} = ${rate(ref.rate)} ${quote.target}`
  const m = quote.markup
  if (m.conversion !== undefined && m.thirdParty !== undefined) {
    lines.push(
      zh
        ? `总费用 ${a(quote.totalCost)}。相对 ${ref.source} 参考汇率（${refPair}，${day(ref.asOf)}）的加价：货币兑换 ${percent(m.conversion)}%（汇率 ${percent(m.rate)}%），第三方费用估计 ${percent(m.thirdParty)}%，综合 ${percent(m.allIn)}%。`
        : `Total cost: ${a(quote.totalCost)}. Mark-up over the ${ref.source} reference rate (${refPair}, ${day(ref.asOf)}): ${percent(m.conversion)} % for the conversion (${percent(m.rate)} % on the rate), ${percent(m.thirdParty)} % estimated third-party fees, ${percent(m.allIn)} % all-in.`
    )
  } else {
    // a quote stored before the split figures
    lines.push(
      zh
        ? `总费用 ${a(quote.totalCost)}。相对 ${ref.source} 参考汇率（${refPair}，${day(ref.asOf)}）的加价：综合 ${percent(m.allIn)}%，汇率 ${percent(m.rate)}%。`
        : `Total cost: ${a(quote.totalCost)}. Mark-up over the ${ref.source} reference rate (${refPair}, ${day(ref.asOf)}): ${percent(m.allIn)} % all-in, ${percent(m.rate)} % on the rate.`
    )
  }
  lines.push(
    zh ? `汇率锁定至 ${time(quote.expiresAt)}。` : `This rate is locked until ${time(quote.expiresAt)}.`
  )
  return lines
}
