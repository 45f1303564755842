import { Currency, Money, Notifier } from "@paykit/core"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  type Account,
  Accounts,
  AccountStore,
  Events,
  ReferenceRates,
  Requirements,
  VerificationProvider
} from "../src/index.ts"
import { Fixtures } from "../src/testing/index.ts"

/**
 * The policy rules of issue 16, one test per rule and named after it, on the memory store: volume
 * thresholds whatever the account's currency, identity verification for card payments past a
 * threshold, a rejected identity or company check stopping charges, the owners' attestation and
 * the beneficial owners it covers, persons changed after registration, and capabilities requested
 * after registration. (The model-based test `Lifecycle.model.test.ts` runs the same commands in
 * random sequences and predicts their outcomes.)
 */

const T0 = Date.UTC(2026, 0, 1)
const DAY = 86_400_000
const ADA = { kind: "member", id: "user-ada" } as const
const JANE = { kind: "member", id: "user-jane" } as const
const CLERK = { kind: "member", id: "user-clerk" } as const
const MAGIC = VerificationProvider.MAGIC
const CHF = Currency.isoUnsafe("CHF")

type Env = Layer.Success<ReturnType<typeof Fixtures.layer>>

const run = <A, E>(effect: Effect.Effect<A, E, Env>, layer: Layer.Layer<Env> = Fixtures.layer()) =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      return yield* effect
    }).pipe(Effect.provide(layer)) as Effect.Effect<A, E>
  )

/** The fixtures' layer with the reference-rate port: 1 CHF = 1.05 EUR, 1 JPY = 0.0062 EUR. */
const withRates = Fixtures.layer().pipe(
  Layer.provide(ReferenceRates.layerFixed({ "CHF/EUR": "1.05", "JPY/EUR": "0.0062" }))
) as Layer.Layer<Env>

const snapshot = Effect.gen(function* () {
  const store = yield* AccountStore.AccountStore
  const events = yield* Notifier.RecordedEvents
  return { dump: yield* store.dump, events: (yield* events.all).length }
})

const eventTypes = Effect.map(
  Effect.flatMap(Notifier.RecordedEvents, (e) => e.all),
  (all) => all.map((e) => e.type)
)

const evaluate = (a: Account.Account, at = T0) => Requirements.evaluate(Requirements.defaultPolicy, a, at)

const swiss = (overrides: Partial<typeof Accounts.RegisterInput.Encoded> = {}) =>
  Fixtures.business({
    country: "CH",
    currency: "CHF",
    bankAccount: { country: "CH", currency: "CHF", accountNumber: "CH9300762011623852957" },
    ...overrides
  } as never)

