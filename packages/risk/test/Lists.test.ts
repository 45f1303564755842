import { Ids, Notifier } from "@paykit/core"
import { ListStore, Risk, RuleSet, Attributes, VelocityStore } from "@paykit/risk"
import { ListStoreContract } from "@paykit/risk/testing"
import { Clock, Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"

ListStoreContract.suite("memory", ListStore.layerMemory.pipe(Layer.provide(Notifier.layerNoop)))

/** Issue 17: lists and snoozes change at run time without rebuilding the service. */
const catalog = Attributes.standard
const ruleSet = RuleSet.makeUnsafe(catalog, {
  rules: [
    {
      id: "blocked_email",
      description: "e-mail on the block list",
      action: "block",
      condition: "has(payment.email) && payment.email in lists.blocked_emails"
    },
    {
      id: "large_payment",
      description: "large payment",
      action: "review",
      condition: "payment.amount_ref > 100000",
      pivot: "payment.customer_id"
    }
  ]
})
const payment = (id: string, extra: Record<string, unknown> = {}) => ({
  payment: { id, amount: { amount: "100", currency: "USD" }, customerId: "cus_1", ...extra }
})

const analyst = { kind: "operator", id: "analyst-7" } as const

/** Two service instances over one list store (as two processes over one database). */
const twoInstances = <A, E>(
  body: (a: Risk.Risk["Service"], b: Risk.Risk["Service"]) => Effect.Effect<A, E>,
  config: Partial<Risk.Config> = {}
) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const lists = yield* ListStore.makeMemory.pipe(Effect.provide(Notifier.layerNoop))
      const instance = (seed: number) =>
        Risk.make({ ruleSet, lists: { blocked_emails: ["fixed@example.com"] }, ...config }).pipe(
          Effect.provideService(ListStore.ListStore, lists),
          Effect.provide(VelocityStore.layerMemory),
          Effect.provide(Notifier.layerNoop),
          Effect.provide(Ids.layerSeeded(seed))
        )
      const a = yield* instance(1)
      const b = yield* instance(2)
      return yield* body(a, b)
    }).pipe(Effect.provide(TestClock.layer())) as Effect.Effect<A, E>
  )

describe("lists and snoozes change at run time", () => {
  it("a value added to a block list blocks the next payment at once; removed, it no longer does; fixed values stay", () =>
    twoInstances((risk) =>
      Effect.gen(function* () {
        const email = { email: "fraud@example.com" }
        expect((yield* risk.assess(payment("p1", email))).decision.outcome).toBe("approve")
        yield* risk.addToList(analyst, { list: "blocked_emails", values: ["fraud@example.com"] })
        expect((yield* risk.assess(payment("p2", email))).decision.outcome).toBe("block")
        yield* risk.removeFromList(analyst, {
          list: "blocked_emails",
          values: ["fraud@example.com", "fixed@example.com"]
        })
        expect((yield* risk.assess(payment("p3", email))).decision.outcome).toBe("approve")
        // a value given in Config.lists is not a run-time value: it stays
        const fixed = yield* risk.assess(payment("p4", { email: "fixed@example.com" }))
        expect(fixed.decision.outcome).toBe("block")
      })
    ))

  it("a change made through one instance applies to another within listsRefresh", () =>
    twoInstances(
      (a, b) =>
        Effect.gen(function* () {
          const email = { email: "fraud@example.com" }
          expect((yield* b.assess(payment("p1", email))).decision.outcome).toBe("approve")
          yield* a.addToList(analyst, { list: "blocked_emails", values: ["fraud@example.com"] })
          // b checked less than listsRefresh ago: it still has its lists
          expect((yield* b.assess(payment("p2", email))).decision.outcome).toBe("approve")
          yield* TestClock.adjust("2 seconds")
          expect((yield* b.assess(payment("p3", email))).decision.outcome).toBe("block")
        }),
      { listsRefresh: "2 seconds" }
    ))

  it("a snooze at run time skips the rule for that pivot value until its time", () =>
    twoInstances((risk) =>
      Effect.gen(function* () {
        const big = { amount: { amount: "500000", currency: "USD" } }
        expect((yield* risk.assess(payment("p1", big))).decision.outcome).toBe("review")
        const now = yield* Clock.currentTimeMillis
        yield* risk.snooze(analyst, { ruleId: "large_payment", value: "cus_1", until: now + 60_000 })
        const snoozed = yield* risk.assess(payment("p2", big))
        expect(snoozed.decision.outcome).toBe("approve")
        expect(snoozed.decision.snoozed).toEqual(["large_payment"])
        // another customer is not snoozed
        const other = yield* risk.assess({ payment: { ...payment("p3", big).payment, customerId: "cus_2" } })
        expect(other.decision.outcome).toBe("review")
        yield* TestClock.adjust("61 seconds")
        expect((yield* risk.assess(payment("p4", big))).decision.outcome).toBe("review")
      })
    ))

  it("bad changes are InvalidInput naming the field and change nothing", () =>
    twoInstances((risk) =>
      Effect.gen(function* () {
        const undeclared = yield* Effect.flip(
          risk.addToList(analyst, { list: "no_such_list", values: ["x"] })
        )
        expect(undeclared).toMatchObject({ _tag: "InvalidInput", path: "list" })
        const empty = yield* Effect.flip(risk.addToList(analyst, { list: "blocked_emails", values: [] }))
        expect(empty).toMatchObject({ _tag: "InvalidInput", path: "values" })
        const long = yield* Effect.flip(
          risk.addToList(analyst, { list: "blocked_emails", values: ["x".repeat(321)] })
        )
        expect(long).toMatchObject({ _tag: "InvalidInput", path: "values[0]" })
        const unknownRule = yield* Effect.flip(
          risk.snooze(analyst, { ruleId: "nope", value: "cus_1", until: 1 })
        )
        expect(unknownRule).toMatchObject({ _tag: "InvalidInput", path: "ruleId" })
        const noPivot = yield* Effect.flip(
          risk.snooze(analyst, { ruleId: "blocked_email", value: "cus_1", until: 1 })
        )
        expect(noPivot).toMatchObject({ _tag: "InvalidInput", path: "ruleId" })
        expect((yield* risk.assess(payment("p1", { email: "x@example.com" }))).decision.outcome).toBe(
          "approve"
        )
      })
    ))
})
