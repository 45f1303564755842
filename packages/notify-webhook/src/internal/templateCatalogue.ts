// Building a message catalogue from plain definitions: every check `Templates.make` promises,
// each problem reported with the definition's index, the field and the reason, all at once.
// Pure functions, no Effect. The public module (../Templates.ts) turns the problems into
// `InvalidTemplate` and keeps the compiled index in a WeakMap keyed by the catalogue.
import type { Currency } from "@paykit/core"
import { Input } from "@paykit/core"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { canonicalLocale, isKnownLocale } from "./templateLocale.ts"
import {
  type Channel,
  CHANNELS,
  ID_MAX_LENGTH,
  ID_PATTERN,
  isChannel,
  LIMITS,
  lengthProblem,
  NAME_PATTERN,
  type Node,
  parse,
  staticText,
  textProblem,
  type Use
} from "./templateText.ts"
import { DATE_SHOWS, defaultCurrencies, KINDS, type Spec } from "./templateValues.ts"

/** The kinds of problem `Templates.make` reports. */
export const PROBLEM_CODES = [
  "InvalidShape",
  "InvalidId",
  "UnknownChannel",
  "UnknownLocale",
  "EmptyBody",
  "InvalidText",
  "UnbalancedBraces",
  "InvalidPlaceholder",
  "UnbalancedSection",
  "UndeclaredVariable",
  "UnusedVariable",
  "OptionalOutsideSection",
  "MissingSubject",
  "UnexpectedSubject",
  "TooLong",
  "Duplicate",
  "InconsistentVariables",
  "MissingDefaultLocale"
] as const

/** A kind of problem. */
export type ProblemCode = (typeof PROBLEM_CODES)[number]

/** One thing wrong with the definitions. `index` is -1 for the definitions list or the options. */
export interface Problem {
  readonly index: number
  readonly template: string
  readonly field: string
  readonly code: ProblemCode
  readonly reason: string
}

/** A template as the catalogue keeps it: its locale canonical, its text parsed. */
export interface Compiled {
  readonly id: string
  readonly channel: Channel
  readonly locale: string
  readonly subject: string | undefined
  readonly body: string
  readonly variables: ReadonlyArray<readonly [string, Spec]>
  readonly bodyNodes: ReadonlyArray<Node>
  readonly subjectNodes: ReadonlyArray<Node> | undefined
}

/** What a catalogue holds once built. */
export interface Index {
  readonly templates: ReadonlyArray<Compiled>
  /** `${id}\u0000${channel}` → the templates of every locale, in definition order. */
  readonly byKey: ReadonlyMap<string, ReadonlyArray<Compiled>>
  readonly ids: ReadonlyMap<string, ReadonlyArray<Channel>>
  readonly defaultLocale: string
  readonly currencies: Currency.Registry
}

/** The most definitions one catalogue takes. */
export const MAX_DEFINITIONS = 10_000
/** The most variables one template declares. */
export const MAX_VARIABLES = 50

export const keyOf = (id: string, channel: string): string => `${id}\u0000${channel}`

const VariableSpecSchema = Schema.Struct({
  kind: Schema.Literals(KINDS),
  optional: Schema.optionalKey(Schema.Boolean),
  show: Schema.optionalKey(Schema.Literals(DATE_SHOWS))
})

const DefinitionSchema = Schema.Struct({
  id: Schema.String,
  channel: Schema.String,
  locale: Schema.String,
  subject: Schema.optionalKey(Schema.String),
  body: Schema.String,
  variables: Schema.Record(Schema.String, VariableSpecSchema).check(
    Schema.makeFilter(
      (v: object) => Object.keys(v).length <= MAX_VARIABLES || `declares more than ${MAX_VARIABLES} variables`
    )
  )
})

type Decoded = typeof DefinitionSchema.Type

const decodeDefinition = Input.decodeResult("Templates.make", DefinitionSchema)

const cut = (s: string, n = 60): string => (s.length > n ? `${s.slice(0, n)}…` : s)

/** `id/channel/locale` of a definition, as far as it can be read, or `#index`. */
const labelOf = (raw: unknown, index: number): string => {
  try {
    if (typeof raw === "object" && raw !== null) {
      const r = raw as { readonly id?: unknown; readonly channel?: unknown; readonly locale?: unknown }
      const parts = [r.id, r.channel, r.locale]
      if (parts.every((p) => typeof p === "string")) return cut(parts.join("/"), 120)
    }
  } catch {
    // an unreadable definition is named by its index
  }
  return `#${index}`
}

