import { Notifier } from "@paykit/core"
import { Effect, Layer, Option, Result } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import type * as Account from "../Account.ts"
import type { Command, Mode } from "../Command.ts"
import * as LedgerCore from "../LedgerCore.ts"
import { LedgerStore } from "../LedgerStore.ts"
import * as Model from "./Model.ts"
import * as ReferenceStore from "./ReferenceStore.ts"

/**
 * Options of the contract suite. `numRuns` is the number of random command sequences of the
 * model-based property (default 100; use fewer on slow stores), `fibers` the number of
 * concurrent writers in the concurrency tests (default 40).
 *
 * @example
 * ```ts
 * import { LedgerStoreContract } from "@paykit/ledger/testing"
 * const slow: LedgerStoreContract.Options = { numRuns: 20, fibers: 10 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly numRuns?: number
  readonly fibers?: number
  readonly timeout?: number
}

const SEED = "01J0000000000000000000000Z"

/**
 * Sends one write to the store in context and returns its outcome.
 *
 * @example
 * ```ts
 * import { LedgerStoreContract } from "@paykit/ledger/testing"
 * const write = LedgerStoreContract.write([{ _tag: "CloseAccount", accountId: "a" }], 0)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const write = (
  commands: ReadonlyArray<Command>,
  now: number,
  mode: Mode = "independent",
  eventIdSeed: string = SEED
): Effect.Effect<LedgerCore.Outcome, unknown, LedgerStore> =>
  Effect.gen(function* () {
    const store = yield* LedgerStore
    return yield* store.write({ commands, mode, now, eventIdSeed })
  })

const tags = (o: LedgerCore.Outcome): ReadonlyArray<string> =>
  o.results.map((r) => (Result.isSuccess(r) ? `ok:${r.success._tag}` : `err:${r.failure._tag}`))

const accounts: ReadonlyArray<Command> = [
  { _tag: "CreateAccount", id: "cash", currency: "USD", code: "asset.cash", normal: "debit" },
  {
    _tag: "CreateAccount",
    id: "wallet",
    currency: "USD",
    code: "liability.wallet",
    normal: "credit",
    debitsMustNotExceedCredits: true
  },
  { _tag: "CreateAccount", id: "merchant", currency: "USD", code: "liability.merchant", normal: "credit" },
  { _tag: "CreateAccount", id: "eur", currency: "EUR", code: "asset.cash", normal: "debit" }
]

const fund = (id: string, amount: bigint): Command => ({
  _tag: "Transfer",
  id,
  postings: [{ debit: "cash", credit: "wallet", amount, currency: "USD" }]
})

/** From the wallet (whose debits may not exceed its credits) to the merchant. */
const spend = (id: string, amount: bigint): Command => ({
  _tag: "Transfer",
  id,
  postings: [{ debit: "wallet", credit: "merchant", amount, currency: "USD" }]
})

const getAccount = (id: string) =>
  Effect.gen(function* () {
    const store = yield* LedgerStore
    return Option.getOrThrow(yield* store.getAccount(id))
  })

const totals = (a: Account.Account) => [a.debitsPosted, a.creditsPosted, a.debitsPending, a.creditsPending]

const summaryRuns = (options: Options): number => Math.max(10, Math.ceil((options.numRuns ?? 100) / 2))

/** Amounts for plain transfers: small ones, ones around the column path's 2^62 and 2^64 bounds, and past the range. */
const summaryAmount = fc.oneof(
  { weight: 8, arbitrary: fc.bigInt({ min: 1n, max: 1_000n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: (1n << 62n) - 3n, max: (1n << 62n) + 3n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: (1n << 64n) - 3n, max: (1n << 64n) + 3n }) },
  { weight: 1, arbitrary: fc.constantFrom((1n << 126n) + 1n, (1n << 127n) - 1n, 1n << 127n) }
)

/** A failure as text: its index, tag, message and every field, so two errors compare exactly. */
const failureText = (f: { readonly index: number; readonly error: LedgerCore.CommandError }): string =>
  `${f.index} ${f.error._tag}: ${f.error.message} ${JSON.stringify({ ...f.error }, (_, v) => (typeof v === "bigint" ? `${v}n` : v))}`

const summaryAccount = fc.constantFrom("s0", "s1", "s2", "s3", "lim", "cap", "eur", "gone", "nobody")

