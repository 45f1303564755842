import { Result } from "effect"
import type * as StateMachine from "../StateMachine.ts"

/**
 * One arrow read from a diagram: `from --> to` labelled with a command, plus the words in the
 * label's first parentheses (`activate (system, operator)` gives `["system", "operator"]`) and
 * the line it was on (1-based).
 *
 * @example
 * ```ts
 * import type { StateMachineChecks } from "@paykit/core/testing"
 * const e: StateMachineChecks.DrawnEdge = { from: "open", to: "paid", command: "pay", details: [], line: 2 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface DrawnEdge {
  readonly from: string
  readonly to: string
  readonly command: string
  readonly details: ReadonlyArray<string>
  readonly line: number
}

/**
 * A parsed diagram: its arrows, the states drawn as initial (`[*] --> s`) and as final
 * (`s --> [*]`).
 *
 * @example
 * ```ts
 * import { StateMachineChecks } from "@paykit/core/testing"
 * StateMachineChecks.parseMermaid("[*] --> open\nopen --> paid: pay\npaid --> [*]").final // ["paid"]
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Drawing {
  readonly edges: ReadonlyArray<DrawnEdge>
  readonly initial: ReadonlyArray<string>
  readonly final: ReadonlyArray<string>
}

/**
 * How a diagram differs from a machine's table. `missing`: arrows of the table that are not
 * drawn; `extra`: drawn arrows the table does not have (both as `from --command--> to`);
 * `mismatches`: everything else (an arrow drawn twice, actors named in a label that are not the
 * table's, initial or final markers that disagree, states not drawn). A test asserts all three
 * are empty.
 *
 * @example
 * ```ts
 * import type { StateMachineChecks } from "@paykit/core/testing"
 * const clean = (d: StateMachineChecks.DiagramDiff) => d.missing.length + d.extra.length + d.mismatches.length === 0
 * ```
 * @category models
 * @since 0.1.0
 */
export interface DiagramDiff {
  readonly missing: ReadonlyArray<string>
  readonly extra: ReadonlyArray<string>
  readonly mismatches: ReadonlyArray<string>
}

const label = (text: string | undefined): { command: string; details: ReadonlyArray<string> } => {
  const trimmed = (text ?? "").trim()
  const paren = /\(([^)]*)\)/.exec(trimmed)
  return {
    command: trimmed.split(/[\s(]/)[0] ?? "",
    details: paren === null ? [] : paren[1]!.split(/[\s,]+/).filter((w) => w.length > 0)
  }
}

/**
 * Reads a Mermaid `stateDiagram-v2`: every line `a --> b` or `a --> b: command (details)`, with
 * `[*] --> s` as an initial state and `s --> [*]` as a final one. Other lines (the header,
 * `%%` comments, notes, `state` declarations) are skipped; composite states are not supported.
 *
 * @example
 * ```ts
 * import { StateMachineChecks } from "@paykit/core/testing"
 * StateMachineChecks.parseMermaid("stateDiagram-v2\n  open --> paid: pay (customer)").edges
 * // [{ from: "open", to: "paid", command: "pay", details: ["customer"], line: 2 }]
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const parseMermaid = (text: string): Drawing => {
  const edges: Array<DrawnEdge> = []
  const initial: Array<string> = []
  const final: Array<string> = []
  text.split("\n").forEach((l, i) => {
    const m = /^\s*(\[\*\]|[\w.]+)\s*-->\s*(\[\*\]|[\w.]+)\s*(?::(.*))?$/.exec(l)
    if (m === null || l.trimStart().startsWith("%%")) return
    const [from, to] = [m[1]!, m[2]!]
    if (from === "[*]") {
      if (to !== "[*]") initial.push(to)
    } else if (to === "[*]") final.push(from)
    else edges.push({ from, to, ...label(m[3]), line: i + 1 })
  })
  return { edges, initial, final }
}

const ARROW = /\s*(?:─+|--(?!>))\s*(.+?)\s*(?:─*→|-->)\s*/

/**
 * Reads an ASCII diagram of chains: `a ─command→ b ─command→ c | d` (or `a --command--> b`),
 * where `c | d` are alternative targets and each segment starts from the previous targets. A
 * label may carry details in parentheses. Lines without an arrow are skipped; it has no initial
 * or final markers.
 *
 * @example
 * ```ts
 * import { StateMachineChecks } from "@paykit/core/testing"
 * StateMachineChecks.parseAscii("open ─pay→ paid | partly_paid").edges.length // 2
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const parseAscii = (text: string): Drawing => {
  const edges: Array<DrawnEdge> = []
  text.split("\n").forEach((l, i) => {
    const parts = l.replace(/^[\s*/]+/, "").split(ARROW)
    const states = (p: string | undefined) =>
      (p ?? "")
        .split("|")
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
    for (let k = 1; k + 1 < parts.length; k += 2) {
      for (const from of states(parts[k - 1])) {
        for (const to of states(parts[k + 1])) edges.push({ from, to, ...label(parts[k]), line: i + 1 })
      }
    }
  })
  return { edges, initial: [], final: [] }
}

