import { readFileSync } from "node:fs"
import { Decimal, Ids, Notifier } from "@paykit/core"
import { fc, test } from "@fast-check/vitest"
import { Effect, Layer, Result, Schema } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { Ecb, Events, Fx, Quote, QuoteStore, RateProvider, Schedule } from "../src/index.ts"
import { fxLayer, HOUR, MINUTE, runFx, workedSchedule } from "./helpers.ts"

const encode = Schema.encodeSync(Quote.Quote)

const schedule = Schedule.makeUnsafe({
  corridors: [
    ...workedSchedule.corridors.map(() => ({
      source: "USD",
      target: "EUR",
      spreadBps: 50,
      fixedFee: "299",
      percentFee: "0.5",
      percentFeeMin: "100",
      percentFeeMax: "2500",
      feeMode: "on-top" as const,
      charges: "SHA" as const,
      intermediaryFee: "1500"
    })),
    {
      source: "USD",
      target: "GBP",
      spreadBps: 40,
      fixedFee: "500",
      feeMode: "deducted",
      charges: "OUR",
      intermediaryFee: "1000"
    },
    { source: "USD", target: "ARS", spreadBps: 40, feeMode: "on-top", charges: "SHA" },
    { source: "USD", target: "USD", spreadBps: 0, feeMode: "on-top", charges: "OUR" }
  ]
})
const rates = [
  { base: "USD", quote: "EUR", rate: "0.92", asOf: 0 },
  { base: "EUR", quote: "GBP", rate: "0.85", asOf: 0 }
]
const layer = () => fxLayer(schedule, rates)
const send: typeof Fx.QuoteRequest.Encoded = {
  direction: "send",
  source: "USD",
  target: "EUR",
  amount: "100000"
}

const quoteFails = (input: unknown, l = layer()) =>
  runFx(
    Effect.gen(function* () {
      const fx = yield* Fx.Fx
      return yield* Effect.flip(fx.quote(input as never)) // hostile input too: cast
    }),
    l
  )

