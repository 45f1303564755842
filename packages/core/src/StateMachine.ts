import * as Result from "effect/Result"
import * as Schema from "effect/Schema"

/**
 * A command that the machine's table does not allow: from this state, for this actor, or with
 * this context. `reason` says which rule refused it (a final state, a command that applies only
 * from other states, an actor who may not, a guard that does not hold, an unknown name).
 *
 * Returned by every machine's `transition`; thrown by `transitionUnsafe`.
 *
 * @example
 * ```ts
 * import { StateMachine } from "@paykit/core"
 * new StateMachine.IllegalTransition({
 *   machine: "account", from: "closed", command: "suspend", actor: "operator",
 *   reason: "closed is a final state: no command leaves it"
 * }).message
 * // "cannot suspend an account that is closed (as operator): closed is a final state: no command leaves it"
 * ```
 * @category errors
 * @since 0.1.0
 */
export class IllegalTransition extends Schema.TaggedError<IllegalTransition>()("IllegalTransition", {
  machine: Schema.optionalKey(Schema.String),
  from: Schema.String,
  command: Schema.String,
  actor: Schema.optionalKey(Schema.String),
  reason: Schema.String
}) {
  override get message(): string {
    const what =
      this.machine === undefined
        ? `from ${this.from}`
        : `${/^[aeiou]/i.test(this.machine) ? "an" : "a"} ${this.machine} that is ${this.from}`
    const who = this.actor === undefined ? "" : ` (as ${this.actor})`
    return `cannot ${this.command} ${what}${who}: ${this.reason}`
  }
}

/**
 * A transition table with defects, found by `make`: every problem is listed, each saying what to
 * change (an unknown state, a row out of a final state, a row another row shadows, a row that can
 * never apply, a non-final state with no way out...).
 *
 * @example
 * ```ts
 * import { StateMachine } from "@paykit/core"
 * new StateMachine.InvalidStateMachine({ machine: "payment", problems: ["state failed has no way out but is not final"] }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class InvalidStateMachine extends Schema.TaggedError<InvalidStateMachine>()("InvalidStateMachine", {
  machine: Schema.String,
  problems: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `the transition table of state machine "${this.machine}" is not valid: ${this.problems.join("; ")}`
  }
}

/**
 * One row of a transition table: `command` moves a record in any of the `from` states to `to`.
 * `by` lists the actors who may (leave it out to allow every actor); `guard` names a guard that
 * must hold for the row to apply; `unreachable: true` marks a row whose states are never reached
 * from the initial states (kept for records in a retired state). The state, command, actor and
 * guard names are typed: a typo does not compile.
 *
 * @example
 * ```ts
 * import type { StateMachine } from "@paykit/core"
 * const row: StateMachine.Row<"open" | "paid", "pay", "customer"> = { command: "pay", from: ["open"], to: "paid", by: ["customer"] }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Row<S extends string, C extends string, A extends string = never, G extends string = never> {
  readonly command: C
  readonly from: ReadonlyArray<S>
  readonly to: S
  readonly by?: ReadonlyArray<A>
  readonly guard?: G
  readonly unreachable?: boolean
}

/**
 * Named guards: each checks the context passed to `transition` (an amount, a provider's answer)
 * and says whether a row applies. Several rows for the same state, command and actor are told
 * apart by their guards.
 *
 * @example
 * ```ts
 * import type { StateMachine } from "@paykit/core"
 * const guards: StateMachine.Guards<"paidInFull", { due: bigint; paid: bigint }> = { paidInFull: (c) => c.paid >= c.due }
 * ```
 * @category models
 * @since 0.1.0
 */
export type Guards<G extends string, X> = { readonly [K in G]: (context: X) => boolean }

/**
 * What `make` takes: the machine's name (used in error messages, e.g. "payment"), its states,
 * commands and (optionally) actors, the initial states (where records start, or are entered from
 * outside), the final states (no command leaves them), the rows, and the guards the rows name.
 *
 * @example
 * ```ts
 * import type { StateMachine } from "@paykit/core"
 * const spec: StateMachine.Spec<"open" | "paid", "pay", never, never, never> = {
 *   name: "invoice", states: ["open", "paid"], commands: ["pay"], initial: ["open"], final: ["paid"],
 *   rows: [{ command: "pay", from: ["open"], to: "paid" }]
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Spec<S extends string, C extends string, A extends string, G extends string, X> {
  readonly name: string
  readonly states: ReadonlyArray<S>
  readonly commands: ReadonlyArray<C>
  readonly actors?: ReadonlyArray<A>
  readonly initial: ReadonlyArray<NoInfer<S>>
  readonly final: ReadonlyArray<NoInfer<S>>
  readonly rows: ReadonlyArray<Row<NoInfer<S>, NoInfer<C>, NoInfer<A>, NoInfer<G>>>
  readonly guards?: Guards<G, X>
}

/**
 * The arguments after `(state, command)`: the actor when the machine declares actors (otherwise
 * `undefined` or nothing), then the context when it has guards.
 *
 * @example
 * ```ts
 * import type { StateMachine } from "@paykit/core"
 * const args: StateMachine.TransitionArgs<"customer", never, never> = ["customer"]
 * ```
 * @category models
 * @since 0.1.0
 */
