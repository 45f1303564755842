import { AccountStore } from "@paykit/accounts"
import { InputContract } from "@paykit/accounts/testing"
import { Context, Effect, Layer } from "effect"
import * as AccountStorePostgres from "../src/accounts/AccountStorePostgres.ts"
import * as Database from "../src/Database.ts"
import { TestStores } from "../src/testing/index.ts"
import { serverUrl } from "./support/env.ts"

/**
 * The accounts' input rules (`InputContract` of `@paykit/accounts/testing`, issue 16) on
 * `AccountStorePostgres`: a NUL character, a lone surrogate, a blank name, an unbounded provider
 * text, a missing applicant `type`, a login id shaped like personal data are `InvalidInput` naming
 * the field here as in memory (never a storage error); a no-op profile update writes nothing; two
 * accounts changing their email to one address at once end with `DuplicateApplicant`.
 *
 * PostgreSQL: each pool is its own `AccountStorePostgres.layer` on one fresh schema, so the email
 * race is a real one between connections. PGlite has one connection, shared by the pools.
 */

const pglite: InputContract.Stores = (pools) =>
  Effect.map(
    Layer.build(
      TestStores.pgliteSharedWith("acct_input", (schema) => AccountStorePostgres.layerClient({ schema }))
    ),
    (context) => Array.from({ length: pools }, () => Context.get(context, AccountStore.AccountStore))
  )

InputContract.suite("PGlite", pglite, { trials: 5 })

const server: InputContract.Stores = (pools) =>
  Effect.gen(function* () {
    const first = yield* Layer.build(
      TestStores.serverWith(serverUrl!, "acct_input", AccountStorePostgres.layer, { maxConnections: 4 })
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

if (serverUrl !== undefined) InputContract.suite("PostgreSQL, one pool per service", server, { trials: 20 })
