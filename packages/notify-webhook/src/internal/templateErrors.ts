// The errors of the message catalogue (`Templates.make` and `Templates.render`), re-exported by
// ../Templates.ts, which documents them for users.
import type { InvalidInput } from "@paykit/core"
import * as Schema from "effect/Schema"
import { PROBLEM_CODES } from "./templateCatalogue.ts"

/**
 * One thing wrong with a template definition. `index` is its position in the definitions
 * (-1 for the list itself or the options), `template` its `id/channel/locale` as far as it
 * could be read, `field` the field (`body`, `subject`, `variables.amount`, `locale`...).
 *
 * | code | meaning |
 * | --- | --- |
 * | `InvalidShape` | not a definition: a missing or mistyped field, an unknown field, a bad variable declaration |
 * | `InvalidId` | the id is not dot-separated lowercase words |
 * | `UnknownChannel` | the channel is not `sms`, `email` or `push` |
 * | `UnknownLocale` | the locale is not a tag, or the runtime has no data for it |
 * | `EmptyBody` | the body is empty or blank |
 * | `InvalidText` | control or bidirectional characters, a lone surrogate, a line break in a subject |
 * | `UnbalancedBraces` | a `{{` never closed, or a `}}` closing nothing |
 * | `InvalidPlaceholder` | `{{ }}` around something that is not a name |
 * | `UnbalancedSection` | a `{{#x}}` never closed, or a `{{/x}}` closing nothing |
 * | `UndeclaredVariable` | a placeholder names no declared variable |
 * | `UnusedVariable` | a declared variable the text never uses |
 * | `OptionalOutsideSection` | an optional variable outside its own section |
 * | `MissingSubject` | an email without a subject, or an empty subject |
 * | `UnexpectedSubject` | an SMS with a subject |
 * | `TooLong` | over the channel's limit (SMS 3 segments, push 1,000 characters, title 100, email subject 250) |
 * | `Duplicate` | a second template with the same id, channel and locale |
 * | `InconsistentVariables` | two locales of one template declare different variables |
 * | `MissingDefaultLocale` | a template without a version in the default locale |
 *
 * @example
 * ```ts
 * import { Templates } from "@paykit/notify-webhook"
 * const p: Templates.Problem = { index: 0, template: "a.b/sms/en", field: "body", code: "EmptyBody", reason: "is empty" }
 * ```
 * @category models
 * @since 0.1.0
 */
export const Problem = /*#__PURE__*/ Schema.Struct({
  index: Schema.Number,
  template: Schema.String,
  field: Schema.String,
  code: Schema.Literals(PROBLEM_CODES),
  reason: Schema.String
})

/**
 * One thing wrong with a template definition (see the `Problem` schema for the codes).
 *
 * @category models
 * @since 0.1.0
 */
export type Problem = typeof Problem.Type

/**
 * The definitions cannot make a catalogue. `problems` lists every problem found (at most 200;
 * `omitted` counts the rest), each naming the definition, the field and the reason. Nothing is
 * built: fix them all and call `Templates.make` again.
 *
 * @example
 * ```ts
 * import { Templates } from "@paykit/notify-webhook"
 * new Templates.InvalidTemplate({
 *   problems: [{ index: 0, template: "a.b/sms/en", field: "body", code: "EmptyBody", reason: "is empty" }],
 *   omitted: 0
 * }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class InvalidTemplate extends Schema.TaggedError<InvalidTemplate>()("InvalidTemplate", {
  problems: Schema.Array(Problem),
  omitted: Schema.Number
}) {
  override get message(): string {
    const lines = this.problems.map((p) => `  ${p.template} ${p.field}: ${p.code}: ${p.reason}`)
    if (this.omitted > 0) lines.push(`  …and ${this.omitted} more`)
    const n = this.problems.length + this.omitted
    return `${n} problem${n === 1 ? "" : "s"} in the template definitions; nothing was built, fix them and call Templates.make again:\n${lines.join("\n")}`
  }
}

/**
 * No template serves the request: no template has this id, or none has it on this channel.
 *
 * @example
 * ```ts
 * import { Templates } from "@paykit/notify-webhook"
 * new Templates.TemplateNotFound({ template: "a.b", channel: "sms", locale: "en", reason: "no template has this id" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class TemplateNotFound extends Schema.TaggedError<TemplateNotFound>()("TemplateNotFound", {
  template: Schema.String,
  channel: Schema.String,
  locale: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `no template "${this.template}" for ${this.channel} in ${this.locale}: ${this.reason}`
  }
}

/**
 * The variables name one the template does not declare (often a typo of a declared one).
 *
 * @example
 * ```ts
 * import { Templates } from "@paykit/notify-webhook"
 * new Templates.UnknownVariable({ template: "a.b", variable: "amout", declared: ["amount"] }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class UnknownVariable extends Schema.TaggedError<UnknownVariable>()("UnknownVariable", {
  template: Schema.String,
  variable: Schema.String,
  declared: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `${this.template}: "${this.variable}" is not one of its variables (${this.declared.join(", ") || "none"}); remove it or correct the name`
  }
}

/**
 * A required variable was not given.
 *
 * @example
 * ```ts
 * import { Templates } from "@paykit/notify-webhook"
 * new Templates.MissingVariable({ template: "a.b", variable: "amount", kind: "money" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class MissingVariable extends Schema.TaggedError<MissingVariable>()("MissingVariable", {
  template: Schema.String,
  variable: Schema.String,
  kind: Schema.String
}) {
  override get message(): string {
    return `${this.template}: the ${this.kind} variable "${this.variable}" is required; pass it in variables`
  }
}

/**
 * A variable's value does not fit its kind: a number where money is expected, malformed minor
 * units, an unknown currency, a date that is not ISO 8601, a string with a line break...
 *
 * @example
 * ```ts
 * import { Templates } from "@paykit/notify-webhook"
 * new Templates.InvalidVariable({ template: "a.b", variable: "amount", kind: "money", reason: "amount is the number 12.5" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class InvalidVariable extends Schema.TaggedError<InvalidVariable>()("InvalidVariable", {
  template: Schema.String,
  variable: Schema.String,
  kind: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `${this.template}: the ${this.kind} variable "${this.variable}" cannot be used: ${this.reason}`
  }
}

/**
 * The rendered message is over its channel's limit (the variables made it so). Shorten the
 * values, or send on a channel that takes longer text.
 *
 * @example
 * ```ts
 * import { Templates } from "@paykit/notify-webhook"
 * new Templates.MessageTooLong({ template: "a.b", channel: "sms", field: "body", limit: "3 SMS segments", length: "4 segments" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class MessageTooLong extends Schema.TaggedError<MessageTooLong>()("MessageTooLong", {
  template: Schema.String,
  channel: Schema.String,
  field: Schema.String,
  limit: Schema.String,
  length: Schema.String
}) {
  override get message(): string {
    return `${this.template}: the rendered ${this.channel} ${this.field} is ${this.length}, over the limit of ${this.limit}; shorten the variables' values`
  }
}

/**
 * Every error `Templates.render` returns, in the order it checks for them (it answers the first):
 * `InvalidInput` (the request or the catalogue is not of the right shape: `path` names the
 * field), `TemplateNotFound`, `UnknownVariable`, `MissingVariable` and `InvalidVariable` (in
 * declaration order), `MessageTooLong`.
 *
 * @category errors
 * @since 0.1.0
 */
export type TemplateError =
  | InvalidInput
  | TemplateNotFound
  | UnknownVariable
  | MissingVariable
  | InvalidVariable
  | MessageTooLong
