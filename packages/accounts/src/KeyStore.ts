import { createHmac } from "node:crypto"
import { Context, Effect, Layer } from "effect"
import { decryptBytes, encryptBytes, generateKey } from "./Cipher.ts"
import { KeyStoreFailure } from "./errors.ts"

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
 * The key-encryption-key port (a KMS or HSM in production). Data keys never leave the process
 * unwrapped; KEKs never leave the key store.
 *
 * - `wrap(subject, dataKey)`: encrypts a data key under the current KEK, bound to the subject.
 * - `unwrap(subject, wrapped)`: the data key, or `KeyStoreFailure` (unknown version, tampered, wrong subject).
 * - `rotate`: makes a new KEK version current; old versions still unwrap until retired.
 * - `retire(version)`: forgets an old KEK version (after every data key was re-wrapped).
 * - `blindIndex(purpose, value)`: a keyed hash for lookups without plaintext (duplicate emails,
 *   card fingerprints).
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
  }
>()("@paykit/accounts/KeyStore") {}

const aad = (subject: string, version: number) =>
  Buffer.from(JSON.stringify(["paykit.dek.v1", subject, version]), "utf8")

/**
 * An in-memory key store with random KEKs (version 1 at start). For tests and demos: keys die
 * with the process.
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
  const keks = new Map<number, Buffer>([[1, generateKey()]])
  const indexKey = generateKey()
  let current = 1
  return KeyStore.of({
    currentVersion: Effect.sync(() => current),
    wrap: (subject, dataKey) =>
      Effect.sync(() => {
        const kek = keks.get(current)!
        const e = encryptBytes(kek, dataKey, aad(subject, current))
        return {
          kekVersion: current,
          wrapped: Buffer.concat([e.nonce, e.tag, e.ciphertext]).toString("base64")
        }
      }),
    unwrap: (subject, w) =>
      Effect.suspend(() => {
        const kek = keks.get(w.kekVersion)
        if (kek === undefined)
          return Effect.fail(
            new KeyStoreFailure({ reason: `KEK version ${w.kekVersion} is unknown or retired` })
          )
        const raw = Buffer.from(w.wrapped, "base64")
        const out = decryptBytes(
          kek,
          raw.subarray(0, 12),
          raw.subarray(28),
          raw.subarray(12, 28),
          aad(subject, w.kekVersion)
        )
        return out === undefined
          ? Effect.fail(
              new KeyStoreFailure({ reason: `the wrapped data key of ${subject} does not authenticate` })
            )
          : Effect.succeed(new Uint8Array(out))
      }),
    rotate: Effect.sync(() => {
      current += 1
      keks.set(current, generateKey())
      return current
    }),
    retire: (version) =>
      version === current
        ? Effect.fail(new KeyStoreFailure({ reason: "the current KEK cannot be retired; rotate first" }))
        : Effect.sync(() => {
            keks.delete(version)
          }),
    blindIndex: (purpose, value) =>
      Effect.sync(() => createHmac("sha256", indexKey).update(`${purpose}\u0000${value}`).digest("hex"))
  })
})

/**
 * The memory key store as a layer (fresh keys per build).
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
