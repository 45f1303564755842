import type { InvalidInput } from "@paykit/core"
import { Result, Schema } from "effect"
import type { AttributeType, Catalog } from "./Attributes.ts"
import { InvalidRuleSet, type RuleDefinitionError } from "./errors.ts"
import type { Fn, Leaf } from "./internal/compiled.ts"
import { noteFor, type Program, program } from "./internal/program.ts"
import * as Rule from "./Rule.ts"

/**
 * Score thresholds: a decision score at or above `review` is `review`, at or above `block` is
 * `block` (integers, `review ≤ block`).
 *
 * @example
 * ```ts
 * import type { RuleSet } from "@paykit/risk"
 * const t: RuleSet.Thresholds = { review: 50, block: 100 }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Thresholds {
  readonly review: number
  readonly block: number
}

/**
 * What an erroring rule (a missing attribute, an overflow at run time) does: `skip` (default)
 * counts it as not hit; `review` makes an erroring active `review` or `block` rule count as a
 * `review` hit. Either way it is listed in the decision's `errors`.
 *
 * @example
 * ```ts
 * import type { RuleSet } from "@paykit/risk"
 * const e: RuleSet.OnError = "review"
 * ```
 * @category models
 * @since 0.1.0
 */
export type OnError = "skip" | "review"

/**
 * The evaluation order of the action classes (Radar's): 3-D Secure rules first, then allow,
 * block and review. Within a class rules run in id order, so the order rules are given in never
 * matters.
 *
 * @example
 * ```ts
 * import { RuleSet } from "@paykit/risk"
 * RuleSet.CLASS_ORDER // ["request_3ds", "allow", "block", "review"]
 * ```
 * @category models
 * @since 0.1.0
 */
export const CLASS_ORDER: ReadonlyArray<Rule.Action> = ["request_3ds", "allow", "block", "review"]

/** @internal slots read from one object: `parent` is its path, each leaf a key of it */
export interface SlotGroup {
  readonly parent: ReadonlyArray<string>
  readonly slots: ReadonlyArray<number>
  readonly keys: ReadonlyArray<string>
  /** 0 int, 1 double, 2 string, 3 bool, 4 list<string> */
  readonly codes: ReadonlyArray<number>
}

const CODES: Record<AttributeType, number> = { int: 0, double: 1, string: 2, bool: 3, "list<string>": 4 }

/** @internal a rule compiled against the rule set's slot table */
export interface CompiledRule {
  readonly rule: Rule.Rule
  readonly fn: Fn
  /** the condition as one leaf, run by the decision loop without a closure call */
  readonly leaf: Leaf | undefined
  /** the condition as a junction of leaves (`stop`: false for &&, true for ||) */
  readonly leaves: ReadonlyArray<Leaf> | undefined
  readonly stop: boolean
  readonly cls: number
  readonly active: boolean
  readonly pivotSlot: number
  /** a pivot and at least one snooze */
  readonly snoozable: boolean
  readonly readSlots: ReadonlyArray<number>
}

/**
 * A set of rules compiled together: the rules in evaluation order, the score thresholds and the
 * error policy. Immutable; build with {@link make}.
 *
 * @example
 * ```ts
 * import { Attributes, RuleSet } from "@paykit/risk"
 * const set = RuleSet.makeUnsafe(Attributes.standard, { rules: [], thresholds: { review: 50, block: 100 } })
 * ```
 * @category models
 * @since 0.1.0
 */
export interface RuleSet {
  readonly catalog: Catalog
  readonly rules: ReadonlyArray<Rule.Rule>
  readonly thresholds: Thresholds
  readonly onError: OnError
  /** @internal attribute path of each frame slot */
  readonly paths: ReadonlyArray<string>
  /** @internal path segments of each frame slot */
  readonly segments: ReadonlyArray<ReadonlyArray<string>>
  /** @internal declared type of each frame slot */
  readonly types: ReadonlyArray<AttributeType>
  /** @internal the slots grouped by the object that holds them, for one lookup per object */
  readonly groups: ReadonlyArray<SlotGroup>
  /** @internal */
  readonly compiled: ReadonlyArray<CompiledRule>
  /** @internal the rules and the frame lookup as generated code (or interpreted, as a fallback) */
  readonly program: Program
  /** @internal scratch space for `program.run` (decisions are synchronous) */
  readonly scratch: Array<unknown>
  /** The velocity features the rules read, per key kind (`card` → `count_1h`, ...). */
  readonly velocityFeatures: ReadonlyMap<string, ReadonlySet<string>>
}

