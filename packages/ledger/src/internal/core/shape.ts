/**
 * Commands that did not come through a schema (the typed path): their shape, checked without
 * throwing, and the private copy the core decides on, each field read once.
 */
import { Input, InvalidInput, Money } from "@paykit/core"
import type { Command } from "../../Command.ts"
import { MAX_POSTINGS, MAX_TIMEOUT_MS } from "../../Command.ts"
import { ID_PATTERN } from "../canonical.ts"

export const ID = ID_PATTERN
export const CURRENCY = /^[A-Z][A-Z0-9_]{1,11}$/

const invalid = (path: string, reason: string) => new InvalidInput({ operation: "execute", path, reason })

const checkId = (v: unknown, path: string): InvalidInput | undefined =>
  typeof v === "string" && ID.test(v)
    ? undefined
    : invalid(path, "expected an id of 1-64 characters [A-Za-z0-9_.:-]")

const checkAmount = (v: unknown, path: string): InvalidInput | undefined =>
  typeof v === "bigint" && v > 0n && v <= Money.MAX_AMOUNT
    ? undefined
    : invalid(path, "expected a bigint amount from 1 to 2^127 − 1 minor units")

const checkCurrency = (v: unknown, path: string): InvalidInput | undefined =>
  typeof v === "string" && CURRENCY.test(v)
    ? undefined
    : invalid(path, 'expected a currency code such as "USD"')

/** The schema path's limits (`Command.ts`), enforced on the typed path too. */
const MAX_TEXT = 1024
const MAX_METADATA_KEYS = 64

const checkText = (v: unknown, path: string, min: number, max: number): InvalidInput | undefined =>
  typeof v !== "string" || v.length < min || v.length > max
    ? invalid(path, `expected a string of ${min} to ${max} characters`)
    : Input.isStorableText(v)
      ? undefined
      : invalid(path, "expected text without NUL characters or lone surrogates")

const checkOptionals = (c: Record<string, unknown>, p: string): InvalidInput | undefined => {
  if (c["description"] !== undefined) {
    const e = checkText(c["description"], `${p}.description`, 0, MAX_TEXT)
    if (e) return e
  }
  const m = c["metadata"]
  if (m !== undefined) {
    if (typeof m !== "object" || m === null || Array.isArray(m))
      return invalid(`${p}.metadata`, "expected a record of strings")
    let keys = 0
    for (const k in m) {
      if (++keys > MAX_METADATA_KEYS)
        return invalid(`${p}.metadata`, `at most ${MAX_METADATA_KEYS} metadata keys`)
      if (!Input.isStorableText(k))
        return invalid(`${p}.metadata`, "expected metadata keys without NUL characters or lone surrogates")
      const e = checkText((m as Record<string, unknown>)[k], `${p}.metadata.${k}`, 0, MAX_TEXT)
      if (e) return e
    }
  }
  return undefined
}

const checkFlag = (v: unknown, path: string): InvalidInput | undefined =>
  v === undefined || typeof v === "boolean" ? undefined : invalid(path, "expected a boolean")

const shapeOf = (c: Command, p: string): InvalidInput | undefined => {
  if (typeof c !== "object" || c === null) return invalid(p, "expected a command object")
  switch (c._tag) {
    case "CreateAccount":
      return (
        checkId(c.id, `${p}.id`) ??
        checkCurrency(c.currency, `${p}.currency`) ??
        checkText(c.code, `${p}.code`, 1, 128) ??
        (c.normal === "debit" || c.normal === "credit"
          ? undefined
          : invalid(`${p}.normal`, 'expected "debit" or "credit"')) ??
        (c.ownerRef === undefined ? undefined : checkText(c.ownerRef, `${p}.ownerRef`, 1, 256)) ??
        checkFlag(c.debitsMustNotExceedCredits, `${p}.debitsMustNotExceedCredits`) ??
        checkFlag(c.creditsMustNotExceedDebits, `${p}.creditsMustNotExceedDebits`) ??
        checkOptionals(c as never, p)
      )
    case "CloseAccount":
      return checkId(c.accountId, `${p}.accountId`)
    case "Transfer": {
      const e = checkId(c.id, `${p}.id`)
      if (e) return e
      const ps: unknown = c.postings
      if (!Array.isArray(ps) || ps.length === 0 || ps.length > MAX_POSTINGS)
        return invalid(`${p}.postings`, `expected 1 to ${MAX_POSTINGS} postings`)
      for (let i = 0; i < ps.length; i++) {
        const q: unknown = ps[i]
        const pp = `${p}.postings[${i}]`
        if (typeof q !== "object" || q === null) return invalid(pp, "expected a posting object")
        const posting = q as Record<string, unknown>
        const err =
          checkId(posting["debit"], `${pp}.debit`) ??
          checkId(posting["credit"], `${pp}.credit`) ??
          checkAmount(posting["amount"], `${pp}.amount`) ??
          checkCurrency(posting["currency"], `${pp}.currency`)
        if (err) return err
      }
      return checkOptionals(c as never, p)
    }
    case "CreateHold":
      return (
        checkId(c.id, `${p}.id`) ??
        checkId(c.debit, `${p}.debit`) ??
        checkId(c.credit, `${p}.credit`) ??
        checkAmount(c.amount, `${p}.amount`) ??
        checkCurrency(c.currency, `${p}.currency`) ??
        (c.timeoutMs === undefined ||
        (Number.isInteger(c.timeoutMs) && c.timeoutMs >= 1 && c.timeoutMs <= MAX_TIMEOUT_MS)
          ? undefined
          : invalid(`${p}.timeoutMs`, "expected an integer from 1 to 315360000000")) ??
        checkOptionals(c as never, p)
      )
    case "PostHold":
      return (
        checkId(c.id, `${p}.id`) ??
        checkId(c.holdId, `${p}.holdId`) ??
        (c.amount === undefined ? undefined : checkAmount(c.amount, `${p}.amount`)) ??
        checkOptionals(c as never, p)
      )
    case "VoidHold":
      return checkId(c.id, `${p}.id`) ?? checkId(c.holdId, `${p}.holdId`) ?? checkOptionals(c as never, p)
    case "Reverse":
      return checkId(c.id, `${p}.id`) ?? checkId(c.entryId, `${p}.entryId`) ?? checkOptionals(c as never, p)
    default:
      return invalid(`${p}._tag`, "unknown command")
  }
}

