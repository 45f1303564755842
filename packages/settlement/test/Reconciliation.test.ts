import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { BalanceTransaction } from "../src/BalanceTransaction.ts"
import * as Reconciliation from "../src/Reconciliation.ts"

type Internal = Reconciliation.InternalRecord
type External = Reconciliation.ExternalRecord
type MatchResult = Reconciliation.MatchResult

const DAY = 86_400_000
const rules: Reconciliation.Rules = {
  amountTolerance: 0n,
  dateWindowMillis: 5 * DAY,
  expectedWithinMillis: 3 * DAY
}

const run = (
  internal: Iterable<Internal>,
  external: Iterable<External>,
  r: Reconciliation.Rules = rules,
  asOf = 100 * DAY
): ReadonlyArray<MatchResult> => Result.getOrThrow(Reconciliation.match(internal, external, r, asOf))

/** mulberry32: a small seeded generator, so the month is the same on every run. */
const seeded = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The result that covers a record id (of either side); throws unless there is exactly one. */
const resultOf = (results: ReadonlyArray<MatchResult>, id: string): MatchResult => {
  const found = results.filter((r) => r.internal.includes(id) || r.external.includes(id))
  if (found.length !== 1) throw new Error(`${id} is in ${found.length} results`)
  return found[0]!
}

const canonical = (results: ReadonlyArray<MatchResult>): Array<string> =>
  results
    .map((r) =>
      JSON.stringify({
        ...r,
        internal: [...r.internal].sort(),
        external: [...r.external].sort(),
        difference: r.difference?.toString()
      })
    )
    .sort()

const everyIdOnce = (
  results: ReadonlyArray<MatchResult>,
  internal: ReadonlyArray<Internal>,
  external: ReadonlyArray<External>
) => {
  const seenI = results.flatMap((r) => r.internal).sort()
  const seenE = results.flatMap((r) => r.external).sort()
  expect(seenI).toEqual(internal.map((r) => r.id).sort())
  expect(seenE).toEqual(external.map((r) => r.id).sort())
}

