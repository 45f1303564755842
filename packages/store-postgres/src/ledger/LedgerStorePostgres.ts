import { Currency, type DomainEvent } from "@paykit/core"
import {
  type Account,
  Command,
  type Entry,
  Hold,
  LedgerCore,
  LedgerStore,
  StoreFailure
} from "@paykit/ledger"
import {
  Cause,
  Deferred,
  type Duration,
  Effect,
  Exit,
  type Layer,
  Option,
  Queue,
  Result,
  type Scope,
  type Tracer
} from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import type * as Database from "../Database.ts"
import type { StartupError } from "../errors.ts"
import {
  AcquireTimeout,
  backoff,
  clientLayer,
  configLayer,
  DEFAULT_ACQUIRE_TIMEOUT,
  DEFAULT_LOCK_TIMEOUT,
  DEFAULT_STATEMENT_TIMEOUT,
  inTransaction,
  isAcquireTimeoutReason,
  isTransient,
  json,
  messageOf,
  millisOf,
  openLayer,
  settingOf,
  withAcquireTimeout
} from "../internal/adapter.ts"
import { grouped, retried, timedWrite } from "../internal/metrics.ts"
import * as Migrations from "../Migrations.ts"
import {
  accountColumns,
  accountFromRow,
  changeSet,
  entryFromJson,
  entryJson,
  failedIdFromJson,
  failedIdJson,
  holdFromJson,
  holdJson,
  lineColumns,
  lineRunColumns,
  lineRunUnnest,
  lineFromRow,
  restoreSettingsAt,
  type Settings,
  settingsOf,
  writeStatement,
  writeStatementRestoring
} from "./internal/rows.ts"
import { ledgerMigrations } from "./internal/schema.ts"

/**
 * The ledger's migration namespace: `ledger`, recorded in `paykit_ledger_migrations`; its
 * tables are `paykit_ledger_*`. Every layer of this module applies it after the shared outbox's.
 *
 * @example
 * ```ts
 * import { Migrations } from "@paykit/store-postgres"
 * import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
 * const apply = Migrations.run(Migrations.outbox, LedgerStorePostgres.migrations)
 * ```
 * @category models
 * @since 0.3.0
 */
export const migrations: Migrations.Namespace = Migrations.namespace("ledger", ledgerMigrations)

/**
 * Configuration of the PostgreSQL ledger store: where the data lives ({@link Database.DatabaseConfig}:
 * a server `url`, or embedded PGlite in memory or in `dataDir`), the currency registry that gives
 * each account currency its exponent (by default the ledger's own: ISO 4217 plus
 * `Currency.POINTS`; add your custom units), the bound on transparent retries of serialization
 * failures, deadlocks and id races (default 8 attempts), and whose clock stamps the books
 * (`clock`, default the database's).
 *
 * @category models
 * @since 0.1.0
 */
export interface StoreConfig extends Database.DatabaseConfig {
  readonly currencies?: Currency.Registry | undefined
  readonly maxAttempts?: number | undefined
  /**
   * Whose clock gives a write its time (the `createdAt` of its entries, holds and accounts, the
   * `at` of its lines, when its holds expire and which holds are due):
   * - `"database"` (default): the database server's clock (`clock_timestamp()`), read inside the
   *   write's transaction. Every process writing to the books then stamps them on one clock, and
   *   a process whose clock runs ahead or behind can neither expire other processes' holds early
   *   nor date entries out of order. The request's `now` is ignored.
   * - `"caller"`: the request's `now` (the `Ledger` takes it from Effect's `Clock`). For tests
   *   driven by a `TestClock`, for replaying a run with recorded times, and for the ledger's
   *   contract suite, which checks decisions given a time.
   *
   * Either way the time is then raised, after the write's accounts are locked, to the time of the
   * latest line of each of them (and, in a group commit, to the previous write's time), so an
   * account's lines never go back in time and `balanceAsOf` agrees with its entries' times.
   */
  readonly clock?: "database" | "caller" | undefined
  /**
   * Group commit (default on): writes from concurrent callers that arrive while a transaction
   * runs are decided together in the next one (up to 64 writes and about 4,096 commands), in
   * arrival order, each on the state the previous left. Results are exactly those of running
   * them one after another. `false` turns it off.
   */
  readonly groupCommit?: boolean | undefined
  /** Concurrent group-commit transactions on a server (default 4; PGlite always 1). */
  readonly writers?: number | undefined
  /**
   * How long a write waits for a row lock another transaction holds (default 30 s) before the
   * attempt fails with a lock timeout, which is retried like a deadlock; after `maxAttempts`
   * the write fails with `StoreFailure`. Bounds a write stuck behind a forgotten transaction.
   * (Inside a caller's transaction a lock timeout is not retried: see `write`.)
   */
  readonly lockTimeout?: Duration.Input | undefined
}