describe("volume thresholds apply whatever the account's currency (issue 16)", () => {
  it("a CHF account crosses the EUR threshold once its volume, converted through ReferenceRates, reaches it", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(swiss())
        // 4,700.00 CHF is 4,935.00 EUR: under the 5,000.00 card-payments threshold
        const under = yield* s.recordVolume(a.id, { amount: "470000", currency: "CHF" })
        expect(under.thresholdsCrossed).toEqual({})
        // 4,800.00 CHF is 5,040.00 EUR: over it, not yet over the 10,000.00 payouts threshold
        const over = yield* s.recordVolume(a.id, { amount: "10000", currency: "CHF" })
        expect(Object.keys(over.thresholdsCrossed)).toEqual(["business.card_payments.volume_500000"])
        expect(over.volume.toJSON()).toEqual({ amount: "480000", currency: "CHF" })
        expect(evaluate(over, T0 + 15 * DAY).requirements.pastDue).toContain("business_profile.url")
      }),
      withRates
    ))

  it("volume in a currency the threshold is stated in is compared without conversion", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.individual())
        const b = yield* s.recordVolume(a.id, { amount: "1000000", currency: "EUR" })
        expect(Object.keys(b.thresholdsCrossed).sort()).toEqual([
          "individual.card_payments.volume_500000",
          "individual.payouts.volume_1000000"
        ])
      })
    ))

  it("without ReferenceRates, registering a currency the policy states no threshold in is refused naming currency", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const before = yield* snapshot
        const e = yield* Effect.flip(s.register(swiss()))
        expect(e._tag).toBe("InvalidInput")
        if (e._tag === "InvalidInput") {
          expect(e.path).toBe("currency")
          expect(e.reason).toContain("EUR")
        }
        expect(yield* snapshot).toEqual(before)
        // a currency the policy covers still registers
        expect((yield* s.register(Fixtures.business())).currency).toBe("EUR")
        // and a policy that states a CHF figure accepts CHF without rates
        return e
      })
    ))

  it("a policy that states a figure in the account's currency needs no rates", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(swiss())
        const b = yield* s.recordVolume(a.id, { amount: "2000000", currency: "CHF" })
        expect(Object.keys(b.thresholdsCrossed)).toEqual(["business.payouts.big"])
      }),
      Fixtures.layer({
        policy: {
          ...Requirements.defaultPolicy,
          rules: [
            {
              id: "business.payouts.big",
              applicant: "business",
              countries: "*",
              capability: "payouts",
              requirements: ["owners.verification"],
              volumeAtLeast: [
                Money.fromMinorUnsafe(1_000_000n, Currency.EUR),
                Money.fromMinorUnsafe(2_000_000n, CHF)
              ]
            }
          ]
        }
      }) as Layer.Layer<Env>
    ))

  it("a rate the port cannot give is RateUnavailable, and the volume is not recorded", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(swiss({ currency: "SEK" } as never))
        const before = yield* snapshot
        const e = yield* Effect.flip(s.recordVolume(a.id, { amount: "100", currency: "SEK" }))
        expect(e._tag).toBe("RateUnavailable")
        expect(yield* snapshot).toEqual(before)
        expect((yield* s.recordVolume(a.id, { amount: "100", currency: "EUR" }).pipe(Effect.flip))._tag).toBe(
          "InvalidInput"
        )
      }),
      withRates
    ))

  it("for random volumes, a converted threshold is crossed exactly when the converted total reaches it", () =>
    fc.assert(
      fc.asyncProperty(
        fc.array(fc.bigInt({ min: 1n, max: 300_000n }), { minLength: 1, maxLength: 6 }),
        (amounts) =>
          run(
            Effect.gen(function* () {
              const s = yield* Accounts.Accounts
              const a = yield* s.register(swiss())
              let total = 0n
              for (const amount of amounts) {
                total += amount
                const b = yield* s.recordVolume(a.id, { amount: String(amount), currency: "CHF" })
                // 1 CHF = 1.05 EUR, rounded up to the cent: ceil(total × 105 / 100)
                const eur = (total * 105n + 99n) / 100n
                expect(b.thresholdsCrossed["business.card_payments.volume_500000"] !== undefined).toBe(
                  eur >= 500_000n
                )
                expect(b.thresholdsCrossed["business.payouts.volume_1000000"] !== undefined).toBe(
                  eur >= 1_000_000n
                )
              }
            }),
            withRates
          )
      ),
      { numRuns: 25 }
    ))
})

describe("card payments need identity verification past a volume threshold (issue 16)", () => {
  it("an individual whose identity is not verified can charge until 5,000.00, then has 14 days to verify", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(
          Fixtures.individual({
            capabilities: ["card_payments"],
            person: { ...Fixtures.individual().person, idNumber: MAGIC.pending }
          })
        )
        const sub = yield* s.submitVerification(a.id, JANE)
        expect(Requirements.canCharge(Requirements.defaultPolicy, sub, T0)).toBe(true)
        const b = yield* s.recordVolume(a.id, { amount: "500000", currency: "EUR" })
        const e = evaluate(b, T0)
        expect(e.capabilities.card_payments.requirements.pendingVerification).toContain(
          "individual.verification"
        )
        yield* TestClock.adjust(15 * DAY)
        const c = yield* s.recordVolume(a.id, { amount: "1", currency: "EUR" })
        expect(Requirements.canCharge(Requirements.defaultPolicy, c, T0 + 15 * DAY)).toBe(true) // still pending: never past due
        const identity = c.cases.find((x) => x.kind === "identity")!
        const rejected = yield* s.verificationResult(a.id, identity.submissionId!, {
          _tag: "rejected",
          code: "verification_failed_id_number_match",
          reason: "no match"
        })
        expect(evaluate(rejected, T0 + 15 * DAY).capabilities.card_payments.requirements.pastDue).toContain(
          "individual.verification"
        )
        expect(Requirements.canCharge(Requirements.defaultPolicy, rejected, T0 + 15 * DAY)).toBe(false)
      })
    ))
})

