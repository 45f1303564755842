import type { ASTNode } from "@marcbachmann/cel-js"
import { Input as CoreInput, InvalidInput } from "@paykit/core"
import { Result, Schema } from "effect"
import type { Catalog } from "./Attributes.ts"
import { type RuleDefinitionError, UnsupportedExpression } from "./errors.ts"
import { parseAndCheck, lineColumn } from "./internal/cel.ts"
import { type Compiled, compile, compileRule, type Slots } from "./internal/compile.ts"
import { Unsupported } from "./internal/compiled.ts"

/**
 * What a rule does when it hits, in Radar's classes: `allow` (let the payment through, whatever
 * else hits), `request_3ds` (challenge with 3-D Secure), `review` (send to manual review),
 * `block` (decline).
 *
 * @example
 * ```ts
 * import { Rule } from "@paykit/risk"
 * Rule.Action.literals // ["allow", "request_3ds", "review", "block"]
 * ```
 * @category models
 * @since 0.1.0
 */
export const Action = Schema.Literals(["allow", "request_3ds", "review", "block"])

/**
 * One of the rule actions.
 *
 * @example
 * ```ts
 * import type { Rule } from "@paykit/risk"
 * const a: Rule.Action = "block"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Action = typeof Action.Type

/**
 * `active` rules decide; `shadow` rules are evaluated and reported (`shadowHits`) but never
 * change the decision.
 *
 * @example
 * ```ts
 * import { Rule } from "@paykit/risk"
 * Rule.Mode.literals // ["active", "shadow"]
 * ```
 * @category models
 * @since 0.1.0
 */
export const Mode = Schema.Literals(["active", "shadow"])

/**
 * A rule's mode.
 *
 * @example
 * ```ts
 * import type { Rule } from "@paykit/risk"
 * const m: Rule.Mode = "shadow"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Mode = typeof Mode.Type

/**
 * A snooze: the rule is skipped for payments whose pivot attribute equals `value`, while
 * `now < until` (epoch milliseconds). At `until` the rule applies again.
 *
 * @example
 * ```ts
 * import { Rule } from "@paykit/risk"
 * const s: typeof Rule.Snooze.Type = { value: "cus_42", until: Date.parse("2026-12-01T00:00:00Z") }
 * ```
 * @category models
 * @since 0.1.0
 */
export const Snooze = Schema.Struct({
  value: Schema.String,
  until: Schema.Number.check(Schema.isInt())
})

/**
 * A rule as written by an analyst (JSON). `score` is the score modifier added to the decision
 * score when the rule hits (an integer from −1000 to 1000, default 0). `alert` raises a
 * `risk.alert.raised` event on a hit; `freeze` recommends freezing the customer's account.
 * `pivot` names a declared string attribute (`payment.customer_id`) that `snoozes` match.
 *
 * @example
 * ```ts
 * import type { Rule } from "@paykit/risk"
 * const rule: Rule.Input = {
 *   id: "large_new_card",
 *   description: "Large payment on a card never seen for this customer",
 *   action: "review",
 *   score: 30,
 *   condition: "payment.amount_ref > 50000 && customer.card_is_new"
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export const RuleInput = Schema.Struct({
  id: Schema.String.check(
    Schema.isPattern(/^[a-z0-9][a-z0-9_.:-]{0,63}$/, {
      message: "expected a rule id of lower-case letters, digits and _ . : - (at most 64 characters)"
    })
  ),
  description: Schema.String.check(Schema.isNonEmpty(), Schema.isMaxLength(500)),
  action: Action,
  score: Schema.optionalKey(
    Schema.Number.check(Schema.isInt(), Schema.isBetween({ minimum: -1000, maximum: 1000 }))
  ),
  condition: Schema.String.check(Schema.isNonEmpty()),
  mode: Schema.optionalKey(Mode),
  pivot: Schema.optionalKey(Schema.String),
  snoozes: Schema.optionalKey(Schema.Array(Snooze)),
  alert: Schema.optionalKey(Schema.Boolean),
  freeze: Schema.optionalKey(Schema.Boolean)
})

/**
 * The JSON shape of a rule.
 *
 * @example
 * ```ts
 * import type { Rule } from "@paykit/risk"
 * const r: Rule.Input = { id: "r", description: "d", action: "block", condition: "payment.amount_ref > 100" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type Input = typeof RuleInput.Encoded

/**
 * A defined rule: its parsed, type-checked condition and every field with defaults applied.
 * Build with {@link define}; a `Rule` always compiles.
 *
 * @example
 * ```ts
 * import { Attributes, Rule } from "@paykit/risk"
 * import { Result } from "effect"
 * const r = Result.getOrThrow(Rule.define(Attributes.standard, { id: "r", description: "d", action: "block", condition: "payment.amount_ref > 100" }))
 * r.score // 0
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Rule {
  readonly id: string
  readonly description: string
  readonly action: Action
  readonly score: number
  readonly condition: string
  readonly mode: Mode
  readonly pivot: string | undefined
  readonly snoozes: ReadonlyArray<typeof Snooze.Type>
  readonly alert: boolean
  readonly freeze: boolean
  /** The attribute paths the condition reads, in order of first use. */
  readonly reads: ReadonlyArray<string>
  /** @internal the checked syntax tree */
  readonly ast: ASTNode
  /** @internal the catalog it was checked against */
  readonly catalog: Catalog
}

