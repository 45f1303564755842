import Big from "big.js"
import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as FeeSchedule from "../src/FeeSchedule.ts"

// ---------------------------------------------------------------------------------------------
// an independent model: big.js arithmetic and the rounding modes written again from Big's
// rounding constants, over the schedule's JSON (never the decoded model, never core's rounding)
// ---------------------------------------------------------------------------------------------

const B = Big()
B.DP = 60

type Mode = "half-even" | "half-up" | "half-down" | "up" | "down" | "ceiling" | "floor"
const MODES: ReadonlyArray<Mode> = ["half-even", "half-up", "half-down", "up", "down", "ceiling", "floor"]

const toInt = (x: Big): bigint => BigInt(x.toFixed(0))

/** Rounds `x` to an integer: Big knows down, half-up, half-even and up; the rest are built on them. */
const roundRef = (x: Big, mode: Mode): bigint => {
  const positive = x.gte(0)
  switch (mode) {
    case "down":
      return toInt(x.round(0, Big.roundDown))
    case "up":
      return toInt(x.round(0, Big.roundUp))
    case "half-up":
      return toInt(x.round(0, Big.roundHalfUp))
    case "half-even":
      return toInt(x.round(0, Big.roundHalfEven))
    case "half-down": {
      const truncated = x.round(0, Big.roundDown)
      return x.minus(truncated).abs().gt("0.5") ? toInt(x.round(0, Big.roundUp)) : toInt(truncated)
    }
    case "ceiling":
      return toInt(x.round(0, positive ? Big.roundUp : Big.roundDown))
    case "floor":
      return toInt(x.round(0, positive ? Big.roundDown : Big.roundUp))
  }
}

type PerCurrencyJson = Partial<Record<string, string>>
interface ComponentJson {
  rate: string
  fixed?: PerCurrencyJson
  rounding: Mode
}
interface MatchJson {
  method?: string
  brand?: string
  region?: string
}
type RowJson = MatchJson & { rate: string; fixed?: PerCurrencyJson }
interface TableJson {
  rounding: Mode
  rates: Array<RowJson>
}
type ShapeJson =
  | ({ type: "blended" } & ComponentJson)
  | { type: "interchange_plus_plus"; interchange: TableJson; scheme: TableJson; markup: ComponentJson }
interface PricingJson {
  shape: ShapeJson
  crossBorder?: ComponentJson
  fx?: ComponentJson
  minimum?: PerCurrencyJson
  cap?: PerCurrencyJson
}
type OverrideJson = Partial<PricingJson> & { match: MatchJson }
type PolicyJson = { policy: "returned" } | { policy: "kept" } | { policy: "charged"; fixed: PerCurrencyJson }
interface VersionJson {
  effectiveFrom: number
  pricing: PricingJson
  overrides?: Array<OverrideJson>
  events: Record<FeeSchedule.Event, PolicyJson>
}
interface ScheduleJson {
  dimensions: { methods: Array<string>; brands: Array<string>; regions: Array<string> }
  versions: Array<VersionJson>
}

interface Input {
  amount: bigint
  currency: string
  at: number
  method?: string
  brand?: string
  region?: string
  converted?: boolean
}

interface Line {
  kind: string
  amount: bigint
}

const fixedIn = (m: PerCurrencyJson | undefined, cur: string): bigint => BigInt(m?.[cur] ?? "0")
const componentRef = (
  amount: bigint,
  cur: string,
  rate: string,
  fixed: PerCurrencyJson | undefined,
  mode: Mode
) => roundRef(new B(amount.toString()).times(rate).div(100), mode) + fixedIn(fixed, cur)

const fits = (m: MatchJson, i: Input): boolean =>
  (m.method === undefined || m.method === i.method) &&
  (m.brand === undefined || m.brand === i.brand) &&
  (m.region === undefined || m.region === i.region)

/** More dimensions first; between as many, method, then brand, then region. */
const moreSpecific = (a: MatchJson, b: MatchJson): number => {
  const rank = (m: MatchJson) => [
    [m.method, m.brand, m.region].filter((x) => x !== undefined).length,
    m.method === undefined ? 0 : 1,
    m.brand === undefined ? 0 : 1,
    m.region === undefined ? 0 : 1
  ]
  const ra = rank(a)
  const rb = rank(b)
  for (let k = 0; k < ra.length; k++) if (ra[k] !== rb[k]) return rb[k]! - ra[k]!
  return 0
}

