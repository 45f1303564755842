import { DomainEvent } from "@paykit/core"
import { Schema } from "effect"

const Amount = Schema.String.check(
  Schema.isPattern(/^(0|[1-9]\d{0,38})$/, {
    message: "expected minor units as a non-negative integer string"
  })
)
const Iso = DomainEvent.DomainEvent.fields.occurredAt
const Metadata = Schema.Record(Schema.String, Schema.String)

/**
 * An account in event data (amounts as strings).
 *
 * @example
 * ```ts
 * import { LedgerEvent } from "@paykit/ledger"
 * LedgerEvent.AccountData.fields.currency
 * ```
 * @category models
 * @since 0.1.0
 */
export const AccountData = Schema.Struct({
  id: Schema.String,
  currency: Schema.String,
  code: Schema.String,
  normal: Schema.Literals(["debit", "credit"]),
  ownerRef: Schema.optionalKey(Schema.String),
  metadata: Metadata,
  debitsMustNotExceedCredits: Schema.Boolean,
  creditsMustNotExceedDebits: Schema.Boolean,
  closed: Schema.Boolean,
  createdAt: Iso,
  debitsPosted: Amount,
  creditsPosted: Amount,
  debitsPending: Amount,
  creditsPending: Amount,
  version: Schema.Number
})

/**
 * An entry in event data (amounts as strings).
 *
 * @example
 * ```ts
 * import { LedgerEvent } from "@paykit/ledger"
 * LedgerEvent.EntryData.fields.postings
 * ```
 * @category models
 * @since 0.1.0
 */
export const EntryData = Schema.Struct({
  id: Schema.String,
  kind: Schema.Literals(["transfer", "hold", "hold_post", "hold_void", "hold_expire", "reversal"]),
  postings: Schema.Array(
    Schema.Struct({ debit: Schema.String, credit: Schema.String, amount: Amount, currency: Schema.String })
  ),
  holdId: Schema.optionalKey(Schema.String),
  reverses: Schema.optionalKey(Schema.String),
  reversedBy: Schema.optionalKey(Schema.String),
  timeoutMs: Schema.optionalKey(Schema.Number),
  description: Schema.optionalKey(Schema.String),
  metadata: Metadata,
  createdAt: Iso
})

/**
 * A hold in event data (amounts as strings).
 *
 * @example
 * ```ts
 * import { LedgerEvent } from "@paykit/ledger"
 * LedgerEvent.HoldData.fields.status
 * ```
 * @category models
 * @since 0.1.0
 */
export const HoldData = Schema.Struct({
  id: Schema.String,
  debit: Schema.String,
  credit: Schema.String,
  amount: Amount,
  currency: Schema.String,
  createdAt: Iso,
  expiresAt: Schema.optionalKey(Iso),
  status: Schema.Literals(["pending", "posted", "voided", "expired"]),
  postedAmount: Amount,
  resolvedBy: Schema.optionalKey(Schema.String),
  resolvedAt: Schema.optionalKey(Iso)
})

const envelope = <T extends string, D extends Schema.Top>(type: T, data: D) =>
  Schema.Struct({
    id: DomainEvent.DomainEvent.fields.id,
    type: Schema.Literal(type),
    occurredAt: Iso,
    subject: Schema.String,
    data
  })

const HoldChange = Schema.Struct({ hold: HoldData, entry: EntryData })

/**
 * Every event the ledger emits, as a Schema union on the `type` field:
 * `ledger.account.created`, `ledger.account.closed` (data: the account),
 * `ledger.entry.posted` (transfers and reversals; data: the entry),
 * `ledger.hold.created`, `ledger.hold.posted`, `ledger.hold.voided`, `ledger.hold.expired`
 * (data: `{ hold, entry }`, the hold after the change and the entry that made it).
 * The subject is the account id, the entry id or the hold id.
 *
 * @example
 * ```ts
 * import { LedgerEvent } from "@paykit/ledger"
 * import { Schema } from "effect"
 * const decode = Schema.decodeUnknownSync(LedgerEvent.LedgerEvent)
 * ```
 * @category models
 * @since 0.1.0
 */
export const LedgerEvent = Schema.Union([
  envelope("ledger.account.created", AccountData),
  envelope("ledger.account.closed", AccountData),
  envelope("ledger.entry.posted", EntryData),
  envelope("ledger.hold.created", HoldChange),
  envelope("ledger.hold.posted", HoldChange),
  envelope("ledger.hold.voided", HoldChange),
  envelope("ledger.hold.expired", HoldChange)
])

/**
 * A ledger event.
 *
 * @example
 * ```ts
 * import type { LedgerEvent } from "@paykit/ledger"
 * const subject = (e: LedgerEvent.LedgerEvent) => e.subject
 * ```
 * @category models
 * @since 0.1.0
 */
export type LedgerEvent = typeof LedgerEvent.Type
