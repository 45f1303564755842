import { readFileSync } from "node:fs"
import { Result } from "effect"
import { describe, expect, it } from "vitest"
import { Lifecycle, Verification } from "../src/index.ts"

/**
 * The README's state diagrams are documentation of the transition tables: each mermaid edge
 * `from --> to: label` must be a transition the code makes, and every transition the code makes
 * must be drawn.
 */

const README = readFileSync(new URL("../README.md", import.meta.url), "utf8")

/** The mermaid block that follows a heading. */
const mermaidAfter = (heading: string): string => {
  const at = README.indexOf(heading)
  expect(at, heading).toBeGreaterThanOrEqual(0)
  const block = /```mermaid\n([\s\S]*?)```/.exec(README.slice(at))
  expect(block, `a mermaid block after ${heading}`).not.toBeNull()
  return block![1]!
}

interface Edge {
  readonly from: string
  readonly to: string
  /** the label's first word: the command or step */
  readonly name: string
  /** the words in parentheses, if any */
  readonly details: ReadonlyArray<string>
}

const edges = (block: string): ReadonlyArray<Edge> =>
  block
    .split("\n")
    .map((l) => /^\s*(\S+)\s*-->\s*(\S+?)\s*(?::\s*(.*))?$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .filter((m) => m[1] !== "[*]" && m[2] !== "[*]")
    .map((m) => {
      const label = m[3] ?? ""
      const paren = /\(([^)]*)\)/.exec(label)
      return {
        from: m[1]!,
        to: m[2]!,
        name: label.split(/[\s(]/)[0] ?? "",
        details: paren === null ? [] : paren[1]!.split(/[\s,]+/).filter((x) => x.length > 0)
      }
    })

const key = (e: { from: string; to: string; name: string }) => `${e.from} --${e.name}--> ${e.to}`

describe("README diagrams match the transition tables", () => {
  it("the lifecycle diagram has exactly the edges of Lifecycle.TABLE, with the table's actors where it names them", () => {
    const drawn = edges(mermaidAfter("## Lifecycle"))
    const table = Lifecycle.TABLE.flatMap((row) =>
      row.from.map((from) => ({ from, to: row.to, name: row.command, by: row.by }))
    )
    expect(drawn.map(key).sort()).toEqual(table.map(key).sort())
    expect(new Set(drawn.map(key)).size).toBe(drawn.length)
    for (const e of drawn) {
      const row = Lifecycle.TABLE.find(
        (r) => r.command === e.name && r.from.includes(e.from as Lifecycle.Status)
      )!
      const actors = e.details.filter((d) => ["system", "operator", "owner"].includes(d))
      if (actors.length > 0) expect([...actors].sort(), key(e)).toEqual([...row.by].sort())
      // and the pure function agrees for every drawn actor
      for (const actor of row.by)
        expect(Lifecycle.transition(e.from as Lifecycle.Status, e.name as Lifecycle.Command, actor)).toEqual(
          Result.succeed(e.to)
        )
    }
    // every state is drawn; the final ones end the diagram
    const states = new Set(drawn.flatMap((e) => [e.from, e.to]))
    expect([...states].sort()).toEqual([...Lifecycle.STATUSES].sort())
    for (const s of Lifecycle.FINAL) expect(mermaidAfter("## Lifecycle")).toContain(`${s} --> [*]`)
  })

  it("the verification diagram has exactly the transitions Verification.next makes", () => {
    const drawn = edges(mermaidAfter("## Requirements and verification"))
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
        if (Result.isSuccess(r)) made.add(key({ from: status, to: r.success.status, name: step._tag }))
      }
    }
    expect(drawn.map(key).sort()).toEqual([...made].sort())
    expect(new Set(drawn.map(key)).size).toBe(drawn.length)
  })
})
