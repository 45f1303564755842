/**
 * @paykit/store-postgres/fx: the FX `QuoteStore` (`@paykit/fx`) on PostgreSQL or embedded PGlite, with
 * its own migration namespace (`fx`, tables `paykit_fx_*`) beside the shared outbox's.
 * Needs `@paykit/fx` installed (an optional peer of this package).
 *
 * @since 0.3.0
 */
export * as QuoteStorePostgres from "./QuoteStorePostgres.ts"
