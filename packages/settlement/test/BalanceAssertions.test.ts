import { Result, Schema } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as BalanceAssertions from "../src/BalanceAssertions.ts"

const period: BalanceAssertions.Period = {
  start: Date.UTC(2025, 2, 1),
  end: Date.UTC(2025, 3, 1),
  label: "2025-03"
}

const snapshot: BalanceAssertions.Snapshot = {
  balances: new Map([
    ["cash", 10_000n],
    ["merchant:m1:available", 6_000n],
    ["merchant:m2:available", -20n],
    ["merchant:m2:pending", 500n],
    ["fees", 3_500n],
    ["reserve", 0n]
  ]),
  holds: [
    { id: "h_open", expiresAt: period.end - 3_600_000, status: "pending", account: "merchant:m1:available" },
    { id: "h_stale", expiresAt: period.end - 3 * 86_400_000, status: "pending" },
    { id: "h_done", expiresAt: period.end - 3 * 86_400_000, status: "posted" },
    { id: "h_forever", status: "pending" }
  ]
}

const run = (assertions: ReadonlyArray<BalanceAssertions.Assertion>, s = snapshot, p = period) =>
  Result.getOrThrow(BalanceAssertions.check(assertions, s, p))

describe("weightedSumZero", () => {
  // cash = what merchants are owed + what was earned
  const books = (tolerance: bigint) =>
    BalanceAssertions.weightedSumZero({
      name: "cash covers payables",
      weights: {
        cash: 1n,
        "merchant:m1:available": -1n,
        "merchant:m2:available": -1n,
        "merchant:m2:pending": -1n,
        fees: -1n
      },
      tolerance,
      severity: "critical"
    })

  it("finds a sum off zero beyond the tolerance, with its value and severity", () => {
    // 10000 - 6000 + 20 - 500 - 3500 = 20
    expect(run([books(0n)])).toEqual([
      expect.objectContaining({
        assertion: "cash covers payables",
        kind: "sum_not_zero",
        severity: "critical",
        value: 20n,
        limit: 0n,
        period
      })
    ])
    expect(run([books(19n)])).toHaveLength(1)
    expect(run([books(20n)])).toEqual([])
  })

  it("weights are integers: twice an account counts it twice", () => {
    const a = BalanceAssertions.weightedSumZero({
      name: "x",
      weights: { reserve: 7n, fees: 2n, cash: -1n },
      tolerance: 0n,
      severity: "info"
    })
    expect(run([a])[0]).toMatchObject({ value: 7_000n - 10_000n, severity: "info" })
  })

  it("reports an account missing from the snapshot, counting it as zero", () => {
    const a = BalanceAssertions.weightedSumZero({
      name: "x",
      weights: { cash: 1n, nowhere: -1n },
      tolerance: 0n,
      severity: "warning"
    })
    expect(run([a]).map((f) => [f.kind, f.account, f.value])).toEqual([
      ["account_missing", "nowhere", undefined],
      ["sum_not_zero", undefined, 10_000n]
    ])
  })
})

