import { Ids, Notifier } from "@paykit/core"
import { Ledger } from "@paykit/ledger"
import { FuzzSuite } from "@paykit/ledger/testing"
import { Layer } from "effect"
import { pgliteShared } from "./support/layers.ts"

// Hostile values into every public operation of the ledger on PGlite: one database for the
// process, a fresh schema per case (opening PGlite per case would take seconds). 10 cases per
// operation: a case costs a schema migrated inside PGlite's WebAssembly, and 30 took 15 minutes
// of one core, the longest file of the suite by far (on a loaded machine, most of an hour). The
// same suite runs 30 cases per operation on PostgreSQL (fuzz-server) and 100 on memory.
FuzzSuite.suite(
  "PGlite",
  Ledger.layer().pipe(
    Layer.provideMerge(pgliteShared("fuzz")),
    Layer.provide([Notifier.layerMemory, Ids.layer])
  ),
  { numRuns: 10 }
)