/** A plain transfer most of the time (the column path), or any other command (the core's path). */
const summaryCommand: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .record({
        id: fc.integer({ min: 0, max: 24 }),
        debit: summaryAccount,
        credit: summaryAccount,
        amount: summaryAmount,
        currency: fc.constantFrom("USD", "USD", "USD", "EUR")
      })
      .map(
        (t): Command => ({
          _tag: "Transfer",
          id: `t${t.id}`,
          postings: [{ debit: t.debit, credit: t.credit, amount: t.amount, currency: t.currency }]
        })
      )
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ id: fc.integer({ min: 0, max: 24 }), amount: summaryAmount, note: fc.constantFrom("a", "b") })
      .map(
        (t): Command => ({
          _tag: "Transfer",
          id: `t${t.id}`,
          postings: [{ debit: "s0", credit: "s1", amount: t.amount, currency: "USD" }],
          metadata: { note: t.note }
        })
      )
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        id: fc.integer({ min: 0, max: 5 }),
        debit: summaryAccount,
        amount: fc.bigInt({ min: 1n, max: 500n }),
        timeoutMs: fc.option(fc.integer({ min: 1, max: 3_000 }), { nil: undefined })
      })
      .map(
        (h): Command => ({
          _tag: "CreateHold",
          id: `h${h.id}`,
          debit: h.debit,
          credit: "s3",
          amount: h.amount,
          currency: "USD",
          ...(h.timeoutMs === undefined ? {} : { timeoutMs: h.timeoutMs })
        })
      )
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        id: fc.integer({ min: 0, max: 5 }),
        holdId: fc.integer({ min: 0, max: 5 }),
        post: fc.boolean()
      })
      .map(
        (h): Command =>
          h.post
            ? { _tag: "PostHold", id: `p${h.id}`, holdId: `h${h.holdId}` }
            : { _tag: "VoidHold", id: `v${h.id}`, holdId: `h${h.holdId}` }
      )
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ id: fc.integer({ min: 0, max: 3 }), entry: fc.integer({ min: 0, max: 24 }) })
      .map((r): Command => ({ _tag: "Reverse", id: `r${r.id}`, entryId: `t${r.entry}` }))
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Command>(
      { _tag: "CloseAccount", accountId: "s2" },
      { _tag: "CreateAccount", id: "s3", currency: "USD", code: "x", normal: "debit" },
      { _tag: "Transfer", id: "bad", postings: [{ debit: "s0", credit: "s1", amount: 0n, currency: "USD" }] },
      {
        _tag: "Transfer",
        id: "bad two",
        postings: [{ debit: "s0", credit: "s1", amount: 5n, currency: "USD" }]
      }
    )
  }
)

const summaryAccounts: ReadonlyArray<Command> = [
  { _tag: "CreateAccount", id: "s0", currency: "USD", code: "asset", normal: "debit" },
  { _tag: "CreateAccount", id: "s1", currency: "USD", code: "liability", normal: "credit" },
  { _tag: "CreateAccount", id: "s2", currency: "USD", code: "liability", normal: "credit" },
  { _tag: "CreateAccount", id: "s3", currency: "USD", code: "x", normal: "debit" },
  {
    _tag: "CreateAccount",
    id: "lim",
    currency: "USD",
    code: "liability",
    normal: "credit",
    debitsMustNotExceedCredits: true
  },
  {
    _tag: "CreateAccount",
    id: "cap",
    currency: "USD",
    code: "asset",
    normal: "debit",
    creditsMustNotExceedDebits: true
  },
  { _tag: "CreateAccount", id: "eur", currency: "EUR", code: "asset", normal: "debit" },
  { _tag: "CreateAccount", id: "gone", currency: "USD", code: "asset", normal: "debit" },
  { _tag: "CloseAccount", accountId: "gone" }
]

/** Writes for the `writeSummary` property: the accounts first, then random batches. */
const summaryWrites = fc
  .array(
    fc.record({
      commands: fc.array(summaryCommand, { minLength: 0, maxLength: 12 }),
      mode: fc.constantFrom<Mode>("independent", "independent", "independent", "linked"),
      advance: fc.integer({ min: 0, max: 1_500 }),
      returnEvents: fc.boolean(),
      failedIds: fc.constantFrom<LedgerCore.FailedIds>("reusable", "consumed", "consumed")
    }),
    { minLength: 1, maxLength: 12 }
  )
  .map((ws) => [
    {
      commands: summaryAccounts,
      mode: "independent" as Mode,
      advance: 0,
      returnEvents: true,
      failedIds: "reusable" as LedgerCore.FailedIds
    },
    ...ws
  ])

