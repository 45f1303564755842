/**
 * The decisions of single commands on the working state: creating and closing accounts, and
 * the entry commands (transfers, holds, captures, voids, reversals) with their checks in the
 * core's order, plus the ledger's own expiry of a due hold. Every entry is built here, hashed by
 * `hash.ts`, and announced by `events.ts`.
 */
import { Input } from "@paykit/core"
import { Result } from "effect"
import * as Account from "../../Account.ts"
import type { Command } from "../../Command.ts"
import type * as Entry from "../../Entry.ts"
import {
  AccountClosed,
  AccountNotFound,
  AccountsMustDiffer,
  AlreadyReversed,
  AmountExceedsHold,
  type CommandError as CoreError,
  ConflictingLimitFlags,
  EntryNotFound,
  ExistsWithDifferent,
  HoldAlreadyResolved,
  HoldExpired,
  HoldNotFound,
  IdAlreadyFailed,
  NotReversible,
  PostingCurrencyMismatch
} from "../../errors.ts"
import * as Hold from "../../Hold.ts"
import type { CommandError, Success } from "../../LedgerCore.ts"
import { canonicalRecord } from "../canonical.ts"
import * as Events from "./events.ts"
import { contentOfCommand, contentOfEntry, type EntryCommand, firstDifference, sealed } from "./hash.ts"
import { copyAccount, copyPosting, EMPTY, optionalFields, ownMetadata, transferDraft } from "./records.ts"
import { checkShape, Unreadable } from "./shape.ts"
import type { Work } from "./work.ts"

/** One command's result. */
export type Step = Result.Result<Success, CommandError>

/** A command's refusal. */
export const fail = (e: CommandError): Step => Result.fail(e)

/** Existence, currency and closed checks for postings, rule by rule across all postings. */
const checkAccounts = (
  w: Work,
  entryId: string,
  postings: ReadonlyArray<Entry.Posting>,
  checkClosed: boolean
): CoreError | undefined => {
  if (postings.length === 1) {
    const p = postings[0]!
    const d = w.account(p.debit)
    if (d === undefined) return new AccountNotFound({ accountId: p.debit })
    const c = w.account(p.credit)
    if (c === undefined) return new AccountNotFound({ accountId: p.credit })
    if (d.currency !== p.currency || c.currency !== p.currency) {
      const bad = d.currency !== p.currency ? d : c
      return new PostingCurrencyMismatch({
        entryId,
        posting: 0,
        accountId: bad.id,
        accountCurrency: bad.currency,
        postingCurrency: p.currency
      })
    }
    if (checkClosed) {
      if (d.closed) return new AccountClosed({ accountId: d.id })
      if (c.closed) return new AccountClosed({ accountId: c.id })
    }
    return undefined
  }
  for (let i = 0; i < postings.length; i++) {
    const p = postings[i]!
    if (w.account(p.debit) === undefined) return new AccountNotFound({ accountId: p.debit })
    if (w.account(p.credit) === undefined) return new AccountNotFound({ accountId: p.credit })
  }
  for (let i = 0; i < postings.length; i++) {
    const p = postings[i]!
    const d = w.account(p.debit)!
    if (d.currency !== p.currency)
      return new PostingCurrencyMismatch({
        entryId,
        posting: i,
        accountId: d.id,
        accountCurrency: d.currency,
        postingCurrency: p.currency
      })
    const c = w.account(p.credit)!
    if (c.currency !== p.currency)
      return new PostingCurrencyMismatch({
        entryId,
        posting: i,
        accountId: c.id,
        accountCurrency: c.currency,
        postingCurrency: p.currency
      })
  }
  if (checkClosed) {
    for (let i = 0; i < postings.length; i++) {
      const p = postings[i]!
      if (w.account(p.debit)!.closed) return new AccountClosed({ accountId: p.debit })
      if (w.account(p.credit)!.closed) return new AccountClosed({ accountId: p.credit })
    }
  }
  return undefined
}

