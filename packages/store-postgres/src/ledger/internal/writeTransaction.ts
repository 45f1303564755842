import type { Account } from "@paykit/ledger"
import { LedgerCore, StoreFailure } from "@paykit/ledger"
import { Effect, Result } from "effect"
import type { SqlError } from "effect/sql/SqlError"
import { AcquireTimeout, backoff, isTransient, json, withAcquireTimeout } from "../../internal/adapter.ts"
import { retried } from "../../internal/metrics.ts"
import type { Setup } from "./config.ts"
import { defectsAsFailures, isRetryable, Refused } from "./failures.ts"
import { Overlay } from "./overlay.ts"
import { opensAccount } from "./request.ts"
import {
  accountFromRow,
  changeSet,
  entryFromJson,
  failedIdFromJson,
  holdFromJson,
  restoreSettingsAt,
  type Settings,
  settingsOf,
  writeStatement,
  writeStatementRestoring
} from "./rows.ts"

type Row = Record<string, unknown>

/** The time of the latest line among locked account rows (`last_at`), or -∞ when none has lines. */
const latestLine = (rows: ReadonlyArray<Row>): number => {
  let latest = Number.NEGATIVE_INFINITY
  for (const r of rows) if (r["last_at"] != null) latest = Math.max(latest, Number(r["last_at"]))
  return latest
}

/**
 * The write statement of a store on `setup`: `run(requests, joined)` decides `requests` in one
 * transaction and persists them in one statement, re-running the transaction on conflicts.
 */