describe("Fx: quoting through the ports", () => {
  it("quotes a send amount on the provider's rate and locks it for the configured duration", async () => {
    const q = await runFx(
      Effect.gen(function* () {
        yield* TestClock.adjust("10 minutes")
        const fx = yield* Fx.Fx
        return yield* fx.quote(send)
      }),
      layer()
    )
    expect(q.midRate.rate.toString()).toBe("0.92")
    expect(q.customerRate.toString()).toBe("0.9154") // 0.92 × (1 − 0.005)
    expect(q.createdAt).toBe(10 * MINUTE)
    expect(q.expiresAt).toBe(40 * MINUTE)
    expect(q.paid.toString()).toBe("1007.99 USD") // 1000 + 2.99 + 5.00
    expect(q.received.toString()).toBe("900.40 EUR") // floor(1000 × 0.9154) − 15
    expect(q.fees.map((f) => `${f.kind} ${f.amount}`)).toEqual([
      "fixed 2.99 USD",
      "percentage 5.00 USD",
      "intermediary-estimate 15.00 EUR",
      "exchange-rate-margin 5.00 USD"
    ])
    expect(q.totalCost.toString()).toBe("12.99 USD")
    expect(q.markup.rate.toString()).toBe("0.5")
  })

  it("quotes a receive amount: the smallest send that delivers it", async () => {
    const q = await runFx(
      Effect.flatMap(Fx.Fx, (fx) =>
        fx.quote({
          direction: "receive",
          source: "USD",
          target: "GBP",
          amount: "50000",
          lockForMillis: 5 * MINUTE
        })
      ),
      layer()
    )
    expect(q.direction).toBe("receive")
    expect(q.received.toString()).toBe("500.00 GBP")
    expect(q.receivedIsEstimate).toBe(false)
    expect(q.expiresAt - q.createdAt).toBe(5 * MINUTE)
  })

  it("a same-currency quote uses rate 1 without asking the provider", async () => {
    const failing = Layer.succeed(
      RateProvider.RateProvider,
      RateProvider.RateProvider.of({
        name: "never",
        rate: () => Effect.die("the provider must not be asked")
      })
    )
    const l = Fx.layer({
      schedule,
      maxRateAge: "1 hour",
      maxReferenceAge: "1 hour",
      lockFor: "1 minute"
    }).pipe(
      Layer.provide(RateProvider.layerReferenceFromRateProvider),
      Layer.provide(failing),
      Layer.provide(QuoteStore.layerMemory),
      Layer.provide([Ids.layerSeeded(1), Notifier.layerNoop])
    )
    const q = await runFx(
      Effect.flatMap(Fx.Fx, (fx) =>
        fx.quote({ direction: "send", source: "USD", target: "USD", amount: "12345" })
      ),
      l
    )
    expect(q.received.toString()).toBe("123.45 USD")
    expect(q.midRate.source).toBe("identity")
  })

  it("negative or zero amounts are InvalidInput naming the amount", async () => {
    for (const amount of ["-100", "0", "12.50", "abc"]) {
      const e = await quoteFails({ ...send, amount })
      expect(e._tag).toBe("InvalidInput")
      expect(e._tag === "InvalidInput" && e.path).toBe("amount")
    }
    const zero = await quoteFails({ ...send, amount: "0" })
    expect(zero.message).toContain("must be greater than zero")
  })

  it("unknown currencies, directions, extra fields and bad lock durations are InvalidInput naming the field", async () => {
    const path = async (input: unknown) => {
      const e = await quoteFails(input)
      return e._tag === "InvalidInput" ? e.path : e._tag
    }
    expect(await path({ ...send, target: "EURO" })).toBe("target")
    expect(await path({ ...send, direction: "sideways" })).toBe("direction")
    expect(await path({ ...send, lockForMillis: 0 })).toBe("lockForMillis")
    expect(await path({ ...send, fee: "0" })).toBe("fee")
    expect(await path({ ...send, method: "" })).toBe("method")
  })

  it("an unknown currency pair is NoCorridor", async () => {
    const e = await quoteFails({ ...send, target: "JPY" })
    expect(e._tag).toBe("NoCorridor")
    expect(e.message).toContain("USD→JPY")
  })

  it("a missing rate is RateNotFound", async () => {
    const e = await quoteFails({ ...send, target: "ARS" })
    expect(e._tag).toBe("RateNotFound")
    expect(e.message).toContain("EUR→ARS")
  })

  it("a stale rate is StaleRate, never a silent quote", async () => {
    const e = await runFx(
      Effect.gen(function* () {
        yield* TestClock.adjust("61 minutes")
        const fx = yield* Fx.Fx
        return yield* Effect.flip(fx.quote(send))
      }),
      layer()
    )
    expect(e._tag).toBe("StaleRate")
    expect(e.message).toContain("USD→EUR")
  })

  it("fees that take the whole amount are NothingToConvert; a failed quote stores nothing", async () => {
    const e = await quoteFails({ direction: "send", source: "USD", target: "GBP", amount: "1" })
    expect(e._tag).toBe("NothingToConvert")
    // no state change: ids are not consumed by failed quotes, so the next id is the first one
    const [first, afterFailure] = await Promise.all([
      runFx(
        Effect.flatMap(Fx.Fx, (fx) => fx.quote(send)),
        layer()
      ),
      runFx(
        Effect.gen(function* () {
          const fx = yield* Fx.Fx
          yield* Effect.flip(fx.quote({ ...send, amount: "-1" }))
          yield* Effect.flip(fx.quote({ ...send, target: "JPY" }))
          return yield* fx.quote(send)
        }),
        layer()
      )
    ])
    expect(afterFailure.id).toBe(first.id)
  })

  it("executing an unknown id is QuoteNotFound; an empty id is InvalidInput", async () => {
    const [missing, empty] = await runFx(
      Effect.gen(function* () {
        const fx = yield* Fx.Fx
        return [
          yield* Effect.flip(fx.execute("01J0000000000000000000NONE")),
          yield* Effect.flip(fx.execute(""))
        ]
      }),
      layer()
    )
    expect(missing._tag).toBe("QuoteNotFound")
    expect(empty._tag).toBe("InvalidInput")
  })
})

