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

/** The risk migrations, keyed `<id>_<name>`; ids only ever grow. */
export const riskMigrations = {
  "1_velocity": riskVelocity
}
