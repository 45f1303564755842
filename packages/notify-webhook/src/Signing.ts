/**
 * `Signing`: [Standard Webhooks](https://www.standardwebhooks.com) signatures, both kinds the
 * spec defines, for the sender and for the receiver.
 *
 * - `v1`: HMAC-SHA256 with a shared secret, `whsec_<base64>` (a bare base64 secret is accepted
 *   too, as the reference libraries do). Computed by the `standardwebhooks` package's
 *   `Webhook.sign`, so a paykit signature is the reference signature byte for byte.
 * - `v1a`: ed25519. The sender holds `whsk_<base64>`, 64 bytes: the 32-byte RFC 8032 seed then
 *   the 32-byte public key (the layout of Svix's server and of Go's `ed25519.PrivateKey`; a bare
 *   32-byte seed is accepted too). The receiver holds `whpk_<base64>`, the 32-byte raw public
 *   key, and never the secret.
 *
 * Both sign the same content, `${id}.${timestamp}.${payload}` (the payload as sent, byte for
 * byte). The `webhook-signature` header carries one space-separated `version,base64` entry per
 * key, so an endpoint can rotate: sign with the old and the new key, let receivers move over,
 * drop the old one.
 *
 * Everything here is plain TypeScript over strings and bytes: `Result` in, `Result` out, and a
 * throwing `…Unsafe` twin; no Effect runtime is needed to call it.
 *
 * @example
 * ```ts
 * import { Signing } from "@paykit/notify-webhook"
 * const secret = Signing.generateSecret()
 * const sent = Signing.headersUnsafe({ id: "msg_1", timestamp: 1_700_000_000, payload: "{}", keys: [secret] })
 * Signing.verify({ payload: "{}", headers: sent, keys: [secret], now: 1_700_000_000 }) // Success({ id: "msg_1", ... })
 * ```
 *
 * @since 0.1.0
 */
import {
  generateKeyPairSync,
  randomBytes,
  sign as ed25519Sign,
  timingSafeEqual,
  verify as ed25519Verify
} from "node:crypto"
import type { InvalidInput } from "@paykit/core"
import * as Result from "effect/Result"
import {
  failed,
  InvalidSigningKey,
  type VerificationReason,
  verificationReasons,
  WebhookVerificationFailed
} from "./internal/signingErrors.ts"
import { ID, parseSignatures, readHeaders, SIGNATURE, TIMESTAMP } from "./internal/signingHeaders.ts"
import {
  MAX_TIMESTAMP,
  readMessage,
  readVerifyInput,
  type Signer,
  signers,
  TIMESTAMP_TEXT,
  type Verifier,
  verifiers
} from "./internal/signingInput.ts"
import {
  decodeBase64,
  describe,
  encodePublicKey,
  encodeSigningKey,
  isProblem,
  parseKey,
  SECRET_PREFIX,
  type SecretKey
} from "./internal/signingKeys.ts"

export { InvalidSigningKey, type VerificationReason, verificationReasons, WebhookVerificationFailed }

// ---------------------------------------------------------------------------------------------
// keys

