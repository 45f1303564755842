import { createPrivateKey, sign as nodeSign } from "node:crypto"
import type { IncomingHttpHeaders } from "node:http"
import { Result } from "effect"
import fc from "fast-check"
import { Webhook } from "standardwebhooks"
import { afterEach, describe, expect, it, vi } from "vitest"
import * as Signing from "../src/Signing.ts"

// biome-ignore lint/suspicious/noExplicitAny: the hostile-input cases pass wrong types on purpose
type Loose = any

/** The Standard Webhooks test vectors (the reference libraries' tests). */
const vectors = [
  {
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
    timestamp: 1614265330,
    payload: '{"test": 2432232314}',
    signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
  },
  {
    secret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
    id: "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
    timestamp: 1649367553,
    payload: '{"email":"test@example.com","username":"test_user"}',
    signature: "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
  }
] as const

const V = vectors[0]
const vectorHeaders = (v: (typeof vectors)[number] = V, signature: string = v.signature) => ({
  "webhook-id": v.id,
  "webhook-timestamp": String(v.timestamp),
  "webhook-signature": signature
})

/** `verify` of the first vector with some fields replaced; `now` is the vector's timestamp. */
const verifyV = (over: Partial<Signing.VerifyInput> = {}) =>
  Signing.verify({
    payload: V.payload,
    headers: vectorHeaders(),
    keys: [V.secret],
    now: V.timestamp,
    ...over
  })

const reasonOf = (r: Result.Result<unknown, Signing.WebhookVerificationFailed>) =>
  Result.isFailure(r) ? r.failure.reason : "ok"

const okId = (r: Result.Result<Signing.Verified, Signing.WebhookVerificationFailed>) =>
  Result.isSuccess(r) ? r.success.id : `failed: ${r.failure.message}`

/** `s` with the character at `i` replaced by a different base64 character. */
const flipChar = (s: string, i: number) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1)

const nowSeconds = () => Math.floor(Date.now() / 1000)

afterEach(() => {
  vi.useRealTimers()
})

describe("Standard Webhooks test vectors", () => {
  it.each(vectors)("signs $id exactly as the spec's vector", (v) => {
    expect(
      Signing.signUnsafe({ id: v.id, timestamp: v.timestamp, payload: v.payload, keys: [v.secret] })
    ).toBe(v.signature)
  })

  it.each(vectors)("signs $id the same with the secret given without whsec_", (v) => {
    const raw = v.secret.slice("whsec_".length)
    expect(Signing.signUnsafe({ id: v.id, timestamp: v.timestamp, payload: v.payload, keys: [raw] })).toBe(
      v.signature
    )
  })

  it.each(vectors)("verifies $id with and without the whsec_ prefix, as text and as bytes", (v) => {
    for (const key of [v.secret, v.secret.slice("whsec_".length)]) {
      for (const payload of [v.payload, new TextEncoder().encode(v.payload)]) {
        const r = Signing.verify({ payload, headers: vectorHeaders(v), keys: [key], now: v.timestamp })
        expect(Result.isSuccess(r) && r.success).toEqual({ id: v.id, timestamp: v.timestamp })
      }
    }
  })

  it("headers carries the id, the timestamp and the vector's signature", () => {
    expect(
      Signing.headersUnsafe({ id: V.id, timestamp: V.timestamp, payload: V.payload, keys: [V.secret] })
    ).toEqual(vectorHeaders())
  })

  it("the vector does not verify under the other vector's secret", () => {
    expect(reasonOf(verifyV({ keys: [vectors[1].secret] }))).toBe("no_matching_signature")
  })
})

