import { Effect, type Layer } from "effect"
import { describe, expect, it } from "vitest"
import { KeyStore } from "../KeyStore.ts"

/**
 * The `KeyStore` contract: wrap/unwrap round trip bound to the subject, tamper detection,
 * rotation (old versions still unwrap until retired), retirement, a deterministic keyed blind
 * index, and `blindIndexes` (the current blind index first, one per blind-index key version).
 * Run with a layer giving a fresh key store per test that can rotate once: the memory store, or
 * a configured ring holding a KEK version above its current one (a configured ring never invents
 * a key).
 *
 * @example
 * ```ts
 * import { KeyStore } from "@paykit/accounts"
 * import { KeyStoreContract } from "@paykit/accounts/testing"
 * KeyStoreContract.suite("memory", KeyStore.layerMemory)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const suite = (name: string, layer: Layer.Layer<KeyStore, unknown>): void => {
  const run = <A, E>(effect: Effect.Effect<A, E, KeyStore>): Promise<A> =>
    Effect.runPromise(Effect.provide(effect, layer) as Effect.Effect<A, E>)
  const dek = new Uint8Array(Array.from({ length: 32 }, (_, i) => i))

  describe(`KeyStore contract: ${name}`, () => {
    it("unwraps what it wrapped, only for the same subject, and detects tampering", () =>
      run(
        Effect.gen(function* () {
          const ks = yield* KeyStore
          const w = yield* ks.wrap("s1", dek)
          expect(w.kekVersion).toBe(yield* ks.currentVersion)
          expect(Buffer.from(w.wrapped, "base64").includes(Buffer.from(dek))).toBe(false)
          expect([...(yield* ks.unwrap("s1", w))]).toEqual([...dek])
          expect((yield* Effect.flip(ks.unwrap("s2", w)))._tag).toBe("KeyStoreFailure")
          const raw = Buffer.from(w.wrapped, "base64")
          raw[raw.length - 1]! ^= 1
          expect((yield* Effect.flip(ks.unwrap("s1", { ...w, wrapped: raw.toString("base64") })))._tag).toBe(
            "KeyStoreFailure"
          )
        })
      ))

    it("rotation makes a new current version; older wraps unwrap until their version is retired", () =>
      run(
        Effect.gen(function* () {
          const ks = yield* KeyStore
          const v1 = yield* ks.currentVersion
          const old = yield* ks.wrap("s1", dek)
          const v2 = yield* ks.rotate
          expect(v2).toBeGreaterThan(v1)
          expect(yield* ks.currentVersion).toBe(v2)
          expect([...(yield* ks.unwrap("s1", old))]).toEqual([...dek])
          const fresh = yield* ks.wrap("s1", dek)
          expect(fresh.kekVersion).toBe(v2)
          expect((yield* Effect.flip(ks.retire(v2)))._tag).toBe("KeyStoreFailure")
          yield* ks.retire(v1)
          expect((yield* Effect.flip(ks.unwrap("s1", old)))._tag).toBe("KeyStoreFailure")
          expect([...(yield* ks.unwrap("s1", fresh))]).toEqual([...dek])
        })
      ))

    it("the blind index is deterministic, keyed by purpose, and not the value", () =>
      run(
        Effect.gen(function* () {
          const ks = yield* KeyStore
          const a = yield* ks.blindIndex("email", "jane@example.com")
          expect(yield* ks.blindIndex("email", "jane@example.com")).toBe(a)
          expect(yield* ks.blindIndex("card", "jane@example.com")).not.toBe(a)
          expect(yield* ks.blindIndex("email", "john@example.com")).not.toBe(a)
          expect(a).not.toContain("jane")
        })
      ))

    it("blindIndexes starts with the current blind index, one distinct keyed value per blind-index key version", () =>
      run(
        Effect.gen(function* () {
          const ks = yield* KeyStore
          const all = yield* ks.blindIndexes("email", "jane@example.com")
          expect(all.length).toBeGreaterThanOrEqual(1)
          expect(all[0]).toBe(yield* ks.blindIndex("email", "jane@example.com"))
          expect(new Set(all).size).toBe(all.length)
          expect(yield* ks.blindIndexes("email", "jane@example.com")).toEqual(all)
          const other = yield* ks.blindIndexes("card", "jane@example.com")
          for (const x of all) {
            expect(x).not.toContain("jane")
            expect(other).not.toContain(x)
          }
        })
      ))
  })
}
