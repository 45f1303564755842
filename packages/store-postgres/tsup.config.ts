import { defineConfig } from "tsup"
import { paykitBuild } from "../../tsup.shared.ts"

const shared = paykitBuild()

// The shared entry and one entry per domain adapter. Splitting (also for CJS) keeps one copy of
// the shared machinery (errors, Database, Migrations) that every entry imports, so a class seen
// through `@paykit/store-postgres` and through `/ledger` is the same class.
export default defineConfig({
  ...(shared as object),
  entry: {
    index: "src/index.ts",
    "ledger/index": "src/ledger/index.ts",
    "accounts/index": "src/accounts/index.ts",
    "fx/index": "src/fx/index.ts",
    "payments/index": "src/payments/index.ts",
    "risk/index": "src/risk/index.ts",
    "settlement/index": "src/settlement/index.ts",
    "webhooks/index": "src/webhooks/index.ts",
    "testing/index": "src/testing/index.ts"
  },
  splitting: true
})
