import { Decimal, Ids, Notifier } from "@paykit/core"
import { Effect, Layer, Result } from "effect"
import { TestClock } from "effect/testing"
import { Fx, QuoteStore, type Rate, RateProvider, Schedule } from "../src/index.ts"

export const rate = (base: string, quote: string, value: string, asOf = 0, source = "memory"): Rate.Rate => ({
  base,
  quote,
  rate: Decimal.unsafe(value),
  source,
  asOf
})

/** The corridor of the worked example: 10 USD fixed fee on top, no spread, SHA with 15 EUR intermediary. */
export const workedSchedule = Schedule.makeUnsafe({
  corridors: [
    {
      source: "USD",
      target: "EUR",
      spreadBps: 0,
      fixedFee: "1000",
      feeMode: "on-top",
      charges: "SHA",
      intermediaryFee: "1500"
    }
  ]
})

export const corridorOf = (
  schedule: Schedule.Schedule,
  source: string,
  target: string,
  method: string | null = null
) => Result.getOrThrow(Schedule.match(schedule, source, target, method))

export const MINUTE = 60_000
export const HOUR = 60 * MINUTE

/** An Fx layer on memory rates, the pricing rates as reference, a memory store, seeded ids and a TestClock. */
export const fxLayer = (
  schedule: Schedule.Schedule,
  entries: ReadonlyArray<Rate.Entry>,
  config: Partial<Omit<Fx.Config, "schedule">> = {}
) => {
  const rates = RateProvider.layerMemory(entries)
  const fx = Fx.layer({
    schedule,
    maxRateAge: config.maxRateAge ?? "1 hour",
    maxReferenceAge: config.maxReferenceAge ?? "4 days",
    lockFor: config.lockFor ?? "30 minutes"
  }).pipe(
    Layer.provide(RateProvider.layerReferenceFromRateProvider),
    Layer.provideMerge(rates),
    Layer.provideMerge(QuoteStore.layerMemory),
    Layer.provideMerge(Notifier.layerMemory),
    Layer.provide(Ids.layerSeeded(7))
  )
  return Layer.mergeAll(fx, TestClock.layer())
}

export const runFx = <A, E, R>(effect: Effect.Effect<A, E, R>, layer: Layer.Layer<R, unknown>): Promise<A> =>
  Effect.runPromise(Effect.provide(effect, layer) as Effect.Effect<A, E>)
