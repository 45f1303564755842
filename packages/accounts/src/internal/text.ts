/**
 * The rules every text input of the service obeys, so that memory, PGlite and PostgreSQL answer
 * alike: no NUL character (PostgreSQL text and jsonb refuse it: a storage error there, acceptance
 * in memory), no lone surrogate (an unpaired UTF-16 half: jsonb refuses its escape, a text
 * parameter turns it into U+FFFD), no blank names, bounded lengths, and login ids that are not
 * personal data (not shaped like an email address or a phone number).
 *
 * @internal
 */
import { Input, InvalidInput } from "@paykit/core"
import { Effect, Schema } from "effect"

/** A lone surrogate: in a `u` regular expression a paired surrogate is one code point, so only unpaired halves match. */
const LONE_SURROGATE = /\p{Cs}/u

/** Blank: only white space and invisible format characters (zero-width space, joiners, BOM, soft hyphen). */
const BLANK = /^[\s\u00AD\u180E\u200B-\u200D\u2060\uFEFF]*$/

/** Why `s` cannot be stored alike on every store, or `undefined` when it can. */
export const unsafeReason = (s: string): string | undefined =>
  s.includes("\u0000")
    ? "contains a NUL character (U+0000)"
    : LONE_SURROGATE.test(s)
      ? "contains a lone surrogate (half of a UTF-16 pair: not valid Unicode text)"
      : undefined

/** The check every stored text passes: no NUL character, no lone surrogate. */
export const isStorable = Schema.makeFilter((s: string) => unsafeReason(s) ?? true, {
  title: "StorableText"
})

/** The check of a name or other text that must say something: not only white space. */
export const isNotBlank = Schema.makeFilter((s: string) => !BLANK.test(s) || "is blank (only white space)", {
  title: "NotBlank"
})

/**
 * A text of 1 to `max` characters that says something (not only white space) and stores alike
 * everywhere (no NUL, no lone surrogate).
 */
export const text = (max: number) =>
  Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(max), isNotBlank, isStorable)

const EMAIL_SHAPED = /[^\s@]@[^\s@]/
const PHONE_SEPARATORS = /[\s\-./()]/g

/**
 * Why `id` looks like personal data (an email address or a phone number), or `undefined`.
 * Phone-shaped, once phone separators (space, `-`, `.`, `/`, parentheses) are removed: `+`, `00`
 * or `0` (international and trunk prefixes) then a digit from 1 to 9 and 5 to 14 more digits; or
 * 7 to 15 digits that were written with separators. A plain run of digits that does not start
 * with 0 (a database serial) is not phone-shaped.
 */
export const personalDataShape = (id: string): string | undefined => {
  if (EMAIL_SHAPED.test(id)) return "looks like an email address: use an opaque login id, not personal data"
  const compact = id.replace(PHONE_SEPARATORS, "")
  const separated = compact.length !== id.length
  if (/^(\+|00|0)[1-9]\d{5,14}$/.test(compact) || (separated && /^\d{7,15}$/.test(compact)))
    return "looks like a phone number: use an opaque login id, not personal data"
  return undefined
}

/**
 * A login id (a member's or an operator's, `owner.userId`): 1 to 100 characters, storable, not
 * blank, and never personal data — an id shaped like an email address or a phone number is
 * refused, since login ids are kept in plaintext (the team, the audit trail) and outlive an erasure.
 */
export const LoginId = text(100).check(
  Schema.makeFilter((s: string) => personalDataShape(s) ?? true, { title: "LoginId" })
)

/** A provider's error code: 1 to 100 characters, storable, not blank. */
export const ProviderCode = text(100)

/** A provider's reason for a person to read: 1 to 500 characters, storable, not blank. */
export const ProviderReason = text(500)

/**
 * Why an id argument (an account, subject or case id given as a plain string) cannot be looked up
 * alike on every store, or `undefined`.
 */
export const idProblem = (id: string): string | undefined =>
  id.length > 200 ? "longer than 200 characters" : unsafeReason(id)

/**
 * Decodes a union told apart by `key` so that a missing or unknown `key` is refused naming `key`
 * (a plain union answers at the root, naming no field): first the discriminator, then `schema`.
 */
export const decodeDiscriminated =
  <S extends Schema.Codec<unknown, unknown, never, never>>(
    operation: string,
    key: string,
    values: ReadonlyArray<string>,
    schema: S
  ) =>
  (input: unknown): Effect.Effect<S["Type"], InvalidInput> =>
    Effect.suspend(() => {
      let value: unknown
      try {
        if (typeof input !== "object" || input === null || Array.isArray(input))
          return Input.decode(operation, schema)(input)
        value = (input as Record<string, unknown>)[key]
      } catch {
        // a throwing getter: the decoder names where reading it threw
        return Input.decode(operation, schema)(input)
      }
      if (typeof value === "string" && values.includes(value)) return Input.decode(operation, schema)(input)
      const expected = values.map((v) => JSON.stringify(v)).join(" or ")
      return Effect.fail(
        new InvalidInput({
          operation,
          path: key,
          reason:
            value === undefined
              ? `is missing: expected ${expected}`
              : `expected ${expected}, got ${describe(value)}`
        })
      )
    })

const describe = (v: unknown): string =>
  typeof v === "string" ? `"${v.slice(0, 20)}${v.length > 20 ? "…" : ""}"` : v === null ? "null" : typeof v
