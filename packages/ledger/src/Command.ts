import { Input as CoreInput } from "@paykit/core"
import { Currency, Money } from "@paykit/core/schema"
import { Schema } from "effect"
import { Id } from "./Account.ts"

/**
 * The largest number of commands one batch (one store write) may carry.
 *
 * @example
 * ```ts
 * import { Command } from "@paykit/ledger"
 * Command.MAX_BATCH // 10000
 * ```
 * @category models
 * @since 0.1.0
 */
export const MAX_BATCH = 10_000

/**
 * The largest number of postings one entry may carry.
 *
 * @example
 * ```ts
 * import { Command } from "@paykit/ledger"
 * Command.MAX_POSTINGS // 256
 * ```
 * @category models
 * @since 0.1.0
 */
export const MAX_POSTINGS = 256

/**
 * The longest hold timeout: 10 years in milliseconds.
 *
 * @example
 * ```ts
 * import { Command } from "@paykit/ledger"
 * Command.MAX_TIMEOUT_MS // 315360000000 (10 years)
 * ```
 * @category models
 * @since 0.1.0
 */
export const MAX_TIMEOUT_MS = 315_360_000_000

/**
 * A positive amount in minor units: an integer string (`"1999"`, the JSON form) or a `bigint`,
 * from 1 to 2^127 − 1. Zero and negative amounts are refused: move money the other way by
 * swapping debit and credit.
 *
 * @example
 * ```ts
 * import { Command } from "@paykit/ledger"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Command.Amount)("1999") // 1999n
 * ```
 * @category models
 * @since 0.1.0
 */
export const Amount = Schema.Union([Money.MinorUnits, Schema.BigInt]).check(
  Schema.isGreaterThanBigInt(0n, {
    message: "an amount must be greater than zero (swap debit and credit to move money the other way)"
  }),
  Schema.isLessThanOrEqualToBigInt(Money.MAX_AMOUNT, {
    message: "an amount must be at most 2^127 − 1 minor units"
  })
)

/**
 * Free-form string metadata: at most 64 keys, values up to 1024 characters.
 *
 * @example
 * ```ts
 * import { Command } from "@paykit/ledger"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Command.Metadata)({ orderId: "42" })
 * ```
 * @category models
 * @since 0.1.0
 */
export const Metadata = Schema.Record(
  Schema.String.check(CoreInput.storableText),
  Schema.String.check(Schema.isMaxLength(1024), CoreInput.storableText)
).check(
  Schema.makeFilter(
    (r: Readonly<Record<string, string>>) => Object.keys(r).length <= 64 || "at most 64 metadata keys"
  )
)

const Description = Schema.String.check(Schema.isMaxLength(1024), CoreInput.storableText)
const CurrencyCodeShape = Schema.String.check(
  Schema.isPattern(/^[A-Z][A-Z0-9_]{1,11}$/, { message: 'expected a currency code such as "USD"' })
)

/**
 * Input of `Ledger.createAccount`. `normal` is the side the balance grows on; `code` classifies
 * the account in your chart of accounts (`"liability.wallet"`); at most one limit flag.
 *
 * @example
 * ```ts
 * import { Command } from "@paykit/ledger"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Command.createAccountInput())({ id: "wallet:1", currency: "USD", code: "liability.wallet", normal: "credit", debitsMustNotExceedCredits: true })
 * ```
 * @category models
 * @since 0.1.0
 */
export const createAccountInput = (currencies: Currency.Registry = Currency.isoRegistry) =>
  Schema.Struct({
    id: Id,
    currency: Currency.codeSchema(currencies),
    code: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(128), CoreInput.storableText),
    normal: Schema.Literals(["debit", "credit"]),
    ownerRef: Schema.optionalKey(
      Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(256), CoreInput.storableText)
    ),
    metadata: Schema.optionalKey(Metadata),
    debitsMustNotExceedCredits: Schema.optionalKey(Schema.Boolean),
    creditsMustNotExceedDebits: Schema.optionalKey(Schema.Boolean)
  })

