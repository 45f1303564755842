import { Currency, Ids, Input, InvalidInput, Money, type Notifier } from "@paykit/core"
import { Clock, Context, Effect, Layer, Option, Result, Schema } from "effect"
import * as Account from "./Account.ts"
import * as Command from "./Command.ts"
import type * as Entry from "./Entry.ts"
import {
  AccountNotFound,
  BatchTooLarge,
  EntryNotFound,
  HoldNotFound,
  LinkedCommandFailed,
  type StoreFailure
} from "./errors.ts"
import type * as Hold from "./Hold.ts"
import { tally } from "./internal/core/batch.ts"
import type * as LedgerCore from "./LedgerCore.ts"
import * as LedgerStoreModule from "./LedgerStore.ts"
import { LedgerStore } from "./LedgerStore.ts"

/**
 * Options of the ledger service. `currencies` is the registry account currencies are checked
 * against (default: ISO 4217 plus `Currency.POINTS`).
 *
 * @example
 * ```ts
 * import { Currency } from "@paykit/core"
 * import { Ledger } from "@paykit/ledger"
 * const layer = Ledger.layer({ currencies: Currency.registry([Currency.POINTS]) })
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly currencies?: Currency.Registry
  /**
   * What a command that fails because of the books' state does to its entry id:
   * - `"reusable"` (default): nothing; a retry with the same id is decided again on the books
   *   as they are then (payments retry a capture with its step's id once funds arrive);
   * - `"consumed"`: the id is consumed with its failure, and a retry gets `IdAlreadyFailed`
   *   with the first reason (TigerBeetle's `id_already_failed`), so a client that replays
   *   everything after a crash gets exactly the crash-free outcome.
   *
   * See the README's "Replays after a crash".
   */
  readonly failedIds?: LedgerCore.FailedIds
}

/**
 * An account's balances as money in its currency, signed by its normal side.
 *
 * @example
 * ```ts
 * import type { Ledger } from "@paykit/ledger"
 * const show = (b: Ledger.MoneyBalances) => b.available.toString()
 * ```
 * @category models
 * @since 0.1.0
 */
export interface MoneyBalances {
  readonly posted: Money.Money
  readonly pending: Money.Money
  readonly available: Money.Money
}

/**
 * A page of an account's statement: each entry with the account's totals and balances right
 * after it. Pass `nextAfterSeq` as `afterSeq` to get the next page (absent on the last page).
 *
 * @example
 * ```ts
 * import type { Ledger } from "@paykit/ledger"
 * const last = (p: Ledger.HistoryPage) => p.items[p.items.length - 1]?.balances.posted
 * ```
 * @category models
 * @since 0.1.0
 */
export interface HistoryPage {
  readonly accountId: string
  readonly currency: string
  readonly items: ReadonlyArray<{
    readonly entry: Entry.Entry
    readonly line: Account.Line
    readonly balances: Account.Balances
  }>
  readonly nextAfterSeq?: number
}

/**
 * The balance of an account as of a time: the totals after the last entry at or before `at`
 * (zero before the first), and `seq`, the line they come from (0 when none).
 *
 * @example
 * ```ts
 * import type { Ledger } from "@paykit/ledger"
 * const posted = (b: Ledger.BalanceAsOf) => b.posted.amount
 * ```
 * @category models
 * @since 0.1.0
 */
export interface BalanceAsOf extends MoneyBalances {
  readonly accountId: string
  readonly at: number
  readonly seq: number
}

/**
 * What single-command operations can fail with: bad input, a ledger rule, or the store.
 *
 * @example
 * ```ts
 * import type { Ledger } from "@paykit/ledger"
 * const tag = (e: Ledger.LedgerError) => e._tag
 * ```
 * @category errors
 * @since 0.1.0
 */
export type LedgerError = LedgerCore.CommandError | InvalidInput | StoreFailure

