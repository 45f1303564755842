import type { DomainEvent } from "@paykit/core"
import { Clock, Deferred, Effect, Option, Result } from "effect"
import * as Delivery from "../Delivery.ts"
import * as Endpoint from "../Endpoint.ts"
import type { SecretUnreadable } from "../errors.ts"
import type { HttpTransport } from "../HttpTransport.ts"
import type * as RetrySchedule from "../RetrySchedule.ts"
import type { SecretBox } from "../SecretBox.ts"
import * as Signing from "../Signing.ts"
import type { WebhookStore } from "../WebhookStore.ts"
import type { PassResult } from "../Webhooks.ts"

/**
 * Wakes the worker loop: queuing deliveries and finishing attempts signal it; the loop waits for
 * a signal or the poll interval, whichever comes first.
 */
export interface Wake {
  readonly current: () => Deferred.Deferred<void>
  readonly signal: Effect.Effect<void>
  readonly wait: (seen: Deferred.Deferred<void>, ms: number) => Effect.Effect<void>
}

export const makeWake = (): Wake => {
  let deferred = Deferred.makeUnsafe<void>()
  return {
    current: () => deferred,
    signal: Effect.suspend(() => Deferred.succeed(deferred, undefined)),
    wait: (seen, ms) =>
      Deferred.await(seen).pipe(
        Effect.timeoutOption(ms),
        Effect.andThen(
          Effect.sync(() => {
            if (seen === deferred) deferred = Deferred.makeUnsafe<void>()
          })
        )
      )
  }
}

/** What the delivery worker needs from the service. */
export interface Deps {
  readonly store: WebhookStore["Service"]
  readonly transport: HttpTransport["Service"]
  readonly box: SecretBox
  readonly events: (
    drafts: ReadonlyArray<DomainEvent.Draft>
  ) => Effect.Effect<ReadonlyArray<DomainEvent.DomainEvent>>
  readonly wake: Wake
  readonly token: string
  readonly schedule: RetrySchedule.RetrySchedule
  readonly timeoutMs: number
  readonly disableAfter: number
  readonly concurrency: number
  readonly perEndpoint: number
  readonly pollMs: number
  readonly leaseMs: number
  readonly userAgent: string
  readonly allowPrivate: boolean
}

