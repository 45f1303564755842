/**
 * The merchant's team in the service: invitations, role changes, removals, ownership transfer
 * (each a `Permissions` planner run by a member, committed with its audit record and event),
 * restricted API keys, and permission decisions.
 *
 * @internal
 */
import { Input, InvalidInput, Service } from "@paykit/core"
import { Effect, Result } from "effect"
import type { Account } from "../Account.ts"
import type { Accounts } from "../Accounts.ts"
import { IllegalTransition, type PermissionDenied } from "../errors.ts"
import * as Events from "../Events.ts"
import * as Permissions from "../Permissions.ts"
import { type Actor, Actor as ActorSchema, MemberId, MemberInput } from "./inputs.ts"
import { actorLabel, type Change, type ChangeSpec, type Kit, notFinal, notFound, only } from "./kit.ts"

const decodeActor = (operation: string) => Input.decode(operation, ActorSchema)
const decodeAccess = Input.decode("createApiKey", Permissions.KeyAccess)
const decodeRequest = Input.decode("createApiKey", Permissions.KeyRequest)
/** Decodes a bare value (not an object), naming it in the error's path. */
const decodeNamed =
  <S extends Parameters<typeof Input.decode>[1]>(schema: S, path: string) =>
  (operation: string) =>
  (input: unknown) =>
    Effect.mapError(
      Input.decode(operation, schema)(input),
      (e) =>
        new InvalidInput({ operation, path: e.path === "" ? path : `${path}.${e.path}`, reason: e.reason })
    )
const decodeKeyId = decodeNamed(Permissions.KeyId, "keyId")
const decodeRoll = Input.decode("rollApiKey", Permissions.RollInput)
const decodePermission = decodeNamed(Permissions.Permission, "permission")
const decodeMember = decodeNamed(MemberId, "memberId")("decide")

/** `createApiKey`'s input: a `KeyRequest` (it has `access`), or a bare `KeyAccess` (no expiry). */
const decodeKeyInput = (input: unknown): Effect.Effect<typeof Permissions.KeyRequest.Type, InvalidInput> =>
  typeof input === "object" && input !== null && "access" in input
    ? decodeRequest(input)
    : Effect.map(decodeAccess(input), (access) => ({ access }))

/** A time given in an input must lie after `now` (pure). */
const afterNow = (operation: string, path: string, at: number | undefined, now: number) =>
  at === undefined || at > now
    ? Result.void
    : Result.fail(new InvalidInput({ operation, path, reason: "must be after the current time" }))

type KeyRecord = Account["apiKeys"][number]

const revokedEvent = (a: Account, key: KeyRecord, by: string): Change => ({
  type: Events.TYPES.apiKeyRevoked,
  data: { accountId: a.id, keyId: key.id, reason: key.revoked?.reason ?? "revoked", by }
})

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
): { readonly next: Account; readonly spec: ChangeSpec<Account> } => {
  // a removed member's keys are revoked for good: re-inviting the same login id does not revive them
  const left = a.team.members.filter((m) => !change.team.members.some((x) => x.id === m.id)).map((m) => m.id)
  const apiKeys = left.reduce((keys, id) => Permissions.revokeKeysOf(keys, id, actor.id, now), a.apiKeys)
  const revoked = apiKeys.filter((k, i) => k !== a.apiKeys[i])
  return {
    next: { ...a, team: change.team, apiKeys, version: a.version + 1, updatedAt: now },
    spec: {
      audit: {
        actor: actorLabel(actor),
        action: `team:${operation}`,
        version: a.profileVersion,
        changes: [
          { field: "team", from: JSON.stringify(a.team), to: JSON.stringify(change.team) },
          ...(revoked.length === 0
            ? []
            : [{ field: "apiKeys", from: null, to: JSON.stringify({ revoked: revoked.map((k) => k.id) }) }])
        ]
      },
      events: [change.event, ...revoked.map((k) => revokedEvent(a, k, actor.id))]
    }
  }
}

