import { Tracing } from "@paykit/core/testing"
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { Fx } from "../src/index.ts"
import { fxLayer, workedSchedule } from "./helpers.ts"

/** Runs `program` inside a `caller` span; returns its exit, the caller's span and the spans named `name`. */
const traced = async <A, E>(program: Effect.Effect<A, E, Fx.Fx>, name: string) => {
  const { spans, tracer } = Tracing.recording()
  const layer = fxLayer(workedSchedule, [{ base: "USD", quote: "EUR", rate: "0.92", asOf: 0 }])
  const exit = await Effect.runPromiseExit(
    program.pipe(Effect.withSpan("caller"), Effect.provide(layer), Effect.withTracer(tracer))
  )
  return {
    exit,
    caller: spans.find((s) => s.name === "caller")!,
    named: spans.filter((s) => s.name === name)
  }
}

const send: typeof Fx.QuoteRequest.Encoded = {
  direction: "send",
  source: "USD",
  target: "EUR",
  amount: "100000"
}

describe("Fx spans", () => {
  it("quote and execute run in paykit.fx.quote and paykit.fx.execute under the caller's span, with the quote id only", async () => {
    const quote = await traced(
      Effect.flatMap(Fx.Fx, (fx) => fx.quote(send)),
      "paykit.fx.quote"
    )
    expect(Exit.isSuccess(quote.exit)).toBe(true)
    const id = Exit.isSuccess(quote.exit) ? quote.exit.value.id : ""
    expect(quote.named).toHaveLength(1)
    expect(Tracing.parentId(quote.named[0]!)).toBe(quote.caller.spanId)
    expect(Object.fromEntries(quote.named[0]!.attributes)).toEqual({ "paykit.fx.quote_id": id })

    const execute = await traced(
      Effect.flatMap(Fx.Fx, (fx) => Effect.flatMap(fx.quote(send), (q) => fx.execute(q.id))),
      "paykit.fx.execute"
    )
    expect(Exit.isSuccess(execute.exit)).toBe(true)
    expect(Tracing.parentId(execute.named[0]!)).toBe(execute.caller.spanId)
    expect(execute.named[0]!.attributes.get("paykit.fx.quote_id")).toBe(id)
    expect(Tracing.failed(execute.named[0]!)).toBe(false)
  })

  it("a failed execute ends its span with the typed failure", async () => {
    const { exit, named } = await traced(
      Effect.flatMap(Fx.Fx, (fx) => fx.execute("no-such-quote")),
      "paykit.fx.execute"
    )
    expect(Exit.isFailure(exit)).toBe(true)
    expect(named[0]!.attributes.get("paykit.fx.quote_id")).toBe("no-such-quote")
    expect(Tracing.failed(named[0]!)).toBe(true)
    expect(Tracing.failureTag(named[0]!)).toBe("QuoteNotFound")
  })

  it("hostile input (a throwing getter) gives an ended span with InvalidInput and no ids, without throwing", async () => {
    const hostile = {
      get amount(): string {
        throw new Error("boom")
      }
    }
    const { exit, named } = await traced(
      Effect.flatMap(Fx.Fx, (fx) => Effect.flip(fx.quote(hostile as never))),
      "paykit.fx.quote"
    )
    expect(Exit.isSuccess(exit) && exit.value._tag).toBe("InvalidInput")
    expect(named[0]!.attributes.size).toBe(0)
    expect(Tracing.failed(named[0]!)).toBe(true)
  })
})
