import { type DomainEvent, Notifier } from "@paykit/core"
import { StoreFailure } from "@paykit/ledger"
import { Context, Effect, Layer, Option, Schema, Semaphore } from "effect"
import type * as Payment from "./Payment.ts"
import type * as Status from "./Status.ts"
import type * as Tracking from "./Tracking.ts"

/**
 * A payment as the store keeps it: the payment and its append-only timeline (its captures' and
 * refunds' entries included).
 *
 * @category models
 * @since 0.1.0
 */
export interface Stored {
  readonly payment: Payment.Payment
  readonly timeline: ReadonlyArray<Tracking.Entry>
}

/**
 * What an idempotency key answered the first time: the operation, the request's parameters as
 * the service compared them, and the outcome (the payment as it was then, or the typed error),
 * which every later use of the key with the same parameters gets back as it is.
 *
 * @category models
 * @since 0.1.0
 */
export interface IdempotencyRecord {
  readonly merchant: string
  readonly key: string
  readonly operation: string
  readonly paymentId: string
  readonly request: Readonly<Record<string, string>>
  readonly outcome:
    | { readonly _tag: "Success"; readonly payment: Payment.Payment }
    | { readonly _tag: "Failure"; readonly error: unknown }
  readonly at: number
}

/**
 * The payment was changed by another writer since it was read (its version moved): the service
 * decides again on the new state.
 *
 * @example
 * ```ts
 * import { PaymentStore } from "@paykit/payments"
 * new PaymentStore.VersionConflict({ paymentId: "pay_1", expected: 3 }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class VersionConflict extends Schema.TaggedError<VersionConflict>()("VersionConflict", {
  paymentId: Schema.String,
  expected: Schema.Number
}) {
  override get message(): string {
    return `payment ${this.paymentId} changed since version ${this.expected} was read; decide again`
  }
}

/**
 * One atomic write: the payment's new state (absent when only an idempotent failure is
 * recorded), the version it was decided on (`undefined` for a new payment), the timeline entries
 * it adds, the idempotency record, and the events it causes (the memory store hands them to the
 * `Notifier` after the commit; the PostgreSQL adapter writes them to the outbox in the same
 * transaction).
 *
 * @category models
 * @since 0.1.0
 */
export interface Change {
  readonly paymentId: string
  readonly payment?: Payment.Payment | undefined
  readonly expectedVersion: number | undefined
  readonly timeline: ReadonlyArray<Tracking.Entry>
  readonly idempotency?: IdempotencyRecord | undefined
  readonly events: ReadonlyArray<DomainEvent.DomainEvent>
}

/**
 * A merchant's search: by status, method, customer, creation time (`from` inclusive, `to`
 * exclusive, epoch ms) and amount range (minor units, inclusive), newest first, `limit` per
 * page (1–100) after the `cursor` a previous page returned.
 *
 * @category models
 * @since 0.1.0
 */
export interface Query {
  readonly merchant: string
  readonly status?: ReadonlyArray<Status.Status> | undefined
  readonly paymentMethod?: string | undefined
  readonly customer?: string | undefined
  readonly from?: number | undefined
  readonly to?: number | undefined
  readonly minAmount?: bigint | undefined
  readonly maxAmount?: bigint | undefined
  readonly limit: number
  readonly cursor?: string | undefined
}

/**
 * A page of a search and the cursor of the next one (absent on the last page).
 *
 * @category models
 * @since 0.1.0
 */
export interface Page {
  readonly payments: ReadonlyArray<Payment.Payment>
  readonly next?: string | undefined
}

/**
 * The payments storage port. `exclusive(id, f)` runs `f` while no other writer of this payment
 * runs (the memory store: one at a time per id; PostgreSQL: the payment's row lock, in a
 * transaction that a ledger write inside `f` joins), so a read, the provider call, the ledger
 * entry and the commit of one step are one unit.
 *
 * @category services
 * @since 0.1.0
 */
export class PaymentStore extends Context.Service<
  PaymentStore,
  {
    readonly get: (id: string) => Effect.Effect<Option.Option<Stored>, StoreFailure>
    readonly idempotency: (
      merchant: string,
      key: string
    ) => Effect.Effect<Option.Option<IdempotencyRecord>, StoreFailure>
    readonly exclusive: <A, E, R>(
      id: string,
      f: Effect.Effect<A, E, R>
    ) => Effect.Effect<A, E | StoreFailure, R>
    readonly commit: (change: Change) => Effect.Effect<void, StoreFailure | VersionConflict>
    /** Ids of payments whose authorisation lapsed by `now` (waiting for capture, `expiresAt <= now`). */
    readonly expiring: (now: number, limit: number) => Effect.Effect<ReadonlyArray<string>, StoreFailure>
    /** Ids of payments waiting for the provider: processing, requires action, or with an open refund. */
    readonly awaitingProvider: (limit: number) => Effect.Effect<ReadonlyArray<string>, StoreFailure>
    readonly list: (query: Query) => Effect.Effect<Page, StoreFailure>
    readonly counts: (merchant: string) => Effect.Effect<Readonly<Record<string, number>>, StoreFailure>
  }
>()("@paykit/payments/PaymentStore") {}

const waitingForProvider = (p: Payment.Payment) =>
  p.status === "processing" ||
  p.status === "requires_action" ||
  p.refunds.some((r) => r.status === "pending" || r.status === "requires_action")

