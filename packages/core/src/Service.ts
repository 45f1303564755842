/**
 * The service skeleton: every operation of a paykit service is the same tail,
 *
 *   decode the input → load the aggregate → read the clock → plan (checks and the pure planner)
 *   → commit the write, its audit record and its events atomically → return the result.
 *
 * This module writes that tail once. It knows nothing of any package's types: the write `W` (a
 * store's transaction), the audit draft `D` and the error `E` of the store's commit are type
 * parameters, and the package says how a write carries its audit record and its events in one
 * `Port`. A package builds one `Skeleton` from its ports and runs every operation through
 * `skeleton.run`; operations differ only in their decoders, their loader and their planner.
 * `@paykit/accounts` runs all 25 of its operations through it; every later domain service
 * (payments, settlement, disputes, stored value) does the same.
 *
 * @since 0.2.0
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as DomainEvent from "./DomainEvent.ts"
import * as Ids from "./Ids.ts"

/**
 * What a planner decided: nothing to write (`Unchanged`, the answer stands as it is: an
 * idempotent repeat, a no-op), or one atomic write (`Commit`) with its optional audit draft, the
 * events it causes and the operation's answer.
 *
 * @category models
 * @since 0.2.0
 */
export type Plan<W, D, A> =
  | { readonly _tag: "Unchanged"; readonly result: A }
  | {
      readonly _tag: "Commit"
      readonly write: W
      readonly audit?: D | undefined
      readonly events: ReadonlyArray<DomainEvent.Draft>
      readonly result: A
    }

/**
 * A planner's answer when nothing needs writing.
 *
 * @category constructors
 * @since 0.2.0
 */
export const unchanged = <A>(result: A): Plan<never, never, A> => ({ _tag: "Unchanged", result })

/**
 * A planner's answer when the change is to be written: the write, its audit draft and its events.
 *
 * @category constructors
 * @since 0.2.0
 */
export const commit = <W, D, A>(change: {
  readonly write: W
  readonly audit?: D | undefined
  readonly events: ReadonlyArray<DomainEvent.Draft>
  readonly result: A
}): Plan<W, D, A> => ({ _tag: "Commit", ...change })

/**
 * An audit draft once the skeleton has given it its id and time.
 *
 * @category models
 * @since 0.2.0
 */
export type Audited<D> = D & { readonly id: string; readonly at: number }

/**
 * How a package writes: its store's one atomic commit, given the write, its audit records and its events.
 *
 * @category models
 * @since 0.2.0
 */
export interface Port<W, D, E> {
  /** Names the package in the debug log line listing each commit's events. */
  readonly name: string
  /** Ids for audit records and event envelopes (the package's `Ids` service). */
  readonly ids: Ids.Ids["Service"]
  /** Writes `write` with its audit records and events in one transaction (or none of it). */
  readonly commit: (
    write: W,
    audit: ReadonlyArray<Audited<D>>,
    events: ReadonlyArray<DomainEvent.DomainEvent>
  ) => Effect.Effect<void, E>
  /**
   * How often an operation decides again after losing a race (a commit failure its `retryOn`
   * accepts); each retry runs the whole operation again, so it re-reads what it decides on.
   */
  readonly attempts: number
}

/**
 * One operation: its decoded `input` (decoders run first, in order: bad input fails before any
 * read), what it `load`s, and its `plan` over the loaded state, the input and the clock's
 * reading. `retryOn` names the commit failures (lost races) after which the whole operation runs
 * again, at most `Port.attempts` times in all.
 *
 * @category models
 * @since 0.2.0
 */
export interface Operation<I, S, A, W, D, E1, E2, E3> {
  readonly input: Effect.Effect<I, E1>
  readonly load: (input: I) => Effect.Effect<S, E2>
  readonly plan: (state: S, input: I, now: number) => Effect.Effect<Plan<W, D, A>, E3>
  readonly retryOn?: ((error: unknown) => boolean) | undefined
}

/**
 * The skeleton of a package's service, bound to its port.
 *
 * @category models
 * @since 0.2.0
 */
export interface Skeleton<W, D, E> {
  /** Runs one operation: decode → load → clock → plan → commit with audit and events → result. */
  readonly run: <I, S, A, E1, E2, E3>(
    op: Operation<I, S, A, W, D, E1, E2, E3>
  ) => Effect.Effect<A, E | E1 | E2 | E3>
}

/**
 * Nothing to decode.
 *
 * @category combinators
 * @since 0.2.0
 */
export const noInput: Effect.Effect<undefined> = Effect.succeed(undefined)

/**
 * Nothing to load.
 *
 * @category combinators
 * @since 0.2.0
 */
export const noState = (): Effect.Effect<undefined> => Effect.succeed(undefined)

/**
 * Re-runs `op` while it fails with an error `retryOn` accepts, at most `attempts` times in all;
 * the last failure is returned as it is.
 *
 * @category combinators
 * @since 0.2.0
 */
export const retrying = <A, E, R>(
  op: Effect.Effect<A, E, R>,
  retryOn: (error: unknown) => boolean,
  attempts: number
): Effect.Effect<A, E, R> => {
  const loop = (left: number): Effect.Effect<A, E, R> =>
    Effect.catchIf(
      op,
      (e) => left > 1 && retryOn(e),
      () => loop(left - 1)
    )
  return loop(attempts)
}

/**
 * Builds the skeleton of a service from its port.
 *
 * @example
 * ```ts
 * import { Service } from "@paykit/core"
 * const skeleton = Service.make({ name: "accounts", ids, attempts: 20, commit: (w, audit, events) => store.commit({ ...w, audit, events }) })
 * const rename = (id: string, input: unknown) =>
 *   skeleton.run({
 *     input: decodeRename(input),
 *     load: () => load(id),
 *     plan: (a, r, now) => Effect.succeed(Service.commit({ write: save(a, r), events: [renamed(a, now)], result: a }))
 *   })
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const make = <W, D, E>(port: Port<W, D, E>): Skeleton<W, D, E> => {
  const write = <A>(plan: Plan<W, D, A>, now: number): Effect.Effect<A, E> =>
    plan._tag === "Unchanged"
      ? Effect.succeed(plan.result)
      : Effect.gen(function* () {
          // the audit record's id is taken before the events' ids (the order seeded ids replay in)
          const audit: ReadonlyArray<Audited<D>> =
            plan.audit === undefined ? [] : [{ ...plan.audit, id: yield* port.ids.next, at: now }]
          const events = yield* DomainEvent.envelopes(plan.events).pipe(
            Effect.provideService(Ids.Ids, port.ids)
          )
          yield* port.commit(plan.write, audit, events)
          if (events.length > 0)
            yield* Effect.logDebug(`${port.name}: ${events.map((e) => `${e.type}(${e.subject})`).join(", ")}`)
          return plan.result
        })

  const run = <I, S, A, E1, E2, E3>(
    op: Operation<I, S, A, W, D, E1, E2, E3>
  ): Effect.Effect<A, E | E1 | E2 | E3> => {
    const once = Effect.gen(function* () {
      const input = yield* op.input
      const state = yield* op.load(input)
      const now = yield* Clock.currentTimeMillis
      const plan = yield* op.plan(state, input, now)
      return yield* write(plan, now)
    })
    return op.retryOn === undefined ? once : retrying(once, op.retryOn, port.attempts)
  }

  return { run }
}
