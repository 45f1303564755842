import { Ids } from "@paykit/core"
import { Attributes, Risk, RuleSet, VelocityStore } from "@paykit/risk"
import { VelocityStoreContract } from "@paykit/risk/testing"
import { Context, Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import * as Database from "../src/Database.ts"
import { TestStores } from "../src/testing/index.ts"
import * as VelocityStorePostgres from "../src/risk/VelocityStorePostgres.ts"
import { serverUrl } from "./support/env.ts"

// PostgreSQL: a fresh schema per store on the server named by PAYKIT_TEST_DATABASE_URL.
describe.skipIf(serverUrl === undefined)("VelocityStorePostgres on a PostgreSQL server", () => {
  const layer = (cap: number, maxConnections = 4) =>
    TestStores.serverWith(serverUrl!, "vel", (config) => VelocityStorePostgres.layer({ ...config, cap }), {
      maxConnections
    })

  VelocityStoreContract.suite("PostgreSQL, cap 5", layer(5), { runs: 20, timeout: 120_000 })

  it("recorders on two pools racing on shared keys: every key keeps exactly the cap latest events", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const first = yield* Layer.build(layer(10, 10))
          const schema = Context.get(first, Database.DatabaseInfo).schema
          const second = yield* Layer.build(
            VelocityStorePostgres.layer({ url: serverUrl!, schema, cap: 10, maxConnections: 10 })
          )
          const stores = [first, second].map((c) => Context.get(c, VelocityStore.VelocityStore))
          // 80 events, distinct times in shuffled order, all on one card and on one of two customers
          const ats = Array.from({ length: 80 }, (_, i) => (i * 37) % 80)
          yield* Effect.forEach(
            ats,
            (at, i) =>
              stores[i % 2]!.record({
                id: `p${at}`,
                at,
                amountRef: BigInt(at),
                declined: false,
                card: "shared",
                customer: `c${at % 2}`
              }),
            { concurrency: "unbounded", discard: true }
          )
          const latest = (xs: ReadonlyArray<number>) => xs.slice(-10).map((at) => `p${at}`)
          const all = Array.from({ length: 80 }, (_, at) => at)
          expect((yield* stores[0]!.history("card", "shared")).map((e) => e.id)).toEqual(latest(all))
          for (const c of [0, 1]) {
            expect((yield* stores[1]!.history("customer", `c${c}`)).map((e) => e.id)).toEqual(
              latest(all.filter((at) => at % 2 === c))
            )
          }
        })
      )
    ))

  it("a velocity limit holds across processes: 20 assessments of one card at once on two pools under `block if velocity.card.count_1h >= 3` approve exactly 3; a retried one counts once", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const first = yield* Layer.build(layer(1000, 10))
          const schema = Context.get(first, Database.DatabaseInfo).schema
          const second = yield* Layer.build(
            VelocityStorePostgres.layer({ url: serverUrl!, schema, cap: 1000, maxConnections: 10 })
          )
          const ruleSet = RuleSet.makeUnsafe(Attributes.standard, {
            rules: [
              {
                id: "card_limit",
                description: "3 attempts per card an hour",
                action: "block",
                condition: "velocity.card.count_1h >= 3"
              }
            ]
          })
          const services = yield* Effect.forEach([first, second], (ctx, i) =>
            Risk.make({ ruleSet }).pipe(
              Effect.provideService(
                VelocityStore.VelocityStore,
                Context.get(ctx, VelocityStore.VelocityStore)
              ),
              Effect.provide(Ids.layerSeeded(i + 1))
            )
          )
          const assess = (i: number) =>
            services[i % 2]!.assess({
              payment: {
                id: `pay_${i}`,
                amount: { amount: "100", currency: "USD" },
                cardFingerprint: "fp_burst"
              }
            })
          const outcomes = yield* Effect.forEach(
            Array.from({ length: 20 }, (_, i) => i),
            (i) => Effect.map(assess(i), (a) => a.decision.outcome),
            { concurrency: "unbounded" }
          )
          expect(outcomes.filter((o) => o === "approve").length).toBe(3)
          expect(outcomes.filter((o) => o === "block").length).toBe(17)
          const store = Context.get(first, VelocityStore.VelocityStore)
          expect((yield* store.history("card", "fp_burst")).length).toBe(20)
          // a client retry of one of them: the same payment id is not a 21st attempt
          yield* assess(7)
          const history = yield* store.history("card", "fp_burst")
          expect(history.length).toBe(20)
          expect(history.filter((e) => e.blocked === true).length).toBe(17)
        })
      )
    ))
})
