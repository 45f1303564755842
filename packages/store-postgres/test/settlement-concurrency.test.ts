import { Ids } from "@paykit/core"
import type { Ledger } from "@paykit/ledger"
import type { Payments } from "@paykit/payments"
import { Run, Settlement } from "@paykit/settlement"
import { Context, Effect, Exit, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import * as Database from "../src/Database.ts"
import { TestStores } from "../src/testing/index.ts"
import { serverUrl } from "./support/env.ts"
import { balancesAgree, charge, clock, DAY, env, MON, onServer, openBooks } from "./support/settlement.ts"

// Several service instances, each with its own pool (a separate layer, as separate processes
// would have), on one PostgreSQL schema: runs of the same merchant, currency and cut-off race, and
// runs of different merchants go on at once. PostgreSQL only (full lane: `*concurrency*`).

const POOLS = 3
const MERCHANTS = ["m_1", "m_2", "m_3", "m_4"] as const

type Needs = Settlement.Settlement | Payments.Payments | Ledger.Ledger | SqlClient.SqlClient
type Services = Context.Context<Needs>

/** `POOLS` service stacks on one fresh schema, each on its own pool of 4 connections. */
const withPools = <A, E>(f: (stacks: ReadonlyArray<Services>) => Effect.Effect<A, E>) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const first = yield* Layer.build(
          env(TestStores.serverWith(serverUrl!, "stlcc", onServer, { maxConnections: 4 }), Ids.layer)
        )
        const schema = Context.get(first, Database.DatabaseInfo).schema
        const others = yield* Effect.forEach(Array.from({ length: POOLS - 1 }), () =>
          Layer.build(env(onServer({ url: serverUrl!, schema, maxConnections: 4 }), Ids.layer))
        )
        return yield* f([first, ...others])
      })
    ) as Effect.Effect<A, unknown>
  )

const on = <A, E>(stack: Services, effect: Effect.Effect<A, E, Needs>) => Effect.provide(effect, stack)

const count = (sql: SqlClient.SqlClient, query: string) =>
  Effect.map(sql.unsafe<{ k: string; n: number }>(query), (rows) =>
    Object.fromEntries(rows.map((r) => [r.k, Number(r.n)]))
  )

