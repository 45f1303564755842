/**
 * `Templates`: the message catalogue for SMS, email and push. A catalogue is built once from
 * plain data with {@link make}, which checks every template and reports every problem at once;
 * {@link render} fills one template's typed variables for a reader's locale and time zone.
 * paykit ships {@link defaults}, five paykit events in English and Simplified Chinese; it ships
 * no provider (send with the `Sender` port).
 *
 * Decisions, in one place:
 *
 * - **Text.** `{{name}}` inserts a variable; `{{#name}}…{{/name}}` is a section shown only when
 *   the optional variable `name` is given. Everything rendered is plain text: SMS, push and
 *   email bodies alike (paykit renders no HTML; an adapter that wraps an email body in HTML must
 *   escape it). Values are inserted once, never re-read as template text, and a `string` value
 *   must be a single line without control or bidirectional characters, so a value cannot add
 *   lines to an SMS, headers to an email subject or disguise a message.
 * - **Variables.** Each template declares its variables: `string`, `integer`, `money` (minor
 *   units as a string with the currency; formatted in the currency's exponent by `Money.format`,
 *   never through a float) or `date` (ISO 8601, shown in the request's time zone), each required
 *   or optional. A variable declared and never used is an error (`UnusedVariable`), not a
 *   warning: it is nearly always a typo or a translation that dropped something. An optional
 *   variable may appear only inside its own section, so no message shows a dangling label.
 *   Every locale of one template (same id and channel) declares the same variables.
 * - **Locales.** A template's locale is a tag language[-Script][-REGION] that the runtime's
 *   `Intl` knows, kept in canonical form (`zh-cn` is `zh-CN`). Every template has a version in
 *   the catalogue's default locale (`en` unless `make` is told otherwise), and a request is
 *   served by: the exact tag; else the same tag after likely-subtag expansion (`zh` is
 *   `zh-CN`); else the first locale of the same language and script (`zh-SG` gets `zh-CN`,
 *   `en-GB` gets `en`, but `zh-HK` and `zh-TW`, written in Traditional characters, never get
 *   Simplified `zh-CN`); else the default locale. Numbers, money and dates are formatted in the
 *   requested locale when it shares the template's language, in the template's otherwise.
 *
 * @example
 * ```ts
 * import { Templates } from "@paykit/notify-webhook"
 * import { Result } from "effect"
 * const message = Templates.render(Templates.defaults, {
 *   template: "payments.refund.succeeded",
 *   channel: "sms",
 *   locale: "zh-CN",
 *   variables: { amount: { amount: "1250", currency: "CNY" }, merchant: "咖啡店" }
 * })
 * Result.getOrThrow(message).body // "咖啡店向您退款¥12.50已成功，…"
 * ```
 * @since 0.1.0
 */
import { type Currency, Input, InvalidInput, type Money } from "@paykit/core"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { build, type Index, keyOf } from "./internal/templateCatalogue.ts"
import {
  InvalidTemplate,
  InvalidVariable,
  MessageTooLong,
  MissingVariable,
  type TemplateError,
  TemplateNotFound,
  UnknownVariable
} from "./internal/templateErrors.ts"
import * as defaultData from "./internal/templateDefaults.ts"
import { canonicalLocale, chooseLocale, formattingLocale } from "./internal/templateLocale.ts"
import { CHANNELS, isChannel, lengthProblem, renderNodes, type Channel } from "./internal/templateText.ts"
import { formatValue, isTimeZone } from "./internal/templateValues.ts"

export type { Channel } from "./internal/templateText.ts"
export type { DefaultVariables } from "./internal/templateDefaults.ts"
export {
  InvalidTemplate,
  InvalidVariable,
  MessageTooLong,
  MissingVariable,
  Problem,
  TemplateNotFound,
  UnknownVariable
} from "./internal/templateErrors.ts"
export type { TemplateError } from "./internal/templateErrors.ts"

/**
 * The channels a template is written for.
 *
 * @example
 * ```ts
 * import { Templates } from "@paykit/notify-webhook"
 * Templates.channels // ["sms", "email", "push"]
 * ```
 * @category models
 * @since 0.1.0
 */
export const channels: ReadonlyArray<Channel> = CHANNELS

// ---------------------------------------------------------------------------------------------
// models

