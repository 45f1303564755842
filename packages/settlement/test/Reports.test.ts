import v8 from "node:v8"
import vm from "node:vm"
import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type BalanceTransaction, type Type, reportingCategoryOf, types } from "../src/BalanceTransaction.ts"
import { cell, line, neutralise } from "../src/internal/csvWrite.ts"
import * as Reports from "../src/Reports.ts"
import { parseCsv, unneutralise } from "./golden/csvParse.ts"

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const DAY = 86_400_000
const HOUR = 3_600_000
const T0 = Date.parse("2025-01-01T00:00:00Z")
const DAYS = 150
const zones = [
  "UTC",
  "Asia/Shanghai",
  "America/New_York",
  "Europe/London",
  "Asia/Kolkata",
  "Pacific/Chatham",
  "America/St_Johns",
  "America/Santiago",
  "Australia/Lord_Howe"
] as const
/** Offsets (ms) of local midnights from UTC midnight, so generated instants land right at a boundary. */
const edges = [0, -8, 5, 4, -5.5, -12.75, -13.75, 3.5, 2.5, 4, 3, -11, -10.5].map((h) => h * HOUR)

const instant = fc.oneof(
  fc.integer({ min: T0 - 10 * DAY, max: T0 + (DAYS + 10) * DAY }),
  fc
    .tuple(fc.integer({ min: -5, max: DAYS + 5 }), fc.constantFrom(...edges), fc.constantFrom(-1, 0, 1))
    .map(([d, edge, ms]) => T0 + d * DAY + edge + ms)
)

const date = fc.integer({ min: 0, max: DAYS }).map((d) => new Date(T0 + d * DAY).toISOString().slice(0, 10))

let seq = 0
const make = (t: {
  merchant: string
  currency: string
  type: Type
  gross: bigint
  fee: bigint
  availableOn: number
  payout?: string
  source?: string
}): BalanceTransaction => ({
  id: `bt_${++seq}`,
  merchant: t.merchant,
  currency: t.currency,
  type: t.type,
  reportingCategory: reportingCategoryOf[t.type],
  gross: t.gross,
  fee: t.fee,
  feeDetails: t.fee === 0n ? [] : [{ kind: "processing", label: "blended", amount: t.fee }],
  net: t.gross - t.fee,
  source: t.source ?? `src_${seq}`,
  createdAt: Math.max(0, t.availableOn - DAY),
  availableOn: t.availableOn,
  status: "available",
  ...(t.payout === undefined ? {} : { payout: t.payout }),
  dimensions: { method: "card", brand: "visa" },
  ledgerEntries: []
})

const transaction = fc
  .record({
    merchant: fc.constantFrom("m1", "m2", "m3"),
    currency: fc.constantFrom("USD", "JPY", "KWD"),
    type: fc.constantFrom(...types),
    gross: fc.bigInt(-(10n ** 12n), 10n ** 12n),
    fee: fc.bigInt(-(10n ** 6n), 10n ** 6n),
    availableOn: instant
  })
  .map(make)

const ok = <A, E>(r: Result.Result<A, E>): A => {
  if (Result.isFailure(r)) throw new Error(`expected a success, got ${String(r.failure)}`)
  return r.success
}

const summaryOf = (txs: ReadonlyArray<BalanceTransaction>, from: string, to: string, timeZone: string) =>
  ok(Reports.run(ok(Reports.balanceSummary({ from, to, timeZone })), txs))

const localDate = (t: number, timeZone: string) =>
  new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(t)

type Figures = { count: number; gross: bigint; fee: bigint; net: bigint }
const zero: Figures = { count: 0, gross: 0n, fee: 0n, net: 0n }
const plus = (a: Figures, b: Figures): Figures => ({
  count: a.count + b.count,
  gross: a.gross + b.gross,
  fee: a.fee + b.fee,
  net: a.net + b.net
})
const figures = (t: Reports.Totals): Figures => ({ count: t.count, gross: t.gross, fee: t.fee, net: t.net })

const byKey = (s: Reports.BalanceSummary) =>
  new Map(s.balances.map((b) => [`${b.merchant}/${b.currency}`, b]))