/**
 * Decoded input of `Ledger.createAccount`.
 *
 * @example
 * ```ts
 * import type { Command } from "@paykit/ledger"
 * const input: Command.CreateAccountInput = { id: "cash", currency: "USD", code: "asset.cash", normal: "debit" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type CreateAccountInput = ReturnType<typeof createAccountInput>["Type"]

/**
 * Input of `Ledger.closeAccount`.
 *
 * @example
 * ```ts
 * import { Command } from "@paykit/ledger"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Command.CloseAccountInput)({ accountId: "wallet:1" })
 * ```
 * @category models
 * @since 0.1.0
 */
export const CloseAccountInput = Schema.Struct({ accountId: Id })

/**
 * One posting as input: `{ debit, credit, amount: "1000", currency: "USD" }`.
 *
 * @example
 * ```ts
 * import { Command } from "@paykit/ledger"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Command.PostingInput)({ debit: "cash", credit: "wallet:1", amount: "1000", currency: "USD" })
 * ```
 * @category models
 * @since 0.1.0
 */
export const PostingInput = Schema.Struct({
  debit: Id,
  credit: Id,
  amount: Amount,
  currency: CurrencyCodeShape
})

/**
 * Input of `Ledger.post`: an entry of 1 to 256 postings applied atomically. `id` is the
 * idempotency key.
 *
 * @example
 * ```ts
 * import { Command } from "@paykit/ledger"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Command.TransferInput)({ id: "e1", postings: [{ debit: "cash", credit: "wallet:1", amount: "1000", currency: "USD" }] })
 * ```
 * @category models
 * @since 0.1.0
 */
export const TransferInput = Schema.Struct({
  id: Id,
  postings: Schema.Array(PostingInput).check(Schema.isMinLength(1), Schema.isMaxLength(MAX_POSTINGS)),
  description: Schema.optionalKey(Description),
  metadata: Schema.optionalKey(Metadata)
})

/**
 * Input of `Ledger.hold`: reserve `amount` from `debit` to `credit`, optionally for `timeoutMs`
 * (1 ms to 10 years) after which the hold expires. `id` names both the hold and its entry.
 *
 * @example
 * ```ts
 * import { Command } from "@paykit/ledger"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Command.HoldInput)({ id: "h1", debit: "wallet:1", credit: "merchant:9", amount: "500", currency: "USD", timeoutMs: 60000 })
 * ```
 * @category models
 * @since 0.1.0
 */
export const HoldInput = Schema.Struct({
  id: Id,
  debit: Id,
  credit: Id,
  amount: Amount,
  currency: CurrencyCodeShape,
  timeoutMs: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: MAX_TIMEOUT_MS }))),
  description: Schema.optionalKey(Description),
  metadata: Schema.optionalKey(Metadata)
})

/**
 * Input of `Ledger.postHold`: capture a pending hold, in full (omit `amount`) or in part. `id`
 * is the new capture entry's id (the idempotency key).
 *
 * @example
 * ```ts
 * import { Command } from "@paykit/ledger"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Command.PostHoldInput)({ id: "capture-1", holdId: "auth-1", amount: "2500" })
 * ```
 * @category models
 * @since 0.1.0
 */
export const PostHoldInput = Schema.Struct({
  id: Id,
  holdId: Id,
  amount: Schema.optionalKey(Amount),
  description: Schema.optionalKey(Description),
  metadata: Schema.optionalKey(Metadata)
})

/**
 * Input of `Ledger.voidHold`: release a pending hold. `id` is the void entry's id.
 *
 * @example
 * ```ts
 * import { Command } from "@paykit/ledger"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Command.VoidHoldInput)({ id: "void-1", holdId: "auth-1" })
 * ```
 * @category models
 * @since 0.1.0
 */
