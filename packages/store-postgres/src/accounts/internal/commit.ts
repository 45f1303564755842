import type { Account, AccountStore } from "@paykit/accounts"
import { Effect } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import { insertEvents } from "../../internal/outboxInsert.ts"
import { Conflict } from "./conflict.ts"
import { makeLocks } from "./locks.ts"
import { cmp, lastPer } from "./rows.ts"
import * as TaggedJson from "./taggedJson.ts"

/**
 * The store's transactions on `sql`: `attempt` runs one `commit` (locks, checks, conditional
 * writes, the outbox row last), `rewrapAttempt` one `rewrapKeys`. Each fails with a `Conflict`
 * on a refusal, or a `SqlError`.
 */
export const makeTransactions = (sql: SqlClient.SqlClient) => {
  const { lockSubjects, notRetired, checkVault, retireKeks } = makeLocks(sql)

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
        if (keysGone.length > 0) yield* sql`DELETE FROM paykit_accounts_keys WHERE subject = ANY(${keysGone})`
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

  return { attempt, rewrapAttempt }
}
