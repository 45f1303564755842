import { type DomainEvent, Notifier } from "@paykit/core"
import { Context, Effect, Layer } from "effect"
import type * as Delivery from "./Delivery.ts"
import type * as Endpoint from "./Endpoint.ts"
import { EndpointConflict, EndpointNotFound, type WebhookStoreFailure } from "./errors.ts"

/**
 * A claimed delivery: the delivery, its endpoint as it is now, and the lease token the claim
 * must present to record its attempt.
 *
 * @category models
 * @since 0.1.0
 */
export interface Claimed {
  readonly delivery: Delivery.Delivery
  readonly endpoint: Endpoint.Endpoint
}

/**
 * What a claim takes: the time, how many deliveries at most (`limit`), how many of one
 * endpoint at most (`perEndpoint`, so one endpoint's backlog never fills a claim), how long the
 * lease lasts (`leaseMs`), the claimer's `token`, and endpoints to leave out (`exclude`: those
 * the claimer already has enough attempts in flight for).
 *
 * @category models
 * @since 0.1.0
 */
export interface ClaimRequest {
  readonly now: number
  readonly limit: number
  readonly perEndpoint: number
  readonly leaseMs: number
  readonly token: string
  readonly exclude?: ReadonlyArray<string> | undefined
}

/**
 * How an attempt affects its endpoint's health: `ok` (a success: `failingSince` clears),
 * `failing` (a failure at `at`: `failingSince` is set if unset, and the endpoint is disabled with
 * reason `failing` once it has failed for `disableAfter` ms), `gone` (410: disabled at once with
 * reason `gone`), or `none` (the attempt says nothing about the endpoint: an aborted message).
 *
 * @category models
 * @since 0.1.0
 */
export type Health =
  | { readonly _tag: "ok" }
  | { readonly _tag: "failing"; readonly at: number; readonly disableAfter: number }
  | { readonly _tag: "gone"; readonly at: number }
  | { readonly _tag: "none" }

/**
 * An attempt's record, committed at once with the delivery's new state and the endpoint's
 * health. `disabledEvent` is written (to the outbox, or handed to the notifier) only if this
 * commit disables the endpoint; `events` always. When the endpoint is disabled, its other pending
 * deliveries fail with reason `endpoint_disabled` in the same commit.
 *
 * @category models
 * @since 0.1.0
 */
export interface Completion {
  readonly token: string
  readonly delivery: Delivery.Delivery
  readonly attempt: Delivery.Attempt
  readonly health: Health
  readonly disabledEvent: DomainEvent.DomainEvent
  readonly events: ReadonlyArray<DomainEvent.DomainEvent>
}

/**
 * Which deliveries to list: of an endpoint and/or status, queued after the `after` seq, at most
 * `limit` (oldest first).
 *
 * @category models
 * @since 0.1.0
 */
export interface DeliveryQuery {
  readonly endpointId?: string | undefined
  readonly status?: Delivery.Status | undefined
  readonly after?: number | undefined
  readonly limit: number
}

/**
 * The storage port of webhooks: endpoints, the delivery queue and attempts. Every write is
 * atomic. The queue's promises, which the contract suite checks on every adapter:
 *
 * - `enqueue` is idempotent by delivery id (an event handed over twice queues once) and numbers
 *   new deliveries in the order given (`seq`); per subject, `seq` order is commit order (two
 *   concurrent enqueues of one subject never interleave out of order). A delivery for an endpoint
 *   that is disabled or missing when the enqueue commits is stored `failed` (`endpoint_disabled`).
 * - `updateEndpoint` keeps the stored `failingSince` (the delivery workers' to manage) unless the
 *   status changes, so a management write never undoes a health change made meanwhile.
 * - `claim` leases due deliveries (pending, `nextAttemptAt <= now`, not leased, endpoint not
 *   disabled) that are the oldest pending delivery of their (endpoint, subject): a subject's
 *   deliveries to one endpoint go one at a time, in `seq` order. Concurrent claims (processes)
 *   never lease the same delivery while its lease runs.
 * - `complete` writes only while the claimer's lease holds (`false` otherwise, nothing
 *   written): the lease token still on the delivery (a lease past its time that nobody took over
 *   still holds) and the attempt number unique per delivery. It writes the delivery's state
 *   (status, attempts, next attempt, failure, last answer), never its identity or payload.
 * - `replay` leaves deliveries in flight (leased at `now`) alone.
 *
 * @category services
 * @since 0.1.0
 */
