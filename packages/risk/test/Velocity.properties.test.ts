import { fc, test } from "@fast-check/vitest"
import { Currency, Notifier } from "@paykit/core"
import { Effect, Schema } from "effect"
import { describe, expect } from "vitest"
import { Attributes, Features, Velocity, VelocityStore } from "../src/index.ts"
import { VelocityStoreContract } from "../src/testing/index.ts"

const DAY = 86_400_000
const events = fc
  .array(VelocityStoreContract.eventArbitrary, { maxLength: 80 })
  .map((es) => es.map((e, i) => ({ ...e, id: `e${i}` })))
const now = fc.oneof(
  fc.integer({ min: 0, max: 11 * DAY }),
  fc.constantFrom(0, 60_000, 3_600_000, DAY, 7 * DAY)
)
const windows = fc
  .uniqueArray(fc.integer({ min: 1, max: 9 * DAY }), { minLength: 1, maxLength: 5 })
  .map((ms) => [...ms].sort((a, b) => a - b).map((millis, i) => ({ name: `w${i}`, millis })))

/** What the store keeps of a key's events: the latest `cap` by (time, recording order). */
const latest = (all: ReadonlyArray<Velocity.Event>, cap: number): Array<Velocity.Event> =>
  all
    .map((e, i) => ({ e, i }))
    .sort((x, y) => x.e.at - y.e.at || x.i - y.i)
    .slice(-cap)
    .map((x) => x.e)

/**
 * The features of one key, written here from the documentation alone (plain filter and reduce
 * over the raw events, nothing shared with the code under test): a window of length `millis` at
 * `now` holds the events with `now − millis < at ≤ now`; `sum` and `max` (0 when empty) are over
 * `amountRef`; `small` counts amounts below `smallAmountRef`; `near_threshold` those in
 * `[threshold − band, threshold)`; `distinct_*` count the distinct values present.
 */
const reference = (config: Velocity.Config, es: ReadonlyArray<Velocity.Event>, now: number) => {
  const out: Record<string, bigint> = {}
  const countOf = (xs: ReadonlyArray<unknown>) => BigInt(xs.length)
  const distinct = (xs: ReadonlyArray<Velocity.Event>, field: keyof Velocity.Event) =>
    BigInt(new Set(xs.map((e) => e[field]).filter((v) => v !== undefined)).size)
  for (const w of config.windows) {
    const inside = es.filter((e) => now - w.millis < e.at && e.at <= now)
    const amounts = inside.map((e) => e.amountRef)
    const features: Record<(typeof Velocity.FEATURES)[number], bigint> = {
      count: countOf(inside),
      sum: amounts.reduce((a, b) => a + b, 0n),
      max: amounts.reduce((a, b) => (b > a ? b : a), 0n),
      declined: countOf(inside.filter((e) => e.declined)),
      blocked: countOf(inside.filter((e) => e.blocked === true)),
      small: countOf(amounts.filter((a) => a < config.smallAmountRef)),
      near_threshold: countOf(
        amounts.filter((a) => config.threshold - config.band <= a && a < config.threshold)
      ),
      distinct_customers: distinct(inside, "customer"),
      distinct_cards: distinct(inside, "card"),
      distinct_ips: distinct(inside, "ip"),
      distinct_devices: distinct(inside, "device"),
      distinct_emails: distinct(inside, "email"),
      distinct_countries: distinct(inside, "ipCountry")
    }
    for (const [f, v] of Object.entries(features)) out[`${f}_${w.name}`] = v
  }
  return out
}

/** Amounts on the edges of `small` and `near_threshold` for a configuration, and around them. */
const edgeAmounts = (config: Velocity.Config): ReadonlyArray<bigint> =>
  [
    config.smallAmountRef,
    config.threshold - config.band,
    config.threshold,
    config.threshold + config.band
  ].flatMap((a) => [a - 1n, a, a + 1n].filter((x) => x >= 0n))

