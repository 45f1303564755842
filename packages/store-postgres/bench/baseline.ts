import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

/**
 * What a team would write without paykit: one table of balances, one of transfers, and one
 * transaction per transfer that locks both accounts (in id order, so it cannot deadlock),
 * checks the debit limit, updates both balances and inserts the transfer.
 */
export const setup = (accounts: ReadonlyArray<string>, opening: bigint) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`DROP TABLE IF EXISTS baseline_transfers`
    yield* sql`DROP TABLE IF EXISTS baseline_accounts`
    yield* sql`CREATE TABLE baseline_accounts (id text PRIMARY KEY, currency text NOT NULL, balance numeric(39,0) NOT NULL, no_overdraft boolean NOT NULL)`
    yield* sql`CREATE TABLE baseline_transfers (id text PRIMARY KEY, debit text NOT NULL REFERENCES baseline_accounts(id), credit text NOT NULL REFERENCES baseline_accounts(id), amount numeric(39,0) NOT NULL, currency text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`
    yield* sql`INSERT INTO baseline_accounts (id, currency, balance, no_overdraft) VALUES ('funding', 'USD', 0, false)`
    for (const id of accounts) {
      yield* sql`INSERT INTO baseline_accounts (id, currency, balance, no_overdraft) VALUES (${id}, 'USD', ${opening.toString()}, true)`
    }
  })

/** One transfer, one transaction. Fails with "insufficient" when the debit account would go negative. */
export const transfer = (id: string, debit: string, credit: string, amount: bigint) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return yield* sql.withTransaction(
      Effect.gen(function* () {
        const [first, second] = debit < credit ? [debit, credit] : [credit, debit]
        const rows = yield* sql<{
          id: string
          balance: string
          no_overdraft: boolean
        }>`SELECT id, balance::text AS balance, no_overdraft FROM baseline_accounts WHERE id IN (${first}, ${second}) ORDER BY id FOR UPDATE`
        const from = rows.find((r) => r.id === debit)
        if (from === undefined || rows.length !== 2) return "missing" as const
        if (from.no_overdraft && BigInt(from.balance) < amount) return "insufficient" as const
        yield* sql`UPDATE baseline_accounts SET balance = balance - ${amount.toString()}::numeric WHERE id = ${debit}`
        yield* sql`UPDATE baseline_accounts SET balance = balance + ${amount.toString()}::numeric WHERE id = ${credit}`
        yield* sql`INSERT INTO baseline_transfers (id, debit, credit, amount, currency) VALUES (${id}, ${debit}, ${credit}, ${amount.toString()}::numeric, 'USD')`
        return "ok" as const
      })
    )
  })
