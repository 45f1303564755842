import { type DomainEvent, Ids, InvalidInput, Notifier } from "@paykit/core"
import { Clock, Effect, Schema } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { Attributes, Events, ListStore, Risk, RuleSet, VelocityStore } from "../src/index.ts"

/**
 * Issue 17: list and snooze changes emit audit events. Adding to or removing from a run-time list
 * and snoozing a rule carry the actor (decoded like the change) and emit `risk.list.values_added`,
 * `risk.list.values_removed` or `risk.rule.snoozed` with the change: on memory through the
 * `Notifier` right after it (on PostgreSQL in its transaction: `store-postgres/test/lists-audit.test.ts`).
 * The event names the list (or rule), exactly the values changed and the actor, never the list's
 * other entries; a refused change, or one that changes nothing, emits nothing.
 */
const ruleSet = RuleSet.makeUnsafe(Attributes.standard, {
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
const analyst = { kind: "operator", id: "analyst-7" } as const
const bot = { kind: "service", id: "chargeback-consumer" } as const

interface Harness {
  readonly risk: Risk.Risk["Service"]
  readonly lists: ListStore.ListStore["Service"]
  /** Every event the notifier received so far, decoded with `Events.Event`. */
  readonly events: Effect.Effect<ReadonlyArray<Events.Event>>
  /** The same, as the JSON a consumer receives. */
  readonly json: Effect.Effect<string>
}

/** A service over a memory `ListStore` (`provided`: given in context; else Risk's own), one notifier. */
const harness = <A, E>(body: (h: Harness) => Effect.Effect<A, E>, provided = true) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const recorded = yield* Notifier.RecordedEvents
      const lists = yield* ListStore.makeMemory
      const make = Risk.make({ ruleSet, lists: { blocked_emails: ["fixed@example.com"] } })
      const risk = yield* (
        provided ? make.pipe(Effect.provideService(ListStore.ListStore, lists)) : make
      ).pipe(Effect.provide(VelocityStore.layerMemory), Effect.provide(Ids.layerSeeded(7)))
      const all = recorded.all as Effect.Effect<ReadonlyArray<DomainEvent.DomainEvent>>
      const events = Effect.map(all, (es) => es.map((e) => Schema.decodeUnknownSync(Events.Event)(e)))
      return yield* body({ risk, lists, events, json: Effect.map(all, (es) => JSON.stringify(es)) })
    }).pipe(Effect.provide(Notifier.layerMemory), Effect.provide(TestClock.layer())) as Effect.Effect<A, E>
  )

