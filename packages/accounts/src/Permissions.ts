import { Result, Schema } from "effect"
import { PermissionDenied } from "./errors.ts"
import { ALL, type Permission, RESOURCES, ROLES, type Resource, type Role } from "./internal/vocabulary.ts"

export {
  Action,
  ACTIONS,
  ALL,
  Permission,
  Resource,
  RESOURCES,
  Role,
  ROLES
} from "./internal/vocabulary.ts"

/**
 * Whether a value is a known permission name.
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * Permissions.isPermission("payouts:teleport") // false
 * ```
 * @category guards
 * @since 0.6.0
 */
export const isPermission = (value: unknown): value is Permission =>
  typeof value === "string" && (ALL as ReadonlyArray<string>).includes(value)

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
 * members, permissions no role grants and names that are not permissions (`isPermission`) are
 * refused.
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
  // plain JavaScript callers can pass anything: an unknown name is never allowed, not even to the owner
  if (!isPermission(permission))
    return { allowed: false, permission, reason: `${String(permission)} is not a permission` }
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
 * Why a key was revoked: by a member or an operator (`revoked`), rolled to a new key (`rolled`),
 * or its creator left the team (`member_removed`, for good: re-inviting the same login id does not
 * revive it).
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Permissions.RevocationReason)("member_removed")
 * ```
 * @category models
 * @since 0.6.0
 */
export const RevocationReason = Schema.Literals(["revoked", "rolled", "member_removed"])

/**
 * A revocation reason.
 *
 * @category models
 * @since 0.6.0
 */
export type RevocationReason = typeof RevocationReason.Type

const timestamp = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 8_640_000_000_000_000 }))
const keyId = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(100))

/**
 * The input of `createApiKey` with an expiry: the access per resource and, optionally, when the key
 * expires (epoch ms, after the creation; unusable from then on). A bare `KeyAccess` is still
 * accepted (a key that does not expire).
 *
 * @example
 * ```ts
 * import type { Permissions } from "@paykit/accounts"
 * const request: typeof Permissions.KeyRequest.Encoded = { access: { payments: "read" }, expiresAt: 1900000000000 }
 * ```
 * @category models
 * @since 0.6.0
 */
export const KeyRequest = Schema.Struct({ access: KeyAccess, expiresAt: Schema.optionalKey(timestamp) })

/**
 * A key's id: the input of `revokeApiKey`.
 *
 * @example
 * ```ts
 * import type { Permissions } from "@paykit/accounts"
 * const key: typeof Permissions.KeyId.Encoded = "01J…"
 * ```
 * @category models
 * @since 0.6.0
 */
export const KeyId = keyId

/**
 * The input of `rollApiKey`: the key to replace and, optionally, until when the old key keeps
 * working (epoch ms, after the roll; default: it is revoked at once). The new key has the old
 * key's access, is created by the member who rolls it, and does not expire.
 *
 * @example
 * ```ts
 * import type { Permissions } from "@paykit/accounts"
 * const roll: typeof Permissions.RollInput.Encoded = { keyId: "01J…", oldKeyUntil: 1900000000000 }
 * ```
 * @category models
 * @since 0.6.0
 */
export const RollInput = Schema.Struct({ keyId, oldKeyUntil: Schema.optionalKey(timestamp) })

/**
 * A restricted API key: per-resource access, and the member who created it; optionally when it
 * expires (epoch ms: unusable from then on) and when and why it was revoked (unusable for good).
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
  /** epoch ms from which the key is expired (absent: it does not expire) */
  readonly expiresAt?: number
  /** present once the key was revoked: when, and why */
  readonly revoked?: { readonly at: number; readonly reason: RevocationReason; readonly by: string }
}

/**
 * A key's state at `now`: `active`, `expired` (from `expiresAt` on) or `revoked` (for good).
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * Permissions.keyStatus({ id: "k", createdBy: "d", access: {}, expiresAt: 10 }, 10) // "expired"
 * ```
 * @category guards
 * @since 0.6.0
 */
export const keyStatus = (key: ApiKey, now: number): "active" | "expired" | "revoked" =>
  key.revoked !== undefined
    ? "revoked"
    : key.expiresAt !== undefined && now >= key.expiresAt
      ? "expired"
      : "active"

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
 * exceeds its creator, even after the creator lost roles or left the team); nothing once it is
 * revoked, and nothing from its `expiresAt` on when `now` is given (the service always gives it:
 * use {@link decideKey}).
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
export const ofKey = (team: Team, key: ApiKey, now?: number): ReadonlySet<Permission> => {
  if (key.revoked !== undefined) return new Set()
  if (now !== undefined && keyStatus(key, now) !== "active") return new Set()
  const held = ofMember(team, key.createdBy)
  return new Set([...accessPermissions(key.access)].filter((x) => held.has(x)))
}

/**
 * Decides whether a key may do `permission` at `now`, explaining the answer: refused when the name
 * is not a permission, the key is revoked or expired, or the key's access or its creator's
 * current permissions do not include it.
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * const team = { owner: "o", members: [{ id: "o", roles: [] }] }
 * const key = { id: "k", createdBy: "o", access: { payments: "read" } } as const
 * Permissions.decideKey(team, key, "payments:view", 0).allowed // true
 * ```
 * @category math
 * @since 0.6.0
 */
export const decideKey = (team: Team, key: ApiKey, permission: Permission, now: number): Decision => {
  if (!isPermission(permission))
    return { allowed: false, permission, reason: `${String(permission)} is not a permission` }
  const status = keyStatus(key, now)
  if (status === "revoked")
    return { allowed: false, permission, reason: `key ${key.id} was revoked (${key.revoked?.reason})` }
  if (status === "expired") return { allowed: false, permission, reason: `key ${key.id} has expired` }
  if (!accessPermissions(key.access).has(permission))
    return { allowed: false, permission, reason: `key ${key.id} does not grant ${permission}` }
  const creator = decide(team, key.createdBy, permission)
  return creator.allowed
    ? creator
    : { allowed: false, permission, reason: `the key's creator no longer holds it: ${creator.reason}` }
}

/**
 * Checks that `actor` may revoke or roll keys: they need `api_keys:manage` (revoking never needs
 * the key's access: it only takes power away).
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * const team = { owner: "o", members: [{ id: "o", roles: [] }, { id: "a", roles: ["analyst"] }] } as const
 * Permissions.canManageKeys(team, "a", "revoke an API key") // Failure: api_keys:manage is not granted
 * ```
 * @category guards
 * @since 0.6.0
 */
export const canManageKeys = (
  team: Team,
  actor: string,
  action: string
): Result.Result<void, PermissionDenied> => {
  const d = decide(team, actor, "api_keys:manage")
  return d.allowed ? Result.void : Result.fail(new PermissionDenied({ actor, action, reason: d.reason }))
}

/**
 * Revokes, for good, every live key a member created (when they leave the team), at `now`.
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * const keys = [{ id: "k", createdBy: "d", access: {} }]
 * Permissions.revokeKeysOf(keys, "d", "o", 0)[0]?.revoked?.reason // "member_removed"
 * ```
 * @category constructors
 * @since 0.6.0
 */
export const revokeKeysOf = <K extends ApiKey>(
  keys: ReadonlyArray<K>,
  member: string,
  by: string,
  now: number
): ReadonlyArray<K> =>
  keys.map((k) =>
    k.createdBy === member && k.revoked === undefined
      ? { ...k, revoked: { at: now, reason: "member_removed" as const, by } }
      : k
  )

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
