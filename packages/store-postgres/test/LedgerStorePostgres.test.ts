import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Ids, Notifier } from "@paykit/core"
import { Ledger, type LedgerCore, LedgerStore } from "@paykit/ledger"
import { Cause, ConfigProvider, Deferred, Effect, Exit, Fiber, Layer, Logger, Option, Result } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import { changeSet, writeStatement } from "../src/ledger/internal/rows.ts"
import * as LedgerStorePostgres from "../src/ledger/LedgerStorePostgres.ts"
import { serverUrl } from "./support/env.ts"

const withEnv = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnv({ env }))

const failureTag = <A, E>(exit: Exit.Exit<A, E>): string | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const reason = exit.cause.reasons.find((r) => r._tag === "Fail")
  return reason?._tag === "Fail" ? (reason.error as { _tag: string })._tag : undefined
}

const createCash = Effect.flatMap(LedgerStore.LedgerStore, (s) =>
  s.write({
    commands: [{ _tag: "CreateAccount", id: "cash", currency: "USD", code: "asset.cash", normal: "debit" }],
    mode: "independent",
    now: 0,
    eventIdSeed: "01J00000000000000000000000"
  })
)
const getCash = Effect.flatMap(LedgerStore.LedgerStore, (s) => s.getAccount("cash"))

/** A logger that keeps every message, to check what a layer logged. */
const capture = () => {
  const messages: Array<string> = []
  const layer = Logger.layer([
    Logger.make((options) => {
      const m = options.message
      messages.push((Array.isArray(m) ? m : [m]).map(String).join(" "))
    })
  ])
  return { messages, layer }
}

const fromEnv = (
  env: Record<string, string>,
  options: Parameters<typeof LedgerStorePostgres.layerConfig>[0] = {}
) => LedgerStorePostgres.layerConfig(options).pipe(Layer.provide(withEnv(env)))

