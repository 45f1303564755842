import { Ids, Notifier } from "@paykit/core"
import { Ledger } from "@paykit/ledger"
import { FuzzSuite } from "@paykit/ledger/testing"
import { Layer } from "effect"
import { pgliteShared } from "./support/layers.ts"

// Hostile values into every public operation of the ledger on PGlite: one database for the
// process, a fresh schema per case (opening PGlite per case would take seconds).
FuzzSuite.suite(
  "PGlite",
  Ledger.layer().pipe(
    Layer.provideMerge(pgliteShared("fuzz")),
    Layer.provide([Notifier.layerMemory, Ids.layer])
  ),
  { numRuns: 30 }
)