/**
 * Checks the shape of a command that did not come through a schema (the typed fast path): ids,
 * positive bigint amounts, currency codes, posting count, timeout range, and the schema path's
 * size limits (descriptions and metadata values up to 1,024 characters, at most 64 metadata
 * keys, codes up to 128, owner references up to 256). Total: whatever it is given (null, wrong
 * types, a getter or Proxy trap that throws), it answers `undefined` or an `InvalidInput` naming
 * the field, and never throws. The `Ledger` service's schema-decoded paths never fail here.
 * (Internal since the core's split; tests import it from here.)
 */
export const checkShape = (c: Command, p: string): InvalidInput | undefined => {
  try {
    return shapeOf(c, p)
  } catch (e) {
    return Input.unreadable("execute", e, p)
  }
}

/** The fields a command may carry (every variant's), copied by {@link ownCommand}. */
const COMMAND_FIELDS = [
  "_tag",
  "id",
  "accountId",
  "currency",
  "code",
  "normal",
  "ownerRef",
  "debitsMustNotExceedCredits",
  "creditsMustNotExceedDebits",
  "postings",
  "debit",
  "credit",
  "amount",
  "timeoutMs",
  "holdId",
  "entryId",
  "description",
  "metadata"
] as const

/** A posting or a metadata record: a plain copy of its own enumerable fields, each read once. */
const plainRecord = (v: unknown): unknown => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return v
  const keys = Object.keys(v)
  if (keys.length > MAX_METADATA_KEYS) return v // refused by the shape check on its key count
  const out: Record<string, unknown> = {}
  for (const k of keys) {
    const value = (v as Record<string, unknown>)[k]
    // an own `__proto__` key stays an own key (assigning it would set the copy's prototype)
    if (k === "__proto__")
      Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true })
    else out[k] = value
  }
  return out
}

/**
 * The command as a plain object of its own, every field read exactly once (postings and metadata
 * copied too): a getter or Proxy that answers one thing to the shape check and another to the
 * decision cannot slip a malformed value into the books, and the caller changing its object
 * later changes nothing stored. Not an object: returned as is, for the shape check to refuse.
 * Throws when the command cannot be read; `decide` refuses it then.
 */
const ownCommand = (command: Command): Command => {
  if (typeof command !== "object" || command === null) return command
  const src = command as unknown as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const k of COMMAND_FIELDS) {
    const v = src[k]
    if (v === undefined) continue
    out[k] =
      k === "postings" && Array.isArray(v) && v.length <= MAX_POSTINGS
        ? Array.from(v as ReadonlyArray<unknown>, plainRecord)
        : k === "metadata"
          ? plainRecord(v)
          : v
  }
  return out as unknown as Command
}

/** A command that threw while {@link ownCommand} read it, with what it threw. */
export class Unreadable {
  constructor(readonly thrown: unknown) {}
}

/** {@link ownCommand}, or the command as {@link Unreadable} when reading it throws. */
export const readCommand = (c: Command): Command | Unreadable => {
  try {
    return ownCommand(c)
  } catch (e) {
    return new Unreadable(e)
  }
}
