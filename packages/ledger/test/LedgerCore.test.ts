import { DomainEvent } from "@paykit/core"
import { type Account, type Command, Entry, LedgerCore } from "@paykit/ledger"
import { Result, Schema } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { cashAndWallet, transfer } from "./support/commands.ts"

const SEED = "01J00000000000000000000000"

const deepFreeze = <T>(x: T): T => {
  if (typeof x === "object" && x !== null && !Object.isFrozen(x)) {
    Object.freeze(x)
    for (const v of Object.values(x)) deepFreeze(v)
  }
  return x
}

const open = cashAndWallet

/** A tiny store in plain TypeScript: the core needs no Effect. */
const plainStore = () => {
  const accounts = new Map<string, Account.Account>()
  const entries = new Map<string, Entry.Entry>()
  const snapshot = LedgerCore.snapshotOf({ accounts: [], entries: [], holds: [] })
  const view: LedgerCore.Snapshot = {
    ...snapshot,
    account: (id) => accounts.get(id),
    entry: (id) => entries.get(id)
  }
  return {
    accounts,
    apply: (commands: ReadonlyArray<Command.Command>, now = 0, mode: Command.Mode = "independent") => {
      const o = LedgerCore.applyBatch(view, { commands, mode, now, eventIdSeed: SEED })
      for (const a of [...o.accountsCreated, ...o.accountsUpdated]) accounts.set(a.id, a)
      for (const e of o.entriesCreated) entries.set(e.id, e)
      return o
    }
  }
}

