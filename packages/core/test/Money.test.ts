import { fc, test } from "@fast-check/vitest"
import Big from "big.js"
import { Result, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { Currency, Decimal, Money, Rounding } from "../src/index.ts"
import * as WithSchema from "../src/schema/index.ts"
import { Arbitraries } from "../src/testing/index.ts"

const { USD, EUR, JPY, KWD } = Currency
const usd = (n: bigint) => Money.fromMinorUnsafe(n, USD)
const ok = <A, E>(r: Result.Result<A, E>): A => Result.getOrThrow(r)
const err = <A, E>(r: Result.Result<A, E>): E => {
  if (Result.isSuccess(r)) throw new Error(`expected a failure, got ${String(r.success)}`)
  return r.failure
}

const amount = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n })
const currencyAndMoney = Arbitraries.currency.chain((c) =>
  fc.tuple(fc.constant(c), Arbitraries.money(c), Arbitraries.money(c), Arbitraries.money(c))
)

describe("Money laws (properties)", () => {
  test.prop([currencyAndMoney])("add is commutative and associative", ([, a, b, c]) => {
    expect(ok(Money.add(a, b))).toEqual(ok(Money.add(b, a)))
    expect(ok(Money.add(ok(Money.add(a, b)), c))).toEqual(ok(Money.add(a, ok(Money.add(b, c)))))
  })

  test.prop([currencyAndMoney])(
    "zero is the identity, negate the inverse, subtract undoes add",
    ([cur, a, b]) => {
      expect(ok(Money.add(a, Money.zero(cur)))).toEqual(a)
      expect(ok(Money.add(a, Money.negate(a))).amount).toBe(0n)
      expect(ok(Money.subtract(ok(Money.add(a, b)), b))).toEqual(a)
      expect(ok(Money.subtract(a, b))).toEqual(ok(Money.add(a, Money.negate(b))))
    }
  )

  test.prop([currencyAndMoney])(
    "compare, min and max agree with bigint order; sign checks agree with sign",
    ([, a, b]) => {
      const c = ok(Money.compare(a, b))
      expect(c).toBe(a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0)
      expect(ok(Money.min(a, b)).amount).toBe(a.amount < b.amount ? a.amount : b.amount)
      expect(ok(Money.max(a, b)).amount).toBe(a.amount > b.amount ? a.amount : b.amount)
      expect(Money.sign(a)).toBe(a.amount < 0n ? -1 : a.amount > 0n ? 1 : 0)
      expect(Money.isZero(a)).toBe(a.amount === 0n)
      expect(Money.isPositive(a)).toBe(a.amount > 0n)
      expect(Money.isNegative(a)).toBe(a.amount < 0n)
      expect(Money.equals(a, b)).toBe(a.amount === b.amount)
    }
  )

  test.prop([fc.array(amount, { maxLength: 200 })])("sum of many equals the fold of add", (amounts) => {
    const ms = amounts.map(usd)
    const folded = ms.reduce((acc, m) => ok(Money.add(acc, m)), Money.zero(USD))
    expect(ok(Money.sum(USD, ms))).toEqual(folded)
  })
})

const ratio = fc.oneof(fc.bigInt({ min: 0n, max: 10n }), fc.bigInt({ min: 0n, max: 1_000_000n }))
const ratios = fc.array(ratio, { minLength: 1, maxLength: 60 }).filter((rs) => rs.some((r) => r > 0n))

