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

/** The payment's keys as rows `(kind, key)`: the five key parameters of the velocity functions. */
const KEYS = `(VALUES ('customer', p_customer), ('card', p_card), ('ip', p_ip), ('device', p_device),
      ('email', p_email)) AS k(kind, key)`

/**
 * The transaction-scoped advisory lock of each of the payment's keys, in one global order (by
 * hash). The hash is the one every earlier version took (`paykit:velocity:<schema>:<kind>:<key>`),
 * so processes of both versions exclude each other during a rolling upgrade.
 */
const LOCK_KEYS = `PERFORM pg_advisory_xact_lock(l.h) FROM (
      SELECT DISTINCT hashtextextended('paykit:velocity:' || current_schema() || ':' || k.kind || ':' || k.key, 0) AS h
      FROM ${KEYS} WHERE k.key IS NOT NULL
    ) l ORDER BY l.h;`

/**
 * Issue 17 (the PostgreSQL velocity store recorded 42–120 events/s): an assessment was six round
 * trips (eight with alerts) and its read a hash join over the whole table (the planner guessed 100
 * keys from the JSON and scanned every row). Two functions make it BEGIN, one call that locks and
 * reads, one call that records, COMMIT:
 *
 * - `paykit_risk_velocity_lock_read(customer, card, ip, device, email, read)`: takes the keys'
 *   advisory locks in the global order, then returns the histories of the kinds in `read`
 *   (comma-separated), each key by an index range scan of the primary key, by (kind, at, seq).
 * - `paykit_risk_velocity_record(keys…, event…, cap, events, count, subjects)`: takes the locks
 *   of the event's keys (already held in an assessment: no wait), inserts one row per key (a
 *   payment id the key holds updates `declined`/`blocked`, which once true stay), trims each key to
 *   its `cap` latest rows, then, when `count > 0`, takes the outbox lock of each event subject (in
 *   the outbox's order) and inserts the events' row into `paykit_outbox`, as `insertEvents` does.
 *
 * Both run in the caller's transaction (`SqlClient.withTransaction`, or the caller's own).
 */
const velocityFunctions = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(`CREATE FUNCTION paykit_risk_velocity_lock_read(
    p_customer text, p_card text, p_ip text, p_device text, p_email text, p_read text)
  RETURNS TABLE (k_kind text, id text, at text, amount_ref text, declined boolean, blocked boolean,
    customer text, card text, ip text, device text, email text, ip_country text)
  LANGUAGE plpgsql VOLATILE
  -- plans made once per connection: every statement here is an index lookup whatever the keys
  SET plan_cache_mode = force_generic_plan
  AS $fn$
  #variable_conflict use_column
  BEGIN
    ${LOCK_KEYS}
    IF p_read IS NULL OR p_read = '' THEN
      RETURN;
    END IF;
    RETURN QUERY
      SELECT k.kind::text, v.id, v.at::text, v.amount_ref::text, v.declined, v.blocked,
        v.customer, v.card, v.ip, v.device, v.email, v.ip_country
      FROM ${KEYS}
      CROSS JOIN LATERAL (
        SELECT p.* FROM paykit_risk_velocity p
        WHERE p.kind = k.kind AND p.key = k.key
        ORDER BY p.at, p.seq
      ) v
      WHERE k.key IS NOT NULL AND k.kind = ANY (string_to_array(p_read, ','))
      ORDER BY k.kind, v.at, v.seq;
  END
  $fn$`)
  yield* sql.unsafe(`CREATE FUNCTION paykit_risk_velocity_record(
    p_customer text, p_card text, p_ip text, p_device text, p_email text,
    p_id text, p_at bigint, p_amount_ref numeric, p_declined boolean, p_blocked boolean,
    p_ip_country text, p_cap integer, p_events json, p_count integer, p_subjects json)
  RETURNS void
  LANGUAGE plpgsql VOLATILE
  -- plans made once per connection: every statement here is an index lookup whatever the keys
  SET plan_cache_mode = force_generic_plan
  AS $fn$
  #variable_conflict use_column
  DECLARE
    r record;
    cut_at bigint;
    cut_seq bigint;
  BEGIN
    IF num_nonnulls(p_customer, p_card, p_ip, p_device, p_email) > 0 THEN
      ${LOCK_KEYS}
      INSERT INTO paykit_risk_velocity
        (kind, key, at, seq, id, amount_ref, declined, blocked, customer, card, ip, device, email, ip_country)
      SELECT k.kind, k.key, p_at, s.seq, p_id, p_amount_ref, p_declined, p_blocked,
        p_customer, p_card, p_ip, p_device, p_email, p_ip_country
      FROM ${KEYS}, (SELECT nextval('paykit_risk_velocity_seq') AS seq) s
      WHERE k.key IS NOT NULL
      ON CONFLICT (kind, key, id) DO UPDATE
        SET declined = paykit_risk_velocity.declined OR excluded.declined,
          blocked = paykit_risk_velocity.blocked OR excluded.blocked;
      -- each key to its cap latest rows: find the cap-th latest (one backward scan of at most cap
      -- index entries), then delete what lies before it (a range of the primary key)
      FOR r IN SELECT k.kind, k.key FROM ${KEYS} WHERE k.key IS NOT NULL LOOP
        SELECT p.at, p.seq INTO cut_at, cut_seq FROM paykit_risk_velocity p
          WHERE p.kind = r.kind AND p.key = r.key
          ORDER BY p.at DESC, p.seq DESC OFFSET p_cap - 1 LIMIT 1;
        IF FOUND THEN
          DELETE FROM paykit_risk_velocity p
            WHERE p.kind = r.kind AND p.key = r.key AND (p.at, p.seq) < (cut_at, cut_seq);
        END IF;
      END LOOP;
    END IF;
    IF p_count > 0 THEN
      -- the outbox's per-subject order lock, then its row: as insertEvents does
      PERFORM pg_advisory_xact_lock(l.h) FROM (
        SELECT DISTINCT hashtextextended('paykit:outbox:' || current_schema() || ':' || s.subject, 0) AS h
        FROM json_array_elements_text(p_subjects) AS s(subject)
      ) l ORDER BY l.h;
      INSERT INTO paykit_outbox (events, count) VALUES (p_events, p_count);
    END IF;
  END
  $fn$`)
})

/** The risk migrations, keyed `<id>_<name>`; ids only ever grow. */
export const riskMigrations = {
  "1_velocity": riskVelocity,
  "2_velocity_one_per_payment": velocityOnePerPayment,
  "3_lists": lists,
  "4_velocity_functions": velocityFunctions
}