/**
 * The store options besides where the database is (for `make` and `layerClient`).
 *
 * @category models
 * @since 0.3.0
 */
export type StoreOptions = Pick<
  StoreConfig,
  | "currencies"
  | "maxAttempts"
  | "groupCommit"
  | "writers"
  | "lockTimeout"
  | "clock"
  | "acquireTimeout"
  | "statementTimeout"
>

/** A group commit takes at most this many writes… */
const GROUP_MAX = 64
/** …and stops adding writes once it holds this many commands. */
const GROUP_COMMANDS = 4_096

/**
 * The state a group of requests sees as it is decided: the locked rows (and the consumed ids
 * among the entry ids it loaded), overwritten by every decided request's outcome, and the union
 * of their change sets.
 */
class Overlay {
  readonly accounts: Map<string, Account.Account>
  readonly entries: Map<string, Entry.Entry>
  readonly holds: Map<string, Hold.Hold>
  readonly failed: Map<string, LedgerCore.FailedId>
  readonly accountsCreated = new Set<string>()
  readonly accountsUpdated = new Set<string>()
  readonly entriesCreated = new Set<string>()
  readonly entriesReversed = new Map<string, string>()
  readonly holdsCreated = new Set<string>()
  readonly holdsUpdated = new Set<string>()
  readonly failedCreated: Array<LedgerCore.FailedId> = []
  readonly lines: Array<Account.Line> = []
  readonly events: Array<DomainEvent.DomainEvent> = []
  readonly snapshot: LedgerCore.Snapshot

  constructor(
    accounts: ReadonlyArray<Account.Account>,
    entries: ReadonlyArray<Entry.Entry>,
    holds: ReadonlyArray<Hold.Hold>,
    failed: ReadonlyArray<LedgerCore.FailedId>
  ) {
    this.accounts = new Map(accounts.map((a) => [a.id, a]))
    this.entries = new Map(entries.map((e) => [e.id, e]))
    this.holds = new Map(holds.map((h) => [h.id, h]))
    this.failed = new Map(failed.map((f) => [f.id, f]))
    this.snapshot = {
      account: (id) => this.accounts.get(id),
      entry: (id) => this.entries.get(id),
      hold: (id) => this.holds.get(id),
      dueHolds: (now) => [...this.holds.values()].filter((h) => Hold.isDue(h, now)),
      failedId: (id) => this.failed.get(id)
    }
  }

  apply(o: LedgerCore.Outcome): LedgerCore.Outcome {
    for (const a of o.accountsCreated) {
      this.accounts.set(a.id, a)
      this.accountsCreated.add(a.id)
    }
    for (const a of o.accountsUpdated) {
      this.accounts.set(a.id, a)
      if (!this.accountsCreated.has(a.id)) this.accountsUpdated.add(a.id)
    }
    for (const e of o.entriesCreated) {
      this.entries.set(e.id, e)
      this.entriesCreated.add(e.id)
    }
    for (const r of o.entriesReversed) {
      const e = this.entries.get(r.id)
      if (e !== undefined) this.entries.set(r.id, { ...e, reversedBy: r.reversedBy })
      if (!this.entriesCreated.has(r.id)) this.entriesReversed.set(r.id, r.reversedBy)
    }
    for (const h of o.holdsCreated) {
      this.holds.set(h.id, h)
      this.holdsCreated.add(h.id)
    }
    for (const h of o.holdsUpdated) {
      this.holds.set(h.id, h)
      if (!this.holdsCreated.has(h.id)) this.holdsUpdated.add(h.id)
    }
    for (const f of o.failedIds) {
      this.failed.set(f.id, f)
      this.failedCreated.push(f)
    }
    for (const l of o.lines) this.lines.push(l)
    for (const e of o.events) this.events.push(e)
    return o
  }