describe("cross-check with the standardwebhooks package", () => {
  it.each(vectors)("the package's Webhook.verify accepts the headers we produce for $id", (v) => {
    vi.useFakeTimers({ toFake: ["Date"] })
    vi.setSystemTime(v.timestamp * 1000)
    const ours = Signing.headersUnsafe({
      id: v.id,
      timestamp: v.timestamp,
      payload: v.payload,
      keys: [v.secret]
    })
    expect(new Webhook(v.secret).verify(v.payload, { ...ours })).toEqual(JSON.parse(v.payload))
  })

  it("the package verifies ours and we verify the package's, for fresh secrets and payloads", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 64 }), fc.string(), (secretBytes, payload) => {
        const secret = `whsec_${Buffer.from(secretBytes).toString("base64")}`
        const id = "msg_cross"
        const timestamp = nowSeconds()
        const ours = Signing.headersUnsafe({ id, timestamp, payload, keys: [secret] })
        expect(new Webhook(secret).verify(payload, { ...ours }, { jsonParse: false })).toBeUndefined()
        const theirs = new Webhook(secret).sign(id, new Date(timestamp * 1000), payload)
        expect(ours["webhook-signature"]).toBe(theirs)
        const r = Signing.verify({
          payload,
          headers: { ...ours, "webhook-signature": theirs },
          keys: [secret],
          now: timestamp
        })
        expect(Result.isSuccess(r)).toBe(true)
      }),
      { numRuns: 50 }
    )
  })

  it("the package refuses what we refuse: a tampered payload", () => {
    const timestamp = nowSeconds()
    const ours = Signing.headersUnsafe({ id: "msg_1", timestamp, payload: "{}", keys: [V.secret] })
    expect(() => new Webhook(V.secret).verify("{ }", { ...ours })).toThrow("No matching signature")
    expect(
      reasonOf(Signing.verify({ payload: "{ }", headers: ours, keys: [V.secret], now: timestamp }))
    ).toBe("no_matching_signature")
  })
})

describe("several signatures and key rotation", () => {
  const other = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"

  it("passes when one signature of several matches, whatever its position", () => {
    const wrong = flipChar(V.signature, 5)
    const forms = [
      `${wrong} ${V.signature}`,
      `${V.signature} ${wrong}`,
      `v2,abc ${wrong} v1a,${"A".repeat(86)}== ${V.signature} nonsense`
    ]
    for (const header of forms) expect(okId(verifyV({ headers: vectorHeaders(V, header) }))).toBe(V.id)
  })

  it("fails when several signatures are present and none matches", () => {
    const header = `${flipChar(V.signature, 5)} ${flipChar(V.signature, 9)} v2,${V.signature.slice(3)}`
    expect(reasonOf(verifyV({ headers: vectorHeaders(V, header) }))).toBe("no_matching_signature")
  })

  it("ignores unknown versions, even carrying the right bytes", () => {
    for (const version of ["v2", "v0", "V1", "v1b"]) {
      const header = `${version},${V.signature.slice(3)}`
      expect(reasonOf(verifyV({ headers: vectorHeaders(V, header) }))).toBe("no_matching_signature")
    }
  })

  it("signs once per key, in order, and each receiver's single key verifies it", () => {
    const { signingKey, publicKey } = Signing.generateKeyPair()
    const keys = [V.secret, other, signingKey]
    const h = Signing.headersUnsafe({ id: "msg_rot", timestamp: 1000, payload: "{}", keys })
    const parts = h["webhook-signature"].split(" ")
    expect(parts.map((p) => p.split(",")[0])).toEqual(["v1", "v1", "v1a"])
    expect(parts[0]).toBe(
      Signing.signUnsafe({ id: "msg_rot", timestamp: 1000, payload: "{}", keys: [V.secret] })
    )
    expect(parts[1]).toBe(
      Signing.signUnsafe({ id: "msg_rot", timestamp: 1000, payload: "{}", keys: [other] })
    )
    for (const receiver of [[V.secret], [other], [publicKey], [Signing.generateSecret(), other]]) {
      expect(okId(Signing.verify({ payload: "{}", headers: h, keys: receiver, now: 1000 }))).toBe("msg_rot")
    }
    const stranger = Signing.generateKeyPair().publicKey
    expect(
      reasonOf(
        Signing.verify({ payload: "{}", headers: h, keys: [Signing.generateSecret(), stranger], now: 1000 })
      )
    ).toBe("no_matching_signature")
  })

  it("a receiver holding the old and the new secret accepts a sender on either", () => {
    const oldSecret = Signing.generateSecret()
    const newSecret = Signing.generateSecret()
    for (const senderKeys of [[oldSecret], [newSecret], [oldSecret, newSecret]]) {
      const h = Signing.headersUnsafe({ id: "msg_r", timestamp: 5, payload: "x", keys: senderKeys })
      expect(okId(Signing.verify({ payload: "x", headers: h, keys: [oldSecret, newSecret], now: 5 }))).toBe(
        "msg_r"
      )
    }
  })
})

