/**
 * @paykit/settlement: fee schedules, balance transactions, payout schedules and runs, rolling
 * reserves, payouts, reports and reconciliation.
 *
 * @since 0.1.0
 */
export * as BalanceTransaction from "./BalanceTransaction.ts"
export * as Payout from "./Payout.ts"
export * as PayoutProvider from "./PayoutProvider.ts"
export * as ReservePlan from "./ReservePlan.ts"
export * as Run from "./Run.ts"
export * as Settlement from "./Settlement.ts"
export * as SettlementStore from "./SettlementStore.ts"
export * as Transactions from "./Transactions.ts"
export * from "./errors.ts"
export * as Calendar from "./Calendar.ts"
export * as PayoutSchedule from "./PayoutSchedule.ts"
export * as Reports from "./Reports.ts"
export * as FeeSchedule from "./FeeSchedule.ts"
export * as FeePolicy from "./FeePolicy.ts"
export * as Reconciliation from "./Reconciliation.ts"
export * as BalanceAssertions from "./BalanceAssertions.ts"
export * as Importers from "./Importers.ts"
