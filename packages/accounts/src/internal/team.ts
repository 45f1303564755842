/**
 * The merchant's team in the service: invitations, role changes, removals, ownership transfer
 * (each a `Permissions` planner run by a member, committed with its audit record and event),
 * restricted API keys, and permission decisions.
 *
 * @internal
 */
import { type InvalidInput, Input } from "@paykit/core"
import { Effect, Result } from "effect"
import type { Account } from "../Account.ts"
import type { Accounts } from "../Accounts.ts"
import type { IllegalTransition, PermissionDenied } from "../errors.ts"
import * as Events from "../Events.ts"
import * as Permissions from "../Permissions.ts"
import { type Actor, Actor as ActorSchema, MemberId, MemberInput } from "./inputs.ts"
import { actorLabel, type Change, type ChangeSpec, type Kit, notFinal, only } from "./kit.ts"
import * as Service from "./service.ts"

const decodeActor = (operation: string) => Input.decode(operation, ActorSchema)
const decodeInvite = Input.decode("invite", MemberInput)
const decodeChangeRoles = Input.decode("changeRoles", MemberInput)
const decodeRemove = Input.decode("removeMember", MemberId)
const decodeTransfer = Input.decode("transferOwnership", MemberId)
const decodeAccess = Input.decode("createApiKey", Permissions.KeyAccess)

/** A team change as its `Permissions` planner answers it: the new team and the event saying what changed. */
type TeamChange = Result.Result<{ readonly team: Permissions.Team; readonly event: Change }, PermissionDenied>

/** Who may change a team or create keys (pure): a member, on an account that is not final. */
export const memberActs = (
  a: Account,
  actor: Actor,
  what: string,
  action: string,
  reason: string
): Result.Result<void, IllegalTransition | PermissionDenied> =>
  Result.flatMap(notFinal(a, actor, what), () => only("member", actor, action, reason))

/** The account with its new team and what the change writes (pure). */
export const planTeam = (
  a: Account,
  actor: Actor,
  operation: string,
  change: { readonly team: Permissions.Team; readonly event: Change },
  now: number
): { readonly next: Account; readonly spec: ChangeSpec<Account> } => ({
  next: { ...a, team: change.team, version: a.version + 1, updatedAt: now },
  spec: {
    audit: {
      actor: actorLabel(actor),
      action: `team:${operation}`,
      version: a.profileVersion,
      changes: [{ field: "team", from: JSON.stringify(a.team), to: JSON.stringify(change.team) }]
    },
    events: [change.event]
  }
})

/** The account with a new API key and what its creation writes (pure). */
export const planApiKey = (
  a: Account,
  actor: Actor,
  key: Account["apiKeys"][number],
  now: number
): { readonly next: Account; readonly spec: ChangeSpec<Account["apiKeys"][number]> } => ({
  next: { ...a, apiKeys: [...a.apiKeys, key], version: a.version + 1, updatedAt: now },
  spec: {
    audit: {
      actor: actorLabel(actor),
      action: "api_key:create",
      version: a.profileVersion,
      changes: [{ field: "apiKeys", from: null, to: JSON.stringify({ id: key.id, access: key.access }) }]
    },
    events: [
      {
        type: Events.TYPES.apiKeyCreated,
        data: { accountId: a.id, keyId: key.id, access: key.access, by: actor.id }
      }
    ],
    result: () => key
  }
})

export const make = (kit: Kit) => {
  /**
   * A team change by a member: the actor is decoded and checked first, the change's own input
   * after the account is loaded (as `change` decodes it), then the `Permissions` planner decides.
   */
  const teamChange =
    <I>(operation: string, decode: (input: unknown) => Effect.Effect<I, InvalidInput>) =>
    (plan: (a: Account, actor: Actor, input: I) => TeamChange) =>
    (accountId: string, actor: typeof ActorSchema.Encoded, input: unknown) =>
      kit.onAccount(accountId, decodeActor(operation)(actor), (a, actor, now) =>
        Effect.gen(function* () {
          yield* Effect.fromResult(
            memberActs(a, actor, operation, operation, "team changes are made by the merchant's members")
          )
          const decoded = yield* decode(input)
          const { next, spec } = planTeam(
            a,
            actor,
            operation,
            yield* Effect.fromResult(plan(a, actor, decoded)),
            now
          )
          return kit.change(a, next, now, spec)
        })
      )

  const invite: Accounts["Service"]["invite"] = teamChange(
    "invite",
    decodeInvite
  )((a, actor, m) =>
    Result.map(Permissions.invite(a.team, actor.id, m.id, m.roles), (team) => ({
      team,
      event: {
        type: Events.TYPES.memberInvited,
        data: { accountId: a.id, member: m.id, roles: m.roles, by: actor.id }
      }
    }))
  )

  const changeRoles: Accounts["Service"]["changeRoles"] = teamChange(
    "changeRoles",
    decodeChangeRoles
  )((a, actor, m) =>
    Result.map(Permissions.changeRoles(a.team, actor.id, m.id, m.roles), (team) => ({
      team,
      event: {
        type: Events.TYPES.rolesChanged,
        data: {
          accountId: a.id,
          member: m.id,
          from: a.team.members.find((x) => x.id === m.id)?.roles ?? [],
          to: m.roles,
          by: actor.id
        }
      }
    }))
  )

  const removeMember: Accounts["Service"]["removeMember"] = teamChange(
    "removeMember",
    decodeRemove
  )((a, actor, id) =>
    Result.map(Permissions.remove(a.team, actor.id, id), (team) => ({
      team,
      event: { type: Events.TYPES.memberRemoved, data: { accountId: a.id, member: id, by: actor.id } }
    }))
  )

  const transferOwnership: Accounts["Service"]["transferOwnership"] = teamChange(
    "transferOwnership",
    decodeTransfer
  )((a, actor, to) =>
    Result.map(Permissions.transferOwnership(a.team, actor.id, to), (team) => ({
      team,
      event: { type: Events.TYPES.ownershipTransferred, data: { accountId: a.id, from: a.team.owner, to } }
    }))
  )

  const createApiKey: Accounts["Service"]["createApiKey"] = (accountId, actor, access) =>
    kit.onAccount(
      accountId,
      Effect.all({ actor: decodeActor("createApiKey")(actor), access: decodeAccess(access) }),
      (a, i, now) =>
        Effect.gen(function* () {
          yield* Effect.fromResult(
            Result.flatMap(
              memberActs(
                a,
                i.actor,
                "create an API key for",
                "create an API key",
                "keys are created by members"
              ),
              () => Permissions.canCreateKey(a.team, i.actor.id, i.access)
            )
          )
          const key = { id: yield* kit.ids.next, createdBy: i.actor.id, access: i.access, createdAt: now }
          const { next, spec } = planApiKey(a, i.actor, key, now)
          return kit.change(a, next, now, spec)
        })
    )

  const decide: Accounts["Service"]["decide"] = (accountId, memberId, permission) =>
    kit.onAccount(accountId, Service.noInput, (a) =>
      Effect.succeed(Service.unchanged(Permissions.decide(a.team, memberId, permission)))
    )

  return { invite, changeRoles, removeMember, transferOwnership, createApiKey, decide }
}