/**
 * The text of the first ```` ```mermaid ```` block after `heading` in a Markdown document, or
 * `undefined` when there is no such heading or block.
 *
 * @example
 * ```ts
 * import { StateMachineChecks } from "@paykit/core/testing"
 * import { readFileSync } from "node:fs"
 * StateMachineChecks.mermaidAfter(readFileSync("README.md", "utf8"), "## Lifecycle")
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const mermaidAfter = (markdown: string, heading: string): string | undefined => {
  const at = markdown.indexOf(heading)
  if (at < 0) return undefined
  return /```mermaid\r?\n([\s\S]*?)```/.exec(markdown.slice(at))?.[1]
}

const show = (u: unknown): string => {
  try {
    return JSON.stringify(u) ?? String(u)
  } catch {
    return String(u)
  }
}

const key = (e: { readonly from: string; readonly command: string; readonly to: string }): string =>
  `${e.from} --${e.command}--> ${e.to}`

const sameSet = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean =>
  a.length === b.length && a.every((x) => b.includes(x))

/**
 * Compares a diagram (a `Drawing`, or Mermaid text) with a machine's table: the arrows missing
 * from the drawing, the extra ones, and the other mismatches. Where a label names actors of the
 * machine in parentheses they must be exactly the table's; labels that name none are not
 * checked. Every state must be drawn, and the `[*]` markers must be the initial and final states.
 *
 * @example
 * ```ts
 * import { StateMachineChecks } from "@paykit/core/testing"
 * import { expect } from "vitest"
 * declare const machine: Parameters<typeof StateMachineChecks.diagram>[0]
 * expect(StateMachineChecks.diagram(machine, "[*] --> open\nopen --> paid: pay\npaid --> [*]"))
 *   .toEqual({ missing: [], extra: [], mismatches: [] })
 * ```
 * @category guards
 * @since 0.1.0
 */
export const diagram = <S extends string, C extends string, A extends string, G extends string, X>(
  machine: StateMachine.Machine<S, C, A, G, X>,
  drawing: Drawing | string
): DiagramDiff => {
  const drawn = typeof drawing === "string" ? parseMermaid(drawing) : drawing
  const table = new Map(machine.edges().map((e) => [key(e), e] as const))
  const seen = new Map<string, DrawnEdge>()
  const mismatches: Array<string> = []
  const actors: ReadonlyArray<string> = machine.actors
  for (const e of drawn.edges) {
    const k = key(e)
    const first = seen.get(k)
    if (first !== undefined) mismatches.push(`${k} is drawn twice (lines ${first.line} and ${e.line})`)
    else seen.set(k, e)
    const row = table.get(k)
    const named = e.details.filter((d) => actors.includes(d))
    if (row !== undefined && named.length > 0 && !sameSet(named, row.by)) {
      mismatches.push(
        `${k} (line ${e.line}) names ${named.join(", ")} but the table allows ${row.by.join(", ")}`
      )
    }
  }
  const markers = (what: "initial" | "final", want: ReadonlyArray<string>, got: ReadonlyArray<string>) => {
    const arrow = (s: string) => (what === "initial" ? `[*] --> ${s}` : `${s} --> [*]`)
    for (const s of want)
      if (!got.includes(s)) mismatches.push(`${s} is ${what} but ${arrow(s)} is not drawn`)
    for (const s of got)
      if (!want.includes(s)) mismatches.push(`${arrow(s)} is drawn but ${s} is not ${what}`)
  }
  markers("initial", machine.initial, drawn.initial)
  markers("final", machine.final, drawn.final)
  const drawnStates = new Set([
    ...drawn.edges.flatMap((e) => [e.from, e.to]),
    ...drawn.initial,
    ...drawn.final
  ])
  for (const s of machine.states) if (!drawnStates.has(s)) mismatches.push(`state ${s} is not drawn`)
  return {
    missing: [...table.keys()].filter((k) => !seen.has(k)),
    extra: [...seen.keys()].filter((k) => !table.has(k)),
    mismatches
  }
}

