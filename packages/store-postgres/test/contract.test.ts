import { LedgerStoreContract } from "@paykit/ledger/testing"
import { describe } from "vitest"
import { serverUrl } from "./support/env.ts"
import { pglite, pgliteShared, server } from "./support/layers.ts"

// PGlite, one database per store (as users open it): the example-based tests.
describe("PGlite, a database per store", () => {
  LedgerStoreContract.suite("PGlite", pglite, { numRuns: 3, fibers: 20, timeout: 120_000 })
})

// PGlite, one database and a fresh schema per store: cheap enough for 40 model-based runs.
describe("PGlite, a schema per store", () => {
  LedgerStoreContract.suite("PGlite (shared database)", pgliteShared("contract"), {
    numRuns: 40,
    fibers: 20,
    timeout: 180_000
  })
})

describe.skipIf(serverUrl === undefined)("PostgreSQL server", () => {
  LedgerStoreContract.suite("PostgreSQL", server("contract"), { numRuns: 40, fibers: 40, timeout: 180_000 })
})
