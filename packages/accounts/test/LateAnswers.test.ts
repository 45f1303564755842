import { Ids, Notifier } from "@paykit/core"
import { Effect, Layer, Result } from "effect"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  Accounts,
  AccountStore,
  ClosureCheck,
  KeyStore,
  Verification,
  VerificationProvider
} from "../src/index.ts"
import { Fixtures } from "../src/testing/index.ts"

/**
 * Issue 16: a late provider answer applies only to the submission it answers. Every submission of
 * a case gets an id (`<case id>#<n>`), sent to the provider with the data; the provider echoes it
 * with its late answer, and `Accounts.verificationResult` applies the answer only while it names
 * the case's current submission (else `SupersededAnswer`, nothing written, no event).
 */

const JANE = { kind: "member", id: "user-jane" } as const
const NUM_RUNS = 50

/** The service on the memory layers, with a provider that records every request it is sent. */
const world = () => {
  const requests: Array<VerificationProvider.Request> = []
  const provider = Layer.succeed(
    VerificationProvider.VerificationProvider,
    VerificationProvider.VerificationProvider.of({
      verify: (request) =>
        Effect.sync(() => {
          requests.push(request)
          return VerificationProvider.decideMemory(request)
        })
    })
  )
  const layer = Accounts.layer().pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        AccountStore.layerMemory.pipe(Layer.provideMerge(Notifier.layerMemory)),
        KeyStore.layerMemory,
        provider,
        ClosureCheck.layerMemory,
        Ids.layerSeeded(1)
      )
    ),
    Layer.provideMerge(TestClock.layer())
  )
  return { requests, layer }
}

type Env = Accounts.Accounts | AccountStore.AccountStore | Notifier.RecordedEvents

const run = <A, E>(effect: Effect.Effect<A, E, Env>, w: ReturnType<typeof world> = world()): Promise<A> =>
  Effect.runPromise(Effect.provide(effect, w.layer) as Effect.Effect<A, E>)

/** Everything stored and every event delivered so far. */
const snapshot = Effect.gen(function* () {
  const store = yield* AccountStore.AccountStore
  const events = yield* Notifier.RecordedEvents
  return { dump: yield* store.dump, events: (yield* events.all).length }
})

/** An individual whose id number the memory provider answers `pending` (answered later). */
const registerPending = Effect.flatMap(Accounts.Accounts, (s) =>
  s.register(
    Fixtures.individual({
      person: { ...Fixtures.individual().person, idNumber: VerificationProvider.MAGIC.pending }
    })
  )
)

const identityOf = (a: { readonly cases: ReadonlyArray<Verification.Case> }) =>
  a.cases.find((c) => c.kind === "identity")!

const tagOf = (r: Result.Result<unknown, { readonly _tag: string }>) =>
  Result.isSuccess(r) ? "ok" : r.failure._tag

