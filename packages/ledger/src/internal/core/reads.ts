/**
 * What a store reads before a write: the records the commands name (`readSet`), the accounts to
 * lock in order (`lockSet`), and a snapshot over the loaded rows (`snapshotOf`). Total: an
 * unreadable or malformed command names nothing, and no malformed id reaches a database.
 */
import type { Command } from "../../Command.ts"
import { MAX_POSTINGS } from "../../Command.ts"
import type * as Account from "../../Account.ts"
import type * as Entry from "../../Entry.ts"
import * as Hold from "../../Hold.ts"
import type { FailedId, Snapshot } from "../../LedgerCore.ts"
import { ID } from "./shape.ts"

/** `LedgerCore.readSet`: the entries, holds and accounts the commands name, sorted. */
export const readSet = (
  commands: ReadonlyArray<Command>
): {
  readonly entryIds: ReadonlyArray<string>
  readonly holdIds: ReadonlyArray<string>
  readonly accountIds: ReadonlyArray<string>
} => {
  const entryIds = new Set<unknown>()
  const holdIds = new Set<unknown>()
  const accountIds = new Set<unknown>()
  for (const c of commands) {
    try {
      addReads(c, entryIds, holdIds, accountIds)
    } catch {
      // an unreadable command names nothing: the core refuses it as bad input
    }
  }
  // only well-formed ids: no row can have another, and a store must not send a malformed one
  // (a NUL byte, a megabyte) to its database; the core refuses the command that carries it
  const sorted = (s: Set<unknown>) =>
    [...s].filter((x): x is string => typeof x === "string" && isReadableId(x)).sort()
  return { entryIds: sorted(entryIds), holdIds: sorted(holdIds), accountIds: sorted(accountIds) }
}

/** An id a row can have: an id, or a hold's expiry entry id (`<holdId>~expire`). */
const isReadableId = (x: string): boolean => ID.test(x) || (x.endsWith("~expire") && ID.test(x.slice(0, -7)))

const addReads = (
  c: Command,
  entryIds: Set<unknown>,
  holdIds: Set<unknown>,
  accountIds: Set<unknown>
): void => {
  if (typeof c !== "object" || c === null) return
  switch (c._tag) {
    case "CreateAccount":
      accountIds.add(c.id)
      break
    case "CloseAccount":
      accountIds.add(c.accountId)
      break
    case "Transfer":
      entryIds.add(c.id)
      if (Array.isArray(c.postings) && c.postings.length <= MAX_POSTINGS)
        for (const p of c.postings) {
          if (typeof p !== "object" || p === null) continue
          accountIds.add(p.debit)
          accountIds.add(p.credit)
        }
      break
    case "CreateHold":
      entryIds.add(c.id)
      holdIds.add(c.id)
      accountIds.add(c.debit)
      accountIds.add(c.credit)
      break
    case "PostHold":
    case "VoidHold":
      entryIds.add(c.id)
      holdIds.add(c.holdId)
      break
    case "Reverse":
      entryIds.add(c.id)
      entryIds.add(c.entryId)
      break
  }
}

/** `LedgerCore.lockSet`: every account id a write touches, sorted (the order to lock them in). */
export const lockSet = (
  commands: ReadonlyArray<Command>,
  loaded: { readonly entries: ReadonlyArray<Entry.Entry>; readonly holds: ReadonlyArray<Hold.Hold> }
): ReadonlyArray<string> => {
  const ids = new Set(readSet(commands).accountIds)
  for (const h of loaded.holds) {
    ids.add(h.debit)
    ids.add(h.credit)
  }
  for (const e of loaded.entries) {
    for (const p of e.postings) {
      ids.add(p.debit)
      ids.add(p.credit)
    }
  }
  return [...ids].sort()
}

/** `LedgerCore.snapshotOf`: a snapshot over loaded rows. */
export const snapshotOf = (rows: {
  readonly accounts: ReadonlyArray<Account.Account>
  readonly entries: ReadonlyArray<Entry.Entry>
  readonly holds: ReadonlyArray<Hold.Hold>
  readonly failedIds?: ReadonlyArray<FailedId> | undefined
}): Snapshot => {
  const accounts = new Map(rows.accounts.map((a) => [a.id, a]))
  const entries = new Map(rows.entries.map((e) => [e.id, e]))
  const holds = new Map(rows.holds.map((h) => [h.id, h]))
  const failed = new Map((rows.failedIds ?? []).map((f) => [f.id, f]))
  return {
    account: (id) => accounts.get(id),
    entry: (id) => entries.get(id),
    hold: (id) => holds.get(id),
    dueHolds: (now) => rows.holds.filter((h) => Hold.isDue(h, now)),
    failedId: (id) => failed.get(id)
  }
}
