import { Schema } from "effect"

/**
 * A posting names the same account on both sides. Pick two different accounts; an entry that
 * moves money from an account to itself has no effect and is refused.
 *
 * @example
 * ```ts
 * import { AccountsMustDiffer } from "@paykit/ledger"
 * new AccountsMustDiffer({ entryId: "e1", posting: 0, accountId: "cash" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class AccountsMustDiffer extends Schema.TaggedError<AccountsMustDiffer>()("AccountsMustDiffer", {
  entryId: Schema.String,
  posting: Schema.Number,
  accountId: Schema.String
}) {
  override get message(): string {
    return `entry ${this.entryId}: posting ${this.posting} debits and credits the same account "${this.accountId}"; use two different accounts`
  }
}

/**
 * An account was created with both limit flags (`debitsMustNotExceedCredits` and
 * `creditsMustNotExceedDebits`); such an account could never move. Choose at most one.
 *
 * @example
 * ```ts
 * import { ConflictingLimitFlags } from "@paykit/ledger"
 * new ConflictingLimitFlags({ accountId: "wallet" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class ConflictingLimitFlags extends Schema.TaggedError<ConflictingLimitFlags>()(
  "ConflictingLimitFlags",
  { accountId: Schema.String }
) {
  override get message(): string {
    return `account ${this.accountId}: debitsMustNotExceedCredits and creditsMustNotExceedDebits cannot both be set; choose at most one`
  }
}

/**
 * An id was used before with different content. The id is the idempotency key: a retry must
 * send exactly what the first request sent. `field` names the first field that differs.
 *
 * @example
 * ```ts
 * import { ExistsWithDifferent } from "@paykit/ledger"
 * new ExistsWithDifferent({ kind: "entry", id: "e1", field: "postings" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class ExistsWithDifferent extends Schema.TaggedError<ExistsWithDifferent>()("ExistsWithDifferent", {
  kind: Schema.Literals(["account", "entry"]),
  id: Schema.String,
  field: Schema.String
}) {
  override get message(): string {
    return `${this.kind} ${this.id} already exists with a different ${this.field}; retries must repeat the original request exactly, or use a new id for a new ${this.kind}`
  }
}

/**
 * An entry or hold names an account that does not exist. Create the account first.
 *
 * @example
 * ```ts
 * import { AccountNotFound } from "@paykit/ledger"
 * new AccountNotFound({ accountId: "nope" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class AccountNotFound extends Schema.TaggedError<AccountNotFound>()("AccountNotFound", {
  accountId: Schema.String
}) {
  override get message(): string {
    return `account "${this.accountId}" does not exist; create it with Ledger.createAccount before posting to it`
  }
}

/**
 * A posting's currency differs from the currency of one of its accounts. The ledger never converts:
 * move value between currencies through FX accounts, one posting per currency in one entry.
 *
 * @example
 * ```ts
 * import { PostingCurrencyMismatch } from "@paykit/ledger"
 * new PostingCurrencyMismatch({ entryId: "e1", posting: 0, accountId: "eur_cash", accountCurrency: "EUR", postingCurrency: "USD" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class PostingCurrencyMismatch extends Schema.TaggedError<PostingCurrencyMismatch>()(
  "PostingCurrencyMismatch",
  {
    entryId: Schema.String,
    posting: Schema.Number,
    accountId: Schema.String,
    accountCurrency: Schema.String,
    postingCurrency: Schema.String
  }
) {
  override get message(): string {
    return `entry ${this.entryId}: posting ${this.posting} is in ${this.postingCurrency} but account "${this.accountId}" holds ${this.accountCurrency}; convert through FX accounts (one posting per currency in one entry)`
  }
}

/**
 * The account is closed: it accepts no new postings, holds, hold captures or reversals (pending
 * holds on it can still be voided or expire).
 *
 * @example
 * ```ts
 * import { AccountClosed } from "@paykit/ledger"
 * new AccountClosed({ accountId: "old" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class AccountClosed extends Schema.TaggedError<AccountClosed>()("AccountClosed", {
  accountId: Schema.String
}) {
  override get message(): string {
    return `account "${this.accountId}" is closed and accepts no new postings; post to another account`
  }
}

/**
 * No hold with this id exists.
 *
 * @example
 * ```ts
 * import { HoldNotFound } from "@paykit/ledger"
 * new HoldNotFound({ holdId: "h1" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class HoldNotFound extends Schema.TaggedError<HoldNotFound>()("HoldNotFound", {
  holdId: Schema.String
}) {
  override get message(): string {
    return `hold "${this.holdId}" does not exist; check the id returned by Ledger.hold`
  }
}

/**
 * The hold was already posted or voided; a hold resolves at most once.
 *
 * @example
 * ```ts
 * import { HoldAlreadyResolved } from "@paykit/ledger"
 * new HoldAlreadyResolved({ holdId: "h1", status: "posted", resolvedBy: "e9" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class HoldAlreadyResolved extends Schema.TaggedError<HoldAlreadyResolved>()("HoldAlreadyResolved", {
  holdId: Schema.String,
  status: Schema.String,
  resolvedBy: Schema.String
}) {
  override get message(): string {
    return `hold "${this.holdId}" was already ${this.status} by entry ${this.resolvedBy}; a hold resolves only once (create a new hold or post a normal entry)`
  }
}

/**
 * The hold's timeout passed, so its reservation was released; it can no longer be posted or voided.
 *
 * @example
 * ```ts
 * import { HoldExpired } from "@paykit/ledger"
 * new HoldExpired({ holdId: "h1", expiredAt: "2026-01-01T00:00:00.000Z" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class HoldExpired extends Schema.TaggedError<HoldExpired>()("HoldExpired", {
  holdId: Schema.String,
  expiredAt: Schema.String
}) {
  override get message(): string {
    return `hold "${this.holdId}" expired at ${this.expiredAt} and its funds were released; create a new hold or post a normal entry`
  }
}

/**
 * Posting a hold asked for more than the hold reserved. Post at most the held amount.
 *
 * @example
 * ```ts
 * import { AmountExceedsHold } from "@paykit/ledger"
 * new AmountExceedsHold({ holdId: "h1", held: "100", requested: "150" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class AmountExceedsHold extends Schema.TaggedError<AmountExceedsHold>()("AmountExceedsHold", {
  holdId: Schema.String,
  held: Schema.String,
  requested: Schema.String
}) {
  override get message(): string {
    return `hold "${this.holdId}" reserved ${this.held} minor units but ${this.requested} were requested; post at most the held amount`
  }
}

/**
 * A reversal names an entry that does not exist.
 *
 * @example
 * ```ts
 * import { EntryNotFound } from "@paykit/ledger"
 * new EntryNotFound({ entryId: "e1" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class EntryNotFound extends Schema.TaggedError<EntryNotFound>()("EntryNotFound", {
  entryId: Schema.String
}) {
  override get message(): string {
    return `entry "${this.entryId}" does not exist; check the id of the entry to reverse`
  }
}

/**
 * Only entries with a posted effect (transfers and hold captures) can be reversed. Holds are
 * voided instead; reversals, voids and expiries cannot be reversed.
 *
 * @example
 * ```ts
 * import { NotReversible } from "@paykit/ledger"
 * new NotReversible({ entryId: "h1", kind: "hold" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class NotReversible extends Schema.TaggedError<NotReversible>()("NotReversible", {
  entryId: Schema.String,
  kind: Schema.String
}) {
  override get message(): string {
    return `entry "${this.entryId}" is a ${this.kind} entry and cannot be reversed; only transfers and hold captures can (void a pending hold instead)`
  }
}

/**
 * The entry was already reversed; an entry is reversed at most once.
 *
 * @example
 * ```ts
 * import { AlreadyReversed } from "@paykit/ledger"
 * new AlreadyReversed({ entryId: "e1", reversedBy: "e2" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class AlreadyReversed extends Schema.TaggedError<AlreadyReversed>()("AlreadyReversed", {
  entryId: Schema.String,
  reversedBy: Schema.String
}) {
  override get message(): string {
    return `entry "${this.entryId}" was already reversed by entry ${this.reversedBy}; post a new correcting entry if more is needed`
  }
}

/**
 * A balance would leave the supported range (2^127 − 1 minor units).
 *
 * @example
 * ```ts
 * import { BalanceOverflow } from "@paykit/ledger"
 * new BalanceOverflow({ accountId: "a" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class BalanceOverflow extends Schema.TaggedError<BalanceOverflow>()("BalanceOverflow", {
  accountId: Schema.String
}) {
  override get message(): string {
    return `account "${this.accountId}": a running total would exceed 2^127 − 1 minor units; split the account`
  }
}

/**
 * The debit would take an account flagged `debitsMustNotExceedCredits` past its credits
 * (pending debits count). Fund the account first or post a smaller amount.
 *
 * @example
 * ```ts
 * import { ExceedsCredits } from "@paykit/ledger"
 * new ExceedsCredits({ entryId: "e1", accountId: "wallet", available: "100", requested: "250" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class ExceedsCredits extends Schema.TaggedError<ExceedsCredits>()("ExceedsCredits", {
  entryId: Schema.String,
  accountId: Schema.String,
  available: Schema.String,
  requested: Schema.String
}) {
  override get message(): string {
    return `entry ${this.entryId}: account "${this.accountId}" may not have debits beyond its credits; ${this.available} minor units available, ${this.requested} requested (fund it first or post less)`
  }
}

/**
 * The credit would take an account flagged `creditsMustNotExceedDebits` past its debits
 * (pending credits count).
 *
 * @example
 * ```ts
 * import { ExceedsDebits } from "@paykit/ledger"
 * new ExceedsDebits({ entryId: "e1", accountId: "limit", available: "100", requested: "250" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class ExceedsDebits extends Schema.TaggedError<ExceedsDebits>()("ExceedsDebits", {
  entryId: Schema.String,
  accountId: Schema.String,
  available: Schema.String,
  requested: Schema.String
}) {
  override get message(): string {
    return `entry ${this.entryId}: account "${this.accountId}" may not have credits beyond its debits; ${this.available} minor units of headroom, ${this.requested} requested`
  }
}

/**
 * In a linked batch one command failed, so this one was not applied either (all or nothing).
 * `failedIndex` points at the command that failed; fix it and resend the batch.
 *
 * @example
 * ```ts
 * import { LinkedCommandFailed } from "@paykit/ledger"
 * new LinkedCommandFailed({ index: 0, failedIndex: 3 }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class LinkedCommandFailed extends Schema.TaggedError<LinkedCommandFailed>()("LinkedCommandFailed", {
  index: Schema.Number,
  failedIndex: Schema.Number
}) {
  override get message(): string {
    return `command ${this.index} was not applied because command ${this.failedIndex} of the same linked batch failed; fix that one and resend the whole batch`
  }
}

/**
 * The first failures that consume an entry id on a ledger in `failedIds: "consumed"` mode
 * (TigerBeetle's `id_already_failed`): every refusal that depends on the books' state. Refusals
 * that depend on the command alone (`AccountsMustDiffer`, bad input) consume nothing, since a
 * retry gets them again anyway.
 *
 * @example
 * ```ts
 * import { Errors } from "@paykit/ledger"
 * Errors.ConsumingError.members.length > 0
 * ```
 * @category errors
 * @since 0.1.0
 */
