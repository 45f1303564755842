import { Ids, Notifier } from "@paykit/core"
import { Ledger } from "@paykit/ledger"
import { FuzzSuite } from "@paykit/ledger/testing"
import { Layer } from "effect"
import { describe } from "vitest"
import { serverUrl } from "./support/env.ts"
import { server } from "./support/layers.ts"

// Hostile values into every public operation of the ledger on the PostgreSQL server named by
// PAYKIT_TEST_DATABASE_URL: a fresh schema per case, dropped when the case's store closes.
describe.skipIf(serverUrl === undefined)("PostgreSQL server", () => {
  FuzzSuite.suite(
    "PostgreSQL",
    Ledger.layer().pipe(Layer.provideMerge(server("fuzz")), Layer.provide([Notifier.layerMemory, Ids.layer])),
    { numRuns: 30 }
  )
})
