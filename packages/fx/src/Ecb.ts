import { readFile as readTextFile } from "node:fs/promises"
import { Currency, Decimal } from "@paykit/core"
import { Effect, Layer, Result } from "effect"
import { MalformedEcbXml, RateFileUnreadable } from "./errors.ts"
import * as Rate from "./Rate.ts"
import { RateProvider, ReferenceRateProvider, fromTable } from "./RateProvider.ts"

/**
 * The source name ECB rates carry.
 *
 * @example
 * ```ts
 * import { Ecb } from "@paykit/fx"
 * Ecb.SOURCE // "ECB"
 * ```
 * @category models
 * @since 0.1.0
 */
export const SOURCE = "ECB"

const TIME_CUBE = /<Cube\s+time\s*=\s*(["'])(\d{4})-(\d{2})-(\d{2})\1\s*>/g
const RATE_CUBE = /<Cube\s+currency\s*=\s*(["'])([^"']*)\1\s+rate\s*=\s*(["'])([^"']*)\3\s*\/>/g
const ANY_RATE_CUBE = /<Cube\s+currency\b/g
const OPEN_CUBE = /<Cube\b[^>]*[^/]>|<Cube>/g
const CLOSE_CUBE = /<\/Cube\s*>/g

const count = (re: RegExp, s: string): number => s.match(re)?.length ?? 0

/**
 * Parses the ECB daily reference-rate document (`eurofxref-daily.xml`: `<Cube time="YYYY-MM-DD">`
 * holding `<Cube currency="USD" rate="1.0870"/>` elements, each meaning `1 EUR = rate currency`)
 * into a rate table with pivot EUR. When the document holds several days (the 90-day history
 * file), the newest day is used. Each rate's `asOf` is 00:00 UTC of its date (the ECB publishes
 * around 16:00 CET, so this errs on the side of calling a rate older than it is).
 *
 * Fails with `MalformedEcbXml` on: no `<Cube time=…>`, unbalanced `<Cube>` elements (a truncated
 * file), a rate element that does not read `currency=… rate=…`, a rate that is not a positive
 * plain decimal, an unknown currency, a currency listed twice, an impossible date, no rates.
 *
 * @example
 * ```ts
 * import { Ecb, Rate } from "@paykit/fx"
 * const xml = `<gesmes:Envelope><Cube><Cube time="2026-11-20"><Cube currency="USD" rate="1.0870"/></Cube></Cube></gesmes:Envelope>`
 * const table = Ecb.parse(xml) // Success(table)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const parse = (xml: string): Result.Result<Rate.Table, MalformedEcbXml> => {
  const fail = (reason: string) => Result.fail(new MalformedEcbXml({ reason }))
  if (typeof xml !== "string") return fail("expected the document as a string")
  const opens = count(OPEN_CUBE, xml)
  const closes = count(CLOSE_CUBE, xml)
  if (opens !== closes) {
    return fail(`unbalanced <Cube> elements (${opens} opened, ${closes} closed): is the document truncated?`)
  }
  const days = [...xml.matchAll(TIME_CUBE)]
  if (days.length === 0) return fail('no <Cube time="YYYY-MM-DD"> element')
  let newest: { at: number; start: number; end: number; date: string } | undefined
  for (let i = 0; i < days.length; i++) {
    const m = days[i]!
    const [y, mo, d] = [Number(m[2]), Number(m[3]), Number(m[4])]
    const at = Date.UTC(y, mo - 1, d)
    const date = `${m[2]}-${m[3]}-${m[4]}`
    if (new Date(at).toISOString().slice(0, 10) !== date) return fail(`impossible date "${date}"`)
    const start = m.index + m[0].length
    const end = i + 1 < days.length ? days[i + 1]!.index : xml.length
    if (newest === undefined || at > newest.at) newest = { at, start, end, date }
  }
  const day = newest!
  const body = xml.slice(day.start, day.end)
  const entries = [...body.matchAll(RATE_CUBE)]
  if (entries.length !== count(ANY_RATE_CUBE, body)) {
    return fail(`a rate element on ${day.date} does not read <Cube currency="XXX" rate="1.2345"/>`)
  }
  if (entries.length === 0) return fail(`no rates on ${day.date}`)
  const seen = new Set<string>()
  const rates: Array<Rate.Entry> = []
  for (const e of entries) {
    const code = e[2]!
    const text = e[4]!
    if (Result.isFailure(Currency.fromCode(code))) return fail(`unknown currency "${code}" on ${day.date}`)
    if (code === "EUR") return fail("a EUR rate in a document of rates per euro")
    if (seen.has(code)) return fail(`currency ${code} is listed twice on ${day.date}`)
    seen.add(code)
    const rate = Decimal.make(text)
    if (Result.isFailure(rate) || !Decimal.isPositive(rate.success)) {
      return fail(`the ${code} rate ${JSON.stringify(text)} is not a positive decimal`)
    }
    rates.push({ base: "EUR", quote: code, rate: rate.success, asOf: day.at })
  }
  return Result.mapError(
    Rate.makeTable(rates, { pivot: "EUR", source: SOURCE }),
    (e) => new MalformedEcbXml({ reason: e.reason })
  )
}

/**
 * Reads and parses an ECB reference-rate file (see {@link parse}).
 *
 * @example
 * ```ts
 * import { Ecb } from "@paykit/fx"
 * const table = Ecb.readFile("./eurofxref-daily.xml")
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const readFile = (path: string): Effect.Effect<Rate.Table, MalformedEcbXml | RateFileUnreadable> =>
  Effect.tryPromise({
    try: () => readTextFile(path, "utf8"),
    catch: (e) => new RateFileUnreadable({ path, reason: e instanceof Error ? e.message : String(e) })
  }).pipe(Effect.flatMap((xml) => Effect.fromResult(parse(xml))))

/**
 * A {@link RateProvider} on the ECB rates in an XML string: EUR→X as published, X→EUR as
 * `1 / rate`, other pairs crossed through EUR (see `Rate.lookup`).
 *
 * @example
 * ```ts
 * import { Ecb } from "@paykit/fx"
 * declare const xml: string
 * const layer = Ecb.layerFromString(xml)
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerFromString = (xml: string): Layer.Layer<RateProvider, MalformedEcbXml> =>
  Layer.effect(
    RateProvider,
    Effect.map(Effect.fromResult(parse(xml)), (t) => RateProvider.of(fromTable(t, SOURCE)))
  )

/**
 * A {@link RateProvider} on the ECB rates in a file.
 *
 * @example
 * ```ts
 * import { Ecb } from "@paykit/fx"
 * const layer = Ecb.layerFromFile("./eurofxref-daily.xml")
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerFromFile = (
  path: string
): Layer.Layer<RateProvider, MalformedEcbXml | RateFileUnreadable> =>
  Layer.effect(
    RateProvider,
    Effect.map(readFile(path), (t) => RateProvider.of(fromTable(t, SOURCE)))
  )

/**
 * A {@link ReferenceRateProvider} on the ECB rates in an XML string: the CBPR2 reference.
 *
 * @example
 * ```ts
 * import { Ecb } from "@paykit/fx"
 * declare const xml: string
 * const reference = Ecb.referenceLayerFromString(xml)
 * ```
 * @category layers
 * @since 0.1.0
 */
export const referenceLayerFromString = (xml: string): Layer.Layer<ReferenceRateProvider, MalformedEcbXml> =>
  Layer.effect(
    ReferenceRateProvider,
    Effect.map(Effect.fromResult(parse(xml)), (t) => ReferenceRateProvider.of(fromTable(t, SOURCE)))
  )

/**
 * A {@link ReferenceRateProvider} on the ECB rates in a file.
 *
 * @example
 * ```ts
 * import { Ecb } from "@paykit/fx"
 * const reference = Ecb.referenceLayerFromFile("./eurofxref-daily.xml")
 * ```
 * @category layers
 * @since 0.1.0
 */
export const referenceLayerFromFile = (
  path: string
): Layer.Layer<ReferenceRateProvider, MalformedEcbXml | RateFileUnreadable> =>
  Layer.effect(
    ReferenceRateProvider,
    Effect.map(readFile(path), (t) => ReferenceRateProvider.of(fromTable(t, SOURCE)))
  )
