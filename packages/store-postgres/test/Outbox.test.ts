import { type DomainEvent, Notifier } from "@paykit/core"
import { type Command, LedgerStore } from "@paykit/ledger"
import { Effect, Layer, ManagedRuntime, Metric, Ref } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import { afterAll, describe, expect, it } from "vitest"
import * as Metrics from "../src/Metrics.ts"
import * as Outbox from "../src/Outbox.ts"
import { serverUrl } from "./support/env.ts"
import { pglite, server } from "./support/layers.ts"

const setup: ReadonlyArray<Command.Command> = [
  { _tag: "CreateAccount", id: "cash", currency: "USD", code: "asset.cash", normal: "debit" },
  { _tag: "CreateAccount", id: "wallet", currency: "USD", code: "liability.wallet", normal: "credit" }
]
const fund = (id: string): Command.Command => ({
  _tag: "Transfer",
  id,
  postings: [{ debit: "cash", credit: "wallet", amount: 10n, currency: "USD" }]
})

let seed = 0
const write = (commands: ReadonlyArray<Command.Command>) =>
  Effect.flatMap(LedgerStore.LedgerStore, (s) =>
    s.write({
      commands,
      mode: "independent",
      now: 1_000,
      eventIdSeed: `01J0000000000000000000${String(seed++).padStart(4, "0")}`
    })
  )

