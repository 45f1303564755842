import type { Values } from "./Attributes.ts"
import { Err } from "./internal/compiled.ts"
import type * as Rule from "./Rule.ts"
import type { RuleSet, Thresholds } from "./RuleSet.ts"

/**
 * The outcome of a decision: `approve`, `challenge` (request 3-D Secure, then approve),
 * `review` (manual review) or `block`.
 *
 * @example
 * ```ts
 * import type { Decision } from "@paykit/risk"
 * const o: Decision.Outcome = "challenge"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Outcome = "approve" | "challenge" | "review" | "block"

/**
 * The outcome the score alone gives.
 *
 * @example
 * ```ts
 * import type { Decision } from "@paykit/risk"
 * const o: Decision.ScoreOutcome = "review"
 * ```
 * @category models
 * @since 0.1.0
 */
export type ScoreOutcome = "approve" | "review" | "block"

/**
 * A rule that hit, with its reason: the rule's description and the values of the attributes
 * its condition reads.
 *
 * @example
 * ```ts
 * import type { Decision } from "@paykit/risk"
 * const h: Decision.Hit = { ruleId: "big", action: "review", score: 30, alert: false, freeze: false, reason: "Big payment (payment.amount_ref = 2500000)" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Hit {
  readonly ruleId: string
  readonly action: Rule.Action
  readonly score: number
  readonly alert: boolean
  readonly freeze: boolean
  readonly reason: string
}

/**
 * A rule that could not be evaluated (a missing or mistyped attribute, an overflow, a division
 * by zero), with the reason. It counts as not hit (or as a review hit under `onError: "review"`).
 *
 * @example
 * ```ts
 * import type { Decision } from "@paykit/risk"
 * const e: Decision.RuleError = { ruleId: "geo", reason: "attribute payment.ip_country is missing" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface RuleError {
  readonly ruleId: string
  readonly reason: string
}

/**
 * A decision: the outcome, the score and what the score alone gives, whether 3-D Secure is
 * requested, every active rule that hit (`hits`, in evaluation order), the shadow rules that
 * would have hit, the rules that errored or were snoozed, and the actions beyond the decision:
 * `alerts` (hits of rules with `alert`) and `freeze` (a hit rule recommends freezing the account).
 *
 * @example
 * ```ts
 * import type { Decision } from "@paykit/risk"
 * const blocked = (d: Decision.Decision): boolean => d.outcome === "block"
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Decision {
  readonly outcome: Outcome
  readonly score: number
  readonly scoreOutcome: ScoreOutcome
  readonly requestThreeDS: boolean
  readonly hits: ReadonlyArray<Hit>
  readonly shadowHits: ReadonlyArray<Hit>
  readonly errors: ReadonlyArray<RuleError>
  readonly snoozed: ReadonlyArray<string>
  readonly alerts: ReadonlyArray<Hit>
  readonly freeze: boolean
}

/**
 * The outcome of a score: `block` at or above `thresholds.block`, else `review` at or above
 * `thresholds.review`, else `approve`. Monotone in the score and in each threshold.
 *
 * @example
 * ```ts
 * import { Decision } from "@paykit/risk"
 * Decision.scoreOutcome(60, { review: 50, block: 100 }) // "review"
 * ```
 * @category math
 * @since 0.1.0
 */
export const scoreOutcome = (score: number, thresholds: Thresholds): ScoreOutcome =>
  score >= thresholds.block ? "block" : score >= thresholds.review ? "review" : "approve"

/**
 * Which action classes hit (active rules only).
 *
 * @example
 * ```ts
 * import type { Decision } from "@paykit/risk"
 * const c: Decision.Classes = { allow: false, requestThreeDS: true, review: false, block: false }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Classes {
  readonly allow: boolean
  readonly requestThreeDS: boolean
  readonly review: boolean
  readonly block: boolean
}

const RANK: Record<ScoreOutcome, number> = { approve: 0, review: 1, block: 2 }

/**
 * Combines the action classes that hit with the score outcome, exactly:
 *
 * 1. an `allow` hit wins over everything else: the outcome is `approve`, or `challenge` when a
 *    `request_3ds` rule also hit (3-D Secure is evaluated first and the rest still runs);
 * 2. otherwise the outcome is the highest of the score outcome and the action classes that hit
 *    (`block` > `review` > `approve`): a rule hit can only raise the outcome, never lower it;
 * 3. an `approve` from step 2 becomes `challenge` when a `request_3ds` rule hit.
 *
 * @example
 * ```ts
 * import { Decision } from "@paykit/risk"
 * Decision.combine({ allow: false, requestThreeDS: true, review: false, block: false }, "approve") // "challenge"
 * Decision.combine({ allow: true, requestThreeDS: false, review: false, block: true }, "block") // "approve"
 * ```
 * @category math
 * @since 0.1.0
 */
export const combine = (classes: Classes, fromScore: ScoreOutcome): Outcome => {
  if (classes.allow) return classes.requestThreeDS ? "challenge" : "approve"
  let rank = RANK[fromScore]
  if (classes.block) rank = 2
  else if (classes.review && rank < 1) rank = 1
  if (rank === 2) return "block"
  if (rank === 1) return "review"
  return classes.requestThreeDS ? "challenge" : "approve"
}

