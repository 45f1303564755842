import { Ids } from "@paykit/core"
import { Effect, Layer, Result } from "effect"
import { randomUUID } from "node:crypto"
import { describe, expect, it } from "vitest"
import { type Account, currentPersons } from "../Account.ts"
import * as Accounts from "../Accounts.ts"
import { AccountStore, type Transaction } from "../AccountStore.ts"
import * as ClosureCheck from "../ClosureCheck.ts"
import * as KeyStore from "../KeyStore.ts"
import * as VerificationProvider from "../VerificationProvider.ts"
import type { Stores as ConcurrencyStores } from "./ConcurrencyContract.ts"
import { business, individual } from "./Fixtures.ts"

/**
 * Builds `pools` `AccountStore` services over one fresh, empty storage they all share (as for
 * `ConcurrencyContract`), released with the scope.
 *
 * @example
 * ```ts
 * import { AccountStore } from "@paykit/accounts"
 * import type { InputContract } from "@paykit/accounts/testing"
 * import { Notifier } from "@paykit/core"
 * import { Effect } from "effect"
 * const memory: InputContract.Stores = (pools) =>
 *   Effect.map(AccountStore.makeMemory.pipe(Effect.provide(Notifier.layerNoop)), (s) => Array.from({ length: pools }, () => s))
 * ```
 * @category models
 * @since 0.4.0
 */
export type Stores = ConcurrencyStores

type Service = Accounts.Accounts["Service"]
type Store = AccountStore["Service"]

/**
 * How hard the suite tries: `trials` of each concurrent email change (default 10) and the
 * per-test timeout in milliseconds (default 120 000).
 *
 * @example
 * ```ts
 * import type { InputContract } from "@paykit/accounts/testing"
 * const light: InputContract.Options = { trials: 5 }
 * ```
 * @category models
 * @since 0.4.0
 */
export interface Options {
  readonly trials?: number
  readonly timeout?: number
}

const OPERATOR = { kind: "operator", id: "ops-input" } as const

/**
 * The `idNumber`s the suite's provider answers with a text no store may keep (the rest it answers
 * as `VerificationProvider.layerMemory` does).
 *
 * @example
 * ```ts
 * import { InputContract } from "@paykit/accounts/testing"
 * InputContract.HOSTILE_ANSWER.hugeReason // "999999991"
 * ```
 * @category models
 * @since 0.4.0
 */
export const HOSTILE_ANSWER = {
  /** a rejection whose reason is 100,000 characters long */
  hugeReason: "999999991",
  /** a rejection whose code holds a NUL character */
  nulCode: "999999992"
} as const

/** The memory provider, plus the hostile answers of {@link HOSTILE_ANSWER}. */
const provider = VerificationProvider.VerificationProvider.of({
  verify: (request) =>
    Effect.succeed(
      request.data["idNumber"] === HOSTILE_ANSWER.hugeReason
        ? { _tag: "rejected", code: "verification_failed_other", reason: "r".repeat(100_000) }
        : request.data["idNumber"] === HOSTILE_ANSWER.nulCode
          ? { _tag: "rejected", code: "failed\u0000", reason: "the id number does not match" }
          : VerificationProvider.decideMemory(request)
    )
})

interface World {
  readonly services: ReadonlyArray<Service>
  readonly store: Store
  /** Every transaction the services handed to the store, in order (committed or not). */
  readonly commits: Array<Transaction>
}

const world = (stores: Stores, pools: number) =>
  Effect.gen(function* () {
    const list = yield* stores(pools)
    const keys = yield* KeyStore.makeMemory
    const commits: Array<Transaction> = []
    const ports = Layer.mergeAll(
      Layer.succeed(VerificationProvider.VerificationProvider, provider),
      ClosureCheck.layerMemory,
      Ids.layer
    )
    const services: Array<Service> = []
    for (const store of list) {
      const counted: Store = {
        ...store,
        commit: (tx) =>
          Effect.suspend(() => {
            commits.push(tx)
            return store.commit(tx)
          })
      }
      services.push(
        yield* Accounts.make().pipe(
          Effect.provideService(AccountStore, counted),
          Effect.provideService(KeyStore.KeyStore, keys),
          Effect.provide(ports)
        )
      )
    }
    return { services, store: list[0]!, commits } satisfies World
  })

