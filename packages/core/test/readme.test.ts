import { Result, Schema } from "effect"
import { expect, it } from "vitest"
import { Currency, Decimal, Money } from "../src/index.ts"
import * as WithSchema from "../src/schema/index.ts"

it("the README example computes what it says", () => {
  const price = Money.parseUnsafe("100.00", Currency.USD)
  const fee = Result.getOrThrow(Money.percentage(price, Decimal.unsafe("2.9"), "half-up"))
  const net = Money.subtractUnsafe(price, fee)
  const parts = Result.getOrThrow(Money.allocate(net, [1n, 1n, 1n]))
  const eur = Result.getOrThrow(Money.convert(net, Decimal.unsafe("0.92"), Currency.EUR, "down"))
  expect(price.amount).toBe(10000n)
  expect(fee.toString()).toBe("2.90 USD")
  expect(net.toString()).toBe("97.10 USD")
  expect(parts.map(String)).toEqual(["32.37 USD", "32.37 USD", "32.36 USD"])
  expect(eur.toString()).toBe("89.33 EUR")
  expect(Money.format(net, "en-US")).toBe("$97.10")
  expect(Money.format(eur, "de-DE")).toBe("89,33\u00a0€")
  expect(Schema.encodeSync(WithSchema.Money.Json)(net)).toEqual({ amount: "9710", currency: "USD" })
  const mixed = Money.add(price, eur)
  expect(Result.isFailure(mixed) && mixed.failure._tag).toBe("CurrencyMismatch")
  const precise = Money.parse("12.345", Currency.USD)
  expect(Result.isFailure(precise) && precise.failure._tag).toBe("PrecisionLoss")
})
