import type { DomainEvent } from "@paykit/core"
import type { BalanceTransaction, Payout, Run, SettlementStore } from "@paykit/settlement"
import { MAX } from "../../internal/adapter.ts"

// ---------------------------------------------------------------------------------------------
// What PostgreSQL cannot store exactly, found before any SQL is sent

/** A NUL, or a lone UTF-16 surrogate (text and jsonb refuse both; the driver would alter the second). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
const notText = (v: string): boolean => v.includes("\u0000") || LONE_SURROGATE.test(v)
const LIMIT = BigInt(MAX)

/**
 * The first value under `path` that PostgreSQL cannot store exactly: text with a NUL or a lone
 * surrogate (in a value or a key), an amount outside ±(2^127 − 1), a time or count that is not a
 * safe integer, a value that is not JSON (a function, a `bigint` in JSON data, a cycle). `undefined`
 * when all is storable. `amounts` and `integers` name the fields of `value` (not nested) that are
 * amounts and whole numbers.
 */
const problemIn = (value: unknown, path: string, seen: Set<unknown>): string | undefined => {
  switch (typeof value) {
    case "string":
      return notText(value)
        ? `${path} holds a NUL or a lone surrogate, which PostgreSQL text cannot hold`
        : undefined
    case "number":
      return Number.isFinite(value) ? undefined : `${path} is not a finite number`
    case "boolean":
    case "undefined":
      return undefined
    case "bigint":
      return `${path} is a bigint where JSON is expected`
    case "object": {
      if (value === null) return undefined
      if (seen.has(value)) return `${path} refers to itself`
      seen.add(value)
      for (const [k, v] of Object.entries(value)) {
        const at = `${path}.${k}`
        if (notText(k)) return `${at} (a key) holds a NUL or a lone surrogate`
        const found = problemIn(v, at, seen)
        if (found !== undefined) return found
      }
      seen.delete(value)
      return undefined
    }
    default:
      return `${path} is a ${typeof value}, not JSON`
  }
}

const text = (v: unknown, path: string): string | undefined =>
  typeof v !== "string"
    ? `${path} is not text`
    : notText(v)
      ? `${path} holds a NUL or a lone surrogate, which PostgreSQL text cannot hold`
      : undefined
const optionalText = (v: unknown, path: string): string | undefined =>
  v === undefined ? undefined : text(v, path)
const amount = (v: unknown, path: string): string | undefined =>
  typeof v !== "bigint"
    ? `${path} is not a bigint amount`
    : v > LIMIT || v < -LIMIT
      ? `${path} is outside the supported range ±(2^127 − 1)`
      : undefined
const integer = (v: unknown, path: string): string | undefined =>
  Number.isSafeInteger(v) ? undefined : `${path} is not a safe integer`
const optionalInteger = (v: unknown, path: string): string | undefined =>
  v === undefined ? undefined : integer(v, path)

const first = (...checks: ReadonlyArray<string | undefined>): string | undefined =>
  checks.find((c) => c !== undefined)

const transactionProblem = (t: BalanceTransaction.BalanceTransaction, path: string): string | undefined =>
  first(
    text(t.id, `${path}.id`),
    text(t.merchant, `${path}.merchant`),
    text(t.currency, `${path}.currency`),
    text(t.type, `${path}.type`),
    text(t.reportingCategory, `${path}.reportingCategory`),
    amount(t.gross, `${path}.gross`),
    amount(t.fee, `${path}.fee`),
    amount(t.net, `${path}.net`),
    Array.isArray(t.feeDetails)
      ? first(
          ...t.feeDetails.map((d, i) =>
            first(
              text(d.kind, `${path}.feeDetails[${i}].kind`),
              text(d.label, `${path}.feeDetails[${i}].label`),
              amount(d.amount, `${path}.feeDetails[${i}].amount`)
            )
          )
        )
      : `${path}.feeDetails is not an array`,
    text(t.source, `${path}.source`),
    optionalText(t.payment, `${path}.payment`),
    integer(t.createdAt, `${path}.createdAt`),
    integer(t.availableOn, `${path}.availableOn`),
    t.status === "pending" || t.status === "available"
      ? undefined
      : `${path}.status is not pending or available`,
    optionalText(t.exchangeRate, `${path}.exchangeRate`),
    optionalText(t.payout, `${path}.payout`),
    optionalText(t.description, `${path}.description`),
    typeof t.dimensions === "object" && t.dimensions !== null
      ? problemIn(t.dimensions, `${path}.dimensions`, new Set())
      : `${path}.dimensions is not an object`,
    Array.isArray(t.ledgerEntries)
      ? first(...t.ledgerEntries.map((e, i) => text(e, `${path}.ledgerEntries[${i}]`)))
      : `${path}.ledgerEntries is not an array`
  )

