/**
 * @paykit/store-postgres: the shared machinery of paykit's PostgreSQL adapters (opening a server
 * through `DATABASE_URL` or embedded PGlite when asked, the PGlite driver, the namespaced
 * migrator, the transactional outbox and its relay, the start-up errors). The adapters live in
 * their own entry points, one per domain: `@paykit/store-postgres/ledger`, `/accounts`, `/fx`,
 * `/payments`, `/risk`, `/settlement` and `/webhooks`. This entry imports no domain package.
 *
 * @since 0.1.0
 */
export * as Database from "./Database.ts"
export * as Metrics from "./Metrics.ts"
export * as Migrations from "./Migrations.ts"
export * as Outbox from "./Outbox.ts"
export * as PgliteClient from "./PgliteClient.ts"
export * from "./errors.ts"
