import { Currency, Input, type InvalidInput } from "@paykit/core"
import { Result, Schema } from "effect"
import * as Decision from "./Decision.ts"
import type { InvalidRuleSet, RuleDefinitionError } from "./errors.ts"
import * as Features from "./Features.ts"
import * as Rule from "./Rule.ts"
import * as RuleSet from "./RuleSet.ts"
import * as Velocity from "./Velocity.ts"
import { DEFAULT_CAP, Histories } from "./VelocityStore.ts"

/**
 * What a historical payment turned out to be: `fraud` (charged back or confirmed) or `legit`.
 *
 * @category schemas
 * @since 0.3.0
 */
export const Label = Schema.Literals(["fraud", "legit"])

/**
 * A historical payment (JSON): the payment, when it happened (epoch ms), optionally the
 * customer's profile at the time, whether it was declined, and a label once known.
 *
 * @example
 * ```ts
 * import type { Backtest } from "@paykit/risk"
 * const h: Backtest.HistoricalInput = { at: 0, payment: { id: "pay_1", amount: { amount: "1250", currency: "USD" } }, label: "legit" }
 * ```
 * @category models
 * @since 0.1.0
 */
export const Historical: Schema.Struct<{
  readonly at: Schema.Number
  readonly payment: typeof Features.Payment
  readonly customer: Schema.optionalKey<typeof Features.Profile>
  readonly declined: Schema.optionalKey<Schema.Boolean>
  readonly label: Schema.optionalKey<typeof Label>
}> = Schema.Struct({
  at: Schema.Number.check(Schema.isInt(), Schema.isGreaterThanOrEqualTo(0)),
  payment: Features.Payment,
  customer: Schema.optionalKey(Features.Profile),
  declined: Schema.optionalKey(Schema.Boolean),
  label: Schema.optionalKey(Label)
})

/**
 * The JSON shape of a historical payment.
 *
 * @example
 * ```ts
 * import type { Backtest } from "@paykit/risk"
 * const h: Backtest.HistoricalInput = { at: 0, payment: { id: "pay_1", amount: { amount: "1250", currency: "USD" } } }
 * ```
 * @category models
 * @since 0.1.0
 */
export type HistoricalInput = typeof Historical.Encoded

/**
 * Per-rule counts: active hits, shadow hits, errors, and hits on payments labelled fraud / legit.
 *
 * @example
 * ```ts
 * import type { Backtest } from "@paykit/risk"
 * const precision = (s: Backtest.RuleStats) => s.fraudHits / Math.max(1, s.fraudHits + s.legitHits)
 * ```
 * @category models
 * @since 0.1.0
 */
export interface RuleStats {
  hits: number
  shadowHits: number
  errors: number
  fraudHits: number
  legitHits: number
}

/**
 * A backtest report: how many payments were replayed (and which were invalid), the outcomes,
 * per-rule counts, `overlap[a][b]` (payments both rules hit, active or shadow), every decision,
 * and — with a candidate rule — how many decisions it would change and how.
 *
 * @example
 * ```ts
 * import type { Backtest } from "@paykit/risk"
 * const blocked = (r: Backtest.Report) => r.outcomes.block
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Report {
  readonly payments: number
  /** Valid payments per label (`unlabelled`: no label given). */
  readonly labels: Readonly<Record<LabelOrNone, number>>
  /** Outcome × label: how many payments of each label got each outcome. */
  readonly matrix: Readonly<Record<Decision.Outcome, Readonly<Record<LabelOrNone, number>>>>
  /** The same in amounts: reference-currency minor units (payments without one count 0). */
  readonly amounts: Readonly<Record<Decision.Outcome, Readonly<Record<LabelOrNone, bigint>>>>
  /**
   * Blocking as a fraud screen, over labelled payments: `caught` the fraud blocked (count and
   * amount), `wronglyBlocked` the legit blocked, `precision` = fraud blocked / labelled blocked
   * and `recall` = fraud blocked / all fraud (`null` when the denominator is 0).
   */
  readonly screen: {
    readonly caught: { readonly payments: number; readonly amountRef: bigint }
    readonly wronglyBlocked: { readonly payments: number; readonly amountRef: bigint }
    readonly precision: number | null
    readonly recall: number | null
  }
  readonly invalid: ReadonlyArray<{ readonly index: number; readonly error: InvalidInput }>
  readonly outcomes: Record<Decision.Outcome, number>
  readonly rules: Record<string, RuleStats>
  readonly overlap: Record<string, Record<string, number>>
  readonly decisions: ReadonlyArray<{
    readonly paymentId: string
    readonly at: number
    readonly outcome: Decision.Outcome
    readonly hits: ReadonlyArray<string>
    readonly candidateOutcome?: Decision.Outcome
  }>
  readonly candidate?: {
    readonly ruleId: string
    readonly hits: number
    readonly changed: number
    readonly outcomes: Record<Decision.Outcome, number>
  }
}

