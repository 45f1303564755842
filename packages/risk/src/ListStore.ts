import { type DomainEvent, Notifier } from "@paykit/core"
import { Context, Effect, Layer, Schema } from "effect"
import type { ListStoreUnavailable } from "./errors.ts"

/**
 * A snooze kept at run time: the rule `ruleId` is skipped for payments whose pivot equals `value`
 * until `until` (epoch milliseconds, exclusive).
 *
 * @example
 * ```ts
 * import type { ListStore } from "@paykit/risk"
 * const s: ListStore.Snooze = { ruleId: "large_payment", value: "cus_42", until: 1_800_000_000_000 }
 * ```
 * @category models
 * @since 0.2.0
 */
export interface Snooze {
  readonly ruleId: string
  readonly value: string
  readonly until: number
}

/**
 * Everything the store holds at one version: each list's values and the snoozes.
 *
 * @example
 * ```ts
 * import type { ListStore } from "@paykit/risk"
 * const empty: ListStore.Snapshot = { version: 0, lists: {}, snoozes: [] }
 * ```
 * @category models
 * @since 0.2.0
 */
export interface Snapshot {
  readonly version: number
  readonly lists: Readonly<Record<string, ReadonlyArray<string>>>
  readonly snoozes: ReadonlyArray<Snooze>
}

/**
 * The most values one call adds or removes, and the longest value (as the payment's strings).
 *
 * @example
 * ```ts
 * import { ListStore } from "@paykit/risk"
 * ListStore.LIMITS.values // 10000
 * ```
 * @category models
 * @since 0.2.0
 */
export const LIMITS = { values: 10_000, length: 320 } as const

/**
 * The values of one list change (JSON): a declared list's name and 1 to 10,000 non-empty values of
 * at most 320 characters.
 *
 * @example
 * ```ts
 * import { ListStore } from "@paykit/risk"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(ListStore.Change)({ list: "blocked_emails", values: ["fraud@example.com"] })
 * ```
 * @category models
 * @since 0.2.0
 */
export const Change = Schema.Struct({
  list: Schema.String.check(Schema.isPattern(/^[a-z][a-z0-9_]{0,63}$/, { message: "a list name" })),
  values: Schema.Array(Schema.String.check(Schema.isNonEmpty(), Schema.isMaxLength(LIMITS.length))).check(
    Schema.isMinLength(1),
    Schema.isMaxLength(LIMITS.values)
  )
})

/**
 * The domain events of one list change, built from exactly the values it changed (the values it
 * added, or removed), in the order they were given; called only when the change changed
 * something, inside the change's transaction on PostgreSQL (so it may run again when the store
 * retries the transaction).
 *
 * @example
 * ```ts
 * import type { ListStore } from "@paykit/risk"
 * import { Effect } from "effect"
 * const none: ListStore.Audit = (_changed) => Effect.succeed([])
 * ```
 * @category models
 * @since 0.4.0
 */