export type TransitionArgs<A extends string, G extends string, X> = [G] extends [never]
  ? [A] extends [never]
    ? [actor?: undefined]
    : [actor: A]
  : [actor: [A] extends [never] ? undefined : A, context: X]

/**
 * One drawn arrow: `command` moves `from` to `to`, for the actors in `by` (every declared actor
 * when a row names none), under any of `guards` (empty when a row without a guard applies).
 * `unreachable` when every row behind the arrow is marked unreachable.
 *
 * @example
 * ```ts
 * import type { StateMachine } from "@paykit/core"
 * const label = (e: StateMachine.Edge<string, string, string, string>) => `${e.from} --> ${e.to}: ${e.command}`
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Edge<
  S extends string,
  C extends string,
  A extends string = never,
  G extends string = never
> {
  readonly from: S
  readonly command: C
  readonly to: S
  readonly by: ReadonlyArray<A>
  readonly guards: ReadonlyArray<G>
  readonly unreachable: boolean
}

/**
 * A validated, frozen state machine. `transition` is pure and needs no Effect: the first row (in
 * table order) for the state and command whose actors include the actor and whose guard holds
 * gives the next state; anything else is `IllegalTransition` saying why.
 *
 * @example
 * ```ts
 * import { StateMachine } from "@paykit/core"
 * const invoice = StateMachine.makeUnsafe({
 *   name: "invoice", states: ["open", "paid", "void"], commands: ["pay", "void"], actors: ["customer", "staff"],
 *   initial: ["open"], final: ["paid", "void"],
 *   rows: [
 *     { command: "pay", from: ["open"], to: "paid" },
 *     { command: "void", from: ["open"], to: "void", by: ["staff"] }
 *   ]
 * })
 * invoice.transition("open", "void", "customer") // Failure(IllegalTransition: only staff may void from open)
 * invoice.commandsFrom("open", "customer") // ["pay"]
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Machine<
  S extends string,
  C extends string,
  A extends string = never,
  G extends string = never,
  X = never
> {
  readonly name: string
  readonly states: ReadonlyArray<S>
  readonly commands: ReadonlyArray<C>
  readonly actors: ReadonlyArray<A>
  readonly initial: ReadonlyArray<S>
  readonly final: ReadonlyArray<S>
  readonly rows: ReadonlyArray<Row<S, C, A, G>>
  readonly guards: Guards<G, X>
  /** The next state, or `IllegalTransition` saying why not. */
  readonly transition: (
    from: S,
    command: C,
    ...args: TransitionArgs<A, G, X>
  ) => Result.Result<S, IllegalTransition>
  /** Like `transition`, throwing the `IllegalTransition`. */
  readonly transitionUnsafe: (from: S, command: C, ...args: TransitionArgs<A, G, X>) => S
  /** True when `transition` succeeds. */
  readonly canTransition: (from: S, command: C, ...args: TransitionArgs<A, G, X>) => boolean
  /** The commands with a row from `state` (for `actor`, when given), in declaration order; guards are not checked. */
  readonly commandsFrom: (state: S, actor?: A) => ReadonlyArray<C>
  /** The states `command` has a row from, in declaration order. */
  readonly fromStates: (command: C) => ReadonlyArray<S>
  /** True for a final state. */
  readonly isFinal: (state: S) => boolean
  /** The arrows of the diagram: one per (from, command, to), in table order. */
  readonly edges: () => ReadonlyArray<Edge<S, C, A, G>>
}

type LooseRow = Row<string, string, string, string>

interface LooseSpec {
  readonly name: string
  readonly states: ReadonlyArray<string>
  readonly commands: ReadonlyArray<string>
  readonly actors?: ReadonlyArray<string>
  readonly initial: ReadonlyArray<string>
  readonly final: ReadonlyArray<string>
  readonly rows: ReadonlyArray<LooseRow>
  readonly guards?: { readonly [name: string]: (context: unknown) => boolean }
}

