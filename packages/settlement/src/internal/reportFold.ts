// What the folds of the reports share: the `Sum` accumulator, group keys and their order, the
// period test, the payout categories, empty cells, and telling an async source from a sync one.
import type { BalanceTransaction, ReportingCategory } from "../BalanceTransaction.ts"
import type { Period, Totals } from "../Reports.ts"

export const isAsync = <A>(source: Iterable<A> | AsyncIterable<A>): source is AsyncIterable<A> =>
  typeof (source as AsyncIterable<A>)[Symbol.asyncIterator] === "function"

export class Sum implements Totals {
  count = 0
  gross = 0n
  fee = 0n
  net = 0n
  add(t: BalanceTransaction): void {
    this.count++
    this.gross += t.gross
    this.fee += t.fee
    this.net += t.net
  }
  merge(o: Totals): void {
    this.count += o.count
    this.gross += o.gross
    this.fee += o.fee
    this.net += o.net
  }
  snapshot(): Totals {
    return { count: this.count, gross: this.gross, fee: this.fee, net: this.net }
  }
  negated(): Totals {
    return { count: this.count, gross: -this.gross, fee: -this.fee, net: -this.net }
  }
}

export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
export const SEP = "\u0000"
export const inPeriod = (p: Period, t: BalanceTransaction) =>
  t.availableOn >= p.fromMs && t.availableOn < p.toMs
export const isPayoutCategory = (c: ReportingCategory) => c === "payout" || c === "payout_reversal"

export const nullable = (s: string | undefined): string | null => (s === undefined || s === "" ? null : s)
