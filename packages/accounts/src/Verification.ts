import { StateMachine } from "@paykit/core"
import { Result, Schema } from "effect"
import { IllegalVerificationStep } from "./errors.ts"
import { ProviderCode, ProviderReason } from "./internal/text.ts"

/**
 * The states of a verification case (one per person or entity and kind), after Adyen's
 * verification statuses.
 *
 * @example
 * ```ts
 * import { Verification } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Verification.Status)("manual_review")
 * ```
 * @category models
 * @since 0.1.0
 */
export const Status = Schema.Literals([
  "unverified",
  "data_provided",
  "pending",
  "action_required",
  "manual_review",
  "verified",
  "rejected"
])

/**
 * A verification case's state.
 *
 * @example
 * ```ts
 * import { Verification } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Verification.Status)("manual_review")
 * ```
 * @category models
 * @since 0.1.0
 */
export type Status = typeof Status.Type

/**
 * What a case verifies: a person's identity (name, date of birth, id number), a person's
 * identity document, or a company's registration and tax id.
 *
 * @example
 * ```ts
 * import type { Verification } from "@paykit/accounts"
 * const kind: Verification.Kind = "company"
 * ```
 * @category models
 * @since 0.1.0
 */
export type Kind = "identity" | "document" | "company"

/**
 * An error on a case: a stable code and a reason a person can act on.
 *
 * @example
 * ```ts
 * import type { Verification } from "@paykit/accounts"
 * const e: Verification.CaseError = { code: "verification_document_required", reason: "upload an identity document" }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface CaseError {
  readonly code: string
  readonly reason: string
}

/**
 * What a verification provider answered. An error's `code` is 1 to 100 characters and its
 * `reason` 1 to 500, neither blank nor holding a NUL character or a lone surrogate: they are
 * stored on the case, so an unbounded or unstorable text is refused (`InvalidInput` from
 * `Accounts.verificationResult`, `ProviderFailure` when the port answers it).
 *
 * @example
 * ```ts
 * import { Verification } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Verification.Outcome)({ _tag: "rejected", code: "verification_failed_other", reason: "no match" })
 * ```
 * @category models
 * @since 0.1.0
 */
export const Outcome = Schema.Union([
  Schema.TaggedStruct("verified", {}),
  Schema.TaggedStruct("pending", {}),
  Schema.TaggedStruct("manual_review", {}),
  Schema.TaggedStruct("action_required", { code: ProviderCode, reason: ProviderReason }),
  Schema.TaggedStruct("rejected", { code: ProviderCode, reason: ProviderReason })
])

/**
 * A provider's answer.
 *
 * @example
 * ```ts
 * import { Verification } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Verification.Outcome)({ _tag: "rejected", code: "verification_failed_other", reason: "no match" })
 * ```
 * @category models
 * @since 0.1.0
 */
export type Outcome = typeof Outcome.Type

/**
 * The steps that move a case.
 *
 * @example
 * ```ts
 * import type { Verification } from "@paykit/accounts"
 * const approve: Verification.Step = { _tag: "review", approve: true }
 * ```
 * @category models
 * @since 0.1.0
 */
export type Step =
  | { readonly _tag: "provide" }
  | { readonly _tag: "submit" }
  | { readonly _tag: "result"; readonly outcome: Outcome }
  | { readonly _tag: "review"; readonly approve: boolean; readonly reason?: string }

/**
 * A case: its state, current errors, and which submission of its data the provider answers.
 *
 * Every `submit` step numbers a new submission: `submissions` counts them and `submissionId` is
 * `<case id>#<n>` for the n-th ({@link submissionIdOf}), sent to the provider with the data and
 * echoed with its late answer. `provide` (the checked data changed) removes `submissionId` and
 * keeps the count, so an answer to an earlier submission, to data no longer on file, never
 * applies (`SupersededAnswer` from `Accounts.verificationResult`). Both fields are optional
 * (since 0.5.0): a case stored by an older version has neither and counts as never submitted.
 *
 * @example
 * ```ts
 * import type { Verification } from "@paykit/accounts"
 * const waiting = (c: Verification.Case) => c.status === "pending" || c.status === "manual_review"
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Case {
  readonly id: string
  readonly subject: string
  readonly kind: Kind
  readonly status: Status
  readonly errors: ReadonlyArray<CaseError>
  readonly updatedAt: number
  /** How many times the case's data were submitted (absent: never; since 0.5.0). */
  readonly submissions?: number
  /**
   * The submission the case's current data were sent in (`<case id>#<n>`), the one a provider's
   * answer must name; absent until the first submission and after the data change (since 0.5.0).
   */
  readonly submissionId?: string
}

/**
 * The id of a case's `n`-th submission: `<case id>#<n>` (n from 1). The provider receives it with
 * the data (`VerificationProvider.Request.submissionId`) and echoes it with a late answer.
 *
 * @example
 * ```ts
 * import { Verification } from "@paykit/accounts"
 * Verification.submissionIdOf("identity:s1", 2) // "identity:s1#2"
 * ```
 * @category constructors
 * @since 0.5.0
 */
export const submissionIdOf = (caseId: string, n: number): string => `${caseId}#${n}`

/**
 * The case id and number of a submission id (`<case id>#<positive integer>`, split at the last
 * `#`), or `undefined` when it is not one.
 *
 * @example
 * ```ts
 * import { Verification } from "@paykit/accounts"
 * Verification.parseSubmissionId("identity:s1#2") // { caseId: "identity:s1", n: 2 }
 * Verification.parseSubmissionId("identity:s1#0") // undefined
 * ```
 * @category constructors
 * @since 0.5.0
 */
