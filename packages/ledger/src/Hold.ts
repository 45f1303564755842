/**
 * Where a hold is in its life: `pending` (funds reserved) and then exactly one of `posted`
 * (captured, in full or in part), `voided` (released on request) or `expired` (released when the
 * timeout passed).
 *
 * @example
 * ```ts
 * import type { Hold } from "@paykit/ledger"
 * const s: Hold.Status = "pending"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Status = "pending" | "posted" | "voided" | "expired"

/**
 * A two-phase hold as stored. Created by a `hold` entry with the same id; resolved in place
 * (status, `resolvedBy`, `resolvedAt`, `postedAmount`) by the first `hold_post`, `hold_void` or
 * `hold_expire` entry, which is a new entry whose id is `resolvedBy`. `expiresAt` is epoch ms,
 * absent when the hold has no timeout.
 *
 * @example
 * ```ts
 * import type { Hold } from "@paykit/ledger"
 * const h: Hold.Hold = { id: "h1", debit: "wallet", credit: "merchant", amount: 500n, currency: "USD", createdAt: 0, status: "pending", postedAmount: 0n }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Hold {
  readonly id: string
  readonly debit: string
  readonly credit: string
  readonly amount: bigint
  readonly currency: string
  readonly createdAt: number
  readonly expiresAt?: number
  readonly status: Status
  readonly postedAmount: bigint
  readonly resolvedBy?: string
  readonly resolvedAt?: number
}

/**
 * True while the hold still reserves funds.
 *
 * @example
 * ```ts
 * import { Hold } from "@paykit/ledger"
 * Hold.isPending({ id: "h", debit: "a", credit: "b", amount: 1n, currency: "USD", createdAt: 0, status: "voided", postedAmount: 0n }) // false
 * ```
 * @category guards
 * @since 0.1.0
 */
export const isPending = (h: Hold): boolean => h.status === "pending"

/**
 * True when the hold is pending and its timeout has passed at `now` (epoch ms): the next write
 * to the ledger expires it.
 *
 * @example
 * ```ts
 * import { Hold } from "@paykit/ledger"
 * Hold.isDue({ id: "h", debit: "a", credit: "b", amount: 1n, currency: "USD", createdAt: 0, expiresAt: 10, status: "pending", postedAmount: 0n }, 10) // true
 * ```
 * @category guards
 * @since 0.1.0
 */
export const isDue = (h: Hold, now: number): boolean =>
  h.status === "pending" && h.expiresAt !== undefined && h.expiresAt <= now

/**
 * The id of the `hold_expire` entry the ledger writes when a hold expires: the hold id followed
 * by `~expire` (`~` never appears in caller ids, so it cannot collide).
 *
 * @example
 * ```ts
 * import { Hold } from "@paykit/ledger"
 * Hold.expiryEntryId("h1") // "h1~expire"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const expiryEntryId = (holdId: string): string => `${holdId}~expire`

/**
 * The hold in JSON form (amounts as strings, times as ISO-8601).
 *
 * @example
 * ```ts
 * import { Hold } from "@paykit/ledger"
 * Hold.toJson({ id: "h", debit: "a", credit: "b", amount: 1n, currency: "USD", createdAt: 0, status: "pending", postedAmount: 0n }).amount // "1"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const toJson = (h: Hold) => ({
  id: h.id,
  debit: h.debit,
  credit: h.credit,
  amount: h.amount.toString(),
  currency: h.currency,
  createdAt: new Date(h.createdAt).toISOString(),
  ...(h.expiresAt === undefined ? {} : { expiresAt: new Date(h.expiresAt).toISOString() }),
  status: h.status,
  postedAmount: h.postedAmount.toString(),
  ...(h.resolvedBy === undefined ? {} : { resolvedBy: h.resolvedBy }),
  ...(h.resolvedAt === undefined ? {} : { resolvedAt: new Date(h.resolvedAt).toISOString() })
})