describe("a generated month of payments with injected breaks", () => {
  const start = Date.UTC(2025, 2, 1)
  const end = Date.UTC(2025, 3, 1)
  const rnd = seeded(20250301)
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1))

  // 3,000 payments, some with a refund under the same reference; every row settles 1-2 days later
  const internal: Array<Internal> = []
  const external: Array<External> = []
  const rowOf = new Map<string, External>()
  const currencies = ["EUR", "EUR", "EUR", "USD", "GBP", "JPY"]
  let nextRow = 1
  for (let p = 0; p < 3000; p++) {
    const reference = `pay_${p}`
    const at = start + int(0, end - start - 1)
    const currency = currencies[int(0, currencies.length - 1)]!
    const amount = BigInt(int(50, 500_000))
    const records: Array<Internal> = [{ id: `txn_${p}`, reference, amount, currency, at, type: "charge" }]
    if (rnd() < 0.05) {
      records.push({
        id: `txn_${p}_r`,
        reference,
        amount: -BigInt(int(1, Number(amount))),
        currency,
        at: at + int(0, DAY),
        type: "refund"
      })
    }
    for (const r of records) {
      internal.push(r)
      const row: External = {
        id: `row_${nextRow++}`,
        reference,
        amount: r.amount,
        currency,
        at: r.at + int(DAY, 2 * DAY)
      }
      external.push(row)
      rowOf.set(r.id, row)
    }
  }

  // the injected breaks, each on its own payment without a refund, old enough not to be "expected"
  const candidates = internal.filter(
    (r) => r.type === "charge" && !internal.some((o) => o.id === `${r.id}_r`) && r.at < end - 10 * DAY
  )
  const pick = (() => {
    let i = 0
    return () => {
      i += 97
      return candidates[i % candidates.length]!
    }
  })()
  const removeRow = (row: External) => external.splice(external.indexOf(row), 1)

  const missing = [pick(), pick()]
  for (const r of missing) removeRow(rowOf.get(r.id)!)

  const offByOne = [pick(), pick()]
  for (const r of offByOne) {
    const row = rowOf.get(r.id)!
    external[external.indexOf(row)] = { ...row, amount: row.amount + 1n }
  }

  const split = [pick(), pick()]
  const splitRows = new Map<string, Array<string>>()
  for (const r of split) {
    const row = rowOf.get(r.id)!
    removeRow(row)
    const first = r.amount / 3n
    const parts = [first, r.amount - first - 7n, 7n]
    const ids = parts.map((amount, k) => {
      const id = `${row.id}_part${k}`
      external.push({ ...row, id, amount, at: row.at + k * 3_600_000 })
      return id
    })
    splitRows.set(r.id, ids)
  }

  const duplicated = [pick(), pick()]
  const duplicateIds = new Map<string, string>()
  for (const r of duplicated) {
    const row = rowOf.get(r.id)!
    const copy = { ...row, id: `${row.id}_again` }
    external.push(copy)
    duplicateIds.set(r.id, copy.id)
  }

  const wrongCurrency = pick()
  {
    const row = rowOf.get(wrongCurrency.id)!
    external[external.indexOf(row)] = { ...row, currency: row.currency === "EUR" ? "USD" : "EUR" }
  }
  const outsideWindow = pick()
  {
    const row = rowOf.get(outsideWindow.id)!
    external[external.indexOf(row)] = { ...row, at: row.at + 20 * DAY }
  }

  // a batch: four payments the acquirer reports as one row under their payout's reference
  const batched = [pick(), pick(), pick(), pick()]
  let batchSum = 0n
  const batchCurrency = batched[0]!.currency
  batched.forEach((r, k) => {
    removeRow(rowOf.get(r.id)!)
    // paid over two days, in one currency, paid out together
    internal[internal.indexOf(r)] = {
      ...r,
      batch: "po_77",
      currency: batchCurrency,
      at: start + 5 * DAY + k * 12 * 3_600_000
    }
    batchSum += r.amount
  })
  external.push({
    id: "row_po_77",
    reference: "po_77",
    amount: batchSum,
    currency: batchCurrency,
    at: start + 8 * DAY
  })

  // late: paid at the end of the month, its row is in next month's file
  const late = [
    { id: "txn_late_1", reference: "pay_late_1", amount: 1234n, currency: "EUR", at: end - DAY },
    { id: "txn_late_2", reference: "pay_late_2", amount: 99n, currency: "USD", at: end - 2 * 3_600_000 }
  ]
  internal.push(...late)

  const monthRules: Reconciliation.Rules = {
    amountTolerance: 0n,
    dateWindowMillis: 5 * DAY,
    expectedWithinMillis: 3 * DAY
  }
  const results = Result.getOrThrow(Reconciliation.match(internal, external, monthRules, end))
  const injected = new Set<string>(
    [...missing, ...offByOne, ...split, ...duplicated, wrongCurrency, outsideWindow, ...batched, ...late].map(
      (r) => r.id
    )
  )

  it("has a month's worth of records and puts every record in exactly one result", () => {
    expect(internal.length).toBeGreaterThan(3000)
    expect(injected.size).toBe(2 + 2 + 2 + 2 + 1 + 1 + 4 + 2)
    everyIdOnce(results, internal, external)
  })

  it("finds each missing row once: unmatched, no counterpart", () => {
    for (const r of missing) {
      expect(resultOf(results, r.id)).toMatchObject({
        status: "unmatched",
        kind: "one_to_one",
        internal: [r.id],
        external: [],
        reason: "no_counterpart"
      })
    }
  })

  it("finds each amount off by one minor unit: mismatched, amount differs by 1", () => {
    for (const r of offByOne) {
      expect(resultOf(results, r.id)).toMatchObject({
        status: "mismatched",
        kind: "one_to_one",
        internal: [r.id],
        external: [rowOf.get(r.id)!.id],
        reason: "amount_differs",
        difference: 1n
      })
    }
  })

  it("matches each split settlement one to many", () => {
    for (const r of split) {
      const res = resultOf(results, r.id)
      expect(res).toMatchObject({ status: "matched", kind: "one_to_many", internal: [r.id], difference: 0n })
      expect([...res.external].sort()).toEqual([...splitRows.get(r.id)!].sort())
    }
  })

  it("finds each duplicate row: one matched, one unmatched duplicate", () => {
    for (const r of duplicated) {
      const original = rowOf.get(r.id)!.id
      const copy = duplicateIds.get(r.id)!
      const pair = resultOf(results, r.id)
      expect(pair).toMatchObject({ status: "matched", kind: "one_to_one", internal: [r.id] })
      // the earlier of two identical rows (then the smaller id) is the one paired
      expect(pair.external).toEqual([original])
      expect(resultOf(results, copy)).toMatchObject({
        status: "unmatched",
        internal: [],
        external: [copy],
        reason: "duplicate"
      })
    }
  })

  it("classifies late rows as expected, not unmatched", () => {
    for (const r of late) {
      expect(resultOf(results, r.id)).toMatchObject({
        status: "expected",
        reason: "no_counterpart",
        internal: [r.id]
      })
    }
  })

  it("reports a currency that differs and a row outside the date window as mismatched", () => {
    expect(resultOf(results, wrongCurrency.id)).toMatchObject({
      status: "mismatched",
      reason: "currency_differs"
    })
    expect(resultOf(results, outsideWindow.id)).toMatchObject({
      status: "mismatched",
      reason: "outside_date_window"
    })
  })

  it("matches a batch row many to one through the internal records' batch", () => {
    const res = resultOf(results, "row_po_77")
    expect(res).toMatchObject({
      status: "matched",
      kind: "many_to_one",
      reference: "po_77",
      external: ["row_po_77"]
    })
    expect([...res.internal].sort()).toEqual(batched.map((r) => r.id).sort())
  })

  it("raises no false break: everything not injected is a plain one-to-one match", () => {
    const involved = (r: MatchResult) =>
      r.internal.some((id) => injected.has(id)) ||
      r.external.some((id) => [...duplicateIds.values()].includes(id) || id === "row_po_77")
    const others = results.filter((r) => !involved(r))
    expect(others.length).toBeGreaterThan(3000)
    for (const r of others) {
      expect(r).toMatchObject({ status: "matched", kind: "one_to_one", difference: 0n })
      expect(r.reason).toBeUndefined()
    }
    const summary = Reconciliation.summarize(results)
    // missing 2 + off by one 2 + duplicates 2 + currency 1 + window 1
    expect(summary.breaks).toBe(8)
    expect(summary.expected).toBe(2)
  })

  it("gives the same results whatever the order of the inputs", () => {
    const shuffle = <T>(xs: ReadonlyArray<T>, seed: number): Array<T> => {
      const r = seeded(seed)
      const out = [...xs]
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1))
        ;[out[i], out[j]] = [out[j]!, out[i]!]
      }
      return out
    }
    const again = Result.getOrThrow(
      Reconciliation.match(shuffle(internal, 1), shuffle(external, 2), monthRules, end)
    )
    expect(canonical(again)).toEqual(canonical(results))
  })

  it("accepts a one-minor-unit difference with a tolerance of 1, and says so", () => {
    const tolerant = Result.getOrThrow(
      Reconciliation.match(internal, external, { ...monthRules, amountTolerance: 1n }, end)
    )
    for (const r of offByOne) {
      expect(resultOf(tolerant, r.id)).toMatchObject({ status: "matched", difference: 1n })
    }
  })
})