describe("allocation (properties)", () => {
  test.prop([amount, ratios])("conserves the total exactly", (total, rs) => {
    const parts = ok(Money.allocate(usd(total), rs))
    expect(parts.length).toBe(rs.length)
    expect(parts.reduce((s, p) => s + p.amount, 0n)).toBe(total)
  })

  test.prop([amount, ratios])("every part is within one minor unit of its exact share", (total, rs) => {
    const parts = ok(Money.allocate(usd(total), rs))
    const sum = rs.reduce((a, b) => a + b, 0n)
    parts.forEach((p, i) => {
      // |p - total * r / sum| < 1  ⇔  |p * sum - total * r| < sum
      const diff = p.amount * sum - total * rs[i]!
      expect(diff < 0n ? -diff : diff).toBeLessThan(sum)
    })
  })

  test.prop([amount, ratios])("a zero ratio gets zero", (total, rs) => {
    const parts = ok(Money.allocate(usd(total), rs))
    rs.forEach((r, i) => {
      if (r === 0n) expect(parts[i]!.amount).toBe(0n)
    })
  })

  test.prop([fc.bigInt({ min: 0n, max: 10n ** 30n }), ratios])(
    "follows ratio order (a larger ratio never gets less)",
    (total, rs) => {
      const parts = ok(Money.allocate(usd(total), rs))
      for (let i = 0; i < rs.length; i++)
        for (let j = 0; j < rs.length; j++) {
          if (rs[i]! > rs[j]!) expect(parts[i]!.amount >= parts[j]!.amount).toBe(true)
          // equal ratios: the earlier part is never smaller (deterministic tie-break by position)
          if (rs[i] === rs[j] && i < j) expect(parts[i]!.amount >= parts[j]!.amount).toBe(true)
        }
    }
  )

  test.prop([amount, fc.integer({ min: 1, max: 50 })])(
    "split into n equals allocation by n equal ratios",
    (total, n) => {
      const split = ok(Money.split(usd(total), n))
      expect(split).toEqual(
        ok(
          Money.allocate(
            usd(total),
            Array.from({ length: n }, () => 1n)
          )
        )
      )
      const amounts = split.map((p) => p.amount)
      const mx = amounts.reduce((a, b) => (a > b ? a : b))
      const mn = amounts.reduce((a, b) => (a < b ? a : b))
      expect(mx - mn <= 1n).toBe(true)
    }
  )

  it("decimal ratios work like their integer equivalents", () => {
    const byDecimal = ok(
      Money.allocate(usd(1000n), [Decimal.unsafe("0.5"), Decimal.unsafe("0.25"), Decimal.unsafe("0.25")])
    )
    expect(byDecimal.map((m) => m.amount)).toEqual([500n, 250n, 250n])
    expect(ok(Money.allocate(usd(100n), [1n, 1n, 1n])).map((m) => m.amount)).toEqual([34n, 33n, 33n])
    expect(ok(Money.allocate(usd(-100n), [1n, 1n, 1n])).map((m) => m.amount)).toEqual([-34n, -33n, -33n])
    // largest remainder: 5 split 1:1:1:0 → 2,2,1,0 ; 7 split 7:2:1 → 5 (4.9), 1 (1.4)+? check exact
    expect(ok(Money.allocate(usd(10n), [7n, 2n, 1n])).map((m) => m.amount)).toEqual([7n, 2n, 1n])
    expect(ok(Money.allocate(usd(11n), [7n, 2n, 1n])).map((m) => m.amount)).toEqual([8n, 2n, 1n])
  })

  it("rejects empty, negative and all-zero ratios and bad part counts", () => {
    expect(err(Money.allocate(usd(100n), []))._tag).toBe("InvalidAllocation")
    expect(err(Money.allocate(usd(100n), [1n, -1n]))._tag).toBe("InvalidAllocation")
    expect(err(Money.allocate(usd(100n), [0n, 0n]))._tag).toBe("InvalidAllocation")
    expect(err(Money.allocate(usd(100n), [1.5 as unknown as bigint]))._tag).toBe("InvalidAllocation")
    for (const n of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(err(Money.split(usd(100n), n))._tag).toBe("InvalidAllocation")
  })
})

/** amount × decimal as an exact fraction, rounded with the named mode (Rounding.divide is checked against a reference in Rounding.test). */
const exactTimes = (units: bigint, d: Decimal.Decimal, mode: Rounding.RoundingMode): bigint =>
  Rounding.divide(units * d.coefficient, 10n ** BigInt(d.scale), mode)

const decimal = fc
  .tuple(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.integer({ min: 0, max: 10 }))
  .map(([c, s]) => Decimal.fromParts(c, s))
const positiveDecimal = fc
  .tuple(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.integer({ min: 0, max: 10 }))
  .map(([c, s]) => Decimal.fromParts(c, s))
const mode = fc.constantFrom(...Rounding.modes)

describe("multiply, percentage and convert", () => {
  test.prop([amount, decimal, mode])(
    "multiply agrees with the exact product rounded with the named mode",
    (a, d, m) => {
      const exact = new Big(a.toString()).times(d.toString())
      const expected = exactTimes(a, d, m)
      const r = Money.multiply(usd(a), d, m)
      if (expected > Money.MAX_AMOUNT || expected < -Money.MAX_AMOUNT) {
        expect(err(r)._tag).toBe("AmountOutOfRange")
        return
      }
      expect(ok(r).amount).toBe(expected)
      // within one unit of the exact product
      expect(exact.minus(ok(r).amount.toString()).abs().lt(1)).toBe(true)
    }
  )

  test.prop([amount, mode])("percentage p of a equals multiply by p/100", (a, m) => {
    const p = Decimal.unsafe("2.9")
    expect(ok(Money.percentage(usd(a), p, m))).toEqual(ok(Money.multiply(usd(a), Decimal.unsafe("0.029"), m)))
  })

  test.prop([
    Arbitraries.currency,
    Arbitraries.currency,
    fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }),
    positiveDecimal,
    mode
  ])("convert scales by the rate and both exponents, rounding once", (from, to, a, rate, m) => {
    const r = ok(Money.convert(Money.fromMinorUnsafe(a, from), rate, to, m))
    expect(r.currency).toBe(to)
    const shift = to.exponent - from.exponent
    const num = a * rate.coefficient * 10n ** BigInt(Math.max(shift, 0))
    const den = 10n ** BigInt(rate.scale + Math.max(-shift, 0))
    expect(r.amount).toBe(Rounding.divide(num, den, m))
  })

  it("worked examples", () => {
    expect(ok(Money.convert(usd(100000n), Decimal.unsafe("0.92"), EUR, "down")).amount).toBe(92000n)
    expect(ok(Money.convert(usd(1000n), Decimal.unsafe("151.237"), JPY, "half-even")).amount).toBe(1512n)
    expect(
      ok(Money.convert(Money.fromMinorUnsafe(1000n, JPY), Decimal.unsafe("0.00306"), KWD, "half-up")).amount
    ).toBe(3060n)
    expect(ok(Money.multiply(usd(1001n), Decimal.unsafe("0.5"), "half-even")).amount).toBe(500n)
    expect(ok(Money.multiply(usd(1001n), Decimal.unsafe("0.5"), "half-up")).amount).toBe(501n)
    expect(ok(Money.multiply(usd(-1001n), Decimal.unsafe("0.5"), "floor")).amount).toBe(-501n)
    expect(ok(Money.percentage(usd(10000n), Decimal.unsafe("2.9"), "half-up")).amount).toBe(290n)
    expect(err(Money.convert(usd(1n), Decimal.unsafe("0"), EUR, "down"))._tag).toBe("InvalidRate")
    expect(err(Money.convert(usd(1n), Decimal.unsafe("-1"), EUR, "down"))._tag).toBe("InvalidRate")
  })
})

