import { type Command, LedgerCore, LedgerStore } from "@paykit/ledger"
import { ReferenceStore } from "@paykit/ledger/testing"
import { Effect, Option } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { BigColumn, IdIndex, Int32Column } from "../src/internal/columns.ts"

describe("memory store columns", () => {
  it("an Int32Column and a BigColumn read back every value across chunk boundaries, in any write order, and 0 where none was set", () =>
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 65_400, max: 200_000 })),
            fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
            fc.oneof(
              fc.bigInt({ min: 0n, max: 1_000n }),
              fc.bigInt({ min: (1n << 64n) - 3n, max: (1n << 64n) + 3n }),
              fc.bigInt({ min: 0n, max: (1n << 127n) - 1n })
            )
          ),
          { maxLength: 60 }
        ),
        (writes) => {
          const ints = new Int32Column()
          const bigs = new BigColumn()
          const expectedInts = new Map<number, number>()
          const expectedBigs = new Map<number, bigint>()
          for (const [i, n, b] of writes) {
            ints.set(i, n)
            bigs.set(i, b)
            expectedInts.set(i, n)
            expectedBigs.set(i, b)
          }
          for (const [i, n] of expectedInts) expect(ints.get(i)).toBe(n)
          for (const [i, b] of expectedBigs) expect(bigs.get(i)).toBe(b)
          // what was never set reads as 0, also past the chunks allocated so far
          for (const i of [0, 63, 64, 65_535, 65_536, 131_072, 300_000])
            if (!expectedInts.has(i)) {
              expect(ints.get(i)).toBe(0)
              expect(bigs.get(i)).toBe(0n)
            }
        }
      )
    ))

  it("the id index finds every id it holds and no other, through many table growths", () => {
    const index = new IdIndex()
    const ids = Array.from({ length: 150_000 }, (_, i) => `e${i}.${i % 7}`)
    for (const id of ids) {
      expect(index.get(id)).toBe(-1)
      index.add(id)
    }
    for (let row = 0; row < ids.length; row += 997) expect(index.get(ids[row]!)).toBe(row)
    expect(index.get("e150000.0")).toBe(-1)
    expect(index.size).toBe(ids.length)
  })
})

