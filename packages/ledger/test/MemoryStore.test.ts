import { Notifier } from "@paykit/core"
import { type Command, LedgerCore, LedgerStore } from "@paykit/ledger"
import { ReferenceStore } from "@paykit/ledger/testing"
import { Effect, Option } from "effect"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import { BigColumn, Float64Column, IdIndex, Int32Column, TextColumn } from "../src/internal/columns.ts"
import { transfer } from "./support/commands.ts"

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

  it("a Float64Column keeps times exactly, across chunk boundaries", () => {
    const times = new Float64Column()
    const at = [0, 1, 65_535, 65_536, 200_000]
    for (const [k, i] of at.entries()) times.set(i, 1_733_000_000_000 + k + 0.5)
    for (const [k, i] of at.entries()) expect(times.get(i)).toBe(1_733_000_000_000 + k + 0.5)
    expect(times.get(2)).toBe(0)
    expect(times.get(1_000_000)).toBe(0)
  })

  it("a TextColumn gives back every string it was given: ASCII as bytes across chunk edges, empty, 255 and 256 characters, and not ASCII", () =>
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ unit: fc.constantFrom("a", "Z", "0", "_", ".", ":", "-"), maxLength: 64 }),
            fc.string({ unit: "grapheme", maxLength: 8 }),
            fc.constantFrom("", "x".repeat(255), "y".repeat(256), "é", "\u0080", "a\u00ffb", "\u{1F600}")
          ),
          { maxLength: 40 }
        ),
        fc.integer({ min: 0, max: 3_000 }),
        (strings, padding) => {
          const column = new TextColumn()
          // ids before them, so they land at many offsets and some next to a chunk's end
          for (let i = 0; i < padding; i++) column.push(`pad${i}-${"p".repeat(i % 61)}`)
          const rows = strings.map((s) => column.push(s))
          rows.forEach((row, k) => {
            expect(column.get(row)).toBe(strings[k])
            expect(column.equals(row, strings[k]!)).toBe(true)
            expect(column.equals(row, `${strings[k]}x`)).toBe(false)
          })
          // (an empty column has no row 0 to read back)
          if (padding + strings.length > 0)
            expect(column.get(padding > 0 ? padding - 1 : 0)).toBe(
              padding > 0 ? `pad${padding - 1}-${"p".repeat((padding - 1) % 61)}` : strings[0]
            )
          expect(column.size).toBe(padding + strings.length)
        }
      ),
      { numRuns: 60 }
    ))

  it("the id index finds every id it holds and no other, through many table growths", () => {
    const index = new IdIndex()
    const ids = Array.from({ length: 150_000 }, (_, i) => `e${i}.${i % 7}`)
    for (const id of ids) {
      expect(index.get(id)).toBe(-1)
      index.add(id)
    }
    for (let row = 0; row < ids.length; row += 997) {
      expect(index.get(ids[row]!)).toBe(row)
      expect(index.id(row)).toBe(ids[row])
    }
    expect(index.get("e150000.0")).toBe(-1)
    expect(index.size).toBe(ids.length)
    // ids it keeps as strings (not ASCII, or too long for a length byte) are found the same way
    for (const id of ["é1", "z".repeat(300)]) {
      expect(index.get(id)).toBe(-1)
      const row = index.add(id)
      expect([index.get(id), index.id(row)]).toEqual([row, id])
    }
  })
})

