import { AccountStore } from "@paykit/accounts"
import { ConcurrencyContract } from "@paykit/accounts/testing"
import { Context, Effect, Layer } from "effect"
import * as AccountStorePostgres from "../src/accounts/AccountStorePostgres.ts"
import * as Database from "../src/Database.ts"
import { TestStores } from "../src/testing/index.ts"
import { serverUrl } from "./support/env.ts"

/**
 * The accounts' concurrency contract (`ConcurrencyContract` of `@paykit/accounts/testing`): the
 * `Accounts` service on several pools over one store, racing erasures, legal holds, the sweep,
 * key rotation and retirement, and registrations.
 *
 * PostgreSQL: each "pool" is its own `AccountStorePostgres.layer` (its own connection pool) on
 * one fresh schema, so the races are real ones between connections. PGlite has one connection:
 * the pools share it, and the races interleave at statement boundaries.
 */

const pglite: ConcurrencyContract.Stores = (pools) =>
  Effect.map(
    Layer.build(
      TestStores.pgliteSharedWith("acct_race", (schema) => AccountStorePostgres.layerClient({ schema }))
    ),
    (context) => Array.from({ length: pools }, () => Context.get(context, AccountStore.AccountStore))
  )

ConcurrencyContract.suite("PGlite", pglite, { trials: 10, runs: 8 })

const server: ConcurrencyContract.Stores = (pools) =>
  Effect.gen(function* () {
    const first = yield* Layer.build(
      TestStores.serverWith(serverUrl!, "acct_race", AccountStorePostgres.layer, { maxConnections: 4 })
    )
    const schema = Context.get(first, Database.DatabaseInfo).schema
    const stores = [Context.get(first, AccountStore.AccountStore)]
    for (let i = 1; i < pools; i++) {
      const more = yield* Layer.build(
        AccountStorePostgres.layer({ url: serverUrl!, schema, maxConnections: 4 })
      )
      stores.push(Context.get(more, AccountStore.AccountStore))
    }
    return stores
  })

if (serverUrl !== undefined)
  ConcurrencyContract.suite("PostgreSQL, one pool per service", server, { trials: 30, runs: 12 })