const suite = (name: string, layer: Layer.Layer<LedgerStore.LedgerStore | SqlClient.SqlClient, unknown>) => {
  describe(`Outbox metrics on ${name}`, () => {
    const runtime = ManagedRuntime.make(Layer.merge(layer, Notifier.layerMemory))
    afterAll(() => runtime.dispose())

    it("metrics: write durations and group sizes of the ledger store, pool waits, delivered events and the outbox lag", async () => {
      const writes = Metric.withAttributes(Metrics.writeDuration, { "paykit.store": "ledger" })
      const groups = Metric.withAttributes(Metrics.groupSize, { "paykit.store": "ledger" })
      const counts = Effect.all({
        writes: Effect.map(Metric.value(writes), (s) => s.count),
        groups: Effect.map(Metric.value(groups), (s) => s.count),
        waits: Effect.map(Metric.value(Metrics.poolWait), (s) => s.count),
        delivered: Effect.map(Metric.value(Metrics.outboxDelivered), (s) => Number(s.count))
      })
      const [before, after, lag] = await runtime.runPromise(
        Effect.gen(function* () {
          const relay = yield* Outbox.makeRelay({ batchSize: 100 })
          yield* write(setup)
          yield* relay.drain
          const before = yield* counts
          yield* Effect.all([write([fund("m1")]), write([fund("m2")]), write([fund("m3")])], {
            concurrency: "unbounded"
          })
          yield* relay.drain
          const after = yield* counts
          const lag = (yield* Metric.value(Metrics.outboxLag)).value
          yield* relay.release
          return [before, after, lag] as const
        })
      )
      expect(after.writes - before.writes).toBe(3)
      // three concurrent writes: decided in one to three groups, each after waiting for a connection
      expect(after.groups - before.groups).toBeGreaterThanOrEqual(1)
      expect(after.groups - before.groups).toBeLessThanOrEqual(3)
      expect(after.waits - before.waits).toBe(after.groups - before.groups)
      expect(after.delivered - before.delivered).toBe(3)
      expect(lag).toBe(0)
    })
  })

  describe(`Outbox relay on ${name}`, () => {
    const runtime = ManagedRuntime.make(Layer.merge(layer, Notifier.layerMemory))
    afterAll(() => runtime.dispose())

    it("hands every event to the Notifier once, in write order, and marks them sent", async () => {
      const events = await runtime.runPromise(
        Effect.gen(function* () {
          yield* write(setup)
          for (let i = 0; i < 5; i++) yield* write([fund(`e${i}`)])
          const relay = yield* Outbox.makeRelay({ batchSize: 3 })
          expect(yield* relay.pending).toBe(7)
          const delivered = yield* relay.drain
          expect(delivered).toBe(7)
          expect(yield* relay.pending).toBe(0)
          expect(yield* relay.drain).toBe(0)
          const store = yield* LedgerStore.LedgerStore
          const dumped = (yield* store.dump).events
          const recorded = yield* Effect.flatMap(Notifier.RecordedEvents, (r) => r.all)
          expect(recorded.map((e) => e.id)).toEqual(dumped.map((e) => e.id))
          yield* relay.release
          return recorded
        })
      )
      expect(events.map((e) => e.type)).toEqual([
        "ledger.account.created",
        "ledger.account.created",
        ...Array.from({ length: 5 }, () => "ledger.entry.posted")
      ])
      expect(events.slice(2).map((e) => e.subject)).toEqual(["e0", "e1", "e2", "e3", "e4"])
    })

    it("delivers at least once: a failed notification is retried with the same events", async () => {
      const seen = await runtime.runPromise(
        Effect.gen(function* () {
          yield* write([fund("f1"), fund("f2")])
          const calls = yield* Ref.make<Array<ReadonlyArray<DomainEvent.DomainEvent>>>([])
          const failing = Notifier.Notifier.of({
            notify: (events) =>
              Ref.modify(calls, (c) => [c.length, [...c, events]]).pipe(
                Effect.flatMap((n) =>
                  n === 0 ? Effect.fail(new Notifier.NotifyFailed({ reason: "endpoint down" })) : Effect.void
                )
              )
          })
          const relay = yield* Outbox.makeRelay({}).pipe(Effect.provideService(Notifier.Notifier, failing))
          const first = yield* Effect.exit(relay.once)
          expect(first._tag).toBe("Failure")
          expect(yield* relay.pending).toBe(2)
          expect((yield* relay.once).delivered).toBe(2)
          expect(yield* relay.pending).toBe(0)
          yield* relay.release
          return yield* Ref.get(calls)
        })
      )
      expect(seen.length).toBe(2)
      expect(seen[0]!.map((e) => e.id)).toEqual(seen[1]!.map((e) => e.id))
    })

    it("one write's events share a row; the Notifier still gets at most batchSize per call, in order", async () => {
      const calls = await runtime.runPromise(
        Effect.gen(function* () {
          yield* write(["h1", "h2", "h3", "h4", "h5"].map(fund))
          const seen = yield* Ref.make<Array<ReadonlyArray<DomainEvent.DomainEvent>>>([])
          const recording = Notifier.Notifier.of({
            notify: (events) => Ref.update(seen, (c) => [...c, events])
          })
          const relay = yield* Outbox.makeRelay({ batchSize: 2 }).pipe(
            Effect.provideService(Notifier.Notifier, recording)
          )
          expect(yield* relay.pending).toBe(5)
          expect(yield* relay.drain).toBe(5)
          expect(yield* relay.pending).toBe(0)
          yield* relay.release
          return yield* Ref.get(seen)
        })
      )
      expect(calls.map((c) => c.length)).toEqual([2, 2, 1])
      expect(calls.flat().map((e) => e.subject)).toEqual(["h1", "h2", "h3", "h4", "h5"])
    })

    it("rows leave in seq order past ten rows (numeric order, not text order)", async () => {
      const subjects = await runtime.runPromise(
        Effect.gen(function* () {
          for (let i = 0; i < 13; i++) yield* write([fund(`k${String(i).padStart(2, "0")}`)])
          const seen = yield* Ref.make<Array<string>>([])
          const recording = Notifier.Notifier.of({
            notify: (events) => Ref.update(seen, (c) => [...c, ...events.map((e) => e.subject)])
          })
          const relay = yield* Outbox.makeRelay({}).pipe(Effect.provideService(Notifier.Notifier, recording))
          expect(yield* relay.drain).toBe(13)
          yield* relay.release
          return yield* Ref.get(seen)
        })
      )
      expect(subjects).toEqual(Array.from({ length: 13 }, (_, i) => `k${String(i).padStart(2, "0")}`))
    })

    it("a relay that lost its lease mid-pass marks nothing; the new holder delivers the rows again", async () => {
      const result = await runtime.runPromise(
        Effect.gen(function* () {
          yield* write(["m1", "m2", "m3"].map(fund))
          const b = yield* Outbox.makeRelay({ lease: "1 minute" })
          const seenByA = yield* Ref.make(0)
          // A's lease lapses during its first notifier call, and B takes over and delivers
          const slow = Notifier.Notifier.of({
            notify: (events) =>
              Effect.gen(function* () {
                const n = yield* Ref.getAndUpdate(seenByA, (c) => c + events.length)
                if (n === 0) {
                  yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 30)))
                  expect((yield* Effect.orDie(b.once)).delivered).toBe(3)
                }
              })
          })
          const a = yield* Outbox.makeRelay({ batchSize: 2, lease: "5 millis" }).pipe(
            Effect.provideService(Notifier.Notifier, slow)
          )
          const passOfA = yield* a.once
          const pending = yield* b.pending
          yield* b.release
          return { passOfA, pending, seenByA: yield* Ref.get(seenByA) }
        })
      )
      expect(result.passOfA).toEqual({ delivered: 0, leased: true })
      expect(result.seenByA).toBe(2)
      expect(result.pending).toBe(0)
    })

    it("one relay at a time: a second relay waits while the first holds the lease", async () => {
      await runtime.runPromise(
        Effect.gen(function* () {
          yield* write([fund("g1")])
          const a = yield* Outbox.makeRelay({ lease: "1 minute" })
          const b = yield* Outbox.makeRelay({ lease: "1 minute" })
          expect((yield* a.once).delivered).toBe(1)
          yield* write([fund("g2")])
          expect(yield* b.once).toEqual({ delivered: 0, leased: true })
          expect((yield* a.once).delivered).toBe(1)
          yield* a.release
          yield* write([fund("g3")])
          expect((yield* b.once).delivered).toBe(1)
          yield* b.release
        })
      )
    })
  })
}

suite("PGlite", pglite)
describe.skipIf(serverUrl === undefined)("PostgreSQL", () => {
  suite("PostgreSQL", server("outbox"))
})
