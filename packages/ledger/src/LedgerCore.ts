/**
 * The ledger's pure core: the decision function every store calls (`applyBatch`), what a store
 * reads and locks before it (`readSet`, `lockSet`, `snapshotOf`), and the types of a write and
 * its outcome. No I/O, no clock, no randomness.
 *
 * The implementation lives in `internal/core/`: `shape.ts` (typed-path shape checks, the
 * private copy of a command), `hash.ts` (an entry's content: the one spelling of its hash input),
 * `records.ts` (record copies, the transfer entry constructor), `work.ts` (the working state and
 * its undo journal), `events.ts` (every event's payload), `commands.ts` (single command
 * decisions), `batch.ts` (a whole write, consumed ids, the change set) and `reads.ts`.
 */
import type { DomainEvent, InvalidInput } from "@paykit/core"
import { type Result, Schema } from "effect"
import type * as Account from "./Account.ts"
import type { Command, Mode } from "./Command.ts"
import type * as Entry from "./Entry.ts"
import { type CommandError as CoreCommandError, ConsumingError } from "./errors.ts"
import type * as Hold from "./Hold.ts"
import * as Batch from "./internal/core/batch.ts"
import * as Hash from "./internal/core/hash.ts"
import * as Reads from "./internal/core/reads.ts"

/**
 * What the core reads while deciding a batch: the current records by id, and the pending holds
 * whose timeout has passed. A store adapter builds it from the rows it loaded and locked
 * (see {@link readSet}, {@link lockSet} and {@link snapshotOf}); the memory store answers from
 * its maps. The core never mutates what it reads.
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * const empty = LedgerCore.snapshotOf({ accounts: [], entries: [], holds: [] })
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Snapshot {
  readonly account: (id: string) => Account.Account | undefined
  readonly entry: (id: string) => Entry.Entry | undefined
  readonly hold: (id: string) => Hold.Hold | undefined
  /** Pending holds with `expiresAt ≤ now`. */
  readonly dueHolds: (now: number) => Iterable<Hold.Hold>
  /**
   * The recorded first failure of an entry id that a `failedIds: "consumed"` write consumed.
   * A store that never records failures may leave it out.
   */
  readonly failedId?: ((id: string) => FailedId | undefined) | undefined
}

/**
 * What happens to the id of an entry command that fails because of the books' state:
 *
 * - `"reusable"` (the default): nothing is recorded; a retry with the same id is decided afresh
 *   on the books as they are then (it may succeed once a top-up has arrived);
 * - `"consumed"`: the id is consumed with its first failure (TigerBeetle's `id_already_failed`);
 *   a retry gets `IdAlreadyFailed` carrying that failure, so a client that replays everything it
 *   sent after a crash gets exactly the outcome of a run without the crash.
 *
 * An id consumed once stays consumed whatever the mode of later writes.
 *
 * @example
 * ```ts
 * import type { LedgerCore } from "@paykit/ledger"
 * const mode: LedgerCore.FailedIds = "consumed"
 * ```
 * @category models
 * @since 0.1.0
 */
export type FailedIds = "reusable" | "consumed"

