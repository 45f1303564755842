import { Notifier } from "@paykit/core"
import { Effect, ManagedRuntime, Result } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  type Account,
  Accounts,
  AccountStore,
  ClosureCheck,
  Events,
  Lifecycle,
  Requirements,
  VerificationProvider
} from "../src/index.ts"
import { Fixtures } from "../src/testing/index.ts"

/**
 * Model-based property over the account lifecycle and its requirements: random sequences of
 * profile updates, verification submissions, provider answers, operator reviews, volume,
 * lifecycle commands from every kind of actor, bad input and clock ticks, against the memory
 * store. The model is the last observed state plus the transition table; after every command the
 * invariants below are checked on the real store.
 */

const NUM_RUNS = 100
const DAY = 86_400_000
const T0 = Date.UTC(2026, 0, 1)
const OWNER = { kind: "member", id: "user-jane" } as const
const OPERATOR = { kind: "operator", id: "ops-1" } as const
const CLERK = { kind: "member", id: "user-clerk" } as const

type Runtime = ManagedRuntime.ManagedRuntime<
  Accounts.Accounts | AccountStore.AccountStore | Notifier.RecordedEvents | ClosureCheck.MemoryStanding,
  never
>

interface Real {
  readonly rt: Runtime
  readonly id: string
}

interface Model {
  status: Lifecycle.Status
  counter: number
}

const stats = new Map<string, number>()
const count = (key: string) => stats.set(key, (stats.get(key) ?? 0) + 1)

const run = <A, E>(
  r: Real,
  effect: Effect.Effect<
    A,
    E,
    Accounts.Accounts | AccountStore.AccountStore | Notifier.RecordedEvents | ClosureCheck.MemoryStanding
  >
) => r.rt.runPromise(effect)

const snapshot = (r: Real) =>
  run(
    r,
    Effect.gen(function* () {
      const store = yield* AccountStore.AccountStore
      const events = yield* Notifier.RecordedEvents
      return { dump: yield* store.dump, events: (yield* events.all).length }
    })
  )

const now = (r: Real) =>
  run(
    r,
    Effect.clockWith((c) => c.currentTimeMillis)
  )

const account = (r: Real) =>
  run(
    r,
    Effect.flatMap(Accounts.Accounts, (a) => a.get(r.id))
  )

const subset = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) => a.every((x) => b.includes(x))

/** The invariants that hold after every command. */
const check = async (r: Real, m: Model) => {
  const a = await account(r)
  const t = await now(r)
  expect(Lifecycle.STATUSES).toContain(a.status)
  m.status = a.status
  count(`status:${a.status}`)
  const e = Requirements.evaluate(Requirements.defaultPolicy, a, t)
  for (const req of [e.requirements, ...Object.values(e.capabilities).map((c) => c.requirements)]) {
    expect(subset(req.pastDue, req.currentlyDue)).toBe(true)
    expect(subset(req.currentlyDue, req.eventuallyDue)).toBe(true)
    for (const p of req.pendingVerification) expect(req.currentlyDue).not.toContain(p)
  }
  const payouts = e.capabilities.payouts
  if (payouts.requirements.pastDue.length > 0) {
    count("payouts past due")
    if (payouts.requirements.pastDue.includes("individual.verification.document")) count("threshold past due")
    expect(Requirements.canPayout(Requirements.defaultPolicy, a, t)).toBe(false)
    if (Lifecycle.isOperating(a.status) || a.status === "pending") {
      expect(payouts.disabledReason).toBe("requirements.past_due")
    }
  }
  if (Requirements.canPayout(Requirements.defaultPolicy, a, t)) count("can pay out")
}

/** Runs `op`; on a typed failure, asserts the store and the event log did not change. */
const attempt = async <A>(
  r: Real,
  label: string,
  op: Effect.Effect<A, Accounts.AccountsError, Accounts.Accounts | ClosureCheck.MemoryStanding>,
  expectFailure?: boolean
): Promise<Result.Result<A, Accounts.AccountsError>> => {
  const before = await snapshot(r)
  const out = await run(r, Effect.result(op))
  if (Result.isFailure(out)) {
    count(`${label}:${out.failure._tag}`)
    expect(typeof out.failure._tag).toBe("string")
    const after = await snapshot(r)
    expect(after.events).toBe(before.events)
    expect(after.dump).toEqual(before.dump)
  } else {
    count(`${label}:ok`)
    // every state change emits events; a status change emits its lifecycle event
    const after = await snapshot(r)
    const status = (d: AccountStore.Dump) => d.accounts.find((a) => a.id === r.id)?.status
    if (JSON.stringify(after.dump) !== JSON.stringify(before.dump))
      expect(after.events).toBeGreaterThan(before.events)
    if (status(after.dump) !== status(before.dump)) {
      const types = await run(
        r,
        Effect.map(
          Effect.flatMap(Notifier.RecordedEvents, (e) => e.all),
          (all) => all.slice(before.events).map((e) => e.type)
        )
      )
      expect(types.some((t) => Object.values(Events.LIFECYCLE).includes(t))).toBe(true)
      count("status change with event")
    }
  }
  if (expectFailure !== undefined) expect(Result.isFailure(out), label).toBe(expectFailure)
  return out
}

