/**
 * @paykit/core Money against dinero.js 2 (its bigint build, the fair peer for exact amounts),
 * measured in the same process, in batches and alternating rounds, run BENCH_RUNS times (see
 * scripts/bench-harness.ts). Run: pnpm bench (or pnpm --filter @paykit/core bench).
 */
import * as D from "dinero.js/bigint"
import { compare } from "../../../scripts/bench-harness.ts"
import { Currency, Decimal, Money } from "../src/index.ts"

const { USD, EUR } = Currency
const dUSD = D.USD
const dEUR = D.EUR

const a = Money.fromMinorUnsafe(123_456n, USD)
const b = Money.fromMinorUnsafe(987_654n, USD)
const da = D.dinero({ amount: 123_456n, currency: dUSD })
const db = D.dinero({ amount: 987_654n, currency: dUSD })

// The million amounts exist only while their row is measured (`setup`/`teardown`): built before
// the benchmark, two million live objects slowed every other row's garbage collection (dinero.js
// about five times).
const N = 1_000_000
let many: Array<Money.Money> = []
let dMany: Array<D.Dinero<bigint>> = []

const rate = Decimal.unsafe("0.9213")
const dRate = { amount: 9213n, scale: 4n }
const factor = Decimal.unsafe("1.075")
const dFactor = { amount: 1075n, scale: 3n }
const ten = Array.from({ length: 10 }, (_, i) => BigInt(i + 1))

const rows = compare("@paykit/core Money vs dinero.js 2 (bigint)", "dinero.js", [
  {
    operation: "add",
    ours: { name: "Money.add", opsPerRun: 1, run: () => Money.add(a, b) },
    peer: { name: "dinero add", opsPerRun: 1, run: () => D.add(da, db) }
  },
  {
    operation: "add (throwing form)",
    ours: { name: "Money.addUnsafe", opsPerRun: 1, run: () => Money.addUnsafe(a, b) },
    peer: { name: "dinero add", opsPerRun: 1, run: () => D.add(da, db) }
  },
  {
    operation: "sum of 1M amounts (amounts/s)",
    ours: { name: "Money.sum", opsPerRun: N, run: () => Money.sum(USD, many) },
    peer: { name: "dinero add fold", opsPerRun: N, run: () => dMany.reduce((s, x) => D.add(s, x)) },
    setup: () => {
      many = Array.from({ length: N }, (_, i) => Money.fromMinorUnsafe(BigInt((i * 7919) % 100_000), USD))
      dMany = Array.from({ length: N }, (_, i) =>
        D.dinero({ amount: BigInt((i * 7919) % 100_000), currency: dUSD })
      )
    },
    teardown: () => {
      many = []
      dMany = []
    }
  },
  {
    operation: "allocate into 3",
    ours: { name: "Money.allocate 3", opsPerRun: 1, run: () => Money.allocate(b, [1n, 1n, 1n]) },
    peer: { name: "dinero allocate 3", opsPerRun: 1, run: () => D.allocate(db, [1n, 1n, 1n]) }
  },
  {
    operation: "allocate into 10",
    ours: { name: "Money.allocate 10", opsPerRun: 1, run: () => Money.allocate(b, ten) },
    peer: { name: "dinero allocate 10", opsPerRun: 1, run: () => D.allocate(db, ten) }
  },
  {
    operation: "multiply by 1.075, round half-even",
    ours: { name: "Money.multiply", opsPerRun: 1, run: () => Money.multiply(b, factor, "half-even") },
    peer: {
      name: "dinero multiply+transformScale",
      opsPerRun: 1,
      run: () => D.transformScale(D.multiply(db, dFactor), 2n, D.halfEven)
    }
  },
  {
    operation: "convert USD→EUR at 0.9213, round half-even",
    ours: { name: "Money.convert", opsPerRun: 1, run: () => Money.convert(b, rate, EUR, "half-even") },
    peer: {
      name: "dinero convert+transformScale",
      opsPerRun: 1,
      run: () => D.transformScale(D.convert(db, dEUR, { EUR: dRate }), 2n, D.halfEven)
    }
  }
])

// sanity: both libraries computed the same results (a benchmark of wrong answers is worthless)
const check = (label: string, ours: bigint, theirs: bigint) => {
  if (ours !== theirs) throw new Error(`${label}: paykit ${ours} ≠ dinero ${theirs}`)
}
check("add", Money.addUnsafe(a, b).amount, D.toSnapshot(D.add(da, db)).amount)
check(
  "allocate",
  (Money.allocate(b, [1n, 1n, 1n]) as { success: Array<Money.Money> }).success[0]!.amount,
  D.toSnapshot(D.allocate(db, [1n, 1n, 1n])[0]!).amount
)
check(
  "multiply",
  (Money.multiply(b, factor, "half-even") as { success: Money.Money }).success.amount,
  D.toSnapshot(D.transformScale(D.multiply(db, dFactor), 2n, D.halfEven)).amount
)
check(
  "convert",
  (Money.convert(b, rate, EUR, "half-even") as { success: Money.Money }).success.amount,
  D.toSnapshot(D.transformScale(D.convert(db, dEUR, { EUR: dRate }), 2n, D.halfEven)).amount
)

const goal = rows.filter((r) => r.operation === "add" || r.operation.startsWith("allocate"))
console.log(
  `\ngoal ≥ 5× dinero.js on add and allocate: ${goal.every((r) => r.ratio >= 5) ? "met" : "NOT met"} (${goal.map((r) => `${r.operation} ${r.ratio.toFixed(1)}×`).join(", ")})`
)
