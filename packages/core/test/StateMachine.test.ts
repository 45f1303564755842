import { Result } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { StateMachine } from "../src/index.ts"
import { StateMachineChecks } from "../src/testing/index.ts"

// A small payment machine with every feature: actors, guards on the provider's answer, a final
// set, and a retired state (`legacy_review`) whose rows are marked unreachable.
interface Answer {
  readonly approved: boolean
}
const payment = StateMachine.makeUnsafe({
  name: "payment",
  states: ["created", "authorized", "captured", "voided", "declined", "legacy_review"],
  commands: ["authorize", "capture", "void", "resolve"],
  actors: ["customer", "merchant", "provider"],
  initial: ["created"],
  final: ["captured", "voided", "declined"],
  guards: { approved: (a: Answer) => a.approved, refused: (a: Answer) => !a.approved },
  rows: [
    { command: "authorize", from: ["created"], to: "authorized", by: ["provider"], guard: "approved" },
    { command: "authorize", from: ["created"], to: "declined", by: ["provider"], guard: "refused" },
    { command: "capture", from: ["authorized"], to: "captured", by: ["merchant"] },
    { command: "void", from: ["created", "authorized"], to: "voided", by: ["merchant"] },
    { command: "void", from: ["created"], to: "voided", by: ["customer"] },
    { command: "resolve", from: ["legacy_review"], to: "authorized", by: ["merchant"], unreachable: true }
  ]
})
const yes: Answer = { approved: true }

const failure = <A>(r: Result.Result<A, StateMachine.IllegalTransition>): StateMachine.IllegalTransition => {
  if (Result.isSuccess(r)) throw new Error(`expected a failure, got ${String(r.success)}`)
  return r.failure
}

