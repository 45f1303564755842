import type { DomainEvent } from "@paykit/core"
import * as Endpoint from "./Endpoint.ts"
import * as RetrySchedule from "./RetrySchedule.ts"

/**
 * A delivery's statuses: `pending` (waiting for its next attempt), `succeeded` (a 2xx arrived
 * in time) and `failed` (given up: the schedule ran out, the receiver sent the abort header or
 * 410 Gone, or its endpoint was disabled). A manual replay moves it back to `pending`.
 *
 * @category models
 * @since 0.1.0
 */
export type Status = "pending" | "succeeded" | "failed"

/**
 * Why a delivery failed for good.
 *
 * @category models
 * @since 0.1.0
 */
export type FailureReason = "exhausted" | "aborted" | "gone" | "endpoint_disabled"

/**
 * One event on its way to one endpoint. `id` (`dlv_<endpoint>_<event>`) and `messageId`
 * (`msg_<event id>`, sent as `webhook-id`) are derived from the event and endpoint, so the same
 * event handed over twice (the outbox relay is at least once) queues one delivery, and every
 * attempt of it carries the same `webhook-id`: a receiver that deduplicates by it acts once.
 * `subject` is the event's aggregate, the ordering key; `seq` orders deliveries as they were
 * queued (outbox order).
 *
 * @category models
 * @since 0.1.0
 */
export interface Delivery {
  readonly id: string
  readonly messageId: string
  readonly endpointId: string
  readonly owner: string
  readonly eventId: string
  readonly eventType: string
  readonly subject: string
  readonly seq: number
  /** The body sent, exactly (signatures cover these bytes). */
  readonly payload: string
  readonly status: Status
  readonly attempts: number
  /** When the next attempt is due (pending deliveries). */
  readonly nextAttemptAt?: number
  /** The kind of the next attempt: a manual replay is `manual`. */
  readonly nextKind: AttemptKind
  readonly failureReason?: FailureReason
  readonly lastStatusCode?: number
  readonly lastError?: string
  readonly createdAt: number
  readonly updatedAt: number
}

/**
 * How an attempt came about: the first (`initial`), a scheduled retry (`retry`), or a replay an
 * operator asked for (`manual`).
 *
 * @category models
 * @since 0.1.0
 */
export type AttemptKind = "initial" | "retry" | "manual"

/**
 * One HTTP attempt of a delivery: its number (1-based, unique per delivery), kind, when it
 * started, how long it took, the response code (absent on a timeout or network error), the
 * error, the first kilobyte of the response body, and what was decided.
 *
 * @category models
 * @since 0.1.0
 */
export interface Attempt {
  readonly deliveryId: string
  readonly number: number
  readonly kind: AttemptKind
  readonly startedAt: number
  readonly latencyMs: number
  readonly statusCode?: number
  readonly error?: string
  readonly responseBody?: string
  readonly outcome: "succeeded" | "retry" | "failed"
  readonly nextAttemptAt?: number
}

/**
 * What came back from one HTTP attempt: a response (status, lower-cased headers, a prefix of
 * the body) or a failure before any response (`timeout`, `network`, `forbidden_address`).
 *
 * @category models
 * @since 0.1.0
 */
export type Response =
  | {
      readonly _tag: "Response"
      readonly status: number
      readonly headers: Readonly<Record<string, string>>
      readonly body: string
    }
  | {
      readonly _tag: "NoResponse"
      readonly kind: "timeout" | "network" | "forbidden_address"
      readonly detail: string
    }

/**
 * What an attempt's answer means: `succeeded` (2xx), `retry` (3xx, 4xx other than 410, 5xx, a
 * timeout or network error; with the `Retry-After` delay when the response had one), `gone`
 * (410: the endpoint is disabled), `aborted` (the `webhook-delivery: abort-message` header on
 * any non-2xx answer: this message is not retried).
 *
 * @example
 * ```ts
 * import { Delivery } from "@paykit/notify-webhook"
 * Delivery.classify({ _tag: "Response", status: 204, headers: {}, body: "" }, 0)._tag // "succeeded"
 * Delivery.classify({ _tag: "Response", status: 302, headers: {}, body: "" }, 0)._tag // "retry"
 * ```
 * @category math
 * @since 0.1.0
 */
