import { Accounts, AccountStore, ClosureCheck, KeyStore, VerificationProvider } from "@paykit/accounts"
import { Fixtures } from "@paykit/accounts/testing"
import { type DomainEvent, Ids, Notifier } from "@paykit/core"
import { Fx, QuoteStore, RateProvider, Schedule } from "@paykit/fx"
import { Attributes, Risk, RuleSet, RuleSets, VelocityStore } from "@paykit/risk"
import { Clock, Duration, Effect, Layer } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import { type Backend, type OutboxRow, outboxRows, perSubject, relayAll } from "./events-stores.ts"

const T0 = Date.UTC(2026, 5, 1, 12)
const DAY = 86_400_000
const OPERATOR = { kind: "operator", id: "ops-1" } as const

/**
 * The scenarios' clock: set by hand, sleeping in real time. (A `TestClock` under the server
 * layer would also hold the pool's own timers until the test clock moves.)
 */
let now = T0
const manualClock: Clock.Clock = {
  currentTimeMillisUnsafe: () => now,
  currentTimeMillis: Effect.sync(() => now),
  currentTimeNanosUnsafe: () => BigInt(now) * 1_000_000n,
  currentTimeNanos: Effect.sync(() => BigInt(now) * 1_000_000n),
  monotonicTimeNanosUnsafe: () => process.hrtime.bigint(),
  monotonicTimeNanos: Effect.sync(() => process.hrtime.bigint()),
  sleep: (d) =>
    Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, Duration.toMillis(d))))
}
const setTime = (t: number) =>
  Effect.sync(() => {
    now = t
  })
const adjust = (ms: number) =>
  Effect.sync(() => {
    now += ms
  })

/** Registrations, a profile update, a verification, a withdrawal and erasure, a legal hold, a sweep, a refused registration. */
const accountsScenario = Effect.gen(function* () {
  yield* setTime(T0)
  const s = yield* Accounts.Accounts
  const ann = yield* s.register(
    Fixtures.individual({ email: "ann@example.com", owner: { userId: "user-ann" } })
  )
  yield* s.updateProfile(ann.id, { kind: "member", id: "user-ann" }, { phone: "+4915100000007" })
  yield* s.submitVerification(ann.id, { kind: "member", id: "user-ann" })
  const bob = yield* s.register(
    Fixtures.individual({ email: "bob@example.com", owner: { userId: "user-bob" } })
  )
  yield* s.transition(bob.id, OPERATOR, "withdraw")
  yield* s.erase(bob.id, OPERATOR)
  const firm = yield* s.register(Fixtures.business({ email: "ops@acme.example" }))
  const rep = firm.persons.find((p) => p.role === "representative")!.id
  yield* s.transition(firm.id, OPERATOR, "withdraw")
  yield* s.placeLegalHold({ subject: rep, basis: "litigation", until: T0 + DAY })
  yield* s.erase(rep, OPERATOR)
  yield* setTime(T0 + DAY)
  yield* s.sweep
  // refused: the email is taken
  yield* Effect.flip(
    s.register(Fixtures.individual({ email: "ann@example.com", owner: { userId: "user-x" } }))
  )
})

const accountsDeps = Layer.mergeAll(
  KeyStore.layerMemory,
  VerificationProvider.layerMemory,
  ClosureCheck.layerMemory,
  Ids.layerSeeded(5)
)

const fxSchedule = Schedule.makeUnsafe({
  corridors: [
    { source: "USD", target: "EUR", spreadBps: 50, fixedFee: "299", feeMode: "on-top", charges: "SHA" },
    { source: "USD", target: "GBP", spreadBps: 40, fixedFee: "500", feeMode: "deducted", charges: "OUR" }
  ]
})

/** Quotes, executions, a second execution (refused), an execution after expiry (refused), an unknown id. */
const fxScenario = Effect.gen(function* () {
  yield* setTime(T0)
  const fx = yield* Fx.Fx
  const send = (amount: string, target = "EUR") => ({
    direction: "send" as const,
    source: "USD",
    target,
    amount
  })
  const a = yield* fx.quote(send("100000"))
  const b = yield* fx.quote(send("5000", "GBP"))
  const c = yield* fx.quote({ ...send("777"), lockForMillis: 1_000 })
  yield* fx.execute(a.id)
  yield* Effect.flip(fx.execute(a.id))
  yield* adjust(2_000)
  yield* Effect.flip(fx.execute(c.id))
  yield* fx.execute(b.id)
  yield* Effect.flip(fx.execute("01J0000000000000000000NONE"))
})

const fxService = Fx.layer({
  schedule: fxSchedule,
  maxRateAge: "1 hour",
  maxReferenceAge: "4 days",
  lockFor: "30 minutes"
})
const fxDeps = Layer.mergeAll(
  RateProvider.layerReferenceFromRateProvider.pipe(
    Layer.provideMerge(
      RateProvider.layerMemory([
        { base: "USD", quote: "EUR", rate: "0.92", asOf: T0 },
        { base: "USD", quote: "GBP", rate: "0.79", asOf: T0 }
      ])
    )
  ),
  Ids.layerSeeded(6)
)

const payment = (id: string, amount: string, extra: Record<string, unknown> = {}) => ({
  payment: {
    id,
    amount: { amount, currency: "USD" },
    customerId: "cus_1",
    cardFingerprint: "fp_1",
    ip: "192.0.2.1",
    cardCountry: "US",
    ipCountry: "US",
    ...extra
  }
})

