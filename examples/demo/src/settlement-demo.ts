/**
 * The @paykit/settlement part of the demo: a Friday of card payments for three merchants (fees
 * from a blended fee schedule with a cross-border surcharge, itemised by kind), recorded as
 * balance transactions, settled T+1 on the next business day (Monday) with a minimum payout and a
 * 10% rolling reserve for the bakery, the payouts sent to the (fake) payout provider, the bakery's
 * payout statement, and the day reconciled against a generated acquirer file with two injected
 * breaks (a row missing, an amount off by one cent) found and classified.
 *
 * Storage: memory stores on the TestClock (the day is fixed, so every figure is the same on every
 * run). Settlement moves to PGlite, beside the payments part's database, once
 * `@paykit/store-postgres/settlement` lands; its store is being written.
 */
import { Ids, Notifier } from "@paykit/core"
import { ChartOfAccounts, Ledger } from "@paykit/ledger"
import { Payments, PaymentStore } from "@paykit/payments"
import { TestProvider } from "@paykit/payments/testing"
import {
  type BalanceTransaction,
  Calendar,
  FeePolicy,
  FeeSchedule,
  Importers,
  Reconciliation,
  Reports,
  Settlement,
  SettlementStore
} from "@paykit/settlement"
import { TestPayoutProvider } from "@paykit/settlement/testing"
import { Effect, Layer, Result } from "effect"
import { TestClock } from "effect/testing"

const HOUR = 3_600_000
const DAY = 24 * HOUR
/** The demo day: Friday 6 March 2026 (UTC); settlement runs on the next business day, Monday the 9th, at 06:00. */
const FRIDAY = Date.UTC(2026, 2, 6)
const calendar = Calendar.decodeUnsafe({ timeZone: "UTC" })
const MERCHANTS = ["bakery", "bookshop", "travel"] as const
const STATEMENT = "bakery"

/** Blended 1.4 % + 0.25 EUR per card payment, and 1.5 % more for a card issued abroad. */
const feeSchedule = Result.getOrThrow(
  FeeSchedule.decode({
    dimensions: {
      methods: ["card"],
      brands: ["visa", "mastercard"],
      regions: ["domestic", "intra_regional", "inter_regional"]
    },
    versions: [
      {
        effectiveFrom: Date.UTC(2026, 0, 1),
        pricing: {
          shape: { type: "blended", rate: "1.4", fixed: { EUR: "25" }, rounding: "half-even" },
          crossBorder: { rate: "1.5", rounding: "half-up" }
        },
        events: {
          refund: { policy: "kept" },
          void: { policy: "returned" },
          reversal: { policy: "returned" },
          dispute: { policy: "charged", fixed: { EUR: "1500" } }
        }
      }
    ]
  })
)

/** Payments (acquiring books, refunds from the available balance) and settlement on one ledger. */
export const settlementLayer: Layer.Layer<
  Payments.Payments | Settlement.Settlement | Ledger.Ledger,
  unknown
> = Settlement.layer({ calendar, payoutBank: "operating" }).pipe(
  Layer.provideMerge(
    Payments.layer({
      books: { _tag: "acquiring", bank: "acquirer", refundsFrom: "available" },
      fees: FeePolicy.fromSchedule(feeSchedule)
    })
  ),
  Layer.provideMerge(
    Layer.mergeAll(
      // memory for now: moves to PGlite once `@paykit/store-postgres/settlement` lands
      SettlementStore.layerMemory,
      PaymentStore.layerMemory,
      TestProvider.layer(),
      TestPayoutProvider.layer(),
      Ledger.layerMemory()
    )
  ),
  Layer.provideMerge(Layer.mergeAll(Notifier.layerMemory, Ids.layerSeeded(19), TestClock.layer()))
)

