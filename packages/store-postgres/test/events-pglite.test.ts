import { pgliteBackend } from "./support/events-stores.ts"
import { serviceSuite } from "./support/events-services.ts"
import { adapterSuite } from "./support/events-suite.ts"

// Events travel with the change, on one PGlite (a fresh schema per test).
adapterSuite(pgliteBackend)
serviceSuite(pgliteBackend)