describe.skipIf(serverUrl === undefined)("Settlement on a PostgreSQL server, several pools", () => {
  it(
    "records, runs and payout news racing on three pools: each payment's transactions once, exactly one run record and one payout per (merchant, currency, cut-off), the ledger entries once, balances equal to the ledger's",
    () =>
      withPools((stacks) =>
        Effect.gen(function* () {
          const sql = Context.get(stacks[0]!, SqlClient.SqlClient)
          yield* clock.set(MON)
          yield* on(
            stacks[0]!,
            Effect.gen(function* () {
              yield* openBooks(MERCHANTS)
              const s = yield* Settlement.Settlement
              // half of the merchants hold a rolling reserve back
              for (const m of ["m_1", "m_3"])
                yield* s.configure(m, "EUR", {
                  schedule: { delayDays: 2, interval: { _tag: "daily" } },
                  reservePlan: { bps: 1000, releaseAfterDays: 7, rounding: "half-up" }
                })
            })
          )
          const payments = MERCHANTS.flatMap((m, i) =>
            [0, 1, 2].map((j) => ({
              id: `pay_${m}_${j}`,
              merchant: m,
              amount: String(1_000 * (i + 1) + 7 * j)
            }))
          )
          yield* Effect.forEach(
            payments,
            (p, i) => on(stacks[i % POOLS]!, charge(p.id, p.merchant, p.amount)),
            {
              concurrency: 4
            }
          )

          // every payment recorded from every pool at once: its transactions once
          const recorded = yield* Effect.forEach(
            payments.flatMap((p) => stacks.map((stack) => ({ p, stack }))),
            ({ p, stack }) =>
              on(
                stack,
                Effect.flatMap(Settlement.Settlement, (s) => s.record(p.id))
              ),
            { concurrency: "unbounded" }
          )
          expect(recorded.flat().length).toBe(payments.length)
          const charges = yield* count(
            sql,
            "SELECT merchant AS k, count(*)::int AS n FROM paykit_settlement_transactions GROUP BY merchant"
          )
          expect(charges).toEqual(Object.fromEntries(MERCHANTS.map((m) => [m, 3])))

          // the same run from every pool, every merchant at once, and a sweep of all of them too
          const cutoff = MON + 2 * DAY
          yield* clock.set(cutoff)
          const jobs: Array<
            Effect.Effect<
              {
                readonly m: string
                readonly r: Run.Run | { readonly runs: number; readonly payouts: number }
              },
              Settlement.SettlementError
            >
          > = [
            ...MERCHANTS.flatMap((m) =>
              stacks.map((stack) =>
                on(
                  stack,
                  Effect.flatMap(Settlement.Settlement, (s) =>
                    Effect.map(s.run({ merchant: m, currency: "EUR", cutoff }), (r) => ({ m, r }))
                  )
                )
              )
            ),
            on(
              stacks[1]!,
              Effect.flatMap(Settlement.Settlement, (s) =>
                Effect.map(s.runAll({ cutoff }), (all) => ({ m: "all", r: all }))
              )
            )
          ]
          const exits = yield* Effect.forEach(jobs, (j) => Effect.exit(j), { concurrency: "unbounded" })
          for (const e of exits) expect(Exit.isSuccess(e)).toBe(true)
          const results = exits.flatMap((e) => (Exit.isSuccess(e) ? [e.value] : []))
          expect(results.find((x) => x.m === "all")?.r).toEqual({ runs: 4, payouts: 4 })
          const runs = new Map<string, Array<Run.Run>>()
          for (const x of results)
            if (x.m !== "all") runs.set(x.m, [...(runs.get(x.m) ?? []), x.r as Run.Run])
          for (const m of MERCHANTS) {
            const mine = runs.get(m)!
            expect(mine).toHaveLength(POOLS)
            for (const r of mine) expect(r).toEqual(mine[0])
            expect(mine[0]!.madeAvailable).toBe(3)
            expect(mine[0]!.payout).toBe(`po:${m}:EUR:${cutoff}`)
          }
          const perMerchant = Object.fromEntries(MERCHANTS.map((m) => [m, 1]))
          expect(
            yield* count(
              sql,
              "SELECT merchant AS k, count(*)::int AS n FROM paykit_settlement_runs GROUP BY merchant"
            )
          ).toEqual(perMerchant)
          expect(
            yield* count(
              sql,
              "SELECT merchant AS k, count(*)::int AS n FROM paykit_settlement_payouts GROUP BY merchant"
            )
          ).toEqual(perMerchant)
          // the run's ledger entries, once each, and no failed attempt recorded
          const entries = yield* sql<{ id: string; kind: string }>`SELECT id, kind FROM paykit_ledger_entries
            WHERE id LIKE 'run:%' OR id LIKE 'po:%' ORDER BY id`
          const expected = MERCHANTS.flatMap((m) => {
            const run = runs.get(m)![0]!
            const id = Run.idOf(m, "EUR", cutoff)
            return [
              `${id}:available`,
              ...(run.reserveHeld > 0n ? [`${id}:reserve`] : []),
              `po:${m}:EUR:${cutoff}`
            ]
          }).sort()
          expect(entries.map((e) => e.id)).toEqual(expected)
          expect(entries.filter((e) => e.kind === "failed")).toEqual([])
          const [completed] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM paykit_outbox,
            json_array_elements(events) AS e WHERE e ->> 'type' = 'settlement.run.completed'`
          expect(Number(completed?.n)).toBe(MERCHANTS.length)

          // each payout sent and then paid from every pool at once: each moves once
          for (const step of ["send", "paid"] as const)
            yield* Effect.forEach(
              MERCHANTS.flatMap((m) => stacks.map((stack) => ({ m, stack }))),
              ({ m, stack }) =>
                on(
                  stack,
                  Effect.flatMap(Settlement.Settlement, (s) =>
                    step === "send"
                      ? s.sendPayout(`po:${m}:EUR:${cutoff}`)
                      : s.updatePayout(`po:${m}:EUR:${cutoff}`, { _tag: "paid" })
                  )
                ),
              { concurrency: "unbounded" }
            )
          const moved = yield* count(
            sql,
            `SELECT e ->> 'type' AS k, count(*)::int AS n FROM paykit_outbox, json_array_elements(events) AS e
              WHERE e ->> 'type' LIKE 'settlement.payout.%' GROUP BY 1`
          )
          // (the payout provider pays m_1's payouts at once: no in_transit for it)
          expect(moved).toEqual({
            "settlement.payout.created": 4,
            "settlement.payout.in_transit": 3,
            "settlement.payout.paid": 4
          })
          expect(
            yield* count(
              sql,
              "SELECT status AS k, count(*)::int AS n FROM paykit_settlement_payouts GROUP BY status"
            )
          ).toEqual({ paid: 4 })
          for (const [i, m] of MERCHANTS.entries()) {
            const b = yield* on(stacks[i % POOLS]!, balancesAgree(m))
            expect(b.pending).toBe(0n)
            expect(b.available).toBe(0n)
          }
        })
      ),
    300_000
  )
})
