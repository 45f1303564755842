import { describe } from "vitest"
import { serverUrl } from "./support/env.ts"
import { serverBackend } from "./support/events-stores.ts"
import { serviceSuite } from "./support/events-services.ts"
import { adapterSuite } from "./support/events-suite.ts"

// Events travel with the change, on the server named by PAYKIT_TEST_DATABASE_URL (a schema per test).
describe.skipIf(serverUrl === undefined)("events on a PostgreSQL server", () => {
  adapterSuite(serverBackend(serverUrl ?? ""))
  serviceSuite(serverBackend(serverUrl ?? ""))
})
