import {
  type Account,
  AccountStore,
  type Cipher,
  type Conflict as StoreConflict,
  StoreFailure
} from "@paykit/accounts"
import { Effect, type Layer, Option } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import type * as Database from "../Database.ts"
import type { StartupError } from "../errors.ts"
import {
  clientLayer,
  configLayer,
  json,
  messageOf,
  num,
  openLayer,
  retryTransient
} from "../internal/adapter.ts"
import { timedWrite } from "../internal/metrics.ts"
import { insertEvents } from "../internal/outboxInsert.ts"
import * as Migrations from "../Migrations.ts"
import { accountsMigrations } from "./internal/schema.ts"
import * as TaggedJson from "./internal/taggedJson.ts"

/**
 * Configuration of the PostgreSQL account store: where the data lives
 * ({@link Database.DatabaseConfig}) and the bound on transparent re-runs of a commit after a
 * deadlock, serialization failure or lock timeout (default 5 attempts).
 *
 * @category models
 * @since 0.2.0
 */
export interface StoreConfig extends Database.DatabaseConfig {
  readonly maxAttempts?: number | undefined
}

type Row = Record<string, unknown>

/** A refusal decided inside the transaction (stale version, index key owned elsewhere): roll back. */
class Conflict {
  readonly _tag = "Conflict"
  constructor(
    readonly reason: string,
    readonly conflict?: StoreConflict
  ) {}
}

const refusal = (e: Conflict): StoreFailure =>
  new StoreFailure(
    e.conflict === undefined ? { reason: e.reason } : { reason: e.reason, conflict: e.conflict }
  )

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** The last operation per key wins, as when applying them one after another. */
const lastPer = <A>(items: ReadonlyArray<A>, key: (a: A) => string): Array<A> => {
  const m = new Map<string, A>()
  for (const a of items) {
    const k = key(a)
    m.delete(k)
    m.set(k, a)
  }
  return [...m.values()]
}

const accountFromRow = (r: Row): Account.Account => TaggedJson.decode(json(r["data"])) as Account.Account

const keyFromRow = (r: Row): AccountStore.SubjectKey => ({
  subject: String(r["subject"]),
  version: num(r["version"]),
  wrapped: { kekVersion: num(r["kek_version"]), wrapped: String(r["wrapped"]) }
})

const fieldFromRow = (
  r: Row
): { readonly subject: string; readonly field: string; readonly sealed: Cipher.Sealed } => ({
  subject: String(r["subject"]),
  field: String(r["field"]),
  sealed: {
    keyVersion: num(r["key_version"]),
    nonce: String(r["nonce"]),
    ciphertext: String(r["ciphertext"]),
    tag: String(r["tag"])
  }
})

const holdFromRow = (r: Row): AccountStore.LegalHold => ({
  subject: String(r["subject"]),
  basis: String(r["basis"]),
  until: num(r["until"]),
  placedAt: num(r["placed_at"])
})

const erasureFromRow = (r: Row): AccountStore.Erasure => ({
  subject: String(r["subject"]),
  requestedAt: num(r["requested_at"]),
  status: r["status"] === "erased" ? "erased" : "retained",
  ...(r["until"] === null ? {} : { until: num(r["until"]) }),
  ...(r["basis"] === null ? {} : { basis: String(r["basis"]) }),
  ...(r["erased_at"] === null ? {} : { erasedAt: num(r["erased_at"]) })
})

const auditFromRow = (r: Row): AccountStore.AuditEntry => ({
  id: String(r["id"]),
  at: num(r["at"]),
  accountId: String(r["account_id"]),
  actor: String(r["actor"]),
  action: String(r["action"]),
  version: num(r["version"]),
  changes: json(r["changes"]) as AccountStore.AuditEntry["changes"]
})

const HOLD_COLUMNS = "subject, basis, until::text AS until, placed_at::text AS placed_at"
const ERASURE_COLUMNS =
  "subject, requested_at::text AS requested_at, status, until::text AS until, basis, erased_at::text AS erased_at"
const AUDIT_COLUMNS =
  "id, at::text AS at, account_id, actor, action, version::text AS version, changes::text AS changes"