describe("Fx: the ECB as the reference rate", () => {
  const xml = readFileSync(new URL("./fixtures/eurofxref-daily.xml", import.meta.url), "utf8")
  const NOV20 = Date.UTC(2026, 10, 20)
  const ecbLayer = () =>
    Layer.mergeAll(
      Fx.layer({ schedule, maxRateAge: "1 hour", maxReferenceAge: "4 days", lockFor: "30 minutes" }).pipe(
        Layer.provide(Ecb.referenceLayerFromString(xml)),
        Layer.provideMerge(
          RateProvider.layerMemory([{ base: "USD", quote: "EUR", rate: "0.9213", asOf: NOV20 + 16 * HOUR }])
        ),
        Layer.provide(QuoteStore.layerMemory),
        Layer.provide([Ids.layerSeeded(3), Notifier.layerNoop])
      ),
      TestClock.layer()
    )

  it("discloses the mark-up over the ECB rate with its provider and date", async () => {
    const q = await runFx(
      Effect.gen(function* () {
        yield* TestClock.setTime(NOV20 + 16 * HOUR + 5 * MINUTE)
        return yield* Effect.flatMap(Fx.Fx, (fx) => fx.quote(send))
      }),
      ecbLayer()
    )
    expect(q.referenceRate.source).toBe("ECB")
    expect(q.referenceRate.asOf).toBe(NOV20)
    expect(q.referenceRate.rate.toString()).toBe("0.9199632015") // 1 / 1.0870
    expect(q.midRate.rate.toString()).toBe("0.9213")
    expect(q.customerRate.toString()).toBe("0.9166935") // 0.9213 × 0.995
    // (1 − 0.9166935 / 0.9199632015) × 100, 10 places half-even
    expect(q.markup.rate.toString()).toBe("0.355416553")
    const implied = Quote.impliedRate(q)
    const gap = Decimal.subtract(implied, q.customerRate)
    expect(
      Decimal.compare(gap.coefficient < 0n ? Decimal.negate(gap) : gap, Decimal.unsafe("0.000000000001"))
    ).toBe(-1)
  })

  it("a reference rate older than its maximum age is StaleRate", async () => {
    const e = await runFx(
      Effect.gen(function* () {
        const now = NOV20 + 4 * 24 * HOUR + 1
        yield* TestClock.setTime(now)
        const rates = yield* RateProvider.MemoryRates
        yield* rates.set([{ base: "USD", quote: "EUR", rate: "0.9213", asOf: now }]) // the mid rate is fresh
        return yield* Effect.flatMap(Fx.Fx, (fx) => Effect.flip(fx.quote(send)))
      }),
      ecbLayer()
    )
    expect(e._tag).toBe("StaleRate")
    expect(e.message).toContain("from ECB (as of 2026-11-20T00:00:00.000Z)")
  })
})