/**
 * Options of {@link run}: the rule set, the history, an optional candidate rule (evaluated as
 * an active rule on top of the set), lists, the reference currency (default USD) and the
 * velocity cap per key.
 *
 * @example
 * ```ts
 * import type { Backtest, RuleSet } from "@paykit/risk"
 * declare const ruleSet: RuleSet.RuleSet
 * const o: Backtest.Options = { ruleSet, payments: [] }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly ruleSet: RuleSet.RuleSet
  readonly payments: Iterable<unknown>
  readonly candidate?: Rule.Input | Rule.Rule
  readonly lists?: Features.Lists
  readonly referenceCurrency?: Currency.Currency
  readonly cap?: number
}

const decodeHistorical = Input.decodeResult("Backtest.run", Historical)

/** A payment's label, or `unlabelled`. */
/**
 * A historical payment's label in a report: fraud, legitimate, or not labelled.
 *
 * @category models
 * @since 0.3.0
 */
export type LabelOrNone = "fraud" | "legit" | "unlabelled"

const OUTCOMES: ReadonlyArray<Decision.Outcome> = ["approve", "challenge", "review", "block"]

const perLabel = <A>(zero: () => A): Record<LabelOrNone, A> => ({
  fraud: zero(),
  legit: zero(),
  unlabelled: zero()
})

/** Precision and recall of blocking, from the outcome × label matrix. */
const screenOf = (
  matrix: Report["matrix"],
  amounts: Report["amounts"],
  labels: Report["labels"]
): Report["screen"] => {
  const blockedFraud = matrix.block.fraud
  const blockedLegit = matrix.block.legit
  const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d)
  return {
    caught: { payments: blockedFraud, amountRef: amounts.block.fraud },
    wronglyBlocked: { payments: blockedLegit, amountRef: amounts.block.legit },
    precision: ratio(blockedFraud, blockedFraud + blockedLegit),
    recall: ratio(blockedFraud, labels.fraud)
  }
}

const zeroOutcomes = (): Record<Decision.Outcome, number> => ({
  approve: 0,
  challenge: 0,
  review: 0,
  block: 0
})

/**
 * Replays historical payments in time order (ties in the given order) through a fresh memory
 * velocity history, so each payment sees the velocity it would have seen, and decides each with
 * the rule set (and, with a candidate, with the rule set plus the candidate). Pure and
 * synchronous; invalid payments are reported and skipped. A payment's velocity event is
 * `declined` when the issuer declined it historically (`declined`), and `blocked` when the rule
 * set blocks it.
 *
 * @example
 * ```ts
 * import { Attributes, Backtest, RuleSet, RuleSets } from "@paykit/risk"
 * const ruleSet = RuleSet.makeUnsafe(Attributes.standard, { rules: RuleSets.burst })
 * const report = Backtest.run({ ruleSet, payments: [] })
 * ```
 * @category math
 * @since 0.1.0
 */