/**
 * Results of a batch, one per command, in order.
 *
 * @example
 * ```ts
 * import type { Entry, Ledger } from "@paykit/ledger"
 * import { Result } from "effect"
 * const ok = (r: Ledger.BatchResults<Entry.Entry>) => r.filter(Result.isSuccess).length
 * ```
 * @category models
 * @since 0.1.0
 */
export type BatchResults<A> = ReadonlyArray<Result.Result<A, LedgerCore.CommandError>>

/**
 * The reply of `executeSummary`: how many commands changed the books, how many were idempotent
 * replays (or changed nothing), and each failed command's index and error.
 *
 * @example
 * ```ts
 * import type { Ledger } from "@paykit/ledger"
 * const failed = (s: Ledger.BatchSummary) => s.failures.map((f) => f.index)
 * ```
 * @category models
 * @since 0.1.0
 */
export type BatchSummary = Omit<LedgerCore.Summary, "events">

/**
 * The ledger service: decodes every input with its schema, loads and decides through the
 * `LedgerStore` (one atomic write per call). The write carries its domain events: the store
 * keeps them with the change (the PostgreSQL outbox, delivered by its relay) or hands them to the
 * `Notifier` right after it (the memory store). Time comes from `Clock`, event ids from `Ids`.
 *
 * Single-command operations fail with the command's typed error. Batch operations
 * (`postBatch`, `execute`, `executeTyped`) return one `Result` per command and fail only on bad
 * input, an oversized batch or a store failure. `executeSummary` is `executeTyped` replying
 * with counts and the failures only (TigerBeetle's `create_transfers` reply): the throughput
 * path, which builds no record for a command that succeeded.
 *
 * @example
 * ```ts
 * import { Ledger } from "@paykit/ledger"
 * import { Effect } from "effect"
 * const program = Effect.gen(function* () {
 *   const ledger = yield* Ledger.Ledger
 *   yield* ledger.createAccount({ id: "cash", currency: "USD", code: "asset.cash", normal: "debit" })
 * })
 * ```
 * @category services
 * @since 0.1.0
 */
export class Ledger extends Context.Service<
  Ledger,
  {
    readonly createAccount: (input: unknown) => Effect.Effect<Account.Account, LedgerError>
    readonly closeAccount: (input: unknown) => Effect.Effect<Account.Account, LedgerError>
    readonly post: (input: unknown) => Effect.Effect<Entry.Entry, LedgerError>
    readonly hold: (input: unknown) => Effect.Effect<Hold.Hold, LedgerError>
    readonly postHold: (input: unknown) => Effect.Effect<Entry.Entry, LedgerError>
    readonly voidHold: (input: unknown) => Effect.Effect<Entry.Entry, LedgerError>
    readonly reverse: (input: unknown) => Effect.Effect<Entry.Entry, LedgerError>
    readonly postBatch: (
      input: unknown
    ) => Effect.Effect<BatchResults<Entry.Entry>, InvalidInput | BatchTooLarge | StoreFailure>
    readonly execute: (
      input: unknown
    ) => Effect.Effect<BatchResults<LedgerCore.Success>, InvalidInput | BatchTooLarge | StoreFailure>
    readonly executeTyped: (
      commands: ReadonlyArray<Command.Command>,
      mode?: Command.Mode
    ) => Effect.Effect<BatchResults<LedgerCore.Success>, InvalidInput | BatchTooLarge | StoreFailure>
    readonly executeSummary: (
      commands: ReadonlyArray<Command.Command>,
      mode?: Command.Mode
    ) => Effect.Effect<BatchSummary, InvalidInput | BatchTooLarge | StoreFailure>
    readonly expireHolds: Effect.Effect<ReadonlyArray<Hold.Hold>, StoreFailure>
    readonly getAccount: (
      id: unknown
    ) => Effect.Effect<Account.Account, InvalidInput | AccountNotFound | StoreFailure>
    readonly balances: (
      id: unknown
    ) => Effect.Effect<MoneyBalances, InvalidInput | AccountNotFound | StoreFailure>
    readonly getEntry: (
      id: unknown
    ) => Effect.Effect<Entry.Entry, InvalidInput | EntryNotFound | StoreFailure>
    readonly getHold: (id: unknown) => Effect.Effect<Hold.Hold, InvalidInput | HoldNotFound | StoreFailure>
    readonly balanceAsOf: (
      input: unknown
    ) => Effect.Effect<BalanceAsOf, InvalidInput | AccountNotFound | StoreFailure>
    readonly history: (
      input: unknown
    ) => Effect.Effect<HistoryPage, InvalidInput | AccountNotFound | StoreFailure>
  }