const orList = (xs: ReadonlyArray<string>): string =>
  xs.length <= 1 ? (xs[0] ?? "nobody") : `${xs.slice(0, -1).join(", ")} or ${xs[xs.length - 1]}`

const show = (u: unknown): string => {
  try {
    return typeof u === "string" ? JSON.stringify(u) : String(u)
  } catch {
    return typeof u
  }
}

const duplicates = (xs: ReadonlyArray<string>): ReadonlyArray<string> => [
  ...new Set(xs.filter((x, i) => xs.indexOf(x) !== i))
]

/** The states reachable from the initial ones through any row (guards and actors aside). */
const reachable = (spec: LooseSpec): ReadonlySet<string> => {
  const seen = new Set(spec.initial)
  const queue = [...seen]
  for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
    for (const row of spec.rows) {
      if (row.from.includes(s) && !seen.has(row.to)) {
        seen.add(row.to)
        queue.push(row.to)
      }
    }
  }
  return seen
}

/** Each pair of rows where an earlier row keeps a later one from ever applying. */
const shadowing = (spec: LooseSpec, actors: ReadonlyArray<string>): ReadonlyArray<string> => {
  const problems = new Map<string, string>()
  const atKey = new Map<string, Array<number>>()
  spec.rows.forEach((row, i) => {
    for (const from of row.from) {
      for (const actor of row.by ?? (actors.length === 0 ? [""] : actors)) {
        const key = `${from}\u0000${row.command}\u0000${actor}`
        const earlier = atKey.get(key) ?? []
        for (const j of earlier) {
          const prior = spec.rows[j]!
          if ((prior.guard !== undefined && prior.guard !== row.guard) || problems.has(`${j}:${i}`)) continue
          const where = `${row.command} from ${from}${actor === "" ? "" : ` by ${actor}`}`
          problems.set(
            `${j}:${i}`,
            prior.guard === undefined
              ? `rows ${j + 1} and ${i + 1} both apply to ${where} and row ${j + 1} has no guard, so row ${i + 1} never applies: give row ${j + 1} a guard, or merge the rows`
              : `rows ${j + 1} and ${i + 1} both apply to ${where} under the same guard ${prior.guard}, so row ${i + 1} never applies: give them different guards`
          )
        }
        atKey.set(key, [...earlier, i])
      }
    }
  })
  return [...problems.values()]
}

const validate = (spec: LooseSpec): ReadonlyArray<string> => {
  const p: Array<string> = []
  const states = new Set(spec.states)
  const commands = new Set(spec.commands)
  const actors = spec.actors ?? []
  const guards = spec.guards ?? {}
  const final = new Set(spec.final)
  for (const [what, xs] of [
    ["state", spec.states],
    ["command", spec.commands],
    ["actor", actors]
  ] as const) {
    for (const d of duplicates(xs)) p.push(`${what} ${d} is declared twice`)
  }
  if (spec.states.length === 0) p.push("it declares no states")
  if (spec.initial.length === 0) {
    p.push("it has no initial state: list the states records start in (or enter from outside) in initial")
  }
  for (const s of spec.initial) if (!states.has(s)) p.push(`initial state ${show(s)} is not a declared state`)
  for (const s of spec.final) if (!states.has(s)) p.push(`final state ${show(s)} is not a declared state`)
  spec.rows.forEach((row, i) => {
    const at = `row ${i + 1} (${row.command})`
    if (!commands.has(row.command))
      p.push(`${at}: unknown command ${show(row.command)}; declare it in commands`)
    if (row.from.length === 0) p.push(`${at}: from lists no state`)
    for (const s of [...row.from, row.to]) if (!states.has(s)) p.push(`${at}: unknown state ${show(s)}`)
    for (const s of row.from) {
      if (final.has(s)) p.push(`${at} leaves the final state ${s}: remove the row, or ${s} from final`)
    }
    if (row.by !== undefined) {
      if (actors.length === 0) p.push(`${at} names actors (by) but the machine declares none in actors`)
      else if (row.by.length === 0) p.push(`${at}: by lists no actor; leave by out to allow every actor`)
      else for (const a of row.by) if (!actors.includes(a)) p.push(`${at}: unknown actor ${show(a)}`)
    }
    if (row.guard !== undefined && typeof guards[row.guard] !== "function") {
      p.push(`${at}: unknown guard ${show(row.guard)}; declare it in guards`)
    }
  })
  p.push(...shadowing(spec, actors))
  for (const c of spec.commands) {
    if (!spec.rows.some((r) => r.command === c))
      p.push(`command ${c} has no row: add one or remove the command`)
  }
  for (const g of Object.keys(guards)) {
    if (!spec.rows.some((r) => r.guard === g)) p.push(`guard ${g} is used by no row: use it or remove it`)
  }
  const reached = reachable(spec)
  spec.rows.forEach((row, i) => {
    const at = `row ${i + 1} (${row.command})`
    for (const s of row.from) {
      if (!states.has(s)) continue
      if (!reached.has(s) && row.unreachable !== true) {
        p.push(
          `${at} can never apply: ${s} is not reachable from the initial states (${spec.initial.join(", ")}); list ${s} in initial if records enter it from outside, or mark the row unreachable: true`
        )
      }
      if (reached.has(s) && row.unreachable === true) {
        p.push(`${at} is marked unreachable but applies from ${s}, which is reachable: remove the mark`)
      }
    }
  })
  for (const s of spec.states) {
    const out = spec.rows.some((r) => r.from.includes(s))
    if (!reached.has(s) && !out) {
      p.push(
        `state ${s} is never reached: add a row into it, or list it in initial if records enter it from outside`
      )
    }
    if (!final.has(s) && !out)
      p.push(`state ${s} has no way out but is not final: list it in final or add a row from it`)
  }
  return p
}

