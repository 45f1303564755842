import { type DomainEvent, Notifier } from "@paykit/core"
import { Context, Effect, Layer, Option, Semaphore } from "effect"
import type { Account } from "./Account.ts"
import type { Sealed } from "./Cipher.ts"
import { type Conflict, StoreFailure } from "./errors.ts"
import type { WrappedKey } from "./KeyStore.ts"

/**
 * A subject's data key, wrapped by the key store. `version` is the data-key version that sealed
 * fields name in their associated data.
 *
 * @example
 * ```ts
 * import type { AccountStore } from "@paykit/accounts"
 * const k: AccountStore.SubjectKey = { subject: "s1", version: 1, wrapped: { kekVersion: 1, wrapped: "base64…" } }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface SubjectKey {
  readonly subject: string
  readonly version: number
  readonly wrapped: WrappedKey
}

/**
 * A legal hold on a subject's data: why (`basis`, e.g. `aml_retention`) and until when.
 *
 * @example
 * ```ts
 * import type { AccountStore } from "@paykit/accounts"
 * const hold: AccountStore.LegalHold = { subject: "s1", basis: "aml_retention", until: Date.UTC(2031, 0, 1), placedAt: 0 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface LegalHold {
  readonly subject: string
  readonly basis: string
  readonly until: number
  readonly placedAt: number
}

/**
 * An erasure request: `retained` (a legal hold applies; the shred is due at `until`) or `erased`.
 *
 * @example
 * ```ts
 * import type { AccountStore } from "@paykit/accounts"
 * const e: AccountStore.Erasure = { subject: "s1", requestedAt: 0, status: "erased", erasedAt: 0 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Erasure {
  readonly subject: string
  readonly requestedAt: number
  readonly status: "retained" | "erased"
  readonly until?: number
  readonly basis?: string
  readonly erasedAt?: number
}

/**
 * One audit record: who changed what on which account, when; personal values appear only redacted.
 *
 * @example
 * ```ts
 * import type { AccountStore } from "@paykit/accounts"
 * const fields = (e: AccountStore.AuditEntry) => e.changes.map((c) => c.field)
 * ```
 * @category models
 * @since 0.1.0
 */
export interface AuditEntry {
  readonly id: string
  readonly at: number
  readonly accountId: string
  readonly actor: string
  readonly action: string
  readonly version: number
  readonly changes: ReadonlyArray<{
    readonly field: string
    readonly from: string | null
    readonly to: string | null
  }>
}

/**
 * The lookup indexes: keyed hashes of emails and registration numbers (duplicate detection) and
 * subject → account.
 *
 * @example
 * ```ts
 * import type { AccountStore } from "@paykit/accounts"
 * const kind: AccountStore.IndexKind = "email"
 * ```
 * @category models
 * @since 0.1.0
 */
export type IndexKind = "email" | "registration" | "subject"

/**
 * What a vault decision (erase, legal hold, sweep) read about one subject: how many legal holds
 * it had (all of them, ended or not) and its erasure record's status and `until` (`null`: none).
 * A commit carrying guards takes each guarded subject's lock, compares, and is refused with
 * `StoreFailure { conflict: VaultChanged }` (writing nothing) if any differs: the decision was
 * made on a state a concurrent writer has since changed, so it is made again.
 *
 * @example
 * ```ts
 * import type { AccountStore } from "@paykit/accounts"
 * const g: AccountStore.VaultGuard = { subject: "s1", holds: 0, erasure: null }
 * ```
 * @category models
 * @since 0.3.0
 */
export interface VaultGuard {
  readonly subject: string
  readonly holds: number
  readonly erasure: { readonly status: Erasure["status"]; readonly until: number | null } | null
}

/**
 * One re-wrap of key rotation, applied as a compare-and-set: the subject's data key is re-wrapped
 * (`to`) only while it is still wrapped exactly as `from`; a key that was deleted (erased) or
 * re-wrapped by someone else meanwhile is left alone, and nothing is ever inserted.
 *
 * @example
 * ```ts
 * import type { AccountStore } from "@paykit/accounts"
 * const r: AccountStore.Rewrap = { subject: "s1", from: { kekVersion: 1, wrapped: "a" }, to: { kekVersion: 2, wrapped: "b" } }
 * ```
 * @category models
 * @since 0.3.0
 */
export interface Rewrap {
  readonly subject: string
  readonly from: WrappedKey
  readonly to: WrappedKey
}

