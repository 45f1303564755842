import { Command, type LedgerCore } from "@paykit/ledger"
import { describeDefect } from "./failures.ts"

/**
 * The caller's request read once into a plain one (its commands copied into a new array), or why
 * it cannot be a write. Reading it may throw (`null`, a getter, a Proxy): that is caught here, in
 * the caller's fiber, so what reaches a writer is an ordinary array of commands, which the writer
 * reads under its own guard. In `"caller"` clock mode `now` must be epoch milliseconds.
 */
export const ownRequest = (
  request: LedgerCore.Request,
  clock: "database" | "caller"
): LedgerCore.Request | string => {
  try {
    const commands: unknown = request.commands
    if (!Array.isArray(commands) || commands.length > Command.MAX_BATCH) {
      return `a write carries 0 to ${Command.MAX_BATCH} commands; split the batch`
    }
    const now: unknown = request.now
    if (clock === "caller" && !Number.isSafeInteger(now)) {
      return `a write's now must be epoch milliseconds (an integer) with clock: "caller"; got ${describeDefect(now)}`
    }
    return {
      commands: Array.from(commands as ReadonlyArray<Command.Command>),
      mode: request.mode,
      now: now as number,
      eventIdSeed: request.eventIdSeed,
      failedIds: request.failedIds
    }
  } catch (e) {
    return `the request cannot be read: ${describeDefect(e)}`
  }
}

/** Whether a command opens an account; `false` for one that cannot be read (the core refuses it). */
export const opensAccount = (c: Command.Command): boolean => {
  try {
    return typeof c === "object" && c !== null && c._tag === "CreateAccount"
  } catch {
    return false
  }
}