  merged(): LedgerCore.Outcome {
    return {
      results: [],
      accountsCreated: [...this.accountsCreated].map((id) => this.accounts.get(id)!),
      accountsUpdated: [...this.accountsUpdated].map((id) => this.accounts.get(id)!),
      entriesCreated: [...this.entriesCreated].map((id) => this.entries.get(id)!),
      entriesReversed: [...this.entriesReversed].map(([id, reversedBy]) => ({ id, reversedBy })),
      holdsCreated: [...this.holdsCreated].map((id) => this.holds.get(id)!),
      holdsUpdated: [...this.holdsUpdated].map((id) => this.holds.get(id)!),
      lines: this.lines,
      events: this.events,
      failedIds: this.failedCreated
    }
  }
}

type Row = Record<string, unknown>

const toStoreFailure =
  (operation: string) =>
  (e: SqlError): StoreFailure =>
    new StoreFailure({ operation, reason: messageOf(e) })

/** The name of the constraint a database error reports, when it reports one. */
const constraintOf = (e: SqlError): string | undefined => {
  const cause: unknown = e.reason.cause
  return typeof cause === "object" &&
    cause !== null &&
    "constraint" in cause &&
    typeof cause.constraint === "string"
    ? cause.constraint
    : undefined
}

/**
 * Errors after which the whole transaction is re-run: the database detected a conflict.
 *
 * Besides serialization failures, deadlocks, lock timeouts and id races (a unique key), a line
 * run that does not continue its account's lines (the `paykit_ledger_lines` CHECKs) is a conflict too
 * when the write opens accounts (`opensAccounts`): it decided on an account as absent (it was
 * not yet committed when the accounts were locked) and another transaction created it and wrote
 * its first lines before this write's statement ran. PostgreSQL checks the run before it meets
 * the account's primary key, so the race surfaces as that CHECK rather than as a unique
 * violation. Re-running sees the account and decides again (a `CreateAccount` of the same
 * content then replays). A write that opens no account locked every account it touches, so for
 * it the same CHECK is a bug and fails at once.
 */
const isRetryable = (e: SqlError, opensAccounts: boolean): boolean =>
  isTransient(e) ||
  e.reason._tag === "UniqueViolation" ||
  (e.reason._tag === "ConstraintError" &&
    opensAccounts &&
    constraintOf(e)?.startsWith("paykit_ledger_lines_") === true)

/**
 * The store's default currency registry: the ledger's default (ISO 4217 plus
 * `Currency.POINTS`), so an account the `Ledger` accepts with its default settings is one this
 * store can place.
 */
const defaultCurrencies = Currency.registry([Currency.POINTS])

/** A defect as text for a `StoreFailure`; never throws, whatever was thrown. */
const describeDefect = (defect: unknown): string => {
  try {
    return defect instanceof Error ? `${defect.name}: ${defect.message}` : String(defect)
  } catch {
    return "a thrown value that cannot be printed"
  }
}

/**
 * `effect` with a defect (an exception thrown while deciding or persisting a write: a command
 * the core cannot read, a bug) turned into a `StoreFailure` naming it, so it fails the writes it
 * belongs to and nothing else. Interruption (the store closing) passes through.
 */
const defectsAsFailures = <A, R>(
  effect: Effect.Effect<A, StoreFailure, R>
): Effect.Effect<A, StoreFailure, R> =>
  Effect.catchCause(effect, (cause) => {
    if (Cause.hasInterrupts(cause)) return Effect.failCause(cause)
    const defect = Cause.findDefect(cause)
    return Result.isSuccess(defect)
      ? Effect.fail(
          new StoreFailure({ operation: "write", reason: `defect: ${describeDefect(defect.success)}` })
        )
      : Effect.failCause(cause)
  })

