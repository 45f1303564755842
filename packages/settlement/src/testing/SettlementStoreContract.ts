import { type DomainEvent, Notifier } from "@paykit/core"
import { Deferred, Effect, Layer, Option } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as BalanceTransaction from "../BalanceTransaction.ts"
import type * as Payout from "../Payout.ts"
import type * as Run from "../Run.ts"
import {
  type Book,
  type Change,
  inScan,
  type Key,
  keyOrder,
  matches,
  type Query,
  type ScanQuery,
  SettlementStore,
  scanOrder
} from "../SettlementStore.ts"

/**
 * Options of the contract suite. `numRuns`: random worlds of the query properties (default 25;
 * fewer on slow stores); `timeout` per test in ms (default 60,000); `concurrentTransactions`:
 * whether two keys' `exclusive` bodies can run at the same time (default `true`; `false` for a
 * store on one connection, as embedded PGlite); `atomicExclusive`: whether a failure of an
 * `exclusive` body takes back the commits it made (default `true`, a transaction; the memory
 * store applies each commit at once, `false`); `deliveredEvents`: every event the store has
 * delivered so far, in order (default: what the memory `Notifier` in context recorded; a store
 * with an outbox drains its relay into that `Notifier` first).
 *
 * @example
 * ```ts
 * import type { SettlementStoreContract } from "@paykit/settlement/testing"
 * const slow: SettlementStoreContract.Options = { numRuns: 10, concurrentTransactions: false }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Options<R = never> {
  readonly numRuns?: number | undefined
  readonly timeout?: number | undefined
  readonly concurrentTransactions?: boolean | undefined
  readonly atomicExclusive?: boolean | undefined
  readonly deliveredEvents?:
    | Effect.Effect<
        ReadonlyArray<DomainEvent.DomainEvent>,
        unknown,
        R | SettlementStore | Notifier.Notifier | Notifier.RecordedEvents
      >
    | undefined
}

/**
 * A balance transaction for store tests: a pending EUR charge of merchant `m_1` (gross 10,000,
 * fee 320 in one fee line, net 9,680), no optional field, with `overrides` applied.
 *
 * @example
 * ```ts
 * import { SettlementStoreContract } from "@paykit/settlement/testing"
 * const t = SettlementStoreContract.sampleTransaction("bt_1", { status: "available" })
 * t.net // 9680n
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const sampleTransaction = (
  id: string,
  overrides: Partial<BalanceTransaction.BalanceTransaction> = {}
): BalanceTransaction.BalanceTransaction => ({
  id,
  merchant: "m_1",
  currency: "EUR",
  type: "charge",
  reportingCategory: "charge",
  gross: 10_000n,
  fee: 320n,
  feeDetails: [{ kind: "processing", label: "2.9% + 30", amount: 320n }],
  net: 9_680n,
  source: `src_${id}`,
  createdAt: 1_000,
  availableOn: 2_000,
  status: "pending",
  dimensions: {},
  ledgerEntries: [`src_${id}`],
  ...overrides
})

/**
 * A domain event about `subject` with a ULID built from `n` (for store tests).
 *
 * @example
 * ```ts
 * import { SettlementStoreContract } from "@paykit/settlement/testing"
 * SettlementStoreContract.sampleEvent(1, "po_1").id // "01J00000000000000000000001"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const sampleEvent = (n: number, subject: string): DomainEvent.DomainEvent => ({
  id: `01J${String(n).padStart(23, "0")}`,
  type: "settlement.test.changed",
  occurredAt: new Date(1_767_225_600_000 + n).toISOString(),
  subject,
  data: { n, subject }
})

/**
 * A payout for store tests: pending, version 0, of merchant `m_1` in EUR, with `overrides`.
 *
 * @example
 * ```ts
 * import { SettlementStoreContract } from "@paykit/settlement/testing"
 * SettlementStoreContract.samplePayout("po_1").version // 0
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const samplePayout = (id: string, overrides: Partial<Payout.Payout> = {}): Payout.Payout => ({
  id,
  merchant: "m_1",
  currency: "EUR",
  amount: 9_680n,
  controlTotal: 9_680n,
  transactionCount: 1,
  run: "run:m_1:EUR:2000",
  status: "pending",
  createdAt: 2_000,
  updatedAt: 2_000,
  version: 0,
  ...overrides
})

/**
 * A run for store tests: merchant `m_1`, EUR, cut-off 2,000, nothing made available, the
 * balance carried (`zero`), with `overrides`.
 *
 * @example
 * ```ts
 * import { SettlementStoreContract } from "@paykit/settlement/testing"
 * SettlementStoreContract.sampleRun("run_1").carried // "zero"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const sampleRun = (id: string, overrides: Partial<Run.Run> = {}): Run.Run => ({
  id,
  merchant: "m_1",
  currency: "EUR",
  cutoff: 2_000,
  madeAvailable: 0,
  madeAvailableNet: 0n,
  reserveHeld: 0n,
  reserveReleased: 0n,
  carried: "zero",
  createdAt: 2_000,
  ...overrides
})

const EMPTY: Change = { created: [], updated: [], tranches: [], events: [] }

const byId = <T extends { readonly id: string }>(xs: ReadonlyArray<T>): Array<T> =>
  [...xs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))

// ---------------------------------------------------------------------------------------------
// Random worlds for the query properties

/** Merchants and ids whose code-unit order differs from a linguistic collation's. */
const MERCHANTS = ["m_a", "m_B", "M_b", "m-a", "m.a"] as const
const CURRENCIES = ["EUR", "USD", "JPY"] as const
const TIMES = [0, 1_000, 2_000, 3_000, 2 ** 45] as const
const ID_CHARS = ["a", "B", "b", "A", "_", "-", ".", ":", "0", "9", "z", "Z"] as const