>()("@paykit/ledger/Ledger") {}

/** The greatest time a JavaScript `Date` holds (epoch milliseconds). */
const MAX_TIME = 8_640_000_000_000_000

/**
 * The epoch milliseconds of an ISO-8601 UTC time that names a real instant, or `undefined`:
 * `Date.parse` rolls `2026-02-30` over into March and gives `NaN` for month 13, so the time is
 * formatted back and must read the same.
 */
const instantOf = (iso: string): number | undefined => {
  const ms = Date.parse(iso)
  if (!Number.isFinite(ms)) return undefined
  const back = new Date(ms).toISOString()
  const [whole, fraction = ""] = iso.slice(0, -1).split(".")
  return back.slice(0, 19) === whole && back.slice(20, 23) === fraction.padEnd(3, "0") ? ms : undefined
}

const AsOfInput = Schema.Struct({
  accountId: Account.Id,
  at: Schema.Union([
    Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: MAX_TIME })),
    Schema.String.check(
      Schema.isPattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/, {
        message: 'expected epoch milliseconds or an ISO-8601 UTC time such as "2026-01-31T12:00:00.000Z"'
      }),
      Schema.makeFilter((s: string) => {
        const t = instantOf(s)
        return t === undefined
          ? "expected a date and time that exist (no 2026-02-30, no 24:00)"
          : t < 0
            ? "expected a time from 1970-01-01T00:00:00Z on (the ledger's clock starts at the epoch)"
            : true
      })
    )
  ])
})

/** An entry id: any id, or the id the ledger gives a hold's expiry (`<holdId>~expire`). */
const EntryId = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}(~expire)?$/, {
    message:
      "expected an entry id: 1-64 characters (letters, digits, '_', '.', ':' or '-', starting with a letter or digit), or a hold's expiry id \"<holdId>~expire\""
  })
)

const HistoryInput = Schema.Struct({
  accountId: Account.Id,
  afterSeq: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  limit: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 1000 })))
})

const BatchShape = Schema.Struct({ mode: Schema.optionalKey(Command.Mode) })

/** The length of a batch's list, read before anything is decoded (undefined: the decoder will say why). */
const batchSize = (input: unknown, key: string): number | undefined => {
  try {
    if (typeof input !== "object" || input === null) return undefined
    const list = (input as Record<string, unknown>)[key]
    return Array.isArray(list) ? list.length : undefined
  } catch {
    return undefined
  }
}

/** A typed batch after the service's own checks: the commands, and those refused with their index. */
interface Screened {
  readonly commands: ReadonlyArray<Command.Command>
  /** The batch's length, read once where reading it cannot escape. */
  readonly size: number
  readonly refused: ReadonlyArray<{ readonly index: number; readonly error: InvalidInput }>
}

/**
 * An error of the `k`-th command sent to the store, told in the caller's numbering: a bad-input
 * path `commands[k]…` names the command's position in the caller's batch.
 */
const atPosition = (
  e: LedgerCore.CommandError,
  positions: ReadonlyArray<number>
): LedgerCore.CommandError => {
  if (e._tag !== "InvalidInput") return e
  const m = /^commands\[(\d+)\]/.exec(e.path)
  const to = m === null ? undefined : positions[Number(m[1])]
  return to === undefined
    ? e
    : new InvalidInput({ ...e, path: `commands[${to}]${e.path.slice(m![0].length)}` })
}

