import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

/** 2^127 − 1, the largest amount or running total (Money.MAX_AMOUNT). */
const MAX = "170141183460469231731687303715884105727"

const ledger = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // Units of account with their exponents; an account's currency must be one of them.
  yield* sql`CREATE TABLE paykit_currencies (
    code text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z0-9_]{1,11}$'),
    exponent smallint NOT NULL CHECK (exponent BETWEEN 0 AND 18)
  )`
  yield* sql.unsafe(`CREATE TABLE paykit_accounts (
    id text COLLATE "C" PRIMARY KEY,
    currency text NOT NULL REFERENCES paykit_currencies (code),
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
    UNIQUE (id, currency),
    CHECK (NOT (debits_must_not_exceed_credits AND credits_must_not_exceed_debits)),
    CONSTRAINT paykit_accounts_debit_limit
      CHECK (NOT debits_must_not_exceed_credits OR debits_posted + debits_pending <= credits_posted),
    CONSTRAINT paykit_accounts_credit_limit
      CHECK (NOT credits_must_not_exceed_debits OR credits_posted + credits_pending <= debits_posted)
  )`)
  yield* sql`CREATE TABLE paykit_entries (
    id text COLLATE "C" PRIMARY KEY,
    seq bigserial NOT NULL,
    kind text NOT NULL CHECK (kind IN ('transfer', 'hold', 'hold_post', 'hold_void', 'hold_expire', 'reversal')),
    hold_id text,
    reverses text,
    reversed_by text,
    timeout_ms bigint,
    description text,
    metadata jsonb NOT NULL DEFAULT '{}',
    created_at bigint NOT NULL,
    hash text NOT NULL
  )`
  // Postings and lines carry no foreign keys: the write path inserts them in the statement that
  // inserts their entry, for accounts it has locked and checked (existence, currency) under the
  // lock. Three foreign-key checks per posting were about 40% of a batch's statement time.
  yield* sql.unsafe(`CREATE TABLE paykit_postings (
    entry_id text COLLATE "C" NOT NULL,
    idx smallint NOT NULL,
    debit text COLLATE "C" NOT NULL,
    credit text COLLATE "C" NOT NULL,
    amount numeric(39,0) NOT NULL CHECK (amount BETWEEN 1 AND ${MAX}),
    currency text NOT NULL,
    PRIMARY KEY (entry_id, idx),
    CHECK (debit <> credit)
  )`)
  yield* sql.unsafe(`CREATE TABLE paykit_holds (
    id text COLLATE "C" PRIMARY KEY REFERENCES paykit_entries (id),
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
    FOREIGN KEY (debit, currency) REFERENCES paykit_accounts (id, currency),
    FOREIGN KEY (credit, currency) REFERENCES paykit_accounts (id, currency)
  )`)
  yield* sql`CREATE INDEX paykit_holds_due ON paykit_holds (expires_at) WHERE status = 'pending' AND expires_at IS NOT NULL`
  // Lines (an account's balances after each entry) are derived from entries in the same
  // statement (no foreign keys, as for postings). One row holds the run of lines one write
  // transaction adds to one account: seqs first_seq..last_seq (consecutive, since the account
  // is locked for the whole transaction), their entries, times and balances as arrays. A row per
  // line with its two index entries was the dearest part of a batch; a run is one row. The
  // view paykit_account_lines shows one row per line.
  yield* sql`CREATE TABLE paykit_lines (
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
  yield* sql`CREATE INDEX paykit_lines_at ON paykit_lines (account_id, min_at, last_seq)`
  yield* sql`CREATE VIEW paykit_account_lines AS
    SELECT l.account_id, l.first_seq + u.k - 1 AS seq, u.entry_id, u.at, u.debits_posted, u.credits_posted,
      u.debits_pending, u.credits_pending
    FROM paykit_lines l CROSS JOIN LATERAL unnest(l.entry_ids, l.ats, l.debits_posted, l.credits_posted,
      l.debits_pending, l.credits_pending) WITH ORDINALITY
      AS u(entry_id, at, debits_posted, credits_posted, debits_pending, credits_pending, k)`
  // One outbox row per write transaction: its events, in order, as one JSON array. A row per
  // event (a 340-byte document beside a 150-byte entry) was a third of a batch's statement time
  // and write-ahead log; one compressed document per transaction is a small fraction of it.
  yield* sql`CREATE TABLE paykit_outbox (
    seq bigserial PRIMARY KEY,
    events json NOT NULL,
    count integer NOT NULL CHECK (count > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
  )`
  yield* sql`CREATE INDEX paykit_outbox_unsent ON paykit_outbox (seq) WHERE sent_at IS NULL`
  yield* sql`CREATE TABLE paykit_outbox_relay (
    id int PRIMARY KEY CHECK (id = 1),
    holder text NOT NULL,
    lease_until timestamptz NOT NULL
  )`
  yield* sql`INSERT INTO paykit_outbox_relay (id, holder, lease_until) VALUES (1, '', '-infinity')`
})

/**
 * `@paykit/accounts`: account records (the domain object as JSON, with a few columns to query),
 * the lookup indexes, wrapped subject keys, sealed PII fields (stored exactly as sealed: the
 * base64 nonce, ciphertext and tag; never decrypted here), legal holds, erasures and the audit
 * trail. Table names carry `acct` because `paykit_accounts` is the ledger's.
 */
const accounts = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE paykit_acct_accounts (
    id text COLLATE "C" PRIMARY KEY,
    version bigint NOT NULL CHECK (version >= 1),
    type text NOT NULL,
    status text NOT NULL,
    country text NOT NULL,
    currency text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    data jsonb NOT NULL
  )`
  yield* sql`CREATE TABLE paykit_acct_index (
    kind text NOT NULL CHECK (kind IN ('email', 'registration', 'subject')),
    key text COLLATE "C" NOT NULL,
    account_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (kind, key)
  )`
  yield* sql`CREATE TABLE paykit_acct_keys (
    subject text COLLATE "C" PRIMARY KEY,
    version integer NOT NULL,
    kek_version integer NOT NULL,
    wrapped text NOT NULL
  )`
  yield* sql`CREATE TABLE paykit_acct_fields (
    subject text COLLATE "C" NOT NULL,
    field text COLLATE "C" NOT NULL,
    key_version integer NOT NULL,
    nonce text NOT NULL,
    ciphertext text NOT NULL,
    tag text NOT NULL,
    PRIMARY KEY (subject, field)
  )`
  yield* sql`CREATE TABLE paykit_acct_holds (
    seq bigserial PRIMARY KEY,
    subject text COLLATE "C" NOT NULL,
    basis text NOT NULL,
    until bigint NOT NULL,
    placed_at bigint NOT NULL
  )`
  yield* sql`CREATE INDEX paykit_acct_holds_subject ON paykit_acct_holds (subject, seq)`
  yield* sql`CREATE TABLE paykit_acct_erasures (
    subject text COLLATE "C" PRIMARY KEY,
    requested_at bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('retained', 'erased')),
    until bigint,
    basis text,
    erased_at bigint
  )`
  yield* sql`CREATE INDEX paykit_acct_erasures_due ON paykit_acct_erasures (until) WHERE status = 'retained'`
  yield* sql`CREATE TABLE paykit_acct_audit (
    seq bigserial PRIMARY KEY,
    id text NOT NULL,
    at bigint NOT NULL,
    account_id text COLLATE "C" NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    version bigint NOT NULL,
    changes jsonb NOT NULL
  )`
  yield* sql`CREATE INDEX paykit_acct_audit_account ON paykit_acct_audit (account_id, seq)`
})