const service = Accounts.Accounts

type Cmd = fc.AsyncCommand<Model, Real>

const cmd = (name: string, body: (m: Model, r: Real) => Promise<void>): Cmd => ({
  check: () => true,
  run: async (m, r) => {
    await body(m, r)
    await check(r, m)
  },
  toString: () => name
})

const tick = (ms: number) =>
  cmd(`tick(${ms})`, async (_m, r) => {
    await run(r, TestClock.adjust(ms))
  })

const refresh = cmd("refresh", async (_m, r) => {
  await attempt(
    r,
    "refresh",
    Effect.flatMap(service, (s) => s.refresh(r.id))
  )
})

const volume = (amount: number) =>
  cmd(`volume(${amount})`, async (_m, r) => {
    await attempt(
      r,
      "volume",
      Effect.flatMap(service, (s) => s.recordVolume(r.id, { amount: String(amount), currency: "EUR" }))
    )
  })

const MAGIC = VerificationProvider.MAGIC
const idNumbers = [MAGIC.verified, MAGIC.rejected, MAGIC.actionRequired, MAGIC.manualReview, MAGIC.pending]
const documents = [MAGIC.documentSuccess, MAGIC.documentFailure, MAGIC.documentPending]

const provide = (field: "idNumber" | "idDocument", value: string, actor: typeof OWNER | typeof CLERK) =>
  cmd(`provide(${field}=${value}, ${actor.id})`, async (m, r) => {
    await attempt(
      r,
      "provide",
      Effect.flatMap(service, (s) => s.updateProfile(r.id, actor, { [field]: value })),
      actor === CLERK || Lifecycle.FINAL.has(m.status) ? true : undefined
    )
  })

const submit = cmd("submit", async (m, r) => {
  await attempt(
    r,
    "submit",
    Effect.flatMap(service, (s) => s.submitVerification(r.id, OWNER)),
    Lifecycle.FINAL.has(m.status) ? true : undefined
  )
})

const providerAnswer = (kind: "identity" | "document", outcome: string) =>
  cmd(`provider(${kind}, ${outcome})`, async (_m, r) => {
    const a = await account(r)
    const c = a.cases.find((x) => x.kind === kind)!
    const legal = c.status === "pending"
    const o =
      outcome === "verified"
        ? { _tag: "verified" }
        : { _tag: "rejected", code: "verification_failed_other", reason: "no match" }
    await attempt(
      r,
      "provider",
      Effect.flatMap(service, (s) => s.verificationResult(r.id, c.id, o)),
      !legal
    )
  })

const review = (kind: "identity" | "document", approve: boolean) =>
  cmd(`review(${kind}, ${approve})`, async (_m, r) => {
    const a = await account(r)
    const c = a.cases.find((x) => x.kind === kind)!
    await attempt(
      r,
      "review",
      Effect.flatMap(service, (s) => s.review(r.id, OPERATOR, c.id, { approve })),
      c.status !== "manual_review"
    )
  })

const lifecycle = (command: Lifecycle.Command, who: "operator" | "owner" | "clerk", balance: boolean) =>
  cmd(`${who}:${command}${balance ? " (balance)" : ""}`, async (m, r) => {
    const actor = who === "operator" ? OPERATOR : who === "owner" ? OWNER : CLERK
    if (balance) {
      await run(
        r,
        Effect.flatMap(ClosureCheck.MemoryStanding, (s) => s.set(r.id, { balances: [], openDisputes: 1 }))
      )
    }
    const table = who === "clerk" ? false : Result.isSuccess(Lifecycle.transition(m.status, command, who))
    const legal = table && !(command === "close" && balance)
    await attempt(
      r,
      "lifecycle",
      Effect.flatMap(service, (s) => s.transition(r.id, actor, command)),
      !legal
    )
    if (balance) {
      await run(
        r,
        Effect.flatMap(ClosureCheck.MemoryStanding, (s) => s.set(r.id, { balances: [], openDisputes: 0 }))
      )
    }
  })

const badInput = (patch: Record<string, unknown>) =>
  cmd(`bad(${JSON.stringify(patch)})`, async (_m, r) => {
    const out = await attempt(
      r,
      "bad",
      Effect.flatMap(service, (s) => s.updateProfile(r.id, OWNER, patch)),
      true
    )
    if (Result.isFailure(out))
      expect(out.failure._tag === "InvalidInput" || out.failure._tag === "IllegalTransition").toBe(true)
  })

