import { Currency } from "@paykit/core"
import type * as SqlClient from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import {
  DEFAULT_ACQUIRE_TIMEOUT,
  DEFAULT_LOCK_TIMEOUT,
  DEFAULT_STATEMENT_TIMEOUT,
  messageOf,
  millisOf,
  settingOf
} from "../../internal/adapter.ts"
import type { StoreOptions } from "../LedgerStorePostgres.ts"

/** A group commit takes at most this many writes… */
export const GROUP_MAX = 64
/** …and stops adding writes once it holds this many commands. */
export const GROUP_COMMANDS = 4_096

/**
 * The store's default currency registry: the ledger's default (ISO 4217 plus
 * `Currency.POINTS`), so an account the `Ledger` accepts with its default settings is one this
 * store can place.
 */
const defaultCurrencies = Currency.registry([Currency.POINTS])

/** The store's options resolved against their defaults, with the `SqlClient` it runs on. */
export interface Setup {
  readonly sql: SqlClient.SqlClient
  readonly registry: Currency.Registry
  readonly clock: "database" | "caller"
  readonly maxAttempts: number
  readonly lockTimeout: string
  readonly statementTimeout: string
  readonly acquireMillis: number
  readonly groupCommit: boolean
  readonly writers: number
  /** A database failure as a write's reason; a statement timeout names the option. */
  readonly reasonOf: (e: SqlError) => string
}

/** `config` resolved against its defaults for a store on `sql`. */
export const setupOf = (sql: SqlClient.SqlClient, config: StoreOptions): Setup => {
  const statementTimeout = settingOf(config.statementTimeout, DEFAULT_STATEMENT_TIMEOUT)
  return {
    sql,
    registry: config.currencies ?? defaultCurrencies,
    clock: config.clock ?? "database",
    maxAttempts: Math.max(1, config.maxAttempts ?? 8),
    lockTimeout: settingOf(config.lockTimeout, DEFAULT_LOCK_TIMEOUT),
    statementTimeout,
    acquireMillis: millisOf(config.acquireTimeout, DEFAULT_ACQUIRE_TIMEOUT),
    groupCommit: config.groupCommit !== false,
    writers: sql.driver === "pglite" ? 1 : Math.max(1, config.writers ?? 4),
    reasonOf: (e) =>
      e.reason._tag === "StatementTimeoutError"
        ? `${messageOf(e)} (statementTimeout ${statementTimeout})`
        : messageOf(e)
  }
}