/**
 * A variable's declaration: its kind and whether it may be left out. A `date` variable shows
 * the date and time with the time zone (`show: "dateTime"`, the default) or the calendar date
 * only (`show: "date"`).
 *
 * | kind | value | rendered (en) |
 * | --- | --- | --- |
 * | `string` | a non-empty single line, at most 1,000 characters | as given |
 * | `integer` | a safe integer `number` or a `bigint` | `12,345` |
 * | `money` | `{ amount: "1250", currency: "EUR" }` (minor units as a string) or a `Money` | `€12.50` |
 * | `date` | `"2025-03-15"` or `"2025-03-15T23:59:00Z"` (a time needs its offset) | `March 15, 2025 at 23:59 UTC` |
 *
 * @example
 * ```ts
 * import type { Templates } from "@paykit/notify-webhook"
 * const due: Templates.VariableSpec = { kind: "date", show: "dateTime" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type VariableSpec =
  | { readonly kind: "string" | "integer" | "money"; readonly optional?: boolean }
  | { readonly kind: "date"; readonly optional?: boolean; readonly show?: "date" | "dateTime" }

/**
 * A template as plain data: what {@link make} takes. `subject` is required for email, optional
 * for push (the notification's title) and refused for SMS.
 *
 * @example
 * ```ts
 * import type { Templates } from "@paykit/notify-webhook"
 * const d: Templates.Definition = {
 *   id: "loyalty.points.earned",
 *   channel: "sms",
 *   locale: "en",
 *   body: "You earned {{points}} points.",
 *   variables: { points: { kind: "integer" } }
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Definition {
  readonly id: string
  readonly channel: Channel
  readonly locale: string
  readonly subject?: string
  readonly body: string
  readonly variables: Readonly<Record<string, VariableSpec>>
}

/**
 * Money as a variable's value: the JSON form of `Money`, minor units as a string. Never a
 * `number`: `{ amount: "1250", currency: "EUR" }` is €12.50, `{ amount: "1500", currency: "JPY" }` is ¥1,500.
 *
 * @example
 * ```ts
 * import type { Templates } from "@paykit/notify-webhook"
 * const price: Templates.MoneyValue = { amount: "1250", currency: "EUR" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface MoneyValue {
  readonly amount: string
  readonly currency: string
}

/**
 * Any variable's value. {@link render} checks each against its declaration.
 *
 * @example
 * ```ts
 * import type { Templates } from "@paykit/notify-webhook"
 * const v: Templates.VariableValue = "Coffee Shop"
 * ```
 * @category models
 * @since 0.1.0
 */
export type VariableValue = string | number | bigint | MoneyValue | Money.Money

/**
 * The value type of a variable kind.
 *
 * @example
 * ```ts
 * import type { Templates } from "@paykit/notify-webhook"
 * const n: Templates.ValueOf<"integer"> = 3
 * ```
 * @category models
 * @since 0.1.0
 */
export type ValueOf<K extends VariableSpec["kind"]> = K extends "money"
  ? MoneyValue | Money.Money
  : K extends "integer"
    ? number | bigint
    : string

/**
 * The variables object a template with declarations `V` takes: required ones required,
 * optional ones optional, each typed by its kind. Declare definitions `as const` to use it.
 *
 * @example
 * ```ts
 * import type { Templates } from "@paykit/notify-webhook"
 * const vars = { amount: { kind: "money" }, note: { kind: "string", optional: true } } as const
 * const v: Templates.Variables<typeof vars> = { amount: { amount: "100", currency: "USD" } }
 * ```
 * @category models
 * @since 0.1.0
 */
export type Variables<V extends Readonly<Record<string, VariableSpec>>> = {
  readonly [K in keyof V as V[K] extends { readonly optional: true } ? never : K]: ValueOf<V[K]["kind"]>
} & {
  readonly [K in keyof V as V[K] extends { readonly optional: true } ? K : never]?: ValueOf<V[K]["kind"]>
}

/**
 * A template in a catalogue: its definition with the locale in canonical form.
 *
 * @example
 * ```ts
 * import { Templates } from "@paykit/notify-webhook"
 * Templates.defaults.templates.map((t) => `${t.id}/${t.channel}/${t.locale}`)
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Template extends Definition {}

/**
 * A checked set of templates, built by {@link make} (only a catalogue it built renders).
 *
 * @example
 * ```ts
 * import { Templates } from "@paykit/notify-webhook"
 * Templates.defaults.defaultLocale // "en"
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Catalogue {
  readonly templates: ReadonlyArray<Template>
  /** The locale every template has, served when no other fits. */
  readonly defaultLocale: string
}

