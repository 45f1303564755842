/**
 * The merchant's team in the service: invitations, role changes, removals, ownership transfer
 * (each a `Permissions` planner run by a member, committed with its audit record and event),
 * restricted API keys, and permission decisions.
 *
 * @internal
 */
import { Input, type InvalidInput, Service } from "@paykit/core"
import { Effect, Result } from "effect"
import type { Account } from "../Account.ts"
import type { Accounts } from "../Accounts.ts"
import type { IllegalTransition, PermissionDenied } from "../errors.ts"
import * as Events from "../Events.ts"
import * as Permissions from "../Permissions.ts"
import { type Actor, Actor as ActorSchema, MemberId, MemberInput } from "./inputs.ts"
import { actorLabel, type Change, type ChangeSpec, type Kit, notFinal, only } from "./kit.ts"

const decodeActor = (operation: string) => Input.decode(operation, ActorSchema)
const decodeAccess = Input.decode("createApiKey", Permissions.KeyAccess)

/** A team change, decoded: which one and its input. */
export type TeamInput =
  | { readonly _tag: "invite" | "changeRoles"; readonly member: typeof MemberInput.Type }
  | { readonly _tag: "removeMember" | "transferOwnership"; readonly member: string }

/** Each team change's input decoder. */
const DECODE: {
  readonly [K in TeamInput["_tag"]]: (input: unknown) => Effect.Effect<TeamInput, InvalidInput>
} = {
  invite: (i) => Effect.map(Input.decode("invite", MemberInput)(i), (member) => ({ _tag: "invite", member })),
  changeRoles: (i) =>
    Effect.map(Input.decode("changeRoles", MemberInput)(i), (member) => ({ _tag: "changeRoles", member })),
  removeMember: (i) =>
    Effect.map(Input.decode("removeMember", MemberId)(i), (member) => ({ _tag: "removeMember", member })),
  transferOwnership: (i) =>
    Effect.map(Input.decode("transferOwnership", MemberId)(i), (member) => ({
      _tag: "transferOwnership",
      member
    }))
}

const EVENT: { readonly [K in TeamInput["_tag"]]: string } = {
  invite: Events.TYPES.memberInvited,
  changeRoles: Events.TYPES.rolesChanged,
  removeMember: Events.TYPES.memberRemoved,
  transferOwnership: Events.TYPES.ownershipTransferred
}

/** The new team and the event of one team change by `actor`, as the `Permissions` planners decide (pure). */
export const planTeamChange = (
  a: Account,
  actor: Actor,
  change: TeamInput
): Result.Result<{ readonly team: Permissions.Team; readonly event: Change }, PermissionDenied> => {
  const announce = (team: Result.Result<Permissions.Team, PermissionDenied>, data: object) =>
    Result.map(team, (team) => ({
      team,
      event: { type: EVENT[change._tag], data: { accountId: a.id, ...data } }
    }))
  const by = actor.id
  switch (change._tag) {
    case "invite": {
      const { id, roles } = change.member
      return announce(Permissions.invite(a.team, by, id, roles), { member: id, roles, by })
    }
    case "changeRoles": {
      const { id, roles } = change.member
      const from = a.team.members.find((x) => x.id === id)?.roles ?? []
      return announce(Permissions.changeRoles(a.team, by, id, roles), { member: id, from, to: roles, by })
    }
    case "removeMember":
      return announce(Permissions.remove(a.team, by, change.member), { member: change.member, by })
    case "transferOwnership":
      return announce(Permissions.transferOwnership(a.team, by, change.member), {
        from: a.team.owner,
        to: change.member
      })
  }
}

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
   * after the account is loaded, then the `Permissions` planner decides the new team.
   */
  const teamChange =
    (operation: TeamInput["_tag"]) =>
    (accountId: string, actor: typeof ActorSchema.Encoded, input: unknown) =>
      kit.update(accountId, decodeActor(operation)(actor), (a, actor, now) =>
        Effect.gen(function* () {
          yield* Effect.fromResult(
            memberActs(a, actor, operation, operation, "team changes are made by the merchant's members")
          )
          const decided = yield* Effect.fromResult(planTeamChange(a, actor, yield* DECODE[operation](input)))
          return planTeam(a, actor, operation, decided, now)
        })
      )

  const invite: Accounts["Service"]["invite"] = teamChange("invite")
  const changeRoles: Accounts["Service"]["changeRoles"] = teamChange("changeRoles")
  const removeMember: Accounts["Service"]["removeMember"] = teamChange("removeMember")
  const transferOwnership: Accounts["Service"]["transferOwnership"] = teamChange("transferOwnership")

  const createApiKey: Accounts["Service"]["createApiKey"] = (accountId, actor, access) =>
    kit.update(
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
          return planApiKey(a, i.actor, key, now)
        })
    )

  const decide: Accounts["Service"]["decide"] = (accountId, memberId, permission) =>
    kit.onAccount(accountId, Service.noInput, (a) =>
      Effect.succeed(Service.unchanged(Permissions.decide(a.team, memberId, permission)))
    )

  return { invite, changeRoles, removeMember, transferOwnership, createApiKey, decide }
}