/** Provides fresh verifying values and submits, as the owner only: no operator involved. */
const satisfy = cmd("satisfy", async (m, r) => {
  const before = (await account(r)).status
  m.counter++
  const n = `${m.counter}`.padStart(4, "0")
  const ok = !Lifecycle.FINAL.has(before)
  await attempt(
    r,
    "satisfy",
    Effect.flatMap(service, (s) =>
      s.updateProfile(r.id, OWNER, {
        idNumber: `98765${n}`,
        idDocument: `file_ok_${n}`,
        bankAccount: { country: "DE", currency: "EUR", accountNumber: `DE8937040044053201${n}` }
      })
    ),
    !ok
  )
  await attempt(
    r,
    "satisfy",
    Effect.flatMap(service, (s) => s.submitVerification(r.id, OWNER)),
    !ok
  )
  if (before === "pending" || Lifecycle.isOperating(before)) {
    const a = await account(r)
    const t = await now(r)
    count("satisfied")
    count(`satisfied from ${before}`)
    expect(a.status).toBe("active")
    expect(Requirements.canPayout(Requirements.defaultPolicy, a, t)).toBe(true)
    expect(Requirements.evaluate(Requirements.defaultPolicy, a, t).requirements.pastDue).toEqual([])
  }
})

const commands = fc.commands(
  [
    fc.integer({ min: 1, max: 20 }).map((d) => tick(d * DAY)),
    fc.integer({ min: 1, max: 3_600_000 }).map(tick),
    fc.constant(refresh),
    fc.integer({ min: 0, max: 1_200_000 }).map(volume),
    fc
      .tuple(fc.constantFrom(...idNumbers), fc.constantFrom(OWNER, CLERK))
      .map(([v, a]) => provide("idNumber", v, a)),
    fc.constantFrom(...documents).map((v) => provide("idDocument", v, OWNER)),
    fc.constant(submit),
    fc.constantFrom(...idNumbers).map((v) =>
      cmd(`provide+submit(${v})`, async (m, r) => {
        await provide("idNumber", v, OWNER).run(m, r)
        await submit.run(m, r)
      })
    ),
    fc
      .tuple(
        fc.constantFrom("identity" as const, "document" as const),
        fc.constantFrom("verified", "rejected")
      )
      .map(([k, o]) => providerAnswer(k, o)),
    fc
      .tuple(fc.constantFrom("identity" as const, "document" as const), fc.boolean())
      .map(([k, a]) => review(k, a)),
    fc
      .tuple(
        fc.constantFrom(...Lifecycle.Command.literals),
        fc.constantFrom("operator" as const, "owner" as const, "clerk" as const),
        fc.boolean()
      )
      .map(([c, w, b]) => lifecycle(c, w, b)),
    fc
      .constantFrom<Record<string, unknown>>(
        { email: "not-an-email" },
        { phone: "0301234567" },
        { address: { line1: "x", city: "y", postalCode: "1", country: "XX" } },
        { firstName: "x".repeat(101) },
        { taxId: "123" },
        { role: "administrator" }
      )
      .map(badInput),
    fc.constant(satisfy)
  ],
  { maxCommands: 40, size: "+1" }
)

describe("account lifecycle and requirements (model-based)", () => {
  it(`${NUM_RUNS} random command sequences keep every invariant`, { timeout: 120_000 }, async () => {
    stats.clear()
    await fc.assert(
      fc.asyncProperty(fc.boolean(), commands, async (withClerk, cmds) => {
        const rt: Runtime = ManagedRuntime.make(Fixtures.layer())
        try {
          const id = await rt.runPromise(
            Effect.gen(function* () {
              yield* TestClock.setTime(T0)
              const s = yield* Accounts.Accounts
              const a: Account.Account = yield* s.register(
                Fixtures.individual({ person: { ...Fixtures.individual().person, idNumber: "444444444" } })
              )
              if (withClerk) yield* s.invite(a.id, OWNER, { id: CLERK.id, roles: ["analyst"] })
              return a.id
            })
          )
          const real = { rt, id }
          const model: Model = { status: "pending", counter: 0 }
          await check(real, model)
          await fc.asyncModelRun(() => ({ model, real }), cmds)
        } finally {
          await rt.dispose()
        }
      }),
      { numRuns: NUM_RUNS }
    )
    // the generators reach the interesting paths
    for (const key of [
      "payouts past due",
      "threshold past due",
      "status:restricted",
      "status:active",
      "status:suspended",
      "status:closed",
      "can pay out",
      "satisfied",
      "satisfied from restricted",
      "lifecycle:ok",
      "lifecycle:IllegalTransition",
      "lifecycle:CannotClose",
      "provider:IllegalVerificationStep",
      "review:ok",
      "bad:InvalidInput",
      "provide:PermissionDenied"
    ]) {
      expect(stats.get(key) ?? 0, key).toBeGreaterThan(0)
    }
  })
})
