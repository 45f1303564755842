import { Currency } from "@paykit/core/schema"
import { Schema } from "effect"
import { COUNTRIES } from "./internal/countries.ts"
import { isStorable, LoginId, text } from "./internal/text.ts"

/**
 * An ISO 3166-1 alpha-2 country code (`"DE"`, `"US"`), upper case.
 *
 * @example
 * ```ts
 * import { Registration } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Registration.Country)("DE")
 * ```
 * @category models
 * @since 0.1.0
 */
export const Country = Schema.String.check(
  Schema.makeFilter(
    (s: string) => COUNTRIES.has(s) || `"${s.slice(0, 8)}" is not an ISO 3166-1 alpha-2 country code`,
    {
      title: "Country"
    }
  )
)

const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/

/**
 * An email address (practical RFC 5321 subset, at most 254 characters, a dotted domain).
 *
 * @example
 * ```ts
 * import { Registration } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Registration.Email)("jane@example.com")
 * ```
 * @category models
 * @since 0.1.0
 */
export const Email = Schema.String.check(
  Schema.isMaxLength(254),
  Schema.isPattern(EMAIL, { message: "expected an email address such as jane@example.com" })
)

/**
 * A phone number in E.164: `+`, a country code not starting with 0, 8 to 15 digits in all.
 *
 * @example
 * ```ts
 * import { Registration } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Registration.Phone)("+4915112345678")
 * ```
 * @category models
 * @since 0.1.0
 */
export const Phone = Schema.String.check(
  Schema.isPattern(/^\+[1-9]\d{7,14}$/, {
    message: "expected an E.164 phone number: + then 8 to 15 digits, e.g. +4915112345678"
  })
)

/**
 * A calendar date `YYYY-MM-DD` that exists (no 2023-02-30).
 *
 * @example
 * ```ts
 * import { Registration } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Registration.DateOfBirth)("1990-04-01")
 * ```
 * @category models
 * @since 0.1.0
 */
export const DateOfBirth = Schema.String.check(
  Schema.makeFilter(
    (s: string) => {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
      if (m === null) return "expected a date YYYY-MM-DD"
      const d = new Date(`${s}T00:00:00Z`)
      return (
        (!Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s && Number(m[1]) >= 1900) ||
        "expected an existing calendar date from 1900 on"
      )
    },
    { title: "DateOfBirth" }
  )
)

/**
 * A postal address; `country` is ISO 3166-1 alpha-2.
 *
 * @example
 * ```ts
 * import { Registration } from "@paykit/accounts"
 * const a: Registration.Address = { line1: "1 Main St", city: "Berlin", postalCode: "10115", country: "DE" }
 * ```
 * @category models
 * @since 0.1.0
 */
export const Address = Schema.Struct({
  line1: text(200),
  line2: Schema.optionalKey(text(200)),
  city: text(100),
  postalCode: text(20),
  state: Schema.optionalKey(text(100)),
  country: Country
})

/**
 * A postal address.
 *
 * @example
 * ```ts
 * import type { Registration } from "@paykit/accounts"
 * const a: Registration.Address = { line1: "1 Main St", city: "Austin", postalCode: "78701", state: "TX", country: "US" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type Address = typeof Address.Type

/**
 * The personal fields of a natural person (the individual, a business's representative or owner).
 *
 * @example
 * ```ts
 * import { Registration } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Registration.Person)({ firstName: "Jane", lastName: "Doe", dateOfBirth: "1990-04-01" })
 * ```
 * @category models
 * @since 0.1.0
 */
export const Person = Schema.Struct({
  firstName: text(100),
  lastName: text(100),
  dateOfBirth: DateOfBirth,
  email: Schema.optionalKey(Email),
  phone: Schema.optionalKey(Phone),
  address: Schema.optionalKey(Address),
  idNumber: Schema.optionalKey(text(40)),
  idDocument: Schema.optionalKey(text(100))
})

/**
 * A natural person's fields.
 *
 * @example
 * ```ts
 * import type { Registration } from "@paykit/accounts"
 * const p: Registration.Person = { firstName: "Ada", lastName: "Lovelace", dateOfBirth: "1985-12-10" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type Person = typeof Person.Type

/**
 * A beneficial owner: a person and the percentage of the business they own (0 to 100, at most
 * two decimals).
 *
 * @example
 * ```ts
 * import { Registration } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Registration.Owner)({ firstName: "Ada", lastName: "Lovelace", dateOfBirth: "1985-12-10", ownershipPercent: 60 })
 * ```
 * @category models
 * @since 0.1.0
 */
export const Owner = Schema.Struct({
  ...Person.fields,
  ownershipPercent: Schema.Number.check(
    Schema.isBetween({ minimum: 0, maximum: 100 }),
    Schema.makeFilter((n: number) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-9 || "at most two decimals")
  )
})

