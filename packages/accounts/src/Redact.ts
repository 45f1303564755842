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
 * What the audit trail shows in place of a personal value: a fixed marker. It keeps nothing of
 * the value (no initial, domain, length or last digits), so nothing of it survives an erasure:
 * the audit trail still says which field changed, when and by whom.
 *
 * @example
 * ```ts
 * import { Redact } from "@paykit/accounts"
 * Redact.MARKER // "•••"
 * ```
 * @category models
 * @since 0.5.0
 */
export const MARKER = "•••"

/**
 * A redacted rendering of a personal value: always {@link MARKER}, whatever the field and the
 * value. (Before 0.5.0 it kept an email's initial and top-level domain, `j***@***.com`, and a
 * phone number's length and last two digits; those fragments outlived an erasure.)
 *
 * @example
 * ```ts
 * import { Redact } from "@paykit/accounts"
 * Redact.value("email", "jane@example.com") // "•••"
 * ```
 * @category math
 * @since 0.1.0
 */
export const value = (_field: string, _v: string): string => MARKER

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

/**
 * The fields whose audited values are personal: the sealed fields and the card summary (brand
 * and last four digits).
 *
 * @example
 * ```ts
 * import { Redact } from "@paykit/accounts"
 * Redact.AUDIT_REDACTED.has("card") // true
 * ```
 * @category models
 * @since 0.5.0
 */
export const AUDIT_REDACTED: ReadonlySet<string> = new Set([...PII_FIELDS, "card"])

/**
 * One audited change as the audit trail shows it: a personal field's old and new values become
 * {@link MARKER} (or stay `null` when absent). Applied on every audit read, so records written
 * before 0.5.0 (which kept masked fragments such as `j***@***.com`) show none either.
 *
 * @example
 * ```ts
 * import { Redact } from "@paykit/accounts"
 * Redact.change({ field: "email", from: "j***@***.com", to: null }) // { field: "email", from: "•••", to: null }
 * ```
 * @category math
 * @since 0.5.0
 */
export const change = <
  C extends { readonly field: string; readonly from: string | null; readonly to: string | null }
>(
  c: C
): C =>
  AUDIT_REDACTED.has(c.field)
    ? { ...c, from: c.from === null ? null : MARKER, to: c.to === null ? null : MARKER }
    : c