/**
 * This adapter's migration namespace: `accounts`, recorded in `paykit_accounts_migrations`; its tables
 * are `paykit_accounts_*`. Every layer of this module applies it after the shared outbox's.
 *
 * @example
 * ```ts
 * import { Migrations } from "@paykit/store-postgres"
 * import { AccountStorePostgres } from "@paykit/store-postgres/accounts"
 * const apply = Migrations.run(Migrations.outbox, AccountStorePostgres.migrations)
 * ```
 * @category models
 * @since 0.3.0
 */
export const migrations: Migrations.Namespace = Migrations.namespace("accounts", accountsMigrations)

/**
 * Builds the `AccountStore` of `@paykit/accounts` on the `SqlClient` in context (already
 * migrated; use {@link layer} to open, migrate and build in one go).
 *
 * `commit` is one database transaction: each account is written with a conditional statement
 * (`INSERT … ON CONFLICT DO NOTHING` for `expectedVersion` 0, `UPDATE … WHERE version =
 * expectedVersion` otherwise), each index key with `INSERT … ON CONFLICT DO UPDATE … WHERE the
 * owner is the same`, so of concurrent writers at one version exactly one wins, even across
 * processes; any refusal rolls the whole transaction back and fails with `StoreFailure`. Sealed
 * fields are stored as they come (base64 nonce, ciphertext and tag), never opened. Database
 * failures are `StoreFailure` too (deadlocks and serialization failures are re-run first).
 *
 * Races over the vault are decided under advisory transaction locks: a commit that writes or
 * guards a subject's holds, erasure, data key or fields first takes that subject's lock (keyed by
 * the schema and the subject, in one order), then checks `guards` and refuses a data key or field
 * for an erased subject (`conflict: VaultChanged`); a data key written under a KEK version shares
 * the version's lock and is refused once the version is retired (`KeyVersionRetired`), and
 * `retireKeks` takes it alone and refuses while a key is wrapped under it (`KeyVersionInUse`).
 * `rewrapKeys` is one transaction of compare-and-set `UPDATE`s (never an insert); `keysPage` reads
 * in subject order.
 *
 * The transaction's `events` are inserted into the shared outbox (`paykit_outbox`, one row, in
 * order) as its last statement, in the same database transaction: a refused or failed commit
 * leaves no outbox row, a re-run leaves one, and an events-only transaction is just that row.
 * Inside a caller's `SqlClient.withTransaction` the commit is a savepoint of the caller's
 * transaction and commits or rolls back with it. `Outbox.layerRelay` delivers the events.
 *
 * @example
 * ```ts
 * import { Database, Migrations } from "@paykit/store-postgres"
 * import { AccountStorePostgres } from "@paykit/store-postgres/accounts"
 * import { Effect } from "effect"
 * const store = Effect.gen(function* () {
 *   yield* Migrations.run(Migrations.outbox, AccountStorePostgres.migrations)
 *   return yield* AccountStorePostgres.make()
 * }).pipe(Effect.provide(Database.layer({})))
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const make = (
  config: Pick<StoreConfig, "maxAttempts"> = {}
): Effect.Effect<AccountStore.AccountStore["Service"], never, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const maxAttempts = Math.max(1, config.maxAttempts ?? 5)
    const fail =
      (operation: string) =>
      (e: SqlError): StoreFailure =>
        new StoreFailure({ reason: `${operation}: ${messageOf(e)}` })
    const read = <A>(operation: string, effect: Effect.Effect<A, SqlError>) =>
      effect.pipe(Effect.mapError(fail(operation)))

    const writeAccount = (account: Account.Account, expectedVersion: number) =>
      Effect.gen(function* () {
        const data = JSON.stringify(TaggedJson.encode(account))
        const written =
          expectedVersion === 0
            ? yield* sql`INSERT INTO paykit_accounts_accounts
                  (id, version, type, status, country, currency, created_at, updated_at, data)
                VALUES (${account.id}, ${account.version}, ${account.type}, ${account.status},
                  ${account.country}, ${account.currency}, ${account.createdAt}, ${account.updatedAt}, ${data}::jsonb)
                ON CONFLICT (id) DO NOTHING RETURNING 1 AS ok`
            : yield* sql`UPDATE paykit_accounts_accounts SET version = ${account.version}, type = ${account.type},
                  status = ${account.status}, country = ${account.country}, currency = ${account.currency},
                  created_at = ${account.createdAt}, updated_at = ${account.updatedAt}, data = ${data}::jsonb
                WHERE id = ${account.id} AND version = ${expectedVersion} RETURNING 1 AS ok`
        if (written.length > 0) return
        const [current] = yield* sql<{ v: string }>`SELECT version::text AS v FROM paykit_accounts_accounts
          WHERE id = ${account.id}`
        return yield* Effect.fail(
          new Conflict(
            `account ${account.id} is at version ${current?.v ?? 0}, expected ${expectedVersion} (a concurrent change won)`,
            { _tag: "StaleVersion", accountId: account.id }
          )
        )
      })

    const writeIndex = (kind: AccountStore.IndexKind, key: string, accountId: string | null) =>
      Effect.gen(function* () {
        if (accountId === null) {
          yield* sql`DELETE FROM paykit_accounts_index WHERE kind = ${kind} AND key = ${key}`
          return
        }
        const written = yield* sql`INSERT INTO paykit_accounts_index (kind, key, account_id)
          VALUES (${kind}, ${key}, ${accountId})
          ON CONFLICT (kind, key) DO UPDATE SET account_id = EXCLUDED.account_id
            WHERE paykit_accounts_index.account_id = EXCLUDED.account_id
          RETURNING 1 AS ok`
        if (written.length > 0) return
        const [owner] = yield* sql<{ account_id: string }>`SELECT account_id FROM paykit_accounts_index
          WHERE kind = ${kind} AND key = ${key}`
        return yield* Effect.fail(
          new Conflict(
            `the ${kind} index entry already belongs to account ${owner?.account_id ?? "another account"}`,
            { _tag: "IndexTaken", index: kind, owner: String(owner?.account_id ?? "") }
          )
        )
      })

    /**
     * Per-subject locks for the rest of the transaction: advisory transaction locks keyed by the
     * schema and the subject, taken in one order (so two commits over the same subjects never
     * deadlock on them). Every commit that writes or guards a subject's vault takes them first.
     */
    const lockSubjects = (subjects: ReadonlyArray<string>) =>
      subjects.length === 0
        ? Effect.void
        : Effect.asVoid(sql`SELECT count(pg_advisory_xact_lock(k))::int AS n FROM (
            SELECT DISTINCT hashtextextended(current_schema() || '/paykit.accounts.subject/' || s, 0) AS k
            FROM unnest(${subjects}::text[]) AS s ORDER BY k) AS x`)

    /**
     * Per-KEK-version locks: shared by every write of a data key under the version, exclusive for
     * its retirement, so a retirement sees every key written under the version (and refuses) or
     * every later write sees the retirement (and is refused).
     */
    const lockKeks = (versions: ReadonlyArray<number>, mode: "shared" | "exclusive") =>
      versions.length === 0
        ? Effect.void
        : Effect.asVoid(
            mode === "shared"
              ? sql`SELECT count(pg_advisory_xact_lock_shared(k))::int AS n FROM (
                  SELECT DISTINCT hashtextextended(current_schema() || '/paykit.accounts.kek/' || v::text, 0) AS k
                  FROM unnest(${versions}::int[]) AS v ORDER BY k) AS x`
              : sql`SELECT count(pg_advisory_xact_lock(k))::int AS n FROM (
                  SELECT DISTINCT hashtextextended(current_schema() || '/paykit.accounts.kek/' || v::text, 0) AS k
                  FROM unnest(${versions}::int[]) AS v ORDER BY k) AS x`
          )

    /** Under the KEK versions' shared locks: refuses if one of them is retired. */
    const notRetired = (versions: ReadonlyArray<number>) =>
      Effect.gen(function* () {
        if (versions.length === 0) return
        yield* lockKeks(versions, "shared")
        const [gone] = yield* sql<{ v: number }>`SELECT kek_version AS v FROM paykit_accounts_retired_keks
          WHERE kek_version = ANY(${versions}::int[]) ORDER BY kek_version LIMIT 1`
        if (gone !== undefined) {
          const v = num(gone.v)
          return yield* Effect.fail(
            new Conflict(`key-encryption-key version ${v} is retired`, {
              _tag: "KeyVersionRetired",
              kekVersion: v
            })
          )
        }
      })

    /** Under the subjects' locks: the guards still hold, and no key or field goes to an erased subject. */
    const checkVault = (tx: AccountStore.Transaction) =>
      Effect.gen(function* () {
        const guards = tx.guards ?? []
        if (guards.length > 0) {
          const rows = yield* sql<Row>`SELECT g.subject,
              (SELECT count(*) FROM paykit_accounts_holds h WHERE h.subject = g.subject)::int AS holds,
              e.status, e.until::text AS until
            FROM unnest(${guards.map((g) => g.subject)}::text[]) AS g(subject)
            LEFT JOIN paykit_accounts_erasures e ON e.subject = g.subject`
          const now = new Map(rows.map((r) => [String(r["subject"]), r]))
          for (const g of guards) {
            const r = now.get(g.subject)
            const status = r?.["status"] ?? null
            const until = r?.["until"] === null || r?.["until"] === undefined ? null : num(r["until"])
            if (
              num(r?.["holds"] ?? 0) !== g.holds ||
              status !== (g.erasure?.status ?? null) ||
              (g.erasure !== null && until !== g.erasure.until)
            ) {
              return yield* Effect.fail(
                new Conflict(`the legal holds or erasure of subject ${g.subject} changed concurrently`, {
                  _tag: "VaultChanged",
                  subject: g.subject
                })
              )
            }
          }
        }
        const written = [
          ...new Set([
            ...(tx.keys ?? []).flatMap((k) => (k.key === null ? [] : [k.subject])),
            ...(tx.fields ?? []).flatMap((f) => (f.sealed === null ? [] : [f.subject]))
          ])
        ]
        if (written.length > 0) {
          const [erased] = yield* sql<{ subject: string }>`SELECT subject FROM paykit_accounts_erasures
            WHERE status = 'erased' AND subject = ANY(${written}::text[]) ORDER BY subject LIMIT 1`
          if (erased !== undefined) {
            return yield* Effect.fail(
              new Conflict(`subject ${erased.subject} was erased: no data key or field is written for it`, {
                _tag: "VaultChanged",
                subject: String(erased.subject)
              })
            )
          }
        }
        yield* notRetired([
          ...new Set((tx.keys ?? []).flatMap((k) => (k.key === null ? [] : [k.key.wrapped.kekVersion])))
        ])
      })

    /** Under the versions' exclusive locks: refuses while a data key is wrapped under one; marks them retired. */
    const retireKeks = (versions: ReadonlyArray<number>) =>
      Effect.gen(function* () {
        if (versions.length === 0) return
        const sorted = [...new Set(versions)].sort((a, b) => a - b)
        yield* lockKeks(sorted, "exclusive")
        for (const v of sorted) {
          const [used] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM paykit_accounts_keys
            WHERE kek_version = ${v}`
          const n = num(used?.n ?? 0)
          if (n > 0) {
            return yield* Effect.fail(
              new Conflict(`key-encryption-key version ${v} still wraps ${n} data key(s)`, {
                _tag: "KeyVersionInUse",
                kekVersion: v,
                keys: n
              })
            )
          }
        }
        yield* sql`INSERT INTO paykit_accounts_retired_keks (kek_version)
          SELECT v FROM unnest(${sorted}::int[]) AS v ON CONFLICT (kek_version) DO NOTHING`
      })

    const attempt = (tx: AccountStore.Transaction) =>
      sql.withTransaction(
        Effect.gen(function* () {
          // the subjects' locks first (one order), then the vault checks under them
          yield* lockSubjects([
            ...new Set([
              ...(tx.guards ?? []).map((g) => g.subject),
              ...(tx.holds ?? []).map((h) => h.subject),
              ...(tx.erasures ?? []).map((e) => e.subject),
              ...(tx.keys ?? []).map((k) => k.subject),
              ...(tx.fields ?? []).map((f) => f.subject),
              ...(tx.purgeFields ?? [])
            ])
          ])
          yield* checkVault(tx)
          yield* retireKeks(tx.retireKeks ?? [])
          // accounts in id order, so two commits over the same accounts lock them in one order
          const accounts = [...(tx.accounts ?? [])].sort((a, b) => cmp(a.account.id, b.account.id))
          for (const { account, expectedVersion } of accounts) {
            if (account.version !== expectedVersion + 1) {
              return yield* Effect.fail(
                new Conflict(`account ${account.id} must be written at version ${expectedVersion + 1}`)
              )
            }
          }
          for (const { account, expectedVersion } of accounts) yield* writeAccount(account, expectedVersion)
          for (const { kind, key, accountId } of tx.index ?? []) yield* writeIndex(kind, key, accountId)

          const keys = lastPer(tx.keys ?? [], (k) => k.subject)
          const keysGone = keys.filter((k) => k.key === null).map((k) => k.subject)
          const keysSet = keys.flatMap((k) =>
            k.key === null
              ? []
              : [
                  {
                    subject: k.subject,
                    version: k.key.version,
                    kek_version: k.key.wrapped.kekVersion,
                    wrapped: k.key.wrapped.wrapped
                  }
                ]
          )
          if (keysGone.length > 0)
            yield* sql`DELETE FROM paykit_accounts_keys WHERE subject = ANY(${keysGone})`
          if (keysSet.length > 0) {
            yield* sql`INSERT INTO paykit_accounts_keys (subject, version, kek_version, wrapped)
              SELECT subject, version, kek_version, wrapped FROM jsonb_to_recordset(${JSON.stringify(keysSet)}::jsonb)
                AS x(subject text, version integer, kek_version integer, wrapped text)
              ON CONFLICT (subject) DO UPDATE SET version = EXCLUDED.version,
                kek_version = EXCLUDED.kek_version, wrapped = EXCLUDED.wrapped`
          }

          const purge = tx.purgeFields ?? []
          if (purge.length > 0) yield* sql`DELETE FROM paykit_accounts_fields WHERE subject = ANY(${purge})`
          const fields = lastPer(tx.fields ?? [], (f) => JSON.stringify([f.subject, f.field]))
          const fieldsGone = fields.filter((f) => f.sealed === null)
          const fieldsSet = fields.flatMap((f) =>
            f.sealed === null
              ? []
              : [
                  {
                    subject: f.subject,
                    field: f.field,
                    key_version: f.sealed.keyVersion,
                    nonce: f.sealed.nonce,
                    ciphertext: f.sealed.ciphertext,
                    tag: f.sealed.tag
                  }
                ]
          )
          if (fieldsGone.length > 0) {
            yield* sql`DELETE FROM paykit_accounts_fields f USING jsonb_to_recordset(${JSON.stringify(
              fieldsGone.map((g) => ({ subject: g.subject, field: g.field }))
            )}::jsonb) AS x(subject text, field text)
              WHERE f.subject = x.subject AND f.field = x.field`
          }
          if (fieldsSet.length > 0) {
            yield* sql`INSERT INTO paykit_accounts_fields (subject, field, key_version, nonce, ciphertext, tag)
              SELECT subject, field, key_version, nonce, ciphertext, tag
              FROM jsonb_to_recordset(${JSON.stringify(fieldsSet)}::jsonb)
                AS x(subject text, field text, key_version integer, nonce text, ciphertext text, tag text)
              ON CONFLICT (subject, field) DO UPDATE SET key_version = EXCLUDED.key_version,
                nonce = EXCLUDED.nonce, ciphertext = EXCLUDED.ciphertext, tag = EXCLUDED.tag`
          }

          const holds = (tx.holds ?? []).map((h, i) => ({
            i,
            subject: h.subject,
            basis: h.basis,
            until: h.until,
            placed_at: h.placedAt
          }))
          if (holds.length > 0) {
            yield* sql`INSERT INTO paykit_accounts_holds (subject, basis, until, placed_at)
              SELECT subject, basis, until, placed_at FROM jsonb_to_recordset(${JSON.stringify(holds)}::jsonb)
                AS x(i integer, subject text, basis text, until bigint, placed_at bigint)
              ORDER BY i`
          }

          const erasures = lastPer(tx.erasures ?? [], (e) => e.subject).map((e) => ({
            subject: e.subject,
            requested_at: e.requestedAt,
            status: e.status,
            until: e.until ?? null,
            basis: e.basis ?? null,
            erased_at: e.erasedAt ?? null
          }))
          if (erasures.length > 0) {
            yield* sql`INSERT INTO paykit_accounts_erasures (subject, requested_at, status, until, basis, erased_at)
              SELECT subject, requested_at, status, until, basis, erased_at
              FROM jsonb_to_recordset(${JSON.stringify(erasures)}::jsonb)
                AS x(subject text, requested_at bigint, status text, until bigint, basis text, erased_at bigint)
              ON CONFLICT (subject) DO UPDATE SET requested_at = EXCLUDED.requested_at,
                status = EXCLUDED.status, until = EXCLUDED.until, basis = EXCLUDED.basis,
                erased_at = EXCLUDED.erased_at`
          }

          const audit = (tx.audit ?? []).map((a, i) => ({
            i,
            id: a.id,
            at: a.at,
            account_id: a.accountId,
            actor: a.actor,
            action: a.action,
            version: a.version,
            changes: a.changes
          }))
          if (audit.length > 0) {
            yield* sql`INSERT INTO paykit_accounts_audit (id, at, account_id, actor, action, version, changes)
              SELECT id, at, account_id, actor, action, version, changes
              FROM jsonb_to_recordset(${JSON.stringify(audit)}::jsonb)
                AS x(i integer, id text, at bigint, account_id text, actor text, action text, version bigint, changes jsonb)
              ORDER BY i`
          }
          // the change's events, last: after its row locks, in its transaction
          yield* insertEvents(sql, tx.events, "AccountStorePostgres.commit")
        })
      )

    const commit = (tx: AccountStore.Transaction): Effect.Effect<void, StoreFailure> =>
      retryTransient(attempt(tx), maxAttempts, "accounts").pipe(
        Effect.mapError((e) => (e instanceof Conflict ? refusal(e) : fail("commit")(e)))
      )

    const getAccount = (id: string) =>
      read(
        "getAccount",
        Effect.map(
          sql<Row>`SELECT data::text AS data FROM paykit_accounts_accounts WHERE id = ${id}`,
          (rows) => Option.map(Option.fromNullishOr(rows[0]), accountFromRow)
        )
      )

    const findIndex = (kind: AccountStore.IndexKind, key: string) =>
      read(
        "findIndex",
        Effect.map(
          sql<{
            account_id: string
          }>`SELECT account_id FROM paykit_accounts_index WHERE kind = ${kind} AND key = ${key}`,
          (rows) => Option.map(Option.fromNullishOr(rows[0]), (r) => String(r.account_id))
        )
      )

    const getKey = (subject: string) =>
      read(
        "getKey",
        Effect.map(
          sql<Row>`SELECT subject, version, kek_version, wrapped FROM paykit_accounts_keys WHERE subject = ${subject}`,
          (rows) => Option.map(Option.fromNullishOr(rows[0]), keyFromRow)
        )
      )

    const allKeys = Effect.map(
      sql<Row>`SELECT subject, version, kek_version, wrapped FROM paykit_accounts_keys`,
      (rows) => rows.map(keyFromRow).sort((a, b) => cmp(a.subject, b.subject))
    )

    const keysPage = (after: string | null, limit: number, belowKek: number) =>
      read(
        "keysPage",
        Effect.map(
          after === null
            ? sql<Row>`SELECT subject, version, kek_version, wrapped FROM paykit_accounts_keys
                WHERE kek_version < ${belowKek} ORDER BY subject LIMIT ${Math.max(0, Math.floor(limit))}`
            : sql<Row>`SELECT subject, version, kek_version, wrapped FROM paykit_accounts_keys
                WHERE kek_version < ${belowKek} AND subject > ${after}
                ORDER BY subject LIMIT ${Math.max(0, Math.floor(limit))}`,
          (rows) => rows.map(keyFromRow)
        )
      )

    /** Compare-and-set per key, in one transaction: an UPDATE matching the wrapping read, never an INSERT. */
    const rewrapAttempt = (rewraps: ReadonlyArray<AccountStore.Rewrap>) =>
      sql.withTransaction(
        Effect.gen(function* () {
          if (rewraps.length === 0) return 0
          yield* notRetired([...new Set(rewraps.map((r) => r.to.kekVersion))])
          const items = rewraps.map((r) => ({
            subject: r.subject,
            from_kek: r.from.kekVersion,
            from_wrapped: r.from.wrapped,
            to_kek: r.to.kekVersion,
            to_wrapped: r.to.wrapped
          }))
          const done = yield* sql`UPDATE paykit_accounts_keys k
            SET kek_version = x.to_kek, wrapped = x.to_wrapped
            FROM jsonb_to_recordset(${JSON.stringify(items)}::jsonb)
              AS x(subject text, from_kek integer, from_wrapped text, to_kek integer, to_wrapped text)
            WHERE k.subject = x.subject AND k.kek_version = x.from_kek AND k.wrapped = x.from_wrapped
            RETURNING k.subject`
          return done.length
        })
      )

    const rewrapKeys = (rewraps: ReadonlyArray<AccountStore.Rewrap>): Effect.Effect<number, StoreFailure> =>
      retryTransient(rewrapAttempt(rewraps), maxAttempts, "accounts").pipe(
        Effect.mapError((e) => (e instanceof Conflict ? refusal(e) : fail("rewrapKeys")(e)))
      )

    const getFields = (subject: string) =>
      read(
        "getFields",
        Effect.map(
          sql<Row>`SELECT subject, field, key_version, nonce, ciphertext, tag FROM paykit_accounts_fields
            WHERE subject = ${subject}`,
          (rows) =>
            rows
              .map(fieldFromRow)
              .sort((a, b) => cmp(a.field, b.field))
              .map(({ field, sealed }) => ({ field, sealed }))
        )
      )

    const getHolds = (subject: string) =>
      read(
        "getHolds",
        Effect.map(
          sql<Row>`SELECT ${sql.literal(HOLD_COLUMNS)} FROM paykit_accounts_holds WHERE subject = ${subject} ORDER BY seq`,
          (rows) => rows.map(holdFromRow)
        )
      )

    const getErasure = (subject: string) =>
      read(
        "getErasure",
        Effect.map(
          sql<Row>`SELECT ${sql.literal(ERASURE_COLUMNS)} FROM paykit_accounts_erasures WHERE subject = ${subject}`,
          (rows) => Option.map(Option.fromNullishOr(rows[0]), erasureFromRow)
        )
      )

    const dueErasures = (now: number) =>
      read(
        "dueErasures",
        Effect.map(
          sql<Row>`SELECT ${sql.literal(ERASURE_COLUMNS)} FROM paykit_accounts_erasures
            WHERE status = 'retained' AND coalesce(until, 0) <= ${now}`,
          (rows) => rows.map(erasureFromRow).sort((a, b) => cmp(a.subject, b.subject))
        )
      )

    const audit = (accountId: string) =>
      read(
        "audit",
        Effect.map(
          sql<Row>`SELECT ${sql.literal(AUDIT_COLUMNS)} FROM paykit_accounts_audit WHERE account_id = ${accountId}
            ORDER BY seq`,
          (rows) => rows.map(auditFromRow)
        )
      )

    const dump = Effect.gen(function* () {
      yield* sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`
      const accounts = yield* sql<Row>`SELECT data::text AS data FROM paykit_accounts_accounts`
      const index = yield* sql<Row>`SELECT kind, key, account_id FROM paykit_accounts_index`
      const keys = yield* allKeys
      const fields =
        yield* sql<Row>`SELECT subject, field, key_version, nonce, ciphertext, tag FROM paykit_accounts_fields`
      const holds =
        yield* sql<Row>`SELECT ${sql.literal(HOLD_COLUMNS)} FROM paykit_accounts_holds ORDER BY seq`
      const erasures = yield* sql<Row>`SELECT ${sql.literal(ERASURE_COLUMNS)} FROM paykit_accounts_erasures`
      const audit =
        yield* sql<Row>`SELECT ${sql.literal(AUDIT_COLUMNS)} FROM paykit_accounts_audit ORDER BY seq`
      const retired = yield* sql<{
        v: number
      }>`SELECT kek_version AS v FROM paykit_accounts_retired_keks ORDER BY kek_version`
      // holds grouped by subject, subjects in the order their first hold was placed
      const bySubject = new Map<string, Array<AccountStore.LegalHold>>()
      for (const h of holds.map(holdFromRow)) {
        const list = bySubject.get(h.subject)
        if (list === undefined) bySubject.set(h.subject, [h])
        else list.push(h)
      }
      return {
        accounts: accounts.map(accountFromRow).sort((a, b) => cmp(a.id, b.id)),
        index: index
          .map((r): readonly [string, string] => [
            `${String(r["kind"])}:${String(r["key"])}`,
            String(r["account_id"])
          ])
          .sort((a, b) => cmp(a[0], b[0])),
        keys,
        fields: fields.map(fieldFromRow).sort((a, b) => cmp(a.subject, b.subject) || cmp(a.field, b.field)),
        holds: [...bySubject.values()].flat(),
        erasures: erasures.map(erasureFromRow).sort((a, b) => cmp(a.subject, b.subject)),
        audit: audit.map(auditFromRow),
        retiredKeks: retired.map((r) => num(r.v))
      } satisfies AccountStore.Dump
    }).pipe(sql.withTransaction, Effect.mapError(fail("dump")))

    return AccountStore.AccountStore.of({
      getAccount,
      findIndex,
      getKey,
      listKeys: read("listKeys", allKeys),
      keysPage,
      rewrapKeys: (rewraps) => timedWrite("accounts", rewrapKeys(rewraps)),
      getFields,
      getHolds,
      getErasure,
      dueErasures,
      audit,
      commit: (tx) => timedWrite("accounts", commit(tx)),
      dump
    })
  })

