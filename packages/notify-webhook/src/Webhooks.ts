import { Client, DomainEvent, Ids, Input, type InvalidInput, Notifier, StateMachine } from "@paykit/core"
import { Clock, Context, Effect, Layer, Schema } from "effect"
import * as Delivery from "./Delivery.ts"
import * as Endpoint from "./Endpoint.ts"
import * as EndpointUrl from "./EndpointUrl.ts"
import {
  DeliveryNotFound,
  type EndpointConflict,
  EndpointNotFound,
  type InvalidEndpointUrl,
  PayloadTooLarge,
  UnknownEventType,
  type WebhookStoreFailure
} from "./errors.ts"
import { HttpTransport } from "./HttpTransport.ts"
import * as EventTypes from "./EventTypes.ts"
import * as RetrySchedule from "./RetrySchedule.ts"
import type { SecretBox } from "./SecretBox.ts"
import * as Signing from "./Signing.ts"
import * as Worker from "./internal/worker.ts"
import { WebhookStore } from "./WebhookStore.ts"

/**
 * How the webhook service behaves. Only `secretBox` is required.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** Seals endpoint secrets at rest (see `SecretBox`). */
  readonly secretBox: SecretBox
  /** The event types filters may name. Default `EventTypes.paykit`. */
  readonly eventTypes?: ReadonlyArray<string> | undefined
  /** Delays before each attempt (ms). Default `RetrySchedule.svix`. */
  readonly schedule?: RetrySchedule.RetrySchedule | undefined
  /** An attempt not answered with a complete response in this long fails (ms). Default 15,000. */
  readonly timeoutMs?: number | undefined
  /** An endpoint failing (no success) for this long is disabled (ms). Default 5 days. */
  readonly disableAfterMs?: number | undefined
  /** Largest payload queued (bytes). Default 256 KiB. */
  readonly maxPayloadBytes?: number | undefined
  /** Accept `http:` endpoint URLs (development). Default false. */
  readonly allowHttp?: boolean | undefined
  /** Accept private and loopback endpoint addresses (development and tests). Default false. */
  readonly allowPrivate?: boolean | undefined
  /** Who an event belongs to (a merchant id), for merchants' endpoints. Default `Delivery.defaultOwnerOf`. */
  readonly ownerOf?: ((event: DomainEvent.DomainEvent) => string | undefined) | undefined
  /** The link a thin payload carries to fetch the object. Default none. */
  readonly link?: ((event: DomainEvent.DomainEvent) => string | undefined) | undefined
  /** Attempts in flight at once per process. Default 32. */
  readonly concurrency?: number | undefined
  /** Attempts in flight at once per endpoint per process. Default 4. */
  readonly perEndpoint?: number | undefined
  /**
   * How long a claim holds a delivery (ms): a worker that dies mid-attempt leaves it to another
   * after this. Must exceed `timeoutMs`. Default `2 × timeoutMs + 30 s`.
   */
  readonly leaseMs?: number | undefined
  /** Pause between claims when nothing is due (ms). Default 1,000. */
  readonly pollIntervalMs?: number | undefined
  /** The `user-agent` header. Default `paykit-webhooks/0.1`. */
  readonly userAgent?: string | undefined
}

/**
 * An endpoint as its owner sees it: everything but the sealed secrets (each key's id, kind,
 * public key and dates).
 *
 * @category models
 * @since 0.1.0
 */
export type EndpointView = Omit<Endpoint.Endpoint, "keys"> & {
  readonly keys: ReadonlyArray<Omit<Endpoint.SigningKey, "sealed">>
}

/**
 * What one delivery pass did: attempts that succeeded, were scheduled again or failed for good,
 * deliveries put back without an attempt (the rate limit), and attempts not recorded (lost lease).
 *
 * @category models
 * @since 0.1.0
 */
