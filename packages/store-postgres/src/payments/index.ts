/**
 * @paykit/store-postgres/payments: the payments `PaymentStore` (`@paykit/payments`) on PostgreSQL
 * or embedded PGlite, with its own migration namespace (`payments`, tables `paykit_payments_*`)
 * beside the shared outbox's. Needs `@paykit/payments` installed (an optional peer of this package).
 *
 * @since 0.3.0
 */
export * as PaymentStorePostgres from "./PaymentStorePostgres.ts"