/**
 * Opens the database (a server when `url` is given, embedded PGlite otherwise), applies the
 * outbox's migrations and this adapter's, and provides the `AccountStore`, plus the `SqlClient` and `DatabaseInfo` it runs
 * on. Start-up failures are typed (`InvalidStoreConfig`, `DatabaseUnavailable`, `SchemaTooNew`,
 * `MigrationFailed`).
 *
 * @example
 * ```ts
 * import { AccountStorePostgres } from "@paykit/store-postgres/accounts"
 * const embedded = AccountStorePostgres.layer({})
 * const server = AccountStorePostgres.layer({ url: "postgres://postgres@127.0.0.1:5432/app" })
 * ```
 * @category layers
 * @since 0.2.0
 */
export const layer = (
  config: StoreConfig = {}
): Layer.Layer<AccountStore.AccountStore | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  openLayer(AccountStore.AccountStore, migrations, make(config), config)

/**
 * Builds the `AccountStore` on a `SqlClient` you already have (the one `LedgerStorePostgres.layer`
 * opened for the ledger, your own pool, a shared PGlite): creates and selects `schema`, applies
 * the migrations, and provides the port.
 *
 * @example
 * ```ts
 * import { AccountStorePostgres } from "@paykit/store-postgres/accounts"
 * import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
 * import { Layer } from "effect"
 * // the ledger and the accounts in one database
 * const stores = AccountStorePostgres.layerClient().pipe(Layer.provideMerge(LedgerStorePostgres.layer({})))
 * ```
 * @category layers
 * @since 0.2.0
 */
