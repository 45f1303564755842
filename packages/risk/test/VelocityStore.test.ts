import { VelocityStore } from "@paykit/risk"
import { VelocityStoreContract } from "@paykit/risk/testing"

VelocityStoreContract.suite("memory", VelocityStore.layerMemory)
VelocityStoreContract.suite("memory, cap 4", VelocityStore.layerMemoryWith({ cap: 4 }), { runs: 100 })
