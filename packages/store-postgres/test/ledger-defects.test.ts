import { Ids, Notifier } from "@paykit/core"
import { type Command, Ledger, type LedgerCore, LedgerStore } from "@paykit/ledger"
import { Model } from "@paykit/ledger/testing"
import { Cause, Context, Deferred, Effect, Exit, Fiber, Layer, Option, Result } from "effect"
import * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import { writeStatement } from "../src/ledger/internal/rows.ts"
import * as LedgerStorePostgres from "../src/ledger/LedgerStorePostgres.ts"
import { TestStores } from "../src/testing/index.ts"
import { serverUrl } from "./support/env.ts"

// No input can stop the store: whatever a caller hands `write` / `writeSummary`, and whatever
// throws inside a group-commit writer, each call gets an answer and the next valid write works.

type Store = LedgerStore.LedgerStore["Service"]
type Config = Parameters<typeof LedgerStorePostgres.layer>[0]

interface Backend {
  readonly name: string
  /** Writers on this backend (PGlite always runs one). */
  readonly writers: number
  /** A fresh, migrated store with `config`, and its `SqlClient`. */
  readonly open: (config: Config) => Layer.Layer<LedgerStore.LedgerStore | SqlClient.SqlClient, unknown>
}

const backends: ReadonlyArray<Backend> = [
  {
    name: "PGlite",
    writers: 1,
    open: (config) =>
      TestStores.pgliteSharedWith("defects", (schema) =>
        LedgerStorePostgres.layerClient({ ...config, schema })
      )
  },
  ...(serverUrl === undefined
    ? []
    : [
        {
          name: "PostgreSQL",
          writers: 4,
          open: (config: Config) =>
            TestStores.serverWith(
              serverUrl!,
              "defects",
              (c) => LedgerStorePostgres.layer({ ...c, ...config }),
              {
                maxConnections: 6
              }
            )
        }
      ])
]

const SEED = "01J00000000000000000000000"
const books: ReadonlyArray<Command.Command> = [
  { _tag: "CreateAccount", id: "cash", currency: "USD", code: "asset.cash", normal: "debit" },
  { _tag: "CreateAccount", id: "wallet", currency: "USD", code: "liability.wallet", normal: "credit" }
]
const fund = (id: string, amount = 1n): Command.Command => ({
  _tag: "Transfer",
  id,
  postings: [{ debit: "cash", credit: "wallet", amount, currency: "USD" }]
})
const request = (commands: ReadonlyArray<Command.Command>): LedgerCore.Request => ({
  commands,
  mode: "independent",
  now: 1_000,
  eventIdSeed: SEED
})

/** An object every operation on which throws (reads, `in`, keys, its prototype). */
const throwing = <T extends object>(target: T): T => {
  const boom = () => {
    throw new Error("hostile proxy")
  }
  return new Proxy(target, {
    get: boom,
    has: boom,
    ownKeys: boom,
    getPrototypeOf: boom,
    getOwnPropertyDescriptor: boom
  })
}

/** Requests no caller should send, each with a name; fresh objects per call. */
const hostile = (): ReadonlyArray<readonly [string, unknown]> => [
  ["a transfer with postings: [null]", request([{ _tag: "Transfer", id: "x", postings: [null] } as never])],
  [
    "a command whose getter throws",
    request([
      Object.defineProperty({ _tag: "Transfer", id: "g" }, "postings", {
        enumerable: true,
        get() {
          throw new Error("hostile getter")
        }
      }) as never
    ])
  ],
  ["a null command", request([null as never])],
  ["a command that is a throwing Proxy", request([throwing({}) as never])],
  ["a null request", null],
  ["a request that is a throwing Proxy", throwing({})],
  ["commands that are a throwing Proxy of an array", { ...request([]), commands: throwing([]) }]
]

/** `req` asking for a summary with its events; `null` and Proxies (which cannot be spread) as they are. */
const summaryRequest = (req: unknown): LedgerCore.SummaryRequest => {
  try {
    return (req === null ? req : { ...(req as object), returnEvents: true }) as LedgerCore.SummaryRequest
  } catch {
    return req as LedgerCore.SummaryRequest
  }
}

/**
 * How a call answered: `"refused"` (it succeeded and refused every command in its reply),
 * `"StoreFailure"`, or a description of anything else (a defect, an interruption, no answer
 * within a minute).
 */