/** Per event: keep it, or move it to a window's edge (now − length + δ, δ ∈ {−1, 0, 1}) or to now (+ δ), and/or give it an edge amount. */
const edgeSpec = fc.record({
  at: fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    fc.record({ window: fc.nat(), delta: fc.integer({ min: -1, max: 1 }), atNow: fc.boolean() })
  ),
  amount: fc.option(fc.nat(), { nil: undefined, freq: 2 })
})
const withEdges = (
  es: ReadonlyArray<Velocity.Event>,
  specs: ReadonlyArray<typeof edgeSpec extends fc.Arbitrary<infer S> ? S : never>,
  config: Velocity.Config,
  now: number
): Array<Velocity.Event> =>
  es.map((e, i) => {
    const spec = specs[i % Math.max(1, specs.length)]
    if (spec === undefined) return e
    const amounts = edgeAmounts(config)
    const at =
      spec.at === undefined
        ? e.at
        : Math.max(
            0,
            (spec.at.atNow ? now : now - config.windows[spec.at.window % config.windows.length]!.millis) +
              spec.at.delta
          )
    const amountRef = spec.amount === undefined ? e.amountRef : amounts[spec.amount % amounts.length]!
    return { ...e, at, amountRef }
  })
const amountsConfig = fc
  .record({
    smallAmountRef: fc.bigInt({ min: 0n, max: 3_000n }),
    threshold: fc.bigInt({ min: 0n, max: 2_000_000n }),
    band: fc.bigInt({ min: 0n, max: 500_000n })
  })
  .map((c) => ({ ...c, band: c.band > c.threshold ? c.threshold : c.band }))

describe("velocity features against a reference written from the documentation", () => {
  test("the reference covers every feature of every window", () => {
    expect(Object.keys(reference(Velocity.defaultConfig, [], 0)).sort()).toEqual(
      [...Velocity.featureNames(Velocity.defaultConfig)].sort()
    )
  })

  test.prop([events, now, fc.array(edgeSpec, { maxLength: 80 })], { numRuns: 300 })(
    "keyFeatures (and bruteForce) equal the reference for every window and time, default configuration, at the edges",
    (raw, t, specs) => {
      const config = Velocity.defaultConfig
      const es = withEdges(raw, specs, config, t)
      const expected = reference(config, es, t)
      expect(Velocity.keyFeatures(config, es, t)).toEqual(expected)
      expect(Velocity.keyFeatures(config, [...es].reverse(), t)).toEqual(expected)
      expect(Velocity.bruteForce(config, es, t)).toEqual(expected)
    }
  )

  test.prop([events, now, windows, amountsConfig, fc.array(edgeSpec, { maxLength: 80 })], { numRuns: 300 })(
    "the same for any windows, small-amount bound, threshold and band",
    (raw, t, ws, amounts, specs) => {
      const config = { ...Velocity.defaultConfig, ...amounts, windows: ws }
      const es = withEdges(raw, specs, config, t)
      const expected = reference(config, es, t)
      expect(Object.keys(expected).length).toBe(ws.length * Velocity.FEATURES.length)
      expect(Velocity.keyFeatures(config, es, t)).toEqual(expected)
      expect(Velocity.bruteForce(config, es, t)).toEqual(expected)
    }
  )

  test.prop([events, now, fc.integer({ min: 1, max: 12 }), fc.array(edgeSpec, { maxLength: 80 })], {
    numRuns: 150
  })(
    "through the store and Features.compute, every key's velocity features equal the reference over the events the store retains",
    (raw, t, cap, specs) =>
      Effect.runPromise(
        Effect.gen(function* () {
          const config = Velocity.defaultConfig
          const es = withEdges(raw, specs, config, t)
          const store = yield* VelocityStore.makeMemory({ cap, maxAgeMillis: Number.POSITIVE_INFINITY }).pipe(
            Effect.provide(Notifier.layerNoop)
          )
          for (const e of es) yield* store.record(e)
          for (const key of ["a", "b", "c"]) {
            const histories: Features.Histories = {}
            const expected: Partial<Record<Velocity.KeyKind, Record<string, bigint>>> = {}
            for (const kind of Velocity.KEY_KINDS) {
              const all = es.filter((e) => e[kind] === key)
              const retained = latest(all, cap)
              histories[kind] = yield* store.history(kind, key)
              expected[kind] = reference(config, retained, t)
              if (all.length <= cap) expect(expected[kind]).toEqual(reference(config, all, t))
              for (const w of config.windows)
                expect(expected[kind][`count_${w.name}`]!).toBeLessThanOrEqual(BigInt(cap))
            }
            const payment = {
              ...Schema.decodeUnknownSync(Features.Payment)({
                id: "now",
                amount: { amount: "100", currency: "USD" },
                customerId: key,
                cardFingerprint: key,
                ip: key,
                deviceId: key
              }),
              email: key
            }
            const values = Features.compute({
              catalog: Attributes.standard,
              reference: Currency.USD,
              payment,
              histories,
              now: t
            })
            expect(values.velocity).toEqual(expected)
          }
        })
      )
  )
})

