import { Client, DomainEvent, Ids, Input, InvalidInput } from "@paykit/core"
import { type Command, Ledger, type StoreFailure } from "@paykit/ledger"
import { type Payment, PaymentNotFound, PaymentStore } from "@paykit/payments"
import { Clock, Context, Effect, Layer, Option, Result, Schema } from "effect"
import * as BalanceTransaction from "./BalanceTransaction.ts"
import * as Calendar from "./Calendar.ts"
import * as FeeSchedule from "./FeeSchedule.ts"
import {
  PayoutNotFound,
  PayoutProviderUnavailable,
  PayoutStatusConflict,
  SettlementRefused
} from "./errors.ts"
import * as Payout from "./Payout.ts"
import * as PayoutProvider from "./PayoutProvider.ts"
import * as PayoutSchedule from "./PayoutSchedule.ts"
import * as ReservePlan from "./ReservePlan.ts"
import * as Run from "./Run.ts"
import * as SettlementStore from "./SettlementStore.ts"
import * as Transactions from "./Transactions.ts"

/**
 * How the settlement service is set up: the business-day calendar (time zone, weekends,
 * holidays), the bank the payouts leave from (`bank:<payoutBank>:clearing:<cur>`, opened with
 * `ChartOfAccounts.settlementBank`), which balance the payments package books refunds on (the
 * same `refundsFrom` as its `Books`; default `available`), the payout schedule of a merchant
 * with none of its own (default T+2, daily, no minimum, negative balances carried), and the
 * report dimensions of a payment (default: its metadata's `method`, `card_brand` and
 * `card_region`).
 *
 * @example
 * ```ts
 * import { Calendar, type Settlement } from "@paykit/settlement"
 * const options: Settlement.Options = {
 *   calendar: Calendar.decodeUnsafe({ timeZone: "Europe/Paris" }),
 *   payoutBank: "operating"
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly calendar: Calendar.Calendar
  readonly payoutBank: string
  readonly refundsFrom?: "pending" | "available" | undefined
  readonly defaultSchedule?: PayoutSchedule.PayoutSchedule | undefined
  readonly describe?: ((p: Payment.Payment) => BalanceTransaction.Dimensions) | undefined
  /**
   * The platform's fee schedule, for its refund policy: a refund (other than a reversal) gets the
   * schedule's `refund` lines — fees returned in proportion, or a refund fee — booked between the
   * platform's fee revenue (`platform:fees:<cur>`) and the balance the refund was booked on, in
   * the entry `<refund id>:fees` (reversed by `<refund id>:returned:fees` if the refund is
   * returned). The version in force when the refund was created applies; none (no schedule, or
   * a refund before its first version) books nothing.
   */
  readonly feeSchedule?: FeeSchedule.FeeSchedule | undefined
}

/**
 * A merchant's balances in one currency, as settlement's records have them (each equals the
 * ledger's account of the same name): `pending` (captured, not yet available), `available`
 * (what the next payout pays; payouts on their way are already taken out) and `reserve`.
 *
 * @example
 * ```ts
 * import type { Settlement } from "@paykit/settlement"
 * const total = (b: Settlement.Balances) => b.pending + b.available + b.reserve
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Balances {
  readonly pending: bigint
  readonly available: bigint
  readonly reserve: bigint
}

/**
 * A news item from the payout provider for one payout (a webhook or a poll).
 *
 * @example
 * ```ts
 * import type { Settlement } from "@paykit/settlement"
 * const news: Settlement.PayoutUpdate = { _tag: "failed", code: "account_closed" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type PayoutUpdate = PayoutProvider.Answer | { readonly _tag: "canceled" }

/**
 * Every error a settlement operation can fail with.
 *
 * @example
 * ```ts
 * import type { Settlement } from "@paykit/settlement"
 * const tag = (e: Settlement.SettlementError) => e._tag
 * ```
 * @category errors
 * @since 0.1.0
 */
export type SettlementError =
  | InvalidInput
  | PaymentNotFound
  | PayoutNotFound
  | PayoutStatusConflict
  | PayoutProviderUnavailable
  | SettlementRefused
  | PayoutSchedule.InvalidPayoutSchedule
  | StoreFailure
  | SettlementStore.PayoutConflict

