/**
 * What every part of the `Accounts` service shares: the ports, the configuration, the service
 * skeleton bound to the `AccountStore`, loading, the guards every operation applies, and the
 * platform's automatic step (`settle`) with the plan of one account's change.
 *
 * @internal
 */
import { type Currency, Ids, InvalidInput, type Money, Service } from "@paykit/core"
import { Effect, Option, Result } from "effect"
import type { Account } from "../Account.ts"
import type { AccountsError, Config } from "../Accounts.ts"
import { AccountStore, type AuditEntry, type Transaction } from "../AccountStore.ts"
import { ClosureCheck } from "../ClosureCheck.ts"
import {
  type Conflict,
  IllegalTransition,
  NotFound,
  PermissionDenied,
  type RateUnavailable,
  StoreFailure
} from "../errors.ts"
import * as Events from "../Events.ts"
import { KeyStore } from "../KeyStore.ts"
import { ReferenceRates } from "../ReferenceRates.ts"
import * as Lifecycle from "../Lifecycle.ts"
import * as Permissions from "../Permissions.ts"
import * as Requirements from "../Requirements.ts"
import { VerificationProvider } from "../VerificationProvider.ts"
import type { Actor } from "./inputs.ts"
import { idProblem } from "./text.ts"

/** An operation of the service. */
export type Op<A> = Effect.Effect<A, AccountsError>

/** An audit record before the skeleton gives it its id and time. */
export type AuditDraft = Omit<AuditEntry, "id" | "at">

/** What an accounts planner decides. */
export type Plan<A> = Service.Plan<Transaction, AuditDraft, A>

/** An event of one account's change before its envelope (its time and subject are the change's). */
export interface Change {
  readonly type: string
  readonly data: unknown
}

/** An event with its time and subject, before its envelope. */
export interface Draft extends Change {
  readonly at: number
  readonly subject: string
}

/** How often an operation decides again after losing a race (each retry re-reads what it decides on). */
export const RACE_ATTEMPTS = 20

/** Whether an error is the store's refusal against a concurrent writer of one of `tags`. */
export const races =
  (...tags: ReadonlyArray<Conflict["_tag"]>) =>
  (e: unknown): boolean =>
    e instanceof StoreFailure && e.conflict !== undefined && tags.includes(e.conflict._tag)

/** The conflict of a store refusal, when it is one of `tag`. */
export const conflictOf = <T extends Conflict["_tag"]>(
  e: unknown,
  tag: T
): Extract<Conflict, { _tag: T }> | undefined =>
  e instanceof StoreFailure && e.conflict?._tag === tag
    ? (e.conflict as Extract<Conflict, { _tag: T }>)
    : undefined

export const notFound = (kind: string, id: string) => new NotFound({ kind, id })

export const actorLabel = (actor: Actor | "system") =>
  actor === "system" ? "system" : `${actor.kind}:${actor.id}`

export const actorKind = (a: Account, actor: Actor): Lifecycle.ActorKind | "member" =>
  actor.kind === "operator" ? "operator" : actor.id === a.team.owner ? "owner" : "member"

/** Refuses anyone but an operator (`kind: "operator"`) or a team member (`kind: "member"`). */
export const only = (
  kind: Actor["kind"],
  actor: Actor,
  action: string,
  reason: string
): Result.Result<void, PermissionDenied> =>
  actor.kind === kind ? Result.void : Result.fail(new PermissionDenied({ actor: actor.id, action, reason }))

/** Refuses a member without `permission` (operators act for the platform). */
export const require = (
  a: Account,
  actor: Actor,
  permission: Permissions.Permission,
  action: string
): Result.Result<void, PermissionDenied> => {
  if (actor.kind === "operator") return Result.void
  const d = Permissions.decide(a.team, actor.id, permission)
  return d.allowed
    ? Result.void
    : Result.fail(new PermissionDenied({ actor: actor.id, action, reason: d.reason }))
}

