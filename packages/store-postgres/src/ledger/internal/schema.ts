import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { MAX } from "../../internal/adapter.ts"
import { accountColumns, entryJson, failedIdJson, holdJson } from "./rows.ts"

/**
 * The ledger's books (namespace `ledger`, recorded in `paykit_ledger_migrations`): units of
 * account, accounts, entries, postings, holds and line runs (with the view
 * `paykit_ledger_account_lines`).
 *
 * The ledger's clock (`StoreConfig.clock`): each account row keeps the time of its latest line
 * (`last_at`), which a write reads under the account's lock and never stamps below, so an
 * account's lines are in time order whatever the writers' clocks. On the account row rather than
 * read from `paykit_ledger_lines`: a locking read returns the row's newest version even after
 * waiting for the lock, while a join to the lines would see them as of the statement's start.
 *
 * Consumed entry ids (`failedIds: "consumed"`): a row of `paykit_ledger_entries` of kind `failed`
 * with the first failure in `error` (and no postings, lines or hold). In the entries' id space, so
 * the primary key makes an id an entry or a failure, never both: of two transactions racing on
 * one id, one failing it and one writing it, the second to insert gets a unique violation and is
 * re-run, seeing the first's row. Every reader of entries leaves these rows out.
 */
const ledger = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // Units of account with their exponents; an account's currency must be one of them.
  yield* sql`CREATE TABLE paykit_ledger_currencies (
    code text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_]{1,11}$'),
    exponent smallint NOT NULL CHECK (exponent BETWEEN 0 AND 18)
  )`
  yield* sql.unsafe(`CREATE TABLE paykit_ledger_accounts (
    id text COLLATE "C" PRIMARY KEY,
    currency text NOT NULL REFERENCES paykit_ledger_currencies (code),
    code text NOT NULL,
    normal text NOT NULL CHECK (normal IN ('debit', 'credit')),
    owner_ref text,
    metadata jsonb NOT NULL DEFAULT '{}',
    debits_must_not_exceed_credits boolean NOT NULL,
    credits_must_not_exceed_debits boolean NOT NULL,
    closed boolean NOT NULL DEFAULT false,
    created_at bigint NOT NULL,
    debits_posted numeric(39,0) NOT NULL DEFAULT 0 CHECK (debits_posted BETWEEN 0 AND ${MAX}),
    credits_posted numeric(39,0) NOT NULL DEFAULT 0 CHECK (credits_posted BETWEEN 0 AND ${MAX}),
    debits_pending numeric(39,0) NOT NULL DEFAULT 0 CHECK (debits_pending BETWEEN 0 AND ${MAX}),
    credits_pending numeric(39,0) NOT NULL DEFAULT 0 CHECK (credits_pending BETWEEN 0 AND ${MAX}),
    version bigint NOT NULL DEFAULT 0,
    last_at bigint,
    UNIQUE (id, currency),
    CHECK (NOT (debits_must_not_exceed_credits AND credits_must_not_exceed_debits)),
    CONSTRAINT paykit_ledger_accounts_debit_limit
      CHECK (NOT debits_must_not_exceed_credits OR debits_posted + debits_pending <= credits_posted),
    CONSTRAINT paykit_ledger_accounts_credit_limit
      CHECK (NOT credits_must_not_exceed_debits OR credits_posted + credits_pending <= debits_posted)
  )`)
  yield* sql`CREATE TABLE paykit_ledger_entries (
    id text COLLATE "C" PRIMARY KEY,
    seq bigserial NOT NULL,
    kind text NOT NULL CHECK (kind IN ('transfer', 'hold', 'hold_post', 'hold_void', 'hold_expire', 'reversal', 'failed')),
    hold_id text,
    reverses text,
    reversed_by text,
    timeout_ms bigint,
    description text,
    metadata jsonb NOT NULL DEFAULT '{}',
    created_at bigint NOT NULL,
    hash text NOT NULL,
    error jsonb,
    CONSTRAINT paykit_ledger_entries_error_check CHECK ((kind = 'failed') = (error IS NOT NULL))
  )`
  // Postings and lines carry no foreign keys: the write path inserts them in the statement that
  // inserts their entry, for accounts it has locked and checked (existence, currency) under the
  // lock. Three foreign-key checks per posting were about 40% of a batch's statement time.
  yield* sql.unsafe(`CREATE TABLE paykit_ledger_postings (
    entry_id text COLLATE "C" NOT NULL,
    idx smallint NOT NULL,
    debit text COLLATE "C" NOT NULL,
    credit text COLLATE "C" NOT NULL,
    amount numeric(39,0) NOT NULL CHECK (amount BETWEEN 1 AND ${MAX}),
    currency text NOT NULL,
    PRIMARY KEY (entry_id, idx),
    CHECK (debit <> credit)
  )`)
  yield* sql.unsafe(`CREATE TABLE paykit_ledger_holds (
    id text COLLATE "C" PRIMARY KEY REFERENCES paykit_ledger_entries (id),
    debit text COLLATE "C" NOT NULL,
    credit text COLLATE "C" NOT NULL,
    amount numeric(39,0) NOT NULL CHECK (amount BETWEEN 1 AND ${MAX}),
    currency text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint,
    status text NOT NULL CHECK (status IN ('pending', 'posted', 'voided', 'expired')),
    posted_amount numeric(39,0) NOT NULL DEFAULT 0 CHECK (posted_amount BETWEEN 0 AND amount),
    resolved_by text,
    resolved_at bigint,
    FOREIGN KEY (debit, currency) REFERENCES paykit_ledger_accounts (id, currency),
    FOREIGN KEY (credit, currency) REFERENCES paykit_ledger_accounts (id, currency)
  )`)
  yield* sql`CREATE INDEX paykit_ledger_holds_due ON paykit_ledger_holds (expires_at) WHERE status = 'pending' AND expires_at IS NOT NULL`
  // Lines (an account's balances after each entry) are derived from entries in the same
  // statement (no foreign keys, as for postings). One row holds the run of lines one write
  // transaction adds to one account: seqs first_seq..last_seq (consecutive, since the account
  // is locked for the whole transaction), their entries, times and balances as arrays. A row per
  // line with its two index entries was the dearest part of a batch; a run is one row. The
  // view paykit_ledger_account_lines shows one row per line.
  yield* sql`CREATE TABLE paykit_ledger_lines (
    account_id text COLLATE "C" NOT NULL,
    first_seq bigint NOT NULL CHECK (first_seq >= 1),
    last_seq bigint NOT NULL,
    min_at bigint NOT NULL,
    entry_ids text[] NOT NULL,
    ats bigint[] NOT NULL,
    debits_posted numeric(39,0)[] NOT NULL,
    credits_posted numeric(39,0)[] NOT NULL,
    debits_pending numeric(39,0)[] NOT NULL,
    credits_pending numeric(39,0)[] NOT NULL,
    PRIMARY KEY (account_id, last_seq),
    CHECK (last_seq - first_seq + 1 = cardinality(entry_ids)),
    CHECK (cardinality(ats) = cardinality(entry_ids) AND cardinality(debits_posted) = cardinality(entry_ids)
      AND cardinality(credits_posted) = cardinality(entry_ids) AND cardinality(debits_pending) = cardinality(entry_ids)
      AND cardinality(credits_pending) = cardinality(entry_ids))
  )`
  yield* sql`CREATE INDEX paykit_ledger_lines_at ON paykit_ledger_lines (account_id, min_at, last_seq)`
  yield* sql`CREATE VIEW paykit_ledger_account_lines AS
    SELECT l.account_id, l.first_seq + u.k - 1 AS seq, u.entry_id, u.at, u.debits_posted, u.credits_posted,
      u.debits_pending, u.credits_pending
    FROM paykit_ledger_lines l CROSS JOIN LATERAL unnest(l.entry_ids, l.ats, l.debits_posted, l.credits_posted,
      l.debits_pending, l.credits_pending) WITH ORDINALITY
      AS u(entry_id, at, debits_posted, credits_posted, debits_pending, credits_pending, k)`
})

