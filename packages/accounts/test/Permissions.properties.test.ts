import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Permissions } from "../src/index.ts"
import { Arbitraries } from "../src/testing/index.ts"

const NUM_RUNS = 300
const { ofMember, ofRoles } = Permissions

const subset = <A>(a: ReadonlySet<A>, b: ReadonlySet<A>) => [...a].every((x) => b.has(x))
const role = fc.constantFrom(...Permissions.Role.literals)
const roles = fc.uniqueArray(role, { maxLength: 8 })
const permission = fc.constantFrom(...Permissions.ALL)

/** A random team operation by a random actor (member ids m0…m5, owner among them). */
const operation = fc.oneof(
  fc.record({
    op: fc.constant("invite" as const),
    actor: Arbitraries.memberId,
    member: Arbitraries.memberId,
    roles
  }),
  fc.record({
    op: fc.constant("change" as const),
    actor: Arbitraries.memberId,
    member: Arbitraries.memberId,
    roles
  }),
  fc.record({
    op: fc.constant("remove" as const),
    actor: Arbitraries.memberId,
    member: Arbitraries.memberId
  }),
  fc.record({
    op: fc.constant("transfer" as const),
    actor: Arbitraries.memberId,
    member: Arbitraries.memberId
  })
)
type Operation = typeof operation extends fc.Arbitrary<infer A> ? A : never

const apply = (team: Permissions.Team, o: Operation) => {
  switch (o.op) {
    case "invite":
      return Permissions.invite(team, o.actor, o.member, o.roles)
    case "change":
      return Permissions.changeRoles(team, o.actor, o.member, o.roles)
    case "remove":
      return Permissions.remove(team, o.actor, o.member)
    case "transfer":
      return Permissions.transferOwnership(team, o.actor, o.member)
  }
}