/**
 * The vault state of a subject as a {@link VaultGuard} (holds counted, erasure as read).
 *
 * @example
 * ```ts
 * import { AccountStore } from "@paykit/accounts"
 * AccountStore.guardOf("s1", [], undefined) // { subject: "s1", holds: 0, erasure: null }
 * ```
 * @category constructors
 * @since 0.3.0
 */
export const guardOf = (
  subject: string,
  holds: ReadonlyArray<LegalHold>,
  erasure: Erasure | undefined
): VaultGuard => ({
  subject,
  holds: holds.length,
  erasure: erasure === undefined ? null : { status: erasure.status, until: erasure.until ?? null }
})

/**
 * Everything one operation writes, applied atomically by `commit`: all or nothing. `null` deletes.
 * `events` are the domain events the change causes (see `Events.Event`), in order; they travel
 * with the change, so a crash can never keep the change and lose its events (see
 * {@link AccountStore} for what an adapter does with them).
 *
 * @example
 * ```ts
 * import type { AccountStore } from "@paykit/accounts"
 * const deleteKey: AccountStore.Transaction = { keys: [{ subject: "s1", key: null }], purgeFields: ["s1"] }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Transaction {
  readonly accounts?: ReadonlyArray<{ readonly account: Account; readonly expectedVersion: number }>
  readonly index?: ReadonlyArray<{
    readonly kind: IndexKind
    readonly key: string
    readonly accountId: string | null
  }>
  readonly keys?: ReadonlyArray<{ readonly subject: string; readonly key: SubjectKey | null }>
  readonly fields?: ReadonlyArray<{
    readonly subject: string
    readonly field: string
    readonly sealed: Sealed | null
  }>
  readonly purgeFields?: ReadonlyArray<string>
  readonly holds?: ReadonlyArray<LegalHold>
  readonly erasures?: ReadonlyArray<Erasure>
  readonly audit?: ReadonlyArray<AuditEntry>
  readonly events?: ReadonlyArray<DomainEvent.DomainEvent>
  /** Preconditions on subjects' holds and erasures, checked under the subjects' locks (see {@link VaultGuard}). */
  readonly guards?: ReadonlyArray<VaultGuard>
  /**
   * Key-encryption-key versions to mark retired: refused (`conflict: KeyVersionInUse`) while any
   * data key is wrapped under one; afterwards no data key can be written under it
   * (`conflict: KeyVersionRetired`).
   */
  readonly retireKeks?: ReadonlyArray<number>
}

/**
 * Everything a store holds, in a canonical order; used by tests to check "no write" and to scan
 * for plaintext.
 *
 * @example
 * ```ts
 * import type { AccountStore } from "@paykit/accounts"
 * const count = (d: AccountStore.Dump) => d.fields.length
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Dump {
  readonly accounts: ReadonlyArray<Account>
  readonly index: ReadonlyArray<readonly [string, string]>
  readonly keys: ReadonlyArray<SubjectKey>
  readonly fields: ReadonlyArray<{
    readonly subject: string
    readonly field: string
    readonly sealed: Sealed
  }>
  readonly holds: ReadonlyArray<LegalHold>
  readonly erasures: ReadonlyArray<Erasure>
  readonly audit: ReadonlyArray<AuditEntry>
  /** Retired key-encryption-key versions, ascending. */
  readonly retiredKeks: ReadonlyArray<number>
}

