import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

/**
 * The shared transactional outbox (namespace `outbox`, recorded in `paykit_outbox_migrations`):
 * every domain's writes insert their events here in their own transaction, and one relay at a
 * time (the lease row) delivers them.
 */
const outbox = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
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

/** The outbox's migrations, keyed `<id>_<name>`; ids only ever grow. */
export const outboxMigrations = {
  "1_outbox": outbox
}