const sameSpec = (a: Spec, b: Spec): boolean =>
  a.kind === b.kind &&
  (a.optional === true) === (b.optional === true) &&
  (a.kind !== "date" || (a.show ?? "dateTime") === (b.show ?? "dateTime"))

const describeSpec = (s: Spec): string =>
  `${s.optional === true ? "optional " : ""}${s.kind}${s.kind === "date" ? ` (${s.show ?? "dateTime"})` : ""}`

/** Checks one decoded definition; pushes its problems; answers the compiled template when sound. */
const checkOne = (
  d: Decoded,
  report: (p: Omit<Problem, "index" | "template">) => void
): Compiled | undefined => {
  let sound = true
  const problem = (field: string, code: ProblemCode, reason: string) => {
    sound = false
    report({ field, code, reason })
  }
  if (d.id.length > ID_MAX_LENGTH || !ID_PATTERN.test(d.id))
    problem(
      "id",
      "InvalidId",
      `${JSON.stringify(cut(d.id))} is not a template id: use dot-separated lowercase words of letters, digits and _ (such as "payments.refund.succeeded"), at most ${ID_MAX_LENGTH} characters`
    )
  const channel = isChannel(d.channel) ? d.channel : undefined
  if (channel === undefined)
    problem(
      "channel",
      "UnknownChannel",
      `${JSON.stringify(cut(d.channel))} is not a channel; use one of ${CHANNELS.map((c) => `"${c}"`).join(", ")}`
    )
  const locale = canonicalLocale(d.locale)
  if (locale === undefined)
    problem(
      "locale",
      "UnknownLocale",
      `${JSON.stringify(cut(d.locale))} is not a locale tag: use language[-Script][-REGION], such as "en", "zh-CN" or "zh-Hant-HK"`
    )
  else if (!isKnownLocale(locale))
    problem(
      "locale",
      "UnknownLocale",
      `"${locale}" is a well-formed tag, but this runtime has no locale data for it`
    )
  const specs = new Map<string, Spec>()
  for (const [name, raw] of Object.entries(d.variables)) {
    if (!NAME_PATTERN.test(name)) {
      problem(
        `variables.${cut(name, 40)}`,
        "InvalidShape",
        "a variable name is a letter, then letters, digits or _, at most 64 characters"
      )
      continue
    }
    if (raw.show !== undefined && raw.kind !== "date") {
      problem(
        `variables.${name}.show`,
        "InvalidShape",
        `"show" applies to date variables only; this one is ${raw.kind}`
      )
      continue
    }
    specs.set(name, raw)
  }
  const texts: Array<{ readonly field: "body" | "subject"; readonly uses: ReadonlyArray<Use> }> = []
  // a text that did not parse may use variables in its broken part: unused ones are not reported
  let unreadable = false
  const checkText = (field: "body" | "subject", text: string): ReadonlyArray<Node> | undefined => {
    if (text.length > LIMITS.source) {
      problem(
        field,
        "TooLong",
        `is ${text.length} characters long; a template's text is at most ${LIMITS.source}`
      )
      unreadable = true
      return undefined
    }
    if (text.trim() === "") {
      problem(
        field,
        field === "body" ? "EmptyBody" : "MissingSubject",
        `is empty; write the ${field === "body" ? "message" : "subject"}`
      )
      return undefined
    }
    const bad = textProblem(text, field === "body")
    if (bad !== undefined) {
      problem(field, "InvalidText", bad)
      unreadable = true
      return undefined
    }
    const parsed = parse(text)
    for (const p of parsed.problems) problem(field, p.code, p.reason)
    // the placeholders that did parse are checked even when others did not
    texts.push({ field, uses: parsed.uses })
    if (parsed.problems.length > 0) {
      unreadable = true
      return undefined
    }
    if (channel !== undefined) {
      const long = lengthProblem(channel, field, staticText(parsed.nodes))
      if (long !== undefined)
        problem(
          field,
          "TooLong",
          `its text alone, before any variable, is ${long.length}; the limit is ${long.limit}`
        )
    }
    return parsed.nodes
  }
  const bodyNodes = checkText("body", d.body)
  let subjectNodes: ReadonlyArray<Node> | undefined
  if (d.subject === undefined) {
    if (channel === "email") problem("subject", "MissingSubject", "an email template needs a subject")
  } else if (channel === "sms") {
    problem("subject", "UnexpectedSubject", "an SMS has no subject; remove it or fold it into the body")
  } else {
    subjectNodes = checkText("subject", d.subject)
  }
  const used = new Set<string>()
  for (const t of texts) {
    const undeclared = new Set<string>()
    for (const u of t.uses) {
      used.add(u.name)
      const spec = specs.get(u.name)
      if (spec === undefined) {
        if (!undeclared.has(u.name) && !Object.hasOwn(d.variables, u.name))
          problem(
            t.field,
            "UndeclaredVariable",
            `{{${u.name}}} is not declared in variables; declare it (such as ${u.name}: { kind: "string" }) or correct the name`
          )
        undeclared.add(u.name)
      } else if (spec.optional === true && !u.section && !u.within.includes(u.name)) {
        problem(
          t.field,
          "OptionalOutsideSection",
          `{{${u.name}}} is optional, so it may only appear inside its own section {{#${u.name}}}…{{/${u.name}}}, which is left out when it is not given`
        )
      }
    }
  }
  for (const name of specs.keys()) {
    if (!used.has(name) && !unreadable)
      problem(
        `variables.${name}`,
        "UnusedVariable",
        `"${name}" is declared but the text never uses it; use it or remove the declaration (a translation that drops it is incomplete)`
      )
  }
  if (!sound || bodyNodes === undefined || channel === undefined || locale === undefined) return undefined
  return {
    id: d.id,
    channel,
    locale,
    subject: d.subject,
    body: d.body,
    variables: [...specs.entries()],
    bodyNodes,
    subjectNodes
  }
}