/**
 * The first statement of every write, as one server-side function (one round trip instead of
 * three): `paykit_ledger_lock(now, holdIds, entryIds, accountIds, lockTimeout, statementTimeout)`.
 *
 * 1. Reads the caller's settings (returned, so a write inside the caller's transaction can put
 *    them back in its last statement) and sets the write's own for the rest of the transaction:
 *    no sequential scans (every lookup of a write is by key; a plan made while a table was small
 *    would otherwise keep scanning it whole once it is large), no JIT (compiling a batch's
 *    lookups cost more than running them), and the lock and statement timeouts. They are set
 *    before any query of the function is planned, so its own lookups obey them too. Its lookups
 *    use generic plans (planned once per connection: with sequential scans off they are index
 *    lookups whatever the tables' size), the write's statements `plan_cache_mode = auto`.
 * 2. The write's base time: `now` (clock "caller"), or the database's clock.
 * 3. Locks, in the global order every writer follows (PORT.md): (from migration 3) a transaction
 *    advisory lock on every id the write names — hold, entry and account, new or not, scoped to
 *    the schema, taken in key order — so two writers naming the same new id (a client's retry
 *    racing its first try, two requests opening one account) run one after the other and the
 *    second sees the first's rows, instead of meeting at a unique key; then the named holds and every
 *    pending hold due at the base time, then the named entries (a consumed id is an entry row of
 *    kind `failed`), then every account the write touches (the named ones, the accounts of the
 *    locked holds and of the locked entries' postings), each by id.
 *
 * Returns one JSON object: `old` (the caller's settings), `base`, `holds`, `entries`, `failed`
 * and `accounts` (each account with the time of its latest line, `last_at`, read from the
 * locked row, which is its newest version even when the lock was waited for).
 */
