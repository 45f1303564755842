import { type DomainEvent, Notifier } from "@paykit/core"
import { Clock, Context, type Duration, Effect, Layer, Semaphore } from "effect"
import type { VelocityStoreUnavailable } from "./errors.ts"
import * as Velocity from "./Velocity.ts"

/**
 * How many events the memory store keeps per key by default. Like Stripe's capped velocity
 * counters, a key's history is bounded: beyond the cap the oldest events are dropped, so counts
 * saturate at the cap.
 *
 * @example
 * ```ts
 * import { VelocityStore } from "@paykit/risk"
 * VelocityStore.DEFAULT_CAP // 1000
 * ```
 * @category models
 * @since 0.1.0
 */
export const DEFAULT_CAP = 1_000

/**
 * The memory store's bounds besides the per-key `cap`: how many keys it keeps (the least recently
 * recorded go first) and how old an event may be (events older than `maxAgeMillis` before the
 * newest event recorded under their key are dropped when that key is next recorded, and by
 * `prune`). The defaults: 100,000 keys (about 100 MB at a few events per key) and 7 days (the
 * largest default velocity window; `Risk.layer` refuses a store whose age bound is shorter than
 * its rule set's largest window).
 *
 * @example
 * ```ts
 * import { VelocityStore } from "@paykit/risk"
 * VelocityStore.DEFAULT_LIMITS.maxKeys // 100000
 * ```
 * @category models
 * @since 0.2.0
 */
export const DEFAULT_LIMITS = { maxKeys: 100_000, maxAgeMillis: 7 * 86_400_000 } as const

/**
 * The histories an assessment reads, by key kind (only the kinds it asked for and has).
 *
 * @category models
 * @since 0.3.0
 */
export type Histories_ = { readonly [K in Velocity.KeyKind]?: ReadonlyArray<Velocity.Event> }

/**
 * What an assessment's `decide` returns to {@link VelocityStore}'s `assess`: the velocity event to
 * record, the domain events that travel with it, and the caller's answer.
 *
 * @example
 * ```ts
 * import type { VelocityStore } from "@paykit/risk"
 * const a: VelocityStore.Assessed<string> = { event: { id: "p1", at: 0, amountRef: 1n, declined: false }, events: [], value: "allow" }
 * ```
 * @category models
 * @since 0.2.0
 */
export interface Assessed<A> {
  readonly event: Velocity.Event
  readonly events: ReadonlyArray<DomainEvent.DomainEvent>
  readonly value: A
}

/**
 * The velocity storage port.
 *
 * - `record(event, events)`: adds the event to the history of each key it has (customer, card, ip,
 *   device, email), and keeps the domain events the assessment causes (alerts, freeze
 *   recommendations) atomically with it: the PostgreSQL adapter inserts them into its
 *   transactional outbox in the same transaction (its relay delivers them), the memory store
 *   hands them to the `Notifier` right after; a failed record keeps and delivers none.
 *   Each key keeps at most `cap` events: the `cap` latest by time (ties: the
 *   later recorded is the later); an event older than all of a full key's history is dropped.
 *   **One event per payment id and key**: recording an id a key already holds (a retried
 *   assessment, the issuer's decline arriving later) adds nothing to the count; it updates the
 *   kept event's facts, `declined` and `blocked`, which once true stay true (its time and amount
 *   stay the first record's).
 * - `assess(keys, read, decide)`: the read-decide-record of one assessment, atomic per key: it
 *   locks every key in `keys` (the memory store: one assessment at a time; PostgreSQL: a
 *   transaction-scoped advisory lock per key, taken in one global order, across processes),
 *   reads the histories of the kinds in `read`, runs `decide` on them, and records the event and
 *   domain events `decide` returns as `record` does, before any other assessment of those keys
 *   reads them. So `block if velocity.card.count_1h >= 3` approves exactly 3 of 20 concurrent
 *   assessments of one card, as it does of 20 sequential ones.
 * - `history(kind, key)`: the retained events of a key, ascending by time (ties in recording
 *   order); empty for an unknown key.
 * - `prune(before)`: forgets events with `at < before` everywhere; returns how many key entries
 *   were removed.
 *
 * The contract suite in `@paykit/risk/testing` (`VelocityStoreContract.suite`) checks these rules
 * against a model.
 *
 * @example
 * ```ts
 * import { VelocityStore } from "@paykit/risk"
 * import { Effect } from "effect"
 * const program = Effect.gen(function* () {
 *   const store = yield* VelocityStore.VelocityStore
 *   yield* store.record({ id: "p1", at: 0, amountRef: 1250n, declined: false, customer: "cus_1" })
 *   return yield* store.history("customer", "cus_1")
 * }).pipe(Effect.provide(VelocityStore.layerMemory), Effect.provide(Notifier.layerNoop))
 * ```
 * @category services
 * @since 0.1.0
 */
