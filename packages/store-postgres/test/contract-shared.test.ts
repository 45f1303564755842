import { LedgerStoreContract } from "@paykit/ledger/testing"
import { pgliteShared } from "./support/layers.ts"

// PGlite, one database and a fresh schema per store: cheap enough for 30 model-based runs.
LedgerStoreContract.suite("PGlite (shared database)", pgliteShared("contract"), {
  numRuns: 30,
  fibers: 20,
  timeout: 180_000
})