const freezeRow = (row: LooseRow): LooseRow =>
  Object.freeze({
    command: row.command,
    from: Object.freeze([...row.from]),
    to: row.to,
    ...(row.by === undefined ? {} : { by: Object.freeze([...row.by]) }),
    ...(row.guard === undefined ? {} : { guard: row.guard }),
    ...(row.unreachable === true ? { unreachable: true } : {})
  })

type Loose = (
  from: string,
  command: string,
  actor?: string,
  context?: unknown
) => Result.Result<string, IllegalTransition>

const edgesOf = (rows: ReadonlyArray<LooseRow>, actors: ReadonlyArray<string>) => {
  const byKey = new Map<
    string,
    {
      from: string
      command: string
      to: string
      by: Set<string>
      guards: Array<string>
      unreachable: boolean
    }
  >()
  for (const row of rows) {
    for (const from of row.from) {
      const key = `${from}\u0000${row.command}\u0000${row.to}`
      const e = byKey.get(key) ?? {
        from,
        command: row.command,
        to: row.to,
        by: new Set<string>(),
        guards: [],
        unreachable: true
      }
      for (const a of row.by ?? actors) e.by.add(a)
      if (row.guard !== undefined && !e.guards.includes(row.guard)) e.guards.push(row.guard)
      e.unreachable = e.unreachable && row.unreachable === true
      byKey.set(key, e)
    }
  }
  return Object.freeze(
    [...byKey.values()].map((e) =>
      Object.freeze({
        ...e,
        by: Object.freeze(actors.filter((a) => e.by.has(a))),
        guards: Object.freeze(e.guards)
      })
    )
  )
}

