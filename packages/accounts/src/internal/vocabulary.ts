/**
 * The permission vocabulary: resources, actions, permissions, roles and what each role grants.
 * Re-exported by `Permissions`, which documents them.
 *
 * @internal
 */
import { Schema } from "effect"

/**
 * The resources a merchant's team works on.
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Permissions.Resource)("payouts")
 * ```
 * @category models
 * @since 0.1.0
 */
export const Resource = Schema.Literals([
  "payments",
  "refunds",
  "disputes",
  "customers",
  "balances",
  "payouts",
  "bank_accounts",
  "api_keys",
  "webhooks",
  "team",
  "settings",
  "reports",
  "pii"
])

/**
 * A resource.
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Permissions.Resource)("payouts")
 * ```
 * @category models
 * @since 0.1.0
 */
export type Resource = typeof Resource.Type

/**
 * The actions: `view` (read), `manage` (create, change), `authorize` (approve as the second
 * member of a maker-checker pair).
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Permissions.Action)("authorize")
 * ```
 * @category models
 * @since 0.1.0
 */
export const Action = Schema.Literals(["view", "manage", "authorize"])

/**
 * An action.
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Permissions.Action)("authorize")
 * ```
 * @category models
 * @since 0.1.0
 */
export type Action = typeof Action.Type

/**
 * A permission: `"resource:action"`, e.g. `"refunds:manage"`.
 *
 * @example
 * ```ts
 * import type { Permissions } from "@paykit/accounts"
 * const p: Permissions.Permission = "refunds:manage"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Permission = `${Resource}:${Action}`

/**
 * Every resource, every action, and every permission (resource × action).
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * Permissions.RESOURCES.length // 13
 * ```
 * @category models
 * @since 0.1.0
 */
export const RESOURCES: ReadonlyArray<Resource> = Resource.literals
/**
 * Every action.
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * Permissions.ACTIONS // ["view", "manage", "authorize"]
 * ```
 * @category models
 * @since 0.1.0
 */
export const ACTIONS: ReadonlyArray<Action> = Action.literals
/**
 * Every permission.
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * Permissions.ALL.length // 39
 * ```
 * @category models
 * @since 0.1.0
 */
export const ALL: ReadonlyArray<Permission> = RESOURCES.flatMap((r) =>
  ACTIONS.map((a) => `${r}:${a}` as const)
)

/**
 * A permission name, `resource:action` (`payouts:manage`), as a schema: decoding an unknown name
 * fails, so a misspelt or invented permission is refused as `InvalidInput` by the service, never
 * answered `allowed`.
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Permissions.Permission)("pii:view")
 * ```
 * @category models
 * @since 0.1.0
 */
export const Permission = Schema.Literals(ALL)

/**
 * The assignable roles (the owner is not a role: it is the one member who holds everything).
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Permissions.Role)("finance")
 * ```
 * @category models
 * @since 0.1.0
 */
export const Role = Schema.Literals([
  "administrator",
  "developer",
  "analyst",
  "support",
  "refunds",
  "disputes",
  "finance",
  "view_only"
])

/**
 * A role.
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Permissions.Role)("finance")
 * ```
 * @category models
 * @since 0.1.0
 */
export type Role = typeof Role.Type

const p = (resource: Resource, ...actions: ReadonlyArray<Action>): ReadonlyArray<Permission> =>
  actions.map((a) => `${resource}:${a}` as const)

/**
 * What each role grants, after Stripe's team roles. Roles combine as a union.
 *
 * @example
 * ```ts
 * import { Permissions } from "@paykit/accounts"
 * Permissions.ROLES.refunds // ["payments:view", "refunds:view", "refunds:manage", "customers:view"]
 * ```
 * @category models
 * @since 0.1.0
 */
export const ROLES: { readonly [R in Role]: ReadonlyArray<Permission> } = {
  administrator: ALL,
  developer: [
    ...p("api_keys", "view", "manage"),
    ...p("webhooks", "view", "manage"),
    ...p("payments", "view"),
    ...p("refunds", "view"),
    ...p("settings", "view"),
    ...p("reports", "view"),
    ...p("balances", "view")
  ],
  analyst: [
    ...p("payments", "view"),
    ...p("refunds", "view"),
    ...p("disputes", "view"),
    ...p("customers", "view"),
    ...p("balances", "view"),
    ...p("payouts", "view"),
    ...p("reports", "view", "manage")
  ],
  support: [
    ...p("payments", "view"),
    ...p("customers", "view", "manage"),
    ...p("refunds", "view", "manage"),
    ...p("disputes", "view"),
    ...p("pii", "view")
  ],
  refunds: [...p("payments", "view"), ...p("refunds", "view", "manage"), ...p("customers", "view")],
  disputes: [...p("payments", "view"), ...p("disputes", "view", "manage"), ...p("customers", "view")],
  finance: [
    ...p("balances", "view"),
    ...p("payouts", "view", "manage", "authorize"),
    ...p("refunds", "view", "authorize"),
    ...p("bank_accounts", "view", "manage"),
    ...p("reports", "view", "manage"),
    ...p("payments", "view")
  ],
  view_only: RESOURCES.filter((r) => r !== "pii" && r !== "api_keys").map((r) => `${r}:view` as const)
}