describe("memory store at scale", () => {
  it("70,000 plain transfers (past a column chunk) leave the books the reference store has, and pages read across the chunk edge", () => {
    const store = Effect.runSync(LedgerStore.makeMemory.pipe(Effect.provide(Notifier.layerNoop)))
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
    const store = Effect.runSync(LedgerStore.makeMemory.pipe(Effect.provide(Notifier.layerNoop)))
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
    const store = Effect.runSync(LedgerStore.makeMemory.pipe(Effect.provide(Notifier.layerNoop)))
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

/** A write request at time 0 in independent mode. */
const request = (commands: ReadonlyArray<Command.Command>) => ({
  commands,
  mode: "independent" as const,
  now: 0,
  eventIdSeed: "01J00000000000000000000000"
})

/** A fresh memory store holding accounts `a` and `b` (USD). */
const storeWithTwoAccounts = () => {
  const store = Effect.runSync(LedgerStore.makeMemory.pipe(Effect.provide(Notifier.layerNoop)))
  Effect.runSync(
    store.write(
      request(
        ["a", "b"].map((id) => ({ _tag: "CreateAccount", id, currency: "USD", code: "x", normal: "debit" }))
      )
    )
  )
  return store
}

describe("memory store: a defect inside the writer", () => {
  it("fails only the write that carries it, with StoreFailure, changes nothing, and the next write succeeds (write and writeSummary)", () => {
    const store = storeWithTwoAccounts()
    const before = Effect.runSync(store.dump)
    // a request whose mode throws when the writer reads it: a defect inside the write itself
    const poisoned = () => ({
      commands: [transfer("t1", "a", "b", 1n)],
      now: 0,
      eventIdSeed: "01J00000000000000000000000",
      returnEvents: false,
      get mode(): "independent" {
        throw new Error("injected defect")
      }
    })
    for (const write of [
      () => Effect.asVoid(store.write(poisoned())),
      () => Effect.asVoid(store.writeSummary(poisoned()))
    ]) {
      const failure = Effect.runSync(Effect.flip(write()))
      expect([failure._tag, failure.reason]).toEqual([
        "StoreFailure",
        expect.stringContaining("injected defect")
      ])
      expect(Effect.runSync(store.dump)).toEqual(before)
    }
    const next = Effect.runSync(store.write(request([transfer("t2", "a", "b", 2n)])))
    expect(next.results.map((r) => r._tag)).toEqual(["Success"])
    expect(Option.getOrThrow(Effect.runSync(store.getAccount("b"))).creditsPosted).toBe(2n)
  })
})

describe("memory store: the column path and odd commands", () => {
  it("a transfer that cannot be read (a getter that throws) is refused in its place by writeSummary; its neighbours are applied", () => {
    const store = storeWithTwoAccounts()
    const unreadable = {
      _tag: "Transfer",
      get id(): string {
        throw new Error("no id today")
      },
      postings: [{ debit: "a", credit: "b", amount: 1n, currency: "USD" }]
    } as unknown as Command.Command
    const summary = Effect.runSync(
      store.writeSummary({
        ...request([transfer("t1", "a", "b", 1n), unreadable, transfer("t2", "a", "b", 2n)]),
        returnEvents: false
      })
    )
    expect([summary.applied, summary.failures.map((f) => [f.index, f.error._tag])]).toEqual([
      2,
      [[1, "InvalidInput"]]
    ])
    expect(Option.getOrThrow(Effect.runSync(store.getAccount("b"))).creditsPosted).toBe(3n)
  })

  it("a transfer whose fields answer differently when read again is decided on one reading", () => {
    const store = storeWithTwoAccounts()
    let reads = 0
    const fickle = {
      _tag: "Transfer",
      get id(): unknown {
        return reads++ === 0 ? "t1" : null
      },
      postings: [{ debit: "a", credit: "b", amount: 4n, currency: "USD" }]
    } as unknown as Command.Command
    const summary = Effect.runSync(store.writeSummary({ ...request([fickle]), returnEvents: false }))
    expect([summary.applied, summary.failures]).toEqual([1, []])
    const dump = Effect.runSync(store.dump)
    expect(dump.entries.map((e) => e.id)).toEqual(["t1"])
    expect(dump.lines.map((l) => l.entryId)).toEqual(["t1", "t1"])
  })
})

describe("memory store: one clock", () => {
  it("a write whose time is earlier than the last write's is decided and stamped at the last write's time: entries, lines, events, history and as-of reads agree, and holds expire on that clock", () => {
    const store = Effect.runSync(LedgerStore.makeMemory.pipe(Effect.provide(Notifier.layerNoop)))
    let n = 0
    const at = (now: number) => ({
      mode: "independent" as const,
      now,
      eventIdSeed: `01J${String(n++).padStart(23, "0")}`
    })
    const write = (commands: ReadonlyArray<Command.Command>, now: number) =>
      Effect.runSync(store.write({ ...at(now), commands }))
    const writeSummary = (commands: ReadonlyArray<Command.Command>, now: number) =>
      Effect.runSync(store.writeSummary({ ...at(now), commands, returnEvents: true }))
    const open: ReadonlyArray<Command.Command> = ["a", "b"].map((id) => ({
      _tag: "CreateAccount",
      id,
      currency: "USD",
      code: "x",
      normal: "debit"
    }))
    write(open, 0)
    write([transfer("t1", "a", "b", 1n)], 5_000)
    // 1,000 then 3,000: both before 5,000, through the column path and through the core
    const late = writeSummary(
      [
        transfer("t2", "a", "b", 2n),
        {
          _tag: "CreateHold",
          id: "h1",
          debit: "a",
          credit: "b",
          amount: 7n,
          currency: "USD",
          timeoutMs: 1_000
        }
      ],
      1_000
    )
    expect(late.applied).toBe(2)
    const outcome = write([transfer("t3", "b", "a", 3n)], 3_000)
    expect(outcome.lines.map((l) => l.at)).toEqual([5_000, 5_000])
    expect(outcome.entriesCreated.map((e) => e.createdAt)).toEqual([5_000])
    const iso = new Date(5_000).toISOString()
    expect(late.events.map((e) => e.occurredAt)).toEqual([iso, iso])

    const dump = Effect.runSync(store.dump)
    // every record of the three later writes carries 5,000 (the hold's entry too)
    expect(dump.entries.map((e) => [e.id, e.createdAt])).toEqual([
      ["h1", 5_000],
      ["t1", 5_000],
      ["t2", 5_000],
      ["t3", 5_000]
    ])
    expect(dump.lines.length).toBeGreaterThanOrEqual(6)
    expect(new Set(dump.lines.map((l) => l.at))).toEqual(new Set([5_000]))
    expect(dump.events.slice(2).map((e) => e.occurredAt)).toEqual(dump.events.slice(2).map(() => iso))
    expect(dump.holds.map((h) => [h.createdAt, h.expiresAt])).toEqual([[5_000, 6_000]])
    for (const id of ["a", "b"]) {
      const own = dump.lines.filter((l) => l.accountId === id)
      const history = Effect.runSync(store.history(id, { afterSeq: 0, limit: 10 }))
      expect(history.map((h) => h.line)).toEqual(own)
      for (const h of history) expect(h.entry.createdAt).toBe(h.line.at)
      // as of any time before 5,000 there is no line; from 5,000 on, the last one
      for (const t of [1_000, 3_000, 4_999])
        expect(Option.getOrUndefined(Effect.runSync(store.lineAsOf(id, t)))).toBeUndefined()
      expect(Option.getOrUndefined(Effect.runSync(store.lineAsOf(id, 5_000)))).toEqual(own.at(-1))
    }

    // h1 was created at 5,000 with a timeout of 1,000: pending at 5,500 (and at 2,000, which is
    // 5,500 on the book's clock), expired by the write at 6,000
    const status = () => Option.getOrThrow(Effect.runSync(store.getHold("h1"))).status
    writeSummary([], 5_500)
    expect(status()).toBe("pending")
    write([], 2_000)
    expect(status()).toBe("pending")
    writeSummary([], 6_000)
    expect(status()).toBe("expired")
    expect(Option.getOrThrow(Effect.runSync(store.getHold("h1"))).resolvedAt).toBe(6_000)
  })

  it("the first write may be at time 0, and a write at the same time as the last is at its own time", () => {
    const store = Effect.runSync(LedgerStore.makeMemory.pipe(Effect.provide(Notifier.layerNoop)))
    const request = (commands: ReadonlyArray<Command.Command>, now: number) => ({
      commands,
      mode: "independent" as const,
      now,
      eventIdSeed: "01J00000000000000000000000"
    })
    const o = Effect.runSync(
      store.write(
        request([{ _tag: "CreateAccount", id: "a", currency: "USD", code: "x", normal: "debit" }], 0)
      )
    )
    expect(o.accountsCreated[0]!.createdAt).toBe(0)
    Effect.runSync(
      store.write(
        request([{ _tag: "CreateAccount", id: "b", currency: "USD", code: "x", normal: "debit" }], 0)
      )
    )
    const s = Effect.runSync(
      store.writeSummary({ ...request([transfer("t", "a", "b", 1n)], 0), returnEvents: true })
    )
    expect(s.events.map((e) => e.occurredAt)).toEqual([new Date(0).toISOString()])
  })
})