/**
 * A consumed entry id: the first state-dependent failure of an entry command written in
 * `failedIds: "consumed"` mode, with the time of its write. Stores persist it in the same
 * transaction as the write's other changes, in the same id space as entries (an id is an entry
 * or a failure, never both).
 *
 * @example
 * ```ts
 * import { AccountNotFound, type LedgerCore } from "@paykit/ledger"
 * const f: LedgerCore.FailedId = { id: "t1", error: new AccountNotFound({ accountId: "x" }), at: 0 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface FailedId {
  readonly id: string
  readonly error: typeof ConsumingError.Type
  readonly at: number
}

const FailedIdJson = Schema.Struct({ id: Schema.String, at: Schema.Number, error: ConsumingError })
const encodeFailedId = Schema.encodeSync(FailedIdJson)
const decodeFailedId = Schema.decodeUnknownSync(FailedIdJson)

/**
 * A {@link FailedId} as JSON (the error as its tag and fields), for stores that keep it in a
 * document column.
 *
 * @example
 * ```ts
 * import { AccountNotFound, LedgerCore } from "@paykit/ledger"
 * LedgerCore.failedIdToJson({ id: "t1", error: new AccountNotFound({ accountId: "x" }), at: 5 })
 * // { id: "t1", at: 5, error: { _tag: "AccountNotFound", accountId: "x" } }
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const failedIdToJson = (f: FailedId): unknown => encodeFailedId(f)

/**
 * The inverse of {@link failedIdToJson}; throws on a document it did not write (a corrupted
 * store is a defect).
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * LedgerCore.failedIdFromJson({ id: "t1", at: 5, error: { _tag: "AccountNotFound", accountId: "x" } }).error._tag
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const failedIdFromJson = (json: unknown): FailedId => decodeFailedId(json)

/**
 * One write: the commands, the batch mode, the time of the write (epoch ms, from `Clock`) and a
 * fresh ULID from which the write's event ids are derived.
 *
 * @example
 * ```ts
 * import type { LedgerCore } from "@paykit/ledger"
 * const r: LedgerCore.Request = { commands: [], mode: "independent", now: Date.now(), eventIdSeed: "01J00000000000000000000000" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Request {
  readonly commands: ReadonlyArray<Command>
  readonly mode: Mode
  readonly now: number
  readonly eventIdSeed: string
  /** What a state-dependent failure does to its entry id (default `"reusable"`); see {@link FailedIds}. */
  readonly failedIds?: FailedIds | undefined
}

/**
 * The result of one successful command. `replayed` is true when the id existed with the same
 * content (an idempotent retry: nothing was written, the original record is returned).
 *
 * @example
 * ```ts
 * import type { LedgerCore } from "@paykit/ledger"
 * const replayed = (s: LedgerCore.Success) => s._tag !== "AccountClosed" && s.replayed
 * ```
 * @category models
 * @since 0.1.0
 */
export type Success =
  | { readonly _tag: "AccountCreated"; readonly account: Account.Account; readonly replayed: boolean }
  | { readonly _tag: "AccountClosed"; readonly account: Account.Account; readonly changed: boolean }
  | {
      readonly _tag: "EntryCreated"
      readonly entry: Entry.Entry
      readonly hold?: Hold.Hold
      readonly replayed: boolean
    }

/**
 * Every error a command can get from the core: a shape error (`InvalidInput`, typed path only)
 * or one of the ledger's state errors.
 *
 * @example
 * ```ts
 * import type { LedgerCore } from "@paykit/ledger"
 * const tag = (e: LedgerCore.CommandError) => e._tag
 * ```
 * @category errors
 * @since 0.1.0
 */
export type CommandError = CoreCommandError | InvalidInput

/**
 * Everything a store must persist atomically for one write, plus the per-command results.
 * Records are final states: insert the `*Created` ones, update the `*Updated` ones (an account
 * or hold created and changed in the same batch appears only in `*Created`, in its final
 * state), set `reversedBy` for `entriesReversed`, insert `lines`, and write `events` to the
 * outbox. An empty change set (only failures and replays) means nothing to write.
 *
 * @example
 * ```ts
 * import type { LedgerCore } from "@paykit/ledger"
 * const writes = (o: LedgerCore.Outcome) => o.entriesCreated.length + o.lines.length
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Outcome {
  readonly results: ReadonlyArray<Result.Result<Success, CommandError>>
  readonly accountsCreated: ReadonlyArray<Account.Account>
  readonly accountsUpdated: ReadonlyArray<Account.Account>
  readonly entriesCreated: ReadonlyArray<Entry.Entry>
  readonly entriesReversed: ReadonlyArray<{ readonly id: string; readonly reversedBy: string }>
  readonly holdsCreated: ReadonlyArray<Hold.Hold>
  readonly holdsUpdated: ReadonlyArray<Hold.Hold>
  readonly lines: ReadonlyArray<Account.Line>
  readonly events: ReadonlyArray<DomainEvent.DomainEvent>
  /** Entry ids this write consumed (`failedIds: "consumed"`): insert them. */
  readonly failedIds: ReadonlyArray<FailedId>
}