const lockFunctionSql = (
  create: "CREATE" | "CREATE OR REPLACE",
  idLocks: boolean
) => `${create} FUNCTION paykit_ledger_lock(p_now bigint, p_holds text[], p_entries text[],
    p_accounts text[], p_lock_timeout text, p_statement_timeout text) RETURNS json LANGUAGE plpgsql AS $fn$
  DECLARE
    v_old json;
    v_base bigint;
    v_holds json;
    v_hold_accounts text[];
    v_entry_ids text[];
    v_entries json;
    v_failed json;
    v_entry_accounts text[];
    v_accounts json;
  BEGIN
    v_old := json_build_object('p', current_setting('plan_cache_mode'), 'j', current_setting('jit'),
      's', current_setting('enable_seqscan'), 'l', current_setting('lock_timeout'),
      't', current_setting('statement_timeout'));
    PERFORM set_config('plan_cache_mode', 'force_generic_plan', true), set_config('jit', 'off', true),
      set_config('enable_seqscan', 'off', true), set_config('lock_timeout', p_lock_timeout, true),
      set_config('statement_timeout', p_statement_timeout, true);
    v_base := coalesce(p_now, floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint);${
      idLocks
        ? `
    PERFORM pg_advisory_xact_lock(k.h) FROM (
      SELECT DISTINCT hashtextextended(current_schema() || '/paykit.ledger.id/' || i, 0) AS h
        FROM unnest(array_cat(array_cat(p_holds, p_entries), p_accounts)) i ORDER BY 1) k;`
        : ""
    }
    SELECT coalesce(json_agg(${holdJson} ORDER BY h.id), '[]'),
        coalesce(array_agg(h.debit) || array_agg(h.credit), '{}')
      INTO v_holds, v_hold_accounts
      FROM (SELECT * FROM paykit_ledger_holds
        WHERE id = ANY(p_holds) OR (status = 'pending' AND expires_at <= v_base)
        ORDER BY id FOR UPDATE) h;
    SELECT coalesce(array_agg(x.id), '{}') INTO v_entry_ids
      FROM (SELECT id FROM paykit_ledger_entries WHERE id = ANY(p_entries) ORDER BY id FOR UPDATE) x;
    SELECT coalesce(json_agg(${entryJson} ORDER BY e.id) FILTER (WHERE e.kind <> 'failed'), '[]'),
        coalesce(json_agg(${failedIdJson} ORDER BY e.id) FILTER (WHERE e.kind = 'failed'), '[]')
      INTO v_entries, v_failed
      FROM paykit_ledger_entries e WHERE e.id = ANY(v_entry_ids);
    SELECT coalesce(array_agg(p.debit) || array_agg(p.credit), '{}') INTO v_entry_accounts
      FROM paykit_ledger_postings p JOIN paykit_ledger_entries e ON e.id = p.entry_id
      WHERE p.entry_id = ANY(v_entry_ids) AND e.kind <> 'failed';
    SELECT coalesce(json_agg(row_to_json(a) ORDER BY a.id), '[]') INTO v_accounts
      FROM (SELECT ${accountColumns}, last_at::text AS last_at FROM paykit_ledger_accounts
        WHERE id = ANY(p_accounts || v_hold_accounts || v_entry_accounts) ORDER BY id FOR UPDATE) a;
    PERFORM set_config('plan_cache_mode', 'auto', true);
    RETURN json_build_object('old', v_old, 'base', v_base::text, 'holds', v_holds, 'entries', v_entries,
      'failed', v_failed, 'accounts', v_accounts);
  END
  $fn$`

const lockFunction = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql.unsafe(lockFunctionSql("CREATE", false))
)

/**
 * Migration 3: the lock function also takes a transaction advisory lock on every id the write
 * names (see {@link lockFunction}'s step 3), so a write inside the caller's transaction needs no
 * savepoint: it cannot meet a concurrent writer at a unique key.
 */
const idLocks = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql.unsafe(lockFunctionSql("CREATE OR REPLACE", true))
)

/** The ledger's migrations, keyed `<id>_<name>`; ids only ever grow. */
export const ledgerMigrations = {
  "1_ledger": ledger,
  "2_lock_function": lockFunction,
  "3_id_locks": idLocks
}
