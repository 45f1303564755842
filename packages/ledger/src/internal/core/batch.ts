/**
 * A whole write: due expiries, then every command in order (independent or linked), the ids a
 * failure consumes, and the change set a store persists. Also one command on its own (the memory
 * store's path for what its columns do not decide) and the summary of results.
 */
import { Result } from "effect"
import type * as Account from "../../Account.ts"
import type { Command } from "../../Command.ts"
import { MAX_BATCH } from "../../Command.ts"
import { LinkedCommandFailed } from "../../errors.ts"
import * as Hold from "../../Hold.ts"
import type {
  CommandError,
  FailedId,
  FailedIds,
  Outcome,
  Request,
  Snapshot,
  Success,
  Summary
} from "../../LedgerCore.ts"
import { decide, expire, fail, type Step } from "./commands.ts"
import { ID, readCommand, Unreadable } from "./shape.ts"
import { Work } from "./work.ts"

const ENTRY_COMMANDS: ReadonlySet<string> = new Set([
  "Transfer",
  "CreateHold",
  "PostHold",
  "VoidHold",
  "Reverse"
])
/** Refusals that depend on the command alone, or on an id already taken: they consume nothing. */
const NOT_CONSUMING: ReadonlySet<string> = new Set([
  "InvalidInput",
  "AccountsMustDiffer",
  "ConflictingLimitFlags",
  "ExistsWithDifferent",
  "IdAlreadyFailed"
])

/**
 * The entry id a failed command would consume: an entry command's well-formed id that is neither
 * an entry nor consumed yet. A malformed id (a command of a failed linked batch is not decided
 * after the culprit, so its shape is never checked) is no entry's id and consumes nothing: a
 * store reads no row for it (`readSet` drops it), so one recorded would be recorded again by the
 * next write that names it.
 */
const consumableId = (w: Work, c: Command): string | undefined => {
  try {
    if (typeof c !== "object" || c === null || !ENTRY_COMMANDS.has(c._tag)) return undefined
    const id = (c as { readonly id: unknown }).id
    return typeof id === "string" && ID.test(id) && w.entry(id) === undefined && w.failedId(id) === undefined
      ? id
      : undefined
  } catch {
    return undefined
  }
}

/** Records a final failure that consumes its command's id (`failedIds: "consumed"`). */
const consume = (w: Work, c: Command | Unreadable, error: CommandError): void => {
  if (NOT_CONSUMING.has(error._tag) || c instanceof Unreadable) return
  const id = consumableId(w, c)
  if (id !== undefined) w.failed.set(id, { id, error: error as FailedId["error"], at: w.now })
}

/** The ledger's decision function (`LedgerCore.applyBatch`, which documents it). */
export const applyBatch = (snapshot: Snapshot, request: Request): Outcome => {
  const w = new Work(snapshot, request.now, request.eventIdSeed, request.mode === "linked")
  const commands = request.commands
  const consuming = request.failedIds === "consumed"
  // 1. expiries
  const due = new Map<string, Hold.Hold>()
  for (const h of snapshot.dueHolds(request.now)) if (Hold.isDue(h, request.now)) due.set(h.id, h)
  for (let i = 0; i < commands.length; i++) {
    const h = namedDueHold(snapshot, commands[i]!, request.now)
    if (h !== undefined) due.set(h.id, h)
  }
  if (due.size > 0) {
    const ids = [...due.keys()].sort()
    for (const id of ids) expire(w, due.get(id)!)
  }
  // 2. commands
  const results = new Array<Step>(commands.length)
  if (commands.length > MAX_BATCH) {
    throw new Error(`a write carries at most ${MAX_BATCH} commands`)
  }
  const own = new Array<Command | Unreadable>(commands.length)
  for (let i = 0; i < commands.length; i++) own[i] = readCommand(commands[i]!)
  if (w.linked) {
    const journal = w.journal.length
    const undo = w.undo.length
    const lines = w.lines.length
    const events = w.events.length
    let failed = -1
    for (let i = 0; i < commands.length; i++) {
      const r = decide(w, own[i]!, i)
      results[i] = r
      if (Result.isFailure(r)) {
        failed = i
        break
      }
    }
    if (failed >= 0) {
      w.restore(journal, undo, lines, events)
      for (let i = 0; i < commands.length; i++) {
        if (i !== failed) results[i] = fail(new LinkedCommandFailed({ index: i, failedIndex: failed }))
      }
      const culprit = (results[failed] as Result.Failure<Success, CommandError>).failure
      if (consuming && (culprit._tag === "IdAlreadyFailed" || !NOT_CONSUMING.has(culprit._tag)))
        for (let i = 0; i < commands.length; i++)
          consume(w, own[i]!, (results[i] as Result.Failure<Success, CommandError>).failure)
    }
  } else {
    for (let i = 0; i < commands.length; i++) {
      const c = own[i]!
      const journal = w.journal.length
      const undo = w.undo.length
      const lines = w.lines.length
      const events = w.events.length
      const r = decide(w, c, i)
      if (Result.isFailure(r)) {
        w.restore(journal, undo, lines, events)
        if (consuming) consume(w, c, r.failure)
      }
      results[i] = r
    }
  }
  return changeSet(w, results)
}