/**
 * The caller's request read once into a plain one (its commands copied into a new array), or why
 * it cannot be a write. Reading it may throw (`null`, a getter, a Proxy): that is caught here, in
 * the caller's fiber, so what reaches a writer is an ordinary array of commands, which the writer
 * reads under its own guard. In `"caller"` clock mode `now` must be epoch milliseconds.
 */
const ownRequest = (
  request: LedgerCore.Request,
  clock: "database" | "caller"
): LedgerCore.Request | string => {
  try {
    const commands: unknown = request.commands
    if (!Array.isArray(commands) || commands.length > Command.MAX_BATCH) {
      return `a write carries 0 to ${Command.MAX_BATCH} commands; split the batch`
    }
    const now: unknown = request.now
    if (clock === "caller" && !Number.isSafeInteger(now)) {
      return `a write's now must be epoch milliseconds (an integer) with clock: "caller"; got ${describeDefect(now)}`
    }
    return {
      commands: Array.from(commands as ReadonlyArray<Command.Command>),
      mode: request.mode,
      now: now as number,
      eventIdSeed: request.eventIdSeed,
      failedIds: request.failedIds
    }
  } catch (e) {
    return `the request cannot be read: ${describeDefect(e)}`
  }
}

/** Whether a command opens an account; `false` for one that cannot be read (the core refuses it). */
const opensAccount = (c: Command.Command): boolean => {
  try {
    return typeof c === "object" && c !== null && c._tag === "CreateAccount"
  } catch {
    return false
  }
}

/** The time of the latest line among locked account rows (`last_at`), or -∞ when none has lines. */
const latestLine = (rows: ReadonlyArray<Row>): number => {
  let latest = Number.NEGATIVE_INFINITY
  for (const r of rows) if (r["last_at"] != null) latest = Math.max(latest, Number(r["last_at"]))
  return latest
}

/** Signals a write that must be refused without retry (a currency this store cannot place). */
class Refused {
  readonly _tag = "Refused"
  constructor(readonly reason: string) {}
}