const amountArb: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: -20_000n, max: 20_000n }),
  fc.bigInt({ min: -(2n ** 126n), max: 2n ** 126n })
)

const transactionArb: fc.Arbitrary<BalanceTransaction.BalanceTransaction> = fc
  .record({
    id: fc.array(fc.constantFrom(...ID_CHARS), { minLength: 1, maxLength: 4 }).map((cs) => `t${cs.join("")}`),
    merchant: fc.constantFrom(...MERCHANTS),
    currency: fc.constantFrom(...CURRENCIES),
    type: fc.constantFrom(...BalanceTransaction.types),
    gross: amountArb,
    fee: amountArb,
    status: fc.constantFrom("pending" as const, "available" as const),
    availableOn: fc.constantFrom(...TIMES),
    createdAt: fc.constantFrom(...TIMES),
    payout: fc.option(fc.constantFrom("po_1", "po_2"), { nil: undefined }),
    payment: fc.option(fc.constantFrom("pay_1", "pay_2"), { nil: undefined }),
    brand: fc.option(fc.constantFrom("visa", "mastercard"), { nil: undefined })
  })
  .map((r) => {
    const t: BalanceTransaction.BalanceTransaction = {
      ...sampleTransaction(r.id, {
        merchant: r.merchant,
        currency: r.currency,
        type: r.type,
        reportingCategory: BalanceTransaction.reportingCategoryOf[r.type],
        gross: r.gross,
        fee: r.fee,
        feeDetails: r.fee === 0n ? [] : [{ kind: "other", label: "fee", amount: r.fee }],
        net: r.gross - r.fee,
        status: r.status,
        availableOn: r.availableOn,
        createdAt: r.createdAt,
        dimensions: r.brand === undefined ? {} : { brand: r.brand }
      }),
      ...(r.payout === undefined ? {} : { payout: r.payout }),
      ...(r.payment === undefined ? {} : { payment: r.payment })
    }
    return t
  })

const worldArb = fc.uniqueArray(transactionArb, { selector: (t) => t.id, maxLength: 30 })

const queryArb: fc.Arbitrary<Query> = fc
  .record({
    merchant: fc.constantFrom(...MERCHANTS),
    currency: fc.constantFrom(...CURRENCIES),
    status: fc.option(fc.constantFrom("pending" as const, "available" as const), { nil: undefined }),
    dueBy: fc.option(fc.constantFrom(...TIMES, -1), { nil: undefined }),
    unpaid: fc.option(fc.boolean(), { nil: undefined }),
    payout: fc.option(fc.constantFrom("po_1", "po_2", "po_none"), { nil: undefined })
  })
  .map((q) => Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as unknown as Query)

const scanArb: fc.Arbitrary<Omit<ScanQuery, "after">> = fc
  .record({
    availableFrom: fc.option(fc.constantFrom(...TIMES), { nil: undefined }),
    availableTo: fc.option(fc.constantFrom(...TIMES, 2 ** 46), { nil: undefined }),
    merchant: fc.option(fc.constantFrom(...MERCHANTS), { nil: undefined }),
    currency: fc.option(fc.constantFrom(...CURRENCIES), { nil: undefined }),
    limit: fc.integer({ min: 1, max: 7 })
  })
  .map(
    (q) =>
      Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as unknown as Omit<
        ScanQuery,
        "after"
      >
  )

