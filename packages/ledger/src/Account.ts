import { Schema } from "effect"

/**
 * Schema for every id the ledger stores (accounts, entries, holds): 1 to 64 characters of
 * letters, digits and `_ . : -`, starting with a letter or digit. ULIDs from `Ids` fit; so do
 * your own keys such as `"payment:01J…:capture"`. The character `~` is reserved for ids the
 * ledger derives itself (hold expiries).
 *
 * @example
 * ```ts
 * import { Account } from "@paykit/ledger"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Account.Id)("merchant:42:payable")
 * ```
 * @category models
 * @since 0.1.0
 */
export const Id = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, {
    message:
      "expected an id of 1-64 characters: letters, digits, '_', '.', ':' or '-', starting with a letter or digit"
  })
)

/**
 * The side on which an account's balance grows: assets and expenses are `debit`-normal,
 * liabilities, equity and revenue (customer wallets, merchant payables) are `credit`-normal.
 * Signs every derived balance.
 *
 * @example
 * ```ts
 * import type { Account } from "@paykit/ledger"
 * const side: Account.NormalSide = "credit" // a customer wallet
 * ```
 * @category models
 * @since 0.1.0
 */
export type NormalSide = "debit" | "credit"

/**
 * An account as stored: identity, currency, classification, flags and its four running totals
 * (TigerBeetle's `debits_posted`, `credits_posted`, `debits_pending`, `credits_pending`), all
 * bigint minor units of `currency`. `version` counts the balance changes (one per entry that
 * touched the account) and is the `seq` of the latest {@link Line}. `createdAt` is epoch ms.
 * Plain immutable data: every change produces a new record.
 *
 * @example
 * ```ts
 * import { Account } from "@paykit/ledger"
 * const a: Account.Account = Account.make({ id: "cash", currency: "USD", code: "asset.cash", normal: "debit", createdAt: 0 })
 * Account.postedBalance(a) // 0n
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Account {
  readonly id: string
  readonly currency: string
  readonly code: string
  readonly normal: NormalSide
  readonly ownerRef?: string
  readonly metadata: Readonly<Record<string, string>>
  readonly debitsMustNotExceedCredits: boolean
  readonly creditsMustNotExceedDebits: boolean
  readonly closed: boolean
  readonly createdAt: number
  readonly debitsPosted: bigint
  readonly creditsPosted: bigint
  readonly debitsPending: bigint
  readonly creditsPending: bigint
  readonly version: number
}

/**
 * A new, empty account record (no balances, not closed). For tests and store adapters; the
 * ledger creates accounts through `Ledger.createAccount`.
 *
 * @example
 * ```ts
 * import { Account } from "@paykit/ledger"
 * Account.make({ id: "wallet:1", currency: "EUR", code: "liability.wallet", normal: "credit", createdAt: 0, debitsMustNotExceedCredits: true })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (spec: {
  readonly id: string
  readonly currency: string
  readonly code: string
  readonly normal: NormalSide
  readonly createdAt: number
  readonly ownerRef?: string | undefined
  readonly metadata?: Readonly<Record<string, string>> | undefined
  readonly debitsMustNotExceedCredits?: boolean | undefined
  readonly creditsMustNotExceedDebits?: boolean | undefined
}): Account => ({
  id: spec.id,
  currency: spec.currency,
  code: spec.code,
  normal: spec.normal,
  ...(spec.ownerRef === undefined ? {} : { ownerRef: spec.ownerRef }),
  metadata: spec.metadata ?? {},
  debitsMustNotExceedCredits: spec.debitsMustNotExceedCredits ?? false,
  creditsMustNotExceedDebits: spec.creditsMustNotExceedDebits ?? false,
  closed: false,
  createdAt: spec.createdAt,
  debitsPosted: 0n,
  creditsPosted: 0n,
  debitsPending: 0n,
  creditsPending: 0n,
  version: 0
})

/**
 * The four running totals.
 *
 * @category models
 * @since 0.1.0
 */
export interface Totals {
  readonly debitsPosted: bigint
  readonly creditsPosted: bigint
  readonly debitsPending: bigint
  readonly creditsPending: bigint
}

/**
 * Posted balance, signed by the normal side: `debitsPosted − creditsPosted` for a debit-normal
 * account, `creditsPosted − debitsPosted` for a credit-normal one.
 *
 * @example
 * ```ts
 * import { Account } from "@paykit/ledger"
 * Account.postedBalance({ ...Account.make({ id: "w", currency: "USD", code: "w", normal: "credit", createdAt: 0 }), creditsPosted: 500n }) // 500n
 * ```
 * @category math
 * @since 0.1.0
 */