/**
 * Builds the `LedgerStore` on the `SqlClient` in context (already migrated; use {@link layer}
 * to open, migrate and build in one go).
 *
 * A write is one transaction of two statements whatever the batch size: one call of the
 * `paykit_ledger_lock` function (the write's settings, its base time, then the holds the
 * commands name plus every due pending hold, the entries they name and every account the write
 * touches, each locked `ORDER BY id FOR UPDATE`), then, after deciding the batch with the pure
 * `LedgerCore.applyBatch`, one statement persisting the whole change set (accounts, entries,
 * postings, holds, lines, outbox events). Every writer takes its locks in the same global order
 * (holds, entries, accounts; each by id, as `PORT.md` prescribes), so writers cannot deadlock; a serialization failure,
 * deadlock or id race reported anyway re-runs the transaction, at most `maxAttempts` times with
 * jittered backoff.
 *
 * The write's time is decided inside the transaction (see `clock`): the lock function reads its
 * base time (the database's clock by default), sweeps the holds due at it and reads each locked
 * account's latest line time; the batch is decided at the latest of those. Consumed ids (`failedIds: "consumed"`) live in the entries' id space, so an id is an
 * entry or a failure, never both.
 *
 * A write made inside a transaction of this `SqlClient` (the caller's `sql.withTransaction`) runs
 * in it, as a savepoint on the caller's connection, bypassing group commit: it commits and rolls
 * back with the caller's transaction, outbox row included. There only an id race is retried; a
 * serialization failure, deadlock or lock timeout fails at once with `StoreFailure` asking the
 * caller to retry its transaction. The store's own transactions wait at most `acquireTimeout`
 * for a connection, and its statements at most `statementTimeout` and `lockTimeout`.
 *
 * Whatever a caller sends, the call answers: an unreadable request fails with `StoreFailure`,
 * and a defect while deciding or persisting a write (an exception from a command the core cannot
 * read, a bug) fails that write alone with a `StoreFailure` naming it (a group's other writes are
 * re-run on their own). The group-commit writers outlive every write; one that stops anyway is
 * logged and restarted.
 *
 * @example
 * ```ts
 * import { Database, Migrations } from "@paykit/store-postgres"
 * import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
 * import { Effect } from "effect"
 * const store = Effect.gen(function* () {
 *   yield* Migrations.run(Migrations.outbox, LedgerStorePostgres.migrations)
 *   return yield* LedgerStorePostgres.make({})
 * }).pipe(Effect.provide(Database.layer({})))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  config: StoreOptions = {}
): Effect.Effect<LedgerStore.LedgerStore["Service"], never, SqlClient.SqlClient | Scope.Scope> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const registry = config.currencies ?? defaultCurrencies
    const clock = config.clock ?? "database"
    const maxAttempts = Math.max(1, config.maxAttempts ?? 8)
    const lockTimeout = settingOf(config.lockTimeout, DEFAULT_LOCK_TIMEOUT)
    const statementTimeout = settingOf(config.statementTimeout, DEFAULT_STATEMENT_TIMEOUT)
    const acquireMillis = millisOf(config.acquireTimeout, DEFAULT_ACQUIRE_TIMEOUT)
    /** A database failure as a write's reason; a statement timeout names the option. */
    const reasonOf = (e: SqlError): string =>
      e.reason._tag === "StatementTimeoutError"
        ? `${messageOf(e)} (statementTimeout ${statementTimeout})`
        : messageOf(e)

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
     * fiber is inside a transaction of this client, and the write is a savepoint in it; otherwise
     * the store's own transaction, bounded in its wait for a connection by `acquireTimeout`.
     */
    const attempt = (requests: ReadonlyArray<LedgerCore.Request>, joined: boolean) =>
      (joined ? sql.withTransaction : withAcquireTimeout(sql, acquireMillis))(
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
        // `set_config(…, true)` in a savepoint outlives the savepoint's release
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
          // Inside a caller's transaction only an id race is retried (in a new savepoint): a
          // serialization failure, deadlock or lock timeout is a conflict of the caller's whole
          // transaction (its snapshot, the locks it took before the write), which re-running the
          // savepoint cannot resolve.
          const retryable = (e: SqlError) =>
            (joined ? !isTransient(e) : true) && isRetryable(e, opensAccounts)
          const fail = (reason: string) => Effect.fail(new StoreFailure({ operation: "write", reason }))
          const loop = (n: number): Effect.Effect<Array<LedgerCore.Outcome>, StoreFailure> =>
            attempt(requests, joined).pipe(
              Effect.catch((e) =>
                e instanceof Refused
                  ? fail(e.reason)
                  : e instanceof AcquireTimeout
                    ? fail(e.message)
                    : joined && isTransient(e)
                      ? fail(
                          `${reasonOf(e)}; this write ran inside the caller's transaction, which this conflict aborts: retry the caller's whole transaction`
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

    // Group commit: writes from concurrent callers queue up; each of `writers` fibers takes
    // whatever is waiting (up to GROUP_MAX requests, until GROUP_COMMANDS commands) and decides
    // it in one transaction.
    // A group that fails (a database error, a defect) is re-run request by request, so one
    // caller's failure is only its own.
    interface Pending {
      readonly request: LedgerCore.Request
      readonly done: Deferred.Deferred<LedgerCore.Outcome, StoreFailure>
      /** The caller's `paykit.store.ledger.write` span, linked from the group's span. */
      readonly span: Tracer.AnySpan | undefined
    }
    const queue = yield* Queue.unbounded<Pending>()
    const writers = sql.driver === "pglite" ? 1 : Math.max(1, config.writers ?? 4)
    const runGroup = (group: ReadonlyArray<Pending>) =>
      Effect.matchEffect(
        run(
          group.map((p) => p.request),
          false
        ),
        {
          onSuccess: (outcomes) =>
            Effect.forEach(group, (p, i) => Deferred.succeed(p.done, outcomes[i]!), { discard: true }),
          onFailure: (error) =>
            // one at a time would wait for a connection once per write: a starved pool fails all
            group.length === 1 || isAcquireTimeoutReason(error.reason)
              ? Effect.forEach(group, (p) => Deferred.fail(p.done, error), { discard: true })
              : Effect.forEach(
                  group,
                  (p) =>
                    Effect.matchEffect(run([p.request], false), {
                      onSuccess: ([o]) => Deferred.succeed(p.done, o!),
                      onFailure: (e) => Deferred.fail(p.done, e)
                    }),
                  { discard: true }
                )
        }
      )
    // Whatever ends a group, its callers get an answer: a group cut short (the store closing, or
    // a defect that escaped `run`) fails the writes it had not answered yet.
    const serve = (group: ReadonlyArray<Pending>) =>
      Effect.andThen(
        grouped(group.length),
        Effect.withSpan(runGroup(group), "paykit.store.ledger.group", {
          attributes: { "paykit.store.requests": group.length },
          links: group.flatMap((p) => (p.span === undefined ? [] : [{ span: p.span, attributes: {} }]))
        })
      ).pipe(
        Effect.onExit((exit) =>
          Exit.isSuccess(exit)
            ? Effect.void
            : Effect.forEach(
                group,
                (p) =>
                  Deferred.fail(
                    p.done,
                    new StoreFailure({
                      operation: "write",
                      reason: Cause.hasInterrupts(exit.cause)
                        ? "the store was closed while this write ran"
                        : `the store's writer failed: ${describeDefect(Cause.squash(exit.cause))}`
                    })
                  ),
                { discard: true }
              )
        )
      )
    // when the store closes, callers still waiting are told so instead of waiting forever
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        while (true) {
          const next = yield* Queue.poll(queue)
          if (Option.isNone(next)) return
          yield* Deferred.fail(
            next.value.done,
            new StoreFailure({ operation: "write", reason: "the store was closed before this write ran" })
          )
        }
      })
    )
    const takeGroup = Effect.gen(function* () {
      const first = yield* Queue.take(queue)
      const group = [first]
      let commands = first.request.commands.length
      while (group.length < GROUP_MAX && commands < GROUP_COMMANDS) {
        const next = yield* Queue.poll(queue)
        if (Option.isNone(next)) break
        group.push(next.value)
        commands += next.value.request.commands.length
      }
      return group
    })
    // A writer serves groups until the store closes. Should it ever stop on anything else (a
    // defect outside every group's guard), it is logged and started again: a dead writer would
    // leave every later write waiting forever.
    const writer = (i: number): Effect.Effect<never> =>
      Effect.forever(Effect.flatMap(takeGroup, serve)).pipe(
        Effect.catchCause((cause) =>
          Cause.hasInterrupts(cause)
            ? Effect.failCause(cause)
            : Effect.logError(
                `LedgerStorePostgres: group-commit writer ${i} stopped; restarting it`,
                cause
              ).pipe(Effect.andThen(Effect.suspend(() => writer(i))))
        )
      )
    for (let i = 0; i < writers; i++) yield* Effect.forkScoped(writer(i))

    const write = (request: LedgerCore.Request): Effect.Effect<LedgerCore.Outcome, StoreFailure> =>
      timedWrite("ledger", writeOnce(request))

    const writeOnce = (request: LedgerCore.Request): Effect.Effect<LedgerCore.Outcome, StoreFailure> =>
      Effect.suspend(() => {
        const own = ownRequest(request, clock)
        if (typeof own === "string") return Effect.fail(new StoreFailure({ operation: "write", reason: own }))
        return Effect.flatMap(inTransaction(sql), (joined) => {
          const queued = !joined && config.groupCommit !== false
          // a span in the caller's fiber, so it nests under the caller's span whichever path runs
          // the write; a group's transaction (in a writer fiber) links to the spans it serves
          const span = {
            attributes: {
              "paykit.store.commands": own.commands.length,
              "paykit.store.path": joined ? "caller-transaction" : queued ? "group-commit" : "own-transaction"
            }
          }
          // inside the caller's transaction: on its connection, as a savepoint, never queued (a
          // writer fiber would use another connection, or wait for the one the caller holds)
          if (!queued)
            return Effect.withSpan(
              Effect.map(run([own], joined), (outcomes) => outcomes[0]!),
              "paykit.store.ledger.write",
              span
            )
          return Effect.withSpan(
            Effect.gen(function* () {
              const done = yield* Deferred.make<LedgerCore.Outcome, StoreFailure>()
              const caller = yield* Effect.option(Effect.currentSpan)
              yield* Queue.offer(queue, { request: own, done, span: Option.getOrUndefined(caller) })
              return yield* Deferred.await(done)
            }),
            "paykit.store.ledger.write",
            span
          )
        })
      })

    // `write`, then the summary of its outcome (`LedgerStore.summaryFromWrite`), with
    // `returnEvents` read before anything is written
    const writeSummary = (
      request: LedgerCore.SummaryRequest
    ): Effect.Effect<LedgerCore.Summary, StoreFailure> =>
      defectsAsFailures(
        Effect.suspend(() => {
          const returnEvents = request.returnEvents === true
          return Effect.map(write(request), (o) => LedgerCore.summarize(o, returnEvents))
        })
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

    return LedgerStore.LedgerStore.of({
      write,
      writeSummary,
      getAccount,
      getEntry,
      getHold,
      history,
      lineAsOf,
      dump
    })
  })