describe("verification failures", () => {
  it("a tampered signature fails, at every position", () => {
    const b64 = V.signature.slice(3)
    for (let i = 0; i < b64.length - 1; i++) {
      const header = `v1,${flipChar(b64, i)}`
      expect(reasonOf(verifyV({ headers: vectorHeaders(V, header) }))).toBe("no_matching_signature")
    }
  })

  it("a tampered payload fails", () => {
    for (const payload of [
      '{"test": 2432232315}',
      '{"test":2432232314}',
      `${V.payload} `,
      "",
      V.payload.slice(1)
    ]) {
      expect(reasonOf(verifyV({ payload }))).toBe("no_matching_signature")
    }
  })

  it("a partial signature (truncated base64) fails", () => {
    const b64 = V.signature.slice(3)
    for (const cut of [0, 1, 10, 20, 42, 43]) {
      const header = `v1,${b64.slice(0, cut)}`
      expect(reasonOf(verifyV({ headers: vectorHeaders(V, header) }))).toBe("no_matching_signature")
    }
    expect(reasonOf(verifyV({ headers: vectorHeaders(V, "v1") }))).toBe("no_matching_signature")
    expect(reasonOf(verifyV({ headers: vectorHeaders(V, `${V.signature}AA`) }))).toBe("no_matching_signature")
  })

  it.each(["webhook-id", "webhook-timestamp", "webhook-signature"] as const)("a missing %s fails", (name) => {
    const absent: Record<string, string> = { ...vectorHeaders() }
    delete absent[name]
    const empty = { ...vectorHeaders(), [name]: "" }
    for (const headers of [absent, empty, { ...vectorHeaders(), [name]: undefined }]) {
      const r = verifyV({ headers })
      expect(reasonOf(r)).toBe("missing_header")
      expect(Result.isFailure(r) && r.failure.message).toContain(name)
    }
    expect(reasonOf(verifyV({ headers: new Headers(absent) }))).toBe("missing_header")
  })

  it("a timestamp that is not whole seconds fails", () => {
    for (const t of [
      "abc",
      "1614265330abc",
      "1614265330.0",
      "1.5e9",
      "-1614265330",
      "+1614265330",
      " 1614265330",
      "0x60",
      "01614265330",
      "NaN",
      "Infinity"
    ]) {
      expect(reasonOf(verifyV({ headers: { ...vectorHeaders(), "webhook-timestamp": t } }))).toBe(
        "invalid_timestamp"
      )
    }
  })

  it("a timestamp in milliseconds fails as invalid", () => {
    const r = verifyV({ headers: { ...vectorHeaders(), "webhook-timestamp": String(V.timestamp * 1000) } })
    expect(reasonOf(r)).toBe("invalid_timestamp")
    expect(Result.isFailure(r) && r.failure.message).toContain("milliseconds")
  })

  it("the tolerance holds both ways, inclusive at its edge", () => {
    expect(okId(verifyV({ now: V.timestamp + 300 }))).toBe(V.id)
    expect(okId(verifyV({ now: V.timestamp - 300 }))).toBe(V.id)
    expect(reasonOf(verifyV({ now: V.timestamp + 301 }))).toBe("timestamp_too_old")
    expect(reasonOf(verifyV({ now: V.timestamp - 301 }))).toBe("timestamp_too_new")
    expect(reasonOf(verifyV({ now: V.timestamp + 86_400 }))).toBe("timestamp_too_old")
    expect(reasonOf(verifyV({ now: V.timestamp - 86_400 }))).toBe("timestamp_too_new")
    expect(okId(verifyV({ now: V.timestamp + 10, toleranceSeconds: 10 }))).toBe(V.id)
    expect(reasonOf(verifyV({ now: V.timestamp + 11, toleranceSeconds: 10 }))).toBe("timestamp_too_old")
    expect(reasonOf(verifyV({ now: V.timestamp - 1, toleranceSeconds: 0 }))).toBe("timestamp_too_new")
    expect(okId(verifyV({ now: V.timestamp, toleranceSeconds: 0 }))).toBe(V.id)
  })

  it("now defaults to the system clock", () => {
    vi.useFakeTimers({ toFake: ["Date"] })
    vi.setSystemTime((V.timestamp + 100) * 1000)
    expect(okId(verifyV({ now: undefined }))).toBe(V.id)
    vi.setSystemTime((V.timestamp + 400) * 1000)
    expect(reasonOf(verifyV({ now: undefined }))).toBe("timestamp_too_old")
    vi.setSystemTime((V.timestamp - 400) * 1000)
    expect(reasonOf(verifyV({ now: undefined }))).toBe("timestamp_too_new")
  })

  it("checks the timestamp before the signature (a stale replay is reported as stale)", () => {
    expect(reasonOf(verifyV({ now: V.timestamp + 301, payload: "tampered" }))).toBe("timestamp_too_old")
  })

  it("an empty key list, an empty key or a malformed key is invalid_key", () => {
    const bad: ReadonlyArray<ReadonlyArray<string>> = [
      [],
      [""],
      [V.secret, ""],
      ["whsec_"],
      ["whsec_not base64!"],
      ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS"],
      ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw "],
      ["whpk_AAAA"],
      [`whpk_${Buffer.alloc(33).toString("base64")}`],
      [Signing.generateKeyPair().signingKey]
    ]
    for (const keys of bad) expect(reasonOf(verifyV({ keys }))).toBe("invalid_key")
  })

  it("a bad key is reported even when the request is bad too (configuration first)", () => {
    expect(reasonOf(verifyV({ keys: [], headers: {} }))).toBe("invalid_key")
  })

  it("messages never contain the key material", () => {
    const secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oX"
    const r = verifyV({ keys: [secret] })
    expect(Result.isFailure(r) && r.failure.message).not.toContain("C2FVsBQ")
    const s = Signing.sign({ id: "m", timestamp: 1, payload: "", keys: ["whsec_QUJD"] })
    expect(Result.isFailure(s) && s.failure.message).not.toContain("QUJD")
  })

  it("verifyUnsafe throws the typed error and returns the message on success", () => {
    expect(
      Signing.verifyUnsafe({
        payload: V.payload,
        headers: vectorHeaders(),
        keys: [V.secret],
        now: V.timestamp
      })
    ).toEqual({
      id: V.id,
      timestamp: V.timestamp
    })
    expect(() =>
      Signing.verifyUnsafe({ payload: "x", headers: vectorHeaders(), keys: [V.secret], now: V.timestamp })
    ).toThrow(Signing.WebhookVerificationFailed)
  })
})