/** Refuses a change to an account in a final state. */
export const notFinal = (
  a: Account,
  actor: Actor | "system",
  command: string
): Result.Result<void, IllegalTransition> =>
  Lifecycle.FINAL.has(a.status)
    ? Result.fail(
        new IllegalTransition({
          machine: "account",
          from: a.status,
          command,
          actor: actor === "system" ? "system" : actor.kind,
          reason: `${a.status} is a final state`
        })
      )
    : Result.void

export const bump = (a: Account, now: number): Account => ({ ...a, version: a.version + 1, updatedAt: now })

/** Moves to `to`, recording who restricted the account while it is restricted (and only then). */
export const withStatus = (
  a: Account,
  to: Lifecycle.Status,
  by: Lifecycle.ActorKind,
  now: number
): Account => {
  const { restriction: _was, ...rest } = a
  if (to !== "restricted") return { ...rest, status: to }
  return { ...rest, status: to, restriction: { by: by === "system" ? "system" : "operator", at: now } }
}

/** A lifecycle event's data. */
export const statusChanged = (
  a: Account,
  command: Lifecycle.Command,
  to: Lifecycle.Status,
  by: Lifecycle.ActorKind
): Change => ({
  type: Events.LIFECYCLE[command],
  data: { accountId: a.id, from: a.status, to, code: Lifecycle.CODES[to], by }
})

const requirementsKey = (r: Requirements.Requirements) =>
  JSON.stringify([
    r.eventuallyDue,
    r.currentlyDue,
    r.pastDue,
    r.pendingVerification,
    r.errors,
    r.disabledReason
  ])

/**
 * The platform's automatic move at `now` (activate, restrict, lift) after a change from
 * `before` (none: a registration) to `after`, and the events it and the requirement change produce.
 */
export const settle = (
  policy: Requirements.Policy,
  before: Account | undefined,
  after: Account,
  now: number
): { readonly account: Account; readonly events: ReadonlyArray<Draft> } => {
  const events: Array<Draft> = []
  let account = after
  const move = Requirements.automaticMove(policy, account, now)
  if (move !== undefined) {
    const r = Lifecycle.transition(account.status, move, "system")
    if (Result.isSuccess(r)) {
      events.push({ ...statusChanged(account, move, r.success, "system"), at: now, subject: account.id })
      account = withStatus(account, r.success, "system", now)
    }
  }
  const now1 = Requirements.evaluate(policy, account, now).requirements
  const was = before === undefined ? undefined : Requirements.evaluate(policy, before, now).requirements
  if (was === undefined || requirementsKey(was) !== requirementsKey(now1)) {
    events.push({
      type: Events.TYPES.requirementsUpdated,
      at: now,
      subject: account.id,
      data: { accountId: account.id, ...now1 }
    })
  }
  return { account, events }
}

/** What one account's change writes besides the account and its audit record. */
export interface ChangeSpec<A> {
  /** The audit record (who, what, which profile version, the fields old → new); none for the platform's own steps. */
  readonly audit?: Pick<AuditEntry, "actor" | "action" | "version" | "changes">
  /** The change's own events (subject: the account, at `now`). */
  readonly events: ReadonlyArray<Change>
  /** Other writes of the same transaction (keys, fields, index keys, holds). */
  readonly write?: Omit<Transaction, "accounts" | "audit">
  /** Runs the platform's automatic step after the change (its events follow the change's). */
  readonly settle?: boolean
  /** The operation's answer from the stored account (default: the account). */
  readonly result?: (account: Account) => A
}

/** The reference-rate port's shape. */
interface Rates {
  readonly convert: (
    amount: Money.Money,
    to: Currency.Currency
  ) => Effect.Effect<Money.Money, RateUnavailable>
}

/**
 * Builds the kit from the configuration and the ports in context.
 */