describe("StateMachine: a machine from a table", () => {
  it("moves by the table and refuses everything else with a reason a person can act on", () => {
    expect(payment.transition("created", "authorize", "provider", yes)).toEqual(Result.succeed("authorized"))
    expect(payment.transition("created", "authorize", "provider", { approved: false })).toEqual(
      Result.succeed("declined")
    )
    expect(payment.transitionUnsafe("authorized", "capture", "merchant", yes)).toBe("captured")
    const cases: ReadonlyArray<[string, StateMachine.IllegalTransition]> = [
      [
        "cannot capture a payment that is captured (as merchant): captured is a final state: no command leaves it",
        failure(payment.transition("captured", "capture", "merchant", yes))
      ],
      [
        "cannot capture a payment that is created (as merchant): capture applies only from authorized",
        failure(payment.transition("created", "capture", "merchant", yes))
      ],
      [
        "cannot void a payment that is authorized (as customer): only merchant may void from authorized",
        failure(payment.transition("authorized", "void", "customer", yes))
      ],
      [
        "cannot authorize a payment that is created (as merchant): only provider may authorize from created",
        failure(payment.transition("created", "authorize", "merchant", yes))
      ]
    ]
    for (const [message, e] of cases) {
      expect(e).toBeInstanceOf(StateMachine.IllegalTransition)
      expect(e._tag).toBe("IllegalTransition")
      expect(e.machine).toBe("payment")
      expect(e.message).toBe(message)
    }
    expect(failure(payment.transition("created", "capture", "merchant", yes))).toMatchObject({
      from: "created",
      command: "capture",
      actor: "merchant"
    })
    expect(() => payment.transitionUnsafe("voided", "void", "merchant", yes)).toThrow(
      StateMachine.IllegalTransition
    )
  })

  it("answers commandsFrom, fromStates, canTransition and isFinal from the same table", () => {
    expect(payment.commandsFrom("created")).toEqual(["authorize", "void"])
    expect(payment.commandsFrom("created", "customer")).toEqual(["void"])
    expect(payment.commandsFrom("authorized", "merchant")).toEqual(["capture", "void"])
    expect(payment.commandsFrom("captured")).toEqual([])
    expect(payment.fromStates("void")).toEqual(["created", "authorized"])
    expect(payment.canTransition("created", "void", "customer", yes)).toBe(true)
    expect(payment.canTransition("authorized", "void", "customer", yes)).toBe(false)
    expect(payment.isFinal("declined")).toBe(true)
    expect(payment.isFinal("created")).toBe(false)
  })

  it("draws one edge per (from, command, to), with the union of the rows' actors and their guards", () => {
    expect(payment.edges()).toEqual([
      {
        from: "created",
        command: "authorize",
        to: "authorized",
        by: ["provider"],
        guards: ["approved"],
        unreachable: false
      },
      {
        from: "created",
        command: "authorize",
        to: "declined",
        by: ["provider"],
        guards: ["refused"],
        unreachable: false
      },
      {
        from: "authorized",
        command: "capture",
        to: "captured",
        by: ["merchant"],
        guards: [],
        unreachable: false
      },
      {
        from: "created",
        command: "void",
        to: "voided",
        by: ["customer", "merchant"],
        guards: [],
        unreachable: false
      },
      { from: "authorized", command: "void", to: "voided", by: ["merchant"], guards: [], unreachable: false },
      {
        from: "legacy_review",
        command: "resolve",
        to: "authorized",
        by: ["merchant"],
        guards: [],
        unreachable: true
      }
    ])
  })

  it("is frozen: the table cannot be changed after make", () => {
    expect(Object.isFrozen(payment)).toBe(true)
    expect(Object.isFrozen(payment.rows)).toBe(true)
    expect(Object.isFrozen(payment.rows[0])).toBe(true)
    expect(Object.isFrozen(payment.rows[0]!.from)).toBe(true)
    expect(Object.isFrozen(payment.edges())).toBe(true)
    expect(() => (payment.rows as Array<unknown>).push({})).toThrow(TypeError)
  })

  it("copies the spec: changing the table given to make afterwards changes nothing", () => {
    const rows = [{ command: "go" as const, from: ["a" as const], to: "b" as const }]
    const m = StateMachine.makeUnsafe({
      name: "m",
      states: ["a", "b"],
      commands: ["go"],
      initial: ["a"],
      final: ["b"],
      rows
    })
    ;(rows[0]!.from as Array<string>).push("b")
    rows.push({ command: "go", from: ["b" as "a"], to: "a" as "b" })
    expect(m.rows).toEqual([{ command: "go", from: ["a"], to: "b" }])
    expect(failure(m.transition("b", "go")).reason).toBe("b is a final state: no command leaves it")
  })

  it("works without actors and without guards: transition(state, command)", () => {
    const door = StateMachine.makeUnsafe({
      name: "door",
      states: ["open", "shut"],
      commands: ["close", "open"],
      initial: ["open"],
      final: [],
      rows: [
        { command: "close", from: ["open"], to: "shut" },
        { command: "open", from: ["shut"], to: "open" }
      ]
    })
    expect(door.transition("open", "close")).toEqual(Result.succeed("shut"))
    const e = failure(door.transition("open", "open"))
    expect(e.actor).toBeUndefined()
    expect(e.message).toBe("cannot open a door that is open: open applies only from shut")
    expect(StateMachineChecks.laws(door)).toEqual([])
  })

  it("hostile input from untyped callers is an IllegalTransition naming what is wrong, never a throw", () => {
    const loose = payment.transition as unknown as (
      ...args: ReadonlyArray<unknown>
    ) => Result.Result<string, StateMachine.IllegalTransition>
    const inputs: ReadonlyArray<[ReadonlyArray<unknown>, string]> = [
      [["nowhere", "capture", "merchant", yes], 'unknown state "nowhere"'],
      [[null, "capture", "merchant", yes], "unknown state null"],
      [[{}, "capture", "merchant", yes], "unknown state [object Object]"],
      [["created", 42, "merchant", yes], "unknown command 42"],
      [["created", "__proto__", "merchant", yes], 'unknown command "__proto__"'],
      [["created", "void", "intruder", yes], 'unknown actor "intruder"'],
      [["created", "void", undefined, yes], "say who is acting: one of customer, merchant, provider"],
      [["created", "authorize", "provider"], "depends on the guard approved: pass the context it checks"],
      [
        ["created", "authorize", "provider", { approved: "maybe" }],
        "no guard allows it (approved, refused do not hold)"
      ]
    ]
    for (const [args, reason] of inputs) {
      const r = loose(...args)
      expect(Result.isFailure(r), String(args[0])).toBe(true)
      if (Result.isFailure(r)) {
        expect(r.failure._tag).toBe("IllegalTransition")
        expect(r.failure.reason).toContain(reason)
      }
    }
    expect(payment.transition("created", "void", "customer", yes)).toEqual(Result.succeed("voided"))
  })

  it("names are typed: a typo in a state, command, actor or guard does not compile", () => {
    // @ts-expect-error a state that is not declared
    payment.transition("authorised", "capture", "merchant", yes)
    // @ts-expect-error a command that is not declared
    payment.transition("authorized", "captur", "merchant", yes)
    // @ts-expect-error an actor that is not declared
    payment.transition("authorized", "capture", "admin", yes)
    // @ts-expect-error the context is required when the machine has guards
    payment.transition("authorized", "capture", "merchant")
    const spec = {
      name: "m",
      states: ["a", "b"],
      commands: ["go"],
      actors: ["me"],
      initial: ["a"],
      final: ["b"],
      guards: { ok: (_: number) => true }
    } as const
    // @ts-expect-error a row's target that is not a state
    StateMachine.make({ ...spec, rows: [{ command: "go", from: ["a"], to: "c" }] })
    // @ts-expect-error a row's command that is not declared
    StateMachine.make({ ...spec, rows: [{ command: "went", from: ["a"], to: "b" }] })
    // @ts-expect-error a row's actor that is not declared
    StateMachine.make({ ...spec, rows: [{ command: "go", from: ["a"], to: "b", by: ["you"] }] })
    // @ts-expect-error a row's guard that is not declared
    StateMachine.make({ ...spec, rows: [{ command: "go", from: ["a"], to: "b", guard: "ko" }] })
    // @ts-expect-error a final state that is not declared
    StateMachine.make({ ...spec, final: ["z"], rows: [{ command: "go", from: ["a"], to: "b" }] })
    expect(true).toBe(true)
  })
})