describe("a rejected identity or company check stops charges (issue 16)", () => {
  it("a rejected identity check of the holder stops card payments and payouts even before any threshold", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(
          Fixtures.individual({
            capabilities: ["card_payments"],
            person: { ...Fixtures.individual().person, idNumber: MAGIC.rejected }
          })
        )
        const b = yield* s.submitVerification(a.id, JANE)
        expect(b.cases.find((c) => c.kind === "identity")!.status).toBe("rejected")
        const e = evaluate(b)
        expect(e.capabilities.card_payments.disabledReason).toBe("verification.rejected")
        expect(Requirements.canCharge(Requirements.defaultPolicy, b, T0)).toBe(false)
        expect(Requirements.checkRejected(b)).toBe(true)
        // corrected data that verifies turns charges back on
        const c = yield* s.updateProfile(a.id, JANE, { idNumber: MAGIC.verified })
        const d = yield* s.submitVerification(c.id, JANE)
        expect(Requirements.canCharge(Requirements.defaultPolicy, d, T0)).toBe(true)
      })
    ))

  it("a rejected company check stops a business's charges", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(
          Fixtures.business({ taxId: MAGIC.rejected, capabilities: ["card_payments"] })
        )
        const b = yield* s.submitVerification(a.id, ADA)
        expect(b.cases.find((c) => c.kind === "company")!.status).toBe("rejected")
        // the account operates (card payments ask for no company verification at onboarding), yet cannot charge
        expect(b.status).toBe("active")
        expect(evaluate(b).capabilities.card_payments.disabledReason).toBe("verification.rejected")
        expect(Requirements.canCharge(Requirements.defaultPolicy, b, T0)).toBe(false)
      })
    ))

  it("a rejected check of a person removed from the account no longer counts", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.business())
        yield* s.submitVerification(a.id, ADA)
        const added = yield* s.addPerson(a.id, ADA, {
          role: "director",
          person: {
            firstName: "Eve",
            lastName: "Mallory",
            dateOfBirth: "1970-01-01",
            idNumber: MAGIC.rejected
          }
        })
        const director = added.persons.at(-1)!
        const b = yield* s.submitVerification(a.id, ADA)
        expect(Requirements.canCharge(Requirements.defaultPolicy, b, T0)).toBe(false)
        const c = yield* s.removePerson(a.id, ADA, { personId: director.id })
        expect(Requirements.canCharge(Requirements.defaultPolicy, c, T0)).toBe(true)
      })
    ))
})

describe("a business attests that it provided its owners, and its beneficial owners are covered (issue 16)", () => {
  it("without the attestation a business cannot charge; attestOwners gives it once, and again is a no-op", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.business({ ownersProvided: false }))
        const b = yield* s.submitVerification(a.id, ADA)
        expect(b.status).toBe("pending")
        expect(evaluate(b).requirements.pastDue).toContain("company.owners_provided")
        expect((yield* Effect.flip(s.attestOwners(a.id, CLERK)))._tag).toBe("PermissionDenied")
        const c = yield* s.attestOwners(a.id, ADA)
        expect(c.ownersAttestation).toEqual({ by: "member:user-ada", at: T0 })
        expect(c.status).toBe("active")
        expect(yield* eventTypes).toContain(Events.TYPES.ownersAttested)
        const before = yield* snapshot
        yield* s.attestOwners(a.id, ADA)
        expect(yield* snapshot).toEqual(before)
      })
    ))

  it("owners.verification covers the owners at or above 25 %, not the smaller ones", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(
          Fixtures.business({
            owners: [
              {
                firstName: "Ada",
                lastName: "Lovelace",
                dateOfBirth: "1985-12-10",
                ownershipPercent: 25,
                idNumber: "0"
              },
              { firstName: "Tiny", lastName: "Holder", dateOfBirth: "1980-12-26", ownershipPercent: 24.99 }
            ]
          })
        )
        const [big, small] = a.persons.filter((p) => p.role === "owner")
        expect(small!.ownershipBps).toBe(2499)
        expect(Requirements.target(a, "owners.verification").subjects).toEqual([big!.id])
        expect(Requirements.target(a, "owners.verification", 1000).subjects).toEqual([big!.id, small!.id])
        // the big owner's identity is verified; the small one gave no id number and need not
        const b = yield* s.submitVerification(a.id, ADA)
        expect(Requirements.itemState(b, "owners.verification")._tag).toBe("satisfied")
        expect(Requirements.itemState(b, "owners.verification", 1000)._tag).toBe("missing")
      })
    ))

  it("a change to the owners clears the attestation unless the change attests again", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.business())
        yield* s.submitVerification(a.id, ADA)
        const owner = a.persons.find((p) => p.role === "owner" && p.ownershipBps === 4000)!
        const b = yield* s.setOwnership(a.id, ADA, { personId: owner.id, ownershipPercent: 30 })
        expect(b.ownersAttestation).toBeUndefined()
        expect(evaluate(b).requirements.pastDue).toContain("company.owners_provided")
        expect(b.status).toBe("restricted")
        const c = yield* s.setOwnership(a.id, ADA, {
          personId: owner.id,
          ownershipPercent: 35,
          ownersProvided: true
        })
        expect(c.ownersAttestation).toEqual({ by: "member:user-ada", at: T0 })
        expect(c.status).toBe("active")
        // a director's arrival leaves the attestation alone
        const d = yield* s.addPerson(a.id, ADA, {
          role: "director",
          person: { firstName: "Grace", lastName: "Hopper", dateOfBirth: "1906-12-09" }
        })
        expect(d.ownersAttestation).toEqual(c.ownersAttestation)
      })
    ))
})

