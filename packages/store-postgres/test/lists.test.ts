import { Ids, Notifier } from "@paykit/core"
import { Attributes, ListStore, Risk, RuleSet, VelocityStore } from "@paykit/risk"
import { ListStoreContract } from "@paykit/risk/testing"
import { Clock, Context, Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import * as Database from "../src/Database.ts"
import * as ListStorePostgres from "../src/risk/ListStorePostgres.ts"
import { TestStores } from "../src/testing/index.ts"
import { serverUrl } from "./support/env.ts"

const analyst = { kind: "operator", id: "analyst-7" } as const

ListStoreContract.suite(
  "PGlite",
  TestStores.pgliteSharedWith("lists", (schema) => ListStorePostgres.layerClient({ schema })),
  { runs: 10, timeout: 120_000 }
)

describe.skipIf(serverUrl === undefined)("ListStorePostgres on a PostgreSQL server", () => {
  const layer = TestStores.serverWith(serverUrl!, "lists", (config) => ListStorePostgres.layer(config))
  ListStoreContract.suite("PostgreSQL", layer, { runs: 10, timeout: 120_000 })

  it("two service instances on two pools: a value blocked through one blocks on the other after listsRefresh; a snooze too", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const first = yield* Layer.build(layer)
          const schema = Context.get(first, Database.DatabaseInfo).schema
          const second = yield* Layer.build(ListStorePostgres.layer({ url: serverUrl!, schema }))
          const ruleSet = RuleSet.makeUnsafe(Attributes.standard, {
            rules: [
              {
                id: "blocked_ip",
                description: "IP on the block list",
                action: "block",
                condition: "has(payment.ip) && payment.ip in lists.blocked_ips"
              },
              {
                id: "large_payment",
                description: "large",
                action: "review",
                condition: "payment.amount_ref > 100000",
                pivot: "payment.customer_id"
              }
            ]
          })
          const [a, b] = yield* Effect.forEach([first, second], (ctx, i) =>
            Risk.make({ ruleSet }).pipe(
              Effect.provideService(ListStore.ListStore, Context.get(ctx, ListStore.ListStore)),
              Effect.provide(VelocityStore.layerMemory),
              Effect.provide(Notifier.layerNoop),
              Effect.provide(Ids.layerSeeded(i + 1))
            )
          )
          const pay = (id: string, amount = "100") => ({
            payment: { id, amount: { amount, currency: "USD" }, customerId: "cus_1", ip: "203.0.113.9" }
          })
          expect((yield* b!.assess(pay("p1"))).decision.outcome).toBe("approve")
          yield* a!.addToList(analyst, { list: "blocked_ips", values: ["203.0.113.9"] })
          expect((yield* a!.assess(pay("p2"))).decision.outcome).toBe("block")
          yield* TestClock.adjust("1 second")
          expect((yield* b!.assess(pay("p3"))).decision.outcome).toBe("block")
          yield* a!.removeFromList(analyst, { list: "blocked_ips", values: ["203.0.113.9"] })
          const now = yield* Clock.currentTimeMillis
          yield* a!.snooze(analyst, { ruleId: "large_payment", value: "cus_1", until: now + 60_000 })
          yield* TestClock.adjust("1 second")
          const after = yield* b!.assess(pay("p4", "500000"))
          expect(after.decision.outcome).toBe("approve")
          expect(after.decision.snoozed).toEqual(["large_payment"])
        }).pipe(Effect.provide(TestClock.layer()))
      )
    ))
})
