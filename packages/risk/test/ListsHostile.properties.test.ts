import { Ids, InvalidInput, Notifier } from "@paykit/core"
import { test } from "@fast-check/vitest"
import { Effect, Exit } from "effect"
import * as fc from "fast-check"
import { describe, expect } from "vitest"
import { Attributes, ListStore, Risk, RuleSet, VelocityStore } from "../src/index.ts"

/**
 * Issue 17: the run-time list and snooze operations on hostile input. Random JSON (and
 * near-misses of the valid shapes) sent to `addToList`, `removeFromList` and `snooze` either
 * succeeds (when it happens to be valid) or fails with `InvalidInput` naming a field; it never
 * dies, and a refused call changes nothing: the store's snapshot is the one before it, and the
 * next valid call still works.
 */
const ruleSet = RuleSet.makeUnsafe(Attributes.standard, {
  rules: [
    {
      id: "blocked_email",
      description: "e-mail on the block list",
      action: "block",
      condition: "has(payment.email) && payment.email in lists.blocked_emails"
    }
  ]
})

const service = Effect.gen(function* () {
  const lists = yield* ListStore.makeMemory
  const risk = yield* Risk.make({ ruleSet, lists: { blocked_emails: [] } }).pipe(
    Effect.provideService(ListStore.ListStore, lists),
    Effect.provide(VelocityStore.layerMemory),
    Effect.provide(Notifier.layerNoop),
    Effect.provide(Ids.layerSeeded(3))
  )
  return { risk, lists }
})

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    "blocked_emails",
    "nope",
    "",
    "\u0000",
    "a".repeat(300),
    "fraud@example.com",
    "large_payment"
  )
)
/** Random JSON, and records that look like a change or a snooze with hostile fields. */
const hostile = fc.oneof(
  fc.jsonValue(),
  fc.anything(),
  fc.record(
    {
      list: fc.oneof(text, fc.jsonValue()),
      values: fc.oneof(fc.array(text, { maxLength: 5 }), fc.jsonValue())
    },
    { requiredKeys: [] }
  ),
  fc.record(
    {
      ruleId: fc.oneof(text, fc.jsonValue()),
      value: fc.oneof(text, fc.jsonValue()),
      until: fc.oneof(fc.integer(), fc.double(), fc.bigInt(), fc.jsonValue())
    },
    { requiredKeys: [] }
  )
)
const operation = fc.constantFrom("addToList", "removeFromList", "snooze") as fc.Arbitrary<
  "addToList" | "removeFromList" | "snooze"
>

describe("Risk list and snooze operations on hostile input", () => {
  test.prop([fc.array(fc.tuple(operation, hostile), { minLength: 1, maxLength: 8 })], { numRuns: 200 })(
    "succeed or fail with InvalidInput, never die; a refusal changes nothing; the next valid call works",
    (calls) =>
      Effect.runPromise(
        Effect.gen(function* () {
          const { risk, lists } = yield* service
          for (const [op, input] of calls) {
            const before = yield* lists.snapshot
            const exit = yield* Effect.exit(risk[op](input as never))
            if (Exit.isFailure(exit)) {
              const error = yield* Effect.flip(Effect.suspend(() => exit))
              expect(error).toBeInstanceOf(InvalidInput)
              expect((error as InvalidInput).reason.length).toBeGreaterThan(0)
              expect(yield* lists.snapshot).toEqual(before)
            }
          }
          yield* risk.addToList({ list: "blocked_emails", values: ["fraud@example.com"] })
          const decided = yield* risk.assess({
            payment: { id: "p1", amount: { amount: "100", currency: "USD" }, email: "fraud@example.com" }
          })
          expect(decided.decision.outcome).toBe("block")
        })
      )
  )
})
