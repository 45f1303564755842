import { Client, Currency, Ids, Input, type InvalidInput, Money, type Notifier } from "@paykit/core"
import { Context, Effect, Layer, Option, Result } from "effect"
import * as Account from "./Account.ts"
import * as Command from "./Command.ts"
import type * as Entry from "./Entry.ts"
import {
  AccountNotFound,
  type BatchTooLarge,
  EntryNotFound,
  HoldNotFound,
  type StoreFailure
} from "./errors.ts"
import type * as Hold from "./Hold.ts"
import { makeWrites } from "./internal/service/batch.ts"
import { AsOfInput, EntryId, HistoryInput, instantOf } from "./internal/service/inputs.ts"
import { ACCOUNT_ID, annotate, ENTRY_ID, HOLD_ID, traced } from "./internal/service/spans.ts"
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
 * What the batch operations fail with as a whole: a bad mode or a list that is not an array
 * (`InvalidInput`), an empty or oversized batch (`BatchTooLarge`), or the store. A command's own
 * failure is in its place in the reply instead.
 *
 * @example
 * ```ts
 * import type { Ledger } from "@paykit/ledger"
 * const retry = (e: Ledger.BatchError) => e._tag === "StoreFailure"
 * ```
 * @category errors
 * @since 0.3.0
 */
export type BatchError = InvalidInput | BatchTooLarge | StoreFailure

/**
 * Input of `createAccount` as a caller writes it: the encoded type of
 * `Command.createAccountInput()` (the currency is checked against the ledger's registry).
 *
 * @example
 * ```ts
 * import type { Ledger } from "@paykit/ledger"
 * const cash: Ledger.CreateAccountInput = { id: "cash", currency: "USD", code: "asset.cash", normal: "debit" }
 * ```
 * @category models
 * @since 0.3.0
 */
export type CreateAccountInput = ReturnType<typeof Command.createAccountInput>["Encoded"]

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
 * Every method takes its input as the schema's encoded type (amounts as integer strings, the
 * JSON form, or bigints): a misspelt field is a compile error, and the input is still decoded at
 * run time, so input from outside (JSON, `as never`) gets a typed `InvalidInput`, never a throw.
 *
 * Single-command operations fail with the command's typed error. The two batch operations take
 * commands (typed `Command`s or their JSON form) and a mode, and fail as a whole only on a bad
 * mode, a list that is not an array of 1 to 10,000, or a store failure; each command that fails
 * has its own error in its place. `executeResults` replies with one `Result` per command;
 * `executeSummary` with counts and the failures only (TigerBeetle's `create_transfers` reply),
 * the throughput path, which builds no record for a command that succeeded. A command whose
 * amounts are bigints (built in typed code) skips the schema; the core checks its shape.
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
    readonly createAccount: (input: CreateAccountInput) => Effect.Effect<Account.Account, LedgerError>
    readonly closeAccount: (
      input: typeof Command.CloseAccountInput.Encoded
    ) => Effect.Effect<Account.Account, LedgerError>
    readonly post: (input: typeof Command.TransferInput.Encoded) => Effect.Effect<Entry.Entry, LedgerError>
    readonly hold: (input: typeof Command.HoldInput.Encoded) => Effect.Effect<Hold.Hold, LedgerError>
    readonly postHold: (
      input: typeof Command.PostHoldInput.Encoded
    ) => Effect.Effect<Entry.Entry, LedgerError>
    readonly voidHold: (
      input: typeof Command.VoidHoldInput.Encoded
    ) => Effect.Effect<Entry.Entry, LedgerError>
    readonly reverse: (input: typeof Command.ReverseInput.Encoded) => Effect.Effect<Entry.Entry, LedgerError>
    readonly executeResults: (
      commands: ReadonlyArray<Command.Input>,
      mode?: Command.Mode
    ) => Effect.Effect<BatchResults<LedgerCore.Success>, BatchError>
    readonly executeSummary: (
      commands: ReadonlyArray<Command.Input>,
      mode?: Command.Mode
    ) => Effect.Effect<BatchSummary, BatchError>
    readonly expireHolds: Effect.Effect<ReadonlyArray<Hold.Hold>, StoreFailure>
    readonly getAccount: (
      id: string
    ) => Effect.Effect<Account.Account, InvalidInput | AccountNotFound | StoreFailure>
    readonly balances: (
      id: string
    ) => Effect.Effect<MoneyBalances, InvalidInput | AccountNotFound | StoreFailure>
    readonly getEntry: (id: string) => Effect.Effect<Entry.Entry, InvalidInput | EntryNotFound | StoreFailure>
    readonly getHold: (id: string) => Effect.Effect<Hold.Hold, InvalidInput | HoldNotFound | StoreFailure>
    readonly balanceAsOf: (
      input: typeof AsOfInput.Encoded
    ) => Effect.Effect<BalanceAsOf, InvalidInput | AccountNotFound | StoreFailure>
    readonly history: (
      input: typeof HistoryInput.Encoded
    ) => Effect.Effect<HistoryPage, InvalidInput | AccountNotFound | StoreFailure>
  }