/**
 * What {@link render} takes: a template id, a channel, the reader's locale (any tag of the form
 * language[-Script][-REGION]), the variables and the time zone dates are shown in (an IANA
 * name such as `"Asia/Shanghai"`; `"UTC"` when absent).
 *
 * @example
 * ```ts
 * import type { Templates } from "@paykit/notify-webhook"
 * const r: Templates.RenderRequest = {
 *   template: "settlement.payout.failed",
 *   channel: "push",
 *   locale: "en-GB",
 *   variables: { amount: { amount: "5000", currency: "GBP" }, destination: "account ending 1234", reason: "account closed" }
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface RenderRequest {
  readonly template: string
  readonly channel: Channel
  readonly locale: string
  readonly variables: Readonly<Record<string, VariableValue | undefined>>
  readonly timeZone?: string
}

/**
 * A rendered message: plain text. `locale` is the template's locale that served the request,
 * `requestedLocale` what was asked (canonical); they differ when the fallback rule applied.
 * `subject` is the email subject or the push title, absent for SMS.
 *
 * @example
 * ```ts
 * import type { Templates } from "@paykit/notify-webhook"
 * const m: Templates.RenderedMessage = { template: "a.b", channel: "sms", locale: "en", requestedLocale: "en-GB", body: "Hi" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface RenderedMessage {
  readonly template: string
  readonly channel: Channel
  readonly locale: string
  readonly requestedLocale: string
  readonly subject?: string
  readonly body: string
}

// ---------------------------------------------------------------------------------------------
// building

/** The compiled index of each catalogue `make` built; a catalogue not in here does not render. */
const indexes = new WeakMap<Catalogue, Index>()

/** At most this many problems are carried; the rest are counted in `omitted`. */
const MAX_PROBLEMS = 200

/**
 * The options of {@link make}: the default locale (`"en"` unless given; every template needs a
 * version in it) and the currencies `money` variables accept (ISO 4217 unless given; pass
 * `Currency.registry([...])` for custom units).
 *
 * @example
 * ```ts
 * import type { Templates } from "@paykit/notify-webhook"
 * const o: Templates.Options = { defaultLocale: "zh-CN" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly defaultLocale?: string
  readonly currencies?: Currency.Registry
}

/**
 * Builds a catalogue from plain definitions, checking everything first and reporting every
 * problem at once as one `InvalidTemplate` (see {@link Problem} for the checks). Nothing is
 * built when anything is wrong. Input of any shape gives a value, never a throw.
 *
 * @example
 * ```ts
 * import { Templates } from "@paykit/notify-webhook"
 * const catalogue = Templates.make([
 *   ...Templates.defaultDefinitions,
 *   {
 *     id: "loyalty.points.earned",
 *     channel: "sms",
 *     locale: "en",
 *     body: "You earned {{points}} points.",
 *     variables: { points: { kind: "integer" } }
 *   }
 * ]) // Success(Catalogue)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  definitions: ReadonlyArray<Definition>,
  options?: Options
): Result.Result<Catalogue, InvalidTemplate> => {
  const built = build(definitions, options)
  if (Result.isFailure(built)) {
    const problems = built.failure
    return Result.fail(
      new InvalidTemplate({
        problems: problems.slice(0, MAX_PROBLEMS),
        omitted: Math.max(0, problems.length - MAX_PROBLEMS)
      })
    )
  }
  const index = built.success
  const catalogue: Catalogue = Object.freeze({
    templates: Object.freeze(
      index.templates.map(
        (t): Template =>
          Object.freeze({
            id: t.id,
            channel: t.channel,
            locale: t.locale,
            ...(t.subject === undefined ? {} : { subject: t.subject }),
            body: t.body,
            variables: Object.freeze(
              Object.fromEntries(t.variables.map(([name, spec]) => [name, Object.freeze({ ...spec })]))
            ) as Readonly<Record<string, VariableSpec>>
          })
      )
    ),
    defaultLocale: index.defaultLocale
  })
  indexes.set(catalogue, index)
  return Result.succeed(catalogue)
}

/**
 * Like {@link make} but throws its `InvalidTemplate`. For catalogues written in code.
 *
 * @example
 * ```ts
 * import { Templates } from "@paykit/notify-webhook"
 * const catalogue = Templates.makeUnsafe(Templates.defaultDefinitions)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const makeUnsafe = (definitions: ReadonlyArray<Definition>, options?: Options): Catalogue =>
  Result.getOrThrow(make(definitions, options))

// ---------------------------------------------------------------------------------------------
// rendering

const RenderRequestSchema = Schema.Struct({
  template: Schema.String,
  channel: Schema.String,
  locale: Schema.String,
  variables: Schema.Unknown,
  timeZone: Schema.optionalKey(Schema.String)
})

const decodeRequest = Input.decodeResult("Templates.render", RenderRequestSchema)

const invalid = (path: string, reason: string): Result.Result<never, InvalidInput> =>
  Result.fail(new InvalidInput({ operation: "Templates.render", path, reason }))

const cut = (s: string, n = 100): string => (s.length > n ? `${s.slice(0, n)}…` : s)

/** The own enumerable entries of a plain object, or `undefined` when `u` is not one. */
const entriesOf = (u: unknown): ReadonlyArray<readonly [string, unknown]> | undefined => {
  if (typeof u !== "object" || u === null || Array.isArray(u)) return undefined
  return Object.keys(u).map((k) => [k, (u as Record<string, unknown>)[k]] as const)
}

