import { Client, Currency, type DomainEvent, Ids, Input, InvalidInput, Notifier } from "@paykit/core"
import { Clock, Context, Duration, Effect, Layer, Option, Result, Schema } from "effect"
import * as Decision from "./Decision.ts"
import type { ListStoreUnavailable, VelocityStoreUnavailable } from "./errors.ts"
import * as ListStore from "./ListStore.ts"
import * as Events from "./Events.ts"
import * as Features from "./Features.ts"
import * as RuleSets_ from "./RuleSet.ts"
import type { RuleSet } from "./RuleSet.ts"
import * as Velocity from "./Velocity.ts"
import { VelocityStore } from "./VelocityStore.ts"

/** The longest string a custom attribute may carry, alone or in a list. */
const MAX_CUSTOM_TEXT = 1024
/** The most custom attribute values one request may carry. */
const MAX_CUSTOM_KEYS = 64

/** Why a custom attribute value is refused, or `true`: strings and lists of them are bounded. */
const boundedCustom = (v: unknown): true | string => {
  if (typeof v === "string")
    return v.length <= MAX_CUSTOM_TEXT || `a string of at most ${MAX_CUSTOM_TEXT} characters`
  if (Array.isArray(v)) {
    if (v.length > MAX_CUSTOM_KEYS) return `a list of at most ${MAX_CUSTOM_KEYS} items`
    for (const x of v) {
      if (typeof x === "string" && x.length > MAX_CUSTOM_TEXT)
        return `a list whose strings have at most ${MAX_CUSTOM_TEXT} characters`
    }
  }
  return true
}

/**
 * A payment's custom attributes: at most 128-character names, bounded values, a bounded count.
 *
 * @category schemas
 * @since 0.3.0
 */
export const Custom = Schema.Record(
  Schema.String.check(Schema.isMaxLength(128)),
  Schema.Unknown.check(Schema.makeFilter(boundedCustom))
).check(
  Schema.makeFilter(
    (r: Readonly<Record<string, unknown>>) =>
      Object.keys(r).length <= MAX_CUSTOM_KEYS || `at most ${MAX_CUSTOM_KEYS} custom attributes`
  )
)

/**
 * An assessment request (JSON): the payment and, optionally, the customer's profile and custom
 * attribute values (`custom.*`).
 *
 * @example
 * ```ts
 * import type { Risk } from "@paykit/risk"
 * const request: Risk.AssessInput = { payment: { id: "pay_1", amount: { amount: "1250", currency: "USD" }, customerId: "cus_1" } }
 * ```
 * @category models
 * @since 0.1.0
 */
export const AssessRequest: Schema.Struct<{
  readonly payment: typeof Features.Payment
  readonly customer: Schema.optionalKey<typeof Features.Profile>
  readonly custom: Schema.optionalKey<typeof Custom>
}> = Schema.Struct({
  payment: Features.Payment,
  customer: Schema.optionalKey(Features.Profile),
  custom: Schema.optionalKey(Custom)
})

/**
 * The JSON shape of an assessment request.
 *
 * @example
 * ```ts
 * import type { Risk } from "@paykit/risk"
 * const request: Risk.AssessInput = { payment: { id: "pay_1", amount: { amount: "1250", currency: "USD" } } }
 * ```
 * @category models
 * @since 0.1.0
 */
export type AssessInput = typeof AssessRequest.Encoded

/**
 * The service configuration: the rule set, the allow and block lists, and the reference
 * currency in which amounts are compared and velocity sums are kept (default USD).
 *
 * @example
 * ```ts
 * import type { Risk, RuleSet } from "@paykit/risk"
 * declare const ruleSet: RuleSet.RuleSet
 * const config: Risk.Config = { ruleSet, lists: { blocked_countries: ["KP"] } }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Config {
  readonly ruleSet: RuleSet
  /** Lists fixed at start-up; the `ListStore`'s lists (changed at run time) are added to them. */
  readonly lists?: Readonly<Record<string, Iterable<string>>>
  readonly referenceCurrency?: Currency.Currency
  /**
   * How often an instance checks the `ListStore` for changes made through other instances
   * (default 1 s; a change made through this instance applies to it at once).
   */
  readonly listsRefresh?: Duration.Input | undefined
}