/** A key revoked by `actor` (pure): an operator or a member with `api_keys:manage`; revoking a revoked key changes nothing. */
export const planRevoke = (
  a: Account,
  actor: Actor,
  keyId: string,
  now: number
): Result.Result<
  { readonly next: Account; readonly spec: ChangeSpec<KeyRecord> } | { readonly unchanged: KeyRecord },
  PermissionDenied | ReturnType<typeof notFound>
> =>
  Result.gen(function* () {
    if (actor.kind === "member") yield* Permissions.canManageKeys(a.team, actor.id, "revoke an API key")
    const key = a.apiKeys.find((k) => k.id === keyId)
    if (key === undefined) return yield* Result.fail(notFound("api_key", keyId))
    if (key.revoked !== undefined) return { unchanged: key }
    const revoked: KeyRecord = { ...key, revoked: { at: now, reason: "revoked", by: actor.id } }
    return {
      next: {
        ...a,
        apiKeys: a.apiKeys.map((k) => (k.id === keyId ? revoked : k)),
        version: a.version + 1,
        updatedAt: now
      },
      spec: {
        audit: {
          actor: actorLabel(actor),
          action: "api_key:revoke",
          version: a.profileVersion,
          changes: [{ field: "apiKeys", from: null, to: JSON.stringify({ revoked: [keyId] }) }]
        },
        events: [revokedEvent(a, revoked, actor.id)],
        result: () => revoked
      }
    }
  })

/**
 * A key rolled by a member (pure): the new key has the old key's access (within what the member
 * holds), the member as creator and no expiry; the old key is revoked at once, or expires at
 * `oldKeyUntil` (never later than it already would). A revoked or expired key cannot be rolled.
 */
export const planRoll = (
  a: Account,
  actor: Actor,
  input: typeof Permissions.RollInput.Type,
  newKeyId: string,
  now: number
): Result.Result<
  { readonly next: Account; readonly spec: ChangeSpec<KeyRecord> },
  IllegalTransition | PermissionDenied | InvalidInput | ReturnType<typeof notFound>