describe("parsing and formatting", () => {
  test.prop([Arbitraries.currency.chain((c) => fc.tuple(fc.constant(c), Arbitraries.minorUnits))])(
    "parse(toDecimalString(x)) = x for every currency in the table",
    ([c, n]) => {
      const m = Money.fromMinorUnsafe(n, c)
      expect(ok(Money.parse(Money.toDecimalString(m), c))).toEqual(m)
    }
  )

  it("parses and prints the currency's own precision", () => {
    expect(ok(Money.parse("12.34", USD)).amount).toBe(1234n)
    expect(ok(Money.parse("12.3", USD)).amount).toBe(1230n)
    expect(ok(Money.parse("-0.01", USD)).amount).toBe(-1n)
    expect(ok(Money.parse("1500", JPY)).amount).toBe(1500n)
    expect(ok(Money.parse("1.234", KWD)).amount).toBe(1234n)
    expect(Money.toDecimalString(usd(1230n))).toBe("12.30")
    expect(Money.toDecimalString(usd(-5n))).toBe("-0.05")
    expect(Money.toDecimalString(Money.fromMinorUnsafe(1500n, JPY))).toBe("1500")
    expect(Money.toDecimalString(Money.fromMinorUnsafe(12345n, Currency.CLF))).toBe("1.2345")
  })

  it("too many decimals is PrecisionLoss unless a rounding mode is given", () => {
    const e = err(Money.parse("12.345", USD))
    expect(e._tag).toBe("PrecisionLoss")
    expect(e.message).toContain("USD")
    expect(ok(Money.parse("12.345", USD, { rounding: "half-even" })).amount).toBe(1234n)
    expect(ok(Money.parse("12.345", USD, { rounding: "half-up" })).amount).toBe(1235n)
    expect(ok(Money.parse("-12.345", USD, { rounding: "floor" })).amount).toBe(-1235n)
    expect(err(Money.parse("1.5", JPY))._tag).toBe("PrecisionLoss")
  })

  it.each([
    "1e3",
    "0x10",
    " 12",
    "12 ",
    "12.",
    ".5",
    "",
    "NaN",
    "Infinity",
    "-Infinity",
    "+1",
    "1,000",
    "--1",
    "1.2.3",
    "١٢"
  ])("rejects %j as InvalidAmount", (input) => {
    expect(err(Money.parse(input, USD))._tag).toBe("InvalidAmount")
  })

  it("rejects non-strings, and amounts past the supported range", () => {
    expect(err(Money.parse(12.34 as unknown as string, USD))._tag).toBe("InvalidAmount")
    expect(err(Money.parse("9".repeat(65), USD))._tag).toBe("InvalidAmount")
    expect(err(Money.parse("9".repeat(40), USD))._tag).toBe("AmountOutOfRange")
  })

  it("formats with Intl.NumberFormat, exactly, per locale", () => {
    expect(Money.format(usd(123456n), "en-US")).toBe("$1,234.56")
    expect(Money.format(Money.fromMinorUnsafe(123456n, EUR), "de-DE")).toBe("1.234,56\u00a0€")
    expect(Money.format(Money.fromMinorUnsafe(1500n, JPY), "ja-JP")).toBe("￥1,500")
    expect(Money.format(Money.fromMinorUnsafe(1234n, KWD), "en-US", { display: "code" })).toBe(
      "KWD\u00a01.234"
    )
    expect(Money.format(usd(10n ** 25n + 1n), "en-US")).toBe("$100,000,000,000,000,000,000,000.01")
    expect(Money.format(Money.fromMinorUnsafe(1500n, Currency.POINTS), "en-US")).toBe("1,500 POINTS")
  })
})