/**
 * A new random `v1` secret: `whsec_` and the base64 of 32 random bytes (node:crypto). Store it
 * as a secret; give it to the endpoint's owner once.
 *
 * @example
 * ```ts
 * import { Signing } from "@paykit/notify-webhook"
 * Signing.generateSecret() // "whsec_…" (44 base64 characters)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const generateSecret = (): string => SECRET_PREFIX + randomBytes(32).toString("base64")

/**
 * A new ed25519 key pair for `v1a`: `signingKey` (`whsk_`, the 32-byte seed then the 32-byte
 * public key, base64) stays with the sender; `publicKey` (`whpk_`, the 32-byte public key) is
 * what receivers configure.
 *
 * @example
 * ```ts
 * import { Signing } from "@paykit/notify-webhook"
 * const { signingKey, publicKey } = Signing.generateKeyPair()
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const generateKeyPair = (): { readonly signingKey: string; readonly publicKey: string } => {
  const { privateKey } = generateKeyPairSync("ed25519")
  const jwk = privateKey.export({ format: "jwk" })
  const seed = Buffer.from(jwk.d!, "base64url")
  const pub = Buffer.from(jwk.x!, "base64url")
  return { signingKey: encodeSigningKey(seed, pub), publicKey: encodePublicKey(pub) }
}

/**
 * The `whpk_` public key of a `whsk_` signing key, for receivers. Fails with
 * `InvalidSigningKey` when the text is not a `whsk_` key.
 *
 * @example
 * ```ts
 * import { Signing } from "@paykit/notify-webhook"
 * const { signingKey, publicKey } = Signing.generateKeyPair()
 * Signing.publicKeyOf(signingKey) // Success(publicKey)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const publicKeyOf = (signingKey: string): Result.Result<string, InvalidSigningKey> => {
  const k = parseKey(signingKey)
  if (isProblem(k)) return Result.fail(new InvalidSigningKey({ field: "signingKey", reason: k.problem }))
  if (k.kind !== "signing") {
    return Result.fail(
      new InvalidSigningKey({ field: "signingKey", reason: "it is not a whsk_ signing key" })
    )
  }
  return Result.succeed(encodePublicKey(k.publicKey))
}

// ---------------------------------------------------------------------------------------------
// signing

/**
 * What {@link sign} and {@link headers} sign. `id` is the message id (the receiver's idempotency
 * key, the same on every retry); `timestamp` the attempt's time in whole seconds since the
 * epoch; `payload` the body exactly as it will be sent; `keys` every key the endpoint currently
 * has (`whsec_…` and/or `whsk_…`), one signature each.
 *
 * @category models
 * @since 0.1.0
 */
export interface SignInput {
  readonly id: string
  readonly timestamp: number
  readonly payload: string | Uint8Array
  readonly keys: ReadonlyArray<string>
}

// (a type, not an interface: a type literal is assignable to HeadersInput's record)
/**
 * The three headers of a signed webhook, lower case as the spec writes them.
 *
 * @category models
 * @since 0.1.0
 */
export type WebhookHeaders = {
  readonly "webhook-id": string
  readonly "webhook-timestamp": string
  readonly "webhook-signature": string
}

const ED25519_SIGNATURE_BYTES = 64

/** Constant-time equality of two strings' UTF-8 bytes; different lengths never match. */
const sameText = (a: string, b: string): boolean => {
  const x = Buffer.from(a, "utf8")
  const y = Buffer.from(b, "utf8")
  return x.length === y.length && timingSafeEqual(x, y)
}

const contentOf = (id: string, timestamp: number, payload: string | Uint8Array): Buffer =>
  typeof payload === "string"
    ? Buffer.from(`${id}.${timestamp}.${payload}`, "utf8")
    : Buffer.concat([Buffer.from(`${id}.${timestamp}.`, "utf8"), payload])

const signatureOf = (
  key: Signer,
  id: string,
  timestamp: number,
  payload: string | Uint8Array,
  content: () => Buffer
): string =>
  key.kind === "secret"
    ? key.webhook.sign(id, new Date(timestamp * 1000), payload)
    : `v1a,${ed25519Sign(null, content(), key.privateKey).toString("base64")}`

/** Checks `input` once and signs it: the headers, from the values that were checked. */
const signMessage = (
  operation: string,
  input: unknown
): Result.Result<WebhookHeaders, InvalidSigningKey | InvalidInput> => {
  const m = readMessage(operation, input)
  if (Result.isFailure(m)) return Result.fail(m.failure)
  const { id, timestamp, payload, keys } = m.success
  const ks = signers(keys)
  if (Result.isFailure(ks)) return Result.fail(ks.failure)
  let content: Buffer | undefined
  const contentOnce = () => (content ??= contentOf(id, timestamp, payload))
  const out: Array<string> = []
  for (const k of ks.success) out.push(signatureOf(k, id, timestamp, payload, contentOnce))
  return Result.succeed({
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": out.join(" ")
  })
}