/** The cursor of a payment in the newest-first order: its creation time and id. */
const cursorOf = (p: Payment.Payment) => `${p.createdAt}.${p.id}`
const before = (p: Payment.Payment, cursor: string) => {
  const dot = cursor.indexOf(".")
  const at = Number(cursor.slice(0, dot))
  const id = cursor.slice(dot + 1)
  return p.createdAt < at || (p.createdAt === at && p.id < id)
}
const newestFirst = (a: Payment.Payment, b: Payment.Payment) =>
  b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

/** Whether a payment matches a search's filters (pure; every store filters the same way). */
export const matches = (p: Payment.Payment, q: Query): boolean =>
  p.merchant === q.merchant &&
  (q.status === undefined || q.status.includes(p.status)) &&
  (q.paymentMethod === undefined || p.paymentMethod === q.paymentMethod) &&
  (q.customer === undefined || p.customer === q.customer) &&
  (q.from === undefined || p.createdAt >= q.from) &&
  (q.to === undefined || p.createdAt < q.to) &&
  (q.minAmount === undefined || p.amount.amount >= q.minAmount) &&
  (q.maxAmount === undefined || p.amount.amount <= q.maxAmount)

/**
 * The in-memory store: payments, timelines and idempotency records in maps; one writer at a
 * time per payment; events handed to the `Notifier` after each commit.
 *
 * @example
 * ```ts
 * import { PaymentStore } from "@paykit/payments"
 * import { Notifier } from "@paykit/core"
 * import { Layer } from "effect"
 * const store = PaymentStore.layerMemory.pipe(Layer.provide(Notifier.layerMemory))
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<PaymentStore, never, Notifier.Notifier> = Layer.effect(
  PaymentStore,
  Effect.gen(function* () {
    const notifier = yield* Notifier.Notifier
    const payments = new Map<string, Stored>()
    const keys = new Map<string, IdempotencyRecord>()
    const locks = new Map<string, { readonly sem: Semaphore.Semaphore; users: number }>()
    const keyOf = (merchant: string, key: string) => `${merchant}\u0000${key}`

    const exclusive = <A, E, R>(
      id: string,
      f: Effect.Effect<A, E, R>
    ): Effect.Effect<A, E | StoreFailure, R> =>
      Effect.suspend(() => {
        let lock = locks.get(id)
        if (lock === undefined) {
          lock = { sem: Semaphore.makeUnsafe(1), users: 0 }
          locks.set(id, lock)
        }
        const l = lock
        l.users++
        return l.sem
          .withPermits(1)(f)
          .pipe(
            Effect.ensuring(
              Effect.sync(() => {
                l.users--
                if (l.users === 0) locks.delete(id)
              })
            )
          )
      })

    const commit = (change: Change): Effect.Effect<void, StoreFailure | VersionConflict> =>
      Effect.suspend((): Effect.Effect<void, StoreFailure | VersionConflict> => {
        const current = payments.get(change.paymentId)
        if (change.payment !== undefined) {
          const version = current?.payment.version
          if (version !== change.expectedVersion)
            return Effect.fail(
              new VersionConflict({ paymentId: change.paymentId, expected: change.expectedVersion ?? -1 })
            )
        }
        if (change.idempotency !== undefined) {
          const k = keyOf(change.idempotency.merchant, change.idempotency.key)
          if (keys.has(k))
            return Effect.fail(
              new StoreFailure({
                operation: "commit",
                reason: `idempotency key ${change.idempotency.key} was recorded by another request meanwhile`
              })
            )
          keys.set(k, change.idempotency)
        }
        const payment = change.payment ?? current?.payment
        if (payment !== undefined)
          payments.set(change.paymentId, {
            payment,
            timeline: [...(current?.timeline ?? []), ...change.timeline]
          })
        return Notifier.afterCommit(notifier, change.events, "payments")
      })

    return {
      get: (id) => Effect.sync(() => Option.fromNullishOr(payments.get(id))),
      idempotency: (merchant, key) => Effect.sync(() => Option.fromNullishOr(keys.get(keyOf(merchant, key)))),
      exclusive,
      commit,
      expiring: (now, limit) =>
        Effect.sync(() =>
          [...payments.values()]
            .filter(
              (s) =>
                (s.payment.status === "requires_capture" || s.payment.status === "partially_captured") &&
                s.payment.expiresAt !== undefined &&
                s.payment.expiresAt <= now
            )
            .slice(0, limit)
            .map((s) => s.payment.id)
        ),
      awaitingProvider: (limit) =>
        Effect.sync(() =>
          [...payments.values()]
            .filter((s) => waitingForProvider(s.payment))
            .slice(0, limit)
            .map((s) => s.payment.id)
        ),
      list: (q) =>
        Effect.sync(() => {
          const all = [...payments.values()]
            .map((s) => s.payment)
            .filter((p) => matches(p, q) && (q.cursor === undefined || before(p, q.cursor)))
            .sort(newestFirst)
          const page = all.slice(0, q.limit)
          return all.length > q.limit ? { payments: page, next: cursorOf(page.at(-1)!) } : { payments: page }
        }),
      counts: (merchant) =>
        Effect.sync(() => {
          const out: Record<string, number> = {}
          for (const s of payments.values())
            if (s.payment.merchant === merchant) out[s.payment.status] = (out[s.payment.status] ?? 0) + 1
          return out
        })
    }
  })
)
