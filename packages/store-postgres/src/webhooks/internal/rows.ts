import type { DomainEvent } from "@paykit/core"
import type { Delivery, Endpoint, WebhookStore } from "@paykit/notify-webhook"

// ---------------------------------------------------------------------------------------------
// What PostgreSQL cannot store exactly, found before any SQL is sent

/** A NUL, or a lone UTF-16 surrogate (text and jsonb refuse both; the driver would alter the second). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
const notText = (v: string): boolean => v.includes("\u0000") || LONE_SURROGATE.test(v)

/** The first value under `path` that is not JSON PostgreSQL's `jsonb` holds exactly, or `undefined`. */
const problemIn = (value: unknown, path: string, seen: Set<unknown>): string | undefined => {
  switch (typeof value) {
    case "string":
      return notText(value)
        ? `${path} holds a NUL or a lone surrogate, which PostgreSQL cannot hold`
        : undefined
    case "number":
      return Number.isFinite(value) ? undefined : `${path} is not a finite number`
    case "boolean":
    case "undefined":
      return undefined
    case "bigint":
      return `${path} is a bigint where JSON is expected`
    case "object": {
      if (value === null) return undefined
      if (seen.has(value)) return `${path} refers to itself`
      seen.add(value)
      for (const [k, v] of Object.entries(value)) {
        const at = `${path}.${k}`
        if (notText(k)) return `${at} (a key) holds a NUL or a lone surrogate`
        const found = problemIn(v, at, seen)
        if (found !== undefined) return found
      }
      seen.delete(value)
      return undefined
    }
    default:
      return `${path} is a ${typeof value}, not JSON`
  }
}

const text = (v: unknown, path: string): string | undefined =>
  typeof v !== "string"
    ? `${path} is not text`
    : notText(v)
      ? `${path} holds a NUL or a lone surrogate, which PostgreSQL text cannot hold`
      : undefined
const optionalText = (v: unknown, path: string): string | undefined =>
  v === undefined ? undefined : text(v, path)
const integer = (v: unknown, path: string): string | undefined =>
  Number.isSafeInteger(v) ? undefined : `${path} is not a safe integer`
const optionalInteger = (v: unknown, path: string): string | undefined =>
  v === undefined ? undefined : integer(v, path)
const oneOf = (v: unknown, values: ReadonlyArray<string>, path: string): string | undefined =>
  typeof v === "string" && values.includes(v) ? undefined : `${path} is not one of ${values.join(", ")}`
const optionalOneOf = (v: unknown, values: ReadonlyArray<string>, path: string): string | undefined =>
  v === undefined ? undefined : oneOf(v, values, path)
const json = (v: unknown, path: string): string | undefined =>
  v === undefined ? `${path} is missing` : problemIn(v, path, new Set())

const first = (...checks: ReadonlyArray<string | undefined>): string | undefined =>
  checks.find((c) => c !== undefined)

const DELIVERY_STATUSES = ["pending", "succeeded", "failed"] as const
const FAILURE_REASONS = ["exhausted", "aborted", "gone", "endpoint_disabled"] as const
const KINDS = ["initial", "retry", "manual"] as const

/** Why an endpoint cannot be stored exactly (the first field, by its path), or `undefined`. */
export const endpointProblem = (e: Endpoint.Endpoint, path = "endpoint"): string | undefined =>
  typeof e !== "object" || e === null
    ? `${path} is not an endpoint`
    : first(
        text(e.id, `${path}.id`),
        text(e.owner, `${path}.owner`),
        text(e.url, `${path}.url`),
        optionalText(e.description, `${path}.description`),
        Array.isArray(e.eventTypes)
          ? first(...e.eventTypes.map((t, i) => text(t, `${path}.eventTypes[${i}]`)))
          : `${path}.eventTypes is not an array`,
        oneOf(e.payload, ["thin", "full"], `${path}.payload`),
        Array.isArray(e.keys)
          ? first(
              ...e.keys.map((k, i) =>
                typeof k !== "object" || k === null
                  ? `${path}.keys[${i}] is not a key`
                  : first(
                      text(k.id, `${path}.keys[${i}].id`),
                      text(k.sealed, `${path}.keys[${i}].sealed`),
                      integer(k.createdAt, `${path}.keys[${i}].createdAt`),
                      optionalInteger(k.expiresAt, `${path}.keys[${i}].expiresAt`),
                      json(k, `${path}.keys[${i}]`)
                    )
              )
            )
          : `${path}.keys is not an array`,
        oneOf(e.status, ["active", "deprecated", "disabled"], `${path}.status`),
        optionalOneOf(e.disabledReason, ["by_owner", "gone", "failing"], `${path}.disabledReason`),
        optionalInteger(e.rateLimit, `${path}.rateLimit`),
        optionalInteger(e.failingSince, `${path}.failingSince`),
        typeof e.metadata === "object" && e.metadata !== null && !Array.isArray(e.metadata)
          ? json(e.metadata, `${path}.metadata`)
          : `${path}.metadata is not an object`,
        integer(e.createdAt, `${path}.createdAt`),
        integer(e.updatedAt, `${path}.updatedAt`),
        integer(e.version, `${path}.version`)
      )

