import type { AccountStore } from "@paykit/accounts"
import { Effect } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import { num } from "../../internal/adapter.ts"
import { Conflict } from "./conflict.ts"
import type { Row } from "./rows.ts"

/**
 * The locks a commit takes and the checks it makes under them (the vault's subjects, the KEK
 * versions), on `sql`.
 */
export const makeLocks = (sql: SqlClient.SqlClient) => {
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
  return { lockSubjects, notRetired, checkVault, retireKeks }
}