/** The options of `Templates.make`, read. */
interface Options {
  readonly defaultLocale: string
  readonly currencies: Currency.Registry
}

const readOptions = (options: unknown, report: (p: Problem) => void): Options | undefined => {
  const root = (field: string, code: ProblemCode, reason: string) =>
    report({ index: -1, template: "(options)", field, code, reason })
  if (options === undefined) return { defaultLocale: "en", currencies: defaultCurrencies }
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    root("options", "InvalidShape", "expected { defaultLocale?, currencies? } or nothing")
    return undefined
  }
  const o = options as { readonly defaultLocale?: unknown; readonly currencies?: unknown }
  const extra = Object.keys(o).find((k) => k !== "defaultLocale" && k !== "currencies")
  if (extra !== undefined) {
    root(
      `options.${cut(extra, 40)}`,
      "InvalidShape",
      "is not an option; the options are defaultLocale and currencies"
    )
    return undefined
  }
  let defaultLocale = "en"
  if (o.defaultLocale !== undefined) {
    const c = canonicalLocale(o.defaultLocale)
    if (c === undefined || !isKnownLocale(c)) {
      root("options.defaultLocale", "UnknownLocale", 'expected a locale tag such as "en" or "zh-CN"')
      return undefined
    }
    defaultLocale = c
  }
  let currencies = defaultCurrencies
  if (o.currencies !== undefined) {
    const r = o.currencies as { readonly get?: unknown }
    if (typeof r !== "object" || r === null || typeof r.get !== "function") {
      root(
        "options.currencies",
        "InvalidShape",
        "expected a Currency.Registry, such as Currency.registry([Currency.POINTS])"
      )
      return undefined
    }
    currencies = o.currencies as Currency.Registry
  }
  return { defaultLocale, currencies }
}

/**
 * Checks `definitions` and builds the index, or answers every problem found. Never throws:
 * input that cannot even be read is a problem like any other.
 */
