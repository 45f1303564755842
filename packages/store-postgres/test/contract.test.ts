import { LedgerStoreContract } from "@paykit/ledger/testing"
import { describe } from "vitest"
import { serverUrl } from "./support/env.ts"
import { pglite, server } from "./support/layers.ts"

// PGlite: a fresh in-memory database per test. Fewer property runs than the memory store
// because every run opens a database (see the README's test notes).
LedgerStoreContract.suite("PGlite", pglite, { numRuns: 25, fibers: 20, timeout: 120_000 })

describe.skipIf(serverUrl === undefined)("PostgreSQL server", () => {
  LedgerStoreContract.suite("PostgreSQL", server("contract"), { numRuns: 40, fibers: 40, timeout: 120_000 })
})