/** Span attributes: ids and counts only, never amounts or personal data. */
const ACCOUNT_ID = "paykit.ledger.account_id"
const ENTRY_ID = "paykit.ledger.entry_id"
const HOLD_ID = "paykit.ledger.hold_id"
const COMMANDS = "paykit.ledger.commands"

/**
 * Runs an operation inside its span, `paykit.ledger.<operation>`, a child of the caller's span.
 * The span is defined once per operation (its stack frame is taken here, not on every call); its
 * attributes are set by {@link annotate} once the input is decoded or the result is known, and a
 * failure ends it with the failure, as Effect does.
 */
const traced = <Args extends ReadonlyArray<unknown>, A, E>(
  operation: string,
  f: (...args: Args) => Effect.Effect<A, E>
): ((...args: Args) => Effect.Effect<A, E>) => {
  const span = Effect.withSpan(`paykit.ledger.${operation}`)
  return (...args) => span(f(...args))
}

/** Sets attributes of the current span from a decoded input or a result, passing it on. */
const annotate =
  <A>(attributes: (a: A) => Record<string, unknown>) =>
  <E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.tap(self, (a) => Effect.annotateCurrentSpan(attributes(a)))

/** A batch's reply as span attributes: how many commands changed the books, were replays, failed. */
const counts = (s: BatchSummary) => ({
  "paykit.ledger.applied": s.applied,
  "paykit.ledger.replayed": s.replayed,
  "paykit.ledger.failed": s.failures.length
})

/** The counts of a batch's results, as `executeSummary` tells them. */
const tallied = (results: BatchResults<LedgerCore.Success>) => {
  const acc = {
    applied: 0,
    replayed: 0,
    failures: [] as Array<{ index: number; error: LedgerCore.CommandError }>
  }
  for (let i = 0; i < results.length; i++) tally(acc, results[i]!, i)
  return counts(acc)
}

const checkSize = (size: number | undefined): Effect.Effect<void, BatchTooLarge> =>
  size !== undefined && (size === 0 || size > Command.MAX_BATCH)
    ? Effect.fail(new BatchTooLarge({ size, max: Command.MAX_BATCH }))
    : Effect.void

/** A typed batch's mode: `"independent"` or `"linked"`, anything else refused as `InvalidInput`. */
const checkMode = (mode: unknown): Effect.Effect<void, InvalidInput> =>
  mode === "independent" || mode === "linked"
    ? Effect.void
    : Effect.fail(
        new InvalidInput({ operation: "execute", path: "mode", reason: 'expected "independent" or "linked"' })
      )

