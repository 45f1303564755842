/**
 * The personal fields: their values are sealed in the vault and appear in audit records, events
 * and logs only redacted.
 *
 * @example
 * ```ts
 * import { Redact } from "@paykit/accounts"
 * Redact.PII_FIELDS.has("phone") // true
 * ```
 * @category models
 * @since 0.1.0
 */
export const PII_FIELDS: ReadonlySet<string> = new Set([
  "email",
  "phone",
  "address",
  "firstName",
  "lastName",
  "dateOfBirth",
  "idNumber",
  "idDocument",
  "taxId",
  "registrationNumber",
  "bankAccountNumber"
])

/**
 * A redacted rendering of a personal value that keeps just enough to recognise a change:
 * `j***@***.com` for an email, `+*********78` for a phone, `•••` otherwise. Never the value.
 *
 * @example
 * ```ts
 * import { Redact } from "@paykit/accounts"
 * Redact.value("email", "jane@example.com") // "j***@***.com"
 * ```
 * @category math
 * @since 0.1.0
 */
export const value = (field: string, v: string): string => {
  if (field === "email") {
    const at = v.indexOf("@")
    const dot = v.lastIndexOf(".")
    return `${v.slice(0, 1)}***@***${dot > at ? v.slice(dot) : ""}`
  }
  if (field === "phone") return `+${"*".repeat(Math.max(0, v.length - 3))}${v.slice(-2)}`
  return "•••"
}

/**
 * A value as the audit trail shows it: redacted when the field is personal, as is otherwise.
 *
 * @example
 * ```ts
 * import { Redact } from "@paykit/accounts"
 * Redact.forAudit("website", "https://acme.example") // "https://acme.example"
 * Redact.forAudit("idNumber", "123456789") // "•••"
 * ```
 * @category math
 * @since 0.1.0
 */
export const forAudit = (field: string, v: string | undefined): string | null =>
  v === undefined ? null : PII_FIELDS.has(field) ? value(field, v) : v
