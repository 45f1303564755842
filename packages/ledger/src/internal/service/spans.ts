/**
 * The `Ledger` service's spans: one per call, `paykit.ledger.<operation>`, with ids and counts as
 * attributes (never amounts or personal data).
 */
import { Effect } from "effect"

export const ACCOUNT_ID = "paykit.ledger.account_id"
export const ENTRY_ID = "paykit.ledger.entry_id"
export const HOLD_ID = "paykit.ledger.hold_id"
export const COMMANDS = "paykit.ledger.commands"

/**
 * Runs an operation inside its span, `paykit.ledger.<operation>`, a child of the caller's span.
 * The span is defined once per operation (its stack frame is taken here, not on every call); its
 * attributes are set by {@link annotate} once the input is decoded or the result is known, and a
 * failure ends it with the failure, as Effect does.
 */
export const traced = <Args extends ReadonlyArray<unknown>, A, E>(
  operation: string,
  f: (...args: Args) => Effect.Effect<A, E>
): ((...args: Args) => Effect.Effect<A, E>) => {
  const span = Effect.withSpan(`paykit.ledger.${operation}`)
  return (...args) => span(f(...args))
}

/** Sets attributes of the current span from a decoded input or a result, passing it on. */
export const annotate =
  <A>(attributes: (a: A) => Record<string, unknown>) =>
  <E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.tap(self, (a) => Effect.annotateCurrentSpan(attributes(a)))

/** A batch's reply as span attributes: how many commands changed the books, were replays, failed. */
export const counts = (s: {
  readonly applied: number
  readonly replayed: number
  readonly failures: ReadonlyArray<unknown>
}) => ({
  "paykit.ledger.applied": s.applied,
  "paykit.ledger.replayed": s.replayed,
  "paykit.ledger.failed": s.failures.length
})