/**
 * The short reply to a write (`LedgerStore.writeSummary`), in the manner of TigerBeetle's
 * `create_transfers`: how many commands changed the books, how many were idempotent replays or
 * changed nothing (closing a closed account), and the failures only, each with its command's
 * index. `events` holds the write's events when the request asked for them, else nothing.
 *
 * @example
 * ```ts
 * import type { LedgerCore } from "@paykit/ledger"
 * const ok = (s: LedgerCore.Summary) => s.failures.length === 0
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Summary {
  readonly applied: number
  readonly replayed: number
  readonly failures: ReadonlyArray<{ readonly index: number; readonly error: CommandError }>
  readonly events: ReadonlyArray<DomainEvent.DomainEvent>
}

/**
 * A write whose reply is a {@link Summary}: the fields of {@link Request}, plus whether the
 * reply carries the write's events (the `Ledger` asks for them only when it notifies directly).
 *
 * @example
 * ```ts
 * import type { LedgerCore } from "@paykit/ledger"
 * const r: LedgerCore.SummaryRequest = { commands: [], mode: "independent", now: 0, eventIdSeed: "01J00000000000000000000000", returnEvents: false }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface SummaryRequest extends Request {
  readonly returnEvents: boolean
}

/**
 * The content hash of an entry (`Entry.hash`): sha256 (hex) of its canonical content (kind, postings,
 * hold id, captured amount, reversed entry, timeout, description, metadata with sorted keys;
 * never ids of other records, times or balances). Two requests with the same id are the same
 * request exactly when their hashes are equal. Adapters store it; they never compute it. What
 * `Entry.hash` is for (a fingerprint for readers, not the ledger's own idempotency check, not
 * tamper evidence) is written on the field.
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * LedgerCore.entryHash({ id: "e1", kind: "transfer", postings: [{ debit: "a", credit: "b", amount: 5n, currency: "USD" }], metadata: {}, createdAt: 0, hash: "" }).length // 64
 * ```
 * @category math
 * @since 0.1.0
 */
export const entryHash: (e: Entry.Entry) => string = Hash.entryHash

/**
 * The ledger's decision function: given what the store loaded (and locked) and one write
 * request, decides every command and returns the complete change set. Pure: no I/O, no clock,
 * no randomness, never mutates the snapshot. Steps:
 *
 * 1. expire every pending hold that is due at `now` (from `snapshot.dueHolds` and any due hold a
 *    command names): release its pending amounts and write a `hold_expire` entry;
 * 2. apply the commands in order. `independent`: each command is atomic on its own (a failed
 *    command leaves no trace). `linked`: if any command fails, none is applied (the others get
 *    `LinkedCommandFailed`); expiries from step 1 still apply.
 * 3. with `failedIds: "consumed"`, record the id of every entry command that failed because of
 *    the books' state (in a failed linked batch whose culprit did, every new entry id of the
 *    batch) as consumed, with its failure (`Outcome.failedIds`).
 *
 * Each command checks, in order: shape (typed path), accounts differ / limit flags, idempotency
 * (same id + same content → the original record, `replayed: true`; different content →
 * `ExistsWithDifferent`), a consumed id (`IdAlreadyFailed`), hold state, reversal target,
 * accounts exist, currencies, closed accounts, then applies postings in order checking overflow
 * and limit flags. Whatever a command holds, deciding it never throws: an unreadable command is
 * refused with `InvalidInput` in its place.
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * const out = LedgerCore.applyBatch(LedgerCore.snapshotOf({ accounts: [], entries: [], holds: [] }), {
 *   commands: [{ _tag: "CreateAccount", id: "cash", currency: "USD", code: "asset", normal: "debit" }],
 *   mode: "independent", now: 0, eventIdSeed: "01J00000000000000000000000"
 * })
 * out.accountsCreated.length // 1
 * ```
 * @category math
 * @since 0.1.0
 */