describe("bounds", () => {
  it("checks every account a pattern matches, in id order", () => {
    const a = BalanceAssertions.bounds({
      name: "no overdraft",
      pattern: "merchant:*:available",
      min: 0n,
      severity: "critical"
    })
    expect(run([a])).toEqual([
      expect.objectContaining({
        kind: "below_min",
        account: "merchant:m2:available",
        value: -20n,
        limit: 0n,
        severity: "critical"
      })
    ])
    const cap = BalanceAssertions.bounds({
      name: "cap",
      pattern: "merchant:*",
      max: 1_000n,
      severity: "warning"
    })
    expect(run([cap]).map((f) => [f.kind, f.account])).toEqual([["above_max", "merchant:m1:available"]])
  })

  it("checks a list of accounts, and reports one that is missing", () => {
    const a = BalanceAssertions.bounds({
      name: "b",
      accounts: ["reserve", "gone"],
      min: 0n,
      max: 0n,
      severity: "info"
    })
    expect(run([a]).map((f) => [f.kind, f.account])).toEqual([["account_missing", "gone"]])
  })

  it("reports a pattern that matches nothing", () => {
    const a = BalanceAssertions.bounds({ name: "b", pattern: "wallet:*", min: 0n, severity: "warning" })
    expect(run([a]).map((f) => f.kind)).toEqual(["no_account_matched"])
  })

  it("glob stars match any run, including none, and nothing else is special", () => {
    const balances = new Map([
      ["a.b", 1n],
      ["axb", 1n],
      ["a*b", 1n],
      ["ab", 1n]
    ])
    const matched = (pattern: string) =>
      run([BalanceAssertions.bounds({ name: "g", pattern, max: 0n, severity: "info" })], { balances }).map(
        (f) => f.account
      )
    expect(matched("a.b")).toEqual(["a.b"])
    expect(matched("a*b")).toEqual(["a*b", "a.b", "ab", "axb"])
    expect(matched("*")).toHaveLength(4)
    expect(matched("**b")).toHaveLength(4)
    // a pattern with many stars against a long id stays quick (no regex backtracking)
    const long = new Map([["a".repeat(5_000), 1n]])
    expect(
      run(
        [BalanceAssertions.bounds({ name: "g", pattern: "*a*a*a*a*a*a*a*a*b", max: 0n, severity: "info" })],
        { balances: long }
      )
    ).toMatchObject([{ kind: "no_account_matched" }])
  })
})

describe("holdsPastDeadline", () => {
  it("finds pending holds past their deadline plus grace at the period's end", () => {
    const a = BalanceAssertions.holdsPastDeadline({
      name: "stale holds",
      graceMillis: 86_400_000,
      severity: "warning"
    })
    expect(run([a]).map((f) => [f.kind, f.hold])).toEqual([["hold_past_deadline", "h_stale"]])
    const strict = BalanceAssertions.holdsPastDeadline({
      name: "stale holds",
      graceMillis: 0,
      severity: "warning"
    })
    expect(run([strict]).map((f) => f.hold)).toEqual(["h_open", "h_stale"])
    expect(run([strict])[0]).toMatchObject({ account: "merchant:m1:available" })
  })

  it("takes asOf when given", () => {
    const a = BalanceAssertions.holdsPastDeadline({
      name: "h",
      asOf: period.start,
      graceMillis: 0,
      severity: "info"
    })
    expect(run([a])).toEqual([])
  })
})