describe("StateMachine.make validates the table", () => {
  const base = {
    name: "m",
    states: ["a", "b", "c"],
    commands: ["go", "stop"],
    actors: ["me", "you"],
    initial: ["a"],
    final: ["c"]
  } as const
  type Rows = StateMachine.Spec<"a" | "b" | "c", "go" | "stop", "me" | "you", never, never>["rows"]
  const problems = (
    rows: Rows,
    extra: Partial<StateMachine.Spec<"a" | "b" | "c", "go" | "stop", "me" | "you", never, never>> = {}
  ) => {
    const r = StateMachine.make({ ...base, rows, ...extra })
    return Result.isFailure(r) ? r.failure.problems : []
  }
  const ok: Rows = [
    { command: "go", from: ["a"], to: "b" },
    { command: "stop", from: ["b"], to: "c" }
  ]

  it("accepts a sound table", () => {
    expect(problems(ok)).toEqual([])
  })

  it("names every defect, each with what to do", () => {
    expect(problems([...ok, { command: "go", from: ["c"], to: "a" }])).toEqual([
      "row 3 (go) leaves the final state c: remove the row, or c from final"
    ])
    expect(problems([...ok, { command: "go", from: ["a"], to: "c" }])).toEqual([
      "rows 1 and 3 both apply to go from a by me and row 1 has no guard, so row 3 never applies: give row 1 a guard, or merge the rows"
    ])
    expect(problems([...ok, { command: "go", from: ["a"], to: "c", by: ["you"] }])).toEqual([
      "rows 1 and 3 both apply to go from a by you and row 1 has no guard, so row 3 never applies: give row 1 a guard, or merge the rows"
    ])
    expect(problems([{ command: "go", from: ["a"], to: "b" }])).toEqual([
      "command stop has no row: add one or remove the command",
      "state b has no way out but is not final: list it in final or add a row from it",
      "state c is never reached: add a row into it, or list it in initial if records enter it from outside"
    ])
    expect(problems([...ok, { command: "stop", from: ["b"], to: "b", by: [] }])).toContain(
      "row 3 (stop): by lists no actor; leave by out to allow every actor"
    )
    expect(
      problems([
        { command: "go", from: ["a"], to: "c" },
        { command: "stop", from: ["b"], to: "c" }
      ])
    ).toEqual([
      "row 2 (stop) can never apply: b is not reachable from the initial states (a); list b in initial if records enter it from outside, or mark the row unreachable: true"
    ])
    expect(
      problems([
        { command: "go", from: ["a"], to: "c" },
        { command: "stop", from: ["b"], to: "c", unreachable: true }
      ])
    ).toEqual([])
    expect(
      problems([...ok.slice(0, 1), { command: "stop", from: ["b"], to: "c", unreachable: true }])
    ).toEqual(["row 2 (stop) is marked unreachable but applies from b, which is reachable: remove the mark"])
    expect(problems(ok, { initial: [] })).toContain(
      "it has no initial state: list the states records start in (or enter from outside) in initial"
    )
  })

  it("catches what the types cannot: unknown and duplicate names from untyped tables", () => {
    const r = StateMachine.make({
      name: "loose",
      states: ["a", "b", "a"],
      commands: ["go"],
      initial: ["a", "x"],
      final: ["b"],
      rows: [{ command: "went", from: ["a"], to: "q", by: ["me"], guard: "g" }]
    } as unknown as StateMachine.Spec<string, string, string, string, unknown>)
    expect(Result.isFailure(r) && r.failure.problems).toEqual(
      expect.arrayContaining([
        "state a is declared twice",
        'initial state "x" is not a declared state',
        'row 1 (went): unknown command "went"; declare it in commands',
        'row 1 (went): unknown state "q"',
        "row 1 (went) names actors (by) but the machine declares none in actors",
        'row 1 (went): unknown guard "g"; declare it in guards',
        "command go has no row: add one or remove the command"
      ])
    )
  })

  it("allows several rows for one state, command and actor only when guards tell them apart", () => {
    const spec = {
      name: "m",
      states: ["a", "b", "c"],
      commands: ["go"],
      initial: ["a"],
      final: ["b", "c"],
      guards: { high: (n: number) => n > 10, low: (n: number) => n <= 10 }
    } as const
    expect(
      Result.isSuccess(
        StateMachine.make({
          ...spec,
          rows: [
            { command: "go", from: ["a"], to: "b", guard: "high" },
            { command: "go", from: ["a"], to: "c", guard: "low" }
          ]
        })
      )
    ).toBe(true)
    const same = StateMachine.make({
      ...spec,
      rows: [
        { command: "go", from: ["a"], to: "b", guard: "high" },
        { command: "go", from: ["a"], to: "c", guard: "high" }
      ]
    })
    expect(Result.isFailure(same) && same.failure.problems).toEqual([
      "rows 1 and 2 both apply to go from a under the same guard high, so row 2 never applies: give them different guards",
      "guard low is used by no row: use it or remove it"
    ])
  })

  it("makeUnsafe throws InvalidStateMachine listing the problems (a defect, at module load)", () => {
    expect(() =>
      StateMachine.makeUnsafe({ ...base, rows: [{ command: "go", from: ["a"], to: "b" }] })
    ).toThrow(/state machine "m" is not valid: command stop has no row/)
  })
})

