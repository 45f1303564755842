import type { Money } from "@paykit/core"
import { Result, Schema } from "effect"
import * as Permissions from "./Permissions.ts"
import type { Permission } from "./Permissions.ts"
import type { Capability } from "./Registration.ts"

/**
 * A limit on one capability: per transaction and per day, in one currency.
 *
 * @example
 * ```ts
 * import type { Security } from "@paykit/accounts"
 * import { Currency, Money } from "@paykit/core"
 * const limit: Security.Limit = { daily: Money.fromMinorUnsafe(1_000_000n, Currency.EUR) }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Limit {
  readonly perTransaction?: Money.Money
  readonly daily?: Money.Money
}

/**
 * A merchant's security settings.
 *
 * - `twoFactorRequired`: every member must sign in with a second factor.
 * - `stepUp`: permissions that need a fresh re-authentication within `stepUpWindowMillis`.
 * - `approvalThresholds`: a refund or payout above the amount needs a second member (maker-checker).
 * - `limits`: per-transaction and daily limits per capability.
 *
 * @example
 * ```ts
 * import { Security } from "@paykit/accounts"
 * const relaxed: Security.Settings = { ...Security.defaults, twoFactorRequired: false }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Settings {
  readonly twoFactorRequired: boolean
  readonly stepUp: ReadonlyArray<Permission>
  readonly stepUpWindowMillis: number
  readonly approvalThresholds: { readonly refunds?: Money.Money; readonly payouts?: Money.Money }
  readonly limits: Partial<Record<Capability, Limit>>
}

/**
 * The settings a new merchant gets: two-factor on, step-up for the sensitive permissions within
 * 15 minutes, no thresholds, no limits.
 *
 * @example
 * ```ts
 * import { Security } from "@paykit/accounts"
 * Security.defaults.stepUpWindowMillis // 900000
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const defaults: Settings = {
  twoFactorRequired: true,
  stepUp: [
    "payouts:manage",
    "payouts:authorize",
    "bank_accounts:manage",
    "api_keys:manage",
    "team:manage",
    "pii:view",
    "refunds:authorize"
  ],
  stepUpWindowMillis: 15 * 60_000,
  approvalThresholds: {},
  limits: {}
}

/**
 * A member's session as the host's identity system reports it.
 *
 * @example
 * ```ts
 * import type { Security } from "@paykit/accounts"
 * const session: Security.Session = { twoFactor: true, steppedUpAt: Date.now() }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Session {
  readonly twoFactor: boolean
  readonly steppedUpAt?: number
}

/**
 * Why a security check refused: a stable code and a sentence.
 *
 * @example
 * ```ts
 * import type { Security } from "@paykit/accounts"
 * const show = (r: Security.Refusal) => `${r.code}: ${r.reason}`
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Refusal {
  readonly code:
    | "two_factor_required"
    | "step_up_required"
    | "second_approver_required"
    | "approver_not_allowed"
    | "limit_exceeded"
    | "currency_mismatch"
  readonly reason: string
}

/**
 * Checks the session against two-factor and step-up rules for a permission.
 *
 * @example
 * ```ts
 * import { Security } from "@paykit/accounts"
 * Security.checkSession(Security.defaults, { twoFactor: true }, "payouts:manage", 0) // Failure(step_up_required)
 * ```
 * @category guards
 * @since 0.1.0
 */
export const checkSession = (
  settings: Settings,
  session: Session,
  permission: Permission,
  now: number
): Result.Result<void, Refusal> => {
  if (settings.twoFactorRequired && !session.twoFactor) {
    return Result.fail({ code: "two_factor_required", reason: "this merchant requires two-factor sign-in" })
  }
  if (settings.stepUp.includes(permission)) {
    const at = session.steppedUpAt
    if (at === undefined || now - at > settings.stepUpWindowMillis || at > now) {
      return Result.fail({
        code: "step_up_required",
        reason: `${permission} needs re-authentication within the last ${Math.round(settings.stepUpWindowMillis / 60_000)} minutes`
      })
    }
  }
  return Result.void
}

/**
 * Maker-checker: a refund or payout above the threshold needs an approver other than the maker.
 * Every approver given is checked against the team as it is now: a current member (or the
 * owner), not the maker, holding the approving permission (`refunds:authorize`,
 * `payouts:authorize`); one that is not refuses the whole approval (`approver_not_allowed`,
 * naming them), so a removed member, the maker under another spelling of the list, or a member
 * without the permission never counts.
 *
 * @example
 * ```ts
 * import { Security } from "@paykit/accounts"
 * import { Currency, Money } from "@paykit/core"
 * const team = { owner: "o", members: [{ id: "o", roles: [] }, { id: "m1", roles: ["finance"] }] } as const
 * const s = { ...Security.defaults, approvalThresholds: { payouts: Money.fromMinorUnsafe(100_000n, Currency.EUR) } }
 * Security.checkApproval(s, team, "payouts", Money.fromMinorUnsafe(200_000n, Currency.EUR), "m1", []) // Failure(second_approver_required)
 * Security.checkApproval(s, team, "payouts", Money.fromMinorUnsafe(200_000n, Currency.EUR), "m1", ["o"]) // Success
 * ```
 * @category guards
 * @since 0.1.0
 */