/** Why a delivery (new or not: `seq` is not read) cannot be stored exactly, or `undefined`. */
export const deliveryProblem = (d: Delivery.NewDelivery, path: string): string | undefined =>
  typeof d !== "object" || d === null
    ? `${path} is not a delivery`
    : first(
        text(d.id, `${path}.id`),
        text(d.messageId, `${path}.messageId`),
        text(d.endpointId, `${path}.endpointId`),
        text(d.owner, `${path}.owner`),
        text(d.eventId, `${path}.eventId`),
        text(d.eventType, `${path}.eventType`),
        text(d.subject, `${path}.subject`),
        text(d.payload, `${path}.payload`),
        oneOf(d.status, DELIVERY_STATUSES, `${path}.status`),
        integer(d.attempts, `${path}.attempts`),
        optionalInteger(d.nextAttemptAt, `${path}.nextAttemptAt`),
        oneOf(d.nextKind, KINDS, `${path}.nextKind`),
        optionalOneOf(d.failureReason, FAILURE_REASONS, `${path}.failureReason`),
        optionalInteger(d.lastStatusCode, `${path}.lastStatusCode`),
        optionalText(d.lastError, `${path}.lastError`),
        integer(d.createdAt, `${path}.createdAt`),
        integer(d.updatedAt, `${path}.updatedAt`)
      )

const attemptProblem = (a: Delivery.Attempt, path: string): string | undefined =>
  typeof a !== "object" || a === null
    ? `${path} is not an attempt`
    : first(
        text(a.deliveryId, `${path}.deliveryId`),
        integer(a.number, `${path}.number`),
        oneOf(a.kind, KINDS, `${path}.kind`),
        integer(a.startedAt, `${path}.startedAt`),
        integer(a.latencyMs, `${path}.latencyMs`),
        optionalInteger(a.statusCode, `${path}.statusCode`),
        optionalText(a.error, `${path}.error`),
        optionalText(a.responseBody, `${path}.responseBody`),
        oneOf(a.outcome, ["succeeded", "retry", "failed"], `${path}.outcome`),
        optionalInteger(a.nextAttemptAt, `${path}.nextAttemptAt`)
      )

const eventProblem = (e: DomainEvent.DomainEvent, path: string): string | undefined =>
  typeof e !== "object" || e === null
    ? `${path} is not an event`
    : first(
        text(e.id, `${path}.id`),
        text(e.type, `${path}.type`),
        text(e.occurredAt, `${path}.occurredAt`),
        text(String(e.subject), `${path}.subject`),
        problemIn(e.data, `${path}.data`, new Set())
      )

/** Why the events of a write cannot be stored exactly, or `undefined`. */
export const eventsProblem = (
  events: ReadonlyArray<DomainEvent.DomainEvent>,
  path = "events"
): string | undefined =>
  Array.isArray(events)
    ? first(...events.map((e, i) => eventProblem(e, `${path}[${i}]`)))
    : `${path} is not an array`

const healthProblem = (h: WebhookStore.Health): string | undefined => {
  if (typeof h !== "object" || h === null) return "health is not a health"
  switch (h._tag) {
    case "ok":
    case "none":
      return undefined
    case "gone":
      return integer(h.at, "health.at")
    case "failing":
      return first(integer(h.at, "health.at"), integer(h.disableAfter, "health.disableAfter"))
    default:
      return "health._tag is not one of ok, failing, gone, none"
  }
}

/** Why a completion cannot be stored exactly, or `undefined`. */
export const completionProblem = (c: WebhookStore.Completion): string | undefined =>
  first(
    text(c.token, "token"),
    deliveryProblem(c.delivery, "delivery"),
    attemptProblem(c.attempt, "attempt"),
    c.attempt?.deliveryId === c.delivery?.id ? undefined : "attempt.deliveryId is not delivery.id",
    healthProblem(c.health),
    eventProblem(c.disabledEvent, "disabledEvent"),
    eventsProblem(c.events)
  )

