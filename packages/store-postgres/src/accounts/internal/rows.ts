import type { Account, AccountStore, Cipher } from "@paykit/accounts"
import { json, num } from "../../internal/adapter.ts"
import * as TaggedJson from "./taggedJson.ts"

export type Row = Record<string, unknown>

export const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/** The last operation per key wins, as when applying them one after another. */
export const lastPer = <A>(items: ReadonlyArray<A>, key: (a: A) => string): Array<A> => {
  const m = new Map<string, A>()
  for (const a of items) {
    const k = key(a)
    m.delete(k)
    m.set(k, a)
  }
  return [...m.values()]
}

export const accountFromRow = (r: Row): Account.Account =>
  TaggedJson.decode(json(r["data"])) as Account.Account

export const keyFromRow = (r: Row): AccountStore.SubjectKey => ({
  subject: String(r["subject"]),
  version: num(r["version"]),
  wrapped: { kekVersion: num(r["kek_version"]), wrapped: String(r["wrapped"]) }
})

export const fieldFromRow = (
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

export const holdFromRow = (r: Row): AccountStore.LegalHold => ({
  subject: String(r["subject"]),
  basis: String(r["basis"]),
  until: num(r["until"]),
  placedAt: num(r["placed_at"])
})

export const erasureFromRow = (r: Row): AccountStore.Erasure => ({
  subject: String(r["subject"]),
  requestedAt: num(r["requested_at"]),
  status: r["status"] === "erased" ? "erased" : "retained",
  ...(r["until"] === null ? {} : { until: num(r["until"]) }),
  ...(r["basis"] === null ? {} : { basis: String(r["basis"]) }),
  ...(r["erased_at"] === null ? {} : { erasedAt: num(r["erased_at"]) })
})

export const auditFromRow = (r: Row): AccountStore.AuditEntry => ({
  id: String(r["id"]),
  at: num(r["at"]),
  accountId: String(r["account_id"]),
  actor: String(r["actor"]),
  action: String(r["action"]),
  version: num(r["version"]),
  changes: json(r["changes"]) as AccountStore.AuditEntry["changes"]
})

export const HOLD_COLUMNS = "subject, basis, until::text AS until, placed_at::text AS placed_at"
export const ERASURE_COLUMNS =
  "subject, requested_at::text AS requested_at, status, until::text AS until, basis, erased_at::text AS erased_at"
export const AUDIT_COLUMNS =
  "id, at::text AS at, account_id, actor, action, version::text AS version, changes::text AS changes"
