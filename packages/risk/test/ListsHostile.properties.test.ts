import { type DomainEvent, Ids, InvalidInput, Notifier } from "@paykit/core"
import { test } from "@fast-check/vitest"
import { Effect, Exit, Schema } from "effect"
import * as fc from "fast-check"
import { describe, expect } from "vitest"
import { Attributes, Events, ListStore, Risk, RuleSet, VelocityStore } from "../src/index.ts"

/**
 * Issue 17: the run-time list and snooze operations on hostile input. Random JSON (and
 * near-misses of the valid shapes) sent to `addToList`, `removeFromList` and `snooze`, as the
 * change and as the actor, either succeeds (when it happens to be valid) or fails with
 * `InvalidInput` naming a field; it never dies, and a refused call changes nothing and emits
 * nothing: the store's snapshot is the one before it, no audit event is announced, and the next
 * valid call still works. An accepted call announces at most one audit event, which decodes with
 * `Events.Event` and names the actor given.
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
    Effect.provide(Ids.layerSeeded(3))
  )
  const recorded = yield* Notifier.RecordedEvents
  return { risk, lists, announced: recorded.all as Effect.Effect<ReadonlyArray<DomainEvent.DomainEvent>> }
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
/** Actors: valid ones, near-misses and random JSON. */
const actor = fc.oneof(
  fc.record({
    kind: fc.constantFrom("operator", "member", "service"),
    id: fc.string({ minLength: 1, maxLength: 20 })
  }),
  fc.record(
    { kind: fc.oneof(text, fc.jsonValue()), id: fc.oneof(text, fc.jsonValue()), extra: fc.jsonValue() },
    { requiredKeys: [] }
  ),
  fc.jsonValue(),
  fc.anything()
)
const operation = fc.constantFrom("addToList", "removeFromList", "snooze") as fc.Arbitrary<
  "addToList" | "removeFromList" | "snooze"
>

describe("Risk list and snooze operations on hostile input", () => {
  test.prop([fc.array(fc.tuple(operation, actor, hostile), { minLength: 1, maxLength: 8 })], {
    numRuns: 200
  })(
    "succeed or fail with InvalidInput, never die; a refusal changes nothing and emits nothing; the next valid call works",
    (calls) =>
      Effect.runPromise(
        Effect.gen(function* () {
          const { risk, lists, announced } = yield* service
          for (const [op, by, input] of calls) {
            const before = yield* lists.snapshot
            const eventsBefore = (yield* announced).length
            const exit = yield* Effect.exit(risk[op](by as never, input as never))
            const events = (yield* announced).slice(eventsBefore)
            if (Exit.isFailure(exit)) {
              const error = yield* Effect.flip(Effect.suspend(() => exit))
              expect(error).toBeInstanceOf(InvalidInput)
              expect((error as InvalidInput).reason.length).toBeGreaterThan(0)
              expect(yield* lists.snapshot).toEqual(before)
              expect(events).toEqual([])
            } else {
              expect(events.length).toBeLessThanOrEqual(1)
              for (const e of events) {
                const decoded = Schema.decodeUnknownSync(Events.Event)(e)
                const a = by as { kind: string; id: string }
                expect((decoded.data as { actor: unknown }).actor).toEqual({ kind: a.kind, id: a.id })
              }
            }
          }
          yield* risk.addToList(
            { kind: "operator", id: "analyst-7" },
            { list: "blocked_emails", values: ["fraud@example.com"] }
          )
          const decided = yield* risk.assess({
            payment: { id: "p1", amount: { amount: "100", currency: "USD" }, email: "fraud@example.com" }
          })
          expect(decided.decision.outcome).toBe("block")
        }).pipe(Effect.provide(Notifier.layerMemory))
      )
  )
})
