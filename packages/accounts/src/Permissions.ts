import { Result, Schema } from "effect"
import { PermissionDenied } from "./errors.ts"
import { ALL, type Permission, RESOURCES, ROLES, type Resource, type Role } from "./internal/vocabulary.ts"

export {
  Action,
  ACTIONS,
  ALL,
  type Permission,
  Resource,
  RESOURCES,
  Role,
  ROLES
} from "./internal/vocabulary.ts"

/**
 * A team member: a login id of the host and the roles they hold.
 *
 * @example
 * ```ts
 * import type { Permissions } from "@paykit/accounts"
 * const m: Permissions.Member = { id: "user-bob", roles: ["support", "refunds"] }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Member {
  readonly id: string
  readonly roles: ReadonlyArray<Role>
}

/**
 * A merchant's team: exactly one owner (also a member) and the other members.
 *
 * @example
 * ```ts
 * import type { Permissions } from "@paykit/accounts"
 * const team: Permissions.Team = { owner: "user-ada", members: [{ id: "user-ada", roles: [] }] }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Team {
  readonly owner: string
  readonly members: ReadonlyArray<Member>
}

/**
 * The union of the roles' permissions.
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * Permissions.ofRoles(["refunds", "disputes"]).has("disputes:manage") // true
 * ```
 * @category math
 * @since 0.1.0
 */
export const ofRoles = (roles: ReadonlyArray<Role>): ReadonlySet<Permission> => {
  const out = new Set<Permission>()
  for (const r of roles) for (const x of ROLES[r]) out.add(x)
  return out
}

/**
 * What a member holds: everything for the owner, the union of their roles otherwise, nothing
 * for someone not on the team (default deny).
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * const team = { owner: "o", members: [{ id: "o", roles: [] }] }
 * Permissions.ofMember(team, "stranger").size // 0
 * ```
 * @category math
 * @since 0.1.0
 */
export const ofMember = (team: Team, memberId: string): ReadonlySet<Permission> => {
  if (memberId === team.owner) return new Set(ALL)
  const m = team.members.find((x) => x.id === memberId)
  return m === undefined ? new Set() : ofRoles(m.roles)
}

/**
 * An explained decision: allowed (and by what: the owner, or which roles), or denied and why.
 *
 * @example
 * ```ts
 * import type { Permissions } from "@paykit/accounts"
 * const explain = (d: Permissions.Decision) => (d.allowed ? `granted by ${d.grantedBy.join(", ")}` : d.reason)
 * ```
 * @category models
 * @since 0.1.0
 */
export type Decision =
  | {
      readonly allowed: true
      readonly permission: Permission
      readonly grantedBy: ReadonlyArray<Role | "owner">
    }
  | { readonly allowed: false; readonly permission: Permission; readonly reason: string }

/**
 * Decides whether a member may do `permission`, explaining the answer. Default deny: unknown
 * members and permissions no role grants are refused.
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * const team = { owner: "o", members: [{ id: "o", roles: [] }, { id: "m", roles: ["refunds"] }] } as const
 * Permissions.decide(team, "m", "refunds:manage") // { allowed: true, grantedBy: ["refunds"], ... }
 * Permissions.decide(team, "m", "payouts:manage") // { allowed: false, reason: "no role of m grants payouts:manage (roles: refunds)" }
 * ```
 * @category math
 * @since 0.1.0
 */
export const decide = (team: Team, memberId: string, permission: Permission): Decision => {
  if (memberId === team.owner) return { allowed: true, permission, grantedBy: ["owner"] }
  const m = team.members.find((x) => x.id === memberId)
  if (m === undefined)
    return { allowed: false, permission, reason: `${memberId} is not a member of this team` }
  const grantedBy = m.roles.filter((r) => ROLES[r].includes(permission))
  return grantedBy.length > 0
    ? { allowed: true, permission, grantedBy }
    : {
        allowed: false,
        permission,
        reason: `no role of ${memberId} grants ${permission} (roles: ${m.roles.length === 0 ? "none" : m.roles.join(", ")})`
      }
}

const subset = (a: ReadonlySet<Permission>, b: ReadonlySet<Permission>): ReadonlyArray<Permission> =>
  [...a].filter((x) => !b.has(x))

/**
 * Checks that `actor` may give `roles` to someone: they need `team:manage`, and every permission
 * of those roles must already be theirs (no escalation).
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * const team = { owner: "o", members: [{ id: "o", roles: [] }, { id: "s", roles: ["support"] }] } as const
 * Permissions.canGrant(team, "s", ["finance"]) // Failure: team:manage is not granted to them
 * ```
 * @category guards
 * @since 0.1.0
 */