/**
 * The options of {@link make}: rules (JSON inputs or defined rules), thresholds (default
 * `{ review: 50, block: 100 }`) and the error policy (default `skip`).
 *
 * @example
 * ```ts
 * import type { RuleSet } from "@paykit/risk"
 * const o: RuleSet.Options = { rules: [], thresholds: { review: 40, block: 90 }, onError: "review" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly rules: ReadonlyArray<Rule.Input | Rule.Rule>
  readonly thresholds?: Thresholds
  readonly onError?: OnError
}

/**
 * The default thresholds: review from 50, block from 100.
 *
 * @example
 * ```ts
 * import { RuleSet } from "@paykit/risk"
 * RuleSet.defaultThresholds.block // 100
 * ```
 * @category models
 * @since 0.1.0
 */
export const defaultThresholds: Thresholds = { review: 50, block: 100 }

const isRule = (r: Rule.Input | Rule.Rule): r is Rule.Rule => "ast" in r

/**
 * Defines every rule (see `Rule.define`) and compiles them together into one frame layout.
 * Fails on the first rule that does not define (its id and position in the error), on a
 * duplicate id, on a rule defined against another catalog, or on thresholds with
 * `review > block`.
 *
 * @example
 * ```ts
 * import { Attributes, RuleSet } from "@paykit/risk"
 * const set = RuleSet.make(Attributes.standard, {
 *   rules: [{ id: "big", description: "Big payment", action: "review", condition: "payment.amount_ref >= 1000000" }]
 * })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (
  catalog: Catalog,
  options: Options
): Result.Result<RuleSet, InvalidInput | RuleDefinitionError | InvalidRuleSet> => {
  const thresholds = options.thresholds ?? defaultThresholds
  if (
    !Number.isSafeInteger(thresholds.review) ||
    !Number.isSafeInteger(thresholds.block) ||
    thresholds.review > thresholds.block
  ) {
    return Result.fail(
      new InvalidRuleSet({
        field: "thresholds",
        reason: `expected integers with review ≤ block, got review ${thresholds.review} and block ${thresholds.block}`
      })
    )
  }
  const rules: Array<Rule.Rule> = []
  const ids = new Set<string>()
  for (const [i, input] of options.rules.entries()) {
    let rule: Rule.Rule
    if (isRule(input)) {
      if (input.catalog !== catalog)
        return Result.fail(
          new InvalidRuleSet({
            field: `rules[${i}]`,
            reason: `rule ${input.id} was defined against another attribute catalog; define it again`
          })
        )
      rule = input
    } else {
      const defined = Rule.define(catalog, input)
      if (Result.isFailure(defined)) return Result.fail(defined.failure)
      rule = defined.success
    }
    if (ids.has(rule.id))
      return Result.fail(
        new InvalidRuleSet({ field: `rules[${i}].id`, reason: `duplicate rule id "${rule.id}"` })
      )
    ids.add(rule.id)
    rules.push(rule)
  }
  return Result.succeed(assemble(catalog, rules, thresholds, options.onError ?? "skip"))
}

/**
 * Like {@link make} but throws its error. For built-in rule sets and tests.
 *
 * @example
 * ```ts
 * import { Attributes, RuleSet } from "@paykit/risk"
 * const set = RuleSet.makeUnsafe(Attributes.standard, { rules: [] })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const makeUnsafe = (catalog: Catalog, options: Options): RuleSet =>
  Result.getOrThrow(make(catalog, options))

const velocityFeaturesOf = (paths: ReadonlyArray<string>): ReadonlyMap<string, ReadonlySet<string>> => {
  const out = new Map<string, Set<string>>()
  for (const p of paths) {
    const [ns, kind, feature] = p.split(".")
    if (ns !== "velocity" || kind === undefined || feature === undefined) continue
    const s = out.get(kind) ?? new Set<string>()
    s.add(feature)
    out.set(kind, s)
  }
  return out
}

const byClassThenId = (a: Rule.Rule, b: Rule.Rule): number =>
  CLASS_ORDER.indexOf(a.action) - CLASS_ORDER.indexOf(b.action) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

const assemble = (
  catalog: Catalog,
  given: ReadonlyArray<Rule.Rule>,
  thresholds: Thresholds,
  onError: OnError
): RuleSet => {
  const rules = [...given].sort(byClassThenId)
  const paths: Array<string> = []
  const index = new Map<string, number>()
  const slotOf = (path: string): number => {
    const i = index.get(path)
    if (i !== undefined) return i
    paths.push(path)
    index.set(path, paths.length - 1)
    return paths.length - 1
  }
  const compiled = rules.map((rule): CompiledRule => {
    const c = Rule.compileWith(rule, { slotOf })
    return {
      rule,
      fn: c.fn,
      leaf: c.leaf,
      leaves: c.junction?.leaves,
      stop: c.junction?.stop ?? false,
      cls: CLASS_ORDER.indexOf(rule.action),
      active: rule.mode === "active",
      pivotSlot: rule.pivot === undefined ? -1 : slotOf(rule.pivot),
      snoozable: rule.pivot !== undefined && rule.snoozes.length > 0,
      readSlots: rule.reads.map(slotOf)
    }
  })
  const types = paths.map((p) => catalog.attributes.get(p)!.type)
  const byParent = new Map<
    string,
    { parent: Array<string>; slots: Array<number>; keys: Array<string>; codes: Array<number> }
  >()
  paths.forEach((p, slot) => {
    const segs = p.split(".")
    const parent = segs.slice(0, -1)
    const k = parent.join(".")
    const g = byParent.get(k) ?? { parent, slots: [], keys: [], codes: [] }
    g.slots.push(slot)
    g.keys.push(segs[segs.length - 1]!)
    g.codes.push(CODES[types[slot]!])
    byParent.set(k, g)
  })
  const groups = [...byParent.values()]
  return {
    catalog,
    rules,
    thresholds,
    onError,
    paths,
    segments: paths.map((p) => p.split(".")),
    types,
    groups,
    compiled,
    program: program(compiled, groups, paths.length, noteFor(paths, types)),
    scratch: new Array<unknown>(2 * compiled.length).fill(0),
    velocityFeatures: velocityFeaturesOf(paths)
  }
}

/**
 * The rule set with `rules` replaced or added (by id) — for promoting a shadow rule, changing a
 * threshold-adjacent score, or snoozing. The other rules are unchanged.
 *
 * @example
 * ```ts
 * import { Attributes, Rule, RuleSet } from "@paykit/risk"
 * declare const set: RuleSet.RuleSet
 * const promoted = RuleSet.withRules(set, set.rules.map((r) => ({ ...r, mode: "active" as const })))
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const withRules = (set: RuleSet, rules: ReadonlyArray<Rule.Rule>): RuleSet => {
  const replaced = new Map(set.rules.map((r) => [r.id, r]))
  for (const r of rules) replaced.set(r.id, r)
  return assemble(set.catalog, [...replaced.values()], set.thresholds, set.onError)
}

/**
 * The rule set with a snooze added to one rule: that rule is skipped for payments whose pivot
 * equals `value` until `until` (exclusive). Unknown ids or rules without a pivot are refused.
 *
 * @example
 * ```ts
 * import { RuleSet } from "@paykit/risk"
 * declare const set: RuleSet.RuleSet
 * const snoozed = RuleSet.snooze(set, "large_payment", { value: "cus_42", until: Date.parse("2026-12-01T00:00:00Z") })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const snooze = (
  set: RuleSet,
  ruleId: string,
  s: typeof Rule.Snooze.Type
): Result.Result<RuleSet, InvalidRuleSet> => {
  const rule = set.rules.find((r) => r.id === ruleId)
  if (rule === undefined)
    return Result.fail(new InvalidRuleSet({ field: "ruleId", reason: `no rule "${ruleId}"` }))
  if (rule.pivot === undefined)
    return Result.fail(
      new InvalidRuleSet({
        field: "ruleId",
        reason: `rule "${ruleId}" has no pivot, so it cannot be snoozed per value`
      })
    )
  return Result.succeed(withRules(set, [Rule.snooze(rule, s)]))
}

/**
 * The JSON schema of a whole rule set, for storing it.
 *
 * @example
 * ```ts
 * import { RuleSet } from "@paykit/risk"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(RuleSet.Json)({ rules: [], thresholds: { review: 50, block: 100 } })
 * ```
 * @category models
 * @since 0.1.0
 */
export const Json = Schema.Struct({
  rules: Schema.Array(Rule.RuleInput),
  thresholds: Schema.optionalKey(
    Schema.Struct({ review: Schema.Number.check(Schema.isInt()), block: Schema.Number.check(Schema.isInt()) })
  ),
  onError: Schema.optionalKey(Schema.Literals(["skip", "review"]))
})
