import { type Entry, type Hold, LedgerStore } from "@paykit/ledger"
import { Effect, Option } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

/**
 * What the write path guarantees instead of foreign keys on `paykit_ledger_postings` and
 * `paykit_ledger_lines`: every posting belongs to an entry and names two accounts of its currency, and
 * every line belongs to an entry and an account; and every account's line runs are contiguous
 * (each starts right after the previous one ends, the first at 1, the last at the account's
 * version). Returns the number of rows breaking each rule (all zero when the books are sound).
 */
export const referentialProblems = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{
    orphanPostings: number
    postingAccounts: number
    orphanLines: number
    brokenRuns: number
  }>`SELECT
      (SELECT count(*)::int FROM paykit_ledger_postings p
        WHERE NOT EXISTS (SELECT 1 FROM paykit_ledger_entries e WHERE e.id = p.entry_id)) AS "orphanPostings",
      (SELECT count(*)::int FROM paykit_ledger_postings p
        WHERE NOT EXISTS (SELECT 1 FROM paykit_ledger_accounts a WHERE a.id = p.debit AND a.currency = p.currency)
           OR NOT EXISTS (SELECT 1 FROM paykit_ledger_accounts a WHERE a.id = p.credit AND a.currency = p.currency)) AS "postingAccounts",
      (SELECT count(*)::int FROM paykit_ledger_account_lines l
        WHERE NOT EXISTS (SELECT 1 FROM paykit_ledger_entries e WHERE e.id = l.entry_id)
           OR NOT EXISTS (SELECT 1 FROM paykit_ledger_accounts a WHERE a.id = l.account_id)) AS "orphanLines",
      (SELECT count(*)::int FROM (
        SELECT r.first_seq, r.last_seq, r.account_id,
          lag(r.last_seq) OVER (PARTITION BY r.account_id ORDER BY r.last_seq) AS previous,
          lead(r.first_seq) OVER (PARTITION BY r.account_id ORDER BY r.last_seq) AS next
        FROM paykit_ledger_lines r
      ) w WHERE w.first_seq <> coalesce(w.previous, 0) + 1
        OR (w.next IS NULL AND w.last_seq <> (SELECT a.version FROM paykit_ledger_accounts a WHERE a.id = w.account_id))
      ) AS "brokenRuns"`
  return row!
})

/**
 * Lines that carry an earlier time than the line before them on the same account (read from
 * `paykit_ledger_account_lines` itself), and how many lines were checked.
 */
export const timeOrder = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{ lines: number; backwards: number }>`SELECT count(*)::int AS lines,
      (count(*) FILTER (WHERE w.at < w.previous))::int AS backwards
    FROM (SELECT at, lag(at) OVER (PARTITION BY account_id ORDER BY seq) AS previous FROM paykit_ledger_account_lines) w`
  return row!
})

type Totals = readonly [bigint, bigint, bigint, bigint]

/** What one entry does to one account's totals (debits and credits, posted and pending). */
const effectOf = (e: Entry.Entry, holds: ReadonlyMap<string, Hold.Hold>, accountId: string): Totals => {
  let [dp, cp, dq, cq] = [0n, 0n, 0n, 0n]
  for (const p of e.postings) {
    const d = p.debit === accountId
    const c = p.credit === accountId
    if (!d && !c) continue
    switch (e.kind) {
      case "transfer":
      case "reversal":
        if (d) dp += p.amount
        if (c) cp += p.amount
        break
      case "hold":
        if (d) dq += p.amount
        if (c) cq += p.amount
        break
      case "hold_post": {
        const held = holds.get(e.holdId!)!.amount
        if (d) [dp, dq] = [dp + p.amount, dq - held]
        if (c) [cp, cq] = [cp + p.amount, cq - held]
        break
      }
      case "hold_void":
      case "hold_expire":
        if (d) dq -= p.amount
        if (c) cq -= p.amount
        break
    }
  }
  return [dp, cp, dq, cq]
}

/**
 * Compares, for every account and every time in `times`, the store's balance as of that time
 * (`lineAsOf`) with the fold of the account's entries created at or before it. Returns how many
 * (account, time) probes were made and a description of each disagreement.
 */
export const asOfProblems = (dump: LedgerStore.Dump, times: ReadonlyArray<number>) =>
  Effect.gen(function* () {
    const store = yield* LedgerStore.LedgerStore
    const holds = new Map(dump.holds.map((h) => [h.id, h]))
    const problems: Array<string> = []
    let probes = 0
    for (const a of dump.accounts) {
      const mine = dump.entries
        .map((e) => ({ at: e.createdAt, effect: effectOf(e, holds, a.id) }))
        .filter((x) => x.effect.some((v) => v !== 0n))
      for (const t of times) {
        probes++
        const line = yield* store.lineAsOf(a.id, t)
        const got = Option.match(line, {
          onNone: () => "0/0/0/0",
          onSome: (l) => [l.debitsPosted, l.creditsPosted, l.debitsPending, l.creditsPending].join("/")
        })
        const fold = [0, 1, 2, 3].map((k) =>
          mine.filter((x) => x.at <= t).reduce((s, x) => s + x.effect[k]!, 0n)
        )
        if (got !== fold.join("/"))
          problems.push(`${a.id} as of ${t}: lineAsOf ${got}, fold of entries ${fold.join("/")}`)
      }
    }
    return { probes, problems }
  })