/**
 * An outcome learnt later, to add to the velocity history (JSON): `Velocity.EventJson`'s shape.
 *
 * @example
 * ```ts
 * import type { Risk } from "@paykit/risk"
 * const declined: Risk.RecordInput = { id: "pay_1", at: 1_800_000_000_000, amountRef: "1250", declined: true, card: "fp_1" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type RecordInput = typeof Velocity.EventJson.Encoded

/**
 * A snooze to keep at run time (JSON): the rule, the pivot value and until when (epoch ms).
 *
 * @example
 * ```ts
 * import type { Risk } from "@paykit/risk"
 * const s: Risk.SnoozeInput = { ruleId: "large_payment", value: "cus_42", until: 1_800_000_000_000 }
 * ```
 * @category models
 * @since 0.2.0
 */
export type SnoozeInput = typeof SnoozeRequest.Encoded

const SnoozeRequest = Schema.Struct({
  ruleId: Schema.String.check(Schema.isNonEmpty(), Schema.isMaxLength(64)),
  value: Schema.String.check(Schema.isNonEmpty(), Schema.isMaxLength(320)),
  until: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0))
})

/**
 * A list change (JSON): a declared list's name and its values.
 *
 * @example
 * ```ts
 * import type { Risk } from "@paykit/risk"
 * const c: Risk.ListChangeInput = { list: "blocked_emails", values: ["fraud@example.com"] }
 * ```
 * @category models
 * @since 0.2.0
 */
export type ListChangeInput = typeof ListStore.Change.Encoded

/**
 * Who changes a list or a snooze (JSON): `{ kind: "operator" | "member" | "service", id }`
 * (`Events.Actor`), the first argument of `addToList`, `removeFromList` and `snooze`, named in
 * the audit event each change emits.
 *
 * @example
 * ```ts
 * import type { Risk } from "@paykit/risk"
 * const analyst: Risk.ActorInput = { kind: "operator", id: "analyst-7" }
 * ```
 * @category models
 * @since 0.4.0
 */
export type ActorInput = typeof Events.Actor.Encoded

/**
 * An assessment: the payment id, when it was decided, and the decision.
 *
 * @example
 * ```ts
 * import type { Risk } from "@paykit/risk"
 * const outcome = (a: Risk.Assessment) => a.decision.outcome
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Assessment {
  readonly paymentId: string
  readonly at: number
  readonly decision: Decision.Decision
}

/**
 * The risk service. `assess` decodes the request, reads the velocity history of the payment's
 * keys from the `VelocityStore`, computes the features, decides with the pure
 * `Decision.decideFrame` at the `Clock`'s time, then records the attempt (declined when blocked)
 * and announces alerts (`risk.alert.raised`) and a freeze recommendation
 * (`risk.freeze.recommended`), carried into the `VelocityStore` with the assessment's record (stored
 * atomically with it, or handed to the `Notifier` right after it by the memory store). Invalid
 * input changes nothing.
 * `record` adds an outcome learnt later (an issuer decline) to the velocity history.
 * `addToList`, `removeFromList` and `snooze` change the run-time lists and snoozes for an actor
 * (`ActorInput`, decoded like the change) and emit an audit event with the change
 * (`risk.list.values_added`, `risk.list.values_removed`, `risk.rule.snoozed`: the list or rule,
 * exactly the values changed, the actor), carried into the `ListStore` with it (stored in the
 * change's transaction, or handed to the `Notifier` right after it by the memory store). A
 * refused change, or one that changes nothing, emits nothing.
 *
 * @example
 * ```ts
 * import { Risk } from "@paykit/risk"
 * import { Effect } from "effect"
 * const program = Effect.gen(function* () {
 *   const risk = yield* Risk.Risk
 *   return yield* risk.assess({ payment: { id: "pay_1", amount: { amount: "1250", currency: "USD" } } })
 * })
 * ```
 * @category services
 * @since 0.1.0
 */
export class Risk extends Context.Service<
  Risk,
  {
    readonly assess: (
      request: AssessInput
    ) => Effect.Effect<Assessment, InvalidInput | VelocityStoreUnavailable>
    readonly record: (event: RecordInput) => Effect.Effect<void, InvalidInput | VelocityStoreUnavailable>
    /**
     * Adds values to a declared list at run time (see `ListStore`), for `actor`; emits
     * `risk.list.values_added` with the values that were not in the list yet.
     */
    readonly addToList: (
      actor: ActorInput,
      change: ListChangeInput
    ) => Effect.Effect<void, InvalidInput | ListStoreUnavailable>
    /**
     * Removes values from a list's run-time values (values given in `Config.lists` stay), for
     * `actor`; emits `risk.list.values_removed` with the values that were in it.
     */
    readonly removeFromList: (
      actor: ActorInput,
      change: ListChangeInput
    ) => Effect.Effect<void, InvalidInput | ListStoreUnavailable>
    /**
     * Snoozes a rule that has a pivot for one pivot value, until a time, at run time, for
     * `actor`; emits `risk.rule.snoozed`.
     */
    readonly snooze: (
      actor: ActorInput,
      snooze: SnoozeInput
    ) => Effect.Effect<void, InvalidInput | ListStoreUnavailable>
  }
