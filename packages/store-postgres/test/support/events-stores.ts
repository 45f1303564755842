import type { AccountStore } from "@paykit/accounts"
import { type DomainEvent, Notifier } from "@paykit/core"
import type { QuoteStore } from "@paykit/fx"
import type { VelocityStore } from "@paykit/risk"
import { Effect, type Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import * as AccountStorePostgres from "../../src/accounts/AccountStorePostgres.ts"
import * as QuoteStorePostgres from "../../src/fx/QuoteStorePostgres.ts"
import * as Outbox from "../../src/Outbox.ts"
import * as VelocityStorePostgres from "../../src/risk/VelocityStorePostgres.ts"
import { TestStores } from "../../src/testing/index.ts"

/** The accounts, FX and risk adapters on one backend, a fresh schema per build. */
export interface Backend {
  readonly name: string
  readonly accounts: () => Layer.Layer<AccountStore.AccountStore | SqlClient.SqlClient, unknown>
  readonly quotes: () => Layer.Layer<QuoteStore.QuoteStore | SqlClient.SqlClient, unknown>
  readonly velocity: (cap?: number) => Layer.Layer<VelocityStore.VelocityStore | SqlClient.SqlClient, unknown>
}

/** One PGlite for the test file, a fresh schema per build. */
export const pgliteBackend: Backend = {
  name: "PGlite",
  accounts: () =>
    TestStores.pgliteSharedWith("ev_acct", (schema) => AccountStorePostgres.layerClient({ schema })),
  quotes: () => TestStores.pgliteSharedWith("ev_fx", (schema) => QuoteStorePostgres.layerClient({ schema })),
  velocity: (cap) =>
    TestStores.pgliteSharedWith("ev_risk", (schema) =>
      VelocityStorePostgres.layerClient({ schema, ...(cap === undefined ? {} : { cap }) })
    )
}

/** The server at `url`, a fresh schema per build. */
export const serverBackend = (url: string): Backend => ({
  name: "PostgreSQL",
  accounts: () => TestStores.serverWith(url, "ev_acct", AccountStorePostgres.layer),
  quotes: () => TestStores.serverWith(url, "ev_fx", QuoteStorePostgres.layer),
  velocity: (cap) =>
    TestStores.serverWith(url, "ev_risk", (config) =>
      VelocityStorePostgres.layer({ ...config, ...(cap === undefined ? {} : { cap }) })
    )
})

/** One outbox row as stored. */
export interface OutboxRow {
  readonly count: number
  readonly events: ReadonlyArray<DomainEvent.DomainEvent>
  readonly sent: boolean
}

/** Every outbox row of the current schema, in `seq` order. */
export const outboxRows: Effect.Effect<
  ReadonlyArray<OutboxRow>,
  unknown,
  SqlClient.SqlClient
> = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.map(
    sql<{ count: number; events: string; sent: boolean | string }>`SELECT count, events::text AS events,
          (sent_at IS NOT NULL) AS sent FROM paykit_outbox ORDER BY seq`,
    (rows) =>
      rows.map((r) => ({
        count: Number(r.count),
        events: JSON.parse(r.events) as ReadonlyArray<DomainEvent.DomainEvent>,
        sent: r.sent === true || r.sent === "t"
      }))
  )
)

/**
 * Runs the relay until nothing is pending, into a fresh `Notifier.layerMemory`, and returns what
 * that notifier received (in delivery order); the lease is released afterwards.
 */
export const relayAll = (
  batchSize = 500
): Effect.Effect<ReadonlyArray<DomainEvent.DomainEvent>, unknown, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const relay = yield* Outbox.makeRelay({ batchSize })
    yield* relay.drain
    yield* relay.release
    return yield* Effect.flatMap(Notifier.RecordedEvents, (r) => r.all)
  }).pipe(Effect.provide(Notifier.layerMemory))

/**
 * Makes the next insert into `paykit_outbox` of the current schema fail once with a
 * serialization failure (40001) after the row was written, as a conflict would: the adapter
 * re-runs its whole transaction, and only the re-run's row may remain.
 */
export const failNextOutboxInsertOnce: Effect.Effect<void, unknown, SqlClient.SqlClient> = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) =>
    Effect.gen(function* () {
      yield* sql`CREATE SEQUENCE test_outbox_fail_once`
      yield* sql.unsafe(`CREATE FUNCTION test_outbox_fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF nextval('test_outbox_fail_once') = 1 THEN
            RAISE EXCEPTION 'test: one serialization failure' USING ERRCODE = '40001';
          END IF;
          RETURN NEW;
        END $$`)
      yield* sql`CREATE TRIGGER test_outbox_fail_once AFTER INSERT ON paykit_outbox
        FOR EACH ROW EXECUTE FUNCTION test_outbox_fail_once()`
    })
)

/** How many times the trigger of {@link failNextOutboxInsertOnce} fired. */
export const outboxInsertAttempts: Effect.Effect<number, unknown, SqlClient.SqlClient> = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) =>
    Effect.map(
      sql<{
        n: string
      }>`SELECT CASE WHEN is_called THEN last_value ELSE 0 END::text AS n FROM test_outbox_fail_once`,
      (rows) => Number(rows[0]?.n ?? 0)
    )
)

/** Events of one subject, in the order given. */
export const perSubject = (events: ReadonlyArray<DomainEvent.DomainEvent>): Record<string, Array<string>> => {
  const out: Record<string, Array<string>> = {}
  for (const e of events) {
    const list = out[e.subject] ?? []
    list.push(e.type)
    out[e.subject] = list
  }
  return out
}
