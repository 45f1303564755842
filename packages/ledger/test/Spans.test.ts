import { Tracing } from "@paykit/core/testing"
import { Ids, Notifier } from "@paykit/core"
import { Ledger } from "@paykit/ledger"
import { Effect, Exit, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { cashAndWallet, transfer } from "./support/commands.ts"

const book = Ledger.layerMemory().pipe(Layer.provide([Notifier.layerMemory, Ids.layerSeeded(7)]))

/** Runs `program` inside a `caller` span on a fresh book; returns its exit and the spans it made. */
const traced = async <A, E>(program: Effect.Effect<A, E, Ledger.Ledger>) => {
  const { spans, tracer } = Tracing.recording()
  const exit = await Effect.runPromiseExit(
    program.pipe(Effect.withSpan("caller"), Effect.provide(book), Effect.withTracer(tracer))
  )
  const caller = spans.find((s) => s.name === "caller")!
  const named = (name: string) => spans.filter((s) => s.name === name)
  return { exit, spans, caller, named }
}

const opened = Effect.flatMap(Ledger.Ledger, (ledger) =>
  Effect.as(ledger.executeResults(cashAndWallet), ledger)
)

const hold = (id: string) => ({
  id,
  debit: "wallet",
  credit: "cash",
  amount: "10",
  currency: "USD",
  timeoutMs: 60_000
})

describe("Ledger spans", () => {
  it("post runs in paykit.ledger.post, a child of the caller's span, with the entry id and the postings count", async () => {
    const { exit, caller, named } = await traced(
      Effect.flatMap(opened, (ledger) =>
        ledger.post({
          id: "t1",
          postings: [{ debit: "cash", credit: "wallet", amount: "500", currency: "USD" }]
        })
      )
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    const [span] = named("paykit.ledger.post")
    expect(span).toBeDefined()
    expect(Tracing.parentId(span!)).toBe(caller.spanId)
    expect(span!.traceId).toBe(caller.traceId)
    expect(Object.fromEntries(span!.attributes)).toEqual({
      "paykit.ledger.entry_id": "t1",
      "paykit.ledger.postings": 1
    })
    expect(span!.status._tag === "Ended" && Exit.isSuccess(span!.status.exit)).toBe(true)
  })

  it("every operation of the service has its span under the caller's, with ids and counts only", async () => {
    let operations: ReadonlyArray<string> = []
    const { exit, spans, caller } = await traced(
      Effect.gen(function* () {
        const ledger = yield* opened
        operations = Object.keys(ledger)
        yield* ledger.createAccount({ id: "fees", currency: "USD", code: "revenue", normal: "credit" })
        yield* ledger.post({
          id: "t1",
          postings: [{ debit: "cash", credit: "wallet", amount: "500", currency: "USD" }]
        })
        yield* ledger.hold(hold("h1"))
        yield* ledger.postHold({ id: "p1", holdId: "h1" })
        yield* ledger.hold(hold("h2"))
        yield* ledger.voidHold({ id: "v2", holdId: "h2" })
        yield* ledger.post({
          id: "t2",
          postings: [{ debit: "cash", credit: "wallet", amount: "100", currency: "USD" }]
        })
        yield* ledger.reverse({ id: "r2", entryId: "t2" })
        yield* ledger.executeResults([
          {
            _tag: "Transfer",
            id: "e1",
            postings: [{ debit: "cash", credit: "wallet", amount: "1", currency: "USD" }]
          }
        ])
        yield* ledger.executeSummary([transfer("s1", "cash", "wallet", 1n)])
        yield* ledger.expireHolds
        yield* ledger.getAccount("cash")
        yield* ledger.balances("wallet")
        yield* ledger.getEntry("t1")
        yield* ledger.getHold("h1")
        yield* ledger.balanceAsOf({ accountId: "cash", at: 0 })
        yield* ledger.history({ accountId: "wallet" })
        yield* ledger.closeAccount({ accountId: "fees" })
      })
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    const ours = spans.filter((s) => s.name.startsWith("paykit.ledger."))
    expect(operations.length).toBe(16)
    expect(new Set(ours.map((s) => s.name))).toEqual(new Set(operations.map((o) => `paykit.ledger.${o}`)))
    for (const s of ours) {
      expect(Tracing.parentId(s), s.name).toBe(caller.spanId)
      for (const [key, value] of s.attributes) {
        expect(key, s.name).toMatch(/^paykit\.ledger\.[a-z_]+$/)
        expect(typeof value === "string" || Number.isInteger(value), `${s.name} ${key}`).toBe(true)
      }
    }
    const attributes = (name: string) =>
      Object.fromEntries(ours.find((s) => s.name === `paykit.ledger.${name}`)!.attributes)
    expect(attributes("postHold")).toEqual({ "paykit.ledger.entry_id": "p1", "paykit.ledger.hold_id": "h1" })
    expect(attributes("reverse")).toEqual({
      "paykit.ledger.entry_id": "r2",
      "paykit.ledger.reversed_entry_id": "t2"
    })
    // the first batch: the opening of cash and wallet
    expect(attributes("executeResults")).toEqual({
      "paykit.ledger.commands": 2,
      "paykit.ledger.applied": 2,
      "paykit.ledger.replayed": 0,
      "paykit.ledger.failed": 0
    })
    expect(attributes("getAccount")).toEqual({ "paykit.ledger.account_id": "cash" })
    expect(attributes("history")["paykit.ledger.entries"]).toBeGreaterThan(0)
  })

  it("executeSummary makes one span per batch (none per command) with the batch's counts", async () => {
    const batch = [
      transfer("a1", "cash", "wallet", 5n),
      transfer("a2", "wallet", "cash", 1_000n), // ExceedsCredits
      transfer("a1", "cash", "wallet", 5n) // replay
    ]
    const { exit, spans, named } = await traced(
      Effect.flatMap(opened, (ledger) => ledger.executeSummary(batch))
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    const summary = named("paykit.ledger.executeSummary")
    expect(summary).toHaveLength(1)
    // the caller, the opening batch and the summary: nothing per command
    expect(spans.map((s) => s.name).sort()).toEqual(
      ["caller", "paykit.ledger.executeSummary", "paykit.ledger.executeResults"].sort()
    )
    expect(Object.fromEntries(summary[0]!.attributes)).toEqual({
      "paykit.ledger.commands": 3,
      "paykit.ledger.applied": 1,
      "paykit.ledger.replayed": 1,
      "paykit.ledger.failed": 1
    })
  })

  it("a failed call ends its span with the typed failure", async () => {
    const { exit, named } = await traced(Effect.flatMap(Ledger.Ledger, (l) => l.getAccount("nobody")))
    expect(Exit.isFailure(exit)).toBe(true)
    const [span] = named("paykit.ledger.getAccount")
    expect(span!.attributes.get("paykit.ledger.account_id")).toBe("nobody")
    expect(Tracing.failureTag(span!)).toBe("AccountNotFound")
  })

  it("hostile input (a throwing getter) gives an ended span with InvalidInput and no ids, without throwing", async () => {
    const hostile = {
      get id(): string {
        throw new Error("boom")
      }
    }
    const { exit, named } = await traced(
      Effect.gen(function* () {
        const ledger = yield* Ledger.Ledger
        const post = yield* Effect.flip(ledger.post(hostile as never))
        const batch = yield* Effect.flip(ledger.executeSummary(hostile as never))
        return [post._tag, batch._tag]
      })
    )
    expect(exit).toEqual(Exit.succeed(["InvalidInput", "InvalidInput"]))
    for (const name of ["paykit.ledger.post", "paykit.ledger.executeSummary"]) {
      const [span] = named(name)
      expect(span!.attributes.size, name).toBe(0)
      expect(span!.status._tag === "Ended" && Exit.isFailure(span!.status.exit), name).toBe(true)
    }
  })
})
