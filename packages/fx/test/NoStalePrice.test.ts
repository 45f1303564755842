import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Decimal, Ids, Notifier } from "@paykit/core"
import { Effect, Layer, Logger, Result } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { Ecb, Fx, QuoteStore, Rate, RateProvider, Schedule } from "../src/index.ts"
import { HOUR, MINUTE, fxLayer, rate, runFx, workedSchedule } from "./helpers.ts"

const xml = readFileSync(fileURLToPath(new URL("./fixtures/eurofxref-daily.xml", import.meta.url)), "utf8")
const NOV20 = Date.UTC(2026, 10, 20)
const DAY = 24 * HOUR

const failure = <A, E>(r: Result.Result<A, E>): E => {
  if (Result.isSuccess(r)) throw new Error(`expected a failure, got ${String(r.success)}`)
  return r.failure
}

const send: typeof Fx.QuoteRequest.Encoded = {
  direction: "send",
  source: "USD",
  target: "EUR",
  amount: "100000"
}

/** Fx on a pricing provider and a reference provider, a memory store, seeded ids, TestClock at `now`. */
const fxWith = (
  pricing: Layer.Layer<RateProvider.RateProvider, unknown>,
  reference: Layer.Layer<RateProvider.ReferenceRateProvider, unknown>,
  schedule: Schedule.Schedule = workedSchedule
) =>
  Layer.mergeAll(
    Fx.layer({ schedule, maxRateAge: "1 hour", maxReferenceAge: "4 days", lockFor: "30 minutes" }).pipe(
      Layer.provide(pricing),
      Layer.provide(reference),
      Layer.provideMerge(QuoteStore.layerMemory),
      Layer.provideMerge(Notifier.layerMemory),
      Layer.provide(Ids.layerSeeded(7))
    ),
    TestClock.layer()
  )

const quoteAt = (now: number, layer: Layer.Layer<Fx.Fx | QuoteStore.QuoteStore, unknown>) =>
  runFx(
    Effect.gen(function* () {
      yield* TestClock.setTime(now)
      const fx = yield* Fx.Fx
      return yield* Effect.flip(fx.quote(send))
    }),
    layer
  )

/** A provider answering every pair with one fixed rate object (a custom adapter, not a table). */
const constantProvider = (r: Rate.Rate) =>
  Layer.succeed(
    RateProvider.RateProvider,
    RateProvider.RateProvider.of({ name: "custom", rate: () => Effect.succeed(r) })
  )
const constantReference = (r: Rate.Rate) =>
  Layer.succeed(
    RateProvider.ReferenceRateProvider,
    RateProvider.ReferenceRateProvider.of({ name: "custom", rate: () => Effect.succeed(r) })
  )

describe("no stale or malformed rate: Rate.ensureFresh", () => {
  const good = rate("USD", "EUR", "0.92", 1_000)

  for (const [what, asOf] of [
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    ["a fraction", 1_000.5],
    ["a string", "1000"],
    ["null", null],
    ["undefined", undefined]
  ] as const) {
    it(`a rate whose asOf is ${what} is MalformedRate, never fresh`, () => {
      const e = failure(Rate.ensureFresh({ ...good, asOf: asOf as number }, 2_000, HOUR))
      expect(e._tag).toBe("MalformedRate")
      if (e._tag === "MalformedRate") expect(e.field).toBe("asOf")
      expect(e.message).toContain("USD→EUR")
    })
  }

  it("a non-finite now or maximum age is MalformedRate", () => {
    expect(failure(Rate.ensureFresh(good, Number.NaN, HOUR))._tag).toBe("MalformedRate")
    expect(failure(Rate.ensureFresh(good, 2_000, Number.NaN))._tag).toBe("MalformedRate")
    expect(failure(Rate.ensureFresh(good, 2_000, -1))._tag).toBe("MalformedRate")
  })

  it("a rate dated in the future beyond one minute is RateFromTheFuture naming the rate, its asOf and now", () => {
    const now = NOV20
    const e = failure(Rate.ensureFresh({ ...good, asOf: now + MINUTE + 1 }, now, HOUR))
    expect(e._tag).toBe("RateFromTheFuture")
    if (e._tag !== "RateFromTheFuture") return
    expect([e.base, e.quote, e.source, e.asOf, e.now, e.toleranceMillis]).toEqual([
      "USD",
      "EUR",
      "memory",
      now + MINUTE + 1,
      now,
      Rate.FUTURE_TOLERANCE_MILLIS
    ])
    expect(e.message).toContain("2026-11-20T00:01:00.001Z")
    expect(e.message).toContain("clock")
  })

  it("a rate up to one minute ahead (clock skew) is fresh; the tolerance can be set, even to 0", () => {
    expect(Result.isSuccess(Rate.ensureFresh({ ...good, asOf: 2_000 + MINUTE }, 2_000, HOUR))).toBe(true)
    const strict = Rate.ensureFresh({ ...good, asOf: 2_001 }, 2_000, HOUR, { futureToleranceMillis: 0 })
    expect(failure(strict)._tag).toBe("RateFromTheFuture")
  })

  it("a cross rate through EUR with one leg from the future is RateFromTheFuture: the older leg does not hide it", () => {
    const table = Rate.makeTableUnsafe([
      { base: "EUR", quote: "USD", rate: "1.25", asOf: 0 },
      { base: "EUR", quote: "GBP", rate: "0.85", asOf: DAY }
    ])
    const cross = Result.getOrThrow(Rate.lookup(table, "USD", "GBP"))
    expect(cross.asOf).toBe(0)
    expect(cross.newestAsOf).toBe(DAY)
    const e = failure(Rate.ensureFresh(cross, HOUR, 2 * DAY))
    expect(e._tag).toBe("RateFromTheFuture")
    if (e._tag === "RateFromTheFuture") expect(e.asOf).toBe(DAY)
    // and its inverse carries the same newest as-of
    expect(Result.getOrThrow(Rate.lookup(table, "GBP", "USD")).newestAsOf).toBe(DAY)
    // the older leg still decides staleness
    expect(failure(Rate.ensureFresh(cross, DAY + 1, DAY))._tag).toBe("StaleRate")
  })

  it("a memory table refuses a fractional asOf as InvalidRateEntry", () => {
    const e = failure(Rate.makeTable([{ base: "EUR", quote: "USD", rate: "1.1", asOf: 0.5 }]))
    expect(e.message).toContain("integer of epoch milliseconds")
  })
})

