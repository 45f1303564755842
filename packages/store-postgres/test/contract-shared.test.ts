import { LedgerStoreContract } from "@paykit/ledger/testing"
import { pgliteShared } from "./support/layers.ts"

// PGlite, one database and a fresh schema per store: cheap enough for 40 model-based runs.
LedgerStoreContract.suite("PGlite (shared database)", pgliteShared("contract"), {
  numRuns: 40,
  fibers: 20,
  timeout: 180_000
})
