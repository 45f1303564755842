import { Decimal } from "@paykit/core"
import { fc } from "@fast-check/vitest"
import { Result } from "effect"
import { type Quote, type Rate, Schedule } from "../src/index.ts"

export const CURRENCIES = ["USD", "EUR", "GBP", "JPY", "KWD", "CLF", "CHF"] as const

export const pair = (codes: ReadonlyArray<string> = CURRENCIES) =>
  fc
    .tuple(fc.constantFrom(...codes), fc.constantFrom(...codes))
    .filter(([s, t]) => s !== t)
    .map(([source, target]) => ({ source, target }))

/** A positive rate with up to 8 decimals, from about 0.0001 to 100000. */
export const rateValue: fc.Arbitrary<Decimal.Decimal> = fc
  .tuple(fc.bigInt({ min: 1n, max: 10n ** 9n }), fc.integer({ min: 4, max: 8 }))
  .map(([c, s]) => Decimal.fromParts(c, s))

const percent = fc
  .tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 999 }))
  .map(([i, f]) => `${i}.${String(f).padStart(3, "0")}`)

/** A valid corridor as written in a schedule: 1–4 contiguous tiers, non-increasing spreads. */
export const corridorInput = (source: string, target: string) =>
  fc
    .record({
      bounds: fc.uniqueArray(fc.bigInt({ min: 1n, max: 10n ** 9n }), { maxLength: 3 }),
      firstSpread: fc.integer({ min: 0, max: 500 }),
      spreadDrops: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 3, maxLength: 3 }),
      percents: fc.array(percent, { minLength: 4, maxLength: 4 }),
      fixedFee: fc.bigInt({ min: 0n, max: 5_000n }),
      percentFeeMin: fc.bigInt({ min: 0n, max: 500n }),
      percentFeeMaxExtra: fc.option(fc.bigInt({ min: 0n, max: 100_000n })),
      feeMode: fc.constantFrom("on-top" as const, "deducted" as const),
      charges: fc.constantFrom("OUR" as const, "SHA" as const, "BEN" as const),
      intermediaryFee: fc.bigInt({ min: 0n, max: 3_000n })
    })
    .map((r) => {
      const bounds = [...r.bounds].sort((a, b) => (a < b ? -1 : 1))
      const mins = [0n, ...bounds]
      let spread = r.firstSpread
      const tiers = mins.map((min, i) => {
        if (i > 0) spread = Math.max(0, spread - r.spreadDrops[i - 1]!)
        const max = mins[i + 1]
        return {
          min: min.toString(),
          ...(max === undefined ? {} : { max: max.toString() }),
          percentFee: r.percents[i]!,
          spreadBps: spread
        }
      })
      return {
        source,
        target,
        spreadBps: r.firstSpread,
        fixedFee: r.fixedFee.toString(),
        percentFeeMin: r.percentFeeMin.toString(),
        ...(r.percentFeeMaxExtra === null
          ? {}
          : { percentFeeMax: (r.percentFeeMin + r.percentFeeMaxExtra).toString() }),
        tiers,
        feeMode: r.feeMode,
        charges: r.charges,
        intermediaryFee: r.intermediaryFee.toString()
      }
    })

export const corridor = (source: string, target: string): fc.Arbitrary<Schedule.Corridor> =>
  corridorInput(source, target).map((c) =>
    Result.getOrThrow(Schedule.match(Schedule.makeUnsafe({ corridors: [c] }), source, target))
  )

const mkRate = (base: string, quote: string, rate: Decimal.Decimal, source: string): Rate.Rate => ({
  base,
  quote,
  rate,
  source,
  asOf: 0
})

/** A quote context for a random corridor between `codes`; the reference is the mid or a nearby rate. */
export const context = (
  codes: ReadonlyArray<string> = CURRENCIES,
  options: { readonly referenceIsMid?: boolean } = {}
): fc.Arbitrary<Quote.Context> =>
  pair(codes).chain(({ source, target }) =>
    fc
      .record({
        corridor: corridor(source, target),
        mid: rateValue,
        drift: options.referenceIsMid === true ? fc.constant(0) : fc.integer({ min: -300, max: 300 })
      })
      .map(({ corridor, mid, drift }) => {
        const reference =
          drift === 0
            ? mid
            : Decimal.multiply(mid, Decimal.add(Decimal.ONE, Decimal.fromBasisPoints(BigInt(drift))))
        const midRate = mkRate(source, target, mid, "memory")
        return {
          corridor,
          mid: midRate,
          reference: drift === 0 ? midRate : mkRate(source, target, reference, "ECB"),
          id: "01JPROPERTY000000000000000",
          now: 0,
          lockMillis: 60_000
        }
      })
  )

/** Source amounts in minor units, biased to everyday sizes. */
export const amount: fc.Arbitrary<bigint> = fc.oneof(
  fc.bigInt({ min: 1n, max: 1_000_000n }),
  fc.bigInt({ min: 1n, max: 10n ** 10n }),
  fc.bigInt({ min: 1n, max: 10n ** 15n })
)