>()("@paykit/ledger/Ledger") {}

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
    const writes = makeWrites({ store, ids, currencies, failedIds })

    const decodeCreate = Input.decode("createAccount", Command.createAccountInput(currencies))
    const decodeClose = Input.decode("closeAccount", Command.CloseAccountInput)
    const decodePost = Input.decode("post", Command.TransferInput)
    const decodeHold = Input.decode("hold", Command.HoldInput)
    const decodePostHold = Input.decode("postHold", Command.PostHoldInput)
    const decodeVoid = Input.decode("voidHold", Command.VoidHoldInput)
    const decodeReverse = Input.decode("reverse", Command.ReverseInput)
    const decodeId = (operation: string) => Input.decode(operation, Account.Id)
    const decodeEntryId = Input.decode("getEntry", EntryId)
    const decodeAsOf = Input.decode("balanceAsOf", AsOfInput)
    const decodeHistory = Input.decode("history", HistoryInput)

    const one = (command: Command.Command) =>
      Effect.flatMap(writes.write([command], "independent"), (o) => Effect.fromResult(o.results[0]!))

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
      executeResults: traced("executeResults", (commands: unknown, mode: unknown = "independent") =>
        writes.results(commands, mode)
      ),
      executeSummary: traced("executeSummary", (commands: unknown, mode: unknown = "independent") =>
        writes.summary(commands, mode)
      ),
      expireHolds: traced("expireHolds", () =>
        Effect.map(writes.write([], "independent"), (o) =>
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

/**
 * The ledger as a Promise client, for code not written with Effect: every method returns a
 * `Promise` and rejects with the typed error itself (`e instanceof InsufficientFunds`,
 * `switch (e._tag)`). One runtime per client: build it once (at module load), share it across
 * requests, and `dispose()` it on shutdown (or `await using`), which closes the layer's pool.
 *
 * @example
 * ```ts
 * import { Ids, Notifier } from "@paykit/core"
 * import { Ledger } from "@paykit/ledger"
 * import { Layer } from "effect"
 * const ledger = Ledger.client(Ledger.layerMemory().pipe(Layer.provide([Notifier.layerMemory, Ids.layer])))
 * await ledger.createAccount({ id: "cash", currency: "USD", code: "asset.cash", normal: "debit" })
 * await ledger.dispose()
 * ```
 * @category constructors
 * @since 0.3.0
 */
export const client = <E>(layer: Layer.Layer<Ledger, E>): LedgerClient<E> => Client.make(Ledger, layer)

/**
 * The type of {@link client}: the ledger's methods as Promises, plus `ready`, `dispose`,
 * `[Symbol.asyncDispose]` and the `runtime` (to run other effects on the same layer).
 *
 * @example
 * ```ts
 * import type { Ledger } from "@paykit/ledger"
 * const open = (ledger: Ledger.LedgerClient) =>
 *   ledger.createAccount({ id: "cash", currency: "USD", code: "asset.cash", normal: "debit" })
 * ```
 * @category models
 * @since 0.3.0
 */
export type LedgerClient<E = never> = Client.Client<Ledger["Service"], Ledger, E>
