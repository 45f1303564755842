import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Decimal } from "@paykit/core"
import { Effect, Result } from "effect"
import { describe, expect, it } from "vitest"
import { Ecb, Rate, RateProvider } from "../src/index.ts"

const fixturePath = fileURLToPath(new URL("./fixtures/eurofxref-daily.xml", import.meta.url))
const xml = readFileSync(fixturePath, "utf8")
const NOV20 = Date.UTC(2026, 10, 20)

const lookup = (t: Rate.Table, base: string, quote: string) => Result.getOrThrow(Rate.lookup(t, base, quote))
const failure = <A, E>(r: Result.Result<A, E>): E => {
  if (Result.isSuccess(r)) throw new Error(`expected a failure, got ${String(r.success)}`)
  return r.failure
}

describe("ECB reference rates (eurofxref-daily.xml)", () => {
  const table = Result.getOrThrow(Ecb.parse(xml))

  it("parses every rate as 1 EUR = x, source ECB, as of 00:00 UTC of the publication date", () => {
    expect(table.pivot).toBe("EUR")
    expect(table.rates.size).toBe(9)
    const usd = lookup(table, "EUR", "USD")
    expect(usd.rate.toString()).toBe("1.087")
    expect(usd.source).toBe("ECB")
    expect(usd.asOf).toBe(NOV20)
    expect(lookup(table, "EUR", "JPY").rate.toString()).toBe("163.52")
  })

  it("X→EUR is 1 / (EUR→X) at 10 places, half-even", () => {
    expect(lookup(table, "USD", "EUR").rate.toString()).toBe("0.9199632015")
  })

  it("cross rates go through EUR: (EUR→quote) / (EUR→base) at 10 places, half-even", () => {
    expect(lookup(table, "USD", "JPY").rate.toString()).toBe("150.4323827047")
    expect(lookup(table, "USD", "GBP").rate.toString()).toBe("0.7850965961")
    expect(lookup(table, "GBP", "JPY").rate.toString()).toBe("191.6100304664")
    expect(lookup(table, "GBP", "JPY").source).toBe("ECB")
  })

  it("the same currency is exactly 1", () => {
    const r = lookup(table, "JPY", "JPY")
    expect(Decimal.equals(r.rate, Decimal.ONE)).toBe(true)
    expect(r.source).toBe("identity")
  })

  it("a missing rate is RateNotFound naming the missing leg", () => {
    const e = failure(Rate.lookup(table, "USD", "ARS"))
    expect(e._tag).toBe("RateNotFound")
    expect(e.message).toContain("EUR→ARS")
    expect(failure(Rate.lookup(table, "EUR", "ARS")).message).toContain("no EUR→ARS rate")
  })

  it("reads the same rates from a file, as a RateProvider layer", async () => {
    const r = await Effect.runPromise(
      Effect.gen(function* () {
        const p = yield* RateProvider.RateProvider
        return yield* p.rate("USD", "JPY")
      }).pipe(Effect.provide(Ecb.layerFromFile(fixturePath)))
    )
    expect(r.rate.toString()).toBe("150.4323827047")
    expect(r.asOf).toBe(NOV20)
  })

  it("a file that cannot be read is RateFileUnreadable", async () => {
    const e = await Effect.runPromise(Effect.flip(Ecb.readFile("/nonexistent/eurofxref-daily.xml")))
    expect(e._tag).toBe("RateFileUnreadable")
    expect(e.message).toContain("/nonexistent/eurofxref-daily.xml")
  })

  it("the 90-day history format: the newest day is used", () => {
    const hist = `<gesmes:Envelope><Cube>
      <Cube time="2026-11-19"><Cube currency="USD" rate="1.0800"/></Cube>
      <Cube time="2026-11-20"><Cube currency="USD" rate="1.0870"/></Cube>
      <Cube time="2026-11-18"><Cube currency="USD" rate="1.0700"/></Cube>
    </Cube></gesmes:Envelope>`
    const t = Result.getOrThrow(Ecb.parse(hist))
    expect(lookup(t, "EUR", "USD").rate.toString()).toBe("1.087")
    expect(lookup(t, "EUR", "USD").asOf).toBe(NOV20)
  })

  const malformed: ReadonlyArray<readonly [string, string, string]> = [
    ["an empty document", "", "no <Cube time"],
    ["a truncated document", xml.slice(0, xml.indexOf("<Cube currency='GBP'")), "unbalanced"],
    ["no time cube", "<Cube><Cube currency='USD' rate='1.08'/></Cube>", "no <Cube time"],
    ["a rate that is not a number", xml.replace("rate='1.0870'", "rate='abc'"), 'USD rate "abc"'],
    ["a negative rate", xml.replace("rate='1.0870'", "rate='-1.0870'"), "not a positive decimal"],
    ["a zero rate", xml.replace("rate='1.0870'", "rate='0'"), "not a positive decimal"],
    ["an exponent rate", xml.replace("rate='1.0870'", "rate='1e3'"), "not a positive decimal"],
    ["a duplicate currency", xml.replace("currency='GBP'", "currency='USD'"), "listed twice"],
    ["an impossible date", xml.replace("2026-11-20", "2026-02-30"), "impossible date"],
    ["a rate element without a rate", xml.replace(" rate='1.0870'", ""), "does not read"],
    ["a day without rates", "<Cube><Cube time='2026-11-20'></Cube></Cube>", "no rates"]
  ]
  for (const [what, doc, says] of malformed) {
    it(`malformed XML is MalformedEcbXml: ${what}`, () => {
      const e = failure(Ecb.parse(doc))
      expect(e._tag).toBe("MalformedEcbXml")
      expect(e.message).toContain(says)
    })
  }

  it("a malformed document fails the layer with MalformedEcbXml", async () => {
    const e = await Effect.runPromise(
      Effect.flip(
        Effect.provide(
          Effect.map(RateProvider.RateProvider, (p) => p.name),
          Ecb.layerFromString("<Cube>")
        )
      )
    )
    expect(e._tag).toBe("MalformedEcbXml")
  })
})