/** Applies posted (or pending) amounts of each posting in order. */
const applyPostings = (
  w: Work,
  entryId: string,
  postings: ReadonlyArray<Entry.Posting>,
  pending: boolean
): CoreError | undefined => {
  for (let i = 0; i < postings.length; i++) {
    const p = postings[i]!
    const amt = p.amount
    const d = w.account(p.debit)!
    const e1 = pending ? w.change(d, 0n, 0n, amt, 0n, entryId) : w.change(d, amt, 0n, 0n, 0n, entryId)
    if (e1) return e1
    const c = w.account(p.credit)!
    const e2 = pending ? w.change(c, 0n, 0n, 0n, amt, entryId) : w.change(c, 0n, amt, 0n, 0n, entryId)
    if (e2) return e2
  }
  return undefined
}

const createAccount = (w: Work, c: Extract<Command, { _tag: "CreateAccount" }>): Step => {
  if (c.debitsMustNotExceedCredits === true && c.creditsMustNotExceedDebits === true)
    return fail(new ConflictingLimitFlags({ accountId: c.id }))
  const existing = w.account(c.id)
  const metadata = ownMetadata(c.metadata)
  if (existing !== undefined) {
    const field =
      existing.currency !== c.currency
        ? "currency"
        : existing.code !== c.code
          ? "code"
          : existing.normal !== c.normal
            ? "normal"
            : existing.ownerRef !== c.ownerRef
              ? "ownerRef"
              : canonicalRecord(existing.metadata) !== canonicalRecord(metadata)
                ? "metadata"
                : existing.debitsMustNotExceedCredits !== (c.debitsMustNotExceedCredits ?? false)
                  ? "debitsMustNotExceedCredits"
                  : existing.creditsMustNotExceedDebits !== (c.creditsMustNotExceedDebits ?? false)
                    ? "creditsMustNotExceedDebits"
                    : undefined
    return field === undefined
      ? Result.succeed({ _tag: "AccountCreated", account: copyAccount(existing), replayed: true })
      : fail(new ExistsWithDifferent({ kind: "account", id: c.id, field }))
  }
  const account = Account.make({
    id: c.id,
    currency: c.currency,
    code: c.code,
    normal: c.normal,
    createdAt: w.now,
    ownerRef: c.ownerRef,
    metadata,
    debitsMustNotExceedCredits: c.debitsMustNotExceedCredits,
    creditsMustNotExceedDebits: c.creditsMustNotExceedDebits
  })
  w.set(w.accounts, c.id, copyAccount(account))
  w.set(w.accountCreated, c.id, true)
  w.emit(Events.accountCreated(w.nextEventId(), w.occurredAt, account))
  return Result.succeed({ _tag: "AccountCreated", account, replayed: false })
}

const closeAccount = (w: Work, c: Extract<Command, { _tag: "CloseAccount" }>): Step => {
  const a = w.account(c.accountId)
  if (a === undefined) return fail(new AccountNotFound({ accountId: c.accountId }))
  if (a.closed) return Result.succeed({ _tag: "AccountClosed", account: copyAccount(a), changed: false })
  const closed: Account.Account = { ...copyAccount(a), closed: true }
  w.set(w.accounts, a.id, copyAccount(closed))
  w.emit(Events.accountClosed(w.nextEventId(), w.occurredAt, closed))
  return Result.succeed({ _tag: "AccountClosed", account: closed, changed: true })
}

