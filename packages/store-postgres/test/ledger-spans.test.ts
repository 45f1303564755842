import { Ids, Notifier } from "@paykit/core"
import { Tracing } from "@paykit/core/testing"
import { Ledger } from "@paykit/ledger"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { pglite } from "./support/layers.ts"

describe("spans of the PostgreSQL ledger store", () => {
  it("with group commit on, a write's span nests under the caller's (through the Ledger's span), and the group's transaction links to it", async () => {
    const { spans, tracer } = Tracing.recording()
    const live = Ledger.layer().pipe(
      Layer.provideMerge(pglite),
      Layer.provide([Notifier.layerNoop, Ids.layer])
    )
    await Effect.runPromise(
      Effect.gen(function* () {
        const ledger = yield* Ledger.Ledger
        yield* ledger.createAccount({ id: "cash", currency: "USD", code: "asset", normal: "debit" })
        yield* ledger.createAccount({ id: "wallet", currency: "USD", code: "liability", normal: "credit" })
        yield* Effect.withSpan(
          ledger.post({
            id: "t1",
            postings: [{ debit: "cash", credit: "wallet", amount: "5", currency: "USD" }]
          }),
          "caller"
        )
      }).pipe(Effect.provide(live), Effect.withTracer(tracer))
    )
    const caller = spans.find((s) => s.name === "caller")!
    const post = spans.find((s) => s.name === "paykit.ledger.post")!
    const writes = spans.filter((s) => s.name === "paykit.store.ledger.write")
    const write = writes.find((s) => Tracing.parentId(s) === post.spanId)!
    expect(Tracing.parentId(post)).toBe(caller.spanId)
    expect(write).toBeDefined()
    expect(Object.fromEntries(write.attributes)).toMatchObject({
      "paykit.store.commands": 1,
      "paykit.store.path": "group-commit"
    })
    const group = spans.find(
      (s) => s.name === "paykit.store.ledger.group" && s.links.some((l) => l.span.spanId === write.spanId)
    )
    expect(group).toBeDefined()
    expect(Object.fromEntries(group!.attributes)).toMatchObject({ "paykit.store.requests": 1 })
  })
})