describe("LedgerCore (pure, no Effect)", () => {
  it("decides a batch over plain data and never mutates what it read", () => {
    const store = plainStore()
    store.apply(open)
    const read = [...store.accounts.values()].map(deepFreeze)
    const before = structuredClone(read)
    const o = store.apply([
      {
        _tag: "Transfer",
        id: "e1",
        postings: [{ debit: "cash", credit: "wallet", amount: 500n, currency: "USD" }]
      },
      {
        _tag: "Transfer",
        id: "e2",
        postings: [{ debit: "wallet", credit: "cash", amount: 200n, currency: "USD" }]
      },
      {
        _tag: "Transfer",
        id: "e3",
        postings: [{ debit: "wallet", credit: "cash", amount: 400n, currency: "USD" }]
      }
    ])
    expect(o.results.map((r) => (Result.isSuccess(r) ? "ok" : r.failure._tag))).toEqual([
      "ok",
      "ok",
      "ExceedsCredits"
    ])
    expect(o.accountsUpdated.find((a) => a.id === "wallet")).toMatchObject({
      debitsPosted: 200n,
      creditsPosted: 500n,
      version: 2
    })
    expect(o.lines.map((l) => [l.accountId, l.seq, l.entryId])).toEqual([
      ["cash", 1, "e1"],
      ["wallet", 1, "e1"],
      ["wallet", 2, "e2"],
      ["cash", 2, "e2"]
    ])
    // the records it read are unchanged (frozen: a write would also have thrown)
    expect(structuredClone(read)).toEqual(before)
  })

  it("readSet and lockSet name what an adapter must load, sorted", () => {
    const commands: ReadonlyArray<Command.Command> = [
      { _tag: "Transfer", id: "e2", postings: [{ debit: "b", credit: "a", amount: 1n, currency: "USD" }] },
      { _tag: "PostHold", id: "p1", holdId: "h1" },
      { _tag: "Reverse", id: "r1", entryId: "e0" }
    ]
    expect(LedgerCore.readSet(commands)).toEqual({
      entryIds: ["e0", "e2", "p1", "r1"],
      holdIds: ["h1"],
      accountIds: ["a", "b"]
    })
    const lock = LedgerCore.lockSet(commands, {
      entries: [
        {
          id: "e0",
          kind: "transfer",
          postings: [{ debit: "z", credit: "c", amount: 1n, currency: "USD" }],
          metadata: {},
          createdAt: 0,
          hash: ""
        }
      ],
      holds: [
        {
          id: "h1",
          debit: "y",
          credit: "a",
          amount: 1n,
          currency: "USD",
          createdAt: 0,
          status: "pending",
          postedAmount: 0n
        }
      ]
    })
    expect(lock).toEqual(["a", "b", "c", "y", "z"])
  })

  it("the idempotency hash depends on content only (not metadata key order, not ids or time)", () =>
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 30n }),
        fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 })),
        (amount, metadata) => {
          const e = (m: Record<string, string>, id: string, at: number, amt: bigint): Entry.Entry => ({
            id,
            kind: "transfer",
            postings: [{ debit: "a", credit: "b", amount: amt, currency: "USD" }],
            metadata: m,
            createdAt: at,
            hash: ""
          })
          const reversed = Object.fromEntries(Object.entries(metadata).reverse())
          expect(LedgerCore.entryHash(e(metadata, "x", 0, amount))).toBe(
            LedgerCore.entryHash(e(reversed, "y", 9, amount))
          )
          expect(LedgerCore.entryHash(e(metadata, "x", 0, amount))).not.toBe(
            LedgerCore.entryHash(e(metadata, "x", 0, amount + 1n))
          )
        }
      )
    ))

  it("event ids of a write are distinct ULIDs valid for the DomainEvent envelope", () => {
    const store = plainStore()
    const many: Array<Command.Command> = Array.from({ length: 300 }, (_, i) => ({
      _tag: "CreateAccount" as const,
      id: `acc${i}`,
      currency: "USD",
      code: "x",
      normal: "debit" as const
    }))
    const o = store.apply(many)
    expect(new Set(o.events.map((e) => e.id)).size).toBe(300)
    for (const e of o.events) Schema.decodeUnknownSync(DomainEvent.DomainEvent)(e)
  })

  it("a linked batch that fails still applies due expiries", () => {
    const holds = new Map<string, import("@paykit/ledger").Hold.Hold>()
    const accounts = new Map<string, Account.Account>()
    const entries = new Map<string, Entry.Entry>()
    const view: LedgerCore.Snapshot = {
      account: (id) => accounts.get(id),
      entry: (id) => entries.get(id),
      hold: (id) => holds.get(id),
      dueHolds: (now) =>
        [...holds.values()].filter((h) => h.status === "pending" && (h.expiresAt ?? Infinity) <= now)
    }
    const apply = (commands: ReadonlyArray<Command.Command>, now: number, mode: Command.Mode) => {
      const o = LedgerCore.applyBatch(view, { commands, mode, now, eventIdSeed: SEED })
      for (const a of [...o.accountsCreated, ...o.accountsUpdated]) accounts.set(a.id, a)
      for (const e of o.entriesCreated) entries.set(e.id, e)
      for (const h of [...o.holdsCreated, ...o.holdsUpdated]) holds.set(h.id, h)
      return o
    }
    apply(
      [
        ...open,
        {
          _tag: "Transfer",
          id: "f",
          postings: [{ debit: "cash", credit: "wallet", amount: 10n, currency: "USD" }]
        },
        {
          _tag: "CreateHold",
          id: "h",
          debit: "wallet",
          credit: "cash",
          amount: 10n,
          currency: "USD",
          timeoutMs: 5
        }
      ],
      0,
      "independent"
    )
    const o = apply(
      [
        {
          _tag: "Transfer",
          id: "bad",
          postings: [{ debit: "ghost", credit: "cash", amount: 1n, currency: "USD" }]
        }
      ],
      5,
      "linked"
    )
    expect(o.results.map((r) => Result.isFailure(r) && r.failure._tag)).toEqual(["AccountNotFound"])
    expect(o.holdsUpdated.map((h) => [h.id, h.status])).toEqual([["h", "expired"]])
    expect(o.events.map((e) => e.type)).toEqual(["ledger.hold.expired"])
  })

  it("plain single-posting transfers (the fast path) agree with the general helpers and limits", () => {
    const MAX = 2n ** 127n - 1n
    const s = plainStore()
    s.apply([
      ...open,
      {
        _tag: "CreateAccount",
        id: "cap",
        currency: "USD",
        code: "c",
        normal: "debit",
        creditsMustNotExceedDebits: true
      },
      { _tag: "CreateAccount", id: "eur", currency: "EUR", code: "c", normal: "debit" }
    ])
    const t = transfer
    const o = s.apply([
      t("t1", "cash", "wallet", 7n),
      t("t2", "wallet", "cash", 8n), // wallet may not go below zero
      t("t3", "cash", "cap", 1n), // cap may not hold more credits than debits
      t("t4", "cash", "eur", 1n),
      t("t5", "cash", "cash", 1n),
      t("t1", "cash", "wallet", 7n), // replay in the same batch
      t("t1", "cash", "wallet", 8n),
      t("t6", "wallet", "cash", MAX), // exceeds credits (no overflow: posted + pending stay in range)
      t("t7", "cash", "wallet", MAX - 7n), // wallet credits reach 2^127 − 1 exactly
      t("t8", "cash", "wallet", 1n) // one more unit overflows cash's debits first
    ])
    expect(
      o.results.map((r) =>
        Result.isFailure(r) ? r.failure._tag : r.success._tag === "EntryCreated" && r.success.replayed
      )
    ).toEqual([
      false,
      "ExceedsCredits",
      "ExceedsDebits",
      "PostingCurrencyMismatch",
      "AccountsMustDiffer",
      true,
      "ExistsWithDifferent",
      "ExceedsCredits",
      false,
      "BalanceOverflow"
    ])
    const r1 = o.results[1]!
    expect(Result.isFailure(r1) && r1.failure).toMatchObject({
      accountId: "wallet",
      available: "7",
      requested: "8"
    })
    const r2 = o.results[2]!
    expect(Result.isFailure(r2) && r2.failure).toMatchObject({
      accountId: "cap",
      available: "0",
      requested: "1"
    })
    const r9 = o.results[9]!
    expect(Result.isFailure(r9) && r9.failure).toMatchObject({ accountId: "cash" })
    for (const e of o.entriesCreated) expect(e.hash).toBe(LedgerCore.entryHash(e))
    expect(o.events.map((e) => e.data)).toEqual(
      o.entriesCreated.map((e) => Entry.toJson(e, new Date(0).toISOString()))
    )
    expect(o.lines.map((l) => [l.accountId, l.seq, l.entryId, l.debitsPosted, l.creditsPosted])).toEqual([
      ["cash", 1, "t1", 7n, 0n],
      ["wallet", 1, "t1", 0n, 7n],
      ["cash", 2, "t7", MAX, 0n],
      ["wallet", 2, "t7", 0n, MAX]
    ])
  })
})
