import { Schema } from "effect"

/**
 * The store could not reach its database at start-up: the server refused or did not answer
 * within the connect timeout, authentication failed, the database does not exist, or the PGlite
 * data directory could not be opened. `target` names the database without its password.
 *
 * @example
 * ```ts
 * import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
 * // LedgerStorePostgres.layer({ url: "postgres://postgres@127.0.0.1:1/test" }) fails with
 * // DatabaseUnavailable { target: "postgres://postgres@127.0.0.1:1/test", reason: "connection refused ..." }
 * ```
 * @category errors
 * @since 0.1.0
 */
export class DatabaseUnavailable extends Schema.TaggedError<DatabaseUnavailable>()("DatabaseUnavailable", {
  target: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot use the database at ${this.target}: ${this.reason}. Check that PostgreSQL is running and that DATABASE_URL (host, port, user, database) is right; or, for embedded PGlite, unset DATABASE_URL and set PAYKIT_DATABASE=pglite:memory (or pglite:<directory>)`
  }
}

/**
 * The store's configuration is malformed: a `DATABASE_URL` that is not a `postgres://` or
 * `postgresql://` URL, a `PAYKIT_DATABASE` other than `pglite:memory` or `pglite:<directory>`,
 * both `DATABASE_URL` and `PAYKIT_DATABASE` set (ambiguous), a schema name that is not a plain
 * identifier, a non-positive pool size.
 *
 * @category errors
 * @since 0.1.0
 */
export class InvalidStoreConfig extends Schema.TaggedError<InvalidStoreConfig>()("InvalidStoreConfig", {
  field: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `invalid store configuration at ${this.field}: ${this.reason}`
  }
}

/**
 * `layerConfig()` found no database to open: neither `DATABASE_URL` (a PostgreSQL server) nor
 * `PAYKIT_DATABASE` (`pglite:memory` or `pglite:<directory>`, embedded PGlite) is set. Embedded
 * PGlite is never chosen silently: a production service that lost its `DATABASE_URL` must not
 * start on an empty in-memory database.
 *
 * @example
 * ```ts
 * import { LedgerStorePostgres } from "@paykit/store-postgres/ledger"
 * // with neither variable set, LedgerStorePostgres.layerConfig() fails with DatabaseNotConfigured
 * const live = LedgerStorePostgres.layerConfig()
 * ```
 * @category errors
 * @since 0.3.0
 */
export class DatabaseNotConfigured extends Schema.TaggedError<DatabaseNotConfigured>()(
  "DatabaseNotConfigured",
  {}
) {
  override get message(): string {
    return "no database configured: set DATABASE_URL=postgres://user[:password]@host[:port]/database for a PostgreSQL server, or PAYKIT_DATABASE=pglite:memory (or pglite:<directory>) for embedded PGlite"
  }
}

/**
 * The database holds a paykit schema newer than this version of `@paykit/store-postgres`
 * understands in one migration namespace (`namespace`: `ledger`, `accounts`, `fx`, `risk` or
 * `outbox`; another service already upgraded it). Upgrade this package; never downgrade a
 * database.
 *
 * @category errors
 * @since 0.1.0
 */
export class SchemaTooNew extends Schema.TaggedError<SchemaTooNew>()("SchemaTooNew", {
  namespace: Schema.String,
  found: Schema.Number,
  supported: Schema.Number
}) {
  override get message(): string {
    return `the database's ${this.namespace} schema is at migration ${this.found} (paykit_${this.namespace}_migrations) but this @paykit/store-postgres supports up to ${this.supported}; upgrade @paykit/store-postgres (the database was migrated by a newer version)`
  }
}

/**
 * A migration failed to apply; nothing of it was committed (migrations run in one transaction
 * under an advisory lock).
 *
 * @category errors
 * @since 0.1.0
 */
export class MigrationFailed extends Schema.TaggedError<MigrationFailed>()("MigrationFailed", {
  namespace: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `paykit ${this.namespace} migrations failed and were rolled back: ${this.reason}`
  }
}

/**
 * Every error opening the store can fail with.
 *
 * @category errors
 * @since 0.1.0
 */
export type StartupError =
  | DatabaseUnavailable
  | DatabaseNotConfigured
  | InvalidStoreConfig
  | SchemaTooNew
  | MigrationFailed