/**
 * A beneficial owner.
 *
 * @example
 * ```ts
 * import { Registration } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Registration.Owner)({ firstName: "Ada", lastName: "Lovelace", dateOfBirth: "1985-12-10", ownershipPercent: 60 })
 * ```
 * @category models
 * @since 0.1.0
 */
export type Owner = typeof Owner.Type

/**
 * The capabilities an account can request.
 *
 * @example
 * ```ts
 * import { Registration } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Registration.Capability)("cross_border")
 * ```
 * @category models
 * @since 0.1.0
 */
export const Capability = Schema.Literals(["card_payments", "payouts", "stored_value", "cross_border"])

/**
 * A capability name.
 *
 * @example
 * ```ts
 * import { Registration } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Registration.Capability)("cross_border")
 * ```
 * @category models
 * @since 0.1.0
 */
export type Capability = typeof Capability.Type

/**
 * Every capability, in a fixed order.
 *
 * @example
 * ```ts
 * import { Registration } from "@paykit/accounts"
 * Registration.CAPABILITIES // ["card_payments", "payouts", "stored_value", "cross_border"]
 * ```
 * @category models
 * @since 0.1.0
 */
export const CAPABILITIES: ReadonlyArray<Capability> = [
  "card_payments",
  "payouts",
  "stored_value",
  "cross_border"
]

const Capabilities = Schema.Array(Capability).check(
  Schema.isMinLength(1),
  Schema.isMaxLength(4),
  Schema.makeFilter(
    (cs: ReadonlyArray<string>) => new Set(cs).size === cs.length || "a capability is listed twice"
  )
)

/**
 * A payment card as entered. Only its brand, last four digits and a keyed fingerprint are ever
 * stored; the number itself never reaches storage or logs.
 *
 * @example
 * ```ts
 * import { Registration } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Registration.CardInput)({ number: "4242424242424242", expMonth: 12, expYear: 2030 })
 * ```
 * @category models
 * @since 0.1.0
 */
export const CardInput = Schema.Struct({
  number: Schema.String.check(
    Schema.isPattern(/^\d{12,19}$/, { message: "expected 12 to 19 digits" }),
    Schema.makeFilter((s: string) => luhn(s) || "fails the Luhn check")
  ),
  expMonth: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 12 })),
  expYear: Schema.Int.check(Schema.isBetween({ minimum: 2000, maximum: 2100 }))
})

/**
 * A bank account for payouts; the account number (IBAN or local) is sealed in the vault.
 *
 * @example
 * ```ts
 * import { Registration } from "@paykit/accounts"
 * import { Schema } from "effect"
 * Schema.decodeUnknownSync(Registration.BankAccountInput)({ country: "DE", currency: "EUR", accountNumber: "DE89370400440532013000" })
 * ```
 * @category models
 * @since 0.1.0
 */
export const BankAccountInput = Schema.Struct({
  country: Country,
  currency: Currency.Code,
  accountNumber: Schema.String.check(
    Schema.isPattern(/^[A-Z0-9]{6,34}$/, { message: "expected 6 to 34 upper-case letters or digits" })
  )
})

/**
 * True when the digits pass the Luhn checksum.
 *
 * @example
 * ```ts
 * import { Registration } from "@paykit/accounts"
 * Registration.luhn("4242424242424242") // true
 * ```
 * @category guards
 * @since 0.1.0
 */
export const luhn = (digits: string): boolean => {
  if (!/^\d+$/.test(digits)) return false
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}

const TaxId = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9 ./-]{1,39}$/, {
    message: "expected 2 to 40 letters, digits, ' ./-'"
  })
)

const common = {
  email: Email,
  phone: Phone,
  country: Country,
  currency: Currency.Code,
  capabilities: Capabilities,
  industry: Schema.optionalKey(
    Schema.String.check(Schema.isPattern(/^\d{4}$/, { message: "expected a 4-digit merchant category code" }))
  ),
  website: Schema.optionalKey(
    Schema.String.check(
      Schema.isMaxLength(200),
      Schema.isPattern(/^https:\/\/[A-Za-z0-9.-]+\.[A-Za-z]{2,}(\/\S*)?$/, {
        message: "expected an https:// URL"
      }),
      isStorable
    )
  ),
  card: Schema.optionalKey(CardInput),
  bankAccount: Schema.optionalKey(BankAccountInput),
  owner: Schema.Struct({ userId: LoginId })
}

/**
 * An individual (sole person) signing up. Their email and phone are the top-level contact
 * fields. `owner.userId` is the host's login id of the person who will own the merchant's team.
 *
 * @example
 * ```ts
 * import { Registration } from "@paykit/accounts"
 * const jane = {
 *   type: "individual", email: "jane@example.com", phone: "+4915112345678", country: "DE", currency: "EUR",
 *   capabilities: ["card_payments", "payouts"], owner: { userId: "u1" },
 *   person: { firstName: "Jane", lastName: "Doe", dateOfBirth: "1990-04-01" }
 * }
 * ```
 * @category models
 * @since 0.1.0
 */