/**
 * Opens the database (a server when `url` is given, embedded PGlite otherwise), applies the
 * outbox's and the ledger's migrations, and provides the `LedgerStore`, plus the `SqlClient` and
 * {@link Database.DatabaseInfo} it runs on (for the outbox relay and your own queries). Start-up
 * failures are typed (`InvalidStoreConfig`, `DatabaseUnavailable`, `SchemaTooNew`,
 * `MigrationFailed`).
 *
 * @example
 * ```ts
 * import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
 * const embedded = LedgerStorePostgres.layer({})
 * const onDisk = LedgerStorePostgres.layer({ dataDir: ".paykit/ledger" })
 * const server = LedgerStorePostgres.layer({ url: "postgres://postgres@127.0.0.1:5432/app" })
 * ```
 * @category layers
 * @since 0.3.0
 */
export const layer = (
  config: StoreConfig = {}
): Layer.Layer<LedgerStore.LedgerStore | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  openLayer(LedgerStore.LedgerStore, migrations, make(config), config)

/**
 * Builds the store on a `SqlClient` you already have (your own pool, a shared PGlite): creates
 * `schema` when missing and selects it, applies the outbox's and the ledger's migrations, and
 * provides the `LedgerStore`.
 *
 * @example
 * ```ts
 * import { PgliteClient } from "@paykit/store-postgres"
 * import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
 * import { Layer } from "effect"
 * const store = LedgerStorePostgres.layerClient({ schema: "ledger" }).pipe(Layer.provide(PgliteClient.layer({})))
 * ```
 * @category layers
 * @since 0.3.0
 */
