import { type Client, InvalidInput, Notifier, Ids } from "@paykit/core"
import { Effect, Layer } from "effect"
import { describe, expect, expectTypeOf, it } from "vitest"
import { Attributes, Risk, RuleSet, VelocityStore } from "../src/index.ts"

/**
 * Inputs are typed as the schemas' encoded (JSON) shapes, so a mistyped call is a compile error:
 * this file is compiled by `tsc --noEmit -p packages/risk`, and each `@ts-expect-error` fails the
 * compilation if the line under it compiles. At run time the same calls (plain JavaScript, JSON
 * from the wire) still get `InvalidInput` naming the field, and change nothing.
 */
const ruleSet = RuleSet.makeUnsafe(Attributes.standard, {
  rules: [
    {
      id: "large_payment",
      description: "A large payment",
      action: "review",
      condition: "payment.amount_ref >= 100000",
      pivot: "payment.customer_id"
    }
  ]
})
const layer = () =>
  Risk.layer({ ruleSet }).pipe(
    Layer.provide([VelocityStore.layerMemory, Ids.layer]),
    Layer.provide(Notifier.layerMemory)
  )
const amount = { amount: "1250", currency: "USD" } as const
const analyst: Risk.ActorInput = { kind: "operator", id: "analyst-7" }
/** What a promise rejects with. */
const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e
  )

describe("typed inputs", () => {
  it("the service's methods take the encoded inputs; mistyped ones do not compile and are InvalidInput", async () => {
    const errors = await Effect.runPromise(
      Effect.gen(function* () {
        const risk = yield* Risk.Risk
        return [
          // @ts-expect-error an amount is { amount, currency } in minor units, not a number
          yield* Effect.flip(risk.assess({ payment: { id: "p1", amount: 1250 } })),
          // @ts-expect-error a misspelt field of the payment ("cardCountyr")
          yield* Effect.flip(risk.assess({ payment: { id: "p1", amount, cardCountyr: "US" } })),
          // @ts-expect-error declined is a boolean
          yield* Effect.flip(risk.record({ id: "p1", at: 0, amountRef: "1250", declined: "yes" })),
          yield* Effect.flip(
            // @ts-expect-error values is a list of strings
            risk.addToList(analyst, { list: "blocked_emails", values: "fraud@example.com" })
          ),
          yield* Effect.flip(
            // @ts-expect-error removeFromList names the list, not the listName
            risk.removeFromList(analyst, { listName: "blocked_emails", values: ["x@example.com"] })
          ),
          yield* Effect.flip(
            // @ts-expect-error until is epoch milliseconds, not a date
            risk.snooze(analyst, { ruleId: "large_payment", value: "cus_1", until: new Date(0) })
          )
        ]
      }).pipe(Effect.provide(layer()))
    )
    expect(errors.map((e) => e._tag)).toEqual(Array(6).fill("InvalidInput"))
    expect(errors.map((e) => (e as InvalidInput).path)).toEqual([
      "payment.amount",
      "payment.cardCountyr",
      "declined",
      "values",
      "listName",
      "until"
    ])
  })

  it("the Promise client has the same typed inputs, and rejects a mistyped call with InvalidInput", async () => {
    await using risk = Risk.client(layer())
    expectTypeOf(risk.assess).parameter(0).toEqualTypeOf<Risk.AssessInput>()
    expectTypeOf(risk.record).parameter(0).toEqualTypeOf<Risk.RecordInput>()
    expectTypeOf(risk.addToList).parameter(0).toEqualTypeOf<Risk.ActorInput>()
    expectTypeOf(risk.addToList).parameter(1).toEqualTypeOf<Risk.ListChangeInput>()
    expectTypeOf(risk.removeFromList).parameter(1).toEqualTypeOf<Risk.ListChangeInput>()
    expectTypeOf(risk.snooze).parameter(0).toEqualTypeOf<Risk.ActorInput>()
    expectTypeOf(risk.snooze).parameter(1).toEqualTypeOf<Risk.SnoozeInput>()
    expectTypeOf(risk.assess).returns.toEqualTypeOf<Promise<Risk.Assessment>>()
    expectTypeOf<Client.Rejection<Risk.Risk["Service"]["addToList"]>>().toEqualTypeOf<
      InvalidInput | import("../src/index.ts").ListStoreUnavailable
    >()
    // @ts-expect-error the payment is required
    const noPayment = await rejection(risk.assess({ customer: { accountAgeDays: 3 } }))
    expect((noPayment as InvalidInput).path).toBe("payment")
    const age = await rejection(
      // @ts-expect-error accountAgeDays is a number
      risk.assess({ payment: { id: "p1", amount }, customer: { accountAgeDays: "3" } })
    )
    expect((age as InvalidInput).path).toBe("customer.accountAgeDays")
    // hostile input through a cast: the same typed error, and the next valid call works
    const hostile = await risk.assess(null as never).catch((e: unknown) => e)
    expect(hostile).toBeInstanceOf(InvalidInput)
    const { decision } = await risk.assess({ payment: { id: "p2", amount, customerId: "cus_1" } })
    expect(decision.outcome).toBe("approve")
    await risk.snooze(analyst, { ruleId: "large_payment", value: "cus_1", until: Number.MAX_SAFE_INTEGER })
    // @ts-expect-error an actor is { kind, id }, not a bare id
    const bareActor = await rejection(risk.addToList("analyst-7", { list: "blocked_emails", values: ["x"] }))
    expect((bareActor as InvalidInput).path).toBe("actor")
  })
})
