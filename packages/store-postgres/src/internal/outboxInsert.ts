import type { DomainEvent } from "@paykit/core"
import { Effect } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"

/**
 * The events of one change as the outbox stores them: one JSON array, in order. Event data must
 * be JSON-safe (amounts as strings); a `bigint` anywhere is a bug in the emitting service, so it
 * is a defect naming the event and the path, never a silently altered event.
 */
export const encodeEvents = (
  events: ReadonlyArray<DomainEvent.DomainEvent>,
  source: string
): Effect.Effect<string> =>
  Effect.suspend(() => {
    let current = -1
    try {
      return Effect.succeed(
        JSON.stringify(events, function (this: unknown, key, value: unknown) {
          if (this === events) current = Number(key)
          if (typeof value === "bigint") {
            const e = events[current]
            throw new Error(
              `event ${e?.id ?? current} (${e?.type ?? "unknown type"}) has a bigint under "${key}"`
            )
          }
          return value
        })
      )
    } catch (error) {
      return Effect.die(
        new Error(
          `${source}: the events of this change cannot be stored as JSON: ${error instanceof Error ? error.message : String(error)}; ` +
            "event data must be JSON-safe (amounts as strings), so nothing was written"
        )
      )
    }
  })

/**
 * Inserts the events of one change into the shared outbox (`paykit_outbox`): one row holding
 * them all, in order, and nothing when there are none. Call it inside the change's own
 * transaction, after the change's writes, so the row commits and rolls back with the change (a
 * transparent re-run of the transaction leaves only the last attempt's row).
 *
 * Before the insert it takes a transaction-scoped advisory lock per distinct subject of the
 * events (in one global order), held until the transaction ends: the rows of two changes that
 * carry events of one subject therefore get increasing `seq` in commit order, even when the
 * changes lock no common data row (an events-only commit, a legal hold, a risk alert on a
 * payment without a customer). The relay reads rows in `seq` order, so events of one subject
 * are delivered in commit order.
 */
export const insertEvents = (
  sql: SqlClient.SqlClient,
  events: ReadonlyArray<DomainEvent.DomainEvent> | undefined,
  source: string
): Effect.Effect<void, SqlError> =>
  events === undefined || events.length === 0
    ? Effect.void
    : Effect.gen(function* () {
        const json = yield* encodeEvents(events, source)
        const subjects = JSON.stringify([...new Set(events.map((e) => String(e.subject)))])
        yield* sql`SELECT pg_advisory_xact_lock(h) FROM (
            SELECT DISTINCT hashtextextended('paykit:outbox:' || current_schema() || ':' || s, 0) AS h
            FROM json_array_elements_text(${subjects}::json) AS s
          ) l ORDER BY h`
        yield* sql`INSERT INTO paykit_outbox (events, count) VALUES (${json}::json, ${events.length})`
      })