export const layerClient = (
  config: StoreOptions & Pick<StoreConfig, "schema"> = {}
): Layer.Layer<LedgerStore.LedgerStore, StartupError, SqlClient.SqlClient> =>
  clientLayer(LedgerStore.LedgerStore, migrations, make(config), config.schema)

/**
 * Like {@link layer} with the database read from the environment: `DATABASE_URL` (a
 * `postgres://` URL; redacted in logs and errors) for a server, or embedded PGlite only when
 * asked with `PAYKIT_DATABASE=pglite:memory` or `PAYKIT_DATABASE=pglite:<directory>`. Neither
 * set is `DatabaseNotConfigured`; both set, or another `PAYKIT_DATABASE`, is
 * `InvalidStoreConfig`. `PAYKIT_DB_SCHEMA` and `PAYKIT_DB_MAX_CONNECTIONS` are optional. The
 * chosen backend is logged once at start-up.
 *
 * @example
 * ```ts
 * import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
 * // DATABASE_URL=postgres://app@db:5432/payments node app.js
 * // PAYKIT_DATABASE=pglite:memory node demo.js
 * const live = LedgerStorePostgres.layerConfig()
 * ```
 * @category layers
 * @since 0.3.0
 */
export const layerConfig = (
  options: StoreOptions & Pick<StoreConfig, "connectTimeout"> = {}
): Layer.Layer<LedgerStore.LedgerStore | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  configLayer((config) => layer({ ...options, ...config }), options.connectTimeout)