/**
 * The `LedgerStore` contract: every adapter runs this suite with a layer that provides a fresh,
 * empty store per test. It pins the adapter-visible semantics: atomic writes, change sets,
 * idempotency, hold records (a capture is a new `hold_post` entry and the hold row is updated in
 * place), expiry at the next write, reversals, lines and as-of reads, the outbox, serialised
 * concurrent writers, and the model-based property over random command sequences.
 *
 * @example
 * ```ts
 * import { LedgerStore } from "@paykit/ledger"
 * import { LedgerStoreContract } from "@paykit/ledger/testing"
 * LedgerStoreContract.suite("memory", LedgerStore.layerMemory, { numRuns: 200 })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const suite = (
  name: string,
  storeLayer: Layer.Layer<LedgerStore, unknown, Notifier.Notifier>,
  options: Options = {}
): void => {
  // a memory store hands its events to a Notifier; the suite reads them from `dump`
  const layer = storeLayer.pipe(Layer.provide(Notifier.layerNoop))
  const run = <A, E>(effect: Effect.Effect<A, E, LedgerStore>): Promise<A> =>
    Effect.runPromise(Effect.provide(effect, layer) as Effect.Effect<A, E>)
  const timeout = options.timeout ?? 60_000
  const fibers = options.fibers ?? 40

  describe(`LedgerStore contract: ${name}`, () => {
    it(
      "creates accounts and posts a transfer: balances, version, entry with hash, one line per account",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const created = yield* write(accounts, 1_000)
            expect(tags(created)).toEqual(accounts.map(() => "ok:AccountCreated"))
            expect(created.accountsCreated.map((a) => a.id)).toEqual(["cash", "wallet", "merchant", "eur"])
            const out = yield* write([fund("e1", 500n)], 2_000)
            expect(tags(out)).toEqual(["ok:EntryCreated"])
            const cash = yield* getAccount("cash")
            const wallet = yield* getAccount("wallet")
            expect(totals(cash)).toEqual([500n, 0n, 0n, 0n])
            expect(totals(wallet)).toEqual([0n, 500n, 0n, 0n])
            expect(cash.version).toBe(1)
            expect(wallet.createdAt).toBe(1_000)
            const store = yield* LedgerStore
            const entry = Option.getOrThrow(yield* store.getEntry("e1"))
            expect(entry.kind).toBe("transfer")
            expect(entry.createdAt).toBe(2_000)
            expect(entry.hash).toBe(LedgerCore.entryHash(entry))
            expect(entry.postings).toEqual([
              { debit: "cash", credit: "wallet", amount: 500n, currency: "USD" }
            ])
            const history = yield* store.history("wallet", { afterSeq: 0, limit: 10 })
            expect(history.map((h) => [h.line.seq, h.line.entryId, h.line.at, h.line.creditsPosted])).toEqual(
              [[1, "e1", 2_000, 500n]]
            )
            expect(history[0]!.entry.id).toBe("e1")
            expect(Option.isNone(yield* store.getEntry("nope"))).toBe(true)
            expect(Option.isNone(yield* store.getAccount("nope"))).toBe(true)
          })
        )
    )

    it("a failed command changes nothing; in independent mode its neighbours still apply", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* LedgerStore
          yield* write([...accounts, fund("e1", 100n)], 0)
          const before = yield* store.dump
          const bad: Command = {
            _tag: "Transfer",
            id: "bad",
            postings: [
              { debit: "cash", credit: "wallet", amount: 5n, currency: "USD" },
              { debit: "cash", credit: "ghost", amount: 5n, currency: "USD" }
            ]
          }
          const out = yield* write([bad], 10)
          expect(tags(out)).toEqual(["err:AccountNotFound"])
          expect(LedgerCore.isEmpty(out)).toBe(true)
          expect(yield* store.dump).toEqual(before)
          const mixed = yield* write([bad, fund("e2", 7n)], 20)
          expect(tags(mixed)).toEqual(["err:AccountNotFound", "ok:EntryCreated"])
          expect(totals(yield* getAccount("wallet"))).toEqual([0n, 107n, 0n, 0n])
        })
      )
    )

    it("a linked batch is all or nothing", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* LedgerStore
          yield* write(accounts, 0)
          const before = yield* store.dump
          const out = yield* write(
            [
              fund("e1", 100n),
              {
                _tag: "Transfer",
                id: "e2",
                postings: [{ debit: "wallet", credit: "merchant", amount: 101n, currency: "USD" }]
              }
            ],
            10,
            "linked"
          )
          expect(tags(out)).toEqual(["err:LinkedCommandFailed", "err:ExceedsCredits"])
          expect(yield* store.dump).toEqual(before)
          const ok = yield* write(
            [
              fund("e1", 100n),
              {
                _tag: "Transfer",
                id: "e2",
                postings: [{ debit: "wallet", credit: "merchant", amount: 100n, currency: "USD" }]
              }
            ],
            20,
            "linked"
          )
          expect(tags(ok)).toEqual(["ok:EntryCreated", "ok:EntryCreated"])
          expect(totals(yield* getAccount("wallet"))).toEqual([100n, 100n, 0n, 0n])
        })
      )
    )

    it(
      "idempotency: same id and content replays without effect; different content names the field",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* LedgerStore
            yield* write([...accounts, fund("e1", 100n)], 0)
            const before = yield* store.dump
            const again = yield* write([fund("e1", 100n)], 50)
            const r = again.results[0]!
            expect(Result.isSuccess(r) && r.success._tag === "EntryCreated" && r.success.replayed).toBe(true)
            expect(LedgerCore.isEmpty(again)).toBe(true)
            expect(yield* store.dump).toEqual(before)
            const diff = yield* write([fund("e1", 101n)], 60)
            const f = diff.results[0]!
            expect(Result.isFailure(f) && f.failure._tag === "ExistsWithDifferent" && f.failure.field).toBe(
              "postings"
            )
            const meta = yield* write([{ ...fund("e1", 100n), metadata: { k: "v" } } as Command], 60)
            const m = meta.results[0]!
            expect(Result.isFailure(m) && m.failure._tag === "ExistsWithDifferent" && m.failure.field).toBe(
              "metadata"
            )
            const acc = yield* write([{ ...accounts[0]!, code: "other" } as Command], 60)
            const a = acc.results[0]!
            expect(Result.isFailure(a) && a.failure._tag === "ExistsWithDifferent" && a.failure.field).toBe(
              "code"
            )
            expect(yield* store.dump).toEqual(before)
            // a failure does not consume the id: the same id succeeds once the state allows it
            const spend: Command = {
              _tag: "Transfer",
              id: "s1",
              postings: [{ debit: "wallet", credit: "merchant", amount: 150n, currency: "USD" }]
            }
            expect(tags(yield* write([spend], 70))).toEqual(["err:ExceedsCredits"])
            yield* write([fund("e2", 50n)], 80)
            expect(tags(yield* write([spend], 90))).toEqual(["ok:EntryCreated"])
          })
        )
    )

    it(
      "holds: creation reserves, capture is a new hold_post entry and updates the hold in place",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* LedgerStore
            yield* write([...accounts, fund("e1", 100n)], 0)
            const hold: Command = {
              _tag: "CreateHold",
              id: "h1",
              debit: "wallet",
              credit: "merchant",
              amount: 60n,
              currency: "USD",
              timeoutMs: 1_000
            }
            expect(tags(yield* write([hold], 10))).toEqual(["ok:EntryCreated"])
            expect(totals(yield* getAccount("wallet"))).toEqual([0n, 100n, 60n, 0n])
            const h = Option.getOrThrow(yield* store.getHold("h1"))
            expect(h).toMatchObject({ status: "pending", amount: 60n, expiresAt: 1_010, postedAmount: 0n })
            expect(Option.getOrThrow(yield* store.getEntry("h1")).kind).toBe("hold")
            // a second hold beyond the available balance fails
            const over = yield* write([{ ...hold, id: "h2", amount: 41n } as Command], 20)
            expect(tags(over)).toEqual(["err:ExceedsCredits"])
            const post = yield* write([{ _tag: "PostHold", id: "p1", holdId: "h1", amount: 25n }], 30)
            expect(tags(post)).toEqual(["ok:EntryCreated"])
            expect(totals(yield* getAccount("wallet"))).toEqual([25n, 100n, 0n, 0n])
            expect(totals(yield* getAccount("merchant"))).toEqual([0n, 25n, 0n, 0n])
            const p1 = Option.getOrThrow(yield* store.getEntry("p1"))
            expect(p1).toMatchObject({ kind: "hold_post", holdId: "h1" })
            expect(p1.postings).toEqual([
              { debit: "wallet", credit: "merchant", amount: 25n, currency: "USD" }
            ])
            expect(Option.getOrThrow(yield* store.getHold("h1"))).toMatchObject({
              status: "posted",
              postedAmount: 25n,
              resolvedBy: "p1",
              resolvedAt: 30
            })
            expect(Option.getOrThrow(yield* store.getEntry("h1")).kind).toBe("hold")
            expect(post.holdsUpdated.map((x) => x.id)).toEqual(["h1"])
            expect(post.entriesCreated.map((x) => x.id)).toEqual(["p1"])
            const again = yield* write(
              [
                { _tag: "PostHold", id: "p2", holdId: "h1" },
                { _tag: "VoidHold", id: "v1", holdId: "h1" }
              ],
              40
            )
            expect(tags(again)).toEqual(["err:HoldAlreadyResolved", "err:HoldAlreadyResolved"])
            const big = yield* write([{ ...hold, id: "h3", amount: 10n } as Command], 50)
            expect(tags(big)).toEqual(["ok:EntryCreated"])
            expect(
              tags(yield* write([{ _tag: "PostHold", id: "p3", holdId: "h3", amount: 11n }], 60))
            ).toEqual(["err:AmountExceedsHold"])
            expect(tags(yield* write([{ _tag: "VoidHold", id: "v3", holdId: "h3" }], 60))).toEqual([
              "ok:EntryCreated"
            ])
            expect(Option.getOrThrow(yield* store.getHold("h3"))).toMatchObject({
              status: "voided",
              resolvedBy: "v3"
            })
            expect(Option.getOrThrow(yield* store.getEntry("v3")).kind).toBe("hold_void")
            expect(totals(yield* getAccount("wallet"))).toEqual([25n, 100n, 0n, 0n])
            expect(tags(yield* write([{ _tag: "PostHold", id: "x", holdId: "nope" }], 70))).toEqual([
              "err:HoldNotFound"
            ])
          })
        )
    )

    it("expiry: a due hold expires at the next write, with a hold_expire entry and event", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* LedgerStore
          yield* write([...accounts, fund("e1", 100n)], 0)
          yield* write(
            [
              {
                _tag: "CreateHold",
                id: "h1",
                debit: "wallet",
                credit: "merchant",
                amount: 60n,
                currency: "USD",
                timeoutMs: 1_000
              }
            ],
            0
          )
          const early = yield* write([], 999)
          expect(LedgerCore.isEmpty(early)).toBe(true)
          const due = yield* write([], 1_000)
          expect(due.events.map((e) => e.type)).toEqual(["ledger.hold.expired"])
          expect(Option.getOrThrow(yield* store.getHold("h1"))).toMatchObject({
            status: "expired",
            resolvedBy: "h1~expire",
            resolvedAt: 1_000
          })
          expect(Option.getOrThrow(yield* store.getEntry("h1~expire")).kind).toBe("hold_expire")
          expect(totals(yield* getAccount("wallet"))).toEqual([0n, 100n, 0n, 0n])
          const late = yield* write(
            [
              { _tag: "PostHold", id: "p1", holdId: "h1" },
              { _tag: "VoidHold", id: "v1", holdId: "h1" }
            ],
            2_000
          )
          expect(tags(late)).toEqual(["err:HoldExpired", "err:HoldExpired"])
          // a command naming a due hold expires it first, in the same write
          yield* write(
            [
              {
                _tag: "CreateHold",
                id: "h2",
                debit: "wallet",
                credit: "merchant",
                amount: 10n,
                currency: "USD",
                timeoutMs: 5
              }
            ],
            3_000
          )
          const named = yield* write([{ _tag: "PostHold", id: "p2", holdId: "h2" }], 3_005)
          expect(tags(named)).toEqual(["err:HoldExpired"])
          expect(Option.getOrThrow(yield* store.getHold("h2")).status).toBe("expired")
        })
      )
    )

    it("reversal: negates the original on every account, links both, at most once", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* LedgerStore
          yield* write([...accounts, fund("e1", 100n)], 0)
          const out = yield* write([{ _tag: "Reverse", id: "r1", entryId: "e1" }], 10)
          expect(tags(out)).toEqual(["ok:EntryCreated"])
          expect(out.entriesReversed).toEqual([{ id: "e1", reversedBy: "r1" }])
          const r1 = Option.getOrThrow(yield* store.getEntry("r1"))
          expect(r1).toMatchObject({ kind: "reversal", reverses: "e1" })
          expect(r1.postings).toEqual([{ debit: "wallet", credit: "cash", amount: 100n, currency: "USD" }])
          expect(Option.getOrThrow(yield* store.getEntry("e1")).reversedBy).toBe("r1")
          expect(totals(yield* getAccount("cash"))).toEqual([100n, 100n, 0n, 0n])
          const twice = yield* write(
            [
              { _tag: "Reverse", id: "r2", entryId: "e1" },
              { _tag: "Reverse", id: "r3", entryId: "r1" },
              { _tag: "Reverse", id: "r4", entryId: "ghost" }
            ],
            20
          )
          expect(tags(twice)).toEqual(["err:AlreadyReversed", "err:NotReversible", "err:EntryNotFound"])
        })
      )
    )

    it("checks: same account, currency mismatch, closed accounts, conflicting flags", { timeout }, () =>
      run(
        Effect.gen(function* () {
          yield* write(accounts, 0)
          const out = yield* write(
            [
              {
                _tag: "Transfer",
                id: "a",
                postings: [{ debit: "cash", credit: "cash", amount: 1n, currency: "USD" }]
              },
              {
                _tag: "Transfer",
                id: "b",
                postings: [{ debit: "eur", credit: "wallet", amount: 1n, currency: "USD" }]
              },
              {
                _tag: "CreateAccount",
                id: "both",
                currency: "USD",
                code: "x",
                normal: "debit",
                debitsMustNotExceedCredits: true,
                creditsMustNotExceedDebits: true
              },
              { _tag: "CloseAccount", accountId: "merchant" },
              {
                _tag: "Transfer",
                id: "c",
                postings: [{ debit: "cash", credit: "merchant", amount: 1n, currency: "USD" }]
              },
              {
                _tag: "Transfer",
                id: "d",
                postings: [{ debit: "cash", credit: "wallet", amount: 0n, currency: "USD" }]
              }
            ],
            10
          )
          expect(tags(out)).toEqual([
            "err:AccountsMustDiffer",
            "err:PostingCurrencyMismatch",
            "err:ConflictingLimitFlags",
            "ok:AccountClosed",
            "err:AccountClosed",
            "err:InvalidInput"
          ])
          expect((yield* getAccount("merchant")).closed).toBe(true)
        })
      )
    )

    it("history pages and as-of reads follow the lines", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* LedgerStore
          yield* write(accounts, 0)
          yield* write([fund("e1", 10n)], 1_000)
          yield* write([fund("e2", 20n)], 2_000)
          yield* write([fund("e3", 30n)], 3_000)
          const page = yield* store.history("wallet", { afterSeq: 1, limit: 1 })
          expect(page.map((h) => [h.line.seq, h.entry.id, h.line.creditsPosted])).toEqual([[2, "e2", 30n]])
          const rest = yield* store.history("wallet", { afterSeq: 2, limit: 10 })
          expect(rest.map((h) => h.line.seq)).toEqual([3])
          expect(Option.isNone(yield* store.lineAsOf("wallet", 999))).toBe(true)
          expect(Option.getOrThrow(yield* store.lineAsOf("wallet", 1_500)).creditsPosted).toBe(10n)
          expect(Option.getOrThrow(yield* store.lineAsOf("wallet", 2_000)).creditsPosted).toBe(30n)
          expect(Option.getOrThrow(yield* store.lineAsOf("wallet", 9_999)).seq).toBe(3)
        })
      )
    )

    it(
      "history pages and as-of reads agree with the lines for multi-entry writes, concurrent writers and a clock that goes back",
      { timeout },
      () =>
        fc.assert(
          fc.asyncProperty(
            fc.array(
              fc.record({
                amounts: fc.array(fc.bigInt({ min: 1n, max: 1_000n }), { minLength: 1, maxLength: 6 }),
                now: fc.integer({ min: 0, max: 5_000 })
              }),
              { minLength: 1, maxLength: 8 }
            ),
            // concurrent writers: a store may decide several writes (with different `now`) in
            // one transaction, so one account's lines from one transaction need not share a time
            fc.boolean(),
            fc.array(
              fc.record({
                afterSeq: fc.integer({ min: 0, max: 50 }),
                limit: fc.integer({ min: 1, max: 8 }),
                at: fc.integer({ min: -1, max: 5_001 })
              }),
              { minLength: 1, maxLength: 6 }
            ),
            async (writes, concurrent, reads) => {
              type Shape = { seq: number; entryId: string; at: number; credits: bigint }
              const shape = (l: Account.Line): Shape => ({
                seq: l.seq,
                entryId: l.entryId,
                at: l.at,
                credits: l.creditsPosted
              })
              await run(
                Effect.gen(function* () {
                  const store = yield* LedgerStore
                  yield* write(accounts, 0)
                  yield* Effect.forEach(
                    writes,
                    (w, i) =>
                      write(
                        w.amounts.map((amount, k) => fund(`w${i}.${k}`, amount)),
                        w.now
                      ),
                    { concurrency: concurrent ? "unbounded" : 1, discard: true }
                  )
                  // the wallet's lines: one per entry, seq from 1, each write's entries together and
                  // in order, totals the running sum; writes in call order when sequential, in the
                  // order the store serialised them otherwise; at = the ledger's time, its write's
                  // now or the time of the wallet's line before if that is later (never back)
                  const all = (yield* store.dump).lines.filter((l) => l.accountId === "wallet").map(shape)
                  const order = concurrent
                    ? [...new Set(all.map((l) => Number(l.entryId.slice(1).split(".")[0])))]
                    : writes.map((_, i) => i)
                  expect([...order].sort((a, b) => a - b)).toEqual(writes.map((_, i) => i))
                  const expected: Array<Shape> = []
                  let credits = 0n
                  let clock = 0
                  for (const i of order) {
                    clock = Math.max(clock, writes[i]!.now)
                    for (const [k, amount] of writes[i]!.amounts.entries()) {
                      credits += amount
                      expected.push({
                        seq: expected.length + 1,
                        entryId: `w${i}.${k}`,
                        at: clock,
                        credits
                      })
                    }
                  }
                  expect(all).toEqual(expected)
                  for (const r of reads) {
                    const page = yield* store.history("wallet", { afterSeq: r.afterSeq, limit: r.limit })
                    expect(page.map((h) => shape(h.line))).toEqual(
                      expected.filter((l) => l.seq > r.afterSeq).slice(0, r.limit)
                    )
                    for (const h of page) expect(h.entry.id).toBe(h.line.entryId)
                    // the line with the highest seq among those at or before `at`
                    const asOf = expected.filter((l) => l.at <= r.at).at(-1)
                    const got = yield* store.lineAsOf("wallet", r.at)
                    expect(Option.map(got, shape)).toEqual(Option.fromUndefinedOr(asOf))
                  }
                })
              )
            }
          ),
          { numRuns: Math.max(6, Math.ceil((options.numRuns ?? 100) / 4)) }
        )
    )

    it(
      "consumed ids: a state-dependent failure consumes its id in its write; write and writeSummary answer IdAlreadyFailed with the first reason; no read sees it as an entry",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* LedgerStore
            const consumed = (commands: ReadonlyArray<Command>, now: number) =>
              store.write({ commands, mode: "independent", now, eventIdSeed: SEED, failedIds: "consumed" })
            yield* write(accounts, 0)
            const first = yield* consumed([spend("pay", 50n), fund("ok", 5n)], 10)
            expect(tags(first)).toEqual(["err:ExceedsCredits", "ok:EntryCreated"])
            expect(first.failedIds.map((f) => [f.id, f.error._tag, f.at])).toEqual([
              ["pay", "ExceedsCredits", 10]
            ])
            yield* write([fund("top", 500n)], 20)
            const before = yield* store.dump
            expect(before.failedIds.map((f) => [f.id, f.error._tag, f.at])).toEqual([
              ["pay", "ExceedsCredits", 10]
            ])
            expect(before.failedIds[0]!.error).toEqual(first.failedIds[0]!.error)
            for (const failedIds of ["consumed", "reusable"] as const) {
              const again = yield* store.write({
                commands: [spend("pay", 50n)],
                mode: "independent",
                now: 30,
                eventIdSeed: SEED,
                failedIds
              })
              const r = again.results[0]!
              expect(Result.isFailure(r) && r.failure._tag === "IdAlreadyFailed" && r.failure.first).toEqual(
                first.failedIds[0]!.error
              )
              const summary = yield* store.writeSummary({
                commands: [spend("pay", 50n)],
                mode: "independent",
                now: 30,
                eventIdSeed: SEED,
                failedIds,
                returnEvents: true
              })
              expect(summary.failures.map((f) => [f.index, f.error._tag])).toEqual([[0, "IdAlreadyFailed"]])
              expect(summary.events).toEqual([])
            }
            expect(yield* store.dump).toEqual(before)
            expect(Option.isNone(yield* store.getEntry("pay"))).toBe(true)
            const history = yield* store.history("wallet", { afterSeq: 0, limit: 100 })
            expect(history.map((h) => h.entry.id)).toEqual(["ok", "top"])
          })
        )
    )

    it(
      `consumed ids under concurrency: ${fibers} pairs of writers racing with one id (one fails, one would succeed on other accounts) leave it an entry or a failure, never both, with replies of one serial order`,
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* LedgerStore
            yield* write([...accounts, fund("seed", 1n)], 0)
            const send = (command: Command, i: number) =>
              Effect.map(
                store.write({
                  commands: [command],
                  mode: "independent",
                  now: 1 + i,
                  eventIdSeed: SEED,
                  failedIds: "consumed"
                }),
                (o) => tags(o)[0]!
              )
            const pairs = Array.from({ length: fibers }, (_, i) => i)
            const replies = yield* Effect.forEach(
              pairs,
              (i) =>
                Effect.all(
                  [
                    send(spend(`race${i}`, 1_000n), i),
                    send(
                      {
                        _tag: "Transfer",
                        id: `race${i}`,
                        postings: [{ debit: "cash", credit: "merchant", amount: 1n, currency: "USD" }]
                      },
                      i
                    )
                  ],
                  { concurrency: 2 }
                ),
              { concurrency: "unbounded" }
            )
            const dump = yield* store.dump
            const entries = new Set(dump.entries.map((e) => e.id))
            const failed = new Set(dump.failedIds.map((f) => f.id))
            for (const i of pairs) {
              const id = `race${i}`
              expect(entries.has(id) !== failed.has(id), id).toBe(true)
              expect(replies[i], id).toEqual(
                entries.has(id)
                  ? ["err:ExistsWithDifferent", "ok:EntryCreated"]
                  : ["err:ExceedsCredits", "err:IdAlreadyFailed"]
              )
            }
          })
        )
    )

    it("history pages and as-of reads over long histories (hundreds of lines per account)", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* LedgerStore
          yield* write(accounts, 0)
          // 9 writes of 30 transfers, alternately through write and writeSummary, times 10 apart
          for (let w = 0; w < 9; w++) {
            const commands = Array.from(
              { length: 30 },
              (_, i): Command => ({
                _tag: "Transfer",
                id: `long${w}.${i}`,
                postings: [
                  i % 3 === 2
                    ? { debit: "merchant", credit: "cash", amount: BigInt(i + 1), currency: "USD" }
                    : { debit: "cash", credit: "merchant", amount: BigInt(w * 100 + i + 1), currency: "USD" }
                ]
              })
            )
            const request = { commands, mode: "independent" as const, now: 10 * (w + 1), eventIdSeed: SEED }
            if (w % 2 === 0) yield* store.write(request)
            else yield* store.writeSummary({ ...request, returnEvents: false })
          }
          const { lines } = yield* store.dump
          for (const id of ["cash", "merchant"]) {
            const all = lines.filter((l) => l.accountId === id)
            expect(all.map((l) => l.seq)).toEqual(all.map((_, i) => i + 1))
            expect(all.length).toBe(270)
            for (const [afterSeq, limit] of [
              [0, 1_000],
              [0, 64],
              [63, 2],
              [64, 64],
              [65, 1],
              [100, 100],
              [127, 130],
              [128, 3],
              [200, 69],
              [269, 5],
              [270, 5],
              [500, 5]
            ] as const) {
              const page = yield* store.history(id, { afterSeq, limit })
              expect(
                page.map((h) => h.line),
                `${id} after ${afterSeq} limit ${limit}`
              ).toEqual(all.slice(afterSeq, afterSeq + limit))
              expect(page.map((h) => h.entry.id)).toEqual(page.map((h) => h.line.entryId))
            }
            for (const at of [0, 9, 10, 11, 45, 50, 89, 90, 1_000]) {
              const expected = all.filter((l) => l.at <= at).at(-1)
              expect(Option.getOrUndefined(yield* store.lineAsOf(id, at)), `${id} as of ${at}`).toEqual(
                expected
              )
            }
          }
        })
      )
    )

    it("events are written with the change, in order, with distinct ids", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* LedgerStore
          yield* write(accounts, 0, "independent", "01J00000000000000000000001")
          yield* write([fund("e1", 10n), fund("e1", 10n)], 10, "independent", "01J00000000000000000000002")
          const { events } = yield* store.dump
          expect(events.map((e) => e.type)).toEqual([
            "ledger.account.created",
            "ledger.account.created",
            "ledger.account.created",
            "ledger.account.created",
            "ledger.entry.posted"
          ])
          expect(new Set(events.map((e) => e.id)).size).toBe(events.length)
          expect(events[4]!.subject).toBe("e1")
          expect((events[4]!.data as { postings: Array<{ amount: string }> }).postings[0]!.amount).toBe("10")
        })
      )
    )

    it(`concurrent writers (${fibers} fibers) never exceed a debit limit`, { timeout }, () =>
      run(
        Effect.gen(function* () {
          yield* write([...accounts, fund("e0", 100n)], 0)
          const results = yield* Effect.forEach(
            Array.from({ length: fibers }, (_, i) => i),
            (i) =>
              write(
                [
                  {
                    _tag: "Transfer",
                    id: `spend${i}`,
                    postings: [{ debit: "wallet", credit: "merchant", amount: 7n, currency: "USD" }]
                  }
                ],
                1,
                "independent",
                `01J000000000000000000${String(i).padStart(5, "0")}`
              ),
            { concurrency: "unbounded" }
          )
          const ok = results.filter((o) => Result.isSuccess(o.results[0]!)).length
          expect(ok).toBe(Math.min(fibers, Math.floor(100 / 7)))
          const wallet = yield* getAccount("wallet")
          expect(wallet.debitsPosted).toBe(BigInt(ok) * 7n)
          expect(wallet.debitsPosted <= wallet.creditsPosted).toBe(true)
        })
      )
    )

    it(`concurrent holds (${fibers} fibers): at most floor(B / amount) succeed`, { timeout }, () =>
      run(
        Effect.gen(function* () {
          yield* write([...accounts, fund("e0", 100n)], 0)
          const results = yield* Effect.forEach(
            Array.from({ length: fibers }, (_, i) => i),
            (i) =>
              write(
                [
                  {
                    _tag: "CreateHold",
                    id: `h${i}`,
                    debit: "wallet",
                    credit: "merchant",
                    amount: 9n,
                    currency: "USD"
                  }
                ],
                1
              ),
            { concurrency: "unbounded" }
          )
          const ok = results.filter((o) => Result.isSuccess(o.results[0]!)).length
          expect(ok).toBe(Math.min(fibers, Math.floor(100 / 9)))
          const wallet = yield* getAccount("wallet")
          expect(wallet.debitsPending).toBe(BigInt(ok) * 9n)
        })
      )
    )

    it(
      `writeSummary has exactly write's effect: the same books as the reference store, the same failures (${summaryRuns(options)} runs)`,
      { timeout: Math.max(timeout, 600_000) },
      () =>
        fc.assert(
          fc.asyncProperty(summaryWrites, async (writes) => {
            const reference = ReferenceStore.make()
            await run(
              Effect.gen(function* () {
                const store = yield* LedgerStore
                let now = 0
                for (let i = 0; i < writes.length; i++) {
                  const w = writes[i]!
                  now += w.advance
                  const request = {
                    commands: w.commands,
                    mode: w.mode,
                    now,
                    eventIdSeed: `01J${String(i).padStart(23, "0")}`,
                    failedIds: w.failedIds
                  }
                  const expected = LedgerCore.summarize(reference.write(request), true)
                  const got = yield* store.writeSummary({ ...request, returnEvents: w.returnEvents })
                  expect(got.applied, `write ${i}: applied`).toBe(expected.applied)
                  expect(got.replayed, `write ${i}: replayed`).toBe(expected.replayed)
                  expect(got.failures.map(failureText), `write ${i}: failures`).toEqual(
                    expected.failures.map(failureText)
                  )
                  expect(got.events, `write ${i}: events`).toEqual(w.returnEvents ? expected.events : [])
                  // after every write, not only at the end: a store may be right again later
                  expect(yield* store.dump, `write ${i}: the store`).toEqual(reference.dump())
                }
                const dump = yield* store.dump
                for (const a of dump.accounts) {
                  const page = yield* store.history(a.id, { afterSeq: 0, limit: 1_000 })
                  expect(page.map((h) => h.line)).toEqual(dump.lines.filter((l) => l.accountId === a.id))
                }
              })
            )
          }),
          { numRuns: summaryRuns(options) }
        )
    )

    it(
      `model-based property: random command sequences agree with the reference model (${options.numRuns ?? 100} runs)`,
      {
        timeout: Math.max(timeout, 600_000)
      },
      () => Model.property(layer, { numRuns: options.numRuns ?? 100 })
    )
  })
}
