/**
 * @paykit/settlement: fee schedules, balance transactions, payout schedules and runs, rolling
 * reserves, payouts, reports and reconciliation.
 *
 * @since 0.1.0
 */
export * as BalanceTransaction from "./BalanceTransaction.ts"
