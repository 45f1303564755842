import { Context, Effect, Layer } from "effect"
import type { ProviderFailure } from "./errors.ts"
import type * as Verification from "./Verification.ts"

/**
 * What is sent to the provider for one case: its kind, the (decrypted) data it checks, and the
 * submission's id (`<case id>#<n>`, a new one for every submission of the case). A provider that
 * answers later must echo `submissionId` with its answer: `Accounts.verificationResult` takes it
 * and applies the answer only while it names the case's current submission.
 *
 * @example
 * ```ts
 * import type { VerificationProvider } from "@paykit/accounts"
 * const r: VerificationProvider.Request = {
 *   caseId: "identity:s1",
 *   submissionId: "identity:s1#1",
 *   kind: "identity",
 *   data: { idNumber: "000000000" }
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export interface Request {
  readonly caseId: string
  /** The submission this request is (since 0.5.0): echo it with a late answer. */
  readonly submissionId: string
  readonly kind: Verification.Kind
  readonly data: Readonly<Record<string, string>>
}

/**
 * The verification port (an identity/KYB vendor). `verify` answers synchronously with a final
 * outcome, `pending` (the answer comes later through `Accounts.verificationResult`, naming the
 * request's `submissionId`), or `manual_review`. The service holds every answer to
 * `Verification.Outcome` (a known `_tag`, an error `code` of 1 to 100 characters and a `reason`
 * of 1 to 500, no NUL character or lone surrogate): an answer that fails it is `ProviderFailure`
 * naming the field, and nothing is written, so an adapter should map its vendor's codes and cut
 * long messages itself.
 *
 * @example
 * ```ts
 * import { VerificationProvider } from "@paykit/accounts"
 * import { Effect } from "effect"
 * const ask = Effect.flatMap(VerificationProvider.VerificationProvider, (p) =>
 *   p.verify({ caseId: "identity:s1", submissionId: "identity:s1#1", kind: "identity", data: { idNumber: "000000000" } })
 * )
 * ```
 * @category services
 * @since 0.1.0
 */
export class VerificationProvider extends Context.Service<
  VerificationProvider,
  { readonly verify: (request: Request) => Effect.Effect<Verification.Outcome, ProviderFailure> }
>()("@paykit/accounts/VerificationProvider") {}

/**
 * The magic test values the memory provider understands, after Stripe's test mode. Any other
 * value verifies.
 *
 * | field | value | outcome |
 * | --- | --- | --- |
 * | `idNumber` / `taxId` | `000000000` | verified |
 * | `idNumber` / `taxId` | `111111111` | rejected (`verification_failed_id_number_match` / `verification_failed_tax_id_match`) |
 * | `idNumber` / `taxId` | `222222222` | action required (`verification_document_required`) |
 * | `idNumber` / `taxId` | `333333333` | manual review |
 * | `idNumber` / `taxId` | `444444444` | pending (answered later) |
 * | `idDocument` | `file_identity_document_success` | verified |
 * | `idDocument` | `file_identity_document_failure` | rejected (`verification_document_failed`) |
 * | `idDocument` | `file_identity_document_pending` | pending |
 *
 * @example
 * ```ts
 * import { VerificationProvider } from "@paykit/accounts"
 * VerificationProvider.MAGIC.manualReview // "333333333"
 * ```
 * @category models
 * @since 0.1.0
 */
export const MAGIC = {
  verified: "000000000",
  rejected: "111111111",
  actionRequired: "222222222",
  manualReview: "333333333",
  pending: "444444444",
  documentSuccess: "file_identity_document_success",
  documentFailure: "file_identity_document_failure",
  documentPending: "file_identity_document_pending"
} as const

/**
 * The memory provider's answer for a request: a pure function of the magic values (the
 * submission id does not change it).
 *
 * @example
 * ```ts
 * import { VerificationProvider } from "@paykit/accounts"
 * VerificationProvider.decideMemory({ caseId: "c", submissionId: "c#1", kind: "identity", data: { idNumber: "111111111" } })._tag // "rejected"
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const decideMemory = (request: Request): Verification.Outcome => {
  if (request.kind === "document") {
    switch (request.data["idDocument"]) {
      case MAGIC.documentFailure:
        return {
          _tag: "rejected",
          code: "verification_document_failed",
          reason: "the identity document could not be verified"
        }
      case MAGIC.documentPending:
        return { _tag: "pending" }
      default:
        return { _tag: "verified" }
    }
  }
  const field = request.kind === "company" ? "taxId" : "idNumber"
  switch (request.data[field]) {
    case MAGIC.rejected:
      return {
        _tag: "rejected",
        code:
          request.kind === "company"
            ? "verification_failed_tax_id_match"
            : "verification_failed_id_number_match",
        reason: `the ${field === "taxId" ? "tax id" : "id number"} does not match the name given`
      }
    case MAGIC.actionRequired:
      return {
        _tag: "action_required",
        code: "verification_document_required",
        reason: "upload an identity document to finish verification"
      }
    case MAGIC.manualReview:
      return { _tag: "manual_review" }
    case MAGIC.pending:
      return { _tag: "pending" }
    default:
      return { _tag: "verified" }
  }
}

/**
 * The memory provider: answers with {@link decideMemory}; keeps nothing. A `pending` answer is
 * given later by calling `Accounts.verificationResult` with the request's `submissionId`.
 *
 * @example
 * ```ts
 * import { VerificationProvider } from "@paykit/accounts"
 * import { Effect } from "effect"
 * const outcome = Effect.flatMap(VerificationProvider.VerificationProvider, (p) =>
 *   p.verify({ caseId: "c", submissionId: "c#1", kind: "document", data: { idDocument: "file_identity_document_failure" } })
 * ).pipe(Effect.provide(VerificationProvider.layerMemory)) // rejected
 * ```
 * @category layers
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<VerificationProvider> = Layer.succeed(
  VerificationProvider,
  VerificationProvider.of({ verify: (request) => Effect.succeed(decideMemory(request)) })
)
