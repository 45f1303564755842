import { type Command, LedgerCore, LedgerStore } from "@paykit/ledger"
import { ReferenceStore } from "@paykit/ledger/testing"
import { Effect, type Layer, Result } from "effect"
import type * as SqlClient from "effect/sql/SqlClient"
import { describe, expect, it } from "vitest"
import { serverUrl } from "./support/env.ts"
import { pgliteShared, server } from "./support/layers.ts"

// Consumed ids (`failedIds: "consumed"`) on the PostgreSQL store, in the cases the contract
// suite's random writes found: each example runs on the store and on the reference store, and
// the two must agree after every write.

const backends: ReadonlyArray<{
  readonly name: string
  readonly layer: () => Layer.Layer<LedgerStore.LedgerStore | SqlClient.SqlClient, unknown>
}> = [
  { name: "PGlite", layer: () => pgliteShared("failedids") },
  ...(serverUrl === undefined ? [] : [{ name: "PostgreSQL", layer: () => server("failedids") }])
]

const accounts: ReadonlyArray<Command.Command> = [
  { _tag: "CreateAccount", id: "s0", currency: "USD", code: "asset", normal: "debit" },
  { _tag: "CreateAccount", id: "s1", currency: "USD", code: "liability", normal: "credit" }
]

/** A transfer the books refuse (a EUR posting between USD accounts): a state-dependent failure. */
const mismatch: Command.Command = {
  _tag: "Transfer",
  id: "t0",
  postings: [{ debit: "s0", credit: "s1", amount: 7n, currency: "EUR" }]
}
/** A transfer whose id is not an id (a space): the core refuses it as InvalidInput when it decides it. */
const malformed: Command.Command = {
  _tag: "Transfer",
  id: "bad two",
  postings: [{ debit: "s0", credit: "s1", amount: 5n, currency: "USD" }]
}

const tags = (o: LedgerCore.Outcome | LedgerCore.Summary): ReadonlyArray<string> =>
  "results" in o
    ? o.results.map((r) => (Result.isFailure(r) ? r.failure._tag : "ok"))
    : o.failures.map((f) => `${f.index}:${f.error._tag}`)

for (const backend of backends) {
  describe(`consumed ids on ${backend.name}`, () => {
    it(
      "a failed linked batch with a malformed id consumes only its well-formed ids; sending it again is refused the same way, not a StoreFailure",
      { timeout: 60_000 },
      () =>
        Effect.runPromise(
          Effect.gen(function* () {
            const store = yield* LedgerStore.LedgerStore
            const reference = ReferenceStore.make()
            let n = 0
            const next = (
              commands: ReadonlyArray<Command.Command>,
              mode: Command.Mode
            ): LedgerCore.Request => ({
              commands,
              mode,
              now: 1_000 + n,
              eventIdSeed: `01J${String(n++).padStart(23, "0")}`,
              failedIds: "consumed"
            })
            const both = (commands: ReadonlyArray<Command.Command>, mode: Command.Mode) =>
              Effect.gen(function* () {
                const request = next(commands, mode)
                const expected = reference.write(request)
                const got = yield* store.write(request)
                expect(yield* store.dump).toEqual(reference.dump())
                return { got, expected }
              })
            const bothSummary = (commands: ReadonlyArray<Command.Command>, mode: Command.Mode) =>
              Effect.gen(function* () {
                const request = next(commands, mode)
                const expected = LedgerCore.summarize(reference.write(request), false)
                const got = yield* store.writeSummary({ ...request, returnEvents: false })
                expect(yield* store.dump).toEqual(reference.dump())
                return { got, expected }
              })

            yield* both(accounts, "independent")
            const first = yield* both([mismatch, malformed], "linked")
            expect(tags(first.got)).toEqual(["PostingCurrencyMismatch", "LinkedCommandFailed"])
            expect(tags(first.got)).toEqual(tags(first.expected))

            // the same batch again (the store reads no row for a malformed id, so one consumed
            // by the first write would be inserted twice), then a fixed t0 beside the malformed
            // one: each is refused, on both write paths, and the books stay as they were
            const again = yield* both([mismatch, malformed], "linked")
            expect(tags(again.got)).toEqual(["IdAlreadyFailed", "LinkedCommandFailed"])
            // "bad two" can be no entry's id: only t0 is consumed
            expect((yield* store.dump).failedIds.map((f) => [f.id, f.error._tag])).toEqual([
              ["t0", "PostingCurrencyMismatch"]
            ])
            const fixed: Command.Command = {
              _tag: "Transfer",
              id: "t0",
              postings: [{ debit: "s1", credit: "s0", amount: 1n, currency: "USD" }]
            }
            const summary = yield* bothSummary([fixed, malformed], "linked")
            expect(tags(summary.got)).toEqual(["0:IdAlreadyFailed", "1:LinkedCommandFailed"])
            expect(summary.got.applied).toBe(0)
            expect(summary.got).toEqual(summary.expected)

            // on its own the malformed transfer is bad input; the next valid write works
            expect(tags((yield* both([malformed], "independent")).got)).toEqual(["InvalidInput"])
            const ok = yield* both([{ ...fixed, id: "t1" }], "linked")
            expect(tags(ok.got)).toEqual(["ok"])
            expect((yield* store.dump).entries.map((e) => e.id)).toEqual(["t1"])
          }).pipe(Effect.provide(backend.layer()))
        )
    )
  })
}
