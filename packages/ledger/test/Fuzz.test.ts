import { Ids, Notifier } from "@paykit/core"
import { Ledger, LedgerStore } from "@paykit/ledger"
import { FuzzSuite } from "@paykit/ledger/testing"
import { Layer } from "effect"
import { describe } from "vitest"

// Hostile values into every public operation of the ledger on the memory store, each case on a
// fresh store (the layer is built anew for each).
const memory = Ledger.layer().pipe(
  Layer.provideMerge(LedgerStore.layerMemory),
  Layer.provide([Notifier.layerMemory, Ids.layer])
)

FuzzSuite.suite("memory", memory, { numRuns: 100 })

// Every curated hostile value in every position, reporting every distinct problem (about 50,000
// cases): on demand, with PAYKIT_FUZZ_SWEEP=1.
describe.skipIf(!process.env["PAYKIT_FUZZ_SWEEP"])("sweep", () => {
  FuzzSuite.sweep("memory", memory)
})
