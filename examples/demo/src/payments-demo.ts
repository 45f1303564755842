/**
 * The @paykit/payments part of the demo: a day of card payments on embedded PGlite (payments and
 * the ledger in one database, each step's ledger entry in the payment's transaction) through the
 * in-memory test provider (magic payment-method values decide each answer), captured with fee lines on the
 * ledger, the statuses counted, and one customer's "where is my money?" timeline in English and
 * in Chinese.
 */
import { Currency, Ids, Notifier } from "@paykit/core"
import { ChartOfAccounts, Ledger } from "@paykit/ledger"
import { Books, type Payment, Payments, type PaymentStore, Tracking } from "@paykit/payments"
import { TestProvider } from "@paykit/payments/testing"
import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
import { PaymentStorePostgres } from "@paykit/store-postgres/payments"
import { Effect, Layer, Result } from "effect"

const line = (label: string, value: string) => console.log(`  ${label.padEnd(38)} ${value}`)

/** Card money (acquiring books): captures move the gross in from the acquirer, 2.9 % + 0.30 to fees. */
const paymentsLayer = <E>(
  storage: Layer.Layer<PaymentStore.PaymentStore | Ledger.Ledger, E, Notifier.Notifier | Ids.Ids>
) =>
  Payments.layer({
    books: { _tag: "acquiring", bank: "acquirer" },
    fees: Books.percentPlusFixed({ bps: 290, fixed: { EUR: 30n } })
  }).pipe(
    Layer.provideMerge(Layer.mergeAll(storage, TestProvider.layer())),
    Layer.provideMerge(Layer.mergeAll(Notifier.layerMemory, Ids.layer))
  )

const eur = (minor: bigint) => `${(Number(minor) / 100).toFixed(2)} EUR`

/** The day's orders: id, customer, payment method (a magic value) and amount in cents. */
const ORDERS: ReadonlyArray<readonly [string, string, string, Payment.CaptureMethod, string]> = [
  ["ord_1001", "cus_lin", "pm_approve", "automatic", "4599"],
  ["ord_1002", "cus_ada", "pm_approve", "manual", "12900"],
  ["ord_1003", "cus_bo", "pm_decline_insufficient_funds", "automatic", "2500"],
  ["ord_1004", "cus_chen", "pm_3ds", "manual", "8800"],
  ["ord_1005", "cus_dee", "pm_decline_stolen_card", "automatic", "30000"],
  ["ord_1006", "cus_eli", "pm_async", "automatic", "1999"],
  ["ord_1007", "cus_fay", "pm_approve", "manual", "6400"]
]

export const runPaymentsDemo: Effect.Effect<
  void,
  unknown,
  Payments.Payments | Ledger.Ledger | TestProvider.Control
> = Effect.gen(function* () {
  console.log("\n== @paykit/payments: a day of card payments (embedded PGlite) ==")
  const payments = yield* Payments.Payments
  const ledger = yield* Ledger.Ledger
  const provider = yield* TestProvider.Control
  const refs = [
    ChartOfAccounts.merchantPending("shop", Currency.EUR),
    ChartOfAccounts.settlementBank("acquirer", Currency.EUR),
    ChartOfAccounts.feeRevenue(Currency.EUR)
  ].map((r) => Result.getOrThrow(r))
  yield* ledger.executeSummary(refs.map(ChartOfAccounts.open), "independent")

  for (const [id, customer, method, captureMethod, amount] of ORDERS) {
    yield* payments.create(
      {
        id,
        merchant: "shop",
        customer,
        paymentMethod: method,
        amount: { amount, currency: "EUR" },
        captureMethod
      },
      { idempotencyKey: `create-${id}` }
    )
    const p = yield* payments.confirm(id, {}, { idempotencyKey: `confirm-${id}` })
    line(
      `${id} ${method}`,
      p.lastDecline ? `${p.status} (${p.lastDecline.code}, ${p.lastDecline.action})` : p.status
    )
  }
  // the customer completes 3-D Secure; the async authorisation arrives; both by webhook
  yield* provider.completeAction("ord_1004", true)
  yield* provider.resolve("ord_1006")
  for (const hook of yield* provider.takeWebhooks()) yield* payments.applyWebhook(hook)
  // the shop ships: captures (one partial), a cancel, and Ada's refund
  yield* payments.capture("ord_1002", {}, { idempotencyKey: "ship-1002" })
  yield* payments.capture("ord_1004", { amount: "6000" }, { idempotencyKey: "ship-1004" })
  yield* payments.cancel("ord_1007", { reason: "requested_by_customer" })
  yield* payments.refund(
    "ord_1002",
    { amount: "2900", reason: "requested_by_customer" },
    { idempotencyKey: "rma-77" }
  )
  // a retry of the same refund request replays it instead of refunding twice
  yield* payments.refund(
    "ord_1002",
    { amount: "2900", reason: "requested_by_customer" },
    { idempotencyKey: "rma-77" }
  )

  const counts = yield* payments.counts("shop")
  line(
    "statuses at the end of the day",
    Object.entries(counts)
      .map(([s, n]) => `${s} ${n}`)
      .join(", ")
  )
  const pending = yield* ledger.balances("merchant:shop:pending:EUR")
  const fees = yield* ledger.balances("platform:fees:EUR")
  line("the shop's pending balance (net)", eur(pending.posted.amount))
  line("the platform's fee revenue", eur(fees.posted.amount))

  const timeline = yield* payments.timeline("ord_1002")
  for (const locale of ["en", "zh"] as const) {
    console.log(`  where is my money? (ord_1002, ${locale})`)
    for (const v of Tracking.customerView(timeline, { locale })) {
      const by =
        v.expectedBy === undefined
          ? ""
          : `  [${locale === "en" ? "by" : "预计"} ${new Date(v.expectedBy).toISOString().slice(0, 10)}]`
      console.log(`    ${v.label}: ${v.detail}${by}`)
    }
  }
})

/** The demo on embedded PGlite (in memory): the payments store and the ledger's on one client. */
export const paymentsPglite: Layer.Layer<Payments.Payments | Ledger.Ledger | TestProvider.Control, unknown> =
  paymentsLayer(
    Ledger.layer().pipe(
      Layer.provideMerge(PaymentStorePostgres.layerClient()),
      Layer.provideMerge(LedgerStorePostgres.layer({}))
    )
  )