describe("owners, directors and the representative can be added, removed and re-weighted after registration (issue 16)", () => {
  it("an owner added gets verification cases, a subject index entry and sealed data; removing them keeps their data under the account", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.business({ owners: [] }))
        const b = yield* s.addPerson(a.id, ADA, {
          role: "owner",
          ownershipPercent: 50,
          ownersProvided: true,
          person: {
            firstName: "Grace",
            lastName: "Hopper",
            dateOfBirth: "1906-12-09",
            idNumber: MAGIC.verified
          }
        })
        const grace = b.persons.at(-1)!
        expect(grace).toMatchObject({ role: "owner", ownershipBps: 5000 })
        expect(b.cases.filter((c) => c.subject === grace.id).map((c) => c.kind)).toEqual([
          "identity",
          "document"
        ])
        const view = (yield* s.profile(a.id, ADA)).find((v) => v.subject === grace.id)
        expect(view?._tag === "available" && view.fields["firstName"]).toBe("Grace")
        const c = yield* s.removePerson(a.id, ADA, { personId: grace.id, ownersProvided: true })
        expect(c.persons.find((p) => p.id === grace.id)?.removedAt).toBe(T0)
        expect(c.cases.some((x) => x.subject === grace.id)).toBe(false)
        expect(Requirements.target(c, "owners.verification").subjects).toEqual([])
        // their data stays sealed under the account (holds, export, erasure reach it)
        expect((yield* s.exportSubject(grace.id, ADA)).subject).toBe(grace.id)
        // and no longer changes
        expect(
          (yield* Effect.flip(s.updateProfile(a.id, ADA, { subject: grace.id, phone: "+4915112345678" })))
            ._tag
        ).toBe("NotFound")
        const types = yield* eventTypes
        expect(types).toContain(Events.TYPES.personAdded)
        expect(types).toContain(Events.TYPES.personRemoved)
      })
    ))

  it("a new representative replaces the current one; a representative cannot be removed alone", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.business())
        const rep = a.persons.find((p) => p.role === "representative")!
        const e = yield* Effect.flip(s.removePerson(a.id, ADA, { personId: rep.id }))
        expect(e._tag === "InvalidInput" && e.path).toBe("personId")
        const b = yield* s.addPerson(a.id, ADA, {
          role: "representative",
          person: {
            firstName: "Grace",
            lastName: "Hopper",
            dateOfBirth: "1906-12-09",
            idNumber: MAGIC.verified
          }
        })
        const current = b.persons.filter((p) => p.role === "representative" && p.removedAt === undefined)
        expect(current.map((p) => p.id)).toEqual([b.persons.at(-1)!.id])
        expect(b.persons.find((p) => p.id === rep.id)?.removedAt).toBe(T0)
      })
    ))

  it("owner shares never add up to more than 100 %, and every refusal writes nothing", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.business())
        const owner = a.persons.find((p) => p.role === "owner" && p.ownershipBps === 4000)!
        const rep = a.persons.find((p) => p.role === "representative")!
        const person = { firstName: "Grace", lastName: "Hopper", dateOfBirth: "1906-12-09" }
        const before = yield* snapshot
        const refusals = [
          [s.addPerson(a.id, ADA, { role: "owner", ownershipPercent: 0.01, person }), "ownershipPercent"],
          [s.addPerson(a.id, ADA, { role: "owner", person }), "ownershipPercent"],
          [s.addPerson(a.id, ADA, { role: "director", ownershipPercent: 10, person }), "ownershipPercent"],
          [s.setOwnership(a.id, ADA, { personId: owner.id, ownershipPercent: 40.01 }), "ownershipPercent"],
          [s.setOwnership(a.id, ADA, { personId: rep.id, ownershipPercent: 10 }), "personId"],
          [s.addPerson(a.id, ADA, { role: "owner", ownershipPercent: 101, person }), "ownershipPercent"],
          [s.addPerson(a.id, ADA, { role: "chairman", person } as never), "role"],
          [
            s.addPerson(a.id, ADA, {
              role: "owner",
              ownershipPercent: 1,
              person: { ...person, firstName: "\u0000" }
            }),
            "person.firstName"
          ]
        ] as const
        for (const [op, path] of refusals) {
          const e = yield* Effect.flip(op)
          expect(e._tag).toBe("InvalidInput")
          if (e._tag === "InvalidInput") expect(e.path).toBe(path)
        }
        expect((yield* Effect.flip(s.removePerson(a.id, ADA, { personId: "nobody" })))._tag).toBe("NotFound")
        expect((yield* Effect.flip(s.addPerson(a.id, CLERK, { role: "director", person })))._tag).toBe(
          "PermissionDenied"
        )
        expect(yield* snapshot).toEqual(before)
        // the same share again changes nothing
        yield* s.setOwnership(a.id, ADA, { personId: owner.id, ownershipPercent: 40 })
        expect(yield* snapshot).toEqual(before)
      })
    ))

  it("an individual account has no persons to change", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* s.register(Fixtures.individual())
        const e = yield* Effect.flip(
          s.addPerson(a.id, JANE, {
            role: "director",
            person: { firstName: "Grace", lastName: "Hopper", dateOfBirth: "1906-12-09" }
          })
        )
        expect(e._tag === "InvalidInput" && e.path).toBe("accountId")
      })
    ))
})

