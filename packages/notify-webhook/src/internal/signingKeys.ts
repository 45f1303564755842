// The Standard Webhooks key formats, parsed and generated: symmetric `whsec_` secrets (also
// accepted as bare base64, like the reference libraries), ed25519 `whsk_` signing keys and
// `whpk_` public keys. Pure functions over strings and bytes; the public surface and the errors
// are in ../Signing.ts.
//
// Formats (the spec, spec/standard-webhooks.md, says "base64 encoded, prefixed with whsk_ / whpk_"
// and "standard ed25519 key pair", without naming the bytes; we follow the implementations that
// do, Svix's server (ed25519_compact `KeyPair`) and Go's `ed25519.PrivateKey`):
//   whsec_<b64>  the HMAC-SHA256 key bytes
//   whsk_<b64>   64 bytes: the 32-byte RFC 8032 seed then the 32-byte public key (what we generate);
//                a bare 32-byte seed is accepted too. A 64-byte key whose second half is not the
//                public key of its seed is refused.
//   whpk_<b64>   the 32-byte raw ed25519 public key
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto"
import { Webhook } from "standardwebhooks"

/** The prefixes, as the spec writes them. */
export const SECRET_PREFIX = "whsec_"
export const SIGNING_KEY_PREFIX = "whsk_"
export const PUBLIC_KEY_PREFIX = "whpk_"

/** The spec's bounds for a generated symmetric secret (bytes). */
export const MIN_SECRET_BYTES = 24
export const MAX_SECRET_BYTES = 64

const SEED_BYTES = 32
const PUBLIC_KEY_BYTES = 32

// The DER header that turns a raw ed25519 seed into PKCS#8 (RFC 8410: OID 1.3.101.112).
const PKCS8_ED25519 = Buffer.from("302e020100300506032b657004220420", "hex")

/** Canonical, padded, standard-alphabet base64 (what `whsec_`/`whsk_`/`whpk_` carry). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** Strict base64 decoding: `undefined` for anything but canonical padded standard base64. */
export const decodeBase64 = (text: string): Buffer | undefined => {
  if (!BASE64.test(text)) return undefined
  const bytes = Buffer.from(text, "base64")
  // the last character may carry bits the decoder drops ("QR==" decodes like "QQ=="): refuse
  // every spelling but the canonical one, so one key has one text
  return bytes.toString("base64") === text ? bytes : undefined
}

/** A v1 secret: its bytes and the reference library's signer over them. */
export interface SecretKey {
  readonly kind: "secret"
  readonly bytes: Uint8Array
  readonly webhook: Webhook
}

/** A v1a signing key: the private key object and its raw public key. */
export interface SigningKey {
  readonly kind: "signing"
  readonly privateKey: KeyObject
  readonly publicKey: Buffer
}

/** A v1a public key. */
export interface PublicKey {
  readonly kind: "public"
  readonly publicKey: KeyObject
}

/** What a key string holds. */
export type ParsedKey = SecretKey | SigningKey | PublicKey

/** A key string that could not be used, and why (a sentence fragment naming the fix). */
export interface KeyProblem {
  readonly problem: string
}

const problem = (text: string): KeyProblem => ({ problem: text })

// Importing keys: JWK where node allows it, as OpenSSL 3 decodes DER slowly (on the bench machine
// a PKCS#8 ed25519 key takes ~650 µs, the same key as JWK ~50 µs; an SPKI public key ~100 µs,
// as JWK ~10 µs). A private JWK needs `x`: node derives the public key from `d` and ignores
// `x`, but a seed alone has no `x` to give, so it goes through PKCS#8 (and is cached below).

/** The raw ed25519 public key of a private key, derived from its seed. */
const publicOf = (privateKey: KeyObject): Buffer =>
  Buffer.from(privateKey.export({ format: "jwk" }).x!, "base64url")

/** The node:crypto private key of a 32-byte ed25519 seed, and of its public key when known. */
export const privateKeyOf = (seed: Uint8Array, publicKey?: Uint8Array): KeyObject =>
  publicKey === undefined
    ? createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: "der", type: "pkcs8" })
    : createPrivateKey({
        key: {
          kty: "OKP",
          crv: "Ed25519",
          d: Buffer.from(seed).toString("base64url"),
          x: Buffer.from(publicKey).toString("base64url")
        },
        format: "jwk"
      })

/** The node:crypto public key of 32 raw ed25519 public-key bytes. */
export const publicKeyOfRaw = (raw: Uint8Array): KeyObject =>
  createPublicKey({
    key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(raw).toString("base64url") },
    format: "jwk"
  })