describe("velocity window maths", () => {
  test.prop([events, now])(
    "features equal a brute-force count over the raw events, for every window",
    (es, t) => {
      expect(Velocity.keyFeatures(Velocity.defaultConfig, es, t)).toEqual(
        Velocity.bruteForce(Velocity.defaultConfig, es, t)
      )
    }
  )

  test.prop([events, now, windows])("the same holds for any configured windows", (es, t, ws) => {
    const config = { ...Velocity.defaultConfig, windows: ws }
    expect(Velocity.keyFeatures(config, es, t)).toEqual(Velocity.bruteForce(config, es, t))
  })

  test.prop([events, now, fc.subarray(Velocity.featureNames(Velocity.defaultConfig) as Array<string>)])(
    "computing only some features gives exactly those values",
    (es, t, only) => {
      const all = Velocity.keyFeatures(Velocity.defaultConfig, es, t)
      const some = Velocity.keyFeatures(Velocity.defaultConfig, es, t, new Set(only))
      expect(some).toEqual(Object.fromEntries(only.map((name) => [name, all[name]])))
    }
  )

  test.prop([events, now])("windows nest: every feature over 1m ≤ 1h ≤ 24h ≤ 7d", (es, t) => {
    const f = Velocity.keyFeatures(Velocity.defaultConfig, es, t)
    for (const feature of Velocity.FEATURES) {
      expect(f[`${feature}_1m`]!).toBeLessThanOrEqual(f[`${feature}_1h`]!)
      expect(f[`${feature}_1h`]!).toBeLessThanOrEqual(f[`${feature}_24h`]!)
      expect(f[`${feature}_24h`]!).toBeLessThanOrEqual(f[`${feature}_7d`]!)
    }
  })

  test.prop([fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 1, max: 1e9 })])(
    "a window is (now − length, now]: an event exactly one window old is out, a future one is out",
    (t, w) => {
      expect(Velocity.inWindow(t, t, w)).toBe(true)
      expect(Velocity.inWindow(t - w + 1, t, w)).toBe(true)
      expect(Velocity.inWindow(t - w, t, w)).toBe(false)
      expect(Velocity.inWindow(t + 1, t, w)).toBe(false)
    }
  )

  test.prop([events, now, fc.integer({ min: 1, max: 12 })], { numRuns: 150 })(
    "through the store, counts equal a brute-force count over the retained events for every key, and caps hold",
    (es, t, cap) =>
      Effect.runPromise(
        Effect.gen(function* () {
          const store = yield* VelocityStore.makeMemory({ cap, maxAgeMillis: Number.POSITIVE_INFINITY }).pipe(
            Effect.provide(Notifier.layerNoop)
          )
          for (const e of es) yield* store.record(e)
          for (const kind of Velocity.KEY_KINDS) {
            for (const key of ["a", "b", "c"]) {
              const all = es.filter((e) => e[kind] === key)
              const retained = latest(all, cap)
              const f = Velocity.keyFeatures(Velocity.defaultConfig, yield* store.history(kind, key), t)
              expect(f).toEqual(Velocity.bruteForce(Velocity.defaultConfig, retained, t))
              for (const w of Velocity.defaultConfig.windows) {
                expect(f[`count_${w.name}`]!).toBeLessThanOrEqual(BigInt(cap))
                if (all.length <= cap) expect(f).toEqual(Velocity.bruteForce(Velocity.defaultConfig, all, t))
              }
            }
          }
        })
      )
  )
})
