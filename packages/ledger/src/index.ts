/**
 * @paykit/ledger: a double-entry ledger with TigerBeetle's guarantees — accounts with balance
 * limits, atomic multi-posting entries, two-phase holds, idempotency, reversals, point-in-time
 * balances, and the `LedgerStore` port.
 *
 * @since 0.1.0
 */
export * as Account from "./Account.ts"
export * as Command from "./Command.ts"
export * as Entry from "./Entry.ts"
export * as Errors from "./errors.ts"
export * as Hold from "./Hold.ts"
export * as Ledger from "./Ledger.ts"
export * as LedgerEvent from "./LedgerEvent.ts"
export * as LedgerCore from "./LedgerCore.ts"
export * as LedgerStore from "./LedgerStore.ts"
export * from "./errors.ts"