export const run = (
  options: Options
): Result.Result<Report, InvalidInput | RuleDefinitionError | InvalidRuleSet> => {
  const base = options.ruleSet
  let withCandidate: RuleSet.RuleSet | undefined
  let candidateId: string | undefined
  if (options.candidate !== undefined) {
    const c =
      "ast" in options.candidate
        ? Result.succeed(options.candidate)
        : Rule.define(base.catalog, options.candidate)
    if (Result.isFailure(c)) return Result.fail(c.failure)
    const active: Rule.Rule = { ...c.success, mode: "active" }
    if (base.rules.some((r) => r.id === active.id)) {
      withCandidate = RuleSet.withRules(base, [active])
    } else {
      const made = RuleSet.make(base.catalog, {
        rules: [...base.rules, active],
        thresholds: base.thresholds,
        onError: base.onError
      })
      if (Result.isFailure(made)) return Result.fail(made.failure)
      withCandidate = made.success
    }
    candidateId = active.id
  }
  const reference = options.referenceCurrency ?? Currency.USD
  const invalid: Array<{ index: number; error: InvalidInput }> = []
  const items: Array<typeof Historical.Type> = []
  let index = 0
  for (const input of options.payments) {
    const d = decodeHistorical(input)
    if (Result.isFailure(d)) invalid.push({ index, error: d.failure })
    else items.push(d.success)
    index++
  }
  const order = items.map((_, i) => i).sort((a, b) => items[a]!.at - items[b]!.at || a - b)
  const histories = new Histories(options.cap ?? DEFAULT_CAP)
  const outcomes = zeroOutcomes()
  const candidateOutcomes = zeroOutcomes()
  const rules: Record<string, RuleStats> = {}
  const stats = (id: string): RuleStats => {
    const s = rules[id] ?? { hits: 0, shadowHits: 0, errors: 0, fraudHits: 0, legitHits: 0 }
    rules[id] = s
    return s
  }
  for (const r of (withCandidate ?? base).rules) stats(r.id)
  const overlap: Record<string, Record<string, number>> = {}
  const decisions: Array<Report["decisions"][number]> = []
  const labels = perLabel(() => 0)
  const matrix = Object.fromEntries(OUTCOMES.map((o) => [o, perLabel(() => 0)])) as Record<
    Decision.Outcome,
    Record<LabelOrNone, number>
  >
  const amounts = Object.fromEntries(OUTCOMES.map((o) => [o, perLabel(() => 0n)])) as Record<
    Decision.Outcome,
    Record<LabelOrNone, bigint>
  >
  let candidateHits = 0
  let changed = 0
  for (const i of order) {
    const h = items[i]!
    const keys = Features.keys(h.payment)
    const hs: Features.Histories = {}
    for (const kind of Velocity.KEY_KINDS) {
      const key = keys[kind]
      if (key !== undefined) hs[kind] = histories.history(kind, key)
    }
    const values = Features.compute({
      catalog: base.catalog,
      reference,
      payment: h.payment,
      profile: h.customer,
      lists: options.lists,
      histories: hs,
      now: h.at,
      only: withCandidate ?? base
    })
    const decision = Decision.decide(base, values, h.at)
    outcomes[decision.outcome]++
    const label: LabelOrNone = h.label ?? "unlabelled"
    const amountRef = Features.amountRef(h.payment, reference)
    labels[label]++
    matrix[decision.outcome][label]++
    amounts[decision.outcome][label] += amountRef ?? 0n
    const hitIds = decision.hits.map((x) => x.ruleId)
    const all = [...hitIds, ...decision.shadowHits.map((x) => x.ruleId)]
    for (const x of decision.hits) {
      const s = stats(x.ruleId)
      s.hits++
      if (h.label === "fraud") s.fraudHits++
      if (h.label === "legit") s.legitHits++
    }
    for (const x of decision.shadowHits) {
      const s = stats(x.ruleId)
      s.shadowHits++
      if (h.label === "fraud") s.fraudHits++
      if (h.label === "legit") s.legitHits++
    }
    for (const e of decision.errors) stats(e.ruleId).errors++
    for (const a of all) {
      for (const b of all) {
        if (a === b) continue
        const row = overlap[a] ?? {}
        row[b] = (row[b] ?? 0) + 1
        overlap[a] = row
      }
    }
    let candidateOutcome: Decision.Outcome | undefined
    if (withCandidate !== undefined) {
      const d2 = Decision.decide(withCandidate, values, h.at)
      candidateOutcome = d2.outcome
      candidateOutcomes[d2.outcome]++
      if (d2.hits.some((x) => x.ruleId === candidateId)) candidateHits++
      if (d2.outcome !== decision.outcome) changed++
    }
    decisions.push({
      paymentId: h.payment.id,
      at: h.at,
      outcome: decision.outcome,
      hits: hitIds,
      ...(candidateOutcome === undefined ? {} : { candidateOutcome })
    })
    if (amountRef !== undefined) {
      histories.record(
        Features.eventOf(h.payment, amountRef, h.at, decision.outcome === "block", h.declined === true)
      )
    }
  }
  return Result.succeed({
    payments: items.length,
    labels,
    matrix,
    amounts,
    screen: screenOf(matrix, amounts, labels),
    invalid,
    outcomes,
    rules,
    overlap,
    decisions,
    ...(candidateId === undefined
      ? {}
      : { candidate: { ruleId: candidateId, hits: candidateHits, changed, outcomes: candidateOutcomes } })
  })
}