/** The hold a post or void names, when it is due at `now` (the core expires it even if a store's sweep missed it). */
const namedDueHold = (snapshot: Snapshot, c: Command, now: number): Hold.Hold | undefined => {
  try {
    if (c === null || typeof c !== "object" || (c._tag !== "PostHold" && c._tag !== "VoidHold"))
      return undefined
    const holdId: unknown = c.holdId
    if (typeof holdId !== "string") return undefined
    const h = snapshot.hold(holdId)
    return h !== undefined && Hold.isDue(h, now) ? h : undefined
  } catch {
    return undefined
  }
}

/** Step 3 of a decision: the change set of everything `w` holds, with the per-command results. */
const changeSet = (w: Work, results: ReadonlyArray<Step>): Outcome => {
  const accountsCreated: Array<Account.Account> = []
  const accountsUpdated: Array<Account.Account> = []
  w.accounts.forEach((a, id) => {
    ;(w.accountCreated.has(id) ? accountsCreated : accountsUpdated).push(a)
  })
  const holdsCreated: Array<Hold.Hold> = []
  const holdsUpdated: Array<Hold.Hold> = []
  for (const [id, h] of w.holds) (w.holdCreated.has(id) ? holdsCreated : holdsUpdated).push(h)
  const entriesReversed: Array<{ id: string; reversedBy: string }> = []
  for (const [id, reversedBy] of w.reversed) entriesReversed.push({ id, reversedBy })
  return {
    results,
    accountsCreated,
    accountsUpdated,
    entriesCreated: [...w.entries.values()],
    entriesReversed,
    holdsCreated,
    holdsUpdated,
    lines: w.lines,
    events: w.events,
    failedIds: w.failed.size === 0 ? NO_FAILED_IDS : [...w.failed.values()]
  }
}

const NO_FAILED_IDS: ReadonlyArray<FailedId> = Object.freeze([])

/**
 * Decides one command of an `independent` write on its own, as {@link applyBatch} decides it at
 * position `index` of the write after `firstEvent` events (so event ids and error paths are the
 * ones the whole write would give). It does not expire holds: a store calls it after deciding
 * the write's expiries. The memory store uses it for the commands its column path does not
 * take; the outcome is persisted like any other.
 */
export const applyCommand = (
  snapshot: Snapshot,
  command: Command,
  at: {
    readonly index: number
    readonly now: number
    readonly eventIdSeed: string
    readonly firstEvent: number
    readonly failedIds?: FailedIds | undefined
  }
): Outcome => {
  const w = new Work(snapshot, at.now, at.eventIdSeed, false, at.firstEvent)
  const c = readCommand(command)
  const r = decide(w, c, at.index)
  if (Result.isFailure(r)) {
    w.restore(0, 0, 0, 0)
    if (at.failedIds === "consumed") consume(w, c, r.failure)
  }
  return changeSet(w, [r])
}

/**
 * Adds one command's result to a summary being built: counts a success as applied or replayed,
 * or records the failure with its index. For stores that decide a write command by command (the
 * memory store does) and for the `Ledger`'s summaries of results.
 */
export const tally = (
  acc: { applied: number; replayed: number; failures: Array<{ index: number; error: CommandError }> },
  r: Result.Result<Success, CommandError>,
  index: number
): void => {
  if (Result.isFailure(r)) acc.failures.push({ index, error: r.failure })
  else {
    const s = r.success
    if (s._tag === "AccountClosed" ? s.changed : !s.replayed) acc.applied++
    else acc.replayed++
  }
}

/** `LedgerCore.summarize`: the {@link Summary} of an outcome. */
export const summarize = (o: Outcome, returnEvents: boolean): Summary => {
  const acc = { applied: 0, replayed: 0, failures: [] as Array<{ index: number; error: CommandError }> }
  for (let i = 0; i < o.results.length; i++) tally(acc, o.results[i]!, i)
  return { ...acc, events: returnEvents ? o.events : [] }
}