/**
 * Builds the ledger service from a `LedgerStore` and `Ids` in context.
 *
 * @example
 * ```ts
 * import { Ledger } from "@paykit/ledger"
 * const make = Ledger.make({})
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options = {}): Effect.Effect<Ledger["Service"], never, LedgerStore | Ids.Ids> =>
  Effect.gen(function* () {
    const store = yield* LedgerStore
    const ids = yield* Ids.Ids
    const currencies = options.currencies ?? Currency.registry([Currency.POINTS])
    const failedIds = options.failedIds ?? "reusable"

    const decodeCreate = Input.decode("createAccount", Command.createAccountInput(currencies))
    const decodeClose = Input.decode("closeAccount", Command.CloseAccountInput)
    const decodePost = Input.decode("post", Command.TransferInput)
    const decodeHold = Input.decode("hold", Command.HoldInput)
    const decodePostHold = Input.decode("postHold", Command.PostHoldInput)
    const decodeVoid = Input.decode("voidHold", Command.VoidHoldInput)
    const decodeReverse = Input.decode("reverse", Command.ReverseInput)
    const decodeBatch = Input.decode(
      "postBatch",
      Schema.Struct({ entries: Schema.Array(Command.TransferInput), ...BatchShape.fields })
    )
    const decodeExecute = Input.decode(
      "execute",
      Schema.Struct({ commands: Schema.Array(Command.commandSchema(currencies)), ...BatchShape.fields })
    )
    const decodeId = (operation: string) => Input.decode(operation, Account.Id)
    const decodeEntryId = Input.decode("getEntry", EntryId)
    const decodeAsOf = Input.decode("balanceAsOf", AsOfInput)
    const decodeHistory = Input.decode("history", HistoryInput)

    const write = (commands: ReadonlyArray<Command.Command>, mode: Command.Mode) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const eventIdSeed = yield* ids.next
        return yield* store.write({ commands, mode, now, eventIdSeed, failedIds })
      })

    /**
     * The typed path's checks before any write: the batch is an array of 1 to 10,000 commands,
     * and a new account's currency is in the registry. A command refused here gets its own
     * `InvalidInput` in its place and is not sent to the store; every other shape check is the
     * core's, which is total (whatever a command holds, it is refused in its place, never thrown).
     */
    const screenTyped = (commands: unknown): Effect.Effect<Screened, InvalidInput | BatchTooLarge> =>
      Effect.suspend((): Effect.Effect<Screened, InvalidInput | BatchTooLarge> => {
        let size: number
        try {
          if (!Array.isArray(commands))
            return Effect.fail(
              new InvalidInput({
                operation: "execute",
                path: "commands",
                reason: "expected an array of commands"
              })
            )
          size = commands.length
        } catch (e) {
          return Effect.fail(Input.unreadable("execute", e, "commands"))
        }
        return Effect.map(checkSize(size), () => screen(commands as ReadonlyArray<Command.Command>, size))
      })

    const screen = (commands: ReadonlyArray<Command.Command>, size: number): Screened => {
      let refused: Array<{ readonly index: number; readonly error: InvalidInput }> | undefined
      for (let i = 0; i < size; i++) {
        const c = commands[i]
        let currency: unknown
        try {
          if (c === null || typeof c !== "object" || c._tag !== "CreateAccount") continue
          currency = c.currency
        } catch {
          continue // unreadable: the core refuses it in its place
        }
        if (typeof currency === "string" && Result.isFailure(currencies.get(currency))) {
          refused ??= []
          refused.push({
            index: i,
            error: new InvalidInput({
              operation: "execute",
              path: `commands[${i}].currency`,
              reason: `unknown currency "${currency.slice(0, 16)}"; add it to the ledger's currency registry`
            })
          })
        }
      }
      return { commands, size, refused: refused ?? [] }
    }

    /**
     * Writes a screened batch: the commands the screen let through go to the store, and each
     * refused one gets its `InvalidInput` back in its place (in a linked batch, a refusal fails
     * the whole batch without a write).
     */
    const writeScreened = (s: Screened, mode: Command.Mode) =>
      Effect.gen(function* () {
        if (s.refused.length === 0) return (yield* write(s.commands, mode)).results
        const results = new Array<Result.Result<LedgerCore.Success, LedgerCore.CommandError>>(
          s.commands.length
        )
        for (const r of s.refused) results[r.index] = Result.fail(r.error)
        if (mode === "linked") {
          const failedIndex = s.refused[0]!.index
          for (let i = 0; i < results.length; i++)
            results[i] ??= Result.fail(new LinkedCommandFailed({ index: i, failedIndex }))
          return results
        }
        const positions: Array<number> = []
        for (let i = 0; i < results.length; i++) if (results[i] === undefined) positions.push(i)
        const o = yield* write(
          positions.map((i) => s.commands[i]!),
          mode
        )
        for (let k = 0; k < positions.length; k++)
          results[positions[k]!] = Result.mapError(o.results[k]!, (e) => atPosition(e, positions))
        return results
      })

    const one = (command: Command.Command) =>
      Effect.flatMap(write([command], "independent"), (o) => Effect.fromResult(o.results[0]!))

    const entryOf = (s: LedgerCore.Success): Entry.Entry => {
      if (s._tag !== "EntryCreated") throw new Error("expected an entry result")
      return s.entry
    }
    const holdOf = (s: LedgerCore.Success): Hold.Hold => {
      if (s._tag !== "EntryCreated" || s.hold === undefined) throw new Error("expected a hold result")
      return s.hold
    }
    const accountOf = (s: LedgerCore.Success): Account.Account => {
      if (s._tag === "EntryCreated") throw new Error("expected an account result")
      return s.account
    }

    const toMoney = (currency: string, amount: bigint): Money.Money => {
      const c = currencies.get(currency)
      return Money.fromMinorUnsafe(
        amount,
        Result.isSuccess(c)
          ? c.success
          : Currency.customUnsafe({ code: currency, exponent: 0, name: currency })
      )
    }
    const moneyBalances = (a: Account.Account, b: Account.Balances): MoneyBalances => ({
      posted: toMoney(a.currency, b.posted),
      pending: toMoney(a.currency, b.pending),
      available: toMoney(a.currency, b.available)
    })

    const loadAccount = (id: string) =>
      Effect.flatMap(store.getAccount(id), (o) =>
        Option.isSome(o) ? Effect.succeed(o.value) : Effect.fail(new AccountNotFound({ accountId: id }))
      )

    const byHold = annotate((i: { readonly id: string; readonly holdId: string }) => ({
      [ENTRY_ID]: i.id,
      [HOLD_ID]: i.holdId
    }))
    const accountId = annotate((id: string) => ({ [ACCOUNT_ID]: id }))

    return Ledger.of({
      createAccount: traced("createAccount", (input: unknown) =>
        decodeCreate(input).pipe(
          annotate((i) => ({ [ACCOUNT_ID]: i.id })),
          Effect.flatMap((i) => one({ _tag: "CreateAccount", ...i })),
          Effect.map(accountOf)
        )
      ),
      closeAccount: traced("closeAccount", (input: unknown) =>
        decodeClose(input).pipe(
          annotate((i) => ({ [ACCOUNT_ID]: i.accountId })),
          Effect.flatMap((i) => one({ _tag: "CloseAccount", ...i })),
          Effect.map(accountOf)
        )
      ),
      post: traced("post", (input: unknown) =>
        decodePost(input).pipe(
          annotate((i) => ({ [ENTRY_ID]: i.id, "paykit.ledger.postings": i.postings.length })),
          Effect.flatMap((i) => one({ _tag: "Transfer", ...i })),
          Effect.map(entryOf)
        )
      ),
      hold: traced("hold", (input: unknown) =>
        decodeHold(input).pipe(
          annotate((i) => ({ [HOLD_ID]: i.id })),
          Effect.flatMap((i) => one({ _tag: "CreateHold", ...i })),
          Effect.map(holdOf)
        )
      ),
      postHold: traced("postHold", (input: unknown) =>
        decodePostHold(input).pipe(
          byHold,
          Effect.flatMap((i) => one({ _tag: "PostHold", ...i })),
          Effect.map(entryOf)
        )
      ),
      voidHold: traced("voidHold", (input: unknown) =>
        decodeVoid(input).pipe(
          byHold,
          Effect.flatMap((i) => one({ _tag: "VoidHold", ...i })),
          Effect.map(entryOf)
        )
      ),
      reverse: traced("reverse", (input: unknown) =>
        decodeReverse(input).pipe(
          annotate((i) => ({ [ENTRY_ID]: i.id, "paykit.ledger.reversed_entry_id": i.entryId })),
          Effect.flatMap((i) => one({ _tag: "Reverse", ...i })),
          Effect.map(entryOf)
        )
      ),
      postBatch: traced("postBatch", (input: unknown) =>
        checkSize(batchSize(input, "entries")).pipe(
          Effect.andThen(decodeBatch(input)),
          annotate((b) => ({ [COMMANDS]: b.entries.length })),
          Effect.flatMap((b) => {
            const commands = new Array<Command.Command>(b.entries.length)
            for (let i = 0; i < b.entries.length; i++) commands[i] = { _tag: "Transfer", ...b.entries[i]! }
            return write(commands, b.mode ?? "independent")
          }),
          annotate((o) => tallied(o.results)),
          Effect.map((o) => o.results.map((r) => Result.map(r, entryOf)))
        )
      ),
      execute: traced("execute", (input: unknown) =>
        checkSize(batchSize(input, "commands")).pipe(
          Effect.andThen(decodeExecute(input)),
          annotate((b) => ({ [COMMANDS]: b.commands.length })),
          Effect.flatMap((b) => write(b.commands, b.mode ?? "independent")),
          Effect.map((o) => o.results),
          annotate(tallied)
        )
      ),
      executeTyped: traced(
        "executeTyped",
        (commands: ReadonlyArray<Command.Command>, mode: Command.Mode = "independent") =>
          Effect.andThen(checkMode(mode), screenTyped(commands)).pipe(
            annotate((s) => ({ [COMMANDS]: s.size })),
            Effect.flatMap((s) => writeScreened(s, mode)),
            annotate(tallied)
          )
      ),
      executeSummary: traced(
        "executeSummary",
        (commands: ReadonlyArray<Command.Command>, mode: Command.Mode = "independent") =>
          Effect.gen(function* () {
            yield* checkMode(mode)
            const s = yield* screenTyped(commands)
            yield* Effect.annotateCurrentSpan(COMMANDS, s.size)
            if (s.refused.length > 0 && mode === "linked") {
              const failedIndex = s.refused[0]!.index
              const failures = s.commands.map((_, index) => ({
                index,
                error:
                  s.refused.find((r) => r.index === index)?.error ??
                  new LinkedCommandFailed({ index, failedIndex })
              }))
              return { applied: 0, replayed: 0, failures }
            }
            const positions: Array<number> = []
            if (s.refused.length > 0) {
              const refused = new Set(s.refused.map((r) => r.index))
              for (let i = 0; i < s.commands.length; i++) if (!refused.has(i)) positions.push(i)
            }
            const now = yield* Clock.currentTimeMillis
            const eventIdSeed = yield* ids.next
            const summary = yield* store.writeSummary({
              commands: s.refused.length === 0 ? s.commands : positions.map((i) => s.commands[i]!),
              mode,
              now,
              eventIdSeed,
              failedIds,
              returnEvents: false
            })
            if (s.refused.length === 0)
              return { applied: summary.applied, replayed: summary.replayed, failures: summary.failures }
            const failures = [
              ...summary.failures.map((f) => ({
                index: positions[f.index]!,
                error: atPosition(f.error, positions)
              })),
              ...s.refused
            ].sort((a, b) => a.index - b.index)
            return { applied: summary.applied, replayed: summary.replayed, failures }
          }).pipe(annotate(counts))
      ),
      expireHolds: traced("expireHolds", () =>
        Effect.map(write([], "independent"), (o) =>
          o.holdsUpdated.filter((h) => h.status === "expired")
        ).pipe(annotate((expired) => ({ "paykit.ledger.expired": expired.length })))
      )(),
      getAccount: traced("getAccount", (id: unknown) =>
        decodeId("getAccount")(id).pipe(accountId, Effect.flatMap(loadAccount))
      ),
      balances: traced("balances", (id: unknown) =>
        decodeId("balances")(id).pipe(
          accountId,
          Effect.flatMap(loadAccount),
          Effect.map((a) => moneyBalances(a, Account.balances(a)))
        )
      ),
      getEntry: traced("getEntry", (id: unknown) =>
        decodeEntryId(id).pipe(
          annotate((entryId) => ({ [ENTRY_ID]: entryId })),
          Effect.flatMap((entryId) =>
            Effect.flatMap(store.getEntry(entryId), (o) =>
              Option.isSome(o) ? Effect.succeed(o.value) : Effect.fail(new EntryNotFound({ entryId }))
            )
          )
        )
      ),
      getHold: traced("getHold", (id: unknown) =>
        decodeId("getHold")(id).pipe(
          annotate((holdId) => ({ [HOLD_ID]: holdId })),
          Effect.flatMap((holdId) =>
            Effect.flatMap(store.getHold(holdId), (o) =>
              Option.isSome(o) ? Effect.succeed(o.value) : Effect.fail(new HoldNotFound({ holdId }))
            )
          )
        )
      ),
      balanceAsOf: traced("balanceAsOf", (input: unknown) =>
        Effect.gen(function* () {
          const i = yield* decodeAsOf(input)
          yield* Effect.annotateCurrentSpan(ACCOUNT_ID, i.accountId)
          const at = typeof i.at === "number" ? i.at : instantOf(i.at)!
          const account = yield* loadAccount(i.accountId)
          const line = yield* store.lineAsOf(i.accountId, at)
          const totals = Option.isSome(line)
            ? { ...line.value, normal: account.normal }
            : {
                debitsPosted: 0n,
                creditsPosted: 0n,
                debitsPending: 0n,
                creditsPending: 0n,
                normal: account.normal
              }
          return {
            accountId: i.accountId,
            at,
            seq: Option.isSome(line) ? line.value.seq : 0,
            ...moneyBalances(account, Account.balances(totals))
          }
        })
      ),
      history: traced("history", (input: unknown) =>
        Effect.gen(function* () {
          const i = yield* decodeHistory(input)
          yield* Effect.annotateCurrentSpan(ACCOUNT_ID, i.accountId)
          const account = yield* loadAccount(i.accountId)
          const limit = i.limit ?? 100
          const rows = yield* store.history(i.accountId, { afterSeq: i.afterSeq ?? 0, limit: limit + 1 })
          const items = rows.slice(0, limit).map((r) => ({
            entry: r.entry,
            line: r.line,
            balances: Account.balances({ ...r.line, normal: account.normal })
          }))
          const last = items[items.length - 1]
          yield* Effect.annotateCurrentSpan("paykit.ledger.entries", items.length)
          return {
            accountId: account.id,
            currency: account.currency,
            items,
            ...(rows.length > limit && last !== undefined ? { nextAfterSeq: last.line.seq } : {})
          }
        })
      )
    })
  })