const answer = (effect: Effect.Effect<LedgerCore.Outcome | LedgerCore.Summary, unknown>) =>
  Effect.map(Effect.exit(Effect.timeout(effect, "60 seconds")), (exit): string => {
    if (Exit.isSuccess(exit)) {
      const v = exit.value
      const refusedAll =
        "results" in v ? v.results.every(Result.isFailure) : v.applied === 0 && v.replayed === 0
      return refusedAll ? "refused" : `applied something: ${JSON.stringify(v, (_, x) => String(x))}`
    }
    const error = Cause.findErrorOption(exit.cause)
    return Option.isSome(error) && (error.value as { _tag?: unknown })._tag === "StoreFailure"
      ? "StoreFailure"
      : Cause.pretty(exit.cause)
  })

const expectFunded = (store: Store, id: string) =>
  Effect.gen(function* () {
    const out = yield* store.write(request([fund(id)]))
    const r = out.results[0]!
    expect(Result.isSuccess(r) && r.success._tag === "EntryCreated" && !r.success.replayed, id).toBe(true)
  })

const wallet = (store: Store) =>
  Effect.map(store.getAccount("wallet"), (a) => Option.getOrThrow(a).creditsPosted)

for (const backend of backends) {
  describe(`hostile writes on ${backend.name}`, () => {
    for (const groupCommit of [true, false]) {
      it(
        `every hostile request to write and writeSummary answers, ${10} rounds, with ${groupCommit ? `group commit (${backend.writers} writers)` : "no group commit"}; the valid write after each succeeds`,
        {
          timeout: 180_000
        },
        () =>
          Effect.runPromise(
            Effect.scoped(
              Effect.gen(function* () {
                const ctx = yield* Layer.build(backend.open({ groupCommit, writers: backend.writers }))
                const store = Context.get(ctx, LedgerStore.LedgerStore)
                yield* store.write(request(books))
                const answers = new Map<string, Set<string>>()
                let funded = 0
                // more rounds than there are writers: a writer killed by one call would leave the
                // calls after it unanswered
                for (let round = 0; round < 10; round++) {
                  for (const [name, req] of hostile()) {
                    const got = [
                      yield* answer(store.write(req as LedgerCore.Request)),
                      yield* answer(store.writeSummary(summaryRequest(req)))
                    ]
                    for (const a of got) answers.set(name, (answers.get(name) ?? new Set()).add(a))
                    yield* expectFunded(store, `ok-${funded++}`)
                  }
                }
                for (const [name, seen] of answers) {
                  for (const a of seen) expect(["refused", "StoreFailure"], `${name}: ${a}`).toContain(a)
                }
                expect(yield* wallet(store)).toBe(BigInt(funded))
                Model.checkInvariants(yield* store.dump)
              })
            )
          )
      )
    }

    it(
      "the Ledger's executeResults and executeSummary with postings: [null], 10 times each, answer; the valid write after each succeeds",
      {
        timeout: 180_000
      },
      () =>
        Effect.runPromise(
          Effect.gen(function* () {
            const ledger = yield* Ledger.Ledger
            yield* ledger.executeResults(books)
            const bad = [{ _tag: "Transfer", id: "x", postings: [null] } as never]
            for (let i = 0; i < 10; i++) {
              const typed = yield* Effect.exit(Effect.timeout(ledger.executeResults(bad), "60 seconds"))
              const summary = yield* Effect.exit(Effect.timeout(ledger.executeSummary(bad), "60 seconds"))
              // a typed refusal of the command, or a typed failure of the call: never a defect or a hang
              const exits: ReadonlyArray<Exit.Exit<unknown, unknown>> = [typed, summary]
              for (const cause of exits.flatMap((e) => (Exit.isFailure(e) ? [e.cause] : []))) {
                expect(Cause.hasDies(cause) || Cause.hasInterrupts(cause), Cause.pretty(cause)).toBe(false)
              }
              if (Exit.isSuccess(typed)) expect(Result.isFailure(typed.value[0]!)).toBe(true)
              if (Exit.isSuccess(summary)) expect(summary.value.failures.map((f) => f.index)).toEqual([0])
              const ok = yield* ledger.executeResults([fund(`ok-${i}`)])
              expect(Result.isSuccess(ok[0]!)).toBe(true)
            }
            expect((yield* ledger.getAccount("wallet")).creditsPosted).toBe(10n)
          }).pipe(
            Effect.provide(
              Ledger.layer().pipe(
                Layer.provideMerge(backend.open({ writers: backend.writers })),
                Layer.provide([Notifier.layerNoop, Ids.layer])
              )
            )
          )
        )
    )
  })

  describe(`a defect inside a writer on ${backend.name}`, () => {
    /**
     * `sql` with a fault in the write path: persisting a change set that creates entry `boom`
     * throws (a defect in the writer's transaction, after its locks, as a bug would), counted in
     * `thrown`; persisting one that creates `gate` first signals `reached`, then waits for `open`,
     * holding the writer while other writes queue up behind it.
     */
    const faulty = (
      sql: SqlClient.SqlClient,
      hooks: {
        thrown: number
        readonly reached: Deferred.Deferred<void>
        readonly open: Deferred.Deferred<void>
      }
    ): SqlClient.SqlClient => {
      const unsafe = (query: string, params?: ReadonlyArray<unknown>) => {
        const ids = query === writeStatement && Array.isArray(params?.[1]) ? (params[1] as Array<string>) : []
        if (ids.includes("boom")) {
          hooks.thrown++
          throw new Error("injected fault")
        }
        return ids.includes("gate")
          ? Deferred.succeed(hooks.reached, undefined).pipe(
              Effect.andThen(Deferred.await(hooks.open)),
              Effect.andThen(sql.unsafe(query, params))
            )
          : sql.unsafe(query, params)
      }
      const tag = (...args: Array<unknown>) => (sql as unknown as (...a: Array<unknown>) => unknown)(...args)
      return Object.assign(tag, sql, { unsafe }) as unknown as SqlClient.SqlClient
    }

    it(
      "fails only the write it belongs to: the innocent writes of its group succeed, and so does the next write",
      {
        timeout: 180_000
      },
      () =>
        Effect.runPromise(
          Effect.scoped(
            Effect.gen(function* () {
              const ctx = yield* Layer.build(backend.open({}))
              const hooks = {
                thrown: 0,
                reached: yield* Deferred.make<void>(),
                open: yield* Deferred.make<void>()
              }
              // one writer, so the writes queued behind the gate form one group
              const store = yield* LedgerStorePostgres.make({ writers: 1 }).pipe(
                Effect.provideService(
                  SqlClient.SqlClient,
                  faulty(Context.get(ctx, SqlClient.SqlClient), hooks)
                )
              )
              yield* store.write(request(books))
              const gate = yield* Effect.forkChild(store.write(request([fund("gate")])))
              yield* Deferred.await(hooks.reached)
              const culprit = yield* Effect.forkChild(Effect.exit(store.write(request([fund("boom")]))))
              const innocents = yield* Effect.forEach(["i1", "i2", "i3"], (id) =>
                Effect.forkChild(store.write(request([fund(id, 10n)])))
              )
              // let the four writes reach the queue, then let the writer go on
              yield* Effect.sleep("100 millis")
              yield* Deferred.succeed(hooks.open, undefined)
              expect(Result.isSuccess((yield* Fiber.join(gate)).results[0]!)).toBe(true)
              const failed = yield* Fiber.join(culprit)
              expect(Exit.isFailure(failed) && String(Cause.squash(failed.cause))).toMatch(
                /StoreFailure.*defect: Error: injected fault/s
              )
              for (const f of innocents) {
                const r = (yield* Fiber.join(f)).results[0]!
                expect(Result.isSuccess(r) && r.success._tag === "EntryCreated" && !r.success.replayed).toBe(
                  true
                )
              }
              // thrown twice: in the group's transaction (rolled back), then when re-run on its own
              expect(hooks.thrown).toBe(2)
              yield* expectFunded(store, "after")
              expect(yield* wallet(store)).toBe(1n + 30n + 1n)
              expect(Option.isNone(yield* store.getEntry("boom"))).toBe(true)
              Model.checkInvariants(yield* store.dump)
            })
          )
        )
    )

    it(
      "without group commit, fails the write with StoreFailure; the next write succeeds",
      {
        timeout: 180_000
      },
      () =>
        Effect.runPromise(
          Effect.scoped(
            Effect.gen(function* () {
              const ctx = yield* Layer.build(backend.open({}))
              const hooks = {
                thrown: 0,
                reached: yield* Deferred.make<void>(),
                open: yield* Deferred.make<void>()
              }
              const store = yield* LedgerStorePostgres.make({ groupCommit: false }).pipe(
                Effect.provideService(
                  SqlClient.SqlClient,
                  faulty(Context.get(ctx, SqlClient.SqlClient), hooks)
                )
              )
              yield* store.write(request(books))
              for (let i = 0; i < 5; i++) {
                expect(yield* answer(store.write(request([fund("boom")])))).toBe("StoreFailure")
                yield* expectFunded(store, `ok-${i}`)
              }
              expect(hooks.thrown).toBe(5)
              expect(yield* wallet(store)).toBe(5n)
            })
          )
        )
    )
  })
}