export const IndividualApplicant = Schema.Struct({
  type: Schema.Literal("individual"),
  ...common,
  person: Schema.Struct({
    firstName: Person.fields.firstName,
    lastName: Person.fields.lastName,
    dateOfBirth: Person.fields.dateOfBirth,
    address: Person.fields.address,
    idNumber: Person.fields.idNumber,
    idDocument: Person.fields.idDocument
  })
})

/**
 * An individual applicant.
 *
 * @category models
 * @since 0.1.0
 */
export type IndividualApplicant = typeof IndividualApplicant.Type

/**
 * A company signing up: registration number, tax id, its legal representative, its owners
 * (ownership percentages may not add up to more than 100), optionally its directors, and
 * `ownersProvided: true` when the signing owner attests that every beneficial owner is listed
 * (the `company.owners_provided` requirement; it can be given later with `Accounts.attestOwners`).
 *
 * @example
 * ```ts
 * import { Registration } from "@paykit/accounts"
 * import { Schema } from "effect"
 * declare const input: unknown
 * const company = Schema.decodeUnknownSync(Registration.BusinessApplicant)(input)
 * ```
 * @category models
 * @since 0.1.0
 */
export const BusinessApplicant = Schema.Struct({
  type: Schema.Literal("business"),
  ...common,
  legalName: text(200),
  registrationNumber: Schema.String.check(
    Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9 ./-]{1,39}$/, {
      message: "expected 2 to 40 letters, digits, ' ./-'"
    })
  ),
  taxId: TaxId,
  address: Address,
  representative: Person,
  owners: Schema.Array(Owner).check(
    Schema.isMaxLength(25),
    Schema.makeFilter(
      (os: ReadonlyArray<{ readonly ownershipPercent: number }>) =>
        os.reduce((s, o) => s + Math.round(o.ownershipPercent * 100), 0) <= 10_000 ||
        "ownership percentages add up to more than 100",
      { title: "Owners" }
    )
  ),
  directors: Schema.optionalKey(Schema.Array(Person).check(Schema.isMaxLength(25))),
  ownersProvided: Schema.optionalKey(Schema.Boolean)
})

/**
 * A business applicant.
 *
 * @example
 * ```ts
 * import { Registration } from "@paykit/accounts"
 * import { Schema } from "effect"
 * declare const input: unknown
 * const company = Schema.decodeUnknownSync(Registration.BusinessApplicant)(input)
 * ```
 * @category models
 * @since 0.1.0
 */
export type BusinessApplicant = typeof BusinessApplicant.Type

/**
 * Either kind of applicant, told apart by `type`.
 *
 * @example
 * ```ts
 * import { Registration } from "@paykit/accounts"
 * import { Schema } from "effect"
 * declare const input: unknown
 * const applicant = Schema.decodeUnknownSync(Registration.Applicant)(input) // individual or business
 * ```
 * @category models
 * @since 0.1.0
 */
export const Applicant = Schema.Union([IndividualApplicant, BusinessApplicant])

/**
 * An applicant.
 *
 * @example
 * ```ts
 * import { Registration } from "@paykit/accounts"
 * import { Schema } from "effect"
 * declare const input: unknown
 * const applicant = Schema.decodeUnknownSync(Registration.Applicant)(input) // individual or business
 * ```
 * @category models
 * @since 0.1.0
 */
export type Applicant = typeof Applicant.Type

/**
 * A change to profile data. `subject` names the person (a representative or owner id) for
 * person fields of a business; omitted, it is the account holder.
 *
 * @example
 * ```ts
 * import type { Registration } from "@paykit/accounts"
 * const patch: Registration.ProfilePatch = { phone: "+4915199999999", idDocument: "file_identity_document_success" }
 * ```
 * @category models
 * @since 0.1.0
 */
export const ProfilePatch = Schema.Struct({
  subject: Schema.optionalKey(text(40)),
  email: Schema.optionalKey(Email),
  phone: Schema.optionalKey(Phone),
  address: Schema.optionalKey(Address),
  firstName: Schema.optionalKey(text(100)),
  lastName: Schema.optionalKey(text(100)),
  dateOfBirth: Schema.optionalKey(DateOfBirth),
  idNumber: Schema.optionalKey(text(40)),
  idDocument: Schema.optionalKey(text(100)),
  taxId: Schema.optionalKey(TaxId),
  website: Schema.optionalKey(common.website.schema),
  industry: Schema.optionalKey(common.industry.schema),
  card: Schema.optionalKey(CardInput),
  bankAccount: Schema.optionalKey(BankAccountInput)
})

/**
 * A profile change.
 *
 * @example
 * ```ts
 * import type { Registration } from "@paykit/accounts"
 * const patch: Registration.ProfilePatch = { phone: "+4915199999999", idDocument: "file_identity_document_success" }
 * ```
 * @category models
 * @since 0.1.0
 */
export type ProfilePatch = typeof ProfilePatch.Type
