/**
 * The @paykit/core part of the demo: a marketplace order priced, split and converted exactly.
 */
import { Currency, Decimal, Money } from "@paykit/core"
import { Result } from "effect"

const line = (label: string, value: string) => console.log(`  ${label.padEnd(38)} ${value}`)

export const runCoreDemo = (): void => {
  console.log("\n== @paykit/core: exact money ==")
  const order = Money.parseUnsafe("1249.99", Currency.USD)
  line("order total", Money.format(order, "en-US"))

  // card fee 2.9 % + 0.30, rounded half-up as the acquirer does
  const percentFee = Result.getOrThrow(Money.percentage(order, Decimal.unsafe("2.9"), "half-up"))
  const fee = Money.addUnsafe(percentFee, Money.parseUnsafe("0.30", Currency.USD))
  line("card fee (2.9 % + $0.30, half-up)", Money.format(fee, "en-US"))
  const net = Money.subtractUnsafe(order, fee)
  line("net to split", Money.format(net, "en-US"))

  // split the net between three sellers 50 : 30 : 20, largest remainder, nothing lost
  const shares = Result.getOrThrow(Money.allocate(net, [50n, 30n, 20n]))
  shares.forEach((s, i) => {
    line(`  seller ${i + 1} (${[50, 30, 20][i]} %)`, Money.format(s, "en-US"))
  })
  line("  sum of shares", Money.format(Result.getOrThrow(Money.sum(Currency.USD, shares)), "en-US"))

  // three equal instalments of $100.00: 33.34 + 33.33 + 33.33
  const instalments = Result.getOrThrow(Money.split(Money.parseUnsafe("100", Currency.USD), 3))
  line("$100 in 3 instalments", instalments.map((m) => Money.toDecimalString(m)).join(" + "))

  // pay out in other currencies: exponents differ (JPY 0, KWD 3), rounding is named
  const payouts: ReadonlyArray<[Currency.Currency, string, string]> = [
    [Currency.EUR, "0.9213", "de-DE"],
    [Currency.JPY, "151.237", "ja-JP"],
    [Currency.KWD, "0.30712", "en-US"],
    [Currency.CNY, "7.2418", "zh-CN"]
  ]
  for (const [to, rate, locale] of payouts) {
    const converted = Result.getOrThrow(Money.convert(shares[0]!, Decimal.unsafe(rate), to, "down"))
    line(`  seller 1 in ${to.code} at ${rate} (down)`, Money.format(converted, locale))
  }

  // what the library refuses to do silently
  const mixed = Money.add(order, Money.parseUnsafe("1", Currency.EUR))
  if (Result.isFailure(mixed)) line("USD + EUR", `${mixed.failure._tag}: ${mixed.failure.message}`)
  const precise = Money.parse("12.345", Currency.USD)
  if (Result.isFailure(precise))
    line('parse "12.345" USD', `${precise.failure._tag}: ${precise.failure.message}`)
  const sci = Money.parse("1e3", Currency.USD)
  if (Result.isFailure(sci)) line('parse "1e3" USD', sci.failure._tag)
  const points = Money.fromMinorUnsafe(1500n, Currency.POINTS)
  line("custom unit (loyalty points)", Money.format(points, "en-US"))
}
