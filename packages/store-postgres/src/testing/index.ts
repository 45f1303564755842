/**
 * Test helpers for @paykit/store-postgres: layers that give every build a fresh, empty store
 * (a new schema, dropped when the layer closes), for running contract suites and your own
 * tests against PGlite and a PostgreSQL server. Works with any adapter (`/ledger`, `/accounts`,
 * `/fx`, `/risk`) and imports none of them.
 *
 * @since 0.1.0
 */
export * as TestStores from "./TestStores.ts"
