/**
 * The `Ledger` service's writes: one store write per call, and the two batch operations,
 * `executeResults` (a result per command) and `executeSummary` (counts and failures), which share
 * one way in: a command whose amounts are bigints was built in typed code and goes to the core as
 * it is (the core checks its shape as it decides); any other command is decoded with its schema
 * first (JSON cannot carry a bigint, so everything that came from JSON is decoded in full).
 */
import { type Currency, type Ids, Input, InvalidInput } from "@paykit/core"
import { Clock, Effect, Result } from "effect"
import * as Command from "../../Command.ts"
import { BatchTooLarge, LinkedCommandFailed, type StoreFailure } from "../../errors.ts"
import type * as LedgerCore from "../../LedgerCore.ts"
import type { LedgerStore } from "../../LedgerStore.ts"
import { tally } from "../core/batch.ts"
import { annotate, COMMANDS, counts } from "./spans.ts"

/** What the batch operations need from the service. */
export interface Deps {
  readonly store: LedgerStore["Service"]
  readonly ids: Ids.Ids["Service"]
  readonly currencies: Currency.Registry
  readonly failedIds: LedgerCore.FailedIds
}

/** A batch after the service's own checks: the commands for the store, and those refused with their index. */
interface Screened {
  /** The commands, decoded where they needed it (a refused one stays as it came, and is not sent). */
  readonly commands: ReadonlyArray<Command.Command>
  /** The batch's length, read once where reading it cannot escape. */
  readonly size: number
  readonly refused: ReadonlyArray<{ readonly index: number; readonly error: InvalidInput }>
}

type Failure = { readonly index: number; readonly error: LedgerCore.CommandError }

/** The reply of `executeSummary`. */
export type BatchSummary = Omit<LedgerCore.Summary, "events">

/**
 * Whether a command carries its amounts as bigints, which JSON cannot: it was built in typed
 * code (a template, `ChartOfAccounts`, the caller's own) and skips the schema; the core checks
 * every field it reads. A posting list past the limit is the core's to refuse (no walk of a
 * hostile 100,000-element list). Commands without an amount are decoded. Throws when reading throws.
 */
const carriesBigints = (c: object): boolean => {
  const command = c as Command.Input
  switch (command._tag) {
    case "Transfer": {
      const ps: unknown = command.postings
      if (!Array.isArray(ps) || ps.length === 0) return false
      if (ps.length > Command.MAX_POSTINGS) return true
      for (let j = 0; j < ps.length; j++) {
        const p: unknown = ps[j]
        if (typeof p !== "object" || p === null || typeof (p as { amount?: unknown }).amount !== "bigint")
          return false
      }
      return true
    }
    case "CreateHold":
    case "PostHold":
      return typeof command.amount === "bigint"
    default:
      return false
  }
}

/** `path` inside the command at `prefix` (`commands[3]` + `postings[0].amount`). */
const under = (prefix: string, path: string): string =>
  path === "" ? prefix : path.startsWith("[") ? `${prefix}${path}` : `${prefix}.${path}`

/** `e` as an error of `operation` (the core names its shape errors `execute`). */
const relabel = (e: LedgerCore.CommandError, operation: string): LedgerCore.CommandError =>
  e._tag === "InvalidInput" && e.operation !== operation ? new InvalidInput({ ...e, operation }) : e

/**
 * An error of the `k`-th command sent to the store, told in the caller's numbering: a bad-input
 * path `commands[k]…` names the command's position in the caller's batch.
 */
const atPosition = (
  e: LedgerCore.CommandError,
  positions: ReadonlyArray<number>,
  operation: string
): LedgerCore.CommandError => {
  if (e._tag !== "InvalidInput") return e
  const m = /^commands\[(\d+)\]/.exec(e.path)
  const to = m === null ? undefined : positions[Number(m[1])]
  return to === undefined
    ? relabel(e, operation)
    : new InvalidInput({ ...e, operation, path: `commands[${to}]${e.path.slice(m![0].length)}` })
}

/** The counts of a batch's results, as `executeSummary` tells them (span attributes). */
const tallied = (results: ReadonlyArray<Result.Result<LedgerCore.Success, LedgerCore.CommandError>>) => {
  const acc = { applied: 0, replayed: 0, failures: [] as Array<Failure> }
  for (let i = 0; i < results.length; i++) tally(acc, results[i]!, i)
  return counts(acc)
}

/**
 * The store writes of the `Ledger` service: `write` (one atomic write of typed commands), and
 * the two batch operations.
 */
