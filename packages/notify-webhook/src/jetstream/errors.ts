import { Schema } from "effect"

/**
 * No NATS server with JetStream answered: the connection was refused or timed out, or the
 * server runs without JetStream (`nats-server -js`). Check `servers` and that the server is up;
 * nothing was published or consumed.
 *
 * @example
 * ```ts
 * import { JetStreamUnavailable } from "@paykit/notify-webhook/jetstream"
 * new JetStreamUnavailable({ servers: "127.0.0.1:4222", reason: "connection refused" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class JetStreamUnavailable extends Schema.TaggedError<JetStreamUnavailable>()("JetStreamUnavailable", {
  servers: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `no NATS server with JetStream answered at ${this.servers}: ${this.reason}; check that nats-server runs with -js and the address is right`
  }
}

/**
 * A stream could not be created or updated (an invalid name, subjects that overlap another
 * stream's, a change the server refuses, such as the storage type of an existing stream).
 *
 * @example
 * ```ts
 * import { StreamSetupFailed } from "@paykit/notify-webhook/jetstream"
 * new StreamSetupFailed({ stream: "PAYKIT", reason: "subjects overlap with an existing stream" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class StreamSetupFailed extends Schema.TaggedError<StreamSetupFailed>()("StreamSetupFailed", {
  stream: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `stream ${this.stream} could not be created or updated: ${this.reason}`
  }
}

/**
 * A durable consumer could not be created or opened (its stream does not exist, the name is
 * invalid, or the server refused the configuration). Create the stream first (`ensureStream`).
 *
 * @example
 * ```ts
 * import { ConsumerSetupFailed } from "@paykit/notify-webhook/jetstream"
 * new ConsumerSetupFailed({ stream: "PAYKIT", durable: "billing", reason: "stream not found" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class ConsumerSetupFailed extends Schema.TaggedError<ConsumerSetupFailed>()("ConsumerSetupFailed", {
  stream: Schema.String,
  durable: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `consumer ${this.durable} on stream ${this.stream} could not be opened: ${this.reason}`
  }
}

/**
 * The store of handled event ids (`SeenEvents`) failed to answer or to record. The consumer
 * does not acknowledge the message: JetStream delivers it again later.
 *
 * @example
 * ```ts
 * import { SeenEventsFailed } from "@paykit/notify-webhook/jetstream"
 * new SeenEventsFailed({ reason: "connection lost" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class SeenEventsFailed extends Schema.TaggedError<SeenEventsFailed>()("SeenEventsFailed", {
  reason: Schema.String
}) {
  override get message(): string {
    return `the store of handled event ids failed: ${this.reason}; the message will be delivered again`
  }
}

/**
 * A JetStream adapter was configured with a value it cannot use; `field` names it. Fix the
 * configuration; nothing was connected or published.
 *
 * @example
 * ```ts
 * import { InvalidJetStreamConfig } from "@paykit/notify-webhook/jetstream"
 * new InvalidJetStreamConfig({ field: "subjectPrefix", reason: "contains a wildcard" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class InvalidJetStreamConfig extends Schema.TaggedError<InvalidJetStreamConfig>()(
  "InvalidJetStreamConfig",
  { field: Schema.String, reason: Schema.String }
) {
  override get message(): string {
    return `invalid JetStream configuration, ${this.field}: ${this.reason}`
  }
}
