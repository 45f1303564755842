// The errors of ../Signing.ts (re-exported there, where they are documented for users).
import { Schema } from "effect"
import * as Result from "effect/Result"

/**
 * Why `Signing.verify` refused a webhook, in the order the checks run (the first failing check is
 * the one reported): the call's own input, the configured keys, the headers, the timestamp, the
 * tolerance window, the signatures.
 *
 * @example
 * ```ts
 * import { Signing } from "@paykit/notify-webhook"
 * Signing.verificationReasons[0] // "invalid_input"
 * ```
 * @category errors
 * @since 0.1.0
 */
export const verificationReasons = [
  "invalid_input",
  "invalid_key",
  "missing_header",
  "invalid_timestamp",
  "timestamp_too_old",
  "timestamp_too_new",
  "no_matching_signature"
] as const

/**
 * One of {@link verificationReasons}.
 *
 * @category errors
 * @since 0.1.0
 */
export type VerificationReason = (typeof verificationReasons)[number]

const advice: Readonly<Record<VerificationReason, string>> = {
  invalid_input: "fix the call to Signing.verify",
  invalid_key:
    "fix the verification keys in your configuration (whsec_… or bare base64 secrets, whpk_… public keys); every request will fail until then",
  missing_header:
    "pass the request's headers as received; a Standard Webhooks request carries webhook-id, webhook-timestamp and webhook-signature",
  invalid_timestamp:
    "webhook-timestamp must be whole seconds since the Unix epoch; reject the request (the sender is not following Standard Webhooks)",
  timestamp_too_old:
    "reject the request (a replay, or a delivery held too long); if every webhook fails this way, check this server's clock",
  timestamp_too_new:
    "reject the request; if every webhook fails this way, this server's clock is behind: check NTP",
  no_matching_signature:
    "reject the request; verify the raw request body (not JSON parsed and serialised again) and check the keys are the endpoint's current secrets (keep the old one during a rotation)"
}

/**
 * A webhook failed verification: `reason` says which check refused it (one of
 * {@link verificationReasons}), `detail` says what was found. Answer the sender with a 4xx (a
 * 400 or 401) and do not process the payload. `invalid_key` and `invalid_input` are mistakes
 * on the receiving side, not the sender's.
 *
 * @example
 * ```ts
 * import { Signing } from "@paykit/notify-webhook"
 * new Signing.WebhookVerificationFailed({ reason: "missing_header", detail: "webhook-signature is missing or empty" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class WebhookVerificationFailed extends Schema.TaggedError<WebhookVerificationFailed>()(
  "WebhookVerificationFailed",
  { reason: Schema.Literals(verificationReasons), detail: Schema.String }
) {
  override get message(): string {
    return `webhook verification failed (${this.reason}): ${this.detail}; ${advice[this.reason]}`
  }
}

/**
 * A key given to `Signing.sign` cannot sign: empty, not base64, a v1 secret outside the spec's 24
 * to 64 bytes, a malformed `whsk_` key, or a `whpk_` public key (which can only verify).
 * `field` names it (`keys`, `keys[1]`); the message never contains key material. Nothing was
 * signed.
 *
 * @example
 * ```ts
 * import { Signing } from "@paykit/notify-webhook"
 * new Signing.InvalidSigningKey({ field: "keys[0]", reason: "the key is empty" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class InvalidSigningKey extends Schema.TaggedError<InvalidSigningKey>()("InvalidSigningKey", {
  field: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `cannot sign with ${this.field}: ${this.reason}; use a whsec_ secret (Signing.generateSecret) or a whsk_ signing key (Signing.generateKeyPair)`
  }
}

/** A failed verification as a `Result`. */
export const failed = (reason: VerificationReason, detail: string) =>
  Result.fail(new WebhookVerificationFailed({ reason, detail }))
