import { Notifier } from "@paykit/core"
import { Effect, Layer, Logger, References, Result } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Accounts, AccountStore, Cipher, Registration } from "../src/index.ts"
import { Arbitraries, Fixtures } from "../src/testing/index.ts"

const NUM_RUNS = 300
const ERASURE_RUNS = 25
const PROFILES = 2_000
const T0 = Date.UTC(2026, 0, 1)
const OPERATOR = { kind: "operator", id: "ops-1" }

const key = fc.uint8Array({ minLength: 32, maxLength: 32 })
const subject = fc.stringMatching(/^[0-9A-Z]{26}$/)
const field = fc.constantFrom("email", "phone", "firstName", "idNumber", "address")

const flip = (b64: string, bit: number): string => {
  const buf = Buffer.from(b64, "base64")
  if (buf.length === 0) return b64
  const i = bit % (buf.length * 8)
  buf[i >> 3]! ^= 1 << (i & 7)
  return buf.toString("base64")
}

const flipString = (s: string, bit: number): string => {
  const buf = Buffer.from(s, "utf8")
  const i = bit % (buf.length * 8)
  buf[i >> 3]! ^= 1 << (i & 7)
  return buf.toString("utf8")
}

const runTest = <A, E>(effect: Effect.Effect<A, E, Layer.Success<ReturnType<typeof Fixtures.layer>>>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      return yield* effect
    }).pipe(Effect.provide(Fixtures.layer())) as Effect.Effect<A, E>
  )

describe("vault properties: the cipher", () => {
  it("decrypt(encrypt(x)) = x for any string, subject and field", () => {
    fc.assert(
      fc.property(key, subject, field, fc.string({ unit: "grapheme", maxLength: 300 }), (k, s, f, x) => {
        const sealed = Cipher.seal(k, 1, s, f, x)
        expect(Result.getOrThrow(Cipher.open(k, sealed, s, f))).toBe(x)
      }),
      { numRuns: NUM_RUNS }
    )
  })

  it("flipping any bit of the ciphertext, tag, nonce or associated data (subject, field, key version) fails", () => {
    fc.assert(
      fc.property(
        key,
        subject,
        field,
        fc.string({ minLength: 1, maxLength: 100 }),
        fc.constantFrom("ciphertext", "tag", "nonce", "subject", "field", "keyVersion"),
        fc.nat(),
        (k, s, f, x, part, bit) => {
          const sealed = Cipher.seal(k, 1, s, f, x)
          let out: Result.Result<string, unknown>
          switch (part) {
            case "ciphertext":
            case "tag":
            case "nonce":
              out = Cipher.open(k, { ...sealed, [part]: flip(sealed[part], bit) }, s, f)
              break
            case "subject":
              out = Cipher.open(k, sealed, flipString(s, bit), f)
              break
            case "field":
              out = Cipher.open(k, sealed, s, flipString(f, bit))
              break
            case "keyVersion":
              out = Cipher.open(k, { ...sealed, keyVersion: sealed.keyVersion ^ (1 << (bit % 31)) }, s, f)
              break
          }
          expect(Result.isFailure(out)).toBe(true)
        }
      ),
      { numRuns: NUM_RUNS }
    )
  })

  it("no nonce repeats under a key (20,000 seals of the same value)", () => {
    const k = Cipher.generateKey()
    const nonces = new Set<string>()
    for (let i = 0; i < 20_000; i++) nonces.add(Cipher.seal(k, 1, "s", "email", "same@example.com").nonce)
    expect(nonces.size).toBe(20_000)
  })
})

const closeAll = (s: Accounts.Accounts["Service"], ids: ReadonlyArray<string>) =>
  Effect.forEach(ids, (id) => s.transition(id, OPERATOR, "withdraw"), { discard: true })