/**
 * The storage port of `@paykit/accounts`. Reads are plain lookups; `commit` applies a
 * `Transaction` atomically and fails with `StoreFailure` (writing nothing) when an account's
 * `expectedVersion` is not the stored version (0 = must not exist) or an index key already
 * points to another account. The contract suite in `@paykit/accounts/testing` pins this.
 *
 * **Races are decided inside the commit.** A refusal caused by a concurrent writer carries its
 * `conflict` (`StaleVersion`, `IndexTaken`, `VaultChanged`, `KeyVersionRetired`,
 * `KeyVersionInUse`). A commit that writes a subject's holds, erasure, data key or fields, or
 * guards it, holds that subject's lock for its whole transaction (PostgreSQL: a per-subject
 * advisory transaction lock, taken in one order) and checks `guards` under it; a data key is
 * never written for an erased subject. Key-encryption-key versions are locked the same way:
 * writing a data key under a version shares its lock, retiring it takes it alone. `keysPage`
 * and `rewrapKeys` let rotation work in pages: `rewrapKeys` is a compare-and-set per key
 * (never an insert), so rotation never brings back a key an erasure deleted.
 *
 * **Events travel with the change.** `tx.events` are the change's domain events, and the
 * service never notifies on its own, so an adapter must:
 *
 * - store them atomically with the change, in their order: a durable adapter writes them into
 *   its transactional outbox in the commit's own database transaction (PostgreSQL: the one
 *   outbox, same transaction; the outbox relay is the only deliverer), so the change and its
 *   events are kept or lost together;
 * - or, in a memory store (nothing durable to keep them in), hand them to the core `Notifier`
 *   right after the commit, in commit order (`Notifier.afterCommit`: a delivery failure is
 *   logged, not retried, and does not undo the change);
 * - for a commit that fails (stale version, index key taken, a database error, …) store and
 *   deliver none of its events; a commit re-run after a transient failure still stores each
 *   event once (ids are stable ULIDs, the key consumers deduplicate on).
 *
 * A transaction may carry only events (an events-only commit): it is stored and delivered like
 * any other.
 *
 * @example
 * ```ts
 * import { AccountStore } from "@paykit/accounts"
 * import { Notifier } from "@paykit/core"
 * import { Effect } from "effect"
 * const program = Effect.gen(function* () {
 *   const store = yield* AccountStore.AccountStore
 *   return yield* store.getAccount("01J0000000000000000000000A")
 * }).pipe(Effect.provide(AccountStore.layerMemory), Effect.provide(Notifier.layerNoop))
 * ```
 * @category services
 * @since 0.1.0
 */
export class AccountStore extends Context.Service<
  AccountStore,
  {
    readonly getAccount: (id: string) => Effect.Effect<Option.Option<Account>, StoreFailure>
    readonly findIndex: (kind: IndexKind, key: string) => Effect.Effect<Option.Option<string>, StoreFailure>
    readonly getKey: (subject: string) => Effect.Effect<Option.Option<SubjectKey>, StoreFailure>
    readonly listKeys: Effect.Effect<ReadonlyArray<SubjectKey>, StoreFailure>
    /** Up to `limit` data keys wrapped under a KEK version below `belowKek`, subjects after `after`, in subject order. */
    readonly keysPage: (
      after: string | null,
      limit: number,
      belowKek: number
    ) => Effect.Effect<ReadonlyArray<SubjectKey>, StoreFailure>
    /** Re-wraps by compare-and-set in one transaction; how many keys were still as `from` and were re-wrapped. */
    readonly rewrapKeys: (rewraps: ReadonlyArray<Rewrap>) => Effect.Effect<number, StoreFailure>
    readonly getFields: (
      subject: string
    ) => Effect.Effect<ReadonlyArray<{ readonly field: string; readonly sealed: Sealed }>, StoreFailure>
    readonly getHolds: (subject: string) => Effect.Effect<ReadonlyArray<LegalHold>, StoreFailure>
    readonly getErasure: (subject: string) => Effect.Effect<Option.Option<Erasure>, StoreFailure>
    readonly dueErasures: (now: number) => Effect.Effect<ReadonlyArray<Erasure>, StoreFailure>
    readonly audit: (accountId: string) => Effect.Effect<ReadonlyArray<AuditEntry>, StoreFailure>
    readonly commit: (tx: Transaction) => Effect.Effect<void, StoreFailure>
    readonly dump: Effect.Effect<Dump, StoreFailure>
  }
