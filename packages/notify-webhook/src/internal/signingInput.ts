// The input checks of ../Signing.ts: reading a call's fields once (a getter or a Proxy that
// throws is a typed error, and cannot answer differently between the check and the use) and
// parsing its keys into signers or verifiers. Pure; never throws.
import { InvalidInput } from "@paykit/core"
import * as Result from "effect/Result"
import { failed, InvalidSigningKey, type WebhookVerificationFailed } from "./signingErrors.ts"
import {
  describe,
  isProblem,
  MAX_SECRET_BYTES,
  MIN_SECRET_BYTES,
  type ParsedKey,
  parseKey,
  type PublicKey,
  type SecretKey,
  type SigningKey
} from "./signingKeys.ts"

// ---------------------------------------------------------------------------------------------
// sign

/** Seconds since the epoch above which a timestamp is taken for milliseconds (year 5138). */
export const MAX_TIMESTAMP = 99_999_999_999
/** Printable ASCII without "." (the content's separator) or space: safe in a header and unambiguous. */
const MESSAGE_ID = /^[\x21-\x2d\x2f-\x7e]{1,256}$/

const timestampProblem = (t: unknown): string | undefined => {
  if (typeof t !== "number" || !Number.isSafeInteger(t) || t < 0) {
    return `expected whole seconds since the Unix epoch (an integer ≥ 0), got ${typeof t === "number" ? String(t) : describe(t)}`
  }
  if (t > MAX_TIMESTAMP) return `${t} looks like milliseconds; pass seconds (Math.floor(Date.now() / 1000))`
  return undefined
}

export interface Message {
  readonly id: string
  readonly timestamp: number
  readonly payload: string | Uint8Array
  readonly keys: ReadonlyArray<unknown>
}

/** Reads and checks the message fields of `input` (not the keys' content). */
export const readMessage = (operation: string, input: unknown): Result.Result<Message, InvalidInput> => {
  const bad = (path: string, reason: string) => Result.fail(new InvalidInput({ operation, path, reason }))
  let id: unknown
  let timestamp: unknown
  let payload: unknown
  let keys: unknown
  try {
    if (typeof input !== "object" || input === null) {
      return bad("", `expected { id, timestamp, payload, keys }, got ${describe(input)}`)
    }
    ;({ id, timestamp, payload, keys } = input as Record<string, unknown>)
    // a copy, so a getter or Proxy cannot change the keys between the checks and the use
    if (Array.isArray(keys)) keys = Array.from(keys as ReadonlyArray<unknown>)
  } catch (e) {
    return bad("", `the input could not be read: ${e instanceof Error ? e.message : String(e)}`)
  }
  if (typeof id !== "string" || !MESSAGE_ID.test(id)) {
    return bad(
      "id",
      typeof id === "string"
        ? `expected 1 to 256 printable ASCII characters without "." or spaces, got ${JSON.stringify(id.slice(0, 64))}`
        : `expected a string, got ${describe(id)}`
    )
  }
  const t = timestampProblem(timestamp)
  if (t !== undefined) return bad("timestamp", t)
  if (typeof payload !== "string" && !(payload instanceof Uint8Array)) {
    return bad("payload", `expected the body as a string or a Uint8Array, got ${describe(payload)}`)
  }
  return Result.succeed({ id, timestamp: timestamp as number, payload, keys: keys as ReadonlyArray<unknown> })
}

export type Signer = SecretKey | SigningKey