export const VoidHoldInput = Schema.Struct({
  id: Id,
  holdId: Id,
  description: Schema.optionalKey(Description),
  metadata: Schema.optionalKey(Metadata)
})

/**
 * Input of `Ledger.reverse`: post the exact negation of entry `entryId` as a new entry `id`.
 *
 * @example
 * ```ts
 * import { Command } from "@paykit/ledger"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Command.ReverseInput)({ id: "refund-1", entryId: "pay-1" })
 * ```
 * @category models
 * @since 0.1.0
 */
export const ReverseInput = Schema.Struct({
  id: Id,
  entryId: Id,
  description: Schema.optionalKey(Description),
  metadata: Schema.optionalKey(Metadata)
})

/**
 * Create an account.
 *
 * @example
 * ```ts
 * import type { Command } from "@paykit/ledger"
 * const c: Command.CreateAccount = { _tag: "CreateAccount", id: "cash", currency: "USD", code: "asset.cash", normal: "debit" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface CreateAccount {
  readonly _tag: "CreateAccount"
  readonly id: string
  readonly currency: string
  readonly code: string
  readonly normal: "debit" | "credit"
  readonly ownerRef?: string
  readonly metadata?: Readonly<Record<string, string>>
  readonly debitsMustNotExceedCredits?: boolean
  readonly creditsMustNotExceedDebits?: boolean
}

/**
 * Close an account (idempotent: closing a closed account changes nothing).
 *
 * @example
 * ```ts
 * import type { Command } from "@paykit/ledger"
 * const c: Command.CloseAccount = { _tag: "CloseAccount", accountId: "wallet:1" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface CloseAccount {
  readonly _tag: "CloseAccount"
  readonly accountId: string
}

/**
 * A posted entry of one or more postings.
 *
 * @example
 * ```ts
 * import type { Command } from "@paykit/ledger"
 * const c: Command.Transfer = { _tag: "Transfer", id: "e1", postings: [{ debit: "cash", credit: "wallet:1", amount: 100n, currency: "USD" }] }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Transfer {
  readonly _tag: "Transfer"
  readonly id: string
  readonly postings: ReadonlyArray<{
    readonly debit: string
    readonly credit: string
    readonly amount: bigint
    readonly currency: string
  }>
  readonly description?: string
  readonly metadata?: Readonly<Record<string, string>>
}

/**
 * Create a pending hold.
 *
 * @example
 * ```ts
 * import type { Command } from "@paykit/ledger"
 * const c: Command.CreateHold = { _tag: "CreateHold", id: "auth-1", debit: "wallet:1", credit: "merchant:9", amount: 500n, currency: "USD", timeoutMs: 60_000 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface CreateHold {
  readonly _tag: "CreateHold"
  readonly id: string
  readonly debit: string
  readonly credit: string
  readonly amount: bigint
  readonly currency: string
  readonly timeoutMs?: number
  readonly description?: string
  readonly metadata?: Readonly<Record<string, string>>
}

/**
 * Capture a pending hold.
 *
 * @example
 * ```ts
 * import type { Command } from "@paykit/ledger"
 * const c: Command.PostHold = { _tag: "PostHold", id: "capture-1", holdId: "auth-1", amount: 300n }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface PostHold {
  readonly _tag: "PostHold"
  readonly id: string
  readonly holdId: string
  readonly amount?: bigint
  readonly description?: string
  readonly metadata?: Readonly<Record<string, string>>
}

/**
 * Void a pending hold.
 *
 * @example
 * ```ts
 * import type { Command } from "@paykit/ledger"
 * const c: Command.VoidHold = { _tag: "VoidHold", id: "void-1", holdId: "auth-1" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface VoidHold {
  readonly _tag: "VoidHold"
  readonly id: string
  readonly holdId: string
  readonly description?: string
  readonly metadata?: Readonly<Record<string, string>>
}

/**
 * Reverse a posted entry.
 *
 * @example
 * ```ts
 * import type { Command } from "@paykit/ledger"
 * const c: Command.Reverse = { _tag: "Reverse", id: "refund-1", entryId: "e1" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Reverse {
  readonly _tag: "Reverse"
  readonly id: string
  readonly entryId: string
  readonly description?: string
  readonly metadata?: Readonly<Record<string, string>>
}

/**
 * A validated ledger command: what `LedgerCore.applyBatch` and `LedgerStore.write` take.
 * Build them from decoded inputs (the `Ledger` service does) or directly in typed code (the
 * core re-checks their shape, so a hand-built command cannot corrupt the books).
 *
 * @example
 * ```ts
 * import type { Command } from "@paykit/ledger"
 * const c: Command.Command = { _tag: "Transfer", id: "e1", postings: [{ debit: "cash", credit: "w", amount: 100n, currency: "USD" }] }
 * ```
 * @category models
 * @since 0.1.0
 */