/** Splits `xs` into consecutive chunks at the given cut points (each taken modulo the length). */
const chunks = <A>(xs: ReadonlyArray<A>, cuts: ReadonlyArray<number>): Array<ReadonlyArray<A>> => {
  const at = [...new Set(cuts.map((c) => (xs.length === 0 ? 0 : c % xs.length)))].sort((a, b) => a - b)
  const out: Array<ReadonlyArray<A>> = []
  let from = 0
  for (const c of [...at, xs.length]) {
    if (c > from) out.push(xs.slice(from, c))
    from = Math.max(from, c)
  }
  return out
}

/**
 * The contract every `SettlementStore` must pass, as a Vitest suite: a commit creates a balance
 * transaction once (an id that exists is skipped) and replaces those it updates (status,
 * payout); transactions read back exactly (bigint amounts beyond 2^53 and negative ones, fee
 * details, dimensions, optional fields, an absent field staying absent); books are replaced,
 * tranches upserted per book (only those with money left are read), runs and payouts read back
 * exactly; a payout moves only at the version read (`PayoutConflict` on a stale version, and for
 * a new payout whose id exists), and a refused commit writes nothing of its change; a commit's
 * events are delivered in order, a refused one's never; `transactions` and `existing` agree with
 * `matches`, `scan` pages with `inScan` and `scanOrder` (every matching transaction exactly once,
 * in order) and `keys` with `keyOrder`, over random transactions; `exclusive` serialises two
 * fibers on one key, lets two keys run at once, and a failed body writes nothing.
 *
 * Each test builds `layer` afresh, with a memory `Notifier` (and its `RecordedEvents`) provided.
 *
 * @example
 * ```ts
 * import { Notifier } from "@paykit/core"
 * import { SettlementStore } from "@paykit/settlement"
 * import { SettlementStoreContract } from "@paykit/settlement/testing"
 * SettlementStoreContract.suite("memory", SettlementStore.layerMemory, { atomicExclusive: false })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const suite = <R = never>(
  name: string,
  layer: Layer.Layer<SettlementStore | R, unknown, Notifier.Notifier>,
  options: Options<R> = {}
): void => {
  const full = Layer.provideMerge(layer, Notifier.layerMemory)
  type Env = SettlementStore | R | Notifier.Notifier | Notifier.RecordedEvents
  const run = <A, E>(effect: Effect.Effect<A, E, Env>): Promise<A> =>
    Effect.runPromise(Effect.provide(effect, full) as Effect.Effect<A, E>)
  const timeout = options.timeout ?? 60_000
  const numRuns = options.numRuns ?? 25
  const delivered: Effect.Effect<
    ReadonlyArray<DomainEvent.DomainEvent>,
    unknown,
    Env
  > = options.deliveredEvents ?? Effect.flatMap(Notifier.RecordedEvents, (r) => r.all)
  const deliveredIds = Effect.map(delivered, (events) => events.map((e) => e.id))

  const all = (merchant = "m_1", currency = "EUR") =>
    Effect.flatMap(SettlementStore, (s) => s.transactions({ merchant, currency })).pipe(Effect.map(byId))

  /** Everything the store holds for `m_1`/EUR and the given run and payout: what a refusal must not change. */
  const snapshot = (runId: string, payoutId: string) =>
    Effect.gen(function* () {
      const store = yield* SettlementStore
      return {
        transactions: yield* all(),
        book: yield* store.book("m_1", "EUR"),
        tranches: byId(yield* store.tranches("m_1", "EUR")),
        run: yield* store.run(runId),
        payout: yield* store.payout(payoutId),
        keys: yield* store.keys(undefined, 100)
      }
    })

  describe(`SettlementStore contract: ${name}`, () => {
    it(
      "a transaction reads back exactly: bigint amounts beyond 2^53 and negative ones, fee details, dimensions and every optional field; an absent field stays absent",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* SettlementStore
            const rich = sampleTransaction("bt_rich", {
              type: "refund",
              reportingCategory: "refund",
              gross: -(2n ** 100n) - 7n,
              fee: -(2n ** 60n),
              feeDetails: [
                { kind: "interchange", label: "interchange 0.2%", amount: 2n ** 70n + 1n },
                { kind: "markup", label: "ünïcode ✓ 付款 \"quoted\" 'single' \\ back", amount: -5n },
                { kind: "fx", label: "", amount: 0n }
              ],
              net: -(2n ** 100n) - 7n + 2n ** 60n,
              payment: "pay_1",
              exchangeRate: "1.0842000000000000001",
              payout: "po_1",
              description: "refund of pay_1 — 😀",
              dimensions: { method: "card", brand: "visa", region: "inter_regional" },
              ledgerEntries: ["pay_1:refund:1", "pay_1:refund:1:fees"],
              createdAt: 2 ** 52,
              availableOn: 1_767_225_600_000,
              status: "available"
            })
            const bare = sampleTransaction("bt_bare", {
              feeDetails: [],
              fee: 0n,
              gross: 2n ** 53n + 1n,
              net: 2n ** 53n + 1n,
              ledgerEntries: [],
              dimensions: {}
            })
            const partial = sampleTransaction("bt_partial", { dimensions: { region: "domestic" } })
            yield* store.commit({ ...EMPTY, created: [rich, bare, partial] })
            const back = yield* all()
            expect(back).toEqual(byId([rich, bare, partial]))
            const b = back.find((t) => t.id === "bt_bare")!
            for (const key of ["payment", "exchangeRate", "payout", "description"] as const)
              expect(key in b).toBe(false)
            expect(b.dimensions).toEqual({})
            expect(Object.keys(back.find((t) => t.id === "bt_partial")!.dimensions)).toEqual(["region"])
            const r = back.find((t) => t.id === "bt_rich")!
            expect(typeof r.gross).toBe("bigint")
            expect(r.feeDetails.map((d) => d.amount)).toEqual([2n ** 70n + 1n, -5n, 0n])
            // the same through a scan
            expect(byId(yield* store.scan({ limit: 100 }))).toEqual(byId([rich, bare, partial]))
            expect([...(yield* store.existing(["bt_rich", "bt_none", "bt_bare"]))].sort()).toEqual([
              "bt_bare",
              "bt_rich"
            ])
            expect((yield* store.existing([])).size).toBe(0)
          })
        )
    )

    it(
      "a commit creates a transaction once (an id that exists is skipped, the stored one stays); updated replaces status and payout; an unknown id in updated creates nothing",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* SettlementStore
            const t = sampleTransaction("bt_1")
            yield* store.commit({ ...EMPTY, created: [t] })
            // the same id again, with other figures: skipped
            yield* store.commit({
              ...EMPTY,
              created: [{ ...t, gross: 1n, net: 1n, description: "again" }, sampleTransaction("bt_2")]
            })
            expect(yield* all()).toEqual([t, sampleTransaction("bt_2")])
            // twice in one change: the first is kept
            yield* store.commit({
              ...EMPTY,
              created: [sampleTransaction("bt_3", { gross: 3n }), sampleTransaction("bt_3", { gross: 4n })]
            })
            expect((yield* all()).find((x) => x.id === "bt_3")?.gross).toBe(3n)

            const made = { ...t, status: "available" as const }
            const owned = { ...made, payout: "po_1" }
            yield* store.commit({ ...EMPTY, updated: [made] })
            expect((yield* all())[0]).toEqual(made)
            yield* store.commit({ ...EMPTY, updated: [owned, sampleTransaction("bt_ghost")] })
            expect((yield* all())[0]).toEqual(owned)
            expect((yield* store.existing(["bt_ghost"])).size).toBe(0)
            expect(yield* store.transactions({ merchant: "m_1", currency: "EUR", payout: "po_1" })).toEqual([
              owned
            ])
            // created and updated in one change: the updated version is what is stored
            const fresh = sampleTransaction("bt_4")
            yield* store.commit({
              ...EMPTY,
              created: [fresh],
              updated: [{ ...fresh, status: "available", payout: "po_2" }]
            })
            expect((yield* all()).find((x) => x.id === "bt_4")).toEqual({
              ...fresh,
              status: "available",
              payout: "po_2"
            })
            // an update taking the payout away leaves no payout
            const { payout: _dropped, ...unowned } = owned
            yield* store.commit({ ...EMPTY, updated: [unowned] })
            const back = (yield* all())[0]!
            expect(back).toEqual(unowned)
            expect("payout" in back).toBe(false)
          })
        )
    )

    it(
      "a book reads back as committed and the next replaces it; a reserve plan round-trips, none stays absent; books are per merchant and currency",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* SettlementStore
            expect(Option.isNone(yield* store.book("m_1", "EUR"))).toBe(true)
            const book: Book = {
              merchant: "m_1",
              currency: "EUR",
              schedule: {
                delayDays: 2,
                interval: { _tag: "weekly", weekday: "monday" },
                minimumPayout: { EUR: "10000" },
                note: "ünïcode ✓"
              },
              reservePlan: { bps: 1000, releaseAfterDays: 90, expiresAt: 2 ** 45, rounding: "half-up" }
            }
            yield* store.commit({ ...EMPTY, book })
            expect(Option.getOrThrow(yield* store.book("m_1", "EUR"))).toEqual(book)
            expect(Option.isNone(yield* store.book("m_1", "USD"))).toBe(true)
            expect(Option.isNone(yield* store.book("m_2", "EUR"))).toBe(true)
            const plain: Book = { merchant: "m_1", currency: "EUR", schedule: { delayDays: 1 } }
            yield* store.commit({ ...EMPTY, book: plain })
            const back = Option.getOrThrow(yield* store.book("m_1", "EUR"))
            expect(back).toEqual(plain)
            expect("reservePlan" in back).toBe(false)
            const fixed: Book = {
              merchant: "m_2",
              currency: "USD",
              schedule: { delayDays: 0, interval: { _tag: "manual" } },
              reservePlan: { bps: 1, releaseOn: 1_767_225_600_000, rounding: "down" }
            }
            yield* store.commit({ ...EMPTY, book: fixed })
            expect(Option.getOrThrow(yield* store.book("m_2", "USD"))).toEqual(fixed)
            // a schedule is any JSON, kept as it was written
            for (const [currency, schedule] of [
              ["EUR", "weekly"],
              ["USD", [1, "a", null, { x: true, y: -0.5, z: [] }]],
              ["JPY", 12]
            ] as const) {
              const odd: Book = { merchant: "m_3", currency, schedule }
              yield* store.commit({ ...EMPTY, book: odd })
              expect(Option.getOrThrow(yield* store.book("m_3", currency))).toEqual(odd)
              expect(
                Option.getOrThrow(yield* store.exclusive(`m_3/${currency}`, store.book("m_3", currency)))
              ).toEqual(odd)
            }
            // a book alone has no balance transactions: it is no key
            expect(yield* store.keys(undefined, 10)).toEqual([])
          })
        )
    )

    it("tranches are upserted per book; only those with money left are read", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* SettlementStore
          const tranche = (id: string, remaining: bigint, extra: Partial<Run.Tranche> = {}): Run.Tranche => ({
            id,
            merchant: "m_1",
            currency: "EUR",
            amount: 2n ** 80n,
            remaining,
            releaseOn: 5_000,
            ...extra
          })
          const a = tranche("tr_a", 2n ** 80n)
          const b = tranche("tr_b", 0n)
          const other = tranche("tr_a", 7n, { merchant: "m_2", releaseOn: 9_000 })
          yield* store.commit({ ...EMPTY, tranches: [a, b, other] })
          expect(byId(yield* store.tranches("m_1", "EUR"))).toEqual([a])
          expect(yield* store.tranches("m_2", "EUR")).toEqual([other])
          expect(yield* store.tranches("m_1", "USD")).toEqual([])
          const drawn = { ...a, remaining: 0n }
          const topped = { ...b, remaining: 5n, releaseOn: 6_000 }
          yield* store.commit({ ...EMPTY, tranches: [drawn, topped] })
          expect(yield* store.tranches("m_1", "EUR")).toEqual([topped])
          // the other book's tranche of the same id is its own
          expect(yield* store.tranches("m_2", "EUR")).toEqual([other])
          // the same tranche twice in a change: the last is kept
          yield* store.commit({
            ...EMPTY,
            tranches: [
              { ...topped, remaining: 1n },
              { ...topped, remaining: 2n }
            ]
          })
          expect(yield* store.tranches("m_1", "EUR")).toEqual([{ ...topped, remaining: 2n }])
        })
      )
    )

    it(
      "a run and a new payout read back exactly; a payout is created once (a new payout whose id exists is PayoutConflict) and moves only at the version read; a refused commit writes nothing of its change",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* SettlementStore
            const { carried: _c, ...runRecord } = sampleRun("run_1", {
              madeAvailable: 3,
              madeAvailableNet: -(2n ** 90n),
              reserveHeld: 2n ** 64n,
              reserveReleased: 5n,
              payout: "po_1"
            })
            const p = samplePayout("po_1", { amount: -(2n ** 100n), controlTotal: -(2n ** 100n) })
            expect(Option.isNone(yield* store.run("run_1"))).toBe(true)
            expect(Option.isNone(yield* store.payout("po_1"))).toBe(true)
            yield* store.commit({
              ...EMPTY,
              created: [sampleTransaction("bt_1", { payout: "po_1" })],
              run: runRecord,
              payout: { payout: p, expectedVersion: undefined },
              events: [sampleEvent(1, "po_1")]
            })
            const runBack = Option.getOrThrow(yield* store.run("run_1"))
            expect(runBack).toEqual(runRecord)
            expect("carried" in runBack).toBe(false)
            const payoutBack = Option.getOrThrow(yield* store.payout("po_1"))
            expect(payoutBack).toEqual(p)
            for (const key of ["reference", "arrivalDate", "failureCode", "failedAfterPaid"] as const)
              expect(key in payoutBack).toBe(false)
            const carried = sampleRun("run_2", { carried: "not_a_payout_day" })
            yield* store.commit({ ...EMPTY, run: carried })
            expect(Option.getOrThrow(yield* store.run("run_2"))).toEqual(carried)

            const before = yield* snapshot("run_3", "po_1")
            const eventsBefore = yield* deliveredIds
            const refused = (expectedVersion: number | undefined, payout: Payout.Payout): Change => ({
              book: { merchant: "m_1", currency: "EUR", schedule: { delayDays: 9 } },
              created: [sampleTransaction("bt_refused")],
              updated: [{ ...sampleTransaction("bt_1", { payout: "po_1" }), status: "available" }],
              tranches: [
                {
                  id: "tr_refused",
                  merchant: "m_1",
                  currency: "EUR",
                  amount: 1n,
                  remaining: 1n,
                  releaseOn: 1
                }
              ],
              run: sampleRun("run_3"),
              payout: { payout, expectedVersion },
              events: [sampleEvent(2, "po_1")]
            })
            const moved = { ...p, status: "in_transit" as const, reference: "tr_1", version: 1 }
            for (const [expected, payout] of [
              [undefined, p],
              [undefined, moved],
              [1, moved],
              [5, moved],
              [-1, moved]
            ] as const) {
              const error = yield* Effect.flip(store.commit(refused(expected, payout)))
              expect(error._tag).toBe("PayoutConflict")
              expect(error).toMatchObject({ payoutId: "po_1", expected: expected ?? -1 })
            }
            expect(yield* snapshot("run_3", "po_1")).toEqual(before)
            expect(yield* deliveredIds).toEqual(eventsBefore)

            // at the version read it goes through, with the rest of the change
            const full = {
              ...moved,
              arrivalDate: 2 ** 44,
              updatedAt: 3_000
            }
            yield* store.commit(refused(0, full))
            expect(Option.getOrThrow(yield* store.payout("po_1"))).toEqual(full)
            expect(Option.isSome(yield* store.run("run_3"))).toBe(true)
            expect((yield* store.existing(["bt_refused"])).size).toBe(1)
            // and the version it read is stale now
            const stale = yield* Effect.flip(
              store.commit({ ...EMPTY, payout: { payout: { ...full, version: 1 }, expectedVersion: 0 } })
            )
            expect(stale).toMatchObject({ _tag: "PayoutConflict", payoutId: "po_1", expected: 0 })
            const failed: Payout.Payout = {
              ...full,
              status: "failed",
              failureCode: "account_closed",
              failedAfterPaid: true,
              version: 2
            }
            yield* store.commit({ ...EMPTY, payout: { payout: failed, expectedVersion: 1 } })
            expect(Option.getOrThrow(yield* store.payout("po_1"))).toEqual(failed)
            const falsy: Payout.Payout = { ...failed, failedAfterPaid: false, version: 3 }
            yield* store.commit({ ...EMPTY, payout: { payout: falsy, expectedVersion: 2 } })
            expect(Option.getOrThrow(yield* store.payout("po_1"))).toEqual(falsy)
            // another payout is another id
            const second = samplePayout("po_2")
            yield* store.commit({ ...EMPTY, payout: { payout: second, expectedVersion: undefined } })
            expect(Option.getOrThrow(yield* store.payout("po_2"))).toEqual(second)
          })
        )
    )

    it("a commit's events are delivered in order; a refused commit's are not", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* SettlementStore
          const p = samplePayout("po_1")
          yield* store.commit({
            ...EMPTY,
            payout: { payout: p, expectedVersion: undefined },
            events: [sampleEvent(1, "po_1"), sampleEvent(2, "run_1")]
          })
          yield* Effect.flip(
            store.commit({
              ...EMPTY,
              payout: { payout: { ...p, version: 1 }, expectedVersion: 7 },
              events: [sampleEvent(3, "po_1")]
            })
          )
          yield* store.commit({
            ...EMPTY,
            payout: { payout: { ...p, version: 1 }, expectedVersion: 0 },
            events: [sampleEvent(4, "po_1")]
          })
          // an events-only commit
          yield* store.commit({ ...EMPTY, events: [sampleEvent(5, "po_1")] })
          const events = yield* delivered
          expect(events.map((e) => e.id)).toEqual([1, 2, 4, 5].map((n) => sampleEvent(n, "po_1").id))
          expect(events[0]).toEqual(sampleEvent(1, "po_1"))
          expect(events[1]).toEqual(sampleEvent(2, "run_1"))
        })
      )
    )

    it("transactions and existing agree with matches over random transactions", { timeout }, () =>
      fc.assert(
        fc.asyncProperty(
          worldArb,
          fc.array(fc.nat(), { maxLength: 3 }),
          fc.array(queryArb, { minLength: 1, maxLength: 6 }),
          fc.array(fc.nat(), { maxLength: 8 }),
          (world, cuts, queries, updates) =>
            run(
              Effect.gen(function* () {
                const store = yield* SettlementStore
                for (const chunk of chunks(world, cuts)) yield* store.commit({ ...EMPTY, created: chunk })
                // some of them made available and paid out by a later change
                let current = world
                if (world.length > 0) {
                  const changed = [...new Set(updates.map((u) => u % world.length))].map((i) => {
                    const t = world[i]!
                    const { payout: _p, ...rest } = t
                    return i % 2 === 0 ? { ...t, status: "available" as const, payout: "po_2" } : rest
                  })
                  yield* store.commit({ ...EMPTY, updated: changed })
                  const byKey = new Map(changed.map((t) => [t.id, t]))
                  current = world.map((t) => byKey.get(t.id) ?? t)
                }
                for (const q of queries)
                  expect(byId(yield* store.transactions(q))).toEqual(
                    byId(current.filter((t) => matches(t, q)))
                  )
                const ids = [...world.map((t) => t.id).filter((_, i) => i % 2 === 0), "t_none", "tA_none"]
                expect([...(yield* store.existing(ids))].sort()).toEqual(
                  world
                    .map((t) => t.id)
                    .filter((_, i) => i % 2 === 0)
                    .sort()
                )
              })
            )
        ),
        { numRuns }
      )
    )

    it(
      "scan pages agree with inScan and scanOrder (every matching transaction exactly once, in order); keys agree with keyOrder",
      { timeout },
      () =>
        fc.assert(
          fc.asyncProperty(
            worldArb,
            fc.array(scanArb, { minLength: 1, maxLength: 4 }),
            fc.integer({ min: 1, max: 4 }),
            (world, scans, keyLimit) =>
              run(
                Effect.gen(function* () {
                  const store = yield* SettlementStore
                  yield* store.commit({ ...EMPTY, created: world })
                  for (const q of scans) {
                    const expected = world.filter((t) => inScan(t, q)).sort(scanOrder)
                    const seen: Array<BalanceTransaction.BalanceTransaction> = []
                    let after: ScanQuery["after"]
                    for (let page = 0; page <= world.length + 1; page++) {
                      const got = yield* store.scan(after === undefined ? q : { ...q, after })
                      expect(got.length).toBeLessThanOrEqual(q.limit)
                      // each page is the head of what is left, in order
                      const rest = world.filter((t) => inScan(t, after === undefined ? q : { ...q, after }))
                      expect(got).toEqual(rest.sort(scanOrder).slice(0, q.limit))
                      seen.push(...got)
                      if (got.length < q.limit) break
                      const last = got[got.length - 1]!
                      after = { availableOn: last.availableOn, id: last.id }
                    }
                    expect(seen).toEqual(expected)
                    expect(new Set(seen.map((t) => t.id)).size).toBe(seen.length)
                  }
                  const keys = [
                    ...new Map(
                      world.map((t): [string, Key] => [
                        `${t.merchant}\u0001${t.currency}`,
                        { merchant: t.merchant, currency: t.currency }
                      ])
                    ).values()
                  ].sort(keyOrder)
                  const paged: Array<Key> = []
                  let after: Key | undefined
                  for (let page = 0; page <= keys.length + 1; page++) {
                    const got = yield* store.keys(after, keyLimit)
                    expect(got.length).toBeLessThanOrEqual(keyLimit)
                    paged.push(...got)
                    if (got.length < keyLimit) break
                    after = got[got.length - 1]
                  }
                  expect(paged).toEqual(keys)
                  // a cursor that is no key starts after where it would sort
                  const probe: Key = { merchant: "m_B", currency: "F" }
                  expect(yield* store.keys(probe, 100)).toEqual(keys.filter((k) => keyOrder(k, probe) > 0))
                })
              )
          ),
          { numRuns }
        )
    )

    it(
      "exclusive serialises two fibers on one key: each reads the other's commit; a failure of the body comes out as it is",
      { timeout },
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* SettlementStore
            const trace: Array<string> = []
            const writer = (w: string) =>
              store.exclusive(
                "m_1/EUR",
                Effect.gen(function* () {
                  trace.push(`enter ${w}`)
                  const seen = yield* store.transactions({ merchant: "m_1", currency: "EUR" })
                  yield* Effect.sleep("30 millis")
                  // numbered after what it read: two writers reading the same state would collide
                  yield* store.commit({ ...EMPTY, created: [sampleTransaction(`bt_${seen.length}`)] })
                  trace.push(`exit ${w}`)
                  return seen.length
                })
              )
            const counts = yield* Effect.all([writer("a"), writer("b"), writer("c")], {
              concurrency: "unbounded"
            })
            expect([...counts].sort()).toEqual([0, 1, 2])
            expect(trace.map((t) => t.slice(0, 4))).toEqual(["ente", "exit", "ente", "exit", "ente", "exit"])
            expect((yield* all()).map((t) => t.id)).toEqual(["bt_0", "bt_1", "bt_2"])
            const error = yield* Effect.flip(store.exclusive("m_1/EUR", Effect.fail("refused" as const)))
            expect(error).toBe("refused")
            // the key is free again, and a value comes out as it is
            expect(yield* store.exclusive("m_1/EUR", Effect.succeed(42))).toBe(42)
          })
        )
    )

    if (options.atomicExclusive !== false)
      it("a failed exclusive body writes nothing: not its commits, not their events", { timeout }, () =>
        run(
          Effect.gen(function* () {
            const store = yield* SettlementStore
            const before = yield* snapshot("run_1", "po_1")
            const eventsBefore = yield* deliveredIds
            const error = yield* Effect.flip(
              store.exclusive(
                "m_1/EUR",
                Effect.gen(function* () {
                  yield* store.commit({
                    book: { merchant: "m_1", currency: "EUR", schedule: { delayDays: 1 } },
                    created: [sampleTransaction("bt_1")],
                    updated: [],
                    tranches: [
                      {
                        id: "tr_1",
                        merchant: "m_1",
                        currency: "EUR",
                        amount: 5n,
                        remaining: 5n,
                        releaseOn: 1
                      }
                    ],
                    run: sampleRun("run_1"),
                    payout: { payout: samplePayout("po_1"), expectedVersion: undefined },
                    events: [sampleEvent(1, "po_1")]
                  })
                  // inside, the body sees its own write
                  expect(Option.isSome(yield* store.payout("po_1"))).toBe(true)
                  yield* store.commit({ ...EMPTY, created: [sampleTransaction("bt_2")] })
                  return yield* Effect.fail("the ledger refused" as const)
                })
              )
            )
            expect(error).toBe("the ledger refused")
            expect(yield* snapshot("run_1", "po_1")).toEqual(before)
            expect(yield* deliveredIds).toEqual(eventsBefore)
            // the same body without the failure keeps everything
            yield* store.exclusive(
              "m_1/EUR",
              store.commit({
                ...EMPTY,
                created: [sampleTransaction("bt_1")],
                events: [sampleEvent(2, "bt_1")]
              })
            )
            expect((yield* all()).map((t) => t.id)).toEqual(["bt_1"])
            expect(yield* deliveredIds).toEqual([...eventsBefore, sampleEvent(2, "bt_1").id])
          })
        )
      )

    if (options.concurrentTransactions !== false)
      it("exclusive lets two keys run at once", { timeout }, () =>
        run(
          Effect.gen(function* () {
            const store = yield* SettlementStore
            const a = yield* Deferred.make<void>()
            const b = yield* Deferred.make<void>()
            // each body waits for the other to have started: only possible when both run at once
            const both = Effect.all(
              [
                store.exclusive("m_1/EUR", Effect.andThen(Deferred.succeed(a, undefined), Deferred.await(b))),
                store.exclusive("m_2/EUR", Effect.andThen(Deferred.succeed(b, undefined), Deferred.await(a)))
              ],
              { concurrency: "unbounded" }
            )
            const done = yield* Effect.timeoutOption(both, "10 seconds")
            expect(Option.isSome(done)).toBe(true)
          })
        )
      )
  })
}
