import { fc, test } from "@fast-check/vitest"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { Currency, Decimal, InvalidInput, Money, Rounding } from "../src/index.ts"

// Issue 17: a rounding mode that is not one of the seven is InvalidInput naming the argument,
// never a silent half-even.

const { USD, EUR } = Currency
const price = Money.fromMinorUnsafe(1001n, USD)
const half = Decimal.unsafe("0.5")

/** Anything that is not one of the seven mode names: other spellings and cases, any value. */
const notAMode: fc.Arbitrary<unknown> = fc
  .oneof(
    fc.mixedCase(fc.constantFrom(...Rounding.modes)),
    fc.constantFrom(...Rounding.modes).map((m) => m.toUpperCase().replace("-", "_")),
    fc.constantFrom(
      "HALF_UP",
      "halfUp",
      "HalfEven",
      "half_even",
      "half up",
      " half-up",
      "half-up ",
      "ROUND_HALF_UP"
    ),
    fc.string(),
    fc.double(),
    fc.integer(),
    fc.bigInt(),
    fc.constantFrom(null, undefined, true, false, Number.NaN),
    fc.object(),
    fc.array(fc.constantFrom(...Rounding.modes)),
    fc.string().map((s) => Symbol(s)),
    fc.anything()
  )
  .filter((u) => !(Rounding.modes as ReadonlyArray<unknown>).includes(u))

const asMode = (u: unknown) => u as Rounding.RoundingMode

/** Every fallible (Result-returning) core function that takes a rounding mode, and the argument's name. */
const fallible: ReadonlyArray<readonly [string, string, (m: unknown) => Result.Result<unknown, unknown>]> = [
  ["Money.multiply", "mode", (m) => Money.multiply(price, half, asMode(m))],
  ["Money.percentage", "mode", (m) => Money.percentage(price, Decimal.unsafe("2.9"), asMode(m))],
  ["Money.convert", "mode", (m) => Money.convert(price, Decimal.unsafe("0.92"), EUR, asMode(m))],
  ["Money.parse", "options.rounding", (m) => Money.parse("12.345", USD, { rounding: asMode(m) })],
  [
    "Money.parse (exact input)",
    "options.rounding",
    (m) => Money.parse("12.34", USD, { rounding: asMode(m) })
  ],
  ["Decimal.divide", "mode", (m) => Decimal.divide(Decimal.ONE, Decimal.unsafe("3"), 6, asMode(m))],
  ["Rounding.validate", "rounding", (m) => Rounding.validate("test", "rounding", m)]
]

/** Functions that take a rounding mode and throw: the `…Unsafe` twins and the bare-value math. */
const throwing: ReadonlyArray<readonly [string, string, (m: unknown) => unknown]> = [
  ["Money.multiplyUnsafe", "mode", (m) => Money.multiplyUnsafe(price, half, asMode(m))],
  ["Money.percentageUnsafe", "mode", (m) => Money.percentageUnsafe(price, Decimal.unsafe("2.9"), asMode(m))],
  ["Money.convertUnsafe", "mode", (m) => Money.convertUnsafe(price, Decimal.unsafe("0.92"), EUR, asMode(m))],
  ["Money.parseUnsafe", "options.rounding", (m) => Money.parseUnsafe("12.345", USD, { rounding: asMode(m) })],
  [
    "Decimal.divideUnsafe",
    "mode",
    (m) => Decimal.divideUnsafe(Decimal.ONE, Decimal.unsafe("3"), 6, asMode(m))
  ],
  ["Decimal.round", "mode", (m) => Decimal.round(Decimal.unsafe("1.005"), 2, asMode(m))],
  ["Decimal.round (no rounding needed)", "mode", (m) => Decimal.round(Decimal.unsafe("1.5"), 2, asMode(m))],
  ["Rounding.divide", "mode", (m) => Rounding.divide(5n, 2n, asMode(m))],
  ["Rounding.divide (exact quotient)", "mode", (m) => Rounding.divide(4n, 2n, asMode(m))]
]

const expectNamesModes = (e: InvalidInput, path: string) => {
  expect(e._tag).toBe("InvalidInput")
  expect(e.path).toBe(path)
  for (const m of Rounding.modes) expect(e.reason).toContain(`"${m}"`)
}

