/**
 * The account lifecycle in the service: commands by the owner or an operator (every end of the
 * relationship — close, reject with its reason, withdraw — checks the `ClosureCheck` port and,
 * when the relationship had activity, places the AML retention holds), processed volume (which
 * can make threshold requirements due), the platform's automatic step on `refresh`, and `evaluate`.
 *
 * @internal
 */
import { Input, InvalidInput, Money, Service } from "@paykit/core"
import { Effect, Option, Result } from "effect"
import { type Account, subjects } from "../Account.ts"
import type { Accounts } from "../Accounts.ts"
import type { LegalHold } from "../AccountStore.ts"
import { reasons as closureReasons, type Standing } from "../ClosureCheck.ts"
import { CannotClose, IllegalTransition, RateUnavailable } from "../errors.ts"
import * as Events from "../Events.ts"
import * as Lifecycle from "../Lifecycle.ts"
import * as Requirements from "../Requirements.ts"
import { type Actor, Actor as ActorSchema, VolumeInput } from "./inputs.ts"
import { actorKind, actorLabel, type ChangeSpec, type Kit, statusChanged, withStatus } from "./kit.ts"

const decodeActor = Input.decode("transition", ActorSchema)
const decodePlain = Input.decode("transition", Lifecycle.PlainCommand)
const decodeRejection = Input.decode("transition", Lifecycle.Rejection)
const decodeVolume = Input.decode("recordVolume", VolumeInput)

/** A decoded transition: the command, and the reason when it is a rejection. */
export interface Move {
  readonly command: Lifecycle.Command
  readonly reason?: Lifecycle.RejectionReason
}

/**
 * Decodes a transition input: a command by name, or `{ command: "reject", reason }`. A bare
 * `"reject"` (no reason) and an unknown reason are `InvalidInput` naming `reason`.
 */
export const decodeTransition = (input: unknown): Effect.Effect<Move, InvalidInput> =>
  input === "reject"
    ? Effect.fail(
        new InvalidInput({
          operation: "transition",
          path: "reason",
          reason: `a rejection names its reason: { command: "reject", reason: ${Lifecycle.RejectionReason.literals.map((r) => `"${r}"`).join(" | ")} }`
        })
      )
    : typeof input === "object" && input !== null
      ? decodeRejection(input)
      : Effect.map(decodePlain(input), (command): Move => ({ command }))

const addYears = (at: number, years: number): number => {
  const d = new Date(at)
  d.setUTCFullYear(d.getUTCFullYear() + years)
  return d.getTime()
}

/**
 * Who may run `command` and where it leads (pure): only the owner or an operator, as the table
 * says; an owner cannot close an account an operator restricted (a restriction stored without its
 * origin counts as the platform's).
 */
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
  const restrictedBy = a.status === "restricted" ? (a.restriction?.by ?? "system") : undefined
  return Result.map(Lifecycle.authorize({ status: a.status, restrictedBy }, command, kind), (to) => ({
    kind,
    to
  }))
}

/**
 * What an end of the relationship needs (pure): refused with every reason while a balance is not
 * zero or disputes are open; otherwise the AML retention holds on every subject when the
 * relationship had activity (`Lifecycle.hadActivity`), none for an application that ends before
 * anything happened.
 */
export const planEnding = (
  a: Account,
  command: Lifecycle.Command,
  standing: Standing,
  now: number,
  years: number
): Result.Result<ReadonlyArray<LegalHold>, CannotClose> => {
  const reasons = closureReasons(standing)
  if (reasons.length > 0) {
    return Result.fail(
      new CannotClose({
        accountId: a.id,
        reasons,
        ...(command === "reject" || command === "withdraw" ? { command } : {})
      })
    )
  }
  const activity = { from: a.status, volume: a.volume.amount, reported: standing.activity === true }
  return Result.succeed(Lifecycle.hadActivity(activity) ? retentionHolds(a, now, years) : [])
}

/** The AML retention holds placed on every subject of an account whose relationship ends at `now` (pure). */
export const retentionHolds = (a: Account, now: number, years: number): ReadonlyArray<LegalHold> => {
  const until = addYears(now, years)
  return subjects(a).map((s) => ({ subject: s, basis: "aml_retention", until, placedAt: now }))
}