export const postedBalance = (a: Totals & { readonly normal: NormalSide }): bigint =>
  a.normal === "debit" ? a.debitsPosted - a.creditsPosted : a.creditsPosted - a.debitsPosted

/**
 * Pending balance: the posted balance as if every pending hold were posted in full
 * (posted + pending on both sides), signed by the normal side.
 *
 * @example
 * ```ts
 * import { Account } from "@paykit/ledger"
 * Account.pendingBalance(Account.make({ id: "w", currency: "USD", code: "w", normal: "credit", createdAt: 0 })) // 0n
 * ```
 * @category math
 * @since 0.1.0
 */
export const pendingBalance = (a: Totals & { readonly normal: NormalSide }): bigint =>
  a.normal === "debit"
    ? a.debitsPosted + a.debitsPending - (a.creditsPosted + a.creditsPending)
    : a.creditsPosted + a.creditsPending - (a.debitsPosted + a.debitsPending)

/**
 * Available balance, the conservative rule of TigerBeetle and Modern Treasury: pending
 * outflows count against the balance, pending inflows do not. For a credit-normal account that
 * is `creditsPosted − debitsPosted − debitsPending`; for a debit-normal account
 * `debitsPosted − creditsPosted − creditsPending`.
 *
 * @example
 * ```ts
 * import { Account } from "@paykit/ledger"
 * const w = { ...Account.make({ id: "w", currency: "USD", code: "w", normal: "credit", createdAt: 0 }), creditsPosted: 500n, debitsPending: 200n, creditsPending: 999n }
 * Account.availableBalance(w) // 300n
 * ```
 * @category math
 * @since 0.1.0
 */
export const availableBalance = (a: Totals & { readonly normal: NormalSide }): bigint =>
  a.normal === "debit"
    ? a.debitsPosted - a.creditsPosted - a.creditsPending
    : a.creditsPosted - a.debitsPosted - a.debitsPending

/**
 * The three derived balances of an account, signed by its normal side, in minor units.
 *
 * @example
 * ```ts
 * import { Account } from "@paykit/ledger"
 * const b: Account.Balances = Account.balances(Account.make({ id: "w", currency: "USD", code: "w", normal: "credit", createdAt: 0 }))
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Balances {
  readonly posted: bigint
  readonly pending: bigint
  readonly available: bigint
}

/**
 * All three derived balances at once.
 *
 * @example
 * ```ts
 * import { Account } from "@paykit/ledger"
 * Account.balances(Account.make({ id: "c", currency: "USD", code: "c", normal: "debit", createdAt: 0 })) // { posted: 0n, pending: 0n, available: 0n }
 * ```
 * @category math
 * @since 0.1.0
 */
export const balances = (a: Totals & { readonly normal: NormalSide }): Balances => ({
  posted: postedBalance(a),
  pending: pendingBalance(a),
  available: availableBalance(a)
})

/**
 * The account in JSON form (amounts as strings), as carried in events and API responses.
 *
 * @example
 * ```ts
 * import { Account } from "@paykit/ledger"
 * Account.toJson(Account.make({ id: "c", currency: "USD", code: "c", normal: "debit", createdAt: 0 })).debitsPosted // "0"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const toJson = (a: Account) => ({
  id: a.id,
  currency: a.currency,
  code: a.code,
  normal: a.normal,
  ...(a.ownerRef === undefined ? {} : { ownerRef: a.ownerRef }),
  metadata: a.metadata,
  debitsMustNotExceedCredits: a.debitsMustNotExceedCredits,
  creditsMustNotExceedDebits: a.creditsMustNotExceedDebits,
  closed: a.closed,
  createdAt: new Date(a.createdAt).toISOString(),
  debitsPosted: a.debitsPosted.toString(),
  creditsPosted: a.creditsPosted.toString(),
  debitsPending: a.debitsPending.toString(),
  creditsPending: a.creditsPending.toString(),
  version: a.version
})

/**
 * One balance change of one account: the account's four totals right after entry `entryId`
 * touched it. `seq` counts from 1 per account (it equals the account's `version` after the
 * change); `at` is the epoch-ms time of the write. The history of lines is the account's
 * statement and answers "balance as of time t" (the last line with `at ≤ t`).
 *
 * @example
 * ```ts
 * import type { Account } from "@paykit/ledger"
 * const line: Account.Line = { accountId: "cash", seq: 1, entryId: "e1", at: 0, debitsPosted: 100n, creditsPosted: 0n, debitsPending: 0n, creditsPending: 0n }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Line {
  readonly accountId: string
  readonly seq: number
  readonly entryId: string
  readonly at: number
  readonly debitsPosted: bigint
  readonly creditsPosted: bigint
  readonly debitsPending: bigint
  readonly creditsPending: bigint
}