export const canGrant = (
  team: Team,
  actor: string,
  roles: ReadonlyArray<Role>,
  action = "grant roles"
): Result.Result<void, PermissionDenied> => {
  const held = ofMember(team, actor)
  if (!held.has("team:manage")) {
    return Result.fail(new PermissionDenied({ actor, action, reason: "team:manage is not granted to them" }))
  }
  const beyond = subset(ofRoles(roles), held)
  return beyond.length === 0
    ? Result.void
    : Result.fail(
        new PermissionDenied({
          actor,
          action,
          reason: `the roles grant permissions they do not hold: ${beyond.slice(0, 5).join(", ")}${beyond.length > 5 ? ", …" : ""}`
        })
      )
}

const isMember = (team: Team, id: string) => team.members.some((m) => m.id === id)

/**
 * Adds a member with roles (the actor needs `team:manage` and every permission of the roles).
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * const team = { owner: "o", members: [{ id: "o", roles: [] }] }
 * Permissions.invite(team, "o", "user-bob", ["analyst"]) // Success(team with user-bob)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const invite = (
  team: Team,
  actor: string,
  member: string,
  roles: ReadonlyArray<Role>
): Result.Result<Team, PermissionDenied> => {
  if (isMember(team, member)) {
    return Result.fail(
      new PermissionDenied({ actor, action: "invite", reason: `${member} is already a member` })
    )
  }
  return Result.map(canGrant(team, actor, roles, "invite"), () => ({
    ...team,
    members: [...team.members, { id: member, roles: [...roles] }]
  }))
}

/**
 * Replaces a member's roles. The owner's roles cannot be changed (the owner holds everything);
 * the actor needs `team:manage` and every permission of both the old and the new roles (so a
 * member cannot strip or upgrade someone more powerful than themselves).
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * const team = { owner: "o", members: [{ id: "o", roles: [] }, { id: "b", roles: ["analyst"] }] } as const
 * Permissions.changeRoles(team, "o", "b", ["finance"]) // Success
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const changeRoles = (
  team: Team,
  actor: string,
  member: string,
  roles: ReadonlyArray<Role>
): Result.Result<Team, PermissionDenied> => {
  if (member === team.owner) {
    return Result.fail(
      new PermissionDenied({
        actor,
        action: "change roles",
        reason: "the owner cannot be demoted; transfer ownership first"
      })
    )
  }
  const m = team.members.find((x) => x.id === member)
  if (m === undefined) {
    return Result.fail(
      new PermissionDenied({ actor, action: "change roles", reason: `${member} is not a member` })
    )
  }
  return Result.flatMap(canGrant(team, actor, m.roles, "change roles"), () =>
    Result.map(canGrant(team, actor, roles, "change roles"), () => ({
      ...team,
      members: team.members.map((x) => (x.id === member ? { ...x, roles: [...roles] } : x))
    }))
  )
}

/**
 * Removes a member. The owner can never be removed; the actor needs `team:manage` and every
 * permission the member holds.
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * const team = { owner: "o", members: [{ id: "o", roles: [] }, { id: "a", roles: ["administrator"] }] } as const
 * Permissions.remove(team, "a", "o") // Failure: the owner cannot be removed
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const remove = (team: Team, actor: string, member: string): Result.Result<Team, PermissionDenied> => {
  if (member === team.owner) {
    return Result.fail(
      new PermissionDenied({
        actor,
        action: "remove",
        reason: "the owner cannot be removed; transfer ownership first"
      })
    )
  }
  const m = team.members.find((x) => x.id === member)
  if (m === undefined) {
    return Result.fail(new PermissionDenied({ actor, action: "remove", reason: `${member} is not a member` }))
  }
  return Result.map(canGrant(team, actor, m.roles, "remove"), () => ({
    ...team,
    members: team.members.filter((x) => x.id !== member)
  }))
}

/**
 * Hands ownership to another member. Only the owner can do it; the former owner stays on the
 * team as an administrator.
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * const team = { owner: "o", members: [{ id: "o", roles: [] }, { id: "a", roles: ["administrator"] }] } as const
 * Permissions.transferOwnership(team, "o", "a") // Success({ owner: "a", ... })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const transferOwnership = (
  team: Team,
  actor: string,
  to: string
): Result.Result<Team, PermissionDenied> => {
  if (actor !== team.owner) {
    return Result.fail(
      new PermissionDenied({ actor, action: "transfer ownership", reason: "only the owner can" })
    )
  }
  if (!isMember(team, to) || to === team.owner) {
    return Result.fail(
      new PermissionDenied({
        actor,
        action: "transfer ownership",
        reason: `${to} is not another member of the team`
      })
    )
  }
  return Result.succeed({
    owner: to,
    members: team.members.map((x) =>
      x.id === to ? { ...x, roles: [] } : x.id === actor ? { ...x, roles: ["administrator"] } : x
    )
  })
}

/**
 * The access level of a restricted API key on one resource.
 *
 * @example
 * ```ts
 * import type { Permissions } from "@paykit/accounts"
 * const a: Permissions.Access = "read"
 * ```
 * @category models
 * @since 0.1.0
 */