/**
 * The `webhook-signature` header value for a message: one `v1,<base64>` (a `whsec_` secret) or
 * `v1a,<base64>` (a `whsk_` key) per key, in the order of `keys`, separated by spaces. Sign with
 * every key an endpoint has during a rotation. Fails with `InvalidInput` (`id`, `timestamp` or
 * `payload`) or `InvalidSigningKey` (`keys`, `keys[i]`); the id must be printable ASCII without
 * "." (the spec forbids the separator in it) and the timestamp whole seconds.
 *
 * @example
 * ```ts
 * import { Signing } from "@paykit/notify-webhook"
 * Signing.sign({
 *   id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
 *   timestamp: 1614265330,
 *   payload: '{"test": 2432232314}',
 *   keys: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
 * }) // Success("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const sign = (input: SignInput): Result.Result<string, InvalidSigningKey | InvalidInput> =>
  Result.map(signMessage("Signing.sign", input), (h) => h["webhook-signature"])

/**
 * Like {@link sign} but throws `InvalidInput` or `InvalidSigningKey`.
 *
 * @example
 * ```ts
 * import { Signing } from "@paykit/notify-webhook"
 * const header = Signing.signUnsafe({ id: "msg_1", timestamp: 1_700_000_000, payload: "{}", keys: [Signing.generateSecret()] })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const signUnsafe = (input: SignInput): string => Result.getOrThrow(sign(input))

/**
 * The three headers to send with a webhook: `webhook-id`, `webhook-timestamp` and
 * `webhook-signature` ({@link sign} over the same input). Same failures as {@link sign}.
 *
 * @example
 * ```ts
 * import { Signing } from "@paykit/notify-webhook"
 * Signing.headers({ id: "msg_1", timestamp: 1_700_000_000, payload: "{}", keys: [Signing.generateSecret()] })
 * // Success({ "webhook-id": "msg_1", "webhook-timestamp": "1700000000", "webhook-signature": "v1,…" })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const headers = (input: SignInput): Result.Result<WebhookHeaders, InvalidSigningKey | InvalidInput> =>
  signMessage("Signing.headers", input)

/**
 * Like {@link headers} but throws `InvalidInput` or `InvalidSigningKey`.
 *
 * @example
 * ```ts
 * import { Signing } from "@paykit/notify-webhook"
 * const h = Signing.headersUnsafe({ id: "msg_1", timestamp: 1_700_000_000, payload: "{}", keys: [Signing.generateSecret()] })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const headersUnsafe = (input: SignInput): WebhookHeaders => Result.getOrThrow(headers(input))

// ---------------------------------------------------------------------------------------------
// verification

/**
 * The headers {@link verify} reads: a WHATWG `Headers` (or anything with `get(name)`), or a
 * plain object such as Node's `IncomingHttpHeaders`, its names in any case, its values strings,
 * arrays of strings (a header repeated) or undefined.
 *
 * @category models
 * @since 0.1.0
 */
export type HeadersInput =
  | { readonly get: (name: string) => string | null }
  | Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

/**
 * What {@link verify} checks. `payload` is the raw request body (the bytes or the text as
 * received, never JSON parsed and serialised again). `keys` are the endpoint's secrets
 * (`whsec_…` or bare base64) and/or trusted `whpk_…` public keys; any one matching signature
 * passes. `now` is the current time in seconds since the epoch (default: the system clock);
 * `toleranceSeconds` the accepted distance between `now` and `webhook-timestamp`, both ways
 * (default 300).
 *
 * @category models
 * @since 0.1.0
 */
export interface VerifyInput {
  readonly payload: string | Uint8Array
  readonly headers: HeadersInput
  readonly keys: ReadonlyArray<string>
  readonly now?: number | undefined
  readonly toleranceSeconds?: number | undefined
}

/**
 * A verified webhook: its message id (use it as the idempotency key) and timestamp.
 *
 * @category models
 * @since 0.1.0
 */
export interface Verified {
  readonly id: string
  readonly timestamp: number
}

/** Whether one (version, signature) entry is a valid signature of `content` by one of `keys`. */
const matches = (
  version: string,
  signature: string,
  keys: ReadonlyArray<Verifier>,
  expectedV1: (k: SecretKey) => string,
  content: () => Buffer
): boolean => {
  if (version === "v1") {
    for (const k of keys) if (k.kind === "secret" && sameText(signature, expectedV1(k))) return true
    return false
  }
  if (version === "v1a") {
    const bytes = decodeBase64(signature)
    if (bytes === undefined || bytes.length !== ED25519_SIGNATURE_BYTES) return false
    for (const k of keys)
      if (k.kind === "public" && ed25519Verify(null, content(), k.publicKey, bytes)) return true
    return false
  }
  return false // a version this library does not know: ignored, as the spec asks
}