describe("Fx: events", () => {
  it("each lock and each execution is announced through the Notifier; failures announce nothing", async () => {
    const [q, events] = await runFx(
      Effect.gen(function* () {
        const fx = yield* Fx.Fx
        const recorded = yield* Notifier.RecordedEvents
        yield* Effect.flip(fx.quote({ ...send, amount: "0" }))
        const q = yield* fx.quote(send)
        yield* TestClock.adjust("5 minutes")
        yield* fx.execute(q.id)
        yield* Effect.flip(fx.execute(q.id))
        return [q, yield* recorded.all] as const
      }),
      layer()
    )
    expect(events.map((e) => [e.type, e.subject])).toEqual([
      ["fx.quote.locked", q.id],
      ["fx.quote.executed", q.id]
    ])
    expect(Schema.decodeUnknownSync(Events.QuoteLocked)(events[0]!.data).received.toString()).toBe(
      "900.40 EUR"
    )
    const executed = Schema.decodeUnknownSync(Events.QuoteExecuted)(events[1]!.data)
    expect(executed.executedAt).toBe(5 * MINUTE)
    expect(events[1]!.occurredAt).toBe("1970-01-01T00:05:00.000Z")
    expect(new Set(events.map((e) => e.id)).size).toBe(2)
    const decoded = events.map((e) => Schema.decodeUnknownSync(Events.Event)(e))
    expect(decoded.map((e) => e.type)).toEqual(["fx.quote.locked", "fx.quote.executed"])
  })

  it("Events.Event refuses an unknown type and wrong data, naming the field", async () => {
    const events = await runFx(
      Effect.gen(function* () {
        const fx = yield* Fx.Fx
        yield* fx.quote(send)
        return yield* Effect.flatMap(Notifier.RecordedEvents, (r) => r.all)
      }),
      layer()
    )
    const locked = events[0]!
    const wrongData = Schema.decodeUnknownResult(Events.Event)({
      ...locked,
      data: { ...(locked.data as object), expiresAt: "soon" }
    })
    expect(Result.isFailure(wrongData) && String(wrongData.failure)).toContain("expiresAt")
    const unknownType = Schema.decodeUnknownResult(Events.Event)({ ...locked, type: "fx.quote.forgotten" })
    expect(Result.isFailure(unknownType)).toBe(true)
  })

  it("the store carries the events with the change: a quote that cannot be stored announces nothing, and a refused execution draws no event", async () => {
    const events = await runFx(
      Effect.gen(function* () {
        const fx = yield* Fx.Fx
        const store = yield* QuoteStore.QuoteStore
        const q = yield* fx.quote(send)
        // the same quote again: DuplicateQuote, and its event is neither stored nor delivered
        const duplicate = yield* Effect.flip(store.save(q, [Events.locked("01J0000000000000000000000Z", q)]))
        expect(duplicate._tag).toBe("DuplicateQuote")
        yield* TestClock.adjust("31 minutes")
        expect((yield* Effect.flip(fx.execute(q.id)))._tag).toBe("QuoteExpired")
        return yield* Effect.flatMap(Notifier.RecordedEvents, (r) => r.all)
      }),
      layer()
    )
    expect(events.map((e) => e.type)).toEqual(["fx.quote.locked"])
  })
})

describe("Fx: rate locks", () => {
  it("a locked quote executes once with its locked rate even after rates moved; a second use is QuoteAlreadyUsed", async () => {
    const [locked, executed, again] = await runFx(
      Effect.gen(function* () {
        const fx = yield* Fx.Fx
        const memory = yield* RateProvider.MemoryRates
        const q = yield* fx.quote(send)
        yield* memory.set([{ base: "USD", quote: "EUR", rate: "0.85", asOf: 0 }])
        yield* TestClock.adjust("29 minutes")
        const moved = yield* fx.quote(send)
        expect(moved.customerRate.toString()).not.toBe(q.customerRate.toString())
        const done = yield* fx.execute(q.id)
        const second = yield* Effect.flip(fx.execute(q.id))
        return [q, done, second] as const
      }),
      layer()
    )
    expect(encode(executed)).toEqual(encode(locked))
    expect(again._tag).toBe("QuoteAlreadyUsed")
  })

  test.prop(
    [
      fc.integer({ min: 1, max: 120 }),
      fc.integer({ min: 0, max: 240 }),
      fc.integer({ min: 7000, max: 9999 }),
      fc.bigInt({ min: 100_000n, max: 10n ** 9n })
    ],
    { numRuns: 40 }
  )(
    "a locked quote uses exactly its locked rate until expiry and fails with QuoteExpired after",
    (lockMinutes, elapsedMinutes, movedRate, amount) =>
      runFx(
        Effect.gen(function* () {
          const fx = yield* Fx.Fx
          const memory = yield* RateProvider.MemoryRates
          const q = yield* fx.quote({
            ...send,
            amount: amount.toString(),
            lockForMillis: lockMinutes * MINUTE
          })
          yield* memory.set([
            { base: "USD", quote: "EUR", rate: `0.${movedRate}`, asOf: elapsedMinutes * MINUTE }
          ])
          yield* TestClock.adjust(`${elapsedMinutes} minutes`)
          const r = yield* Effect.result(fx.execute(q.id))
          if (elapsedMinutes < lockMinutes) {
            expect(r._tag).toBe("Success")
            if (r._tag === "Success") {
              expect(encode(r.success)).toEqual(encode(q))
              expect(r.success.customerRate.toString()).toBe(q.customerRate.toString())
            }
          } else {
            expect(r._tag === "Failure" && r.failure._tag).toBe("QuoteExpired")
          }
        }),
        fxLayer(schedule, rates, { maxRateAge: 5 * HOUR })
      )
  )
})
