import { Effect, type Layer, Schema } from "effect"
import { describe, expect, it } from "vitest"
import * as Verification from "../Verification.ts"
import { MAGIC, VerificationProvider } from "../VerificationProvider.ts"

/**
 * Options: `magic` runs the test-mode table (Stripe-style magic values) for providers that
 * support it.
 *
 * @example
 * ```ts
 * import type { VerificationProviderContract } from "@paykit/accounts/testing"
 * const options: VerificationProviderContract.Options = { magic: true }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Options {
  readonly magic?: boolean
}

/**
 * The `VerificationProvider` contract: every answer is a valid `Outcome`, answers are stable for
 * the same request, and (with `magic`) the magic test values give their documented outcomes.
 *
 * @example
 * ```ts
 * import { VerificationProvider } from "@paykit/accounts"
 * import { VerificationProviderContract } from "@paykit/accounts/testing"
 * VerificationProviderContract.suite("memory", VerificationProvider.layerMemory, { magic: true })
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const suite = (
  name: string,
  layer: Layer.Layer<VerificationProvider, unknown>,
  options: Options = {}
): void => {
  const run = <A, E>(effect: Effect.Effect<A, E, VerificationProvider>): Promise<A> =>
    Effect.runPromise(Effect.provide(effect, layer) as Effect.Effect<A, E>)
  const person = { firstName: "Jane", lastName: "Doe", dateOfBirth: "1990-04-01" }
  const ask = (kind: Verification.Kind, data: Record<string, string>) =>
    Effect.flatMap(VerificationProvider, (p) =>
      p.verify({ caseId: `${kind}:s`, submissionId: `${kind}:s#1`, kind, data })
    )

  describe(`VerificationProvider contract: ${name}`, () => {
    it("answers every kind with a valid outcome, the same one for the same request", () =>
      run(
        Effect.gen(function* () {
          for (const [kind, data] of [
            ["identity", { ...person, idNumber: "123456789" }],
            ["document", { ...person, idDocument: "file_abc" }],
            ["company", { legalName: "Acme", taxId: "DE123", registrationNumber: "HRB 1" }]
          ] as const) {
            const a = yield* ask(kind, data)
            Schema.decodeUnknownSync(Verification.Outcome)(a)
            expect(yield* ask(kind, data)).toEqual(a)
          }
        })
      ))

    if (options.magic === true) {
      it("honours the magic test values", () =>
        run(
          Effect.gen(function* () {
            const tag = (kind: Verification.Kind, data: Record<string, string>) =>
              Effect.map(ask(kind, data), (o) => o._tag)
            expect(yield* tag("identity", { ...person, idNumber: MAGIC.verified })).toBe("verified")
            expect(yield* tag("identity", { ...person, idNumber: MAGIC.rejected })).toBe("rejected")
            expect(yield* tag("identity", { ...person, idNumber: MAGIC.actionRequired })).toBe(
              "action_required"
            )
            expect(yield* tag("identity", { ...person, idNumber: MAGIC.manualReview })).toBe("manual_review")
            expect(yield* tag("identity", { ...person, idNumber: MAGIC.pending })).toBe("pending")
            expect(yield* tag("company", { taxId: MAGIC.rejected })).toBe("rejected")
            expect(yield* tag("company", { taxId: MAGIC.verified })).toBe("verified")
            expect(yield* tag("document", { idDocument: MAGIC.documentSuccess })).toBe("verified")
            expect(yield* tag("document", { idDocument: MAGIC.documentFailure })).toBe("rejected")
            expect(yield* tag("document", { idDocument: MAGIC.documentPending })).toBe("pending")
            const r = yield* ask("identity", { ...person, idNumber: MAGIC.rejected })
            if (r._tag === "rejected") expect(r.code).toBe("verification_failed_id_number_match")
          })
        ))
    }
  })
}
