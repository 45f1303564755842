import { readFileSync } from "node:fs"
import { StateMachineChecks } from "@paykit/core/testing"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { Lifecycle, Verification } from "../src/index.ts"

/**
 * The README's state diagrams are documentation of the transition tables: each mermaid edge
 * `from --> to: command` must be a row of the machine, every row must be drawn, actors named in
 * a label must be the row's, and the `[*]` markers must be the initial and final states.
 */

const README = readFileSync(new URL("../README.md", import.meta.url), "utf8")

const diagramAfter = (heading: string): string => {
  const block = StateMachineChecks.mermaidAfter(README, heading)
  expect(block, `a mermaid block after ${heading}`).toBeDefined()
  return block!
}

const clean = { missing: [], extra: [], mismatches: [] }

describe("README diagrams match the transition tables", () => {
  it("the lifecycle diagram has exactly the edges of Lifecycle.TABLE, with the table's actors where it names them", () => {
    const text = diagramAfter("## Lifecycle")
    expect(StateMachineChecks.diagram(Lifecycle.machine, text)).toEqual(clean)
    // the machine's edges are the table's rows, and the pure function agrees for every drawn actor
    const table = Lifecycle.TABLE.flatMap((r) => r.from.map((from) => `${from} --${r.command}--> ${r.to}`))
    expect(Lifecycle.machine.edges().map((e) => `${e.from} --${e.command}--> ${e.to}`)).toEqual(table)
    for (const e of StateMachineChecks.parseMermaid(text).edges) {
      const row = Lifecycle.TABLE.find(
        (r) => r.command === e.command && r.from.includes(e.from as Lifecycle.Status)
      )!
      for (const actor of row.by) {
        expect(Lifecycle.transition(e.from as Lifecycle.Status, row.command, actor)).toEqual(
          Result.succeed(e.to)
        )
      }
    }
  })

  it("the check catches a diagram that lies: a dropped edge, an invented edge, wrong actors, a missing final marker", () => {
    const text = diagramAfter("## Lifecycle")
    const lying = text
      .replace("  suspended --> active: reinstate (operator)\n", "")
      .replace("  withdrawn --> [*]\n", "")
      .replace("reject (operator)", "reject (owner)")
      .concat("  closed --> active: reopen\n")
    const diff = StateMachineChecks.diagram(Lifecycle.machine, lying)
    expect(diff.missing).toEqual(["suspended --reinstate--> active"])
    expect(diff.extra).toEqual(["closed --reopen--> active"])
    expect(diff.mismatches).toEqual([
      "pending --reject--> rejected (line 11) names owner but the table allows operator",
      "withdrawn is final but withdrawn --> [*] is not drawn"
    ])
  })

  it("the verification diagram has exactly the edges of Verification.machine and the transitions Verification.next makes", () => {
    const text = diagramAfter("## Requirements and verification")
    expect(StateMachineChecks.diagram(Verification.machine, text)).toEqual(clean)
    const steps: ReadonlyArray<Verification.Step> = [
      { _tag: "provide" },
      { _tag: "submit" },
      { _tag: "result", outcome: { _tag: "verified" } },
      { _tag: "result", outcome: { _tag: "pending" } },
      { _tag: "result", outcome: { _tag: "manual_review" } },
      { _tag: "result", outcome: { _tag: "action_required", code: "c", reason: "r" } },
      { _tag: "result", outcome: { _tag: "rejected", code: "c", reason: "r" } },
      { _tag: "review", approve: true },
      { _tag: "review", approve: false }
    ]
    const made = new Set<string>()
    for (const status of Verification.Status.literals) {
      for (const step of steps) {
        const r = Verification.next(
          { id: "c", subject: "s", kind: "identity", status, errors: [], updatedAt: 0 },
          step,
          1
        )
        if (Result.isSuccess(r)) made.add(`${status} --${step._tag}--> ${r.success.status}`)
      }
    }
    const drawn = StateMachineChecks.parseMermaid(text).edges.map(
      (e) => `${e.from} --${e.command}--> ${e.to}`
    )
    expect([...drawn].sort()).toEqual([...made].sort())
  })
})