export const build = (
  definitions: unknown,
  options: unknown
): Result.Result<Index, ReadonlyArray<Problem>> => {
  const problems: Array<Problem> = []
  const report = (p: Problem) => {
    problems.push(p)
  }
  try {
    const opts = readOptions(options, report)
    if (!Array.isArray(definitions)) {
      report({
        index: -1,
        template: "(definitions)",
        field: "definitions",
        code: "InvalidShape",
        reason: "expected an array of template definitions"
      })
      return Result.fail(problems)
    }
    const n = definitions.length
    if (n > MAX_DEFINITIONS) {
      report({
        index: -1,
        template: "(definitions)",
        field: "definitions",
        code: "InvalidShape",
        reason: `has ${n} definitions; one catalogue takes at most ${MAX_DEFINITIONS}`
      })
      return Result.fail(problems)
    }
    const compiled: Array<{ readonly index: number; readonly label: string; readonly t: Compiled }> = []
    for (let index = 0; index < n; index++) {
      let raw: unknown
      let label = `#${index}`
      try {
        raw = definitions[index]
        label = labelOf(raw, index)
      } catch (e) {
        const u = Input.unreadable("Templates.make", e)
        report({ index, template: label, field: "(definition)", code: "InvalidShape", reason: u.reason })
        continue
      }
      const decoded = decodeDefinition(raw)
      if (Result.isFailure(decoded)) {
        report({
          index,
          template: label,
          field: decoded.failure.path === "" ? "(definition)" : decoded.failure.path,
          code: "InvalidShape",
          reason: decoded.failure.reason
        })
        continue
      }
      const t = checkOne(decoded.success, (p) => report({ index, template: label, ...p }))
      if (t !== undefined) compiled.push({ index, label, t })
    }
    // across templates: duplicates, one set of variables per id and channel, the default locale
    const groups = new Map<
      string,
      Array<{ readonly index: number; readonly label: string; readonly t: Compiled }>
    >()
    for (const c of compiled) {
      const k = keyOf(c.t.id, c.t.channel)
      const g = groups.get(k)
      if (g === undefined) groups.set(k, [c])
      else g.push(c)
    }
    for (const group of groups.values()) {
      const first = group[0]!
      const seen = new Map<string, number>()
      for (const c of group) {
        const before = seen.get(c.t.locale)
        if (before !== undefined) {
          report({
            index: c.index,
            template: c.label,
            field: "locale",
            code: "Duplicate",
            reason: `definition #${before} already has id "${c.t.id}", channel ${c.t.channel} and locale ${c.t.locale}; keep one`
          })
          continue
        }
        seen.set(c.t.locale, c.index)
        if (c === first) continue
        const mine = new Map(c.t.variables)
        const theirs = new Map(first.t.variables)
        for (const [name, spec] of theirs) {
          const other = mine.get(name)
          if (other === undefined)
            report({
              index: c.index,
              template: c.label,
              field: `variables.${name}`,
              code: "InconsistentVariables",
              reason: `${first.t.locale} (definition #${first.index}) declares "${name}" but this locale does not; every locale of one template takes the same variables`
            })
          else if (!sameSpec(spec, other))
            report({
              index: c.index,
              template: c.label,
              field: `variables.${name}`,
              code: "InconsistentVariables",
              reason: `is ${describeSpec(other)} here but ${describeSpec(spec)} in ${first.t.locale} (definition #${first.index}); every locale of one template takes the same variables`
            })
        }
        for (const name of mine.keys()) {
          if (!theirs.has(name))
            report({
              index: c.index,
              template: c.label,
              field: `variables.${name}`,
              code: "InconsistentVariables",
              reason: `is declared here but not in ${first.t.locale} (definition #${first.index}); every locale of one template takes the same variables`
            })
        }
      }
      if (opts !== undefined && !group.some((c) => c.t.locale === opts.defaultLocale))
        report({
          index: first.index,
          template: first.label,
          field: "locale",
          code: "MissingDefaultLocale",
          reason: `"${first.t.id}" on ${first.t.channel} has no ${opts.defaultLocale} version; the default locale is what a reader gets when no other locale fits, so add one (or choose another defaultLocale)`
        })
    }
    if (problems.length > 0 || opts === undefined) return Result.fail(problems)
    const byKey = new Map<string, ReadonlyArray<Compiled>>()
    const ids = new Map<string, Array<Channel>>()
    for (const [k, g] of groups) {
      byKey.set(
        k,
        g.map((c) => c.t)
      )
      const id = g[0]!.t.id
      const channels = ids.get(id)
      if (channels === undefined) ids.set(id, [g[0]!.t.channel])
      else channels.push(g[0]!.t.channel)
    }
    return Result.succeed({
      templates: compiled.map((c) => c.t),
      byKey,
      ids,
      defaultLocale: opts.defaultLocale,
      currencies: opts.currencies
    })
  } catch (e) {
    const u = Input.unreadable("Templates.make", e)
    report({
      index: -1,
      template: "(definitions)",
      field: "definitions",
      code: "InvalidShape",
      reason: u.reason
    })
    return Result.fail(problems)
  }
}