const tagOf = <A, E>(r: Result.Result<A, E>): string =>
  Result.isSuccess(r) ? "ok" : String((r.failure as { _tag?: unknown })._tag)

/** A fresh tag, so applicants never collide on a shared store. */
const fresh = () => randomUUID().replace(/-/g, "").slice(0, 12)

const person = (tag: string) => ({ email: `${tag}@input.example`, owner: { userId: `u-${tag}` } })
const company = (tag: string) => ({ ...person(tag), registrationNumber: `HRB ${tag}` })

/**
 * Runs `op` and asserts it is refused with `InvalidInput` at `path` (or with the error `tag`),
 * that the service handed nothing to the store and the store is as before.
 */
const refused = (
  w: World,
  label: string,
  op: Effect.Effect<unknown, Accounts.AccountsError>,
  path: string,
  tag = "InvalidInput"
) =>
  Effect.gen(function* () {
    const before = yield* w.store.dump
    const commits = w.commits.length
    const r = yield* Effect.result(op)
    expect(tagOf(r), label).toBe(tag)
    if (Result.isFailure(r) && r.failure._tag === "InvalidInput") {
      expect(r.failure.path, label).toBe(path)
      expect(r.failure.reason.length, label).toBeGreaterThan(0)
    }
    expect(w.commits.length, `${label}: nothing handed to the store`).toBe(commits)
    expect(yield* w.store.dump, `${label}: the store is unchanged`).toEqual(before)
    return r
  })

/** Runs `op` and asserts the service handed nothing to the store and the store is as before. */
const writesNothing = <A>(w: World, label: string, op: Effect.Effect<A, Accounts.AccountsError>) =>
  Effect.gen(function* () {
    const before = yield* w.store.dump
    const commits = w.commits.length
    const r = yield* Effect.result(op)
    expect(tagOf(r), label).toBe("ok")
    expect(w.commits.length, `${label}: nothing handed to the store`).toBe(commits)
    expect(yield* w.store.dump, `${label}: the store is unchanged`).toEqual(before)
    return Result.getOrThrow(r)
  })

