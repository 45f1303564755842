import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { encodeTime, incrementBase32 } from "ulid"

const ULID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/

/**
 * Schema for a ULID string (26 Crockford base-32 characters, time-ordered).
 *
 * @category models
 * @since 0.1.0
 */
export const Ulid = Schema.String.check(
  Schema.isPattern(ULID_PATTERN, {
    message: "expected a ULID: 26 characters of Crockford base-32, e.g. 01HZY3…"
  })
)

/**
 * A branded ULID schema for one entity kind, so an account id cannot be passed where an entry
 * id is expected.
 *
 * @example
 * ```ts
 * import { Ids } from "@paykit/core"
 * import { Schema } from "effect"
 * const AccountId = Ids.brandedId("AccountId")
 * type AccountId = typeof AccountId.Type
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const brandedId = <const B extends string>(brand: B) => Ulid.pipe(Schema.brand<B>(brand as never))

/**
 * The id generator: monotonic ULIDs whose time part comes from Effect's `Clock` (so tests
 * under `TestClock` are deterministic). `next` never repeats and always increases within one
 * generator.
 *
 * @example
 * ```ts
 * import { Ids } from "@paykit/core"
 * import { Effect } from "effect"
 * const id = Effect.runSync(Ids.Ids.next.pipe(Effect.provide(Ids.layerSeeded(42))))
 * ```
 * @category services
 * @since 0.1.0
 */
export class Ids extends Context.Service<Ids, { readonly next: Effect.Effect<string> }>()(
  "@paykit/core/Ids"
) {
  /** Convenience accessor: the next id from the `Ids` in context. */
  static readonly next: Effect.Effect<string, never, Ids> = Effect.flatMap(Ids, (ids) => ids.next)
}

/**
 * Seeded pseudo-random source (mulberry32): the same seed gives the same ids under the same clock.
 *
 * @internal
 */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

/** 16 random Crockford base-32 characters (80 bits). */
const randomPart = (random: () => number): string => {
  let out = ""
  for (let i = 0; i < 16; i++) out += ALPHABET[Math.floor(random() * 32) % 32]
  return out
}

const secureRandomPart = (): string => {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16))
  let out = ""
  // 256 is a multiple of 32, so `byte % 32` is unbiased
  for (const b of bytes) out += ALPHABET[b % 32]
  return out
}

/**
 * A monotonic ULID generator: within one millisecond (or if the clock goes backwards) the
 * random part is incremented, so ids strictly increase. Works from time 0 (TestClock).
 *
 * @internal
 */
export const monotonic = (nextRandom: () => string) => {
  let lastTime = -1
  let lastRandom = ""
  return (now: number): string => {
    if (now <= lastTime) {
      lastRandom = incrementBase32(lastRandom)
      return encodeTime(lastTime, 10) + lastRandom
    }
    lastTime = now
    lastRandom = nextRandom()
    return encodeTime(now, 10) + lastRandom
  }
}

const makeWith = (generate: (now: number) => string) => ({
  next: Effect.map(Clock.currentTimeMillis, generate)
})

/**
 * Ids from a cryptographically secure random source.
 *
 * @category layers
 * @since 0.1.0
 */
export const layer: Layer.Layer<Ids> = Layer.sync(Ids, () => makeWith(monotonic(secureRandomPart)))

/**
 * Deterministic ids for tests and demos: same seed and same clock, same ids.
 *
 * @category layers
 * @since 0.1.0
 */
export const layerSeeded = (seed: number): Layer.Layer<Ids> =>
  Layer.sync(Ids, () => {
    const random = seededRandom(seed)
    return makeWith(monotonic(() => randomPart(random)))
  })