/**
 * Whether a rule is snoozed for a pivot value at `now`: one of its snoozes names that value and
 * `now < until`.
 *
 * @example
 * ```ts
 * import { Decision } from "@paykit/risk"
 * declare const rule: import("@paykit/risk").Rule.Rule
 * Decision.isSnoozed(rule, "cus_1", Date.now())
 * ```
 * @category guards
 * @since 0.1.0
 */
export const isSnoozed = (rule: Rule.Rule, pivotValue: unknown, now: number): boolean => {
  for (const s of rule.snoozes) if (s.value === pivotValue && now < s.until) return true
  return false
}

const EMPTY: ReadonlyArray<never> = []

/**
 * One payment's attribute values, in the order the rule set reads them (its slots).
 *
 * @category models
 * @since 0.1.0
 */
export type Frame = ReadonlyArray<unknown>

/**
 * A prepared frame: the values a rule set reads, looked up once. Build with {@link frame} when
 * the same values are decided against many times (backtests, benchmarks).
 *
 * @example
 * ```ts
 * import type { Decision } from "@paykit/risk"
 * declare const f: Decision.PreparedFrame
 * f.problems.size // attributes that were present but of the wrong type
 * ```
 * @category models
 * @since 0.1.0
 */
export interface PreparedFrame {
  readonly values: Frame
  readonly problems: ReadonlyMap<number, string>
}

/**
 * Looks up every attribute the rule set reads in `values`. Missing ones stay missing; a value of
 * the wrong type (a `number` where an `int` is declared) is treated as missing and noted.
 *
 * @example
 * ```ts
 * import { Attributes, Decision, RuleSet } from "@paykit/risk"
 * const set = RuleSet.makeUnsafe(Attributes.standard, { rules: [] })
 * const f = Decision.frame(set, { payment: { amount_ref: 100n } })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const frame = (set: RuleSet, values: Values): PreparedFrame => set.program.prepare(values)

/** `String(x)`, or `[object Object]` for values without one (a null-prototype object in a set). */
const text = (x: unknown): string => {
  try {
    return String(x)
  } catch {
    return Object.prototype.toString.call(x)
  }
}

/**
 * A value as a hit's reason shows it. A list (a block list, an allow list) shows its size only:
 * its entries are other customers' e-mails, IPs and card fingerprints, and a reason travels in
 * alerts to people who must not see them. A membership test names the list and shows the tested
 * value through that value's own attribute.
 */
const show = (x: unknown): string =>
  x instanceof Set
    ? `a list of ${x.size} ${x.size === 1 ? "value" : "values"}`
    : typeof x === "string"
      ? JSON.stringify(x)
      : text(x)

/** A hit whose reason is written when first read (most hits are never shown). */
class LazyHit implements Hit {
  readonly ruleId: string
  readonly action: Rule.Action
  readonly score: number
  readonly alert: boolean
  readonly freeze: boolean
  #reason: string | undefined
  readonly #set: RuleSet
  readonly #c: RuleSet["compiled"][number]
  readonly #v: Frame
  constructor(set: RuleSet, c: RuleSet["compiled"][number], v: Frame) {
    this.ruleId = c.rule.id
    this.action = c.rule.action
    this.score = c.rule.score
    this.alert = c.rule.alert
    this.freeze = c.rule.freeze
    this.#set = set
    this.#c = c
    this.#v = v
  }
  get reason(): string {
    if (this.#reason === undefined) {
      let values = ""
      for (const slot of this.#c.readSlots) {
        const x = this.#v[slot]
        values += `${values === "" ? "" : ", "}${this.#set.paths[slot]} = ${x === undefined ? "missing" : show(x)}`
      }
      this.#reason = values === "" ? this.#c.rule.description : `${this.#c.rule.description} (${values})`
    }
    return this.#reason
  }
  toJSON(): Hit {
    return {
      ruleId: this.ruleId,
      action: this.action,
      score: this.score,
      alert: this.alert,
      freeze: this.freeze,
      reason: this.reason
    }
  }
}

const hitOf = (set: RuleSet, c: RuleSet["compiled"][number], v: Frame): Hit => new LazyHit(set, c, v)

const errorReason = (set: RuleSet, f: PreparedFrame, e: unknown): string => {
  if (e instanceof Err) {
    if (e.slot < 0) return e.reason
    return f.problems.get(e.slot) ?? `attribute ${set.paths[e.slot]} is missing`
  }
  if (e === undefined || e === null || typeof e !== "object")
    return `the condition gave ${String(e)}, not a bool`
  return `evaluation failed: ${e instanceof Error ? e.message : String(e)}`
}

/** Runs one rule: its result, or the thrown exception wrapped (only on the safe path). */
const runSafely = (fn: (v: Frame) => unknown, v: Frame): unknown => {
  try {
    return fn(v)
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e))
  }
}

