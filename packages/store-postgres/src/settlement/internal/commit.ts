import type { SettlementStore } from "@paykit/settlement"
import { Effect } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { encodeEvents } from "../../internal/outboxInsert.ts"
import { payoutJson, runJson, trancheJson, transactionJson } from "./rows.ts"

/** The advisory-lock key of a book: `<merchant>/<currency>`, as `exclusive` is called with. */
export const bookKey = (merchant: string, currency: string): string => `${merchant}/${currency}`

/** The books a change writes to (the keys of their advisory locks), without repeats. */
export const keysOf = (change: SettlementStore.Change): ReadonlyArray<string> => {
  const keys = new Set<string>()
  if (change.book !== undefined) keys.add(bookKey(change.book.merchant, change.book.currency))
  for (const t of change.created) keys.add(bookKey(t.merchant, t.currency))
  for (const t of change.updated) keys.add(bookKey(t.merchant, t.currency))
  for (const t of change.tranches) keys.add(bookKey(t.merchant, t.currency))
  if (change.run !== undefined) keys.add(bookKey(change.run.merchant, change.run.currency))
  if (change.payout !== undefined)
    keys.add(bookKey(change.payout.payout.merchant, change.payout.payout.currency))
  return [...keys]
}

/** Takes the transaction-scoped advisory locks of `keys`, in one global order (one statement). */
export const lockBooks = (
  sql: SqlClient.SqlClient,
  keys: ReadonlyArray<string>
): Effect.Effect<void, SqlError> =>
  keys.length === 0
    ? Effect.void
    : Effect.asVoid(sql`SELECT pg_advisory_xact_lock(l.h) FROM (
        SELECT DISTINCT hashtextextended(current_schema() || '/paykit.settlement.book/' || k, 0) AS h
        FROM json_array_elements_text(${JSON.stringify(keys)}::json) AS k
      ) l ORDER BY l.h`)

/** The columns of a transaction taken from one element `e.v` of a JSON array parameter. */
const TX_FROM_JSON = `e.v->>'id' AS id, e.v->>'merchant' AS merchant, e.v->>'currency' AS currency,
  e.v->>'type' AS type, e.v->>'category' AS reporting_category, (e.v->>'gross')::numeric AS gross,
  (e.v->>'fee')::numeric AS fee, (e.v->>'net')::numeric AS net, (e.v->'feeDetails')::jsonb AS fee_details,
  e.v->>'source' AS source, e.v->>'payment' AS payment, (e.v->>'createdAt')::bigint AS created_at,
  (e.v->>'availableOn')::bigint AS available_on, e.v->>'status' AS status,
  e.v->>'exchangeRate' AS exchange_rate, e.v->>'payout' AS payout, e.v->>'description' AS description,
  (e.v->'dimensions')::jsonb AS dimensions, (e.v->'ledgerEntries')::jsonb AS ledger_entries, e.ord AS ord`

/** The columns a transaction can change, after its identity (id, merchant, currency). */
const MUTABLE = [
  "type",
  "reporting_category",
  "gross",
  "fee",
  "net",
  "fee_details",
  "source",
  "payment",
  "created_at",
  "available_on",
  "status",
  "exchange_rate",
  "payout",
  "description",
  "dimensions",
  "ledger_entries"
] as const

/** A created transaction's columns: the change's updated version of it when it has one (`u`), else its own (`c`). */
const PICKED = MUTABLE.map((k) => `CASE WHEN u.id IS NULL THEN c.${k} ELSE u.${k} END`).join(", ")

/** What the commit statement answers: whether its payout check passed (and so it wrote the change). */
export interface Written {
  readonly ok: boolean
}

/**
 * The whole change as one statement, its payout write first and every other write conditional on
 * it: the payout is inserted when new (`ON CONFLICT DO NOTHING`: an id that exists writes nothing)
 * or updated at the version read (`WHERE version = expected`); when that wrote no row, nothing
 * else is written and the answer is `ok: false` (`PayoutConflict`). Then the book (upsert), the
 * created transactions (`ON CONFLICT DO NOTHING`, the first of an id in the change, or the
 * change's updated version of it), the updated ones (all but the identity columns; the last of an
 * id in the change), the tranches (upsert, the last of an id), the run (upsert) and the events
 * into the shared outbox (one row, after the advisory locks of their subjects, as every adapter
 * does). A change without a payout always writes.
 */