const renderChecked = (index: Index, request: unknown): Result.Result<RenderedMessage, TemplateError> => {
  const decoded = decodeRequest(request)
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure)
  const r = decoded.success
  if (!isChannel(r.channel))
    return invalid("channel", `${JSON.stringify(cut(r.channel, 20))} is not one of ${CHANNELS.join(", ")}`)
  const requested = canonicalLocale(r.locale)
  if (requested === undefined)
    return invalid(
      "locale",
      `${JSON.stringify(cut(r.locale, 20))} is not a locale tag: use language[-Script][-REGION], such as "en", "zh-CN" or "zh-Hant-HK"`
    )
  const timeZone = r.timeZone ?? "UTC"
  if (!isTimeZone(timeZone))
    return invalid(
      "timeZone",
      `${JSON.stringify(cut(timeZone, 40))} is not a time zone; use an IANA name such as "Asia/Shanghai" or "UTC"`
    )
  const given = entriesOf(r.variables)
  if (given === undefined) return invalid("variables", "expected an object of variable values")
  const group = index.byKey.get(keyOf(r.template, r.channel))
  const locale =
    group === undefined
      ? undefined
      : chooseLocale(
          requested,
          group.map((t) => t.locale),
          index.defaultLocale
        )
  const t = locale === undefined ? undefined : group?.find((c) => c.locale === locale)
  if (t === undefined) {
    const elsewhere = index.ids.get(r.template)
    return Result.fail(
      new TemplateNotFound({
        template: cut(r.template),
        channel: r.channel,
        locale: requested,
        reason:
          elsewhere === undefined
            ? "no template has this id; check the id, or add the template to the catalogue"
            : `it exists for ${elsewhere.join(", ")} only`
      })
    )
  }
  const declared = new Map(t.variables)
  const values = new Map<string, unknown>()
  for (const [name, value] of given) {
    if (!declared.has(name))
      return Result.fail(
        new UnknownVariable({ template: t.id, variable: cut(name, 64), declared: [...declared.keys()] })
      )
    if (value !== undefined) values.set(name, value)
  }
  const ctx = { locale: formattingLocale(requested, t.locale), timeZone, currencies: index.currencies }
  const texts = new Map<string, string>()
  for (const [name, spec] of t.variables) {
    if (!values.has(name)) {
      if (spec.optional === true) continue
      return Result.fail(new MissingVariable({ template: t.id, variable: name, kind: spec.kind }))
    }
    let formatted: ReturnType<typeof formatValue>
    try {
      formatted = formatValue(spec, values.get(name), ctx)
    } catch (e) {
      formatted = { ok: false, reason: Input.unreadable("Templates.render", e).reason }
    }
    if (!formatted.ok)
      return Result.fail(
        new InvalidVariable({ template: t.id, variable: name, kind: spec.kind, reason: formatted.reason })
      )
    texts.set(name, formatted.text)
  }
  const body = renderNodes(t.bodyNodes, texts)
  const subject = t.subjectNodes === undefined ? undefined : renderNodes(t.subjectNodes, texts)
  for (const [field, text] of [
    ["body", body],
    ["subject", subject]
  ] as const) {
    const long = text === undefined ? undefined : lengthProblem(t.channel, field, text)
    if (long !== undefined)
      return Result.fail(new MessageTooLong({ template: t.id, channel: t.channel, field, ...long }))
  }
  return Result.succeed({
    template: t.id,
    channel: t.channel,
    locale: t.locale,
    requestedLocale: requested,
    ...(subject === undefined ? {} : { subject }),
    body
  })
}