/** The day's orders: id, merchant, payment method (a magic value), amount in cents, card brand and region. */
const ORDERS: ReadonlyArray<readonly [string, string, string, string, string, string]> = [
  ["ord_2001", "bakery", "pm_approve", "2450", "visa", "domestic"],
  ["ord_2002", "bakery", "pm_approve", "8900", "mastercard", "domestic"],
  ["ord_2003", "bakery", "pm_approve", "12000", "visa", "inter_regional"],
  ["ord_2004", "bakery", "pm_approve", "1580", "visa", "domestic"],
  ["ord_2005", "bakery", "pm_decline_insufficient_funds", "6000", "visa", "domestic"],
  ["ord_2006", "bookshop", "pm_approve", "4200", "visa", "domestic"],
  ["ord_2007", "bookshop", "pm_approve", "1899", "mastercard", "domestic"],
  ["ord_2008", "bookshop", "pm_approve", "6500", "visa", "intra_regional"],
  ["ord_2009", "bookshop", "pm_approve", "12000", "mastercard", "domestic"],
  ["ord_2010", "travel", "pm_approve", "64000", "visa", "inter_regional"],
  ["ord_2011", "travel", "pm_approve", "128000", "mastercard", "inter_regional"],
  ["ord_2012", "travel", "pm_approve", "31000", "visa", "domestic"]
]

const major = (minor: bigint) => Reports.toMajor(minor, 2)
const eur = (minor: bigint) => `${major(minor)} EUR`
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const line = (label: string, value: string) => console.log(`  ${label.padEnd(38)} ${value}`)
const cols = (cells: ReadonlyArray<string>, widths: ReadonlyArray<number>) =>
  cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" ")

/**
 * An acquirer's settlement file for the day in Stripe's itemised balance change format (what
 * `Importers.stripeItemisedBalance()` reads): one row per charge and refund, `source_id` the
 * capture or refund id, amounts in major units. Two breaks are injected: `missing`'s row is left
 * out, and `offByOne`'s fee is a cent lower (so its net is a cent higher, gross − fee still exact).
 */
const acquirerFile = (
  txns: ReadonlyArray<BalanceTransaction.BalanceTransaction>,
  breaks: { readonly missing: string; readonly offByOne: string }
) => {
  const header = "balance_transaction_id,created_utc,currency,gross,fee,net,reporting_category,source_id"
  const rows = txns.flatMap((t, i) => {
    if (t.source === breaks.missing) return []
    const fee = t.source === breaks.offByOne ? t.fee - 1n : t.fee
    const created = new Date(t.createdAt).toISOString().slice(0, 19).replace("T", " ")
    const id = `txn_${String(i + 1).padStart(4, "0")}`
    return [
      [id, created, t.currency.toLowerCase(), major(t.gross), major(fee), major(t.gross - fee)]
        .concat([t.reportingCategory, t.source])
        .join(",")
    ]
  })
  return { csv: `${[header, ...rows].join("\n")}\n`, rows: rows.length }
}

export const runSettlementDemo: Effect.Effect<
  Reconciliation.Summary,
  unknown,
  Payments.Payments | Settlement.Settlement | Ledger.Ledger
