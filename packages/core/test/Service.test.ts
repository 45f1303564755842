import { Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { Ids, Service } from "../src/index.ts"

class LostRace extends Schema.TaggedError<LostRace>()("LostRace", {}) {}
class BadInput extends Schema.TaggedError<BadInput>()("BadInput", {}) {}

interface Committed {
  readonly write: string
  readonly audit: ReadonlyArray<{ readonly action: string; readonly id: string; readonly at: number }>
  readonly events: ReadonlyArray<{ readonly id: string; readonly type: string; readonly subject: string }>
}

/** A skeleton over a recording store whose first `losses` commits lose a race. */
const harness = (losses = 0) =>
  Effect.gen(function* () {
    const ids = yield* Ids.Ids
    const commits: Array<Committed> = []
    const steps: Array<string> = []
    let left = losses
    const skeleton = Service.make<string, { readonly action: string }, LostRace>({
      name: "test",
      ids,
      attempts: 3,
      commit: (write, audit, events) =>
        left-- > 0
          ? Effect.fail(new LostRace())
          : Effect.sync(() => void commits.push({ write, audit, events }))
    })
    const rename = (input: unknown) =>
      skeleton.run({
        input: Effect.sync(() => steps.push("decode")).pipe(
          Effect.andThen(typeof input === "string" ? Effect.succeed(input) : Effect.fail(new BadInput()))
        ),
        load: (name) =>
          Effect.sync(() => {
            steps.push("load")
            return { current: "old", next: name }
          }),
        plan: (s, _name, now) =>
          Effect.sync(() => {
            steps.push("plan")
            return s.current === s.next
              ? Service.unchanged(s.current)
              : Service.commit({
                  write: s.next,
                  audit: { action: "rename" },
                  events: [{ type: "thing.renamed", subject: "t1", data: { to: s.next }, at: now }],
                  result: s.next
                })
          }),
        retryOn: (e) => e instanceof LostRace
      })
    return { rename, commits, steps }
  }).pipe(Effect.provide(Ids.layerSeeded(7)))

describe("Service.make: decode → load → plan → commit with audit and events", () => {
  it("commits the write with its audit record and its events, in one call, ids audit first", async () => {
    const { rename, commits, steps } = await Effect.runPromise(harness())
    await expect(Effect.runPromise(rename("new"))).resolves.toBe("new")
    expect(steps).toEqual(["decode", "load", "plan"])
    expect(commits).toHaveLength(1)
    const [c] = commits
    expect(c!.write).toBe("new")
    expect(c!.audit.map((a) => a.action)).toEqual(["rename"])
    expect(c!.events.map((e) => `${e.type} ${e.subject}`)).toEqual(["thing.renamed t1"])
    // the audit record's id is taken before the event's (seeded ids replay in that order)
    expect(c!.audit[0]!.id < c!.events[0]!.id).toBe(true)
  })

  it("writes nothing when the plan is Unchanged", async () => {
    const { rename, commits } = await Effect.runPromise(harness())
    await expect(Effect.runPromise(rename("old"))).resolves.toBe("old")
    expect(commits).toHaveLength(0)
  })

  it("fails bad input before any read or write", async () => {
    const { rename, commits, steps } = await Effect.runPromise(harness())
    const e = await Effect.runPromise(Effect.flip(rename(42)))
    expect(e).toBeInstanceOf(BadInput)
    expect(steps).toEqual(["decode"])
    expect(commits).toHaveLength(0)
  })

  it("runs the whole operation again after a lost race, at most `attempts` times in all", async () => {
    const twice = await Effect.runPromise(harness(2))
    await expect(Effect.runPromise(twice.rename("new"))).resolves.toBe("new")
    expect(twice.steps).toEqual([
      "decode",
      "load",
      "plan",
      "decode",
      "load",
      "plan",
      "decode",
      "load",
      "plan"
    ])
    expect(twice.commits).toHaveLength(1)
    const thrice = await Effect.runPromise(harness(3))
    expect(await Effect.runPromise(Effect.flip(thrice.rename("new")))).toBeInstanceOf(LostRace)
    expect(thrice.commits).toHaveLength(0)
  })
})
