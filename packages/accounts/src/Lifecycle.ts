import { StateMachine } from "@paykit/core"
import { type Result, Schema } from "effect"
import type { IllegalTransition } from "./errors.ts"

/**
 * The account states. Each has a stable numeric code (for reports and storage), in the style of
 * Apache Fineract's account status codes.
 *
 * @example
 * ```ts
 * import { Lifecycle } from "@paykit/accounts"
 * Lifecycle.CODES.active // 300
 * ```
 * @category models
 * @since 0.1.0
 */
export const Status = Schema.Literals([
  "pending",
  "active",
  "restricted",
  "suspended",
  "rejected",
  "withdrawn",
  "closed"
])

/**
 * An account state.
 *
 * @example
 * ```ts
 * import type { Lifecycle } from "@paykit/accounts"
 * const s: Lifecycle.Status = "restricted"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Status = typeof Status.Type

/**
 * Every declared state.
 *
 * @example
 * ```ts
 * import { Lifecycle } from "@paykit/accounts"
 * Lifecycle.STATUSES.length // 7
 * ```
 * @category models
 * @since 0.1.0
 */
export const STATUSES: ReadonlyArray<Status> = Status.literals

/**
 * The stable code of each state. Codes never change meaning; new states get new codes.
 *
 * @example
 * ```ts
 * import { Lifecycle } from "@paykit/accounts"
 * Lifecycle.CODES.closed // 600
 * ```
 * @category models
 * @since 0.1.0
 */
export const CODES: { readonly [S in Status]: number } = {
  pending: 100,
  active: 300,
  restricted: 310,
  suspended: 320,
  withdrawn: 400,
  rejected: 500,
  closed: 600
}

/**
 * The lifecycle commands.
 *
 * @example
 * ```ts
 * import { Lifecycle } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Lifecycle.Command)("suspend")
 * ```
 * @category models
 * @since 0.1.0
 */
export const Command = Schema.Literals([
  "activate",
  "restrict",
  "lift_restriction",
  "suspend",
  "reinstate",
  "reject",
  "withdraw",
  "close"
])

/**
 * A lifecycle command.
 *
 * @example
 * ```ts
 * import { Lifecycle } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Lifecycle.Command)("suspend")
 * ```
 * @category models
 * @since 0.1.0
 */
export type Command = typeof Command.Type

/**
 * Who triggers a move: the platform itself (`system`, e.g. a deadline passed or requirements
 * were satisfied), platform staff (`operator`), or the merchant's `owner`.
 *
 * @example
 * ```ts
 * import type { Lifecycle } from "@paykit/accounts"
 * const who: Lifecycle.ActorKind = "operator"
 * ```
 * @category models
 * @since 0.1.0
 */
export type ActorKind = "system" | "operator" | "owner"

/**
 * Every actor kind, in the order error messages list them.
 *
 * @example
 * ```ts
 * import { Lifecycle } from "@paykit/accounts"
 * Lifecycle.ACTORS.includes("owner") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const ACTORS: ReadonlyArray<ActorKind> = ["system", "operator", "owner"]

/**
 * One row of the transition table: a `@paykit/core` `StateMachine.Row` that always names its actors.
 *
 * @example
 * ```ts
 * import { Lifecycle } from "@paykit/accounts"
 * const closers: Lifecycle.Row["by"] = Lifecycle.TABLE.find((r) => r.command === "close")!.by // ["owner", "operator"]
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Row extends StateMachine.Row<Status, Command, ActorKind> {
  readonly by: ReadonlyArray<ActorKind>
}

/**
 * The transition table: every legal move, and who may trigger it. Anything not listed is illegal.
 * A command may have several rows, one per set of states it applies to (each state in one row).
 * `close` additionally needs a zero balance and no open disputes (checked by the service through
 * the `ClosureCheck` port).
 *
 * @example
 * ```ts
 * import { Lifecycle } from "@paykit/accounts"
 * Lifecycle.TABLE.find((r) => r.command === "suspend")?.by // ["operator"]
 * ```
 * @category models
 * @since 0.1.0
 */
export const TABLE: ReadonlyArray<Row> = [
  { command: "activate", from: ["pending"], to: "active", by: ["system", "operator"] },
  { command: "restrict", from: ["active"], to: "restricted", by: ["system", "operator"] },
  // an operator takes over a restriction the platform imposed: from then on it sticks
  { command: "restrict", from: ["restricted"], to: "restricted", by: ["operator"] },
  { command: "lift_restriction", from: ["restricted"], to: "active", by: ["system", "operator"] },
  { command: "suspend", from: ["pending", "active", "restricted"], to: "suspended", by: ["operator"] },
  { command: "reinstate", from: ["suspended"], to: "active", by: ["operator"] },
  {
    command: "reject",
    from: ["pending", "active", "restricted", "suspended"],
    to: "rejected",
    by: ["operator"]
  },
  { command: "withdraw", from: ["pending"], to: "withdrawn", by: ["owner", "operator"] },
  { command: "close", from: ["active", "restricted", "suspended"], to: "closed", by: ["owner", "operator"] }
]

/**
 * The lifecycle as a `@paykit/core` state machine over {@link TABLE}: accounts start `pending`;
 * `rejected`, `withdrawn` and `closed` are final. Validated when the module loads. Use it for
 * `commandsFrom`, `canTransition` and the diagram's `edges()`.
 *
 * @example
 * ```ts
 * import { Lifecycle } from "@paykit/accounts"
 * Lifecycle.machine.commandsFrom("suspended", "operator") // ["reinstate", "reject", "close"]
 * ```
 * @category models
 * @since 0.1.0
 */
export const machine: StateMachine.Machine<Status, Command, ActorKind> = StateMachine.makeUnsafe({
  name: "account",
  states: Status.literals,
  commands: Command.literals,
  actors: ACTORS,
  initial: ["pending"],
  final: ["rejected", "withdrawn", "closed"],
  rows: TABLE
})

/**
 * The final states: no command leaves them.
 *
 * @example
 * ```ts
 * import { Lifecycle } from "@paykit/accounts"
 * Lifecycle.FINAL.has("closed") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const FINAL: ReadonlySet<Status> = new Set(machine.final)

/**
 * Applies a command to a state for an actor: the next state, or `IllegalTransition` saying why.
 * Pure: usable from plain TypeScript. The same as `Lifecycle.machine.transition`.
 *
 * @example
 * ```ts
 * import { Lifecycle } from "@paykit/accounts"
 * Lifecycle.transition("active", "suspend", "operator") // Success("suspended")
 * Lifecycle.transition("active", "suspend", "owner")    // Failure(IllegalTransition)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const transition = (
  from: Status,
  command: Command,
  actor: ActorKind
): Result.Result<Status, IllegalTransition> => machine.transition(from, command, actor)

/**
 * True when the account operates (can use capabilities whose requirements are met).
 *
 * @example
 * ```ts
 * import { Lifecycle } from "@paykit/accounts"
 * Lifecycle.isOperating("restricted") // true
 * ```
 * @category guards
 * @since 0.1.0
 */
export const isOperating = (s: Status): boolean => s === "active" || s === "restricted"
