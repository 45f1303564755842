/**
 * The ledger's events: the one place each event's envelope and payload are built. The core
 * builds them as it decides; the memory store builds a plain transfer's `ledger.entry.posted`
 * here too, when its outbox is read.
 */
import type { DomainEvent } from "@paykit/core"
import * as Account from "../../Account.ts"
import * as Entry from "../../Entry.ts"
import * as Hold from "../../Hold.ts"
import { EMPTY } from "./records.ts"

// Each builder spells its envelope literal itself: V8 decides per literal whether to allocate
// its objects in the old generation, and with one literal for every event the long-lived
// account and entry events a store keeps made it allocate the column path's short-lived ones
// there too (measured: half the rate of the memory store's `executeSummary` with events).

/** `ledger.account.created`: the account as created. */
export const accountCreated = (
  id: string,
  occurredAt: string,
  a: Account.Account
): DomainEvent.DomainEvent => ({
  id,
  type: "ledger.account.created",
  occurredAt,
  subject: a.id,
  data: Account.toJson(a)
})

/** `ledger.account.closed`: the account as closed. */
export const accountClosed = (
  id: string,
  occurredAt: string,
  a: Account.Account
): DomainEvent.DomainEvent => ({
  id,
  type: "ledger.account.closed",
  occurredAt,
  subject: a.id,
  data: Account.toJson(a)
})

/**
 * `ledger.entry.posted` (a transfer or a reversal): the entry as JSON, its `createdAt` the
 * event's time (the entry's, written by the write that created it). Reads no hash.
 */
export const entryPosted = (id: string, occurredAt: string, e: Entry.Entry): DomainEvent.DomainEvent => ({
  id,
  type: "ledger.entry.posted",
  occurredAt,
  subject: e.id,
  data: Entry.toJson(e, occurredAt)
})

/**
 * {@link entryPosted} of a plain transfer (one posting, no description, no metadata), from its
 * fields: the memory store's column path builds its events here, with no entry to build first.
 * The same payload as `entryPosted` of the transfer's entry (a property test holds them
 * together); its own literals, so that V8 sizes the column path's short-lived events apart from
 * the core's, which a store keeps.
 */
export const plainTransferPosted = (
  id: string,
  occurredAt: string,
  entryId: string,
  debit: string,
  credit: string,
  amount: bigint,
  currency: string
): DomainEvent.DomainEvent => ({
  id,
  type: "ledger.entry.posted",
  occurredAt,
  subject: entryId,
  data: {
    id: entryId,
    kind: "transfer",
    postings: [{ debit, credit, amount: amount.toString(), currency }],
    metadata: EMPTY,
    createdAt: occurredAt
  }
})

/** What happened to a hold. */
export type HoldChange = "created" | "posted" | "voided" | "expired"

const HOLD_TYPES: Readonly<Record<HoldChange, string>> = {
  created: "ledger.hold.created",
  posted: "ledger.hold.posted",
  voided: "ledger.hold.voided",
  expired: "ledger.hold.expired"
}

/** `ledger.hold.<change>`: the hold after the change and the entry that made it. */
export const holdChanged = (
  id: string,
  occurredAt: string,
  change: HoldChange,
  h: Hold.Hold,
  e: Entry.Entry
): DomainEvent.DomainEvent => ({
  id,
  type: HOLD_TYPES[change],
  occurredAt,
  subject: h.id,
  data: { hold: Hold.toJson(h), entry: Entry.toJson(e, occurredAt) }
})
