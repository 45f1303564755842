/**
 * @paykit/store-postgres: every paykit storage port (ledger, accounts, FX quotes, risk velocity) on PostgreSQL,
 * on a server through `DATABASE_URL` or embedded PGlite by default, with one migration set,
 * database-enforced idempotency, a transactional outbox and a batched write path.
 *
 * @since 0.1.0
 */
export * as AccountStorePostgres from "./AccountStorePostgres.ts"
export * as Database from "./Database.ts"
export * as Migrations from "./Migrations.ts"
export * as Outbox from "./Outbox.ts"
export * as PgliteClient from "./PgliteClient.ts"
export * as QuoteStorePostgres from "./QuoteStorePostgres.ts"
export * as StorePostgres from "./StorePostgres.ts"
export * as VelocityStorePostgres from "./VelocityStorePostgres.ts"
export * from "./errors.ts"
