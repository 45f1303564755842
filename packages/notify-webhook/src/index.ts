/**
 * @paykit/notify-webhook: signed webhooks with retries, the event stream and other channels.
 *
 * @since 0.1.0
 */