/**
 * Draws a machine as a Mermaid `stateDiagram-v2`: `[*] --> s` for each initial state, one arrow
 * per edge labelled with its command (and its actors in parentheses, when the machine declares
 * actors), `s --> [*]` for each final state. A starting point for a README
 * diagram, which `diagram` then keeps honest.
 *
 * @example
 * ```ts
 * import { StateMachineChecks } from "@paykit/core/testing"
 * declare const machine: Parameters<typeof StateMachineChecks.mermaid>[0]
 * console.log(StateMachineChecks.mermaid(machine))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const mermaid = <S extends string, C extends string, A extends string, G extends string, X>(
  machine: StateMachine.Machine<S, C, A, G, X>
): string =>
  [
    "stateDiagram-v2",
    ...machine.initial.map((s) => `  [*] --> ${s}`),
    ...machine
      .edges()
      .map((e) => `  ${e.from} --> ${e.to}: ${e.command}${e.by.length > 0 ? ` (${e.by.join(", ")})` : ""}`),
    ...machine.final.map((s) => `  ${s} --> [*]`)
  ].join("\n") + "\n"

type Loose = (
  from: string,
  command: string,
  actor?: string,
  context?: unknown
) => Result.Result<string, StateMachine.IllegalTransition>

/**
 * Checks a machine against the laws every paykit state machine keeps, trying every state ×
 * command × actor × context (`contexts`: the values to pass for guarded machines; without them
 * guarded rows never apply) and returns the violations (empty when it keeps them):
 * no transition leaves a final state; `transition` agrees with the table (the first row for the
 * state, command and actor whose guard holds) and fails with an `IllegalTransition` naming the
 * machine, state, command and actor otherwise, as do `canTransition` and `commandsFrom`; every
 * arrow not marked unreachable fires on some path of `transition` calls from an initial state,
 * and no arrow marked unreachable does.
 *
 * @example
 * ```ts
 * import { StateMachineChecks } from "@paykit/core/testing"
 * import { expect } from "vitest"
 * declare const machine: Parameters<typeof StateMachineChecks.laws>[0]
 * expect(StateMachineChecks.laws(machine)).toEqual([])
 * ```
 * @category guards
 * @since 0.1.0
 */
export const laws = <S extends string, C extends string, A extends string, G extends string, X>(
  machine: StateMachine.Machine<S, C, A, G, X>,
  options: { readonly contexts?: ReadonlyArray<X> } = {}
): ReadonlyArray<string> => {
  const transition = machine.transition as unknown as Loose
  const can = machine.canTransition as unknown as (...args: Parameters<Loose>) => boolean
  const commandsFrom = machine.commandsFrom as unknown as (s: string, a?: string) => ReadonlyArray<string>
  const guards = machine.guards as unknown as Record<string, (x: unknown) => boolean>
  const actors: ReadonlyArray<string | undefined> = machine.actors.length === 0 ? [undefined] : machine.actors
  const contexts: ReadonlyArray<unknown> = options.contexts ?? [undefined]
  const rows: ReadonlyArray<StateMachine.Row<string, string, string, string>> = machine.rows
  const expected = (s: string, c: string, a: string | undefined, x: unknown): string | undefined => {
    for (const row of rows) {
      if (row.command !== c || !row.from.includes(s)) continue
      if (a !== undefined && row.by !== undefined && !row.by.includes(a)) continue
      if (row.guard === undefined) return row.to
      if (x === undefined) return undefined
      if (guards[row.guard]!(x) === true) return row.to
    }
    return undefined
  }
  const v: Array<string> = []
  const fired = new Set<string>()
  const reached = new Set<string>(machine.initial)
  const queue: Array<string> = [...machine.initial]
  const each = (
    f: (s: string, c: string, a: string | undefined, x: unknown) => void,
    states: Iterable<string>
  ) => {
    for (const s of states)
      for (const c of machine.commands) for (const a of actors) for (const x of contexts) f(s, c, a, x)
  }
  each((s, c, a, x) => {
    const at = `${c} from ${s}${a === undefined ? "" : ` by ${a}`}${x === undefined ? "" : ` with context ${show(x)}`}`
    const r = transition(s, c, a, x)
    const want = expected(s, c, a, x)
    if (machine.isFinal(s as S) && Result.isSuccess(r))
      v.push(`${at} leaves the final state ${s} for ${r.success}`)
    if (Result.isSuccess(r) && r.success !== want) {
      v.push(`${at} gives ${r.success} but the table says ${want ?? "it is illegal"}`)
    }
    if (Result.isFailure(r)) {
      const e = r.failure
      if (want !== undefined) v.push(`${at} fails (${e.reason}) but the table says ${want}`)
      if (
        e._tag !== "IllegalTransition" ||
        e.machine !== machine.name ||
        e.from !== s ||
        e.command !== c ||
        e.actor !== a
      ) {
        v.push(
          `${at} fails with an error that does not name the machine, state, command and actor: ${e.message}`
        )
      }
    }
    if (can(s, c, a, x) !== Result.isSuccess(r)) v.push(`${at}: canTransition disagrees with transition`)
    if (Result.isSuccess(r) && !commandsFrom(s, a).includes(c)) {
      v.push(`${at} succeeds but commandsFrom(${s}) does not list ${c}`)
    }
  }, machine.states)
  for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
    each(
      (from, c, a, x) => {
        const r = transition(from, c, a, x)
        if (Result.isFailure(r)) return
        fired.add(key({ from, command: c, to: r.success }))
        if (!reached.has(r.success)) {
          reached.add(r.success)
          queue.push(r.success)
        }
      },
      [s]
    )
  }
  for (const e of machine.edges()) {
    const k = key(e)
    if (!e.unreachable && !fired.has(k)) {
      v.push(
        `${k} never fires on a path from the initial states${e.guards.length > 0 ? ` (pass contexts under which ${e.guards.join(" or ")} holds)` : ""}`
      )
    }
    if (e.unreachable && fired.has(k)) v.push(`${k} is marked unreachable but fires from an initial state`)
  }
  return v
}