> =>
  Result.gen(function* () {
    yield* memberActs(a, actor, "roll an API key of", "roll an API key", "keys are rolled by members")
    yield* Permissions.canManageKeys(a.team, actor.id, "roll an API key")
    const old = a.apiKeys.find((k) => k.id === input.keyId)
    if (old === undefined) return yield* Result.fail(notFound("api_key", input.keyId))
    const status = Permissions.keyStatus(old, now)
    if (status !== "active") {
      return yield* Result.fail(
        new IllegalTransition({
          machine: "api_key",
          from: status,
          command: "roll",
          actor: actor.kind,
          reason: `key ${old.id} is ${status}; create a new key instead`
        })
      )
    }
    yield* Permissions.canCreateKey(a.team, actor.id, old.access)
    yield* afterNow("rollApiKey", "oldKeyUntil", input.oldKeyUntil, now)
    const until =
      input.oldKeyUntil === undefined ? now : Math.min(input.oldKeyUntil, old.expiresAt ?? input.oldKeyUntil)
    const retired: KeyRecord =
      input.oldKeyUntil === undefined
        ? { ...old, revoked: { at: now, reason: "rolled", by: actor.id } }
        : { ...old, expiresAt: until }
    const fresh: KeyRecord = { id: newKeyId, createdBy: actor.id, access: old.access, createdAt: now }
    return {
      next: {
        ...a,
        apiKeys: [...a.apiKeys.map((k) => (k.id === old.id ? retired : k)), fresh],
        version: a.version + 1,
        updatedAt: now
      },
      spec: {
        audit: {
          actor: actorLabel(actor),
          action: "api_key:roll",
          version: a.profileVersion,
          changes: [
            {
              field: "apiKeys",
              from: JSON.stringify({ id: old.id }),
              to: JSON.stringify({ id: fresh.id, access: fresh.access, oldKeyUntil: until })
            }
          ]
        },
        events: [
          {
            type: Events.TYPES.apiKeyRolled,
            data: { accountId: a.id, keyId: old.id, newKeyId: fresh.id, oldKeyUntil: until, by: actor.id }
          },
          {
            type: Events.TYPES.apiKeyCreated,
            data: { accountId: a.id, keyId: fresh.id, access: fresh.access, by: actor.id }
          },
          ...(retired.revoked === undefined ? [] : [revokedEvent(a, retired, actor.id)])
        ],
        result: () => fresh
      }
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

  const createApiKey: Accounts["Service"]["createApiKey"] = (accountId, actor, input) =>
    kit.update(
      accountId,
      Effect.all({ actor: decodeActor("createApiKey")(actor), request: decodeKeyInput(input) }),
      (a, i, now) =>
        Effect.gen(function* () {
          const { access, expiresAt } = i.request
          yield* Effect.fromResult(
            Result.flatMap(
              memberActs(
                a,
                i.actor,
                "create an API key for",
                "create an API key",
                "keys are created by members"
              ),
              () => Permissions.canCreateKey(a.team, i.actor.id, access)
            )
          )
          yield* Effect.fromResult(afterNow("createApiKey", "expiresAt", expiresAt, now))
          const key: KeyRecord = {
            id: yield* kit.ids.next,
            createdBy: i.actor.id,
            access,
            createdAt: now,
            ...(expiresAt === undefined ? {} : { expiresAt })
          }
          return planApiKey(a, i.actor, key, now)
        })
    )

  /** Operators and members with `api_keys:manage` revoke; on any account, also a final one (it only takes power away). */
  const revokeApiKey: Accounts["Service"]["revokeApiKey"] = (accountId, actor, keyId) =>
    kit.onAccount(
      accountId,
      Effect.all({ actor: decodeActor("revokeApiKey")(actor), keyId: decodeKeyId("revokeApiKey")(keyId) }),
      (a, i, now) =>
        Effect.map(Effect.fromResult(planRevoke(a, i.actor, i.keyId, now)), (p) =>
          "unchanged" in p ? Service.unchanged(p.unchanged) : kit.change(a, p.next, now, p.spec)
        )
    )

  const rollApiKey: Accounts["Service"]["rollApiKey"] = (accountId, actor, input) =>
    kit.update(
      accountId,
      Effect.all({ actor: decodeActor("rollApiKey")(actor), roll: decodeRoll(input) }),
      (a, i, now) =>
        Effect.flatMap(kit.ids.next, (id) => Effect.fromResult(planRoll(a, i.actor, i.roll, id, now)))
    )

  /** An unknown permission name is `InvalidInput` naming `permission`, never a decision. */
  const decide: Accounts["Service"]["decide"] = (accountId, memberId, permission) =>
    kit.onAccount(
      accountId,
      Effect.all({ member: decodeMember(memberId), permission: decodePermission("decide")(permission) }),
      (a, i) => Effect.succeed(Service.unchanged(Permissions.decide(a.team, i.member, i.permission)))
    )

  /** What a key may do now (the host asks this when a request arrives with the key). */
  const decideKey: Accounts["Service"]["decideKey"] = (accountId, keyId, permission) =>
    kit.onAccount(
      accountId,
      Effect.all({
        keyId: decodeKeyId("decideKey")(keyId),
        permission: decodePermission("decideKey")(permission)
      }),
      (a, i, now) => {
        const key = a.apiKeys.find((k) => k.id === i.keyId)
        return key === undefined
          ? Effect.fail(notFound("api_key", i.keyId))
          : Effect.succeed(Service.unchanged(Permissions.decideKey(a.team, key, i.permission, now)))
      }
    )

  return {
    invite,
    changeRoles,
    removeMember,
    transferOwnership,
    createApiKey,
    revokeApiKey,
    rollApiKey,
    decide,
    decideKey
  }
}