/**
 * `@paykit/fx`: rate-locked quotes. The quote is kept as its Schema JSON encoding (amounts as
 * minor-unit strings, rates as decimal strings); the columns beside it are for queries and
 * for the exactly-once `consume` (`UPDATE … WHERE used_at IS NULL`).
 */
const fxQuotes = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(`CREATE TABLE paykit_fx_quotes (
    id text COLLATE "C" PRIMARY KEY,
    source text NOT NULL,
    target text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    principal numeric(39,0) NOT NULL CHECK (principal BETWEEN -${MAX} AND ${MAX}),
    received numeric(39,0) NOT NULL CHECK (received BETWEEN -${MAX} AND ${MAX}),
    quote jsonb NOT NULL,
    used_at bigint
  )`)
  yield* sql`CREATE INDEX paykit_fx_quotes_open ON paykit_fx_quotes (expires_at) WHERE used_at IS NULL`
})

/**
 * `@paykit/risk`: velocity histories, one row per (key kind, key, event): an event with a
 * customer, a card and an IP is three rows sharing its `seq` (the recording order). Each key
 * keeps the `cap` latest rows by (`at`, `seq`); the primary key is the history's order.
 */
const riskVelocity = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE SEQUENCE paykit_risk_velocity_seq`
  yield* sql.unsafe(`CREATE TABLE paykit_risk_velocity (
    kind text NOT NULL CHECK (kind IN ('customer', 'card', 'ip', 'device', 'email')),
    key text COLLATE "C" NOT NULL,
    at bigint NOT NULL,
    seq bigint NOT NULL,
    id text NOT NULL,
    amount_ref numeric(39,0) NOT NULL CHECK (amount_ref BETWEEN -${MAX} AND ${MAX}),
    declined boolean NOT NULL,
    customer text,
    card text,
    ip text,
    device text,
    email text,
    ip_country text,
    PRIMARY KEY (kind, key, at, seq)
  )`)
  yield* sql`CREATE INDEX paykit_risk_velocity_at ON paykit_risk_velocity (at)`
})

/**
 * The ledger's clock (`StoreConfig.clock`): each account row keeps the time of its latest line
 * (`last_at`), which a write reads under the account's lock and never stamps below, so an
 * account's lines are in time order whatever the writers' clocks. On the account row rather than
 * read from `paykit_lines`: a locking read returns the row's newest version even after waiting
 * for the lock, while a join to the lines would see them as of the statement's start. Filled
 * from the lines already written.
 */
const ledgerTime = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE paykit_accounts ADD COLUMN last_at bigint`
  yield* sql`UPDATE paykit_accounts a SET last_at = (
    SELECT max(u.at) FROM paykit_lines l CROSS JOIN LATERAL unnest(l.ats) AS u(at) WHERE l.account_id = a.id
  )`
})

