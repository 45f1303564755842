import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

/**
 * `@paykit/notify-webhook`: endpoints, the delivery queue and the attempts. Namespace `webhooks`,
 * recorded in `paykit_webhooks_migrations`. Ids and the text the queries compare or order by are
 * `COLLATE "C"` (code-unit order, as the memory store's). Times are epoch milliseconds as
 * `bigint`. An endpoint's signing keys (sealed secrets), filter and metadata are `jsonb`.
 *
 * `seq` (an identity) numbers deliveries as they were queued; every list and every claim is in
 * `seq` order. The lease of a claimed delivery is `lease_token` and `lease_until` (the claimer's
 * clock), cleared by its completion, its release, a replay or its endpoint's disabling.
 *
 * The indexes serve the queue: `_due` (partial, pending only: `coalesce(next_attempt_at, 0)`,
 * `seq`) finds the due candidates of a claim that looks past the oldest pending deliveries (see
 * `_queue`, migration 2); `_head` (partial, pending only: endpoint, subject,
 * `seq`) checks in one probe that a candidate is the oldest pending delivery of its (endpoint,
 * subject), and finds an endpoint's pending deliveries when it is disabled. Neither holds a
 * finished delivery, so claims stay as fast with millions of succeeded rows as with none.
 * `_endpoint` (endpoint, `seq`) and `_status` (status, `seq`) serve the delivery log's lists,
 * `_created` (endpoint, created_at) a replay of a time range.
 */
const webhooks = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(`CREATE TABLE paykit_webhook_endpoints (
    id text COLLATE "C" PRIMARY KEY,
    owner text COLLATE "C" NOT NULL,
    url text NOT NULL,
    description text,
    event_types jsonb NOT NULL,
    payload text NOT NULL,
    keys jsonb NOT NULL,
    status text NOT NULL CHECK (status IN ('active', 'deprecated', 'disabled')),
    disabled_reason text,
    rate_limit bigint,
    failing_since bigint,
    metadata jsonb NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    version bigint NOT NULL
  )`)
  yield* sql`CREATE INDEX paykit_webhook_endpoints_owner ON paykit_webhook_endpoints (owner, id)`
  yield* sql.unsafe(`CREATE TABLE paykit_webhook_deliveries (
    id text COLLATE "C" PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    message_id text NOT NULL,
    endpoint_id text COLLATE "C" NOT NULL,
    owner text NOT NULL,
    event_id text NOT NULL,
    event_type text NOT NULL,
    subject text COLLATE "C" NOT NULL,
    payload text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts bigint NOT NULL,
    next_attempt_at bigint,
    next_kind text NOT NULL,
    failure_reason text,
    last_status_code bigint,
    last_error text,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    lease_token text,
    lease_until bigint
  )`)
  yield* sql`CREATE UNIQUE INDEX paykit_webhook_deliveries_seq ON paykit_webhook_deliveries (seq)`
  yield* sql`CREATE INDEX paykit_webhook_deliveries_due ON paykit_webhook_deliveries
    ((coalesce(next_attempt_at, 0)), seq) WHERE status = 'pending'`
  yield* sql`CREATE INDEX paykit_webhook_deliveries_head ON paykit_webhook_deliveries
    (endpoint_id, subject, seq) WHERE status = 'pending'`
  yield* sql`CREATE INDEX paykit_webhook_deliveries_endpoint ON paykit_webhook_deliveries (endpoint_id, seq)`
  yield* sql`CREATE INDEX paykit_webhook_deliveries_status ON paykit_webhook_deliveries (status, seq)`
  yield* sql`CREATE INDEX paykit_webhook_deliveries_created ON paykit_webhook_deliveries (endpoint_id, created_at)`
  yield* sql.unsafe(`CREATE TABLE paykit_webhook_attempts (
    delivery_id text COLLATE "C" NOT NULL,
    number bigint NOT NULL,
    kind text NOT NULL,
    started_at bigint NOT NULL,
    latency_ms bigint NOT NULL,
    status_code bigint,
    error text,
    response_body text,
    outcome text NOT NULL,
    next_attempt_at bigint,
    PRIMARY KEY (delivery_id, number)
  )`)
})

/**
 * `_queue` (partial, pending only: `seq`): the pending deliveries in `seq` order, so a claim reads
 * the oldest few hundred of them first and stops there when they hold enough candidates (see
 * `claim`), whatever the backlog behind them or the finished rows before them.
 */
const queueOrder = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE INDEX paykit_webhook_deliveries_queue ON paykit_webhook_deliveries (seq)
    WHERE status = 'pending'`
})

/** The webhooks migrations, keyed `<id>_<name>`; ids only ever grow. */
export const webhooksMigrations = {
  "1_webhooks": webhooks,
  "2_queue_order": queueOrder
}