export interface PassResult {
  readonly attempted: number
  /** Attempts that succeeded. */
  readonly succeeded: number
  /** Attempts that failed and were scheduled again. */
  readonly retried: number
  /** Attempts after which the delivery failed for good. */
  readonly failed: number
  /** Deliveries put back without an attempt (the endpoint's rate limit). */
  readonly deferred: number
  /** Attempts made but not recorded: the lease was lost meanwhile (another worker took over). */
  readonly lost: number
}

const Text = (max: number) =>
  Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(max), Input.storableText)

const Filter = Schema.Array(Text(200)).check(Schema.isMinLength(1), Schema.isMaxLength(100))

/**
 * The input of `createEndpoint`.
 *
 * @category models
 * @since 0.1.0
 */
export const CreateEndpoint = Schema.Struct({
  owner: Text(128),
  url: Schema.String,
  eventTypes: Filter,
  description: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(500), Input.storableText)),
  payload: Schema.optionalKey(Schema.Literals(["thin", "full"])),
  keyKind: Schema.optionalKey(Schema.Literals(["symmetric", "asymmetric"])),
  rateLimit: Schema.optionalKey(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 10_000 }))),
  metadata: Schema.optionalKey(
    Schema.Record(Text(40), Schema.String.check(Schema.isMaxLength(500), Input.storableText)).check(
      Schema.makeFilter((r) => Object.keys(r).length <= 20 || "at most 20 metadata keys")
    )
  )
})

/**
 * The input of `updateEndpoint`: the fields to change.
 *
 * @category models
 * @since 0.1.0
 */
export const UpdateEndpoint = Schema.Struct({
  url: Schema.optionalKey(Schema.String),
  eventTypes: Schema.optionalKey(Filter),
  description: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(500), Input.storableText)),
  payload: Schema.optionalKey(Schema.Literals(["thin", "full"])),
  rateLimit: Schema.optionalKey(
    Schema.NullOr(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 10_000 })))
  )
})

const Id = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(200), Input.storableText)

/**
 * Every error the service's management operations can return.
 *
 * @category errors
 * @since 0.1.0
 */
export type ManageError =
  | InvalidInput
  | InvalidEndpointUrl
  | UnknownEventType
  | EndpointNotFound
  | EndpointConflict
  | StateMachine.IllegalTransition
  | WebhookStoreFailure

/**
 * The webhook service: endpoint management, the `Notifier` that queues deliveries from the
 * outbox relay, the delivery worker, replay and the delivery log.
 *
 * @category services
 * @since 0.1.0
 */
export class Webhooks extends Context.Service<Webhooks, Effect.Success<ReturnType<typeof build>>>()(
  "@paykit/notify-webhook/Webhooks"
) {}

const view = (e: Endpoint.Endpoint): EndpointView => ({
  ...e,
  keys: e.keys.map(({ sealed: _, ...k }) => k)
})