>()("@paykit/accounts/AccountStore") {}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Builds an in-memory store: maps behind a one-permit semaphore, so commits are serialised and
 * atomic (validated first, then applied). After a successful commit, still holding the permit,
 * it hands the commit's `events` to the `Notifier` in context, so they arrive in commit order,
 * each once; a failed commit delivers nothing, and a delivery failure is logged as a warning
 * (the change stays committed; nothing is retried).
 *
 * @example
 * ```ts
 * import { AccountStore } from "@paykit/accounts"
 * import { Notifier } from "@paykit/core"
 * import { Effect } from "effect"
 * const store = Effect.runSync(AccountStore.makeMemory.pipe(Effect.provide(Notifier.layerNoop)))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const makeMemory: Effect.Effect<AccountStore["Service"], never, Notifier.Notifier> = Effect.gen(
  function* () {
    const notifier = yield* Notifier.Notifier
    const lock = yield* Semaphore.make(1)
    const accounts = new Map<string, Account>()
    const index = new Map<string, string>()
    const keys = new Map<string, SubjectKey>()
    const fields = new Map<string, Map<string, Sealed>>()
    const holds = new Map<string, Array<LegalHold>>()
    const erasures = new Map<string, Erasure>()
    const audit: Array<AuditEntry> = []
    const retired = new Set<number>()
    const ik = (kind: IndexKind, key: string) => `${kind}:${key}`
    const refuse = (reason: string, conflict?: Conflict) =>
      new StoreFailure(conflict === undefined ? { reason } : { reason, conflict })

    const validate = (tx: Transaction): StoreFailure | undefined => {
      for (const { account, expectedVersion } of tx.accounts ?? []) {
        const stored = accounts.get(account.id)?.version ?? 0
        if (stored !== expectedVersion) {
          return refuse(
            `account ${account.id} is at version ${stored}, expected ${expectedVersion} (a concurrent change won)`,
            { _tag: "StaleVersion", accountId: account.id }
          )
        }
        if (account.version !== expectedVersion + 1)
          return refuse(`account ${account.id} must be written at version ${expectedVersion + 1}`)
      }
      for (const { kind, key, accountId } of tx.index ?? []) {
        const owner = index.get(ik(kind, key))
        if (accountId !== null && owner !== undefined && owner !== accountId) {
          return refuse(`the ${kind} index entry already belongs to account ${owner}`, {
            _tag: "IndexTaken",
            index: kind,
            owner
          })
        }
      }
      return validateVault(tx)
    }

    /** The vault rules every store decides under its locks (see `AccountStore`). */
    const validateVault = (tx: Transaction): StoreFailure | undefined => {
      for (const g of tx.guards ?? []) {
        const now = guardOf(g.subject, holds.get(g.subject) ?? [], erasures.get(g.subject))
        if (
          now.holds !== g.holds ||
          now.erasure?.status !== g.erasure?.status ||
          now.erasure?.until !== g.erasure?.until
        ) {
          return refuse(`the legal holds or erasure of subject ${g.subject} changed concurrently`, {
            _tag: "VaultChanged",
            subject: g.subject
          })
        }
      }
      const written = [
        ...(tx.keys ?? []).flatMap((k) => (k.key === null ? [] : [k.subject])),
        ...(tx.fields ?? []).flatMap((f) => (f.sealed === null ? [] : [f.subject]))
      ]
      for (const subject of written) {
        if (erasures.get(subject)?.status === "erased") {
          return refuse(`subject ${subject} was erased: no data key or field is written for it`, {
            _tag: "VaultChanged",
            subject
          })
        }
      }
      for (const { key } of tx.keys ?? []) {
        if (key !== null && retired.has(key.wrapped.kekVersion)) {
          return refuse(`key-encryption-key version ${key.wrapped.kekVersion} is retired`, {
            _tag: "KeyVersionRetired",
            kekVersion: key.wrapped.kekVersion
          })
        }
      }
      for (const v of tx.retireKeks ?? []) {
        const inUse = [...keys.values()].filter((k) => k.wrapped.kekVersion === v).length
        if (inUse > 0) {
          return refuse(`key-encryption-key version ${v} still wraps ${inUse} data key(s)`, {
            _tag: "KeyVersionInUse",
            kekVersion: v,
            keys: inUse
          })
        }
      }
      return undefined
    }

    const apply = (tx: Transaction): void => {
      for (const { account } of tx.accounts ?? []) accounts.set(account.id, account)
      for (const { kind, key, accountId } of tx.index ?? []) {
        if (accountId === null) index.delete(ik(kind, key))
        else index.set(ik(kind, key), accountId)
      }
      for (const { subject, key } of tx.keys ?? []) {
        if (key === null) keys.delete(subject)
        else keys.set(subject, key)
      }
      for (const subject of tx.purgeFields ?? []) fields.delete(subject)
      for (const { subject, field, sealed } of tx.fields ?? []) {
        let m = fields.get(subject)
        if (sealed === null) {
          m?.delete(field)
          continue
        }
        if (m === undefined) {
          m = new Map()
          fields.set(subject, m)
        }
        m.set(field, sealed)
      }
      for (const h of tx.holds ?? []) holds.set(h.subject, [...(holds.get(h.subject) ?? []), h])
      for (const e of tx.erasures ?? []) erasures.set(e.subject, e)
      audit.push(...(tx.audit ?? []))
      for (const v of tx.retireKeks ?? []) retired.add(v)
    }

    return AccountStore.of({
      getAccount: (id) => Effect.sync(() => Option.fromNullishOr(accounts.get(id))),
      findIndex: (kind, key) => Effect.sync(() => Option.fromNullishOr(index.get(ik(kind, key)))),
      getKey: (subject) => Effect.sync(() => Option.fromNullishOr(keys.get(subject))),
      listKeys: Effect.sync(() => [...keys.values()].sort((a, b) => cmp(a.subject, b.subject))),
      keysPage: (after, limit, belowKek) =>
        Effect.sync(() =>
          [...keys.values()]
            .filter((k) => k.wrapped.kekVersion < belowKek && (after === null || k.subject > after))
            .sort((a, b) => cmp(a.subject, b.subject))
            .slice(0, Math.max(0, limit))
        ),
      rewrapKeys: (rewraps) =>
        lock.withPermits(1)(
          Effect.suspend(() => {
            const gone = rewraps.find((r) => retired.has(r.to.kekVersion))
            if (gone !== undefined) {
              return Effect.fail(
                refuse(`key-encryption-key version ${gone.to.kekVersion} is retired`, {
                  _tag: "KeyVersionRetired",
                  kekVersion: gone.to.kekVersion
                })
              )
            }
            let n = 0
            for (const r of rewraps) {
              const k = keys.get(r.subject)
              // compare-and-set: only a key still wrapped exactly as read; never an insert
              if (
                k === undefined ||
                k.wrapped.kekVersion !== r.from.kekVersion ||
                k.wrapped.wrapped !== r.from.wrapped
              )
                continue
              keys.set(r.subject, { ...k, wrapped: r.to })
              n++
            }
            return Effect.succeed(n)
          })
        ),
      getFields: (subject) =>
        Effect.sync(() =>
          [...(fields.get(subject) ?? new Map<string, Sealed>()).entries()]
            .map(([field, sealed]) => ({ field, sealed }))
            .sort((a, b) => cmp(a.field, b.field))
        ),
      getHolds: (subject) => Effect.sync(() => holds.get(subject) ?? []),
      getErasure: (subject) => Effect.sync(() => Option.fromNullishOr(erasures.get(subject))),
      dueErasures: (now) =>
        Effect.sync(() =>
          [...erasures.values()]
            .filter((e) => e.status === "retained" && (e.until ?? 0) <= now)
            .sort((a, b) => cmp(a.subject, b.subject))
        ),
      audit: (accountId) => Effect.sync(() => audit.filter((e) => e.accountId === accountId)),
      commit: (tx) =>
        lock.withPermits(1)(
          Effect.suspend(() => {
            const problem = validate(tx)
            if (problem !== undefined) return Effect.fail(problem)
            apply(tx)
            // still under the permit: the next commit's events cannot overtake these
            return Notifier.afterCommit(notifier, tx.events ?? [], "accounts")
          })
        ),
      dump: Effect.sync(() => ({
        accounts: [...accounts.values()].sort((a, b) => cmp(a.id, b.id)),
        index: [...index.entries()].sort((a, b) => cmp(a[0], b[0])),
        keys: [...keys.values()].sort((a, b) => cmp(a.subject, b.subject)),
        fields: [...fields.entries()]
          .flatMap(([subject, m]) => [...m.entries()].map(([field, sealed]) => ({ subject, field, sealed })))
          .sort((a, b) => cmp(a.subject, b.subject) || cmp(a.field, b.field)),
        holds: [...holds.values()].flat(),
        erasures: [...erasures.values()].sort((a, b) => cmp(a.subject, b.subject)),
        audit: [...audit],
        retiredKeks: [...retired].sort((a, b) => a - b)
      }))
    })
  }
)

/**
 * The memory store as a layer (a fresh, empty store per build). It delivers each commit's
 * events through the `Notifier` it is given (`Notifier.layerMemory` records them).
 *
 * @example
 * ```ts
 * import { AccountStore } from "@paykit/accounts"
 * import { Notifier } from "@paykit/core"
 * import { Effect, Layer } from "effect"
 * const store = AccountStore.layerMemory.pipe(Layer.provideMerge(Notifier.layerMemory))
 * const program = Effect.flatMap(AccountStore.AccountStore, (s) => s.dump).pipe(Effect.provide(store))
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<AccountStore, never, Notifier.Notifier> = Layer.effect(
  AccountStore,
  makeMemory
)
