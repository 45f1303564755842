/**
 * Security settings in the service: two-factor, step-up, approval thresholds and limits, changed
 * by a member with `settings:manage` (or an operator), committed with its audit record and event.
 *
 * @internal
 */
import { Currency, InvalidInput, Input, Money } from "@paykit/core"
import { Effect, Result } from "effect"
import type { Account } from "../Account.ts"
import type { Accounts } from "../Accounts.ts"
import type { IllegalTransition, PermissionDenied } from "../errors.ts"
import * as Events from "../Events.ts"
import * as Registration from "../Registration.ts"
import * as Security from "../Security.ts"
import { type Actor, Actor as ActorSchema } from "./inputs.ts"
import { actorLabel, type ChangeSpec, type Kit, notFinal, require } from "./kit.ts"

const decodeActor = Input.decode("updateSecurity", ActorSchema)
const decodeSettings = Input.decode("updateSecurity", Security.SettingsInput)

const moneyOf = (m: { readonly amount: string; readonly currency: string }, path: string) =>
  Result.mapError(
    Result.flatMap(Currency.fromCode(m.currency), (c) => Money.fromMinor(BigInt(m.amount), c)),
    (e) => new InvalidInput({ operation: "updateSecurity", path, reason: e.message })
  )

/** The account with its new settings and what the change writes (pure). */
export const planSecurity = (
  a: Account,
  actor: Actor,
  s: Security.SettingsInput,
  now: number
): Result.Result<
  { readonly next: Account; readonly spec: ChangeSpec<Account> },
  IllegalTransition | PermissionDenied | InvalidInput
> =>
  Result.gen(function* () {
    yield* notFinal(a, actor, "change the settings of")
    yield* require(a, actor, "settings:manage", "change security settings")
    const thresholds: { refunds?: Money.Money; payouts?: Money.Money } = { ...a.security.approvalThresholds }
    for (const k of ["refunds", "payouts"] as const) {
      const m = s.approvalThresholds?.[k]
      if (m !== undefined) thresholds[k] = yield* moneyOf(m, `approvalThresholds.${k}`)
    }
    const limits: Partial<Record<Registration.Capability, Security.Limit>> = { ...a.security.limits }
    for (const c of Registration.CAPABILITIES) {
      const l = s.limits?.[c]
      if (l === undefined) continue
      const limit: { perTransaction?: Money.Money; daily?: Money.Money } = {}
      if (l.perTransaction !== undefined)
        limit.perTransaction = yield* moneyOf(l.perTransaction, `limits.${c}.perTransaction`)
      if (l.daily !== undefined) limit.daily = yield* moneyOf(l.daily, `limits.${c}.daily`)
      limits[c] = limit
    }
    const security: Security.Settings = {
      ...a.security,
      ...(s.twoFactorRequired === undefined ? {} : { twoFactorRequired: s.twoFactorRequired }),
      ...(s.stepUpWindowMillis === undefined ? {} : { stepUpWindowMillis: s.stepUpWindowMillis }),
      approvalThresholds: thresholds,
      limits
    }
    return {
      next: { ...a, security, version: a.version + 1, updatedAt: now },
      spec: {
        audit: {
          actor: actorLabel(actor),
          action: "security:update",
          version: a.profileVersion,
          changes: Object.keys(s).map((field) => ({
            field,
            from: null,
            to: JSON.stringify((s as Record<string, unknown>)[field])
          }))
        },
        events: [{ type: Events.TYPES.securityUpdated, data: { accountId: a.id, fields: Object.keys(s) } }]
      }
    }
  })

export const make = (kit: Kit) => {
  const updateSecurity: Accounts["Service"]["updateSecurity"] = (accountId, actor, settings) =>
    kit.update(
      accountId,
      Effect.all({ actor: decodeActor(actor), settings: decodeSettings(settings) }),
      (a, i, now) => Effect.fromResult(planSecurity(a, i.actor, i.settings, now))
    )

  return { updateSecurity }
}
