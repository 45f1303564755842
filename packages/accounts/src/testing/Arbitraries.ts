import fc from "fast-check"
import * as Permissions from "../Permissions.ts"
import * as Registration from "../Registration.ts"

/**
 * Member ids `m0` … `m5`.
 *
 * @example
 * ```ts
 * import { Arbitraries } from "@paykit/accounts/testing"
 * import fc from "fast-check"
 * fc.sample(Arbitraries.memberId, 3)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const memberId: fc.Arbitrary<string> = fc.constantFrom("m0", "m1", "m2", "m3", "m4", "m5")

/**
 * A team: an owner among `m0`…`m5` and other members with random roles.
 *
 * @example
 * ```ts
 * import { Arbitraries } from "@paykit/accounts/testing"
 * import fc from "fast-check"
 * fc.sample(Arbitraries.team, 1)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const team: fc.Arbitrary<Permissions.Team> = fc
  .tuple(
    memberId,
    fc.uniqueArray(
      fc.record({
        id: memberId,
        roles: fc.uniqueArray(fc.constantFrom(...Permissions.Role.literals), { maxLength: 3 })
      }),
      { selector: (m) => m.id, maxLength: 6 }
    )
  )
  .map(([owner, members]) => ({
    owner,
    members: [{ id: owner, roles: [] }, ...members.filter((m) => m.id !== owner)]
  }))

/**
 * A restricted key's per-resource access.
 *
 * @example
 * ```ts
 * import { Arbitraries } from "@paykit/accounts/testing"
 * import fc from "fast-check"
 * fc.sample(Arbitraries.keyAccess, 1)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const keyAccess: fc.Arbitrary<Partial<Record<Permissions.Resource, Permissions.Access>>> =
  fc.dictionary(
    fc.constantFrom(...Permissions.Resource.literals),
    fc.constantFrom(...Permissions.Access.literals)
  ) as fc.Arbitrary<Partial<Record<Permissions.Resource, Permissions.Access>>>

const digits = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(""))

/**
 * A Luhn-valid card number (16 digits).
 *
 * @example
 * ```ts
 * import { Arbitraries } from "@paykit/accounts/testing"
 * import fc from "fast-check"
 * fc.sample(Arbitraries.cardNumber, 1) // e.g. ["4024007152668183"]
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const cardNumber: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom("4", "51", "37", "6011"), digits(12, 12))
  .map(([prefix, body]) => {
    const partial = (prefix + body).slice(0, 15)
    for (let d = 0; d <= 9; d++) if (Registration.luhn(partial + d)) return partial + d
    return partial + "0"
  })

/**
 * A valid email address, unique per `n`.
 *
 * @example
 * ```ts
 * import { Arbitraries } from "@paykit/accounts/testing"
 * import fc from "fast-check"
 * fc.sample(Arbitraries.email, 1)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const email: fc.Arbitrary<string> = fc
  .tuple(
    fc.stringMatching(/^[a-z][a-z0-9._-]{2,15}$/),
    fc.stringMatching(/^[a-z]{3,10}$/),
    fc.constantFrom("com", "de", "io")
  )
  .filter(([local]) => !/[._-]$/.test(local) && !/[._-]{2}/.test(local))
  .map(([l, d, t]) => `${l}@${d}.${t}`)

/**
 * An E.164 phone number with 11 to 13 digits.
 *
 * @example
 * ```ts
 * import { Arbitraries } from "@paykit/accounts/testing"
 * import fc from "fast-check"
 * fc.sample(Arbitraries.phone, 1) // e.g. ["+49151234567890"]
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const phone: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 1, max: 9 }), digits(10, 12))
  .map(([c, rest]) => `+${c}${rest}`)

const name = fc.stringMatching(/^[A-Z][a-z]{1,12}$/)

/**
 * A valid individual applicant with a card, unique by `index` (emails are prefixed with it).
 *
 * @example
 * ```ts
 * import { Arbitraries } from "@paykit/accounts/testing"
 * import fc from "fast-check"
 * const [applicant] = fc.sample(Arbitraries.individual(0), 1)
 * ```
 * @category constructors
 * @since 0.1.0
 */
export const individual = (
  index: number
): fc.Arbitrary<
  typeof Registration.IndividualApplicant.Encoded &
    Required<Pick<typeof Registration.IndividualApplicant.Encoded, "card">>
> =>
  fc
    .record({
      email,
      phone,
      card: cardNumber,
      firstName: name,
      lastName: name,
      year: fc.integer({ min: 1930, max: 2005 })
    })
    .map((g) => ({
      type: "individual",
      email: `u${index}.${g.email}`,
      phone: g.phone,
      country: "DE",
      currency: "EUR",
      capabilities: ["card_payments", "payouts"],
      owner: { userId: `user-${index}` },
      person: {
        firstName: g.firstName,
        lastName: g.lastName,
        dateOfBirth: `${g.year}-06-15`,
        address: { line1: "Hauptstr. 1", city: "Berlin", postalCode: "10115", country: "DE" },
        idNumber: "000000000"
      },
      card: { number: g.card, expMonth: 12, expYear: 2030 }
    }))
