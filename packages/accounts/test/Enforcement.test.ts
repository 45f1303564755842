import { Currency, Money, Notifier } from "@paykit/core"
import { Effect, type Layer, Result } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { Accounts, AccountStore, Permissions, Security } from "../src/index.ts"
import { Fixtures } from "../src/testing/index.ts"

/**
 * Permissions actually enforced (issue 16): one test per rule, each named after it, on the memory
 * store. (On PGlite and PostgreSQL: `AccountStoreContract` "API keys read back exactly …"; the
 * service's reads run there in `@paykit/store-postgres` test/accounts-restart.test.ts and
 * accounts-service-pglite.test.ts.)
 */

const T0 = Date.UTC(2026, 0, 1)
const ADA = { kind: "member", id: "user-ada" } as const // the business's owner
const OPERATOR = { kind: "operator", id: "ops-1" } as const
const SUP = { kind: "member", id: "user-sup" } as const // support: pii:view
const DEV = { kind: "member", id: "user-dev" } as const // developer: api_keys:manage, no pii:view
const VIEW = { kind: "member", id: "user-view" } as const // view_only
const STRANGER = { kind: "member", id: "user-nobody" } as const

type Env = Layer.Success<ReturnType<typeof Fixtures.layer>>

const run = <A, E>(effect: Effect.Effect<A, E, Env>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      return yield* effect
    }).pipe(Effect.provide(Fixtures.layer())) as Effect.Effect<A, E>
  )

const snapshot = Effect.gen(function* () {
  const store = yield* AccountStore.AccountStore
  const events = yield* Notifier.RecordedEvents
  return { dump: yield* store.dump, events: (yield* events.all).length }
})

/** A business owned by `user-ada` with a support member, a developer and a view-only member. */
const team = Effect.gen(function* () {
  const s = yield* Accounts.Accounts
  const acme = yield* s.register(Fixtures.business())
  yield* s.invite(acme.id, ADA, { id: SUP.id, roles: ["support"] })
  yield* s.invite(acme.id, ADA, { id: DEV.id, roles: ["developer"] })
  yield* s.invite(acme.id, ADA, { id: VIEW.id, roles: ["view_only"] })
  return { s, acme }
})

const tagOf = <A, E extends { readonly _tag: string }>(e: Effect.Effect<A, E>) =>
  Effect.map(Effect.flip(e), (x) => x._tag)

