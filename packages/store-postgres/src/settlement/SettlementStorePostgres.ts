import { StoreFailure } from "@paykit/ledger"
import { SettlementStore } from "@paykit/settlement"
import { Context, Effect, type Layer, Option } from "effect"
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
  inTransaction,
  isTransient,
  messageOf,
  millisOf,
  openLayer,
  withAcquireTimeout
} from "../internal/adapter.ts"
import * as Migrations from "../Migrations.ts"
import { keysOf, lockBooks, writeChange } from "./internal/commit.ts"
import {
  argumentProblem,
  bookOf,
  changeProblem,
  PAYOUT_COLUMNS,
  payoutOf,
  RUN_COLUMNS,
  runOf,
  TRANCHE_COLUMNS,
  TRANSACTION_COLUMNS,
  type TransactionRow,
  trancheOf,
  transactionOf
} from "./internal/rows.ts"
import { settlementMigrations } from "./internal/schema.ts"

/**
 * Configuration of the PostgreSQL settlement store: where the data lives
 * ({@link Database.DatabaseConfig}, `acquireTimeout` included) and the bound on transparent
 * re-runs of a `commit` made outside any transaction after a deadlock, serialization failure or
 * lock timeout (default 5 attempts).
 *
 * @example
 * ```ts
 * import type { SettlementStorePostgres } from "@paykit/store-postgres/settlement"
 * const config: SettlementStorePostgres.StoreConfig = {
 *   url: "postgres://postgres@127.0.0.1:5432/app",
 *   maxAttempts: 3
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface StoreConfig extends Database.DatabaseConfig {
  readonly maxAttempts?: number | undefined
}

/**
 * The store options besides where the database is (for `make` and `layerClient`).
 *
 * @example
 * ```ts
 * import type { SettlementStorePostgres } from "@paykit/store-postgres/settlement"
 * const options: SettlementStorePostgres.StoreOptions = { maxAttempts: 3, acquireTimeout: "5 seconds" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type StoreOptions = Pick<StoreConfig, "maxAttempts" | "acquireTimeout">

/**
 * This adapter's migration namespace: `settlement`, recorded in `paykit_settlement_migrations`;
 * its tables are `paykit_settlement_books`, `paykit_settlement_transactions`,
 * `paykit_settlement_tranches`, `paykit_settlement_runs` and `paykit_settlement_payouts`, with the
 * function `paykit_settlement_enter`. Every layer of this module applies it after the shared
 * outbox's.
 *
 * @example
 * ```ts
 * import { Migrations } from "@paykit/store-postgres"
 * import { SettlementStorePostgres } from "@paykit/store-postgres/settlement"
 * const apply = Migrations.run(Migrations.outbox, SettlementStorePostgres.migrations)
 * ```
 * @category models
 * @since 0.1.0
 */
export const migrations: Migrations.Namespace = Migrations.namespace("settlement", settlementMigrations)

const isSqlError = (e: unknown): e is SqlError =>
  typeof e === "object" && e !== null && "_tag" in e && e._tag === "SqlError"

/** A failure of the body given to `exclusive`, carried through the transaction untouched. */
class BodyFailure<E> {
  readonly _tag = "BodyFailure"
  constructor(readonly error: E) {}
}

/** `exclusive` failed because a statement at its own level failed and aborted the transaction. */
class Poisoned {
  readonly _tag = "Poisoned"
}

/** A stored row that does not read back; the operation fails with `StoreFailure` saying so. */
class Unreadable {
  readonly _tag = "Unreadable"
  constructor(readonly reason: string) {}
}

/**
 * What `exclusive` knows about the transaction level its body runs at: the book keys whose
 * advisory locks it holds, whether a statement failed at that level (the transaction is then
 * aborted), and the book read ahead with the lock (valid while no commit since wrote a book).
 */
interface Held {
  readonly client: SqlClient.SqlClient
  readonly keys: Set<string>
  readonly conn: unknown
  readonly depth: number
  poisoned: boolean
  ahead:
    | {
        readonly merchant: string
        readonly currency: string
        readonly book: Option.Option<SettlementStore.Book>
        readonly generation: number
      }
    | undefined
}

const HeldLock = Context.Reference<Held | undefined>("@paykit/store-postgres/settlement/HeldLock", {
  defaultValue: () => undefined
})

