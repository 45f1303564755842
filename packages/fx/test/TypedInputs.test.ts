import { type Client, InvalidInput } from "@paykit/core"
import { Effect } from "effect"
import { describe, expect, expectTypeOf, it } from "vitest"
import { Fx, type Quote } from "../src/index.ts"
import { fxLayer, runFx, workedSchedule } from "./helpers.ts"

/**
 * Inputs are typed as the schema's encoded (JSON) shape, so a mistyped call is a compile error:
 * this file is compiled by `tsc --noEmit -p packages/fx`, and each `@ts-expect-error` fails the
 * compilation if the line under it compiles. At run time the same calls (plain JavaScript, JSON
 * from the wire) still get `InvalidInput` naming the field.
 */
const layer = () => fxLayer(workedSchedule, [{ base: "USD", quote: "EUR", rate: "0.92", asOf: 0 }])
const send = { direction: "send", source: "USD", target: "EUR", amount: "100000" } as const

describe("typed inputs", () => {
  it("the service's methods take the encoded request; a mistyped one does not compile and is InvalidInput", async () => {
    const errors = await runFx(
      Effect.gen(function* () {
        const fx = yield* Fx.Fx
        return [
          // @ts-expect-error "sned" is not a direction
          yield* Effect.flip(fx.quote({ ...send, direction: "sned" })),
          // @ts-expect-error an amount is a string of minor units, not a number
          yield* Effect.flip(fx.quote({ ...send, amount: 100000 })),
          // @ts-expect-error a misspelt field ("amuont"): an unknown field is refused, naming it
          yield* Effect.flip(fx.quote({ direction: "send", source: "USD", target: "EUR", amuont: "1" })),
          // @ts-expect-error execute takes the quote's id, not the quote
          yield* Effect.flip(fx.execute({ id: "q" }))
        ]
      }),
      layer()
    )
    expect(errors.map((e) => e._tag)).toEqual([
      "InvalidInput",
      "InvalidInput",
      "InvalidInput",
      "InvalidInput"
    ])
    expect(errors.map((e) => (e as InvalidInput).path)).toEqual(["direction", "amount", "amuont", ""])
  })

  it("the Promise client has the same typed inputs, and rejects a mistyped call with InvalidInput", async () => {
    await using fx = Fx.client(layer())
    expectTypeOf(fx.quote).parameter(0).toEqualTypeOf<typeof Fx.QuoteRequest.Encoded>()
    expectTypeOf(fx.quote).returns.toEqualTypeOf<Promise<Quote.Quote>>()
    expectTypeOf(fx.execute).parameters.toEqualTypeOf<[quoteId: string]>()
    expectTypeOf<Client.Rejection<Fx.Fx["Service"]["quote"]>>().toEqualTypeOf<Fx.QuoteFailure>()
    expectTypeOf<Client.Rejection<Fx.Fx["Service"]["execute"]>>().toEqualTypeOf<Fx.ExecuteFailure>()
    // @ts-expect-error a misspelt field
    const misspelt = await fx.quote({ ...send, targte: "EUR" }).catch((e: unknown) => e)
    expect(misspelt).toBeInstanceOf(InvalidInput)
    // @ts-expect-error lockForMillis is a number of milliseconds
    const lock = await fx.quote({ ...send, lockForMillis: "30 minutes" }).catch((e: unknown) => e)
    expect((lock as InvalidInput).path).toBe("lockForMillis")
    // @ts-expect-error execute takes one string
    const noId = await fx.execute().catch((e: unknown) => e)
    expect(noId).toBeInstanceOf(InvalidInput)
    // hostile input through a cast: the same typed error, and the next valid call works
    const hostile = await fx.quote(null as never).catch((e: unknown) => e)
    expect(hostile).toBeInstanceOf(InvalidInput)
    const quote = await fx.quote(send)
    await expect(fx.execute(quote.id)).resolves.toMatchObject({ id: quote.id })
  })
})
