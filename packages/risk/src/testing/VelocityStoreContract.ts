import { Effect, type Layer } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as Velocity from "../Velocity.ts"
import { VelocityStore } from "../VelocityStore.ts"

/**
 * Options of the contract suite: `timeout` per test in ms, `runs` of the model-based property
 * (default 60).
 *
 * @example
 * ```ts
 * import { VelocityStore } from "@paykit/risk"
 * import { VelocityStoreContract } from "@paykit/risk/testing"
 * VelocityStoreContract.suite("memory", VelocityStore.layerMemory, { runs: 100 })
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly timeout?: number
  readonly runs?: number
}

type Command =
  | { readonly op: "record"; readonly event: Velocity.Event; readonly repeat: string | undefined }
  | { readonly op: "prune"; readonly before: number }

const KEYS = ["a", "b", "c"] as const

/**
 * An arbitrary velocity event over a small key space (so keys collide), times within 10 days.
 *
 * @example
 * ```ts
 * import { VelocityStoreContract } from "@paykit/risk/testing"
 * import fc from "fast-check"
 * fc.sample(VelocityStoreContract.eventArbitrary, 1)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const eventArbitrary: fc.Arbitrary<Velocity.Event> = fc
  .record({
    at: fc.integer({ min: 0, max: 10 * 86_400_000 }),
    amountRef: fc.bigInt({ min: 0n, max: 2_000_000n }),
    declined: fc.boolean(),
    blocked: fc.boolean(),
    customer: fc.option(fc.constantFrom(...KEYS), { nil: undefined }),
    card: fc.option(fc.constantFrom(...KEYS), { nil: undefined }),
    ip: fc.option(fc.constantFrom(...KEYS), { nil: undefined }),
    device: fc.option(fc.constantFrom(...KEYS), { nil: undefined }),
    email: fc.option(fc.constantFrom(...KEYS), { nil: undefined }),
    ipCountry: fc.option(fc.constantFrom("US", "FR", "DE"), { nil: undefined })
  })
  .map((r) => ({ id: "", ...r }))

const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .tuple(eventArbitrary, fc.option(fc.constantFrom("r0", "r1", "r2"), { nil: undefined, freq: 3 }))
      .map(([event, repeat]) => ({ op: "record" as const, event, repeat }))
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 0, max: 10 * 86_400_000 })
      .map((before) => ({ op: "prune" as const, before }))
  }
)

/**
 * The reference model: per key, every recorded event in recording order; the retained history
 * is the `cap` latest by (time, recording order), minus pruned ones. A payment id the key already
 * holds is not added again: the kept event's `declined` and `blocked` become true when the new
 * record's are (its time and amount stay).
 *
 * @example
 * ```ts
 * import { VelocityStoreContract } from "@paykit/risk/testing"
 * const model = new VelocityStoreContract.Model(10)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export class Model {
  private readonly keys = new Map<string, Array<{ e: Velocity.Event; seq: number }>>()
  private seq = 0
  /** `maxAgeMillis`: the store's age bound (`VelocityStore.maxAgeMillis`), if it has one. */
  constructor(
    readonly cap: number,
    readonly maxAgeMillis: number = Number.POSITIVE_INFINITY
  ) {}
  record(event: Velocity.Event): void {
    const seq = this.seq++
    for (const kind of Velocity.KEY_KINDS) {
      const key = event[kind]
      if (key === undefined) continue
      const k = `${kind}:${key}`
      const kept = (this.keys.get(k) ?? []).find((x) => x.e.id === event.id)
      if (kept !== undefined) {
        kept.e = {
          ...kept.e,
          declined: kept.e.declined || event.declined,
          blocked: kept.e.blocked === true || event.blocked === true
        }
        continue
      }
      const all = [...(this.keys.get(k) ?? []), { e: event, seq }]
      all.sort((x, y) => x.e.at - y.e.at || x.seq - y.seq)
      const retained = all.slice(Math.max(0, all.length - this.cap))
      // an event older than all of a full key's history is not kept, and changes nothing
      if (!retained.some((x) => x.seq === seq)) continue
      // events too old for any window at the key's newest time go when the key gains one
      const newest = retained[retained.length - 1]!.e.at
      this.keys.set(
        k,
        retained.filter((x) => x.e.at >= newest - this.maxAgeMillis)
      )
    }
  }
  prune(before: number): number {
    let n = 0
    for (const [k, list] of this.keys) {
      const kept = list.filter((x) => x.e.at >= before)
      n += list.length - kept.length
      this.keys.set(k, kept)
    }
    return n
  }
  history(kind: Velocity.KeyKind, key: string): ReadonlyArray<Velocity.Event> {
    return (this.keys.get(`${kind}:${key}`) ?? []).map((x) => x.e)
  }
}