describe("match", () => {
  const i = (
    id: string,
    reference: string,
    amount: bigint,
    at = 10 * DAY,
    extra: Partial<Internal> = {}
  ): Internal => ({
    id,
    reference,
    amount,
    currency: "EUR",
    at,
    ...extra
  })
  const e = (
    id: string,
    reference: string,
    amount: bigint,
    at = 11 * DAY,
    extra: Partial<External> = {}
  ): External => ({
    id,
    reference,
    amount,
    currency: "EUR",
    at,
    ...extra
  })

  it("pairs a duplicate row: one matched, one unmatched duplicate", () => {
    const results = run([i("i1", "r", 100n)], [e("e1", "r", 100n), e("e2", "r", 100n, 11 * DAY + 1)])
    expect(resultOf(results, "e1")).toMatchObject({ status: "matched", internal: ["i1"] })
    expect(resultOf(results, "e2")).toMatchObject({ status: "unmatched", reason: "duplicate" })
  })

  it("flags a duplicate on paykit's side too", () => {
    const results = run([i("i1", "r", 100n), i("i2", "r", 100n, 10 * DAY + 1)], [e("e1", "r", 100n)])
    expect(resultOf(results, "i2")).toMatchObject({
      status: "unmatched",
      reason: "duplicate",
      internal: ["i2"]
    })
  })

  it("matches several internal records to one row of the same reference", () => {
    const results = run([i("i1", "r", 60n), i("i2", "r", 40n)], [e("e1", "r", 100n)])
    expect(results).toEqual([
      {
        status: "matched",
        kind: "many_to_one",
        reference: "r",
        internal: ["i1", "i2"],
        external: ["e1"],
        difference: 0n
      }
    ])
  })

  it("reports a split that does not add up as mismatched one to many", () => {
    const results = run([i("i1", "r", 100n)], [e("e1", "r", 60n), e("e2", "r", 41n)])
    expect(results).toEqual([
      {
        status: "mismatched",
        kind: "one_to_many",
        reference: "r",
        internal: ["i1"],
        external: ["e1", "e2"],
        reason: "amount_differs",
        difference: 1n
      }
    ])
  })

  it("leaves several against several that no rule pairs to a person: ambiguous", () => {
    const results = run([i("i1", "r", 10n), i("i2", "r", 20n)], [e("e1", "r", 12n), e("e2", "r", 19n)])
    expect(results.map((r) => r.reason)).toEqual(["ambiguous", "ambiguous", "ambiguous", "ambiguous"])
    expect(results.every((r) => r.status === "unmatched")).toBe(true)
  })

  it("is expected only while younger than expectedWithinMillis at asOf", () => {
    const asOf = 10 * DAY
    const young = run([i("i1", "r", 1n, asOf - 3 * DAY + 1)], [], rules, asOf)
    const old = run([i("i1", "r", 1n, asOf - 3 * DAY)], [], rules, asOf)
    expect(young[0]).toMatchObject({ status: "expected" })
    expect(old[0]).toMatchObject({ status: "unmatched", reason: "no_counterpart" })
    // external rows without a paykit record follow the same rule
    expect(run([], [e("e1", "x", 5n, asOf)], rules, asOf)[0]).toMatchObject({
      status: "expected",
      external: ["e1"]
    })
  })

  it("prefers a record's own reference to its batch", () => {
    const results = run(
      [
        i("i1", "pay_1", 100n, 10 * DAY, { batch: "po_1" }),
        i("i2", "pay_2", 50n, 10 * DAY, { batch: "po_1" })
      ],
      [e("e1", "pay_1", 100n), e("e2", "po_1", 50n)]
    )
    expect(resultOf(results, "i1")).toMatchObject({ status: "matched", external: ["e1"] })
    expect(resultOf(results, "e2")).toMatchObject({ status: "matched", kind: "one_to_one", internal: ["i2"] })
  })

  it("pairs a reference shared by 20,000 records of one amount on each side, one to one", () => {
    const n = 20_000
    const internal = Array.from({ length: n }, (_, k) => i(`i${k}`, "same", 100n, 10 * DAY + k))
    const external = Array.from({ length: n }, (_, k) => e(`e${k}`, "same", 100n, 10 * DAY + k + 1))
    const results = run(internal, external)
    expect(results).toHaveLength(n)
    expect(results.every((r) => r.status === "matched" && r.kind === "one_to_one")).toBe(true)
    // in time order: the k-th record with the k-th row
    expect(resultOf(results, "i777").external).toEqual(["e777"])
  })

  it("works on any iterable, reading each once", () => {
    function* gen() {
      yield i("i1", "r", 5n)
    }
    expect(run(gen(), new Set([e("e1", "r", 5n)]))[0]).toMatchObject({ status: "matched" })
  })

  it("refuses bad input with a typed error naming the field, and the next call works", () => {
    const bad = Reconciliation.match(
      [i("i1", "r", 5n), { ...i("i2", "r", 5n), amount: 5 as never }],
      [],
      rules,
      0
    )
    expect(Result.isFailure(bad) && bad.failure).toMatchObject({
      _tag: "InvalidMatchInput",
      path: "internal[1].amount"
    })
    const badRules = Reconciliation.match([], [], { ...rules, amountTolerance: -1n }, 0)
    expect(Result.isFailure(badRules) && badRules.failure.path).toBe("rules.amountTolerance")
    const badAsOf = Reconciliation.match([], [], rules, Number.NaN)
    expect(Result.isFailure(badAsOf) && badAsOf.failure.path).toBe("asOf")
    const throwing = {
      *[Symbol.iterator]() {
        yield e("e1", "r", 1n)
        throw new Error("boom")
      }
    }
    const thrown = Reconciliation.match([], throwing, rules, 0)
    expect(Result.isFailure(thrown) && thrown.failure.path).toBe("external[1]")
    expect(run([i("i1", "r", 5n)], [e("e1", "r", 5n)])[0]!.status).toBe("matched")
  })

  it("never throws on random input", () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), fc.anything(), (a, b, c, d) => {
        const r = Reconciliation.match(a as never, b as never, c as never, d as never)
        expect(Result.isResult(r)).toBe(true)
      }),
      { numRuns: 300 }
    )
  })

  it("maps a balance transaction by its payment, net amount, creation time and payout", () => {
    const t: BalanceTransaction = {
      id: "txn_1",
      merchant: "m_1",
      currency: "EUR",
      type: "charge",
      reportingCategory: "charge",
      gross: 1000n,
      fee: 30n,
      feeDetails: [],
      net: 970n,
      source: "cap_1",
      payment: "pay_1",
      createdAt: 5,
      availableOn: 10,
      status: "available",
      payout: "po_1",
      dimensions: {},
      ledgerEntries: []
    }
    expect(Reconciliation.fromBalanceTransaction(t)).toEqual({
      id: "txn_1",
      reference: "pay_1",
      amount: 970n,
      currency: "EUR",
      at: 5,
      batch: "po_1",
      type: "charge",
      source: "cap_1"
    })
    const { payment: _p, payout: _o, ...payout } = t
    expect(
      Reconciliation.fromBalanceTransaction(
        { ...payout, type: "payout", source: "po_9" },
        { amount: "gross" }
      )
    ).toMatchObject({
      reference: "po_9",
      amount: 1000n
    })
  })
})

