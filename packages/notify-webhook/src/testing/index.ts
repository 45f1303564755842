/**
 * @paykit/notify-webhook/testing: test doubles and contract suites.
 *
 * @since 0.1.0
 */
export * as WebhookStoreContract from "./WebhookStoreContract.ts"
