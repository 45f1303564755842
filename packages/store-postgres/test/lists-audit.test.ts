import { type DomainEvent, Ids, InvalidInput, Notifier } from "@paykit/core"
import { Attributes, Events, ListStore, Risk, RuleSet, VelocityStore } from "@paykit/risk"
import { Clock, Effect, Exit, type Layer, Schema } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import * as ListStorePostgres from "../src/risk/ListStorePostgres.ts"
import { TestStores } from "../src/testing/index.ts"
import { serverUrl } from "./support/env.ts"

/**
 * Issue 17: list and snooze changes emit audit events, on PostgreSQL in the change's own
 * transaction. Through the `Risk` service over `ListStorePostgres`: each change that changes
 * something leaves exactly one outbox row holding its event (`risk.list.values_added`,
 * `risk.list.values_removed`, `risk.rule.snoozed`: the list or rule, exactly the values changed,
 * the actor, never the list's other entries); a change that changes nothing and a refused change
 * (a bad actor, an undeclared list) leave none; and a change inside a caller's transaction that
 * rolls back leaves neither the change nor its event. On PGlite always, on PostgreSQL when
 * `PAYKIT_TEST_DATABASE_URL` is set.
 */
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
const analyst = { kind: "operator", id: "analyst-7" } as const
const bot = { kind: "service", id: "chargeback-consumer" } as const

/** Every event in the outbox of the current schema, in `seq` order, with its row. */
const outbox = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.map(
    sql<{ seq: string; events: string }>`SELECT seq::text AS seq, events::text AS events
      FROM paykit_outbox ORDER BY seq`,
    (rows) =>
      rows.flatMap((r) =>
        (JSON.parse(r.events) as ReadonlyArray<DomainEvent.DomainEvent>).map((e) => ({
          row: r.seq,
          event: e
        }))
      )
  )
)

