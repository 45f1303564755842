import { Schema } from "effect"

/**
 * The store could not reach its database at start-up: the server refused or did not answer
 * within the connect timeout, authentication failed, the database does not exist, or the PGlite
 * data directory could not be opened. `target` names the database without its password.
 *
 * @example
 * ```ts
 * import { StorePostgres } from "@paykit/store-postgres"
 * // StorePostgres.layer({ url: "postgres://postgres@127.0.0.1:1/test" }) fails with
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
    return `cannot use the database at ${this.target}: ${this.reason}. Check that PostgreSQL is running and that DATABASE_URL (host, port, user, database) is right; leave DATABASE_URL unset to use embedded PGlite`
  }
}

/**
 * The store's configuration is malformed: a `DATABASE_URL` that is not a `postgres://` or
 * `postgresql://` URL, a schema name that is not a plain identifier, a non-positive pool size.
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
 * The database holds a paykit schema newer than this version of `@paykit/store-postgres`
 * understands (another service already upgraded it). Upgrade this package; never downgrade a
 * database.
 *
 * @category errors
 * @since 0.1.0
 */
export class SchemaTooNew extends Schema.TaggedError<SchemaTooNew>()("SchemaTooNew", {
  found: Schema.Number,
  supported: Schema.Number
}) {
  override get message(): string {
    return `the database schema is at migration ${this.found} but this @paykit/store-postgres supports up to ${this.supported}; upgrade @paykit/store-postgres (the database was migrated by a newer version)`
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
  reason: Schema.String
}) {
  override get message(): string {
    return `paykit migrations failed and were rolled back: ${this.reason}`
  }
}

/**
 * Every error opening the store can fail with.
 *
 * @category errors
 * @since 0.1.0
 */
export type StartupError = DatabaseUnavailable | InvalidStoreConfig | SchemaTooNew | MigrationFailed
