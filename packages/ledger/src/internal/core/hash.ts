/**
 * An entry's content: the one place its hash input is spelled, and what idempotency compares.
 *
 * The content of an entry (or of the command that would create it) is eight fields, each a
 * string: kind, postings, hold id, captured amount, reversed entry, timeout, description and
 * metadata (keys sorted). Never ids of other records, times or balances. A retried command is a
 * replay when its content equals the stored entry's field for field (`firstDifference` names the
 * field that differs for `ExistsWithDifferent`), and `Entry.hash` is sha256 of the same fields
 * joined by `hashInput`, so two requests with one id are the same request exactly when their
 * entries' hashes are equal.
 */
import type { Command } from "../../Command.ts"
import type * as Entry from "../../Entry.ts"
import { canonicalRecord, sha256 } from "../canonical.ts"
import { EMPTY } from "./records.ts"

/** A posting list as content: `debit|credit|amount|currency;` per posting, in order. */
export const postingsKey = (ps: ReadonlyArray<Entry.Posting>): string => {
  let s = ""
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]!
    s += p.debit + "|" + p.credit + "|" + p.amount.toString() + "|" + p.currency + ";"
  }
  return s
}

/** Field names of an entry's content, in comparison order. */
const FIELDS = [
  "kind",
  "postings",
  "holdId",
  "amount",
  "reverses",
  "timeoutMs",
  "description",
  "metadata"
] as const

/** An entry's (or an entry command's) content, field by field. */
export interface Content {
  readonly kind: string
  readonly postings: string
  readonly holdId: string
  readonly amount: string
  readonly reverses: string
  readonly timeoutMs: string
  readonly description: string
  readonly metadata: string
}

/**
 * The hash input: the eight content fields joined by newlines. The one place it is spelled;
 * positional, so a transfer's hash needs no intermediate object.
 */
const hashInput = (
  kind: string,
  postings: string,
  holdId: string,
  amount: string,
  reverses: string,
  timeoutMs: string,
  description: string,
  metadata: string
): string =>
  kind +
  "\n" +
  postings +
  "\n" +
  holdId +
  "\n" +
  amount +
  "\n" +
  reverses +
  "\n" +
  timeoutMs +
  "\n" +
  description +
  "\n" +
  metadata

const timeoutText = (t: number | undefined): string => (t === undefined ? "" : String(t))
const descriptionText = (d: string | undefined): string => (d === undefined ? "" : JSON.stringify(d))

/** The content of a stored entry. */
export const contentOfEntry = (e: Entry.Entry): Content => ({
  kind: e.kind,
  postings: e.kind === "transfer" || e.kind === "hold" ? postingsKey(e.postings) : "",
  holdId: e.kind === "hold" ? "" : (e.holdId ?? ""),
  amount: e.kind === "hold_post" ? e.postings[0]!.amount.toString() : "",
  reverses: e.reverses ?? "",
  timeoutMs: timeoutText(e.timeoutMs),
  description: descriptionText(e.description),
  metadata: canonicalRecord(e.metadata)
})

/** The commands that create an entry. */
export type EntryCommand = Exclude<Command, { readonly _tag: "CreateAccount" | "CloseAccount" }>

/**
 * The content of the entry a command would create. `heldAmount` is the amount of the hold a
 * `PostHold` names, if it exists (a post without an amount captures all of it).
 */
export const contentOfCommand = (c: EntryCommand, heldAmount: bigint | undefined): Content => {
  const description = descriptionText(c.description)
  const metadata = canonicalRecord(c.metadata ?? EMPTY)
  switch (c._tag) {
    case "Transfer":
      return {
        kind: "transfer",
        postings: postingsKey(c.postings),
        holdId: "",
        amount: "",
        reverses: "",
        timeoutMs: "",
        description,
        metadata
      }
    case "CreateHold":
      return {
        kind: "hold",
        postings: postingsKey([c]),
        holdId: "",
        amount: "",
        reverses: "",
        timeoutMs: timeoutText(c.timeoutMs),
        description,
        metadata
      }
    case "PostHold":
      return {
        kind: "hold_post",
        postings: "",
        holdId: c.holdId,
        amount: (c.amount ?? heldAmount ?? "full").toString(),
        reverses: "",
        timeoutMs: "",
        description,
        metadata
      }
    case "VoidHold":
      return {
        kind: "hold_void",
        postings: "",
        holdId: c.holdId,
        amount: "",
        reverses: "",
        timeoutMs: "",
        description,
        metadata
      }
    case "Reverse":
      return {
        kind: "reversal",
        postings: "",
        holdId: "",
        amount: "",
        reverses: c.entryId,
        timeoutMs: "",
        description,
        metadata
      }
  }
}

/** The first content field in which two contents differ, or `undefined` when they are equal. */
export const firstDifference = (a: Content, b: Content): string | undefined => {
  for (const f of FIELDS) if (a[f] !== b[f]) return f
  return undefined
}

/**
 * `Entry.hash`: sha256 (hex) of the entry's content through {@link hashInput}. A transfer's
 * content is read straight off the entry (no `Content` object on the throughput path).
 */
export const entryHash = (e: Entry.Entry): string =>
  e.kind === "transfer"
    ? sha256(
        hashInput(
          "transfer",
          postingsKey(e.postings),
          "",
          "",
          "",
          timeoutText(e.timeoutMs),
          descriptionText(e.description),
          canonicalRecord(e.metadata)
        )
      )
    : hashOfContent(contentOfEntry(e))

const hashOfContent = (c: Content): string =>
  sha256(
    hashInput(c.kind, c.postings, c.holdId, c.amount, c.reverses, c.timeoutMs, c.description, c.metadata)
  )

/** A fresh draft (built by the caller, hash `""`) with its hash filled in, in place. */
export const sealed = (draft: Entry.Entry): Entry.Entry => {
  ;(draft as { hash: string }).hash = entryHash(draft)
  return draft
}