describe("capabilities can be requested after registration (issue 16)", () => {
  it("a capability requested later is off until its requirements are met, with the grace period before the account is restricted", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        // an individual who signed up for card payments only, with no bank account
        const { bankAccount: _none, ...noBank } = Fixtures.individual({ capabilities: ["card_payments"] })
        const a = yield* s.register(noBank)
        const active = yield* s.submitVerification(a.id, JANE)
        expect(active.status).toBe("active")
        yield* TestClock.adjust(DAY)
        const b = yield* s.requestCapabilities(a.id, JANE, { capabilities: ["card_payments", "payouts"] })
        expect(b.capabilities).toEqual(["card_payments", "payouts"])
        expect(b.capabilityRequestedAt).toEqual({ payouts: T0 + DAY })
        expect(b.status).toBe("active")
        const e = evaluate(b, T0 + DAY)
        expect(e.capabilities.payouts.disabledReason).toBe("requirements.currently_due")
        expect(e.capabilities.payouts.requirements.currentlyDue).toContain("external_account")
        expect(e.capabilities.payouts.requirements.currentDeadline).toBe(T0 + DAY + 14 * DAY)
        expect(e.capabilities.card_payments.status).toBe("active")
        expect(yield* eventTypes).toContain(Events.TYPES.capabilitiesRequested)
        // past the grace period, the platform restricts the account; providing the bank account lifts it
        yield* TestClock.adjust(14 * DAY)
        expect((yield* s.refresh(a.id)).status).toBe("restricted")
        const c = yield* s.updateProfile(a.id, JANE, {
          bankAccount: { country: "DE", currency: "EUR", accountNumber: "DE89370400440532013000" }
        })
        expect(c.status).toBe("active")
        expect(Requirements.canPayout(Requirements.defaultPolicy, c, T0 + 15 * DAY)).toBe(true)
        // requesting what the account has changes nothing
        const before = yield* snapshot
        yield* s.requestCapabilities(a.id, JANE, { capabilities: ["payouts"] })
        expect(yield* snapshot).toEqual(before)
        const bad = yield* Effect.flip(
          s.requestCapabilities(a.id, JANE, { capabilities: ["teleport"] } as never)
        )
        expect(bad._tag === "InvalidInput" && bad.path).toBe("capabilities[0]")
      })
    ))
})
