import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

/**
 * A pgledger-style peer (https://github.com/pgr0ss/pgledger): the ledger lives in plpgsql, and
 * a transfer is one call of one function, auto-committed, so one round trip per transfer. The
 * function locks both accounts in id order, checks the debit account's balance when it may not
 * go negative, inserts the transfer and its two entries (each with the account's balance before
 * and after, and its version), and updates both balances.
 */
export const setup = (accounts: ReadonlyArray<string>, opening: bigint) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`DROP TABLE IF EXISTS pgl_entries`
    yield* sql`DROP TABLE IF EXISTS pgl_transfers`
    yield* sql`DROP TABLE IF EXISTS pgl_accounts`
    yield* sql`CREATE TABLE pgl_accounts (id text PRIMARY KEY, currency text NOT NULL, balance numeric NOT NULL,
      allow_negative boolean NOT NULL, version bigint NOT NULL DEFAULT 0)`
    yield* sql`CREATE TABLE pgl_transfers (id text PRIMARY KEY, from_account_id text NOT NULL REFERENCES pgl_accounts(id),
      to_account_id text NOT NULL REFERENCES pgl_accounts(id), amount numeric NOT NULL CHECK (amount > 0),
      created_at timestamptz NOT NULL DEFAULT now())`
    yield* sql`CREATE TABLE pgl_entries (id bigserial PRIMARY KEY, account_id text NOT NULL REFERENCES pgl_accounts(id),
      transfer_id text NOT NULL REFERENCES pgl_transfers(id), amount numeric NOT NULL,
      account_previous_balance numeric NOT NULL, account_current_balance numeric NOT NULL,
      account_version bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`
    yield* sql`CREATE INDEX ON pgl_entries (account_id, id)`
    yield* sql.unsafe(`CREATE OR REPLACE FUNCTION pgl_transfer(p_id text, p_from text, p_to text, p_amount numeric)
      RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        v_from pgl_accounts%ROWTYPE;
        v_to pgl_accounts%ROWTYPE;
      BEGIN
        IF p_from = p_to THEN RAISE EXCEPTION 'accounts must differ'; END IF;
        PERFORM 1 FROM pgl_accounts WHERE id IN (p_from, p_to) ORDER BY id FOR UPDATE;
        SELECT * INTO v_from FROM pgl_accounts WHERE id = p_from;
        SELECT * INTO v_to FROM pgl_accounts WHERE id = p_to;
        IF v_from.id IS NULL OR v_to.id IS NULL THEN RAISE EXCEPTION 'account not found'; END IF;
        IF v_from.currency <> v_to.currency THEN RAISE EXCEPTION 'currencies differ'; END IF;
        IF NOT v_from.allow_negative AND v_from.balance < p_amount THEN RAISE EXCEPTION 'insufficient balance'; END IF;
        INSERT INTO pgl_transfers (id, from_account_id, to_account_id, amount) VALUES (p_id, p_from, p_to, p_amount);
        INSERT INTO pgl_entries (account_id, transfer_id, amount, account_previous_balance, account_current_balance, account_version)
        VALUES (p_from, p_id, -p_amount, v_from.balance, v_from.balance - p_amount, v_from.version + 1),
               (p_to, p_id, p_amount, v_to.balance, v_to.balance + p_amount, v_to.version + 1);
        UPDATE pgl_accounts SET balance = balance - p_amount, version = version + 1 WHERE id = p_from;
        UPDATE pgl_accounts SET balance = balance + p_amount, version = version + 1 WHERE id = p_to;
      END $$`)
    yield* sql`INSERT INTO pgl_accounts (id, currency, balance, allow_negative) VALUES ('funding', 'USD', 0, true)`
    for (const id of accounts) {
      yield* sql`INSERT INTO pgl_accounts (id, currency, balance, allow_negative) VALUES (${id}, 'USD', ${opening.toString()}, false)`
    }
  })

/** One transfer: one statement, auto-committed (one round trip). */
export const transfer = (id: string, from: string, to: string, amount: bigint) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.asVoid(sql`SELECT pgl_transfer(${id}, ${from}, ${to}, ${amount.toString()}::numeric)`)
  )
