/**
 * @paykit/ledger: a double-entry ledger with TigerBeetle's guarantees — accounts with balance
 * limits, atomic multi-posting entries, two-phase holds, idempotency, reversals, point-in-time
 * balances, and the `LedgerStore` port; posting templates and a chart of accounts for the payment
 * steps every money-moving package posts.
 *
 * @since 0.1.0
 */
export * as Account from "./Account.ts"
/**
 * The accounts a payment business keeps (customer wallets, merchant pending / available /
 * reserve, fee revenue, scheme and interchange payables, settlement bank, FX positions): ids from
 * the owner and currency, and the `CreateAccount` commands that open them.
 *
 * @since 0.2.0
 */
export * as ChartOfAccounts from "./ChartOfAccounts.ts"
export * as Command from "./Command.ts"
export * as Entry from "./Entry.ts"
export * as Errors from "./errors.ts"
export * as Hold from "./Hold.ts"
export * as Ledger from "./Ledger.ts"
export * as LedgerEvent from "./LedgerEvent.ts"
export * as LedgerCore from "./LedgerCore.ts"
export * as LedgerStore from "./LedgerStore.ts"
/**
 * Posting templates: pure functions from a payment step to the ledger commands it posts, with
 * ids derived from the domain id and the step, so a retried step replays.
 *
 * @since 0.2.0
 */
export * as Templates from "./Templates.ts"
export * from "./errors.ts"