/**
 * The settlement service: records the balance transactions of payments, runs settlement per
 * merchant and currency (funds made available on schedule, reserves held and released, a payout
 * created), and moves payouts through the payout provider. Every step writes its ledger entry
 * (ids derived from the step, one linked batch) and its records together, for one merchant and
 * currency at a time.
 *
 * @example
 * ```ts
 * import { Settlement } from "@paykit/settlement"
 * import { Effect } from "effect"
 * const day = Effect.flatMap(Settlement.Settlement, (s) =>
 *   s.run({ merchant: "m_1", currency: "EUR", cutoff: Date.UTC(2026, 0, 5) })
 * )
 * ```
 * @category services
 * @since 0.1.0
 */
export class Settlement extends Context.Service<
  Settlement,
  {
    /** Sets a merchant's payout schedule (JSON, see `PayoutSchedule`) and reserve plan for one currency. */
    readonly configure: (
      merchant: string,
      currency: string,
      input: { readonly schedule: unknown; readonly reservePlan?: unknown }
    ) => Effect.Effect<SettlementStore.Book, SettlementError>
    /** Records the balance transactions of a payment's captures and refunds not recorded yet. */
    readonly record: (
      paymentId: string
    ) => Effect.Effect<ReadonlyArray<BalanceTransaction.BalanceTransaction>, SettlementError>
    /** Runs settlement for one merchant and currency up to `cutoff` (epoch ms); idempotent on the three. */
    readonly run: (input: {
      readonly merchant: string
      readonly currency: string
      readonly cutoff: number
    }) => Effect.Effect<Run.Run, SettlementError>
    /**
     * Runs settlement for every merchant and currency with balance transactions, up to `cutoff`,
     * one book at a time (each run idempotent, so a crashed sweep is simply started again).
     */
    readonly runAll: (input: {
      readonly cutoff: number
    }) => Effect.Effect<{ readonly runs: number; readonly payouts: number }, SettlementError>
    /** A page of balance transactions across merchants in `(availableOn, id)` order: what reports stream. */
    readonly scan: (
      query: SettlementStore.ScanQuery
    ) => Effect.Effect<ReadonlyArray<BalanceTransaction.BalanceTransaction>, SettlementError>
    /** Sends a pending payout to the payout provider and applies its answer. */
    readonly sendPayout: (payoutId: string) => Effect.Effect<Payout.Payout, SettlementError>
    /** Applies the payout provider's news (accepted, paid, failed) or the platform's cancel. */
    readonly updatePayout: (
      payoutId: string,
      update: unknown
    ) => Effect.Effect<Payout.Payout, SettlementError>
    readonly payout: (payoutId: string) => Effect.Effect<Payout.Payout, SettlementError>
    readonly balances: (merchant: string, currency: string) => Effect.Effect<Balances, SettlementError>
    readonly transactions: (
      query: SettlementStore.Query
    ) => Effect.Effect<ReadonlyArray<BalanceTransaction.BalanceTransaction>, SettlementError>
    /**
     * Books a movement of the merchant's available balance that no payment step makes: a
     * dispute (the chargeback and its fee), a dispute reversal, a fee charged on its own, or a
     * manual adjustment (see {@link AdjustmentInput}). Idempotent on its id.
     */
    readonly adjust: (
      input: AdjustmentInput
    ) => Effect.Effect<BalanceTransaction.BalanceTransaction, SettlementError>
  }
>()("@paykit/settlement/Settlement") {}