const entryCommand = (w: Work, c: EntryCommand): Step => {
  // 1. stateless checks
  if (c._tag === "Transfer") {
    for (let i = 0; i < c.postings.length; i++) {
      const p = c.postings[i]!
      if (p.debit === p.credit)
        return fail(new AccountsMustDiffer({ entryId: c.id, posting: i, accountId: p.debit }))
    }
  } else if (c._tag === "CreateHold" && c.debit === c.credit) {
    return fail(new AccountsMustDiffer({ entryId: c.id, posting: 0, accountId: c.debit }))
  }
  // 2. idempotency
  const existing = w.entry(c.id)
  if (existing !== undefined) {
    const field = firstDifference(
      contentOfEntry(existing),
      contentOfCommand(c, c._tag === "PostHold" ? w.hold(c.holdId)?.amount : undefined)
    )
    if (field !== undefined) return fail(new ExistsWithDifferent({ kind: "entry", id: c.id, field }))
    const rb = w.reversedBy(existing)
    const entry = rb === undefined || existing.reversedBy === rb ? existing : { ...existing, reversedBy: rb }
    const hold = existing.holdId === undefined ? undefined : w.hold(existing.holdId)
    return Result.succeed(
      hold === undefined
        ? { _tag: "EntryCreated", entry, replayed: true }
        : { _tag: "EntryCreated", entry, hold, replayed: true }
    )
  }
  // 3. a consumed id answers with its first failure
  const failed = w.failedId(c.id)
  if (failed !== undefined) return fail(new IdAlreadyFailed({ entryId: c.id, first: failed.error }))
  switch (c._tag) {
    case "Transfer": {
      const err = checkAccounts(w, c.id, c.postings, true) ?? applyPostings(w, c.id, c.postings, false)
      if (err) return fail(err)
      const postings = c.postings.length === 1 ? [copyPosting(c.postings[0]!)] : c.postings.map(copyPosting)
      const entry = finish(w, transferDraft(c.id, postings, c.description, ownMetadata(c.metadata), w.now))
      w.emit(Events.entryPosted(w.nextEventId(), w.occurredAt, entry))
      return Result.succeed({ _tag: "EntryCreated", entry, replayed: false })
    }
    case "CreateHold": {
      const postings = [{ debit: c.debit, credit: c.credit, amount: c.amount, currency: c.currency }]
      const err = checkAccounts(w, c.id, postings, true) ?? applyPostings(w, c.id, postings, true)
      if (err) return fail(err)
      const entry = finish(w, {
        id: c.id,
        kind: "hold",
        postings,
        holdId: c.id,
        ...(c.timeoutMs === undefined ? {} : { timeoutMs: c.timeoutMs }),
        ...optionalFields(c),
        createdAt: w.now,
        hash: ""
      })
      const hold: Hold.Hold = {
        id: c.id,
        debit: c.debit,
        credit: c.credit,
        amount: c.amount,
        currency: c.currency,
        createdAt: w.now,
        ...(c.timeoutMs === undefined ? {} : { expiresAt: w.now + c.timeoutMs }),
        status: "pending",
        postedAmount: 0n
      }
      w.putHold(hold, true)
      w.emit(Events.holdChanged(w.nextEventId(), w.occurredAt, "created", hold, entry))
      return Result.succeed({ _tag: "EntryCreated", entry, hold, replayed: false })
    }
    case "PostHold":
    case "VoidHold": {
      const h = w.hold(c.holdId)
      if (h === undefined) return fail(new HoldNotFound({ holdId: c.holdId }))
      if (h.status === "posted" || h.status === "voided")
        return fail(
          new HoldAlreadyResolved({ holdId: h.id, status: h.status, resolvedBy: h.resolvedBy ?? "" })
        )
      if (h.status === "expired")
        return fail(
          new HoldExpired({
            holdId: h.id,
            expiredAt: new Date(h.expiresAt ?? h.resolvedAt ?? 0).toISOString()
          })
        )
      const posting = { debit: h.debit, credit: h.credit, amount: h.amount, currency: h.currency }
      if (c._tag === "PostHold") {
        const amount = c.amount ?? h.amount
        if (amount > h.amount)
          return fail(
            new AmountExceedsHold({ holdId: h.id, held: h.amount.toString(), requested: amount.toString() })
          )
        const err =
          checkAccounts(w, c.id, [posting], true) ??
          w.change(w.account(h.debit)!, amount, 0n, -h.amount, 0n, c.id) ??
          w.change(w.account(h.credit)!, 0n, amount, 0n, -h.amount, c.id)
        if (err) return fail(err)
        const entry = finish(w, {
          id: c.id,
          kind: "hold_post",
          postings: [{ ...posting, amount }],
          holdId: h.id,
          ...optionalFields(c),
          createdAt: w.now,
          hash: ""
        })
        const hold: Hold.Hold = {
          ...h,
          status: "posted",
          postedAmount: amount,
          resolvedBy: c.id,
          resolvedAt: w.now
        }
        w.putHold(hold, false)
        w.emit(Events.holdChanged(w.nextEventId(), w.occurredAt, "posted", hold, entry))
        return Result.succeed({ _tag: "EntryCreated", entry, hold, replayed: false })
      }
      const err =
        checkAccounts(w, c.id, [posting], false) ??
        w.change(w.account(h.debit)!, 0n, 0n, -h.amount, 0n, c.id) ??
        w.change(w.account(h.credit)!, 0n, 0n, 0n, -h.amount, c.id)
      if (err) return fail(err)
      const entry = finish(w, {
        id: c.id,
        kind: "hold_void",
        postings: [posting],
        holdId: h.id,
        ...optionalFields(c),
        createdAt: w.now,
        hash: ""
      })
      const hold: Hold.Hold = { ...h, status: "voided", resolvedBy: c.id, resolvedAt: w.now }
      w.putHold(hold, false)
      w.emit(Events.holdChanged(w.nextEventId(), w.occurredAt, "voided", hold, entry))
      return Result.succeed({ _tag: "EntryCreated", entry, hold, replayed: false })
    }
    case "Reverse": {
      const original = w.entry(c.entryId)
      if (original === undefined) return fail(new EntryNotFound({ entryId: c.entryId }))
      if (original.kind !== "transfer" && original.kind !== "hold_post")
        return fail(new NotReversible({ entryId: original.id, kind: original.kind }))
      const rb = w.reversedBy(original)
      if (rb !== undefined) return fail(new AlreadyReversed({ entryId: original.id, reversedBy: rb }))
      const postings = original.postings.map((p) => ({
        debit: p.credit,
        credit: p.debit,
        amount: p.amount,
        currency: p.currency
      }))
      const err = checkAccounts(w, c.id, postings, true) ?? applyPostings(w, c.id, postings, false)
      if (err) return fail(err)
      const entry = finish(w, {
        id: c.id,
        kind: "reversal",
        postings,
        reverses: original.id,
        ...optionalFields(c),
        createdAt: w.now,
        hash: ""
      })
      if (w.entries.has(original.id)) w.addEntry({ ...original, reversedBy: c.id })
      else w.set(w.reversed, original.id, c.id)
      w.emit(Events.entryPosted(w.nextEventId(), w.occurredAt, entry))
      return Result.succeed({ _tag: "EntryCreated", entry, replayed: false })
    }
  }
}