export const layerClient = (
  config: Pick<StoreConfig, "maxAttempts" | "schema"> = {}
): Layer.Layer<AccountStore.AccountStore, StartupError, SqlClient.SqlClient> =>
  clientLayer(AccountStore.AccountStore, migrations, make(config), config.schema)

/**
 * Like {@link layer} with the database read from the environment: `DATABASE_URL` for a server,
 * or embedded PGlite only when asked with `PAYKIT_DATABASE=pglite:memory` or
 * `PAYKIT_DATABASE=pglite:<directory>` (neither set: `DatabaseNotConfigured`; both:
 * `InvalidStoreConfig`); `PAYKIT_DB_SCHEMA` and `PAYKIT_DB_MAX_CONNECTIONS` are optional. The
 * chosen backend is logged once at start-up.
 *
 * @example
 * ```ts
 * import { AccountStorePostgres } from "@paykit/store-postgres/accounts"
 * const live = AccountStorePostgres.layerConfig()
 * ```
 * @category layers
 * @since 0.2.0
 */
export const layerConfig = (
  options: Pick<StoreConfig, "maxAttempts" | "connectTimeout"> = {}
): Layer.Layer<AccountStore.AccountStore | SqlClient.SqlClient | Database.DatabaseInfo, StartupError> =>
  configLayer((config) => layer({ ...options, ...config }), options.connectTimeout)
