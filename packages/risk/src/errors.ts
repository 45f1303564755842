import { Schema } from "effect"

/**
 * A rule condition is not valid CEL syntax. `position` is the 0-based character offset of the
 * offending token, `line` and `column` are 1-based.
 *
 * @example
 * ```ts
 * import { RuleSyntaxError } from "@paykit/risk"
 * new RuleSyntaxError({ ruleId: "big", position: 17, line: 1, column: 18, reason: "Unexpected token: EOF" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class RuleSyntaxError extends Schema.TaggedError<RuleSyntaxError>()("RuleSyntaxError", {
  ruleId: Schema.String,
  position: Schema.Number,
  line: Schema.Number,
  column: Schema.Number,
  reason: Schema.String
}) {
  override get message(): string {
    return `rule ${this.ruleId}: syntax error at line ${this.line}, column ${this.column} (offset ${this.position}): ${this.reason}`
  }
}

/**
 * A rule condition names an attribute that is not declared (a typo, a list or velocity window that
 * was not configured, a custom attribute that was not declared).
 *
 * @example
 * ```ts
 * import { UnknownAttribute } from "@paykit/risk"
 * new UnknownAttribute({ ruleId: "r1", attribute: "payment.amout", position: 8, line: 1, column: 9, reason: "No such key: amout" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class UnknownAttribute extends Schema.TaggedError<UnknownAttribute>()("UnknownAttribute", {
  ruleId: Schema.String,
  attribute: Schema.String,
  position: Schema.Number,
  line: Schema.Number,
  column: Schema.Number,
  reason: Schema.String
}) {
  override get message(): string {
    return `rule ${this.ruleId}: unknown attribute ${this.attribute} at line ${this.line}, column ${this.column}: ${this.reason}; use a declared attribute (see the catalog from Attributes.make) or declare it as a custom attribute`
  }
}

/**
 * A rule condition does not type-check against the declared attributes (`payment.amount > "x"`),
 * or it is not a boolean.
 *
 * @example
 * ```ts
 * import { RuleTypeError } from "@paykit/risk"
 * new RuleTypeError({ ruleId: "r1", position: 0, line: 1, column: 1, reason: "no such overload: int > string" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class RuleTypeError extends Schema.TaggedError<RuleTypeError>()("RuleTypeError", {
  ruleId: Schema.String,
  position: Schema.Number,
  line: Schema.Number,
  column: Schema.Number,
  reason: Schema.String
}) {
  override get message(): string {
    return `rule ${this.ruleId}: type error at line ${this.line}, column ${this.column}: ${this.reason}`
  }
}

/**
 * A rule condition is over the size limit (characters or syntax-tree nodes). Split it into
 * several rules.
 *
 * @example
 * ```ts
 * import { ExpressionTooLarge } from "@paykit/risk"
 * new ExpressionTooLarge({ ruleId: "r1", unit: "characters", size: 5000, limit: 2000, position: 2000, line: 1, column: 2001 }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class ExpressionTooLarge extends Schema.TaggedError<ExpressionTooLarge>()("ExpressionTooLarge", {
  ruleId: Schema.String,
  unit: Schema.Literals(["characters", "nodes", "depth"]),
  size: Schema.Number,
  limit: Schema.Number,
  position: Schema.Number,
  line: Schema.Number,
  column: Schema.Number
}) {
  override get message(): string {
    return `rule ${this.ruleId}: the condition is over the size limit of ${this.limit} ${this.unit} (at line ${this.line}, column ${this.column}); split it into smaller rules`
  }
}

/**
 * A valid CEL construct that the rule compiler does not support (comprehension macros such as
 * `exists`, indexing, maps, bytes, functions outside the supported list).
 *
 * @example
 * ```ts
 * import { UnsupportedExpression } from "@paykit/risk"
 * new UnsupportedExpression({ ruleId: "r1", construct: "exists()", position: 10, line: 1, column: 11 }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class UnsupportedExpression extends Schema.TaggedError<UnsupportedExpression>()(
  "UnsupportedExpression",
  {
    ruleId: Schema.String,
    construct: Schema.String,
    position: Schema.Number,
    line: Schema.Number,
    column: Schema.Number
  }
) {
  override get message(): string {
    return `rule ${this.ruleId}: ${this.construct} at line ${this.line}, column ${this.column} is not supported in rules; see the rule language in the @paykit/risk README`
  }
}

/**
 * Two rules of one rule set share an id, or a rule's pivot is not a declared string attribute,
 * or the score thresholds are out of order.
 *
 * @example
 * ```ts
 * import { InvalidRuleSet } from "@paykit/risk"
 * new InvalidRuleSet({ field: "rules[3].id", reason: 'duplicate rule id "big"' }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class InvalidRuleSet extends Schema.TaggedError<InvalidRuleSet>()("InvalidRuleSet", {
  field: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `invalid rule set at ${this.field}: ${this.reason}`
  }
}

/**
 * The velocity store could not be read or written (an adapter's database is down).
 *
 * @example
 * ```ts
 * import { VelocityStoreUnavailable } from "@paykit/risk"
 * new VelocityStoreUnavailable({ reason: "connection refused" }).message
 * ```
 * @category errors
 * @since 0.1.0
 */
export class VelocityStoreUnavailable extends Schema.TaggedError<VelocityStoreUnavailable>()(
  "VelocityStoreUnavailable",
  { reason: Schema.String }
) {
  override get message(): string {
    return `the velocity store is unavailable: ${this.reason}`
  }
}

/**
 * The list store (a database) failed; nothing was changed, retrying is safe.
 *
 * @example
 * ```ts
 * import { ListStoreUnavailable } from "@paykit/risk"
 * new ListStoreUnavailable({ reason: "connection refused" }).message
 * ```
 * @category errors
 * @since 0.2.0
 */
export class ListStoreUnavailable extends Schema.TaggedError<ListStoreUnavailable>()("ListStoreUnavailable", {
  reason: Schema.String
}) {
  override get message(): string {
    return `the list store is unavailable: ${this.reason}`
  }
}

/**
 * Every error defining a rule can fail with.
 *
 * @example
 * ```ts
 * import type { RuleDefinitionError } from "@paykit/risk"
 * const where = (e: RuleDefinitionError): string => `${e.ruleId}: ${e.message}`
 * ```
 * @category errors
 * @since 0.1.0
 */
export type RuleDefinitionError =
  | RuleSyntaxError
  | UnknownAttribute
  | RuleTypeError
  | ExpressionTooLarge
  | UnsupportedExpression
