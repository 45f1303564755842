/**
 * Verification: cases with their data submitted to the `VerificationProvider` (each submission
 * numbered, its id sent with the data), the provider's later answers (applied only to the
 * submission they name), and operators' reviews; every change of cases is committed with its
 * audit record, a `verification.updated` event per case, and the platform's automatic step.
 *
 * @internal
 */
import { Input, InvalidInput, Service } from "@paykit/core"
import { Effect, Result } from "effect"
import type { Account } from "../Account.ts"
import type { Accounts } from "../Accounts.ts"
import { type IllegalVerificationStep, type NotFound, ProviderFailure, SupersededAnswer } from "../errors.ts"
import * as Events from "../Events.ts"
import * as Verification from "../Verification.ts"
import { CASE_FIELDS } from "./fields.ts"
import { Actor, ReviewInput } from "./inputs.ts"
import { actorLabel, type Kit, notFinal, notFound, only, type Plan, require } from "./kit.ts"
import type { Sealing } from "./sealing.ts"
import { decodeDiscriminated, idProblem } from "./text.ts"

const decodeSubmitActor = Input.decode("submitVerification", Actor)
const OUTCOME_TAGS = ["verified", "pending", "manual_review", "action_required", "rejected"]
const decodeOutcome = decodeDiscriminated("verificationResult", "_tag", OUTCOME_TAGS, Verification.Outcome)
const decodeAnswer = decodeDiscriminated(
  "VerificationProvider.verify",
  "_tag",
  OUTCOME_TAGS,
  Verification.Outcome
)

/**
 * The port's answer, held to the same schema as a late answer (bounded, storable texts): an
 * answer that fails it is the provider's failure, naming the field, and nothing is written.
 */
const checkAnswer = (
  caseId: string,
  outcome: unknown
): Effect.Effect<Verification.Outcome, ProviderFailure> =>
  Effect.mapError(
    decodeAnswer(outcome),
    (e) =>
      new ProviderFailure({
        reason: `its answer for case ${caseId} is invalid at ${e.path || "(root)"}: ${e.reason}`
      })
  )
const decodeReviewActor = Input.decode("review", Actor)

/**
 * A late answer's submission id: a string `<case id>#<positive integer>` (the case id checked as
 * any id argument), else `InvalidInput` at `submissionId`. Answers its case id and the id.
 */
const decodeSubmissionId = (
  value: unknown
): Effect.Effect<{ readonly caseId: string; readonly submissionId: string }, InvalidInput> => {
  const refuse = (reason: string) =>
    Effect.fail(new InvalidInput({ operation: "verificationResult", path: "submissionId", reason }))
  if (typeof value !== "string") return refuse("expected a submission id (a string)")
  const parsed = Verification.parseSubmissionId(value)
  if (parsed === undefined)
    return refuse("expected <case id>#<submission number>, the submission id sent to the provider")
  const problem = idProblem(parsed.caseId)
  return problem === undefined
    ? Effect.succeed({ caseId: parsed.caseId, submissionId: value })
    : refuse(`its case id is ${problem}`)
}
const decodeReview = Input.decode("review", ReviewInput)

/** The case `caseId` of the account. */
export const findCase = (a: Account, caseId: string): Result.Result<Verification.Case, NotFound> => {
  const c = a.cases.find((x) => x.id === caseId)
  return c === undefined ? Result.fail(notFound("verification case", caseId)) : Result.succeed(c)
}

/** The account's cases with one replaced by the step's result (pure). */
export const stepCase = (
  a: Account,
  caseId: string,
  step: Verification.Step,
  now: number
): Result.Result<ReadonlyArray<Verification.Case>, NotFound | IllegalVerificationStep> =>
  Result.flatMap(findCase(a, caseId), (c) =>
    Result.map(Verification.next(c, step, now), (next) => a.cases.map((x) => (x.id === caseId ? next : x)))
  )