/** Every text input with `bad` put in it, and the path its refusal names. */
const textCases = (s: Service, a: Account, b: Account, bad: string) => {
  const ind = individual(person(fresh()))
  const biz = business(company(fresh()))
  const rep = b.persons.find((p) => p.role === "representative")!.id
  const bOwner = { kind: "member", id: b.team.owner } as const
  const aOwner = { kind: "member", id: a.team.owner } as const
  const cases: ReadonlyArray<readonly [string, Effect.Effect<unknown, Accounts.AccountsError>]> = [
    ["person.firstName", s.register({ ...ind, person: { ...ind.person, firstName: `Ja${bad}ne` } })],
    ["person.lastName", s.register({ ...ind, person: { ...ind.person, lastName: bad } })],
    [
      "person.address.city",
      s.register({
        ...ind,
        person: { ...ind.person, address: { ...ind.person.address!, city: `Ber${bad}lin` } }
      })
    ],
    ["person.idDocument", s.register({ ...ind, person: { ...ind.person, idDocument: `file${bad}` } })],
    ["owner.userId", s.register({ ...ind, owner: { userId: `user${bad}` } })],
    ["legalName", s.register({ ...biz, legalName: `Acme${bad} GmbH` })],
    ["address.line1", s.register({ ...biz, address: { ...biz.address, line1: `${bad}` } })],
    [
      "representative.firstName",
      s.register({ ...biz, representative: { ...biz.representative, firstName: bad } })
    ],
    [
      "owners[1].lastName",
      s.register({ ...biz, owners: [biz.owners[0]!, { ...biz.owners[1]!, lastName: `B${bad}` }] })
    ],
    ["firstName", s.updateProfile(b.id, bOwner, { subject: rep, firstName: `Ad${bad}a` })],
    ["address.line2", s.updateProfile(a.id, aOwner, { address: { ...ind.person.address!, line2: bad } })],
    ["idNumber", s.updateProfile(a.id, aOwner, { idNumber: `12${bad}34` })],
    ["subject", s.updateProfile(b.id, bOwner, { subject: `${rep}${bad}`, firstName: "Ada" })],
    ["id", s.invite(b.id, bOwner, { id: `bob${bad}`, roles: ["analyst"] })],
    ["id", s.updateProfile(a.id, { kind: "member", id: `u${bad}` }, { phone: "+4915100000001" })],
    [
      "subject",
      s.placeLegalHold({ subject: `${a.id}${bad}`, basis: "litigation", until: 4_000_000_000_000 })
    ],
    ["reason", s.review(a.id, OPERATOR, a.cases[0]!.id, { approve: false, reason: `expired${bad}` })],
    [
      "reason",
      s.verificationResult(a.id, `${a.cases[0]!.id}#1`, {
        _tag: "rejected",
        code: "failed",
        reason: `no${bad}`
      })
    ],
    ["submissionId", s.verificationResult(a.id, `${a.cases[0]!.id}${bad}#1`, { _tag: "verified" })],
    [
      "person.firstName",
      s.addPerson(b.id, bOwner, {
        role: "director",
        person: { firstName: `Gr${bad}ace`, lastName: "Hopper", dateOfBirth: "1906-12-09" }
      })
    ],
    ["personId", s.removePerson(b.id, bOwner, { personId: `${rep}${bad}` })],
    ["personId", s.setOwnership(b.id, bOwner, { personId: `${rep}${bad}`, ownershipPercent: 10 })]
  ]
  return cases
}

/**
 * The input rules of `@paykit/accounts`, run against the `Accounts` service on any store, so
 * every store answers alike (issue 16): a NUL character or a lone surrogate in any text, a blank
 * name, an unbounded or unstorable provider text, a missing or wrong applicant `type`, a login id
 * shaped like an email address or a phone number are `InvalidInput` naming the field (never a
 * storage error on one store and acceptance on another), nothing is handed to the store and the
 * next valid call works; an id argument no store can look up alike is `InvalidInput`; a profile
 * update that changes nothing writes nothing and emits nothing; and two accounts changing their
 * email to the same address at once end as in sequence: one wins, the other is
 * `DuplicateApplicant` (two pools on one store).
 *
 * @example
 * ```ts
 * import { AccountStore } from "@paykit/accounts"
 * import { InputContract } from "@paykit/accounts/testing"
 * import { Notifier } from "@paykit/core"
 * import { Effect } from "effect"
 * InputContract.suite("memory", (pools) =>
 *   Effect.map(AccountStore.makeMemory.pipe(Effect.provide(Notifier.layerNoop)), (s) => Array.from({ length: pools }, () => s))
 * )
 * ```
 * @category constructors
 * @since 0.4.0
 */