describe("no stale or malformed rate: every provider through Fx.quote", () => {
  it("memory provider: a rate dated in the future is RateFromTheFuture and locks nothing", async () => {
    const layer = fxLayer(workedSchedule, [{ base: "USD", quote: "EUR", rate: "0.92", asOf: HOUR }])
    const e = await quoteAt(0, layer)
    expect(e._tag).toBe("RateFromTheFuture")
  })

  it("memory provider: a cross rate through EUR with a future leg is RateFromTheFuture", async () => {
    const schedule = Schedule.makeUnsafe({
      corridors: [{ source: "USD", target: "GBP", spreadBps: 0, feeMode: "on-top", charges: "OUR" }]
    })
    const layer = fxLayer(schedule, [
      { base: "EUR", quote: "USD", rate: "1.25", asOf: 0 },
      { base: "EUR", quote: "GBP", rate: "0.85", asOf: HOUR }
    ])
    const e = await runFx(
      Effect.gen(function* () {
        const fx = yield* Fx.Fx
        return yield* Effect.flip(fx.quote({ ...send, target: "GBP" }))
      }),
      layer
    )
    expect(e._tag).toBe("RateFromTheFuture")
  })

  it("custom provider: a rate whose asOf is NaN is MalformedRate, never priced", async () => {
    const bad = rate("USD", "EUR", "0.92", Number.NaN)
    const e = await quoteAt(
      0,
      fxWith(constantProvider(bad), constantReference(rate("USD", "EUR", "0.92", 0)))
    )
    expect(e._tag).toBe("MalformedRate")
  })

  it("custom reference provider: a reference rate whose asOf is NaN is MalformedRate", async () => {
    const e = await quoteAt(
      0,
      fxWith(
        constantProvider(rate("USD", "EUR", "0.92", 0)),
        constantReference(rate("USD", "EUR", "0.92", Number.NaN))
      )
    )
    expect(e._tag).toBe("MalformedRate")
  })

  it("ECB provider: a file dated tomorrow is RateFromTheFuture for the pricing and for the reference rate", async () => {
    const now = NOV20 - DAY + 12 * HOUR // noon the day before the file's date
    const e = await quoteAt(
      now,
      fxWith(constantProvider(rate("USD", "EUR", "0.92", now)), Ecb.referenceLayerFromString(xml))
    )
    expect(e._tag).toBe("RateFromTheFuture")
    if (e._tag === "RateFromTheFuture") expect([e.source, e.asOf, e.now]).toEqual(["ECB", NOV20, now])
    const p = await quoteAt(
      now,
      fxWith(
        Ecb.layerFromString(xml),
        RateProvider.layerReferenceFromRateProvider.pipe(Layer.provide(Ecb.layerFromString(xml)))
      )
    )
    expect(p._tag).toBe("RateFromTheFuture")
  })

  it("ECB provider: on the file's day the rates price (a correct ECB file is never ahead of a correct clock)", async () => {
    const now = NOV20 + 16 * HOUR
    const q = await runFx(
      Effect.gen(function* () {
        yield* TestClock.setTime(now)
        const fx = yield* Fx.Fx
        return yield* fx.quote(send)
      }),
      fxWith(constantProvider(rate("USD", "EUR", "0.92", now)), Ecb.referenceLayerFromString(xml))
    )
    expect(q.referenceRate.source).toBe("ECB")
    expect(q.referenceRate.asOf).toBe(NOV20)
  })
})