export const parseSubmissionId = (
  submissionId: string
): { readonly caseId: string; readonly n: number } | undefined => {
  const at = submissionId.lastIndexOf("#")
  if (at <= 0) return undefined
  const digits = submissionId.slice(at + 1)
  if (!/^[1-9][0-9]*$/.test(digits)) return undefined
  const n = Number(digits)
  return Number.isSafeInteger(n) ? { caseId: submissionId.slice(0, at), n } : undefined
}

const answered =
  (tag: Outcome["_tag"]) =>
  (step: Step): boolean =>
    step._tag === "result" && step.outcome._tag === tag

/**
 * The verification state machine (a `@paykit/core` `StateMachine`): one row per move, the step's
 * `_tag` as the command, and guards on the step itself telling apart the provider's answers and
 * the reviewer's decision. Cases start `unverified`; no state is final (changing the checked data
 * reopens any case). Validated when the module loads.
 *
 * ```
 * unverified ─provide→ data_provided ─submit→ pending ─result→ verified | rejected | action_required | manual_review | pending
 * any state ─provide (the checked data changed)→ data_provided
 * manual_review ─review→ verified | rejected
 * ```
 *
 * @example
 * ```ts
 * import { Verification } from "@paykit/accounts"
 * Verification.machine.transition("manual_review", "review", undefined, { _tag: "review", approve: true }) // Success("verified")
 * ```
 * @category models
 * @since 0.1.0
 */
export const machine = StateMachine.makeUnsafe({
  name: "verification case",
  states: Status.literals,
  commands: ["provide", "submit", "result", "review"] satisfies ReadonlyArray<Step["_tag"]>,
  initial: ["unverified"],
  final: [],
  guards: {
    answeredVerified: answered("verified"),
    answeredLater: answered("pending"),
    answeredManualReview: answered("manual_review"),
    answeredActionRequired: answered("action_required"),
    answeredRejected: answered("rejected"),
    approved: (step: Step) => step._tag === "review" && step.approve,
    declined: (step: Step) => step._tag === "review" && !step.approve
  },
  rows: [
    { command: "provide", from: Status.literals, to: "data_provided" },
    { command: "submit", from: ["data_provided"], to: "pending" },
    { command: "result", from: ["pending"], to: "verified", guard: "answeredVerified" },
    { command: "result", from: ["pending"], to: "pending", guard: "answeredLater" },
    { command: "result", from: ["pending"], to: "manual_review", guard: "answeredManualReview" },
    { command: "result", from: ["pending"], to: "action_required", guard: "answeredActionRequired" },
    { command: "result", from: ["pending"], to: "rejected", guard: "answeredRejected" },
    { command: "review", from: ["manual_review"], to: "verified", guard: "approved" },
    { command: "review", from: ["manual_review"], to: "rejected", guard: "declined" }
  ]
})

/**
 * For each step, the states it may start from (derived from {@link machine}).
 *
 * @example
 * ```ts
 * import { Verification } from "@paykit/accounts"
 * Verification.FROM.review // ["manual_review"]
 * ```
 * @category models
 * @since 0.1.0
 */
export const FROM: { readonly [K in Step["_tag"]]: ReadonlyArray<Status> } = {
  provide: machine.fromStates("provide"),
  submit: machine.fromStates("submit"),
  result: machine.fromStates("result"),
  review: machine.fromStates("review")
}

/** The errors a case carries after a step: the provider's or the reviewer's, else none. */
const errorsAfter = (step: Step): ReadonlyArray<CaseError> => {
  if (step._tag === "review" && !step.approve) {
    return [{ code: "verification_rejected_manual_review", reason: step.reason ?? "rejected on review" }]
  }
  if (
    step._tag === "result" &&
    (step.outcome._tag === "action_required" || step.outcome._tag === "rejected")
  ) {
    return [{ code: step.outcome.code, reason: step.outcome.reason }]
  }
  return []
}

/**
 * The next state and errors of a case after a step, or `IllegalVerificationStep`. The state
 * comes from {@link machine}; the errors from the step. `submit` numbers a new submission
 * (`submissions` + 1, `submissionId` `<case id>#<n>`); `provide` removes `submissionId`.
 *
 * @example
 * ```ts
 * import { Verification } from "@paykit/accounts"
 * const c = { id: "c", subject: "s", kind: "identity", status: "data_provided", errors: [], updatedAt: 0 } as const
 * Verification.next(c, { _tag: "submit" }, 1)
 * // Success({ ...c, status: "pending", updatedAt: 1, submissions: 1, submissionId: "c#1" })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const next = (c: Case, step: Step, now: number): Result.Result<Case, IllegalVerificationStep> => {
  const to = machine.transition(c.status, step._tag, undefined, step)
  if (Result.isFailure(to))
    return Result.fail(new IllegalVerificationStep({ caseId: c.id, from: c.status, step: step._tag }))
  const moved: Case = { ...c, status: to.success, errors: errorsAfter(step), updatedAt: now }
  return Result.succeed(submissionAfter(moved, step))
}

/** A submit numbers a new submission; a provide drops the current one (its data changed). */
const submissionAfter = (c: Case, step: Step): Case => {
  if (step._tag === "submit") {
    const n = (c.submissions ?? 0) + 1
    return { ...c, submissions: n, submissionId: submissionIdOf(c.id, n) }
  }
  if (step._tag === "provide" && c.submissionId !== undefined) {
    const { submissionId: _dropped, ...rest } = c
    return rest
  }
  return c
}

/**
 * A new case for a subject and kind, `unverified`.
 *
 * @example
 * ```ts
 * import { Verification } from "@paykit/accounts"
 * Verification.make("01J0000000000000000000000A", "identity", 0).status // "unverified"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const make = (subject: string, kind: Kind, now: number): Case => ({
  id: `${kind}:${subject}`,
  subject,
  kind,
  status: "unverified",
  errors: [],
  updatedAt: now
})