// ---------------------------------------------------------------------------------------------
// Properties over random tables.

interface RawRow {
  readonly command: string
  readonly from: ReadonlyArray<string>
  readonly to: string
  readonly by?: ReadonlyArray<string>
  readonly guard?: string
  readonly unreachable?: true
}
interface RawSpec {
  readonly states: ReadonlyArray<string>
  readonly commands: ReadonlyArray<string>
  readonly actors: ReadonlyArray<string>
  readonly guards: ReadonlyArray<string>
  readonly initial: ReadonlyArray<string>
  readonly final: ReadonlyArray<string>
  readonly rows: ReadonlyArray<RawRow>
}
type Context = ReadonlyArray<string> | undefined
type Loose = (
  from: string,
  command: string,
  actor?: string,
  context?: Context
) => Result.Result<string, StateMachine.IllegalTransition>

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

const rawSpec: fc.Arbitrary<RawSpec> = fc
  .record({
    states: fc.integer({ min: 1, max: 5 }).map((n) => names("s", n)),
    commands: fc.integer({ min: 1, max: 3 }).map((n) => names("c", n)),
    actors: fc.integer({ min: 0, max: 2 }).map((n) => names("a", n)),
    guards: fc.integer({ min: 0, max: 2 }).map((n) => names("g", n))
  })
  .chain(({ states, commands, actors, guards }) =>
    fc.record({
      states: fc.constant(states),
      commands: fc.constant(commands),
      actors: fc.constant(actors),
      guards: fc.constant(guards),
      initial: fc.subarray(states, { minLength: 1 }),
      final: fc.subarray(states),
      rows: fc.array(
        fc
          .record({
            command: fc.constantFrom(...commands),
            from: fc.subarray(states, { minLength: 1, maxLength: Math.min(2, states.length) }),
            to: fc.constantFrom(...states),
            by:
              actors.length === 0 ? fc.constant(undefined) : fc.option(fc.subarray(actors, { minLength: 1 })),
            guard: guards.length === 0 ? fc.constant(undefined) : fc.option(fc.constantFrom(...guards)),
            unreachable: fc.boolean()
          })
          .map(
            (r): RawRow => ({
              command: r.command,
              from: r.from,
              to: r.to,
              ...(r.by === undefined || r.by === null ? {} : { by: r.by }),
              ...(r.guard === undefined || r.guard === null ? {} : { guard: r.guard }),
              ...(r.unreachable ? { unreachable: true as const } : {})
            })
          ),
        { maxLength: 8 }
      )
    })
  )

