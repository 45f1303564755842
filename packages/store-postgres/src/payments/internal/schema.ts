import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { MAX } from "../../internal/adapter.ts"

/**
 * `@paykit/payments`: payments, their timelines and idempotency records. A payment is kept as
 * its JSON document (`PaymentCodec`: amounts as minor-unit strings); the columns beside it are
 * for the version check and the queries (a merchant's list, newest first; lapsed
 * authorisations; payments waiting for the provider). Namespace `payments`, recorded in
 * `paykit_payments_migrations`.
 */
const payments = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(`CREATE TABLE paykit_payments_payments (
    id text COLLATE "C" PRIMARY KEY,
    merchant text COLLATE "C" NOT NULL,
    status text NOT NULL,
    customer text COLLATE "C",
    payment_method text COLLATE "C",
    amount numeric(39,0) NOT NULL CHECK (amount BETWEEN -${MAX} AND ${MAX}),
    currency text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint,
    waiting boolean NOT NULL,
    version bigint NOT NULL,
    payment jsonb NOT NULL
  )`)
  yield* sql`CREATE INDEX paykit_payments_payments_list
    ON paykit_payments_payments (merchant, created_at DESC, id DESC)`
  yield* sql`CREATE INDEX paykit_payments_payments_expiring ON paykit_payments_payments (expires_at, id)
    WHERE status IN ('requires_capture', 'partially_captured') AND expires_at IS NOT NULL`
  yield* sql`CREATE INDEX paykit_payments_payments_waiting ON paykit_payments_payments (created_at, id)
    WHERE waiting`
  yield* sql.unsafe(`CREATE TABLE paykit_payments_timeline (
    payment_id text COLLATE "C" NOT NULL REFERENCES paykit_payments_payments (id),
    seq integer NOT NULL,
    entry jsonb NOT NULL,
    PRIMARY KEY (payment_id, seq)
  )`)
  yield* sql.unsafe(`CREATE TABLE paykit_payments_idempotency (
    merchant text COLLATE "C" NOT NULL,
    key text COLLATE "C" NOT NULL,
    payment_id text COLLATE "C" NOT NULL,
    at bigint NOT NULL,
    record jsonb NOT NULL,
    PRIMARY KEY (merchant, key)
  )`)
})

/** The payments migrations, keyed `<id>_<name>`; ids only ever grow. */
export const paymentsMigrations = {
  "1_payments": payments
}
