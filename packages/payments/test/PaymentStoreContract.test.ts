import { PaymentStore } from "../src/index.ts"
import { PaymentStoreContract } from "../src/testing/index.ts"

PaymentStoreContract.suite("memory", PaymentStore.layerMemory, { numRuns: 50 })
