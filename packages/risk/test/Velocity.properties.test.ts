import { fc, test } from "@fast-check/vitest"
import { Effect } from "effect"
import { describe, expect } from "vitest"
import { Velocity, VelocityStore } from "../src/index.ts"
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
          const store = yield* VelocityStore.makeMemory({ cap })
          for (const e of es) yield* store.record(e)
          for (const kind of Velocity.KEY_KINDS) {
            for (const key of ["a", "b", "c"]) {
              const all = es.filter((e) => e[kind] === key)
              // the cap keeps the latest `cap` events by (time, recording order)
              const retained = all
                .map((e, i) => ({ e, i }))
                .sort((x, y) => x.e.at - y.e.at || x.i - y.i)
                .slice(-cap)
                .map((x) => x.e)
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
