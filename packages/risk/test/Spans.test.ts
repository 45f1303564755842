import { Tracing } from "@paykit/core/testing"
import { Ids, Notifier } from "@paykit/core"
import { Effect, Exit, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { Attributes, Risk, RuleSet, RuleSets, VelocityStore } from "../src/index.ts"

const layer = Risk.layer({
  ruleSet: RuleSet.makeUnsafe(Attributes.standard, { rules: RuleSets.all }),
  lists: { blocked_countries: ["KP"] }
}).pipe(Layer.provide([VelocityStore.layerMemory, Ids.layerSeeded(3)]), Layer.provide(Notifier.layerMemory))

/** Runs `program` inside a `caller` span; returns its exit, the caller's span and the spans named `name`. */
const traced = async <A, E>(program: Effect.Effect<A, E, Risk.Risk>, name: string) => {
  const { spans, tracer } = Tracing.recording()
  const exit = await Effect.runPromiseExit(
    program.pipe(Effect.withSpan("caller"), Effect.provide(layer), Effect.withTracer(tracer))
  )
  return {
    exit,
    caller: spans.find((s) => s.name === "caller")!,
    named: spans.filter((s) => s.name === name)
  }
}

const payment = (country: string) => ({
  payment: {
    id: "pay_1",
    amount: { amount: "1250", currency: "USD" },
    customerId: "cus_1",
    cardFingerprint: "fp_1",
    ip: "192.0.2.1",
    cardCountry: country,
    ipCountry: country
  }
})

describe("Risk spans", () => {
  it("assess runs in paykit.risk.assess under the caller's span, with the payment id, the outcome and counts only", async () => {
    const { exit, caller, named } = await traced(
      Effect.flatMap(Risk.Risk, (risk) => risk.assess(payment("US"))),
      "paykit.risk.assess"
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    const outcome = Exit.isSuccess(exit) ? exit.value.decision.outcome : undefined
    expect(named).toHaveLength(1)
    expect(Tracing.parentId(named[0]!)).toBe(caller.spanId)
    const attributes = Object.fromEntries(named[0]!.attributes)
    expect(attributes).toMatchObject({ "paykit.risk.payment_id": "pay_1", "paykit.risk.outcome": outcome })
    expect(Object.keys(attributes).sort()).toEqual([
      "paykit.risk.alerts",
      "paykit.risk.hits",
      "paykit.risk.outcome",
      "paykit.risk.payment_id"
    ])
    // no customer, card, ip or amount on the span
    expect(JSON.stringify(attributes)).not.toMatch(/cus_1|fp_1|192\.0\.2\.1|1250/)
  })

  it("record runs in paykit.risk.record under the caller's span, with the payment id", async () => {
    const { exit, caller, named } = await traced(
      Effect.flatMap(Risk.Risk, (risk) =>
        risk.record({
          id: "pay_2",
          at: 0,
          amountRef: "100",
          declined: true,
          card: "fp_1",
          email: "a@b.example"
        })
      ),
      "paykit.risk.record"
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    expect(Tracing.parentId(named[0]!)).toBe(caller.spanId)
    expect(Object.fromEntries(named[0]!.attributes)).toEqual({ "paykit.risk.payment_id": "pay_2" })
  })

  it("a failed assess ends its span with the typed failure", async () => {
    const { exit, named } = await traced(
      Effect.flatMap(Risk.Risk, (risk) => risk.assess({ payment: { id: "pay_3" } } as never)),
      "paykit.risk.assess"
    )
    expect(Exit.isFailure(exit)).toBe(true)
    expect(Tracing.failed(named[0]!)).toBe(true)
    expect(Tracing.failureTag(named[0]!)).toBe("InvalidInput")
  })

  it("hostile input (a throwing getter) gives an ended span with InvalidInput and no ids, without throwing", async () => {
    const hostile = {
      get payment(): unknown {
        throw new Error("boom")
      }
    }
    const { exit, named } = await traced(
      Effect.flatMap(Risk.Risk, (risk) => Effect.flip(risk.assess(hostile as never))),
      "paykit.risk.assess"
    )
    expect(Exit.isSuccess(exit) && exit.value._tag).toBe("InvalidInput")
    expect(named[0]!.attributes.size).toBe(0)
    expect(Tracing.failed(named[0]!)).toBe(true)
  })
})
