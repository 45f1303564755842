/**
 * @paykit/store-postgres/risk: the risk `VelocityStore` and `ListStore` (`@paykit/risk`) on PostgreSQL or embedded PGlite, with
 * its own migration namespace (`risk`, tables `paykit_risk_*`) beside the shared outbox's.
 * Needs `@paykit/risk` installed (an optional peer of this package).
 *
 * @since 0.3.0
 */
export * as VelocityStorePostgres from "./VelocityStorePostgres.ts"
export * as ListStorePostgres from "./ListStorePostgres.ts"