/**
 * Builds the `SettlementStore` of `@paykit/settlement` on the `SqlClient` in context (already
 * migrated; use {@link layer} to open, migrate and build in one go).
 *
 * A balance transaction is one row of `paykit_settlement_transactions` (amounts `numeric(39,0)`,
 * fee lines, dimensions and ledger entry ids as JSON with amounts as strings, absent optional
 * fields as `NULL`); a book, a tranche, a run and a payout one row each of their tables. Reads
 * agree with the memory store: `transactions` filters as `SettlementStore.matches` (in the order
 * the transactions were first written), `scan` pages in `(available_on, id)` order, `keys` in
 * `(merchant, currency)` order (ids are `COLLATE "C"`), `tranches` returns those with money left.
 *
 * `exclusive(key, f)` runs `f` in a transaction whose first statement takes a transaction-scoped
 * advisory lock keyed by the schema and `key` (across connections and processes) and, for a key
 * `<merchant>/<currency>`, reads that book ahead for the body's first `book` read. Everything `f`
 * does on the same `SqlClient` (the `Ledger` on `LedgerStorePostgres`, reads, `commit`) runs in
 * that transaction and commits or rolls back with it: a failure of `f` writes nothing and comes
 * out as it was. Called inside a caller's `sql.withTransaction` (or another `exclusive`), it is a
 * savepoint of the caller's transaction. Its own transaction waits at most `acquireTimeout` for a
 * connection; the lock wait is bounded by the session's `lock_timeout`. `exclusive` is never
 * re-run (`f` may have called a payout provider): a deadlock or timeout is `StoreFailure`.
 *
 * `commit` writes the whole change in one statement: the payout first (inserted when new, updated
 * at the version read), every other write conditional on it, so a `PayoutConflict` writes
 * nothing; then the book, the transactions created (an id that exists is skipped) and updated,
 * the tranches, the run, and the events into the shared outbox (`paykit_outbox`, one row). At
 * `exclusive`'s own level, for the books whose locks it holds, that statement is the whole
 * commit (no savepoint: a refusal writes nothing, and a database failure aborts the transaction,
 * after which `exclusive` fails with `StoreFailure` even if the body went on). Otherwise it first
 * takes the advisory locks of the books the change writes to; inside another transaction as a
 * savepoint of it, alone as a transaction of its own, re-run after a deadlock, serialization
 * failure or lock timeout (at most `maxAttempts` times).
 *
 * Text PostgreSQL cannot hold exactly (a NUL, a lone surrogate), an amount outside ±(2^127 − 1)
 * and a time that is not a safe integer are refused before any SQL is sent: `StoreFailure`
 * naming the operation and the field, nothing written. Database failures are `StoreFailure`
 * naming the operation.
 *
 * @example
 * ```ts
 * import { Database, Migrations } from "@paykit/store-postgres"
 * import { SettlementStorePostgres } from "@paykit/store-postgres/settlement"
 * import { Effect } from "effect"
 * const store = Effect.gen(function* () {
 *   yield* Migrations.run(Migrations.outbox, SettlementStorePostgres.migrations)
 *   return yield* SettlementStorePostgres.make()
 * }).pipe(Effect.provide(Database.layer({})))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  config: StoreOptions = {}
): Effect.Effect<SettlementStore.SettlementStore["Service"], never, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const maxAttempts = Math.max(1, config.maxAttempts ?? 5)
    const acquireMillis = millisOf(config.acquireTimeout, DEFAULT_ACQUIRE_TIMEOUT)
    /** Counts commits that wrote a book: a book read ahead before one is not used after it. */
    let bookWrites = 0

    const failure = (operation: string) => (e: SqlError | AcquireTimeout | Unreadable) =>
      new StoreFailure({
        operation,
        reason:
          e instanceof AcquireTimeout
            ? e.message
            : e instanceof Unreadable
              ? `a stored row does not read: ${e.reason}`
              : messageOf(e)
      })

    const refuse = (operation: string, problem: string) =>
      Effect.fail(new StoreFailure({ operation, reason: `${problem}; nothing was sent to the database` }))

    /** The exclusive level the fiber runs at, when its transaction is that level (no savepoint of the caller's since). */
    const heldHere: Effect.Effect<Held | undefined> = Effect.gen(function* () {
      const held = yield* HeldLock
      if (held === undefined || held.client !== sql) return undefined
      const tx = yield* Effect.serviceOption(sql.transactionService)
      return Option.isSome(tx) && tx.value[0] === held.conn && tx.value[1] === held.depth ? held : undefined
    })

    /**
     * A statement that fails at `exclusive`'s own level aborts its transaction (there is no
     * savepoint around it): `exclusive` then fails even if the body went on, never reporting a
     * COMMIT that PostgreSQL turns into a rollback.
     */
    const poisoning = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.tapError(effect, (e) =>
        isSqlError(e)
          ? Effect.flatMap(heldHere, (held) =>
              Effect.sync(() => {
                if (held !== undefined) held.poisoned = true
              })
            )
          : Effect.void
      )

    /** A read: its text arguments checked first, database failures and unreadable rows as `StoreFailure`. */
    const read = <A>(
      operation: string,
      args: Readonly<Record<string, string | undefined>>,
      effect: Effect.Effect<A, SqlError | Unreadable>
    ): Effect.Effect<A, StoreFailure> => {
      const problem = argumentProblem(args)
      if (problem !== undefined) return refuse(operation, problem)
      return poisoning(effect).pipe(Effect.mapError(failure(operation)))
    }

    /** Rows mapped by `f`; a row that does not read fails with `Unreadable`. */
    const mapRows = <R, A>(
      rows: ReadonlyArray<R>,
      f: (r: R) => A
    ): Effect.Effect<ReadonlyArray<A>, Unreadable> =>
      Effect.suspend(() => {
        try {
          return Effect.succeed(rows.map(f))
        } catch (e) {
          return Effect.fail(new Unreadable(e instanceof Error ? e.message : String(e)))
        }
      })

    const book = (merchant: string, currency: string) =>
      read(
        "book",
        { merchant, currency },
        Effect.gen(function* () {
          const held = yield* heldHere
          const ahead = held?.ahead
          if (
            ahead !== undefined &&
            ahead.merchant === merchant &&
            ahead.currency === currency &&
            ahead.generation === bookWrites
          )
            return ahead.book
          const [row] = yield* sql<{ schedule: string; reserve_plan: string | null }>`SELECT
              schedule::text AS schedule, reserve_plan::text AS reserve_plan
            FROM paykit_settlement_books WHERE merchant = ${merchant} AND currency = ${currency}`
          if (row === undefined) return Option.none<SettlementStore.Book>()
          const [b] = yield* mapRows([row], (r) =>
            bookOf(
              merchant,
              currency,
              JSON.parse(r.schedule),
              r.reserve_plan === null ? null : JSON.parse(r.reserve_plan)
            )
          )
          return Option.some(b!)
        })
      )

    const transactions = (q: SettlementStore.Query) =>
      read(
        "transactions",
        { merchant: q.merchant, currency: q.currency, status: q.status, payout: q.payout },
        Effect.gen(function* () {
          const dueBy = atMost(q.dueBy)
          if (dueBy === NOTHING) return []
          const rows = yield* sql<TransactionRow>`SELECT ${sql.literal(TRANSACTION_COLUMNS)}
            FROM paykit_settlement_transactions
            WHERE merchant = ${q.merchant} AND currency = ${q.currency}
              AND (${q.status ?? null}::text IS NULL OR status = ${q.status ?? null}::text)
              AND (${dueBy}::bigint IS NULL OR available_on <= ${dueBy}::bigint)
              AND (NOT ${q.unpaid === true}::boolean OR payout IS NULL)
              AND (${q.payout ?? null}::text IS NULL OR payout = ${q.payout ?? null}::text)
            ORDER BY seq`
          return yield* mapRows(rows, transactionOf)
        })
      )

    const existing = (ids: ReadonlyArray<string>) =>
      read(
        "existing",
        Object.fromEntries(ids.map((id, i) => [`ids[${i}]`, id])),
        ids.length === 0
          ? Effect.succeed(new Set<string>())
          : Effect.map(
              sql<{ id: string }>`SELECT id FROM paykit_settlement_transactions
                WHERE id IN (SELECT json_array_elements_text(${JSON.stringify(ids)}::json))`,
              (rows): ReadonlySet<string> => new Set(rows.map((r) => r.id))
            )
      )

    /** A time bound that no stored time (a safe integer) can meet: the read is empty. */
    const NOTHING = "nothing" as const
    const SAFE = Number.MAX_SAFE_INTEGER

    /** `t <= d` over whole times as a bigint bound: `null` for none, `NOTHING` for none met. */
    const atMost = (d: number | undefined): number | null | typeof NOTHING =>
      d === undefined || d >= SAFE ? null : Number.isNaN(d) || d < -SAFE ? NOTHING : Math.floor(d)

    /** `t >= f` over whole times. */
    const atLeast = (f: number | undefined): number | null | typeof NOTHING =>
      f === undefined || f <= -SAFE ? null : Number.isNaN(f) || f > SAFE ? NOTHING : Math.ceil(f)

    /** `t < b` over whole times, as `t < ceil(b)`. */
    const below = (b: number | undefined): number | null | typeof NOTHING =>
      b === undefined || b > SAFE ? null : Number.isNaN(b) || b <= -SAFE ? NOTHING : Math.ceil(b)

    /** After a cursor time `a`: `t > a` or (`t = a` and a greater id), exact only when `a` is whole. */
    const after = (a: number): { readonly at: number; readonly exact: boolean } | null | typeof NOTHING =>
      a < -SAFE
        ? null
        : Number.isNaN(a) || a > SAFE
          ? NOTHING
          : { at: Math.floor(a), exact: Number.isInteger(a) }

    /** A limit as SQL takes it: whole, at least 0; `null` (no limit) beyond any table. */
    const limitOf = (n: number): number | null =>
      Number.isNaN(n) ? 0 : n >= Number.MAX_SAFE_INTEGER ? null : Math.max(0, Math.floor(n))

    const keys = (after: SettlementStore.Key | undefined, limit: number) =>
      read(
        "keys",
        { "after.merchant": after?.merchant, "after.currency": after?.currency },
        Effect.gen(function* () {
          // a skip scan of the (merchant, currency, …) index: one index probe per book
          const start =
            after === undefined
              ? sql`TRUE`
              : sql`(merchant, currency) > (${after.merchant}::text, ${after.currency}::text)`
          const rows = yield* sql<{ merchant: string; currency: string }>`WITH RECURSIVE k AS (
              (SELECT merchant, currency FROM paykit_settlement_transactions WHERE ${start}
                ORDER BY merchant, currency LIMIT 1)
              UNION ALL
              SELECT n.merchant, n.currency FROM k CROSS JOIN LATERAL (
                SELECT t.merchant, t.currency FROM paykit_settlement_transactions t
                WHERE (t.merchant, t.currency) > (k.merchant, k.currency)
                ORDER BY t.merchant, t.currency LIMIT 1
              ) n
            )
            SELECT merchant, currency FROM k LIMIT ${limitOf(limit)}::bigint`
          return rows.map((r): SettlementStore.Key => ({ merchant: r.merchant, currency: r.currency }))
        })
      )

    const scan = (q: SettlementStore.ScanQuery) =>
      read(
        "scan",
        { merchant: q.merchant, currency: q.currency, "after.id": q.after?.id },
        Effect.gen(function* () {
          const from = atLeast(q.availableFrom)
          const to = below(q.availableTo)
          const cursor = q.after === undefined ? null : after(q.after.availableOn)
          if (from === NOTHING || to === NOTHING || cursor === NOTHING) return []
          // the cursor as a row comparison on the (available_on, id) index, or a bound alone
          const past =
            cursor === null
              ? sql`TRUE`
              : cursor.exact
                ? sql`(available_on, id) > (${cursor.at}::bigint, ${q.after!.id}::text)`
                : sql`available_on > ${cursor.at}::bigint`
          // only the conditions given, and the order on the table's columns (`t.`: unqualified,
          // `available_on` is the selected text alias), so that every page is a range read of the
          // (available_on, id) index instead of a scan and sort of the whole table
          const rows = yield* sql<TransactionRow>`SELECT ${sql.literal(TRANSACTION_COLUMNS)}
            FROM paykit_settlement_transactions t
            WHERE ${sql.and([
              past,
              ...(from === null ? [] : [sql`available_on >= ${from}::bigint`]),
              ...(to === null ? [] : [sql`available_on < ${to}::bigint`]),
              ...(q.merchant === undefined ? [] : [sql`merchant = ${q.merchant}::text`]),
              ...(q.currency === undefined ? [] : [sql`currency = ${q.currency}::text`])
            ])}
            ORDER BY t.available_on, t.id
            LIMIT ${limitOf(q.limit)}::bigint`
          return yield* mapRows(rows, transactionOf)
        })
      )

    const tranches = (merchant: string, currency: string) =>
      read(
        "tranches",
        { merchant, currency },
        Effect.flatMap(
          sql<{
            id: string
            merchant: string
            currency: string
            amount: string
            remaining: string
            release_on: string
          }>`SELECT ${sql.literal(TRANCHE_COLUMNS)} FROM paykit_settlement_tranches
            WHERE merchant = ${merchant} AND currency = ${currency} AND remaining > 0
            ORDER BY ord`,
          (rows) => mapRows(rows, trancheOf)
        )
      )

    const run = (id: string) =>
      read(
        "run",
        { id },
        Effect.flatMap(
          sql<Parameters<typeof runOf>[0]>`SELECT ${sql.literal(RUN_COLUMNS)}
            FROM paykit_settlement_runs WHERE id = ${id}`,
          (rows) => Effect.map(mapRows(rows, runOf), (rs) => Option.fromNullishOr(rs[0]))
        )
      )

    const payout = (id: string) =>
      read(
        "payout",
        { id },
        Effect.flatMap(
          sql<Parameters<typeof payoutOf>[0]>`SELECT ${sql.literal(PAYOUT_COLUMNS)}
            FROM paykit_settlement_payouts WHERE id = ${id}`,
          (rows) => Effect.map(mapRows(rows, payoutOf), (ps) => Option.fromNullishOr(ps[0]))
        )
      )

    const exclusive = <A, E, R>(
      key: string,
      f: Effect.Effect<A, E, R>
    ): Effect.Effect<A, E | StoreFailure, R> => {
      const problem = argumentProblem({ key })
      if (problem !== undefined) return refuse("exclusive", problem)
      const slash = key.lastIndexOf("/")
      const target = slash > 0 ? { merchant: key.slice(0, slash), currency: key.slice(slash + 1) } : undefined
      const body: Effect.Effect<A, BodyFailure<E> | Poisoned | SqlError | Unreadable, R> = Effect.gen(
        function* () {
          const generation = bookWrites
          // the lock, then (a fresh snapshot, taken after it) the book, in one round trip
          const [row] = yield* sql<{ entered: string | null }>`SELECT paykit_settlement_enter(${key},
              ${target?.merchant ?? null}::text, ${target?.currency ?? null}::text)::text AS entered`
          let ahead: Held["ahead"]
          if (target !== undefined && row !== undefined && row.entered !== null) {
            const found = JSON.parse(row.entered) as {
              book: { schedule: unknown; reservePlan: unknown } | null
            }
            ahead = {
              ...target,
              generation,
              book:
                found.book === null
                  ? Option.none()
                  : Option.some(
                      bookOf(target.merchant, target.currency, found.book.schedule, found.book.reservePlan)
                    )
            }
          }
          const tx = yield* Effect.serviceOption(sql.transactionService)
          const held: Held | undefined = Option.isSome(tx)
            ? {
                client: sql,
                keys: new Set([key]),
                conn: tx.value[0],
                depth: tx.value[1],
                poisoned: false,
                ahead
              }
            : undefined
          const a = yield* Effect.mapError(
            Effect.provideService(f, HeldLock, held),
            (e) => new BodyFailure(e)
          )
          if (held?.poisoned === true) return yield* Effect.fail(new Poisoned())
          return a
        }
      )
      // a transaction of its own, or a savepoint of the caller's when the fiber is in one
      const run: Effect.Effect<A, BodyFailure<E> | Poisoned | SqlError | Unreadable | AcquireTimeout, R> =
        Effect.flatMap(
          inTransaction(sql),
          (
            joined
          ): Effect.Effect<A, BodyFailure<E> | Poisoned | SqlError | Unreadable | AcquireTimeout, R> =>
            joined ? sql.withTransaction(body) : withAcquireTimeout(sql, acquireMillis)(body)
        )
      return Effect.catch(
        run,
        (e): Effect.Effect<never, E | StoreFailure> =>
          e instanceof BodyFailure
            ? Effect.fail(e.error as E)
            : e instanceof Poisoned
              ? Effect.fail(
                  new StoreFailure({
                    operation: "exclusive",
                    reason:
                      "a statement of this transaction failed (its failure was returned to the body), so nothing of it was kept"
                  })
                )
              : Effect.fail(failure("exclusive")(e))
      )
    }

    /** Re-runs a whole transaction after a deadlock, serialization failure or lock timeout. */
    const retrying = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> => {
      const loop = (n: number): Effect.Effect<A, E> =>
        Effect.catchIf(
          effect,
          (e) => isSqlError(e) && isTransient(e) && n + 1 < maxAttempts,
          () => Effect.flatMap(backoff(n), () => loop(n + 1))
        )
      return loop(0)
    }

    const commit = (
      change: SettlementStore.Change
    ): Effect.Effect<void, StoreFailure | SettlementStore.PayoutConflict> => {
      const problem = changeProblem(change)
      if (problem !== undefined) return refuse("commit", problem)
      const conflict = () =>
        new SettlementStore.PayoutConflict({
          payoutId: change.payout!.payout.id,
          expected: change.payout!.expectedVersion ?? -1
        })
      const locksAndWrite = (keys: ReadonlyArray<string>) =>
        Effect.andThen(lockBooks(sql, keys), writeChange(sql, change))
      return Effect.gen(function* () {
        if (change.book !== undefined) bookWrites++
        const held = yield* heldHere
        let written: { readonly ok: boolean }
        if (held !== undefined) {
          // the locks of books this exclusive does not hold yet, then the one statement
          const missing = keysOf(change).filter((k) => !held.keys.has(k))
          written = yield* poisoning(locksAndWrite(missing))
          for (const k of missing) held.keys.add(k)
        } else {
          const keys = keysOf(change)
          written = (yield* inTransaction(sql))
            ? yield* sql.withTransaction(locksAndWrite(keys))
            : yield* retrying(withAcquireTimeout(sql, acquireMillis)(locksAndWrite(keys)))
        }
        if (!written.ok) return yield* conflict()
      }).pipe(
        Effect.catchIf(
          (e): e is SqlError | AcquireTimeout => isSqlError(e) || e instanceof AcquireTimeout,
          (e) => Effect.fail(failure("commit")(e))
        )
      )
    }

    return SettlementStore.SettlementStore.of({
      exclusive,
      book,
      transactions,
      existing,
      keys,
      scan,
      tranches,
      run,
      payout,
      commit
    })
  })