>()("@paykit/risk/Risk") {}

/**
 * The span attribute of a payment's id. Each operation runs in its span, `paykit.risk.<operation>`
 * (`Effect.fn`), a child of the caller's; spans carry ids, the outcome and counts only, never
 * amounts or personal data.
 */
const PAYMENT_ID = "paykit.risk.payment_id"

const decodeRequest = Input.decode("Risk.assess", AssessRequest)

/** The later of `now` and the latest attempt in `histories`. */
const latestAt = (histories: Features.Histories, now: number): number => {
  let at = now
  for (const kind of Velocity.KEY_KINDS) {
    const h = histories[kind]
    if (h !== undefined && h.length > 0) at = Math.max(at, h[h.length - 1]!.at)
  }
  return at
}
const decodeEvent = Input.decode("Risk.record", Velocity.EventJson)
const decodeChange = (operation: string) => Input.decode(operation, ListStore.Change)
const decodeSnooze = Input.decode("Risk.snooze", SnoozeRequest)
const ActorArgument = Schema.Struct({ actor: Events.Actor })
/** Decodes the actor argument; a bad one is `InvalidInput` at `actor…` (`actor.id`, `actor.kind`). */
const decodeActor = (operation: string) => {
  const decode = Input.decode(operation, ActorArgument)
  return (actor: unknown) => Effect.map(decode({ actor }), (a) => a.actor)
}

/**
 * Where the fallback memory list store (no `ListStore` in context) announces its changes: the
 * `Notifier` in context, else a warning per event in the log (its type, id and subject), so an
 * audit event is never dropped without a trace.
 */
const announcerOf = (provided: Option.Option<Notifier.Notifier["Service"]>): Notifier.Notifier["Service"] =>
  Option.isSome(provided)
    ? provided.value
    : Notifier.Notifier.of({
        notify: (events) =>
          Effect.forEach(
            events,
            (e) =>
              Effect.logWarning(
                `@paykit/risk: no Notifier in context to deliver ${e.type} ${e.id} (subject ${e.subject}); provide one, or a ListStore`
              ),
            { discard: true }
          )
      })

/** What assessments read: the lists (fixed and run-time) and the rule set with its snoozes. */
interface Current {
  readonly version: number
  readonly lists: Features.Lists
  readonly ruleSet: RuleSet
  readonly checkedAt: number
}