const build = (options: Options) =>
  Effect.gen(function* () {
    const store = yield* WebhookStore
    const transport = yield* HttpTransport
    const ids = yield* Ids.Ids
    const catalogue = options.eventTypes ?? EventTypes.paykit
    const schedule = options.schedule ?? RetrySchedule.svix
    const scheduleProblems = RetrySchedule.problems(schedule)
    if (scheduleProblems.length > 0)
      return yield* Effect.die(new Error(`Webhooks: ${scheduleProblems.join("; ")}`))
    const timeoutMs = options.timeoutMs ?? 15_000
    const disableAfter = options.disableAfterMs ?? 5 * 24 * 3600_000
    const maxPayload = options.maxPayloadBytes ?? 256 * 1024
    const concurrency = options.concurrency ?? 32
    const perEndpoint = options.perEndpoint ?? 4
    const pollMs = options.pollIntervalMs ?? 1000
    const leaseMs = options.leaseMs ?? timeoutMs * 2 + 30_000
    if (!(Number.isSafeInteger(leaseMs) && leaseMs > timeoutMs))
      return yield* Effect.die(
        new Error(`Webhooks: leaseMs (${leaseMs}) must be an integer above timeoutMs (${timeoutMs})`)
      )
    const userAgent = options.userAgent ?? "paykit-webhooks/0.1"
    const policy = { allowHttp: options.allowHttp, allowPrivate: options.allowPrivate }
    const box = options.secretBox
    const token = yield* ids.next
    const wake = Worker.makeWake()
    const wakeUp = wake.signal

    const events = (drafts: ReadonlyArray<DomainEvent.Draft>) =>
      DomainEvent.envelopes(drafts).pipe(Effect.provideService(Ids.Ids, ids))
    const endpointEvent = (type: string, e: Endpoint.Endpoint, extra: Record<string, unknown> = {}) => ({
      type,
      subject: e.id,
      data: { endpointId: e.id, owner: e.owner, url: e.url, status: e.status, ...extra }
    })

    const load = (id: string) =>
      Effect.flatMap(store.endpoint(id), (e) =>
        e === undefined ? Effect.fail(new EndpointNotFound({ endpointId: id })) : Effect.succeed(e)
      )

    const newKey = (endpointId: string, kind: "symmetric" | "asymmetric", now: number) =>
      Effect.map(ids.next, (id) => {
        if (kind === "symmetric") {
          const secret = Signing.generateSecret()
          return {
            secret,
            key: {
              id: `key_${id}`,
              kind,
              sealed: box.seal(endpointId, secret),
              createdAt: now
            } as Endpoint.SigningKey
          }
        }
        const pair = Signing.generateKeyPair()
        return {
          secret: pair.signingKey,
          key: {
            id: `key_${id}`,
            kind,
            sealed: box.seal(endpointId, pair.signingKey),
            publicKey: pair.publicKey,
            createdAt: now
          } as Endpoint.SigningKey
        }
      })

    const checkUrl = (url: string) => Effect.fromResult(EndpointUrl.validate(url, policy))
    const checkTypes = (filter: ReadonlyArray<string>) => {
      const e = EventTypes.checkFilter(filter, catalogue)
      return e === undefined ? Effect.void : Effect.fail(e)
    }

    /**
     * Registers an endpoint with a fresh signing key. Answers the endpoint and its secret
     * (`whsec_…`, or the `whsk_…` signing key of an asymmetric endpoint, whose `whpk_` public key
     * the receiver verifies with) — the only time the secret is shown.
     */
    const createEndpoint = (input: unknown) =>
      Effect.gen(function* () {
        const i = yield* Input.decode("createEndpoint", CreateEndpoint)(input)
        const url = yield* checkUrl(i.url)
        yield* checkTypes(i.eventTypes)
        const now = yield* Clock.currentTimeMillis
        const id = `ep_${yield* ids.next}`
        const { secret, key } = yield* newKey(id, i.keyKind ?? "symmetric", now)
        const endpoint: Endpoint.Endpoint = {
          id,
          owner: i.owner,
          url: url.href,
          ...(i.description === undefined ? {} : { description: i.description }),
          eventTypes: [...new Set(i.eventTypes)],
          payload: i.payload ?? "thin",
          keys: [key],
          status: "active",
          ...(i.rateLimit === undefined ? {} : { rateLimit: i.rateLimit }),
          metadata: i.metadata ?? {},
          createdAt: now,
          updatedAt: now,
          version: 1
        }
        yield* store.insertEndpoint(
          endpoint,
          yield* events([endpointEvent("webhooks.endpoint.created", endpoint)])
        )
        return { endpoint: view(endpoint), secret }
      })

    const save = (
      before: Endpoint.Endpoint,
      after: Endpoint.Endpoint,
      type: string,
      extra?: Record<string, unknown>
    ) =>
      Effect.gen(function* () {
        yield* store.updateEndpoint(after, before.version, yield* events([endpointEvent(type, after, extra)]))
        return view(after)
      })

    /** Changes an endpoint's URL, filter, description, payload style or rate limit (not when disabled... nor deprecated). */
    const updateEndpoint = (id: unknown, patch: unknown) =>
      Effect.gen(function* () {
        const endpointId = yield* Input.decode("updateEndpoint", Id)(id)
        const p = yield* Input.decode("updateEndpoint", UpdateEndpoint)(patch)
        const url = p.url === undefined ? undefined : yield* checkUrl(p.url)
        if (p.eventTypes !== undefined) yield* checkTypes(p.eventTypes)
        const before = yield* load(endpointId)
        if (before.status === "deprecated" && (url !== undefined || p.eventTypes !== undefined))
          return yield* Effect.fail(
            new StateMachine.IllegalTransition({
              machine: "webhook endpoint",
              from: "deprecated",
              command: "update",
              reason: "a deprecated endpoint keeps its URL and filter; register a new endpoint instead"
            })
          )
        const now = yield* Clock.currentTimeMillis
        const { rateLimit: _, ...rest } = before
        const after: Endpoint.Endpoint = {
          ...(p.rateLimit === null ? rest : before),
          ...(url === undefined ? {} : { url: url.href }),
          ...(p.eventTypes === undefined ? {} : { eventTypes: [...new Set(p.eventTypes)] }),
          ...(p.description === undefined ? {} : { description: p.description }),
          ...(p.payload === undefined ? {} : { payload: p.payload }),
          ...(p.rateLimit === undefined || p.rateLimit === null ? {} : { rateLimit: p.rateLimit }),
          updatedAt: now,
          version: before.version + 1
        }
        return yield* save(before, after, "webhooks.endpoint.updated")
      })

    const move = (command: "deprecate" | "disable" | "enable") => (id: unknown) =>
      Effect.gen(function* () {
        const endpointId = yield* Input.decode(`${command}Endpoint`, Id)(id)
        const before = yield* load(endpointId)
        const to = yield* Effect.fromResult(Endpoint.machine.transition(before.status, command))
        const now = yield* Clock.currentTimeMillis
        const { disabledReason: _r, failingSince: _f, ...rest } = before
        const after: Endpoint.Endpoint = {
          ...rest,
          status: to,
          ...(to === "disabled" ? { disabledReason: "by_owner" as const } : {}),
          updatedAt: now,
          version: before.version + 1
        }
        const type =
          command === "deprecate"
            ? "webhooks.endpoint.deprecated"
            : command === "disable"
              ? "webhooks.endpoint.disabled"
              : "webhooks.endpoint.enabled"
        return yield* save(before, after, type, to === "disabled" ? { reason: "by_owner" } : {})
      })

    /**
     * Adds a new signing key and keeps the others signing until `now + overlapMs` (default 24 h;
     * 0 retires them at once), so receivers switch without a gap. Answers the new secret.
     */
    const rotateSecret = (id: unknown, rotation: unknown = {}) =>
      Effect.gen(function* () {
        const endpointId = yield* Input.decode("rotateSecret", Id)(id)
        const r = yield* Input.decode(
          "rotateSecret",
          Schema.Struct({
            overlapMs: Schema.optionalKey(
              Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 30 * 24 * 3600_000 }))
            ),
            keyKind: Schema.optionalKey(Schema.Literals(["symmetric", "asymmetric"]))
          })
        )(rotation)
        const before = yield* load(endpointId)
        const now = yield* Clock.currentTimeMillis
        const until = now + (r.overlapMs ?? 24 * 3600_000)
        const { secret, key } = yield* newKey(
          before.id,
          r.keyKind ?? before.keys.at(-1)?.kind ?? "symmetric",
          now
        )
        const kept = Endpoint.signingKeys(before, now).map((k) =>
          k.expiresAt !== undefined && k.expiresAt <= until ? k : { ...k, expiresAt: until }
        )
        const after: Endpoint.Endpoint = {
          ...before,
          keys: [...kept.filter((k) => k.expiresAt === undefined || k.expiresAt > now), key],
          updatedAt: now,
          version: before.version + 1
        }
        const endpoint = yield* save(before, after, "webhooks.endpoint.secret_rotated", { keyId: key.id })
        return { endpoint, secret }
      })

    const plan = (
      list: ReadonlyArray<DomainEvent.DomainEvent>,
      endpoints: ReadonlyArray<Endpoint.Endpoint>,
      now: number
    ) =>
      Delivery.plan(list, endpoints, {
        now,
        ...(options.ownerOf === undefined ? {} : { ownerOf: options.ownerOf }),
        ...(options.link === undefined ? {} : { link: options.link })
      }).map((d) =>
        // an oversized full payload from the relay goes thin (the relay must never stall on it)
        Buffer.byteLength(d.payload) <= maxPayload
          ? d
          : {
              ...d,
              payload: Delivery.payloadOf(
                eventsById(list).get(d.eventId) as DomainEvent.DomainEvent,
                "thin",
                options.link
              )
            }
      )

    /** Queues deliveries for events (what the `notifier` does for the outbox relay). Answers how many were new. */
    const enqueue = (list: ReadonlyArray<DomainEvent.DomainEvent>) =>
      Effect.gen(function* () {
        if (list.length === 0) return 0
        const endpoints = yield* store.endpoints({ receiving: true })
        const now = yield* Clock.currentTimeMillis
        const added = yield* store.enqueue(plan(list, endpoints, now))
        if (added > 0) yield* wakeUp
        return added
      })

    /**
     * Queues events handed in directly (custom events, a "test event" button): each is checked
     * (its envelope, a catalogue type, its size), and nothing is queued when one is refused.
     */
    const publish = (input: unknown) =>
      Effect.gen(function* () {
        const list = yield* Input.decode(
          "publish",
          Schema.Array(DomainEvent.DomainEvent).check(Schema.isMaxLength(1000))
        )(input)
        for (const e of list) {
          if (!catalogue.includes(e.type))
            return yield* Effect.fail(new UnknownEventType({ eventType: e.type }))
          const bytes = Buffer.byteLength(Delivery.payloadOf(e, "full"))
          if (bytes > maxPayload)
            return yield* Effect.fail(new PayloadTooLarge({ eventId: e.id, bytes, limit: maxPayload }))
        }
        return yield* enqueue(list)
      })

    /** The `Notifier` the outbox relay hands events to: it queues their deliveries. */
    const notifier = Notifier.Notifier.of({
      notify: (list) =>
        enqueue(list).pipe(
          Effect.asVoid,
          Effect.mapError((e) => new Notifier.NotifyFailed({ reason: e.message }))
        )
    })

    const { deliverDue, drain, run } = Worker.make({
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
      userAgent,
      allowPrivate: options.allowPrivate === true
    })

    /** Moves one delivery back to pending for a manual attempt now. */
    const replay = (deliveryId: unknown) =>
      Effect.gen(function* () {
        const id = yield* Input.decode("replay", Id)(deliveryId)
        const d = yield* store.delivery(id)
        if (d === undefined) return yield* Effect.fail(new DeliveryNotFound({ deliveryId: id }))
        const n = yield* store.replay({ deliveryId: id, now: yield* Clock.currentTimeMillis })
        yield* wakeUp
        return n
      })

    /** Moves an endpoint's deliveries queued in `[from, to)` (epoch ms) back to pending. */
    const replayRange = (input: unknown) =>
      Effect.gen(function* () {
        const r = yield* Input.decode(
          "replayRange",
          Schema.Struct({ endpointId: Id, from: Schema.Int, to: Schema.Int }).check(
            Schema.makeFilter((x) => x.from < x.to || "from must be before to")
          )
        )(input)
        yield* load(r.endpointId)
        const n = yield* store.replay({ ...r, now: yield* Clock.currentTimeMillis })
        yield* wakeUp
        return n
      })

    return {
      createEndpoint,
      updateEndpoint,
      deprecateEndpoint: move("deprecate"),
      disableEndpoint: move("disable"),
      enableEndpoint: move("enable"),
      rotateSecret,
      endpoint: (id: unknown) =>
        Effect.flatMap(Input.decode("endpoint", Id)(id), (i) => Effect.map(load(i), view)),
      endpoints: (owner: unknown) =>
        Effect.flatMap(Input.decode("endpoints", Text(128))(owner), (o) =>
          Effect.map(store.endpoints({ owner: o }), (list) => list.map(view))
        ),
      enqueue,
      publish,
      notifier,
      deliverDue,
      drain,
      run,
      replay,
      replayRange,
      delivery: (id: unknown) =>
        Effect.flatMap(Input.decode("delivery", Id)(id), (i) =>
          Effect.flatMap(store.delivery(i), (d) =>
            d === undefined ? Effect.fail(new DeliveryNotFound({ deliveryId: i })) : Effect.succeed(d)
          )
        ),
      deliveries: (query: unknown) =>
        Effect.flatMap(
          Input.decode(
            "deliveries",
            Schema.Struct({
              endpointId: Schema.optionalKey(Id),
              status: Schema.optionalKey(Schema.Literals(["pending", "succeeded", "failed"])),
              after: Schema.optionalKey(Schema.Int),
              limit: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 1000 }))
            })
          )(query),
          (q) => store.deliveries(q)
        ),
      attempts: (deliveryId: unknown) =>
        Effect.flatMap(Input.decode("attempts", Id)(deliveryId), store.attempts)
    }
  })

