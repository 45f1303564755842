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
const OPERATOR = { kind: "operator", id: "ops-1" } as const

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
            const views = yield* s.profile(owner.id, { kind: "operator", id: "ops-reader" })
            expect(views.find((v) => v.subject === victim)?._tag).toBe("erased")
            const legal = yield* s.profile(owner.id, { kind: "operator", id: "ops-reader" }, "legal_hold")
            expect(legal.find((v) => v.subject === victim)?._tag).toBe("erased")
            expect(
              (yield* Effect.flip(s.exportSubject(victim, { kind: "operator", id: "ops-reader" })))._tag
            ).toBe("SubjectErased")
            // the other subjects still decrypt
            for (const other of subjects.filter((x) => x !== victim)) {
              const exported = yield* s.exportSubject(other, { kind: "operator", id: "ops-reader" })
              expect(Object.keys(exported.personalData).length).toBeGreaterThan(0)
            }
            for (const a of accounts) {
              for (const v of yield* s.profile(a.id, { kind: "operator", id: "ops-reader" }))
                expect(v._tag).toBe(v.subject === victim ? "erased" : "available")
            }
          })
        )
      }),
      { numRuns: ERASURE_RUNS }
    )
  })

  it("a legal hold returns Retained { until, basis }, restricts processing, and the shred happens exactly when it ends (sweep at until - 1 shreds nothing, at until it shreds)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3 * 365 }),
        fc.integer({ min: 0, max: 86_399_999 }),
        async (daysActive, msIntoDay) => {
          await runTest(
            Effect.gen(function* () {
              const s = yield* Accounts.Accounts
              const store = yield* AccountStore.AccountStore
              const a = yield* s.register(Fixtures.individual())
              yield* s.submitVerification(a.id, { kind: "member", id: "user-jane" })
              yield* TestClock.adjust(daysActive * 86_400_000 + msIntoDay)
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
              expect((yield* s.profile(a.id, { kind: "operator", id: "ops-reader" }))[0]?._tag).toBe(
                "restricted"
              )
              expect(
                (yield* s.profile(a.id, { kind: "operator", id: "ops-reader" }, "legal_hold"))[0]?._tag
              ).toBe("available")
              expect(
                (yield* s.exportSubject(a.id, { kind: "operator", id: "ops-reader" })).processing.restricted
              ).toBe(true)
              expect(yield* s.sweep).toEqual([])
              expect((yield* store.dump).keys.some((k) => k.subject === a.id)).toBe(true)

              // one millisecond before the hold ends: nothing is shredded, legal-hold reads still work
              yield* TestClock.setTime(until.getTime() - 1)
              expect(yield* s.sweep).toEqual([])
              const kept = yield* store.dump
              expect(kept.keys.some((k) => k.subject === a.id)).toBe(true)
              expect(kept.fields.some((f) => f.subject === a.id)).toBe(true)
              expect(
                (yield* s.profile(a.id, { kind: "operator", id: "ops-reader" }, "legal_hold"))[0]?._tag
              ).toBe("available")
              expect((yield* s.profile(a.id, { kind: "operator", id: "ops-reader" }))[0]?._tag).toBe(
                "restricted"
              )
              // at the instant it ends the sweep shreds the subject
              yield* TestClock.setTime(until.getTime())
              expect(yield* s.sweep).toEqual([a.id])
              const dump = yield* store.dump
              expect(dump.keys.some((k) => k.subject === a.id)).toBe(false)
              expect(dump.fields.some((f) => f.subject === a.id)).toBe(false)
              expect(
                (yield* s.profile(a.id, { kind: "operator", id: "ops-reader" }, "legal_hold"))[0]?._tag
              ).toBe("erased")
              expect((yield* s.erase(a.id, OPERATOR))._tag).toBe("Erased")
            })
          )
        }
      ),
      { numRuns: ERASURE_RUNS }
    )
  })

  const JANE = { kind: "member", id: "user-jane" } as const
  const DAY = 86_400_000
  const snapshot = Effect.gen(function* () {
    const store = yield* AccountStore.AccountStore
    const events = yield* Notifier.RecordedEvents
    return { dump: yield* store.dump, events: (yield* events.all).length }
  })
  /** An individual, verified, then closed by its owner at T0 (which places the 5-year AML hold). */
  const closedAccount = Effect.gen(function* () {
    const s = yield* Accounts.Accounts
    const a = yield* s.register(Fixtures.individual())
    yield* s.submitVerification(a.id, JANE)
    yield* s.transition(a.id, JANE, "close")
    const aml = new Date(T0)
    aml.setUTCFullYear(aml.getUTCFullYear() + 5)
    return { a, aml: aml.getTime() }
  })

  it("placeLegalHold: a later hold extends a retained erasure (until and basis), a shorter one never shortens it, and after the shred it fails with SubjectErased writing nothing", async () => {
    await runTest(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const events = yield* Notifier.RecordedEvents
        const { a, aml } = yield* closedAccount
        expect(yield* s.erase(a.id, JANE)).toEqual({
          _tag: "Retained",
          subject: a.id,
          until: aml,
          basis: "aml_retention"
        })
        const longer = aml + 100 * DAY
        const hold = yield* s.placeLegalHold({ subject: a.id, basis: "litigation", until: longer })
        expect(hold).toEqual({ subject: a.id, basis: "litigation", until: longer, placedAt: T0 })
        expect((yield* events.all).at(-1)).toMatchObject({
          type: "accounts.legal_hold.placed",
          data: { subject: a.id, basis: "litigation", until: longer }
        })
        const extended = { _tag: "Retained", subject: a.id, until: longer, basis: "litigation" }
        expect(yield* s.erase(a.id, OPERATOR)).toEqual(extended)
        expect((yield* s.exportSubject(a.id, { kind: "operator", id: "ops-reader" })).processing).toEqual({
          restricted: true,
          until: new Date(longer).toISOString(),
          basis: "litigation"
        })
        // a shorter hold is recorded but does not shorten the retention
        yield* s.placeLegalHold({ subject: a.id, basis: "tax_audit", until: aml + 10 * DAY })
        expect(yield* s.erase(a.id, OPERATOR)).toEqual(extended)
        // the AML hold's end no longer shreds; the litigation hold's end does, to the millisecond
        yield* TestClock.setTime(aml)
        expect(yield* s.sweep).toEqual([])
        yield* TestClock.setTime(longer - 1)
        expect(yield* s.sweep).toEqual([])
        expect((yield* s.profile(a.id, { kind: "operator", id: "ops-reader" }, "legal_hold"))[0]?._tag).toBe(
          "available"
        )
        yield* TestClock.setTime(longer)
        expect(yield* s.sweep).toEqual([a.id])
        // after the shred no hold can be placed: nothing is left to hold
        const before = yield* snapshot
        const e = yield* Effect.flip(
          s.placeLegalHold({ subject: a.id, basis: "litigation", until: longer * 2 })
        )
        expect(e).toMatchObject({ _tag: "SubjectErased", subject: a.id, erasedAt: longer })
        expect(yield* snapshot).toEqual(before)
      })
    )
  })

  it("placeLegalHold before erasure is asked: erase answers Retained with the longest hold; bad input and unknown subjects are refused", async () => {
    await runTest(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.individual())
        yield* s.transition(a.id, OPERATOR, "withdraw") // no AML hold: never operated
        yield* s.placeLegalHold({ subject: a.id, basis: "litigation", until: T0 + 30 * DAY })
        yield* s.placeLegalHold({ subject: a.id, basis: "tax_audit", until: T0 + 20 * DAY })
        const before = yield* snapshot
        expect(
          (yield* Effect.flip(s.placeLegalHold({ subject: a.id, basis: "Not A Basis", until: 1 })))._tag
        ).toBe("InvalidInput")
        expect(
          (yield* Effect.flip(s.placeLegalHold({ subject: a.id, basis: "litigation", until: -1 })))._tag
        ).toBe("InvalidInput")
        expect(
          (yield* Effect.flip(
            s.placeLegalHold({ subject: "no-such-subject", basis: "litigation", until: 1 })
          ))._tag
        ).toBe("NotFound")
        expect(yield* snapshot).toEqual(before)
        expect(yield* s.erase(a.id, JANE)).toEqual({
          _tag: "Retained",
          subject: a.id,
          until: T0 + 30 * DAY,
          basis: "litigation"
        })
      })
    )
  })

  it("erase during an ongoing relationship (pending, active, restricted, suspended) is IllegalTransition, for the owner and an operator, writing nothing", async () => {
    await runTest(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const pending = yield* s.register(Fixtures.individual({ email: "p@example.com" }))
        const active = yield* s.register(Fixtures.individual({ email: "a@example.com" }))
        yield* s.submitVerification(active.id, JANE)
        const restricted = yield* s.register(Fixtures.individual({ email: "r@example.com" }))
        yield* s.submitVerification(restricted.id, JANE)
        yield* s.transition(restricted.id, OPERATOR, "restrict")
        const suspended = yield* s.register(Fixtures.individual({ email: "s@example.com" }))
        yield* s.transition(suspended.id, OPERATOR, "suspend")
        const cases = [
          [pending.id, "pending"],
          [active.id, "active"],
          [restricted.id, "restricted"],
          [suspended.id, "suspended"]
        ] as const
        for (const [id, status] of cases) {
          expect((yield* s.get(id)).status).toBe(status)
          for (const actor of [JANE, OPERATOR]) {
            const before = yield* snapshot
            const e = yield* Effect.flip(s.erase(id, actor))
            expect(e).toMatchObject({
              _tag: "IllegalTransition",
              from: status,
              command: "erase",
              actor: actor.kind
            })
            expect(yield* snapshot).toEqual(before)
          }
        }
      })
    )
  })

  it("erase asked by a member who is not the owner is PermissionDenied, whatever the account's or the subject's state, writing nothing", async () => {
    await runTest(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.business())
        const ada = { kind: "member", id: "user-ada" } as const
        yield* s.invite(a.id, ada, { id: "user-admin", roles: ["administrator"] })
        const admin = { kind: "member", id: "user-admin" } as const
        const stranger = { kind: "member", id: "user-stranger" } as const
        const subjects = [a.id, ...a.persons.map((p) => p.id)]
        const denied = function* (subject: string) {
          for (const actor of [admin, stranger]) {
            const before = yield* snapshot
            const e = yield* Effect.flip(s.erase(subject, actor))
            expect(e).toMatchObject({
              _tag: "PermissionDenied",
              actor: actor.id,
              reason: "only an operator or the owner can ask"
            })
            expect(yield* snapshot).toEqual(before)
          }
        }
        // while the relationship is ongoing
        yield* denied(a.id)
        // after it ended (withdrawn: no hold), for the holder and every person
        yield* s.transition(a.id, ada, "withdraw")
        for (const subject of subjects) yield* denied(subject)
        // and after the owner erased one: no answer about it for anyone else
        expect((yield* s.erase(subjects[1]!, ada))._tag).toBe("Erased")
        yield* denied(subjects[1]!)
      })
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
        expect(yield* s.retireKeyVersion(1)).toEqual({ kekVersion: 1 })
        expect((yield* store.dump).retiredKeks).toEqual([1])
        for (const v of yield* s.profile(a.id, { kind: "operator", id: "ops-reader" }))
          expect(v._tag).toBe("available")
      })
    )
  })
})

