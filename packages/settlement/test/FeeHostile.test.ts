import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import * as FeeSchedule from "../src/FeeSchedule.ts"

/** A valid schedule touching every field: both shapes, overrides, surcharges, bounds, policies. */
const valid = () => ({
  dimensions: { methods: ["card"], brands: ["visa", "amex"], regions: ["domestic", "inter_regional"] },
  versions: [
    {
      effectiveFrom: 0,
      pricing: {
        shape: { type: "blended", rate: "2.9", fixed: { USD: "30" }, rounding: "half-even" },
        crossBorder: { rate: "1", fixed: { USD: "5" }, rounding: "up" },
        fx: { rate: "1.5", rounding: "half-up" },
        minimum: { USD: "50" },
        cap: { USD: "1000" }
      },
      overrides: [
        { match: { brand: "amex" }, shape: { type: "blended", rate: "3.5", rounding: "down" } },
        { match: { method: "card", region: "inter_regional" }, cap: { USD: "2000" } }
      ],
      events: {
        refund: { policy: "returned" },
        void: { policy: "returned" },
        reversal: { policy: "kept" },
        dispute: { policy: "charged", fixed: { USD: "1500" } }
      }
    },
    {
      effectiveFrom: 1_000,
      pricing: {
        shape: {
          type: "interchange_plus_plus",
          interchange: {
            rounding: "half-up",
            rates: [{ rate: "1.5" }, { brand: "visa", region: "domestic", rate: "0.2", fixed: { USD: "5" } }]
          },
          scheme: { rounding: "ceiling", rates: [{ rate: "0.1" }] },
          markup: { rate: "0.5", fixed: { USD: "10" }, rounding: "floor" }
        }
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

// biome-ignore lint/suspicious/noExplicitAny: the cases below write wrong types on purpose
type Loose = any

const schedule = Result.getOrThrow(FeeSchedule.decode(valid()))
const goodInput = {
  amount: 10_000n,
  currency: "USD",
  at: 5,
  brand: "visa",
  region: "inter_regional"
} as const
const goodPrice = Result.getOrThrow(FeeSchedule.price(schedule, goodInput))

/** The next valid calls still work and give what they gave before. */
const stillWorks = () => {
  expect(Result.getOrThrow(FeeSchedule.encode(Result.getOrThrow(FeeSchedule.decode(valid()))))).toEqual(
    Result.getOrThrow(FeeSchedule.encode(schedule))
  )
  expect(Result.getOrThrow(FeeSchedule.price(schedule, goodInput))).toEqual(goodPrice)
}

const failureOf = <A, E>(r: Result.Result<A, E>): E => {
  if (Result.isSuccess(r)) throw new Error("expected a failure")
  return r.failure
}

describe("FeeSchedule.decode: malformed schedules", () => {
  const cases: ReadonlyArray<[string, (j: Loose) => void, string, RegExp]> = [
    // negative rates, wherever a rate is
    [
      "negative blended rate",
      (j) => (j.versions[0].pricing.shape.rate = "-2.9"),
      "versions[0].pricing.shape.rate",
      /cannot be negative/
    ],
    [
      "negative cross-border rate",
      (j) => (j.versions[0].pricing.crossBorder.rate = "-1"),
      "versions[0].pricing.crossBorder.rate",
      /cannot be negative/
    ],
    [
      "negative fx rate",
      (j) => (j.versions[0].pricing.fx.rate = "-0.01"),
      "versions[0].pricing.fx.rate",
      /cannot be negative/
    ],
    [
      "negative interchange rate",
      (j) => (j.versions[1].pricing.shape.interchange.rates[1].rate = "-0.2"),
      "versions[1].pricing.shape.interchange.rates[1].rate",
      /cannot be negative/
    ],
    [
      "negative scheme rate",
      (j) => (j.versions[1].pricing.shape.scheme.rates[0].rate = "-0.1"),
      "versions[1].pricing.shape.scheme.rates[0].rate",
      /cannot be negative/
    ],
    [
      "negative markup rate",
      (j) => (j.versions[1].pricing.shape.markup.rate = "-0.5"),
      "versions[1].pricing.shape.markup.rate",
      /cannot be negative/
    ],
    [
      "negative override rate",
      (j) => (j.versions[0].overrides[0].shape.rate = "-3.5"),
      "versions[0].overrides[0].shape.rate",
      /cannot be negative/
    ],
    [
      "a rate above 100 %",
      (j) => (j.versions[0].pricing.shape.rate = "100.01"),
      "versions[0].pricing.shape.rate",
      /cannot exceed 100/
    ],
    [
      "a rate in exponent notation",
      (j) => (j.versions[0].pricing.shape.rate = "2.9e0"),
      "versions[0].pricing.shape.rate",
      /plain decimal/
    ],
    [
      "a rate as a number",
      (j) => (j.versions[0].pricing.shape.rate = 2.9),
      "versions[0].pricing.shape.rate",
      /string/
    ],
    // negative or malformed amounts
    [
      "negative fixed",
      (j) => (j.versions[0].pricing.shape.fixed.USD = "-30"),
      "versions[0].pricing.shape.fixed.USD",
      /cannot be negative/
    ],
    [
      "negative minimum",
      (j) => (j.versions[0].pricing.minimum.USD = "-1"),
      "versions[0].pricing.minimum.USD",
      /cannot be negative/
    ],
    [
      "a fractional amount",
      (j) => (j.versions[0].pricing.cap.USD = "10.5"),
      "versions[0].pricing.cap.USD",
      /integer string/
    ],
    [
      "a 100-digit amount",
      (j) => (j.versions[0].pricing.cap.USD = "9".repeat(100)),
      "versions[0].pricing.cap.USD",
      /integer string/
    ],
    [
      "a lower-case currency",
      (j) => (j.versions[0].pricing.cap = { usd: "10" }),
      "versions[0].pricing.cap.usd",
      /not a currency code/
    ],
    // cap below minimum, on the version and through an override
    [
      "cap below minimum",
      (j) => (j.versions[0].pricing.cap.USD = "49"),
      "versions[0].pricing.cap.USD",
      /below the minimum 50/
    ],
    [
      "an override's cap below the minimum",
      (j) => (j.versions[0].overrides[1].cap.USD = "10"),
      "versions[0].overrides[1].cap.USD",
      /below the minimum 50 \(versions\[0\]\.pricing\.minimum\.USD\)/
    ],
    [
      "an override's minimum above the cap",
      (j) => (j.versions[0].overrides[0].minimum = { USD: "1001" }),
      "versions[0].overrides[0].minimum.USD",
      /above the cap 1000/
    ],
    // rounding modes
    [
      "an unknown rounding mode",
      (j) => (j.versions[0].pricing.shape.rounding = "HALF_UP"),
      "versions[0].pricing.shape.rounding",
      /did you mean "half-up"/
    ],
    [
      "banker's rounding by another name",
      (j) => (j.versions[1].pricing.shape.interchange.rounding = "bankers"),
      "versions[1].pricing.shape.interchange.rounding",
      /seven rounding modes/
    ],
    [
      "a missing rounding mode",
      (j) => delete j.versions[0].pricing.fx.rounding,
      "versions[0].pricing.fx.rounding",
      /Missing/
    ],
    [
      "an unknown markup rounding",
      (j) => (j.versions[1].pricing.shape.markup.rounding = "nearest"),
      "versions[1].pricing.shape.markup.rounding",
      /seven rounding modes/
    ],
    // versions
    [
      "duplicate effective dates",
      (j) => (j.versions[1].effectiveFrom = 0),
      "versions[1].effectiveFrom",
      /each version needs its own/
    ],
    ["unsorted versions", (j) => j.versions.reverse(), "versions[1].effectiveFrom", /oldest first/],
    [
      "a fractional effective date",
      (j) => (j.versions[1].effectiveFrom = 1.5),
      "versions[1].effectiveFrom",
      /integer/
    ],
    [
      "an effective date of 1e300",
      (j) => (j.versions[1].effectiveFrom = 1e300),
      "versions[1].effectiveFrom",
      /integer/
    ],
    ["no versions", (j) => (j.versions = []), "versions", /at least 1/],
    // overrides and tables naming nothing declared
    [
      "an override on an undeclared brand",
      (j) => (j.versions[0].overrides[0].match.brand = "discover"),
      "versions[0].overrides[0].match.brand",
      /not a declared brand/
    ],
    [
      "an override matching everything",
      (j) => (j.versions[0].overrides[0].match = {}),
      "versions[0].overrides[0].match",
      /at least one/
    ],
    [
      "two overrides with the same match",
      (j) => (j.versions[0].overrides[1].match = { brand: "amex" }),
      "versions[0].overrides[1].match",
      /same match as overrides\[0\]/
    ],
    [
      "a row on an undeclared region",
      (j) => (j.versions[1].pricing.shape.interchange.rates[1].region = "eea"),
      "versions[1].pricing.shape.interchange.rates[1].region",
      /not a declared region/
    ],
    [
      "a table without a default row",
      (j) => j.versions[1].pricing.shape.interchange.rates.shift(),
      "versions[1].pricing.shape.interchange.rates",
      /no default row/
    ],
    [
      "two rows for the same cards",
      (j) => j.versions[1].pricing.shape.scheme.rates.push({ rate: "0.2" }),
      "versions[1].pricing.shape.scheme.rates[1]",
      /same brand, region and method/
    ],
    [
      "a dimension listed twice",
      (j) => j.dimensions.brands.push("visa"),
      "dimensions.brands[2]",
      /listed twice/
    ],
    // shapes, policies, unknown fields
    [
      "an unknown shape",
      (j) => (j.versions[0].pricing.shape.type = "flat"),
      "versions[0].pricing.shape",
      /blended/
    ],
    [
      "an unknown policy",
      (j) => (j.versions[0].events.refund = { policy: "refunded" }),
      "versions[0].events.refund",
      /returned/
    ],
    [
      "a charged policy without its fee",
      (j) => (j.versions[0].events.dispute = { policy: "charged" }),
      "versions[0].events.dispute.fixed",
      /Missing/
    ],
    ["a missing event", (j) => delete j.versions[1].events.dispute, "versions[1].events.dispute", /Missing/],
    [
      "a misspelt field",
      (j) => (j.versions[0].pricing.minimun = j.versions[0].pricing.minimum),
      "versions[0].pricing.minimun",
      /unknown field "minimun"/
    ]
  ]

  for (const [name, mutate, path, reason] of cases)
    it(`${name}: InvalidFeeSchedule at ${path}, the input untouched`, () => {
      const input: Loose = valid()
      mutate(input)
      const before = structuredClone(input)
      const error = failureOf(FeeSchedule.decode(input))
      expect(error).toBeInstanceOf(FeeSchedule.InvalidFeeSchedule)
      expect(error._tag).toBe("InvalidFeeSchedule")
      expect(error.path).toBe(path)
      expect(error.reason).toMatch(reason)
      expect(error.message).toContain(path)
      expect(input).toEqual(before)
      stillWorks()
    })
})

/** Every leaf of a JSON value with its path, as the errors render it. */
const leaves = (v: unknown, path = ""): Array<[string, Array<string | number>]> => {
  const at = (k: string | number) =>
    typeof k === "number" ? `${path}[${k}]` : path === "" ? k : `${path}.${k}`
  if (Array.isArray(v))
    return v.flatMap((x, i) =>
      leaves(x, at(i)).map(([p, ks]) => [p, [i, ...ks]] as [string, Array<string | number>])
    )
  if (typeof v === "object" && v !== null)
    return Object.entries(v).flatMap(([k, x]) =>
      leaves(x, at(k)).map(([p, ks]) => [p, [k, ...ks]] as [string, Array<string | number>])
    )
  return [[path, []]]
}

const setAt = (root: Loose, keys: ReadonlyArray<string | number>, value: unknown) => {
  let o = root
  for (const k of keys.slice(0, -1)) o = o[k]
  o[keys[keys.length - 1]!] = value
}

describe("FeeSchedule.decode: hostile input", () => {
  it("anything at all: a typed error (or a schedule), never a throw, the input untouched", () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withNullPrototype: true, withSparseArray: true }),
        (input) => {
          const before = fc.stringify(input)
          const r = FeeSchedule.decode(input)
          if (Result.isFailure(r)) {
            expect(r.failure._tag).toBe("InvalidFeeSchedule")
            expect(r.failure.path.length).toBeGreaterThan(0)
            expect(r.failure.reason.length).toBeGreaterThan(0)
          }
          expect(fc.stringify(input)).toBe(before)
        }
      ),
      { numRuns: 500 }
    )
    stillWorks()
  })

  it("any leaf replaced by a value of the wrong type: the error names that field (or the object it decides)", () => {
    const paths = leaves(valid())
    fc.assert(
      fc.property(
        fc.constantFrom(...paths),
        fc.constantFrom<unknown>(
          null,
          undefined,
          true,
          {},
          [],
          Number.NaN,
          Number.POSITIVE_INFINITY,
          -1e308,
          10n ** 40n
        ),
        ([path, keys], hostile) => {
          const input: Loose = valid()
          setAt(input, keys, hostile)
          const r = FeeSchedule.decode(input)
          const error = failureOf(r)
          expect(error._tag).toBe("InvalidFeeSchedule")
          // the leaf itself, or an ancestor: a shape or a policy decided by its "type" / "policy"
          expect(
            path === error.path || path.startsWith(`${error.path}.`) || path.startsWith(`${error.path}[`)
          ).toBe(true)
        }
      ),
      { numRuns: 400 }
    )
    stillWorks()
  })

  it("huge tables: 8,991 rows and a duplicate at the end is refused at that row", () => {
    const input: Loose = valid()
    input.dimensions.methods = ["card", ...Array.from({ length: 999 }, (_, i) => `m${i}`)]
    const pick = (xs: ReadonlyArray<string>, n: number) => (n % 3 < xs.length ? { x: xs[n % 3] } : {})
    const rows = Array.from({ length: 8_991 }, (_, i) => {
      const block = Math.floor(i / 999)
      const brand = pick(["visa", "amex"], block).x
      const region = pick(["domestic", "inter_regional"], Math.floor(block / 3)).x
      return {
        method: `m${i % 999}`,
        ...(brand === undefined ? {} : { brand }),
        ...(region === undefined ? {} : { region }),
        rate: "0.1"
      }
    })
    input.versions[1].pricing.shape.interchange.rates = [{ rate: "1" }, ...rows, { ...rows[0], rate: "2" }]
    const error = failureOf(FeeSchedule.decode(input))
    expect(error.path).toBe("versions[1].pricing.shape.interchange.rates[8992]")
    expect(error.reason).toMatch(/same brand, region and method as rates\[1\]/)
    stillWorks()
  })

  it("a getter that throws, a Proxy, a cycle: a typed error, never a throw", () => {
    const getter = valid() as Loose
    Object.defineProperty(getter.versions[0], "pricing", {
      get() {
        throw new Error("boom")
      },
      enumerable: true
    })
    const proxy = new Proxy(valid(), {
      get() {
        throw new Error("trap")
      },
      ownKeys() {
        throw new Error("trap")
      }
    })
    const cyclic = valid() as Loose
    cyclic.versions[0].pricing.shape.self = cyclic
    for (const input of [getter, proxy, cyclic]) {
      const error = failureOf(FeeSchedule.decode(input))
      expect(error._tag).toBe("InvalidFeeSchedule")
    }
    stillWorks()
  })
})