export const ConsumingError = Schema.Union([
  AccountNotFound,
  PostingCurrencyMismatch,
  AccountClosed,
  HoldNotFound,
  HoldAlreadyResolved,
  HoldExpired,
  AmountExceedsHold,
  EntryNotFound,
  NotReversible,
  AlreadyReversed,
  BalanceOverflow,
  ExceedsCredits,
  ExceedsDebits,
  LinkedCommandFailed
])

/**
 * This entry id failed before and the ledger consumes failed ids (`failedIds: "consumed"`):
 * the retry gets the original failure (`first`) instead of being decided again on today's
 * books, so replaying after a crash gives exactly the crash-free outcome. To try the same
 * operation again on purpose, send it with a new id.
 *
 * @example
 * ```ts
 * import { ExceedsCredits, IdAlreadyFailed } from "@paykit/ledger"
 * new IdAlreadyFailed({
 *   entryId: "t1",
 *   first: new ExceedsCredits({ entryId: "t1", accountId: "wallet", available: "0", requested: "5" })
 * }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class IdAlreadyFailed extends Schema.TaggedError<IdAlreadyFailed>()("IdAlreadyFailed", {
  entryId: Schema.String,
  first: ConsumingError
}) {
  override get message(): string {
    return `entry ${this.entryId} already failed with ${this.first._tag} (${this.first.message}); this ledger consumes failed ids, so send a new id to try again`
  }
}

/**
 * A batch is empty or holds more commands than the ledger accepts in one call.
 *
 * @example
 * ```ts
 * import { BatchTooLarge } from "@paykit/ledger"
 * new BatchTooLarge({ size: 20000, max: 10000 }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class BatchTooLarge extends Schema.TaggedError<BatchTooLarge>()("BatchTooLarge", {
  size: Schema.Number,
  max: Schema.Number
}) {
  override get message(): string {
    return `a batch holds ${this.size} commands; send between 1 and ${this.max} per call (split it)`
  }
}

/**
 * The storage adapter failed (connection lost, serialization retries exhausted). Nothing was
 * applied; retrying the same request with the same ids is safe.
 *
 * @example
 * ```ts
 * import { StoreFailure } from "@paykit/ledger"
 * new StoreFailure({ operation: "write", reason: "connection reset" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class StoreFailure extends Schema.TaggedError<StoreFailure>()("StoreFailure", {
  operation: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `ledger store ${this.operation} failed: ${this.reason}; nothing was applied, retry with the same ids`
  }
}

/**
 * Every reason a single ledger command can be refused by the pure core, in precedence order.
 *
 * @example
 * ```ts
 * import type { Errors } from "@paykit/ledger"
 * const tag = (e: Errors.CommandError) => e._tag
 * ```
 * @category errors
 * @since 0.1.0
 */
