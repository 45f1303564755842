import { createHmac } from "node:crypto"
import { Config, Context, Effect, Layer, Option, Redacted, Result } from "effect"
import { decryptBytes, encryptBytes, generateKey } from "./Cipher.ts"
import { InvalidKeyConfiguration, KeyStoreFailure } from "./errors.ts"

/**
 * A data key wrapped (encrypted) by a key-encryption key: which KEK version, and the wrapped bytes
 * (base64). Only the key store can unwrap it.
 *
 * @example
 * ```ts
 * import type { KeyStore } from "@paykit/accounts"
 * const version = (w: KeyStore.WrappedKey) => w.kekVersion
 * ```
 * @category models
 * @since 0.1.0
 */
export interface WrappedKey {
  readonly kekVersion: number
  readonly wrapped: string
}

/**
 * The key-encryption-key port: the configured key ring ({@link layerConfig}, {@link layer}) or a
 * KMS / HSM adapter you write. Data keys never leave the process unwrapped; KEKs never leave the
 * key store.
 *
 * - `currentVersion`: the KEK version new data keys are wrapped under.
 * - `wrap(subject, dataKey)`: encrypts a data key under the current KEK, bound to the subject
 *   (a KMS: `Encrypt` with the subject as encryption context).
 * - `unwrap(subject, wrapped)`: the data key, or `KeyStoreFailure` (unknown or retired version,
 *   tampered, wrong subject, another key ring). Must work for every version not yet retired, in
 *   every instance of the service: two instances on one database, or one restarted, need the same
 *   versions.
 * - `rotate`: makes a newer KEK version current and returns it (the memory store invents one; a
 *   configured ring moves to its highest configured version and never invents a key);
 *   `Accounts.rotateKeys` then re-wraps every data key under an older version.
 * - `retire(version)`: forgets an old KEK version (the service calls it only after the store
 *   confirmed that no data key is wrapped under it); the current version is refused.
 * - `blindIndex(purpose, value)`: a keyed hash under the current blind-index key, for lookups
 *   without plaintext (duplicate emails and registration numbers, card fingerprints). The
 *   blind-index key is separate from the KEKs.
 * - `blindIndexes(purpose, value)`: the hash under every blind-index key version the store holds,
 *   the current one first: duplicate detection looks every one up, so entries written before a
 *   blind-index key rotation are still found.
 *
 * @example
 * ```ts
 * import { KeyStore } from "@paykit/accounts"
 * import { Effect } from "effect"
 * const rotate = Effect.flatMap(KeyStore.KeyStore, (ks) => ks.rotate)
 * ```
 * @category services
 * @since 0.1.0
 */
export class KeyStore extends Context.Service<
  KeyStore,
  {
    readonly currentVersion: Effect.Effect<number, KeyStoreFailure>
    readonly wrap: (subject: string, dataKey: Uint8Array) => Effect.Effect<WrappedKey, KeyStoreFailure>
    readonly unwrap: (subject: string, wrapped: WrappedKey) => Effect.Effect<Uint8Array, KeyStoreFailure>
    readonly rotate: Effect.Effect<number, KeyStoreFailure>
    readonly retire: (version: number) => Effect.Effect<void, KeyStoreFailure>
    readonly blindIndex: (purpose: string, value: string) => Effect.Effect<string, KeyStoreFailure>
    readonly blindIndexes: (
      purpose: string,
      value: string
    ) => Effect.Effect<ReadonlyArray<string>, KeyStoreFailure>
  }
>()("@paykit/accounts/KeyStore") {}

const aad = (subject: string, version: number) =>
  Buffer.from(JSON.stringify(["paykit.dek.v1", subject, version]), "utf8")

/** The key material of a ring, held only in this closure: never a property of the service. */
interface Ring {
  readonly keks: Map<number, Buffer>
  current: number
  readonly indexKeys: ReadonlyMap<number, Buffer>
  readonly indexCurrent: number
}

const hmac = (key: Buffer, purpose: string, value: string) =>
  createHmac("sha256", key).update(`${purpose}\u0000${value}`).digest("hex")

