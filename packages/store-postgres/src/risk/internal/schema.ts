import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { MAX } from "../../internal/adapter.ts"

/**
 * `@paykit/risk`: velocity histories, one row per (key kind, key, event): an event with a
 * customer, a card and an IP is three rows sharing its `seq` (the recording order). Each key
 * keeps the `cap` latest rows by (`at`, `seq`); the primary key is the history's order. Namespace
 * `risk`, recorded in `paykit_risk_migrations`.
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
 * One event per payment id and key (issue 17: a retried assessment counted twice, an issuer's
 * decline added a second attempt): existing duplicates fold into the first (its time and amount,
 * `declined` if any was), a unique index makes a repeated id an update, and `blocked` keeps this
 * service's own blocks apart from issuer declines (rows from before it count as not blocked).
 */
const velocityOnePerPayment = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE paykit_risk_velocity ADD COLUMN blocked boolean NOT NULL DEFAULT false`
  yield* sql`UPDATE paykit_risk_velocity v SET declined = true
    WHERE NOT v.declined AND EXISTS (SELECT 1 FROM paykit_risk_velocity d
      WHERE d.kind = v.kind AND d.key = v.key AND d.id = v.id AND d.declined)`
  yield* sql`DELETE FROM paykit_risk_velocity v USING paykit_risk_velocity f
    WHERE f.kind = v.kind AND f.key = v.key AND f.id = v.id AND (f.at, f.seq) < (v.at, v.seq)`
  yield* sql`CREATE UNIQUE INDEX paykit_risk_velocity_payment ON paykit_risk_velocity (kind, key, id)`
})

/**
 * Run-time allow and block lists and snoozes (`ListStorePostgres`): one row per list value, one
 * per snooze (rule, pivot value), and one counter every change raises, which instances poll.
 */
const lists = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE paykit_risk_list_values (
    list text COLLATE "C" NOT NULL,
    value text COLLATE "C" NOT NULL CHECK (length(value) BETWEEN 1 AND 320),
    PRIMARY KEY (list, value)
  )`
  yield* sql`CREATE TABLE paykit_risk_snoozes (
    rule_id text COLLATE "C" NOT NULL,
    value text COLLATE "C" NOT NULL,
    until bigint NOT NULL,
    PRIMARY KEY (rule_id, value)
  )`
  yield* sql`CREATE TABLE paykit_risk_lists_version (
    id smallint PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
  )`
  yield* sql`INSERT INTO paykit_risk_lists_version (id, version) VALUES (1, 0)`
})

/** The risk migrations, keyed `<id>_<name>`; ids only ever grow. */
export const riskMigrations = {
  "1_velocity": riskVelocity,
  "2_velocity_one_per_payment": velocityOnePerPayment,
  "3_lists": lists
}
