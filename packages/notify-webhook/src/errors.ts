import { Schema } from "effect"

/**
 * An endpoint URL paykit will not deliver to: not a URL, not `https` (unless `allowHttp`), with
 * credentials in it, a fragment, too long, or naming a private, loopback, link-local or reserved
 * address (unless `allowPrivate`). `reason` says which rule refused it. Nothing was stored.
 *
 * @example
 * ```ts
 * import { InvalidEndpointUrl } from "@paykit/notify-webhook"
 * new InvalidEndpointUrl({ url: "http://10.0.0.1/hook", reason: "private_address", detail: "10.0.0.1 is a private address" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class InvalidEndpointUrl extends Schema.TaggedError<InvalidEndpointUrl>()("InvalidEndpointUrl", {
  url: Schema.String,
  reason: Schema.Literals([
    "malformed",
    "scheme",
    "credentials",
    "fragment",
    "too_long",
    "private_address",
    "loopback",
    "reserved_address",
    "local_hostname"
  ]),
  detail: Schema.String
}) {
  override get message(): string {
    return `endpoint url ${JSON.stringify(this.url.slice(0, 200))} refused (${this.reason}): ${this.detail}`
  }
}

/**
 * An endpoint's event-type filter names a type that is not in the catalogue the service was
 * built with (a typo, or an event of a package you do not run). Nothing was stored.
 *
 * @example
 * ```ts
 * import { UnknownEventType } from "@paykit/notify-webhook"
 * new UnknownEventType({ eventType: "payments.payment.sucess" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class UnknownEventType extends Schema.TaggedError<UnknownEventType>()("UnknownEventType", {
  eventType: Schema.String,
  suggestion: Schema.optionalKey(Schema.String)
}) {
  override get message(): string {
    return `unknown event type ${JSON.stringify(this.eventType)}${
      this.suggestion === undefined ? "" : ` (did you mean ${JSON.stringify(this.suggestion)}?)`
    }; list it in the service's eventTypes catalogue, or use a "<prefix>.*" pattern`
  }
}

/**
 * A message's payload is larger than the service's `maxPayloadBytes`. Nothing was queued.
 *
 * @example
 * ```ts
 * import { PayloadTooLarge } from "@paykit/notify-webhook"
 * new PayloadTooLarge({ eventId: "01J0000000000000000000000A", bytes: 300000, limit: 262144 }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", {
  eventId: Schema.String,
  bytes: Schema.Number,
  limit: Schema.Number
}) {
  override get message(): string {
    return `event ${this.eventId}: payload is ${this.bytes} bytes, over the ${this.limit}-byte limit; send a thin payload (type, ids and a link) instead`
  }
}

/**
 * No endpoint with this id (for this owner). Nothing changed.
 *
 * @example
 * ```ts
 * import { EndpointNotFound } from "@paykit/notify-webhook"
 * new EndpointNotFound({ endpointId: "ep_1" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class EndpointNotFound extends Schema.TaggedError<EndpointNotFound>()("EndpointNotFound", {
  endpointId: Schema.String
}) {
  override get message(): string {
    return `no webhook endpoint ${this.endpointId}`
  }
}

/**
 * No delivery with this id. Nothing changed.
 *
 * @example
 * ```ts
 * import { DeliveryNotFound } from "@paykit/notify-webhook"
 * new DeliveryNotFound({ deliveryId: "dlv_1" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class DeliveryNotFound extends Schema.TaggedError<DeliveryNotFound>()("DeliveryNotFound", {
  deliveryId: Schema.String
}) {
  override get message(): string {
    return `no webhook delivery ${this.deliveryId}`
  }
}

/**
 * Someone else changed the endpoint since it was read (its version moved). Read it again and
 * retry. Nothing changed.
 *
 * @example
 * ```ts
 * import { EndpointConflict } from "@paykit/notify-webhook"
 * new EndpointConflict({ endpointId: "ep_1", expected: 1, actual: 2 }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class EndpointConflict extends Schema.TaggedError<EndpointConflict>()("EndpointConflict", {
  endpointId: Schema.String,
  expected: Schema.Number,
  actual: Schema.Number
}) {
  override get message(): string {
    return `webhook endpoint ${this.endpointId} changed meanwhile (version ${this.actual}, expected ${this.expected}); read it again and retry`
  }
}

/**
 * A sealed secret could not be opened: it was sealed under a key the `SecretBox` does not hold
 * (a retired master key), or it was tampered with. The endpoint cannot be signed for until its
 * secret is rotated.
 *
 * @example
 * ```ts
 * import { SecretUnreadable } from "@paykit/notify-webhook"
 * new SecretUnreadable({ keyId: "k2", reason: "no such master key" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class SecretUnreadable extends Schema.TaggedError<SecretUnreadable>()("SecretUnreadable", {
  keyId: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot open an endpoint secret sealed under master key ${JSON.stringify(this.keyId)}: ${this.reason}; keep the retired key in the SecretBox until every secret is re-sealed, or rotate the endpoint's secret`
  }
}

/**
 * The webhook store failed (the database is unreachable, a statement timed out). Nothing is
 * known to have changed; retry.
 *
 * @example
 * ```ts
 * import { WebhookStoreFailure } from "@paykit/notify-webhook"
 * new WebhookStoreFailure({ operation: "claim", reason: "connection refused" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class WebhookStoreFailure extends Schema.TaggedError<WebhookStoreFailure>()("WebhookStoreFailure", {
  operation: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `webhook store: ${this.operation} failed: ${this.reason}; retry`
  }
}
