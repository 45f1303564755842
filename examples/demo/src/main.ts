/**
 * `pnpm demo`: the project's main job, run on a fresh machine with no setup.
 */
import { Effect } from "effect"
import { runAccountsDemo } from "./accounts-demo.ts"
import { runCoreDemo } from "./core-demo.ts"
import { runLedgerDemo } from "./ledger-demo.ts"
import { paymentsPglite, runPaymentsDemo } from "./payments-demo.ts"
import { runRiskDemo } from "./risk-demo.ts"
import { runSettlementDemo, settlementLayer } from "./settlement-demo.ts"

const started = performance.now()
console.log("paykit demo")
runCoreDemo()
const payments = Effect.provide(runPaymentsDemo, paymentsPglite)
const settlement = Effect.provide(runSettlementDemo, settlementLayer)
Effect.runPromise(
  Effect.andThen(
    Effect.andThen(Effect.andThen(Effect.andThen(runAccountsDemo, runRiskDemo), runLedgerDemo), payments),
    settlement
  )
).then(
  () => {
    console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(2)} s`)
    process.exit(0)
  },
  (error) => {
    console.error("\nthe demo failed:", error)
    process.exit(1)
  }
)
