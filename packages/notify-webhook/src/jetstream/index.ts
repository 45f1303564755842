/**
 * @paykit/notify-webhook/jetstream: the outbox relayed to NATS JetStream, and a consumer helper.
 *
 * - `JetStreamNotifier`: a `Notifier` publishing each event to `<prefix>.<event.type>` with the
 *   event id as `msgID`, awaiting every PubAck (ordered per aggregate, pipelined across them);
 *   give it to the outbox relay of `@paykit/store-postgres`.
 * - `Stream.ensureStream`: create or update the stream (its duplicate window must exceed the
 *   relay's worst redelivery delay).
 * - `Consumer.consume` / `Consumer.start`: a durable pull consumer that decodes envelopes,
 *   skips ids `SeenEvents` has seen, handles, records, then acknowledges.
 * - `SeenEvents`: the handled-ids port, in memory or in your database's transaction.
 *
 * Needs the optional peers `@nats-io/jetstream` and `@nats-io/transport-node` (3.x); works with
 * nats-server 2.9 and later.
 *
 * @since 0.1.0
 */
export * as Connection from "./Connection.ts"
export * as Consumer from "./Consumer.ts"
export * from "./errors.ts"
export * as JetStreamNotifier from "./JetStreamNotifier.ts"
export * as SeenEvents from "./SeenEvents.ts"
export * as Stream from "./Stream.ts"