export class VelocityStore extends Context.Service<
  VelocityStore,
  {
    readonly cap: number
    /**
     * How far back the store keeps events (`undefined`: as far as `cap` allows). `Risk` refuses a
     * store that keeps less than its rule set's largest velocity window.
     */
    readonly maxAgeMillis?: number | undefined
    readonly record: (
      event: Velocity.Event,
      events?: ReadonlyArray<DomainEvent.DomainEvent>
    ) => Effect.Effect<void, VelocityStoreUnavailable>
    readonly assess: <A, E>(
      keys: Velocity.Keys,
      read: ReadonlyArray<Velocity.KeyKind>,
      decide: (histories: Histories_) => Effect.Effect<Assessed<A>, E>
    ) => Effect.Effect<A, E | VelocityStoreUnavailable>
    readonly history: (
      kind: Velocity.KeyKind,
      key: string
    ) => Effect.Effect<ReadonlyArray<Velocity.Event>, VelocityStoreUnavailable>
    readonly prune: (before: number) => Effect.Effect<number, VelocityStoreUnavailable>
  }
>()("@paykit/risk/VelocityStore") {}

/**
 * The in-memory histories behind the memory store, as a plain synchronous object (also used by
 * backtests to replay payments).
 *
 * @example
 * ```ts
 * import { VelocityStore } from "@paykit/risk"
 * const h = new VelocityStore.Histories(100)
 * h.record({ id: "p1", at: 0, amountRef: 1n, declined: false, card: "fp_1" })
 * h.history("card", "fp_1").length // 1
 * ```
 * @category constructors
 * @since 0.1.0
 */