/**
 * Verifies a received webhook: the three headers are present, `webhook-timestamp` is whole
 * seconds within `toleranceSeconds` of `now` (too old and too new both fail: replays and forged
 * future timestamps), and at least one signature of `webhook-signature` is valid for one of
 * `keys` (`v1` compared in constant time; `v1a` checked with ed25519; other versions ignored;
 * at most the first 64 signatures are looked at). Answers the message id and timestamp, or
 * `WebhookVerificationFailed` naming the check that refused it. Never throws.
 *
 * @example
 * ```ts
 * import { Signing } from "@paykit/notify-webhook"
 * const r = Signing.verify({
 *   payload: '{"test": 2432232314}',
 *   headers: {
 *     "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
 *     "webhook-timestamp": "1614265330",
 *     "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
 *   },
 *   keys: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
 *   now: 1614265330
 * }) // Success({ id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1614265330 })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const verify = (input: VerifyInput): Result.Result<Verified, WebhookVerificationFailed> => {
  const checked = readVerifyInput(input)
  if (Result.isFailure(checked)) return Result.fail(checked.failure)
  const { payload, now, tolerance } = checked.success
  const keys = verifiers(checked.success.keys)
  if (Result.isFailure(keys)) return Result.fail(keys.failure)
  let values: ReturnType<typeof readHeaders>
  try {
    values = readHeaders(checked.success.headers)
  } catch (e) {
    return failed("invalid_input", `headers could not be read: ${e instanceof Error ? e.message : String(e)}`)
  }
  if (values === undefined) {
    return failed(
      "invalid_input",
      `headers: expected a Headers or a plain object, got ${describe(checked.success.headers)}`
    )
  }
  const { id, timestamp: timestampText, signature } = values
  if (id === undefined) return failed("missing_header", `${ID} is missing or empty`)
  if (timestampText === undefined) return failed("missing_header", `${TIMESTAMP} is missing or empty`)
  if (signature === undefined) return failed("missing_header", `${SIGNATURE} is missing or empty`)
  if (!TIMESTAMP_TEXT.test(timestampText)) {
    return failed(
      "invalid_timestamp",
      `${TIMESTAMP} is ${JSON.stringify(timestampText.slice(0, 40))}, not whole seconds`
    )
  }
  const timestamp = Number(timestampText)
  if (timestamp > MAX_TIMESTAMP) {
    return failed("invalid_timestamp", `${TIMESTAMP} ${timestamp} looks like milliseconds, not seconds`)
  }
  if (now - timestamp > tolerance) {
    return failed(
      "timestamp_too_old",
      `signed ${now - timestamp} s before now, beyond the ${tolerance} s tolerance`
    )
  }
  if (timestamp - now > tolerance) {
    return failed(
      "timestamp_too_new",
      `signed ${timestamp - now} s after now, beyond the ${tolerance} s tolerance`
    )
  }
  const bytes = typeof payload === "string" ? Buffer.from(payload, "utf8") : payload
  const date = new Date(timestamp * 1000)
  const v1 = new Map<SecretKey, string>()
  const expectedV1 = (k: SecretKey): string => {
    let s = v1.get(k)
    if (s === undefined) {
      s = k.webhook.sign(id, date, bytes).slice("v1,".length)
      v1.set(k, s)
    }
    return s
  }
  let content: Buffer | undefined
  const contentOnce = () => (content ??= Buffer.concat([Buffer.from(`${id}.${timestamp}.`, "utf8"), bytes]))
  const entries = parseSignatures(signature)
  for (const entry of entries) {
    if (matches(entry.version, entry.signature, keys.success, expectedV1, contentOnce)) {
      return Result.succeed({ id, timestamp })
    }
  }
  return failed(
    "no_matching_signature",
    `none of the ${entries.length} signature(s) in ${SIGNATURE} matches any of the ${keys.success.length} key(s)`
  )
}

/**
 * Like {@link verify} but throws `WebhookVerificationFailed`.
 *
 * @example
 * ```ts
 * import { Signing } from "@paykit/notify-webhook"
 * // in a request handler, with the raw body:
 * // const { id } = Signing.verifyUnsafe({ payload: rawBody, headers: req.headers, keys: [process.env.WEBHOOK_SECRET!] })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const verifyUnsafe = (input: VerifyInput): Verified => Result.getOrThrow(verify(input))