const toSpec = (raw: RawSpec): StateMachine.Spec<string, string, string, string, Context> => ({
  name: "random",
  states: raw.states,
  commands: raw.commands,
  ...(raw.actors.length === 0 ? {} : { actors: raw.actors }),
  initial: raw.initial,
  final: raw.final,
  rows: raw.rows,
  ...(raw.guards.length === 0
    ? {}
    : { guards: Object.fromEntries(raw.guards.map((g) => [g, (x: Context) => x?.includes(g) === true])) })
})

const overlaps = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) => a.some((x) => b.includes(x))

const reachedBy = (initial: ReadonlyArray<string>, rows: ReadonlyArray<RawRow>): Set<string> => {
  const seen = new Set(initial)
  for (let grew = true; grew; ) {
    grew = false
    for (const r of rows) {
      if (r.from.some((f) => seen.has(f)) && !seen.has(r.to)) {
        seen.add(r.to)
        grew = true
      }
    }
  }
  return seen
}

/** The reference for "a sound table": fix one round of every defect the kit rejects. */
const repairOnce = (raw: RawSpec): RawSpec => {
  const fromFinal = raw.rows
    .map((r) => ({ ...r, from: r.from.filter((f) => !raw.final.includes(f)) }))
    .filter((r) => r.from.length > 0)
  const kept: Array<RawRow> = []
  const actorsMeet = (j: RawRow, r: RawRow) =>
    raw.actors.length === 0 || overlaps(j.by ?? raw.actors, r.by ?? raw.actors)
  for (const r of fromFinal) {
    const shadowed = kept.some(
      (j) =>
        j.command === r.command &&
        overlaps(j.from, r.from) &&
        actorsMeet(j, r) &&
        (j.guard === undefined || j.guard === r.guard)
    )
    if (!shadowed) kept.push(r)
  }
  const reached = reachedBy(raw.initial, kept)
  const rows = kept.flatMap((r): ReadonlyArray<RawRow> => {
    const { unreachable: _, ...rest } = r
    const inside = r.from.filter((f) => reached.has(f))
    const outside = r.from.filter((f) => !reached.has(f))
    return [
      ...(inside.length > 0 ? [{ ...rest, from: inside }] : []),
      ...(outside.length > 0 ? [{ ...rest, from: outside, unreachable: true as const }] : [])
    ]
  })
  const out = (s: string) => rows.some((r) => r.from.includes(s))
  return {
    ...raw,
    commands: raw.commands.filter((c) => rows.some((r) => r.command === c)),
    guards: raw.guards.filter((g) => rows.some((r) => r.guard === g)),
    initial: [...raw.initial, ...raw.states.filter((s) => !reached.has(s) && !out(s))],
    final: [...raw.final, ...raw.states.filter((s) => !raw.final.includes(s) && !out(s))],
    rows
  }
}

const repair = (raw: RawSpec): RawSpec => {
  for (let s = raw; ; ) {
    const next = repairOnce(s)
    if (JSON.stringify(next) === JSON.stringify(s)) return s
    s = next
  }
}

const sound: fc.Arbitrary<RawSpec> = rawSpec.map(repair)

