import { Notifier } from "@paykit/core"
import { QuoteStore } from "@paykit/fx"
import { QuoteStoreContract } from "@paykit/fx/testing"
import { Layer } from "effect"

QuoteStoreContract.suite("memory", QuoteStore.layerMemory.pipe(Layer.provide(Notifier.layerNoop)))