/** A card-shaped run: 13 to 19 digits, possibly grouped by spaces or dashes, not inside a longer token. */
const CARD_RUN = /(?<![0-9A-Za-z])\d(?:[ -]?\d){12,18}(?![0-9A-Za-z])/g
/** A phone-shaped run: digits separated by any of the usual separators (space, dash, dot, slash, parentheses, plus). */
const PHONE_RUN = /\d(?:[\s\-./()+]*\d)*/g
const digitsOf = (s: string) => s.replace(/\D/g, "")

describe("vault properties: no plaintext at rest or in logs", () => {
  it(`after storing ${PROFILES} generated profiles no stored value, event or log line holds a plaintext email, phone or a Luhn-valid card number`, {
    timeout: 120_000
  }, async () => {
    // the whole log record: message, level, annotations, spans and cause, structured and as logfmt text
    const lines: Array<string> = []
    const capture = Logger.layer([
      Logger.make((o) => {
        lines.push(JSON.stringify(Logger.formatStructured.log(o)), Logger.formatLogFmt.log(o))
      })
    ])
    const updatedPhone = (p: string) => p.replace(/\d$/, (d) => (d === "7" ? "8" : "7"))
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
            { phone: updatedPhone(input.phone) }
          )
          yield* s.submitVerification(a.id, { kind: "member", id: input.owner.userId })
        }
        // a log line with annotations and a cause goes through the same capture
        yield* Effect.logWarning("scan probe").pipe(Effect.annotateLogs({ probe: "annotation" }))
        const audit = yield* s.audit((yield* s.register(Fixtures.individual())).id, {
          kind: "operator",
          id: "ops-reader"
        })
        const store = yield* AccountStore.AccountStore
        const events = yield* Notifier.RecordedEvents
        return { dump: yield* store.dump, events: yield* events.all, audit }
      }).pipe(
        Effect.provide(Layer.mergeAll(Fixtures.layer(), capture)),
        Effect.provideService(References.MinimumLogLevel, "All")
      )
    )
    expect(lines.length).toBeGreaterThan(PROFILES)
    expect(lines.some((l) => l.includes('"probe":"annotation"'))).toBe(true)
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
    walk(out.audit)
    strings.push(...lines)
    expect(strings.length).toBeGreaterThan(PROFILES * 10)

    // emails: every raw email (and its lower-case form) searched with `includes` in every string
    // that could hold one (an email holds "@", so a string without "@" cannot contain it)
    const withAt = strings.filter((x) => x.includes("@")).join("\n")
    const withAtLower = withAt.toLowerCase()
    const leakedEmails = inputs
      .map((i) => i.email)
      .filter((e) => withAt.includes(e) || withAtLower.includes(e.toLowerCase()))
    expect(leakedEmails).toEqual([])

    // phones (registered and updated): compared as digit strings, separators stripped, every window
    // of every separated digit run, so "+49 151-1234 5678" or a number inside a longer token is found
    const phoneDigits = new Set(inputs.flatMap((i) => [digitsOf(i.phone), digitsOf(updatedPhone(i.phone))]))
    expect(phoneDigits.size).toBe(PROFILES * 2)
    const phoneLengths = [...new Set([...phoneDigits].map((d) => d.length))]
    // cards: every window of a digit run (spaces and dashes removed) against the generated numbers,
    // and no card-shaped run (13–19 digits, grouped or not) that passes the Luhn check
    const cardNumbers = new Set(inputs.map((i) => i.card.number))
    const leakedPhones: Array<string> = []
    const leakedCards: Array<string> = []
    const luhnValid: Array<string> = []
    for (const text of strings) {
      for (const run of text.match(PHONE_RUN) ?? []) {
        const d = digitsOf(run)
        if (d.length < 11) continue
        for (let i = 0; i < d.length; i++) {
          for (const len of phoneLengths) if (phoneDigits.has(d.slice(i, i + len))) leakedPhones.push(run)
          if (cardNumbers.has(d.slice(i, i + 16))) leakedCards.push(run)
        }
      }
      for (const run of text.match(CARD_RUN) ?? []) {
        const d = digitsOf(run)
        if (Registration.luhn(d)) luhnValid.push(run)
      }
    }
    expect(leakedPhones).toEqual([])
    expect(leakedCards).toEqual([])
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