/**
 * A movement of a merchant's available balance booked by `Settlement.adjust`: its id (the
 * transaction is `bt:<id>`, its ledger entry `<id>`), the merchant and currency, the type
 * (`dispute`, `dispute_reversal`, `fee` or `adjustment`), `amount` — signed minor units from the
 * merchant's side as a string (`"-5000"` for a chargeback of 50.00, positive for a reversal or a
 * credit) — an optional `fee` charged with it (a dispute fee, to `platform:fees:<cur>`), the
 * ledger account on the other side of the amount (`counterparty`: the acquirer's clearing
 * account for a dispute, the platform's account for an adjustment; `platform:fees:<cur>` by
 * default for a `fee`), the payment it concerns and a description.
 *
 * @example
 * ```ts
 * import type { Settlement } from "@paykit/settlement"
 * const chargeback: Settlement.AdjustmentInput = {
 *   id: "dp_1", merchant: "m_1", currency: "EUR", type: "dispute", amount: "-5000", fee: "1500",
 *   counterparty: "bank:acq:clearing:EUR", payment: "pay_1", description: "chargeback 10.4 fraud"
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface AdjustmentInput {
  readonly id: string
  readonly merchant: string
  readonly currency: string
  readonly type: "dispute" | "dispute_reversal" | "fee" | "adjustment"
  readonly amount: string
  readonly fee?: string | undefined
  readonly counterparty?: string | undefined
  readonly payment?: string | undefined
  readonly description?: string | undefined
}

const Id = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/, {
    message: "expected 1 to 100 letters, digits, '_', '.', ':' or '-', starting with a letter or digit"
  })
)
const CurrencyCode = Schema.String.check(
  Schema.isPattern(/^[A-Z][A-Z0-9_]{1,11}$/, { message: "expected a currency code such as EUR" })
)
const Instant = Schema.Number.check(
  Schema.makeFilter((n: number) => (Number.isSafeInteger(n) && n >= 0) || "expected epoch milliseconds", {
    title: "EpochMillis"
  })
)
const RunInput = Schema.Struct({ merchant: Id, currency: CurrencyCode, cutoff: Instant })
const BookKey = Schema.Struct({ merchant: Id, currency: CurrencyCode })
const UpdateInput = Schema.Union([
  Schema.Struct({
    _tag: Schema.Literal("accepted"),
    reference: Id,
    arrivalDate: Schema.optionalKey(Instant)
  }),
  Schema.Struct({ _tag: Schema.Literal("paid"), reference: Schema.optionalKey(Id) }),
  Schema.Struct({ _tag: Schema.Literal("failed"), code: Schema.Literals(Payout.failureCodes) }),
  Schema.Struct({ _tag: Schema.Literal("canceled") })
])
const NonNegativeMinor = Schema.String.check(
  Schema.isPattern(/^(0|[1-9][0-9]{0,30})$/, {
    message: "expected minor units as a non-negative integer string"
  })
)
const AdjustInput = Schema.Struct({
  id: Id,
  merchant: Id,
  currency: CurrencyCode,
  type: Schema.Literals(["dispute", "dispute_reversal", "fee", "adjustment"]),
  amount: Schema.String.check(
    Schema.isPattern(/^-?[1-9][0-9]{0,30}$/, {
      message: "expected non-zero signed minor units as an integer string"
    })
  ),
  fee: Schema.optionalKey(NonNegativeMinor),
  counterparty: Schema.optionalKey(
    Schema.String.check(
      Schema.isPattern(/^[a-z]+(:[A-Za-z0-9_.-]+){1,4}$/, { message: "expected a ledger account id" })
    )
  ),
  payment: Schema.optionalKey(Id),
  description: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(500), Input.storableText))
}).check(
  Schema.makeFilter(
    (i: { readonly type: string; readonly counterparty?: string }) =>
      i.type === "fee" ||
      i.counterparty !== undefined || {
        path: ["counterparty"],
        issue:
          "expected the ledger account on the other side (only a fee defaults to platform:fees:<currency>)"
      }
  )
)

const QueryInput = Schema.Struct({
  merchant: Id,
  currency: CurrencyCode,
  status: Schema.optionalKey(Schema.Literals(["pending", "available"])),
  dueBy: Schema.optionalKey(Instant),
  unpaid: Schema.optionalKey(Schema.Boolean),
  payout: Schema.optionalKey(Id)
})

const ScanInput = Schema.Struct({
  availableFrom: Schema.optionalKey(Instant),
  availableTo: Schema.optionalKey(Instant),
  merchant: Schema.optionalKey(Id),
  currency: Schema.optionalKey(CurrencyCode),
  after: Schema.optionalKey(Schema.Struct({ availableOn: Instant, id: Schema.String })),
  limit: Schema.Number.check(
    Schema.makeFilter(
      (n: number) => (Number.isInteger(n) && n >= 1 && n <= 10_000) || "expected 1 to 10000",
      {
        title: "Limit"
      }
    )
  )
})

const DEFAULT_SCHEDULE_JSON = { delayDays: 2, interval: { _tag: "daily" }, negativeBalance: "carry" }

/** The report dimensions a payment's metadata gives by default. */
const fromMetadata = (p: Payment.Payment): BalanceTransaction.Dimensions => {
  const m = p.metadata ?? {}
  return {
    ...(m["method"] === undefined ? {} : { method: m["method"] }),
    ...(m["card_brand"] === undefined ? {} : { brand: m["card_brand"] }),
    ...(m["card_region"] === undefined ? {} : { region: m["card_region"] })
  }
}

