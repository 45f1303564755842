import { Currency } from "@paykit/core"
import { ChartOfAccounts, Ledger } from "@paykit/ledger"
import { Effect, Result } from "effect"

/**
 * Opens wallet books on the `Ledger` for tests and demos: the customer's wallet and the
 * merchant's pending account of the chart, plus a funding account `src` (an asset) that puts
 * `fund` minor units on the wallet. A refusal by the ledger is a defect: the test's setup is wrong.
 *
 * @example
 * ```ts
 * import { Fixtures } from "@paykit/payments/testing"
 * const setup = Fixtures.openWalletBooks(1_000_000n) // cus_1's EUR wallet, m_1's pending account
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const openWalletBooks = (
  fund: bigint,
  options: {
    readonly customer?: string
    readonly merchant?: string
    readonly currency?: Currency.Currency
  } = {}
) =>
  Effect.gen(function* () {
    const currency = options.currency ?? Currency.EUR
    const wallet = Result.getOrThrow(ChartOfAccounts.customerWallet(options.customer ?? "cus_1", currency))
    const pending = Result.getOrThrow(ChartOfAccounts.merchantPending(options.merchant ?? "m_1", currency))
    const ledger = yield* Ledger.Ledger
    const s = yield* ledger.executeSummary(
      [
        ChartOfAccounts.open(wallet),
        ChartOfAccounts.open(pending),
        { _tag: "CreateAccount", id: "src", currency: currency.code, code: "asset", normal: "debit" },
        {
          _tag: "Transfer",
          id: "fund",
          postings: [{ debit: "src", credit: wallet.id, amount: fund, currency: currency.code }]
        }
      ],
      "linked"
    )
    if (s.failures.length > 0)
      return yield* Effect.die(
        new Error(`opening the wallet books failed: ${JSON.stringify(s.failures.map((f) => f.error._tag))}`)
      )
  })