describe("vault properties: erasure", () => {
  it("after erasure nothing of that subject decrypts through any read path, other subjects still do; erasure is idempotent", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 5 }), fc.nat(), fc.boolean(), async (n, pick, business) => {
        await runTest(
          Effect.gen(function* () {
            const s = yield* Accounts.Accounts
            const store = yield* AccountStore.AccountStore
            const events = yield* Notifier.RecordedEvents
            const ids: Array<string> = []
            for (let i = 0; i < n; i++) {
              const input = business
                ? Fixtures.business({ email: `b${i}@acme.example`, registrationNumber: `HRB ${1000 + i}` })
                : Fixtures.individual({ email: `u${i}@example.com` })
              ids.push((yield* s.register(input)).id)
            }
            yield* closeAll(s, ids)
            const accounts = yield* Effect.forEach(ids, (id) => s.get(id))
            const subjects = accounts.flatMap((a) => [a.id, ...a.persons.map((p) => p.id)])
            const victim = subjects[pick % subjects.length]!
            const owner = accounts.find((a) => a.id === victim || a.persons.some((p) => p.id === victim))!

            const first = yield* s.erase(victim, OPERATOR)
            expect(first._tag).toBe("Erased")
            const dump = yield* store.dump
            const count = (yield* events.all).length
            // idempotent: same answer, no write, no event
            expect(yield* s.erase(victim, OPERATOR)).toEqual(first)
            expect(yield* store.dump).toEqual(dump)
            expect((yield* events.all).length).toBe(count)

            // no key and no ciphertext left for the subject
            expect(dump.keys.some((k) => k.subject === victim)).toBe(false)
            expect(dump.fields.some((f) => f.subject === victim)).toBe(false)
            // every read path refuses
            const views = yield* s.profile(owner.id)
            expect(views.find((v) => v.subject === victim)?._tag).toBe("erased")
            const legal = yield* s.profile(owner.id, "legal_hold")
            expect(legal.find((v) => v.subject === victim)?._tag).toBe("erased")
            expect((yield* Effect.flip(s.exportSubject(victim)))._tag).toBe("SubjectErased")
            // the other subjects still decrypt
            for (const other of subjects.filter((x) => x !== victim)) {
              const exported = yield* s.exportSubject(other)
              expect(Object.keys(exported.personalData).length).toBeGreaterThan(0)
            }
            for (const a of accounts) {
              for (const v of yield* s.profile(a.id))
                expect(v._tag).toBe(v.subject === victim ? "erased" : "available")
            }
          })
        )
      }),
      { numRuns: ERASURE_RUNS }
    )
  })

  it("a legal hold returns Retained { until, basis }, restricts processing, and the shred happens after it ends", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3 * 365 }),
        fc.integer({ min: 1, max: 30 }),
        async (daysActive, extra) => {
          await runTest(
            Effect.gen(function* () {
              const s = yield* Accounts.Accounts
              const store = yield* AccountStore.AccountStore
              const a = yield* s.register(Fixtures.individual())
              yield* s.submitVerification(a.id, { kind: "member", id: "user-jane" })
              yield* TestClock.adjust(daysActive * 86_400_000)
              yield* s.transition(a.id, { kind: "member", id: "user-jane" }, "close")
              const closedAt = yield* Effect.clockWith((c) => c.currentTimeMillis)
              const until = new Date(closedAt)
              until.setUTCFullYear(until.getUTCFullYear() + 5)

              const r = yield* s.erase(a.id, { kind: "member", id: "user-jane" })
              expect(r).toEqual({
                _tag: "Retained",
                subject: a.id,
                until: until.getTime(),
                basis: "aml_retention"
              })
              expect(yield* s.erase(a.id, OPERATOR)).toEqual(r)
              // processing restricted: ordinary reads refused, legal-hold reads allowed, export allowed
              expect((yield* s.profile(a.id))[0]?._tag).toBe("restricted")
              expect((yield* s.profile(a.id, "legal_hold"))[0]?._tag).toBe("available")
              expect((yield* s.exportSubject(a.id)).processing.restricted).toBe(true)
              expect(yield* s.sweep).toEqual([])
              expect((yield* store.dump).keys.some((k) => k.subject === a.id)).toBe(true)

              yield* TestClock.setTime(until.getTime() + extra * 86_400_000)
              expect(yield* s.sweep).toEqual([a.id])
              const dump = yield* store.dump
              expect(dump.keys.some((k) => k.subject === a.id)).toBe(false)
              expect(dump.fields.some((f) => f.subject === a.id)).toBe(false)
              expect((yield* s.profile(a.id, "legal_hold"))[0]?._tag).toBe("erased")
              expect((yield* s.erase(a.id, OPERATOR))._tag).toBe("Erased")
            })
          )
        }
      ),
      { numRuns: ERASURE_RUNS }
    )
  })

  it("KEK rotation re-wraps data keys without touching sealed data; old KEKs can then be retired", async () => {
    await runTest(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const store = yield* AccountStore.AccountStore
        const a = yield* s.register(Fixtures.business())
        const before = yield* store.dump
        const r = yield* s.rotateKeys
        expect(r).toEqual({ kekVersion: 2, rewrapped: before.keys.length })
        const after = yield* store.dump
        expect(after.fields).toEqual(before.fields)
        expect(after.keys.every((k) => k.wrapped.kekVersion === 2)).toBe(true)
        const { KeyStore } = yield* Effect.promise(() => import("../src/index.ts"))
        const ks = yield* KeyStore.KeyStore
        yield* ks.retire(1)
        for (const v of yield* s.profile(a.id)) expect(v._tag).toBe("available")
      })
    )
  })
})