const trancheProblem = (t: Run.Tranche, path: string): string | undefined =>
  first(
    text(t.id, `${path}.id`),
    text(t.merchant, `${path}.merchant`),
    text(t.currency, `${path}.currency`),
    amount(t.amount, `${path}.amount`),
    amount(t.remaining, `${path}.remaining`),
    integer(t.releaseOn, `${path}.releaseOn`)
  )

const runProblem = (r: Run.Run): string | undefined =>
  first(
    text(r.id, "run.id"),
    text(r.merchant, "run.merchant"),
    text(r.currency, "run.currency"),
    integer(r.cutoff, "run.cutoff"),
    integer(r.madeAvailable, "run.madeAvailable"),
    amount(r.madeAvailableNet, "run.madeAvailableNet"),
    amount(r.reserveHeld, "run.reserveHeld"),
    amount(r.reserveReleased, "run.reserveReleased"),
    optionalText(r.payout, "run.payout"),
    optionalText(r.carried, "run.carried"),
    integer(r.createdAt, "run.createdAt")
  )

const payoutProblem = (p: Payout.Payout, expected: number | undefined): string | undefined =>
  first(
    text(p.id, "payout.id"),
    text(p.merchant, "payout.merchant"),
    text(p.currency, "payout.currency"),
    amount(p.amount, "payout.amount"),
    amount(p.controlTotal, "payout.controlTotal"),
    integer(p.transactionCount, "payout.transactionCount"),
    text(p.run, "payout.run"),
    text(p.status, "payout.status"),
    integer(p.createdAt, "payout.createdAt"),
    integer(p.updatedAt, "payout.updatedAt"),
    optionalText(p.reference, "payout.reference"),
    optionalInteger(p.arrivalDate, "payout.arrivalDate"),
    optionalText(p.failureCode, "payout.failureCode"),
    p.failedAfterPaid === undefined || typeof p.failedAfterPaid === "boolean"
      ? undefined
      : "payout.failedAfterPaid is not a boolean",
    integer(p.version, "payout.version"),
    optionalInteger(expected, "payout.expectedVersion")
  )

const eventProblem = (e: DomainEvent.DomainEvent, path: string): string | undefined =>
  first(
    text(e.id, `${path}.id`),
    text(e.type, `${path}.type`),
    text(e.occurredAt, `${path}.occurredAt`),
    text(String(e.subject), `${path}.subject`),
    problemIn(e.data, `${path}.data`, new Set())
  )

/**
 * Why a change cannot be stored exactly (the first field that PostgreSQL cannot hold, named by
 * its path in the change), or `undefined`. Checked before any SQL, so a hostile change is a typed
 * refusal that writes nothing, never a database error or an altered value.
 */
export const changeProblem = (change: SettlementStore.Change): string | undefined => {
  const b = change.book
  return first(
    b === undefined
      ? undefined
      : first(
          text(b.merchant, "book.merchant"),
          text(b.currency, "book.currency"),
          b.schedule === undefined
            ? "book.schedule is missing"
            : problemIn(b.schedule, "book.schedule", new Set()),
          problemIn(b.reservePlan, "book.reservePlan", new Set())
        ),
    ...change.created.map((t, i) => transactionProblem(t, `created[${i}]`)),
    ...change.updated.map((t, i) => transactionProblem(t, `updated[${i}]`)),
    ...change.tranches.map((t, i) => trancheProblem(t, `tranches[${i}]`)),
    change.run === undefined ? undefined : runProblem(change.run),
    change.payout === undefined
      ? undefined
      : payoutProblem(change.payout.payout, change.payout.expectedVersion),
    ...change.events.map((e, i) => eventProblem(e, `events[${i}]`))
  )
}