/**
 * Consumed entry ids (`failedIds: "consumed"`): a row of `paykit_entries` of kind `failed` with
 * the first failure in `error` (and no postings, lines or hold). In the entries' id space, so the
 * primary key makes an id an entry or a failure, never both: of two transactions racing on one
 * id, one failing it and one writing it, the second to insert gets a unique violation and is
 * re-run, seeing the first's row. Every reader of entries leaves these rows out.
 */
const failedIds = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE paykit_entries ADD COLUMN error jsonb`
  yield* sql`ALTER TABLE paykit_entries DROP CONSTRAINT paykit_entries_kind_check`
  yield* sql`ALTER TABLE paykit_entries ADD CONSTRAINT paykit_entries_kind_check
    CHECK (kind IN ('transfer', 'hold', 'hold_post', 'hold_void', 'hold_expire', 'reversal', 'failed'))`
  yield* sql`ALTER TABLE paykit_entries ADD CONSTRAINT paykit_entries_error_check
    CHECK ((kind = 'failed') = (error IS NOT NULL))`
})

/** Every migration, keyed `<id>_<name>`; ids only ever grow. */
export const migrations = {
  "1_ledger": ledger,
  "2_accounts": accounts,
  "3_fx_quotes": fxQuotes,
  "4_risk_velocity": riskVelocity,
  "5_ledger_time": ledgerTime,
  "6_failed_ids": failedIds
}