/** A key store over a ring; `rotate` is the only difference between the memory and the configured one. */
const fromRing = (ring: Ring, rotate: Effect.Effect<number, KeyStoreFailure>): KeyStore["Service"] => {
  const indexOrder = [
    ring.indexCurrent,
    ...[...ring.indexKeys.keys()].filter((v) => v !== ring.indexCurrent).sort((a, b) => b - a)
  ]
  return KeyStore.of({
    currentVersion: Effect.sync(() => ring.current),
    wrap: (subject, dataKey) =>
      Effect.sync(() => {
        const version = ring.current
        const e = encryptBytes(ring.keks.get(version)!, dataKey, aad(subject, version))
        return {
          kekVersion: version,
          wrapped: Buffer.concat([e.nonce, e.tag, e.ciphertext]).toString("base64")
        }
      }),
    unwrap: (subject, w) =>
      Effect.suspend(() => {
        const kek = ring.keks.get(w.kekVersion)
        if (kek === undefined)
          return Effect.fail(
            new KeyStoreFailure({ reason: `KEK version ${w.kekVersion} is unknown or retired` })
          )
        const raw = Buffer.from(w.wrapped, "base64")
        const out =
          raw.length < 28
            ? undefined
            : decryptBytes(
                kek,
                raw.subarray(0, 12),
                raw.subarray(28),
                raw.subarray(12, 28),
                aad(subject, w.kekVersion)
              )
        return out === undefined
          ? Effect.fail(
              new KeyStoreFailure({
                reason: `the wrapped data key of ${subject} does not authenticate under KEK version ${w.kekVersion} (tampered, another subject's, or another key ring's)`
              })
            )
          : Effect.succeed(new Uint8Array(out))
      }),
    rotate,
    retire: (version) =>
      Effect.suspend(() =>
        version === ring.current
          ? Effect.fail(new KeyStoreFailure({ reason: "the current KEK cannot be retired; rotate first" }))
          : Effect.sync(() => {
              ring.keks.get(version)?.fill(0)
              ring.keks.delete(version)
            })
      ),
    blindIndex: (purpose, value) =>
      Effect.sync(() => hmac(ring.indexKeys.get(ring.indexCurrent)!, purpose, value)),
    blindIndexes: (purpose, value) =>
      Effect.sync(() => indexOrder.map((v) => hmac(ring.indexKeys.get(v)!, purpose, value)))
  })
}

/**
 * An in-memory key store with random KEKs (version 1 at start) and a random blind-index key.
 * **Test-only**: its keys die with the process, so after a restart every data key it wrapped is
 * unreadable (all personal data lost) and every blind index changes (duplicate detection silently
 * stops). In production use {@link layerConfig} (or {@link layer}, or a KMS adapter of the
 * {@link KeyStore} port).
 *
 * @example
 * ```ts
 * import { KeyStore } from "@paykit/accounts"
 * import { Effect } from "effect"
 * const ks = Effect.runSync(KeyStore.makeMemory)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const makeMemory: Effect.Effect<KeyStore["Service"]> = Effect.sync(() => {
  const ring: Ring = {
    keks: new Map([[1, generateKey()]]),
    current: 1,
    indexKeys: new Map([[1, generateKey()]]),
    indexCurrent: 1
  }
  return fromRing(
    ring,
    Effect.sync(() => {
      ring.current = Math.max(ring.current, ...ring.keks.keys()) + 1
      ring.keks.set(ring.current, generateKey())
      return ring.current
    })
  )
})

/**
 * The memory key store as a layer (fresh random keys per build). **Test-only**: see
 * {@link makeMemory}; nothing it encrypts survives a restart.
 *
 * @example
 * ```ts
 * import { KeyStore } from "@paykit/accounts"
 * import { Effect } from "effect"
 * const v = Effect.flatMap(KeyStore.KeyStore, (ks) => ks.currentVersion).pipe(Effect.provide(KeyStore.layerMemory))
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<KeyStore> = Layer.effect(KeyStore, makeMemory)

/**
 * A configured key ring: key-encryption keys by version (each 32 random bytes, base64, as from
 * `openssl rand -base64 32`), the `current` version new data keys are wrapped under (it must be
 * in `keks`), and the separate blind-index keys by version with their current version. Keys are
 * `Redacted`, so they print as `<redacted>`.
 *
 * @example
 * ```ts
 * import type { KeyStore } from "@paykit/accounts"
 * import { Redacted } from "effect"
 * const ring: KeyStore.KeyRing = {
 *   keks: { 1: Redacted.make("q83vEjRWeJAtDkn0l2uB3Fhx8o6xqVZ3aXRJ1cJgq0Q=") },
 *   current: 1,
 *   blindIndexKeys: { 1: Redacted.make("3s3lL2Qnq5s0x9mYQ8h1fS2C0vW7b0sP1eY6r4Jk0ZA=") },
 *   blindIndexCurrent: 1
 * }
 * ```
 * @category models
 * @since 0.5.0
 */