describe("memory rate tables", () => {
  it("a direct quote wins over the inverse and the pivot", () => {
    const t = Rate.makeTableUnsafe([
      { base: "USD", quote: "EUR", rate: "0.92", asOf: 5 },
      { base: "EUR", quote: "USD", rate: "1.10", asOf: 6 }
    ])
    expect(lookup(t, "USD", "EUR").rate.toString()).toBe("0.92")
    expect(lookup(t, "EUR", "USD").rate.toString()).toBe("1.1")
  })

  it("a cross rate's as-of is the older leg and its source names both sources", () => {
    const t = Rate.makeTableUnsafe([
      { base: "EUR", quote: "USD", rate: "1.25", asOf: 1_000, source: "feedA" },
      { base: "EUR", quote: "GBP", rate: "0.85", asOf: 2_000, source: "feedB" }
    ])
    const r = lookup(t, "USD", "GBP")
    expect(r.rate.toString()).toBe("0.68")
    expect(r.asOf).toBe(1_000)
    expect(r.source).toBe("feedA+feedB")
  })

  it("the pivot leg may itself be an inverse", () => {
    const t = Rate.makeTableUnsafe([
      { base: "USD", quote: "EUR", rate: "0.8", asOf: 0 },
      { base: "EUR", quote: "GBP", rate: "0.85", asOf: 0 }
    ])
    // EUR→USD = 1/0.8 = 1.25; USD→GBP = 0.85 / 1.25
    expect(lookup(t, "USD", "GBP").rate.toString()).toBe("0.68")
  })

  it("bad entries are InvalidRateEntry naming the problem", () => {
    const bad = (e: Rate.Entry) => failure(Rate.makeTable([e]))
    expect(bad({ base: "EUR", quote: "USD", rate: "0", asOf: 0 }).message).toContain("greater than zero")
    expect(bad({ base: "EUR", quote: "USD", rate: "-1.2", asOf: 0 }).message).toContain("greater than zero")
    expect(bad({ base: "EUR", quote: "USD", rate: "1,2", asOf: 0 }).message).toContain("plain decimal")
    expect(bad({ base: "EUR", quote: "QQQ", rate: "1.2", asOf: 0 }).message).toContain(
      'unknown currency "QQQ"'
    )
    expect(bad({ base: "EUR", quote: "EUR", rate: "1.2", asOf: 0 }).message).toContain("always 1")
    expect(bad({ base: "EUR", quote: "USD", rate: "1.2", asOf: Number.NaN }).message).toContain("epoch")
  })

  it("a rate older than the maximum age is StaleRate; at the maximum age it is fresh", () => {
    const r = lookup(
      Rate.makeTableUnsafe([{ base: "EUR", quote: "USD", rate: "1.1", asOf: 1_000 }]),
      "EUR",
      "USD"
    )
    expect(Result.isSuccess(Rate.ensureFresh(r, 1_000 + 3_600_000, 3_600_000))).toBe(true)
    const e = failure(Rate.ensureFresh(r, 1_000 + 3_600_001, 3_600_000))
    expect(e._tag).toBe("StaleRate")
    expect(e.message).toContain("older than the allowed 60 minutes")
  })

  it("layerMemory fails with InvalidRateEntry on a bad table", async () => {
    const e = await Effect.runPromise(
      Effect.flip(
        Effect.provide(
          Effect.map(RateProvider.RateProvider, (p) => p.name),
          RateProvider.layerMemory([{ base: "EUR", quote: "USD", rate: "0", asOf: 0 }])
        )
      )
    )
    expect(e._tag).toBe("InvalidRateEntry")
  })
})