/** A sound table, or one a single edit away from it (most random tables are far from sound). */
const nearlySound: fc.Arbitrary<RawSpec> = fc
  .tuple(sound, fc.nat(), fc.constantFrom("none", "mark", "drop", "copy", "unfinal", "unguard"))
  .map(([s, n, edit]): RawSpec => {
    const i = n % Math.max(1, s.rows.length)
    const row = s.rows[i]
    const rows = (r: ReadonlyArray<RawRow>) => ({ ...s, rows: r })
    if (row === undefined || edit === "none") return s
    if (edit === "mark") {
      const { unreachable, ...rest } = row
      return rows(
        s.rows.map((r, j) => (j !== i ? r : unreachable ? rest : { ...rest, unreachable: true as const }))
      )
    }
    if (edit === "drop") return rows(s.rows.filter((_, j) => j !== i))
    if (edit === "copy") return rows([...s.rows, row])
    if (edit === "unfinal")
      return { ...s, final: s.final.filter((_, j) => j !== n % Math.max(1, s.final.length)) }
    const { guard: _, ...unguarded } = row
    return rows(s.rows.map((r, j) => (j === i ? unguarded : r)))
  })

const contextsOf = (raw: RawSpec): ReadonlyArray<Context> => {
  const subsets: Array<ReadonlyArray<string>> = [[]]
  for (const g of raw.guards) for (const s of [...subsets]) subsets.push([...s, g])
  return [undefined, ...subsets]
}
const actorsOf = (raw: RawSpec): ReadonlyArray<string | undefined> =>
  raw.actors.length === 0 ? [undefined] : raw.actors

/** The table read directly: the first row for the state, command and actor whose guard holds. */
const byTable = (
  raw: RawSpec,
  s: string,
  c: string,
  a: string | undefined,
  x: Context
): string | undefined => {
  for (const r of raw.rows) {
    if (r.command !== c || !r.from.includes(s)) continue
    if (a !== undefined && r.by !== undefined && !r.by.includes(a)) continue
    if (r.guard === undefined) return r.to
    if (x === undefined) return undefined
    if (x.includes(r.guard)) return r.to
  }
  return undefined
}

const machineOf = (raw: RawSpec) => {
  const r = StateMachine.make(toSpec(raw))
  if (Result.isFailure(r)) throw new Error(`expected a sound table: ${r.failure.message}`)
  return { machine: r.success, transition: r.success.transition as unknown as Loose }
}

