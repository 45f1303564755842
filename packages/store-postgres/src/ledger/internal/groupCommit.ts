import { LedgerCore, type LedgerStore, StoreFailure } from "@paykit/ledger"
import { Cause, Deferred, Effect, Exit, Option, Queue, type Scope, type Tracer } from "effect"
import { inTransaction, isAcquireTimeoutReason } from "../../internal/adapter.ts"
import { grouped, timedWrite } from "../../internal/metrics.ts"
import { GROUP_COMMANDS, GROUP_MAX, type Setup } from "./config.ts"
import { defectsAsFailures, describeDefect } from "./failures.ts"
import { ownRequest } from "./request.ts"

/** Decides requests in one transaction (see `makeRun`). */
type Run = (
  requests: ReadonlyArray<LedgerCore.Request>,
  joined: boolean
) => Effect.Effect<Array<LedgerCore.Outcome>, StoreFailure>

// Group commit: writes from concurrent callers queue up; each of `writers` fibers takes
// whatever is waiting (up to GROUP_MAX requests, until GROUP_COMMANDS commands) and decides
// it in one transaction.
// A group that fails (a database error, a defect) is re-run request by request, so one
// caller's failure is only its own.
interface Pending {
  readonly request: LedgerCore.Request
  readonly done: Deferred.Deferred<LedgerCore.Outcome, StoreFailure>
  /** The caller's `paykit.store.ledger.write` span, linked from the group's span. */
  readonly span: Tracer.AnySpan | undefined
}

/**
 * The store's `write` and `writeSummary` over `run`: outside a caller's transaction (and with
 * group commit on) writes queue up for the group-commit writers forked in the scope; inside one
 * they run at once on the caller's connection.
 */
export const makeWrite = (
  setup: Setup,
  run: Run
): Effect.Effect<Pick<LedgerStore.LedgerStore["Service"], "write" | "writeSummary">, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { sql, clock, writers } = setup
    const queue = yield* Queue.unbounded<Pending>()
    const runGroup = (group: ReadonlyArray<Pending>) =>
      Effect.matchEffect(
        run(
          group.map((p) => p.request),
          false
        ),
        {
          onSuccess: (outcomes) =>
            Effect.forEach(group, (p, i) => Deferred.succeed(p.done, outcomes[i]!), { discard: true }),
          onFailure: (error) =>
            // one at a time would wait for a connection once per write: a starved pool fails all
            group.length === 1 || isAcquireTimeoutReason(error.reason)
              ? Effect.forEach(group, (p) => Deferred.fail(p.done, error), { discard: true })
              : Effect.forEach(
                  group,
                  (p) =>
                    Effect.matchEffect(run([p.request], false), {
                      onSuccess: ([o]) => Deferred.succeed(p.done, o!),
                      onFailure: (e) => Deferred.fail(p.done, e)
                    }),
                  { discard: true }
                )
        }
      )
    // Whatever ends a group, its callers get an answer: a group cut short (the store closing, or
    // a defect that escaped `run`) fails the writes it had not answered yet.
    const serve = (group: ReadonlyArray<Pending>) =>
      Effect.andThen(
        grouped(group.length),
        Effect.withSpan(runGroup(group), "paykit.store.ledger.group", {
          attributes: { "paykit.store.requests": group.length },
          links: group.flatMap((p) => (p.span === undefined ? [] : [{ span: p.span, attributes: {} }]))
        })
      ).pipe(
        Effect.onExit((exit) =>
          Exit.isSuccess(exit)
            ? Effect.void
            : Effect.forEach(
                group,
                (p) =>
                  Deferred.fail(
                    p.done,
                    new StoreFailure({
                      operation: "write",
                      reason: Cause.hasInterrupts(exit.cause)
                        ? "the store was closed while this write ran"
                        : `the store's writer failed: ${describeDefect(Cause.squash(exit.cause))}`
                    })
                  ),
                { discard: true }
              )
        )
      )
    // when the store closes, callers still waiting are told so instead of waiting forever
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        while (true) {
          const next = yield* Queue.poll(queue)
          if (Option.isNone(next)) return
          yield* Deferred.fail(
            next.value.done,
            new StoreFailure({ operation: "write", reason: "the store was closed before this write ran" })
          )
        }
      })
    )
    const takeGroup = Effect.gen(function* () {
      const first = yield* Queue.take(queue)
      const group = [first]
      let commands = first.request.commands.length
      while (group.length < GROUP_MAX && commands < GROUP_COMMANDS) {
        const next = yield* Queue.poll(queue)
        if (Option.isNone(next)) break
        group.push(next.value)
        commands += next.value.request.commands.length
      }
      return group
    })
    // A writer serves groups until the store closes. Should it ever stop on anything else (a
    // defect outside every group's guard), it is logged and started again: a dead writer would
    // leave every later write waiting forever.
    const writer = (i: number): Effect.Effect<never> =>
      Effect.forever(Effect.flatMap(takeGroup, serve)).pipe(
        Effect.catchCause((cause) =>
          Cause.hasInterrupts(cause)
            ? Effect.failCause(cause)
            : Effect.logError(
                `LedgerStorePostgres: group-commit writer ${i} stopped; restarting it`,
                cause
              ).pipe(Effect.andThen(Effect.suspend(() => writer(i))))
        )
      )
    for (let i = 0; i < writers; i++) yield* Effect.forkScoped(writer(i))

    const write = (request: LedgerCore.Request): Effect.Effect<LedgerCore.Outcome, StoreFailure> =>
      timedWrite("ledger", writeOnce(request))

    const writeOnce = (request: LedgerCore.Request): Effect.Effect<LedgerCore.Outcome, StoreFailure> =>
      Effect.suspend(() => {
        const own = ownRequest(request, clock)
        if (typeof own === "string") return Effect.fail(new StoreFailure({ operation: "write", reason: own }))
        return Effect.flatMap(inTransaction(sql), (joined) => {
          const queued = !joined && setup.groupCommit
          // a span in the caller's fiber, so it nests under the caller's span whichever path runs
          // the write; a group's transaction (in a writer fiber) links to the spans it serves
          const span = {
            attributes: {
              "paykit.store.commands": own.commands.length,
              "paykit.store.path": joined ? "caller-transaction" : queued ? "group-commit" : "own-transaction"
            }
          }
          // inside the caller's transaction: on its connection, never queued (a
          // writer fiber would use another connection, or wait for the one the caller holds)
          if (!queued)
            return Effect.withSpan(
              Effect.map(run([own], joined), (outcomes) => outcomes[0]!),
              "paykit.store.ledger.write",
              span
            )
          return Effect.withSpan(
            Effect.gen(function* () {
              const done = yield* Deferred.make<LedgerCore.Outcome, StoreFailure>()
              const caller = yield* Effect.option(Effect.currentSpan)
              yield* Queue.offer(queue, { request: own, done, span: Option.getOrUndefined(caller) })
              return yield* Deferred.await(done)
            }),
            "paykit.store.ledger.write",
            span
          )
        })
      })

    // `write`, then the summary of its outcome (`LedgerStore.summaryFromWrite`), with
    // `returnEvents` read before anything is written
    const writeSummary = (
      request: LedgerCore.SummaryRequest
    ): Effect.Effect<LedgerCore.Summary, StoreFailure> =>
      defectsAsFailures(
        Effect.suspend(() => {
          const returnEvents = request.returnEvents === true
          return Effect.map(write(request), (o) => LedgerCore.summarize(o, returnEvents))
        })
      )

    return { write, writeSummary }
  })