describe("typed errors for bad input", () => {
  it("mixing currencies is CurrencyMismatch for every binary operation", () => {
    const a = usd(1n)
    const b = Money.fromMinorUnsafe(1n, EUR)
    const results: Array<Result.Result<unknown, { _tag: string; message: string }>> = [
      Money.add(a, b),
      Money.subtract(a, b),
      Money.compare(a, b),
      Money.min(a, b),
      Money.max(a, b),
      Money.sum(USD, [a, b])
    ]
    for (const r of results) {
      const e = err(r)
      expect(e._tag).toBe("CurrencyMismatch")
      expect(e.message).toMatch(/USD.*EUR/)
    }
    expect(() => Money.addUnsafe(a, b)).toThrow(/cannot combine USD with EUR/)
    expect(() => Money.subtractUnsafe(a, b)).toThrow(/cannot combine USD with EUR/)
    expect(Money.equals(a, b)).toBe(false)
  })

  it("floats, NaN and Infinity are never minor units", () => {
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 100]) {
      expect(err(Money.fromMinor(bad as unknown as bigint, USD))._tag).toBe("InvalidAmount")
    }
  })

  it("amounts past ±(2^127 − 1) are AmountOutOfRange, including results of arithmetic", () => {
    expect(err(Money.fromMinor(Money.MAX_AMOUNT + 1n, USD))._tag).toBe("AmountOutOfRange")
    expect(err(Money.fromMinor(-Money.MAX_AMOUNT - 1n, USD))._tag).toBe("AmountOutOfRange")
    const max = usd(Money.MAX_AMOUNT)
    expect(err(Money.add(max, usd(1n)))._tag).toBe("AmountOutOfRange")
    expect(err(Money.subtract(Money.negate(max), usd(1n)))._tag).toBe("AmountOutOfRange")
    expect(err(Money.multiply(max, Decimal.unsafe("2"), "down"))._tag).toBe("AmountOutOfRange")
    expect(err(Money.sum(USD, [max, max]))._tag).toBe("AmountOutOfRange")
    expect(() => Money.addUnsafe(max, usd(1n))).toThrow(/outside the supported range/)
  })
})