/**
 * The `VelocityStore` contract: every adapter runs this suite with a layer that provides a
 * fresh, empty store per test. It pins: an event is kept under each of its keys and only those;
 * histories are ascending by time (ties in recording order); each key keeps at most `cap`
 * events, the latest ones; `prune` forgets exactly the events before the time; and, model-based,
 * after any sequence of records and prunes every key's history equals the model's, and the
 * features computed from it equal a brute-force count with every count at most the cap.
 *
 * @example
 * ```ts
 * import { VelocityStore } from "@paykit/risk"
 * import { VelocityStoreContract } from "@paykit/risk/testing"
 * VelocityStoreContract.suite("memory", VelocityStore.layerMemory)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const suite = (
  name: string,
  layer: Layer.Layer<VelocityStore, unknown>,
  options: Options = {}
): void => {
  const run = <A, E>(effect: Effect.Effect<A, E, VelocityStore>): Promise<A> =>
    Effect.runPromise(Effect.provide(effect, layer) as Effect.Effect<A, E>)
  const timeout = options.timeout ?? 30_000
  const runs = options.runs ?? 60

  describe(`VelocityStore contract: ${name}`, () => {
    it("an event is kept under each of its keys, and only those", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* VelocityStore
          const e: Velocity.Event = {
            id: "p1",
            at: 10,
            amountRef: 100n,
            declined: false,
            customer: "c1",
            card: "k1"
          }
          yield* store.record(e)
          expect((yield* store.history("customer", "c1")).map((x) => x.id)).toEqual(["p1"])
          expect((yield* store.history("card", "k1")).map((x) => x.id)).toEqual(["p1"])
          expect(yield* store.history("ip", "c1")).toEqual([])
          expect(yield* store.history("customer", "k1")).toEqual([])
          const back = (yield* store.history("card", "k1"))[0]!
          expect(back.amountRef).toBe(100n)
          expect(back.at).toBe(10)
        })
      )
    )

    it("histories are ascending by time, ties in recording order", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* VelocityStore
          for (const [id, at] of [
            ["p1", 30],
            ["p2", 10],
            ["p3", 30],
            ["p4", 20]
          ] as const) {
            yield* store.record({ id, at, amountRef: 1n, declined: false, customer: "c" })
          }
          expect((yield* store.history("customer", "c")).map((x) => x.id)).toEqual(["p2", "p4", "p1", "p3"])
        })
      )
    )

    it("a key keeps at most cap events, the latest", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* VelocityStore
          const n = store.cap + 3
          for (let i = 0; i < n; i++) {
            yield* store.record({ id: `p${i}`, at: i * 1000, amountRef: 1n, declined: false, ip: "1.2.3.4" })
          }
          const h = yield* store.history("ip", "1.2.3.4")
          expect(h.length).toBe(store.cap)
          expect(h[h.length - 1]!.id).toBe(`p${n - 1}`)
          expect(h[0]!.id).toBe(`p${n - store.cap}`)
        })
      )
    )

    it(
      "one event per payment id and key: a repeated id counts once and its facts (declined, blocked) only become true",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* VelocityStore
            const first: Velocity.Event = {
              id: "p1",
              at: 10,
              amountRef: 100n,
              declined: false,
              card: "k",
              customer: "c"
            }
            yield* store.record(first)
            yield* store.record(first) // a retried assessment
            yield* store.record({ ...first, at: 99, amountRef: 5n, declined: true, customer: undefined }) // the issuer's decline
            yield* store.record({ ...first, declined: false, blocked: true })
            for (const [kind, key] of [
              ["card", "k"],
              ["customer", "c"]
            ] as const) {
              const h = yield* store.history(kind, key)
              expect(h.map((e) => [e.id, e.at, e.amountRef])).toEqual([["p1", 10, 100n]])
            }
            const card = (yield* store.history("card", "k"))[0]!
            expect([card.declined, card.blocked]).toEqual([true, true])
            // the customer key was not named by the decline: its event keeps its facts until told
            const customer = (yield* store.history("customer", "c"))[0]!
            expect([customer.declined, customer.blocked]).toEqual([false, true])
            const f = Velocity.keyFeatures(Velocity.defaultConfig, yield* store.history("card", "k"), 10)
            expect([f["count_1h"], f["declined_1h"], f["blocked_1h"]]).toEqual([1n, 1n, 1n])
          })
        )
    )

    it(
      "assess reads, decides and records atomically per key: of 20 concurrent assessments of one card under a limit of 3, exactly 3 pass",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* VelocityStore
            const outcomes = yield* Effect.forEach(
              Array.from({ length: 20 }, (_, i) => i),
              (i) =>
                store.assess({ card: "k", customer: `c${i}` }, ["card"], (histories) =>
                  Effect.succeed({
                    event: {
                      id: `p${i}`,
                      at: i,
                      amountRef: 1n,
                      declined: false,
                      card: "k",
                      customer: `c${i}`
                    },
                    events: [],
                    value: (histories.card ?? []).length < 3
                  })
                ),
              { concurrency: "unbounded" }
            )
            // (a key keeps at most cap events: with a cap under 3 the limit is never reached)
            const kept = Math.min(20, store.cap)
            expect(outcomes.filter((x) => x).length).toBe(store.cap >= 3 ? 3 : 20)
            expect((yield* store.history("card", "k")).length).toBe(kept)
            // a retried assessment of one of them reads its own earlier record and adds nothing
            const again = yield* store.assess({ card: "k" }, ["card"], (histories) =>
              Effect.succeed({
                event: { id: "p0", at: 0, amountRef: 1n, declined: false, card: "k", customer: "c0" },
                events: [],
                value: (histories.card ?? []).length
              })
            )
            expect(again).toBe(kept)
            expect((yield* store.history("card", "k")).length).toBe(kept)
          })
        )
    )

    it("prune forgets exactly the events before the time", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* VelocityStore
          for (let i = 0; i < 4; i++) {
            yield* store.record({ id: `p${i}`, at: i * 100, amountRef: 1n, declined: false, device: "d" })
          }
          expect(yield* store.prune(200)).toBe(2)
          expect((yield* store.history("device", "d")).map((x) => x.id)).toEqual(["p2", "p3"])
        })
      )
    )

    it(
      "model-based: histories equal the model and features equal a brute-force count, capped",
      { timeout },
      () =>
        fc.assert(
          fc.asyncProperty(
            fc.array(commandArbitrary, { maxLength: 60 }),
            fc.integer({ min: 0, max: 11 * 86_400_000 }),
            (commands, now) =>
              run(
                Effect.gen(function* () {
                  const store = yield* VelocityStore
                  const model = new Model(store.cap, store.maxAgeMillis)
                  let i = 0
                  for (const c of commands) {
                    if (c.op === "record") {
                      // some ids come again (a retried assessment, a later decline)
                      const event = { ...c.event, id: c.repeat ?? `e${i++}` }
                      model.record(event)
                      yield* store.record(event)
                    } else {
                      expect(yield* store.prune(c.before)).toBe(model.prune(c.before))
                    }
                  }
                  for (const kind of Velocity.KEY_KINDS) {
                    for (const key of KEYS) {
                      const h = yield* store.history(kind, key)
                      const expected = model.history(kind, key)
                      expect(h.map((e) => e.id)).toEqual(expected.map((e) => e.id))
                      expect(h.map((e) => [e.declined, e.blocked === true])).toEqual(
                        expected.map((e) => [e.declined, e.blocked === true])
                      )
                      const f = Velocity.keyFeatures(Velocity.defaultConfig, h, now)
                      expect(f).toEqual(Velocity.bruteForce(Velocity.defaultConfig, expected, now))
                      for (const w of Velocity.defaultConfig.windows)
                        expect(f[`count_${w.name}`]!).toBeLessThanOrEqual(BigInt(store.cap))
                    }
                  }
                })
              )
          ),
          { numRuns: runs }
        )
    )
  })
}
