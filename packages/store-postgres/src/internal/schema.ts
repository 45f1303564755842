import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"

const ledger = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE paykit_outbox (
    seq bigserial PRIMARY KEY,
    event_id text NOT NULL UNIQUE,
    subject text NOT NULL,
    type text NOT NULL,
    event jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
  )`
})

/** Every migration, keyed `<id>_<name>`; ids only ever grow. */
export const migrations = {
  "1_ledger": ledger
}
