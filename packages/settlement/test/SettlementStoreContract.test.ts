import { SettlementStore } from "../src/index.ts"
import { SettlementStoreContract } from "../src/testing/index.ts"

// the memory store applies each commit at once: a failed exclusive body keeps what it committed
SettlementStoreContract.suite("memory", SettlementStore.layerMemory, { numRuns: 50, atomicExclusive: false })