/** Why one of the named text arguments of a read cannot be sent (NUL or lone surrogate), or `undefined`. */
export const argumentProblem = (args: Readonly<Record<string, string | undefined>>): string | undefined => {
  for (const [name, v] of Object.entries(args))
    if (v !== undefined) {
      const p = text(v, name)
      if (p !== undefined) return p
    }
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Rows as the commit statement reads them (JSON, amounts as strings) and as reads return them

/** A transaction as one element of the commit's JSON array. */
export const transactionJson = (t: BalanceTransaction.BalanceTransaction) => ({
  id: t.id,
  merchant: t.merchant,
  currency: t.currency,
  type: t.type,
  category: t.reportingCategory,
  gross: t.gross.toString(),
  fee: t.fee.toString(),
  net: t.net.toString(),
  feeDetails: t.feeDetails.map((d) => ({ kind: d.kind, label: d.label, amount: d.amount.toString() })),
  source: t.source,
  payment: t.payment ?? null,
  createdAt: t.createdAt,
  availableOn: t.availableOn,
  status: t.status,
  exchangeRate: t.exchangeRate ?? null,
  payout: t.payout ?? null,
  description: t.description ?? null,
  dimensions: t.dimensions,
  ledgerEntries: t.ledgerEntries
})

/** A tranche as one element of the commit's JSON array. */
export const trancheJson = (t: Run.Tranche) => ({
  id: t.id,
  merchant: t.merchant,
  currency: t.currency,
  amount: t.amount.toString(),
  remaining: t.remaining.toString(),
  releaseOn: t.releaseOn
})

/** A run as the commit's JSON parameter. */
export const runJson = (r: Run.Run) => ({
  id: r.id,
  merchant: r.merchant,
  currency: r.currency,
  cutoff: r.cutoff,
  madeAvailable: r.madeAvailable,
  madeAvailableNet: r.madeAvailableNet.toString(),
  reserveHeld: r.reserveHeld.toString(),
  reserveReleased: r.reserveReleased.toString(),
  payout: r.payout ?? null,
  carried: r.carried ?? null,
  createdAt: r.createdAt
})

/** A payout as the commit's JSON parameter. */
export const payoutJson = (p: Payout.Payout) => ({
  id: p.id,
  merchant: p.merchant,
  currency: p.currency,
  amount: p.amount.toString(),
  controlTotal: p.controlTotal.toString(),
  transactionCount: p.transactionCount,
  run: p.run,
  status: p.status,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
  reference: p.reference ?? null,
  arrivalDate: p.arrivalDate ?? null,
  failureCode: p.failureCode ?? null,
  failedAfterPaid: p.failedAfterPaid ?? null,
  version: p.version
})

/** The columns of a transaction as reads select them (numbers and JSON as text). */
export const TRANSACTION_COLUMNS = `id, merchant, currency, type, reporting_category,
  gross::text AS gross, fee::text AS fee, net::text AS net, fee_details::text AS fee_details,
  source, payment, created_at::text AS created_at, available_on::text AS available_on, status,
  exchange_rate, payout, description, dimensions::text AS dimensions, ledger_entries::text AS ledger_entries`

/** A transaction row as selected with {@link TRANSACTION_COLUMNS}. */
export interface TransactionRow {
  readonly id: string
  readonly merchant: string
  readonly currency: string
  readonly type: string
  readonly reporting_category: string
  readonly gross: string
  readonly fee: string
  readonly net: string
  readonly fee_details: string
  readonly source: string
  readonly payment: string | null
  readonly created_at: string
  readonly available_on: string
  readonly status: string
  readonly exchange_rate: string | null
  readonly payout: string | null
  readonly description: string | null
  readonly dimensions: string
  readonly ledger_entries: string
}

const num = (v: unknown): number => {
  const n = Number(String(v))
  if (!Number.isSafeInteger(n)) throw new Error(`${String(v)} is not a safe integer`)
  return n
}

const jsonOf = (v: unknown): unknown => (typeof v === "string" ? JSON.parse(v) : v)

/** A stored transaction, or throws saying why it does not read (the caller makes it a `StoreFailure`). */
export const transactionOf = (r: TransactionRow): BalanceTransaction.BalanceTransaction => {
  const details = jsonOf(r.fee_details) as ReadonlyArray<{ kind: string; label: string; amount: string }>
  return {
    id: r.id,
    merchant: r.merchant,
    currency: r.currency,
    type: r.type as BalanceTransaction.Type,
    reportingCategory: r.reporting_category as BalanceTransaction.ReportingCategory,
    gross: BigInt(r.gross),
    fee: BigInt(r.fee),
    feeDetails: details.map((d) => ({
      kind: d.kind as BalanceTransaction.FeeKind,
      label: d.label,
      amount: BigInt(d.amount)
    })),
    net: BigInt(r.net),
    source: r.source,
    ...(r.payment === null ? {} : { payment: r.payment }),
    createdAt: num(r.created_at),
    availableOn: num(r.available_on),
    status: r.status as "pending" | "available",
    ...(r.exchange_rate === null ? {} : { exchangeRate: r.exchange_rate }),
    ...(r.payout === null ? {} : { payout: r.payout }),
    ...(r.description === null ? {} : { description: r.description }),
    dimensions: jsonOf(r.dimensions) as BalanceTransaction.Dimensions,
    ledgerEntries: jsonOf(r.ledger_entries) as ReadonlyArray<string>
  }
}

/** The columns of a tranche as reads select them. */
export const TRANCHE_COLUMNS =
  "id, merchant, currency, amount::text AS amount, remaining::text AS remaining, release_on::text AS release_on"

/** A stored tranche (throws when it does not read). */
export const trancheOf = (r: {
  readonly id: string
  readonly merchant: string
  readonly currency: string
  readonly amount: string
  readonly remaining: string
  readonly release_on: string
}): Run.Tranche => ({
  id: r.id,
  merchant: r.merchant,
  currency: r.currency,
  amount: BigInt(r.amount),
  remaining: BigInt(r.remaining),
  releaseOn: num(r.release_on)
})

/** The columns of a run as reads select them. */
export const RUN_COLUMNS = `id, merchant, currency, cutoff::text AS cutoff, made_available::text AS made_available,
  made_available_net::text AS made_available_net, reserve_held::text AS reserve_held,
  reserve_released::text AS reserve_released, payout, carried, created_at::text AS created_at`

/** A stored run (throws when it does not read). */
export const runOf = (r: {
  readonly id: string
  readonly merchant: string
  readonly currency: string
  readonly cutoff: string
  readonly made_available: string
  readonly made_available_net: string
  readonly reserve_held: string
  readonly reserve_released: string
  readonly payout: string | null
  readonly carried: string | null
  readonly created_at: string
}): Run.Run => ({
  id: r.id,
  merchant: r.merchant,
  currency: r.currency,
  cutoff: num(r.cutoff),
  madeAvailable: num(r.made_available),
  madeAvailableNet: BigInt(r.made_available_net),
  reserveHeld: BigInt(r.reserve_held),
  reserveReleased: BigInt(r.reserve_released),
  ...(r.payout === null ? {} : { payout: r.payout }),
  ...(r.carried === null ? {} : { carried: r.carried as NonNullable<Run.Run["carried"]> }),
  createdAt: num(r.created_at)
})

/** The columns of a payout as reads select them. */
export const PAYOUT_COLUMNS = `id, merchant, currency, amount::text AS amount, control_total::text AS control_total,
  transaction_count::text AS transaction_count, run, status, created_at::text AS created_at,
  updated_at::text AS updated_at, reference, arrival_date::text AS arrival_date, failure_code,
  failed_after_paid, version::text AS version`

/** A stored payout (throws when it does not read). */
export const payoutOf = (r: {
  readonly id: string
  readonly merchant: string
  readonly currency: string
  readonly amount: string
  readonly control_total: string
  readonly transaction_count: string
  readonly run: string
  readonly status: string
  readonly created_at: string
  readonly updated_at: string
  readonly reference: string | null
  readonly arrival_date: string | null
  readonly failure_code: string | null
  readonly failed_after_paid: boolean | null
  readonly version: string
}): Payout.Payout => ({
  id: r.id,
  merchant: r.merchant,
  currency: r.currency,
  amount: BigInt(r.amount),
  controlTotal: BigInt(r.control_total),
  transactionCount: num(r.transaction_count),
  run: r.run,
  status: r.status as Payout.Status,
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
  ...(r.reference === null ? {} : { reference: r.reference }),
  ...(r.arrival_date === null ? {} : { arrivalDate: num(r.arrival_date) }),
  ...(r.failure_code === null ? {} : { failureCode: r.failure_code as Payout.FailureCode }),
  ...(r.failed_after_paid === null ? {} : { failedAfterPaid: r.failed_after_paid }),
  version: num(r.version)
})

/** A stored book from its schedule and reserve plan, both parsed already (`null`: no plan). */
export const bookOf = (
  merchant: string,
  currency: string,
  schedule: unknown,
  plan: unknown
): SettlementStore.Book => ({
  merchant,
  currency,
  schedule,
  ...(plan === null || plan === undefined
    ? {}
    : { reservePlan: plan as NonNullable<SettlementStore.Book["reservePlan"]> })
})