describe("v1a (ed25519)", () => {
  const pair = Signing.generateKeyPair()
  const msg = { id: "msg_ed", timestamp: 1_700_000_000, payload: '{"type":"payment.succeeded"}' }
  const signed = Signing.headersUnsafe({ ...msg, keys: [pair.signingKey] })
  const verifyEd = (over: Partial<Signing.VerifyInput> = {}) =>
    Signing.verify({
      payload: msg.payload,
      headers: signed,
      keys: [pair.publicKey],
      now: msg.timestamp,
      ...over
    })

  it("key formats: whsk_ is 64 bytes (seed, then the public key), whpk_ the 32-byte public key", () => {
    expect(pair.signingKey.startsWith("whsk_")).toBe(true)
    expect(pair.publicKey.startsWith("whpk_")).toBe(true)
    const sk = Buffer.from(pair.signingKey.slice(5), "base64")
    const pk = Buffer.from(pair.publicKey.slice(5), "base64")
    expect(sk.length).toBe(64)
    expect(pk.length).toBe(32)
    expect(sk.subarray(32).equals(pk)).toBe(true)
    expect(Result.getOrThrow(Signing.publicKeyOf(pair.signingKey))).toBe(pair.publicKey)
  })

  it("derives the RFC 8032 test 1 public key from its seed", () => {
    const seed = Buffer.from("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "hex")
    const pk = Buffer.from("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "hex")
    expect(Result.getOrThrow(Signing.publicKeyOf(`whsk_${seed.toString("base64")}`))).toBe(
      `whpk_${pk.toString("base64")}`
    )
    expect(
      Result.getOrThrow(Signing.publicKeyOf(`whsk_${Buffer.concat([seed, pk]).toString("base64")}`))
    ).toBe(`whpk_${pk.toString("base64")}`)
  })

  it("the signature is ed25519 over id.timestamp.payload, checked with a key node imports from JWK", () => {
    const sk = Buffer.from(pair.signingKey.slice(5), "base64")
    const key = createPrivateKey({
      key: {
        kty: "OKP",
        crv: "Ed25519",
        d: sk.subarray(0, 32).toString("base64url"),
        x: sk.subarray(32).toString("base64url")
      },
      format: "jwk"
    })
    const expected = nodeSign(null, Buffer.from(`${msg.id}.${msg.timestamp}.${msg.payload}`), key).toString(
      "base64"
    )
    expect(signed["webhook-signature"]).toBe(`v1a,${expected}`)
    expect(Buffer.from(expected, "base64").length).toBe(64)
  })

  it("round-trips, as text and as bytes", () => {
    expect(okId(verifyEd())).toBe("msg_ed")
    expect(okId(verifyEd({ payload: new TextEncoder().encode(msg.payload) }))).toBe("msg_ed")
  })

  it("a bare 32-byte seed signs the same (ed25519 is deterministic)", () => {
    const seedOnly = `whsk_${Buffer.from(pair.signingKey.slice(5), "base64").subarray(0, 32).toString("base64")}`
    expect(Signing.signUnsafe({ ...msg, keys: [seedOnly] })).toBe(signed["webhook-signature"])
  })

  it("refuses a tampered payload, id, timestamp or signature", () => {
    expect(reasonOf(verifyEd({ payload: `${msg.payload} ` }))).toBe("no_matching_signature")
    expect(reasonOf(verifyEd({ headers: { ...signed, "webhook-id": "msg_ee" } }))).toBe(
      "no_matching_signature"
    )
    expect(
      reasonOf(verifyEd({ headers: { ...signed, "webhook-timestamp": String(msg.timestamp + 1) } }))
    ).toBe("no_matching_signature")
    const sig = signed["webhook-signature"]
    for (const i of [4, 10, 40, 80]) {
      expect(reasonOf(verifyEd({ headers: { ...signed, "webhook-signature": flipChar(sig, i) } }))).toBe(
        "no_matching_signature"
      )
    }
    expect(reasonOf(verifyEd({ headers: { ...signed, "webhook-signature": sig.slice(0, 40) } }))).toBe(
      "no_matching_signature"
    )
  })

  it("refuses another public key, and a v1 secret cannot stand in for it", () => {
    expect(reasonOf(verifyEd({ keys: [Signing.generateKeyPair().publicKey] }))).toBe("no_matching_signature")
    expect(reasonOf(verifyEd({ keys: [Signing.generateSecret()] }))).toBe("no_matching_signature")
  })

  it("a v1a signature relabelled v1, and a v1 signature relabelled v1a, do not pass", () => {
    const sig = signed["webhook-signature"].slice(4)
    expect(reasonOf(verifyEd({ headers: { ...signed, "webhook-signature": `v1,${sig}` } }))).toBe(
      "no_matching_signature"
    )
    const secret = Signing.generateSecret()
    const v1 = Signing.signUnsafe({ ...msg, keys: [secret] })
    expect(
      reasonOf(
        verifyEd({
          headers: { ...signed, "webhook-signature": `v1a,${v1.slice(3)}` },
          keys: [secret, pair.publicKey]
        })
      )
    ).toBe("no_matching_signature")
  })

  it("refuses a whsk_ key whose public half is not its seed's", () => {
    const a = Buffer.from(pair.signingKey.slice(5), "base64")
    const b = Buffer.from(Signing.generateKeyPair().signingKey.slice(5), "base64")
    const spliced = `whsk_${Buffer.concat([a.subarray(0, 32), b.subarray(32)]).toString("base64")}`
    const r = Signing.sign({ ...msg, keys: [spliced] })
    expect(Result.isFailure(r) && r.failure._tag).toBe("InvalidSigningKey")
    expect(Result.isFailure(Signing.publicKeyOf(spliced))).toBe(true)
  })
})

describe("key handling", () => {
  it("publicKeyOf refuses what is not a whsk_ key", () => {
    for (const k of [V.secret, Signing.generateKeyPair().publicKey, "", "whsk_"]) {
      const r = Signing.publicKeyOf(k)
      expect(Result.isFailure(r) && r.failure._tag).toBe("InvalidSigningKey")
    }
  })

  it("more keys than the parse cache holds still sign and verify, the first ones again after eviction", () => {
    const secrets = Array.from({ length: 300 }, () => Signing.generateSecret())
    const pairs = Array.from({ length: 30 }, () => Signing.generateKeyPair())
    const check = (signing: string, verifying: string) => {
      const h = Signing.headersUnsafe({ id: "msg_c", timestamp: 9, payload: "p", keys: [signing] })
      expect(okId(Signing.verify({ payload: "p", headers: h, keys: [verifying], now: 9 }))).toBe("msg_c")
      expect(reasonOf(Signing.verify({ payload: "q", headers: h, keys: [verifying], now: 9 }))).toBe(
        "no_matching_signature"
      )
    }
    for (const s of secrets) check(s, s)
    for (const p of pairs) check(p.signingKey, p.publicKey)
    check(secrets[0]!, secrets[0]!)
    check(pairs[0]!.signingKey, pairs[0]!.publicKey)
    const other = secrets[1]!
    const h = Signing.headersUnsafe({ id: "msg_c", timestamp: 9, payload: "p", keys: [secrets[0]!] })
    expect(reasonOf(Signing.verify({ payload: "p", headers: h, keys: [other], now: 9 }))).toBe(
      "no_matching_signature"
    )
  })
})

describe("sign refusals", () => {
  const msg = { id: "msg_1", timestamp: 1_700_000_000, payload: "{}" }
  const failure = (input: unknown) => {
    const r = Signing.sign(input as Loose)
    return Result.isFailure(r) ? r.failure : undefined
  }

  it("an empty key list, an empty or malformed key, or a public key is InvalidSigningKey naming the key", () => {
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
      [[], "keys"],
      [[""], "keys[0]"],
      [[V.secret, ""], "keys[1]"],
      [["whsec_"], "keys[0]"],
      [["whsec_%%%%"], "keys[0]"],
      [[`whsec_${Buffer.alloc(23, 1).toString("base64")}`], "keys[0]"],
      [[`whsec_${Buffer.alloc(65, 1).toString("base64")}`], "keys[0]"],
      [["whsk_AAAA"], "keys[0]"],
      [[Signing.generateKeyPair().publicKey], "keys[0]"]
    ]
    for (const [keys, field] of cases) {
      const e = failure({ ...msg, keys })
      expect(e?._tag).toBe("InvalidSigningKey")
      expect((e as Signing.InvalidSigningKey).field).toBe(field)
    }
    expect(failure({ ...msg, keys: [`whsec_${Buffer.alloc(24, 1).toString("base64")}`] })).toBeUndefined()
    expect(failure({ ...msg, keys: [`whsec_${Buffer.alloc(64, 1).toString("base64")}`] })).toBeUndefined()
  })

  it("a bad id, timestamp or payload is InvalidInput naming the field", () => {
    const cases: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
      [{ id: "" }, "id"],
      [{ id: "msg.1" }, "id"],
      [{ id: "msg 1" }, "id"],
      [{ id: "msg_1\r\nx-injected: 1" }, "id"],
      [{ id: "x".repeat(257) }, "id"],
      [{ id: 42 }, "id"],
      [{ timestamp: 1.5 }, "timestamp"],
      [{ timestamp: -1 }, "timestamp"],
      [{ timestamp: Number.NaN }, "timestamp"],
      [{ timestamp: "1700000000" }, "timestamp"],
      [{ timestamp: 1_700_000_000_000 }, "timestamp"],
      [{ payload: { a: 1 } }, "payload"],
      [{ payload: undefined }, "payload"]
    ]
    for (const [over, path] of cases) {
      const e = failure({ ...msg, keys: [V.secret], ...over })
      expect(e?._tag).toBe("InvalidInput")
      expect((e as { path: string }).path).toBe(path)
    }
  })

  it("signUnsafe and headersUnsafe throw the typed error", () => {
    expect(() => Signing.signUnsafe({ ...msg, keys: [] })).toThrow(Signing.InvalidSigningKey)
    expect(() => Signing.headersUnsafe({ ...msg, keys: [""] })).toThrow(Signing.InvalidSigningKey)
  })

  it("generateSecret makes distinct 32-byte whsec_ secrets that sign", () => {
    const a = Signing.generateSecret()
    const b = Signing.generateSecret()
    expect(a).not.toBe(b)
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(Buffer.from(a.slice(6), "base64").length).toBe(32)
    expect(Result.isSuccess(Signing.sign({ ...msg, keys: [a] }))).toBe(true)
  })
})

