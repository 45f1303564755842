import { Ids } from "@paykit/core"
import { Tracing } from "@paykit/core/testing"
import { Attributes, Risk, RuleSet, VelocityStore } from "@paykit/risk"
import { VelocityStoreContract } from "@paykit/risk/testing"
import { Effect, Exit, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import { TestStores } from "../src/testing/index.ts"
import * as VelocityStorePostgres from "../src/risk/VelocityStorePostgres.ts"

// One PGlite for the whole file; every store (and every property run) gets a fresh schema on it.
const layer = (cap: number) =>
  TestStores.pgliteSharedWith("vel", (schema) => VelocityStorePostgres.layerClient({ schema, cap }))

// A small cap so the model-based property exercises trimming on almost every key.
VelocityStoreContract.suite("PGlite, cap 5", layer(5), { runs: 15, timeout: 120_000 })

const run = <A, E>(effect: Effect.Effect<A, E, VelocityStore.VelocityStore | SqlClient.SqlClient>, cap = 5) =>
  Effect.runPromise(Effect.provide(effect, layer(cap)) as Effect.Effect<A, E>)

describe("VelocityStorePostgres on PGlite", () => {
  it("events read back exactly: bigint amounts beyond 2^53, optional keys only when present", () =>
    run(
      Effect.gen(function* () {
        const store = yield* VelocityStore.VelocityStore
        const sql = yield* SqlClient.SqlClient
        const event = {
          id: "p1",
          at: 1_700_000_000_123,
          amountRef: 2n ** 100n + 1n,
          declined: true,
          card: "fp_1",
          email: "h-mail",
          ipCountry: "FR"
        }
        yield* store.record(event)
        expect(yield* store.history("card", "fp_1")).toEqual([event])
        expect(yield* store.history("email", "h-mail")).toEqual([event])
        const [row] = yield* sql<{ n: number; amount: string }>`SELECT count(*)::int AS n,
            min(amount_ref)::text AS amount FROM paykit_risk_velocity`
        expect(row).toEqual({ n: 2, amount: (2n ** 100n + 1n).toString() })
      })
    ))

  it("an event older than all of a full key's history is dropped; a tie with the oldest is kept", () =>
    run(
      Effect.gen(function* () {
        const store = yield* VelocityStore.VelocityStore
        for (let i = 1; i <= 5; i++)
          yield* store.record({ id: `p${i}`, at: i * 10, amountRef: 1n, declined: false, ip: "x" })
        yield* store.record({ id: "old", at: 5, amountRef: 1n, declined: false, ip: "x" })
        expect((yield* store.history("ip", "x")).map((e) => e.id)).toEqual(["p1", "p2", "p3", "p4", "p5"])
        yield* store.record({ id: "tie", at: 10, amountRef: 1n, declined: false, ip: "x" })
        expect((yield* store.history("ip", "x")).map((e) => e.id)).toEqual(["tie", "p2", "p3", "p4", "p5"])
      })
    ))

  it("a bad cap is InvalidStoreConfig at start-up; a database failure is VelocityStoreUnavailable", async () => {
    const exit = await Effect.runPromiseExit(
      Effect.provide(
        Effect.gen(function* () {
          return yield* VelocityStore.VelocityStore
        }),
        layer(0)
      ) as Effect.Effect<unknown, unknown>
    )
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("InvalidStoreConfig")
    await run(
      Effect.gen(function* () {
        const store = yield* VelocityStore.VelocityStore
        const sql = yield* SqlClient.SqlClient
        yield* sql`DROP TABLE paykit_risk_velocity`
        const error = yield* Effect.flip(store.history("card", "x"))
        expect(error._tag).toBe("VelocityStoreUnavailable")
      })
    )
  })

  it("an assessment is four round trips: BEGIN, one statement that locks and reads, one that records (with its alerts), COMMIT", async () => {
    const ruleSet = RuleSet.makeUnsafe(Attributes.standard, {
      rules: [
        {
          id: "watch",
          description: "every payment alerts",
          action: "review",
          alert: true,
          condition: "velocity.card.count_1h >= 0 && velocity.ip.count_24h >= 0"
        }
      ]
    })
    const { spans, tracer } = Tracing.recording()
    const payment = (id: string) => ({
      payment: {
        id,
        amount: { amount: "100", currency: "USD" },
        customerId: "cus_1",
        cardFingerprint: "fp_1",
        ip: "198.51.100.1",
        deviceId: "dev_1",
        email: "a@example.com"
      }
    })
    const alerts = await Effect.runPromise(
      Effect.gen(function* () {
        const risk = yield* Risk.Risk
        const sql = yield* SqlClient.SqlClient
        yield* risk.assess(payment("p0"))
        spans.length = 0
        yield* Effect.withTracer(risk.assess(payment("p1")), tracer)
        const [row] = yield* sql<{ n: number }>`SELECT coalesce(sum(count), 0)::int AS n FROM paykit_outbox`
        return row?.n
      }).pipe(
        Effect.provide(Risk.layer({ ruleSet }).pipe(Layer.provideMerge(layer(5)), Layer.provide(Ids.layer)))
      ) as Effect.Effect<number | undefined>
    )
    expect(alerts).toBe(2)
    const transactions = spans.filter((s) => s.name === "sql.transaction")
    const statements = spans.filter((s) => s.attributes.has("db.query.text"))
    expect(transactions.length).toBe(1)
    expect(
      statements.map((s) => String(s.attributes.get("db.query.text")).match(/paykit_risk_velocity_\w+/)?.[0])
    ).toEqual(["paykit_risk_velocity_lock_read", "paykit_risk_velocity_record"])
  })

  it("hostile keys and ids: a NUL or a lone surrogate is VelocityStoreUnavailable with nothing written (never two keys made one); other odd text is stored exactly; the next call works", () =>
    run(
      Effect.gen(function* () {
        const store = yield* VelocityStore.VelocityStore
        const sql = yield* SqlClient.SqlClient
        const rows = () =>
          Effect.map(sql<{ n: number }>`SELECT count(*)::int AS n FROM paykit_risk_velocity`, (r) => r[0]?.n)
        const event = (id: string, card: string) => ({ id, at: 1, amountRef: 1n, declined: false, card })
        for (const [id, card] of [
          ["p1", "a\u0000b"],
          ["p1", "\ud800x"],
          ["p1", "x\udc00"],
          ["p\u0000", "fp_1"],
          ["\udbff", "fp_1"]
        ] as const) {
          const recorded = yield* Effect.flip(store.record(event(id, card)))
          expect(recorded._tag).toBe("VelocityStoreUnavailable")
          const assessed = yield* Effect.flip(
            store.assess({ card }, ["card"], () =>
              Effect.succeed({ event: event(id, card), events: [], value: 1 })
            )
          )
          expect(assessed._tag).toBe("VelocityStoreUnavailable")
          expect(yield* rows()).toBe(0)
        }
        // a decide that returns an unstorable event: refused inside the transaction, nothing kept
        const late = yield* Effect.flip(
          store.assess({ card: "fp_1" }, ["card"], () =>
            Effect.succeed({ event: event("p1", "\ud800"), events: [], value: 1 })
          )
        )
        expect(late._tag).toBe("VelocityStoreUnavailable")
        expect(yield* rows()).toBe(0)
        for (const card of ["é∑😀", "'; DROP TABLE paykit_risk_velocity; --", "x".repeat(5_000), "\ufffdx"]) {
          yield* store.record(event(`p:${card.length}:${card.slice(0, 4)}`, card))
          expect((yield* store.history("card", card)).map((e) => e.card)).toEqual([card])
        }
        expect(yield* store.history("card", "\ud800x")).toEqual([])
      })
    ))
})
