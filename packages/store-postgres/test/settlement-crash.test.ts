import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { Ids, Notifier } from "@paykit/core"
import { Ledger } from "@paykit/ledger"
import { PaymentStore } from "@paykit/payments"
import { Calendar, Settlement } from "@paykit/settlement"
import { Effect, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import * as LedgerStorePostgres from "../src/ledger/LedgerStorePostgres.ts"
import * as PaymentStorePostgres from "../src/payments/PaymentStorePostgres.ts"
import * as SettlementStorePostgres from "../src/settlement/SettlementStorePostgres.ts"
import { rng, watch } from "./support/crash.ts"
import { freshSchema, serverUrl } from "./support/env.ts"

/**
 * Settlement survives SIGKILL: worker OS processes take payments, record them, run settlement and
 * send payouts on PostgreSQL, and are killed at random points. After each kill, recording every
 * payment again (the pull model's repair for a capture killed before it was recorded) leaves every
 * merchant's pending, available and reserve balances equal to the ledger's, every payout's amount
 * equal to its transactions' net and its control total, and no transaction paid out twice: a run
 * or a payout step is all or nothing with its ledger entries. The next worker goes on from there.
 */

const KILLS = 4
const MERCHANTS = ["m_a", "m_b", "m_c"]
const workerScript = fileURLToPath(new URL("./support/settlement-worker.ts", import.meta.url))
const packageDir = fileURLToPath(new URL("..", import.meta.url))

const spawnWorker = (schema: string, worker: number) =>
  spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--conditions=@paykit/source",
      workerScript,
      JSON.stringify({ url: serverUrl, schema, worker })
    ],
    { cwd: packageDir, stdio: ["ignore", "pipe", "pipe"] }
  )

const check = (schema: string) =>
  Effect.gen(function* () {
    const settlement = yield* Settlement.Settlement
    const payments = yield* PaymentStore.PaymentStore
    const ledger = yield* Ledger.Ledger
    const sql = yield* SqlClient.SqlClient
    for (const merchant of MERCHANTS) {
      let cursor: string | undefined
      for (;;) {
        const page = yield* payments.list({
          merchant,
          limit: 100,
          ...(cursor === undefined ? {} : { cursor })
        })
        for (const p of page.payments) yield* settlement.record(p.id)
        if (page.next === undefined) break
        cursor = page.next
      }
      const b = (k: string) => ledger.balances(`merchant:${merchant}:${k}:EUR`)
      expect(yield* settlement.balances(merchant, "EUR")).toEqual({
        pending: (yield* b("pending")).posted.amount,
        available: (yield* b("available")).pending.amount,
        reserve: (yield* b("reserve")).posted.amount
      })
    }
    const payouts = yield* sql<{ id: string; amount: string; control_total: string; owned: string | null }>`
      SELECT p.id, p.amount::text AS amount, p.control_total::text AS control_total,
        (SELECT sum(t.net)::text FROM paykit_settlement_transactions t
          WHERE t.payout = p.id AND t.type <> 'payout') AS owned
      FROM paykit_settlement_payouts p`
    for (const p of payouts) {
      expect(p.owned ?? "0").toBe(p.amount)
      expect(p.control_total).toBe(p.amount)
    }
    const [runs] = yield* sql<{ n: string; distinct_payouts: string; payouts: string }>`
      SELECT count(*)::text AS n, count(DISTINCT payout)::text AS distinct_payouts, count(payout)::text AS payouts
      FROM paykit_settlement_runs`
    expect(runs!.distinct_payouts).toBe(runs!.payouts)
    return { payouts: payouts.length, runs: Number(runs!.n), schema }
  }).pipe(
    Effect.provide(
      Settlement.layer({
        calendar: Calendar.decodeUnsafe({ timeZone: "UTC", weekend: [] }),
        payoutBank: "operating"
      }).pipe(
        Layer.provideMerge(Ledger.layer()),
        Layer.provideMerge(
          Layer.mergeAll(
            SettlementStorePostgres.layerClient({ schema }),
            PaymentStorePostgres.layerClient({ schema })
          )
        ),
        Layer.provideMerge(LedgerStorePostgres.layer({ url: serverUrl!, schema, maxConnections: 1 })),
        Layer.provideMerge(Layer.mergeAll(Notifier.layerNoop, Ids.layer))
      )
    )
  )

describe.skipIf(serverUrl === undefined)("settlement under SIGKILL", () => {
  it("after each kill every balance equals the ledger's, every payout its transactions' net, and the next worker goes on", {
    timeout: 300_000
  }, async () => {
    const schema = freshSchema("settlement_crash")
    const random = rng(31)
    let rounds = 0
    for (let k = 0; k < KILLS; k++) {
      const child = spawnWorker(schema, k)
      const delay = 300 + Math.floor(random() * 1_500)
      let timer: NodeJS.Timeout | undefined
      const guard = setTimeout(() => child.kill("SIGKILL"), 120_000)
      let acked = 0
      const result = await watch(child, (line) => {
        if (line["ready"] === true && timer === undefined)
          timer = setTimeout(() => child.kill("SIGKILL"), delay)
        if (typeof line["acked"] === "number") acked = line["acked"]
      })
      clearTimeout(guard)
      expect(result.signal, result.stderr).toBe("SIGKILL")
      rounds += acked
      await Effect.runPromise(check(schema))
    }
    // the workers did settle something: runs and payouts exist
    const last = await Effect.runPromise(check(schema))
    expect(rounds).toBeGreaterThan(0)
    expect(last.runs).toBeGreaterThan(0)
  })
})