export class Histories {
  private readonly keys = new Map<string, Array<Velocity.Event>>()
  readonly maxKeys: number
  readonly maxAgeMillis: number
  constructor(
    readonly cap: number = DEFAULT_CAP,
    limits: { readonly maxKeys?: number | undefined; readonly maxAgeMillis?: number | undefined } = {}
  ) {
    if (!Number.isSafeInteger(cap) || cap < 1)
      throw new Error(`the cap must be a positive integer, got ${cap}`)
    this.maxKeys = limits.maxKeys ?? Number.POSITIVE_INFINITY
    this.maxAgeMillis = limits.maxAgeMillis ?? Number.POSITIVE_INFINITY
    if (!(this.maxKeys >= 1)) throw new Error(`maxKeys must be at least 1, got ${this.maxKeys}`)
    if (!(this.maxAgeMillis >= 0))
      throw new Error(`maxAgeMillis must not be negative, got ${this.maxAgeMillis}`)
  }
  /** How many keys hold events. */
  get size(): number {
    return this.keys.size
  }
  record(event: Velocity.Event): void {
    for (const kind of Velocity.KEY_KINDS) {
      const key = event[kind]
      if (key === undefined) continue
      const k = `${kind}\u0000${key}`
      let list = this.keys.get(k)
      if (list === undefined) {
        list = []
      } else {
        // the most recently recorded key is the last to go when there are too many
        this.keys.delete(k)
      }
      this.keys.set(k, list)
      // one event per payment id and key: a repeated id updates the kept event's facts
      const kept = list.findIndex((e) => e.id === event.id)
      if (kept >= 0) {
        list[kept] = merged(list[kept]!, event)
        continue
      }
      // insert after every event at or before event.at (stable)
      let i = list.length
      while (i > 0 && list[i - 1]!.at > event.at) i--
      if (i === 0 && list.length >= this.cap) continue
      list.splice(i, 0, event)
      if (list.length > this.cap) list.shift()
      // events too old to be in any window of the newest one's time
      const newest = list[list.length - 1]!.at
      let old = 0
      while (old < list.length && list[old]!.at < newest - this.maxAgeMillis) old++
      if (old > 0) list.splice(0, old)
    }
    while (this.keys.size > this.maxKeys) {
      const first = this.keys.keys().next()
      if (first.done === true) break
      this.keys.delete(first.value)
    }
  }
  history(kind: Velocity.KeyKind, key: string): ReadonlyArray<Velocity.Event> {
    return this.keys.get(`${kind}\u0000${key}`) ?? []
  }
  prune(before: number): number {
    let removed = 0
    for (const k of [...this.keys.keys()]) removed += this.pruneKey(k, before)
    return removed
  }
  /** Prunes the keys in `ks` (a slice of {@link keyList}); returns the entries removed. */
  pruneKeys(ks: ReadonlyArray<string>, before: number): number {
    let removed = 0
    for (const k of ks) removed += this.pruneKey(k, before)
    return removed
  }
  /** The keys held now, for pruning in slices. */
  keyList(): ReadonlyArray<string> {
    return [...this.keys.keys()]
  }
  private pruneKey(k: string, before: number): number {
    const list = this.keys.get(k)
    if (list === undefined) return 0
    let n = 0
    while (n < list.length && list[n]!.at < before) n++
    if (n === 0) return 0
    if (n === list.length) this.keys.delete(k)
    else list.splice(0, n)
    return n
  }
}

/**
 * A kept event with the facts of a later record of its payment id: `declined` and `blocked` once
 * true stay true; its time, amount and keys stay.
 */
export const merged = (kept: Velocity.Event, later: Velocity.Event): Velocity.Event =>
  later.declined && !kept.declined
    ? { ...kept, declined: true, blocked: kept.blocked === true || later.blocked === true }
    : later.blocked === true && kept.blocked !== true
      ? { ...kept, blocked: true }
      : kept

/** How many keys one slice of the memory store's `prune` handles before yielding. */
const PRUNE_SLICE = 10_000

/**
 * Options of the memory store: `cap` events per key ({@link DEFAULT_CAP}), `maxKeys` and
 * `maxAgeMillis` ({@link DEFAULT_LIMITS}), and `pruneEvery`: the layer then forks a fiber that
 * prunes events older than `maxAgeMillis` on that schedule (by the `Clock`), in slices that never
 * block the event loop.
 *
 * @example
 * ```ts
 * import type { VelocityStore } from "@paykit/risk"
 * const o: VelocityStore.MemoryOptions = { cap: 500, maxKeys: 50_000, pruneEvery: "1 hour" }
 * ```
 * @category models
 * @since 0.2.0
 */
export interface MemoryOptions {
  readonly cap?: number | undefined
  readonly maxKeys?: number | undefined
  readonly maxAgeMillis?: number | undefined
  readonly pruneEvery?: Duration.Input | undefined
}