export const classify = (
  response: Response,
  now: number
):
  | { readonly _tag: "succeeded" }
  | { readonly _tag: "retry"; readonly retryAfter?: number }
  | { readonly _tag: "gone" }
  | { readonly _tag: "aborted" } => {
  if (response._tag === "NoResponse") return { _tag: "retry" }
  if (response.status >= 200 && response.status < 300) return { _tag: "succeeded" }
  if ((response.headers["webhook-delivery"] ?? "").trim().toLowerCase() === "abort-message")
    return { _tag: "aborted" }
  if (response.status === 410) return { _tag: "gone" }
  const retryAfter = RetrySchedule.parseRetryAfter(response.headers["retry-after"], now)
  return retryAfter === undefined ? { _tag: "retry" } : { _tag: "retry", retryAfter }
}

/**
 * The delivery id of an event for an endpoint.
 *
 * @category constructors
 * @since 0.1.0
 */
export const idOf = (endpointId: string, eventId: string): string => `dlv_${endpointId}_${eventId}`

/**
 * The `webhook-id` of an event: the same for every endpoint and every attempt.
 *
 * @category constructors
 * @since 0.1.0
 */
export const messageIdOf = (eventId: string): string => `msg_${eventId}`

/**
 * The body an endpoint receives for an event, Standard Webhooks' shape (`type`, `timestamp`,
 * `data`). `full`: the event's data. `thin`: the event id, its subject (the aggregate id) and,
 * when `link` gives one, a URL to fetch the current object from, so no stale or sensitive data
 * travels and the receiver reads the truth.
 *
 * @example
 * ```ts
 * import { Delivery } from "@paykit/notify-webhook"
 * const event = { id: "01J0000000000000000000000A", type: "payments.payment.succeeded", occurredAt: "2026-01-01T00:00:00.000Z", subject: "pay_1", data: { amount: "100" } }
 * Delivery.payloadOf(event, "thin")
 * // '{"type":"payments.payment.succeeded","timestamp":"2026-01-01T00:00:00.000Z","data":{"id":"01J0000000000000000000000A","subject":"pay_1"}}'
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const payloadOf = (
  event: DomainEvent.DomainEvent,
  style: Endpoint.PayloadStyle,
  link?: (event: DomainEvent.DomainEvent) => string | undefined
): string => {
  if (style === "full")
    return JSON.stringify({ type: event.type, timestamp: event.occurredAt, data: event.data }, jsonSafe)
  const url = link?.(event)
  return JSON.stringify({
    type: event.type,
    timestamp: event.occurredAt,
    data: { id: event.id, subject: event.subject, ...(url === undefined ? {} : { url }) }
  })
}

/** bigint as its decimal string (the way paykit carries money in JSON). */
const jsonSafe = (_key: string, value: unknown): unknown =>
  typeof value === "bigint" ? value.toString() : value

/**
 * The owner of an event by default: its `data.merchant` (or `data.merchantId`, `data.owner`)
 * when it is a string; undefined otherwise (then only platform endpoints receive it).
 *
 * @example
 * ```ts
 * import { Delivery } from "@paykit/notify-webhook"
 * Delivery.defaultOwnerOf({ id: "01J0000000000000000000000A", type: "a.b", occurredAt: "2026-01-01T00:00:00.000Z", subject: "s", data: { merchant: "m_1" } }) // "m_1"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const defaultOwnerOf = (event: DomainEvent.DomainEvent): string | undefined => {
  const d = event.data
  if (typeof d !== "object" || d === null) return undefined
  for (const k of ["merchant", "merchantId", "owner"]) {
    const v = (d as Record<string, unknown>)[k]
    if (typeof v === "string" && v !== "") return v
  }
  return undefined
}

/**
 * A delivery to queue, before the store numbers it.
 *
 * @category models
 * @since 0.1.0
 */
export type NewDelivery = Omit<Delivery, "seq">

/**
 * Fans events out to the endpoints that receive them (pure): one new delivery per (event,
 * subscribed endpoint), in event order, due at `now`. Endpoints are matched by status, owner and
 * filter (`Endpoint.receives`).
 *
 * @example
 * ```ts
 * import { Delivery } from "@paykit/notify-webhook"
 * Delivery.plan([], [], { now: 0 }) // []
 * ```
 * @category math
 * @since 0.1.0
 */