/**
 * Builds the service from its configuration and the ports in context: the `VelocityStore`, `Ids`,
 * and optionally a `ListStore` (else one in memory, announcing its changes' audit events through
 * the `Notifier` in context).
 *
 * @example
 * ```ts
 * import { Risk } from "@paykit/risk"
 * declare const config: Risk.Config
 * const risk = Risk.make(config)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (config: Config): Effect.Effect<Risk["Service"], never, VelocityStore | Ids.Ids> =>
  Effect.gen(function* () {
    const store = yield* VelocityStore
    const ids = yield* Ids.Ids
    // the run-time lists and snoozes: the ListStore in context, else one in memory
    const provided = yield* Effect.serviceOption(ListStore.ListStore)
    const listStore = Option.isSome(provided)
      ? provided.value
      : yield* ListStore.makeMemory.pipe(
          Effect.provideService(
            Notifier.Notifier,
            announcerOf(yield* Effect.serviceOption(Notifier.Notifier))
          )
        )
    const refreshMillis = Duration.toMillis(
      Duration.fromInputUnsafe(config.listsRefresh ?? Duration.seconds(1))
    )
    const reference = config.referenceCurrency ?? Currency.USD
    const fixed = Object.entries(config.lists ?? {}).map(([name, values]) => [name, [...values]] as const)
    const set = config.ruleSet
    /** The lists and rule set of a snapshot: fixed lists plus run-time ones, snoozes applied. */
    const build = (snapshot: ListStore.Snapshot, now: number): Current => {
      const lists: Record<string, Set<string>> = {}
      for (const [name, values] of fixed) lists[name] = new Set(values)
      for (const [name, values] of Object.entries(snapshot.lists)) {
        const s = lists[name] ?? new Set<string>()
        for (const v of values) s.add(v)
        lists[name] = s
      }
      let ruleSet = set
      for (const z of snapshot.snoozes) {
        if (z.until <= now) continue
        const next = RuleSets_.snooze(ruleSet, z.ruleId, { value: z.value, until: z.until })
        if (Result.isSuccess(next)) ruleSet = next.success
      }
      return { version: snapshot.version, lists, ruleSet, checkedAt: now }
    }
    let current = build(yield* Effect.orDie(listStore.snapshot), yield* Clock.currentTimeMillis)
    const reload = Effect.gen(function* () {
      const snapshot = yield* listStore.snapshot
      current = build(snapshot, yield* Clock.currentTimeMillis)
    })
    /** The current lists and rule set, reloaded when the store moved (checked every refresh). */
    const fresh = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      if (now - current.checkedAt < refreshMillis) return current
      const version = yield* listStore.version
      if (version !== current.version) yield* reload
      else current = { ...current, checkedAt: now }
      return current
    })
    const longest = Math.max(0, ...set.catalog.velocity.windows.map((w) => w.millis))
    if (store.maxAgeMillis !== undefined && store.maxAgeMillis < longest) {
      return yield* Effect.die(
        new Error(
          `the velocity store keeps events for ${store.maxAgeMillis} ms, less than the rule set's longest velocity window (${longest} ms): give the store maxAgeMillis of at least ${longest}`
        )
      )
    }

    const assess = Effect.fn("paykit.risk.assess")(function* (request: AssessInput) {
      const { payment, customer, custom } = yield* decodeRequest(request)
      // a list store that cannot answer keeps the lists this instance last saw
      const { lists, ruleSet: set } = yield* Effect.orElseSucceed(fresh, () => current)
      yield* Effect.annotateCurrentSpan(PAYMENT_ID, payment.id)
      const amountRef = Features.amountRef(payment, reference)
      if (amountRef === undefined) {
        return yield* Effect.fail(
          new InvalidInput({
            operation: "Risk.assess",
            path: payment.amountRef === undefined ? "payment.amountRef" : "payment.amountRef.currency",
            reason: `the amount in the reference currency ${reference.code} is required (the payment is in ${payment.amount.currency.code})`
          })
        )
      }
      const keys = Features.keys(payment)
      // the customer's history also gives the profile's derived attributes
      const read = Velocity.KEY_KINDS.filter(
        (kind) => keys[kind] !== undefined && (kind === "customer" || set.velocityFeatures.has(kind))
      )
      // read, decide and record atomically per key: concurrent assessments of one card see each
      // other's attempts, so a velocity limit holds however many arrive at once
      const { decision, now } = yield* store.assess(keys, read, (histories) =>
        Effect.gen(function* () {
          // the time is read once the keys are locked, and never before the latest attempt on
          // them: an attempt recorded by a process whose clock runs ahead, or while this one
          // waited for the lock, is inside this one's windows, not in its future
          const now = latestAt(histories, yield* Clock.currentTimeMillis)
          const values = Features.compute({
            catalog: set.catalog,
            reference,
            payment,
            profile: customer,
            lists,
            histories,
            now,
            custom,
            only: set
          })
          const decision = Decision.decide(set, values, now)
          const events: Array<DomainEvent.DomainEvent> = []
          for (const hit of decision.alerts) {
            events.push(Events.alert(yield* ids.next, now, payment.id, payment.customerId, decision, hit))
          }
          if (decision.freeze)
            events.push(Events.freeze(yield* ids.next, now, payment.id, payment.customerId, decision))
          // the alerts travel with the velocity record: stored (or delivered) with it, or not at all
          return {
            event: Features.eventOf(payment, amountRef, now, decision.outcome === "block"),
            events,
            value: { decision, now }
          }
        })
      )
      yield* Effect.annotateCurrentSpan({
        "paykit.risk.outcome": decision.outcome,
        "paykit.risk.hits": decision.hits.length,
        "paykit.risk.alerts": decision.alerts.length
      })
      return { paymentId: payment.id, at: now, decision }
    })

    const record = Effect.fn("paykit.risk.record")(function* (input: RecordInput) {
      const e = yield* decodeEvent(input)
      yield* Effect.annotateCurrentSpan(PAYMENT_ID, e.id)
      return yield* store.record({
        id: e.id,
        at: e.at,
        amountRef: e.amountRef,
        declined: e.declined,
        ...(e.blocked === undefined ? {} : { blocked: e.blocked }),
        ...(e.customer === undefined ? {} : { customer: e.customer }),
        ...(e.card === undefined ? {} : { card: e.card }),
        ...(e.ip === undefined ? {} : { ip: e.ip }),
        ...(e.device === undefined ? {} : { device: e.device }),
        ...(e.email === undefined ? {} : { email: e.email.toLowerCase() }),
        ...(e.ipCountry === undefined ? {} : { ipCountry: e.ipCountry })
      })
    })

    const checkList = (operation: string, list: string) =>
      set.catalog.lists.includes(list)
        ? Effect.void
        : Effect.fail(
            new InvalidInput({
              operation,
              path: "list",
              reason: `no list "${list}" is declared in the rule set's catalog (${set.catalog.lists.join(", ")})`
            })
          )

    /** The audit of a list change: one event naming the list, the values changed and the actor. */
    const listAudit =
      (change: "added" | "removed", list: string, actor: Events.Actor, at: number): ListStore.Audit =>
      (changed) =>
        Effect.map(ids.next, (id) => [Events.listChanged(change, id, at, list, changed, actor)])

    const decodeAddActor = decodeActor("Risk.addToList")
    const decodeAdd = decodeChange("Risk.addToList")
    const addToList = Effect.fn("paykit.risk.addToList")(function* (
      actorInput: ActorInput,
      input: ListChangeInput
    ) {
      const actor = yield* decodeAddActor(actorInput)
      const change = yield* decodeAdd(input)
      yield* checkList("Risk.addToList", change.list)
      const at = yield* Clock.currentTimeMillis
      yield* listStore.add(change.list, change.values, listAudit("added", change.list, actor, at))
      yield* reload
    })

    const decodeRemoveActor = decodeActor("Risk.removeFromList")
    const decodeRemove = decodeChange("Risk.removeFromList")
    const removeFromList = Effect.fn("paykit.risk.removeFromList")(function* (
      actorInput: ActorInput,
      input: ListChangeInput
    ) {
      const actor = yield* decodeRemoveActor(actorInput)
      const change = yield* decodeRemove(input)
      yield* checkList("Risk.removeFromList", change.list)
      const at = yield* Clock.currentTimeMillis
      yield* listStore.remove(change.list, change.values, listAudit("removed", change.list, actor, at))
      yield* reload
    })

    const decodeSnoozeActor = decodeActor("Risk.snooze")
    const snooze = Effect.fn("paykit.risk.snooze")(function* (actorInput: ActorInput, input: SnoozeInput) {
      const actor = yield* decodeSnoozeActor(actorInput)
      const s = yield* decodeSnooze(input)
      const checked = RuleSets_.snooze(set, s.ruleId, { value: s.value, until: s.until })
      if (Result.isFailure(checked))
        return yield* Effect.fail(
          new InvalidInput({ operation: "Risk.snooze", path: "ruleId", reason: checked.failure.reason })
        )
      const at = yield* Clock.currentTimeMillis
      yield* listStore.snooze(s, [Events.snoozed(yield* ids.next, at, s, actor)])
      yield* reload
    })

    return Risk.of({ assess, record, addToList, removeFromList, snooze })
  })