const best = <A extends MatchJson>(items: ReadonlyArray<A>, i: Input): A | undefined =>
  [...items].filter((x) => fits(x, i)).sort(moreSpecific)[0]

/** The fee lines a schedule's JSON gives `i`, or "none" before the first version. */
const reference = (json: ScheduleJson, i: Input): ReadonlyArray<Line> | "none" => {
  const inForce = json.versions.filter((v) => v.effectiveFrom <= i.at)
  const v = inForce[inForce.length - 1]
  if (v === undefined) return "none"
  const o = best(
    (v.overrides ?? []).map((x) => ({ ...x.match, x })),
    i
  )?.x
  const p: PricingJson = { ...v.pricing }
  if (o !== undefined)
    for (const [k, val] of Object.entries(o))
      if (k !== "match") (p as never as Record<string, unknown>)[k] = val
  const c = (x: { rate: string; fixed?: PerCurrencyJson }, mode: Mode) =>
    componentRef(i.amount, i.currency, x.rate, x.fixed, mode)
  const lines: Array<Line> = []
  const s = p.shape
  if (s.type === "blended") lines.push({ kind: "processing", amount: c(s, s.rounding) })
  else {
    lines.push({ kind: "interchange", amount: c(best(s.interchange.rates, i)!, s.interchange.rounding) })
    lines.push({ kind: "scheme", amount: c(best(s.scheme.rates, i)!, s.scheme.rounding) })
    lines.push({ kind: "markup", amount: c(s.markup, s.markup.rounding) })
  }
  if (p.crossBorder && i.region !== undefined && i.region !== "domestic")
    lines.push({ kind: "cross_border", amount: c(p.crossBorder, p.crossBorder.rounding) })
  if (p.fx && i.converted === true) lines.push({ kind: "fx", amount: c(p.fx, p.fx.rounding) })
  const total = lines.reduce((a, l) => a + l.amount, 0n)
  const min = p.minimum?.[i.currency]
  if (min !== undefined && total < BigInt(min))
    lines.push({ kind: s.type === "blended" ? "processing" : "markup", amount: BigInt(min) - total })
  const cap = p.cap?.[i.currency]
  const ceiling = cap !== undefined && BigInt(cap) < i.amount ? BigInt(cap) : i.amount
  let excess = lines.reduce((a, l) => a + l.amount, 0n) - ceiling
  for (let k = lines.length - 1; k >= 0 && excess > 0n; k--) {
    const take = lines[k]!.amount < excess ? lines[k]!.amount : excess
    lines[k] = { ...lines[k]!, amount: lines[k]!.amount - take }
    excess -= take
  }
  return lines.filter((l) => l.amount > 0n)
}

// ---------------------------------------------------------------------------------------------
// arbitraries: schedules as JSON
// ---------------------------------------------------------------------------------------------

const METHODS = ["card", "wallet"]
const BRANDS = ["visa", "mastercard", "amex"]
const REGIONS = ["domestic", "intra_regional", "inter_regional"]
const CURRENCIES = ["USD", "EUR", "JPY"]

