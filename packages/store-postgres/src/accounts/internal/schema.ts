import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

/**
 * `@paykit/accounts`: account records (the domain object as JSON, with a few columns to query),
 * the lookup indexes, wrapped subject keys, sealed PII fields (stored exactly as sealed: the
 * base64 nonce, ciphertext and tag; never decrypted here), legal holds, erasures and the audit
 * trail. Namespace `accounts`, recorded in `paykit_accounts_migrations`.
 */
const accounts = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE paykit_accounts_accounts (
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
  yield* sql`CREATE TABLE paykit_accounts_index (
    kind text NOT NULL CHECK (kind IN ('email', 'registration', 'subject')),
    key text COLLATE "C" NOT NULL,
    account_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (kind, key)
  )`
  yield* sql`CREATE TABLE paykit_accounts_keys (
    subject text COLLATE "C" PRIMARY KEY,
    version integer NOT NULL,
    kek_version integer NOT NULL,
    wrapped text NOT NULL
  )`
  yield* sql`CREATE TABLE paykit_accounts_fields (
    subject text COLLATE "C" NOT NULL,
    field text COLLATE "C" NOT NULL,
    key_version integer NOT NULL,
    nonce text NOT NULL,
    ciphertext text NOT NULL,
    tag text NOT NULL,
    PRIMARY KEY (subject, field)
  )`
  yield* sql`CREATE TABLE paykit_accounts_holds (
    seq bigserial PRIMARY KEY,
    subject text COLLATE "C" NOT NULL,
    basis text NOT NULL,
    until bigint NOT NULL,
    placed_at bigint NOT NULL
  )`
  yield* sql`CREATE INDEX paykit_accounts_holds_subject ON paykit_accounts_holds (subject, seq)`
  yield* sql`CREATE TABLE paykit_accounts_erasures (
    subject text COLLATE "C" PRIMARY KEY,
    requested_at bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('retained', 'erased')),
    until bigint,
    basis text,
    erased_at bigint
  )`
  yield* sql`CREATE INDEX paykit_accounts_erasures_due ON paykit_accounts_erasures (until) WHERE status = 'retained'`
  yield* sql`CREATE TABLE paykit_accounts_audit (
    seq bigserial PRIMARY KEY,
    id text NOT NULL,
    at bigint NOT NULL,
    account_id text COLLATE "C" NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    version bigint NOT NULL,
    changes jsonb NOT NULL
  )`
  yield* sql`CREATE INDEX paykit_accounts_audit_account ON paykit_accounts_audit (account_id, seq)`
})

/**
 * Concurrency (issue 16): retired key-encryption-key versions (no data key may be written under
 * one), and an index to find the data keys still wrapped under a version (retirement's check).
 * Per-subject and per-KEK-version locks are advisory transaction locks: no table.
 */
const concurrency = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE paykit_accounts_retired_keks (
    kek_version integer PRIMARY KEY,
    retired_at timestamptz NOT NULL DEFAULT now()
  )`
  yield* sql`CREATE INDEX paykit_accounts_keys_kek ON paykit_accounts_keys (kek_version, subject)`
})

/** The accounts' migrations, keyed `<id>_<name>`; ids only ever grow. */
export const accountsMigrations = {
  "1_accounts": accounts,
  "2_concurrency": concurrency
}
