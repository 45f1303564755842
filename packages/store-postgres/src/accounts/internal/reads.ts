import type { AccountStore } from "@paykit/accounts"
import { Effect, Option } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import { num } from "../../internal/adapter.ts"
import { fail } from "./conflict.ts"
import {
  AUDIT_COLUMNS,
  accountFromRow,
  auditFromRow,
  cmp,
  ERASURE_COLUMNS,
  erasureFromRow,
  fieldFromRow,
  HOLD_COLUMNS,
  holdFromRow,
  keyFromRow,
  type Row
} from "./rows.ts"

/** The store's reads and its `dump`, on `sql`. */
export const makeReads = (
  sql: SqlClient.SqlClient
): Pick<
  AccountStore.AccountStore["Service"],
  | "getAccount"
  | "findIndex"
  | "getKey"
  | "listKeys"
  | "keysPage"
  | "getFields"
  | "getHolds"
  | "getErasure"
  | "dueErasures"
  | "audit"
  | "dump"
> => {
  const read = <A>(operation: string, effect: Effect.Effect<A, SqlError>) =>
    effect.pipe(Effect.mapError(fail(operation)))

  const getAccount = (id: string) =>
    read(
      "getAccount",
      Effect.map(sql<Row>`SELECT data::text AS data FROM paykit_accounts_accounts WHERE id = ${id}`, (rows) =>
        Option.map(Option.fromNullishOr(rows[0]), accountFromRow)
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
    const holds = yield* sql<Row>`SELECT ${sql.literal(HOLD_COLUMNS)} FROM paykit_accounts_holds ORDER BY seq`
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

  return {
    getAccount,
    findIndex,
    getKey,
    listKeys: read("listKeys", allKeys),
    keysPage,
    getFields,
    getHolds,
    getErasure,
    dueErasures,
    audit,
    dump
  }
}
