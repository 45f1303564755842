import { Notifier } from "@paykit/core"
import { Layer } from "effect"
import { AccountStore, KeyStore, VerificationProvider } from "../src/index.ts"
import { AccountStoreContract, KeyStoreContract, VerificationProviderContract } from "../src/testing/index.ts"

AccountStoreContract.suite("memory", AccountStore.layerMemory.pipe(Layer.provide(Notifier.layerMemory)))
KeyStoreContract.suite("memory", KeyStore.layerMemory)
VerificationProviderContract.suite("memory", VerificationProvider.layerMemory, { magic: true })