describe("the ECB file through an XML parser", () => {
  const doc = (cubes: string) =>
    `<?xml version="1.0" encoding="UTF-8"?><gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref"><Cube><Cube time='2026-11-20'>${cubes}</Cube></Cube></gesmes:Envelope>`
  const table = (cubes: string) => Result.getOrThrow(Ecb.parse(doc(cubes)))
  const usd = (t: Rate.Table) => Result.getOrThrow(Rate.lookup(t, "EUR", "USD")).rate.toString()

  it("a rate element with its attributes in either order and either quote style is read", () => {
    expect(usd(table(`<Cube rate='1.0870' currency='USD'/>`))).toBe("1.087")
    expect(usd(table(`<Cube rate="1.0870" currency='USD' />`))).toBe("1.087")
    expect(usd(table(`<Cube currency = "USD" rate = "1.0870"></Cube>`))).toBe("1.087")
  })

  it("a rate inside an XML comment is ignored", () => {
    const t = table(`<!-- <Cube currency='USD' rate='9.99'/> --><Cube currency='GBP' rate='0.8500'/>`)
    expect(t.rates.size).toBe(1)
    expect(Rate.lookup(t, "EUR", "USD")._tag).toBe("Failure")
    const commentedDay = Result.getOrThrow(
      Ecb.parse(
        doc(`<Cube currency='USD' rate='1.0870'/>`).replace(
          "<Cube><Cube",
          "<Cube><!-- <Cube time='2027-01-01'><Cube currency='USD' rate='9'/></Cube> --><Cube"
        )
      )
    )
    expect(usd(commentedDay)).toBe("1.087")
    expect(commentedDay.asOf).toBe(NOV20)
  })

  it("one unknown currency code is skipped with a warning; the other rates stay usable", () => {
    const parsed = Result.getOrThrow(Ecb.parseWithWarnings(xml.replace("currency='USD'", "currency='QQQ'")))
    expect(parsed.warnings).toEqual(['unknown currency "QQQ" on 2026-11-20: skipped'])
    expect(parsed.table.rates.size).toBe(8)
    expect(Result.getOrThrow(Rate.lookup(parsed.table, "EUR", "JPY")).rate.toString()).toBe("163.52")
    expect(Result.isSuccess(Ecb.parse(xml.replace("currency='USD'", "currency='QQQ'")))).toBe(true)
  })

  it("the ECB layers log a skipped currency with Effect.logWarning", async () => {
    const logs: Array<string> = []
    const capture = Logger.layer([Logger.make((o) => logs.push(`${o.logLevel} ${String(o.message)}`))])
    await Effect.runPromise(
      Effect.provide(
        Effect.map(RateProvider.RateProvider, (p) => p.name),
        Ecb.layerFromString(xml.replace("currency='USD'", "currency='QQQ'")).pipe(Layer.provide(capture))
      ).pipe(Effect.provide(capture))
    )
    expect(logs.some((l) => l.startsWith("Warn") && l.includes('unknown currency "QQQ"'))).toBe(true)
  })

  it("a document whose every currency is unknown is MalformedEcbXml", () => {
    const e = failure(Ecb.parse(doc(`<Cube currency='QQQ' rate='1.95'/>`)))
    expect(e.message).toContain("no rates on 2026-11-20")
  })

  const malformed: ReadonlyArray<readonly [string, string, string]> = [
    ["a mismatched closing tag", doc(`<Cube currency='USD' rate='1.0870'/></Cubes>`), "not well-formed"],
    ["a duplicate attribute", doc(`<Cube currency='USD' currency='GBP' rate='1.0870'/>`), "not well-formed"],
    [
      "a code that is not three capital letters",
      doc(`<Cube currency='usd' rate='1.0870'/>`),
      "not a currency code"
    ],
    [
      "a date that is not YYYY-MM-DD",
      doc(`<Cube currency='USD' rate='1.0870'/>`).replace("2026-11-20", "20/11/2026"),
      "not YYYY-MM-DD"
    ],
    ["not a string", 42 as unknown as string, "as a string"]
  ]
  for (const [what, input, says] of malformed) {
    it(`malformed XML is MalformedEcbXml: ${what}`, () => {
      const e = failure(Ecb.parse(input))
      expect(e._tag).toBe("MalformedEcbXml")
      expect(e.message).toContain(says)
    })
  }

  it("entities are not expanded (no entity-expansion bomb); the rates still parse", () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>${doc(`<Cube currency='USD' rate='1.0870'/>`).replace(/^<\?xml[^>]*>/, "")}`
    expect(usd(Result.getOrThrow(Ecb.parse(bomb)))).toBe("1.087")
  })

  it("a Decimal built by core is accepted as a rate entry", () => {
    expect(
      Rate.makeTableUnsafe([{ base: "EUR", quote: "USD", rate: Decimal.unsafe("1.1"), asOf: 0 }]).rates.size
    ).toBe(1)
  })
})
