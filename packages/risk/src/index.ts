/**
 * @paykit/risk: real-time payment risk. Rules in CEL syntax compiled to closures, Radar-style
 * action precedence with Marble-style scoring, velocity features over sliding windows, lists,
 * shadow mode and snoozes, built-in rule sets, alerts and freeze recommendations, backtesting
 * and merchant risk scorecards.
 *
 * @since 0.1.0
 */
export * as Attributes from "./Attributes.ts"
export * as Decision from "./Decision.ts"
export * as Rule from "./Rule.ts"
export * as RuleSet from "./RuleSet.ts"
export * as Velocity from "./Velocity.ts"
export * from "./errors.ts"
export * as Events from "./Events.ts"
export * as Features from "./Features.ts"
export * as Risk from "./Risk.ts"
export * as VelocityStore from "./VelocityStore.ts"
export * as ListStore from "./ListStore.ts"
export * as RuleSets from "./RuleSets.ts"
export * as Backtest from "./Backtest.ts"
export * as Scorecard from "./Scorecard.ts"
