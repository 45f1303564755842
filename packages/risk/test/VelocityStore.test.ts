import { Notifier } from "@paykit/core"
import { VelocityStore } from "@paykit/risk"
import { VelocityStoreContract } from "@paykit/risk/testing"
import { Layer } from "effect"

VelocityStoreContract.suite("memory", VelocityStore.layerMemory.pipe(Layer.provide(Notifier.layerNoop)))
VelocityStoreContract.suite(
  "memory, cap 4",
  VelocityStore.layerMemoryWith({ cap: 4 }).pipe(Layer.provide(Notifier.layerNoop)),
  { runs: 100 }
)
