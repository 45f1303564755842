import { Currency, Money } from "@paykit/core"
import { fc, test } from "@fast-check/vitest"
import { Result } from "effect"
import { describe, expect } from "vitest"
import { Ecb, Quote, Rate, Schedule } from "../src/index.ts"
import { corridorOf, rate, workedSchedule } from "./helpers.ts"

/** Values no field of a quote context accepts. */
const garbage = fc.oneof(
  fc.constantFrom(
    null,
    undefined,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    true,
    0n,
    [],
    {}
  ),
  fc.object({ maxDepth: 2 }),
  fc.array(fc.anything({ maxDepth: 1 }), { maxLength: 3 })
)
/** Anything at all, garbage included: strings, numbers, bigints, nested objects. */
const hostile = fc.oneof(garbage, fc.anything({ maxDepth: 3, withBigInt: true }))

const valid = (): Quote.Context => {
  const mid = rate("USD", "EUR", "0.92", 0)
  return {
    corridor: corridorOf(workedSchedule, "USD", "EUR"),
    mid,
    reference: mid,
    id: "01JQUOTE000000000000000000",
    now: 0,
    lockMillis: 60_000
  }
}
const usd = Money.fromMinorUnsafe(100_000n, Currency.USD)
const eur = Money.fromMinorUnsafe(90_500n, Currency.EUR)

const FIELDS = [
  "ctx",
  "corridor",
  "amount",
  "mid",
  "mid.rate",
  "mid.asOf",
  "mid.source",
  "reference",
  "reference.rate",
  "reference.asOf",
  "id",
  "now",
  "lockMillis"
] as const

/** A valid context and amount with one field replaced by `value`. */
const spoil = (field: (typeof FIELDS)[number], value: unknown, amount: Money.Money): [unknown, unknown] => {
  const ctx: Record<string, unknown> = { ...valid() }
  if (field === "ctx") return [value, amount]
  if (field === "amount") return [ctx, value]
  const [top, sub] = field.split(".") as [string, string | undefined]
  ctx[top] = sub === undefined ? value : { ...(ctx[top] as object), [sub]: value }
  return [ctx, amount]
}

const calls = [
  ["fromSendAmount", Quote.fromSendAmount, usd],
  ["fromReceiveAmount", Quote.fromReceiveAmount, eur]
] as const

describe("hostile input to the pure functions: typed failures, never a throw", () => {
  for (const [name, fn, amount] of calls) {
    test.prop([hostile, hostile])(
      `Quote.${name}: any context and amount is a typed failure, never a TypeError`,
      (ctx, amt) => {
        const r = fn(ctx as Quote.Context, amt as Money.Money)
        expect(Result.isFailure(r)).toBe(true)
        if (Result.isFailure(r)) expect(r.failure._tag).toBe("InvalidInput")
      }
    )

    test.prop([fc.constantFrom(...FIELDS), garbage])(
      `Quote.${name}: one hostile field in a valid context is InvalidInput naming that field, and the next valid call still works`,
      (field, value) => {
        const [ctx, amt] = spoil(field, value, amount)
        const r = fn(ctx as Quote.Context, amt as Money.Money)
        expect(Result.isFailure(r)).toBe(true)
        if (Result.isFailure(r)) {
          expect(r.failure._tag).toBe("InvalidInput")
          if (r.failure._tag === "InvalidInput" && field !== "ctx") {
            const top = field.split(".")[0]!
            expect(r.failure.path.startsWith(top)).toBe(true)
          }
        }
        expect(Result.isSuccess(fn(valid(), amount))).toBe(true)
      }
    )
  }

  test.prop([hostile, hostile, hostile, fc.option(hostile, { nil: undefined })])(
    "Rate.ensureFresh: any rate, now and maximum age is a Result, never a throw; a garbage rate is never fresh",
    (r, now, maxAge, options) => {
      const result = Rate.ensureFresh(r as Rate.Rate, now as number, maxAge as number, options as never)
      if (Result.isSuccess(result)) {
        expect(Number.isSafeInteger((r as Rate.Rate).asOf)).toBe(true)
        expect(Number.isFinite(now)).toBe(true)
      } else expect(["MalformedRate", "StaleRate", "RateFromTheFuture"]).toContain(result.failure._tag)
    }
  )

  test.prop([hostile, hostile])(
    "Rate.makeTable: any entries and options are a Result, never a throw",
    (entries, options) => {
      const r = Rate.makeTable(entries as never, options as never)
      if (Result.isFailure(r)) expect(r.failure._tag).toBe("InvalidRateEntry")
      else expect(Array.isArray(entries)).toBe(true)
    }
  )

  test.prop([
    fc.oneof(
      hostile,
      fc.constant(Rate.makeTableUnsafe([{ base: "EUR", quote: "USD", rate: "1.1", asOf: 0 }]))
    ),
    hostile,
    hostile
  ])("Rate.lookup: any table and codes are a Result, never a throw", (table, base, quote) => {
    const r = Rate.lookup(table as Rate.Table, base as string, quote as string)
    if (Result.isFailure(r)) expect(r.failure._tag).toBe("RateNotFound")
  })

  test.prop([fc.oneof(hostile, fc.constant(workedSchedule)), hostile, hostile, hostile])(
    "Schedule.match: any schedule, codes and method are a Result, never a throw",
    (schedule, source, target, method) => {
      const r = Schedule.match(
        schedule as Schedule.Schedule,
        source as string,
        target as string,
        method as string
      )
      if (Result.isFailure(r)) expect(["InvalidInput", "NoCorridor"]).toContain(r.failure._tag)
      else expect(schedule).toBe(workedSchedule)
    }
  )

  test.prop([hostile])(
    "Schedule.make and Ecb.parse: any input is a typed failure, never a throw",
    (input) => {
      const s = Schedule.make(input)
      if (Result.isFailure(s)) expect(s.failure._tag).toBeTypeOf("string")
      const e = Ecb.parse(input as string)
      expect(Result.isFailure(e)).toBe(true)
      if (Result.isFailure(e)) expect(e.failure._tag).toBe("MalformedEcbXml")
    }
  )

  test.prop([fc.string(), fc.stringMatching(/^[<>/a-zA-Z ='"!-]{0,80}$/)])(
    "Ecb.parse: any string, including tag soup, is a Result, never a throw",
    (a, b) => {
      for (const doc of [a, b, `<Cube>${b}</Cube>`]) {
        const r = Ecb.parse(doc)
        if (Result.isFailure(r)) expect(r.failure._tag).toBe("MalformedEcbXml")
      }
    }
  )
})
