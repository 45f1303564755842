import { readFileSync } from "node:fs"
import { Result, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { Currency, Money, Rounding } from "../src/index.ts"
import * as Small from "../src/money/index.ts"
import * as WithSchema from "../src/schema/index.ts"

// The codecs live on the namespaces of `@paykit/core/schema` only: a bundler keeps every member of
// a namespace it keeps, so one codec on the main entry point's `Money` would bring effect's Schema
// module into every program that adds two amounts (scripts/check-bundle-size.mjs measures it).
const codecs = {
  Money: ["Json", "MinorUnits", "MoneySchema", "jsonSchema"],
  Currency: ["Code", "CurrencySchema", "codeSchema", "fromCodeSchema"],
  Rounding: ["RoundingModeSchema"]
} as const

describe("@paykit/core/schema", () => {
  it("holds every member of the main entry point's Money, Currency and Rounding, the very same values", () => {
    const pairs = [
      [Money, WithSchema.Money],
      [Currency, WithSchema.Currency],
      [Rounding, WithSchema.Rounding]
    ] as const
    for (const [plain, full] of pairs) {
      expect(Object.keys(plain).length).toBeGreaterThan(0)
      for (const [name, value] of Object.entries(plain)) {
        expect(full, name).toHaveProperty(name)
        expect((full as Record<string, unknown>)[name], name).toBe(value)
      }
    }
    expect(WithSchema.Money.Money).toBe(Small.Money.Money)
  })

  it("adds exactly the codecs, which the main entry point and /money leave out", () => {
    const triples = [
      [Money, WithSchema.Money, codecs.Money],
      [Currency, WithSchema.Currency, codecs.Currency],
      [Rounding, WithSchema.Rounding, codecs.Rounding]
    ] as const
    for (const [plain, full, names] of triples) {
      const added = Object.keys(full).filter((k) => !(k in plain))
      expect(added.sort()).toEqual([...names].sort())
      for (const name of names) {
        const codec = (full as Record<string, unknown>)[name]
        expect(Schema.isSchema(codec) || typeof codec === "function", name).toBe(true)
      }
    }
    for (const name of codecs.Money) expect(Object.keys(Small.Money)).not.toContain(name)
    for (const name of codecs.Currency) expect(Object.keys(Small.Currency)).not.toContain(name)
  })

  it("its codecs decode to the main entry point's classes and currencies", () => {
    const m = Schema.decodeUnknownSync(WithSchema.Money.Json)({ amount: "1999", currency: "USD" })
    expect(m).toBeInstanceOf(Money.Money)
    expect(Money.equals(m, Money.fromMinorUnsafe(1999n, Currency.USD))).toBe(true)
    expect(Schema.decodeUnknownSync(WithSchema.Currency.fromCodeSchema())("JPY")).toBe(Currency.JPY)
    expect(
      Result.isFailure(Schema.decodeUnknownResult(WithSchema.Rounding.RoundingModeSchema)("HALF_UP"))
    ).toBe(true)
  })
})

describe("the plain money path", () => {
  // What `import { Currency, Money } from "@paykit/core"` reaches; none of it may import effect's
  // Schema module or the `effect` barrel (which brings every module along).
  const files = [
    "Money.ts",
    "Currency.ts",
    "Rounding.ts",
    "errors.ts",
    "internal/money.ts",
    "internal/moneyValue.ts",
    "internal/moneyMath.ts",
    "internal/moneyAllocate.ts",
    "internal/moneyText.ts",
    "internal/moneyChecks.ts",
    "internal/currency.ts",
    "internal/rounding.ts",
    "internal/unreadable.ts",
    "internal/iso4217.ts"
  ]
  it.each(files)("src/%s imports neither effect/Schema* nor the effect barrel", (file) => {
    const text = readFileSync(new URL(`../src/${file}`, import.meta.url), "utf8")
    const from = [...text.matchAll(/^(?:import|export)\b[^"]*"([^"]+)"/gm)].map((m) => m[1])
    expect(from.filter((f) => f === "effect" || f?.startsWith("effect/Schema"))).toEqual([])
    for (const f of from.filter((f) => f?.startsWith("."))) {
      expect(f, `${file} imports ${f}`).toMatch(
        /^\.{1,2}\/(internal\/)?(money(Value|Math|Allocate|Text|Checks)?|currency|rounding|unreadable|iso4217|errors|Decimal|Currency|Rounding)\.ts$/
      )
    }
  })
})
