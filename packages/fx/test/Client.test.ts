import { Ids, InvalidInput, Notifier } from "@paykit/core"
import { Explain, Fx, QuoteAlreadyUsed, QuoteStore, RateProvider, Schedule } from "@paykit/fx"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { fixture, markedRegion, readmeBlock, post, startService, withoutImports } from "./readmeBlocks.ts"

const here = new URL(import.meta.url)
const serviceUrl = new URL("./fixtures/readme-service.ts", import.meta.url)

describe("Fx.client: the README example without Effect", () => {
  it("quotes, executes once and rejects the second use with QuoteAlreadyUsed itself, then disposes", async () => {
    // --- README client example starts
    const schedule = Schedule.makeUnsafe({
      corridors: [
        {
          source: "USD",
          target: "EUR",
          spreadBps: 0,
          fixedFee: "1000",
          feeMode: "on-top",
          charges: "SHA",
          intermediaryFee: "1500"
        }
      ]
    })
    const asOf = Date.now()
    const FxLive = Fx.layer({
      schedule,
      maxRateAge: "1 hour",
      maxReferenceAge: "4 days",
      lockFor: "30 minutes"
    }).pipe(
      Layer.provide(RateProvider.layerReferenceFromRateProvider),
      Layer.provide(RateProvider.layerMemory([{ base: "USD", quote: "EUR", rate: "0.92", asOf }])),
      Layer.provide(QuoteStore.layerMemory),
      Layer.provide([Ids.layer, Notifier.layerMemory])
    )

    // Once, at module load: one runtime (its store, its pool) shared by every request.
    const fx = Fx.client(FxLive)

    // In a request: every method is a Promise; a failure rejects with the typed error itself.
    const quote = await fx.quote({ direction: "send", source: "USD", target: "EUR", amount: "100000" })
    const lines = Explain.explain(quote, "en")
    const executed = await fx.execute(quote.id) // the locked rates and amounts, once
    const again = await fx.execute(quote.id).catch((e: unknown) => e) // QuoteAlreadyUsed
    // quote.paid → 1010.00 USD, quote.received → 905.00 EUR (about), quote.markup.allIn → 2.6044 (%)
    // lines[0] → "You send 1,010.00 USD.", lines[4] → "The recipient gets about 905.00 EUR."

    // On shutdown: release the runtime's resources (a database pool with @paykit/store-postgres).
    await fx.dispose()
    // --- README client example ends
    expect(quote.paid.toString()).toBe("1010.00 USD")
    expect(quote.received.toString()).toBe("905.00 EUR")
    expect(quote.markup.allIn.toString()).toBe("2.6044")
    expect(lines[0]).toBe("You send 1,010.00 USD.")
    expect(lines[4]).toBe("The recipient gets about 905.00 EUR.")
    expect(executed.id).toBe(quote.id)
    expect(executed.received.toString()).toBe("905.00 EUR")
    expect(again).toBeInstanceOf(QuoteAlreadyUsed)
    expect((again as QuoteAlreadyUsed).id).toBe(quote.id)
    // after dispose, calls reject instead of building a second runtime
    await expect(
      fx.quote({ direction: "send", source: "USD", target: "EUR", amount: "100000" })
    ).rejects.toBeDefined()
  })

  it("is the README's main example, verbatim", () => {
    expect(markedRegion(here, "client example")).toBe(withoutImports(readmeBlock("## Example")))
  })

  it("builds its layer once for many requests, and disposes with await using", async () => {
    let built = 0
    const counting = Layer.effectDiscard(Effect.sync(() => void built++))
    const rates = [{ base: "USD", quote: "EUR", rate: "0.92", asOf: Date.now() }]
    const schedule = Schedule.makeUnsafe({
      corridors: [{ source: "USD", target: "EUR", spreadBps: 0, feeMode: "on-top", charges: "OUR" }]
    })
    const live = Fx.layer({
      schedule,
      maxRateAge: "1 hour",
      maxReferenceAge: "4 days",
      lockFor: "1 minute"
    }).pipe(
      Layer.provide(RateProvider.layerReferenceFromRateProvider),
      Layer.provide(RateProvider.layerMemory(rates)),
      Layer.provide(QuoteStore.layerMemory),
      Layer.provide([Ids.layer, Notifier.layerMemory, counting])
    )
    {
      await using fx = Fx.client(live)
      const quotes = await Promise.all(
        ["100", "200", "300", "400"].map((amount) =>
          fx.quote({ direction: "send", source: "USD", target: "EUR", amount })
        )
      )
      expect(new Set(quotes.map((q) => q.id)).size).toBe(4)
      // a quote locked by one request is executed by another: one store behind the client
      await expect(fx.execute(quotes[2]!.id)).resolves.toMatchObject({ id: quotes[2]!.id })
      const bad = await fx
        .quote({ direction: "send", source: "USD", target: "EUR", amount: "0" })
        .catch((e) => e)
      expect(bad).toBeInstanceOf(InvalidInput)
      expect((bad as InvalidInput).path).toBe("amount")
      expect(built).toBe(1)
    }
  })
})

describe("the README's long-lived service (an OS process)", () => {
  it("is the README's section, verbatim", () => {
    expect(fixture(serviceUrl)).toBe(readmeBlock("## Without Effect, in a long-lived service").trim())
  })

  it("serves quotes from one client, answers bad JSON fields with 400, and on SIGTERM disposes and exits 0", async () => {
    const service = startService(serviceUrl)
    try {
      const port = await service.port
      const ok = await post(port, { direction: "send", source: "USD", target: "EUR", amount: "100000" })
      expect(ok.status).toBe(200)
      expect(ok.json["paid"]).toBe("1010.00 USD")
      expect(ok.json["received"]).toBe("905.00 EUR")
      const second = await post(port, { direction: "send", source: "USD", target: "EUR", amount: "5000" })
      expect(second.json["id"]).not.toBe(ok.json["id"])
      const bad = await post(port, { direction: "sideways", source: "USD", target: "EUR", amount: "1" })
      expect(bad.status).toBe(400)
      expect(bad.json["error"]).toContain("direction")
      service.child.kill("SIGTERM")
      await service.line((l) => l === "stopped")
      expect(await service.exited).toEqual({ code: 0, signal: null })
    } finally {
      service.stop()
    }
  })
})