describe("LedgerStorePostgres.layerConfig", () => {
  it("with neither DATABASE_URL nor PAYKIT_DATABASE fails with DatabaseNotConfigured naming both", async () => {
    const exit = await Effect.runPromiseExit(getCash.pipe(Effect.provide(fromEnv({}))))
    expect(failureTag(exit)).toBe("DatabaseNotConfigured")
    const message = Exit.isFailure(exit) ? String(Cause.squash(exit.cause)) : ""
    expect(message).toContain("DATABASE_URL")
    expect(message).toContain("PAYKIT_DATABASE=pglite:memory")
  })

  it("PAYKIT_DATABASE=pglite:memory opens embedded PGlite and logs it once", async () => {
    const logs = capture()
    const account = await Effect.runPromise(
      Effect.andThen(createCash, getCash).pipe(
        Effect.provide(fromEnv({ PAYKIT_DATABASE: "pglite:memory" })),
        Effect.provide(logs.layer)
      )
    )
    expect(Option.isSome(account)).toBe(true)
    const chosen = logs.messages.filter((m) => m.includes("@paykit/store-postgres:"))
    expect(chosen).toEqual([
      "@paykit/store-postgres: embedded PGlite in memory (PAYKIT_DATABASE=pglite:memory)"
    ])
  })

  it("PAYKIT_DATABASE=pglite:<directory> keeps the books in that directory", async () => {
    const dir = mkdtempSync(join(tmpdir(), "paykit-pglite-env-"))
    try {
      const logs = capture()
      await Effect.runPromise(
        createCash.pipe(
          Effect.provide(fromEnv({ PAYKIT_DATABASE: `pglite:${dir}` })),
          Effect.provide(logs.layer)
        )
      )
      const again = await Effect.runPromise(
        getCash.pipe(Effect.provide(LedgerStorePostgres.layer({ dataDir: dir })))
      )
      expect(Option.isSome(again) && again.value.code).toBe("asset.cash")
      expect(logs.messages.some((m) => m.includes(`embedded PGlite in ${dir}`))).toBe(true)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("a PAYKIT_DATABASE other than pglite:memory or pglite:<directory> is InvalidStoreConfig", async () => {
    for (const value of ["pglite:", "sqlite:memory", "memory", "postgres://postgres@127.0.0.1/test"]) {
      const exit = await Effect.runPromiseExit(
        getCash.pipe(Effect.provide(fromEnv({ PAYKIT_DATABASE: value })))
      )
      expect(failureTag(exit)).toBe("InvalidStoreConfig")
    }
  })

  it("DATABASE_URL and PAYKIT_DATABASE both set is InvalidStoreConfig (ambiguous), opening nothing", async () => {
    const logs = capture()
    const exit = await Effect.runPromiseExit(
      getCash.pipe(
        Effect.provide(
          fromEnv({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/test", PAYKIT_DATABASE: "pglite:memory" })
        ),
        Effect.provide(logs.layer)
      )
    )
    expect(failureTag(exit)).toBe("InvalidStoreConfig")
    expect(Exit.isFailure(exit) && String(Cause.squash(exit.cause))).toContain("ambiguous")
    expect(logs.messages.filter((m) => m.includes("@paykit/store-postgres:"))).toEqual([])
  })

  it("a malformed DATABASE_URL is InvalidStoreConfig at start-up", async () => {
    const exit = await Effect.runPromiseExit(
      getCash.pipe(Effect.provide(fromEnv({ DATABASE_URL: "mysql://x@y/z" })))
    )
    expect(failureTag(exit)).toBe("InvalidStoreConfig")
  })

  it("a non-integer PAYKIT_DB_MAX_CONNECTIONS is InvalidStoreConfig", async () => {
    const exit = await Effect.runPromiseExit(
      getCash.pipe(
        Effect.provide(fromEnv({ PAYKIT_DATABASE: "pglite:memory", PAYKIT_DB_MAX_CONNECTIONS: "many" }))
      )
    )
    expect(failureTag(exit)).toBe("InvalidStoreConfig")
  })

  it("the chosen server is logged with its password redacted", async () => {
    const logs = capture()
    const exit = await Effect.runPromiseExit(
      getCash.pipe(
        Effect.provide(
          fromEnv({ DATABASE_URL: "postgres://app:s3cret@127.0.0.1:1/test" }, { connectTimeout: "2 seconds" })
        ),
        Effect.provide(logs.layer)
      )
    )
    expect(failureTag(exit)).toBe("DatabaseUnavailable")
    const chosen = logs.messages.filter((m) => m.includes("@paykit/store-postgres:"))
    expect(chosen).toEqual([
      "@paykit/store-postgres: PostgreSQL at postgres://app:***@127.0.0.1:1/test (DATABASE_URL)"
    ])
    expect(logs.messages.join("\n")).not.toContain("s3cret")
  })

  it.runIf(serverUrl !== undefined)("DATABASE_URL pointing at the server opens it", async () => {
    const schema = `t_cfg_${Date.now().toString(36)}`
    const exit = await Effect.runPromiseExit(
      Effect.andThen(createCash, getCash).pipe(
        Effect.tap(() =>
          Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`DROP SCHEMA "${schema}" CASCADE`))
        ),
        Effect.provide(fromEnv({ DATABASE_URL: serverUrl!, PAYKIT_DB_SCHEMA: schema }))
      )
    )
    expect(Exit.isSuccess(exit) && Option.isSome(exit.value)).toBe(true)
  })
})

describe("default settings", () => {
  it("custom units the Ledger accepts by default (Currency.POINTS) work on LedgerStorePostgres.layer({}) as they do in memory", async () => {
    const program = Effect.gen(function* () {
      const ledger = yield* Ledger.Ledger
      yield* ledger.createAccount({
        id: "points:pool",
        currency: "POINTS",
        code: "loyalty.pool",
        normal: "debit"
      })
      yield* ledger.createAccount({
        id: "points:alice",
        currency: "POINTS",
        code: "loyalty.member",
        normal: "credit"
      })
      yield* ledger.post({
        id: "earn-1",
        postings: [{ debit: "points:pool", credit: "points:alice", amount: "250", currency: "POINTS" }]
      })
      return yield* ledger.getAccount("points:alice")
    })
    const layer = (store: Layer.Layer<LedgerStore.LedgerStore, unknown, Notifier.Notifier>) =>
      Ledger.layer().pipe(Layer.provide(store), Layer.provide([Notifier.layerNoop, Ids.layer]))
    const onPglite = await Effect.runPromise(
      program.pipe(Effect.provide(layer(LedgerStorePostgres.layer({}))))
    )
    const inMemory = await Effect.runPromise(program.pipe(Effect.provide(layer(LedgerStore.layerMemory))))
    expect([onPglite.currency, onPglite.creditsPosted]).toEqual(["POINTS", 250n])
    expect([inMemory.currency, inMemory.creditsPosted]).toEqual(["POINTS", 250n])
  })
})

describe("PGlite in a data directory", () => {
  it("keeps the books between runs, and migrating again is a no-op", async () => {
    const dir = mkdtempSync(join(tmpdir(), "paykit-pglite-"))
    try {
      const layer = LedgerStorePostgres.layer({ dataDir: dir })
      await Effect.runPromise(createCash.pipe(Effect.provide(layer)))
      const again = await Effect.runPromise(getCash.pipe(Effect.provide(layer)))
      expect(Option.isSome(again) && again.value.code).toBe("asset.cash")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe.runIf(serverUrl !== undefined)("lock waits", () => {
  it("a write behind a transaction that never lets go fails with StoreFailure after lockTimeout × maxAttempts, then succeeds once the lock is released", {
    timeout: 60_000
  }, async () => {
    const schema = `t_lock_${Date.now().toString(36)}`
    const transfer = Effect.flatMap(LedgerStore.LedgerStore, (s) =>
      s.write({
        commands: [
          {
            _tag: "Transfer",
            id: "t1",
            postings: [{ debit: "cash", credit: "bank", amount: 100n, currency: "USD" }]
          }
        ],
        mode: "independent",
        now: 1,
        eventIdSeed: "01J00000000000000000000001"
      })
    )
    const program = Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const store = yield* LedgerStore.LedgerStore
      yield* store.write({
        commands: [
          { _tag: "CreateAccount", id: "bank", currency: "USD", code: "asset.bank", normal: "debit" },
          { _tag: "CreateAccount", id: "cash", currency: "USD", code: "asset.cash", normal: "debit" }
        ],
        mode: "independent",
        now: 0,
        eventIdSeed: "01J00000000000000000000000"
      })
      // another session locks the account and sits on it
      const locked = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const holder = yield* Effect.forkChild(
        sql.withTransaction(
          Effect.gen(function* () {
            yield* sql`SELECT id FROM paykit_ledger_accounts WHERE id = 'cash' FOR UPDATE`
            yield* Deferred.succeed(locked, undefined)
            yield* Deferred.await(release)
          })
        )
      )
      yield* Deferred.await(locked)
      const started = performance.now()
      const blocked = yield* Effect.exit(transfer)
      const waited = performance.now() - started
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      const after = yield* transfer
      const account = yield* store.getAccount("cash")
      yield* sql.unsafe(`DROP SCHEMA "${schema}" CASCADE`)
      return { blocked, waited, after, account }
    }).pipe(
      Effect.provide(
        LedgerStorePostgres.layer({
          url: serverUrl!,
          schema,
          maxConnections: 4,
          lockTimeout: 200,
          maxAttempts: 2
        })
      )
    )
    const { blocked, waited, after, account } = await Effect.runPromise(program)
    expect(failureTag(blocked)).toBe("StoreFailure")
    expect(Exit.isFailure(blocked) && String(blocked.cause)).toMatch(
      /gave up after 2 attempts: LockTimeoutError/
    )
    // two attempts of 200 ms each, not an unbounded wait
    expect(waited).toBeGreaterThanOrEqual(400)
    // nothing of the refused attempt was written; the retry applies once
    expect(Result.isSuccess(after.results[0]!)).toBe(true)
    expect(Option.map(account, (a) => a.debitsPosted)).toEqual(Option.some(100n))
  })
})

describe("line runs", () => {
  // the write statement refuses a run of lines that does not continue the account's lines
  const lines = (seqs: ReadonlyArray<number>) =>
    ({
      entriesCreated: [],
      entriesReversed: [],
      accountsCreated: [],
      accountsUpdated: [],
      holdsCreated: [],
      holdsUpdated: [],
      events: [],
      failedIds: [],
      lines: seqs.map((seq) => ({
        accountId: "cash",
        seq,
        entryId: `x${seq}`,
        at: 0,
        debitsPosted: 0n,
        creditsPosted: 0n,
        debitsPending: 0n,
        creditsPending: 0n
      }))
    }) as unknown as LedgerCore.Outcome

  it("a run that skips, repeats or overlaps seqs fails the whole statement; one that continues is kept", async () => {
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        yield* createCash
        const sql = yield* SqlClient.SqlClient
        const attempt = (seqs: ReadonlyArray<number>) =>
          Effect.exit(sql.withTransaction(sql.unsafe(writeStatement, changeSet(lines(seqs), []))))
        const refused = [
          Exit.isFailure(yield* attempt([2])), // gap: the first run must start at 1
          Exit.isFailure(yield* attempt([1, 1, 3])) // a repeated seq
        ]
        const first = Exit.isSuccess(yield* attempt([1, 2]))
        refused.push(
          Exit.isFailure(yield* attempt([2, 3])), // overlaps 1..2
          Exit.isFailure(yield* attempt([4])) // skips 3
        )
        const next = Exit.isSuccess(yield* attempt([3]))
        const runs = yield* sql<{
          first_seq: string
          last_seq: string
        }>`SELECT first_seq::text, last_seq::text
          FROM paykit_ledger_lines ORDER BY last_seq`
        return { refused, first, next, runs: runs.map((r) => [Number(r.first_seq), Number(r.last_seq)]) }
      }).pipe(Effect.provide(LedgerStorePostgres.layer({})))
    )
    expect(result.refused).toEqual([true, true, true, true])
    expect(result.first).toBe(true)
    expect(result.next).toBe(true)
    expect(result.runs).toEqual([
      [1, 2],
      [3, 3]
    ])
  })
})
