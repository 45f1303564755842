import { readFileSync } from "node:fs"
import { StateMachineChecks } from "@paykit/core/testing"
import { describe, expect, it } from "vitest"
import { Refund, Status } from "../src/index.ts"

/**
 * The payment and refund machines: the core kit's laws (no move out of a final state, every row
 * reachable from an initial state, `transition` agreeing with the table for every state ×
 * command × actor × context), and the README diagrams drawn from exactly their rows.
 */

const README = readFileSync(new URL("../README.md", import.meta.url), "utf8")
const CONTEXTS: ReadonlyArray<Status.Context> = [
  { automatic: false, closes: false },
  { automatic: false, closes: true },
  { automatic: true, closes: true },
  { automatic: true, closes: false }
]
const clean = { missing: [], extra: [], mismatches: [] }

describe("the payment status machine", () => {
  it("keeps the state-machine laws for every state × command × actor × context", () => {
    expect(StateMachineChecks.laws(Status.machine, { contexts: CONTEXTS })).toEqual([])
    expect(StateMachineChecks.laws(Refund.machine)).toEqual([])
  })

  it("no command leaves succeeded, canceled or failed, for any actor or context", () => {
    for (const s of Status.FINAL)
      for (const c of Status.COMMANDS)
        for (const a of Status.ACTORS)
          for (const x of CONTEXTS)
            expect(Status.machine.canTransition(s, c, a, x), `${s} ${c} ${a}`).toBe(false)
  })

  it("the README diagrams have exactly the machines' edges, with their actors", () => {
    const payment = StateMachineChecks.mermaidAfter(README, "## Statuses")
    expect(payment).toBeDefined()
    expect(StateMachineChecks.diagram(Status.machine, payment!)).toEqual(clean)
    const refund = StateMachineChecks.mermaidAfter(README, "## Refunds")
    expect(refund).toBeDefined()
    expect(StateMachineChecks.diagram(Refund.machine, refund!)).toEqual(clean)
  })

  it("the display label is derived: refunded in full, partially refunded, else the status", () => {
    expect(Status.label("succeeded", 1000n, 0n)).toBe("succeeded")
    expect(Status.label("succeeded", 1000n, 1n)).toBe("partially_refunded")
    expect(Status.label("succeeded", 1000n, 1000n)).toBe("refunded")
    // only a succeeded payment reads as refunded: a partially captured one can still capture more
    expect(Status.label("partially_captured", 500n, 500n)).toBe("partially_captured")
  })
})