/**
 * Builds an in-memory velocity store keeping at most `cap` events per key.
 *
 * @example
 * ```ts
 * import { VelocityStore } from "@paykit/risk"
 * import { Effect } from "effect"
 * const store = Effect.runSync(VelocityStore.makeMemory({ cap: 500 }))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const makeMemory = (
  options: MemoryOptions = {}
): Effect.Effect<VelocityStore["Service"], never, Notifier.Notifier> =>
  Effect.gen(function* () {
    const notifier = yield* Notifier.Notifier
    const h = new Histories(options.cap ?? DEFAULT_CAP, {
      maxKeys: options.maxKeys ?? DEFAULT_LIMITS.maxKeys,
      maxAgeMillis: options.maxAgeMillis ?? DEFAULT_LIMITS.maxAgeMillis
    })
    // one assessment's read-decide-record at a time
    const lock = yield* Semaphore.make(1)
    const record = (event: Velocity.Event, events?: ReadonlyArray<DomainEvent.DomainEvent>) =>
      Effect.andThen(
        Effect.sync(() => h.record(event)),
        events === undefined ? Effect.void : Notifier.afterCommit(notifier, events, "risk")
      )
    return VelocityStore.of({
      cap: h.cap,
      record,
      assess: (keys, read, decide) =>
        lock.withPermits(1)(
          Effect.gen(function* () {
            const histories: { [K in Velocity.KeyKind]?: ReadonlyArray<Velocity.Event> } = {}
            for (const kind of read) {
              const key = keys[kind]
              if (key !== undefined) histories[kind] = [...h.history(kind, key)]
            }
            const out = yield* decide(histories)
            yield* record(out.event, out.events)
            return out.value
          })
        ),
      history: (kind, key) => Effect.sync(() => [...h.history(kind, key)]),
      // in slices of PRUNE_SLICE keys, yielding between them: a million keys never hold the
      // event loop (one synchronous pass over 1M events blocked for up to 8 s)
      prune: (before) =>
        Effect.suspend(() => {
          const ks = h.keyList()
          let removed = 0
          const slice = (from: number): Effect.Effect<number> =>
            from >= ks.length
              ? Effect.succeed(removed)
              : Effect.andThen(
                  Effect.sync(() => {
                    removed += h.pruneKeys(ks.slice(from, from + PRUNE_SLICE), before)
                  }),
                  Effect.andThen(
                    Effect.yieldNow,
                    Effect.suspend(() => slice(from + PRUNE_SLICE))
                  )
                )
          return slice(0)
        }),
      maxAgeMillis: h.maxAgeMillis
    })
  })

/**
 * An in-memory velocity store with a chosen cap per key (a fresh one per layer build).
 *
 * @example
 * ```ts
 * import { VelocityStore } from "@paykit/risk"
 * import { VelocityStoreContract } from "@paykit/risk/testing"
 * VelocityStoreContract.suite("memory, cap 5", VelocityStore.layerMemoryWith({ cap: 5 }))
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerMemoryWith = (
  options: MemoryOptions
): Layer.Layer<VelocityStore, never, Notifier.Notifier> =>
  Layer.effect(
    VelocityStore,
    Effect.gen(function* () {
      const store = yield* makeMemory(options)
      if (options.pruneEvery !== undefined) {
        const every = options.pruneEvery
        const maxAge = options.maxAgeMillis ?? DEFAULT_LIMITS.maxAgeMillis
        yield* Effect.forkScoped(
          Effect.forever(
            Effect.andThen(
              Effect.sleep(every),
              Effect.flatMap(Clock.currentTimeMillis, (now) => Effect.ignore(store.prune(now - maxAge)))
            )
          )
        )
      }
      return store
    })
  )

/**
 * An in-memory velocity store with the default cap of {@link DEFAULT_CAP} events per key.
 *
 * @example
 * ```ts
 * import { VelocityStore } from "@paykit/risk"
 * import { VelocityStoreContract } from "@paykit/risk/testing"
 * VelocityStoreContract.suite("memory", VelocityStore.layerMemory)
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<VelocityStore, never, Notifier.Notifier> = layerMemoryWith({})
