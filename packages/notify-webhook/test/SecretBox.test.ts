import { randomBytes } from "node:crypto"
import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { SecretBox } from "../src/index.ts"

/** Endpoint secrets at rest (issue 20: "secrets are stored encrypted"). */
describe("SecretBox", () => {
  const k1 = { id: "k1", key: randomBytes(32) }
  const k2 = { id: "k2", key: randomBytes(32) }

  it("round-trips any secret; the sealed text holds neither the secret nor a fixed nonce", () => {
    const box = SecretBox.makeUnsafe([k1])
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        (secret, endpoint) => {
          const a = box.seal(endpoint, secret)
          const b = box.seal(endpoint, secret)
          expect(a).not.toBe(b)
          if (secret.length > 3) expect(a.includes(secret)).toBe(false)
          expect(box.open(endpoint, a)).toEqual(Result.succeed(secret))
        }
      )
    )
  })

  it("refuses a tampered secret, one moved to another endpoint, and an unknown master key", () => {
    const box = SecretBox.makeUnsafe([k1])
    const sealed = box.seal("ep_1", "whsec_abc")
    const parts = sealed.split(".")
    const body = Buffer.from(parts[3] as string, "base64url")
    body[0] = (body[0] as number) ^ 1
    const tampered = [...parts.slice(0, 3), body.toString("base64url")].join(".")
    expect(Result.isFailure(box.open("ep_1", tampered))).toBe(true)
    expect(Result.isFailure(box.open("ep_2", sealed))).toBe(true)
    expect(Result.isFailure(box.open("ep_1", sealed.replace("v1.k1.", "v1.k9.")))).toBe(true)
    expect(Result.isFailure(box.open("ep_1", "plain text"))).toBe(true)
  })

  it("master keys rotate: the new key seals, the old one still opens, isStale says what to re-seal", () => {
    const old = SecretBox.makeUnsafe([k1])
    const sealed = old.seal("ep_1", "whsec_abc")
    const rotated = SecretBox.makeUnsafe([k2, k1])
    expect(rotated.open("ep_1", sealed)).toEqual(Result.succeed("whsec_abc"))
    expect(rotated.isStale(sealed)).toBe(true)
    expect(rotated.isStale(rotated.seal("ep_1", "x"))).toBe(false)
    const retired = SecretBox.makeUnsafe([k2])
    expect(Result.isFailure(retired.open("ep_1", sealed))).toBe(true)
  })

  it("refuses bad master keys", () => {
    expect(() => SecretBox.makeUnsafe([])).toThrow(/at least one/)
    expect(() => SecretBox.makeUnsafe([{ id: "k", key: randomBytes(16) }])).toThrow(/32 bytes/)
    expect(() => SecretBox.makeUnsafe([k1, k1])).toThrow(/twice/)
    expect(
      SecretBox.parseKeysUnsafe(
        `a:${Buffer.alloc(32, 1).toString("base64")}, b:${Buffer.alloc(32, 2).toString("base64")}`
      ).map((k) => k.id)
    ).toEqual(["a", "b"])
  })
})
