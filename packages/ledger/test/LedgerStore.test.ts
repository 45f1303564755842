import { LedgerStore } from "@paykit/ledger"
import { LedgerStoreContract } from "@paykit/ledger/testing"

LedgerStoreContract.suite("memory", LedgerStore.layerMemory, { numRuns: 100 })