/** The safe path: every rule through its closure, each one guarded. */
const runGuarded = (set: RuleSet, v: Frame, out: Array<unknown>): number => {
  const compiled = set.compiled
  let n = 0
  for (let i = 0; i < compiled.length; i++) {
    const c = compiled[i]!
    const r = runSafely(c.fn, v)
    if (r !== false || c.snoozable) {
      out[n] = i
      out[n + 1] = r
      n += 2
    }
  }
  return n
}

/**
 * Decides on a prepared frame at `now`. Pure: the same rule set, frame and time always give the
 * same decision. Never throws for any values: a rule that cannot be evaluated is listed in
 * `errors`.
 *
 * @example
 * ```ts
 * import { Attributes, Decision, RuleSet } from "@paykit/risk"
 * const set = RuleSet.makeUnsafe(Attributes.standard, { rules: [] })
 * Decision.decideFrame(set, Decision.frame(set, {}), 0).outcome // "approve"
 * ```
 * @category math
 * @since 0.1.0
 */
export const decideFrame = (set: RuleSet, f: PreparedFrame, now: number): Decision => {
  // Compiled rules return errors as values; an exception means a bug or a value of an
  // unexpected shape: then run again, guarding each rule.
  const out = set.scratch
  let n: number
  try {
    n = set.program.run(f.values, out)
  } catch {
    const guarded = new Array<unknown>(out.length)
    return evaluate(set, f, now, guarded, runGuarded(set, f.values, guarded))
  }
  return evaluate(set, f, now, out, n)
}

/**
 * The decision from the rules' results: `out[0 .. n)` holds pairs (rule index, result) in
 * evaluation order for the rules that did not give `false`, and for every snoozable rule.
 */
const evaluate = (set: RuleSet, f: PreparedFrame, now: number, out: Array<unknown>, n: number): Decision => {
  const v = f.values
  let score = 0
  let allow = false
  let threeDS = false
  let review = false
  let block = false
  let freeze = false
  /** Alerts and freeze recommendations of block and review rules, which an allow hit overrides. */
  let overridableFreeze = false
  let overridable = 0
  let hits: Array<Hit> | undefined
  let shadowHits: Array<Hit> | undefined
  let errors: Array<RuleError> | undefined
  let snoozed: Array<string> | undefined
  let alerts: Array<Hit> | undefined
  const compiled = set.compiled
  for (let p = 0; p < n; p += 2) {
    const c = compiled[out[p] as number]!
    const r = out[p + 1]
    if (c.snoozable && isSnoozed(c.rule, v[c.pivotSlot], now)) {
      if (snoozed === undefined) snoozed = []
      snoozed.push(c.rule.id)
      continue
    }
    if (r === false) continue
    if (r !== true) {
      if (errors === undefined) errors = []
      errors.push({ ruleId: c.rule.id, reason: errorReason(set, f, r) })
      if (set.onError === "review" && c.active && c.cls >= 2) review = true
      continue
    }
    const h = hitOf(set, c, v)
    if (!c.active) {
      if (shadowHits === undefined) shadowHits = []
      shadowHits.push(h)
      continue
    }
    if (hits === undefined) hits = []
    hits.push(h)
    score += c.rule.score
    if (c.rule.alert) {
      if (alerts === undefined) alerts = []
      alerts.push(h)
      if (c.cls >= 2) overridable++
    }
    if (c.rule.freeze) {
      if (c.cls >= 2) overridableFreeze = true
      else freeze = true
    }
    switch (c.cls) {
      case 0:
        threeDS = true
        break
      case 1:
        allow = true
        break
      case 2:
        block = true
        break
      default:
        review = true
    }
  }
  const fromScore = scoreOutcome(score, set.thresholds)
  // an allow hit overrides block and review rules, their alerts and freeze recommendations with
  // them: a payment the platform lets through does not alert or freeze as if it had blocked it
  if (allow) {
    if (alerts !== undefined && overridable > 0) {
      alerts = alerts.filter((h) => h.action === "allow" || h.action === "request_3ds")
    }
  } else if (overridableFreeze) freeze = true
  return {
    outcome: combine({ allow, requestThreeDS: threeDS, review, block }, fromScore),
    score,
    scoreOutcome: fromScore,
    requestThreeDS: threeDS,
    hits: hits ?? EMPTY,
    shadowHits: shadowHits ?? EMPTY,
    errors: errors ?? EMPTY,
    snoozed: snoozed ?? EMPTY,
    alerts: alerts ?? EMPTY,
    freeze
  }
}

/**
 * Decides on a payment's attribute values at `now`: the pure decision function. The values are
 * the payment, the customer profile, the lists and the precomputed velocity features (see
 * `Features.compute`).
 *
 * @example
 * ```ts
 * import { Attributes, Decision, RuleSet } from "@paykit/risk"
 * const set = RuleSet.makeUnsafe(Attributes.standard, {
 *   rules: [{ id: "big", description: "Big payment", action: "review", condition: "payment.amount_ref >= 1000000" }]
 * })
 * Decision.decide(set, { payment: { amount_ref: 2_500_000n } }, Date.now()).outcome // "review"
 * ```
 * @category math
 * @since 0.1.0
 */
export const decide = (set: RuleSet, values: Values, now: number): Decision =>
  decideFrame(set, frame(set, values), now)