const build = (spec: LooseSpec) => {
  const { name } = spec
  const states = Object.freeze([...spec.states])
  const commands = Object.freeze([...spec.commands])
  const actors = Object.freeze([...(spec.actors ?? [])])
  const guards = Object.freeze({ ...(spec.guards ?? {}) })
  const rows = Object.freeze(spec.rows.map(freezeRow))
  const stateSet = new Set(states)
  const commandSet = new Set(commands)
  const actorSet = new Set(actors)
  const finalSet = new Set(spec.final)
  const index = new Map<string, Array<LooseRow>>()
  for (const row of rows) {
    for (const from of row.from) {
      const key = `${from}\u0000${row.command}`
      index.set(key, [...(index.get(key) ?? []), row])
    }
  }
  const fromStates = (command: string): ReadonlyArray<string> =>
    states.filter((s) => index.has(`${s}\u0000${command}`))
  const allows = (row: LooseRow, actor: unknown): boolean =>
    actors.length === 0 || row.by === undefined || row.by.includes(actor as string)

  const transition: Loose = (from, command, actor, context) => {
    const fail = (reason: string) =>
      Result.fail(
        new IllegalTransition({
          machine: name,
          from: typeof from === "string" ? from : show(from),
          command: typeof command === "string" ? command : show(command),
          ...(actor === undefined ? {} : { actor: typeof actor === "string" ? actor : show(actor) }),
          reason
        })
      )
    if (!stateSet.has(from)) return fail(`unknown state ${show(from)}; the states are ${states.join(", ")}`)
    if (!commandSet.has(command)) {
      return fail(`unknown command ${show(command)}; the commands are ${commands.join(", ")}`)
    }
    if (actors.length > 0 && !actorSet.has(actor as string)) {
      return fail(
        actor === undefined
          ? `say who is acting: one of ${actors.join(", ")}`
          : `unknown actor ${show(actor)}; the actors are ${actors.join(", ")}`
      )
    }
    if (finalSet.has(from)) return fail(`${from} is a final state: no command leaves it`)
    const candidates = index.get(`${from}\u0000${command}`)
    if (candidates === undefined) return fail(`${command} applies only from ${orList(fromStates(command))}`)
    const allowed = candidates.filter((r) => allows(r, actor))
    if (allowed.length === 0) {
      const who = actors.filter((a) => candidates.some((r) => allows(r, a)))
      return fail(`only ${orList(who)} may ${command} from ${from}`)
    }
    const failed: Array<string> = []
    for (const row of allowed) {
      if (row.guard === undefined) return Result.succeed(row.to)
      if (context === undefined) {
        return fail(`${command} from ${from} depends on the guard ${row.guard}: pass the context it checks`)
      }
      if (guards[row.guard]!(context) === true) return Result.succeed(row.to)
      failed.push(row.guard)
    }
    return fail(`no guard allows it (${failed.join(", ")} ${failed.length === 1 ? "does" : "do"} not hold)`)
  }
  const transitionUnsafe = (from: string, command: string, actor?: string, context?: unknown): string => {
    const r = transition(from, command, actor, context)
    if (Result.isFailure(r)) throw r.failure
    return r.success
  }
  const edges = edgesOf(rows, actors)
  return Object.freeze({
    name,
    states,
    commands,
    actors,
    initial: Object.freeze([...spec.initial]),
    final: Object.freeze([...spec.final]),
    rows,
    guards,
    transition,
    transitionUnsafe,
    canTransition: (from: string, command: string, actor?: string, context?: unknown): boolean =>
      Result.isSuccess(transition(from, command, actor, context)),
    commandsFrom: (state: string, actor?: string): ReadonlyArray<string> =>
      commands.filter((c) =>
        (index.get(`${state}\u0000${c}`) ?? []).some((r) => actor === undefined || allows(r, actor))
      ),
    fromStates,
    isFinal: (state: string): boolean => finalSet.has(state),
    edges: () => edges
  })
}

/**
 * Validates a transition table and builds its machine: `Success(machine)`, or
 * `InvalidStateMachine` listing every defect (unknown names, rows out of final states, rows that
 * another row shadows, rows that can never apply and are not marked `unreachable`, states never
 * reached, non-final states with no way out, unused commands or guards). Use `makeUnsafe` for a
 * machine defined as a module constant, where a defect should stop the module from loading.
 *
 * @example
 * ```ts
 * import { StateMachine } from "@paykit/core"
 * const r = StateMachine.make({
 *   name: "invoice", states: ["open", "paid"], commands: ["pay"], initial: ["open"], final: ["paid"],
 *   rows: [{ command: "pay", from: ["open"], to: "paid" }]
 * }) // Success(machine)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = <
  const S extends string,
  const C extends string,
  const A extends string = never,
  G extends string = never,
  X = never
>(
  spec: Spec<S, C, A, G, X>
): Result.Result<Machine<S, C, A, G, X>, InvalidStateMachine> => {
  const loose = spec as unknown as LooseSpec
  const problems = validate(loose)
  return problems.length > 0
    ? Result.fail(new InvalidStateMachine({ machine: String(spec.name), problems: [...problems] }))
    : Result.succeed(build(loose) as unknown as Machine<S, C, A, G, X>)
}

/**
 * Like {@link make} but throws `InvalidStateMachine`: for a machine defined as a module
 * constant, so that a defect in the table stops the module from loading (a bug, never a runtime
 * condition).
 *
 * @example
 * ```ts
 * import { StateMachine } from "@paykit/core"
 * export const invoice = StateMachine.makeUnsafe({
 *   name: "invoice", states: ["open", "paid"], commands: ["pay"], initial: ["open"], final: ["paid"],
 *   rows: [{ command: "pay", from: ["open"], to: "paid" }]
 * })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const makeUnsafe = <
  const S extends string,
  const C extends string,
  const A extends string = never,
  G extends string = never,
  X = never
>(
  spec: Spec<S, C, A, G, X>
): Machine<S, C, A, G, X> => {
  const r = make(spec)
  if (Result.isFailure(r)) throw r.failure
  return r.success
}
