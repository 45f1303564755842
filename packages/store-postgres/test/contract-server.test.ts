import { LedgerStoreContract } from "@paykit/ledger/testing"
import { describe } from "vitest"
import { serverUrl } from "./support/env.ts"
import { server } from "./support/layers.ts"

// PostgreSQL: a fresh schema per store on the server named by PAYKIT_TEST_DATABASE_URL.
describe.skipIf(serverUrl === undefined)("PostgreSQL server", () => {
  LedgerStoreContract.suite("PostgreSQL", server("contract"), { numRuns: 40, fibers: 40, timeout: 180_000 })
})