const LUHN_RUN = /(?<![0-9A-Za-z])\d{13,19}(?![0-9A-Za-z])/g

describe("vault properties: no plaintext at rest or in logs", () => {
  it(`after storing ${PROFILES} generated profiles no stored value, event or log line holds a plaintext email, phone or a Luhn-valid card number`, {
    timeout: 120_000
  }, async () => {
    const lines: Array<string> = []
    const capture = Logger.layer([Logger.make((o) => lines.push(JSON.stringify(o.message)))])
    const inputs = Array.from(
      { length: PROFILES },
      (_, i) => fc.sample(Arbitraries.individual(i), { numRuns: 1, seed: i })[0]!
    )
    const out = await Effect.runPromise(
      Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        const s = yield* Accounts.Accounts
        for (const input of inputs) {
          const a = yield* s.register(input)
          yield* s.updateProfile(
            a.id,
            { kind: "member", id: input.owner.userId },
            { phone: input.phone.replace(/\d$/, "7") }
          )
          yield* s.submitVerification(a.id, { kind: "member", id: input.owner.userId })
        }
        const audit = yield* s.audit((yield* s.register(Fixtures.individual())).id)
        const store = yield* AccountStore.AccountStore
        const events = yield* Notifier.RecordedEvents
        return { dump: yield* store.dump, events: yield* events.all, audit }
      }).pipe(
        Effect.provide(Layer.mergeAll(Fixtures.layer(), capture)),
        Effect.provideService(References.MinimumLogLevel, "All")
      )
    )
    expect(lines.length).toBeGreaterThan(PROFILES)
    const strings: Array<string> = []
    const walk = (v: unknown): void => {
      if (typeof v === "string") strings.push(v)
      else if (Array.isArray(v)) v.forEach(walk)
      else if (v !== null && typeof v === "object") {
        for (const [k, x] of Object.entries(v)) {
          strings.push(k)
          walk(x)
        }
      }
    }
    walk(out.dump)
    walk(out.events)
    strings.push(...lines)
    const haystack = strings.join("\n")
    // every email-, phone- and card-shaped token, checked against the plaintexts (and every
    // window of a digit run, so a value embedded in a longer token is found too)
    const emails = new Set(inputs.map((i) => i.email))
    const phones = new Set(inputs.map((i) => i.phone))
    const cardNumbers = new Set(inputs.map((i) => i.card.number))
    for (const m of haystack.match(/[A-Za-z0-9._%+-]*@[A-Za-z0-9.-]*/g) ?? []) {
      for (const e of emails)
        if (m.length >= e.length && m.endsWith(e.slice(e.indexOf("@")))) expect(m).not.toContain(e)
    }
    for (const run of haystack.match(/\+?\d{11,}/g) ?? []) {
      for (let i = 0; i < run.length; i++) {
        for (const len of [12, 13, 14]) expect(phones.has(run.slice(i, i + len))).toBe(false)
        expect(cardNumbers.has(run.slice(i, i + 16))).toBe(false)
      }
    }
    const luhnValid = (haystack.match(LUHN_RUN) ?? []).filter(Registration.luhn)
    expect(luhnValid).toEqual([])
    // no nonce repeats across everything the service sealed (per-subject keys, thousands of fields)
    const nonces = out.dump.fields.map((f) => f.sealed.nonce)
    expect(nonces.length).toBeGreaterThan(PROFILES * 6)
    expect(new Set(nonces).size).toBe(nonces.length)
    // the card is kept only as brand, last four and fingerprint
    const cards = out.dump.accounts.flatMap((a) => (a.card === undefined ? [] : [a.card]))
    expect(cards).toHaveLength(PROFILES)
    for (const c of cards) expect(Object.keys(c).sort()).toEqual(["brand", "fingerprint", "last4"])
  })
})