export const makeRun = (setup: Setup) => {
  const { sql, registry, clock, maxAttempts, lockTimeout, statementTimeout, acquireMillis, reasonOf } = setup

  const currencyRows = (accounts: ReadonlyArray<Account.Account>) => {
    const out: Array<{ code: string; exponent: number }> = []
    const seen = new Set<string>()
    for (const a of accounts) {
      if (seen.has(a.currency)) continue
      seen.add(a.currency)
      const c = registry.get(a.currency)
      if (Result.isFailure(c))
        return new Refused(
          `currency ${a.currency} is not in this store's currency registry; pass it in LedgerStorePostgres.layer({ currencies })`
        )
      out.push({ code: c.success.code, exponent: c.success.exponent })
    }
    return out
  }

  /**
   * One transaction deciding `requests` in order, each on the state the previous ones left
   * (an overlay over the locked rows), persisted as one change set. One request is the plain
   * case; several are a group commit of concurrent callers' writes. `joined`: the calling
   * fiber is inside a transaction of this client, and the write runs in it as it is, with no
   * savepoint (two statements: the lock function, the write): the lock function's id locks
   * mean it cannot meet a concurrent writer at a unique key, and any other failure is the
   * caller's whole transaction's; otherwise the store's own transaction, bounded in its wait for
   * a connection by `acquireTimeout`.
   */
  const attempt = (requests: ReadonlyArray<LedgerCore.Request>, joined: boolean) =>
    (joined ? <A, E, R>(e: Effect.Effect<A, E, R>) => e : withAcquireTimeout(sql, acquireMillis))(
      Effect.gen(function* () {
        const commands = requests.length === 1 ? requests[0]!.commands : requests.flatMap((r) => r.commands)
        return yield* decideAndPersist(requests, LedgerCore.readSet(commands), joined)
      })
    )

  const decideAndPersist = (
    requests: ReadonlyArray<LedgerCore.Request>,
    rs: ReturnType<typeof LedgerCore.readSet>,
    joined: boolean
  ) =>
    Effect.gen(function* () {
      // 1. one call (`paykit_ledger_lock`, see the ledger's migrations): the write's settings
      // (the caller's returned, to put back), its base time (the database's clock, or the
      // latest of the callers' times), then the holds (named, and due at that time), the
      // entries and every account the write touches, each locked in id order. Consumed entry
      // ids (rows of kind 'failed') come back as failed ids; each account with the time of its
      // latest line, read from the locked row itself (its newest version even when the lock
      // was waited for)
      const callerNow =
        clock === "caller" ? requests.reduce((m, r) => Math.max(m, r.now), Number.NEGATIVE_INFINITY) : null
      const [row] = yield* sql<{
        l: unknown
      }>`SELECT paykit_ledger_lock(${callerNow}::bigint, ${rs.holdIds}::text[],
        ${rs.entryIds}::text[], ${rs.accountIds}::text[], ${lockTimeout}, ${statementTimeout}) AS l`
      const locked = json(row?.l) as {
        readonly old: Settings
        readonly base: string
        readonly holds: ReadonlyArray<unknown>
        readonly entries: ReadonlyArray<unknown>
        readonly failed: ReadonlyArray<unknown>
        readonly accounts: ReadonlyArray<Row>
      }
      const base = Number(locked.base)
      const entries = locked.entries.map(entryFromJson)
      const holds = locked.holds.map(holdFromJson)
      const failedIds = locked.failed.map(failedIdFromJson)
      const accountRows = locked.accounts
      const accounts = accountRows.map(accountFromRow)
      // 3. decide, request after request, each at the ledger's time: its base time raised to
      // the latest line of every locked account and to the previous request's time
      let previous = latestLine(accountRows)
      const at = (r: LedgerCore.Request): LedgerCore.Request => {
        previous = Math.max(clock === "caller" ? r.now : base, previous)
        return { ...r, now: previous }
      }
      let outcomes: Array<LedgerCore.Outcome>
      let merged: LedgerCore.Outcome
      if (requests.length === 1) {
        merged = LedgerCore.applyBatch(
          LedgerCore.snapshotOf({ accounts, entries, holds, failedIds }),
          at(requests[0]!)
        )
        outcomes = [merged]
      } else {
        const overlay = new Overlay(accounts, entries, holds, failedIds)
        outcomes = requests.map((r) => overlay.apply(LedgerCore.applyBatch(overlay.snapshot, at(r))))
        merged = overlay.merged()
      }
      // inside the caller's transaction its settings are put back by the write's last
      // statement (or by a statement of their own when there is nothing to write): a
      // `set_config(…, true)` lasts until the caller's transaction ends
      if (LedgerCore.isEmpty(merged)) {
        if (joined) yield* sql.unsafe(`SELECT ${restoreSettingsAt(1)}`, settingsOf(locked.old))
        return outcomes
      }
      // 4. persist in one statement
      const currencies = currencyRows(merged.accountsCreated)
      if (currencies instanceof Refused) return yield* Effect.fail(currencies)
      if (currencies.length > 0) {
        const known = yield* sql<{
          code: string
          exponent: number
        }>`SELECT code, exponent FROM paykit_ledger_currencies
            WHERE code = ANY(${currencies.map((c) => c.code)})`
        for (const k of known) {
          const mine = currencies.find((c) => c.code === k.code)
          if (mine !== undefined && Number(k.exponent) !== mine.exponent) {
            return yield* Effect.fail(
              new Refused(
                `currency ${k.code} is stored with exponent ${k.exponent} but this store's registry says ${mine.exponent}; use one definition of each unit`
              )
            )
          }
        }
      }
      const params = changeSet(merged, currencies)
      yield* joined
        ? sql.unsafe(writeStatementRestoring, [...params, ...settingsOf(locked.old)])
        : sql.unsafe(writeStatement, params)
      return outcomes
    })

  /**
   * Runs `requests` in one transaction, re-running it on conflicts. A defect while deciding or
   * persisting (a command the core cannot read, a bug) fails this run with a `StoreFailure`
   * naming it: deciding again would throw again, and the writer that ran it must live on.
   */
  const run = (
    requests: ReadonlyArray<LedgerCore.Request>,
    joined: boolean
  ): Effect.Effect<Array<LedgerCore.Outcome>, StoreFailure> =>
    defectsAsFailures(
      Effect.suspend(() => {
        const opensAccounts = requests.some((r) => r.commands.some(opensAccount))
        // Inside a caller's transaction nothing is retried: the write has no savepoint, so any
        // database error (a serialization failure, a deadlock, a lock timeout: a conflict of the
        // caller's whole transaction, its snapshot and the locks it took before) aborts the
        // caller's transaction; the caller retries it whole.
        const retryable = (e: SqlError) => !joined && isRetryable(e, opensAccounts)
        const fail = (reason: string) => Effect.fail(new StoreFailure({ operation: "write", reason }))
        const loop = (n: number): Effect.Effect<Array<LedgerCore.Outcome>, StoreFailure> =>
          attempt(requests, joined).pipe(
            Effect.catch((e) =>
              e instanceof Refused
                ? fail(e.reason)
                : e instanceof AcquireTimeout
                  ? fail(e.message)
                  : joined
                    ? fail(
                        `${reasonOf(e)}; this write ran inside the caller's transaction, which this ${isTransient(e) ? "conflict" : "failure"} aborts: retry the caller's whole transaction`
                      )
                    : retryable(e) && n + 1 < maxAttempts
                      ? Effect.andThen(
                          retried("ledger"),
                          Effect.flatMap(backoff(n), () => loop(n + 1))
                        )
                      : fail(
                          retryable(e) && n + 1 >= maxAttempts
                            ? `gave up after ${maxAttempts} attempts: ${reasonOf(e)}`
                            : reasonOf(e)
                        )
            )
          )
        return loop(0)
      })
    )

  return run
}