describe("StateMachine properties over random tables", () => {
  it("make accepts exactly the tables with nothing to repair, and every repaired table", () => {
    fc.assert(
      fc.property(fc.oneof(rawSpec, nearlySound), (raw) => {
        const r = StateMachine.make(toSpec(raw))
        const soundAlready = JSON.stringify(repair(raw)) === JSON.stringify(raw)
        expect(Result.isSuccess(r)).toBe(soundAlready)
        if (Result.isFailure(r)) expect(r.failure.problems.length).toBeGreaterThan(0)
        expect(Result.isSuccess(StateMachine.make(toSpec(repair(raw))))).toBe(true)
      }),
      { numRuns: 400 }
    )
  })

  it("no transition leaves a final state, for any command, actor or context", () => {
    fc.assert(
      fc.property(sound, (raw) => {
        const { transition } = machineOf(raw)
        for (const s of raw.final) {
          for (const c of raw.commands) {
            for (const a of actorsOf(raw)) {
              for (const x of contextsOf(raw)) {
                const r = transition(s, c, a, x)
                expect(Result.isFailure(r)).toBe(true)
                if (Result.isFailure(r))
                  expect(r.failure.reason).toBe(`${s} is a final state: no command leaves it`)
              }
            }
          }
        }
      }),
      { numRuns: 300 }
    )
  })

  it("every row fires on a path of transitions from an initial state, unless it is marked unreachable", () => {
    fc.assert(
      fc.property(sound, (raw) => {
        const { transition } = machineOf(raw)
        // explore with transition alone
        const reached = new Set(raw.initial)
        const fired = new Set<string>()
        const queue = [...raw.initial]
        for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
          for (const c of raw.commands) {
            for (const a of actorsOf(raw)) {
              for (const x of contextsOf(raw)) {
                const r = transition(s, c, a, x)
                if (Result.isFailure(r)) continue
                fired.add(JSON.stringify([s, c, a ?? null, x ?? null, r.success]))
                if (!reached.has(r.success)) {
                  reached.add(r.success)
                  queue.push(r.success)
                }
              }
            }
          }
        }
        raw.rows.forEach((row) => {
          for (const from of row.from) {
            expect(reached.has(from), `row ${JSON.stringify(row)}`).toBe(row.unreachable !== true)
            if (row.unreachable === true) continue
            // some actor the row allows, under a context where only its guard holds, takes it
            const x = row.guard === undefined ? [] : [row.guard]
            const takes = actorsOf(raw)
              .filter((a) => a === undefined || row.by === undefined || row.by.includes(a))
              .some((a) => fired.has(JSON.stringify([from, row.command, a ?? null, x, row.to])))
            expect(takes, `row ${JSON.stringify(row)} from ${from}`).toBe(true)
          }
        })
      }),
      { numRuns: 300 }
    )
  })

  it("transition agrees with the table for every state × command × actor × context", () => {
    fc.assert(
      fc.property(sound, (raw) => {
        const { machine, transition } = machineOf(raw)
        const actors = [...actorsOf(raw), ...(raw.actors.length > 0 ? ["intruder"] : [])]
        for (const s of raw.states) {
          for (const c of raw.commands) {
            for (const a of actors) {
              for (const x of contextsOf(raw)) {
                const want = a === "intruder" ? undefined : byTable(raw, s, c, a, x)
                const r = transition(s, c, a, x)
                expect(Result.isSuccess(r) ? r.success : undefined).toBe(want)
                if (Result.isFailure(r)) {
                  expect(r.failure).toBeInstanceOf(StateMachine.IllegalTransition)
                  expect(r.failure).toMatchObject({ machine: "random", from: s, command: c })
                  expect(r.failure.actor).toBe(a)
                  expect(r.failure.reason.length).toBeGreaterThan(0)
                }
              }
            }
          }
        }
        expect(StateMachineChecks.laws(machine, { contexts: contextsOf(raw) })).toEqual([])
      }),
      { numRuns: 300 }
    )
  })

  it("edges are the rows' arrows, merged per (from, command, to), and a drawing of them matches", () => {
    fc.assert(
      fc.property(sound, (raw) => {
        const { machine } = machineOf(raw)
        const arrows = new Set(raw.rows.flatMap((r) => r.from.map((f) => `${f} --${r.command}--> ${r.to}`)))
        expect(machine.edges().map((e) => `${e.from} --${e.command}--> ${e.to}`)).toEqual([...arrows])
        const text = StateMachineChecks.mermaid(machine)
        expect(StateMachineChecks.diagram(machine, text)).toEqual({ missing: [], extra: [], mismatches: [] })
        const lines = text.split("\n")
        const arrowLines = lines.map((l, i) => [l, i] as const).filter(([l]) => /\w --> \w/.test(l))
        for (const [line, i] of arrowLines) {
          const dropped = StateMachineChecks.diagram(machine, lines.filter((_, j) => j !== i).join("\n"))
          const [, from, to, command] = /(\S+) --> (\S+): (\S+)/.exec(line)!
          expect(dropped.missing).toEqual([`${from} --${command}--> ${to}`])
        }
      }),
      { numRuns: 200 }
    )
  })
})

