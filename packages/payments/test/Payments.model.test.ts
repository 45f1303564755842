import { LedgerStore } from "@paykit/ledger"
import { Layer } from "effect"
import { PaymentStore } from "../src/index.ts"
import { PaymentsModel } from "../src/testing/index.ts"

PaymentsModel.suite("memory", Layer.mergeAll(PaymentStore.layerMemory, LedgerStore.layerMemory), {
  numRuns: 150
})
