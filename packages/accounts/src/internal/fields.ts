/**
 * Which personal fields each subject holds and each verification case checks, and the pure
 * summaries the account record keeps instead of personal values (card brand and last four, bank
 * last four).
 *
 * @internal
 */
import { Result } from "effect"
import type { BankSummary, CardSummary } from "../Account.ts"
import type * as Registration from "../Registration.ts"
import * as Verification from "../Verification.ts"

export const PERSON_FIELDS: ReadonlyArray<string> = [
  "firstName",
  "lastName",
  "dateOfBirth",
  "email",
  "phone",
  "address",
  "idNumber",
  "idDocument"
]

export const BUSINESS_HOLDER_FIELDS: ReadonlyArray<string> = [
  "email",
  "phone",
  "address",
  "taxId",
  "registrationNumber",
  "bankAccountNumber"
]

export const INDIVIDUAL_HOLDER_FIELDS: ReadonlyArray<string> = [...PERSON_FIELDS, "bankAccountNumber"]

/** The fields each kind of verification case checks. */
export const CASE_FIELDS: { readonly [K in Verification.Kind]: ReadonlyArray<string> } = {
  identity: ["firstName", "lastName", "dateOfBirth", "idNumber"],
  document: ["idDocument"],
  company: ["taxId", "registrationNumber"]
}

export const brandOf = (n: string): string =>
  /^4/.test(n)
    ? "visa"
    : /^(5[1-5]|2[2-7])/.test(n)
      ? "mastercard"
      : /^3[47]/.test(n)
        ? "amex"
        : /^6(011|5)/.test(n)
          ? "discover"
          : "unknown"

/** A card as the account keeps it: brand, last four and the keyed fingerprint. */
export const cardSummary = (number: string, fingerprint: string): CardSummary => ({
  brand: brandOf(number),
  last4: number.slice(-4),
  fingerprint
})

/** A bank account as the account keeps it: country, currency and last four. */
export const bankSummary = (b: typeof Registration.BankAccountInput.Type): BankSummary => ({
  country: b.country,
  currency: b.currency,
  last4: b.accountNumber.slice(-4)
})

/** A person's personal fields as the vault seals them. */
export const personValues = (p: Registration.Person): Record<string, string> => {
  const out: Record<string, string> = {
    firstName: p.firstName,
    lastName: p.lastName,
    dateOfBirth: p.dateOfBirth
  }
  if (p.email !== undefined) out["email"] = p.email
  if (p.phone !== undefined) out["phone"] = p.phone
  if (p.address !== undefined) out["address"] = JSON.stringify(p.address)
  if (p.idNumber !== undefined) out["idNumber"] = p.idNumber
  if (p.idDocument !== undefined) out["idDocument"] = p.idDocument
  return out
}

/** Moves a case to `data_provided` once every field it checks is present. */
export const provideIfComplete = (
  c: Verification.Case,
  present: ReadonlyArray<string>,
  now: number
): Verification.Case => {
  const complete = CASE_FIELDS[c.kind].every((f) => present.includes(f))
  if (!complete || c.status === "data_provided") return c
  return Result.getOrElse(Verification.next(c, { _tag: "provide" }, now), () => c)
}

/** Reopens (moves to `data_provided`) the cases of `subject` whose checked data changed, once complete. */
export const reopenChanged = (
  cases: ReadonlyArray<Verification.Case>,
  subject: string,
  changed: ReadonlyArray<string>,
  present: ReadonlyArray<string>,
  now: number
): ReadonlyArray<Verification.Case> =>
  cases.map((c) => {
    if (c.subject !== subject) return c
    const touched = CASE_FIELDS[c.kind].some((f) => changed.includes(f))
    if (touched && CASE_FIELDS[c.kind].every((f) => present.includes(f))) {
      return Result.getOrElse(Verification.next(c, { _tag: "provide" }, now), () => c)
    }
    return c
  })