/**
 * Renders one template: chooses the locale (see the module's fallback rule), checks every
 * variable against its declaration and formats it (money in its currency's exponent, dates in
 * `timeZone`), fills the text, and checks the result against the channel's limits. Answers the
 * first error in the order of {@link TemplateError}; input of any shape gives a value, never a
 * throw.
 *
 * @example
 * ```ts
 * import { Templates } from "@paykit/notify-webhook"
 * const r = Templates.render(Templates.defaults, {
 *   template: "disputes.dispute.needs_response",
 *   channel: "sms",
 *   locale: "en",
 *   timeZone: "Europe/Paris",
 *   variables: { amount: { amount: "1999", currency: "EUR" }, paymentReference: "pay_123", dueAt: "2025-03-15T22:59:00Z" }
 * })
 * // Success: "A customer disputed a payment of €19.99 (ref pay_123). Respond by March 15, 2025 at 23:59 GMT+1 or the dispute is lost."
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const render = (
  catalogue: Catalogue,
  request: RenderRequest
): Result.Result<RenderedMessage, TemplateError> => {
  try {
    const index = typeof catalogue === "object" && catalogue !== null ? indexes.get(catalogue) : undefined
    if (index === undefined) return invalid("catalogue", "is not a catalogue built by Templates.make")
    return renderChecked(index, request)
  } catch (e) {
    return Result.fail(Input.unreadable("Templates.render", e))
  }
}

/**
 * Like {@link render} but throws its error. For tests and fixed messages.
 *
 * @example
 * ```ts
 * import { Templates } from "@paykit/notify-webhook"
 * Templates.renderUnsafe(Templates.defaults, {
 *   template: "settlement.payout.paid",
 *   channel: "push",
 *   locale: "en",
 *   variables: { amount: { amount: "150000", currency: "JPY" }, destination: "account ending 1234", arrivalDate: "2025-03-17" }
 * }).body // "¥150,000 is on its way to account ending 1234, expected March 17, 2025."
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const renderUnsafe = (catalogue: Catalogue, request: RenderRequest): RenderedMessage =>
  Result.getOrThrow(render(catalogue, request))

// ---------------------------------------------------------------------------------------------
// the default catalogue

/**
 * The definitions of the default catalogue, to extend: five paykit events, each on SMS, email
 * and push, in `en` and `zh-CN`, with the same variables in both languages (see
 * {@link DefaultVariables}):
 *
 * | id | variables |
 * | --- | --- |
 * | `payments.payment.succeeded` | `amount` money, `merchant` string, `reference?` string |
 * | `payments.refund.succeeded` | `amount` money, `merchant` string, `reference?` string |
 * | `settlement.payout.paid` | `amount` money, `destination` string, `arrivalDate` date |
 * | `settlement.payout.failed` | `amount` money, `destination` string, `reason` string |
 * | `disputes.dispute.needs_response` | `amount` money, `paymentReference` string, `dueAt` date and time |
 *
 * @example
 * ```ts
 * import { Templates } from "@paykit/notify-webhook"
 * Templates.defaultDefinitions.length // 30
 * ```
 * @category models
 * @since 0.1.0
 */
export const defaultDefinitions: ReadonlyArray<Definition> = defaultData.definitions

/**
 * The default catalogue, built from {@link defaultDefinitions}.
 *
 * @example
 * ```ts
 * import { Templates } from "@paykit/notify-webhook"
 * Templates.defaults.templates.length // 30
 * ```
 * @category models
 * @since 0.1.0
 */
export const defaults: Catalogue = /*#__PURE__*/ makeUnsafe(defaultData.definitions)
