import { Effect, Logger, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { DomainEvent, Ids, Input, Notifier } from "../src/index.ts"

describe("Notifier.layerMemory", () => {
  it("records what was sent, in order, and can be cleared", async () => {
    const e1 = DomainEvent.make({
      id: "01J8ZK5V6Q4W2X3Y4Z5A6B7C8D",
      type: "ledger.entry.posted",
      at: 0,
      subject: "acc",
      data: { n: 1 }
    })
    const e2 = DomainEvent.make({
      id: "01J8ZK5V6Q4W2X3Y4Z5A6B7C8E",
      type: "ledger.hold.created",
      at: 1,
      subject: "acc",
      data: { n: 2 }
    })
    const out = await Effect.runPromise(
      Effect.gen(function* () {
        const notifier = yield* Notifier.Notifier
        const recorded = yield* Notifier.RecordedEvents
        yield* notifier.notify([e1])
        yield* notifier.notify([e2])
        const all = yield* recorded.all
        yield* recorded.clear
        return [all, yield* recorded.all] as const
      }).pipe(Effect.provide(Notifier.layerMemory))
    )
    expect(out[0]).toEqual([e1, e2])
    expect(out[1]).toEqual([])
    expect(Schema.is(DomainEvent.DomainEvent)(e1)).toBe(true)
    expect(e1.occurredAt).toBe("1970-01-01T00:00:00.000Z")
  })
})

describe("Input.decode", () => {
  const decode = Input.decode(
    "openAccount",
    Schema.Struct({ owner: Schema.Struct({ email: Schema.String }), limit: Schema.Number })
  )
  it("names the field and the reason, and rejects unknown fields", async () => {
    const e = await Effect.runPromise(Effect.flip(decode({ owner: { email: 5 }, limit: 1 })))
    expect(e._tag).toBe("InvalidInput")
    expect(e.path).toBe("owner.email")
    expect(e.message).toContain("owner.email")
    const extra = await Effect.runPromise(
      Effect.flip(decode({ owner: { email: "a" }, limit: 1, admin: true }))
    )
    expect(extra.path).toBe("admin")
    const garbage = await Effect.runPromise(Effect.flip(decode("garbage")))
    expect(garbage.reason).toContain("Expected object")
  })

  it("reads nothing until the effect runs, and input that throws while read is InvalidInput, not an exception", async () => {
    let reads = 0
    const watched = {
      get owner() {
        reads++
        return { email: "a" }
      },
      limit: 1
    }
    const program = decode(watched)
    expect(reads).toBe(0)
    await Effect.runPromise(program)
    expect(reads).toBeGreaterThan(0)
    const throwing = Object.defineProperty({ limit: 1 }, "owner", {
      enumerable: true,
      get() {
        throw new Error("boom")
      }
    })
    const trap = new Proxy(
      {},
      {
        get() {
          throw new Error("trap")
        },
        ownKeys() {
          throw new Error("trap")
        },
        has() {
          throw new Error("trap")
        },
        getOwnPropertyDescriptor() {
          throw new Error("trap")
        }
      }
    )
    for (const input of [throwing, trap]) {
      const e = await Effect.runPromise(Effect.flip(decode(input)))
      expect(e._tag).toBe("InvalidInput")
      expect(e.reason).toMatch(/could not be read|Expected/)
    }
    // and the decoder still works afterwards
    expect(await Effect.runPromise(decode({ owner: { email: "b" }, limit: 2 }))).toEqual({
      owner: { email: "b" },
      limit: 2
    })
  })
})

describe("Input.isStorableText and Input.storableText", () => {
  it("refuse a NUL and a lone surrogate anywhere, and keep every other string (pairs, emoji, CJK, control characters)", async () => {
    for (const bad of ["\u0000", "a\u0000", "\ud800", "x\udbff", "\udc00y", "\udc00\ud800", "ok \ud83d"]) {
      expect([bad, Input.isStorableText(bad)]).toEqual([bad, false])
    }
    for (const good of [
      "",
      "café ☕",
      "😀",
      "\ud83d\ude00 pair",
      "充值卡",
      "tab\tnew\nline\u0001",
      "\uffff"
    ]) {
      expect([good, Input.isStorableText(good)]).toEqual([good, true])
    }
    const decode = Input.decode("note", Schema.Struct({ text: Schema.String.check(Input.storableText) }))
    const e = await Effect.runPromise(Effect.flip(decode({ text: "a\u0000b" })))
    expect([e._tag, e.path]).toEqual(["InvalidInput", "text"])
    expect(await Effect.runPromise(decode({ text: "充值卡 😀" }))).toEqual({ text: "充值卡 😀" })
  })
})

describe("DomainEvent.envelopes and Notifier.afterCommit", () => {
  it("envelopes take ids from Ids and the time from the draft or the Clock; afterCommit delivers in order and logs a failure instead of failing", async () => {
    const events = await Effect.runPromise(
      DomainEvent.envelopes([
        { type: "fx.quote.locked", subject: "q1", data: { n: 1 } },
        { type: "fx.quote.executed", subject: "q1", data: { n: 2 }, at: 1_000 }
      ]).pipe(Effect.provide(Ids.layerSeeded(5)))
    )
    expect(events.map((e) => [e.type, e.subject])).toEqual([
      ["fx.quote.locked", "q1"],
      ["fx.quote.executed", "q1"]
    ])
    // the first from the Clock (real time here), the second from its draft
    expect(Date.parse(events[0]!.occurredAt)).toBeGreaterThan(Date.parse("2026-01-01T00:00:00Z"))
    expect(events[1]!.occurredAt).toBe("1970-01-01T00:00:01.000Z")
    expect(new Set(events.map((e) => e.id)).size).toBe(2)
    expect(events.every((e) => Schema.is(DomainEvent.DomainEvent)(e))).toBe(true)
    const delivered = await Effect.runPromise(
      Effect.gen(function* () {
        const notifier = yield* Notifier.Notifier
        yield* Notifier.afterCommit(notifier, events, "test")
        return yield* (yield* Notifier.RecordedEvents).all
      }).pipe(Effect.provide(Notifier.layerMemory))
    )
    expect(delivered).toEqual(events)
    const failing = Notifier.Notifier.of({
      notify: () => Effect.fail(new Notifier.NotifyFailed({ reason: "down" }))
    })
    const logs: Array<string> = []
    const logger = Logger.make<unknown, void>(({ message }) => {
      logs.push(String(message))
    })
    await Effect.runPromise(
      Notifier.afterCommit(failing, events, "test").pipe(Effect.provide(Logger.layer([logger])))
    )
    expect(logs.join("\n")).toContain("test: the change is committed but its events were not delivered: down")
  })
})
