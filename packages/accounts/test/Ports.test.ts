import { AccountStore, KeyStore, VerificationProvider } from "../src/index.ts"
import { AccountStoreContract, KeyStoreContract, VerificationProviderContract } from "../src/testing/index.ts"

AccountStoreContract.suite("memory", AccountStore.layerMemory)
KeyStoreContract.suite("memory", KeyStore.layerMemory)
VerificationProviderContract.suite("memory", VerificationProvider.layerMemory, { magic: true })
