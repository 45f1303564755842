/**
 * The account lifecycle in the service: commands by the owner or an operator (closing checks the
 * `ClosureCheck` port and places the AML retention holds), processed volume (which can make
 * threshold requirements due), the platform's automatic step on `refresh`, and `evaluate`.
 *
 * @internal
 */
import { Input, InvalidInput, Money, Service } from "@paykit/core"
import { Effect, Result } from "effect"
import { type Account, subjects } from "../Account.ts"
import type { Accounts } from "../Accounts.ts"
import type { LegalHold } from "../AccountStore.ts"
import { CannotClose, IllegalTransition } from "../errors.ts"
import { reasons as closureReasons } from "../ClosureCheck.ts"
import * as Events from "../Events.ts"
import * as Lifecycle from "../Lifecycle.ts"
import * as Requirements from "../Requirements.ts"
import { type Actor, Actor as ActorSchema, VolumeInput } from "./inputs.ts"
import { actorKind, actorLabel, type ChangeSpec, type Kit, statusChanged, withStatus } from "./kit.ts"

const decodeActor = Input.decode("transition", ActorSchema)
const decodeCommand = Input.decode("transition", Lifecycle.Command)
const decodeVolume = Input.decode("recordVolume", VolumeInput)

const addYears = (at: number, years: number): number => {
  const d = new Date(at)
  d.setUTCFullYear(d.getUTCFullYear() + years)
  return d.getTime()
}

/** Who may run `command` and where it leads (pure): only the owner or an operator, as the table says. */
export const authorize = (
  a: Account,
  actor: Actor,
  command: Lifecycle.Command
): Result.Result<
  { readonly kind: Lifecycle.ActorKind; readonly to: Lifecycle.Status },
  IllegalTransition
> => {
  const kind = actorKind(a, actor)
  if (kind === "member") {
    return Result.fail(
      new IllegalTransition({
        machine: "account",
        from: a.status,
        command,
        actor: "member",
        reason: "only the owner or an operator may change the account's state"
      })
    )
  }
  return Result.map(Lifecycle.transition(a.status, command, kind), (to) => ({ kind, to }))
}

/** The AML retention holds placed on every subject of an account that closes at `now` (pure). */
export const retentionHolds = (a: Account, now: number, years: number): ReadonlyArray<LegalHold> => {
  const until = addYears(now, years)
  return subjects(a).map((s) => ({ subject: s, basis: "aml_retention", until, placedAt: now }))
}

/** The moved account and what the move writes (pure). */
export const planTransition = (
  a: Account,
  actor: Actor,
  command: Lifecycle.Command,
  move: { readonly kind: Lifecycle.ActorKind; readonly to: Lifecycle.Status },
  holds: ReadonlyArray<LegalHold>,
  now: number
): { readonly next: Account; readonly spec: ChangeSpec<Account> } => ({
  next: {
    ...withStatus({ ...a, ...(command === "close" ? { closedAt: now } : {}) }, move.to, move.kind, now),
    version: a.version + 1,
    updatedAt: now
  },
  spec: {
    settle: true,
    audit: {
      actor: actorLabel(actor),
      action: `lifecycle:${command}`,
      version: a.profileVersion,
      changes: [{ field: "status", from: a.status, to: move.to }]
    },
    events: [
      statusChanged(a, command, move.to, move.kind),
      ...holds.map((h) => ({
        type: Events.TYPES.legalHoldPlaced,
        data: { subject: h.subject, basis: h.basis, until: h.until }
      }))
    ],
    write: { holds }
  }
})

/** The account with `amount` more processed volume, and the thresholds it crossed (pure). */
export const planVolume = (
  policy: Requirements.Policy,
  a: Account,
  v: typeof VolumeInput.Type,
  now: number
): Result.Result<{ readonly next: Account; readonly spec: ChangeSpec<Account> }, InvalidInput> => {
  const invalid = (path: string, reason: string) =>
    new InvalidInput({ operation: "recordVolume", path, reason })
  if (v.currency !== a.currency) {
    return Result.fail(invalid("currency", `the account's volume is kept in ${a.currency}`))
  }
  return Result.match(Money.add(a.volume, Money.fromMinorUnsafe(BigInt(v.amount), a.volume.currency)), {
    onFailure: (e) => Result.fail(invalid("amount", e.message)),
    onSuccess: (volume) => {
      const crossed = Requirements.newlyCrossed(policy, a, volume)
      const thresholdsCrossed = {
        ...a.thresholdsCrossed,
        ...Object.fromEntries(crossed.map((r) => [r, now]))
      }
      return Result.succeed({
        next: { ...a, volume, thresholdsCrossed, version: a.version + 1, updatedAt: now },
        spec: {
          settle: true,
          events: [
            {
              type: Events.TYPES.volumeRecorded,
              data: { accountId: a.id, volume: volume.toJSON(), thresholdsCrossed: crossed }
            }
          ]
        }
      })
    }
  })
}

export const make = (kit: Kit) => {
  const { closure, policy } = kit

  /** Closing: refused with every reason while a balance is not zero or disputes are open; else the retention holds. */
  const closing = (a: Account, now: number) =>
    Effect.flatMap(closure.standing(a.id), (standing) => {
      const reasons = closureReasons(standing)
      return reasons.length > 0
        ? Effect.fail(new CannotClose({ accountId: a.id, reasons }))
        : Effect.succeed(retentionHolds(a, now, kit.amlYears))
    })

  const transition: Accounts["Service"]["transition"] = (accountId, actor, command) =>
    kit.update(
      accountId,
      Effect.all({ actor: decodeActor(actor), command: decodeCommand(command) }),
      (a, i, now) =>
        Effect.gen(function* () {
          const move = yield* Effect.fromResult(authorize(a, i.actor, i.command))
          const holds = i.command === "close" ? yield* closing(a, now) : []
          return planTransition(a, i.actor, i.command, move, holds, now)
        })
    )

  const recordVolume: Accounts["Service"]["recordVolume"] = (accountId, amount) =>
    kit.update(accountId, decodeVolume(amount), (a, v, now) =>
      Effect.fromResult(planVolume(policy, a, v, now))
    )

  /** The platform's automatic step now (run it on a schedule): nothing to write unless a move is due. */
  const refresh: Accounts["Service"]["refresh"] = (accountId) =>
    kit.onAccount(accountId, Service.noInput, (a, _, now) =>
      Effect.succeed(
        Requirements.automaticMove(policy, a, now) === undefined
          ? Service.unchanged(a)
          : kit.change(a, { ...a, version: a.version + 1, updatedAt: now }, now, { settle: true, events: [] })
      )
    )

  const evaluate: Accounts["Service"]["evaluate"] = (accountId) =>
    kit.onAccount(accountId, Service.noInput, (a, _, now) =>
      Effect.succeed(Service.unchanged(Requirements.evaluate(policy, a, now)))
    )

  return { transition, recordVolume, refresh, evaluate }
}