export const plan = (
  events: ReadonlyArray<DomainEvent.DomainEvent>,
  endpoints: ReadonlyArray<Endpoint.Endpoint>,
  options: {
    readonly now: number
    readonly ownerOf?: (event: DomainEvent.DomainEvent) => string | undefined
    readonly link?: (event: DomainEvent.DomainEvent) => string | undefined
  }
): Array<NewDelivery> => {
  const ownerOf = options.ownerOf ?? defaultOwnerOf
  const out: Array<NewDelivery> = []
  for (const event of events) {
    const owner = ownerOf(event)
    let thin: string | undefined
    let full: string | undefined
    for (const endpoint of endpoints) {
      if (!Endpoint.receives(endpoint, event.type, owner)) continue
      // an endpoint is never told about itself (a failing endpoint's own failure events would
      // fail in turn, for ever)
      if (event.type.startsWith("webhooks.") && event.subject === endpoint.id) continue
      if (endpoint.payload === "full" && full === undefined) full = payloadOf(event, "full")
      if (endpoint.payload === "thin" && thin === undefined) thin = payloadOf(event, "thin", options.link)
      const payload = (endpoint.payload === "full" ? full : thin) as string
      out.push({
        id: idOf(endpoint.id, event.id),
        messageId: messageIdOf(event.id),
        endpointId: endpoint.id,
        owner: endpoint.owner,
        eventId: event.id,
        eventType: event.type,
        subject: event.subject,
        payload,
        status: "pending",
        attempts: 0,
        nextAttemptAt: options.now,
        nextKind: "initial",
        createdAt: options.now,
        updatedAt: options.now
      })
    }
  }
  return out
}

/**
 * What an attempt's answer does to its delivery (pure): the delivery's next state (pending with
 * its next attempt time from the schedule and any `Retry-After`, succeeded, or failed with the
 * reason), the attempt's record, and the verdict (which the endpoint's health follows).
 *
 * @example
 * ```ts
 * import { Delivery, RetrySchedule } from "@paykit/notify-webhook"
 * declare const d: Delivery.Delivery
 * const r = Delivery.settle(d, { _tag: "Response", status: 500, headers: {}, body: "" }, { schedule: RetrySchedule.svix, startedAt: 0, endedAt: 10 })
 * r.next.nextAttemptAt // 5010 after a first attempt
 * ```
 * @category math
 * @since 0.1.0
 */
export const settle = (
  delivery: Delivery,
  response: Response,
  at: { readonly schedule: RetrySchedule.RetrySchedule; readonly startedAt: number; readonly endedAt: number }
): {
  readonly next: Delivery
  readonly attempt: Attempt
  readonly verdict: ReturnType<typeof classify>
  readonly failureReason: FailureReason | undefined
} => {
  const { endedAt } = at
  const number = delivery.attempts + 1
  const verdict = classify(response, endedAt)
  const nextAt =
    verdict._tag === "retry"
      ? RetrySchedule.next(at.schedule, number, endedAt, verdict.retryAfter)
      : undefined
  const status: Status =
    verdict._tag === "succeeded"
      ? "succeeded"
      : verdict._tag === "retry" && nextAt !== undefined
        ? "pending"
        : "failed"
  const failureReason: FailureReason | undefined =
    status !== "failed"
      ? undefined
      : verdict._tag === "retry"
        ? "exhausted"
        : verdict._tag === "gone"
          ? "gone"
          : "aborted"
  const code = response._tag === "Response" ? response.status : undefined
  const error =
    response._tag === "NoResponse"
      ? `${response.kind}: ${response.detail}`.slice(0, 500)
      : verdict._tag === "succeeded"
        ? undefined
        : `HTTP ${response.status}`
  const { nextAttemptAt: _n, failureReason: _f, lastStatusCode: _c, lastError: _e, ...base } = delivery
  const next: Delivery = {
    ...base,
    status,
    attempts: number,
    nextKind: "retry",
    ...(nextAt === undefined || status !== "pending" ? {} : { nextAttemptAt: nextAt }),
    ...(failureReason === undefined ? {} : { failureReason }),
    ...(code === undefined ? {} : { lastStatusCode: code }),
    ...(error === undefined ? {} : { lastError: error }),
    updatedAt: endedAt
  }
  const attempt: Attempt = {
    deliveryId: delivery.id,
    number,
    kind: delivery.nextKind,
    startedAt: at.startedAt,
    latencyMs: endedAt - at.startedAt,
    ...(code === undefined ? {} : { statusCode: code }),
    ...(error === undefined ? {} : { error }),
    ...(response._tag === "Response" && response.body !== "" ? { responseBody: response.body } : {}),
    outcome: status === "succeeded" ? "succeeded" : status === "pending" ? "retry" : "failed",
    ...(next.nextAttemptAt === undefined ? {} : { nextAttemptAt: next.nextAttemptAt })
  }
  return { next, attempt, verdict, failureReason }
}
