import { AccountStore } from "@paykit/accounts"
import { Notifier } from "@paykit/core"
import { Context, Deferred, Effect, Fiber, Layer } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import * as AccountStorePostgres from "../src/accounts/AccountStorePostgres.ts"
import * as Database from "../src/Database.ts"
import * as Outbox from "../src/Outbox.ts"
import { TestStores } from "../src/testing/index.ts"
import { serverUrl } from "./support/env.ts"
import { testEvent } from "./support/events-suite.ts"

// Order per subject when the writes lock no common row: two events-only commits about one
// subject, on two pools. Without the subject lock the second would commit first and the relay
// would deliver its event before the first's.
describe.skipIf(serverUrl === undefined)("events of one subject on a PostgreSQL server", () => {
  it("a second write of a subject waits for the first's transaction: the relay delivers nothing while the first is open, then both in commit order", () =>
    Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const first = yield* Layer.build(
            TestStores.serverWith(serverUrl!, "ev_order", AccountStorePostgres.layer, { maxConnections: 4 })
          )
          const schema = Context.get(first, Database.DatabaseInfo).schema
          const second = yield* Layer.build(
            AccountStorePostgres.layer({ url: serverUrl!, schema, maxConnections: 4 })
          )
          const a = Context.get(first, AccountStore.AccountStore)
          const b = Context.get(second, AccountStore.AccountStore)
          const sqlA = Context.get(first, SqlClient.SqlClient)
          const relayOnce = Effect.gen(function* () {
            const relay = yield* Outbox.makeRelay()
            yield* relay.drain
            yield* relay.release
          })
          const recorder = yield* Layer.build(Notifier.layerMemory)
          const relay = relayOnce.pipe(Effect.provideContext(Context.merge(first, recorder)))
          const recorded = Effect.flatMap(Notifier.RecordedEvents, (r) => r.all).pipe(
            Effect.provideContext(recorder)
          )

          const written = yield* Deferred.make<void>()
          const release = yield* Deferred.make<void>()
          // the first write, in a caller's transaction that stays open until `release`
          const holder = yield* Effect.forkChild(
            sqlA.withTransaction(
              Effect.gen(function* () {
                yield* a.commit({ events: [testEvent(1, "s1")] })
                yield* Deferred.succeed(written, undefined)
                yield* Deferred.await(release)
              })
            )
          )
          yield* Deferred.await(written)
          // however the checks below end, let the first transaction finish
          yield* Effect.addFinalizer(() => Deferred.succeed(release, undefined))
          // the second write of the same subject, from another pool: it waits for the subject lock
          const waiter = yield* Effect.forkChild(b.commit({ events: [testEvent(2, "s1")] }))
          let waiting = 0
          for (let i = 0; i < 200 && waiting === 0; i++) {
            const [row] = yield* sqlA<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks
              WHERE locktype = 'advisory' AND NOT granted`
            waiting = row?.n ?? 0
            if (waiting === 0) yield* Effect.sleep("25 millis")
          }
          expect(waiting).toBeGreaterThan(0)
          yield* relay
          expect(yield* recorded).toEqual([])
          yield* Deferred.succeed(release, undefined)
          yield* Fiber.join(holder)
          yield* Fiber.join(waiter)
          yield* relay
          expect((yield* recorded).map((e) => e.id)).toEqual([testEvent(1, "s1").id, testEvent(2, "s1").id])
        })
      ) as Effect.Effect<void, unknown>
    ))
})