describe("properties", () => {
  const refs = fc.constantFrom("a", "b", "c", "d", "e", "f")
  const record = fc.record({
    reference: refs,
    amount: fc.bigInt({ min: -5n, max: 5n }),
    currency: fc.constantFrom("EUR", "USD"),
    at: fc.integer({ min: 0, max: 20 }).map((d) => d * DAY),
    batch: fc.option(fc.constantFrom("a", "b", "p", "q"), { nil: undefined })
  })
  const side = (prefix: string) =>
    fc.array(record, { maxLength: 14 }).map((rs) =>
      rs.map(({ batch, ...r }, n) => ({
        ...r,
        id: `${prefix}${n}`,
        ...(batch !== undefined ? { batch } : {})
      }))
    )
  const propRules: Reconciliation.Rules = {
    amountTolerance: 1n,
    dateWindowMillis: 3 * DAY,
    expectedWithinMillis: 4 * DAY
  }

  it("a consistent pair of sides matches fully", () => {
    fc.assert(
      fc.property(side("i"), fc.array(fc.integer({ min: 0, max: 3 * DAY })), (internal, shifts) => {
        const external = internal.map((r, n) => ({
          id: `e${n}`,
          reference: r.reference,
          amount: r.amount,
          currency: r.currency,
          at: r.at + (shifts[n] ?? 0)
        }))
        const results = Result.getOrThrow(Reconciliation.match(internal, external, propRules, 30 * DAY))
        everyIdOnce(results, internal, external)
        for (const r of results) expect(r.status).toBe("matched")
      }),
      { numRuns: 300 }
    )
  })

  it("permuting the inputs does not change the results", () => {
    fc.assert(
      fc.property(side("i"), side("e"), fc.integer(), fc.integer(), (internal, external, s1, s2) => {
        const shuffle = <T>(xs: ReadonlyArray<T>, seed: number) => {
          const r = seeded(seed)
          const out = [...xs]
          for (let k = out.length - 1; k > 0; k--) {
            const j = Math.floor(r() * (k + 1))
            ;[out[k], out[j]] = [out[j]!, out[k]!]
          }
          return out
        }
        const a = Result.getOrThrow(Reconciliation.match(internal, external, propRules, 12 * DAY))
        const b = Result.getOrThrow(
          Reconciliation.match(shuffle(internal, s1), shuffle(external, s2), propRules, 12 * DAY)
        )
        expect(canonical(b)).toEqual(canonical(a))
      }),
      { numRuns: 500 }
    )
  })

  it("every record appears in exactly one result, and each result is well formed", () => {
    fc.assert(
      fc.property(side("i"), side("e"), (internal, external) => {
        const results = Result.getOrThrow(Reconciliation.match(internal, external, propRules, 12 * DAY))
        everyIdOnce(results, internal, external)
        for (const r of results) {
          expect(r.internal.length + r.external.length).toBeGreaterThan(0)
          if (r.status === "matched" || r.status === "mismatched") {
            expect(r.internal.length).toBeGreaterThan(0)
            expect(r.external.length).toBeGreaterThan(0)
            expect(r.internal.length > 1 && r.external.length > 1).toBe(false)
          } else {
            expect(r.internal.length + r.external.length).toBe(1)
          }
          if (r.status === "matched") {
            const sum = (ids: ReadonlyArray<string>, side: ReadonlyArray<{ id: string; amount: bigint }>) =>
              ids.reduce((s, id) => s + side.find((x) => x.id === id)!.amount, 0n)
            const d = sum(r.external, external) - sum(r.internal, internal)
            expect(d).toBe(r.difference)
            expect(d <= 1n && d >= -1n).toBe(true)
          }
        }
      }),
      { numRuns: 500 }
    )
  })
})