/** Hashes, records and writes the lines of a new entry. */
const finish = (w: Work, draft: Entry.Entry): Entry.Entry => {
  // the draft is a fresh object built by the caller: fill in its hash instead of copying it
  const entry = sealed(draft)
  w.addEntry(entry)
  w.flushLines(entry.id)
  return entry
}

export const expire = (w: Work, h: Hold.Hold): void => {
  const id = Hold.expiryEntryId(h.id)
  const d = w.account(h.debit)
  const c = w.account(h.credit)
  if (d === undefined || c === undefined) throw new Error(`hold ${h.id} refers to a missing account`)
  const err =
    w.change(d, 0n, 0n, -h.amount, 0n, id) ?? w.change(w.account(h.credit)!, 0n, 0n, 0n, -h.amount, id)
  if (err) throw new Error(`expiring hold ${h.id} failed: ${err.message}`)
  const entry = finish(w, {
    id,
    kind: "hold_expire",
    postings: [{ debit: h.debit, credit: h.credit, amount: h.amount, currency: h.currency }],
    holdId: h.id,
    metadata: EMPTY,
    createdAt: w.now,
    hash: ""
  })
  const hold: Hold.Hold = { ...h, status: "expired", resolvedBy: id, resolvedAt: w.now }
  w.putHold(hold, false)
  w.emit(Events.holdChanged(w.nextEventId(), w.occurredAt, "expired", hold, entry))
}

const runCommand = (w: Work, c: Command, index: number): Step => {
  const shape = checkShape(c, `commands[${index}]`)
  if (shape) return fail(shape)
  w.touched.length = 0
  switch (c._tag) {
    case "CreateAccount":
      return createAccount(w, c)
    case "CloseAccount":
      return closeAccount(w, c)
    default:
      return entryCommand(w, c)
  }
}

/**
 * Decides one command (its own copy, see {@link readCommand}). Total: a command that throws while it is read (a getter or Proxy trap
 * that passed the shape check and throws later) is refused as unreadable input instead of
 * stopping the write.
 */
export const decide = (w: Work, c: Command | Unreadable, index: number): Step => {
  if (c instanceof Unreadable) return fail(Input.unreadable("execute", c.thrown, `commands[${index}]`))
  try {
    return runCommand(w, c, index)
  } catch (e) {
    return fail(Input.unreadable("execute", e, `commands[${index}]`))
  }
}