export const make = (config: Config) =>
  Effect.gen(function* () {
    const store = yield* AccountStore
    const keys = yield* KeyStore
    const provider = yield* VerificationProvider
    const closure = yield* ClosureCheck
    const ids = yield* Ids.Ids
    /** optional: without it, currencies the policy states no threshold in are refused at registration */
    const rates: Option.Option<Rates> = yield* Effect.serviceOption(ReferenceRates)
    const policy = config.policy ?? Requirements.defaultPolicy
    const amlYears = config.amlRetentionYears ?? 5
    const pageSize = Math.max(1, Math.floor(config.rotationPageSize ?? 500))

    /**
     * Every write goes through here: one `store.commit` with the change, its audit record and its
     * events, so the store keeps (outbox) or delivers (memory, after the commit) exactly the
     * events of the changes it made. The service never notifies on its own.
     */
    const skeleton = Service.make<Transaction, AuditDraft, StoreFailure>({
      name: "accounts",
      ids,
      attempts: RACE_ATTEMPTS,
      commit: (write, audit, events) =>
        store.commit({
          ...write,
          ...(audit.length === 0 ? {} : { audit }),
          ...(events.length === 0 ? {} : { events })
        })
    })

    /**
     * An id argument that is not a string (plain JavaScript, hostile input) is InvalidInput, not a
     * defect; so is one no store could look up alike (a NUL character, a lone surrogate, over 200
     * characters), rather than a storage error on PostgreSQL and `NotFound` in memory.
     */
    const checkId = (value: unknown, what: string): Op<string> => {
      if (typeof value !== "string")
        return Effect.fail(
          new InvalidInput({ operation: "Accounts", path: what, reason: `expected a ${what} (a string)` })
        )
      const problem = idProblem(value)
      return problem === undefined
        ? Effect.succeed(value)
        : Effect.fail(new InvalidInput({ operation: "Accounts", path: what, reason: problem }))
    }

    const load = (id: string): Op<Account> =>
      Effect.flatMap(checkId(id, "account id"), (checked) =>
        Effect.flatMap(store.getAccount(checked), (o) =>
          Option.isSome(o) ? Effect.succeed(o.value) : Effect.fail(notFound("account", checked))
        )
      )

    const accountOfSubject = (subject: string): Op<Account> =>
      Effect.flatMap(checkId(subject, "subject id"), (checked) =>
        Effect.flatMap(store.findIndex("subject", checked), (o) =>
          Option.isSome(o) ? load(o.value) : Effect.fail(notFound("subject", checked))
        )
      )

    /**
     * The plan of one account's change from `a` (at its version) to `next`, with its audit
     * record, its events and whatever else it writes.
     */
    const change = <A = Account>(a: Account, next: Account, now: number, spec: ChangeSpec<A>): Plan<A> => {
      const settled = spec.settle === true ? settle(policy, a, next, now) : { account: next, events: [] }
      return Service.commit({
        write: { ...spec.write, accounts: [{ account: settled.account, expectedVersion: a.version }] },
        audit: spec.audit === undefined ? undefined : { accountId: a.id, ...spec.audit },
        events: [...spec.events.map((e) => ({ ...e, at: now, subject: a.id })), ...settled.events],
        result: spec.result === undefined ? (settled.account as A) : spec.result(settled.account)
      })
    }

    /**
     * Runs an operation on one account: decode `input`, load the account, read the clock, plan,
     * commit, answer (the service skeleton).
     */
    const onAccount = <I, A, E1, E2>(
      accountId: string,
      input: Effect.Effect<I, E1>,
      plan: (a: Account, input: I, now: number) => Effect.Effect<Plan<A>, E2>
    ) => skeleton.run({ input, load: () => load(accountId), plan })

    /**
     * Runs an operation that changes one account: its planner answers the next account and what
     * the change writes besides it (`ChangeSpec`); the skeleton commits them.
     */
    const update = <I, A, E1, E2>(
      accountId: string,
      input: Effect.Effect<I, E1>,
      plan: (
        a: Account,
        input: I,
        now: number
      ) => Effect.Effect<{ readonly next: Account; readonly spec: ChangeSpec<A> }, E2>
    ) =>
      onAccount(accountId, input, (a, i, now) =>
        Effect.map(plan(a, i, now), ({ next, spec }) => change(a, next, now, spec))
      )

    return {
      store,
      keys,
      provider,
      closure,
      ids,
      rates,
      policy,
      amlYears,
      pageSize,
      skeleton,
      checkId,
      load,
      accountOfSubject,
      change,
      onAccount,
      update
    }
  })

/** The kit: what every part of the service is built from. */
export type Kit = Effect.Success<ReturnType<typeof make>>