export class WebhookStore extends Context.Service<
  WebhookStore,
  {
    readonly insertEndpoint: (
      endpoint: Endpoint.Endpoint,
      events: ReadonlyArray<DomainEvent.DomainEvent>
    ) => Effect.Effect<void, EndpointConflict | WebhookStoreFailure>
    /**
     * Replaces the endpoint if its stored version is `expectedVersion`. When the new status is
     * `disabled`, its pending deliveries fail (`endpoint_disabled`) in the same commit.
     */
    readonly updateEndpoint: (
      endpoint: Endpoint.Endpoint,
      expectedVersion: number,
      events: ReadonlyArray<DomainEvent.DomainEvent>
    ) => Effect.Effect<void, EndpointConflict | EndpointNotFound | WebhookStoreFailure>
    readonly endpoint: (id: string) => Effect.Effect<Endpoint.Endpoint | undefined, WebhookStoreFailure>
    /** Endpoints of an owner (all when absent), or not disabled only (`receiving`), by id. */
    readonly endpoints: (query: {
      readonly owner?: string | undefined
      readonly receiving?: boolean | undefined
    }) => Effect.Effect<ReadonlyArray<Endpoint.Endpoint>, WebhookStoreFailure>
    /** Queues deliveries (skipping ids already queued); answers how many were newly queued as pending. */
    readonly enqueue: (
      deliveries: ReadonlyArray<Delivery.NewDelivery>
    ) => Effect.Effect<number, WebhookStoreFailure>
    readonly claim: (request: ClaimRequest) => Effect.Effect<ReadonlyArray<Claimed>, WebhookStoreFailure>
    /** Records an attempt; `held` is false (nothing written) when the lease was lost. */
    readonly complete: (
      completion: Completion
    ) => Effect.Effect<{ readonly held: boolean; readonly disabled: boolean }, WebhookStoreFailure>
    /** Gives a claimed delivery back without an attempt, due again at `nextAttemptAt`. */
    readonly release: (
      token: string,
      deliveryId: string,
      nextAttemptAt: number
    ) => Effect.Effect<void, WebhookStoreFailure>
    /**
     * Moves deliveries back to pending for a manual attempt due at `now`: one (`deliveryId`) or an
     * endpoint's created in `[from, to)`; succeeded and failed ones alike, not those in flight
     * (leased at `now`). Answers how many.
     */
    readonly replay: (
      request:
        | { readonly deliveryId: string; readonly now: number }
        | { readonly endpointId: string; readonly from: number; readonly to: number; readonly now: number }
    ) => Effect.Effect<number, WebhookStoreFailure>
    readonly delivery: (id: string) => Effect.Effect<Delivery.Delivery | undefined, WebhookStoreFailure>
    readonly deliveries: (
      query: DeliveryQuery
    ) => Effect.Effect<ReadonlyArray<Delivery.Delivery>, WebhookStoreFailure>
    readonly attempts: (
      deliveryId: string
    ) => Effect.Effect<ReadonlyArray<Delivery.Attempt>, WebhookStoreFailure>
  }
>()("@paykit/notify-webhook/WebhookStore") {}

/**
 * Disables an endpoint record (pure): status `disabled` with the reason, version and time moved.
 *
 * @category constructors
 * @since 0.1.0
 */
export const disabled = (
  e: Endpoint.Endpoint,
  reason: Endpoint.DisabledReason,
  at: number
): Endpoint.Endpoint => ({
  ...e,
  status: "disabled",
  disabledReason: reason,
  updatedAt: at,
  version: e.version + 1
})

/**
 * The endpoint after an attempt's health (pure): what every adapter writes. Answers the new
 * record (or the same one when nothing changes) and whether this disabled it.
 *
 * @category math
 * @since 0.1.0
 */