describe("permission properties", () => {
  it("default deny: someone not on the team, or a member without roles, holds nothing", () => {
    fc.assert(
      fc.property(Arbitraries.team, permission, (team, p) => {
        const stranger = "not-a-member"
        expect(ofMember(team, stranger).size).toBe(0)
        const d = Permissions.decide(team, stranger, p)
        expect(d.allowed).toBe(false)
        if (!d.allowed) expect(d.reason).toContain("not a member")
        for (const m of team.members) {
          if (m.id !== team.owner && m.roles.length === 0) {
            expect(ofMember(team, m.id).size).toBe(0)
            expect(Permissions.decide(team, m.id, p).allowed).toBe(false)
          }
        }
      }),
      { numRuns: NUM_RUNS }
    )
  })

  it("adding a role never removes a permission; removing one never adds", () => {
    fc.assert(
      fc.property(roles, role, (rs, r) => {
        const without = rs.filter((x) => x !== r)
        expect(subset(ofRoles(rs), ofRoles([...rs, r]))).toBe(true)
        expect(subset(ofRoles(without), ofRoles(rs))).toBe(true)
      }),
      { numRuns: NUM_RUNS }
    )
  })

  it("union law: the permissions of a ∪ b are the permissions of a joined with those of b", () => {
    fc.assert(
      fc.property(roles, roles, permission, (a, b, p) => {
        const union = ofRoles([...a, ...b])
        expect([...union].sort()).toEqual([...new Set([...ofRoles(a), ...ofRoles(b)])].sort())
        // and decisions explain themselves: granted by exactly the roles that hold the permission
        const team = {
          owner: "o",
          members: [
            { id: "o", roles: [] },
            { id: "m", roles: [...a, ...b] }
          ]
        }
        const d = Permissions.decide(team, "m", p)
        expect(d.allowed).toBe(union.has(p))
        if (d.allowed) {
          expect(d.grantedBy.length).toBeGreaterThan(0)
          for (const g of d.grantedBy) expect(Permissions.ROLES[g as Permissions.Role]).toContain(p)
        } else expect(d.reason).toContain(p)
      }),
      { numRuns: NUM_RUNS }
    )
  })

  const applied = new Set<string>()
  it("no escalation: over any sequence of team operations, every change was made by a member with team:manage who held every permission given, and there is always exactly one owner", () => {
    fc.assert(
      fc.property(Arbitraries.team, fc.array(operation, { maxLength: 30 }), (start, ops) => {
        let team = start
        for (const o of ops) {
          const before = team
          const r = apply(team, o)
          if (Result.isFailure(r)) {
            expect(r.failure._tag).toBe("PermissionDenied")
            continue
          }
          team = r.success
          applied.add(o.op)
          if (o.op === "transfer") {
            expect(o.actor).toBe(before.owner)
            continue
          }
          const held = ofMember(before, o.actor)
          expect(held.has("team:manage")).toBe(true)
          for (const m of team.members) {
            const gained = [...ofMember(team, m.id)].filter((x) => !ofMember(before, m.id).has(x))
            for (const g of gained) expect(held.has(g)).toBe(true)
          }
          expect(team.owner).toBe(before.owner)
        }
        expect(team.members.filter((m) => m.id === team.owner)).toHaveLength(1)
        expect(ofMember(team, team.owner).size).toBe(Permissions.ALL.length)
      }),
      { numRuns: NUM_RUNS }
    )
    expect([...applied].sort()).toEqual(["change", "invite", "remove", "transfer"])
  })

  let keysCreated = 0
  it("an API key never exceeds its creator, at creation and after the creator's roles change", () => {
    fc.assert(
      fc.property(
        Arbitraries.team,
        Arbitraries.memberId,
        Arbitraries.keyAccess,
        fc.array(operation, { maxLength: 10 }),
        (team, creator, access, later) => {
          const created = Permissions.canCreateKey(team, creator, access)
          const key: Permissions.ApiKey = { id: "k", createdBy: creator, access }
          if (Result.isSuccess(created)) {
            keysCreated++
            expect(ofMember(team, creator).has("api_keys:manage")).toBe(true)
          }
          let t = team
          for (const o of later) t = Result.getOrElse(apply(t, o), () => t)
          expect(subset(Permissions.ofKey(team, key), ofMember(team, creator))).toBe(true)
          expect(subset(Permissions.ofKey(t, key), ofMember(t, creator))).toBe(true)
        }
      ),
      { numRuns: NUM_RUNS }
    )
    expect(keysCreated).toBeGreaterThan(0)
  })

  /** The permissions a key's per-resource access implies: read → view, write → view + manage. */
  const implied = (access: Partial<Record<Permissions.Resource, Permissions.Access>>) => {
    const out = new Set<Permissions.Permission>()
    for (const [resource, level] of Object.entries(access)) {
      if (level === "read" || level === "write") out.add(`${resource}:view` as Permissions.Permission)
      if (level === "write") out.add(`${resource}:manage` as Permissions.Permission)
    }
    return out
  }

  it("creating an API key succeeds exactly when the creator holds api_keys:manage and every permission the key's access implies; otherwise PermissionDenied naming what is missing", () => {
    const seen = { created: 0, exceeds: 0, noManage: 0 }
    fc.assert(
      fc.property(Arbitraries.team, Arbitraries.memberId, Arbitraries.keyAccess, (team, creator, access) => {
        const held = ofMember(team, creator)
        const wanted = implied(access)
        const missing = [...wanted].filter((p) => !held.has(p))
        const r = Permissions.canCreateKey(team, creator, access)
        if (Result.isSuccess(r)) {
          seen.created++
          // every permission implied by the key is held by its creator
          expect(held.has("api_keys:manage")).toBe(true)
          expect(missing).toEqual([])
          for (const p of wanted) expect(Permissions.decide(team, creator, p).allowed).toBe(true)
          return
        }
        expect(r.failure._tag).toBe("PermissionDenied")
        expect(r.failure.actor).toBe(creator)
        if (!held.has("api_keys:manage")) {
          seen.noManage++
          expect(r.failure.reason).toBe("api_keys:manage is not granted")
        } else {
          // the request exceeds the creator: refused, naming every missing permission
          seen.exceeds++
          expect(missing.length).toBeGreaterThan(0)
          expect(r.failure.reason).toMatch(/^the key would exceed its creator: /)
          const named = r.failure.reason.replace(/^the key would exceed its creator: /, "").split(", ")
          expect(named.sort()).toEqual(missing.sort())
        }
      }),
      { numRuns: NUM_RUNS }
    )
    // every branch is exercised
    expect(seen.created).toBeGreaterThan(0)
    expect(seen.exceeds).toBeGreaterThan(0)
    expect(seen.noManage).toBeGreaterThan(0)
  })

  it("a member with api_keys:manage asking for more than they hold is refused (developer asking payments:write)", () => {
    const team: Permissions.Team = {
      owner: "o",
      members: [
        { id: "o", roles: [] },
        { id: "d", roles: ["developer"] }
      ]
    }
    expect(
      Result.isSuccess(Permissions.canCreateKey(team, "d", { payments: "read", webhooks: "write" }))
    ).toBe(true)
    const r = Permissions.canCreateKey(team, "d", { payments: "write", refunds: "write" })
    expect(Result.isFailure(r) && r.failure).toMatchObject({
      _tag: "PermissionDenied",
      reason: "the key would exceed its creator: payments:manage, refunds:manage"
    })
  })

  it("the owner cannot be removed or demoted by anyone, and only the owner can hand ownership over", () => {
    fc.assert(
      fc.property(Arbitraries.team, Arbitraries.memberId, roles, (team, actor, rs) => {
        expect(Result.isFailure(Permissions.remove(team, actor, team.owner))).toBe(true)
        expect(Result.isFailure(Permissions.changeRoles(team, actor, team.owner, rs))).toBe(true)
        for (const m of team.members) {
          if (actor !== team.owner)
            expect(Result.isFailure(Permissions.transferOwnership(team, actor, m.id))).toBe(true)
        }
      }),
      { numRuns: NUM_RUNS }
    )
  })
})
