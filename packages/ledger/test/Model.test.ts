import { Notifier } from "@paykit/core"
import { LedgerStore } from "@paykit/ledger"
import { Model } from "@paykit/ledger/testing"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"

/** A store whose reads report an extra unit of posted debits on one account. */
const lyingStore = Layer.effect(
  LedgerStore.LedgerStore,
  Effect.gen(function* () {
    const inner = yield* LedgerStore.makeMemory.pipe(Effect.provide(Notifier.layerNoop))
    return LedgerStore.LedgerStore.of({
      ...inner,
      dump: Effect.map(inner.dump, (d) => ({
        ...d,
        accounts: d.accounts.map((a) =>
          a.id === "a1" && a.version > 0 ? { ...a, debitsPosted: a.debitsPosted + 1n } : a
        )
      }))
    })
  })
)

describe("model-based property (memory store)", () => {
  it("agrees with the reference model over 1,000 random sequences of up to 40 commands", {
    timeout: 600_000
  }, async () => {
    Model.stats.clear()
    await Model.property(LedgerStore.layerMemory, { numRuns: 1_000 })
    // the generators reach every command's success path and the interesting failures
    for (const key of [
      "Transfer:ok",
      "CreateHold:ok",
      "PostHold:ok",
      "VoidHold:ok",
      "Reverse:ok",
      "Transfer:ExceedsCredits",
      "PostHold:HoldExpired",
      "Transfer:ExistsWithDifferent:postings"
    ]) {
      expect(Model.stats.get(key) ?? 0, key).toBeGreaterThan(0)
    }
  })

  it("fails on a store whose balances drift from its entries", { timeout: 600_000 }, async () => {
    await expect(Model.property(lyingStore, { numRuns: 200 })).rejects.toThrow(/Property failed/)
  })
})