describe("StateMachineChecks catches a machine or a diagram that lies", () => {
  it("laws reports a transition out of a final state, a disagreement with the table and a dead row", () => {
    const lying = {
      ...payment,
      transition: (from: string, command: string, actor: string, x: Answer) =>
        from === "captured"
          ? Result.succeed("authorized")
          : command === "capture"
            ? Result.succeed("voided")
            : payment.transition(from as "created", command as "void", actor as "merchant", x)
    } as unknown as typeof payment
    const v = StateMachineChecks.laws(lying, { contexts: [yes, { approved: false }] })
    expect(v).toEqual(
      expect.arrayContaining([
        'capture from captured by merchant with context {"approved":true} leaves the final state captured for authorized',
        'capture from authorized by customer with context {"approved":true} gives voided but the table says it is illegal',
        "authorized --capture--> captured never fires on a path from the initial states"
      ])
    )
    expect(StateMachineChecks.laws(payment, { contexts: [yes, { approved: false }] })).toEqual([])
    expect(StateMachineChecks.laws(payment)).toEqual([
      "created --authorize--> authorized never fires on a path from the initial states (pass contexts under which approved holds)",
      "created --authorize--> declined never fires on a path from the initial states (pass contexts under which refused holds)",
      "authorized --capture--> captured never fires on a path from the initial states",
      "authorized --void--> voided never fires on a path from the initial states"
    ])
  })

  it("parses Mermaid (markers, labels, details, comments) and ASCII chains", () => {
    const mermaid = [
      "stateDiagram-v2",
      "  %% a comment --> ignored",
      "  [*] --> created: new",
      "  created-->authorized : authorize (provider) when approved",
      "  authorized --> captured: capture",
      "  captured --> [*]"
    ].join("\n")
    expect(StateMachineChecks.parseMermaid(mermaid)).toEqual({
      edges: [
        { from: "created", to: "authorized", command: "authorize", details: ["provider"], line: 4 },
        { from: "authorized", to: "captured", command: "capture", details: [], line: 5 }
      ],
      initial: ["created"],
      final: ["captured"]
    })
    const ascii = [
      " * created ─authorize→ authorized ─capture (merchant)→ captured | voided",
      "created --void--> voided",
      "no arrows here"
    ].join("\n")
    expect(StateMachineChecks.parseAscii(ascii).edges).toEqual([
      { from: "created", to: "authorized", command: "authorize", details: [], line: 1 },
      { from: "authorized", to: "captured", command: "capture", details: ["merchant"], line: 1 },
      { from: "authorized", to: "voided", command: "capture", details: ["merchant"], line: 1 },
      { from: "created", to: "voided", command: "void", details: [], line: 2 }
    ])
  })

  it("diagram reports missing and extra arrows, duplicates, wrong actors, markers and undrawn states", () => {
    const text = StateMachineChecks.mermaid(payment)
    expect(StateMachineChecks.diagram(payment, text)).toEqual({ missing: [], extra: [], mismatches: [] })
    const lying = text
      .replace("  authorized --> captured: capture (merchant)\n", "")
      .replace("  created --> voided: void (customer, merchant)\n", "  created --> voided: void (customer)\n")
      .replace("  declined --> [*]\n", "")
      .concat("  created --> captured: capture\n  created --> captured: capture\n")
    expect(StateMachineChecks.diagram(payment, lying)).toEqual({
      missing: ["authorized --capture--> captured"],
      extra: ["created --capture--> captured"],
      mismatches: [
        "created --void--> voided (line 5) names customer but the table allows customer, merchant",
        "created --capture--> captured is drawn twice (lines 10 and 11)",
        "declined is final but declined --> [*] is not drawn"
      ]
    })
    expect(StateMachineChecks.diagram(payment, "stateDiagram-v2\n").mismatches).toContain(
      "state legacy_review is not drawn"
    )
    expect(StateMachineChecks.mermaidAfter("# T\n## Flow\ntext\n```mermaid\na --> b\n```\n", "## Flow")).toBe(
      "a --> b\n"
    )
    expect(StateMachineChecks.mermaidAfter("# T\n", "## Flow")).toBeUndefined()
  })
})

describe("the README example", () => {
  it("computes what the README says", () => {
    const refund = StateMachine.makeUnsafe({
      name: "refund",
      states: ["requested", "approved", "paid", "rejected"],
      commands: ["approve", "reject", "pay"],
      actors: ["merchant", "operator", "system"],
      initial: ["requested"],
      final: ["paid", "rejected"],
      rows: [
        { command: "approve", from: ["requested"], to: "approved", by: ["merchant", "operator"] },
        { command: "reject", from: ["requested", "approved"], to: "rejected", by: ["operator"] },
        { command: "pay", from: ["approved"], to: "paid", by: ["system"] }
      ]
    })
    expect(refund.transition("requested", "approve", "merchant")).toEqual(Result.succeed("approved"))
    expect(failure(refund.transition("paid", "reject", "operator")).message).toBe(
      "cannot reject a refund that is paid (as operator): paid is a final state: no command leaves it"
    )
    expect(refund.commandsFrom("approved", "operator")).toEqual(["reject"])
    const readmeMermaid = [
      "stateDiagram-v2",
      "  [*] --> requested",
      "  requested --> approved: approve (merchant, operator)",
      "  requested --> rejected: reject (operator)",
      "  approved --> rejected: reject",
      "  approved --> paid: pay (system)",
      "  paid --> [*]",
      "  rejected --> [*]"
    ].join("\n")
    expect(StateMachineChecks.diagram(refund, readmeMermaid)).toEqual({
      missing: [],
      extra: [],
      mismatches: []
    })
    expect(StateMachineChecks.laws(refund)).toEqual([])
  })
})
