import { LedgerStore } from "@paykit/ledger"
import { LedgerStoreContract, Model } from "@paykit/ledger/testing"
import { it } from "vitest"

LedgerStoreContract.suite("memory (extended)", LedgerStore.layerMemory, {
  numRuns: 4_000,
  timeout: 3_000_000
})
it("model, 10,000 runs", { timeout: 3_000_000 }, () =>
  Model.property(LedgerStore.layerMemory, { numRuns: 10_000 })
)