const decimal = (coefficient: bigint, scale: number): string => {
  const digits = coefficient.toString().padStart(scale + 1, "0")
  return scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`
}

/**
 * A percentage string: mostly small (fees), sometimes anything up to 100 (the cap then bites),
 * often one that lands on a tie (half a minor unit) for round amounts, where the modes disagree.
 */
const rateArb: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.integer({ min: 0, max: 6 }), fc.boolean())
    .chain(([scale, small]) =>
      fc.bigInt({ min: 0n, max: (small ? 5n : 100n) * 10n ** BigInt(scale) }).map((c) => decimal(c, scale))
    ),
  fc.constantFrom("0.5", "1.5", "2.5", "0.25", "0.05", "0.005", "12.5")
)

const perCurrency = (max: bigint, min = 0n): fc.Arbitrary<PerCurrencyJson> =>
  fc.record(
    Object.fromEntries(CURRENCIES.map((c) => [c, fc.bigInt({ min, max }).map(String)])) as Record<
      string,
      fc.Arbitrary<string>
    >,
    { requiredKeys: [] }
  )

const componentArb = (mode: fc.Arbitrary<Mode>): fc.Arbitrary<ComponentJson> =>
  fc.record(
    { rate: rateArb, fixed: perCurrency(500n), rounding: mode },
    { requiredKeys: ["rate", "rounding"] }
  )

const matchArb: fc.Arbitrary<MatchJson> = fc.record(
  {
    method: fc.constantFrom(...METHODS),
    brand: fc.constantFrom(...BRANDS),
    region: fc.constantFrom(...REGIONS)
  },
  { requiredKeys: [] }
)

const matchKey = (m: MatchJson) => `${m.method}|${m.brand}|${m.region}`

const tableArb = (mode: fc.Arbitrary<Mode>): fc.Arbitrary<TableJson> =>
  fc
    .record({
      rounding: mode,
      matches: fc.uniqueArray(matchArb, { selector: matchKey, maxLength: 6 }),
      where: fc.nat()
    })
    .chain(({ rounding, matches, where }) => {
      const hasDefault = matches.some((m) => Object.keys(m).length === 0)
      const at = where % (matches.length + 1)
      const all = hasDefault ? matches : [...matches.slice(0, at), {}, ...matches.slice(at)]
      return fc
        .tuple(
          ...all.map((m) =>
            fc
              .record({ rate: rateArb, fixed: perCurrency(100n) }, { requiredKeys: ["rate"] })
              .map((r) => ({ ...m, ...r }))
          )
        )
        .map((rates) => ({ rounding, rates }))
    })

type ShapeKind = "blended" | "interchange_plus_plus"

const shapeArb = (kind: fc.Arbitrary<ShapeKind>, mode: fc.Arbitrary<Mode>): fc.Arbitrary<ShapeJson> =>
  kind.chain(
    (k): fc.Arbitrary<ShapeJson> =>
      k === "blended"
        ? componentArb(mode).map((c) => ({ type: "blended" as const, ...c }))
        : fc
            .record({ interchange: tableArb(mode), scheme: tableArb(mode), markup: componentArb(mode) })
            .map((r) => ({
              type: "interchange_plus_plus" as const,
              ...r
            }))
  )

const pricingFields = (kind: fc.Arbitrary<ShapeKind>, mode: fc.Arbitrary<Mode>) => ({
  shape: shapeArb(kind, mode),
  crossBorder: componentArb(mode),
  fx: componentArb(mode),
  // every minimum (0..300) is at most every cap (300..3000), whichever override supplies them
  minimum: perCurrency(300n),
  cap: perCurrency(3_000n, 300n)
})

const pricingArb = (kind: fc.Arbitrary<ShapeKind>, mode: fc.Arbitrary<Mode>): fc.Arbitrary<PricingJson> =>
  fc.record(pricingFields(kind, mode), { requiredKeys: ["shape"] })

const overridesArb = (
  kind: fc.Arbitrary<ShapeKind>,
  mode: fc.Arbitrary<Mode>
): fc.Arbitrary<Array<OverrideJson>> =>
  fc.uniqueArray(
    fc.record(
      { match: matchArb.filter((m) => Object.keys(m).length > 0), ...pricingFields(kind, mode) },
      {
        requiredKeys: ["match"]
      }
    ),
    { selector: (o) => matchKey(o.match), maxLength: 5 }
  )

const policyArb: fc.Arbitrary<PolicyJson> = fc.oneof(
  fc.constant({ policy: "returned" as const }),
  fc.constant({ policy: "kept" as const }),
  perCurrency(5_000n).map((fixed) => ({ policy: "charged" as const, fixed }))
)

const eventsArb = fc.record({ refund: policyArb, void: policyArb, reversal: policyArb, dispute: policyArb })

const scheduleArb = (
  kind: fc.Arbitrary<ShapeKind> = fc.constantFrom("blended", "interchange_plus_plus"),
  mode: fc.Arbitrary<Mode> = fc.constantFrom(...MODES)
): fc.Arbitrary<ScheduleJson> =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 4 })
    .chain((dates) =>
      fc.tuple(
        ...[...dates]
          .sort((a, b) => a - b)
          .map((effectiveFrom) =>
            fc
              .record(
                { pricing: pricingArb(kind, mode), overrides: overridesArb(kind, mode), events: eventsArb },
                { requiredKeys: ["pricing", "events"] }
              )
              .map((v) => ({ effectiveFrom, ...v }))
          )
      )
    )
    .map((versions) => ({ dimensions: { methods: METHODS, brands: BRANDS, regions: REGIONS }, versions }))

const inputArb = (json: ScheduleJson): fc.Arbitrary<Input> => {
  const dates = json.versions.map((v) => v.effectiveFrom)
  return fc.record(
    {
      amount: fc.oneof(
        fc.bigInt({ min: 1n, max: 400n }),
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        // round amounts: with the tie-prone rates, exactly half a minor unit
        fc.bigInt({ min: 1n, max: 1_000n }).map((n) => n * 100n)
      ),
      currency: fc.constantFrom(...CURRENCIES, "GBP"),
      at: fc.oneof(
        fc.integer({ min: -10, max: 1_000_010 }),
        fc.tuple(fc.constantFrom(...dates), fc.integer({ min: -1, max: 1 })).map(([d, o]) => d + o)
      ),
      method: fc.constantFrom(...METHODS, "bank_transfer"),
      brand: fc.constantFrom(...BRANDS, "discover"),
      region: fc.constantFrom(...REGIONS, "unknown_region"),
      converted: fc.boolean()
    },
    { requiredKeys: ["amount", "currency", "at"] }
  )
}

const withInput = (schedule: fc.Arbitrary<ScheduleJson>) =>
  schedule.chain((json) => inputArb(json).map((input) => ({ json, input })))

const decodeOk = (json: unknown): FeeSchedule.FeeSchedule => {
  const r = FeeSchedule.decode(json)
  if (Result.isFailure(r)) throw new Error(r.failure.message)
  return r.success
}

const minOf = (a: bigint, b: bigint) => (a < b ? a : b)
const total = (lines: ReadonlyArray<{ amount: bigint }>) => lines.reduce((s, l) => s + l.amount, 0n)

/** What the pricing in force for `i` is, read from the JSON, for the bound checks. */
const pricingIn = (json: ScheduleJson, i: Input): PricingJson | undefined => {
  const v = json.versions.filter((x) => x.effectiveFrom <= i.at).at(-1)
  if (v === undefined) return undefined
  const o = best(
    (v.overrides ?? []).map((x) => ({ ...x.match, x })),
    i
  )?.x
  const { match: _m, ...fields } = o ?? { match: {} }
  return { ...v.pricing, ...fields }
}

// ---------------------------------------------------------------------------------------------
// properties
// ---------------------------------------------------------------------------------------------

describe("FeeSchedule.price: exact against big.js", () => {
  for (const kind of ["blended", "interchange_plus_plus"] as const)
    for (const mode of MODES)
      it(`${kind}, every component rounded ${mode}: the lines equal the independent computation`, () => {
        fc.assert(
          fc.property(withInput(scheduleArb(fc.constant(kind), fc.constant(mode))), ({ json, input }) => {
            const s = decodeOk(json)
            const expected = reference(json, input)
            const got = FeeSchedule.price(s, input)
            if (expected === "none") {
              expect(Result.isFailure(got) && got.failure._tag).toBe("NoScheduleInForce")
              return
            }
            const lines = Result.getOrThrow(got)
            expect(lines.map((l) => ({ kind: l.kind, amount: l.amount }))).toEqual(expected)
            for (const l of lines) expect(l.label.length).toBeGreaterThan(0)
          }),
          { numRuns: 60 }
        )
      })

  it("mixed shapes, modes, overrides and versions: the lines equal the independent computation", () => {
    fc.assert(
      fc.property(withInput(scheduleArb()), ({ json, input }) => {
        const expected = reference(json, input)
        const got = FeeSchedule.price(decodeOk(json), input)
        if (expected === "none") expect(Result.isFailure(got)).toBe(true)
        else expect(Result.getOrThrow(got).map((l) => ({ kind: l.kind, amount: l.amount }))).toEqual(expected)
      }),
      { numRuns: 400 }
    )
  })

  it("each mode on the ties and near-ties it disagrees on (0.5 %, 1.5 %, 0.49 %, 0.51 % of 100)", () => {
    const one = (rate: string, mode: Mode) =>
      decodeOk({
        versions: [
          {
            effectiveFrom: 0,
            pricing: { shape: { type: "blended", rate, rounding: mode } },
            events: {
              refund: { policy: "kept" },
              void: { policy: "kept" },
              reversal: { policy: "kept" },
              dispute: { policy: "kept" }
            }
          }
        ]
      })
    const fee = (rate: string, mode: Mode) =>
      total(Result.getOrThrow(FeeSchedule.price(one(rate, mode), { amount: 100n, currency: "USD", at: 0 })))
    const table: Record<Mode, [bigint, bigint, bigint, bigint]> = {
      "half-even": [0n, 2n, 0n, 1n],
      "half-up": [1n, 2n, 0n, 1n],
      "half-down": [0n, 1n, 0n, 1n],
      up: [1n, 2n, 1n, 1n],
      down: [0n, 1n, 0n, 0n],
      ceiling: [1n, 2n, 1n, 1n],
      floor: [0n, 1n, 0n, 0n]
    }
    for (const mode of MODES)
      expect([fee("0.5", mode), fee("1.5", mode), fee("0.49", mode), fee("0.51", mode)]).toEqual(table[mode])
  })
})

describe("FeeSchedule.price: bounds", () => {
  it("the total never exceeds the cap nor the amount, and every line is positive", () => {
    fc.assert(
      fc.property(withInput(scheduleArb()), ({ json, input }) => {
        const p = pricingIn(json, input)
        const got = FeeSchedule.price(decodeOk(json), input)
        if (p === undefined) return
        const lines = Result.getOrThrow(got)
        const cap = p.cap?.[input.currency]
        expect(total(lines) <= input.amount).toBe(true)
        if (cap !== undefined) expect(total(lines) <= BigInt(cap)).toBe(true)
        for (const l of lines) expect(l.amount > 0n).toBe(true)
      }),
      { numRuns: 300 }
    )
  })

  it("the minimum is honoured: the total is at least the minimum (or the whole amount, when that is less)", () => {
    fc.assert(
      fc.property(withInput(scheduleArb()), ({ json, input }) => {
        const p = pricingIn(json, input)
        if (p === undefined) return
        const lines = Result.getOrThrow(FeeSchedule.price(decodeOk(json), input))
        const min = p.minimum?.[input.currency]
        if (min !== undefined) expect(total(lines) >= minOf(BigInt(min), input.amount)).toBe(true)
      }),
      { numRuns: 300 }
    )
  })

  it("a cap cuts the last lines first: pass-through interchange is the last to go", () => {
    const s = decodeOk({
      versions: [
        {
          effectiveFrom: 0,
          pricing: {
            shape: {
              type: "interchange_plus_plus",
              interchange: { rounding: "half-up", rates: [{ rate: "1" }] },
              scheme: { rounding: "half-up", rates: [{ rate: "0.5" }] },
              markup: { rate: "2", rounding: "half-up" }
            },
            fx: { rate: "1", rounding: "half-up" },
            cap: { EUR: "120" }
          },
          events: {
            refund: { policy: "kept" },
            void: { policy: "kept" },
            reversal: { policy: "kept" },
            dispute: { policy: "kept" }
          }
        }
      ]
    })
    const lines = Result.getOrThrow(
      FeeSchedule.price(s, { amount: 10_000n, currency: "EUR", at: 1, converted: true })
    )
    expect(lines.map((l) => [l.kind, l.amount])).toEqual([
      ["interchange", 100n],
      ["scheme", 20n]
    ])
    expect(lines[1]!.label).toContain("capped at 1.20 EUR")
  })
})

describe("FeeSchedule: versions and overrides", () => {
  it("prices with the version in force: from its effectiveFrom until the next one's, never another", () => {
    fc.assert(
      fc.property(withInput(scheduleArb()), ({ json, input }) => {
        const s = decodeOk(json)
        json.versions.forEach((v, k) => {
          const next = json.versions[k + 1]?.effectiveFrom
          for (const at of [v.effectiveFrom, next === undefined ? v.effectiveFrom + 1e9 : next - 1]) {
            expect(Result.getOrThrow(FeeSchedule.versionAt(s, at))).toBe(s.versions[k])
            expect(Result.getOrThrow(FeeSchedule.price(s, { ...input, at }))).toEqual(
              FeeSchedule.priceWith(s.versions[k]!, { ...input, at })
            )
          }
        })
        const before = FeeSchedule.price(s, { ...input, at: json.versions[0]!.effectiveFrom - 1 })
        expect(Result.isFailure(before) && before.failure._tag).toBe("NoScheduleInForce")
      }),
      { numRuns: 150 }
    )
  })

  it("the most specific override wins: more dimensions, then method over brand over region", () => {
    const blended = (rate: string) => ({ type: "blended", rate, rounding: "half-even" })
    const kept = {
      refund: { policy: "kept" },
      void: { policy: "kept" },
      reversal: { policy: "kept" },
      dispute: { policy: "kept" }
    }
    const s = decodeOk({
      dimensions: { methods: ["card"], brands: ["visa"], regions: ["domestic"] },
      versions: [
        {
          effectiveFrom: 0,
          pricing: { shape: blended("1") },
          overrides: [
            { match: { region: "domestic" }, shape: blended("2") },
            { match: { brand: "visa" }, shape: blended("3") },
            { match: { method: "card" }, shape: blended("4") },
            { match: { brand: "visa", region: "domestic" }, shape: blended("5") },
            { match: { method: "card", region: "domestic" }, shape: blended("6") }
          ],
          events: kept
        },
        {
          effectiveFrom: 10,
          pricing: { shape: blended("1") },
          overrides: [
            { match: { region: "domestic" }, shape: blended("2") },
            { match: { brand: "visa" }, shape: blended("3") }
          ],
          events: kept
        }
      ]
    })
    const fee = (d: Partial<Input>) =>
      total(Result.getOrThrow(FeeSchedule.price(s, { amount: 10_000n, currency: "USD", at: 0, ...d })))
    // brand outranks region when both match alone
    expect(fee({ at: 10, brand: "visa", region: "domestic" })).toBe(300n)
    expect(fee({})).toBe(100n)
    expect(fee({ region: "domestic" })).toBe(200n)
    expect(fee({ brand: "visa" })).toBe(300n)
    expect(fee({ brand: "visa", region: "domestic" })).toBe(500n)
    expect(fee({ method: "card", brand: "visa" })).toBe(400n)
    expect(fee({ method: "card", brand: "visa", region: "domestic" })).toBe(600n)
    expect(fee({ brand: "discover" })).toBe(100n)
  })

  it("encodes to JSON that decodes to the same schedule", () => {
    fc.assert(
      fc.property(scheduleArb(), (json) => {
        const s = decodeOk(json)
        const again = decodeOk(JSON.parse(JSON.stringify(Result.getOrThrow(FeeSchedule.encode(s)))))
        expect(Result.getOrThrow(FeeSchedule.encode(again))).toEqual(Result.getOrThrow(FeeSchedule.encode(s)))
      }),
      { numRuns: 100 }
    )
  })
})

describe("FeeSchedule.adjustment", () => {
  const schedule = (policy: PolicyJson) =>
    decodeOk({
      versions: [
        {
          effectiveFrom: 0,
          pricing: { shape: { type: "blended", rate: "2.9", fixed: { USD: "30" }, rounding: "half-even" } },
          events: { refund: policy, void: policy, reversal: policy, dispute: policy }
        }
      ]
    })
  const feesArb = fc.array(
    fc.record({
      kind: fc.constantFrom("processing", "interchange", "scheme", "markup", "fx"),
      label: fc.string(),
      amount: fc.bigInt({ min: 0n, max: 100_000n })
    }),
    { maxLength: 5 }
  )

  it("returned: each line back in proportion, rounded toward zero; partial refunds never return more than was charged, a full one returns it all", () => {
    const s = schedule({ policy: "returned" })
    fc.assert(
      fc.property(
        feesArb,
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
        (originalFees, originalAmount, weights) => {
          // split the original amount into parts (a series of partial refunds)
          const sumW = BigInt(weights.reduce((a, w) => a + w + 1, 0))
          let left = originalAmount
          const parts: Array<bigint> = []
          weights.forEach((w, k) => {
            const part = k === weights.length - 1 ? left : (originalAmount * BigInt(w + 1)) / sumW
            if (part > 0n && part <= left) {
              parts.push(part)
              left -= part
            }
          })
          let returned = 0n
          for (const amount of parts) {
            const lines = Result.getOrThrow(
              FeeSchedule.adjustment(s, "refund", {
                originalFees,
                originalAmount,
                amount,
                currency: "USD",
                at: 5
              })
            )
            const expected = originalFees
              .map((f) => ({
                kind: f.kind,
                amount: -toInt(
                  new B(f.amount.toString())
                    .times(amount.toString())
                    .div(originalAmount.toString())
                    .round(0, Big.roundDown)
                )
              }))
              .filter((l) => l.amount < 0n)
            expect(lines.map((l) => ({ kind: l.kind, amount: l.amount }))).toEqual(expected)
            returned -= total(lines)
          }
          expect(returned <= total(originalFees)).toBe(true)
          const full = Result.getOrThrow(
            FeeSchedule.adjustment(s, "void", {
              originalFees,
              originalAmount,
              amount: originalAmount,
              currency: "USD",
              at: 5
            })
          )
          expect(-total(full)).toBe(total(originalFees))
        }
      ),
      { numRuns: 200 }
    )
  })

  it("kept gives nothing back; charged adds the fixed fee of the currency (dispute kind for a dispute)", () => {
    const fees = [{ kind: "processing" as const, label: "2.9% + 0.30 USD", amount: 320n }]
    const input = { originalFees: fees, originalAmount: 10_000n, amount: 10_000n, currency: "USD", at: 0 }
    expect(Result.getOrThrow(FeeSchedule.adjustment(schedule({ policy: "kept" }), "refund", input))).toEqual(
      []
    )
    const charged = schedule({ policy: "charged", fixed: { USD: "1500" } })
    expect(Result.getOrThrow(FeeSchedule.adjustment(charged, "dispute", input))).toEqual([
      { kind: "dispute", label: "dispute fee 15.00 USD", amount: 1500n }
    ])
    expect(Result.getOrThrow(FeeSchedule.adjustment(charged, "refund", input))[0]?.kind).toBe("other")
    expect(
      Result.getOrThrow(FeeSchedule.adjustment(charged, "dispute", { ...input, currency: "EUR" }))
    ).toEqual([])
  })

  it("uses the policy of the version in force at the event's time", () => {
    const s = decodeOk({
      versions: [0, 100].map((effectiveFrom, k) => ({
        effectiveFrom,
        pricing: { shape: { type: "blended", rate: "1", rounding: "down" } },
        events: {
          refund: k === 0 ? { policy: "returned" } : { policy: "kept" },
          void: { policy: "kept" },
          reversal: { policy: "kept" },
          dispute: { policy: "kept" }
        }
      }))
    })
    const input = {
      originalFees: [{ kind: "processing" as const, label: "1%", amount: 100n }],
      originalAmount: 10_000n,
      amount: 10_000n,
      currency: "USD"
    }
    expect(total(Result.getOrThrow(FeeSchedule.adjustment(s, "refund", { ...input, at: 99 })))).toBe(-100n)
    expect(Result.getOrThrow(FeeSchedule.adjustment(s, "refund", { ...input, at: 100 }))).toEqual([])
  })
})

describe("FeeSchedule: the documented example", () => {
  it("2.9 % + 0.30 on 100.00 USD is 3.20, one processing line", () => {
    const s = decodeOk({
      versions: [
        {
          effectiveFrom: 0,
          pricing: { shape: { type: "blended", rate: "2.9", fixed: { USD: "30" }, rounding: "half-even" } },
          events: {
            refund: { policy: "kept" },
            void: { policy: "returned" },
            reversal: { policy: "returned" },
            dispute: { policy: "charged", fixed: { USD: "1500" } }
          }
        }
      ]
    })
    expect(Result.getOrThrow(FeeSchedule.price(s, { amount: 10_000n, currency: "USD", at: 1 }))).toEqual([
      { kind: "processing", label: "2.9% + 0.30 USD", amount: 320n }
    ])
  })
})