/** Why a claim request cannot be sent, or `undefined`. */
export const claimProblem = (r: WebhookStore.ClaimRequest): string | undefined =>
  first(
    text(r.token, "token"),
    integer(r.now, "now"),
    integer(r.leaseMs, "leaseMs"),
    typeof r.limit === "number" && !Number.isNaN(r.limit) ? undefined : "limit is not a number",
    typeof r.perEndpoint === "number" && !Number.isNaN(r.perEndpoint)
      ? undefined
      : "perEndpoint is not a number",
    r.exclude === undefined
      ? undefined
      : Array.isArray(r.exclude)
        ? first(...r.exclude.map((id, i) => text(id, `exclude[${i}]`)))
        : "exclude is not an array"
  )

/** Why one of the named text arguments of a call cannot be sent (NUL or lone surrogate), or `undefined`. */
export const argumentProblem = (args: Readonly<Record<string, string | undefined>>): string | undefined => {
  for (const [name, v] of Object.entries(args))
    if (v !== undefined) {
      const p = text(v, name)
      if (p !== undefined) return p
    }
  return undefined
}

/** Why one of the named time arguments of a call is not a safe integer, or `undefined`. */
export const integerProblem = (args: Readonly<Record<string, number>>): string | undefined =>
  first(...Object.entries(args).map(([name, v]) => integer(v, name)))

// ---------------------------------------------------------------------------------------------
// Rows as writes send them (JSON) and as reads return them (numbers and JSON as text)

/** A new delivery as one element of `enqueue`'s JSON array. */
export const deliveryJson = (d: Delivery.NewDelivery) => ({
  id: d.id,
  messageId: d.messageId,
  endpointId: d.endpointId,
  owner: d.owner,
  eventId: d.eventId,
  eventType: d.eventType,
  subject: d.subject,
  payload: d.payload,
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: d.nextAttemptAt ?? null,
  nextKind: d.nextKind,
  failureReason: d.failureReason ?? null,
  lastStatusCode: d.lastStatusCode ?? null,
  lastError: d.lastError ?? null,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt
})

/** The columns of an endpoint of table alias `t` as reads select them, each named `<prefix><column>`. */
export const endpointColumns = (t: string, prefix = ""): string =>
  `${t}.id AS ${prefix}id, ${t}.owner AS ${prefix}owner, ${t}.url AS ${prefix}url,
  ${t}.description AS ${prefix}description, ${t}.event_types::text AS ${prefix}event_types,
  ${t}.payload AS ${prefix}payload, ${t}.keys::text AS ${prefix}keys, ${t}.status AS ${prefix}status,
  ${t}.disabled_reason AS ${prefix}disabled_reason, ${t}.rate_limit::text AS ${prefix}rate_limit,
  ${t}.failing_since::text AS ${prefix}failing_since, ${t}.metadata::text AS ${prefix}metadata,
  ${t}.created_at::text AS ${prefix}created_at, ${t}.updated_at::text AS ${prefix}updated_at,
  ${t}.version::text AS ${prefix}version`

/** An endpoint row as selected with {@link endpointColumns} (without a prefix). */
export interface EndpointRow {
  readonly id: string
  readonly owner: string
  readonly url: string
  readonly description: string | null
  readonly event_types: string
  readonly payload: string
  readonly keys: string
  readonly status: string
  readonly disabled_reason: string | null
  readonly rate_limit: string | null
  readonly failing_since: string | null
  readonly metadata: string
  readonly created_at: string
  readonly updated_at: string
  readonly version: string
}

/** The columns of a delivery of table alias `t` as reads select them. */
export const deliveryColumns = (t: string): string =>
  `${t}.id, ${t}.seq::text AS seq, ${t}.message_id, ${t}.endpoint_id, ${t}.owner, ${t}.event_id,
  ${t}.event_type, ${t}.subject, ${t}.payload, ${t}.status, ${t}.attempts::text AS attempts,
  ${t}.next_attempt_at::text AS next_attempt_at, ${t}.next_kind, ${t}.failure_reason,
  ${t}.last_status_code::text AS last_status_code, ${t}.last_error, ${t}.created_at::text AS created_at,
  ${t}.updated_at::text AS updated_at`

