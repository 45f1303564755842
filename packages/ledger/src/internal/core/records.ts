/**
 * Records as the core builds them: private copies of what a caller handed in, and the one
 * constructor of a transfer's entry (the core's general path and the memory store's column path
 * both build it here).
 */
import type * as Account from "../../Account.ts"
import type * as Entry from "../../Entry.ts"

/** The empty metadata record, shared. */
export const EMPTY: Readonly<Record<string, string>> = Object.freeze({})

/** Metadata as stored: a private copy, so a caller mutating its object later changes nothing. */
export const ownMetadata = (
  m: Readonly<Record<string, string>> | undefined
): Readonly<Record<string, string>> => (m === undefined ? EMPTY : { ...m })

/** An entry's `description` (when given) and `metadata` fields, from its command. */
export const optionalFields = (c: {
  readonly description?: string
  readonly metadata?: Readonly<Record<string, string>>
}) =>
  c.description === undefined
    ? { metadata: ownMetadata(c.metadata) }
    : { description: c.description, metadata: ownMetadata(c.metadata) }

/** A posting of its own. */
export const copyPosting = (p: Entry.Posting): Entry.Posting => ({
  debit: p.debit,
  credit: p.credit,
  amount: p.amount,
  currency: p.currency
})

/** An account whose totals and version the working state changes in place. */
export type MutableAccount = { -readonly [K in keyof Account.Account]: Account.Account[K] }

/** A private, mutable copy of an account (explicit literal: one hidden class per shape). */
export const copyAccount = (a: Account.Account): MutableAccount =>
  a.ownerRef === undefined
    ? {
        id: a.id,
        currency: a.currency,
        code: a.code,
        normal: a.normal,
        metadata: a.metadata,
        debitsMustNotExceedCredits: a.debitsMustNotExceedCredits,
        creditsMustNotExceedDebits: a.creditsMustNotExceedDebits,
        closed: a.closed,
        createdAt: a.createdAt,
        debitsPosted: a.debitsPosted,
        creditsPosted: a.creditsPosted,
        debitsPending: a.debitsPending,
        creditsPending: a.creditsPending,
        version: a.version
      }
    : {
        id: a.id,
        currency: a.currency,
        code: a.code,
        normal: a.normal,
        ownerRef: a.ownerRef,
        metadata: a.metadata,
        debitsMustNotExceedCredits: a.debitsMustNotExceedCredits,
        creditsMustNotExceedDebits: a.creditsMustNotExceedDebits,
        closed: a.closed,
        createdAt: a.createdAt,
        debitsPosted: a.debitsPosted,
        creditsPosted: a.creditsPosted,
        debitsPending: a.debitsPending,
        creditsPending: a.creditsPending,
        version: a.version
      }

/**
 * A transfer's entry before its hash (`hash: ""`; `sealed` fills it in): the postings are the
 * caller's fresh array, stored as given.
 */
export const transferDraft = (
  id: string,
  postings: ReadonlyArray<Entry.Posting>,
  description: string | undefined,
  metadata: Readonly<Record<string, string>>,
  createdAt: number
): Entry.Entry =>
  description === undefined
    ? { id, kind: "transfer", postings, metadata, createdAt, hash: "" }
    : { id, kind: "transfer", postings, description, metadata, createdAt, hash: "" }
