/**
 * @paykit/store-postgres/webhooks: the webhook `WebhookStore` (`@paykit/notify-webhook`) on
 * PostgreSQL or embedded PGlite — endpoints, the delivery queue and attempts — with its own
 * migration namespace (`webhooks`, tables `paykit_webhook_*`) beside the shared outbox's. Needs
 * `@paykit/notify-webhook` installed (an optional peer of this package).
 *
 * @since 0.1.0
 */
export * as WebhookStorePostgres from "./WebhookStorePostgres.ts"