const decodeRule = CoreInput.decodeResult("Rule.define", RuleInput)

/** Compiles `rule` with the given slot table (the rule set's). @internal */
export const compileWith = (rule: Rule, slots: Slots): Compiled => compileRule(rule.catalog, slots, rule.ast)

const localSlots = (): Slots & { readonly paths: Array<string> } => {
  const paths: Array<string> = []
  return {
    paths,
    slotOf: (path) => {
      const i = paths.indexOf(path)
      if (i >= 0) return i
      paths.push(path)
      return paths.length - 1
    }
  }
}

/**
 * Defines a rule: decodes the JSON, parses the condition as CEL, type-checks it against the
 * catalog's declared attributes (it must be a `bool`), enforces the size limit (2,000 characters,
 * 200 syntax nodes, depth 24) and compiles it. A syntax error, an unknown attribute, a type
 * mismatch, an oversized or unsupported expression is a typed error carrying the position
 * (offset, line, column) and the reason. Pure: returns a `Result`.
 *
 * @example
 * ```ts
 * import { Attributes, Rule } from "@paykit/risk"
 * const bad = Rule.define(Attributes.standard, { id: "r", description: "d", action: "block", condition: 'payment.amount > "x"' })
 * // Failure(RuleTypeError { position: 0, reason: "no such overload: int > string" })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const define = (
  catalog: Catalog,
  input: unknown
): Result.Result<Rule, InvalidInput | RuleDefinitionError> => {
  const decoded = decodeRule(input)
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure)
  const r = decoded.success
  const checked = parseAndCheck(catalog, r.id, r.condition)
  if ("error" in checked) return Result.fail(checked.error)
  const slots = localSlots()
  try {
    compile(catalog, slots, checked.ast)
  } catch (e) {
    if (e instanceof Unsupported) {
      return Result.fail(
        new UnsupportedExpression({
          ruleId: r.id,
          construct: e.construct,
          position: e.position,
          ...lineColumn(r.condition, e.position)
        })
      )
    }
    throw e
  }
  if (r.pivot === undefined && (r.snoozes?.length ?? 0) > 0) {
    return Result.fail(
      new InvalidInput({
        operation: "Rule.define",
        path: "snoozes",
        reason: 'snoozes match the pivot attribute: give the rule a pivot (e.g. "payment.customer_id")'
      })
    )
  }
  if (r.pivot !== undefined && catalog.attributes.get(r.pivot)?.type !== "string") {
    return Result.fail(
      new InvalidInput({
        operation: "Rule.define",
        path: "pivot",
        reason: `${JSON.stringify(r.pivot)} is not a declared string attribute (e.g. "payment.customer_id")`
      })
    )
  }
  return Result.succeed({
    id: r.id,
    description: r.description,
    action: r.action,
    score: r.score ?? 0,
    condition: r.condition,
    mode: r.mode ?? "active",
    pivot: r.pivot,
    snoozes: r.snoozes ?? [],
    alert: r.alert ?? false,
    freeze: r.freeze ?? false,
    reads: slots.paths,
    ast: checked.ast,
    catalog
  })
}

/**
 * Like {@link define} but throws its error. For built-in rule sets and tests.
 *
 * @example
 * ```ts
 * import { Attributes, Rule } from "@paykit/risk"
 * const r = Rule.defineUnsafe(Attributes.standard, { id: "r", description: "d", action: "review", condition: "customer.device_is_new" })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const defineUnsafe = (catalog: Catalog, input: unknown): Rule =>
  Result.getOrThrow(define(catalog, input))

/**
 * The rule with `snooze` added (a new rule; snoozes for other values are kept).
 *
 * @example
 * ```ts
 * import { Attributes, Rule } from "@paykit/risk"
 * const r = Rule.defineUnsafe(Attributes.standard, { id: "r", description: "d", action: "review", condition: "customer.device_is_new", pivot: "payment.customer_id" })
 * const snoozed = Rule.snooze(r, { value: "cus_1", until: 1_000 })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const snooze = (rule: Rule, s: typeof Snooze.Type): Rule => ({
  ...rule,
  snoozes: [...rule.snoozes, s]
})

/**
 * The JSON form of a rule (what {@link define} accepts), for storage and review.
 *
 * @example
 * ```ts
 * import { Attributes, Rule } from "@paykit/risk"
 * const r = Rule.defineUnsafe(Attributes.standard, { id: "r", description: "d", action: "review", condition: "customer.device_is_new" })
 * Rule.toInput(r).condition // "customer.device_is_new"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const toInput = (rule: Rule): Input => ({
  id: rule.id,
  description: rule.description,
  action: rule.action,
  score: rule.score,
  condition: rule.condition,
  mode: rule.mode,
  ...(rule.pivot === undefined ? {} : { pivot: rule.pivot }),
  snoozes: rule.snoozes,
  alert: rule.alert,
  freeze: rule.freeze
})
