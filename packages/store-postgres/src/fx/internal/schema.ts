import { Effect } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { MAX } from "../../internal/adapter.ts"

/**
 * `@paykit/fx`: rate-locked quotes. The quote is kept as its Schema JSON encoding (amounts as
 * minor-unit strings, rates as decimal strings); the columns beside it are for queries and
 * for the exactly-once `consume` (`UPDATE … WHERE used_at IS NULL`). Namespace `fx`, recorded in
 * `paykit_fx_migrations`.
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

/** The FX migrations, keyed `<id>_<name>`; ids only ever grow. */
export const fxMigrations = {
  "1_quotes": fxQuotes
}