export const Access = Schema.Literals(["none", "read", "write"])

/**
 * An access level.
 *
 * @example
 * ```ts
 * import type { Permissions } from "@paykit/accounts"
 * const a: Permissions.Access = "read"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Access = typeof Access.Type

/**
 * The input of a restricted key: an access level per resource; resources left out are `none`.
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Permissions.KeyAccess)({ payments: "read", webhooks: "write" })
 * ```
 * @category models
 * @since 0.1.0
 */
export const KeyAccess = Schema.Struct({
  payments: Schema.optionalKey(Access),
  refunds: Schema.optionalKey(Access),
  disputes: Schema.optionalKey(Access),
  customers: Schema.optionalKey(Access),
  balances: Schema.optionalKey(Access),
  payouts: Schema.optionalKey(Access),
  bank_accounts: Schema.optionalKey(Access),
  api_keys: Schema.optionalKey(Access),
  webhooks: Schema.optionalKey(Access),
  team: Schema.optionalKey(Access),
  settings: Schema.optionalKey(Access),
  reports: Schema.optionalKey(Access),
  pii: Schema.optionalKey(Access)
})

/**
 * A restricted API key: per-resource access, and the member who created it.
 *
 * @example
 * ```ts
 * import type { Permissions } from "@paykit/accounts"
 * const key: Permissions.ApiKey = { id: "k1", createdBy: "user-dev", access: { webhooks: "write" } }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface ApiKey {
  readonly id: string
  readonly createdBy: string
  readonly access: Partial<Record<Resource, Access>>
}

const accessPermissions = (access: Partial<Record<Resource, Access>>): ReadonlySet<Permission> => {
  const out = new Set<Permission>()
  for (const r of RESOURCES) {
    const a = access[r] ?? "none"
    if (a === "read" || a === "write") out.add(`${r}:view`)
    if (a === "write") out.add(`${r}:manage`)
  }
  return out
}

/**
 * Checks a key request: the creator needs `api_keys:manage`, and read needs `view`, write needs
 * `view` and `manage` on each resource, held by the creator.
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * const team = { owner: "o", members: [{ id: "o", roles: [] }, { id: "d", roles: ["developer"] }] } as const
 * Permissions.canCreateKey(team, "d", { payments: "write" }) // Failure: the key would exceed its creator
 * ```
 * @category guards
 * @since 0.1.0
 */
export const canCreateKey = (
  team: Team,
  creator: string,
  access: Partial<Record<Resource, Access>>
): Result.Result<void, PermissionDenied> => {
  const held = ofMember(team, creator)
  if (!held.has("api_keys:manage")) {
    return Result.fail(
      new PermissionDenied({
        actor: creator,
        action: "create an API key",
        reason: "api_keys:manage is not granted"
      })
    )
  }
  const beyond = subset(accessPermissions(access), held)
  return beyond.length === 0
    ? Result.void
    : Result.fail(
        new PermissionDenied({
          actor: creator,
          action: "create an API key",
          reason: `the key would exceed its creator: ${beyond.join(", ")}`
        })
      )
}

/**
 * What a key may do now: its access, intersected with what its creator holds today (a key never
 * exceeds its creator, even after the creator lost roles or left the team).
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * const team = { owner: "o", members: [{ id: "o", roles: [] }] }
 * Permissions.ofKey(team, { id: "k", createdBy: "gone", access: { payments: "read" } }).size // 0
 * ```
 * @category math
 * @since 0.1.0
 */
export const ofKey = (team: Team, key: ApiKey): ReadonlySet<Permission> => {
  const held = ofMember(team, key.createdBy)
  return new Set([...accessPermissions(key.access)].filter((x) => held.has(x)))
}

/**
 * Whether a permission needs step-up authentication by default (money out, credentials, PII).
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * Permissions.SENSITIVE.includes("payouts:manage") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const SENSITIVE: ReadonlyArray<Permission> = [
  "payouts:manage",
  "payouts:authorize",
  "bank_accounts:manage",
  "api_keys:manage",
  "team:manage",
  "pii:view",
  "refunds:authorize"
]
