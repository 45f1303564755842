import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

/**
 * What the write path guarantees instead of foreign keys on `paykit_postings` and
 * `paykit_lines`: every posting belongs to an entry and names two accounts of its currency, and
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
      (SELECT count(*)::int FROM paykit_postings p
        WHERE NOT EXISTS (SELECT 1 FROM paykit_entries e WHERE e.id = p.entry_id)) AS "orphanPostings",
      (SELECT count(*)::int FROM paykit_postings p
        WHERE NOT EXISTS (SELECT 1 FROM paykit_accounts a WHERE a.id = p.debit AND a.currency = p.currency)
           OR NOT EXISTS (SELECT 1 FROM paykit_accounts a WHERE a.id = p.credit AND a.currency = p.currency)) AS "postingAccounts",
      (SELECT count(*)::int FROM paykit_account_lines l
        WHERE NOT EXISTS (SELECT 1 FROM paykit_entries e WHERE e.id = l.entry_id)
           OR NOT EXISTS (SELECT 1 FROM paykit_accounts a WHERE a.id = l.account_id)) AS "orphanLines",
      (SELECT count(*)::int FROM (
        SELECT r.first_seq, r.last_seq, r.account_id,
          lag(r.last_seq) OVER (PARTITION BY r.account_id ORDER BY r.last_seq) AS previous,
          lead(r.first_seq) OVER (PARTITION BY r.account_id ORDER BY r.last_seq) AS next
        FROM paykit_lines r
      ) w WHERE w.first_seq <> coalesce(w.previous, 0) + 1
        OR (w.next IS NULL AND w.last_seq <> (SELECT a.version FROM paykit_accounts a WHERE a.id = w.account_id))
      ) AS "brokenRuns"`
  return row!
})
