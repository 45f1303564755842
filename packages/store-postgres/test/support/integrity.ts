import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

/**
 * What the write path guarantees instead of foreign keys on `paykit_postings` and
 * `paykit_lines`: every posting belongs to an entry and names two accounts of its currency, and
 * every line belongs to an entry and an account. Returns the number of rows breaking each rule
 * (all zero when the books are sound).
 */
export const referentialProblems = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const [row] = yield* sql<{
    orphanPostings: number
    postingAccounts: number
    orphanLines: number
  }>`SELECT
      (SELECT count(*)::int FROM paykit_postings p
        WHERE NOT EXISTS (SELECT 1 FROM paykit_entries e WHERE e.id = p.entry_id)) AS "orphanPostings",
      (SELECT count(*)::int FROM paykit_postings p
        WHERE NOT EXISTS (SELECT 1 FROM paykit_accounts a WHERE a.id = p.debit AND a.currency = p.currency)
           OR NOT EXISTS (SELECT 1 FROM paykit_accounts a WHERE a.id = p.credit AND a.currency = p.currency)) AS "postingAccounts",
      (SELECT count(*)::int FROM paykit_account_lines l
        WHERE NOT EXISTS (SELECT 1 FROM paykit_entries e WHERE e.id = l.entry_id)
           OR NOT EXISTS (SELECT 1 FROM paykit_accounts a WHERE a.id = l.account_id)) AS "orphanLines"`
  return row!
})
