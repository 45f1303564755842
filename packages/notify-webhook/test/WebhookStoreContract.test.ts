import { WebhookStore } from "../src/index.ts"
import { WebhookStoreContract } from "../src/testing/index.ts"

WebhookStoreContract.suite("memory", WebhookStore.layerMemory, { numRuns: 100 })
