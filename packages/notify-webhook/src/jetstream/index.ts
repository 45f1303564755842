/**
 * @paykit/notify-webhook/jetstream: the outbox relayed to NATS JetStream, and a consumer helper.
 *
 * @since 0.1.0
 */