/** The moved account and what the move writes (pure). */
export const planTransition = (
  a: Account,
  actor: Actor,
  input: Move,
  move: { readonly kind: Lifecycle.ActorKind; readonly to: Lifecycle.Status },
  holds: ReadonlyArray<LegalHold>,
  now: number
): { readonly next: Account; readonly spec: ChangeSpec<Account> } => {
  const { command, reason } = input
  const ended = {
    ...a,
    ...(command === "close" ? { closedAt: now } : {}),
    ...(reason === undefined ? {} : { rejection: { reason, at: now } })
  }
  const status = statusChanged(a, command, move.to, move.kind)
  return {
    next: {
      ...withStatus(ended, move.to, move.kind, now),
      version: a.version + 1,
      updatedAt: now
    },
    spec: {
      settle: true,
      audit: {
        actor: actorLabel(actor),
        action: `lifecycle:${command}`,
        version: a.profileVersion,
        changes: [
          { field: "status", from: a.status, to: move.to },
          ...(reason === undefined ? [] : [{ field: "rejection.reason", from: null, to: reason }])
        ]
      },
      events: [
        reason === undefined ? status : { ...status, data: { ...(status.data as object), reason } },
        ...holds.map((h) => ({
          type: Events.TYPES.legalHoldPlaced,
          data: { subject: h.subject, basis: h.basis, until: h.until }
        }))
      ],
      write: { holds }
    }
  }
}

/**
 * The account with `amount` more processed volume, and the thresholds it crossed (pure);
 * `convert` gives the new volume in a threshold's reference currency (the `ReferenceRates` port).
 */
export const planVolume = (
  policy: Requirements.Policy,
  a: Account,
  v: typeof VolumeInput.Type,
  now: number,
  converted: ReadonlyArray<Money.Money> = []
): Result.Result<{ readonly next: Account; readonly spec: ChangeSpec<Account> }, InvalidInput> => {
  const invalid = (path: string, reason: string) =>
    new InvalidInput({ operation: "recordVolume", path, reason })
  if (v.currency !== a.currency) {
    return Result.fail(invalid("currency", `the account's volume is kept in ${a.currency}`))
  }
  return Result.match(Money.add(a.volume, Money.fromMinorUnsafe(BigInt(v.amount), a.volume.currency)), {
    onFailure: (e) => Result.fail(invalid("amount", e.message)),
    onSuccess: (volume) => {
      const crossed = Requirements.newlyCrossed(policy, a, volume, converted)
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

  /** An end of the relationship: the closure check, then the retention holds when it had activity. */
  const ending = (a: Account, command: Lifecycle.Command, now: number) =>
    Effect.flatMap(closure.standing(a.id), (standing) =>
      Effect.fromResult(planEnding(a, command, standing, now, kit.amlYears))
    )

  const transition: Accounts["Service"]["transition"] = (accountId, actor, input) =>
    kit.update(
      accountId,
      Effect.all({ actor: decodeActor(actor), move: decodeTransition(input) }),
      (a, i, now) =>
        Effect.gen(function* () {
          const move = yield* Effect.fromResult(authorize(a, i.actor, i.move.command))
          const holds = Lifecycle.ENDINGS.has(i.move.command) ? yield* ending(a, i.move.command, now) : []
          return planTransition(a, i.actor, i.move, move, holds, now)
        })
    )

  /** The new volume in each currency a threshold of the policy needs it converted into. */
  const conversions = (
    a: Account,
    v: typeof VolumeInput.Type
  ): Effect.Effect<ReadonlyArray<Money.Money>, RateUnavailable> => {
    const targets = Requirements.conversionsNeeded(policy, a)
    if (targets.length === 0 || v.currency !== a.currency) return Effect.succeed([])
    const total = Money.fromMinor(a.volume.amount + BigInt(v.amount), a.volume.currency)
    // an out-of-range total is planVolume's InvalidInput
    if (Result.isFailure(total)) return Effect.succeed([])
    return Option.match(kit.rates, {
      onNone: () =>
        Effect.fail(
          new RateUnavailable({
            from: a.currency,
            to: targets.map((c) => c.code).join(", "),
            reason: "no ReferenceRates port is configured"
          })
        ),
      onSome: (rates) => Effect.forEach(targets, (to) => rates.convert(total.success, to))
    })
  }

  const recordVolume: Accounts["Service"]["recordVolume"] = (accountId, amount) =>
    kit.update(accountId, decodeVolume(amount), (a, v, now) =>
      Effect.flatMap(conversions(a, v), (converted) =>
        Effect.fromResult(planVolume(policy, a, v, now, converted))
      )
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