const parseSecret = (body: string, prefixed: boolean): SecretKey | KeyProblem => {
  const bytes = decodeBase64(body)
  if (bytes === undefined) {
    return problem(
      prefixed
        ? "the text after whsec_ is not standard padded base64"
        : "it has no whsec_, whsk_ or whpk_ prefix and is not standard padded base64 either"
    )
  }
  if (bytes.length === 0) return problem("the secret is empty")
  return { kind: "secret", bytes, webhook: new Webhook(bytes, { format: "raw" }) }
}

const parseSigningKey = (body: string): SigningKey | KeyProblem => {
  const bytes = decodeBase64(body)
  if (bytes === undefined) return problem("the text after whsk_ is not standard padded base64")
  if (bytes.length !== SEED_BYTES && bytes.length !== SEED_BYTES + PUBLIC_KEY_BYTES) {
    return problem(
      `a whsk_ key holds 64 bytes (ed25519 seed then public key) or a 32-byte seed, not ${bytes.length}`
    )
  }
  const given = bytes.length > SEED_BYTES ? bytes.subarray(SEED_BYTES) : undefined
  const privateKey = privateKeyOf(bytes.subarray(0, SEED_BYTES), given)
  const publicKey = publicOf(privateKey)
  if (given !== undefined && !publicKey.equals(given)) {
    return problem("its last 32 bytes are not the public key of its seed (a damaged or spliced key)")
  }
  return { kind: "signing", privateKey, publicKey }
}

const parsePublicKey = (body: string): PublicKey | KeyProblem => {
  const bytes = decodeBase64(body)
  if (bytes === undefined) return problem("the text after whpk_ is not standard padded base64")
  if (bytes.length !== PUBLIC_KEY_BYTES) {
    return problem(`a whpk_ key holds a 32-byte ed25519 public key, not ${bytes.length} bytes`)
  }
  try {
    return { kind: "public", publicKey: publicKeyOfRaw(bytes) }
  } catch {
    return problem("its 32 bytes are not an ed25519 public key")
  }
}

/** How many parsed keys are kept (least recently used first out). */
const CACHE_SIZE = 256
const cache = new Map<string, ParsedKey>()

/**
 * Reads one key string: `whsec_…` or bare base64 (a v1 secret), `whsk_…` (a v1a signing key),
 * `whpk_…` (a v1a public key). Never throws. Keys that parse are kept in a small LRU cache, as
 * a sender signs with the same few keys again and again and an ed25519 key import costs more
 * than the signature.
 */
export const parseKey = (key: unknown): ParsedKey | KeyProblem => {
  if (typeof key === "string") {
    const hit = cache.get(key)
    if (hit !== undefined) {
      cache.delete(key)
      cache.set(key, hit)
      return hit
    }
  }
  const parsed = parseUncached(key)
  if (typeof key === "string" && !isProblem(parsed)) {
    cache.set(key, parsed)
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!)
  }
  return parsed
}

const parseUncached = (key: unknown): ParsedKey | KeyProblem => {
  if (typeof key !== "string") return problem(`expected a key string, got ${describe(key)}`)
  if (key.length === 0) return problem("the key is empty")
  if (key.trim() !== key) return problem("it has leading or trailing whitespace; remove it")
  try {
    if (key.startsWith(SECRET_PREFIX)) return parseSecret(key.slice(SECRET_PREFIX.length), true)
    if (key.startsWith(SIGNING_KEY_PREFIX)) return parseSigningKey(key.slice(SIGNING_KEY_PREFIX.length))
    if (key.startsWith(PUBLIC_KEY_PREFIX)) return parsePublicKey(key.slice(PUBLIC_KEY_PREFIX.length))
    return parseSecret(key, false)
  } catch (e) {
    return problem(`it could not be read as a key (${e instanceof Error ? e.message : String(e)})`)
  }
}

/** Whether `parseKey` failed. */
export const isProblem = (k: ParsedKey | KeyProblem): k is KeyProblem => "problem" in k

/** A short description of a value's type, for messages (never the value: it may be a secret). */
export const describe = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : typeof v

/** The `whsk_` text of an ed25519 seed and its public key (64 bytes, seed first). */
export const encodeSigningKey = (seed: Uint8Array, publicKey: Uint8Array): string =>
  SIGNING_KEY_PREFIX + Buffer.concat([seed, publicKey]).toString("base64")

/** The `whpk_` text of a raw ed25519 public key. */
export const encodePublicKey = (publicKey: Uint8Array): string =>
  PUBLIC_KEY_PREFIX + Buffer.from(publicKey).toString("base64")
