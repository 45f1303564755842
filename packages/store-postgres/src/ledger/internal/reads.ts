import { type Entry, type LedgerStore, StoreFailure } from "@paykit/ledger"
import { Effect, Option } from "effect"
import { AcquireTimeout, inTransaction, json, withAcquireTimeout } from "../../internal/adapter.ts"
import type { Setup } from "./config.ts"
import { toStoreFailure } from "./failures.ts"
import {
  accountColumns,
  accountFromRow,
  entryFromJson,
  entryJson,
  failedIdFromJson,
  failedIdJson,
  holdFromJson,
  holdJson,
  lineColumns,
  lineFromRow,
  lineRunColumns,
  lineRunUnnest
} from "./rows.ts"

type Row = Record<string, unknown>

/** The store's reads (`getAccount`, `getEntry`, `getHold`, `history`, `lineAsOf`) and its `dump`. */
export const makeReads = (
  setup: Setup
): Pick<
  LedgerStore.LedgerStore["Service"],
  "getAccount" | "getEntry" | "getHold" | "history" | "lineAsOf" | "dump"
> => {
  const { sql, acquireMillis } = setup

  const loadEntries = (ids: ReadonlyArray<string>) =>
    ids.length === 0
      ? Effect.succeed([] as Array<Entry.Entry>)
      : Effect.map(
          sql<{
            e: unknown
          }>`SELECT ${sql.literal(entryJson)} AS e FROM paykit_ledger_entries e
            WHERE e.id = ANY(${ids}) AND e.kind <> 'failed' ORDER BY e.id`,
          (rows) => rows.map((r) => entryFromJson(r.e))
        )

  const getAccount = (id: string) =>
    sql<Row>`SELECT ${sql.literal(accountColumns)} FROM paykit_ledger_accounts WHERE id = ${id}`.pipe(
      Effect.map((rows) => Option.map(Option.fromUndefinedOr(rows[0]), accountFromRow)),
      Effect.mapError(toStoreFailure("getAccount"))
    )

  const getEntry = (id: string) =>
    loadEntries([id]).pipe(
      Effect.map((es) => Option.fromUndefinedOr(es[0])),
      Effect.mapError(toStoreFailure("getEntry"))
    )

  const getHold = (id: string) =>
    sql<{
      h: unknown
    }>`SELECT ${sql.literal(holdJson)} AS h FROM paykit_ledger_holds h WHERE h.id = ${id}`.pipe(
      Effect.map((rows) => Option.map(Option.fromUndefinedOr(rows[0]), (r) => holdFromJson(r.h))),
      Effect.mapError(toStoreFailure("getHold"))
    )

  const history = (accountId: string, page: { readonly afterSeq: number; readonly limit: number }) =>
    Effect.gen(function* () {
      const limit = Math.max(0, Math.floor(page.limit))
      if (limit === 0) return []
      const after = Math.floor(page.afterSeq)
      // the runs ending after the cursor, in order (primary key), only as many as hold `limit`
      // lines past it; then those lines
      const rows = yield* sql<Row>`SELECT ${sql.literal(lineRunColumns)}
        FROM (
          SELECT * FROM (
            SELECT r.*, sum(r.last_seq - greatest(r.first_seq - 1, ${after})) OVER (ORDER BY r.last_seq) AS upto
            FROM (SELECT * FROM paykit_ledger_lines WHERE account_id = ${accountId} AND last_seq > ${after}
              ORDER BY last_seq LIMIT ${limit}) r
          ) w WHERE w.upto - (w.last_seq - greatest(w.first_seq - 1, ${after})) < ${limit}
        ) l CROSS JOIN LATERAL ${sql.literal(lineRunUnnest)}
        WHERE l.first_seq + u.k - 1 > ${after}
        ORDER BY l.last_seq, u.k LIMIT ${limit}`
      const lines = rows.map(lineFromRow)
      const entries = yield* loadEntries([...new Set(lines.map((l) => l.entryId))])
      const byId = new Map(entries.map((e) => [e.id, e]))
      return lines.map((line) => ({ line, entry: byId.get(line.entryId)! }))
    }).pipe(Effect.mapError(toStoreFailure("history")))

  const lineAsOf = (accountId: string, at: number) =>
    // The newest run with a line at or before `at` holds the answer (every later run's lines
    // are all later); in it, the last such line.
    sql<Row>`SELECT ${sql.literal(lineRunColumns)}
      FROM (SELECT * FROM paykit_ledger_lines WHERE account_id = ${accountId} AND min_at <= ${at}
        ORDER BY last_seq DESC LIMIT 1) l CROSS JOIN LATERAL ${sql.literal(lineRunUnnest)}
      WHERE u.at <= ${at} ORDER BY u.k DESC LIMIT 1`.pipe(
      Effect.map((rows) => Option.map(Option.fromUndefinedOr(rows[0]), lineFromRow)),
      Effect.mapError(toStoreFailure("lineAsOf"))
    )

  const dumpBody = (joined: boolean) =>
    Effect.gen(function* () {
      // inside a caller's transaction the dump reads in it (its snapshot, its own writes)
      if (!joined) yield* sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`
      const accounts =
        yield* sql<Row>`SELECT ${sql.literal(accountColumns)} FROM paykit_ledger_accounts ORDER BY id`
      const entries = yield* sql<{
        e: unknown
      }>`SELECT ${sql.literal(entryJson)} AS e FROM paykit_ledger_entries e WHERE e.kind <> 'failed' ORDER BY e.id`
      const failed = yield* sql<{
        f: unknown
      }>`SELECT ${sql.literal(failedIdJson)} AS f FROM paykit_ledger_entries e WHERE e.kind = 'failed' ORDER BY e.id`
      const holds = yield* sql<{
        h: unknown
      }>`SELECT ${sql.literal(holdJson)} AS h FROM paykit_ledger_holds h ORDER BY h.id`
      const lines =
        yield* sql<Row>`SELECT ${sql.literal(lineColumns)} FROM paykit_ledger_account_lines ORDER BY paykit_ledger_account_lines.account_id, paykit_ledger_account_lines.seq`
      const outbox = yield* sql<{ events: unknown }>`SELECT events FROM paykit_outbox ORDER BY seq`
      return {
        accounts: accounts.map(accountFromRow),
        entries: entries.map((r) => entryFromJson(r.e)),
        holds: holds.map((r) => holdFromJson(r.h)),
        lines: lines.map(lineFromRow),
        events: outbox.flatMap((r) => json(r.events) as LedgerStore.Dump["events"]),
        failedIds: failed.map((r) => failedIdFromJson(r.f))
      }
    })
  // a consistent picture: one REPEATABLE READ snapshot for all six reads
  const dump = Effect.flatMap(inTransaction(sql), (joined) =>
    joined ? sql.withTransaction(dumpBody(true)) : withAcquireTimeout(sql, acquireMillis)(dumpBody(false))
  ).pipe(
    Effect.mapError((e) =>
      e instanceof AcquireTimeout
        ? new StoreFailure({ operation: "dump", reason: e.message })
        : toStoreFailure("dump")(e)
    )
  )

  return { getAccount, getEntry, getHold, history, lineAsOf, dump }
}
