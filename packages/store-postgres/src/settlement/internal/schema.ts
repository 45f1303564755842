import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { MAX } from "../../internal/adapter.ts"

const amount = (column: string) =>
  `${column} numeric(39,0) NOT NULL CHECK (${column} BETWEEN -${MAX} AND ${MAX})`

/**
 * `@paykit/settlement`: books (a merchant's payout schedule and reserve plan per currency),
 * balance transactions, reserve tranches, runs and payouts. Amounts are `numeric(39,0)`, ids and
 * the text the queries order by `COLLATE "C"` (code-unit order, as the port's `scanOrder` and
 * `keyOrder`). `seq` and `ord` keep the order rows were first written in, which is the order the
 * memory store reads them back in. Namespace `settlement`, recorded in
 * `paykit_settlement_migrations`.
 *
 * The indexes serve the port's queries: `(merchant, currency, status, available_on)` a run's due
 * pending transactions, and the walk over every book (`keys`, a skip scan); `(merchant,
 * currency) WHERE payout IS NULL` the available transactions no payout owns; `(payout)` a
 * payout's transactions; `(available_on, id)` the cross-merchant `scan` pages.
 *
 * `paykit_settlement_enter(key, merchant, currency)` is `exclusive`'s first statement: the
 * transaction-scoped advisory lock of the key, then (VOLATILE, so with a snapshot taken after the
 * lock) the book of the merchant and currency, read ahead for the body.
 */
const settlement = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(`CREATE TABLE paykit_settlement_books (
    merchant text COLLATE "C" NOT NULL,
    currency text COLLATE "C" NOT NULL,
    schedule json NOT NULL,
    reserve_plan json,
    PRIMARY KEY (merchant, currency)
  )`)
  yield* sql.unsafe(`CREATE TABLE paykit_settlement_transactions (
    id text COLLATE "C" PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    merchant text COLLATE "C" NOT NULL,
    currency text COLLATE "C" NOT NULL,
    type text NOT NULL,
    reporting_category text NOT NULL,
    ${amount("gross")},
    ${amount("fee")},
    ${amount("net")},
    fee_details jsonb NOT NULL,
    source text COLLATE "C" NOT NULL,
    payment text COLLATE "C",
    created_at bigint NOT NULL,
    available_on bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'available')),
    exchange_rate text,
    payout text COLLATE "C",
    description text,
    dimensions jsonb NOT NULL,
    ledger_entries jsonb NOT NULL
  )`)
  yield* sql`CREATE INDEX paykit_settlement_transactions_due
    ON paykit_settlement_transactions (merchant, currency, status, available_on)`
  yield* sql`CREATE INDEX paykit_settlement_transactions_unpaid
    ON paykit_settlement_transactions (merchant, currency) WHERE payout IS NULL`
  yield* sql`CREATE INDEX paykit_settlement_transactions_payout
    ON paykit_settlement_transactions (payout) WHERE payout IS NOT NULL`
  yield* sql`CREATE INDEX paykit_settlement_transactions_scan
    ON paykit_settlement_transactions (available_on, id)`
  yield* sql.unsafe(`CREATE TABLE paykit_settlement_tranches (
    merchant text COLLATE "C" NOT NULL,
    currency text COLLATE "C" NOT NULL,
    id text COLLATE "C" NOT NULL,
    ord bigint GENERATED ALWAYS AS IDENTITY,
    ${amount("amount")},
    ${amount("remaining")},
    release_on bigint NOT NULL,
    PRIMARY KEY (merchant, currency, id)
  )`)
  yield* sql.unsafe(`CREATE TABLE paykit_settlement_runs (
    id text COLLATE "C" PRIMARY KEY,
    merchant text COLLATE "C" NOT NULL,
    currency text COLLATE "C" NOT NULL,
    cutoff bigint NOT NULL,
    made_available bigint NOT NULL,
    ${amount("made_available_net")},
    ${amount("reserve_held")},
    ${amount("reserve_released")},
    payout text COLLATE "C",
    carried text,
    created_at bigint NOT NULL
  )`)
  yield* sql.unsafe(`CREATE TABLE paykit_settlement_payouts (
    id text COLLATE "C" PRIMARY KEY,
    merchant text COLLATE "C" NOT NULL,
    currency text COLLATE "C" NOT NULL,
    ${amount("amount")},
    ${amount("control_total")},
    transaction_count bigint NOT NULL,
    run text COLLATE "C" NOT NULL,
    status text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    reference text,
    arrival_date bigint,
    failure_code text,
    failed_after_paid boolean,
    version bigint NOT NULL
  )`)
  yield* sql.unsafe(`CREATE FUNCTION paykit_settlement_enter(p_key text, p_merchant text, p_currency text)
  RETURNS json
  LANGUAGE plpgsql VOLATILE
  AS $fn$
  BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended(current_schema() || '/paykit.settlement.book/' || p_key, 0));
    IF p_merchant IS NULL THEN
      RETURN NULL;
    END IF;
    RETURN json_build_object('book', (
      SELECT json_build_object('schedule', b.schedule, 'reservePlan', b.reserve_plan)
      FROM paykit_settlement_books b
      WHERE b.merchant = p_merchant AND b.currency = p_currency));
  END
  $fn$`)
})

/** The settlement migrations, keyed `<id>_<name>`; ids only ever grow. */
export const settlementMigrations = {
  "1_settlement": settlement
}