export type Audit = (changed: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<DomainEvent.DomainEvent>>

/**
 * Where allow and block lists and snoozes live at run time, so they change without rebuilding
 * the service, and every instance on one database sees the same ones.
 *
 * - `add(list, values, audit?)` / `remove(list, values, audit?)`: change a list; `snooze(s,
 *   events?)`: keep a snooze (a second snooze of the same rule and value replaces the first).
 *   Each change that changes something raises `version`.
 * - **Events travel with the change.** When an `add` or `remove` changes something, its `audit`
 *   gets exactly the values it added or removed and returns the change's domain events; a
 *   snooze's `events` are given. The PostgreSQL adapter inserts them into its transactional
 *   outbox in the change's transaction (a change that fails keeps none; one that changes nothing
 *   calls no `audit` and stores none), the memory store hands them to the `Notifier` right after
 *   the change.
 * - `version`: a number that grows with every change (cheap to read).
 * - `snapshot`: the lists, the snoozes and the version they are at, read consistently.
 *
 * `Risk` keeps a snapshot and reads `version` at most every `listsRefresh` (default 1 s) to reload
 * it when it moved: a change made through one instance applies there at once, through another
 * within that time. The memory store is for tests and single-process use;
 * `@paykit/store-postgres/risk` has `ListStorePostgres`.
 *
 * @example
 * ```ts
 * import { Notifier } from "@paykit/core"
 * import { ListStore } from "@paykit/risk"
 * import { Effect } from "effect"
 * const program = Effect.gen(function* () {
 *   const lists = yield* ListStore.ListStore
 *   yield* lists.add("blocked_emails", ["fraud@example.com"])
 *   return yield* lists.snapshot
 * }).pipe(Effect.provide(ListStore.layerMemory), Effect.provide(Notifier.layerNoop))
 * ```
 * @category services
 * @since 0.2.0
 */
export class ListStore extends Context.Service<
  ListStore,
  {
    readonly add: (
      list: string,
      values: ReadonlyArray<string>,
      audit?: Audit
    ) => Effect.Effect<void, ListStoreUnavailable>
    readonly remove: (
      list: string,
      values: ReadonlyArray<string>,
      audit?: Audit
    ) => Effect.Effect<void, ListStoreUnavailable>
    readonly snooze: (
      snooze: Snooze,
      events?: ReadonlyArray<DomainEvent.DomainEvent>
    ) => Effect.Effect<void, ListStoreUnavailable>
    readonly version: Effect.Effect<number, ListStoreUnavailable>
    readonly snapshot: Effect.Effect<Snapshot, ListStoreUnavailable>
  }
>()("@paykit/risk/ListStore") {}

/**
 * An in-memory list store (a fresh, empty one per call); a change's events go to the `Notifier`
 * in context right after the change (a delivery failure is logged, not retried).
 *
 * @example
 * ```ts
 * import { Notifier } from "@paykit/core"
 * import { ListStore } from "@paykit/risk"
 * import { Effect } from "effect"
 * const store = Effect.runSync(ListStore.makeMemory.pipe(Effect.provide(Notifier.layerNoop)))
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const makeMemory: Effect.Effect<ListStore["Service"], never, Notifier.Notifier> = Effect.gen(
  function* () {
    const notifier = yield* Notifier.Notifier
    const lists = new Map<string, Set<string>>()
    const snoozes = new Map<string, Snooze>()
    let version = 0
    /** After a change: its events, built from what it changed, handed to the notifier. */
    const announce = (changed: ReadonlyArray<string>, audit: Audit | undefined) =>
      changed.length === 0 || audit === undefined
        ? Effect.void
        : Effect.flatMap(audit(changed), (events) => Notifier.afterCommit(notifier, events, "risk"))
    return ListStore.of({
      add: (list, values, audit) =>
        Effect.suspend(() => {
          let set = lists.get(list)
          if (set === undefined) {
            set = new Set()
            lists.set(list, set)
          }
          const added: Array<string> = []
          for (const v of values) {
            if (set.has(v)) continue
            set.add(v)
            added.push(v)
          }
          if (added.length > 0) version++
          return announce(added, audit)
        }),
      remove: (list, values, audit) =>
        Effect.suspend(() => {
          const set = lists.get(list)
          const removed: Array<string> = []
          if (set !== undefined) for (const v of values) if (set.delete(v)) removed.push(v)
          if (removed.length > 0) version++
          return announce(removed, audit)
        }),
      snooze: (s, events) =>
        Effect.suspend(() => {
          snoozes.set(`${s.ruleId}\u0000${s.value}`, { ruleId: s.ruleId, value: s.value, until: s.until })
          version++
          return events === undefined ? Effect.void : Notifier.afterCommit(notifier, events, "risk")
        }),
      version: Effect.sync(() => version),
      snapshot: Effect.sync(() => ({
        version,
        lists: Object.fromEntries([...lists].map(([name, set]) => [name, [...set].sort()])),
        snoozes: [...snoozes.values()].sort((a, b) =>
          a.ruleId < b.ruleId
            ? -1
            : a.ruleId > b.ruleId
              ? 1
              : a.value < b.value
                ? -1
                : a.value > b.value
                  ? 1
                  : 0
        )
      }))
    })
  }
)

/**
 * The memory list store as a layer (a fresh one per build), announcing its changes through the
 * `Notifier` in context.
 *
 * @example
 * ```ts
 * import { Notifier } from "@paykit/core"
 * import { ListStore } from "@paykit/risk"
 * import { Layer } from "effect"
 * const layer = ListStore.layerMemory.pipe(Layer.provide(Notifier.layerMemory))
 * ```
 * @category layers
 * @since 0.2.0
 */
export const layerMemory: Layer.Layer<ListStore, never, Notifier.Notifier> = Layer.effect(
  ListStore,
  makeMemory
)
