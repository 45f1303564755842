import { StoreFailure } from "@paykit/ledger"
import { Cause, Effect, Result } from "effect"
import type { SqlError } from "effect/sql/SqlError"
import { isTransient, messageOf } from "../../internal/adapter.ts"

export const toStoreFailure =
  (operation: string) =>
  (e: SqlError): StoreFailure =>
    new StoreFailure({ operation, reason: messageOf(e) })

/** The name of the constraint a database error reports, when it reports one. */
const constraintOf = (e: SqlError): string | undefined => {
  const cause: unknown = e.reason.cause
  return typeof cause === "object" &&
    cause !== null &&
    "constraint" in cause &&
    typeof cause.constraint === "string"
    ? cause.constraint
    : undefined
}

/**
 * Errors after which the whole transaction is re-run: the database detected a conflict.
 *
 * Besides serialization failures, deadlocks, lock timeouts and id races (a unique key), a line
 * run that does not continue its account's lines (the `paykit_ledger_lines` CHECKs) is a conflict too
 * when the write opens accounts (`opensAccounts`): it decided on an account as absent (it was
 * not yet committed when the accounts were locked) and another transaction created it and wrote
 * its first lines before this write's statement ran. PostgreSQL checks the run before it meets
 * the account's primary key, so the race surfaces as that CHECK rather than as a unique
 * violation. Re-running sees the account and decides again (a `CreateAccount` of the same
 * content then replays). A write that opens no account locked every account it touches, so for
 * it the same CHECK is a bug and fails at once.
 */
export const isRetryable = (e: SqlError, opensAccounts: boolean): boolean =>
  isTransient(e) ||
  e.reason._tag === "UniqueViolation" ||
  (e.reason._tag === "ConstraintError" &&
    opensAccounts &&
    constraintOf(e)?.startsWith("paykit_ledger_lines_") === true)

/** A defect as text for a `StoreFailure`; never throws, whatever was thrown. */
export const describeDefect = (defect: unknown): string => {
  try {
    return defect instanceof Error ? `${defect.name}: ${defect.message}` : String(defect)
  } catch {
    return "a thrown value that cannot be printed"
  }
}

/**
 * `effect` with a defect (an exception thrown while deciding or persisting a write: a command
 * the core cannot read, a bug) turned into a `StoreFailure` naming it, so it fails the writes it
 * belongs to and nothing else. Interruption (the store closing) passes through.
 */
export const defectsAsFailures = <A, R>(
  effect: Effect.Effect<A, StoreFailure, R>
): Effect.Effect<A, StoreFailure, R> =>
  Effect.catchCause(effect, (cause) => {
    if (Cause.hasInterrupts(cause)) return Effect.failCause(cause)
    const defect = Cause.findDefect(cause)
    return Result.isSuccess(defect)
      ? Effect.fail(
          new StoreFailure({ operation: "write", reason: `defect: ${describeDefect(defect.success)}` })
        )
      : Effect.failCause(cause)
  })

/** Signals a write that must be refused without retry (a currency this store cannot place). */
export class Refused {
  readonly _tag = "Refused"
  constructor(readonly reason: string) {}
}
