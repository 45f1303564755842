import { Schema } from "effect"

/**
 * The published schema of a subject access export (GDPR Art. 15 and 20): a JSON document with
 * the subject's personal data in clear, the accounts they belong to and in which role, their
 * verification cases, whether processing is restricted, and the audit trail of changes to their
 * data (field names and times). `format` names the version of this schema.
 *
 * @example
 * ```ts
 * import { SubjectExport } from "@paykit/accounts"
 * import { Schema } from "effect"
 * declare const json: unknown
 * const doc = Schema.decodeUnknownSync(SubjectExport.SubjectExport)(json)
 * ```
 * @category models
 * @since 0.1.0
 */
export const SubjectExport = Schema.Struct({
  format: Schema.Literal("paykit.subject-export.v1"),
  subject: Schema.String,
  exportedAt: Schema.String,
  accounts: Schema.Array(
    Schema.Struct({
      accountId: Schema.String,
      role: Schema.Literals(["holder", "representative", "owner", "director"]),
      type: Schema.Literals(["individual", "business"]),
      status: Schema.String,
      statusCode: Schema.Number,
      country: Schema.String,
      createdAt: Schema.String,
      capabilities: Schema.Array(Schema.String),
      card: Schema.optionalKey(Schema.Struct({ brand: Schema.String, last4: Schema.String })),
      bank: Schema.optionalKey(
        Schema.Struct({ country: Schema.String, currency: Schema.String, last4: Schema.String })
      )
    })
  ),
  personalData: Schema.Record(Schema.String, Schema.String),
  verification: Schema.Array(
    Schema.Struct({ kind: Schema.String, status: Schema.String, updatedAt: Schema.String })
  ),
  processing: Schema.Struct({
    restricted: Schema.Boolean,
    until: Schema.optionalKey(Schema.String),
    basis: Schema.optionalKey(Schema.String)
  }),
  auditTrail: Schema.Array(
    Schema.Struct({ at: Schema.String, action: Schema.String, fields: Schema.Array(Schema.String) })
  )
})

/**
 * A subject access export.
 *
 * @example
 * ```ts
 * import type { SubjectExport } from "@paykit/accounts"
 * const data = (e: SubjectExport.SubjectExport) => e.personalData
 * ```
 * @category models
 * @since 0.1.0
 */
export type SubjectExport = typeof SubjectExport.Type

/**
 * The export's JSON Schema (draft 2020-12), to publish next to the API.
 *
 * @example
 * ```ts
 * import { SubjectExport } from "@paykit/accounts"
 * JSON.stringify(SubjectExport.jsonSchema())
 * ```
 * @category models
 * @since 0.1.0
 */
export const jsonSchema = () => Schema.toJsonSchemaDocument(SubjectExport)