/**
 * The service as a layer over the `VelocityStore` and `Ids` in context.
 *
 * @example
 * ```ts
 * import { Ids, Notifier } from "@paykit/core"
 * import { Attributes, Risk, RuleSet, VelocityStore } from "@paykit/risk"
 * import { Layer } from "effect"
 * const ruleSet = RuleSet.makeUnsafe(Attributes.standard, { rules: [] })
 * const RiskLive = Risk.layer({ ruleSet }).pipe(Layer.provide([VelocityStore.layerMemory, Ids.layer]), Layer.provide(Notifier.layerMemory))
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layer = (config: Config): Layer.Layer<Risk, never, VelocityStore | Ids.Ids> =>
  Layer.effect(Risk, make(config))

/**
 * The service as a Promise client, for code not written with Effect: every method (`assess`,
 * `record`, `addToList`, `removeFromList`, `snooze`) returns a Promise that rejects with the
 * typed error itself (`InvalidInput`, `VelocityStoreUnavailable`, `ListStoreUnavailable`). The
 * layer is built once, on the first call (or `ready()`), on one long-lived runtime: create the
 * client at module load, share it across requests, and `dispose()` it on shutdown (or
 * `await using`).
 *
 * @example
 * ```ts
 * import { Risk } from "@paykit/risk"
 * import type { Layer } from "effect"
 * declare const RiskLive: Layer.Layer<Risk.Risk>
 * const risk = Risk.client(RiskLive)
 * const { decision } = await risk.assess({ payment: { id: "pay_1", amount: { amount: "1250", currency: "USD" } } })
 * await risk.dispose()
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const client = <E>(layer: Layer.Layer<Risk, E>): Client.Client<Risk["Service"], Risk, E> =>
  Client.make(Risk, layer)
