/**
 * One movement inside an entry: `amount` minor units of `currency` from `debit` to `credit`.
 * `amount` is always > 0 and both accounts hold `currency`.
 *
 * @example
 * ```ts
 * import type { Entry } from "@paykit/ledger"
 * const p: Entry.Posting = { debit: "cash", credit: "wallet:1", amount: 1000n, currency: "USD" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Posting {
  readonly debit: string
  readonly credit: string
  readonly amount: bigint
  readonly currency: string
}

/**
 * What an entry did to balances:
 *
 * | kind | effect on each posting's accounts |
 * | --- | --- |
 * | `transfer` | posted debits / credits += amount |
 * | `hold` | pending debits / credits += amount (the hold's reservation) |
 * | `hold_post` | pending −= the hold's full amount, posted += the captured amount (the posting) |
 * | `hold_void` | pending −= the hold's amount |
 * | `hold_expire` | pending −= the hold's amount (written by the ledger when the timeout passed) |
 * | `reversal` | posted += amount with debit and credit swapped relative to the reversed entry |
 *
 * @example
 * ```ts
 * import type { Entry } from "@paykit/ledger"
 * const k: Entry.Kind = "hold_post"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Kind = "transfer" | "hold" | "hold_post" | "hold_void" | "hold_expire" | "reversal"

/**
 * A journal entry as stored: immutable except `reversedBy`, set once when a reversal is posted.
 * `holdId` links hold entries (`hold` entries have `holdId === id`), `reverses` links a
 * reversal to its original. `timeoutMs` is the hold timeout as requested. `hash` is the
 * entry's content fingerprint (see the field).
 *
 * @example
 * ```ts
 * import type { Entry } from "@paykit/ledger"
 * const e: Entry.Entry = { id: "e1", kind: "transfer", postings: [{ debit: "cash", credit: "w", amount: 5n, currency: "USD" }], metadata: {}, createdAt: 0, hash: "…" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Entry {
  readonly id: string
  readonly kind: Kind
  readonly postings: ReadonlyArray<Posting>
  readonly holdId?: string
  readonly reverses?: string
  readonly reversedBy?: string
  readonly timeoutMs?: number
  readonly description?: string
  readonly metadata: Readonly<Record<string, string>>
  readonly createdAt: number
  /**
   * The entry's content fingerprint: sha256 (hex) of exactly the content the ledger compares
   * for idempotency (`LedgerCore.entryHash`: kind, postings, hold id, captured amount, reversed
   * entry, timeout, description, metadata with sorted keys; never ids of other records, times or
   * balances). Two requests with one id are the same request exactly when their entries' hashes
   * are equal.
   *
   * It is for readers outside the ledger's decision: a client, an export or a reconciliation
   * compares one string instead of eight fields, and whoever holds a stored row can recompute it
   * to check that the row still says what the ledger decided (every adapter must store it as
   * given; the contract suite checks it). The ledger itself never reads it: a retry is compared
   * field by field, so `ExistsWithDifferent` can name the first differing field. It is not
   * tamper evidence: it chains nothing, so whoever can rewrite a row can rewrite its hash; it
   * catches corruption and careless edits, not an attacker with write access.
   */
  readonly hash: string
}

/**
 * True when the entry changes posted balances (transfers, hold captures and reversals).
 *
 * @example
 * ```ts
 * import { Entry } from "@paykit/ledger"
 * Entry.isPostedKind("hold") // false
 * ```
 * @category guards
 * @since 0.1.0
 */
export const isPostedKind = (kind: Kind): boolean =>
  kind === "transfer" || kind === "hold_post" || kind === "reversal"

/**
 * The entry in JSON form: amounts as strings, time as ISO-8601. This is the `data` of the
 * `ledger.entry.posted` and `ledger.hold.*` events.
 *
 * @example
 * ```ts
 * import { Entry } from "@paykit/ledger"
 * Entry.toJson({ id: "e1", kind: "transfer", postings: [{ debit: "a", credit: "b", amount: 5n, currency: "USD" }], metadata: {}, createdAt: 0, hash: "h" }).postings[0]?.amount // "5"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const toJson = (e: Entry, createdAtIso?: string): EntryJson => {
  const postings = new Array<PostingJson>(e.postings.length)
  for (let i = 0; i < e.postings.length; i++) {
    const p = e.postings[i]!
    postings[i] = { debit: p.debit, credit: p.credit, amount: p.amount.toString(), currency: p.currency }
  }
  const out: { -readonly [K in keyof EntryJson]: EntryJson[K] } = {
    id: e.id,
    kind: e.kind,
    postings,
    metadata: e.metadata,
    createdAt: createdAtIso ?? new Date(e.createdAt).toISOString()
  }
  if (e.holdId !== undefined) out.holdId = e.holdId
  if (e.reverses !== undefined) out.reverses = e.reverses
  if (e.reversedBy !== undefined) out.reversedBy = e.reversedBy
  if (e.timeoutMs !== undefined) out.timeoutMs = e.timeoutMs
  if (e.description !== undefined) out.description = e.description
  return out
}

/**
 * A posting in JSON form (amount as a string).
 *
 * @example
 * ```ts
 * import type { Entry } from "@paykit/ledger"
 * const p: Entry.PostingJson = { debit: "cash", credit: "w", amount: "100", currency: "USD" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface PostingJson {
  readonly debit: string
  readonly credit: string
  readonly amount: string
  readonly currency: string
}

/**
 * An entry in JSON form, as produced by {@link toJson}.
 *
 * @example
 * ```ts
 * import type { Entry } from "@paykit/ledger"
 * const e: Entry.EntryJson = { id: "e1", kind: "transfer", postings: [], metadata: {}, createdAt: "2026-01-01T00:00:00.000Z" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface EntryJson {
  readonly id: string
  readonly kind: Kind
  readonly postings: ReadonlyArray<PostingJson>
  readonly holdId?: string
  readonly reverses?: string
  readonly reversedBy?: string
  readonly timeoutMs?: number
  readonly description?: string
  readonly metadata: Readonly<Record<string, string>>
  readonly createdAt: string
}