export const applyBatch: (snapshot: Snapshot, request: Request) => Outcome = Batch.applyBatch

/**
 * The {@link Summary} of an outcome: what an adapter returns from `writeSummary` when it runs
 * the write through {@link applyBatch} (the PostgreSQL adapter does).
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * const out = LedgerCore.applyBatch(LedgerCore.snapshotOf({ accounts: [], entries: [], holds: [] }), {
 *   commands: [{ _tag: "CreateAccount", id: "cash", currency: "USD", code: "asset", normal: "debit" }],
 *   mode: "independent", now: 0, eventIdSeed: "01J00000000000000000000000"
 * })
 * LedgerCore.summarize(out, false).applied // 1
 * ```
 * @category math
 * @since 0.1.0
 */
export const summarize: (o: Outcome, returnEvents: boolean) => Summary = Batch.summarize

/**
 * The records a store must load before calling {@link applyBatch}: entries by id (for
 * idempotency and reversal targets; lock them, a reversal updates its target), holds by id (lock
 * them), and the account ids the commands name directly. Accounts of the loaded holds and
 * reversal targets, and of due holds, come from {@link lockSet}.
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * LedgerCore.readSet([{ _tag: "Reverse", id: "r1", entryId: "e1" }]).entryIds // ["e1", "r1"]
 * ```
 * @category math
 * @since 0.1.0
 */
export const readSet: (commands: ReadonlyArray<Command>) => {
  readonly entryIds: ReadonlyArray<string>
  readonly holdIds: ReadonlyArray<string>
  readonly accountIds: ReadonlyArray<string>
} = Reads.readSet

/**
 * Every account id a write touches, sorted (the order in which to lock them, to avoid
 * deadlocks): the ids the commands name, the accounts of the loaded holds (named and due) and of
 * the loaded entries that reversals target.
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * LedgerCore.lockSet([{ _tag: "CloseAccount", accountId: "b" }], { entries: [], holds: [] }) // ["b"]
 * ```
 * @category math
 * @since 0.1.0
 */
export const lockSet: (
  commands: ReadonlyArray<Command>,
  loaded: { readonly entries: ReadonlyArray<Entry.Entry>; readonly holds: ReadonlyArray<Hold.Hold> }
) => ReadonlyArray<string> = Reads.lockSet

/**
 * A {@link Snapshot} over loaded rows. `holds` should contain the named holds and every due
 * pending hold (`status = 'pending' and expires_at <= now`).
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * LedgerCore.snapshotOf({ accounts: [], entries: [], holds: [] }).account("x") // undefined
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const snapshotOf: (rows: {
  readonly accounts: ReadonlyArray<Account.Account>
  readonly entries: ReadonlyArray<Entry.Entry>
  readonly holds: ReadonlyArray<Hold.Hold>
  readonly failedIds?: ReadonlyArray<FailedId> | undefined
}) => Snapshot = Reads.snapshotOf

/**
 * True when an outcome changes nothing (only failures and replays, no expiries): a store may
 * skip the write entirely.
 *
 * @example
 * ```ts
 * import { LedgerCore } from "@paykit/ledger"
 * const out = LedgerCore.applyBatch(LedgerCore.snapshotOf({ accounts: [], entries: [], holds: [] }), { commands: [], mode: "independent", now: 0, eventIdSeed: "01J00000000000000000000000" })
 * LedgerCore.isEmpty(out) // true
 * ```
 * @category guards
 * @since 0.1.0
 */
export const isEmpty = (o: Outcome): boolean =>
  o.accountsCreated.length === 0 &&
  o.accountsUpdated.length === 0 &&
  o.entriesCreated.length === 0 &&
  o.entriesReversed.length === 0 &&
  o.holdsCreated.length === 0 &&
  o.holdsUpdated.length === 0 &&
  o.lines.length === 0 &&
  o.events.length === 0 &&
  o.failedIds.length === 0