export type CommandError =
  | AccountsMustDiffer
  | ConflictingLimitFlags
  | ExistsWithDifferent
  | AccountNotFound
  | PostingCurrencyMismatch
  | AccountClosed
  | HoldNotFound
  | HoldAlreadyResolved
  | HoldExpired
  | AmountExceedsHold
  | EntryNotFound
  | NotReversible
  | AlreadyReversed
  | BalanceOverflow
  | ExceedsCredits
  | ExceedsDebits
  | LinkedCommandFailed
  | IdAlreadyFailed

/**
 * The precedence in which the core checks a command: the first failing check is reported.
 *
 * @example
 * ```ts
 * import { Errors } from "@paykit/ledger"
 * Errors.precedence[0] // "AccountsMustDiffer"
 * ```
 * @category errors
 * @since 0.1.0
 */
export const precedence: ReadonlyArray<CommandError["_tag"]> = [
  "AccountsMustDiffer",
  "ConflictingLimitFlags",
  "ExistsWithDifferent",
  "IdAlreadyFailed",
  "HoldNotFound",
  "HoldAlreadyResolved",
  "HoldExpired",
  "AmountExceedsHold",
  "EntryNotFound",
  "NotReversible",
  "AlreadyReversed",
  "AccountNotFound",
  "PostingCurrencyMismatch",
  "AccountClosed",
  "BalanceOverflow",
  "ExceedsCredits",
  "ExceedsDebits",
  "LinkedCommandFailed"
]