> = Effect.gen(function* () {
  console.log("\n== @paykit/settlement: the day settles, a payout statement, a reconciliation ==")
  const payments = yield* Payments.Payments
  const settlement = yield* Settlement.Settlement
  const ledger = yield* Ledger.Ledger
  yield* TestClock.setTime(FRIDAY + 9 * HOUR)

  const refs = [
    ...[
      ChartOfAccounts.settlementBank("acquirer", "EUR"),
      ChartOfAccounts.settlementBank("operating", "EUR"),
      ChartOfAccounts.feeRevenue("EUR")
    ].map((r) => Result.getOrThrow(r)),
    ...MERCHANTS.flatMap((m) => Object.values(Result.getOrThrow(ChartOfAccounts.merchantAccounts(m, "EUR"))))
  ]
  yield* ledger.executeSummary(refs.map(ChartOfAccounts.open), "independent")

  // T+1 daily payouts for everyone; the bakery (a new merchant) with a 50 EUR minimum and 10% held for 7 days
  for (const m of MERCHANTS)
    yield* settlement.configure(m, "EUR", {
      schedule: {
        delayDays: 1,
        interval: { _tag: "daily" },
        ...(m === STATEMENT ? { minimumPayout: { EUR: "5000" } } : {})
      },
      ...(m === STATEMENT ? { reservePlan: { bps: 1000, releaseAfterDays: 7, rounding: "half-up" } } : {})
    })

  let declined = 0
  // Friday: a dozen card payments, one every 40 minutes from 09:00, one declined; a refund at 17:00
  for (const [i, [id, merchant, method, amount, brand, region]] of ORDERS.entries()) {
    yield* TestClock.setTime(FRIDAY + 9 * HOUR + i * 40 * 60_000)
    yield* payments.create({
      id,
      merchant,
      customer: `cus_${i + 1}`,
      paymentMethod: method,
      amount: { amount, currency: "EUR" },
      captureMethod: "automatic",
      metadata: { method: "card", card_brand: brand, card_region: region }
    })
    const p = yield* payments.confirm(id)
    if (p.lastDecline !== undefined) declined++
  }
  yield* TestClock.setTime(FRIDAY + 17 * HOUR)
  yield* payments.refund(
    "ord_2002",
    { amount: "2000", reason: "requested_by_customer" },
    { idempotencyKey: "rma-2002" }
  )
  const recorded: Array<BalanceTransaction.BalanceTransaction> = []
  for (const [id] of ORDERS) recorded.push(...(yield* settlement.record(id)))
  const charges = recorded.filter((t) => t.type === "charge")
  const crossBorder = charges.filter((t) => t.feeDetails.some((f) => f.kind === "cross_border")).length
  line(
    `Friday ${day(FRIDAY)}: ${ORDERS.length} payments`,
    `${declined} declined; recorded ${charges.length} charges (${crossBorder} cross-border) and ${recorded.length - charges.length} refund`
  )

  // Monday 06:00, the next business day: every book settles, and the payouts go out
  const cutoff =
    Calendar.startOfDay(calendar, Calendar.addBusinessDays(calendar, Calendar.dateUnsafe(day(FRIDAY)), 1)) +
    6 * HOUR
  yield* TestClock.setTime(cutoff)
  const swept = yield* settlement.runAll({ cutoff })
  line(`runAll Monday ${day(cutoff)} 06:00 (T+1)`, `${swept.runs} runs, ${swept.payouts} payouts created`)
  for (const merchant of MERCHANTS) {
    // runAll says how many; each book's run (idempotent: the same run again) names its payout
    const run = yield* settlement.run({ merchant, currency: "EUR", cutoff })
    if (run.payout === undefined) {
      line(`  ${merchant}`, `carried (${run.carried ?? "zero"})`)
      continue
    }
    const payout = yield* settlement.sendPayout(run.payout)
    line(
      `  ${merchant}`,
      `${eur(payout.amount)} ${payout.status}${run.reserveHeld > 0n ? ` (${eur(run.reserveHeld)} held in reserve)` : ""}`
    )
  }

  // the bakery's payout statement
  const all = yield* settlement.transactions({ merchant: STATEMENT, currency: "EUR" })
  const ownRun = yield* settlement.run({ merchant: STATEMENT, currency: "EUR", cutoff })
  const payout = yield* settlement.payout(ownRun.payout!)
  console.log(`  payout statement: ${STATEMENT}`)
  console.log(
    `    ${payout.id}: ${eur(payout.amount)}, ${payout.status}, arriving ${payout.arrivalDate === undefined ? "?" : day(payout.arrivalDate)}`
  )
  const recon = Result.getOrThrow(Reports.payoutReconciliation({ timeZone: "UTC", merchant: STATEMENT }))
  const widths = [13, 37, 8, 6, 8]
  console.log(`    ${cols(["type", "source", "gross", "fee", "net"], widths)}`)
  for (const row of Reports.rows(recon, all))
    if (row.payout === payout.id)
      console.log(
        `    ${cols([row.type, row.source, major(row.gross), major(row.fee), major(row.net)], widths)}`
      )
  const totals = Result.getOrThrow(Reports.finish(recon)).payouts.find((p) => p.payout === payout.id)!
  console.log(
    `    ${cols(["", `${totals.count} items, ${totals.status}`, "", "", major(totals.net)], widths)}`
  )
  const fees = Result.getOrThrow(
    Reports.run(
      Result.getOrThrow(
        Reports.feeDetails({ from: day(FRIDAY), to: day(cutoff + DAY), timeZone: "UTC", merchant: STATEMENT })
      ),
      all
    )
  )
  const byKind = new Map<string, bigint>()
  for (const r of fees.rows) byKind.set(r.kind, (byKind.get(r.kind) ?? 0n) + r.amount)
  console.log(
    `    fees by kind: ${[...byKind].map(([kind, amount]) => `${kind} ${major(amount)}`).join(", ")} EUR`
  )
  // the available balance from Friday to Monday's payout: opening, activity, payouts, closing
  const summary = Result.getOrThrow(
    Reports.run(
      Result.getOrThrow(
        Reports.balanceSummary({
          from: day(FRIDAY),
          to: day(cutoff + DAY),
          timeZone: "UTC",
          merchant: STATEMENT
        })
      ),
      all
    )
  )
  const b = summary.balances[0]!
  console.log(
    `    available balance, ${summary.period.from} to ${day(cutoff)}: opening ${major(b.opening)}, closing ${major(b.closing)} ${b.currency}`
  )
  console.log(
    `      activity ${b.activity.map((c) => `${c.category} ${major(c.net)}`).join(", ")}; paid out ${major(b.payoutsTotal.net)}`
  )

  // the acquirer's file for Friday, with two breaks injected, imported and reconciled
  const friday = (yield* settlement.scan({ limit: 10_000 })).filter(
    (t) => (t.type === "charge" || t.type === "refund") && day(t.createdAt) === day(FRIDAY)
  )
  const missing = "ord_2008:capture:1"
  const offByOne = "ord_2011:capture:1"
  const file = acquirerFile(friday, { missing, offByOne })
  const external = yield* Importers.run(Importers.stripeItemisedBalance(), file.csv)
  const internal = friday.map((t) => Reconciliation.fromBalanceTransaction(t, { reference: (x) => x.source }))
  // the acquirer's end-of-day file is final: a capture older than a day missing from it is a break
  const rules = { ...Reconciliation.defaultRules, expectedWithinMillis: DAY }
  const results = Result.getOrThrow(Reconciliation.match(internal, external, rules, cutoff))
  const s = Reconciliation.summarize(results)
  line("acquirer file for Friday", `${file.rows} rows (Stripe itemised balance format), 2 breaks injected`)
  line(
    `reconciled with ${internal.length} transactions`,
    `${s.matched} matched, ${s.mismatched} mismatched, ${s.expected} expected, ${s.unmatched} unmatched: ${s.breaks} breaks`
  )
  const byId = new Map<string, { readonly amount: bigint }>([...internal, ...external].map((r) => [r.id, r]))
  const sum = (ids: ReadonlyArray<string>) => ids.reduce((a, id) => a + (byId.get(id)?.amount ?? 0n), 0n)
  const merchantOf = new Map(friday.map((t) => [t.source, t.merchant]))
  for (const r of results)
    if (r.status === "mismatched" || r.status === "unmatched")
      line(
        `  ${r.reference} (${merchantOf.get(r.reference) ?? "?"})`,
        `${r.status}, ${r.reason}: ` +
          (r.external.length === 0
            ? `paykit ${eur(sum(r.internal))}, no row in the file`
            : r.internal.length === 0
              ? `file ${eur(sum(r.external))}, not in paykit`
              : `file ${major(sum(r.external))}, paykit ${eur(sum(r.internal))} (${r.difference! > 0n ? "+" : ""}${major(r.difference!)})`)
      )
  return s
})