describe("headers as servers hand them over", () => {
  it("accepts a WHATWG Headers, any capitalisation, and Node-style arrays", () => {
    const h = vectorHeaders()
    const forms: ReadonlyArray<Signing.HeadersInput> = [
      new Headers(h),
      {
        "Webhook-Id": h["webhook-id"],
        "WEBHOOK-TIMESTAMP": h["webhook-timestamp"],
        "Webhook-Signature": h["webhook-signature"]
      },
      { ...h, "webhook-signature": [flipChar(V.signature, 5), V.signature] },
      { ...h, "webhook-id": [V.id], "content-type": "application/json", "x-other": undefined }
    ]
    for (const headers of forms) expect(okId(verifyV({ headers }))).toBe(V.id)
  })

  it("Node's IncomingHttpHeaders type-checks as input", () => {
    const incoming: IncomingHttpHeaders = { ...vectorHeaders(), "set-cookie": ["a=1"], host: "example.com" }
    expect(okId(verifyV({ headers: incoming }))).toBe(V.id)
  })

  it("a repeated id or timestamp does not verify", () => {
    expect(reasonOf(verifyV({ headers: { ...vectorHeaders(), "webhook-id": [V.id, "msg_other"] } }))).toBe(
      "no_matching_signature"
    )
    expect(reasonOf(verifyV({ headers: { ...vectorHeaders(), "Webhook-Id": "msg_other" } }))).toBe(
      "no_matching_signature"
    )
    expect(
      reasonOf(verifyV({ headers: { ...vectorHeaders(), "webhook-timestamp": [String(V.timestamp), "1"] } }))
    ).toBe("invalid_timestamp")
  })

  it("a header named like an Object.prototype member is just absent", () => {
    const headers = { constructor: "x", __proto__: null, toString: "y" } as Loose
    expect(reasonOf(verifyV({ headers }))).toBe("missing_header")
  })
})