export const applyHealth = (
  e: Endpoint.Endpoint,
  health: Health
): { readonly endpoint: Endpoint.Endpoint; readonly disabledNow: boolean } => {
  switch (health._tag) {
    case "none":
      return { endpoint: e, disabledNow: false }
    case "ok": {
      if (e.failingSince === undefined) return { endpoint: e, disabledNow: false }
      const { failingSince: _, ...rest } = e
      return { endpoint: rest, disabledNow: false }
    }
    case "gone":
      return e.status === "disabled"
        ? { endpoint: e, disabledNow: false }
        : { endpoint: disabled(e, "gone", health.at), disabledNow: true }
    case "failing": {
      const since = e.failingSince ?? health.at
      const next = since === e.failingSince ? e : { ...e, failingSince: since }
      if (e.status !== "disabled" && health.at - since >= health.disableAfter)
        return { endpoint: disabled(next, "failing", health.at), disabledNow: true }
      return { endpoint: next, disabledNow: false }
    }
  }
}

/**
 * A memory store: everything in maps, for tests and single-process tools. Events go to the
 * `Notifier` after each commit. Not durable.
 *
 * @example
 * ```ts
 * import { WebhookStore } from "@paykit/notify-webhook"
 * import { Notifier } from "@paykit/core"
 * import { Layer } from "effect"
 * const layer = WebhookStore.layerMemory.pipe(Layer.provide(Notifier.layerMemory))
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<WebhookStore, never, Notifier.Notifier> = Layer.effect(
  WebhookStore,
  Effect.gen(function* () {
    const notifier = yield* Notifier.Notifier
    const endpoints = new Map<string, Endpoint.Endpoint>()
    const deliveries = new Map<string, Delivery.Delivery>()
    const queue: Array<Delivery.Delivery> = [] // by seq, for claims and lists
    const leases = new Map<string, { token: string; until: number }>()
    const attempts = new Map<string, Array<Delivery.Attempt>>()
    let seq = 0
    const notify = (events: ReadonlyArray<DomainEvent.DomainEvent>) =>
      Notifier.afterCommit(notifier, events, "webhooks")

    const failPending = (endpointId: string, at: number) => {
      for (const [id, d] of deliveries)
        if (d.endpointId === endpointId && d.status === "pending") {
          const { nextAttemptAt: _, ...rest } = d
          put({ ...rest, status: "failed", failureReason: "endpoint_disabled", updatedAt: at })
          leases.delete(id)
        }
    }
    const put = (d: Delivery.Delivery) => {
      deliveries.set(d.id, d)
      const i = queue.findIndex((q) => q.id === d.id)
      if (i >= 0) queue[i] = d
    }

    return WebhookStore.of({
      insertEndpoint: (endpoint, events) =>
        Effect.suspend(() => {
          const current = endpoints.get(endpoint.id)
          if (current !== undefined)
            return Effect.fail(
              new EndpointConflict({ endpointId: endpoint.id, expected: 0, actual: current.version })
            )
          endpoints.set(endpoint.id, endpoint)
          return notify(events)
        }),
      updateEndpoint: (endpoint, expectedVersion, events) =>
        Effect.suspend((): Effect.Effect<void, EndpointConflict | EndpointNotFound> => {
          const current = endpoints.get(endpoint.id)
          if (current === undefined) return Effect.fail(new EndpointNotFound({ endpointId: endpoint.id }))
          if (current.version !== expectedVersion)
            return Effect.fail(
              new EndpointConflict({
                endpointId: endpoint.id,
                expected: expectedVersion,
                actual: current.version
              })
            )
          // the stored health stays unless the status changes (workers manage failingSince)
          const { failingSince: _, ...rest } = endpoint
          const kept =
            endpoint.status !== current.status
              ? endpoint
              : current.failingSince === undefined
                ? rest
                : { ...rest, failingSince: current.failingSince }
          endpoints.set(endpoint.id, kept)
          if (endpoint.status === "disabled" && current.status !== "disabled")
            failPending(endpoint.id, endpoint.updatedAt)
          return notify(events)
        }),
      endpoint: (id) => Effect.sync(() => endpoints.get(id)),
      endpoints: (query) =>
        Effect.sync(() =>
          [...endpoints.values()]
            .filter(
              (e) =>
                (query.owner === undefined || e.owner === query.owner) &&
                (query.receiving !== true || e.status !== "disabled")
            )
            .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        ),
      enqueue: (news) =>
        Effect.sync(() => {
          let added = 0
          for (const n of news) {
            if (deliveries.has(n.id)) continue
            const endpoint = endpoints.get(n.endpointId)
            const receiving = endpoint !== undefined && endpoint.status !== "disabled"
            const { nextAttemptAt: _, ...rest } = n
            const d: Delivery.Delivery = receiving
              ? { ...n, seq: ++seq }
              : { ...rest, status: "failed", failureReason: "endpoint_disabled", seq: ++seq }
            deliveries.set(d.id, d)
            queue.push(d)
            if (receiving) added++
          }
          return added
        }),
      claim: (request) =>
        Effect.sync(() => {
          const out: Array<Claimed> = []
          const blocked = new Set<string>() // endpoint + subject with an older pending delivery
          const perEndpoint = new Map<string, number>()
          for (const d of queue) {
            if (out.length >= request.limit) break
            if (d.status !== "pending") continue
            const key = `${d.endpointId}\u0000${d.subject}`
            if (blocked.has(key)) continue
            blocked.add(key)
            const endpoint = endpoints.get(d.endpointId)
            if (endpoint === undefined || endpoint.status === "disabled") continue
            if (request.exclude?.includes(d.endpointId) === true) continue
            if ((d.nextAttemptAt ?? 0) > request.now) continue
            const lease = leases.get(d.id)
            if (lease !== undefined && lease.until > request.now) continue
            const n = perEndpoint.get(d.endpointId) ?? 0
            if (n >= request.perEndpoint) continue
            perEndpoint.set(d.endpointId, n + 1)
            leases.set(d.id, { token: request.token, until: request.now + request.leaseMs })
            out.push({ delivery: d, endpoint })
          }
          return out
        }),
      complete: (c) =>
        Effect.suspend((): Effect.Effect<{ readonly held: boolean; readonly disabled: boolean }> => {
          const lease = leases.get(c.delivery.id)
          const current = deliveries.get(c.delivery.id)
          if (lease?.token !== c.token || current === undefined || current.status !== "pending")
            return Effect.succeed({ held: false, disabled: false })
          const list = attempts.get(c.delivery.id) ?? []
          if (list.some((a) => a.number === c.attempt.number))
            return Effect.succeed({ held: false, disabled: false })
          list.push(c.attempt)
          attempts.set(c.delivery.id, list)
          leases.delete(c.delivery.id)
          put({ ...c.delivery, seq: current.seq })
          const endpoint = endpoints.get(c.delivery.endpointId)
          let disabledNow = false
          if (endpoint !== undefined) {
            const next = applyHealth(endpoint, c.health)
            endpoints.set(endpoint.id, next.endpoint)
            disabledNow = next.disabledNow
            if (disabledNow) failPending(endpoint.id, c.attempt.startedAt)
          }
          return Effect.as(notify(disabledNow ? [...c.events, c.disabledEvent] : c.events), {
            held: true,
            disabled: disabledNow
          })
        }),
      release: (token, deliveryId, nextAttemptAt) =>
        Effect.sync(() => {
          const lease = leases.get(deliveryId)
          const d = deliveries.get(deliveryId)
          if (lease?.token !== token || d === undefined || d.status !== "pending") return
          leases.delete(deliveryId)
          put({ ...d, nextAttemptAt })
        }),
      replay: (request) =>
        Effect.sync(() => {
          const targets =
            "deliveryId" in request
              ? [deliveries.get(request.deliveryId)].filter((d) => d !== undefined)
              : queue.filter(
                  (d) =>
                    d.endpointId === request.endpointId &&
                    d.createdAt >= request.from &&
                    d.createdAt < request.to
                )
          let n = 0
          for (const d of targets) {
            if (d.status === "pending" && d.nextKind === "manual") continue
            const lease = leases.get(d.id)
            if (lease !== undefined && lease.until > request.now) continue
            const { failureReason: _, ...rest } = d
            put({
              ...rest,
              status: "pending",
              nextAttemptAt: request.now,
              nextKind: "manual",
              updatedAt: request.now
            })
            leases.delete(d.id)
            n++
          }
          return n
        }),
      delivery: (id) => Effect.sync(() => deliveries.get(id)),
      deliveries: (query) =>
        Effect.sync(() =>
          queue
            .filter(
              (d) =>
                (query.endpointId === undefined || d.endpointId === query.endpointId) &&
                (query.status === undefined || d.status === query.status) &&
                (query.after === undefined || d.seq > query.after)
            )
            .slice(0, query.limit)
        ),
      attempts: (deliveryId) => Effect.sync(() => (attempts.get(deliveryId) ?? []).slice())
    })
  })
)
