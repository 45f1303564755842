/**
 * @paykit/notify-webhook: signed webhooks with retries, the event stream and other channels.
 *
 * @since 0.1.0
 */
export * as Delivery from "./Delivery.ts"
export * as Endpoint from "./Endpoint.ts"
export * as EndpointUrl from "./EndpointUrl.ts"
export * from "./errors.ts"
export * as EventTypes from "./EventTypes.ts"
export * as HttpTransport from "./HttpTransport.ts"
export * as RetrySchedule from "./RetrySchedule.ts"
export * as SecretBox from "./SecretBox.ts"
export * as Sender from "./Sender.ts"
export * as Signing from "./Signing.ts"
export { InvalidSigningKey, WebhookVerificationFailed } from "./Signing.ts"
export * as Templates from "./Templates.ts"
export * as WebhookStore from "./WebhookStore.ts"
export * as Webhooks from "./Webhooks.ts"