describe("list and snooze changes emit audit events", () => {
  it("adding to a list emits risk.list.values_added: the list, exactly the values added, the actor, never the list's other entries", () =>
    harness(({ risk, events, json }) =>
      Effect.gen(function* () {
        yield* TestClock.adjust("1 hour")
        yield* risk.addToList(bot, { list: "blocked_emails", values: ["other-customer@example.com"] })
        const at = yield* Clock.currentTimeMillis
        yield* risk.addToList(analyst, {
          list: "blocked_emails",
          values: ["fraud@example.com", "other-customer@example.com", "fraud@example.com"]
        })
        const [first, second, ...rest] = yield* events
        expect(rest).toEqual([])
        expect(first).toMatchObject({
          type: "risk.list.values_added",
          subject: "blocked_emails",
          data: { list: "blocked_emails", values: ["other-customer@example.com"], actor: bot }
        })
        expect(second).toMatchObject({
          type: "risk.list.values_added",
          occurredAt: new Date(at).toISOString(),
          subject: "blocked_emails",
          data: { list: "blocked_emails", values: ["fraud@example.com"], actor: analyst }
        })
        expect(first!.id).not.toBe(second!.id)
        // the second event names only its own change: not the entry another actor added, not the
        // list's fixed entries
        expect(JSON.stringify(second)).not.toContain("other-customer@example.com")
        expect(yield* json).not.toContain("fixed@example.com")
        expect(
          (yield* risk.assess({
            payment: { id: "p1", amount: { amount: "100", currency: "USD" }, email: "fraud@example.com" }
          })).decision.outcome
        ).toBe("block")
      })
    ))

  it("removing from a list emits risk.list.values_removed with exactly the values removed", () =>
    harness(({ risk, events }) =>
      Effect.gen(function* () {
        yield* risk.addToList(analyst, { list: "blocked_emails", values: ["a@example.com", "b@example.com"] })
        yield* risk.removeFromList(bot, {
          list: "blocked_emails",
          values: ["b@example.com", "never-there@example.com", "fixed@example.com"]
        })
        const all = yield* events
        expect(all.map((e) => e.type)).toEqual(["risk.list.values_added", "risk.list.values_removed"])
        expect(all[1]!.data).toEqual({ list: "blocked_emails", values: ["b@example.com"], actor: bot })
      })
    ))

  it("a snooze emits risk.rule.snoozed: the rule, the pivot value, until and the actor", () =>
    harness(({ risk, events }) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        yield* risk.snooze(analyst, { ruleId: "large_payment", value: "cus_1", until: now + 60_000 })
        yield* risk.snooze(bot, { ruleId: "large_payment", value: "cus_1", until: now + 120_000 })
        const all = yield* events
        const iso = new Date(now).toISOString()
        expect(all.map((e) => [e.type, e.subject, e.occurredAt])).toEqual([
          ["risk.rule.snoozed", "large_payment", iso],
          ["risk.rule.snoozed", "large_payment", iso]
        ])
        expect(all.map((e) => e.data)).toEqual([
          { ruleId: "large_payment", value: "cus_1", until: now + 60_000, actor: analyst },
          { ruleId: "large_payment", value: "cus_1", until: now + 120_000, actor: bot }
        ])
      })
    ))

  it("a change that changes nothing emits nothing", () =>
    harness(({ risk, lists, events }) =>
      Effect.gen(function* () {
        yield* risk.addToList(analyst, { list: "blocked_emails", values: ["a@example.com"] })
        const version = yield* lists.version
        yield* risk.addToList(analyst, { list: "blocked_emails", values: ["a@example.com"] })
        yield* risk.removeFromList(analyst, { list: "blocked_ips", values: ["10.0.0.1"] })
        // a value given in Config.lists is not a run-time value: removing it changes nothing
        yield* risk.removeFromList(analyst, { list: "blocked_emails", values: ["fixed@example.com"] })
        expect(yield* lists.version).toBe(version)
        expect((yield* events).length).toBe(1)
      })
    ))

  it("a refused change emits nothing and changes nothing: a bad actor is InvalidInput naming actor…", () =>
    harness(({ risk, lists, events }) =>
      Effect.gen(function* () {
        const before = yield* lists.snapshot
        const change = { list: "blocked_emails", values: ["fraud@example.com"] }
        const actors: ReadonlyArray<[unknown, string]> = [
          [undefined, "actor"],
          [null, "actor"],
          ["analyst-7", "actor"],
          [{ kind: "admin", id: "x" }, "actor.kind"],
          [{ kind: "operator" }, "actor.id"],
          [{ kind: "operator", id: "" }, "actor.id"],
          [{ kind: "member", id: "x".repeat(101) }, "actor.id"],
          [{ kind: "service", id: 7 }, "actor.id"],
          [{ kind: "operator", id: "a", role: "admin" }, "actor.role"]
        ]
        for (const [actor, path] of actors) {
          for (const call of [
            risk.addToList(actor as never, change),
            risk.removeFromList(actor as never, change),
            risk.snooze(actor as never, { ruleId: "large_payment", value: "cus_1", until: 1 })
          ]) {
            const error = yield* Effect.flip(call)
            expect(error).toBeInstanceOf(InvalidInput)
            expect((error as InvalidInput).path.startsWith(path.split(".")[0]!)).toBe(true)
            if (path !== "actor") expect((error as InvalidInput).path).toBe(path)
          }
        }
        // a valid actor with a bad change
        for (const call of [
          risk.addToList(analyst, { list: "no_such_list", values: ["x"] }),
          risk.addToList(analyst, { list: "blocked_emails", values: [] }),
          risk.removeFromList(analyst, { list: "blocked_emails", values: ["x".repeat(321)] }),
          risk.snooze(analyst, { ruleId: "nope", value: "cus_1", until: 1 }),
          risk.snooze(analyst, { ruleId: "blocked_email", value: "cus_1", until: 1 }),
          risk.snooze(analyst, { ruleId: "large_payment", value: "cus_1", until: -1 })
        ]) {
          expect(yield* Effect.flip(call)).toBeInstanceOf(InvalidInput)
        }
        expect(yield* lists.snapshot).toEqual(before)
        expect(yield* events).toEqual([])
        // and the next valid change works and is announced
        yield* risk.addToList(analyst, change)
        expect((yield* events).map((e) => e.data)).toEqual([{ ...change, actor: analyst }])
      })
    ))

  it("without a ListStore in context, the service's own memory store announces through the Notifier in context", () =>
    harness(
      ({ risk, events }) =>
        Effect.gen(function* () {
          yield* risk.addToList(analyst, { list: "blocked_emails", values: ["fraud@example.com"] })
          expect((yield* events).map((e) => e.type)).toEqual(["risk.list.values_added"])
        }),
      false
    ))

  it("every audit event decodes with Events.Event; wrong data is refused naming the field", () => {
    const event = Events.listChanged(
      "added",
      "01J0000000000000000000000A",
      0,
      "blocked_ips",
      ["10.0.0.1"],
      analyst
    )
    expect(Schema.decodeUnknownSync(Events.Event)(event)).toEqual(event)
    const noActor = { ...event, data: { list: "blocked_ips", values: ["10.0.0.1"] } }
    expect(() => Schema.decodeUnknownSync(Events.Event)(noActor)).toThrow(/actor/)
    const snoozed = Events.snoozed(
      "01J0000000000000000000000B",
      0,
      { ruleId: "r", value: "v", until: 5 },
      bot
    )
    expect(Schema.decodeUnknownSync(Events.Event)(snoozed)).toEqual(snoozed)
  })
})