describe("FeeSchedule.encode: a schedule built by hand", () => {
  it("is checked as decode checks JSON: a typed error naming the field, never a throw", () => {
    const built: FeeSchedule.FeeSchedule = {
      ...schedule,
      versions: [
        {
          ...schedule.versions[0]!,
          pricing: { ...schedule.versions[0]!.pricing, minimum: { USD: 10n }, cap: { USD: 5n } }
        }
      ]
    }
    const error = failureOf(FeeSchedule.encode(built))
    expect([error._tag, error.path]).toEqual(["InvalidFeeSchedule", "versions[0].pricing.cap.USD"])
    expect(failureOf(FeeSchedule.encode(null as Loose))._tag).toBe("InvalidFeeSchedule")
    stillWorks()
  })
})

describe("FeeSchedule.price and adjustment: hostile input", () => {
  it("anything as the input: InvalidInput, never a throw", () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true }), (input) => {
        const r = FeeSchedule.price(schedule, input as Loose)
        expect(Result.isFailure(r) && r.failure._tag).toBe("InvalidInput")
      }),
      { numRuns: 300 }
    )
    stillWorks()
  })

  it("each field wrong in turn: InvalidInput naming that field", () => {
    const wrong: ReadonlyArray<[string, unknown]> = [
      ["amount", 0n],
      ["amount", -5n],
      ["amount", 100],
      ["amount", "100"],
      ["amount", 2n ** 200n],
      ["amount", null],
      ["currency", "usd"],
      ["currency", ""],
      ["currency", 840],
      ["at", Number.NaN],
      ["at", Number.POSITIVE_INFINITY],
      ["at", "5"],
      ["exponent", -1],
      ["exponent", 2.5],
      ["exponent", 99],
      ["brand", 5],
      ["region", null],
      ["method", "x".repeat(501)],
      ["converted", "yes"],
      ["surprise", 1]
    ]
    for (const [field, value] of wrong) {
      const error = failureOf(FeeSchedule.price(schedule, { ...goodInput, [field]: value } as Loose))
      expect(error._tag).toBe("InvalidInput")
      expect(error._tag === "InvalidInput" && error.path).toBe(field)
    }
    stillWorks()
  })

  it("anything as the schedule: a typed error, never a throw", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record({ versions: fc.array(fc.anything(), { minLength: 1, maxLength: 3 }) }),
          fc.constant({ versions: [{ effectiveFrom: 0 }] })
        ),
        (hostile) => {
          const r = FeeSchedule.price(hostile as Loose, goodInput)
          expect(Result.isFailure(r) && ["InvalidInput", "NoScheduleInForce"].includes(r.failure._tag)).toBe(
            true
          )
          const a = FeeSchedule.adjustment(hostile as Loose, "refund", {
            originalFees: [],
            originalAmount: 1n,
            amount: 1n,
            currency: "USD",
            at: 5
          })
          expect(Result.isFailure(a) && ["InvalidInput", "NoScheduleInForce"].includes(a.failure._tag)).toBe(
            true
          )
        }
      ),
      { numRuns: 300 }
    )
    stillWorks()
  })

  it("adjustment: a bad event or input is InvalidInput naming the field; a refund above the original is refused", () => {
    const input = {
      originalFees: [{ kind: "processing" as const, label: "2.9%", amount: 290n }],
      originalAmount: 10_000n,
      amount: 5_000n,
      currency: "USD",
      at: 5
    }
    const pathOf = (r: Result.Result<unknown, { readonly _tag: string; readonly path?: string }>) =>
      failureOf(r).path
    expect(pathOf(FeeSchedule.adjustment(schedule, "chargeback" as Loose, input))).toBe("event")
    expect(pathOf(FeeSchedule.adjustment(schedule, "refund", { ...input, amount: 10_001n }))).toBe("amount")
    expect(pathOf(FeeSchedule.adjustment(schedule, "refund", { ...input, originalAmount: 0n }))).toBe(
      "originalAmount"
    )
    expect(
      pathOf(
        FeeSchedule.adjustment(schedule, "refund", {
          ...input,
          originalFees: [{ kind: "tip", label: "", amount: 1n }] as Loose
        })
      )
    ).toBe("originalFees[0].kind")
    fc.assert(
      fc.property(fc.anything({ withBigInt: true }), fc.anything(), (hostile, event) => {
        const r = FeeSchedule.adjustment(schedule, event as Loose, hostile as Loose)
        expect(Result.isFailure(r) && r.failure._tag).toBe("InvalidInput")
      }),
      { numRuns: 300 }
    )
    stillWorks()
  })

  it("before the first version: NoScheduleInForce, with a message that says what to do", () => {
    const error = failureOf(FeeSchedule.price(schedule, { ...goodInput, at: -1 }))
    expect(error._tag).toBe("NoScheduleInForce")
    expect(error.message).toMatch(/add a version with an earlier effectiveFrom/)
  })
})