describe("no silent default rounding mode", () => {
  test.prop([notAMode], { numRuns: 300 })(
    "every fallible core function taking a rounding mode refuses any other value with InvalidInput naming the argument, and never throws",
    (m) => {
      for (const [name, path, call] of fallible) {
        let r: Result.Result<unknown, unknown>
        try {
          r = call(m)
        } catch (thrown) {
          throw new Error(`${name} threw ${String(thrown)}`)
        }
        expect(Result.isFailure(r), name).toBe(true)
        if (Result.isFailure(r)) expectNamesModes(r.failure as InvalidInput, path)
      }
    }
  )

  test.prop([notAMode], { numRuns: 200 })(
    "every throwing core function taking a rounding mode throws InvalidInput naming the argument",
    (m) => {
      for (const [name, path, call] of throwing) {
        let thrown: unknown
        try {
          call(m)
        } catch (e) {
          thrown = e
        }
        expect(thrown, name).toBeInstanceOf(InvalidInput)
        expect(thrown).toBeInstanceOf(Error)
        expectNamesModes(thrown as InvalidInput, path)
      }
    }
  )

  it("HALF_UP, halfUp and undefined from plain JavaScript are refused, with a hint for near spellings", () => {
    for (const bad of ["HALF_UP", "halfUp"]) {
      const r = Money.multiply(price, half, asMode(bad))
      expect(Result.isFailure(r) && r.failure.message).toContain('did you mean "half-up"?')
    }
    const r = Money.convert(price, Decimal.unsafe("0.92"), EUR, asMode(undefined))
    expect(Result.isFailure(r) && r.failure._tag).toBe("InvalidInput")
    expect(Result.isFailure(r) && r.failure.message).toContain("got undefined")
  })

  it("the seven modes are still accepted everywhere", () => {
    for (const m of Rounding.modes) {
      for (const [name, , call] of fallible) expect(Result.isSuccess(call(m)), `${name} ${m}`).toBe(true)
      for (const [, , call] of throwing) expect(() => call(m)).not.toThrow()
    }
  })
})

describe("throwing twins", () => {
  const max = Money.fromMinorUnsafe(Money.MAX_AMOUNT, USD)
  const cases: ReadonlyArray<
    readonly [string, () => Result.Result<unknown, { message: string }>, () => unknown]
  > = [
    [
      "multiply",
      () => Money.multiply(max, Decimal.unsafe("2"), "down"),
      () => Money.multiplyUnsafe(max, Decimal.unsafe("2"), "down")
    ],
    [
      "percentage",
      () => Money.percentage(max, Decimal.unsafe("200"), "down"),
      () => Money.percentageUnsafe(max, Decimal.unsafe("200"), "down")
    ],
    [
      "convert",
      () => Money.convert(price, Decimal.unsafe("0"), EUR, "down"),
      () => Money.convertUnsafe(price, Decimal.unsafe("0"), EUR, "down")
    ],
    ["allocate", () => Money.allocate(price, []), () => Money.allocateUnsafe(price, [])],
    ["split", () => Money.split(price, 0), () => Money.splitUnsafe(price, 0)],
    ["parse", () => Money.parse("12.345", USD), () => Money.parseUnsafe("12.345", USD)],
    ["sum", () => Money.sum(USD, [Money.zero(EUR)]), () => Money.sumUnsafe(USD, [Money.zero(EUR)])],
    [
      "compare",
      () => Money.compare(price, Money.zero(EUR)),
      () => Money.compareUnsafe(price, Money.zero(EUR))
    ],
    ["min", () => Money.min(price, Money.zero(EUR)), () => Money.minUnsafe(price, Money.zero(EUR))],
    ["max", () => Money.max(price, Money.zero(EUR)), () => Money.maxUnsafe(price, Money.zero(EUR))],
    [
      "Decimal.divide",
      () => Decimal.divide(Decimal.ONE, Decimal.ZERO, 2, "down"),
      () => Decimal.divideUnsafe(Decimal.ONE, Decimal.ZERO, 2, "down")
    ]
  ]

  it.each(cases)(
    "the Unsafe twin of %s throws an Error whose message is the typed error's message",
    (_, safe, unsafe) => {
      const r = safe()
      expect(Result.isFailure(r)).toBe(true)
      if (Result.isSuccess(r)) return
      let thrown: unknown
      try {
        unsafe()
      } catch (e) {
        thrown = e
      }
      expect(thrown).toBeInstanceOf(Error)
      expect((thrown as Error).message).toBe(r.failure.message)
      expect((thrown as Error).message).not.toMatch(/Schema validation failed/)
    }
  )
})
