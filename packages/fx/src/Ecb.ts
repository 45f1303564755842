import { readFile as readTextFile } from "node:fs/promises"
import { Currency, Decimal } from "@paykit/core"
import { Effect, Layer, Result } from "effect"
import { XMLParser, XMLValidator } from "fast-xml-parser"
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

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  // the ECB file has no entities; not expanding them closes the door on entity-expansion bombs
  processEntities: false,
  isArray: (_name, _path, _leaf, isAttribute) => isAttribute !== true
})

type XmlNode = Record<string, unknown>

const isNode = (u: unknown): u is XmlNode => typeof u === "object" && u !== null && !Array.isArray(u)

/** The child elements named `name` of a parsed node (an empty element parses to `""`). */
const children = (node: XmlNode, name: string): ReadonlyArray<XmlNode> => {
  const v = node[name]
  return Array.isArray(v) ? v.map((c) => (isNode(c) ? c : {})) : []
}

/** Every `<Cube time=…>` element, at any depth, in document order. */
const timeCubes = (node: XmlNode, out: Array<XmlNode> = []): Array<XmlNode> => {
  for (const [name, value] of Object.entries(node)) {
    if (name.startsWith("@_") || !Array.isArray(value)) continue
    for (const child of value) {
      if (!isNode(child)) continue
      if (name === "Cube" && typeof child["@_time"] === "string") out.push(child)
      else timeCubes(child, out)
    }
  }
  return out
}

const CURRENCY_CODE = /^[A-Z]{3}$/
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/**
 * What {@link parseWithWarnings} returns: the rate table and one warning per rate it skipped
 * (a well-formed currency code that is not in the ISO 4217 table, e.g. a code newer than it).
 *
 * @example
 * ```ts
 * import type { Ecb } from "@paykit/fx"
 * const report = (p: Ecb.Parsed) => `${p.table.rates.size} rates, ${p.warnings.length} skipped`
 * ```
 * @category models
 * @since 0.2.0
 */
export interface Parsed {
  readonly table: Rate.Table
  readonly warnings: ReadonlyArray<string>
}

/**
 * Parses the ECB daily reference-rate document (`eurofxref-daily.xml`: `<Cube time="YYYY-MM-DD">`
 * holding `<Cube currency="USD" rate="1.0870"/>` elements, each meaning `1 EUR = rate currency`)
 * into a rate table with pivot EUR, with an XML parser (fast-xml-parser): attributes in either
 * order and either quote style, namespace prefixes, comments (ignored, rates inside them too).
 * When the document holds several days (the 90-day history file), the newest day is used. Each
 * rate's `asOf` is 00:00 UTC of its date (the ECB publishes around 16:00 CET, so this errs on
 * the side of calling a rate older than it is).
 *
 * A rate for a well-formed currency code that is not in the ISO 4217 table is skipped with a
 * warning (the other rates stay usable). Fails with `MalformedEcbXml` on: XML that is not
 * well-formed (a truncated file), no `<Cube time=…>`, a date that is not `YYYY-MM-DD` or is
 * impossible, a rate element without `currency` and `rate`, a code that is not three capital
 * letters, a rate that is not a positive plain decimal, a EUR rate, a currency listed twice, no
 * rates.
 *
 * @example
 * ```ts
 * import { Ecb } from "@paykit/fx"
 * const xml = `<gesmes:Envelope><Cube><Cube time="2026-11-20"><Cube currency="USD" rate="1.0870"/><Cube currency="QQQ" rate="1.95"/></Cube></Cube></gesmes:Envelope>`
 * const parsed = Ecb.parseWithWarnings(xml) // Success({ table, warnings: ['unknown currency "QQQ" on 2026-11-20: skipped'] })
 * ```
 * @category constructors
 * @since 0.2.0
 */
