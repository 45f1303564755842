/**
 * @paykit/store-postgres/accounts: the accounts' `AccountStore` (`@paykit/accounts`) on PostgreSQL or embedded PGlite, with
 * its own migration namespace (`accounts`, tables `paykit_accounts_*`) beside the shared outbox's.
 * Needs `@paykit/accounts` installed (an optional peer of this package).
 *
 * @since 0.3.0
 */
export * as AccountStorePostgres from "./AccountStorePostgres.ts"