// ---------------------------------------------------------------------------------------------
// The report identity
// ---------------------------------------------------------------------------------------------

describe("balance summary: opening + activity - payouts = closing", () => {
  it("holds per merchant and currency for random transactions, zones and periods, and matches a model", () => {
    fc.assert(
      fc.property(
        fc.array(transaction, { maxLength: 60 }),
        fc.constantFrom(...zones),
        fc.uniqueArray(date, { minLength: 2, maxLength: 2 }).map((d) => [...d].sort()),
        (txs, zone, [from, to]) => {
          const s = summaryOf(txs, from!, to!, zone)
          // the period starts at the first instant of the local day `from`
          expect(localDate(s.period.fromMs, zone)).toBe(from)
          expect(localDate(s.period.fromMs - 1, zone) < from!).toBe(true)
          expect(localDate(s.period.toMs, zone)).toBe(to)
          expect(localDate(s.period.toMs - 1, zone) < to!).toBe(true)
          for (const b of s.balances) {
            expect(b.opening + b.activityTotal.net - b.payoutsTotal.net).toBe(b.closing)
            expect(figures(b.activityTotal)).toEqual(b.activity.map(figures).reduce(plus, zero))
            expect(figures(b.payoutsTotal)).toEqual(b.payouts.map(figures).reduce(plus, zero))
            // the model: sums over the transactions themselves
            const mine = txs.filter((t) => t.merchant === b.merchant && t.currency === b.currency)
            const sum = (p: (t: BalanceTransaction) => boolean) =>
              mine.filter(p).reduce((n, t) => n + t.net, 0n)
            expect(b.opening).toBe(sum((t) => t.availableOn < s.period.fromMs))
            expect(b.closing).toBe(sum((t) => t.availableOn < s.period.toMs))
            const paid = (t: BalanceTransaction) => t.type === "payout" || t.type === "payout_failure"
            const during = (t: BalanceTransaction) =>
              t.availableOn >= s.period.fromMs && t.availableOn < s.period.toMs
            expect(b.payoutsTotal.net).toBe(-sum((t) => during(t) && paid(t)))
            expect(b.activityTotal.count).toBe(mine.filter((t) => during(t) && !paid(t)).length)
          }
          // every merchant and currency with a transaction before `to` has a balance, and only those
          const expected = new Set(
            txs.filter((t) => t.availableOn < s.period.toMs).map((t) => `${t.merchant}/${t.currency}`)
          )
          expect(new Set(byKey(s).keys())).toEqual(expected)
        }
      ),
      { numRuns: 150 }
    )
  })

  it("composes over consecutive periods: [a, b) then [b, c) is [a, c)", () => {
    fc.assert(
      fc.property(
        fc.array(transaction, { maxLength: 60 }),
        fc.constantFrom(...zones),
        fc.uniqueArray(date, { minLength: 3, maxLength: 3 }).map((d) => [...d].sort()),
        (txs, zone, [a, b, c]) => {
          const ab = byKey(summaryOf(txs, a!, b!, zone))
          const bc = byKey(summaryOf(txs, b!, c!, zone))
          const ac = byKey(summaryOf(txs, a!, c!, zone))
          for (const [key, whole] of ac) {
            const first = ab.get(key)
            const second = bc.get(key)!
            expect(second, key).toBeDefined()
            expect(first?.opening ?? 0n).toBe(whole.opening)
            expect(first?.closing ?? 0n).toBe(second.opening)
            expect(second.closing).toBe(whole.closing)
            const categories = (x: Reports.Balance | undefined, which: "activity" | "payouts") =>
              new Map((x?.[which] ?? []).map((c) => [c.category, figures(c)]))
            for (const which of ["activity", "payouts"] as const) {
              const l = categories(first, which)
              const r = categories(second, which)
              const w = categories(whole, which)
              for (const cat of new Set([...l.keys(), ...r.keys(), ...w.keys()])) {
                expect(w.get(cat) ?? zero, `${key} ${which} ${cat}`).toEqual(
                  plus(l.get(cat) ?? zero, r.get(cat) ?? zero)
                )
              }
            }
          }
          for (const key of [...ab.keys(), ...bc.keys()]) expect(ac.has(key), key).toBe(true)
        }
      ),
      { numRuns: 100 }
    )
  })

  it("the itemised rows are the activity: one per transaction, summing to the activity total", () => {
    fc.assert(
      fc.property(
        fc.array(transaction, { maxLength: 60 }),
        fc.constantFrom(...zones),
        fc.uniqueArray(date, { minLength: 2, maxLength: 2 }).map((d) => [...d].sort()),
        (txs, zone, [from, to]) => {
          const s = byKey(summaryOf(txs, from!, to!, zone))
          const itemised = ok(Reports.itemised({ from: from!, to: to!, timeZone: zone }))
          const rows = [...Reports.rows(itemised, txs)]
          const totals = ok(Reports.finish(itemised)).totals
          for (const g of totals) {
            const b = s.get(`${g.merchant}/${g.currency}`)!
            expect(figures(g)).toEqual(figures(b.activityTotal))
            const mine = rows.filter((r) => r.merchant === g.merchant && r.currency === g.currency)
            expect(mine.reduce((n, r) => n + r.net, 0n)).toBe(b.activityTotal.net)
            for (const r of mine) {
              expect(r.availableDate >= from! && r.availableDate < to!).toBe(true)
              expect(r.availableOn.slice(0, 10)).toBe(r.availableDate)
            }
          }
          for (const b of s.values()) {
            if (b.activityTotal.count > 0)
              expect(totals.some((g) => g.merchant === b.merchant && g.currency === b.currency)).toBe(true)
          }
        }
      ),
      { numRuns: 100 }
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Payout reconciliation
// ---------------------------------------------------------------------------------------------

const itemTypes = types.filter((t) => t !== "payout" && t !== "payout_failure")

/** Payouts whose items add up to them, shuffled together. */
const payouts = fc
  .array(
    fc.record({
      merchant: fc.constantFrom("m1", "m2"),
      currency: fc.constantFrom("USD", "KWD"),
      items: fc.array(
        fc.record({
          type: fc.constantFrom(...itemTypes),
          net: fc.bigInt(-(10n ** 9n), 10n ** 9n).filter((n) => n !== 0n),
          fee: fc.bigInt(0n, 10n ** 4n)
        }),
        { minLength: 1, maxLength: 6 }
      )
    }),
    { minLength: 1, maxLength: 5 }
  )
  .map((ps) =>
    ps.map((p, i) => {
      const id = `po_${i}`
      const items = p.items.map((it) =>
        make({
          merchant: p.merchant,
          currency: p.currency,
          type: it.type,
          gross: it.net + it.fee,
          fee: it.fee,
          availableOn: T0 + i * DAY,
          payout: id
        })
      )
      const amount = items.reduce((n, t) => n + t.net, 0n)
      const record = make({
        merchant: p.merchant,
        currency: p.currency,
        type: "payout",
        gross: -amount,
        fee: 0n,
        availableOn: T0 + (i + 2) * DAY,
        payout: id,
        source: id
      })
      return { id, amount, items, record }
    })
  )

const shuffle = <A>(xs: ReadonlyArray<A>, keys: ReadonlyArray<number>): Array<A> =>
  xs
    .map((x, i) => [x, keys[i % Math.max(1, keys.length)]! + i / 1e6] as const)
    .sort((a, b) => a[1] - b[1])
    .map(([x]) => x)

describe("payout reconciliation", () => {
  it("each payout's transactions sum to its amount for consistent input, in any order", () => {
    fc.assert(
      fc.property(
        payouts,
        fc.array(fc.double({ noNaN: true }), { minLength: 1, maxLength: 40 }),
        (ps, keys) => {
          const all = shuffle(
            ps.flatMap((p) => [...p.items, p.record]),
            keys
          )
          const recon = ok(Reports.payoutReconciliation({ timeZone: "Asia/Shanghai" }))
          const rows = [...Reports.rows(recon, all)]
          const result = ok(Reports.finish(recon))
          expect(rows).toHaveLength(ps.reduce((n, p) => n + p.items.length, 0))
          expect(result.payouts).toHaveLength(ps.length)
          for (const p of ps) {
            const t = result.payouts.find((x) => x.payout === p.id)!
            expect(t.status).toBe("balanced")
            expect(t.amount).toBe(p.amount)
            expect(t.net).toBe(p.amount)
            expect(t.difference).toBe(0n)
            expect(t.count).toBe(p.items.length)
            expect(new Set(rows.filter((r) => r.payout === p.id).map((r) => r.id))).toEqual(
              new Set(p.items.map((x) => x.id))
            )
          }
        }
      ),
      { numRuns: 150 }
    )
  })

  it("flags a payout whose transactions do not sum to it, and only that one", () => {
    fc.assert(
      fc.property(
        payouts,
        fc.nat(),
        fc.constantFrom("alter", "drop_item", "stray_item", "drop_payout", "other_currency"),
        fc.bigInt(1n, 10n ** 6n),
        (ps, pick, how, delta) => {
          const target = ps[pick % ps.length]!
          const others = ps.filter((p) => p !== target)
          let items: Array<BalanceTransaction> = [...target.items]
          let record: BalanceTransaction | undefined = target.record
          const first = items[0]!
          if (how === "alter") items[0] = { ...first, gross: first.gross + delta, net: first.net + delta }
          if (how === "drop_item") items = items.slice(1)
          if (how === "stray_item")
            items.push(
              make({
                merchant: first.merchant,
                currency: first.currency,
                type: "adjustment",
                gross: delta,
                fee: 0n,
                availableOn: T0,
                payout: target.id
              })
            )
          if (how === "drop_payout") record = undefined
          if (how === "other_currency")
            items[0] = { ...first, currency: first.currency === "USD" ? "JPY" : "USD" }
          const all = [
            ...others.flatMap((p) => [...p.items, p.record]),
            ...items,
            ...(record ? [record] : [])
          ]
          const result = ok(Reports.run(ok(Reports.payoutReconciliation({ timeZone: "UTC" })), all))
          for (const t of result.payouts) {
            if (t.payout === target.id) {
              expect(t.status).toBe(how === "drop_payout" ? "payout_missing" : "mismatch")
              if (how !== "drop_payout" && how !== "other_currency") expect(t.difference).not.toBe(0n)
            } else expect(t.status, t.payout).toBe("balanced")
          }
        }
      ),
      { numRuns: 150 }
    )
  })

  it("a payout failure marks its payout failed and is an item of the payout that pays it again", () => {
    const item = make({
      merchant: "m",
      currency: "USD",
      type: "charge",
      gross: 1000n,
      fee: 30n,
      availableOn: T0,
      payout: "po_1"
    })
    const po1 = make({
      merchant: "m",
      currency: "USD",
      type: "payout",
      gross: -970n,
      fee: 0n,
      availableOn: T0 + DAY,
      payout: "po_1",
      source: "po_1"
    })
    const back = make({
      merchant: "m",
      currency: "USD",
      type: "payout_failure",
      gross: 970n,
      fee: 0n,
      availableOn: T0 + 2 * DAY,
      payout: "po_2",
      source: "po_1"
    })
    const po2 = make({
      merchant: "m",
      currency: "USD",
      type: "payout",
      gross: -970n,
      fee: 0n,
      availableOn: T0 + 3 * DAY,
      payout: "po_2",
      source: "po_2"
    })
    const result = ok(
      Reports.run(ok(Reports.payoutReconciliation({ timeZone: "UTC" })), [item, po1, back, po2])
    )
    expect(result.payouts.map((p) => [p.payout, p.failed, p.status, p.count])).toEqual([
      ["po_1", true, "balanced", 1],
      ["po_2", false, "balanced", 1]
    ])
    // the same failure recorded against its own payout only marks it
    const self = { ...back, payout: "po_1" }
    const alone = ok(Reports.run(ok(Reports.payoutReconciliation({ timeZone: "UTC" })), [item, po1, self]))
    expect(alone.payouts.map((p) => [p.payout, p.failed, p.status])).toEqual([["po_1", true, "balanced"]])
  })
})

// ---------------------------------------------------------------------------------------------
// Bounded memory
// ---------------------------------------------------------------------------------------------

/** A fresh transaction each time, nothing kept by the generator; every 10,000th is watched. */
function* stream(count: number, watched: Array<WeakRef<BalanceTransaction>>): Generator<BalanceTransaction> {
  for (let i = 0; i < count; i++) {
    const t = make({
      merchant: `m${i % 7}`,
      currency: i % 3 === 0 ? "JPY" : "USD",
      type: types[i % types.length]!,
      gross: BigInt((i % 1000) - 300),
      fee: BigInt(i % 13),
      availableOn: T0 + (i % (DAYS * 24)) * HOUR,
      payout: `po_${i % 50}`,
      source: `po_${i % 50}`
    })
    if (i % 10_000 === 0) watched.push(new WeakRef(t))
    yield t
  }
}

async function* streamAsync(count: number, watched: Array<WeakRef<BalanceTransaction>>) {
  for (const t of stream(count, watched)) yield t
}

const collectGarbage = (() => {
  try {
    v8.setFlagsFromString("--expose-gc")
    return vm.runInNewContext("gc") as () => void
  } catch {
    return undefined
  }
})()

describe("bounded memory: the reports fold a stream and keep no transaction", () => {
  it("200,000 transactions from a generator through every report, none of them retained", async () => {
    const N = 200_000
    const options = { from: "2025-02-01", to: "2025-04-01", timeZone: "Asia/Shanghai" } as const
    const watched: Array<WeakRef<BalanceTransaction>> = []
    const summary = ok(Reports.run(ok(Reports.balanceSummary(options)), stream(N, watched)))
    expect(summary.balances.length).toBe(14)
    const itemised = ok(Reports.itemised(options))
    let lines = 0
    let bytes = 0
    for await (const l of Reports.csvLines(
      Reports.itemisedTable,
      Reports.rows(itemised, streamAsync(N, watched))
    )) {
      lines++
      bytes += l.length
    }
    const totals = ok(Reports.finish(itemised)).totals
    expect(lines - 1).toBe(totals.reduce((n, g) => n + g.count, 0))
    expect(bytes).toBeGreaterThan(lines * 100)
    const recon = ok(
      await Reports.run(ok(Reports.payoutReconciliation({ timeZone: "UTC" })), streamAsync(N, watched))
    )
    expect(recon.payouts).toHaveLength(50)
    const fees = ok(Reports.run(ok(Reports.feeDetails(options)), stream(N, watched)))
    expect(fees.rows.length).toBeLessThanOrEqual(14 * 2)
    expect(watched).toHaveLength(4 * (N / 10_000))
    if (collectGarbage !== undefined) {
      await new Promise((resolve) => setImmediate(resolve))
      collectGarbage()
      // a report that kept its transactions would keep all 80; V8 may keep one for its own reasons
      expect(watched.filter((w) => w.deref() !== undefined).length).toBeLessThanOrEqual(1)
    }
  }, 120_000)
})

// ---------------------------------------------------------------------------------------------
// Hostile input
// ---------------------------------------------------------------------------------------------

const base = { from: "2025-03-01", to: "2025-04-01", timeZone: "UTC" }
const constructors = {
  balanceSummary: Reports.balanceSummary,
  itemised: Reports.itemised,
  sales: Reports.sales,
  refunds: Reports.refunds,
  feeDetails: Reports.feeDetails
} as const

describe("hostile options: InvalidReportOptions naming the field", () => {
  const cases: ReadonlyArray<readonly [string, unknown, string]> = [
    ["from equal to to", { ...base, to: base.from }, "to"],
    ["from after to", { ...base, from: "2025-05-01" }, "to"],
    ["an unknown time zone", { ...base, timeZone: "Mars/Olympus_Mons" }, "timeZone"],
    ["an empty time zone", { ...base, timeZone: "" }, "timeZone"],
    ["a number as time zone", { ...base, timeZone: 8 }, "timeZone"],
    ["a missing time zone", { from: base.from, to: base.to }, "timeZone"],
    ["a day that does not exist", { ...base, from: "2025-02-29" }, "from"],
    ["a date and time", { ...base, to: "2025-04-01T00:00:00Z" }, "to"],
    ["a date before 1970", { ...base, from: "1969-12-31" }, "from"],
    ["an unknown currency without an exponent", { ...base, currency: "XTK" }, "currency"],
    ["a lower-case currency", { ...base, currency: "usd" }, "currency"],
    [
      "a custom unit without an exponent",
      { ...base, currencies: [{ code: "XTK" }] },
      "currencies[0].exponent"
    ],
    [
      "a custom unit with 19 decimals",
      { ...base, currencies: [{ code: "XTK", exponent: 19 }] },
      "currencies[0].exponent"
    ],
    [
      "a custom unit shadowing ISO",
      { ...base, currencies: [{ code: "KWD", exponent: 2 }] },
      "currencies[0].code"
    ],
    [
      "a custom unit twice",
      {
        ...base,
        currencies: [
          { code: "XTK", exponent: 2 },
          { code: "XTK", exponent: 3 }
        ]
      },
      "currencies[1].code"
    ],
    ["an empty merchant", { ...base, merchant: "" }, "merchant"],
    ["an unknown option", { ...base, form: "2025-03-01" }, "form"],
    ["null", null, "(root)"]
  ]
  for (const [what, input, field] of cases) {
    it(`${what} → ${field}`, () => {
      for (const [name, make] of Object.entries(constructors)) {
        const r = (make as (i: unknown) => Result.Result<unknown, Reports.InvalidReportOptions>)(input)
        expect(Result.isFailure(r), name).toBe(true)
        const e = (r as Result.Failure<unknown, Reports.InvalidReportOptions>).failure
        expect(e).toBeInstanceOf(Reports.InvalidReportOptions)
        expect(e.field, name).toBe(field)
        expect(e.report).toBe(name)
        expect(e.message).toContain(field)
      }
    })
  }

  it("a custom unit makes its currency known, with its exponent", () => {
    const t = make({
      merchant: "m",
      currency: "XTK",
      type: "charge",
      gross: 123456789n,
      fee: 0n,
      availableOn: Date.parse("2025-03-02T00:00:00Z")
    })
    const s = ok(
      Reports.run(
        ok(Reports.balanceSummary({ ...base, currency: "XTK", currencies: [{ code: "XTK", exponent: 8 }] })),
        [t]
      )
    )
    expect(Reports.toJson(Reports.balanceSummaryTable, s.rows).at(-1)).toMatchObject({
      net: "1.23456789",
      net_minor: "123456789"
    })
  })

  it("random values into every constructor: a typed error or a report, never a throw, and valid calls still work", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record(
            {
              from: fc.oneof(date, fc.anything()),
              to: fc.oneof(date, fc.anything()),
              timeZone: fc.oneof(fc.constantFrom(...zones), fc.string())
            },
            { requiredKeys: [] }
          ),
          fc.record(
            {
              timeZone: fc.oneof(fc.constantFrom(...zones), fc.anything()),
              currency: fc.oneof(fc.constantFrom("USD", "XTK"), fc.anything()),
              currencies: fc.anything()
            },
            { requiredKeys: [] }
          )
        ),
        (input) => {
          for (const make of [...Object.values(constructors), Reports.payoutReconciliation]) {
            const r = (make as (i: unknown) => Result.Result<unknown, Reports.InvalidReportOptions>)(input)
            if (Result.isFailure(r)) expect(r.failure).toBeInstanceOf(Reports.InvalidReportOptions)
          }
          expect(Result.isSuccess(Reports.balanceSummary(base))).toBe(true)
        }
      ),
      { numRuns: 300 }
    )
  })

  it("payout reconciliation refuses a bad time zone and an unknown currency filter", () => {
    const bad = Reports.payoutReconciliation({ timeZone: "Nowhere/Else" })
    expect(Result.isFailure(bad) && bad.failure.field).toBe("timeZone")
    const unknown = Reports.payoutReconciliation({ timeZone: "UTC", currency: "XTK" })
    expect(Result.isFailure(unknown) && unknown.failure.field).toBe("currency")
  })
})

describe("hostile transactions: left out, counted, named", () => {
  const good = make({
    merchant: "m",
    currency: "USD",
    type: "charge",
    gross: 1000n,
    fee: 30n,
    availableOn: Date.parse("2025-03-05T00:00:00Z")
  })
  const cases: ReadonlyArray<readonly [string, unknown, string]> = [
    ["an unknown currency", { ...good, id: "bad_1", currency: "XTK" }, "currency"],
    ["a number as gross", { ...good, id: "bad_2", gross: 1000 }, "gross"],
    ["net other than gross - fee", { ...good, id: "bad_3", net: 1000n }, "net"],
    [
      "a category that is not its type's",
      { ...good, id: "bad_4", reportingCategory: "payout" },
      "reportingCategory"
    ],
    ["an unknown type", { ...good, id: "bad_5", type: "gift" }, "type"],
    ["a NaN date", { ...good, id: "bad_6", availableOn: Number.NaN }, "availableOn"],
    [
      "a number as card brand",
      { ...good, id: "bad_7", dimensions: { method: "card", brand: 4 } },
      "dimensions.brand"
    ],
    ["null", null, "(root)"],
    [
      "a getter that throws",
      Object.defineProperty({ ...good, id: "bad_8" }, "gross", {
        get() {
          throw new Error("boom")
        }
      }),
      "(root)"
    ]
  ]
  for (const [what, bad, field] of cases) {
    it(`${what}: ${field}`, () => {
      const report = ok(Reports.balanceSummary(base))
      const r = Reports.run(report, [good, bad as BalanceTransaction, good])
      expect(Result.isFailure(r)).toBe(true)
      const e = (r as Result.Failure<unknown, Reports.UnreportableTransaction>).failure
      expect(e).toBeInstanceOf(Reports.UnreportableTransaction)
      expect(e.field).toBe(field)
      expect(e.count).toBe(1)
      // the good ones are all there
      expect(report.result().balances[0]!.activityTotal.net).toBe(2n * good.net)
    })
  }

  it("a fee detail that is not a fee line is refused by the fee report only", () => {
    const odd = {
      ...good,
      feeDetails: [{ kind: "tip", label: "x", amount: 30n }]
    } as unknown as BalanceTransaction
    expect(Result.isSuccess(Reports.run(ok(Reports.sales(base)), [odd]))).toBe(true)
    const r = Reports.run(ok(Reports.feeDetails(base)), [odd])
    expect(Result.isFailure(r) && r.failure.field).toBe("feeDetails[0].kind")
  })
})

// ---------------------------------------------------------------------------------------------
// Amounts, time zones, CSV
// ---------------------------------------------------------------------------------------------

describe("amounts in major units", () => {
  it("are exact: digits of the minor units with the currency's decimals", () => {
    expect(Reports.toMajor(1234n, 2)).toBe("12.34")
    expect(Reports.toMajor(-5n, 2)).toBe("-0.05")
    expect(Reports.toMajor(1500n, 0)).toBe("1500")
    expect(Reports.toMajor(1n, 3)).toBe("0.001")
    expect(Reports.toMajor(9007199254740993n, 2)).toBe("90071992547409.93")
    fc.assert(
      fc.property(
        fc.bigInt(-(10n ** 30n), 10n ** 30n),
        fc.integer({ min: 0, max: 18 }),
        (minor, exponent) => {
          const major = Reports.toMajor(minor, exponent)
          expect(major).toMatch(exponent === 0 ? /^-?\d+$/ : new RegExp(`^-?\\d+\\.\\d{${exponent}}$`))
          expect(BigInt(major.replace(".", ""))).toBe(minor)
        }
      )
    )
  })
})

describe("time zones", () => {
  const at = (iso: string) => Date.parse(iso)
  const row = (timeZone: string, availableOn: number) => {
    const r = ok(Reports.itemised({ from: "2024-12-01", to: "2026-01-31", timeZone }))
    return r.add(make({ merchant: "m", currency: "USD", type: "charge", gross: 1n, fee: 0n, availableOn }))!
  }
  it("periods start at local midnight, through DST changes and a skipped midnight", () => {
    const period = (from: string, to: string, timeZone: string) =>
      ok(Reports.run(ok(Reports.balanceSummary({ from, to, timeZone })), [])).period
    // New York springs forward on 2025-03-09: a 23-hour day
    const ny = period("2025-03-09", "2025-03-10", "America/New_York")
    expect([ny.fromMs, ny.toMs]).toEqual([at("2025-03-09T05:00:00Z"), at("2025-03-10T04:00:00Z")])
    // Santiago skips midnight on 2025-09-07 (00:00 -04 becomes 01:00 -03): the day starts at 01:00
    expect(period("2025-09-07", "2025-09-08", "America/Santiago").fromMs).toBe(at("2025-09-07T04:00:00Z"))
    expect(period("2025-03-01", "2025-04-01", "Asia/Kolkata").fromMs).toBe(at("2025-02-28T18:30:00Z"))
  })
  it("timestamps carry the zone's offset at that instant", () => {
    expect(row("America/New_York", at("2025-03-09T06:59:59Z")).availableOn).toBe("2025-03-09T01:59:59-05:00")
    expect(row("America/New_York", at("2025-03-09T07:00:00Z")).availableOn).toBe("2025-03-09T03:00:00-04:00")
    expect(row("Asia/Kolkata", at("2025-03-01T18:29:59.999Z")).availableOn).toBe(
      "2025-03-01T23:59:59.999+05:30"
    )
    expect(row("Asia/Kolkata", at("2025-03-01T18:30:00Z")).availableDate).toBe("2025-03-02")
    expect(row("Pacific/Chatham", at("2025-06-01T00:00:00Z")).availableOn).toBe("2025-06-01T12:45:00+12:45")
    expect(row("UTC", at("2025-06-01T00:00:00Z")).availableOn).toBe("2025-06-01T00:00:00+00:00")
  })
  it("local dates agree with Intl for random instants and zones", () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...zones), (t, zone) => {
        fc.pre(t >= at("2025-01-01T00:00:00Z") && t < at("2025-12-30T00:00:00Z"))
        const r = row(zone, t)
        expect(r.availableDate).toBe(localDate(t, zone))
        // the timestamp names the same instant
        expect(Date.parse(r.availableOn)).toBe(t)
      }),
      { numRuns: 300 }
    )
  })
})