describe("JSON codec", () => {
  const Json = WithSchema.Money.Json
  test.prop([Arbitraries.currency.chain((c) => Arbitraries.money(c, Money.MAX_AMOUNT))])(
    "encode then decode is the identity",
    (m) => {
      const encoded = Schema.encodeSync(Json)(m)
      expect(encoded).toEqual({ amount: m.amount.toString(), currency: m.currency.code })
      expect(JSON.parse(JSON.stringify(m))).toEqual(encoded)
      expect(Schema.decodeUnknownSync(Json)(JSON.parse(JSON.stringify(encoded)))).toEqual(m)
    }
  )

  it.each([
    [{ amount: 1234, currency: "USD" }, "amount"],
    [{ amount: "12.34", currency: "USD" }, "amount"],
    [{ amount: "1e3", currency: "USD" }, "amount"],
    [{ amount: "NaN", currency: "USD" }, "amount"],
    [{ amount: "Infinity", currency: "USD" }, "amount"],
    [{ amount: " 1", currency: "USD" }, "amount"],
    [{ amount: "0x10", currency: "USD" }, "amount"],
    [{ amount: "1".repeat(40), currency: "USD" }, "amount"],
    [{ amount: (Money.MAX_AMOUNT + 1n).toString(), currency: "USD" }, "amount"],
    [{ amount: "100", currency: "usd" }, "currency"],
    [{ amount: "100", currency: "ABC" }, "currency"],
    [{ amount: "100" }, "currency"],
    [{ currency: "USD" }, "amount"]
  ])("decoding %j fails naming the field %s", (input, field) => {
    const r = Schema.decodeUnknownResult(Json)(input)
    expect(Result.isFailure(r)).toBe(true)
    if (Result.isFailure(r)) expect(r.failure.message).toContain(`["${field}"]`)
  })

  it("custom units decode only through a registry that has them", () => {
    const input = { amount: "500", currency: "POINTS" }
    expect(Result.isFailure(Schema.decodeUnknownResult(Json)(input))).toBe(true)
    const m = Schema.decodeUnknownSync(WithSchema.Money.jsonSchema(Currency.registry([Currency.POINTS])))(
      input
    )
    expect(m.currency).toBe(Currency.POINTS)
    expect(m.amount).toBe(500n)
  })
})

describe("parse: precision and currency", () => {
  it("trailing zeros past the currency's decimals are accepted and lose nothing: 12.340 USD is 12.34", () => {
    expect(ok(Money.parse("12.340", USD))).toEqual(usd(1234n))
    expect(ok(Money.parse("-12.3400000", USD))).toEqual(usd(-1234n))
    expect(ok(Money.parse("1500.000", JPY)).amount).toBe(1500n)
    expect(ok(Money.parse("0.000", USD)).amount).toBe(0n)
  })

  test.prop([
    Arbitraries.currency,
    Arbitraries.minorUnits.filter((n) => n < 10n ** 30n && n > -(10n ** 30n)),
    fc.integer({ min: 1, max: 8 })
  ])("appending zeros to a currency's decimal string parses to the same money", (c, n, zeros) => {
    const m = Money.fromMinorUnsafe(n, c)
    const text = Money.toDecimalString(m)
    expect(ok(Money.parse(`${text}${c.exponent === 0 ? "." : ""}${"0".repeat(zeros)}`, c))).toEqual(m)
  })

  it("12.345 is still refused for USD, naming why (3 decimals, USD has 2, pass a rounding mode)", () => {
    const e = err(Money.parse("12.345", USD))
    expect(e._tag).toBe("PrecisionLoss")
    expect(e.message).toMatch(/more than 2 decimal places.*USD.*rounding mode/)
    expect(err(Money.parse("12.3450", USD))._tag).toBe("PrecisionLoss")
    expect(() => Money.parseUnsafe("12.345", USD)).toThrow(e.message)
  })

  it("a currency code string where a Currency is expected names the mistake", () => {
    const e = err(Money.parse("1", "USD" as unknown as Currency.Currency))
    expect(e._tag).toBe("InvalidInput")
    expect(e._tag === "InvalidInput" && e.path).toBe("currency")
    expect(() => Money.parseUnsafe("1", "USD" as unknown as Currency.Currency)).toThrow(
      'expected a Currency, such as Currency.USD; got the string "USD"'
    )
    for (const bad of [undefined, null, 3, {}, { code: "USD" }, { code: "USD", exponent: -1 }]) {
      const r = Money.parse("1", bad as unknown as Currency.Currency)
      expect(Result.isFailure(r) && r.failure._tag).toBe("InvalidInput")
    }
    const c = err(Money.convert(usd(1n), Decimal.ONE, "EUR" as unknown as Currency.Currency, "down"))
    expect(c._tag === "InvalidInput" && c.path).toBe("to")
  })

  it("options that are not an object, or whose rounding getter throws, are InvalidInput", () => {
    expect(err(Money.parse("1", USD, "half-up" as unknown as { rounding: "half-up" }))._tag).toBe(
      "InvalidInput"
    )
    const hostile = {
      get rounding(): Rounding.RoundingMode {
        throw new Error("boom")
      }
    }
    const e = err(Money.parse("1", USD, hostile))
    expect(e._tag === "InvalidInput" && e.path).toBe("options.rounding")
  })
})