/**
 * The ledger service over the `LedgerStore` and `Ids` in context.
 *
 * @example
 * ```ts
 * import { Ids, Notifier } from "@paykit/core"
 * import { Ledger, LedgerStore } from "@paykit/ledger"
 * import { Layer } from "effect"
 * const live = Ledger.layer().pipe(
 *   Layer.provide(LedgerStore.layerMemory),
 *   Layer.provide([Notifier.layerMemory, Ids.layer])
 * )
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: Options = {}): Layer.Layer<Ledger, never, LedgerStore | Ids.Ids> =>
  Layer.effect(Ledger, make(options))

/**
 * The ledger on a fresh in-memory store, which hands each write's events to the `Notifier`
 * (still needs a `Notifier` and `Ids`).
 *
 * @example
 * ```ts
 * import { Ids, Notifier } from "@paykit/core"
 * import { Ledger } from "@paykit/ledger"
 * import { Layer } from "effect"
 * const test = Ledger.layerMemory().pipe(Layer.provide([Notifier.layerMemory, Ids.layerSeeded(1)]))
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerMemory = (options: Options = {}): Layer.Layer<Ledger, never, Notifier.Notifier | Ids.Ids> =>
  layer(options).pipe(Layer.provide(LedgerStoreModule.layerMemory))