export const makeWrites = (deps: Deps) => {
  const { store, ids, failedIds } = deps

  const write = (commands: ReadonlyArray<Command.Command>, mode: Command.Mode) =>
    Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      const eventIdSeed = yield* ids.next
      return yield* store.write({ commands, mode, now, eventIdSeed, failedIds })
    })

  const members = Command.commandSchema(deps.currencies).members
  const tags = members.map((m) => m.fields._tag.literal)
  const decoders = (operation: string) =>
    new Map<string, (c: unknown) => Result.Result<Command.Command, InvalidInput>>(
      members.map((m) => [m.fields._tag.literal, Input.decodeResult(operation, m)])
    )

  /** Decodes the command at index `i` with its variant's schema; a refusal names the field under `commands[i]`. */
  const decodeAt = (
    operation: string,
    byTag: ReturnType<typeof decoders>,
    c: unknown,
    i: number
  ): Result.Result<Command.Command, InvalidInput> => {
    const p = `commands[${i}]`
    let decode: ((c: unknown) => Result.Result<Command.Command, InvalidInput>) | undefined
    try {
      if (typeof c !== "object" || c === null)
        return Result.fail(new InvalidInput({ operation, path: p, reason: "expected a command object" }))
      const tag: unknown = (c as { _tag?: unknown })._tag
      decode = typeof tag === "string" ? byTag.get(tag) : undefined
      if (decode === undefined)
        return Result.fail(
          new InvalidInput({ operation, path: `${p}._tag`, reason: `expected one of ${tags.join(", ")}` })
        )
    } catch (e) {
      return Result.fail(Input.unreadable(operation, e, p))
    }
    return Result.mapError(decode(c), (e) => new InvalidInput({ ...e, path: under(p, e.path) }))
  }

  /**
   * The checks before any write: a known mode, an array of 1 to 10,000 commands (the only
   * refusals of the whole batch), then each command typed as it is or decoded; a command refused
   * here gets its own `InvalidInput` in its place and is not sent to the store.
   */
  const prepare = (operation: string) => {
    const byTag = decoders(operation)
    return (commands: unknown, mode: unknown): Effect.Effect<Screened, InvalidInput | BatchTooLarge> =>
      Effect.suspend((): Effect.Effect<Screened, InvalidInput | BatchTooLarge> => {
        if (mode !== "independent" && mode !== "linked")
          return Effect.fail(
            new InvalidInput({ operation, path: "mode", reason: 'expected "independent" or "linked"' })
          )
        let size: number
        try {
          if (!Array.isArray(commands))
            return Effect.fail(
              new InvalidInput({ operation, path: "commands", reason: "expected an array of commands" })
            )
          size = commands.length
        } catch (e) {
          return Effect.fail(Input.unreadable(operation, e, "commands"))
        }
        if (size === 0 || size > Command.MAX_BATCH)
          return Effect.fail(new BatchTooLarge({ size, max: Command.MAX_BATCH }))
        return Effect.succeed(screen(operation, byTag, commands as ReadonlyArray<unknown>, size))
      })
  }

  const screen = (
    operation: string,
    byTag: ReturnType<typeof decoders>,
    commands: ReadonlyArray<unknown>,
    size: number
  ): Screened => {
    let out: Array<unknown> | undefined
    let refused: Array<{ readonly index: number; readonly error: InvalidInput }> | undefined
    const refuse = (index: number, error: InvalidInput) => {
      refused ??= []
      refused.push({ index, error })
    }
    for (let i = 0; i < size; i++) {
      let c: unknown
      try {
        c = commands[i]
      } catch (e) {
        refuse(i, Input.unreadable(operation, e, `commands[${i}]`))
        if (out !== undefined) out[i] = undefined
        continue
      }
      let typed = false
      try {
        typed = typeof c === "object" && c !== null && carriesBigints(c)
      } catch {
        // unreadable: the decoder names where
      }
      if (typed) {
        if (out !== undefined) out[i] = c
        continue
      }
      const r = decodeAt(operation, byTag, c, i)
      if (Result.isFailure(r)) {
        refuse(i, r.failure)
        if (out !== undefined) out[i] = c
        continue
      }
      if (out === undefined) {
        // the first command decoded: from here the store gets a copy with the decoded commands
        out = new Array(size)
        for (let j = 0; j < i; j++) {
          try {
            out[j] = commands[j]
          } catch (e) {
            if (refused?.some((r) => r.index === j) !== true)
              refuse(j, Input.unreadable(operation, e, `commands[${j}]`))
          }
        }
      }
      out[i] = r.success
    }
    if (refused !== undefined && refused.length > 1) refused.sort((a, b) => a.index - b.index)
    return {
      commands: (out ?? commands) as ReadonlyArray<Command.Command>,
      size,
      refused: refused ?? []
    }
  }

  /** The commands not refused, and their positions in the caller's batch. */
  const sendable = (s: Screened) => {
    const refused = new Set(s.refused.map((r) => r.index))
    const positions: Array<number> = []
    for (let i = 0; i < s.size; i++) if (!refused.has(i)) positions.push(i)
    return { positions, commands: positions.map((i) => s.commands[i]!) }
  }

  /**
   * Writes a screened batch: the commands the screen let through go to the store, and each
   * refused one gets its `InvalidInput` back in its place (in a linked batch, a refusal fails
   * the whole batch without a write).
   */
  const writeResults = (
    operation: string,
    s: Screened,
    mode: Command.Mode
  ): Effect.Effect<ReadonlyArray<Result.Result<LedgerCore.Success, LedgerCore.CommandError>>, StoreFailure> =>
    Effect.gen(function* () {
      if (s.refused.length === 0) {
        const results = (yield* write(s.commands, mode)).results
        let out: Array<Result.Result<LedgerCore.Success, LedgerCore.CommandError>> | undefined
        for (let i = 0; i < results.length; i++) {
          const r = results[i]!
          if (Result.isFailure(r) && r.failure._tag === "InvalidInput" && r.failure.operation !== operation) {
            out ??= results.slice()
            out[i] = Result.fail(relabel(r.failure, operation))
          }
        }
        return out ?? results
      }
      const results = new Array<Result.Result<LedgerCore.Success, LedgerCore.CommandError>>(s.size)
      if (mode === "linked") {
        // as the core does: the first failure has its error, every other command LinkedCommandFailed
        const first = s.refused[0]!
        for (let i = 0; i < results.length; i++)
          results[i] =
            i === first.index
              ? Result.fail(first.error)
              : Result.fail(new LinkedCommandFailed({ index: i, failedIndex: first.index }))
        return results
      }
      for (const r of s.refused) results[r.index] = Result.fail(r.error)
      const { positions, commands } = sendable(s)
      if (commands.length === 0) return results
      const o = yield* write(commands, mode)
      for (let k = 0; k < positions.length; k++)
        results[positions[k]!] = Result.mapError(o.results[k]!, (e) => atPosition(e, positions, operation))
      return results
    })

  /**
   * The summary of a screened batch, through the store's `writeSummary`: no record is built for
   * a command that succeeded.
   */
  const writeSummary = (
    operation: string,
    s: Screened,
    mode: Command.Mode
  ): Effect.Effect<BatchSummary, StoreFailure> =>
    Effect.gen(function* () {
      if (s.refused.length > 0 && mode === "linked") {
        const first = s.refused[0]!
        const failures: Array<Failure> = []
        for (let index = 0; index < s.size; index++)
          failures.push(
            index === first.index
              ? first
              : { index, error: new LinkedCommandFailed({ index, failedIndex: first.index }) }
          )
        return { applied: 0, replayed: 0, failures }
      }
      const { positions, commands } =
        s.refused.length === 0 ? { positions: [] as Array<number>, commands: s.commands } : sendable(s)
      if (commands.length === 0) return { applied: 0, replayed: 0, failures: s.refused }
      const now = yield* Clock.currentTimeMillis
      const eventIdSeed = yield* ids.next
      const summary = yield* store.writeSummary({
        commands,
        mode,
        now,
        eventIdSeed,
        failedIds,
        returnEvents: false
      })
      if (s.refused.length === 0)
        return {
          applied: summary.applied,
          replayed: summary.replayed,
          failures: summary.failures.map((f) =>
            f.error._tag === "InvalidInput" ? { index: f.index, error: relabel(f.error, operation) } : f
          )
        }
      const failures: Array<Failure> = [
        ...summary.failures.map((f) => ({
          index: positions[f.index]!,
          error: atPosition(f.error, positions, operation)
        })),
        ...s.refused
      ].sort((a, b) => a.index - b.index)
      return { applied: summary.applied, replayed: summary.replayed, failures }
    })

  const prepareResults = prepare("executeResults")
  const prepareSummary = prepare("executeSummary")
  const size = annotate((s: Screened) => ({ [COMMANDS]: s.size }))

  return {
    write,
    /** `executeResults`: one `Result` per command, in order. */
    results: (commands: unknown, mode: unknown) =>
      prepareResults(commands, mode).pipe(
        size,
        Effect.flatMap((s) => writeResults("executeResults", s, mode as Command.Mode)),
        annotate(tallied)
      ),
    /** `executeSummary`: counts and the failures only. */
    summary: (commands: unknown, mode: unknown) =>
      prepareSummary(commands, mode).pipe(
        size,
        Effect.flatMap((s) => writeSummary("executeSummary", s, mode as Command.Mode)),
        annotate((summary: BatchSummary) => counts(summary))
      )
  }
}