export const checkApproval = (
  settings: Settings,
  team: Permissions.Team,
  kind: "refunds" | "payouts",
  amount: Money.Money,
  maker: string,
  approvers: ReadonlyArray<string>
): Result.Result<void, Refusal> => {
  const threshold = settings.approvalThresholds[kind]
  if (threshold === undefined) return Result.void
  if (threshold.currency.code !== amount.currency.code) {
    return Result.fail({
      code: "currency_mismatch",
      reason: `the ${kind} threshold is in ${threshold.currency.code}, the amount in ${amount.currency.code}`
    })
  }
  if (amount.amount <= threshold.amount) return Result.void
  const permission = `${kind}:authorize` as const
  for (const approver of approvers) {
    if (approver === maker) {
      return Result.fail({
        code: "approver_not_allowed",
        reason: `${approver} made the ${kind} request and cannot approve it`
      })
    }
    const d = Permissions.decide(team, approver, permission)
    if (!d.allowed) {
      return Result.fail({ code: "approver_not_allowed", reason: `${approver} cannot approve: ${d.reason}` })
    }
  }
  return approvers.length > 0
    ? Result.void
    : Result.fail({
        code: "second_approver_required",
        reason: `${kind} above ${threshold.toString()} need a second member's approval (${permission}; the maker cannot approve)`
      })
}

/**
 * The operations of the `Accounts` service that the security settings govern, and the permission
 * to check the member's session for (two-factor, step-up) with {@link checkSession} **before**
 * calling the service. The service enforces the permission itself, but it never sees the member's
 * session (sign-in, second factor, re-authentication are the host's identity system): the host
 * must run `checkSession(account.security, session, permission, now)` for these operations and
 * refuse on a `Refusal`. Approvals ({@link checkApproval}) and limits ({@link checkLimit}) govern
 * refunds and payouts, which this service does not perform: the host (or the payments and
 * settlement side) calls them before a refund or payout.
 *
 * @example
 * ```ts
 * import { Security } from "@paykit/accounts"
 * Security.SESSION_CHECKED.createApiKey // "api_keys:manage"
 * ```
 * @category models
 * @since 0.6.0
 */
export const SESSION_CHECKED = {
  /** a payout account change: `updateProfile` with `bankAccount` */
  "updateProfile.bankAccount": "bank_accounts:manage",
  createApiKey: "api_keys:manage",
  rollApiKey: "api_keys:manage",
  revokeApiKey: "api_keys:manage",
  updateSecurity: "settings:manage",
  invite: "team:manage",
  changeRoles: "team:manage",
  removeMember: "team:manage",
  transferOwnership: "team:manage",
  profile: "pii:view",
  exportSubject: "pii:view",
  audit: "pii:view"
} as const satisfies Record<string, Permission>

/**
 * Checks an amount against a capability's per-transaction and daily limits, given what was
 * already used today.
 *
 * @example
 * ```ts
 * import { Security } from "@paykit/accounts"
 * import { Currency, Money } from "@paykit/core"
 * const eur = (n: bigint) => Money.fromMinorUnsafe(n, Currency.EUR)
 * const s = { ...Security.defaults, limits: { payouts: { perTransaction: eur(100_000n) } } }
 * Security.checkLimit(s, "payouts", eur(150_000n), eur(0n)) // Failure(limit_exceeded)
 * ```
 * @category guards
 * @since 0.1.0
 */
export const checkLimit = (
  settings: Settings,
  capability: Capability,
  amount: Money.Money,
  usedToday: Money.Money
): Result.Result<void, Refusal> => {
  const limit = settings.limits[capability]
  if (limit === undefined) return Result.void
  for (const [name, cap, value] of [
    ["per-transaction", limit.perTransaction, amount.amount],
    ["daily", limit.daily, usedToday.amount + amount.amount]
  ] as const) {
    if (cap === undefined) continue
    if (cap.currency.code !== amount.currency.code || usedToday.currency.code !== amount.currency.code) {
      return Result.fail({
        code: "currency_mismatch",
        reason: `the ${capability} ${name} limit is in ${cap.currency.code}, the amount in ${amount.currency.code}`
      })
    }
    if (value > cap.amount) {
      return Result.fail({
        code: "limit_exceeded",
        reason: `${capability} ${name} limit ${cap.toString()} would be exceeded`
      })
    }
  }
  return Result.void
}

const MoneyInput = Schema.Struct({
  amount: Schema.String.check(
    Schema.isPattern(/^\d{1,30}$/, { message: "expected minor units as a digit string" })
  ),
  currency: Schema.String.check(Schema.isPattern(/^[A-Z]{3}$/, { message: "expected an ISO 4217 code" }))
})

const LimitInput = Schema.Struct({
  perTransaction: Schema.optionalKey(MoneyInput),
  daily: Schema.optionalKey(MoneyInput)
})

/**
 * The JSON input of a settings update (amounts as minor-unit strings with their currency).
 *
 * @example
 * ```ts
 * import { Security } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Security.SettingsInput)({ approvalThresholds: { refunds: { amount: "50000", currency: "EUR" } } })
 * ```
 * @category models
 * @since 0.1.0
 */
export const SettingsInput = Schema.Struct({
  twoFactorRequired: Schema.optionalKey(Schema.Boolean),
  stepUpWindowMillis: Schema.optionalKey(
    Schema.Int.check(Schema.isBetween({ minimum: 60_000, maximum: 86_400_000 }))
  ),
  approvalThresholds: Schema.optionalKey(
    Schema.Struct({ refunds: Schema.optionalKey(MoneyInput), payouts: Schema.optionalKey(MoneyInput) })
  ),
  limits: Schema.optionalKey(
    Schema.Struct({
      card_payments: Schema.optionalKey(LimitInput),
      payouts: Schema.optionalKey(LimitInput),
      stored_value: Schema.optionalKey(LimitInput),
      cross_border: Schema.optionalKey(LimitInput)
    })
  )
})

/**
 * A decoded settings update.
 *
 * @example
 * ```ts
 * import { Security } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Security.SettingsInput)({ approvalThresholds: { refunds: { amount: "50000", currency: "EUR" } } })
 * ```
 * @category models
 * @since 0.1.0
 */
export type SettingsInput = typeof SettingsInput.Type
