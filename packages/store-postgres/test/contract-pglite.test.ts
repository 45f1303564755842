import { LedgerStoreContract } from "@paykit/ledger/testing"
import { pglite } from "./support/layers.ts"

// PGlite as users open it: a new in-memory database per store. Opening PGlite takes seconds,
// so the model-based property runs 3 times here; contract-shared.test.ts runs it 30 times.
LedgerStoreContract.suite("PGlite", pglite, { numRuns: 3, fibers: 20, timeout: 120_000 })