describe("permissions actually enforced (issue 16)", () => {
  it("reads of personal data take an actor and check pii:view: profile, exportSubject and audit refuse a member without it, a removed member and a stranger with PermissionDenied, and read nothing; the owner, a support member and an operator read", () =>
    run(
      Effect.gen(function* () {
        const { s, acme } = yield* team
        yield* s.removeMember(acme.id, ADA, SUP.id)
        yield* s.invite(acme.id, ADA, { id: "user-sup2", roles: ["support"] })
        const before = yield* snapshot
        for (const actor of [DEV, VIEW, SUP, STRANGER]) {
          const profile = yield* Effect.flip(s.profile(acme.id, actor))
          expect(profile).toMatchObject({
            _tag: "PermissionDenied",
            actor: actor.id,
            action: "read personal data"
          })
          expect(yield* tagOf(s.exportSubject(acme.id, actor))).toBe("PermissionDenied")
          expect(yield* tagOf(s.exportSubject(acme.persons[0]!.id, actor))).toBe("PermissionDenied")
          expect(yield* tagOf(s.audit(acme.id, actor))).toBe("PermissionDenied")
        }
        expect(yield* snapshot).toEqual(before)
        for (const actor of [ADA, { kind: "member", id: "user-sup2" } as const, OPERATOR]) {
          const views = yield* s.profile(acme.id, actor)
          expect(views.every((v) => v._tag === "available")).toBe(true)
          expect((yield* s.exportSubject(acme.id, actor)).subject).toBe(acme.id)
          expect((yield* s.audit(acme.id, actor)).length).toBeGreaterThan(0)
        }
        // bad actors are InvalidInput; an unknown account is NotFound before any permission
        expect(yield* tagOf(s.profile(acme.id, { kind: "robot", id: "x" } as never))).toBe("InvalidInput")
        expect(yield* tagOf(s.audit(acme.id, null as never))).toBe("InvalidInput")
        expect(yield* tagOf(s.profile("no-such-account", DEV))).toBe("NotFound")
        expect(yield* tagOf(s.exportSubject("no-such-subject", DEV))).toBe("NotFound")
      })
    ))

  it("reads for a legal hold's purpose are an operator's: the owner is refused, an operator reads; an unknown purpose is InvalidInput naming purpose", () =>
    run(
      Effect.gen(function* () {
        const { s, acme } = yield* team
        const refused = yield* Effect.flip(s.profile(acme.id, ADA, "legal_hold"))
        expect(refused._tag).toBe("PermissionDenied")
        expect((yield* s.profile(acme.id, OPERATOR, "legal_hold"))[0]?._tag).toBe("available")
        const bad = yield* Effect.flip(s.profile(acme.id, OPERATOR, "marketing" as never))
        expect(bad).toMatchObject({ _tag: "InvalidInput", path: "purpose" })
      })
    ))

  it("maker-checker verifies that each approver is a current member, not the maker, holding the approving permission", () => {
    const eur = (n: bigint) => Money.fromMinorUnsafe(n, Currency.EUR)
    const settings: Security.Settings = {
      ...Security.defaults,
      approvalThresholds: { refunds: eur(10_000n), payouts: eur(100_000n) }
    }
    const t: Permissions.Team = {
      owner: "o",
      members: [
        { id: "o", roles: [] },
        { id: "fin1", roles: ["finance"] },
        { id: "fin2", roles: ["finance"] },
        { id: "sup", roles: ["support"] } // refunds:manage, not refunds:authorize
      ]
    }
    const code = (r: Result.Result<void, Security.Refusal>) => (Result.isFailure(r) ? r.failure.code : "ok")
    const payout = (maker: string, approvers: ReadonlyArray<string>) =>
      code(Security.checkApproval(settings, t, "payouts", eur(100_001n), maker, approvers))
    expect(payout("fin1", ["fin2"])).toBe("ok")
    expect(payout("fin1", ["o"])).toBe("ok")
    expect(payout("fin1", [])).toBe("second_approver_required")
    expect(payout("fin1", ["fin1"])).toBe("approver_not_allowed") // the maker
    expect(payout("fin1", ["fin2", "fin1"])).toBe("approver_not_allowed") // each approver counts
    expect(payout("fin1", ["user-gone"])).toBe("approver_not_allowed") // not a current member
    expect(payout("fin1", ["sup"])).toBe("approver_not_allowed") // no payouts:authorize
    const refund = code(Security.checkApproval(settings, t, "refunds", eur(10_001n), "sup", ["fin1"]))
    expect(refund).toBe("ok") // finance holds refunds:authorize
    // a member removed since: the same approver no longer counts
    const after: Permissions.Team = { ...t, members: t.members.filter((m) => m.id !== "fin2") }
    expect(code(Security.checkApproval(settings, after, "payouts", eur(100_001n), "fin1", ["fin2"]))).toBe(
      "approver_not_allowed"
    )
    // at or under the threshold no approval is needed
    expect(code(Security.checkApproval(settings, t, "payouts", eur(100_000n), "fin1", []))).toBe("ok")
  })

  it("the service enforces the permission of every operation the security settings govern (Security.SESSION_CHECKED), for which the host checks the session: a view-only member is refused each, and nothing changes", () =>
    run(
      Effect.gen(function* () {
        const { s, acme } = yield* team
        const key = yield* s.createApiKey(acme.id, DEV, { webhooks: "write" })
        const calls: Record<
          keyof typeof Security.SESSION_CHECKED,
          Effect.Effect<unknown, Accounts.AccountsError>
        > = {
          "updateProfile.bankAccount": s.updateProfile(acme.id, VIEW, {
            bankAccount: { country: "DE", currency: "EUR", accountNumber: "DE89370400440532013000" }
          }),
          createApiKey: s.createApiKey(acme.id, VIEW, {}),
          rollApiKey: s.rollApiKey(acme.id, VIEW, { keyId: key.id }),
          revokeApiKey: s.revokeApiKey(acme.id, VIEW, key.id),
          updateSecurity: s.updateSecurity(acme.id, VIEW, { twoFactorRequired: false }),
          invite: s.invite(acme.id, VIEW, { id: "user-x", roles: [] }),
          changeRoles: s.changeRoles(acme.id, VIEW, { id: DEV.id, roles: [] }),
          removeMember: s.removeMember(acme.id, VIEW, DEV.id),
          transferOwnership: s.transferOwnership(acme.id, VIEW, DEV.id),
          profile: s.profile(acme.id, VIEW),
          exportSubject: s.exportSubject(acme.id, VIEW),
          audit: s.audit(acme.id, VIEW)
        }
        const before = yield* snapshot
        for (const [operation, call] of Object.entries(calls)) {
          expect([operation, yield* tagOf(call)]).toEqual([operation, "PermissionDenied"])
        }
        expect(yield* snapshot).toEqual(before)
        // and each permission named is one the view-only role lacks, so the refusal is the permission's
        const viewOnly = { owner: "o", members: [{ id: "v", roles: ["view_only" as const] }] }
        for (const p of Object.values(Security.SESSION_CHECKED))
          expect(Permissions.decide(viewOnly, "v", p).allowed).toBe(false)
      })
    ))

  it("restricted API keys can be revoked: from then on the key decides nothing; revoking again changes nothing; an operator may revoke, a member without api_keys:manage may not; an unknown key is NotFound", () =>
    run(
      Effect.gen(function* () {
        const { s, acme } = yield* team
        const key = yield* s.createApiKey(acme.id, DEV, { webhooks: "write", payments: "read" })
        expect((yield* s.decideKey(acme.id, key.id, "webhooks:manage")).allowed).toBe(true)
        expect(yield* tagOf(s.revokeApiKey(acme.id, VIEW, key.id))).toBe("PermissionDenied")
        const revoked = yield* s.revokeApiKey(acme.id, DEV, key.id)
        expect(revoked.revoked).toEqual({ at: T0, reason: "revoked", by: DEV.id })
        for (const p of ["webhooks:manage", "webhooks:view", "payments:view"] as const) {
          const d = yield* s.decideKey(acme.id, key.id, p)
          expect(d.allowed).toBe(false)
        }
        const before = yield* snapshot
        expect(yield* s.revokeApiKey(acme.id, DEV, key.id)).toEqual(revoked)
        expect(yield* s.revokeApiKey(acme.id, OPERATOR, key.id)).toEqual(revoked)
        expect(yield* snapshot).toEqual(before)
        const other = yield* s.createApiKey(acme.id, DEV, { webhooks: "read" })
        expect((yield* s.revokeApiKey(acme.id, OPERATOR, other.id)).revoked?.by).toBe(OPERATOR.id)
        expect(yield* Effect.flip(s.revokeApiKey(acme.id, DEV, "no-key"))).toMatchObject({
          _tag: "NotFound",
          kind: "api_key"
        })
        const events = yield* (yield* Notifier.RecordedEvents).all
        expect(events.filter((e) => e.type === "accounts.api_key.revoked").map((e) => e.data)).toEqual([
          { accountId: acme.id, keyId: key.id, reason: "revoked", by: DEV.id },
          { accountId: acme.id, keyId: other.id, reason: "revoked", by: OPERATOR.id }
        ])
      })
    ))

  it("restricted API keys can be rolled: the new key has the old key's access; the old key is revoked at once, or works until oldKeyUntil; a revoked or expired key cannot be rolled", () =>
    run(
      Effect.gen(function* () {
        const { s, acme } = yield* team
        const key = yield* s.createApiKey(acme.id, DEV, { webhooks: "write" })
        const fresh = yield* s.rollApiKey(acme.id, DEV, { keyId: key.id })
        expect(fresh).toMatchObject({ createdBy: DEV.id, access: { webhooks: "write" } })
        expect(fresh.id).not.toBe(key.id)
        expect((yield* s.decideKey(acme.id, key.id, "webhooks:view")).allowed).toBe(false)
        expect((yield* s.decideKey(acme.id, fresh.id, "webhooks:manage")).allowed).toBe(true)
        expect(yield* Effect.flip(s.rollApiKey(acme.id, DEV, { keyId: key.id }))).toMatchObject({
          _tag: "IllegalTransition",
          machine: "api_key",
          from: "revoked",
          command: "roll"
        })
        // with an overlap: the old key works until then, exactly
        const next = yield* s.rollApiKey(acme.id, DEV, { keyId: fresh.id, oldKeyUntil: T0 + 60_000 })
        expect((yield* s.decideKey(acme.id, fresh.id, "webhooks:view")).allowed).toBe(true)
        expect((yield* s.decideKey(acme.id, next.id, "webhooks:view")).allowed).toBe(true)
        yield* TestClock.setTime(T0 + 59_999)
        expect((yield* s.decideKey(acme.id, fresh.id, "webhooks:view")).allowed).toBe(true)
        yield* TestClock.setTime(T0 + 60_000)
        expect((yield* s.decideKey(acme.id, fresh.id, "webhooks:view")).allowed).toBe(false)
        expect(yield* Effect.flip(s.rollApiKey(acme.id, DEV, { keyId: fresh.id }))).toMatchObject({
          _tag: "IllegalTransition",
          from: "expired"
        })
        // an overlap in the past, a member who could not create the key, an operator: refused
        const past = yield* Effect.flip(s.rollApiKey(acme.id, DEV, { keyId: next.id, oldKeyUntil: T0 }))
        expect(past).toMatchObject({ _tag: "InvalidInput", path: "oldKeyUntil" })
        expect(yield* tagOf(s.rollApiKey(acme.id, SUP, { keyId: next.id }))).toBe("PermissionDenied")
        expect(yield* tagOf(s.rollApiKey(acme.id, OPERATOR, { keyId: next.id }))).toBe("PermissionDenied")
      })
    ))

  it("restricted API keys expire: a key with expiresAt decides nothing from that instant on; an expiry that is not after now is InvalidInput naming expiresAt", () =>
    run(
      Effect.gen(function* () {
        const { s, acme } = yield* team
        const key = yield* s.createApiKey(acme.id, DEV, {
          access: { webhooks: "read" },
          expiresAt: T0 + 1_000
        })
        expect(key.expiresAt).toBe(T0 + 1_000)
        expect((yield* s.decideKey(acme.id, key.id, "webhooks:view")).allowed).toBe(true)
        yield* TestClock.setTime(T0 + 999)
        expect((yield* s.decideKey(acme.id, key.id, "webhooks:view")).allowed).toBe(true)
        yield* TestClock.setTime(T0 + 1_000)
        const d = yield* s.decideKey(acme.id, key.id, "webhooks:view")
        expect(d).toMatchObject({ allowed: false, reason: `key ${key.id} has expired` })
        const before = yield* snapshot
        for (const expiresAt of [T0 + 1_000, 0]) {
          const e = yield* Effect.flip(s.createApiKey(acme.id, DEV, { access: {}, expiresAt }))
          expect(e).toMatchObject({ _tag: "InvalidInput", operation: "createApiKey", path: "expiresAt" })
        }
        const bad = yield* Effect.flip(
          s.createApiKey(acme.id, DEV, { access: {}, expiresAt: "soon" } as never)
        )
        expect(bad).toMatchObject({ _tag: "InvalidInput", path: "expiresAt" })
        expect(yield* snapshot).toEqual(before)
      })
    ))

  it("removing a member revokes their keys for good: re-inviting the same login id does not revive them", () =>
    run(
      Effect.gen(function* () {
        const { s, acme } = yield* team
        const k1 = yield* s.createApiKey(acme.id, DEV, { webhooks: "write" })
        const k2 = yield* s.createApiKey(acme.id, DEV, { payments: "read" })
        const mine = yield* s.createApiKey(acme.id, ADA, { payments: "read" })
        yield* s.removeMember(acme.id, ADA, DEV.id)
        const after = yield* s.get(acme.id)
        for (const k of [k1, k2])
          expect(after.apiKeys.find((x) => x.id === k.id)?.revoked).toEqual({
            at: T0,
            reason: "member_removed",
            by: ADA.id
          })
        expect(after.apiKeys.find((x) => x.id === mine.id)?.revoked).toBeUndefined()
        yield* s.invite(acme.id, ADA, { id: DEV.id, roles: ["developer"] })
        for (const k of [k1, k2]) {
          const d = yield* s.decideKey(acme.id, k.id, k.id === k1.id ? "webhooks:view" : "payments:view")
          expect(d).toMatchObject({ allowed: false, reason: `key ${k.id} was revoked (member_removed)` })
        }
        expect((yield* s.decideKey(acme.id, mine.id, "payments:view")).allowed).toBe(true)
        // the same through the pure core: a revoked key grants nothing whoever holds what
        const key = (yield* s.get(acme.id)).apiKeys.find((x) => x.id === k1.id)!
        expect(Permissions.ofKey((yield* s.get(acme.id)).team, key).size).toBe(0)
        const events = yield* (yield* Notifier.RecordedEvents).all
        expect(
          events
            .filter((e) => e.type === "accounts.api_key.revoked")
            .map((e) => (e.data as { keyId: string }).keyId)
        ).toEqual([k1.id, k2.id])
      })
    ))

  it("permission names are decoded: an unknown permission is InvalidInput naming permission, never allowed (decide, decideKey); the pure decide denies it even to the owner", () =>
    run(
      Effect.gen(function* () {
        const { s, acme } = yield* team
        const key = yield* s.createApiKey(acme.id, ADA, { payments: "write" })
        for (const permission of ["payouts:teleport", "PII:VIEW", "", 42, null, "pii:view "]) {
          const e = yield* Effect.flip(s.decide(acme.id, ADA.id, permission as never))
          expect(e).toMatchObject({ _tag: "InvalidInput", operation: "decide", path: "permission" })
          const k = yield* Effect.flip(s.decideKey(acme.id, key.id, permission as never))
          expect(k).toMatchObject({ _tag: "InvalidInput", operation: "decideKey", path: "permission" })
        }
        expect((yield* s.decide(acme.id, ADA.id, "pii:view")).allowed).toBe(true)
        const t = (yield* s.get(acme.id)).team
        expect(Permissions.decide(t, ADA.id, "payouts:teleport" as never).allowed).toBe(false)
        expect(Permissions.isPermission("payouts:manage")).toBe(true)
        expect(Permissions.isPermission("payouts:teleport")).toBe(false)
      })
    ))
})