/** The delivery worker: one attempt, a pass, passes until idle, and the long-lived loop. */
export const make = (deps: Deps) => {
  const {
    store,
    transport,
    box,
    events,
    wake,
    token,
    schedule,
    timeoutMs,
    disableAfter,
    concurrency,
    perEndpoint,
    pollMs,
    leaseMs,
    userAgent
  } = deps
  const buckets = new Map<string, { tokens: number; at: number }>()
  /** Takes a token of the endpoint's rate limit; answers the wait (ms) when none is left. */
  const takeToken = (e: Endpoint.Endpoint, now: number): number => {
    if (e.rateLimit === undefined) return 0
    const b = buckets.get(e.id) ?? { tokens: e.rateLimit, at: now }
    const tokens = Math.min(e.rateLimit, b.tokens + ((now - b.at) * e.rateLimit) / 1000)
    if (tokens < 1) {
      buckets.set(e.id, { tokens, at: now })
      return Math.ceil(((1 - tokens) * 1000) / e.rateLimit)
    }
    buckets.set(e.id, { tokens: tokens - 1, at: now })
    return 0
  }

  /** One attempt of a claimed delivery, recorded. */
  const attempt = (claimed: { delivery: Delivery.Delivery; endpoint: Endpoint.Endpoint }) =>
    Effect.gen(function* () {
      const { delivery, endpoint } = claimed
      const startedAt = yield* Clock.currentTimeMillis
      const wait = takeToken(endpoint, startedAt)
      if (wait > 0) {
        yield* store.release(token, delivery.id, startedAt + wait)
        return "deferred" as const
      }
      const keys: Array<string> = []
      let unreadable: SecretUnreadable | undefined
      for (const k of Endpoint.signingKeys(endpoint, startedAt)) {
        const opened = box.open(endpoint.id, k.sealed)
        if (Result.isSuccess(opened)) keys.push(opened.success)
        else unreadable = opened.failure
      }
      const timestamp = Math.floor(startedAt / 1000)
      const signature =
        keys.length === 0
          ? undefined
          : Signing.sign({ id: delivery.messageId, timestamp, payload: delivery.payload, keys })
      const response: Delivery.Response =
        signature === undefined || Result.isFailure(signature)
          ? {
              _tag: "NoResponse",
              kind: "network",
              detail: `not sent: no signing key (${unreadable?.message ?? (signature !== undefined && Result.isFailure(signature) ? signature.failure.message : "none active")})`
            }
          : yield* transport
              .post({
                url: endpoint.url,
                allowPrivate: deps.allowPrivate,
                body: delivery.payload,
                headers: {
                  "content-type": "application/json",
                  "user-agent": userAgent,
                  "webhook-id": delivery.messageId,
                  "webhook-timestamp": String(timestamp),
                  "webhook-signature": signature.success
                }
              })
              .pipe(
                Effect.timeoutOption(timeoutMs),
                Effect.map(
                  Option.getOrElse(
                    (): Delivery.Response => ({
                      _tag: "NoResponse",
                      kind: "timeout",
                      detail: `no complete answer within ${timeoutMs} ms`
                    })
                  )
                )
              )
      const endedAt = yield* Clock.currentTimeMillis
      const {
        next,
        attempt: record,
        verdict,
        failureReason
      } = Delivery.settle(delivery, response, {
        schedule,
        startedAt,
        endedAt
      })
      const status = next.status
      const number = record.number
      const [disabledEvent, ...failedEvents] = yield* events([
        {
          type: "webhooks.endpoint.disabled",
          subject: endpoint.id,
          at: endedAt,
          data: {
            endpointId: endpoint.id,
            owner: endpoint.owner,
            url: endpoint.url,
            status: "disabled",
            reason: verdict._tag === "gone" ? "gone" : "failing"
          }
        },
        ...(status === "failed"
          ? [
              {
                type: "webhooks.delivery.failed",
                subject: endpoint.id,
                at: endedAt,
                data: {
                  endpointId: endpoint.id,
                  owner: endpoint.owner,
                  deliveryId: delivery.id,
                  eventId: delivery.eventId,
                  eventType: delivery.eventType,
                  reason: failureReason,
                  attempts: number
                }
              }
            ]
          : [])
      ])
      const recorded = yield* store.complete({
        token,
        delivery: next,
        attempt: record,
        health:
          verdict._tag === "succeeded"
            ? { _tag: "ok" }
            : verdict._tag === "gone"
              ? { _tag: "gone", at: endedAt }
              : verdict._tag === "aborted"
                ? { _tag: "none" }
                : { _tag: "failing", at: endedAt, disableAfter },
        disabledEvent: disabledEvent as DomainEvent.DomainEvent,
        events: failedEvents
      })
      // the lease was lost (taken over after it lapsed, or the delivery replayed): the attempt
      // went out but is not this worker's to record
      if (!recorded.held) return "lost" as const
      return status === "succeeded"
        ? ("succeeded" as const)
        : status === "pending"
          ? ("retry" as const)
          : ("failed" as const)
    })

  /**
   * One pass: claims what is due now (up to `concurrency`, `perEndpoint` each), attempts them
   * concurrently, records each. For schedulers and tests; `run` is the long-lived worker.
   */
  const deliverDue = Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const claimed = yield* store.claim({ now, limit: concurrency, perEndpoint, leaseMs, token })
    const outcomes = yield* Effect.forEach(claimed, attempt, { concurrency })
    return {
      attempted: outcomes.filter((o) => o !== "deferred").length,
      succeeded: outcomes.filter((o) => o === "succeeded").length,
      retried: outcomes.filter((o) => o === "retry").length,
      failed: outcomes.filter((o) => o === "failed").length,
      deferred: outcomes.filter((o) => o === "deferred").length,
      lost: outcomes.filter((o) => o === "lost").length
    } satisfies PassResult
  })

  /** Passes until nothing is due now. */
  const drain = Effect.gen(function* () {
    const total = { attempted: 0, succeeded: 0, retried: 0, failed: 0, deferred: 0, lost: 0 }
    while (true) {
      const r = yield* deliverDue
      total.attempted += r.attempted
      total.succeeded += r.succeeded
      total.retried += r.retried
      total.lost += r.lost
      total.failed += r.failed
      total.deferred += r.deferred
      if (r.attempted === 0) return total as PassResult
    }
  })

  /**
   * The long-lived worker: keeps up to `concurrency` attempts in flight (`perEndpoint` per
   * endpoint), claiming more as each finishes — an endpoint that times out holds its own slots
   * only, never another's — and sleeps `pollIntervalMs` when nothing is due (woken at once when
   * this process queues deliveries). Store failures are logged and retried.
   */
  const run = Effect.gen(function* () {
    let inFlight = 0
    const byEndpoint = new Map<string, number>()
    // claim in batches of at least a quarter of the slots while attempts are in flight: one claim
    // per finished attempt would cost a store round trip per delivery
    const minClaim = Math.max(1, Math.floor(concurrency / 4))
    while (true) {
      const signal = wake.current()
      const free = concurrency - inFlight
      let claimedCount = 0
      if (free >= minClaim || (free > 0 && inFlight === 0)) {
        const now = yield* Clock.currentTimeMillis
        const claimed = yield* store
          .claim({
            now,
            limit: free,
            perEndpoint,
            leaseMs,
            token,
            exclude: [...byEndpoint].filter(([, n]) => n >= perEndpoint).map(([id]) => id)
          })
          .pipe(
            Effect.catchTag("WebhookStoreFailure", (e) =>
              Effect.as(Effect.logWarning(`paykit webhooks: ${e.message}`), [])
            )
          )
        claimedCount = claimed.length
        for (const c of claimed) {
          const busy = byEndpoint.get(c.endpoint.id) ?? 0
          if (busy >= perEndpoint) {
            yield* Effect.ignore(store.release(token, c.delivery.id, c.delivery.nextAttemptAt ?? now))
            continue
          }
          inFlight++
          byEndpoint.set(c.endpoint.id, busy + 1)
          yield* Effect.forkChild(
            attempt(c).pipe(
              Effect.catchCause((cause) => Effect.logWarning("paykit webhooks: attempt not recorded", cause)),
              Effect.ensuring(
                Effect.suspend(() => {
                  inFlight--
                  const left = (byEndpoint.get(c.endpoint.id) ?? 1) - 1
                  if (left === 0) byEndpoint.delete(c.endpoint.id)
                  else byEndpoint.set(c.endpoint.id, left)
                  return wake.signal
                })
              )
            )
          )
        }
      }
      if (claimedCount === 0 || concurrency - inFlight < minClaim) yield* wake.wait(signal, pollMs)
    }
  })

  return { deliverDue, drain, run }
}
