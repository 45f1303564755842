import type { Command, LedgerCore } from "@paykit/ledger"
import { ReferenceStore } from "@paykit/ledger/testing"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { MemoryBook } from "../src/internal/memoryBook.ts"
import { transfer } from "./support/commands.ts"

const open: ReadonlyArray<Command.Command> = ["a", "b"].map((id) => ({
  _tag: "CreateAccount",
  id,
  currency: "USD",
  code: "x",
  normal: "debit"
}))

const hold = (id: string, timeoutMs?: number): Command.Command => ({
  _tag: "CreateHold",
  id,
  debit: "a",
  credit: "b",
  amount: 1n,
  currency: "USD",
  ...(timeoutMs === undefined ? {} : { timeoutMs })
})

let writes = 0
const request = (commands: ReadonlyArray<Command.Command>, now: number): LedgerCore.Request => ({
  commands,
  mode: "independent",
  now,
  eventIdSeed: `01J${String(writes++).padStart(23, "0")}`
})
const summaryRequest = (commands: ReadonlyArray<Command.Command>, now: number) => ({
  ...request(commands, now),
  returnEvents: false
})

/** The ids of the pending holds with `expiresAt ≤ now`, found by looking at every hold. */
const bruteForceDue = (book: MemoryBook, now: number): Array<string> =>
  book
    .dump()
    .holds.filter((h) => h.status === "pending" && h.expiresAt !== undefined && h.expiresAt <= now)
    .map((h) => h.id)
    .sort()

describe("memory store: expiry by an index ordered by expiry time", () => {
  it("with 50,000 pending holds far from their timeout, writes and the due-hold query visit none of them; expiring 3 visits a handful", () => {
    const book = new MemoryBook()
    book.write(request(open, 0))
    for (let w = 0; w < 5; w++)
      book.write(
        request(
          Array.from({ length: 10_000 }, (_, i) => hold(`far${w * 10_000 + i}`, 1_000_000_000)),
          1
        )
      )
    book.write(request([hold("soon1", 50), hold("soon2", 60), hold("soon3", 70)], 2))
    expect(book.dump().holds.filter((h) => h.status === "pending")).toHaveLength(50_003)
    const before = book.expiryVisits
    // nothing due: a plain transfer through each path, a core command, and the query itself
    expect(book.writeSummary(summaryRequest([transfer("t1", "a", "b", 5n)], 10)).applied).toBe(1)
    expect(book.write(request([transfer("t2", "b", "a", 5n)], 11)).holdsUpdated).toEqual([])
    expect(book.writeSummary(summaryRequest([hold("h-late", 1_000_000)], 12)).applied).toBe(1)
    expect([...book.snapshot.dueHolds(13)]).toEqual([])
    expect(book.expiryVisits - before).toBe(0)
    // three due among 50,004: found on their paths from the top, not by a scan
    const at = book.expiryVisits
    expect(bruteForceDue(book, 100)).toEqual(["soon1", "soon2", "soon3"])
    expect(book.writeSummary(summaryRequest([transfer("t3", "a", "b", 1n)], 100)).applied).toBe(1)
    expect(bruteForceDue(book, 100)).toEqual([])
    expect(book.getHold("soon2")?.status).toBe("expired")
    expect(book.getHold("far0")?.status).toBe("pending")
    // the next write drops the three resolved entries from the top
    book.write(request([], 101))
    expect(book.expiryVisits - at).toBeLessThanOrEqual(20)
  }, 60_000)

  it(
    "holds with random timeouts, some posted or voided early, expire exactly when due: the same holds as a filter over every hold, and the same books as the reference store",
    () =>
      fc.assert(
        fc.property(
          fc.array(fc.option(fc.integer({ min: 1, max: 2_000 }), { nil: undefined }), {
            minLength: 1,
            maxLength: 300
          }),
          fc.array(
            fc.record({
              advance: fc.integer({ min: 0, max: 300 }),
              resolve: fc.integer({ min: 0, max: 299 }),
              how: fc.constantFrom("post", "void", "none"),
              summary: fc.boolean()
            }),
            { minLength: 1, maxLength: 20 }
          ),
          (timeouts, steps) => {
            const book = new MemoryBook()
            const reference = ReferenceStore.make()
            const both = (commands: ReadonlyArray<Command.Command>, now: number, summary: boolean) => {
              const r = request(commands, now)
              reference.write(r)
              if (summary) book.writeSummary({ ...r, returnEvents: false })
              else book.write(r)
            }
            both(open, 0, false)
            // holds created over several writes, so the index sees them at different times
            for (let i = 0; i < timeouts.length; i += 50)
              both(
                timeouts.slice(i, i + 50).map((t, k) => hold(`h${i + k}`, t)),
                i,
                false
              )
            let now = timeouts.length
            for (const [n, s] of steps.entries()) {
              now += s.advance
              const due = bruteForceDue(book, now)
              expect(
                [...book.snapshot.dueHolds(now)].map((h) => h.id).sort(),
                `step ${n}: due at ${now}`
              ).toEqual(due)
              const target = `h${s.resolve % timeouts.length}`
              const commands: Array<Command.Command> =
                s.how === "post"
                  ? [{ _tag: "PostHold", id: `p${n}`, holdId: target }]
                  : s.how === "void"
                    ? [{ _tag: "VoidHold", id: `v${n}`, holdId: target }]
                    : []
              both(commands, now, s.summary)
              for (const id of due) expect(book.getHold(id)?.status, `step ${n}: ${id}`).toBe("expired")
              expect(bruteForceDue(book, now), `step ${n}: none left due`).toEqual([])
              expect(book.dump(), `step ${n}: the books`).toEqual(reference.dump())
            }
          }
        ),
        { numRuns: 40 }
      ),
    120_000
  )
})