/** Parses the keys `sign` was given: each must be able to sign. */
export const signers = (keys: unknown): Result.Result<ReadonlyArray<Signer>, InvalidSigningKey> => {
  if (!Array.isArray(keys)) {
    return Result.fail(
      new InvalidSigningKey({ field: "keys", reason: `expected an array of keys, got ${describe(keys)}` })
    )
  }
  if (keys.length === 0) {
    return Result.fail(new InvalidSigningKey({ field: "keys", reason: "at least one key is required" }))
  }
  const out: Array<Signer> = []
  for (let i = 0; i < keys.length; i++) {
    const field = `keys[${i}]`
    const k = parseKey(keys[i])
    if (isProblem(k)) return Result.fail(new InvalidSigningKey({ field, reason: k.problem }))
    if (k.kind === "public") {
      return Result.fail(
        new InvalidSigningKey({
          field,
          reason: "a whpk_ public key can only verify; sign with its whsk_ signing key"
        })
      )
    }
    if (k.kind === "secret" && (k.bytes.length < MIN_SECRET_BYTES || k.bytes.length > MAX_SECRET_BYTES)) {
      return Result.fail(
        new InvalidSigningKey({
          field,
          reason: `a v1 secret holds ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes (the spec's range), this one ${k.bytes.length}`
        })
      )
    }
    out.push(k)
  }
  return Result.succeed(out)
}

// ---------------------------------------------------------------------------------------------
// verify

/** The default tolerance, as the spec's reference libraries have it: five minutes. */
const DEFAULT_TOLERANCE_SECONDS = 300
/** Whole seconds: digits, no sign, no leading zero (more than 11 digits is refused after). */
export const TIMESTAMP_TEXT = /^(?:0|[1-9][0-9]{0,15})$/

export type Verifier = SecretKey | PublicKey

/** Parses the keys `verify` was given: each must be able to verify. */
export const verifiers = (
  keys: unknown
): Result.Result<ReadonlyArray<Verifier>, WebhookVerificationFailed> => {
  if (!Array.isArray(keys))
    return failed("invalid_key", `keys: expected an array of keys, got ${describe(keys)}`)
  if (keys.length === 0) return failed("invalid_key", "keys: at least one key is required")
  const out: Array<Verifier> = []
  for (let i = 0; i < keys.length; i++) {
    const k: ParsedKey | { problem: string } = parseKey(keys[i])
    if (isProblem(k)) return failed("invalid_key", `keys[${i}]: ${k.problem}`)
    if (k.kind === "signing") {
      return failed(
        "invalid_key",
        `keys[${i}]: a whsk_ key is the sender's private key; verify with its whpk_ public key (Signing.publicKeyOf)`
      )
    }
    out.push(k)
  }
  return Result.succeed(out)
}

export interface Checked {
  readonly payload: string | Uint8Array
  readonly headers: unknown
  readonly keys: unknown
  readonly now: number
  readonly tolerance: number
}

/** Reads and checks the call's own fields (not the headers' content nor the keys'). */
export const readVerifyInput = (input: unknown): Result.Result<Checked, WebhookVerificationFailed> => {
  let payload: unknown
  let hs: unknown
  let keys: unknown
  let now: unknown
  let tolerance: unknown
  try {
    if (typeof input !== "object" || input === null) {
      return failed("invalid_input", `expected { payload, headers, keys }, got ${describe(input)}`)
    }
    ;({ payload, headers: hs, keys, now, toleranceSeconds: tolerance } = input as Record<string, unknown>)
    if (Array.isArray(keys)) keys = Array.from(keys as ReadonlyArray<unknown>)
  } catch (e) {
    return failed(
      "invalid_input",
      `the input could not be read: ${e instanceof Error ? e.message : String(e)}`
    )
  }
  if (typeof payload !== "string" && !(payload instanceof Uint8Array)) {
    return failed(
      "invalid_input",
      `payload: expected the raw body as a string or a Uint8Array, got ${describe(payload)}`
    )
  }
  if (now !== undefined && (typeof now !== "number" || !Number.isFinite(now))) {
    return failed("invalid_input", `now: expected seconds since the Unix epoch, got ${describe(now)}`)
  }
  if (
    tolerance !== undefined &&
    (typeof tolerance !== "number" || !Number.isFinite(tolerance) || tolerance < 0)
  ) {
    return failed(
      "invalid_input",
      `toleranceSeconds: expected a number of seconds ≥ 0, got ${String(tolerance)}`
    )
  }
  return Result.succeed({
    payload,
    headers: hs,
    keys,
    now: (now as number | undefined) ?? Math.floor(Date.now() / 1000),
    tolerance: (tolerance as number | undefined) ?? DEFAULT_TOLERANCE_SECONDS
  })
}
