/**
 * The @paykit/payments part of the demo: a day of card payments on embedded PGlite (payments and
 * the ledger in one database, each step's ledger entry in the payment's transaction) through the
 * in-memory test provider (magic payment-method values decide each answer), captured with fee lines on the
 * ledger, a risk check (one order held for an operator's review, one blocked), a reversal the
 * same day with its fee returned, a cross-border order settled in USD through an FX quote, the
 * statuses counted, and one customer's "where is my money?" timeline in English and in Chinese.
 */
import { Currency, Ids, Notifier } from "@paykit/core"
import { ChartOfAccounts, Ledger } from "@paykit/ledger"
import { Books, FxConversion, type Payment, Payments, type PaymentStore, Tracking } from "@paykit/payments"
import { TestProvider, TestRisk } from "@paykit/payments/testing"
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
    Layer.provideMerge(
      Layer.mergeAll(
        storage,
        TestProvider.layer(),
        // the risk check scripted by the order's `test_risk` metadata; a USD rate sheet for the FX
        TestRisk.layer,
        FxConversion.layerFixedRates({ "EUR/USD": "1.0842" })
      )
    ),
    Layer.provideMerge(Layer.mergeAll(Notifier.layerMemory, Ids.layer))
  )

const eur = (minor: bigint) => `${(Number(minor) / 100).toFixed(2)} EUR`

/** The day's orders: id, customer, payment method (a magic value), capture, amount in cents, risk verdict. */
const ORDERS: ReadonlyArray<
  readonly [string, string, string, Payment.CaptureMethod, string, ("review" | "block")?]
> = [
  ["ord_1001", "cus_lin", "pm_approve", "automatic", "4599"],
  ["ord_1002", "cus_ada", "pm_approve", "manual", "12900"],
  ["ord_1003", "cus_bo", "pm_decline_insufficient_funds", "automatic", "2500"],
  ["ord_1004", "cus_chen", "pm_3ds", "manual", "8800"],
  ["ord_1005", "cus_dee", "pm_decline_stolen_card", "automatic", "30000"],
  ["ord_1006", "cus_eli", "pm_async", "automatic", "1999"],
  ["ord_1007", "cus_fay", "pm_approve", "manual", "6400"],
  ["ord_1008", "cus_gus", "pm_approve", "manual", "48000", "review"],
  ["ord_1009", "cus_hal", "pm_approve", "automatic", "9900", "block"]
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
    ChartOfAccounts.feeRevenue(Currency.EUR),
    ChartOfAccounts.merchantPending("shop", Currency.USD),
    ChartOfAccounts.feeRevenue(Currency.USD),
    ChartOfAccounts.fxPosition(Currency.EUR),
    ChartOfAccounts.fxPosition(Currency.USD)
  ].map((r) => Result.getOrThrow(r))
  yield* ledger.executeSummary(refs.map(ChartOfAccounts.open), "independent")

  for (const [id, customer, method, captureMethod, amount, risk] of ORDERS) {
    yield* payments.create(
      {
        id,
        merchant: "shop",
        customer,
        paymentMethod: method,
        amount: { amount, currency: "EUR" },
        captureMethod,
        ...(risk === undefined ? {} : { metadata: { [TestRisk.KEY]: risk } })
      },
      { idempotencyKey: `create-${id}` }
    )
    const p = yield* payments.confirm(id, {}, { idempotencyKey: `confirm-${id}` })
    line(
      `${id} ${method}${risk === undefined ? "" : ` (risk: ${risk})`}`,
      p.lastDecline ? `${p.status} (${p.lastDecline.code}, ${p.lastDecline.action})` : p.status
    )
  }
  // an analyst looks at the held order and lets it through: it goes on to the provider
  const approved = yield* payments.approveReview("ord_1008", {
    operator: "analyst_7",
    note: "regular customer"
  })
  line("ord_1008 approved by analyst_7", approved.status)
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
  // Lin's order was a mistake: reversed the same day, before settlement, its fee given back
  const reversed = yield* payments.reverse("ord_1001", { idempotencyKey: "rev-1001" })
  line("ord_1001 reversed", `${reversed.status}, refunded ${eur(reversed.refunded.amount)} with its fee`)
  // a cross-border order: the customer pays EUR, the shop settles in USD through an FX quote
  yield* payments.create({
    id: "ord_1010",
    merchant: "shop",
    customer: "cus_ivy",
    paymentMethod: "pm_approve",
    amount: { amount: "20000", currency: "EUR" },
    captureMethod: "automatic",
    settlementCurrency: "USD"
  })
  const fx = (yield* payments.confirm("ord_1010")).captures[0]!.conversion!
  line(
    "ord_1010 200.00 EUR settled in USD",
    `${fx.settled.amount} US cents at ${fx.rate} (quote ${fx.quoteId})`
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
  const usd = yield* ledger.balances("merchant:shop:pending:USD")
  line("the shop's USD pending balance (net)", `${(Number(usd.posted.amount) / 100).toFixed(2)} USD`)

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