export const parseWithWarnings = (xml: string): Result.Result<Parsed, MalformedEcbXml> => {
  const fail = (reason: string) => Result.fail(new MalformedEcbXml({ reason }))
  if (typeof xml !== "string") return fail("expected the document as a string")
  if (xml.trim() === "") return fail('no <Cube time="YYYY-MM-DD"> element: the document is empty')
  const valid = XMLValidator.validate(xml)
  if (valid !== true) {
    return fail(
      `not well-formed XML (line ${valid.err.line}: ${valid.err.msg}): is the document truncated or its elements unbalanced?`
    )
  }
  let root: unknown
  try {
    root = parser.parse(xml)
  } catch (e) {
    return fail(`not well-formed XML (${e instanceof Error ? e.message : String(e)})`)
  }
  if (!isNode(root)) return fail('no <Cube time="YYYY-MM-DD"> element')
  const days = timeCubes(root)
  if (days.length === 0) return fail('no <Cube time="YYYY-MM-DD"> element')
  let newest: { at: number; node: XmlNode; date: string } | undefined
  for (const node of days) {
    const date = String(node["@_time"]).trim()
    const m = DATE.exec(date)
    if (m === null) return fail(`the date "${date}" is not YYYY-MM-DD`)
    const at = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
    if (new Date(at).toISOString().slice(0, 10) !== date) return fail(`impossible date "${date}"`)
    if (newest === undefined || at > newest.at) newest = { at, node, date }
  }
  const day = newest!
  const elements = children(day.node, "Cube")
  if (elements.length === 0) return fail(`no rates on ${day.date}`)
  const seen = new Set<string>()
  const rates: Array<Rate.Entry> = []
  const warnings: Array<string> = []
  for (const el of elements) {
    const code = el["@_currency"]
    const text = el["@_rate"]
    if (typeof code !== "string" || typeof text !== "string") {
      return fail(`a rate element on ${day.date} does not read <Cube currency="XXX" rate="1.2345"/>`)
    }
    if (!CURRENCY_CODE.test(code))
      return fail(`"${code}" on ${day.date} is not a currency code (three capital letters)`)
    if (code === "EUR") return fail("a EUR rate in a document of rates per euro")
    if (seen.has(code)) return fail(`currency ${code} is listed twice on ${day.date}`)
    seen.add(code)
    const rate = Decimal.make(text.trim())
    if (Result.isFailure(rate) || !Decimal.isPositive(rate.success)) {
      return fail(`the ${code} rate ${JSON.stringify(text)} is not a positive decimal`)
    }
    if (Result.isFailure(Currency.fromCode(code))) {
      warnings.push(`unknown currency "${code}" on ${day.date}: skipped`)
      continue
    }
    rates.push({ base: "EUR", quote: code, rate: rate.success, asOf: day.at })
  }
  if (rates.length === 0) return fail(`no rates on ${day.date} for known currencies`)
  return Result.mapBoth(Rate.makeTable(rates, { pivot: "EUR", source: SOURCE }), {
    onFailure: (e) => new MalformedEcbXml({ reason: e.reason }),
    onSuccess: (table) => ({ table, warnings })
  })
}

/**
 * Like {@link parseWithWarnings}, returning the table alone (skipped rates are dropped silently;
 * the layers and {@link readFile} log them with `Effect.logWarning`).
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
export const parse = (xml: string): Result.Result<Rate.Table, MalformedEcbXml> =>
  Result.map(parseWithWarnings(xml), (p) => p.table)

/** Parses, logging each skipped rate with `Effect.logWarning`. */
const parseLogged = (xml: string): Effect.Effect<Rate.Table, MalformedEcbXml> =>
  Effect.flatMap(Effect.fromResult(parseWithWarnings(xml)), ({ table, warnings }) =>
    Effect.as(
      Effect.forEach(warnings, (w) => Effect.logWarning(`@paykit/fx ECB rates: ${w}`), { discard: true }),
      table
    )
  )

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
  }).pipe(Effect.flatMap(parseLogged))

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
    Effect.map(parseLogged(xml), (t) => RateProvider.of(fromTable(t, SOURCE)))
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
    Effect.map(parseLogged(xml), (t) => ReferenceRateProvider.of(fromTable(t, SOURCE)))
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
