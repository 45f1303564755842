import * as crypto from "node:crypto"

const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash

/** sha256 hex of a string (the one-shot `crypto.hash` where Node has it, ≥ 20.12). */
export const sha256: (s: string) => string =
  typeof oneShot === "function"
    ? (s) => oneShot("sha256", s, "hex")
    : (s) => crypto.createHash("sha256").update(s).digest("hex")

/** Canonical JSON of a string record: keys sorted. */
export const canonicalRecord = (r: Readonly<Record<string, string>>): string => {
  const keys = Object.keys(r)
  if (keys.length === 0) return "{}"
  keys.sort()
  let out = "{"
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!
    out += (i === 0 ? "" : ",") + JSON.stringify(k) + ":" + JSON.stringify(r[k])
  }
  return out + "}"
}

/** Crockford base-32 digits. */
export const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

/** `n` (0 ≤ n < 32^width) in Crockford base-32, left-padded to `width` characters. */
export const base32 = (n: number, width: number): string => {
  let out = ""
  for (let i = 0; i < width; i++) {
    out = CROCKFORD[n % 32]! + out
    n = Math.floor(n / 32)
  }
  return out
}

/** Event numbers in base 32 (`base32(k, 6)`) for k below 32^3, filled on first use. */
const NUMBERS: Array<string | undefined> = []

/**
 * The number part of the k-th event id of a write: `base32(k, 6)`, remembered for the numbers a
 * write usually has (below 32,768). The id is the seed ULID with characters 10..15 replaced by
 * it: `seed.slice(0, 10) + eventNumber(k) + seed.slice(16)`. That keeps the seed's time prefix
 * and its 50 low random bits, so ids of one write are distinct and ids of two writes differ
 * whenever their seeds differ in time or low bits (monotonic ULIDs do).
 */
export const eventNumber = (k: number): string => {
  if (k >= 32_768) return base32(k, 6)
  let digits = NUMBERS[k]
  if (digits === undefined) {
    digits = base32(k, 6)
    NUMBERS[k] = digits
  }
  return digits
}

/** The form of every record id: what the schemas accept and the core's shape checks test. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/
