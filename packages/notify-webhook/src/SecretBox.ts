import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"
import * as Result from "effect/Result"
import { SecretUnreadable } from "./errors.ts"

/**
 * A master key that seals endpoint secrets: an id (stored beside each sealed secret) and 32
 * bytes (AES-256).
 *
 * @category models
 * @since 0.1.0
 */
export interface MasterKey {
  readonly id: string
  readonly key: Uint8Array
}

/**
 * Seals endpoint secrets before they are stored, and opens them to sign. AES-256-GCM with a
 * fresh 12-byte nonce per secret, the endpoint id as associated data (a sealed secret copied to
 * another endpoint does not open), and the master key's id in the sealed text, so master keys
 * rotate: the first key seals, every listed key opens; re-seal with `reseal` and drop the old
 * key when no secret uses it. Sealed text: `v1.<keyId>.<nonce b64url>.<ciphertext+tag b64url>`.
 *
 * @example
 * ```ts
 * import { SecretBox } from "@paykit/notify-webhook"
 * import { randomBytes } from "node:crypto"
 * const box = SecretBox.makeUnsafe([{ id: "k1", key: randomBytes(32) }])
 * const sealed = box.seal("ep_1", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
 * ```
 * @category models
 * @since 0.1.0
 */
export interface SecretBox {
  readonly seal: (endpointId: string, secret: string) => string
  readonly open: (endpointId: string, sealed: string) => Result.Result<string, SecretUnreadable>
  /** The id of the key that seals now. */
  readonly currentKeyId: string
  /** True when `sealed` was sealed under an older key and should be re-sealed. */
  readonly isStale: (sealed: string) => boolean
}

const b64u = (b: Uint8Array): string => Buffer.from(b).toString("base64url")

/**
 * Builds a box from master keys, the first sealing. Throws when the list is empty, a key is not
 * 32 bytes, or two keys share an id.
 *
 * @example
 * ```ts
 * import { SecretBox } from "@paykit/notify-webhook"
 * import { randomBytes } from "node:crypto"
 * const box = SecretBox.makeUnsafe([{ id: "k2", key: randomBytes(32) }, { id: "k1", key: randomBytes(32) }])
 * box.currentKeyId // "k2"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const makeUnsafe = (keys: ReadonlyArray<MasterKey>): SecretBox => {
  const first = keys[0]
  if (first === undefined) throw new Error("SecretBox: at least one master key is required")
  const byId = new Map<string, Uint8Array>()
  for (const k of keys) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(k.id))
      throw new Error(`SecretBox: key id ${JSON.stringify(k.id)} must be 1-64 of [A-Za-z0-9_-]`)
    if (k.key.length !== 32) throw new Error(`SecretBox: key ${k.id} must be 32 bytes, got ${k.key.length}`)
    if (byId.has(k.id)) throw new Error(`SecretBox: key id ${k.id} is listed twice`)
    byId.set(k.id, k.key)
  }
  const seal = (endpointId: string, secret: string): string => {
    const nonce = randomBytes(12)
    const cipher = createCipheriv("aes-256-gcm", first.key, nonce)
    cipher.setAAD(Buffer.from(endpointId, "utf8"))
    const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final(), cipher.getAuthTag()])
    return `v1.${first.id}.${b64u(nonce)}.${b64u(body)}`
  }
  const open = (endpointId: string, sealed: string): Result.Result<string, SecretUnreadable> => {
    const [version, keyId = "", nonce = "", body = ""] = sealed.split(".")
    const fail = (reason: string) => Result.fail(new SecretUnreadable({ keyId, reason }))
    if (version !== "v1") return fail("not a sealed secret (expected v1.<key>.<nonce>.<data>)")
    const key = byId.get(keyId)
    if (key === undefined) return fail("no such master key")
    const raw = Buffer.from(body, "base64url")
    if (raw.length < 17) return fail("sealed data too short")
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(nonce, "base64url"))
      decipher.setAAD(Buffer.from(endpointId, "utf8"))
      decipher.setAuthTag(raw.subarray(raw.length - 16))
      return Result.succeed(
        Buffer.concat([decipher.update(raw.subarray(0, raw.length - 16)), decipher.final()]).toString("utf8")
      )
    } catch {
      return fail("authentication failed (tampered, or sealed for another endpoint)")
    }
  }
  return {
    seal,
    open,
    currentKeyId: first.id,
    isStale: (sealed) => sealed.split(".")[1] !== first.id
  }
}

/**
 * Parses master keys from configuration text: `"<id>:<base64 of 32 bytes>"`, comma separated,
 * the sealing key first (e.g. the `PAYKIT_WEBHOOK_SECRET_KEYS` variable). Throws on bad text.
 *
 * @example
 * ```ts
 * import { SecretBox } from "@paykit/notify-webhook"
 * const keys = SecretBox.parseKeysUnsafe(`k1:${Buffer.alloc(32, 7).toString("base64")}`)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const parseKeysUnsafe = (text: string): ReadonlyArray<MasterKey> =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => {
      const at = s.indexOf(":")
      if (at <= 0) throw new Error("SecretBox: expected <id>:<base64 key>")
      return { id: s.slice(0, at), key: Buffer.from(s.slice(at + 1), "base64") }
    })