describe("definitions", () => {
  it("decodes JSON definitions with amounts as strings, and round-trips them", () => {
    const json = [
      {
        kind: "weighted_sum_zero",
        name: "books",
        weights: { cash: "1", fees: "-1" },
        tolerance: "0",
        severity: "critical"
      },
      { kind: "bounds", name: "no overdraft", pattern: "merchant:*", min: "0", severity: "warning" },
      { kind: "holds_past_deadline", name: "holds", graceMillis: 60_000, severity: "info" }
    ]
    const decoded = Result.getOrThrow(BalanceAssertions.decode(json))
    expect(decoded[0]).toEqual(
      BalanceAssertions.weightedSumZero({
        name: "books",
        weights: { cash: 1n, fees: -1n },
        tolerance: 0n,
        severity: "critical"
      })
    )
    expect(Schema.encodeSync(BalanceAssertions.Json)(decoded)).toEqual(json)
    expect(run(decoded).map((f) => f.assertion)).toEqual(["books", "no overdraft", "holds", "holds"])
  })

  it.each([
    [[{ kind: "bounds", name: "b", pattern: "x", min: "1.5", severity: "info" }], "[0].min"],
    [[{ kind: "bounds", name: "b", pattern: "x", severity: "info" }], "[0].min"],
    [
      [{ kind: "bounds", name: "b", pattern: "x", accounts: ["a"], min: "0", severity: "info" }],
      "[0].accounts"
    ],
    [[{ kind: "bounds", name: "b", accounts: [], min: "0", severity: "info" }], "[0].accounts"],
    [[{ kind: "bounds", name: "b", accounts: ["a"], min: "5", max: "1", severity: "info" }], "[0].max"],
    [
      [{ kind: "weighted_sum_zero", name: "w", weights: {}, tolerance: "0", severity: "info" }],
      "[0].weights"
    ],
    [
      [{ kind: "weighted_sum_zero", name: "w", weights: { a: "1" }, tolerance: "-1", severity: "info" }],
      "[0].tolerance"
    ],
    [
      [{ kind: "weighted_sum_zero", name: "w", weights: { a: 1 }, tolerance: "0", severity: "info" }],
      "[0].weights.a"
    ],
    [[{ kind: "holds_past_deadline", name: "h", graceMillis: -1, severity: "info" }], "[0].graceMillis"],
    [[{ kind: "holds_past_deadline", name: "h", graceMillis: 1, severity: "fatal" }], "[0].severity"]
  ])("a bad definition is InvalidAssertion naming the field (%#)", (input, path) => {
    const r = BalanceAssertions.decode(input)
    expect(Result.isFailure(r) && r.failure).toMatchObject({ _tag: "InvalidAssertion", path })
  })

  it("check validates typed definitions, the snapshot and the period, naming the field", () => {
    const bad = BalanceAssertions.check(
      [BalanceAssertions.bounds({ name: "b", accounts: ["a"], min: 1 as never, severity: "info" })],
      snapshot,
      period
    )
    expect(Result.isFailure(bad) && bad.failure.path).toBe("assertions[0].min")
    const badBalance = BalanceAssertions.check([], { balances: new Map([["cash", 1 as never]]) }, period)
    expect(Result.isFailure(badBalance) && badBalance.failure.path).toBe('snapshot.balances["cash"]')
    const badHold = BalanceAssertions.check(
      [],
      { balances: new Map(), holds: [{ id: "h", status: "pending", expiresAt: "soon" as never }] },
      period
    )
    expect(Result.isFailure(badHold) && badHold.failure.path).toBe("snapshot.holds[0].expiresAt")
    const badPeriod = BalanceAssertions.check([], snapshot, { start: 2, end: 1 })
    expect(Result.isFailure(badPeriod) && badPeriod.failure.path).toBe("period.end")
  })

  it("never throws on random input; a later valid call still works", () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), (a, s, p) => {
        expect(Result.isResult(BalanceAssertions.decode(a))).toBe(true)
        expect(Result.isResult(BalanceAssertions.check(a as never, s as never, p as never))).toBe(true)
        expect(Result.isResult(BalanceAssertions.check([], snapshot, p as never))).toBe(true)
      }),
      { numRuns: 500 }
    )
    expect(
      run([BalanceAssertions.bounds({ name: "ok", accounts: ["cash"], min: 0n, severity: "info" })])
    ).toEqual([])
  })
})

describe("property: a balanced ledger passes its own balance assertion", () => {
  it("the sum of every account, each weighted 1, is zero when postings balance", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 5 }),
            fc.integer({ min: 0, max: 5 }),
            fc.bigInt({ min: 1n, max: 10n ** 12n })
          )
        ),
        (postings) => {
          const balances = new Map<string, bigint>()
          for (let k = 0; k < 6; k++) balances.set(`acct:${k}`, 0n)
          for (const [d, c, amount] of postings) {
            balances.set(`acct:${d}`, balances.get(`acct:${d}`)! + amount)
            balances.set(`acct:${c}`, balances.get(`acct:${c}`)! - amount)
          }
          const weights = Object.fromEntries([...balances.keys()].map((k) => [k, 1n]))
          const a = BalanceAssertions.weightedSumZero({
            name: "trial balance",
            weights,
            tolerance: 0n,
            severity: "critical"
          })
          expect(run([a], { balances })).toEqual([])
          // one posting to one side only is found
          balances.set("acct:0", balances.get("acct:0")! + 1n)
          expect(run([a], { balances })).toMatchObject([{ kind: "sum_not_zero", value: 1n }])
        }
      )
    )
  })
})