export interface KeyRing {
  readonly keks: Readonly<Record<number, Redacted.Redacted<string>>>
  readonly current: number
  readonly blindIndexKeys: Readonly<Record<number, Redacted.Redacted<string>>>
  readonly blindIndexCurrent: number
}

/** How the settings are named in errors: fields of a `KeyRing`, or environment variables. */
interface Names {
  readonly keks: string
  readonly kek: (version: number) => string
  readonly current: string
  readonly indexKeys: string
  readonly indexKey: (version: number) => string
  readonly indexCurrent: string
}

const fieldNames: Names = {
  keks: "keks",
  kek: (v) => `keks.${v}`,
  current: "current",
  indexKeys: "blindIndexKeys",
  indexKey: (v) => `blindIndexKeys.${v}`,
  indexCurrent: "blindIndexCurrent"
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const VERSION = /^[1-9][0-9]{0,8}$/

const invalid = (setting: string, reason: string) =>
  Result.fail(new InvalidKeyConfiguration({ setting, reason }))

/** A version: a positive integer (up to 9 digits); as text only where the source is text. */
const decodeVersion = (setting: string, raw: unknown): Result.Result<number, InvalidKeyConfiguration> =>
  typeof raw === "number" && Number.isSafeInteger(raw) && raw >= 1 && raw <= 999_999_999
    ? Result.succeed(raw)
    : typeof raw === "string" && VERSION.test(raw.trim())
      ? Result.succeed(Number(raw.trim()))
      : invalid(setting, "is not a key version (a positive integer)")

/** A 32-byte key from a redacted base64 string; the reason never quotes the value. */
const decodeKey = (setting: string, raw: unknown): Result.Result<Buffer, InvalidKeyConfiguration> => {
  if (!Redacted.isRedacted(raw)) return invalid(setting, "must be a Redacted base64 string")
  const text = Redacted.value(raw)
  if (typeof text !== "string") return invalid(setting, "must be a Redacted base64 string")
  const s = text.trim()
  if (s.length === 0) return invalid(setting, "is empty")
  if (!BASE64.test(s))
    return invalid(
      setting,
      "is not base64 (standard alphabet with padding, as `openssl rand -base64 32` prints)"
    )
  const bytes = Buffer.from(s, "base64")
  return bytes.length === 32
    ? Result.succeed(bytes)
    : invalid(setting, `decodes to ${bytes.length} bytes; a key is 32 bytes (\`openssl rand -base64 32\`)`)
}

const decodeKeys = (
  setting: string,
  name: (v: number) => string,
  raw: unknown
): Result.Result<Map<number, Buffer>, InvalidKeyConfiguration> => {
  if (typeof raw !== "object" || raw === null || Redacted.isRedacted(raw))
    return invalid(setting, "must map key versions to keys")
  const out = new Map<number, Buffer>()
  for (const [k, v] of Object.entries(raw)) {
    const version = decodeVersion(`${setting} (version ${JSON.stringify(k.slice(0, 12))})`, k)
    if (Result.isFailure(version)) return Result.fail(version.failure)
    const key = decodeKey(name(version.success), v)
    if (Result.isFailure(key)) return Result.fail(key.failure)
    out.set(version.success, key.success)
  }
  return out.size === 0
    ? invalid(setting, "holds no key; configure at least one version")
    : Result.succeed(out)
}

/** Validates a ring: every key 32 bytes of base64, both current versions in their rings, no key used twice. */
const decodeRing = (raw: unknown, names: Names): Result.Result<Ring, InvalidKeyConfiguration> =>
  Result.gen(function* () {
    if (typeof raw !== "object" || raw === null) return yield* invalid(names.keks, "is missing")
    const r = raw as Partial<Record<keyof KeyRing, unknown>>
    const keks = yield* decodeKeys(names.keks, names.kek, r.keks)
    const current = yield* decodeVersion(names.current, typeof r.current === "number" ? r.current : null)
    if (!keks.has(current))
      return yield* invalid(
        names.current,
        `is version ${current}, which is not in the key ring (versions ${[...keks.keys()].sort((a, b) => a - b).join(", ")}); add ${names.kek(current)} or pick a configured version`
      )
    const indexKeys = yield* decodeKeys(names.indexKeys, names.indexKey, r.blindIndexKeys)
    const indexCurrent = yield* decodeVersion(
      names.indexCurrent,
      typeof r.blindIndexCurrent === "number" ? r.blindIndexCurrent : null
    )
    if (!indexKeys.has(indexCurrent))
      return yield* invalid(
        names.indexCurrent,
        `is version ${indexCurrent}, which is not among the blind-index keys (versions ${[...indexKeys.keys()].sort((a, b) => a - b).join(", ")}); add ${names.indexKey(indexCurrent)} or pick a configured version`
      )
    const seen: Array<{ readonly name: string; readonly key: Buffer }> = []
    for (const [name, key] of [
      ...[...keks].map(([v, k]) => [names.kek(v), k] as const),
      ...[...indexKeys].map(([v, k]) => [names.indexKey(v), k] as const)
    ]) {
      const twin = seen.find((s) => s.key.equals(key))
      if (twin !== undefined)
        return yield* invalid(
          name,
          `is the same key as ${twin.name}; every KEK version and blind-index key needs its own key`
        )
      seen.push({ name, key })
    }
    return { keks, current, indexKeys, indexCurrent }
  })

/** A configured ring's rotation: the highest configured version becomes current; no key is invented. */
const configuredRotation = (ring: Ring): Effect.Effect<number, KeyStoreFailure> =>
  Effect.sync(() => {
    ring.current = Math.max(ring.current, ...ring.keks.keys())
    return ring.current
  })

/**
 * A durable key store from a configured {@link KeyRing}: the same ring gives the same keys in
 * every process, so a restarted instance, or several instances on one database, read each
 * other's data and find each other's blind indexes. Fails with `InvalidKeyConfiguration` naming
 * the field (`keks.2`, `current`, `blindIndexKeys.1`, …) when a key is not 32 bytes of base64, a
 * current version is not in its ring, or one key is used twice; the error never quotes a key.
 *
 * `rotate` never invents a key: it makes the highest configured KEK version current (in this
 * process; set the configuration's current version so every instance and every restart agree)
 * and returns it, and when the current version already is the highest it returns it unchanged, so
 * `Accounts.rotateKeys` re-wraps every data key still under an older version. `retire(version)`
 * forgets a version in this process (remove it from the configuration too).
 *
 * @example
 * ```ts
 * import { KeyStore } from "@paykit/accounts"
 * import { Effect, Redacted } from "effect"
 * const ks = KeyStore.make({
 *   keks: { 1: Redacted.make("q83vEjRWeJAtDkn0l2uB3Fhx8o6xqVZ3aXRJ1cJgq0Q=") },
 *   current: 1,
 *   blindIndexKeys: { 1: Redacted.make("3s3lL2Qnq5s0x9mYQ8h1fS2C0vW7b0sP1eY6r4Jk0ZA=") },
 *   blindIndexCurrent: 1
 * })
 * ```
 * @category constructors
 * @since 0.5.0
 */
export const make = (ring: KeyRing): Effect.Effect<KeyStore["Service"], InvalidKeyConfiguration> =>
  makeNamed(ring, fieldNames)

const makeNamed = (
  ring: unknown,
  names: Names
): Effect.Effect<KeyStore["Service"], InvalidKeyConfiguration> =>
  Effect.suspend(() => {
    const decoded = decodeRing(ring, names)
    return Result.isFailure(decoded)
      ? Effect.fail(decoded.failure)
      : Effect.succeed(fromRing(decoded.success, configuredRotation(decoded.success)))
  })

/**
 * {@link make} as a layer.
 *
 * @example
 * ```ts
 * import { KeyStore } from "@paykit/accounts"
 * import { Redacted } from "effect"
 * const keys = KeyStore.layer({
 *   keks: { 1: Redacted.make("q83vEjRWeJAtDkn0l2uB3Fhx8o6xqVZ3aXRJ1cJgq0Q=") },
 *   current: 1,
 *   blindIndexKeys: { 1: Redacted.make("3s3lL2Qnq5s0x9mYQ8h1fS2C0vW7b0sP1eY6r4Jk0ZA=") },
 *   blindIndexCurrent: 1
 * })
 * ```
 * @category layers
 * @since 0.5.0
 */
export const layer = (ring: KeyRing): Layer.Layer<KeyStore, InvalidKeyConfiguration> =>
  Layer.effect(KeyStore, make(ring))

/**
 * The environment variables {@link layerConfig} reads, for a prefix (default `PAYKIT_ACCOUNTS`).
 *
 * @example
 * ```ts
 * import { KeyStore } from "@paykit/accounts"
 * KeyStore.settings().kek(2) // "PAYKIT_ACCOUNTS_KEK_2"
 * ```
 * @category models
 * @since 0.5.0
 */
export const settings = (prefix = "PAYKIT_ACCOUNTS") => ({
  /** The KEK versions configured, comma-separated (default: only the current one). */
  kekVersions: `${prefix}_KEK_VERSIONS`,
  /** The KEK version new data keys are wrapped under. Required. */
  kekCurrent: `${prefix}_KEK_CURRENT`,
  /** One KEK version's key: 32 bytes, base64. */
  kek: (version: number) => `${prefix}_KEK_${version}`,
  /** The blind-index key versions configured, comma-separated (default: only the current one). */
  blindIndexVersions: `${prefix}_BLIND_INDEX_KEY_VERSIONS`,
  /** The blind-index key version new index entries use (default 1). */
  blindIndexCurrent: `${prefix}_BLIND_INDEX_KEY_CURRENT`,
  /** One blind-index key version's key: 32 bytes, base64. */
  blindIndexKey: (version: number) => `${prefix}_BLIND_INDEX_KEY_${version}`
})

/** An optional setting as text; a provider that cannot be read names the setting. */
const optional = (name: string): Effect.Effect<Option.Option<string>, InvalidKeyConfiguration> =>
  Config.option(Config.String(name)).pipe(
    Effect.mapError(() => new InvalidKeyConfiguration({ setting: name, reason: "could not be read" }))
  )

const secret = (name: string): Effect.Effect<Redacted.Redacted<string>, InvalidKeyConfiguration> =>
  Config.option(Config.Redacted(name)).pipe(
    Effect.mapError(() => new InvalidKeyConfiguration({ setting: name, reason: "could not be read" })),
    Effect.flatMap((o) =>
      Option.isSome(o)
        ? Effect.succeed(o.value)
        : Effect.fail(new InvalidKeyConfiguration({ setting: name, reason: "is missing" }))
    )
  )

/** The versions a `…_VERSIONS` setting lists (default: only `current`), each a positive integer. */
const versionsOf = (
  name: string,
  current: number
): Effect.Effect<ReadonlyArray<number>, InvalidKeyConfiguration> =>
  Effect.flatMap(optional(name), (o) => {
    if (Option.isNone(o)) return Effect.succeed([current])
    const out: Array<number> = []
    for (const part of o.value.split(",")) {
      const v = decodeVersion(name, part)
      if (Result.isFailure(v))
        return Effect.fail(
          new InvalidKeyConfiguration({
            setting: name,
            reason: "must list key versions (positive integers) separated by commas"
          })
        )
      if (!out.includes(v.success)) out.push(v.success)
    }
    return Effect.succeed(out)
  })

const currentOf = (
  name: string,
  fallback: number | undefined
): Effect.Effect<number, InvalidKeyConfiguration> =>
  Effect.flatMap(optional(name), (o) => {
    if (Option.isNone(o))
      return fallback === undefined
        ? Effect.fail(new InvalidKeyConfiguration({ setting: name, reason: "is missing" }))
        : Effect.succeed(fallback)
    const v = decodeVersion(name, o.value)
    return Result.isFailure(v) ? Effect.fail(v.failure) : Effect.succeed(v.success)
  })

/**
 * The configured key store from the environment (any `ConfigProvider`), every key read as a
 * `Redacted` value (prefix `PAYKIT_ACCOUNTS` by default):
 *
 * | setting | meaning |
 * | --- | --- |
 * | `PAYKIT_ACCOUNTS_KEK_CURRENT` | the KEK version new data keys are wrapped under (required) |
 * | `PAYKIT_ACCOUNTS_KEK_VERSIONS` | the KEK versions configured, e.g. `1,2` (default: the current one) |
 * | `PAYKIT_ACCOUNTS_KEK_<version>` | that version's key: 32 random bytes, base64 (`openssl rand -base64 32`) |
 * | `PAYKIT_ACCOUNTS_BLIND_INDEX_KEY_CURRENT` | the blind-index key version new entries use (default 1) |
 * | `PAYKIT_ACCOUNTS_BLIND_INDEX_KEY_VERSIONS` | the blind-index key versions configured (default: the current one) |
 * | `PAYKIT_ACCOUNTS_BLIND_INDEX_KEY_<version>` | that version's key: 32 random bytes, base64, never a KEK |
 *
 * Fails with `InvalidKeyConfiguration` naming the variable (missing, not base64, not 32 bytes,
 * the current version not listed, a key used twice); no key appears in an error, a log or a
 * `toString`. Behaves as {@link make}.
 *
 * @example
 * ```ts
 * import { KeyStore } from "@paykit/accounts"
 * import { ConfigProvider, Layer } from "effect"
 * const keys = KeyStore.layerConfig().pipe(
 *   Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv()))
 * )
 * ```
 * @category layers
 * @since 0.5.0
 */
export const layerConfig = (
  options: { readonly prefix?: string } = {}
): Layer.Layer<KeyStore, InvalidKeyConfiguration> => Layer.effect(KeyStore, makeConfig(options))

/**
 * The effect {@link layerConfig} runs: reads the settings from the `ConfigProvider` and builds
 * the key store.
 *
 * @example
 * ```ts
 * import { KeyStore } from "@paykit/accounts"
 * import { ConfigProvider, Effect } from "effect"
 * const env = { PAYKIT_ACCOUNTS_KEK_CURRENT: "1" } // and the keys
 * const ks = KeyStore.makeConfig().pipe(
 *   Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))
 * )
 * ```
 * @category constructors
 * @since 0.5.0
 */
export const makeConfig = (
  options: { readonly prefix?: string } = {}
): Effect.Effect<KeyStore["Service"], InvalidKeyConfiguration> =>
  Effect.gen(function* () {
    const s = settings(options.prefix)
    const current = yield* currentOf(s.kekCurrent, undefined)
    const kekVersions = yield* versionsOf(s.kekVersions, current)
    const indexCurrent = yield* currentOf(s.blindIndexCurrent, 1)
    const indexVersions = yield* versionsOf(s.blindIndexVersions, indexCurrent)
    const keks: Record<number, Redacted.Redacted<string>> = {}
    for (const v of kekVersions) keks[v] = yield* secret(s.kek(v))
    const blindIndexKeys: Record<number, Redacted.Redacted<string>> = {}
    for (const v of indexVersions) blindIndexKeys[v] = yield* secret(s.blindIndexKey(v))
    return yield* makeNamed(
      { keks, current, blindIndexKeys, blindIndexCurrent: indexCurrent },
      {
        keks: s.kekVersions,
        kek: s.kek,
        current: s.kekCurrent,
        indexKeys: s.blindIndexVersions,
        indexKey: s.blindIndexKey,
        indexCurrent: s.blindIndexCurrent
      }
    )
  })