const sumNet = (ts: ReadonlyArray<BalanceTransaction.BalanceTransaction>) =>
  ts.reduce((s, t) => s + t.net, 0n)

/**
 * Builds the settlement service (needs the `SettlementStore`, the `Ledger`, the payments
 * package's `PaymentStore` and `Ids`; the `PayoutProvider` only for `sendPayout`).
 *
 * @example
 * ```ts
 * import { Calendar, Settlement } from "@paykit/settlement"
 * const service = Settlement.make({ calendar: Calendar.decodeUnsafe({ timeZone: "UTC" }), payoutBank: "operating" })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (options: Options) =>
  Effect.gen(function* () {
    const store = yield* SettlementStore.SettlementStore
    const ledger = yield* Ledger.Ledger
    const payments = yield* PaymentStore.PaymentStore
    const ids = yield* Ids.Ids
    const provider = yield* Effect.serviceOption(PayoutProvider.PayoutProvider)
    const cal = options.calendar
    const refundsFrom = options.refundsFrom ?? "available"
    const describe = options.describe ?? fromMetadata
    const defaultSchedule = options.defaultSchedule ?? PayoutSchedule.decodeUnsafe(DEFAULT_SCHEDULE_JSON)
    const keyOf = (merchant: string, currency: string) => `${merchant}/${currency}`
    const accountsOf = (merchant: string, currency: string) => ({
      pending: `merchant:${merchant}:pending:${currency}`,
      available: `merchant:${merchant}:available:${currency}`,
      reserve: `merchant:${merchant}:reserve:${currency}`,
      bank: `bank:${options.payoutBank}:clearing:${currency}`
    })

    const scheduleOf = (merchant: string, currency: string) =>
      Effect.map(store.book(merchant, currency), (b) => {
        if (Option.isNone(b)) return { schedule: defaultSchedule, plan: undefined }
        const s = PayoutSchedule.decode(b.value.schedule)
        return { schedule: Result.isSuccess(s) ? s.success : defaultSchedule, plan: b.value.reservePlan }
      })

    /** Posts one step's ledger commands as one linked batch; a refusal fails the step, nothing written. */
    const post = (operation: string, commands: ReadonlyArray<Command.Command>) =>
      commands.length === 0
        ? Effect.void
        : Effect.flatMap(
            Effect.mapError(
              ledger.executeSummary(commands, "linked"),
              (e) => new SettlementRefused({ operation, reason: e.message })
            ),
            (summary) => {
              const f = summary.failures[0]
              return f === undefined
                ? Effect.void
                : Effect.fail(
                    new SettlementRefused({ operation, reason: `${f.error._tag}: ${f.error.message}` })
                  )
            }
          )

    const events = (drafts: ReadonlyArray<{ type: string; subject: string; data: unknown }>, now: number) =>
      DomainEvent.envelopes(drafts.map((d) => ({ ...d, at: now }))).pipe(Effect.provideService(Ids.Ids, ids))

    const payoutJson = (p: Payout.Payout) => ({
      id: p.id,
      merchant: p.merchant,
      currency: p.currency,
      amount: p.amount.toString(),
      status: p.status,
      run: p.run,
      ...(p.failureCode === undefined ? {} : { failureCode: p.failureCode })
    })

    /** The refund policy's fee lines of one refund, from the fee schedule (none without one). */
    const refundFeesOf =
      (currency: string): Transactions.Options["refundFees"] =>
      (p, r, settled, captureFees) => {
        if (options.feeSchedule === undefined) return []
        const originalAmount = p.captures.reduce(
          (a, c) => a + (c.conversion?.settled.amount ?? c.amount.amount),
          0n
        )
        const lines = FeeSchedule.adjustment(options.feeSchedule, "refund", {
          originalFees: captureFees,
          originalAmount,
          amount: settled < originalAmount ? settled : originalAmount,
          currency,
          at: r.createdAt
        })
        return Result.isSuccess(lines) ? lines.success : []
      }

    /** The ledger transfer of a refund's (or returned refund's) fee-policy lines, if it has any. */
    const feeCommand = (t: BalanceTransaction.BalanceTransaction): ReadonlyArray<Command.Command> => {
      const id = Transactions.feeEntryOf(t.source)
      if (!t.ledgerEntries.includes(id) || t.fee === 0n) return []
      const merchant = accountsOf(t.merchant, t.currency)[refundsFrom]
      const fees = `platform:fees:${t.currency}`
      return [
        {
          _tag: "Transfer",
          id,
          postings: [
            t.fee > 0n
              ? { debit: merchant, credit: fees, amount: t.fee, currency: t.currency }
              : { debit: fees, credit: merchant, amount: -t.fee, currency: t.currency }
          ],
          metadata: { source: t.source, step: "refund_fees" }
        }
      ]
    }

    const configure: Settlement["Service"]["configure"] = (merchant, currency, input) =>
      Effect.gen(function* () {
        const key = yield* Input.decode("configure", BookKey)({ merchant, currency })
        const raw = yield* Input.decode(
          "configure",
          Schema.Struct({ schedule: Schema.Unknown, reservePlan: Schema.optionalKey(Schema.Unknown) })
        )(input)
        yield* Effect.fromResult(PayoutSchedule.decode(raw.schedule))
        const plan =
          raw.reservePlan === undefined
            ? undefined
            : yield* Effect.fromResult(ReservePlan.decode(raw.reservePlan))
        const book: SettlementStore.Book = {
          merchant: key.merchant,
          currency: key.currency,
          schedule: raw.schedule,
          ...(plan === undefined ? {} : { reservePlan: plan })
        }
        yield* store.exclusive(
          keyOf(key.merchant, key.currency),
          store.commit({ book, created: [], updated: [], tranches: [], events: [] })
        )
        return book
      })

    const record: Settlement["Service"]["record"] = (paymentId) =>
      Effect.gen(function* () {
        const { id } = yield* Input.decode("record", Schema.Struct({ id: Id }))({ id: paymentId })
        const first = yield* payments.get(id)
        if (Option.isNone(first)) return yield* Effect.fail(new PaymentNotFound({ paymentId: id }))
        const p0 = first.value.payment
        const currency = p0.settlementCurrency ?? p0.amount.currency.code
        return yield* store.exclusive(
          keyOf(p0.merchant, currency),
          Effect.gen(function* () {
            // read again under the lock: the newest state of the payment
            const again = yield* payments.get(id)
            const p = Option.isSome(again) ? again.value.payment : p0
            const { schedule } = yield* scheduleOf(p.merchant, currency)
            const candidates = [
              ...p.captures.map((c) => Transactions.idOf(c.id)),
              ...p.refunds.flatMap((r) => [Transactions.idOf(r.id), Transactions.idOf(`${r.id}:returned`)])
            ]
            const recorded = yield* store.existing(candidates)
            const succeeded = new Set<string>()
            for (const r of p.refunds)
              if (r.status === "failed" && !recorded.has(Transactions.idOf(r.id))) {
                const entry = yield* Effect.option(ledger.getEntry(r.id))
                if (Option.isSome(entry)) succeeded.add(r.id)
              }
            const now = yield* Clock.currentTimeMillis
            const created = Transactions.fromPayment(p, recorded, (rid) => succeeded.has(rid), {
              availableOn: (at) => Calendar.availableOn(cal, at, schedule.delayDays),
              refundsFrom,
              describe,
              now,
              refundFees: refundFeesOf(currency)
            })
            yield* post("record", created.flatMap(feeCommand))
            if (created.length > 0) yield* store.commit({ created, updated: [], tranches: [], events: [] })
            return created
          })
        )
      })

    const run: Settlement["Service"]["run"] = (input) =>
      Effect.gen(function* () {
        const i = yield* Input.decode("run", RunInput)(input)
        const clock = yield* Clock.currentTimeMillis
        if (i.cutoff > clock)
          return yield* Effect.fail(
            new InvalidInput({
              operation: "run",
              path: "cutoff",
              reason: "a cut-off in the future would make funds available early; run at or after it"
            })
          )
        const runId = Run.idOf(i.merchant, i.currency, i.cutoff)
        return yield* store.exclusive(
          keyOf(i.merchant, i.currency),
          Effect.gen(function* () {
            const done = yield* store.run(runId)
            if (Option.isSome(done)) return done.value
            const { schedule, plan } = yield* scheduleOf(i.merchant, i.currency)
            const due = yield* store.transactions({
              merchant: i.merchant,
              currency: i.currency,
              status: "pending",
              dueBy: i.cutoff
            })
            const unpaid = yield* store.transactions({
              merchant: i.merchant,
              currency: i.currency,
              status: "available",
              unpaid: true
            })
            const tranches = yield* store.tranches(i.merchant, i.currency)
            const now = yield* Clock.currentTimeMillis
            const payDay = PayoutSchedule.isPayoutDay(schedule, cal, Calendar.localDate(cal, i.cutoff))
            const planned = Run.plan({
              merchant: i.merchant,
              currency: i.currency,
              cutoff: i.cutoff,
              now,
              due,
              unpaid,
              tranches,
              plan,
              accounts: accountsOf(i.merchant, i.currency),
              decide: (available) => {
                if (schedule.interval._tag === "manual") return { _tag: "carry", reason: "manual" }
                if (!payDay) return { _tag: "carry", reason: "not_a_payout_day" }
                return PayoutSchedule.payoutDecision(schedule, { available, currency: i.currency })
              }
            })
            yield* post("run", planned.commands)
            const drafts: Array<{ type: string; subject: string; data: unknown }> = [
              {
                type: "settlement.run.completed",
                subject: runId,
                data: {
                  merchant: i.merchant,
                  currency: i.currency,
                  cutoff: i.cutoff,
                  madeAvailable: planned.run.madeAvailable,
                  madeAvailableNet: planned.run.madeAvailableNet.toString(),
                  payout: planned.run.payout ?? null
                }
              }
            ]
            if (planned.run.reserveReleased > 0n)
              drafts.push({
                type: "settlement.reserve.released",
                subject: runId,
                data: {
                  merchant: i.merchant,
                  currency: i.currency,
                  amount: planned.run.reserveReleased.toString()
                }
              })
            if (planned.payout !== undefined)
              drafts.push({
                type: "settlement.payout.created",
                subject: planned.payout.id,
                data: payoutJson(planned.payout)
              })
            yield* store.commit({
              created: planned.created,
              updated: planned.updated,
              tranches: planned.tranches,
              run: planned.run,
              ...(planned.payout === undefined
                ? {}
                : { payout: { payout: planned.payout, expectedVersion: undefined } }),
              events: yield* events(drafts, now)
            })
            return planned.run
          })
        )
      })

    const runAll: Settlement["Service"]["runAll"] = (input) =>
      Effect.gen(function* () {
        const { cutoff } = yield* Input.decode("runAll", Schema.Struct({ cutoff: Instant }))(input)
        let runs = 0
        let payouts = 0
        let after: SettlementStore.Key | undefined
        for (;;) {
          const keys = yield* store.keys(after, 500)
          for (const k of keys) {
            const r = yield* run({ merchant: k.merchant, currency: k.currency, cutoff })
            runs++
            if (r.payout !== undefined) payouts++
          }
          if (keys.length < 500) return { runs, payouts }
          after = keys[keys.length - 1]
        }
      })

    const scan: Settlement["Service"]["scan"] = (query) =>
      Effect.flatMap(Input.decode("scan", ScanInput)(query), (q) => store.scan(q))

    const loadPayout = (id: string) =>
      Effect.flatMap(store.payout(id), (o) =>
        Option.isSome(o) ? Effect.succeed(o.value) : Effect.fail(new PayoutNotFound({ payoutId: id }))
      )

    /** The ledger commands and balance transactions of moving `p` with `update` (pure). */
    const applyUpdate = (p: Payout.Payout, update: PayoutUpdate, now: number) => {
      const command: Payout.Command = update._tag
      const to = Payout.machine.transition(p.status, command)
      const e = Payout.entryIds(p.id)
      const accounts = accountsOf(p.merchant, p.currency)
      const commands: Array<Command.Command> = []
      const created: Array<BalanceTransaction.BalanceTransaction> = []
      if (Result.isFailure(to))
        return Result.fail(new PayoutStatusConflict({ payoutId: p.id, status: p.status, step: command }))
      const next: Payout.Payout = {
        ...p,
        status: to.success,
        updatedAt: now,
        version: p.version + 1,
        ...(update._tag === "accepted"
          ? {
              reference: update.reference,
              ...(update.arrivalDate === undefined ? {} : { arrivalDate: update.arrivalDate })
            }
          : {}),
        ...(update._tag === "paid" && update.reference !== undefined ? { reference: update.reference } : {}),
        ...(update._tag === "failed"
          ? { failureCode: update.code, ...(p.status === "paid" ? { failedAfterPaid: true } : {}) }
          : {})
      }
      if (to.success === "paid") commands.push({ _tag: "PostHold", id: e.paid, holdId: e.hold })
      if (to.success === "failed" || to.success === "canceled") {
        // its source is the payout (what reports read it by); its id says which ending it was
        const ending = `${p.id}:${to.success === "canceled" ? "canceled" : "failed"}`
        if (p.status === "paid") {
          // the bank returned a paid payout: a new entry brings the money back, never an edit
          commands.push({
            _tag: "Transfer",
            id: e.returned,
            postings:
              p.amount > 0n
                ? [
                    {
                      debit: accounts.bank,
                      credit: accounts.available,
                      amount: p.amount,
                      currency: p.currency
                    }
                  ]
                : [
                    {
                      debit: accounts.available,
                      credit: accounts.bank,
                      amount: -p.amount,
                      currency: p.currency
                    }
                  ]
          })
        } else commands.push({ _tag: "VoidHold", id: e.voided, holdId: e.hold })
        created.push({
          id: Transactions.idOf(ending),
          merchant: p.merchant,
          currency: p.currency,
          type: "payout_failure",
          reportingCategory: "payout_reversal",
          gross: p.amount,
          fee: 0n,
          feeDetails: [],
          net: p.amount,
          source: p.id,
          createdAt: now,
          availableOn: now,
          status: "available",
          description:
            to.success === "canceled"
              ? "payout canceled"
              : Payout.failureMessages[(update as { code: Payout.FailureCode }).code],
          dimensions: {},
          ledgerEntries: [p.status === "paid" ? e.returned : e.voided]
        })
      }
      return Result.succeed({ next, commands, created })
    }

    const move = (p: Payout.Payout, update: PayoutUpdate) =>
      Effect.gen(function* () {
        // the same news twice changes nothing (a webhook delivered again)
        if (
          (update._tag === "accepted" && p.status === "in_transit") ||
          (update._tag === "paid" && p.status === "paid") ||
          (update._tag === "failed" && p.status === "failed") ||
          (update._tag === "canceled" && p.status === "canceled")
        )
          return p
        const now = yield* Clock.currentTimeMillis
        const step = yield* Effect.fromResult(applyUpdate(p, update, now))
        yield* post(`payout ${update._tag}`, step.commands)
        const type =
          step.next.status === "in_transit"
            ? "settlement.payout.in_transit"
            : `settlement.payout.${step.next.status}`
        yield* store.commit({
          created: step.created,
          updated: [],
          tranches: [],
          payout: { payout: step.next, expectedVersion: p.version },
          events: yield* events([{ type, subject: p.id, data: payoutJson(step.next) }], now)
        })
        return step.next
      })

    const withPayout = <A, E>(
      operation: string,
      payoutId: string,
      f: (p: Payout.Payout) => Effect.Effect<A, E>
    ) =>
      Effect.gen(function* () {
        const { id } = yield* Input.decode(operation, Schema.Struct({ id: Id }))({ id: payoutId })
        const p0 = yield* loadPayout(id)
        return yield* store.exclusive(keyOf(p0.merchant, p0.currency), Effect.flatMap(loadPayout(id), f))
      })

    const sendPayout: Settlement["Service"]["sendPayout"] = (payoutId) =>
      withPayout("sendPayout", payoutId, (p) =>
        Effect.gen(function* () {
          if (p.status !== "pending") return p
          if (Option.isNone(provider))
            return yield* Effect.fail(
              new PayoutProviderUnavailable({ payoutId: p.id, reason: "no PayoutProvider in the context" })
            )
          const answer = yield* provider.value.send(p)
          return yield* move(p, answer)
        })
      )

    const updatePayout: Settlement["Service"]["updatePayout"] = (payoutId, update) =>
      Effect.gen(function* () {
        const u = (yield* Input.decode("updatePayout", UpdateInput)(update)) as PayoutUpdate
        return yield* withPayout("updatePayout", payoutId, (p) => move(p, u))
      })

    const payout: Settlement["Service"]["payout"] = (payoutId) =>
      Effect.flatMap(Input.decode("payout", Schema.Struct({ id: Id }))({ id: payoutId }), ({ id }) =>
        loadPayout(id)
      )

    const balances: Settlement["Service"]["balances"] = (merchant, currency) =>
      Effect.gen(function* () {
        const k = yield* Input.decode("balances", BookKey)({ merchant, currency })
        const all = yield* store.transactions({ merchant: k.merchant, currency: k.currency })
        const pending = sumNet(all.filter((t) => t.status === "pending"))
        const available = sumNet(all.filter((t) => t.status === "available"))
        const reserve = -sumNet(all.filter((t) => t.type === "reserve_hold" || t.type === "reserve_release"))
        return { pending, available, reserve }
      })

    const adjust: Settlement["Service"]["adjust"] = (input) =>
      Effect.gen(function* () {
        const i = yield* Input.decode("adjust", AdjustInput)(input)
        const id = Transactions.idOf(i.id)
        return yield* store.exclusive(
          keyOf(i.merchant, i.currency),
          Effect.gen(function* () {
            const known = yield* store.transactions({ merchant: i.merchant, currency: i.currency })
            const before = known.find((t) => t.id === id)
            if (before !== undefined) return before
            const now = yield* Clock.currentTimeMillis
            const gross = BigInt(i.amount)
            const fee = BigInt(i.fee ?? "0")
            const accounts = accountsOf(i.merchant, i.currency)
            const fees = `platform:fees:${i.currency}`
            const other = i.counterparty ?? fees
            const postings = [
              gross < 0n
                ? { debit: accounts.available, credit: other, amount: -gross, currency: i.currency }
                : { debit: other, credit: accounts.available, amount: gross, currency: i.currency },
              ...(fee > 0n
                ? [{ debit: accounts.available, credit: fees, amount: fee, currency: i.currency }]
                : [])
            ]
            yield* post("adjust", [
              {
                _tag: "Transfer",
                id: i.id,
                postings,
                metadata: { step: i.type, ...(i.payment === undefined ? {} : { payment: i.payment }) }
              }
            ])
            const t: BalanceTransaction.BalanceTransaction = {
              id,
              merchant: i.merchant,
              currency: i.currency,
              type: i.type,
              reportingCategory: BalanceTransaction.reportingCategoryOf[i.type],
              gross,
              fee,
              feeDetails:
                fee > 0n
                  ? [{ kind: i.type === "fee" ? "other" : "dispute", label: `${i.type} fee`, amount: fee }]
                  : [],
              net: gross - fee,
              source: i.id,
              ...(i.payment === undefined ? {} : { payment: i.payment }),
              createdAt: now,
              availableOn: now,
              status: "available",
              ...(i.description === undefined ? {} : { description: i.description }),
              dimensions: {},
              ledgerEntries: [i.id]
            }
            yield* store.commit({ created: [t], updated: [], tranches: [], events: [] })
            return t
          })
        )
      })

    const transactions: Settlement["Service"]["transactions"] = (query) =>
      Effect.flatMap(Input.decode("transactions", QueryInput)(query), (q) => store.transactions(q))

    return Settlement.of({
      configure,
      record,
      run,
      runAll,
      scan,
      sendPayout,
      updatePayout,
      payout,
      balances,
      transactions,
      adjust
    })
  })