describe("memory store at scale", () => {
  it("70,000 plain transfers (past a column chunk) leave the books the reference store has, and pages read across the chunk edge", () => {
    const store = Effect.runSync(LedgerStore.makeMemory)
    const reference = ReferenceStore.make()
    const accounts: Array<Command.Command> = ["a", "b", "c"].map((id) => ({
      _tag: "CreateAccount",
      id,
      currency: "USD",
      code: "x",
      normal: "debit"
    }))
    const writes: Array<ReadonlyArray<Command.Command>> = [accounts]
    for (let w = 0; w < 7; w++)
      writes.push(
        Array.from({ length: 10_000 }, (_, i): Command.Command => {
          const n = w * 10_000 + i
          return {
            _tag: "Transfer",
            id: `t${n}`,
            postings: [
              {
                debit: ["a", "b", "c"][n % 3]!,
                credit: ["b", "c", "a"][n % 3]!,
                amount: BigInt(1 + (n % 97)),
                currency: "USD"
              }
            ]
          }
        })
      )
    writes.forEach((commands, w) => {
      const request = {
        commands,
        mode: "independent" as const,
        now: w * 1_000,
        eventIdSeed: `01J${String(w).padStart(23, "0")}`
      }
      const expected = LedgerCore.summarize(reference.write(request), false)
      const got = Effect.runSync(store.writeSummary({ ...request, returnEvents: false }))
      expect([got.applied, got.failures.length]).toEqual([expected.applied, 0])
    })
    const dump = Effect.runSync(store.dump)
    expect(dump).toEqual(reference.dump())
    const all = dump.lines.filter((l) => l.accountId === "a")
    expect(all).toHaveLength(46_667)
    for (const afterSeq of [0, 32_700, 32_767, 32_768, 46_600]) {
      const page = Effect.runSync(store.history("a", { afterSeq, limit: 100 }))
      expect(page.map((h) => h.line)).toEqual(all.slice(afterSeq, afterSeq + 100))
    }
  }, 120_000)

  it("after every write of plain transfers between two accounts, every line reads right (before later lines grow the columns)", () => {
    const store = Effect.runSync(LedgerStore.makeMemory)
    const reference = ReferenceStore.make()
    const open: ReadonlyArray<Command.Command> = ["a", "b"].map((id) => ({
      _tag: "CreateAccount",
      id,
      currency: "USD",
      code: "x",
      normal: "debit"
    }))
    const request = (commands: ReadonlyArray<Command.Command>, w: number) => ({
      commands,
      mode: "independent" as const,
      now: w,
      eventIdSeed: `01J${String(w).padStart(23, "0")}`
    })
    Effect.runSync(store.write(request(open, 0)))
    reference.write(request(open, 0))
    for (let w = 1; w <= 140; w++) {
      const commands: ReadonlyArray<Command.Command> = [
        {
          _tag: "Transfer",
          id: `t${w}`,
          postings: [
            {
              debit: w % 5 === 0 ? "b" : "a",
              credit: w % 5 === 0 ? "a" : "b",
              amount: BigInt(w),
              currency: "USD"
            }
          ]
        }
      ]
      reference.write(request(commands, w))
      Effect.runSync(store.writeSummary({ ...request(commands, w), returnEvents: false }))
      const lines = reference.dump().lines
      for (const id of ["a", "b"]) {
        const own = lines.filter((l) => l.accountId === id)
        const page = Effect.runSync(store.history(id, { afterSeq: Math.max(0, w - 3), limit: 10 }))
        expect(
          page.map((h) => h.line),
          `${id} after write ${w}`
        ).toEqual(own.slice(Math.max(0, w - 3)))
        expect(Option.getOrUndefined(Effect.runSync(store.lineAsOf(id, w)))).toEqual(own.at(-1))
      }
    }
    expect(Effect.runSync(store.dump)).toEqual(reference.dump())
  })

  it("more than 65,536 accounts (past a column chunk of accounts): transfers, lines and reads work for the last ones", () => {
    const store = Effect.runSync(LedgerStore.makeMemory)
    const n = 66_000
    for (let first = 0; first < n; first += 10_000) {
      const commands = Array.from(
        { length: Math.min(10_000, n - first) },
        (_, i): Command.Command => ({
          _tag: "CreateAccount",
          id: `x${first + i}`,
          currency: "USD",
          code: "x",
          normal: "debit"
        })
      )
      Effect.runSync(
        store.write({ commands, mode: "independent", now: 0, eventIdSeed: "01J00000000000000000000000" })
      )
    }
    const last = `x${n - 1}`
    const summary = Effect.runSync(
      store.writeSummary({
        commands: [
          {
            _tag: "Transfer",
            id: "t1",
            postings: [{ debit: "x0", credit: last, amount: 5n, currency: "USD" }]
          },
          {
            _tag: "Transfer",
            id: "t2",
            postings: [{ debit: last, credit: "x65536", amount: 2n, currency: "USD" }]
          }
        ],
        mode: "independent",
        now: 1,
        eventIdSeed: "01J00000000000000000000001",
        returnEvents: false
      })
    )
    expect([summary.applied, summary.failures]).toEqual([2, []])
    const account = Option.getOrThrow(Effect.runSync(store.getAccount(last)))
    expect([account.creditsPosted, account.debitsPosted, account.version]).toEqual([5n, 2n, 2])
    const lines = Effect.runSync(store.history(last, { afterSeq: 0, limit: 10 })).map((h) => h.line)
    expect(lines.map((l) => [l.seq, l.entryId, l.debitsPosted, l.creditsPosted])).toEqual([
      [1, "t1", 0n, 5n],
      [2, "t2", 2n, 5n]
    ])
    expect(Option.getOrUndefined(Effect.runSync(store.lineAsOf("x65536", 1)))?.creditsPosted).toBe(2n)
    expect(Effect.runSync(store.lineAsOf("x65999", 0))).toEqual(Option.none())
    const dump = Effect.runSync(store.dump)
    expect(dump.accounts).toHaveLength(n)
    expect(dump.lines).toHaveLength(4)
  })
})
