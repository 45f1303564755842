import { Effect } from "effect"
import { expect, it } from "vitest"
import { Explain, Fx } from "../src/index.ts"
import { FxLive } from "./fixtures/fx-live.ts"
import { markedRegion, readmeBlock, withoutImports } from "./readmeBlocks.ts"

const here = new URL(import.meta.url)

it("the README's Effect example is this test's, verbatim", () => {
  expect(markedRegion(here, "effect example")).toBe(withoutImports(readmeBlock("## With Effect")))
})

it("the README's Effect example computes what it says", async () => {
  // --- README effect example starts
  const program = Effect.gen(function* () {
    const fx = yield* Fx.Fx
    const quote = yield* fx.quote({ direction: "send", source: "USD", target: "EUR", amount: "100000" })
    const lines = Explain.explain(quote, "en")
    const executed = yield* fx.execute(quote.id) // the locked rates and amounts, once
    const again = yield* Effect.flip(fx.execute(quote.id)) // QuoteAlreadyUsed
    return { quote, lines, executed, again }
  })

  const { quote, lines, executed, again } = await Effect.runPromise(program.pipe(Effect.provide(FxLive)))
  // quote.paid → 1010.00 USD, quote.received → 905.00 EUR (about), quote.markup.allIn → 2.6044 (%)
  // lines[0] → "You send 1,010.00 USD.", lines[4] → "The recipient gets about 905.00 EUR."
  // --- README effect example ends
  expect(quote.paid.toString()).toBe("1010.00 USD")
  expect(quote.received.toString()).toBe("905.00 EUR")
  expect(quote.markup.allIn.toString()).toBe("2.6044")
  expect(lines[0]).toBe("You send 1,010.00 USD.")
  expect(lines[4]).toBe("The recipient gets about 905.00 EUR.")
  expect(executed.id).toBe(quote.id)
  expect(again._tag).toBe("QuoteAlreadyUsed")
})
