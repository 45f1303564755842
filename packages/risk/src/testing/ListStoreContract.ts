import { Effect, type Layer } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type Audit, ListStore } from "../ListStore.ts"

/**
 * The `ListStore` contract: every adapter runs this suite with a layer that provides a fresh,
 * empty store per test. It pins: added values are in the list's snapshot, sorted, once; removed
 * ones are not; `version` grows with every change that changes something and only then (a
 * snooze always counts); a second snooze of one rule and value replaces the first; a change's
 * `audit` gets exactly the values it changed (in the order given, once each) and is not called
 * when nothing changed; and, model-based, after any sequence of adds, removes and snoozes the snapshot equals the model's.
 *
 * @example
 * ```ts
 * import { Notifier } from "@paykit/core"
 * import { ListStore } from "@paykit/risk"
 * import { ListStoreContract } from "@paykit/risk/testing"
 * import { Layer } from "effect"
 * ListStoreContract.suite("memory", ListStore.layerMemory.pipe(Layer.provide(Notifier.layerNoop)))
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const suite = (
  name: string,
  layer: Layer.Layer<ListStore, unknown>,
  options: { readonly timeout?: number; readonly runs?: number } = {}
): void => {
  const run = <A, E>(effect: Effect.Effect<A, E, ListStore>): Promise<A> =>
    Effect.runPromise(Effect.provide(effect, layer) as Effect.Effect<A, E>)
  const timeout = options.timeout ?? 30_000

  describe(`ListStore contract: ${name}`, () => {
    it("adds and removes values; version moves only when something changed", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* ListStore
          const v0 = yield* store.version
          yield* store.add("blocked_emails", ["b@x.com", "a@x.com", "b@x.com"])
          const v1 = yield* store.version
          expect(v1).toBeGreaterThan(v0)
          yield* store.add("blocked_emails", ["a@x.com"])
          expect(yield* store.version).toBe(v1)
          yield* store.remove("blocked_emails", ["nobody@x.com"])
          yield* store.remove("other", ["a@x.com"])
          expect(yield* store.version).toBe(v1)
          expect((yield* store.snapshot).lists["blocked_emails"]).toEqual(["a@x.com", "b@x.com"])
          yield* store.remove("blocked_emails", ["a@x.com"])
          const s = yield* store.snapshot
          expect(s.version).toBeGreaterThan(v1)
          expect(s.lists["blocked_emails"]).toEqual(["b@x.com"])
        })
      )
    )

    it("a second snooze of one rule and value replaces the first", { timeout }, () =>
      run(
        Effect.gen(function* () {
          const store = yield* ListStore
          yield* store.snooze({ ruleId: "r", value: "cus_1", until: 10 })
          yield* store.snooze({ ruleId: "r", value: "cus_2", until: 20 })
          yield* store.snooze({ ruleId: "r", value: "cus_1", until: 30 })
          expect((yield* store.snapshot).snoozes).toEqual([
            { ruleId: "r", value: "cus_1", until: 30 },
            { ruleId: "r", value: "cus_2", until: 20 }
          ])
        })
      )
    )

    it(
      "a change's audit gets exactly the values it changed, and is not called when nothing changed",
      {
        timeout
      },
      () =>
        run(
          Effect.gen(function* () {
            const store = yield* ListStore
            const seen: Array<[string, ReadonlyArray<string>]> = []
            const audit =
              (what: string): Audit =>
              (changed) =>
                Effect.sync(() => {
                  seen.push([what, [...changed]])
                  return []
                })
            yield* store.add("blocked_ips", ["10.0.0.2", "10.0.0.1"], audit("add 1"))
            yield* store.add("blocked_ips", ["10.0.0.3", "10.0.0.1", "10.0.0.3"], audit("add 2"))
            yield* store.add("blocked_ips", ["10.0.0.2"], audit("add 3: nothing new"))
            yield* store.remove("blocked_ips", ["10.0.0.9", "10.0.0.1"], audit("remove 1"))
            yield* store.remove("blocked_ips", ["10.0.0.9"], audit("remove 2: nothing there"))
            yield* store.remove("allowed_cards", ["10.0.0.2"], audit("remove 3: another list"))
            expect(seen).toEqual([
              ["add 1", ["10.0.0.2", "10.0.0.1"]],
              ["add 2", ["10.0.0.3"]],
              ["remove 1", ["10.0.0.1"]]
            ])
            expect((yield* store.snapshot).lists["blocked_ips"]).toEqual(["10.0.0.2", "10.0.0.3"])
          })
        )
    )

    type Op =
      | { readonly op: "add" | "remove"; readonly list: string; readonly values: ReadonlyArray<string> }
      | { readonly op: "snooze"; readonly value: string; readonly until: number }
    const value = fc.constantFrom("a", "b", "c", "d")
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        op: fc.constantFrom("add" as const, "remove" as const),
        list: fc.constantFrom("blocked_ips", "allowed_cards"),
        values: fc.array(value, { minLength: 1, maxLength: 3 })
      }),
      fc.record({ op: fc.constant("snooze" as const), value, until: fc.integer({ min: 0, max: 100 }) })
    )

    it("model-based: the snapshot equals the model after any sequence of changes", { timeout }, () =>
      fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 25 }), (ops) =>
          run(
            Effect.gen(function* () {
              const store = yield* ListStore
              const lists = new Map<string, Set<string>>()
              const snoozes = new Map<string, number>()
              for (const o of ops) {
                if (o.op === "snooze") {
                  yield* store.snooze({ ruleId: "r", value: o.value, until: o.until })
                  snoozes.set(o.value, o.until)
                } else if (o.op === "add") {
                  yield* store.add(o.list, o.values)
                  const s = lists.get(o.list) ?? new Set()
                  for (const v of o.values) s.add(v)
                  lists.set(o.list, s)
                } else {
                  yield* store.remove(o.list, o.values)
                  for (const v of o.values) lists.get(o.list)?.delete(v)
                }
              }
              const s = yield* store.snapshot
              for (const [name, values] of lists) expect(s.lists[name] ?? []).toEqual([...values].sort())
              expect(s.snoozes).toEqual(
                [...snoozes]
                  .sort(([a], [b]) => (a < b ? -1 : 1))
                  .map(([v, until]) => ({ ruleId: "r", value: v, until }))
              )
            })
          )
        ),
        { numRuns: options.runs ?? 30 }
      )
    )
  })
}
