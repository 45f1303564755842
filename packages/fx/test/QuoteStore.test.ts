import { QuoteStore } from "@paykit/fx"
import { QuoteStoreContract } from "@paykit/fx/testing"

QuoteStoreContract.suite("memory", QuoteStore.layerMemory)
