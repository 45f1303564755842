import { StateMachine } from "@paykit/core"
import { Result, Schema } from "effect"
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
 * Every end of the relationship (`close`, `reject`, `withdraw`) additionally needs a zero balance
 * and no open disputes (checked by the service through the `ClosureCheck` port); an owner cannot
 * close an account an operator restricted ({@link authorize}) or suspended (the table).
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
  // an owner may close an operating account (not one an operator restricted: see `authorize`)
  { command: "close", from: ["active", "restricted"], to: "closed", by: ["owner", "operator"] },
  // a suspension is always an operator's: only an operator closes a suspended account
  { command: "close", from: ["suspended"], to: "closed", by: ["operator"] }
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
 * Lifecycle.machine.commandsFrom("suspended", "owner") // []
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

/**
 * Why an operator rejects an account, as Stripe's `requirements.disabled_reason` says it
 * (`rejected.fraud`, …): suspected fraud, a breach of the platform's terms of service, a match on
 * a sanctions or watch list, or another reason.
 *
 * @example
 * ```ts
 * import { Lifecycle } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Lifecycle.RejectionReason)("terms_of_service")
 * ```
 * @category models
 * @since 0.5.0
 */
export const RejectionReason = Schema.Literals(["fraud", "terms_of_service", "listed", "other"])

/**
 * A rejection reason.
 *
 * @example
 * ```ts
 * import type { Lifecycle } from "@paykit/accounts"
 * const why: Lifecycle.RejectionReason = "listed"
 * ```
 * @category models
 * @since 0.5.0
 */
export type RejectionReason = typeof RejectionReason.Type

/**
 * A rejection: `reject` always names its reason.
 *
 * @example
 * ```ts
 * import { Lifecycle } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Lifecycle.Rejection)({ command: "reject", reason: "fraud" })
 * ```
 * @category models
 * @since 0.5.0
 */
export const Rejection = Schema.Struct({ command: Schema.Literal("reject"), reason: RejectionReason })

/**
 * The lifecycle commands that take no argument: every command but `reject`.
 *
 * @example
 * ```ts
 * import { Lifecycle } from "@paykit/accounts"
 * Lifecycle.PlainCommand.literals.includes("close") // true
 * ```
 * @category models
 * @since 0.5.0
 */
export const PlainCommand = Schema.Literals([
  "activate",
  "restrict",
  "lift_restriction",
  "suspend",
  "reinstate",
  "withdraw",
  "close"
])

/**
 * What `Accounts.transition` takes: a command by name, or a rejection with its reason
 * (`{ command: "reject", reason: "fraud" }`; a bare `"reject"` is `InvalidInput` naming `reason`).
 *
 * @example
 * ```ts
 * import { Lifecycle } from "@paykit/accounts"
 * const closing: typeof Lifecycle.TransitionInput.Encoded = "close"
 * const rejecting: typeof Lifecycle.TransitionInput.Encoded = { command: "reject", reason: "listed" }
 * ```
 * @category models
 * @since 0.5.0
 */
export const TransitionInput = Schema.Union([PlainCommand, Rejection])

/**
 * A decoded transition input.
 *
 * @example
 * ```ts
 * import type { Lifecycle } from "@paykit/accounts"
 * const input: Lifecycle.TransitionInput = { command: "reject", reason: "other" }
 * ```
 * @category models
 * @since 0.5.0
 */
export type TransitionInput = typeof TransitionInput.Type

/**
 * The commands that end the business relationship: the account leaves for a final state.
 *
 * @example
 * ```ts
 * import { Lifecycle } from "@paykit/accounts"
 * Lifecycle.ENDINGS.has("withdraw") // true
 * ```
 * @category models
 * @since 0.5.0
 */
export const ENDINGS: ReadonlySet<Command> = new Set(["reject", "withdraw", "close"])

/**
 * What is known of an account when its relationship ends, for the retention rule: the state it
 * leaves, its recorded processed volume (minor units) and whether the `ClosureCheck` port reports
 * activity (`Standing.activity`: any posting, payment or dispute the ledger or disputes side saw).
 *
 * @example
 * ```ts
 * import type { Lifecycle } from "@paykit/accounts"
 * const fresh: Lifecycle.Activity = { from: "pending", volume: 0n, reported: false }
 * ```
 * @category models
 * @since 0.5.0
 */
export interface Activity {
  readonly from: Status
  readonly volume: bigint
  readonly reported: boolean
}

/**
 * Whether the relationship had activity: the account left `pending` at some point (it operated,
 * or an operator suspended it), recorded processed volume, or the `ClosureCheck` port reports
 * activity. An end of a relationship that had activity places the anti-money-laundering
 * retention hold on every subject; a pending application withdrawn or rejected before anything
 * happened does not, so its data can be erased at once.
 *
 * @example
 * ```ts
 * import { Lifecycle } from "@paykit/accounts"
 * Lifecycle.hadActivity({ from: "pending", volume: 5_000_000n, reported: false }) // true
 * Lifecycle.hadActivity({ from: "pending", volume: 0n, reported: false }) // false
 * ```
 * @category guards
 * @since 0.5.0
 */
export const hadActivity = (a: Activity): boolean => a.from !== "pending" || a.volume !== 0n || a.reported

/**
 * The table's answer for an account, with who restricted it: as {@link transition}, and an owner
 * cannot close an account an operator restricted (only an operator can, or lifts the restriction
 * first). A restriction by the platform (`system`, past-due requirements) does not stop the owner.
 *
 * @example
 * ```ts
 * import { Lifecycle } from "@paykit/accounts"
 * Lifecycle.authorize({ status: "restricted", restrictedBy: "operator" }, "close", "owner") // Failure(IllegalTransition)
 * Lifecycle.authorize({ status: "restricted", restrictedBy: "system" }, "close", "owner") // Success("closed")
 * ```
 * @category constructors
 * @since 0.5.0
 */
export const authorize = (
  account: { readonly status: Status; readonly restrictedBy?: "system" | "operator" | undefined },
  command: Command,
  actor: ActorKind
): Result.Result<Status, IllegalTransition> =>
  command === "close" &&
  actor === "owner" &&
  account.status === "restricted" &&
  account.restrictedBy === "operator"
    ? Result.fail(
        new StateMachine.IllegalTransition({
          machine: "account",
          from: account.status,
          command,
          actor,
          reason:
            "an operator restricted the account: only an operator can close it, or lift the restriction first"
        })
      )
    : transition(account.status, command, actor)
