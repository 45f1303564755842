import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"
import { Result } from "effect"
import { DecryptionFailed } from "./errors.ts"

/**
 * A sealed field: AES-256-GCM ciphertext, its 16-byte tag and 12-byte nonce (base64), and the
 * version of the data key it was sealed under. The associated data is not stored: it is rebuilt
 * from the subject, the field name and `keyVersion` on every read, so a ciphertext moved to
 * another subject or field, or relabelled with another version, does not authenticate.
 *
 * @example
 * ```ts
 * import type { Cipher } from "@paykit/accounts"
 * const version = (s: Cipher.Sealed) => s.keyVersion
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Sealed {
  readonly keyVersion: number
  readonly nonce: string
  readonly ciphertext: string
  readonly tag: string
}

/**
 * The associated data binding a ciphertext to its subject, field and key version.
 *
 * @example
 * ```ts
 * import { Cipher } from "@paykit/accounts"
 * Cipher.associatedData("01J0000000000000000000000A", "email", 1)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const associatedData = (subject: string, field: string, keyVersion: number): Buffer =>
  Buffer.from(JSON.stringify(["paykit.pii.v1", subject, field, keyVersion]), "utf8")

/**
 * A fresh random 256-bit key.
 *
 * @example
 * ```ts
 * import { Cipher } from "@paykit/accounts"
 * const dataKey = Cipher.generateKey() // 32 random bytes
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const generateKey = (): Buffer => randomBytes(32)

/**
 * Encrypts raw bytes with AES-256-GCM under `key`, a fresh random 96-bit nonce and `aad`.
 *
 * @example
 * ```ts
 * import { Cipher } from "@paykit/accounts"
 * const e = Cipher.encryptBytes(Cipher.generateKey(), Buffer.from("secret"), Buffer.from("aad"))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const encryptBytes = (
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array
): { readonly nonce: Buffer; readonly ciphertext: Buffer; readonly tag: Buffer } => {
  const nonce = randomBytes(12)
  const cipher = createCipheriv("aes-256-gcm", key, nonce)
  cipher.setAAD(aad)
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return { nonce, ciphertext, tag: cipher.getAuthTag() }
}

/**
 * Decrypts and authenticates; `undefined` when anything does not match.
 *
 * @example
 * ```ts
 * import { Cipher } from "@paykit/accounts"
 * const key = Cipher.generateKey()
 * const e = Cipher.encryptBytes(key, Buffer.from("secret"), Buffer.from("aad"))
 * Cipher.decryptBytes(key, e.nonce, e.ciphertext, e.tag, Buffer.from("aad")) // Buffer("secret")
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const decryptBytes = (
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  aad: Uint8Array
): Buffer | undefined => {
  if (key.length !== 32 || nonce.length !== 12 || tag.length !== 16) return undefined
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: 16 })
    decipher.setAAD(aad)
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(ciphertext), decipher.final()])
  } catch {
    return undefined
  }
}

/**
 * Seals one field value of a subject under the subject's data key.
 *
 * @example
 * ```ts
 * import { Cipher } from "@paykit/accounts"
 * const key = Cipher.generateKey()
 * const sealed = Cipher.seal(key, 1, "subject-1", "email", "jane@example.com")
 * Cipher.open(key, sealed, "subject-1", "email") // Success("jane@example.com")
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const seal = (
  key: Uint8Array,
  keyVersion: number,
  subject: string,
  field: string,
  value: string
): Sealed => {
  const e = encryptBytes(key, Buffer.from(value, "utf8"), associatedData(subject, field, keyVersion))
  return {
    keyVersion,
    nonce: e.nonce.toString("base64"),
    ciphertext: e.ciphertext.toString("base64"),
    tag: e.tag.toString("base64")
  }
}

/**
 * Opens a sealed field: the plaintext, or `DecryptionFailed` if the key, subject, field, version,
 * nonce, ciphertext or tag does not match what was sealed.
 *
 * @example
 * ```ts
 * import { Cipher } from "@paykit/accounts"
 * const key = Cipher.generateKey()
 * const sealed = Cipher.seal(key, 1, "s1", "phone", "+4915112345678")
 * Cipher.open(key, sealed, "s1", "email") // Failure(DecryptionFailed): bound to another field
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const open = (
  key: Uint8Array,
  sealed: Sealed,
  subject: string,
  field: string
): Result.Result<string, DecryptionFailed> => {
  const out = decryptBytes(
    key,
    Buffer.from(sealed.nonce, "base64"),
    Buffer.from(sealed.ciphertext, "base64"),
    Buffer.from(sealed.tag, "base64"),
    associatedData(subject, field, sealed.keyVersion)
  )
  return out === undefined
    ? Result.fail(new DecryptionFailed({ subject, field }))
    : Result.succeed(out.toString("utf8"))
}