export const writeChange = (
  sql: SqlClient.SqlClient,
  change: SettlementStore.Change
): Effect.Effect<Written, SqlError> =>
  Effect.gen(function* () {
    const events = change.events
    const eventsJson =
      events.length === 0 ? null : yield* encodeEvents(events, "SettlementStorePostgres.commit")
    const subjects = JSON.stringify([...new Set(events.map((e) => String(e.subject)))])
    const p = change.payout
    const mode = p === undefined ? "none" : p.expectedVersion === undefined ? "create" : "move"
    const payout = p === undefined ? null : JSON.stringify(payoutJson(p.payout))
    const expected = p?.expectedVersion ?? null
    const book = change.book
    const schedule = book === undefined ? null : JSON.stringify(book.schedule)
    const plan = book?.reservePlan === undefined ? null : JSON.stringify(book.reservePlan)
    const created = change.created.length === 0 ? null : JSON.stringify(change.created.map(transactionJson))
    const updated = change.updated.length === 0 ? null : JSON.stringify(change.updated.map(transactionJson))
    const tranches = change.tranches.length === 0 ? null : JSON.stringify(change.tranches.map(trancheJson))
    const run = change.run === undefined ? null : JSON.stringify(runJson(change.run))
    const [row] = yield* sql<{ ok: boolean }>`WITH pw AS (
        INSERT INTO paykit_settlement_payouts (id, merchant, currency, amount, control_total,
          transaction_count, run, status, created_at, updated_at, reference, arrival_date,
          failure_code, failed_after_paid, version)
        SELECT x.p->>'id', x.p->>'merchant', x.p->>'currency', (x.p->>'amount')::numeric,
          (x.p->>'controlTotal')::numeric, (x.p->>'transactionCount')::bigint, x.p->>'run',
          x.p->>'status', (x.p->>'createdAt')::bigint, (x.p->>'updatedAt')::bigint, x.p->>'reference',
          (x.p->>'arrivalDate')::bigint, x.p->>'failureCode', (x.p->>'failedAfterPaid')::boolean,
          (x.p->>'version')::bigint
        FROM (SELECT ${payout}::json AS p) x
        WHERE ${mode}::text = 'create'
        ON CONFLICT (id) DO NOTHING
        RETURNING 1 AS ok
      ), pu AS (
        UPDATE paykit_settlement_payouts u SET merchant = x.p->>'merchant', currency = x.p->>'currency',
          amount = (x.p->>'amount')::numeric, control_total = (x.p->>'controlTotal')::numeric,
          transaction_count = (x.p->>'transactionCount')::bigint, run = x.p->>'run',
          status = x.p->>'status', created_at = (x.p->>'createdAt')::bigint,
          updated_at = (x.p->>'updatedAt')::bigint, reference = x.p->>'reference',
          arrival_date = (x.p->>'arrivalDate')::bigint, failure_code = x.p->>'failureCode',
          failed_after_paid = (x.p->>'failedAfterPaid')::boolean, version = (x.p->>'version')::bigint
        FROM (SELECT ${payout}::json AS p) x
        WHERE ${mode}::text = 'move' AND u.id = x.p->>'id' AND u.version = ${expected}::bigint
        RETURNING 1 AS ok
      ), go AS (
        SELECT CASE ${mode}::text
            WHEN 'create' THEN EXISTS (SELECT 1 FROM pw)
            WHEN 'move' THEN EXISTS (SELECT 1 FROM pu)
            ELSE true END AS ok
      ), book AS (
        INSERT INTO paykit_settlement_books (merchant, currency, schedule, reserve_plan)
        SELECT ${book?.merchant ?? null}::text, ${book?.currency ?? null}::text, ${schedule}::json,
          ${plan}::json
        FROM go WHERE go.ok AND ${book !== undefined}::boolean
        ON CONFLICT (merchant, currency) DO UPDATE
          SET schedule = EXCLUDED.schedule, reserve_plan = EXCLUDED.reserve_plan
        RETURNING 1 AS ok
      ), up AS (
        SELECT DISTINCT ON (id) * FROM (
          SELECT ${sql.literal(TX_FROM_JSON)}
          FROM json_array_elements(${updated}::json) WITH ORDINALITY AS e(v, ord)
        ) u ORDER BY id, ord DESC
      ), cr AS (
        SELECT DISTINCT ON (id) * FROM (
          SELECT ${sql.literal(TX_FROM_JSON)}
          FROM json_array_elements(${created}::json) WITH ORDINALITY AS e(v, ord)
        ) c ORDER BY id, ord
      ), created AS (
        INSERT INTO paykit_settlement_transactions (id, merchant, currency, type, reporting_category,
          gross, fee, net, fee_details, source, payment, created_at, available_on, status,
          exchange_rate, payout, description, dimensions, ledger_entries)
        SELECT c.id, c.merchant, c.currency, ${sql.literal(PICKED)}
        FROM go, cr c LEFT JOIN up u ON u.id = c.id
        WHERE go.ok
        ORDER BY c.ord
        ON CONFLICT (id) DO NOTHING
        RETURNING 1 AS ok
      ), updated AS (
        UPDATE paykit_settlement_transactions t SET type = u.type,
          reporting_category = u.reporting_category, gross = u.gross, fee = u.fee, net = u.net,
          fee_details = u.fee_details, source = u.source, payment = u.payment,
          created_at = u.created_at, available_on = u.available_on, status = u.status,
          exchange_rate = u.exchange_rate, payout = u.payout, description = u.description,
          dimensions = u.dimensions, ledger_entries = u.ledger_entries
        FROM go, up u
        WHERE go.ok AND t.id = u.id
        RETURNING 1 AS ok
      ), tranches AS (
        INSERT INTO paykit_settlement_tranches (merchant, currency, id, amount, remaining, release_on)
        SELECT d.merchant, d.currency, d.id, d.amount, d.remaining, d.release_on FROM (
          SELECT DISTINCT ON (e.v->>'merchant', e.v->>'currency', e.v->>'id')
            e.v->>'merchant' AS merchant, e.v->>'currency' AS currency, e.v->>'id' AS id,
            (e.v->>'amount')::numeric AS amount, (e.v->>'remaining')::numeric AS remaining,
            (e.v->>'releaseOn')::bigint AS release_on, e.ord
          FROM json_array_elements(${tranches}::json) WITH ORDINALITY AS e(v, ord)
          ORDER BY e.v->>'merchant', e.v->>'currency', e.v->>'id', e.ord DESC
        ) d, go
        WHERE go.ok
        ORDER BY d.ord
        ON CONFLICT (merchant, currency, id) DO UPDATE
          SET amount = EXCLUDED.amount, remaining = EXCLUDED.remaining, release_on = EXCLUDED.release_on
        RETURNING 1 AS ok
      ), run AS (
        INSERT INTO paykit_settlement_runs (id, merchant, currency, cutoff, made_available,
          made_available_net, reserve_held, reserve_released, payout, carried, created_at)
        SELECT x.r->>'id', x.r->>'merchant', x.r->>'currency', (x.r->>'cutoff')::bigint,
          (x.r->>'madeAvailable')::bigint, (x.r->>'madeAvailableNet')::numeric,
          (x.r->>'reserveHeld')::numeric, (x.r->>'reserveReleased')::numeric, x.r->>'payout',
          x.r->>'carried', (x.r->>'createdAt')::bigint
        FROM (SELECT ${run}::json AS r) x, go
        WHERE go.ok AND x.r IS NOT NULL
        ON CONFLICT (id) DO UPDATE SET merchant = EXCLUDED.merchant, currency = EXCLUDED.currency,
          cutoff = EXCLUDED.cutoff, made_available = EXCLUDED.made_available,
          made_available_net = EXCLUDED.made_available_net, reserve_held = EXCLUDED.reserve_held,
          reserve_released = EXCLUDED.reserve_released, payout = EXCLUDED.payout,
          carried = EXCLUDED.carried, created_at = EXCLUDED.created_at
        RETURNING 1 AS ok
      ), locked AS (
        SELECT pg_advisory_xact_lock(l.h) AS l FROM (
          SELECT DISTINCT hashtextextended('paykit:outbox:' || current_schema() || ':' || s, 0) AS h
          FROM go, json_array_elements_text(${subjects}::json) AS s
          WHERE go.ok
        ) l ORDER BY l.h
      ), outbox AS (
        INSERT INTO paykit_outbox (events, count)
        SELECT ${eventsJson}::json, ${events.length}::int FROM go
        WHERE go.ok AND ${events.length}::int > 0 AND (SELECT count(*) FROM locked) >= 0
        RETURNING 1 AS ok
      )
      SELECT go.ok AS ok FROM go`
    return { ok: row?.ok === true }
  })