const eventsById = (list: ReadonlyArray<DomainEvent.DomainEvent>) => new Map(list.map((e) => [e.id, e]))

/**
 * Builds the service.
 *
 * @example
 * ```ts
 * import { Webhooks, SecretBox } from "@paykit/notify-webhook"
 * import { randomBytes } from "node:crypto"
 * const make = Webhooks.make({ secretBox: SecretBox.makeUnsafe([{ id: "k1", key: randomBytes(32) }]) })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = build

/**
 * The service as a layer.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (
  options: Options
): Layer.Layer<Webhooks, never, WebhookStore | HttpTransport | Ids.Ids> =>
  Layer.effect(Webhooks, build(options))

/**
 * The webhook service's `Notifier` as a layer: give it to the outbox relay
 * (`Outbox.layerRelay`) so every committed event is queued for the endpoints that want it.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerNotifier: Layer.Layer<Notifier.Notifier, never, Webhooks> = Layer.effect(
  Notifier.Notifier,
  Effect.gen(function* () {
    return (yield* Webhooks).notifier
  })
)

/**
 * The delivery worker as a layer: `run` in the background for as long as the layer lives
 * (interrupted, its in-flight attempts with it, when the layer is released; their leases lapse
 * and another worker takes them over). Start one per process; several processes share the queue.
 *
 * @example
 * ```ts
 * import { Webhooks } from "@paykit/notify-webhook"
 * const worker = Webhooks.layerWorker
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerWorker: Layer.Layer<never, never, Webhooks> = Layer.effectDiscard(
  Effect.gen(function* () {
    const w = yield* Webhooks
    yield* Effect.forkScoped(w.run)
  })
)

/**
 * A Promise client of the webhook service for code not written with Effect: every operation
 * returns a `Promise`, a typed error rejects with the error itself (`e._tag`). Built once, on one
 * long-lived runtime: create it at start-up, share it, `dispose()` it on shutdown. Add
 * `layerWorker` to the layer to deliver in the background.
 *
 * @example
 * ```ts
 * import { Webhooks } from "@paykit/notify-webhook"
 * declare const layer: Parameters<typeof Webhooks.client>[0] // Webhooks.layer(…) with its ports provided
 * const webhooks = Webhooks.client(layer)
 * await webhooks.createEndpoint({ owner: "m_1", url: "https://merchant.example/hooks", eventTypes: ["payments.*"] })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const client = <E = never, R = never>(
  layer: Layer.Layer<Webhooks | R, E, never>
): WebhooksClient<E, R> =>
  Client.make(Webhooks as unknown as Context.Service<Webhooks | R, Webhooks["Service"]>, layer)

/**
 * The Promise client of the webhook service (`Webhooks.client`).
 *
 * @category models
 * @since 0.1.0
 */
export type WebhooksClient<E = never, R = never> = Client.Client<Webhooks["Service"], Webhooks | R, E>