/** Card testing on one customer (alerts, a block, declines, a freeze), another customer, a payment without customer. */
const riskScenario = Effect.gen(function* () {
  yield* setTime(T0)
  const risk = yield* Risk.Risk
  for (let i = 0; i < 6; i++) {
    yield* risk.assess(payment(`p${i}`, "100"))
    yield* adjust(5_000)
  }
  // the issuer declined three of the approved ones (recorded under their payment ids)
  for (const id of ["p1", "p2", "p3"])
    yield* risk.record({ id, at: T0 + 40_000, amountRef: "100", declined: true, card: "fp_1" })
  yield* adjust(60_000)
  yield* risk.assess(payment("p9", "100"))
  yield* risk.assess(
    payment("q1", "250000", { customerId: "cus_2", cardFingerprint: "fp_2", ipCountry: "KP" })
  )
  const { customerId: _, ...anonymous } = payment("anon1", "100", { cardFingerprint: "fp_9" }).payment
  yield* risk.assess({ payment: anonymous })
})

const riskService = Risk.layer({
  ruleSet: RuleSet.makeUnsafe(Attributes.standard, { rules: RuleSets.all }),
  lists: { blocked_countries: ["KP"] }
})

/**
 * Runs `scenario` on `stack` over the memory store (its events recorded by `Notifier.layerMemory`)
 * and over the PostgreSQL store (the outbox rows, then what the relay delivers).
 */
const runBoth = async <R, S>(
  scenario: Effect.Effect<unknown, unknown, R>,
  stack: (store: Layer.Layer<S, unknown>) => Layer.Layer<never, unknown>,
  memoryStore: Layer.Layer<S, never, Notifier.Notifier>,
  postgresStore: Layer.Layer<S | SqlClient.SqlClient, unknown>
) => {
  const timed = Effect.provideService(scenario, Clock.Clock, manualClock)
  const memory = await Effect.runPromise(
    Effect.andThen(
      timed,
      Effect.flatMap(Notifier.RecordedEvents, (r) => r.all)
    ).pipe(
      Effect.provide(stack(memoryStore.pipe(Layer.provideMerge(Notifier.layerMemory))))
    ) as Effect.Effect<ReadonlyArray<DomainEvent.DomainEvent>>
  )
  const postgres = await Effect.runPromise(
    Effect.gen(function* () {
      yield* timed
      const rows = yield* outboxRows
      const delivered = yield* relayAll(7)
      return { rows, delivered }
    }).pipe(Effect.provide(stack(postgresStore))) as unknown as Effect.Effect<{
      rows: ReadonlyArray<OutboxRow>
      delivered: ReadonlyArray<DomainEvent.DomainEvent>
    }>
  )
  expectSameDelivery(memory, postgres)
  return memory
}

/** Same delivery: the same events (ids, types, subjects, data), in the same order per subject. */
const expectSameDelivery = (
  memory: ReadonlyArray<DomainEvent.DomainEvent>,
  postgres: {
    rows: ReadonlyArray<{ readonly events: ReadonlyArray<DomainEvent.DomainEvent> }>
    delivered: ReadonlyArray<DomainEvent.DomainEvent>
  }
) => {
  expect(memory.length).toBeGreaterThan(3)
  expect(perSubject(postgres.delivered)).toEqual(perSubject(memory))
  // one service run on one fiber: the very same sequence, ids and data included
  expect(postgres.delivered).toEqual(memory)
  expect(postgres.rows.flatMap((r) => r.events)).toEqual(memory)
  expect(new Set(postgres.delivered.map((e) => e.id)).size).toBe(postgres.delivered.length)
}

/**
 * Through the services (`Accounts`, `Fx`, `Risk`) on the PostgreSQL store and the relay, a small
 * scenario delivers exactly the events the memory store delivers.
 */
export const serviceSuite = (backend: Backend): void => {
  describe(`services on ${backend.name} deliver what the memory stores deliver`, () => {
    it("Accounts: registrations, updates, verification, erasure, a legal hold and a sweep", async () => {
      const memory = await runBoth(
        accountsScenario,
        (store) => Accounts.layer().pipe(Layer.provideMerge(Layer.mergeAll(store, accountsDeps))),
        AccountStore.layerMemory,
        backend.accounts()
      )
      expect(new Set(memory.map((e) => e.type))).toContain("accounts.subject.erased")
    })

    it("Fx: quotes locked and executed; refused executions emit nothing", async () => {
      const memory = await runBoth(
        fxScenario,
        (store) => fxService.pipe(Layer.provideMerge(Layer.mergeAll(store, fxDeps))),
        QuoteStore.layerMemory,
        backend.quotes()
      )
      expect(memory.map((e) => e.type)).toEqual([
        "fx.quote.locked",
        "fx.quote.locked",
        "fx.quote.locked",
        "fx.quote.executed",
        "fx.quote.executed"
      ])
    })

    it("Risk: alerts and a freeze recommendation ride on the velocity records", async () => {
      const memory = await runBoth(
        riskScenario,
        (store) => riskService.pipe(Layer.provideMerge(Layer.mergeAll(store, Ids.layerSeeded(7)))),
        VelocityStore.layerMemory,
        backend.velocity()
      )
      expect(new Set(memory.map((e) => e.type))).toEqual(
        new Set(["risk.alert.raised", "risk.freeze.recommended"])
      )
    })
  })
}
