import { PaymentsModel } from "@paykit/payments/testing"
import { Layer } from "effect"
import { describe, it } from "vitest"
import * as LedgerStorePostgres from "../src/ledger/LedgerStorePostgres.ts"
import * as PaymentStorePostgres from "../src/payments/PaymentStorePostgres.ts"
import { TestStores } from "../src/testing/index.ts"
import { serverUrl } from "./support/env.ts"

// The payments service's model-based test with payments and the ledger on one database: every
// step's ledger entry joins the payment's transaction. A fresh schema per sequence; fewer
// sequences than on memory (each is a few hundred statements).

PaymentsModel.suite(
  "PGlite",
  TestStores.pgliteSharedWith("paymodel", (schema) =>
    PaymentStorePostgres.layerClient({ schema }).pipe(
      Layer.provideMerge(LedgerStorePostgres.layerClient({ schema }))
    )
  ),
  { numRuns: 25, coverage: false }
)

if (serverUrl !== undefined)
  PaymentsModel.suite(
    "PostgreSQL",
    TestStores.serverWith(serverUrl, "paymodel", (config) =>
      PaymentStorePostgres.layerClient({ schema: config.schema }).pipe(
        Layer.provideMerge(LedgerStorePostgres.layer(config))
      )
    ),
    { numRuns: 25, coverage: false }
  )
else
  describe("Payments: model-based, on PostgreSQL", () => it.skip("needs PAYKIT_TEST_DATABASE_URL", () => {}))