const suite = (
  name: string,
  layer: () => Layer.Layer<ListStore.ListStore | SqlClient.SqlClient, unknown>
) => {
  const run = <A, E>(
    body: (risk: Risk.Risk["Service"]) => Effect.Effect<A, E, ListStore.ListStore | SqlClient.SqlClient>
  ) =>
    Effect.runPromise(
      Effect.gen(function* () {
        const risk = yield* Risk.make({ ruleSet, lists: { blocked_ips: ["198.51.100.1"] } }).pipe(
          Effect.provide(VelocityStore.layerMemory),
          Effect.provide(Notifier.layerNoop),
          Effect.provide(Ids.layerSeeded(11))
        )
        return yield* body(risk)
      }).pipe(Effect.provide(layer()), Effect.provide(TestClock.layer())) as Effect.Effect<A, E>
    )

  describe(`list and snooze changes emit audit events: ${name}`, () => {
    it(
      "each change that changes something stores exactly its event in the outbox, in its transaction: the list, the values changed, the actor",
      {
        timeout: 120_000
      },
      () =>
        run((risk) =>
          Effect.gen(function* () {
            yield* TestClock.adjust("1 hour")
            const at = yield* Clock.currentTimeMillis
            yield* risk.addToList(bot, { list: "blocked_ips", values: ["203.0.113.1"] })
            yield* risk.addToList(analyst, { list: "blocked_ips", values: ["203.0.113.9", "203.0.113.1"] })
            yield* risk.removeFromList(analyst, {
              list: "blocked_ips",
              values: ["203.0.113.1", "192.0.2.200", "198.51.100.1"]
            })
            yield* risk.snooze(bot, { ruleId: "large_payment", value: "cus_1", until: at + 60_000 })
            const stored = yield* outbox
            // one outbox row per change
            expect(new Set(stored.map((s) => s.row)).size).toBe(4)
            const events = stored.map((s) => Schema.decodeUnknownSync(Events.Event)(s.event))
            expect(events.map((e) => [e.type, e.subject, e.occurredAt])).toEqual([
              ["risk.list.values_added", "blocked_ips", new Date(at).toISOString()],
              ["risk.list.values_added", "blocked_ips", new Date(at).toISOString()],
              ["risk.list.values_removed", "blocked_ips", new Date(at).toISOString()],
              ["risk.rule.snoozed", "large_payment", new Date(at).toISOString()]
            ])
            expect(events.map((e) => e.data)).toEqual([
              { list: "blocked_ips", values: ["203.0.113.1"], actor: bot },
              { list: "blocked_ips", values: ["203.0.113.9"], actor: analyst },
              { list: "blocked_ips", values: ["203.0.113.1"], actor: analyst },
              { ruleId: "large_payment", value: "cus_1", until: at + 60_000, actor: bot }
            ])
            // never the list's other entries: the fixed one, nor the one another change added
            expect(JSON.stringify(events[1])).not.toContain("203.0.113.1")
            expect(JSON.stringify(events)).not.toContain("198.51.100.1")
            expect(new Set(events.map((e) => e.id)).size).toBe(4)
          })
        )
    )

    it(
      "a change that changes nothing, and a refused change, store no event and change nothing",
      {
        timeout: 120_000
      },
      () =>
        run((risk) =>
          Effect.gen(function* () {
            const lists = yield* ListStore.ListStore
            yield* risk.addToList(analyst, { list: "blocked_ips", values: ["203.0.113.9"] })
            const before = yield* lists.snapshot
            // nothing to change
            yield* risk.addToList(analyst, { list: "blocked_ips", values: ["203.0.113.9"] })
            yield* risk.removeFromList(analyst, { list: "blocked_ips", values: ["192.0.2.200"] })
            yield* risk.removeFromList(analyst, { list: "blocked_emails", values: ["x@example.com"] })
            // refused
            for (const call of [
              risk.addToList({ kind: "admin", id: "x" } as never, {
                list: "blocked_ips",
                values: ["10.0.0.1"]
              }),
              risk.addToList(undefined as never, { list: "blocked_ips", values: ["10.0.0.1"] }),
              risk.removeFromList(
                { kind: "operator", id: "" },
                { list: "blocked_ips", values: ["203.0.113.9"] }
              ),
              risk.snooze({ kind: "member" } as never, { ruleId: "large_payment", value: "cus_1", until: 1 }),
              risk.addToList(analyst, { list: "planets", values: ["Mars"] }),
              risk.snooze(analyst, { ruleId: "blocked_ip", value: "cus_1", until: 1 })
            ]) {
              expect(yield* Effect.flip(call)).toBeInstanceOf(InvalidInput)
            }
            expect(yield* lists.snapshot).toEqual(before)
            expect((yield* outbox).length).toBe(1)
          })
        )
    )

    it(
      "a change inside a caller's transaction that rolls back leaves neither the change nor its event",
      {
        timeout: 120_000
      },
      () =>
        run((risk) =>
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            const lists = yield* ListStore.ListStore
            const before = yield* lists.snapshot
            const exit = yield* Effect.exit(
              sql.withTransaction(
                Effect.andThen(
                  risk.addToList(analyst, { list: "blocked_ips", values: ["203.0.113.9"] }),
                  Effect.fail("the caller's transaction fails after the change" as const)
                )
              )
            )
            expect(Exit.isFailure(exit)).toBe(true)
            expect(yield* lists.snapshot).toEqual(before)
            expect(yield* outbox).toEqual([])
            // and the same change outside commits with its event
            yield* risk.addToList(analyst, { list: "blocked_ips", values: ["203.0.113.9"] })
            expect((yield* outbox).map((s) => s.event.type)).toEqual(["risk.list.values_added"])
          })
        )
    )

    it(
      "an audit that fails inside the store's transaction leaves neither the change nor an event",
      {
        timeout: 120_000
      },
      () =>
        run(() =>
          Effect.gen(function* () {
            const lists = yield* ListStore.ListStore
            const before = yield* lists.snapshot
            const exit = yield* Effect.exit(
              lists.add("blocked_ips", ["203.0.113.9"], () => Effect.die(new Error("no ids today")))
            )
            expect(Exit.isFailure(exit)).toBe(true)
            expect(yield* lists.snapshot).toEqual(before)
            expect(yield* outbox).toEqual([])
          })
        )
    )
  })
}

suite("PGlite", () =>
  TestStores.pgliteSharedWith("lists_audit", (schema) => ListStorePostgres.layerClient({ schema })))

describe.skipIf(serverUrl === undefined)("on a PostgreSQL server", () => {
  suite("PostgreSQL", () =>
    TestStores.serverWith(serverUrl!, "lists_audit", (config) => ListStorePostgres.layer(config)))
})