/**
 * Opens the database (a server when `url` is given, embedded PGlite otherwise), applies the
 * outbox's migrations and this adapter's, and provides the `SettlementStore`, plus the
 * `SqlClient` and `DatabaseInfo` it runs on (give the same `SqlClient` to
 * `LedgerStorePostgres.layerClient` and `PaymentStorePostgres.layerClient` so a run's ledger
 * entries join `exclusive`'s transaction). Start-up failures are typed (`InvalidStoreConfig`,
 * `DatabaseUnavailable`, `SchemaTooNew`, `MigrationFailed`).
 *
 * @example
 * ```ts
 * import { SettlementStorePostgres } from "@paykit/store-postgres/settlement"
 * const embedded = SettlementStorePostgres.layer({})
 * const server = SettlementStorePostgres.layer({ url: "postgres://postgres@127.0.0.1:5432/app" })
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layer = (
  config: StoreConfig = {}
): Layer.Layer<SettlementStore.SettlementStore | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  openLayer(SettlementStore.SettlementStore, migrations, make(config), config)

/**
 * Builds the `SettlementStore` on a `SqlClient` you already have (the one the ledger's and the
 * payments' stores use, your own pool, a shared PGlite): creates and selects `schema`, applies
 * the outbox's migrations and this adapter's, and provides the port.
 *
 * @example
 * ```ts
 * import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
 * import { PaymentStorePostgres } from "@paykit/store-postgres/payments"
 * import { SettlementStorePostgres } from "@paykit/store-postgres/settlement"
 * import { Layer } from "effect"
 * // settlement, payments and the ledger in one database: a run's ledger entries join its transaction
 * const stores = Layer.mergeAll(SettlementStorePostgres.layerClient(), PaymentStorePostgres.layerClient()).pipe(
 *   Layer.provideMerge(LedgerStorePostgres.layer({}))
 * )
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerClient = (
  config: StoreOptions & Pick<StoreConfig, "schema"> = {}
): Layer.Layer<SettlementStore.SettlementStore, StartupError, SqlClient.SqlClient> =>
  clientLayer(SettlementStore.SettlementStore, migrations, make(config), config.schema)

/**
 * Like {@link layer} with the database read from the environment: `DATABASE_URL` for a server,
 * or embedded PGlite only when asked with `PAYKIT_DATABASE=pglite:memory` or
 * `PAYKIT_DATABASE=pglite:<directory>` (neither set: `DatabaseNotConfigured`; both:
 * `InvalidStoreConfig`); `PAYKIT_DB_SCHEMA` and `PAYKIT_DB_MAX_CONNECTIONS` are optional.
 *
 * @example
 * ```ts
 * import { SettlementStorePostgres } from "@paykit/store-postgres/settlement"
 * const live = SettlementStorePostgres.layerConfig()
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerConfig = (
  options: StoreOptions & Pick<StoreConfig, "connectTimeout"> = {}
): Layer.Layer<SettlementStore.SettlementStore | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  configLayer((config) => layer({ ...options, ...config }), options.connectTimeout)