export const make = (kit: Kit, sealing: Sealing) => {
  const { provider } = kit

  /** Commits the account's new cases (if any changed) with the audit record and their events. */
  const applyCases = (
    a: Account,
    cases: ReadonlyArray<Verification.Case>,
    now: number,
    actor: string
  ): Plan<Account> => {
    const changed = cases.filter((c, i) => c !== a.cases[i])
    if (changed.length === 0) return Service.unchanged(a)
    return kit.change(a, { ...a, cases, version: a.version + 1, updatedAt: now }, now, {
      settle: true,
      audit: {
        actor,
        action: "verification",
        version: a.profileVersion,
        changes: changed.map((c) => ({
          field: `case:${c.id}`,
          from: a.cases.find((x) => x.id === c.id)?.status ?? null,
          to: c.status
        }))
      },
      events: changed.map((c) => ({
        type: Events.TYPES.verificationUpdated,
        data: { accountId: a.id, caseId: c.id, kind: c.kind, status: c.status, errors: c.errors }
      }))
    })
  }

  /** Sends every case with its data provided to the provider and records its answer. */
  const submit = (a: Account, now: number) =>
    Effect.gen(function* () {
      const cases: Array<Verification.Case> = []
      const cache = new Map<string, Record<string, string>>()
      for (const c of a.cases) {
        if (c.status !== "data_provided") {
          cases.push(c)
          continue
        }
        let data = cache.get(c.subject)
        if (data === undefined) {
          data = yield* sealing.readSubject(c.subject, now, "operations")
          cache.set(c.subject, data)
        }
        const sent: Record<string, string> = Object.fromEntries(
          [...CASE_FIELDS[c.kind], "firstName", "lastName", "dateOfBirth"]
            .filter((f) => data[f] !== undefined)
            .map((f) => [f, data[f]!])
        )
        if (c.kind === "company" && a.legalName !== undefined) sent["legalName"] = a.legalName
        // a new submission, numbered before it is sent: the provider echoes its id with a late answer
        const submitted = yield* Effect.fromResult(Verification.next(c, { _tag: "submit" }, now))
        const outcome = yield* checkAnswer(
          c.id,
          yield* provider.verify({
            caseId: c.id,
            submissionId: submitted.submissionId!,
            kind: c.kind,
            data: sent
          })
        )
        cases.push(yield* Effect.fromResult(Verification.next(submitted, { _tag: "result", outcome }, now)))
      }
      return cases
    })

  const submitVerification: Accounts["Service"]["submitVerification"] = (accountId, actor) =>
    kit.onAccount(accountId, decodeSubmitActor(actor), (a, actor, now) =>
      Effect.gen(function* () {
        yield* Effect.fromResult(notFinal(a, actor, "verify"))
        yield* Effect.fromResult(require(a, actor, "settings:manage", "submit verification"))
        return applyCases(a, yield* submit(a, now), now, actorLabel(actor))
      })
    )

  /**
   * A late answer applies only to the submission it names: the case is the part of the id before
   * the last `#`; an answer naming any other than the case's current submission (an earlier one,
   * one made before the data changed, or none made) is `SupersededAnswer` and writes nothing.
   */
  const verificationResult: Accounts["Service"]["verificationResult"] = (accountId, submissionId, outcome) =>
    kit.onAccount(
      accountId,
      Effect.all({ answer: decodeSubmissionId(submissionId), outcome: decodeOutcome(outcome) }),
      (a, { answer, outcome }, now) =>
        Effect.fromResult(
          Result.gen(function* () {
            const c = yield* findCase(a, answer.caseId)
            if (c.submissionId !== answer.submissionId)
              return yield* Result.fail(
                new SupersededAnswer({
                  caseId: c.id,
                  submissionId: answer.submissionId,
                  current: c.submissionId ?? null
                })
              )
            const cases = yield* stepCase(a, c.id, { _tag: "result", outcome }, now)
            return applyCases(a, cases, now, "provider")
          })
        )
    )

  const review: Accounts["Service"]["review"] = (accountId, actor, caseId, decision) =>
    kit.onAccount(
      accountId,
      Effect.all({ actor: decodeReviewActor(actor), decision: decodeReview(decision) }),
      (a, { actor, decision }, now) =>
        Effect.fromResult(
          Result.gen(function* () {
            yield* only("operator", actor, "review a verification", "only platform operators review")
            const step: Verification.Step = {
              _tag: "review",
              approve: decision.approve,
              ...(decision.reason === undefined ? {} : { reason: decision.reason })
            }
            return applyCases(a, yield* stepCase(a, caseId, step, now), now, actorLabel(actor))
          })
        )
    )

  return { submitVerification, verificationResult, review }
}