export const suite = (name: string, stores: Stores, options: Options = {}): void => {
  const trials = options.trials ?? 10
  const timeout = options.timeout ?? 120_000
  const withWorld = <A>(pools: number, f: (w: World) => Effect.Effect<A, unknown>) =>
    Effect.runPromise(Effect.scoped(Effect.flatMap(world(stores, pools), f)) as Effect.Effect<A, unknown>)
  const registered = (w: World) =>
    Effect.all({
      a: w.services[0]!.register(individual(person(fresh()))),
      b: w.services[0]!.register(business(company(fresh())))
    })

  describe(`Accounts input rules: ${name}`, () => {
    it(
      "a NUL character or a lone surrogate in any text input is InvalidInput naming the field; nothing is written and the next valid call works",
      {
        timeout
      },
      () =>
        withWorld(1, (w) =>
          Effect.gen(function* () {
            const s = w.services[0]!
            const { a, b } = yield* registered(w)
            for (const bad of ["\u0000", "\ud800", "x\udc00y", "\u0000\ud83d"]) {
              for (const [path, op] of textCases(s, a, b, bad)) {
                yield* refused(w, `${path} with ${JSON.stringify(bad)}`, op, path)
              }
              yield* refused(
                w,
                "website",
                s.register(business({ ...company(fresh()), website: `https://acme.example/${bad}` })),
                "website"
              )
            }
            // the next valid calls work (a well-formed pair of surrogates is text like any other)
            const ok = yield* s.register(
              individual({ ...person(fresh()), person: { ...individual().person, firstName: "Zoë 😀" } })
            )
            expect(ok.status).toBe("pending")
            yield* s.updateProfile(b.id, { kind: "member", id: b.team.owner }, { industry: "5999" })
          })
        )
    )

    it("a whitespace-only name is InvalidInput naming the field; nothing is written", { timeout }, () =>
      withWorld(1, (w) =>
        Effect.gen(function* () {
          const s = w.services[0]!
          const { a, b } = yield* registered(w)
          for (const blank of [" ", "   ", "\t\n", "\u00a0", "\u3000\u2003", "\u200b", "\ufeff "]) {
            for (const [path, op] of textCases(s, a, b, blank).filter(([p]) =>
              ["person.lastName", "address.line1", "representative.firstName", "address.line2"].includes(p)
            )) {
              yield* refused(w, `${path} as ${JSON.stringify(blank)}`, op, path)
            }
            const ind = individual(person(fresh()))
            yield* refused(
              w,
              "person.firstName",
              s.register({ ...ind, person: { ...ind.person, firstName: blank } }),
              "person.firstName"
            )
            yield* refused(
              w,
              "legalName",
              s.register(business({ ...company(fresh()), legalName: blank })),
              "legalName"
            )
            yield* refused(
              w,
              "firstName",
              s.updateProfile(
                b.id,
                { kind: "member", id: b.team.owner },
                {
                  subject: b.persons[0]!.id,
                  firstName: blank
                }
              ),
              "firstName"
            )
          }
          // a name with white space inside is a name
          yield* s.register(
            individual({ ...person(fresh()), person: { ...individual().person, lastName: "van der Berg" } })
          )
        })
      )
    )

    it(
      "provider outcome texts are bounded: an oversized, empty or unstorable code or reason is InvalidInput from verificationResult, and ProviderFailure naming the field when the provider answers it; nothing is written",
      {
        timeout
      },
      () =>
        withWorld(1, (w) =>
          Effect.gen(function* () {
            const s = w.services[0]!
            const tag = fresh()
            const owner = { kind: "member", id: `u-${tag}` } as const
            const pending = yield* s.register(
              individual({
                ...person(tag),
                person: { ...individual().person, idNumber: VerificationProvider.MAGIC.pending }
              })
            )
            const submitted = yield* s.submitVerification(pending.id, owner)
            const identity = submitted.cases.find((c) => c.kind === "identity")!
            expect(identity.status).toBe("pending")
            const answer = (code: string, reason: string) =>
              s.verificationResult(pending.id, identity.submissionId!, { _tag: "rejected", code, reason })
            yield* refused(w, "reason of 501", answer("failed", "r".repeat(501)), "reason")
            yield* refused(w, "reason of 100,000", answer("failed", "r".repeat(100_000)), "reason")
            yield* refused(w, "code of 101", answer("c".repeat(101), "no match"), "code")
            yield* refused(w, "empty reason", answer("failed", ""), "reason")
            yield* refused(w, "blank code", answer("  ", "no match"), "code")
            yield* refused(w, "NUL code", answer("fail\u0000ed", "no match"), "code")
            yield* refused(w, "lone surrogate", answer("failed", "no \ud800 match"), "reason")
            yield* refused(
              w,
              "action required",
              s.verificationResult(pending.id, identity.submissionId!, {
                _tag: "action_required",
                code: "document_required",
                reason: "x".repeat(600)
              }),
              "reason"
            )
            // the next valid answer applies, and a reason of 500 characters is kept whole
            const answered = yield* answer("verification_failed_other", "r".repeat(500))
            const after = answered.cases.find((c) => c.id === identity.id)!
            expect(after.status).toBe("rejected")
            expect(after.errors[0]?.reason).toBe("r".repeat(500))

            // the provider itself answering such a text: ProviderFailure naming the field
            for (const [idNumber, field] of [
              [HOSTILE_ANSWER.hugeReason, "reason"],
              [HOSTILE_ANSWER.nulCode, "code"]
            ] as const) {
              const t = fresh()
              const acct = yield* s.register(
                individual({ ...person(t), person: { ...individual().person, idNumber } })
              )
              const who = { kind: "member", id: `u-${t}` } as const
              const r = yield* refused(
                w,
                `provider ${field}`,
                s.submitVerification(acct.id, who),
                "",
                "ProviderFailure"
              )
              if (Result.isFailure(r) && r.failure._tag === "ProviderFailure")
                expect(r.failure.reason).toContain(`at ${field}:`)
              // the next valid call works
              yield* s.updateProfile(acct.id, who, { idNumber: VerificationProvider.MAGIC.verified })
              expect(tagOf(yield* Effect.result(s.submitVerification(acct.id, who)))).toBe("ok")
            }
          })
        )
    )

    it(
      "a missing or wrong applicant type is InvalidInput naming type; so is a missing or unknown provider answer _tag",
      {
        timeout
      },
      () =>
        withWorld(1, (w) =>
          Effect.gen(function* () {
            const s = w.services[0]!
            const { type: _i, ...noType } = individual(person(fresh()))
            const { type: _b, ...noTypeBiz } = business(company(fresh()))
            const bads: ReadonlyArray<readonly [string, unknown]> = [
              ["missing", noType],
              ["missing (business)", noTypeBiz],
              ["undefined", { ...noType, type: undefined }],
              ["null", { ...noType, type: null }],
              ["a number", { ...noType, type: 1 }],
              ["unknown", { ...noType, type: "company" }],
              ["another case", { ...noType, type: "Individual" }],
              ["an array", { ...noType, type: ["individual"] }]
            ]
            for (const [label, input] of bads) {
              const r = yield* refused(w, `type ${label}`, s.register(input as never), "type")
              if (Result.isFailure(r) && r.failure._tag === "InvalidInput")
                expect(r.failure.reason, label).toMatch(/individual.*business/)
            }
            const a = yield* s.register(individual(person(fresh())))
            yield* refused(
              w,
              "_tag missing",
              s.verificationResult(a.id, `${a.cases[0]!.id}#1`, { code: "x", reason: "y" } as never),
              "_tag"
            )
            yield* refused(
              w,
              "_tag unknown",
              s.verificationResult(a.id, `${a.cases[0]!.id}#1`, { _tag: "approved" } as never),
              "_tag"
            )
          })
        )
    )

    it(
      "a profile update that changes nothing writes nothing and emits nothing; a real change still does",
      {
        timeout
      },
      () =>
        withWorld(1, (w) =>
          Effect.gen(function* () {
            const s = w.services[0]!
            const { a, b } = yield* registered(w)
            const ind = individual()
            const aOwner = { kind: "member", id: a.team.owner } as const
            const bOwner = { kind: "member", id: b.team.owner } as const
            const email = `${a.team.owner.slice("u-".length)}@input.example`
            const rep = b.persons.find((p) => p.role === "representative")!.id
            const noops: ReadonlyArray<
              readonly [string, Account, Effect.Effect<Account, Accounts.AccountsError>]
            > = [
              ["an empty patch", a, s.updateProfile(a.id, aOwner, {})],
              ["the same phone", a, s.updateProfile(a.id, aOwner, { phone: ind.phone })],
              ["the same email", a, s.updateProfile(a.id, aOwner, { email })],
              ["the same address", a, s.updateProfile(a.id, aOwner, { address: ind.person.address! })],
              ["the same id number", a, s.updateProfile(a.id, aOwner, { idNumber: ind.person.idNumber! })],
              ["the same bank account", a, s.updateProfile(a.id, aOwner, { bankAccount: ind.bankAccount! })],
              ["the same industry", b, s.updateProfile(b.id, bOwner, { industry: "5734" })],
              ["only a subject", b, s.updateProfile(b.id, bOwner, { subject: rep })],
              [
                "a person's same name",
                b,
                s.updateProfile(b.id, bOwner, { subject: rep, firstName: "Ada", lastName: "Lovelace" })
              ],
              ["by an operator", a, s.updateProfile(a.id, OPERATOR, { phone: ind.phone })]
            ]
            for (const [label, acct, op] of noops) {
              const before = yield* s.get(acct.id)
              const answered = yield* writesNothing(w, label, op)
              expect(answered.version, label).toBe(before.version)
              expect(answered.profileVersion, label).toBe(before.profileVersion)
            }
            // the same card twice: the first is a change, the second is not
            const card = { number: "4242424242424242", expMonth: 12, expYear: 2030 }
            yield* s.updateProfile(a.id, aOwner, { card })
            yield* writesNothing(w, "the same card", s.updateProfile(a.id, aOwner, { card }))
            // permission and state checks still come first: a no-op by a member without rights is refused
            yield* refused(
              w,
              "a no-op by a stranger",
              s.updateProfile(a.id, { kind: "member", id: "user-stranger" }, {}),
              "",
              "PermissionDenied"
            )
            // a real change writes one transaction with its profile event
            const commits = w.commits.length
            const changed = yield* s.updateProfile(a.id, aOwner, { phone: "+4915100000002" })
            expect(w.commits.length).toBe(commits + 1)
            expect(w.commits.at(-1)!.events?.map((e) => e.type)).toContain("accounts.profile.updated")
            expect(changed.profileVersion).toBe((yield* s.get(a.id)).profileVersion)
          })
        )
    )

    it(
      "login ids shaped like an email address or a phone number are refused naming the field; opaque ids are accepted",
      {
        timeout
      },
      () =>
        withWorld(1, (w) =>
          Effect.gen(function* () {
            const s = w.services[0]!
            const { b } = yield* registered(w)
            const bOwner = { kind: "member", id: b.team.owner } as const
            const shaped = [
              "jane@example.com",
              "jane.doe@acme",
              "+4915112345678",
              "+49 151 1234 5678",
              "0151 12345678",
              "01511234567",
              "0049151123456",
              "(555) 123-4567",
              "555-123-4567"
            ]
            for (const id of shaped) {
              yield* refused(
                w,
                `owner.userId ${id}`,
                s.register(individual({ ...person(fresh()), owner: { userId: id } })),
                "owner.userId"
              )
              yield* refused(w, `invite ${id}`, s.invite(b.id, bOwner, { id, roles: ["analyst"] }), "id")
              yield* refused(
                w,
                `member actor ${id}`,
                s.updateProfile(b.id, { kind: "member", id }, { industry: "5999" }),
                "id"
              )
              yield* refused(
                w,
                `operator actor ${id}`,
                s.transition(b.id, { kind: "operator", id }, "suspend"),
                "id"
              )
              yield* refused(w, `transferOwnership ${id}`, s.transferOwnership(b.id, bOwner, id), "")
            }
            for (const id of [
              "user-jane",
              "4711",
              "12345678901",
              "auth0|5f7c8ec7a1b2",
              "@jane",
              "usr_01J8ZK7Q"
            ]) {
              const t = fresh()
              const acct = yield* s.register(individual({ ...person(t), owner: { userId: id } }))
              expect(acct.team.owner).toBe(id)
            }
            yield* s.invite(b.id, bOwner, { id: "user-bob", roles: ["analyst"] })
          })
        )
    )

    it(
      "an id argument no store can look up alike (a NUL character, a lone surrogate, over 200 characters) is InvalidInput, not a storage error; an unknown id is NotFound",
      {
        timeout
      },
      () =>
        withWorld(1, (w) =>
          Effect.gen(function* () {
            const s = w.services[0]!
            const { a } = yield* registered(w)
            const owner = { kind: "member", id: a.team.owner } as const
            for (const id of [`${a.id}\u0000`, `\ud800${a.id}`, "x".repeat(201)]) {
              yield* refused(w, "get", s.get(id), "account id")
              yield* refused(w, "evaluate", s.evaluate(id), "account id")
              yield* refused(w, "refresh", s.refresh(id), "account id")
              yield* refused(
                w,
                "updateProfile",
                s.updateProfile(id, owner, { phone: "+4915100000003" }),
                "account id"
              )
              yield* refused(w, "erase", s.erase(id, OPERATOR), "subject id")
            }
            yield* refused(w, "unknown account", s.get("01J00000000000000000000000"), "", "NotFound")
            yield* refused(
              w,
              "unknown subject",
              s.erase("01J00000000000000000000000", OPERATOR),
              "",
              "NotFound"
            )
            expect((yield* s.get(a.id)).id).toBe(a.id)
          })
        )
    )

    it(
      "persons, shares, the owners' attestation and capabilities changed after registration read back as answered; a person removed keeps their data",
      { timeout },
      () =>
        withWorld(1, (w) =>
          Effect.gen(function* () {
            const s = w.services[0]!
            const { b } = yield* registered(w)
            const owner = { kind: "member", id: b.team.owner } as const
            const minority = b.persons.find((p) => p.role === "owner" && p.ownershipBps === 4000)!
            yield* s.setOwnership(b.id, owner, { personId: minority.id, ownershipPercent: 10 })
            const added = yield* s.addPerson(b.id, owner, {
              role: "owner",
              ownershipPercent: 30,
              ownersProvided: true,
              person: {
                firstName: "Grace",
                lastName: "Hopper",
                dateOfBirth: "1906-12-09",
                idNumber: "000000000"
              }
            })
            const grace = added.persons.at(-1)!
            yield* s.addPerson(b.id, owner, {
              role: "representative",
              person: { firstName: "Alan", lastName: "Turing", dateOfBirth: "1912-06-23" }
            })
            yield* s.removePerson(b.id, owner, { personId: grace.id, ownersProvided: true })
            const last = yield* s.requestCapabilities(b.id, owner, { capabilities: ["cross_border"] })
            expect(yield* s.get(b.id)).toEqual(last)
            expect(last.persons.find((p) => p.id === grace.id)?.removedAt).toBeTypeOf("number")
            expect(currentPersons(last, "representative")).toHaveLength(1)
            expect(last.ownersAttestation?.by).toBe(`member:${b.team.owner}`)
            expect(last.capabilityRequestedAt?.cross_border).toBeTypeOf("number")
            const view = (yield* s.profile(b.id, owner)).find((v) => v.subject === grace.id)
            expect(view?._tag === "available" && view.fields["lastName"]).toBe("Hopper")
            // a share over 100 % after the change is refused, and writes nothing
            yield* refused(
              w,
              "shares over 100 %",
              s.setOwnership(b.id, owner, { personId: minority.id, ownershipPercent: 71 }),
              "ownershipPercent"
            )
          })
        )
    )

    it(
      `two accounts changing their email to the same address at once: one wins, the other is DuplicateApplicant as in sequence, never a storage error (${trials} trials, two pools)`,
      {
        timeout
      },
      () =>
        withWorld(2, (w) =>
          Effect.gen(function* () {
            const [s0, s1] = [w.services[0]!, w.services[1]!]
            const pair = Effect.gen(function* () {
              const [ta, tb] = [fresh(), fresh()]
              const a = yield* s0.register(individual(person(ta)))
              const b = yield* s0.register(business(company(tb)))
              return {
                a,
                b,
                aEmail: `${ta}@input.example`,
                bEmail: `${tb}@input.example`,
                aOwner: { kind: "member", id: `u-${ta}` } as const,
                bOwner: { kind: "member", id: `u-${tb}` } as const
              }
            })
            // in sequence: the address of another account is DuplicateApplicant naming it
            const p = yield* pair
            const seq = yield* refused(
              w,
              "in sequence",
              s0.updateProfile(p.a.id, p.aOwner, { email: p.bEmail }),
              "",
              "DuplicateApplicant"
            )
            if (Result.isFailure(seq)) expect(seq.failure).toMatchObject({ field: "email", existing: p.b.id })

            const outcomes: Record<string, number> = {}
            for (let i = 0; i < trials; i++) {
              const { a, b, aEmail, bEmail, aOwner, bOwner } = yield* pair
              const target = `${fresh()}@input.example`
              const [x, y] = [i % 2 === 0 ? s0 : s1, i % 2 === 0 ? s1 : s0]
              const [ra, rb] = yield* Effect.all(
                [
                  Effect.result(x.updateProfile(a.id, aOwner, { email: target })),
                  Effect.result(y.updateProfile(b.id, bOwner, { email: target }))
                ],
                { concurrency: 2 }
              )
              const outcome = `${tagOf(ra)}/${tagOf(rb)}`
              outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
              expect(["ok/DuplicateApplicant", "DuplicateApplicant/ok"], `trial ${i}`).toContain(outcome)
              const [winner, loser, loserEmail] = tagOf(ra) === "ok" ? [a, b, bEmail] : [b, a, aEmail]
              const lost = Result.isFailure(ra) ? ra : rb
              if (Result.isFailure(lost))
                expect(lost.failure).toMatchObject({ field: "email", existing: winner.id })
              // afterwards the address belongs to the winner, and the loser keeps its own
              const again = yield* Effect.flip(s0.register(individual({ ...person(fresh()), email: target })))
              expect(again).toMatchObject({ _tag: "DuplicateApplicant", existing: winner.id })
              const old = yield* Effect.flip(
                s0.register(individual({ ...person(fresh()), email: loserEmail }))
              )
              expect(old).toMatchObject({ _tag: "DuplicateApplicant", existing: loser.id })
            }
            expect(Object.values(outcomes).reduce((m, n) => m + n, 0)).toBe(trials)

            // two accounts swapping addresses at once: each address is taken when the other commits,
            // so both are DuplicateApplicant, as each would be in sequence
            for (let i = 0; i < trials; i++) {
              const { a, b, aEmail, bEmail, aOwner, bOwner } = yield* pair
              const [ra, rb] = yield* Effect.all(
                [
                  Effect.result(s0.updateProfile(a.id, aOwner, { email: bEmail })),
                  Effect.result(s1.updateProfile(b.id, bOwner, { email: aEmail }))
                ],
                { concurrency: 2 }
              )
              expect(`${tagOf(ra)}/${tagOf(rb)}`, `swap trial ${i}`).toBe(
                "DuplicateApplicant/DuplicateApplicant"
              )
            }
          })
        )
    )
  })
}