/**
 * The settlement service as a layer.
 *
 * @example
 * ```ts
 * import { Calendar, Settlement } from "@paykit/settlement"
 * const layer = Settlement.layer({ calendar: Calendar.decodeUnsafe({ timeZone: "UTC" }), payoutBank: "operating" })
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layer = (options: Options) => Layer.effect(Settlement, make(options))

/**
 * A Promise client of the settlement service for code not written with Effect: every operation
 * returns a `Promise`, a typed error rejects with the error itself (`e._tag`). The layer is built
 * once, on the first call, on one long-lived runtime: create the client at start-up, share it,
 * and `dispose()` it on shutdown.
 *
 * @example
 * ```ts
 * import { Settlement } from "@paykit/settlement"
 * declare const layer: Parameters<typeof Settlement.client>[0] // Settlement.layer(…) with its stores provided
 * const settlement = Settlement.client(layer)
 * await settlement.runAll({ cutoff: Date.now() })
 * process.on("SIGTERM", () => void settlement.dispose())
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const client = <E = never, R = never>(
  layer: Layer.Layer<Settlement | R, E, never>
): SettlementClient<E, R> =>
  Client.make(Settlement as unknown as Context.Service<Settlement | R, Settlement["Service"]>, layer)

/**
 * The Promise client of the settlement service (`Settlement.client`).
 *
 * @example
 * ```ts
 * import type { Settlement } from "@paykit/settlement"
 * const close = (s: Settlement.SettlementClient) => s.dispose()
 * ```
 * @category models
 * @since 0.1.0
 */
export type SettlementClient<E = never, R = never> = Client.Client<Settlement["Service"], Settlement | R, E>
