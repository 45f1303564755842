/**
 * @paykit/store-postgres/settlement: the settlement `SettlementStore` (`@paykit/settlement`) on
 * PostgreSQL or embedded PGlite, with its own migration namespace (`settlement`, tables
 * `paykit_settlement_*`) beside the shared outbox's. Needs `@paykit/settlement` installed (an
 * optional peer of this package).
 *
 * @since 0.1.0
 */
export * as SettlementStorePostgres from "./SettlementStorePostgres.ts"