export type Command = CreateAccount | CloseAccount | Transfer | CreateHold | PostHold | VoidHold | Reverse

/**
 * Schema of one command in tagged form: how the batch operations (`Ledger.executeResults`,
 * `Ledger.executeSummary`) decode a command that does not carry its amounts as bigints.
 *
 * @example
 * ```ts
 * import { Command } from "@paykit/ledger"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Command.commandSchema())({ _tag: "VoidHold", id: "v1", holdId: "h1" })
 * ```
 * @category models
 * @since 0.1.0
 */
export const commandSchema = (currencies: Currency.Registry = Currency.isoRegistry) =>
  Schema.Union([
    Schema.Struct({ _tag: Schema.Literal("CreateAccount"), ...createAccountInput(currencies).fields }),
    Schema.Struct({ _tag: Schema.Literal("CloseAccount"), ...CloseAccountInput.fields }),
    Schema.Struct({ _tag: Schema.Literal("Transfer"), ...TransferInput.fields }),
    Schema.Struct({ _tag: Schema.Literal("CreateHold"), ...HoldInput.fields }),
    Schema.Struct({ _tag: Schema.Literal("PostHold"), ...PostHoldInput.fields }),
    Schema.Struct({ _tag: Schema.Literal("VoidHold"), ...VoidHoldInput.fields }),
    Schema.Struct({ _tag: Schema.Literal("Reverse"), ...ReverseInput.fields })
  ])

/**
 * A command as the batch operations take it: the encoded type of {@link commandSchema}. A typed
 * {@link Command} is one (amounts as bigints); so is its JSON form (amounts as integer strings,
 * `{ _tag: "Transfer", id, postings: [{ debit, credit, amount: "1000", currency: "USD" }] }`).
 *
 * @example
 * ```ts
 * import type { Command } from "@paykit/ledger"
 * const fromJson: Command.Input = { _tag: "Transfer", id: "e1", postings: [{ debit: "cash", credit: "w", amount: "100", currency: "USD" }] }
 * const typed: Command.Input = { _tag: "Transfer", id: "e2", postings: [{ debit: "cash", credit: "w", amount: 100n, currency: "USD" }] }
 * ```
 * @category models
 * @since 0.3.0
 */
export type Input = ReturnType<typeof commandSchema>["Encoded"]

/**
 * Whether a batch is applied command by command (`independent`: each command atomic on its
 * own) or all or nothing (`linked`).
 *
 * @example
 * ```ts
 * import { Command } from "@paykit/ledger"
 * const mode: Command.Mode = "linked"
 * ```
 * @category models
 * @since 0.1.0
 */
export const Mode = Schema.Literals(["independent", "linked"])

/**
 * The type of a batch mode.
 *
 * @example
 * ```ts
 * import type { Command } from "@paykit/ledger"
 * const mode: Command.Mode = "independent"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Mode = typeof Mode.Type