describe("hostile input", () => {
  const throwing = new Proxy(
    {},
    {
      get: () => {
        throw new Error("boom")
      },
      ownKeys: () => {
        throw new Error("boom")
      }
    }
  )

  it("verify answers a typed error for any value, and the next valid call still works", () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withTypedArray: true, withMap: true }), (junk) => {
        for (const input of [
          junk,
          { payload: junk, headers: vectorHeaders(), keys: [V.secret] },
          { ...vectorHeaders(), headers: junk, payload: "", keys: [V.secret] },
          { payload: "", headers: vectorHeaders(), keys: junk },
          { payload: "", headers: vectorHeaders(), keys: [V.secret], now: junk, toleranceSeconds: junk }
        ]) {
          const r = Signing.verify(input as Loose)
          expect(Result.isFailure(r)).toBe(true)
          if (Result.isFailure(r)) expect(Signing.verificationReasons).toContain(r.failure.reason)
        }
        expect(okId(verifyV())).toBe(V.id)
      }),
      { numRuns: 200 }
    )
  })

  it("sign answers a typed error for any value, and the next valid call still works", () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withTypedArray: true }), (junk) => {
        for (const input of [
          junk,
          { id: junk, timestamp: 1, payload: "", keys: [V.secret] },
          { id: "m", timestamp: junk, payload: "", keys: [V.secret] },
          { id: "m", timestamp: 1, payload: "", keys: junk },
          { id: "m", timestamp: 1, payload: "", keys: [junk] }
        ]) {
          // junk can be a valid id or timestamp ("a", 0): then it signs; otherwise a typed error
          const r = Signing.sign(input as Loose)
          if (Result.isSuccess(r)) expect(r.success).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/)
          else expect(["InvalidInput", "InvalidSigningKey"]).toContain(r.failure._tag)
        }
        expect(Result.isFailure(Signing.sign(junk as Loose))).toBe(true)
        expect(
          Signing.signUnsafe({ id: V.id, timestamp: V.timestamp, payload: V.payload, keys: [V.secret] })
        ).toBe(V.signature)
      }),
      { numRuns: 200 }
    )
  })

  it("getters and proxies that throw are typed errors, not exceptions", () => {
    expect(reasonOf(Signing.verify(throwing as Loose))).toBe("invalid_input")
    expect(reasonOf(verifyV({ headers: throwing as Loose }))).toBe("invalid_input")
    expect(Result.isFailure(Signing.sign(throwing as Loose))).toBe(true)
    const keysThatThrow = new Proxy([V.secret], {
      get: (t, p) => {
        if (p === "length") throw new Error("boom")
        return Reflect.get(t, p)
      }
    })
    expect(reasonOf(verifyV({ keys: keysThatThrow }))).toBe("invalid_input")
  })

  it("an oversized signature header only has its first 64 entries looked at", () => {
    const junk = Array.from({ length: 64 }, () => `v1a,${"A".repeat(86)}==`).join(" ")
    expect(reasonOf(verifyV({ headers: vectorHeaders(V, `${junk} ${V.signature}`) }))).toBe(
      "no_matching_signature"
    )
    expect(
      okId(verifyV({ headers: vectorHeaders(V, `${junk.split(" ").slice(1).join(" ")} ${V.signature}`) }))
    ).toBe(V.id)
  })
})