describe("a late provider answer applies only to the submission it answers", () => {
  it("an answer for submission 1 after the data changed and were submitted again is SupersededAnswer: the case stays pending for submission 2, nothing is written, no event, no audit entry; the answer for submission 2 applies", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* registerPending
        const first = identityOf(yield* s.submitVerification(a.id, JANE))
        expect(first).toMatchObject({ status: "pending", submissions: 1, submissionId: `${first.id}#1` })

        // the checked data change: the case is data_provided and no submission is current
        const reopened = identityOf(yield* s.updateProfile(a.id, JANE, { lastName: "Doe-Smith" }))
        expect(reopened.status).toBe("data_provided")
        expect(reopened.submissionId).toBeUndefined()
        expect(reopened.submissions).toBe(1)
        const beforeResubmit = yield* snapshot
        const early = yield* Effect.result(
          s.verificationResult(a.id, first.submissionId!, { _tag: "verified" })
        )
        expect(Result.isFailure(early) && early.failure).toMatchObject({
          _tag: "SupersededAnswer",
          caseId: first.id,
          submissionId: `${first.id}#1`,
          current: null
        })
        expect(yield* snapshot).toEqual(beforeResubmit)

        // submitted again: submission 2, pending
        const second = identityOf(yield* s.submitVerification(a.id, JANE))
        expect(second).toMatchObject({ status: "pending", submissions: 2, submissionId: `${first.id}#2` })

        // the late answer for submission 1 arrives: refused, nothing changes
        const before = yield* snapshot
        const late = yield* Effect.result(
          s.verificationResult(a.id, first.submissionId!, { _tag: "verified" })
        )
        expect(tagOf(late)).toBe("SupersededAnswer")
        if (Result.isFailure(late)) {
          expect(late.failure).toMatchObject({
            caseId: first.id,
            submissionId: `${first.id}#1`,
            current: `${first.id}#2`
          })
          expect(late.failure.message).toContain(`${first.id}#2`)
        }
        const after = yield* snapshot
        expect(after.events, "no event").toBe(before.events)
        expect(after.dump.audit, "no audit entry").toEqual(before.dump.audit)
        expect(after.dump, "the store is unchanged").toEqual(before.dump)
        expect(identityOf(yield* s.get(a.id))).toEqual(second)

        // the answer for submission 2 verifies the case, with its audit entry and event
        const answered = identityOf(
          yield* s.verificationResult(a.id, second.submissionId!, { _tag: "verified" })
        )
        expect(answered).toMatchObject({ status: "verified", submissionId: `${first.id}#2` })
        const done = yield* snapshot
        expect(done.events).toBeGreaterThan(after.events)
        expect(done.dump.audit.length).toBe(after.dump.audit.length + 1)
        expect(done.dump.audit.at(-1)).toMatchObject({
          actor: "provider",
          action: "verification",
          changes: [{ field: `case:${first.id}`, from: "pending", to: "verified" }]
        })
      })
    ))

  it("a malformed submission id (not <case id>#<positive integer>) is InvalidInput naming submissionId; an unknown case is NotFound; nothing is written", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* registerPending
        const c = identityOf(yield* s.submitVerification(a.id, JANE))
        const before = yield* snapshot
        const malformed: ReadonlyArray<unknown> = [
          c.id,
          `${c.id}#`,
          `${c.id}#0`,
          `${c.id}#01`,
          `${c.id}#-1`,
          `${c.id}#1.5`,
          `${c.id}#1 `,
          `${c.id}#x`,
          `${c.id}#99999999999999999999`,
          "#1",
          "",
          `${c.id}\u0000#1`,
          `${"x".repeat(201)}#1`,
          42,
          null,
          undefined
        ]
        for (const id of malformed) {
          const r = yield* Effect.result(s.verificationResult(a.id, id as string, { _tag: "verified" }))
          expect(tagOf(r), JSON.stringify(id)).toBe("InvalidInput")
          if (Result.isFailure(r) && r.failure._tag === "InvalidInput") {
            expect(r.failure.path, JSON.stringify(id)).toBe("submissionId")
            expect(r.failure.operation).toBe("verificationResult")
          }
        }
        const unknown = yield* Effect.result(
          s.verificationResult(a.id, "identity:nobody#1", { _tag: "verified" })
        )
        expect(Result.isFailure(unknown) && unknown.failure).toMatchObject({
          _tag: "NotFound",
          kind: "verification case",
          id: "identity:nobody"
        })
        expect(yield* snapshot).toEqual(before)
        // the case id is everything before the last '#': a '#' inside it is no problem
        expect(Verification.parseSubmissionId("identity:a#b#3")).toEqual({ caseId: "identity:a#b", n: 3 })
        // and the next valid answer applies
        expect(
          identityOf(yield* s.verificationResult(a.id, c.submissionId!, { _tag: "verified" })).status
        ).toBe("verified")
      })
    ))

  it("the provider receives the submission id in the request, a new one for every submission of the case", () => {
    const w = world()
    return run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const a = yield* registerPending
        const c = identityOf(yield* s.submitVerification(a.id, JANE))
        yield* s.updateProfile(a.id, JANE, { lastName: "Doe-Smith" })
        const again = identityOf(yield* s.submitVerification(a.id, JANE))
        const sent = w.requests.filter((r) => r.caseId === c.id)
        expect(sent.map((r) => r.submissionId)).toEqual([`${c.id}#1`, `${c.id}#2`])
        expect(sent.map((r) => r.data["lastName"])).toEqual(["Doe", "Doe-Smith"])
        expect(again.submissionId).toBe(sent[1]!.submissionId)
        for (const r of w.requests)
          expect(Verification.parseSubmissionId(r.submissionId)?.caseId).toBe(r.caseId)
      }),
      w
    )
  })

  it("a case stored without submission fields (by an older version) counts as never submitted: an answer to it is SupersededAnswer (current null), its next submission is #1", () =>
    run(
      Effect.gen(function* () {
        const s = yield* Accounts.Accounts
        const store = yield* AccountStore.AccountStore
        const a = yield* registerPending
        const submitted = yield* s.submitVerification(a.id, JANE)
        // as an older version stored it: pending, no submission fields
        const legacy = {
          ...submitted,
          version: submitted.version + 1,
          cases: submitted.cases.map(({ submissions: _n, submissionId: _id, ...c }) => c)
        }
        yield* store.commit({ accounts: [{ account: legacy, expectedVersion: submitted.version }] })
        const c = identityOf(yield* s.get(a.id))
        expect(c.status).toBe("pending")
        expect(c.submissionId).toBeUndefined()
        const before = yield* snapshot
        const r = yield* Effect.result(s.verificationResult(a.id, `${c.id}#1`, { _tag: "verified" }))
        expect(Result.isFailure(r) && r.failure).toMatchObject({ _tag: "SupersededAnswer", current: null })
        expect(yield* snapshot).toEqual(before)
        // the pure step: the first submission of a legacy case is #1
        const provided = Result.getOrThrow(Verification.next(c, { _tag: "provide" }, 1))
        expect(Result.getOrThrow(Verification.next(provided, { _tag: "submit" }, 2))).toMatchObject({
          submissions: 1,
          submissionId: `${c.id}#1`
        })
        // through the service: the data change, the case is submitted as #1 and that answer applies
        yield* s.updateProfile(a.id, JANE, { lastName: "Doe-Smith" })
        const again = identityOf(yield* s.submitVerification(a.id, JANE))
        expect(again.submissionId).toBe(`${c.id}#1`)
        expect(identityOf(yield* s.verificationResult(a.id, `${c.id}#1`, { _tag: "verified" })).status).toBe(
          "verified"
        )
      })
    ))

  type Action =
    | { readonly _tag: "provide" }
    | { readonly _tag: "submit" }
    | { readonly _tag: "answer"; readonly pick: number; readonly outcome: Verification.Outcome }

  const action: fc.Arbitrary<Action> = fc.oneof(
    fc.constant({ _tag: "provide" } as const),
    fc.constant({ _tag: "submit" } as const),
    fc.record({
      _tag: fc.constant("answer" as const),
      pick: fc.nat(),
      outcome: fc.constantFrom<Verification.Outcome>(
        { _tag: "verified" },
        { _tag: "pending" },
        { _tag: "manual_review" },
        { _tag: "rejected", code: "verification_failed_other", reason: "no match" }
      )
    })
  )

  it("property: over random provide / submit / answer sequences, an answer (naming any submission issued so far) is applied iff it names the case's current submission", async () => {
    const seen = new Map<string, number>()
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 12 }), async (actions) => {
        const w = world()
        await run(
          Effect.gen(function* () {
            const s = yield* Accounts.Accounts
            const a = yield* registerPending
            const caseId = identityOf(a).id
            // the model: the submissions the provider was sent, and the one the current data were sent in
            let current: string | null = null
            let lastName = 0
            for (const act of actions) {
              const sentBefore = w.requests.filter((r) => r.caseId === caseId).length
              if (act._tag === "provide") {
                lastName += 1
                yield* s.updateProfile(a.id, JANE, { lastName: `Doe${lastName}` })
                current = null
              } else if (act._tag === "submit") {
                yield* s.submitVerification(a.id, JANE)
                const sent = w.requests.filter((r) => r.caseId === caseId)
                if (sent.length > sentBefore) current = sent.at(-1)!.submissionId
              } else {
                const issued = w.requests.filter((r) => r.caseId === caseId).map((r) => r.submissionId)
                const named = issued.length === 0 ? `${caseId}#1` : issued[act.pick % issued.length]!
                const c = identityOf(yield* s.get(a.id))
                const before = yield* snapshot
                const r = yield* Effect.result(s.verificationResult(a.id, named, act.outcome))
                const after = yield* snapshot
                const expected =
                  named !== current
                    ? "SupersededAnswer"
                    : c.status === "pending"
                      ? "ok"
                      : "IllegalVerificationStep"
                expect(tagOf(r)).toBe(expected)
                seen.set(expected, (seen.get(expected) ?? 0) + 1)
                if (Result.isFailure(r)) {
                  expect(after).toEqual(before)
                  if (r.failure._tag === "SupersededAnswer") expect(r.failure.current).toBe(current)
                } else {
                  const now = identityOf(r.success)
                  expect(now.status).toBe(act.outcome._tag)
                  expect(now.submissionId).toBe(current)
                  expect(after.dump.audit.length).toBe(before.dump.audit.length + 1)
                  expect(after.events).toBeGreaterThan(before.events)
                }
              }
              // the service's current submission is the model's, and every submission id was new
              expect(identityOf(yield* s.get(a.id)).submissionId ?? null).toBe(current)
              const ids = w.requests.filter((r) => r.caseId === caseId).map((r) => r.submissionId)
              expect(ids).toEqual(ids.map((_, i) => `${caseId}#${i + 1}`))
            }
          }),
          w
        )
      }),
      { numRuns: NUM_RUNS }
    )
    // the runs met every answer: applied, superseded, and current but not awaited
    for (const tag of ["ok", "SupersededAnswer", "IllegalVerificationStep"])
      expect(seen.get(tag) ?? 0, tag).toBeGreaterThan(0)
  })
})
