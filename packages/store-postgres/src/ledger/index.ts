/**
 * @paykit/store-postgres/ledger: the ledger's `LedgerStore` (`@paykit/ledger`) on PostgreSQL or embedded PGlite, with
 * its own migration namespace (`ledger`, tables `paykit_ledger_*`) beside the shared outbox's.
 * Needs `@paykit/ledger` installed (an optional peer of this package).
 *
 * @since 0.3.0
 */
export * as LedgerStorePostgres from "./LedgerStorePostgres.ts"