describe("CSV writer", () => {
  it("quotes per RFC 4180 and ends lines with \\r\\n", () => {
    expect(line(["a", "b,c", 'say "hi"', "two\nlines", null, 12, true])).toBe(
      'a,"b,c","say ""hi""","two\nlines",,12,true\r\n'
    )
  })
  it("neutralises formulas, except pure numbers", () => {
    expect(["=1+1", "+A1", "-A1", "@SUM(A1)", "\tx", "\rx"].map(neutralise)).toEqual([
      "'=1+1",
      "'+A1",
      "'-A1",
      "'@SUM(A1)",
      "'\tx",
      "'\rx"
    ])
    expect(["-12.34", "+5", "-1234", "12", "a=b"].map(neutralise)).toEqual([
      "-12.34",
      "+5",
      "-1234",
      "12",
      "a=b"
    ])
    expect(cell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`)
    expect(cell("-2.50")).toBe("-2.50")
  })
  it("round-trips any text through a strict RFC 4180 reader", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({
            unit: fc.constantFrom(
              "a",
              ",",
              '"',
              "\r",
              "\n",
              "=",
              "-",
              "+",
              "@",
              "\t",
              "'",
              "1",
              ".",
              " ",
              "é"
            )
          }),
          { minLength: 1, maxLength: 6 }
        ),
        (cells) => {
          // a text that itself starts with ' and a formula character reads back without its '
          fc.pre(cells.every((c) => !/^'[=+\-@\t\r]/.test(c)))
          const parsed = parseCsv(line(cells))
          expect(parsed).toHaveLength(1)
          expect(parsed[0]!.map(unneutralise)).toEqual(cells)
          for (const c of parsed[0]!)
            expect(/^[=+\-@\t\r]/.test(c) && !/^[+-]?\d+(\.\d+)?$/.test(c)).toBe(false)
        }
      ),
      { numRuns: 300 }
    )
  })
})