/** A delivery row as selected with {@link deliveryColumns}. */
export interface DeliveryRow {
  readonly id: string
  readonly seq: string
  readonly message_id: string
  readonly endpoint_id: string
  readonly owner: string
  readonly event_id: string
  readonly event_type: string
  readonly subject: string
  readonly payload: string
  readonly status: string
  readonly attempts: string
  readonly next_attempt_at: string | null
  readonly next_kind: string
  readonly failure_reason: string | null
  readonly last_status_code: string | null
  readonly last_error: string | null
  readonly created_at: string
  readonly updated_at: string
}

/** The columns of an attempt as reads select them. */
export const ATTEMPT_COLUMNS = `delivery_id, number::text AS number, kind, started_at::text AS started_at,
  latency_ms::text AS latency_ms, status_code::text AS status_code, error, response_body, outcome,
  next_attempt_at::text AS next_attempt_at`

/** An attempt row as selected with {@link ATTEMPT_COLUMNS}. */
export interface AttemptRow {
  readonly delivery_id: string
  readonly number: string
  readonly kind: string
  readonly started_at: string
  readonly latency_ms: string
  readonly status_code: string | null
  readonly error: string | null
  readonly response_body: string | null
  readonly outcome: string
  readonly next_attempt_at: string | null
}

const num = (v: unknown): number => {
  const n = Number(String(v))
  if (!Number.isSafeInteger(n)) throw new Error(`${String(v)} is not a safe integer`)
  return n
}

const jsonOf = (v: unknown): unknown => (typeof v === "string" ? JSON.parse(v) : v)

/** A stored endpoint, or throws saying why it does not read (the caller makes it a `WebhookStoreFailure`). */
export const endpointOf = (r: EndpointRow): Endpoint.Endpoint => ({
  id: r.id,
  owner: r.owner,
  url: r.url,
  ...(r.description === null ? {} : { description: r.description }),
  eventTypes: jsonOf(r.event_types) as ReadonlyArray<string>,
  payload: r.payload as Endpoint.PayloadStyle,
  keys: jsonOf(r.keys) as ReadonlyArray<Endpoint.SigningKey>,
  status: r.status as Endpoint.Status,
  ...(r.disabled_reason === null ? {} : { disabledReason: r.disabled_reason as Endpoint.DisabledReason }),
  ...(r.rate_limit === null ? {} : { rateLimit: num(r.rate_limit) }),
  ...(r.failing_since === null ? {} : { failingSince: num(r.failing_since) }),
  metadata: jsonOf(r.metadata) as Readonly<Record<string, string>>,
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
  version: num(r.version)
})

/** The endpoint columns selected with a prefix (`e_id`, …) of a joined row, as an {@link EndpointRow}. */
export const prefixedEndpointRow = (r: Readonly<Record<string, unknown>>, prefix: string): EndpointRow =>
  Object.fromEntries(
    Object.entries(r)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), v])
  ) as unknown as EndpointRow

/** A stored delivery (throws when it does not read). */
export const deliveryOf = (r: DeliveryRow): Delivery.Delivery => ({
  id: r.id,
  messageId: r.message_id,
  endpointId: r.endpoint_id,
  owner: r.owner,
  eventId: r.event_id,
  eventType: r.event_type,
  subject: r.subject,
  seq: num(r.seq),
  payload: r.payload,
  status: r.status as Delivery.Status,
  attempts: num(r.attempts),
  ...(r.next_attempt_at === null ? {} : { nextAttemptAt: num(r.next_attempt_at) }),
  nextKind: r.next_kind as Delivery.AttemptKind,
  ...(r.failure_reason === null ? {} : { failureReason: r.failure_reason as Delivery.FailureReason }),
  ...(r.last_status_code === null ? {} : { lastStatusCode: num(r.last_status_code) }),
  ...(r.last_error === null ? {} : { lastError: r.last_error }),
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at)
})

/** A stored attempt (throws when it does not read). */
export const attemptOf = (r: AttemptRow): Delivery.Attempt => ({
  deliveryId: r.delivery_id,
  number: num(r.number),
  kind: r.kind as Delivery.AttemptKind,
  startedAt: num(r.started_at),
  latencyMs: num(r.latency_ms),
  ...(r.status_code === null ? {} : { statusCode: num(r.status_code) }),
  ...(r.error === null ? {} : { error: r.error }),
  ...(r.response_body === null ? {} : { responseBody: r.response_body }),
  outcome: r.outcome as Delivery.Attempt["outcome"],
  ...(r.next_attempt_at === null ? {} : { nextAttemptAt: num(r.next_attempt_at) })
})