describe("properties", () => {
  const id = fc.stringMatching(/^[A-Za-z0-9_:-]{1,40}$/)
  const timestamp = fc.integer({ min: 0, max: 99_999_999_999 })
  const skew = fc.integer({ min: -300, max: 300 })
  const keySet = fc.constantFrom<ReadonlyArray<"v1" | "v1a">>(["v1"], ["v1a"], ["v1", "v1a"])

  const makeKeys = (kinds: ReadonlyArray<"v1" | "v1a">) => {
    const signing: Array<string> = []
    const verifying: Array<string> = []
    for (const k of kinds) {
      if (k === "v1") {
        const s = Signing.generateSecret()
        signing.push(s)
        verifying.push(s)
      } else {
        const p = Signing.generateKeyPair()
        signing.push(p.signingKey)
        verifying.push(p.publicKey)
      }
    }
    return { signing, verifying }
  }

  it("sign then verify succeeds for any payload, id and timestamp within the tolerance", () => {
    fc.assert(
      fc.property(
        id,
        timestamp,
        skew,
        fc.string({ unit: "grapheme" }),
        keySet,
        (id, timestamp, skew, payload, kinds) => {
          const { signing, verifying } = makeKeys(kinds)
          const headers = Signing.headersUnsafe({ id, timestamp, payload, keys: signing })
          const r = Signing.verify({ payload, headers, keys: verifying, now: timestamp + skew })
          expect(Result.isSuccess(r) && r.success).toEqual({ id, timestamp })
        }
      ),
      { numRuns: 200 }
    )
  })

  it("any single-byte change of the payload fails", () => {
    fc.assert(
      fc.property(
        id,
        timestamp,
        fc.uint8Array({ minLength: 1, maxLength: 512 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        keySet,
        (id, timestamp, payload, at, xor, kinds) => {
          const { signing, verifying } = makeKeys(kinds)
          const headers = Signing.headersUnsafe({ id, timestamp, payload, keys: signing })
          const changed = Uint8Array.from(payload)
          const i = at % changed.length
          changed[i] = changed[i]! ^ xor
          expect(okId(Signing.verify({ payload, headers, keys: verifying, now: timestamp }))).toBe(id)
          expect(
            reasonOf(Signing.verify({ payload: changed, headers, keys: verifying, now: timestamp }))
          ).toBe("no_matching_signature")
        }
      ),
      { numRuns: 200 }
    )
  })

  it("outside the tolerance it fails, whatever the signature", () => {
    fc.assert(
      fc.property(
        timestamp,
        fc.integer({ min: 301, max: 10_000_000 }),
        fc.boolean(),
        (timestamp, off, late) => {
          const secret = Signing.generateSecret()
          const headers = Signing.headersUnsafe({ id: "m", timestamp, payload: "p", keys: [secret] })
          const now = late ? timestamp + off : timestamp - off
          expect(reasonOf(Signing.verify({ payload: "p", headers, keys: [secret], now }))).toBe(
            late ? "timestamp_too_old" : "timestamp_too_new"
          )
        }
      ),
      { numRuns: 100 }
    )
  })
})
